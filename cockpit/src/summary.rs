//! The readable live summary of a run: a progress line while it runs, and what happened at the end
//! (alerts, suggestions, diagnostics, counts per topic). Wall-clock figures live only here and in the
//! metrics file, never in the events log.

use cabin_bus::messages::{AlertLevel, Message, Monitoring, Severity};
use cabin_bus::{Sample, SimTime, TopicId};
use indicatif::{ProgressBar, ProgressStyle};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    counts: BTreeMap<TopicId, u64>,
    now: SimTime,
    driver: String,
    alerts: Vec<String>,
    suggestions: Vec<String>,
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
            Message::Suggestion(x) => st.suggestions.push(format!(
                "{} [{}] \"{}\" ({})",
                t(now),
                x.phrased_by,
                x.text,
                x.reason
            )),
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
        for s in &st.suggestions {
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
        out
    }

    pub fn count(&self, topic: TopicId) -> u64 {
        self.state.lock().counts.get(&topic).copied().unwrap_or(0)
    }
}
