//! What every rule is judged with: who asks, when, in which committee's time
//! zone, and which request this is (so a rule's log lines can be found).
//! Built once per request by the HTTP layer; domain functions take it by reference.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::auth::Caller;

#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Caller,
    /// The injected clock's reading at the start of the request, as stored.
    pub now: NaiveDateTime,
    /// The caller's committee's time zone, for times shown to people.
    pub tz: Tz,
    pub request_id: String,
}
