//! What can go wrong before a model runs: the library, the environment, a session.

use cabin_bus::assets::AssetError;
use std::path::PathBuf;

/// ONNX Runtime could not be set up, or a model session could not be built.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OnnxError {
    /// The models directory (and with it the library) was not found.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// The ONNX Runtime shared library is not at the path given (`ORT_DYLIB_PATH` or the models directory).
    #[error("ONNX Runtime library {} does not exist; run `bash scripts/setup.sh` or fix ORT_DYLIB_PATH", .0.display())]
    LibraryMissing(PathBuf),
    /// The library exists but could not be loaded (not a shared library, too old a version).
    #[error("cannot load ONNX Runtime from {}: {reason}", path.display())]
    Load { path: PathBuf, reason: String },
    /// ONNX Runtime refused to create the process-wide environment.
    #[error("cannot create the ONNX Runtime environment: {0}")]
    Environment(String),
    /// A model file could not be opened as a session (missing, corrupt, unsupported operator).
    #[error("model {}: {reason}", path.display())]
    Session { path: PathBuf, reason: String },
}
