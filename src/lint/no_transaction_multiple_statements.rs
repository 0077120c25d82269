//! `no-transaction-multiple-statements`: a no-transaction migration with more
//! than one statement. If a later statement fails, the earlier ones stay
//! applied and the migration is half done.

use super::{Findings, LintContext};
use crate::diagnostic::Code;

/// Reports the second Up statement of a no-transaction migration.
pub fn check(context: &LintContext<'_>, found: &mut Findings) {
    if context.transactional || context.up.len() < 2 {
        return;
    }
    let second = &context.up[1];
    found.push(context.diagnostic(
        Code::NoTransactionMultipleStatements,
        second.span,
        format!(
            "{} runs outside a transaction and has {} statements; if one fails, those before it stay applied.",
            context.label,
            context.up.len()
        ),
        "Split it into one migration per statement, each with `-- kimberlite:no-transaction`, so that a failure never leaves one half applied.",
    ));
}
