//! SPEC §3: file names, the leading block, markers, sections and statements.

mod common;

use common::*;
use kimberlite_migration::migration::{parse_file_name, parse_migration};
use kimberlite_migration::project::{Input, Options, RuleSetting, SourceFile, analyze};
use kimberlite_migration::{Code, Position, Severity};

const EXAMPLE: &str = "-- Migration: Add users table
-- Created: 2026-02-01T10:00:00Z
-- Author: alice@example.com

-- Up Migration
CREATE TABLE users (
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (id)
);

-- Down Migration
DROP TABLE users;
";

#[test]
fn file_names() {
    let name = parse_file_name("0001_add_users.sql").unwrap();
    assert_eq!((name.id, name.id_text, name.slug), (1, "0001", "add_users"));
    assert_eq!(parse_file_name("12345_x-y.sql").unwrap().id, 12345);
    assert_eq!(parse_file_name("4294967295_max.sql").unwrap().id, u32::MAX);
    for bad in [
        "4294967296_x.sql",
        "0000_zero.sql",
        "0001.sql",
        "0001_.sql",
        "_x.sql",
        "x_0001.sql",
        "0001_a b.sql",
        "0001_é.sql",
        "+001_x.sql",
        "0001_x.SQL",
    ] {
        assert!(parse_file_name(bad).is_none(), "{bad}");
    }
}

#[test]
fn the_spec_example() {
    let migration = parse_migration("migrations/0001_add_users.sql", EXAMPLE.as_bytes());
    assert_eq!(migration.id, Some(1));
    assert_eq!(migration.slug.as_deref(), Some("add_users"));
    assert_eq!(migration.name, "Add users table");
    assert_eq!(migration.created.as_deref(), Some("2026-02-01T10:00:00Z"));
    assert_eq!(migration.author.as_deref(), Some("alice@example.com"));
    assert_eq!(migration.up.len(), 1);
    assert_eq!(migration.up[0].keywords()[..2], ["CREATE", "TABLE"]);
    assert!(migration.up[0].text.starts_with("CREATE TABLE users ("));
    assert!(migration.up[0].text.ends_with(");"));
    assert_eq!(
        migration.up[0].range.start,
        Position {
            line: 5,
            character: 0
        }
    );
    assert_eq!(
        migration.up[0].range.end,
        Position {
            line: 9,
            character: 2
        }
    );
    let down = migration.down.as_ref().unwrap();
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].text, "DROP TABLE users;");
    assert!(
        migration.diagnostics.is_empty(),
        "{:#?}",
        migration.diagnostics
    );
    assert!(migration.transactional());
}

#[test]
fn metadata_follows_kimberlite() {
    // No title: the slug. Several `--` pairs are stripped. Last value wins.
    let text = "---- Author: a\n-- Author: b\n-- Author:\nSELECT 1;\n";
    let migration = parse_migration("0002_no_title.sql", text.as_bytes());
    assert_eq!(migration.name, "no_title");
    assert_eq!(migration.title, None);
    assert_eq!(migration.author, None);
    // Metadata after the first SQL line is not metadata.
    let late = parse_migration("0003_late.sql", b"SELECT 1;\n-- Migration: Late\n");
    assert_eq!(late.name, "late");
    // A bad Created gives no date, never "now".
    let bad = parse_migration(
        "0004_bad.sql",
        b"-- Created: 2026-02-30T00:00:00Z\nSELECT 1;\n",
    );
    assert_eq!(bad.created, None);
    assert!(codes(&bad.diagnostics).contains(&Code::InvalidCreated));
}

#[test]
fn directives() {
    let text = "-- kimberlite:no-transaction\n-- kimberlite:ignore-file missing-down, bom\nCREATE INDEX CONCURRENTLY i ON t (c);\n";
    let migration = parse_migration("0001_idx.sql", text.as_bytes());
    assert!(migration.directives.no_transaction);
    assert!(!migration.transactional());
    assert_eq!(
        migration.directives.ignore_file,
        [Code::MissingDown, Code::Bom]
    );
    let late = parse_migration(
        "0001_idx.sql",
        b"SELECT 1;\n-- kimberlite:no-transaction\nSELECT 2;\n",
    );
    assert!(!late.directives.no_transaction);
    assert!(codes(&late.diagnostics).contains(&Code::UnknownDirective));
    let unknown_code = parse_migration(
        "0001_x.sql",
        b"-- kimberlite:ignore-file no-such-code\nSELECT 1;\n",
    );
    assert!(codes(&unknown_code.diagnostics).contains(&Code::UnknownCode));
}

#[test]
fn markers_only_count_at_top_level() {
    let text = "-- Up Migration\nSELECT $$\n-- Down Migration\n$$;\n/*\n-- Down Migration\n*/\nSELECT 'x\n-- Down Migration\n';\n";
    let migration = parse_migration("0001_x.sql", text.as_bytes());
    assert_eq!(migration.up.len(), 2);
    assert_eq!(migration.down, None);
    // Kimberlite's CLI would split at the first of those texts.
    let misplaced: Vec<_> = migration
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::MisplacedMarker)
        .collect();
    assert_eq!(misplaced.len(), 1);
    assert_eq!(
        misplaced[0].range.unwrap().start,
        Position {
            line: 2,
            character: 0
        }
    );
}

#[test]
fn markers_are_case_insensitive_but_kimberlite_is_not() {
    let text =
        "-- up migration\nCREATE TABLE t (id INT);\n-- DOWN MIGRATION please\nDROP TABLE t;\n";
    let migration = parse_migration("0001_x.sql", text.as_bytes());
    assert_eq!(migration.up.len(), 1);
    assert_eq!(migration.down.as_ref().map(Vec::len), Some(1));
    assert!(codes(&migration.diagnostics).contains(&Code::MisplacedMarker));
}

#[test]
fn up_without_marker_and_sql_before_the_up_marker() {
    let plain = parse_migration("0001_x.sql", b"SELECT 1;\nSELECT 2\n");
    assert_eq!(plain.up.len(), 2);
    assert!(plain.up[0].terminated);
    assert!(!plain.up[1].terminated);
    let before = parse_migration(
        "0001_x.sql",
        b"SELECT 1;\n-- Up Migration\nSELECT 2;\n-- Down Migration\nSELECT 3;\n",
    );
    assert_eq!(before.up.len(), 2);
    assert!(codes(&before.diagnostics).contains(&Code::MisplacedMarker));
    let reversed = parse_migration(
        "0001_x.sql",
        b"-- Down Migration\nSELECT 3;\n-- Up Migration\nSELECT 2;\n",
    );
    assert!(codes(&reversed.diagnostics).contains(&Code::EmptyMigration));
    assert!(codes(&reversed.diagnostics).contains(&Code::MisplacedMarker));
}

#[test]
fn ranges_are_utf16_with_crlf_bom_and_emoji() {
    let text = "\u{feff}-- Migration: 😀 emoji\r\n-- Up Migration\r\nSELECT '😀😀'; SELECT 2;\r\n-- Down Migration\r\nSELECT 3;\r\n";
    let migration = parse_migration("0001_x.sql", text.as_bytes());
    assert_eq!(migration.name, "😀 emoji");
    let second = &migration.up[1];
    assert_eq!(second.text, "SELECT 2;");
    // "SELECT '😀😀'; " is 15 UTF-16 units: the emoji count two each.
    assert_eq!(
        second.range.start,
        Position {
            line: 2,
            character: 15
        }
    );
    assert_eq!(
        &text.as_bytes()[second.span.start..second.span.end],
        b"SELECT 2;"
    );
    assert_eq!(codes(&migration.diagnostics), [Code::Bom]);
    assert_eq!(
        migration.diagnostics[0].range.unwrap().end,
        Position {
            line: 0,
            character: 0
        }
    );
}

#[test]
fn statement_ignores_and_file_ignores_and_rule_options() {
    let text = "-- kimberlite:ignore-file missing-down\n-- kimberlite:ignore destructive-statement, missing-semicolon\nDELETE FROM t\n";
    let files = [SourceFile {
        path: "m/0001_x.sql",
        contents: text.as_bytes(),
    }];
    let report = analyze(&Input::new(files.to_vec(), None, None));
    assert_eq!(codes(&report.diagnostics), []);

    // A finding about the file's structure is not for an ignore comment.
    let text = "-- kimberlite:ignore-file missing-down\n-- kimberlite:ignore unterminated-string\nSELECT 'open\n";
    let files = [SourceFile {
        path: "m/0001_x.sql",
        contents: text.as_bytes(),
    }];
    let report = analyze(&Input::new(files.to_vec(), None, None));
    assert_eq!(
        codes(&report.diagnostics),
        [
            Code::IgnoreNotAllowed,
            Code::UnterminatedString,
            Code::MissingSemicolon
        ]
    );
    assert!(
        report.diagnostics[0]
            .message
            .contains("`unterminated-string`")
    );

    let plain = "SELECT 1;\n";
    let files = [SourceFile {
        path: "m/0001_x.sql",
        contents: plain.as_bytes(),
    }];
    let mut input = Input::new(files.to_vec(), None, None);
    input.options = Options {
        allow_out_of_order: false,
        rules: vec![
            (Code::MissingDown, RuleSetting::Severity(Severity::Error)),
            (Code::Unlocked, RuleSetting::Off),
        ],
        ..Options::default()
    };
    let report = analyze(&input);
    assert_eq!(codes(&report.diagnostics), [Code::MissingDown]);
    assert_eq!(report.diagnostics[0].severity, Severity::Error);
    assert!(!report.ok);
}

#[test]
fn invalid_utf8_is_a_diagnostic_with_no_checksum() {
    let migration = parse_migration("0001_x.sql", b"-- Migration: x\nSELECT '\xfe';\n");
    assert_eq!(migration.checksum, None);
    assert_eq!(codes(&migration.diagnostics), [Code::InvalidUtf8]);
    assert_eq!(migration.diagnostics[0].span.unwrap().start, 24);
}

#[test]
fn invalid_names_do_not_stop_the_folder() {
    let report = Project::new()
        .file("m/oops.sql", "SELECT 1;")
        .file("m/README.md", "not sql")
        .file("m/0001_a.sql", valid("SELECT 1;"))
        .analyze();
    assert_eq!(report.migrations.len(), 1);
    assert_eq!(
        codes(&report.diagnostics)
            .iter()
            .filter(|c| **c == Code::InvalidFilename)
            .count(),
        1
    );
}

#[test]
fn a_file_over_the_parse_limit_is_file_too_large_with_its_checksum_and_findings() {
    let unit = "INSERT INTO t VALUES (1);\n";
    let mut text = unit.repeat(kimberlite_migration::migration::MAX_PARSED_BYTES / unit.len() + 1);
    text.push_str("DELETE FROM t;\n");
    let migration = parse_migration("m/0001_seed.sql", text.as_bytes());
    assert_eq!(
        codes(&migration.diagnostics),
        [
            Code::MissingDown,
            Code::DestructiveStatement,
            Code::LintSkipped,
            Code::FileTooLarge
        ]
    );
    assert_eq!(
        migration.checksum.as_deref(),
        Some(kimberlite_migration::checksum::checksum_text(&text).as_str())
    );
    assert!(migration.up.is_empty());
    assert!(migration.diagnostics[3].message.contains("64 MiB"));
}

#[test]
fn a_file_over_the_parse_limit_is_still_linted_to_its_end() {
    use kimberlite_migration::migration::{MAX_PARSED_BYTES, lint_migration};
    let unit = "INSERT INTO t VALUES (1);\n";
    let mut text = unit.repeat(MAX_PARSED_BYTES / unit.len() + 1);
    text.push_str("DELETE FROM t;\n");
    let linted = lint_migration("m/0001_seed.sql", text.as_bytes());
    assert_eq!(
        codes(&linted.diagnostics),
        [
            Code::MissingDown,
            Code::DestructiveStatement,
            Code::LintSkipped
        ]
    );
    let last_line = text.lines().count() as u32 - 1;
    assert_eq!(linted.diagnostics[1].range.unwrap().start.line, last_line);
}

#[test]
fn a_file_of_more_statements_than_are_handed_over_keeps_its_findings() {
    use kimberlite_migration::migration::{MAX_KEPT_STATEMENTS, lint_migration};
    let mut text = "SELECT 1;".repeat(MAX_KEPT_STATEMENTS);
    text.push_str("\nDELETE FROM t;\n-- Down Migration\nSELECT 2;\n");
    let parsed = parse_migration("m/0001_many.sql", text.as_bytes());
    assert_eq!(
        codes(&parsed.diagnostics),
        [
            Code::FileTooLarge,
            Code::DestructiveStatement,
            Code::LintSkipped
        ]
    );
    assert!(parsed.diagnostics[0].message.contains("1000002 statements"));
    assert!(parsed.up.is_empty());
    assert_eq!(parsed.down.as_deref(), Some(&[][..]));
    assert_eq!(
        parsed.checksum.as_deref(),
        Some(kimberlite_migration::checksum::checksum_text(&text).as_str())
    );
    // Linting keeps no statement, so it has no such limit.
    assert_eq!(
        codes(&lint_migration("m/0001_many.sql", text.as_bytes()).diagnostics),
        [Code::DestructiveStatement, Code::LintSkipped]
    );
}

/// Every place reads a `-- kimberlite:` comment the same way.
#[test]
fn one_reading_of_directives() {
    use kimberlite_migration::migration::Directive;
    let of = |text| Directive::of(text).map(|d| (d.name, d.args));
    assert_eq!(of("-- kimberlite:ignore a, b "), Some(("ignore", "a, b")));
    assert_eq!(
        of("--kimberlite:no-transaction"),
        Some(("no-transaction", ""))
    );
    assert_eq!(
        of("  ---- kimberlite:ignore-file x"),
        Some(("ignore-file", "x"))
    );
    assert_eq!(of("-- kimberlite:ignore,x"), Some(("ignore,x", "")));
    assert_eq!(of("--- kimberlite:ignore x"), None);
    assert_eq!(of("-- Kimberlite:ignore x"), None);
    assert_eq!(of("-- note: kimberlite:ignore x"), None);
    // The same in the leading block and after it: a three-dash comment is no directive anywhere.
    let text = "--- kimberlite:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n--- kimberlite:ignore destructive-statement\nDELETE FROM t;\n";
    let migration =
        kimberlite_migration::migration::parse_migration("migrations/0001_a.sql", text.as_bytes());
    assert!(!migration.directives.no_transaction);
    let codes: Vec<_> = migration
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert!(codes.contains(&"non-transactional-statement"), "{codes:?}");
    assert!(codes.contains(&"destructive-statement"), "{codes:?}");
}
