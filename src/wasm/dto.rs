//! camelCase boundary types, converted from the core's types.

use serde::{Deserialize, Serialize};

use crate::create::NewMigration;
use crate::diagnostic::{Diagnostic, Related, Span};
use crate::line_index::{Position, Range};
use crate::migration::{Migration, Statement};
use crate::plan::Step;
use crate::project::{ProjectMigration, Report, Summary};
use crate::tracker::AppliedEntry;

/// Byte offsets.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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

/// Another place that explains a diagnostic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelatedDto {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub range: Option<RangeDto>,
    pub message: String,
}

impl From<&Related> for RelatedDto {
    fn from(related: &Related) -> Self {
        RelatedDto {
            file: related.file.clone(),
            range: related.range.map(Into::into),
            message: related.message.clone(),
        }
    }
}

/// SPEC §7's Diagnostic: optional fields are absent, not null.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiagnosticDto {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<SpanDto>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub range: Option<RangeDto>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<RelatedDto>,
}

impl From<&Diagnostic> for DiagnosticDto {
    fn from(diagnostic: &Diagnostic) -> Self {
        DiagnosticDto {
            code: diagnostic.code.as_str().to_string(),
            severity: diagnostic.severity.as_str().to_string(),
            message: diagnostic.message.clone(),
            file: diagnostic.file.clone(),
            span: diagnostic.span.map(Into::into),
            range: diagnostic.range.map(Into::into),
            help: diagnostic.help.clone(),
            related: diagnostic.related.iter().map(Into::into).collect(),
        }
    }
}

/// Converts a list of diagnostics.
pub fn diagnostics(list: &[Diagnostic]) -> Vec<DiagnosticDto> {
    list.iter().map(Into::into).collect()
}

/// One statement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatementDto {
    pub text: String,
    pub span: SpanDto,
    pub range: RangeDto,
    pub keywords: Vec<String>,
    pub terminated: bool,
}

impl From<&Statement> for StatementDto {
    fn from(statement: &Statement) -> Self {
        StatementDto {
            text: statement.text.clone(),
            span: statement.span.into(),
            range: statement.range.into(),
            keywords: statement.keywords(),
            terminated: statement.terminated,
        }
    }
}

fn statements(list: &[Statement]) -> Vec<StatementDto> {
    list.iter().map(Into::into).collect()
}

/// Directives of a file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DirectivesDto {
    pub no_transaction: bool,
    pub ignore_file: Vec<String>,
}

/// `parseMigration`'s result: a file's migration with its own findings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MigrationDto {
    pub id: Option<u32>,
    pub name: String,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub file_name: Option<String>,
    pub title: Option<String>,
    pub created: Option<String>,
    pub author: Option<String>,
    pub checksum: Option<String>,
    pub transactional: bool,
    pub directives: DirectivesDto,
    pub up: Vec<StatementDto>,
    pub down: Option<Vec<StatementDto>>,
    pub diagnostics: Vec<DiagnosticDto>,
}

impl From<&Migration> for MigrationDto {
    fn from(migration: &Migration) -> Self {
        MigrationDto {
            id: migration.id,
            name: migration.name.clone(),
            slug: migration.slug.clone(),
            path: Some(migration.path.clone()),
            file_name: Some(migration.file_name.clone()),
            title: migration.title.clone(),
            created: migration.created.clone(),
            author: migration.author.clone(),
            checksum: migration.checksum.clone(),
            transactional: migration.transactional(),
            directives: DirectivesDto {
                no_transaction: migration.directives.no_transaction,
                ignore_file: migration
                    .directives
                    .ignore_file
                    .iter()
                    .map(|code| code.as_str().to_string())
                    .collect(),
            },
            up: statements(&migration.up),
            down: migration.down.as_deref().map(statements),
            diagnostics: diagnostics(&migration.diagnostics),
        }
    }
}

/// One migration of a report: the file's fields (null when the file is
/// missing) plus its status and what the lock and tracker record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProjectMigrationDto {
    pub id: u32,
    pub name: String,
    pub status: String,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub file_name: Option<String>,
    pub title: Option<String>,
    pub created: Option<String>,
    pub author: Option<String>,
    pub checksum: Option<String>,
    pub transactional: bool,
    pub directives: DirectivesDto,
    pub up: Vec<StatementDto>,
    pub down: Option<Vec<StatementDto>>,
    pub locked_checksum: Option<String>,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
}

impl From<&ProjectMigration> for ProjectMigrationDto {
    fn from(migration: &ProjectMigration) -> Self {
        let file = migration.file.as_ref().map(MigrationDto::from);
        let applied = migration.applied.as_ref();
        ProjectMigrationDto {
            id: migration.id,
            name: migration.name.clone(),
            status: migration.status.as_str().to_string(),
            slug: file.as_ref().and_then(|f| f.slug.clone()),
            path: file.as_ref().and_then(|f| f.path.clone()),
            file_name: file.as_ref().and_then(|f| f.file_name.clone()),
            title: file.as_ref().and_then(|f| f.title.clone()),
            created: file.as_ref().and_then(|f| f.created.clone()),
            author: file.as_ref().and_then(|f| f.author.clone()),
            checksum: migration.checksum().map(str::to_string),
            transactional: file.as_ref().is_none_or(|f| f.transactional),
            directives: file.as_ref().map_or(
                DirectivesDto {
                    no_transaction: false,
                    ignore_file: Vec::new(),
                },
                |f| f.directives.clone(),
            ),
            up: file.as_ref().map_or_else(Vec::new, |f| f.up.clone()),
            down: file.as_ref().and_then(|f| f.down.clone()),
            locked_checksum: migration.locked_checksum.clone(),
            applied_at: applied.map(|a| a.applied_at.clone()),
            applied_by: applied.and_then(|a| a.applied_by.clone()),
        }
    }
}

/// Counts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportDto {
    pub ok: bool,
    pub migrations: Vec<ProjectMigrationDto>,
    pub diagnostics: Vec<DiagnosticDto>,
    pub summary: SummaryDto,
}

impl ReportDto {
    /// The report, with each migration's statements or, for callers that
    /// only want findings (an editor on every keystroke), without them.
    pub fn new(report: &Report, with_statements: bool) -> Self {
        let mut dto = ReportDto::from(report);
        if !with_statements {
            for migration in &mut dto.migrations {
                migration.up.clear();
                migration.down = migration.down.take().map(|_| Vec::new());
            }
        }
        dto
    }
}

impl From<&Report> for ReportDto {
    fn from(report: &Report) -> Self {
        ReportDto {
            ok: report.ok,
            migrations: report.migrations.iter().map(Into::into).collect(),
            diagnostics: diagnostics(&report.diagnostics),
            summary: report.summary.into(),
        }
    }
}

/// One migration of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StepDto {
    pub id: u32,
    pub name: String,
    pub path: String,
    pub checksum: String,
    pub transactional: bool,
    pub statements: Vec<StatementDto>,
}

impl From<&Step> for StepDto {
    fn from(step: &Step) -> Self {
        StepDto {
            id: step.id,
            name: step.name.clone(),
            path: step.path.clone(),
            checksum: step.checksum.clone(),
            transactional: step.transactional,
            statements: statements(&step.statements),
        }
    }
}

/// A result that may be refused: `ok`, the value's fields (empty when
/// refused), and the diagnostics that refused it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome<T> {
    pub ok: bool,
    #[serde(flatten)]
    pub value: T,
    pub diagnostics: Vec<DiagnosticDto>,
}

impl<T: Default, X: Into<T>> From<Result<X, Vec<Diagnostic>>> for Outcome<T> {
    fn from(result: Result<X, Vec<Diagnostic>>) -> Self {
        match result {
            Ok(value) => Outcome {
                ok: true,
                value: value.into(),
                diagnostics: Vec::new(),
            },
            Err(found) => Outcome {
                ok: false,
                value: T::default(),
                diagnostics: diagnostics(&found),
            },
        }
    }
}

/// A plan's steps.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StepsDto {
    pub steps: Vec<StepDto>,
}

impl From<Vec<Step>> for StepsDto {
    fn from(steps: Vec<Step>) -> Self {
        StepsDto {
            steps: steps.iter().map(Into::into).collect(),
        }
    }
}

/// A new document's text.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TextDto {
    pub text: Option<String>,
}

impl From<String> for TextDto {
    fn from(text: String) -> Self {
        TextDto { text: Some(text) }
    }
}

/// A new migration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NewFileDto {
    pub id: Option<u32>,
    pub file_name: Option<String>,
    pub text: Option<String>,
}

impl From<NewMigration> for NewFileDto {
    fn from(made: NewMigration) -> Self {
        NewFileDto {
            id: Some(made.id),
            file_name: Some(made.file_name),
            text: Some(made.text),
        }
    }
}

/// `planApply` / `planRollback`'s result.
pub type PlanDto = Outcome<StepsDto>;
/// `updateLock` / `recordApplied` / `removeApplied`'s result.
pub type DocumentDto = Outcome<TextDto>;
/// `createMigration`'s result.
pub type CreatedDto = Outcome<NewFileDto>;

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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CodeInfoDto {
    pub code: String,
    pub group: String,
    pub severity: String,
    pub summary: String,
}

/// Run options: `{ allowOutOfOrder, rules: { "<code>": "off" | "<severity>" } }`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OptionsDto {
    #[serde(default)]
    pub allow_out_of_order: Option<bool>,
    #[serde(default)]
    pub rules: Option<std::collections::BTreeMap<String, String>>,
}

/// Everything of a project input but the files (read separately, so that
/// `Uint8Array` contents are copied once).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProjectInputDto {
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
    /// `analyze`: whether migrations carry their statements (default true).
    #[serde(default)]
    pub statements: Option<bool>,
}
