//! A summoned member's answer: attend, or leave (请假) for the whole meeting
//! or chosen sessions, with a reason, until the meeting's deadline. The
//! approver for the meeting's kind decides; the office may record leave at
//! any time. Who decides, and what they see, is `rules::approves`.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{LeaveRequestId, MeetingId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{
    LeaveDecision, LeaveDecisionInput, LeaveRequest, LeaveStatus, MeetingAnswer, MeetingKind,
    MeetingResponse, MeetingStatus, MyMeeting, RecordedLeave,
};
use lvzhi_shared::members::Role;
use lvzhi_shared::validate::{MAX_LONG_TEXT_CHARS, text};

use crate::db::DbConnection;
use crate::db::models::{LeaveRequestRow, MeetingRow, MeetingSessionRow};
use crate::db::schema::{leave_request_sessions, leave_requests, meeting_summons, meetings, users};
use crate::domain::committees::local;
use crate::domain::idempotency::{self, IdemKey};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::words::{self, MeetingNotice};
use super::{load, lock, rules, sessions_of, summons_of, views};

/// The sessions a request names, checked against the meeting's; none: all.
fn chosen_sessions(
    asked: &[MeetingSessionId],
    sessions: &[MeetingSessionRow],
) -> Result<BTreeSet<MeetingSessionId>, AppError> {
    if asked.is_empty() {
        return Ok(sessions.iter().map(|s| s.id).collect());
    }
    asked
        .iter()
        .enumerate()
        .map(|(i, id)| {
            sessions
                .iter()
                .find(|s| s.id == *id)
                .map(|s| s.id)
                .ok_or_else(|| {
                    AppError::new(ErrorCode::InvalidField, "no such session in this meeting")
                        .with_field(format!("sessions[{i}]"))
                })
        })
        .collect()
}

/// Refuses when a pending or approved request of the member already covers one of `wanted`.
fn refuse_overlap(
    conn: &mut DbConnection,
    meeting_id: MeetingId,
    user_id: MemberId,
    wanted: &BTreeSet<MeetingSessionId>,
) -> Result<(), AppError> {
    let taken: Vec<MeetingSessionId> = leave_request_sessions::table
        .inner_join(leave_requests::table)
        .filter(leave_requests::meeting_id.eq(meeting_id))
        .filter(leave_requests::user_id.eq(user_id))
        .filter(leave_requests::status.eq_any([LeaveStatus::Pending, LeaveStatus::Approved]))
        .select(leave_request_sessions::session_id)
        .load(conn)?;
    if taken.iter().any(|s| wanted.contains(s)) {
        return Err(AppError::new(
            ErrorCode::LeaveAlreadyRequested,
            "a leave request already covers one of these sessions",
        )
        .with_field("sessions"));
    }
    Ok(())
}

fn insert_request(
    conn: &mut DbConnection,
    row: &LeaveRequestRow,
    sessions: &BTreeSet<MeetingSessionId>,
) -> Result<(), AppError> {
    diesel::insert_into(leave_requests::table)
        .values(row)
        .execute(conn)?;
    for s in sessions {
        diesel::insert_into(leave_request_sessions::table)
            .values((
                leave_request_sessions::leave_request_id.eq(row.id),
                leave_request_sessions::session_id.eq(s),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Withdraws the member's open requests (they will attend after all).
fn withdraw_open(
    conn: &mut DbConnection,
    meeting_id: MeetingId,
    user_id: MemberId,
) -> Result<(), AppError> {
    diesel::update(
        leave_requests::table
            .filter(leave_requests::meeting_id.eq(meeting_id))
            .filter(leave_requests::user_id.eq(user_id))
            .filter(leave_requests::status.eq_any([LeaveStatus::Pending, LeaveStatus::Approved])),
    )
    .set(leave_requests::status.eq(LeaveStatus::Voided))
    .execute(conn)?;
    Ok(())
}

/// A summoned member answers the notice.
pub fn respond(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    input: &MeetingResponse,
    idem: Option<&IdemKey>,
) -> Result<MyMeeting, AppError> {
    let me = ctx.caller.user_id;
    let m = lock(conn, ctx.caller.committee_id, meeting_id)?;
    if let Some(previous) = idempotency::replay(conn, idem)? {
        return Ok(previous);
    }
    if m.status != MeetingStatus::Published {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the meeting is not open for answers",
        ));
    }
    summons_of(conn, meeting_id, me)?.ok_or_else(not_summoned)?;
    match input.answer {
        MeetingAnswer::Attend => {
            if m.ends_at <= ctx.now {
                return Err(AppError::new(
                    ErrorCode::InvalidTransition,
                    "the meeting is over",
                ));
            }
            withdraw_open(conn, meeting_id, me)?;
        }
        MeetingAnswer::Leave => {
            if ctx.now > m.leave_deadline {
                return Err(AppError::new(
                    ErrorCode::LeaveDeadlinePassed,
                    "leave requests for this meeting have closed; please call the office",
                ));
            }
            let reason = text(
                input.reason.as_deref().unwrap_or_default(),
                "reason",
                MAX_LONG_TEXT_CHARS,
                true,
            )?;
            let sessions = sessions_of(conn, meeting_id)?;
            let wanted = chosen_sessions(&input.sessions, &sessions)?;
            refuse_overlap(conn, meeting_id, me, &wanted)?;
            let row = LeaveRequestRow {
                id: LeaveRequestId::new_v7(),
                meeting_id,
                user_id: me,
                reason,
                status: LeaveStatus::Pending,
                recorded_by_office: false,
                requested_at: ctx.now,
                decided_by: None,
                decided_at: None,
                note: None,
            };
            insert_request(conn, &row, &wanted)?;
        }
        MeetingAnswer::Pending => {
            return Err(
                AppError::new(ErrorCode::InvalidField, "answer `attend` or `leave`")
                    .with_field("answer"),
            );
        }
    }
    diesel::update(meeting_summons::table.find((meeting_id, me)))
        .set((
            meeting_summons::answer.eq(input.answer),
            meeting_summons::answered_at.eq(Some(ctx.now)),
        ))
        .execute(conn)?;
    let answer = views::my_part(conn, ctx, meeting_id)?.ok_or_else(not_summoned)?;
    idempotency::store(conn, idem, &answer, ctx.now)?;
    Ok(answer)
}

fn not_summoned() -> AppError {
    AppError::new(
        ErrorCode::NotSummoned,
        "you are not summoned to this meeting",
    )
}

/// The office records leave for a summoned member: approved at once, and
/// allowed after the deadline (a member who phoned in).
pub fn record(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    input: &RecordedLeave,
) -> Result<LeaveRequest, AppError> {
    let m = lock(conn, ctx.caller.committee_id, meeting_id)?;
    if m.status != MeetingStatus::Published {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "leave is recorded for published meetings",
        ));
    }
    summons_of(conn, meeting_id, input.member_id)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotSummoned,
            "the member is not summoned to this meeting",
        )
        .with_field("member_id")
    })?;
    let reason = text(&input.reason, "reason", MAX_LONG_TEXT_CHARS, true)?;
    let sessions = sessions_of(conn, meeting_id)?;
    let wanted = chosen_sessions(&input.sessions, &sessions)?;
    refuse_overlap(conn, meeting_id, input.member_id, &wanted)?;
    let row = LeaveRequestRow {
        id: LeaveRequestId::new_v7(),
        meeting_id,
        user_id: input.member_id,
        reason,
        status: LeaveStatus::Approved,
        recorded_by_office: true,
        requested_at: ctx.now,
        decided_by: Some(ctx.caller.user_id),
        decided_at: Some(ctx.now),
        note: None,
    };
    insert_request(conn, &row, &wanted)?;
    diesel::update(meeting_summons::table.find((meeting_id, input.member_id)))
        .set((
            meeting_summons::answer.eq(MeetingAnswer::Leave),
            meeting_summons::answered_at.eq(Some(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::LeaveRecorded,
        Some(&row.id),
        m.title.clone(),
    )?;
    Ok(to_leave_requests(conn, ctx, vec![(row, m.title)])?.remove(0))
}

/// The approver decides a pending request; the member is told.
pub fn decide(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: LeaveRequestId,
    input: &LeaveDecisionInput,
) -> Result<LeaveRequest, AppError> {
    let row: LeaveRequestRow = leave_requests::table
        .inner_join(meetings::table)
        .filter(leave_requests::id.eq(id))
        .filter(meetings::committee_id.eq(ctx.caller.committee_id))
        .select(LeaveRequestRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("leave request"))?;
    let m = lock(conn, ctx.caller.committee_id, row.meeting_id)?;
    // Read again under the meeting's lock: a concurrent decision has landed.
    let row: LeaveRequestRow = leave_requests::table
        .find(id)
        .select(LeaveRequestRow::as_select())
        .get_result(conn)?;
    // The input first: a malformed decision is the same mistake from anyone.
    let note = match &input.note {
        Some(n) => Some(text(n, "note", MAX_LONG_TEXT_CHARS, false)?).filter(|n| !n.is_empty()),
        None => None,
    };
    if input.decision == LeaveDecision::Refuse && note.is_none() {
        return Err(
            AppError::new(ErrorCode::FieldRequired, "say why the leave is refused")
                .with_field("note"),
        );
    }
    if row.user_id == ctx.caller.user_id {
        return Err(AppError::new(
            ErrorCode::OwnLeaveRequest,
            "nobody decides on their own leave request",
        ));
    }
    if !rules::approves(conn, ctx, m.kind)? {
        return Err(AppError::new(
            ErrorCode::NotApprover,
            "you do not approve leave for this kind of meeting",
        ));
    }
    if row.status != LeaveStatus::Pending {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "this request has already been decided",
        ));
    }
    let status = match input.decision {
        LeaveDecision::Approve => LeaveStatus::Approved,
        LeaveDecision::Refuse => LeaveStatus::Refused,
    };
    diesel::update(leave_requests::table.find(id))
        .set((
            leave_requests::status.eq(status),
            leave_requests::decided_by.eq(Some(ctx.caller.user_id)),
            leave_requests::decided_at.eq(Some(ctx.now)),
            leave_requests::note.eq(&note),
        ))
        .execute(conn)?;
    if status == LeaveStatus::Refused {
        // Refused: the member is expected, and the app asks them again.
        diesel::update(meeting_summons::table.find((row.meeting_id, row.user_id)))
            .set(meeting_summons::answer.eq(MeetingAnswer::Pending))
            .execute(conn)?;
    }
    if let Some(first) = sessions_of(conn, m.id)?.first() {
        words::tell(
            conn,
            &m,
            first,
            &[row.user_id],
            &MeetingNotice::Leave(status, note.as_deref()),
            ctx.now,
        )?;
    }
    audit::record(
        conn,
        ctx,
        AuditAction::LeaveDecided,
        Some(&id),
        format!("{}：{}", m.title, status.as_str()),
    )?;
    let decided = LeaveRequestRow {
        status,
        decided_by: Some(ctx.caller.user_id),
        decided_at: Some(ctx.now),
        note,
        ..row
    };
    Ok(to_leave_requests(conn, ctx, vec![(decided, m.title)])?.remove(0))
}

/// Requests as the API shows them: names and sessions filled in.
pub fn to_leave_requests(
    conn: &mut DbConnection,
    ctx: &Ctx,
    rows: Vec<(LeaveRequestRow, String)>,
) -> Result<Vec<LeaveRequest>, AppError> {
    let ids: Vec<LeaveRequestId> = rows.iter().map(|(r, _)| r.id).collect();
    let mut sessions: HashMap<LeaveRequestId, Vec<MeetingSessionId>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let pairs: Vec<(LeaveRequestId, MeetingSessionId)> = leave_request_sessions::table
            .filter(leave_request_sessions::leave_request_id.eq_any(chunk))
            .select((
                leave_request_sessions::leave_request_id,
                leave_request_sessions::session_id,
            ))
            .load(conn)?;
        for (r, s) in pairs {
            sessions.entry(r).or_default().push(s);
        }
    }
    let mut people: Vec<MemberId> = rows
        .iter()
        .flat_map(|(r, _)| [Some(r.user_id), r.decided_by])
        .flatten()
        .collect();
    people.sort();
    people.dedup();
    let mut names: HashMap<MemberId, String> = HashMap::new();
    for chunk in people.chunks(500) {
        let found: Vec<(MemberId, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name))
            .load(conn)?;
        names.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|(r, meeting_title)| LeaveRequest {
            id: r.id,
            meeting_id: r.meeting_id,
            meeting_title,
            member_id: r.user_id,
            member_name: names.get(&r.user_id).cloned().unwrap_or_default(),
            sessions: sessions.remove(&r.id).unwrap_or_default(),
            reason: r.reason,
            status: r.status,
            requested_at: local(r.requested_at, ctx.tz),
            recorded_by_office: r.recorded_by_office,
            decided_at: r.decided_at.map(|t| local(t, ctx.tz)),
            decided_by: r.decided_by.and_then(|u| names.get(&u).cloned()),
            note: r.note,
        })
        .collect())
}

/// The approval queue: requests of the kinds the caller approves (the
/// office sees every kind), oldest first; `status` filters.
pub fn queue(
    conn: &mut DbConnection,
    ctx: &Ctx,
    status: Option<LeaveStatus>,
) -> Result<Vec<LeaveRequest>, AppError> {
    let office = matches!(ctx.caller.role, Role::Organizer | Role::Admin);
    let mut kinds = Vec::new();
    for kind in MeetingKind::ALL {
        if office || rules::approves(conn, ctx, *kind)? {
            kinds.push(*kind);
        }
    }
    if kinds.is_empty() {
        // Approves nothing: an empty queue.
        return Ok(Vec::new());
    }
    let mut q = leave_requests::table
        .inner_join(meetings::table)
        .filter(meetings::committee_id.eq(ctx.caller.committee_id))
        .filter(meetings::kind.eq_any(kinds))
        .select((LeaveRequestRow::as_select(), meetings::title))
        .order(leave_requests::id)
        .limit(2000)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(leave_requests::status.eq(s));
    }
    let rows = q.load(conn)?;
    to_leave_requests(conn, ctx, rows)
}

/// The caller's own requests, newest first.
pub fn mine(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<LeaveRequest>, AppError> {
    let rows = leave_requests::table
        .inner_join(meetings::table)
        .filter(leave_requests::user_id.eq(ctx.caller.user_id))
        .select((LeaveRequestRow::as_select(), meetings::title))
        .order(leave_requests::id.desc())
        .limit(500)
        .load(conn)?;
    to_leave_requests(conn, ctx, rows)
}

/// Every request of one meeting (the office), oldest first.
pub fn of_meeting(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
) -> Result<Vec<LeaveRequest>, AppError> {
    let m: MeetingRow = load(conn, ctx.caller.committee_id, meeting_id)?;
    let rows: Vec<LeaveRequestRow> = leave_requests::table
        .filter(leave_requests::meeting_id.eq(meeting_id))
        .order(leave_requests::id)
        .select(LeaveRequestRow::as_select())
        .load(conn)?;
    let rows = rows.into_iter().map(|r| (r, m.title.clone())).collect();
    to_leave_requests(conn, ctx, rows)
}
