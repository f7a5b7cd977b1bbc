//! Rotating check-in codes, for activities and meeting sessions alike.
//!
//! The screen at the venue shows a code (as a QR code) that changes every
//! period; it names its subject (an activity or a session) and the period,
//! and carries an HMAC under the subject's own secret, so no code table is
//! needed and a code cannot be forged, moved to another subject or reused
//! after its period. Six digits derived from the same MAC can be typed instead.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::CheckinCode;
use sha2::Sha256;

use crate::auth::jwt::hex;
use crate::domain::committees::local;
use crate::error::AppError;

/// Seconds a code is shown.
pub const PERIOD_SECONDS: i64 = 45;

/// What a code is for: its id as text, and the secret only the server knows.
pub struct Subject<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

fn mac(subject: &Subject<'_>, period: i64) -> Result<String, AppError> {
    let mut m =
        Hmac::<Sha256>::new_from_slice(subject.secret.as_bytes()).map_err(AppError::internal)?;
    m.update(format!("{}.{period}", subject.id).as_bytes());
    Ok(hex(&m.finalize().into_bytes())[..16].to_owned())
}

/// The six digits that stand for a period's code: a number from its MAC,
/// as a one-time password is (RFC 4226's truncation, simplified).
fn digits(subject: &Subject<'_>, period: i64) -> Result<String, AppError> {
    let mac = mac(subject, period)?;
    let n = u32::from_str_radix(&mac[..8], 16).map_err(AppError::internal)?;
    Ok(format!("{:06}", n % 1_000_000))
}

/// The code to show now.
pub fn current(subject: &Subject<'_>, now: DateTime<Utc>, tz: Tz) -> Result<CheckinCode, AppError> {
    let period = now.timestamp().div_euclid(PERIOD_SECONDS);
    let expires = DateTime::from_timestamp((period + 1) * PERIOD_SECONDS, 0).unwrap_or(now);
    Ok(CheckinCode {
        code: format!("{}.{period}.{}", subject.id, mac(subject, period)?),
        digits: digits(subject, period)?,
        expires_at: local(expires.naive_utc(), tz),
        period_seconds: i32::try_from(PERIOD_SECONDS).unwrap_or(45),
    })
}

/// Accepts a scanned code or typed digits for `subject` shown now or in the
/// period just before (a scan as it changed); `foreign` says what a valid
/// code of another subject is called in the error.
pub fn verify(
    subject: &Subject<'_>,
    code: &str,
    now: DateTime<Utc>,
    foreign: &str,
) -> Result<(), AppError> {
    let invalid = || {
        AppError::new(ErrorCode::CheckinCodeInvalid, "this is not a check-in code")
            .with_field("code")
    };
    let current = now.timestamp().div_euclid(PERIOD_SECONDS);
    let code = code.trim();
    let period = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let mut matched = None;
        for period in [current, current - 1] {
            if digits(subject, period)? == code {
                matched = Some(period);
            }
        }
        matched.ok_or_else(invalid)?
    } else {
        let mut parts = code.splitn(3, '.');
        let (code_subject, period, code_mac) = match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(p), Some(m)) => (a, p.parse::<i64>().map_err(|_| invalid())?, m),
            _ => return Err(invalid()),
        };
        if code_subject != subject.id {
            return Err(AppError::new(
                ErrorCode::CheckinCodeForeign,
                format!("this code is for another {foreign}"),
            )
            .with_field("code"));
        }
        if mac(subject, period)? != code_mac {
            return Err(invalid());
        }
        period
    };
    if !(current - 1..=current).contains(&period) {
        return Err(AppError::new(
            ErrorCode::CheckinCodeExpired,
            "this code has expired; scan the code shown now",
        )
        .with_field("code"));
    }
    Ok(())
}
