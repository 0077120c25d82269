//! `no-transaction-multiple-statements`: a no-transaction migration with more
//! than one statement. If a later statement fails, the earlier ones stay
//! applied and the migration is half done.

use super::{Findings, LintContext};
use crate::diagnostic::{Code, Span};

/// Reports the second Up statement of a no-transaction migration.
pub fn check(
    context: &LintContext<'_>,
    up_statements: usize,
    second: Option<Span>,
    found: &mut Findings,
) {
    let Some(second) = second.filter(|_| !context.transactional) else {
        return;
    };
    found.push(context.diagnostic(
        Code::NoTransactionMultipleStatements,
        second,
        format!(
            "{} runs outside a transaction and has {up_statements} statements; if one fails, those before it stay applied.",
            context.label,
        ),
        "Split it into one migration per statement, each with `-- kimberlite:no-transaction`, so that a failure never leaves one half applied.",
    ));
}
