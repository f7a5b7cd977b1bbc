//! What members are told: the outbox (inbox items and the push queue),
//! the texts of automatic notices, the inbox, members' phones, and the
//! office's announcements.

pub mod announcements;
pub mod devices;
pub mod inbox;
pub mod notices;
pub mod outbox;
