//! Formal meetings: bodies and their dated membership (`bodies`, lists of
//! members imported by `body_import`), the meeting
//! kinds' rules (`rules`), planning, publishing and rescheduling (`plan`),
//! members' answers and leave (`leave`), check-in, attendance and quorum
//! (`attendance`), documents (`documents`), what members and the office see
//! (`views`), and the
//! democratic appraisal held at a meeting: rounds (`appraisals`), the secret
//! ballot (`ballots`) and the rectifications that follow (`rectifications`);
//! `record` is what meetings add to a member's duty record.

pub mod appraisals;
pub mod attendance;
pub mod ballots;
pub mod bodies;
pub mod body_import;
pub mod documents;
pub mod leave;
pub mod plan;
pub mod record;
pub mod rectifications;
pub mod reminders;
pub mod rules;
pub mod views;
mod words;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ids::{CommitteeId, MeetingId, MemberId};

use crate::db::DbConnection;
use crate::db::models::{MeetingRow, MeetingSessionRow, SummonsRow};
use crate::db::schema::{meeting_sessions, meeting_summons, meetings};
use crate::error::AppError;

/// The meeting, if it belongs to the committee.
pub fn load(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: MeetingId,
) -> Result<MeetingRow, AppError> {
    meetings::table
        .find(id)
        .filter(meetings::committee_id.eq(committee_id))
        .select(MeetingRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("meeting"))
}

/// Takes the meeting's write lock for the rest of the transaction, so rules
/// that count its answers and leave see every committed change and no
/// concurrent one (SQLite's `BEGIN IMMEDIATE` already holds the database's).
pub fn lock(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: MeetingId,
) -> Result<MeetingRow, AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM meetings WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    load(conn, committee_id, id)
}

/// The meeting's sessions in time order.
pub fn sessions_of(
    conn: &mut DbConnection,
    meeting_id: MeetingId,
) -> Result<Vec<MeetingSessionRow>, AppError> {
    Ok(meeting_sessions::table
        .filter(meeting_sessions::meeting_id.eq(meeting_id))
        .order(meeting_sessions::position)
        .select(MeetingSessionRow::as_select())
        .load(conn)?)
}

/// The caller's summons to the meeting, if summoned.
pub fn summons_of(
    conn: &mut DbConnection,
    meeting_id: MeetingId,
    user_id: MemberId,
) -> Result<Option<SummonsRow>, AppError> {
    Ok(meeting_summons::table
        .find((meeting_id, user_id))
        .select(SummonsRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The committee's calendar day of a stored (UTC) time.
pub fn local_date(t: NaiveDateTime, tz: Tz) -> NaiveDate {
    tz.from_utc_datetime(&t).date_naive()
}
