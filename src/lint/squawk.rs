//! squawk's rules about locks, table rewrites, failures at apply time and
//! renames, run over each section on squawk's own PostgreSQL parser.
//!
//! The rules of squawk that run are the ones that have a code in our table
//! (`diagnostic.rs`, the rows marked "(squawk)"): the default preset. squawk's
//! style rules (`prefer-*`, `ban-char-field`) and the ones that repeat ours
//! (`transaction-nesting` and `ban-uncommitted-transaction` as
//! `transaction-control`, `ban-concurrent-index-creation-in-transaction` as
//! `non-transactional-statement`, `ban-drop-table` and `ban-drop-column` as
//! `destructive-statement`) do not, and neither does `require-lock-timeout`
//! for now: it reports once per file, at the first statement that locks,
//! and that is often a table created a line earlier in the same migration,
//! which no one else can be waiting on; it comes back with the schema model
//! that knows which objects exist before a migration. squawk's own `-- squawk-ignore`
//! comments work as in squawk; ours work on these codes as on any other.

use kmb_squawk::{Outcome, Settings};

use super::schema::{Applied, Schema};
use super::{Findings, LintContext};
use crate::diagnostic::{Code, Span};
use crate::sql::lexer::{Lexer, TokenKind};
use crate::sql::split::Splitter;

/// The largest section the rules read (1 MiB). squawk's syntax tree takes
/// 40 to 80 bytes a byte; a section this large is a data load, where the
/// lock rules have little to say.
pub const MAX_SECTION_BYTES: usize = 1 << 20;

/// Whether the constraint `ADD [CONSTRAINT name] ...` adds is one that only
/// `NOT VALID` makes quick: a `CHECK`. squawk also reports primary keys and
/// unique constraints under `constraint-missing-not-valid`, whose advice
/// cannot apply to them (they cannot be `NOT VALID`; their own rules,
/// `adding-serial-primary-key-field` and `disallowed-unique-constraint`,
/// say what to do), and foreign keys, which `adding-foreign-key-constraint`
/// reports as well: one finding each, not two. Other text it reports (a
/// `VALIDATE` in the transaction that added the constraint) is kept.
fn needs_not_valid(add: &str) -> bool {
    let mut words = Lexer::new(add).filter(|t| !t.is_trivia());
    let first = words.next().map(|t| t.text(add).to_ascii_uppercase());
    if first.as_deref() != Some("ADD") {
        return true;
    }
    let mut kind = words.next().map(|t| t.text(add).to_ascii_uppercase());
    if kind.as_deref() == Some("CONSTRAINT") {
        kind = words.nth(1).map(|t| t.text(add).to_ascii_uppercase());
    }
    kind.as_deref() == Some("CHECK")
}

/// The rules a Down section is held to. A Down section undoes its Up and
/// is run by hand, rarely: checked by hand on real projects, the lock and
/// rewrite rules there reported the mirror of what Up had done (the type
/// changed back, the key Up dropped) about half of all false findings.
/// What still matters in a rollback: a `DROP INDEX` that locks its table
/// (the one lock a rollback takes most), and what fails or destroys.
pub fn in_down_preset(code: Code) -> bool {
    matches!(
        code,
        Code::RequireConcurrentIndexDeletion
            | Code::BanDropDatabase
            | Code::BanTruncateCascade
            | Code::IdentifierTooLong
            | Code::BanDuplicateColumnAssignments
            | Code::UnusedIgnore
    )
}

/// The rules that are about a table that already has rows and users:
/// on a table created earlier in the same section they say nothing true.
fn about_existing_objects(code: Code) -> bool {
    matches!(
        code,
        Code::RequireConcurrentIndexCreation
            | Code::ConstraintMissingNotValid
            | Code::AddingFieldWithDefault
            | Code::AddingForeignKeyConstraint
            | Code::ChangingColumnType
            | Code::AddingNotNullableField
            | Code::AddingSerialPrimaryKeyField
            | Code::DisallowedUniqueConstraint
            | Code::AddingRequiredField
            | Code::RenamingColumn
            | Code::RenamingTable
    )
}

/// How many leading words [`tables_of`] reads: enough for the longest
/// form, `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY s.t`.
const LEADING_WORDS: usize = 16;

/// A section's statements, as spans with the table each creates or changes
/// and what the schema model makes of it: enough to tell a table created
/// earlier in the section (`CREATE TABLE`, `CREATE TABLE ... AS`,
/// `CREATE MATERIALIZED VIEW`, which squawk does not all count as new) from
/// one that existed before the migration, and a type change that rewrites
/// from one that does not.
struct Statements {
    list: Vec<Read>,
}

/// One statement of a section.
struct Read {
    start: usize,
    end: usize,
    /// The table it creates.
    created: Option<String>,
    /// The table it changes.
    changed: Option<String>,
    /// The tables it empties (`DELETE` without `WHERE`, `TRUNCATE`).
    emptied: Vec<String>,
    /// What it did to the schema model (offsets from `start`).
    applied: Applied,
    /// Whether the session's time zone is UTC when it runs (set earlier in
    /// the section, on PostgreSQL 12 or later).
    utc: bool,
}

impl Statements {
    fn of(text: &str, schema: &Schema, pg_version: Option<&str>) -> Statements {
        let mut schema = schema.clone();
        let mut list = Vec::new();
        let mut splitter = Splitter::default();
        // Only a statement's first words name its table; the rest are not kept.
        let mut words: Vec<(String, bool)> = Vec::new();
        // `timestamp` to `timestamptz` keeps the bytes under UTC from 12 on.
        let major: u32 = pg_version
            .and_then(|v| v.split('.').next()?.parse().ok())
            .unwrap_or(15);
        let mut utc = false;
        let mut read = |words: &mut Vec<(String, bool)>, start: usize, end: usize| {
            let (created, changed) = tables_of(words);
            let sets = words.first().is_some_and(|(w, q)| !q && w == "set");
            let empties = words
                .first()
                .is_some_and(|(w, q)| !q && (w == "delete" || w == "truncate"));
            words.clear();
            let sql = &text[start..end];
            if sets && let Some(to_utc) = super::schema::sets_time_zone(sql) {
                utc = to_utc && major >= 12;
            }
            let applied = schema.apply(sql);
            let emptied = if empties {
                super::schema::emptied_tables(sql)
            } else {
                Vec::new()
            };
            list.push(Read {
                start,
                end,
                created,
                changed,
                emptied,
                applied,
                utc,
            });
        };
        for token in Lexer::new(text) {
            match token.kind {
                _ if words.len() >= LEADING_WORDS => {}
                TokenKind::Word => words.push((token.text(text).to_ascii_lowercase(), false)),
                TokenKind::QuotedIdent => {
                    words.push((token.text(text).trim_matches('"').to_string(), true))
                }
                TokenKind::Other if token.text(text) == "." => words.push((".".to_string(), false)),
                TokenKind::OpenParen => words.push(("(".to_string(), false)),
                _ => {}
            }
            if let Some(statement) = splitter.push(text, &token) {
                read(&mut words, statement.span.start, statement.span.end);
            }
        }
        if let Some(statement) = splitter.finish() {
            read(&mut words, statement.span.start, statement.span.end);
        }
        Statements { list }
    }

    /// The statement `offset` is in, with the ones before it.
    fn at(&self, offset: usize) -> Option<(&Read, &[Read])> {
        let at = self
            .list
            .iter()
            .position(|read| (read.start..=read.end).contains(&offset))?;
        Some((&self.list[at], &self.list[..at]))
    }

    /// Whether the statement at `offset` changes a table that an earlier
    /// statement of the section `did` something to.
    fn on_table_earlier(&self, offset: usize, did: impl Fn(&Read, &String) -> bool) -> bool {
        let Some((read, before)) = self.at(offset) else {
            return false;
        };
        let Some(changed) = &read.changed else {
            return false;
        };
        before.iter().any(|earlier| did(earlier, changed))
    }

    /// Whether the statement at `offset` changes a table an earlier
    /// statement of the section created.
    fn on_new_table(&self, offset: usize) -> bool {
        self.on_table_earlier(offset, |earlier, table| {
            earlier.created.as_ref() == Some(table)
        })
    }

    /// Whether the statement at `offset` changes a table an earlier
    /// statement of the section emptied: a required column added to it
    /// cannot fail for want of a value (lemmy 0076).
    fn on_emptied_table(&self, offset: usize) -> bool {
        self.on_table_earlier(offset, |earlier, table| earlier.emptied.contains(table))
    }

    /// Whether what squawk reports at `offset` is, by the schema model, a
    /// type change without a rewrite (`changing-column-type`) or a foreign
    /// key on a new column that PostgreSQL does not check by a scan
    /// (`adding-foreign-key-constraint`).
    fn known_harmless(&self, code: Code, offset: usize) -> bool {
        let Some((read, _)) = self.at(offset) else {
            return false;
        };
        let inside = |(start, end): (usize, usize)| {
            (read.start + start..=read.start + end).contains(&offset)
        };
        match code {
            Code::ChangingColumnType => read
                .applied
                .type_changes
                .iter()
                .find(|change| inside(change.span))
                .is_some_and(|change| change.without_rewrite(read.utc)),
            Code::AddingForeignKeyConstraint => read
                .applied
                .unchecked_foreign_keys
                .iter()
                .any(|&span| inside(span)),
            Code::AddingNotNullableField => read
                .applied
                .already_not_null
                .iter()
                .any(|&span| inside(span)),
            _ => false,
        }
    }

    /// Whether the rename at `offset` leaves nothing a client sees changed:
    /// it renames a trigger function (only triggers call it), or the
    /// section later creates an object of the same kind under the old name
    /// (a type or view swapped: renamed aside, recreated, the old one
    /// dropped).
    fn rename_harmless(&self, text: &str, offset: usize) -> bool {
        let Some((read, before)) = self.at(offset) else {
            return false;
        };
        if read.applied.renames_trigger_function {
            return true;
        }
        let Some(sql) = text.get(read.start..read.end) else {
            return false;
        };
        let Some((kind, name)) = object_named(sql, "alter") else {
            return false;
        };
        self.list[before.len() + 1..].iter().any(|later| {
            text.get(later.start..later.end)
                .and_then(|sql| object_named(sql, "create"))
                .is_some_and(|(k, n)| k == kind && n == name)
        })
    }

    /// The text of the statement `offset` is in.
    fn text_at<'t>(&self, text: &'t str, offset: usize) -> Option<&'t str> {
        let (read, _) = self.at(offset)?;
        text.get(read.start..read.end)
    }
}

/// The first `count` words of `sql`, lowercased.
fn first_words(sql: &str, count: usize) -> Vec<String> {
    Lexer::new(sql)
        .filter(|t| t.kind == TokenKind::Word)
        .take(count)
        .map(|t| t.text(sql).to_ascii_lowercase())
        .collect()
}

/// The kind and name (its last part, folded) of the object a statement
/// starting with `verb` names: `ALTER TYPE s.mood ...` is `("type",
/// "mood")`, `CREATE OR REPLACE VIEW v ...` is `("view", "v")`.
fn object_named(sql: &str, verb: &str) -> Option<(String, String)> {
    let mut tokens = Lexer::new(sql).filter(|t| {
        matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent)
            || (t.kind == TokenKind::Other && t.text(sql) == ".")
    });
    let word = |t: &crate::sql::lexer::Token| match t.kind {
        TokenKind::QuotedIdent => t.text(sql).trim_matches('"').to_string(),
        _ => t.text(sql).to_ascii_lowercase(),
    };
    if word(&tokens.next()?) != verb {
        return None;
    }
    let mut next = word(&tokens.next()?);
    if verb == "create" && next == "or" {
        tokens.next();
        next = word(&tokens.next()?);
    }
    let kind = match next.as_str() {
        "materialized" => {
            tokens.next();
            "materialized view".to_string()
        }
        "type" | "view" | "function" | "procedure" | "domain" | "table" | "schema" => next,
        _ => return None,
    };
    let mut name = word(&tokens.next()?);
    let mut rest = tokens.peekable();
    while rest.peek().is_some_and(|t| t.text(sql) == ".") {
        rest.next();
        name = word(&rest.next()?);
    }
    Some((kind, name))
}

/// Whether a rename `renaming-object` reports is one no client can notice:
/// of an index, a constraint, a sequence, a trigger, a policy, a rule or
/// statistics, whose names queries do not use. Checked by hand on real
/// projects, these were 65 of its 72 findings and none was true.
fn rename_unseen(statement: &str, reported: &str) -> bool {
    let words = first_words(statement, 3);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [
            "alter",
            "index" | "sequence" | "trigger" | "policy" | "rule" | "statistics",
            ..,
        ] => true,
        ["alter", "event", "trigger"] => true,
        ["alter", "table" | "foreign", ..] => first_words(reported, 2) == ["rename", "constraint"],
        _ => false,
    }
}

/// The table a statement creates and the one it changes, from its first
/// words (`words`: identifiers lowercased unless quoted, `.` and `(`).
fn tables_of(words: &[(String, bool)]) -> (Option<String>, Option<String>) {
    let plain: Vec<&str> = words
        .iter()
        .map(|(w, quoted)| if *quoted { "" } else { w.as_str() })
        .collect();
    // The name starting at `from`, schema-qualified or not: its last part.
    let name_at = |mut from: usize| -> Option<String> {
        let mut name = words.get(from)?.0.clone();
        while words.get(from + 1).is_some_and(|(w, q)| w == "." && !q) {
            name = words.get(from + 2)?.0.clone();
            from += 2;
        }
        (name != "(" && name != ".").then_some(name)
    };
    let skip = |mut at: usize, optional: &[&[&str]]| {
        for phrase in optional {
            if plain.get(at..at + phrase.len()) == Some(*phrase) {
                at += phrase.len();
            }
        }
        at
    };
    match plain.first().copied() {
        Some("create") => {
            let mut at = skip(
                1,
                &[&["or", "replace"], &["temporary"], &["temp"], &["unlogged"]],
            );
            match plain.get(at).copied() {
                Some("table") => at += 1,
                Some("materialized") if plain.get(at + 1) == Some(&"view") => at += 2,
                Some("unique") | Some("index") => {
                    let Some(on) = plain.iter().position(|w| *w == "on") else {
                        return (None, None);
                    };
                    return (None, name_at(skip(on + 1, &[&["only"]])));
                }
                _ => return (None, None),
            }
            let at = skip(at, &[&["if", "not", "exists"]]);
            (name_at(at), None)
        }
        Some("alter") if plain.get(1) == Some(&"table") => {
            let at = skip(2, &[&["if", "exists"], &["only"]]);
            (None, name_at(at))
        }
        _ => (None, None),
    }
}

/// `text` with every character that is not ASCII, from each
/// `squawk-ignore` to the end of its comment (a line end or `*/`), turned
/// into as many spaces as it has bytes: offsets stay the same. squawk-linter
/// 2.68.0 panics on some such comments (its line index is asked for an
/// offset inside a character; found by the `analyze` fuzzer,
/// `tests/never_panics.rs`). Rule names are ASCII, so nothing it reads
/// there changes.
fn without_wide_ignores(text: &str) -> std::borrow::Cow<'_, str> {
    const MARK: &str = "squawk-ignore";
    if text.is_ascii() || !text.contains(MARK) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let comment = &rest[at..];
        let end = [comment.find('\n'), comment.find('\r'), comment.find("*/")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(comment.len());
        for c in comment[..end].chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        rest = &comment[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// How the rules reach squawk: a function given one section and the
/// settings, `None` when squawk is not there to ask.
pub type Engine = fn(&str, &Settings) -> Option<Outcome>;

/// squawk itself, linked in (native builds, feature `squawk`).
#[cfg(feature = "squawk")]
fn linked(text: &str, settings: &Settings) -> Option<Outcome> {
    Some(kmb_squawk::check(text, settings))
}

static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();

/// Sets how squawk is reached, once: the WebAssembly build, which leaves
/// squawk out, asks the lint module through JavaScript (`src/wasm/`).
/// Returns false when it was already set.
pub fn set_engine(engine: Engine) -> bool {
    ENGINE.set(engine).is_ok()
}

/// squawk's answer about one section, when it can be asked.
fn ask(text: &str, settings: &Settings) -> Option<Outcome> {
    #[cfg(feature = "squawk")]
    let engine = *ENGINE.get_or_init(|| linked);
    #[cfg(not(feature = "squawk"))]
    let engine = *ENGINE.get()?;
    engine(text, settings)
}

/// Runs the rules over one section: `text` starts `at` bytes into the whole
/// contents. `syntax` says whether to report what the parser cannot read
/// (not when the file's own findings already explain it).
pub fn check_section(
    context: &LintContext<'_>,
    text: &str,
    at: usize,
    is_up: bool,
    syntax: bool,
    found: &mut Findings,
) {
    let section = if is_up { "Up" } else { "Down" };
    let skipped = |found: &mut Findings, message: String, help: &str| {
        found.push(context.diagnostic(Code::LintSkipped, Span::new(at, at), message, help));
    };
    if text.len() > MAX_SECTION_BYTES {
        skipped(
            found,
            format!(
                "The {section} section of {} is {} KiB, more than the {} KiB the lock rules read; only the token rules checked it.",
                context.label,
                text.len() >> 10,
                MAX_SECTION_BYTES >> 10
            ),
            "Keep schema changes in migrations of their own, apart from data loads, so that they are checked.",
        );
        return;
    }
    let safe = without_wide_ignores(text);
    let text: &str = &safe;
    let settings = Settings {
        rules: Code::ALL
            .iter()
            .filter(|&&code| code.is_squawk())
            .filter(|&&code| is_up || in_down_preset(code))
            .filter(|&&code| !code.is_opt_in() || context.settings.opt_in.contains(&code))
            .map(|code| code.as_str().to_string())
            .collect(),
        assume_in_transaction: context.transactional,
        pg_version: context.settings.pg_version.clone(),
    };
    let outcome = match ask(text, &settings) {
        Some(outcome) if outcome.failed.is_none() => outcome,
        answer => {
            let why = answer
                .and_then(|outcome| outcome.failed)
                .unwrap_or_else(|| {
                    "the lint module, which holds squawk's parser, is not loaded".to_string()
                });
            skipped(
                found,
                format!(
                    "squawk's rules did not check the {section} section of {}: {why}; only the token rules checked it.",
                    context.label
                ),
                "In a browser, `await ready()` loads the lint module (or `readyLint()` after `ready({ lint: false })`); in Node, check that kimberlite_migration_lint_bg.wasm is installed beside the package's other files. If it is, report this as a bug with the file.",
            );
            return;
        }
    };
    if syntax && let Some(error) = &outcome.syntax_error {
        let (start, end) = (error.start as usize, error.end as usize);
        found.push(context.diagnostic(
            Code::SyntaxError,
            Span::new(at + start, at + end.max(start)),
            format!(
                "squawk's PostgreSQL parser cannot read the {section} section of {} here ({}); the lock rules did not check what follows.",
                context.label,
                error.message
            ),
            "Check the SQL near this point. If PostgreSQL accepts it (newer syntax), ignore this with `-- kimberlite:ignore syntax-error` above the statement.",
        ));
    }
    // Made only when a finding needs it: most sections have none.
    let statements = std::cell::OnceCell::new();
    for violation in outcome.violations {
        let name = violation.code;
        // squawk names it `prefer-timestamp-tz` and accepts
        // `prefer-timestamptz`, the name its documentation uses (and ours).
        let code = match name.as_str() {
            "prefer-timestamp-tz" => Some(Code::PreferTimestamptz),
            _ => Code::parse(&name),
        };
        let Some(code) = code else {
            continue;
        };
        let (start, end) = (violation.start as usize, violation.end as usize);
        let read = || {
            statements.get_or_init(|| {
                Statements::of(text, context.schema, context.settings.pg_version.as_deref())
            })
        };
        if about_existing_objects(code)
            && (read().on_new_table(start) || read().known_harmless(code, start))
        {
            continue;
        }
        if code == Code::AddingRequiredField && read().on_emptied_table(start) {
            continue;
        }
        if code == Code::RenamingObject
            && (read()
                .text_at(text, start)
                .is_some_and(|statement| rename_unseen(statement, &text[start..end.max(start)]))
                || read().rename_harmless(text, start))
        {
            continue;
        }
        if code == Code::ConstraintMissingNotValid && !needs_not_valid(&text[start..end.max(start)])
        {
            continue;
        }
        let fix = violation.fix.map(|fix| {
            let edits: Vec<(Span, String)> = fix
                .edits
                .into_iter()
                .map(|edit| {
                    let (start, end) = (edit.start as usize, edit.end as usize);
                    (Span::new(at + start, at + end), edit.text)
                })
                .collect();
            (fix.title, edits)
        });
        let help = violation.help.unwrap_or_else(|| {
            format!(
                "See https://squawkhq.com/docs/{} for why and how to do it safely.",
                code.as_str()
            )
        });
        let mut diagnostic = context.diagnostic(
            code,
            Span::new(at + start, at + end.max(start)),
            format!("{}: {}", context.label, violation.message),
            &help,
        );
        if let Some((title, edits)) = fix {
            diagnostic = diagnostic.with_fix(title, edits, context.index);
        }
        found.push(diagnostic);
    }
}

#[cfg(all(test, feature = "squawk"))]
mod tests {
    use super::*;

    /// [`Code::SQUAWK`] is exactly the codes squawk has a rule for: the
    /// WebAssembly build, which leaves squawk out, relies on that list.
    #[test]
    fn squawk_codes_are_squawk_rules() {
        for &code in Code::ALL {
            assert_eq!(
                code.is_squawk(),
                kmb_squawk::is_rule(code.as_str()),
                "{}",
                code.as_str()
            );
        }
    }
}
