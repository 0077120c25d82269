//! Helpers shared by the integration tests.
#![allow(dead_code)]

use kimberlite_migration::checksum::checksum_text;
use kimberlite_migration::lock::{LockEntry, write_lock};
use kimberlite_migration::project::{Input, Options, Report, SourceFile, Unreadable, analyze};
use kimberlite_migration::tracker::{AppliedEntry, write_tracker};
use kimberlite_migration::{Code, Diagnostic};

/// A small valid migration with a Down section.
pub fn valid(sql: &str) -> String {
    format!("-- Migration: {sql}\n-- Up Migration\n{sql}\n\n-- Down Migration\nSELECT 0;\n")
}

/// A project fixture: files, and optional lock and tracker texts.
#[derive(Default, Clone)]
pub struct Project {
    pub files: Vec<(String, Vec<u8>)>,
    pub lock: Option<String>,
    pub tracker: Option<String>,
    pub history: Option<Vec<AppliedEntry>>,
    pub options: Options,
    /// Findings about the options themselves (`Options::from_rules`).
    pub option_problems: Vec<Diagnostic>,
    /// Entries the caller could not read: (path, code, detail).
    pub unreadable: Vec<(String, Code, String)>,
}

impl Project {
    pub fn new() -> Project {
        Project::default()
    }

    pub fn file(mut self, path: &str, contents: impl AsRef<[u8]>) -> Project {
        self.files
            .push((path.to_string(), contents.as_ref().to_vec()));
        self
    }

    pub fn lock(mut self, text: impl Into<String>) -> Project {
        self.lock = Some(text.into());
        self
    }

    pub fn tracker(mut self, text: impl Into<String>) -> Project {
        self.tracker = Some(text.into());
        self
    }

    pub fn history(mut self, entries: Vec<AppliedEntry>) -> Project {
        self.history = Some(entries);
        self
    }

    /// An entry of the migrations folder that could not be read as a file.
    pub fn unreadable(mut self, path: &str, code: Code, detail: &str) -> Project {
        self.unreadable
            .push((path.to_string(), code, detail.to_string()));
        self
    }

    /// Run options as `kmb --rule code=setting` gives them.
    pub fn rules(mut self, rules: &[(&str, &str)]) -> Project {
        let (options, problems) = Options::from_rules(rules);
        self.options = options;
        self.option_problems = problems;
        self
    }

    /// Every file's text with `edit` applied (not to files that are not UTF-8).
    pub fn map_files(mut self, edit: impl Fn(&str) -> String) -> Project {
        for (_, contents) in &mut self.files {
            if let Ok(text) = std::str::from_utf8(contents) {
                *contents = edit(text).into_bytes();
            }
        }
        self
    }

    pub fn analyze(&self) -> Report {
        let files = self
            .files
            .iter()
            .map(|(path, contents)| SourceFile { path, contents })
            .collect();
        let mut input = Input::new(files, self.lock.as_deref(), self.tracker.as_deref());
        input.history = self.history.clone();
        input.options = self.options.clone();
        input.unreadable = self
            .unreadable
            .iter()
            .map(|(path, code, detail)| Unreadable {
                path,
                code: *code,
                detail,
            })
            .collect();
        let mut report = analyze(&input);
        report.add(self.option_problems.clone());
        report
    }
}

pub fn checksum(text: &str) -> String {
    checksum_text(text)
}

pub fn lock_entry(id: u32, name: &str, text: &str) -> LockEntry {
    LockEntry {
        id,
        name: name.to_string(),
        checksum: checksum(text),
        span: None,
    }
}

pub fn lock_of(entries: &[LockEntry]) -> String {
    write_lock(entries)
}

pub fn applied(id: u32, name: &str, text: &str) -> AppliedEntry {
    AppliedEntry {
        id,
        name: name.to_string(),
        checksum: checksum(text),
        applied_at: "2026-11-24T09:18:51.631047791Z".to_string(),
        applied_by: None,
        span: None,
    }
}

pub fn tracker_of(entries: &[AppliedEntry]) -> String {
    write_tracker(entries)
}

pub fn codes(diagnostics: &[Diagnostic]) -> Vec<Code> {
    diagnostics.iter().map(|d| d.code).collect()
}
