//! Inspection findings (视察意见建议) and their path through the office, and
//! the recorded outcome of outreach activities (三下乡成效).

use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityKind, ActivityStatus, Finding, FindingPatch, FindingStatus, NewFinding, Outcome,
    SignupStatus,
};
use lvzhi_shared::ids::{ActivityId, CommitteeId, FindingId, MemberId};
use lvzhi_shared::members::Role;
use lvzhi_shared::validate::{
    MAX_LONG_TEXT_CHARS, MAX_PHOTOS, MAX_PLACE_CHARS, MAX_URL_CHARS, invalid, link, text,
};

use crate::db::DbConnection;
use crate::db::models::{FindingRow, OutcomeRow};
use crate::db::schema::{activities as activities_t, findings, outcomes, signups, users};
use crate::domain::Ctx;
use crate::domain::activities::{self, kind_of, status_of};
use crate::domain::committees::local;
use crate::domain::idempotency::{self, IdemKey};
use crate::domain::notifications::notices::{FindingAnswer, Notice};
use crate::domain::notifications::outbox::Notifier;
use crate::error::AppError;

/// A trillion yuan: far above any donation, low enough that sums stay finite.
const MAX_YUAN: f64 = 1e12;
fn status_of_finding(row: &FindingRow) -> FindingStatus {
    row.status
}

fn to_finding(row: FindingRow, author_name: String, tz: Tz) -> Finding {
    Finding {
        status: status_of_finding(&row),
        created_at: local(row.created_at, tz),
        updated_at: local(row.updated_at, tz),
        id: row.id,
        activity_id: row.activity_id,
        author_id: row.user_id,
        author_name,
        title: row.title,
        content: row.content,
        department: row.department,
        response: row.response,
    }
}

fn author_name(conn: &mut DbConnection, user_id: MemberId) -> Result<String, AppError> {
    Ok(users::table
        .find(user_id)
        .select(users::name)
        .get_result(conn)?)
}

fn signup_status(
    conn: &mut DbConnection,
    activity_id: ActivityId,
    user_id: MemberId,
) -> Result<Option<SignupStatus>, AppError> {
    Ok(signups::table
        .filter(signups::activity_id.eq(activity_id))
        .filter(signups::user_id.eq(user_id))
        .select(signups::status)
        .get_result(conn)
        .optional()?)
}

/// A registered member submits a finding on an inspection trip that is
/// published or completed. With an idempotency key, a retry gets the first
/// answer back instead of a second finding.
pub fn submit(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    input: &NewFinding,
    idem: Option<&IdemKey>,
) -> Result<Finding, AppError> {
    let (caller, now, tz) = (&ctx.caller, ctx.now, ctx.tz);
    // The lock serialises two copies of one retried request, so the second
    // finds the first's idempotency record instead of colliding with it.
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    if let Some(previous) = idempotency::replay(conn, idem)? {
        return Ok(previous);
    }
    let registered = signup_status(conn, activity.id, caller.user_id)?
        .is_some_and(|s| s == SignupStatus::Registered);
    if caller.role == Role::Member && !registered {
        // Members learn nothing of activities they may not see.
        activities::visible(conn, ctx, activity_id)?;
    }
    if kind_of(&activity) != ActivityKind::Inspection {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "findings are submitted on inspection trips only",
        ));
    }
    if !matches!(
        status_of(&activity),
        ActivityStatus::Published | ActivityStatus::Completed
    ) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "findings are submitted on published or completed inspection trips",
        ));
    }
    if !registered {
        return Err(AppError::new(
            ErrorCode::NotSignedUp,
            "only members registered for the inspection trip can submit findings",
        ));
    }
    let checked = input.checked()?;
    let row = FindingRow {
        id: FindingId::new_v7(),
        activity_id: activity.id,
        user_id: caller.user_id,
        title: checked.title,
        content: checked.content,
        status: FindingStatus::Submitted,
        department: None,
        response: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(findings::table)
        .values(&row)
        .execute(conn)?;
    let name = author_name(conn, caller.user_id)?;
    let answer = to_finding(row, name, tz);
    idempotency::store(conn, idem, &answer, now)?;
    Ok(answer)
}

/// The findings of an activity: all of them for the office, only the
/// caller's own for a member.
pub fn list_for_activity(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
) -> Result<Vec<Finding>, AppError> {
    let (caller, tz) = (&ctx.caller, ctx.tz);
    let activity = activities::load(conn, caller.committee_id, activity_id)?;
    let office = caller.role != Role::Member;
    if !office && signup_status(conn, activity.id, caller.user_id)?.is_none() {
        activities::visible(conn, ctx, activity_id)?;
    }
    let mut query = findings::table
        .inner_join(users::table)
        .filter(findings::activity_id.eq(&activity.id))
        .select((FindingRow::as_select(), users::name))
        .order((findings::created_at.asc(), findings::id.asc()))
        .into_boxed();
    if !office {
        query = query.filter(findings::user_id.eq(&caller.user_id));
    }
    Ok(query
        .load::<(FindingRow, String)>(conn)?
        .into_iter()
        .map(|(row, name)| to_finding(row, name, tz))
        .collect())
}

/// The caller's own findings, newest first, with the department's response.
pub fn mine(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<Finding>, AppError> {
    let (caller, tz) = (&ctx.caller, ctx.tz);
    Ok(findings::table
        .inner_join(users::table)
        .inner_join(activities_t::table)
        .filter(findings::user_id.eq(&caller.user_id))
        .filter(activities_t::committee_id.eq(&caller.committee_id))
        .select((FindingRow::as_select(), users::name))
        .order((findings::created_at.desc(), findings::id.desc()))
        .load::<(FindingRow, String)>(conn)?
        .into_iter()
        .map(|(row, name)| to_finding(row, name, tz))
        .collect())
}

/// The committee's findings still waiting for the office's decision
/// (submitted, not yet forwarded), oldest first, and how many there are.
pub fn awaiting_decision(
    conn: &mut DbConnection,
    ctx: &Ctx,
    limit: u32,
) -> Result<(Vec<Finding>, i64), AppError> {
    let waiting = || {
        findings::table
            .inner_join(activities_t::table)
            .filter(activities_t::committee_id.eq(&ctx.caller.committee_id))
            .filter(findings::status.eq(FindingStatus::Submitted))
    };
    let total = waiting().count().get_result(conn)?;
    let first = waiting()
        .inner_join(users::table)
        .select((FindingRow::as_select(), users::name))
        .order((findings::created_at.asc(), findings::id.asc()))
        .limit(i64::from(limit))
        .load::<(FindingRow, String)>(conn)?
        .into_iter()
        .map(|(row, name)| to_finding(row, name, ctx.tz))
        .collect();
    Ok((first, total))
}

/// The office moves a finding along `submitted → forwarded → adopted | answered`.
/// The author is told when it is adopted or answered, in the same transaction.
pub fn advance(
    conn: &mut DbConnection,
    ctx: &Ctx,
    finding_id: FindingId,
    patch: &FindingPatch,
) -> Result<Finding, AppError> {
    let (caller, now, tz) = (&ctx.caller, ctx.now, ctx.tz);
    let (row, committee_id): (FindingRow, CommitteeId) = findings::table
        .inner_join(activities_t::table)
        .filter(findings::id.eq(finding_id))
        .filter(activities_t::committee_id.eq(&caller.committee_id))
        .select((FindingRow::as_select(), activities_t::committee_id))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("finding"))?;
    let from = status_of_finding(&row);
    let to = patch.status;
    let allowed = matches!(
        (from, to),
        (FindingStatus::Submitted, FindingStatus::Forwarded)
            | (
                FindingStatus::Forwarded,
                FindingStatus::Adopted | FindingStatus::Answered
            )
    );
    if !allowed {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            format!(
                "a {from} finding cannot become {to}; the path is submitted → forwarded → adopted or answered"
            ),
        ));
    }
    let required = |value: Option<&str>, field: &'static str, max: usize| {
        text(value.unwrap_or_default(), field, max, true)
    };
    let (department, response) = match to {
        FindingStatus::Forwarded => (
            Some(required(
                patch.department.as_deref(),
                "department",
                MAX_PLACE_CHARS,
            )?),
            None,
        ),
        _ => (
            row.department.clone(),
            Some(required(
                patch.response.as_deref(),
                "response",
                MAX_LONG_TEXT_CHARS,
            )?),
        ),
    };
    // Compare-and-set on the status read: of two organizers moving the same
    // finding at once, the second finds it moved and is refused.
    let changed = diesel::update(findings::table)
        .filter(findings::id.eq(&row.id))
        .filter(findings::status.eq(from.as_str()))
        .set((
            findings::status.eq(to.as_str()),
            findings::department.eq(&department),
            findings::response.eq(&response),
            findings::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the finding was changed by someone else; reload it",
        ));
    }
    if let (FindingStatus::Adopted | FindingStatus::Answered, Some(answer)) = (to, &response) {
        let notice = Notice::FindingAnswered(FindingAnswer {
            activity_id: row.activity_id,
            finding_title: &row.title,
            adopted: to == FindingStatus::Adopted,
            department: department.as_deref(),
            answer,
        });
        Notifier::load(conn, committee_id)?.tell(conn, row.user_id, &notice, now)?;
    }
    let name = author_name(conn, row.user_id)?;
    let updated = FindingRow {
        status: to,
        department,
        response,
        updated_at: now,
        ..row
    };
    Ok(to_finding(updated, name, tz))
}

/// Validates an outcome; returns it trimmed, as it will be stored.
fn checked_outcome(input: &Outcome) -> Result<Outcome, AppError> {
    for (value, field) in [
        (input.people_served, "people_served"),
        (input.consultations, "consultations"),
        (input.materials_distributed, "materials_distributed"),
    ] {
        if value < 0 {
            return Err(invalid(field, "must be 0 or more").into());
        }
    }
    if !(0.0..=MAX_YUAN).contains(&input.donated_value_yuan) {
        return Err(invalid(
            "donated_value_yuan",
            "must be a number of yuan from 0 to a trillion",
        )
        .into());
    }
    let notes = text(&input.notes, "notes", MAX_LONG_TEXT_CHARS, false)?;
    if input.photo_urls.len() > MAX_PHOTOS {
        return Err(invalid("photo_urls", format!("at most {MAX_PHOTOS} photos")).into());
    }
    let photo_urls = input
        .photo_urls
        .iter()
        .map(|u| link(u, "photo_urls", MAX_URL_CHARS))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Outcome {
        people_served: input.people_served,
        consultations: input.consultations,
        materials_distributed: input.materials_distributed,
        // -0.0 is 0 yuan.
        donated_value_yuan: input.donated_value_yuan + 0.0,
        notes,
        photo_urls,
    })
}

fn to_outcome(row: OutcomeRow) -> Result<Outcome, AppError> {
    Ok(Outcome {
        people_served: row.people_served,
        consultations: row.consultations,
        materials_distributed: row.materials_distributed,
        donated_value_yuan: row.donated_value_yuan,
        notes: row.notes,
        photo_urls: serde_json::from_str(&row.photo_urls).map_err(AppError::internal)?,
    })
}

/// Records (or replaces) what an outreach activity achieved.
pub fn record_outcome(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    input: &Outcome,
) -> Result<Outcome, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    // The lock makes update-or-insert safe against a concurrent first record.
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    if kind_of(&activity) != ActivityKind::Outreach {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "outcomes are recorded for outreach activities only",
        ));
    }
    if matches!(
        status_of(&activity),
        ActivityStatus::Draft | ActivityStatus::Cancelled
    ) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "outcomes are recorded for published or completed activities",
        ));
    }
    let outcome = checked_outcome(input)?;
    let photos = serde_json::to_string(&outcome.photo_urls).map_err(AppError::internal)?;
    let updated = diesel::update(outcomes::table.find(&activity.id))
        .set((
            outcomes::people_served.eq(outcome.people_served),
            outcomes::consultations.eq(outcome.consultations),
            outcomes::materials_distributed.eq(outcome.materials_distributed),
            outcomes::donated_value_yuan.eq(outcome.donated_value_yuan),
            outcomes::notes.eq(&outcome.notes),
            outcomes::photo_urls.eq(&photos),
            outcomes::recorded_by.eq(&caller.user_id),
            outcomes::recorded_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        let row = OutcomeRow {
            activity_id: activity.id,
            people_served: outcome.people_served,
            consultations: outcome.consultations,
            materials_distributed: outcome.materials_distributed,
            donated_value_yuan: outcome.donated_value_yuan,
            notes: outcome.notes.clone(),
            photo_urls: photos,
            recorded_by: caller.user_id,
            recorded_at: now,
        };
        diesel::insert_into(outcomes::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(outcome)
}

/// The outcome of an activity the caller may see, if one was recorded.
pub fn outcome(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
) -> Result<Outcome, AppError> {
    let activity = activities::visible(conn, ctx, activity_id)?;
    let row = outcomes::table
        .find(&activity.id)
        .select(OutcomeRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("outcome"))?;
    to_outcome(row)
}
