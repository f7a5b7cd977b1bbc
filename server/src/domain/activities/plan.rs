//! Planning an activity: the fields of a new one and of a change, checked
//! and stored, and its reminder list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityKind, ActivityPatch, ActivityStatus, Audience, CapacityOverflow, NewActivity,
};
use lvzhi_shared::ids::{ActivityId, CommitteeId, MaterialId, MemberId, RoleSlotId, StopId};
use lvzhi_shared::validate::{
    self, MAX_LONG_TEXT_CHARS, MAX_PLACE_CHARS, MAX_TITLE_CHARS, invalid, link, text,
};
use rand::RngCore;

use crate::db::DbConnection;
use crate::db::models::{ActivityRow, MaterialRow, RoleRow, StopRow};
use crate::db::schema::{
    activities, activity_invitees, activity_roles, activity_sectors, itinerary_stops,
    materials as materials_t, reminders_sent, users,
};
use crate::domain::Ctx;
use crate::domain::committees::sector_id_by_name;
use crate::domain::notifications::notices::Notice;
use crate::error::AppError;

use super::access::{lock, status_of};
use super::lifecycle::notify_signed_up;
use super::signups;

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
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewActivity,
) -> Result<ActivityId, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let committee_id = caller.committee_id;
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

    let id = ActivityId::new_v7();
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let row = ActivityRow {
        id,
        committee_id,
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
        organizer_id: caller.user_id,
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
            id: RoleSlotId::new_v7(),
            activity_id: id,
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
            id: StopId::new_v7(),
            activity_id: id,
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
            id: MaterialId::new_v7(),
            activity_id: id,
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
    committee_id: CommitteeId,
    ids: &[MemberId],
) -> Result<Vec<MemberId>, AppError> {
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
        out.push(*id);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Applies a patch; announces a change of time or place of a published
/// activity to everyone signed up. Returns members moved by a capacity change.
pub fn patch(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ActivityId,
    p: &ActivityPatch,
) -> Result<signups::CapacityChange, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, caller.committee_id, id)?;
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
