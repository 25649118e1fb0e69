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
mod copy;
mod facts;
mod http;
mod local;
pub mod samples;
mod template;

pub use check::{auto_scores, check, check_first_words, clean, AutoScores, CheckConfig};
pub use copy::CopyNames;
pub use facts::{round_km, round_min, say_distance, PhraseRequest, Proposal};
pub use http::{HttpBackend, HttpConfig};
pub use local::{Generated, LlamaFigures, LocalBackend, LocalConfig, StopReason};
pub use template::{template_rest, template_text, TemplateBackend};

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
    /// After [`LanguageBackend::first_words`] for the same request it continues that generation and
    /// returns the whole text (the first words included).
    fn phrase(&mut self, request: &PhraseRequest) -> Result<Phrase>;
    /// Streaming (issue 13, item 6: the first words sooner): the text up to and including its first
    /// question mark (the offer, "How about a coffee at Bean There Coffee?"), generation paused there
    /// so that [`LanguageBackend::phrase`] can go on from it. `None`: this backend does not stream, or
    /// the text ended without a question (then `phrase` generates it whole, with the same bytes).
    fn first_words(&mut self, _request: &PhraseRequest) -> Result<Option<Phrase>> {
        Ok(None)
    }
}

/// The system message every model gets (SmolLM2 rambles without one; Gemma's template has no
/// system turn, llama.cpp puts it in front of the first user turn).
pub const SYSTEM_PROMPT: &str = "You are the voice of a car's assistant. Turn the facts into one \
or two short spoken sentences, at most 25 words, that offer the stop and end with a yes-or-no \
question. Use the place name, the offer, the distance and the detour exactly as given. Add nothing \
else.";

/// Example turns shown before the real facts. A 135M model copies the form of an example far
/// better than it follows an instruction; the facts come as slots with grammatical phrases
/// ([`PhraseRequest::user_prompt`]) so that copying the form gives a grammatical sentence. Three
/// stop examples (the passenger asked; the driver asked and there is no detour; a tired driver) and
/// one cabin example, all in the fixed prefix that stays in the KV cache. With only the first two
/// stop examples SmolLM2 wrote "a right on our way" for no detour and invented leads for the
/// driver's own wishes ("You seem to be in a hurry.") on the development cases. The example places do not exist, so a copied name fails the
/// check.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Place: Example Diner\nOffer: something to eat\nDistance: 2.0 km ahead\nDetour: a 1 min detour\nAsked by: the passenger",
        "Your passenger wanted something to eat. How about Example Diner? It's 2.0 km ahead, a 1 min detour.",
    ),
    (
        "Place: Example Cafe\nOffer: a coffee\nDistance: 800 m ahead\nDetour: right on our way\nAsked by: the driver",
        "How about a coffee at Example Cafe? It's 800 m ahead, right on our way.",
    ),
    (
        "Place: Example Rest\nOffer: a break\nDistance: 5.5 km ahead\nDetour: a 2 min detour\nNote: the driver looks tired",
        "You seem tired. How about a break at Example Rest? It's 5.5 km ahead, a 2 min detour.",
    ),
    (
        "Offer: some fresh air\nReason: CO2 is 1400 ppm",
        "The air is getting stale. Shall I let some fresh air in?",
    ),
];

/// The fixed start of every chat: the system message and the examples. The local backend evaluates
/// it once when the model loads and keeps it in the KV cache.
pub fn chat_prefix() -> Vec<(String, String)> {
    let mut m = vec![("system".to_string(), SYSTEM_PROMPT.to_string())];
    for (user, assistant) in EXAMPLES {
        m.push(("user".to_string(), user.to_string()));
        m.push(("assistant".to_string(), assistant.to_string()));
    }
    m
}

/// The chat sent to a model for `request`: the fixed prefix ([`chat_prefix`]), then the facts.
pub fn chat_messages(request: &PhraseRequest) -> Vec<(String, String)> {
    let mut m = chat_prefix();
    m.push(("user".to_string(), request.user_prompt()));
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
