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
