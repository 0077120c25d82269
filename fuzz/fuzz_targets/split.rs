//! Any text through the lexer and splitter: tokens cover the text without
//! gaps, on character boundaries; statements are ordered and in bounds.
#![no_main]

use kimberlite_migration::sql::lexer::tokenize;
use kimberlite_migration::sql::split::split;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tokens = tokenize(text);
    let mut at = 0;
    for token in &tokens {
        assert_eq!(token.start, at);
        assert!(token.end > token.start && text.is_char_boundary(token.end));
        at = token.end;
    }
    assert_eq!(at, text.len());
    let mut end = 0;
    for statement in split(text, &tokens) {
        assert!(statement.span.start >= end && statement.span.end <= text.len());
        end = statement.span.end;
    }
});
