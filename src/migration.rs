//! One migration file: name, text -> [`Migration`] (SPEC §3).
//!
//! The file name gives the id and slug; the leading block gives metadata and
//! directives; the lexer finds the section markers and the statements.

use crate::checksum::{body_start, checksum_without_bom, is_header_line, lines_with_offsets};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::line_index::{LineIndex, Range};
use crate::rfc3339;
use crate::sql::lexer::{Lexer, Token, TokenKind};
use crate::sql::split::{Keywords, split};

/// The largest file split into statements (64 MiB): what the 4 GiB of a
/// wasm32 module holds with room to spare. A larger one is `file-too-large`.
pub const MAX_PARSED_BYTES: usize = 64 << 20;

/// The exact marker text Kimberlite's CLI searches the body for.
const KIMBERLITE_DOWN_MARKER: &str = "-- Down Migration";

/// One SQL statement of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text, from its first token to its `;` (inclusive),
    /// with each `\r\n` turned into `\n`: the text Kimberlite's CLI sends.
    pub text: String,
    /// Byte offsets in the file's contents.
    pub span: Span,
    /// LSP range in the file.
    pub range: Range,
    /// The first words, as ranges in `text`; see [`Statement::keywords`].
    pub keyword_ranges: Keywords,
    /// Whether the statement ends with `;`.
    pub terminated: bool,
    /// Codes silenced for this statement by `-- kimberlite:ignore`.
    pub ignored: Vec<Code>,
    /// Its tokens, as indices into the file's tokens (lexed after any BOM).
    pub tokens: std::ops::Range<usize>,
}

impl Statement {
    /// The first keywords, uppercased (`["CREATE", "INDEX", "CONCURRENTLY"]`).
    pub fn keywords(&self) -> Vec<String> {
        self.keyword_ranges.read(&self.text)
    }
}

/// Directives from the leading block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Directives {
    /// `-- kimberlite:no-transaction`: run outside a transaction.
    pub no_transaction: bool,
    /// `-- kimberlite:ignore-file <codes>`: codes silenced for the whole file.
    pub ignore_file: Vec<Code>,
}

/// A parsed migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The path the caller gave.
    pub path: String,
    /// The file name (the last path component).
    pub file_name: String,
    /// The id from the file name; `None` when the name is invalid.
    pub id: Option<u32>,
    /// The slug from the file name.
    pub slug: Option<String>,
    /// What the lock records: the `Migration:` title, else the slug.
    pub name: String,
    /// The `Migration:` title, when there is one.
    pub title: Option<String>,
    /// The `Created:` date and time, when present and valid RFC 3339.
    pub created: Option<String>,
    /// The `Author:`, when present and not empty.
    pub author: Option<String>,
    /// The Kimberlite-compatible checksum; `None` for invalid UTF-8.
    pub checksum: Option<String>,
    /// Directives from the leading block.
    pub directives: Directives,
    /// The Up statements.
    pub up: Vec<Statement>,
    /// The Down statements; `None` when there is no Down marker.
    pub down: Option<Vec<Statement>>,
    /// Where the checksummed body lies in the contents (for highlighting an edit).
    pub body_span: Option<Span>,
    /// The LSP range of `body_span`.
    pub body_range: Option<Range>,
    /// This file's own findings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Migration {
    /// How messages name this migration: `migration 3 (0003_add_email.sql)`.
    pub fn label(&self) -> String {
        describe(self.id, &self.file_name)
    }

    /// Whether the migration runs inside a transaction.
    pub fn transactional(&self) -> bool {
        !self.directives.no_transaction
    }
}

/// How messages name a migration: by id and file name when both are known.
pub fn describe(id: Option<u32>, file_name: &str) -> String {
    match id {
        Some(id) => format!("migration {id} ({file_name})"),
        None => file_name.to_string(),
    }
}

/// The last component of a path, splitting on `/` and `\`.
pub fn file_name_of(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A valid migration file name's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileName<'a> {
    /// The id's value.
    pub id: u32,
    /// The id as written (`0001`).
    pub id_text: &'a str,
    /// The slug.
    pub slug: &'a str,
}

/// Parses `<id>_<slug>.sql`; `None` when the name is not of that form.
pub fn parse_file_name(file_name: &str) -> Option<FileName<'_>> {
    let stem = file_name.strip_suffix(".sql")?;
    let (id_text, slug) = stem.split_once('_')?;
    if id_text.is_empty() || !id_text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if slug.is_empty()
        || !slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    let id: u32 = id_text.parse().ok()?;
    (id >= 1).then_some(FileName { id, id_text, slug })
}

/// Parses one migration file. Never panics; problems become diagnostics.
pub fn parse_migration(path: &str, contents: &[u8]) -> Migration {
    parse(path, contents, true)
}

/// [`parse_migration`] without the checksum (`checksum` is `None`): for
/// linting a file, where hashing it would be work thrown away (in a
/// short-lived process, SHA-256 not yet optimised by the engine was about a
/// third of `kmb migration lint`'s time).
pub fn lint_migration(path: &str, contents: &[u8]) -> Migration {
    parse(path, contents, false)
}

fn parse(path: &str, contents: &[u8], hash: bool) -> Migration {
    let file_name = file_name_of(path).to_string();
    let mut diagnostics = Vec::new();
    let parsed_name = parse_file_name(&file_name);
    let (id, slug) = match parsed_name {
        Some(name) => (Some(name.id), Some(name.slug.to_string())),
        None => (None, None),
    };
    let fallback_name = slug.clone().unwrap_or_else(|| {
        file_name
            .strip_suffix(".sql")
            .unwrap_or(&file_name)
            .to_string()
    });
    let label = describe(id, &file_name);
    match parsed_name {
        None => diagnostics.push(
            Diagnostic::new(
                Code::InvalidFilename,
                path,
                format!("{file_name} is not a migration file name: expected `<id>_<slug>.sql`, such as `0001_create_users.sql`."),
            )
            .with_help("Rename the file to `<id>_<slug>.sql`: the id is 1 to 4294967295 written with four digits or more (`0001`), the slug uses ASCII letters, digits, `_` and `-`.")
            .at_file_start(),
        ),
        Some(name) if name.id_text != format!("{:04}", name.id) => diagnostics.push(
            Diagnostic::new(
                Code::NonstandardIdWidth,
                path,
                format!("The id of {label} is written `{}`; Kimberlite writes it `{:04}`.", name.id_text, name.id),
            )
            .with_help(format!("Rename the file to `{:04}_{}.sql` before it is applied anywhere.", name.id, name.slug))
            .at_file_start(),
        ),
        Some(_) => {}
    }

    let mut migration = Migration {
        path: path.to_string(),
        file_name,
        id,
        slug,
        name: fallback_name,
        title: None,
        created: None,
        author: None,
        checksum: None,
        directives: Directives::default(),
        up: Vec::new(),
        down: None,
        body_span: None,
        body_range: None,
        diagnostics,
    };

    let Ok(full_text) = std::str::from_utf8(contents) else {
        let error = std::str::from_utf8(contents).err();
        let at = error.map_or(0, |e| e.valid_up_to());
        let line = contents[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let mut diagnostic = Diagnostic::new(
            Code::InvalidUtf8,
            path,
            format!("{label} is not valid UTF-8 (first bad byte at offset {at}, line {line}), so it has no checksum."),
        )
        .with_help("Save the file as UTF-8 in your editor, or convert it with `iconv -f <encoding> -t UTF-8`.");
        diagnostic.span = Some(Span::new(at, at + 1));
        migration.diagnostics.push(diagnostic);
        return migration;
    };
    if full_text.len() > MAX_PARSED_BYTES {
        // Hashing is cheap and streams; statements, tokens and positions
        // take about 40 bytes a byte, more than a 32-bit module has.
        if hash {
            migration.checksum = Some(crate::checksum::checksum_text(full_text));
        }
        migration.diagnostics.push(
            Diagnostic::new(
                Code::FileTooLarge,
                path,
                format!(
                    "{label} is {} MiB, more than the {} MiB this tool splits into statements, so it was not checked or split.",
                    full_text.len() >> 20,
                    MAX_PARSED_BYTES >> 20
                ),
            )
            .with_help("Split it into several migrations, or load bulk data with `COPY` from a file the database server reads.")
            .at_file_start(),
        );
        return migration;
    }
    Parser::new(path, full_text, &label, &mut migration).run(hash);
    let silencer = Silencer::of(&migration);
    migration.diagnostics.retain(|d| !silencer.silences(d));
    migration
}

/// A file's ignore comments: `ignore-file` codes, and `ignore` codes per statement.
#[derive(Debug, Clone, Default)]
pub struct Silencer {
    path: String,
    file_codes: Vec<Code>,
    statements: Vec<(Span, Vec<Code>)>,
}

impl Silencer {
    /// The ignore comments of a parsed migration.
    pub fn of(migration: &Migration) -> Silencer {
        Silencer {
            path: migration.path.clone(),
            file_codes: migration.directives.ignore_file.clone(),
            statements: migration
                .up
                .iter()
                .chain(migration.down.iter().flatten())
                .filter(|s| !s.ignored.is_empty())
                .map(|s| (s.span, s.ignored.clone()))
                .collect(),
        }
    }

    /// Whether they silence `diagnostic`: it is about this file and its code
    /// is ignored for the file, or for the statement its span starts in.
    pub fn silences(&self, diagnostic: &Diagnostic) -> bool {
        if diagnostic.file != self.path || !diagnostic.code.is_silenceable() {
            return false;
        }
        if self.file_codes.contains(&diagnostic.code) {
            return true;
        }
        let Some(span) = diagnostic.span else {
            return false;
        };
        self.statements.iter().any(|(statement, codes)| {
            codes.contains(&diagnostic.code)
                && span.start >= statement.start
                && span.start <= statement.end
        })
    }
}

/// The state of parsing one decoded file.
struct Parser<'a, 'm> {
    path: &'a str,
    /// The text after a BOM; token offsets are relative to it.
    src: &'a str,
    /// The byte length of the BOM (0 or 3): added to `src` offsets for spans.
    bom: usize,
    index: LineIndex<'a>,
    label: &'a str,
    migration: &'m mut Migration,
    /// The file's own findings, at most so many of one code (as for lint).
    findings: crate::lint::Findings,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    Up,
    Down,
}

impl<'a, 'm> Parser<'a, 'm> {
    fn new(
        path: &'a str,
        full_text: &'a str,
        label: &'a str,
        migration: &'m mut Migration,
    ) -> Parser<'a, 'm> {
        let bom = if full_text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        Parser {
            path,
            src: &full_text[bom..],
            bom,
            index: LineIndex::new(full_text),
            label,
            migration,
            findings: crate::lint::Findings::default(),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(start + self.bom, end + self.bom)
    }

    fn push(&mut self, code: Code, start: usize, end: usize, message: String, help: String) {
        let diagnostic = Diagnostic::new(code, self.path, message)
            .with_span(self.span(start, end), &self.index)
            .with_help(help);
        self.findings.push(diagnostic);
    }

    fn run(mut self, hash: bool) {
        let label = self.label;
        if self.bom > 0 {
            let diagnostic = Diagnostic::new(
                Code::Bom,
                self.path,
                format!("{label} starts with a UTF-8 byte order mark, which Kimberlite's CLI reads as text: it would see no header in the first line and compute another checksum."),
            )
            .with_span(Span::new(0, 3), &self.index)
            .with_help("Save the file as UTF-8 without a BOM (in VS Code: the encoding button in the status bar, then \"Save with Encoding\", \"UTF-8\").");
            self.migration.diagnostics.push(diagnostic);
        }
        if hash {
            self.migration.checksum = Some(checksum_without_bom(self.src));
        }
        let body = body_start(self.src);
        let body_span = self.span(body, self.src.len());
        self.migration.body_span = Some(body_span);
        self.migration.body_range = Some(self.index.range(body_span));
        self.read_leading_block(body);

        let mut tokens = tokenize_file(self.src, body);
        self.report_unterminated(&tokens);
        self.read_stray_directives(&tokens, body);
        self.read_sections(&mut tokens, body);
        let context = crate::lint::LintContext {
            path: self.path,
            label: self.label,
            src: self.src,
            bom: self.bom,
            tokens: &tokens,
            index: &self.index,
            transactional: !self.migration.directives.no_transaction,
            up: &self.migration.up,
            down: self.migration.down.as_deref(),
            walked: Default::default(),
        };
        let found = crate::lint::lint(&context);
        let own = std::mem::take(&mut self.findings).finish(self.label);
        self.migration.diagnostics.extend(own);
        self.migration.diagnostics.extend(found);
    }

    /// Metadata and directives: the lines before the body.
    fn read_leading_block(&mut self, body: usize) {
        let label = self.label;
        for (offset, line) in lines_with_offsets(self.src) {
            if offset >= body || !is_header_line(line) {
                break;
            }
            let trimmed = line.trim();
            if !trimmed.starts_with("--") {
                continue;
            }
            let start = offset + (line.len() - line.trim_start().len());
            let end = start + trimmed.len();
            let comment = trimmed.trim_start_matches("--").trim();
            if let Some(directive) = comment.strip_prefix("kimberlite:") {
                self.read_directive(directive, start, end);
                continue;
            }
            if let Some(title) = comment.strip_prefix("Migration:") {
                self.migration.title = Some(title.trim().to_string());
            } else if let Some(created) = comment.strip_prefix("Created:") {
                let created = created.trim();
                if rfc3339::is_valid(created) {
                    self.migration.created = Some(created.to_string());
                } else {
                    self.migration.created = None;
                    self.push(
                        Code::InvalidCreated,
                        start,
                        end,
                        format!("The `Created:` header of {label} is `{created}`, which is not an RFC 3339 date and time; the migration has no creation date."),
                        "Write it like `-- Created: 2026-11-24T09:30:00Z`.".to_string(),
                    );
                }
            } else if let Some(author) = comment.strip_prefix("Author:") {
                let author = author.trim();
                self.migration.author = (!author.is_empty()).then(|| author.to_string());
            } else {
                for key in ["Migration:", "Created:", "Author:"] {
                    let near_miss = comment
                        .get(..key.len())
                        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(key));
                    if near_miss {
                        let written = &comment[..key.len()];
                        self.push(
                            Code::MetadataKeyCase,
                            start,
                            end,
                            format!("{label} has a `{written}` header, which Kimberlite ignores: header keys are case-sensitive."),
                            format!("Write it as `-- {key} ...`."),
                        );
                    }
                }
            }
        }
        if let Some(title) = &self.migration.title {
            self.migration.name = title.clone();
        }
    }

    /// One `-- kimberlite:<name> <args>` comment of the leading block.
    fn read_directive(&mut self, directive: &str, start: usize, end: usize) {
        let label = self.label;
        let (name, args) = directive
            .split_once(char::is_whitespace)
            .unwrap_or((directive, ""));
        match name {
            "no-transaction" => self.migration.directives.no_transaction = true,
            "ignore-file" => {
                let codes = self.read_codes(args, start, end);
                self.migration.directives.ignore_file.extend(codes);
            }
            "ignore" => {
                // Applies to the next statement; read with the statements.
            }
            _ => self.push(
                Code::UnknownDirective,
                start,
                end,
                format!("{label} has an unknown directive `kimberlite:{name}`, which has no effect."),
                "The directives are `-- kimberlite:no-transaction`, `-- kimberlite:ignore <codes>` and `-- kimberlite:ignore-file <codes>`.".to_string(),
            ),
        }
    }

    /// The codes of an ignore directive; unknown ones are reported.
    fn read_codes(&mut self, args: &str, start: usize, end: usize) -> Vec<Code> {
        let label = self.label;
        let mut codes = Vec::new();
        for name in args
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|name| !name.is_empty())
        {
            match Code::parse(name) {
                Some(code) if code.is_silenceable() => codes.push(code),
                Some(code) => self.push(
                    Code::IgnoreNotAllowed,
                    start,
                    end,
                    format!("{label} asks to ignore `{name}`, which nothing may silence: it is {}; the comment has no effect for it.", code.silencing_reason()),
                    format!("Remove `{name}` from the comment and fix what the finding reports; only lint rules and style findings can be ignored."),
                ),
                None => self.push(
                    Code::UnknownCode,
                    start,
                    end,
                    format!("{label} names `{name}` in an ignore comment, which is not a diagnostic code."),
                    "Check the spelling: codes are kebab-case, such as `destructive-statement`.".to_string(),
                ),
            }
        }
        codes
    }

    /// `-- kimberlite:` comments after the leading block: only `ignore` works there.
    fn read_stray_directives(&mut self, tokens: &[Token], body: usize) {
        let label = self.label;
        for token in tokens
            .iter()
            .filter(|t| t.kind == TokenKind::LineComment && t.start >= body)
        {
            let comment = self.src[token.start..token.end]
                .trim_start_matches('-')
                .trim();
            let Some(directive) = comment.strip_prefix("kimberlite:") else {
                continue;
            };
            let name = directive.split(char::is_whitespace).next().unwrap_or("");
            if name != "ignore" {
                self.push(
                    Code::UnknownDirective,
                    token.start,
                    token.end,
                    format!("The directive `kimberlite:{name}` in {label} comes after the first SQL line, so it has no effect."),
                    "Move it to the comment block at the top of the file, before any SQL.".to_string(),
                );
            }
        }
    }

    fn report_unterminated(&mut self, tokens: &[Token]) {
        let label = self.label;
        for token in tokens.iter().filter(|t| t.unterminated) {
            let text = &self.src[token.start..token.end];
            let first_line_end = token.start + text.find(['\n', '\r']).unwrap_or(text.len());
            let (code, what, help) = match token.kind {
                TokenKind::BlockComment => (
                    Code::UnterminatedComment,
                    "a `/*` comment that never ends",
                    "Close it with `*/`; block comments nest, so each `/*` inside needs its own `*/`.",
                ),
                TokenKind::DollarQuoted => (
                    Code::UnterminatedDollarQuote,
                    "a dollar-quoted body that never ends",
                    "Close the body with the same `$tag$` that opens it.",
                ),
                _ => (
                    Code::UnterminatedString,
                    "a quoted string or identifier that never ends",
                    "Close the quote; inside a string write a quote twice (`''`) to include one.",
                ),
            };
            self.push(
                code,
                token.start,
                first_line_end,
                format!("{label} has {what}, so everything after it is part of it."),
                help.to_string(),
            );
        }
    }

    /// Finds the markers, checks them against Kimberlite's split, and splits
    /// each section into statements.
    fn read_sections(&mut self, tokens: &mut [Token], body: usize) {
        let label = self.label;
        let mut up_marker: Option<usize> = None;
        let mut down_marker: Option<usize> = None;
        for (position, token) in tokens.iter().enumerate() {
            if token.kind != TokenKind::LineComment || !self.starts_line(token.start) {
                continue;
            }
            let Some(marker) = marker_kind(&self.src[token.start..token.end]) else {
                continue;
            };
            let slot = match marker {
                Marker::Up => &mut up_marker,
                Marker::Down => &mut down_marker,
            };
            match *slot {
                None => *slot = Some(position),
                Some(first) => {
                    let name = if marker == Marker::Up { "Up" } else { "Down" };
                    let first_line = self.index.position(tokens[first].start + self.bom).line + 1;
                    self.push(
                        Code::DuplicateMarker,
                        token.start,
                        token.end,
                        format!("{label} has a second `-- {name} Migration` marker (the first is on line {first_line})."),
                        format!("Keep one `-- {name} Migration` marker and remove the other."),
                    );
                }
            }
        }

        let down_start = down_marker.unwrap_or(tokens.len());
        if let (Some(up), Some(down)) = (up_marker, down_marker)
            && up > down
        {
            let token = tokens[up];
            self.push(
                Code::MisplacedMarker,
                token.start,
                token.end,
                format!("The `-- Up Migration` marker of {label} comes after its `-- Down Migration` marker."),
                "Put the Up section first, then the Down section.".to_string(),
            );
        }

        // Kimberlite trims white space, Unicode's included, from both ends of
        // each section it sends. Its sections end where it splits, which is
        // where ours do unless `misplaced-marker` says otherwise.
        let kimberlite_down = self.src[body..]
            .find(KIMBERLITE_DOWN_MARKER)
            .map(|at| body + at);
        let same_split = down_marker.map(|m| tokens[m].start) == kimberlite_down;
        let body_token = tokens.partition_point(|t| t.start < body).min(down_start);
        let up = &mut tokens[body_token..down_start];
        trim_unicode_blanks(up, self.src, kimberlite_down.is_none(), same_split);
        if let Some(down) = down_marker {
            trim_unicode_blanks(&mut tokens[down + 1..], self.src, same_split, true);
        }
        let tokens: &[Token] = tokens;
        let up_statements = self.statements(tokens, 0, down_start);
        if let Some(up) = up_marker.filter(|&up| up < down_start)
            && let Some(first) = up_statements.first()
            && first.span.start < tokens[up].start + self.bom
        {
            let token = tokens[up];
            self.push(
                Code::MisplacedMarker,
                token.start,
                token.end,
                format!("{label} has SQL before its `-- Up Migration` marker; both tools run it as part of Up."),
                "Move the SQL below the `-- Up Migration` marker, or remove the marker.".to_string(),
            );
        }
        if up_statements.is_empty() {
            let (start, end) = up_marker.map_or((0, 0), |m| (tokens[m].start, tokens[m].end));
            self.push(
                Code::EmptyMigration,
                start,
                end,
                format!("The Up section of {label} has no SQL statement."),
                "Add the SQL this migration should run under `-- Up Migration`, or delete the file if it is not needed.".to_string(),
            );
        }
        self.migration.up = up_statements;

        match down_marker {
            Some(down) => {
                let statements = self.statements(tokens, down + 1, tokens.len());
                if statements.is_empty() {
                    let token = tokens[down];
                    self.push(
                        Code::EmptyDown,
                        token.start,
                        token.end,
                        format!("The Down section of {label} has no SQL statement, so rolling it back would do nothing."),
                        "Write the SQL that undoes the Up section under `-- Down Migration`, or remove the marker to declare the migration irreversible.".to_string(),
                    );
                }
                self.migration.down = Some(statements);
            }
            None => {
                let (start, end) = up_marker.map_or((0, 0), |m| (tokens[m].start, tokens[m].end));
                self.push(
                    Code::MissingDown,
                    start,
                    end,
                    format!("{label} has no `-- Down Migration` section, so it cannot be rolled back."),
                    "Add `-- Down Migration` followed by the SQL that undoes this migration, if it can be undone.".to_string(),
                );
            }
        }
        let down_has_sql = self
            .migration
            .down
            .as_ref()
            .is_some_and(|down| !down.is_empty());
        self.check_kimberlite_split(tokens, down_marker, kimberlite_down, down_has_sql);
    }

    /// Kimberlite's CLI splits Up from Down at the first `-- Down Migration`
    /// text in the body, wherever it is. Where that differs from the marker
    /// this tool found, the two tools would run different SQL.
    /// A Down marker Kimberlite does not see only matters when SQL follows
    /// it: that SQL would run as part of Up.
    fn check_kimberlite_split(
        &mut self,
        tokens: &[Token],
        down_marker: Option<usize>,
        kimberlite: Option<usize>,
        down_has_sql: bool,
    ) {
        let label = self.label;
        let ours = down_marker.map(|m| tokens[m]);
        match (kimberlite, ours) {
            (Some(at), Some(marker)) if at == marker.start => {
                // Kimberlite skips the marker's whole line, up to a `\n`: SQL
                // after a lone `\r` there is run by this tool only.
                let line_end = self.src[marker.end..]
                    .find('\n')
                    .map_or(self.src.len(), |newline| marker.end + newline);
                let skipped_sql: Vec<&Token> = tokens
                    .iter()
                    .skip_while(|t| t.start < marker.end)
                    .take_while(|t| t.start < line_end)
                    .filter(|t| !t.is_trivia())
                    .collect();
                if let (Some(first), Some(last)) = (skipped_sql.first(), skipped_sql.last()) {
                    self.push(
                        Code::MisplacedMarker,
                        first.start,
                        last.end.min(line_end),
                        format!("Kimberlite's CLI would not run this text after a lone carriage return on the `-- Down Migration` line of {label}: it skips the marker's line up to a line feed, so the two tools would run different SQL."),
                        "Put the SQL on a line of its own, and save the file with `\n` or `\r\n` line endings.".to_string(),
                    );
                }
            }
            (Some(at), _) => self.push(
                Code::MisplacedMarker,
                at,
                at + KIMBERLITE_DOWN_MARKER.len(),
                format!("Kimberlite's CLI would split {label} at this `-- Down Migration` text, which is not a marker line here (it is inside a line, string or comment), so the two tools would run different SQL."),
                "Reword this text (for example `-- down migration:` in lower case inside comments), or put the marker on a line of its own.".to_string(),
            ),
            (None, Some(marker)) if down_has_sql => self.push(
                Code::MisplacedMarker,
                marker.start,
                marker.end,
                format!("Kimberlite's CLI would not see this Down marker of {label} (it looks for `-- Down Migration` exactly, after the first SQL line), so it would run the Down statements as part of Up."),
                "Write the marker exactly as `-- Down Migration`, below the Up statements.".to_string(),
            ),
            (None, _) => {}
        }
    }

    /// Whether only spaces and tabs stand between the line start and `at`.
    fn starts_line(&self, at: usize) -> bool {
        let before = &self.src[..at];
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        before[line_start..].chars().all(char::is_whitespace)
    }

    /// The statements of `tokens[from..to]`, with their ignore comments.
    fn statements(&mut self, tokens: &[Token], from: usize, to: usize) -> Vec<Statement> {
        let section = &tokens[from..to];
        let mut statements = Vec::new();
        let mut previous_end = 0;
        for found in split(self.src, section) {
            let mut ignored = Vec::new();
            for token in &section[previous_end..found.tokens.start] {
                if token.kind != TokenKind::LineComment {
                    continue;
                }
                let comment = self.src[token.start..token.end]
                    .trim_start_matches('-')
                    .trim();
                if let Some(args) = comment.strip_prefix("kimberlite:ignore")
                    && (args.is_empty() || args.starts_with(char::is_whitespace))
                {
                    let codes = self.read_codes(args, token.start, token.end);
                    ignored.extend(codes);
                }
            }
            previous_end = found.tokens.end;
            let span = self.span(found.span.start, found.span.end);
            // What Kimberlite sends: its lines joined with `\n`.
            let source = &self.src[found.span.start..found.span.end];
            let keyword_ranges = found.keywords.shifted_back(found.span.start);
            let (text, keyword_ranges) = if source.contains("\r\n") {
                (
                    source.replace("\r\n", "\n"),
                    keyword_ranges.after_folding_crlf(source),
                )
            } else {
                (source.to_string(), keyword_ranges)
            };
            statements.push(Statement {
                text,
                span,
                range: self.index.range(span),
                keyword_ranges,
                terminated: found.terminated,
                ignored,
                tokens: from + found.tokens.start..from + found.tokens.end,
            });
        }
        statements
    }
}

/// The tokens of a file's text: the leading block as Kimberlite reads it, a
/// comment per `--` line (so a lone `\r` inside one does not end it, and a
/// line of Unicode white space is white space), then the body as
/// PostgreSQL's lexer reads it. Tokens cover the text without gaps.
fn tokenize_file(src: &str, body: usize) -> Vec<Token> {
    let token = |kind, start, end| Token {
        kind,
        start,
        end,
        unterminated: false,
    };
    let mut tokens = Vec::with_capacity((src.len() - body) / 4 + 8);
    let mut at = 0;
    for (offset, line) in lines_with_offsets(&src[..body]) {
        let blank = line.len() - line.trim_start().len();
        if blank > 0 {
            tokens.push(token(TokenKind::Whitespace, offset, offset + blank));
        }
        if blank < line.len() {
            tokens.push(token(
                TokenKind::LineComment,
                offset + blank,
                offset + line.len(),
            ));
        }
        at = offset + line.len();
        let next = src[at..body]
            .find('\n')
            .map_or(body, |newline| at + newline + 1);
        if next > at {
            tokens.push(token(TokenKind::Whitespace, at, next));
        }
        at = next;
    }
    debug_assert_eq!(at, body);
    tokens.extend(Lexer::new(&src[body..]).map(|t| Token {
        start: t.start + body,
        end: t.end + body,
        ..t
    }));
    tokens
}

/// Whether a token is a word made only of white space that PostgreSQL does
/// not treat as white space (U+00A0, U+3000, ...): Kimberlite's CLI trims
/// such characters from the ends of a section.
fn is_unicode_blank(token: &Token, src: &str) -> bool {
    token.kind == TokenKind::Word && src[token.start..token.end].chars().all(char::is_whitespace)
}

/// Turns the words of Unicode white space at the start and the end of
/// `tokens` into white space, as Kimberlite's `trim` leaves them out of what
/// it sends.
fn trim_unicode_blanks(tokens: &mut [Token], src: &str, start: bool, end: bool) {
    let trim = |token: &mut Token| match token.kind {
        TokenKind::Whitespace => true,
        _ if is_unicode_blank(token, src) => {
            token.kind = TokenKind::Whitespace;
            true
        }
        _ => false,
    };
    if end {
        for token in tokens.iter_mut().rev() {
            if !trim(token) {
                break;
            }
        }
    }
    if start {
        for token in tokens.iter_mut() {
            if !trim(token) {
                break;
            }
        }
    }
}

/// Whether a line comment is a section marker, and which.
fn marker_kind(comment: &str) -> Option<Marker> {
    let starts = |prefix: &str| {
        comment
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("-- up migration") {
        Some(Marker::Up)
    } else if starts("-- down migration") {
        Some(Marker::Down)
    } else {
        None
    }
}
