//! Word error rate: how far a transcript is from what was said, in word edits per reference word.
//!
//! Both texts are normalised the usual way before comparing (lower case, punctuation dropped,
//! hyphens split, the spoken titles "Mr."/"Mrs."/"Dr." written out as a reader says them, as Whisper's
//! English normaliser does), so "Coffee." and "coffee", "Mr." and "mister" are the same word.

/// Lower-case words without punctuation.
pub fn normalise_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-')
        .map(|w| {
            let w: String = w
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect();
            match w.as_str() {
                "mr" => "mister".to_string(),
                "mrs" => "missus".to_string(),
                "dr" => "doctor".to_string(),
                _ => w,
            }
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance (substitutions + insertions + deletions) and the reference length.
pub fn word_errors(reference: &str, hypothesis: &str) -> (usize, usize) {
    let r = normalise_words(reference);
    let h = normalise_words(hypothesis);
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    let mut cur = vec![0; h.len() + 1];
    for i in 1..=r.len() {
        cur[0] = i;
        for j in 1..=h.len() {
            let sub = prev[j - 1] + usize::from(r[i - 1] != h[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[h.len()], r.len())
}

/// Word error rate of one pair (errors / reference words; 0 for two empty texts).
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let (e, n) = word_errors(reference, hypothesis);
    if n == 0 {
        if e == 0 {
            0.0
        } else {
            1.0
        }
    } else {
        e as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_edits_after_normalising() {
        assert_eq!(
            word_errors("I could use a coffee.", "i could use a Coffee"),
            (0, 5)
        );
        assert_eq!(word_errors("a b c d", "a x c"), (2, 4));
        assert_eq!(word_errors("a b", "a b c"), (1, 2));
        assert_eq!(word_errors("and mister john", "And Mr. John"), (0, 3));
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(word_error_rate("", "x"), 1.0);
    }
}
