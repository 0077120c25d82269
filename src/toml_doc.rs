//! Shared reading and writing for the two TOML state documents (lock and tracker).

use toml_edit::{Document, Item, TableLike, Value};

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::line_index::LineIndex;

/// One parsed state document and the findings made while reading it.
pub(crate) struct StateDoc<'a> {
    pub path: &'a str,
    pub index: LineIndex<'a>,
    pub diagnostics: Vec<Diagnostic>,
    /// `invalid-lock` or `invalid-tracker`.
    pub invalid: Code,
    /// "lock file" or "tracker".
    pub what: &'static str,
}

/// A field that is wrong, for the message of an `invalid-*` diagnostic.
pub(crate) type FieldError = String;

impl<'a> StateDoc<'a> {
    pub fn new(path: &'a str, text: &'a str, invalid: Code, what: &'static str) -> StateDoc<'a> {
        StateDoc {
            path,
            index: LineIndex::new(text),
            diagnostics: Vec::new(),
            invalid,
            what,
        }
    }

    /// A finding at `span` in this document.
    pub fn at(&self, code: Code, span: Span, message: String, help: String) -> Diagnostic {
        Diagnostic::new(code, self.path, message)
            .with_span(span, &self.index)
            .with_help(help)
    }

    /// Reports a finding at `span` in this document.
    pub fn report(&mut self, code: Code, span: Span, message: String, help: String) {
        let diagnostic = self.at(code, span, message, help);
        self.diagnostics.push(diagnostic);
    }

    /// Reports a second entry for one id, pointing at the first.
    pub fn duplicate(&mut self, code: Code, span: Span, first: Span, id: u32, help: &str) {
        let message = format!(
            "The {} {} has a second entry for migration {id}.",
            self.what, self.path
        );
        let related = self.index.range(first);
        let diagnostic = self.at(code, span, message, help.to_string()).with_related(
            self.path,
            Some(related),
            format!("the first entry for migration {id}"),
        );
        self.diagnostics.push(diagnostic);
    }

    /// Reports the document as not readable (`invalid-lock`/`invalid-tracker`).
    pub fn invalid(&mut self, span: Span, problem: &str, help: &str) {
        let position = self.index.position(span.start);
        let message = format!(
            "The {} {} is not valid at line {}, column {}: {problem}.",
            self.what,
            self.path,
            position.line + 1,
            position.character + 1
        );
        self.report(self.invalid, span, message, help.to_string());
    }

    /// Parses the TOML; on a syntax error reports it and returns `None`.
    pub fn parse(&mut self, text: &'a str) -> Option<Document<&'a str>> {
        match Document::parse(text) {
            Ok(document) => Some(document),
            Err(error) => {
                let span = error
                    .span()
                    .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
                let problem = error
                    .message()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_end_matches('.');
                let problem = if problem.is_empty() {
                    "TOML syntax error"
                } else {
                    problem
                };
                let help = format!(
                    "Fix the TOML syntax, or restore the {} from version control (`git checkout -- {}`).",
                    self.what, self.path
                );
                self.invalid(span, problem, &help);
                None
            }
        }
    }
}

/// The entries of an array of tables (`[[key]]`) or an inline array of
/// tables (`key = [{...}]`), each with its span. `None` when `item` is
/// neither.
pub(crate) fn entries(item: &Item) -> Option<Vec<(Span, &dyn TableLike)>> {
    let whole = |span: Option<std::ops::Range<usize>>| {
        span.map_or(Span::new(0, 0), |r| Span::new(r.start, r.end))
    };
    match item {
        Item::ArrayOfTables(tables) => Some(
            tables
                .iter()
                .map(|table| (whole(table.span()), table as &dyn TableLike))
                .collect(),
        ),
        Item::Value(Value::Array(array)) => array
            .iter()
            .map(|value| {
                value
                    .as_inline_table()
                    .map(|table| (whole(value.span()), table as &dyn TableLike))
            })
            .collect(),
        _ => None,
    }
}

/// Reads an id: an integer from 0 to 4294967295, as Kimberlite reads it (no
/// file has id 0, so an entry with it is reported as missing its file).
pub(crate) fn id_field(table: &dyn TableLike) -> Result<u32, FieldError> {
    match table.get("id").and_then(Item::as_value) {
        None => Err("the entry has no `id`".to_string()),
        Some(Value::Integer(id)) => u32::try_from(*id.value())
            .map_err(|_| format!("`id = {}` is not from 0 to 4294967295", id.value())),
        Some(other) => Err(format!("`id` is a {}, not an integer", other.type_name())),
    }
}

/// Reads a required string field.
pub(crate) fn string_field(table: &dyn TableLike, key: &str) -> Result<String, FieldError> {
    match table.get(key).and_then(Item::as_value) {
        None => Err(format!("the entry has no `{key}`")),
        Some(Value::String(text)) => Ok(text.value().clone()),
        Some(other) => Err(format!("`{key}` is a {}, not a string", other.type_name())),
    }
}

/// A string in TOML the way Kimberlite's `toml` serializer writes it.
pub(crate) fn toml_string(text: &str) -> String {
    Value::from(text).to_string()
}

/// A state document as read, or its errors: a document with errors is never
/// written over.
pub(crate) fn without_errors<T>(
    (document, diagnostics): (Option<T>, Vec<Diagnostic>),
) -> Result<T, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    document.filter(|_| errors.is_empty()).ok_or(errors)
}

/// Reading the canonical form of a state document without a TOML parser:
/// exactly the text the lock's and the tracker's writers write (`\n` line ends, keys in their
/// order, integers without sign or leading zero, strings without escapes
/// or control characters). Anything else is `None`, and the caller reads the
/// document with `toml_edit`, which reports what is wrong. A 10 000-entry
/// lock and tracker read this way cost a fraction of toml_edit's time and
/// none of its memory (a DOM of about 2.7 MB per 1 000 entries).
pub(crate) mod canonical {
    /// A cursor over whole lines.
    pub(crate) struct Lines<'a> {
        text: &'a str,
        at: usize,
    }

    impl<'a> Lines<'a> {
        pub(crate) fn new(text: &'a str) -> Self {
            Lines { text, at: 0 }
        }

        pub(crate) fn at(&self) -> usize {
            self.at
        }

        pub(crate) fn at_end(&self) -> bool {
            self.at == self.text.len()
        }

        /// The next line, without its `\n`; `None` at the end or for a last
        /// line without one.
        fn line(&mut self) -> Option<&'a str> {
            let rest = &self.text[self.at..];
            let end = rest.find('\n')?;
            self.at += end + 1;
            Some(&rest[..end])
        }

        /// Takes the next line when it is `exact`.
        pub(crate) fn take(&mut self, exact: &str) -> Option<()> {
            let before = self.at;
            match self.line() {
                Some(line) if line == exact => Some(()),
                _ => {
                    self.at = before;
                    None
                }
            }
        }

        /// `key = <u32>`.
        pub(crate) fn id(&mut self, key: &str) -> Option<u32> {
            let digits = self.line()?.strip_prefix(key)?.strip_prefix(" = ")?;
            let plain = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'));
            if plain { digits.parse().ok() } else { None }
        }

        /// `key = "<text without escapes or control characters>"`.
        pub(crate) fn string(&mut self, key: &str) -> Option<String> {
            let quoted = self.line()?.strip_prefix(key)?.strip_prefix(" = ")?;
            let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
            let plain = inner
                .chars()
                .all(|c| c != '"' && c != '\\' && !c.is_control());
            plain.then(|| inner.to_string())
        }

        /// `key = "..."` when the next line has that key.
        pub(crate) fn optional_string(&mut self, key: &str) -> Option<Option<String>> {
            let rest = &self.text[self.at..];
            if rest.starts_with(key) && rest[key.len()..].starts_with(" = ") {
                self.string(key).map(Some)
            } else {
                Some(None)
            }
        }
    }
}
