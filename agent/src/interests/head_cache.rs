//! The embedded prototypes and training texts and the trained head, kept next to the model
//! (`models/embedding/head_cache.bin`, derived, never committed) so that building an extractor
//! does not embed ~550 sentences and train the head every time (~3 s on one core; the agent builds
//! one extractor per drive, the test suites many).
//!
//! The file is keyed by a hash of everything the result depends on (the prototype and training
//! texts with their targets, the training settings, the bag-of-words width, the model and tokenizer
//! file sizes): any change
//! misses the cache and rebuilds it. A cache that cannot be read or written is only a cost, logged,
//! never an error: the result is the same bytes either way.

use super::embedding::DIM;
use super::head::{Head, TrainSettings, CLASSES};
use super::training::TrainingText;
use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CABHEAD3";

/// The cache's key: FNV-1a (64 bit) over the inputs.
pub fn key(
    prototypes: &[&str],
    texts: &[TrainingText],
    settings: TrainSettings,
    model: &Path,
) -> u64 {
    let mut h = fnv::FnvHasher::default();
    // each input ends in 0xff, so "ab" + "c" and "a" + "bc" differ
    let mut eat = |bytes: &[u8]| {
        h.write(bytes);
        h.write(&[0xff]);
    };
    for p in prototypes {
        eat(p.as_bytes());
    }
    for t in texts {
        eat(t.text.as_bytes());
        for x in t.target {
            eat(&x.to_le_bytes());
        }
    }
    eat(format!("{settings:?}").as_bytes());
    // the bag of words' width and word pieces (its hash is fixed; a change of it bumps MAGIC)
    eat(&(super::ngrams::BUCKETS as u64).to_le_bytes());
    eat(&(super::ngrams::CHAR_GRAM as u64).to_le_bytes());
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    eat(&size(model).to_le_bytes());
    eat(&size(&model.with_file_name("tokenizer.json")).to_le_bytes());
    h.finish()
}

/// Where the cache of the model at `model` lives.
pub fn path(model: &Path) -> PathBuf {
    model.with_file_name("head_cache.bin")
}

/// What the cache holds: the prototype embeddings, the training texts' embeddings (the
/// neighbours of the classifier's second opinion) and the head.
pub struct Cached {
    pub prototypes: Vec<Vec<f32>>,
    pub training: Vec<Vec<f32>>,
    pub head: Head,
}

/// The cache's contents, if it holds them under `key` for this many prototypes and training texts
/// and `bow` bag-of-words weights.
pub fn read(
    path: &Path,
    key: u64,
    prototypes: usize,
    training: usize,
    bow: usize,
) -> Option<Cached> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (k, rest) = rest.split_at_checked(8)?;
    if u64::from_le_bytes(k.try_into().ok()?) != key {
        return None;
    }
    let floats: Vec<f32> = rest
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let c = CLASSES.len();
    if floats.len() != (prototypes + training) * DIM + c * DIM + c + bow {
        return None;
    }
    let (p, rest) = floats.split_at(prototypes * DIM);
    let (t, head) = rest.split_at(training * DIM);
    let (w, rest) = head.split_at(c * DIM);
    let (b, words) = rest.split_at(c);
    Some(Cached {
        prototypes: p.chunks_exact(DIM).map(<[f32]>::to_vec).collect(),
        training: t.chunks_exact(DIM).map(<[f32]>::to_vec).collect(),
        head: Head {
            weights: w.to_vec(),
            bias: b.to_vec(),
            bow: words.to_vec(),
        },
    })
}

/// Writes the cache (to a temporary file, then renamed: a reader never sees half a file).
pub fn write(path: &Path, key: u64, cached: &Cached) -> std::io::Result<()> {
    let n = cached.prototypes.len() + cached.training.len();
    let mut bytes =
        Vec::with_capacity(16 + 4 * (n * DIM + cached.head.weights.len() + cached.head.bow.len()));
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&key.to_le_bytes());
    for x in cached
        .prototypes
        .iter()
        .flatten()
        .chain(cached.training.iter().flatten())
        .chain(&cached.head.weights)
        .chain(&cached.head.bias)
        .chain(&cached.head.bow)
    {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let done = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}
