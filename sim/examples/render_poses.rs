//! Renders synthetic driver-camera frames at a grid of poses, eye closures and lighting conditions,
//! as PNGs plus a `truth.json`, for a visual check and for `sim/tools/check_synthetic_camera.py`
//! (which runs the real face detector and iris model on them).
//!
//! `target/debug/examples/render_poses OUT_DIR`

use cabin_bus::messages::AmbientLight;
use cabin_sim::camera::{Lighting, SyntheticCamera};
use cabin_sim::scenario::{CameraSpec, DriverPose, Steps};
use opencv::core::Vector;
use opencv::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/sim_frames".into()),
    );
    std::fs::create_dir_all(&out)?;
    let lights = [
        (0.0, AmbientLight::Day),
        (100.0, AmbientLight::Dusk),
        (200.0, AmbientLight::Night),
        (300.0, AmbientLight::Tunnel),
        (400.0, AmbientLight::LowSun),
    ];
    let lighting = Lighting::new(Steps::new(lights.to_vec()).expect("sorted"), 0.0);
    let mut cam = SyntheticCamera::new(&CameraSpec::default(), lighting, 1)?;
    let mut truth = Vec::new();
    let mut n = 0u64;
    // Renders `pose` at `t` seconds (which picks the lighting) to NAME.png and notes its truth.
    let mut shot =
        |name: String, t: f64, pose: DriverPose| -> Result<(), Box<dyn std::error::Error>> {
            let started = std::time::Instant::now();
            let f = cam.render(n, t, &pose);
            let ms = started.elapsed().as_secs_f64() * 1e3;
            n += 1;
            let mat = Mat::new_rows_cols_with_data(f.height as i32, f.width as i32, &f.data)?;
            let file = format!("{name}.png");
            opencv::imgcodecs::imwrite(out.join(&file), &mat, &Vector::new())?;
            truth.push(serde_json::json!({
                "file": file, "yaw": pose.yaw_deg, "pitch": pose.pitch_deg, "roll": pose.roll_deg,
                "closure": pose.left_eye_closure, "face_visible": pose.face_visible(), "t": t,
                "render_ms": ms,
            }));
            Ok(())
        };
    let facing = DriverPose::road_ahead;
    for yaw in [-30.0, -15.0, 0.0, 15.0, 30.0] {
        for pitch in [-20.0, 0.0, 20.0] {
            let name = format!("pose_y{yaw:+}_p{pitch:+}");
            shot(name, 10.0, facing(yaw, pitch, 0.0, 0.0))?;
        }
    }
    for roll in [-15.0, 15.0] {
        let name = format!("pose_roll{roll:+}");
        shot(name, 10.0, facing(0.0, 0.0, roll, 0.0))?;
    }
    for (t, light) in lights {
        let l = format!("{light:?}").to_lowercase();
        for c in [0.0, 0.5, 1.0] {
            let name = format!("eyes_{l}_c{c}");
            shot(name, t + 10.0, facing(0.0, 0.0, 0.0, c))?;
        }
        for yaw in [-30.0, 30.0] {
            for c in [1.0, 0.0] {
                let name = format!("eyes_{l}_y{yaw:+}_c{c}");
                shot(name, t + 10.0, facing(yaw, 0.0, 0.0, c))?;
            }
        }
    }
    let absent = DriverPose {
        in_view: false,
        ..facing(0.0, 0.0, 0.0, 0.0)
    };
    shot("absent_day".into(), 10.0, absent.clone())?;
    shot("absent_night".into(), 210.0, absent)?;
    let blocked = DriverPose {
        camera_blocked: true,
        ..facing(0.0, 0.0, 0.0, 0.0)
    };
    shot("blocked".into(), 10.0, blocked)?;
    std::fs::write(
        out.join("truth.json"),
        serde_json::to_string_pretty(&truth)?,
    )?;
    println!("{} frames in {}", truth.len(), out.display());
    Ok(())
}
