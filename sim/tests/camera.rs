//! The synthetic camera draws its ground truth: closing the eyes changes the eye regions and nothing
//! else, the face moves the way the head turns, an absent driver or a covered lens looks like it, and a
//! frame is a pure function of (scenario, frame number). (That the real face models find these faces
//! and read the eyes as closed is checked by `sim/tools/check_synthetic_camera.py`; see the scenarios
//! README for the figures.)

use cabin_bus::messages::AmbientLight;
use cabin_sim::camera::{Frame, Lighting, SyntheticCamera};
use cabin_sim::scenario::{CameraColor, CameraSpec, DriverPose, Steps};

const W: usize = 640;
const H: usize = 480;

fn camera(color: CameraColor) -> SyntheticCamera {
    let spec = CameraSpec {
        width: W as u32,
        height: H as u32,
        color,
        ..CameraSpec::default()
    };
    let light = Lighting::new(Steps::constant(AmbientLight::Day), 0.0);
    SyntheticCamera::new(&spec, light, 5).expect("camera (needs models/face from scripts/setup.sh)")
}

fn pose(yaw: f64, closure: f64) -> DriverPose {
    DriverPose::road_ahead(yaw, 0.0, 0.0, closure)
}

fn mean(f: &Frame) -> f64 {
    f.data.iter().map(|&v| v as f64).sum::<f64>() / f.data.len() as f64
}

/// Sum of |a - b| inside and outside a rectangle (x0..x1, y0..y1).
fn diff_split(a: &Frame, b: &Frame, x0: usize, x1: usize, y0: usize, y1: usize) -> (u64, u64) {
    let (mut inside, mut outside) = (0u64, 0u64);
    for y in 0..H {
        for x in 0..W {
            let d = (a.data[y * W + x] as i32 - b.data[y * W + x] as i32).unsigned_abs() as u64;
            if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                inside += d;
            } else {
                outside += d;
            }
        }
    }
    (inside, outside)
}

#[test]
fn closing_the_eyes_changes_the_eye_regions_only() {
    let mut cam = camera(CameraColor::Ir);
    let open = cam.render(3, 1.0, &pose(0.0, 0.0));
    let closed = cam.render(3, 1.0, &pose(0.0, 1.0));
    let half = cam.render(3, 1.0, &pose(0.0, 0.5));
    // The eyes sit around (0.5 W, 0.42 H), ~45 px apart: a band around them.
    let (x0, x1, y0, y1) = (
        W / 2 - 60,
        W / 2 + 60,
        (0.42 * H as f64) as usize - 25,
        (0.42 * H as f64) as usize + 20,
    );
    let (inside, outside) = diff_split(&open, &closed, x0, x1, y0, y1);
    assert_eq!(
        outside, 0,
        "closing the eyes changed pixels away from the eyes"
    );
    assert!(
        inside > 5_000,
        "closing the eyes barely changed the eye band ({inside})"
    );
    let (half_inside, _) = diff_split(&open, &half, x0, x1, y0, y1);
    assert!(
        half_inside > 0 && half_inside < inside,
        "half closed: {half_inside} vs {inside}"
    );
}

#[test]
fn the_face_turns_the_way_the_head_yaws() {
    let mut cam = camera(CameraColor::Ir);
    let mut absent = pose(0.0, 0.0);
    absent.in_view = false;
    let empty = cam.render(0, 1.0, &absent);
    // Horizontal centre of the pixels the face changes, from the empty seat.
    let centre = |f: &Frame| {
        let (mut sx, mut s) = (0.0, 0.0);
        for y in 0..H {
            for x in 0..W {
                let d = (f.data[y * W + x] as f64 - empty.data[y * W + x] as f64).abs();
                if d > 20.0 {
                    sx += x as f64;
                    s += 1.0;
                }
            }
        }
        sx / s
    };
    // Yaw + = the driver turns to their left = the face goes to the right of the image.
    let left = centre(&cam.render(0, 1.0, &pose(-25.0, 0.0)));
    let front = centre(&cam.render(0, 1.0, &pose(0.0, 0.0)));
    let right = centre(&cam.render(0, 1.0, &pose(25.0, 0.0)));
    assert!(
        left < front && front < right,
        "{left:.1} {front:.1} {right:.1}"
    );
}

#[test]
fn absent_and_blocked_frames_look_like_it() {
    let mut cam = camera(CameraColor::Ir);
    let present = cam.render(1, 1.0, &pose(0.0, 0.0));
    let mut p = pose(0.0, 0.0);
    p.in_view = false;
    let absent = cam.render(1, 1.0, &p);
    let (face_region, _) = diff_split(&present, &absent, W / 2 - 80, W / 2 + 80, H / 5, 3 * H / 4);
    assert!(
        face_region as f64 / (160.0 * 0.55 * H as f64) > 15.0,
        "no face drawn? {face_region}"
    );
    p.in_view = true;
    p.camera_blocked = true;
    let blocked = cam.render(1, 1.0, &p);
    assert!(
        mean(&blocked) < 20.0,
        "a covered lens is dark: {}",
        mean(&blocked)
    );
    assert!(mean(&present) > 50.0, "{}", mean(&present));
}

#[test]
fn frames_are_a_function_of_their_number_only() {
    let mut a = camera(CameraColor::Ir);
    let mut b = camera(CameraColor::Ir);
    // b renders other frames first: frame 7 must not depend on what came before.
    b.render(1, 0.1, &pose(10.0, 0.3));
    b.render(2, 0.2, &pose(-10.0, 0.8));
    let fa = a.render(7, 0.7, &pose(5.0, 0.2));
    let fb = b.render(7, 0.7, &pose(5.0, 0.2));
    assert_eq!(fa, fb);
    let other = a.render(8, 0.7, &pose(5.0, 0.2));
    assert_ne!(
        fa.data, other.data,
        "sensor noise differs from frame to frame"
    );
    let rgb = camera(CameraColor::Rgb).render(7, 0.7, &pose(5.0, 0.2));
    assert_eq!(rgb.data.len(), W * H * 3);
}
