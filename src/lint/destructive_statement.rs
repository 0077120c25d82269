//! `destructive-statement`: statements that destroy data in an Up section:
//! DROP TABLE, ALTER TABLE ... DROP COLUMN, TRUNCATE, and DELETE or UPDATE
//! without a WHERE. Rolling the migration back does not bring the data back.

use super::{Findings, LintContext, Word, span_of, starts_with};
use crate::diagnostic::Code;

const HELP: &str = "Make sure the data is backed up or no longer needed. If this is intended, put `-- kimberlite:ignore destructive-statement` on the line above the statement.";

/// What `ALTER TABLE ... DROP <x>` drops when `x` is not a column.
const NOT_COLUMNS: &[&str] = &["CONSTRAINT", "DEFAULT", "NOT", "IDENTITY", "EXPRESSION"];

/// What a statement destroys, if anything, and how many leading words say so.
fn destroys(words: &[Word<'_>]) -> Option<(&'static str, usize)> {
    if starts_with(words, &["DROP", "TABLE"]) {
        return Some(("drops a table", 2));
    }
    if starts_with(words, &["TRUNCATE"]) {
        return Some(("empties a table", 1));
    }
    if starts_with(words, &["ALTER", "TABLE"]) {
        let top: Vec<&Word<'_>> = words.iter().filter(|w| w.depth == 0).collect();
        let drops_column = top
            .windows(2)
            .any(|pair| pair[0].is("DROP") && !NOT_COLUMNS.iter().any(|k| pair[1].is(k)));
        return drops_column.then_some(("drops a column", 2));
    }
    // The verb of the statement, after any WITH ... AS (...) clauses.
    let verb = words.iter().find(|w| {
        w.depth == 0
            && ["DELETE", "UPDATE", "INSERT", "SELECT", "MERGE"]
                .iter()
                .any(|k| w.is(k))
    })?;
    let has_where = words
        .iter()
        .any(|w| w.depth == 0 && w.is("WHERE") && w.span.start > verb.span.start);
    if has_where {
        None
    } else if verb.is("DELETE") {
        Some(("deletes every row of a table (DELETE without WHERE)", 1))
    } else if verb.is("UPDATE") {
        Some(("changes every row of a table (UPDATE without WHERE)", 1))
    } else {
        None
    }
}

/// Reports destructive statements of the Up section.
pub fn check(context: &LintContext<'_>, found: &mut Findings) {
    for (is_up, _, words) in context.statements() {
        if !is_up {
            continue;
        }
        if let Some((what, length)) = destroys(words) {
            found.push(context.diagnostic(
                Code::DestructiveStatement,
                span_of(words, length),
                format!(
                    "A statement of {} {what}; rolling back will not bring the data back.",
                    context.label
                ),
                HELP,
            ));
        }
    }
}
