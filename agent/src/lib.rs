//! # cabin-agent
//!
//! The in-cabin assistant: it listens to the conversation, remembers what people want, watches the
//! road ahead for a place that fits, and proposes a stop only when the driver can take it.
//!
//! ```text
//! sensors/audio ─▶ listen (VAD + Moonshine) ─▶ agent/utterance
//!                                                   │
//!                      interests (rules, memory) ◀──┘         preference store (SQLite, per profile)
//!                              │                                        │
//! map/pois, map/route,  ─▶ poi (R-tree corridor ahead, detour, hours) ──┤
//! vehicle/state                │                                        │
//! perception/driver_state, ─▶ policy (gate, timing, no repeats) ◀───────┘
//! perception/alert, hmi/response     │
//!                                    ▼
//!                      language (local LLM | http | template), checked ─▶ agent/suggestion
//!                                                                     └─▶ agent/decision (why)
//! ```
//!
//! The policy decides; the language model only phrases, and its text is checked against the data
//! before use. Nodes: [`listen::SpeechNode`] (`speech`) and [`AgentNode`] (`agent`); see [`register`].

pub mod assistant;
pub mod error;
pub mod fixtures;
pub mod interests;
pub mod language;
pub mod listen;
pub mod poi;
pub mod policy;

pub use assistant::{AgentConfig, AgentCore, AgentNode};
pub use error::{AgentError, Result};
pub use interests::{profile_forget, profile_show};
pub use listen::{SpeechConfig, SpeechNode};

use std::path::{Path, PathBuf};

/// A model file: an absolute or existing path as given, else relative to the `models/` directory.
pub fn resolve_model(path: &str) -> Result<PathBuf> {
    let p = Path::new(path);
    if p.is_absolute() || p.is_file() {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        return Err(cabin_bus::assets::AssetError::Missing(p.to_path_buf()).into());
    }
    Ok(cabin_bus::assets::model_path(path)?)
}

/// Registers the agent crate's node kinds: `speech` and `agent`.
pub fn register(registry: &mut cabin_bus::runtime::Registry) {
    registry.register(
        "speech",
        "speech to text on device: Silero VAD + Moonshine base-en on 16 kHz cabin audio -> utterances; scripted speech forwarded",
        |spec| Ok(Box::new(SpeechNode::from_spec(spec)?)),
    );
    registry.register(
        "agent",
        "in-cabin assistant: interests from utterances, POIs ahead within a detour budget, safety-gated proposals phrased by a local LLM (or http/template)",
        |spec| Ok(Box::new(AgentNode::from_spec(spec)?)),
    );
}
