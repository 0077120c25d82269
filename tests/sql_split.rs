//! SPEC §8: statement counts as PostgreSQL's own scanner (psql) finds them.

use kimberlite_migration::sql::lexer::tokenize;
use kimberlite_migration::sql::split::split_statements;

/// (SQL, statements psql sends for it).
const FIXTURES: &[(&str, usize)] = &[
    ("SELECT 1; SELECT 2;", 2),
    ("SELECT 'a;b'; SELECT 2;", 2),
    ("SELECT 'it''s; fine';", 1),
    ("SELECT E'\\'; still a string';", 1),
    ("SELECT E'\\\\'; SELECT 2;", 2),
    ("SELECT '\\'; SELECT 2;", 2),
    ("SELECT U&'d\\0061t;a';", 1),
    ("SELECT X'ff', B'01'; SELECT N'x;';", 2),
    ("SELECT \"a;b\" FROM t; SELECT \"a\"\"b;\" FROM t;", 2),
    ("SELECT `a;b` FROM t;", 1),
    (
        "SELECT 1 /* a; /* nested; */ still; 'comment */; SELECT 2;",
        2,
    ),
    ("SELECT 1; -- a comment; with 'quotes\nSELECT 2;", 2),
    ("SELECT $$a; b$$; SELECT 2;", 2),
    ("SELECT $fn$ $$; $x$ ; $fn$; SELECT 2;", 2),
    ("SELECT $1; SELECT foo$bar, a$$b; SELECT 3;", 3),
    (
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN a + b;\nEND;\n$$;\nSELECT add(1, 2);",
        2,
    ),
    (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 ELSE 3 END;\nEND;\nSELECT f();",
        2,
    ),
    (
        "CREATE OR REPLACE PROCEDURE p(x int) LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (x); UPDATE t SET a = 1; END; CALL p(1);",
        2,
    ),
    ("BEGIN; CREATE TABLE t (id int); COMMIT;", 3),
    ("START TRANSACTION; SELECT 1; END;", 3),
    (
        "CREATE TABLE t (a text DEFAULT ';', b int); INSERT INTO t VALUES (';', 1)",
        2,
    ),
    (
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1;",
        2,
    ),
    ("SELECT 1;\r\nSELECT '😀;';\r\nSELECT \"é;\";", 3),
    (";;; -- nothing\n/* nothing */ ;", 0),
];

#[test]
fn statement_counts_match_postgresql() {
    for (sql, expected) in FIXTURES {
        let found = split_statements(sql);
        assert_eq!(found.len(), *expected, "{sql}: {found:#?}");
        for statement in &found {
            assert!(
                sql.is_char_boundary(statement.span.start)
                    && sql.is_char_boundary(statement.span.end)
            );
        }
    }
}

#[test]
fn unterminated_constructs_are_flagged_and_swallow_the_rest() {
    for sql in [
        "SELECT 'open; SELECT 2;",
        "SELECT E'\\'; SELECT 2;",
        "SELECT /* open; SELECT 2;",
        "SELECT $x$ open; SELECT 2;",
        "SELECT \"open; SELECT 2;",
    ] {
        assert!(tokenize(sql).iter().any(|t| t.unterminated), "{sql}");
        assert_eq!(split_statements(sql).len(), 1, "{sql}");
    }
}

#[test]
fn a_final_statement_without_semicolon_is_a_statement() {
    let found = split_statements("SELECT 1;\nSELECT 2 -- no semicolon\n");
    assert_eq!(found.len(), 2);
    assert!(found[0].terminated);
    assert!(!found[1].terminated);
    assert_eq!(
        &"SELECT 1;\nSELECT 2 -- no semicolon\n"[found[1].span.start..found[1].span.end],
        "SELECT 2"
    );
}
