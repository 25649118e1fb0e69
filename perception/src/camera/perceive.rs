//! `cabin perceive`: the camera pipeline on a user's still image, image folder or video.
//!
//! Each image or video frame goes through the same [`CameraPipeline`] as the camera topic (via
//! [`FrameView::from_mat`], no copy). Eye crops are refined (second iris pass) because latency matters
//! less here than on the live camera. A folder's images are independent photos, so tracking is reset
//! between them; a video's frames are one sequence (tracking and the open-eye baseline carry over).
//!
//! A file in a folder that cannot be decoded is reported as a `Corrupt` observation under its name rather
//! than dropped, so nothing is silently lost.

use super::annotate::annotate;
use super::frame::FrameView;
use super::head_pose::HeadPoseConfig;
use super::pipeline::{CameraConfig, CameraPipeline};
use crate::error::{PerceptionError, Result};
use cabin_bus::messages::{CameraStatus, FaceObservation};
use opencv::core::{Mat, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, videoio};
use std::path::{Path, PathBuf};

/// File extensions read as still images (anything else is opened as a video).
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "pgm", "ppm", "pnm",
];

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn read_image(path: &Path) -> Result<Mat> {
    let name = path
        .to_str()
        .ok_or_else(|| PerceptionError::io(path, "path is not UTF-8"))?;
    let m = imgcodecs::imread(name, imgcodecs::IMREAD_COLOR)?;
    if m.empty() {
        return Err(PerceptionError::io(path, "cannot read or decode the image"));
    }
    Ok(m)
}

fn write_image(path: &Path, image: &Mat) -> Result<()> {
    let name = path
        .to_str()
        .ok_or_else(|| PerceptionError::io(path, "path is not UTF-8"))?;
    if !imgcodecs::imwrite(name, image, &Vector::new())? {
        return Err(PerceptionError::io(
            path,
            "cannot write the annotated image",
        ));
    }
    Ok(())
}

fn corrupt(seq: u64) -> FaceObservation {
    FaceObservation {
        frame_seq: seq,
        camera: CameraStatus::Corrupt,
        brightness: 0.0,
        face: None,
    }
}

/// Runs the camera pipeline on a still image, a folder of images or a video file, and returns one
/// `(name, observation)` per image or frame (names: the file name, or `frame_000042` for video frames).
/// With `annotate`, writes annotated images: for a single image to that file (or, if it is a folder or has
/// no image extension, to `<folder>/<stem>.png`); for a folder or a video into that folder.
pub fn perceive_path(
    input: &Path,
    annotate: Option<&Path>,
) -> Result<Vec<(String, FaceObservation)>> {
    // Photos of real people: head pose relative to the viewing ray, real-face template calibration.
    let config = CameraConfig {
        refine_eyes: true,
        head_pose: HeadPoseConfig::photos(),
        ..CameraConfig::default()
    };
    perceive_path_with(config, input, annotate)
}

/// [`perceive_path`] with an explicit pipeline config.
pub fn perceive_path_with(
    config: CameraConfig,
    input: &Path,
    annotate_to: Option<&Path>,
) -> Result<Vec<(String, FaceObservation)>> {
    let meta = std::fs::metadata(input).map_err(|e| PerceptionError::io(input, e))?;
    let mut pipeline = CameraPipeline::new(config)?;
    if meta.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| PerceptionError::io(input, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_image(p))
            .collect();
        files.sort();
        if let Some(dir) = annotate_to {
            std::fs::create_dir_all(dir).map_err(|e| PerceptionError::io(dir, e))?;
        }
        let mut out = Vec::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            pipeline.reset_tracking();
            match read_image(f) {
                Ok(img) => {
                    let a = run(&mut pipeline, &img, i as u64)?;
                    if let Some(dir) = annotate_to {
                        let stem = f
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        write_image(&dir.join(format!("{stem}.png")), &annotate(&img, &a)?)?;
                    }
                    out.push((name, a.observation));
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    out.push((name, corrupt(i as u64)));
                }
            }
        }
        return Ok(out);
    }
    if is_image(input) {
        let img = read_image(input)?;
        let a = run(&mut pipeline, &img, 0)?;
        if let Some(target) = annotate_to {
            // An image path is written as is; an existing folder, or a path without an image
            // extension, is a folder to write `<stem>.png` into.
            let target = if target.is_dir() || !is_image(target) {
                std::fs::create_dir_all(target).map_err(|e| PerceptionError::io(target, e))?;
                let stem = input
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                target.join(format!("{stem}.png"))
            } else {
                target.to_path_buf()
            };
            write_image(&target, &annotate(&img, &a)?)?;
        }
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![(name, a.observation)]);
    }
    perceive_video(&mut pipeline, input, annotate_to)
}

fn run(
    pipeline: &mut CameraPipeline,
    img: &Mat,
    seq: u64,
) -> Result<super::pipeline::FrameAnalysis> {
    let view = FrameView::from_mat(img)?;
    pipeline.analyse_view(&view, false, seq)
}

fn perceive_video(
    pipeline: &mut CameraPipeline,
    input: &Path,
    annotate_to: Option<&Path>,
) -> Result<Vec<(String, FaceObservation)>> {
    let name = input
        .to_str()
        .ok_or_else(|| PerceptionError::io(input, "path is not UTF-8"))?;
    let mut cap = videoio::VideoCapture::from_file(name, videoio::CAP_ANY)?;
    if !cap.is_opened()? {
        return Err(PerceptionError::io(
            input,
            "not an image (by extension) and OpenCV cannot open it as a video",
        ));
    }
    if let Some(dir) = annotate_to {
        std::fs::create_dir_all(dir).map_err(|e| PerceptionError::io(dir, e))?;
    }
    let mut out = Vec::new();
    let mut frame = Mat::default();
    let mut i = 0u64;
    while cap.read(&mut frame)? {
        if frame.empty() {
            break;
        }
        let label = format!("frame_{i:06}");
        let a = run(pipeline, &frame, i)?;
        if let Some(dir) = annotate_to {
            write_image(&dir.join(format!("{label}.png")), &annotate(&frame, &a)?)?;
        }
        out.push((label, a.observation));
        i += 1;
    }
    if out.is_empty() {
        return Err(PerceptionError::io(
            input,
            "the video has no readable frames",
        ));
    }
    Ok(out)
}
