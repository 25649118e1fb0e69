//! Camera frames (sensor input) and the simulator's per-frame ground truth.

use super::{Blob, GazeZone};
use serde::{Deserialize, Serialize};

/// Pixel layout of a [`CameraFrame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    /// 8-bit greyscale (IR driver cameras).
    Gray8,
    /// 8-bit RGB, interleaved.
    Rgb8,
    /// 8-bit BGR, interleaved (OpenCV's native order).
    Bgr8,
}

impl PixelFormat {
    pub const fn bytes_per_pixel(self) -> u32 {
        match self {
            PixelFormat::Gray8 => 1,
            PixelFormat::Rgb8 | PixelFormat::Bgr8 => 3,
        }
    }
}

/// One image from the in-cabin driver camera. Stays on the host by default (privacy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraFrame {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Bytes per row (>= width * bytes_per_pixel).
    pub stride: u32,
    pub data: Blob,
}

/// Why a [`CameraFrame`] cannot be used as an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame has zero width or height ({width}x{height})")]
    Empty { width: u32, height: u32 },
    #[error("stride {stride} is shorter than a row of {row} bytes")]
    StrideTooShort { stride: u32, row: u64 },
    #[error("frame needs {needed} bytes but carries {actual}")]
    Truncated { needed: u64, actual: u64 },
}

impl CameraFrame {
    /// Checks that the buffer really holds `height` rows of `stride` bytes, so image code can index it
    /// without bounds surprises. Every consumer calls this before touching the pixels.
    pub fn validate(&self) -> Result<(), FrameError> {
        if self.width == 0 || self.height == 0 {
            return Err(FrameError::Empty {
                width: self.width,
                height: self.height,
            });
        }
        let row = self.width as u64 * self.format.bytes_per_pixel() as u64;
        if (self.stride as u64) < row {
            return Err(FrameError::StrideTooShort {
                stride: self.stride,
                row,
            });
        }
        let needed = self.stride as u64 * (self.height as u64 - 1) + row;
        let actual = self.data.len() as u64;
        if actual < needed {
            return Err(FrameError::Truncated { needed, actual });
        }
        Ok(())
    }
}

/// What the simulator actually rendered into a frame: the truth perception is scored against.
/// Published on its own topic and never fed to perception.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriverGroundTruth {
    /// Sequence number of the camera frame this describes (0 when no frame goes with it).
    pub frame_seq: u64,
    pub face_present: bool,
    pub camera_blocked: bool,
    /// Head pose in degrees (yaw positive = driver turns to their left, pitch positive = up).
    pub yaw_deg: f32,
    pub pitch_deg: f32,
    pub roll_deg: f32,
    /// Eyelid closure per eye: 0 = fully open, 1 = fully closed.
    pub left_eye_closure: f32,
    pub right_eye_closure: f32,
    /// Where the scripted driver is looking.
    pub gaze_zone: GazeZone,
    /// The scripted episode in force, if any (`long_distraction`, `microsleep`, ...).
    pub episode: Option<String>,
}
