//! Reading a model's named outputs: each must be present, hold `f32` values and have the length
//! `scripts/MODELS.md` documents, else the run is a model-output error (never an index panic later).

use crate::error::{PerceptionError, Result};
use ort::session::SessionOutputs;

/// The values of the outputs named in `expected`, in that order, each checked against its expected
/// length; an error naming `model` and the output otherwise.
pub(crate) fn f32_outputs<'a, const N: usize>(
    outputs: &'a SessionOutputs,
    model: &'static str,
    expected: [(&str, usize); N],
) -> Result<[&'a [f32]; N]> {
    let mut values: [&[f32]; N] = [&[]; N];
    for (slot, (name, len)) in values.iter_mut().zip(expected) {
        let bad = |reason: String| PerceptionError::ModelOutput { model, reason };
        let output = outputs
            .get(name)
            .ok_or_else(|| bad(format!("no output '{name}'")))?
            .try_extract_tensor::<f32>()?
            .1;
        if output.len() != len {
            return Err(bad(format!(
                "output '{name}': expected {len} values, got {}",
                output.len()
            )));
        }
        *slot = output;
    }
    Ok(values)
}
