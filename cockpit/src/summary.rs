//! The readable live summary of a run: a progress line while it runs, and what happened at the end
//! (alerts, suggestions, diagnostics, counts per topic). Wall-clock figures live only here and in the
//! metrics file, never in the events log.
//!
//! Latency of spoken requests (issue 13, item 6): for each transcribed utterance, the wall-clock time
//! from the end of the speech to the agent's first decision after it, and to a suggestion that follows
//! it (its first message: with streaming, the first words the HMI starts saying). The end of the speech is when the last audio chunk with speech in it was published (peak above
//! [`VOICED_PEAK`]): the audio is published at wall-clock pace with `--speed 1`, so that is when the
//! speaker stopped, to within one chunk (100 ms by default). At `--speed max` the audio arrives faster
//! than real time and the figure is the processing time only.

use cabin_bus::messages::{AlertLevel, Message, Monitoring, Severity, UtteranceSource};
use cabin_bus::{Sample, SimTime, TopicId};
use indicatif::{ProgressBar, ProgressStyle};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An audio chunk whose peak is above this has speech in it (speech is synthesised at a peak of 0.5 by
/// default; the cabin noise floor of the scenarios is at most 0.05).
pub const VOICED_PEAK: f32 = 0.1;

/// A decision more than this long after an utterance is not about it, seconds. The agent decides in
/// the step that reads the utterance, but publishes that step's decisions only after phrasing a
/// proposal made in it (the local model's budget is 8 s), so the window is the suggestion's.
const DECISION_WITHIN_S: f64 = 10.0;

/// A suggestion more than this long after an utterance is not its answer, seconds (the agent's
/// phrasing budget is 8 s; a stop found later by a vehicle update is not a reply to the request).
const SUGGESTION_WITHIN_S: f64 = 10.0;

/// A transcribed request waiting for what the agent makes of it.
struct Request {
    /// When the speech ended (the last voiced audio chunk) and when the transcript was published.
    speech_end: Instant,
    heard: Instant,
    /// When the agent's first decision after the transcript was published (`None`: not decided yet).
    decided_at: Option<Instant>,
    suggested: bool,
}

/// Wall-clock latencies of spoken requests, seconds.
#[derive(Default)]
struct Latency {
    last_voiced: Option<Instant>,
    open: Option<Request>,
    to_transcript: Vec<f64>,
    to_decision: Vec<f64>,
    to_suggestion: Vec<f64>,
    /// From the decision to the suggestion's first message: the agent's phrasing alone, without the
    /// speech node's part (which the machine's load moves most).
    decision_to_suggestion: Vec<f64>,
    /// Suggestion ids seen.
    suggestion_ids: std::collections::BTreeSet<u64>,
}

impl Latency {
    fn observe(&mut self, message: &Message, topic: TopicId, wall: Instant) {
        match message {
            Message::AudioChunk(a) => {
                let peak = a.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                if peak > VOICED_PEAK {
                    self.last_voiced = Some(wall);
                }
            }
            Message::Utterance(u)
                if topic == TopicId::Utterance && u.source == UtteranceSource::SpeechToText =>
            {
                if let Some(end) = self.last_voiced {
                    self.to_transcript.push((wall - end).as_secs_f64());
                    self.open = Some(Request {
                        speech_end: end,
                        heard: wall,
                        decided_at: None,
                        suggested: false,
                    });
                }
            }
            Message::AgentDecision(_) => {
                if let Some(r) = self.open.as_mut() {
                    if r.decided_at.is_none() && (wall - r.heard).as_secs_f64() <= DECISION_WITHIN_S
                    {
                        r.decided_at = Some(wall);
                        self.to_decision.push((wall - r.speech_end).as_secs_f64());
                    }
                }
            }
            Message::Suggestion(s) => {
                // the FIRST message of a suggestion id is when the driver starts hearing it (a
                // streamed one's first words); its later messages are not new suggestions
                if !self.suggestion_ids.insert(s.id) {
                    return;
                }
                if let Some(r) = self.open.as_mut() {
                    if !r.suggested && (wall - r.heard).as_secs_f64() <= SUGGESTION_WITHIN_S {
                        r.suggested = true;
                        self.to_suggestion.push((wall - r.speech_end).as_secs_f64());
                        if let Some(d) = r.decided_at {
                            self.decision_to_suggestion.push((wall - d).as_secs_f64());
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// "p50 412 ms, p99 640 ms (n = 12)" (nearest-rank percentiles).
    fn describe(v: &[f64]) -> String {
        if v.is_empty() {
            return "none measured".into();
        }
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        format!(
            "p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (n = {})",
            rank(0.50) * 1000.0,
            rank(0.99) * 1000.0,
            v[v.len() - 1] * 1000.0,
            v.len()
        )
    }

    fn render(&self, out: &mut String) {
        if self.to_transcript.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "
spoken requests, wall clock from the end of speech (meaningful at --speed 1):"
        );
        let _ = writeln!(
            out,
            "  to the transcript  {}",
            Self::describe(&self.to_transcript)
        );
        let _ = writeln!(
            out,
            "  to a decision      {}",
            Self::describe(&self.to_decision)
        );
        let _ = writeln!(
            out,
            "  to a suggestion    {}",
            Self::describe(&self.to_suggestion)
        );
        let _ = writeln!(
            out,
            "  decision -> suggestion {}",
            Self::describe(&self.decision_to_suggestion)
        );
    }
}

#[derive(Default)]
struct State {
    latency: Latency,
    counts: BTreeMap<TopicId, u64>,
    now: SimTime,
    driver: String,
    alerts: Vec<String>,
    /// One line per suggestion id: (id, first published, line).
    suggestions: Vec<(u64, SimTime, String)>,
    utterances: Vec<String>,
    diagnostics: BTreeMap<String, u64>,
    errors: Vec<String>,
}

/// Collects what a run did, for people. Clone it to share between the observer and the caller.
#[derive(Clone)]
pub struct Summary {
    state: Arc<Mutex<State>>,
    bar: Option<ProgressBar>,
    last_draw: Arc<Mutex<Instant>>,
}

fn t(s: SimTime) -> String {
    s.to_string()
}

impl Summary {
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b
        });
        Summary {
            state: Arc::default(),
            bar,
            last_draw: Arc::new(Mutex::new(Instant::now())),
        }
    }

    /// Records a sample (called for every published sample, in order).
    pub fn observe(&self, s: &Sample) {
        let mut st = self.state.lock();
        *st.counts.entry(s.topic).or_default() += 1;
        st.now = st.now.max(s.header.stamp);
        let now = s.header.stamp;
        st.latency.observe(&s.message, s.topic, Instant::now());
        match &s.message {
            Message::DriverState(d) => {
                let mon = match &d.monitoring {
                    Monitoring::Available => "monitoring".to_string(),
                    Monitoring::Calibrating { progress } => {
                        format!("calibrating {:.0}%", progress * 100.0)
                    }
                    Monitoring::Unavailable { reason } => format!("CANNOT MONITOR ({reason})"),
                };
                let hr = d.heart_rate_bpm.map_or("-".into(), |h| format!("{h:.0}"));
                st.driver = format!(
                    "{mon}, KSS {:.1}, eyes off road {:.1}s, HR {hr}, {:.0} km/h",
                    d.drowsiness.kss,
                    d.distraction.eyes_off_road_s,
                    d.speed_mps * 3.6
                );
            }
            Message::Alert(a) => {
                let verb = if a.level == AlertLevel::Cleared {
                    "cleared"
                } else {
                    "RAISED"
                };
                st.alerts.push(format!(
                    "{} {verb} {:?} {:?}: {}",
                    t(now),
                    a.kind,
                    a.level,
                    a.reason
                ));
            }
            Message::Suggestion(x) => {
                // a streamed suggestion comes twice under one id (its first words, then the whole
                // sentence): the line shows the last, at the time of the first
                let line = |at: SimTime| {
                    format!("{} [{}] \"{}\" ({})", t(at), x.phrased_by, x.text, x.reason)
                };
                match st.suggestions.iter_mut().find(|(id, _, _)| *id == x.id) {
                    Some((_, at, text)) => *text = line(*at),
                    None => st.suggestions.push((x.id, now, line(now))),
                }
            }
            Message::Utterance(u) if s.topic == TopicId::Utterance => {
                st.utterances
                    .push(format!("{} {:?}: \"{}\"", t(now), u.speaker, u.text))
            }
            Message::Diagnostic(d) => {
                let kind = serde_json::to_value(&d.kind)
                    .ok()
                    .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
                    .unwrap_or_default();
                let key = format!("{:?} {kind}", d.severity);
                *st.diagnostics.entry(key).or_default() += 1;
                if d.severity == Severity::Error && st.errors.len() < 20 {
                    st.errors.push(format!("{} {}", t(now), d.message));
                }
            }
            _ => {}
        }
        drop(st);
        if let Some(bar) = &self.bar {
            let mut last = self.last_draw.lock();
            if last.elapsed() >= Duration::from_millis(250) {
                *last = Instant::now();
                let st = self.state.lock();
                let frames = st.counts.get(&TopicId::Camera).copied().unwrap_or(0);
                bar.set_message(format!(
                    "sim {} | frames {frames} | alerts {} | suggestions {} | {}",
                    t(st.now),
                    st.alerts.iter().filter(|a| a.contains("RAISED")).count(),
                    st.suggestions.len(),
                    st.driver
                ));
                bar.tick();
            }
        }
    }

    /// The end-of-run report.
    pub fn render(&self, wall: Duration) -> String {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let st = self.state.lock();
        let mut out = String::new();
        let sim = st.now.as_secs_f64();
        let _ = writeln!(
            out,
            "ran {} of sim time in {:.1} s wall ({:.1}x real time)",
            t(st.now),
            wall.as_secs_f64(),
            if wall.as_secs_f64() > 0.0 {
                sim / wall.as_secs_f64()
            } else {
                0.0
            }
        );
        let _ = writeln!(out, "\nmessages per topic:");
        for (topic, n) in &st.counts {
            let _ = writeln!(out, "  {:<28} {n:>8}", topic.path());
        }
        let _ = writeln!(out, "\nutterances ({}):", st.utterances.len());
        for u in &st.utterances {
            let _ = writeln!(out, "  {u}");
        }
        let _ = writeln!(out, "\nalerts ({}):", st.alerts.len());
        for a in &st.alerts {
            let _ = writeln!(out, "  {a}");
        }
        let _ = writeln!(out, "\nsuggestions ({}):", st.suggestions.len());
        for (_, _, s) in &st.suggestions {
            let _ = writeln!(out, "  {s}");
        }
        if !st.diagnostics.is_empty() {
            let _ = writeln!(out, "\ndiagnostics:");
            for (k, n) in &st.diagnostics {
                let _ = writeln!(out, "  {k:<40} {n:>6}");
            }
            for e in &st.errors {
                let _ = writeln!(out, "  error: {e}");
            }
        }
        st.latency.render(&mut out);
        out
    }

    pub fn count(&self, topic: TopicId) -> u64 {
        self.state.lock().counts.get(&topic).copied().unwrap_or(0)
    }
}
