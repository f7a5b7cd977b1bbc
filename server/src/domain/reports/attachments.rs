//! Photos and documents the author attaches to a report, checked as every
//! upload is; the bytes kept apart, shared by the report's forwarded copies.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::Material;
use lvzhi_shared::ids::{MaterialId, ReportId};
use lvzhi_shared::reports::ReportStatus;
use lvzhi_shared::validate::MAX_PHOTOS;

use crate::db::DbConnection;
use crate::db::models::ReportAttachmentRow;
use crate::db::schema::{report_attachments, report_files};
use crate::domain::{Ctx, uploads};
use crate::error::AppError;

use super::{lock, views, wrong_status};

/// The author's report while they may still change it.
fn changeable(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
) -> Result<crate::db::models::ReportRow, AppError> {
    let row = lock(conn, id)?;
    if row.author_id != ctx.caller.user_id || row.forwarded_from.is_some() {
        return Err(AppError::not_found("report"));
    }
    if !matches!(row.status, ReportStatus::Draft | ReportStatus::Returned) {
        return Err(wrong_status(&row, "a draft or returned"));
    }
    Ok(row)
}

/// Attaches a file (PDF, a photo, an Office document) to the author's report.
pub fn add(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    title: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Material, AppError> {
    changeable(conn, ctx, id)?;
    let count: i64 = report_attachments::table
        .filter(report_attachments::report_id.eq(id))
        .count()
        .get_result(conn)?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_PHOTOS {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("at most {MAX_PHOTOS} attachments"),
        )
        .with_field("file"));
    }
    let file_id = MaterialId::new_v7();
    let row = ReportAttachmentRow {
        id: MaterialId::new_v7(),
        report_id: id,
        file_id,
        title: uploads::title(title)?,
        content_type: uploads::detect(&bytes, file_name)?.to_owned(),
        size_bytes: uploads::size(&bytes),
        file_name: uploads::file_name(file_name),
        created_at: ctx.now,
    };
    diesel::insert_into(report_files::table)
        .values((
            report_files::id.eq(file_id),
            report_files::content.eq(bytes),
        ))
        .execute(conn)?;
    diesel::insert_into(report_attachments::table)
        .values(&row)
        .execute(conn)?;
    Ok(views::to_material(row))
}

fn attachment(
    conn: &mut DbConnection,
    id: ReportId,
    attachment_id: MaterialId,
) -> Result<ReportAttachmentRow, AppError> {
    report_attachments::table
        .find(attachment_id)
        .filter(report_attachments::report_id.eq(id))
        .select(ReportAttachmentRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("attachment"))
}

/// Takes an attachment off the author's report (its file too: no copy
/// shares it before the report is forwarded).
pub fn remove(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    attachment_id: MaterialId,
) -> Result<(), AppError> {
    changeable(conn, ctx, id)?;
    let row = attachment(conn, id, attachment_id)?;
    diesel::delete(report_attachments::table.find(attachment_id)).execute(conn)?;
    diesel::delete(report_files::table.find(row.file_id)).execute(conn)?;
    Ok(())
}

/// The attachment and its bytes, for whoever may see the report.
pub fn file(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    attachment_id: MaterialId,
) -> Result<(ReportAttachmentRow, Vec<u8>), AppError> {
    views::visible(conn, ctx, id)?;
    let row = attachment(conn, id, attachment_id)?;
    let content: Vec<u8> = report_files::table
        .find(row.file_id)
        .select(report_files::content)
        .get_result(conn)?;
    Ok((row, content))
}
