//! Issue 16: a squash (`-- kimberlite:squashes 1-N`) stands for migrations
//! 1..N: the ids start at N, the lock's entries 1..N become the squash's,
//! and a history from before the squash is one `squash-not-adopted`.

mod common;

use common::*;
use kimberlite_migration::lock::{parse_lock, squash_lock};
use kimberlite_migration::plan::plan_apply;
use kimberlite_migration::project::Status;
use kimberlite_migration::{Code, Severity};

const OLD: [&str; 3] = [
    "-- Migration: Add users\n-- Up Migration\nCREATE TABLE users (id BIGINT PRIMARY KEY);\n-- Down Migration\nDROP TABLE users;\n",
    "-- Migration: Add email\n-- Up Migration\nALTER TABLE users ADD COLUMN email TEXT;\n-- Down Migration\nALTER TABLE users DROP COLUMN email;\n",
    "-- Migration: Add name\n-- Up Migration\nALTER TABLE users ADD COLUMN name TEXT;\n-- Down Migration\nALTER TABLE users DROP COLUMN name;\n",
];
const SQUASH: &str = "-- Migration: Squash of 1 to 3\n-- kimberlite:squashes 1-3\n\n-- Up Migration\nCREATE TABLE users (id bigint NOT NULL, email text, name text, CONSTRAINT users_pkey PRIMARY KEY (id));\n\n-- Down Migration\nDROP TABLE users;\n";
const NEXT: &str = "-- Migration: Add note\n-- Up Migration\nALTER TABLE users ADD COLUMN note TEXT;\n-- Down Migration\nALTER TABLE users DROP COLUMN note;\n";

fn squashed() -> Project {
    Project::new()
        .file("migrations/0003_squash.sql", SQUASH)
        .file("migrations/0004_add_note.sql", NEXT)
        .lock(lock_of(&[
            lock_entry(3, "Squash of 1 to 3", SQUASH),
            lock_entry(4, "Add note", NEXT),
        ]))
}

/// The first finding of `code`, and its help.
fn finding(
    report: &kimberlite_migration::project::Report,
    code: Code,
) -> (&kimberlite_migration::Diagnostic, &str) {
    let found = report
        .diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code:?} in {:#?}", report.diagnostics));
    (found, found.help.as_deref().unwrap_or(""))
}

fn errors(report: &kimberlite_migration::project::Report) -> Vec<Code> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect()
}

#[test]
fn ids_start_at_the_squash() {
    let report = squashed().analyze();
    assert!(report.ok, "{:#?}", report.diagnostics);
    let ids: Vec<_> = report.migrations.iter().map(|m| (m.id, m.status)).collect();
    assert_eq!(ids, [(3, Status::Pending), (4, Status::Pending)]);
    // A new database applies the squash, then what follows it.
    let steps = plan_apply(&report, None, false).unwrap();
    let steps: Vec<u32> = steps.iter().map(|s| s.id).collect();
    assert_eq!(steps, [3, 4]);
}

#[test]
fn without_the_directive_the_gap_is_reported() {
    let report = Project::new()
        .file(
            "migrations/0003_squash.sql",
            SQUASH.replace("-- kimberlite:squashes 1-3\n", ""),
        )
        .analyze();
    assert_eq!(errors(&report), [Code::SequenceGap]);
}

#[test]
fn a_squash_that_is_not_first_leaves_the_gap() {
    // The directive on a later file does not excuse ids missing before the first.
    let report = Project::new()
        .file("migrations/0002_x.sql", OLD[1])
        .file("migrations/0003_squash.sql", SQUASH)
        .analyze();
    assert_eq!(errors(&report), [Code::SequenceGap]);
}

#[test]
fn a_directive_for_other_ids_is_invalid() {
    for args in ["1-2", "2-3", "1..3", "", "1-x"] {
        let text = SQUASH.replace("squashes 1-3", &format!("squashes {args}"));
        let report = Project::new()
            .file("migrations/0003_squash.sql", &text)
            .analyze();
        let codes = errors(&report);
        assert!(codes.contains(&Code::InvalidSquash), "{args}: {codes:?}");
        let (found, help) = finding(&report, Code::InvalidSquash);
        assert!(help.contains("squashes 1-3"), "{found:?}");
        assert!(found.range.is_some());
    }
}

#[test]
fn a_history_from_before_the_squash_is_one_finding() {
    let history = vec![
        applied(1, "Add users", OLD[0]),
        applied(2, "Add email", OLD[1]),
        applied(3, "Add name", OLD[2]),
    ];
    let report = squashed().history(history).analyze();
    assert_eq!(
        errors(&report),
        [Code::SquashNotAdopted],
        "{:#?}",
        report.diagnostics
    );
    let (found, help) = finding(&report, Code::SquashNotAdopted);
    assert!(
        found.message.contains("migrations 1 to 3"),
        "{}",
        found.message
    );
    assert!(help.contains("squash --adopt"));
    // Nothing can be applied on top of it until it is adopted.
    assert!(plan_apply(&report, None, false).is_err());
}

#[test]
fn a_partial_history_says_to_finish_first() {
    let report = squashed()
        .history(vec![applied(1, "Add users", OLD[0])])
        .analyze();
    assert_eq!(errors(&report), [Code::SquashNotAdopted]);
    let (found, help) = finding(&report, Code::SquashNotAdopted);
    assert!(help.contains("Apply the rest"), "{found:?}");
}

#[test]
fn an_adopted_history_is_clean() {
    let report = squashed()
        .history(vec![applied(3, "Squash of 1 to 3", SQUASH)])
        .analyze();
    assert!(report.ok, "{:#?}", report.diagnostics);
    let ids: Vec<_> = report.migrations.iter().map(|m| (m.id, m.status)).collect();
    assert_eq!(ids, [(3, Status::Applied), (4, Status::Pending)]);
    // An edit of the squash after adoption is an edit like any other.
    let report = squashed()
        .map_files(|text| text.replace("name text", "name varchar"))
        .history(vec![applied(3, "Squash of 1 to 3", SQUASH)])
        .analyze();
    assert!(
        errors(&report).contains(&Code::AppliedModified),
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn the_lock_after_a_squash() {
    let entries: Vec<_> = OLD
        .iter()
        .enumerate()
        .map(|(at, text)| lock_entry(at as u32 + 1, &format!("m{}", at + 1), text))
        .chain([lock_entry(4, "Add note", NEXT)])
        .collect();
    let squash = lock_entry(3, "Squash of 1 to 3", SQUASH);
    let canonical = lock_of(&entries);
    let text = squash_lock("lock", Some(&canonical), &squash).unwrap();
    assert_eq!(
        text,
        lock_of(&[squash.clone(), lock_entry(4, "Add note", NEXT)])
    );
    // An annotated lock keeps its comments and other keys.
    let annotated = format!(
        "# kept\n{}",
        canonical.replace("version = 1\n", "version = 1\nowner = \"team\"\n")
    );
    let text = squash_lock("lock", Some(&annotated), &squash).unwrap();
    assert!(
        text.starts_with("# kept\n") && text.contains("owner = \"team\""),
        "{text}"
    );
    let (lock, diagnostics) = parse_lock("lock", Some(&text));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let ids: Vec<_> = lock
        .unwrap()
        .entries
        .iter()
        .map(|e| (e.id, e.checksum.clone()))
        .collect();
    assert_eq!(ids, [(3, checksum(SQUASH)), (4, checksum(NEXT))]);
    // No lock yet: the squash alone.
    assert_eq!(
        squash_lock("lock", None, &squash).unwrap(),
        lock_of(std::slice::from_ref(&squash))
    );
    // A broken lock is refused.
    let broken = squash_lock("lock", Some("version = 2\n"), &squash).unwrap_err();
    assert_eq!(broken[0].code, Code::UnsupportedLockVersion);
}
