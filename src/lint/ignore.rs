//! Where an ignore comment goes to silence a finding: the edits an editor
//! offers as "Ignore <code> for this statement" and "... in this file",
//! decided here once, knowing the statements, so every shell maps them.

use crate::diagnostic::{Code, Edit, Fix};
use crate::line_index::{LineIndex, Position, Span, eol_of};
use crate::sql::split::split_statements;

/// The two ways to silence `code` for the finding at `at` in `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreFixes {
    /// `-- kimberlite:ignore <code>` on a line of its own above the
    /// statement the finding is in (its first line, not the finding's):
    /// a statement that starts after another on the same line is moved to
    /// a line of its own first.
    pub statement: Fix,
    /// `-- kimberlite:ignore-file <code>` at the top (after a BOM).
    pub file: Fix,
}

/// The fixes for a finding of `code` at `at` (an LSP position in `text`);
/// `None` when `code` cannot be silenced by a comment.
pub fn ignore_fixes(text: &str, code: Code, at: Position) -> Option<IgnoreFixes> {
    if !code.is_silenceable() {
        return None;
    }
    let index = LineIndex::new(text);
    let offset = index.offset(at);
    let name = code.as_str();
    // The statement the finding is in; else the finding's own line.
    let start = split_statements(text)
        .iter()
        .find(|statement| statement.span.start <= offset && offset <= statement.span.end)
        .map(|statement| statement.span.start)
        .unwrap_or_else(|| index.line_start_at(offset));
    // A BOM is no place for a comment: it stays first.
    let top = index.bom_len();
    let start = start.max(top);
    let line_start = index.line_start_at(start);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let alone = text[line_start..start].trim().is_empty();
    let eol = eol_of(text);
    let statement_edit = if alone {
        (
            Span::new(line_start, line_start),
            format!("{indent}-- kimberlite:ignore {name}{eol}"),
        )
    } else {
        (
            Span::new(start, start),
            format!("{eol}{indent}-- kimberlite:ignore {name}{eol}{indent}"),
        )
    };
    let fix = |title: String, (span, text): (Span, String)| Fix {
        title,
        edits: vec![Edit {
            span,
            range: index.range(span),
            text,
        }],
    };
    Some(IgnoreFixes {
        statement: fix(format!("Ignore {name} for this statement"), statement_edit),
        file: fix(
            format!("Ignore {name} in this file"),
            (
                Span::new(top, top),
                format!("-- kimberlite:ignore-file {name}{eol}"),
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, fix: &Fix) -> String {
        let mut out = text.to_string();
        for edit in fix.edits.iter().rev() {
            out.replace_range(edit.span.start..edit.span.end, &edit.text);
        }
        out
    }

    fn at(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn above_the_statement_s_first_line_with_its_indent() {
        let text = "CREATE TABLE a (id int);\n  UPDATE a\n  SET id = 1;\n";
        // The finding is on the statement's second line.
        let fixes = ignore_fixes(text, Code::DestructiveStatement, at(2, 4)).unwrap();
        assert_eq!(
            apply(text, &fixes.statement),
            "CREATE TABLE a (id int);\n  -- kimberlite:ignore destructive-statement\n  UPDATE a\n  SET id = 1;\n"
        );
        assert_eq!(
            fixes.statement.title,
            "Ignore destructive-statement for this statement"
        );
        assert_eq!(
            apply(text, &fixes.file),
            format!("-- kimberlite:ignore-file destructive-statement\n{text}")
        );
    }

    #[test]
    fn a_second_statement_on_a_line_moves_to_its_own() {
        let text = "SELECT 1; DELETE FROM a;\n";
        let fixes = ignore_fixes(text, Code::DestructiveStatement, at(0, 12)).unwrap();
        assert_eq!(
            apply(text, &fixes.statement),
            "SELECT 1; \n-- kimberlite:ignore destructive-statement\nDELETE FROM a;\n"
        );
        assert_eq!(fixes.statement.edits[0].range.start, at(0, 10));
    }

    #[test]
    fn after_a_bom_and_with_crlf() {
        let text = "\u{feff}SELECT 1;\r\nDELETE FROM a;\r\n";
        let fixes = ignore_fixes(text, Code::DestructiveStatement, at(1, 0)).unwrap();
        assert_eq!(
            apply(text, &fixes.statement),
            "\u{feff}SELECT 1;\r\n-- kimberlite:ignore destructive-statement\r\nDELETE FROM a;\r\n"
        );
        assert_eq!(fixes.file.edits[0].span, Span::new(3, 3));
        assert_eq!(fixes.file.edits[0].range.start, at(0, 0));
    }

    #[test]
    fn any_position_in_any_text_gives_edits_that_add_the_comment() {
        let texts = [
            "",
            "\u{feff}",
            "SELECT 1",
            "\u{feff}-- 😀\r\nSELECT '😀'; DELETE FROM a;\rUPDATE b\n  SET c = 1; /* x",
            "  \t DELETE FROM a;\n\n$$ unterminated",
        ];
        for text in texts {
            for line in 0..6 {
                for character in 0..40 {
                    let fixes = ignore_fixes(text, Code::DestructiveStatement, at(line, character))
                        .unwrap();
                    for fix in [&fixes.statement, &fixes.file] {
                        let fixed = apply(text, fix);
                        assert!(
                            fixed.contains("-- kimberlite:ignore"),
                            "{text:?} {line}:{character}"
                        );
                        assert_eq!(fixed.len(), text.len() + fix.edits[0].text.len());
                    }
                }
            }
        }
    }

    #[test]
    fn only_for_codes_a_comment_silences() {
        assert!(ignore_fixes("SELECT 1;", Code::ChecksumMismatch, at(0, 0)).is_none());
    }
}
