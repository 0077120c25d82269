//! The project file `kimberlite.toml`: Kimberlite's own, which ignores keys
//! it does not know, so this tool's settings live there too.
//!
//! ```toml
//! [migrations]
//! directory = "db/migrations"      # Kimberlite's key: where the files are
//! history-table = "ops.history"    # this tool's: where the history is kept
//! tracker-database = "embedded"    # this tool's: the database applied.toml mirrors
//! target = "kimberlite"            # this tool's: what `lint` checks the SQL for
//!
//! [migrations.lint]                # this tool's:
//! pg-version = "16"                # the PostgreSQL version run on
//!
//! [migrations.lint.rules]          # a level per code
//! destructive-statement = "off"
//! renaming-column = "error"
//! ```
//!
//! Everything else in the file is Kimberlite's and left alone. Inside
//! `[migrations.lint]` every key is this tool's, so one it does not know is
//! a mistake (a typo would otherwise silently change nothing) and is
//! reported, as is a wrong type or a code or level that does not exist.

use toml_edit::{Item, TableLike, Value};

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::project::Options;
use crate::toml_doc::StateDoc;

/// What the project file says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    /// `[migrations] directory`, as written (relative to the project).
    pub directory: Option<String>,
    /// `[migrations.lint.rules]`: `(code, level)` pairs, as `--rule` takes them.
    pub rules: Vec<(String, String)>,
    /// `[migrations.lint] pg-version`: the PostgreSQL version the migrations
    /// run on (`"16"`, `16`, `"15.4"`).
    pub pg_version: Option<String>,
    /// `[migrations] history-table`: the history table as `(schema,
    /// table)`, folded as PostgreSQL folds unquoted names (`public` when no
    /// schema is written).
    pub history_table: Option<(String, String)>,
    /// `[migrations] tracker-database`: the database `applied.toml` mirrors,
    /// `"embedded"` (the default) or a `postgres://` URL (its user and
    /// password need not be written: host, port and database name say
    /// which), or `"none"`.
    pub tracker_database: Option<String>,
    /// `[migrations] target`: `"postgresql"` (the default: squawk's rules)
    /// or `"kimberlite"` (also Kimberlite's own parser, through the native
    /// helper, as `lint --target kimberlite`).
    pub target: Option<String>,
    /// `[database] bind_address`: Kimberlite's own key, where its server
    /// listens (`kmb migration apply --database kimberlite` connects there).
    /// Read only when it is a string; Kimberlite checks the rest.
    pub bind_address: Option<String>,
    /// Everything wrong in it (`invalid-config`), each at its place.
    pub diagnostics: Vec<Diagnostic>,
}

/// The keys this tool reads in `[migrations.lint]`.
const LINT_KEYS: &[&str] = &["rules", "pg-version"];

/// Reads `kimberlite.toml` (`path` names it in findings).
pub fn read_config(path: &str, text: &str) -> ProjectConfig {
    let mut doc = StateDoc::new(path, text, Code::InvalidConfig, "project file");
    let mut config = ProjectConfig::default();
    let Some(document) = doc.parse(text) else {
        config.diagnostics = doc.diagnostics;
        return config;
    };
    if let Some(migrations) = document.get("migrations") {
        match migrations.as_table_like() {
            None => doc.invalid(item_span(migrations), "`migrations` is not a table", HELP),
            Some(table) => read_migrations(&mut doc, table, &mut config),
        }
    }
    if let Some(address) = document
        .get("database")
        .and_then(|database| database.as_table_like())
        .and_then(|database| database.get("bind_address"))
        .and_then(|address| address.as_str())
    {
        config.bind_address = Some(address.to_string());
    }
    config.diagnostics = doc.diagnostics;
    config
}

const HELP: &str = "Write it as `[migrations]` with `directory = \"migrations\"`, and this tool's settings under `[migrations.lint.rules]` as `code = \"off\"` (or `\"error\"`, `\"warning\"`, `\"info\"`, `\"hint\"`).";

/// `[schema.]table` as `(schema, table)`, folded to lower case as
/// PostgreSQL folds unquoted names; `None` unless each part is a plain
/// identifier of at most 63 bytes.
fn history_table(text: &str) -> Option<(String, String)> {
    let plain = |part: &str| {
        !part.is_empty()
            && part.len() <= 63
            && part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    };
    let (schema, table) = match text.split_once('.') {
        Some((schema, table)) => (schema, table),
        None => ("public", text),
    };
    (plain(schema) && plain(table))
        .then(|| (schema.to_ascii_lowercase(), table.to_ascii_lowercase()))
}

fn is_tracker_database(text: &str) -> bool {
    matches!(text, "embedded" | "none")
        || ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| text.len() > scheme.len() && text.starts_with(scheme))
}

fn item_span(item: &Item) -> Span {
    item.span()
        .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end))
}

fn read_migrations(doc: &mut StateDoc<'_>, table: &dyn TableLike, config: &mut ProjectConfig) {
    if let Some(directory) = table.get("directory") {
        match directory.as_value() {
            Some(Value::String(text)) if !text.value().trim().is_empty() => {
                config.directory = Some(text.value().clone());
            }
            Some(Value::String(text)) => doc.invalid(
                item_span(directory),
                &format!("`directory = {:?}` names no folder", text.value()),
                HELP,
            ),
            _ => doc.invalid(item_span(directory), "`directory` is not a string", HELP),
        }
    }
    if let Some(history) = table.get("history-table") {
        match history.as_value() {
            Some(Value::String(text)) if history_table(text.value()).is_some() => {
                config.history_table = history_table(text.value());
            }
            _ => doc.invalid(
                item_span(history),
                "`history-table` is not a table name such as \"kimberlite_migrations\" or \"ops.kimberlite_migrations\"",
                "Write it as `history-table = \"schema.table\"` (or only the table, which then lives in `public`), with letters, digits and `_`, each part at most 63 characters.",
            ),
        }
    }
    if let Some(tracker) = table.get("tracker-database") {
        match tracker.as_value() {
            Some(Value::String(text)) if is_tracker_database(text.value()) => {
                config.tracker_database = Some(text.value().clone());
            }
            _ => doc.invalid(
                item_span(tracker),
                "`tracker-database` is not \"embedded\", \"none\" or a postgres:// URL",
                "Write `tracker-database = \"embedded\"` (the default: applied.toml mirrors .kimberlite/dev-db), `\"none\"` (no database writes it), or the server's URL without its password, such as `\"postgres://db.internal:5432/app\"`.",
            ),
        }
    }
    if let Some(target) = table.get("target") {
        match target.as_value() {
            Some(Value::String(text)) if matches!(text.value().as_str(), "postgresql" | "kimberlite") => {
                config.target = Some(text.value().clone());
            }
            _ => doc.invalid(
                item_span(target),
                "`target` is not \"postgresql\" or \"kimberlite\"",
                "Write `target = \"kimberlite\"` to check every statement with Kimberlite's own parser as well (it needs the native helper kmb-kimberlite), or `target = \"postgresql\"` (the default) for PostgreSQL's rules only.",
            ),
        }
    }
    let Some(lint) = table.get("lint") else {
        return;
    };
    let Some(lint) = lint.as_table_like() else {
        doc.invalid(item_span(lint), "`migrations.lint` is not a table", HELP);
        return;
    };
    for (key, item) in lint.iter() {
        if !LINT_KEYS.contains(&key) {
            doc.invalid(
                item_span(item),
                &format!(
                    "`migrations.lint.{key}` is not a setting this tool knows (it reads `rules` and `pg-version`)"
                ),
                HELP,
            );
        }
    }
    if let Some(version) = lint.get("pg-version") {
        let text = match version.as_value() {
            Some(Value::String(text)) => Some(text.value().clone()),
            Some(Value::Integer(number)) => Some(number.value().to_string()),
            Some(Value::Float(number)) => Some(number.value().to_string()),
            _ => None,
        };
        match text {
            Some(text) if is_pg_version(&text) => config.pg_version = Some(text),
            _ => doc.invalid(
                item_span(version),
                "`pg-version` is not a PostgreSQL version such as \"16\" or \"15.4\"",
                HELP,
            ),
        }
    }
    let Some(rules) = lint.get("rules") else {
        return;
    };
    let Some(rules) = rules.as_table_like() else {
        doc.invalid(
            item_span(rules),
            "`migrations.lint.rules` is not a table",
            HELP,
        );
        return;
    };
    for (code, item) in rules.iter() {
        let level = match item.as_value() {
            Some(Value::String(level)) => level.value().clone(),
            _ => {
                doc.invalid(
                    item_span(item),
                    &format!("the level of `{code}` is not a string"),
                    HELP,
                );
                continue;
            }
        };
        // The same checks as `--rule`, reported here at the line they come from.
        let (_, problems) = Options::from_rules(&[(code, level.as_str())]);
        if problems.is_empty() {
            config.rules.push((code.to_string(), level));
            continue;
        }
        for problem in problems {
            let span = rules
                .key(code)
                .and_then(|k| k.span())
                .map_or(item_span(item), |r| Span::new(r.start, r.end));
            let code = if problem.code == Code::IgnoreNotAllowed {
                Code::IgnoreNotAllowed
            } else {
                Code::InvalidConfig
            };
            doc.report(
                code,
                span,
                problem
                    .message
                    .replacen("The options name ", &format!("{} names ", doc.path), 1)
                    .replacen("The options set ", &format!("{} sets ", doc.path), 1),
                problem.help.unwrap_or_default(),
            );
        }
    }
}

/// Whether `text` is a version squawk reads: `16`, `15.4`, `9.6.24`, from 9 on.
pub fn is_pg_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0]
            .parse::<u32>()
            .is_ok_and(|major| (9..=99).contains(&major))
}
