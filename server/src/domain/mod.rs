//! Business rules that are not HTTP, by area. Each function takes the
//! connection, the request context and a typed input, and runs inside the
//! transaction that stores its result; handlers only parse, authorize and call.
//!
//! Areas depend one way: `committees` (settings, sectors, time zones) ←
//! `notifications` (outbox, inbox, phones, announcements) ← `accounts`
//! (members, sessions, roster import) and `activities` (activities and
//! everything done in them). `context`, `idempotency`, `pages` and `audit`
//! (the office's audit log) serve all.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod committees;
pub mod context;
pub mod idempotency;
pub mod notifications;
pub mod pages;

pub use context::Ctx;
