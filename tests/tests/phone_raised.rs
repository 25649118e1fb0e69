//! The phone raised into view (Euro NCAP 2026 phone use, cabin issue 11): the simulator's synthetic
//! camera draws the phone and the hand where its pinhole camera projects them, nothing else in the frame
//! changes, and the real camera pipeline (BlazeFace, face mesh, iris model) still finds the face behind
//! it. A few frames: the conformance rows PHONE-raised-* measure what the driver monitor makes of it.
//!
//! `cargo test -p cabin-tests --test phone_raised -- --nocapture` prints the pipeline's reading.

use cabin_bus::messages::AmbientLight;
use cabin_perception::camera::{CameraConfig, CameraPipeline};
use cabin_sim::camera::{Lighting, PhonePartKind, SyntheticCamera};
use cabin_sim::scenario::{
    CameraColor, DriverPose, GlanceStyle, HeldPhone, Scenario, Steps, PHONE_DISTANCE_MM,
    PHONE_RAISED_PITCH_DEG, PHONE_RAISED_YAW_DEG,
};
use cabin_tests::driver_camera::{camera_frame, facing_road};

/// The driver looking at the phone held in its default place (an owl glance at it).
fn looking_at_the_phone() -> DriverPose {
    let p = GlanceStyle::Owl.split(PHONE_RAISED_YAW_DEG, PHONE_RAISED_PITCH_DEG);
    DriverPose {
        yaw_deg: p.yaw_deg,
        pitch_deg: p.pitch_deg,
        eye_yaw_deg: p.eye_yaw_deg,
        eye_pitch_deg: p.eye_pitch_deg,
        phone: Some(HeldPhone {
            yaw_deg: PHONE_RAISED_YAW_DEG,
            pitch_deg: PHONE_RAISED_PITCH_DEG,
            distance_mm: PHONE_DISTANCE_MM,
            raised: 1.0,
        }),
        ..facing_road()
    }
}

/// The default scenario's near-infrared camera, noise-free, in steady daylight.
fn camera() -> SyntheticCamera {
    let mut spec = Scenario::default_scenario()
        .expect("the built-in scenario parses")
        .camera;
    spec.color = CameraColor::Ir;
    spec.noise = 0.0;
    let daylight = Lighting::new(Steps::constant(AmbientLight::Day), 0.0);
    SyntheticCamera::new(&spec, daylight, 5).expect("models/face (scripts/setup.sh)")
}

fn inside(poly: &[[f32; 2]], q: [f32; 2]) -> bool {
    let mut inside = false;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        if (a[1] > q[1]) != (b[1] > q[1])
            && q[0] < a[0] + (q[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
        {
            inside = !inside;
        }
    }
    inside
}

#[test]
fn the_phone_is_drawn_where_it_projects_and_the_face_is_still_found() {
    let mut cam = camera();
    let (w, h) = (cam.width(), cam.height());
    let with = looking_at_the_phone();
    let without = DriverPose {
        phone: None,
        ..with.clone()
    };
    let parts = cam.phone_parts(&with);
    assert!(
        parts.iter().any(|p| p.kind == PhonePartKind::Back),
        "{parts:?}"
    );
    assert!(
        !parts.iter().any(|p| p.kind == PhonePartKind::Screen),
        "the column camera sees the phone's back, not its screen"
    );
    let a = cam.render(0, 0.0, &with);
    let b = cam.render(0, 0.0, &without);

    // Every changed pixel lies within the projected parts (plus the optics' blur); inside them the
    // frame has changed.
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for q in parts.iter().flat_map(|p| &p.outline) {
        x0 = x0.min(q[0]);
        y0 = y0.min(q[1]);
        x1 = x1.max(q[0]);
        y1 = y1.max(q[1]);
    }
    let margin = 4.0;
    let (mut changed_inside, mut inside_n, mut changed_outside) = (0usize, 0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            let q = [x as f32 + 0.5, y as f32 + 0.5];
            let differs = a.data[y * w + x] != b.data[y * w + x];
            let near = q[0] >= x0 - margin
                && q[0] <= x1 + margin
                && q[1] >= y0 - margin
                && q[1] <= y1 + margin;
            if !near && differs {
                changed_outside += 1;
            }
            if parts
                .iter()
                .any(|p| p.kind.is_phone() && inside(&p.outline, q))
            {
                inside_n += 1;
                changed_inside += usize::from(differs);
            }
        }
    }
    eprintln!(
        "phone parts span x {x0:.0}..{x1:.0}, y {y0:.0}..{y1:.0}; {changed_inside} of {inside_n} pixels inside the phone changed, {changed_outside} outside"
    );
    assert_eq!(changed_outside, 0, "pixels changed away from the phone");
    assert!(inside_n > 5_000, "the phone covers {inside_n} pixels");
    assert!(
        changed_inside as f64 >= 0.9 * inside_n as f64,
        "{changed_inside} of {inside_n}"
    );
    // Below the eyes (row 0.42 of the frame) and towards the driver's right (the image's left).
    assert!(y0 > 0.42 * h as f32 && x0 < 0.5 * w as f32, "{x0} {y0}");

    // The real pipeline still finds the face behind the raised phone.
    let mut p = CameraPipeline::new(CameraConfig::default()).expect("models load");
    let mut face = None;
    for n in 0..3 {
        let frame = camera_frame(cam.render(n, n as f64 * 0.1, &with));
        face = p.process(&frame).expect("valid frame").face;
    }
    let face = face.expect("the face is found behind the raised phone");
    eprintln!(
        "looking at the raised phone: head {:.1}/{:.1}, gaze {:.1}/{:.1}, zone {:?}",
        face.head_pose.yaw_deg,
        face.head_pose.pitch_deg,
        face.gaze_yaw_deg,
        face.gaze_pitch_deg,
        face.gaze_zone
    );
}
