//! The camera -> driver-state chain on the deterministic executor, fed by the simulator's synthetic
//! camera: closed eyes on rendered IR frames raise the microsleep alert on time, and the derived outputs
//! are identical with 1 or 2 workers.

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions, Registry};
use cabin_perception::driver_state::DriverStateConfig;
use cabin_sim::scenario::DriverPose;
use cabin_tests::driver_camera::{eyes_closed_by, facing_road};
use cabin_tests::posed_drive::PosedDrive;
use std::sync::{Arc, Mutex};

const FPS: f64 = 30.0;
/// The eyes close here (the camera's open-eye baseline calibrates during the 3 s before) ...
const CLOSED_AT_S: f64 = 4.0;
/// ... and open again here.
const OPEN_AT_S: f64 = 5.5;

/// Open eyes, 1.5 s closed, open again.
fn microsleep(t: f64) -> DriverPose {
    if (CLOSED_AT_S..OPEN_AT_S).contains(&t) {
        eyes_closed_by(1.0)
    } else {
        facing_road()
    }
}

/// The drive through the camera and driver-state nodes; every sample published, in order.
fn run(workers: usize) -> Vec<Arc<Sample>> {
    let mut registry = Registry::new();
    cabin_perception::register(&mut registry);
    let build = |kind: &str| {
        let spec = NodeSpec::inline(kind, kind, "").expect("node spec");
        registry.build(&spec).expect("node")
    };
    let drive = PosedDrive::new(microsleep, FPS, 2.0, 25.0, 6.6);
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![
        (NodeName::new("drive").expect("name"), Box::new(drive)),
        (NodeName::new("camera").expect("name"), build("camera")),
        (
            NodeName::new("driver_state").expect("name"),
            build("driver_state"),
        ),
    ];
    let options = ExecutorOptions {
        workers,
        ..Default::default()
    };
    let mut exec = DeterministicExecutor::new(nodes, options).expect("executor");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    exec.observe(move |x: &Arc<Sample>| s.lock().expect("observer").push(x.clone()));
    exec.run();
    let out = seen.lock().expect("samples").clone();
    out
}

fn derived(samples: &[Arc<Sample>]) -> Vec<String> {
    samples
        .iter()
        .filter(|s| s.topic.info().derived && s.topic != TopicId::Diagnostics)
        .map(|s| serde_json::to_string(&**s).expect("json"))
        .collect()
}

#[test]
fn closed_eyes_on_rendered_frames_raise_a_microsleep_deterministically() {
    let out = run(1);
    let alerts: Vec<(SimTime, &Alert)> = out
        .iter()
        .filter_map(|s| s.get::<Alert>().map(|a| (s.header.stamp, a)))
        .collect();
    eprintln!("{alerts:?}");
    let ms = alerts
        .iter()
        .find(|(_, a)| a.kind == AlertKind::Microsleep && a.level == AlertLevel::Critical)
        .expect("microsleep alert");
    let delay = ms.0.as_secs_f64() - CLOSED_AT_S;
    let cfg = DriverStateConfig::embedded().expect("embedded config");
    assert!(
        delay >= cfg.drowsiness.microsleep_s - 0.04 && delay <= cfg.drowsiness.microsleep_s + 0.14,
        "delay {delay}"
    );
    assert!(
        alerts.iter().all(|(_, a)| a.kind == AlertKind::Microsleep),
        "only the microsleep: {alerts:?}"
    );
    let states: Vec<&DriverState> = out.iter().filter_map(|s| s.get::<DriverState>()).collect();
    assert!(states.len() >= 60, "10 Hz states: {}", states.len());
    assert!(states.last().is_some_and(|s| s.valid));
    // Same inputs, two workers: byte-identical derived outputs.
    assert_eq!(derived(&out), derived(&run(2)));
}
