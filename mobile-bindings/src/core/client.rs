//! HTTP plumbing: one keep-alive client, bearer tokens from the app's
//! session store, and a transparent refresh when the access token expires.

use std::sync::Arc;
use std::time::Duration;

use lvzhi_shared::ErrorBody;
use lvzhi_shared::auth::{RefreshRequest, TokenPair};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::Error;
use super::session::{Session, SessionStore};

/// Where the server is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// e.g. `https://lvzhi.example.gov.cn` (the API is under `/api/v1`).
    pub base_url: String,
    /// Per call, connection included.
    pub timeout: Duration,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            timeout: Duration::from_secs(15),
        }
    }
}

/// The Lvzhi API for one app installation. Cheap to share; safe to call concurrently.
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) api: String,
    pub(crate) store: Arc<dyn SessionStore>,
    /// One refresh at a time: calls that fail together wait for it and reuse its result.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

/// One API call, so it can be sent again after a refresh.
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<Payload>,
    pub idempotency_key: Option<String>,
}

/// What a call sends. A file is kept as its parts, so the form can be
/// built again when the call is repeated after a token refresh.
pub(crate) enum Payload {
    Json(Vec<u8>),
    /// The titled file form every upload takes.
    File {
        title: String,
        file_name: String,
        bytes: Vec<u8>,
    },
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            idempotency_key: None,
        }
    }

    pub fn json(mut self, body: &impl Serialize) -> Result<Self, Error> {
        self.body = Some(Payload::Json(serde_json::to_vec(body).map_err(|_| {
            Error::Server {
                message: "the request could not be encoded".into(),
            }
        })?));
        Ok(self)
    }

    pub fn file(mut self, title: &str, file_name: &str, bytes: Vec<u8>) -> Self {
        self.body = Some(Payload::File {
            title: title.to_owned(),
            file_name: file_name.to_owned(),
            bytes,
        });
        self
    }

    pub fn idempotent(mut self, key: String) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

impl Client {
    pub fn new(config: ClientConfig, store: Arc<dyn SessionStore>) -> Result<Self, Error> {
        let base = config.base_url.trim().trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Error::Invalid {
                code: lvzhi_shared::ErrorCode::InvalidField,
                field: Some("base_url".into()),
                message: "the server address must start with https://".into(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|_| Error::Server {
                message: "the HTTP client could not start".into(),
            })?;
        Ok(Self {
            http,
            api: format!("{base}/api/v1"),
            store,
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Whether a session is stored (the app may skip the sign-in screen).
    pub fn is_signed_in(&self) -> bool {
        self.store.load().is_some()
    }

    /// A call without a token (sign-in, activation).
    pub(crate) async fn public<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let (status, bytes) = self.send(&call, None).await?;
        decode(status, &bytes)
    }

    /// A call without a token whose answer has no body.
    pub(crate) async fn send_public_raw(&self, call: Call) -> Result<(StatusCode, Vec<u8>), Error> {
        self.send(&call, None).await
    }

    /// A call as the signed-in user; refreshes the session once if the
    /// access token has expired.
    pub(crate) async fn authed<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let (status, bytes) = self.authed_raw(&call).await?;
        decode(status, &bytes)
    }

    /// Like [`Client::authed`] for calls answered with 204.
    pub(crate) async fn authed_empty(&self, call: Call) -> Result<(), Error> {
        let (status, bytes) = self.authed_raw(&call).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(error_of(status, &bytes))
        }
    }

    /// A file the API serves (a material's or a meeting document's `url`,
    /// `/api/v1/…`), as the signed-in user.
    pub async fn download_file(&self, url: &str) -> Result<Vec<u8>, Error> {
        let path = url
            .strip_prefix("/api/v1/")
            .filter(|rest| !rest.contains("..") && !rest.contains("://"))
            .ok_or_else(|| Error::Invalid {
                code: lvzhi_shared::ErrorCode::InvalidField,
                field: Some("url".into()),
                message: "a file's url as the API gives it (/api/v1/…)".into(),
            })?;
        let (status, bytes) = self
            .authed_raw(&Call::new(Method::GET, format!("/{path}")))
            .await?;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(error_of(status, &bytes))
        }
    }

    async fn authed_raw(&self, call: &Call) -> Result<(StatusCode, Vec<u8>), Error> {
        let session = self.store.load().ok_or(Error::SessionExpired)?;
        let (status, bytes) = self.send(call, Some(&session.access_token)).await?;
        if status != StatusCode::UNAUTHORIZED {
            return Ok((status, bytes));
        }
        let fresh = self.refresh(&session.access_token).await?;
        self.send(call, Some(&fresh.access_token)).await
    }

    async fn send(&self, call: &Call, token: Option<&str>) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut req = self
            .http
            .request(call.method.clone(), format!("{}{}", self.api, call.path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(key) = &call.idempotency_key {
            req = req.header("idempotency-key", key);
        }
        match &call.body {
            Some(Payload::Json(body)) => {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            Some(Payload::File {
                title,
                file_name,
                bytes,
            }) => {
                let part =
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.clone());
                let form = reqwest::multipart::Form::new()
                    .text("title", title.clone())
                    .part("file", part);
                req = req.multipart(form);
            }
            None => {}
        }
        let resp = req.send().await.map_err(|e| Error::network(&e))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = resp.bytes().await.map_err(|e| Error::network(&e))?.to_vec();
        if status.is_success() || status == StatusCode::UNAUTHORIZED && token.is_some() {
            Ok((status, bytes))
        } else if status.is_client_error() || status.is_server_error() {
            let body = serde_json::from_slice::<ErrorBody>(&bytes).ok();
            Err(Error::from_response(status.as_u16(), body, retry_after))
        } else {
            Ok((status, bytes))
        }
    }

    /// Replaces an access token the server refused. Concurrent callers wait
    /// for the one refresh in flight and reuse its result. The refresh runs
    /// as its own task: if the app drops the call, the rotated tokens are
    /// still saved (a lost rotation would end the session on the next try).
    async fn refresh(&self, refused: &str) -> Result<Session, Error> {
        let _one_at_a_time = self.refreshing.lock().await;
        let current = self.store.load().ok_or(Error::SessionExpired)?;
        if current.access_token != refused {
            return Ok(current); // another call refreshed meanwhile
        }
        let (http, url, store) = (
            self.http.clone(),
            format!("{}/auth/refresh", self.api),
            self.store.clone(),
        );
        let task = tokio::spawn(async move {
            let resp = http
                .post(url)
                .json(&RefreshRequest {
                    refresh_token: current.refresh_token.clone(),
                })
                .send()
                .await
                .map_err(|e| Error::network(&e))?;
            let status = resp.status();
            let bytes = resp.bytes().await.map_err(|e| Error::network(&e))?;
            if status.is_success() {
                let pair: TokenPair = decode(status, &bytes)?;
                let session = session_of(&pair);
                store.save(session.clone());
                Ok(session)
            } else if status.is_client_error() {
                // The refresh token is dead (expired, revoked, or reused): sign in again.
                store.clear();
                Err(Error::SessionExpired)
            } else {
                Err(error_of(status, &bytes))
            }
        });
        task.await.map_err(|_| Error::Server {
            message: "the session refresh was interrupted".into(),
        })?
    }
}

pub(crate) fn session_of(pair: &TokenPair) -> Session {
    Session {
        access_token: pair.access_token.clone(),
        refresh_token: pair.refresh_token.clone(),
        user_id: pair.user.id,
    }
}

fn decode<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, Error> {
    if !status.is_success() {
        return Err(error_of(status, bytes));
    }
    serde_json::from_slice(bytes).map_err(|_| Error::Server {
        message: "the server's answer could not be read".into(),
    })
}

fn error_of(status: StatusCode, bytes: &[u8]) -> Error {
    let body = serde_json::from_slice::<ErrorBody>(bytes).ok();
    match (status, body) {
        // A token refused even after a refresh: the session is gone.
        (StatusCode::UNAUTHORIZED, _) => Error::SessionExpired,
        (s, body) => Error::from_response(s.as_u16(), body, None),
    }
}
