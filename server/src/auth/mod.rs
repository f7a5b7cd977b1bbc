//! Authentication: password hashing, access tokens, the bearer checker and
//! sign-in throttling. Session flows (login, refresh, activation) are in
//! `domain::sessions`.

mod argon;
pub mod jwt;
pub mod password;
pub mod scheme;
pub mod throttle;

pub use scheme::{AdminAuth, Authenticator, BearerAuth, Caller, OfficeAuth};
