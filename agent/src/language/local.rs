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
//! fed in chunks of `n_batch`; sampling is greedy, held to the place's exact name and to no "You"
//! opening for a driver who is not tired (`copy.rs`); generation stops at end-of-generation tokens
//! (`<|im_end|>`, Gemma's `<end_of_turn>`: llama.cpp marks both end-of-generation), at the first line break after some text, at the token budget or at the time
//! budget. The fixed part of the chat (system message and examples, 337 tokens) is evaluated when
//! the model loads and stays in the KV cache, so only the facts (~46 tokens) are decoded per
//! proposal, the first one included. Streaming: a request may pause after its first question mark
//! and the next request of the same chat goes on from there (same bytes as an uninterrupted run). Fixed
//! `n_threads` and `n_threads_batch`: llama.cpp's default on a 2-core machine was
//! 0.3 tokens/s. Pieces are collected as bytes and decoded once, so a character split across tokens
//! is never mangled. Greedy decoding with a fixed thread count gives byte-identical text run to run
//! (tested); only the time budget depends on the machine, and hitting it is logged.

use super::copy::CopyNames;
use super::{chat_messages, LanguageBackend, Phrase, PhraseRequest};
use crate::error::{AgentError, Result};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
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
    /// Prompt chunk size, tokens (also llama.cpp's micro-batch).
    pub n_batch: u32,
    /// Stop as soon as the text has more words than this (the checker rejects it anyway, so the
    /// tokens after the limit would only delay the template). Zero: no limit.
    pub max_words: usize,
    /// The fixed start of every chat (system message and examples), evaluated once when the model
    /// loads so that even the first request decodes only its own facts. Empty: nothing warmed.
    pub warm_prefix: Vec<(String, String)>,
}

impl LocalConfig {
    pub fn new(model: PathBuf) -> Self {
        LocalConfig {
            model,
            threads: 1,
            max_tokens: 48,
            time_budget: Duration::from_secs(8),
            // 337 tokens of fixed prefix + ~50 of facts + 48 generated = ~435: 512 holds it, and
            // every token of context costs KV memory (SmolLM2: 30 layers x 2 x 192 x f16 = 23 KB)
            n_ctx: 512,
            // the facts (~50 tokens) are one batch; llama.cpp sizes its compute buffer (the logits of
            // a whole micro-batch, 49,152 x 4 bytes per token) by this: 256 -> 64 saves ~38 MB
            n_batch: 64,
            max_words: super::CheckConfig::default().max_words,
            warm_prefix: super::chat_prefix(),
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
    /// More than `max_words` words: the checker would reject the text whatever came next.
    TooLong,
    /// Paused after the first question mark (streaming); the next request of the same chat goes on.
    Question,
}

/// One generation, with its timings (timings are for logs and benchmarks only).
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub text: String,
    pub prompt_tokens: usize,
    /// Prompt tokens whose KV cache was reused from the previous request (the fixed prefix).
    pub cached_prompt_tokens: usize,
    pub tokens: usize,
    /// Times the rest of the place's name was fed because the model left it ([`CopyNames`]).
    pub names_completed: usize,
    pub stop: StopReason,
    /// From the request to the first generated token (prompt processing included).
    pub time_to_first_token: Duration,
    /// Time spent generating after the first token.
    pub decode_time: Duration,
    /// Applying the chat template and tokenising (part of `time_to_first_token`).
    pub tokenize_time: Duration,
    /// llama.cpp's own figures for this request (`llama_perf_context`, reset per request).
    pub llama: LlamaFigures,
}

/// llama.cpp's own timings of one request: prompt evaluation (batches of more than one token) and
/// generation (one token per decode).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LlamaFigures {
    pub prompt_ms: f64,
    pub prompt_tokens: i32,
    pub eval_ms: f64,
    pub eval_tokens: i32,
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
    /// Pause after the first question mark (streaming); else generate to the end, continuing a
    /// paused generation of the same chat if there is one.
    pause_at_question: bool,
    /// The place's name, copied exactly ([`CopyNames`]); `None` for a free chat.
    copy: Option<CopyNames>,
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

    /// Generates the phrasing of `request` (the chat of [`chat_messages`], the place's name copied
    /// exactly: [`CopyNames`]), with its figures; goes on
    /// from [`LocalBackend::first_words_for`] of the same request when that paused.
    pub fn generate_for(&mut self, request: &PhraseRequest) -> Result<Generated> {
        self.send(
            chat_messages(request),
            false,
            CopyNames::for_request(request),
        )
    }

    /// Generates the phrasing of `request` up to and including its first question mark and pauses
    /// there (`stop` = [`StopReason::Question`]; any other stop: the text ended before a question).
    pub fn first_words_for(&mut self, request: &PhraseRequest) -> Result<Generated> {
        self.send(
            chat_messages(request),
            true,
            CopyNames::for_request(request),
        )
    }

    /// Generates the next assistant turn of a chat given as (role, content) pairs.
    pub fn generate_chat(&mut self, messages: &[(&str, &str)]) -> Result<Generated> {
        let messages = messages
            .iter()
            .map(|(r, c)| (r.to_string(), c.to_string()))
            .collect();
        self.send(messages, false, None)
    }

    fn send(
        &mut self,
        messages: Vec<(String, String)>,
        pause_at_question: bool,
        copy: Option<CopyNames>,
    ) -> Result<Generated> {
        let jobs = self.jobs.as_ref().ok_or_else(|| fail("stopped"))?;
        let (reply, answer) = channel();
        jobs.send(Job {
            messages,
            pause_at_question,
            copy,
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
            StopReason::TooLong => {
                return Err(fail(format!(
                    "over the word limit after {} tokens (stopped early)",
                    g.tokens
                )));
            }
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

    fn first_words(&mut self, request: &PhraseRequest) -> Result<Option<Phrase>> {
        let g = self.first_words_for(request)?;
        tracing::debug!(
            tokens = g.tokens,
            ttft_ms = g.time_to_first_token.as_millis() as u64,
            stop = ?g.stop,
            "local model: first words"
        );
        Ok((g.stop == StopReason::Question).then(|| Phrase {
            text: g.text,
            note: format!("{} tokens", g.tokens),
        }))
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
        .with_n_threads_batch(config.threads)
        // llama.cpp's own timings (`Generated::llama`); their cost is a clock read per decode
        .with_no_perf(false);
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
    let mut batch = LlamaBatch::new(n_batch, 1);
    let mut cached_prefix: Vec<LlamaToken> = Vec::new();
    // Warm the fixed prefix now, before any request: the first suggestion of a drive then costs what
    // every later one does (its facts and its answer), not the ~300-token prefix on top (1.8 s on one
    // thread). It is decoded exactly as a request would decode it, so the bytes do not change.
    if !config.warm_prefix.is_empty() {
        let warmed = (|| -> Result<()> {
            let messages = chat_messages_of(&config.warm_prefix)?;
            let tmpl = usable_template(&model, &template, &messages)?;
            let text = model
                .apply_chat_template(&tmpl, &messages, false)
                .map_err(|e| fail(format!("chat template: {e}")))?;
            let (prefix, _) = split_tokens(&model, &text, "");
            decode_prefix(&mut ctx, &mut batch, n_batch, &prefix)?;
            cached_prefix = prefix;
            Ok(())
        })();
        if let Err(e) = warmed {
            tracing::warn!("local model: prefix not warmed: {e}");
            cached_prefix.clear();
        }
    }
    // a generation of a streaming request (paused at its question, or already ended: then its stop),
    // taken up by the next request of the same chat
    let mut paused: Option<(Ongoing, Option<StopReason>)> = None;
    for job in jobs {
        let result = (|| -> Result<Generated> {
            let (mut g, ended) = match paused.take() {
                Some((g, ended)) if g.messages == job.messages => (g, ended),
                _ => {
                    let mut g = start_job(
                        &model,
                        &mut ctx,
                        &mut batch,
                        &template,
                        &mut cached_prefix,
                        job.messages,
                        (n_ctx, n_batch),
                    )?;
                    g.copy = job.copy;
                    (g, None)
                }
            };
            let stop = match ended {
                Some(stop) => stop,
                None => generate(
                    &model,
                    &mut ctx,
                    &mut batch,
                    &config,
                    &mut g,
                    n_ctx,
                    job.pause_at_question,
                )?,
            };
            let out = g.figures(stop, &mut ctx);
            if job.pause_at_question {
                let ended = (stop != StopReason::Question).then_some(stop);
                paused = Some((g, ended));
            }
            Ok(out)
        })();
        if result.is_err() {
            // the cache state is unknown after a failure: rebuild it next time
            cached_prefix.clear();
            paused = None;
        }
        let _ = job.reply.send(result);
    }
}

/// A generation in progress: its chat, its text so far and where it is in the KV cache.
struct Ongoing {
    messages: Vec<(String, String)>,
    started: Instant,
    tokenize_time: Duration,
    prompt_tokens: usize,
    cached_tokens: usize,
    /// Next position in the sequence.
    pos: i32,
    /// The batch row whose logits give the next token.
    logits_row: i32,
    bytes: Vec<u8>,
    generated: usize,
    copy: Option<CopyNames>,
    names_completed: usize,
    first_token: Option<Instant>,
    /// llama.cpp's figures of the earlier jobs of this generation (a paused one).
    llama: LlamaFigures,
}

impl Ongoing {
    fn figures(&mut self, stop: StopReason, ctx: &mut LlamaContext) -> Generated {
        let t = ctx.timings();
        self.llama.prompt_ms += t.t_p_eval_ms();
        self.llama.prompt_tokens += t.n_p_eval();
        self.llama.eval_ms += t.t_eval_ms();
        self.llama.eval_tokens += t.n_eval();
        ctx.reset_timings();
        let first = self.first_token.unwrap_or_else(Instant::now);
        Generated {
            text: String::from_utf8_lossy(&self.bytes).trim().to_string(),
            prompt_tokens: self.prompt_tokens,
            cached_prompt_tokens: self.cached_tokens,
            tokens: self.generated,
            names_completed: self.names_completed,
            stop,
            time_to_first_token: first.duration_since(self.started),
            decode_time: first.elapsed(),
            tokenize_time: self.tokenize_time,
            llama: self.llama,
        }
    }
}

fn chat_messages_of(messages: &[(String, String)]) -> Result<Vec<LlamaChatMessage>> {
    messages
        .iter()
        .map(|(role, content)| LlamaChatMessage::new(role.clone(), content.clone()).map_err(fail))
        .collect()
}

/// The model's template, or ChatML when llama.cpp cannot apply it (most chat models understand it).
fn usable_template<'t>(
    model: &LlamaModel,
    template: &'t LlamaChatTemplate,
    messages: &[LlamaChatMessage],
) -> Result<std::borrow::Cow<'t, LlamaChatTemplate>> {
    if model.apply_chat_template(template, messages, true).is_ok() {
        Ok(std::borrow::Cow::Borrowed(template))
    } else {
        Ok(std::borrow::Cow::Owned(
            LlamaChatTemplate::new("chatml").map_err(fail)?,
        ))
    }
}

/// Tokenises `prefix` and `rest` (special tokens parsed), with BOS in front of the first non-empty
/// part when the model asks for one.
fn split_tokens(
    model: &LlamaModel,
    prefix: &str,
    rest: &str,
) -> (Vec<LlamaToken>, Vec<LlamaToken>) {
    let vocab = model.vocab();
    let mut prefix = vocab.tokenize(prefix.as_bytes(), false, true);
    let mut suffix = vocab.tokenize(rest.as_bytes(), false, true);
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
    (prefix, suffix)
}

/// Clears the KV cache and decodes `prefix` from position 0 in chunks of the batch size, no logits.
fn decode_prefix(
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    n_batch: usize,
    prefix: &[LlamaToken],
) -> Result<()> {
    ctx.clear_kv_cache();
    let mut pos: i32 = 0;
    for chunk in prefix.chunks(n_batch) {
        batch.clear();
        for t in chunk {
            batch.add(*t, pos, &[0], false).map_err(fail)?;
            pos += 1;
        }
        ctx.decode(batch)
            .map_err(|e| fail(format!("prompt: {e}")))?;
    }
    Ok(())
}

/// Starts a request: the chat's prompt split into the fixed prefix (all messages but the last) and
/// the rest; the prefix reused from the KV cache when it is the cached one, else decoded; the rest
/// decoded as its own batches (always the same split, on the first request too, so a cached and a
/// fresh run do the same arithmetic and give the same bytes).
fn start_job(
    model: &LlamaModel,
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    template: &LlamaChatTemplate,
    cached_prefix: &mut Vec<LlamaToken>,
    chat: Vec<(String, String)>,
    (n_ctx, n_batch): (usize, usize),
) -> Result<Ongoing> {
    let started = Instant::now();
    ctx.reset_timings();
    let messages = chat_messages_of(&chat)?;
    let tmpl = usable_template(model, template, &messages)?;
    let prompt = model
        .apply_chat_template(&tmpl, &messages, true)
        .map_err(|e| fail(format!("chat template: {e}")))?;
    let prefix_text = match messages.len() {
        0 | 1 => String::new(),
        n => model
            .apply_chat_template(&tmpl, &messages[..n - 1], false)
            .ok()
            .filter(|p| prompt.starts_with(p.as_str()))
            .unwrap_or_default(),
    };
    let (prefix, suffix) = split_tokens(model, &prefix_text, &prompt[prefix_text.len()..]);
    let tokenize_time = started.elapsed();
    let total = prefix.len() + suffix.len();
    if suffix.is_empty() || total + 8 >= n_ctx {
        return Err(fail(format!(
            "prompt of {total} tokens does not fit the {n_ctx}-token context"
        )));
    }
    let reuse = !prefix.is_empty() && prefix == *cached_prefix;
    if reuse {
        ctx.kv_cache_seq_rm(0, Some(prefix.len() as u32), None)
            .map_err(|e| fail(format!("cache: {e}")))?;
    } else {
        cached_prefix.clear();
        decode_prefix(ctx, batch, n_batch, &prefix)?;
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
        ctx.decode(batch)
            .map_err(|e| fail(format!("prompt: {e}")))?;
    }
    Ok(Ongoing {
        messages: chat,
        started,
        tokenize_time,
        prompt_tokens: total,
        cached_tokens: if reuse { prefix.len() } else { 0 },
        pos,
        logits_row: batch.n_tokens() - 1,
        bytes: Vec::new(),
        generated: 0,
        copy: None,
        names_completed: 0,
        first_token: None,
        llama: LlamaFigures::default(),
    })
}

/// Greedy generation from where `g` is, until the end of the turn, a line break, a budget, or (when
/// `pause_at_question`) just after the first question mark, with the token that ends it decoded so
/// that a later call goes on exactly as an uninterrupted run would.
fn generate(
    model: &LlamaModel,
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    config: &LocalConfig,
    g: &mut Ongoing,
    n_ctx: usize,
    pause_at_question: bool,
) -> Result<StopReason> {
    let vocab = model.vocab();
    let mut sampler = LlamaSampler::greedy();
    while g.generated < config.max_tokens {
        if !config.time_budget.is_zero() && g.started.elapsed() > config.time_budget {
            return Ok(StopReason::TimeBudget);
        }
        if g.pos as usize + 1 >= n_ctx {
            return Ok(StopReason::ContextFull);
        }
        let mut token = sampler.sample(ctx, g.logits_row);
        if g.generated == 0 {
            token = allowed_opening(&vocab, ctx, g, token);
        }
        if g.first_token.is_none() {
            g.first_token = Some(Instant::now());
        }
        let eog = vocab.is_eog(token);
        let piece = if eog {
            Vec::new()
        } else {
            vocab.token_to_piece(token, false, None)
        };
        if copy_rest_of_name(&vocab, ctx, batch, g, (!eog).then_some(&piece[..]), n_ctx)? {
            continue;
        }
        sampler.accept(token);
        if eog {
            return Ok(StopReason::EndOfTurn);
        }
        g.generated += 1;
        let had_text = g.bytes.iter().any(|b| !b.is_ascii_whitespace());
        if had_text && piece.contains(&b'\n') {
            if let Some(i) = piece.iter().position(|&b| b == b'\n') {
                g.bytes.extend_from_slice(&piece[..i]);
            }
            return Ok(StopReason::LineBreak);
        }
        g.bytes.extend_from_slice(&piece);
        // counted as the checker counts (on the cleaned text): once over, it stays over
        if config.max_words > 0
            && super::clean(&String::from_utf8_lossy(&g.bytes))
                .split_whitespace()
                .count()
                > config.max_words
        {
            return Ok(StopReason::TooLong);
        }
        batch.clear();
        batch.add(token, g.pos, &[0], true).map_err(fail)?;
        g.pos += 1;
        ctx.decode(batch)
            .map_err(|e| fail(format!("decode: {e}")))?;
        g.logits_row = batch.n_tokens() - 1;
        if pause_at_question && piece.trim_ascii_end().ends_with(b"?") {
            return Ok(StopReason::Question);
        }
    }
    Ok(StopReason::TokenBudget)
}

/// Feeds the rest of the place's name instead of the model's next token (`next`, `None` for an end
/// of turn) when the text has started the name and the token leaves it ([`CopyNames`]). Returns
/// whether it did (never for a rest of more than 16 tokens: the smallest batch holds 16). The
/// name's tokens are decoded as one batch; the logits of its last one give the next token.
fn copy_rest_of_name(
    vocab: &llama_cpp_2::vocab::LlamaVocab<'_>,
    ctx: &mut LlamaContext,
    batch: &mut LlamaBatch,
    g: &mut Ongoing,
    next: Option<&[u8]>,
    n_ctx: usize,
) -> Result<bool> {
    let Some(rest) = g.copy.as_ref().and_then(|c| c.forced_rest(&g.bytes, next)) else {
        return Ok(false);
    };
    let tokens = vocab.tokenize(rest.as_bytes(), false, false);
    if tokens.is_empty() || g.pos as usize + tokens.len() + 1 >= n_ctx || tokens.len() > 16 {
        return Ok(false);
    }
    batch.clear();
    for (j, t) in tokens.iter().enumerate() {
        batch
            .add(*t, g.pos, &[0], j + 1 == tokens.len())
            .map_err(fail)?;
        g.pos += 1;
    }
    ctx.decode(batch)
        .map_err(|e| fail(format!("decode: {e}")))?;
    g.logits_row = batch.n_tokens() - 1;
    g.bytes.extend_from_slice(rest.as_bytes());
    g.generated += tokens.len();
    g.names_completed += 1;
    Ok(true)
}

/// The text's first token: the greedy one, or when that is an opening the text may not have
/// ([`CopyNames::bans_opening`]) the most likely one that is not (up to four tries; deterministic:
/// the highest logit, ties to the lowest token id).
fn allowed_opening(
    vocab: &llama_cpp_2::vocab::LlamaVocab<'_>,
    ctx: &LlamaContext,
    g: &Ongoing,
    greedy: LlamaToken,
) -> LlamaToken {
    let Some(copy) = g.copy.as_ref() else {
        return greedy;
    };
    let mut banned = Vec::new();
    let mut token = greedy;
    while banned.len() < 4 && copy.bans_opening(&vocab.token_to_piece(token, false, None)) {
        banned.push(token);
        let logits = ctx.get_logits_ith(g.logits_row);
        let best = logits
            .iter()
            .enumerate()
            .filter(|(i, _)| !banned.contains(&LlamaToken::new(*i as i32)))
            .fold(None::<(usize, f32)>, |best, (i, &l)| match best {
                Some((_, b)) if b >= l => best,
                _ => Some((i, l)),
            });
        match best {
            Some((i, _)) => token = LlamaToken::new(i as i32),
            None => return greedy,
        }
    }
    token
}
