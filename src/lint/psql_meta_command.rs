//! `psql-meta-command`: a line starting with `\` outside strings (`\i`,
//! `\connect`, `\set`, ...). Only psql understands these; Kimberlite and
//! PostgreSQL servers reject them.

use super::{Findings, LintContext};
use crate::diagnostic::{Code, Span};
use crate::sql::lexer::TokenKind;

/// Reports backslashes that start a line, outside strings and comments.
pub fn check(context: &LintContext<'_>, found: &mut Findings) {
    for token in context
        .tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Backslash)
    {
        let before = &context.src[..token.start];
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        if !before[line_start..].chars().all(char::is_whitespace) {
            continue;
        }
        let rest = &context.src[token.start..];
        let line_end = token.start + rest.find(['\n', '\r']).unwrap_or(rest.len());
        let command = context.src[token.start..line_end]
            .split_whitespace()
            .next()
            .unwrap_or("\\");
        found.push(context.diagnostic(
            Code::PsqlMetaCommand,
            Span::new(token.start + context.bom, line_end + context.bom),
            format!("{} has the psql command `{command}`, which only psql understands; the database would reject it.", context.label),
            "Remove it, or replace it with the SQL it stands for (for `\\i file`, the file's statements).",
        ));
    }
}
