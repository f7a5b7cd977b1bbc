//! A body's members from the office's list (常委名单, 专委会名单): the
//! roster file format (CSV or XLSX with 姓名 and 手机号码, 委员编号 if there
//! is one), each row naming a member already on the roster, all joining on
//! one day. Rows already in the body that day count as such, so importing a
//! list twice adds nobody twice; bad rows are reported and the rest added.

use chrono::NaiveDate;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{BodyId, MemberId};
use lvzhi_shared::meetings::BodyImportReport;
use lvzhi_shared::members::ImportRowError;
use lvzhi_shared::validate::normalize_phone;

use crate::db::DbConnection;
use crate::db::models::BodyMemberRow;
use crate::db::schema::{body_members, users};
use crate::domain::roster_files::RawRow;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::bodies::{self, Fit};
use super::plan;

/// The member a row names: by member number when it has one, else by
/// phone; the name must match too, so a mistyped phone adds nobody else.
fn member_of(conn: &mut DbConnection, ctx: &Ctx, raw: &RawRow) -> Result<MemberId, AppError> {
    let committee = ctx.caller.committee_id;
    let found: Option<(MemberId, String)> = match raw.member_no() {
        Some(no) => users::table
            .filter(users::committee_id.eq(committee))
            .filter(users::member_no.eq(no))
            .select((users::id, users::name))
            .get_result(conn)
            .optional()?,
        None => {
            let phone = normalize_phone(raw.phone().unwrap_or_default(), "phone")?;
            users::table
                .filter(users::committee_id.eq(committee))
                .filter(users::phone.eq(phone))
                .select((users::id, users::name))
                .get_result(conn)
                .optional()?
        }
    };
    let field = if raw.member_no().is_some() {
        "member_no"
    } else {
        "phone"
    };
    let (id, name) = found.ok_or_else(|| {
        AppError::new(
            ErrorCode::UnknownMember,
            "no member of this committee has this number; import the member into the roster first",
        )
        .with_field(field)
    })?;
    if raw.name().map(str::trim) != Some(name.as_str()) {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("the member with this {field} is named {name}"),
        )
        .with_field("name"));
    }
    Ok(id)
}

/// Adds each row's member to the body from `joined_on`, in one transaction.
pub fn import(
    conn: &mut DbConnection,
    ctx: &Ctx,
    body_id: BodyId,
    rows: &[RawRow],
    joined_on: NaiveDate,
    voting: bool,
) -> Result<BodyImportReport, AppError> {
    let body = bodies::load(conn, ctx, body_id)?;
    let mut report = BodyImportReport {
        added: 0,
        already_members: 0,
        errors: Vec::new(),
    };
    for raw in rows {
        let placed = member_of(conn, ctx, raw).and_then(|member| {
            let fit = bodies::fit(conn, body_id, member, (joined_on, None))?;
            if fit == Fit::Free {
                diesel::insert_into(body_members::table)
                    .values(&BodyMemberRow {
                        body_id,
                        user_id: member,
                        joined_on,
                        left_on: None,
                        voting,
                    })
                    .execute(conn)?;
            }
            Ok(fit)
        });
        match placed {
            Ok(Fit::Free) => report.added += 1,
            Ok(Fit::Covered) => report.already_members += 1,
            Ok(Fit::Overlaps) => report.errors.push(row_error(raw, bodies::overlap_error())),
            Err(e) if e.code.http_status() < 500 => report.errors.push(row_error(raw, e)),
            Err(e) => return Err(e),
        }
    }
    if report.added > 0 {
        plan::resummon_body(conn, ctx, body_id)?;
        audit::record(
            conn,
            ctx,
            AuditAction::BodyMemberAdded,
            Some(&body_id),
            format!("{}：导入 {} 人（{joined_on} 起）", body.name, report.added),
        )?;
    }
    Ok(report)
}

fn row_error(raw: &RawRow, e: AppError) -> ImportRowError {
    ImportRowError {
        row: raw.row,
        member_no: raw.member_no().map(str::to_owned),
        field: e.field,
        code: e.code,
        message: e.message,
    }
}
