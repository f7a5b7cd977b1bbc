//! End-to-end test support: a `TestApp` runs the real server in-process on
//! port 0 over a temporary SQLite file or a fresh PostgreSQL database, and a
//! reqwest client talks to it over real HTTP, as a phone does.

pub mod child;
pub mod console;
pub mod fake_fcm;
pub mod logs;
pub mod procfs;
pub mod store;
pub mod token_parts;

use std::sync::Arc;

use lvzhi_server::clock::{Clock, ManualClock};
use lvzhi_server::config::Secret;
use lvzhi_server::{AppState, Application, Config};

use crate::store::Store;
use lvzhi_shared::ErrorBody;
use lvzhi_shared::activities::Activity;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::ids::{ActivityId, RoleSlotId};
use lvzhi_shared::members::{MemberCreated, NewMember, Role};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The environment variable naming a PostgreSQL server for the tests
/// (a URL with rights to create databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
pub const POSTGRES_ENV: &str = "LVZHI_TEST_POSTGRES_URL";

/// A signing secret the token-forging tests also know.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether this backend can run here. PostgreSQL needs `LVZHI_TEST_POSTGRES_URL`;
    /// under CI (`CI=true`) its absence is a failure, never a silent skip.
    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => {
                if std::env::var(POSTGRES_ENV).is_ok() {
                    return true;
                }
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true but {POSTGRES_ENV} is not set: the PostgreSQL tests must run in CI"
                );
                eprintln!("skipping the PostgreSQL variant: {POSTGRES_ENV} is not set");
                false
            }
        }
    }
}

/// Runs each named `async fn(Backend)` once per backend, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::Backend::Postgres.available() {
                        super::$name($crate::Backend::Postgres).await;
                    }
                }
            )+
        }
    };
}

/// A running server and a client for it.
pub struct TestApp {
    pub backend: Backend,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    pub config: Config,
    /// The server's clock for activity rules; starts at the real now, moves only when told.
    pub clock: Arc<ManualClock>,
    /// The admin made on first start.
    pub admin_phone: String,
    pub admin_password: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    store: Store,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts with a configuration adjusted by `tweak`.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        logs::install();
        let admin_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(std::env::var(POSTGRES_ENV).expect("postgres url")),
        };
        let store =
            tokio::task::spawn_blocking(move || Store::create(admin_url.as_deref(), "lvzhi_t"))
                .await
                .expect("create store")
                .expect("create the test database");
        let mut config = Config {
            bind: "127.0.0.1:0".into(),
            database_url: store.database_url().expect("database url"),
            db_pool_size: 8,
            ..Config::default()
        };
        // Tests sign in many times from one address.
        config.login.max_failures_per_address = 1000;
        // Tests move the manual clock by hours to reach sign-up windows and
        // check-in times; a day-long access token (the most the config
        // allows) keeps their sign-ins valid. Expiry itself is tested in
        // e2e/tokens.rs; tests that jump days sign in again.
        config.auth.access_token_minutes = 24 * 60;
        tweak(&mut config);
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let app = Application::build_with_clock(config.clone(), clock.clone())
            .await
            .expect("build application");
        let admin = app
            .first_admin()
            .cloned()
            .expect("first start creates an admin");
        logs::watch_for(&admin.password);
        let mut me = Self {
            backend,
            origin: String::new(),
            client: reqwest::Client::new(),
            state: app.state(),
            config,
            clock,
            admin_phone: admin.phone,
            admin_password: admin.password,
            shutdown: None,
            server: None,
            store,
        };
        me.run(app);
        me
    }

    fn run(&mut self, app: Application) {
        let (tx, rx) = oneshot::channel::<()>();
        self.origin = format!("http://{}", app.addr());
        self.state = app.state();
        self.shutdown = Some(tx);
        self.server = Some(tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async {
                    let _ = rx.await;
                })
                .await;
        }));
    }

    /// Stops the server and starts a new one on the same database, with the
    /// configuration adjusted by `tweak` (as an operator restarting it would).
    pub async fn restart_with(&mut self, tweak: impl FnOnce(&mut Config)) {
        self.stop().await; // (a no-op after `kill`)
        tweak(&mut self.config);
        let app = Application::build_with_clock(self.config.clone(), self.clock.clone())
            .await
            .expect("rebuild application");
        assert!(
            app.first_admin().is_none(),
            "a restart must not bootstrap again"
        );
        self.run(app);
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Ends the server at once, as SIGKILL would: no grace for requests or
    /// the push batch in hand (its claims stay until their lease runs out).
    pub async fn kill(&mut self) {
        self.shutdown.take();
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// The database URL this app uses.
    pub fn database_url(&self) -> String {
        self.store.database_url().expect("database url")
    }

    /// A request to an API path (`/members` → `/api/v1/members`).
    pub fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/api/v1{path}", self.origin))
    }

    /// A request to a path outside the API (`/healthz`).
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.origin))
    }

    pub async fn login(&self, phone: &str, password: &str) -> TokenPair {
        let resp = self
            .api(Method::POST, "/auth/login")
            .json(&serde_json::json!({"phone": phone, "password": password}))
            .send()
            .await
            .expect("login request");
        json_ok(resp).await
    }

    pub async fn admin(&self) -> TokenPair {
        self.login(&self.admin_phone, &self.admin_password).await
    }

    /// Signs an account the kit activated in again, e.g. after the manual
    /// clock jumped past its tokens' life.
    pub async fn sign_in_again(&self, who: &TokenPair) -> TokenPair {
        self.login(&who.user.phone, MEMBER_PASSWORD).await
    }

    /// Creates an account through the API (as `token`) and returns it with its code.
    pub async fn create_member(&self, token: &str, input: &NewMember) -> MemberCreated {
        let resp = self
            .api(Method::POST, "/members")
            .bearer_auth(token)
            .json(input)
            .send()
            .await
            .expect("create member");
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "create member: {}",
            resp.text().await.unwrap_or_default()
        );
        resp.json().await.expect("member created body")
    }

    /// Activates an account with its code and returns the session.
    pub async fn activate(&self, created: &MemberCreated, password: &str) -> TokenPair {
        let resp = self
            .api(Method::POST, "/auth/activate")
            .json(&serde_json::json!({
                "phone": created.member.phone,
                "activation_code": created.activation.code,
                "new_password": password,
            }))
            .send()
            .await
            .expect("activate");
        json_ok(resp).await
    }

    /// A new, activated account of `role` in the admin's committee.
    pub async fn account(&self, role: Role, phone: &str) -> TokenPair {
        let admin = self.admin().await;
        let created = self
            .create_member(
                &admin.access_token,
                &NewMember {
                    name: format!("测试{}", chinese_digits(&phone[7..])),
                    phone: phone.into(),
                    role: Some(role),
                    ..NewMember::default()
                },
            )
            .await;
        self.activate(&created, MEMBER_PASSWORD).await
    }

    /// A new, activated member of `sector` (None: no sector), signed in.
    pub async fn member_in(&self, phone: &str, sector: Option<&str>) -> TokenPair {
        let admin = self.admin().await;
        let created = self
            .create_member(
                &admin.access_token,
                &NewMember {
                    name: format!("委员{}", chinese_digits(&phone[7..])),
                    phone: phone.into(),
                    sector: sector.map(str::to_owned),
                    ..NewMember::default()
                },
            )
            .await;
        self.activate(&created, MEMBER_PASSWORD).await
    }

    /// `count` activated members (phones `prefix` followed by 000, 001, …), signed in concurrently.
    pub async fn members(&self, prefix: &str, count: usize) -> Vec<TokenPair> {
        assert_eq!(prefix.len(), 8, "prefix + 3 digits make a phone number");
        let admin = self.admin().await;
        let mut created = Vec::with_capacity(count);
        for i in 0..count {
            let phone = format!("{prefix}{i:03}");
            let input = NewMember {
                name: format!("委员{}", chinese_digits(&phone[5..])),
                phone,
                ..NewMember::default()
            };
            created.push(self.create_member(&admin.access_token, &input).await);
        }
        let mut out = Vec::with_capacity(count);
        for chunk in created.chunks(8) {
            let pairs =
                futures::future::join_all(chunk.iter().map(|c| self.activate(c, MEMBER_PASSWORD)))
                    .await;
            out.extend(pairs);
        }
        out
    }

    /// An activated organizer of a second committee on the same deployment.
    pub async fn other_committee_organizer(&self, phone: &str) -> TokenPair {
        use chrono::Datelike;
        use lvzhi_server::domain::{accounts::members, committees};
        use lvzhi_shared::committees::CommitteeLevel;
        let phone_owned = phone.to_owned();
        let now = self.clock.now_utc().naive_utc();
        let created = self
            .state
            .db
            .write(move |conn| {
                let c = committees::create(
                    conn,
                    &committees::Founding::root(
                        "另一个县政协",
                        CommitteeLevel::County,
                        "Asia/Shanghai",
                    ),
                    &["科技界"],
                    now,
                )?;
                let fields = members::MemberFields::parse(
                    &NewMember {
                        name: "他县组织员".into(),
                        phone: phone_owned,
                        ..NewMember::default()
                    },
                    now.year(),
                )
                .map_err(lvzhi_server::error::AppError::from)?;
                let ((user, _), code) =
                    members::create(conn, c.id, fields, Role::Organizer, 1, now)?;
                Ok((user.phone, code.code))
            })
            .await
            .expect("second committee");
        let resp = self
            .api(Method::POST, "/auth/activate")
            .json(&serde_json::json!({"phone": created.0, "activation_code": created.1, "new_password": MEMBER_PASSWORD}))
            .send()
            .await
            .expect("activate");
        json_ok(resp).await
    }
}

/// A member made straight in the database with an access token minted by
/// the server's own keys: for tests that need hundreds of members, where
/// activating each (an argon2 hash) would take most of the test's time.
#[derive(Debug, Clone)]
pub struct QuickMember {
    pub id: lvzhi_shared::ids::MemberId,
    pub token: String,
}

impl TestApp {
    /// `count` members of the admin's committee (phones `prefix` + 000…),
    /// each with an access token; their accounts are pending activation,
    /// which the API does not mind.
    pub async fn quick_members(&self, prefix: &str, count: usize) -> Vec<QuickMember> {
        use chrono::Datelike;
        use lvzhi_server::domain::accounts::members;
        assert_eq!(prefix.len(), 8, "prefix + 3 digits make a phone number");
        let admin = self.admin().await;
        let committee = admin.user.committee_id;
        let now = self.clock.now_utc().naive_utc();
        let prefix = prefix.to_owned();
        let ids = self
            .state
            .db
            .write(move |conn| {
                let mut ids = Vec::with_capacity(count);
                for i in 0..count {
                    let phone = format!("{prefix}{i:03}");
                    let fields = members::MemberFields::parse(
                        &NewMember {
                            name: format!("委员{}", chinese_digits(&phone[5..])),
                            phone,
                            ..NewMember::default()
                        },
                        now.year(),
                    )
                    .map_err(lvzhi_server::error::AppError::from)?;
                    let ((user, _), _) =
                        members::create(conn, committee, fields, Role::Member, 1, now)?;
                    ids.push(user.id);
                }
                Ok(ids)
            })
            .await
            .expect("quick members");
        ids.into_iter()
            .map(|id| QuickMember {
                id,
                token: self.mint(id, committee),
            })
            .collect()
    }

    /// New tokens for quick members, after the clock moved past the old ones' life.
    pub async fn renew(&self, members: &mut [QuickMember]) {
        let committee = self.admin().await.user.committee_id;
        for m in members {
            m.token = self.mint(m.id, committee);
        }
    }

    /// An access token of a member session, signed with the server's keys.
    pub fn mint(
        &self,
        id: lvzhi_shared::ids::MemberId,
        committee: lvzhi_shared::ids::CommitteeId,
    ) -> String {
        self.state
            .auth
            .jwt
            .issue(
                id,
                committee,
                Role::Member,
                lvzhi_shared::ids::SessionId::new_v7(),
            )
            .expect("token")
    }
}

/// The password every account the kit activates gets.
pub const MEMBER_PASSWORD: &str = "password-123";

/// Names may not hold digits: "0301" → "零三零一".
pub fn chinese_digits(digits: &str) -> String {
    const NUMERALS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| NUMERALS[d as usize])
        .collect()
}

/// Activities through the API.
impl TestApp {
    /// Creates a draft from JSON (as `token`) and returns it.
    pub async fn create_activity(&self, token: &str, body: serde_json::Value) -> Activity {
        let resp = self
            .api(Method::POST, "/activities")
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("create activity");
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "create activity: {}",
            resp.text().await.unwrap_or_default()
        );
        resp.json().await.expect("activity body")
    }

    /// Creates and publishes an activity starting in `starts_in_hours`, lasting 2 hours.
    pub async fn published_activity(
        &self,
        token: &str,
        mut body: serde_json::Value,
        starts_in_hours: i64,
    ) -> Activity {
        let starts = self.clock.now() + chrono::Duration::hours(starts_in_hours);
        let defaults = serde_json::json!({
            "kind": "training",
            "title": "学习培训",
            "capacity": 10,
            "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        });
        if let (Some(b), Some(d)) = (body.as_object_mut(), defaults.as_object()) {
            for (k, v) in d {
                b.entry(k.clone()).or_insert(v.clone());
            }
        }
        let draft = self.create_activity(token, body).await;
        let resp = self
            .api(Method::POST, &format!("/activities/{}/publish", draft.id))
            .bearer_auth(token)
            .send()
            .await
            .expect("publish");
        json_ok(resp).await
    }

    /// The roster of `activity_id` as JSON, read as `token` (the office).
    pub async fn roster(
        &self,
        token: &str,
        activity_id: ActivityId,
    ) -> lvzhi_shared::activities::Roster {
        let resp = self
            .api(Method::GET, &format!("/activities/{activity_id}/signups"))
            .bearer_auth(token)
            .send()
            .await
            .expect("roster");
        json_ok(resp).await
    }

    /// Signs up as `token` (no idempotency key); `activity_id` may be any
    /// text, to test what the server makes of one that is not an id.
    pub async fn sign_up(
        &self,
        token: &str,
        activity_id: impl std::fmt::Display,
        role_id: Option<RoleSlotId>,
    ) -> Response {
        self.api(Method::POST, &format!("/activities/{activity_id}/signups"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "role_id": role_id }))
            .send()
            .await
            .expect("sign up")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Every test scans the log written since the last scan, whoever wrote it.
        logs::check();
    }
}

/// Asserts a 2xx and decodes the body.
pub async fn json_ok<T: DeserializeOwned>(resp: Response) -> T {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert!(
        status.is_success(),
        "expected success, got {status}: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot decode {text}: {e}"))
}

/// Asserts an error with this status and code, and returns its body.
pub async fn expect_error(resp: Response, status: u16, code: &str) -> ErrorBody {
    let got = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(got.as_u16(), status, "status for {code}: {text}");
    let body: ErrorBody =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("error body {text}: {e}"));
    let wire = serde_json::to_value(body.code).expect("code");
    assert_eq!(wire, code, "code: {text}");
    body
}

/// A JSON request body helper.
pub fn body<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serialisable")
}

/// The configuration with the fixed test signing key.
pub fn with_test_secret(config: &mut Config) {
    config.auth.jwt_secret = Some(Secret(TEST_JWT_SECRET.into()));
}

/// The bytes of a fixture roster (copies of the team's synthetic fixtures, kept in `tests/fixtures`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Meetings through the API, as the office sets them up.
impl TestApp {
    /// Sends `body` (or nothing) as `token` and decodes a 2xx answer.
    pub async fn call_ok<T: DeserializeOwned>(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> T {
        let mut req = self.api(method.clone(), path).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        json_ok(resp).await
    }

    /// A body (常务委员会) whose voting members are `members`, from 2020 on.
    pub async fn body_of(
        &self,
        token: &str,
        members: &[lvzhi_shared::ids::MemberId],
    ) -> lvzhi_shared::meetings::Body {
        let body: lvzhi_shared::meetings::Body = self
            .call_ok(
                token,
                Method::POST,
                "/bodies",
                Some(serde_json::json!({"name": "第七届常务委员会", "kind": "standing", "term": "第七届"})),
            )
            .await;
        for m in members {
            let _: lvzhi_shared::meetings::BodyMember = self
                .call_ok(
                    token,
                    Method::POST,
                    &format!("/bodies/{}/members", body.id),
                    Some(serde_json::json!({"member_id": m, "joined_on": "2020-01-01"})),
                )
                .await;
        }
        body
    }

    /// Uploads `bytes` as a document of the meeting, as the office does.
    pub async fn meeting_document(
        &self,
        token: &str,
        meeting: lvzhi_shared::ids::MeetingId,
        title: &str,
        bytes: Vec<u8>,
    ) -> lvzhi_shared::activities::Material {
        let form = reqwest::multipart::Form::new()
            .text("title", title.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("document.pdf"),
            );
        let resp = self
            .api(Method::POST, &format!("/meetings/{meeting}/documents"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        json_ok(resp).await
    }

    /// A published standing-committee meeting of `members`, one session of
    /// two hours per entry of `starts_in_hours` (from the clock's now).
    pub async fn published_meeting(
        &self,
        token: &str,
        members: &[lvzhi_shared::ids::MemberId],
        title: &str,
        starts_in_hours: &[i64],
    ) -> lvzhi_shared::meetings::Meeting {
        let body = self.body_of(token, members).await;
        let now = self.clock.now();
        let sessions: Vec<serde_json::Value> = starts_in_hours
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let starts = now + chrono::Duration::hours(*h);
                serde_json::json!({
                    "title": format!("第{}场", chinese_digits(&(i + 1).to_string())),
                    "starts_at": starts.to_rfc3339(),
                    "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
                    "place": "县政协三楼会议室",
                })
            })
            .collect();
        let draft: lvzhi_shared::meetings::Meeting = self
            .call_ok(
                token,
                Method::POST,
                "/meetings",
                Some(serde_json::json!({
                    "kind": "standing",
                    "body_id": body.id,
                    "title": title,
                    "agenda": "一、审议工作报告\n二、民主评议",
                    "sessions": sessions,
                })),
            )
            .await;
        self.call_ok(
            token,
            Method::POST,
            &format!("/meetings/{}/publish", draft.id),
            None,
        )
        .await
    }
}
