//! Diagnostics: the one shape every finding takes, and the one table of codes.

pub use crate::line_index::Span;
use crate::line_index::{LineIndex, Range};

/// How serious a finding is. Ordered from most to least serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Blocks apply, lock updates and plans.
    Error,
    /// Worth fixing; never blocks.
    Warning,
    /// Good to know (for example: a migration is irreversible).
    Info,
    /// A suggestion an editor may show faintly.
    Hint,
}

impl Severity {
    /// The lowercase name used at the boundary (`"error"`, `"warning"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }

    /// Parses the lowercase name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Severity> {
        match name {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "hint" => Some(Severity::Hint),
            _ => None,
        }
    }
}

/// The group a code belongs to, for documentation and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Findings about one migration file.
    File,
    /// Findings about the migrations folder as a whole.
    Folder,
    /// Findings about the lock file.
    Lock,
    /// Findings about the tracker file and the database history.
    Tracker,
    /// Lint rules over the SQL.
    Lint,
    /// Findings about a call itself (a bad name, target or option).
    Call,
}

impl Group {
    /// The lowercase name (`file`, `folder`, `lock`, `tracker`, `lint`, `call`).
    pub fn as_str(self) -> &'static str {
        match self {
            Group::File => "file",
            Group::Folder => "folder",
            Group::Lock => "lock",
            Group::Tracker => "tracker",
            Group::Lint => "lint",
            Group::Call => "call",
        }
    }
}

/// Whether a finding may be silenced by an ignore comment or a run option
/// (SPEC §0, §7). Only lint rules and style findings about a file's own text
/// may be: a migration file must never be able to hide that it, or the
/// history around it, was tampered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Silencing {
    /// Ignore comments and options may turn it off or change its severity.
    Allowed,
    /// Integrity and structure findings: nothing may turn them off or make
    /// them less severe; options may only make them more severe.
    Never,
}

macro_rules! codes {
    ($( $variant:ident => $name:literal, $group:ident, $severity:ident, $silencing:ident, $summary:literal; )*) => {
        /// Every diagnostic code. Codes are stable: extend, never rename or reuse.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( #[doc = $summary] $variant, )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The group the code belongs to.
            pub fn group(self) -> Group {
                match self { $( Code::$variant => Group::$group, )* }
            }

            /// The severity a finding gets unless options change it.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// Whether ignore comments and options may silence it.
            pub fn silencing(self) -> Silencing {
                match self { $( Code::$variant => Silencing::$silencing, )* }
            }

            /// One sentence on what the code means (for docs and editor hovers).
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// Looks a code up by its kebab-case name.
            pub fn parse(name: &str) -> Option<Code> {
                match name { $( $name => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    InvalidFilename => "invalid-filename", File, Error, Never, "A `.sql` file whose name is not `<id>_<slug>.sql`.";
    NonstandardIdWidth => "nonstandard-id-width", File, Warning, Allowed, "The id in the file name is not written with four or more digits the way `{:04}` writes it.";
    InvalidUtf8 => "invalid-utf8", File, Error, Never, "The file is not valid UTF-8, so it has no checksum.";
    Bom => "bom", File, Warning, Allowed, "The file starts with a UTF-8 byte order mark.";
    InvalidCreated => "invalid-created", File, Warning, Allowed, "The `Created:` header is not an RFC 3339 date and time.";
    MetadataKeyCase => "metadata-key-case", File, Warning, Allowed, "A header such as `-- migration:` that Kimberlite ignores because keys are case-sensitive.";
    UnknownDirective => "unknown-directive", File, Warning, Allowed, "A `-- kimberlite:` directive this tool does not know.";
    DuplicateMarker => "duplicate-marker", File, Error, Never, "Two `-- Up Migration` or two `-- Down Migration` markers in one file.";
    MisplacedMarker => "misplaced-marker", File, Error, Never, "Marker text where Kimberlite's CLI would split the file but this tool would not (inside a line, string or comment, or in another letter case).";
    EmptyMigration => "empty-migration", File, Error, Never, "The Up section has no statement.";
    EmptyDown => "empty-down", File, Warning, Allowed, "A Down marker followed by no statement: rolling back would do nothing.";
    MissingDown => "missing-down", File, Info, Allowed, "No Down section: the migration cannot be rolled back.";
    UnterminatedString => "unterminated-string", File, Error, Never, "A quoted string or identifier that never closes.";
    UnterminatedComment => "unterminated-comment", File, Error, Never, "A `/*` block comment that never closes.";
    UnterminatedDollarQuote => "unterminated-dollar-quote", File, Error, Never, "A `$$` or `$tag$` body that never closes.";
    NotAFile => "not-a-file", File, Error, Never, "A `.sql` name in the migrations folder that is not a regular file (a folder, a FIFO, a device, a socket).";
    UnreadableFile => "unreadable-file", File, Error, Never, "A migration file that could not be read (no permission, a link to nothing, an I/O error).";
    FileTooLarge => "file-too-large", File, Error, Never, "A migration file over the size this tool reads (512 MiB) or splits into statements (64 MiB).";
    InvalidSquash => "invalid-squash", File, Error, Never, "A `-- kimberlite:squashes` directive that does not say `1-<this file's id>`.";
    DuplicateId => "duplicate-id", Folder, Error, Never, "Two migration files share one id.";
    SequenceGap => "sequence-gap", Folder, Error, Never, "The ids are not exactly 1..n.";
    OutOfOrder => "out-of-order", Folder, Error, Never, "A pending migration has a lower id than the highest applied one.";
    InvalidLock => "invalid-lock", Lock, Error, Never, "The lock file is not valid TOML or not in the lock file's shape.";
    UnsupportedLockVersion => "unsupported-lock-version", Lock, Error, Never, "The lock file's `version` is not 1.";
    DuplicateLockEntry => "duplicate-lock-entry", Lock, Error, Never, "The lock file has two entries for one id.";
    ChecksumMismatch => "checksum-mismatch", Lock, Error, Never, "A locked migration file was edited after it was locked.";
    LockedFileMissing => "locked-file-missing", Lock, Error, Never, "The lock records a migration whose file is gone.";
    LockNameMismatch => "lock-name-mismatch", Lock, Warning, Never, "The lock records another name than the file now has.";
    Unlocked => "unlocked", Lock, Info, Never, "A migration that is not in the lock yet.";
    InvalidTracker => "invalid-tracker", Tracker, Error, Never, "The tracker file is not valid TOML or not in the tracker's shape.";
    DuplicateApplied => "duplicate-applied", Tracker, Error, Never, "The tracker records one id as applied twice.";
    AppliedModified => "applied-modified", Tracker, Error, Never, "An applied migration's file was edited after it was applied.";
    AppliedMissing => "applied-missing", Tracker, Error, Never, "An applied migration's file is gone.";
    TrackerLockMismatch => "tracker-lock-mismatch", Tracker, Error, Never, "The tracker and the lock record different checksums for one migration.";
    TrackerDrift => "tracker-drift", Tracker, Error, Never, "The database's history and the tracker file disagree.";
    SquashNotAdopted => "squash-not-adopted", Tracker, Error, Never, "The database's history still lists the migrations a squash replaced: `kmb migration squash --adopt` rewrites it.";
    TransactionControl => "transaction-control", Lint, Error, Allowed, "Transaction control inside a migration that runs in a transaction.";
    NonTransactionalStatement => "non-transactional-statement", Lint, Error, Allowed, "A statement that cannot run inside a transaction, in a migration that runs in one.";
    NoTransactionMultipleStatements => "no-transaction-multiple-statements", Lint, Warning, Allowed, "A no-transaction migration with more than one statement.";
    DestructiveStatement => "destructive-statement", Lint, Warning, Allowed, "A statement that destroys data in an Up section.";
    MissingSemicolon => "missing-semicolon", Lint, Info, Allowed, "A statement not ended by `;`.";
    PsqlMetaCommand => "psql-meta-command", Lint, Error, Allowed, "A psql backslash command, which no database server understands.";
    InvisibleCharacter => "invisible-character", Lint, Error, Allowed, "A Unicode space or invisible character (U+00A0, U+FEFF, ...) outside strings and comments, which PostgreSQL reads as part of a name.";
    RequireConcurrentIndexCreation => "require-concurrent-index-creation", Lint, Warning, Allowed, "`CREATE INDEX` without `CONCURRENTLY` on a table that already exists: writes to it wait until the index is built (squawk).";
    RequireConcurrentIndexDeletion => "require-concurrent-index-deletion", Lint, Warning, Allowed, "`DROP INDEX` without `CONCURRENTLY`: reads and writes of its table wait until it is dropped (squawk).";
    ConstraintMissingNotValid => "constraint-missing-not-valid", Lint, Warning, Allowed, "A `CHECK` or foreign key added without `NOT VALID`: the whole table is scanned while writes wait (squawk).";
    AddingFieldWithDefault => "adding-field-with-default", Lint, Warning, Allowed, "A column added with a volatile default (or any default before PostgreSQL 11): the table is rewritten while everything waits (squawk).";
    AddingForeignKeyConstraint => "adding-foreign-key-constraint", Lint, Warning, Allowed, "A foreign key added in one step: both tables are locked against writes while it is checked; add it `NOT VALID`, then validate (squawk).";
    ChangingColumnType => "changing-column-type", Lint, Warning, Allowed, "A column type change, which may rewrite the table and its indexes while everything waits (squawk).";
    AddingNotNullableField => "adding-not-nullable-field", Lint, Warning, Allowed, "`SET NOT NULL`, which scans the table while everything waits; a `CHECK (c IS NOT NULL) NOT VALID` validated first makes it quick (squawk).";
    AddingSerialPrimaryKeyField => "adding-serial-primary-key-field", Lint, Warning, Allowed, "A primary key added to an existing table, which builds its index while everything waits (squawk).";
    DisallowedUniqueConstraint => "disallowed-unique-constraint", Lint, Warning, Allowed, "A `UNIQUE` constraint added to an existing table without an index built `CONCURRENTLY` first (squawk).";
    AddingRequiredField => "adding-required-field", Lint, Warning, Allowed, "A `NOT NULL` column added without a default: it fails on a table that has rows (squawk).";
    RequireConcurrentPartitionDetach => "require-concurrent-partition-detach", Lint, Warning, Allowed, "`DETACH PARTITION` without `CONCURRENTLY` (squawk).";
    RequireConcurrentReindex => "require-concurrent-reindex", Lint, Warning, Allowed, "`REINDEX` without `CONCURRENTLY` (squawk).";
    RenamingColumn => "renaming-column", Lint, Warning, Allowed, "A column rename, which breaks clients still running the old code (squawk).";
    RenamingTable => "renaming-table", Lint, Warning, Allowed, "A table rename, which breaks clients still running the old code (squawk).";
    RenamingObject => "renaming-object", Lint, Warning, Allowed, "A rename of another object (function, type, view, ...), which breaks clients still using the old name (squawk).";
    BanDropDatabase => "ban-drop-database", Lint, Warning, Allowed, "`DROP DATABASE` in a migration (squawk).";
    BanTruncateCascade => "ban-truncate-cascade", Lint, Warning, Allowed, "`TRUNCATE ... CASCADE`, which also empties every table that references it (squawk).";
    BanCreateDomainWithConstraint => "ban-create-domain-with-constraint", Lint, Warning, Allowed, "A domain created with a constraint, which later changes can only validate by scanning every table that uses it (squawk).";
    BanAlterDomainWithAddConstraint => "ban-alter-domain-with-add-constraint", Lint, Warning, Allowed, "A constraint added to a domain, which scans every table that uses it while they wait (squawk).";
    IdentifierTooLong => "identifier-too-long", Lint, Warning, Allowed, "A name longer than 63 bytes, which PostgreSQL silently cuts short (squawk).";
    BanDuplicateColumnAssignments => "ban-duplicate-column-assignments", Lint, Error, Allowed, "One column assigned twice in an `UPDATE` or `INSERT`, which PostgreSQL refuses (squawk).";
    UnusedIgnore => "unused-ignore", Lint, Info, Allowed, "A `-- squawk-ignore` comment that names no squawk rule (squawk).";
    SyntaxError => "syntax-error", Lint, Warning, Allowed, "SQL that squawk's PostgreSQL parser cannot read: PostgreSQL will likely refuse it, and the lock rules could not check it.";
    RequireLockTimeout => "require-lock-timeout", Lint, Warning, Allowed, "A statement that takes a lock with no `lock_timeout` set before it in the file: while it waits for the lock, every query behind it waits too (squawk; opt-in).";
    RequireStatementTimeout => "require-statement-timeout", Lint, Warning, Allowed, "A statement that takes a lock with no `statement_timeout` set before it in the file: a slow one holds the lock as long as it runs (squawk; opt-in).";
    PreferRobustStmts => "prefer-robust-stmts", Lint, Warning, Allowed, "A statement that fails when run twice (`CREATE TABLE` without `IF NOT EXISTS`, ...) in a migration outside a transaction, which a failure may leave half done (squawk; opt-in).";
    PreferBigintOverInt => "prefer-bigint-over-int", Lint, Warning, Allowed, "An `integer` column, which can run out of values; `bigint` costs 4 more bytes (squawk; opt-in style).";
    PreferBigintOverSmallint => "prefer-bigint-over-smallint", Lint, Warning, Allowed, "A `smallint` column, which can run out of values (squawk; opt-in style).";
    PreferIdentity => "prefer-identity", Lint, Warning, Allowed, "A `serial` column; `GENERATED ... AS IDENTITY` is the standard form with fewer permission pitfalls (squawk; opt-in style).";
    PreferTextField => "prefer-text-field", Lint, Warning, Allowed, "A `varchar(n)` column, whose limit can only grow later under a lock; `text` with a `CHECK` is easier to change (squawk; opt-in style).";
    PreferTimestamptz => "prefer-timestamptz", Lint, Warning, Allowed, "A `timestamp` column without a time zone (squawk; opt-in style).";
    BanCharField => "ban-char-field", Lint, Warning, Allowed, "A `char(n)` column, padded with spaces; use `text` or `varchar` (squawk; opt-in style).";
    LintSkipped => "lint-skipped", Lint, Info, Allowed, "A section too large for the lock rules (over 1 MiB, a data load): only the token rules checked it.";
    KimberliteUnsupported => "kimberlite-unsupported", Lint, Error, Allowed, "A statement Kimberlite refuses: its own parser, or an empty Kimberlite database running the migrations in order (`kmb migration lint --target kimberlite`, through the native helper `kmb-kimberlite`).";
    KimberliteNotChecked => "kimberlite-not-checked", Lint, Info, Allowed, "The project targets Kimberlite (`[migrations] target = \"kimberlite\"`), but this check could not ask Kimberlite: its parser runs in the native helper `kmb-kimberlite`, which a browser or the wasm core alone does not have.";
    InvalidConfig => "invalid-config", Call, Error, Never, "The project file `kimberlite.toml` is not valid TOML, or this tool's settings in it (`[migrations] directory`, `[migrations.lint.rules]`) are wrong.";
    InvalidName => "invalid-name", Call, Error, Never, "A name for a new migration that cannot become a file name.";
    InvalidTarget => "invalid-target", Call, Error, Never, "A target id or step count that names no migration.";
    UnknownCode => "unknown-code", Call, Warning, Never, "Options or an ignore comment name a code that does not exist.";
    IgnoreNotAllowed => "ignore-not-allowed", Call, Warning, Never, "An ignore comment or option tries to silence an integrity finding (checksums, lock, tracker, ids, file structure), which nothing may silence.";
}

impl Code {
    /// The rules that run only when the project turns them on
    /// (`[migrations.lint.rules] prefer-text-field = "warning"`): style
    /// rules, and squawk rules that ask for a habit rather than report a
    /// hazard.
    pub const OPT_IN: &'static [Code] = &[
        Code::RequireLockTimeout,
        Code::RequireStatementTimeout,
        Code::PreferRobustStmts,
        Code::PreferBigintOverInt,
        Code::PreferBigintOverSmallint,
        Code::PreferIdentity,
        Code::PreferTextField,
        Code::PreferTimestamptz,
        Code::BanCharField,
    ];

    /// squawk's rules: the codes that are names of squawk's rules, run on
    /// its parser (`lint::squawk`). A test checks this against squawk's own
    /// list. (`unused-ignore` is squawk's too, but no rule: squawk reports
    /// it whatever rules run.)
    pub const SQUAWK: &'static [Code] = &[
        Code::RequireConcurrentIndexCreation,
        Code::RequireConcurrentIndexDeletion,
        Code::ConstraintMissingNotValid,
        Code::AddingFieldWithDefault,
        Code::AddingForeignKeyConstraint,
        Code::ChangingColumnType,
        Code::AddingNotNullableField,
        Code::AddingSerialPrimaryKeyField,
        Code::DisallowedUniqueConstraint,
        Code::AddingRequiredField,
        Code::RequireConcurrentPartitionDetach,
        Code::RequireConcurrentReindex,
        Code::RenamingColumn,
        Code::RenamingTable,
        Code::RenamingObject,
        Code::BanDropDatabase,
        Code::BanTruncateCascade,
        Code::BanCreateDomainWithConstraint,
        Code::BanAlterDomainWithAddConstraint,
        Code::IdentifierTooLong,
        Code::BanDuplicateColumnAssignments,
        Code::RequireLockTimeout,
        Code::RequireStatementTimeout,
        Code::PreferRobustStmts,
        Code::PreferBigintOverInt,
        Code::PreferBigintOverSmallint,
        Code::PreferIdentity,
        Code::PreferTextField,
        Code::PreferTimestamptz,
        Code::BanCharField,
    ];

    /// The rules about PostgreSQL's transactions, locks and parser, which
    /// say nothing about a database without transactions and with locks of
    /// its own: off by default in a project that targets Kimberlite (a
    /// level in `[migrations.lint.rules]` turns one back on).
    pub const POSTGRES_ONLY: &'static [Code] = &[
        Code::NonTransactionalStatement,
        Code::NoTransactionMultipleStatements,
        Code::RequireConcurrentIndexCreation,
        Code::RequireConcurrentIndexDeletion,
        Code::ConstraintMissingNotValid,
        Code::AddingFieldWithDefault,
        Code::AddingForeignKeyConstraint,
        Code::ChangingColumnType,
        Code::AddingNotNullableField,
        Code::AddingSerialPrimaryKeyField,
        Code::DisallowedUniqueConstraint,
        Code::RequireConcurrentPartitionDetach,
        Code::RequireConcurrentReindex,
        Code::BanCreateDomainWithConstraint,
        Code::BanAlterDomainWithAddConstraint,
        Code::IdentifierTooLong,
        Code::SyntaxError,
        Code::LintSkipped,
    ];

    /// Whether it is one of [`Code::SQUAWK`].
    pub fn is_squawk(self) -> bool {
        Code::SQUAWK.contains(&self)
    }

    /// Whether it is one of [`Code::OPT_IN`].
    pub fn is_opt_in(self) -> bool {
        Code::OPT_IN.contains(&self)
    }

    /// Whether ignore comments and options may silence it.
    pub fn is_silenceable(self) -> bool {
        self.silencing() == Silencing::Allowed
    }

    /// Why a code that may not be silenced may not be, as a phrase for
    /// messages ("an integrity finding about the lock file").
    pub fn silencing_reason(self) -> &'static str {
        match self.group() {
            Group::File => "a finding about the file's structure, which decides what SQL runs",
            Group::Folder => "an integrity finding about the migration ids",
            Group::Lock => "an integrity finding about the lock file",
            Group::Tracker => "an integrity finding about the applied history",
            Group::Lint | Group::Call => "a finding about the run itself",
        }
    }
}

/// Another place that explains a diagnostic (the first of two duplicate ids, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The path of that place.
    pub file: String,
    /// Where in it, when known.
    pub range: Option<Range>,
    /// What is there.
    pub message: String,
}

/// One finding. Built with [`Diagnostic::new`] and the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Severity after options were applied.
    pub severity: Severity,
    /// One sentence that names the migration by id and file.
    pub message: String,
    /// The path the caller gave for the input concerned.
    pub file: String,
    /// Byte offsets into that input.
    pub span: Option<Span>,
    /// 0-based line and UTF-16 character positions (LSP).
    pub range: Option<Range>,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places that explain it.
    pub related: Vec<Related>,
    /// A change to the same file that fixes it, when one is known.
    pub fix: Option<Fix>,
}

/// A change that fixes a finding: edits to the finding's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, as an editor offers it ("Add `CONCURRENTLY`").
    pub title: String,
    /// The edits, in the order given, none overlapping.
    pub edits: Vec<Edit>,
}

/// Replace the text of `span` (empty: insert there) with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte offsets into the file.
    pub span: Span,
    /// The same place as an LSP range.
    pub range: Range,
    /// The new text.
    pub text: String,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and no position.
    /// A message that opens with a migration's label (`migration 3 (...)`)
    /// gets a capital letter, as every message is a sentence.
    pub fn new(code: Code, file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        let mut message = message.into();
        if message.starts_with("migration ") {
            message.replace_range(..1, "M");
        }
        Diagnostic {
            code,
            severity: code.default_severity(),
            message,
            file: file.into(),
            span: None,
            range: None,
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }

    /// Adds a fix: `edits` as `(span, new text)` in the file `index` indexes.
    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        edits: impl IntoIterator<Item = (Span, String)>,
        index: &LineIndex,
    ) -> Diagnostic {
        let edits = edits
            .into_iter()
            .map(|(span, text)| Edit {
                span,
                range: index.range(span),
                text,
            })
            .collect();
        self.fix = Some(Fix {
            title: title.into(),
            edits,
        });
        self
    }

    /// Places the diagnostic at `span`, computing its LSP range from `index`.
    pub fn with_span(mut self, span: Span, index: &LineIndex) -> Diagnostic {
        self.range = Some(index.range(span));
        self.span = Some(span);
        self
    }

    /// Makes the finding an error, whatever its code's default severity (a
    /// refusal of a plan, say).
    pub fn with_severity_error(mut self) -> Diagnostic {
        self.severity = Severity::Error;
        self
    }

    /// Places the diagnostic at `span` when there is one, with its range
    /// when the text's index is known too (a state document's entry, say).
    pub fn with_span_in(mut self, span: Option<Span>, index: Option<&LineIndex>) -> Diagnostic {
        self.span = span;
        self.range = range_in(span, index);
        self
    }

    /// Places the diagnostic at the very start of its file: for findings
    /// about a file as a whole, so that editors still have a place to show them.
    pub fn at_file_start(mut self) -> Diagnostic {
        self.span = Some(Span::new(0, 0));
        self.range = Some(Range::default());
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a related place.
    pub fn with_related(
        mut self,
        file: impl Into<String>,
        range: Option<Range>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.related.push(Related {
            file: file.into(),
            range,
            message: message.into(),
        });
        self
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The range of `span` in the text `index` was built for, when both are known.
pub fn range_in(span: Option<Span>, index: Option<&LineIndex>) -> Option<Range> {
    span.zip(index).map(|(span, index)| index.range(span))
}

/// The first eight characters of a checksum, for messages only.
pub fn short_checksum(checksum: &str) -> &str {
    checksum.get(..8).unwrap_or(checksum)
}
