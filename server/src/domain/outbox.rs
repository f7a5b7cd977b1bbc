//! Messages to members, queued in the transaction of the change that causes
//! them. The push worker (a later issue) delivers them; the inbox shows them.

use diesel::prelude::*;

use crate::db::models::OutboxRow;
use crate::db::schema::outbox;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// What happened, for the app to route the message.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    SignupConfirmed,
    Waitlisted,
    Promoted,
    MovedToWaitlist,
    Removed,
    ActivityChanged,
    ActivityCancelled,
    FindingAnswered,
}

impl Event {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignupConfirmed => "signup_confirmed",
            Self::Waitlisted => "waitlisted",
            Self::Promoted => "promoted",
            Self::MovedToWaitlist => "moved_to_waitlist",
            Self::Removed => "removed",
            Self::ActivityChanged => "activity_changed",
            Self::ActivityCancelled => "activity_cancelled",
            Self::FindingAnswered => "finding_answered",
        }
    }
}

/// One message to one member.
pub struct Message<'a> {
    pub committee_id: &'a str,
    pub user_id: &'a str,
    pub event: Event,
    pub activity_id: Option<&'a str>,
    pub title: String,
    pub body: String,
    pub urgent: bool,
}

pub fn enqueue(
    conn: &mut DbConnection,
    m: Message<'_>,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let row = OutboxRow {
        id: db::new_id(),
        committee_id: m.committee_id.to_owned(),
        user_id: m.user_id.to_owned(),
        kind: m.event.as_str().to_owned(),
        activity_id: m.activity_id.map(str::to_owned),
        title: m.title,
        body: m.body,
        urgent: m.urgent,
        created_at: now,
    };
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}
