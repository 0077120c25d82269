//! `transaction-control`: BEGIN, COMMIT, ROLLBACK, ... inside a migration the
//! runner wraps in a transaction. COMMIT would end the runner's transaction
//! early, so the history row and the rest of the migration would no longer
//! commit or roll back together.

use super::{Findings, LintContext, StatementView};
use crate::diagnostic::Code;

const HELP: &str = "Remove it: every migration already runs in a transaction of its own. If this migration must manage transactions itself, add `-- kimberlite:no-transaction` at the top of the file.";

/// Statements that begin, end or mark a transaction.
const FORMS: &[&[&str]] = &[
    &["START", "TRANSACTION"],
    &["PREPARE", "TRANSACTION"],
    &["BEGIN"],
    &["COMMIT"],
    &["END"],
    &["ROLLBACK"],
    &["ABORT"],
    &["SAVEPOINT"],
    &["RELEASE"],
];

/// Reports transaction control in a transactional migration.
pub fn check(context: &LintContext<'_>, statement: &StatementView<'_, '_>, found: &mut Findings) {
    if !context.transactional {
        return;
    }
    let words = statement.words;
    if let Some(form) = FORMS.iter().find(|form| words.starts_with(form)) {
        found.push(context.diagnostic(
            Code::TransactionControl,
            words.span_of(form.len()),
            format!(
                "{} has `{}`, but it runs inside a transaction that the runner opens and commits.",
                context.label,
                words.shown(form.len())
            ),
            HELP,
        ));
    }
}
