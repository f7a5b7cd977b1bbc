//! Check-in per session with the rotating codes activities use, each summoned
//! member's attendance per session, and the live quorum count.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::CheckinCode;
use lvzhi_shared::ids::{MeetingId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{
    AttendanceLine, LeaveStatus, MeetingAnswer, MeetingAttendance, MeetingStatus, Quorum,
    SessionAttendance, SessionCheckin, SessionQuorum,
};

use crate::db::DbConnection;
use crate::db::models::{MeetingRow, MeetingSessionRow};
use crate::db::schema::{
    leave_request_sessions, leave_requests, meeting_summons, session_checkins, users,
};
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::domain::idempotency::{self, IdemKey};
use crate::domain::rotating_codes::{self, Subject};
use crate::error::AppError;

use super::{load, rules, sessions_of, summons_of, views};

/// Check-in opens this long before a session starts and closes when it ends.
const EARLY: Duration = Duration::minutes(60);

fn session_in(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    session_id: MeetingSessionId,
) -> Result<(MeetingRow, MeetingSessionRow), AppError> {
    let m = load(conn, ctx.caller.committee_id, meeting_id)?;
    let s = sessions_of(conn, meeting_id)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| AppError::not_found("session"))?;
    Ok((m, s))
}

/// The code the venue's screen shows now.
pub fn current_code(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    session_id: MeetingSessionId,
) -> Result<CheckinCode, AppError> {
    let (_, s) = session_in(conn, ctx, meeting_id, session_id)?;
    let id = s.id.to_string();
    rotating_codes::current(
        &Subject {
            id: &id,
            secret: &s.checkin_secret,
        },
        ctx.now.and_utc(),
        ctx.tz,
    )
}

/// Whether members may check in at the session now: the meeting is
/// published, from an hour before the session starts to its end.
fn is_open(m: &MeetingRow, s: &MeetingSessionRow, now: NaiveDateTime) -> bool {
    m.status == MeetingStatus::Published && now >= s.starts_at - EARLY && now <= s.ends_at
}

/// Whether check-in at the session is open now (for the venue's screen).
pub fn checkin_open(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    session_id: MeetingSessionId,
) -> Result<bool, AppError> {
    let (m, s) = session_in(conn, ctx, meeting_id, session_id)?;
    Ok(is_open(&m, &s, ctx.now))
}

/// Present if checked in by the start, late after it.
fn arrival(s: &MeetingSessionRow, at: NaiveDateTime) -> SessionAttendance {
    if at <= s.starts_at {
        SessionAttendance::Present
    } else {
        SessionAttendance::Late
    }
}

/// A summoned member checks in at a session with the code on the screen.
/// A member on leave who comes after all counts present.
pub fn check_in(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    session_id: MeetingSessionId,
    code: &str,
    idem: Option<&IdemKey>,
) -> Result<SessionCheckin, AppError> {
    let (m, s) = session_in(conn, ctx, meeting_id, session_id)?;
    if let Some(previous) = idempotency::replay(conn, idem)? {
        return Ok(previous);
    }
    let id = s.id.to_string();
    rotating_codes::verify(
        &Subject {
            id: &id,
            secret: &s.checkin_secret,
        },
        code,
        ctx.now.and_utc(),
        "session",
    )?;
    if !is_open(&m, &s, ctx.now) {
        return Err(AppError::new(
            ErrorCode::CheckinNotOpen,
            "check-in is open from an hour before the session to its end",
        ));
    }
    summons_of(conn, meeting_id, ctx.caller.user_id)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotSummoned,
            "you are not summoned to this meeting",
        )
    })?;
    let already = || AppError::new(ErrorCode::AlreadyCheckedIn, "you have already checked in");
    let before: i64 = session_checkins::table
        .find((session_id, ctx.caller.user_id))
        .count()
        .get_result(conn)?;
    if before > 0 {
        return Err(already());
    }
    // Two phones of one member at once: the key decides, the second is told.
    diesel::insert_into(session_checkins::table)
        .values((
            session_checkins::session_id.eq(session_id),
            session_checkins::user_id.eq(ctx.caller.user_id),
            session_checkins::checked_in_at.eq(ctx.now),
        ))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => already(),
            other => other.into(),
        })?;
    let answer = SessionCheckin {
        session_id,
        checked_in_at: local(ctx.now, ctx.tz),
        attendance: arrival(&s, ctx.now),
    };
    idempotency::store(conn, idem, &answer, ctx.now)?;
    Ok(answer)
}

/// What is known of a meeting's people, read once.
struct Roll {
    sessions: Vec<MeetingSessionRow>,
    /// (member, voting, answer)
    summoned: Vec<(MemberId, bool, MeetingAnswer)>,
    /// (session, member) on approved leave.
    excused: HashSet<(MeetingSessionId, MemberId)>,
    /// (session, member) → when checked in.
    arrived: HashMap<(MeetingSessionId, MemberId), NaiveDateTime>,
    pending_leave: i64,
}

fn roll(conn: &mut DbConnection, meeting_id: MeetingId) -> Result<Roll, AppError> {
    let sessions = sessions_of(conn, meeting_id)?;
    let summoned = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(meeting_id))
        .select((
            meeting_summons::user_id,
            meeting_summons::voting,
            meeting_summons::answer,
        ))
        .load(conn)?;
    let excused: HashSet<(MeetingSessionId, MemberId)> = leave_request_sessions::table
        .inner_join(leave_requests::table)
        .filter(leave_requests::meeting_id.eq(meeting_id))
        .filter(leave_requests::status.eq(LeaveStatus::Approved))
        .select((leave_request_sessions::session_id, leave_requests::user_id))
        .load::<(MeetingSessionId, MemberId)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<MeetingSessionId> = sessions.iter().map(|s| s.id).collect();
    let arrived = session_checkins::table
        .filter(session_checkins::session_id.eq_any(&ids))
        .select((
            session_checkins::session_id,
            session_checkins::user_id,
            session_checkins::checked_in_at,
        ))
        .load::<(MeetingSessionId, MemberId, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(s, u, t)| ((s, u), t))
        .collect();
    let pending_leave = leave_requests::table
        .filter(leave_requests::meeting_id.eq(meeting_id))
        .filter(leave_requests::status.eq(LeaveStatus::Pending))
        .count()
        .get_result(conn)?;
    Ok(Roll {
        sessions,
        summoned,
        excused,
        arrived,
        pending_leave,
    })
}

impl Roll {
    fn attendance(
        &self,
        s: &MeetingSessionRow,
        member: MemberId,
        now: NaiveDateTime,
    ) -> SessionAttendance {
        if let Some(at) = self.arrived.get(&(s.id, member)) {
            arrival(s, *at)
        } else if self.excused.contains(&(s.id, member)) {
            SessionAttendance::Excused
        } else if now > s.ends_at {
            SessionAttendance::Absent
        } else {
            SessionAttendance::Expected
        }
    }
}

/// The live count per session against the meeting kind's rule.
pub fn quorum(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
) -> Result<Quorum, AppError> {
    let m = load(conn, ctx.caller.committee_id, meeting_id)?;
    let rule = rules::get(conn, ctx, m.kind)?;
    let roll = roll(conn, meeting_id)?;
    let voting: Vec<MemberId> = roll
        .summoned
        .iter()
        .filter(|(_, v, _)| *v)
        .map(|(u, _, _)| *u)
        .collect();
    let guests: Vec<MemberId> = roll
        .summoned
        .iter()
        .filter(|(_, v, _)| !*v)
        .map(|(u, _, _)| *u)
        .collect();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let sessions = roll
        .sessions
        .iter()
        .map(|s| {
            let present = voting
                .iter()
                .filter(|u| roll.arrived.contains_key(&(s.id, **u)))
                .count();
            let on_leave = voting
                .iter()
                .filter(|u| {
                    !roll.arrived.contains_key(&(s.id, **u)) && roll.excused.contains(&(s.id, **u))
                })
                .count();
            let required = rules::required_present(
                voting.len() as i64,
                rule.quorum_numerator,
                rule.quorum_denominator,
            );
            SessionQuorum {
                session_id: s.id,
                title: s.title.clone(),
                starts_at: local(s.starts_at, ctx.tz),
                summoned: count(voting.len()),
                on_leave: count(on_leave),
                present: count(present),
                absent: count(voting.len() - present - on_leave),
                required: i32::try_from(required).unwrap_or(i32::MAX),
                quorate: present as i64 >= required,
                guests_present: count(
                    guests
                        .iter()
                        .filter(|u| roll.arrived.contains_key(&(s.id, **u)))
                        .count(),
                ),
            }
        })
        .collect();
    Ok(Quorum {
        meeting_id,
        quorum_numerator: rule.quorum_numerator,
        quorum_denominator: rule.quorum_denominator,
        sessions,
        leave_pending: i32::try_from(roll.pending_leave).unwrap_or(i32::MAX),
    })
}

/// Each summoned member's attendance per session, by name (the office).
pub fn attendance(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
) -> Result<MeetingAttendance, AppError> {
    load(conn, ctx.caller.committee_id, meeting_id)?;
    let roll = roll(conn, meeting_id)?;
    let ids: Vec<MemberId> = roll.summoned.iter().map(|(u, _, _)| *u).collect();
    let mut names: HashMap<MemberId, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        names.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::name))
                .load::<(MemberId, String)>(conn)?,
        );
    }
    let mut items: Vec<AttendanceLine> = roll
        .summoned
        .iter()
        .map(|(u, voting, answer)| AttendanceLine {
            member_id: *u,
            name: names.get(u).cloned().unwrap_or_default(),
            voting: *voting,
            answer: *answer,
            sessions: roll
                .sessions
                .iter()
                .map(|s| roll.attendance(s, *u, ctx.now))
                .collect(),
        })
        .collect();
    items.sort_by(|a, b| (!a.voting, &a.name).cmp(&(!b.voting, &b.name)));
    Ok(MeetingAttendance {
        sessions: roll
            .sessions
            .iter()
            .map(|s| views::to_session(s, ctx.tz))
            .collect(),
        items,
    })
}
