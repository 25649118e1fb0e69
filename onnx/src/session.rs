//! Model sessions with the thread settings determinism needs.

use crate::environment::environment;
use crate::error::OnnxError;
use ort::session::Session;
use std::fmt::Display;
use std::path::Path;

/// A session for the model file `model`: `intra_threads` intra-op threads (at least 1), one inter-op thread
/// and sequential execution, in the process-wide environment.
pub fn session(model: &Path, intra_threads: usize) -> Result<Session, OnnxError> {
    let environment = environment()?;
    let fail = |e: &dyn Display| OnnxError::Session {
        path: model.to_path_buf(),
        reason: e.to_string(),
    };
    Session::builder(&environment)
        .map_err(|e| fail(&e))?
        .with_intra_threads(intra_threads.max(1))
        .map_err(|e| fail(&e))?
        .with_inter_threads(1)
        .map_err(|e| fail(&e))?
        .with_parallel_execution(false)
        .map_err(|e| fail(&e))?
        .commit_from_file(model)
        .map_err(|e| fail(&e))
}
