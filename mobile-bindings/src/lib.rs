//! `lvzhi-mobile`: the Rust client SDK the Lvzhi phone app will embed through
//! uniffi (Kotlin, Swift, Python).
//!
//! A skeleton until the mobile SDK issue: it compiles against the wire
//! contract so that contract changes already break this crate's build.

pub use lvzhi_shared as contract;
