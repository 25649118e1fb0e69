//! Text to clauses of lower-case tokens: the only form the rules ever look at.
//!
//! Contractions are expanded ("let's" -> "let us", "don't" -> "do not") so one rule covers both
//! spellings; accents are folded ("café" -> "cafe"); a clause ends at punctuation or at "but", so the
//! negation in "I'm not hungry, but I could use a coffee" stays in its own clause. Input is capped and
//! anything that is not a letter, digit or apostrophe becomes a separator: hostile or binary text
//! yields a few harmless tokens, never an error.

/// Longest text looked at; a longer utterance is truncated (reported by the caller).
pub const MAX_TEXT_BYTES: usize = 2000;
/// Most tokens looked at.
pub const MAX_TOKENS: usize = 200;

/// One clause: its tokens, and whether it (or the utterance) asks a question.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    pub tokens: Vec<String>,
    pub question: bool,
}

/// The utterance as the rules see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalised {
    pub clauses: Vec<Clause>,
    /// The whole utterance ends with a question mark or starts like a question.
    pub question: bool,
    /// All tokens in order (clause boundaries removed).
    pub tokens: Vec<String>,
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        '\u{2019}' | '\u{2018}' | '`' | '´' => '\'',
        c => c,
    }
}

fn expand(word: &str, out: &mut Vec<String>) {
    let fixed: Option<&[&str]> = match word {
        "let's" | "lets" => Some(&["let", "us"]),
        "can't" | "cant" | "cannot" => Some(&["can", "not"]),
        "won't" | "wont" => Some(&["will", "not"]),
        "shan't" => Some(&["shall", "not"]),
        "ain't" => Some(&["is", "not"]),
        "i'm" | "im" => Some(&["i", "am"]),
        "gonna" => Some(&["going", "to"]),
        "wanna" => Some(&["want", "to"]),
        "gotta" => Some(&["got", "to"]),
        "dont" => Some(&["do", "not"]),
        "didnt" => Some(&["did", "not"]),
        "doesnt" => Some(&["does", "not"]),
        "isnt" => Some(&["is", "not"]),
        "arent" => Some(&["are", "not"]),
        "wasnt" => Some(&["was", "not"]),
        "havent" => Some(&["have", "not"]),
        "hasnt" => Some(&["has", "not"]),
        "wouldnt" => Some(&["would", "not"]),
        "couldnt" => Some(&["could", "not"]),
        "shouldnt" => Some(&["should", "not"]),
        "ive" => Some(&["i", "have"]),
        "weve" => Some(&["we", "have"]),
        "were'nt" => Some(&["were", "not"]),
        "whats" => Some(&["what", "is"]),
        "wheres" => Some(&["where", "is"]),
        "theres" => Some(&["there", "is"]),
        // "would ya?", "would ye ever pull in" (eleventh round, set 11)
        "ya" | "ye" => Some(&["you"]),
        // "a wee break fae driving" (Scots "from"; twelfth round, development misses)
        "fae" => Some(&["from"]),
        // "No need to halt anywhere" (Indian English "halt" for a stop; twenty-second round,
        // set 22)
        "halt" => Some(&["stop"]),
        _ => None,
    };
    if let Some(parts) = fixed {
        out.extend(parts.iter().map(|s| s.to_string()));
        return;
    }
    if let Some(stem) = word.strip_suffix("n't") {
        out.push(stem.to_string());
        out.push("not".into());
        return;
    }
    for (suffix, full) in [
        ("'re", "are"),
        ("'ve", "have"),
        ("'ll", "will"),
        ("'d", "would"),
        ("'m", "am"),
    ] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if !stem.is_empty() {
                out.push(stem.to_string());
                out.push(full.into());
                return;
            }
        }
    }
    if let Some(stem) = word.strip_suffix("'s") {
        // "it's" -> "it is"; "mcdonald's" keeps its name (possessive or brand)
        if matches!(
            stem,
            "it" | "that" | "what" | "where" | "there" | "here" | "he" | "she"
        ) {
            out.push(stem.to_string());
            out.push("is".into());
        } else {
            out.push(stem.to_string());
        }
        return;
    }
    let w = word.trim_matches('\'');
    if !w.is_empty() {
        out.push(w.to_string());
    }
}

const QUESTION_STARTS: &[&str] = &[
    "are", "is", "do", "does", "did", "can", "could", "shall", "should", "would", "will", "have",
    "has", "what", "where", "when", "how", "why", "who", "which", "anyone", "anybody", "may",
];

pub(crate) fn starts_like_question(tokens: &[String]) -> bool {
    // "don't worry", "do not stop": imperatives, not questions
    if tokens.first().is_some_and(|t| t == "do") && tokens.get(1).is_some_and(|t| t == "not") {
        return false;
    }
    // "have a break", "have some water": an imperative, not "have you ...?" (sixteenth round,
    // set 16)
    if tokens.first().is_some_and(|t| t == "have")
        && tokens
            .get(1)
            .is_some_and(|t| matches!(t.as_str(), "a" | "an" | "some"))
    {
        return false;
    }
    // "Haven't had my caffeine fix yet this morning": a lack said with the subject left out, not
    // "Haven't you had lunch?" (twenty-first round, set 21)
    if tokens.first().is_some_and(|t| t == "have" || t == "has")
        && tokens.get(1).is_some_and(|t| t == "not")
        && tokens
            .get(2)
            .is_some_and(|t| matches!(t.as_str(), "had" | "eaten" | "slept" | "stopped"))
    {
        return false;
    }
    // "what I really need is a lungful of air": a pseudo-cleft states, it does not ask (tenth
    // round, set 10)
    if tokens.first().is_some_and(|t| t == "what")
        && tokens.get(1).is_some_and(|t| t == "i" || t == "we")
    {
        return false;
    }
    // "do stop for fuel, dear", "do have a rest": an emphatic imperative, not a question
    // (eleventh round, set 11)
    if tokens.first().is_some_and(|t| t == "do")
        && tokens
            .get(1)
            .is_some_and(|t| EMPHATIC_IMPERATIVES.contains(&t.as_str()))
    {
        return false;
    }
    // "Could go for a poutine, eh", "Would kill for a coffee": the subject left out, a statement
    // (eleventh round, set 11); also negated ("Wouldn't say no to a cappuccino", "Wouldn't mind
    // a brew"; twelfth round, set 12), not "Wouldn't you like one?"
    if tokens.first().is_some_and(|t| t == "could" || t == "would") {
        let verb = if tokens.get(1).is_some_and(|t| t == "not") {
            2
        } else {
            1
        };
        if tokens
            .get(verb)
            .is_some_and(|t| ELIDED_SUBJECT_VERBS.contains(&t.as_str()))
        {
            return false;
        }
    }
    // "Fill up at the Repsol, is more cheap": a learner's comparison with "it" left out, not "is
    // it ...?" (twenty-second round, set 22)
    if tokens.first().is_some_and(|t| t == "is")
        && tokens.get(1).is_some_and(|t| {
            matches!(
                t.as_str(),
                "more" | "less" | "much" | "very" | "cheaper" | "better"
            )
        })
    {
        return false;
    }
    tokens
        .first()
        .is_some_and(|t| QUESTION_STARTS.contains(&t.as_str()))
}

/// Verbs after an emphatic "do" ("do stop", "do pull in").
const EMPHATIC_IMPERATIVES: &[&str] = &[
    "stop", "pull", "get", "grab", "fill", "charge", "find", "have", "take", "let", "open",
];

/// Words after "could"/"would" that show the subject was left out ("could go for", "could murder",
/// "would love"), not a question ("could we", "would you").
const ELIDED_SUBJECT_VERBS: &[&str] = &[
    "go",
    "do",
    "use",
    "murder",
    "kill",
    "eat",
    "drink",
    "sleep",
    "love",
    "really",
    "honestly",
    "seriously",
    "definitely",
    "totally",
    "so",
    "just",
    "literally",
    "happily",
    "easily",
    // twelfth round (set 12): "Wouldn't say no to ...", "Wouldn't mind ..."
    "say",
    "mind",
];

/// Splits and normalises `text`. Never fails; long input is cut at [`MAX_TEXT_BYTES`].
pub fn normalise(text: &str) -> Normalised {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut clauses: Vec<Clause> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut total = 0usize;
    // a word said twice in a row is a disfluency ("stop for for food", "uh charge charge the
    // car"): read once (sixth-round development miss, set 6)
    let flush_word = |word: &mut String, current: &mut Vec<String>| {
        if !word.is_empty() && current.last() != Some(word) {
            expand(word, current);
        }
        word.clear();
    };
    fn flush_clause(clauses: &mut Vec<Clause>, current: &mut Vec<String>, question: bool) {
        if !current.is_empty() {
            clauses.push(Clause {
                tokens: std::mem::take(current),
                question,
            });
        }
    }
    for c in text.chars().flat_map(char::to_lowercase).map(fold) {
        if total >= MAX_TOKENS {
            break;
        }
        if c.is_alphanumeric() || c == '\'' {
            word.push(c);
            continue;
        }
        flush_word(&mut word, &mut current);
        if current.last().is_some_and(|w| w == "but" || w == "though") {
            current.pop();
            flush_clause(&mut clauses, &mut current, false);
        }
        total = clauses.iter().map(|c| c.tokens.len()).sum::<usize>() + current.len();
        match c {
            '?' => flush_clause(&mut clauses, &mut current, true),
            '.' | '!' | ',' | ';' | ':' | '\n' => flush_clause(&mut clauses, &mut current, false),
            _ => {}
        }
    }
    flush_word(&mut word, &mut current);
    if current.last().is_some_and(|w| w == "but" || w == "though") {
        current.pop();
    }
    flush_clause(&mut clauses, &mut current, false);
    for c in clauses.iter_mut() {
        c.tokens.truncate(MAX_TOKENS);
        if !c.question && starts_like_question(&c.tokens) {
            c.question = true;
        }
    }
    let question = clauses.last().is_some_and(|c| c.question);
    let tokens: Vec<String> = clauses
        .iter()
        .flat_map(|c| c.tokens.iter().cloned())
        .take(MAX_TOKENS)
        .collect();
    Normalised {
        clauses,
        question,
        tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(n: &Normalised) -> Vec<Vec<&str>> {
        n.clauses
            .iter()
            .map(|c| c.tokens.iter().map(|s| s.as_str()).collect())
            .collect()
    }

    #[test]
    fn contractions_clauses_and_questions() {
        let n = normalise("I'm not hungry, but I’d love a Café au lait!");
        assert_eq!(
            toks(&n),
            vec![
                vec!["i", "am", "not", "hungry"],
                vec!["i", "would", "love", "a", "cafe", "au", "lait"]
            ]
        );
        assert!(!n.question);
        let n = normalise("Can we stop for coffee");
        assert!(n.question);
        let n = normalise("we don't need gas but let's get lunch");
        assert_eq!(
            toks(&n),
            vec![
                vec!["we", "do", "not", "need", "gas"],
                vec!["let", "us", "get", "lunch"]
            ]
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = "coffee ".repeat(10_000);
        let n = normalise(&long);
        assert!(n.tokens.len() <= MAX_TOKENS);
        let binary = String::from_utf8_lossy(&[0xff, 0x00, 0x13, b'a', 0xfe]).into_owned();
        let n = normalise(&binary);
        assert_eq!(n.tokens, vec!["a"]);
        assert!(normalise("").clauses.is_empty());
    }
}
