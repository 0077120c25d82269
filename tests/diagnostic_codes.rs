//! Every file, folder, lock and tracker code of SPEC §7: one fixture that
//! produces it and one close to it that must not.

mod common;

use common::*;
use kimberlite_migration::{Code, Group, Severity};

/// (code, a project that has it, a project that must not).
fn cases() -> Vec<(Code, Project, Project)> {
    let one = valid("CREATE TABLE a (id INT);");
    let two = valid("CREATE TABLE b (id INT);");
    let three = valid("CREATE TABLE c (id INT);");
    let base = Project::new()
        .file("m/0001_a.sql", &one)
        .file("m/0002_b.sql", &two);
    let lock_ab = lock_of(&[
        lock_entry(1, "CREATE TABLE a (id INT);", &one),
        lock_entry(2, "CREATE TABLE b (id INT);", &two),
    ]);
    let tracker_ab = tracker_of(&[
        applied(1, "CREATE TABLE a (id INT);", &one),
        applied(2, "CREATE TABLE b (id INT);", &two),
    ]);
    let file = |text: &str| Project::new().file("m/0001_a.sql", text);
    vec![
        (
            Code::InvalidFilename,
            Project::new().file("m/add_users.sql", &one),
            Project::new().file("m/0001_add_users.sql", &one),
        ),
        (
            Code::NonstandardIdWidth,
            Project::new().file("m/1_a.sql", &one),
            Project::new().file("m/0001_a.sql", &one),
        ),
        (
            Code::InvalidUtf8,
            file("x").file("m/0002_b.sql", b"SELECT '\xff';\n"),
            base.clone(),
        ),
        (Code::Bom, file(&format!("\u{feff}{one}")), file(&one)),
        (
            Code::InvalidCreated,
            file(&format!("-- Created: yesterday\n{one}")),
            file(&format!("-- Created: 2026-11-24T09:30:00Z\n{one}")),
        ),
        (
            Code::MetadataKeyCase,
            file(&format!("-- migration: x\n{one}")),
            file(&format!("-- Migration: x\n{one}")),
        ),
        (
            Code::UnknownDirective,
            file(&format!("-- kimberlite:no-transation\n{one}")),
            file(&format!("-- kimberlite:no-transaction\n{one}")),
        ),
        (
            Code::DuplicateMarker,
            file("-- Up Migration\n-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n"),
            file("-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n"),
        ),
        (
            Code::MisplacedMarker,
            file("-- Up Migration\nSELECT '-- Down Migration';\n-- Down Migration\nSELECT 2;\n"),
            file("-- Up Migration\nSELECT '-- down';\n-- Down Migration\nSELECT 2;\n"),
        ),
        (
            Code::EmptyMigration,
            file("-- Up Migration\n-- SELECT 1;\n-- Down Migration\nSELECT 2;\n"),
            file("-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n"),
        ),
        (
            Code::EmptyDown,
            file("-- Up Migration\nSELECT 1;\n-- Down Migration\n-- DROP TABLE a;\n"),
            file("-- Up Migration\nSELECT 1;\n-- Down Migration\nDROP TABLE a;\n"),
        ),
        (
            Code::MissingDown,
            file("-- Up Migration\nSELECT 1;\n"),
            file("-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n"),
        ),
        (
            Code::UnterminatedString,
            file("SELECT 'abc;\n"),
            file("SELECT 'abc';\n"),
        ),
        (
            Code::UnterminatedComment,
            file("SELECT 1; /* never /* closed */\n"),
            file("SELECT 1; /* closed /* twice */ */\n"),
        ),
        (
            Code::UnterminatedDollarQuote,
            file("SELECT $body$ abc;\n"),
            file("SELECT $body$ abc $body$;\n"),
        ),
        (
            Code::NotAFile,
            base.clone()
                .unreadable("m/0003_c.sql", Code::NotAFile, "a FIFO"),
            base.clone(),
        ),
        (
            Code::UnreadableFile,
            base.clone()
                .unreadable("m/0003_c.sql", Code::UnreadableFile, "permission denied"),
            base.clone(),
        ),
        (
            Code::FileTooLarge,
            base.clone()
                .unreadable("m/0003_c.sql", Code::FileTooLarge, "600000000 bytes"),
            base.clone(),
        ),
        (
            Code::DuplicateId,
            base.clone().file("m/0002_c.sql", &three),
            base.clone().file("m/0003_c.sql", &three),
        ),
        (
            Code::SequenceGap,
            file(&one).file("m/0003_c.sql", &three),
            file(&one).file("m/0002_c.sql", &three),
        ),
        (
            Code::OutOfOrder,
            base.clone()
                .file("m/0003_c.sql", &three)
                .tracker(tracker_of(&[
                    applied(1, "a", &one),
                    applied(3, "c", &three),
                ])),
            base.clone()
                .file("m/0003_c.sql", &three)
                .tracker(tracker_of(&[applied(1, "a", &one), applied(2, "b", &two)])),
        ),
        (
            Code::InvalidLock,
            base.clone().lock("version = = 1\n"),
            base.clone().lock(lock_ab.clone()),
        ),
        (
            Code::UnsupportedLockVersion,
            base.clone().lock("version = 2\n"),
            base.clone().lock("version = 1\n"),
        ),
        (
            Code::DuplicateLockEntry,
            base.clone()
                .lock(lock_ab.clone() + &lock_ab.replace("version = 1\n", "")),
            base.clone().lock(lock_ab.clone()),
        ),
        (
            Code::ChecksumMismatch,
            Project::new()
                .file("m/0001_a.sql", one.replace("id INT", "id BIGINT"))
                .file("m/0002_b.sql", &two)
                .lock(lock_ab.clone()),
            Project::new()
                .file("m/0001_a.sql", format!("-- Author: edited header\n{one}"))
                .file("m/0002_b.sql", &two)
                .lock(lock_ab.clone()),
        ),
        (
            Code::LockedFileMissing,
            file(&one).lock(lock_ab.clone()),
            base.clone().lock(lock_ab.clone()),
        ),
        (
            Code::LockNameMismatch,
            Project::new()
                .file(
                    "m/0001_a.sql",
                    one.replace(
                        "-- Migration: CREATE TABLE a (id INT);",
                        "-- Migration: renamed",
                    ),
                )
                .file("m/0002_b.sql", &two)
                .lock(lock_ab.clone()),
            base.clone().lock(lock_ab.clone()),
        ),
        (
            Code::Unlocked,
            base.clone()
                .lock(lock_of(&[lock_entry(1, "CREATE TABLE a (id INT);", &one)])),
            base.clone().lock(lock_ab.clone()),
        ),
        (
            Code::InvalidTracker,
            base.clone().tracker("[[migrations]\n"),
            base.clone().tracker(tracker_ab.clone()),
        ),
        (
            Code::DuplicateApplied,
            base.clone().tracker(
                tracker_of(&[applied(1, "a", &one)]) + "\n" + &tracker_of(&[applied(1, "a", &one)]),
            ),
            base.clone().tracker(tracker_ab.clone()),
        ),
        (
            Code::AppliedModified,
            Project::new()
                .file("m/0001_a.sql", &one)
                .file("m/0002_b.sql", two.replace("SELECT 0;", "SELECT 9;"))
                .tracker(tracker_ab.clone()),
            base.clone().tracker(tracker_ab.clone()),
        ),
        (
            Code::AppliedMissing,
            file(&one).tracker(tracker_ab.clone()),
            base.clone().tracker(tracker_ab.clone()),
        ),
        (
            Code::TrackerLockMismatch,
            base.clone().lock(lock_ab.clone()).tracker(tracker_of(&[
                applied(1, "a", &one),
                applied(2, "b", "SELECT 'other';"),
            ])),
            base.clone()
                .lock(lock_ab.clone())
                .tracker(tracker_ab.clone()),
        ),
        (
            Code::InvalidSquash,
            file("-- kimberlite:squashes 1-2\nSELECT 1;\n"),
            file("-- kimberlite:squashes 1-1\nSELECT 1;\n"),
        ),
        (
            Code::SquashNotAdopted,
            Project::new()
                .file("m/0002_s.sql", "-- kimberlite:squashes 1-2\nSELECT 1;\n")
                .tracker(tracker_ab.clone()),
            Project::new()
                .file("m/0002_s.sql", "-- kimberlite:squashes 1-2\nSELECT 1;\n")
                .tracker(tracker_of(&[applied(
                    2,
                    "s",
                    "-- kimberlite:squashes 1-2\nSELECT 1;\n",
                )])),
        ),
        (
            Code::TrackerDrift,
            base.clone()
                .tracker(tracker_ab.clone())
                .history(vec![applied(1, "a", &one)]),
            base.clone()
                .tracker(tracker_ab.clone())
                .history(vec![applied(1, "a", &one), applied(2, "b", &two)]),
        ),
    ]
}

#[test]
fn each_code_has_a_fixture_that_fires_it_and_one_that_does_not() {
    for (code, fires, quiet) in cases() {
        let report = fires.analyze();
        assert!(
            codes(&report.diagnostics).contains(&code),
            "{} did not fire: {:#?}",
            code.as_str(),
            report.diagnostics
        );
        let report = quiet.analyze();
        assert!(
            !codes(&report.diagnostics).contains(&code),
            "{} fired on the quiet fixture: {:#?}",
            code.as_str(),
            report.diagnostics
        );
    }
}

#[test]
fn the_fixtures_cover_every_file_folder_lock_and_tracker_code() {
    let covered: Vec<Code> = cases().iter().map(|(code, _, _)| *code).collect();
    for code in Code::ALL {
        if matches!(
            code.group(),
            Group::File | Group::Folder | Group::Lock | Group::Tracker
        ) {
            assert!(covered.contains(code), "no fixture for {}", code.as_str());
        }
    }
}

#[test]
fn every_diagnostic_has_help_and_a_message_naming_the_file_or_id() {
    for (_, fires, _) in cases() {
        for diagnostic in fires.analyze().diagnostics {
            assert!(
                diagnostic.help.as_deref().is_some_and(|h| !h.is_empty()),
                "{} has no help",
                diagnostic.code.as_str()
            );
            assert!(!diagnostic.message.is_empty());
            assert!(
                !diagnostic.file.is_empty(),
                "{} has no file",
                diagnostic.code.as_str()
            );
        }
    }
}

/// How many findings of `code` a report has.
fn count(report: &kimberlite_migration::project::Report, code: Code) -> usize {
    report.diagnostics.iter().filter(|d| d.code == code).count()
}

/// Every way a migration file or a run option could try to silence a code.
fn silencing_attempts(code: Code, project: &Project) -> Vec<(String, Project)> {
    let name = code.as_str();
    let mut attempts = vec![
        (
            "ignore-file in the header".to_string(),
            project
                .clone()
                .map_files(|text| format!("-- kimberlite:ignore-file {name}\n{text}")),
        ),
        (
            "ignore-file among other codes".to_string(),
            project.clone().map_files(|text| {
                format!("--   kimberlite:ignore-file missing-down, {name}\n{text}")
            }),
        ),
        (
            "ignore before every statement".to_string(),
            project.clone().map_files(|text| {
                text.split_inclusive('\n')
                    .map(|line| {
                        if line.trim().is_empty() || line.trim_start().starts_with("--") {
                            line.to_string()
                        } else {
                            format!("-- kimberlite:ignore {name}\n{line}")
                        }
                    })
                    .collect()
            }),
        ),
        (
            format!("--rule {name}=off"),
            project.clone().rules(&[(name, "off")]),
        ),
    ];
    for weaker in [Severity::Warning, Severity::Info, Severity::Hint] {
        if weaker > code.default_severity() {
            attempts.push((
                format!("--rule {name}={}", weaker.as_str()),
                project.clone().rules(&[(name, weaker.as_str())]),
            ));
        }
    }
    attempts
}

/// SPEC §0/§7: nothing in a migration file and no run option silences or
/// weakens an integrity finding, and every attempt is itself reported.
#[test]
fn integrity_findings_cannot_be_silenced_in_any_way() {
    let mut tried = 0;
    for (code, fires, _) in cases() {
        if code.is_silenceable() {
            continue;
        }
        let before = fires.analyze();
        let fired = count(&before, code);
        for (how, attempt) in silencing_attempts(code, &fires) {
            let report = attempt.analyze();
            let still = report
                .diagnostics
                .iter()
                .filter(|d| d.code == code && d.severity == code.default_severity())
                .count();
            assert!(
                still >= fired,
                "{how} silenced {}: {fired} before, {still} after: {:#?}",
                code.as_str(),
                report.diagnostics
            );
            assert_eq!(
                report.ok,
                before.ok && report.ok,
                "{how} made a failing report ok"
            );
            // A file that cannot be decoded carries no comments to report.
            if code != Code::InvalidUtf8 || how.starts_with("--rule") {
                assert!(
                    count(&report, Code::IgnoreNotAllowed) > 0,
                    "{how} for {} was not reported: {:#?}",
                    code.as_str(),
                    report.diagnostics
                );
            }
            tried += 1;
        }
    }
    assert!(tried >= 100, "only {tried} attempts");
}

/// What may be silenced still can be, by each of the same means.
#[test]
fn lint_and_style_findings_can_be_silenced_in_every_way() {
    for (code, fires, _) in cases() {
        if !code.is_silenceable() {
            continue;
        }
        for (how, attempt) in silencing_attempts(code, &fires) {
            // A statement ignore only covers findings placed in a statement.
            if how.starts_with("ignore before") {
                continue;
            }
            let report = attempt.analyze();
            let left: Vec<_> = report
                .diagnostics
                .iter()
                .filter(|d| d.code == code && d.severity == code.default_severity())
                .collect();
            assert!(
                left.is_empty(),
                "{how} did not silence {}: {left:#?}",
                code.as_str()
            );
            assert_eq!(count(&report, Code::IgnoreNotAllowed), 0, "{how}");
        }
    }
}

/// Options may raise an integrity finding (a warning made an error), never lower it.
#[test]
fn integrity_findings_may_be_raised_by_options() {
    let (code, fires, _) = cases()
        .into_iter()
        .find(|(code, _, _)| *code == Code::LockNameMismatch)
        .unwrap();
    let report = fires.rules(&[(code.as_str(), "error")]).analyze();
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code == code && d.severity == Severity::Error)
    );
    assert_eq!(count(&report, Code::IgnoreNotAllowed), 0);
    assert!(!report.ok);
}

/// An unreadable entry keeps its id: the next file is no gap, and nothing
/// can be planned or locked while it stands.
#[test]
fn an_unreadable_file_blocks_the_run_but_leaves_no_gap() {
    let one = valid("CREATE TABLE a (id INT);");
    let three = valid("CREATE TABLE c (id INT);");
    let report = Project::new()
        .file("m/0001_a.sql", &one)
        .unreadable("m/0002_b.sql", Code::NotAFile, "a FIFO")
        .file("m/0003_c.sql", &three)
        .analyze();
    assert_eq!(codes(&report.diagnostics), [Code::NotAFile]);
    assert!(!report.ok);
    assert!(
        report.diagnostics[0]
            .message
            .contains("Migration 2 (0002_b.sql) is not a regular file (a FIFO)")
    );
}

/// A locked and applied file that cannot be read is that, and only that:
/// not also missing from the lock's or the tracker's point of view.
#[test]
fn an_unreadable_locked_and_applied_file_is_not_also_missing() {
    let one = valid("CREATE TABLE a (id INT);");
    let two = valid("CREATE TABLE b (id INT);");
    let report = Project::new()
        .file("m/0001_a.sql", &one)
        .unreadable("m/0002_b.sql", Code::UnreadableFile, "permission denied")
        .lock(lock_of(&[
            lock_entry(1, "CREATE TABLE a (id INT);", &one),
            lock_entry(2, "CREATE TABLE b (id INT);", &two),
        ]))
        .tracker(tracker_of(&[
            applied(1, "CREATE TABLE a (id INT);", &one),
            applied(2, "CREATE TABLE b (id INT);", &two),
        ]))
        .analyze();
    assert_eq!(codes(&report.diagnostics), [Code::UnreadableFile]);
    assert!(!report.ok);
}
