//! The `local` backend: a GGUF chat model run in this process with llama.cpp (`llama-cpp-2`).
//!
//! The llama.cpp context borrows its model and is not `Send`, while a node must be: the model and
//! context live on a dedicated worker thread owned by the backend, which talks to it over channels.
//! `LlamaBackend::init()` happens once per process (a `OnceLock`) with llama.cpp's logging voided.
//!
//! Recipe (measured on SmolLM2-135M-Instruct; see `/work/shared/README.md`): the chat template is
//! the GGUF's own (`tokenizer.chat_template`; ChatML for SmolLM2), else llama.cpp's `gemma` for a
//! Gemma architecture (the Gemma 3 270M GGUF has none), else `chatml` (also when llama.cpp cannot
//! apply the model's own), always with a system message (Gemma's template folds it into the first
//! user turn); the prompt is tokenised with special
//! tokens parsed, BOS only if the model asks for one and the template did not add it; the prompt is
//! fed in chunks of `n_batch`; sampling is greedy; generation stops at end-of-generation tokens
//! (`<|im_end|>`, Gemma's `<end_of_turn>`: llama.cpp marks both end-of-generation), at the first line break after some text, at the token budget or at the time
//! budget. The fixed part of the chat (system message and examples, ~270 tokens) stays in the KV
//! cache between requests, so only the facts (~40 tokens) are decoded per proposal. Fixed
//! `n_threads` and `n_threads_batch`: llama.cpp's default on a 2-core machine was
//! 0.3 tokens/s. Pieces are collected as bytes and decoded once, so a character split across tokens
//! is never mangled. Greedy decoding with a fixed thread count gives byte-identical text run to run
//! (tested); only the time budget depends on the machine, and hitting it is logged.

use super::{chat_messages, LanguageBackend, Phrase, PhraseRequest};
use crate::error::{AgentError, Result};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Settings of the local model.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalConfig {
    /// A GGUF chat model.
    pub model: PathBuf,
    /// llama.cpp threads for generation and prompt processing.
    pub threads: i32,
    /// Most tokens generated per sentence.
    pub max_tokens: usize,
    /// Wall-clock budget per sentence (a safety net; hitting it is logged). Zero: no wall-clock budget,
    /// only `max_tokens` — what a deterministic replay needs, since a wall-clock cut-off would make the
    /// phrasing depend on the machine's load.
    pub time_budget: Duration,
    /// Context length, tokens.
    pub n_ctx: u32,
    /// Prompt chunk size, tokens.
    pub n_batch: u32,
}

impl LocalConfig {
    pub fn new(model: PathBuf) -> Self {
        LocalConfig {
            model,
            threads: 1,
            max_tokens: 48,
            time_budget: Duration::from_secs(8),
            n_ctx: 1024,
            n_batch: 256,
        }
    }
}

/// Why generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    EndOfTurn,
    LineBreak,
    TokenBudget,
    TimeBudget,
    ContextFull,
}

/// One generation, with its timings (timings are for logs and benchmarks only).
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub text: String,
    pub prompt_tokens: usize,
    /// Prompt tokens whose KV cache was reused from the previous request (the fixed prefix).
    pub cached_prompt_tokens: usize,
    pub tokens: usize,
    pub stop: StopReason,
    /// From the request to the first generated token (prompt processing included).
    pub time_to_first_token: Duration,
    /// Time spent generating after the first token.
    pub decode_time: Duration,
}

impl Generated {
    /// Decode speed: generated tokens (each one decoded once after it is sampled) per second of
    /// decode time.
    pub fn tokens_per_s(&self) -> f64 {
        let t = self.decode_time.as_secs_f64();
        if self.tokens > 0 && t > 0.0 {
            self.tokens as f64 / t
        } else {
            0.0
        }
    }
}

struct Job {
    /// (role, content) in order: system first.
    messages: Vec<(String, String)>,
    reply: Sender<Result<Generated>>,
}

static LLAMA: OnceLock<std::result::Result<LlamaBackend, String>> = OnceLock::new();

/// The process-wide llama.cpp backend (initialised once, logs voided).
fn llama_backend() -> Result<&'static LlamaBackend> {
    LLAMA
        .get_or_init(|| {
            let mut b = LlamaBackend::init().map_err(|e| e.to_string())?;
            b.void_logs();
            Ok(b)
        })
        .as_ref()
        .map_err(|e| AgentError::Language {
            backend: "local",
            reason: format!("llama.cpp backend: {e}"),
        })
}

fn fail(reason: impl std::fmt::Display) -> AgentError {
    AgentError::Language {
        backend: "local",
        reason: reason.to_string(),
    }
}

/// A chat model on its own thread. See the module docs.
pub struct LocalBackend {
    jobs: Option<Sender<Job>>,
    worker: Option<JoinHandle<()>>,
    description: String,
}

impl LocalBackend {
    /// Loads the model on a new worker thread; returns when it is ready (or failed to load).
    pub fn start(config: LocalConfig) -> Result<Self> {
        if !config.model.is_file() {
            return Err(fail(format!("model {} not found", config.model.display())));
        }
        if !(1..=64).contains(&config.threads) {
            return Err(fail(format!(
                "threads = {}: must be 1..=64",
                config.threads
            )));
        }
        let (jobs_tx, jobs_rx) = channel::<Job>();
        let (ready_tx, ready_rx) = channel::<Result<String>>();
        let worker = std::thread::Builder::new()
            .name("cabin-llm".into())
            .spawn(move || worker(config, jobs_rx, ready_tx))
            .map_err(|e| fail(format!("cannot start the model thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(description)) => Ok(LocalBackend {
                jobs: Some(jobs_tx),
                worker: Some(worker),
                description,
            }),
            Ok(Err(e)) => {
                let _ = worker.join();
                Err(e)
            }
            Err(_) => {
                let _ = worker.join();
                Err(fail("the model thread ended while loading"))
            }
        }
    }

    /// "SmolLM2-135M-Instruct.Q4_1.gguf, 2 threads, template from the GGUF".
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Generates a reply to `user` under `system`.
    pub fn generate(&mut self, system: &str, user: &str) -> Result<Generated> {
        self.generate_chat(&[("system", system), ("user", user)])
    }

    /// Generates the phrasing of `request` (the chat of [`chat_messages`]), with its figures.
    pub fn generate_for(&mut self, request: &PhraseRequest) -> Result<Generated> {
        let chat = chat_messages(request);
        let chat: Vec<(&str, &str)> = chat.iter().map(|(r, c)| (*r, c.as_str())).collect();
        self.generate_chat(&chat)
    }

    /// Generates the next assistant turn of a chat given as (role, content) pairs.
    pub fn generate_chat(&mut self, messages: &[(&str, &str)]) -> Result<Generated> {
        let jobs = self.jobs.as_ref().ok_or_else(|| fail("stopped"))?;
        let (reply, answer) = channel();
        jobs.send(Job {
            messages: messages
                .iter()
                .map(|(r, c)| (r.to_string(), c.to_string()))
                .collect(),
            reply,
        })
        .map_err(|_| fail("the model thread has stopped"))?;
        answer
            .recv()
            .map_err(|_| fail("the model thread stopped while generating"))?
    }
}

impl Drop for LocalBackend {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl LanguageBackend for LocalBackend {
    fn name(&self) -> &'static str {
        "local"
    }

    fn phrase(&mut self, request: &PhraseRequest) -> Result<Phrase> {
        let g = self.generate_for(request)?;
        tracing::debug!(
            tokens = g.tokens,
            prompt_tokens = g.prompt_tokens,
            ttft_ms = g.time_to_first_token.as_millis() as u64,
            tokens_per_s = g.tokens_per_s(),
            stop = ?g.stop,
            "local model phrased"
        );
        match g.stop {
            StopReason::EndOfTurn | StopReason::LineBreak => {}
            incomplete => {
                // a cut sentence may still read as valid ("... It is"): never use it
                tracing::warn!(
                    tokens = g.tokens,
                    "local model stopped early: {incomplete:?}"
                );
                return Err(fail(format!(
                    "sentence incomplete after {} tokens ({incomplete:?})",
                    g.tokens
                )));
            }
        }
        Ok(Phrase {
            text: g.text,
            note: format!("{} tokens, stop: {:?}", g.tokens, g.stop),
        })
    }
}

/// The chat template of `model`: its own (`tokenizer.chat_template`) when it has one; else the one
/// llama.cpp knows for its architecture (`general.architecture`: Gemma's turns are
/// `<start_of_turn>user … <end_of_turn>` / `<start_of_turn>model`, and a Gemma GGUF converted from
/// the base model carries no template); else ChatML. Returns the template and where it came from.
fn pick_template(model: &LlamaModel) -> Result<(LlamaChatTemplate, String)> {
    if let Ok(t) = model.chat_template(None) {
        return Ok((t, "from the GGUF".into()));
    }
    let arch = model
        .meta_val_str("general.architecture")
        .unwrap_or_default();
    let name = if arch.starts_with("gemma") {
        "gemma"
    } else {
        "chatml"
    };
    let t = LlamaChatTemplate::new(name).map_err(fail)?;
    Ok((t, format!("{name} (architecture '{arch}')")))
}

fn worker(config: LocalConfig, jobs: Receiver<Job>, ready: Sender<Result<String>>) {
    let setup = || -> Result<(&'static LlamaBackend, LlamaModel)> {
        let backend = llama_backend()?;
        let model =
            LlamaModel::load_from_file(backend, &config.model, &LlamaModelParams::default())
                .map_err(|e| fail(format!("cannot load {}: {e}", config.model.display())))?;
        Ok((backend, model))
    };
    let (backend, model) = match setup() {
        Ok(x) => x,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let (template, template_source) = match pick_template(&model) {
        Ok(x) => x,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(config.n_ctx.max(64)))
        .with_n_batch(config.n_batch.max(16))
        .with_n_ubatch(config.n_batch.max(16))
        .with_n_threads(config.threads)
        .with_n_threads_batch(config.threads);
    let mut ctx = match model.new_context(backend, params) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(fail(format!("cannot create a context: {e}"))));
            return;
        }
    };
    let name = config
        .model
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = ready.send(Ok(format!(
        "{name}, {} threads, chat template {template_source}",
        config.threads
    )));
    let n_ctx = ctx.n_ctx() as usize;
    let n_batch = (config.n_batch.max(16) as usize).min(n_ctx);
    let mut cached_prefix_tokens = Vec::new();
    for job in jobs {
        let started = Instant::now();
        let cached_prefix = &mut cached_prefix_tokens;
        let result = (|| -> Result<Generated> {
            let messages = job
                .messages
                .into_iter()
                .map(|(role, content)| LlamaChatMessage::new(role, content).map_err(fail))
                .collect::<Result<Vec<_>>>()?;
            // a template llama.cpp cannot apply: ChatML, which most chat models understand
            let chatml = LlamaChatTemplate::new("chatml").map_err(fail)?;
            let tmpl = if model
                .apply_chat_template(&template, &messages, true)
                .is_ok()
            {
                &template
            } else {
                &chatml
            };
            let prompt = model
                .apply_chat_template(tmpl, &messages, true)
                .map_err(|e| fail(format!("chat template: {e}")))?;
            // The fixed part (system message and examples) is computed once and kept in the KV
            // cache; only the last message is decoded per request. The split is always the same
            // (prefix chunks, then the suffix as its own batch), on the first request too, so a
            // cached and a fresh run do the same arithmetic and give the same bytes.
            let prefix_text = match messages.len() {
                0 | 1 => String::new(),
                n => model
                    .apply_chat_template(tmpl, &messages[..n - 1], false)
                    .ok()
                    .filter(|p| prompt.starts_with(p.as_str()))
                    .unwrap_or_default(),
            };
            let vocab = model.vocab();
            let mut prefix = vocab.tokenize(prefix_text.as_bytes(), false, true);
            let mut suffix = vocab.tokenize(&prompt.as_bytes()[prefix_text.len()..], false, true);
            if vocab.should_add_bos() {
                let first = if prefix.is_empty() {
                    &mut suffix
                } else {
                    &mut prefix
                };
                if first.first() != Some(&vocab.bos()) {
                    first.insert(0, vocab.bos());
                }
            }
            let total = prefix.len() + suffix.len();
            if suffix.is_empty() || total + 8 >= n_ctx {
                return Err(fail(format!(
                    "prompt of {total} tokens does not fit the {n_ctx}-token context"
                )));
            }
            let mut batch = LlamaBatch::new(n_batch, 1);
            let reuse = !prefix.is_empty() && prefix == *cached_prefix;
            if reuse {
                ctx.kv_cache_seq_rm(0, Some(prefix.len() as u32), None)
                    .map_err(|e| fail(format!("cache: {e}")))?;
            } else {
                ctx.clear_kv_cache();
                cached_prefix.clear();
                let mut pos: i32 = 0;
                for chunk in prefix.chunks(n_batch) {
                    batch.clear();
                    for t in chunk {
                        batch.add(*t, pos, &[0], false).map_err(fail)?;
                        pos += 1;
                    }
                    ctx.decode(&mut batch)
                        .map_err(|e| fail(format!("prompt: {e}")))?;
                }
                *cached_prefix = prefix.clone();
            }
            let mut pos = prefix.len() as i32;
            let last = suffix.len() - 1;
            for (c, chunk) in suffix.chunks(n_batch).enumerate() {
                batch.clear();
                for (j, t) in chunk.iter().enumerate() {
                    batch
                        .add(*t, pos, &[0], c * n_batch + j == last)
                        .map_err(fail)?;
                    pos += 1;
                }
                ctx.decode(&mut batch)
                    .map_err(|e| fail(format!("prompt: {e}")))?;
            }
            let cached_tokens = if reuse { prefix.len() } else { 0 };
            let mut sampler = LlamaSampler::greedy();
            let mut bytes: Vec<u8> = Vec::new();
            let mut generated = 0usize;
            let mut first_token: Option<Instant> = None;
            let mut stop = StopReason::TokenBudget;
            while generated < config.max_tokens {
                if !config.time_budget.is_zero() && started.elapsed() > config.time_budget {
                    stop = StopReason::TimeBudget;
                    break;
                }
                if pos as usize + 1 >= n_ctx {
                    stop = StopReason::ContextFull;
                    break;
                }
                let token = sampler.sample(&ctx, batch.n_tokens() - 1);
                sampler.accept(token);
                if first_token.is_none() {
                    first_token = Some(Instant::now());
                }
                if vocab.is_eog(token) {
                    stop = StopReason::EndOfTurn;
                    break;
                }
                generated += 1;
                let piece = vocab.token_to_piece(token, false, None);
                let had_text = bytes.iter().any(|b| !b.is_ascii_whitespace());
                if had_text && piece.contains(&b'\n') {
                    if let Some(i) = piece.iter().position(|&b| b == b'\n') {
                        bytes.extend_from_slice(&piece[..i]);
                    }
                    stop = StopReason::LineBreak;
                    break;
                }
                bytes.extend_from_slice(&piece);
                batch.clear();
                batch.add(token, pos, &[0], true).map_err(fail)?;
                pos += 1;
                ctx.decode(&mut batch)
                    .map_err(|e| fail(format!("decode: {e}")))?;
            }
            let first = first_token.unwrap_or_else(Instant::now);
            Ok(Generated {
                text: String::from_utf8_lossy(&bytes).trim().to_string(),
                prompt_tokens: total,
                cached_prompt_tokens: cached_tokens,
                tokens: generated,
                stop,
                time_to_first_token: first.duration_since(started),
                decode_time: first.elapsed(),
            })
        })();
        if result.is_err() {
            // the cache state is unknown after a failure: rebuild it next time
            cached_prefix_tokens.clear();
        }
        let _ = job.reply.send(result);
    }
}
