//! Kimberlite's own crate (`kimberlite-migration` 0.9.1) as the oracle
//! (SPEC §0): random migration files, lock and tracker documents go through
//! both tools, and every disagreement must be one of the documented
//! differences of `docs/decisions.md` ("Differences from Kimberlite"), each
//! of which comes with its diagnostic.
//!
//! Kimberlite reads files from disk, so each case is written to a temporary
//! folder. The number of cases is `KMB_ORACLE_CASES` (default 10,000 files
//! and 2,000 documents of each kind).

use std::path::Path;

use kimberlite::{LockFile, MigrationFile, MigrationManager, MigrationTracker};
use kimberlite_migration::Code;
use kimberlite_migration::lock::{LockEntry, parse_lock, write_lock};
use kimberlite_migration::migration::{Migration, parse_migration};
use kimberlite_migration::sql::split::split_statements;
use kimberlite_migration::tracker::{parse_tracker, record_applied, write_tracker};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases(default: u32) -> u32 {
    std::env::var("KMB_ORACLE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Every whitespace character Rust's `trim()` removes that PostgreSQL does
/// not treat as white space (it reads them as letters of a name).
const UNICODE_SPACES: &[char] = &[
    '\u{00a0}', '\u{3000}', '\u{2028}', '\u{2029}', '\u{0085}', '\u{2003}', '\u{202f}', '\u{1680}',
    '\u{205f}', '\u{000b}', '\u{000c}', '\u{2000}',
];

fn unicode_space() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(UNICODE_SPACES), 1..3)
        .prop_map(|chars| chars.into_iter().collect())
}

fn created() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2020-02-01T10:00:00Z".to_string()),
        Just("2020-02-01T10:00:00.5+01:00".to_string()),
        Just("2020-02-01T10:00:00\u{2212}05:30".to_string()),
        Just("2020-02-01t10:00:00z".to_string()),
        Just("2020-02-01 10:00:00Z".to_string()),
        Just("2020-02-29T23:59:60Z".to_string()),
        Just("2020-02-01T10:00:00+0100".to_string()),
        Just("2020-02-01T10:00:00".to_string()),
        Just("2020-02-01T10:00:00.123456789123Z".to_string()),
        Just("2020-02-01T10:00:00-00:00".to_string()),
        Just("2021-02-29T00:00:00Z".to_string()),
        Just("yesterday".to_string()),
        Just(String::new()),
    ]
}

/// One line of a migration file, without its line ending: mostly what real
/// files hold, sometimes what breaks tools.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => sql_line(),
        8 => comment_line(),
        2 => hostile_line(),
    ]
}

fn sql_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("SELECT 1;".to_string()),
        Just("SELECT 1".to_string()),
        Just("CREATE TABLE t (id INT);".to_string()),
        Just("INSERT INTO t VALUES ('a', 'b;c');".to_string()),
        Just("DO $body$ BEGIN PERFORM 1; END $body$;".to_string()),
        Just("SELECT '😀', E'\\n';".to_string()),
        Just("\tUPDATE t SET a = 1 WHERE b;".to_string()),
        Just("CREATE TABLE u (".to_string()),
        Just("  id INT,".to_string()),
        Just("  note TEXT DEFAULT 'multi\r\nline',".to_string()),
        Just(");".to_string()),
    ]
}

/// Comments and blank lines, metadata and directives among them (which
/// are plain comments after the header).
fn comment_line() -> impl Strategy<Value = String> {
    prop_oneof![
        header_line(),
        Just("---- Migration:  Two dashes pairs ".to_string()),
        Just("  --Migration:x".to_string()),
        Just("-- migration: lower".to_string()),
        Just("-- kimberlite:no-transaction".to_string()),
        Just("-- kimberlite:ignore missing-semicolon".to_string()),
        Just("  \t".to_string()),
        Just("/* block */".to_string()),
    ]
}

/// Markers hidden in strings, comments and bodies; unclosed quotes and
/// comments; Unicode spaces inside SQL; markers Kimberlite does not see.
fn hostile_line() -> impl Strategy<Value = String> {
    prop_oneof![
        unicode_space().prop_map(|s| format!("{s}-- comment after a Unicode space")),
        Just("/* open".to_string()),
        Just("close */".to_string()),
        Just("  -- Down Migration".to_string()),
        Just("-- down migration".to_string()),
        Just("-- UP MIGRATION".to_string()),
        Just("SELECT 'it''s -- Down Migration';".to_string()),
        Just("SELECT $$ -- Down Migration $$;".to_string()),
        Just("SELECT 1; -- Down Migration".to_string()),
        Just("/* -- Up Migration */ SELECT 2;".to_string()),
        Just("SELECT 'open".to_string()),
        Just("string closes';".to_string()),
        unicode_space().prop_map(|s| format!("SELECT{s}1;")),
        unicode_space().prop_map(|s| format!("{s}SELECT 3;")),
        unicode_space().prop_map(|s| format!("SELECT 4;{s}")),
        Just("\u{feff}SELECT 5;".to_string()),
        Just("SELECT\u{200b}6;".to_string()),
    ]
}

fn line_ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![6 => Just("\n"), 3 => Just("\r\n"), 1 => Just("\r")]
}

fn file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => Just("0001_first.sql".to_string()),
        1 => Just("0042_add-users.sql".to_string()),
        1 => Just("7_short.sql".to_string()),
        1 => Just("00012_wide.sql".to_string()),
        1 => Just("0003_two_parts.sql".to_string()),
        1 => Just("4294967295_max.sql".to_string()),
        1 => Just("4294967296_over.sql".to_string()),
        1 => Just("0000_zero.sql".to_string()),
        1 => Just("0005_é.sql".to_string()),
        1 => Just("0006_with space.sql".to_string()),
        1 => Just("0007.sql".to_string()),
        1 => Just("abc_x.sql".to_string()),
        1 => Just("0008_.sql".to_string()),
    ]
}

/// A header line: metadata, directives, comments and blanks.
fn header_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}".prop_map(|t| format!("-- Migration: {t}")),
        created().prop_map(|c| format!("-- Created: {c}")),
        "[ -~]{0,8}".prop_map(|a| format!("-- Author: {a}")),
        Just(String::new()),
        Just("-- a comment".to_string()),
        unicode_space(),
    ]
}

fn marker(kind: &'static str) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(Some(format!("-- {kind} Migration"))),
        1 => Just(Some(format!("-- {kind} Migration (optional)"))),
        1 => Just(Some(format!("  -- {kind} Migration"))),
        2 => Just(None),
    ]
}

/// A whole migration file: BOMs, a header, an Up and a Down section (each
/// marker optional), lines with mixed endings, a last line with or without
/// one.
fn migration_file() -> impl Strategy<Value = (String, String)> {
    let lines = (
        prop::collection::vec(header_line(), 0..5),
        marker("Up"),
        prop::collection::vec(line(), 1..7),
        marker("Down"),
        prop::collection::vec(line(), 0..4),
    )
        .prop_map(|(header, up_marker, up, down_marker, down)| {
            let mut lines = header;
            lines.extend(up_marker);
            lines.extend(up);
            lines.extend(down_marker);
            lines.extend(down);
            lines
        });
    (
        file_name(),
        prop_oneof![8 => Just(0usize), 1 => Just(1), 1 => Just(2)],
        lines.prop_flat_map(|lines| {
            let count = lines.len();
            (Just(lines), prop::collection::vec(line_ending(), count))
        }),
        any::<bool>(),
    )
        .prop_map(|(name, boms, (lines, endings), final_newline)| {
            let mut text = "\u{feff}".repeat(boms);
            let count = lines.len();
            for (index, (line, ending)) in lines.into_iter().zip(endings).enumerate() {
                text.push_str(&line);
                if index + 1 < count || final_newline {
                    text.push_str(ending);
                }
            }
            (name, text)
        })
}

/// Writes `text` as `dir/name` and loads it with Kimberlite.
fn kimberlite_load(dir: &Path, name: &str, text: &str) -> Result<MigrationFile, String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    let loaded = MigrationFile::load(&path).map_err(|e| e.to_string());
    std::fs::remove_file(&path).map_err(|e| e.to_string())?;
    loaded
}

fn has(migration: &Migration, code: Code) -> bool {
    migration.diagnostics.iter().any(|d| d.code == code)
}

/// What PostgreSQL would be sent, statement by statement, for a piece of SQL.
fn statements_of(sql: &str) -> Vec<String> {
    split_statements(sql)
        .iter()
        .map(|s| sql[s.span.start..s.span.end].to_string())
        .collect()
}

fn texts(statements: &[kimberlite_migration::migration::Statement]) -> Vec<String> {
    statements.iter().map(|s| s.text.clone()).collect()
}

/// How a file compared: in full, or up to a documented difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Id, name, author, created, checksum, Up and Down all agree.
    Same,
    /// Both tools refuse the file name.
    BothRefuseName,
    /// Kimberlite accepts a name that is not `<id>_<slug>.sql` (`invalid-filename`).
    NameOnlyKimberliteAccepts,
    /// The metadata and checksum agree; the SQL differs where ours reports an error.
    SqlRefused(Code),
}

/// Compares one file; `Err` describes an undocumented difference.
fn compare_file(dir: &Path, name: &str, text: &str) -> Result<Outcome, String> {
    let ours = parse_migration(name, text.as_bytes());
    // Difference: ours strips one leading BOM, and says so (`bom`); the rest
    // of the file is then read as Kimberlite reads the file without it.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) if has(&ours, Code::Bom) => rest,
        Some(_) => return Err("a BOM without `bom`".to_string()),
        None => text,
    };
    let theirs = match kimberlite_load(dir, name, text) {
        Ok(file) => file,
        // Kimberlite refuses only names without a numeric id; so do we.
        Err(error) => {
            return if has(&ours, Code::InvalidFilename) {
                Ok(Outcome::BothRefuseName)
            } else {
                Err(format!("Kimberlite refused it ({error}), we did not"))
            };
        }
    };
    // Difference: names Kimberlite accepts that are not `<id>_<slug>.sql`.
    if has(&ours, Code::InvalidFilename) {
        return Ok(Outcome::NameOnlyKimberliteAccepts);
    }
    if ours.id != Some(theirs.migration.id) {
        return Err(format!("id {:?} vs {}", ours.id, theirs.migration.id));
    }
    if ours.name != theirs.migration.name {
        return Err(format!(
            "name {:?} vs {:?}",
            ours.name, theirs.migration.name
        ));
    }
    let author = theirs.migration.author.clone().filter(|a| !a.is_empty());
    if ours.author != author {
        return Err(format!("author {:?} vs {:?}", ours.author, author));
    }
    // Created: ours is the text, Kimberlite's the instant (or "now" when it
    // could not read one). Compare the instant through chrono.
    let created = theirs.migration.created_at.to_rfc3339();
    match &ours.created {
        Some(c) => {
            let parsed = chrono::DateTime::parse_from_rfc3339(&c.replace('\u{2212}', "-"))
                .map_err(|e| format!("our created {c:?} is no RFC 3339 to chrono: {e}"))?;
            if parsed.with_timezone(&chrono::Utc).to_rfc3339() != created {
                return Err(format!("created {c:?} vs {created}"));
            }
        }
        None if !created.starts_with("2020") && !created.starts_with("2021") => {}
        None => return Err(format!("created: none vs {created}")),
    }
    if ours.checksum.as_deref() != Some(theirs.checksum.as_str()) {
        return Err(format!(
            "checksum {:?} vs {}",
            ours.checksum, theirs.checksum
        ));
    }
    // Up and Down: where the two tools would split differently, ours says so
    // with an error (and plans nothing); otherwise the same statements.
    // An unterminated string, comment or body, or an invisible character
    // inside the SQL, is an error too: PostgreSQL would reject what either
    // tool sends.
    let refused = [
        Code::MisplacedMarker,
        Code::DuplicateMarker,
        Code::UnterminatedString,
        Code::UnterminatedComment,
        Code::UnterminatedDollarQuote,
        Code::InvisibleCharacter,
    ];
    if let Some(&code) = refused.iter().find(|&&code| has(&ours, code)) {
        return Ok(Outcome::SqlRefused(code));
    }
    let up = MigrationManager::up_sql(&theirs);
    if texts(&ours.up) != statements_of(up) {
        return Err(format!("Up {:?} vs {up:?}", texts(&ours.up)));
    }
    let down = MigrationManager::down_sql(&theirs).unwrap_or("");
    let ours_down = ours.down.as_deref().map(texts).unwrap_or_default();
    if ours_down != statements_of(down) {
        return Err(format!("Down {ours_down:?} vs {down:?}"));
    }
    Ok(Outcome::Same)
}

#[test]
fn migration_files_read_as_kimberlite_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let total = cases(10_000);
    let mut runner = runner(total);
    let outcomes = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let result = runner.run(&migration_file(), |(name, text)| {
        match compare_file(dir.path(), &name, &text) {
            Ok(outcome) => *outcomes.borrow_mut().entry(outcome).or_insert(0u32) += 1,
            Err(difference) => {
                return Err(TestCaseError::fail(format!(
                    "{name} {text:?}: {difference}"
                )));
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    let outcomes = outcomes.into_inner();
    eprintln!("{total} files: {outcomes:?}");
    // The generator must make many files both tools can run (about half).
    let same = outcomes.get(&Outcome::Same).copied().unwrap_or(0);
    assert!(
        same * 5 >= total * 2,
        "only {same} of {total} compared in full"
    );
}

// ---- lock and tracker documents ---------------------------------------

fn entry_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,10}",
        Just("Add \"users\" table".to_string()),
        Just("back\\slash and 'quote'".to_string()),
        Just("tab\there".to_string()),
        Just("line\nbreak".to_string()),
        Just("😀 emoji".to_string()),
        Just("'''".to_string()),
        Just(String::new()),
    ]
}

fn entry_checksum() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[0-9a-f]{64}",
        1 => Just("abc123".to_string()),
        1 => Just("ABCDEF".repeat(10) + "ABCD"),
        1 => Just(String::new()),
    ]
}

fn lock_entries() -> impl Strategy<Value = Vec<LockEntry>> {
    prop::collection::btree_map(
        prop_oneof![4 => 1u32..200, 1 => Just(0u32), 1 => Just(u32::MAX)],
        (entry_name(), entry_checksum()),
        0..6,
    )
    .prop_map(|entries| {
        entries
            .into_iter()
            .map(|(id, (name, checksum))| LockEntry {
                id,
                name,
                checksum,
                span: None,
            })
            .collect()
    })
}

/// What Kimberlite writes we read, what we write Kimberlite reads, and for
/// the same entries both write the same bytes.
#[test]
fn lock_documents_round_trip_between_the_tools() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".lock");
    let mut runner = runner(cases(10_000) / 5);
    let result = runner.run(&lock_entries(), |entries| {
        let mut theirs = LockFile::new();
        for entry in &entries {
            theirs.migrations.push(kimberlite::lock::LockEntry {
                id: entry.id,
                name: entry.name.clone(),
                checksum: entry.checksum.clone(),
            });
        }
        theirs.save(&path).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        prop_assert_eq!(&write_lock(&entries), &written, "bytes differ");
        let (read, diagnostics) = parse_lock(".lock", Some(&written));
        prop_assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        let read: Vec<LockEntry> = read
            .unwrap()
            .entries
            .into_iter()
            .map(|e| LockEntry { span: None, ..e })
            .collect();
        prop_assert_eq!(&read, &entries);
        let back = LockFile::load(&path).unwrap();
        prop_assert_eq!(back.migrations.len(), entries.len());
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// Tracker entries written by Kimberlite (its clock gives `applied_at`) are
/// read by us and written back byte for byte.
#[test]
fn tracker_documents_round_trip_between_the_tools() {
    let mut runner = runner(cases(10_000) / 20);
    let result = runner.run(&lock_entries(), |entries| {
        let dir = tempfile::tempdir().unwrap();
        let tracker = MigrationTracker::new(dir.path()).unwrap();
        for entry in &entries {
            tracker
                .record_applied(entry.id, entry.name.clone(), entry.checksum.clone())
                .unwrap();
        }
        let path = dir.path().join("applied.toml");
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        let (read, diagnostics) = parse_tracker("applied.toml", Some(&written));
        prop_assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        let read = read.unwrap().entries;
        prop_assert_eq!(read.len(), entries.len());
        if !entries.is_empty() {
            prop_assert_eq!(&write_tracker(&read), &written, "bytes differ");
        }
        // And what we write, Kimberlite reads with the same instants: the
        // entries one `record_applied` at a time (it takes only real
        // checksums), else the whole list.
        let recorded = read.iter().try_fold(None::<String>, |text, entry| {
            record_applied("applied.toml", text.as_deref(), entry).map(Some)
        });
        let ours = match recorded {
            Ok(Some(text)) => text,
            _ => write_tracker(&read),
        };
        std::fs::write(&path, ours).unwrap();
        let back = tracker.list_applied().unwrap();
        prop_assert_eq!(back.len(), read.len());
        for (theirs, ours) in back.iter().zip(&read) {
            prop_assert_eq!(theirs.id, ours.id);
            prop_assert_eq!(&theirs.checksum, &ours.checksum);
            prop_assert_eq!(
                &theirs.applied_at.to_rfc3339(),
                &chrono::DateTime::parse_from_rfc3339(&ours.applied_at)
                    .unwrap()
                    .to_rfc3339()
            );
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// Hand-written state documents: ours reads a document (no error) exactly
/// when Kimberlite can load it, except where ours is stricter on purpose and
/// says so with its own code.
#[test]
fn state_documents_are_readable_exactly_when_kimberlite_reads_them() {
    let sum = "a".repeat(64);
    let entry = |table: &str, id: &str, checksum: &str| {
        format!("[[{table}]]\nid = {id}\nname = \"x\"\nchecksum = \"{checksum}\"\n")
    };
    let applied = |id: &str, checksum: &str, at: &str| {
        format!("{}applied_at = {at}\n", entry("migrations", id, checksum))
    };
    // (lock text, the code ours reports where Kimberlite reads it anyway)
    let locks: Vec<(String, Option<Code>)> = vec![
        ("version = 1\nmigration = []\n".into(), None),
        (
            format!("version = 1\n\n{}", entry("migration", "1", &sum)),
            None,
        ),
        (
            format!("version = 1\n\n{}", entry("migration", "0", &sum)),
            None,
        ),
        (
            format!("version = 1\n\n{}", entry("migration", "1", "abc123")),
            None,
        ),
        (
            format!("version = 1\n\n{}", entry("migration", "4294967295", "")),
            None,
        ),
        (
            format!("version = 1\n\n{}", entry("migration", "4294967296", &sum)),
            None,
        ),
        (
            format!("version = 1\n\n{}", entry("migration", "-1", &sum)),
            None,
        ),
        ("version = 1\n".into(), None),
        ("# only a comment\n".into(), None),
        ("version = 1\nmigration = {}\n".into(), None),
        ("migration = []\n".into(), None),
        ("version = \"1\"\nmigration = []\n".into(), None),
        (
            "version = 2\nmigration = []\n".into(),
            Some(Code::UnsupportedLockVersion),
        ),
        (
            format!("version = 1\n\n{0}\n{0}", entry("migration", "1", &sum)),
            Some(Code::DuplicateLockEntry),
        ),
        (
            format!(
                "version = 1\nextra = true\n\n{}other = 1\n",
                entry("migration", "1", &sum)
            ),
            None,
        ),
        (
            format!(
                "version = 1\n\n{}",
                entry("migration", "1", &sum).replace("name = \"x\"\n", "")
            ),
            None,
        ),
        ("".into(), None),
        ("  \n".into(), None),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".lock");
    for (text, stricter) in &locks {
        std::fs::write(&path, text).unwrap();
        let theirs = LockFile::load(&path).map(|_| ()).map_err(|e| e.to_string());
        let (ours, diagnostics) = parse_lock(".lock", Some(text));
        agree(
            text,
            theirs,
            ours.is_some(),
            &diagnostics,
            *stricter,
            Code::InvalidLock,
        );
    }
    // (tracker text, the code ours reports where Kimberlite reads it anyway)
    let trackers: Vec<(String, Option<Code>)> = vec![
        ("migrations = []\n".into(), None),
        (applied("1", &sum, "\"2026-01-01T00:00:00Z\""), None),
        (
            applied("0", "abc123", "\"2026-01-01T00:00:00.5+01:00\""),
            None,
        ),
        (
            applied("1", &sum, "\"2026-01-01T00:00:00\u{2212}01:00\""),
            None,
        ),
        (applied("1", &sum, "2026-01-01T00:00:00Z"), None),
        (applied("1", &sum, "\"yesterday\""), None),
        (applied("1", &sum, "\"2026-01-01 00:00:00Z\""), None),
        // Stricter: chrono reads more than RFC 3339; Kimberlite never writes it.
        (
            applied("1", &sum, "\"2026-01-01T00:00:00+0100\""),
            Some(Code::InvalidTracker),
        ),
        (
            format!(
                "{}applied_by = \"me\"\n",
                applied("1", &sum, "\"2026-01-01T00:00:00Z\"")
            ),
            None,
        ),
        (
            format!(
                "{}applied_by = 1\n",
                applied("1", &sum, "\"2026-01-01T00:00:00Z\"")
            ),
            None,
        ),
        ("# only a comment\n".into(), None),
        ("other = 1\n".into(), None),
        ("migrations = {}\n".into(), None),
        (
            format!("{0}\n{0}", applied("1", &sum, "\"2026-01-01T00:00:00Z\"")),
            Some(Code::DuplicateApplied),
        ),
        ("".into(), None),
    ];
    let path = dir.path().join("applied.toml");
    let tracker = MigrationTracker::new(dir.path()).unwrap();
    for (text, stricter) in &trackers {
        std::fs::write(&path, text).unwrap();
        let theirs = tracker
            .list_applied()
            .map(|_| ())
            .map_err(|e| e.to_string());
        let (ours, diagnostics) = parse_tracker("applied.toml", Some(text));
        agree(
            text,
            theirs,
            ours.is_some(),
            &diagnostics,
            *stricter,
            Code::InvalidTracker,
        );
    }
}

/// Ours reads a state document (no error) when Kimberlite does, or reports
/// exactly the `stricter` code where it is stricter on purpose; where
/// Kimberlite refuses it, ours reports it `invalid`.
fn agree(
    text: &str,
    theirs: Result<(), String>,
    read: bool,
    diagnostics: &[kimberlite_migration::Diagnostic],
    stricter: Option<Code>,
    invalid: Code,
) {
    let errors: Vec<Code> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    match (theirs, stricter) {
        (Ok(()), Some(code)) => assert_eq!(errors, [code], "{text:?}"),
        (Ok(()), None) => assert!(
            read && errors.is_empty(),
            "{text:?}: Kimberlite reads it, ours: {diagnostics:?}"
        ),
        (Err(why), _) => assert!(
            errors.contains(&invalid),
            "{text:?}: Kimberlite refuses it ({why}), ours: {diagnostics:?}"
        ),
    }
}

/// `applied_at` is written as Kimberlite writes the same instant (chrono's
/// serialization of a UTC time), whatever form the caller gave it in: a
/// tracker written by either tool is byte-identical for the same history.
#[test]
fn applied_at_is_written_as_kimberlite_writes_the_instant() {
    use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
    let instant = (
        0i64..4_000_000_000,
        prop_oneof![
            Just(0u32),
            (0u32..1000).prop_map(|ms| ms * 1_000_000),
            (0u32..1_000_000).prop_map(|us| us * 1_000),
            0u32..1_000_000_000,
        ],
        -(23 * 60 + 59)..=(23 * 60 + 59),
        prop::sample::select(vec![
            SecondsFormat::Secs,
            SecondsFormat::Millis,
            SecondsFormat::Micros,
            SecondsFormat::Nanos,
            SecondsFormat::AutoSi,
        ]),
        any::<bool>(),
    );
    let mut runner = runner(cases(10_000));
    let result = runner.run(&instant, |(seconds, nanos, offset, format, use_z)| {
        let utc: DateTime<Utc> = Utc.timestamp_opt(seconds, nanos).unwrap();
        let zone = FixedOffset::east_opt(offset * 60).unwrap();
        let given = utc.with_timezone(&zone).to_rfc3339_opts(format, use_z);
        // What Kimberlite's tracker writes for the instant `given` names
        // (a shorter format drops digits).
        let named = DateTime::parse_from_rfc3339(&given)
            .unwrap()
            .with_timezone(&Utc);
        let written = match toml::Value::try_from(named).unwrap() {
            toml::Value::String(text) => text,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        let ours = kimberlite_migration::rfc3339::to_kimberlite_utc(&given);
        prop_assert_eq!(ours.as_deref(), Some(written.as_str()), "given {}", given);
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// The disagreements a differential run found (issue 11), one by one, each
/// checked against Kimberlite itself.
#[test]
fn the_disagreements_found_before_are_gone() {
    use kimberlite_migration::checksum::checksum_text;
    use kimberlite_migration::project::{Input, SourceFile, analyze};
    let dir = tempfile::tempdir().unwrap();
    let kimberlite = |text: &str| kimberlite_load(dir.path(), "0001_x.sql", text).unwrap();
    let up = |m: &Migration| texts(&m.up);

    // Two leading BOMs: one is stripped, everywhere, and only one.
    let text = "\u{feff}\u{feff}-- Migration: x\nSELECT 1;\n";
    let ours = parse_migration("0001_x.sql", text.as_bytes());
    let theirs = kimberlite(&text[3..]);
    assert_eq!(ours.checksum.as_deref(), Some(theirs.checksum.as_str()));
    assert_eq!(checksum_text(text), theirs.checksum);

    // Lines of Unicode white space in the header and at the ends of sections.
    let text = "-- Migration: x\n\u{a0}\n\u{3000}\nSELECT 1;\n\u{2028}\n-- Down Migration\n\u{85}\nSELECT 2;\n\u{205f}\n";
    let ours = parse_migration("0001_x.sql", text.as_bytes());
    let theirs = kimberlite(text);
    assert_eq!(ours.checksum.as_deref(), Some(theirs.checksum.as_str()));
    assert_eq!(up(&ours), ["SELECT 1;"]);
    assert_eq!(MigrationManager::up_sql(&theirs), "SELECT 1;");
    assert_eq!(texts(ours.down.as_deref().unwrap()), ["SELECT 2;"]);
    assert_eq!(MigrationManager::down_sql(&theirs), Some("SELECT 2;"));
    assert!(
        ours.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        ours.diagnostics
    );

    // CRLF inside a statement: applied as Kimberlite sends it, with `\n`.
    let text = "CREATE TABLE t (\r\n  a TEXT DEFAULT 'x\r\ny'\r\n);\r\n";
    let ours = parse_migration("0001_x.sql", text.as_bytes());
    assert_eq!(up(&ours), [MigrationManager::up_sql(&kimberlite(text))]);
    assert_eq!(ours.up[0].keywords(), ["CREATE", "TABLE", "T", "A"]);

    // `Created` with U+2212 MINUS SIGN in the offset.
    let text = "-- Created: 2026-02-01T10:00:00\u{2212}05:30\nSELECT 1;\n";
    let ours = parse_migration("0001_x.sql", text.as_bytes());
    assert_eq!(
        ours.created.as_deref(),
        Some("2026-02-01T10:00:00\u{2212}05:30")
    );
    assert!(!has(&ours, Code::InvalidCreated));
    assert_eq!(
        kimberlite(text).migration.created_at.to_rfc3339(),
        "2026-02-01T15:30:00+00:00"
    );

    // A title with a lone CR: Kimberlite reads the whole line as the name.
    let text = "-- Migration: a\rSELECT 1;\nSELECT 2;\n";
    let ours = parse_migration("0001_x.sql", text.as_bytes());
    let theirs = kimberlite(text);
    assert_eq!(ours.name, theirs.migration.name);
    assert_eq!(ours.name, "a\rSELECT 1;");
    assert_eq!(up(&ours), ["SELECT 2;"]);
    assert!(!has(&ours, Code::MisplacedMarker), "{:?}", ours.diagnostics);

    // Lock entries Kimberlite reads (its own tests use `abc123`) are read;
    // the bad entry alone is reported, by what follows from it.
    let file = "-- Migration: x\nSELECT 1;\n";
    let lock = "version = 1\n\n[[migration]]\nid = 0\nname = \"zero\"\nchecksum = \"abc123\"\n\n[[migration]]\nid = 1\nname = \"x\"\nchecksum = \"abc123\"\n";
    let files = vec![SourceFile {
        path: "m/0001_x.sql",
        contents: file.as_bytes(),
    }];
    let report = analyze(&Input::new(files, Some(lock), None));
    let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&Code::ChecksumMismatch) && codes.contains(&Code::LockedFileMissing),
        "{codes:?}"
    );
    assert!(!codes.contains(&Code::InvalidLock), "{codes:?}");

    // A tracker or lock without its list: Kimberlite refuses it, and so do we.
    assert_eq!(
        parse_tracker("applied.toml", Some("# nothing yet\n")).1[0].code,
        Code::InvalidTracker
    );
    assert_eq!(
        parse_lock(".lock", Some("version = 1\n")).1[0].code,
        Code::InvalidLock
    );

    // `applied_at` as `Date.toISOString()` gives it is written as Kimberlite writes it.
    let entry = |at: &str| kimberlite_migration::tracker::AppliedEntry {
        id: 1,
        name: "x".into(),
        checksum: "a".repeat(64),
        applied_at: at.into(),
        applied_by: None,
        span: None,
    };
    let written = record_applied("applied.toml", None, &entry("2026-01-01T00:00:00.000Z")).unwrap();
    assert!(
        written.contains("applied_at = \"2026-01-01T00:00:00Z\"\n"),
        "{written}"
    );
    let written = record_applied("applied.toml", None, &entry("2026-01-01T00:00:00.500Z")).unwrap();
    assert!(
        written.contains("applied_at = \"2026-01-01T00:00:00.500Z\"\n"),
        "{written}"
    );
}

/// Real projects' migrations (made by `scripts/corpus` in `target/corpus`):
/// every file compared with Kimberlite as the random ones are.
/// `KMB_CORPUS=target/corpus cargo test --test kimberlite_oracle corpus -- --ignored --nocapture`
#[test]
#[ignore = "needs target/corpus from scripts/corpus"]
fn real_projects_read_as_kimberlite_reads_them() {
    let root = std::env::var("KMB_CORPUS").unwrap_or_else(|_| "target/corpus".to_string());
    let dir = tempfile::tempdir().unwrap();
    let mut projects: Vec<_> = std::fs::read_dir(&root)
        .expect("no corpus: run scripts/corpus first")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    projects.sort();
    let mut failures = Vec::new();
    for project in projects {
        let mut outcomes = std::collections::BTreeMap::new();
        let mut files: Vec<_> = std::fs::read_dir(project.join("migrations"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Ok(text) = std::fs::read_to_string(&path) else {
                *outcomes.entry("not UTF-8".to_string()).or_insert(0) += 1;
                continue;
            };
            match compare_file(dir.path(), &name, &text) {
                Ok(outcome) => *outcomes.entry(format!("{outcome:?}")).or_insert(0) += 1,
                Err(difference) => failures.push(format!("{}: {difference}", path.display())),
            }
        }
        eprintln!("{}: {outcomes:?}", project.display());
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
