//! Bodies (全体委员, 常务委员会, 主席会议成员, 专委会) of a term, and their
//! membership: dated stretches, so a meeting summons the members of its date.

use chrono::NaiveDate;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{BodyId, MemberId};
use lvzhi_shared::meetings::{Body, BodyMember, NewBody, NewBodyMember};
use lvzhi_shared::members::MemberStatus;
use lvzhi_shared::validate::{MAX_SHORT_TEXT_CHARS, MAX_TITLE_CHARS, text};

use crate::db::DbConnection;
use crate::db::models::{BodyMemberRow, BodyRow};
use crate::db::schema::{bodies, body_members, users};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

use super::{local_date, plan};

/// The body, if it belongs to the caller's committee.
pub fn load(conn: &mut DbConnection, ctx: &Ctx, id: BodyId) -> Result<BodyRow, AppError> {
    bodies::table
        .find(id)
        .filter(bodies::committee_id.eq(ctx.caller.committee_id))
        .select(BodyRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("body"))
}

fn to_body(conn: &mut DbConnection, ctx: &Ctx, row: BodyRow) -> Result<Body, AppError> {
    let today = local_date(ctx.now, ctx.tz);
    let members_now = members_on(conn, row.id, today)?.len();
    Ok(Body {
        id: row.id,
        name: row.name,
        kind: row.kind,
        term: row.term,
        members_now: i32::try_from(members_now).unwrap_or(i32::MAX),
    })
}

pub fn create(conn: &mut DbConnection, ctx: &Ctx, input: &NewBody) -> Result<Body, AppError> {
    let row = BodyRow {
        id: BodyId::new_v7(),
        committee_id: ctx.caller.committee_id,
        name: text(&input.name, "name", MAX_TITLE_CHARS, true)?,
        kind: input.kind,
        term: text(&input.term, "term", MAX_SHORT_TEXT_CHARS, true)?,
        created_at: ctx.now,
    };
    diesel::insert_into(bodies::table)
        .values(&row)
        .execute(conn)?;
    to_body(conn, ctx, row)
}

pub fn list(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<Body>, AppError> {
    let rows = bodies::table
        .filter(bodies::committee_id.eq(ctx.caller.committee_id))
        .order((bodies::term.desc(), bodies::name))
        .select(BodyRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| to_body(conn, ctx, r)).collect()
}

pub fn get(conn: &mut DbConnection, ctx: &Ctx, id: BodyId) -> Result<Body, AppError> {
    let row = load(conn, ctx, id)?;
    to_body(conn, ctx, row)
}

/// The body's members on `day` (active or pending accounts), with their vote.
pub fn members_on(
    conn: &mut DbConnection,
    body_id: BodyId,
    day: NaiveDate,
) -> Result<Vec<(MemberId, bool)>, AppError> {
    Ok(body_members::table
        .inner_join(users::table)
        .filter(body_members::body_id.eq(body_id))
        .filter(body_members::joined_on.le(day))
        .filter(
            body_members::left_on
                .is_null()
                .or(body_members::left_on.ge(day)),
        )
        .filter(users::status.ne(MemberStatus::Disabled))
        .select((body_members::user_id, body_members::voting))
        .load(conn)?)
}

/// Every stretch of membership, by name then date.
pub fn members(
    conn: &mut DbConnection,
    ctx: &Ctx,
    body_id: BodyId,
) -> Result<Vec<BodyMember>, AppError> {
    load(conn, ctx, body_id)?;
    let rows: Vec<(BodyMemberRow, String)> = body_members::table
        .inner_join(users::table)
        .filter(body_members::body_id.eq(body_id))
        .order((users::name, body_members::joined_on))
        .select((BodyMemberRow::as_select(), users::name))
        .load(conn)?;
    Ok(rows.into_iter().map(to_member).collect())
}

fn to_member((row, name): (BodyMemberRow, String)) -> BodyMember {
    BodyMember {
        member_id: row.user_id,
        name,
        joined_on: row.joined_on,
        left_on: row.left_on,
        voting: row.voting,
    }
}

fn overlaps(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    let a_ends_before_b = a.1.is_some_and(|end| end < b.0);
    let b_ends_before_a = b.1.is_some_and(|end| end < a.0);
    !a_ends_before_b && !b_ends_before_a
}

/// How a new stretch of membership fits those already stored.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fit {
    /// Shares no day with them.
    Free,
    /// A stored stretch already holds its first day.
    Covered,
    /// Shares days with a stored stretch that does not hold its first day.
    Overlaps,
}

pub(super) fn fit(
    conn: &mut DbConnection,
    body_id: BodyId,
    member_id: MemberId,
    stretch: (NaiveDate, Option<NaiveDate>),
) -> Result<Fit, AppError> {
    let existing: Vec<(NaiveDate, Option<NaiveDate>)> = body_members::table
        .filter(body_members::body_id.eq(body_id))
        .filter(body_members::user_id.eq(member_id))
        .select((body_members::joined_on, body_members::left_on))
        .load(conn)?;
    Ok(
        if existing
            .iter()
            .any(|e| overlaps(*e, (stretch.0, Some(stretch.0))))
        {
            Fit::Covered
        } else if existing.iter().any(|e| overlaps(*e, stretch)) {
            Fit::Overlaps
        } else {
            Fit::Free
        },
    )
}

pub(super) fn overlap_error() -> AppError {
    AppError::new(
        ErrorCode::BodyMembershipOverlaps,
        "the member already belongs to this body on some of these dates",
    )
    .with_field("joined_on")
}

/// Adds a stretch of membership; summonses of the body's published meetings
/// still to come follow it.
pub fn add_member(
    conn: &mut DbConnection,
    ctx: &Ctx,
    body_id: BodyId,
    input: &NewBodyMember,
) -> Result<BodyMember, AppError> {
    let body = load(conn, ctx, body_id)?;
    let name: String = users::table
        .find(input.member_id)
        .filter(users::committee_id.eq(ctx.caller.committee_id))
        .select(users::name)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::new(ErrorCode::UnknownMember, "no such member in this committee")
                .with_field("member_id")
        })?;
    if input.left_on.is_some_and(|l| l < input.joined_on) {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "the last day cannot be before the first",
        )
        .with_field("left_on"));
    }
    if fit(
        conn,
        body_id,
        input.member_id,
        (input.joined_on, input.left_on),
    )? != Fit::Free
    {
        return Err(overlap_error());
    }
    let row = BodyMemberRow {
        body_id,
        user_id: input.member_id,
        joined_on: input.joined_on,
        left_on: input.left_on,
        voting: input.voting.unwrap_or(true),
    };
    diesel::insert_into(body_members::table)
        .values(&row)
        .execute(conn)?;
    plan::resummon_body(conn, ctx, body_id)?;
    audit::record(
        conn,
        ctx,
        AuditAction::BodyMemberAdded,
        Some(&input.member_id),
        format!("{}：{name}（{} 起）", body.name, input.joined_on),
    )?;
    Ok(to_member((row, name)))
}

/// Ends the member's open stretch on `left_on`.
pub fn end_membership(
    conn: &mut DbConnection,
    ctx: &Ctx,
    body_id: BodyId,
    member_id: MemberId,
    left_on: NaiveDate,
) -> Result<BodyMember, AppError> {
    let body = load(conn, ctx, body_id)?;
    let open: (BodyMemberRow, String) = body_members::table
        .inner_join(users::table)
        .filter(body_members::body_id.eq(body_id))
        .filter(body_members::user_id.eq(member_id))
        .filter(body_members::left_on.is_null())
        .select((BodyMemberRow::as_select(), users::name))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("current membership"))?;
    if left_on < open.0.joined_on {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "the last day cannot be before the first",
        )
        .with_field("left_on"));
    }
    diesel::update(body_members::table.find((body_id, member_id, open.0.joined_on)))
        .set(body_members::left_on.eq(Some(left_on)))
        .execute(conn)?;
    plan::resummon_body(conn, ctx, body_id)?;
    audit::record(
        conn,
        ctx,
        AuditAction::BodyMembershipEnded,
        Some(&member_id),
        format!("{}：{}（{left_on} 止）", body.name, open.1),
    )?;
    let (mut row, name) = open;
    row.left_on = Some(left_on);
    Ok(to_member((row, name)))
}

#[cfg(test)]
mod tests {
    use super::overlaps;
    use chrono::NaiveDate;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    #[test]
    fn stretches_overlap_when_they_share_a_day() {
        assert!(overlaps((d(1, 1), None), (d(6, 1), None)));
        assert!(overlaps((d(1, 1), Some(d(6, 1))), (d(6, 1), None)));
        assert!(!overlaps((d(1, 1), Some(d(5, 31))), (d(6, 1), None)));
        assert!(!overlaps((d(7, 1), None), (d(1, 1), Some(d(6, 30)))));
    }
}
