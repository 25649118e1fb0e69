//! The three nodes on the deterministic executor with real models: registration and params, one face
//! observation per frame, explicit camera faults, heart states at 1 Hz. (The camera -> driver-state chain
//! on rendered frames is a workspace test: `tests/tests/camera_to_driver_state.rs`.)

mod support;

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions, Registry};
use std::sync::{Arc, Mutex};
use support::signals::{beat_times, ecg};

type Emit = Box<dyn Fn(&mut Context) + Send>;

/// A test source: publishes scripted messages at scripted times, then stops.
struct Script {
    events: Vec<(SimTime, Emit)>,
    next: usize,
    end: SimTime,
}

impl Script {
    fn new(mut events: Vec<(SimTime, Emit)>, end: SimTime) -> Self {
        events.sort_by_key(|e| e.0);
        Script {
            events,
            next: 0,
            end,
        }
    }
}

impl Node for Script {
    fn inputs(&self) -> Vec<TopicId> {
        vec![]
    }
    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        ctx.wake_at(
            self.events
                .first()
                .map_or(self.end, |e| e.0)
                .max(SimTime(1)),
        );
        Ok(())
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        while self.next < self.events.len() && self.events[self.next].0 <= ctx.now() {
            (self.events[self.next].1)(ctx);
            self.next += 1;
        }
        match self.events.get(self.next) {
            Some(e) => ctx.wake_at(e.0),
            None if ctx.now() >= self.end => ctx.request_stop(),
            None => ctx.wake_at(self.end),
        }
        Ok(())
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    cabin_perception::register(&mut r);
    r
}

fn build(kind: &str, params: &str) -> Box<dyn Node> {
    registry()
        .build(&NodeSpec::inline(kind, kind, params).unwrap())
        .unwrap()
}

/// Runs `nodes` after a `Script` source; returns every sample published, in order.
fn run(script: Script, nodes: Vec<(&str, Box<dyn Node>)>, workers: usize) -> Vec<Arc<Sample>> {
    let mut all = vec![(
        NodeName::new("script").unwrap(),
        Box::new(script) as Box<dyn Node>,
    )];
    all.extend(
        nodes
            .into_iter()
            .map(|(n, b)| (NodeName::new(n).unwrap(), b)),
    );
    let mut exec = DeterministicExecutor::new(
        all,
        ExecutorOptions {
            workers,
            ..Default::default()
        },
    )
    .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    exec.observe(move |x: &Arc<Sample>| s.lock().unwrap().push(x.clone()));
    exec.run();
    let out = seen.lock().unwrap().clone();
    out
}

/// Publishes `payload` on `topic` at `ms` milliseconds.
fn at<T: Payload + Clone>(ms: u64, topic: Topic<T>, payload: T) -> (SimTime, Emit) {
    (
        SimTime::from_millis(ms),
        Box::new(move |ctx: &mut Context| ctx.publish(topic, payload.clone())),
    )
}

fn faces(samples: &[Arc<Sample>]) -> Vec<(SimTime, FaceObservation)> {
    samples
        .iter()
        .filter_map(|s| {
            s.get::<FaceObservation>()
                .map(|f| (s.header.stamp, f.clone()))
        })
        .collect()
}

#[test]
fn registry_builds_every_kind_and_names_bad_params() {
    let r = registry();
    let kinds: Vec<&str> = r.kinds().map(|k| k.0).collect();
    assert_eq!(kinds, ["biometrics", "camera", "driver_state"]);
    for (kind, params) in [
        (
            "camera",
            "pipeline = { refine_eyes = true, presence = { acquire_score = 0.75 } }",
        ),
        ("biometrics", "heart = { hr_window_s = 8.0 }"),
        (
            "driver_state",
            "thresholds = { distraction = { long_distraction_s = 2.5 } }",
        ),
    ] {
        assert!(
            r.build(&NodeSpec::inline(kind, kind, params).unwrap())
                .is_ok(),
            "{kind}"
        );
    }
    for (kind, params, key) in [
        ("camera", "pipeline = { refine = true }", "refine"),
        ("biometrics", "rate = 3", "rate"),
        (
            "driver_state",
            "thresholds = { distraction = { long_distraction = 2.5 } }",
            "long_distraction",
        ),
        (
            "driver_state",
            "config_file = \"/nonexistent/driver_state.toml\"",
            "nonexistent",
        ),
    ] {
        let e = r
            .build(&NodeSpec::inline(kind, kind, params).unwrap())
            .err()
            .expect("error");
        assert!(e.to_string().contains(key), "{kind}: {e}");
    }
}

#[test]
fn camera_node_publishes_one_observation_per_frame_and_explicit_faults() {
    // The reference photo as the camera's image: the detector scores its face 0.92 (scripts/MODELS.md).
    let good = support::frame(&support::photo("astronaut.png"));
    let mut events = Vec::new();
    for i in 0..10u64 {
        let mut f = good.clone();
        if i == 5 {
            f.data = vec![0u8; 100].into(); // truncated buffer
        }
        if i % 2 == 1 {
            // Not byte-identical frames (a real sensor): vary one pixel.
            let mut d = f.data.to_vec();
            if let Some(b) = d.first_mut() {
                *b ^= 1;
            }
            f.data = d.into();
        }
        events.push(at(i * 33, topics::CAMERA, f));
    }
    // Then the camera goes silent for 1.5 s.
    let out = run(
        Script::new(events, SimTime::from_millis(2000)),
        vec![("camera", build("camera", ""))],
        1,
    );
    let f = faces(&out);
    let per_frame: Vec<&FaceObservation> = f
        .iter()
        .filter(|(t, _)| *t <= SimTime::from_millis(297))
        .map(|x| &x.1)
        .collect();
    assert_eq!(per_frame.len(), 10, "one observation per frame");
    for (i, o) in per_frame.iter().enumerate() {
        if i == 5 {
            assert_eq!(o.camera, CameraStatus::Corrupt);
        } else {
            assert_eq!(o.camera, CameraStatus::Ok, "frame {i}");
            let score = o.face.as_ref().map(|x| x.score);
            assert!(score.is_some_and(|s| s > 0.9), "frame {i}: score {score:?}");
        }
    }
    assert!(out.iter().any(|s| matches!(
        s.get::<Diagnostic>(),
        Some(Diagnostic {
            kind: DiagnosticKind::InputRejected { .. },
            ..
        })
    )));
    let silent: Vec<&FaceObservation> = f
        .iter()
        .filter(|(t, _)| *t > SimTime::from_millis(900))
        .map(|x| &x.1)
        .collect();
    assert!(
        !silent.is_empty() && silent.iter().all(|o| o.camera == CameraStatus::NoFrames),
        "{silent:?}"
    );
}

#[test]
fn biometrics_node_publishes_heart_state_at_one_hertz_and_reports_garbage() {
    let fs = 250.0;
    let x = ecg(fs, 20.0, &beat_times(&[0.8], 20.0), 0.03, 1);
    let mut events: Vec<(SimTime, Emit)> = x
        .chunks(50)
        .enumerate()
        .map(|(i, c)| {
            let chunk = BiometricChunk {
                kind: BiometricKind::Ecg,
                sample_rate_hz: fs as f32,
                samples: c.to_vec(),
            };
            at(i as u64 * 200, topics::ECG, chunk)
        })
        .collect();
    // Garbage on the PPG topic: a zero sample rate and an ECG chunk on the PPG topic.
    for (ms, kind, rate) in [
        (5000, BiometricKind::Ppg, 0.0),
        (5100, BiometricKind::Ecg, 100.0),
    ] {
        let chunk = BiometricChunk {
            kind,
            sample_rate_hz: rate,
            samples: vec![1.0; 10],
        };
        events.push(at(ms, topics::PPG, chunk));
    }
    let out = run(
        Script::new(events, SimTime::from_millis(20_000)),
        vec![("biometrics", build("biometrics", ""))],
        1,
    );
    let hearts: Vec<(SimTime, &HeartState)> = out
        .iter()
        .filter_map(|s| s.get::<HeartState>().map(|h| (s.header.stamp, h)))
        .collect();
    let ecg_states: Vec<_> = hearts
        .iter()
        .filter(|h| h.1.kind == BiometricKind::Ecg)
        .collect();
    assert!(
        ecg_states.len() >= 19 && ecg_states.len() <= 21,
        "{}",
        ecg_states.len()
    );
    for w in ecg_states.windows(2) {
        assert_eq!(w[1].0.as_nanos() - w[0].0.as_nanos(), 1_000_000_000);
    }
    let last = ecg_states.last().unwrap().1;
    assert!(
        (last.heart_rate_bpm.expect("rate") - 75.0).abs() <= 1.0,
        "{last:?}"
    );
    let ppg: Vec<_> = hearts
        .iter()
        .filter(|h| h.1.kind == BiometricKind::Ppg)
        .collect();
    assert!(ppg.iter().all(|h| h.1.heart_rate_bpm.is_none()));
    assert!(ppg
        .iter()
        .any(|h| h.1.flags.contains(&SignalFlag::BadSampleRate)));
    let rejected = out
        .iter()
        .filter(|s| {
            matches!(
                s.get::<Diagnostic>(),
                Some(Diagnostic {
                    kind: DiagnosticKind::InputRejected { .. },
                    ..
                })
            )
        })
        .count();
    assert_eq!(rejected, 2);
}
