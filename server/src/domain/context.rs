//! What every rule is judged with: who asks, when, in which committee's time
//! zone, which request this is (so a rule's log lines can be found) and
//! whether it came through the API or the console (for the audit log).
//! Built once per request by the HTTP layer; domain functions take it by reference.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use lvzhi_shared::audit::AuditVia;

use crate::auth::Caller;

#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Caller,
    /// The injected clock's reading at the start of the request, as stored.
    pub now: NaiveDateTime,
    /// The caller's committee's time zone, for times shown to people.
    pub tz: Tz,
    pub request_id: String,
    pub via: AuditVia,
}
