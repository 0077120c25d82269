//! Lint rules over a migration's SQL (SPEC §9), one file per rule.
//!
//! Rules see the file's tokens and its statements through [`LintContext`];
//! the shared walking (a statement's words with their depth and span) lives
//! here, so rules only say what they look for.

mod destructive_statement;
pub mod ignore;
mod invisible_character;
mod missing_semicolon;
mod no_transaction_multiple_statements;
mod non_transactional_statement;
mod psql_meta_command;
pub mod schema;
pub mod squawk;
mod transaction_control;

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::line_index::LineIndex;

/// What a rule may look at besides the statement in hand.
pub struct LintContext<'a> {
    /// The path diagnostics name.
    pub path: &'a str,
    /// How messages name the migration (`migration 3 (0003_x.sql)`).
    pub label: &'a str,
    /// The file's text after a BOM.
    pub src: &'a str,
    /// Bytes before `src` in the contents (3 with a BOM, else 0).
    pub bom: usize,
    /// Positions in the whole contents.
    pub index: &'a LineIndex<'a>,
    /// Whether the migration runs in a transaction.
    pub transactional: bool,
    /// What the project says about linting.
    pub settings: &'a LintSettings,
    /// The schema the earlier migrations built.
    pub schema: &'a schema::Schema,
}

/// Whether a lint rule reads Down sections too (else only Up): squawk's
/// rules by their Down preset, ours all but `destructive-statement` (undoing
/// is a rollback's job) and `no-transaction-multiple-statements` (about Up).
pub fn runs_on_down(code: Code) -> bool {
    if code.is_squawk() || code.is_opt_in() {
        return squawk::in_down_preset(code);
    }
    !matches!(
        code,
        Code::DestructiveStatement | Code::NoTransactionMultipleStatements
    )
}

/// Project settings that change what the rules report
/// (`[migrations.lint]` in `kimberlite.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintSettings {
    /// The PostgreSQL version the migrations run on (`"16"`, `"15.4"`), as
    /// squawk's `--pg-version`: some operations stopped rewriting tables in
    /// later versions. `None`: squawk's default, 15.
    pub pg_version: Option<String>,
    /// The opt-in rules ([`Code::OPT_IN`]) the project turned on.
    pub opt_in: Vec<Code>,
    /// Leave out the rules that need squawk's parser ([`needs_parser`]):
    /// the token rules alone, for an editor's keystroke in a large file.
    pub without_parser: bool,
}

/// Whether a lint rule needs squawk's parser (squawk's rules,
/// `syntax-error` and `lint-skipped`), so that `without_parser` leaves it out.
pub fn needs_parser(code: Code) -> bool {
    matches!(code, Code::SyntaxError | Code::LintSkipped) || code.is_opt_in() || code.is_squawk()
}

impl LintContext<'_> {
    /// The text at `span` (offsets in the whole contents).
    pub fn text_of(&self, span: Span) -> &str {
        self.src
            .get(span.start.saturating_sub(self.bom)..span.end.saturating_sub(self.bom))
            .unwrap_or("")
    }

    /// `diagnostic` with the fix that runs the migration outside a
    /// transaction: `-- kimberlite:no-transaction` as the first line (after
    /// a BOM), in the file's own line ending.
    pub fn outside_transaction(&self, diagnostic: Diagnostic) -> Diagnostic {
        let eol = crate::line_index::eol_of(self.src);
        diagnostic.with_fix(
            "Run this migration outside a transaction (-- kimberlite:no-transaction)",
            [(
                Span::new(self.bom, self.bom),
                format!("-- kimberlite:no-transaction{eol}"),
            )],
            self.index,
        )
    }

    /// A finding at `span` (offsets in the whole contents).
    pub fn diagnostic(&self, code: Code, span: Span, message: String, help: &str) -> Diagnostic {
        Diagnostic::new(code, self.path, message)
            .with_span(span, self.index)
            .with_help(help)
    }
}

/// How many leading words of a statement the rules look at.
const LEADING: usize = 4;

/// One unquoted word of a statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Word<'a> {
    /// As written.
    pub text: &'a str,
    /// Parenthesis depth (0 at the statement's top level).
    pub depth: usize,
    /// Where it is in the whole contents.
    pub span: Span,
}

impl Word<'_> {
    /// Whether it is `keyword` (given in upper case), in any letter case.
    pub fn is(&self, keyword: &str) -> bool {
        self.text.eq_ignore_ascii_case(keyword)
    }
}

/// What the rules need to know of one statement's words, gathered word by
/// word as the statement is read, so that a statement of millions of words
/// takes no more memory than one of four.
#[derive(Debug, Default)]
pub struct Words<'a> {
    /// The first words, at any depth.
    leading: [Word<'a>; LEADING],
    count: usize,
    /// Some top-level `DROP` is followed by a top-level word that makes it
    /// drop a column (`ALTER TABLE t DROP c`, not `DROP CONSTRAINT`).
    drops_column: bool,
    previous_top_is_drop: bool,
    /// The statement's verb when it is `DELETE`, `UPDATE`, `INSERT`, `SELECT`
    /// or `MERGE`: its first word, or the first top-level one after `WITH`.
    verb: Option<Word<'a>>,
    /// A top-level `WHERE` after the verb.
    where_after_verb: bool,
    /// Any word is `CONCURRENTLY`.
    concurrently: bool,
    /// The last top-level word, and the last one before the first top-level
    /// `(`: a routine's name in `CREATE PROCEDURE p(` and `CALL s.p(`.
    last_top: Option<&'a str>,
    routine: Option<&'a str>,
    seen_paren: bool,
    /// The first `COMMIT` or `ROLLBACK` of a quoted body (`DO $$ ... $$`,
    /// `CREATE PROCEDURE ... AS $$ ... $$`), in the whole contents.
    body_commit: Option<(Span, &'a str)>,
}

impl<'a> Words<'a> {
    /// Reads the next word.
    pub fn push(&mut self, word: Word<'a>) {
        let first = self.count == 0;
        if let Some(slot) = self.leading.get_mut(self.count) {
            *slot = word;
        }
        self.count += 1;
        self.concurrently |= word.is("CONCURRENTLY");
        if word.depth != 0 {
            return;
        }
        self.last_top = Some(word.text);
        if self.previous_top_is_drop
            && !destructive_statement::NOT_COLUMNS
                .iter()
                .any(|k| word.is(k))
        {
            self.drops_column = true;
        }
        self.previous_top_is_drop = word.is("DROP");
        // The verb is the statement's: its first word, or the first after a
        // `WITH` list. A verb anywhere else is named, not done (`GRANT
        // DELETE`, `AFTER DELETE ON`, `FOR DELETE`, `ON DELETE CASCADE`).
        let leads = first || self.leading[0].is("WITH");
        match self.verb {
            None if leads && destructive_statement::VERBS.iter().any(|k| word.is(k)) => {
                self.verb = Some(word);
            }
            Some(_) if word.is("WHERE") => self.where_after_verb = true,
            _ => {}
        }
    }

    /// A `(` at `depth` (before it opens).
    pub fn open_paren(&mut self, depth: usize) {
        if depth == 0 && !self.seen_paren {
            self.seen_paren = true;
            self.routine = self.last_top;
        }
    }

    /// A quoted body (a dollar-quoted or string token): `text` between its
    /// quotes, which start `at` in the whole contents. Only a `DO` block's
    /// and a procedure's bodies are read.
    pub fn body(&mut self, text: &'a str, at: usize) {
        let runs_body = self.starts_with(&["DO"]) || self.defines_procedure();
        if !runs_body || self.body_commit.is_some() {
            return;
        }
        if let Some((start, end, word)) = transaction_control::in_body(text) {
            self.body_commit = Some((Span::new(at + start, at + end), word));
        }
    }

    fn defines_procedure(&self) -> bool {
        self.starts_with(&["CREATE", "PROCEDURE"])
            || self.starts_with(&["CREATE", "OR", "REPLACE", "PROCEDURE"])
    }

    /// The first words (at most four).
    pub fn leading(&self) -> &[Word<'a>] {
        &self.leading[..self.count.min(LEADING)]
    }

    /// Whether the statement starts with `expected` (keywords, any case),
    /// every one at the top level.
    pub fn starts_with(&self, expected: &[&str]) -> bool {
        let words = self.leading();
        words.len() >= expected.len()
            && words
                .iter()
                .zip(expected)
                .all(|(word, want)| word.is(want) && word.depth == 0)
    }

    /// The span from the first to the `count`-th word.
    pub fn span_of(&self, count: usize) -> Span {
        let words = self.leading();
        let last = count.clamp(1, words.len().max(1)) - 1;
        match (words.first(), words.get(last)) {
            (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
            _ => Span::default(),
        }
    }

    /// The first `count` words in upper case, joined with spaces (for messages).
    pub fn shown(&self, count: usize) -> String {
        self.leading()
            .iter()
            .take(count)
            .map(|w| w.text.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One statement as the rules see it.
#[derive(Debug)]
pub struct StatementView<'s, 'a> {
    /// In the Up section (else Down).
    pub is_up: bool,
    /// Where it is in the whole contents.
    pub span: Span,
    /// Whether a `;` ends it.
    pub terminated: bool,
    /// Its words.
    pub words: &'s Words<'a>,
}

/// Runs the rules over a file read one statement at a time.
pub struct Linter<'a> {
    context: LintContext<'a>,
    /// Whether the rules run at all.
    on: bool,
    found: Findings,
    up_statements: usize,
    second_up: Option<Span>,
    /// Procedures this file creates whose bodies end the transaction.
    committing_procedures: Vec<String>,
    /// What the Up section made so far.
    made: Made,
}

/// The tables an Up section created and the columns it added so far, on
/// top of what earlier files of the same change made (`earlier`, the
/// project's schema): data in them is the change's own, so emptying or
/// filling them destroys nothing that was there before.
#[derive(Debug, Default)]
pub struct Made {
    tables: schema::Schema,
    /// Tables a `DELETE` without `WHERE` or a `TRUNCATE` emptied: what
    /// they hold now is the migration's own (the emptying is reported).
    emptied: Vec<String>,
    /// What the section's statements so far copied into other tables.
    copied: Vec<schema::Copied>,
    /// The Up section's `destructive-statement` findings, held until the
    /// section ends: a `DROP TABLE` of tables the section makes again from
    /// a query (`CREATE TABLE t AS ...`) rebuilt them, and is not reported.
    /// Each with the tables it drops that are not made again yet (none for
    /// the other statements).
    pending: Vec<(Vec<String>, bool, Diagnostic)>,
}

impl Made {
    fn record(&mut self, sql: &str) {
        self.tables.apply(sql);
    }

    /// Records that the statement that `reach`es emptied its tables.
    pub fn emptied(&mut self, reach: schema::Reach) {
        self.emptied.extend(reach.tables);
    }

    /// Holds a `destructive-statement` finding until the section ends;
    /// `drops` are the tables of a `DROP TABLE` (empty for the others).
    pub fn hold(&mut self, drops: Vec<String>, diagnostic: Diagnostic) {
        let is_drop = !drops.is_empty();
        self.pending.push((drops, is_drop, diagnostic));
    }

    /// The section makes `table` again from a query: a `DROP TABLE` of it
    /// (and of nothing else not made again) earlier in the section rebuilt it.
    fn rebuilt(&mut self, table: &str) {
        for (drops, ..) in &mut self.pending {
            drops.retain(|t| t != table);
        }
        self.pending
            .retain(|(drops, is_drop, _)| !(*is_drop && drops.is_empty()));
    }

    /// Reports the findings held (see [`Made::hold`]), in the order found.
    fn release(&mut self, found: &mut Findings) {
        for (.., diagnostic) in self.pending.drain(..) {
            found.push(diagnostic);
        }
    }

    /// Records what a statement copied into other tables.
    fn copied(&mut self, copied: schema::Copied) {
        self.copied.push(copied);
    }

    /// Whether what a statement destroys was copied elsewhere before it in
    /// the section: every table of `reach` whose rows it drops or empties
    /// (`whole`) copied whole, or every column in `columns` (of `reach`'s
    /// one table) copied by name or with whole rows.
    /// `earlier`: the schema before the file, for the columns the change
    /// added (NULL in every row, so `WHERE c IS NULL` leaves none out).
    pub fn moved(
        &self,
        reach: &schema::Reach,
        whole: bool,
        columns: &[String],
        earlier: &schema::Schema,
    ) -> bool {
        let added = |table: &str, column: &str| {
            self.tables.change_added(table, column) || earlier.change_added(table, column)
        };
        // This file's copies, and those of the change's earlier files.
        let copies = || self.copied.iter().chain(earlier.change_copied());
        if whole {
            return !reach.tables.is_empty()
                && reach
                    .tables
                    .iter()
                    .all(|t| copies().any(|c| c.rows_of(t, &added)));
        }
        match reach.tables.as_slice() {
            [table] if !columns.is_empty() => columns
                .iter()
                .all(|column| copies().any(|c| c.column_of(table, column, &added))),
            _ => false,
        }
    }

    /// Whether `reach` only touches what the change made: tables it
    /// created, or columns it added (an `UPDATE` that fills a new column).
    pub fn holds(&self, reach: &schema::Reach, earlier: &schema::Schema) -> bool {
        let made = [&self.tables, earlier];
        let new_tables = reach
            .tables
            .iter()
            .all(|t| self.emptied.contains(t) || made.iter().any(|m| m.change_created(t)));
        let new_columns = match reach.tables.as_slice() {
            [table] if !reach.columns.is_empty() => reach
                .columns
                .iter()
                .all(|c| made.iter().any(|m| m.change_added(table, c))),
            _ => false,
        };
        new_tables || new_columns
    }
}

impl<'a> Linter<'a> {
    /// A linter for one file; with `on` unset, one that reports nothing.
    pub fn new(context: LintContext<'a>, on: bool) -> Linter<'a> {
        Linter {
            context,
            on,
            found: Findings::default(),
            up_statements: 0,
            second_up: None,
            committing_procedures: Vec::new(),
            made: Made::default(),
        }
    }

    /// A word of the statement being read (`span` in the whole contents).
    pub fn word(&mut self, word: &Word<'a>) {
        if !self.on {
            return;
        }
        invisible_character::check(&self.context, word, &mut self.found);
    }

    /// A `\` token at `start` (an offset in `src`).
    pub fn backslash(&mut self, start: usize) {
        if !self.on {
            return;
        }
        psql_meta_command::check(&self.context, start, &mut self.found);
    }

    /// A whole statement.
    pub fn statement(&mut self, statement: &StatementView<'_, 'a>) {
        if !self.on {
            return;
        }
        if statement.is_up {
            self.up_statements += 1;
            if self.up_statements == 2 {
                self.second_up = Some(statement.span);
            }
        }
        let words = statement.words;
        let (context, found) = (&self.context, &mut self.found);
        if let Some((span, word)) = words.body_commit {
            if words.starts_with(&["DO"]) {
                transaction_control::check_body(
                    context,
                    span,
                    transaction_control::Body::Do(word),
                    found,
                );
            } else if let Some(name) = words.routine {
                self.committing_procedures.push(name.to_ascii_lowercase());
            }
        }
        if words.starts_with(&["CALL"])
            && let Some(name) = words.routine
            && self
                .committing_procedures
                .contains(&name.to_ascii_lowercase())
        {
            transaction_control::check_body(
                context,
                statement.span,
                transaction_control::Body::Call(name),
                found,
            );
        }
        transaction_control::check(context, statement, found);
        non_transactional_statement::check(context, statement, found);
        destructive_statement::check(context, statement, &mut self.made);
        let makes_table = words.starts_with(&["ALTER", "TABLE"])
            || (words.starts_with(&["CREATE"]) && words.leading().iter().any(|w| w.is("TABLE")));
        if statement.is_up && makes_table {
            self.made.record(context.text_of(statement.span));
        }
        // Rows copied into other tables: what the section drops after is moved, not lost.
        let creates_table = makes_table && words.starts_with(&["CREATE"]);
        let may_copy = creates_table
            || words.starts_with(&["DO"])
            || words.starts_with(&["WITH"])
            || words
                .verb
                .is_some_and(|verb| verb.is("INSERT") || verb.is("UPDATE"));
        if statement.is_up
            && may_copy
            && let Some(copied) = schema::copies(context.text_of(statement.span))
        {
            self.made.copied(copied);
        }
        if statement.is_up
            && creates_table
            && let Some(table) = schema::made_from_query(context.text_of(statement.span))
        {
            self.made.rebuilt(&table);
        }
        // The Up section ended: what it held is reported.
        if !statement.is_up {
            self.made.release(found);
        }
        missing_semicolon::check(context, statement, found);
    }

    /// Whether any finding so far has a code that `matches`.
    pub fn found_any(&self, matches: impl Fn(Code) -> bool) -> bool {
        self.found.any(matches)
    }

    /// squawk's rules over a whole section (see [`squawk::check_section`]).
    pub fn section(&mut self, text: &str, at: usize, is_up: bool, syntax: bool) {
        if !self.on || self.context.settings.without_parser {
            return;
        }
        squawk::check_section(&self.context, text, at, is_up, syntax, &mut self.found);
    }

    /// The findings, rule by rule, each rule's in file order.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        if !self.on {
            return Vec::new();
        }
        self.made.release(&mut self.found);
        no_transaction_multiple_statements::check(
            &self.context,
            self.up_statements,
            self.second_up,
            &mut self.found,
        );
        // Our rules in their order, then squawk's in table order.
        self.found.sort_by_key(|code| {
            RULE_ORDER
                .iter()
                .position(|c| *c == code)
                .unwrap_or(RULE_ORDER.len() + code as usize)
        });
        self.found.finish(self.context.label)
    }
}

/// The order findings are listed in: rule by rule.
const RULE_ORDER: &[Code] = &[
    Code::TransactionControl,
    Code::NonTransactionalStatement,
    Code::NoTransactionMultipleStatements,
    Code::DestructiveStatement,
    Code::MissingSemicolon,
    Code::PsqlMetaCommand,
    Code::InvisibleCharacter,
];

/// How many findings of one code a file lists; the rest are counted in one
/// more finding. A file of 700,000 psql commands would otherwise make
/// 700,000 findings (about 1.8 GB for 2 MB of input).
pub const MAX_FINDINGS_PER_CODE: usize = 100;

/// What the rules found in one file: at most [`MAX_FINDINGS_PER_CODE`] of
/// each code, and how many more there were.
#[derive(Debug, Default)]
pub struct Findings {
    kept: Vec<Diagnostic>,
    /// Per code: how many were found, and the first one not kept.
    counts: Vec<(Code, usize, Option<Diagnostic>)>,
}

impl Findings {
    /// Adds a finding, or counts it once its code has enough.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let at = match self
            .counts
            .iter()
            .position(|(code, ..)| *code == diagnostic.code)
        {
            Some(at) => at,
            None => {
                self.counts.push((diagnostic.code, 0, None));
                self.counts.len() - 1
            }
        };
        let (_, count, first_dropped) = &mut self.counts[at];
        *count += 1;
        if *count <= MAX_FINDINGS_PER_CODE {
            self.kept.push(diagnostic);
        } else if first_dropped.is_none() {
            *first_dropped = Some(diagnostic);
        }
    }

    /// Whether any finding so far has a code that `matches`.
    pub fn any(&self, matches: impl Fn(Code) -> bool) -> bool {
        self.counts.iter().any(|(code, ..)| matches(*code))
    }

    /// Whether another finding of `code` would be listed or would be the
    /// first one counted: when not, it need not be made at all.
    pub fn wants(&self, code: Code) -> bool {
        self.counts
            .iter()
            .find(|(c, ..)| *c == code)
            .is_none_or(|(_, _, first_dropped)| first_dropped.is_none())
    }

    /// Counts a finding of `code` that was not made because it would not
    /// be listed (see [`Findings::wants`]).
    pub fn count(&mut self, code: Code) {
        self.count_more(code, 1);
    }

    fn count_more(&mut self, code: Code, more: usize) {
        if let Some((_, count, _)) = self.counts.iter_mut().find(|(c, ..)| *c == code) {
            *count += more;
        }
    }

    /// Orders the findings kept, and the counts, by `key` of their code
    /// (stable: findings of one code stay in the order they were found).
    pub fn sort_by_key<K: Ord>(&mut self, key: impl Fn(Code) -> K) {
        self.kept.sort_by_key(|d| key(d.code));
        self.counts.sort_by_key(|(code, ..)| key(*code));
    }

    /// Adds every finding of `other` after these.
    pub fn append(&mut self, other: Findings) {
        for diagnostic in other.kept {
            self.push(diagnostic);
        }
        for (code, count, first_dropped) in other.counts {
            let Some(first_dropped) = first_dropped else {
                continue;
            };
            self.push(first_dropped);
            self.count_more(code, count - MAX_FINDINGS_PER_CODE - 1);
        }
    }

    /// The findings kept, then one per code that had more, placed at the
    /// first one left out.
    pub fn finish(mut self, label: &str) -> Vec<Diagnostic> {
        for (code, count, first_dropped) in self.counts {
            let Some(first) = first_dropped else { continue };
            let more = count - MAX_FINDINGS_PER_CODE;
            self.kept.push(Diagnostic {
                message: format!(
                    "{label} has {more} more `{}` findings from here on; only the first {MAX_FINDINGS_PER_CODE} are listed one by one.",
                    code.as_str()
                ),
                ..first
            });
        }
        self.kept
    }
}
