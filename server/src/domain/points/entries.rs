//! What the office records by hand for what happens outside the app
//! (speeches at the plenary, proposals, published articles, other duty),
//! each with its evidence, once per member, event and evidence.

use chrono::Datelike;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{MemberId, PointsEntryId};
use lvzhi_shared::members::Role;
use lvzhi_shared::points::{NewPointsEntry, PointsEntry, PointsEvent, points_of};

use crate::db::DbConnection;
use crate::db::models::PointsEntryRow;
use crate::db::schema::{points_entries, users};
use crate::domain::committees::local;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

fn duplicate() -> AppError {
    AppError::new(
        ErrorCode::DuplicateEntry,
        "该委员的这一事项已经登记过 (this member already has this entry with this evidence)",
    )
    .with_field("evidence")
}

fn to_entry(ctx: &Ctx, row: PointsEntryRow, member_name: String) -> PointsEntry {
    PointsEntry {
        id: row.id,
        member_id: row.member_id,
        member_name,
        event: row.event,
        evidence: row.evidence,
        occurred_on: row.occurred_on,
        points: row.points.map(points_of),
        created_at: local(row.created_at, ctx.tz),
    }
}

/// Stores an entry row in an open year (locked by the caller), refusing a
/// duplicate of member, event and evidence.
pub(super) fn insert(conn: &mut DbConnection, row: &PointsEntryRow) -> Result<(), AppError> {
    let taken: i64 = points_entries::table
        .filter(points_entries::committee_id.eq(row.committee_id))
        .filter(points_entries::member_id.eq(row.member_id))
        .filter(points_entries::event.eq(row.event))
        .filter(points_entries::evidence.eq(&row.evidence))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(duplicate());
    }
    diesel::insert_into(points_entries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records a manual entry for a member of the committee.
pub fn add(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewPointsEntry,
) -> Result<PointsEntry, AppError> {
    let evidence = input.validate()?;
    let year = input.occurred_on.year();
    super::check_year(year, "occurred_on")?;
    let name: String = users::table
        .find(input.member_id)
        .filter(users::committee_id.eq(ctx.caller.committee_id))
        .filter(users::role.eq(Role::Member.as_str()))
        .select(users::name)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::new(ErrorCode::UnknownMember, "not a member of this committee")
                .with_field("member_id")
        })?;
    super::lock_open_year(conn, ctx, year)?;
    let row = PointsEntryRow {
        id: PointsEntryId::new_v7(),
        committee_id: ctx.caller.committee_id,
        year,
        member_id: input.member_id,
        event: input.event,
        evidence,
        occurred_on: input.occurred_on,
        points: None,
        created_by: ctx.caller.user_id,
        created_at: ctx.now,
    };
    insert(conn, &row)?;
    audit::record(
        conn,
        ctx,
        AuditAction::PointsEntryAdded,
        Some(&row.member_id),
        format!("{}：{}", super::words::event_zh(row.event), row.evidence),
    )?;
    Ok(to_entry(ctx, row, name))
}

/// Takes a manual entry back while its year is open. Adjustments stay: they
/// answer a dispute.
pub fn remove(conn: &mut DbConnection, ctx: &Ctx, id: PointsEntryId) -> Result<(), AppError> {
    let row: PointsEntryRow = points_entries::table
        .find(id)
        .filter(points_entries::committee_id.eq(ctx.caller.committee_id))
        .select(PointsEntryRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("entry"))?;
    if row.event == PointsEvent::Adjustment {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "an accepted dispute's adjustment stays on the record",
        ));
    }
    super::lock_open_year(conn, ctx, row.year)?;
    diesel::delete(points_entries::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::PointsEntryRemoved,
        Some(&row.member_id),
        format!("{}：{}", super::words::event_zh(row.event), row.evidence),
    )?;
    Ok(())
}

/// The year's entries, newest first, of one member or all.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
    member: Option<MemberId>,
) -> Result<Vec<PointsEntry>, AppError> {
    super::check_year(year, "year")?;
    let mut query = points_entries::table
        .inner_join(users::table.on(users::id.eq(points_entries::member_id)))
        .filter(points_entries::committee_id.eq(ctx.caller.committee_id))
        .filter(points_entries::year.eq(year))
        .select((PointsEntryRow::as_select(), users::name))
        .order(points_entries::id.desc())
        .into_boxed();
    if let Some(m) = member {
        query = query.filter(points_entries::member_id.eq(m));
    }
    let rows: Vec<(PointsEntryRow, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, name)| to_entry(ctx, row, name))
        .collect())
}
