//! The audit log (操作日志): a line for each export of personal data,
//! account change, action for a member and announcement, written in the same
//! transaction as what it records (so neither is stored without the other),
//! and read by the admin. The table refuses updates and deletes.

use diesel::prelude::*;
use lvzhi_shared::audit::{AuditAction, AuditEntry};
use lvzhi_shared::ids::AuditEntryId;
use lvzhi_shared::members::Role;

use crate::db::DbConnection;
use crate::db::models::AuditRow;
use crate::db::schema::{audit_log, users};
use crate::domain::committees::local;
use crate::domain::{Ctx, pages};
use crate::error::AppError;

/// Records that the caller did `action` to `subject`, described by `detail`.
pub fn record(
    conn: &mut DbConnection,
    ctx: &Ctx,
    action: AuditAction,
    subject: Option<&dyn std::fmt::Display>,
    detail: impl Into<String>,
) -> Result<(), AppError> {
    let row = AuditRow {
        id: AuditEntryId::new_v7(),
        committee_id: ctx.caller.committee_id,
        actor_id: ctx.caller.user_id,
        action,
        subject_id: subject.map(ToString::to_string),
        detail: detail.into(),
        via: ctx.via,
        request_id: ctx.request_id.clone(),
        at: ctx.now,
    };
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// One page of the caller's committee's log, newest first. Admins only.
pub fn page(
    conn: &mut DbConnection,
    ctx: &Ctx,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<AuditEntry>, Option<String>), AppError> {
    if ctx.caller.role != Role::Admin {
        return Err(AppError::forbidden());
    }
    let mut query = audit_log::table
        .inner_join(users::table)
        .filter(audit_log::committee_id.eq(ctx.caller.committee_id))
        .order(audit_log::id.desc())
        .limit(i64::from(limit) + 1)
        .select((AuditRow::as_select(), users::name))
        .into_boxed();
    if let Some(c) = cursor {
        query = query.filter(audit_log::id.lt(pages::parse_id_cursor::<AuditEntryId>(c)?));
    }
    let mut rows: Vec<(AuditRow, String)> = query.load(conn)?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(r, _)| pages::id_cursor(r.id))
    } else {
        None
    };
    Ok((
        rows.into_iter()
            .map(|(r, actor_name)| AuditEntry {
                id: r.id,
                at: local(r.at, ctx.tz),
                actor_id: r.actor_id,
                actor_name,
                action: r.action,
                subject_id: r.subject_id,
                detail: r.detail,
                via: r.via,
                request_id: r.request_id,
            })
            .collect(),
        next,
    ))
}
