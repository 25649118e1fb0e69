//! Moonshine base-en: encoder once per speech segment, then the merged decoder greedily with its KV
//! cache, exactly as `scripts/models/speech.py::transcribe` (the reference the tokens were checked
//! against).
//!
//! All 32 cache inputs start empty ([1,8,0,52]); step 0 runs with `use_cache_branch = false` and
//! produces the cross-attention cache, which is kept from then on; the self-attention cache is
//! replaced after every step. Decoding stops at `</s>` or after `ceil(seconds * 6.5) + 5` tokens, so a
//! hallucinating decoder cannot run away.

use super::tokenizer::MoonshineTokenizer;
use super::vad::SAMPLE_RATE;
use crate::error::{AgentError, Result};
use cabin_onnx::MemoryProfile;
use ort::session::{Session, SessionInputValue};
use ort::value::{DynValue, Tensor};
use std::borrow::Cow;
use std::path::Path;

const BOS: i64 = 1;
const EOS: i64 = 2;
const LAYERS: usize = 8;
const HEADS: usize = 8;
const HEAD_DIM: usize = 52;
/// Moonshine takes 0.1 to 64 s per call.
pub const MIN_SAMPLES: usize = SAMPLE_RATE as usize / 10;
pub const MAX_SAMPLES: usize = 64 * SAMPLE_RATE as usize;

/// What one segment decoded to.
#[derive(Clone, Debug, PartialEq)]
pub struct Transcript {
    pub text: String,
    pub tokens: Vec<i64>,
    pub decoder_steps: usize,
}

/// The Moonshine encoder, decoder and tokenizer.
pub struct Moonshine {
    encoder: Session,
    decoder: Session,
    tokenizer: MoonshineTokenizer,
    /// `past_key_values.{l}.{decoder|encoder}.{key|value}`, in a fixed order.
    cache_names: Vec<String>,
}

impl Moonshine {
    pub fn load(encoder: &Path, decoder: &Path, tokenizer: &Path, threads: usize) -> Result<Self> {
        let mut cache_names = Vec::with_capacity(LAYERS * 4);
        for l in 0..LAYERS {
            for kind in ["decoder", "encoder"] {
                for kv in ["key", "value"] {
                    cache_names.push(format!("past_key_values.{l}.{kind}.{kv}"));
                }
            }
        }
        Ok(Moonshine {
            // Lean: Moonshine's weights are int8; ONNX Runtime's default graph optimisation turns them
            // into resident float copies (~600 MB for the decoder, heaptrack: docs/perf/resources.md).
            // Setup rearranges both models so a run dequantizes each weight right before its use and
            // frees it after (scripts/models/moonshine_memory.py; the outputs are the same bits):
            // a decoder run peaks ~28 MB above the loaded session instead of ~220 MB.
            encoder: cabin_onnx::session_with(encoder, threads, MemoryProfile::Lean)?,
            decoder: cabin_onnx::session_with(decoder, threads, MemoryProfile::Lean)?,
            tokenizer: MoonshineTokenizer::load(tokenizer)?,
            cache_names,
        })
    }

    /// Transcribes one speech segment (16 kHz mono in [-1, 1], 0.1 to 64 s).
    pub fn transcribe(&mut self, audio: &[f32]) -> Result<Transcript> {
        if audio.len() < MIN_SAMPLES || audio.len() > MAX_SAMPLES {
            return Err(AgentError::Audio(format!(
                "segment of {:.2} s; Moonshine takes 0.1 to 64 s",
                audio.len() as f64 / SAMPLE_RATE as f64
            )));
        }
        let input = Tensor::from_array(([1usize, audio.len()], audio.to_vec()))
            .map_err(AgentError::onnx)?;
        let mut enc = self
            .encoder
            .run(vec![(
                Cow::from("input_values"),
                SessionInputValue::from(input),
            )])
            .map_err(AgentError::onnx)?;
        let hidden: DynValue = enc
            .remove("last_hidden_state")
            .ok_or_else(|| AgentError::Onnx("encoder gave no last_hidden_state".into()))?;
        drop(enc);

        let seconds = audio.len() as f64 / SAMPLE_RATE as f64;
        let max_tokens = (seconds * 6.5).ceil() as usize + 5;
        let mut cache: Vec<DynValue> = Vec::with_capacity(self.cache_names.len());
        for _ in &self.cache_names {
            let empty = Tensor::<f32>::from_array(([1usize, HEADS, 0, HEAD_DIM], Vec::new()))
                .map_err(AgentError::onnx)?;
            cache.push(empty.into_dyn());
        }
        let mut token = BOS;
        let mut tokens = Vec::new();
        let mut steps = 0;
        for step in 0..max_tokens {
            steps = step + 1;
            let ids = Tensor::from_array(([1usize, 1], vec![token])).map_err(AgentError::onnx)?;
            let branch =
                Tensor::from_array(([1usize], vec![step > 0])).map_err(AgentError::onnx)?;
            let mut feeds: Vec<(Cow<'_, str>, SessionInputValue<'_>)> =
                Vec::with_capacity(3 + cache.len());
            feeds.push((Cow::from("input_ids"), ids.into()));
            feeds.push((Cow::from("encoder_hidden_states"), (&hidden).into()));
            feeds.push((Cow::from("use_cache_branch"), branch.into()));
            for (name, value) in self.cache_names.iter().zip(&cache) {
                feeds.push((Cow::from(name.as_str()), value.into()));
            }
            let mut out = self.decoder.run(feeds).map_err(AgentError::onnx)?;
            let (_, logits) = out["logits"]
                .try_extract_tensor::<f32>()
                .map_err(AgentError::onnx)?;
            token = argmax(logits) as i64;
            for (i, name) in self.cache_names.iter().enumerate() {
                if name.contains(".decoder.") || step == 0 {
                    let present = name.replacen("past_key_values.", "present.", 1);
                    cache[i] = out
                        .remove(&present)
                        .ok_or_else(|| AgentError::Onnx(format!("decoder gave no {present}")))?;
                }
            }
            if token == EOS {
                break;
            }
            tokens.push(token);
        }
        Ok(Transcript {
            text: self.tokenizer.decode(&tokens).trim().to_string(),
            tokens,
            decoder_steps: steps,
        })
    }
}

/// Index of the largest value; the first one on ties, NaN never wins.
fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &x) in v.iter().enumerate() {
        if x > best_v {
            best = i;
            best_v = x;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    #[test]
    fn argmax_takes_the_first_maximum_and_ignores_nan() {
        assert_eq!(super::argmax(&[0.0, 3.0, f32::NAN, 3.0]), 1);
        assert_eq!(super::argmax(&[]), 0);
    }
}
