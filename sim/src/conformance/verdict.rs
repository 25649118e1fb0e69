//! A row's run against its expectation: what was observed, when, pass or fail, and why.
//!
//! Rules on top of [`Expectation`]'s clauses: any alert raised during the lead-in (normal driving
//! before the behaviour) is a false alert and fails the row; for "none" any alert at all fails it;
//! the false-positive drive counts alert onsets per 10 hours of driving.

use super::expect::{label, level_label, Clause, Expectation};
use cabin_bus::messages::{AlertKind, AlertLevel};
use serde::Serialize;
use std::collections::BTreeMap;

/// Half a millisecond: event times are whole milliseconds of sim time.
const EPS: f64 = 0.0005;

/// One alert sample as the row saw it (time relative to the behaviour's start).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeenAlert {
    pub at_s: f64,
    pub kind: AlertKind,
    pub level: AlertLevel,
    /// Cleared -> raised (an escalation or a clearing is not an onset).
    pub onset: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// The simulator cannot render the row yet (a named miss, not a skip).
    NotRenderable,
    /// The run itself failed (the pipeline errored).
    Error,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotRenderable => "not renderable",
            Status::Error => "error",
        }
    }
}

/// The verdict of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub status: Status,
    pub observed: String,
    /// When the expectation was met (s from the behaviour's start; the last clause of the met
    /// alternative).
    pub latency_s: Option<f64>,
    /// Why it failed, in words.
    pub reason: Option<String>,
    /// Alert onsets before the behaviour (false alerts) or, for the false-positive drive, all onsets.
    pub false_alerts: usize,
    pub false_alerts_per_10h: Option<f64>,
    /// Alert onsets during the behaviour of kinds the expectation does not name (e.g. a microsleep
    /// alert during a glance): shown, not judged, since the row's clause is about its own alert.
    pub other_alerts: Vec<String>,
}

/// Alert samples `(scenario time, kind, level)` in publication order -> the row's view of them.
pub fn seen(alerts: &[(f64, AlertKind, AlertLevel)], t0: f64) -> Vec<SeenAlert> {
    let mut level: BTreeMap<AlertKind, AlertLevel> = BTreeMap::new();
    alerts
        .iter()
        .map(|&(t, kind, l)| {
            let before = level.insert(kind, l).unwrap_or(AlertLevel::Cleared);
            SeenAlert {
                at_s: ms(t - t0),
                kind,
                level: l,
                onset: before == AlertLevel::Cleared && l != AlertLevel::Cleared,
            }
        })
        .collect()
}

fn ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The alerts in words: `long_distraction warning 3.051 s, critical 6.012 s; ...` (first `max`).
pub fn describe(seen: &[SeenAlert], max: usize) -> String {
    let raised: Vec<&SeenAlert> = seen
        .iter()
        .filter(|a| a.level != AlertLevel::Cleared)
        .collect();
    if raised.is_empty() {
        return "no alert".into();
    }
    let mut parts: Vec<String> = raised
        .iter()
        .take(max)
        .map(|a| format!("{} {} {:.3} s", label(a.kind), level_label(a.level), a.at_s))
        .collect();
    if raised.len() > max {
        parts.push(format!("... ({} alert samples in all)", raised.len()));
    }
    parts.join("; ")
}

fn hits(c: &Clause, a: &SeenAlert) -> bool {
    a.level != AlertLevel::Cleared && c.kinds.contains(&a.kind) && a.level >= c.min_level
}

/// Whether one clause is met: `Ok(time)` or `Err(why not)`.
fn clause(c: &Clause, seen: &[SeenAlert]) -> Result<f64, String> {
    if let Some(a) = seen
        .iter()
        .find(|a| hits(c, a) && a.at_s >= -EPS && a.at_s < c.from_s - EPS)
    {
        return Err(format!(
            "premature: {} {} at {:.3} s, before {} s",
            label(a.kind),
            level_label(a.level),
            a.at_s,
            c.from_s
        ));
    }
    if let Some(a) = seen
        .iter()
        .find(|a| hits(c, a) && a.at_s >= c.from_s - EPS && a.at_s <= c.to_s + EPS)
    {
        return Ok(a.at_s);
    }
    Err(match seen.iter().find(|a| hits(c, a) && a.at_s > c.to_s) {
        Some(a) => format!(
            "late: {} {} at {:.3} s, after {} s",
            label(a.kind),
            level_label(a.level),
            a.at_s,
            c.to_s
        ),
        None => format!("no {}", c.describe()),
    })
}

/// The verdict of a run that produced `seen`, over a drive of `driving_s` seconds.
pub fn judge(expect: &Expectation, seen: &[SeenAlert], driving_s: f64) -> Verdict {
    let observed = describe(seen, 8);
    let onsets: Vec<&SeenAlert> = seen.iter().filter(|a| a.onset).collect();
    let lead_in: Vec<&&SeenAlert> = onsets.iter().filter(|a| a.at_s < -EPS).collect();
    let named: Vec<AlertKind> = match expect {
        Expectation::Alternatives(alts) => alts
            .iter()
            .flatten()
            .flat_map(|c| c.kinds.clone())
            .collect(),
        _ => Vec::new(),
    };
    let other_alerts: Vec<String> = onsets
        .iter()
        .filter(|a| a.at_s >= -EPS && !named.is_empty() && !named.contains(&a.kind))
        .map(|a| format!("{} {} {:.3} s", label(a.kind), level_label(a.level), a.at_s))
        .collect();
    let verdict = |status, latency_s, reason: Option<String>, false_alerts, rate| Verdict {
        status,
        observed: observed.clone(),
        latency_s,
        reason,
        false_alerts,
        false_alerts_per_10h: rate,
        other_alerts: other_alerts.clone(),
    };
    if let Expectation::Rate { per_10h } = expect {
        let rate = onsets.len() as f64 / (driving_s / 36_000.0).max(f64::MIN_POSITIVE);
        let ok = rate <= *per_10h + 1e-9;
        let reason = (!ok).then(|| {
            format!(
                "{} false alerts in {:.2} h",
                onsets.len(),
                driving_s / 3600.0
            )
        });
        return verdict(
            if ok { Status::Pass } else { Status::Fail },
            None,
            reason,
            onsets.len(),
            Some(rate),
        );
    }
    if let Some(a) = lead_in.first() {
        return verdict(
            Status::Fail,
            None,
            Some(format!(
                "false alert during the lead-in: {} {} at {:.3} s",
                label(a.kind),
                level_label(a.level),
                a.at_s
            )),
            lead_in.len(),
            None,
        );
    }
    match expect {
        Expectation::None => {
            if onsets.is_empty() {
                verdict(Status::Pass, None, None, 0, None)
            } else {
                let reason = format!("alerted: {}", describe(seen, 3));
                verdict(Status::Fail, None, Some(reason), onsets.len(), None)
            }
        }
        Expectation::Any => verdict(Status::Pass, None, None, 0, None),
        Expectation::Alternatives(alts) => {
            let mut reasons = Vec::new();
            for alt in alts {
                let results: Vec<Result<f64, String>> =
                    alt.iter().map(|c| clause(c, seen)).collect();
                if results.iter().all(Result::is_ok) {
                    let t = results.iter().flatten().fold(f64::MIN, |m, t| m.max(*t));
                    return verdict(Status::Pass, Some(t), None, 0, None);
                }
                reasons.extend(results.into_iter().filter_map(Result::err));
            }
            verdict(Status::Fail, None, Some(reasons.join("; ")), 0, None)
        }
        Expectation::Rate { .. } => unreachable!("handled above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glance_alert_in_its_window_passes_and_an_early_one_fails() {
        let e = Expectation::parse("long_distraction in 3..3.5").expect("parses");
        let ok = seen(
            &[(33.1, AlertKind::LongDistraction, AlertLevel::Warning)],
            30.0,
        );
        let v = judge(&e, &ok, 60.0);
        assert_eq!(v.status, Status::Pass);
        assert_eq!(v.latency_s, Some(3.1));
        let early = seen(
            &[(32.0, AlertKind::LongDistraction, AlertLevel::Warning)],
            30.0,
        );
        let v = judge(&e, &early, 60.0);
        assert_eq!(v.status, Status::Fail);
        assert!(v.reason.expect("reason").starts_with("premature"));
        let lead = seen(
            &[(10.0, AlertKind::CannotMonitor, AlertLevel::Warning)],
            30.0,
        );
        assert_eq!(judge(&Expectation::None, &lead, 60.0).false_alerts, 1);
        let rate = Expectation::parse("rate <= 1 per 10h").expect("parses");
        assert_eq!(judge(&rate, &lead, 7200.0).status, Status::Fail);
        assert_eq!(judge(&rate, &[], 7200.0).status, Status::Pass);
    }
}
