//! Reading a spoken yes or no: a small, explicit phrase list with negation, and the cue that decided.
//!
//! Only short utterances are read ([`MAX_ANSWER_WORDS`]): a yes/no answer is a few words, and a longer
//! sentence that happens to contain "no" or "sure" is usually about something else ("no idea where we
//! are, I'm hungry") and goes to the interest extractor instead.
//!
//! Rules, in order:
//! 1. idioms that contain a negator but agree ("no problem", "no worries", "why not") are accept cues and
//!    are taken out before the negation rules look at the words;
//! 2. decline phrases ("not now", "no thanks", "maybe later", "never mind", "keep going", ...) and a bare
//!    leading "no"/"nope"/"nah" are decline cues;
//! 3. accept phrases ("yes", "yeah", "sure", "okay", "please", "let's go", "sounds good", ...) are accept
//!    cues, unless a negator ("not", "don't", "no", "never") stands up to two words before them: then the
//!    negated phrase is a decline cue ("not okay", "don't do it");
//! 4. any decline cue wins over accept cues: "no, let's go" and "yes, but not now" decline, because taking
//!    a detour the driver did not clearly ask for is worse than missing one (the driver can still ask).
//!
//! "maybe later" (and "later", "not now", "not yet", "another time") declines *for now*: see
//! [`SpokenAnswer::for_now`].

use cabin_bus::messages::Answer;

/// Longer utterances are not read as answers (see the module docs).
pub const MAX_ANSWER_WORDS: usize = 8;

/// A spoken answer and the phrase that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpokenAnswer {
    pub answer: Answer,
    /// The decisive phrase(s), quoted, and what a refusal overrode: `"yes please"`,
    /// `"no" (overrides "let's go")`.
    pub cue: String,
    /// A decline for now ("maybe later", "not now"): the suggestion is closed, but the place is not
    /// remembered as refused, so a later wish may bring it back.
    pub for_now: bool,
}

/// Agreeing idioms that contain a negator (rule 1).
const NEGATED_ACCEPT_IDIOMS: &[&str] = &["no problem", "no worries", "why not"];

/// Decline phrases (rule 2), longest first so the cue names the whole phrase. `true` = for now.
const DECLINE_PHRASES: &[(&str, bool)] = &[
    ("i don't think so", false),
    ("no thank you", false),
    ("i'd rather not", false),
    ("not right now", true),
    ("some other time", true),
    ("another time", true),
    ("maybe later", true),
    ("not interested", false),
    ("keep driving", false),
    ("keep going", false),
    ("never mind", false),
    ("rather not", false),
    ("not today", true),
    ("no thanks", false),
    ("not now", true),
    ("not yet", true),
    ("carry on", false),
    ("skip it", false),
    ("later", true),
    ("nope", false),
    ("nah", false),
];

/// Bare refusals that decline only as the first or the last word ("no, ...", "please, no"), so "no
/// problem" and "no coffee for me today" are not read as a refusal of the suggestion.
const BARE_REFUSALS: &[&str] = &["no"];

/// Accept phrases (rule 3), longest first.
const ACCEPT_PHRASES: &[&str] = &[
    "let's do that",
    "let's do it",
    "sounds good",
    "sounds great",
    "good idea",
    "go ahead",
    "of course",
    "all right",
    "let's go",
    "yes please",
    "absolutely",
    "alright",
    "perfect",
    "please",
    "great",
    "sure",
    "okay",
    "yeah",
    "yes",
    "yep",
    "yup",
    "ok",
    "do it",
];

const NEGATORS: &[&str] = &["not", "don't", "dont", "no", "never", "didn't", "won't"];

/// Lower-case words; punctuation other than the apostrophe splits words ("Yes, please." -> yes please).
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\u{2019}', '`'], "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// Where `phrase` occurs in `w` (word positions), not overlapping `used`.
fn find(w: &[String], phrase: &str, used: &[bool]) -> Option<usize> {
    let p: Vec<&str> = phrase.split(' ').collect();
    (0..w.len().saturating_sub(p.len() - 1)).find(|&i| {
        p.iter().enumerate().all(|(k, pw)| w[i + k] == *pw) && !used[i..i + p.len()].contains(&true)
    })
}

fn mark(used: &mut [bool], at: usize, phrase: &str) {
    for u in used.iter_mut().skip(at).take(phrase.split(' ').count()) {
        *u = true;
    }
}

/// Reads `text` as a yes or no, if it is one (see the module docs).
pub fn read_answer(text: &str) -> Option<SpokenAnswer> {
    let w = words(text);
    if w.is_empty() || w.len() > MAX_ANSWER_WORDS {
        return None;
    }
    let mut used = vec![false; w.len()];
    let mut accept: Vec<String> = Vec::new();
    let mut decline: Vec<(String, bool)> = Vec::new();
    for idiom in NEGATED_ACCEPT_IDIOMS {
        while let Some(at) = find(&w, idiom, &used) {
            mark(&mut used, at, idiom);
            accept.push(idiom.to_string());
        }
    }
    for (phrase, for_now) in DECLINE_PHRASES {
        while let Some(at) = find(&w, phrase, &used) {
            mark(&mut used, at, phrase);
            decline.push((phrase.to_string(), *for_now));
        }
    }
    for at in [0, w.len() - 1] {
        if !used[at] && BARE_REFUSALS.contains(&w[at].as_str()) {
            used[at] = true;
            decline.push((w[at].clone(), false));
        }
    }
    for phrase in ACCEPT_PHRASES {
        while let Some(at) = find(&w, phrase, &used) {
            mark(&mut used, at, phrase);
            // a negator already read as a refusal ("no, let's go") does not negate again
            let negator =
                (at.saturating_sub(2)..at).find(|&i| !used[i] && NEGATORS.contains(&w[i].as_str()));
            match negator {
                Some(n) => {
                    used[n] = true;
                    decline.push((format!("{} {phrase}", w[n..at].join(" ")), false));
                }
                None => accept.push(phrase.to_string()),
            }
        }
    }
    let quoted = |v: &[String]| {
        v.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some((first, _)) = decline.first() {
        let for_now = decline.iter().all(|(_, later)| *later);
        let overrides = if accept.is_empty() {
            String::new()
        } else {
            format!(" (overrides {})", quoted(&accept))
        };
        return Some(SpokenAnswer {
            answer: Answer::Decline,
            cue: format!("\"{first}\"{overrides}"),
            for_now,
        });
    }
    if accept.is_empty() {
        return None;
    }
    // the cue is the phrases in the order they were said
    let unused = vec![false; w.len()];
    let mut said: Vec<(usize, &String)> = accept
        .iter()
        .map(|c| (find(&w, c, &unused).unwrap_or(0), c))
        .collect();
    said.sort();
    Some(SpokenAnswer {
        answer: Answer::Accept,
        cue: format!(
            "\"{}\"",
            said.iter()
                .map(|(_, c)| c.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        for_now: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(Answer, String, bool)> {
        read_answer(text).map(|a| (a.answer, a.cue, a.for_now))
    }

    #[test]
    fn the_answers_of_the_issue() {
        assert_eq!(
            read("Yes, please."),
            Some((Answer::Accept, "\"yes please\"".into(), false))
        );
        assert_eq!(
            read("Sure, let's go!"),
            Some((Answer::Accept, "\"sure let's go\"".into(), false))
        );
        assert_eq!(
            read("Not now."),
            Some((Answer::Decline, "\"not now\"".into(), true))
        );
        assert_eq!(
            read("No thanks"),
            Some((Answer::Decline, "\"no thanks\"".into(), false))
        );
        assert_eq!(
            read("Maybe later."),
            Some((Answer::Decline, "\"maybe later\"".into(), true))
        );
    }

    #[test]
    fn negation_decides() {
        assert_eq!(
            read("No, let's go."),
            Some((
                Answer::Decline,
                "\"no\" (overrides \"let's go\")".into(),
                false
            ))
        );
        assert_eq!(
            read("Yes, let's go."),
            Some((Answer::Accept, "\"yes let's go\"".into(), false))
        );
        assert_eq!(
            read("Yes, but not now.").map(|a| a.0),
            Some(Answer::Decline)
        );
        assert_eq!(
            read("That's not okay").map(|a| (a.0, a.1)),
            Some((Answer::Decline, "\"not okay\"".into()))
        );
        assert_eq!(read("Sure, no problem.").map(|a| a.0), Some(Answer::Accept));
        assert_eq!(
            read("I don't think so.").map(|a| (a.0, a.1)),
            Some((Answer::Decline, "\"i don't think so\"".into()))
        );
        assert_eq!(read("Please, no.").map(|a| a.0), Some(Answer::Decline));
        assert_eq!(
            read("Don't do it").map(|a| a.1),
            Some("\"don't do it\"".into())
        );
    }

    #[test]
    fn other_talk_is_not_an_answer() {
        for text in [
            "",
            "How far is the next town?",
            "I could really use a coffee.",
            "No idea where we are but I'm really hungry right now, to be honest",
            "snow",
            "nobody",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }
}
