//! kimberlite-migration: a pure, I/O-free core for Kimberlite SQL migrations.
//!
//! It takes file contents and state documents and returns parse results,
//! checksums, reports, lint diagnostics, plans and updated documents. It never
//! touches a file system, a clock, a network or a random source.

mod bytes;
pub mod checksum;
pub mod config;
pub mod create;
pub mod diagnostic;
pub mod line_index;
pub mod lint;
pub mod lock;
pub mod migration;
pub mod plan;
pub mod project;
pub mod rfc3339;
pub mod sql;
mod toml_doc;
pub mod tracker;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use diagnostic::{Code, Diagnostic, Group, Related, Severity, Silencing, Span, short_checksum};
pub use line_index::{LineIndex, Position, Range};
