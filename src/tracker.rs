//! The tracker `.kimberlite/migrations/applied.toml` (SPEC §6): read, check, write.
//!
//! Written exactly as Kimberlite 0.8 writes it (`toml::to_string_pretty` of
//! `{ migrations: [{ id, name, checksum, applied_at, applied_by? }] }`), in
//! order of application. Edits keep comments and extra keys.

use std::collections::HashMap;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value, value};

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::rfc3339;
use crate::toml_doc::{StateDoc, entries, id_field, string_field, toml_string, without_errors};

/// One applied migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedEntry {
    /// The migration id.
    pub id: u32,
    /// Its name when it was applied.
    pub name: String,
    /// Its checksum when it was applied.
    pub checksum: String,
    /// When, as RFC 3339 (supplied by whoever applied it).
    pub applied_at: String,
    /// Who, when known.
    pub applied_by: Option<String>,
    /// Where its table is in the tracker text (`None` for entries not read from text).
    pub span: Option<Span>,
}

/// A read tracker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tracker {
    /// The entries in order of application; of two with one id, the first.
    pub entries: Vec<AppliedEntry>,
}

const RESTORE: &str = "Restore applied.toml from version control, or fix the entry: each needs `id`, `name`, `checksum` and an RFC 3339 `applied_at`.";

/// Reads a tracker. A missing or blank text is an empty tracker. Returns
/// `None` when the text cannot be used at all; a bad entry is reported and
/// skipped. `applied_at` must be a string, as Kimberlite reads it (a TOML
/// date-time is a bad entry).
pub fn parse_tracker(path: &str, text: Option<&str>) -> (Option<Tracker>, Vec<Diagnostic>) {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return (Some(Tracker::default()), Vec::new());
    };
    let mut doc = StateDoc::new(path, text, Code::InvalidTracker, "tracker");
    if let Some(entries) = canonical_tracker(text) {
        return (Some(Tracker { entries }), Vec::new());
    }
    let Some(document) = doc.parse(text) else {
        return (None, doc.diagnostics);
    };
    let mut tracker = Tracker::default();
    let Some(item) = document.get("migrations") else {
        doc.invalid(
            Span::new(0, text.find('\n').unwrap_or(text.len())),
            "it has no `migrations` list, so Kimberlite's CLI cannot read it either",
            "Write `migrations = []` for a tracker with no entries (that is what both tools write), or restore applied.toml from version control.",
        );
        return (None, doc.diagnostics);
    };
    let Some(tables) = entries(item) else {
        let span = item
            .span()
            .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
        doc.invalid(
            span,
            "`migrations` is not a list of `[[migrations]]` tables",
            RESTORE,
        );
        return (None, doc.diagnostics);
    };
    let mut first_of: HashMap<u32, Span> = HashMap::new();
    for (span, table) in tables {
        let read = (|| {
            let id = id_field(table)?;
            let name = string_field(table, "name")?;
            let checksum = string_field(table, "checksum")?;
            let applied_at = match table.get("applied_at").and_then(Item::as_value) {
                None => return Err("the entry has no `applied_at`".to_string()),
                Some(Value::String(text)) => text.value().clone(),
                Some(Value::Datetime(datetime)) => {
                    return Err(format!(
                        "`applied_at = {}` is a TOML date-time, which Kimberlite's CLI cannot read: write it as a string, `applied_at = \"{}\"`",
                        datetime.value(),
                        datetime.value()
                    ));
                }
                Some(other) => {
                    return Err(format!(
                        "`applied_at` is a {}, not a date and time",
                        other.type_name()
                    ));
                }
            };
            if !rfc3339::is_valid(&applied_at) {
                return Err(format!(
                    "`applied_at = \"{applied_at}\"` is not an RFC 3339 date and time"
                ));
            }
            let applied_by = match table.get("applied_by").and_then(Item::as_value) {
                None => None,
                Some(Value::String(text)) => Some(text.value().clone()),
                Some(other) => {
                    return Err(format!(
                        "`applied_by` is a {}, not a string",
                        other.type_name()
                    ));
                }
            };
            Ok(AppliedEntry {
                id,
                name,
                checksum,
                applied_at,
                applied_by,
                span: Some(span),
            })
        })();
        let entry = match read {
            Ok(entry) => entry,
            Err(problem) => {
                doc.invalid(span, &problem, RESTORE);
                continue;
            }
        };
        if let Some(first) = first_of.get(&entry.id).copied() {
            doc.duplicate(
                Code::DuplicateApplied,
                span,
                first,
                entry.id,
                "A migration is applied once: delete the later entry (the database's kimberlite_migrations table says which is right).",
            );
            continue;
        }
        first_of.insert(entry.id, span);
        tracker.entries.push(entry);
    }
    (Some(tracker), doc.diagnostics)
}

/// The entries of a tracker in the canonical form ([`write_tracker`]'s)
/// without a duplicate id or a bad `applied_at`; `None` for any other text,
/// which [`parse_tracker`] reads with toml_edit and its findings.
fn canonical_tracker(text: &str) -> Option<Vec<AppliedEntry>> {
    let mut lines = crate::toml_doc::canonical::Lines::new(text);
    if lines.take("migrations = []").is_some() {
        return lines.at_end().then(Vec::new);
    }
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while !lines.at_end() {
        if !entries.is_empty() {
            lines.take("")?;
        }
        let start = lines.at();
        lines.take("[[migrations]]")?;
        let span = Span::new(start, start + "[[migrations]]".len());
        let id = lines.id("id")?;
        let name = lines.string("name")?;
        let checksum = lines.string("checksum")?;
        let applied_at = lines.string("applied_at")?;
        let applied_by = lines.optional_string("applied_by")?;
        if !rfc3339::is_valid(&applied_at) || !seen.insert(id) {
            return None;
        }
        entries.push(AppliedEntry {
            id,
            name,
            checksum,
            applied_at,
            applied_by,
            span: Some(span),
        });
    }
    (!entries.is_empty()).then_some(entries)
}

/// The tracker text Kimberlite writes for these entries, in the given order,
/// with each `applied_at` written as Kimberlite writes an instant (in UTC,
/// with only the fraction's significant groups of three digits).
pub fn write_tracker(entries: &[AppliedEntry]) -> String {
    if entries.is_empty() {
        return "migrations = []\n".to_string();
    }
    let mut text = String::new();
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        text.push_str(&entry_text(entry));
    }
    text
}

/// One entry as [`write_tracker`] writes it (without the blank line it puts
/// between two): appended after a blank line to a tracker it wrote, the
/// result is what it writes for them all.
pub fn entry_text(entry: &AppliedEntry) -> String {
    let mut text = format!(
        "[[migrations]]\nid = {}\nname = {}\nchecksum = {}\napplied_at = {}\n",
        entry.id,
        toml_string(&entry.name),
        toml_string(&entry.checksum),
        toml_string(
            rfc3339::to_kimberlite_utc(&entry.applied_at)
                .as_deref()
                .unwrap_or(&entry.applied_at)
        )
    );
    if let Some(applied_by) = &entry.applied_by {
        text.push_str(&format!("applied_by = {}\n", toml_string(applied_by)));
    }
    text
}

fn readable(path: &str, text: Option<&str>) -> Result<Tracker, Vec<Diagnostic>> {
    without_errors(parse_tracker(path, text))
}

/// `entry` as a tracker records it, checked: its `applied_at` written as
/// Kimberlite writes an instant, its checksum well formed, its id not
/// `recorded` yet (`duplicate-applied`).
fn checked_entry(
    path: &str,
    entry: &AppliedEntry,
    recorded: impl Fn(u32) -> bool,
) -> Result<AppliedEntry, Vec<Diagnostic>> {
    let refuse = |code: Code, message: String| {
        Err(vec![Diagnostic::new(code, path, message).with_help(
            "Record each migration once, with its checksum and the RFC 3339 time it was applied.",
        )])
    };
    if recorded(entry.id) {
        let message = format!(
            "Migration {} is already recorded as applied in {path}.",
            entry.id
        );
        return refuse(Code::DuplicateApplied, message);
    }
    let Some(applied_at) = rfc3339::to_kimberlite_utc(&entry.applied_at) else {
        let message = format!(
            "`{}` is not an RFC 3339 date and time for `applied_at`.",
            entry.applied_at
        );
        return refuse(Code::InvalidTracker, message);
    };
    if !crate::checksum::is_checksum(&entry.checksum) {
        let message = format!(
            "`{}` is not a checksum (64 lowercase hex digits).",
            entry.checksum
        );
        return refuse(Code::InvalidTracker, message);
    }
    // Written as Kimberlite writes an instant, so that both tools write the
    // same bytes for the same history.
    Ok(AppliedEntry {
        applied_at,
        span: None,
        ..entry.clone()
    })
}

/// The tracker for a whole history, in one pass: the text [`record_applied`]
/// writes when it records the entries one by one into an empty tracker
/// (each checked the same way), without reading the growing text again for
/// each (which made applying n migrations cost n² entries read).
pub fn write_history(path: &str, entries: &[AppliedEntry]) -> Result<String, Vec<Diagnostic>> {
    let mut seen = std::collections::HashSet::new();
    let mut checked = Vec::with_capacity(entries.len());
    for entry in entries {
        checked.push(checked_entry(path, entry, |id| seen.contains(&id))?);
        seen.insert(entry.id);
    }
    Ok(write_tracker(&checked))
}

/// The tracker with `entry` appended. Refuses a second entry for one id
/// (`duplicate-applied`) and a tracker with errors.
pub fn record_applied(
    path: &str,
    text: Option<&str>,
    entry: &AppliedEntry,
) -> Result<String, Vec<Diagnostic>> {
    let tracker = readable(path, text)?;
    let entry = &checked_entry(path, entry, |id| tracker.entries.iter().any(|e| e.id == id))?;
    let text = text.unwrap_or("");
    let canonical = text.trim().is_empty() || write_tracker(&tracker.entries) == text;
    if canonical {
        let mut entries = tracker.entries;
        entries.push(AppliedEntry {
            span: None,
            ..entry.clone()
        });
        return Ok(write_tracker(&entries));
    }
    let Ok(mut document) = text.parse::<DocumentMut>() else {
        return Ok(text.to_string());
    };
    let mut table = Table::new();
    table.insert("id", value(i64::from(entry.id)));
    table.insert("name", value(entry.name.as_str()));
    table.insert("checksum", value(entry.checksum.as_str()));
    table.insert("applied_at", value(entry.applied_at.as_str()));
    if let Some(applied_by) = &entry.applied_by {
        table.insert("applied_by", value(applied_by.as_str()));
    }
    match document.get_mut("migrations") {
        Some(Item::ArrayOfTables(tables)) => tables.push(table),
        Some(Item::Value(Value::Array(array))) if !array.is_empty() => {
            array.push_formatted(Value::InlineTable(table.into_inline_table()).decorated(" ", ""));
        }
        _ => {
            let mut tables = ArrayOfTables::new();
            tables.push(table);
            document.insert("migrations", Item::ArrayOfTables(tables));
        }
    }
    Ok(document.to_string())
}

/// The tracker without the entry for `id`; everything else, comments
/// included, stays. Refuses (`invalid-target`) when `id` is not recorded.
pub fn remove_applied(path: &str, text: Option<&str>, id: u32) -> Result<String, Vec<Diagnostic>> {
    let tracker = readable(path, text)?;
    if !tracker.entries.iter().any(|e| e.id == id) {
        return Err(vec![
            Diagnostic::new(
                Code::InvalidTarget,
                path,
                format!("Migration {id} is not recorded as applied in {path}."),
            )
            .with_help("See `kmb migration status` for what is applied."),
        ]);
    }
    let text = text.unwrap_or("");
    if write_tracker(&tracker.entries) == text {
        let rest: Vec<AppliedEntry> = tracker.entries.into_iter().filter(|e| e.id != id).collect();
        return Ok(write_tracker(&rest));
    }
    let Ok(mut document) = text.parse::<DocumentMut>() else {
        return Ok(text.to_string());
    };
    let matches = |found: Option<i64>| found == Some(i64::from(id));
    match document.get_mut("migrations") {
        Some(Item::ArrayOfTables(tables)) => {
            let Some(at) = tables
                .iter()
                .position(|table| matches(table.get("id").and_then(Item::as_integer)))
            else {
                return Ok(text.to_string());
            };
            // Comments written above the removed entry are kept: nothing
            // the user wrote is lost.
            let removed = tables.remove(at);
            let kept_prefix = removed
                .decor()
                .prefix()
                .and_then(|prefix| prefix.as_str())
                .filter(|prefix| prefix.contains('#'))
                .map(str::to_string);
            if tables.is_empty() {
                document.insert("migrations", value(toml_edit::Array::new()));
            }
            if let Some(prefix) = kept_prefix {
                match document
                    .get_mut("migrations")
                    .and_then(Item::as_array_of_tables_mut)
                    .and_then(|tables| tables.get_mut(at))
                {
                    Some(next) => {
                        let own = next
                            .decor()
                            .prefix()
                            .and_then(|p| p.as_str())
                            .unwrap_or("")
                            .to_string();
                        next.decor_mut()
                            .set_prefix(format!("{prefix}{}", own.trim_start_matches('\n')));
                    }
                    None => {
                        let trailing = document.trailing().as_str().unwrap_or("").to_string();
                        document.set_trailing(format!("{trailing}{}\n", prefix.trim_end()));
                    }
                }
            }
        }
        Some(Item::Value(Value::Array(array))) => {
            array.retain(|v| {
                !matches(
                    v.as_inline_table()
                        .and_then(|t| t.get("id"))
                        .and_then(Value::as_integer),
                )
            });
        }
        _ => {}
    }
    Ok(document.to_string())
}
