//! Activities: creating and changing them, who may see them, and how they
//! read (this file); and what is done in them, one submodule each.

pub mod checkin;
pub mod findings;
pub mod materials;
pub mod records;
pub mod reminders;
pub mod roster;
pub mod signup_queue;
pub mod signups;

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    Activity, ActivityKind, ActivityPatch, ActivityStatus, ActivitySummary, Audience,
    CapacityOverflow, Material, MySignup, NewActivity, RoleSlot, SignupStatus, Stop,
};
use lvzhi_shared::members::Role;
use lvzhi_shared::validate::{
    self, MAX_LONG_TEXT_CHARS, MAX_PLACE_CHARS, MAX_TITLE_CHARS, invalid, link, text,
};
use rand::RngCore;

use crate::db::models::{ActivityRow, MaterialRow, RoleRow, SignupRow, StopRow};
use crate::db::schema::{
    activities, activity_invitees, activity_roles, activity_sectors, itinerary_stops,
    materials as materials_t, reminders_sent, sectors, signups as signups_t, users,
};
use crate::db::{self, DbConnection};
use crate::domain::Ctx;
use crate::domain::committees::{local, sector_id_by_name};
use crate::domain::notifications::notices::Notice;
use crate::domain::notifications::outbox::Notifier;
use crate::error::AppError;

fn utc(t: DateTime<FixedOffset>) -> NaiveDateTime {
    use chrono::SubsecRound;
    t.naive_utc().trunc_subsecs(6)
}

fn check_times(
    starts: NaiveDateTime,
    ends: NaiveDateTime,
    opens: Option<NaiveDateTime>,
    closes: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    if ends <= starts {
        return Err(invalid("ends_at", "the end must be after the start").into());
    }
    if let (Some(o), Some(c)) = (opens, closes)
        && c <= o
    {
        return Err(invalid("signup_closes_at", "sign-up must close after it opens").into());
    }
    if closes.is_some_and(|c| c > ends) {
        return Err(invalid(
            "signup_closes_at",
            "sign-up must close before the activity ends",
        )
        .into());
    }
    Ok(())
}

fn check_study_hours(hours: f64) -> Result<(), AppError> {
    if hours.is_finite() && (0.0..=100.0).contains(&hours) {
        Ok(())
    } else {
        Err(invalid("study_hours", "study hours must be 0 to 100").into())
    }
}

/// Creates a draft from validated input.
pub fn create(conn: &mut DbConnection, ctx: &Ctx, input: &NewActivity) -> Result<String, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let committee_id = caller.committee_id.as_str();
    let title = text(&input.title, "title", MAX_TITLE_CHARS, true)?;
    let description = text(
        input.description.as_deref().unwrap_or_default(),
        "description",
        MAX_LONG_TEXT_CHARS,
        false,
    )?;
    let location = text(
        input.location.as_deref().unwrap_or_default(),
        "location",
        MAX_PLACE_CHARS,
        false,
    )?;
    let (starts, ends) = (utc(input.starts_at), utc(input.ends_at));
    let (opens, closes) = (
        input.signup_opens_at.map(utc),
        input.signup_closes_at.map(utc),
    );
    check_times(starts, ends, opens, closes)?;
    validate::capacity(input.capacity, "capacity")?;
    let study_hours = input.study_hours.unwrap_or(0.0);
    check_study_hours(study_hours)?;
    if input.kind == ActivityKind::Outreach && input.theme.is_none() {
        return Err(AppError::new(
            ErrorCode::FieldRequired,
            "an outreach activity needs a theme",
        )
        .with_field("theme"));
    }
    let audience = input.audience.unwrap_or(Audience::Committee);
    let audience_sector_ids = match audience {
        Audience::Sectors if input.audience_sectors.is_empty() => {
            return Err(
                AppError::new(ErrorCode::FieldRequired, "name the sectors invited")
                    .with_field("audience_sectors"),
            );
        }
        Audience::Sectors => input
            .audience_sectors
            .iter()
            .map(|s| sector_id_by_name(conn, committee_id, s, "audience_sectors"))
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let invitees = match audience {
        Audience::Invited if input.invitees.is_empty() => {
            return Err(
                AppError::new(ErrorCode::FieldRequired, "name the members invited")
                    .with_field("invitees"),
            );
        }
        Audience::Invited => check_members(conn, committee_id, &input.invitees)?,
        _ => Vec::new(),
    };

    let id = db::new_id();
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let row = ActivityRow {
        id: id.clone(),
        committee_id: committee_id.to_owned(),
        kind: input.kind,
        title,
        description,
        location,
        starts_at: starts,
        ends_at: ends,
        signup_opens_at: opens,
        signup_closes_at: closes,
        status: ActivityStatus::Draft,
        audience,
        capacity: input.capacity,
        forbid_overlap: input.forbid_overlap.unwrap_or(false),
        study_hours,
        theme: input.theme,
        checkin_secret: URL_SAFE_NO_PAD.encode(secret),
        organizer_id: caller.user_id.clone(),
        cancel_reason: None,
        created_at: now,
        updated_at: now,
        reminder_minutes: input
            .reminder_minutes
            .as_deref()
            .map(reminders_to_store)
            .transpose()?,
    };
    diesel::insert_into(activities::table)
        .values(&row)
        .execute(conn)?;

    let default_role = [lvzhi_shared::activities::RoleSlotInput {
        name: "参加者".into(),
        capacity: input.capacity,
        sector: None,
    }];
    let roles = if input.roles.is_empty() {
        &default_role[..]
    } else {
        &input.roles[..]
    };
    if roles.iter().any(|r| r.capacity > input.capacity) {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!(
                "a role slot may hold at most the activity's {} places",
                input.capacity
            ),
        )
        .with_field("roles"));
    }
    for (i, r) in roles.iter().enumerate() {
        validate::capacity(r.capacity, "roles")?;
        let sector_id = r
            .sector
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| sector_id_by_name(conn, committee_id, s, "roles"))
            .transpose()?;
        let role = RoleRow {
            id: db::new_id(),
            activity_id: id.clone(),
            name: text(&r.name, "roles", 50, true)?,
            capacity: r.capacity,
            sector_id,
            position: i32::try_from(i).unwrap_or(i32::MAX),
        };
        diesel::insert_into(activity_roles::table)
            .values(&role)
            .execute(conn)?;
    }
    for sector_id in audience_sector_ids {
        diesel::insert_into(activity_sectors::table)
            .values((
                activity_sectors::activity_id.eq(&id),
                activity_sectors::sector_id.eq(sector_id),
            ))
            .execute(conn)?;
    }
    for user_id in invitees {
        diesel::insert_into(activity_invitees::table)
            .values((
                activity_invitees::activity_id.eq(&id),
                activity_invitees::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    for (i, stop) in input.itinerary.iter().enumerate() {
        let row = StopRow {
            id: db::new_id(),
            activity_id: id.clone(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            at: utc(stop.at),
            place: text(&stop.place, "itinerary", MAX_PLACE_CHARS, true)?,
            subject: text(&stop.subject, "itinerary", MAX_PLACE_CHARS, true)?,
        };
        diesel::insert_into(itinerary_stops::table)
            .values(&row)
            .execute(conn)?;
    }
    for m in &input.materials {
        let row = MaterialRow {
            id: db::new_id(),
            activity_id: id.clone(),
            title: text(&m.title, "materials", MAX_TITLE_CHARS, true)?,
            url: link(&m.url, "materials", 2000)?,
            created_at: now,
            content_type: None,
            size_bytes: None,
            file_name: None,
        };
        diesel::insert_into(materials_t::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(id)
}

/// Member ids that must all belong to the committee.
fn check_members(
    conn: &mut DbConnection,
    committee_id: &str,
    ids: &[String],
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let found: i64 = users::table
            .filter(users::id.eq(id))
            .filter(users::committee_id.eq(committee_id))
            .count()
            .get_result(conn)?;
        if found == 0 {
            return Err(invalid("invitees", "an invited member is not in this committee").into());
        }
        out.push(id.clone());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The activity, if it belongs to the committee.
pub fn load(
    conn: &mut DbConnection,
    committee_id: &str,
    id: &str,
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
    committee_id: &str,
    id: &str,
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
    members: &HashMap<String, Option<String>>,
) -> Result<HashSet<String>, AppError> {
    Ok(match activity.audience {
        Audience::Committee => members.keys().cloned().collect(),
        Audience::Sectors => {
            let open: HashSet<String> = activity_sectors::table
                .filter(activity_sectors::activity_id.eq(&activity.id))
                .select(activity_sectors::sector_id)
                .load::<String>(conn)?
                .into_iter()
                .collect();
            members
                .iter()
                .filter(|(_, s)| s.as_ref().is_some_and(|s| open.contains(s)))
                .map(|(u, _)| u.clone())
                .collect()
        }
        Audience::Invited => activity_invitees::table
            .filter(activity_invitees::activity_id.eq(&activity.id))
            .filter(activity_invitees::user_id.eq_any(members.keys()))
            .select(activity_invitees::user_id)
            .load::<String>(conn)?
            .into_iter()
            .collect(),
    })
}

/// The activity as the caller may see it: members only what is published to
/// their audience, the office everything of its committee.
pub fn visible(conn: &mut DbConnection, ctx: &Ctx, id: &str) -> Result<ActivityRow, AppError> {
    let caller = &ctx.caller;
    let row = load(conn, &caller.committee_id, id)?;
    if caller.role != Role::Member {
        return Ok(row);
    }
    let member = HashMap::from([(caller.user_id.clone(), user_sector(conn, &caller.user_id)?)]);
    if status_of(&row) == ActivityStatus::Draft || admitted(conn, &row, &member)?.is_empty() {
        return Err(AppError::not_found("activity"));
    }
    Ok(row)
}

pub fn user_sector(conn: &mut DbConnection, user_id: &str) -> Result<Option<String>, AppError> {
    Ok(users::table
        .find(user_id)
        .select(users::sector_id)
        .get_result::<Option<String>>(conn)?)
}

/// Live sign-ups (registered, waitlisted) per activity, role and status.
struct LiveCounts(Vec<(String, String, String, i32)>);

impl LiveCounts {
    fn of(conn: &mut DbConnection, activity_ids: &[String]) -> Result<Self, AppError> {
        let rows: Vec<(String, String, String, i64)> = signups_t::table
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

    fn role(&self, role_id: &str, status: SignupStatus) -> i32 {
        self.0
            .iter()
            .filter(|(_, r, s, _)| r == role_id && s == status.as_str())
            .map(|(.., n)| n)
            .sum()
    }

    fn activity(&self, activity_id: &str, status: SignupStatus) -> i32 {
        self.0
            .iter()
            .filter(|(a, _, s, _)| a == activity_id && s == status.as_str())
            .map(|(.., n)| n)
            .sum()
    }
}

/// The full view of one activity, with the viewer's own sign-up.
pub fn view(
    conn: &mut DbConnection,
    row: ActivityRow,
    viewer_id: &str,
    tz: Tz,
) -> Result<Activity, AppError> {
    let counts = LiveCounts::of(conn, std::slice::from_ref(&row.id))?;
    let roles: Vec<(RoleRow, Option<String>)> = activity_roles::table
        .left_join(sectors::table)
        .filter(activity_roles::activity_id.eq(&row.id))
        .order(activity_roles::position.asc())
        .select((RoleRow::as_select(), sectors::name.nullable()))
        .load(conn)?;
    let count = |role: &str, status: SignupStatus| counts.role(role, status);
    let roles: Vec<RoleSlot> = roles
        .into_iter()
        .map(|(r, sector)| RoleSlot {
            registered: count(&r.id, SignupStatus::Registered),
            waitlisted: count(&r.id, SignupStatus::Waitlisted),
            id: r.id,
            name: r.name,
            capacity: r.capacity,
            sector,
        })
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
    let my_signup = signups::mine(conn, &row.id, viewer_id, tz)?;
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
        let sector = user_sector(conn, &caller.user_id)?.unwrap_or_default();
        let by_sector = activity_sectors::table
            .filter(activity_sectors::sector_id.eq(sector))
            .select(activity_sectors::activity_id);
        let invited = activity_invitees::table
            .filter(activity_invitees::user_id.eq(caller.user_id.clone()))
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
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let summaries = summaries(conn, rows, &ids, &caller.user_id, tz)?;
    Ok((summaries, next))
}

/// Summaries of these rows with counts and the viewer's status, in two queries.
pub fn summaries(
    conn: &mut DbConnection,
    rows: Vec<ActivityRow>,
    ids: &[String],
    viewer_id: &str,
    tz: Tz,
) -> Result<Vec<ActivitySummary>, AppError> {
    let counts = LiveCounts::of(conn, ids)?;
    let mine: HashMap<String, SignupStatus> = signups_t::table
        .filter(signups_t::activity_id.eq_any(ids))
        .filter(signups_t::user_id.eq(viewer_id))
        .select((signups_t::activity_id, signups_t::status))
        .load::<(String, SignupStatus)>(conn)?
        .into_iter()
        .collect();
    let count = |id: &str, s: SignupStatus| counts.activity(id, s);
    Ok(rows
        .into_iter()
        .map(|r| ActivitySummary {
            registered: count(&r.id, SignupStatus::Registered),
            waitlisted: count(&r.id, SignupStatus::Waitlisted),
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

fn decode_cursor(cursor: &str) -> Result<(NaiveDateTime, String), AppError> {
    let bad =
        || AppError::new(ErrorCode::InvalidCursor, "the cursor is not valid").with_field("cursor");
    let raw =
        String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros)
        .ok_or_else(bad)?
        .naive_utc();
    uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id.to_owned()))
}

/// Applies a patch; announces a change of time or place of a published
/// activity to everyone signed up. Returns members moved by a capacity change.
pub fn patch(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: &str,
    p: &ActivityPatch,
) -> Result<signups::CapacityChange, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, &caller.committee_id, id)?;
    let status = status_of(&row);
    if matches!(
        status,
        ActivityStatus::Cancelled | ActivityStatus::Completed
    ) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "a cancelled or completed activity cannot change",
        ));
    }
    let title = p
        .title
        .as_deref()
        .map(|t| text(t, "title", MAX_TITLE_CHARS, true))
        .transpose()?
        .unwrap_or(row.title.clone());
    let description = p
        .description
        .as_deref()
        .map(|t| text(t, "description", MAX_LONG_TEXT_CHARS, false))
        .transpose()?
        .unwrap_or(row.description.clone());
    let location = p
        .location
        .as_deref()
        .map(|t| text(t, "location", MAX_PLACE_CHARS, false))
        .transpose()?
        .unwrap_or(row.location.clone());
    let starts = p.starts_at.map(utc).unwrap_or(row.starts_at);
    let ends = p.ends_at.map(utc).unwrap_or(row.ends_at);
    let opens = p.signup_opens_at.map(utc).or(row.signup_opens_at);
    let closes = p.signup_closes_at.map(utc).or(row.signup_closes_at);
    check_times(starts, ends, opens, closes)?;
    let study_hours = p.study_hours.unwrap_or(row.study_hours);
    check_study_hours(study_hours)?;
    if let Some(c) = p.capacity {
        validate::capacity(c, "capacity")?;
    }
    diesel::update(activities::table.find(id))
        .set((
            activities::title.eq(&title),
            activities::description.eq(description),
            activities::location.eq(&location),
            activities::starts_at.eq(starts),
            activities::ends_at.eq(ends),
            activities::signup_opens_at.eq(opens),
            activities::signup_closes_at.eq(closes),
            activities::forbid_overlap.eq(p.forbid_overlap.unwrap_or(row.forbid_overlap)),
            activities::study_hours.eq(study_hours),
            activities::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(list) = &p.reminder_minutes {
        diesel::update(activities::table.find(id))
            .set(activities::reminder_minutes.eq(reminders_to_store(list)?))
            .execute(conn)?;
    }
    let moved = match p.capacity {
        Some(c) => signups::set_capacity(
            conn,
            &row,
            None,
            c,
            p.on_overflow.unwrap_or(CapacityOverflow::Refuse),
            now,
        )?,
        None => signups::CapacityChange::default(),
    };
    let rescheduled = starts != row.starts_at || ends != row.ends_at;
    if rescheduled || p.reminder_minutes.is_some() {
        // Reminders count from the new start.
        diesel::delete(reminders_sent::table.filter(reminders_sent::activity_id.eq(id)))
            .execute(conn)?;
    }
    if status == ActivityStatus::Published && (rescheduled || location != row.location) {
        let changed = ActivityRow {
            title: title.clone(),
            location: location.clone(),
            starts_at: starts,
            ..row.clone()
        };
        notify_signed_up(conn, &Notice::Changed(&changed), now)?;
    }
    Ok(moved)
}

/// Draft → published.
pub fn publish(conn: &mut DbConnection, ctx: &Ctx, id: &str) -> Result<(), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, &caller.committee_id, id)?;
    if status_of(&row) != ActivityStatus::Draft {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "only a draft can be published",
        ));
    }
    set_status(conn, id, ActivityStatus::Published, None, now)
}

/// Draft or published → cancelled; everyone signed up is told at once.
pub fn cancel(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: &str,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, &caller.committee_id, id)?;
    if !matches!(
        status_of(&row),
        ActivityStatus::Draft | ActivityStatus::Published
    ) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "this activity is already cancelled or completed",
        ));
    }
    let reason = reason
        .map(|r| text(r, "reason", MAX_PLACE_CHARS, false))
        .transpose()?
        .filter(|r| !r.is_empty());
    set_status(conn, id, ActivityStatus::Cancelled, reason.clone(), now)?;
    notify_signed_up(conn, &Notice::Cancelled(&row, reason.as_deref()), now)
}

/// Published → completed, once it has started.
pub fn complete(conn: &mut DbConnection, ctx: &Ctx, id: &str) -> Result<(), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, &caller.committee_id, id)?;
    if status_of(&row) != ActivityStatus::Published || row.starts_at > now {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "only a published activity that has started can be completed",
        ));
    }
    set_status(conn, id, ActivityStatus::Completed, None, now)
}

fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: ActivityStatus,
    reason: Option<String>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(activities::table.find(id))
        .set((
            activities::status.eq(status.as_str()),
            activities::cancel_reason.eq(reason),
            activities::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Longest reminder lead: a week.
pub const MAX_REMINDER_MINUTES: i32 = 7 * 24 * 60;

/// Checks a reminder list and stores it as `1440,120` (longest first; `` for none).
fn reminders_to_store(list: &[i32]) -> Result<String, AppError> {
    if list.len() > 5 {
        return Err(
            AppError::new(ErrorCode::InvalidField, "at most 5 reminders")
                .with_field("reminder_minutes"),
        );
    }
    if list.iter().any(|m| !(1..=MAX_REMINDER_MINUTES).contains(m)) {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "each reminder is 1 to 10080 minutes (a week) before the start",
        )
        .with_field("reminder_minutes"));
    }
    let mut sorted = list.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    Ok(sorted
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

/// The stored reminder list (`1440,120`).
pub fn reminders_of(stored: &str) -> Vec<i32> {
    stored.split(',').filter_map(|m| m.parse().ok()).collect()
}

/// Queues a notice about the activity to every registered and waitlisted member.
fn notify_signed_up(
    conn: &mut DbConnection,
    notice: &Notice<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(row) = notice.activity() else {
        return Ok(());
    };
    let members: Vec<String> = signups_t::table
        .filter(signups_t::activity_id.eq(&row.id))
        .filter(signups_t::status.eq_any([
            SignupStatus::Registered.as_str(),
            SignupStatus::Waitlisted.as_str(),
        ]))
        .select(signups_t::user_id)
        .load(conn)?;
    Notifier::load(conn, &row.committee_id)?.tell_all(conn, &members, notice, now)
}

/// My sign-ups, soonest first.
pub fn my_summaries(
    conn: &mut DbConnection,
    user_id: &str,
    tz: Tz,
) -> Result<Vec<(ActivitySummary, MySignup)>, AppError> {
    let pairs: Vec<(ActivityRow, SignupRow)> = activities::table
        .inner_join(signups_t::table)
        .filter(signups_t::user_id.eq(user_id))
        .order((activities::starts_at.asc(), activities::id.asc()))
        .select((ActivityRow::as_select(), SignupRow::as_select()))
        .load(conn)?;
    let ids: Vec<String> = pairs.iter().map(|(a, _)| a.id.clone()).collect();
    let (rows, signups): (Vec<ActivityRow>, Vec<SignupRow>) = pairs.into_iter().unzip();
    let list = summaries(conn, rows, &ids, user_id, tz)?;
    list.into_iter()
        .zip(signups)
        .map(|(summary, row)| Ok((summary, signups::as_mine(conn, row, tz)?)))
        .collect()
}
