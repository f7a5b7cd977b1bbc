//! Members' phones: FCM registration tokens, each tied to the sign-in session
//! that registered it, so signing out (or being signed out) stops its pushes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{MemberId, SessionId};
use lvzhi_shared::notifications::{Device, DeviceRegistration, Platform};
use lvzhi_shared::validate::MAX_DEVICE_TOKEN_CHARS;

use crate::db::DbConnection;
use crate::db::models::DeviceRow;
use crate::db::schema::devices;
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::error::AppError;

/// Registers this phone for the caller. A token another account registered
/// (someone else signed in on the same phone) moves to the caller; a token
/// FCM had refused is trusted again, since the app says it is current.
pub fn register(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &DeviceRegistration,
) -> Result<Device, AppError> {
    let (caller, now, tz) = (&ctx.caller, ctx.now, ctx.tz);
    let token = input.token.trim();
    if token.is_empty() {
        return Err(
            AppError::new(ErrorCode::FieldRequired, "the FCM registration token")
                .with_field("token"),
        );
    }
    lvzhi_shared::validate::max_chars(token, "token", MAX_DEVICE_TOKEN_CHARS)?;
    // FCM tokens are about 160 characters of base64 and punctuation; refuse junk.
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            AppError::new(ErrorCode::InvalidField, "not an FCM registration token")
                .with_field("token"),
        );
    }
    let previous: Option<DeviceRow> = devices::table
        .find(token)
        .select(DeviceRow::as_select())
        .get_result(conn)
        .optional()?;
    let created_at = match &previous {
        Some(p) if p.user_id == caller.user_id => p.created_at,
        _ => now,
    };
    diesel::delete(devices::table.find(token)).execute(conn)?;
    let row = DeviceRow {
        token: token.to_owned(),
        user_id: caller.user_id,
        session_id: caller.session_id,
        platform: input.platform,
        created_at,
        updated_at: now,
        disabled_at: None,
        disabled_reason: None,
    };
    diesel::insert_into(devices::table)
        .values(&row)
        .execute(conn)?;
    Ok(Device {
        token: row.token,
        platform: input.platform,
        registered_at: local(created_at, tz),
    })
}

/// Forgets one of the caller's phones. Unknown tokens are ignored (a retried
/// request must not fail), and nobody can remove another member's phone.
pub fn unregister(conn: &mut DbConnection, ctx: &Ctx, token: &str) -> Result<(), AppError> {
    let caller = &ctx.caller;
    diesel::delete(
        devices::table
            .filter(devices::token.eq(token.trim()))
            .filter(devices::user_id.eq(&caller.user_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// The phones registered by these sessions stop getting pushes (sign-out, theft).
pub fn forget_session(conn: &mut DbConnection, session_id: SessionId) -> Result<(), AppError> {
    diesel::delete(devices::table.filter(devices::session_id.eq(session_id))).execute(conn)?;
    Ok(())
}

/// All the member's phones but the one of `keep_session` (password change, disabling).
pub fn forget_user(
    conn: &mut DbConnection,
    user_id: MemberId,
    keep_session: Option<SessionId>,
) -> Result<(), AppError> {
    let mut query = diesel::delete(devices::table)
        .filter(devices::user_id.eq(user_id))
        .into_boxed();
    if let Some(keep) = keep_session {
        query = query.filter(devices::session_id.ne(keep));
    }
    query.execute(conn)?;
    Ok(())
}

/// Marks tokens FCM called dead; they get no more pushes until re-registered.
pub fn disable(
    conn: &mut DbConnection,
    tokens: &[String],
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if tokens.is_empty() {
        return Ok(());
    }
    diesel::update(devices::table.filter(devices::token.eq_any(tokens)))
        .set((
            devices::disabled_at.eq(Some(now)),
            devices::disabled_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live phones of these members: (user id, token, platform).
pub fn live_of(
    conn: &mut DbConnection,
    user_ids: &[MemberId],
) -> Result<Vec<(MemberId, String, Platform)>, AppError> {
    Ok(devices::table
        .filter(devices::user_id.eq_any(user_ids))
        .filter(devices::disabled_at.is_null())
        .select((devices::user_id, devices::token, devices::platform))
        .load(conn)?)
}
