//! What meetings add to a member's duty record for a year: each session of
//! a meeting they were summoned to that has ended — present, excused or
//! absent — and the appraisal rounds they voted in (never how).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lvzhi_shared::activities::DutyRecord;
use lvzhi_shared::ids::{CommitteeId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{LeaveStatus, MeetingStatus};

use crate::db::DbConnection;
use crate::db::schema::{
    appraisal_voters, appraisals, leave_request_sessions, leave_requests, meeting_sessions,
    meeting_summons, meetings, session_checkins,
};
use crate::error::AppError;

fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Adds the member's meetings of the year `[from, to)` (stored times) to `record`.
pub fn add_to(
    conn: &mut DbConnection,
    record: &mut DutyRecord,
    committee_id: CommitteeId,
    user_id: MemberId,
    (from, to): (NaiveDateTime, NaiveDateTime),
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let sessions: Vec<MeetingSessionId> = meeting_sessions::table
        .inner_join(meetings::table.inner_join(meeting_summons::table))
        .filter(meetings::committee_id.eq(committee_id))
        .filter(meetings::status.eq(MeetingStatus::Published))
        .filter(meeting_summons::user_id.eq(user_id))
        .filter(meeting_sessions::starts_at.ge(from))
        .filter(meeting_sessions::starts_at.lt(to))
        .filter(meeting_sessions::ends_at.lt(now))
        .select(meeting_sessions::id)
        .load(conn)?;
    let present: HashSet<MeetingSessionId> = session_checkins::table
        .filter(session_checkins::user_id.eq(user_id))
        .filter(session_checkins::session_id.eq_any(&sessions))
        .select(session_checkins::session_id)
        .load::<MeetingSessionId>(conn)?
        .into_iter()
        .collect();
    let excused: HashSet<MeetingSessionId> = leave_request_sessions::table
        .inner_join(leave_requests::table)
        .filter(leave_requests::user_id.eq(user_id))
        .filter(leave_requests::status.eq(LeaveStatus::Approved))
        .filter(leave_request_sessions::session_id.eq_any(&sessions))
        .select(leave_request_sessions::session_id)
        .load::<MeetingSessionId>(conn)?
        .into_iter()
        .collect();
    let here = sessions.iter().filter(|s| present.contains(s)).count();
    let away = sessions
        .iter()
        .filter(|s| !present.contains(s) && excused.contains(s))
        .count();
    record.meeting_sessions = int(sessions.len());
    record.meeting_sessions_present = int(here);
    record.meeting_sessions_excused = int(away);
    record.meeting_sessions_absent = int(sessions.len() - here - away);
    let voted: i64 = appraisal_voters::table
        .inner_join(appraisals::table.inner_join(meetings::table))
        .filter(appraisal_voters::user_id.eq(user_id))
        .filter(meetings::committee_id.eq(committee_id))
        .filter(meetings::starts_at.ge(from))
        .filter(meetings::starts_at.lt(to))
        .count()
        .get_result(conn)?;
    record.appraisals_voted = i32::try_from(voted).unwrap_or(i32::MAX);
    Ok(())
}
