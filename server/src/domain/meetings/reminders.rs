//! Reminders before a meeting's first session, by the same leads as
//! activities' (the server's default reminder minutes): each lead is
//! recorded once queued, so it goes once across restarts and servers, and
//! when several fall due together only one reminder goes. It goes to the
//! summoned, except those excused from every session.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ids::{MeetingId, MemberId};
use lvzhi_shared::meetings::{LeaveStatus, MeetingStatus};

use crate::db::models::MeetingRow;
use crate::db::schema::{
    leave_request_sessions, leave_requests, meeting_reminders_sent, meeting_summons, meetings,
};
use crate::db::{DbConnection, write_tx};
use crate::error::AppError;

use super::words::{self, MeetingNotice};
use super::{lock, sessions_of};

/// Queues the meeting reminders due at `now`; returns for how many meetings.
pub fn queue_due(
    conn: &mut DbConnection,
    leads: &[u32],
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let Some(longest) = leads.iter().max() else {
        return Ok(0);
    };
    let horizon = now + Duration::minutes(i64::from(*longest));
    let upcoming: Vec<MeetingRow> = meetings::table
        .filter(meetings::status.eq(MeetingStatus::Published))
        .filter(meetings::starts_at.gt(now))
        .filter(meetings::starts_at.le(horizon))
        .select(MeetingRow::as_select())
        .load(conn)?;
    let ids: Vec<MeetingId> = upcoming.iter().map(|m| m.id).collect();
    let mut sent: HashMap<MeetingId, HashSet<i32>> = HashMap::new();
    for (m, minutes) in meeting_reminders_sent::table
        .filter(meeting_reminders_sent::meeting_id.eq_any(&ids))
        .select((
            meeting_reminders_sent::meeting_id,
            meeting_reminders_sent::minutes,
        ))
        .load::<(MeetingId, i32)>(conn)?
    {
        sent.entry(m).or_default().insert(minutes);
    }
    let mut queued = 0;
    for m in upcoming {
        let fallen: Vec<i32> = leads
            .iter()
            .map(|l| i32::try_from(*l).unwrap_or(i32::MAX))
            .filter(|l| now >= m.starts_at - Duration::minutes(i64::from(*l)))
            .filter(|l| !sent.get(&m.id).is_some_and(|d| d.contains(l)))
            .collect();
        if !fallen.is_empty() && write_tx(conn, |conn| remind(conn, &m, &fallen, now))? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Under the meeting's lock: records the fallen leads and, if any was new,
/// queues one reminder.
fn remind(
    conn: &mut DbConnection,
    seen: &MeetingRow,
    fallen: &[i32],
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let m = lock(conn, seen.committee_id, seen.id)?;
    if m.starts_at != seen.starts_at || m.status != MeetingStatus::Published {
        return Ok(false); // changed meanwhile; the next round judges it afresh
    }
    let done: HashSet<i32> = meeting_reminders_sent::table
        .filter(meeting_reminders_sent::meeting_id.eq(m.id))
        .select(meeting_reminders_sent::minutes)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    let fresh: Vec<i32> = fallen
        .iter()
        .copied()
        .filter(|l| !done.contains(l))
        .collect();
    if fresh.is_empty() {
        return Ok(false);
    }
    for l in &fresh {
        diesel::insert_into(meeting_reminders_sent::table)
            .values((
                meeting_reminders_sent::meeting_id.eq(m.id),
                meeting_reminders_sent::minutes.eq(l),
                meeting_reminders_sent::sent_at.eq(now),
            ))
            .execute(conn)?;
    }
    let sessions = sessions_of(conn, m.id)?;
    let summoned: Vec<MemberId> = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(m.id))
        .select(meeting_summons::user_id)
        .load(conn)?;
    let mut excused: HashMap<MemberId, usize> = HashMap::new();
    for u in leave_request_sessions::table
        .inner_join(leave_requests::table)
        .filter(leave_requests::meeting_id.eq(m.id))
        .filter(leave_requests::status.eq(LeaveStatus::Approved))
        .select(leave_requests::user_id)
        .load::<MemberId>(conn)?
    {
        *excused.entry(u).or_default() += 1;
    }
    let expected: Vec<MemberId> = summoned
        .into_iter()
        .filter(|u| excused.get(u).copied().unwrap_or(0) < sessions.len())
        .collect();
    if let Some(first) = sessions.first() {
        words::tell(
            conn,
            &m,
            first,
            &expected,
            &MeetingNotice::Reminder(now),
            now,
        )?;
    }
    Ok(true)
}
