//! Rectification items (整改) for departments appraised poorly: due dates,
//! follow-up notes and status, tracked to done.

use std::collections::HashMap;

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{AppraisalId, RectificationId};
use lvzhi_shared::meetings::{
    AppraisalStatus, NewRectification, Rectification, RectificationNote, RectificationStatus,
    RectificationUpdate,
};
use lvzhi_shared::validate::{MAX_LONG_TEXT_CHARS, text};

use crate::db::DbConnection;
use crate::db::models::RectificationRow;
use crate::db::schema::{appraisal_departments, appraisals, rectification_notes, rectifications};
use crate::domain::committees::local;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::appraisals::{departments, load as load_appraisal};

fn load(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RectificationId,
) -> Result<RectificationRow, AppError> {
    rectifications::table
        .inner_join(appraisals::table)
        .filter(rectifications::id.eq(id))
        .filter(appraisals::committee_id.eq(ctx.caller.committee_id))
        .select(RectificationRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("rectification"))
}

fn to_items(
    conn: &mut DbConnection,
    ctx: &Ctx,
    rows: Vec<RectificationRow>,
) -> Result<Vec<Rectification>, AppError> {
    let ids: Vec<RectificationId> = rows.iter().map(|r| r.id).collect();
    let mut notes: HashMap<RectificationId, Vec<RectificationNote>> = HashMap::new();
    let found: Vec<(RectificationId, String, chrono::NaiveDateTime)> = rectification_notes::table
        .filter(rectification_notes::rectification_id.eq_any(&ids))
        .order(rectification_notes::at)
        .select((
            rectification_notes::rectification_id,
            rectification_notes::note,
            rectification_notes::at,
        ))
        .load(conn)?;
    for (r, note, at) in found {
        notes.entry(r).or_default().push(RectificationNote {
            at: local(at, ctx.tz),
            note,
        });
    }
    let mut names: HashMap<_, String> = HashMap::new();
    for r in &rows {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(r.department_id) {
            let name: String = appraisal_departments::table
                .find(r.department_id)
                .select(appraisal_departments::name)
                .get_result(conn)?;
            e.insert(name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| Rectification {
            id: r.id,
            appraisal_id: r.appraisal_id,
            department_id: r.department_id,
            department: names.get(&r.department_id).cloned().unwrap_or_default(),
            item: r.item,
            due_on: r.due_on,
            status: r.status,
            notes: notes.remove(&r.id).unwrap_or_default(),
        })
        .collect())
}

/// Adds an item for a department of a closed round.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewRectification,
) -> Result<Rectification, AppError> {
    let round = load_appraisal(conn, ctx, input.appraisal_id).map_err(|_| {
        AppError::new(
            ErrorCode::InvalidField,
            "no such appraisal in this committee",
        )
        .with_field("appraisal_id")
    })?;
    if round.status != AppraisalStatus::Closed {
        return Err(AppError::new(
            ErrorCode::ResultsNotReady,
            "rectifications follow a closed, valid round",
        ));
    }
    if !departments(conn, round.id)?
        .iter()
        .any(|d| d.id == input.department_id)
    {
        return Err(
            AppError::new(ErrorCode::InvalidField, "no such department in this round")
                .with_field("department_id"),
        );
    }
    let row = RectificationRow {
        id: RectificationId::new_v7(),
        appraisal_id: round.id,
        department_id: input.department_id,
        item: text(&input.item, "item", MAX_LONG_TEXT_CHARS, true)?,
        due_on: input.due_on,
        status: RectificationStatus::Open,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    diesel::insert_into(rectifications::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::RectificationChanged,
        Some(&row.id),
        format!("new: {} (due {})", row.item, row.due_on),
    )?;
    Ok(to_items(conn, ctx, vec![row])?.remove(0))
}

/// A follow-up: a new status, a note, or both.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RectificationId,
    input: &RectificationUpdate,
) -> Result<Rectification, AppError> {
    let mut row = load(conn, ctx, id)?;
    let note = match &input.note {
        Some(n) => Some(text(n, "note", MAX_LONG_TEXT_CHARS, true)?),
        None => None,
    };
    if input.status.is_none() && note.is_none() {
        return Err(
            AppError::new(ErrorCode::FieldRequired, "give a status or a note").with_field("note"),
        );
    }
    if let Some(status) = input.status {
        row.status = status;
    }
    row.updated_at = ctx.now;
    diesel::update(rectifications::table.find(id))
        .set((
            rectifications::status.eq(row.status),
            rectifications::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if let Some(note) = note {
        diesel::insert_into(rectification_notes::table)
            .values((
                rectification_notes::id.eq(uuid::Uuid::now_v7().to_string()),
                rectification_notes::rectification_id.eq(id),
                rectification_notes::note.eq(note),
                rectification_notes::author_id.eq(ctx.caller.user_id),
                rectification_notes::at.eq(ctx.now),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        ctx,
        AuditAction::RectificationChanged,
        Some(&id),
        format!(
            "{}{}",
            row.status.as_str(),
            if input.note.is_some() {
                ", with a note"
            } else {
                ""
            }
        ),
    )?;
    Ok(to_items(conn, ctx, vec![row])?.remove(0))
}

/// A round's items, by due date.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    appraisal_id: AppraisalId,
) -> Result<Vec<Rectification>, AppError> {
    load_appraisal(conn, ctx, appraisal_id)?;
    let rows = rectifications::table
        .filter(rectifications::appraisal_id.eq(appraisal_id))
        .order((rectifications::due_on, rectifications::created_at))
        .select(RectificationRow::as_select())
        .load(conn)?;
    to_items(conn, ctx, rows)
}
