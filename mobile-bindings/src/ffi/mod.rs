//! The FFI surface for Kotlin, Swift and Python: `#[uniffi::export]`
//! wrappers over `core` and nothing else. Objects are handles, records are
//! the contract's, the app's keychain is a foreign trait, one error enum.

mod client;
mod error;
mod meetings;
mod points;
mod reports;
mod session;

pub use crate::core::PushEvent;
pub use client::{LvzhiClient, parse_push_payload};
pub use error::LvzhiError;
pub use session::{SessionStore, StoredSession};
