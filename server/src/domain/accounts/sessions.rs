//! Sign-in sessions: login, refresh-token rotation with reuse detection,
//! logout, activation and password change.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::ids::{MemberId, RefreshTokenId, SessionId};
use lvzhi_shared::members::MemberStatus;
use lvzhi_shared::validate;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;
use crate::auth::password::PasswordHasher;
use crate::auth::throttle::{KeyKind, LoginThrottle};
use crate::auth::{Authenticator, Caller};
use crate::clock::Clock;
use crate::config::AuthConfig;
use crate::db::models::{ActivationCodeRow, RefreshTokenRow, UserRow};
use crate::db::schema::{activation_codes, refresh_tokens, users};
use crate::db::{Db, DbConnection};
use crate::domain::committees::TimeZones;
use crate::domain::{accounts::members, notifications::devices};
use crate::error::AppError;

/// What sign-in flows need, handed over by the composition root.
pub struct Sessions {
    pub db: Db,
    pub auth: Arc<Authenticator>,
    pub hasher: Arc<PasswordHasher>,
    pub throttle: LoginThrottle,
    pub time_zones: Arc<TimeZones>,
    pub config: AuthConfig,
    pub clock: Arc<dyn Clock>,
}

fn invalid_credentials() -> AppError {
    AppError::new(
        ErrorCode::InvalidCredentials,
        "手机号或密码不正确 (phone or password is wrong)",
    )
}

fn too_many(wait: u64) -> AppError {
    AppError::new(
        ErrorCode::TooManyAttempts,
        "尝试次数过多，请稍后再试 (too many attempts; wait and try again)",
    )
    .with_retry_after(wait)
}

impl Sessions {
    /// Phone and password → a new session.
    pub async fn login(
        &self,
        phone: &str,
        password: String,
        address: &str,
    ) -> Result<TokenPair, AppError> {
        let user = self.verify_password(phone, password, address).await?;
        self.start_session(user).await
    }

    /// The account these credentials prove, throttled by phone and by
    /// address; the one check behind every sign-in (app and console).
    pub async fn verify_password(
        &self,
        phone: &str,
        password: String,
        address: &str,
    ) -> Result<UserRow, AppError> {
        // Lengths no account can have say nothing about accounts.
        validate::max_chars(phone, "phone", validate::MAX_PHONE_CHARS)?;
        validate::max_chars(&password, "password", validate::MAX_PASSWORD_CHARS)?;
        // A malformed phone is just a wrong credential: the answer must not say more.
        let phone =
            validate::normalize_phone(phone, "phone").unwrap_or_else(|_| phone.trim().to_owned());
        let keys = [
            (KeyKind::Phone, phone.as_str()),
            (KeyKind::Address, address),
        ];
        let attempt = self
            .throttle
            .begin(&keys, Instant::now())
            .map_err(too_many)?;

        let lookup = phone.clone();
        let user = self
            .db
            .run(move |conn| members::find_by_phone(conn, &lookup))
            .await?;
        let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
        if !self.hasher.verify(password, stored_hash).await? {
            let stall = attempt.failed(Instant::now());
            tokio::time::sleep(stall).await;
            return Err(invalid_credentials());
        }
        let user = user.ok_or_else(invalid_credentials)?;
        attempt.succeeded();
        if user.status == MemberStatus::Disabled {
            return Err(AppError::new(
                ErrorCode::AccountDisabled,
                "this account has been disabled",
            ));
        }
        Ok(user)
    }

    /// Opens a new refresh-token family for the account and returns the first pair.
    async fn start_session(&self, user: UserRow) -> Result<TokenPair, AppError> {
        let family = SessionId::new_v7();
        let days = self.config.refresh_token_days;
        let user_id = user.id;
        let now = self.clock.now_naive();
        let refresh = self
            .db
            .write(move |conn| insert_refresh_token(conn, user_id, family, days, now))
            .await?;
        self.token_pair(user, family, refresh).await
    }

    async fn token_pair(
        &self,
        user: UserRow,
        family: SessionId,
        refresh_token: String,
    ) -> Result<TokenPair, AppError> {
        let role = user.role;
        let access_token = self
            .auth
            .jwt
            .issue(user.id, user.committee_id, role, family)?;
        let tz = self.time_zones.of(&self.db, user.committee_id).await?;
        let (committee_id, id) = (user.committee_id, user.id);
        let with_sector = self
            .db
            .run(move |conn| members::get(conn, committee_id, id))
            .await?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in: self.auth.jwt.lifetime_secs(),
            refresh_expires_in: self.config.refresh_token_days * 24 * 3600,
            user: members::to_member(with_sector, tz),
        })
    }

    /// Trades a refresh token for a new pair. A token presented a second time
    /// means it was copied: the whole family is revoked and both holders must sign in again.
    pub async fn refresh(&self, token: &str) -> Result<TokenPair, AppError> {
        validate::max_chars(token, "refresh_token", validate::MAX_TOKEN_CHARS)?;
        let hash = hash_token(token.trim());
        let days = self.config.refresh_token_days;
        let now = self.clock.now_naive();
        let outcome = self
            .db
            .write(move |conn| {
                let invalid = || {
                    AppError::new(
                        ErrorCode::RefreshTokenInvalid,
                        "the session has ended; sign in again",
                    )
                };
                let row: RefreshTokenRow = refresh_tokens::table
                    .filter(refresh_tokens::token_hash.eq(&hash))
                    .select(RefreshTokenRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(invalid)?;
                if row.revoked_at.is_some() || row.expires_at <= now {
                    return Err(invalid());
                }
                // Write first: only one presenter can flip used_at.
                let claimed = diesel::update(refresh_tokens::table.find(&row.id))
                    .filter(refresh_tokens::used_at.is_null())
                    .set(refresh_tokens::used_at.eq(now))
                    .execute(conn)?;
                if claimed == 0 {
                    revoke_family(conn, row.family_id, now)?;
                    return Ok(Rotation::Reused);
                }
                let user: UserRow = users::table
                    .find(row.user_id)
                    .select(UserRow::as_select())
                    .get_result(conn)?;
                if user.status != MemberStatus::Active {
                    revoke_family(conn, row.family_id, now)?;
                    return Err(AppError::new(
                        ErrorCode::AccountDisabled,
                        "this account has been disabled",
                    ));
                }
                let token = insert_refresh_token(conn, user.id, row.family_id, days, now)?;
                Ok(Rotation::Rotated {
                    user: Box::new(user),
                    family: row.family_id,
                    token,
                })
            })
            .await?;
        match outcome {
            Rotation::Rotated {
                user,
                family,
                token,
            } => self.token_pair(*user, family, token).await,
            Rotation::Reused => Err(AppError::new(
                ErrorCode::RefreshTokenReused,
                "this session was used from elsewhere and has been ended; sign in again",
            )),
        }
    }

    /// Ends the session the refresh token belongs to. Unknown tokens are ignored,
    /// so signing out twice is harmless.
    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        validate::max_chars(token, "refresh_token", validate::MAX_TOKEN_CHARS)?;
        let hash = hash_token(token.trim());
        let now = self.clock.now_naive();
        self.db
            .write(move |conn| {
                let family: Option<SessionId> = refresh_tokens::table
                    .filter(refresh_tokens::token_hash.eq(&hash))
                    .select(refresh_tokens::family_id)
                    .get_result(conn)
                    .optional()?;
                if let Some(family) = family {
                    revoke_family(conn, family, now)?;
                }
                Ok(())
            })
            .await
    }

    /// A new member proves the office's code and sets a password.
    pub async fn activate(
        &self,
        phone: &str,
        code: &str,
        new_password: String,
        address: &str,
    ) -> Result<TokenPair, AppError> {
        let phone = validate::normalize_phone(phone, "phone")?;
        validate::max_chars(code, "activation_code", validate::MAX_CODE_CHARS)?;
        validate::new_password(&new_password, "new_password")?;
        let keys = [
            (KeyKind::Phone, phone.as_str()),
            (KeyKind::Address, address),
        ];
        let attempt = self
            .throttle
            .begin(&keys, Instant::now())
            .map_err(too_many)?;
        let code: String = code
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let max_attempts = self.config.activation_max_attempts;
        let now = self.clock.now_naive();

        // First transaction: check the code, counting a wrong guess.
        let lookup_phone = phone.clone();
        let checked = self
            .db
            .write(move |conn| {
                let Some(user) = members::find_by_phone(conn, &lookup_phone)? else {
                    return Ok(None);
                };
                let row: Option<ActivationCodeRow> = activation_codes::table
                    .find(user.id)
                    .select(ActivationCodeRow::as_select())
                    .get_result(conn)
                    .optional()?;
                let Some(row) = row else { return Ok(None) };
                if row.expires_at <= now || row.attempts >= max_attempts {
                    return Ok(None);
                }
                let expected = members::hash_activation_code(user.id, &code);
                if !constant_time_eq(expected.as_bytes(), row.code_hash.as_bytes()) {
                    diesel::update(activation_codes::table.find(user.id))
                        .set(activation_codes::attempts.eq(activation_codes::attempts + 1))
                        .execute(conn)?;
                    return Ok(None);
                }
                Ok(Some((user, row.code_hash)))
            })
            .await?;
        let Some((user, code_hash)) = checked else {
            let stall = attempt.failed(Instant::now());
            tokio::time::sleep(stall).await;
            return Err(AppError::new(
                ErrorCode::ActivationCodeInvalid,
                "激活码无效、已过期或已使用；已激活请直接登录 (the code is wrong, expired or used; if you already activated, sign in)",
            )
            .with_field("activation_code"));
        };
        if user.status == MemberStatus::Disabled {
            return Err(AppError::new(
                ErrorCode::AccountDisabled,
                "this account has been disabled",
            ));
        }

        let password_hash = self.hasher.hash(new_password).await?;
        // Second transaction: consume the code (only once, even if two requests race) and set the password.
        let user_id = user.id;
        let consumed = self
            .db
            .write(move |conn| {
                let deleted = diesel::delete(activation_codes::table.find(user_id))
                    .filter(activation_codes::code_hash.eq(&code_hash))
                    .execute(conn)?;
                if deleted == 0 {
                    return Ok(false);
                }
                diesel::update(users::table.find(user_id))
                    .set((
                        users::password_hash.eq(Some(password_hash)),
                        users::status.eq(MemberStatus::Active.as_str()),
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(true)
            })
            .await?;
        if !consumed {
            return Err(AppError::new(
                ErrorCode::ActivationCodeInvalid,
                "this activation code has already been used",
            )
            .with_field("activation_code"));
        }
        attempt.succeeded();
        let mut user = user;
        user.status = MemberStatus::Active;
        self.start_session(user).await
    }

    /// Changes the caller's password and ends their other sessions.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: String,
        new_password: String,
    ) -> Result<(), AppError> {
        validate::max_chars(&current, "current_password", validate::MAX_PASSWORD_CHARS)?;
        validate::new_password(&new_password, "new_password")?;
        let id = caller.user_id;
        let user: UserRow = self
            .db
            .run(move |conn| {
                Ok(users::table
                    .find(id)
                    .select(UserRow::as_select())
                    .get_result(conn)?)
            })
            .await?;
        if !self
            .hasher
            .verify(current, user.password_hash.clone())
            .await?
        {
            return Err(AppError::new(
                ErrorCode::InvalidCredentials,
                "the current password is wrong",
            )
            .with_field("current_password"));
        }
        let hash = self.hasher.hash(new_password).await?;
        let (id, session) = (caller.user_id, caller.session_id);
        let now = self.clock.now_naive();
        self.db
            .write(move |conn| {
                diesel::update(users::table.find(id))
                    .set((
                        users::password_hash.eq(Some(hash)),
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                members::revoke_sessions(conn, id, Some(session), now)
            })
            .await
    }
}

fn insert_refresh_token(
    conn: &mut DbConnection,
    user_id: MemberId,
    family: SessionId,
    days: i64,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let row = RefreshTokenRow {
        id: RefreshTokenId::new_v7(),
        family_id: family,
        user_id,
        token_hash: hash_token(&token),
        created_at: now,
        expires_at: now + Duration::days(days),
        used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(refresh_tokens::table)
        .values(&row)
        .execute(conn)?;
    Ok(token)
}

/// Refresh tokens are high-entropy, so a plain digest is enough to store them.
fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

enum Rotation {
    Rotated {
        user: Box<UserRow>,
        family: SessionId,
        token: String,
    },
    Reused,
}

/// Ends a session: its refresh tokens die and its phone stops getting pushes.
fn revoke_family(
    conn: &mut DbConnection,
    family: SessionId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::family_id.eq(family))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(now))
        .execute(conn)?;
    devices::forget_session(conn, family)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
