//! camelCase boundary types, converted from the core's types.

use serde::{Deserialize, Serialize};

use crate::create::NewMigration;
use crate::diagnostic::{Diagnostic, Related, Span};
use crate::line_index::{Position, Range};
use crate::migration::{Migration, Statement};
use crate::plan::Step;
use crate::project::{ProjectMigration, Report, Summary};
use crate::sql::split::Keywords;
use crate::tracker::AppliedEntry;

/// Byte offsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanDto {
    pub start: u32,
    pub end: u32,
}

impl From<Span> for SpanDto {
    fn from(span: Span) -> Self {
        SpanDto {
            start: span.start as u32,
            end: span.end as u32,
        }
    }
}

/// A 0-based line and UTF-16 character.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PositionDto {
    pub line: u32,
    pub character: u32,
}

impl From<Position> for PositionDto {
    fn from(position: Position) -> Self {
        PositionDto {
            line: position.line,
            character: position.character,
        }
    }
}

/// An LSP range.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RangeDto {
    pub start: PositionDto,
    pub end: PositionDto,
}

impl From<Range> for RangeDto {
    fn from(range: Range) -> Self {
        RangeDto {
            start: range.start.into(),
            end: range.end.into(),
        }
    }
}

// The result types below borrow from the core's values: a result crosses the
// boundary as JSON written straight from them, with no copy in between.

/// Another place that explains a diagnostic.
#[derive(Debug, Serialize)]
pub struct RelatedDto<'a> {
    pub file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeDto>,
    pub message: &'a str,
}

impl<'a> From<&'a Related> for RelatedDto<'a> {
    fn from(related: &'a Related) -> Self {
        RelatedDto {
            file: &related.file,
            range: related.range.map(Into::into),
            message: &related.message,
        }
    }
}

/// SPEC §7's Diagnostic: optional fields are absent, not null.
#[derive(Debug, Serialize)]
pub struct DiagnosticDto<'a> {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    pub file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<SpanDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedDto<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixDto<'a>>,
}

/// A fix: a title and edits, each with its span and range.
#[derive(Debug, Serialize)]
pub struct FixDto<'a> {
    pub title: &'a str,
    pub edits: Vec<EditDto<'a>>,
}

/// One edit of a fix.
#[derive(Debug, Serialize)]
pub struct EditDto<'a> {
    pub span: SpanDto,
    pub range: RangeDto,
    pub text: &'a str,
}

impl<'a> From<&'a Diagnostic> for DiagnosticDto<'a> {
    fn from(diagnostic: &'a Diagnostic) -> Self {
        DiagnosticDto {
            code: diagnostic.code.as_str(),
            severity: diagnostic.severity.as_str(),
            message: &diagnostic.message,
            file: &diagnostic.file,
            span: diagnostic.span.map(Into::into),
            range: diagnostic.range.map(Into::into),
            help: diagnostic.help.as_deref(),
            related: diagnostic.related.iter().map(Into::into).collect(),
            fix: diagnostic.fix.as_ref().map(Into::into),
        }
    }
}

impl<'a> From<&'a crate::diagnostic::Fix> for FixDto<'a> {
    fn from(fix: &'a crate::diagnostic::Fix) -> Self {
        FixDto {
            title: &fix.title,
            edits: fix
                .edits
                .iter()
                .map(|edit| EditDto {
                    span: edit.span.into(),
                    range: edit.range.into(),
                    text: &edit.text,
                })
                .collect(),
        }
    }
}

/// The two ignore-comment fixes of a finding (`ignoreFixes`).
#[derive(Debug, Serialize)]
pub struct IgnoreFixesDto<'a> {
    pub statement: FixDto<'a>,
    pub file: FixDto<'a>,
}

/// Converts a list of diagnostics.
pub fn diagnostics(list: &[Diagnostic]) -> Vec<DiagnosticDto<'_>> {
    list.iter().map(Into::into).collect()
}

/// A statement's first words, uppercased as they are written out.
#[derive(Debug, Clone, Copy)]
pub struct KeywordsDto<'a> {
    pub keywords: Keywords,
    pub text: &'a str,
}

impl Serialize for KeywordsDto<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.keywords.uppercase(self.text))
    }
}

/// One statement.
#[derive(Debug, Serialize)]
pub struct StatementDto<'a> {
    pub text: &'a str,
    pub span: SpanDto,
    pub range: RangeDto,
    pub keywords: KeywordsDto<'a>,
    pub terminated: bool,
}

impl<'a> From<&'a Statement> for StatementDto<'a> {
    fn from(statement: &'a Statement) -> Self {
        StatementDto {
            text: &statement.text,
            span: statement.span.into(),
            range: statement.range.into(),
            keywords: KeywordsDto {
                keywords: statement.keyword_ranges,
                text: &statement.text,
            },
            terminated: statement.terminated,
        }
    }
}

fn statements(list: &[Statement]) -> Vec<StatementDto<'_>> {
    list.iter().map(Into::into).collect()
}

/// Directives of a file.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectivesDto {
    pub no_transaction: bool,
    pub ignore_file: Vec<&'static str>,
    /// `-- kimberlite:squashes 1-N`: N, this file's id.
    pub squashes: Option<u32>,
}

/// What a migration's file tells: shared by `parseMigration` and each
/// migration of `analyze` (where a missing file leaves them null).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileFieldsDto<'a> {
    pub slug: Option<&'a str>,
    pub path: Option<&'a str>,
    pub file_name: Option<&'a str>,
    pub title: Option<&'a str>,
    pub created: Option<&'a str>,
    pub author: Option<&'a str>,
    pub checksum: Option<&'a str>,
    pub transactional: bool,
    pub directives: DirectivesDto,
    pub up: Vec<StatementDto<'a>>,
    pub down: Option<Vec<StatementDto<'a>>>,
}

impl<'a> FileFieldsDto<'a> {
    /// The file's fields; without statements, `up` is empty and `down`
    /// only tells whether the file has a Down section.
    fn new(file: Option<&'a Migration>, checksum: Option<&'a str>, with_statements: bool) -> Self {
        let list = |found: &'a [Statement]| {
            if with_statements {
                statements(found)
            } else {
                Vec::new()
            }
        };
        FileFieldsDto {
            slug: file.and_then(|f| f.slug.as_deref()),
            path: file.map(|f| f.path.as_str()),
            file_name: file.map(|f| f.file_name.as_str()),
            title: file.and_then(|f| f.title.as_deref()),
            created: file.and_then(|f| f.created.as_deref()),
            author: file.and_then(|f| f.author.as_deref()),
            checksum,
            transactional: file.is_none_or(Migration::transactional),
            directives: file.map_or_else(DirectivesDto::default, |f| DirectivesDto {
                no_transaction: f.directives.no_transaction,
                ignore_file: f
                    .directives
                    .ignore_file
                    .iter()
                    .map(|c| c.as_str())
                    .collect(),
                squashes: f.directives.squashes,
            }),
            up: file.map_or_else(Vec::new, |f| list(&f.up)),
            down: file.and_then(|f| f.down.as_deref()).map(list),
        }
    }
}

/// `parseMigration`'s result: a file's migration with its own findings.
#[derive(Debug, Serialize)]
pub struct MigrationDto<'a> {
    pub id: Option<u32>,
    pub name: &'a str,
    #[serde(flatten)]
    pub file: FileFieldsDto<'a>,
    pub diagnostics: Vec<DiagnosticDto<'a>>,
}

impl<'a> From<&'a Migration> for MigrationDto<'a> {
    fn from(migration: &'a Migration) -> Self {
        MigrationDto {
            id: migration.id,
            name: &migration.name,
            file: FileFieldsDto::new(Some(migration), migration.checksum.as_deref(), true),
            diagnostics: diagnostics(&migration.diagnostics),
        }
    }
}

/// One migration of a report: the file's fields (null when the file is
/// missing) plus its status and what the lock and tracker record.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectMigrationDto<'a> {
    pub id: u32,
    pub name: &'a str,
    pub status: &'static str,
    #[serde(flatten)]
    pub file: FileFieldsDto<'a>,
    pub locked_checksum: Option<&'a str>,
    pub applied_at: Option<&'a str>,
    pub applied_by: Option<&'a str>,
}

impl<'a> ProjectMigrationDto<'a> {
    fn new(migration: &'a ProjectMigration) -> Self {
        let applied = migration.applied.as_ref();
        ProjectMigrationDto {
            id: migration.id,
            name: &migration.name,
            status: migration.status.as_str(),
            file: FileFieldsDto::new(migration.file.as_ref(), migration.checksum(), false),
            locked_checksum: migration.locked_checksum.as_deref(),
            applied_at: applied.map(|a| a.applied_at.as_str()),
            applied_by: applied.and_then(|a| a.applied_by.as_deref()),
        }
    }
}

/// Counts.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryDto {
    pub total: u32,
    pub applied: u32,
    pub pending: u32,
    pub modified: u32,
    pub missing: u32,
    pub out_of_order: u32,
    pub errors: u32,
    pub warnings: u32,
    pub infos: u32,
    pub hints: u32,
}

impl From<Summary> for SummaryDto {
    fn from(s: Summary) -> Self {
        SummaryDto {
            total: s.total as u32,
            applied: s.applied as u32,
            pending: s.pending as u32,
            modified: s.modified as u32,
            missing: s.missing as u32,
            out_of_order: s.out_of_order as u32,
            errors: s.errors as u32,
            warnings: s.warnings as u32,
            infos: s.infos as u32,
            hints: s.hints as u32,
        }
    }
}

/// `analyze`'s result.
#[derive(Debug, Serialize)]
pub struct ReportDto<'a> {
    pub ok: bool,
    pub migrations: Vec<ProjectMigrationDto<'a>>,
    pub diagnostics: Vec<DiagnosticDto<'a>>,
    pub summary: SummaryDto,
}

impl<'a> ReportDto<'a> {
    /// The report, without the migrations' statements (see `analyze`).
    pub fn new(report: &'a Report) -> Self {
        ReportDto {
            ok: report.ok,
            migrations: report
                .migrations
                .iter()
                .map(ProjectMigrationDto::new)
                .collect(),
            diagnostics: diagnostics(&report.diagnostics),
            summary: report.summary.into(),
        }
    }
}

/// One migration of a plan.
#[derive(Debug, Serialize)]
pub struct StepDto<'a> {
    pub id: u32,
    pub name: &'a str,
    pub path: &'a str,
    pub checksum: &'a str,
    pub transactional: bool,
    pub statements: Vec<StatementDto<'a>>,
}

impl<'a> From<&'a Step> for StepDto<'a> {
    fn from(step: &'a Step) -> Self {
        StepDto {
            id: step.id,
            name: &step.name,
            path: &step.path,
            checksum: &step.checksum,
            transactional: step.transactional,
            statements: statements(&step.statements),
        }
    }
}

/// A result that may be refused: `ok`, the value's fields (empty when
/// refused), and the diagnostics that refused it.
#[derive(Debug, Serialize)]
pub struct Outcome<'a, T> {
    pub ok: bool,
    #[serde(flatten)]
    pub value: T,
    pub diagnostics: Vec<DiagnosticDto<'a>>,
}

impl<'a, T: Default + From<&'a X>, X> From<&'a Result<X, Vec<Diagnostic>>> for Outcome<'a, T> {
    fn from(result: &'a Result<X, Vec<Diagnostic>>) -> Self {
        match result {
            Ok(value) => Outcome {
                ok: true,
                value: value.into(),
                diagnostics: Vec::new(),
            },
            Err(found) => Outcome {
                ok: false,
                value: T::default(),
                diagnostics: diagnostics(found),
            },
        }
    }
}

/// A plan's steps.
#[derive(Debug, Default, Serialize)]
pub struct StepsDto<'a> {
    pub steps: Vec<StepDto<'a>>,
}

impl<'a> From<&'a Vec<Step>> for StepsDto<'a> {
    fn from(steps: &'a Vec<Step>) -> Self {
        StepsDto {
            steps: steps.iter().map(Into::into).collect(),
        }
    }
}

/// A new document's text.
#[derive(Debug, Default, Serialize)]
pub struct TextDto<'a> {
    pub text: Option<&'a str>,
}

impl<'a> From<&'a String> for TextDto<'a> {
    fn from(text: &'a String) -> Self {
        TextDto { text: Some(text) }
    }
}

/// A new migration file.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewFileDto<'a> {
    pub id: Option<u32>,
    pub file_name: Option<&'a str>,
    pub text: Option<&'a str>,
}

impl<'a> From<&'a NewMigration> for NewFileDto<'a> {
    fn from(made: &'a NewMigration) -> Self {
        NewFileDto {
            id: Some(made.id),
            file_name: Some(&made.file_name),
            text: Some(&made.text),
        }
    }
}

/// `planApply` / `planRollback`'s result.
pub type PlanDto<'a> = Outcome<'a, StepsDto<'a>>;
/// `updateLock` / `recordApplied` / `removeApplied`'s result.
pub type DocumentDto<'a> = Outcome<'a, TextDto<'a>>;
/// `createMigration`'s result.
pub type CreatedDto<'a> = Outcome<'a, NewFileDto<'a>>;

/// A tracker entry as it crosses the boundary (history rows, `recordApplied`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AppliedDto {
    pub id: u32,
    pub name: String,
    pub checksum: String,
    pub applied_at: String,
    #[serde(default)]
    pub applied_by: Option<String>,
}

impl From<AppliedDto> for AppliedEntry {
    fn from(dto: AppliedDto) -> Self {
        AppliedEntry {
            id: dto.id,
            name: dto.name,
            checksum: dto.checksum,
            applied_at: dto.applied_at,
            applied_by: dto.applied_by,
            span: None,
        }
    }
}

/// A code's entry in the code table (`codes()`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeInfoDto {
    pub code: &'static str,
    pub group: &'static str,
    pub severity: &'static str,
    pub silenceable: bool,
    /// Runs only when the project turns it on.
    pub opt_in: bool,
    /// For a lint rule: whether it reads Down sections as well as Up.
    pub down: Option<bool>,
    /// For a lint rule: whether it needs squawk's parser (left out by
    /// `parserRules: false`).
    pub parser: Option<bool>,
    pub summary: &'static str,
}

/// Run options: `{ allowOutOfOrder, rules: { "<code>": "off" | "<severity>" }, pgVersion, lintOnly, parserRules, reuse }`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OptionsDto {
    #[serde(default)]
    pub allow_out_of_order: Option<bool>,
    #[serde(default)]
    pub rules: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub pg_version: Option<String>,
    /// The paths whose lint rules run (all when absent).
    #[serde(default)]
    pub lint_only: Option<Vec<String>>,
    /// `false`: only the token rules, not the ones that need squawk's parser.
    #[serde(default)]
    pub parser_rules: Option<bool>,
    /// `true`: keep what was parsed of the files before the first `lintOnly`
    /// file for the next call (an editor's keystrokes).
    #[serde(default)]
    pub reuse: Option<bool>,
    /// `"kimberlite"`: the project targets Kimberlite (`kimberlite-not-checked`
    /// unless `external` is given); `"postgresql"`, the default.
    #[serde(default)]
    pub target: Option<String>,
}

/// Everything of a project input but the files (read separately, so that
/// `Uint8Array` contents are copied once).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProjectInputDto {
    /// `false`: the caller reads findings only.
    #[serde(default)]
    pub statements: Option<bool>,
    #[serde(default)]
    pub lock: Option<String>,
    #[serde(default)]
    pub tracker: Option<String>,
    #[serde(default)]
    pub lock_path: Option<String>,
    #[serde(default)]
    pub tracker_path: Option<String>,
    #[serde(default)]
    pub history: Option<Vec<AppliedDto>>,
    #[serde(default)]
    pub options: Option<OptionsDto>,
    /// `planApply`: apply up to and including this id.
    #[serde(default)]
    pub to: Option<u32>,
    /// `planRollback`: roll back this many.
    #[serde(default)]
    pub steps: Option<u32>,
    /// `updateLock`: lock only these ids (all when absent).
    #[serde(default)]
    pub ids: Option<Vec<u32>>,
    /// Entries of the migrations folder the caller could not read as files.
    #[serde(default)]
    pub unreadable: Option<Vec<UnreadableDto>>,
    /// Statements Kimberlite refused (the native helper's answers).
    #[serde(default)]
    pub external: Option<Vec<ExternalDto>>,
}

/// `{ path, span, at?, detail, stage, down? }`: a statement Kimberlite refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExternalDto {
    pub path: String,
    pub span: SpanDto,
    #[serde(default)]
    pub at: Option<u32>,
    #[serde(default)]
    pub detail: String,
    /// `parse`, `execute` or `accepted`.
    pub stage: String,
    #[serde(default)]
    pub down: bool,
}

/// `{ path, code, detail }`: a `.sql` entry that could not be read as a file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UnreadableDto {
    pub path: String,
    pub code: String,
    #[serde(default)]
    pub detail: String,
}
