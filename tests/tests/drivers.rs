//! Several drivers (cabin issue 11, item 3): every face the simulator can draw — the default astronaut
//! and each driver made at setup from a real group photo (`models/face/drivers/`) — rendered by the
//! synthetic camera facing the road and in one glance away, and read by the real camera pipeline
//! (BlazeFace, iris model, solvePnP head pose, the zone map). Each must be found, read as on the road
//! when facing it, and as off the road during the glance — with the zones taken, as the driver-state node takes
//! them, against the neutral gaze it learns for each driver (`NeutralGaze`, fed the road-facing reading
//! for longer than its `required_s`): real faces differ, and a monitor calibrates to its driver. The
//! camera's own zone (against the configured neutral) is printed too; docs/perf/sim.md has both.
//!
//! `CABIN_DRIVERS_SWEEP=1 cargo test -p cabin-tests --test drivers -- --nocapture` also prints each
//! driver's head-pose errors over a grid of poses, with the camera node's head-pose calibration and with
//! the real-photo one (`HeadPoseConfig::photos()`), the figures in docs/perf/sim.md;
//! `CABIN_DRIVERS_DUMP=DIR` writes the frames as PNGs.

use cabin_bus::messages::{AmbientLight, CameraFrame, Face, GazeZone};
use cabin_perception::camera::head_pose::HeadPoseConfig;
use cabin_perception::camera::{CameraConfig, CameraPipeline};
use cabin_perception::driver_state::calibration::NeutralGaze;
use cabin_perception::driver_state::DriverStateConfig;
use cabin_sim::camera::{face_ids, FaceModel, Lighting, SyntheticCamera};
use cabin_sim::scenario::{DriverPose, GlanceDirection, GlanceStyle, Scenario, Steps};
use cabin_tests::driver_camera::{camera_frame, facing_road, glance};

/// Misses measured and named, not hidden: `f25_iv`'s photo is turned 20 deg, so her far cheek is a
/// stretched smear once the mesh faces the camera (scripts/MODELS.md), and with the glance's 21 deg head
/// turn on top BlazeFace loses the face (docs/perf/sim.md). Printed, tolerated; any other miss fails.
const KNOWN_MISSES: &[&str] = &["f25_iv glance: no face"];

/// Frames shown per pose: the pipeline's first frame detects, the next ones track and refine the eyes.
const FRAMES_PER_POSE: u64 = 3;
/// Seed of the camera's sensor noise and cabin texture.
const SEED: u64 = 5;

/// The default scenario's camera (near-infrared, its sensor noise) in daylight, drawing face `id`.
fn camera(id: &str) -> SyntheticCamera {
    let spec = Scenario::default_scenario()
        .expect("the built-in scenario parses")
        .camera;
    let daylight = Lighting::new(Steps::constant(AmbientLight::Day), 0.0);
    let model = FaceModel::load_face(id).unwrap_or_else(|e| {
        panic!("face `{id}` (scripts/setup.sh makes models/face/drivers): {e}")
    });
    SyntheticCamera::with_model(model, &spec, daylight, SEED).expect("camera")
}

/// The face the pipeline reads after a few frames of `pose` (a fresh pipeline per pose).
fn read(
    cam: &mut SyntheticCamera,
    head_pose: HeadPoseConfig,
    pose: &DriverPose,
    dump: Option<(&std::path::Path, String)>,
) -> Option<Face> {
    let config = CameraConfig {
        head_pose,
        ..CameraConfig::default()
    };
    let mut p = CameraPipeline::new(config).expect("models load");
    let mut face = None;
    for n in 0..FRAMES_PER_POSE {
        let frame = camera_frame(cam.render(n, n as f64 / 10.0, pose));
        if let Some((dir, name)) = &dump {
            save(dir, name, &frame);
        }
        face = p.process(&frame).expect("valid frame").face;
    }
    face
}

fn save(dir: &std::path::Path, name: &str, f: &CameraFrame) {
    use opencv::core::{Mat, Vector};
    let _ = std::fs::create_dir_all(dir);
    if let Ok(mat) =
        Mat::new_rows_cols_with_data(f.height as i32, f.width as i32, f.data.as_slice())
    {
        let _ = opencv::imgcodecs::imwrite(dir.join(format!("{name}.png")), &mat, &Vector::new());
    }
}

#[test]
fn every_driver_is_found_on_the_road_and_away_in_a_glance() {
    let ids = face_ids().expect("models/face/drivers/drivers.toml (scripts/setup.sh)");
    assert!(
        ids.len() >= 7,
        "the astronaut and at least 6 drivers: {ids:?}"
    );
    let dump_dir = std::env::var_os("CABIN_DRIVERS_DUMP").map(std::path::PathBuf::from);
    let state = DriverStateConfig::embedded().expect("the driver-state config parses");
    let nominal = state.zones.nominal_neutral();
    let mut misses = Vec::new();
    for id in &ids {
        let mut cam = camera(id);
        let road = facing_road();
        // The glance of the test: an owl glance at the centre display (not driving-related).
        let away = glance(GlanceDirection::CentreDisplay, GlanceStyle::Owl);
        let mut neutral = NeutralGaze::new(
            state.calibration.clone(),
            (nominal.0 as f64, nominal.1 as f64),
        );
        for (what, pose) in [("road", road), ("glance", away)] {
            let dump = dump_dir.as_deref().map(|d| (d, format!("{id}_{what}")));
            let face = read(&mut cam, HeadPoseConfig::default(), &pose, dump);
            let Some(f) = face else {
                misses.push(format!("{id} {what}: no face"));
                continue;
            };
            if what == "road" {
                // What the node learns over its calibration time from a driver facing the road.
                for _ in 0..(state.calibration.required_s * 2.0 / 0.1) as usize {
                    neutral.learn(
                        0.1,
                        (f.gaze_yaw_deg as f64, f.gaze_pitch_deg as f64),
                        f.head_pose.pitch_deg as f64,
                    );
                }
            }
            let n = neutral.value();
            let zone = state
                .zones
                .zone(f.gaze_yaw_deg, f.gaze_pitch_deg, (n.0 as f32, n.1 as f32));
            eprintln!(
                "{id:8} {what:6}: head {:6.1}/{:6.1} (script {:6.1}/{:6.1})  gaze {:6.1}/{:6.1}  \
                 camera zone {:?}, against the learned neutral {:.1}/{:.1}: {zone:?}",
                f.head_pose.yaw_deg,
                f.head_pose.pitch_deg,
                pose.yaw_deg,
                pose.pitch_deg,
                f.gaze_yaw_deg,
                f.gaze_pitch_deg,
                f.gaze_zone,
                n.0,
                n.1,
            );
            // Away = eyes off the road ahead. A centre-display glance read as a mirror is away from the
            // road but driving-related, so the monitor would not count it: printed, named in
            // docs/perf/sim.md, not failed here.
            let ok = match what {
                "road" => zone == GazeZone::RoadAhead,
                _ => zone != GazeZone::RoadAhead,
            };
            if !ok {
                misses.push(format!("{id} {what}: read as {zone:?}"));
            }
        }
    }
    if std::env::var_os("CABIN_DRIVERS_SWEEP").is_some() {
        sweep(&ids);
    }
    let (known, new): (Vec<String>, Vec<String>) = misses
        .into_iter()
        .partition(|m| KNOWN_MISSES.contains(&m.as_str()));
    eprintln!("known misses (named in docs/perf/sim.md): {known:?}");
    assert!(new.is_empty(), "drivers misread: {new:#?}");
}

/// Head-pose error per driver over a grid of head poses (eyes straight ahead), with both head-pose
/// calibrations: mean yaw and pitch error (bias) and mean absolute error.
fn sweep(ids: &[String]) {
    let grid: Vec<(f64, f64)> = [-30.0, -15.0, 0.0, 15.0, 30.0]
        .iter()
        .flat_map(|&y| [-15.0, 0.0, 10.0].map(|p| (y, p)))
        .collect();
    eprintln!("| driver | calibration | found | yaw bias | yaw MAE | pitch bias | pitch MAE |");
    eprintln!("| --- | --- | --- | --- | --- | --- | --- |");
    for id in ids {
        let mut cam = camera(id);
        for (name, cfg) in [
            ("camera node", HeadPoseConfig::default()),
            ("photos()", HeadPoseConfig::photos()),
        ] {
            let mut errs = Vec::new();
            for &(y, p) in &grid {
                let pose = DriverPose::road_ahead(y, p, 0.0, 0.0);
                if let Some(f) = read(&mut cam, cfg.clone(), &pose, None) {
                    errs.push((
                        f.head_pose.yaw_deg as f64 - y,
                        f.head_pose.pitch_deg as f64 - p,
                    ));
                }
            }
            let n = errs.len().max(1) as f64;
            let mean = |k: fn(&(f64, f64)) -> f64| errs.iter().map(k).sum::<f64>() / n;
            eprintln!(
                "| {id} | {name} | {}/{} | {:+.1} | {:.1} | {:+.1} | {:.1} |",
                errs.len(),
                grid.len(),
                mean(|e| e.0),
                mean(|e| e.0.abs()),
                mean(|e| e.1),
                mean(|e| e.1.abs()),
            );
        }
    }
}
