//! Building and running the application from a `Config`, so tests run the
//! very server `lvzhi-server serve` runs, in-process on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use poem::http::{HeaderValue, header};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::LocalAddr;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server, get};
use tracing::Instrument;

use crate::auth::jwt::JwtKeys;
use crate::auth::password::PasswordHasher;
use crate::auth::scheme::DisabledUsers;
use crate::auth::throttle::LoginThrottle;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::Db;
use crate::domain::bootstrap::{self, FirstAdmin};
use crate::domain::committees::TimeZones;
use crate::domain::members;
use crate::domain::signup_queue::SignupQueue;
use crate::error::{AppError, app_error_from_poem};
use crate::metrics::Metrics;
use crate::push::fcm::FcmClient;
use crate::push::worker;
use crate::{api, ops};

/// Everything a request handler may need, built once.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub jwt: JwtKeys,
    pub hasher: PasswordHasher,
    pub throttle: LoginThrottle,
    pub disabled: DisabledUsers,
    pub time_zones: TimeZones,
    pub metrics: Metrics,
    /// What activity rules (sign-up windows, check-in codes) take as now.
    pub clock: Arc<dyn Clock>,
    /// Per-activity lanes that write sign-ups in batches.
    pub signups: Arc<SignupQueue>,
    /// The FCM client, when push is configured.
    pub fcm: Option<Arc<FcmClient>>,
    /// Wakes the push worker when new work is queued.
    pub push_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Opens the database (migrating it), loads keys, and bootstraps an empty database.
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<(Arc<Self>, Option<FirstAdmin>)> {
        let db = {
            let (url, size) = (config.database_url.clone(), config.db_pool_size);
            tokio::task::spawn_blocking(move || Db::connect(&url, size)).await??
        };
        let hash_slots = config.auth.hash_concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        });
        let hasher = PasswordHasher::new(hash_slots, config.auth.hash_queue)?;
        let first_admin = bootstrap::first_start(&db, &hasher, &config.bootstrap).await?;
        let jwt = {
            let (db, auth) = (db.clone(), config.auth.clone());
            tokio::task::spawn_blocking(move || JwtKeys::load(&db, &auth)).await??
        };
        let disabled = DisabledUsers::new(db.run(members::disabled_ids).await?);
        let signups = SignupQueue::new(db.clone(), clock.clone(), config.signups.max_batch);
        let fcm = match &config.push.credentials_file {
            Some(_) => {
                let client = FcmClient::new(&config.push)?;
                tracing::info!(
                    project = client.project_id(),
                    "push: delivering over FCM HTTP v1"
                );
                Some(Arc::new(client))
            }
            None => {
                tracing::warn!(
                    "push: off (no push.credentials_file); notifications reach inboxes and wait in the outbox"
                );
                None
            }
        };
        let state = Self {
            fcm,
            push_wake: Arc::new(tokio::sync::Notify::new()),
            signups,
            throttle: LoginThrottle::new(config.login.clone()),
            config,
            db,
            jwt,
            hasher,
            disabled,
            time_zones: TimeZones::default(),
            metrics: Metrics::new()?,
            clock,
        };
        Ok((Arc::new(state), first_admin))
    }

    /// The client's address for throttling: the peer, or the first
    /// `X-Forwarded-For` hop when configured to trust a proxy.
    pub fn client_address(&self, req: &Request) -> String {
        if self.config.login.trust_forwarded_for
            && let Some(first) = req
                .header("x-forwarded-for")
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        {
            return first.to_owned();
        }
        match req.remote_addr().as_socket_addr() {
            Some(addr) => addr.ip().to_string(),
            None => req.remote_addr().to_string(),
        }
    }
}

/// The routes: the API under `/api/v1`, its document and Swagger UI, and the
/// operational endpoints, wrapped in request logging, metrics and body limits.
pub fn routes(state: Arc<AppState>) -> impl Endpoint {
    let service = api::service(state.clone());
    let spec = api::spec_endpoint(&service.spec());
    let docs = service.swagger_ui();
    Route::new()
        .nest("/api/v1", service)
        .at("/api/v1/openapi.json", spec)
        .nest("/docs", docs)
        .at("/healthz", get(ops::healthz))
        .at("/readyz", get(ops::readyz))
        .at("/metrics", get(ops::metrics))
        .around(observe)
        .data(state)
}

/// Per request: an id, a log span, a body limit, no NUL characters, the JSON
/// error shape for anything that failed outside an operation, and metrics.
async fn observe<E: Endpoint>(next: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let started = Instant::now();
    let state = req.data::<Arc<AppState>>().cloned();
    let request_id = req
        .header("x-request-id")
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let logged_path = loggable_path(&path);
    let span =
        tracing::info_span!("request", id = %request_id, method = %method, path = %logged_path);

    let outcome = async {
        if let Some(state) = &state {
            let limits = &state.config.limits;
            let limit = if path.ends_with("/members/import") {
                limits.max_import_bytes
            } else if path.ends_with("/materials") {
                limits.max_material_bytes
            } else {
                limits.max_body_bytes
            };
            enforce_body_limit(&mut req, limit).await?;
        }
        api::refuse_nul(&mut req).await?;
        next.call(req).await.map(IntoResponse::into_response)
    }
    .instrument(span.clone())
    .await;

    let mut resp = match outcome {
        Ok(resp) => resp,
        // An operation's own error response (already in the contract's shape).
        Err(err) if err.is_from_response() => err.into_response(),
        Err(err) => poem::error::ResponseError::as_response(&app_error_from_poem(err)),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = api::allowed_methods(&path)
        && let Ok(v) = HeaderValue::from_str(&allow)
    {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    span.in_scope(|| tracing::info!(status, ms = elapsed.as_secs_f64() * 1000.0, "request"));
    if let Some(state) = state {
        state
            .metrics
            .observe(&method, status, elapsed.as_secs_f64());
    }
    Ok(resp)
}

/// The path as logged: no query string (it may hold search text such as
/// phone numbers) and no phone's FCM token (`DELETE /me/devices/{token}`).
fn loggable_path(path: &str) -> &str {
    const DEVICES: &str = "/me/devices/";
    match path.find(DEVICES) {
        Some(at) => &path[..at + DEVICES.len() - 1],
        None => path,
    }
}

/// Refuses bodies over `limit`: by Content-Length when given, else by reading at most `limit`.
async fn enforce_body_limit(req: &mut Request, limit: usize) -> Result<(), AppError> {
    let too_large = || {
        AppError::new(
            lvzhi_shared::ErrorCode::PayloadTooLarge,
            format!("the body is over {limit} bytes"),
        )
    };
    let declared = req
        .header(header::CONTENT_LENGTH)
        .map(|v| {
            v.parse::<usize>().map_err(|_| {
                AppError::new(lvzhi_shared::ErrorCode::InvalidBody, "bad Content-Length")
            })
        })
        .transpose()?;
    match declared {
        Some(len) if len > limit => Err(too_large()),
        Some(_) => Ok(()),
        None if req.header(header::TRANSFER_ENCODING).is_some() => {
            let bytes = req
                .take_body()
                .into_bytes_limit(limit)
                .await
                .map_err(|_| too_large())?;
            req.set_body(bytes);
            Ok(())
        }
        None => Ok(()),
    }
}

/// A built server, bound to its port and ready to run.
pub struct Application {
    acceptor: TcpAcceptor,
    addr: SocketAddr,
    state: Arc<AppState>,
    first_admin: Option<FirstAdmin>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Like [`Application::build`], judging time by `clock` (tests use a manual one).
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let bind = config.bind.clone();
        let (state, first_admin) = AppState::build(config, clock).await?;
        let acceptor = TcpListener::bind(bind.as_str())
            .into_acceptor()
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
        let addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|LocalAddr(a)| a.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("the listener has no socket address"))?;
        Ok(Self {
            acceptor,
            addr,
            state,
            first_admin,
        })
    }

    /// Where the server listens (the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// The admin created on first start, if this start created one.
    pub fn first_admin(&self) -> Option<&FirstAdmin> {
        self.first_admin.as_ref()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish (up to 10 s).
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let _housekeeping = AbortOnDrop(tokio::spawn(crate::maintenance::run(self.state.clone())));
        let (stop_push, push_stopped) = tokio::sync::watch::channel(false);
        let pusher = self.state.config.push.worker.then(|| {
            AbortOnDrop(tokio::spawn(worker::run(
                self.state.clone(),
                self.state.fcm.clone(),
                push_stopped,
            )))
        });
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(routes(self.state), shutdown, Some(Duration::from_secs(10)))
            .await;
        // Let the push worker finish the batch in hand (so a restart sends
        // nothing twice), within the same grace as requests; past it, the
        // claims left expire after their lease and go out again.
        let _ = stop_push.send(true);
        if let Some(mut p) = pusher {
            let _ = tokio::time::timeout(Duration::from_secs(10), &mut p.0).await;
        }
        served
    }
}

/// A background task that ends with the server future: if the server is
/// dropped (killed) rather than stopped, its tasks do not live on.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
