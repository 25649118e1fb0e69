//! `perceive_path` (what `cabin perceive` calls) on a still image and a folder, with annotation (a video of
//! rendered frames: `tests/tests/perceive_video.rs`).

use cabin_bus::messages::CameraStatus;
use cabin_perception::perceive_path;
use opencv::imgcodecs;
use opencv::prelude::*;

fn photo_path(name: &str) -> std::path::PathBuf {
    cabin_bus::assets::model_path(&format!("photos/{name}")).unwrap()
}

#[test]
fn a_still_image_is_perceived_and_annotated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("astronaut_annotated.png");
    let res = perceive_path(&photo_path("astronaut.png"), Some(&out)).unwrap();
    assert_eq!(res.len(), 1);
    assert_eq!(res[0].0, "astronaut.png");
    let face = res[0].1.face.as_ref().expect("face");
    assert!(face.score > 0.9);
    let written = imgcodecs::imread(out.to_str().unwrap(), imgcodecs::IMREAD_COLOR).unwrap();
    assert_eq!((written.cols(), written.rows()), (512, 512));
    // The drawing changed pixels (box, points, text), it is not a copy.
    let orig = imgcodecs::imread(
        photo_path("astronaut.png").to_str().unwrap(),
        imgcodecs::IMREAD_COLOR,
    )
    .unwrap();
    let mut diff = opencv::core::Mat::default();
    opencv::core::absdiff(&written, &orig, &mut diff).unwrap();
    let changed = opencv::core::count_non_zero(&diff.reshape(1, 0).unwrap()).unwrap();
    assert!(changed > 2000, "{changed} values changed");
    // A target without an image extension is a folder.
    let folder = dir.path().join("annotated");
    perceive_path(&photo_path("camera.png"), Some(&folder)).unwrap();
    assert!(folder.join("camera.png").is_file());
}

#[test]
fn a_folder_reports_every_file_including_unreadable_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(photo_path("astronaut.png"), dir.path().join("a.png")).unwrap();
    std::fs::copy(photo_path("camera.png"), dir.path().join("b.png")).unwrap();
    std::fs::write(dir.path().join("c.png"), b"not a png at all").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
    let ann = dir.path().join("annotated");
    let res = perceive_path(dir.path(), Some(&ann)).unwrap();
    let names: Vec<&str> = res.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["a.png", "b.png", "c.png"]);
    assert!(res[0].1.face.is_some() && res[1].1.face.is_some());
    assert_eq!(res[2].1.camera, CameraStatus::Corrupt);
    assert!(ann.join("a.png").is_file() && ann.join("b.png").is_file());
}

#[test]
fn missing_and_unreadable_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = perceive_path(&dir.path().join("nope.png"), None).unwrap_err();
    assert!(e.to_string().contains("nope.png"), "{e}");
    let bad = dir.path().join("bad.mp4");
    std::fs::write(&bad, b"garbage").unwrap();
    assert!(perceive_path(&bad, None).is_err());
}
