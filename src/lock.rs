//! The lock file `.kimberlite/migrations/.lock` (SPEC §5): read, check, write.
//!
//! Written exactly as Kimberlite 0.8 writes it (`toml::to_string_pretty` of
//! `{ version, migration: [{ id, name, checksum }] }`), so both tools produce
//! the same bytes. A lock the user has annotated keeps its comments and extra
//! keys when entries are added.

use std::collections::HashMap;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value, value};

use crate::diagnostic::{Code, Diagnostic, Span, short_checksum};
use crate::toml_doc::{StateDoc, entries, id_field, string_field, toml_string, without_errors};

/// One locked migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The migration id.
    pub id: u32,
    /// The name it had when it was locked.
    pub name: String,
    /// Its checksum when it was locked.
    pub checksum: String,
    /// Where its table is in the lock text (`None` for entries not read from text).
    pub span: Option<Span>,
}

/// A read lock file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lock {
    /// The entries in document order; of two with one id, the first.
    pub entries: Vec<LockEntry>,
}

const RESTORE: &str = "Restore the lock file from version control, or fix the entry by hand: each needs `id`, `name` and `checksum`.";

/// Reads a lock. A missing or blank text is an empty lock. Returns `None`
/// when the text cannot be used at all (bad TOML, no `version` or no
/// `migration` list, or a `version` other than 1), with the reason among the
/// diagnostics; a bad entry is reported and skipped. A lock without
/// `version` or `migration` is `invalid-lock` because Kimberlite cannot read
/// one either.
pub fn parse_lock(path: &str, text: Option<&str>) -> (Option<Lock>, Vec<Diagnostic>) {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return (Some(Lock::default()), Vec::new());
    };
    let mut doc = StateDoc::new(path, text, Code::InvalidLock, "lock file");
    if let Some(entries) = canonical_lock(text) {
        return (Some(Lock { entries }), Vec::new());
    }
    let Some(document) = doc.parse(text) else {
        return (None, doc.diagnostics);
    };
    let whole = Span::new(0, text.len().min(text.find('\n').unwrap_or(text.len())));
    match document.get("version").and_then(Item::as_value) {
        None => {
            doc.invalid(whole, "it has no `version = 1`", RESTORE);
            return (None, doc.diagnostics);
        }
        Some(Value::Integer(version)) if *version.value() == 1 => {}
        Some(Value::Integer(version)) => {
            let span = version.span().map_or(whole, |r| Span::new(r.start, r.end));
            doc.report(
                Code::UnsupportedLockVersion,
                span,
                format!("The lock file {path} has `version = {}`; this tool reads version 1.", version.value()),
                "Upgrade kimberlite-migration, or restore the lock file that Kimberlite wrote (`version = 1`).".to_string(),
            );
            return (None, doc.diagnostics);
        }
        Some(other) => {
            let span = other.span().map_or(whole, |r| Span::new(r.start, r.end));
            doc.invalid(
                span,
                &format!("`version` is a {}, not the integer 1", other.type_name()),
                RESTORE,
            );
            return (None, doc.diagnostics);
        }
    }
    let mut lock = Lock::default();
    let Some(item) = document.get("migration") else {
        doc.invalid(
            whole,
            "it has no `migration` list, so Kimberlite's CLI cannot read it either",
            "Write `migration = []` for a lock with no entries (that is what both tools write), or restore the lock file from version control.",
        );
        return (None, doc.diagnostics);
    };
    let Some(tables) = entries(item) else {
        let span = item.span().map_or(whole, |r| Span::new(r.start, r.end));
        doc.invalid(
            span,
            "`migration` is not a list of `[[migration]]` tables",
            RESTORE,
        );
        return (None, doc.diagnostics);
    };
    let mut first_of: HashMap<u32, Span> = HashMap::new();
    for (span, table) in tables {
        let read = (|| {
            Ok::<_, String>((
                id_field(table)?,
                string_field(table, "name")?,
                string_field(table, "checksum")?,
            ))
        })();
        let (id, name, checksum) = match read {
            Ok(fields) => fields,
            Err(problem) => {
                doc.invalid(span, &problem, RESTORE);
                continue;
            }
        };
        if let Some(first) = first_of.get(&id).copied() {
            doc.duplicate(
                Code::DuplicateLockEntry,
                span,
                first,
                id,
                "Delete the entry that does not match the migration file; the first one is used.",
            );
            continue;
        }
        first_of.insert(id, span);
        lock.entries.push(LockEntry {
            id,
            name,
            checksum,
            span: Some(span),
        });
    }
    (Some(lock), doc.diagnostics)
}

/// The entries of a lock in the canonical form ([`write_lock`]'s, entries
/// in any order) without a duplicate id; `None` for any other text, which
/// [`parse_lock`] reads with toml_edit and its findings.
fn canonical_lock(text: &str) -> Option<Vec<LockEntry>> {
    let mut lines = crate::toml_doc::canonical::Lines::new(text);
    lines.take("version = 1")?;
    if lines.take("migration = []").is_some() {
        return lines.at_end().then(Vec::new);
    }
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while !lines.at_end() {
        lines.take("")?;
        let start = lines.at();
        lines.take("[[migration]]")?;
        let span = Span::new(start, start + "[[migration]]".len());
        let id = lines.id("id")?;
        let name = lines.string("name")?;
        let checksum = lines.string("checksum")?;
        if !seen.insert(id) {
            return None;
        }
        entries.push(LockEntry {
            id,
            name,
            checksum,
            span: Some(span),
        });
    }
    (!entries.is_empty()).then_some(entries)
}

/// The lock text Kimberlite writes for these entries (sorted by id).
pub fn write_lock(entries: &[LockEntry]) -> String {
    if entries.is_empty() {
        return "version = 1\nmigration = []\n".to_string();
    }
    let mut sorted: Vec<&LockEntry> = entries.iter().collect();
    sorted.sort_by_key(|entry| entry.id);
    let mut text = String::from("version = 1\n");
    for entry in sorted {
        text.push_str(&entry_text(entry));
    }
    text
}

/// One entry as [`write_lock`] writes it: appended to a lock it wrote whose
/// ids are all lower, the result is what it writes for them all.
pub fn entry_text(entry: &LockEntry) -> String {
    format!(
        "\n[[migration]]\nid = {}\nname = {}\nchecksum = {}\n",
        entry.id,
        toml_string(&entry.name),
        toml_string(&entry.checksum)
    )
}

/// The lock with `additions` added. Existing entries never change: an
/// addition whose id is locked with another checksum or name is refused
/// (`checksum-mismatch`), and so is any lock with errors. A canonical lock
/// stays canonical; an annotated one keeps its comments and extra keys.
pub fn update_lock(
    path: &str,
    text: Option<&str>,
    additions: &[LockEntry],
) -> Result<String, Vec<Diagnostic>> {
    let lock = without_errors(parse_lock(path, text))?;
    let mut new_entries: Vec<LockEntry> = Vec::new();
    for addition in additions {
        match lock.entries.iter().find(|e| e.id == addition.id) {
            Some(existing)
                if existing.checksum == addition.checksum && existing.name == addition.name => {}
            Some(existing) => {
                return Err(vec![
                    Diagnostic::new(
                        Code::ChecksumMismatch,
                        path,
                        format!(
                            "Migration {} is locked as \"{}\" with checksum {}; locking it again as \"{}\" with checksum {} would change the lock.",
                            addition.id,
                            existing.name,
                            short_checksum(&existing.checksum),
                            addition.name,
                            short_checksum(&addition.checksum)
                        ),
                    )
                    .with_help("A locked migration never changes: revert the file to what was locked, and put the change in a new migration."),
                ]);
            }
            None => match new_entries.iter().find(|e| e.id == addition.id) {
                Some(earlier)
                    if earlier.checksum == addition.checksum && earlier.name == addition.name => {}
                Some(earlier) => {
                    return Err(vec![
                        Diagnostic::new(
                            Code::DuplicateId,
                            path,
                            format!(
                                "Two migrations with id {} were given to lock: \"{}\" ({}) and \"{}\" ({}).",
                                addition.id,
                                earlier.name,
                                short_checksum(&earlier.checksum),
                                addition.name,
                                short_checksum(&addition.checksum)
                            ),
                        )
                        .with_help("Each id belongs to one migration: renumber one of the two files, then lock again."),
                    ]);
                }
                None => new_entries.push(LockEntry {
                    span: None,
                    ..addition.clone()
                }),
            },
        }
    }
    let text = text.unwrap_or("");
    if new_entries.is_empty() && !text.trim().is_empty() {
        return Ok(text.to_string());
    }
    let canonical = text.trim().is_empty() || write_lock(&lock.entries) == text;
    if canonical {
        let mut merged = lock.entries;
        merged.extend(new_entries);
        return Ok(write_lock(&merged));
    }
    Ok(edit_annotated(text, &new_entries))
}

/// The lock after a squash: `squash` (migration N, which now stands for
/// 1..N) replaces the entries 1..N. This is the one change to existing
/// entries the lock allows, made by `kmb migration squash` after it has
/// checked the squash against the files it replaces. A lock with errors is
/// refused. An annotated lock keeps its comments and extra keys.
pub fn squash_lock(
    path: &str,
    text: Option<&str>,
    squash: &LockEntry,
) -> Result<String, Vec<Diagnostic>> {
    let lock = without_errors(parse_lock(path, text))?;
    let text = text.unwrap_or("");
    let squash = LockEntry {
        span: None,
        ..squash.clone()
    };
    let mut kept: Vec<LockEntry> = lock
        .entries
        .iter()
        .filter(|e| e.id > squash.id)
        .cloned()
        .collect();
    let canonical = text.trim().is_empty() || write_lock(&lock.entries) == text;
    let document = text.parse::<DocumentMut>().ok();
    match document {
        Some(mut document) if !canonical => {
            if let Some(Item::ArrayOfTables(tables)) = document.get_mut("migration") {
                let id_of = |table: &Table| table.get("id").and_then(Item::as_integer).unwrap_or(0);
                let n = i64::from(squash.id);
                tables.retain(|table| id_of(table) >= n);
                let found = tables.iter().position(|table| id_of(table) == n);
                match found.and_then(|at| tables.get_mut(at)) {
                    Some(table) => {
                        table.insert("name", value(squash.name.as_str()));
                        table.insert("checksum", value(squash.checksum.as_str()));
                    }
                    None => {
                        let at = tables
                            .iter()
                            .position(|t| id_of(t) > n)
                            .unwrap_or(tables.len());
                        tables.insert(at, entry_table(&squash));
                    }
                }
                return Ok(document.to_string());
            }
            kept.push(squash);
            Ok(write_lock(&kept))
        }
        _ => {
            kept.push(squash);
            Ok(write_lock(&kept))
        }
    }
}

/// Adds entries to a lock that is not in the canonical shape, keeping
/// everything already there. The text was parsed successfully already.
fn edit_annotated(text: &str, new_entries: &[LockEntry]) -> String {
    let Ok(mut document) = text.parse::<DocumentMut>() else {
        return text.to_string();
    };
    let mut sorted: Vec<&LockEntry> = new_entries.iter().collect();
    sorted.sort_by_key(|e| e.id);
    let id_of = |table: &Table| table.get("id").and_then(Item::as_integer).unwrap_or(0);
    match document.get_mut("migration") {
        Some(Item::ArrayOfTables(tables)) => {
            for entry in sorted {
                let at = tables
                    .iter()
                    .position(|t| id_of(t) > i64::from(entry.id))
                    .unwrap_or(tables.len());
                tables.insert(at, entry_table(entry));
            }
        }
        Some(Item::Value(Value::Array(array))) if !array.is_empty() => {
            for entry in sorted {
                let at = array
                    .iter()
                    .position(|v| {
                        v.as_inline_table()
                            .and_then(|t| t.get("id"))
                            .and_then(Value::as_integer)
                            .is_some_and(|id| id > i64::from(entry.id))
                    })
                    .unwrap_or(array.len());
                let table = entry_table(entry).into_inline_table();
                array.insert_formatted(at, Value::InlineTable(table).decorated(" ", ""));
            }
        }
        _ => {
            let mut tables = ArrayOfTables::new();
            for entry in sorted {
                tables.push(entry_table(entry));
            }
            document.insert("migration", Item::ArrayOfTables(tables));
        }
    }
    document.to_string()
}

fn entry_table(entry: &LockEntry) -> Table {
    let mut table = Table::new();
    table.insert("id", value(i64::from(entry.id)));
    table.insert("name", value(entry.name.as_str()));
    table.insert("checksum", value(entry.checksum.as_str()));
    table
}
