//! Who is who: member accounts and their activation codes, sign-in
//! sessions, the roster import, and what the first start creates.

pub mod bootstrap;
pub mod import;
pub mod members;
pub mod sessions;
