//! `lvzhi-mobile`: the Rust client SDK the Lvzhi phone app embeds.
//!
//! - [`core`]: a plain async client (reqwest with rustls) that Rust code and
//!   the tests use directly.
//! - [`ffi`]: `#[uniffi::export]` wrappers only, for Kotlin, Swift and Python.
//!
//! Records and enums are the contract's own (`lvzhi-shared` with its
//! `uniffi` feature), not copies.

uniffi::setup_scaffolding!("lvzhi_mobile");

pub mod core;
pub mod ffi;

pub use lvzhi_shared as contract;
