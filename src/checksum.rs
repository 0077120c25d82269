//! The Kimberlite-compatible body checksum (SPEC §4).
//!
//! Kimberlite 0.8 hashes the "body": the lines of the file, split the way
//! `str::lines()` splits them, from the first line that is neither blank nor a
//! `--` comment to the end, joined with `\n`. We compute exactly that, without
//! building the joined string, and additionally strip one leading BOM.

use sha2::{Digest, Sha256};

/// The SHA-256 of an empty body: the checksum of a file of only comments.
pub const EMPTY_BODY_CHECKSUM: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Iterates the lines of `text` as `str::lines()` does, with each line's
/// byte offset: split on `\n`, one `\r` right before a `\n` removed (a `\r`
/// ending the text stays), no empty last line.
pub fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = match raw.strip_suffix('\n') {
            Some(line) => line.strip_suffix('\r').unwrap_or(line),
            None => raw,
        };
        (start, line)
    })
}

/// Whether a line belongs to the leading block: blank, or a `--` comment.
pub fn is_header_line(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty() || trimmed.starts_with("--")
}

/// The byte offset at which the body starts (the first line that is not a
/// header line), or `text.len()` when the whole text is header.
pub fn body_start(text: &str) -> usize {
    lines_with_offsets(text)
        .find(|(_, line)| !is_header_line(line))
        .map_or(text.len(), |(offset, _)| offset)
}

/// The checksum of a decoded file (one leading BOM is stripped first, and
/// only one: a second one is text, as it is to Kimberlite).
pub fn checksum_text(text: &str) -> String {
    checksum_without_bom(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The checksum of a decoded file whose BOM, if it had one, is already
/// stripped: nothing more is stripped.
///
/// Joining `str::lines()` with `\n` is the same as taking the body with its
/// one final line ending removed and each `\r\n` turned into `\n`; hashing
/// it that way feeds the hasher long runs instead of one call per line.
pub fn checksum_without_bom(text: &str) -> String {
    let mut body = &text[body_start(text)..];
    if let Some(without_newline) = body.strip_suffix('\n') {
        body = without_newline
            .strip_suffix('\r')
            .unwrap_or(without_newline);
    }
    let mut hasher = Sha256::new();
    let mut body = body.as_bytes();
    let mut from = 0;
    while let Some(at) = crate::bytes::find_byte(body, from, b'\r') {
        if body.get(at + 1) == Some(&b'\n') {
            hasher.update(&body[..at]);
            body = &body[at + 1..];
            from = 1;
        } else {
            from = at + 1;
        }
    }
    hasher.update(body);
    to_hex(&hasher.finalize())
}

/// The checksum of a file's bytes, or `None` when they are not UTF-8.
pub fn checksum_bytes(contents: &[u8]) -> Option<String> {
    std::str::from_utf8(contents).ok().map(checksum_text)
}

/// Lowercase hex of a byte string.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

/// Whether `text` looks like a checksum: 64 lowercase hex digits.
pub fn is_checksum(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kimberlite's own algorithm, written the obvious way, as an oracle.
    fn kimberlite_checksum(text: &str) -> String {
        let mut body = Vec::new();
        let mut in_header = true;
        for line in text.lines() {
            let trimmed = line.trim();
            if in_header && (trimmed.is_empty() || trimmed.starts_with("--")) {
                continue;
            }
            in_header = false;
            body.push(line);
        }
        to_hex(&Sha256::digest(body.join("\n").as_bytes()))
    }

    #[test]
    fn matches_the_obvious_algorithm_on_awkward_texts() {
        for text in [
            "",
            "\n",
            "SELECT 1;",
            "SELECT 1;\n",
            "SELECT 1;\n\n",
            "-- a\r\n\r\nSELECT 1;\r\n-- b\r\n",
            "  -- indented\n\tSELECT 1;\n",
            "-- x\rSELECT 1;\n",
            "SELECT 1;\r",
            "\u{3000}\nSELECT '😀';\n",
            "-- only\n-- comments\n",
            "a\r\r\nb\r\r\n",
            "SELECT 1;\r\r",
            "SELECT 1;\n\n\n",
            "SELECT 1;\r\n\r\n",
            "x\r\n\ry\n\r",
        ] {
            assert_eq!(checksum_text(text), kimberlite_checksum(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_the_obvious_algorithm_on_any_mix_of_line_endings(text in "[ax\r\n\\- é]{0,80}") {
            proptest::prop_assert_eq!(checksum_text(&text), kimberlite_checksum(&text));
        }
    }

    #[test]
    fn one_bom_is_stripped_and_only_one() {
        assert_eq!(
            checksum_text("\u{feff}SELECT 1;"),
            checksum_text("SELECT 1;")
        );
        assert_eq!(
            checksum_text("\u{feff}\u{feff}SELECT 1;"),
            kimberlite_checksum("\u{feff}SELECT 1;")
        );
    }

    #[test]
    fn invalid_utf8_has_no_checksum() {
        assert_eq!(checksum_bytes(b"SELECT \xff;"), None);
    }
}
