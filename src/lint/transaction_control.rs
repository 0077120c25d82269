//! `transaction-control`: BEGIN, COMMIT, ROLLBACK, ... inside a migration the
//! runner wraps in a transaction. COMMIT would end the runner's transaction
//! early, so the history row and the rest of the migration would no longer
//! commit or roll back together.

use super::{Findings, LintContext, shown, span_of, starts_with};
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
pub fn check(context: &LintContext<'_>, found: &mut Findings) {
    if !context.transactional {
        return;
    }
    for (_, _, words) in context.statements() {
        if let Some(form) = FORMS.iter().find(|form| starts_with(words, form)) {
            found.push(context.diagnostic(
                Code::TransactionControl,
                span_of(words, form.len()),
                format!(
                    "{} has `{}`, but it runs inside a transaction that the runner opens and commits.",
                    context.label,
                    shown(words, form.len())
                ),
                HELP,
            ));
        }
    }
}
