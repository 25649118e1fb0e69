//! One realistic example of every message type, for tests, benchmarks and documentation.

use crate::header::{Header, NodeName};
use crate::messages::*;
use crate::sample::Sample;
use crate::time::SimTime;
use crate::topic::TopicId;

/// A greyscale frame of `width` x `height` with a deterministic gradient.
pub fn camera_frame(width: u32, height: u32) -> CameraFrame {
    let data: Vec<u8> = (0..width * height)
        .map(|i| ((i % width + i / width) % 251) as u8)
        .collect();
    CameraFrame {
        format: PixelFormat::Gray8,
        width,
        height,
        stride: width,
        data: Blob::from(data),
    }
}

/// One example payload for every topic, in topic order.
pub fn every_topic() -> Vec<(TopicId, Message)> {
    let poi = Poi {
        id: 7,
        name: "Bean There".into(),
        category: PoiCategory::Coffee,
        position: GeoPoint {
            lat: 48.1372,
            lon: 11.5756,
        },
        brand: Some("Bean There".into()),
        opening_hours: Some("07:00-19:00".into()),
    };
    let utterance = Utterance {
        speaker: Speaker::Passenger,
        text: "I could really use a coffee".into(),
        source: UtteranceSource::Script,
        duration_s: 1.6,
    };
    let eye = EyeObservation {
        openness_raw: 0.37,
        openness: Some(0.97),
        iris_offset: Some(Point2 { x: 0.02, y: -0.01 }),
        contour: vec![Point2 { x: 203.5, y: 101.0 }; 4],
    };
    vec![
        (TopicId::Camera, Message::CameraFrame(camera_frame(64, 48))),
        (
            TopicId::Audio,
            Message::AudioChunk(AudioChunk {
                sample_rate_hz: 16_000,
                channel: 1,
                samples: vec![0.0, 0.25, -0.5, 1.0],
            }),
        ),
        (
            TopicId::Ecg,
            Message::BiometricChunk(BiometricChunk {
                kind: BiometricKind::Ecg,
                sample_rate_hz: 250.0,
                samples: vec![0.1, 0.9, f32::NAN, -0.2],
            }),
        ),
        (
            TopicId::Ppg,
            Message::BiometricChunk(BiometricChunk {
                kind: BiometricKind::Ppg,
                sample_rate_hz: 100.0,
                samples: vec![0.5; 8],
            }),
        ),
        (
            TopicId::Vehicle,
            Message::VehicleState(VehicleState {
                position: GeoPoint {
                    lat: 48.13,
                    lon: 11.57,
                },
                speed_mps: 27.5,
                heading_deg: 92.0,
                route_progress_m: 1234.5,
                time_of_day_s: 14 * 3600,
            }),
        ),
        (
            TopicId::Environment,
            Message::CabinEnvironment(CabinEnvironment {
                co2_ppm: 1450.0,
                temperature_c: 22.5,
                humidity_pct: 41.0,
                ambient_light: AmbientLight::Tunnel,
                outside_temperature_c: 8.0,
                weather: Weather::Rain,
            }),
        ),
        (
            TopicId::Route,
            Message::Route(Route {
                name: "A9 north".into(),
                polyline: vec![
                    GeoPoint {
                        lat: 48.1,
                        lon: 11.5,
                    },
                    GeoPoint {
                        lat: 48.2,
                        lon: 11.6,
                    },
                ],
                length_m: 13_400.0,
            }),
        ),
        (
            TopicId::Pois,
            Message::PoiSet(PoiSet {
                pois: vec![poi.clone()],
            }),
        ),
        (
            TopicId::GroundTruth,
            Message::DriverGroundTruth(DriverGroundTruth {
                frame_seq: 42,
                face_present: true,
                camera_blocked: false,
                yaw_deg: -12.0,
                pitch_deg: 3.0,
                roll_deg: 0.5,
                left_eye_closure: 0.1,
                right_eye_closure: 0.1,
                gaze_zone: GazeZone::CentreDisplay,
                episode: Some("long_distraction".into()),
            }),
        ),
        (
            TopicId::ScriptedSpeech,
            Message::Utterance(utterance.clone()),
        ),
        (
            TopicId::Face,
            Message::FaceObservation(FaceObservation {
                frame_seq: 42,
                camera: CameraStatus::Ok,
                brightness: 96.0,
                face: Some(Face {
                    score: 0.92,
                    bbox: BoundingBox {
                        x: 179.0,
                        y: 81.0,
                        width: 93.0,
                        height: 93.0,
                    },
                    keypoints: vec![Point2 { x: 205.0, y: 100.0 }; 6],
                    left_eye: eye.clone(),
                    right_eye: eye,
                    head_pose: HeadPose {
                        yaw_deg: -12.0,
                        pitch_deg: 2.0,
                        roll_deg: 1.0,
                    },
                    gaze_yaw_deg: -15.0,
                    gaze_pitch_deg: -3.0,
                    gaze_zone: GazeZone::RoadAhead,
                }),
            }),
        ),
        (
            TopicId::Heart,
            Message::HeartState(HeartState {
                kind: BiometricKind::Ecg,
                heart_rate_bpm: Some(64.0),
                rmssd_ms: Some(42.0),
                sdnn_ms: Some(51.0),
                quality: 0.93,
                flags: vec![SignalFlag::Artefact],
                beats: 31,
            }),
        ),
        (
            TopicId::DriverState,
            Message::DriverState(DriverState {
                valid: true,
                monitoring: Monitoring::Calibrating { progress: 0.4 },
                distraction: Distraction {
                    eyes_off_road_s: 1.2,
                    away_in_window_s: 4.0,
                    ..Default::default()
                },
                drowsiness: Drowsiness {
                    kss: 5.5,
                    perclos: 0.08,
                    blinks_per_min: 14.0,
                    mean_blink_ms: 180.0,
                    microsleeps: 0,
                },
                unresponsive: false,
                heart_rate_bpm: Some(64.0),
                hrv_rmssd_ms: Some(42.0),
                speed_mps: 27.5,
                calibration: 0.4,
            }),
        ),
        (
            TopicId::Alert,
            Message::Alert(Alert {
                kind: AlertKind::LongDistraction,
                level: AlertLevel::Warning,
                reason: "eyes off road 3.2 s at 99 km/h".into(),
            }),
        ),
        (TopicId::Utterance, Message::Utterance(utterance)),
        (
            TopicId::Interests,
            Message::InterestSet(InterestSet {
                interests: vec![Interest {
                    kind: InterestKind::Coffee,
                    detail: None,
                    speaker: Speaker::Passenger,
                    confidence: 0.9,
                    since_s: 95.0,
                }],
            }),
        ),
        (
            TopicId::Suggestion,
            Message::Suggestion(Suggestion {
                id: 1,
                interest: InterestKind::Coffee,
                action: SuggestionAction::Stop {
                    poi,
                    distance_m: 2100.0,
                    detour_s: 120.0,
                },
                text: "Stop for coffee at Bean There in 2.1 km?".into(),
                phrased_by: "template".into(),
                reason: "passenger wanted coffee 3 min ago; open; 2 min detour".into(),
            }),
        ),
        (
            TopicId::Decision,
            Message::AgentDecision(AgentDecision {
                decision: "held_back".into(),
                interest: Some(InterestKind::Coffee),
                poi_id: Some(7),
                reason: "driver distracted".into(),
            }),
        ),
        (
            TopicId::Response,
            Message::UserResponse(UserResponse {
                suggestion_id: 1,
                answer: Answer::Decline,
                source: ResponseSource::Touch,
            }),
        ),
        (
            TopicId::Diagnostics,
            Message::Diagnostic(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::QueueOverflow {
                    topic: "sensors/camera".into(),
                    subscriber: "camera".into(),
                    dropped: 3,
                },
                message: "3 frames dropped".into(),
            }),
        ),
    ]
}

/// Every example as a sample from `source` at `stamp`.
pub fn every_sample(source: &str, stamp: SimTime) -> Vec<Sample> {
    let source = NodeName::new(source).unwrap_or_default();
    every_topic()
        .into_iter()
        .enumerate()
        .map(|(i, (topic, message))| Sample {
            topic,
            header: Header {
                source: source.clone(),
                seq: i as u64,
                stamp,
            },
            message,
        })
        .collect()
}
