//! Perception's models on ONNX Runtime, in the process-wide environment of [`cabin_onnx`] (shared with the
//! agent). Every perception model runs with one intra-op thread, one inter-op thread and sequential
//! execution, so its output does not depend on how many threads the machine has; parallelism comes from the
//! runtime running several nodes at once.

use crate::error::Result;
use ort::session::Session;

/// Opens `models/<relative>` with 1 intra-op thread, 1 inter-op thread and sequential execution.
pub fn session(relative: &str) -> Result<Session> {
    let path = cabin_bus::assets::model_path(relative)?;
    Ok(cabin_onnx::session(&path, 1)?)
}
