//! Course materials uploaded as files: checked by their content, kept in the
//! database, served only to those who may see the activity.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::Material;
use lvzhi_shared::ids::{ActivityId, MaterialId};

use crate::db::DbConnection;
use crate::db::models::MaterialRow;
use crate::db::schema::{material_files, materials};
use crate::domain::Ctx;
use crate::domain::activities;
use crate::error::AppError;

pub fn to_material(m: MaterialRow) -> Material {
    Material {
        id: m.id,
        title: m.title,
        url: m.url,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
    }
}

/// The file's type, judged by its first bytes (and, for Office files, its
/// name); anything else is refused.
pub fn detect(bytes: &[u8], file_name: &str) -> Result<&'static str, AppError> {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let kind = if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[4..8] == b"ftyp" {
        Some("video/mp4")
    } else if bytes.starts_with(b"PK\x03\x04") {
        match ext.as_str() {
            "docx" => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            "pptx" => {
                Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
            }
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => None,
        }
    } else {
        None
    };
    kind.ok_or_else(|| {
        AppError::new(
            ErrorCode::UnsupportedMediaType,
            "materials may be PDF, Word, PowerPoint, Excel, JPEG, PNG or MP4 files",
        )
        .with_field("file")
    })
}

/// Stores an uploaded file as a material of the activity.
pub fn add_file(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    title: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Material, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::load(conn, caller.committee_id, activity_id)?;
    let title = title.trim();
    lvzhi_shared::validate::max_chars(title, "title", lvzhi_shared::validate::MAX_TITLE_CHARS)?;
    if title.is_empty() || title.chars().any(char::is_control) {
        return Err(
            AppError::new(ErrorCode::InvalidField, "a title of 1 to 200 characters")
                .with_field("title"),
        );
    }
    let content_type = detect(&bytes, file_name)?;
    let id = MaterialId::new_v7();
    let row = MaterialRow {
        id,
        activity_id: activity.id,
        title: title.to_owned(),
        url: format!("/api/v1/materials/{id}/file"),
        created_at: now,
        content_type: Some(content_type.to_owned()),
        size_bytes: Some(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        file_name: Some(
            file_name
                .chars()
                .filter(|c| !c.is_control() && *c != '"')
                .take(200)
                .collect(),
        ),
    };
    diesel::insert_into(materials::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(material_files::table)
        .values((
            material_files::material_id.eq(&id),
            material_files::content.eq(bytes),
        ))
        .execute(conn)?;
    Ok(to_material(row))
}

/// An uploaded file, if the caller may see its activity.
pub fn file(
    conn: &mut DbConnection,
    ctx: &Ctx,
    material_id: MaterialId,
) -> Result<(MaterialRow, Vec<u8>), AppError> {
    let row: MaterialRow = materials::table
        .find(material_id)
        .select(MaterialRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("material"))?;
    activities::visible(conn, ctx, row.activity_id).map_err(|_| AppError::not_found("material"))?;
    let content: Vec<u8> = material_files::table
        .find(material_id)
        .select(material_files::content)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("material file"))?;
    Ok((row, content))
}

/// Removes a material (link or file) from an activity.
pub fn remove(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    material_id: MaterialId,
) -> Result<(), AppError> {
    let caller = &ctx.caller;
    let activity = activities::load(conn, caller.committee_id, activity_id)?;
    let found: i64 = materials::table
        .filter(materials::id.eq(material_id))
        .filter(materials::activity_id.eq(&activity.id))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(AppError::not_found("material"));
    }
    diesel::delete(material_files::table.find(material_id)).execute(conn)?;
    diesel::delete(materials::table.find(material_id)).execute(conn)?;
    Ok(())
}
