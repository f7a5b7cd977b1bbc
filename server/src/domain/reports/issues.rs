//! Numbered issues (《社情民意》2026年第N期): accepted reports compiled in
//! print order, numbered per committee per year, printed as DOCX.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::ReportIssueId;
use lvzhi_shared::reports::{
    MAX_REPORTS_PER_ISSUE, NewReportIssue, Report, ReportEventKind, ReportIssue, ReportStatus,
    issue_label,
};

use crate::db::DbConnection;
use crate::db::models::{ReportIssueRow, ReportRow};
use crate::db::schema::{committees, report_issues, reports};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::issue_docx::{self, IssueDocument, IssueReport};
use super::timeline::{self, Step};
use super::{listed, lock_committee, views};

/// Compiles accepted reports of the queue into the committee's next issue
/// of the year `issued_on` falls in.
pub fn compile(
    conn: &mut DbConnection,
    ctx: &Ctx,
    new: &NewReportIssue,
) -> Result<ReportIssueId, AppError> {
    let field = "report_ids";
    let mut seen = HashSet::new();
    if new.report_ids.is_empty()
        || new.report_ids.len() > MAX_REPORTS_PER_ISSUE
        || !new.report_ids.iter().all(|id| seen.insert(*id))
    {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("one to {MAX_REPORTS_PER_ISSUE} different reports"),
        )
        .with_field(field));
    }
    lock_committee(conn, ctx.caller.committee_id)?;
    let mut rows = Vec::with_capacity(new.report_ids.len());
    for id in &new.report_ids {
        let row = listed(conn, ctx, *id)?;
        if row.status != ReportStatus::Accepted {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "only accepted reports go into an issue",
            )
            .with_field(field));
        }
        if row.issue_id.is_some() {
            return Err(AppError::new(
                ErrorCode::AlreadyCompiled,
                "a report is already in an issue",
            )
            .with_field(field));
        }
        rows.push(row);
    }
    let year = new.issued_on.year();
    let last: Option<i32> = report_issues::table
        .filter(report_issues::committee_id.eq(ctx.caller.committee_id))
        .filter(report_issues::year.eq(year))
        .select(diesel::dsl::max(report_issues::number))
        .get_result(conn)?;
    let issue = ReportIssueRow {
        id: ReportIssueId::new_v7(),
        committee_id: ctx.caller.committee_id,
        year,
        number: last.unwrap_or(0) + 1,
        issued_on: new.issued_on,
        created_by: ctx.caller.user_id,
        created_at: ctx.now,
    };
    diesel::insert_into(report_issues::table)
        .values(&issue)
        .execute(conn)?;
    let label = issue_label(issue.year, issue.number);
    for (position, row) in (1..).zip(&rows) {
        diesel::update(reports::table.find(row.id))
            .set((
                reports::issue_id.eq(Some(issue.id)),
                reports::issue_position.eq(Some(position)),
                reports::updated_at.eq(ctx.now),
            ))
            .execute(conn)?;
        timeline::record(
            conn,
            ctx,
            row,
            ReportEventKind::Compiled,
            Step::text(&label),
        )?;
    }
    audit::record(
        conn,
        ctx,
        AuditAction::ReportIssueCompiled,
        Some(&issue.id),
        format!("{label}（{}篇）", rows.len()),
    )?;
    Ok(issue.id)
}

fn load(conn: &mut DbConnection, ctx: &Ctx, id: ReportIssueId) -> Result<ReportIssueRow, AppError> {
    report_issues::table
        .find(id)
        .filter(report_issues::committee_id.eq(ctx.caller.committee_id))
        .select(ReportIssueRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("issue"))
}

fn reports_of(conn: &mut DbConnection, id: ReportIssueId) -> Result<Vec<ReportRow>, AppError> {
    Ok(reports::table
        .filter(reports::issue_id.eq(Some(id)))
        .order(reports::issue_position)
        .select(ReportRow::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConnection, ctx: &Ctx, id: ReportIssueId) -> Result<ReportIssue, AppError> {
    let issue = load(conn, ctx, id)?;
    let rows = reports_of(conn, id)?;
    Ok(ReportIssue {
        label: issue_label(issue.year, issue.number),
        id: issue.id,
        year: issue.year,
        number: issue.number,
        issued_on: issue.issued_on,
        reports: views::to_reports(conn, ctx, rows)?,
    })
}

/// The committee's issues of a year, newest first (in a fixed number of queries).
pub fn list(conn: &mut DbConnection, ctx: &Ctx, year: i32) -> Result<Vec<ReportIssue>, AppError> {
    let rows: Vec<ReportIssueRow> = report_issues::table
        .filter(report_issues::committee_id.eq(ctx.caller.committee_id))
        .filter(report_issues::year.eq(year))
        .order(report_issues::number.desc())
        .select(ReportIssueRow::as_select())
        .load(conn)?;
    let ids: Vec<Option<ReportIssueId>> = rows.iter().map(|i| Some(i.id)).collect();
    let printed: Vec<ReportRow> = reports::table
        .filter(reports::issue_id.eq_any(ids))
        .order((reports::issue_id, reports::issue_position))
        .select(ReportRow::as_select())
        .load(conn)?;
    let mut by_issue: HashMap<ReportIssueId, Vec<Report>> = HashMap::new();
    for r in views::to_reports(conn, ctx, printed)? {
        if let Some(issue) = &r.issue {
            by_issue.entry(issue.id).or_default().push(r);
        }
    }
    Ok(rows
        .into_iter()
        .map(|i| ReportIssue {
            label: issue_label(i.year, i.number),
            reports: by_issue.remove(&i.id).unwrap_or_default(),
            id: i.id,
            year: i.year,
            number: i.number,
            issued_on: i.issued_on,
        })
        .collect())
}

/// The issue as a DOCX ready for print, and its file name.
pub fn docx(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportIssueId,
) -> Result<(Vec<u8>, String), AppError> {
    let issue = get(conn, ctx, id)?;
    let committee_name: String = committees::table
        .find(ctx.caller.committee_id)
        .select(committees::name)
        .get_result(conn)?;
    let document = IssueDocument {
        committee_name,
        year: issue.year,
        number: issue.number,
        issued_on: issue.issued_on,
        reports: issue
            .reports
            .iter()
            .map(|r| IssueReport {
                title: r.title.clone(),
                body: r.body.clone(),
                credits: r
                    .credits
                    .iter()
                    .filter(|c| c.confirmed)
                    .map(|c| c.name.clone())
                    .collect(),
            })
            .collect(),
    };
    let bytes = issue_docx::render(&document).map_err(AppError::internal)?;
    Ok((
        bytes,
        format!("report-issue-{}-{}.docx", issue.year, issue.number),
    ))
}
