//! The camera pipeline on real photos with the real models (BlazeFace + iris, ONNX Runtime, OpenCV).

mod support;

use cabin_bus::messages::CameraStatus;
use cabin_perception::camera::{CameraConfig, CameraPipeline};
use support::*;

fn pipeline() -> CameraPipeline {
    CameraPipeline::new(CameraConfig {
        refine_eyes: true,
        ..CameraConfig::default()
    })
    .expect("models load")
}

#[test]
fn face_found_in_astronaut_photo_where_the_reference_found_it() {
    let mut p = pipeline();
    let a = p.analyse(&frame(&photo("astronaut.png"))).unwrap();
    let face = a.observation.face.as_ref().expect("face in astronaut.png");
    eprintln!("astronaut: {face:#?}");
    assert_eq!(a.observation.camera, CameraStatus::Ok);
    // scripts/MODELS.md: score 0.921, box (179,81)-(272,174), right eye (205,100), left eye (249,108).
    assert!((face.score - 0.921).abs() < 0.02, "score {}", face.score);
    let b = &face.bbox;
    assert!(
        (b.x - 179.0).abs() < 4.0 && (b.y - 81.0).abs() < 4.0,
        "{b:?}"
    );
    assert!(
        (b.x + b.width - 272.0).abs() < 4.0 && (b.y + b.height - 174.0).abs() < 4.0,
        "{b:?}"
    );
    assert!((face.keypoints[0].x - 205.0).abs() < 3.0 && (face.keypoints[0].y - 100.0).abs() < 3.0);
    assert!((face.keypoints[1].x - 249.0).abs() < 3.0 && (face.keypoints[1].y - 108.0).abs() < 3.0);
    // Refined iris pass: openness 0.38 (image-left = subject's right) and 0.36 (MODELS.md).
    assert!(
        (face.right_eye.openness_raw - 0.38).abs() < 0.04,
        "{}",
        face.right_eye.openness_raw
    );
    assert!(
        (face.left_eye.openness_raw - 0.36).abs() < 0.04,
        "{}",
        face.left_eye.openness_raw
    );
    let eyes = &a.eyes;
    let iris = eyes[0].as_ref().unwrap().iris[0];
    assert!(
        (iris.x - 203.6).abs() < 2.0 && (iris.y - 101.0).abs() < 2.0,
        "{iris:?}"
    );
}

#[test]
fn face_found_in_camera_photo_with_a_turned_head() {
    let mut p = pipeline();
    let obs = p.process(&frame(&photo("camera.png"))).unwrap();
    let face = obs.face.as_ref().expect("face in camera.png");
    eprintln!("camera.png: {face:#?}");
    // MODELS.md: score 0.728, box (180,123)-(263,206).
    assert!((face.score - 0.728).abs() < 0.03, "score {}", face.score);
    assert!((face.bbox.x - 180.0).abs() < 5.0 && (face.bbox.y - 123.0).abs() < 5.0);
}
