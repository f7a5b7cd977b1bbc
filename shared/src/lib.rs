//! The Lvzhi wire contract.
//!
//! Every request and response body, every enum and every validation rule that
//! the server and the mobile SDK must agree on is written here once. The server
//! compiles it with the `openapi` feature so the OpenAPI document describes the
//! very types it sends; the SDK compiles it plain (serde) or with `uniffi`.
//!
//! Field names are the wire names: poem-openapi does not read serde renames, so
//! fields are never renamed. Enum values are snake_case on both sides.

#[macro_use]
mod wire_enum;

pub mod activities;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod committees;
pub mod error;
pub mod ids;
pub mod meetings;
pub mod members;
pub mod notifications;
pub mod points;
pub mod reports;
pub mod validate;

pub use error::{ErrorBody, ErrorCode};

// The contract's records and enums are the SDK's: Kotlin and Swift see the
// very types the server sends. Times cross the FFI as RFC 3339 strings.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("lvzhi_shared");

/// A point in time with its UTC offset, as every time on the wire is.
pub type Timestamp = chrono::DateTime<chrono::FixedOffset>;

/// A calendar day (`YYYY-MM-DD`) in the committee's calendar.
pub type Date = chrono::NaiveDate;

#[cfg(feature = "uniffi")]
uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |t| t.to_rfc3339(),
    try_lift: |s| Ok(chrono::DateTime::parse_from_rfc3339(&s)?),
});

#[cfg(feature = "uniffi")]
uniffi::custom_type!(Date, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| Ok(chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")?),
});
