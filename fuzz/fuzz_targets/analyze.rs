//! Any bytes split into two files, a lock and a tracker: analyze and the
//! plans never panic, and `ok` means no error.
#![no_main]

use kimberlite_migration::plan::{RollbackTarget, plan_apply, plan_rollback};
use kimberlite_migration::project::{Input, SourceFile, analyze};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xff);
    let first = parts.next().unwrap_or_default();
    let second = parts.next().unwrap_or_default();
    let lock = parts.next().and_then(|p| std::str::from_utf8(p).ok());
    let tracker = parts.next().and_then(|p| std::str::from_utf8(p).ok());
    let files = vec![
        SourceFile {
            path: "migrations/0001_a.sql",
            contents: first,
        },
        SourceFile {
            path: "migrations/0002_b.sql",
            contents: second,
        },
    ];
    let report = analyze(&Input::new(files, lock, tracker));
    assert_eq!(report.ok, report.summary.errors == 0);
    let _ = plan_apply(&report, None, true);
    let _ = plan_rollback(&report, RollbackTarget::Steps(1));
});
