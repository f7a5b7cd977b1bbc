//! The duty record with points (履职档案 / 履职积分).
//!
//! While a year is open a member's record is computed from what Lvzhi holds
//! (`events` gathers it from activities, meetings, appraisals, reports and
//! the office's manual entries; `score` turns it into lines, capped
//! category totals and a grade, in hundredths of a point); `close` freezes
//! every member's record with a ranking, and from then on the stored lines
//! are the record. `rules` (per committee per year), `entries` (manual
//! entries), `disputes` (a member questions a line; an accepted dispute is
//! an adjustment entry, added to the frozen record when closed), `records`
//! (what members and the office read, and the 通报), `words` (what members
//! are told).

pub mod close;
pub mod disputes;
pub mod entries;
mod events;
pub mod records;
pub mod rules;
mod score;
pub mod words;

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::CommitteeId;

use crate::db::DbConnection;
use crate::db::models::PointsYearRow;
use crate::db::schema::points_years;
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::error::AppError;

/// Years a record may be asked for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn year_row(
    conn: &mut DbConnection,
    committee: CommitteeId,
    year: i32,
) -> Result<Option<PointsYearRow>, AppError> {
    Ok(points_years::table
        .find((committee, year))
        .select(PointsYearRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The year's settings row, made from the defaults if the year has none,
/// and locked for the rest of the transaction: closing, rule changes,
/// entries and decided disputes of one year take turns (SQLite's
/// `BEGIN IMMEDIATE` already serialises every write).
fn lock_year(conn: &mut DbConnection, ctx: &Ctx, year: i32) -> Result<PointsYearRow, AppError> {
    let committee = ctx.caller.committee_id;
    if year_row(conn, committee, year)?.is_none() {
        let defaults = rules::Rules::defaults();
        let row = defaults.year_row(committee, year, false, ctx.now);
        let insert = diesel::insert_into(points_years::table).values(&row);
        // Two first writers of a year: the second finds the first's row.
        let inserted = match conn {
            DbConnection::Sqlite(c) => insert.on_conflict_do_nothing().execute(c)?,
            DbConnection::Postgres(c) => insert.on_conflict_do_nothing().execute(c)?,
        };
        if inserted == 1 {
            rules::insert_rows(conn, committee, year, &defaults)?;
        }
    }
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query(
            "SELECT year FROM points_years WHERE committee_id = $1 AND year = $2 FOR UPDATE",
        )
        .bind::<diesel::sql_types::Text, _>(committee)
        .bind::<diesel::sql_types::Integer, _>(year)
        .execute(pg)?;
    }
    year_row(conn, committee, year)?.ok_or_else(|| AppError::not_found("year"))
}

/// The year locked, refused if it is closed.
fn lock_open_year(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
) -> Result<PointsYearRow, AppError> {
    let row = lock_year(conn, ctx, year)?;
    if row.closed_at.is_some() {
        return Err(AppError::new(
            ErrorCode::YearClosed,
            format!("{year}年度履职积分已结算，不能再更改 (the year {year} is closed)"),
        ));
    }
    Ok(row)
}

/// Refuses a year outside [`YEARS`], naming `field`.
pub fn check_year(year: i32, field: &'static str) -> Result<(), AppError> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::InvalidField, "a year from 2000 to 2100").with_field(field))
    }
}

/// Today in the committee's calendar.
fn today(ctx: &Ctx) -> chrono::NaiveDate {
    local(ctx.now, ctx.tz).date_naive()
}

/// The last day a closed year may be disputed.
fn dispute_until(row: &PointsYearRow, ctx: &Ctx) -> Option<chrono::NaiveDate> {
    row.closed_at.map(|closed| {
        local(closed, ctx.tz).date_naive()
            + chrono::Days::new(u64::try_from(row.dispute_days).unwrap_or(0))
    })
}
