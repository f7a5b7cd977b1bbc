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

use crate::api;
use crate::auth::Authenticator;
use crate::auth::Caller;
use crate::auth::jwt::JwtKeys;
use crate::auth::password::PasswordHasher;
use crate::auth::scheme::DisabledUsers;
use crate::auth::throttle::LoginThrottle;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::console;
use crate::db::Db;
use crate::domain::Ctx;
use crate::domain::accounts::bootstrap::{self, FirstAdmin};
use crate::domain::accounts::members;
use crate::domain::accounts::sessions::Sessions;
use crate::domain::activities::signup_queue::{self, SignupQueue};
use crate::domain::calendar::feeds::FeedKey;
use crate::domain::committees::TimeZones;
use crate::domain::lanes::Lanes;
use crate::domain::meetings::ballots::{BallotBox, BallotWriter};
use crate::error::{AppError, app_error_from_poem};
use crate::metrics::Metrics;
use crate::push::fcm::FcmClient;
use crate::push::worker::{self, PushWorker};

/// The composition root: every service built once, from the config, and
/// handed to the HTTP layer. Only app.rs and api/ see it; lower layers get
/// the narrow values they need.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    /// The bearer check's keys and the disabled-account list.
    pub auth: Arc<Authenticator>,
    /// Login, refresh, logout, activation, password change.
    pub sessions: Sessions,
    pub hasher: Arc<PasswordHasher>,
    pub time_zones: Arc<TimeZones>,
    pub metrics: Arc<Metrics>,
    /// What every rule takes as now.
    pub clock: Arc<dyn Clock>,
    /// Per-activity lanes that write sign-ups in batches.
    pub signups: Arc<SignupQueue>,
    /// Per-round lanes that write ballots in batches.
    pub ballots: Arc<BallotBox>,
    /// The push worker's dependencies; `push.wake` tells it new work is queued.
    pub push: Arc<PushWorker>,
    /// The key calendar feeds' secrets are derived with.
    pub calendar_key: FeedKey,
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
        let hasher = Arc::new(PasswordHasher::new(hash_slots, config.auth.hash_queue)?);
        let first_admin =
            bootstrap::first_start(&db, &hasher, &config.bootstrap, clock.now_naive()).await?;
        let jwt = {
            let (db, auth, clock) = (db.clone(), config.auth.clone(), clock.clone());
            tokio::task::spawn_blocking(move || JwtKeys::load(&db, &auth, clock)).await??
        };
        let auth = Arc::new(Authenticator {
            jwt,
            disabled: DisabledUsers::new(db.run(members::disabled_ids).await?),
        });
        let calendar_key = {
            let configured = config.auth.calendar_key.as_ref().map(|s| s.0.clone());
            let now = clock.now_naive();
            db.write(move |conn| FeedKey::load(conn, configured.as_deref(), now))
                .await?
        };
        let time_zones = Arc::new(TimeZones::default());
        let metrics = Arc::new(Metrics::new()?);
        let sessions = Sessions {
            db: db.clone(),
            auth: auth.clone(),
            hasher: hasher.clone(),
            throttle: LoginThrottle::new(config.login.clone()),
            time_zones: time_zones.clone(),
            config: config.auth.clone(),
            clock: clock.clone(),
        };
        let push = Arc::new(PushWorker {
            db: db.clone(),
            clock: clock.clone(),
            config: config.push.clone(),
            fcm: fcm_client(&config)?,
            wake: Arc::new(tokio::sync::Notify::new()),
            metrics: metrics.clone(),
        });
        let state = Self {
            signups: signup_queue::signup_queue(
                db.clone(),
                clock.clone(),
                config.signups.max_batch,
            ),
            ballots: Lanes::new(
                db.clone(),
                clock.clone(),
                config.signups.max_batch,
                BallotWriter,
            ),
            config,
            db,
            auth,
            sessions,
            hasher,
            time_zones,
            metrics,
            clock,
            push,
            calendar_key,
        };
        Ok((Arc::new(state), first_admin))
    }

    /// The context a request's rules are judged with: the caller, the
    /// clock's now, their committee's time zone, and the request id.
    pub async fn ctx(&self, caller: Caller) -> Result<Ctx, AppError> {
        let tz = self.time_zones.of(&self.db, caller.committee_id).await?;
        Ok(Ctx {
            caller,
            now: self.clock.now_naive(),
            tz,
            request_id: request_id(),
            via: lvzhi_shared::audit::AuditVia::Api,
        })
    }

    /// Runs `f` on a pooled connection (reads: no transaction of its own).
    pub async fn read<T, F>(&self, ctx: &Ctx, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut crate::db::DbConnection, &Ctx) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let ctx = ctx.clone();
        self.db.run(move |conn| f(conn, &ctx)).await
    }

    /// Runs `f` in one write transaction: all of it is stored, or none.
    pub async fn write<T, F>(&self, ctx: &Ctx, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut crate::db::DbConnection, &Ctx) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let ctx = ctx.clone();
        self.db.write(move |conn| f(conn, &ctx)).await
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

/// The FCM client, when push is configured.
fn fcm_client(config: &Config) -> anyhow::Result<Option<Arc<FcmClient>>> {
    if config.push.credentials_file.is_none() {
        tracing::warn!(
            "push: off (no push.credentials_file); notifications reach inboxes and wait in the outbox"
        );
        return Ok(None);
    }
    let client = FcmClient::new(&config.push)?;
    tracing::info!(
        project = client.project_id(),
        "push: delivering over FCM HTTP v1"
    );
    Ok(Some(Arc::new(client)))
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
        .at("/healthz", get(api::ops::healthz))
        .at("/readyz", get(api::ops::readyz))
        .at("/metrics", get(api::ops::metrics))
        .at("/calendar/:file", get(api::calendar_feed))
        .nest("/console", console::routes())
        .around(observe)
        .data(state.auth.clone())
        .data(state)
}

tokio::task_local! {
    /// The id of the request being served (for [`Ctx`] and log lines).
    static REQUEST_ID: String;
}

/// The id of the request being served ("-" outside one).
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
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

    let outcome = REQUEST_ID
        .scope(request_id.clone(), async {
            if let Some(state) = &state {
                let limits = &state.config.limits;
                let limit = if path.starts_with("/console/") {
                    console::body_limit(&path, limits)
                } else {
                    api::body_limit(&path, limits)
                };
                enforce_body_limit(&mut req, limit).await?;
            }
            api::refuse_nul(&mut req).await?;
            next.call(req).await.map(IntoResponse::into_response)
        })
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
/// phone numbers), no phone's FCM token (`DELETE /me/devices/{token}`), no
/// calendar feed's secret (`/calendar/{secret}.ics`: the feed's only
/// credential) and no ballot receipt (`/appraisals/{id}/ballots/{receipt}`).
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    const DEVICES: &str = "/me/devices/";
    const CALENDAR: &str = "/calendar/";
    const BALLOTS: &str = "/ballots/";
    if let Some(at) = path.find(DEVICES) {
        return path[..at + DEVICES.len() - 1].into();
    }
    if path.starts_with(CALENDAR) {
        return "/calendar/{secret}.ics".into();
    }
    match path.find(BALLOTS) {
        Some(at) if path.starts_with("/api/v1/appraisals/") => {
            format!("{}/{{receipt}}", &path[..at + BALLOTS.len() - 1]).into()
        }
        _ => path.into(),
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
        let _housekeeping = AbortOnDrop(tokio::spawn(crate::maintenance::run(
            self.state.db.clone(),
            self.state.clock.clone(),
        )));
        let (stop_push, push_stopped) = tokio::sync::watch::channel(false);
        let pusher = self.state.config.push.worker.then(|| {
            AbortOnDrop(tokio::spawn(worker::run(
                self.state.push.clone(),
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
