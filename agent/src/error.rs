//! The agent crate's error type: one enum, so a caller can tell a missing model from a corrupt
//! preference store or a language server that timed out.

use std::path::PathBuf;

/// Everything that can fail inside the agent crate.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A model file or the ONNX Runtime library could not be found.
    #[error(transparent)]
    Asset(#[from] cabin_bus::assets::AssetError),
    /// ONNX Runtime could not be set up (library, environment) or a model session not built.
    #[error(transparent)]
    OnnxSetup(#[from] cabin_onnx::OnnxError),
    /// ONNX Runtime failed running a model.
    #[error("onnx runtime: {0}")]
    Onnx(String),
    /// Audio that cannot be processed (wrong rate, unreadable file).
    #[error("audio: {0}")]
    Audio(String),
    /// A model file that exists but is not what it should be.
    #[error("model {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    /// The on-device preference store.
    #[error("preference store {path}: {reason}")]
    Store { path: PathBuf, reason: String },
    /// A data file: a user's POI file (GeoJSON or CSV), a labelled utterance set.
    #[error("{path}:{line}: {reason}")]
    DataFile {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// A language backend failed (model, server, budget).
    #[error("language backend '{backend}': {reason}")]
    Language {
        backend: &'static str,
        reason: String,
    },
    /// Generated text failed the checks before use.
    #[error("generated text rejected: {0}")]
    Rejected(String),
    /// File input/output.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The agent crate's result.
pub type Result<T, E = AgentError> = std::result::Result<T, E>;

impl AgentError {
    pub(crate) fn onnx(e: impl std::fmt::Display) -> Self {
        AgentError::Onnx(e.to_string())
    }
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AgentError::Io {
            path: path.into(),
            source,
        }
    }
}
