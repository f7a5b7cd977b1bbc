//! Planning a meeting: a draft with its sessions, publishing the notice to
//! the summoned, rescheduling (which voids leave decisions and asks for new
//! answers) and cancelling. Who is summoned is fixed in `meeting_summons`
//! when the notice goes out and kept in step with the body afterwards.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, SubsecRound};
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{BodyId, MeetingId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{LeaveStatus, MeetingAnswer, MeetingPatch, MeetingStatus, NewMeeting};
use lvzhi_shared::validate::{MAX_LONG_TEXT_CHARS, MAX_PLACE_CHARS, MAX_TITLE_CHARS, text};
use rand::RngCore;

use crate::db::DbConnection;
use crate::db::models::{MeetingRow, MeetingSessionRow, SummonsRow};
use crate::db::schema::{
    leave_requests, meeting_invitees, meeting_sessions, meeting_summons, meetings, users,
};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::words::{self, MeetingNotice};
use super::{bodies, local_date, lock, sessions_of};

/// Leave requests close this long before the first session unless the meeting says otherwise.
const DEFAULT_LEAVE_NOTICE: Duration = Duration::days(2);
/// Most sessions a meeting may have (a plenary runs a few days of half-days).
const MAX_SESSIONS: usize = 20;
const MAX_INVITEES: usize = 1000;

fn utc(t: DateTime<FixedOffset>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn in_past(field: String) -> AppError {
    AppError::new(ErrorCode::TimeInPast, "this time has already passed").with_field(field)
}

/// A session's times as stored, checked: ending after they start, starting
/// in the future; errors name `sessions[i]`'s field.
fn session_times(
    ctx: &Ctx,
    i: usize,
    starts_at: DateTime<FixedOffset>,
    ends_at: DateTime<FixedOffset>,
) -> Result<(NaiveDateTime, NaiveDateTime), AppError> {
    let (starts, ends) = (utc(starts_at), utc(ends_at));
    if ends <= starts {
        return Err(
            AppError::new(ErrorCode::InvalidField, "the end must be after the start")
                .with_field(format!("sessions[{i}].ends_at")),
        );
    }
    if starts <= ctx.now {
        return Err(in_past(format!("sessions[{i}].starts_at")));
    }
    Ok((starts, ends))
}

/// Creates a draft.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewMeeting,
) -> Result<MeetingId, AppError> {
    let title = text(&input.title, "title", MAX_TITLE_CHARS, true)?;
    let agenda = text(
        input.agenda.as_deref().unwrap_or_default(),
        "agenda",
        MAX_LONG_TEXT_CHARS,
        false,
    )?;
    bodies::load(conn, ctx, input.body_id).map_err(|_| {
        AppError::new(ErrorCode::InvalidField, "no such body in this committee")
            .with_field("body_id")
    })?;
    if input.sessions.is_empty() {
        return Err(AppError::new(
            ErrorCode::FieldRequired,
            "a meeting needs at least one session",
        )
        .with_field("sessions"));
    }
    if input.sessions.len() > MAX_SESSIONS {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("at most {MAX_SESSIONS} sessions"),
        )
        .with_field("sessions"));
    }
    let id = MeetingId::new_v7();
    let mut sessions = Vec::with_capacity(input.sessions.len());
    for (i, s) in input.sessions.iter().enumerate() {
        let (starts, ends) = session_times(ctx, i, s.starts_at, s.ends_at)?;
        sessions.push(MeetingSessionRow {
            id: MeetingSessionId::new_v7(),
            meeting_id: id,
            position: 0,
            title: text(&s.title, "title", MAX_TITLE_CHARS, true)
                .map_err(|e| AppError::from(e).with_field(format!("sessions[{i}].title")))?,
            starts_at: starts,
            ends_at: ends,
            place: text(&s.place, "place", MAX_PLACE_CHARS, true)
                .map_err(|e| AppError::from(e).with_field(format!("sessions[{i}].place")))?,
            checkin_secret: new_secret(),
        });
    }
    sessions.sort_by_key(|s| s.starts_at);
    for (i, s) in sessions.iter_mut().enumerate() {
        s.position = i32::try_from(i).unwrap_or(i32::MAX);
    }
    let (first, last) = (
        sessions[0].starts_at,
        sessions.iter().map(|s| s.ends_at).max(),
    );
    let deadline = match input.leave_deadline.map(utc) {
        Some(d) if d > first => {
            return Err(AppError::new(
                ErrorCode::InvalidField,
                "leave requests must close by the first session",
            )
            .with_field("leave_deadline"));
        }
        Some(d) => d,
        None => first - DEFAULT_LEAVE_NOTICE,
    };
    check_invitees(conn, ctx, &input.invitees)?;
    let row = MeetingRow {
        id,
        committee_id: ctx.caller.committee_id,
        body_id: input.body_id,
        kind: input.kind,
        title,
        agenda,
        status: MeetingStatus::Draft,
        starts_at: first,
        ends_at: last.unwrap_or(first),
        leave_deadline: deadline,
        organizer_id: ctx.caller.user_id,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    diesel::insert_into(meetings::table)
        .values(&row)
        .execute(conn)?;
    for s in &sessions {
        diesel::insert_into(meeting_sessions::table)
            .values(s)
            .execute(conn)?;
    }
    let mut invitees = input.invitees.clone();
    invitees.sort();
    invitees.dedup();
    for u in invitees {
        diesel::insert_into(meeting_invitees::table)
            .values((
                meeting_invitees::meeting_id.eq(id),
                meeting_invitees::user_id.eq(u),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

fn check_invitees(conn: &mut DbConnection, ctx: &Ctx, ids: &[MemberId]) -> Result<(), AppError> {
    if ids.len() > MAX_INVITEES {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("at most {MAX_INVITEES} invitees"),
        )
        .with_field("invitees"));
    }
    let known: HashSet<MemberId> = users::table
        .filter(users::committee_id.eq(ctx.caller.committee_id))
        .filter(users::id.eq_any(ids))
        .select(users::id)
        .load::<MemberId>(conn)?
        .into_iter()
        .collect();
    if let Some(i) = ids.iter().position(|id| !known.contains(id)) {
        return Err(AppError::new(
            ErrorCode::UnknownMember,
            "an invitee is not a member of this committee",
        )
        .with_field(format!("invitees[{i}]")));
    }
    Ok(())
}

/// Who the meeting summons now: the body's members on the day of the first
/// session (with their vote), and the invitees who are not (without).
fn summoned(
    conn: &mut DbConnection,
    ctx: &Ctx,
    m: &MeetingRow,
) -> Result<HashMap<MemberId, bool>, AppError> {
    let day = local_date(m.starts_at, ctx.tz);
    let mut out: HashMap<MemberId, bool> = bodies::members_on(conn, m.body_id, day)?
        .into_iter()
        .collect();
    let invitees = meeting_invitees::table
        .filter(meeting_invitees::meeting_id.eq(m.id))
        .select(meeting_invitees::user_id)
        .load::<MemberId>(conn)?;
    for u in invitees {
        out.entry(u).or_insert(false);
    }
    Ok(out)
}

/// Brings `meeting_summons` in step with who is summoned now: newcomers are
/// added unanswered, those no longer summoned are taken off (their open
/// leave requests voided), the rest keep their answers. Returns the newcomers.
fn sync_summons(
    conn: &mut DbConnection,
    ctx: &Ctx,
    m: &MeetingRow,
) -> Result<Vec<MemberId>, AppError> {
    let target = summoned(conn, ctx, m)?;
    let current: Vec<SummonsRow> = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(m.id))
        .select(SummonsRow::as_select())
        .load(conn)?;
    let mut newcomers = Vec::new();
    let known: HashMap<MemberId, bool> = current.iter().map(|s| (s.user_id, s.voting)).collect();
    for s in &current {
        match target.get(&s.user_id) {
            None => {
                diesel::delete(meeting_summons::table.find((m.id, s.user_id))).execute(conn)?;
                diesel::update(
                    leave_requests::table
                        .filter(leave_requests::meeting_id.eq(m.id))
                        .filter(leave_requests::user_id.eq(s.user_id))
                        .filter(leave_requests::status.eq(LeaveStatus::Pending)),
                )
                .set(leave_requests::status.eq(LeaveStatus::Voided))
                .execute(conn)?;
            }
            Some(voting) if *voting != s.voting => {
                diesel::update(meeting_summons::table.find((m.id, s.user_id)))
                    .set(meeting_summons::voting.eq(*voting))
                    .execute(conn)?;
            }
            Some(_) => {}
        }
    }
    let mut fresh: Vec<SummonsRow> = target
        .iter()
        .filter(|(u, _)| !known.contains_key(*u))
        .map(|(u, voting)| SummonsRow {
            meeting_id: m.id,
            user_id: *u,
            voting: *voting,
            answer: MeetingAnswer::Pending,
            answered_at: None,
        })
        .collect();
    fresh.sort_by_key(|s| s.user_id);
    for chunk in fresh.chunks(500) {
        let insert = diesel::insert_into(meeting_summons::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    newcomers.extend(fresh.iter().map(|s| s.user_id));
    Ok(newcomers)
}

/// Sends the notice: the draft is published and everyone summoned is told.
pub fn publish(conn: &mut DbConnection, ctx: &Ctx, id: MeetingId) -> Result<(), AppError> {
    let m = lock(conn, ctx.caller.committee_id, id)?;
    if m.status != MeetingStatus::Draft {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "only a draft can be published",
        ));
    }
    if m.starts_at <= ctx.now {
        return Err(in_past("sessions[0].starts_at".into()));
    }
    diesel::update(meetings::table.find(id))
        .set((
            meetings::status.eq(MeetingStatus::Published),
            meetings::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    let m = MeetingRow {
        status: MeetingStatus::Published,
        ..m
    };
    let summoned = sync_summons(conn, ctx, &m)?;
    let sessions = sessions_of(conn, id)?;
    if let Some(first) = sessions.first() {
        words::tell(
            conn,
            &m,
            first,
            &summoned,
            &MeetingNotice::Summoned,
            ctx.now,
        )?;
    }
    audit::record(
        conn,
        ctx,
        AuditAction::MeetingPublished,
        Some(&id),
        format!("{}（{} 人）", m.title, summoned.len()),
    )
}

/// Membership of a body changed: its published meetings still to come
/// summon who belongs on their date; newcomers get the notice.
pub fn resummon_body(conn: &mut DbConnection, ctx: &Ctx, body_id: BodyId) -> Result<(), AppError> {
    let upcoming: Vec<MeetingRow> = meetings::table
        .filter(meetings::body_id.eq(body_id))
        .filter(meetings::status.eq(MeetingStatus::Published))
        .filter(meetings::starts_at.gt(ctx.now))
        .select(MeetingRow::as_select())
        .load(conn)?;
    for m in upcoming {
        let m = lock(conn, ctx.caller.committee_id, m.id)?;
        let newcomers = sync_summons(conn, ctx, &m)?;
        if let Some(first) = sessions_of(conn, m.id)?.first() {
            words::tell(
                conn,
                &m,
                first,
                &newcomers,
                &MeetingNotice::Summoned,
                ctx.now,
            )?;
        }
    }
    Ok(())
}

/// Changes a meeting. New session times of a published meeting are a
/// reschedule: leave requests are voided (their members told), everyone
/// summoned must answer again, and the summons follows the new date.
pub fn patch(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: MeetingId,
    p: &MeetingPatch,
) -> Result<(), AppError> {
    let m = lock(conn, ctx.caller.committee_id, id)?;
    if m.status == MeetingStatus::Cancelled {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "a cancelled meeting cannot change",
        ));
    }
    let mut sessions = sessions_of(conn, id)?;
    let mut rescheduled = false;
    if let Some(changes) = &p.sessions {
        for (i, c) in changes.iter().enumerate() {
            let (starts, ends) = session_times(ctx, i, c.starts_at, c.ends_at)?;
            let Some(s) = sessions.iter_mut().find(|s| s.id == c.id) else {
                return Err(AppError::new(
                    ErrorCode::InvalidField,
                    "no such session in this meeting",
                )
                .with_field(format!("sessions[{i}].id")));
            };
            let place = match &c.place {
                Some(place) => text(place, "place", MAX_PLACE_CHARS, true)
                    .map_err(|e| AppError::from(e).with_field(format!("sessions[{i}].place")))?,
                None => s.place.clone(),
            };
            if s.starts_at != starts || s.ends_at != ends || s.place != place {
                rescheduled = true;
            }
            s.starts_at = starts;
            s.ends_at = ends;
            s.place = place;
        }
    }
    sessions.sort_by_key(|s| s.starts_at);
    let first = sessions.first().map_or(m.starts_at, |s| s.starts_at);
    let last = sessions
        .iter()
        .map(|s| s.ends_at)
        .max()
        .unwrap_or(m.ends_at);
    let deadline = match p.leave_deadline.map(utc) {
        Some(d) => d,
        // A reschedule moves the default deadline with the first session.
        None if rescheduled && m.leave_deadline == m.starts_at - DEFAULT_LEAVE_NOTICE => {
            first - DEFAULT_LEAVE_NOTICE
        }
        None => m.leave_deadline.min(first),
    };
    if deadline > first {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "leave requests must close by the first session",
        )
        .with_field("leave_deadline"));
    }
    let title = match &p.title {
        Some(t) => text(t, "title", MAX_TITLE_CHARS, true)?,
        None => m.title.clone(),
    };
    let agenda = match &p.agenda {
        Some(a) => text(a, "agenda", MAX_LONG_TEXT_CHARS, false)?,
        None => m.agenda.clone(),
    };
    for (i, s) in sessions.iter().enumerate() {
        diesel::update(meeting_sessions::table.find(s.id))
            .set((
                meeting_sessions::starts_at.eq(s.starts_at),
                meeting_sessions::ends_at.eq(s.ends_at),
                meeting_sessions::place.eq(&s.place),
                meeting_sessions::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
    }
    diesel::update(meetings::table.find(id))
        .set((
            meetings::title.eq(&title),
            meetings::agenda.eq(&agenda),
            meetings::starts_at.eq(first),
            meetings::ends_at.eq(last),
            meetings::leave_deadline.eq(deadline),
            meetings::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    if !(rescheduled && m.status == MeetingStatus::Published) {
        return Ok(());
    }
    let m = MeetingRow {
        title,
        agenda,
        starts_at: first,
        ends_at: last,
        leave_deadline: deadline,
        ..m
    };
    // Decided and pending leave no longer fits the new times.
    let voided: Vec<(MemberId, LeaveStatus)> = leave_requests::table
        .filter(leave_requests::meeting_id.eq(id))
        .filter(leave_requests::status.ne(LeaveStatus::Voided))
        .select((leave_requests::user_id, leave_requests::status))
        .load(conn)?;
    diesel::update(
        leave_requests::table
            .filter(leave_requests::meeting_id.eq(id))
            .filter(leave_requests::status.ne(LeaveStatus::Voided)),
    )
    .set(leave_requests::status.eq(LeaveStatus::Voided))
    .execute(conn)?;
    diesel::update(meeting_summons::table.filter(meeting_summons::meeting_id.eq(id)))
        .set((
            meeting_summons::answer.eq(MeetingAnswer::Pending),
            meeting_summons::answered_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    sync_summons(conn, ctx, &m)?;
    let everyone: Vec<MemberId> = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(id))
        .select(meeting_summons::user_id)
        .load(conn)?;
    let first_session = &sessions[0];
    words::tell(
        conn,
        &m,
        first_session,
        &everyone,
        &MeetingNotice::Rescheduled,
        ctx.now,
    )?;
    let decided: Vec<MemberId> = voided
        .iter()
        .filter(|(_, s)| *s == LeaveStatus::Approved)
        .map(|(u, _)| *u)
        .collect();
    words::tell(
        conn,
        &m,
        first_session,
        &decided,
        &MeetingNotice::Leave(LeaveStatus::Voided, None),
        ctx.now,
    )?;
    audit::record(
        conn,
        ctx,
        AuditAction::MeetingRescheduled,
        Some(&id),
        format!("{}（作废请假 {} 条）", m.title, voided.len()),
    )
}

/// Cancels a meeting; the summoned are told why.
pub fn cancel(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: MeetingId,
    reason: &str,
) -> Result<(), AppError> {
    let m = lock(conn, ctx.caller.committee_id, id)?;
    if m.status == MeetingStatus::Cancelled {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the meeting is already cancelled",
        ));
    }
    let reason = text(reason, "reason", MAX_LONG_TEXT_CHARS, false)?;
    diesel::update(meetings::table.find(id))
        .set((
            meetings::status.eq(MeetingStatus::Cancelled),
            meetings::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    let summoned: Vec<MemberId> = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(id))
        .select(meeting_summons::user_id)
        .load(conn)?;
    if let Some(first) = sessions_of(conn, id)?.first() {
        words::tell(
            conn,
            &m,
            first,
            &summoned,
            &MeetingNotice::Cancelled(&reason),
            ctx.now,
        )?;
    }
    audit::record(conn, ctx, AuditAction::MeetingCancelled, Some(&id), m.title)
}
