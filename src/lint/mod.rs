//! Lint rules over a migration's SQL (SPEC §9), one file per rule.
//!
//! Rules see the file's tokens and its statements through [`LintContext`];
//! the shared walking (a statement's words with their depth and span) lives
//! here, so rules only say what they look for.

mod destructive_statement;
mod missing_semicolon;
mod no_transaction_multiple_statements;
mod non_transactional_statement;
mod psql_meta_command;
mod transaction_control;

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::line_index::LineIndex;
use crate::migration::Statement;
use crate::sql::lexer::{Lexer, Token, TokenKind};

/// What a rule may look at.
pub struct LintContext<'a> {
    /// The path diagnostics name.
    pub path: &'a str,
    /// How messages name the migration (`migration 3 (0003_x.sql)`).
    pub label: &'a str,
    /// The file's text after a BOM.
    pub src: &'a str,
    /// Bytes before `src` in the contents (3 with a BOM, else 0).
    pub bom: usize,
    /// The tokens of `src`.
    pub tokens: &'a [Token],
    /// Positions in the whole contents.
    pub index: &'a LineIndex<'a>,
    /// Whether the migration runs in a transaction.
    pub transactional: bool,
    /// The Up statements.
    pub up: &'a [Statement],
    /// The Down statements, when there is a Down section.
    pub down: Option<&'a [Statement]>,
}

impl LintContext<'_> {
    /// Every statement with the section it is in (`true` for Up).
    pub fn statements(&self) -> impl Iterator<Item = (bool, &Statement)> {
        let up = self.up.iter().map(|s| (true, s));
        let down = self.down.into_iter().flatten().map(|s| (false, s));
        up.chain(down)
    }

    /// A finding at `span` (offsets in the whole contents).
    pub fn diagnostic(&self, code: Code, span: Span, message: String, help: &str) -> Diagnostic {
        Diagnostic::new(code, self.path, message)
            .with_span(span, self.index)
            .with_help(help)
    }
}

/// One unquoted word of a statement.
#[derive(Debug, Clone)]
pub struct Word {
    /// Uppercased.
    pub text: String,
    /// Parenthesis depth (0 at the statement's top level).
    pub depth: usize,
    /// Where it is in the whole contents.
    pub span: Span,
}

/// The unquoted words of a statement, in order, with depth and span.
pub fn words(statement: &Statement) -> Vec<Word> {
    let mut depth = 0usize;
    let mut words = Vec::new();
    for token in Lexer::new(&statement.text) {
        match token.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            TokenKind::Word => words.push(Word {
                text: statement.text[token.start..token.end].to_ascii_uppercase(),
                depth,
                span: Span::new(
                    statement.span.start + token.start,
                    statement.span.start + token.end,
                ),
            }),
            _ => {}
        }
    }
    words
}

/// Whether the top-level words start with `expected` (uppercase).
pub fn starts_with(words: &[Word], expected: &[&str]) -> bool {
    words.len() >= expected.len()
        && words
            .iter()
            .zip(expected)
            .all(|(word, want)| word.text == *want && word.depth == 0)
}

/// The span from the first to the last of `words[..count]`.
pub fn span_of(words: &[Word], count: usize) -> Span {
    let last = count.clamp(1, words.len().max(1)) - 1;
    match (words.first(), words.get(last)) {
        (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
        _ => Span::default(),
    }
}

/// Runs every rule.
pub fn lint(context: &LintContext<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    transaction_control::check(context, &mut found);
    non_transactional_statement::check(context, &mut found);
    no_transaction_multiple_statements::check(context, &mut found);
    destructive_statement::check(context, &mut found);
    missing_semicolon::check(context, &mut found);
    psql_meta_command::check(context, &mut found);
    found
}
