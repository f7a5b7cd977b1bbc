//! Business rules that are not HTTP, by area. Each function takes the
//! connection, the request context and a typed input, and runs inside the
//! transaction that stores its result; handlers only parse, authorize and call.
//!
//! Areas depend one way: `committees` (settings, sectors, time zones) ←
//! `notifications` (outbox, inbox, phones, announcements) ← `accounts`
//! (members, sessions, roster import), `activities` (activities and
//! everything done in them), `meetings` (bodies, meetings, leave, quorum,
//! appraisal) and `reports` (public-opinion reports) ← `points` (the duty
//! record with points, which reads all of them). `context`, `idempotency`, `lanes` (batched writes), `pages`,
//! `rotating_codes` (check-in codes), `roster_files` (spreadsheets of people),
//! `uploads` (file checks) and `audit` (the office's audit log) serve all.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod calendar;
pub mod committees;
pub mod context;
pub mod idempotency;
pub mod lanes;
pub mod meetings;
pub mod notifications;
pub mod pages;
pub mod points;
pub mod reports;
pub mod roster_files;
pub mod rotating_codes;
pub mod uploads;

pub use context::Ctx;
