//! SQL lexing and statement splitting with PostgreSQL's lexical rules.

pub mod lexer;
pub mod split;
