//! Feed addresses. A feed's secret is `HMAC-SHA256(key, nonce)`, the nonce
//! random per issue and stored, the key configured (`auth.calendar_key`) or
//! kept in `calendar_keys`. Only the secret's SHA-256 is stored, to find the
//! feed by; the address can still be shown again, by deriving the secret
//! anew. With the key configured outside the database, a copy of the
//! database alone opens no feed.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use lvzhi_shared::calendar::CalendarScope;
use lvzhi_shared::ids::{CalendarFeedId, MemberId};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::db::models::CalendarFeedRow;
use crate::db::schema::{calendar_feed_events, calendar_feeds, calendar_keys};
use crate::error::AppError;

/// The key feed secrets are derived with. Never printed.
#[derive(Clone)]
pub struct FeedKey(Vec<u8>);

impl std::fmt::Debug for FeedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FeedKey(***)")
    }
}

fn random_b64() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

impl FeedKey {
    /// The configured key, else the database's (made on first start).
    pub fn load(
        conn: &mut DbConnection,
        configured: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Self, AppError> {
        if let Some(k) = configured {
            return Ok(Self(k.as_bytes().to_vec()));
        }
        let stored: Option<String> = calendar_keys::table
            .find(1)
            .select(calendar_keys::secret)
            .get_result(conn)
            .optional()?;
        let secret = match stored {
            Some(s) => s,
            None => {
                let s = random_b64();
                diesel::insert_into(calendar_keys::table)
                    .values((
                        calendar_keys::id.eq(1),
                        calendar_keys::secret.eq(&s),
                        calendar_keys::created_at.eq(now),
                    ))
                    .execute(conn)?;
                s
            }
        };
        Ok(Self(secret.into_bytes()))
    }

    /// The URL secret of a feed with this nonce: 43 characters, base64url.
    fn secret(&self, nonce: &str) -> Result<String, AppError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).map_err(AppError::internal)?;
        mac.update(b"lvzhi calendar feed\0");
        mac.update(nonce.as_bytes());
        Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A feed with its secret, to show its address.
#[derive(Debug, Clone)]
pub struct Feed {
    pub scope: CalendarScope,
    pub secret: String,
    pub issued_at: NaiveDateTime,
}

fn shown(key: &FeedKey, row: &CalendarFeedRow) -> Result<Feed, AppError> {
    Ok(Feed {
        scope: row.scope,
        secret: key.secret(&row.nonce)?,
        issued_at: row.issued_at,
    })
}

/// Serializes issuing for one account on PostgreSQL (SQLite's write
/// transaction already holds the database), so two first asks make one feed.
fn lock_account(conn: &mut DbConnection, user_id: MemberId) -> Result<(), AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(user_id)
            .execute(pg)?;
    }
    Ok(())
}

fn existing(
    conn: &mut DbConnection,
    user_id: MemberId,
    scope: CalendarScope,
) -> Result<Option<CalendarFeedRow>, AppError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::user_id.eq(user_id))
        .filter(calendar_feeds::scope.eq(scope))
        .select(CalendarFeedRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The account's feed of `scope`, issued now if it has none. Run in a
/// write transaction. Who may have a committee feed is the caller's rule.
pub fn get_or_create(
    conn: &mut DbConnection,
    key: &FeedKey,
    user_id: MemberId,
    scope: CalendarScope,
    now: NaiveDateTime,
) -> Result<Feed, AppError> {
    lock_account(conn, user_id)?;
    if let Some(row) = existing(conn, user_id, scope)? {
        return shown(key, &row);
    }
    let nonce = random_b64();
    let row = CalendarFeedRow {
        id: CalendarFeedId::new_v7(),
        user_id,
        scope,
        secret_hash: hash(&key.secret(&nonce)?),
        nonce,
        issued_at: now,
    };
    diesel::insert_into(calendar_feeds::table)
        .values(&row)
        .execute(conn)?;
    shown(key, &row)
}

/// A new secret for the account's feed of `scope` (issued if none): the old
/// address stops working at once. The feed keeps its events' sequence, so
/// a calendar that subscribes again sees the same UIDs move on.
pub fn reissue(
    conn: &mut DbConnection,
    key: &FeedKey,
    user_id: MemberId,
    scope: CalendarScope,
    now: NaiveDateTime,
) -> Result<Feed, AppError> {
    lock_account(conn, user_id)?;
    let Some(row) = existing(conn, user_id, scope)? else {
        return get_or_create(conn, key, user_id, scope, now);
    };
    let nonce = random_b64();
    let secret_hash = hash(&key.secret(&nonce)?);
    diesel::update(calendar_feeds::table.find(row.id))
        .set((
            calendar_feeds::nonce.eq(&nonce),
            calendar_feeds::secret_hash.eq(&secret_hash),
            calendar_feeds::issued_at.eq(now),
        ))
        .execute(conn)?;
    shown(
        key,
        &CalendarFeedRow {
            nonce,
            secret_hash,
            issued_at: now,
            ..row
        },
    )
}

/// Ends the account's feed of `scope`; its address answers 404 from now on.
/// Whether there was one.
pub fn revoke(
    conn: &mut DbConnection,
    user_id: MemberId,
    scope: CalendarScope,
) -> Result<bool, AppError> {
    let Some(row) = existing(conn, user_id, scope)? else {
        return Ok(false);
    };
    diesel::delete(calendar_feed_events::table.filter(calendar_feed_events::feed_id.eq(row.id)))
        .execute(conn)?;
    diesel::delete(calendar_feeds::table.find(row.id)).execute(conn)?;
    Ok(true)
}

/// The feed a URL secret opens, if any. Not a secret of the right shape is
/// no feed, without a query.
pub fn find(conn: &mut DbConnection, secret: &str) -> Result<Option<CalendarFeedRow>, AppError> {
    if secret.len() != 43
        || !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    Ok(calendar_feeds::table
        .filter(calendar_feeds::secret_hash.eq(hash(secret)))
        .select(CalendarFeedRow::as_select())
        .get_result(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_derived_per_nonce_and_key() {
        let key = FeedKey(b"k".repeat(32));
        let a = key.secret("n1").expect("secret");
        assert_eq!(a.len(), 43);
        assert_eq!(a, key.secret("n1").expect("again"), "shown again alike");
        assert_ne!(a, key.secret("n2").expect("other nonce"));
        assert_ne!(a, FeedKey(b"j".repeat(32)).secret("n1").expect("other key"));
        assert_eq!(hash(&a).len(), 64);
        assert!(!format!("{key:?}").contains('k'));
    }
}
