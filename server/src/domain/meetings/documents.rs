//! A meeting's documents (会议材料): files the office uploads, checked as an
//! activity's materials are, listed on the meeting and served to those
//! summoned and to the office.

use std::collections::HashMap;

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::Material;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{MaterialId, MeetingId};
use lvzhi_shared::meetings::MeetingStatus;

use crate::db::DbConnection;
use crate::db::models::MeetingDocumentRow;
use crate::db::schema::{meeting_document_files, meeting_documents};
use crate::domain::{Ctx, audit, uploads};
use crate::error::AppError;

use super::{load, views};

fn to_material(d: MeetingDocumentRow) -> Material {
    Material {
        url: format!("/api/v1/meetings/{}/documents/{}/file", d.meeting_id, d.id),
        id: d.id,
        title: d.title,
        content_type: Some(d.content_type),
        size_bytes: Some(d.size_bytes),
    }
}

/// The documents of each of `meetings`, in upload order.
pub fn of_meetings(
    conn: &mut DbConnection,
    meetings: &[MeetingId],
) -> Result<HashMap<MeetingId, Vec<Material>>, AppError> {
    let rows: Vec<MeetingDocumentRow> = meeting_documents::table
        .filter(meeting_documents::meeting_id.eq_any(meetings))
        .order(meeting_documents::id)
        .select(MeetingDocumentRow::as_select())
        .load(conn)?;
    let mut by_meeting: HashMap<MeetingId, Vec<Material>> = HashMap::new();
    for row in rows {
        by_meeting
            .entry(row.meeting_id)
            .or_default()
            .push(to_material(row));
    }
    Ok(by_meeting)
}

/// Stores an uploaded file as a document of the meeting (not of a cancelled one).
pub fn add(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    title: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Material, AppError> {
    let meeting = load(conn, ctx.caller.committee_id, meeting_id)?;
    if meeting.status == MeetingStatus::Cancelled {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "a cancelled meeting takes no documents",
        ));
    }
    let row = MeetingDocumentRow {
        id: MaterialId::new_v7(),
        meeting_id,
        title: uploads::title(title)?,
        content_type: uploads::detect(&bytes, file_name)?.to_owned(),
        size_bytes: uploads::size(&bytes),
        file_name: uploads::file_name(file_name),
        created_at: ctx.now,
    };
    diesel::insert_into(meeting_documents::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(meeting_document_files::table)
        .values((
            meeting_document_files::document_id.eq(row.id),
            meeting_document_files::content.eq(bytes),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::MeetingDocumentAdded,
        Some(&meeting_id),
        format!("{}：{}", meeting.title, row.title),
    )?;
    Ok(to_material(row))
}

fn find(
    conn: &mut DbConnection,
    meeting_id: MeetingId,
    document_id: MaterialId,
) -> Result<MeetingDocumentRow, AppError> {
    meeting_documents::table
        .find(document_id)
        .filter(meeting_documents::meeting_id.eq(meeting_id))
        .select(MeetingDocumentRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("document"))
}

/// The document and its bytes, for the office or someone summoned.
pub fn file(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    document_id: MaterialId,
) -> Result<(MeetingDocumentRow, Vec<u8>), AppError> {
    views::visible(conn, ctx, meeting_id)?;
    let row = find(conn, meeting_id, document_id)?;
    let content: Vec<u8> = meeting_document_files::table
        .find(document_id)
        .select(meeting_document_files::content)
        .get_result(conn)?;
    Ok((row, content))
}

/// Takes a document off the meeting.
pub fn remove(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting_id: MeetingId,
    document_id: MaterialId,
) -> Result<(), AppError> {
    let meeting = load(conn, ctx.caller.committee_id, meeting_id)?;
    let row = find(conn, meeting_id, document_id)?;
    diesel::delete(meeting_document_files::table.find(document_id)).execute(conn)?;
    diesel::delete(meeting_documents::table.find(document_id)).execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::MeetingDocumentRemoved,
        Some(&meeting_id),
        format!("{}：{}", meeting.title, row.title),
    )?;
    Ok(())
}
