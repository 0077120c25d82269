//! SPEC §10: analyze, statuses, plans and the state documents together.

mod common;

use common::*;
use kimberlite_migration::create::create_migration;
use kimberlite_migration::plan::{RollbackTarget, plan_apply, plan_rollback};
use kimberlite_migration::project::Status;
use kimberlite_migration::{Code, Severity};

fn three_files() -> (Project, [String; 3]) {
    let texts = [
        "-- Migration: Add users table\n-- Up Migration\nCREATE TABLE users (id BIGINT NOT NULL, PRIMARY KEY (id));\n-- Down Migration\nDROP TABLE users;\n".to_string(),
        "-- Migration: Add email\n-- Up Migration\nALTER TABLE users ADD COLUMN email TEXT;\n-- Down Migration\nALTER TABLE users DROP COLUMN email;\n".to_string(),
        "-- Migration: Index email\n-- kimberlite:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n".to_string(),
    ];
    let project = Project::new()
        .file("migrations/0001_add_users.sql", &texts[0])
        .file("migrations/0002_add_email.sql", &texts[1])
        .file("migrations/0003_index_email.sql", &texts[2]);
    (project, texts)
}

#[test]
fn statuses_and_summary() {
    let (project, texts) = three_files();
    let project = project
        .lock(lock_of(&[
            lock_entry(1, "Add users table", &texts[0]),
            lock_entry(2, "Add email", &texts[1]),
        ]))
        .tracker(tracker_of(&[applied(1, "Add users table", &texts[0])]));
    let report = project.analyze();
    let statuses: Vec<_> = report.migrations.iter().map(|m| (m.id, m.status)).collect();
    assert_eq!(
        statuses,
        [
            (1, Status::Applied),
            (2, Status::Pending),
            (3, Status::Pending)
        ]
    );
    assert!(report.ok, "{:#?}", report.diagnostics);
    assert_eq!(report.summary.applied, 1);
    assert_eq!(report.summary.pending, 2);
    // 0003 is unlocked (info) and irreversible (info).
    assert_eq!(report.summary.infos, 2);
    insta::assert_debug_snapshot!(report.diagnostics);
}

#[test]
fn modified_and_missing() {
    let (_, texts) = three_files();
    let edited = texts[0].replace("BIGINT", "INT");
    let report = Project::new()
        .file("migrations/0001_add_users.sql", &edited)
        .lock(lock_of(&[
            lock_entry(1, "Add users table", &texts[0]),
            lock_entry(2, "Add email", &texts[1]),
        ]))
        .tracker(tracker_of(&[applied(1, "Add users table", &texts[0])]))
        .analyze();
    let statuses: Vec<_> = report.migrations.iter().map(|m| (m.id, m.status)).collect();
    assert_eq!(statuses, [(1, Status::Modified), (2, Status::Missing)]);
    assert_eq!(report.migrations[1].name, "Add email");
    let tamper = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::ChecksumMismatch)
        .unwrap();
    assert_eq!(tamper.file, "migrations/0001_add_users.sql");
    assert!(tamper.message.contains("Migration 1 (0001_add_users.sql)"));
    assert!(tamper.message.contains(&checksum(&texts[0])[..8]));
    assert!(tamper.range.is_some());
    assert_eq!(tamper.related[0].file, ".kimberlite/migrations/.lock");
    assert!(!report.ok);
}

#[test]
fn plans() {
    let (project, texts) = three_files();
    let project = project.tracker(tracker_of(&[applied(1, "Add users table", &texts[0])]));
    let report = project.analyze();
    let steps = plan_apply(&report, None, false).unwrap();
    assert_eq!(steps.iter().map(|s| s.id).collect::<Vec<_>>(), [2, 3]);
    assert!(steps[0].transactional);
    assert!(!steps[1].transactional);
    assert_eq!(
        steps[1].statements[0].keywords()[..3],
        ["CREATE", "INDEX", "CONCURRENTLY"]
    );
    assert_eq!(plan_apply(&report, Some(2), false).unwrap().len(), 1);
    assert_eq!(
        plan_apply(&report, Some(9), false).unwrap_err()[0].code,
        Code::InvalidTarget
    );

    let rollback = plan_rollback(&report, RollbackTarget::Steps(1)).unwrap();
    assert_eq!(rollback.len(), 1);
    assert_eq!(rollback[0].statements[0].text, "DROP TABLE users;");
    assert!(plan_rollback(&report, RollbackTarget::Steps(2)).is_err());

    // 0003 has no Down section: rolling it back is refused.
    let all = (project.clone()).tracker(tracker_of(&[
        applied(1, "Add users table", &texts[0]),
        applied(2, "Add email", &texts[1]),
        applied(3, "Index email", &texts[2]),
    ]));
    let report = all.analyze();
    let refused = plan_rollback(&report, RollbackTarget::To(1)).unwrap_err();
    assert_eq!(refused[0].code, Code::MissingDown);
    assert_eq!(refused[0].severity, Severity::Error);
    assert!(plan_apply(&report, None, false).unwrap().is_empty());
}

#[test]
fn rollback_goes_in_reverse_order_of_application() {
    let (project, texts) = three_files();
    let project = project
        .file("migrations/0003_index_email.sql", "")
        .tracker(tracker_of(&[
            applied(2, "Add email", &texts[1]),
            applied(1, "Add users table", &texts[0]),
        ]));
    let project = Project {
        files: project.files[..2].to_vec(),
        ..project
    };
    let report = project.analyze();
    let steps = plan_rollback(&report, RollbackTarget::To(0)).unwrap();
    assert_eq!(steps.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn plans_refuse_while_there_are_errors() {
    let report = Project::new()
        .file("m/0002_gap.sql", valid("SELECT 1;"))
        .analyze();
    let refused = plan_apply(&report, None, false).unwrap_err();
    assert_eq!(codes(&refused), [Code::SequenceGap]);
}

#[test]
fn out_of_order_can_be_allowed() {
    let one = valid("SELECT 1;");
    let two = valid("SELECT 2;");
    let project = Project::new()
        .file("m/0001_a.sql", &one)
        .file("m/0002_b.sql", &two)
        .tracker(tracker_of(&[applied(2, "b", &two)]));
    let report = project.analyze();
    assert_eq!(report.migrations[0].status, Status::OutOfOrder);
    assert!(plan_apply(&report, None, false).is_err());
    let files: Vec<_> = project
        .files
        .iter()
        .map(|(path, contents)| kimberlite_migration::project::SourceFile { path, contents })
        .collect();
    let mut input =
        kimberlite_migration::project::Input::new(files, None, project.tracker.as_deref());
    input.options.allow_out_of_order = true;
    let report = kimberlite_migration::project::analyze(&input);
    assert!(report.ok, "{:#?}", report.diagnostics);
    let steps = plan_apply(&report, None, true).unwrap();
    assert_eq!(steps.iter().map(|s| s.id).collect::<Vec<_>>(), [1]);
}

#[test]
fn history_wins_over_the_tracker() {
    let (project, texts) = three_files();
    let report = project
        .tracker(tracker_of(&[applied(1, "Add users table", &texts[0])]))
        .history(vec![
            applied(1, "Add users table", &texts[0]),
            applied(2, "Add email", &texts[1]),
        ])
        .analyze();
    assert_eq!(report.migrations[1].status, Status::Applied);
    let drift: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::TrackerDrift)
        .collect();
    assert_eq!(drift.len(), 1);
    assert!(drift[0].message.contains("migration 2"));

    // No tracker text: the history is another database's, nothing to compare;
    // an empty one (no file yet) is compared.
    let drift_with = |tracker: Option<&str>| {
        let (project, texts) = three_files();
        let project = match tracker {
            Some(text) => project.tracker(text.to_string()),
            None => project,
        };
        project
            .history(vec![applied(1, "Add users table", &texts[0])])
            .analyze()
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::TrackerDrift)
            .count()
    };
    assert_eq!(drift_with(None), 0);
    assert_eq!(drift_with(Some("")), 1);
}

#[test]
fn create_continues_the_sequence() {
    let (project, _) = three_files();
    let names: Vec<&str> = project.files.iter().map(|(p, _)| p.as_str()).collect();
    let made = create_migration(&names, "Add orders", "2026-11-24T09:30:00Z", None).unwrap();
    assert_eq!(made.file_name, "0004_add_orders.sql");
    let report = project
        .file(&format!("migrations/{}", made.file_name), &made.text)
        .analyze();
    // The template has no SQL yet: the new file is an empty migration.
    let new_file: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.file.ends_with("0004_add_orders.sql"))
        .map(|d| d.code)
        .collect();
    assert!(new_file.contains(&Code::EmptyMigration));
    assert!(new_file.contains(&Code::EmptyDown));
    // Its Down marker sits in the comment header, where Kimberlite's CLI does
    // not see it, but with no SQL after it both tools run the same (nothing).
    assert!(!new_file.contains(&Code::MisplacedMarker), "{new_file:?}");
}

/// `kimberlite.toml`: Kimberlite's keys are left alone, ours are read, and
/// anything wrong in ours is `invalid-config` at its place.
#[test]
fn the_project_file_gives_the_directory_and_rule_levels() {
    use kimberlite_migration::config::read_config;
    let text = "[database]\nurl = \"kimberlite://x\"\n\n[migrations]\ndirectory = \"db/migrations\"\nauto_timestamp = true\n\n[migrations.lint.rules]\ndestructive-statement = \"off\"\nrenaming-column = \"error\"\n";
    let config = read_config("kimberlite.toml", text);
    assert!(config.diagnostics.is_empty(), "{:?}", config.diagnostics);
    assert_eq!(config.directory.as_deref(), Some("db/migrations"));
    assert_eq!(
        config.rules,
        [
            ("destructive-statement".to_string(), "off".to_string()),
            ("renaming-column".to_string(), "error".to_string())
        ]
    );
    assert_eq!(read_config("kimberlite.toml", ""), Default::default());
    assert_eq!(
        read_config(
            "kimberlite.toml",
            "[migrations]\ntracker-database = \"postgres://db.internal/app\"\n"
        )
        .tracker_database
        .as_deref(),
        Some("postgres://db.internal/app")
    );
    let history = |text: &str| read_config("kimberlite.toml", text).history_table;
    assert_eq!(
        history("[migrations]\nhistory-table = \"Ops.History\"\n"),
        Some(("ops".to_string(), "history".to_string()))
    );
    assert_eq!(
        history("[migrations]\nhistory-table = \"kmb_history\"\n"),
        Some(("public".to_string(), "kmb_history".to_string()))
    );

    for (bad, problem, line) in [
        ("[migrations\n", "", 1),
        ("migrations = 3\n", "`migrations` is not a table", 1),
        (
            "[migrations]\ndirectory = 3\n",
            "`directory` is not a string",
            2,
        ),
        ("[migrations]\ndirectory = \" \"\n", "names no folder", 2),
        (
            "[migrations]\ntracker-database = \"production\"\n",
            "is not \"embedded\", \"none\" or a postgres:// URL",
            2,
        ),
        (
            "[migrations]\nhistory-table = \"a.b.c\"\n",
            "is not a table name",
            2,
        ),
        (
            "[migrations]\nhistory-table = \"x; DROP TABLE t\"\n",
            "is not a table name",
            2,
        ),
        (
            "[migrations.lint]\nrule = {}\n",
            "`migrations.lint.rule` is not a setting",
            2,
        ),
        (
            "[migrations.lint.rules]\ndestructive-statment = \"off\"\n",
            "not a diagnostic code",
            2,
        ),
        ("[migrations.lint.rules]\nmissing-down = \"loud\"\n", "", 2),
        (
            "[migrations.lint.rules]\nmissing-down = 1\n",
            "is not a string",
            2,
        ),
    ] {
        let config = read_config("kimberlite.toml", bad);
        assert_eq!(
            config.diagnostics.len(),
            1,
            "{bad}: {:?}",
            config.diagnostics
        );
        let found = &config.diagnostics[0];
        assert_eq!(found.code, Code::InvalidConfig, "{bad}");
        assert!(found.message.contains(problem), "{bad}: {}", found.message);
        assert_eq!(
            found.range.unwrap().start.line + 1,
            line,
            "{bad}: {found:?}"
        );
        assert!(found.help.is_some());
    }
    // The target PostgreSQL version, as a string or a number.
    for (written, read) in [("\"16\"", "16"), ("15", "15"), ("\"15.4\"", "15.4")] {
        let config = read_config(
            "kimberlite.toml",
            &format!("[migrations.lint]\npg-version = {written}\n"),
        );
        assert!(
            config.diagnostics.is_empty(),
            "{written}: {:?}",
            config.diagnostics
        );
        assert_eq!(config.pg_version.as_deref(), Some(read));
    }
    for bad in ["\"sixteen\"", "\"8\"", "true", "\"16.\""] {
        let config = read_config(
            "kimberlite.toml",
            &format!("[migrations.lint]\npg-version = {bad}\n"),
        );
        assert_eq!(config.diagnostics[0].code, Code::InvalidConfig, "{bad}");
        assert!(
            config.diagnostics[0]
                .message
                .contains("not a PostgreSQL version")
        );
    }
    // Integrity codes cannot be turned off from the project file either.
    let config = read_config(
        "kimberlite.toml",
        "[migrations.lint.rules]\nchecksum-mismatch = \"off\"\n",
    );
    assert_eq!(config.diagnostics[0].code, Code::IgnoreNotAllowed);
    assert!(config.rules.is_empty());
}

/// A run appends one entry's text to state files it wrote: the result must
/// be what writing them whole gives, for the lock and for the tracker.
#[test]
fn appending_an_entry_is_writing_the_whole_file() {
    use kimberlite_migration::lock::{LockEntry, entry_text as lock_entry, write_lock};
    use kimberlite_migration::tracker::{AppliedEntry, entry_text as tracker_entry, write_tracker};
    let mut locked = Vec::new();
    let mut applied = Vec::new();
    for id in 1..=5u32 {
        let lock_entry_of = LockEntry {
            id,
            name: format!("Table \"{id}\" \\ é"),
            checksum: format!("{id:064x}"),
            span: None,
        };
        let applied_entry = AppliedEntry {
            id,
            name: lock_entry_of.name.clone(),
            checksum: lock_entry_of.checksum.clone(),
            applied_at: "2026-11-28T16:00:00.123Z".to_string(),
            applied_by: (id % 2 == 0).then(|| "ci@example.com".to_string()),
            span: None,
        };
        if !locked.is_empty() {
            assert_eq!(
                write_lock(&locked) + &lock_entry(&lock_entry_of),
                write_lock(&[locked.clone(), vec![lock_entry_of.clone()]].concat())
            );
            assert_eq!(
                format!(
                    "{}\n{}",
                    write_tracker(&applied),
                    tracker_entry(&applied_entry)
                ),
                write_tracker(&[applied.clone(), vec![applied_entry.clone()]].concat())
            );
        }
        locked.push(lock_entry_of);
        applied.push(applied_entry);
    }
}

/// `analyze_reusing` with a cache gives the report `analyze` gives, whether
/// the files before the one linted are the same as last time or not.
#[test]
fn reusing_the_prefix_changes_no_report() {
    use kimberlite_migration::lint::LintSettings;
    use kimberlite_migration::project::{Input, PrefixCache, SourceFile, analyze, analyze_reusing};
    let mut files: Vec<(String, String)> = (1..=12)
        .map(|id| {
            (
                format!("migrations/{id:04}_step{id}.sql"),
                format!("CREATE TABLE t{id} (id BIGINT);\nCREATE INDEX i{id} ON t{} (id);\nDELETE FROM t{id};\n-- Down Migration\nDROP TABLE t{id};\n", id.max(2) - 1),
            )
        })
        .collect();
    let lock = "not a lock";
    let mut cache = PrefixCache::default();
    let check = |files: &[(String, String)],
                 only: &str,
                 settings: LintSettings,
                 cache: &mut PrefixCache| {
        let sources = files
            .iter()
            .map(|(path, text)| SourceFile {
                path,
                contents: text.as_bytes(),
            })
            .collect();
        let mut input = Input::new(sources, Some(lock), None);
        input.options.lint_only = Some(vec![only.to_string()]);
        input.options.findings_only = true;
        input.options.lint = settings;
        let plain = analyze(&input);
        assert_eq!(analyze_reusing(&input, Some(cache)), plain, "{only}");
        plain
    };
    let mine = files[8].0.clone();
    // A miss, then hits while the file linted changes.
    let first = check(&files, &mine, LintSettings::default(), &mut cache);
    for round in 0..3 {
        files[8]
            .1
            .push_str(&format!("UPDATE t9 SET id = {round};\n"));
        let again = check(&files, &mine, LintSettings::default(), &mut cache);
        assert_ne!(again, first);
    }
    assert_eq!(cache.hits(), 3);
    // A later file changes, or goes: its own parse is made again, the others' reused.
    files[10].1 = "CREATE TABLE t11 (id INT);\nDROP TABLE t9;\n".to_string();
    check(&files, &mine, LintSettings::default(), &mut cache);
    let gone = files.remove(11);
    check(&files, &mine, LintSettings::default(), &mut cache);
    files.push(gone);
    assert_eq!(cache.hits(), 5);
    // A change before it, other settings, another file linted: each a miss, same reports.
    files[2].1 = "DROP TABLE t1;\n".to_string();
    check(&files, &mine, LintSettings::default(), &mut cache);
    check(
        &files,
        &mine,
        LintSettings {
            pg_version: Some("11".into()),
            ..LintSettings::default()
        },
        &mut cache,
    );
    let later = files[11].0.clone();
    check(&files, &later, LintSettings::default(), &mut cache);
    check(&files, &mine, LintSettings::default(), &mut cache);
    // The file linted first: nothing before it to keep.
    let first_file = files[0].0.clone();
    check(&files, &first_file, LintSettings::default(), &mut cache);
    // The second call for `later` and for `mine` after it reused theirs.
    assert_eq!(cache.hits(), 6);
}

/// Without squawk's rules, what the prefix's last file leaves in the schema
/// depends on whether the file after it continues its change: a kept
/// prefix is not reused for a next file of another slug.
#[test]
fn a_kept_prefix_knows_which_change_follows_it() {
    use kimberlite_migration::project::{Input, PrefixCache, SourceFile, analyze, analyze_reusing};
    let first = "CREATE TABLE t (id BIGINT);\n-- Down Migration\nDROP TABLE t;\n";
    let run = |second: &str, cache: Option<&mut PrefixCache>| {
        let files = vec![
            SourceFile {
                path: "migrations/0001_a.sql",
                contents: first.as_bytes(),
            },
            SourceFile {
                path: second,
                contents: b"DELETE FROM t;\n-- Down Migration\nSELECT 1;\n",
            },
        ];
        let mut input = Input::new(files, None, None);
        input.options.lint_only = Some(vec![second.to_string()]);
        input.options.findings_only = true;
        input.options.lint.without_parser = true;
        let codes = |report: kimberlite_migration::project::Report| {
            report
                .diagnostics
                .iter()
                .map(|d| d.code)
                .collect::<Vec<_>>()
        };
        let plain = codes(analyze(&input));
        if let Some(cache) = cache {
            assert_eq!(
                codes(analyze_reusing(&input, Some(cache))),
                plain,
                "{second}"
            );
        }
        plain
    };
    let mut cache = PrefixCache::default();
    run("migrations/0002_b.sql", Some(&mut cache));
    // The same change: emptying the table it made destroys nothing.
    let same_change = run("migrations/0002_a.sql", Some(&mut cache));
    assert!(!same_change.contains(&Code::DestructiveStatement));
    assert!(run("migrations/0002_b.sql", None).contains(&Code::DestructiveStatement));
}

/// Each template passes every default lint rule as created, on a table an
/// earlier migration made (so the rules about existing tables apply).
#[test]
fn templates_pass_every_default_rule() {
    use kimberlite_migration::create::{Template, create_from_template};
    use kimberlite_migration::project::{Input, SourceFile, analyze};
    let first = "-- Migration: users\n-- Up Migration\nCREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL);\n-- Down Migration\nDROP TABLE users;\n";
    for (name, template, _) in Template::ALL {
        let made = create_from_template(
            &["migrations/0001_users.sql"],
            "users",
            "2026-11-28T10:00:00Z",
            Some("dev"),
            template,
        )
        .unwrap();
        let path = format!("migrations/{}", made.file_name);
        let files = vec![
            SourceFile {
                path: "migrations/0001_users.sql",
                contents: first.as_bytes(),
            },
            SourceFile {
                path: &path,
                contents: made.text.as_bytes(),
            },
        ];
        let report = analyze(&Input::new(files, None, None));
        let mine: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.file == path)
            .map(|d| format!("{} {}", d.code.as_str(), d.message))
            .collect();
        // The blank template has no SQL yet: its Up section is empty on purpose.
        let expected: &[&str] = if template == Template::Blank {
            &["empty-migration", "empty-down"]
        } else {
            &[]
        };
        let codes: Vec<&str> = mine.iter().map(|m| m.split(' ').next().unwrap()).collect();
        assert!(
            codes.iter().all(|c| expected.contains(c)),
            "{name}: {mine:#?}\n{}",
            made.text
        );
        assert_eq!(Template::parse(name), Some(template));
    }
    assert_eq!(Template::parse("view"), None);
}

/// `report_only` (what the wasm `analyze` sets: its report carries no
/// statements) drops each file's statements once the schema model has read
/// them, and changes nothing else: the findings that depend on earlier
/// files' schema are the same.
#[test]
fn report_only_changes_only_the_statements() {
    let (project, _) = three_files();
    let project = project
        .file(
            "migrations/0004_index_users.sql",
            "CREATE INDEX users_id ON users (id);\nALTER TABLE users ALTER COLUMN email TYPE varchar(10);\nDELETE FROM users;\n",
        )
        .file("migrations/0005_up_only.sql", "SELECT 1;\n");
    let plain = project.analyze();
    let mut only = project.clone();
    only.options.report_only = true;
    let only = only.analyze();
    let codes: Vec<Code> = plain.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&Code::RequireConcurrentIndexCreation),
        "{codes:?}"
    );
    assert!(codes.contains(&Code::ChangingColumnType), "{codes:?}");
    let mut expected = plain.clone();
    for migration in &mut expected.migrations {
        if let Some(file) = &mut migration.file {
            assert!(!file.up.is_empty());
            file.forget_statements();
        }
    }
    assert_eq!(only, expected);
    // A Down section is still told from none.
    let downs: Vec<bool> = only
        .migrations
        .iter()
        .map(|m| m.file.as_ref().unwrap().down.is_some())
        .collect();
    assert_eq!(downs, [true, true, false, false, false]);
}

/// With `load` (the wasm `analyze`, which copies each file in as it reads
/// it) the report is the one the same bytes in `files` give.
#[test]
fn loading_files_one_at_a_time_changes_no_report() {
    use kimberlite_migration::project::{Input, Loader, SourceFile, analyze};
    let (project, texts) = three_files();
    let project = project.file(
        "migrations/0004_index_users.sql",
        "CREATE INDEX users_id ON users (id);\nDELETE FROM users;\n",
    );
    let lock = lock_of(&[lock_entry(1, "Add users table", &texts[0])]);
    let with_bytes: Vec<SourceFile> = project
        .files
        .iter()
        .map(|(path, contents)| SourceFile { path, contents })
        .collect();
    let empty: Vec<SourceFile> = project
        .files
        .iter()
        .map(|(path, _)| SourceFile {
            path,
            contents: b"",
        })
        .collect();
    let reads = std::cell::Cell::new(0);
    let load = |index: usize| {
        reads.set(reads.get() + 1);
        project.files[index].1.clone()
    };
    let mut plain = Input::new(with_bytes, Some(&lock), None);
    plain.options.report_only = true;
    let mut loaded = Input::new(empty, Some(&lock), None);
    loaded.options.report_only = true;
    loaded.load = Some(Loader(&load));
    let expected = analyze(&plain);
    assert!(
        expected
            .diagnostics
            .iter()
            .any(|d| d.code == Code::RequireConcurrentIndexCreation)
    );
    assert_eq!(analyze(&loaded), expected);
    // Each file read once.
    assert_eq!(reads.get(), project.files.len());
}
