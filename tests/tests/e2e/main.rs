//! End-to-end tests: the real server over real HTTP, on SQLite and PostgreSQL.

mod auth;
mod import;
mod members;
mod ops;
mod tokens;
