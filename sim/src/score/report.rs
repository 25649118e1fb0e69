//! The score report: serialisable (`cabin score --json`, for CI) and printable as a table.

use crate::scenario::{EpisodeKind, SuggestionExpectation};
use cabin_bus::messages::{AlertKind, AlertLevel, InterestKind};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpisodeScore {
    pub kind: EpisodeKind,
    pub start_s: f64,
    pub end_s: f64,
    pub detail: String,
    /// Line of the scenario entry.
    pub line: usize,
    /// Alert kinds that count as detecting it.
    pub expected: Vec<AlertKind>,
    /// The earliest a correct alert can come (a long distraction only after its threshold).
    pub earliest_s: f64,
    pub detected: bool,
    pub alert: Option<AlertKind>,
    pub alert_at_s: Option<f64>,
    /// Alert time minus episode start.
    pub latency_s: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertOnset {
    pub at_s: f64,
    pub kind: AlertKind,
    pub level: AlertLevel,
    pub reason: String,
}

/// An alert raised during an episode that did not call for that kind of alert.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnexpectedAlert {
    pub onset: AlertOnset,
    pub during: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuggestionScore {
    pub at_s: f64,
    pub interest: InterestKind,
    /// The POI's name (or `cabin: <action>`).
    pub poi: Option<String>,
    pub distance_m: Option<f64>,
    pub text: String,
    /// The episode in force when it was made (a suggestion to a distracted driver is a finding).
    pub during_episode: Option<String>,
    /// Seconds since the last scripted utterance, and what it was.
    pub since_utterance_s: Option<f64>,
    pub after_utterance: Option<String>,
}

/// An expected suggestion and whether it was made (in JSON, the expectation's fields come first,
/// side by side with `met` and `at_s`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationScore {
    #[serde(flatten)]
    pub expected: SuggestionExpectation,
    pub met: bool,
    pub at_s: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreReport {
    pub scenario: String,
    pub scenario_file: String,
    pub events_file: Option<String>,
    pub duration_s: f64,
    /// Vehicle time of the last event (a run cut short shows here).
    pub events_end_s: f64,
    pub events: u64,
    pub grace_s: f64,
    pub episodes: Vec<EpisodeScore>,
    /// Drive time outside every episode window.
    pub normal_driving_s: f64,
    pub false_alerts: Vec<AlertOnset>,
    pub false_alerts_per_hour: f64,
    pub unexpected_alerts: Vec<UnexpectedAlert>,
    pub suggestions: Vec<SuggestionScore>,
    pub expectations: Vec<ExpectationScore>,
    /// Event lines that could not be read (first 20).
    pub bad_lines: Vec<String>,
}

impl ScoreReport {
    pub fn detected(&self) -> usize {
        self.episodes.iter().filter(|e| e.detected).count()
    }

    /// Everything detected, no false alerts, every expected suggestion made, nothing unreadable.
    pub fn passed(&self) -> bool {
        self.detected() == self.episodes.len()
            && self.false_alerts.is_empty()
            && self.expectations.iter().all(|x| x.met)
            && self.bad_lines.is_empty()
    }

    /// A readable table.
    pub fn table(&self) -> String {
        let mut o = String::new();
        let src = self.events_file.as_deref().unwrap_or("this run");
        let _ = writeln!(
            o,
            "score: scenario '{}' ({}), events from {src}",
            self.scenario, self.scenario_file
        );
        let _ = writeln!(
            o,
            "{} events up to {:.1} s of a {:.1} s drive; alerts count up to {:.1} s after an episode\n",
            self.events, self.events_end_s, self.duration_s, self.grace_s
        );
        let _ = writeln!(
            o,
            "{:<20} {:>7} {:>7}  {:<9} {:<20} {:>8}  detail",
            "episode", "start", "end", "result", "alert", "latency"
        );
        for e in &self.episodes {
            let (result, alert, latency) = match (e.detected, e.alert, e.latency_s) {
                (true, Some(a), Some(l)) => ("detected", format!("{a:?}"), format!("{l:.2} s")),
                _ => ("MISSED", format!("want {}", kinds(&e.expected)), "-".into()),
            };
            let _ = writeln!(
                o,
                "{:<20} {:>6.1}s {:>6.1}s  {:<9} {:<20} {:>8}  {}",
                e.kind.label(),
                e.start_s,
                e.end_s,
                result,
                alert,
                latency,
                e.detail
            );
        }
        let _ = writeln!(
            o,
            "\ndetected {}/{} episodes; {} false alert(s) in {:.1} min of normal driving = {:.1} per hour",
            self.detected(),
            self.episodes.len(),
            self.false_alerts.len(),
            self.normal_driving_s / 60.0,
            self.false_alerts_per_hour
        );
        for f in &self.false_alerts {
            let _ = writeln!(
                o,
                "  false alert at {:>6.1}s: {:?} ({:?}) {}",
                f.at_s, f.kind, f.level, f.reason
            );
        }
        for u in &self.unexpected_alerts {
            let _ = writeln!(
                o,
                "  other alert at {:>6.1}s during {}: {:?} {}",
                u.onset.at_s,
                u.during.join("+"),
                u.onset.kind,
                u.onset.reason
            );
        }
        let _ = writeln!(o, "\nsuggestions: {}", self.suggestions.len());
        for s in &self.suggestions {
            let _ = writeln!(
                o,
                "  {:>6.1}s {:?} {}{}{}: \"{}\"",
                s.at_s,
                s.interest,
                s.poi.as_deref().unwrap_or("-"),
                s.distance_m
                    .map_or(String::new(), |d| format!(" ({d:.0} m ahead)")),
                match (&s.since_utterance_s, &s.during_episode) {
                    (_, Some(ep)) => format!(", DURING {ep}"),
                    (Some(dt), None) => format!(", {dt:.0} s after the last remark"),
                    _ => String::new(),
                },
                s.text
            );
        }
        for score in &self.expectations {
            let x = &score.expected;
            let _ = writeln!(
                o,
                "  expected {:?}{} between {:.0} and {:.0} s: {}",
                x.interest,
                x.poi.as_ref().map_or(String::new(), |p| format!(" at {p}")),
                x.after_s,
                x.before_s,
                match score.at_s {
                    Some(t) => format!("made at {t:.1} s"),
                    None => "NOT MADE".into(),
                }
            );
        }
        if !self.bad_lines.is_empty() {
            let _ = writeln!(o, "\nunreadable event lines (skipped):");
            for l in &self.bad_lines {
                let _ = writeln!(o, "  {l}");
            }
        }
        o
    }
}

fn kinds(k: &[AlertKind]) -> String {
    k.iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join("|")
}
