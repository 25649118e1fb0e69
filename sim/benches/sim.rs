//! Simulator benchmarks (`cargo bench --profile dev -p cabin-sim`), figures in docs/perf/sim.md:
//! - synthetic driver-camera frame at 640x480 (one core, inline);
//! - the default scenario (600 s of vehicle time) played by the `sim` node alone without the camera,
//!   and replayed from an MCAP recording without the camera: divide 600 s by the time for the
//!   real-time factor;
//! - the first 60 s of the default scenario with the camera at 30 fps (rendered ahead on a second
//!   thread).

use cabin_bus::messages::AmbientLight;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
use cabin_bus::NodeName;
use cabin_sim::camera::{Lighting, SyntheticCamera};
use cabin_sim::mcap::{Recorder, RecorderOptions};
use cabin_sim::scenario::{CameraSpec, DriverPose, Scenario, Steps};
use cabin_sim::source::{ReplayConfig, ReplaySource, SimConfig, SimSource};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use std::time::Duration;

fn frame_synthesis(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthetic_camera_640x480");
    for (name, light, yaw, closure) in [
        ("day_frontal", AmbientLight::Day, 0.0, 0.0),
        ("night_yaw25_eyes_closed", AmbientLight::Night, 25.0, 1.0),
    ] {
        let lighting = Lighting::new(Steps::constant(light), 0.8);
        let mut cam = SyntheticCamera::new(&CameraSpec::default(), lighting, 1)
            .expect("camera (needs models/face)");
        let p = DriverPose::road_ahead(yaw, -5.0, 2.0, closure);
        let mut n = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                black_box(cam.render(n, n as f64 * 0.1, &p))
            })
        });
    }
    g.finish();
}

/// An executor with `node` alone, named `sim`.
fn executor(node: Box<dyn cabin_bus::runtime::Node>, workers: usize) -> DeterministicExecutor {
    let sim = vec![(NodeName::new("sim").unwrap(), node)];
    DeterministicExecutor::new(sim, ExecutorOptions::with_workers(workers)).expect("executor")
}

fn run(node: Box<dyn cabin_bus::runtime::Node>, workers: usize) -> u64 {
    executor(node, workers).run().samples
}

fn no_camera() -> SimConfig {
    SimConfig {
        camera: false,
        ..SimConfig::default()
    }
}

fn default_scenario(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("default scenario");
    let mut g = c.benchmark_group("default_scenario_600s");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("sim_node_no_camera", |b| {
        b.iter_batched(
            || Box::new(SimSource::new(scenario.clone(), &no_camera()).expect("sim")),
            |node| run(node, 1),
            BatchSize::PerIteration,
        )
    });

    // A recording of the same run, without camera frames, to replay.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("default_no_camera.mcap");
    {
        let recorder = Recorder::create(&path, RecorderOptions::default()).expect("recorder");
        let node = Box::new(SimSource::new(scenario.clone(), &no_camera()).expect("sim"));
        let mut exec = executor(node, 1);
        let r = recorder.clone();
        exec.observe(move |s| r.write(s));
        let end = exec.run().end;
        let report = recorder.finish(Some(end)).expect("finish");
        eprintln!(
            "recorded {} samples, {:.1} MB on disk",
            report.total_written(),
            std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
        );
    }
    let config = ReplayConfig {
        file: path.display().to_string(),
        ..ReplayConfig::default()
    };
    g.bench_function("replay_no_camera", |b| {
        b.iter_batched(
            || Box::new(ReplaySource::new(&config).expect("replay")),
            |node| run(node, 1),
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("default_scenario_first_60s");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let camera_30fps = SimConfig {
        camera_fps: 30.0,
        duration_s: 60.0,
        speech: "text".into(),
        ..SimConfig::default()
    };
    g.bench_function("sim_node_camera_30fps", |b| {
        b.iter_batched(
            || Box::new(SimSource::new(scenario.clone(), &camera_30fps).expect("sim")),
            |node| run(node, 2),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, frame_synthesis, default_scenario);
criterion_main!(benches);
