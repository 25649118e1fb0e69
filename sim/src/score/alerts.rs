//! Alerts against the scripted episodes: which episode each alert detects, how late, and which alerts
//! are false.
//!
//! The rule (see [`super::protocol`] for the earliest protocol times):
//! - an episode is detected by the first alert sample (raised or escalated) of a kind it calls for,
//!   between its earliest protocol time and its end plus the grace period;
//! - an alert onset (cleared -> raised) is justified when it falls in such a span of some episode;
//!   otherwise it is a **false alert** if it comes before the earliest protocol time of an episode of
//!   its kind (premature) or outside every episode window, and an "other alert" if it comes during an
//!   episode that calls for other kinds of alerts.
//!
//! Times are compared at the report's millisecond resolution, so an alert stamped exactly at the
//! earliest protocol time counts whatever the float rounding of the sum.

use super::report::{AlertOnset, EpisodeScore, UnexpectedAlert};
use super::{ms, protocol};
use crate::scenario::{Episode, Scenario};
use cabin_bus::messages::{Alert, AlertKind, AlertLevel};
use cabin_bus::sample::Sample;
use std::collections::BTreeMap;

/// Every raised or escalated alert with its time (cleared ones left out).
pub(super) fn raised(samples: &[Sample]) -> Vec<(f64, &Alert)> {
    samples
        .iter()
        .filter_map(|s| s.get::<Alert>().map(|a| (s.header.stamp.as_secs_f64(), a)))
        .filter(|(_, a)| a.level != AlertLevel::Cleared)
        .collect()
}

/// Alerts going from cleared (or never raised) to raised, per kind. Escalations are not new alerts.
pub(super) fn onsets(samples: &[Sample]) -> Vec<AlertOnset> {
    let mut level: BTreeMap<AlertKind, AlertLevel> = BTreeMap::new();
    let mut out = Vec::new();
    for s in samples {
        let Some(a) = s.get::<Alert>() else { continue };
        let before = level.insert(a.kind, a.level).unwrap_or(AlertLevel::Cleared);
        if before == AlertLevel::Cleared && a.level != AlertLevel::Cleared {
            out.push(AlertOnset {
                at_s: s.header.stamp.as_secs_f64(),
                kind: a.kind,
                level: a.level,
                reason: a.reason.clone(),
                premature_for: None,
            });
        }
    }
    out
}

/// Whether `t` is within the span in which an alert of `kind` correctly answers the episode.
fn justifies(e: &EpisodeScore, kind: AlertKind, t: f64, grace: f64) -> bool {
    e.expected.contains(&kind)
        && e.earliest_s.is_some_and(|x| ms(t) >= ms(x))
        && ms(t) <= ms(e.end_s + grace)
}

fn in_window(e: &EpisodeScore, t: f64, grace: f64) -> bool {
    ms(t) >= ms(e.start_s) && ms(t) <= ms(e.end_s + grace)
}

/// Each episode's protocol time, detecting alert and latencies.
pub(super) fn score_episodes(
    scenario: &Scenario,
    episodes: &[Episode],
    raised: &[(f64, &Alert)],
) -> Vec<EpisodeScore> {
    let grace = scenario.scoring.grace_s;
    episodes
        .iter()
        .map(|e| {
            let p = protocol::earliest(scenario, e);
            let mut score = EpisodeScore {
                kind: e.kind,
                start_s: e.start_s,
                end_s: e.end_s,
                detail: e.detail.clone(),
                line: e.line,
                expected: e.kind.expected_alerts().to_vec(),
                earliest_s: p.earliest_s.map(ms),
                protocol: p.rule,
                detected: false,
                alert: None,
                alert_at_s: None,
                latency_s: None,
                protocol_latency_s: None,
            };
            if let Some((t, a)) = raised
                .iter()
                .find(|(t, a)| justifies(&score, a.kind, *t, grace))
            {
                score.detected = true;
                score.alert = Some(a.kind);
                score.alert_at_s = Some(ms(*t));
                score.latency_s = Some(ms(t - e.start_s));
                score.protocol_latency_s = score.earliest_s.map(|x| ms(t - x));
            }
            score
        })
        .collect()
}

/// Sorts alert onsets into false alerts (premature or outside every episode) and alerts of another
/// kind during an episode; justified onsets are in neither.
pub(super) fn classify(
    onsets: &[AlertOnset],
    episodes: &[EpisodeScore],
    grace: f64,
) -> (Vec<AlertOnset>, Vec<UnexpectedAlert>) {
    let mut false_alerts = Vec::new();
    let mut unexpected = Vec::new();
    for o in onsets {
        if episodes.iter().any(|e| justifies(e, o.kind, o.at_s, grace)) {
            continue;
        }
        let windows: Vec<&EpisodeScore> = episodes
            .iter()
            .filter(|e| in_window(e, o.at_s, grace))
            .collect();
        if let Some(e) = windows.iter().find(|e| e.expected.contains(&o.kind)) {
            let mut premature = o.clone();
            premature.premature_for = Some(match e.earliest_s {
                Some(x) => format!(
                    "{} from {:.1} s: earliest protocol time {x:.2} s ({})",
                    e.kind.label(),
                    e.start_s,
                    e.protocol
                ),
                None => format!(
                    "{} from {:.1} s: the script never meets {}",
                    e.kind.label(),
                    e.start_s,
                    e.protocol
                ),
            });
            false_alerts.push(premature);
        } else if windows.is_empty() {
            false_alerts.push(o.clone());
        } else {
            unexpected.push(UnexpectedAlert {
                onset: o.clone(),
                during: windows.iter().map(|e| e.kind.label().to_string()).collect(),
            });
        }
    }
    (false_alerts, unexpected)
}
