//! The score report: serialisable (`cabin score --json`, for CI) and printable as a table.

use super::frames::{zone_name, FrameScore, ZONES};
use super::stats::ErrorStats;
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
    /// The earliest protocol time: the first instant a correct alert can come (see
    /// `score::protocol`). `None`: the script never meets the protocol's condition, so the episode
    /// cannot be detected and is left out of the detection count.
    pub earliest_s: Option<f64>,
    /// The rule behind `earliest_s`, with its source.
    pub protocol: String,
    pub detected: bool,
    pub alert: Option<AlertKind>,
    pub alert_at_s: Option<f64>,
    /// Alert time minus episode start.
    pub latency_s: Option<f64>,
    /// Alert time minus the earliest protocol time (>= 0).
    pub protocol_latency_s: Option<f64>,
}

impl EpisodeScore {
    /// Whether the script meets the protocol's condition, so that the episode can be detected.
    pub fn scorable(&self) -> bool {
        self.earliest_s.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertOnset {
    pub at_s: f64,
    pub kind: AlertKind,
    pub level: AlertLevel,
    pub reason: String,
    /// For a false alert raised during an episode of its kind but before the episode's earliest
    /// protocol time: that episode and the rule (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub premature_for: Option<String>,
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
    /// Frame-by-frame perception metrics (`null` when perception answered no camera frame).
    pub frames: Option<FrameScore>,
}

impl ScoreReport {
    pub fn detected(&self) -> usize {
        self.episodes.iter().filter(|e| e.detected).count()
    }

    /// Episodes whose protocol condition the script meets (the detection count's denominator).
    pub fn scorable(&self) -> usize {
        self.episodes.iter().filter(|e| e.scorable()).count()
    }

    /// Every scorable episode detected, no false alerts, every expected suggestion made, nothing
    /// unreadable.
    pub fn passed(&self) -> bool {
        self.detected() == self.scorable()
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
            "{:<20} {:>7} {:>7} {:>9}  {:<9} {:<20} {:>8} {:>9}  detail",
            "episode", "start", "end", "earliest", "result", "alert", "latency", "after it"
        );
        for e in &self.episodes {
            let earliest = e.earliest_s.map_or("never".into(), |x| format!("{x:.2}s"));
            let (result, alert, latency, after) =
                match (e.detected, e.alert, e.latency_s, e.protocol_latency_s) {
                    (true, Some(a), Some(l), p) => (
                        "detected",
                        format!("{a:?}"),
                        format!("{l:.2} s"),
                        p.map_or("-".into(), |p| format!("{p:.2} s")),
                    ),
                    _ if !e.scorable() => {
                        ("n/a", "protocol not met".into(), "-".into(), "-".into())
                    }
                    _ => (
                        "MISSED",
                        format!("want {}", kinds(&e.expected)),
                        "-".into(),
                        "-".into(),
                    ),
                };
            let _ = writeln!(
                o,
                "{:<20} {:>6.1}s {:>6.1}s {:>9}  {:<9} {:<20} {:>8} {:>9}  {}",
                e.kind.label(),
                e.start_s,
                e.end_s,
                earliest,
                result,
                alert,
                latency,
                after,
                e.detail
            );
        }
        let _ = writeln!(
            o,
            "(earliest = the earliest protocol time: an alert of the episode's kind before it is a false alert)"
        );
        let unscorable = self.episodes.len() - self.scorable();
        if unscorable > 0 {
            let _ = writeln!(
                o,
                "{unscorable} episode(s) never meet their protocol's condition in the script: not counted"
            );
        }
        let _ = writeln!(
            o,
            "\ndetected {}/{} episodes; {} false alert(s) in {:.1} min of normal driving = {:.1} per hour",
            self.detected(),
            self.scorable(),
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
            if let Some(p) = &f.premature_for {
                let _ = writeln!(o, "      premature: during {p}");
            }
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
        if let Some(f) = &self.frames {
            o.push_str(&frames_table(f));
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

fn opt(x: Option<f64>, unit: &str) -> String {
    x.map_or("-".into(), |x| format!("{x:.2}{unit}"))
}

fn error_line(name: &str, e: &ErrorStats, unit: &str) -> String {
    format!(
        "  {name:<14} mean |err| {:>9}  p95 |err| {:>9}  bias {:>9}  ({} frames)\n",
        opt(e.mean_abs, unit),
        opt(e.p95_abs, unit),
        opt(e.bias, unit),
        e.frames
    )
}

/// The frame metrics as text.
pub fn frames_table(f: &FrameScore) -> String {
    let mut o = String::new();
    let p = &f.presence;
    let _ = writeln!(
        o,
        "\nframes: {} scored ({} answered, {} dropped, {} outputs off the camera clock); truth from {}",
        f.frames,
        f.observed,
        f.dropped,
        f.unmatched_observations,
        match f.truth {
            super::frames::TruthSource::GroundTruthTopic => "sim/ground_truth",
            super::frames::TruthSource::ScenarioScript => "the scenario script",
        }
    );
    let _ = writeln!(
        o,
        "  face presence  precision {}  recall {}  (tp {} fp {} fn {} tn {}; dropped frames count as misses)",
        opt(p.precision, ""),
        opt(p.recall, ""),
        p.true_positive,
        p.false_positive,
        p.false_negative,
        p.true_negative
    );
    o.push_str(&error_line("head yaw", &f.head_pose.yaw, "°"));
    o.push_str(&error_line("head pitch", &f.head_pose.pitch, "°"));
    o.push_str(&error_line("head roll", &f.head_pose.roll, "°"));
    o.push_str(&error_line("left closure", &f.eye_closure.left, ""));
    o.push_str(&error_line("right closure", &f.eye_closure.right, ""));
    let g = &f.gaze;
    let _ = writeln!(
        o,
        "  gaze zone      accuracy {} ({}/{} frames with the face in view); rows truth, columns perceived:",
        opt(g.accuracy, ""),
        g.correct,
        g.frames
    );
    // Only the zones that occur, so the matrix fits a terminal.
    let used: Vec<usize> = (0..ZONES.len())
        .filter(|&i| (0..ZONES.len()).any(|j| g.confusion[i][j] + g.confusion[j][i] > 0))
        .collect();
    let short = |i: usize| {
        let n = zone_name(ZONES[i]);
        n.chars().take(8).collect::<String>()
    };
    let _ = write!(o, "  {:<18}", "");
    for &j in &used {
        let _ = write!(o, " {:>8}", short(j));
    }
    o.push('\n');
    for &i in &used {
        let _ = write!(o, "  {:<18}", zone_name(ZONES[i]));
        for &j in &used {
            let _ = write!(o, " {:>8}", g.confusion[i][j]);
        }
        o.push('\n');
    }
    o
}
