//! The member's side: write a draft, change it, submit it (once, however
//! often the phone asks), withdraw it; co-signers confirm or decline.

use std::collections::HashSet;

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{MemberId, ReportId};
use lvzhi_shared::members::{MemberStatus, Role};
use lvzhi_shared::reports::{
    self as contract, CreditRole, MAX_COSIGNERS, NewReport, ReportEventKind, ReportPatch,
    ReportStatus,
};

use crate::db::DbConnection;
use crate::db::models::{ReportCreditRow, ReportRow, ReportVersionRow};
use crate::db::schema::{report_credits, report_versions, reports, users};
use crate::domain::Ctx;
use crate::domain::idempotency::{self, IdemKey};
use crate::error::AppError;

use super::timeline::{self, Step};
use super::{lock, max_chars, review, words, wrong_status};

/// Creates a draft; only its author sees it until it is submitted. The same
/// `Idempotency-Key` again answers with the draft made the first time.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    new: &NewReport,
    idem: Option<&IdemKey>,
) -> Result<ReportId, AppError> {
    if let Some(previous) = idempotency::replay(conn, idem)? {
        return Ok(previous);
    }
    let limit = max_chars(conn, ctx.caller.committee_id)?;
    let title = contract::title(&new.title)?;
    let body = contract::body(&new.body, limit)?;
    let cosigners = check_cosigners(conn, ctx, &new.cosigner_ids)?;
    let id = ReportId::new_v7();
    let row = ReportRow {
        id,
        committee_id: ctx.caller.committee_id,
        root_id: id,
        forwarded_from: None,
        author_id: ctx.caller.user_id,
        title,
        body,
        category: new.category,
        status: ReportStatus::Draft,
        version: 0,
        office_comment: None,
        issue_id: None,
        issue_position: None,
        merged_into: None,
        submitted_at: None,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    diesel::insert_into(reports::table)
        .values(&row)
        .execute(conn)?;
    let author = ReportCreditRow {
        report_id: id,
        member_id: ctx.caller.user_id,
        position: 0,
        role: CreditRole::Author,
        confirmed_at: Some(ctx.now),
    };
    diesel::insert_into(report_credits::table)
        .values(&author)
        .execute(conn)?;
    set_cosigners(conn, id, &cosigners)?;
    idempotency::store(conn, idem, &id, ctx.now)?;
    Ok(id)
}

/// The report as its author may change it: their own, a draft or returned.
fn authors(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<ReportRow, AppError> {
    let row = lock(conn, id)?;
    if row.author_id != ctx.caller.user_id || row.forwarded_from.is_some() {
        return Err(AppError::not_found("report"));
    }
    Ok(row)
}

/// `PATCH /reports/{id}`: the author edits a draft or a returned report;
/// otherwise it is the office editing one in its queue.
pub fn patch(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    patch: &ReportPatch,
) -> Result<(), AppError> {
    let row = lock(conn, id)?;
    let authors_turn = row.author_id == ctx.caller.user_id
        && row.forwarded_from.is_none()
        && matches!(row.status, ReportStatus::Draft | ReportStatus::Returned);
    if !authors_turn {
        if matches!(ctx.caller.role, Role::Organizer | Role::Admin) {
            return review::edit(conn, ctx, id, patch);
        }
        return Err(if row.author_id == ctx.caller.user_id {
            wrong_status(&row, "a draft or returned")
        } else {
            AppError::not_found("report")
        });
    }
    if patch.note.is_some() {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "a note is the office's, on its edits",
        )
        .with_field("note"));
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
    if let Some(ids) = &patch.cosigner_ids {
        let cosigners = check_cosigners(conn, ctx, ids)?;
        set_cosigners(conn, id, &cosigners)?;
    }
    diesel::update(reports::table.find(id))
        .set((
            reports::title.eq(title),
            reports::body.eq(body),
            reports::category.eq(patch.category.unwrap_or(row.category)),
            reports::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sends a draft (or a returned report, again) to the office. Asking again
/// for a report already submitted changes nothing: a phone on a weak signal
/// may send it twice.
pub fn submit(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<(), AppError> {
    let row = authors(conn, ctx, id)?;
    match row.status {
        ReportStatus::Draft | ReportStatus::Returned => {}
        ReportStatus::Withdrawn => return Err(wrong_status(&row, "a draft or returned")),
        _ => return Ok(()),
    }
    // The body must still fit the committee's limit, which may have shrunk.
    contract::body(&row.body, max_chars(conn, row.committee_id)?)?;
    let version = row.version + 1;
    diesel::insert_into(report_versions::table)
        .values(&ReportVersionRow {
            report_id: id,
            version,
            title: row.title.clone(),
            body: row.body.clone(),
            edited_by: ctx.caller.user_id,
            edited_at: ctx.now,
            note: None,
        })
        .execute(conn)?;
    diesel::update(reports::table.find(id))
        .set((
            reports::status.eq(ReportStatus::Submitted),
            reports::version.eq(version),
            reports::office_comment.eq(None::<String>),
            reports::submitted_at.eq(row.submitted_at.unwrap_or(ctx.now)),
            reports::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    timeline::record(conn, ctx, &row, ReportEventKind::Submitted, Step::default())?;
    let unconfirmed: Vec<MemberId> = report_credits::table
        .filter(report_credits::report_id.eq(id))
        .filter(report_credits::confirmed_at.is_null())
        .select(report_credits::member_id)
        .load(conn)?;
    words::ask_cosigners(conn, ctx, &row, &unconfirmed)
}

/// Takes a report back before the office decided on it.
pub fn withdraw(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<(), AppError> {
    let row = authors(conn, ctx, id)?;
    match row.status {
        ReportStatus::Withdrawn => return Ok(()),
        ReportStatus::Draft | ReportStatus::Submitted | ReportStatus::Returned => {}
        _ => return Err(wrong_status(&row, "not yet decided")),
    }
    diesel::update(reports::table.find(id))
        .set((
            reports::status.eq(ReportStatus::Withdrawn),
            reports::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    if row.status != ReportStatus::Draft {
        timeline::record(conn, ctx, &row, ReportEventKind::Withdrawn, Step::default())?;
    }
    Ok(())
}

/// A co-signer confirms (their name then counts) or declines (it leaves the
/// report). Confirming twice changes nothing.
pub fn cosign(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    confirm: bool,
) -> Result<(), AppError> {
    let row = lock(conn, id)?;
    let credit: Option<ReportCreditRow> = report_credits::table
        .find((id, ctx.caller.user_id))
        .select(ReportCreditRow::as_select())
        .get_result(conn)
        .optional()?;
    // Anyone not named has no invitation to answer, whoever else they are.
    let Some(credit) = credit.filter(|c| c.role == CreditRole::Cosigner) else {
        return Err(AppError::not_found("co-signing invitation"));
    };
    if matches!(row.status, ReportStatus::Draft | ReportStatus::Withdrawn) {
        return Err(wrong_status(&row, "submitted"));
    }
    if confirm {
        if credit.confirmed_at.is_none() {
            diesel::update(report_credits::table.find((id, ctx.caller.user_id)))
                .set(report_credits::confirmed_at.eq(Some(ctx.now)))
                .execute(conn)?;
            timeline::record(conn, ctx, &row, ReportEventKind::Cosigned, Step::default())?;
        }
    } else {
        diesel::delete(report_credits::table.find((id, ctx.caller.user_id))).execute(conn)?;
        timeline::record(conn, ctx, &row, ReportEventKind::Declined, Step::default())?;
    }
    Ok(())
}

/// Co-signers must be other members of the caller's committee, each once.
fn check_cosigners(
    conn: &mut DbConnection,
    ctx: &Ctx,
    ids: &[MemberId],
) -> Result<Vec<MemberId>, AppError> {
    let field = "cosigner_ids";
    if ids.len() > MAX_COSIGNERS {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("at most {MAX_COSIGNERS} co-signers"),
        )
        .with_field(field));
    }
    let mut seen = HashSet::new();
    if ids
        .iter()
        .any(|m| *m == ctx.caller.user_id || !seen.insert(*m))
    {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "each co-signer once, and not the author",
        )
        .with_field(field));
    }
    let known: i64 = users::table
        .filter(users::id.eq_any(ids))
        .filter(users::committee_id.eq(ctx.caller.committee_id))
        .filter(users::status.ne(MemberStatus::Disabled))
        .count()
        .get_result(conn)?;
    if usize::try_from(known).unwrap_or(0) != ids.len() {
        return Err(AppError::new(
            ErrorCode::UnknownMember,
            "a co-signer is not a member of this committee",
        )
        .with_field(field));
    }
    Ok(ids.to_vec())
}

/// Makes `cosigners` the report's co-signers, in order; those already
/// named keep their confirmation.
fn set_cosigners(
    conn: &mut DbConnection,
    id: ReportId,
    cosigners: &[MemberId],
) -> Result<(), AppError> {
    let before: Vec<ReportCreditRow> = report_credits::table
        .filter(report_credits::report_id.eq(id))
        .filter(report_credits::role.eq(CreditRole::Cosigner))
        .select(ReportCreditRow::as_select())
        .load(conn)?;
    diesel::delete(
        report_credits::table
            .filter(report_credits::report_id.eq(id))
            .filter(report_credits::role.eq(CreditRole::Cosigner)),
    )
    .execute(conn)?;
    let rows: Vec<ReportCreditRow> = cosigners
        .iter()
        .zip(1..)
        .map(|(m, position)| ReportCreditRow {
            report_id: id,
            member_id: *m,
            position,
            role: CreditRole::Cosigner,
            confirmed_at: before
                .iter()
                .find(|b| b.member_id == *m)
                .and_then(|b| b.confirmed_at),
        })
        .collect();
    for r in &rows {
        diesel::insert_into(report_credits::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(())
}
