//! The zone test (cabin issue 11, item 3): every scripted glance direction, rendered by the simulator's
//! synthetic camera (head turned, eyes turned in the head, as the script's default `owl` glance makes
//! it) and read by the real camera pipeline (BlazeFace, iris model, solvePnP head pose), lands in its
//! own zone of the perception's zone map (`perception/config/gaze_zones.toml`).
//!
//! `CABIN_ZONE_SWEEP=1 cargo test -p cabin-tests --test zone_map -- --nocapture` also prints the
//! read-back of every direction in every style and of a head-yaw sweep (what the map was fitted to);
//! `CABIN_ZONE_DUMP=DIR` writes the frames as PNGs.

use cabin_bus::messages::{CameraFrame, Face, GazeZone};
use cabin_perception::camera::{CameraConfig, CameraPipeline};
use cabin_sim::scenario::{CameraColor, DriverPose, GlanceDirection, GlanceStyle, Worn};
use cabin_tests::driver_camera::{facing_road, glance, DriverCamera};

/// Frames shown per pose: the pipeline's first frame detects, the next ones track and refine the eyes.
const FRAMES_PER_POSE: usize = 3;

struct Reader {
    camera: DriverCamera,
    dump: Option<std::path::PathBuf>,
}

impl Reader {
    fn new() -> Self {
        Reader {
            // The default scenario's near-infrared camera, noise-free: the zone map, not the noise, is
            // under test.
            camera: DriverCamera::new(CameraColor::Ir, 0.0),
            dump: std::env::var_os("CABIN_ZONE_DUMP").map(Into::into),
        }
    }

    /// The face the pipeline reads after a few frames of `pose` (a fresh pipeline per pose, so one
    /// pose's tracking does not carry into the next).
    fn read(&mut self, pose: &DriverPose, name: &str) -> Option<Face> {
        let mut p = CameraPipeline::new(CameraConfig::default()).expect("models load");
        let mut face = None;
        for _ in 0..FRAMES_PER_POSE {
            let frame = self.camera.shoot(pose);
            if let Some(dir) = &self.dump {
                save(dir, name, &frame);
            }
            face = p.process(&frame).expect("valid frame").face;
        }
        face
    }
}

fn save(dir: &std::path::Path, name: &str, f: &CameraFrame) {
    use opencv::core::{Mat, Vector};
    let _ = std::fs::create_dir_all(dir);
    let data = f.data.as_slice();
    if let Ok(mat) = Mat::new_rows_cols_with_data(f.height as i32, f.width as i32, data) {
        let _ = opencv::imgcodecs::imwrite(dir.join(format!("{name}.png")), &mat, &Vector::new());
    }
}

fn describe(face: &Option<Face>) -> String {
    match face {
        Some(f) => format!(
            "head {:6.1}/{:6.1}  gaze {:6.1}/{:6.1}  zone {:?}",
            f.head_pose.yaw_deg,
            f.head_pose.pitch_deg,
            f.gaze_yaw_deg,
            f.gaze_pitch_deg,
            f.gaze_zone
        ),
        None => "no face".into(),
    }
}

/// Directions whose head turn (75-85 deg of yaw) takes the face out of what BlazeFace finds or the
/// head-pose solver reads (it saturates near -45 deg: the sweep under `CABIN_ZONE_SWEEP`). A known
/// limit of the camera pipeline, named in cabin issue 11: the passenger zone of the map is out of reach.
fn beyond_the_camera(d: GlanceDirection) -> bool {
    matches!(
        d,
        GlanceDirection::Passenger | GlanceDirection::RearPassenger
    )
}

#[test]
fn every_scripted_direction_lands_in_its_own_zone() {
    let mut r = Reader::new();
    let sweep = std::env::var_os("CABIN_ZONE_SWEEP").is_some();
    let styles: &[GlanceStyle] = if sweep {
        &[GlanceStyle::Owl, GlanceStyle::Lizard, GlanceStyle::Lean]
    } else {
        &[GlanceStyle::Owl]
    };
    let mut misses = Vec::new();
    for &style in styles {
        for d in GlanceDirection::ALL {
            let pose = glance(d, style);
            let face = r.read(&pose, &format!("{style:?}_{d:?}"));
            let zone = face.as_ref().map_or(GazeZone::Unknown, |f| f.gaze_zone);
            eprintln!(
                "{style:?} {d:?}: script head {:5.1}/{:5.1} eyes {:5.1}/{:5.1} -> {}",
                pose.yaw_deg,
                pose.pitch_deg,
                pose.eye_yaw_deg,
                pose.eye_pitch_deg,
                describe(&face)
            );
            if style != GlanceStyle::Owl {
                continue;
            }
            if beyond_the_camera(d) {
                // The face turns past the detector's range (about 55 deg of head yaw on this camera):
                // no zone can be read from it, but the driver must still read as looking away.
                if zone.is_driving_related() {
                    misses.push(format!("{d:?} read as the driving-related {zone:?}"));
                }
            } else if zone != d.zone() {
                misses.push(format!("{d:?} read as {zone:?} (want {:?})", d.zone()));
            }
        }
    }
    if sweep {
        for (gy, gp) in [
            (-45.0, -8.0),
            (-50.0, -8.0),
            (-55.0, -5.0),
            (-65.0, 0.0),
            (-70.0, 0.0),
            (-75.0, 0.0),
            (-80.0, 0.0),
            (-75.0, 8.0),
            (-35.0, -40.0),
            (-45.0, -35.0),
            (-50.0, -30.0),
            (-40.0, -55.0),
            (-30.0, -55.0),
            (-55.0, -45.0),
            (-20.0, -50.0),
            (-5.0, -50.0),
            (40.0, -5.0),
            (50.0, -5.0),
            (-30.0, 15.0),
            (-25.0, 18.0),
            (-30.0, -25.0),
            (0.0, -20.0),
        ] {
            let p = GlanceStyle::Owl.split(gy, gp);
            let pose = DriverPose {
                yaw_deg: p.yaw_deg,
                pitch_deg: p.pitch_deg,
                eye_yaw_deg: p.eye_yaw_deg,
                eye_pitch_deg: p.eye_pitch_deg,
                ..facing_road()
            };
            let face = r.read(&pose, "candidate");
            eprintln!("candidate owl gaze {gy:6.1}/{gp:6.1}: {}", describe(&face));
        }
        let wear = [
            (
                "glasses",
                Worn {
                    eyewear: Some((0.9, false)),
                    ..Worn::default()
                },
            ),
            (
                "sunglasses",
                Worn {
                    eyewear: Some((0.3, true)),
                    ..Worn::default()
                },
            ),
            (
                "mask",
                Worn {
                    mask: true,
                    ..Worn::default()
                },
            ),
            (
                "cap",
                Worn {
                    cap: true,
                    ..Worn::default()
                },
            ),
        ];
        for (name, worn) in wear {
            for yaw in [0.0, -30.0] {
                let pose = DriverPose {
                    worn,
                    ..DriverPose::road_ahead(yaw, 0.0, 0.0, 0.0)
                };
                let face = r.read(&pose, &format!("wear_{name}_{yaw}"));
                eprintln!("wearing {name} at yaw {yaw}: {}", describe(&face));
            }
        }
        for yaw in [
            -90.0, -75.0, -60.0, -50.0, -40.0, -30.0, 30.0, 40.0, 50.0, 60.0,
        ] {
            let face = r.read(&DriverPose::road_ahead(yaw, 0.0, 0.0, 0.0), "sweep");
            eprintln!("head yaw {yaw:6.1}: {}", describe(&face));
        }
        for pitch in [-45.0, -35.0, -25.0, 20.0, 30.0] {
            let face = r.read(&DriverPose::road_ahead(0.0, pitch, 0.0, 0.0), "sweep");
            eprintln!("head pitch {pitch:6.1}: {}", describe(&face));
        }
        for (ey, ep) in [
            (-30.0, 0.0),
            (-15.0, 0.0),
            (15.0, 0.0),
            (30.0, 0.0),
            (0.0, -25.0),
            (0.0, 20.0),
        ] {
            let pose = DriverPose {
                eye_yaw_deg: ey,
                eye_pitch_deg: ep,
                ..facing_road()
            };
            let face = r.read(&pose, &format!("eyes_{ey}_{ep}"));
            eprintln!("eyes {ey:5.1}/{ep:5.1}: {}", describe(&face));
        }
    }
    assert!(
        misses.is_empty(),
        "directions outside their zone: {misses:#?}"
    );
}
