//! The committee hierarchy: an admin creates committees below their own (a
//! city its counties, a province its cities), each with its own first admin,
//! sectors, time zone and language, and reads the tree below them. A
//! committee sees only itself and what lies below it.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::committees::{CommitteeLevel, CommitteeNode, NewCommittee};
use lvzhi_shared::ids::CommitteeId;
use lvzhi_shared::members::{MemberStatus, NewMember, Role};
use lvzhi_shared::validate::{MAX_SHORT_TEXT_CHARS, MAX_TITLE_CHARS, text};

use crate::db::DbConnection;
use crate::db::models::{CommitteeRow, UserRow};
use crate::db::schema::{committees, users};
use crate::domain::accounts::members::{self, IssuedCode, MemberFields, UserWithSector};
use crate::domain::committees::{self as committee, DEFAULT_SECTORS, Founding};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

/// Every committee's place: its parent, level and name.
type Places = HashMap<CommitteeId, (Option<CommitteeId>, CommitteeLevel, String)>;

fn places(conn: &mut DbConnection) -> Result<Places, AppError> {
    let rows: Vec<(CommitteeId, Option<CommitteeId>, CommitteeLevel, String)> = committees::table
        .select((
            committees::id,
            committees::parent_id,
            committees::level,
            committees::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, parent, level, name)| (id, (parent, level, name)))
        .collect())
}

/// `root` and every committee below it, each parent before its children
/// (children by name), with their depth below `root`.
fn below(places: &Places, root: CommitteeId) -> Vec<(CommitteeId, i32)> {
    let mut children: HashMap<CommitteeId, Vec<CommitteeId>> = HashMap::new();
    for (id, (parent, _, _)) in places {
        if let Some(p) = parent {
            children.entry(*p).or_default().push(*id);
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| places[a].2.cmp(&places[b].2).then(a.cmp(b)));
    }
    let (mut out, mut stack, mut seen) = (Vec::new(), vec![(root, 0)], HashSet::new());
    while let Some((id, depth)) = stack.pop() {
        // A cycle cannot be made through the API; never loop on one anyway.
        if !seen.insert(id) {
            continue;
        }
        out.push((id, depth));
        if let Some(kids) = children.get(&id) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// The caller's committee and those below it, with their accounts counted.
pub fn tree(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<CommitteeNode>, AppError> {
    let places = places(conn)?;
    let ids = below(&places, ctx.caller.committee_id);
    let wanted: Vec<CommitteeId> = ids.iter().map(|(id, _)| *id).collect();
    let counts: HashMap<CommitteeId, i64> = users::table
        .filter(users::committee_id.eq_any(&wanted))
        .filter(users::status.ne(MemberStatus::Disabled.as_str()))
        .group_by(users::committee_id)
        .select((users::committee_id, diesel::dsl::count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(ids
        .into_iter()
        .map(|(id, depth)| {
            let (parent, level, name) = places[&id].clone();
            CommitteeNode {
                id,
                name,
                level,
                // The caller's own parent is not theirs to see.
                parent_id: parent.filter(|_| depth > 0),
                depth,
                accounts: counts
                    .get(&id)
                    .map_or(0, |n| i32::try_from(*n).unwrap_or(i32::MAX)),
            }
        })
        .collect())
}

/// What `create_child` made: the committee and its admin with their code.
pub struct Founded {
    pub committee: CommitteeRow,
    pub admin: UserWithSector,
    pub code: IssuedCode,
}

fn sectors_of(input: &NewCommittee) -> Result<Vec<String>, AppError> {
    let Some(given) = &input.sectors else {
        return Ok(DEFAULT_SECTORS.iter().map(|s| (*s).to_owned()).collect());
    };
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in given.iter().enumerate() {
        let field = format!("sectors[{i}]");
        let name = text(raw, "sectors", MAX_SHORT_TEXT_CHARS, true)
            .map_err(|e| AppError::from(e).with_field(field.clone()))?;
        if out.contains(&name) {
            return Err(
                AppError::new(ErrorCode::SectorExists, "this sector is listed twice")
                    .with_field(field),
            );
        }
        out.push(name);
    }
    if out.is_empty() {
        return Err(AppError::new(
            ErrorCode::FieldRequired,
            "at least one sector (or leave the list out for the standard sectors)",
        )
        .with_field("sectors"));
    }
    Ok(out)
}

/// Creates a committee below the caller's tree, with its first admin
/// (pending until they activate with the code).
pub fn create_child(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewCommittee,
    code_days: i64,
) -> Result<Founded, AppError> {
    let name = text(&input.name, "name", MAX_TITLE_CHARS, true)?;
    let places = places(conn)?;
    let parent_id = input.parent_id.unwrap_or(ctx.caller.committee_id);
    let mine = below(&places, ctx.caller.committee_id);
    if !mine.iter().any(|(id, _)| *id == parent_id) {
        return Err(AppError::new(
            ErrorCode::UnknownCommittee,
            "the parent must be your committee or one below it",
        )
        .with_field("parent_id"));
    }
    let parent = committee::load(conn, parent_id)?;
    if input.level.rank() <= parent.level.rank() {
        return Err(AppError::new(
            ErrorCode::LevelNotBelowParent,
            format!(
                "a committee below a {} committee must be of a lower level",
                parent.level.as_str()
            ),
        )
        .with_field("level"));
    }
    let time_zone = match &input.time_zone {
        Some(tz) => {
            let tz = tz.trim();
            tz.parse::<Tz>().map_err(|_| {
                AppError::new(
                    ErrorCode::InvalidField,
                    "an IANA time zone, e.g. Asia/Shanghai",
                )
                .with_field("time_zone")
            })?;
            tz.to_owned()
        }
        None => parent.time_zone.clone(),
    };
    let sectors = sectors_of(input)?;
    // The admin's fields are checked before anything is stored.
    let admin_fields = MemberFields::parse(
        &NewMember {
            name: input.admin_name.clone(),
            phone: input.admin_phone.clone(),
            ..NewMember::default()
        },
        ctx.now.year(),
    )
    .map_err(|e| admin_field(AppError::from(e)))?;
    let founding = Founding {
        name: &name,
        level: input.level,
        parent_id: Some(parent_id),
        time_zone: &time_zone,
        language: input.language.unwrap_or(parent.language),
    };
    let sector_names: Vec<&str> = sectors.iter().map(String::as_str).collect();
    let row = committee::create(conn, &founding, &sector_names, ctx.now)?;
    let (admin, code) =
        members::create(conn, row.id, admin_fields, Role::Admin, code_days, ctx.now)
            .map_err(admin_field)?;
    audit::record(
        conn,
        ctx,
        AuditAction::CommitteeCreated,
        Some(&row.id),
        format!("{name}（管理员 {}）", admin.0.name),
    )?;
    Ok(Founded {
        committee: row,
        admin,
        code,
    })
}

/// A committee strictly below the caller's (a parent admin's reach into it
/// ends at its first admin's activation).
pub fn child(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: CommitteeId,
) -> Result<CommitteeRow, AppError> {
    let places = places(conn)?;
    if !below(&places, ctx.caller.committee_id)
        .iter()
        .any(|(c, depth)| *c == id && *depth > 0)
    {
        return Err(AppError::not_found("committee"));
    }
    committee::load(conn, id)
}

/// The child committee's first admin (the earliest admin account).
pub fn first_admin(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: CommitteeId,
) -> Result<(CommitteeRow, UserRow), AppError> {
    let row = child(conn, ctx, id)?;
    let admin: UserRow = users::table
        .filter(users::committee_id.eq(id))
        .filter(users::role.eq(Role::Admin.as_str()))
        .order(users::id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("admin"))?;
    Ok((row, admin))
}

/// A fresh activation code for the child committee's first admin, while
/// they have not activated (a lost code); the earlier one stops working.
pub fn reissue_admin_code(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: CommitteeId,
    code_days: i64,
) -> Result<(UserRow, IssuedCode), AppError> {
    let (row, admin) = first_admin(conn, ctx, id)?;
    if admin.status != MemberStatus::Pending {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the committee's admin has activated the account; their own office issues codes now",
        ));
    }
    let code = members::issue_activation_code(conn, admin.id, code_days, ctx.now)?;
    audit::record(
        conn,
        ctx,
        AuditAction::ActivationCodesIssued,
        Some(&admin.id),
        format!("{}管理员 {}", row.name, admin.name),
    )?;
    Ok((admin, code))
}

/// The admin's `name` and `phone` are `admin_name` and `admin_phone` here.
fn admin_field(mut e: AppError) -> AppError {
    e.field = match e.field.as_deref() {
        Some("name") => Some("admin_name".into()),
        Some("phone") => Some("admin_phone".into()),
        _ => e.field,
    };
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> CommitteeId {
        format!("00000000-0000-7000-8000-{n:012x}")
            .parse()
            .expect("id")
    }

    #[test]
    fn a_tree_lists_parents_before_children_and_nothing_beside_it() {
        let mut places = Places::new();
        let node =
            |parent: Option<u128>, level, name: &str| (parent.map(id), level, name.to_owned());
        places.insert(id(1), node(None, CommitteeLevel::City, "市"));
        places.insert(id(2), node(Some(1), CommitteeLevel::County, "乙县"));
        places.insert(id(3), node(Some(1), CommitteeLevel::County, "甲县"));
        places.insert(id(4), node(None, CommitteeLevel::City, "另一市"));
        places.insert(id(5), node(Some(4), CommitteeLevel::County, "丙县"));
        let tree = below(&places, id(1));
        // Children by name, in code point order (乙 U+4E59 before 甲 U+7532).
        assert_eq!(tree, vec![(id(1), 0), (id(2), 1), (id(3), 1)]);
        assert_eq!(below(&places, id(5)), vec![(id(5), 0)]);
    }
}
