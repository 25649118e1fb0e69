//! Silero VAD v6 (16 kHz): the speech probability of each 32 ms chunk.
//!
//! One ONNX session serves every microphone channel; each channel keeps its own recurrent state and the
//! last 64 samples of its previous chunk in a [`VadStream`]. Inputs exactly as `scripts/MODELS.md`:
//! `input` [1,576] = 64 carried samples + 512 new ones, `state` [2,1,128], `sr` scalar int64 16000.

use crate::error::{AgentError, Result};
use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use std::borrow::Cow;
use std::path::Path;

/// New samples per VAD call (32 ms at 16 kHz).
pub const VAD_CHUNK: usize = 512;
/// Samples carried over from the previous chunk.
const VAD_CONTEXT: usize = 64;
const STATE_LEN: usize = 2 * 128;
/// The only rate the model (and Moonshine) take.
pub const SAMPLE_RATE: u32 = 16_000;

/// The recurrent state of one audio stream.
#[derive(Clone, Debug)]
pub struct VadStream {
    state: Vec<f32>,
    context: [f32; VAD_CONTEXT],
}

impl Default for VadStream {
    fn default() -> Self {
        VadStream {
            state: vec![0.0; STATE_LEN],
            context: [0.0; VAD_CONTEXT],
        }
    }
}

/// The Silero VAD model.
pub struct SileroVad {
    session: Session,
}

impl SileroVad {
    pub fn load(model: &Path, threads: usize) -> Result<Self> {
        Ok(SileroVad {
            session: cabin_onnx::session(model, threads)?,
        })
    }

    /// Speech probability (0..1) of `chunk` (exactly [`VAD_CHUNK`] samples) continuing `stream`.
    pub fn probability(&mut self, stream: &mut VadStream, chunk: &[f32]) -> Result<f32> {
        if chunk.len() != VAD_CHUNK {
            return Err(AgentError::Audio(format!(
                "VAD chunk of {} samples, need {VAD_CHUNK}",
                chunk.len()
            )));
        }
        let mut input = Vec::with_capacity(VAD_CONTEXT + VAD_CHUNK);
        input.extend_from_slice(&stream.context);
        input.extend_from_slice(chunk);
        let input = Tensor::from_array(([1usize, VAD_CONTEXT + VAD_CHUNK], input))
            .map_err(AgentError::onnx)?;
        let state = Tensor::from_array(([2usize, 1, 128], stream.state.clone()))
            .map_err(AgentError::onnx)?;
        let sr = Tensor::from_array(((), vec![SAMPLE_RATE as i64])).map_err(AgentError::onnx)?;
        let outputs = self
            .session
            .run(vec![
                (Cow::from("input"), SessionInputValue::from(input)),
                (Cow::from("state"), SessionInputValue::from(state)),
                (Cow::from("sr"), SessionInputValue::from(sr)),
            ])
            .map_err(AgentError::onnx)?;
        let (_, p) = outputs["output"]
            .try_extract_tensor::<f32>()
            .map_err(AgentError::onnx)?;
        let prob = p.first().copied().unwrap_or(0.0);
        let (_, s) = outputs["stateN"]
            .try_extract_tensor::<f32>()
            .map_err(AgentError::onnx)?;
        if s.len() != STATE_LEN {
            return Err(AgentError::Onnx(format!(
                "VAD state has {} values, expected {STATE_LEN}",
                s.len()
            )));
        }
        stream.state.copy_from_slice(s);
        stream
            .context
            .copy_from_slice(&chunk[VAD_CHUNK - VAD_CONTEXT..]);
        Ok(if prob.is_finite() { prob } else { 0.0 })
    }
}
