//! A small model of the schema the migrations build, replayed statement by
//! statement from their Up sections: tables and their columns' types
//! (created, altered, renamed, dropped). The lock rules read it to tell a
//! type change that rewrites a table from one that only changes the
//! catalog (`varchar(20)` to `varchar(40)` or `text`).
//!
//! Names are compared as PostgreSQL folds them (unquoted lowercased) and
//! without their schema: `s.t` and `t` are the same table here. A table
//! the migrations never created (made before the first migration, or by
//! SQL the model does not read, such as `EXECUTE` in a function) is
//! unknown, and unknown means "a real table with rows": the rules report
//! as squawk does.

use std::collections::HashMap;

use crate::sql::lexer::{Lexer, TokenKind};

/// The tables known so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    tables: HashMap<String, Table>,
    /// What the current change made: the tables it created and the columns
    /// it added to existing ones. A change is one migration file, or a run
    /// of consecutive files with the same slug (one change split into
    /// parts, as kratos writes them); see [`Schema::begin_change`].
    change: Change,
    /// Functions created `RETURNS trigger`: only triggers call them, so
    /// renaming one is invisible to clients.
    trigger_functions: Vec<String>,
}

/// The tables and columns one change made, and the rows its earlier
/// parts copied into other tables (see [`Schema`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Change {
    tables: Vec<String>,
    columns: Vec<(String, String)>,
    copied: Vec<Copied>,
}

/// One table's columns; `None` when the model cannot know them
/// (`CREATE TABLE ... AS`, `LIKE`, `PARTITION OF`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Table {
    columns: Option<HashMap<String, Column>>,
}

/// What the model knows of a column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Column {
    /// Its type (see [`canonical_type`]).
    kind: String,
    /// `NOT NULL`, or part of the primary key.
    not_null: bool,
    /// An index covers it (a key, a unique constraint, `CREATE INDEX`).
    indexed: bool,
}

impl Column {
    /// A column defined by `items`, what follows its name.
    fn defined(items: &[Item]) -> Column {
        let depth = items.first().map_or(0, |i| i.depth);
        let top = |word: &str| {
            items
                .iter()
                .any(|i| i.plain && i.depth == depth && i.text == word)
        };
        let not_null = items.windows(2).any(|pair| {
            pair[0].plain
                && pair[0].depth == depth
                && pair[0].text == "not"
                && pair[1].text == "null"
        });
        Column {
            kind: type_of(items),
            not_null: not_null || top("primary"),
            indexed: top("primary") || top("unique"),
        }
    }
}

/// A column type change one statement makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeChange {
    /// The column's type before, when the model knew it.
    pub old: Option<String>,
    /// The type it gets.
    pub new: String,
    /// A `USING` expression, if any: `Some(true)` when it is only the
    /// column itself (`USING c`, `USING c::timestamptz`), which keeps the
    /// values as a plain change would.
    pub using: Option<bool>,
    /// Its action's byte range in the statement.
    pub span: (usize, usize),
    /// Whether an index covers the column (rebuilt when the new type sorts
    /// with another operator class).
    pub indexed: bool,
}

impl TypeChange {
    /// Whether PostgreSQL changes only the catalog: the old type is known
    /// and binary coercible to the new one; or, with the session's time
    /// zone UTC (`utc`; PostgreSQL 12 and later), `timestamp` to
    /// `timestamptz` on a column no index covers.
    pub fn without_rewrite(&self, utc: bool) -> bool {
        let Some(old) = self.old.as_deref() else {
            return false;
        };
        self.using.is_none_or(|itself| itself)
            && (no_rewrite(old, &self.new)
                || (utc && !self.indexed && old == "timestamp" && self.new == "timestamptz"))
    }
}

/// What one statement did that the rules ask about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Its `ALTER COLUMN ... TYPE` changes.
    pub type_changes: Vec<TypeChange>,
    /// The columns it adds to existing tables, as `(table, column)`.
    pub added_columns: Vec<(String, String)>,
    /// Byte ranges (in the statement) of its `ALTER COLUMN ... SET NOT
    /// NULL` actions on columns the model knows are `NOT NULL` already:
    /// PostgreSQL does not scan for them.
    pub already_not_null: Vec<(usize, usize)>,
    /// Byte ranges (in the statement) of its `ADD COLUMN` actions that
    /// add a foreign key PostgreSQL does not check by a scan: the column is
    /// new and has no `DEFAULT`, so every row holds NULL.
    pub unchecked_foreign_keys: Vec<(usize, usize)>,
    /// It renames a function the model knows returns `trigger`.
    pub renames_trigger_function: bool,
}

/// One significant token: a word (folded as PostgreSQL folds names), or
/// punctuation, with its parenthesis depth and place.
#[derive(Debug, Clone)]
struct Item {
    text: String,
    /// Written as a plain word (not quoted): keywords are only these.
    plain: bool,
    depth: usize,
    start: usize,
    end: usize,
}

fn items(sql: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for token in Lexer::new(sql) {
        let text = token.text(sql);
        let (text, plain) = match token.kind {
            TokenKind::Word => (text.to_ascii_lowercase(), true),
            TokenKind::QuotedIdent => (unquote(text), false),
            TokenKind::OpenParen => {
                depth += 1;
                ("(".to_string(), true)
            }
            TokenKind::CloseParen => {
                depth = depth.saturating_sub(1);
                (")".to_string(), true)
            }
            TokenKind::Number | TokenKind::Other => (text.to_string(), true),
            TokenKind::String | TokenKind::DollarQuoted | TokenKind::Param => {
                ("'".to_string(), false)
            }
            _ => continue,
        };
        let depth = if text == "(" && plain {
            depth - 1
        } else {
            depth
        };
        out.push(Item {
            text,
            plain,
            depth,
            start: token.start,
            end: token.end,
        });
    }
    out
}

fn unquote(text: &str) -> String {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map_or_else(|| text.to_string(), |t| t.replace("\"\"", "\""))
}

/// A cursor over a statement's items.
struct Cursor<'i> {
    items: &'i [Item],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&Item> {
        self.items.get(self.at)
    }

    fn is(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|i| i.plain && i.text == keyword)
    }

    /// Moves past `phrase` when it comes next.
    fn eat(&mut self, phrase: &[&str]) -> bool {
        let matches = phrase.iter().enumerate().all(|(k, word)| {
            self.items
                .get(self.at + k)
                .is_some_and(|i| i.plain && i.text == *word)
        });
        if matches {
            self.at += phrase.len();
        }
        matches
    }

    /// A name, schema-qualified or not: its last part.
    fn name(&mut self) -> Option<String> {
        let first = self.peek()?;
        if first.plain && !first.text.chars().next().is_some_and(is_name_start) {
            return None;
        }
        let mut name = first.text.clone();
        self.at += 1;
        while self.is(".") {
            self.at += 1;
            name = self.peek()?.text.clone();
            self.at += 1;
        }
        Some(name)
    }
}

/// Moves past a parenthesized list that starts at the cursor; false when
/// none does or it does not close.
fn skip_parenthesized(cursor: &mut Cursor<'_>) -> bool {
    let Some(open) = cursor.peek().filter(|i| i.plain && i.text == "(") else {
        return false;
    };
    let depth = open.depth;
    let close = cursor.items[cursor.at + 1..]
        .iter()
        .position(|i| i.plain && i.depth == depth && i.text == ")");
    match close {
        Some(k) => {
            cursor.at += k + 2;
            true
        }
        None => false,
    }
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Words that end a column's type in its definition.
const AFTER_TYPE: &[&str] = &[
    "not",
    "null",
    "default",
    "primary",
    "references",
    "unique",
    "check",
    "constraint",
    "generated",
    "collate",
    "using",
    "compression",
    "storage",
];

/// Words that start a table constraint, not a column, in a column list or
/// after `ADD`.
const TABLE_CONSTRAINT: &[&str] = &[
    "constraint",
    "primary",
    "unique",
    "check",
    "foreign",
    "exclude",
    "like",
];

impl Schema {
    /// Gives every known column of type `name` (or an array of it, or
    /// `schema.name`) the type `new`.
    fn rename_type(&mut self, name: &str, new: &str) {
        for columns in self.tables.values_mut().filter_map(|t| t.columns.as_mut()) {
            for column in columns.values_mut() {
                let (base, suffix) = column
                    .kind
                    .split_at(column.kind.find('[').unwrap_or(column.kind.len()));
                if base.rsplit('.').next() == Some(name) {
                    column.kind = format!("{new}{suffix}");
                }
            }
        }
    }

    /// Replays one statement (its text, from its first token).
    pub fn apply(&mut self, sql: &str) -> Applied {
        let items = items(sql);
        let mut cursor = Cursor {
            items: &items,
            at: 0,
        };
        let mut applied = Applied::default();
        if cursor.eat(&["create"]) {
            cursor.eat(&["or", "replace"]);
            while ["temporary", "temp", "unlogged", "global", "local"]
                .iter()
                .any(|w| cursor.is(w))
            {
                cursor.at += 1;
            }
            if cursor.is("unique") || cursor.is("index") {
                self.index(&items[cursor.at..]);
                return applied;
            }
            if cursor.eat(&["function"]) {
                if let Some(name) = cursor.name()
                    && skip_parenthesized(&mut cursor)
                    && cursor.eat(&["returns", "trigger"])
                    && !self.trigger_functions.contains(&name)
                {
                    self.trigger_functions.push(name);
                }
                return applied;
            }
            if !cursor.eat(&["table"]) {
                return applied;
            }
            cursor.eat(&["if", "not", "exists"]);
            let Some(name) = cursor.name() else {
                return applied;
            };
            let columns = if cursor.is("(") {
                column_list(&items[cursor.at..])
            } else {
                None
            };
            self.change.tables.push(name.clone());
            self.tables.insert(name, Table { columns });
        } else if cursor.eat(&["alter", "table"]) {
            cursor.eat(&["if", "exists"]);
            cursor.eat(&["only"]);
            let Some(name) = cursor.name() else {
                return applied;
            };
            cursor.eat(&["*"]);
            let actions = split_top(&items[cursor.at..]);
            let adds_table_foreign_key = actions.iter().any(|action| {
                let words: Vec<&str> = action.iter().take(4).map(|i| i.text.as_str()).collect();
                words.first() == Some(&"add")
                    && (words.get(1) == Some(&"foreign")
                        || (words.get(1) == Some(&"constraint")
                            && words.get(3) == Some(&"foreign")))
            });
            for action in actions {
                self.alter(&name, action, adds_table_foreign_key, &mut applied);
            }
            self.change
                .columns
                .extend(applied.added_columns.iter().cloned());
        } else if cursor.eat(&["alter", "function"]) {
            let Some(name) = cursor.name() else {
                return applied;
            };
            if cursor.is("(") && !skip_parenthesized(&mut cursor) {
                return applied;
            }
            if cursor.eat(&["rename", "to"])
                && let Some(new) = cursor.name()
                && let Some(known) = self.trigger_functions.iter_mut().find(|f| **f == name)
            {
                *known = new;
                applied.renames_trigger_function = true;
            }
        } else if cursor.eat(&["alter", "type"]) {
            // A type renamed aside (to make a new one under its name): the
            // columns of that type now have the renamed one.
            if let Some(name) = cursor.name()
                && cursor.eat(&["rename", "to"])
                && let Some(new) = cursor.name()
            {
                self.rename_type(&name, &new);
            }
        } else if cursor.eat(&["drop", "table"]) {
            cursor.eat(&["if", "exists"]);
            for name in split_top(&items[cursor.at..]) {
                let mut part = Cursor { items: name, at: 0 };
                if let Some(name) = part.name() {
                    self.tables.remove(&name);
                }
            }
        }
        applied
    }

    fn alter(&mut self, table: &str, action: &[Item], table_fk: bool, applied: &mut Applied) {
        let mut cursor = Cursor {
            items: action,
            at: 0,
        };
        if cursor.eat(&["rename"]) {
            if cursor.eat(&["to"]) {
                if let (Some(new), Some(old)) = (cursor.name(), self.tables.remove(table)) {
                    self.tables.insert(new, old);
                }
                return;
            }
            if cursor.is("constraint") {
                return;
            }
            cursor.eat(&["column"]);
            let (Some(from), true) = (cursor.name(), cursor.eat(&["to"])) else {
                return;
            };
            if let (Some(to), Some(columns)) = (cursor.name(), self.columns(table))
                && let Some(kind) = columns.remove(&from)
            {
                columns.insert(to, kind);
            }
        } else if cursor.eat(&["add"]) {
            if TABLE_CONSTRAINT.iter().any(|w| cursor.is(w)) {
                if let Some(columns) = self.columns(table) {
                    key_columns(&action[cursor.at..], columns);
                }
                return;
            }
            cursor.eat(&["column"]);
            cursor.eat(&["if", "not", "exists"]);
            let Some(column) = cursor.name() else {
                return;
            };
            let rest = &action[cursor.at..];
            let defined = Column::defined(rest);
            let has = |word: &str| {
                rest.iter()
                    .any(|i| i.plain && i.depth == 0 && i.text == word)
            };
            if has("references") && !has("default") && !has("generated") && !table_fk {
                applied
                    .unchecked_foreign_keys
                    .push((action[0].start, action[action.len() - 1].end));
            }
            applied
                .added_columns
                .push((table.to_string(), column.clone()));
            if let Some(columns) = self.columns(table) {
                columns.insert(column, defined);
            }
        } else if cursor.eat(&["alter"]) {
            cursor.eat(&["column"]);
            let Some(column) = cursor.name() else {
                return;
            };
            let span = (action[0].start, action[action.len() - 1].end);
            if cursor.eat(&["set", "not", "null"]) || cursor.eat(&["drop", "not", "null"]) {
                let set = action[cursor.at - 3].text == "set";
                let known = self
                    .columns(table)
                    .and_then(|columns| columns.get_mut(&column));
                if let Some(known) = known {
                    if set && known.not_null {
                        applied.already_not_null.push(span);
                    }
                    known.not_null = set;
                }
                return;
            }
            cursor.eat(&["set", "data"]);
            if !cursor.eat(&["type"]) {
                return;
            }
            let rest = &action[cursor.at..];
            let new = type_of(rest);
            // `USING c` or `USING c::t`: the column itself, the values kept.
            let using = rest
                .iter()
                .position(|i| i.plain && i.depth == 0 && i.text == "using")
                .map(|at| {
                    let expression = &rest[at + 1..];
                    expression.first().is_some_and(|i| i.text == column)
                        && expression
                            .get(1)
                            .is_none_or(|i| i.text == ":" || i.text == "::")
                });
            let known = self
                .columns(table)
                .and_then(|columns| columns.get_mut(&column));
            let (old, indexed) = match &known {
                Some(known) => (Some(known.kind.clone()), known.indexed),
                None => (None, false),
            };
            if let Some(known) = known {
                known.kind = new.clone();
            }
            applied.type_changes.push(TypeChange {
                old,
                new,
                using,
                span,
                indexed,
            });
        } else if cursor.eat(&["drop"]) {
            if !cursor.eat(&["column"])
                && ["constraint", "not", "default", "expression", "identity"]
                    .iter()
                    .any(|w| cursor.is(w))
            {
                return;
            }
            cursor.eat(&["if", "exists"]);
            if let (Some(column), Some(columns)) = (cursor.name(), self.columns(table)) {
                columns.remove(&column);
            }
        }
    }

    fn columns(&mut self, table: &str) -> Option<&mut HashMap<String, Column>> {
        self.tables.get_mut(table)?.columns.as_mut()
    }

    /// `CREATE [UNIQUE] INDEX ... ON t (...)`, `items` from `UNIQUE` or
    /// `INDEX`: the columns named in its list are indexed.
    fn index(&mut self, items: &[Item]) {
        let Some(on) = items
            .iter()
            .position(|i| i.plain && i.depth == 0 && i.text == "on")
        else {
            return;
        };
        let mut cursor = Cursor {
            items: &items[on + 1..],
            at: 0,
        };
        cursor.eat(&["only"]);
        let Some(table) = cursor.name() else {
            return;
        };
        let Some(open) = items[on + 1..]
            .iter()
            .position(|i| i.plain && i.depth == 0 && i.text == "(")
        else {
            return;
        };
        let Some(columns) = self.columns(&table) else {
            return;
        };
        // Every name in the list, expressions' too (`lower(email)`).
        for item in items[on + 1 + open..]
            .iter()
            .skip(1)
            .take_while(|i| i.depth > 0)
        {
            if let Some(column) = columns.get_mut(&item.text) {
                column.indexed = true;
            }
        }
    }

    /// Starts a new change: what the statements replayed so far made is no
    /// longer the change's own.
    pub fn begin_change(&mut self) {
        self.change = Change::default();
    }

    /// Records what a statement of the change copied into other tables
    /// (kratos copies a column in one part and drops it in the next).
    pub fn record_copy(&mut self, sql: &str) {
        if let Some(copied) = copies(sql) {
            self.change.copied.push(copied);
        }
    }

    /// What the change's earlier files copied into other tables.
    pub fn change_copied(&self) -> &[Copied] {
        &self.change.copied
    }

    /// Whether the current change created `table`.
    pub fn change_created(&self, table: &str) -> bool {
        self.change.tables.iter().any(|t| t == table)
    }

    /// Whether the current change added `table.column` to an existing table.
    pub fn change_added(&self, table: &str, column: &str) -> bool {
        self.change
            .columns
            .iter()
            .any(|(t, c)| t == table && c == column)
    }

    /// Whether the migrations created `table` (and have not dropped it).
    pub fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// The type of `table.column`, when the model knows it.
    pub fn column_type(&self, table: &str, column: &str) -> Option<&str> {
        self.tables
            .get(table)?
            .columns
            .as_ref()?
            .get(column)
            .map(|c| c.kind.as_str())
    }
}

/// Whether a statement sets the session's time zone (`SET [LOCAL |
/// SESSION] timezone = 'UTC'`, `SET TIME ZONE 'UTC'`), and to UTC.
pub fn sets_time_zone(sql: &str) -> Option<bool> {
    let items = items(sql);
    let mut cursor = Cursor {
        items: &items,
        at: 0,
    };
    if !cursor.eat(&["set"]) {
        return None;
    }
    if !cursor.eat(&["local"]) {
        cursor.eat(&["session"]);
    }
    if !cursor.eat(&["timezone"]) && !cursor.eat(&["time", "zone"]) {
        return None;
    }
    if !cursor.eat(&["="]) {
        cursor.eat(&["to"]);
    }
    let value = sql.get(cursor.peek()?.start..cursor.peek()?.end)?;
    let value = value.trim_matches(['\'', '"']).to_ascii_lowercase();
    Some(matches!(
        value.as_str(),
        "utc" | "etc/utc" | "zulu" | "etc/zulu" | "gmt" | "etc/gmt"
    ))
}

/// The rows a data-destroying statement reaches: the tables of
/// `DROP TABLE`, `TRUNCATE`, `DELETE FROM` and `UPDATE`, and for `UPDATE`
/// the columns its `SET` writes. `None` for anything else, and for a
/// statement that starts with `WITH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The tables.
    pub tables: Vec<String>,
    /// The columns an `UPDATE` sets (empty for the other statements).
    pub columns: Vec<String>,
}

/// What [`Reach`] a statement has.
pub fn reach(sql: &str) -> Option<Reach> {
    let items = items(sql);
    let mut cursor = Cursor {
        items: &items,
        at: 0,
    };
    let mut tables = Vec::new();
    if cursor.eat(&["drop", "table"]) || cursor.eat(&["truncate"]) {
        cursor.eat(&["table"]);
        cursor.eat(&["if", "exists"]);
        for part in split_top(&items[cursor.at..]) {
            let mut part = Cursor { items: part, at: 0 };
            part.eat(&["only"]);
            tables.push(part.name()?);
        }
        return Some(Reach {
            tables,
            columns: Vec::new(),
        });
    }
    if cursor.eat(&["alter", "table"]) {
        cursor.eat(&["if", "exists"]);
        cursor.eat(&["only"]);
        tables.push(cursor.name()?);
        return Some(Reach {
            tables,
            columns: Vec::new(),
        });
    }
    if cursor.eat(&["delete", "from"]) {
        cursor.eat(&["only"]);
        tables.push(cursor.name()?);
        return Some(Reach {
            tables,
            columns: Vec::new(),
        });
    }
    if !cursor.eat(&["update"]) {
        return None;
    }
    cursor.eat(&["only"]);
    tables.push(cursor.name()?);
    let set = cursor.at
        + items[cursor.at..]
            .iter()
            .position(|i| i.plain && i.depth == 0 && i.text == "set")?;
    let end = items[set + 1..]
        .iter()
        .position(|i| {
            i.plain && i.depth == 0 && ["from", "where", "returning"].contains(&i.text.as_str())
        })
        .map_or(items.len(), |at| set + 1 + at);
    let mut columns = Vec::new();
    for part in split_top(&items[set + 1..end]) {
        if part[0].plain && part[0].text == "(" {
            // `SET (a, b) = (...)`: the names up to its `)`.
            let close = part
                .iter()
                .position(|i| i.plain && i.depth == part[0].depth && i.text == ")")?;
            for name in split_top(&part[1..close]) {
                columns.push(name[0].text.clone());
            }
        } else {
            columns.push(part[0].text.clone());
        }
    }
    Some(Reach { tables, columns })
}

/// Rows a statement copies out of tables into others: `INSERT ... SELECT`,
/// `CREATE TABLE ... AS`, `UPDATE ... FROM` or `UPDATE t SET new = old`, or
/// a `DO` block that reads tables and inserts or updates rows. A table
/// dropped or emptied after all its rows were copied whole, or a column
/// dropped after all its values were copied, has been moved, not lost
/// (harbor's 2.0 and 2.2 migrations, lemmy's settings moved between tables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// The tables it reads, each with what leaves rows out.
    pub reads: Vec<TableRead>,
    /// Every name it mentions, folded: the columns it may copy.
    pub names: Vec<String>,
    /// It copies whole rows (`SELECT *` or `t.*`).
    pub whole_rows: bool,
    /// A `DO` block: it reads the tables' rows (often `FOR r IN SELECT *`)
    /// and writes what it picks from them, which moves a table but not a
    /// column it does not name (harbor 1.8 leaves `tags` behind so).
    pub procedural: bool,
}

/// One table a copy reads (`FROM t`, `JOIN t`, an `UPDATE`'s own table).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableRead {
    /// Its name (the last part).
    pub table: String,
    /// The parts of the `WHERE` that reads it (split at its top-level
    /// `AND`s, joins `a.x = b.y` left out), each as the names it mentions.
    pub conditions: Vec<Vec<String>>,
    /// A `LIMIT`, `OFFSET`, `FETCH` or `HAVING` leaves rows out.
    pub limited: bool,
    /// Names that copy nothing out of it: an `UPDATE`'s own targets
    /// (`SET email = lower(email)` keeps no `email` elsewhere).
    pub targets: Vec<String>,
}

/// Whether `table.column` holds NULL in every row: the change added it
/// (without a default, as the migrations that copy rows add their
/// bookkeeping columns; harbor 2.2's `new_execution_id`).
pub type AllNull<'a> = &'a dyn Fn(&str, &str) -> bool;

impl TableRead {
    /// Its conditions that may leave a row out: `c IS NULL` on a column
    /// that is NULL everywhere leaves none.
    fn filtering<'c>(&'c self, all_null: AllNull<'c>) -> impl Iterator<Item = &'c Vec<String>> {
        self.conditions.iter().filter(move |names| {
            let trivially_true = match names.as_slice() {
                [column, is, null] | [_, column, is, null] => {
                    is == "is" && null == "null" && all_null(&self.table, column)
                }
                _ => false,
            };
            !trivially_true
        })
    }

    /// It reads every row of `table`.
    fn all_of(&self, table: &str, all_null: AllNull<'_>) -> bool {
        self.table == table && !self.limited && self.filtering(all_null).next().is_none()
    }

    /// It reads every row of `table` that holds a value of `column`: what
    /// it leaves out is chosen by that column alone (`WHERE favorite`).
    fn all_values_of(&self, table: &str, column: &str, all_null: AllNull<'_>) -> bool {
        self.table == table
            && !self.limited
            && self
                .filtering(all_null)
                .all(|names| names.iter().any(|n| n == column))
    }
}

impl Copied {
    /// Whether it moved every row of `table`: copied whole, or read by a
    /// `DO` block that writes rows.
    pub fn rows_of(&self, table: &str, all_null: AllNull<'_>) -> bool {
        (self.whole_rows || self.procedural) && self.reads.iter().any(|r| r.all_of(table, all_null))
    }

    /// Whether it copied every value of `column` of `table`: by name, or
    /// with whole rows (a `DO` block's `SELECT *` does not say what it keeps).
    pub fn column_of(&self, table: &str, column: &str, all_null: AllNull<'_>) -> bool {
        self.reads.iter().any(|r| {
            r.all_values_of(table, column, all_null)
                && !r.targets.iter().any(|t| t == column)
                && ((self.whole_rows && !self.procedural) || self.names.iter().any(|n| n == column))
        })
    }
}

/// What a statement copies, when it copies rows (see [`Copied`]).
pub fn copies(sql: &str) -> Option<Copied> {
    let list = items(sql);
    let first = list.first().filter(|i| i.plain)?;
    if first.text == "do" {
        // The block's body: its dollar-quoted (or quoted) text, read as SQL.
        let body = Lexer::new(sql)
            .find(|t| matches!(t.kind, TokenKind::DollarQuoted | TokenKind::String))?;
        let text = body.text(sql);
        let inner = if let Some(after) = text.strip_prefix('$') {
            // `$tag$ ... $tag$`: the tag is what comes before the second `$`.
            let tag = &text[..after.find('$')? + 2];
            text.strip_prefix(tag)?.strip_suffix(tag)?
        } else {
            text.get(1..text.len().checked_sub(1)?)?
        };
        let body = items(inner);
        let writes = body
            .iter()
            .any(|i| i.plain && (i.text == "insert" || i.text == "update"));
        return writes
            .then(|| read_from(&body, None))
            .flatten()
            .map(|copied| Copied {
                procedural: true,
                ..copied
            });
    }
    match first.text.as_str() {
        "insert" | "with" => read_from(&list, None),
        "update" => {
            // `UPDATE t SET new = old` reads `t` too; what it sets is not copied.
            let mut cursor = Cursor {
                items: &list,
                at: 1,
            };
            cursor.eat(&["only"]);
            let at = cursor.at;
            cursor.name()?;
            let mut copied = read_from(&list, Some(at))?;
            if let Some(own) = copied.reads.first_mut() {
                own.targets = reach(sql).map(|reach| reach.columns).unwrap_or_default();
            }
            Some(copied)
        }
        "create"
            if list
                .iter()
                .any(|i| i.plain && i.depth == 0 && i.text == "table")
                && list
                    .iter()
                    .any(|i| i.plain && i.depth == 0 && i.text == "as") =>
        {
            read_from(&list, None)
        }
        _ => None,
    }
}

/// The tables `items` read (after `FROM` and `JOIN`, not `DELETE FROM`;
/// and the table named at `own`, an `UPDATE`'s), the names they mention
/// and whether they take whole rows; `None` when they read no table.
fn read_from(items: &[Item], own: Option<usize>) -> Option<Copied> {
    let mut copy = Copied::default();
    let read_at = |at: usize| {
        let mut cursor = Cursor { items, at };
        cursor.eat(&["only"]);
        let table = cursor.name()?;
        Some(limits(items, cursor.at, items[at].depth, table))
    };
    if let Some(read) = own.and_then(read_at) {
        copy.reads.push(read);
    }
    for (at, item) in items.iter().enumerate() {
        let before = at.checked_sub(1).and_then(|k| items.get(k));
        let word = |i: &Item, text: &str| i.plain && i.text == text;
        if item.plain && (item.text == "from" || item.text == "join") {
            // `DELETE FROM t` and `IS DISTINCT FROM` read nothing out.
            if before.is_some_and(|b| word(b, "delete") || word(b, "distinct")) {
                continue;
            }
            if let Some(read) = read_at(at + 1) {
                copy.reads.push(read);
            }
        } else if item.plain && item.text == "*" {
            copy.whole_rows |=
                before.is_some_and(|b| b.plain && ["select", ",", "."].contains(&b.text.as_str()));
        } else if !item.plain || item.text.chars().next().is_some_and(is_name_start) {
            copy.names.push(item.text.clone());
        }
    }
    (!copy.reads.is_empty()).then_some(copy)
}

/// What leaves rows of `table` out, for a read whose name ends before
/// `from` (at parenthesis depth `depth`): the `WHERE` at that depth up to
/// the end of its query, and `LIMIT`, `OFFSET`, `FETCH` or `HAVING`.
fn limits(items: &[Item], from: usize, depth: usize, table: String) -> TableRead {
    let mut read = TableRead {
        table,
        ..TableRead::default()
    };
    // Where the query ends (a `DO` block's `FOR ... IN SELECT ... LOOP`
    // too), and what else ends its `WHERE`.
    let stops = ["loop", ";", "returning", "union", "except", "intersect"];
    let ends = [
        "group", "order", "window", "on", "limit", "offset", "fetch", "having",
    ];
    let mut condition: Option<Vec<&Item>> = None;
    let mut conditions: Vec<Vec<&Item>> = Vec::new();
    for item in &items[from..] {
        let top = item.plain && item.depth == depth;
        if item.depth < depth || (top && stops.contains(&item.text.as_str())) {
            break;
        }
        if top && ["limit", "offset", "fetch", "having"].contains(&item.text.as_str()) {
            read.limited = true;
        }
        if top && item.text == "where" {
            condition = Some(Vec::new());
            continue;
        }
        if top && ends.contains(&item.text.as_str()) {
            conditions.extend(condition.take());
            continue;
        }
        if let Some(part) = condition.as_mut() {
            if top && item.text == "and" {
                conditions.push(std::mem::take(part));
                continue;
            }
            part.push(item);
        }
    }
    conditions.extend(condition);
    read.conditions = conditions
        .into_iter()
        .filter(|part| !is_join(part))
        .map(|part| {
            part.iter()
                .filter(|i| !i.plain || i.text.chars().next().is_some_and(is_name_start))
                .map(|i| i.text.clone())
                .collect()
        })
        .collect();
    read
}

/// `a.x = b.y`: a join between two tables, which leaves no row of a copy
/// out on its own account.
fn is_join(part: &[&Item]) -> bool {
    let text: Vec<&str> = part.iter().map(|i| i.text.as_str()).collect();
    matches!(text.as_slice(), [a, ".", _, "=", b, ".", _] if a != b)
}

/// The tables a statement empties: `TRUNCATE` (without `CASCADE`'s
/// others), or `DELETE FROM t` without a top-level `WHERE`.
pub fn emptied_tables(sql: &str) -> Vec<String> {
    let items = items(sql);
    let mut cursor = Cursor {
        items: &items,
        at: 0,
    };
    if cursor.eat(&["truncate"]) {
        return reach(sql).map(|reach| reach.tables).unwrap_or_default();
    }
    if !cursor.eat(&["delete", "from"]) {
        return Vec::new();
    }
    cursor.eat(&["only"]);
    let Some(name) = cursor.name() else {
        return Vec::new();
    };
    let filtered = items[cursor.at..]
        .iter()
        .any(|i| i.plain && i.depth == 0 && (i.text == "where" || i.text == "using"));
    if filtered { Vec::new() } else { vec![name] }
}

/// The table a `CREATE TABLE ... AS <query>` makes (its last name part).
pub fn made_from_query(sql: &str) -> Option<String> {
    let items = items(sql);
    let mut cursor = Cursor {
        items: &items,
        at: 0,
    };
    if !cursor.eat(&["create"]) {
        return None;
    }
    while ["temporary", "temp", "unlogged", "global", "local"]
        .iter()
        .any(|w| cursor.is(w))
    {
        cursor.at += 1;
    }
    if !cursor.eat(&["table"]) {
        return None;
    }
    cursor.eat(&["if", "not", "exists"]);
    let name = cursor.name()?;
    items[cursor.at..]
        .iter()
        .any(|i| i.plain && i.depth == 0 && i.text == "as")
        .then_some(name)
}

/// The columns an `ALTER TABLE` drops (`DROP [COLUMN] [IF EXISTS] c`).
pub fn dropped_columns(sql: &str) -> Vec<String> {
    let items = items(sql);
    let mut cursor = Cursor {
        items: &items,
        at: 0,
    };
    if !cursor.eat(&["alter", "table"]) {
        return Vec::new();
    }
    cursor.eat(&["if", "exists"]);
    cursor.eat(&["only"]);
    if cursor.name().is_none() {
        return Vec::new();
    }
    let mut columns = Vec::new();
    for part in split_top(&items[cursor.at..]) {
        let mut action = Cursor { items: part, at: 0 };
        if !action.eat(&["drop"]) {
            continue;
        }
        let column = action.eat(&["column"]);
        if !column
            && super::destructive_statement::NOT_COLUMNS
                .iter()
                .any(|word| action.is(&word.to_ascii_lowercase()))
        {
            continue;
        }
        action.eat(&["if", "exists"]);
        if let Some(name) = action.name() {
            columns.push(name);
        }
    }
    columns
}

/// The parts of `items` between top-level commas (at the first item's depth).
fn split_top(items: &[Item]) -> Vec<&[Item]> {
    let Some(first) = items.first() else {
        return Vec::new();
    };
    let depth = first.depth;
    items
        .split(|i| i.plain && i.depth == depth && i.text == ",")
        .filter(|part| !part.is_empty())
        .collect()
}

/// A table constraint (`PRIMARY KEY (a, b)`, `UNIQUE (a)`, `CONSTRAINT k
/// ...`): its key's columns are indexed, a primary key's `NOT NULL` too.
fn key_columns(constraint: &[Item], columns: &mut HashMap<String, Column>) {
    let mut cursor = Cursor {
        items: constraint,
        at: 0,
    };
    if cursor.eat(&["constraint"]) {
        cursor.at += 1;
    }
    let primary = cursor.eat(&["primary", "key"]);
    if !primary && !cursor.eat(&["unique"]) {
        return;
    }
    cursor.eat(&["nulls", "not", "distinct"]);
    if !cursor.is("(") {
        return;
    }
    let depth = constraint[cursor.at].depth;
    for item in constraint[cursor.at + 1..]
        .iter()
        .take_while(|i| i.depth > depth)
    {
        if let Some(column) = columns.get_mut(&item.text) {
            column.indexed = true;
            column.not_null |= primary;
        }
    }
}

/// The columns of `CREATE TABLE t ( ... )`, `items` starting at `(`.
fn column_list(items: &[Item]) -> Option<HashMap<String, Column>> {
    let close = items
        .iter()
        .skip(1)
        .position(|i| i.plain && i.depth == items[0].depth && i.text == ")")?
        + 1;
    let inner = &items[1..close];
    // `PARTITION OF`, `OF type`: no column list of its own.
    let mut columns = HashMap::new();
    let mut constraints = Vec::new();
    for part in split_top(inner) {
        let head = &part[0];
        if head.plain && TABLE_CONSTRAINT.contains(&head.text.as_str()) {
            if head.text == "like" {
                return None;
            }
            constraints.push(part);
            continue;
        }
        columns.insert(head.text.clone(), Column::defined(&part[1..]));
    }
    for constraint in constraints {
        key_columns(constraint, &mut columns);
    }
    Some(columns)
}

/// A column definition's type, from its first item to the first word of
/// what follows it, as [`canonical_type`].
fn type_of(items: &[Item]) -> String {
    let depth = items.first().map_or(0, |i| i.depth);
    let mut written = String::new();
    for item in items {
        if item.depth == depth
            && item.plain
            && (AFTER_TYPE.contains(&item.text.as_str()) || item.text == ",")
        {
            break;
        }
        let joins = matches!(item.text.as_str(), "(" | ")" | "," | "[" | "]" | ".")
            || written.ends_with(['(', ',', '[', '.']);
        if !written.is_empty() && !joins {
            written.push(' ');
        }
        written.push_str(&item.text);
    }
    canonical_type(&written)
}

/// A type as PostgreSQL names it internally (`character varying(20)` is
/// `varchar(20)`, `integer` is `int4`), so that equal types compare equal.
pub fn canonical_type(written: &str) -> String {
    let written = written.trim();
    let written = written.strip_prefix("pg_catalog.").unwrap_or(written);
    let (base, modifiers) = match written.find(['(', '[']) {
        Some(at) => (written[..at].trim(), &written[at..]),
        None => (written, ""),
    };
    let base = match base {
        "character varying" | "varchar" => "varchar",
        "character" | "char" | "bpchar" => "bpchar",
        "int" | "integer" | "int4" | "serial" | "serial4" => "int4",
        "smallint" | "int2" | "smallserial" | "serial2" => "int2",
        "bigint" | "int8" | "bigserial" | "serial8" => "int8",
        "boolean" | "bool" => "bool",
        "real" | "float4" => "float4",
        "double precision" | "float8" | "float" => "float8",
        "decimal" | "numeric" => "numeric",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "time" | "time without time zone" => "time",
        "timetz" | "time with time zone" => "timetz",
        "bit varying" | "varbit" => "varbit",
        other => other,
    };
    format!("{base}{}", modifiers.replace(' ', ""))
}

/// The numbers in a type's modifiers: `(10,2)` is `[10, 2]`.
fn modifiers(kind: &str) -> Option<(&str, Vec<u64>)> {
    let Some(open) = kind.find('(') else {
        return Some((kind, Vec::new()));
    };
    let inner = kind[open..].strip_prefix('(')?.strip_suffix(')')?;
    let numbers = inner
        .split(',')
        .map(|n| n.trim().parse().ok())
        .collect::<Option<Vec<u64>>>()?;
    Some((&kind[..open], numbers))
}

/// Whether changing a column from `old` to `new` (both canonical) leaves
/// the table as it is: the same type, a longer or unlimited `varchar` or
/// `varbit`, `varchar` to `text` and back without a limit, more digits of
/// `numeric` at the same scale, `cidr` to `inet`. Arrays only when equal.
pub fn no_rewrite(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    if old.contains('[') || new.contains('[') {
        return false;
    }
    let (Some((old_base, old_mods)), Some((new_base, new_mods))) = (modifiers(old), modifiers(new))
    else {
        return false;
    };
    match (old_base, new_base) {
        ("varchar", "varchar") | ("varbit", "varbit") => {
            new_mods.is_empty()
                || (old_mods.len() == 1 && new_mods.len() == 1 && new_mods[0] >= old_mods[0])
        }
        ("varchar", "text") => new_mods.is_empty(),
        ("text", "varchar") => new_mods.is_empty(),
        ("numeric", "numeric") => match (old_mods.as_slice(), new_mods.as_slice()) {
            (_, []) => true,
            ([p], [q]) => q >= p,
            ([p], [q, 0]) => q >= p,
            ([p, s], [q, t]) => q >= p && s == t,
            _ => false,
        },
        ("cidr", "inet") => old_mods.is_empty() && new_mods.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_names_tables_and_set_columns() {
        let of = |sql| reach(sql).map(|r| (r.tables, r.columns));
        let v = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            of("UPDATE ONLY s.\"T\" AS x SET a = 1, (b, c) = (2, f(3, 4)), d[1] = 0 FROM u"),
            Some((v(&["T"]), v(&["a", "b", "c", "d"])))
        );
        assert_eq!(of("DELETE FROM t"), Some((v(&["t"]), v(&[]))));
        assert_eq!(
            of("TRUNCATE TABLE a, ONLY b CASCADE"),
            Some((v(&["a", "b"]), v(&[])))
        );
        assert_eq!(
            of("DROP TABLE IF EXISTS a, s.b"),
            Some((v(&["a", "b"]), v(&[])))
        );
        assert_eq!(of("WITH x AS (SELECT 1) UPDATE t SET a = 1"), None);
    }

    fn replay(statements: &[&str]) -> (Schema, Vec<Applied>) {
        let mut schema = Schema::default();
        let applied = statements.iter().map(|s| schema.apply(s)).collect();
        (schema, applied)
    }

    #[test]
    fn types_follow_create_alter_rename_and_drop() {
        let (schema, applied) = replay(&[
            "CREATE TABLE IF NOT EXISTS public.\"Users\" (id serial PRIMARY KEY, name character varying(20) NOT NULL, price numeric(10, 2), CONSTRAINT k UNIQUE (name))",
            "ALTER TABLE \"Users\" ALTER COLUMN name TYPE varchar(40), ADD COLUMN note text DEFAULT 'x'",
            "ALTER TABLE \"Users\" RENAME COLUMN note TO remark",
            "ALTER TABLE \"Users\" RENAME TO people",
            "ALTER TABLE people ALTER price SET DATA TYPE numeric(12,2)",
        ]);
        assert_eq!(schema.column_type("people", "id"), Some("int4"));
        assert_eq!(schema.column_type("people", "name"), Some("varchar(40)"));
        assert_eq!(schema.column_type("people", "remark"), Some("text"));
        assert_eq!(schema.column_type("people", "k"), None);
        assert!(!schema.has_table("Users"));
        let change = &applied[1].type_changes[0];
        assert_eq!(
            (change.old.as_deref(), change.new.as_str()),
            (Some("varchar(20)"), "varchar(40)")
        );
        assert_eq!(
            &"ALTER TABLE \"Users\" ALTER COLUMN name TYPE varchar(40)"
                [change.span.0..change.span.1],
            "ALTER COLUMN name TYPE varchar(40)"
        );
        assert!(applied[1].type_changes[0].without_rewrite(false));
        assert!(applied[4].type_changes[0].without_rewrite(false));
        // An enum renamed aside and made again under its name (lemmy's
        // 0271): the column moves to another type, which rewrites it.
        let (_, applied) = replay(&[
            "CREATE TYPE sort AS ENUM ('a', 'b')",
            "CREATE TABLE s (k sort NOT NULL, ks sort[])",
            "ALTER TYPE sort RENAME TO sort__",
            "CREATE TYPE sort AS ENUM ('a')",
            "ALTER TABLE s ALTER COLUMN k TYPE sort USING k::text::sort, ALTER COLUMN ks TYPE sort[] USING ks::text[]::sort[]",
        ]);
        let changes = &applied[4].type_changes;
        assert_eq!(
            changes.iter().map(|c| c.old.as_deref()).collect::<Vec<_>>(),
            [Some("sort__"), Some("sort__[]")]
        );
        assert!(changes.iter().all(|c| !c.without_rewrite(false)));
        let (schema, _) = replay(&[
            "CREATE TABLE a (x int)",
            "DROP TABLE IF EXISTS b, a CASCADE",
        ]);
        assert!(!schema.has_table("a"));
    }

    #[test]
    fn rewrites_are_told_from_catalog_changes() {
        for (old, new, quiet) in [
            ("varchar(10)", "text", true),
            ("text", "varchar", true),
            ("text", "varchar(10)", false),
            ("varchar(10)", "varchar(5)", false),
            ("int4", "int8", false),
            ("numeric(10,2)", "numeric(12,2)", true),
            ("numeric(10,2)", "numeric(12,3)", false),
            ("timestamp", "timestamptz", false),
            ("uuid", "uuid", true),
            ("text[]", "varchar[]", false),
            ("cidr", "inet", true),
        ] {
            assert_eq!(no_rewrite(old, new), quiet, "{old} -> {new}");
        }
        let (_, applied) = replay(&[
            "CREATE TABLE t (a varchar(5), b int)",
            "ALTER TABLE t ALTER a TYPE text USING a || ''",
            "ALTER TABLE unknown ALTER a TYPE text",
        ]);
        assert!(!applied[1].type_changes[0].without_rewrite(false));
        assert!(!applied[2].type_changes[0].without_rewrite(false));
    }

    #[test]
    fn keys_indexes_and_not_null_are_known() {
        let (_, applied) = replay(&[
            "CREATE TABLE t (id bigint PRIMARY KEY, a timestamp, b timestamp NOT NULL, c timestamp, d timestamp, CONSTRAINT u UNIQUE (c))",
            "CREATE INDEX t_d ON ONLY t USING btree (lower(d::text))",
            "ALTER TABLE t ALTER COLUMN id SET NOT NULL, ALTER b SET NOT NULL, ALTER a SET NOT NULL",
            "ALTER TABLE t ALTER a TYPE timestamptz, ALTER c TYPE timestamptz, ALTER d TYPE timestamptz USING d::timestamptz",
            "ALTER TABLE t ALTER a TYPE timestamp USING a AT TIME ZONE 'UTC'",
        ]);
        assert_eq!(applied[2].already_not_null.len(), 2);
        let changes = &applied[3].type_changes;
        assert!(changes[0].without_rewrite(true) && !changes[0].without_rewrite(false));
        assert!(
            !changes[1].without_rewrite(true),
            "c is unique: its index is rebuilt"
        );
        assert!(
            !changes[2].without_rewrite(true),
            "d is in an index's expression"
        );
        assert_eq!(changes[2].using, Some(true));
        assert_eq!(applied[4].type_changes[0].using, Some(false));
        assert_eq!(sets_time_zone("SET LOCAL TIME ZONE 'UTC'"), Some(true));
        assert_eq!(
            sets_time_zone("set timezone to 'Europe/Paris'"),
            Some(false)
        );
        assert_eq!(sets_time_zone("SET search_path = x"), None);
    }

    #[test]
    fn foreign_keys_on_new_columns_without_default_are_not_scanned() {
        let (_, applied) = replay(&[
            "ALTER TABLE t ADD COLUMN u int REFERENCES u(id) ON DELETE CASCADE",
            "ALTER TABLE t ADD COLUMN u int DEFAULT 1 REFERENCES u(id)",
            "ALTER TABLE t ADD COLUMN u int REFERENCES u(id), ADD FOREIGN KEY (v) REFERENCES v(id)",
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES u(id)",
        ]);
        assert_eq!(applied[0].unchecked_foreign_keys.len(), 1);
        assert!(applied[1].unchecked_foreign_keys.is_empty());
        assert!(applied[2].unchecked_foreign_keys.is_empty());
        assert!(applied[3].unchecked_foreign_keys.is_empty());
    }
}
