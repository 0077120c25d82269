//! Properties: no input makes the core panic.

use kimberlite_migration::create::create_migration;
use kimberlite_migration::lock::{LockEntry, parse_lock, update_lock};
use kimberlite_migration::migration::{lint_migration, parse_migration};
use kimberlite_migration::plan::{RollbackTarget, plan_apply, plan_rollback};
use kimberlite_migration::project::{Input, SourceFile, analyze};
use kimberlite_migration::sql::split::split_statements;
use kimberlite_migration::tracker::{AppliedEntry, record_applied, remove_applied};
use proptest::prelude::*;

/// Text made of the pieces that matter to the lexer and the markers.
fn sqlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("$$".to_string()),
        Just("$a$".to_string()),
        Just(";".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just("--".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("\r\n".to_string()),
        Just("E'\\'".to_string()),
        Just("-- Up Migration\n".to_string()),
        Just("-- Down Migration\n".to_string()),
        Just("-- kimberlite:".to_string()),
        Just("-- Migration: ".to_string()),
        Just("BEGIN ATOMIC ".to_string()),
        Just("CREATE FUNCTION ".to_string()),
        Just(" END".to_string()),
        Just("\u{feff}".to_string()),
        "[a-z0-9 ()]{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// TOML-ish text for the lock and tracker.
fn tomlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("version = 1\n".to_string()),
        Just("version = ".to_string()),
        Just("[[migration]]\n".to_string()),
        Just("[[migrations]]\n".to_string()),
        Just("id = ".to_string()),
        Just("name = ".to_string()),
        Just("checksum = ".to_string()),
        Just("applied_at = ".to_string()),
        Just("\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n".to_string()),
        Just("2026-11-24T09:18:51Z\n".to_string()),
        Just("4294967295\n".to_string()),
        Just("4294967296\n".to_string()),
        Just("-1\n".to_string()),
        Just("1.5\n".to_string()),
        Just("1\n".to_string()),
        Just("2\n".to_string()),
        Just("\"x\"\n".to_string()),
        Just("# comment\n".to_string()),
        Just("[\n".to_string()),
        Just("]\n".to_string()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), text in sqlish()) {
        let _ = parse_migration("0001_x.sql", &bytes);
        let migration = parse_migration("0001_x.sql", text.as_bytes());
        for statement in migration.up.iter().chain(migration.down.iter().flatten()) {
            // The text is the span's, with each CRLF folded as Kimberlite folds it.
            let source = &text[statement.span.start..statement.span.end];
            prop_assert_eq!(source.replace("\r\n", "\n"), statement.text.as_str());
            // Keywords are read from the folded text at moved ranges: each
            // must be a word of the source.
            let upper = source.to_ascii_uppercase();
            for keyword in statement.keywords() {
                prop_assert!(
                    !keyword.contains(['\r', '\n', ' ']) && upper.contains(&keyword),
                    "{:?} not in {:?}", keyword, source
                );
            }
        }
        let _ = split_statements(&text);
        // Linting is parsing without the checksum and without keeping the
        // statements: the same findings, read statement by statement.
        for contents in [&bytes[..], text.as_bytes()] {
            let mut parsed = parse_migration("0001_x.sql", contents);
            parsed.checksum = None;
            parsed.up.clear();
            if let Some(down) = &mut parsed.down {
                down.clear();
            }
            prop_assert_eq!(lint_migration("0001_x.sql", contents), parsed);
        }
    }

    #[test]
    fn analyze_and_plans_never_panic(
        first in sqlish(),
        second in prop::collection::vec(any::<u8>(), 0..100),
        name in "[0-9_a-z.]{0,12}",
        lock in prop::option::of(tomlish()),
        tracker in prop::option::of(tomlish()),
        steps in 0u32..4,
    ) {
        let files = vec![
            SourceFile { path: "m/0001_a.sql", contents: first.as_bytes() },
            SourceFile { path: "m/0002_b.sql", contents: &second },
            SourceFile { path: &name, contents: first.as_bytes() },
        ];
        let report = analyze(&Input::new(files, lock.as_deref(), tracker.as_deref()));
        prop_assert_eq!(report.ok, report.summary.errors == 0);
        let _ = plan_apply(&report, None, false);
        let _ = plan_apply(&report, Some(steps), true);
        let _ = plan_rollback(&report, RollbackTarget::Steps(steps));
        let _ = plan_rollback(&report, RollbackTarget::To(steps));
    }

    #[test]
    fn state_document_edits_never_panic(lock in tomlish(), tracker in tomlish(), id in 0u32..5, name in any::<String>()) {
        let entry = LockEntry { id, name: name.clone(), checksum: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string(), span: None };
        if let Ok(text) = update_lock(".lock", Some(&lock), std::slice::from_ref(&entry)) {
            // What it writes, it reads back with the new entry.
            let (read, _) = parse_lock(".lock", Some(&text));
            prop_assert!(read.is_some_and(|l| l.entries.iter().any(|e| e.id == id && e.name == name)) || id == 0);
        }
        let applied = AppliedEntry { id, name, checksum: entry.checksum.clone(), applied_at: "2026-11-24T09:18:51Z".to_string(), applied_by: None, span: None };
        if let Ok(text) = record_applied("applied.toml", Some(&tracker), &applied) {
            let removed = remove_applied("applied.toml", Some(&text), id);
            prop_assert!(removed.is_ok() || id == 0);
        }
        let _ = remove_applied("applied.toml", Some(&tracker), id);
    }

    #[test]
    fn create_never_panics(name in any::<String>(), created in any::<String>()) {
        let _ = create_migration(&["0001_a.sql"], &name, &created, Some(&name));
    }
}

/// Found by the `analyze` fuzzer: squawk-linter 2.68.0 asks its line index
/// for an offset that is not a character boundary and panics (a lone `\r`,
/// a `-- squawk-ignore` comment and a multi-byte character).
#[test]
fn squawk_ignore_comments_next_to_odd_line_ends_do_not_panic() {
    let input: &[u8] = b"-5\n77*IAAAAAAAAAAA`AAAreg--squawk-ignorebreg -ban-alAAAAAAA`AAAregan-set-,sch(migrations/0002_b.sql,m,t,,,,,[/t-2[net-,/\x00.ban-set,,,,%squawk-ignorebreg -ban-alAAAAAAA`AAAregan-set-,sch(migrations/000\xef\x92\xba\t\xef\x92\xbae,m,t,,,,,[/t-2[net-,/\x00.ban-set,,,,%,,\x0c/\x00.ba,,\x0c/\x00.ban-s\x00[[/!;b--squawk-ig-aluer-ilentitytablef\r\x01z\r";
    let migration =
        kimberlite_migration::migration::parse_migration("migrations/0001_a.sql", input);
    assert!(migration.checksum.is_some());
}

/// Found by the `parse_migration` fuzzer (seeded with real projects' files):
/// squawk-syntax 2.68.0's column names hit `unreachable!` ("not possible
/// in the grammar") on this tree its parser makes of broken SQL, inside the
/// `ban-duplicate-column-assignments` rule. That rule is not run on a
/// section with a syntax error: the error is reported, nothing is skipped.
#[test]
fn broken_select_lists_do_not_stop_squawk() {
    let input = b"-- Up Migration\nCREATE VIEW SELECT(SELECT\nE e IN(\n";
    let migration =
        kimberlite_migration::migration::parse_migration("migrations/0001_a.sql", input);
    let codes: Vec<&str> = migration
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert!(codes.contains(&"syntax-error"), "{codes:?}");
    assert!(!codes.contains(&"lint-skipped"), "{codes:?}");
    // The rule still runs where the section parses.
    let clean = b"-- Up Migration\nUPDATE t SET a = 1, a = 2 WHERE id = 1;\n";
    let migration =
        kimberlite_migration::migration::parse_migration("migrations/0001_a.sql", clean);
    assert!(
        migration
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "ban-duplicate-column-assignments"),
        "{:?}",
        migration.diagnostics
    );
}
