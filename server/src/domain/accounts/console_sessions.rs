//! The office's console sessions: a random token in an HttpOnly cookie, of
//! which only the SHA-256 is stored. A session ends when revoked (sign-out;
//! password change and disabling through [`super::members::revoke_sessions`]),
//! after the idle timeout, or at its absolute expiry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ids::{MemberId, SessionId};
use lvzhi_shared::members::MemberStatus;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;
use crate::config::ConsoleConfig;
use crate::db::DbConnection;
use crate::db::models::{ConsoleSessionRow, UserRow};
use crate::db::schema::{committees, console_sessions, users};
use crate::error::AppError;

/// Last-seen times are written at most this often: a clerk clicking through
/// pages should not turn every read into a write.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A session just opened: the cookie's value (shown once) and the row.
pub struct Opened {
    pub token: String,
    pub session: ConsoleSessionRow,
}

/// A live session with its account and the account's committee's name.
pub struct Live {
    pub session: ConsoleSessionRow,
    pub user: UserRow,
    pub committee_name: String,
}

/// 32 random bytes, URL-safe: a session token, a CSRF token.
pub fn random_token() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Opens a session for an account that has just proved its password.
pub fn open(
    conn: &mut DbConnection,
    user_id: MemberId,
    config: &ConsoleConfig,
    now: NaiveDateTime,
) -> Result<Opened, AppError> {
    let token = random_token();
    let session = ConsoleSessionRow {
        id: SessionId::new_v7(),
        token_hash: hash_token(&token),
        user_id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::hours(config.absolute_hours),
        revoked_at: None,
    };
    diesel::insert_into(console_sessions::table)
        .values(&session)
        .execute(conn)?;
    Ok(Opened { token, session })
}

/// The live session the cookie's token names, if any, marking it seen.
/// Revoked, idle, expired sessions and disabled accounts are `None`.
pub fn find_live(
    conn: &mut DbConnection,
    token: &str,
    config: &ConsoleConfig,
    now: NaiveDateTime,
) -> Result<Option<Live>, AppError> {
    let found: Option<(ConsoleSessionRow, UserRow, String)> = console_sessions::table
        .inner_join(users::table.inner_join(committees::table))
        .filter(console_sessions::token_hash.eq(hash_token(token)))
        .select((
            ConsoleSessionRow::as_select(),
            UserRow::as_select(),
            committees::name,
        ))
        .first(conn)
        .optional()?;
    let Some((mut session, user, committee_name)) = found else {
        return Ok(None);
    };
    let idle_since = now - Duration::minutes(config.idle_minutes);
    if session.revoked_at.is_some()
        || session.expires_at <= now
        || session.last_seen_at <= idle_since
        || user.status == MemberStatus::Disabled
    {
        return Ok(None);
    }
    if now - session.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECONDS) {
        diesel::update(console_sessions::table.find(session.id))
            .set(console_sessions::last_seen_at.eq(now))
            .execute(conn)?;
        session.last_seen_at = now;
    }
    Ok(Some(Live {
        session,
        user,
        committee_name,
    }))
}

/// Ends one session (signing out). Ending an ended session changes nothing.
pub fn close(conn: &mut DbConnection, id: SessionId, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(console_sessions::table.find(id))
        .filter(console_sessions::revoked_at.is_null())
        .set(console_sessions::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}
