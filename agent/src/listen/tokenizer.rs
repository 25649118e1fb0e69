//! Moonshine's `tokenizer.bin`: token id -> bytes, and the detokenisation rule of the reference code.
//!
//! The file is 32,000 records `[u8 len][len bytes]` (record index = token id; ids 3..258 are the raw
//! bytes 0x00..0xFF). Decoding skips the control ids (<= 2) and unknown ids, joins the bytes, turns
//! "▁" into a space and strips one leading space. Bytes that are not UTF-8 become U+FFFD rather than
//! an error: a transcript must never take the node down.

use crate::error::{AgentError, Result};
use std::path::Path;

/// The SentencePiece marker for a word boundary, "▁" (U+2581).
const WORD_MARK: &[u8] = "\u{2581}".as_bytes();

/// Moonshine's byte-level vocabulary.
#[derive(Clone, Debug)]
pub struct MoonshineTokenizer {
    pieces: Vec<Vec<u8>>,
}

impl MoonshineTokenizer {
    pub fn load(path: &Path) -> Result<Self> {
        let data = std::fs::read(path).map_err(|e| AgentError::io(path, e))?;
        Self::from_bytes(&data).map_err(|reason| AgentError::Model {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses the record stream; a truncated last record is an error, not a silent short vocabulary.
    pub fn from_bytes(data: &[u8]) -> std::result::Result<Self, String> {
        let mut pieces = Vec::with_capacity(32_000);
        let mut i = 0usize;
        while i < data.len() {
            let n = data[i] as usize;
            let piece = data
                .get(i + 1..i + 1 + n)
                .ok_or_else(|| format!("record {} at byte {i} is truncated", pieces.len()))?;
            pieces.push(piece.to_vec());
            i += 1 + n;
        }
        if pieces.len() < 259 {
            return Err(format!("only {} tokens; expected 32000", pieces.len()));
        }
        Ok(MoonshineTokenizer { pieces })
    }

    pub fn len(&self) -> usize {
        self.pieces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Token ids to text.
    pub fn decode(&self, ids: &[i64]) -> String {
        let mut bytes = Vec::new();
        for &id in ids {
            if id <= 2 {
                continue;
            }
            if let Some(p) = usize::try_from(id).ok().and_then(|i| self.pieces.get(i)) {
                bytes.extend_from_slice(p);
            }
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(WORD_MARK) {
                out.push(b' ');
                i += WORD_MARK.len();
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        match text.strip_prefix(' ') {
            Some(rest) => rest.to_string(),
            None => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> MoonshineTokenizer {
        let mut data = Vec::new();
        for i in 0..259u32 {
            if (3..259).contains(&i) {
                data.push(1);
                data.push((i - 3) as u8);
            } else {
                data.push(0);
            }
        }
        for piece in ["\u{2581}I", "\u{2581}could", "."] {
            data.push(piece.len() as u8);
            data.extend_from_slice(piece.as_bytes());
        }
        MoonshineTokenizer::from_bytes(&data).expect("valid")
    }

    #[test]
    fn decodes_word_marks_and_skips_control_ids() {
        let t = toy();
        assert_eq!(t.decode(&[1, 259, 260, 261, 2]), "I could.");
        // raw byte tokens (id = byte + 3) and an id past the vocabulary
        assert_eq!(t.decode(&[259, 3 + b'!' as i64, 99_999]), "I!");
    }

    #[test]
    fn invalid_utf8_and_truncation_do_not_panic() {
        let t = toy();
        assert_eq!(t.decode(&[3 + 0xff]), "\u{fffd}");
        assert!(MoonshineTokenizer::from_bytes(&[5, b'a']).is_err());
    }
}
