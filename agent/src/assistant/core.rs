//! The agent's logic without the bus: interests from utterances, POIs and the route, the driver
//! gate, the policy, and the phrasing, driven by one method per input. The node
//! ([`AgentNode`](super::AgentNode)) only moves messages in and out; benchmarks and tests drive this
//! directly.
//!
//! Voice answers. After a suggestion the driver may answer by voice as well as on the HMI's buttons.
//! A spoken answer arrives as an utterance like any other speech; the agent reads it itself
//! ([`Policy::hear`]) and applies it exactly as a touch answer from `hmi/response`, with its source
//! (`ResponseSource::Voice { speaker }`) and its cue in the decision log. It does not publish the
//! answer on `hmi/response`: that would make the agent a second publisher of a topic a secured bus
//! lets only the HMI publish. The HMI learns of a voice answer from the decision it already shows
//! (`agent/decision`: "accepted by voice (driver, cue ...)"); a button pressed after it reaches the
//! agent and is ignored there and logged (`answer_ignored`), as is a voice after a touch: the first
//! answer counts, whichever way it came.

use super::config::{AgentConfig, PreferenceMode};
use crate::interests::{
    kind_of_category, speaker_name, Act, Extractor, InterestMemory, LiveInterest, MemoryEvent,
    PreferenceSnapshot, PreferenceStore, Scope, Signal, MAX_TEXT_BYTES, STOP_KINDS,
};
use crate::language::{
    check, check_first_words, round_km, round_min, template_rest, template_text, CheckConfig,
    LanguageBackend, PhraseRequest, Proposal,
};
use crate::poi::{
    corridor, match_weight, rank, CorridorConfig, CorridorQuery, PoiIndex, RankContext, Ranked,
    RouteIndex,
};
use crate::policy::decide::decision;
use crate::policy::{AnswerHow, AnswerRefused, DriverGate, Heard, Policy, Situation, Verdict};
use cabin_bus::messages::*;
use cabin_bus::TopicId;

/// What one step produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outputs {
    /// The interest memory, when it changed.
    pub interests: Option<InterestSet>,
    pub suggestions: Vec<Suggestion>,
    /// Proposals decided in this step but not yet phrased: the node publishes the step's decisions
    /// first and phrases these on its next wake-up ([`AgentCore::phrase_pending`]), so the decision does
    /// not wait 1-4 s for the language model (issue 13, item 6).
    pub to_phrase: Vec<Unphrased>,
    pub decisions: Vec<AgentDecision>,
    /// Inputs rejected, with the reason.
    pub rejected: Vec<(TopicId, String)>,
    /// Health reports (store or model failures).
    pub reports: Vec<(Severity, String)>,
}

/// A proposal the policy made whose sentence is still to be written: the suggestion with every field
/// but `text` and `phrased_by`, and what the language backend gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Unphrased {
    suggestion: Suggestion,
    request: PhraseRequest,
}

impl Unphrased {
    pub fn suggestion_id(&self) -> u64 {
        self.suggestion.id
    }
}

fn said_by(s: Speaker) -> String {
    match s {
        Speaker::Unknown => "someone".into(),
        s => format!("the {}", speaker_name(s)),
    }
}

/// A drowsy driver gets an unasked rest interest at most this often, seconds.
const DROWSY_INTEREST_EVERY_S: f64 = 1200.0;

/// The agent, minus the bus. See the module docs.
pub struct AgentCore {
    config: AgentConfig,
    corridor: CorridorConfig,
    extractor: Extractor,
    memory: InterestMemory,
    policy: Policy,
    gate: DriverGate,
    route: Option<RouteIndex>,
    index: PoiIndex,
    /// POIs from the user's file, kept to merge with each scenario POI set.
    file_pois: Vec<Poi>,
    vehicle: Option<VehicleState>,
    co2_ppm: Option<f32>,
    backend: Box<dyn LanguageBackend>,
    /// Why the configured backend is not the one in use, if so.
    backend_note: Option<String>,
    check: CheckConfig,
    store: Option<PreferenceStore>,
    preferences: PreferenceSnapshot,
    drowsy_interest_at: Option<f64>,
}

impl AgentCore {
    /// An agent with `backend` for phrasing and, optionally, an open preference store.
    pub fn new(
        config: AgentConfig,
        backend: Box<dyn LanguageBackend>,
        store: Option<PreferenceStore>,
    ) -> Self {
        let preferences = match (&store, config.preferences) {
            (Some(s), m) if m != PreferenceMode::Off => s.snapshot().unwrap_or_else(|e| {
                tracing::error!("cannot read preferences: {e}");
                PreferenceSnapshot::default()
            }),
            _ => PreferenceSnapshot::default(),
        };
        let extractor = if config.interest_model {
            Extractor::with_model_or_rules()
        } else {
            Extractor::default()
        };
        AgentCore {
            corridor: config.corridor(),
            memory: InterestMemory::new(config.memory()),
            policy: Policy::new(config.policy()),
            gate: DriverGate::new(config.gate()),
            config,
            extractor,
            route: None,
            index: PoiIndex::default(),
            file_pois: Vec::new(),
            vehicle: None,
            co2_ppm: None,
            backend,
            backend_note: None,
            check: CheckConfig::default(),
            store,
            preferences,
            drowsy_interest_at: None,
        }
    }

    /// Records why the configured backend could not be used (shown in `phrased_by`).
    pub fn set_backend_note(&mut self, note: Option<String>) {
        self.backend_note = note;
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    pub fn memory(&self) -> &InterestMemory {
        &self.memory
    }

    pub fn poi_count(&self) -> usize {
        self.index.len()
    }

    /// POIs from a user's file, merged into every POI set (and indexed now).
    pub fn set_file_pois(&mut self, pois: Vec<Poi>, out: &mut Outputs) {
        self.file_pois = pois;
        self.rebuild_index(Vec::new(), out);
    }

    fn rebuild_index(&mut self, scenario: Vec<Poi>, out: &mut Outputs) {
        let mut all = scenario;
        all.extend(self.file_pois.iter().cloned());
        let (index, report) = PoiIndex::build(all);
        if report.rejected_total > 0 {
            let first: Vec<String> = report
                .rejected
                .iter()
                .map(|(id, why)| format!("{id}: {why}"))
                .collect();
            out.rejected.push((
                TopicId::Pois,
                format!(
                    "{} POIs not indexed ({}{})",
                    report.rejected_total,
                    first.join("; "),
                    if report.rejected_total > first.len() {
                        "; ..."
                    } else {
                        ""
                    }
                ),
            ));
        }
        for p in index.pois() {
            if let (Some(b), Some(kind)) = (p.brand.as_deref(), kind_of_category(p.category)) {
                self.extractor.lexicon_mut().add_brand(b, kind);
            }
        }
        tracing::info!(pois = index.len(), "POI index built");
        self.index = index;
    }

    fn memory_decisions(&self, events: Vec<MemoryEvent>, now_s: f64, out: &mut Outputs) -> bool {
        let changed = !events.is_empty();
        let cfg = self.memory.config();
        for e in events {
            let d = match e {
                MemoryEvent::Added(i) => decision(
                    "interest_added",
                    Some(i.kind),
                    None,
                    format!(
                        "{} (confidence {:.2}) said by {}",
                        i.label(),
                        i.confidence,
                        said_by(i.speaker)
                    ),
                ),
                MemoryEvent::Reinforced(i) => decision(
                    "interest_reinforced",
                    Some(i.kind),
                    None,
                    format!(
                        "{} said again by {} (confidence {:.2})",
                        i.label(),
                        said_by(i.speaker),
                        i.confidence
                    ),
                ),
                MemoryEvent::Cancelled { interest, cue } => decision(
                    "interest_cancelled",
                    Some(interest.kind),
                    None,
                    format!("{} cancelled: {cue}", interest.label()),
                ),
                MemoryEvent::Expired(i) => decision(
                    "interest_expired",
                    Some(i.kind),
                    None,
                    format!(
                        "{} faded: said {:.0} min ago, confidence now {:.2}",
                        i.label(),
                        (now_s - i.since_s) / 60.0,
                        i.confidence_at(now_s, cfg)
                    ),
                ),
                MemoryEvent::Evicted(i) => decision(
                    "interest_evicted",
                    Some(i.kind),
                    None,
                    format!("{} forgotten to make room (memory full)", i.label()),
                ),
            };
            out.decisions.push(d);
        }
        changed
    }

    fn publish_interests(&self, now_s: f64, out: &mut Outputs) {
        out.interests = Some(self.memory.snapshot(now_s));
    }

    /// Something was said.
    pub fn on_utterance(&mut self, now_s: f64, u: &Utterance, out: &mut Outputs) {
        let text = &u.text;
        let odd = text
            .chars()
            .filter(|c| (c.is_control() && !c.is_whitespace()) || *c == '\u{fffd}')
            .count();
        let total = text.chars().count();
        if total > 0 && odd * 10 > total * 3 {
            out.rejected.push((
                TopicId::Utterance,
                format!("utterance of {total} characters looks like binary data ({odd} control or invalid); ignored"),
            ));
            return;
        }
        if text.len() > MAX_TEXT_BYTES {
            out.rejected.push((
                TopicId::Utterance,
                format!(
                    "utterance of {} bytes; only the first {MAX_TEXT_BYTES} were read",
                    text.len()
                ),
            ));
        }
        // A yes or no right after a suggestion is an answer, read here rather than sent on
        // `hmi/response`, so the HMI stays that topic's only publisher (see the module docs).
        match self.policy.hear(now_s, u) {
            Heard::Answer {
                suggestion_id,
                answer,
                how,
            } => {
                self.answer(now_s, suggestion_id, answer, how, out);
                return;
            }
            Heard::NotAllowed(d) => out.decisions.push(d),
            Heard::Speech(d) => out.decisions.extend(d),
        }
        let _span = tracing::debug_span!("interests", speaker = ?u.speaker).entered();
        let extraction = self.extractor.extract(u.speaker, text, now_s);
        // What the understanding held back (an injection, a want the model vetoed) is explained in the
        // decision log like every other choice.
        for why in &extraction.held_back {
            out.decisions
                .push(decision("interest_held_back", None, None, why.clone()));
        }
        let mut events = Vec::new();
        for s in &extraction.signals {
            if s.act == Act::Inquiry {
                tracing::debug!(kind = ?s.kind, "inquiry: waiting for an answer");
            }
            events.extend(self.memory.apply(s, u.speaker, now_s));
        }
        if self.memory_decisions(events, now_s, out) {
            self.publish_interests(now_s, out);
        }
        self.evaluate(now_s, out);
    }

    /// The vehicle moved: the main trigger of decisions.
    pub fn on_vehicle(&mut self, now_s: f64, v: &VehicleState, out: &mut Outputs) {
        let finite = v.route_progress_m.is_finite()
            && v.speed_mps.is_finite()
            && v.position.lat.is_finite()
            && v.position.lon.is_finite();
        if !finite {
            out.rejected.push((
                TopicId::Vehicle,
                "vehicle state with NaN/infinite fields".into(),
            ));
            return;
        }
        self.vehicle = Some(v.clone());
        self.evaluate(now_s, out);
    }

    pub fn on_route(&mut self, r: &Route, out: &mut Outputs) {
        match RouteIndex::new(r) {
            Ok(idx) => {
                tracing::info!(route = %r.name, km = idx.length_m() / 1000.0, "route indexed");
                self.route = Some(idx);
            }
            Err(e) => out.rejected.push((TopicId::Route, e)),
        }
    }

    pub fn on_pois(&mut self, p: &PoiSet, out: &mut Outputs) {
        self.rebuild_index(p.pois.clone(), out);
    }

    pub fn on_driver_state(&mut self, now_s: f64, s: &DriverState, out: &mut Outputs) {
        self.gate.on_driver_state(s, now_s);
        self.evaluate(now_s, out);
    }

    pub fn on_alert(&mut self, now_s: f64, a: &Alert, out: &mut Outputs) {
        self.gate.on_alert(a, now_s);
        self.evaluate(now_s, out);
    }

    pub fn on_environment(&mut self, now_s: f64, e: &CabinEnvironment, out: &mut Outputs) {
        self.co2_ppm = e.co2_ppm.is_finite().then_some(e.co2_ppm);
        self.evaluate(now_s, out);
    }

    /// The driver answered a suggestion on the HMI (`hmi/response`).
    pub fn on_response(&mut self, now_s: f64, r: &UserResponse, out: &mut Outputs) {
        let how = AnswerHow {
            source: r.source,
            ..AnswerHow::default()
        };
        self.answer(now_s, r.suggestion_id, r.answer, how, out);
    }

    /// An answer by touch or voice: the first one per suggestion counts.
    fn answer(
        &mut self,
        now_s: f64,
        suggestion_id: u64,
        answer: Answer,
        how: AnswerHow,
        out: &mut Outputs,
    ) {
        let outcome = match self.policy.on_answer_by(suggestion_id, answer, how) {
            Ok(o) => o,
            Err(AnswerRefused::Unknown(e)) => {
                out.rejected.push((TopicId::Response, e));
                return;
            }
            Err(AnswerRefused::AlreadyAnswered(d)) => {
                out.decisions.push(d);
                return;
            }
        };
        let r = UserResponse {
            suggestion_id,
            answer,
            source: outcome.how.source,
        };
        out.decisions.push(outcome.decision.clone());
        let p = &outcome.proposal;
        let mut removed = Vec::new();
        match (r.answer, &p.poi) {
            (Answer::Accept, Some(poi)) => {
                // the stop serves every interest it matches well (coffee and the toilet)
                let served: Vec<u32> = self
                    .memory
                    .iter()
                    .filter(|i| Some(i.id) == p.interest_id || match_weight(i, poi) >= 0.6)
                    .map(|i| i.id)
                    .collect();
                for id in served {
                    removed.extend(self.memory.remove(id));
                }
            }
            _ => {
                if let Some(id) = p.interest_id {
                    removed.extend(self.memory.remove(id));
                }
            }
        }
        for i in &removed {
            out.decisions.push(decision(
                "interest_cancelled",
                Some(i.kind),
                None,
                format!(
                    "{} {} by the answer to suggestion {}",
                    i.label(),
                    if r.answer == Answer::Accept {
                        "served"
                    } else {
                        "declined"
                    },
                    r.suggestion_id
                ),
            ));
        }
        if !removed.is_empty() {
            self.publish_interests(now_s, out);
        }
        // "maybe later" is not a dislike of the place: nothing is learnt from it
        let learn = self.config.preferences == PreferenceMode::Learn && !outcome.how.for_now;
        if let (Some(poi), true) = (&p.poi, learn) {
            self.preferences
                .record(poi.category, poi.brand.as_deref(), r.answer);
            if let Some(store) = self.store.as_mut() {
                if let Err(e) = store.record(poi, p.interest, r.answer, now_s) {
                    out.reports
                        .push((Severity::Error, format!("answer not saved: {e}")));
                }
            }
        }
        self.evaluate(now_s, out);
    }

    /// A drowsy driver with no rest or coffee interest gets one from the driver state.
    fn drowsy_interest(&mut self, now_s: f64, out: &mut Outputs) {
        if !self.config.drowsy_rest || !self.gate.drowsy() {
            return;
        }
        let has = self.memory.iter().any(|i| {
            matches!(i.offers, InterestKind::Rest | InterestKind::Coffee)
                && !self.policy.is_served(i.id)
        });
        if has
            || self
                .drowsy_interest_at
                .is_some_and(|t| now_s - t < DROWSY_INTEREST_EVERY_S)
        {
            return;
        }
        self.drowsy_interest_at = Some(now_s);
        let signal = Signal {
            kind: Some(InterestKind::Rest),
            brand: None,
            act: Act::Want,
            scope: Scope::Speaker,
            confidence: 0.8,
            cue: format!("driver state: {}", self.gate.describe_drowsiness()),
        };
        let events = self.memory.apply(&signal, Speaker::Unknown, now_s);
        for e in &events {
            if let MemoryEvent::Added(i) = e {
                out.decisions.push(decision(
                    "interest_added",
                    Some(i.kind),
                    None,
                    format!(
                        "rest (confidence 0.80) from the driver state: {}",
                        self.gate.describe_drowsiness()
                    ),
                ));
            }
        }
        let evicted: Vec<MemoryEvent> = events
            .into_iter()
            .filter(|e| matches!(e, MemoryEvent::Evicted(_)))
            .collect();
        self.memory_decisions(evicted, now_s, out);
        self.publish_interests(now_s, out);
    }

    /// Runs the policy at `now_s`.
    pub fn evaluate(&mut self, now_s: f64, out: &mut Outputs) {
        let _span = tracing::debug_span!("agent_decide", t = now_s).entered();
        let expired = self.memory.expire(now_s);
        if self.memory_decisions(expired, now_s, out) {
            self.publish_interests(now_s, out);
        }
        self.drowsy_interest(now_s, out);
        out.decisions.extend(self.policy.expire_pending(now_s));
        let cfg = self.memory.config().clone();
        let live: Vec<(LiveInterest, f32)> = self
            .memory
            .iter()
            .map(|i| (i.clone(), i.confidence_at(now_s, &cfg)))
            .collect();
        let actionable: Vec<&(LiveInterest, f32)> = live
            .iter()
            .filter(|(i, c)| {
                self.policy.actionable(i, *c)
                    && (STOP_KINDS.contains(&i.kind) || i.kind == InterestKind::Place)
            })
            .collect();
        let window_s = self.policy.window_s(&self.gate);
        let mut ranked: Vec<Ranked> = Vec::new();
        let mut closed = 0;
        let mut look_ahead_m = 0.0;
        let have_map = self.route.is_some() && !self.index.is_empty() && self.vehicle.is_some();
        if let (Some(route), Some(v)) = (&self.route, &self.vehicle) {
            if !actionable.is_empty() && !self.index.is_empty() && !self.policy.awaiting_answer() {
                look_ahead_m = (window_s * (v.speed_mps as f64).max(5.0)).max(1000.0);
                let scale = self.policy.budget_scale(&self.gate);
                let q = CorridorQuery {
                    progress_m: v.route_progress_m,
                    speed_mps: v.speed_mps as f64,
                    time_of_day_s: v.time_of_day_s as f64,
                    look_ahead_m,
                    budget_scale: scale,
                };
                let prefs = &self.preferences;
                let policy = &self.policy;
                let found = corridor(&self.index, route, &q, &self.corridor, |poi| {
                    !policy.is_declined(poi.id)
                        && !prefs.never_wanted(poi.category)
                        && actionable.iter().any(|(i, _)| match_weight(i, poi) > 0.0)
                });
                closed = found.closed.len();
                let ctx = RankContext {
                    preferences: prefs,
                    drowsy: self.gate.drowsy(),
                    detour_budget_s: self.corridor.detour_budget_s * scale,
                    look_ahead_m,
                };
                for c in &found.candidates {
                    let poi = self.index.poi(c.poi);
                    for (i, conf) in &actionable {
                        if let Some(r) = rank(i, *conf, poi, c, &ctx) {
                            ranked.push(r);
                        }
                    }
                }
                let index = &self.index;
                ranked.sort_by(|a, b| {
                    b.score
                        .total_cmp(&a.score)
                        .then(
                            index
                                .poi(a.candidate.poi)
                                .id
                                .cmp(&index.poi(b.candidate.poi).id),
                        )
                        .then(a.interest_id.cmp(&b.interest_id))
                });
            }
        }
        let index = &self.index;
        let poi_of = |i: u32| index.poi(i);
        let situation = Situation {
            now_s,
            live: &live,
            ranked: &ranked,
            poi_of: &poi_of,
            gate: &self.gate,
            co2_ppm: self.co2_ppm,
            look_ahead_m,
            closed,
            have_map,
        };
        let (verdict, decisions) = self.policy.evaluate(&situation);
        out.decisions.extend(decisions);
        match verdict {
            Verdict::Nothing => {}
            Verdict::Propose {
                suggestion_id,
                ranked,
                reason,
            } => {
                let poi = self.index.poi(ranked.candidate.poi).clone();
                let Some((interest, _)) = live.iter().find(|(i, _)| i.id == ranked.interest_id)
                else {
                    return;
                };
                let request = PhraseRequest {
                    proposal: Proposal::Stop {
                        poi_id: poi.id,
                        name: poi.name.clone(),
                        brand: poi.brand.clone(),
                        category: poi.category,
                        distance_km: round_km(ranked.candidate.ahead_m),
                        detour_min: round_min(ranked.candidate.detour_s),
                        eta_min: round_min(ranked.candidate.eta_s),
                    },
                    interest: interest.kind,
                    interest_detail: interest.detail_str().map(String::from),
                    speaker: interest.speaker,
                    drowsy: self.gate.drowsy(),
                };
                out.decisions.push(decision(
                    "proposed",
                    Some(interest.kind),
                    Some(poi.id),
                    format!("suggestion {suggestion_id}: {reason}"),
                ));
                out.to_phrase.push(Unphrased {
                    suggestion: Suggestion {
                        id: suggestion_id,
                        interest: interest.kind,
                        action: SuggestionAction::Stop {
                            poi,
                            distance_m: ranked.candidate.ahead_m,
                            detour_s: ranked.candidate.detour_s as f32,
                        },
                        text: String::new(),
                        phrased_by: String::new(),
                        reason,
                    },
                    request,
                });
            }
            Verdict::Cabin {
                suggestion_id,
                interest_id,
                action,
                reason,
            } => {
                let speaker = interest_id
                    .and_then(|id| self.memory.get(id))
                    .map_or(Speaker::Unknown, |i| i.speaker);
                let request = PhraseRequest {
                    proposal: Proposal::Cabin {
                        action: action.clone(),
                        co2_ppm: if interest_id.is_none() {
                            self.co2_ppm.map(|c| ((c / 10.0).round() * 10.0) as u32)
                        } else {
                            None
                        },
                    },
                    interest: InterestKind::FreshAir,
                    interest_detail: None,
                    speaker,
                    drowsy: self.gate.drowsy(),
                };
                out.decisions.push(decision(
                    "proposed",
                    Some(InterestKind::FreshAir),
                    None,
                    format!("suggestion {suggestion_id}: {action}: {reason}"),
                ));
                out.to_phrase.push(Unphrased {
                    suggestion: Suggestion {
                        id: suggestion_id,
                        interest: InterestKind::FreshAir,
                        action: SuggestionAction::Cabin { action },
                        text: String::new(),
                        phrased_by: String::new(),
                        reason,
                    },
                    request,
                });
            }
        }
    }

    /// Writes the sentence of a proposal decided earlier (see [`Outputs::to_phrase`]): the suggestion
    /// goes to `out.suggestions`, and a `phrased` decision says who wrote it (and why the template, if
    /// the model's text was refused).
    pub fn phrase_pending(&mut self, pending: Unphrased, out: &mut Outputs) {
        self.finish_phrase(pending, None, out);
    }

    /// Streaming (`stream_first_words`): the phrasing wake-up of `pending`. Returns the proposal and
    /// the words said when only its first words went out (the model's offer question, checked by
    /// [`check_first_words`]): the HMI starts saying them while the model writes the rest, and
    /// [`AgentCore::finish_phrase`] publishes the whole suggestion under the same id, starting with
    /// them. `None`: the whole suggestion is already in `out`:
    /// - the backend does not stream, or the model's text ended without a question (then its whole
    ///   text is already written, and is checked as without streaming);
    /// - the model's first words failed their check, or the model failed: the template's sentence at
    ///   once, instead of waiting for the model to write a rest that would follow a refused question.
    ///   This bounds the worst case of the first words to the model's time up to its question mark
    ///   (or its word limit), counted in tokens, never in wall-clock time, so the events stay the same
    ///   on any machine;
    /// - the proposal has nothing to say after its question (a cabin offer: "The air is getting
    ///   stale. Shall I let some fresh air in?"): it is phrased whole, as without streaming. Its first
    ///   words would be its whole sentence, and the second message would only repeat them.
    pub fn start_phrase(
        &mut self,
        pending: Unphrased,
        out: &mut Outputs,
    ) -> Option<(Unphrased, String)> {
        if template_rest(&pending.request).is_empty() {
            self.finish_phrase(pending, None, out);
            return None;
        }
        let name = self.backend.name();
        let request = &pending.request;
        let why = match self.backend.first_words(request) {
            Ok(Some(p)) => {
                // the template's rest must still fit after these words, in case the model's rest is
                // refused
                let room = template_rest(request).split_whitespace().count();
                match check_first_words(&p.text, request, &self.check, room) {
                    Ok(text) => {
                        out.suggestions.push(Suggestion {
                            text: text.clone(),
                            phrased_by: format!("{name} (first words; the rest follows)"),
                            ..pending.suggestion.clone()
                        });
                        return Some((pending, text));
                    }
                    Err(why) => {
                        tracing::info!(backend = name, text = %p.text, "first words rejected: {why}");
                        format!("{name} first words rejected: {why}")
                    }
                }
            }
            Ok(None) => {
                self.finish_phrase(pending, None, out);
                return None;
            }
            Err(e) => {
                tracing::warn!(backend = name, "first words failed: {e}");
                format!("{name} first words failed: {e}")
            }
        };
        let text = template_text(request);
        self.publish_whole(pending, text, format!("template (fallback: {why})"), out);
        None
    }

    /// Phrases `pending` whole and puts its suggestion and a `phrased` decision in `out`. `said`: the
    /// first words already published by [`AgentCore::first_words`]; the text then starts with them:
    /// the model's whole text when it passes the check, else those words and the template's rest.
    /// When the whole text is exactly the first words already said (the model stopped at its
    /// question and that question already held everything), only the `phrased` decision is written:
    /// a second message under the same id would add nothing.
    pub fn finish_phrase(&mut self, pending: Unphrased, said: Option<&str>, out: &mut Outputs) {
        let (text, phrased_by) = self.phrase(&pending.request, said);
        if said == Some(text.as_str()) {
            out.decisions
                .push(phrased_decision(&pending.suggestion, &phrased_by));
            return;
        }
        self.publish_whole(pending, text, phrased_by, out);
    }

    /// Puts the whole suggestion of `pending` and its `phrased` decision in `out`.
    fn publish_whole(
        &self,
        pending: Unphrased,
        text: String,
        phrased_by: String,
        out: &mut Outputs,
    ) {
        let s = pending.suggestion;
        out.decisions.push(phrased_decision(&s, &phrased_by));
        out.suggestions.push(Suggestion {
            text,
            phrased_by,
            ..s
        });
    }

    /// Phrases every proposal `out` holds at once (benchmarks and tools that drive the core without the
    /// node's deferred phrasing).
    pub fn phrase_now(&mut self, out: &mut Outputs) {
        for p in std::mem::take(&mut out.to_phrase) {
            self.phrase_pending(p, out);
        }
    }

    /// Phrases with the backend; any failure or a text that fails the check falls back to the
    /// template, and `phrased_by` says so. With first words `said`, the fallback keeps them and
    /// completes them with the template's rest (they passed their own check, and the rest is the
    /// template's), so what the HMI already said stays the start of the suggestion.
    fn phrase(&mut self, request: &PhraseRequest, said: Option<&str>) -> (String, String) {
        let name = self.backend.name();
        let template = || template_text(request);
        if name == "template" {
            let by = match &self.backend_note {
                Some(n) => format!("template ({n})"),
                None => "template".to_string(),
            };
            return (template(), by);
        }
        let _span = tracing::debug_span!("phrase", backend = name).entered();
        let why = match self.backend.phrase(request) {
            Ok(p) => match check(&p.text, request, &self.check) {
                Ok(text) if said.is_none_or(|s| text.starts_with(s)) => {
                    return (text, name.to_string());
                }
                Ok(text) => format!("{name} text does not start with its first words: '{text}'"),
                Err(why) => {
                    tracing::info!(backend = name, text = %p.text, "generated text rejected: {why}");
                    format!("{name} text rejected: {why}")
                }
            },
            Err(e) => {
                tracing::warn!(backend = name, "phrasing failed: {e}");
                e.to_string()
            }
        };
        if let Some(first) = said {
            let joined = format!("{first} {}", template_rest(request));
            if let Ok(text) = check(joined.trim(), request, &self.check) {
                return (
                    text,
                    format!("{name} first words + template rest (fallback: {why})"),
                );
            }
            tracing::warn!(
                backend = name,
                "first words + template rest fail the check; the template replaces them"
            );
        }
        (template(), format!("template (fallback: {why})"))
    }
}

/// The `phrased` decision of suggestion `s`: who wrote its text (and why the template, if so).
fn phrased_decision(s: &Suggestion, phrased_by: &str) -> AgentDecision {
    let poi_id = match &s.action {
        SuggestionAction::Stop { poi, .. } => Some(poi.id),
        _ => None,
    };
    decision(
        "phrased",
        Some(s.interest),
        poi_id,
        format!("suggestion {}: phrased by {phrased_by}", s.id),
    )
}
