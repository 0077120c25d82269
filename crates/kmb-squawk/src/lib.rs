//! squawk's parser and lint rules behind one call, [`check`]: one section
//! of a migration and the rules to run in, the syntax error and the
//! violations out, as plain data.
//!
//! The native core links it (feature `linter`). The core's WebAssembly
//! build does not: squawk is most of the module's size, and only lint
//! needs it. There, this crate built alone (feature `module`) is a second
//! module, the lint module, whose export [`module::check`] takes the
//! settings and gives the outcome as JSON; the core reaches it through the
//! JavaScript around both (`packages/core/boundary.js`).

use serde::{Deserialize, Serialize};

/// How to run the rules over one section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// squawk's rule names to run (`require-concurrent-index-creation`).
    pub rules: Vec<String>,
    /// Whether the section runs inside a transaction.
    pub assume_in_transaction: bool,
    /// The PostgreSQL version (`"16"`, `"15.4"`); squawk's default without.
    pub pg_version: Option<String>,
}

/// What squawk found in a section. Offsets are bytes in the text it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The parser's first error, where it stopped reading.
    pub syntax_error: Option<Found>,
    /// Each rule's findings, in squawk's order.
    pub violations: Vec<Violation>,
    /// Set when the lint module could not answer (it trapped): nothing
    /// above is to be trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// A place and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub start: u32,
    pub end: u32,
    pub message: String,
}

/// One rule's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// squawk's rule name.
    pub code: String,
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

/// squawk's fix: a title and its edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// Replace `start..end` with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub start: u32,
    pub end: u32,
    pub text: String,
}

/// Whether squawk has a rule of this name (it also takes
/// `prefer-timestamptz` for its `prefer-timestamp-tz`).
#[cfg(feature = "linter")]
pub fn is_rule(name: &str) -> bool {
    squawk_linter::Rule::try_from(name).is_ok()
}

/// Parses `text` with squawk's PostgreSQL parser and runs `settings.rules`
/// over it. A panic inside squawk (a bug of its own) is the section's
/// `failed` where panics unwind (native builds); the lint module aborts on
/// one, and the JavaScript around it reports the trap the same way.
#[cfg(feature = "linter")]
pub fn check(text: &str, settings: &Settings) -> Outcome {
    std::panic::catch_unwind(|| check_unguarded(text, settings)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        Outcome {
            failed: Some(format!("squawk stopped on this section ({why})")),
            ..Outcome::default()
        }
    })
}

/// squawk's rules that read column names through `squawk_syntax`'s
/// `column_name`, which panics (`unreachable!`, "not possible in the
/// grammar") on some trees its parser makes of SQL it cannot read:
/// `CREATE VIEW SELECT(SELECT\nE e IN(` in squawk-syntax 2.68.0, found by
/// our `parse_migration` fuzz target. They are not run on a section with a
/// syntax error.
#[cfg(feature = "linter")]
const NEED_A_CLEAN_PARSE: [squawk_linter::Rule; 1] =
    [squawk_linter::Rule::BanDuplicateColumnAssignments];

#[cfg(feature = "linter")]
fn check_unguarded(text: &str, settings: &Settings) -> Outcome {
    use squawk_linter::{Linter, LinterSettings, Rule};
    let file = squawk_syntax::SourceFile::parse(text);
    let syntax_error = file.errors().first().map(|error| Found {
        start: u32::from(error.range().start()),
        end: u32::from(error.range().end()),
        message: error.message().to_string(),
    });
    let rules = settings
        .rules
        .iter()
        .filter_map(|name| Rule::try_from(name.as_str()).ok())
        .filter(|rule| syntax_error.is_none() || !NEED_A_CLEAN_PARSE.contains(rule));
    let mut linter = Linter::from(rules);
    linter.settings = LinterSettings {
        assume_in_transaction: settings.assume_in_transaction,
        pg_version: settings
            .pg_version
            .as_deref()
            .and_then(|version| version.parse().ok())
            .unwrap_or_default(),
    };
    let violations = linter
        .lint(&file, text)
        .into_iter()
        .map(|violation| Violation {
            code: violation.code.to_string(),
            start: u32::from(violation.text_range.start()),
            end: u32::from(violation.text_range.end()),
            message: violation.message,
            help: violation.help,
            fix: violation.fix.map(|fix| Fix {
                title: fix.title,
                edits: fix
                    .edits
                    .into_iter()
                    .map(|edit| Edit {
                        start: u32::from(edit.text_range.start()),
                        end: u32::from(edit.text_range.end()),
                        text: edit.text.unwrap_or_default(),
                    })
                    .collect(),
            }),
        })
        .collect();
    Outcome {
        syntax_error,
        violations,
        failed: None,
    }
}

/// The lint module's export.
#[cfg(all(feature = "module", target_arch = "wasm32"))]
pub mod module {
    use wasm_bindgen::prelude::wasm_bindgen;

    /// [`super::check`] with the settings and the outcome as JSON. Settings
    /// that do not read give an outcome with `failed` set.
    #[wasm_bindgen]
    pub fn check(text: &str, settings: &str) -> String {
        let outcome = match serde_json::from_str(settings) {
            Ok(settings) => super::check(text, &settings),
            Err(error) => super::Outcome {
                failed: Some(format!(
                    "the lint module could not read its settings: {error}"
                )),
                ..Default::default()
            },
        };
        serde_json::to_string(&outcome).unwrap_or_default()
    }

    /// The protocol this module speaks, checked by the JavaScript that loads it.
    #[wasm_bindgen]
    pub fn protocol() -> u32 {
        super::PROTOCOL
    }
}

/// The version of [`Settings`] and [`Outcome`] as JSON; the core and the
/// lint module of one build agree on it.
pub const PROTOCOL: u32 = 1;
