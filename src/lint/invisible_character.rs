//! `invisible-character`: a Unicode space (U+00A0 NO-BREAK SPACE, U+3000,
//! U+2028, ...) or an invisible character (U+FEFF, U+200B) outside strings,
//! comments and quoted names. PostgreSQL's lexer knows only ASCII white
//! space and reads any other character as a letter of a name, so
//! `SELECT\u{a0}1` fails with a syntax error. Such characters come from SQL
//! copied out of web pages, chats and documents, and from files joined
//! together with their byte order marks. Kimberlite's CLI trims Unicode
//! spaces from the ends of a section, and so do we; anywhere else both tools
//! would send them.

use super::{Findings, LintContext, Word};
use crate::diagnostic::{Code, Span};

/// Whether PostgreSQL would read `c` as a letter where a reader sees nothing
/// or a space.
fn is_invisible(c: char) -> bool {
    (c.is_whitespace() && !c.is_ascii())
        || matches!(
            c,
            '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}'
        )
}

/// Reports the first invisible character of each word that has one.
pub fn check(context: &LintContext<'_>, word: &Word<'_>, found: &mut Findings) {
    let Some((at, space)) = word.text.char_indices().find(|&(_, c)| is_invisible(c)) else {
        return;
    };
    if !found.wants(Code::InvisibleCharacter) {
        found.count(Code::InvisibleCharacter);
        return;
    }
    let start = word.span.start + at;
    found.push(context.diagnostic(
        Code::InvisibleCharacter,
        Span::new(start, start + space.len_utf8()),
        format!(
            "{} has {} outside strings and comments, which PostgreSQL reads as part of a name, not as a space or nothing.",
            context.label,
            describe(space)
        ),
        "Replace it with an ordinary space, or delete it (such characters come from SQL copied out of web pages and documents, or from files joined with their byte order marks).",
    ));
}

fn describe(space: char) -> String {
    let name = match space {
        '\u{00a0}' => " (no-break space)",
        '\u{202f}' => " (narrow no-break space)",
        '\u{3000}' => " (ideographic space)",
        '\u{2028}' => " (line separator)",
        '\u{2029}' => " (paragraph separator)",
        '\u{0085}' => " (next line)",
        '\u{1680}' => " (ogham space mark)",
        '\u{205f}' => " (medium mathematical space)",
        '\u{2000}'..='\u{200a}' => " (a typographic space)",
        '\u{feff}' => " (byte order mark)",
        '\u{200b}' => " (zero-width space)",
        '\u{200c}' | '\u{200d}' | '\u{2060}' => " (a zero-width character)",
        _ => "",
    };
    format!("the character U+{:04X}{name}", u32::from(space))
}
