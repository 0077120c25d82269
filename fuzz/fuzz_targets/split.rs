//! Any text through the lexer and splitter: tokens cover the text without
//! gaps, on character boundaries; statements are ordered and in bounds.
//! Ignore-comment fixes at a position taken from the text: edits in bounds
//! that add the comment.
#![no_main]

use kimberlite_migration::diagnostic::Code;
use kimberlite_migration::line_index::Position;
use kimberlite_migration::lint::ignore::ignore_fixes;
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
    let seed = data.iter().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(*b)));
    let at = Position { line: seed % 8, character: (seed >> 3) % 64 };
    let fixes = ignore_fixes(text, Code::DestructiveStatement, at).expect("a silenceable code");
    for fix in [fixes.statement, fixes.file] {
        let edit = &fix.edits[0];
        assert!(edit.span.start == edit.span.end && text.is_char_boundary(edit.span.start));
        assert!(edit.text.contains("-- kimberlite:ignore"));
    }
});
