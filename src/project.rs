//! `analyze`: all migration files plus the lock and tracker -> one [`Report`].

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::{Code, Diagnostic, Severity, range_in, short_checksum};
use crate::line_index::Span;
use crate::lint::schema::Schema;
use crate::lock::{LockEntry, parse_lock};
use crate::migration::{Migration, Silencer, describe, file_name_of, parse_in_project};
use crate::tracker::{AppliedEntry, parse_tracker};

/// The project file's name, as Kimberlite reads it.
pub const PROJECT_FILE: &str = "kimberlite.toml";
/// Where Kimberlite keeps the lock file, relative to the project.
pub const DEFAULT_LOCK_PATH: &str = ".kimberlite/migrations/.lock";
/// Where Kimberlite keeps the tracker, relative to the project.
pub const DEFAULT_TRACKER_PATH: &str = ".kimberlite/migrations/applied.toml";

/// One input file.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// The path to report it by (the file name is its last component).
    pub path: &'a str,
    /// Its bytes.
    pub contents: &'a [u8],
}

/// A `.sql` entry of the migrations folder that the caller could not read
/// as a file. Its migration is unknown, so the report is not `ok`: no plan
/// and no lock update while it stands.
#[derive(Debug, Clone, Copy)]
pub struct Unreadable<'a> {
    /// The path to report it by.
    pub path: &'a str,
    /// `not-a-file`, `unreadable-file` or `file-too-large`.
    pub code: Code,
    /// What the caller found, in a few words (`a FIFO`, `permission denied`).
    pub detail: &'a str,
}

impl Unreadable<'_> {
    /// The finding for it.
    fn diagnostic(&self) -> Diagnostic {
        let file_name = file_name_of(self.path);
        let label = describe(
            crate::migration::parse_file_name(file_name).map(|name| name.id),
            file_name,
        );
        let detail = self.detail;
        let (message, help) = match self.code {
            Code::NotAFile => (
                format!("{label} is not a regular file ({detail}), so it was not read."),
                "Move it out of the migrations folder, or replace it with the migration file it stands for.",
            ),
            Code::FileTooLarge => (
                format!("{label} is too large to read ({detail}; at most 512 MiB)."),
                "Split the data into several migrations, or load it with `COPY` from a file the database server reads.",
            ),
            _ => (
                format!("{label} could not be read ({detail})."),
                "Check the file's permissions and that it is not a link to a missing file, then run the command again.",
            ),
        };
        Diagnostic::new(self.code, self.path, message)
            .with_help(help)
            .at_file_start()
    }
}

/// What a run does with one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    /// Drop findings with this code.
    Off,
    /// Report them with this severity.
    Severity(Severity),
}

impl RuleSetting {
    /// Whether the setting may apply to `code`: any setting for a code that
    /// may be silenced; for any other code, only one that keeps or raises its
    /// severity.
    pub fn allowed_for(self, code: Code) -> bool {
        match self {
            _ if code.is_silenceable() => true,
            RuleSetting::Off => false,
            RuleSetting::Severity(severity) => severity <= code.default_severity(),
        }
    }
}

/// Options for a whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Allow pending migrations with ids below the highest applied one.
    pub allow_out_of_order: bool,
    /// Per-code overrides.
    pub rules: Vec<(Code, RuleSetting)>,
    /// Settings the rules read while they run (the target PostgreSQL version).
    pub lint: crate::lint::LintSettings,
    /// The paths whose lint rules run; `None`: every file's. The other
    /// files are still read for the project's findings and the schema.
    pub lint_only: Option<Vec<String>>,
    /// The caller reads findings only, no statements: a file too large to
    /// split into statements is not reported as such.
    pub findings_only: bool,
    /// The caller reads the report, not the statements (the wasm `analyze`,
    /// whose report never carries them): each file's statements are dropped
    /// once the schema model has read them, so memory holds one file's at a
    /// time, not the project's. Plans need them, and leave this off.
    pub report_only: bool,
    /// The project targets Kimberlite: without Kimberlite's own findings
    /// (`Input::kimberlite_checked`), the report says that they are missing
    /// (`kimberlite-not-checked`).
    pub kimberlite_target: bool,
}

impl Options {
    /// Reads `(code, setting)` pairs such as `("destructive-statement", "off")`
    /// or `("missing-down", "error")`. Unknown codes or settings are reported
    /// as `unknown-code` warnings and skipped; a setting that would turn off
    /// or lower a code that may not be silenced is `ignore-not-allowed` and
    /// skipped.
    pub fn from_rules(rules: &[(&str, &str)]) -> (Options, Vec<Diagnostic>) {
        let mut options = Options::default();
        let mut problems = Vec::new();
        for &(name, setting) in rules {
            let Some(code) = Code::parse(name) else {
                problems.push(
                    Diagnostic::new(Code::UnknownCode, "", format!("The options name `{name}`, which is not a diagnostic code."))
                        .with_help("Check the spelling: codes are kebab-case, such as `destructive-statement`."),
                );
                continue;
            };
            let parsed = match setting {
                "off" => Some(RuleSetting::Off),
                other => Severity::parse(other).map(RuleSetting::Severity),
            };
            if parsed.is_some_and(|parsed| !parsed.allowed_for(code)) {
                problems.push(
                    Diagnostic::new(
                        Code::IgnoreNotAllowed,
                        "",
                        format!("The options set `{name}` to `{setting}`, but `{name}` is {}, which nothing may silence or weaken; the setting is ignored.", code.silencing_reason()),
                    )
                    .with_help(format!("Remove the setting for `{name}`: only lint rules and style findings can be turned off or lowered (integrity findings may only be raised).")),
                );
                continue;
            }
            match parsed {
                Some(parsed) => options.rules.push((code, parsed)),
                None => problems.push(
                    Diagnostic::new(
                        Code::UnknownCode,
                        "",
                        format!("The options set `{name}` to `{setting}`, which is not a setting."),
                    )
                    .with_help("Use `off`, `error`, `warning`, `info` or `hint`."),
                ),
            }
        }
        options.lint.opt_in = options
            .rules
            .iter()
            .filter(|(code, setting)| code.is_opt_in() && *setting != RuleSetting::Off)
            .map(|(code, _)| *code)
            .collect();
        (options, problems)
    }
}

/// The whole project, as text and bytes.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// Every file of the migrations folder (files not ending in `.sql` are skipped).
    pub files: Vec<SourceFile<'a>>,
    /// The lock document, `None` when there is none.
    pub lock: Option<&'a str>,
    /// The tracker document, `None` when there is none. With a `history`,
    /// `None` also means "this history is not the one the tracker mirrors"
    /// (another database): no `tracker-drift` is looked for; give `Some("")`
    /// for a tracker file that does not exist.
    pub tracker: Option<&'a str>,
    /// The path diagnostics give for the lock.
    pub lock_path: &'a str,
    /// The path diagnostics give for the tracker.
    pub tracker_path: &'a str,
    /// The history the database holds (its `kimberlite_migrations` rows in
    /// order of application), when the caller has read it. It is
    /// authoritative: statuses come from it, and where the tracker disagrees
    /// the report has `tracker-drift`.
    pub history: Option<Vec<AppliedEntry>>,
    /// Run options.
    pub options: Options,
    /// Entries of the migrations folder that could not be read as files.
    pub unreadable: Vec<Unreadable<'a>>,
    /// Findings made outside the core about statements of these files
    /// (Kimberlite's parser, in the native helper): the core words and
    /// places them, and ignore comments and rule settings apply to them as
    /// to its own.
    pub external: Vec<External<'a>>,
    /// Whether `external` holds Kimberlite's verdicts on every statement
    /// (the native helper ran), even when it refused none.
    pub kimberlite_checked: bool,
    /// Where the files' bytes come from when the caller does not hold them
    /// all at once (the wasm `analyze`, which copies each file into its
    /// memory as it reads it): called with a file's index in `files`, whose
    /// `contents` are then not read.
    pub load: Option<Loader<'a>>,
}

/// A file's bytes by its index in [`Input::files`] (see [`Input::load`]).
#[derive(Clone, Copy)]
pub struct Loader<'a>(pub &'a dyn Fn(usize) -> Vec<u8>);

impl std::fmt::Debug for Loader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Loader")
    }
}

/// How far Kimberlite got with a statement it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KimberliteStage {
    /// Its parser (`parse_statement`) refused it.
    Parse,
    /// It parsed, and the database refused to run it (an empty database
    /// that ran the migrations before it in order).
    Execute,
    /// Kimberlite read it (and ran it, for an Up statement): no finding,
    /// and a `syntax-error` from squawk's PostgreSQL parser inside it is
    /// dropped, as it is Kimberlite's own SQL (`CREATE MASKING POLICY`).
    Accepted,
}

/// A statement Kimberlite refused, as the native helper reported it.
#[derive(Debug, Clone, Copy)]
pub struct External<'a> {
    /// The file, as in [`Input::files`].
    pub path: &'a str,
    /// The statement: byte offsets into the file.
    pub span: Span,
    /// Where in the file Kimberlite says it stopped reading, when it says.
    pub at: Option<usize>,
    /// Kimberlite's message.
    pub detail: &'a str,
    /// Parser or database.
    pub stage: KimberliteStage,
    /// Whether the statement is in the Down section.
    pub down: bool,
}

impl External<'_> {
    /// The `kimberlite-unsupported` finding, placed in `contents`; `None`
    /// when the span is not a place in it.
    fn diagnostic(&self, contents: &str) -> Option<Diagnostic> {
        let valid = |at: usize| at <= contents.len() && contents.is_char_boundary(at);
        if self.span.start > self.span.end || !valid(self.span.start) || !valid(self.span.end) {
            return None;
        }
        let index = crate::line_index::LineIndex::new(contents);
        let file_name = file_name_of(self.path);
        let label = describe(
            crate::migration::parse_file_name(file_name).map(|name| name.id),
            file_name,
        );
        let section = if self.down { "Down" } else { "Up" };
        let detail = self.detail.trim().trim_end_matches('.');
        let point = self
            .at
            .filter(|&at| valid(at) && at >= self.span.start && at <= self.span.end);
        let place = point.map(|at| {
            let position = index.position(at);
            // A 1-based column in characters, as editors and compilers print it.
            let line_start = index.offset(crate::line_index::Position {
                line: position.line,
                character: 0,
            });
            let column = contents[line_start..at].chars().count() + 1;
            (at, format!("{}:{}:{column}", self.path, position.line + 1))
        });
        let (message, help) = match self.stage {
            KimberliteStage::Accepted => return None,
            KimberliteStage::Parse => (
                format!(
                    "{label}: Kimberlite's parser refuses this {section} statement: {detail}{}.",
                    place
                        .as_ref()
                        .map(|(_, p)| format!(" (at {p})"))
                        .unwrap_or_default()
                ),
                "Kimberlite reads a subset of PostgreSQL's SQL with extensions of its own (`CREATE MASKING POLICY`, `... SET CLASSIFICATION`): write the statement in a form it reads, or leave it to a project that runs on PostgreSQL. To keep it here, put `-- kimberlite:ignore kimberlite-unsupported` on the line before it.",
            ),
            KimberliteStage::Execute => (
                format!(
                    "{label}: Kimberlite reads this {section} statement but refuses to run it: {detail}{}.",
                    place
                        .as_ref()
                        .map(|(_, p)| format!(" (at {p})"))
                        .unwrap_or_default()
                ),
                "It was run on an empty Kimberlite database after every Up statement before it, in order: change it so that Kimberlite runs it (a table needs a `PRIMARY KEY`), or fix the statement before it that failed. To keep it, put `-- kimberlite:ignore kimberlite-unsupported` on the line before it.",
            ),
        };
        let mut diagnostic = Diagnostic::new(Code::KimberliteUnsupported, self.path, message)
            .with_help(help)
            .with_span(self.span, &index);
        if let Some((at, _)) = place {
            diagnostic = diagnostic.with_related(
                self.path,
                Some(index.range(Span::new(at, at))),
                "Kimberlite stopped reading here.",
            );
        }
        Some(diagnostic)
    }
}

impl<'a> Input<'a> {
    /// An input with the default state paths and options.
    pub fn new(
        files: Vec<SourceFile<'a>>,
        lock: Option<&'a str>,
        tracker: Option<&'a str>,
    ) -> Self {
        Input {
            files,
            lock,
            tracker,
            lock_path: DEFAULT_LOCK_PATH,
            tracker_path: DEFAULT_TRACKER_PATH,
            history: None,
            options: Options::default(),
            unreadable: Vec::new(),
            external: Vec::new(),
            kimberlite_checked: false,
            load: None,
        }
    }

    /// The bytes of `files[index]`, from [`Input::load`] when it is set.
    fn contents(&self, index: usize) -> std::borrow::Cow<'a, [u8]> {
        match self.load {
            Some(Loader(load)) => std::borrow::Cow::Owned(load(index)),
            None => std::borrow::Cow::Borrowed(self.files[index].contents),
        }
    }
}

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Applied, and the file is as it was.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied or locked, and the file has changed since.
    Modified,
    /// Applied or locked, and the file is gone.
    Missing,
    /// Pending with an id below the highest applied one.
    OutOfOrder,
}

impl Status {
    /// The boundary name (`"out-of-order"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Pending => "pending",
            Status::Modified => "modified",
            Status::Missing => "missing",
            Status::OutOfOrder => "out-of-order",
        }
    }
}

/// One migration of the project, with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMigration {
    /// The id.
    pub id: u32,
    /// The name (from the file, else from the tracker or lock).
    pub name: String,
    /// Where it stands.
    pub status: Status,
    /// The parsed file; `None` when the file is missing.
    pub file: Option<Migration>,
    /// The checksum the lock records for it.
    pub locked_checksum: Option<String>,
    /// The tracker's record of its application.
    pub applied: Option<AppliedEntry>,
}

impl ProjectMigration {
    /// The checksum of the file, else the recorded one.
    pub fn checksum(&self) -> Option<&str> {
        self.file
            .as_ref()
            .and_then(|file| file.checksum.as_deref())
            .or(self
                .applied
                .as_ref()
                .map(|applied| applied.checksum.as_str()))
            .or(self.locked_checksum.as_deref())
    }
}

/// Counts for a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Migrations in the report.
    pub total: usize,
    /// Applied and unchanged.
    pub applied: usize,
    /// Not applied.
    pub pending: usize,
    /// Changed after being applied or locked.
    pub modified: usize,
    /// Recorded but without a file.
    pub missing: usize,
    /// Pending below the highest applied id.
    pub out_of_order: usize,
    /// Diagnostics by severity.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Infos.
    pub infos: usize,
    /// Hints.
    pub hints: usize,
}

/// The result of [`analyze`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Whether there is no error.
    pub ok: bool,
    /// The migrations in id order (files with invalid names are not here).
    pub migrations: Vec<ProjectMigration>,
    /// Every finding, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub summary: Summary,
    /// The lock's entries, when it could be read.
    pub lock: Option<Vec<LockEntry>>,
    /// The tracker's entries in order of application, when it could be read.
    pub tracker: Option<Vec<AppliedEntry>>,
}

impl Report {
    /// The errors of the report.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect()
    }

    /// Adds findings made outside [`analyze`] (such as option problems).
    pub fn add(&mut self, more: Vec<Diagnostic>) {
        for diagnostic in more {
            match diagnostic.severity {
                Severity::Error => self.summary.errors += 1,
                Severity::Warning => self.summary.warnings += 1,
                Severity::Info => self.summary.infos += 1,
                Severity::Hint => self.summary.hints += 1,
            }
            self.diagnostics.push(diagnostic);
        }
        self.ok = self.summary.errors == 0;
    }

    /// The migration with an id.
    pub fn migration(&self, id: u32) -> Option<&ProjectMigration> {
        self.migrations
            .binary_search_by_key(&id, |m| m.id)
            .ok()
            .map(|at| &self.migrations[at])
    }
}

/// What [`analyze_reusing`] parsed of the files before the first one it
/// lints, kept by the caller for its next call: an editor lints the file
/// being typed in again and again, and every migration before it (their
/// findings, checksums and the schema model they build) stays the same.
/// Up to [`PrefixCache::ENTRIES`] prefixes are kept, the latest first.
#[derive(Debug, Clone, Default)]
pub struct PrefixCache {
    entries: Vec<Prefix>,
    /// Each file after the prefix that was read but not linted, by the key
    /// of its path, bytes and the settings: such a parse reads nothing of
    /// the schema, so it is the same whatever comes before. Only the last
    /// call's files are kept.
    files: HashMap<u64, Migration>,
    hits: u64,
}

/// One kept prefix: its key, and the state `analyze` had after it.
#[derive(Debug, Clone)]
struct Prefix {
    key: u64,
    parsed: Vec<Migration>,
    schema: Schema,
    slug: Option<String>,
}

impl PrefixCache {
    /// How many prefixes are kept (an editor alternates between a few).
    pub const ENTRIES: usize = 4;

    /// How many calls reused a kept prefix.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    fn take(&mut self, key: u64) -> Option<Prefix> {
        let at = self.entries.iter().position(|entry| entry.key == key)?;
        self.hits += 1;
        let found = self.entries.remove(at);
        self.entries.insert(0, found.clone());
        Some(found)
    }

    fn keep(&mut self, prefix: Prefix) {
        self.entries.retain(|entry| entry.key != prefix.key);
        self.entries.insert(0, prefix);
        self.entries.truncate(Self::ENTRIES);
    }
}

/// A fast 64-bit hash of what a prefix's parse depends on: each file's path
/// and bytes, and the settings the parse reads. Not cryptographic: a cache
/// key for one editor's own files (lengths are mixed in, so no two lists of
/// files share a stream).
struct PrefixKey(u64);

impl PrefixKey {
    const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.mix(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(last));
    }
}

impl PrefixKey {
    /// The key of the settings a parse reads.
    fn of_settings(options: &Options) -> PrefixKey {
        let mut key = PrefixKey(PrefixKey::SEED);
        key.bytes(format!("{:?} {}", options.lint, options.findings_only).as_bytes());
        key
    }
}

/// Analyzes a whole project: files, folder, lock and tracker.
pub fn analyze(input: &Input<'_>) -> Report {
    analyze_reusing(input, None)
}

/// [`analyze`], reusing what `cache` kept of an earlier call when the files
/// before the first one `options.lint_only` names are the same (same paths,
/// same bytes, same settings), and keeping them for the next. Without
/// `lint_only` there is no such prefix and the cache is not used. The report
/// is the same as `analyze`'s.
pub fn analyze_reusing(input: &Input<'_>, cache: Option<&mut PrefixCache>) -> Report {
    let mut diagnostics = Vec::new();
    let parsed = parse_in_order(input, cache);
    let (mut by_id, silencers) = by_id(parsed, &mut diagnostics);
    diagnostics.extend(input.unreadable.iter().map(Unreadable::diagnostic));
    // Said where the lint rules run (not by validate, status or apply).
    if input.options.kimberlite_target
        && !input.kimberlite_checked
        && !input.options.lint.without_parser
    {
        diagnostics.push(
            Diagnostic::new(
                Code::KimberliteNotChecked,
                PROJECT_FILE,
                "This project targets Kimberlite, but its statements were not checked with Kimberlite's own parser here: that check needs the native helper kmb-kimberlite, which runs outside WebAssembly.",
            )
            .with_help("Run `kmb migration lint --target kimberlite` with the helper built (`bash scripts/build-kimberlite-helper`, then KMB_KIMBERLITE_HELPER=<its path>), or open the project in an editor whose kmb-lsp finds it. squawk's PostgreSQL rules ran as usual.")
            .at_file_start(),
        );
    }
    // Each file read once for its findings (they come file by file).
    let mut last: Option<(usize, std::borrow::Cow<'_, [u8]>)> = None;
    for finding in &input.external {
        let Some(at) = input
            .files
            .iter()
            .position(|file| file.path == finding.path)
        else {
            continue;
        };
        if last.as_ref().is_none_or(|(read, _)| *read != at) {
            last = Some((at, input.contents(at)));
        }
        let text = last
            .as_ref()
            .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok());
        diagnostics.extend(text.and_then(|text| finding.diagnostic(text)));
    }
    // An unreadable file still holds its id: no gap is reported for it.
    let unreadable_ids: Vec<u32> = input
        .unreadable
        .iter()
        .filter_map(|u| crate::migration::parse_file_name(file_name_of(u.path)).map(|n| n.id))
        .collect();
    // A squash (`-- kimberlite:squashes 1-N`) as the first file: the ids start at N.
    let squash = by_id
        .first_key_value()
        .and_then(|(&id, first)| first.directives.squashes.filter(|&n| n == id));
    check_sequence(&by_id, squash, &unreadable_ids, &mut diagnostics);
    let (lock_entries, tracker_entries) = read_state(input, &mut diagnostics);
    let locked: BTreeMap<u32, &LockEntry> = lock_entries
        .iter()
        .flatten()
        .map(|entry| (entry.id, entry))
        .collect();
    let applied: BTreeMap<u32, &AppliedEntry> = tracker_entries
        .iter()
        .flatten()
        .map(|entry| (entry.id, entry))
        .collect();
    if let Some(entries) = &lock_entries {
        check_lock(entries, &by_id, &unreadable_ids, input, &mut diagnostics);
    }
    if let Some(entries) = &tracker_entries {
        let unadopted = squash.filter(|&n| {
            entries
                .iter()
                .any(|entry| entry.id < n && !by_id.contains_key(&entry.id))
        });
        if let Some(n) = unadopted {
            check_squash_adopted(entries, n, &by_id, input, &mut diagnostics);
        }
        check_tracker(
            entries,
            &by_id,
            &unreadable_ids,
            &locked,
            unadopted,
            input,
            &mut diagnostics,
        );
    }
    let migrations = statuses(&mut by_id, &locked, &applied, input, &mut diagnostics);
    // squawk cannot read Kimberlite's own statements; Kimberlite could.
    diagnostics.retain(|d| {
        d.code != Code::SyntaxError
            || !input.external.iter().any(|e| {
                e.stage == KimberliteStage::Accepted
                    && e.path == d.file
                    && d.span
                        .is_some_and(|s| s.start >= e.span.start && s.start <= e.span.end)
            })
    });
    let diagnostics = settle(diagnostics, &silencers, &input.options);
    let summary = summarize(&migrations, &diagnostics);
    Report {
        ok: summary.errors == 0,
        migrations,
        diagnostics,
        summary,
        lock: lock_entries,
        tracker: tracker_entries,
    }
}

/// Whether `text` has the word `from` in any case (a copy reads with it):
/// the statements without it are not read again for copies.
fn mentions_from(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"from"))
}

/// Step 1: every `.sql` file parsed, in the order they apply (id, then
/// name, then path), each linted (when `lint_only` lets it) against the
/// schema model the ones before it built; with `cache`, what an earlier
/// call parsed is reused ([`analyze_reusing`]).
fn parse_in_order(input: &Input<'_>, mut cache: Option<&mut PrefixCache>) -> Vec<Migration> {
    // In the order they apply, each linted knowing the schema the ones
    // before it built.
    let mut files: Vec<(usize, &SourceFile<'_>)> = input
        .files
        .iter()
        .enumerate()
        .filter(|(_, file)| file_name_of(file.path).ends_with(".sql"))
        .collect();
    let order = |file: &SourceFile<'_>| {
        let name = file_name_of(file.path);
        (
            crate::migration::parse_file_name(name).map(|n| n.id),
            name.to_string(),
            file.path.to_string(),
        )
    };
    files.sort_by_cached_key(|(_, file)| order(file));
    // Each file's index in `input.files`, for `Input::contents`.
    let (indices, files): (Vec<usize>, Vec<&SourceFile<'_>>) = files.into_iter().unzip();
    let mut schema = Schema::default();
    let mut parsed: Vec<Migration> = Vec::with_capacity(files.len());
    // Consecutive files with the same slug are one change split into parts
    // (kratos writes them so): what the earlier parts made stays the
    // change's own for `destructive-statement`.
    let mut slug: Option<String> = None;
    // The files before the first one linted, which a cache may hold.
    let prefix_len = match (&input.options.lint_only, &cache) {
        (Some(only), Some(_)) => files
            .iter()
            .position(|file| only.iter().any(|path| path == file.path))
            .unwrap_or(0),
        _ => 0,
    };
    let mut prefix_key = None;
    let mut skip = 0;
    // With `lint_only`, the schema matters up to the last file linted only.
    let last_linted = match &input.options.lint_only {
        Some(only) => files
            .iter()
            .rposition(|file| only.iter().any(|path| path == file.path)),
        None => files.len().checked_sub(1),
    };
    // Each file's slug: the files of one change share it. Without squawk's
    // rules, the schema serves `destructive-statement` alone, which asks
    // what the files of the same change made: a file whose next file
    // starts another change adds nothing anyone reads.
    let slugs: Vec<Option<&str>> = files
        .iter()
        .map(|file| crate::migration::parse_file_name(file_name_of(file.path)).map(|n| n.slug))
        .collect();
    let read_later = |at: usize| {
        !input.options.lint.without_parser
            || slugs
                .get(at + 1)
                .is_some_and(|next| next.is_some() && *next == slugs[at])
    };
    let mut kept_files = HashMap::new();
    // The settings' part of every key, hashed once per call.
    let settings_key = cache
        .is_some()
        .then(|| PrefixKey::of_settings(&input.options).0);
    if let (true, Some(seed)) = (prefix_len > 0, settings_key) {
        let mut key = PrefixKey(seed);
        for (file, &index) in files[..prefix_len].iter().zip(&indices) {
            key.bytes(file.path.as_bytes());
            key.bytes(&input.contents(index));
        }
        // What the prefix's last file left in the schema depends on
        // whether the next file continues its change (`read_later`).
        key.bytes(
            slugs
                .get(prefix_len)
                .copied()
                .flatten()
                .unwrap_or("")
                .as_bytes(),
        );
        if let Some(found) = cache.as_deref_mut().and_then(|cache| cache.take(key.0)) {
            parsed = found.parsed;
            schema = found.schema;
            slug = found.slug;
            skip = prefix_len;
        } else {
            prefix_key = Some(key.0);
        }
    }
    for (at, file) in files.into_iter().enumerate().skip(skip) {
        if at == prefix_len
            && let (Some(key), Some(cache)) = (prefix_key, cache.as_deref_mut())
        {
            cache.keep(Prefix {
                key,
                parsed: parsed.clone(),
                schema: schema.clone(),
                slug: slug.clone(),
            });
        }
        let this = slugs[at];
        if this.is_none() || this != slug.as_deref() {
            schema.begin_change();
        }
        slug = this.map(str::to_string);
        let lint = input
            .options
            .lint_only
            .as_ref()
            .is_none_or(|only| only.iter().any(|path| path == file.path));
        let contents = input.contents(indices[at]);
        // A file read but not linted, after the prefix: its parse may be the last call's.
        let file_key = settings_key
            .filter(|_| !lint && at > prefix_len)
            .map(|seed| {
                let mut key = PrefixKey(seed);
                key.bytes(file.path.as_bytes());
                key.bytes(&contents);
                key.0
            });
        let known = file_key.and_then(|key| cache.as_deref_mut()?.files.remove(&key));
        // Nothing after the last file linted reads the schema.
        let schema_reads = last_linted.is_some_and(|last| at < last) && read_later(at);
        // A report without statements stores only what the schema model
        // reads (and what a cache keeps for a later call).
        let store = !input.options.report_only || schema_reads || file_key.is_some();
        let migration = known.unwrap_or_else(|| {
            parse_in_project(
                file.path,
                &contents,
                &input.options.lint,
                &schema,
                lint,
                !input.options.findings_only,
                store,
            )
        });
        if let Some(key) = file_key {
            kept_files.insert(key, migration.clone());
        }
        let statements = if schema_reads { &migration.up[..] } else { &[] };
        for statement in statements {
            let verb = statement.keyword_ranges.words(&statement.text).next();
            if verb.is_some_and(|verb| {
                ["CREATE", "ALTER", "DROP"]
                    .iter()
                    .any(|v| verb.eq_ignore_ascii_case(v))
            }) {
                schema.apply(&statement.text);
            }
            // Rows copied, for `destructive-statement` in the change's later parts.
            if verb.is_some_and(|verb| {
                ["INSERT", "UPDATE", "DO", "WITH", "CREATE"]
                    .iter()
                    .any(|v| verb.eq_ignore_ascii_case(v))
            }) && mentions_from(&statement.text)
            {
                schema.record_copy(&statement.text);
            }
        }
        let mut migration = migration;
        if input.options.report_only {
            migration.forget_statements();
        }
        parsed.push(migration);
    }
    if let Some(cache) = cache {
        cache.files = kept_files;
    }
    parsed
}

/// Step 2: the migrations by id, a later file with an id already taken
/// reported as `duplicate-id`; each file's own findings moved to
/// `diagnostics`, and its ignore comments kept for [`settle`].
fn by_id(
    parsed: Vec<Migration>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (BTreeMap<u32, Migration>, HashMap<String, Silencer>) {
    let mut by_id: BTreeMap<u32, Migration> = BTreeMap::new();
    let mut silencers: HashMap<String, Silencer> = HashMap::new();
    for mut migration in parsed {
        let own = std::mem::take(&mut migration.diagnostics);
        diagnostics.extend(own);
        silencers.insert(migration.path.clone(), Silencer::of(&migration));
        let Some(id) = migration.id else { continue };
        if let Some(first) = by_id.get(&id) {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    &migration.path,
                    format!("{} has the same id as {}.", migration.file_name, first.file_name),
                )
                .with_help("Give one of them the next free id by renaming it (only if it has not been applied anywhere), or delete the one that should not exist.")
                .with_related(&first.path, None, format!("{} also has id {id}", first.file_name))
                .at_file_start(),
            );
            continue;
        }
        by_id.insert(id, migration);
    }

    (by_id, silencers)
}

/// Step 3: the lock and the tracker read (their own findings reported);
/// a database's history, when given, stands for the tracker, after drift
/// between the two is reported.
type StateEntries = (Option<Vec<LockEntry>>, Option<Vec<AppliedEntry>>);

fn read_state(input: &Input<'_>, diagnostics: &mut Vec<Diagnostic>) -> StateEntries {
    let (lock, lock_diagnostics) = parse_lock(input.lock_path, input.lock);
    diagnostics.extend(lock_diagnostics);
    let (tracker, tracker_diagnostics) = parse_tracker(input.tracker_path, input.tracker);
    diagnostics.extend(tracker_diagnostics);
    let lock_entries = lock.map(|lock| lock.entries);
    let mut tracker_entries = tracker.map(|tracker| tracker.entries);
    if let Some(history) = &input.history {
        // No tracker text at all: this history is not the one applied.toml
        // mirrors (another database), so there is nothing to compare.
        if let (Some(entries), Some(_)) = (&tracker_entries, input.tracker) {
            check_drift(entries, history, input, diagnostics);
        }
        tracker_entries = Some(history.clone());
    }

    (lock_entries, tracker_entries)
}

/// Step 4: each id's status from its file, its lock entry and its applied
/// record (`out-of-order` reported unless allowed), in id order.
fn statuses(
    by_id: &mut BTreeMap<u32, Migration>,
    locked: &BTreeMap<u32, &LockEntry>,
    applied: &BTreeMap<u32, &AppliedEntry>,
    input: &Input<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ProjectMigration> {
    let highest_applied = applied.keys().next_back().copied();
    let mut ids: Vec<u32> = by_id
        .keys()
        .chain(locked.keys())
        .chain(applied.keys())
        .copied()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    // Sized once: grown by doubling, its last copy held the old and the new
    // at once (each element holds the parsed file inline, 568 bytes natively).
    let mut migrations = Vec::with_capacity(ids.len());
    for id in ids {
        let file = by_id.remove(&id);
        let locked_entry = locked.get(&id).copied();
        let applied_entry = applied.get(&id).copied();
        let status = match (&file, applied_entry, locked_entry) {
            (None, _, _) => Status::Missing,
            (Some(file), Some(applied), _)
                if file.checksum.as_deref() != Some(&applied.checksum) =>
            {
                Status::Modified
            }
            (Some(_), Some(_), _) => Status::Applied,
            (Some(file), None, Some(locked))
                if file.checksum.as_deref() != Some(&locked.checksum) =>
            {
                Status::Modified
            }
            (Some(_), None, _) if highest_applied.is_some_and(|highest| id < highest) => {
                Status::OutOfOrder
            }
            (Some(_), None, _) => Status::Pending,
        };
        if status == Status::OutOfOrder && !input.options.allow_out_of_order {
            let file = file.as_ref().map_or("", |f| f.path.as_str());
            let label = describe(Some(id), file_name_of(file));
            diagnostics.push(
                Diagnostic::new(
                    Code::OutOfOrder,
                    file,
                    format!(
                        "{label} is not applied, but migration {} with a higher id is.",
                        highest_applied.unwrap_or(0)
                    ),
                )
                .with_help("Give it the next free id by renaming it (it has not been applied anywhere), or allow out-of-order migrations for this run (`--allow-out-of-order`).")
                .at_file_start(),
            );
        }
        let name = file
            .as_ref()
            .map(|file| file.name.clone())
            .or(applied_entry.map(|entry| entry.name.clone()))
            .or(locked_entry.map(|entry| entry.name.clone()))
            .unwrap_or_default();
        migrations.push(ProjectMigration {
            id,
            name,
            status,
            file,
            locked_checksum: locked_entry.map(|entry| entry.checksum.clone()),
            applied: applied_entry.cloned(),
        });
    }

    migrations
}

/// Step 5: the counts of statuses and severities.
fn summarize(migrations: &[ProjectMigration], diagnostics: &[Diagnostic]) -> Summary {
    let mut summary = Summary {
        total: migrations.len(),
        ..Summary::default()
    };
    for migration in migrations {
        match migration.status {
            Status::Applied => summary.applied += 1,
            Status::Pending => summary.pending += 1,
            Status::Modified => summary.modified += 1,
            Status::Missing => summary.missing += 1,
            Status::OutOfOrder => summary.out_of_order += 1,
        }
    }
    for diagnostic in diagnostics {
        match diagnostic.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
            Severity::Hint => summary.hints += 1,
        }
    }
    summary
}

fn check_drift(
    tracker: &[AppliedEntry],
    history: &[AppliedEntry],
    input: &Input<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let help = "The database's history is authoritative: let `kmb migration apply` or `kmb migration rollback` rewrite applied.toml from it, and commit the result.";
    let tracker_index = input.tracker.map(crate::line_index::LineIndex::new);
    let place = |diagnostic: Diagnostic, entry: Option<&AppliedEntry>| {
        diagnostic
            .with_span_in(entry.and_then(|e| e.span), tracker_index.as_ref())
            .with_help(help)
    };
    let in_tracker: HashMap<u32, &AppliedEntry> = tracker.iter().map(|e| (e.id, e)).collect();
    let in_history: HashMap<u32, &AppliedEntry> = history.iter().map(|e| (e.id, e)).collect();
    for entry in history {
        match in_tracker.get(&entry.id) {
            None => diagnostics.push(place(
                Diagnostic::new(
                    Code::TrackerDrift,
                    input.tracker_path,
                    format!("The database has migration {} (\"{}\") applied, but applied.toml does not list it.", entry.id, entry.name),
                ),
                None,
            )),
            Some(tracked) if tracked.checksum != entry.checksum => diagnostics.push(place(
                Diagnostic::new(
                    Code::TrackerDrift,
                    input.tracker_path,
                    format!(
                        "applied.toml records migration {} with checksum {}, but the database applied checksum {}.",
                        entry.id,
                        short_checksum(&tracked.checksum),
                        short_checksum(&entry.checksum)
                    ),
                ),
                Some(tracked),
            )),
            Some(_) => {}
        }
    }
    for entry in tracker {
        if !in_history.contains_key(&entry.id) {
            diagnostics.push(place(
                Diagnostic::new(
                    Code::TrackerDrift,
                    input.tracker_path,
                    format!("applied.toml lists migration {} (\"{}\") as applied, but the database has no record of it.", entry.id, entry.name),
                ),
                Some(entry),
            ));
        }
    }
}

/// Ids must run exactly 1..n (from `squash`, the id of a squash that
/// replaced 1..squash): one diagnostic per gap, on the file after it.
fn check_sequence(
    by_id: &BTreeMap<u32, Migration>,
    squash: Option<u32>,
    unreadable_ids: &[u32],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut expected: u32 = squash.unwrap_or(1);
    for (&id, migration) in by_id {
        while unreadable_ids.contains(&expected) && expected < id {
            expected += 1;
        }
        if id > expected {
            let missing = if id - expected == 1 {
                format!("id {expected} is")
            } else if id - expected == 2 {
                format!("ids {expected} and {} are", expected + 1)
            } else {
                format!("ids {expected} to {} are", id - 1)
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::SequenceGap,
                    &migration.path,
                    format!("Migration ids must run 1, 2, 3, ... without gaps, but {missing} missing before {}.", migration.label()),
                )
                .with_help("Restore the missing files from version control, or renumber the migrations that have not been applied anywhere so the ids have no gap.")
                .at_file_start(),
            );
        }
        expected = id.saturating_add(1);
    }
}

/// `unreadable_ids`: files that are there but could not be read; their own
/// finding says so, and they are not reported missing as well.
fn check_lock(
    entries: &[LockEntry],
    by_id: &BTreeMap<u32, Migration>,
    unreadable_ids: &[u32],
    input: &Input<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let lock_index = input.lock.map(crate::line_index::LineIndex::new);
    let lock_range = |entry: &LockEntry| range_in(entry.span, lock_index.as_ref());
    for entry in entries {
        let Some(file) = by_id.get(&entry.id) else {
            if unreadable_ids.contains(&entry.id) {
                continue;
            }
            let diagnostic = Diagnostic::new(
                Code::LockedFileMissing,
                input.lock_path,
                format!("The lock records migration {} (\"{}\"), but its file is not in the migrations folder.", entry.id, entry.name),
            )
            .with_help(format!("Restore the file `{:04}_*.sql` from version control; a migration that was applied somewhere must not be deleted.", entry.id))
            .with_span_in(entry.span, lock_index.as_ref());
            diagnostics.push(diagnostic);
            continue;
        };
        let label = file.label();
        match &file.checksum {
            Some(checksum) if *checksum == entry.checksum => {}
            checksum => {
                let now = checksum.as_deref().map_or("none", short_checksum);
                diagnostics.push(
                    Diagnostic {
                        span: file.body_span,
                        range: file.body_range,
                        ..Diagnostic::new(
                            Code::ChecksumMismatch,
                            &file.path,
                            format!(
                                "{label} was edited after it was locked (locked checksum {}, now {now}).",
                                short_checksum(&entry.checksum)
                            ),
                        )
                    }
                    .with_help("Revert the edit (for example `git checkout -- <file>`), and put the change in a new migration.")
                    .with_related(input.lock_path, lock_range(entry), format!("locked checksum {}", entry.checksum)),
                );
            }
        }
        if file.name != entry.name {
            diagnostics.push(
                Diagnostic::new(
                    Code::LockNameMismatch,
                    &file.path,
                    format!("The lock names {label} \"{}\", but the file now names it \"{}\".", entry.name, file.name),
                )
                .with_help(format!("Put the `-- Migration: {}` header back; the name is not part of the checksum, but both tools show it.", entry.name))
                .with_related(input.lock_path, lock_range(entry), "the locked name"),
            );
        }
    }
    // A project with no lock file yet has locked nothing: no news per file.
    if input.lock.is_none_or(|text| text.trim().is_empty()) {
        return;
    }
    let locked: std::collections::HashSet<u32> = entries.iter().map(|e| e.id).collect();
    for (id, file) in by_id {
        if !locked.contains(id) && file.checksum.is_some() {
            diagnostics.push(
                Diagnostic::new(
                    Code::Unlocked,
                    &file.path,
                    format!("{} is not in the lock yet.", file.label()),
                )
                .with_help("Run `kmb migration lock` (apply also locks what it applies) and commit the lock file.")
                .at_file_start(),
            );
        }
    }
}

/// A history from before the squash `n` (migration `n` replaced 1..n): one
/// finding, in place of one per replaced migration.
fn check_squash_adopted(
    entries: &[AppliedEntry],
    n: u32,
    by_id: &BTreeMap<u32, Migration>,
    input: &Input<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let before: Vec<u32> = entries.iter().map(|e| e.id).filter(|&id| id <= n).collect();
    let label = by_id
        .get(&n)
        .map_or_else(|| format!("migration {n}"), Migration::label);
    let whole = before.len() == n as usize;
    let listed = match before.as_slice() {
        [] => "none of them".to_string(),
        [one] => format!("migration {one}"),
        [first, .., last] if whole => format!("migrations {first} to {last}"),
        many => format!("{} of them", many.len()),
    };
    // The replaced files are kept beside the lock (`kmb migration squash`).
    let kept = match input.lock_path.rsplit_once(['/', '\\']) {
        Some((dir, _)) => format!("{dir}/squashed/"),
        None => "squashed/".to_string(),
    };
    let help = if whole {
        format!(
            "Run `kmb migration squash --adopt` against this database (`--database <url>` for a server): it checks the history against the squashed files kept in {kept} and rewrites it to the squash, in one transaction."
        )
    } else {
        format!(
            "This database stopped part way through the migrations {label} replaced. Apply the rest of them first with the project as it was before the squash (its files are in {kept}, or check out the commit before it), then run `kmb migration squash --adopt`."
        )
    };
    let tracker_index = input.tracker.map(crate::line_index::LineIndex::new);
    let first = entries.iter().find(|e| e.id < n);
    diagnostics.push(
        Diagnostic::new(
            Code::SquashNotAdopted,
            input.tracker_path,
            format!("{label} squashed migrations 1 to {n}, but this history still lists {listed} as applied one by one."),
        )
        .with_help(help)
        .with_span_in(first.and_then(|e| e.span), tracker_index.as_ref()),
    );
}

fn check_tracker(
    entries: &[AppliedEntry],
    by_id: &BTreeMap<u32, Migration>,
    unreadable_ids: &[u32],
    locked: &BTreeMap<u32, &LockEntry>,
    unadopted: Option<u32>,
    input: &Input<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let tracker_index = input.tracker.map(crate::line_index::LineIndex::new);
    let tracker_range = |entry: &AppliedEntry| range_in(entry.span, tracker_index.as_ref());
    for entry in entries {
        // Said once by `squash-not-adopted`.
        if unadopted.is_some_and(|n| entry.id <= n) {
            continue;
        }
        if let Some(lock) = locked.get(&entry.id)
            && lock.checksum != entry.checksum
        {
            let diagnostic = Diagnostic::new(
                Code::TrackerLockMismatch,
                input.tracker_path,
                format!(
                    "Migration {} was applied with checksum {}, but the lock records {}.",
                    entry.id,
                    short_checksum(&entry.checksum),
                    short_checksum(&lock.checksum)
                ),
            )
            .with_help("Find out which version of the file was really applied (version control, the database's kimberlite_migrations table) and restore that file and lock entry.")
            .with_span_in(entry.span, tracker_index.as_ref());
            diagnostics.push(diagnostic);
        }
        match by_id.get(&entry.id) {
            None if unreadable_ids.contains(&entry.id) => {}
            None => {
                let diagnostic = Diagnostic::new(
                    Code::AppliedMissing,
                    input.tracker_path,
                    format!("Migration {} (\"{}\") was applied, but its file is not in the migrations folder.", entry.id, entry.name),
                )
                .with_help(format!("Restore the file `{:04}_*.sql` from version control; an applied migration must stay in the folder.", entry.id))
                .with_span_in(entry.span, tracker_index.as_ref());
                diagnostics.push(diagnostic);
            }
            Some(file) if file.checksum.as_deref() != Some(&entry.checksum) => {
                let now = file.checksum.as_deref().map_or("none", short_checksum);
                diagnostics.push(
                    Diagnostic {
                        span: file.body_span,
                        range: file.body_range,
                        ..Diagnostic::new(
                            Code::AppliedModified,
                            &file.path,
                            format!(
                                "{} was edited after it was applied (applied checksum {}, now {now}).",
                                file.label(),
                                short_checksum(&entry.checksum)
                            ),
                        )
                    }
                    .with_help("Revert the edit (for example `git checkout -- <file>`); to change the schema further, add a new migration.")
                    .with_related(input.tracker_path, tracker_range(entry), format!("applied checksum {}", entry.checksum)),
                );
            }
            Some(_) => {}
        }
    }
}

/// Applies rule settings (levels, `off`) to one file's findings, then sorts.
pub fn apply_rules(diagnostics: Vec<Diagnostic>, options: &Options) -> Vec<Diagnostic> {
    settle(diagnostics, &HashMap::new(), options)
}

/// Applies ignore comments and rule settings, then sorts.
fn settle(
    diagnostics: Vec<Diagnostic>,
    silencers: &HashMap<String, Silencer>,
    options: &Options,
) -> Vec<Diagnostic> {
    let setting = |code: Code| {
        options
            .rules
            .iter()
            .rev()
            .find(|(rule, _)| *rule == code)
            .map(|(_, setting)| *setting)
            .filter(|setting| setting.allowed_for(code))
            // A Kimberlite project: PostgreSQL's rules are off unless asked for.
            .or(
                (options.kimberlite_target && Code::POSTGRES_ONLY.contains(&code))
                    .then_some(RuleSetting::Off),
            )
    };
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|diagnostic| {
            !silencers
                .get(&diagnostic.file)
                .is_some_and(|s| s.silences(diagnostic))
        })
        .filter_map(|mut diagnostic| match setting(diagnostic.code) {
            Some(RuleSetting::Off) => None,
            Some(RuleSetting::Severity(severity)) => {
                diagnostic.severity = severity;
                Some(diagnostic)
            }
            None => Some(diagnostic),
        })
        .collect();
    kept.sort_by(|a, b| {
        (&a.file, a.span.map(|s| s.start)).cmp(&(&b.file, b.span.map(|s| s.start)))
    });
    kept
}

/// The lock text with every unlocked migration (or only those in `ids`)
/// added. Refuses, returning the errors, while the report has any error: a
/// tampered file is never locked, and an existing entry never changes.
pub fn update_project_lock(
    input: &Input<'_>,
    report: &Report,
    ids: Option<&[u32]>,
) -> Result<String, Vec<Diagnostic>> {
    let errors = report.errors();
    if !errors.is_empty() {
        return Err(errors);
    }
    let additions: Vec<LockEntry> = report
        .migrations
        .iter()
        .filter(|m| m.locked_checksum.is_none())
        .filter(|m| ids.is_none_or(|ids| ids.contains(&m.id)))
        .filter_map(|m| {
            let file = m.file.as_ref()?;
            Some(LockEntry {
                id: m.id,
                name: file.name.clone(),
                checksum: file.checksum.clone()?,
                span: None,
            })
        })
        .collect();
    crate::lock::update_lock(input.lock_path, input.lock, &additions)
}
