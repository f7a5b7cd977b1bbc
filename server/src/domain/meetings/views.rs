//! What members and the office see of meetings: a member sees the meetings
//! they are summoned to, the office every meeting of the committee.

use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ids::MeetingId;
use lvzhi_shared::meetings::{Meeting, MeetingSession, MeetingStatus, MyMeeting};
use lvzhi_shared::members::Role;

use crate::db::DbConnection;
use crate::db::models::{LeaveRequestRow, MeetingRow, MeetingSessionRow};
use crate::db::schema::{bodies, leave_requests, meeting_summons, meetings};
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::error::AppError;

use super::{attendance, leave, load, sessions_of, summons_of};

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

/// The caller's part in a meeting, if summoned.
pub fn my_part(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
) -> Result<Option<MyMeeting>, AppError> {
    let me = ctx.caller.user_id;
    let Some(summons) = summons_of(conn, meeting_id, me)? else {
        return Ok(None);
    };
    let latest: Option<(LeaveRequestRow, String)> = leave_requests::table
        .inner_join(meetings::table)
        .filter(leave_requests::meeting_id.eq(meeting_id))
        .filter(leave_requests::user_id.eq(me))
        .order(leave_requests::id.desc())
        .select((LeaveRequestRow::as_select(), meetings::title))
        .first(conn)
        .optional()?;
    let leave = match latest {
        Some(row) => leave::to_leave_requests(conn, ctx, vec![row])?.pop(),
        None => None,
    };
    Ok(Some(MyMeeting {
        answer: summons.answer,
        voting: summons.voting,
        leave,
        checked_in: attendance::checked_in(conn, meeting_id, me)?,
    }))
}

fn to_meeting(conn: &mut DbConnection, ctx: &Ctx, m: MeetingRow) -> Result<Meeting, AppError> {
    let sessions = sessions_of(conn, m.id)?;
    let body_name: String = bodies::table
        .find(m.body_id)
        .select(bodies::name)
        .get_result(conn)?;
    let summoned: i64 = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(m.id))
        .count()
        .get_result(conn)?;
    Ok(Meeting {
        id: m.id,
        kind: m.kind,
        body_id: m.body_id,
        body_name,
        title: m.title,
        agenda: m.agenda,
        status: m.status,
        sessions: sessions.iter().map(|s| to_session(s, ctx.tz)).collect(),
        leave_deadline: local(m.leave_deadline, ctx.tz),
        summoned: i32::try_from(summoned).unwrap_or(i32::MAX),
        me: my_part(conn, ctx, m.id)?,
    })
}

/// One meeting: the office sees any of the committee's, a member one they are summoned to.
pub fn view(conn: &mut DbConnection, ctx: &Ctx, id: MeetingId) -> Result<Meeting, AppError> {
    let m = load(conn, ctx.caller.committee_id, id)?;
    if !is_office(ctx) && summons_of(conn, id, ctx.caller.user_id)?.is_none() {
        return Err(AppError::not_found("meeting"));
    }
    to_meeting(conn, ctx, m)
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
    rows.into_iter().map(|m| to_meeting(conn, ctx, m)).collect()
}
