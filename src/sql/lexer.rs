//! A PostgreSQL-rules SQL lexer: tokens with byte spans, linear time, no panics.
//!
//! It knows what decides where a statement ends: comments (`--`, nested
//! `/* */`), strings (`'...'` with `''`, `E'...'` with backslash escapes,
//! `U&'...'`, `B'...'`, `X'...'`, `N'...'`), quoted identifiers (`"..."` with
//! `""`, and `` `...` ``), dollar-quoted bodies (`$$...$$`, `$tag$...$tag$`),
//! parameters (`$1`), words, numbers, `;`, parentheses and `\`.

use crate::line_index::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Spaces, tabs, newlines and other white space.
    Whitespace,
    /// `-- ...` up to the end of the line (the line break is not part of it).
    LineComment,
    /// `/* ... */`, nesting.
    BlockComment,
    /// A string constant of any kind.
    String,
    /// `"..."`, `U&"..."` or `` `...` ``.
    QuotedIdent,
    /// `$$...$$` or `$tag$...$tag$`.
    DollarQuoted,
    /// An unquoted identifier or keyword.
    Word,
    /// A numeric constant.
    Number,
    /// `$1`, `$2`, ...
    Param,
    /// `;`
    Semicolon,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// `\` (starts a psql meta-command at the start of a line).
    Backslash,
    /// Any other character: operators and punctuation.
    Other,
}

/// One token: its kind and byte offsets `[start, end)` in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// A string, identifier, comment or dollar quote that runs to the end of
    /// the text without being closed.
    pub unterminated: bool,
}

impl Token {
    /// The token's span.
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }

    /// The token's text in `source` (the text it was lexed from).
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        &source[self.start..self.end]
    }

    /// Whether the token is white space or a comment.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

/// Iterates the tokens of a text. Tokens cover the text without gaps.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// Moves past the character at the current position (UTF-8 aware).
    fn bump_char(&mut self) {
        let width = match self.bytes[self.at] {
            b if b < 0x80 => 1,
            b if b >= 0xf0 => 4,
            b if b >= 0xe0 => 3,
            _ => 2,
        };
        self.at = (self.at + width).min(self.bytes.len());
    }

    /// `--` to the end of the line.
    fn line_comment(&mut self) {
        match memchr_line_end(&self.bytes[self.at..]) {
            Some(offset) => self.at += offset,
            None => self.at = self.bytes.len(),
        }
    }

    /// `/* ... */` with nesting; returns whether it closed.
    fn block_comment(&mut self) -> bool {
        self.at += 2;
        let mut depth = 1usize;
        while self.at < self.bytes.len() {
            match (self.bytes[self.at], self.peek(1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.at += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    self.at += 2;
                    if depth == 0 {
                        return true;
                    }
                }
                _ => self.at += 1,
            }
        }
        false
    }

    /// A quoted run closed by `quote`, where a doubled quote is one quote
    /// character and, when `backslash` is set, `\` escapes the next byte.
    /// The current position is at the opening quote. Returns whether it closed.
    fn quoted(&mut self, quote: u8, backslash: bool) -> bool {
        self.at += 1;
        while self.at < self.bytes.len() {
            let byte = self.bytes[self.at];
            if backslash && byte == b'\\' {
                self.at += 2;
                continue;
            }
            self.at += 1;
            if byte == quote {
                if self.peek(0) == Some(quote) {
                    self.at += 1;
                } else {
                    return true;
                }
            }
        }
        self.at = self.bytes.len();
        false
    }

    /// The length of a `$tag$` opener at the current position, if there is one.
    fn dollar_tag_len(&self) -> Option<usize> {
        let rest = &self.bytes[self.at..];
        let mut index = 1;
        if rest.get(1).is_some_and(|&b| is_ident_start(b)) {
            index += 1;
            while rest
                .get(index)
                .is_some_and(|&b| is_ident_continue(b) && b != b'$')
            {
                index += 1;
            }
        }
        (rest.get(index) == Some(&b'$')).then_some(index + 1)
    }

    /// A dollar-quoted body whose opener has `tag_len` bytes; returns whether it closed.
    fn dollar_quoted(&mut self, tag_len: usize) -> bool {
        let tag = &self.bytes[self.at..self.at + tag_len];
        self.at += tag_len;
        let body = &self.bytes[self.at..];
        match find(body, tag) {
            Some(offset) => {
                self.at += offset + tag_len;
                true
            }
            None => {
                self.at = self.bytes.len();
                false
            }
        }
    }

    fn word(&mut self) {
        while self.at < self.bytes.len() && is_ident_continue(self.bytes[self.at]) {
            self.at += 1;
        }
    }

    fn number(&mut self) {
        // Digits, one fraction, an exponent, `_` separators and 0x/0o/0b
        // prefixes; anything alphanumeric glued on is part of the token,
        // which is all splitting needs.
        let mut seen_dot = false;
        while self.at < self.bytes.len() {
            let byte = self.bytes[self.at];
            if byte.is_ascii_alphanumeric() || byte == b'_' {
                let exponent = matches!(byte, b'e' | b'E');
                self.at += 1;
                if exponent
                    && matches!(self.peek(0), Some(b'+' | b'-'))
                    && self.peek(1).is_some_and(|b| b.is_ascii_digit())
                {
                    self.at += 1;
                }
            } else if byte == b'.' && !seen_dot && self.peek(1) != Some(b'.') {
                seen_dot = true;
                self.at += 1;
            } else {
                break;
            }
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let start = self.at;
        let byte = *self.bytes.get(start)?;
        let next = self.peek(1);
        let mut closed = true;
        let kind = match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {
                while self
                    .peek(0)
                    .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
                {
                    self.at += 1;
                }
                TokenKind::Whitespace
            }
            b'-' if next == Some(b'-') => {
                self.line_comment();
                TokenKind::LineComment
            }
            b'/' if next == Some(b'*') => {
                closed = self.block_comment();
                TokenKind::BlockComment
            }
            b'\'' => {
                closed = self.quoted(b'\'', false);
                TokenKind::String
            }
            b'"' => {
                closed = self.quoted(b'"', false);
                TokenKind::QuotedIdent
            }
            b'`' => {
                closed = self.quoted(b'`', false);
                TokenKind::QuotedIdent
            }
            b'$' => {
                if next.is_some_and(|b| b.is_ascii_digit()) {
                    self.at += 1;
                    while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                        self.at += 1;
                    }
                    TokenKind::Param
                } else if let Some(tag_len) = self.dollar_tag_len() {
                    closed = self.dollar_quoted(tag_len);
                    TokenKind::DollarQuoted
                } else {
                    self.at += 1;
                    TokenKind::Other
                }
            }
            b';' => {
                self.at += 1;
                TokenKind::Semicolon
            }
            b'(' => {
                self.at += 1;
                TokenKind::OpenParen
            }
            b')' => {
                self.at += 1;
                TokenKind::CloseParen
            }
            b'\\' => {
                self.at += 1;
                TokenKind::Backslash
            }
            b'0'..=b'9' => {
                self.number();
                TokenKind::Number
            }
            b'.' if next.is_some_and(|b| b.is_ascii_digit()) => {
                self.number();
                TokenKind::Number
            }
            b if is_ident_start(b) => {
                // Prefixed strings: E'..', B'..', X'..', N'..', U&'..', U&"..".
                match (byte.to_ascii_uppercase(), next, self.peek(2)) {
                    (b'E', Some(b'\''), _) => {
                        self.at += 1;
                        closed = self.quoted(b'\'', true);
                        TokenKind::String
                    }
                    (b'B' | b'X' | b'N', Some(b'\''), _) => {
                        self.at += 1;
                        closed = self.quoted(b'\'', false);
                        TokenKind::String
                    }
                    (b'U', Some(b'&'), Some(b'\'')) => {
                        self.at += 2;
                        closed = self.quoted(b'\'', false);
                        TokenKind::String
                    }
                    (b'U', Some(b'&'), Some(b'"')) => {
                        self.at += 2;
                        closed = self.quoted(b'"', false);
                        TokenKind::QuotedIdent
                    }
                    _ => {
                        self.at += 1;
                        self.word();
                        TokenKind::Word
                    }
                }
            }
            _ => {
                self.bump_char();
                TokenKind::Other
            }
        };
        // Escapes may step past the end, and multi-byte words end on
        // character boundaries already; keep every end on a boundary.
        self.at = self.at.min(self.bytes.len());
        while !self.text.is_char_boundary(self.at) {
            self.at += 1;
        }
        Some(Token {
            kind,
            start,
            end: self.at,
            unterminated: !closed,
        })
    }
}

/// Every token of `text`, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    // SQL averages a token (whitespace included) every four or five bytes:
    // sizing for that once saves the copies of growing the list.
    let mut tokens = Vec::with_capacity(text.len() / 4 + 8);
    tokens.extend(Lexer::new(text));
    tokens
}

/// Whether a byte may start an identifier: a letter, `_`, or any byte of a
/// non-ASCII character (PostgreSQL accepts those).
fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

/// Whether a byte may continue an identifier (`$` included, as PostgreSQL has it).
fn is_ident_continue(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

/// The offset of the first `\n` or `\r`.
fn memchr_line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n' || b == b'\r')
}

/// The offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut from = 0;
    while let Some(offset) = haystack[from..=haystack.len() - needle.len()]
        .iter()
        .position(|&b| b == first)
    {
        let at = from + offset;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str, bool)> {
        tokenize(text)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, t.text(text), t.unterminated))
            .collect()
    }

    use TokenKind::*;

    #[test]
    fn strings_of_every_kind() {
        assert_eq!(kinds("'a''b'"), [(String, "'a''b'", false)]);
        assert_eq!(kinds(r"'a\'"), [(String, r"'a\'", false)]);
        assert_eq!(kinds(r"E'\''"), [(String, r"E'\''", false)]);
        assert_eq!(
            kinds(r"e'\\' x"),
            [(String, r"e'\\'", false), (Word, "x", false)]
        );
        assert_eq!(kinds("U&'d\\0061t'"), [(String, "U&'d\\0061t'", false)]);
        assert_eq!(
            kinds("b'01' X'ff' n'x'"),
            [
                (String, "b'01'", false),
                (String, "X'ff'", false),
                (String, "n'x'", false)
            ]
        );
        assert_eq!(
            kinds("type'x'"),
            [(Word, "type", false), (String, "'x'", false)]
        );
        assert_eq!(kinds("'open"), [(String, "'open", true)]);
        assert_eq!(kinds(r"E'\"), [(String, r"E'\", true)]);
    }

    #[test]
    fn identifiers() {
        assert_eq!(kinds(r#""a;""b""#), [(QuotedIdent, r#""a;""b""#, false)]);
        assert_eq!(kinds("`a;b`"), [(QuotedIdent, "`a;b`", false)]);
        assert_eq!(kinds(r#"U&"x""#), [(QuotedIdent, r#"U&"x""#, false)]);
        assert_eq!(
            kinds("foo$bar a$$b _x1 café"),
            [
                (Word, "foo$bar", false),
                (Word, "a$$b", false),
                (Word, "_x1", false),
                (Word, "café", false)
            ]
        );
    }

    #[test]
    fn comments() {
        assert_eq!(
            kinds("-- a;'\nx"),
            [(LineComment, "-- a;'", false), (Word, "x", false)]
        );
        assert_eq!(
            kinds("-- a\rx"),
            [(LineComment, "-- a", false), (Word, "x", false)]
        );
        assert_eq!(
            kinds("/* a /* b; */ ' */x"),
            [
                (BlockComment, "/* a /* b; */ ' */", false),
                (Word, "x", false)
            ]
        );
        assert_eq!(
            kinds("/* a /* b */"),
            [(BlockComment, "/* a /* b */", true)]
        );
        assert_eq!(
            kinds("1--2"),
            [(Number, "1", false), (LineComment, "--2", false)]
        );
        assert_eq!(
            kinds("a*/*b*/c"),
            [
                (Word, "a", false),
                (Other, "*", false),
                (BlockComment, "/*b*/", false),
                (Word, "c", false)
            ]
        );
    }

    #[test]
    fn dollars() {
        assert_eq!(kinds("$$a;$$"), [(DollarQuoted, "$$a;$$", false)]);
        assert_eq!(
            kinds("$fn$ $$ ; $fn$"),
            [(DollarQuoted, "$fn$ $$ ; $fn$", false)]
        );
        assert_eq!(
            kinds("$1 $23"),
            [(Param, "$1", false), (Param, "$23", false)]
        );
        assert_eq!(kinds("$a$ open"), [(DollarQuoted, "$a$ open", true)]);
        assert_eq!(kinds("$ x"), [(Other, "$", false), (Word, "x", false)]);
        assert_eq!(kinds("$é$x$é$"), [(DollarQuoted, "$é$x$é$", false)]);
    }

    #[test]
    fn numbers_and_punctuation() {
        assert_eq!(
            kinds("1.5 .5 1e10 1e-3 0x1F 1_000"),
            [
                (Number, "1.5", false),
                (Number, ".5", false),
                (Number, "1e10", false),
                (Number, "1e-3", false),
                (Number, "0x1F", false),
                (Number, "1_000", false),
            ]
        );
        assert_eq!(
            kinds("(;)\\"),
            [
                (OpenParen, "(", false),
                (Semicolon, ";", false),
                (CloseParen, ")", false),
                (Backslash, "\\", false)
            ]
        );
        assert_eq!(
            kinds("1..2"),
            [
                (Number, "1", false),
                (Other, ".", false),
                (Number, ".2", false)
            ]
        );
    }

    #[test]
    fn tokens_cover_the_text() {
        let text = "SELECT 'é😀', \"x\" -- c\r\n/* ok */ $$ $$; E'\\";
        let tokens = tokenize(text);
        let mut at = 0;
        for token in &tokens {
            assert_eq!(token.start, at);
            assert!(token.end > token.start);
            at = token.end;
        }
        assert_eq!(at, text.len());
    }
}
