//! The JavaScript boundary: one `#[wasm_bindgen]` function per core operation.
//!
//! The only module that knows about JavaScript. Problems in the user's files
//! come back as diagnostics; only misuse of the API (wrong argument types)
//! throws, as an `Error` whose `code` is `"invalid-argument"`.

mod alloc;
pub mod dto;
mod squawk;

use js_sys::{Array, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::create::{Template, create_for};
use crate::diagnostic::Code;
use crate::migration::{lint_migration_with, parse_migration};
use crate::plan::{RollbackTarget, plan_apply, plan_rollback};
use crate::project::{
    DEFAULT_LOCK_PATH, DEFAULT_TRACKER_PATH, Input, Options, SourceFile,
    analyze as analyze_project, update_project_lock,
};
use crate::sql::split::split_statements;
use crate::tracker::{AppliedEntry, record_applied as record, remove_applied as remove};
use dto::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Throws an `Error` with a `code` property: misuse of the API.
fn misuse(message: impl AsRef<str>) -> JsValue {
    let error = js_sys::Error::new(message.as_ref());
    let _ = Reflect::set(&error, &"code".into(), &"invalid-argument".into());
    error.into()
}

/// A result crosses the boundary as JSON: serde_json writes it from borrowed
/// views of the core's values, and `JSON.parse` builds the objects (faster
/// and smaller than building each object through the boundary).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = to_json(value)?;
    if text.len() > MAX_JS_STRING {
        return Err(misuse(format!(
            "the result is {} MiB of JSON, more than a JavaScript string holds",
            text.len() >> 20
        )));
    }
    js_sys::JSON::parse(&text)
}

/// The longest string V8 makes (in UTF-16 units; a JSON text has at least
/// as many bytes as units, so comparing its bytes is on the safe side).
const MAX_JS_STRING: usize = 0x1fff_ffe8;

fn to_json<T: Serialize>(value: &T) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| misuse(format!("could not convert the result: {e}")))
}

/// File contents: a `Uint8Array` or a string.
fn contents_of(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    Err(misuse(format!("{what} must be a Uint8Array or a string")))
}

fn string_of(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| misuse(format!("{what} must be a string")))
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `object[key]` as a string; `None` when it is absent or null.
fn optional_string(object: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let value = get(object, key);
    if value.is_null() || value.is_undefined() {
        Ok(None)
    } else {
        string_of(&value, key).map(Some)
    }
}

/// A whole number from 0 to `u32::MAX`, else `None`.
fn whole_u32(value: &JsValue) -> Option<u32> {
    value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX))
        .map(|n| n as u32)
}

/// A state document's text (`key`; absent or null: none) and its path
/// (`path_key`, else `default`), from an argument object.
fn text_and_path(
    input: &JsValue,
    key: &str,
    path_key: &str,
    default: &str,
) -> Result<(Option<String>, String), JsValue> {
    if !input.is_object() {
        return Err(misuse("the argument must be an object"));
    }
    let text = optional_string(input, key)?;
    let path = optional_string(input, path_key)?.unwrap_or_else(|| default.to_string());
    Ok((text, path))
}

/// The project input: `files` read by hand, the rest through serde.
struct Project {
    /// Each file's path.
    paths: Vec<String>,
    /// A file's bytes by its index: the contents the caller gave (a
    /// `Uint8Array` or a string, checked) copied in when the core reads the
    /// file (`Input::load`), and dropped after: the core holds one file's
    /// bytes at a time, not the project's.
    read: Box<dyn Fn(usize) -> Vec<u8>>,
    rest: ProjectInputDto,
}

/// What a tracker entry handed to the core looks like, for its misuse errors.
const APPLIED_SHAPE: &str = "{ id, name, checksum, appliedAt, appliedBy? }";

/// Reads `value` as `T`; a misuse error says `what` was wrong and where
/// (`options.lintOnly`), not only what serde-wasm-bindgen says.
fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_path_to_error::deserialize(serde_wasm_bindgen::Deserializer::from(value)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.strip_prefix("Error: ").unwrap_or(&inner).to_string();
        // What serde-wasm-bindgen says when it meets a scalar where it
        // wanted a list or an object.
        let inner = if inner.contains("Reflect.get called on non-object") {
            "expected a list or an object, found another kind of value".to_string()
        } else {
            inner
        };
        misuse(if path.is_empty() || path == "." {
            format!("{what}: {inner}")
        } else {
            format!("{what}: `{path}`: {inner}")
        })
    })
}

fn read_project(input: &JsValue) -> Result<Project, JsValue> {
    if !input.is_object() {
        return Err(misuse(
            "the argument must be an object like { files: [{ path, contents }] }",
        ));
    }
    let files_value = get(input, "files");
    let files_array = files_value
        .dyn_ref::<Array>()
        .ok_or_else(|| misuse("`files` must be an array of { path, contents }"))?;
    let mut paths = Vec::with_capacity(files_array.length() as usize);
    let mut contents = Vec::with_capacity(files_array.length() as usize);
    for (index, file) in files_array.iter().enumerate() {
        if !file.is_object() {
            return Err(misuse(format!(
                "files[{index}] must be an object {{ path, contents }}"
            )));
        }
        let path = string_of(&get(&file, "path"), &format!("files[{index}].path"))?;
        let value = get(&file, "contents");
        if !value.is_string() && value.dyn_ref::<Uint8Array>().is_none() {
            return Err(misuse(format!(
                "files[{index}].contents must be a Uint8Array or a string"
            )));
        }
        paths.push(path);
        contents.push(value);
    }
    let rest: ProjectInputDto = from_js(input.clone(), "invalid project input")?;
    for entry in rest.unreadable.iter().flatten() {
        if !matches!(
            Code::parse(&entry.code),
            Some(Code::NotAFile | Code::UnreadableFile | Code::FileTooLarge)
        ) {
            return Err(misuse(format!(
                "unreadable[].code must be `not-a-file`, `unreadable-file` or `file-too-large`, not `{}`",
                entry.code
            )));
        }
    }
    for (index, finding) in rest.external.iter().flatten().enumerate() {
        if !matches!(finding.stage.as_str(), "parse" | "execute" | "accepted") {
            return Err(misuse(format!(
                "external[{index}].stage must be `parse`, `execute` or `accepted`, not `{}`",
                finding.stage
            )));
        }
        if !paths.contains(&finding.path) {
            return Err(misuse(format!(
                "external[{index}].path `{}` is not one of `files`",
                finding.path
            )));
        }
    }
    if let Some(target) = rest.options.as_ref().and_then(|o| o.target.as_deref())
        && !matches!(target, "postgresql" | "kimberlite")
    {
        return Err(misuse(format!(
            "options.target must be `postgresql` or `kimberlite`, not `{target}`"
        )));
    }
    pg_version_of(rest.options.as_ref().and_then(|o| o.pg_version.as_deref()))?;
    let read = Box::new(move |index: usize| {
        contents
            .get(index)
            .and_then(|value: &JsValue| contents_of(value, "contents").ok())
            .unwrap_or_default()
    });
    Ok(Project { paths, read, rest })
}

impl Project {
    fn input(&self) -> (Input<'_>, Vec<crate::Diagnostic>) {
        let files = self
            .paths
            .iter()
            .map(|path| SourceFile {
                path,
                contents: b"",
            })
            .collect();
        let mut input = Input::new(
            files,
            self.rest.lock.as_deref(),
            self.rest.tracker.as_deref(),
        );
        input.load = Some(crate::project::Loader(&*self.read));
        input.lock_path = self.rest.lock_path.as_deref().unwrap_or(DEFAULT_LOCK_PATH);
        input.tracker_path = self
            .rest
            .tracker_path
            .as_deref()
            .unwrap_or(DEFAULT_TRACKER_PATH);
        input.history = self
            .rest
            .history
            .clone()
            .map(|rows| rows.into_iter().map(AppliedEntry::from).collect());
        // `pgVersion` was checked in `read_project`.
        let (mut parsed, problems) = options_of(&self.rest.options.clone().unwrap_or_default());
        parsed.findings_only = self.rest.statements == Some(false);
        input.options = parsed;
        input.unreadable = self
            .rest
            .unreadable
            .iter()
            .flatten()
            .filter_map(|entry| {
                Some(crate::project::Unreadable {
                    path: &entry.path,
                    code: Code::parse(&entry.code)?,
                    detail: &entry.detail,
                })
            })
            .collect();
        input.kimberlite_checked = self.rest.external.is_some();
        input.external = self
            .rest
            .external
            .iter()
            .flatten()
            .map(|finding| crate::project::External {
                path: &finding.path,
                span: crate::Span::new(finding.span.start as usize, finding.span.end as usize),
                at: finding.at.map(|at| at as usize),
                detail: &finding.detail,
                stage: match finding.stage.as_str() {
                    "execute" => crate::project::KimberliteStage::Execute,
                    "accepted" => crate::project::KimberliteStage::Accepted,
                    _ => crate::project::KimberliteStage::Parse,
                },
                down: finding.down,
            })
            .collect();
        (input, problems)
    }
}

thread_local! {
    /// What `analyze` with `options.reuse` kept for the next call (one
    /// instance serves one caller, an editor).
    static PREFIXES: std::cell::RefCell<crate::project::PrefixCache> = std::cell::RefCell::default();
}

/// Analyzes a whole project: `{ files, lock?, tracker?, lockPath?, trackerPath?, history?, options? }`.
///
/// The report's migrations come without statements (`up` empty, `down`
/// empty or null): the package's `analyze` (`report.js`) fills them in from
/// `parseMigration` the first time a migration's `up` or `down` is read.
#[wasm_bindgen(js_name = analyze)]
pub fn analyze(input: JsValue) -> Result<JsValue, JsValue> {
    let project = read_project(&input)?;
    let reuse = project.rest.options.as_ref().and_then(|o| o.reuse) == Some(true);
    let (mut input, problems) = project.input();
    // The report carries no statements (report.js parses a file's when they are read).
    input.options.report_only = true;
    let mut report = if reuse {
        PREFIXES.with_borrow_mut(|cache| crate::project::analyze_reusing(&input, Some(cache)))
    } else {
        analyze_project(&input)
    };
    report.add(problems);
    report_to_js(&ReportDto::new(&report))
}

/// `analyze`'s report as a JS object, its two lists handed over a batch at
/// a time (`list_to_js`): as one JSON text, a report of 100,000 migrations
/// was 50 MB more in the core's memory, grown by doubling, and as much again
/// as a JS string before `JSON.parse`. The keys keep the order the JSON had.
fn report_to_js(report: &ReportDto) -> Result<JsValue, JsValue> {
    object_of([
        ("ok", Ok(report.ok.into())),
        ("migrations", list_to_js(&report.migrations)),
        ("diagnostics", list_to_js(&report.diagnostics)),
        ("summary", to_js(&report.summary)),
    ])
}

/// A plan as a JS object, its steps (every statement's text) handed over a
/// batch at a time, as `report_to_js` does; the keys in serde's order.
fn plan_to_js(plan: &PlanDto) -> Result<JsValue, JsValue> {
    object_of([
        ("ok", Ok(plan.ok.into())),
        ("steps", list_to_js(&plan.value.steps)),
        ("diagnostics", list_to_js(&plan.diagnostics)),
    ])
}

/// A JS object with these keys, in this order.
fn object_of<const N: usize>(
    entries: [(&str, Result<JsValue, JsValue>); N],
) -> Result<JsValue, JsValue> {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        Reflect::set(&object, &key.into(), &value?)?;
    }
    Ok(object.into())
}

/// About how much JSON `list_to_js` parses at a time.
const BATCH_BYTES: usize = 1 << 20;

/// A list as a JS array, its JSON written and parsed about `BATCH_BYTES` at
/// a time, so that neither side ever holds the whole text.
fn list_to_js<T: Serialize>(items: &[T]) -> Result<JsValue, JsValue> {
    let batches = Array::new();
    let mut text: Vec<u8> = Vec::new();
    let flush = |text: &mut Vec<u8>| -> Result<(), JsValue> {
        text.push(b']');
        let json = std::str::from_utf8(text)
            .map_err(|e| misuse(format!("could not convert the result: {e}")))?;
        batches.push(&js_sys::JSON::parse(json)?);
        text.clear();
        Ok(())
    };
    for item in items {
        text.push(if text.is_empty() { b'[' } else { b',' });
        serde_json::to_writer(&mut text, item)
            .map_err(|e| misuse(format!("could not convert the result: {e}")))?;
        if text.len() >= BATCH_BYTES {
            flush(&mut text)?;
        }
    }
    if !text.is_empty() {
        flush(&mut text)?;
    }
    Ok(batches.flat(1).into())
}

/// One file's own findings (file checks and lint rules), without the
/// project; `options` may give `{ pgVersion, rules }` (rule levels, which
/// also turn on opt-in rules).
#[wasm_bindgen(js_name = lint)]
pub fn lint(path: JsValue, contents: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let path = string_of(&path, "path")?;
    let bytes = contents_of(&contents, "contents")?;
    let rest: OptionsDto = if options.is_undefined() || options.is_null() {
        OptionsDto::default()
    } else {
        from_js(options, "invalid lint options")?
    };
    pg_version_of(rest.pg_version.as_deref())?;
    let (parsed, mut problems) = options_of(&rest);
    let found = lint_migration_with(&path, &bytes, &parsed.lint).diagnostics;
    problems.extend(crate::project::apply_rules(found, &parsed));
    to_js(&diagnostics(&problems))
}

/// Run options as the core takes them, with the problems of their rule
/// settings (`pgVersion` is checked by the caller, `pg_version_of`).
fn options_of(dto: &OptionsDto) -> (Options, Vec<crate::Diagnostic>) {
    let rules: Vec<(&str, &str)> = dto
        .rules
        .iter()
        .flatten()
        .map(|(code, setting)| (code.as_str(), setting.as_str()))
        .collect();
    let (mut options, problems) = Options::from_rules(&rules);
    options.allow_out_of_order = dto.allow_out_of_order.unwrap_or(false);
    options.lint.pg_version = dto.pg_version.clone();
    options.lint.without_parser = dto.parser_rules == Some(false);
    options.lint_only = dto.lint_only.clone();
    options.kimberlite_target = dto.target.as_deref() == Some("kimberlite");
    (options, problems)
}

/// A PostgreSQL version given by a caller, checked.
fn pg_version_of(version: Option<&str>) -> Result<Option<String>, JsValue> {
    match version {
        None => Ok(None),
        Some(text) if crate::config::is_pg_version(text) => Ok(Some(text.to_string())),
        Some(text) => Err(misuse(format!(
            "pgVersion must be a PostgreSQL version such as \"16\" or \"15.4\", not {text:?}"
        ))),
    }
}

/// The settings of a project file (`kimberlite.toml`): `{ directory, rules,
/// diagnostics }`, `rules` as `{ code: level }`.
#[wasm_bindgen(js_name = readConfig)]
pub fn read_config(path: JsValue, text: JsValue) -> Result<JsValue, JsValue> {
    let path = string_of(&path, "path")?;
    let text = string_of(&text, "text")?;
    let config = crate::config::read_config(&path, &text);
    #[derive(Serialize)]
    struct ConfigDto<'a> {
        directory: Option<&'a str>,
        rules: std::collections::BTreeMap<&'a str, &'a str>,
        #[serde(rename = "pgVersion")]
        pg_version: Option<&'a str>,
        /// `{ schema, table }`, or null for the default.
        #[serde(rename = "historyTable")]
        history_table: Option<HistoryTableDto<'a>>,
        #[serde(rename = "trackerDatabase")]
        tracker_database: Option<&'a str>,
        target: Option<&'a str>,
        #[serde(rename = "bindAddress")]
        bind_address: Option<&'a str>,
        diagnostics: Vec<DiagnosticDto<'a>>,
    }
    #[derive(Serialize)]
    struct HistoryTableDto<'a> {
        schema: &'a str,
        table: &'a str,
    }
    to_js(&ConfigDto {
        directory: config.directory.as_deref(),
        rules: config
            .rules
            .iter()
            .map(|(c, l)| (c.as_str(), l.as_str()))
            .collect(),
        pg_version: config.pg_version.as_deref(),
        history_table: config
            .history_table
            .as_ref()
            .map(|(schema, table)| HistoryTableDto { schema, table }),
        tracker_database: config.tracker_database.as_deref(),
        target: config.target.as_deref(),
        bind_address: config.bind_address.as_deref(),
        diagnostics: diagnostics(&config.diagnostics),
    })
}

/// The Kimberlite-compatible checksum of a file's contents; `null` when they are not UTF-8.
#[wasm_bindgen(js_name = checksum)]
pub fn checksum(contents: JsValue) -> Result<JsValue, JsValue> {
    let bytes = contents_of(&contents, "contents")?;
    Ok(crate::checksum::checksum_bytes(&bytes).map_or(JsValue::NULL, JsValue::from))
}

/// Parses one migration file.
#[wasm_bindgen(js_name = parseMigration)]
pub fn parse(path: JsValue, contents: JsValue) -> Result<JsValue, JsValue> {
    let path = string_of(&path, "path")?;
    let bytes = contents_of(&contents, "contents")?;
    let mut migration = parse_migration(&path, &bytes);
    let text = to_json(&MigrationDto::from(&migration))?;
    if text.len() <= MAX_JS_STRING {
        return js_sys::JSON::parse(&text);
    }
    drop(text);
    migration.drop_statements("is described by more JSON than a JavaScript string holds");
    to_js(&MigrationDto::from(&migration))
}

/// Splits SQL text into statements.
#[wasm_bindgen(js_name = splitStatements)]
pub fn split(sql: JsValue) -> Result<JsValue, JsValue> {
    let sql = string_of(&sql, "sql")?;
    let index = crate::LineIndex::new(&sql);
    let spans = split_statements(&sql);
    let found: Vec<StatementDto> = spans
        .iter()
        .map(|statement| {
            let text = &sql[statement.span.start..statement.span.end];
            StatementDto {
                text,
                span: statement.span.into(),
                range: index.range(statement.span).into(),
                keywords: KeywordsDto {
                    keywords: statement.keywords,
                    text: &sql,
                },
                terminated: statement.terminated,
            }
        })
        .collect();
    to_js(&found)
}

/// The edits that silence a finding with an ignore comment:
/// `ignoreFixes(text, code, { line, character })` gives `{ statement, file }`
/// (two fixes), or `null` when `code` is not one a comment silences.
#[wasm_bindgen(js_name = ignoreFixes)]
pub fn ignore_fixes(text: JsValue, code: JsValue, position: JsValue) -> Result<JsValue, JsValue> {
    let text = string_of(&text, "text")?;
    let code_name = string_of(&code, "code")?;
    let Some(code) = crate::diagnostic::Code::parse(&code_name) else {
        return Err(misuse(format!("`{code_name}` is not a diagnostic code")));
    };
    let number = |key: &str| {
        whole_u32(&get(&position, key))
            .ok_or_else(|| misuse(format!("position.{key} must be a whole number >= 0")))
    };
    if !position.is_object() {
        return Err(misuse("the position must be an object { line, character }"));
    }
    let at = crate::line_index::Position {
        line: number("line")?,
        character: number("character")?,
    };
    match crate::lint::ignore::ignore_fixes(&text, code, at) {
        None => Ok(JsValue::NULL),
        Some(fixes) => to_js(&dto::IgnoreFixesDto {
            statement: (&fixes.statement).into(),
            file: (&fixes.file).into(),
        }),
    }
}

/// The next migration: `{ existing: string[], name, created, author?, template?, target? }`
/// (`target: "kimberlite"`: the template's SQL written for Kimberlite).
#[wasm_bindgen(js_name = createMigration)]
pub fn create(input: JsValue) -> Result<JsValue, JsValue> {
    if !input.is_object() {
        return Err(misuse(
            "the argument must be an object { existing, name, created, author? }",
        ));
    }
    let existing_value = get(&input, "existing");
    let existing_array = existing_value
        .dyn_ref::<Array>()
        .ok_or_else(|| misuse("`existing` must be an array of file names"))?;
    let existing: Vec<String> = existing_array
        .iter()
        .enumerate()
        .map(|(index, name)| string_of(&name, &format!("existing[{index}]")))
        .collect::<Result<_, _>>()?;
    let name = string_of(&get(&input, "name"), "name")?;
    let created = string_of(&get(&input, "created"), "created")?;
    let author = optional_string(&input, "author")?;
    let template = match optional_string(&input, "template")? {
        None => Template::Blank,
        Some(name) => Template::parse(&name).ok_or_else(|| {
            let names: Vec<&str> = Template::ALL.iter().map(|(n, _, _)| *n).collect();
            misuse(format!(
                "`template` must be one of {}, not `{name}`",
                names.join(", ")
            ))
        })?,
    };
    let kimberlite = match optional_string(&input, "target")?.as_deref() {
        None | Some("postgresql") => false,
        Some("kimberlite") => true,
        Some(other) => {
            return Err(misuse(format!(
                "`target` must be `postgresql` or `kimberlite`, not `{other}`"
            )));
        }
    };
    let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
    to_js(&CreatedDto::from(&create_for(
        &existing,
        &name,
        &created,
        author.as_deref(),
        template,
        kimberlite,
    )))
}

/// The templates `createMigration` takes: `[{ name, description }]`.
#[wasm_bindgen(js_name = migrationTemplates)]
pub fn migration_templates() -> Result<JsValue, JsValue> {
    #[derive(serde::Serialize)]
    struct TemplateDto {
        name: &'static str,
        description: &'static str,
    }
    let list: Vec<TemplateDto> = Template::ALL
        .iter()
        .map(|(name, _, description)| TemplateDto { name, description })
        .collect();
    to_js(&list)
}

/// The lock with every (or the given `ids`) unlocked migration added.
#[wasm_bindgen(js_name = updateLock)]
pub fn update_lock(input: JsValue) -> Result<JsValue, JsValue> {
    let project = read_project(&input)?;
    let (input, _) = project.input();
    let report = analyze_project(&input);
    let result = update_project_lock(&input, &report, project.rest.ids.as_deref());
    to_js(&DocumentDto::from(&result))
}

/// One lock entry as JS passes it.
#[derive(serde::Deserialize)]
struct EntryDto {
    id: u32,
    name: String,
    checksum: String,
}

impl From<EntryDto> for crate::lock::LockEntry {
    fn from(e: EntryDto) -> Self {
        crate::lock::LockEntry {
            id: e.id,
            name: e.name,
            checksum: e.checksum,
            span: None,
        }
    }
}

/// The `lock` text (absent or null: none) and `lockPath` of an argument.
fn lock_of(input: &JsValue) -> Result<(Option<String>, String), JsValue> {
    text_and_path(input, "lock", "lockPath", DEFAULT_LOCK_PATH)
}

/// The lock with `entries` added: `{ lock, lockPath?, entries: [{ id, name,
/// checksum }] }`. Reads only the lock, not the project: a run adds each
/// migration it applied at a cost that does not grow with the project.
#[wasm_bindgen(js_name = addToLock)]
pub fn add_to_lock(input: JsValue) -> Result<JsValue, JsValue> {
    let (lock, path) = lock_of(&input)?;
    let entries: Vec<EntryDto> = from_js(
        get(&input, "entries"),
        "`entries` must be a list of { id, name, checksum }",
    )?;
    let entries: Vec<crate::lock::LockEntry> = entries.into_iter().map(Into::into).collect();
    to_js(&DocumentDto::from(&crate::lock::update_lock(
        &path,
        lock.as_deref(),
        &entries,
    )))
}

/// The lock after a squash: `{ lock?, lockPath?, squash: { id, name,
/// checksum } }` gives `{ ok, text, diagnostics }`, the entries 1..id
/// replaced by the squash's (`kmb migration squash`).
#[wasm_bindgen(js_name = squashLock)]
pub fn squash_lock(input: JsValue) -> Result<JsValue, JsValue> {
    let (lock, path) = lock_of(&input)?;
    let squash: EntryDto = from_js(
        get(&input, "squash"),
        "`squash` must be { id, name, checksum }",
    )?;
    let squash: crate::lock::LockEntry = squash.into();
    to_js(&DocumentDto::from(&crate::lock::squash_lock(
        &path,
        lock.as_deref(),
        &squash,
    )))
}

/// The text of one lock entry and one tracker entry as the whole files are
/// written: `{ lock?: { id, name, checksum }, applied?: { id, name,
/// checksum, appliedAt, appliedBy? } }` gives `{ lock?, tracker? }`. A run
/// appends them to files it wrote itself, at a cost that does not grow with
/// the project (the tracker's entry after a blank line); the applied entry
/// is checked as `writeHistory` checks it.
#[wasm_bindgen(js_name = stateEntryTexts)]
pub fn state_entry_texts(input: JsValue) -> Result<JsValue, JsValue> {
    if !input.is_object() {
        return Err(misuse("the argument must be an object"));
    }
    #[derive(Serialize)]
    struct TextsDto {
        #[serde(skip_serializing_if = "Option::is_none")]
        lock: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tracker: Option<String>,
    }
    let lock = get(&input, "lock");
    let lock = if lock.is_null() || lock.is_undefined() {
        None
    } else {
        let entry: EntryDto = from_js(lock, "`lock` must be { id, name, checksum }")?;
        Some(crate::lock::entry_text(&entry.into()))
    };
    let applied = get(&input, "applied");
    let tracker = if applied.is_null() || applied.is_undefined() {
        None
    } else {
        let entry: AppliedDto = from_js(applied, &format!("`applied` must be {APPLIED_SHAPE}"))?;
        let entry = AppliedEntry::from(entry);
        // The same checks as a whole history gets.
        if let Err(diagnostics) =
            crate::tracker::write_history(DEFAULT_TRACKER_PATH, std::slice::from_ref(&entry))
        {
            return Err(misuse(
                diagnostics
                    .first()
                    .map_or_else(String::new, |d| d.message.clone()),
            ));
        }
        Some(crate::tracker::entry_text(&entry))
    };
    to_js(&TextsDto { lock, tracker })
}

/// The tracker with one more applied migration: `{ tracker, trackerPath?, entry }`.
#[wasm_bindgen(js_name = recordApplied)]
pub fn record_applied(input: JsValue) -> Result<JsValue, JsValue> {
    let (tracker, path) = tracker_of(&input)?;
    let entry: AppliedDto = from_js(
        get(&input, "entry"),
        &format!("`entry` must be {APPLIED_SHAPE}"),
    )?;
    to_js(&DocumentDto::from(&record(
        &path,
        tracker.as_deref(),
        &entry.into(),
    )))
}

/// The tracker for a whole history in one call: `{ trackerPath?, entries }`
/// (what `recordApplied` writes entry by entry into an empty tracker).
#[wasm_bindgen(js_name = writeHistory)]
pub fn write_history(input: JsValue) -> Result<JsValue, JsValue> {
    let (_, path) = tracker_of(&input)?;
    let entries: Vec<AppliedDto> = from_js(
        get(&input, "entries"),
        &format!("`entries` must be a list of {APPLIED_SHAPE}"),
    )?;
    let entries: Vec<AppliedEntry> = entries.into_iter().map(AppliedEntry::from).collect();
    to_js(&DocumentDto::from(&crate::tracker::write_history(
        &path, &entries,
    )))
}

/// The tracker without one migration: `{ tracker, trackerPath?, id }`.
#[wasm_bindgen(js_name = removeApplied)]
pub fn remove_applied(input: JsValue) -> Result<JsValue, JsValue> {
    let (tracker, path) = tracker_of(&input)?;
    let id = whole_u32(&get(&input, "id"))
        .ok_or_else(|| misuse("`id` must be a whole number from 0 to 4294967295"))?;
    to_js(&DocumentDto::from(&remove(&path, tracker.as_deref(), id)))
}

fn tracker_of(input: &JsValue) -> Result<(Option<String>, String), JsValue> {
    text_and_path(input, "tracker", "trackerPath", DEFAULT_TRACKER_PATH)
}

/// The pending migrations to apply: the project input plus `to?`.
#[wasm_bindgen(js_name = planApply)]
pub fn plan_apply_js(input: JsValue) -> Result<JsValue, JsValue> {
    let project = read_project(&input)?;
    let (input, _) = project.input();
    let report = analyze_project(&input);
    let plan = plan_apply(&report, project.rest.to, input.options.allow_out_of_order);
    plan_to_js(&PlanDto::from(&plan))
}

/// The applied migrations to roll back: the project input plus `steps` or `to`.
#[wasm_bindgen(js_name = planRollback)]
pub fn plan_rollback_js(input: JsValue) -> Result<JsValue, JsValue> {
    let project = read_project(&input)?;
    let target = match (project.rest.steps, project.rest.to) {
        (Some(steps), None) => RollbackTarget::Steps(steps),
        (None, Some(to)) => RollbackTarget::To(to),
        (None, None) => RollbackTarget::Steps(1),
        (Some(_), Some(_)) => return Err(misuse("give `steps` or `to`, not both")),
    };
    let (input, _) = project.input();
    let report = analyze_project(&input);
    plan_to_js(&PlanDto::from(&plan_rollback(&report, target)))
}

/// Every diagnostic code with its group, default severity, whether ignore
/// comments and options may silence it, and summary.
#[wasm_bindgen(js_name = codes)]
pub fn codes() -> Result<JsValue, JsValue> {
    let table: Vec<CodeInfoDto> = Code::ALL
        .iter()
        .map(|code| CodeInfoDto {
            code: code.as_str(),
            group: code.group().as_str(),
            severity: code.default_severity().as_str(),
            silenceable: code.is_silenceable(),
            opt_in: code.is_opt_in(),
            down: (code.group() == crate::diagnostic::Group::Lint)
                .then(|| crate::lint::runs_on_down(*code)),
            parser: (code.group() == crate::diagnostic::Group::Lint)
                .then(|| crate::lint::needs_parser(*code)),
            summary: code.summary(),
        })
        .collect();
    to_js(&table)
}

/// This package's version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The bytes of the core's memory in use now (the rest of it is free space
/// the allocator keeps): `releaseMemory`'s `mostlyFree` asks it.
#[wasm_bindgen(js_name = __kmbLiveBytes)]
pub fn live_bytes() -> f64 {
    alloc::live_bytes() as f64
}
