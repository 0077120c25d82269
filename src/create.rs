//! `createMigration`: the next file's id, name and template text (SPEC §3.3).

use crate::diagnostic::{Code, Diagnostic};
use crate::migration::{file_name_of, parse_file_name};
use crate::rfc3339;

/// The longest slug a new file gets.
pub const MAX_SLUG_LEN: usize = 64;

/// A new migration file, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMigration {
    /// The next id: the highest existing id + 1, or 1.
    pub id: u32,
    /// `<id:04>_<slug>.sql`.
    pub file_name: String,
    /// The template text.
    pub text: String,
}

/// The slug of a name as the user typed it: lowercased, each run of
/// characters outside `[a-z0-9]` turned into one `_`, trimmed of `_`, at most
/// [`MAX_SLUG_LEN`] characters.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            slug.push(ch);
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let mut slug = slug.trim_matches('_').to_string();
    slug.truncate(MAX_SLUG_LEN);
    slug.trim_end_matches('_').to_string()
}

/// What a new migration starts with: TODO comments, or SQL for a common
/// change written the way the default lint rules want it (an index built
/// `CONCURRENTLY` outside a transaction, a column added nullable, an update
/// with a `WHERE`), so a template passes every default rule as created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// TODO comments in the Up and Down sections.
    Blank,
    /// A new table with an identity key, and its `DROP TABLE`.
    Table,
    /// An index built `CONCURRENTLY` in a no-transaction migration.
    Index,
    /// A nullable column added to a table, and dropped in Down.
    Column,
    /// A data change: an `UPDATE` with a `WHERE`, the rows it changes kept
    /// for the Down section to restore.
    Data,
}

impl Template {
    /// Every template: its name and what it writes.
    pub const ALL: [(&'static str, Template, &'static str); 5] = [
        (
            "blank",
            Template::Blank,
            "TODO comments in the Up and Down sections",
        ),
        (
            "table",
            Template::Table,
            "CREATE TABLE with an identity primary key, and DROP TABLE",
        ),
        (
            "index",
            Template::Index,
            "CREATE INDEX CONCURRENTLY in a no-transaction migration, and DROP INDEX CONCURRENTLY",
        ),
        (
            "column",
            Template::Column,
            "ALTER TABLE ... ADD COLUMN (nullable, no default), and DROP COLUMN",
        ),
        (
            "data",
            Template::Data,
            "UPDATE ... WHERE, with the Down left to describe how to restore the rows",
        ),
    ];

    /// The template of a name (`table`, ...).
    pub fn parse(name: &str) -> Option<Template> {
        Self::ALL
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, t, _)| *t)
    }
}

/// The table a migration's slug is about: `create_users_table` is `users`.
fn table_of(slug: &str) -> String {
    let mut name = slug;
    for prefix in ["create_", "add_", "drop_", "alter_", "index_", "update_"] {
        name = name.strip_prefix(prefix).unwrap_or(name);
    }
    for suffix in ["_table", "_index", "_column"] {
        name = name.strip_suffix(suffix).unwrap_or(name);
    }
    // An identifier cannot start with a digit.
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        "example".to_string()
    } else {
        name.to_string()
    }
}

/// The header, the directives and the two sections of a template, in
/// Kimberlite's SQL for a project that targets Kimberlite (no transactions,
/// no `CONCURRENTLY`, no `DROP INDEX`, no `CREATE TABLE ... AS`, a primary
/// key on every table), else in PostgreSQL's.
fn template_text(template: Template, slug: &str, header: &str, kimberlite: bool) -> String {
    let table = table_of(slug);
    if kimberlite {
        return match template {
            Template::Blank => template_text(Template::Blank, slug, header, false),
            Template::Table => format!(
                "{header}\n-- Up Migration\n-- Kimberlite needs a primary key on every table.\nCREATE TABLE {table} (\n    id BIGINT PRIMARY KEY,\n    name TEXT NOT NULL,\n    created_at TIMESTAMP\n);\n\n-- Down Migration\nDROP TABLE {table};\n"
            ),
            Template::Index => format!(
                "{header}\n-- Up Migration\nCREATE INDEX {table}_name_idx ON {table} (name);\n\n-- Kimberlite has no DROP INDEX, so this migration cannot be rolled back: no Down.\n"
            ),
            Template::Column => format!(
                "{header}\n-- Up Migration\n-- Nullable: the rows already there get NULL.\nALTER TABLE {table} ADD COLUMN note TEXT;\n\n-- Down Migration\nALTER TABLE {table} DROP COLUMN note;\n"
            ),
            Template::Data => format!(
                "{header}\n-- Up Migration\n-- Kimberlite runs each statement on its own (no transactions): keep them\n-- few, limit each with WHERE, and write in Down what puts the rows back.\nUPDATE {table} SET name = 'new name' WHERE id = 1;\n\n-- Down Migration\nUPDATE {table} SET name = 'old name' WHERE id = 1;\n"
            ),
        };
    }
    match template {
        Template::Blank => format!(
            "{header}\n-- Up Migration\n-- TODO: Add your SQL here\n\n-- Down Migration (optional)\n-- TODO: Add rollback SQL here\n"
        ),
        Template::Table => format!(
            "{header}\n-- Up Migration\nCREATE TABLE {table} (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name TEXT NOT NULL,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n\n-- Down Migration\nDROP TABLE {table};\n"
        ),
        Template::Index => format!(
            "{header}-- kimberlite:no-transaction\n-- (CREATE INDEX CONCURRENTLY cannot run in a transaction; it does not block writes.)\n\n-- Up Migration\nCREATE INDEX CONCURRENTLY IF NOT EXISTS {table}_name_idx ON {table} (name);\n\n-- Down Migration\nDROP INDEX CONCURRENTLY IF EXISTS {table}_name_idx;\n"
        ),
        Template::Column => format!(
            "{header}\n-- Up Migration\n-- Nullable and without a default: no table rewrite, no long lock.\nALTER TABLE {table} ADD COLUMN note TEXT;\n\n-- Down Migration\nALTER TABLE {table} DROP COLUMN note;\n"
        ),
        Template::Data => format!(
            "{header}\n-- Up Migration\n-- Keep the rows it changes, so Down can put them back. Limit it with WHERE;\n-- for millions of rows, update in batches.\nCREATE TABLE {table}_backup AS SELECT id, name FROM {table} WHERE name <> trim(name);\nUPDATE {table} SET name = trim(name) WHERE name <> trim(name);\n\n-- Down Migration\nUPDATE {table} SET name = b.name FROM {table}_backup b WHERE {table}.id = b.id;\nDROP TABLE {table}_backup;\n"
        ),
    }
}

/// Makes the next migration from the existing file names (paths are fine;
/// names that are not migrations are skipped), the name the user typed, the
/// creation time (RFC 3339, supplied by the caller) and an optional author.
pub fn create_migration(
    existing: &[&str],
    name: &str,
    created: &str,
    author: Option<&str>,
) -> Result<NewMigration, Vec<Diagnostic>> {
    create_from_template(existing, name, created, author, Template::Blank)
}

/// [`create_migration`] with a [`Template`] for its text.
pub fn create_from_template(
    existing: &[&str],
    name: &str,
    created: &str,
    author: Option<&str>,
    template: Template,
) -> Result<NewMigration, Vec<Diagnostic>> {
    create_for(existing, name, created, author, template, false)
}

/// [`create_from_template`], the template's SQL written for Kimberlite when
/// `kimberlite` (a project with `[migrations] target = "kimberlite"`).
pub fn create_for(
    existing: &[&str],
    name: &str,
    created: &str,
    author: Option<&str>,
    template: Template,
    kimberlite: bool,
) -> Result<NewMigration, Vec<Diagnostic>> {
    let invalid = |message: String, help: &str| {
        Err(vec![
            Diagnostic::new(Code::InvalidName, "", message).with_help(help),
        ])
    };
    let title = name.trim();
    if title.contains(['/', '\\']) {
        return invalid(
            format!("The name `{title}` contains a path separator."),
            "Give a plain name such as `add users table`; the file is always created in the migrations folder.",
        );
    }
    if title.chars().any(char::is_control) {
        return invalid(
            format!("The name {title:?} contains a control character such as a newline or tab."),
            "Give the name on one line, without tabs or control characters.",
        );
    }
    let slug = slugify(title);
    if slug.is_empty() {
        return invalid(
            format!("The name `{title}` has no ASCII letter or digit to make a file name from."),
            "Give a name with at least one letter or digit, such as `add users table`.",
        );
    }
    if let Some(author) = author
        && author.chars().any(char::is_control)
    {
        return invalid(
            format!("The author {author:?} contains a control character."),
            "Give the author on one line, such as `alice@example.com`.",
        );
    }
    if !rfc3339::is_valid(created) {
        return Err(vec![
            Diagnostic::new(
                Code::InvalidCreated,
                "",
                format!("The creation time `{created}` is not an RFC 3339 date and time."),
            )
            .with_help("Pass the time like `2026-11-24T09:30:00Z`."),
        ]);
    }
    let highest = existing
        .iter()
        .filter_map(|path| parse_file_name(file_name_of(path)).map(|name| name.id))
        .max()
        .unwrap_or(0);
    let Some(id) = highest.checked_add(1) else {
        return invalid(
            "The highest migration id is already 4294967295, so there is no next id.".to_string(),
            "Renumber the migrations (before they are applied anywhere) so that ids run 1..n.",
        );
    };
    let author = author.map(str::trim).unwrap_or("");
    let header = format!("-- Migration: {title}\n-- Created: {created}\n-- Author: {author}\n");
    let text = template_text(template, &slug, &header, kimberlite);
    Ok(NewMigration {
        id,
        file_name: format!("{id:04}_{slug}.sql"),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Add users table"), "add_users_table");
        assert_eq!(slugify("  --Add  Users!!  "), "add_users");
        assert_eq!(slugify("Café menu"), "caf_menu");
        assert_eq!(slugify("ÉÉÉ"), "");
        assert_eq!(slugify(&"ab ".repeat(40)).len(), 64);
        assert_eq!(slugify(&"abc ".repeat(40)).len(), 63);
    }

    #[test]
    fn next_id_and_text() {
        let made = create_migration(
            &["migrations/0001_a.sql", "0007_b.sql", "README.md", "x.sql"],
            "Add email",
            "2026-11-24T09:30:00Z",
            Some("alice@example.com"),
        )
        .unwrap();
        assert_eq!(made.id, 8);
        assert_eq!(made.file_name, "0008_add_email.sql");
        assert_eq!(
            made.text,
            "-- Migration: Add email\n-- Created: 2026-11-24T09:30:00Z\n-- Author: alice@example.com\n\n-- Up Migration\n-- TODO: Add your SQL here\n\n-- Down Migration (optional)\n-- TODO: Add rollback SQL here\n"
        );
        let first = create_migration(&[], "x", "2026-11-24T09:30:00Z", None).unwrap();
        assert_eq!(first.file_name, "0001_x.sql");
    }

    #[test]
    fn rejects_bad_names() {
        for name in ["a/b", "a\\b", "a\nb", "", "   ", "!!!"] {
            let errors = create_migration(&[], name, "2026-11-24T09:30:00Z", None).unwrap_err();
            assert_eq!(errors[0].code, Code::InvalidName, "{name:?}");
            assert!(errors[0].help.is_some());
        }
        let full = create_migration(&["4294967295_x.sql"], "y", "2026-11-24T09:30:00Z", None);
        assert_eq!(full.unwrap_err()[0].code, Code::InvalidName);
        let bad_time = create_migration(&[], "y", "now", None);
        assert_eq!(bad_time.unwrap_err()[0].code, Code::InvalidCreated);
    }
}
