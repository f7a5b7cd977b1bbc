//! Idempotency keys: a phone retrying on a weak signal sends the same
//! `Idempotency-Key`, and gets the first answer back instead of acting twice.
//!
//! Callers look the key up after taking the lock the operation needs, so two
//! copies of one request arriving together are serialised and the second is
//! answered from the first.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::MemberId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;
use crate::db::DbConnection;
use crate::db::models::IdempotencyRow;
use crate::db::schema::idempotency_keys;
use crate::error::AppError;

/// A key as sent by one user for one request.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub user_id: MemberId,
    pub key: String,
    /// Digest of what the request asks (operation, target, body).
    pub request_hash: String,
}

/// Longest `Idempotency-Key`, in (visible ASCII) characters.
pub const MAX_KEY_CHARS: usize = 128;

impl IdemKey {
    /// Validates the header value and binds it to the request it came with:
    /// `operation` on `target` (an activity, a meeting …), with `body`.
    pub fn new(
        user_id: MemberId,
        key: Option<&str>,
        operation: &str,
        target: impl std::fmt::Display,
        body: &str,
    ) -> Result<Option<Self>, AppError> {
        let Some(key) = key else { return Ok(None) };
        let key = key.trim();
        if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(AppError::new(
                ErrorCode::InvalidParameter,
                "Idempotency-Key must be 1 to 128 visible ASCII characters",
            )
            .with_field("Idempotency-Key"));
        }
        let request_hash = hex(&Sha256::digest(
            format!("{operation}\n{target}\n{body}").as_bytes(),
        ));
        Ok(Some(Self {
            user_id,
            key: key.to_owned(),
            request_hash,
        }))
    }
}

/// The stored answer for this key, if the request was done before; an error
/// if the key was used for a different request.
pub fn replay<T: DeserializeOwned>(
    conn: &mut DbConnection,
    key: Option<&IdemKey>,
) -> Result<Option<T>, AppError> {
    let Some(key) = key else { return Ok(None) };
    let row: Option<IdempotencyRow> = idempotency_keys::table
        .find((&key.user_id, &key.key))
        .select(IdempotencyRow::as_select())
        .get_result(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some(r) if r.request_hash != key.request_hash => Err(AppError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used for a different request",
        )
        .with_field("Idempotency-Key")),
        Some(r) => serde_json::from_str(&r.body)
            .map(Some)
            .map_err(AppError::internal),
    }
}

/// Records the answer under the key, in the operation's transaction.
pub fn store<T: Serialize>(
    conn: &mut DbConnection,
    key: Option<&IdemKey>,
    answer: &T,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let Some(key) = key else { return Ok(()) };
    let row = IdempotencyRow {
        user_id: key.user_id,
        key: key.key.clone(),
        request_hash: key.request_hash.clone(),
        status: 200,
        body: serde_json::to_string(answer).map_err(AppError::internal)?,
        created_at: now,
    };
    diesel::insert_into(idempotency_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// A form's one-time token (the console puts one in every form that
/// creates something): the first submission does `work`; any later one
/// with the same token gets the first one's answer, so a double click or
/// a reload creates one thing. The claim is taken first, in the caller's
/// transaction: a second submission arriving meanwhile waits for the
/// first to commit (PostgreSQL's unique index; SQLite's single writer),
/// then finds its answer. A token that is not one of ours does the work.
pub fn once<T, F>(
    conn: &mut DbConnection,
    user_id: MemberId,
    operation: &str,
    token: &str,
    now: chrono::NaiveDateTime,
    work: F,
) -> Result<T, AppError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
{
    let token = token.trim();
    if token.is_empty()
        || token.len() > 64
        || !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return work(conn);
    }
    let key = format!("form:{operation}:{token}");
    let request_hash = hex(&Sha256::digest(operation.as_bytes()));
    // ON CONFLICT DO NOTHING is spelled alike in both; only placeholders differ.
    let insert = |placeholders: &str| {
        format!(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) \
             VALUES ({placeholders}) ON CONFLICT DO NOTHING"
        )
    };
    use diesel::sql_types::{Integer, Text, Timestamp};
    let claimed = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(insert("$1, $2, $3, $4, $5, $6"))
            .bind::<Text, _>(user_id)
            .bind::<Text, _>(&key)
            .bind::<Text, _>(&request_hash)
            .bind::<Integer, _>(200)
            .bind::<Text, _>("")
            .bind::<Timestamp, _>(now)
            .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(insert("?, ?, ?, ?, ?, ?"))
            .bind::<Text, _>(user_id)
            .bind::<Text, _>(&key)
            .bind::<Text, _>(&request_hash)
            .bind::<Integer, _>(200)
            .bind::<Text, _>("")
            .bind::<Timestamp, _>(now)
            .execute(lite)?,
    };
    if claimed == 0 {
        let body: String = idempotency_keys::table
            .find((&user_id, &key))
            .select(idempotency_keys::body)
            .get_result(conn)?;
        return serde_json::from_str(&body).map_err(AppError::internal);
    }
    let answer = work(conn)?;
    diesel::update(idempotency_keys::table.find((&user_id, &key)))
        .set(idempotency_keys::body.eq(serde_json::to_string(&answer).map_err(AppError::internal)?))
        .execute(conn)?;
    Ok(answer)
}
