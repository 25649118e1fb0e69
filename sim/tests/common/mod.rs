//! Shared test helpers: a short scenario, and a small node graph that derives events from the
//! simulator's outputs (perception is another crate: these stand-ins only need to be deterministic
//! functions of their inputs, so the events log fingerprints what the simulator fed them).

#![allow(dead_code)]

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, EventLog, ExecutorOptions};
use std::sync::Arc;

pub const SHORT: &str = include_str!("../data/short.toml");

/// Derives a FaceObservation per frame (mean brightness, black-frame check) and an Alert when the
/// image goes black: a deterministic function of the pixels.
pub struct FrameStats {
    black: bool,
}

impl FrameStats {
    pub fn new() -> Self {
        FrameStats { black: false }
    }
}

impl Node for FrameStats {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Camera]
    }
    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        let Some(f) = sample.get::<CameraFrame>() else {
            return Ok(());
        };
        f.validate()
            .map_err(|e| NodeError::input(TopicId::Camera, e))?;
        let mean = f.data.iter().map(|&v| v as f64).sum::<f64>() / f.data.len() as f64;
        let black = mean < 20.0;
        ctx.publish(
            topics::FACE,
            FaceObservation {
                frame_seq: sample.header.seq,
                camera: if black {
                    CameraStatus::Black
                } else {
                    CameraStatus::Ok
                },
                brightness: mean as f32,
                face: None,
            },
        );
        if black != self.black {
            self.black = black;
            ctx.publish(
                topics::ALERT,
                Alert {
                    kind: AlertKind::CannotMonitor,
                    level: if black {
                        AlertLevel::Warning
                    } else {
                        AlertLevel::Cleared
                    },
                    reason: format!("mean brightness {mean:.1}"),
                },
            );
        }
        Ok(())
    }
}

/// Derives a HeartState per ECG chunk (sample count, NaN flag, range) and echoes scripted/ground-truth
/// inputs as derived utterances so they enter the events log too.
pub struct SignalStats;

impl Node for SignalStats {
    fn inputs(&self) -> Vec<TopicId> {
        vec![
            TopicId::Ecg,
            TopicId::Audio,
            TopicId::GroundTruth,
            TopicId::Vehicle,
        ]
    }
    fn tick_period(&self) -> Option<SimDuration> {
        Some(SimDuration::from_millis(500))
    }
    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        match &sample.message {
            Message::BiometricChunk(c) => {
                let nan = c.samples.iter().any(|v| v.is_nan());
                let max = c
                    .samples
                    .iter()
                    .cloned()
                    .filter(|v| v.is_finite())
                    .fold(f32::MIN, f32::max);
                ctx.publish(
                    topics::HEART,
                    HeartState {
                        kind: c.kind,
                        heart_rate_bpm: None,
                        rmssd_ms: None,
                        sdnn_ms: Some(max),
                        quality: if nan { 0.0 } else { 1.0 },
                        flags: if nan {
                            vec![SignalFlag::NotANumber]
                        } else {
                            vec![]
                        },
                        beats: c.samples.len() as u32,
                    },
                );
            }
            Message::AudioChunk(a) => {
                let energy: f32 = a.samples.iter().map(|v| v * v).sum();
                if energy > 1.0 {
                    ctx.publish(
                        topics::UTTERANCE,
                        Utterance {
                            speaker: Speaker::Unknown,
                            text: format!("energy {energy:.4}"),
                            source: UtteranceSource::SpeechToText,
                            duration_s: 0.1,
                        },
                    );
                }
            }
            Message::DriverGroundTruth(g) if g.episode.is_some() => {
                ctx.publish(
                    topics::DECISION,
                    AgentDecision {
                        decision: "truth".into(),
                        interest: None,
                        poi_id: None,
                        reason: format!(
                            "{:?} yaw {:.3} closure {:.3}",
                            g.episode, g.yaw_deg, g.left_eye_closure
                        ),
                    },
                );
            }
            _ => {}
        }
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        ctx.report(Severity::Info, format!("tick at {}", ctx.now()));
        Ok(())
    }
}

/// Runs `source` with the two test nodes; returns the events-log hash, its lines, every sample and
/// the end. `extra` sees every sample after the run, in the run's order.
pub fn run_graph(
    source_name: &str,
    source: Box<dyn Node>,
    workers: usize,
    mut extra: impl FnMut(&Arc<Sample>),
) -> (String, Vec<String>, Vec<Arc<Sample>>, SimTime) {
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![
        (NodeName::new(source_name).unwrap(), source),
        (
            NodeName::new("frame_stats").unwrap(),
            Box::new(FrameStats::new()),
        ),
        (
            NodeName::new("signal_stats").unwrap(),
            Box::new(SignalStats),
        ),
    ];
    let exec = DeterministicExecutor::new(nodes, ExecutorOptions::with_workers(workers))
        .expect("executor");
    let (report, all) = exec.run_collecting();
    let mut log = EventLog::hash_only();
    let mut lines = Vec::new();
    for s in &all {
        log.record(s).expect("log");
        if EventLog::wants(s) {
            lines.push(EventLog::line(s).expect("line"));
        }
        extra(s);
    }
    let hash = log.finish().expect("hash");
    (hash, lines, all, report.end)
}
