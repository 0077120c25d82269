//! Lint rules over a migration's SQL (SPEC §9), one file per rule.
//!
//! Rules see the file's tokens and its statements through [`LintContext`];
//! the shared walking (a statement's words with their depth and span) lives
//! here, so rules only say what they look for.

mod destructive_statement;
mod invisible_character;
mod missing_semicolon;
mod no_transaction_multiple_statements;
mod non_transactional_statement;
mod psql_meta_command;
mod transaction_control;

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::line_index::LineIndex;
use crate::migration::Statement;
use crate::sql::lexer::{Token, TokenKind};

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
    /// Each statement's words, walked once for all rules.
    pub walked: std::cell::OnceCell<Walked<'a>>,
}

/// Every statement's words, in one list, and which of them each statement has.
#[derive(Debug, Default)]
pub struct Walked<'a> {
    words: Vec<Word<'a>>,
    statements: Vec<(bool, &'a Statement, std::ops::Range<usize>)>,
}

impl<'a> LintContext<'a> {
    /// Every statement with the section it is in (`true` for Up) and its words.
    pub fn statements(&self) -> impl Iterator<Item = (bool, &'a Statement, &[Word<'a>])> + '_ {
        let walked = self.walked.get_or_init(|| self.walk());
        walked
            .statements
            .iter()
            .map(|(is_up, statement, words)| (*is_up, *statement, &walked.words[words.clone()]))
    }

    /// The unquoted words of every statement, in order, with depth and span,
    /// read from the file's tokens (nothing is lexed again).
    fn walk(&self) -> Walked<'a> {
        let up = self.up.iter().map(|s| (true, s));
        let down = self.down.into_iter().flatten().map(|s| (false, s));
        // One allocation: at most every other token is a word.
        let mut walked = Walked {
            words: Vec::with_capacity(self.tokens.len().div_ceil(2)),
            statements: Vec::with_capacity(self.up.len() + self.down.map_or(0, <[_]>::len)),
        };
        for (is_up, statement) in up.chain(down) {
            let first = walked.words.len();
            let mut depth = 0usize;
            for token in self.tokens.get(statement.tokens.clone()).unwrap_or(&[]) {
                match token.kind {
                    TokenKind::OpenParen => depth += 1,
                    TokenKind::CloseParen => depth = depth.saturating_sub(1),
                    TokenKind::Word => walked.words.push(Word {
                        text: &self.src[token.start..token.end],
                        depth,
                        span: Span::new(token.start + self.bom, token.end + self.bom),
                    }),
                    _ => {}
                }
            }
            walked
                .statements
                .push((is_up, statement, first..walked.words.len()));
        }
        walked
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
pub struct Word<'a> {
    /// As written.
    pub text: &'a str,
    /// Parenthesis depth (0 at the statement's top level).
    pub depth: usize,
    /// Where it is in the whole contents.
    pub span: Span,
}

impl Word<'_> {
    /// Whether it is `keyword` (given in upper case), in any letter case.
    pub fn is(&self, keyword: &str) -> bool {
        self.text.eq_ignore_ascii_case(keyword)
    }
}

/// Whether the top-level words start with `expected` (keywords, any case).
pub fn starts_with(words: &[Word<'_>], expected: &[&str]) -> bool {
    words.len() >= expected.len()
        && words
            .iter()
            .zip(expected)
            .all(|(word, want)| word.is(want) && word.depth == 0)
}

/// The span from the first to the last of `words[..count]`.
pub fn span_of(words: &[Word<'_>], count: usize) -> Span {
    let last = count.clamp(1, words.len().max(1)) - 1;
    match (words.first(), words.get(last)) {
        (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
        _ => Span::default(),
    }
}

/// The first `count` words in upper case, joined with spaces (for messages).
pub fn shown(words: &[Word<'_>], count: usize) -> String {
    words
        .iter()
        .take(count)
        .map(|w| w.text.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many findings of one code a file lists; the rest are counted in one
/// more finding. A file of 700,000 psql commands would otherwise make
/// 700,000 findings (about 1.8 GB for 2 MB of input).
pub const MAX_FINDINGS_PER_CODE: usize = 100;

/// What the rules found in one file: at most [`MAX_FINDINGS_PER_CODE`] of
/// each code, and how many more there were.
#[derive(Debug, Default)]
pub struct Findings {
    kept: Vec<Diagnostic>,
    /// Per code: how many were found, and the first one not kept.
    counts: Vec<(Code, usize, Option<Diagnostic>)>,
}

impl Findings {
    /// Adds a finding, or counts it once its code has enough.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let at = match self
            .counts
            .iter()
            .position(|(code, ..)| *code == diagnostic.code)
        {
            Some(at) => at,
            None => {
                self.counts.push((diagnostic.code, 0, None));
                self.counts.len() - 1
            }
        };
        let (_, count, first_dropped) = &mut self.counts[at];
        *count += 1;
        if *count <= MAX_FINDINGS_PER_CODE {
            self.kept.push(diagnostic);
        } else if first_dropped.is_none() {
            *first_dropped = Some(diagnostic);
        }
    }

    /// The findings kept, then one per code that had more, placed at the
    /// first one left out.
    pub fn finish(mut self, label: &str) -> Vec<Diagnostic> {
        for (code, count, first_dropped) in self.counts {
            let Some(first) = first_dropped else { continue };
            let more = count - MAX_FINDINGS_PER_CODE;
            self.kept.push(Diagnostic {
                message: format!(
                    "{label} has {more} more `{}` findings from here on; only the first {MAX_FINDINGS_PER_CODE} are listed one by one.",
                    code.as_str()
                ),
                ..first
            });
        }
        self.kept
    }
}

/// Runs every rule.
pub fn lint(context: &LintContext<'_>) -> Vec<Diagnostic> {
    let mut found = Findings::default();
    transaction_control::check(context, &mut found);
    non_transactional_statement::check(context, &mut found);
    no_transaction_multiple_statements::check(context, &mut found);
    destructive_statement::check(context, &mut found);
    missing_semicolon::check(context, &mut found);
    psql_meta_command::check(context, &mut found);
    invisible_character::check(context, &mut found);
    found.finish(context.label)
}
