//! `transaction-control`: BEGIN, COMMIT, ROLLBACK, ... inside a migration the
//! runner wraps in a transaction. COMMIT would end the runner's transaction
//! early, so the history row and the rest of the migration would no longer
//! commit or roll back together.

use super::{Findings, LintContext, StatementView};
use crate::diagnostic::{Code, Span};
use crate::sql::lexer::{Lexer, TokenKind};

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
        found.push(context.outside_transaction(context.diagnostic(
            Code::TransactionControl,
            words.span_of(form.len()),
            format!(
                "{} has `{}`, but it runs inside a transaction that the runner opens and commits.",
                context.label,
                words.shown(form.len())
            ),
            HELP,
        )));
    }
}

/// The first `COMMIT` or `ROLLBACK` that stands as a statement of a
/// PL/pgSQL body (`body` is the text between the quotes): its byte range in
/// `body` and the word as written. PostgreSQL runs them only outside a
/// transaction block: inside one they fail with "invalid transaction
/// termination".
pub fn in_body(body: &str) -> Option<(usize, usize, &str)> {
    // A statement starts at the body's start and after `;` and the words
    // that open a block or a branch.
    let mut at_statement = true;
    for token in Lexer::new(body) {
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment => {}
            TokenKind::Semicolon => at_statement = true,
            TokenKind::Word => {
                let word = token.text(body);
                if at_statement
                    && (word.eq_ignore_ascii_case("COMMIT")
                        || word.eq_ignore_ascii_case("ROLLBACK"))
                {
                    return Some((token.start, token.end, word));
                }
                at_statement = ["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k));
            }
            _ => at_statement = false,
        }
    }
    None
}

/// Transaction control inside a quoted body, in a migration that runs in a
/// transaction: `COMMIT` or `ROLLBACK` in a `DO` block (`span` is the word,
/// `what` says `DO`), or a `CALL` of a procedure of this migration whose body
/// has one (`span` is the call, `what` names the procedure).
pub fn check_body(context: &LintContext<'_>, span: Span, what: Body<'_>, found: &mut Findings) {
    if !context.transactional {
        return;
    }
    let (message, help) = match what {
        Body::Do(word) => (
            format!(
                "{} has `{}` inside a `DO` block",
                context.label,
                word.to_ascii_uppercase()
            ),
            "Remove it, or move the block to a migration of its own whose first line is `-- kimberlite:no-transaction`.",
        ),
        Body::Call(name) => (
            format!(
                "{} calls `{name}`, whose body ends the transaction (`COMMIT` or `ROLLBACK`)",
                context.label
            ),
            "Call it from a migration of its own whose first line is `-- kimberlite:no-transaction`, or take the transaction control out of the procedure.",
        ),
    };
    found.push(context.outside_transaction(context.diagnostic(
        Code::TransactionControl,
        span,
        format!("{message}; PostgreSQL refuses it inside the transaction the runner opens (\"invalid transaction termination\")."),
        help,
    )));
}

/// Which body [`check_body`] reports on.
pub enum Body<'a> {
    /// A `DO` block with this word (`COMMIT` or `ROLLBACK`) as written.
    Do(&'a str),
    /// A `CALL` of this procedure.
    Call(&'a str),
}
