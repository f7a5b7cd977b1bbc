//! The office's decisions on a report in its queue: accept, return for
//! changes, reject; edits that keep every version; merging several into one.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::ReportId;
use lvzhi_shared::reports::{
    self as contract, CreditRole, MAX_REPORTS_PER_ISSUE, MergeInput, ReportEventKind, ReportPatch,
    ReportStatus,
};

use crate::db::DbConnection;
use crate::db::models::{ReportCreditRow, ReportRow, ReportVersionRow};
use crate::db::schema::{report_credits, report_forwards, report_versions, reports};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::timeline::{self, Step};
use super::{listed, lock_committee, lock_in_queue, max_chars, wrong_status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    /// Back to the author with a comment (not for a copy from below).
    Return,
    Reject,
}

/// Decides on a submitted report. Returning and rejecting need a comment,
/// which the author reads.
pub fn decide(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    decision: Decision,
    comment: Option<&str>,
) -> Result<(), AppError> {
    let row = lock_in_queue(conn, ctx.caller.committee_id, id)?;
    let comment = contract::note(
        comment.unwrap_or_default(),
        "comment",
        decision != Decision::Accept,
    )?;
    if row.status != ReportStatus::Submitted {
        return Err(wrong_status(&row, "submitted"));
    }
    if decision == Decision::Return && row.forwarded_from.is_some() {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "a report forwarded from below is accepted or rejected here, not returned",
        ));
    }
    let (status, kind) = match decision {
        Decision::Accept => (ReportStatus::Accepted, ReportEventKind::Accepted),
        Decision::Return => (ReportStatus::Returned, ReportEventKind::Returned),
        Decision::Reject => (ReportStatus::Rejected, ReportEventKind::Rejected),
    };
    diesel::update(reports::table.find(id))
        .set((
            reports::status.eq(status),
            reports::office_comment.eq(&comment),
            reports::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    let step = Step {
        text: comment,
        ..Step::default()
    };
    timeline::record(conn, ctx, &row, kind, step)?;
    audit::record(
        conn,
        ctx,
        AuditAction::ReportDecided,
        Some(&id),
        format!("{}：{}", row.title, status),
    )
}

/// The office edits a report in its queue before it is forwarded: a new
/// version, with the office's note; the author sees the new text.
pub fn edit(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    patch: &ReportPatch,
) -> Result<(), AppError> {
    let row = lock_in_queue(conn, ctx.caller.committee_id, id)?;
    if !matches!(row.status, ReportStatus::Submitted | ReportStatus::Accepted) {
        return Err(wrong_status(&row, "submitted or accepted"));
    }
    if patch.cosigner_ids.is_some() {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "co-signers are the author's to name",
        )
        .with_field("cosigner_ids"));
    }
    if forwarded(conn, id)? {
        return Err(AppError::new(
            ErrorCode::AlreadyForwarded,
            "the report was forwarded as it stands; its text no longer changes here",
        ));
    }
    let limit = max_chars(conn, row.committee_id)?;
    let title = match &patch.title {
        Some(t) => contract::title(t)?,
        None => row.title.clone(),
    };
    let body = match &patch.body {
        Some(b) => contract::body(b, limit)?,
        None => row.body.clone(),
    };
    let note = contract::note(patch.note.as_deref().unwrap_or_default(), "note", false)?;
    let version = row.version + 1;
    diesel::insert_into(report_versions::table)
        .values(&ReportVersionRow {
            report_id: id,
            version,
            title: title.clone(),
            body: body.clone(),
            edited_by: ctx.caller.user_id,
            edited_at: ctx.now,
            note: note.clone(),
        })
        .execute(conn)?;
    diesel::update(reports::table.find(id))
        .set((
            reports::title.eq(&title),
            reports::body.eq(&body),
            reports::category.eq(patch.category.unwrap_or(row.category)),
            reports::version.eq(version),
            reports::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    timeline::record(
        conn,
        ctx,
        &row,
        ReportEventKind::Edited,
        Step {
            text: note,
            ..Step::default()
        },
    )?;
    audit::record(
        conn,
        ctx,
        AuditAction::ReportDecided,
        Some(&id),
        format!("{}：第{version}稿", title),
    )
}

/// Whether this row went anywhere.
pub(super) fn forwarded(conn: &mut DbConnection, id: ReportId) -> Result<bool, AppError> {
    let n: i64 = report_forwards::table
        .filter(report_forwards::report_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Several accepted reports of the committee's own members become one
/// accepted report: the first one's author is its author, everyone else
/// credited on any of them a co-signer (as confirmed as they were). The
/// merged ones stay, marked merged, pointing at it.
pub fn merge(conn: &mut DbConnection, ctx: &Ctx, input: &MergeInput) -> Result<ReportId, AppError> {
    let field = "report_ids";
    let ids = &input.report_ids;
    let mut seen = std::collections::HashSet::new();
    if ids.len() < 2 || ids.len() > MAX_REPORTS_PER_ISSUE || !ids.iter().all(|id| seen.insert(*id))
    {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("two to {MAX_REPORTS_PER_ISSUE} different reports"),
        )
        .with_field(field));
    }
    let limit = max_chars(conn, ctx.caller.committee_id)?;
    let title = contract::title(&input.title)?;
    let body = contract::body(&input.body, limit)?;
    lock_committee(conn, ctx.caller.committee_id)?;
    let mut sources = Vec::with_capacity(ids.len());
    for id in ids {
        let row = listed(conn, ctx, *id)?;
        if row.status != ReportStatus::Accepted || row.forwarded_from.is_some() {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "only accepted reports of this committee's own members merge",
            )
            .with_field(field));
        }
        if row.issue_id.is_some() || forwarded(conn, row.id)? {
            return Err(AppError::new(
                ErrorCode::AlreadyCompiled,
                "a report already printed or forwarded no longer merges",
            )
            .with_field(field));
        }
        sources.push(row);
    }
    // Credits in order: each source's author and co-signers, once each.
    let mut credits: Vec<ReportCreditRow> = Vec::new();
    for source in &sources {
        let rows: Vec<ReportCreditRow> = report_credits::table
            .filter(report_credits::report_id.eq(source.id))
            .order(report_credits::position)
            .select(ReportCreditRow::as_select())
            .load(conn)?;
        for c in rows {
            if !credits.iter().any(|k| k.member_id == c.member_id) {
                credits.push(c);
            }
        }
    }
    let first = &sources[0];
    let id = ReportId::new_v7();
    let merged = ReportRow {
        id,
        committee_id: ctx.caller.committee_id,
        root_id: id,
        forwarded_from: None,
        author_id: first.author_id,
        title: title.clone(),
        body: body.clone(),
        category: input.category,
        status: ReportStatus::Accepted,
        version: 1,
        office_comment: None,
        issue_id: None,
        issue_position: None,
        merged_into: None,
        submitted_at: sources.iter().filter_map(|s| s.submitted_at).min(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    diesel::insert_into(reports::table)
        .values(&merged)
        .execute(conn)?;
    for (position, c) in (0..).zip(&credits) {
        let author = c.member_id == first.author_id;
        diesel::insert_into(report_credits::table)
            .values(&ReportCreditRow {
                report_id: id,
                member_id: c.member_id,
                position,
                role: if author {
                    CreditRole::Author
                } else {
                    CreditRole::Cosigner
                },
                confirmed_at: c.confirmed_at,
            })
            .execute(conn)?;
    }
    diesel::insert_into(report_versions::table)
        .values(&ReportVersionRow {
            report_id: id,
            version: 1,
            title: title.clone(),
            body,
            edited_by: ctx.caller.user_id,
            edited_at: ctx.now,
            note: None,
        })
        .execute(conn)?;
    let label = format!("“{title}”");
    for source in &sources {
        diesel::update(reports::table.find(source.id))
            .set((
                reports::status.eq(ReportStatus::Merged),
                reports::merged_into.eq(Some(id)),
                reports::updated_at.eq(ctx.now),
            ))
            .execute(conn)?;
        timeline::record(
            conn,
            ctx,
            source,
            ReportEventKind::Merged,
            Step::text(&label),
        )?;
    }
    let names: Vec<&str> = sources.iter().map(|s| s.title.as_str()).collect();
    timeline::record(
        conn,
        ctx,
        &merged,
        ReportEventKind::Merged,
        Step::text(names.join("；")),
    )?;
    audit::record(
        conn,
        ctx,
        AuditAction::ReportsMerged,
        Some(&id),
        format!("{title}（{}篇）", sources.len()),
    )?;
    Ok(id)
}
