//! Language: how a proposal is said. The policy has already decided *what* to propose; a backend
//! only turns the facts into a sentence, and [`check`] verifies that sentence against the facts
//! before anyone hears it (length, only the names and numbers of the data). A weak or absent model
//! therefore never makes the agent unsafe or wrong; at worst it is less fluent.
//!
//! Three backends behind [`LanguageBackend`]:
//! - [`LocalBackend`] (`local`): a GGUF chat model (SmolLM2-135M-Instruct by default) run in process
//!   with llama.cpp on a worker thread, greedy, fixed threads: byte-identical output run to run;
//! - [`HttpBackend`] (`http`): any OpenAI-compatible chat-completions server on the local network,
//!   with timeouts, retries and the tools `search_poi` / `propose_stop`;
//! - [`TemplateBackend`] (`template`): fixed sentences, the fallback.

mod check;
mod facts;
mod http;
mod local;
pub mod samples;
mod template;

pub use check::{check, CheckConfig};
pub use facts::{round_km, round_min, PhraseRequest, Proposal};
pub use http::{HttpBackend, HttpConfig};
pub use local::{Generated, LocalBackend, LocalConfig, StopReason};
pub use template::TemplateBackend;

use crate::error::Result;

/// A phrased proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Phrase {
    pub text: String,
    /// Extra detail for the decision log (tool calls used, tokens, time).
    pub note: String,
}

/// Turns proposal facts into words.
pub trait LanguageBackend: Send {
    /// `local`, `http` or `template`.
    fn name(&self) -> &'static str;
    /// Phrases one proposal. The text is checked by the caller; an error means "use the template".
    fn phrase(&mut self, request: &PhraseRequest) -> Result<Phrase>;
}

/// The system message every model gets (SmolLM2 rambles without one).
pub const SYSTEM_PROMPT: &str = "You are the voice assistant of a car. Turn the facts into one \
short, friendly question to the driver. Always say the place name exactly as given, and use only \
the numbers given.";

/// Example turns shown before the real facts. A 135M model copies the form of an example far
/// better than it follows an instruction (measured: 7 of 8 test proposals pass the check with these,
/// 3 of 8 with a facts list and no examples); the example places do not exist, so a copied name
/// fails the check.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Propose a stop at Example Fuel for fuel (2.0 km ahead, 1 min detour).",
        "Shall we stop for fuel at Example Fuel? It is 2.0 km ahead, only a 1 min detour.",
    ),
    (
        "Propose a stop at Example Stop for a toilet break (1.5 km ahead, 1 min detour).",
        "How about a toilet break at Example Stop? It is 1.5 km ahead, a 1 min detour.",
    ),
    (
        "Propose a stop at Example Rest for a break, the driver looks tired (5.5 km ahead, 2 min detour).",
        "You look tired. How about a break at Example Rest? It is 5.5 km ahead, a 2 min detour.",
    ),
    (
        "Propose letting fresh air in (CO2 is 1400 ppm).",
        "The air is getting stale. Shall I let some fresh air in?",
    ),
];

/// The chat sent to a model for `request`: system, the examples, then the facts.
pub fn chat_messages(request: &PhraseRequest) -> Vec<(&'static str, String)> {
    let mut m = vec![("system", SYSTEM_PROMPT.to_string())];
    for (user, assistant) in EXAMPLES {
        m.push(("user", user.to_string()));
        m.push(("assistant", assistant.to_string()));
    }
    m.push(("user", request.user_prompt()));
    m
}

/// The chat for `request` as `role<TAB>content` lines: the prompt file the C baseline
/// (`agent/benches/baseline/llama_decode.c`) reads, so both measure the same prompt.
pub fn chat_tsv(request: &PhraseRequest) -> String {
    chat_messages(request)
        .iter()
        .map(|(role, content)| format!("{role}\t{content}\n"))
        .collect()
}
