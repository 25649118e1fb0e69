//! The crate's error type. Every failure on an input path is a value of [`PerceptionError`], never a panic:
//! nodes turn it into an explicit state (`CameraStatus::Corrupt`, a flagged `HeartState`) and a diagnostic.

use cabin_bus::assets::AssetError;
use cabin_bus::messages::FrameError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PerceptionError {
    /// The camera frame cannot be used as an image (zero size, truncated buffer, short stride).
    #[error("unusable camera frame: {0}")]
    Frame(#[from] FrameError),
    /// A frame dimension does not fit OpenCV's 32-bit sizes.
    #[error("frame of {width}x{height} is too large")]
    FrameTooLarge { width: u32, height: u32 },
    /// A model file or the ONNX Runtime library is missing.
    #[error("{0}")]
    Asset(#[from] AssetError),
    /// ONNX Runtime could not be set up (library, environment) or a model session not built.
    #[error(transparent)]
    OnnxSetup(#[from] cabin_onnx::OnnxError),
    /// ONNX Runtime failed running a model.
    #[error("onnx runtime: {0}")]
    Onnx(String),
    /// A model returned something other than what scripts/MODELS.md documents.
    #[error("model {model}: {reason}")]
    ModelOutput { model: &'static str, reason: String },
    /// OpenCV failed.
    #[error("opencv: {0}")]
    OpenCv(#[from] opencv::Error),
    /// A file or folder given by the user could not be read or written.
    #[error("{}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    /// A configuration value is invalid.
    #[error("config: {0}")]
    Config(String),
}

impl From<ort::Error> for PerceptionError {
    fn from(e: ort::Error) -> Self {
        PerceptionError::Onnx(e.to_string())
    }
}

impl PerceptionError {
    pub(crate) fn io(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        PerceptionError::Io {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = PerceptionError> = std::result::Result<T, E>;
