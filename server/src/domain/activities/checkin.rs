//! Check-in with a rotating code (`domain::rotating_codes`) and attendance
//! marked by the office.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityStatus, Attendance, AttendanceEntry, CheckinCode, CheckinResult, SignupStatus,
};
use lvzhi_shared::ids::{ActivityId, SignupId};

use crate::db::DbConnection;
use crate::db::models::ActivityRow;
use crate::db::schema::signups;
use crate::domain::Ctx;
use crate::domain::activities::{self, status_of};
use crate::domain::committees::local;
use crate::domain::idempotency::{self, IdemKey};
use crate::domain::rotating_codes::{self, Subject};
use crate::error::AppError;

/// Check-in opens this long before the start and closes this long after the end.
const EARLY: Duration = Duration::minutes(60);
const LATE: Duration = Duration::minutes(30);

fn subject(activity: &ActivityRow) -> (String, &str) {
    (activity.id.to_string(), activity.checkin_secret.as_str())
}

/// The code to show now.
pub fn current_code(
    activity: &ActivityRow,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<CheckinCode, AppError> {
    let (id, secret) = subject(activity);
    rotating_codes::current(&Subject { id: &id, secret }, now, tz)
}

/// Whether check-in is open for `activity` at `now`: published, and from an
/// hour before the start to half an hour after the end.
pub fn is_open(activity: &ActivityRow, now: NaiveDateTime) -> bool {
    status_of(activity) == ActivityStatus::Published
        && now >= activity.starts_at - EARLY
        && now <= activity.ends_at + LATE
}

/// How many are registered, and how many of them have checked in.
pub fn tally(conn: &mut DbConnection, activity_id: ActivityId) -> Result<(i64, i64), AppError> {
    let registered = signups::table
        .filter(signups::activity_id.eq(activity_id))
        .filter(signups::status.eq(SignupStatus::Registered.as_str()));
    let all: i64 = registered.count().get_result(conn)?;
    let checked_in: i64 = registered
        .filter(signups::checked_in_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((all, checked_in))
}

/// A registered member checks in with a scanned code.
pub fn check_in(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    code: &str,
    idem: Option<&IdemKey>,
) -> Result<CheckinResult, AppError> {
    let (caller, now, tz) = (&ctx.caller, ctx.now.and_utc(), ctx.tz);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    if let Some(previous) = idempotency::replay(conn, idem)? {
        return Ok(previous);
    }
    let (id, secret) = subject(&activity);
    rotating_codes::verify(&Subject { id: &id, secret }, code, now, "activity")?;
    let now_naive = now.naive_utc();
    if !is_open(&activity, now_naive) {
        return Err(AppError::new(
            ErrorCode::CheckinNotOpen,
            "check-in is open from an hour before the start to half an hour after the end",
        ));
    }
    let row: (SignupId, String, Option<NaiveDateTime>) = signups::table
        .filter(signups::activity_id.eq(&activity.id))
        .filter(signups::user_id.eq(&caller.user_id))
        .select((signups::id, signups::status, signups::checked_in_at))
        .get_result(conn)
        .optional()?
        .filter(|(_, s, _)| s == SignupStatus::Registered.as_str())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::NotSignedUp,
                "only registered members can check in",
            )
        })?;
    if row.2.is_some() {
        return Err(AppError::new(
            ErrorCode::AlreadyCheckedIn,
            "you have already checked in",
        ));
    }
    diesel::update(signups::table.find(&row.0))
        .set((
            signups::checked_in_at.eq(Some(now_naive)),
            signups::attendance.eq(Some(Attendance::Attended.as_str())),
            signups::updated_at.eq(now_naive),
        ))
        .execute(conn)?;
    let answer = CheckinResult {
        activity_id: activity.id,
        checked_in_at: local(now_naive, tz),
    };
    idempotency::store(conn, idem, &answer, now_naive)?;
    Ok(answer)
}

/// The office marks attendance for registered members in bulk.
pub fn mark_attendance(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    entries: &[AttendanceEntry],
) -> Result<i32, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    if now < activity.starts_at {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "attendance can be marked once the activity has started",
        ));
    }
    if status_of(&activity) == ActivityStatus::Draft
        || status_of(&activity) == ActivityStatus::Cancelled
    {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "attendance is for published or completed activities",
        ));
    }
    let mut updated = 0;
    for e in entries {
        let n = diesel::update(signups::table)
            .filter(signups::activity_id.eq(&activity.id))
            .filter(signups::user_id.eq(&e.member_id))
            .filter(signups::status.eq(SignupStatus::Registered.as_str()))
            .set((
                signups::attendance.eq(Some(e.attendance.as_str())),
                signups::updated_at.eq(now),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::new(
                ErrorCode::NotSignedUp,
                "a listed member is not registered for this activity",
            )
            .with_field("entries"));
        }
        updated += 1;
    }
    Ok(updated)
}
