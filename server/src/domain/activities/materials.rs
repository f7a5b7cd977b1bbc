//! Course materials uploaded as files: checked by their content, kept in the
//! database, served only to those who may see the activity.

use diesel::prelude::*;
use lvzhi_shared::activities::Material;
use lvzhi_shared::ids::{ActivityId, MaterialId};

use crate::db::DbConnection;
use crate::db::models::MaterialRow;
use crate::db::schema::{material_files, materials};
use crate::domain::Ctx;
use crate::domain::{activities, uploads};
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
    let title = uploads::title(title)?;
    let content_type = uploads::detect(&bytes, file_name)?;
    let id = MaterialId::new_v7();
    let row = MaterialRow {
        id,
        activity_id: activity.id,
        title,
        url: format!("/api/v1/materials/{id}/file"),
        created_at: now,
        content_type: Some(content_type.to_owned()),
        size_bytes: Some(uploads::size(&bytes)),
        file_name: Some(uploads::file_name(file_name)),
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
