//! Times the synthetic camera by stage: `target/debug/examples/render_timing` (one thread).
//! blocked = blur + gain/noise; absent = + background; face = + the face mesh.

use cabin_bus::messages::AmbientLight;
use cabin_sim::camera::{Lighting, SyntheticCamera};
use cabin_sim::scenario::{CameraSpec, DriverPose, Steps};
use std::time::Instant;

fn main() {
    let lighting = Lighting::new(Steps::constant(AmbientLight::Day), 0.8);
    let mut cam = SyntheticCamera::new(&CameraSpec::default(), lighting, 1).expect("camera");
    let mut pose = DriverPose::road_ahead(10.0, -5.0, 2.0, 0.3);
    for (name, in_view, blocked) in [
        ("face", true, false),
        ("absent", false, false),
        ("blocked", true, true),
        ("face", true, false),
    ] {
        pose.in_view = in_view;
        pose.camera_blocked = blocked;
        let n = 300;
        let mut times: Vec<f64> = (0..n)
            .map(|i| {
                let t0 = Instant::now();
                std::hint::black_box(cam.render(i, i as f64 * 0.1, &pose));
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{name:<8} median {:.2} ms  p10 {:.2}  p90 {:.2}",
            times[n as usize / 2],
            times[n as usize / 10],
            times[9 * n as usize / 10]
        );
    }
}
