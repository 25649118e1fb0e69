//! Scoring a run against the scenario's ground truth: did my change make the driver monitor better
//! or worse?
//!
//! For each scripted episode (long distraction, visual time sharing, drowsiness, microsleep, camera
//! blocked, driver out of view): whether an alert of a matching kind came between the episode's
//! earliest protocol time ([`protocol`]: e.g. 3 s into a long distraction) and its end plus a grace
//! period, and how long after the start and after that earliest time. Alerts raised before an
//! episode's earliest protocol time, or outside every episode window, are false alerts ([`alerts`]),
//! reported per hour of normal driving (drive time outside every episode window).
//!
//! Per camera frame ([`frames`]): face presence precision/recall, head yaw/pitch/roll and per-eye
//! closure errors (mean, p95, bias), the gaze-zone confusion matrix and accuracy. [`write_report`]
//! writes the whole score as Markdown with SVG plots. Suggestions are listed with their
//! time, the episode in force (a suggestion while the driver is distracted is a finding) and the time
//! since the last scripted utterance, and checked against the scenario's `[[expect.suggestion]]`.
//!
//! The input is the events log `cabin run` / `cabin replay` write (JSON Lines, parsed with
//! `EventLog::parse_line`); a malformed line is reported and skipped, never fatal.

mod alerts;
mod dossier;
pub mod frames;
mod plots;
pub mod protocol;
mod report;
pub mod stats;

pub use dossier::write_report;
pub use frames::FrameScore;
pub use report::{
    frames_table, AlertOnset, EpisodeScore, ExpectationScore, ScoreReport, SuggestionScore,
    UnexpectedAlert,
};

use crate::error::{Result, SimError};
use crate::scenario::Scenario;
use cabin_bus::messages::{Suggestion, SuggestionAction};
use cabin_bus::runtime::EventLog;
use cabin_bus::sample::Sample;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Scores the events log at `events` against `scenario`.
pub fn score(scenario: &Scenario, events: &Path) -> Result<ScoreReport> {
    let file = std::fs::File::open(events).map_err(|e| SimError::io(events, e))?;
    let mut samples = Vec::new();
    let mut bad_lines = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| SimError::io(events, e))?;
        if line.trim().is_empty() {
            continue;
        }
        match EventLog::parse_line(&line) {
            Ok(s) => samples.push(s),
            Err(e) => {
                if bad_lines.len() < 20 {
                    bad_lines.push(format!("{}:{}: {e}", events.display(), i + 1));
                }
                tracing::warn!(file = %events.display(), line = i + 1, "unreadable event: {e}");
            }
        }
    }
    let mut report = score_samples(scenario, &samples);
    report.events_file = Some(events.display().to_string());
    report.bad_lines = bad_lines;
    Ok(report)
}

/// Scores samples already in memory (the derived outputs of a run, in order; `sim/ground_truth`
/// samples among them are used as the frames' truth and not counted as events).
pub fn score_samples(scenario: &Scenario, samples: &[Sample]) -> ScoreReport {
    let grace = scenario.scoring.grace_s;
    let episodes = scenario.episodes();
    let raised = alerts::raised(samples);
    let episode_scores = alerts::score_episodes(scenario, episodes, &raised);
    let (false_alerts, unexpected) =
        alerts::classify(&alerts::onsets(samples), &episode_scores, grace);
    let covered = union_length(
        episodes
            .iter()
            .map(|e| {
                (
                    e.start_s.max(0.0),
                    (e.end_s + grace).min(scenario.duration_s),
                )
            })
            .collect(),
    );
    let normal_driving_s = (scenario.duration_s - covered).max(0.0);
    let false_alerts_per_hour = if normal_driving_s > 0.0 {
        false_alerts.len() as f64 / (normal_driving_s / 3600.0)
    } else {
        0.0
    };

    let suggestions: Vec<SuggestionScore> = one_per_id(samples)
        .into_iter()
        .map(|(t, g)| {
            let poi = match &g.action {
                SuggestionAction::Stop { poi, .. } => Some(poi.name.clone()),
                SuggestionAction::Cabin { action } => Some(format!("cabin: {action}")),
            };
            let distance_m = match &g.action {
                SuggestionAction::Stop { distance_m, .. } => Some(*distance_m),
                _ => None,
            };
            let during = episodes
                .iter()
                .filter(|e| t >= e.start_s && t <= e.end_s)
                .map(|e| e.kind.label().to_string())
                .next();
            let since = scenario
                .conversation
                .iter()
                .rev()
                .find(|u| u.at_s <= t)
                .map(|u| (t - u.at_s, u.text.clone()));
            SuggestionScore {
                at_s: t,
                interest: g.interest,
                poi,
                distance_m,
                text: g.text.clone(),
                during_episode: during,
                since_utterance_s: since.as_ref().map(|s| ms(s.0)),
                after_utterance: since.map(|s| s.1),
            }
        })
        .collect();
    let expectations = scenario
        .expectations
        .iter()
        .map(|x| {
            let hit = suggestions.iter().find(|s| {
                s.interest == x.interest
                    && s.at_s >= x.after_s
                    && s.at_s <= x.before_s
                    && x.poi
                        .as_ref()
                        .is_none_or(|p| s.poi.as_deref() == Some(p.as_str()))
            });
            ExpectationScore {
                expected: x.clone(),
                met: hit.is_some(),
                at_s: hit.map(|s| s.at_s),
            }
        })
        .collect();
    let events: Vec<&Sample> = samples.iter().filter(|s| EventLog::wants(s)).collect();
    let end_s = events.last().map_or(0.0, |s| s.header.stamp.as_secs_f64());
    ScoreReport {
        scenario: scenario.name.clone(),
        scenario_file: scenario.file.clone(),
        events_file: None,
        duration_s: scenario.duration_s,
        events_end_s: end_s,
        events: events.len() as u64,
        grace_s: grace,
        episodes: episode_scores,
        normal_driving_s: ms(normal_driving_s),
        false_alerts,
        false_alerts_per_hour,
        unexpected_alerts: unexpected,
        suggestions,
        expectations,
        bad_lines: Vec::new(),
        frames: frames::score_frames(scenario, samples),
    }
}

/// One entry per suggestion id, in the order they were first published: the agent may stream a
/// suggestion (its first words, then the whole sentence under the same id, `stream_first_words`), so
/// the LAST message of an id is the suggestion, and the FIRST one's stamp is when it reached the driver.
fn one_per_id(samples: &[Sample]) -> Vec<(f64, &Suggestion)> {
    let mut out: Vec<(f64, &Suggestion)> = Vec::new();
    let mut at: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for s in samples {
        let Some(g) = s.get::<Suggestion>() else {
            continue;
        };
        match at.get(&g.id) {
            Some(&i) => out[i].1 = g,
            None => {
                at.insert(g.id, out.len());
                out.push((s.header.stamp.as_secs_f64(), g));
            }
        }
    }
    out
}

/// Seconds rounded to the millisecond (event times are whole milliseconds of sim time anyway; this
/// keeps float noise like 3.1499999999999915 out of the report).
fn ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Total length of a union of intervals.
fn union_length(mut v: Vec<(f64, f64)>) -> f64 {
    v.retain(|(a, b)| b > a);
    v.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut total = 0.0;
    let mut cur: Option<(f64, f64)> = None;
    for (a, b) in v {
        match cur {
            Some((ca, cb)) if a <= cb => cur = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                cur = Some((a, b));
            }
            None => cur = Some((a, b)),
        }
    }
    if let Some((a, b)) = cur {
        total += b - a;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion(t: f64, seq: u64, id: u64, text: &str) -> Sample {
        use cabin_bus::prelude::*;
        Sample {
            topic: TopicId::Suggestion,
            header: Header {
                source: NodeName::new("agent").unwrap(),
                seq,
                stamp: SimTime::from_secs_f64(t),
            },
            message: Message::Suggestion(Suggestion {
                id,
                interest: InterestKind::FreshAir,
                action: SuggestionAction::Cabin {
                    action: "open the window".into(),
                },
                text: text.into(),
                phrased_by: "local".into(),
                reason: "test".into(),
            }),
        }
    }

    #[test]
    fn a_streamed_suggestion_counts_once_with_its_last_text_and_first_time() {
        let samples = vec![
            suggestion(10.0, 0, 1, "Shall I let some fresh air in?"),
            suggestion(10.001, 1, 1, "Shall I let some fresh air in? It is stuffy."),
            suggestion(20.0, 2, 2, "Shall I open a window?"),
        ];
        let got: Vec<(f64, &str)> = one_per_id(&samples)
            .iter()
            .map(|(t, g)| (*t, g.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (10.0, "Shall I let some fresh air in? It is stuffy."),
                (20.0, "Shall I open a window?")
            ]
        );
    }

    #[test]
    fn union_of_overlapping_windows() {
        assert_eq!(union_length(vec![(0.0, 2.0), (1.0, 3.0), (5.0, 6.0)]), 4.0);
        assert_eq!(union_length(vec![]), 0.0);
    }
}
