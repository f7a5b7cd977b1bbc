//! Who is who: member accounts and their activation codes, sign-in
//! sessions (the app's tokens and the console's cookies), the roster import,
//! the committees below one's own with their first admins (`hierarchy`), and
//! what the first start creates.

pub mod bootstrap;
pub mod console_sessions;
pub mod hierarchy;
pub mod import;
pub mod members;
pub mod roster_uploads;
pub mod sessions;
