//! The FCM HTTP v1 client: `POST {base}/v1/projects/{project}/messages:send`,
//! authorised by an OAuth2 access token from a service-account assertion.
//!
//! One `reqwest::Client` with a keep-alive pool serves both FCM and the token
//! endpoint; over TLS it speaks HTTP/2 when the server offers it (ALPN), so
//! many sends share few connections.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::oauth::{AccessToken, Signer, TokenSource, network_reason, short};
use crate::config::PushConfig;

/// One push to one device.
#[derive(Debug, Clone)]
pub struct Push {
    /// The device's FCM registration token.
    pub token: String,
    pub title: String,
    pub body: String,
    /// String key/value pairs for the app (event, activity id, notification id, …).
    pub data: Vec<(&'static str, String)>,
    /// High priority on Android, apns-priority 10 on iOS; otherwise normal / 5.
    pub urgent: bool,
}

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Delivered,
    /// The token is dead (UNREGISTERED, INVALID_ARGUMENT, SENDER_ID_MISMATCH): disable the device.
    TokenInvalid {
        reason: String,
    },
    /// Worth trying again later: 429, 5xx, network trouble, or 401 after one
    /// token refresh. `after` is the server's Retry-After, when it gave one.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// FCM will never take this message as it is (other 4xx); give up.
    Rejected {
        reason: String,
    },
}

/// A client for one Firebase project; cheap to share (`Arc`), safe to call concurrently.
pub struct FcmClient {
    http: reqwest::Client,
    project_id: String,
    send_url: String,
    tokens: TokenSource,
}

impl std::fmt::Debug for FcmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmClient")
            .field("project_id", &self.project_id)
            .field("send_url", &self.send_url)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

/// The fields of a Google service-account JSON file this client uses.
struct ServiceAccount {
    project_id: String,
    private_key_id: String,
    private_key: String,
    client_email: String,
    token_uri: Option<String>,
}

impl ServiceAccount {
    /// Parses the file's text. Errors name the file and the field, never a value.
    fn parse(text: &str, path: &str) -> anyhow::Result<Self> {
        // Through `Value` so that no serde message can echo a field's content.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "push credentials file {path} is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        let field = |name: &str| -> anyhow::Result<Option<String>> {
            match value.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_owned())),
                Some(_) => anyhow::bail!("push credentials file {path}: `{name}` is not a string"),
            }
        };
        let required = |name: &str| -> anyhow::Result<String> {
            field(name)?
                .ok_or_else(|| anyhow::anyhow!("push credentials file {path}: `{name}` is missing"))
        };
        if !value.is_object() {
            anyhow::bail!("push credentials file {path} is not a JSON object");
        }
        let kind = required("type")?;
        if kind != "service_account" {
            anyhow::bail!(
                "push credentials file {path}: `type` is {kind:?}, expected \"service_account\""
            );
        }
        let project_id = required("project_id")?;
        if !project_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == ':' || c == '_')
        {
            anyhow::bail!(
                "push credentials file {path}: `project_id` {project_id:?} is not a project id"
            );
        }
        Ok(Self {
            project_id,
            private_key_id: required("private_key_id")?,
            private_key: required("private_key")?,
            client_email: required("client_email")?,
            token_uri: field("token_uri")?,
        })
    }
}

/// Longest time to wait for a TCP (and TLS) connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl FcmClient {
    /// Reads the service-account file named by `config.credentials_file`.
    pub fn new(config: &PushConfig) -> anyhow::Result<Self> {
        let path = config
            .credentials_file
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("push.credentials_file is not set"))?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read push credentials file {path}: {e}"))?;
        let account = ServiceAccount::parse(&text, path)?;
        let token_uri = config
            .token_uri
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or(account.token_uri)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "push credentials file {path} has no `token_uri` and push.token_uri is not set"
                )
            })?;
        let signer = Signer::new(
            account.client_email,
            account.private_key_id,
            &account.private_key,
        )
        .map_err(|e| anyhow::anyhow!("push credentials file {path}: {e}"))?;
        let base = config.fcm_base_url.trim().trim_end_matches('/');
        if base.is_empty() {
            anyhow::bail!("push.fcm_base_url is empty");
        }
        let send_url = format!("{base}/v1/projects/{}/messages:send", account.project_id);
        let timeout = Duration::from_secs(config.request_timeout_seconds.max(1));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .pool_max_idle_per_host(config.max_in_flight.max(1))
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(concat!("lvzhi-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the FCM HTTP client: {e}"))?;
        Ok(Self {
            tokens: TokenSource::new(http.clone(), token_uri, signer),
            http,
            project_id: account.project_id,
            send_url,
        })
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The token endpoint in use (the configured override or the file's `token_uri`).
    pub fn token_uri(&self) -> &str {
        self.tokens.token_uri()
    }

    /// Sends one push. Never panics; every failure is an outcome.
    pub async fn send(&self, push: &Push) -> SendOutcome {
        let body = match serde_json::to_vec(&SendRequest::new(push)) {
            Ok(body) => body,
            Err(_) => {
                return SendOutcome::Rejected {
                    reason: "unserialisable message".into(),
                };
            }
        };
        let token = match self.tokens.get().await {
            Ok(token) => token,
            Err(e) => return retry(e.0),
        };
        match self.post(&token, body.clone()).await {
            Reply::Done(outcome) => outcome,
            Reply::Unauthenticated => {
                // Revoked or expired early: one new token, one more try.
                self.tokens.invalidate(&token);
                let token = match self.tokens.get().await {
                    Ok(token) => token,
                    Err(e) => return retry(e.0),
                };
                match self.post(&token, body).await {
                    Reply::Done(outcome) => outcome,
                    Reply::Unauthenticated => retry("UNAUTHENTICATED".into()),
                }
            }
        }
    }

    async fn post(&self, token: &AccessToken, body: Vec<u8>) -> Reply {
        let response = self
            .http
            .post(&self.send_url)
            .header(AUTHORIZATION, token.header.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) => return Reply::Done(retry(network_reason(&e).into())),
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        // Read the whole body so the connection goes back to the pool.
        match response.bytes().await {
            Ok(bytes) => classify(status, retry_after, &bytes),
            Err(_) if status.is_success() => Reply::Done(SendOutcome::Delivered),
            Err(e) => Reply::Done(retry(network_reason(&e).into())),
        }
    }
}

fn retry(reason: String) -> SendOutcome {
    SendOutcome::Retry {
        after: None,
        reason,
    }
}

/// What one POST came to.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Done(SendOutcome),
    /// 401 for our access token: refresh it and try once more.
    Unauthenticated,
}

/// FCM's error body: `{"error": {"code", "message", "status", "details": [...]}}`,
/// or the older `{"error": "CODE"}`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorField,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Status(ErrorStatus),
    Code(String),
}

impl Default for ErrorField {
    fn default() -> Self {
        Self::Status(ErrorStatus::default())
    }
}

#[derive(Deserialize, Default)]
struct ErrorStatus {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "@type", default)]
    kind: String,
    /// `google.firebase.fcm.v1.FcmError`
    #[serde(rename = "errorCode", default)]
    error_code: Option<String>,
    /// `google.rpc.BadRequest`
    #[serde(rename = "fieldViolations", default)]
    field_violations: Vec<FieldViolation>,
}

#[derive(Deserialize)]
struct FieldViolation {
    #[serde(default)]
    field: String,
}

impl ErrorBody {
    fn details(&self) -> &[ErrorDetail] {
        match &self.error {
            ErrorField::Status(s) => &s.details,
            ErrorField::Code(_) => &[],
        }
    }

    /// The `errorCode` of the `google.firebase.fcm.v1.FcmError` detail.
    fn error_code(&self) -> Option<&str> {
        self.details()
            .iter()
            .filter(|d| d.kind.ends_with("google.firebase.fcm.v1.FcmError"))
            .find_map(|d| d.error_code.as_deref())
    }

    /// What the Firebase Admin SDKs read when no FcmError detail says: the
    /// error's canonical status (`NOT_FOUND`), or the code of the older form.
    fn bare_code(&self) -> Option<&str> {
        match &self.error {
            ErrorField::Status(s) => s.status.as_deref(),
            ErrorField::Code(code) => Some(code),
        }
    }

    /// The fields a `google.rpc.BadRequest` detail blames, if there is one.
    fn violated_fields(&self) -> Option<Vec<&str>> {
        let bad_requests = || {
            self.details()
                .iter()
                .filter(|d| d.kind.ends_with("google.rpc.BadRequest"))
        };
        bad_requests().next().is_some().then(|| {
            bad_requests()
                .flat_map(|d| d.field_violations.iter().map(|v| v.field.as_str()))
                .collect()
        })
    }
}

/// Maps FCM's answer to an outcome.
fn classify(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> Reply {
    if status.is_success() {
        return Reply::Done(SendOutcome::Delivered);
    }
    let error: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let code = error.error_code();
    let bare = error.bare_code();
    let reason = match code.or(bare).map(short) {
        Some(reason) if !reason.is_empty() => reason,
        _ => format!("HTTP {}", status.as_u16()),
    };
    let outcome = match (status.as_u16(), code) {
        // An APNs / web push credential problem on FCM's side: a new OAuth token won't help.
        (401, Some("THIRD_PARTY_AUTH_ERROR")) => SendOutcome::Retry {
            after: retry_after,
            reason,
        },
        (401, _) => return Reply::Unauthenticated,
        (_, Some("UNREGISTERED" | "SENDER_ID_MISMATCH")) => SendOutcome::TokenInvalid { reason },
        // No FcmError detail (FCM does not always add one): as the Admin SDKs
        // do, a NOT_FOUND or UNREGISTERED status is a token no longer registered.
        (400..=499, None) if matches!(bare, Some("NOT_FOUND" | "UNREGISTERED")) => {
            SendOutcome::TokenInvalid { reason }
        }
        (_, Some("INVALID_ARGUMENT")) => {
            // INVALID_ARGUMENT also covers a bad payload (a reserved data key,
            // a message too big). When FCM says which field is wrong and it
            // is not the token, the device is fine: don't disable it.
            match error.violated_fields() {
                Some(fields) if !fields.is_empty() && !fields.contains(&"message.token") => {
                    SendOutcome::Rejected { reason }
                }
                _ => SendOutcome::TokenInvalid { reason },
            }
        }
        (429 | 408, _)
        | (500..=599, _)
        | (_, Some("QUOTA_EXCEEDED" | "UNAVAILABLE" | "INTERNAL")) => SendOutcome::Retry {
            after: retry_after,
            reason,
        },
        _ => SendOutcome::Rejected { reason },
    };
    Reply::Done(outcome)
}

/// `Retry-After` as delta-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The request body of `messages:send`.
#[derive(Serialize)]
struct SendRequest<'a> {
    message: Message<'a>,
}

#[derive(Serialize)]
struct Message<'a> {
    token: &'a str,
    notification: Notification<'a>,
    data: Data<'a>,
    android: Android,
    apns: Apns,
}

#[derive(Serialize)]
struct Notification<'a> {
    title: &'a str,
    body: &'a str,
}

struct Data<'a>(&'a [(&'static str, String)]);

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Android {
    priority: &'static str,
}

#[derive(Serialize)]
struct Apns {
    headers: ApnsHeaders,
}

#[derive(Serialize)]
struct ApnsHeaders {
    #[serde(rename = "apns-priority")]
    apns_priority: &'static str,
}

impl<'a> SendRequest<'a> {
    fn new(push: &'a Push) -> Self {
        let (android, apns) = if push.urgent {
            ("HIGH", "10")
        } else {
            ("NORMAL", "5")
        };
        Self {
            message: Message {
                token: &push.token,
                notification: Notification {
                    title: &push.title,
                    body: &push.body,
                },
                data: Data(&push.data),
                android: Android { priority: android },
                apns: Apns {
                    headers: ApnsHeaders {
                        apns_priority: apns,
                    },
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fcm_error(code: u16, status: &str, error_code: Option<&str>) -> Vec<u8> {
        let mut details = vec![];
        if let Some(error_code) = error_code {
            details.push(json!({
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": error_code,
            }));
        }
        serde_json::to_vec(&json!({"error": {
            "code": code, "message": "Requested entity was not found.",
            "status": status, "details": details,
        }}))
        .expect("json")
    }

    fn outcome(status: u16, retry_after: Option<u64>, body: &[u8]) -> Reply {
        classify(
            StatusCode::from_u16(status).expect("status"),
            retry_after.map(Duration::from_secs),
            body,
        )
    }

    fn done(outcome: SendOutcome) -> Reply {
        Reply::Done(outcome)
    }

    #[test]
    fn success_is_delivered() {
        assert_eq!(
            outcome(200, None, br#"{"name":"projects/p/messages/1"}"#),
            done(SendOutcome::Delivered)
        );
        assert_eq!(outcome(200, None, b""), done(SendOutcome::Delivered));
    }

    #[test]
    fn dead_tokens() {
        for (status, kind, code) in [
            (404, "NOT_FOUND", "UNREGISTERED"),
            (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"),
            (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"),
        ] {
            assert_eq!(
                outcome(status, None, &fcm_error(status, kind, Some(code))),
                done(SendOutcome::TokenInvalid {
                    reason: code.into()
                }),
                "{code}"
            );
        }
    }

    #[test]
    fn dead_tokens_without_an_fcm_error_detail() {
        for (status, kind) in [
            (404, "NOT_FOUND"),
            (404, "UNREGISTERED"),
            (400, "UNREGISTERED"),
        ] {
            assert_eq!(
                outcome(status, None, &fcm_error(status, kind, None)),
                done(SendOutcome::TokenInvalid {
                    reason: kind.into()
                }),
                "{status} {kind}"
            );
        }
        // A detail that lost its `@type` leaves the status to decide.
        let untyped = serde_json::to_vec(&json!({"error": {
            "code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}],
        }}))
        .expect("json");
        assert_eq!(
            outcome(404, None, &untyped),
            done(SendOutcome::TokenInvalid {
                reason: "NOT_FOUND".into()
            })
        );
        // The older body: just the code.
        assert_eq!(
            outcome(404, None, br#"{"error": "UNREGISTERED"}"#),
            done(SendOutcome::TokenInvalid {
                reason: "UNREGISTERED".into()
            })
        );
        // Without a detail, a bad argument may be the payload's: the device stays.
        assert_eq!(
            outcome(400, None, &fcm_error(400, "INVALID_ARGUMENT", None)),
            done(SendOutcome::Rejected {
                reason: "INVALID_ARGUMENT".into()
            })
        );
    }

    #[test]
    fn invalid_argument_blaming_the_payload_keeps_the_device() {
        let body = |field: &str| {
            serde_json::to_vec(&json!({"error": {
                "code": 400, "status": "INVALID_ARGUMENT", "message": "Invalid value",
                "details": [
                    {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT"},
                    {"@type": "type.googleapis.com/google.rpc.BadRequest",
                     "fieldViolations": [{"field": field, "description": "bad"}]},
                ],
            }}))
            .expect("json")
        };
        assert_eq!(
            outcome(400, None, &body("message.data[0].key")),
            done(SendOutcome::Rejected {
                reason: "INVALID_ARGUMENT".into()
            })
        );
        assert_eq!(
            outcome(400, None, &body("message.token")),
            done(SendOutcome::TokenInvalid {
                reason: "INVALID_ARGUMENT".into()
            })
        );
    }

    #[test]
    fn transient_failures_retry_with_the_servers_delay() {
        assert_eq!(
            outcome(
                429,
                Some(7),
                &fcm_error(429, "RESOURCE_EXHAUSTED", Some("QUOTA_EXCEEDED"))
            ),
            done(SendOutcome::Retry {
                after: Some(Duration::from_secs(7)),
                reason: "QUOTA_EXCEEDED".into()
            })
        );
        assert_eq!(
            outcome(
                503,
                None,
                &fcm_error(503, "UNAVAILABLE", Some("UNAVAILABLE"))
            ),
            done(SendOutcome::Retry {
                after: None,
                reason: "UNAVAILABLE".into()
            })
        );
        assert_eq!(
            outcome(500, None, &fcm_error(500, "INTERNAL", None)),
            done(SendOutcome::Retry {
                after: None,
                reason: "INTERNAL".into()
            })
        );
        // A proxy's HTML error page.
        assert_eq!(
            outcome(502, Some(3), b"<html>Bad Gateway</html>"),
            done(SendOutcome::Retry {
                after: Some(Duration::from_secs(3)),
                reason: "HTTP 502".into()
            })
        );
    }

    #[test]
    fn unauthenticated_asks_for_a_new_token() {
        assert_eq!(
            outcome(401, None, &fcm_error(401, "UNAUTHENTICATED", None)),
            Reply::Unauthenticated
        );
        assert_eq!(
            outcome(
                401,
                None,
                &fcm_error(401, "UNAUTHENTICATED", Some("THIRD_PARTY_AUTH_ERROR"))
            ),
            done(SendOutcome::Retry {
                after: None,
                reason: "THIRD_PARTY_AUTH_ERROR".into()
            })
        );
    }

    #[test]
    fn other_client_errors_are_rejected() {
        assert_eq!(
            outcome(403, None, &fcm_error(403, "PERMISSION_DENIED", None)),
            done(SendOutcome::Rejected {
                reason: "PERMISSION_DENIED".into()
            })
        );
        assert_eq!(
            outcome(404, None, b"not json"),
            done(SendOutcome::Rejected {
                reason: "HTTP 404".into()
            })
        );
    }

    #[test]
    fn retry_after_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 30 "));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(30)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a date in the past"
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(120))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).expect("header"));
        let wait = retry_after(&headers).expect("a date");
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
    }

    #[test]
    fn body_shape() {
        let push = Push {
            token: "device-1".into(),
            title: "活动提醒".into(),
            body: "明天上午九点".into(),
            data: vec![("event", "reminder".into()), ("activity_id", "a-1".into())],
            urgent: true,
        };
        let body = serde_json::to_value(SendRequest::new(&push)).expect("json");
        assert_eq!(
            body,
            json!({"message": {
                "token": "device-1",
                "notification": {"title": "活动提醒", "body": "明天上午九点"},
                "data": {"event": "reminder", "activity_id": "a-1"},
                "android": {"priority": "HIGH"},
                "apns": {"headers": {"apns-priority": "10"}},
            }})
        );
        let calm = Push {
            urgent: false,
            data: vec![],
            ..push
        };
        let body = serde_json::to_value(SendRequest::new(&calm)).expect("json");
        assert_eq!(body["message"]["android"]["priority"], "NORMAL");
        assert_eq!(body["message"]["apns"]["headers"]["apns-priority"], "5");
        assert_eq!(body["message"]["data"], json!({}));
    }

    #[test]
    fn service_account_errors_name_the_field_not_the_value() {
        let good = json!({
            "type": "service_account", "project_id": "lvzhi-test",
            "private_key_id": "k1", "private_key": "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n",
            "client_email": "fcm@lvzhi-test.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        });
        let account = ServiceAccount::parse(&good.to_string(), "sa.json").expect("parses");
        assert_eq!(account.project_id, "lvzhi-test");
        assert_eq!(
            account.token_uri.as_deref(),
            Some("https://oauth2.googleapis.com/token")
        );
        for (field, value) in [
            ("client_email", serde_json::Value::Null),
            ("private_key", json!("")),
            ("private_key", json!(42)),
            ("type", json!("authorized_user")),
            ("project_id", json!("a/b")),
        ] {
            let mut broken = good.clone();
            broken[field] = value;
            let error = ServiceAccount::parse(&broken.to_string(), "sa.json")
                .err()
                .expect("refused")
                .to_string();
            assert!(
                error.contains(field) && error.contains("sa.json"),
                "{error}"
            );
            assert!(!error.contains("SECRET"), "{error}");
        }
        let error = ServiceAccount::parse("{\"private_key\": \"SECRET", "sa.json")
            .err()
            .expect("refused")
            .to_string();
        assert!(!error.contains("SECRET"), "{error}");
    }
}
