//! What members and the office see of meetings: a member sees the meetings
//! they are summoned to, the office every meeting of the committee. A list is
//! read in a fixed number of queries, however many meetings it holds.

use std::collections::HashMap;

use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ids::{BodyId, MeetingId, MeetingSessionId};
use lvzhi_shared::meetings::{Meeting, MeetingSession, MeetingStatus, MyMeeting};
use lvzhi_shared::members::Role;

use crate::db::DbConnection;
use crate::db::models::{LeaveRequestRow, MeetingRow, MeetingSessionRow, SummonsRow};
use crate::db::schema::{
    bodies, leave_requests, meeting_sessions, meeting_summons, meetings, session_checkins,
};
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::error::AppError;

use super::{documents, leave, load, summons_of};

pub fn to_session(s: &MeetingSessionRow, tz: Tz) -> MeetingSession {
    MeetingSession {
        id: s.id,
        title: s.title.clone(),
        starts_at: local(s.starts_at, tz),
        ends_at: local(s.ends_at, tz),
        place: s.place.clone(),
    }
}

fn is_office(ctx: &Ctx) -> bool {
    matches!(ctx.caller.role, Role::Organizer | Role::Admin)
}

/// The meeting, if the caller may see it: the office any of the committee's,
/// a member one they are summoned to.
pub fn visible(conn: &mut DbConnection, ctx: &Ctx, id: MeetingId) -> Result<MeetingRow, AppError> {
    let m = load(conn, ctx.caller.committee_id, id)?;
    if !is_office(ctx) && summons_of(conn, id, ctx.caller.user_id)?.is_none() {
        return Err(AppError::not_found("meeting"));
    }
    Ok(m)
}

/// The caller's part in a meeting, if summoned.
pub fn my_part(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
) -> Result<Option<MyMeeting>, AppError> {
    Ok(my_parts(conn, ctx, &[meeting_id])?.remove(&meeting_id))
}

/// The caller's part in each of `ids` they are summoned to.
fn my_parts(
    conn: &mut DbConnection,
    ctx: &Ctx,
    ids: &[MeetingId],
) -> Result<HashMap<MeetingId, MyMeeting>, AppError> {
    let me = ctx.caller.user_id;
    let summonses: Vec<SummonsRow> = meeting_summons::table
        .filter(meeting_summons::user_id.eq(me))
        .filter(meeting_summons::meeting_id.eq_any(ids))
        .select(SummonsRow::as_select())
        .load(conn)?;
    if summonses.is_empty() {
        return Ok(HashMap::new());
    }
    let summoned_to: Vec<MeetingId> = summonses.iter().map(|s| s.meeting_id).collect();
    // Newest first, so the first seen per meeting is its latest request.
    let requests: Vec<(LeaveRequestRow, String)> = leave_requests::table
        .inner_join(meetings::table)
        .filter(leave_requests::meeting_id.eq_any(&summoned_to))
        .filter(leave_requests::user_id.eq(me))
        .order(leave_requests::id.desc())
        .select((LeaveRequestRow::as_select(), meetings::title))
        .load(conn)?;
    let mut latest = Vec::new();
    for request in requests {
        if !latest
            .iter()
            .any(|(r, _): &(LeaveRequestRow, String)| r.meeting_id == request.0.meeting_id)
        {
            latest.push(request);
        }
    }
    let mut leave_by_meeting: HashMap<MeetingId, _> = leave::to_leave_requests(conn, ctx, latest)?
        .into_iter()
        .map(|l| (l.meeting_id, l))
        .collect();
    let checkins: Vec<(MeetingId, MeetingSessionId)> = session_checkins::table
        .inner_join(meeting_sessions::table)
        .filter(meeting_sessions::meeting_id.eq_any(&summoned_to))
        .filter(session_checkins::user_id.eq(me))
        .order(meeting_sessions::position)
        .select((meeting_sessions::meeting_id, session_checkins::session_id))
        .load(conn)?;
    let mut checked_in: HashMap<MeetingId, Vec<MeetingSessionId>> = HashMap::new();
    for (meeting, session) in checkins {
        checked_in.entry(meeting).or_default().push(session);
    }
    Ok(summonses
        .into_iter()
        .map(|s| {
            let part = MyMeeting {
                answer: s.answer,
                voting: s.voting,
                leave: leave_by_meeting.remove(&s.meeting_id),
                checked_in: checked_in.remove(&s.meeting_id).unwrap_or_default(),
            };
            (s.meeting_id, part)
        })
        .collect())
}

/// The meetings as the caller sees them, in the order given.
fn to_meetings(
    conn: &mut DbConnection,
    ctx: &Ctx,
    rows: Vec<MeetingRow>,
) -> Result<Vec<Meeting>, AppError> {
    let ids: Vec<MeetingId> = rows.iter().map(|m| m.id).collect();
    let mut sessions: HashMap<MeetingId, Vec<MeetingSession>> = HashMap::new();
    let session_rows: Vec<MeetingSessionRow> = meeting_sessions::table
        .filter(meeting_sessions::meeting_id.eq_any(&ids))
        .order(meeting_sessions::position)
        .select(MeetingSessionRow::as_select())
        .load(conn)?;
    for s in &session_rows {
        sessions
            .entry(s.meeting_id)
            .or_default()
            .push(to_session(s, ctx.tz));
    }
    let mut body_ids: Vec<BodyId> = rows.iter().map(|m| m.body_id).collect();
    body_ids.sort();
    body_ids.dedup();
    let body_names: HashMap<BodyId, String> = bodies::table
        .filter(bodies::id.eq_any(&body_ids))
        .select((bodies::id, bodies::name))
        .load(conn)?
        .into_iter()
        .collect();
    let summoned: HashMap<MeetingId, i64> = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq_any(&ids))
        .group_by(meeting_summons::meeting_id)
        .select((meeting_summons::meeting_id, diesel::dsl::count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    let mut documents = documents::of_meetings(conn, &ids)?;
    let mut mine = my_parts(conn, ctx, &ids)?;
    Ok(rows
        .into_iter()
        .map(|m| Meeting {
            id: m.id,
            kind: m.kind,
            body_id: m.body_id,
            body_name: body_names.get(&m.body_id).cloned().unwrap_or_default(),
            title: m.title,
            agenda: m.agenda,
            status: m.status,
            sessions: sessions.remove(&m.id).unwrap_or_default(),
            leave_deadline: local(m.leave_deadline, ctx.tz),
            summoned: summoned
                .get(&m.id)
                .map_or(0, |n| i32::try_from(*n).unwrap_or(i32::MAX)),
            documents: documents.remove(&m.id).unwrap_or_default(),
            me: mine.remove(&m.id),
        })
        .collect())
}

/// One meeting: the office sees any of the committee's, a member one they are summoned to.
pub fn view(conn: &mut DbConnection, ctx: &Ctx, id: MeetingId) -> Result<Meeting, AppError> {
    let m = visible(conn, ctx, id)?;
    Ok(to_meetings(conn, ctx, vec![m])?.remove(0))
}

/// Meetings ending from `since` on (the office: all of the committee's; a
/// member: those they are summoned to, drafts never), soonest first.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    include_past: bool,
) -> Result<Vec<Meeting>, AppError> {
    let mut q = meetings::table
        .filter(meetings::committee_id.eq(ctx.caller.committee_id))
        .select(MeetingRow::as_select())
        .order(meetings::starts_at)
        .limit(200)
        .into_boxed();
    if !include_past {
        q = q.filter(meetings::ends_at.ge(ctx.now));
    }
    if !is_office(ctx) {
        let mine = meeting_summons::table
            .filter(meeting_summons::user_id.eq(ctx.caller.user_id))
            .select(meeting_summons::meeting_id);
        q = q
            .filter(meetings::id.eq_any(mine))
            .filter(meetings::status.ne(MeetingStatus::Draft));
    }
    let rows = q.load(conn)?;
    to_meetings(conn, ctx, rows)
}
