//! The `agent` node: interest memory + POI matching + policy + language backend on the bus.
//!
//! Inputs: utterances, vehicle state, route, POIs, driver state, alerts, cabin environment and the
//! driver's answers. Outputs: the interest set (on change), suggestions, and every decision with its
//! reason. Decisions are taken on each input (the vehicle state, ~10 Hz, is the heartbeat), in
//! vehicle time from `ctx.now()`; nothing here reads the wall clock except the language backend's
//! own time budget.
//!
//! Decide first, phrase after: a step that makes a proposal publishes its decisions (the HMI shows
//! "proposed" at once) and keeps the proposal; the node asks for a wake-up [`PHRASE_AFTER`] later and
//! phrases it then (the local model takes 1-4 s on one thread), publishing the suggestion from that
//! step. The wake-up is in vehicle time, so under the deterministic executor the suggestion's stamp and
//! its place in the events log are the same at any worker count; live, the decision goes out before the
//! model starts (issue 13, item 6: end of speech -> decision under 1 s). With `stream_first_words`
//! (the default) the phrasing wake-up publishes only the suggestion's first words (its offer question,
//! checked on their own) and the next wake-up, [`PHRASE_AFTER`] later, the whole suggestion under the
//! same id: the HMI starts saying the question while the model writes the rest (first words under
//! 2 s). A suggestion may therefore come as two messages with one id; consumers keep the last one as
//! the suggestion and the first one as when it reached the driver (`sim/src/score`, the run summary).
//! First words the checker refuses are replaced by the template's whole sentence at once.

use super::config::{AgentConfig, BackendKind, PreferenceMode};
use super::core::{AgentCore, Outputs, Unphrased};
use crate::interests::PreferenceStore;
use crate::language::{HttpBackend, LanguageBackend, LocalBackend, TemplateBackend};
use cabin_bus::prelude::*;

/// Builds the configured backend; on failure the template, with the reason.
pub fn build_backend(config: &AgentConfig) -> (Box<dyn LanguageBackend>, Option<String>) {
    match config.backend_kind() {
        BackendKind::Template => (Box::new(TemplateBackend), None),
        BackendKind::Local => match config.local().and_then(LocalBackend::start) {
            Ok(b) => {
                tracing::info!("local language model: {}", b.description());
                (Box::new(b), None)
            }
            Err(e) => (
                Box::new(TemplateBackend),
                Some(format!("local model unavailable: {e}")),
            ),
        },
        BackendKind::Http => match HttpBackend::new(config.http()) {
            Ok(b) => (Box::new(b), None),
            Err(e) => (
                Box::new(TemplateBackend),
                Some(format!("http backend unavailable: {e}")),
            ),
        },
    }
}

/// How long after its decision a proposal is phrased, in vehicle time: the next instant, 1 ms on, so
/// the step that decided has published before the language model runs.
pub const PHRASE_AFTER: SimDuration = SimDuration::from_millis(1);

/// The agent node. See the module docs.
pub struct AgentNode {
    config: AgentConfig,
    core: Option<AgentCore>,
    /// Proposals decided, to be phrased on the next wake-up, in decision order.
    to_phrase: Vec<Unphrased>,
    /// Streamed proposals whose first words went out, with those words: finished on the next wake-up.
    to_finish: Vec<(Unphrased, String)>,
}

impl AgentNode {
    pub fn new(config: AgentConfig) -> Self {
        AgentNode {
            config,
            core: None,
            to_phrase: Vec::new(),
            to_finish: Vec::new(),
        }
    }

    /// Phrases the pending proposals and publishes their suggestions. Streaming
    /// (`stream_first_words`, the default, and not at shutdown): the first proposal's first words go
    /// out now and its whole text on the next wake-up, [`PHRASE_AFTER`] on (the model holds one paused
    /// generation, so the proposals after it wait for that wake-up); a proposal whose first words the
    /// checker refuses gets the template's sentence at once ([`AgentCore::start_phrase`]).
    fn phrase_pending(&mut self, ctx: &mut Context, stream: bool) {
        let Some(core) = self.core.as_mut() else {
            return;
        };
        let mut out = Outputs::default();
        for (p, said) in std::mem::take(&mut self.to_finish) {
            let _span =
                tracing::debug_span!("agent_phrase", suggestion = p.suggestion_id()).entered();
            core.finish_phrase(p, Some(&said), &mut out);
        }
        let mut pending = std::mem::take(&mut self.to_phrase).into_iter();
        while let Some(p) = pending.next() {
            let _span =
                tracing::debug_span!("agent_phrase", suggestion = p.suggestion_id()).entered();
            if !stream {
                core.phrase_pending(p, &mut out);
                continue;
            }
            if let Some(started) = core.start_phrase(p, &mut out) {
                self.to_finish.push(started);
                self.to_phrase.extend(pending);
                break;
            }
        }
        if !self.to_finish.is_empty() || !self.to_phrase.is_empty() {
            ctx.wake_at(ctx.now() + PHRASE_AFTER);
        }
        self.emit(out, ctx);
    }

    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        let config: AgentConfig = spec.params()?;
        config.validate().map_err(|reason| NodeError::Config {
            node: spec.name.to_string(),
            reason: format!("{}:{}: {reason}", spec.file, spec.line),
        })?;
        Ok(Self::new(config))
    }

    /// Builds the core now (model, store, POI file), reporting what failed.
    fn start(&mut self, ctx: &mut Context) {
        let (backend, note) = build_backend(&self.config);
        if let Some(n) = &note {
            tracing::error!("{n}");
            ctx.report(Severity::Error, n.clone());
        }
        let store = match self.config.preferences {
            PreferenceMode::Off => None,
            _ => {
                let path = self.config.profile_db();
                match PreferenceStore::open(&path, &self.config.profile) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        ctx.report(
                            Severity::Error,
                            format!("preferences unavailable, ranking without them: {e}"),
                        );
                        None
                    }
                }
            }
        };
        let mut core = AgentCore::new(self.config.clone(), backend, store);
        core.set_backend_note(note);
        if let Some(file) = &self.config.poi_file {
            let mut out = Outputs::default();
            match crate::poi::load_poi_file(std::path::Path::new(file)) {
                Ok(pois) => core.set_file_pois(pois, &mut out),
                Err(e) => ctx.report(Severity::Error, format!("POI file not loaded: {e}")),
            }
            self.emit(out, ctx);
        }
        self.core = Some(core);
    }

    /// Publishes a step's outputs; proposals to phrase are kept for a wake-up [`PHRASE_AFTER`] on.
    fn emit(&mut self, mut out: Outputs, ctx: &mut Context) {
        if !out.to_phrase.is_empty() {
            self.to_phrase.append(&mut out.to_phrase);
            ctx.wake_at(ctx.now() + PHRASE_AFTER);
        }
        for (topic, reason) in out.rejected {
            ctx.reject_input(topic, reason);
        }
        for (severity, msg) in out.reports {
            ctx.report(severity, msg);
        }
        if let Some(set) = out.interests {
            ctx.publish(topics::INTERESTS, set);
        }
        for d in out.decisions {
            ctx.publish(topics::DECISION, d);
        }
        for s in out.suggestions {
            ctx.publish(topics::SUGGESTION, s);
        }
    }
}

impl Node for AgentNode {
    fn inputs(&self) -> Vec<TopicId> {
        vec![
            TopicId::Utterance,
            TopicId::Vehicle,
            TopicId::Route,
            TopicId::Pois,
            TopicId::DriverState,
            TopicId::Alert,
            TopicId::Environment,
            TopicId::Response,
        ]
    }

    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        if self.core.is_none() {
            self.start(ctx);
        }
        Ok(())
    }

    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        if self.core.is_none() {
            self.start(ctx);
        }
        let Some(core) = self.core.as_mut() else {
            return Err(NodeError::failed("agent not started"));
        };
        let now = ctx.now().as_secs_f64();
        let _span = tracing::debug_span!("agent", topic = %sample.topic, t = now).entered();
        let mut out = Outputs::default();
        let wrong = || NodeError::input(sample.topic, "payload does not match the topic");
        match sample.topic {
            TopicId::Utterance => core.on_utterance(now, sample.get().ok_or_else(wrong)?, &mut out),
            TopicId::Vehicle => core.on_vehicle(now, sample.get().ok_or_else(wrong)?, &mut out),
            TopicId::Route => core.on_route(sample.get().ok_or_else(wrong)?, &mut out),
            TopicId::Pois => core.on_pois(sample.get().ok_or_else(wrong)?, &mut out),
            TopicId::DriverState => {
                core.on_driver_state(now, sample.get().ok_or_else(wrong)?, &mut out)
            }
            TopicId::Alert => core.on_alert(now, sample.get().ok_or_else(wrong)?, &mut out),
            TopicId::Environment => {
                core.on_environment(now, sample.get().ok_or_else(wrong)?, &mut out)
            }
            TopicId::Response => core.on_response(now, sample.get().ok_or_else(wrong)?, &mut out),
            other => return Err(NodeError::input(other, "not an input of the agent")),
        }
        self.emit(out, ctx);
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let stream = self.config.stream_first_words;
        self.phrase_pending(ctx, stream);
        Ok(())
    }

    /// A run that ends right after a proposal still publishes its suggestion.
    fn shutdown(&mut self, ctx: &mut Context) -> NodeResult {
        self.phrase_pending(ctx, false);
        Ok(())
    }
}
