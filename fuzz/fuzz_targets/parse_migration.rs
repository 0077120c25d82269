//! Any bytes as a migration file: parse (lex, split, lint) never panics,
//! every statement's text is what its span says, and linting is parsing
//! without the checksum.
#![no_main]

use kimberlite_migration::migration::{lint_migration, parse_migration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut migration = parse_migration("migrations/0001_fuzz.sql", data);
    for statement in migration.up.iter().chain(migration.down.iter().flatten()) {
        assert_eq!(
            &data[statement.span.start..statement.span.end],
            statement.text.as_bytes()
        );
    }
    migration.checksum = None;
    assert_eq!(lint_migration("migrations/0001_fuzz.sql", data), migration);
});
