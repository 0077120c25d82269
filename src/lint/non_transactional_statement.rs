//! `non-transactional-statement`: statements PostgreSQL refuses inside a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, `CREATE
//! DATABASE`, ...), in a migration that runs in one. It would fail at apply
//! time with "cannot run inside a transaction block".

use super::{Findings, LintContext, StatementView};
use crate::diagnostic::Code;

const HELP: &str = "Move it to a migration of its own whose first line is `-- kimberlite:no-transaction` (one statement per such migration).";

/// Statement openings that cannot run in a transaction.
const FORMS: &[&[&str]] = &[
    &["CREATE", "INDEX", "CONCURRENTLY"],
    &["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"],
    &["DROP", "INDEX", "CONCURRENTLY"],
    &["VACUUM"],
    &["CREATE", "DATABASE"],
    &["DROP", "DATABASE"],
    &["ALTER", "SYSTEM"],
    &["CREATE", "TABLESPACE"],
    &["DROP", "TABLESPACE"],
];

/// Reports them in a transactional migration.
pub fn check(context: &LintContext<'_>, statement: &StatementView<'_, '_>, found: &mut Findings) {
    if !context.transactional {
        return;
    }
    let words = statement.words;
    let length = FORMS
        .iter()
        .find(|form| words.starts_with(form))
        .map(|form| form.len())
        .or_else(|| (words.starts_with(&["REINDEX"]) && words.concurrently).then_some(1));
    if let Some(length) = length {
        found.push(context.outside_transaction(context.diagnostic(
            Code::NonTransactionalStatement,
            words.span_of(length),
            format!(
                "{} has `{}`, which PostgreSQL cannot run inside a transaction, and this migration runs in one.",
                context.label,
                words.shown(length)
            ),
            HELP,
        )));
    }
}
