//! One migration file: name, text -> [`Migration`] (SPEC §3).
//!
//! The file name gives the id and slug; the leading block gives metadata and
//! directives; the lexer finds the section markers and the statements.

use crate::checksum::{body_start, checksum_without_bom, is_header_line, lines_with_offsets};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::line_index::{LineIndex, Range};
use crate::lint::schema::Schema;
use crate::lint::{Findings, LintContext, LintSettings, Linter, StatementView, Word, Words};
use crate::rfc3339;
use crate::sql::lexer::{Lexer, Token, TokenKind};
use crate::sql::split::{Keywords, Splitter, StatementSpan};

/// The largest file split into statements that are all kept (64 MiB): a
/// file of short statements keeps about 12 bytes a byte, and every
/// statement goes on to JavaScript as an object, so this is what the 4 GiB
/// of a wasm32 module and the JavaScript heap hold with room to spare.
/// A larger one is `file-too-large`.
pub const MAX_PARSED_BYTES: usize = 64 << 20;

/// The most statements a file may have when they are all kept: each goes on
/// to JavaScript as an object of about 1 KB, and the runner sends each in a
/// round trip of its own. A file with more is `file-too-large`.
pub const MAX_KEPT_STATEMENTS: usize = 1_000_000;

/// The largest file read at all (512 MiB, the most the Node package reads):
/// linting keeps one statement at a time, so it takes about 1 to 4 bytes a
/// byte. A larger file is `file-too-large`, with its checksum.
pub const MAX_LINTED_BYTES: usize = 512 << 20;

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
    /// `-- kimberlite:squashes 1-<id>`: this file stands for migrations 1 to
    /// its own id, which `kmb migration squash` replaced with it; the id.
    pub squashes: Option<u32>,
}

/// A `-- kimberlite:<name> <args>` comment, read the one way every place
/// reads it: the comment's leading `--` pairs removed and the rest trimmed
/// (as SPEC §3.2 reads metadata lines), then `kimberlite:`, the name up to
/// the first whitespace, and the arguments after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directive<'t> {
    /// `no-transaction`, `ignore`, `ignore-file`, or one this tool does not know.
    pub name: &'t str,
    /// What follows the name, trimmed (the codes of an ignore directive).
    pub args: &'t str,
}

impl<'t> Directive<'t> {
    /// The directive a comment (`-- kimberlite:ignore x`, a token's text or
    /// a trimmed line) holds, if it is one.
    pub fn of(comment: &'t str) -> Option<Directive<'t>> {
        let text = comment.trim().trim_start_matches("--").trim();
        let rest = text.strip_prefix("kimberlite:")?;
        let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        Some(Directive {
            name,
            args: args.trim(),
        })
    }
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
    /// Each statement's `-- kimberlite:ignore` codes, where it has any:
    /// also when the statements are not kept (too many, too large, or a
    /// report without them), for the findings made about the file later.
    pub silenced: Vec<(Span, Vec<Code>)>,
}

impl Migration {
    /// Drops the statements; `down` still says whether there is a Down section.
    pub fn forget_statements(&mut self) {
        self.up = Vec::new();
        if let Some(down) = &mut self.down {
            *down = Vec::new();
        }
    }

    /// Drops the statements of a file too large to hand over, and says why
    /// with `file-too-large` (`why` completes "{label} ...").
    pub fn drop_statements(&mut self, why: &str) {
        self.forget_statements();
        let label = self.label();
        self.diagnostics.push(
            Diagnostic::new(Code::FileTooLarge, &self.path, format!("{label} {why}, so its statements were not split out (its findings are complete)."))
                .with_help("Split it into several migrations, or load bulk data with `COPY` from a file the database server reads.")
                .at_file_start(),
        );
    }

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
    parse_migration_with(path, contents, &LintSettings::default())
}

/// [`parse_migration`] with the project's lint settings.
pub fn parse_migration_with(path: &str, contents: &[u8], settings: &LintSettings) -> Migration {
    parse_in_project(
        path,
        contents,
        settings,
        &Schema::default(),
        true,
        true,
        true,
    )
}

/// [`parse_migration_with`] for a migration of a project: its lint rules
/// know the `schema` the earlier migrations built, and run only when
/// `lint` is set (a caller that needs one file's findings, such as the
/// language server, saves the others' time). With `hand_over` unset the
/// caller reads findings only: a file too large to split into statements is
/// then not reported as such (`file-too-large` is about handing them over).
/// With `store` unset the statements are not stored (`up` and `down` are
/// empty, a Down section still told from none), for a caller that would
/// drop them unread; the limits on what is handed over are checked as if
/// they were.
pub fn parse_in_project(
    path: &str,
    contents: &[u8],
    settings: &LintSettings,
    schema: &Schema,
    lint: bool,
    hand_over: bool,
    store: bool,
) -> Migration {
    let purpose = Purpose {
        hash: true,
        keep_statements: true,
        store,
        lint,
        hand_over,
    };
    parse(path, contents, purpose, settings, schema)
}

/// [`parse_migration`] for linting: the findings only, without the checksum
/// (`checksum` is `None`: hashing would be work thrown away; in a
/// short-lived process, SHA-256 not yet optimised by the engine was about a
/// third of `kmb migration lint`'s time) and without the statements (`up`
/// and `down` are empty): each is read, checked and dropped, so memory
/// stays a small multiple of the file's size however many it has.
pub fn lint_migration(path: &str, contents: &[u8]) -> Migration {
    lint_migration_with(path, contents, &LintSettings::default())
}

/// [`lint_migration`] with the project's lint settings.
pub fn lint_migration_with(path: &str, contents: &[u8], settings: &LintSettings) -> Migration {
    let purpose = Purpose {
        hash: false,
        keep_statements: false,
        store: false,
        lint: true,
        hand_over: false,
    };
    parse(path, contents, purpose, settings, &Schema::default())
}

/// What a parse is for.
#[derive(Debug, Clone, Copy)]
struct Purpose {
    /// Compute the checksum.
    hash: bool,
    /// Keep the statements (within the limits).
    keep_statements: bool,
    /// Store the statements kept; else they are counted against the limits
    /// as if kept, and dropped (see [`parse_in_project`]).
    store: bool,
    /// Run the lint rules.
    lint: bool,
    /// The statements are handed over: a file too large to split is
    /// reported as `file-too-large`.
    hand_over: bool,
}

fn parse(
    path: &str,
    contents: &[u8],
    purpose: Purpose,
    settings: &LintSettings,
    schema: &Schema,
) -> Migration {
    let Purpose {
        hash,
        keep_statements,
        hand_over,
        ..
    } = purpose;
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
        silenced: Vec::new(),
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
    if full_text.len() > MAX_LINTED_BYTES {
        // Hashing is cheap and streams.
        if hash {
            migration.checksum = Some(crate::checksum::checksum_text(full_text));
        }
        migration.diagnostics.push(
            Diagnostic::new(
                Code::FileTooLarge,
                path,
                format!(
                    "{label} is {} MiB, more than the {} MiB this tool reads, so it was not checked or split.",
                    full_text.len() >> 20,
                    MAX_LINTED_BYTES >> 20,
                ),
            )
            .with_help("Split it into several migrations, or load bulk data with `COPY` from a file the database server reads.")
            .at_file_start(),
        );
        return migration;
    }
    // A file too large for its statements to be kept is still read whole,
    // for its findings and checksum.
    let too_large_to_keep = keep_statements && full_text.len() > MAX_PARSED_BYTES;
    let keep_statements = keep_statements && !too_large_to_keep;
    let index = LineIndex::new(full_text);
    Parser::new(path, full_text, &index, &label, &mut migration).run(
        Purpose {
            keep_statements,
            ..purpose
        },
        settings,
        schema,
    );
    let silencer = Silencer::of(&migration);
    migration.diagnostics.retain(|d| !silencer.silences(d));
    if too_large_to_keep && hand_over {
        migration.drop_statements(&format!(
            "is {} MiB, more than the {} MiB this tool splits into statements to hand over",
            full_text.len() >> 20,
            MAX_PARSED_BYTES >> 20
        ));
    }
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
            statements: migration.silenced.clone(),
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
    index: &'a LineIndex<'a>,
    label: &'a str,
    migration: &'m mut Migration,
    /// The file's own findings, at most so many of one code (as for lint).
    findings: Findings,
    /// How many statements were read.
    kept: usize,
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
        index: &'a LineIndex<'a>,
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
            index,
            label,
            migration,
            findings: Findings::default(),
            kept: 0,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(start + self.bom, end + self.bom)
    }

    fn push(&mut self, code: Code, start: usize, end: usize, message: String, help: String) {
        let diagnostic = Diagnostic::new(code, self.path, message)
            .with_span(self.span(start, end), self.index)
            .with_help(help);
        self.findings.push(diagnostic);
    }

    /// Reads the file.
    fn run(mut self, purpose: Purpose, settings: &'a LintSettings, schema: &'a Schema) {
        let Purpose {
            hash,
            keep_statements,
            store,
            lint,
            hand_over,
        } = purpose;
        let label = self.label;
        if self.bom > 0 {
            let diagnostic = Diagnostic::new(
                Code::Bom,
                self.path,
                format!("{label} starts with a UTF-8 byte order mark, which Kimberlite's CLI reads as text: it would see no header in the first line and compute another checksum."),
            )
            .with_span(Span::new(0, 3), self.index)
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

        let scan = self.scan(body);
        let context = LintContext {
            path: self.path,
            label: self.label,
            src: self.src,
            bom: self.bom,
            index: self.index,
            transactional: !self.migration.directives.no_transaction,
            settings,
            schema,
        };
        let mut linter = Linter::new(context, lint);
        self.read_sections(&scan, body, keep_statements && store, &mut linter);
        if keep_statements && self.kept > MAX_KEPT_STATEMENTS && !hand_over {
            self.migration.forget_statements();
        } else if keep_statements && self.kept > MAX_KEPT_STATEMENTS {
            self.migration.drop_statements(&format!(
                "has {} statements, more than the {MAX_KEPT_STATEMENTS} this tool hands over from one file",
                self.kept
            ));
        }
        let own = std::mem::take(&mut self.findings).finish(self.label);
        self.migration.diagnostics.extend(own);
        self.migration.diagnostics.extend(linter.finish());
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
            if let Some(directive) = Directive::of(trimmed) {
                self.read_directive(directive, start, end);
                continue;
            }
            let comment = trimmed.trim_start_matches("--").trim();
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
    fn read_directive(&mut self, directive: Directive<'_>, start: usize, end: usize) {
        let label = self.label;
        let Directive { name, args } = directive;
        match name {
            "no-transaction" => self.migration.directives.no_transaction = true,
            "ignore-file" => {
                let codes = self.read_codes(args, start, end);
                self.migration.directives.ignore_file.extend(codes);
            }
            "ignore" => {
                // Applies to the next statement; read with the statements.
            }
            "squashes" => {
                let id = self.migration.id;
                let through = args
                    .split_once('-')
                    .filter(|(first, _)| first.trim() == "1")
                    .and_then(|(_, last)| last.trim().parse::<u32>().ok());
                match (through, id) {
                    (Some(through), Some(id)) if through == id => {
                        self.migration.directives.squashes = Some(id);
                    }
                    _ => {
                        let own = id.map_or_else(|| "<id>".to_string(), |id| id.to_string());
                        self.push(
                            Code::InvalidSquash,
                            start,
                            end,
                            format!("{label} says `kimberlite:squashes {args}`, but a squash stands for migrations 1 to its own id."),
                            format!("Write `-- kimberlite:squashes 1-{own}` (what `kmb migration squash` writes), or remove the line if this file is not a squash."),
                        );
                    }
                }
            }
            _ => self.push(
                Code::UnknownDirective,
                start,
                end,
                format!("{label} has an unknown directive `kimberlite:{name}`, which has no effect."),
                "The directives are `-- kimberlite:no-transaction`, `-- kimberlite:ignore <codes>`, `-- kimberlite:ignore-file <codes>` and `-- kimberlite:squashes 1-<id>`.".to_string(),
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

    /// The first pass over the tokens: unterminated quotes and comments,
    /// stray directives, the section markers, and where each section's
    /// trailing white space starts.
    fn scan(&mut self, body: usize) -> Scan {
        let mut unterminated = Findings::default();
        let mut stray = Findings::default();
        let mut duplicates = Findings::default();
        let mut scan = Scan::default();
        let mut kept_end = 0;
        for token in file_tokens(self.src, body, 0) {
            if token.unterminated {
                unterminated.push(self.unterminated(&token));
            }
            if token.kind == TokenKind::LineComment {
                if token.start >= body
                    && let Some(diagnostic) = self.stray_directive(&token)
                {
                    stray.push(diagnostic);
                }
                if self.starts_line(token.start)
                    && let Some(marker) = marker_kind(&self.src[token.start..token.end])
                {
                    let first = match marker {
                        Marker::Up => &mut scan.up_marker,
                        Marker::Down => &mut scan.down_marker,
                    };
                    match *first {
                        None => {
                            *first = Some(token);
                            if marker == Marker::Down {
                                scan.up_kept_end = kept_end;
                                kept_end = token.end;
                            }
                        }
                        Some(first) if duplicates.wants(Code::DuplicateMarker) => {
                            duplicates.push(self.duplicate_marker(marker, &first, &token));
                        }
                        Some(_) => duplicates.count(Code::DuplicateMarker),
                    }
                }
            }
            if token.kind != TokenKind::Whitespace && !is_unicode_blank(&token, self.src) {
                kept_end = token.end;
            }
        }
        match scan.down_marker {
            Some(_) => scan.down_kept_end = kept_end,
            None => scan.up_kept_end = kept_end,
        }
        self.findings.append(unterminated);
        self.findings.append(stray);
        self.findings.append(duplicates);
        scan
    }

    fn finding(
        &self,
        code: Code,
        start: usize,
        end: usize,
        message: String,
        help: &str,
    ) -> Diagnostic {
        Diagnostic::new(code, self.path, message)
            .with_span(self.span(start, end), self.index)
            .with_help(help)
    }

    /// A `-- kimberlite:` comment after the leading block: only `ignore` works there.
    fn stray_directive(&self, token: &Token) -> Option<Diagnostic> {
        let name = Directive::of(&self.src[token.start..token.end])?.name;
        (name != "ignore").then(|| {
            self.finding(
                Code::UnknownDirective,
                token.start,
                token.end,
                format!("The directive `kimberlite:{name}` in {} comes after the first SQL line, so it has no effect.", self.label),
                "Move it to the comment block at the top of the file, before any SQL.",
            )
        })
    }

    fn duplicate_marker(&self, marker: Marker, first: &Token, token: &Token) -> Diagnostic {
        let name = if marker == Marker::Up { "Up" } else { "Down" };
        let first_line = self.index.position(first.start + self.bom).line + 1;
        self.finding(
            Code::DuplicateMarker,
            token.start,
            token.end,
            format!(
                "{} has a second `-- {name} Migration` marker (the first is on line {first_line}).",
                self.label
            ),
            &format!("Keep one `-- {name} Migration` marker and remove the other."),
        )
    }

    fn unterminated(&self, token: &Token) -> Diagnostic {
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
        self.finding(
            code,
            token.start,
            first_line_end,
            format!(
                "{} has {what}, so everything after it is part of it.",
                self.label
            ),
            help,
        )
    }

    /// Checks the markers against each other and against Kimberlite's
    /// split, and splits each section into statements, which the rules
    /// read as they come (and which are kept when `keep` says so).
    fn read_sections(&mut self, scan: &Scan, body: usize, keep: bool, linter: &mut Linter<'a>) {
        let label = self.label;
        let (up_marker, down_marker) = (scan.up_marker, scan.down_marker);
        if let (Some(up), Some(down)) = (up_marker, down_marker)
            && up.start > down.start
        {
            self.push(
                Code::MisplacedMarker,
                up.start,
                up.end,
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
        let same_split = down_marker.map(|m| m.start) == kimberlite_down;
        let up_end = down_marker.map_or(self.src.len(), |m| m.start);
        let up_trim = Trim {
            from: body,
            start: kimberlite_down.is_none(),
            end: same_split,
            kept_end: scan.up_kept_end,
        };
        let up_tokens = file_tokens(self.src, body, 0).take_while(|t| t.start < up_end);
        let up = self.section(up_tokens, up_trim, true, keep, linter);
        if let Some(marker) = up_marker.filter(|m| m.start < up_end)
            && up
                .first
                .is_some_and(|first| first.start < marker.start + self.bom)
        {
            self.push(
                Code::MisplacedMarker,
                marker.start,
                marker.end,
                format!("{label} has SQL before its `-- Up Migration` marker; both tools run it as part of Up."),
                "Move the SQL below the `-- Up Migration` marker, or remove the marker.".to_string(),
            );
        }
        let (start, end) = up_marker.map_or((0, 0), |m| (m.start, m.end));
        if up.count == 0 {
            self.push(
                Code::EmptyMigration,
                start,
                end,
                format!("The Up section of {label} has no SQL statement."),
                "Add the SQL this migration should run under `-- Up Migration`, or delete the file if it is not needed.".to_string(),
            );
        }
        self.migration.up = up.statements;

        let mut down_has_sql = false;
        match down_marker {
            Some(marker) => {
                let down_trim = Trim {
                    from: marker.end,
                    start: same_split,
                    end: true,
                    kept_end: scan.down_kept_end,
                };
                let tokens = file_tokens(self.src, body, marker.end);
                let down = self.section(tokens, down_trim, false, keep, linter);
                if down.count == 0 {
                    self.push(
                        Code::EmptyDown,
                        marker.start,
                        marker.end,
                        format!("The Down section of {label} has no SQL statement, so rolling it back would do nothing."),
                        "Write the SQL that undoes the Up section under `-- Down Migration`, or remove the marker to declare the migration irreversible.".to_string(),
                    );
                }
                down_has_sql = down.count > 0;
                self.migration.down = Some(down.statements);
            }
            None => self.push(
                Code::MissingDown,
                start,
                end,
                format!("{label} has no `-- Down Migration` section, so it cannot be rolled back."),
                "Add `-- Down Migration` followed by the SQL that undoes this migration, if it can be undone.".to_string(),
            ),
        }
        self.check_kimberlite_split(body, down_marker, kimberlite_down, down_has_sql);

        // squawk's parser would only repeat what the file's own findings say
        // about text that does not read as SQL.
        let syntax = !self.findings.any(|code| {
            matches!(
                code,
                Code::UnterminatedString
                    | Code::UnterminatedComment
                    | Code::UnterminatedDollarQuote
                    | Code::MisplacedMarker
            )
        }) && !linter
            .found_any(|code| matches!(code, Code::PsqlMetaCommand | Code::InvisibleCharacter));
        linter.section(&self.src[..up_end], self.bom, true, syntax);
        if let Some(marker) = down_marker {
            linter.section(
                &self.src[marker.end..],
                marker.end + self.bom,
                false,
                syntax,
            );
        }
    }

    /// Kimberlite's CLI splits Up from Down at the first `-- Down Migration`
    /// text in the body, wherever it is. Where that differs from the marker
    /// this tool found, the two tools would run different SQL.
    /// A Down marker Kimberlite does not see only matters when SQL follows
    /// it: that SQL would run as part of Up.
    fn check_kimberlite_split(
        &mut self,
        body: usize,
        ours: Option<Token>,
        kimberlite: Option<usize>,
        down_has_sql: bool,
    ) {
        let label = self.label;
        match (kimberlite, ours) {
            (Some(at), Some(marker)) if at == marker.start => {
                // Kimberlite skips the marker's whole line, up to a `\n`: SQL
                // after a lone `\r` there is run by this tool only.
                let line_end = self.src[marker.end..]
                    .find('\n')
                    .map_or(self.src.len(), |newline| marker.end + newline);
                let mut skipped_sql = file_tokens(self.src, body, marker.end)
                    .take_while(|t| t.start < line_end)
                    .filter(|t| !t.is_trivia());
                if let Some(first) = skipped_sql.next() {
                    let last = skipped_sql.last().unwrap_or(first);
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

    /// Splits one section's tokens into statements, one token at a time:
    /// each statement goes to the rules as soon as it ends, with its ignore
    /// comments, and only what one statement needs is held meanwhile.
    fn section(
        &mut self,
        tokens: impl Iterator<Item = Token>,
        trim: Trim,
        is_up: bool,
        keep: bool,
        linter: &mut Linter<'a>,
    ) -> Section<'a> {
        let src = self.src;
        let mut section = Section {
            is_up,
            keep,
            ..Section::default()
        };
        let mut splitter = Splitter::default();
        let mut depth = 0usize;
        let mut trimming_start = trim.start;
        for mut token in tokens {
            if token.start >= trim.from {
                if trimming_start && token.kind != TokenKind::Whitespace {
                    if is_unicode_blank(&token, src) {
                        token.kind = TokenKind::Whitespace;
                    } else {
                        trimming_start = false;
                    }
                }
                if trim.end && token.start >= trim.kept_end && is_unicode_blank(&token, src) {
                    token.kind = TokenKind::Whitespace;
                }
            }
            match token.kind {
                TokenKind::LineComment
                    if !splitter.in_statement()
                        && Directive::of(&src[token.start..token.end])
                            .is_some_and(|directive| directive.name == "ignore") =>
                {
                    section
                        .ignore_comments
                        .push(Span::new(token.start, token.end));
                }
                TokenKind::OpenParen => {
                    section.words.open_paren(depth);
                    depth += 1;
                }
                TokenKind::CloseParen => depth = depth.saturating_sub(1),
                TokenKind::DollarQuoted | TokenKind::String if !token.unterminated => {
                    let (text, at) = quoted_body(&src[token.start..token.end], token.kind);
                    section.words.body(text, token.start + at + self.bom);
                }
                TokenKind::Word => {
                    let word = Word {
                        text: &src[token.start..token.end],
                        depth,
                        span: self.span(token.start, token.end),
                    };
                    linter.word(&word);
                    section.words.push(word);
                }
                TokenKind::Backslash => linter.backslash(token.start),
                _ => {}
            }
            if let Some(found) = splitter.push(src, &token) {
                self.statement(found, &mut section, linter);
                depth = 0;
            }
        }
        if let Some(found) = splitter.finish() {
            self.statement(found, &mut section, linter);
        }
        // Kept for the life of the report: no room for more (a pushed Vec
        // holds up to twice its statements).
        section.statements.shrink_to_fit();
        section
    }

    /// One statement of a section, with the ignore comments before it.
    fn statement(
        &mut self,
        found: StatementSpan,
        section: &mut Section<'a>,
        linter: &mut Linter<'a>,
    ) {
        let src = self.src;
        let words = std::mem::take(&mut section.words);
        let mut ignored = Vec::new();
        for comment in std::mem::take(&mut section.ignore_comments) {
            let args = Directive::of(&src[comment.start..comment.end]).map_or("", |d| d.args);
            let codes = self.read_codes(args, comment.start, comment.end);
            ignored.extend(codes);
        }
        let span = self.span(found.span.start, found.span.end);
        linter.statement(&StatementView {
            is_up: section.is_up,
            span,
            terminated: found.terminated,
            words: &words,
        });
        section.count += 1;
        section.first.get_or_insert(span);
        self.kept += 1;
        if !ignored.is_empty() {
            self.migration.silenced.push((span, ignored));
        }
        if !section.keep || self.kept > MAX_KEPT_STATEMENTS {
            return;
        }
        // What Kimberlite sends: its lines joined with `\n`.
        let source = &src[found.span.start..found.span.end];
        let keyword_ranges = found.keywords.shifted_back(found.span.start);
        let (text, keyword_ranges) = if source.contains("\r\n") {
            (
                source.replace("\r\n", "\n"),
                keyword_ranges.after_folding_crlf(source),
            )
        } else {
            (source.to_string(), keyword_ranges)
        };
        section.statements.push(Statement {
            text,
            span,
            range: self.index.range(span),
            keyword_ranges,
            terminated: found.terminated,
        });
    }
}

/// What the first pass found.
#[derive(Default)]
struct Scan {
    up_marker: Option<Token>,
    down_marker: Option<Token>,
    /// Where the last token of the Up section that is neither white space
    /// nor a word of Unicode white space ends: after it, such words are
    /// trimmed as Kimberlite trims them.
    up_kept_end: usize,
    /// The same in the Down section.
    down_kept_end: usize,
}

/// Which Unicode white space of a section is trimmed (Kimberlite trims it from both ends of what it sends).
struct Trim {
    /// Tokens before this offset are not part of the trimmed text.
    from: usize,
    /// Trim at the start.
    start: bool,
    /// Trim at the end: tokens from `kept_end` on.
    end: bool,
    kept_end: usize,
}

/// One section's statements, and what is gathered for the one being read.
#[derive(Default)]
struct Section<'a> {
    /// The Up section (else Down).
    is_up: bool,
    /// Whether statements are kept (else only read and checked).
    keep: bool,
    count: usize,
    /// The first statement's span.
    first: Option<Span>,
    /// Every statement, when kept.
    statements: Vec<Statement>,
    /// The words of the statement being read.
    words: Words<'a>,
    /// `-- kimberlite:ignore` comments since the last statement.
    ignore_comments: Vec<Span>,
}

/// The tokens of a file's text from the first token at or after `from`
/// (which is a token boundary): the leading block as Kimberlite reads it,
/// a comment per `--` line (so a lone `\r` inside one does not end it, and
/// a line of Unicode white space is white space), then the body as
/// PostgreSQL's lexer reads it. Tokens cover the text without gaps. They
/// are made as they are read: a file's tokens are never all held at once.
fn file_tokens(src: &str, body: usize, from: usize) -> impl Iterator<Item = Token> + '_ {
    let token = |kind, start, end| Token {
        kind,
        start,
        end,
        unterminated: false,
    };
    let header = lines_with_offsets(&src[..body])
        .skip_while(move |&(offset, line)| offset + line.len() < from)
        .flat_map(move |(offset, line)| {
            let blank = line.len() - line.trim_start().len();
            let end = offset + line.len();
            let next = src[end..body]
                .find('\n')
                .map_or(body, |newline| end + newline + 1);
            [
                (blank > 0).then(|| token(TokenKind::Whitespace, offset, offset + blank)),
                (blank < line.len()).then(|| token(TokenKind::LineComment, offset + blank, end)),
                (next > end).then(|| token(TokenKind::Whitespace, end, next)),
            ]
            .into_iter()
            .flatten()
        })
        .filter(move |t| t.start >= from);
    let lexed_from = body.max(from);
    header.chain(Lexer::new(&src[lexed_from..]).map(move |t| Token {
        start: t.start + lexed_from,
        end: t.end + lexed_from,
        ..t
    }))
}

/// Whether a token is a word made only of white space that PostgreSQL does
/// not treat as white space (U+00A0, U+3000, ...): Kimberlite's CLI trims
/// such characters from the ends of a section.
fn is_unicode_blank(token: &Token, src: &str) -> bool {
    token.kind == TokenKind::Word && src[token.start..token.end].chars().all(char::is_whitespace)
}

/// The text between the quotes of a closed dollar-quoted body (`$tag$ ...
/// $tag$`) or a plain string (`'...'`, with `''` left as written), and where
/// it starts in the token. Other strings (`E'...'`) give nothing.
fn quoted_body(token: &str, kind: TokenKind) -> (&str, usize) {
    if kind == TokenKind::DollarQuoted {
        let open = token[1..].find('$').map_or(token.len(), |at| at + 2);
        let close = token.len().saturating_sub(open);
        return (token.get(open..close).unwrap_or(""), open);
    }
    match token.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        Some(inner) => (inner, 1),
        None => ("", 0),
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
