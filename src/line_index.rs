//! Places in a text: byte spans, and byte offsets to LSP positions (0-based
//! lines and UTF-16 characters). A leaf module: the lexer, the diagnostics
//! and every stage above them use it, and it uses none of them.
//!
//! Lines end at `\n`, `\r\n` and a lone `\r`. A leading UTF-8 BOM is not
//! counted as a character, because editors do not show it: a position is
//! where the user sees the text.

use std::cell::Cell;

/// A half-open range of UTF-8 byte offsets `[start, end)` into the text the
/// caller gave (for a migration file: its raw bytes, BOM included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A 0-based line and UTF-16 code unit offset within that line (LSP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// 0-based line.
    pub line: u32,
    /// 0-based offset in UTF-16 code units from the start of the line.
    pub character: u32,
}

/// A start and end position (end exclusive), as LSP ranges are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Range {
    /// Where the range starts.
    pub start: Position,
    /// Where it ends (exclusive).
    pub end: Position,
}

/// Line starts of one text, for turning byte offsets into positions.
///
/// Positions are asked for in text order (statements, then findings), so
/// the index remembers its last answer and counts on from there when the
/// next offset is further on the same line: a line of 400,000 statements
/// costs one walk along it per pass, not one walk per statement.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    bom_len: usize,
    /// The last answer: (line, byte offset, UTF-16 character).
    last: Cell<(usize, usize, usize)>,
}

/// How many lines `bytes` has: one more than its line breaks (`\n`,
/// `\r\n` and a lone `\r` each end a line).
fn line_count(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|&&byte| byte == b'\n').count();
    let lone_returns = match crate::bytes::find_byte(bytes, 0, b'\r') {
        None => 0,
        Some(first) => bytes[first..]
            .iter()
            .enumerate()
            .filter(|&(at, &byte)| byte == b'\r' && bytes.get(first + at + 1) != Some(&b'\n'))
            .count(),
    };
    newlines + lone_returns + 1
}

impl<'a> LineIndex<'a> {
    /// Indexes `text` (which may start with a BOM).
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let bytes = text.as_bytes();
        // Sized once, from a count of the line breaks: grown by doubling
        // from a guess, a file of short lines (10 MB of psql commands, 3.5
        // million lines) held its old and new list at once, three times
        // the list and more memory than the file itself.
        let lines = line_count(bytes);
        let mut line_starts = Vec::with_capacity(lines);
        line_starts.push(0);
        let mut i = 0;
        while let Some(at) = crate::bytes::find_either(bytes, i, b'\n', b'\r') {
            i = at;
            let byte = bytes[i];
            match byte {
                b'\n' => line_starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        debug_assert_eq!(line_starts.len(), lines);
        let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
        LineIndex {
            text,
            line_starts,
            bom_len,
            last: Cell::new((0, 0, 0)),
        }
    }

    /// The text this index was built for.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// How many lines the text has (a text ending in a newline has an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset at which 0-based `line` starts, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }

    /// Where the line holding byte `offset` starts (on the first line:
    /// after a BOM).
    pub fn line_start_at(&self, offset: usize) -> usize {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        self.line_starts[line].max(self.bom_len)
    }

    /// How many bytes of BOM the text starts with (3 or 0).
    pub fn bom_len(&self) -> usize {
        self.bom_len
    }

    /// The position of a byte offset. Offsets past the end are clamped to the
    /// end; offsets inside a character count from that character's start.
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let mut line_start = self.line_starts[line];
        if line == 0 {
            line_start = line_start.max(self.bom_len.min(offset));
        }
        // Count on from the last answer when it is earlier on this line.
        let (last_line, last_offset, last_character) = self.last.get();
        let (from, counted) = if last_line == line && (line_start..=offset).contains(&last_offset) {
            (last_offset, last_character)
        } else {
            (line_start, 0)
        };
        let between = &self.text[from..offset];
        let character = counted
            + if between.is_ascii() {
                between.len()
            } else {
                between.chars().map(char::len_utf16).sum()
            };
        self.last.set((line, offset, character));
        Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The range of a span.
    pub fn range(&self, span: Span) -> Range {
        Range {
            start: self.position(span.start),
            end: self.position(span.end.max(span.start)),
        }
    }

    /// The byte offset of a position, clamped to its line (the inverse of
    /// [`LineIndex::position`], for editors that send positions).
    pub fn offset(&self, position: Position) -> usize {
        let Some(&line_start) = self.line_starts.get(position.line as usize) else {
            return self.text.len();
        };
        let line_start = if position.line == 0 {
            line_start.max(self.bom_len)
        } else {
            line_start
        };
        let line_end = self
            .line_starts
            .get(position.line as usize + 1)
            .copied()
            .unwrap_or(self.text.len());
        let mut units = 0u32;
        for (index, ch) in self.text[line_start..line_end].char_indices() {
            if units >= position.character || ch == '\n' || ch == '\r' {
                return line_start + index;
            }
            units += ch.len_utf16() as u32;
        }
        line_end
    }
}

/// The line ending a file uses: `\r\n` when it has one, else `\n` (what
/// an edit that adds a line writes).
pub fn eol_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn all_three_line_endings_end_a_line() {
        let index = LineIndex::new("a\nb\r\nc\rd");
        assert_eq!(index.position(0), pos(0, 0));
        assert_eq!(index.position(2), pos(1, 0));
        assert_eq!(index.position(5), pos(2, 0));
        assert_eq!(index.position(7), pos(3, 0));
        assert_eq!(index.line_count(), 4);
    }

    #[test]
    fn long_lines_and_every_ending_at_every_alignment() {
        // The scan skips eight bytes at a time: put endings at each offset
        // of a chunk, and compare with a byte-by-byte count.
        for pad in 0..20 {
            let text = format!(
                "{}\n{}\r\n{}\r{}é\n\n",
                "x".repeat(pad),
                "y".repeat(pad * 3),
                "z".repeat(9),
                "w".repeat(pad)
            );
            let index = LineIndex::new(&text);
            let mut expected = vec![0];
            let bytes = text.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                    expected.push(i + 1);
                }
            }
            assert_eq!(index.line_starts, expected, "pad {pad}");
        }
    }

    proptest::proptest! {
        /// Answers counted on from the last one are the answers counted from
        /// the line start, in any order of questions.
        #[test]
        fn remembered_answers_change_nothing(
            text in "[ab\r\n é😀\u{feff}]{0,60}",
            offsets in proptest::collection::vec(0usize..70, 0..40),
        ) {
            let index = LineIndex::new(&text);
            for offset in offsets {
                let fresh = LineIndex::new(&text).position(offset);
                proptest::prop_assert_eq!(index.position(offset), fresh);
            }
        }
    }

    #[test]
    fn a_line_of_many_statements_is_walked_once() {
        // 400,000 positions on one 800 KB line: linear, so this is quick.
        let text = "a;".repeat(400_000);
        let index = LineIndex::new(&text);
        for at in (0..text.len()).step_by(2) {
            assert_eq!(index.position(at).character as usize, at);
        }
    }

    #[test]
    fn characters_are_utf16_units() {
        // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units.
        let text = "é😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text.find('x').unwrap()), pos(0, 3));
        assert_eq!(index.offset(pos(0, 3)), text.find('x').unwrap());
    }

    #[test]
    fn a_bom_is_not_a_character() {
        let text = "\u{feff}ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.position(3), pos(0, 0));
        assert_eq!(index.position(4), pos(0, 1));
        assert_eq!(index.position(0), pos(0, 0));
        assert_eq!(index.offset(pos(0, 1)), 4);
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_are_clamped() {
        let text = "😀\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(2), pos(0, 0));
        assert_eq!(index.position(99), pos(1, 0));
    }
}
