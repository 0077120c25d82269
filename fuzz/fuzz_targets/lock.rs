//! Any text as a lock file: read, and add an entry, never panic; what an
//! update writes reads back.
#![no_main]

use kimberlite_migration::lock::{LockEntry, parse_lock, update_lock};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let read = parse_lock(".lock", Some(text));
    // The canonical form is read without toml_edit; a comment at the end
    // sends the same entries through toml_edit: both readings must agree.
    if text.ends_with('\n') && !text.trim().is_empty() {
        let through_toml = parse_lock(".lock", Some(&format!("{text}# end\n")));
        assert_eq!(format!("{:?}", read.0), format!("{:?}", through_toml.0));
        assert_eq!(read.1.len(), through_toml.1.len());
    }
    let entry = LockEntry {
        id: 7,
        name: "fuzz".to_string(),
        checksum: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string(),
        span: None,
    };
    if let Ok(updated) = update_lock(".lock", Some(text), &[entry]) {
        let (lock, _) = parse_lock(".lock", Some(&updated));
        assert!(lock.is_some_and(|lock| lock.entries.iter().any(|e| e.id == 7)));
    }
});
