//! Camera states on scenes the simulator renders: an empty cabin is a lost face, a hand over the lens is
//! a blocked (black) camera, and the driver back in view is tracked again (real models).

use cabin_bus::messages::CameraStatus;
use cabin_perception::camera::{CameraConfig, CameraPipeline};
use cabin_sim::scenario::{CameraColor, DriverPose};
use cabin_tests::driver_camera::{facing_road, DriverCamera};

#[test]
fn an_empty_cabin_is_a_lost_face_and_a_covered_lens_is_black() {
    let mut camera = DriverCamera::new(CameraColor::Ir, 2.0);
    let mut p = CameraPipeline::new(CameraConfig::default()).expect("models load");
    let mut status = |pose: &DriverPose| {
        let o = p.process(&camera.shoot(pose)).expect("valid frame");
        eprintln!("{pose:?}: {:?} brightness {:.1}", o.camera, o.brightness);
        (o.camera, o.face.is_some())
    };
    // A structured scene without a face (seat, headrest, windows): face lost, not a camera fault.
    let empty = DriverPose {
        in_view: false,
        ..facing_road()
    };
    assert_eq!(status(&empty), (CameraStatus::FaceLost, false));
    assert_eq!(status(&facing_road()), (CameraStatus::Ok, true));
    // A hand over the lens with the auto-exposure opened up: nearly black, a faint ramp, strong noise.
    let covered = DriverPose {
        camera_blocked: true,
        ..facing_road()
    };
    assert_eq!(status(&covered), (CameraStatus::Black, false));
    assert_eq!(status(&facing_road()), (CameraStatus::Ok, true));
}
