//! Apply and rollback plans: which migrations run, in which order, with which SQL.

use crate::diagnostic::{Code, Diagnostic};
use crate::migration::Statement;
use crate::project::{ProjectMigration, Report, Status};

/// One migration to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The migration's id.
    pub id: u32,
    /// Its name (what the lock and tracker record).
    pub name: String,
    /// Its file.
    pub path: String,
    /// The file's checksum (what the tracker records).
    pub checksum: String,
    /// Whether the step runs inside a transaction.
    pub transactional: bool,
    /// The statements to run, in order.
    pub statements: Vec<Statement>,
}

/// How far to roll back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackTarget {
    /// The last `n` applied migrations (in order of application).
    Steps(u32),
    /// Every migration applied after the one with this id; `To(0)` rolls back all.
    To(u32),
}

fn refuse(message: String, help: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::new(Code::InvalidTarget, "", message).with_help(help)]
}

fn step(migration: &ProjectMigration, statements: &[Statement]) -> Option<Step> {
    let file = migration.file.as_ref()?;
    Some(Step {
        id: migration.id,
        name: migration.name.clone(),
        path: file.path.clone(),
        checksum: file.checksum.clone()?,
        transactional: file.transactional(),
        statements: statements.to_vec(),
    })
}

/// The pending migrations in id order, up to and including `to`. Refuses
/// (returning the errors) while the report has errors.
pub fn plan_apply(
    report: &Report,
    to: Option<u32>,
    allow_out_of_order: bool,
) -> Result<Vec<Step>, Vec<Diagnostic>> {
    let errors = report.errors();
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(to) = to
        && report.migration(to).is_none()
    {
        return Err(refuse(
            format!("There is no migration {to} to apply up to."),
            "Give the id of an existing migration (see `kmb migration status`).",
        ));
    }
    let mut steps = Vec::new();
    for migration in &report.migrations {
        if to.is_some_and(|to| migration.id > to) {
            break;
        }
        let runs = match migration.status {
            Status::Pending => true,
            Status::OutOfOrder => allow_out_of_order,
            _ => false,
        };
        if !runs {
            continue;
        }
        if let Some(step) = migration
            .file
            .as_ref()
            .and_then(|file| step(migration, &file.up))
        {
            steps.push(step);
        }
    }
    Ok(steps)
}

/// The applied migrations to roll back, most recent first, each with its
/// Down statements. Refuses while the report has errors, and refuses a plan
/// that would include an irreversible (no Down) or empty-Down migration.
pub fn plan_rollback(
    report: &Report,
    target: RollbackTarget,
) -> Result<Vec<Step>, Vec<Diagnostic>> {
    let errors = report.errors();
    if !errors.is_empty() {
        return Err(errors);
    }
    let applied: Vec<u32> = report
        .tracker
        .iter()
        .flatten()
        .map(|entry| entry.id)
        .collect();
    let count = match target {
        RollbackTarget::Steps(steps) => {
            if steps as usize > applied.len() {
                return Err(refuse(
                    format!(
                        "Cannot roll back {steps} migrations: only {} are applied.",
                        applied.len()
                    ),
                    "Give a smaller `--steps`, or see `kmb migration status`.",
                ));
            }
            steps as usize
        }
        RollbackTarget::To(0) => applied.len(),
        RollbackTarget::To(id) => match applied.iter().position(|&applied_id| applied_id == id) {
            Some(at) => applied.len() - at - 1,
            None => {
                return Err(refuse(
                    format!("Migration {id} is not applied, so there is nothing to roll back to."),
                    "Give the id of an applied migration that should stay applied, or `0` to roll back everything.",
                ));
            }
        },
    };
    let mut steps = Vec::new();
    let mut refusals = Vec::new();
    for &id in applied.iter().rev().take(count) {
        let Some(migration) = report.migration(id) else {
            continue;
        };
        let Some(file) = migration.file.as_ref() else {
            continue;
        };
        let label = file.label();
        match &file.down {
            None => refusals.push(
                Diagnostic::new(
                    Code::MissingDown,
                    &file.path,
                    format!("Cannot roll back {label}: it has no `-- Down Migration` section, so it is irreversible."),
                )
                .with_severity_error()
                .with_help("Write a Down section in a new migration that undoes it, or roll back fewer steps."),
            ),
            Some(down) if down.is_empty() => refusals.push(
                Diagnostic::new(
                    Code::EmptyDown,
                    &file.path,
                    format!("Cannot roll back {label}: its Down section has no statement."),
                )
                .with_severity_error()
                .with_help("Write the SQL that undoes it under `-- Down Migration`, or roll back fewer steps."),
            ),
            Some(down) => steps.extend(step(migration, down)),
        }
    }
    if refusals.is_empty() {
        Ok(steps)
    } else {
        Err(refusals)
    }
}
