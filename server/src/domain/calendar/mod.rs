//! Calendar feeds (日历订阅): each account's activities and meetings, and the
//! committee's for the office, as iCalendar at a secret, revocable URL that a
//! phone's own calendar subscribes to. `feeds` issues, shows again, reissues
//! and finds feeds by their secret (only its hash is stored); `events`
//! gathers what a feed holds and keeps each event's SEQUENCE; `ics` writes
//! the iCalendar text.
//!
//! This area reads `activities` and `meetings` rows directly and is used by
//! no other area.

pub mod events;
pub mod feeds;
pub mod ics;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lvzhi_shared::calendar::CalendarScope;
use lvzhi_shared::members::{MemberStatus, Role};

use crate::db::DbConnection;
use crate::db::schema::{committees, users};
use crate::error::AppError;

/// The iCalendar text of the feed this URL secret opens, or `None` (404)
/// when no live feed does: revoked or reissued, its account disabled, or a
/// committee feed whose account is no longer office staff. Run in a write
/// transaction: reading records which events changed.
pub fn render(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    let Some(feed) = feeds::find(conn, secret)? else {
        return Ok(None);
    };
    if let DbConnection::Postgres(pg) = conn {
        // Reads of one feed take turns, so each records its changes once.
        diesel::sql_query("SELECT id FROM calendar_feeds WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(feed.id)
            .execute(pg)?;
    }
    let (status, role, committee_id, committee, time_zone): (
        MemberStatus,
        Role,
        lvzhi_shared::ids::CommitteeId,
        String,
        String,
    ) = users::table
        .inner_join(committees::table)
        .filter(users::id.eq(feed.user_id))
        .select((
            users::status,
            users::role,
            users::committee_id,
            committees::name,
            committees::time_zone,
        ))
        .get_result(conn)?;
    let office = matches!(role, Role::Organizer | Role::Admin);
    if status != MemberStatus::Active || (feed.scope == CalendarScope::Committee && !office) {
        return Ok(None);
    }
    let list = events::current(conn, feed.id, feed.scope, feed.user_id, committee_id, now)?;
    let name = match feed.scope {
        CalendarScope::Mine => format!("{committee}·我的履职日程"),
        CalendarScope::Committee => format!("{committee}·活动与会议"),
    };
    Ok(Some(ics::write(&name, &time_zone, &list)))
}
