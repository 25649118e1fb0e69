//! Model sessions with the thread settings determinism needs, and a lean memory profile for models whose
//! weights are stored quantized.

use crate::environment::environment;
use crate::error::OnnxError;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;
use std::fmt::Display;
use std::path::Path;

/// How a session trades memory for speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MemoryProfile {
    /// ONNX Runtime's defaults: every graph optimisation, the CPU memory arena, memory patterns and
    /// pre-packed weights. The fastest; right for small float models (the face models).
    #[default]
    Fast,
    /// For int8-quantized models (Moonshine's encoder and decoder): no graph optimisation, so constant
    /// folding does not turn the int8 weights into resident float copies (4x their size); no CPU arena
    /// and no memory pattern, so the weights dequantized during a run are freed after each node instead
    /// of staying reserved in the arena; no pre-packed weight copies. Measured on the cockpit process
    /// (docs/perf/resources.md): ~300 MiB less peak RSS, the same outputs byte for byte, some more CPU
    /// per inference (the dequantization runs every time). Also fixes glibc's mmap threshold for the
    /// process (`heap.rs`), so those per-run weight buffers go back to the system when freed. Pairs with
    /// models whose dequantization sits next to its use (Moonshine's, rearranged at setup by
    /// `scripts/models/moonshine_memory.py`): then a run holds one layer's float weights, not all.
    Lean,
}

/// A session for the model file `model`: `intra_threads` intra-op threads (at least 1), one inter-op thread
/// and sequential execution, in the process-wide environment ([`MemoryProfile::Fast`]).
pub fn session(model: &Path, intra_threads: usize) -> Result<Session, OnnxError> {
    session_with(model, intra_threads, MemoryProfile::Fast)
}

/// [`session`] with an explicit [`MemoryProfile`].
pub fn session_with(
    model: &Path,
    intra_threads: usize,
    memory: MemoryProfile,
) -> Result<Session, OnnxError> {
    let environment = environment()?;
    let fail = |e: &dyn Display| OnnxError::Session {
        path: model.to_path_buf(),
        reason: e.to_string(),
    };
    let builder = Session::builder(&environment)
        .map_err(|e| fail(&e))?
        .with_intra_threads(intra_threads.max(1))
        .map_err(|e| fail(&e))?
        .with_inter_threads(1)
        .map_err(|e| fail(&e))?
        .with_parallel_execution(false)
        .map_err(|e| fail(&e))?;
    let mut builder = match memory {
        MemoryProfile::Fast => builder,
        MemoryProfile::Lean => {
            crate::heap::return_large_blocks_to_the_system();
            lean(builder).map_err(|e| fail(&e))?
        }
    };
    builder.commit_from_file(model).map_err(|e| fail(&e))
}

fn lean(builder: SessionBuilder) -> ort::Result<SessionBuilder> {
    Ok(builder
        .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(false).build()])?
        .with_memory_pattern(false)?
        .with_prepacking(false)?
        .with_optimization_level(GraphOptimizationLevel::Disable)?)
}
