//! The labelled utterance set and how the extractor is scored on it.
//!
//! `agent/data/utterances.jsonl` is the development set (the rules were written looking at it);
//! `agent/data/utterances_heldout.jsonl` holds paraphrases written separately and not used to tune
//! the rules: its figures are the honest ones. One JSON object per line:
//!
//! ```json
//! {"text": "Yeah, a bit", "speaker": "passenger", "context": "Are you hungry?",
//!  "expect": [{"kind": "food", "act": "want"}]}
//! ```
//!
//! `kind` is an interest kind in snake_case, `place` with a `detail` for a named brand, or `any` for
//! a cancellation of every stop; `act` is `want` or `cancel`; `context` is said just before by the
//! other person. An utterance that raises nothing has `"expect": []`. Scoring counts (kind, act,
//! detail) triples: precision = correct / predicted, recall = correct / expected.

use super::extract::{Act, Extractor};
use super::memory::kind_name;
use crate::error::{AgentError, Result};
use cabin_bus::messages::Speaker;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub kind: String,
    pub act: String,
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledUtterance {
    pub text: String,
    #[serde(default)]
    pub speaker: Option<String>,
    #[serde(default)]
    pub context: Option<String>,
    pub expect: Vec<Label>,
}

/// The one held-out set (issue 13, twenty-second round): written apart, scored once by the lead at the
/// end of the round, never read by the tuning. [`load`] and [`parse`] refuse it; only
/// [`load_held_out`] reads it. (Sets 6 to 22 were the fifth to twenty-first rounds', each scored
/// once and development data since.)
pub const HELD_OUT_FILE: &str = "utterances_heldout23.jsonl";

/// Whether `path` names the held-out set ([`HELD_OUT_FILE`]).
pub fn is_held_out(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case(HELD_OUT_FILE))
}

/// Reads a JSON Lines file of labelled utterances; errors name the line. Refuses the held-out set
/// ([`HELD_OUT_FILE`]): no tuning aid, development loader or benchmark can read it by mistake.
pub fn load(path: &Path) -> Result<Vec<LabelledUtterance>> {
    if is_held_out(path) {
        return Err(held_out_refused(path));
    }
    load_held_out(path)
}

fn held_out_refused(path: &Path) -> AgentError {
    AgentError::DataFile {
        path: path.to_path_buf(),
        line: 0,
        reason: "the held-out set is scored once by the lead, never loaded for tuning".into(),
    }
}

/// Reads any labelled file, the held-out set included: ONLY for the lead's single scoring of the
/// held-out set (`held_out_set_11` in `agent/tests/interest_labels.rs`).
pub fn load_held_out(path: &Path) -> Result<Vec<LabelledUtterance>> {
    let text = std::fs::read_to_string(path).map_err(|e| AgentError::io(path, e))?;
    parse_any(&text, path)
}

/// Parses JSON Lines text of labelled utterances (`path` names it in errors); refuses text said to
/// come from the held-out set.
pub fn parse(text: &str, path: &Path) -> Result<Vec<LabelledUtterance>> {
    if is_held_out(path) {
        return Err(held_out_refused(path));
    }
    parse_any(text, path)
}

fn parse_any(text: &str, path: &Path) -> Result<Vec<LabelledUtterance>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        let item: LabelledUtterance =
            serde_json::from_str(line).map_err(|e| AgentError::DataFile {
                path: path.to_path_buf(),
                line: i + 1,
                reason: e.to_string(),
            })?;
        out.push(item);
    }
    Ok(out)
}

/// Precision and recall, overall and per kind, with the misses listed.
#[derive(Clone, Debug, Default)]
pub struct Score {
    pub utterances: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    /// Per kind: (tp, fp, fn).
    pub per_kind: BTreeMap<String, (usize, usize, usize)>,
    /// "text: expected [..] got [..]" for every utterance that was not exactly right.
    pub errors: Vec<String>,
}

impl Score {
    /// Share of the interests found that were right (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        share_of_true_positives(self.true_positives, self.false_positives)
    }
    /// Share of the expected interests that were found (1 when nothing was expected).
    pub fn recall(&self) -> f64 {
        share_of_true_positives(self.true_positives, self.false_negatives)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// tp / (tp + wrong), 1 when both are zero (nothing to be wrong about).
fn share_of_true_positives(tp: usize, wrong: usize) -> f64 {
    if tp + wrong == 0 {
        1.0
    } else {
        tp as f64 / (tp + wrong) as f64
    }
}

fn speaker(s: Option<&str>) -> Speaker {
    match s {
        Some("driver") => Speaker::Driver,
        Some("unknown") => Speaker::Unknown,
        _ => Speaker::Passenger,
    }
}

/// What the extractor says about one labelled item, as labels.
pub fn predict(extractor: &mut Extractor, item: &LabelledUtterance) -> Vec<Label> {
    extractor.reset();
    let who = speaker(item.speaker.as_deref());
    if let Some(ctx) = &item.context {
        let other = if who == Speaker::Driver {
            Speaker::Passenger
        } else {
            Speaker::Driver
        };
        extractor.extract(other, ctx, 0.0);
    }
    let mut labels: Vec<Label> = extractor
        .extract(who, &item.text, 5.0)
        .signals
        .into_iter()
        .filter_map(|s| {
            let act = match s.act {
                Act::Want => "want",
                Act::Cancel => "cancel",
                Act::Inquiry => return None,
            };
            let (kind, detail) = match (&s.brand, s.kind) {
                (Some(b), _) => ("place".to_string(), Some(b.to_lowercase())),
                (None, Some(k)) => (kind_name(k).to_string(), None),
                (None, None) => ("any".to_string(), None),
            };
            Some(Label {
                kind,
                act: act.into(),
                detail,
            })
        })
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

/// Scores the extractor on `items`.
pub fn evaluate(extractor: &mut Extractor, items: &[LabelledUtterance]) -> Score {
    let mut score = Score {
        utterances: items.len(),
        ..Default::default()
    };
    for item in items {
        let mut expected: Vec<Label> = item
            .expect
            .iter()
            .map(|l| Label {
                detail: l.detail.as_ref().map(|d| d.to_lowercase()),
                ..l.clone()
            })
            .collect();
        expected.sort();
        expected.dedup();
        let got = predict(extractor, item);
        for l in &got {
            let e = score.per_kind.entry(l.kind.clone()).or_default();
            if expected.contains(l) {
                score.true_positives += 1;
                e.0 += 1;
            } else {
                score.false_positives += 1;
                e.1 += 1;
            }
        }
        for l in &expected {
            if !got.contains(l) {
                score.false_negatives += 1;
                score.per_kind.entry(l.kind.clone()).or_default().2 += 1;
            }
        }
        if got != expected {
            let show = |v: &[Label]| {
                v.iter()
                    .map(|l| match &l.detail {
                        Some(d) => format!("{} {}:{d}", l.act, l.kind),
                        None => format!("{} {}", l.act, l.kind),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            score.errors.push(format!(
                "{:?}{}: expected [{}] got [{}]",
                item.text,
                item.context
                    .as_ref()
                    .map(|c| format!(" (after {c:?})"))
                    .unwrap_or_default(),
                show(&expected),
                show(&got)
            ));
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_held_out_set_is_refused_before_it_is_read() {
        // the path need not exist: the refusal comes before any read
        let held_out = Path::new("/nowhere/data").join(HELD_OUT_FILE);
        assert!(matches!(
            load(&held_out),
            Err(AgentError::DataFile { line: 0, .. })
        ));
        assert!(parse("", &held_out).is_err());
        assert!(!is_held_out(Path::new("utterances_heldout5.jsonl")));
    }
}
