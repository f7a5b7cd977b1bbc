//! Access tokens: HS256 JWTs carrying user, committee and role.
//!
//! The signing secret comes from configuration or is generated once and kept
//! in the database, so a restart signs nobody out. Verification pins HS256
//! and accepts the current key and the previous one, found by `kid`, so a key
//! can be rotated (`lvzhi-server rotate-key`) without signing anyone out.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::Role;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::config::AuthConfig;
use crate::db::models::SigningKeyRow;
use crate::db::schema::signing_keys;
use crate::db::{Db, DbConnection};
use crate::error::AppError;

/// The `typ` claim of an access token; anything else is refused.
const ACCESS: &str = "access";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// User id.
    pub sub: MemberId,
    /// Committee id.
    pub cid: CommitteeId,
    pub role: String,
    /// Session (refresh-token family) id.
    pub sid: SessionId,
    pub typ: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKey {
    fn new(kid: String, secret: &[u8]) -> Self {
        Self {
            kid,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }
}

pub struct JwtKeys {
    current: SigningKey,
    previous: Option<SigningKey>,
    lifetime_secs: i64,
    validation: Validation,
    /// Times are judged by the application's clock, not the system's, so
    /// expiry follows the same clock as every other rule (and tests can move it).
    clock: Arc<dyn Clock>,
}

/// Seconds of clock skew forgiven when checking `nbf` and `exp`.
const LEEWAY_SECS: i64 = 5;

impl JwtKeys {
    /// Keys from configuration if set there, else the two newest stored keys
    /// (generating the first one on an empty database).
    pub fn load(db: &Db, cfg: &AuthConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let (current, previous) = match &cfg.jwt_secret {
            Some(secret) => (
                configured_key(&secret.0),
                cfg.jwt_previous_secret
                    .as_ref()
                    .map(|s| configured_key(&s.0)),
            ),
            None => {
                let mut conn = db.get()?;
                let mut stored = newest_keys(&mut conn)?;
                if stored.is_empty() {
                    insert_new_key(&mut conn, clock.now_naive())?;
                    stored = newest_keys(&mut conn)?;
                }
                let mut keys = stored.into_iter().map(|row| decode_row(&row));
                let current = keys
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("no signing key stored"))??;
                let previous = keys.next().transpose()?;
                (current, previous)
            }
        };
        // jsonwebtoken checks signature, algorithm and required claims; the
        // times are checked in `verify` against our clock.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        Ok(Self {
            current,
            previous,
            lifetime_secs: cfg.access_token_minutes * 60,
            validation,
            clock,
        })
    }

    /// Seconds an access token lives.
    pub fn lifetime_secs(&self) -> i64 {
        self.lifetime_secs
    }

    /// Signs an access token for this account.
    pub fn issue(
        &self,
        user_id: MemberId,
        committee_id: CommitteeId,
        role: Role,
        session_id: SessionId,
    ) -> Result<String, AppError> {
        let now = self.clock.now().timestamp();
        let claims = AccessClaims {
            sub: user_id,
            cid: committee_id,
            role: role.as_str().to_owned(),
            sid: session_id,
            typ: ACCESS.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.lifetime_secs,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.current.encoding).map_err(AppError::internal)
    }

    /// Checks signature, algorithm, key id, times and token type.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, AppError> {
        let invalid = || AppError::unauthorized("the access token is invalid");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.kid == kid)
            .ok_or_else(invalid)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &self.validation)
            .map_err(|_| invalid())?;
        let claims = data.claims;
        if claims.typ != ACCESS || Role::parse(&claims.role).is_none() {
            return Err(invalid());
        }
        let now = self.clock.now().timestamp();
        if claims.nbf > now + LEEWAY_SECS {
            return Err(invalid());
        }
        if claims.exp <= now - LEEWAY_SECS {
            return Err(AppError::new(
                ErrorCode::TokenExpired,
                "the access token has expired; refresh it",
            ));
        }
        Ok(claims)
    }
}

/// Adds a new signing key, which becomes current at the next start; the one
/// it replaces stays valid as the previous key. Returns the new key id.
pub fn rotate(db: &Db, clock: &dyn Clock) -> anyhow::Result<String> {
    let mut conn = db.get()?;
    insert_new_key(&mut conn, clock.now_naive())
}

fn configured_key(secret: &str) -> SigningKey {
    let digest = Sha256::digest(secret.as_bytes());
    let kid = format!("cfg-{}", &hex(&digest)[..12]);
    SigningKey::new(kid, secret.as_bytes())
}

fn newest_keys(conn: &mut DbConnection) -> anyhow::Result<Vec<SigningKeyRow>> {
    Ok(signing_keys::table
        .select(SigningKeyRow::as_select())
        .order((signing_keys::created_at.desc(), signing_keys::kid.desc()))
        .limit(2)
        .load(conn)?)
}

fn insert_new_key(conn: &mut DbConnection, now: NaiveDateTime) -> anyhow::Result<String> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let row = SigningKeyRow {
        kid: format!("k-{}", uuid::Uuid::now_v7()),
        secret: URL_SAFE_NO_PAD.encode(secret),
        created_at: now,
    };
    diesel::insert_into(signing_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.kid)
}

fn decode_row(row: &SigningKeyRow) -> anyhow::Result<SigningKey> {
    let secret = URL_SAFE_NO_PAD
        .decode(&row.secret)
        .map_err(|_| anyhow::anyhow!("stored signing key {} is corrupt", row.kid))?;
    Ok(SigningKey::new(row.kid.clone(), &secret))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
