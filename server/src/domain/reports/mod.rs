//! Public-opinion reports (社情民意信息), from a member's draft to what
//! became of them upstream.
//!
//! A report is a row in one committee's queue. What the member wrote is a
//! *root* row in their committee; forwarding to the parent committee makes a
//! *copy* there (`forwarded_from`), with its own status and decision, and
//! the same `root_id`. Credits (author, co-signers) and attachments' files
//! belong to the root; the timeline is the events of every row of the chain.
//!
//! `drafts` (the member's side: write, submit, withdraw, co-sign),
//! `attachments`, `review` (accept, return, reject, edit with versions,
//! merge), `issues` (numbered issues and their DOCX), `forwarding` (upward
//! or outside, and adoption, 批示, 办复), `timeline` (events and who is told),
//! `views` (what callers see), `figures` (the year's counts).

pub mod attachments;
pub mod drafts;
pub mod figures;
pub mod forwarding;
mod issue_docx;
pub mod issues;
pub mod review;
mod timeline;
pub mod views;
mod words;

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{CommitteeId, ReportId};
use lvzhi_shared::reports::ReportStatus;

use crate::db::DbConnection;
use crate::db::models::ReportRow;
use crate::db::schema::{committees, reports};
use crate::domain::Ctx;
use crate::error::AppError;

/// A report row by id, whatever committee holds it.
fn find(conn: &mut DbConnection, id: ReportId) -> Result<ReportRow, AppError> {
    reports::table
        .find(id)
        .select(ReportRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("report"))
}

/// The report, with its write lock held for the rest of the transaction so
/// that a step judged on its state sees every committed change and no
/// concurrent one (SQLite's `BEGIN IMMEDIATE` already holds the database's).
fn lock(conn: &mut DbConnection, id: ReportId) -> Result<ReportRow, AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM reports WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    find(conn, id)
}

/// Serialises the steps that take several reports of a committee at once
/// (compiling an issue, merging), so two never wait on each other's reports,
/// and numbers issues one at a time. `NO KEY UPDATE`: rows that merely
/// reference the committee are still written meanwhile.
fn lock_committee(conn: &mut DbConnection, committee: CommitteeId) -> Result<(), AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM committees WHERE id = $1 FOR NO KEY UPDATE")
            .bind::<diesel::sql_types::Text, _>(committee)
            .execute(pg)?;
    }
    Ok(())
}

/// A report in `committee`'s queue, locked for a step of the office's.
fn lock_in_queue(
    conn: &mut DbConnection,
    committee: CommitteeId,
    id: ReportId,
) -> Result<ReportRow, AppError> {
    lock(conn, id)?;
    in_queue(conn, committee, id)
}

/// A report named in a request's body (`report_ids`), locked: one not in the
/// queue is the body's fault (422), not a missing resource.
fn listed(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<ReportRow, AppError> {
    lock_in_queue(conn, ctx.caller.committee_id, id).map_err(|e| {
        if e.code == ErrorCode::NotFound {
            AppError::new(
                ErrorCode::InvalidField,
                format!("no report {id} in this committee's queue"),
            )
            .with_field("report_ids")
        } else {
            e
        }
    })
}

/// A report in `committee`'s queue (drafts are the author's, never the office's).
fn in_queue(
    conn: &mut DbConnection,
    committee: CommitteeId,
    id: ReportId,
) -> Result<ReportRow, AppError> {
    let row = find(conn, id)?;
    if row.committee_id != committee || row.status == ReportStatus::Draft {
        return Err(AppError::not_found("report"));
    }
    Ok(row)
}

/// The longest body `committee` takes.
fn max_chars(conn: &mut DbConnection, committee: CommitteeId) -> Result<i32, AppError> {
    Ok(committees::table
        .find(committee)
        .select(committees::report_max_chars)
        .get_result(conn)?)
}

fn wrong_status(row: &ReportRow, wanted: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidTransition,
        format!("the report is {}; this needs it {wanted}", row.status),
    )
}
