//! The check every generated sentence passes before it is used.
//!
//! A 135M model phrases well but gets facts wrong ("2 minutes ahead" for a stop 2 km ahead), and a
//! server can be anything. So the text must: be one short paragraph of plain text (no markup, no
//! special tokens, no links); mention the proposed place by name; contain no other proper names
//! than the place's own words; and contain no number that is not one of the facts, with a unit that
//! matches (a distance in km, a time in minutes, CO2 in ppm), whether written in digits or words.
//! Anything else is rejected with the reason, and the caller falls back to the template.

use super::facts::{category_words, PhraseRequest, Proposal};

/// Limits of a spoken proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckConfig {
    pub min_chars: usize,
    pub max_chars: usize,
    pub max_sentences: usize,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            min_chars: 10,
            max_chars: 240,
            max_sentences: 3,
        }
    }
}

const NUMBER_WORDS: &[(&str, f64)] = &[
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("half", 0.5),
];

/// Capitalised words that are not names.
const NOT_NAMES: &[&str] = &["i", "i'm", "i'll", "i'd", "i've", "ok", "okay", "co2"];

fn unit_of(next: Option<&str>) -> Option<&'static str> {
    let w = next?.to_lowercase();
    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
    if w.starts_with("km") || w.starts_with("kilomet") {
        Some("km")
    } else if w.starts_with("min") {
        Some("min")
    } else if w == "ppm" {
        Some("ppm")
    } else if w == "m" || w.starts_with("met") || w.starts_with("mile") || w == "mi" {
        Some("other distance")
    } else if w.starts_with("h") && (w == "h" || w.starts_with("hour")) {
        Some("hours")
    } else if w.starts_with("sec") || w == "s" {
        Some("seconds")
    } else {
        None
    }
}

/// Cleans `raw` and checks it against `req`. Returns the cleaned text or why it was rejected.
pub fn check(raw: &str, req: &PhraseRequest, cfg: &CheckConfig) -> Result<String, String> {
    // first paragraph, without quotes or a speaker label
    let mut text = raw
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .trim()
        .replace('\n', " ");
    for prefix in ["Assistant:", "assistant:", "Sentence:", "Answer:"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.trim().to_string();
        }
    }
    let text = text
        .trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}')
        .trim()
        .to_string();
    let n = text.chars().count();
    if n < cfg.min_chars {
        return Err(format!("too short ({n} characters)"));
    }
    if n > cfg.max_chars {
        return Err(format!(
            "too long ({n} characters, at most {})",
            cfg.max_chars
        ));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err("contains control characters".into());
    }
    for bad in ["<|", "|>", "http", "```", "{", "}", "<", ">", "[", "]"] {
        if text.contains(bad) {
            return Err(format!("contains markup '{bad}'"));
        }
    }
    // a sentence ends at . ! ? followed by a space or the end ("6.4 km" is not two sentences)
    let chars: Vec<char> = text.chars().collect();
    let sentences = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
        })
        .count()
        .max(1);
    if sentences > cfg.max_sentences {
        return Err(format!(
            "{sentences} sentences, at most {}",
            cfg.max_sentences
        ));
    }

    // numbers, with their units
    let allowed = req.allowed_numbers();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let core = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != ',');
        let core = core.trim_end_matches(['.', ',']);
        let lower = core.to_lowercase();
        // "CO2", "A92": digits inside a word that starts with a letter are part of a name
        let value = if core.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            let digits: String = core
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                .collect();
            let rest = &core[digits.len()..];
            match digits.replace(',', ".").parse::<f64>() {
                Ok(v) => Some((
                    v,
                    if rest.is_empty() {
                        None
                    } else {
                        Some(rest.to_string())
                    },
                )),
                Err(_) => return Err(format!("unreadable number '{core}'")),
            }
        } else {
            let base = lower.split('-').next().unwrap_or("");
            NUMBER_WORDS
                .iter()
                .find(|(nw, _)| *nw == base)
                .map(|(_, v)| (*v, lower.split_once('-').map(|(_, r)| r.to_string())))
        };
        let Some((v, glued)) = value else { continue };
        let unit = match glued.as_deref() {
            Some(g) if !g.is_empty() => unit_of(Some(g)),
            _ => unit_of(words.get(i + 1).copied()),
        };
        let ok = allowed
            .iter()
            .any(|(a, u)| (a - v).abs() < 1e-6 && unit.is_none_or(|unit| unit == *u));
        // "one" as a pronoun ("the next one") and "half" in "half an hour" are not claims, unless a
        // unit follows
        let pronoun = unit.is_none() && matches!(lower.as_str(), "one" | "half");
        if !ok && !pronoun {
            return Err(format!(
                "number '{w}'{} is not in the data",
                unit.map(|u| format!(" ({u})")).unwrap_or_default()
            ));
        }
    }

    // names: capitalised words after the first of a sentence must belong to the place
    let mut name_words: Vec<String> = Vec::new();
    let mut add_words = |s: &str| {
        for w in s.split(|c: char| !c.is_alphanumeric() && c != '\'') {
            if !w.is_empty() {
                name_words.push(w.to_lowercase());
            }
        }
    };
    for n in req.allowed_names() {
        add_words(&n);
    }
    if let Proposal::Stop { category, .. } = &req.proposal {
        add_words(category_words(*category));
    }
    add_words(&req.wanted());
    let mut sentence_start = true;
    for w in text.split_whitespace() {
        let core = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
        let core = core.strip_suffix("'s").unwrap_or(core);
        let capital = core.chars().next().is_some_and(char::is_uppercase);
        if capital && !sentence_start {
            let lower = core.to_lowercase();
            if !NOT_NAMES.contains(&lower.as_str()) && !name_words.contains(&lower) {
                return Err(format!("name '{core}' is not in the data"));
            }
        }
        sentence_start = w.ends_with(['.', '!', '?', ':']);
    }

    let lower = text.to_lowercase();
    if !req.drowsy {
        for claim in ["tired", "sleepy", "drowsy", "exhausted"] {
            if lower.contains(claim) {
                return Err(format!(
                    "says the driver is {claim}; the driver state does not"
                ));
            }
        }
    }
    if let Proposal::Stop { name, brand, .. } = &req.proposal {
        let named = lower.contains(&name.to_lowercase())
            || brand
                .as_ref()
                .is_some_and(|b| !b.is_empty() && lower.contains(&b.to_lowercase()));
        if !named {
            return Err(format!("does not name the place '{name}'"));
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::samples;

    #[test]
    fn accepts_facts_and_rejects_inventions() {
        let c = CheckConfig::default();
        let r = samples::coffee_stop(2.4, 2);
        let ok = "How about a coffee at Bean There Coffee, 2.4 km ahead? It's only a 1 min detour.";
        assert_eq!(check(ok, &r, &c).as_deref(), Ok(ok));
        assert!(
            check("\"Bean There Coffee is two minutes away.\"", &r, &c).is_ok(),
            "2 min is the eta"
        );
        assert!(check("Bean There Coffee is 2 km ahead.", &r, &c)
            .unwrap_err()
            .contains("not in the data"));
        assert!(check("Bean There Coffee is 3 minutes ahead.", &r, &c).is_err());
        assert!(check("Bean There Coffee is 2.4 miles ahead.", &r, &c).is_err());
        assert!(check("Let's stop at Starbucks for a coffee.", &r, &c)
            .unwrap_err()
            .contains("Starbucks"));
        assert!(check("There is a coffee shop ahead.", &r, &c)
            .unwrap_err()
            .contains("does not name"));
        assert!(check("Bean There Coffee <|im_end|>", &r, &c).is_err());
        assert!(check(&"Bean There Coffee is great. ".repeat(20), &r, &c).is_err());
        assert!(check("Hi", &r, &c).is_err());
        assert!(check(
            "Assistant: Want to stop at Bean There for a coffee?",
            &r,
            &c
        )
        .is_ok());
    }
}
