//! Business rules that are not HTTP. Each function runs inside the
//! transaction that stores its result; handlers only parse, authorize and call.

pub mod activities;
pub mod announcements;
pub mod bootstrap;
pub mod checkin;
pub mod committees;
pub mod context;
pub mod devices;
pub mod findings;
pub mod idempotency;
pub mod import;
pub mod inbox;
pub mod materials;
pub mod members;
pub mod notices;
pub mod outbox;
pub mod pages;
pub mod records;
pub mod reminders;
pub mod roster;
pub mod sessions;
pub mod signup_queue;
pub mod signups;

pub use context::Ctx;
