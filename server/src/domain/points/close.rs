//! Closing a year: every member's record computed once more and stored, line
//! by line, with the total, grade and place; the year's rules stay as they
//! were. Members are told their record is final and until when they may
//! dispute it.

use chrono::Datelike;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{CommitteeId, MemberId};
use lvzhi_shared::points::PointsYear;

use super::rules;
use super::score::{self, Line};
use crate::db::DbConnection;
use crate::db::models::{PointsLineRow, PointsResultRow};
use crate::db::schema::{points_lines, points_results, points_years};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

/// Rows per INSERT: 12 columns × 2,000 stays under both databases' bind limits.
const CHUNK: usize = 2_000;

fn insert_lines(conn: &mut DbConnection, rows: &[PointsLineRow]) -> Result<(), AppError> {
    for chunk in rows.chunks(CHUNK) {
        let insert = diesel::insert_into(points_lines::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

fn insert_results(conn: &mut DbConnection, rows: &[PointsResultRow]) -> Result<(), AppError> {
    for chunk in rows.chunks(CHUNK) {
        let insert = diesel::insert_into(points_results::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

pub(super) fn line_row(
    committee: CommitteeId,
    year: i32,
    member: MemberId,
    l: Line,
) -> PointsLineRow {
    PointsLineRow {
        committee_id: committee,
        year,
        member_id: member,
        line_key: l.key,
        event: l.event,
        source_kind: l.source_kind,
        source_id: l.source_id,
        source_title: l.source_title,
        occurred_on: l.on,
        quantity: l.quantity,
        share_percent: l.share_percent,
        points: l.points,
    }
}

/// Closes `year` for the caller's committee. A year not yet begun cannot
/// be closed; a closed one is refused (`year_closed`).
pub fn close(conn: &mut DbConnection, ctx: &Ctx, year: i32) -> Result<PointsYear, AppError> {
    super::check_year(year, "year")?;
    if year > super::today(ctx).year() {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "a year is closed once it has begun (usually after its end)",
        )
        .with_field("year"));
    }
    super::lock_open_year(conn, ctx, year)?;
    let committee = ctx.caller.committee_id;
    let (_, rules) = rules::load(conn, committee, year)?;
    let scored = super::records::compute_all(conn, ctx, year, &rules)?;
    let ranked = score::rank(scored.iter().map(|(m, s)| (*m, s.total)).collect());
    let mut lines = Vec::new();
    for (member, s) in scored {
        lines.extend(
            s.lines
                .into_iter()
                .map(|l| line_row(committee, year, member, l)),
        );
    }
    insert_lines(conn, &lines)?;
    let rows: Vec<PointsResultRow> = ranked
        .iter()
        .map(|(member, total, place)| PointsResultRow {
            committee_id: committee,
            year,
            member_id: *member,
            total: *total,
            grade: score::grade(&rules, *total),
            rank: *place,
        })
        .collect();
    insert_results(conn, &rows)?;
    diesel::update(points_years::table.find((committee, year)))
        .set((
            points_years::closed_at.eq(Some(ctx.now)),
            points_years::closed_by.eq(Some(ctx.caller.user_id)),
            points_years::ranked.eq(Some(i32::try_from(rows.len()).unwrap_or(i32::MAX))),
            points_years::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::PointsYearClosed,
        None,
        format!("{year}年度履职积分结算：{}人", rows.len()),
    )?;
    let year_view = rules::year(conn, ctx, year)?;
    let members: Vec<MemberId> = rows.iter().map(|r| r.member_id).collect();
    super::words::tell_closed(conn, ctx, year, year_view.dispute_until, &members)?;
    Ok(year_view)
}
