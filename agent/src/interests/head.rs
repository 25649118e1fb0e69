//! A small trained head on the sentence embeddings: multinomial logistic regression (softmax over
//! the seven interest kinds, `other` and `injection`), trained deterministically from the
//! development data ([`super::training`]).
//!
//! Why a linear head and not the nearest prototype alone: one nearest sentence per class decides
//! by a single neighbour, so an advert that mentions "hungry" sits as near to the food prototypes
//! as a real wish does; a linear map weighs every dimension against every class from a few hundred
//! examples and gives a probability that can be thresholded and named in a cue
//! (`head food 0.93`). It is 9 x 384 weights: microseconds per utterance next to the ~5 ms of the
//! embedding.
//!
//! Training is full-batch gradient descent on the mean cross-entropy with an L2 penalty, in `f64`,
//! over the examples in their given order, from zero weights: the same examples give the same
//! weights bit for bit, on any machine with IEEE arithmetic (no threads, no random start).

use super::classify::Class;
use super::embedding::DIM;
use cabin_bus::messages::InterestKind;

/// The classes of the head, in the order of its outputs.
pub const CLASSES: [Class; 9] = [
    Class::Kind(InterestKind::Coffee),
    Class::Kind(InterestKind::Food),
    Class::Kind(InterestKind::Fuel),
    Class::Kind(InterestKind::Charging),
    Class::Kind(InterestKind::Toilet),
    Class::Kind(InterestKind::Rest),
    Class::Kind(InterestKind::FreshAir),
    Class::Other,
    Class::Injection,
];

/// Where `class` sits in [`CLASSES`].
pub fn class_index(class: Class) -> usize {
    CLASSES.iter().position(|c| *c == class).unwrap_or(7)
}

/// How the head is trained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainSettings {
    /// L2 penalty on the weights (not the biases), per example.
    pub l2: f64,
    /// Full passes of gradient descent.
    pub epochs: usize,
    /// Step size. The embeddings are unit vectors (each feature ~0.05), so the logits need weights
    /// of a few units: a large step reaches them in a few hundred passes.
    pub learning_rate: f64,
}

/// Chosen by 5-fold cross-validation on the development data (test
/// `cross_validate_the_head_on_the_development_data` in `agent/tests/interest_labels.rs`; figures
/// in `docs/perf/agent.md`).
pub const TRAIN_SETTINGS: TrainSettings = TrainSettings {
    l2: 1e-4,
    epochs: 300,
    learning_rate: 8.0,
};

/// One training example: an embedding and the target distribution over [`CLASSES`] (an utterance
/// about two kinds shares its mass between them).
#[derive(Clone, Debug)]
pub struct Example {
    pub embedding: Vec<f32>,
    pub target: [f32; CLASSES.len()],
}

/// The trained weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// `CLASSES.len()` rows of [`DIM`] weights.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

fn softmax(logits: &mut [f64]) {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

/// Trains the head on `examples` (deterministic: same input, same weights).
pub fn train(examples: &[Example], s: TrainSettings) -> Head {
    let c = CLASSES.len();
    let mut w = vec![0.0f64; c * DIM];
    let mut b = vec![0.0f64; c];
    let n = examples.len().max(1) as f64;
    let mut gw = vec![0.0f64; c * DIM];
    let mut gb = vec![0.0f64; c];
    let mut p = vec![0.0f64; c];
    for _ in 0..s.epochs {
        gw.iter_mut().for_each(|g| *g = 0.0);
        gb.iter_mut().for_each(|g| *g = 0.0);
        for ex in examples {
            for (k, pk) in p.iter_mut().enumerate() {
                let row = &w[k * DIM..(k + 1) * DIM];
                *pk = b[k]
                    + row
                        .iter()
                        .zip(&ex.embedding)
                        .map(|(a, x)| a * f64::from(*x))
                        .sum::<f64>();
            }
            softmax(&mut p);
            for k in 0..c {
                let d = p[k] - f64::from(ex.target[k]);
                gb[k] += d;
                let row = &mut gw[k * DIM..(k + 1) * DIM];
                for (g, x) in row.iter_mut().zip(&ex.embedding) {
                    *g += d * f64::from(*x);
                }
            }
        }
        for (wi, gi) in w.iter_mut().zip(&gw) {
            *wi -= s.learning_rate * (gi / n + s.l2 * *wi);
        }
        for (bi, gi) in b.iter_mut().zip(&gb) {
            *bi -= s.learning_rate * gi / n;
        }
    }
    Head {
        weights: w.iter().map(|x| *x as f32).collect(),
        bias: b.iter().map(|x| *x as f32).collect(),
    }
}

impl Head {
    /// Probability of each class of [`CLASSES`] for embedding `e`.
    pub fn probabilities(&self, e: &[f32]) -> [f32; CLASSES.len()] {
        let mut logits = [0.0f64; CLASSES.len()];
        for (k, l) in logits.iter_mut().enumerate() {
            let row = self.weights.get(k * DIM..(k + 1) * DIM).unwrap_or(&[]);
            *l = f64::from(self.bias.get(k).copied().unwrap_or(0.0))
                + row
                    .iter()
                    .zip(e)
                    .map(|(a, x)| f64::from(*a) * f64::from(*x))
                    .sum::<f64>();
        }
        softmax(&mut logits);
        let mut out = [0.0f32; CLASSES.len()];
        for (o, l) in out.iter_mut().zip(logits) {
            *o = l as f32;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(k: usize) -> [f32; CLASSES.len()] {
        let mut t = [0.0; CLASSES.len()];
        t[k] = 1.0;
        t
    }

    #[test]
    fn separable_examples_are_learned_and_training_is_deterministic() {
        let mut examples = Vec::new();
        for k in 0..CLASSES.len() {
            let mut e = vec![0.0f32; DIM];
            e[k * 7] = 1.0;
            examples.push(Example {
                embedding: e,
                target: one_hot(k),
            });
        }
        let h = train(&examples, TRAIN_SETTINGS);
        for (k, ex) in examples.iter().enumerate() {
            let p = h.probabilities(&ex.embedding);
            let best = (0..p.len()).max_by(|a, b| p[*a].total_cmp(&p[*b]));
            assert_eq!(best, Some(k), "{p:?}");
        }
        assert_eq!(h, train(&examples, TRAIN_SETTINGS));
    }
}
