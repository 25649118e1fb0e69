//! ONNX Runtime sessions with the thread settings determinism needs.
//!
//! `ort` 2.0.0-rc.15 allows exactly one `Environment` per process, and a second `build()` is an error. The
//! perception and agent crates both run models in the `cabin` process, so neither may own a private
//! environment: this module uses `ort`'s own process-wide environment (`ort::test_util::test_env`, a
//! `OnceLock` inside `ort`), after loading the ONNX Runtime library that setup prepared. Any crate that does
//! the same shares it, and calling [`environment`] again is free.
//!
//! Every session runs with one intra-op and one inter-op thread and sequential execution, so a model's
//! output does not depend on how many threads the machine has; parallelism comes from the runtime running
//! several nodes at once.

use crate::error::{PerceptionError, Result};
use ort::environment::Environment;
use ort::session::Session;
use std::sync::OnceLock;

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

fn create_environment() -> std::result::Result<Environment, String> {
    let library = cabin_bus::assets::onnxruntime_library().map_err(|e| e.to_string())?;
    // Loads the shared library once per process; a second call (e.g. from the agent crate) is a no-op.
    let _builder = ort::init_from(&library)
        .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", library.display()))?;
    // `test_env` is ort's process-wide environment; it panics (instead of returning an error) if another
    // crate already built a private one, so contain that and report it as an error.
    std::panic::catch_unwind(|| ort::test_util::test_env().clone()).map_err(|_| {
        "another crate built a private ONNX Runtime environment; share ort's process-wide one \
         (ort::test_util::test_env) instead"
            .to_string()
    })
}

/// The process-wide ONNX Runtime environment (created on first use).
pub fn environment() -> Result<&'static Environment> {
    ENVIRONMENT
        .get_or_init(create_environment)
        .as_ref()
        .map_err(|e| PerceptionError::Onnx(e.clone()))
}

/// Opens `models/<relative>` with 1 intra-op thread, 1 inter-op thread and sequential execution.
pub fn session(relative: &str) -> Result<Session> {
    let path = cabin_bus::assets::model_path(relative)?;
    let env = environment()?;
    let onnx = |e: ort::Error<ort::session::builder::SessionBuilder>| {
        PerceptionError::Onnx(format!("{}: {e}", path.display()))
    };
    Session::builder(env)?
        .with_intra_threads(1)
        .map_err(onnx)?
        .with_inter_threads(1)
        .map_err(onnx)?
        .with_parallel_execution(false)
        .map_err(onnx)?
        .commit_from_file(&path)
        .map_err(|e| PerceptionError::Onnx(format!("{}: {e}", path.display())))
}
