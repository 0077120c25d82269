//! Statements: runs of tokens between top-level `;`, as psql splits them.
//!
//! Like psql's scanner, a `;` inside parentheses does not end a statement,
//! and neither does one inside the `BEGIN ... END` body of a SQL-standard
//! function or procedure (`CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN
//! ATOMIC ... END`), where `CASE ... END` nests.

use std::borrow::Cow;

use crate::line_index::Span;
use crate::sql::lexer::{Token, TokenKind, tokenize};

/// How many leading words a statement keeps as its keywords.
pub const KEYWORDS: usize = 4;

/// The first few unquoted words of a statement, kept as byte ranges so that
/// splitting allocates nothing per statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Keywords {
    ranges: [(u32, u32); KEYWORDS],
    len: u8,
}

impl Keywords {
    fn push(&mut self, start: usize, end: usize) {
        if usize::from(self.len) < KEYWORDS {
            self.ranges[usize::from(self.len)] = (start as u32, end as u32);
            self.len += 1;
        }
    }

    /// How many there are (at most [`KEYWORDS`]).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The same words with their ranges moved `by` bytes toward the start.
    pub fn shifted_back(mut self, by: usize) -> Keywords {
        for range in &mut self.ranges[..usize::from(self.len)] {
            range.0 -= by as u32;
            range.1 -= by as u32;
        }
        self
    }

    /// The same words in `text` with every `\r\n` turned into `\n` (the
    /// ranges move back by the line ends folded before them).
    pub fn after_folding_crlf(mut self, text: &str) -> Keywords {
        let bytes = text.as_bytes();
        for range in &mut self.ranges[..usize::from(self.len)] {
            let before = &bytes[..range.0 as usize];
            let folded = before.windows(2).filter(|pair| pair == b"\r\n").count() as u32;
            range.0 -= folded;
            range.1 -= folded;
        }
        self
    }

    /// The words as written, read from `text` (the text the ranges are in).
    pub fn words(self, text: &str) -> impl Iterator<Item = &str> {
        self.ranges
            .into_iter()
            .take(usize::from(self.len))
            .filter_map(|(start, end)| text.get(start as usize..end as usize))
    }

    /// The words uppercased (ASCII letters only), borrowed when they already are.
    pub fn uppercase(self, text: &str) -> impl Iterator<Item = Cow<'_, str>> {
        self.words(text).map(|word| {
            if word.bytes().any(|b| b.is_ascii_lowercase()) {
                Cow::Owned(word.to_ascii_uppercase())
            } else {
                Cow::Borrowed(word)
            }
        })
    }

    /// The words, uppercased, read from `text` (the text the ranges are in).
    pub fn read(&self, text: &str) -> Vec<String> {
        self.uppercase(text).map(Cow::into_owned).collect()
    }
}

/// One statement found in a token stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementSpan {
    /// From the first non-trivia token to the `;` (inclusive) or the last
    /// non-trivia token.
    pub span: Span,
    /// Whether a `;` ends it.
    pub terminated: bool,
    /// The first unquoted words, as ranges in the text the tokens are in.
    pub keywords: Keywords,
}

/// psql's heuristic for SQL-standard function bodies: it records which of
/// `create`, `or`, `replace`, `function`, `procedure` stand in the first
/// positions of the statement.
#[derive(Default)]
struct BodyTracker {
    leading: [u8; 4],
    words: usize,
    begin_depth: usize,
}

impl BodyTracker {
    fn word(&mut self, word: &str, paren_depth: usize) {
        let lower = |expected: &str| word.eq_ignore_ascii_case(expected);
        if self.words < self.leading.len()
            && ["create", "or", "replace", "function", "procedure"]
                .iter()
                .any(|w| lower(w))
        {
            self.leading[self.words] = word.as_bytes()[0].to_ascii_lowercase();
        }
        self.words += 1;
        let l = self.leading;
        let defines_routine = l[0] == b'c'
            && (l[1] == b'f'
                || l[1] == b'p'
                || (l[1] == b'o' && l[2] == b'r' && (l[3] == b'f' || l[3] == b'p')));
        if !defines_routine || paren_depth > 0 {
            return;
        }
        if lower("begin") {
            self.begin_depth += 1;
        } else if lower("case") {
            if self.begin_depth > 0 {
                self.begin_depth += 1;
            }
        } else if lower("end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }
}

/// Splits a stream of tokens into statements, one token at a time, so that
/// nothing but the statement being read is kept.
#[derive(Default)]
pub struct Splitter {
    /// Where the statement being read starts and where its last non-trivia
    /// token ends.
    open: Option<(usize, usize)>,
    paren_depth: usize,
    body: BodyTracker,
    keywords: Keywords,
}

impl Splitter {
    /// Reads the next token of `text`; returns the statement it ends, if
    /// it is the statement's `;`.
    pub fn push(&mut self, text: &str, token: &Token) -> Option<StatementSpan> {
        if token.is_trivia() {
            return None;
        }
        match token.kind {
            TokenKind::Semicolon if self.paren_depth == 0 && self.body.begin_depth == 0 => {
                self.body = BodyTracker::default();
                let (start, _) = self.open.take()?;
                return Some(StatementSpan {
                    span: Span::new(start, token.end),
                    terminated: true,
                    keywords: std::mem::take(&mut self.keywords),
                });
            }
            TokenKind::OpenParen => self.paren_depth += 1,
            TokenKind::CloseParen => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Word => {
                self.keywords.push(token.start, token.end);
                self.body.word(token.text(text), self.paren_depth);
            }
            _ => {}
        }
        let open = self.open.get_or_insert((token.start, token.end));
        open.1 = token.end;
        None
    }

    /// Whether a statement has started and not yet ended.
    pub fn in_statement(&self) -> bool {
        self.open.is_some()
    }

    /// The statement left open at the end of the stream, without a `;`.
    pub fn finish(self) -> Option<StatementSpan> {
        let (start, end) = self.open?;
        Some(StatementSpan {
            span: Span::new(start, end),
            terminated: false,
            keywords: self.keywords,
        })
    }
}

/// Splits a contiguous run of `tokenize(text)` into statements.
pub fn split<'t>(text: &str, tokens: impl IntoIterator<Item = &'t Token>) -> Vec<StatementSpan> {
    let mut splitter = Splitter::default();
    let mut statements: Vec<StatementSpan> = tokens
        .into_iter()
        .filter_map(|token| splitter.push(text, token))
        .collect();
    statements.extend(splitter.finish());
    statements
}

/// Tokenizes `text` and splits it into statements.
pub fn split_statements(text: &str) -> Vec<StatementSpan> {
    split(text, &tokenize(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split_statements(sql)
            .iter()
            .map(|s| &sql[s.span.start..s.span.end])
            .collect()
    }

    #[test]
    fn basic_splitting() {
        assert_eq!(texts("SELECT 1; SELECT 2"), ["SELECT 1;", "SELECT 2"]);
        assert_eq!(texts(";;  ; -- only comments\n/* x */"), Vec::<&str>::new());
        assert_eq!(
            texts("-- lead\nSELECT 1 -- trail\n;"),
            ["SELECT 1 -- trail\n;"]
        );
    }

    #[test]
    fn parentheses_hold_semicolons() {
        assert_eq!(
            texts("SELECT (1;2); SELECT 3;"),
            ["SELECT (1;2);", "SELECT 3;"]
        );
        assert_eq!(texts("SELECT 1); SELECT 2;"), ["SELECT 1);", "SELECT 2;"]);
    }

    #[test]
    fn begin_atomic_bodies() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 2;";
        assert_eq!(texts(sql).len(), 2);
        let sql = "create or replace procedure p() begin atomic insert into t values (1); end; BEGIN; COMMIT;";
        assert_eq!(
            texts(sql),
            [
                "create or replace procedure p() begin atomic insert into t values (1); end;",
                "BEGIN;",
                "COMMIT;"
            ]
        );
        // Outside CREATE FUNCTION, BEGIN is a transaction.
        assert_eq!(texts("BEGIN; SELECT 1; END;").len(), 3);
    }

    #[test]
    fn keywords_and_termination() {
        let sql = "create unique index concurrently \"i\" on t (c)";
        let found = split_statements(sql);
        assert_eq!(
            found[0].keywords.read(sql),
            ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"]
        );
        assert!(!found[0].terminated);
    }
}
