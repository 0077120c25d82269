//! Issue 18: statements Kimberlite refused (reported by the native helper)
//! become `kimberlite-unsupported` findings, worded and placed by the core,
//! and silenced by ignore comments and rule settings like its own.

use kimberlite_migration::project::{
    External, Input, KimberliteStage, Options, SourceFile, analyze,
};
use kimberlite_migration::{Code, Severity, Span};

const FILE: &str = "migrations/0002_add_function.sql";

fn text() -> String {
    "-- Up Migration\nCREATE TABLE t (id BIGINT PRIMARY KEY);\nCREATE FUNCTION f() RETURNS int\n  AS $$ SELECT 1 $$;\n-- Down Migration\nDROP INDEX t_idx;\n".to_string()
}

fn span_of(text: &str, needle: &str, end: &str) -> Span {
    let start = text.find(needle).unwrap();
    Span::new(start, start + text[start..].find(end).unwrap() + end.len())
}

fn report_with(
    text: &str,
    external: Vec<External<'_>>,
    options: Options,
) -> Vec<kimberlite_migration::Diagnostic> {
    let first = "-- Up Migration\nCREATE TABLE a (id BIGINT PRIMARY KEY);\n";
    let files = vec![
        SourceFile {
            path: "migrations/0001_a.sql",
            contents: first.as_bytes(),
        },
        SourceFile {
            path: FILE,
            contents: text.as_bytes(),
        },
    ];
    let mut input = Input::new(files, None, None);
    input.options = options;
    input.external = external;
    analyze(&input)
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::KimberliteUnsupported)
        .collect()
}

#[test]
fn parse_and_execute_refusals_are_worded_and_placed() {
    let text = text();
    let function = span_of(&text, "CREATE FUNCTION", ";");
    let drop = span_of(&text, "DROP INDEX", ";");
    let found = report_with(
        &text,
        vec![
            External {
                path: FILE,
                span: function,
                at: Some(function.start + "CREATE ".len()),
                detail: "sql parser error: Expected: an object type after CREATE, found: FUNCTION",
                stage: KimberliteStage::Parse,
                down: false,
            },
            External {
                path: FILE,
                span: drop,
                at: None,
                detail: "only DROP TABLE is supported",
                stage: KimberliteStage::Parse,
                down: true,
            },
        ],
        Options::default(),
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    let [function_finding, drop_finding] = [&found[0], &found[1]];
    assert_eq!(function_finding.severity, Severity::Error);
    assert_eq!(function_finding.span, Some(function));
    assert_eq!(
        function_finding.message,
        "Migration 2 (0002_add_function.sql): Kimberlite's parser refuses this Up statement: sql parser error: Expected: an object type after CREATE, found: FUNCTION (at migrations/0002_add_function.sql:3:8)."
    );
    let related = &function_finding.related[0];
    assert_eq!(related.message, "Kimberlite stopped reading here.");
    let range = related.range.unwrap();
    assert_eq!((range.start.line, range.start.character), (2, 7));
    assert!(
        function_finding
            .help
            .as_deref()
            .unwrap()
            .contains("-- kimberlite:ignore kimberlite-unsupported")
    );
    assert!(
        drop_finding
            .message
            .contains("this Down statement: only DROP TABLE is supported."),
        "{}",
        drop_finding.message
    );
    assert!(drop_finding.related.is_empty());
}

#[test]
fn an_ignore_comment_or_a_setting_silences_it() {
    let text = text().replace(
        "CREATE FUNCTION",
        "-- kimberlite:ignore kimberlite-unsupported\nCREATE FUNCTION",
    );
    let function = span_of(&text, "CREATE FUNCTION", ";");
    let finding = |stage| External {
        path: FILE,
        span: function,
        at: None,
        detail: "no functions",
        stage,
        down: false,
    };
    assert!(
        report_with(
            &text,
            vec![finding(KimberliteStage::Parse)],
            Options::default()
        )
        .is_empty()
    );
    // Also in a report without statements (the wasm `analyze`, which keeps
    // none): the ignore comments are the file's, not its statements'.
    let report_only = Options {
        report_only: true,
        ..Options::default()
    };
    assert!(report_with(&text, vec![finding(KimberliteStage::Parse)], report_only).is_empty());
    let (options, problems) = Options::from_rules(&[("kimberlite-unsupported", "warning")]);
    assert!(problems.is_empty());
    let plain = self::text();
    let function = span_of(&plain, "CREATE FUNCTION", ";");
    let found = report_with(
        &plain,
        vec![External {
            span: function,
            ..finding(KimberliteStage::Execute)
        }],
        options,
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0]
            .message
            .contains("reads this Up statement but refuses to run it: no functions.")
    );
}

#[test]
fn a_span_outside_the_file_is_dropped_not_a_panic() {
    let text = text();
    let found = report_with(
        &text,
        vec![
            External {
                path: FILE,
                span: Span::new(5, 100_000),
                at: None,
                detail: "x",
                stage: KimberliteStage::Parse,
                down: false,
            },
            External {
                path: FILE,
                span: Span::new(9, 3),
                at: None,
                detail: "x",
                stage: KimberliteStage::Parse,
                down: false,
            },
            External {
                path: "migrations/0009_none.sql",
                span: Span::new(0, 1),
                at: None,
                detail: "x",
                stage: KimberliteStage::Parse,
                down: false,
            },
        ],
        Options::default(),
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn squawks_syntax_error_inside_a_statement_kimberlite_took_is_dropped() {
    let text = "-- Up Migration\nCREATE TABLE p (id BIGINT PRIMARY KEY, ssn TEXT);\nCREATE MASKING POLICY m STRATEGY REDACT_SSN EXEMPT ROLES (clinician);\n";
    let files = || {
        vec![SourceFile {
            path: "migrations/0001_p.sql",
            contents: text.as_bytes(),
        }]
    };
    let syntax = |external: Vec<External<'_>>| {
        let mut input = Input::new(files(), None, None);
        input.external = external;
        analyze(&input)
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::SyntaxError)
            .count()
    };
    assert_eq!(
        syntax(Vec::new()),
        1,
        "squawk cannot read CREATE MASKING POLICY"
    );
    let policy = span_of(text, "CREATE MASKING", ";");
    let accepted = External {
        path: "migrations/0001_p.sql",
        span: policy,
        at: None,
        detail: "",
        stage: KimberliteStage::Accepted,
        down: false,
    };
    assert_eq!(syntax(vec![accepted]), 0);
    // Accepted elsewhere: squawk's finding stays.
    let table = span_of(text, "CREATE TABLE", ";");
    assert_eq!(
        syntax(vec![External {
            span: table,
            ..accepted
        }]),
        1
    );
}

#[test]
fn a_project_that_targets_kimberlite_says_when_kimberlite_did_not_check_it() {
    let text = text();
    let not_checked = |checked: bool, target: bool| {
        let files = vec![SourceFile {
            path: FILE,
            contents: text.as_bytes(),
        }];
        let mut input = Input::new(files, None, None);
        input.options.kimberlite_target = target;
        input.kimberlite_checked = checked;
        analyze(&input)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == Code::KimberliteNotChecked)
            .collect::<Vec<_>>()
    };
    let found = not_checked(false, true);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].file, "kimberlite.toml");
    assert_eq!(found[0].severity, Severity::Info);
    assert!(
        found[0]
            .message
            .contains("needs the native helper kmb-kimberlite")
    );
    assert!(
        not_checked(true, true).is_empty(),
        "the helper ran: nothing to say"
    );
    assert!(not_checked(false, false).is_empty(), "a PostgreSQL project");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..proptest::prelude::ProptestConfig::default() })]

    /// Whatever a helper (or a caller) says, with any span or place in any
    /// text (multi-byte characters, CRLF, a BOM), the core places it or
    /// drops it: never a panic, and a finding only inside the file.
    #[test]
    fn any_verdict_is_placed_or_dropped(
        text in "\u{feff}?(-- é\r\n|CREATE TABLE t (id BIGINT PRIMARY KEY);\n|😀;\r|SELECT 'x';\n){0,6}",
        start in 0usize..200,
        len in 0usize..200,
        at in proptest::option::of(0usize..220),
        stage in 0u8..3,
    ) {
        let span = Span::new(start, start + len);
        let finding = External {
            path: FILE,
            span,
            at,
            detail: "refused",
            stage: [KimberliteStage::Parse, KimberliteStage::Execute, KimberliteStage::Accepted][stage as usize],
            down: false,
        };
        let files = vec![SourceFile { path: FILE, contents: text.as_bytes() }];
        let mut input = Input::new(files, None, None);
        input.external = vec![finding];
        for d in analyze(&input).diagnostics.iter().filter(|d| d.code == Code::KimberliteUnsupported) {
            let placed = d.span.unwrap();
            proptest::prop_assert!(placed.end <= text.len() && text.is_char_boundary(placed.start) && text.is_char_boundary(placed.end));
        }
    }
}

#[test]
fn a_kimberlite_project_leaves_postgresqls_own_rules_off_unless_asked() {
    // A PostgreSQL-only finding (CONCURRENTLY in a transaction) and a generic one (DELETE without WHERE).
    let text = "-- Up Migration\nCREATE INDEX CONCURRENTLY t_name ON t (name);\nDELETE FROM t;\n";
    let codes = |kimberlite: bool, rules: &[(&str, &str)]| {
        let files = vec![SourceFile {
            path: FILE,
            contents: text.as_bytes(),
        }];
        let mut input = Input::new(files, None, None);
        input.options = Options::from_rules(rules).0;
        input.options.kimberlite_target = kimberlite;
        input.kimberlite_checked = true;
        analyze(&input)
            .diagnostics
            .into_iter()
            .map(|d| d.code)
            .collect::<Vec<_>>()
    };
    assert!(codes(false, &[]).contains(&Code::NonTransactionalStatement));
    let kimberlite = codes(true, &[]);
    assert!(
        !kimberlite.contains(&Code::NonTransactionalStatement),
        "{kimberlite:?}"
    );
    assert!(
        kimberlite.contains(&Code::DestructiveStatement),
        "{kimberlite:?}"
    );
    assert!(
        codes(true, &[("non-transactional-statement", "warning")])
            .contains(&Code::NonTransactionalStatement)
    );
}
