//! Errors of the simulator crate: one enum, so callers (the `cabin` binary, tests) can tell a bad
//! scenario file from a broken recording or a missing tool.

use crate::scenario::ScenarioError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A scenario file (or a file it refers to) is wrong; names the file, line and field.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("opencv: {0}")]
    OpenCv(String),
    /// The synthetic camera cannot be built (face mesh or photo missing or malformed).
    #[error("synthetic camera: {0}")]
    Camera(String),
    #[error("speech synthesis: {0}")]
    Speech(String),
    #[error("mcap {path}: {message}")]
    Mcap { path: PathBuf, message: String },
    #[error("events file {path}:{line}: {message}")]
    Events {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Other(String),
}

impl SimError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SimError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<opencv::Error> for SimError {
    fn from(e: opencv::Error) -> Self {
        SimError::OpenCv(e.to_string())
    }
}

pub type Result<T, E = SimError> = std::result::Result<T, E>;
