//! Scoring on a hand-made scenario and hand-made events whose answers are known: episodes against
//! their earliest protocol times, false alerts, suggestions, and the frame-by-frame metrics.

use cabin_bus::prelude::*;
use cabin_bus::runtime::EventLog;
use cabin_sim::scenario::{EpisodeKind, Scenario};
use cabin_sim::score::frames::TruthSource;
use cabin_sim::score::{score, score_samples};
use std::io::Write;

const SCENARIO: &str = include_str!("data/scored.toml");

fn sample(t: f64, topic: TopicId, seq: u64, message: Message) -> Sample {
    Sample {
        topic,
        header: Header {
            source: NodeName::new("driver_state").unwrap(),
            seq,
            stamp: SimTime::from_secs_f64(t),
        },
        message,
    }
}

fn alert(t: f64, seq: u64, kind: AlertKind, level: AlertLevel) -> Sample {
    sample(
        t,
        TopicId::Alert,
        seq,
        Message::Alert(Alert {
            kind,
            level,
            reason: format!("test {kind:?}"),
        }),
    )
}

#[test]
fn scores_match_the_known_answers() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).expect("scenario");
    let cup = scenario.pois[0].clone();
    use AlertKind::*;
    use AlertLevel::*;
    let events = vec![
        alert(2.0, 0, LongDistraction, Warning), // false alert (normal driving)
        alert(2.5, 1, LongDistraction, Cleared),
        alert(13.3, 2, LongDistraction, Warning), // detects the long distraction: latency 3.15 s
        alert(14.0, 3, LongDistraction, Critical), // escalation, not a new alert
        alert(15.0, 4, LongDistraction, Cleared),
        // Within end 27.85 + 3 s grace, but the 3 glances add up to 5.1 s away, never the protocol's
        // 10 s within 30 s: a premature (false) alert, and the episode is not scorable.
        alert(29.0, 5, VisualTimeSharing, Warning),
        alert(30.0, 6, VisualTimeSharing, Cleared),
        alert(36.0, 7, Drowsiness, Warning), // during the microsleep, but not a microsleep alert
        alert(39.0, 8, Drowsiness, Cleared),
        sample(
            32.0,
            TopicId::Suggestion,
            0,
            Message::Suggestion(Suggestion {
                id: 1,
                interest: InterestKind::Coffee,
                action: SuggestionAction::Stop {
                    poi: cup,
                    distance_m: 800.0,
                    detour_s: 60.0,
                },
                text: "Coffee at Cup in 800 m?".into(),
                phrased_by: "template".into(),
                reason: "test".into(),
            }),
        ),
        alert(46.0, 9, CannotMonitor, Warning), // detects the blocked camera: latency 1.0 s
        alert(50.0, 10, CannotMonitor, Cleared),
        alert(55.0, 11, PhoneUse, Info), // false alert
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    {
        let f = std::fs::File::create(&path).unwrap();
        let mut log = EventLog::to_writer(Box::new(f));
        for e in &events {
            log.record(e).unwrap();
        }
        log.finish().unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "{{\"t_ns\": 1, \"topic\": \"nowhere\"}}").unwrap();
    }

    let r = score(&scenario, &path).expect("scores");
    assert_eq!(r.events, events.len() as u64);
    assert_eq!(r.bad_lines.len(), 1, "{:?}", r.bad_lines);
    assert!(
        r.bad_lines[0].contains(":14:"),
        "line number: {:?}",
        r.bad_lines
    );

    let by_kind = |k: EpisodeKind| r.episodes.iter().find(|e| e.kind == k).unwrap();
    let long = by_kind(EpisodeKind::LongDistraction);
    assert!(long.detected);
    assert!((long.start_s - 10.15).abs() < 1e-9, "{}", long.start_s);
    assert!(
        (long.latency_s.unwrap() - 3.15).abs() < 1e-6,
        "{:?}",
        long.latency_s
    );
    assert!((long.earliest_s.unwrap() - 13.15).abs() < 1e-9);
    assert!((long.protocol_latency_s.unwrap() - 0.15).abs() < 1e-6);
    let vts = by_kind(EpisodeKind::VisualTimeSharing);
    assert!((vts.end_s - 27.85).abs() < 1e-9, "{}", vts.end_s);
    assert!(!vts.scorable() && !vts.detected, "{vts:?}");
    let micro = by_kind(EpisodeKind::Microsleep);
    assert!(
        !micro.detected,
        "a drowsiness alert does not count for a microsleep"
    );
    let blocked = by_kind(EpisodeKind::CameraBlocked);
    assert!(blocked.detected && (blocked.latency_s.unwrap() - 1.0).abs() < 1e-6);
    assert_eq!((r.detected(), r.scorable()), (2, 3));

    // False alerts: at 2.0 (LongDistraction), 29.0 (the premature VisualTimeSharing) and 55.0
    // (PhoneUse); the escalation is not one.
    let f: Vec<(f64, AlertKind)> = r.false_alerts.iter().map(|a| (a.at_s, a.kind)).collect();
    assert_eq!(
        f,
        vec![
            (2.0, LongDistraction),
            (29.0, VisualTimeSharing),
            (55.0, PhoneUse)
        ]
    );
    assert!(r.false_alerts[0].premature_for.is_none());
    let why = r.false_alerts[1].premature_for.as_deref().unwrap_or("");
    assert!(
        why.contains("visual_time_sharing") && why.contains("never"),
        "{why}"
    );
    // Normal driving = 60 - (7.0 + 10.7 + 5.6 + 7.0) s.
    assert!(
        (r.normal_driving_s - 29.7).abs() < 1e-6,
        "{}",
        r.normal_driving_s
    );
    assert!((r.false_alerts_per_hour - 3.0 / (29.7 / 3600.0)).abs() < 1e-6);
    assert_eq!(r.unexpected_alerts.len(), 1);
    assert_eq!(r.unexpected_alerts[0].onset.kind, Drowsiness);

    // Suggestions.
    assert_eq!(r.suggestions.len(), 1);
    let s = &r.suggestions[0];
    assert_eq!((s.at_s, s.poi.as_deref()), (32.0, Some("Cup")));
    assert_eq!(s.during_episode, None);
    assert_eq!(s.since_utterance_s, Some(27.0));
    assert!(r.expectations[0].met && r.expectations[0].at_s == Some(32.0));
    assert!(!r.expectations[1].met, "no fuel suggestion was made");
    assert!(!r.passed());

    // The table and the JSON say the same.
    let table = r.table();
    assert!(
        table.contains("MISSED") && table.contains("detected 2/3") && table.contains("n/a"),
        "{table}"
    );
    let json: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(json["episodes"][0]["kind"], "long_distraction");
    assert_eq!(json["false_alerts"].as_array().unwrap().len(), 3);
    assert!(json["episodes"][1]["earliest_s"].is_null());
    // No camera observations in these events: no frame metrics.
    assert!(r.frames.is_none() && json["frames"].is_null());
}

#[test]
fn a_missing_events_file_is_an_error_naming_it() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).unwrap();
    let e = score(&scenario, std::path::Path::new("/nope/events.jsonl")).unwrap_err();
    assert!(e.to_string().contains("/nope/events.jsonl"), "{e}");
}

#[test]
fn a_distraction_alert_before_3_s_is_a_false_alert_not_a_detection() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).expect("scenario");
    use AlertKind::*;
    use AlertLevel::*;
    // The long distraction starts at 10.15 s: a warning 0.85 s into it cannot be a correct one.
    let samples = vec![
        alert(11.0, 0, LongDistraction, Warning),
        alert(11.5, 1, LongDistraction, Cleared),
        alert(45.0, 2, CannotMonitor, Warning), // the blocked camera: due from its start
    ];
    let r = score_samples(&scenario, &samples);
    let long = &r.episodes[0];
    assert_eq!(long.kind, EpisodeKind::LongDistraction);
    assert!(!long.detected, "{long:?}");
    assert_eq!(r.false_alerts.len(), 1);
    let f = &r.false_alerts[0];
    assert_eq!((f.at_s, f.kind), (11.0, LongDistraction));
    let why = f.premature_for.as_deref().unwrap_or("");
    assert!(
        why.contains("long_distraction") && why.contains("13.15"),
        "{why}"
    );
    let blocked = r
        .episodes
        .iter()
        .find(|e| e.kind == EpisodeKind::CameraBlocked)
        .unwrap();
    assert_eq!(
        (blocked.latency_s, blocked.protocol_latency_s),
        (Some(0.0), Some(0.0))
    );
}

#[test]
fn time_sharing_is_due_once_10_s_are_away_within_30_s() {
    // 7 glances of 2 s, 1 s apart, 0.3 s turns: each is away (zone past mid-turn) for 1.7 s, so the
    // 10 s are reached 1.5 s into the sixth glance: 100 + 5 x 3 + 0.15 + 1.5 = 116.65 s.
    let text = r#"
[scenario]
name = "vats"
duration_s = 140.0
[route]
points = [[48.0, 11.0], [48.05, 11.0]]
speed_kmh = 80
[[driver.time_sharing]]
at_s = 100.0
direction = "centre_display"
glances = 7
glance_s = 2.0
between_s = 1.0
transition_s = 0.3
"#;
    let scenario = Scenario::parse(text, "vats.toml", None).expect("scenario");
    let e = &scenario.episodes()[0];
    let p = cabin_sim::score::protocol::earliest(&scenario, e);
    let at = p.earliest_s.expect("7 x 1.7 s reaches 10 s");
    assert!((at - 116.65).abs() <= 0.002, "{at}");
    assert!(p.rule.contains("10 s away within 30 s"), "{}", p.rule);
    // An alert at 116.0 is premature; one at 116.7 detects it.
    use AlertKind::VisualTimeSharing as V;
    let early = score_samples(&scenario, &[alert(116.0, 0, V, AlertLevel::Warning)]);
    assert!(!early.episodes[0].detected && early.false_alerts.len() == 1);
    let due = score_samples(&scenario, &[alert(116.7, 0, V, AlertLevel::Warning)]);
    assert!(due.episodes[0].detected && due.false_alerts.is_empty());
    assert!((due.episodes[0].protocol_latency_s.unwrap() - 0.05).abs() <= 0.002);
}

#[test]
fn a_microsleep_is_due_after_1_s_of_eyes_80_percent_closed() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).expect("scenario");
    let c = scenario.driver.closures[0];
    let e = scenario
        .episodes()
        .iter()
        .find(|e| e.kind == EpisodeKind::Microsleep)
        .unwrap();
    // The lids pass 80 % at smoothstep(x) = 0.8 of the slow closure (bisection), then 1 s more.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..50 {
        let mid = (lo + hi) / 2.0;
        if cabin_sim::scenario::smoothstep(mid) < 0.8 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let expected = c.start_s + hi * c.closing_s + 1.0;
    let at = cabin_sim::score::protocol::earliest(&scenario, e)
        .earliest_s
        .unwrap();
    assert!((at - expected).abs() <= 0.002, "{at} vs {expected}");
}

fn ground_truth(t: f64, seq: u64, present: bool, yaw: f32, zone: GazeZone, closure: f32) -> Sample {
    sample(
        t,
        TopicId::GroundTruth,
        seq,
        Message::DriverGroundTruth(DriverGroundTruth {
            frame_seq: seq,
            face_present: present,
            camera_blocked: !present,
            yaw_deg: yaw,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            left_eye_closure: closure,
            right_eye_closure: closure,
            gaze_zone: zone,
            episode: None,
        }),
    )
}

fn observation(t: f64, seq: u64, camera: CameraStatus, face: Option<Face>) -> Sample {
    sample(
        t,
        TopicId::Face,
        seq,
        Message::FaceObservation(FaceObservation {
            frame_seq: seq,
            camera,
            brightness: 100.0,
            face,
        }),
    )
}

fn face(yaw: f32, zone: GazeZone, openness: Option<f32>) -> Option<Face> {
    let eye = EyeObservation {
        openness_raw: 0.3,
        openness,
        ..Default::default()
    };
    Some(Face {
        score: 0.9,
        head_pose: HeadPose {
            yaw_deg: yaw,
            pitch_deg: 0.0,
            roll_deg: 0.0,
        },
        left_eye: eye.clone(),
        right_eye: eye,
        gaze_zone: zone,
        ..Default::default()
    })
}

#[test]
fn frame_metrics_have_the_known_answers() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).expect("scenario");
    use CameraStatus::*;
    use GazeZone::*;
    let samples = vec![
        // 0: face on both sides, yaw error +2, zone right, closure 0.25 read for 0.2 (+0.05).
        ground_truth(0.1, 0, true, 10.0, RoadAhead, 0.2),
        observation(0.1, 0, Ok, face(12.0, RoadAhead, Some(0.75))),
        // 1: yaw error -4, centre display read as the cluster, openness not calibrated.
        ground_truth(0.2, 1, true, 0.0, CentreDisplay, 0.0),
        observation(0.2, 1, Ok, face(-4.0, InstrumentCluster, None)),
        // 2: face in view, not found (a miss; zone unknown).
        ground_truth(0.3, 2, true, 0.0, RoadAhead, 0.0),
        observation(0.3, 2, FaceLost, None),
        // 3: lens covered, a face "found" (a false positive).
        ground_truth(0.4, 3, false, 0.0, RoadAhead, 0.0),
        observation(0.4, 3, Ok, face(0.0, RoadAhead, Some(1.0))),
        // 4: face in view, frame dropped (no output): a miss for recall, nothing else.
        ground_truth(0.5, 4, true, 0.0, RoadAhead, 0.0),
        // 5: lens covered, nothing found.
        ground_truth(0.6, 5, false, 0.0, RoadAhead, 0.0),
        observation(0.6, 5, Black, None),
        // A timeout tick (answers no frame) and an output at a stamp with no frame.
        observation(0.65, 5, NoFrames, None),
        observation(0.66, 6, Ok, None),
    ];
    let r = score_samples(&scenario, &samples);
    assert_eq!(r.events, 7, "ground truth is not counted as events");
    let f = r.frames.as_ref().expect("frame metrics");
    assert_eq!(f.truth, TruthSource::GroundTruthTopic);
    assert_eq!(
        (f.frames, f.observed, f.dropped, f.unmatched_observations),
        (6, 5, 1, 1)
    );
    let p = &f.presence;
    assert_eq!(
        (
            p.true_positive,
            p.false_positive,
            p.false_negative,
            p.true_negative
        ),
        (2, 1, 2, 1)
    );
    assert_eq!((p.precision, p.recall), (Some(0.6667), Some(0.5)));
    let yaw = &f.head_pose.yaw;
    assert_eq!(yaw.frames, 2);
    assert_eq!(
        (yaw.mean_abs, yaw.p95_abs, yaw.bias),
        (Some(3.0), Some(4.0), Some(-1.0))
    );
    assert_eq!(f.head_pose.pitch.p95_abs, Some(0.0));
    let left = &f.eye_closure.left;
    assert_eq!((left.frames, left.mean_abs), (1, Some(0.05)));
    let g = &f.gaze;
    let at = |t: &str, p: &str| {
        let i = g.zones.iter().position(|z| z == t).unwrap();
        let j = g.zones.iter().position(|z| z == p).unwrap();
        g.confusion[i][j]
    };
    assert_eq!(at("road_ahead", "road_ahead"), 1);
    assert_eq!(at("centre_display", "instrument_cluster"), 1);
    assert_eq!(at("road_ahead", "unknown"), 1);
    assert_eq!((g.frames, g.correct, g.accuracy), (3, 1, Some(0.3333)));

    // The JSON shape the fleet report reads.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["frames"]["presence"]["recall"], 0.5);
    assert_eq!(json["frames"]["head_pose"]["yaw"]["p95_abs"], 4.0);
    assert_eq!(json["frames"]["gaze"]["accuracy"], 0.3333);
    assert_eq!(json["frames"]["truth"], "ground_truth_topic");
    assert!(json["frames"].get("rows").is_none());
    assert!(r.table().contains("recall 0.50"), "{}", r.table());

    // The report: Markdown, JSON and the three plots.
    let dir = tempfile::tempdir().unwrap();
    let written = cabin_sim::score::write_report(&r, dir.path(), "cabin score --test").unwrap();
    assert_eq!(written.len(), 5, "{written:?}");
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("precision 0.6667, recall 0.5000") && md.contains("gaze_confusion.svg"),
        "{md}"
    );
    let svg = std::fs::read_to_string(dir.path().join("gaze_confusion.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("centre_display"));
}

#[test]
fn the_truth_regenerated_from_the_script_is_the_published_ground_truth() {
    use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
    use cabin_sim::score::frames::{truth_from_script, TruthFrame};
    use cabin_sim::source::{SimConfig, SimSource};
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).expect("scenario");
    let config = SimConfig {
        camera: false, // the truth is still published at the camera rate
        speech: "text".into(),
        ..SimConfig::default()
    };
    let node = SimSource::new(scenario.clone(), &config).expect("sim node");
    let exec = DeterministicExecutor::new(
        vec![(NodeName::new("sim").unwrap(), Box::new(node))],
        ExecutorOptions::default(),
    )
    .expect("executor");
    let (_, samples) = exec.run_collecting();
    let published: Vec<(SimTime, TruthFrame)> = samples
        .iter()
        .filter_map(|s| {
            s.get::<DriverGroundTruth>()
                .map(|g| (s.header.stamp, TruthFrame::from(g)))
        })
        .collect();
    let last = published.last().expect("ground truth published").0;
    let regenerated = truth_from_script(&scenario, last);
    assert_eq!(published.len() as f64, 60.0 * scenario.camera.fps);
    assert_eq!(regenerated, published);
}
