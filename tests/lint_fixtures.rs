//! One folder per lint rule in `tests/fixtures/lint/<code>/`: `bad.sql`
//! must get the finding, `good.sql` must not. What `bad.sql` gets is
//! rendered (`file:line:col code message`, help, the fix's title, the line
//! with the span marked) and pinned as a snapshot, so positions and messages
//! show in review when they change.

use std::fs;
use std::path::Path;

use kimberlite_migration::lint::LintSettings;
use kimberlite_migration::migration::parse_migration_with;
use kimberlite_migration::project::{Input, SourceFile, analyze};
use kimberlite_migration::{Code, Diagnostic, Group};

/// The findings of `text`, a fixture's `bad.sql` or `good.sql`: on its own,
/// or, when the folder has a `before.sql`, as the migration after it (so
/// that the rules know the schema it made). An opt-in rule is turned on.
fn findings(folder: &Path, code: Code, kind: &str, text: &str) -> Vec<Diagnostic> {
    let settings = LintSettings {
        opt_in: if code.is_opt_in() {
            vec![code]
        } else {
            Vec::new()
        },
        ..LintSettings::default()
    };
    let Ok(before) = fs::read_to_string(folder.join("before.sql")) else {
        let path = format!("migrations/0001_{kind}.sql");
        return parse_migration_with(&path, text.as_bytes(), &settings).diagnostics;
    };
    let path = format!("migrations/0002_{kind}.sql");
    let files = vec![
        SourceFile {
            path: "migrations/0001_before.sql",
            contents: before.as_bytes(),
        },
        SourceFile {
            path: &path,
            contents: text.as_bytes(),
        },
    ];
    let mut input = Input::new(files, None, None);
    input.options.lint = settings;
    let report = analyze(&input);
    report
        .diagnostics
        .into_iter()
        .filter(|d| d.file == path)
        .collect()
}

fn render(text: &str, findings: &[&Diagnostic]) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::new();
    for d in findings {
        let range = d.range.expect("a lint finding has a range");
        let (line, col) = (range.start.line as usize, range.start.character as usize);
        out.push_str(&format!(
            "{}:{}:{} {} {}\n",
            d.file,
            line + 1,
            col + 1,
            d.code.as_str(),
            d.message
        ));
        if let Some(help) = &d.help {
            out.push_str(&format!("  help: {help}\n"));
        }
        if let Some(fix) = &d.fix {
            out.push_str(&format!("  fix: {}\n", fix.title));
        }
        let source = lines.get(line).copied().unwrap_or("");
        let end = if range.end.line == range.start.line {
            (range.end.character as usize).max(col + 1)
        } else {
            source.chars().count().max(col + 1)
        };
        out.push_str(&format!(
            "  | {source}\n  | {}{}\n",
            " ".repeat(col),
            "^".repeat(end - col)
        ));
    }
    out
}

#[test]
fn every_rule_has_a_fixture_folder_whose_bad_file_fires_and_good_file_does_not() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint");
    let mut seen = Vec::new();
    let mut folders: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().to_string();
        let code = Code::parse(&name).unwrap_or_else(|| panic!("{name} is not a code"));
        seen.push(code);
        let bad = fs::read_to_string(folder.join("bad.sql")).unwrap();
        let diagnostics = findings(&folder, code, "bad", &bad);
        let found: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code == code).collect();
        assert!(
            !found.is_empty(),
            "{name}/bad.sql: no {name} in {diagnostics:?}"
        );
        insta::assert_snapshot!(format!("lint_fixture__{name}"), render(&bad, &found));
        let good = fs::read_to_string(folder.join("good.sql")).unwrap();
        let diagnostics = findings(&folder, code, "good", &good);
        assert!(
            !diagnostics.iter().any(|d| d.code == code),
            "{name}/good.sql: {diagnostics:?}"
        );
    }
    // `lint-skipped` needs a file over 1 MiB; its case is in tests/lint_rules.rs.
    // `kimberlite-unsupported` comes from Kimberlite's parser in the native
    // helper: tests/kimberlite_target.rs and tests/js/kimberlite.test.mjs.
    for code in Code::ALL.iter().filter(|c| {
        c.group() == Group::Lint
            && !matches!(
                **c,
                Code::LintSkipped | Code::KimberliteUnsupported | Code::KimberliteNotChecked
            )
    }) {
        assert!(
            seen.contains(code),
            "no fixture folder for {}",
            code.as_str()
        );
    }
}
