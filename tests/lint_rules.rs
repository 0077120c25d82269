//! SPEC §9: each lint rule fires where it should, and not on trigger words
//! inside strings, comments, quoted identifiers or dollar-quoted bodies.

use kimberlite_migration::Code;
use kimberlite_migration::migration::parse_migration;

fn codes_of(text: &str) -> Vec<Code> {
    parse_migration("migrations/0001_x.sql", text.as_bytes())
        .diagnostics
        .iter()
        .map(|d| d.code)
        .filter(|c| c.group() == kimberlite_migration::Group::Lint)
        .collect()
}

/// Wraps Up SQL into a file with a Down section.
fn up(sql: &str) -> String {
    format!("-- Up Migration\n{sql}\n-- Down Migration\nSELECT 1;\n")
}

fn no_tx(sql: &str) -> String {
    format!("-- kimberlite:no-transaction\n{sql}\n")
}

/// (rule, texts that fire it, texts that must not).
fn cases() -> Vec<(Code, Vec<String>, Vec<String>)> {
    let hidden = |word: &str| {
        vec![
            up(&format!("SELECT '{word};';")),
            up(&format!("-- {word};\nSELECT 1;")),
            up(&format!("/* {word}; */ SELECT 1;")),
            up(&format!("SELECT \"{word}\" FROM t;")),
            up(&format!("SELECT $$ {word}; $$;")),
            up(&format!(
                "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n  {word};\nEND\n$body$;"
            )),
        ]
    };
    vec![
        (
            Code::TransactionControl,
            vec![
                up("BEGIN;\nCREATE TABLE t (id INT);\nCOMMIT;"),
                up("start transaction;"),
                up("SAVEPOINT a;"),
                up("ROLLBACK;"),
                up("END;"),
                // Inside a DO block, or a procedure of the file that is called.
                up("DO $$\nBEGIN\n  INSERT INTO t VALUES (1);\n  COMMIT;\nEND $$;"),
                up("DO $body$ BEGIN FOR i IN 1..10 LOOP UPDATE t SET a = i; commit; END LOOP; END $body$;"),
                up("DO LANGUAGE plpgsql 'BEGIN IF true THEN ROLLBACK; END IF; END';"),
                up("CREATE PROCEDURE batch() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t WHERE id < 10; COMMIT; END $$;\nCALL batch();"),
                up("CREATE OR REPLACE PROCEDURE app.batch(n int) LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;\nCALL app.batch(5);"),
            ],
            [
                hidden("COMMIT"),
                vec![
                    no_tx("BEGIN;"),
                    up("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;"),
                    up("DO $$ BEGIN RAISE NOTICE 'commit; rollback'; PERFORM commit_all(); END $$;"),
                    up("DO $$ DECLARE committed int; BEGIN committed := 1; END $$;"),
                    no_tx("DO $$ BEGIN INSERT INTO t VALUES (1); COMMIT; END $$;"),
                    up("CREATE PROCEDURE batch() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;"),
                    up("CREATE PROCEDURE other() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;\nCALL batch();"),
                    up("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;\nSELECT f();"),
                ],
            ]
            .concat(),
        ),
        (
            Code::NonTransactionalStatement,
            vec![
                up("CREATE INDEX CONCURRENTLY i ON t (c);"),
                up("create unique index concurrently i on t (c);"),
                up("DROP INDEX CONCURRENTLY i;"),
                up("REINDEX (VERBOSE) TABLE CONCURRENTLY t;"),
                up("VACUUM ANALYZE t;"),
                up("CREATE DATABASE other;"),
                up("ALTER SYSTEM SET work_mem = '64MB';"),
            ],
            [hidden("VACUUM"), vec![no_tx("CREATE INDEX CONCURRENTLY i ON t (c);"), up("CREATE INDEX i ON t (c);"), up("SELECT concurrently FROM vacuum;")]].concat(),
        ),
        (
            Code::NoTransactionMultipleStatements,
            vec![no_tx("CREATE INDEX CONCURRENTLY a ON t (c);\nCREATE INDEX CONCURRENTLY b ON t (d);")],
            vec![no_tx("CREATE INDEX CONCURRENTLY a ON t (c);\n-- CREATE INDEX CONCURRENTLY b ON t (d);"), no_tx("SELECT 'a; b';"), up("SELECT 1; SELECT 2;")],
        ),
        (
            Code::DestructiveStatement,
            vec![
                up("DROP TABLE users;"),
                up("ALTER TABLE users DROP COLUMN email;"),
                up("ALTER TABLE users ADD COLUMN x INT, DROP email;"),
                up("TRUNCATE users;"),
                up("DELETE FROM users;"),
                up("UPDATE users SET active = false;"),
                up("WITH gone AS (SELECT id FROM old) DELETE FROM users;"),
                up("DELETE FROM users USING old WHERE (SELECT true);").replace("WHERE (SELECT true)", "-- WHERE id = 1"),
                // Copied before, but not all of it, or after, or not it.
                up("INSERT INTO new_users (id) SELECT id FROM users;\nDROP TABLE users;"),
                up("INSERT INTO stats (n) SELECT count(*) FROM users;\nDELETE FROM users;"),
                up("INSERT INTO tag (id, name) SELECT a.id, a.name FROM artifact AS a;\nALTER TABLE artifact DROP COLUMN push_time;"),
                up("DROP TABLE users;\nINSERT INTO log SELECT * FROM users;"),
                up("INSERT INTO log SELECT * FROM other;\nDROP TABLE users;"),
                up("INSERT INTO log SELECT * FROM users;\nUPDATE users SET active = false;"),
                up("DO $$ BEGIN PERFORM count(*) FROM users; END $$;\nDROP TABLE users;"),
                up("DO $$ DECLARE j RECORD; BEGIN FOR j IN SELECT * FROM jobs LOOP INSERT INTO task (op) VALUES (j.operation); END LOOP; END $$;\nALTER TABLE jobs DROP COLUMN tags;"),
                // Copies that leave rows out, or write no copy (found by the sixth hand check).
                up("DO $$ BEGIN DELETE FROM a WHERE id = 1; UPDATE b SET x = 1; END $$;\nDELETE FROM a;"),
                up("DO $$ DECLARE r RECORD; BEGIN FOR r IN SELECT * FROM jobs WHERE status = 'done' ORDER BY at DESC LIMIT 1 LOOP INSERT INTO execs (id) VALUES (r.id); END LOOP; END $$;\nDROP TABLE jobs;"),
                up("UPDATE site SET cw = CASE WHEN local_site.nsfw THEN 'NSFW' END FROM local_site WHERE private_key IS NOT NULL;\nALTER TABLE local_site DROP nsfw;"),
                up("INSERT INTO favorites (u, c) SELECT user_uuid, uuid FROM ciphers WHERE favorite = TRUE AND user_uuid IS NOT NULL;\nALTER TABLE ciphers DROP COLUMN favorite;"),
                up("INSERT INTO archive SELECT * FROM events WHERE at > now() - interval '1 day';\nDELETE FROM events;"),
                up("INSERT INTO archive SELECT * FROM events ORDER BY at LIMIT 100;\nTRUNCATE events;"),
                up("UPDATE users SET email = lower(email);\nALTER TABLE users DROP COLUMN email;"),
                up("DO $$ DECLARE r RECORD; BEGIN FOR r IN SELECT * FROM runs WHERE moved_to IS NULL LOOP INSERT INTO execs (id) VALUES (r.id); END LOOP; END $$;\nDROP TABLE runs;"),
                // Made again, but not from a query, or another table than the one dropped.
                up("DROP TABLE cache;\nCREATE TABLE cache (id int);"),
                up("DROP TABLE cache, users;\nCREATE TABLE cache AS SELECT * FROM source;"),
                up("CREATE TABLE cache AS SELECT * FROM source;\nDROP TABLE cache_old;"),
            ],
            [
                hidden("DROP TABLE users"),
                vec![
                    up("DELETE FROM users WHERE id = 1;"),
                    up("UPDATE users SET a = 1 WHERE id IN (SELECT id FROM t);"),
                    up("ALTER TABLE users DROP CONSTRAINT users_pk;"),
                    up("ALTER TABLE users ALTER COLUMN a DROP NOT NULL, ALTER COLUMN b DROP DEFAULT;"),
                    up("INSERT INTO log SELECT * FROM users;"),
                    // Verbs named by other statements, found on real projects.
                    up("CREATE TRIGGER audit AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION audit();"),
                    up("CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE PROCEDURE f();"),
                    up("CREATE RULE keep AS ON DELETE TO users DO INSTEAD NOTHING;"),
                    up("CREATE POLICY owner_delete ON users FOR DELETE USING (owner = current_user);"),
                    up("GRANT SELECT, INSERT, UPDATE, DELETE ON users TO app;"),
                    up("REVOKE UPDATE ON users FROM app;"),
                    up("ALTER DEFAULT PRIVILEGES GRANT DELETE ON TABLES TO app;"),
                    up("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN DELETE FROM t; RETURN NULL; END $$ LANGUAGE plpgsql;"),
                    up("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users ON DELETE CASCADE ON UPDATE CASCADE;"),
                    "-- Up Migration\nCREATE TABLE t (id INT);\n-- Down Migration\nDROP TABLE t;\n".to_string(),
                    up("-- kimberlite:ignore destructive-statement\nDROP TABLE legacy;"),
                    // Moved, not lost: copied into other tables earlier in the section.
                    up("INSERT INTO archive SELECT * FROM events;\nDELETE FROM events;"),
                    up("CREATE TABLE users_old AS SELECT * FROM users;\nDROP TABLE users;"),
                    up("INSERT INTO new_events SELECT e.* FROM public.events e JOIN x ON true;\nTRUNCATE events;"),
                    up("INSERT INTO tag (artifact_id, name) SELECT a.id, a.tag FROM artifact AS a;\nALTER TABLE artifact DROP COLUMN tag;"),
                    up("UPDATE accounts SET plan = u.plan FROM users u WHERE u.id = accounts.owner;\nALTER TABLE users DROP COLUMN IF EXISTS plan;"),
                    up("DO $$ DECLARE j RECORD; BEGIN FOR j IN SELECT * FROM jobs LOOP INSERT INTO task (op) VALUES (j.operation); END LOOP; END $$;\nALTER TABLE jobs DROP COLUMN operation;"),
                    // A column copied into another of its table, or every row that holds a value of it.
                    up("ALTER TABLE post ADD COLUMN featured_community boolean;\nUPDATE post SET featured_community = stickied;\nALTER TABLE post DROP COLUMN stickied;"),
                    up("INSERT INTO favorites (u, c) SELECT user_uuid, uuid FROM ciphers WHERE favorite = TRUE;\nALTER TABLE ciphers DROP COLUMN favorite;"),
                    up("INSERT INTO bans (person_id, at) SELECT id, now() FROM person WHERE banned;\nALTER TABLE person DROP COLUMN banned;"),
                    up("UPDATE post SET score = pa.score FROM post_aggregates pa WHERE pa.post_id = post.id AND pa.score IS DISTINCT FROM 0;\nALTER TABLE post_aggregates DROP COLUMN score;"),
                    up("ALTER TABLE runs ADD COLUMN moved_to int;\nDO $$ DECLARE r RECORD; BEGIN FOR r IN SELECT * FROM runs WHERE moved_to IS NULL LOOP INSERT INTO execs (id) VALUES (r.id); END LOOP; END $$;\nDROP TABLE runs;"),
                    // Rebuilt from a query later in the section (lemmy's cache tables).
                    up("DROP TABLE post_aggregates_fast;\nCREATE VIEW v AS SELECT 1;\nCREATE TABLE post_aggregates_fast AS SELECT * FROM post_aggregates_view;"),
                    up("DROP TABLE IF EXISTS a, b;\nCREATE UNLOGGED TABLE b AS SELECT 1 AS x;\nCREATE TABLE IF NOT EXISTS public.a AS TABLE b;"),
                    up("DO $$\nDECLARE r RECORD;\nBEGIN\nFOR r IN SELECT * FROM retention_task LOOP\n  INSERT INTO task (id) VALUES (r.id);\nEND LOOP;\nEND $$;\nDROP TABLE IF EXISTS retention_task;"),
                ],
            ]
            .concat(),
        ),
        (
            Code::MissingSemicolon,
            vec![up("SELECT 1"), "-- Up Migration\nSELECT 1\n-- Down Migration\nSELECT 2;\n".to_string()],
            vec![up("SELECT 1; -- done"), up("SELECT 1 /* x */;")],
        ),
        (
            Code::PsqlMetaCommand,
            vec![up("\\connect other\nSELECT 1;"), up("  \\i other.sql\nSELECT 1;"), up("SELECT 1;\n\\set ON_ERROR_STOP on")],
            vec![up("SELECT E'\\\\n';"), up("SELECT '\n\\i inside a string';"), up("-- \\i in a comment\nSELECT 1;"), up("SELECT $$\n\\i body\n$$;"), up("SELECT 1 \\\\ 2;")],
        ),
        (
            Code::InvisibleCharacter,
            vec![
                up("SELECT\u{a0}1;"),
                up("CREATE TABLE t (id INT,\u{3000}name TEXT);"),
                up("\u{feff}SELECT 1;"),
                up("SELECT 1 AS a\u{200b}b;"),
                up("SELECT 1;\n\u{a0}\nSELECT 2;"),
                "SELECT 1;\n\u{a0}\n-- a comment after it, so Kimberlite sends it too\n".to_string(),
            ],
            vec![
                up("SELECT '\u{a0}';"),
                up("SELECT \"a\u{a0}b\" FROM t;"),
                up("-- \u{a0} in a comment\nSELECT 1;"),
                up("SELECT $$\u{3000}$$;"),
                up("SELECT 'é', ünïcode FROM t;"),
                // At the ends of a section Kimberlite trims them: not sent.
                "-- Up Migration\nSELECT 1;\n\u{a0}\n-- Down Migration\n\u{3000}\nSELECT 2;\n\u{2028}".to_string(),
                "\u{a0}\n-- Migration: x\n\u{a0} \nSELECT 1;\n".to_string(),
            ],
        ),
    ]
}

/// squawk's rules (issue 13): each fires through our parser, on the right
/// section, and stays quiet on the safe form of the same change.
fn squawk_cases() -> Vec<(Code, Vec<String>, Vec<String>)> {
    let down = |sql: &str| format!("-- Up Migration\nSELECT 1;\n-- Down Migration\n{sql}\n");
    let owned = |cases: Vec<(Code, Vec<&str>, Vec<&str>)>| {
        cases
            .into_iter()
            .map(|(code, fire, quiet)| {
                (
                    code,
                    fire.into_iter().map(up).collect(),
                    quiet.into_iter().map(up).collect(),
                )
            })
            .collect::<Vec<_>>()
    };
    let long = "a".repeat(64);
    let mut cases = owned(vec![
        (
            Code::RequireConcurrentIndexCreation,
            vec!["CREATE INDEX i ON users (email);"],
            vec!["CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);"],
        ),
        (
            Code::RequireConcurrentIndexDeletion,
            vec!["DROP INDEX i;"],
            vec!["SELECT 1;"],
        ),
        (
            Code::AddingSerialPrimaryKeyField,
            vec!["CREATE TABLE other (id int);\nALTER TABLE users ADD PRIMARY KEY (id);"],
            vec![
                // Tables made earlier in the migration are new and empty,
                // however they were made (squawk misses `AS` and views).
                "CREATE TABLE t AS SELECT * FROM users;\nALTER TABLE t ADD PRIMARY KEY (id);",
                "CREATE TABLE IF NOT EXISTS app.t (id int);\nALTER TABLE ONLY app.t ADD PRIMARY KEY (id);",
                "CREATE UNLOGGED TABLE \"T\" (id int);\nALTER TABLE \"T\" ADD PRIMARY KEY (id);",
            ],
        ),
        (
            Code::RequireConcurrentIndexCreation,
            vec!["CREATE TABLE t (id int);\nCREATE INDEX i ON t2 (id);"],
            vec![
                "CREATE MATERIALIZED VIEW v AS SELECT id FROM users;\nCREATE UNIQUE INDEX i ON v (id);",
                "CREATE TABLE t AS SELECT id FROM users;\nCREATE INDEX IF NOT EXISTS i ON ONLY public.t (id);",
            ],
        ),
        (
            Code::ConstraintMissingNotValid,
            vec!["ALTER TABLE users ADD CONSTRAINT c CHECK (age > 0);"],
            vec![
                "ALTER TABLE users ADD CONSTRAINT c CHECK (age > 0) NOT VALID;",
                // Reported by their own rules, where the advice fits.
                "ALTER TABLE users ADD PRIMARY KEY (id);",
                "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);",
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
            ],
        ),
        (
            Code::AddingFieldWithDefault,
            vec!["ALTER TABLE users ADD COLUMN n uuid DEFAULT gen_random_uuid();"],
            vec!["ALTER TABLE users ADD COLUMN n int DEFAULT 0;"],
        ),
        (
            Code::AddingForeignKeyConstraint,
            vec![
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
            ],
            vec![
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
            ],
        ),
        (
            Code::ChangingColumnType,
            vec!["ALTER TABLE users ALTER COLUMN name TYPE varchar(10);"],
            vec!["ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x';"],
        ),
        (
            Code::AddingNotNullableField,
            vec!["ALTER TABLE users ALTER COLUMN email SET NOT NULL;"],
            vec!["ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"],
        ),
        (
            Code::AddingSerialPrimaryKeyField,
            vec!["ALTER TABLE users ADD PRIMARY KEY (id);"],
            vec!["ALTER TABLE users ADD CONSTRAINT pk PRIMARY KEY USING INDEX users_pk_idx;"],
        ),
        (
            Code::DisallowedUniqueConstraint,
            vec!["ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);"],
            vec!["ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;"],
        ),
        (
            Code::AddingRequiredField,
            vec![
                "ALTER TABLE users ADD COLUMN n int NOT NULL;",
                // Emptied only in part, or another table, or after.
                "DELETE FROM users WHERE id > 10;\nALTER TABLE users ADD COLUMN n int NOT NULL;",
                "DELETE FROM sessions;\nALTER TABLE users ADD COLUMN n int NOT NULL;",
                "ALTER TABLE users ADD COLUMN n int NOT NULL;\nTRUNCATE users;",
            ],
            vec![
                "ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0;",
                // A table emptied earlier in the section has no row to fail on (lemmy 0076).
                "DELETE FROM password_reset_request;\nALTER TABLE password_reset_request ADD COLUMN n int NOT NULL;",
                "TRUNCATE TABLE a, users;\nALTER TABLE public.users ADD COLUMN n int NOT NULL;",
            ],
        ),
        (
            Code::RequireConcurrentPartitionDetach,
            vec!["ALTER TABLE p DETACH PARTITION p1;"],
            vec!["ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1);"],
        ),
        (
            Code::RequireConcurrentReindex,
            vec!["REINDEX INDEX i;"],
            vec!["ANALYZE users;"],
        ),
        (
            Code::RenamingColumn,
            vec!["ALTER TABLE users RENAME COLUMN a TO b;"],
            vec![
                "-- kimberlite:ignore renaming-column\nALTER TABLE users RENAME COLUMN a TO b;",
                "-- squawk-ignore renaming-column\nALTER TABLE users RENAME COLUMN a TO b;",
            ],
        ),
        (
            Code::RenamingTable,
            vec!["ALTER TABLE users RENAME TO people;"],
            vec!["SELECT 1;"],
        ),
        (
            Code::RenamingObject,
            vec![
                "ALTER FUNCTION f() RENAME TO g;",
                "ALTER TYPE mood RENAME TO feeling;",
                // Another name recreated: clients of `mood` break.
                "ALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE other AS ENUM ('a');",
                // A function that is not a trigger function.
                "CREATE FUNCTION score() RETURNS int LANGUAGE sql AS 'SELECT 1';\nALTER FUNCTION score() RENAME TO rating;",
            ],
            vec![
                "SELECT 1;",
                // A type swapped under the same name.
                "ALTER TYPE public.mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('a');\nDROP TYPE mood_old;",
                // Only triggers call a trigger function.
                "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nALTER FUNCTION touch() RENAME TO touch_row;",
            ],
        ),
        (
            Code::BanDropDatabase,
            vec!["DROP DATABASE d;"],
            vec!["DROP SCHEMA IF EXISTS nothing_here;"],
        ),
        (
            Code::BanTruncateCascade,
            vec!["TRUNCATE t CASCADE;"],
            vec!["TRUNCATE t;"],
        ),
        (
            Code::BanCreateDomainWithConstraint,
            vec!["CREATE DOMAIN d AS int CHECK (VALUE > 0);"],
            vec!["CREATE DOMAIN d AS int;"],
        ),
        (
            Code::BanAlterDomainWithAddConstraint,
            vec!["ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);"],
            vec!["ALTER DOMAIN d SET DEFAULT 0;"],
        ),
        (
            Code::BanDuplicateColumnAssignments,
            vec!["UPDATE t SET a = 1, a = 2 WHERE id = 1;"],
            vec!["UPDATE t SET a = 1, b = 2 WHERE id = 1;"],
        ),
        (
            Code::UnusedIgnore,
            vec!["-- squawk-ignore no-such-rule\nSELECT 1;"],
            vec!["-- squawk-ignore renaming-column\nALTER TABLE users RENAME COLUMN a TO b;"],
        ),
        (
            Code::SyntaxError,
            vec!["SELEC 1;", "CREATE TABLE (;"],
            vec!["SELECT 1;", "\\x\nSELECT 1;", "SELECT 'unterminated"],
        ),
    ]);
    cases.push((
        Code::IdentifierTooLong,
        vec![up(&format!("CREATE TABLE {long} (id int);"))],
        vec![up(&format!("CREATE TABLE {} (id int);", &long[1..]))],
    ));
    cases.push((
        Code::LintSkipped,
        vec![up(&"INSERT INTO t VALUES (1);\n".repeat(45_000))],
        vec![up("SELECT 1;")],
    ));
    // A Down section undoes: its index drops lock and are findings; its
    // renames and the mirror of Up's changes are not.
    cases.push((
        Code::ChangingColumnType,
        vec![],
        vec![down("ALTER TABLE users ALTER COLUMN name TYPE text;")],
    ));
    cases.push((
        Code::AddingSerialPrimaryKeyField,
        vec![],
        vec![down("ALTER TABLE users ADD PRIMARY KEY (id);")],
    ));
    cases.push((
        Code::RequireConcurrentIndexDeletion,
        vec![down("DROP INDEX i;")],
        vec![],
    ));
    cases.push((
        Code::RenamingColumn,
        vec![],
        vec![down("ALTER TABLE users RENAME COLUMN b TO a;")],
    ));
    cases
}

#[test]
fn each_rule_fires_where_it_should_and_only_there() {
    for (code, fire, quiet) in cases().into_iter().chain(squawk_cases()) {
        for text in fire {
            assert!(
                codes_of(&text).contains(&code),
                "{} did not fire on:\n{text}",
                code.as_str()
            );
        }
        for text in quiet {
            assert!(
                !codes_of(&text).contains(&code),
                "{} fired on:\n{text}\n{:?}",
                code.as_str(),
                codes_of(&text)
            );
        }
    }
}

#[test]
fn every_lint_code_has_cases_and_help() {
    let covered: Vec<Code> = cases()
        .iter()
        .chain(&squawk_cases())
        .map(|(code, _, _)| *code)
        .collect();
    // Opt-in rules: `opt_in_rules_run_only_when_turned_on` and their fixtures.
    // `kimberlite-unsupported` comes from the native helper: tests/kimberlite_target.rs.
    for code in Code::ALL.iter().filter(|c| {
        c.group() == kimberlite_migration::Group::Lint
            && !c.is_opt_in()
            && !matches!(
                **c,
                Code::KimberliteUnsupported | Code::KimberliteNotChecked
            )
    }) {
        assert!(covered.contains(code), "no cases for {}", code.as_str());
    }
    let migration = parse_migration(
        "m/0001_x.sql",
        up("BEGIN;\nDROP TABLE t;\nVACUUM\n\\q").as_bytes(),
    );
    assert!(migration.diagnostics.len() >= 4);
    for diagnostic in &migration.diagnostics {
        assert!(
            diagnostic.help.as_deref().is_some_and(|h| h.len() > 20),
            "{:?}",
            diagnostic
        );
        assert!(diagnostic.range.is_some());
    }
}

#[test]
fn positions_point_at_the_offending_words() {
    let text = "-- Up Migration\nSELECT '😀'; DROP TABLE users;\n-- Down Migration\nSELECT 1;\n";
    let migration = parse_migration("m/0001_x.sql", text.as_bytes());
    let found = migration
        .diagnostics
        .iter()
        .find(|d| d.code == Code::DestructiveStatement)
        .unwrap();
    let span = found.span.unwrap();
    assert_eq!(&text[span.start..span.end], "DROP TABLE");
    // "SELECT '😀'; " is 13 UTF-16 units.
    assert_eq!(found.range.unwrap().start.character, 13);

    // Inside a DO block, the finding is on the word in the body; with a BOM too.
    let text = "\u{feff}-- Up Migration\nDO $x$\nBEGIN\n  Commit;\nEND $x$;\n-- Down Migration\nSELECT 1;\n";
    let migration = parse_migration("m/0001_x.sql", text.as_bytes());
    let found = migration
        .diagnostics
        .iter()
        .find(|d| d.code == Code::TransactionControl)
        .unwrap();
    let span = found.span.unwrap();
    assert_eq!(&text[span.start..span.end], "Commit");
    assert_eq!(found.range.unwrap().start.line, 3);
    assert_eq!(found.range.unwrap().start.character, 2);
    assert!(found.message.contains("`COMMIT` inside a `DO` block"));
}

/// A file with thousands of findings of one code lists 100 and counts the
/// rest in one more, so memory follows the input, not the findings.
#[test]
fn findings_of_one_code_are_capped_with_a_count() {
    let text = up(&"\\x\n".repeat(1000));
    let migration = parse_migration("m/0001_x.sql", text.as_bytes());
    let psql: Vec<_> = migration
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::PsqlMetaCommand)
        .collect();
    assert_eq!(psql.len(), 101);
    let last = psql.last().unwrap();
    assert!(
        last.message
            .contains("900 more `psql-meta-command` findings"),
        "{}",
        last.message
    );
    // Placed at the 101st: line 102 (after the Up marker).
    assert_eq!(last.range.unwrap().start.line, 101);
    assert!(last.help.is_some());
}

/// squawk's fixes come with the finding, as edits at the right place of
/// the whole file (a BOM and a header before the section included).
#[test]
fn squawk_fixes_are_edits_of_the_file() {
    let text = "\u{feff}-- Migration: x\n-- Up Migration\nCREATE INDEX users_email ON users (email);\n-- Down Migration\nDROP INDEX users_email;\n";
    let migration = parse_migration("m/0001_x.sql", text.as_bytes());
    for code in [
        Code::RequireConcurrentIndexCreation,
        Code::RequireConcurrentIndexDeletion,
    ] {
        let found = migration
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{code:?} in {:?}", migration.diagnostics));
        let fix = found.fix.as_ref().expect("a fix");
        let mut fixed = text.to_string();
        for edit in fix.edits.iter().rev() {
            fixed.replace_range(edit.span.start..edit.span.end, &edit.text);
        }
        assert!(
            fixed.to_ascii_uppercase().contains("CONCURRENTLY"),
            "{fixed}"
        );
        // Applied, the fix leaves that finding gone.
        let again = parse_migration("m/0001_x.sql", fixed.as_bytes());
        assert!(!again.diagnostics.iter().any(|d| d.code == code), "{fixed}");
        assert_eq!(
            fix.edits[0].range.start.line,
            if code == Code::RequireConcurrentIndexCreation {
                2
            } else {
                4
            }
        );
    }
}

/// The target PostgreSQL version reaches squawk's rules: before 11, adding
/// a column with any default rewrote the table.
#[test]
fn the_target_postgresql_version_changes_what_is_reported() {
    use kimberlite_migration::lint::LintSettings;
    use kimberlite_migration::migration::parse_migration_with;
    let text = up("ALTER TABLE accounts ADD COLUMN score int DEFAULT 0;");
    let with = |version: Option<&str>| {
        let settings = LintSettings {
            pg_version: version.map(str::to_string),
            ..LintSettings::default()
        };
        parse_migration_with("m/0001_x.sql", text.as_bytes(), &settings)
            .diagnostics
            .iter()
            .any(|d| d.code == Code::AddingFieldWithDefault)
    };
    assert!(with(Some("10")));
    assert!(!with(Some("16")));
    assert!(!with(None));
}

/// An opt-in rule says nothing by default; a level in the project's rules
/// (`[migrations.lint.rules]`, `--rule`, `options.rules`) turns it on at that
/// level, and `off` keeps it off.
#[test]
fn opt_in_rules_run_only_when_turned_on() {
    use kimberlite_migration::project::{Input, Options, SourceFile, analyze};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint");
    for &code in Code::OPT_IN {
        let bad = std::fs::read_to_string(root.join(code.as_str()).join("bad.sql")).unwrap();
        let found = |setting: Option<&str>| {
            let files = vec![SourceFile {
                path: "migrations/0001_x.sql",
                contents: bad.as_bytes(),
            }];
            let mut input = Input::new(files, None, None);
            if let Some(setting) = setting {
                let (options, problems) = Options::from_rules(&[(code.as_str(), setting)]);
                assert!(problems.is_empty(), "{problems:?}");
                input.options = options;
            }
            analyze(&input)
                .diagnostics
                .into_iter()
                .filter(|d| d.code == code)
                .map(|d| d.severity)
                .collect::<Vec<_>>()
        };
        assert!(found(None).is_empty(), "{} runs by default", code.as_str());
        assert!(found(Some("off")).is_empty());
        let on = found(Some("info"));
        assert!(
            !on.is_empty(),
            "{} did not run when turned on",
            code.as_str()
        );
        assert!(
            on.iter()
                .all(|s| *s == kimberlite_migration::Severity::Info)
        );
    }
}

/// The files of `destructive-statement` findings for `(path, text)` files
/// analysed as a project, with squawk's rules or without (validate, a
/// keystroke: the schema is then kept only across a change's parts, and
/// the findings must be the same).
fn destructive_files(files: &[(&str, &str)], without_parser: bool) -> Vec<String> {
    use kimberlite_migration::project::{Input, SourceFile, analyze};
    let files = files
        .iter()
        .map(|&(path, text)| SourceFile {
            path,
            contents: text.as_bytes(),
        })
        .collect();
    let mut input = Input::new(files, None, None);
    input.options.lint.without_parser = without_parser;
    analyze(&input)
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::DestructiveStatement)
        .map(|d| d.file)
        .collect()
}

/// A change split into consecutive files with the same slug (kratos writes
/// them so) is one change for `destructive-statement`: filling a column an
/// earlier part added, or emptying a table it created, destroys nothing.
/// The same statements after a file with another slug are reported.
#[test]
fn a_change_split_into_parts_owns_what_its_parts_made() {
    let first = "-- Migration: a\n-- Up Migration\nALTER TABLE sessions ADD COLUMN nid uuid;\nCREATE TABLE scratch (id int);\n-- Down Migration\nSELECT 1;\n";
    let middle = "-- Migration: m\n-- Up Migration\nCREATE INDEX i ON t (a);\n-- Down Migration\nSELECT 1;\n";
    let second = "-- Migration: b\n-- Up Migration\nUPDATE sessions SET nid = gen_random_uuid();\nDELETE FROM scratch;\n-- Down Migration\nSELECT 1;\n";
    let destructive = |names: [&str; 3], without_parser: bool| {
        destructive_files(
            &[(names[0], first), (names[1], middle), (names[2], second)],
            without_parser,
        )
    };
    let split = [
        "migrations/0001_network.sql",
        "migrations/0002_network.sql",
        "migrations/0003_network.sql",
    ];
    for without_parser in [false, true] {
        assert_eq!(destructive(split, without_parser), Vec::<String>::new());
    }
    let broken = [
        "migrations/0001_network.sql",
        "migrations/0002_other.sql",
        "migrations/0003_network.sql",
    ];
    for without_parser in [false, true] {
        assert_eq!(
            destructive(broken, without_parser),
            vec!["migrations/0003_network.sql".to_string(); 2]
        );
    }
}

/// A column copied by an earlier part of the same change (kratos copies a
/// column into a new table in one file and drops it in the next) is moved,
/// not lost; after a file of another change it is reported.
#[test]
fn a_column_copied_by_an_earlier_part_of_the_change_is_moved() {
    let copy = "-- Migration: a\n-- Up Migration\nINSERT INTO request_methods (id, config) SELECT id, form FROM requests;\n-- Down Migration\nSELECT 1;\n";
    let drop = "-- Migration: b\n-- Up Migration\nALTER TABLE requests DROP COLUMN form;\n-- Down Migration\nSELECT 1;\n";
    for without_parser in [false, true] {
        let parts = destructive_files(
            &[
                ("migrations/0001_forms.sql", copy),
                ("migrations/0002_forms.sql", drop),
            ],
            without_parser,
        );
        assert_eq!(parts, Vec::<String>::new());
        let apart = destructive_files(
            &[
                ("migrations/0001_forms.sql", copy),
                ("migrations/0002_other.sql", drop),
            ],
            without_parser,
        );
        assert_eq!(apart, vec!["migrations/0002_other.sql".to_string()]);
    }
}
