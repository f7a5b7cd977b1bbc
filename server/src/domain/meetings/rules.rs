//! Per committee and meeting kind: the quorum and who approves leave.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::meetings::{MeetingKind, MeetingRule};
use lvzhi_shared::members::Role;

use crate::db::DbConnection;
use crate::db::schema::{meeting_approvers, meeting_rules, users};
use crate::domain::{Ctx, audit};
use crate::error::AppError;

/// More than half, unless the kind's rule says otherwise.
const DEFAULT_QUORUM: (i32, i32) = (1, 2);

/// The rule for `kind` in the caller's committee.
pub fn get(conn: &mut DbConnection, ctx: &Ctx, kind: MeetingKind) -> Result<MeetingRule, AppError> {
    let committee = ctx.caller.committee_id;
    let (quorum_numerator, quorum_denominator) = meeting_rules::table
        .find((committee, kind))
        .select((
            meeting_rules::quorum_numerator,
            meeting_rules::quorum_denominator,
        ))
        .get_result(conn)
        .optional()?
        .unwrap_or(DEFAULT_QUORUM);
    let approvers = meeting_approvers::table
        .filter(meeting_approvers::committee_id.eq(committee))
        .filter(meeting_approvers::kind.eq(kind))
        .select(meeting_approvers::user_id)
        .order(meeting_approvers::user_id)
        .load::<MemberId>(conn)?;
    Ok(MeetingRule {
        approvers,
        quorum_numerator,
        quorum_denominator,
    })
}

/// Replaces the rule for `kind`. Admins only (checked by the caller).
pub fn put(
    conn: &mut DbConnection,
    ctx: &Ctx,
    kind: MeetingKind,
    rule: &MeetingRule,
) -> Result<MeetingRule, AppError> {
    let committee = ctx.caller.committee_id;
    if rule.quorum_denominator < 1 || rule.quorum_denominator > 100 {
        return Err(
            AppError::new(ErrorCode::InvalidField, "the denominator must be 1 to 100")
                .with_field("quorum_denominator"),
        );
    }
    if rule.quorum_numerator < 0 || rule.quorum_numerator >= rule.quorum_denominator {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "the quorum is a fraction below 1: more than numerator/denominator must be present",
        )
        .with_field("quorum_numerator"));
    }
    for (i, id) in rule.approvers.iter().enumerate() {
        let known: i64 = users::table
            .filter(users::id.eq(id))
            .filter(users::committee_id.eq(committee))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(AppError::new(
                ErrorCode::UnknownMember,
                "an approver is not an account of this committee",
            )
            .with_field(format!("approvers[{i}]")));
        }
    }
    diesel::delete(
        meeting_rules::table
            .filter(meeting_rules::committee_id.eq(committee))
            .filter(meeting_rules::kind.eq(kind)),
    )
    .execute(conn)?;
    diesel::insert_into(meeting_rules::table)
        .values((
            meeting_rules::committee_id.eq(committee),
            meeting_rules::kind.eq(kind),
            meeting_rules::quorum_numerator.eq(rule.quorum_numerator),
            meeting_rules::quorum_denominator.eq(rule.quorum_denominator),
        ))
        .execute(conn)?;
    diesel::delete(
        meeting_approvers::table
            .filter(meeting_approvers::committee_id.eq(committee))
            .filter(meeting_approvers::kind.eq(kind)),
    )
    .execute(conn)?;
    let mut approvers = rule.approvers.clone();
    approvers.sort();
    approvers.dedup();
    for id in &approvers {
        diesel::insert_into(meeting_approvers::table)
            .values((
                meeting_approvers::committee_id.eq(committee),
                meeting_approvers::kind.eq(kind),
                meeting_approvers::user_id.eq(id),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        ctx,
        AuditAction::MeetingRuleChanged,
        None,
        format!(
            "{}: quorum > {}/{}, approvers {}",
            kind.as_str(),
            rule.quorum_numerator,
            rule.quorum_denominator,
            approvers.len()
        ),
    )?;
    get(conn, ctx, kind)
}

/// Who may be picked as an approver, by name: the office's accounts, and
/// anyone already listed for some kind (an approver set through the API
/// may be a member, a chair's office say).
pub fn candidates(
    conn: &mut DbConnection,
    ctx: &Ctx,
) -> Result<Vec<(MemberId, String, Role)>, AppError> {
    let committee = ctx.caller.committee_id;
    let listed = meeting_approvers::table
        .filter(meeting_approvers::committee_id.eq(committee))
        .select(meeting_approvers::user_id);
    Ok(users::table
        .filter(users::committee_id.eq(committee))
        .filter(
            users::role
                .ne(Role::Member.as_str())
                .or(users::id.eq_any(listed)),
        )
        .order(users::id)
        .select((users::id, users::name, users::role))
        .load(conn)?)
}

/// Whether the caller decides leave for meetings of `kind`: a listed
/// approver, or, where none is listed, the office.
pub fn approves(conn: &mut DbConnection, ctx: &Ctx, kind: MeetingKind) -> Result<bool, AppError> {
    let listed = get(conn, ctx, kind)?.approvers;
    Ok(if listed.is_empty() {
        matches!(ctx.caller.role, Role::Organizer | Role::Admin)
    } else {
        listed.contains(&ctx.caller.user_id)
    })
}

/// Voting members that must be present: strictly more than num/den of `voting`.
pub fn required_present(voting: i64, numerator: i32, denominator: i32) -> i64 {
    voting * i64::from(numerator) / i64::from(denominator.max(1)) + 1
}

#[cfg(test)]
mod tests {
    use super::required_present;

    #[test]
    fn more_than_the_fraction_must_be_present() {
        assert_eq!(required_present(300, 1, 2), 151);
        assert_eq!(required_present(301, 1, 2), 151);
        assert_eq!(required_present(9, 2, 3), 7);
        assert_eq!(required_present(0, 1, 2), 1);
    }
}
