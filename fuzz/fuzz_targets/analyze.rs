//! Any bytes split into three files, a lock and a tracker: analyze and the
//! plans never panic, and `ok` means no error. Linting the middle file with
//! a prefix cache (`analyze_reusing`, as an editor does) gives the report
//! `analyze` gives, on a first call and on one that reuses it after the
//! middle file changed. With `report_only` (the wasm `analyze`) the report
//! is the same but for the statements it drops, and so it is with each
//! file's bytes loaded as it is read (`Input::load`).
#![no_main]

use kimberlite_migration::plan::{RollbackTarget, plan_apply, plan_rollback};
use kimberlite_migration::project::{
    Input, Loader, PrefixCache, SourceFile, analyze, analyze_reusing,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xff);
    let first = parts.next().unwrap_or_default();
    let second = parts.next().unwrap_or_default();
    let third = parts.next().unwrap_or_default();
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
        SourceFile {
            path: "migrations/0003_c.sql",
            contents: third,
        },
    ];
    let report = analyze(&Input::new(files.clone(), lock, tracker));
    assert_eq!(report.ok, report.summary.errors == 0);
    let mut report_only = Input::new(files.clone(), lock, tracker);
    report_only.options.report_only = true;
    let mut expected = report.clone();
    for migration in &mut expected.migrations {
        if let Some(file) = &mut migration.file {
            file.forget_statements();
        }
    }
    assert_eq!(analyze(&report_only), expected);
    // The same, each file's bytes loaded as it is read.
    let load = |index: usize| files[index].contents.to_vec();
    let empty = files
        .iter()
        .map(|file| SourceFile {
            path: file.path,
            contents: b"",
        })
        .collect();
    let mut loaded = Input::new(empty, lock, tracker);
    loaded.options.report_only = true;
    loaded.load = Some(Loader(&load));
    assert_eq!(analyze(&loaded), expected);
    let _ = plan_apply(&report, None, true);
    let _ = plan_rollback(&report, RollbackTarget::Steps(1));
    let mut cache = PrefixCache::default();
    let mut edited = second.to_vec();
    edited.extend_from_slice(b"\n;");
    for middle in [second, second, &edited[..]] {
        let mut files = files.clone();
        files[1].contents = middle;
        let mut input = Input::new(files, lock, tracker);
        input.options.lint_only = Some(vec!["migrations/0002_b.sql".to_string()]);
        input.options.findings_only = true;
        assert_eq!(analyze_reusing(&input, Some(&mut cache)), analyze(&input));
    }
});
