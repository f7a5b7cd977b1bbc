//! How activities read: one in full, pages of summaries, and a member's own.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    Activity, ActivityKind, ActivityStatus, ActivitySummary, Audience, Material, MySignup,
    RoleSlot, SignupStatus, Stop,
};
use lvzhi_shared::ids::{ActivityId, MemberId, RoleSlotId};
use lvzhi_shared::members::Role;

use crate::db::DbConnection;
use crate::db::models::{ActivityRow, MaterialRow, RoleRow, SignupRow, StopRow};
use crate::db::schema::{
    activities, activity_invitees, activity_roles, activity_sectors, itinerary_stops,
    materials as materials_t, sectors, signups as signups_t,
};
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::error::AppError;

use super::access::{kind_of, status_of, user_sector};
use super::plan::reminders_of;
use super::{materials, signups};

/// Live sign-ups (registered, waitlisted) per activity, role and status.
struct LiveCounts(Vec<(ActivityId, RoleSlotId, String, i32)>);

impl LiveCounts {
    fn of(conn: &mut DbConnection, activity_ids: &[ActivityId]) -> Result<Self, AppError> {
        let rows: Vec<(ActivityId, RoleSlotId, String, i64)> = signups_t::table
            .filter(signups_t::activity_id.eq_any(activity_ids))
            .filter(signups_t::status.eq_any([
                SignupStatus::Registered.as_str(),
                SignupStatus::Waitlisted.as_str(),
            ]))
            .group_by((
                signups_t::activity_id,
                signups_t::role_id,
                signups_t::status,
            ))
            .select((
                signups_t::activity_id,
                signups_t::role_id,
                signups_t::status,
                diesel::dsl::count_star(),
            ))
            .load(conn)?;
        Ok(Self(
            rows.into_iter()
                .map(|(a, r, s, n)| (a, r, s, i32::try_from(n).unwrap_or(i32::MAX)))
                .collect(),
        ))
    }

    fn role(&self, role_id: RoleSlotId, status: SignupStatus) -> i32 {
        self.0
            .iter()
            .filter(|(_, r, s, _)| *r == role_id && s == status.as_str())
            .map(|(.., n)| n)
            .sum()
    }

    fn activity(&self, activity_id: ActivityId, status: SignupStatus) -> i32 {
        self.0
            .iter()
            .filter(|(a, _, s, _)| *a == activity_id && s == status.as_str())
            .map(|(.., n)| n)
            .sum()
    }
}

/// The role slots of these activities with their live counts, in each
/// activity's order: one query for the slots, one for the counts.
pub fn role_slots(
    conn: &mut DbConnection,
    ids: &[ActivityId],
) -> Result<Vec<(ActivityId, RoleSlot)>, AppError> {
    let counts = LiveCounts::of(conn, ids)?;
    let roles: Vec<(RoleRow, Option<String>)> = activity_roles::table
        .left_join(sectors::table)
        .filter(activity_roles::activity_id.eq_any(ids))
        .order((
            activity_roles::activity_id.asc(),
            activity_roles::position.asc(),
        ))
        .select((RoleRow::as_select(), sectors::name.nullable()))
        .load(conn)?;
    Ok(roles
        .into_iter()
        .map(|(r, sector)| {
            let slot = RoleSlot {
                registered: counts.role(r.id, SignupStatus::Registered),
                waitlisted: counts.role(r.id, SignupStatus::Waitlisted),
                id: r.id,
                name: r.name,
                capacity: r.capacity,
                sector,
            };
            (r.activity_id, slot)
        })
        .collect())
}

/// The full view of one activity, with the viewer's own sign-up.
pub fn view(
    conn: &mut DbConnection,
    row: ActivityRow,
    viewer_id: MemberId,
    tz: Tz,
) -> Result<Activity, AppError> {
    let roles: Vec<RoleSlot> = role_slots(conn, std::slice::from_ref(&row.id))?
        .into_iter()
        .map(|(_, slot)| slot)
        .collect();
    let audience_sectors: Vec<String> = activity_sectors::table
        .inner_join(sectors::table)
        .filter(activity_sectors::activity_id.eq(&row.id))
        .select(sectors::name)
        .order(sectors::name.asc())
        .load(conn)?;
    let itinerary: Vec<Stop> = itinerary_stops::table
        .filter(itinerary_stops::activity_id.eq(&row.id))
        .order(itinerary_stops::position.asc())
        .select(StopRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|s| Stop {
            id: s.id,
            at: local(s.at, tz),
            place: s.place,
            subject: s.subject,
        })
        .collect();
    let materials: Vec<Material> = materials_t::table
        .filter(materials_t::activity_id.eq(&row.id))
        .order(materials_t::id.asc())
        .select(MaterialRow::as_select())
        .load(conn)?
        .into_iter()
        .map(materials::to_material)
        .collect();
    let my_signup = signups::mine(conn, row.id, viewer_id, tz)?;
    Ok(Activity {
        registered: roles.iter().map(|r| r.registered).sum(),
        waitlisted: roles.iter().map(|r| r.waitlisted).sum(),
        kind: kind_of(&row),
        status: status_of(&row),
        audience: row.audience,
        theme: row.theme,
        starts_at: local(row.starts_at, tz),
        ends_at: local(row.ends_at, tz),
        signup_opens_at: row.signup_opens_at.map(|t| local(t, tz)),
        signup_closes_at: row.signup_closes_at.map(|t| local(t, tz)),
        created_at: local(row.created_at, tz),
        updated_at: local(row.updated_at, tz),
        id: row.id,
        committee_id: row.committee_id,
        title: row.title,
        description: row.description,
        location: row.location,
        audience_sectors,
        capacity: row.capacity,
        roles,
        forbid_overlap: row.forbid_overlap,
        study_hours: row.study_hours,
        itinerary,
        materials,
        organizer_id: row.organizer_id,
        cancel_reason: row.cancel_reason,
        my_signup,
        reminder_minutes: row.reminder_minutes.as_deref().map(reminders_of),
    })
}

/// List filters.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub kind: Option<ActivityKind>,
    pub status: Option<ActivityStatus>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Activities starting from `from` (default: those not yet ended), in start order.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    filter: &ListFilter,
) -> Result<(Vec<ActivitySummary>, Option<String>), AppError> {
    let (caller, now, tz) = (&ctx.caller, ctx.now, ctx.tz);
    let mut query = activities::table
        .filter(activities::committee_id.eq(&caller.committee_id))
        .select(ActivityRow::as_select())
        .order((activities::starts_at.asc(), activities::id.asc()))
        .limit(i64::from(filter.limit) + 1)
        .into_boxed();
    match filter.from {
        Some(from) => query = query.filter(activities::starts_at.ge(from)),
        None => query = query.filter(activities::ends_at.gt(now)),
    }
    if let Some(to) = filter.to {
        query = query.filter(activities::starts_at.lt(to));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(activities::kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(activities::status.eq(status.as_str()));
    }
    if caller.role == Role::Member {
        query = query.filter(activities::status.ne(ActivityStatus::Draft.as_str()));
        // A member of no sector is in no sector's audience (`= NULL` holds for no row).
        let sector = user_sector(conn, caller.user_id)?;
        let by_sector = activity_sectors::table
            .filter(activity_sectors::sector_id.nullable().eq(sector))
            .select(activity_sectors::activity_id);
        let invited = activity_invitees::table
            .filter(activity_invitees::user_id.eq(caller.user_id))
            .select(activity_invitees::activity_id);
        query = query.filter(
            activities::audience
                .eq(Audience::Committee.as_str())
                .or(activities::id.eq_any(by_sector))
                .or(activities::id.eq_any(invited)),
        );
    }
    if let Some(cursor) = &filter.cursor {
        let (starts, id) = decode_cursor(cursor)?;
        query = query.filter(
            activities::starts_at
                .gt(starts)
                .or(activities::starts_at.eq(starts).and(activities::id.gt(id))),
        );
    }
    let mut rows: Vec<ActivityRow> = query.load(conn)?;
    let next = if rows.len() > filter.limit as usize {
        rows.truncate(filter.limit as usize);
        rows.last().map(encode_cursor)
    } else {
        None
    };
    let ids: Vec<ActivityId> = rows.iter().map(|r| r.id).collect();
    let summaries = summaries(conn, rows, &ids, caller.user_id, tz)?;
    Ok((summaries, next))
}

/// Summaries of these rows with counts and the viewer's status, in two queries.
pub fn summaries(
    conn: &mut DbConnection,
    rows: Vec<ActivityRow>,
    ids: &[ActivityId],
    viewer_id: MemberId,
    tz: Tz,
) -> Result<Vec<ActivitySummary>, AppError> {
    let counts = LiveCounts::of(conn, ids)?;
    let mine: HashMap<ActivityId, SignupStatus> = signups_t::table
        .filter(signups_t::activity_id.eq_any(ids))
        .filter(signups_t::user_id.eq(viewer_id))
        .select((signups_t::activity_id, signups_t::status))
        .load::<(ActivityId, SignupStatus)>(conn)?
        .into_iter()
        .collect();
    let count = |id: ActivityId, s: SignupStatus| counts.activity(id, s);
    Ok(rows
        .into_iter()
        .map(|r| ActivitySummary {
            registered: count(r.id, SignupStatus::Registered),
            waitlisted: count(r.id, SignupStatus::Waitlisted),
            my_status: mine.get(&r.id).copied(),
            kind: kind_of(&r),
            status: status_of(&r),
            starts_at: local(r.starts_at, tz),
            ends_at: local(r.ends_at, tz),
            id: r.id,
            title: r.title,
            location: r.location,
            capacity: r.capacity,
        })
        .collect())
}

fn encode_cursor(row: &ActivityRow) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}",
        row.starts_at.and_utc().timestamp_micros(),
        row.id
    ))
}

fn decode_cursor(cursor: &str) -> Result<(NaiveDateTime, ActivityId), AppError> {
    let bad =
        || AppError::new(ErrorCode::InvalidCursor, "the cursor is not valid").with_field("cursor");
    let raw =
        String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros)
        .ok_or_else(bad)?
        .naive_utc();
    Ok((at, id.parse().map_err(|_| bad())?))
}

/// My sign-ups, soonest first.
pub fn my_summaries(
    conn: &mut DbConnection,
    user_id: MemberId,
    tz: Tz,
) -> Result<Vec<(ActivitySummary, MySignup)>, AppError> {
    let pairs: Vec<(ActivityRow, SignupRow)> = activities::table
        .inner_join(signups_t::table)
        .filter(signups_t::user_id.eq(user_id))
        .order((activities::starts_at.asc(), activities::id.asc()))
        .select((ActivityRow::as_select(), SignupRow::as_select()))
        .load(conn)?;
    let ids: Vec<ActivityId> = pairs.iter().map(|(a, _)| a.id).collect();
    let (rows, signups): (Vec<ActivityRow>, Vec<SignupRow>) = pairs.into_iter().unzip();
    let list = summaries(conn, rows, &ids, user_id, tz)?;
    list.into_iter()
        .zip(signups)
        .map(|(summary, row)| Ok((summary, signups::as_mine(conn, row, tz)?)))
        .collect()
}
