//! The `sim` node: plays a scenario onto the bus in vehicle time.
//!
//! One source node publishes everything a drive produces, each stream at its own rate: the route and
//! POIs once (state topics), vehicle state, cabin environment, camera frames with their ground truth,
//! ECG/PPG chunks, microphone audio or scripted text. It wakes exactly at the next due stamp
//! (`ctx.wake_at`), emits every stream due then in a fixed order, and asks the executor to stop at the
//! scenario's end. All content is a function of the scenario and the stamp, so runs are identical
//! whatever the worker count or pacing.

use super::{config_error, FromSpec};
use crate::biometrics::SignalStream;
use crate::camera::{
    frame_stamp, FaceModel, FrameMaker, FramePipeline, Lighting, RealCamera, SyntheticCamera,
};
use crate::error::{Result, SimError};
use crate::scenario::{CameraSource, Scenario, ScriptedUtterance, SpeechMode};
use crate::speech::{Microphone, SAMPLE_RATE_HZ};
use cabin_bus::prelude::*;
use serde::Deserialize;

/// Parameters of the `sim` node (`params = { ... }` in the deployment config).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// `"default"` (the built-in drive) or a path to a scenario TOML file.
    pub scenario: String,
    /// `"scenario"` keeps the scenario's speech mode; `"text"`, `"audio"` or `"both"` override it.
    pub speech: String,
    /// Camera frames per second; 0 keeps the scenario's.
    pub camera_fps: f64,
    /// Frames rendered ahead on a helper thread (0 renders inline). Does not change the output.
    pub render_ahead: usize,
    /// Publish camera frames (false: no frames; ground truth is still published at the camera rate).
    pub camera: bool,
    /// Publish the ground truth topic.
    pub ground_truth: bool,
    /// Stop the run at this time instead of the scenario's end (0 = the scenario's duration).
    pub duration_s: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            scenario: "default".into(),
            speech: "scenario".into(),
            camera_fps: 0.0,
            render_ahead: 4,
            camera: true,
            ground_truth: true,
            duration_s: 0.0,
        }
    }
}

/// A stream with a fixed rate: its k-th item is at round(k * 1e9 / rate) ns.
struct Periodic {
    rate_hz: f64,
    k: u64,
}

impl Periodic {
    fn new(rate_hz: f64) -> Self {
        Periodic { rate_hz, k: 0 }
    }
    fn next(&self) -> SimTime {
        SimTime::from_nanos((self.k as f64 * 1e9 / self.rate_hz).round() as u64)
    }
}

struct CameraStream {
    pipeline: Option<FramePipeline>,
    clock: Periodic,
    published: u64,
}

/// One microphone per seat zone, all cut into chunks on the same clock: channel 0 hears the driver,
/// channel 1 the passenger (what the speech node maps to speakers), each with its own noise floor.
struct AudioStream {
    mics: Vec<(u8, Microphone)>,
    next: SimTime,
}

/// The microphone channel of a seat zone.
fn channel_of(speaker: Speaker) -> u8 {
    match speaker {
        Speaker::Passenger => 1,
        _ => 0,
    }
}

/// The simulator source node.
pub struct SimSource {
    scenario: Scenario,
    end: SimTime,
    started: bool,
    vehicle: Periodic,
    environment: Periodic,
    camera: CameraStream,
    ground_truth: bool,
    ecg: Option<SignalStream>,
    ppg: Option<SignalStream>,
    audio: Option<AudioStream>,
    text: Vec<ScriptedUtterance>,
    next_text: usize,
    /// Reported on the diagnostics topic at start (a fallback, a camera problem).
    notes: Vec<(Severity, String)>,
}

impl FromSpec for SimSource {
    fn from_spec(spec: &NodeSpec) -> Result<SimSource, NodeError> {
        let config: SimConfig = spec.params().map_err(NodeError::from)?;
        let scenario =
            Scenario::from_name_or_path(&config.scenario).map_err(|e| config_error(spec, e))?;
        SimSource::new(scenario, &config).map_err(|e| config_error(spec, e))
    }
}

impl SimSource {
    pub fn new(scenario: Scenario, config: &SimConfig) -> Result<SimSource> {
        let mut notes = Vec::new();
        let duration = if config.duration_s > 0.0 {
            config.duration_s.min(scenario.duration_s)
        } else {
            scenario.duration_s
        };
        let end = SimTime::from_secs_f64(duration);
        let fps = if config.camera_fps > 0.0 {
            config.camera_fps
        } else {
            scenario.camera.fps
        };
        if !(fps.is_finite() && fps > 0.0 && fps <= 240.0) {
            return Err(SimError::Other(format!(
                "camera_fps {fps} must be within (0, 240]"
            )));
        }
        let frames = (0..).take_while(|&n| frame_stamp(n, fps) < end).count() as u64;
        let pipeline = if config.camera {
            let c = &scenario.camera;
            let maker = match &c.source {
                CameraSource::Synthetic => {
                    let lighting =
                        Lighting::new(scenario.environment.ambient_light.clone(), c.exposure_lag_s);
                    Some(FrameMaker::Synthetic {
                        camera: Box::new(SyntheticCamera::with_model(
                            FaceModel::load_face(&scenario.driver.face)?,
                            c,
                            lighting,
                            scenario.seed,
                        )?),
                        script: Box::new(scenario.driver.clone()),
                    })
                }
                CameraSource::Video(p) => Some(FrameMaker::Real(RealCamera::video(
                    p, c.width, c.height, c.color, c.looped,
                )?)),
                CameraSource::Images(p) => Some(FrameMaker::Real(RealCamera::images(
                    p, c.width, c.height, c.color, c.looped,
                )?)),
                CameraSource::None => None,
            };
            maker.map(|m| FramePipeline::new(m, frames, fps, config.render_ahead))
        } else {
            None
        };

        let mode = match config.speech.as_str() {
            "scenario" => scenario.speech.mode,
            "text" => SpeechMode::Text,
            "audio" => SpeechMode::Audio,
            "both" => SpeechMode::Both,
            other => {
                return Err(SimError::Other(format!(
                    "speech = '{other}': use scenario, text, audio or both"
                )))
            }
        };
        let mut audio = None;
        let mut text_too = matches!(mode, SpeechMode::Text | SpeechMode::Both);
        if matches!(mode, SpeechMode::Audio | SpeechMode::Both) {
            let s = &scenario.speech;
            let mics: Result<Vec<(u8, Microphone)>> = [0u8, 1]
                .into_iter()
                .map(|channel| {
                    let heard: Vec<_> = scenario
                        .conversation
                        .iter()
                        .filter(|u| channel_of(u.speaker) == channel)
                        .cloned()
                        .collect();
                    Microphone::new(
                        &heard,
                        &s.voice,
                        s.words_per_min,
                        s.amplitude,
                        s.chunk_ms,
                        s.noise_level,
                        scenario.seed.wrapping_add(channel as u64),
                    )
                    .map(|m| (channel, m))
                })
                .collect();
            match mics {
                Ok(mics) => {
                    audio = Some(AudioStream {
                        mics,
                        next: SimTime::ZERO,
                    })
                }
                Err(e) => {
                    let msg = format!("speech audio unavailable ({e}); publishing the conversation as text instead");
                    tracing::warn!("{msg}");
                    notes.push((Severity::Warning, msg));
                    text_too = true;
                }
            }
        }
        let text = if text_too {
            scenario.conversation.clone()
        } else {
            Vec::new()
        };
        let bio = &scenario.biometrics;
        let ecg = bio
            .ecg
            .as_ref()
            .map(|s| SignalStream::new(BiometricKind::Ecg, s, bio, scenario.seed));
        let ppg = bio
            .ppg
            .as_ref()
            .map(|s| SignalStream::new(BiometricKind::Ppg, s, bio, scenario.seed));
        Ok(SimSource {
            vehicle: Periodic::new(scenario.route.rate_hz),
            environment: Periodic::new(scenario.environment.rate_hz),
            camera: CameraStream {
                pipeline,
                clock: Periodic::new(fps),
                published: 0,
            },
            ground_truth: config.ground_truth,
            ecg,
            ppg,
            audio,
            text,
            next_text: 0,
            notes,
            end,
            started: false,
            scenario,
        })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The time the run ends.
    pub fn end(&self) -> SimTime {
        self.end
    }

    fn publish_due(&mut self, ctx: &mut Context) {
        let now = ctx.now();
        let t = now.as_secs_f64();
        let s = &self.scenario;
        while self.vehicle.next() <= now {
            let v = s.route.vehicle_at(self.vehicle.next().as_secs_f64());
            ctx.publish(
                topics::VEHICLE,
                VehicleState {
                    position: v.position,
                    speed_mps: v.speed_mps as f32,
                    heading_deg: v.heading_deg as f32,
                    route_progress_m: v.progress_m,
                    time_of_day_s: s.time_of_day_at(t),
                },
            );
            self.vehicle.k += 1;
        }
        while self.environment.next() <= now {
            let e = &s.environment;
            ctx.publish(
                topics::ENVIRONMENT,
                CabinEnvironment {
                    co2_ppm: e.co2_ppm.at(t) as f32,
                    temperature_c: e.temperature_c.at(t) as f32,
                    humidity_pct: e.humidity_pct.at(t) as f32,
                    ambient_light: e.ambient_light.at(t),
                    outside_temperature_c: e.outside_temperature_c.at(t) as f32,
                    weather: e.weather.at(t),
                },
            );
            self.environment.k += 1;
        }
        while self.camera.clock.next() <= now {
            let stamp_s = self.camera.clock.next().as_secs_f64();
            self.camera.clock.k += 1;
            let mut frame_seq = 0;
            if let Some(p) = self.camera.pipeline.as_mut() {
                match p.next_frame() {
                    Some((_, Ok(Some(f)))) => {
                        let bpp = f.format.bytes_per_pixel();
                        frame_seq = self.camera.published;
                        self.camera.published += 1;
                        ctx.publish(
                            topics::CAMERA,
                            CameraFrame {
                                format: f.format,
                                width: f.width,
                                height: f.height,
                                stride: f.width * bpp,
                                data: Blob::from(f.data),
                            },
                        );
                    }
                    Some((n, Err(e))) => {
                        ctx.report(Severity::Warning, format!("camera frame {n} skipped: {e}"))
                    }
                    Some((_, Ok(None))) | None => {
                        ctx.report(Severity::Info, "camera footage ended");
                        self.camera.pipeline = None;
                    }
                }
            }
            if self.ground_truth {
                let d = s.driver.state_at(stamp_s);
                ctx.publish(topics::GROUND_TRUTH, d.ground_truth(frame_seq));
            }
        }
        for (topic, stream) in [(topics::ECG, &mut self.ecg), (topics::PPG, &mut self.ppg)] {
            while let Some(st) = stream.as_mut() {
                if st.next_stamp() > now {
                    break;
                }
                match st.next_chunk() {
                    Some(chunk) => ctx.publish(topic, chunk),
                    None => *stream = None, // a CSV ran out
                }
            }
        }
        if let Some(a) = self.audio.as_mut() {
            while a.next <= now {
                let mut next = a.next;
                for (channel, mic) in a.mics.iter_mut() {
                    let (k, samples) = mic.next_chunk();
                    ctx.publish(
                        topics::AUDIO,
                        AudioChunk {
                            sample_rate_hz: SAMPLE_RATE_HZ,
                            channel: *channel,
                            samples,
                        },
                    );
                    let end = (k + 1) * mic.chunk_len() as u64;
                    next = SimTime::from_nanos(end * 1_000_000_000 / SAMPLE_RATE_HZ as u64);
                }
                a.next = next;
            }
        }
        while let Some(u) = self.text.get(self.next_text) {
            if SimTime::from_secs_f64(u.at_s) > now {
                break;
            }
            ctx.publish(
                topics::SCRIPTED_SPEECH,
                Utterance {
                    speaker: u.speaker,
                    text: u.text.clone(),
                    source: UtteranceSource::Script,
                    duration_s: 0.0,
                },
            );
            self.next_text += 1;
        }
    }

    /// The next stamp any stream is due at.
    fn next_due(&self) -> SimTime {
        let mut next = [
            self.vehicle.next(),
            self.environment.next(),
            self.camera.clock.next(),
        ]
        .into_iter()
        .min()
        .unwrap_or(self.end);
        for st in [&self.ecg, &self.ppg].into_iter().flatten() {
            next = next.min(st.next_stamp());
        }
        if let Some(a) = &self.audio {
            next = next.min(a.next);
        }
        if let Some(u) = self.text.get(self.next_text) {
            next = next.min(SimTime::from_secs_f64(u.at_s));
        }
        next.min(self.end)
    }

    fn step(&mut self, ctx: &mut Context) {
        if ctx.now() >= self.end {
            ctx.request_stop();
            return;
        }
        self.publish_due(ctx);
        ctx.wake_at(self.next_due());
    }

    /// Reports the notes gathered while loading, publishes the route and POIs (state topics, once),
    /// then the first step. A second call does nothing.
    fn start(&mut self, ctx: &mut Context) {
        if self.started {
            return;
        }
        self.started = true;
        for (severity, msg) in std::mem::take(&mut self.notes) {
            ctx.report(severity, msg);
        }
        let s = &self.scenario;
        ctx.publish(
            topics::ROUTE,
            Route {
                name: s.route.name.clone(),
                polyline: s.route.path.points().to_vec(),
                length_m: s.route.path.length_m(),
            },
        );
        ctx.publish(
            topics::POIS,
            PoiSet {
                pois: s.pois.clone(),
            },
        );
        self.step(ctx);
    }
}

source_node!(SimSource);
