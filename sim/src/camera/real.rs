//! Real footage as the driver camera: a video file or a folder of images, read with OpenCV, one
//! frame per camera tick, converted to the scenario's colour and size.
//!
//! A frame that cannot be read (a corrupt image in the folder, a decoder error) is an error for that
//! frame only; the simulator reports it and carries on with the next one.

use super::synthetic::Frame;
use crate::error::{Result, SimError};
use crate::scenario::CameraColor;
use cabin_bus::messages::PixelFormat;
use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc, videoio};
use std::path::{Path, PathBuf};

enum Input {
    Video {
        capture: videoio::VideoCapture,
        path: PathBuf,
    },
    Images {
        files: Vec<PathBuf>,
        next: usize,
    },
}

/// Frames from a video file or an image folder.
pub struct RealCamera {
    input: Input,
    width: u32,
    height: u32,
    color: CameraColor,
    looped: bool,
}

const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "bmp", "pgm", "ppm", "tif"];

impl RealCamera {
    pub fn video(
        path: &Path,
        width: u32,
        height: u32,
        color: CameraColor,
        looped: bool,
    ) -> Result<RealCamera> {
        let capture = videoio::VideoCapture::from_file(path, videoio::CAP_ANY)?;
        if !capture.is_opened()? {
            return Err(SimError::Camera(format!(
                "cannot open the video {}",
                path.display()
            )));
        }
        Ok(RealCamera {
            input: Input::Video {
                capture,
                path: path.to_path_buf(),
            },
            width,
            height,
            color,
            looped,
        })
    }

    pub fn images(
        dir: &Path,
        width: u32,
        height: u32,
        color: CameraColor,
        looped: bool,
    ) -> Result<RealCamera> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| SimError::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_lowercase().as_str()))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(SimError::Camera(format!(
                "{} holds no images",
                dir.display()
            )));
        }
        Ok(RealCamera {
            input: Input::Images { files, next: 0 },
            width,
            height,
            color,
            looped,
        })
    }

    /// The next frame; `Ok(None)` at the end of the footage (unless looping).
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        let mat = match &mut self.input {
            Input::Video { capture, path } => {
                let mut m = Mat::default();
                let mut ok = capture.read(&mut m)?;
                if !ok && self.looped {
                    capture.set(videoio::CAP_PROP_POS_FRAMES, 0.0)?;
                    ok = capture.read(&mut m)?;
                }
                if !ok || m.empty() {
                    if !ok {
                        return Ok(None);
                    }
                    return Err(SimError::Camera(format!("{}: empty frame", path.display())));
                }
                m
            }
            Input::Images { files, next } => {
                if *next >= files.len() {
                    if !self.looped {
                        return Ok(None);
                    }
                    *next = 0;
                }
                let file = files[*next].clone();
                *next += 1;
                let m = imgcodecs::imread(&file, imgcodecs::IMREAD_COLOR)?;
                if m.empty() {
                    return Err(SimError::Camera(format!(
                        "cannot decode {}",
                        file.display()
                    )));
                }
                m
            }
        };
        Ok(Some(self.convert(&mat)?))
    }

    fn convert(&self, bgr: &Mat) -> Result<Frame> {
        let mut sized = Mat::default();
        let size = Size::new(self.width as i32, self.height as i32);
        if bgr.size()? != size {
            imgproc::resize(bgr, &mut sized, size, 0.0, 0.0, imgproc::INTER_AREA)?;
        } else {
            sized = bgr.clone();
        }
        let (format, out) = match self.color {
            CameraColor::Ir => {
                let mut g = Mat::default();
                imgproc::cvt_color(&sized, &mut g, imgproc::COLOR_BGR2GRAY, 0)?;
                (PixelFormat::Gray8, g)
            }
            CameraColor::Rgb => (PixelFormat::Bgr8, sized),
        };
        let out = if out.is_continuous() {
            out
        } else {
            out.try_clone()?
        };
        Ok(Frame {
            format,
            width: self.width,
            height: self.height,
            data: out.data_bytes()?.to_vec(),
        })
    }
}
