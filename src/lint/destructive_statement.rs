//! `destructive-statement`: statements that destroy data in an Up section:
//! DROP TABLE, ALTER TABLE ... DROP COLUMN, TRUNCATE, and DELETE or UPDATE
//! without a WHERE. Rolling the migration back does not bring the data back.

use super::{Findings, LintContext, Made, StatementView, Words};
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

/// Reports them in the Up section, unless they only reach what the section
/// `made` (a table it created or emptied, a column it added and now fills).
pub fn check(
    context: &LintContext<'_>,
    statement: &StatementView<'_, '_>,
    made: &mut Made,
    found: &mut Findings,
) {
    if !statement.is_up {
        return;
    }
    if let Some((what, length)) = destroys(statement.words) {
        let reach = super::schema::reach(context.text_of(statement.span));
        let empties = statement.words.starts_with(&["TRUNCATE"])
            || statement.words.verb.is_some_and(|verb| verb.is("DELETE"));
        let held = reach
            .as_ref()
            .is_some_and(|reach| made.holds(reach, context.schema));
        if empties && let Some(reach) = reach {
            made.emptied(reach);
        }
        if held {
            return;
        }
        found.push(context.diagnostic(
            Code::DestructiveStatement,
            statement.words.span_of(length),
            format!(
                "A statement of {} {what}; rolling back will not bring the data back.",
                context.label
            ),
            HELP,
        ));
    }
}
