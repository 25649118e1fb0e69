//! Sentence embeddings on the device: all-MiniLM-L6-v2 (Apache-2.0), 384-d, unit length.
//!
//! Setup (`scripts/models/embedding.py`) builds the whole sentence-transformers pipeline (BERT ->
//! mean pooling over the attention mask -> L2 normalisation) as one ONNX graph, `models/embedding/
//! model.onnx`, and copies its WordPiece `tokenizer.json`; setup checks the graph against the model
//! card's published similarities. Here the `tokenizers` crate (pure Rust: `fancy-regex`, no
//! Oniguruma) reads the tokenizer and ONNX Runtime runs the graph through `cabin-onnx` with one intra-op
//! thread, so the same text always gives the same embedding bytes.

use crate::error::{AgentError, Result};
use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Width of one embedding.
pub const DIM: usize = 384;
/// Most tokens fed to the model ([CLS] and [SEP] included): the tokenizer's own truncation length.
/// An utterance is a sentence or two; longer text is cut, not refused.
pub const MAX_MODEL_TOKENS: usize = 128;
/// Where setup puts the model, relative to `models/`.
pub const MODEL_FILE: &str = "embedding/model.onnx";
pub const TOKENIZER_FILE: &str = "embedding/tokenizer.json";

/// One sentence's embedding: [`DIM`] floats of unit length.
pub type Embedding = Vec<f32>;

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The tokenizer and the ONNX session of the sentence-embedding model.
pub struct SentenceEncoder {
    session: Session,
    tokenizer: tokenizers::Tokenizer,
    model: PathBuf,
}

impl std::fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceEncoder")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl SentenceEncoder {
    /// The model setup prepared (`models/embedding/`), with one intra-op thread.
    pub fn load_default() -> Result<Self> {
        let model = cabin_bus::assets::model_path(MODEL_FILE)?;
        let tokenizer = cabin_bus::assets::model_path(TOKENIZER_FILE)?;
        Self::load(&model, &tokenizer, 1)
    }

    /// `model` (the ONNX graph) and `tokenizer` (`tokenizer.json`), `threads` intra-op threads.
    pub fn load(model: &Path, tokenizer: &Path, threads: usize) -> Result<Self> {
        let mut tok =
            tokenizers::Tokenizer::from_file(tokenizer).map_err(|e| AgentError::Model {
                path: tokenizer.to_path_buf(),
                reason: e.to_string(),
            })?;
        // tokenizer.json pads every input to 128 tokens (a batch setting); one sentence needs none.
        tok.with_padding(None);
        tok.with_truncation(Some(tokenizers::TruncationParams {
            max_length: MAX_MODEL_TOKENS,
            ..Default::default()
        }))
        .map_err(|e| AgentError::Model {
            path: tokenizer.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(SentenceEncoder {
            session: cabin_onnx::session(model, threads)?,
            tokenizer: tok,
            model: model.to_path_buf(),
        })
    }

    /// The ONNX graph this encoder runs.
    pub fn model_path(&self) -> &Path {
        &self.model
    }

    /// Token ids of `text` with [CLS] and [SEP], as the model sees them.
    pub fn token_ids(&self, text: &str) -> Result<Vec<i64>> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| AgentError::Model {
                path: self.model.clone(),
                reason: format!("tokenizer: {e}"),
            })?;
        Ok(enc.get_ids().iter().map(|&i| i64::from(i)).collect())
    }

    /// The embedding of `text` (unit length; empty text embeds as [CLS] [SEP]).
    pub fn embed(&mut self, text: &str) -> Result<Embedding> {
        let ids = self.token_ids(text)?;
        let n = ids.len();
        let input = Tensor::from_array(([1usize, n], ids)).map_err(AgentError::onnx)?;
        let mask = Tensor::from_array(([1usize, n], vec![1i64; n])).map_err(AgentError::onnx)?;
        let out = self
            .session
            .run(vec![
                (Cow::from("input_ids"), SessionInputValue::from(input)),
                (Cow::from("attention_mask"), SessionInputValue::from(mask)),
            ])
            .map_err(AgentError::onnx)?;
        let (_, values) = out["embedding"]
            .try_extract_tensor::<f32>()
            .map_err(AgentError::onnx)?;
        if values.len() != DIM {
            return Err(AgentError::Model {
                path: self.model.clone(),
                reason: format!("embedding of {} values, expected {DIM}", values.len()),
            });
        }
        Ok(values.to_vec())
    }
}
