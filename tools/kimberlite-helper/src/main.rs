//! `kmb-kimberlite`: runs SQL on Kimberlite's embedded database and checks
//! statements with Kimberlite's own parser, for kmb's Node layer.
//!
//! ```text
//! kmb-kimberlite --data <dir>     the embedded database in <dir>
//! kmb-kimberlite --memory         a database in memory, gone on exit
//! kmb-kimberlite --server <addr>  a running Kimberlite server (host:port), as tenant 1
//! kmb-kimberlite --parse-only     no database: `parse` only
//! kmb-kimberlite --serve <addr> --data <dir>
//!     runs a Kimberlite server on <dir> until it is killed (for tests:
//!     Kimberlite publishes no server binary on crates.io); port 0 takes a
//!     free port, and the first line names it: {"serving":"127.0.0.1:N"}
//! kmb-kimberlite --version
//! ```
//!
//! It reads one JSON request a line on standard input and writes one JSON
//! answer a line on standard output, in order. The first line it writes
//! says whether the database opened: `{"ready":true,"kimberlite":"0.9.1"}`
//! or `{"ready":false,"error":{...}}`.
//!
//! Requests (`id` is echoed back):
//! - `{"id":1,"op":"parse","sql":"..."}`: Kimberlite's `parse_statement`,
//!   nothing run. `{"id":1,"ok":true,"kind":"CreateTable"}`.
//! - `{"id":2,"op":"execute","sql":"..."}`: runs one statement.
//!   `{"id":2,"ok":true,"rowsAffected":1}`.
//! - `{"id":3,"op":"query","sql":"..."}`: runs a `SELECT` or `SHOW`.
//!   `{"id":3,"ok":true,"columns":["id"],"rows":[[1]]}`.
//! - `{"id":4,"op":"run","sql":"..."}`: parses, then runs: a `SELECT`,
//!   `UNION` or `SHOW` as `query`, anything else as `execute`. The answer
//!   has `kind` too. A refusal by the parser is a `parse` error, by the
//!   database an `execute` error.
//! - `{"id":4,"op":"sync"}`: flushes the row index to disk.
//! - `{"id":5,"op":"close"}`: syncs, answers, exits 0.
//!
//! A failure is `{"id":n,"ok":false,"error":{"kind":...,"message":...}}`
//! with `line` and `column` (1-based, within the statement) when Kimberlite
//! says where. `kind` is `parse` (Kimberlite's parser refused it),
//! `execute` (the database refused it), `connection` (the connection to a
//! server failed: the statement may or may not have run), `panic`
//! (Kimberlite panicked; the database may be unusable after it) or
//! `request` (the line was not a request this program knows). It never
//! exits on a bad line.

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use kimberlite::{Kimberlite, TenantId};
use kimberlite_client::{Client, ClientConfig, ClientError};
use kimberlite_query::parse_statement;
use kimberlite_server::{Server, ServerConfig};
use kimberlite_wire::QueryValue;
use serde_json::{Map, Value as Json, json};

/// The Kimberlite release this helper is built against.
const KIMBERLITE_VERSION: &str = "0.9.1";

/// The tenant migrations run as (Kimberlite's CLI uses tenant 1).
const TENANT: u64 = 1;

/// The message of the last panic, taken by [`guarded`].
static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

enum Mode {
    Data(String),
    Memory,
    Server(String),
    ParseOnly,
    Serve(String, String),
}

/// Where statements run.
enum Backend {
    Embedded(Kimberlite),
    Remote(Box<RefCell<Client>>),
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--data", dir] => Mode::Data((*dir).to_string()),
        ["--memory"] => Mode::Memory,
        ["--server", addr] => Mode::Server((*addr).to_string()),
        ["--parse-only"] => Mode::ParseOnly,
        ["--serve", addr, "--data", dir] => Mode::Serve((*addr).to_string(), (*dir).to_string()),
        ["--version"] => {
            println!(
                "kmb-kimberlite {} (kimberlite {KIMBERLITE_VERSION})",
                env!("CARGO_PKG_VERSION")
            );
            return;
        }
        _ => {
            eprintln!(
                "usage: kmb-kimberlite --data <dir> | --memory | --server <host:port> | --parse-only | --serve <host:port> --data <dir> | --version"
            );
            std::process::exit(2);
        }
    };
    // Panics are answered as errors, not printed.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        let place = info
            .location()
            .map(|l| {
                format!(
                    " ({}:{})",
                    l.file().rsplit('/').next().unwrap_or(""),
                    l.line()
                )
            })
            .unwrap_or_default();
        if let Ok(mut slot) = PANIC_MESSAGE.lock() {
            *slot = Some(format!("{message}{place}"));
        }
    }));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let opened = match &mode {
        Mode::ParseOnly => Ok(None),
        Mode::Data(dir) => guarded(|| {
            Kimberlite::open(dir)
                .map(|db| Some(Backend::Embedded(db)))
                .map_err(|e| error("open", &e.to_string()))
        }),
        Mode::Memory => guarded(|| {
            Kimberlite::in_memory()
                .map(|db| Some(Backend::Embedded(db)))
                .map_err(|e| error("open", &e.to_string()))
        }),
        Mode::Server(addr) => guarded(|| {
            let config = ClientConfig {
                // A migration's statement may rightly run for long.
                read_timeout: None,
                ..ClientConfig::default()
            };
            Client::connect(addr.as_str(), TenantId::new(TENANT), config)
                .map(|client| Some(Backend::Remote(Box::new(RefCell::new(client)))))
                .map_err(|e| {
                    error(
                        "open",
                        &format!("cannot connect to {addr}: {}", client_message(&e)),
                    )
                })
        }),
        Mode::Serve(addr, dir) => {
            if let Err(e) = guarded(|| serve(addr, dir, &mut out)) {
                write_line(&mut out, &json!({ "ready": false, "error": e }));
                std::process::exit(1);
            }
            return;
        }
    };
    let db = match opened {
        Ok(db) => db,
        Err(e) => {
            write_line(&mut out, &json!({ "ready": false, "error": e }));
            std::process::exit(1);
        }
    };
    write_line(
        &mut out,
        &json!({ "ready": true, "kimberlite": KIMBERLITE_VERSION }),
    );

    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let request: Json = match serde_json::from_str(&line) {
            Ok(request) => request,
            Err(e) => {
                write_line(
                    &mut out,
                    &json!({ "id": null, "ok": false, "error": error("request", &format!("not JSON: {e}")) }),
                );
                continue;
            }
        };
        let id = request.get("id").cloned().unwrap_or(Json::Null);
        let op = request.get("op").and_then(Json::as_str).unwrap_or("");
        let sql = request.get("sql").and_then(Json::as_str);
        let answer = match (op, sql, &db) {
            ("parse", Some(sql), _) => guarded(|| parse(sql)),
            ("execute", Some(sql), Some(db)) => guarded(|| execute(db, sql)),
            ("query", Some(sql), Some(db)) => guarded(|| query(db, sql)),
            ("run", Some(sql), Some(db)) => guarded(|| run(db, sql)),
            ("sync", _, Some(db)) => guarded(|| sync(db)),
            ("sync", _, None) => Ok(Map::new()),
            ("close", _, _) => {
                let synced = db
                    .as_ref()
                    .map_or(Ok(Map::new()), |db| guarded(|| sync(db)));
                write_line(&mut out, &answer_line(id, synced));
                return;
            }
            ("execute" | "query" | "run", Some(_), None) => {
                Err(error("request", "no database is open (--parse-only)"))
            }
            _ => Err(error(
                "request",
                &format!(
                    "unknown request: op {op:?}, sql {}",
                    if sql.is_some() { "given" } else { "missing" }
                ),
            )),
        };
        write_line(&mut out, &answer_line(id, answer));
    }
    // Standard input closed without `close`: sync what was written.
    if let Some(db) = &db {
        let _ = guarded(|| sync(db));
    }
}

/// Runs a Kimberlite server on `dir` until the process is killed.
fn serve(addr: &str, dir: &str, out: &mut impl Write) -> Result<(), Json> {
    let addr: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| error("open", &format!("{addr} is not host:port ({e})")))?;
    let db = Kimberlite::open(dir).map_err(|e| error("open", &e.to_string()))?;
    let mut server =
        Server::new(ServerConfig::new(addr, dir), db).map_err(|e| error("open", &e.to_string()))?;
    let bound = server
        .local_addr()
        .map_err(|e| error("open", &e.to_string()))?;
    write_line(
        out,
        &json!({ "serving": bound.to_string(), "kimberlite": KIMBERLITE_VERSION }),
    );
    server
        .run()
        .map_err(|e| error("open", &format!("the server stopped: {e}")))
}

fn answer_line(id: Json, answer: Result<Map<String, Json>, Json>) -> Json {
    match answer {
        Ok(mut fields) => {
            fields.insert("id".into(), id);
            fields.insert("ok".into(), Json::Bool(true));
            Json::Object(fields)
        }
        Err(e) => json!({ "id": id, "ok": false, "error": e }),
    }
}

fn write_line(out: &mut impl Write, value: &Json) {
    // A closed standard output: the caller is gone, and so is this program.
    if writeln!(out, "{value}").and_then(|()| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Runs `f`, turning a panic into a `panic` error.
fn guarded<T>(f: impl FnOnce() -> Result<T, Json>) -> Result<T, Json> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => {
            let message = PANIC_MESSAGE
                .lock()
                .ok()
                .and_then(|mut slot| slot.take())
                .unwrap_or_else(|| "Kimberlite panicked".to_string());
            Err(error("panic", &format!("Kimberlite panicked: {message}")))
        }
    }
}

fn parse(sql: &str) -> Result<Map<String, Json>, Json> {
    let parsed = parse_statement(sql).map_err(|e| {
        let message = e.to_string();
        // "unsupported data type: Custom" names sqlparser's variant, not the type.
        match custom_types(sql) {
            names if message.contains("unsupported data type: Custom") && !names.is_empty() => {
                let mut answer = error("parse", &message);
                if let Some(Json::String(text)) = answer.get_mut("message") {
                    text.push_str(&format!(" ({})", names.join(", ")));
                }
                answer
            }
            _ => error("parse", &message),
        }
    })?;
    let mut fields = Map::new();
    fields.insert(
        "kind".into(),
        Json::String(variant_name(&format!("{parsed:?}"))),
    );
    Ok(fields)
}

fn execute(db: &Backend, sql: &str) -> Result<Map<String, Json>, Json> {
    let mut fields = Map::new();
    match db {
        Backend::Embedded(db) => {
            let result = db
                .tenant(TenantId::new(TENANT))
                .execute(sql, &[])
                .map_err(|e| error("execute", &e.to_string()))?;
            fields.insert("rowsAffected".into(), json!(result.rows_affected()));
        }
        Backend::Remote(client) => {
            let (rows, _) = client
                .borrow_mut()
                .execute(sql, &[])
                .map_err(|e| client_error(&e))?;
            fields.insert("rowsAffected".into(), json!(rows));
        }
    }
    Ok(fields)
}

fn query(db: &Backend, sql: &str) -> Result<Map<String, Json>, Json> {
    let (columns, rows): (Vec<String>, Vec<Json>) = match db {
        Backend::Embedded(db) => {
            let result = db
                .tenant(TenantId::new(TENANT))
                .query(sql, &[])
                .map_err(|e| error("execute", &e.to_string()))?;
            (
                result.columns.iter().map(ToString::to_string).collect(),
                result
                    .rows
                    .iter()
                    .map(|row| Json::Array(row.iter().map(|v| v.to_json()).collect()))
                    .collect(),
            )
        }
        Backend::Remote(client) => {
            let result = client
                .borrow_mut()
                .query(sql, &[])
                .map_err(|e| client_error(&e))?;
            let value = |v: &QueryValue| match v {
                QueryValue::Null => Json::Null,
                QueryValue::BigInt(n) | QueryValue::Timestamp(n) => json!(n),
                QueryValue::Text(text) => Json::String(text.clone()),
                QueryValue::Boolean(b) => Json::Bool(*b),
            };
            (
                result.columns,
                result
                    .rows
                    .iter()
                    .map(|row| Json::Array(row.iter().map(value).collect()))
                    .collect(),
            )
        }
    };
    let mut fields = Map::new();
    fields.insert(
        "columns".into(),
        Json::Array(columns.into_iter().map(Json::String).collect()),
    );
    fields.insert("rows".into(), Json::Array(rows));
    Ok(fields)
}

fn run(db: &Backend, sql: &str) -> Result<Map<String, Json>, Json> {
    let kind = parse(sql)?;
    let name = kind.get("kind").and_then(Json::as_str).unwrap_or("");
    let read = matches!(
        name,
        "Select" | "Union" | "ShowTables" | "ShowColumns" | "ShowClassifications"
    );
    let mut fields = if read {
        query(db, sql)?
    } else {
        execute(db, sql)?
    };
    fields.extend(kind);
    Ok(fields)
}

fn sync(db: &Backend) -> Result<Map<String, Json>, Json> {
    match db {
        Backend::Embedded(db) => db.sync().map_err(|e| error("execute", &e.to_string()))?,
        Backend::Remote(client) => client.borrow_mut().sync().map_err(|e| client_error(&e))?,
    }
    Ok(Map::new())
}

/// A client error: `execute` when the server refused the statement,
/// `connection` when the connection failed (the statement may or may not
/// have run).
fn client_error(e: &ClientError) -> Json {
    let kind = match e {
        ClientError::Server { .. } => "execute",
        _ => "connection",
    };
    error(kind, &client_message(e))
}

/// A client error as the server worded it.
fn client_message(e: &ClientError) -> String {
    match e {
        ClientError::Server { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The names of the column types in `sql` that sqlparser knows only as
/// `Custom` (`SERIAL`, `UUID`, a user's enum...), as written.
fn custom_types(sql: &str) -> Vec<String> {
    use sqlparser::ast::{AlterTableOperation, ColumnDef, DataType, Statement};
    let Ok(statements) =
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::GenericDialect {}, sql)
    else {
        return Vec::new();
    };
    let mut columns: Vec<&ColumnDef> = Vec::new();
    for statement in &statements {
        match statement {
            Statement::CreateTable(table) => columns.extend(&table.columns),
            Statement::AlterTable(alter) => {
                columns.extend(alter.operations.iter().filter_map(|op| match op {
                    AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
                    _ => None,
                }))
            }
            _ => {}
        }
    }
    let mut names: Vec<String> = Vec::new();
    for column in columns {
        if let DataType::Custom(name, _) = &column.data_type {
            let name = name.to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// An error answer: Kimberlite's message without its wrappers and without
/// the Rust debug dumps some messages end with, and where sqlparser says
/// the statement went wrong.
fn error(kind: &str, raw: &str) -> Json {
    let mut message = raw.trim();
    for wrapper in ["query error: ", "parse error: ", "unsupported feature: "] {
        message = message.strip_prefix(wrapper).unwrap_or(message);
    }
    let mut message = tidy(message);
    let mut value = json!({ "kind": kind });
    // sqlparser ends its messages with " at Line: 3, Column: 13".
    if let Some(at) = message.rfind(" at Line: ") {
        let place = &message[at + " at Line: ".len()..];
        if let Some((line, column)) = place.split_once(", Column: ")
            && let (Ok(line), Ok(column)) =
                (line.trim().parse::<u64>(), column.trim().parse::<u64>())
        {
            value["line"] = json!(line);
            value["column"] = json!(column);
            message.truncate(at);
        }
    }
    value["message"] = Json::String(message);
    value
}

/// `statement type not supported: Commit { chain: false, .. }` becomes
/// `statement type not supported: Commit`: the name, not the dump.
fn tidy(message: &str) -> String {
    let bytes = message.as_bytes();
    for (i, _) in message.match_indices(": ") {
        let rest = &message[i + 2..];
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let after = &rest[name_len..];
        let starts_upper = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if starts_upper
            && (after.starts_with(" {") || after.starts_with('('))
            && bytes.len() > i + 2 + name_len + 2
        {
            return format!("{}{}", &message[..i + 2], name);
        }
    }
    message.to_string()
}

/// The enum variant a `{:?}` dump starts with.
fn variant_name(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
        .to_string()
}
