//! A fake FCM HTTP v1 server and Google token endpoint, over real HTTP on
//! 127.0.0.1, for tests of the push client and worker.
//!
//! - `POST /token` checks the service-account assertion (RS256, signed by the
//!   test key, `aud` = this token URI, `iss` = the test client_email, the
//!   firebase.messaging scope) and issues `fake-at-N` access tokens.
//! - `POST /v1/projects/{project}/messages:send` wants a currently valid
//!   access token, applies the rule set for the device token, records the
//!   attempt and, when accepted, the message.
//!
//! Error bodies have FCM's shape: `{"error": {"code", "message", "status", "details":
//! [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode"}]}}`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::LocalAddr;
use poem::web::{Data, Form, Path as UrlPath};
use poem::{Body, EndpointExt, Request, Response, Route, Server, handler, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

/// A throwaway 2048-bit RSA key made with `openssl genrsa` for this fake only;
/// it protects nothing. The fake verifies assertions with the public half.
pub const TEST_PRIVATE_KEY: &str = include_str!("../fixtures/fake-fcm-key.pem");
const TEST_PUBLIC_KEY: &str = include_str!("../fixtures/fake-fcm-key.pub.pem");
/// The service account the fake expects.
pub const CLIENT_EMAIL: &str = "lvzhi-push@lvzhi-test.iam.gserviceaccount.com";
pub const PRIVATE_KEY_ID: &str = "fake-fcm-key-1";
const PROJECT_ID: &str = "lvzhi-test";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// How the fake answers sends to one device token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// 404 NOT_FOUND, errorCode UNREGISTERED, every time.
    Unregistered,
    /// 404 NOT_FOUND with no FcmError detail (as FCM sometimes answers for a
    /// token that is gone), every time.
    NotFound,
    /// 400 INVALID_ARGUMENT, errorCode INVALID_ARGUMENT, every time.
    InvalidArgument,
    /// 429 RESOURCE_EXHAUSTED, errorCode QUOTA_EXCEEDED, with `Retry-After`,
    /// for the first `times` sends; then success.
    RateLimited { times: u32, retry_after_secs: u64 },
    /// 503 UNAVAILABLE for the first `times` sends; then success.
    Unavailable { times: u32 },
}

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub token: String,
    pub title: String,
    pub body: String,
    pub data: BTreeMap<String, String>,
    /// `android.priority`: `HIGH` or `NORMAL`.
    pub android_priority: String,
    /// `apns.headers.apns-priority`, if given.
    pub apns_priority: Option<String>,
}

/// One `messages:send` request that was answered (accepted or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The device token (empty when the body had none).
    pub token: String,
    /// The HTTP status the fake answered.
    pub status: u16,
}

struct RuleState {
    rule: Rule,
    calls: u32,
}

struct State {
    rules: HashMap<String, RuleState>,
    /// Access tokens issued and still honoured, with their expiry.
    access_tokens: HashMap<String, Instant>,
    issued: u64,
    token_lifetime_secs: u64,
    received: Vec<Received>,
    attempts: Vec<Attempt>,
}

struct Inner {
    token_uri: String,
    decoding_key: DecodingKey,
    state: Mutex<State>,
    token_requests: AtomicUsize,
    held: watch::Sender<bool>,
    waiting: AtomicUsize,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake; stops when dropped.
pub struct FakeFcm {
    inner: Arc<Inner>,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl FakeFcm {
    /// Starts on 127.0.0.1 (a free port) on the current tokio runtime.
    pub async fn start() -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("fake FCM binds a port");
        let addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|LocalAddr(a)| a.as_socket_addr().copied())
            .expect("fake FCM has a socket address");
        let base_url = format!("http://{addr}");
        let public_der = pem_contents(TEST_PUBLIC_KEY);
        let inner = Arc::new(Inner {
            token_uri: format!("{base_url}/token"),
            decoding_key: DecodingKey::from_rsa_der(&public_der),
            state: Mutex::new(State {
                rules: HashMap::new(),
                access_tokens: HashMap::new(),
                issued: 0,
                token_lifetime_secs: 3600,
                received: Vec::new(),
                attempts: Vec::new(),
            }),
            token_requests: AtomicUsize::new(0),
            held: watch::Sender::new(false),
            waiting: AtomicUsize::new(0),
        });
        let app = Route::new()
            .at("/token", post(token_endpoint))
            .at("/v1/projects/:project/*rest", post(send_endpoint))
            .data(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    app,
                    async {
                        let _ = rx.await;
                    },
                    Some(Duration::from_secs(1)),
                )
                .await;
        });
        Self {
            inner,
            base_url,
            shutdown: Some(tx),
        }
    }

    /// `http://127.0.0.1:PORT`: the `push.fcm_base_url` to configure.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/token`.
    pub fn token_uri(&self) -> String {
        self.inner.token_uri.clone()
    }

    pub fn project_id(&self) -> &'static str {
        PROJECT_ID
    }

    /// Writes `service-account.json` into `dir` (the test key, client_email,
    /// private_key_id and this fake's token URI) and returns its path.
    pub fn write_service_account(&self, dir: &Path) -> PathBuf {
        let path = dir.join("service-account.json");
        let account = json!({
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": PRIVATE_KEY_ID,
            "private_key": TEST_PRIVATE_KEY,
            "client_email": CLIENT_EMAIL,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri(),
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/lvzhi-push",
            "universe_domain": "googleapis.com",
        });
        let text = serde_json::to_string_pretty(&account).expect("service account json");
        std::fs::write(&path, text).expect("write the service account file");
        path
    }

    /// How sends to `device_token` are answered from now on (replaces any earlier rule).
    pub fn set_rule(&self, device_token: &str, rule: Rule) {
        self.inner
            .state()
            .rules
            .insert(device_token.to_owned(), RuleState { rule, calls: 0 });
    }

    /// Every access token issued so far stops working: the next send gets 401.
    pub fn expire_access_tokens(&self) {
        self.inner.state().access_tokens.clear();
    }

    /// The `expires_in` (and real lifetime) of access tokens issued from now on.
    pub fn set_token_lifetime(&self, secs: u64) {
        self.inner.state().token_lifetime_secs = secs;
    }

    /// From now on `messages:send` requests wait, unanswered and unrecorded, until [`release`](Self::release).
    pub fn hold(&self) {
        self.inner.held.send_replace(true);
    }

    /// Lets held and later requests through.
    pub fn release(&self) {
        self.inner.held.send_replace(false);
    }

    /// How many `messages:send` requests are waiting because of [`hold`](Self::hold).
    pub fn held_requests(&self) -> usize {
        self.inner.waiting.load(Ordering::SeqCst)
    }

    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.inner.state().received.clone()
    }

    /// How many messages were accepted so far (cheap: no copy, for polling).
    pub fn received_count(&self) -> usize {
        self.inner.state().received.len()
    }

    /// Every answered `messages:send` request so far, in order.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.inner.state().attempts.clone()
    }

    /// Requests to the token endpoint so far, including refused assertions.
    pub fn token_requests(&self) -> usize {
        self.inner.token_requests.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` messages were accepted, checking every 20 ms,
    /// and returns them; at the timeout returns what there is, so the
    /// caller's assertion shows the shortfall.
    pub async fn wait_for_received(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let state = self.inner.state();
                if state.received.len() >= n || Instant::now() >= deadline {
                    return state.received.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for FakeFcm {
    fn drop(&mut self) {
        self.release();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The DER bytes of a PEM block.
fn pem_contents(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let text: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("fixture PEM is base64")
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    assertion: String,
}

#[derive(Deserialize)]
struct AssertionClaims {
    scope: String,
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=UTF-8")
        .body(body.to_string())
}

#[handler]
fn token_endpoint(Data(inner): Data<&Arc<Inner>>, Form(form): Form<TokenForm>) -> Response {
    inner.token_requests.fetch_add(1, Ordering::SeqCst);
    let invalid_grant = |why: &str| {
        json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid_grant", "error_description": why}),
        )
    };
    if form.grant_type != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}),
        );
    }
    let header = match jsonwebtoken::decode_header(&form.assertion) {
        Ok(header) => header,
        Err(_) => return invalid_grant("Invalid JWT"),
    };
    if header.kid.as_deref() != Some(PRIVATE_KEY_ID) {
        return invalid_grant("Invalid JWT Signature: unknown key id");
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&inner.token_uri]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    let claims = match jsonwebtoken::decode::<AssertionClaims>(
        &form.assertion,
        &inner.decoding_key,
        &validation,
    ) {
        Ok(data) => data.claims,
        Err(_) => return invalid_grant("Invalid JWT Signature or claims"),
    };
    if claims.scope != SCOPE {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid_scope", "error_description": "Invalid OAuth scope"}),
        );
    }
    let mut state = inner.state();
    state.issued += 1;
    let access_token = format!("fake-at-{}", state.issued);
    let lifetime = state.token_lifetime_secs;
    state.access_tokens.insert(
        access_token.clone(),
        Instant::now() + Duration::from_secs(lifetime),
    );
    json_response(
        StatusCode::OK,
        &json!({"access_token": access_token, "expires_in": lifetime, "token_type": "Bearer"}),
    )
}

/// An FCM-shaped error body.
fn fcm_error(status: StatusCode, kind: &str, error_code: Option<&str>, message: &str) -> Response {
    let details: Vec<Value> = error_code
        .map(|code| {
            json!({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code})
        })
        .into_iter()
        .collect();
    json_response(
        status,
        &json!({"error": {
            "code": status.as_u16(),
            "message": message,
            "status": kind,
            "details": details,
        }}),
    )
}

/// A 400 for a malformed message, blaming `field` as FCM does.
fn bad_request(field: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"error": {
            "code": 400,
            "message": format!("Invalid value at '{field}'"),
            "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT"},
                {"@type": "type.googleapis.com/google.rpc.BadRequest",
                 "fieldViolations": [{"field": field, "description": "Invalid value"}]},
            ],
        }}),
    )
}

/// Reads a message the way FCM would; `Err` is the field at fault.
fn parse_message(body: &[u8]) -> Result<Received, &'static str> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "message")?;
    let message = value.get("message").ok_or("message")?;
    let text = |v: Option<&Value>, field: &'static str| -> Result<String, &'static str> {
        match v {
            Some(Value::String(s)) => Ok(s.clone()),
            None => Ok(String::new()),
            Some(_) => Err(field),
        }
    };
    let token = text(message.get("token"), "message.token")?;
    if token.is_empty() {
        return Err("message.token");
    }
    let notification = message.get("notification");
    let title = text(
        notification.and_then(|n| n.get("title")),
        "message.notification.title",
    )?;
    let body = text(
        notification.and_then(|n| n.get("body")),
        "message.notification.body",
    )?;
    let mut data = BTreeMap::new();
    match message.get("data") {
        None => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let Value::String(value) = value else {
                    return Err("message.data");
                };
                data.insert(key.clone(), value.clone());
            }
        }
        Some(_) => return Err("message.data"),
    }
    let android_priority = text(
        message.get("android").and_then(|a| a.get("priority")),
        "message.android.priority",
    )?;
    if !matches!(android_priority.as_str(), "" | "HIGH" | "NORMAL") {
        return Err("message.android.priority");
    }
    let apns_priority = message
        .get("apns")
        .and_then(|a| a.get("headers"))
        .and_then(|h| h.get("apns-priority"))
        .map(|p| text(Some(p), "message.apns.headers"))
        .transpose()?;
    Ok(Received {
        token,
        title,
        body,
        data,
        android_priority,
        apns_priority,
    })
}

#[handler]
async fn send_endpoint(
    req: &Request,
    UrlPath((project, rest)): UrlPath<(String, String)>,
    Data(inner): Data<&Arc<Inner>>,
    body: Body,
) -> Response {
    if *inner.held.borrow() {
        let mut held = inner.held.subscribe();
        inner.waiting.fetch_add(1, Ordering::SeqCst);
        let _ = held.wait_for(|held| !held).await;
        inner.waiting.fetch_sub(1, Ordering::SeqCst);
    }
    let body = body.into_vec().await.unwrap_or_default();
    let parsed = parse_message(&body);
    let device = parsed.as_ref().map(|m| m.token.clone()).unwrap_or_default();
    let response = answer(inner, req, &project, &rest, parsed);
    let status = response.status().as_u16();
    inner.state().attempts.push(Attempt {
        token: device,
        status,
    });
    response
}

fn answer(
    inner: &Inner,
    req: &Request,
    project: &str,
    rest: &str,
    parsed: Result<Received, &'static str>,
) -> Response {
    if rest != "messages:send" {
        return fcm_error(StatusCode::NOT_FOUND, "NOT_FOUND", None, "Not found");
    }
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let mut state = inner.state();
    let now = Instant::now();
    let authorised = bearer
        .and_then(|token| state.access_tokens.get(token))
        .is_some_and(|expiry| now < *expiry);
    if !authorised {
        return fcm_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            None,
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        );
    }
    if project != PROJECT_ID {
        return fcm_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            None,
            "Permission denied on the project",
        );
    }
    let message = match parsed {
        Ok(message) => message,
        Err(field) => return bad_request(field),
    };
    if let Some(rule) = state.rules.get_mut(&message.token) {
        rule.calls += 1;
        match rule.rule {
            Rule::Unregistered => {
                return fcm_error(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    Some("UNREGISTERED"),
                    "Requested entity was not found.",
                );
            }
            Rule::NotFound => {
                return fcm_error(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    None,
                    "Requested entity was not found.",
                );
            }
            Rule::InvalidArgument => {
                return fcm_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_ARGUMENT",
                    Some("INVALID_ARGUMENT"),
                    "The registration token is not a valid FCM registration token",
                );
            }
            Rule::RateLimited {
                times,
                retry_after_secs,
            } if rule.calls <= times => {
                let mut response = fcm_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RESOURCE_EXHAUSTED",
                    Some("QUOTA_EXCEEDED"),
                    "Quota exceeded for quota metric 'Send requests'",
                );
                if let Ok(value) = retry_after_secs.to_string().parse() {
                    response.headers_mut().insert("retry-after", value);
                }
                return response;
            }
            Rule::Unavailable { times } if rule.calls <= times => {
                return fcm_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "UNAVAILABLE",
                    Some("UNAVAILABLE"),
                    "The service is currently unavailable.",
                );
            }
            Rule::RateLimited { .. } | Rule::Unavailable { .. } => {}
        }
    }
    state.received.push(message);
    let n = state.received.len();
    json_response(
        StatusCode::OK,
        &json!({"name": format!("projects/{project}/messages/{n}")}),
    )
}
