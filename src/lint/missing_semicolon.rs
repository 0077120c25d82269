//! `missing-semicolon`: a statement not ended by `;`. It runs, but appending
//! SQL to the file later would silently join the two statements.

use super::{Findings, LintContext, StatementView};
use crate::diagnostic::{Code, Span};

/// Reports unterminated statements, at their last character.
pub fn check(context: &LintContext<'_>, statement: &StatementView<'_, '_>, found: &mut Findings) {
    if statement.terminated {
        return;
    }
    let end = statement.span.end;
    let text = &context.src[..end - context.bom];
    let last = text.chars().next_back().map_or(0, char::len_utf8);
    found.push(context.diagnostic(
        Code::MissingSemicolon,
        Span::new(end - last, end),
        format!("A statement of {} does not end with `;`.", context.label),
        "End the statement with `;`, so that SQL added after it later stays a statement of its own.",
    ));
}
