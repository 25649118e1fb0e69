//! A hashed bag of words of an utterance: the second, lexical input of the head ([`super::head`]).
//!
//! Why: the sentence embedding blurs rare words it has no good vector for ("scran", "servo",
//! "loo", "starvo") into their neighbours, while the development data says plainly which class
//! they belong to. Word unigrams and bigrams of the normalised text, and the character 4-grams of
//! each word with its boundaries ("<sta", "starv", ... : "starvo" shares them with "starving"),
//! hashed (FNV-1a, 64 bit) into [`BUCKETS`] buckets and scaled to unit length, give the head a
//! weight per word, word pair or word piece next to its weights on the embedding. Deterministic: a
//! fixed hash, sorted buckets.
//!
//! Chosen on the nine left-out development files (docs/perf/agent.md, "Fifth round"): character
//! 4-grams beat 3-grams and words alone.

use std::hash::Hasher;

/// Buckets of the hashed bag (collisions are rare at a few thousand distinct words and pairs).
pub const BUCKETS: usize = 4096;
/// Characters per word piece (with `<` and `>` marking the word's ends).
pub const CHAR_GRAM: usize = 4;

/// One feature: (bucket, value).
pub type Feature = (u32, f32);

fn bucket(parts: &[&str]) -> u32 {
    let mut h = fnv::FnvHasher::default();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.write(b" ");
        }
        h.write(p.as_bytes());
    }
    // a pair holds a space and a word piece starts with "# ": no word hashes the same input
    (h.finish() % BUCKETS as u64) as u32
}

/// The hashed words, word pairs and word pieces of `text` (normalised tokens joined by spaces, as
/// the classifier sees it), sorted by bucket, unit length; empty for empty text.
pub fn features(text: &str) -> Vec<Feature> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut buckets: Vec<u32> = words.iter().map(|w| bucket(&[w])).collect();
    buckets.extend(words.windows(2).map(bucket));
    for w in &words {
        let chars: Vec<char> = format!("<{w}>").chars().collect();
        for g in chars.windows(CHAR_GRAM) {
            let g: String = g.iter().collect();
            buckets.push(bucket(&["#", &g]));
        }
    }
    buckets.sort_unstable();
    let mut out: Vec<Feature> = Vec::new();
    for b in buckets {
        match out.last_mut() {
            Some((last, n)) if *last == b => *n += 1.0,
            _ => out.push((b, 1.0)),
        }
    }
    let norm = out.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        out.iter_mut().for_each(|(_, v)| *v /= norm);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_pairs_are_hashed_the_same_every_time() {
        let a = features("i could murder some scran");
        // 5 words, 4 pairs, 0 + 4 + 5 + 3 + 4 word pieces, less any bucket shared
        assert!(a.len() > 20 && a.len() <= 25, "{}", a.len());
        assert_eq!(a, features("i could murder some scran"));
        let len: f32 = a.iter().map(|(_, v)| v * v).sum();
        assert!((len - 1.0).abs() < 1e-5);
        assert!(features("").is_empty());
        assert!(a.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
