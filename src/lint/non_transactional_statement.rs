//! `non-transactional-statement`: statements PostgreSQL refuses inside a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, `CREATE
//! DATABASE`, ...), in a migration that runs in one. It would fail at apply
//! time with "cannot run inside a transaction block".

use super::{Findings, LintContext, Word, shown, span_of, starts_with};
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

fn reindex_concurrently(words: &[Word<'_>]) -> bool {
    starts_with(words, &["REINDEX"]) && words.iter().any(|w| w.is("CONCURRENTLY"))
}

/// Reports them in a transactional migration.
pub fn check(context: &LintContext<'_>, found: &mut Findings) {
    if !context.transactional {
        return;
    }
    for (_, _, words) in context.statements() {
        let length = FORMS
            .iter()
            .find(|form| starts_with(words, form))
            .map(|form| form.len())
            .or_else(|| reindex_concurrently(words).then_some(1));
        if let Some(length) = length {
            found.push(context.diagnostic(
                Code::NonTransactionalStatement,
                span_of(words, length),
                format!(
                    "{} has `{}`, which PostgreSQL cannot run inside a transaction, and this migration runs in one.",
                    context.label,
                    shown(words, length)
                ),
                HELP,
            ));
        }
    }
}
