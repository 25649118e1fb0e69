//! When to speak, and what: the pure policy. No I/O and no clock of its own; the node hands it the
//! situation (live interests, ranked candidates, the driver gate, the cabin air) at each vehicle
//! update, and it answers with at most one proposal and the decisions that explain it.
//!
//! Rules, in order:
//! 1. one suggestion at a time: while one awaits an answer (up to `response_timeout_s`), nothing new;
//! 2. one suggestion per interest, ever: an interest proposed once is never proposed again (a new
//!    remark after it expired or was cancelled is a new interest);
//! 3. a declined POI is never proposed again on this drive;
//! 4. the best-ranked candidate is proposed when it is within `propose_within_s` of the car (a
//!    drowsy driver: `drowsy_window_factor` times sooner, with a larger detour budget), and only if
//!    the [`DriverGate`] allows it; otherwise it is *held back*, logged with the reason, and the
//!    best candidate at the moment the driver is attentive again is proposed instead;
//! 5. a cabin action (fresh air) when someone says the air is stale, or when CO2 is high and the
//!    driver tires, through the same gate, at most once per `cabin_repeat_s` and re-armed only after
//!    CO2 has fallen below `co2_clear_ppm`.
//!
//! 6. answers: the first answer to a suggestion counts, by touch (the HMI's buttons) or by voice, and
//!    any later one is ignored and logged (`answer_ignored`, naming the answer that counted). A spoken
//!    answer ([`hear`](Policy::hear)) counts only when it begins after the suggestion was published and
//!    is heard within `voice_answer_window_s` of it, and only from the driver unless the deployment
//!    sets `passenger_voice_answers`; see [`super::answer`] for how the words are read. "Maybe later"
//!    (and "not now") declines *for now*: the interest is closed like any answered suggestion (rule 2),
//!    but the place is not remembered as refused (rule 3 does not apply), so a later wish may bring it
//!    back, and the preference store does not count it as a dislike.
//!
//! Decisions are logged on change only (a held-back candidate is logged when holding starts or its
//! reason changes, not at every vehicle update), so the decision topic stays readable.

use super::answer::read_answer;
use super::gate::DriverGate;
use crate::interests::{kind_name, speaker_name, LiveInterest};
use crate::poi::Ranked;
use cabin_bus::messages::{
    AgentDecision, Answer, InterestKind, Poi, ResponseSource, Speaker, Utterance,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Policy settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyConfig {
    /// Propose a stop when the car reaches its exit within this long, seconds.
    pub propose_within_s: f64,
    /// A drowsy driver hears about a stop this many times sooner.
    pub drowsy_window_factor: f64,
    /// And may take a detour this many times longer.
    pub drowsy_budget_scale: f64,
    /// Interests below this confidence are not acted on.
    pub min_confidence: f32,
    /// How long to wait for an answer, seconds.
    pub response_timeout_s: f64,
    /// CO2 at or above which a tiring driver is offered fresh air, ppm.
    pub co2_high_ppm: f32,
    /// CO2 below which the fresh-air offer re-arms, ppm.
    pub co2_clear_ppm: f32,
    /// At most one fresh-air offer per this long, seconds.
    pub cabin_repeat_s: f64,
    /// Offer a rest or coffee stop to a drowsy driver even if nobody asked.
    pub drowsy_rest: bool,
    /// A spoken answer must begin after the suggestion was published and be heard within this long
    /// of it, seconds. 12 s: a suggestion of at most ~25 words (issue 13, item 4) takes ~8.6 s to say
    /// at espeak-ng's default 175 words per minute; answers to yes/no questions start within about
    /// 0.2 s of the question's end in conversation (Stivers et al. 2009, "Universals and cultural
    /// variation in turn-taking in conversation", PNAS 106(26)), allow 2 s for a driver busy with the
    /// road; then ~1 s of "yes please" and the speech detector's end-of-speech silence. Longer would
    /// take more unrelated "yes"es in the cabin's conversation for answers.
    pub voice_answer_window_s: f64,
    /// A passenger's (or an unattributed) voice may answer for the driver. Off by default: the driver
    /// decides where the car goes, and a deployment with one cabin microphone cannot tell who spoke.
    pub passenger_voice_answers: bool,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            propose_within_s: 240.0,
            drowsy_window_factor: 2.0,
            drowsy_budget_scale: 1.5,
            min_confidence: 0.4,
            response_timeout_s: 60.0,
            co2_high_ppm: 1200.0,
            co2_clear_ppm: 1000.0,
            cabin_repeat_s: 1200.0,
            drowsy_rest: true,
            voice_answer_window_s: 12.0,
            passenger_voice_answers: false,
        }
    }
}

/// What the node knows at one instant.
pub struct Situation<'a> {
    pub now_s: f64,
    /// Live interests with their confidence now.
    pub live: &'a [(LiveInterest, f32)],
    /// Candidate (interest, POI) pairs, best first.
    pub ranked: &'a [Ranked],
    /// The POIs of `ranked`, by candidate POI index (for names and ids).
    pub poi_of: &'a dyn Fn(u32) -> &'a Poi,
    pub gate: &'a DriverGate,
    pub co2_ppm: Option<f32>,
    /// How far ahead was searched, metres, and how many fitting POIs were closed at arrival.
    pub look_ahead_m: f64,
    pub closed: usize,
    /// The route and POIs are known (else nothing can be proposed yet).
    pub have_map: bool,
}

/// The policy's answer for one instant.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Propose this stop now. `reason` says why this POI and why now.
    Propose {
        suggestion_id: u64,
        ranked: Ranked,
        reason: String,
    },
    /// Propose a cabin action now.
    Cabin {
        suggestion_id: u64,
        interest_id: Option<u32>,
        action: String,
        reason: String,
    },
    Nothing,
}

#[derive(Clone, Debug, PartialEq)]
struct Pending {
    suggestion_id: u64,
    at_s: f64,
}

/// A proposal made on this drive (for answers and the preference store).
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub suggestion_id: u64,
    pub interest_id: Option<u32>,
    pub interest: InterestKind,
    pub poi: Option<Poi>,
}

#[derive(Clone, Debug, PartialEq)]
struct Held {
    interest_id: Option<u32>,
    since_s: f64,
    reason: String,
}

/// How an answer was given: touch or voice, and for voice the cue that decided it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnswerHow {
    pub source: ResponseSource,
    /// The deciding phrase and what was heard, for a spoken answer.
    pub cue: Option<String>,
    /// A decline for now ("maybe later"): the place is not remembered as refused.
    pub for_now: bool,
}

impl AnswerHow {
    pub fn touch() -> Self {
        AnswerHow::default()
    }

    /// "by touch", "by voice (driver, cue "yes please" in "Yes, please.")".
    pub fn describe(&self) -> String {
        match self.source {
            ResponseSource::Touch => "by touch".into(),
            ResponseSource::Voice { speaker } => match &self.cue {
                Some(cue) => format!("by voice ({}, cue {cue})", speaker_name(speaker)),
                None => format!("by voice ({})", speaker_name(speaker)),
            },
        }
    }
}

/// What an answer did.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerOutcome {
    pub proposal: Proposal,
    pub answer: Answer,
    pub how: AnswerHow,
    pub decision: AgentDecision,
}

/// Why an answer did not count.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerRefused {
    /// No such suggestion was made.
    Unknown(String),
    /// The suggestion was answered before: the first answer counts; this decision logs the ignored one.
    AlreadyAnswered(AgentDecision),
}

/// What an utterance is to the policy.
#[derive(Clone, Debug, PartialEq)]
pub enum Heard {
    /// Ordinary speech (for the interest extractor); the decision says why a yes/no was not taken as an
    /// answer, when it was not.
    Speech(Option<AgentDecision>),
    /// An answer to `suggestion_id`: hand it to [`Policy::on_answer_by`].
    Answer {
        suggestion_id: u64,
        answer: Answer,
        how: AnswerHow,
    },
    /// A yes/no after a suggestion from a voice that may not answer; logged, then ordinary speech.
    NotAllowed(AgentDecision),
}

const HISTORY: usize = 64;
const DECLINED_MAX: usize = 256;

/// The policy's state over a drive. See the module docs.
#[derive(Clone, Debug)]
pub struct Policy {
    config: PolicyConfig,
    pending: Option<Pending>,
    served: BTreeSet<u32>,
    declined_pois: VecDeque<u64>,
    held: Option<Held>,
    history: VecDeque<Proposal>,
    next_suggestion: u64,
    /// Last decision key logged per interest id (0 = cabin), to log on change only.
    status: BTreeMap<u32, String>,
    cabin_armed: bool,
    cabin_last_s: Option<f64>,
    /// The latest suggestion and when it was published (the voice answer window runs from it).
    last_suggestion: Option<(u64, f64)>,
    /// The answer that counted, per suggestion ("accepted by touch"); bounded like `history`.
    answered: BTreeMap<u64, String>,
}

/// A decision-log entry (what was decided, about which interest and POI, and why).
pub(crate) fn decision(
    what: &str,
    interest: Option<InterestKind>,
    poi_id: Option<u64>,
    reason: String,
) -> AgentDecision {
    AgentDecision {
        decision: what.into(),
        interest,
        poi_id,
        reason,
    }
}

impl Policy {
    pub fn new(config: PolicyConfig) -> Self {
        Policy {
            config,
            pending: None,
            served: BTreeSet::new(),
            declined_pois: VecDeque::new(),
            held: None,
            history: VecDeque::new(),
            next_suggestion: 1,
            status: BTreeMap::new(),
            cabin_armed: true,
            cabin_last_s: None,
            last_suggestion: None,
            answered: BTreeMap::new(),
        }
    }

    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// The proposal window ahead, seconds (longer for a drowsy driver).
    pub fn window_s(&self, gate: &DriverGate) -> f64 {
        if gate.drowsy() {
            self.config.propose_within_s * self.config.drowsy_window_factor
        } else {
            self.config.propose_within_s
        }
    }

    /// The detour budget multiplier now.
    pub fn budget_scale(&self, gate: &DriverGate) -> f64 {
        if gate.drowsy() {
            self.config.drowsy_budget_scale
        } else {
            1.0
        }
    }

    pub fn is_served(&self, interest_id: u32) -> bool {
        self.served.contains(&interest_id)
    }

    pub fn is_declined(&self, poi_id: u64) -> bool {
        self.declined_pois.contains(&poi_id)
    }

    pub fn awaiting_answer(&self) -> bool {
        self.pending.is_some()
    }

    /// Interests the policy would still act on (unserved, confident enough).
    pub fn actionable(&self, interest: &LiveInterest, confidence: f32) -> bool {
        !self.served.contains(&interest.id) && confidence >= self.config.min_confidence
    }

    fn log_once(
        &mut self,
        key_id: u32,
        key: String,
        d: AgentDecision,
        out: &mut Vec<AgentDecision>,
    ) {
        if self.status.get(&key_id) != Some(&key) {
            self.status.insert(key_id, key);
            out.push(d);
        }
    }

    fn new_suggestion(&mut self, proposal: Proposal) -> u64 {
        let id = self.next_suggestion;
        self.next_suggestion += 1;
        self.history.push_back(Proposal {
            suggestion_id: id,
            ..proposal
        });
        while self.history.len() > HISTORY {
            self.history.pop_front();
        }
        id
    }

    fn await_answer(&mut self, suggestion_id: u64, now_s: f64) {
        self.pending = Some(Pending {
            suggestion_id,
            at_s: now_s,
        });
        self.last_suggestion = Some((suggestion_id, now_s));
    }

    /// The id the next proposal will get.
    pub fn next_suggestion_id(&self) -> u64 {
        self.next_suggestion
    }

    /// Ends the wait for an answer after `response_timeout_s` (call before searching candidates, so
    /// the search runs in the same step the wait ends).
    pub fn expire_pending(&mut self, now_s: f64) -> Option<AgentDecision> {
        let p = self.pending.as_ref()?;
        if now_s - p.at_s < self.config.response_timeout_s {
            return None;
        }
        let d = decision(
            "no_answer",
            None,
            None,
            format!(
                "suggestion {} got no answer in {:.0} s; not repeated",
                p.suggestion_id, self.config.response_timeout_s
            ),
        );
        self.pending = None;
        Some(d)
    }

    /// Decides what to do at `s.now_s`. Returns the verdict and the decisions to log.
    pub fn evaluate(&mut self, s: &Situation<'_>) -> (Verdict, Vec<AgentDecision>) {
        let mut out = Vec::new();
        let now = s.now_s;
        // forget bookkeeping of interests that are gone (ids are never reused)
        let live_ids: BTreeSet<u32> = s.live.iter().map(|(i, _)| i.id).collect();
        self.served.retain(|id| live_ids.contains(id));
        self.status
            .retain(|id, _| *id == 0 || live_ids.contains(id));
        if let Some(co2) = s.co2_ppm {
            if co2 < self.config.co2_clear_ppm {
                self.cabin_armed = true;
            }
        }
        out.extend(self.expire_pending(now));
        if self.pending.is_some() {
            return (Verdict::Nothing, out);
        }
        let gate = s.gate.may_speak(now);

        // cabin action: a spoken "it's stuffy" or high CO2 with a tiring driver
        let spoken_air = s
            .live
            .iter()
            .find(|(i, c)| i.kind == InterestKind::FreshAir && self.actionable(i, *c));
        let co2_due = s.co2_ppm.is_some_and(|c| c >= self.config.co2_high_ppm)
            && s.gate.tired()
            && self.cabin_armed
            && self
                .cabin_last_s
                .is_none_or(|t| now - t >= self.config.cabin_repeat_s);
        if spoken_air.is_some() || co2_due {
            let (interest_id, why) = match spoken_air {
                Some((i, c)) => (
                    Some(i.id),
                    format!(
                        "the {} said the air is stale (confidence {c:.2})",
                        crate::interests::speaker_name(i.speaker)
                    ),
                ),
                None => (
                    None,
                    format!(
                        "CO2 {:.0} ppm (>= {:.0}) and the driver is tiring (KSS {:.1})",
                        s.co2_ppm.unwrap_or(0.0),
                        self.config.co2_high_ppm,
                        s.gate.kss()
                    ),
                ),
            };
            match &gate {
                Err(block) => {
                    let d = decision(
                        "held_back",
                        Some(InterestKind::FreshAir),
                        None,
                        format!("fresh air held back: {block}; wanted because {why}"),
                    );
                    let key: String = block
                        .chars()
                        .filter(|c| !c.is_ascii_digit() && *c != '.')
                        .collect();
                    self.log_once(0, format!("held:{key}"), d, &mut out);
                }
                Ok(()) => {
                    if let Some(id) = interest_id {
                        self.served.insert(id);
                    }
                    self.cabin_armed = false;
                    self.cabin_last_s = Some(now);
                    self.status.remove(&0);
                    let sid = self.new_suggestion(Proposal {
                        suggestion_id: 0,
                        interest_id,
                        interest: InterestKind::FreshAir,
                        poi: None,
                    });
                    self.await_answer(sid, now);
                    return (
                        Verdict::Cabin {
                            suggestion_id: sid,
                            interest_id,
                            action: "fresh_air".into(),
                            reason: format!("why: {why}; why now: driver attentive"),
                        },
                        out,
                    );
                }
            }
        }

        let best = s.ranked.iter().find(|r| {
            !self.served.contains(&r.interest_id)
                && !self.is_declined((s.poi_of)(r.candidate.poi).id)
        });
        let Some(best) = best else {
            if s.have_map {
                for (i, c) in s.live.iter() {
                    if !self.actionable(i, *c) || i.kind == InterestKind::FreshAir {
                        continue;
                    }
                    let closed = if s.closed > 0 {
                        format!(" ({} fitting POIs closed at arrival)", s.closed)
                    } else {
                        String::new()
                    };
                    let d = decision(
                        "waiting",
                        Some(i.kind),
                        None,
                        format!(
                            "{}: no matching POI open within {:.1} km ahead and the detour budget{closed}",
                            i.label(),
                            s.look_ahead_m / 1000.0
                        ),
                    );
                    self.log_once(i.id, "waiting".into(), d, &mut out);
                }
            }
            return (Verdict::Nothing, out);
        };
        let poi = (s.poi_of)(best.candidate.poi).clone();
        let interest = s
            .live
            .iter()
            .find(|(i, _)| i.id == best.interest_id)
            .map(|(i, _)| i.clone());
        let Some(interest) = interest else {
            return (Verdict::Nothing, out);
        };
        if let Err(block) = gate {
            // the first cause of a hold is kept (the distraction), not the settle wait after it
            let (since, cause) = match &self.held {
                Some(h) if h.interest_id == Some(interest.id) => (h.since_s, h.reason.clone()),
                _ => (now, block.clone()),
            };
            self.held = Some(Held {
                interest_id: Some(interest.id),
                since_s: since,
                reason: cause,
            });
            let d = decision(
                "held_back",
                Some(interest.kind),
                Some(poi.id),
                format!("{} for {}: held back, {block}", poi.name, interest.label()),
            );
            // logged when holding starts or its kind of reason changes, not at every update
            let key: String = block
                .chars()
                .filter(|c| !c.is_ascii_digit() && *c != '.')
                .collect();
            self.log_once(interest.id, format!("held:{key}:{}", poi.id), d, &mut out);
            return (Verdict::Nothing, out);
        }
        let held = self
            .held
            .take()
            .filter(|h| h.interest_id == Some(interest.id))
            .map(|h| format!("; held back {:.0} s before ({})", now - h.since_s, h.reason))
            .unwrap_or_default();
        let others: Vec<String> = s
            .ranked
            .iter()
            .filter(|r| r.candidate.poi != best.candidate.poi)
            .filter(|r| !self.is_declined((s.poi_of)(r.candidate.poi).id))
            .take(2)
            .map(|r| format!("{} ({:.2})", (s.poi_of)(r.candidate.poi).name, r.score))
            .collect();
        let alternatives = if others.is_empty() {
            String::new()
        } else {
            format!("; not chosen: {}", others.join(", "))
        };
        let drowsy = if s.gate.drowsy() {
            format!(", {} so proposed early", s.gate.describe_drowsiness())
        } else {
            String::new()
        };
        let reason = format!(
            "why this POI: {}; why now: exit in {:.0} s ({:.1} km), within the {:.0} s window{drowsy}, driver attentive{held}{alternatives}",
            best.why,
            best.candidate.eta_s,
            best.candidate.ahead_m / 1000.0,
            self.window_s(s.gate)
        );
        self.served.insert(interest.id);
        self.status.remove(&interest.id);
        let sid = self.new_suggestion(Proposal {
            suggestion_id: 0,
            interest_id: Some(interest.id),
            interest: interest.kind,
            poi: Some(poi),
        });
        self.await_answer(sid, now);
        (
            Verdict::Propose {
                suggestion_id: sid,
                ranked: best.clone(),
                reason,
            },
            out,
        )
    }

    /// A touch answer (the HMI's buttons) to a suggestion; see [`Policy::on_answer_by`].
    pub fn on_answer(
        &mut self,
        suggestion_id: u64,
        answer: Answer,
    ) -> Result<AnswerOutcome, AnswerRefused> {
        self.on_answer_by(suggestion_id, answer, AnswerHow::touch())
    }

    /// The driver's answer to a suggestion, by touch or voice. The first answer counts; a later one is
    /// refused with the decision that logs it. `Unknown` for an id that was never proposed.
    pub fn on_answer_by(
        &mut self,
        suggestion_id: u64,
        answer: Answer,
        how: AnswerHow,
    ) -> Result<AnswerOutcome, AnswerRefused> {
        let proposal = self
            .history
            .iter()
            .find(|p| p.suggestion_id == suggestion_id)
            .cloned()
            .ok_or_else(|| {
                AnswerRefused::Unknown(format!("no suggestion {suggestion_id} was made"))
            })?;
        let what = match &proposal.poi {
            Some(p) => format!("{} for {}", p.name, kind_name(proposal.interest)),
            None => "fresh air".to_string(),
        };
        let verb = match (answer, how.for_now) {
            (Answer::Accept, _) => "accepted",
            (Answer::Decline, false) => "declined",
            (Answer::Decline, true) => "declined for now",
        };
        if let Some(first) = self.answered.get(&suggestion_id) {
            return Err(AnswerRefused::AlreadyAnswered(decision(
                "answer_ignored",
                Some(proposal.interest),
                proposal.poi.as_ref().map(|p| p.id),
                format!(
                    "suggestion {suggestion_id} ({what}) was already {first}; {verb} {} ignored: the first answer counts",
                    how.describe()
                ),
            )));
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.suggestion_id == suggestion_id)
        {
            self.pending = None;
        }
        let by = how.describe();
        self.answered.insert(suggestion_id, format!("{verb} {by}"));
        while self.answered.len() > HISTORY {
            self.answered.pop_first();
        }
        let d = match answer {
            Answer::Accept => decision(
                "accepted",
                Some(proposal.interest),
                proposal.poi.as_ref().map(|p| p.id),
                format!("suggestion {suggestion_id} ({what}) accepted {by}"),
            ),
            Answer::Decline if how.for_now => decision(
                "declined",
                Some(proposal.interest),
                proposal.poi.as_ref().map(|p| p.id),
                format!(
                    "suggestion {suggestion_id} ({what}) declined for now {by}: this wish is closed, the place may be proposed again for a later one"
                ),
            ),
            Answer::Decline => {
                if let Some(p) = &proposal.poi {
                    if !self.declined_pois.contains(&p.id) {
                        self.declined_pois.push_back(p.id);
                        while self.declined_pois.len() > DECLINED_MAX {
                            self.declined_pois.pop_front();
                        }
                    }
                }
                decision(
                    "declined",
                    Some(proposal.interest),
                    proposal.poi.as_ref().map(|p| p.id),
                    format!(
                        "suggestion {suggestion_id} ({what}) declined {by}: remembered, not proposed again"
                    ),
                )
            }
        };
        Ok(AnswerOutcome {
            proposal,
            answer,
            how,
            decision: d,
        })
    }

    /// Is `u`, heard at `now_s`, an answer to the latest suggestion? See rule 6 of the module docs.
    pub fn hear(&self, now_s: f64, u: &Utterance) -> Heard {
        let Some(spoken) = read_answer(&u.text) else {
            return Heard::Speech(None);
        };
        let Some((sid, at_s)) = self.last_suggestion else {
            return Heard::Speech(None);
        };
        let duration = if u.duration_s.is_finite() {
            u.duration_s.max(0.0) as f64
        } else {
            0.0
        };
        let began = now_s - duration;
        let who = match u.speaker {
            Speaker::Unknown => "someone (speaker unknown)".to_string(),
            s => format!("the {}", speaker_name(s)),
        };
        let said = format!("{who} said \"{}\" (cue {})", u.text.trim(), spoken.cue);
        let not_an_answer = |why: String| {
            Heard::Speech(Some(decision(
                "not_an_answer",
                None,
                None,
                format!("{said}: {why}; read as ordinary speech"),
            )))
        };
        if began < at_s {
            return not_an_answer(format!(
                "began {:.1} s before suggestion {sid} was made",
                at_s - began
            ));
        }
        let after = now_s - at_s;
        if after > self.config.voice_answer_window_s {
            return not_an_answer(format!(
                "heard {after:.1} s after suggestion {sid}, outside the {:.0} s answer window",
                self.config.voice_answer_window_s
            ));
        }
        if u.speaker != Speaker::Driver && !self.config.passenger_voice_answers {
            return Heard::NotAllowed(decision(
                "answer_ignored",
                None,
                None,
                format!(
                    "{said} after suggestion {sid}: only the driver answers by voice (passenger_voice_answers is off)"
                ),
            ));
        }
        Heard::Answer {
            suggestion_id: sid,
            answer: spoken.answer,
            how: AnswerHow {
                source: ResponseSource::Voice { speaker: u.speaker },
                cue: Some(format!("{} in \"{}\"", spoken.cue, u.text.trim())),
                for_now: spoken.for_now,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poi::Candidate;
    use crate::policy::GateConfig;
    use cabin_bus::messages::{
        Alert, AlertKind, AlertLevel, DriverState, Drowsiness, GeoPoint, Monitoring, PoiCategory,
        Speaker,
    };

    fn interest(id: u32, kind: InterestKind) -> LiveInterest {
        LiveInterest {
            id,
            kind,
            offers: kind,
            detail: None,
            speaker: Speaker::Passenger,
            confidence: 0.9,
            since_s: 0.0,
            first_s: 0.0,
        }
    }

    fn ranked(interest_id: u32, poi: u32) -> Ranked {
        Ranked {
            interest_id,
            candidate: Candidate {
                poi,
                along_m: 5000.0,
                ahead_m: 4000.0,
                offset_m: 100.0,
                detour_m: 260.0,
                detour_s: 18.7,
                eta_s: 160.0,
                arrival_tod_s: 43_000.0,
            },
            score: 1.0,
            why: "test".into(),
        }
    }

    fn pois() -> Vec<Poi> {
        (0..2)
            .map(|i| Poi {
                id: 100 + i,
                name: format!("Cafe {i}"),
                category: PoiCategory::Coffee,
                position: GeoPoint::default(),
                brand: None,
                opening_hours: None,
            })
            .collect()
    }

    struct World {
        pois: Vec<Poi>,
        gate: DriverGate,
    }

    impl World {
        fn new() -> Self {
            World {
                pois: pois(),
                gate: DriverGate::new(GateConfig::default()),
            }
        }
        fn eval(
            &self,
            p: &mut Policy,
            now: f64,
            live: &[(LiveInterest, f32)],
            ranked: &[Ranked],
            co2: Option<f32>,
        ) -> (Verdict, Vec<AgentDecision>) {
            let poi_of = |i: u32| &self.pois[i as usize];
            p.evaluate(&Situation {
                now_s: now,
                live,
                ranked,
                poi_of: &poi_of,
                gate: &self.gate,
                co2_ppm: co2,
                look_ahead_m: 6000.0,
                closed: 0,
                have_map: true,
            })
        }
    }

    #[test]
    fn one_suggestion_per_interest_and_one_at_a_time() {
        let w = World::new();
        let mut p = Policy::new(PolicyConfig::default());
        let live = [(interest(1, InterestKind::Coffee), 0.9)];
        let r = [ranked(1, 0)];
        let (v, _) = w.eval(&mut p, 10.0, &live, &r, None);
        assert!(matches!(
            v,
            Verdict::Propose {
                suggestion_id: 1,
                ..
            }
        ));
        // waiting for the answer: nothing else, not even for another interest
        let both = [live[0].clone(), (interest(2, InterestKind::Coffee), 0.9)];
        let r2 = [ranked(1, 0), ranked(2, 1)];
        assert_eq!(w.eval(&mut p, 20.0, &both, &r2, None).0, Verdict::Nothing);
        // no answer after 60 s: interest 1 is never proposed again, interest 2 may be
        let (v, d) = w.eval(&mut p, 71.0, &both, &r2, None);
        assert!(d.iter().any(|d| d.decision == "no_answer"));
        match v {
            Verdict::Propose { ranked, .. } => assert_eq!(ranked.interest_id, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_declined_poi_is_never_proposed_again() {
        let w = World::new();
        let mut p = Policy::new(PolicyConfig::default());
        let live = [(interest(1, InterestKind::Coffee), 0.9)];
        assert!(matches!(
            w.eval(&mut p, 10.0, &live, &[ranked(1, 0)], None).0,
            Verdict::Propose { .. }
        ));
        let out = p.on_answer(1, Answer::Decline).expect("known suggestion");
        assert_eq!(out.decision.decision, "declined");
        assert!(p.is_declined(100));
        assert!(p.on_answer(7, Answer::Accept).is_err());
        // a new coffee interest: the declined cafe is skipped, the other one is proposed
        let live = [(interest(2, InterestKind::Coffee), 0.9)];
        let (v, _) = w.eval(&mut p, 30.0, &live, &[ranked(2, 0), ranked(2, 1)], None);
        match v {
            Verdict::Propose { ranked, .. } => assert_eq!(ranked.candidate.poi, 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn held_back_while_distracted_then_proposed_with_the_reason() {
        let mut w = World::new();
        let mut p = Policy::new(PolicyConfig::default());
        let live = [(interest(1, InterestKind::Coffee), 0.9)];
        let alert = |level| Alert {
            kind: AlertKind::PhoneUse,
            level,
            reason: "x".into(),
        };
        w.gate.on_alert(&alert(AlertLevel::Warning), 5.0);
        let (v, d) = w.eval(&mut p, 10.0, &live, &[ranked(1, 0)], None);
        assert_eq!(v, Verdict::Nothing);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].decision, "held_back");
        // logged once, not at every update
        assert!(w
            .eval(&mut p, 10.5, &live, &[ranked(1, 0)], None)
            .1
            .is_empty());
        w.gate.on_alert(&alert(AlertLevel::Cleared), 20.0);
        assert_eq!(
            w.eval(&mut p, 21.0, &live, &[ranked(1, 0)], None).0,
            Verdict::Nothing
        );
        match w.eval(&mut p, 23.5, &live, &[ranked(1, 0)], None).0 {
            Verdict::Propose { reason, .. } => {
                assert!(
                    reason.contains("held back 14 s before (phone use alert"),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fresh_air_rearms_only_after_the_air_clears() {
        let mut w = World::new();
        let tired = DriverState {
            valid: true,
            monitoring: Monitoring::Available,
            distraction: Default::default(),
            drowsiness: Drowsiness {
                kss: 6.5,
                ..Default::default()
            },
            unresponsive: false,
            heart_rate_bpm: None,
            hrv_rmssd_ms: None,
            speed_mps: 20.0,
            calibration: 1.0,
        };
        w.gate.on_driver_state(&tired, 0.0);
        let mut p = Policy::new(PolicyConfig::default());
        assert!(matches!(
            w.eval(&mut p, 1.0, &[], &[], Some(1300.0)).0,
            Verdict::Cabin { .. }
        ));
        p.on_answer(1, Answer::Accept).expect("answer");
        // the monitor publishes again before each evaluation (a state older than 2 s holds the agent,
        // and after such a quiet period the settle time runs from the first new state)
        for t in 1995..=2000 {
            w.gate.on_driver_state(&tired, t as f64);
        }
        // still high, still within the repeat time: no second offer
        assert_eq!(
            w.eval(&mut p, 2000.0, &[], &[], Some(1300.0)).0,
            Verdict::Nothing
        );
        // cleared, then high again after the repeat time
        w.gate.on_driver_state(&tired, 2001.0);
        assert_eq!(
            w.eval(&mut p, 2001.0, &[], &[], Some(900.0)).0,
            Verdict::Nothing
        );
        w.gate.on_driver_state(&tired, 2002.0);
        assert!(matches!(
            w.eval(&mut p, 2002.0, &[], &[], Some(1300.0)).0,
            Verdict::Cabin { .. }
        ));
    }
}
