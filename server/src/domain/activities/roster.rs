//! An activity's roster as the office sees it, and its spreadsheet form.

use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::activities::{Attendance, RosterEntry, SignupStatus};
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{ActivityId, RoleSlotId};

use crate::db::DbConnection;
use crate::db::models::{RoleRow, SignupRow, UserRow};
use crate::db::schema::{activity_roles, sectors, signups, users};
use crate::domain::committees::local;
use crate::domain::{Ctx, activities, audit};
use crate::error::AppError;
use crate::export::Table;

/// An activity's roster on its way out as a spreadsheet: the entries, and
/// a line in the audit log (it holds members' phone numbers).
pub fn for_export(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
) -> Result<Vec<RosterEntry>, AppError> {
    let activity = activities::load(conn, ctx.caller.committee_id, activity_id)?;
    let items = entries(conn, activity.id, ctx.tz)?;
    let detail = format!("{}（{} 人）", activity.title, items.len());
    audit::record(
        conn,
        ctx,
        AuditAction::RosterExported,
        Some(&activity.id),
        detail,
    )?;
    Ok(items)
}

/// Everyone who signed up, by role, then registered before waitlisted, in line order.
pub fn entries(
    conn: &mut DbConnection,
    activity_id: ActivityId,
    tz: Tz,
) -> Result<Vec<RosterEntry>, AppError> {
    let rows: Vec<(SignupRow, RoleRow, UserRow, Option<String>)> = signups::table
        .inner_join(activity_roles::table)
        .inner_join(users::table.left_join(sectors::table))
        .filter(signups::activity_id.eq(activity_id))
        .order((activity_roles::position.asc(), signups::seq.asc()))
        .select((
            SignupRow::as_select(),
            RoleRow::as_select(),
            UserRow::as_select(),
            sectors::name.nullable(),
        ))
        .load(conn)?;
    let mut waiting: std::collections::HashMap<RoleSlotId, i32> = std::collections::HashMap::new();
    let mut entries: Vec<(i32, u8, RosterEntry)> = rows
        .into_iter()
        .map(|(s, role, user, sector)| {
            let status = s.status;
            let position = (status == SignupStatus::Waitlisted).then(|| {
                let n = waiting.entry(role.id).or_insert(0);
                *n += 1;
                *n
            });
            let rank = match status {
                SignupStatus::Registered => 0,
                SignupStatus::Waitlisted => 1,
                SignupStatus::Cancelled => 2,
                SignupStatus::Removed => 3,
            };
            let entry = RosterEntry {
                member_id: user.id,
                member_no: user.member_no,
                name: user.name,
                phone: user.phone,
                sector,
                role_id: role.id,
                role_name: role.name,
                status,
                position,
                attendance: s.attendance,
                checked_in_at: s.checked_in_at.map(|t| local(t, tz)),
                // When the sign-up was made; `updated_at` moves with every change to it.
                signed_up_at: local(s.created_at, tz),
            };
            (role.position, rank, entry)
        })
        .collect();
    // Stable: within a role and status, line order stays.
    entries.sort_by_key(|(role, rank, _)| (*role, *rank));
    Ok(entries.into_iter().map(|(_, _, e)| e).collect())
}

fn status_label(s: SignupStatus) -> &'static str {
    match s {
        SignupStatus::Registered => "已报名",
        SignupStatus::Waitlisted => "候补",
        SignupStatus::Cancelled => "已取消",
        SignupStatus::Removed => "已移除",
    }
}

fn attendance_label(a: Attendance) -> &'static str {
    match a {
        Attendance::Attended => "出席",
        Attendance::Absent => "缺席",
        Attendance::Excused => "请假",
    }
}

/// The roster as a table with Chinese headers, for CSV and XLSX.
pub fn table(entries: &[RosterEntry]) -> Table {
    Table {
        headers: vec![
            "委员编号",
            "姓名",
            "手机号码",
            "界别",
            "角色",
            "状态",
            "候补位次",
            "出勤",
            "签到时间",
            "报名时间",
        ],
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    e.member_no.clone().unwrap_or_default(),
                    e.name.clone(),
                    e.phone.clone(),
                    e.sector.clone().unwrap_or_default(),
                    e.role_name.clone(),
                    status_label(e.status).to_owned(),
                    e.position.map(|p| p.to_string()).unwrap_or_default(),
                    e.attendance
                        .map(attendance_label)
                        .unwrap_or_default()
                        .to_owned(),
                    e.checked_in_at
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                    e.signed_up_at.format("%Y-%m-%d %H:%M").to_string(),
                ]
            })
            .collect(),
    }
}
