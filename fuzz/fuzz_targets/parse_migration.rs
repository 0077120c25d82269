//! Any bytes as a migration file: parse (lex, split, lint) never panics,
//! every statement's text is what its span says (with CRLF folded to LF, as
//! Kimberlite sends it), and linting is parsing without the checksum and
//! the kept statements (the same findings, read statement by statement).
#![no_main]

use kimberlite_migration::migration::{lint_migration, parse_migration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut migration = parse_migration("migrations/0001_fuzz.sql", data);
    for statement in migration.up.iter().chain(migration.down.iter().flatten()) {
        let source = std::str::from_utf8(&data[statement.span.start..statement.span.end])
            .expect("statements come from UTF-8 files");
        assert_eq!(source.replace("\r\n", "\n"), statement.text);
    }
    migration.checksum = None;
    migration.up.clear();
    if let Some(down) = &mut migration.down {
        down.clear();
    }
    assert_eq!(lint_migration("migrations/0001_fuzz.sql", data), migration);
});
