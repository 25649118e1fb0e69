//! The process-wide ONNX Runtime environment, built once from the installed library.

use crate::error::OnnxError;
use ort::environment::Environment;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// The environment once built. A mutex rather than a `OnceLock`: building must happen at most once even when
/// two nodes start at the same moment, and a failure (library not installed yet) must not be remembered.
static SHARED: Mutex<Option<Environment>> = Mutex::new(None);

/// The process-wide environment, from the library setup installed (`ORT_DYLIB_PATH` overrides it).
pub fn environment() -> Result<Environment, OnnxError> {
    environment_from(&cabin_bus::assets::onnxruntime_library()?)
}

/// The process-wide environment, loading ONNX Runtime from `library` if no environment exists yet.
///
/// A missing `library` is always an error. Once an environment exists, a later call returns it whatever
/// library it names: a process holds one ONNX Runtime (as `ort` itself does).
pub fn environment_from(library: &Path) -> Result<Environment, OnnxError> {
    if !library.is_file() {
        return Err(OnnxError::LibraryMissing(library.to_path_buf()));
    }
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(environment) = shared.as_ref() {
        return Ok(environment.clone());
    }
    let load_error = |reason: String| OnnxError::Load {
        path: library.to_path_buf(),
        reason,
    };
    // `ort` resolves a relative path against the executable's folder first; make it mean what it says.
    let library = std::path::absolute(library).map_err(|e| load_error(e.to_string()))?;
    let environment = ort::init_from(&library)
        .map_err(|e| load_error(e.to_string()))?
        .with_name("cabin")
        .build()
        .map_err(|e| OnnxError::Environment(e.to_string()))?;
    *shared = Some(environment.clone());
    Ok(environment)
}
