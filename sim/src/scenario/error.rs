//! Scenario errors that point at the file, line and field, and the helpers that find them.
//!
//! toml gives byte spans; a scenario author wants `drive.toml:42: driver.glance.duration_s: ...`.
//! [`SourceText`] turns spans into lines and finds the line of a named field inside a table's span,
//! so semantic checks (a microsleep shorter than 1 s, a POI file that does not exist) point at the
//! exact line too, not only the syntax errors toml itself reports.

use std::ops::Range;

/// A problem in a scenario file or a file it refers to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the problem is not tied to a line (an unreadable file).
    pub line: usize,
    /// The dotted path of the field (`driver.microsleep.duration_s`), or `-`.
    pub field: String,
    pub message: String,
}

impl ScenarioError {
    pub(crate) fn new(
        file: &str,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: file.to_string(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The text of a scenario file with its name, for error locations.
pub(crate) struct SourceText<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl SourceText<'_> {
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text
            .get(..end)
            .map_or(1, |t| t.bytes().filter(|&b| b == b'\n').count() + 1)
    }

    /// The line where `field = ...` appears in the table starting at `span` (toml's span of a table is
    /// its `[header]`: the table's body runs to the next header), else the table's first line.
    pub fn field_line(&self, span: &Range<usize>, field: &str) -> usize {
        let start = span.start.min(self.text.len());
        let body = self.text.get(start..).unwrap_or("");
        let mut offset = start;
        for (i, line) in body.split_inclusive('\n').enumerate() {
            let trimmed = line.trim_start();
            if i > 0 && trimmed.starts_with('[') {
                break;
            }
            // `field = ...` at the start of a line, or `{ field = ...` / `, field = ...` inline.
            let hit = trimmed
                .strip_prefix(field)
                .is_some_and(|r| r.trim_start().starts_with('='))
                || line.contains(&format!("{{ {field} ="))
                || line.contains(&format!(", {field} ="));
            if hit {
                return self.line_of(offset);
            }
            offset += line.len();
        }
        self.line_of(start)
    }

    pub fn error(
        &self,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError::new(self.file, line, field, message)
    }

    /// An error about `field` of the table spanning `span`; `table` is the table's dotted path.
    pub fn field_error(
        &self,
        span: &Range<usize>,
        table: &str,
        field: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        let path = if table.is_empty() {
            field.to_string()
        } else {
            format!("{table}.{field}")
        };
        self.error(self.field_line(span, field), path, message)
    }

    /// Converts a toml parse error: the line from its span, the field from the message (unknown or
    /// missing field) or from the `key = value` on the offending line, prefixed by the enclosing
    /// `[table]` header.
    // Named for how it reads where it is called (`src.from_toml(&e)`): the source text is what
    // gives a toml error its line and field.
    #[allow(clippy::wrong_self_convention)]
    pub fn from_toml(&self, e: &toml::de::Error) -> ScenarioError {
        let message = e.message().trim().to_string();
        let offset = e.span().map(|s| s.start);
        let line = offset.map_or(0, |o| self.line_of(o));
        let from_message = ["unknown field `", "missing field `", "duplicate key `"]
            .iter()
            .find_map(|p| message.split(p).nth(1))
            .and_then(|r| r.split('`').next())
            .map(str::to_string);
        let key_on_line = offset.and_then(|o| self.key_at(o));
        let field = from_message.or(key_on_line);
        let table = offset.and_then(|o| self.table_at(o));
        let field = match (table, field) {
            (Some(t), Some(f)) => format!("{t}.{f}"),
            (Some(t), None) => t,
            (None, Some(f)) => f,
            (None, None) => "-".to_string(),
        };
        self.error(line, field, message)
    }

    /// The key of the `key = value` line containing `offset`.
    fn key_at(&self, offset: usize) -> Option<String> {
        let start = self.text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
        let line = self.text.get(start..)?.lines().next()?;
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_start_matches(['{', ',', ' ']).trim();
        (!key.is_empty() && !key.starts_with('[') && !key.contains(' ')).then(|| key.to_string())
    }

    /// The `[table]` / `[[table]]` header above `offset`.
    fn table_at(&self, offset: usize) -> Option<String> {
        let before = self.text.get(..offset)?;
        before.lines().rev().find_map(|l| {
            let l = l.trim();
            let inner = l
                .strip_prefix("[[")
                .and_then(|r| r.split("]]").next())
                .or_else(|| {
                    l.strip_prefix('[')
                        .and_then(|r| r.split(']').next())
                        .filter(|s| !s.contains(','))
                })?;
            let inner = inner.trim();
            (!inner.is_empty() && !inner.contains('"')).then(|| inner.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lines_are_found_inside_a_span() {
        let text = "[a]\nx = 1\n\n[[b]]\ny = 2\nz = { w = 3, v = 4 }\n";
        let src = SourceText { file: "f", text };
        let span = text.find("[[b]]").unwrap()..text.find("[[b]]").unwrap() + 5;
        assert_eq!(src.field_line(&span, "y"), 5);
        assert_eq!(src.field_line(&span, "v"), 6);
        assert_eq!(src.field_line(&span, "nope"), 4);
        assert_eq!(src.field_line(&(0..3), "y"), 1, "stops at the next header");
        assert_eq!(
            src.table_at(text.find("y =").unwrap()).as_deref(),
            Some("b")
        );
        assert_eq!(src.key_at(text.find("2").unwrap()).as_deref(), Some("y"));
    }
}
