//! `destructive-statement`: statements that destroy data in an Up section:
//! DROP TABLE, ALTER TABLE ... DROP COLUMN, TRUNCATE, and DELETE or UPDATE
//! without a WHERE. Rolling the migration back does not bring the data back.

use super::{LintContext, Word, span_of, starts_with, words};
use crate::diagnostic::{Code, Diagnostic};

const HELP: &str = "Make sure the data is backed up or no longer needed. If this is intended, put `-- kimberlite:ignore destructive-statement` on the line above the statement.";

/// What a statement destroys, if anything, and how many leading words say so.
fn destroys(words: &[Word]) -> Option<(&'static str, usize)> {
    if starts_with(words, &["DROP", "TABLE"]) {
        return Some(("drops a table", 2));
    }
    if starts_with(words, &["TRUNCATE"]) {
        return Some(("empties a table", 1));
    }
    if starts_with(words, &["ALTER", "TABLE"]) {
        let top: Vec<&Word> = words.iter().filter(|w| w.depth == 0).collect();
        for pair in top.windows(2) {
            let dropped = pair[1].text.as_str();
            let is_column = pair[0].text == "DROP"
                && !matches!(
                    dropped,
                    "CONSTRAINT" | "DEFAULT" | "NOT" | "IDENTITY" | "EXPRESSION"
                );
            if is_column {
                return Some(("drops a column", 2));
            }
        }
        return None;
    }
    // The verb of the statement, after any WITH ... AS (...) clauses.
    let verb = words.iter().find(|w| {
        w.depth == 0
            && matches!(
                w.text.as_str(),
                "DELETE" | "UPDATE" | "INSERT" | "SELECT" | "MERGE"
            )
    })?;
    let has_where = words
        .iter()
        .any(|w| w.depth == 0 && w.text == "WHERE" && w.span.start > verb.span.start);
    match verb.text.as_str() {
        "DELETE" if !has_where => Some(("deletes every row of a table (DELETE without WHERE)", 1)),
        "UPDATE" if !has_where => Some(("changes every row of a table (UPDATE without WHERE)", 1)),
        _ => None,
    }
}

/// Reports destructive statements of the Up section.
pub fn check(context: &LintContext<'_>, found: &mut Vec<Diagnostic>) {
    for (is_up, statement) in context.statements() {
        if !is_up {
            continue;
        }
        let words = words(statement);
        if let Some((what, length)) = destroys(&words) {
            found.push(context.diagnostic(
                Code::DestructiveStatement,
                span_of(&words, length),
                format!(
                    "A statement of {} {what}; rolling back will not bring the data back.",
                    context.label
                ),
                HELP,
            ));
        }
    }
}
