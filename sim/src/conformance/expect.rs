//! The expected outcome of a row, written in the table as a small sentence:
//!
//! ```text
//! expect := "none"                      no alert at all during the scenario
//!         | "any"                       the protocol allows either (DDAW: "may warn at KSS 7")
//!         | "rate <= N per 10h"         at most N alert onsets per 10 hours (the false-positive drive)
//!         | alt (" or " alt)*           one alternative fully met is a pass
//! alt    := clause (" and " clause)*
//! clause := kind ("|" kind)* [">=" level] " in " FROM ".." TO
//! ```
//!
//! `kind` is an alert kind as on the bus (`long_distraction`, `phone_use`, `cannot_monitor`, ...),
//! `level` an alert level (`info`, `warning`, `critical`; default `info`), FROM and TO seconds from the
//! row's behaviour start (for a glance: the eyes leaving the road). A clause is met by the first alert
//! sample (raised or escalated) of one of its kinds at that level or higher within [FROM, TO]; the same
//! alert before FROM is premature, and fails the row.

use cabin_bus::messages::{AlertKind, AlertLevel};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clause {
    pub kinds: Vec<AlertKind>,
    pub min_level: AlertLevel,
    pub from_s: f64,
    pub to_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    None,
    Any,
    Rate { per_10h: f64 },
    Alternatives(Vec<Vec<Clause>>),
}

fn kind(s: &str) -> Result<AlertKind, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_string()))
        .map_err(|_| format!("unknown alert kind {s:?}"))
}

fn level(s: &str) -> Result<AlertLevel, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_string()))
        .map_err(|_| format!("unknown alert level {s:?}"))
}

fn seconds(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{s:?} is not a number of seconds"))
}

impl Clause {
    fn parse(s: &str) -> Result<Clause, String> {
        let (what, span) = s
            .split_once(" in ")
            .ok_or_else(|| format!("{s:?}: expected `KIND in FROM..TO`"))?;
        let (kinds, min_level) = match what.split_once(">=") {
            Some((k, l)) => (k, level(l)?),
            None => (what, AlertLevel::Info),
        };
        let kinds = kinds.split('|').map(kind).collect::<Result<Vec<_>, _>>()?;
        let (from, to) = span
            .split_once("..")
            .ok_or_else(|| format!("{span:?}: expected FROM..TO"))?;
        let (from_s, to_s) = (seconds(from)?, seconds(to)?);
        if to_s < from_s {
            return Err(format!("{span:?}: the window ends before it starts"));
        }
        Ok(Clause {
            kinds,
            min_level,
            from_s,
            to_s,
        })
    }

    pub fn describe(&self) -> String {
        let kinds: Vec<String> = self.kinds.iter().map(|k| label(*k)).collect();
        let level = if self.min_level > AlertLevel::Info {
            format!(" >= {}", level_label(self.min_level))
        } else {
            String::new()
        };
        format!(
            "{}{level} in {}..{} s",
            kinds.join("|"),
            self.from_s,
            self.to_s
        )
    }
}

pub fn label(k: AlertKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{k:?}"))
}

pub fn level_label(l: AlertLevel) -> String {
    serde_json::to_value(l)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{l:?}"))
}

impl Expectation {
    pub fn parse(s: &str) -> Result<Expectation, String> {
        let s = s.trim();
        match s {
            "none" => return Ok(Expectation::None),
            "any" => return Ok(Expectation::Any),
            _ => {}
        }
        if let Some(rest) = s.strip_prefix("rate <=") {
            let n = rest
                .trim()
                .strip_suffix("per 10h")
                .ok_or_else(|| format!("{s:?}: expected `rate <= N per 10h`"))?;
            return Ok(Expectation::Rate {
                per_10h: seconds(n)?,
            });
        }
        let alts = s
            .split(" or ")
            .map(|alt| alt.split(" and ").map(Clause::parse).collect())
            .collect::<Result<Vec<Vec<Clause>>, String>>()?;
        Ok(Expectation::Alternatives(alts))
    }

    /// The latest instant (s from the behaviour start) the expectation looks at.
    pub fn horizon_s(&self) -> f64 {
        match self {
            Expectation::Alternatives(alts) => {
                alts.iter().flatten().map(|c| c.to_s).fold(0.0, f64::max)
            }
            _ => 0.0,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Expectation::None => "no alert".into(),
            Expectation::Any => "either (the protocol allows both)".into(),
            Expectation::Rate { per_10h } => format!("<= {per_10h} false alerts per 10 h"),
            Expectation::Alternatives(alts) => alts
                .iter()
                .map(|a| {
                    a.iter()
                        .map(Clause::describe)
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_table_sentences() {
        let e = Expectation::parse(
            "long_distraction in 3..3.5 and long_distraction|unresponsive>=critical in 6..6.5 or cannot_monitor in 0..10",
        )
        .expect("parses");
        let Expectation::Alternatives(alts) = &e else {
            panic!("alternatives expected: {e:?}")
        };
        assert_eq!(alts.len(), 2);
        assert_eq!(
            alts[0][1].kinds,
            [AlertKind::LongDistraction, AlertKind::Unresponsive]
        );
        assert_eq!(alts[0][1].min_level, AlertLevel::Critical);
        assert_eq!(e.horizon_s(), 10.0);
        assert_eq!(
            Expectation::parse("rate <= 1 per 10h"),
            Ok(Expectation::Rate { per_10h: 1.0 })
        );
        assert!(Expectation::parse("sleepy in 0..1").is_err());
        assert!(Expectation::parse("microsleep in 5..1").is_err());
    }
}
