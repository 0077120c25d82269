//! `psql-meta-command`: a line starting with `\` outside strings (`\i`,
//! `\connect`, `\set`, ...). Only psql understands these; Kimberlite and
//! PostgreSQL servers reject them.

use super::{Findings, LintContext};
use crate::diagnostic::{Code, Span};

/// Reports backslashes that start a line, outside strings and comments.
pub fn check(context: &LintContext<'_>, start: usize, found: &mut Findings) {
    let before = &context.src[..start];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if !before[line_start..].chars().all(char::is_whitespace) {
        return;
    }
    if !found.wants(Code::PsqlMetaCommand) {
        found.count(Code::PsqlMetaCommand);
        return;
    }
    let rest = &context.src[start..];
    let line_end = start + rest.find(['\n', '\r']).unwrap_or(rest.len());
    let command = context.src[start..line_end]
        .split_whitespace()
        .next()
        .unwrap_or("\\");
    found.push(context.diagnostic(
        Code::PsqlMetaCommand,
        Span::new(start + context.bom, line_end + context.bom),
        format!("{} has the psql command `{command}`, which only psql understands; the database would reject it.", context.label),
        "Remove it, or replace it with the SQL it stands for (for `\\i file`, the file's statements).",
    ));
}
