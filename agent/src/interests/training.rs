//! What the head ([`super::head`]) is trained on: the development data only, compiled into the
//! binary so every build trains the same head.
//!
//! - the hand-written prototypes ([`super::prototypes`]), each with its class;
//! - `agent/data/utterances.jsonl` (the original development set) and
//!   `agent/data/interest_dev_more.jsonl` (more development lines written for the head, issue 13):
//!   a line's class is the kind(s) of its labels, wanted or cancelled (the rules decide which), a
//!   brand counts as the kind it serves, "call off every stop" and a line that raises nothing count
//!   as `other`;
//! - `agent/data/interest_dev_injections.jsonl`: text aimed at the assistant, class `injection`.
//!
//! Left out: answers that mean something only after their question ("Yeah." after "Are you
//! hungry?"), and questions to someone else that raise nothing ("Are you hungry?"): they are about
//! a kind, but the label says nothing happened, so they would teach the head the wrong thing.
//!
//! The held-out sets (`utterances_heldout*.jsonl`) are never read here.

use super::classify::Class;
use super::head::{class_index, Example, CLASSES};
use super::labelled::{self, LabelledUtterance};
use super::lexicon::Lexicon;
use super::normalize::normalise;
use super::prototypes::PROTOTYPES;
use cabin_bus::messages::InterestKind;
use std::path::Path;

/// The development files, by name (compiled in).
pub const DEV_FILES: [(&str, &str); 3] = [
    (
        "utterances.jsonl",
        include_str!("../../data/utterances.jsonl"),
    ),
    (
        "interest_dev_more.jsonl",
        include_str!("../../data/interest_dev_more.jsonl"),
    ),
    (
        "interest_dev_injections.jsonl",
        include_str!("../../data/interest_dev_injections.jsonl"),
    ),
];

/// The file whose lines are all `injection`.
pub const INJECTION_FILE: &str = "interest_dev_injections.jsonl";

/// One text the head learns from.
#[derive(Clone, Debug)]
pub struct TrainingText {
    /// As the classifier sees it at run time: the normalised tokens joined by spaces.
    pub text: String,
    pub target: [f32; CLASSES.len()],
}

/// Every development line of the compiled-in files, with the file it came from. A file that does
/// not parse is a build-time mistake, reported as an empty file and a logged error.
pub fn dev_items() -> Vec<(&'static str, LabelledUtterance)> {
    let mut out = Vec::new();
    for (name, text) in DEV_FILES {
        match labelled::parse(text, Path::new(name)) {
            Ok(items) => out.extend(items.into_iter().map(|i| (name, i))),
            Err(e) => tracing::error!("development data {name}: {e}"),
        }
    }
    out
}

/// The text the classifier embeds for `text`.
pub fn model_text(text: &str) -> String {
    normalise(text).tokens.join(" ")
}

/// A label's kind as the head's class: a named place counts as the kind it serves; any other kind is
/// spelt as in the messages (`InterestKind`'s snake_case names, `memory::kind_name`).
fn kind_of_label(kind: &str, detail: Option<&str>, lexicon: &Lexicon) -> Option<Class> {
    if kind == "place" {
        let tokens = normalise(detail?).tokens;
        return lexicon
            .lookup(&tokens, 0)
            .map(|(_, hit)| Class::Kind(hit.kind));
    }
    serde_json::from_value::<InterestKind>(serde_json::Value::String(kind.to_string()))
        .ok()
        .map(Class::Kind)
}

/// The head's target for one development line, `None` when it is left out (module doc).
pub fn target_of(
    file: &str,
    item: &LabelledUtterance,
    lexicon: &Lexicon,
) -> Option<[f32; CLASSES.len()]> {
    let mut classes: Vec<Class> = Vec::new();
    if file == INJECTION_FILE {
        classes.push(Class::Injection);
    } else if item.context.is_some() {
        return None;
    } else if item.expect.is_empty() {
        if item.text.trim_end().ends_with('?') {
            return None;
        }
        classes.push(Class::Other);
    } else {
        for l in &item.expect {
            let c = kind_of_label(&l.kind, l.detail.as_deref(), lexicon).unwrap_or(Class::Other);
            if !classes.contains(&c) {
                classes.push(c);
            }
        }
    }
    let mut t = [0.0f32; CLASSES.len()];
    let share = 1.0 / classes.len() as f32;
    for c in classes {
        t[class_index(c)] += share;
    }
    Some(t)
}

/// The prototypes, each with its class.
pub fn prototype_texts() -> Vec<TrainingText> {
    PROTOTYPES
        .iter()
        .map(|(class, text)| {
            let mut target = [0.0f32; CLASSES.len()];
            target[class_index(*class)] = 1.0;
            TrainingText {
                text: model_text(text),
                target,
            }
        })
        .collect()
}

/// The development lines kept for training, each with its index in `items`.
pub fn dev_texts(items: &[(&str, LabelledUtterance)]) -> Vec<(usize, TrainingText)> {
    let lexicon = Lexicon::default();
    items
        .iter()
        .enumerate()
        .filter_map(|(i, (file, item))| {
            target_of(file, item, &lexicon).map(|target| {
                (
                    i,
                    TrainingText {
                        text: model_text(&item.text),
                        target,
                    },
                )
            })
        })
        .collect()
}

/// The prototypes and every development line kept for training, in a fixed order.
pub fn training_texts() -> Vec<TrainingText> {
    let mut out = prototype_texts();
    out.extend(dev_texts(&dev_items()).into_iter().map(|(_, t)| t));
    out
}

/// Pairs texts with their embeddings.
pub fn examples(texts: &[TrainingText], embeddings: &[Vec<f32>]) -> Vec<Example> {
    texts
        .iter()
        .zip(embeddings)
        .map(|(t, e)| Example {
            embedding: e.clone(),
            target: t.target,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_files_parse_and_every_class_has_examples() {
        let items = dev_items();
        assert!(items.len() > 350, "{} development lines", items.len());
        let texts = training_texts();
        for (k, class) in CLASSES.iter().enumerate() {
            let n = texts.iter().filter(|t| t.target[k] > 0.0).count();
            assert!(n >= 20, "{} has {n} examples", class.name());
        }
    }
}
