//! Members dispute a line of their record (or say one is missing) any time
//! while the year is open and within the window after its close; the office
//! accepts with an adjustment line or refuses with a reason, and the member
//! is told either way. After the close an adjustment goes into the frozen
//! record: the member's total and grade, and the committee's places.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{MemberId, PointsDisputeId, PointsEntryId};
use lvzhi_shared::points::{
    DisputeAcceptance, DisputeStatus, MAX_ADJUSTMENT, MAX_EVIDENCE_CHARS, NewDispute,
    PointsDispute, PointsEvent, PointsSourceKind, hundredths, points_of,
};
use lvzhi_shared::validate::text;

use super::score::{self, Line};
use super::{close, entries, records, rules};
use crate::db::DbConnection;
use crate::db::models::{PointsDisputeRow, PointsEntryRow};
use crate::db::schema::{points_disputes, points_lines, points_results, points_years, users};
use crate::domain::committees::local;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

fn to_dispute(ctx: &Ctx, row: PointsDisputeRow, member_name: String) -> PointsDispute {
    PointsDispute {
        id: row.id,
        year: row.year,
        member_id: row.member_id,
        member_name,
        line_key: row.line_key,
        line_title: row.line_title,
        reason: row.reason,
        status: row.status,
        answer: row.answer,
        adjustment: row.adjustment.map(points_of),
        created_at: local(row.created_at, ctx.tz),
        decided_at: row.decided_at.map(|t| local(t, ctx.tz)),
    }
}

fn view(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: PointsDisputeId,
) -> Result<PointsDispute, AppError> {
    let (row, name): (PointsDisputeRow, String) = points_disputes::table
        .inner_join(users::table.on(users::id.eq(points_disputes::member_id)))
        .filter(points_disputes::id.eq(id))
        .select((PointsDisputeRow::as_select(), users::name))
        .get_result(conn)?;
    Ok(to_dispute(ctx, row, name))
}

/// A member disputes their own record.
pub fn file(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewDispute,
) -> Result<PointsDispute, AppError> {
    super::check_year(input.year, "year")?;
    let reason = text(&input.reason, "reason", MAX_EVIDENCE_CHARS, true)?;
    let me = ctx.caller.user_id;
    let (row, _) = rules::load(conn, ctx.caller.committee_id, input.year)?;
    if let Some(row) = &row
        && let Some(until) = super::dispute_until(row, ctx)
        && super::today(ctx) > until
    {
        return Err(AppError::new(
            ErrorCode::DisputeWindowClosed,
            format!(
                "{}年度积分的申诉期已于{until}结束 (disputes closed on {until})",
                input.year
            ),
        ));
    }
    let line_title = match input.line_key.as_deref() {
        None => None,
        Some(key) => {
            let record = records::of_member(conn, ctx, input.year, me)?;
            let line = record.lines.iter().find(|l| l.key == key).ok_or_else(|| {
                AppError::new(ErrorCode::InvalidField, "not a line of your record")
                    .with_field("line_key")
            })?;
            Some(format!(
                "{}：{}（{}）",
                super::words::event_zh(line.event),
                line.source.title,
                line.occurred_on
            ))
        }
    };
    // Asked twice (a retry, a double tap): the open dispute already filed.
    let mut same = points_disputes::table
        .filter(points_disputes::member_id.eq(me))
        .filter(points_disputes::year.eq(input.year))
        .filter(points_disputes::status.eq(DisputeStatus::Open))
        .select(points_disputes::id)
        .into_boxed();
    same = match &input.line_key {
        Some(key) => same.filter(points_disputes::line_key.eq(key.clone())),
        None => same
            .filter(points_disputes::line_key.is_null())
            .filter(points_disputes::reason.eq(reason.clone())),
    };
    if let Some(existing) = same.first::<PointsDisputeId>(conn).optional()? {
        return view(conn, ctx, existing);
    }
    let row = PointsDisputeRow {
        id: PointsDisputeId::new_v7(),
        committee_id: ctx.caller.committee_id,
        year: input.year,
        member_id: me,
        line_key: input.line_key.clone(),
        line_title,
        reason,
        status: DisputeStatus::Open,
        answer: None,
        adjustment: None,
        entry_id: None,
        decided_by: None,
        decided_at: None,
        created_at: ctx.now,
    };
    diesel::insert_into(points_disputes::table)
        .values(&row)
        .execute(conn)?;
    view(conn, ctx, row.id)
}

/// My disputes, newest first.
pub fn mine(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<PointsDispute>, AppError> {
    let rows: Vec<(PointsDisputeRow, String)> = points_disputes::table
        .inner_join(users::table.on(users::id.eq(points_disputes::member_id)))
        .filter(points_disputes::member_id.eq(ctx.caller.user_id))
        .select((PointsDisputeRow::as_select(), users::name))
        .order(points_disputes::id.desc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(r, n)| to_dispute(ctx, r, n))
        .collect())
}

/// The office's queue for a year, oldest first (what waits longest on top).
pub fn queue(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
    status: Option<DisputeStatus>,
) -> Result<Vec<PointsDispute>, AppError> {
    super::check_year(year, "year")?;
    let mut query = points_disputes::table
        .inner_join(users::table.on(users::id.eq(points_disputes::member_id)))
        .filter(points_disputes::committee_id.eq(ctx.caller.committee_id))
        .filter(points_disputes::year.eq(year))
        .select((PointsDisputeRow::as_select(), users::name))
        .order(points_disputes::id.asc())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(points_disputes::status.eq(status));
    }
    let rows: Vec<(PointsDisputeRow, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(r, n)| to_dispute(ctx, r, n))
        .collect())
}

/// An open dispute of the committee, locked for the office's decision.
fn lock_open(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: PointsDisputeId,
) -> Result<PointsDisputeRow, AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM points_disputes WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    let row: PointsDisputeRow = points_disputes::table
        .find(id)
        .filter(points_disputes::committee_id.eq(ctx.caller.committee_id))
        .select(PointsDisputeRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("dispute"))?;
    if row.status != DisputeStatus::Open {
        return Err(AppError::new(
            ErrorCode::DisputeDecided,
            "this dispute was already decided",
        ));
    }
    Ok(row)
}

/// Accepts a dispute with an adjustment line of `points`.
pub fn accept(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: PointsDisputeId,
    input: &DisputeAcceptance,
) -> Result<PointsDispute, AppError> {
    // Found first: another committee's dispute is not there, whatever the input.
    let dispute = lock_open(conn, ctx, id)?;
    let points = hundredths(input.points, "points", -MAX_ADJUSTMENT, MAX_ADJUSTMENT)?;
    if points == 0 {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "an adjustment adds or takes off points (refuse the dispute instead)",
        )
        .with_field("points"));
    }
    let note = text(&input.note, "note", MAX_EVIDENCE_CHARS, true)?;
    let year = super::lock_year(conn, ctx, dispute.year)?;
    let tail: String = id.to_string().chars().rev().take(6).collect::<String>();
    let entry = PointsEntryRow {
        id: PointsEntryId::new_v7(),
        committee_id: dispute.committee_id,
        year: dispute.year,
        member_id: dispute.member_id,
        event: PointsEvent::Adjustment,
        evidence: format!(
            "申诉调整：{note}（#{}）",
            tail.chars().rev().collect::<String>()
        ),
        occurred_on: super::today(ctx),
        points: Some(points),
        created_by: ctx.caller.user_id,
        created_at: ctx.now,
    };
    entries::insert(conn, &entry)?;
    if year.closed_at.is_some() {
        into_frozen_record(conn, ctx, &dispute, &entry)?;
    }
    diesel::update(points_disputes::table.find(id))
        .set((
            points_disputes::status.eq(DisputeStatus::Accepted),
            points_disputes::answer.eq(Some(&note)),
            points_disputes::adjustment.eq(Some(points)),
            points_disputes::entry_id.eq(Some(entry.id)),
            points_disputes::decided_by.eq(Some(ctx.caller.user_id)),
            points_disputes::decided_at.eq(Some(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::PointsDisputeDecided,
        Some(&dispute.member_id),
        format!("申诉受理，调整{:+.2}分：{note}", points_of(points)),
    )?;
    super::words::tell_decided(conn, ctx, &dispute, Some(points), &note)?;
    view(conn, ctx, id)
}

/// Refuses a dispute with a reason.
pub fn refuse(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: PointsDisputeId,
    reason: &str,
) -> Result<PointsDispute, AppError> {
    let dispute = lock_open(conn, ctx, id)?;
    let reason = text(reason, "reason", MAX_EVIDENCE_CHARS, true)?;
    diesel::update(points_disputes::table.find(id))
        .set((
            points_disputes::status.eq(DisputeStatus::Refused),
            points_disputes::answer.eq(Some(&reason)),
            points_disputes::decided_by.eq(Some(ctx.caller.user_id)),
            points_disputes::decided_at.eq(Some(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::PointsDisputeDecided,
        Some(&dispute.member_id),
        format!("申诉未予采纳：{reason}"),
    )?;
    super::words::tell_decided(conn, ctx, &dispute, None, &reason)?;
    view(conn, ctx, id)
}

/// Adds an accepted adjustment to a closed year's record: the line, the
/// member's total and grade, and every member's place.
fn into_frozen_record(
    conn: &mut DbConnection,
    ctx: &Ctx,
    dispute: &PointsDisputeRow,
    entry: &PointsEntryRow,
) -> Result<(), AppError> {
    let committee = ctx.caller.committee_id;
    let line = Line {
        key: format!("entry:{}", entry.id),
        event: entry.event,
        source_kind: PointsSourceKind::Entry,
        source_id: entry.id.to_string(),
        source_title: entry.evidence.clone(),
        on: entry.occurred_on,
        quantity: 100,
        share_percent: 100,
        points: entry.points.unwrap_or(0),
    };
    diesel::insert_into(points_lines::table)
        .values(close::line_row(
            committee,
            dispute.year,
            dispute.member_id,
            line,
        ))
        .execute(conn)?;
    let (_, rules) = rules::load(conn, committee, dispute.year)?;
    let lines = records::stored_lines(conn, committee, dispute.year, dispute.member_id)?;
    let scored = score::score(&rules, lines);
    let stored =
        diesel::update(points_results::table.find((committee, dispute.year, dispute.member_id)))
            .set((
                points_results::total.eq(scored.total),
                points_results::grade.eq(scored.grade),
            ))
            .execute(conn)?;
    if stored == 0 {
        // A member who joined after the close has no place yet: given one now.
        diesel::insert_into(points_results::table)
            .values((
                points_results::committee_id.eq(committee),
                points_results::year.eq(dispute.year),
                points_results::member_id.eq(dispute.member_id),
                points_results::total.eq(scored.total),
                points_results::grade.eq(scored.grade),
                points_results::rank.eq(0),
            ))
            .execute(conn)?;
        diesel::update(points_years::table.find((committee, dispute.year)))
            .set(points_years::ranked.eq(points_years::ranked + 1))
            .execute(conn)?;
    }
    let places: Vec<(MemberId, i64, i32)> = points_results::table
        .filter(points_results::committee_id.eq(committee))
        .filter(points_results::year.eq(dispute.year))
        .select((
            points_results::member_id,
            points_results::total,
            points_results::rank,
        ))
        .load(conn)?;
    let before: std::collections::HashMap<MemberId, i32> =
        places.iter().map(|(m, _, r)| (*m, *r)).collect();
    for (member, _, place) in score::rank(places.into_iter().map(|(m, t, _)| (m, t)).collect()) {
        if before.get(&member) != Some(&place) {
            diesel::update(points_results::table.find((committee, dispute.year, member)))
                .set(points_results::rank.eq(place))
                .execute(conn)?;
        }
    }
    Ok(())
}
