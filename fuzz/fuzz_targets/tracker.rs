//! Any text as applied.toml: read, record and remove never panic; what a
//! record writes can be removed again. Any text as an `applied_at`: written
//! the way Kimberlite writes it, which is its own written form.
#![no_main]

use kimberlite_migration::tracker::{AppliedEntry, parse_tracker, record_applied, remove_applied};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let read = parse_tracker("applied.toml", Some(text));
    // The canonical form is read without toml_edit; a comment at the end
    // sends the same entries through toml_edit: both readings must agree.
    if text.ends_with('\n') && !text.trim().is_empty() {
        let through_toml = parse_tracker("applied.toml", Some(&format!("{text}# end\n")));
        assert_eq!(format!("{:?}", read.0), format!("{:?}", through_toml.0));
        assert_eq!(read.1.len(), through_toml.1.len());
    }
    if let Some(utc) = kimberlite_migration::rfc3339::to_kimberlite_utc(text) {
        assert_eq!(kimberlite_migration::rfc3339::to_kimberlite_utc(&utc), Some(utc));
    }
    let entry = AppliedEntry {
        id: 9,
        name: "fuzz".to_string(),
        checksum: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string(),
        applied_at: "2026-11-24T09:18:51Z".to_string(),
        applied_by: None,
        span: None,
    };
    if let Ok(recorded) = record_applied("applied.toml", Some(text), &entry) {
        assert!(remove_applied("applied.toml", Some(&recorded), 9).is_ok());
    }
    let _ = remove_applied("applied.toml", Some(text), 1);
});
