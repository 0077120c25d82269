//! Any bytes as a migration file: parse (lex, split, lint) never panics, and
//! every statement's text is what its span says.
#![no_main]

use kimberlite_migration::migration::parse_migration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let migration = parse_migration("migrations/0001_fuzz.sql", data);
    for statement in migration.up.iter().chain(migration.down.iter().flatten()) {
        assert_eq!(
            &data[statement.span.start..statement.span.end],
            statement.text.as_bytes()
        );
    }
});
