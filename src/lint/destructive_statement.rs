//! `destructive-statement`: statements that destroy data in an Up section:
//! DROP TABLE, ALTER TABLE ... DROP COLUMN, TRUNCATE, and DELETE or UPDATE
//! without a WHERE. Rolling the migration back does not bring the data back.

use super::{LintContext, Made, StatementView, Words};
use crate::diagnostic::Code;

const HELP: &str = "Make sure the data is backed up or no longer needed. If this is intended, put `-- kimberlite:ignore destructive-statement` on the line above the statement.";

/// What `ALTER TABLE ... DROP <x>` drops when `x` is not a column.
pub(super) const NOT_COLUMNS: &[&str] = &["CONSTRAINT", "DEFAULT", "NOT", "IDENTITY", "EXPRESSION"];

/// The top-level verbs of statements that change rows.
pub(super) const VERBS: &[&str] = &["DELETE", "UPDATE", "INSERT", "SELECT", "MERGE"];

/// What a statement destroys, if anything, and how many leading words say so.
fn destroys(words: &Words<'_>) -> Option<(&'static str, usize)> {
    if words.starts_with(&["DROP", "TABLE"]) {
        return Some(("drops a table", 2));
    }
    if words.starts_with(&["TRUNCATE"]) {
        return Some(("empties a table", 1));
    }
    if words.starts_with(&["ALTER", "TABLE"]) {
        return words.drops_column.then_some(("drops a column", 2));
    }
    let verb = words.verb?;
    if words.where_after_verb {
        None
    } else if verb.is("DELETE") {
        Some(("deletes every row of a table (DELETE without WHERE)", 1))
    } else if verb.is("UPDATE") {
        Some(("changes every row of a table (UPDATE without WHERE)", 1))
    } else {
        None
    }
}

/// An `UPDATE`: it changes rows a copy does not bring back.
fn verb_is_update(words: &Words<'_>) -> bool {
    words.verb.is_some_and(|verb| verb.is("UPDATE")) && !words.starts_with(&["ALTER"])
}

/// Reports them in the Up section, unless they only reach what the section
/// `made` (a table it created or emptied, a column it added and now fills),
/// or what it copied into other tables before (moved, not lost). The
/// findings are held by `made` until the section ends (a table dropped and
/// made again from a query later in the section is rebuilt, not lost).
pub fn check(context: &LintContext<'_>, statement: &StatementView<'_, '_>, made: &mut Made) {
    if !statement.is_up {
        return;
    }
    if let Some((what, length)) = destroys(statement.words) {
        let reach = super::schema::reach(context.text_of(statement.span));
        let drops = match &reach {
            Some(reach) if statement.words.starts_with(&["DROP", "TABLE"]) => reach.tables.clone(),
            _ => Vec::new(),
        };
        let empties = statement.words.starts_with(&["TRUNCATE"])
            || statement.words.verb.is_some_and(|verb| verb.is("DELETE"));
        let held = reach
            .as_ref()
            .is_some_and(|reach| made.holds(reach, context.schema));
        // Copied elsewhere earlier in the section: moved, not lost. A whole
        // table (dropped, emptied) needs its whole rows copied; a dropped
        // column needs to be among what was copied.
        let drops_columns = statement.words.starts_with(&["ALTER", "TABLE"]);
        let dropped = if drops_columns {
            super::schema::dropped_columns(context.text_of(statement.span))
        } else {
            Vec::new()
        };
        let moved = reach.as_ref().is_some_and(|reach| {
            !verb_is_update(statement.words)
                && made.moved(reach, !drops_columns, &dropped, context.schema)
        });
        if empties && let Some(reach) = reach {
            made.emptied(reach);
        }
        if held || moved {
            return;
        }
        made.hold(
            drops,
            context.diagnostic(
                Code::DestructiveStatement,
                statement.words.span_of(length),
                format!(
                    "A statement of {} {what}; rolling back will not bring the data back.",
                    context.label
                ),
                HELP,
            ),
        );
    }
}
