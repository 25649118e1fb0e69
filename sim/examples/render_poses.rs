//! Renders synthetic driver-camera frames at a grid of poses, eye closures and lighting conditions,
//! as PNGs plus a `truth.json`, for a visual check and for `sim/tools/check_synthetic_camera.py`
//! (which runs the real face detector and iris model on them).
//!
//! `target/debug/examples/render_poses OUT_DIR`

use cabin_bus::messages::{AmbientLight, GazeZone};
use cabin_sim::camera::{Lighting, SyntheticCamera};
use cabin_sim::scenario::{CameraColor, CameraSource, CameraSpec, DriverPose, Steps};
use opencv::core::Vector;
use opencv::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/sim_frames".into()),
    );
    std::fs::create_dir_all(&out)?;
    let spec = CameraSpec {
        source: CameraSource::Synthetic,
        fps: 10.0,
        width: 640,
        height: 480,
        color: CameraColor::Ir,
        noise: 2.0,
        blur_sigma: 0.7,
        head_distance_m: 0.65,
        fov_deg: 50.0,
        exposure_lag_s: 0.0,
        looped: false,
    };
    let lights = [
        (0.0, AmbientLight::Day),
        (100.0, AmbientLight::Dusk),
        (200.0, AmbientLight::Night),
        (300.0, AmbientLight::Tunnel),
        (400.0, AmbientLight::LowSun),
    ];
    let lighting = Lighting::new(Steps::new(lights.to_vec()).expect("sorted"), 0.0);
    let mut cam = SyntheticCamera::new(&spec, lighting, 1)?;
    let mut truth = Vec::new();
    let mut n = 0u64;
    let mut shot = |name: String,
                    t: f64,
                    yaw: f64,
                    pitch: f64,
                    roll: f64,
                    closure: f64,
                    in_view: bool,
                    blocked: bool|
     -> Result<(), Box<dyn std::error::Error>> {
        let pose = DriverPose {
            yaw_deg: yaw,
            pitch_deg: pitch,
            roll_deg: roll,
            left_eye_closure: closure,
            right_eye_closure: closure,
            gaze_zone: GazeZone::RoadAhead,
            in_view,
            camera_blocked: blocked,
            episode: None,
        };
        let started = std::time::Instant::now();
        let f = cam.render(n, t, &pose);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        n += 1;
        let mat = Mat::new_rows_cols_with_data(f.height as i32, f.width as i32, &f.data)?;
        let file = format!("{name}.png");
        opencv::imgcodecs::imwrite(out.join(&file), &mat, &Vector::new())?;
        truth.push(
            serde_json::json!({"file": file, "yaw": yaw, "pitch": pitch, "roll": roll,
            "closure": closure, "face_visible": in_view && !blocked, "t": t, "render_ms": ms}),
        );
        Ok(())
    };
    for yaw in [-30.0, -15.0, 0.0, 15.0, 30.0] {
        for pitch in [-20.0, 0.0, 20.0] {
            shot(
                format!("pose_y{yaw:+}_p{pitch:+}"),
                10.0,
                yaw,
                pitch,
                0.0,
                0.0,
                true,
                false,
            )?;
        }
    }
    for roll in [-15.0, 15.0] {
        shot(
            format!("pose_roll{roll:+}"),
            10.0,
            0.0,
            0.0,
            roll,
            0.0,
            true,
            false,
        )?;
    }
    for (t, light) in lights {
        let l = format!("{light:?}").to_lowercase();
        for c in [0.0, 0.5, 1.0] {
            shot(
                format!("eyes_{l}_c{c}"),
                t + 10.0,
                0.0,
                0.0,
                0.0,
                c,
                true,
                false,
            )?;
        }
        for yaw in [-30.0, 30.0] {
            shot(
                format!("eyes_{l}_y{yaw:+}_c1"),
                t + 10.0,
                yaw,
                0.0,
                0.0,
                1.0,
                true,
                false,
            )?;
            shot(
                format!("eyes_{l}_y{yaw:+}_c0"),
                t + 10.0,
                yaw,
                0.0,
                0.0,
                0.0,
                true,
                false,
            )?;
        }
    }
    shot("absent_day".into(), 10.0, 0.0, 0.0, 0.0, 0.0, false, false)?;
    shot(
        "absent_night".into(),
        210.0,
        0.0,
        0.0,
        0.0,
        0.0,
        false,
        false,
    )?;
    shot("blocked".into(), 10.0, 0.0, 0.0, 0.0, 0.0, true, true)?;
    std::fs::write(
        out.join("truth.json"),
        serde_json::to_string_pretty(&truth)?,
    )?;
    println!("{} frames in {}", truth.len(), out.display());
    Ok(())
}
