//! Activities: planning them (`plan`), who may reach them (`access`),
//! publishing, cancelling and completing them (`lifecycle`) and how they
//! read (`views`); and what is done in them, one submodule each.

pub mod checkin;
pub mod findings;
pub mod materials;
pub mod records;
pub mod reminders;
pub mod roster;
pub mod signup_queue;
pub mod signups;

mod access;
mod lifecycle;
mod plan;
mod views;

pub use access::{admitted, kind_of, load, lock, status_of, user_sector, visible};
pub use lifecycle::{cancel, complete, publish};
pub use plan::{MAX_REMINDER_MINUTES, create, patch, reminders_of};
pub use views::{ListFilter, list, my_summaries, role_slots, summaries, view};
