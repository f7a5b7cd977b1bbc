//! OAuth2 access tokens for FCM from a service-account JWT assertion (RS256,
//! RFC 7523): the assertion is posted to the token URI, the access token that
//! comes back is cached and refreshed shortly before it expires.
//!
//! Many sends share one [`TokenSource`]: the read path is a short read lock,
//! and at most one refresh is in flight at a time. Tasks that queued behind a
//! refresh that failed get that failure instead of each trying again.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};

/// The scope FCM HTTP v1 needs.
pub(crate) const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime asked for in the assertion (Google's maximum).
const ASSERTION_SECONDS: i64 = 3600;
/// Refresh this long before expiry (or a tenth of the lifetime, if that is shorter).
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// After a failed refresh-ahead, keep using the still-valid token this long before trying again.
const AHEAD_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// Why no access token could be had. The text is a short reason for the
/// outbox and logs; it never holds the key, the assertion or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct TokenError(pub(crate) String);

/// An access token ready to put on a request.
#[derive(Clone)]
pub(crate) struct AccessToken {
    /// `Bearer …`, marked sensitive.
    pub(crate) header: HeaderValue,
    /// Which token this is, for [`TokenSource::invalidate`].
    pub(crate) generation: u64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

#[derive(Default)]
struct RefreshLog {
    /// The error of the most recent refresh, if it failed (cleared by a success).
    last_error: Option<TokenError>,
    last_failure_at: Option<Instant>,
}

/// The service account's signing identity.
pub(crate) struct Signer {
    pub(crate) client_email: String,
    pub(crate) key_id: String,
    key: EncodingKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("client_email", &self.client_email)
            .field("key_id", &self.key_id)
            .field("key", &"***")
            .finish()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

impl Signer {
    /// Reads a PEM private key (PKCS#8 `PRIVATE KEY`, as Google issues them,
    /// or PKCS#1 `RSA PRIVATE KEY`) and checks that it can sign. Errors never
    /// quote the key.
    pub(crate) fn new(client_email: String, key_id: String, pem: &str) -> Result<Self, String> {
        // Keys copied through environment variables sometimes keep `\n` literally.
        let pem = pem.replace("\\n", "\n");
        let key = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|_| "private_key is not a PEM RSA private key".to_owned())?;
        let signer = Self {
            client_email,
            key_id,
            key,
        };
        signer
            .assertion("https://example.invalid/token", 0)
            .map_err(|_| "private_key is not a usable RSA private key".to_owned())?;
        Ok(signer)
    }

    /// The signed assertion JWT for `aud`, issued at `now` (Unix seconds).
    pub(crate) fn assertion(
        &self,
        aud: &str,
        now: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key_id.clone());
        let claims = AssertionClaims {
            iss: &self.client_email,
            scope: FCM_SCOPE,
            aud,
            iat: now,
            exp: now + ASSERTION_SECONDS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
    }
}

/// Access tokens for one service account, cached.
pub(crate) struct TokenSource {
    http: reqwest::Client,
    token_uri: String,
    signer: Signer,
    current: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<RefreshLog>,
    /// Refreshes finished (successful or not); also numbers the tokens.
    refreshes: AtomicU64,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_uri", &self.token_uri)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorBody {
    error: Option<String>,
}

impl TokenSource {
    pub(crate) fn new(http: reqwest::Client, token_uri: String, signer: Signer) -> Self {
        Self {
            http,
            token_uri,
            signer,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(RefreshLog::default()),
            refreshes: AtomicU64::new(0),
        }
    }

    pub(crate) fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// A token that is valid now: the cached one, or a new one.
    pub(crate) async fn get(&self) -> Result<AccessToken, TokenError> {
        let now = Instant::now();
        let usable = match self.peek(now) {
            Some((token, false)) => return Ok(token),
            Some((token, true)) => Some(token),
            None => None,
        };
        if let Some(token) = usable {
            // Due for a refresh but still valid: one task refreshes ahead,
            // the others go on with the token they have.
            let Ok(mut log) = self.refresh.try_lock() else {
                return Ok(token);
            };
            if let Some((fresh, false)) = self.peek(Instant::now()) {
                return Ok(fresh);
            }
            if log
                .last_failure_at
                .is_some_and(|at| at.elapsed() < AHEAD_RETRY_PAUSE)
            {
                return Ok(token);
            }
            return match self.fetch(&mut log).await {
                Ok(fresh) => Ok(fresh),
                Err(_) => Ok(token),
            };
        }
        let seen = self.refreshes.load(Ordering::Acquire);
        let mut log = self.refresh.lock().await;
        if let Some((token, _)) = self.peek(Instant::now()) {
            // Someone else refreshed while this task waited.
            return Ok(token);
        }
        if self.refreshes.load(Ordering::Acquire) != seen
            && let Some(error) = &log.last_error
        {
            // The refresh this task waited for failed just now; share its answer.
            return Err(error.clone());
        }
        self.fetch(&mut log).await
    }

    /// Forgets the token `rejected` if it is still the cached one (FCM said 401).
    pub(crate) fn invalidate(&self, rejected: &AccessToken) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current
            .as_ref()
            .is_some_and(|c| c.token.generation == rejected.generation)
        {
            *current = None;
        }
    }

    /// The cached token if it is still valid, with whether it is due for a refresh.
    fn peek(&self, now: Instant) -> Option<(AccessToken, bool)> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        let cached = current.as_ref()?;
        (now < cached.expires_at).then(|| (cached.token.clone(), now >= cached.refresh_at))
    }

    /// Asks the token endpoint; call with the refresh lock held.
    async fn fetch(&self, log: &mut RefreshLog) -> Result<AccessToken, TokenError> {
        let started = Instant::now();
        let result = self.request().await;
        let generation = self.refreshes.fetch_add(1, Ordering::AcqRel) + 1;
        match result {
            Ok((access_token, lifetime)) => {
                let mut header = HeaderValue::from_str(&format!("Bearer {access_token}"))
                    .map_err(|_| TokenError("oauth: unusable access_token".into()))?;
                header.set_sensitive(true);
                let token = AccessToken { header, generation };
                let (refresh_at, expires_at) = schedule(started, lifetime);
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
                    token: token.clone(),
                    refresh_at,
                    expires_at,
                });
                log.last_error = None;
                log.last_failure_at = None;
                tracing::debug!(
                    lifetime_secs = lifetime.as_secs(),
                    "fcm access token refreshed"
                );
                Ok(token)
            }
            Err(error) => {
                tracing::warn!(reason = %error, "fcm access token refresh failed");
                log.last_error = Some(error.clone());
                log.last_failure_at = Some(Instant::now());
                Err(error)
            }
        }
    }

    async fn request(&self) -> Result<(String, Duration), TokenError> {
        let assertion = self
            .signer
            .assertion(&self.token_uri, chrono::Utc::now().timestamp())
            .map_err(|_| TokenError("oauth: cannot sign the assertion".into()))?;
        let response = self
            .http
            .post(&self.token_uri)
            .form(&[
                ("grant_type", GRANT_TYPE),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| TokenError(format!("oauth: {}", network_reason(&e))))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| TokenError(format!("oauth: {}", network_reason(&e))))?;
        if !status.is_success() {
            let code = serde_json::from_slice::<TokenErrorBody>(&body)
                .ok()
                .and_then(|b| b.error)
                .map(|e| short(&e))
                .unwrap_or_default();
            let reason = format!("oauth: HTTP {} {code}", status.as_u16());
            return Err(TokenError(reason.trim_end().to_owned()));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| TokenError("oauth: malformed token response".into()))?;
        if let Some(kind) = &parsed.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(TokenError(format!("oauth: token_type {}", short(kind))));
        }
        if parsed.access_token.is_empty() {
            return Err(TokenError("oauth: empty access_token".into()));
        }
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600).max(1));
        Ok((parsed.access_token, lifetime))
    }
}

/// When a token obtained at `obtained` with `lifetime` is due for a refresh, and when it expires.
fn schedule(obtained: Instant, lifetime: Duration) -> (Instant, Instant) {
    let margin = REFRESH_MARGIN.min(lifetime / 10);
    (obtained + (lifetime - margin), obtained + lifetime)
}

/// A short, secret-free description of a transport error.
pub(crate) fn network_reason(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect error"
    } else if e.is_body() || e.is_decode() {
        "broken response"
    } else {
        "network error"
    }
}

/// At most 40 visible ASCII characters of a server-supplied code.
pub(crate) fn short(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The throwaway test key of the fake FCM server (tests/fixtures).
    const TEST_KEY: &str = include_str!("../../../tests/fixtures/fake-fcm-key.pem");
    const TEST_PUBLIC_KEY: &str = include_str!("../../../tests/fixtures/fake-fcm-key.pub.pem");

    #[test]
    fn refresh_margin_is_five_minutes_or_a_tenth() {
        let t0 = Instant::now();
        let (refresh, expiry) = schedule(t0, Duration::from_secs(3600));
        assert_eq!(refresh - t0, Duration::from_secs(3300));
        assert_eq!(expiry - t0, Duration::from_secs(3600));
        let (refresh, expiry) = schedule(t0, Duration::from_secs(20));
        assert_eq!(refresh - t0, Duration::from_secs(18));
        assert_eq!(expiry - t0, Duration::from_secs(20));
    }

    #[test]
    fn pkcs8_key_signs_an_assertion_google_would_accept() {
        let signer = Signer::new(
            "sa@p.iam.gserviceaccount.com".into(),
            "kid-1".into(),
            TEST_KEY,
        )
        .expect("test key loads");
        let jwt = signer
            .assertion("https://oauth2.example/token", 1_700_000_000)
            .expect("signs");
        let header = jsonwebtoken::decode_header(&jwt).expect("header");
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some("kid-1"));
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.set_audience(&["https://oauth2.example/token"]);
        validation.set_issuer(&["sa@p.iam.gserviceaccount.com"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(
            &jwt,
            &jsonwebtoken::DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes())
                .expect("public key"),
            &validation,
        )
        .expect("verifies with the public key")
        .claims;
        assert_eq!(claims["scope"], FCM_SCOPE);
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["exp"], 1_700_003_600);
    }

    #[test]
    fn escaped_newlines_are_accepted() {
        let escaped = TEST_KEY.replace('\n', "\\n");
        assert!(Signer::new("a@b".into(), "k".into(), &escaped).is_ok());
    }

    #[test]
    fn bad_keys_are_refused_without_quoting_them() {
        Signer::new("a@b".into(), "k".into(), TEST_PUBLIC_KEY)
            .expect_err("a public key cannot sign");
        let garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END PRIVATE KEY-----\n";
        let error = Signer::new("a@b".into(), "k".into(), garbage).expect_err("not a key");
        assert!(!error.contains("c2VjcmV0"), "{error}");
        let error = Signer::new("a@b".into(), "k".into(), "secret-stuff").expect_err("not pem");
        assert!(!error.contains("secret-stuff"), "{error}");
    }

    #[test]
    fn short_codes_are_bounded() {
        assert_eq!(short("invalid_grant"), "invalid_grant");
        assert_eq!(short("a b\nc"), "abc");
        assert_eq!(short(&"x".repeat(100)).len(), 40);
    }
}
