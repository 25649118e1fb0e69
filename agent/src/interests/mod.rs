//! Interests: what the people in the cabin want, read from what they say, remembered for a while,
//! and what the driver has liked before.
//!
//! - [`Extractor`]: rules from utterance to [`Signal`]s (want / cancel / inquiry, who, how sure),
//!   optionally with the sentence-embedding model ([`classify`], [`embedding`]) deciding what it is about;
//! - [`InterestMemory`]: bounded, decaying memory of live interests;
//! - [`PreferenceStore`]: the per-profile SQLite store that learns from accepts and declines;
//! - [`labelled`]: the labelled utterance set and its precision/recall scoring.

pub mod classify;
pub mod embedding;
mod extract;
pub mod head;
mod head_cache;
pub mod labelled;
mod lexicon;
mod memory;
pub mod ngrams;
mod normalize;
mod preferences;
mod prototypes;
pub mod training;

pub use extract::{Act, Extraction, Extractor, Scope, Signal, Understanding, STOP_KINDS};
pub use lexicon::{kind_of_category, Hit, Lexicon, Role, MAX_DYNAMIC};
pub use memory::{
    kind_name, speaker_name, InterestMemory, LiveInterest, MemoryConfig, MemoryEvent, CAPACITY,
    DETAIL_BYTES,
};
pub use normalize::{normalise, Clause, Normalised, MAX_TEXT_BYTES, MAX_TOKENS};
pub use preferences::{
    category_name, default_profile_db, profile_forget, profile_show, PreferenceSnapshot,
    PreferenceStore,
};
