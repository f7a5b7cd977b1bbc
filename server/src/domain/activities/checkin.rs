//! Check-in with a rotating code and attendance marked by the office.
//!
//! The organizer's screen shows a code (as a QR code) that changes every
//! period; it names the activity and the period and carries an HMAC under the
//! activity's own secret, so no code table is needed and a code cannot be
//! forged, moved to another activity or reused after its period.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityStatus, Attendance, AttendanceEntry, CheckinCode, CheckinResult, SignupStatus,
};
use lvzhi_shared::ids::{ActivityId, SignupId};
use sha2::Sha256;

use crate::auth::jwt::hex;
use crate::db::DbConnection;
use crate::db::models::ActivityRow;
use crate::db::schema::signups;
use crate::domain::Ctx;
use crate::domain::activities::{self, status_of};
use crate::domain::committees::local;
use crate::domain::idempotency::{self, IdemKey};
use crate::error::AppError;

/// Seconds a code is shown.
pub const PERIOD_SECONDS: i64 = 45;
/// Check-in opens this long before the start and closes this long after the end.
const EARLY: Duration = Duration::minutes(60);
const LATE: Duration = Duration::minutes(30);

fn mac(activity: &ActivityRow, period: i64) -> Result<String, AppError> {
    let mut m = Hmac::<Sha256>::new_from_slice(activity.checkin_secret.as_bytes())
        .map_err(AppError::internal)?;
    m.update(format!("{}.{period}", activity.id).as_bytes());
    Ok(hex(&m.finalize().into_bytes())[..16].to_owned())
}

/// The six digits that stand for a period's code: a number from its MAC,
/// as a one-time password is (RFC 4226's truncation, simplified).
fn digits(activity: &ActivityRow, period: i64) -> Result<String, AppError> {
    let mac = mac(activity, period)?;
    let n = u32::from_str_radix(&mac[..8], 16).map_err(AppError::internal)?;
    Ok(format!("{:06}", n % 1_000_000))
}

/// The code to show now.
pub fn current_code(
    activity: &ActivityRow,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<CheckinCode, AppError> {
    let period = now.timestamp().div_euclid(PERIOD_SECONDS);
    let expires = DateTime::from_timestamp((period + 1) * PERIOD_SECONDS, 0).unwrap_or(now);
    Ok(CheckinCode {
        code: format!("{}.{period}.{}", activity.id, mac(activity, period)?),
        digits: digits(activity, period)?,
        expires_at: local(expires.naive_utc(), tz),
        period_seconds: i32::try_from(PERIOD_SECONDS).unwrap_or(45),
    })
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
    let invalid = || {
        AppError::new(ErrorCode::CheckinCodeInvalid, "this is not a check-in code")
            .with_field("code")
    };
    let current = now.timestamp().div_euclid(PERIOD_SECONDS);
    let code = code.trim();
    let period = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        // Typed digits: the code shown now or the one just before.
        let mut matched = None;
        for period in [current, current - 1] {
            if digits(&activity, period)? == code {
                matched = Some(period);
            }
        }
        matched.ok_or_else(invalid)?
    } else {
        let mut parts = code.splitn(3, '.');
        let (code_activity, period, code_mac) = match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(p), Some(m)) => (a, p.parse::<i64>().map_err(|_| invalid())?, m),
            _ => return Err(invalid()),
        };
        // The code names the activity as the code was made: in its id's text.
        if code_activity != activity.id.to_string() {
            return Err(AppError::new(
                ErrorCode::CheckinCodeForeign,
                "this code is for another activity",
            )
            .with_field("code"));
        }
        if mac(&activity, period)? != code_mac {
            return Err(invalid());
        }
        period
    };
    // The code shown now, or the one just before (a scan as it changed).
    if !(current - 1..=current).contains(&period) {
        return Err(AppError::new(
            ErrorCode::CheckinCodeExpired,
            "this code has expired; scan the code shown now",
        )
        .with_field("code"));
    }
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
