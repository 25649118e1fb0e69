//! One ONNX Runtime environment per process, and sessions built the one way cabin allows.
//!
//! `ort` with `load-dynamic` must be pointed at the library prepared by setup before any other call.
//! Perception and the agent may both live in one process, so the initialisation sits behind a
//! [`OnceLock`]; a second initialisation elsewhere is harmless (`ort` keeps the first library loaded).
//! Sessions get 1 intra-op and 1 inter-op thread and sequential execution: fixed thread counts keep
//! the numbers identical run to run, and the cockpit's two cores are shared by many models.

use crate::error::{AgentError, Result};
use ort::environment::Environment;
use ort::session::Session;
use std::path::Path;
use std::sync::OnceLock;

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment, initialised on first use.
///
/// `ort` 2.0.0-rc.15 allows one environment per process, and the perception crate runs models in the same
/// process: both use `ort`'s own process-wide environment (`ort::test_util::test_env`, a `OnceLock` inside
/// `ort`) after loading the library, so whichever crate comes first creates it and the other shares it.
pub fn environment() -> Result<&'static Environment> {
    ENVIRONMENT
        .get_or_init(|| {
            let lib = cabin_bus::assets::onnxruntime_library().map_err(|e| e.to_string())?;
            ort::init_from(&lib).map_err(|e| format!("cannot load {}: {e}", lib.display()))?;
            std::panic::catch_unwind(|| ort::test_util::test_env().clone())
                .map_err(|_| "cannot create the process-wide ONNX Runtime environment".to_string())
        })
        .as_ref()
        .map_err(|e| AgentError::Onnx(e.clone()))
}

/// A session for `model` with `intra_threads` intra-op threads, 1 inter-op thread, sequential.
pub fn session(model: &Path, intra_threads: usize) -> Result<Session> {
    let env = environment()?;
    let fail = |e: &dyn std::fmt::Display| AgentError::Model {
        path: model.to_path_buf(),
        reason: e.to_string(),
    };
    Session::builder(env)
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
