//! Calendar feeds: each account's activities and meetings as an iCalendar
//! feed at a secret URL a phone's own calendar subscribes to, and, for the
//! office, the committee's whole calendar.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// Whose events a feed carries.
    pub enum CalendarScope {
        /// Mine: activities I signed up for (registered or waitlisted) and
        /// meetings I am summoned to.
        Mine = "mine",
        /// The committee's: every published activity and meeting (organizers
        /// and admins only).
        Committee = "committee",
    }
}

/// `GET /me/calendar-url`: the feed's address. The secret in it is the only
/// credential the calendar app sends: treat the URL like a password, and
/// issue a new one (`POST /me/calendar-url`) if it was shared by mistake.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CalendarFeed {
    pub scope: CalendarScope,
    /// `https://…/calendar/{secret}.ics`.
    pub url: String,
    /// The same feed as `webcal://…`, which phones open as "subscribe".
    pub webcal_url: String,
    /// When this secret was issued.
    pub issued_at: DateTime<FixedOffset>,
}
