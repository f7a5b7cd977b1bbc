//! The plain async client: HTTP over reqwest (rustls), the session and its
//! refresh, and one method per flow. No FFI here; `ffi` wraps it.

mod client;
mod error;
mod flows;
mod meetings;
mod points;
mod push;
mod reports;
mod session;

pub use client::{Client, ClientConfig};
pub use error::Error;
pub use flows::{ActivityFilter, new_idempotency_key};
pub use push::{PushEvent, parse_push};
pub use session::{MemorySessionStore, Session, SessionStore};
