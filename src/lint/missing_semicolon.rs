//! `missing-semicolon`: a statement not ended by `;`. It runs, but appending
//! SQL to the file later would silently join the two statements.

use super::{Findings, LintContext};
use crate::diagnostic::{Code, Span};

/// Reports unterminated statements, at their last character.
pub fn check(context: &LintContext<'_>, found: &mut Findings) {
    for statement in context.up.iter().chain(context.down.into_iter().flatten()) {
        if statement.terminated {
            continue;
        }
        let end = statement.span.end;
        let last = statement.text.chars().next_back().map_or(0, char::len_utf8);
        found.push(context.diagnostic(
            Code::MissingSemicolon,
            Span::new(end - last, end),
            format!("A statement of {} does not end with `;`.", context.label),
            "End the statement with `;`, so that SQL added after it later stays a statement of its own.",
        ));
    }
}
