//! Which activity a caller may reach: loading and locking within a
//! committee, and the audience rule.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use lvzhi_shared::activities::{ActivityKind, ActivityStatus, Audience};
use lvzhi_shared::ids::{ActivityId, CommitteeId, MemberId, SectorId};
use lvzhi_shared::members::Role;

use crate::db::DbConnection;
use crate::db::models::ActivityRow;
use crate::db::schema::{activities, activity_invitees, activity_sectors, users};
use crate::domain::Ctx;
use crate::error::AppError;

/// The activity, if it belongs to the committee.
pub fn load(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: ActivityId,
) -> Result<ActivityRow, AppError> {
    activities::table
        .find(id)
        .filter(activities::committee_id.eq(committee_id))
        .select(ActivityRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("activity"))
}

/// Takes the activity's write lock for the rest of the transaction, so that
/// rules counting its sign-ups see every committed change and no concurrent
/// one. (SQLite's `BEGIN IMMEDIATE` already holds the database's write lock.)
pub fn lock(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: ActivityId,
) -> Result<ActivityRow, AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM activities WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    load(conn, committee_id, id)
}

pub fn kind_of(row: &ActivityRow) -> ActivityKind {
    row.kind
}

pub fn status_of(row: &ActivityRow) -> ActivityStatus {
    row.status
}

/// Which of these members (id → sector) the activity's audience admits.
/// The one place the audience rule lives for single members and batches;
/// `list` states the same rule as SQL to filter a page.
pub fn admitted(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    members: &HashMap<MemberId, Option<SectorId>>,
) -> Result<HashSet<MemberId>, AppError> {
    Ok(match activity.audience {
        Audience::Committee => members.keys().copied().collect(),
        Audience::Sectors => {
            let open: HashSet<SectorId> = activity_sectors::table
                .filter(activity_sectors::activity_id.eq(&activity.id))
                .select(activity_sectors::sector_id)
                .load::<SectorId>(conn)?
                .into_iter()
                .collect();
            members
                .iter()
                .filter(|(_, s)| s.is_some_and(|s| open.contains(&s)))
                .map(|(u, _)| *u)
                .collect()
        }
        Audience::Invited => activity_invitees::table
            .filter(activity_invitees::activity_id.eq(&activity.id))
            .filter(activity_invitees::user_id.eq_any(members.keys()))
            .select(activity_invitees::user_id)
            .load::<MemberId>(conn)?
            .into_iter()
            .collect(),
    })
}

/// The activity as the caller may see it: members only what is published to
/// their audience, the office everything of its committee.
pub fn visible(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ActivityId,
) -> Result<ActivityRow, AppError> {
    let caller = &ctx.caller;
    let row = load(conn, caller.committee_id, id)?;
    if caller.role != Role::Member {
        return Ok(row);
    }
    let member = HashMap::from([(caller.user_id, user_sector(conn, caller.user_id)?)]);
    if status_of(&row) == ActivityStatus::Draft || admitted(conn, &row, &member)?.is_empty() {
        return Err(AppError::not_found("activity"));
    }
    Ok(row)
}

pub fn user_sector(
    conn: &mut DbConnection,
    user_id: MemberId,
) -> Result<Option<SectorId>, AppError> {
    Ok(users::table
        .find(user_id)
        .select(users::sector_id)
        .get_result::<Option<SectorId>>(conn)?)
}
