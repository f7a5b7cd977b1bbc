//! Configuration: defaults, then an optional TOML file, then `LVZHI_*`
//! environment variables (nested keys with `__`, e.g. `LVZHI_LOGIN__MAX_FAILURES_PER_PHONE`).

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A secret that never shows up in logs or debug output.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`LVZHI_BIND`).
    pub bind: String,
    /// `postgres://…` or a SQLite file path (`LVZHI_DATABASE_URL`).
    pub database_url: String,
    /// Database connections in the pool.
    pub db_pool_size: u32,
    pub auth: AuthConfig,
    pub login: LoginThrottleConfig,
    pub limits: LimitsConfig,
    pub bootstrap: BootstrapConfig,
    pub signups: SignupConfig,
    pub push: PushConfig,
    pub console: ConsoleConfig,
    /// `text` or `json`.
    pub log_format: String,
    /// The address phones reach the server at (`https://lvzhi.example.gov.cn`),
    /// for links such as calendar feeds. Unset: taken from the request's
    /// `Host` (and `X-Forwarded-Proto`).
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 signing secret (≥ 32 bytes). Unset: one is generated and kept in the database.
    pub jwt_secret: Option<Secret>,
    /// The previous secret, still accepted while tokens signed by it expire.
    pub jwt_previous_secret: Option<Secret>,
    /// The key calendar feed secrets are derived with (≥ 32 bytes). Unset:
    /// one is generated and kept in the database. Changing it changes every
    /// feed's address.
    pub calendar_key: Option<Secret>,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    pub activation_code_days: i64,
    /// Wrong activation codes allowed before the code dies.
    pub activation_max_attempts: i32,
    /// Password hashes computed at once (default: half the cores, at least one).
    pub hash_concurrency: Option<usize>,
    /// Hash requests allowed to wait; beyond that logins get 503 at once.
    pub hash_queue: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginThrottleConfig {
    /// Failed sign-ins for one phone before it is locked.
    pub max_failures_per_phone: u32,
    /// Failed sign-ins from one address before it is locked.
    pub max_failures_per_address: u32,
    /// Failures further back than this are forgotten.
    pub window_seconds: u64,
    /// How long a lock lasts.
    pub lockout_seconds: u64,
    /// Extra delay per failure once half the allowance is used (slows guessing).
    pub delay_millis_per_failure: u64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest JSON body, bytes.
    pub max_body_bytes: usize,
    /// Largest roster upload, bytes.
    pub max_import_bytes: usize,
    /// Most data rows in one roster upload.
    pub max_import_rows: usize,
    /// Largest uploaded course material, bytes.
    pub max_material_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignupConfig {
    /// Most sign-ups written in one transaction per activity (1: one commit each).
    pub max_batch: usize,
}

impl Default for SignupConfig {
    fn default() -> Self {
        Self { max_batch: 128 }
    }
}

/// Push delivery over FCM HTTP v1. Without `credentials_file` push is off:
/// notifications still reach inboxes and stay queued for when it is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// The Firebase service-account JSON file (project_id, client_email, private_key, token_uri).
    pub credentials_file: Option<String>,
    /// Where FCM is (tests point this at a local fake).
    pub fcm_base_url: String,
    /// Overrides the service account's `token_uri`.
    pub token_uri: Option<String>,
    /// Whether this process delivers the outbox (several processes may; they share the work).
    pub worker: bool,
    /// Pushes in flight at once.
    pub max_in_flight: usize,
    /// Notifications one worker claims at a time.
    pub batch_size: usize,
    /// Tries per notification before it is marked failed.
    pub max_attempts: i32,
    /// First retry delay; doubles per attempt (with jitter) up to `retry_max_seconds`.
    pub retry_base_seconds: u64,
    pub retry_max_seconds: u64,
    /// How long a claim lasts: a worker that dies mid-send frees its work after this.
    pub lease_seconds: u64,
    /// How often an idle worker looks for due work (it is also woken on new announcements).
    pub poll_millis: u64,
    /// Timeout of one call to FCM or the token endpoint.
    pub request_timeout_seconds: u64,
    /// Reminders before an activity starts, in minutes, unless the activity sets its own.
    pub reminder_minutes: Vec<u32>,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            credentials_file: None,
            fcm_base_url: "https://fcm.googleapis.com".into(),
            token_uri: None,
            worker: true,
            max_in_flight: 64,
            batch_size: 500,
            max_attempts: 8,
            retry_base_seconds: 10,
            retry_max_seconds: 3600,
            lease_seconds: 120,
            poll_millis: 1000,
            request_timeout_seconds: 15,
            reminder_minutes: vec![24 * 60, 120],
        }
    }
}

/// The office's web console: its cookie session.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// A session unused this long ends (a clerk who walked away).
    pub idle_minutes: i64,
    /// A session ends this long after sign-in, however busy.
    pub absolute_hours: i64,
    /// Mark the cookie `Secure`: set when clients reach the server over
    /// HTTPS (directly or through a proxy), so the cookie never travels in clear.
    pub secure_cookie: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            absolute_hours: 12,
            secure_cookie: false,
        }
    }
}

/// What the first start on an empty database creates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BootstrapConfig {
    pub committee_name: String,
    pub committee_level: String,
    pub time_zone: String,
    pub admin_name: String,
    pub admin_phone: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: "data/lvzhi.db".into(),
            db_pool_size: 16,
            auth: AuthConfig::default(),
            login: LoginThrottleConfig::default(),
            limits: LimitsConfig::default(),
            bootstrap: BootstrapConfig::default(),
            signups: SignupConfig::default(),
            push: PushConfig::default(),
            console: ConsoleConfig::default(),
            log_format: "text".into(),
            public_url: None,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            jwt_previous_secret: None,
            calendar_key: None,
            access_token_minutes: 10,
            refresh_token_days: 30,
            activation_code_days: 14,
            activation_max_attempts: 5,
            hash_concurrency: None,
            hash_queue: 64,
        }
    }
}

impl Default for LoginThrottleConfig {
    fn default() -> Self {
        Self {
            max_failures_per_phone: 5,
            max_failures_per_address: 50,
            window_seconds: 15 * 60,
            lockout_seconds: 15 * 60,
            delay_millis_per_failure: 500,
            trust_forwarded_for: false,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_import_bytes: 8 * 1024 * 1024,
            max_import_rows: 20_000,
            max_material_bytes: 20 * 1024 * 1024,
        }
    }
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            committee_name: "政协委员会".into(),
            committee_level: "county".into(),
            time_zone: "Asia/Shanghai".into(),
            admin_name: "管理员".into(),
            admin_phone: "13800000000".into(),
        }
    }
}

impl Config {
    /// Defaults, then `file` (if given), then the environment; validated.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        // LVZHI_CONFIG names the file and LVZHI_TEST_* configure the test suite; neither is a setting.
        let env = Env::prefixed("LVZHI_")
            .ignore(&["CONFIG"])
            // (keys reach the filter as written: LVZHI_TEST_… arrives as TEST_…)
            .filter(|k| !k.as_str().to_ascii_lowercase().starts_with("test_"))
            .split("__");
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot, with messages an operator can act on.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if self.bind.parse::<SocketAddr>().is_err() {
            problems.push(format!(
                "bind: `{}` is not an address like 127.0.0.1:8080",
                self.bind
            ));
        }
        if let Err(e) = crate::db::DatabaseKind::from_url(&self.database_url) {
            problems.push(format!("database_url: {e}"));
        }
        if !(1..=10_000).contains(&self.signups.max_batch) {
            problems.push("signups.max_batch: must be 1 to 10000".into());
        }
        let push = &self.push;
        if !(1..=4096).contains(&push.max_in_flight) || !(1..=10_000).contains(&push.batch_size) {
            problems.push("push.max_in_flight: 1 to 4096; push.batch_size: 1 to 10000".into());
        }
        if push.max_attempts < 1 || push.retry_base_seconds == 0 || push.lease_seconds == 0 {
            problems.push(
                "push.max_attempts, push.retry_base_seconds, push.lease_seconds: at least 1".into(),
            );
        }
        if push.poll_millis == 0 || push.request_timeout_seconds == 0 {
            problems.push("push.poll_millis, push.request_timeout_seconds: at least 1".into());
        }
        if push
            .reminder_minutes
            .iter()
            .any(|m| !(1..=30 * 24 * 60).contains(m))
        {
            problems.push("push.reminder_minutes: each 1 to 43200 (30 days)".into());
        }
        if let Some(file) = &push.credentials_file
            && !Path::new(file).is_file()
        {
            problems.push(format!("push.credentials_file: {file} is not a file"));
        }
        let console = &self.console;
        if !(1..=24 * 60).contains(&console.idle_minutes)
            || !(1..=7 * 24).contains(&console.absolute_hours)
            || console.idle_minutes > console.absolute_hours * 60
        {
            problems.push(
                "console.idle_minutes: 1 to 1440, at most console.absolute_hours (1 to 168)".into(),
            );
        }
        if self.db_pool_size == 0 {
            problems.push("db_pool_size: must be at least 1".into());
        }
        for (name, secret) in [
            ("auth.jwt_secret", &self.auth.jwt_secret),
            ("auth.jwt_previous_secret", &self.auth.jwt_previous_secret),
            ("auth.calendar_key", &self.auth.calendar_key),
        ] {
            if secret.as_ref().is_some_and(|s| s.0.len() < 32) {
                problems.push(format!("{name}: must be at least 32 bytes"));
            }
        }
        if !(1..=24 * 60).contains(&self.auth.access_token_minutes) {
            problems.push("auth.access_token_minutes: must be 1 to 1440".into());
        }
        if !(1..=365).contains(&self.auth.refresh_token_days) {
            problems.push("auth.refresh_token_days: must be 1 to 365".into());
        }
        if !(1..=90).contains(&self.auth.activation_code_days) {
            problems.push("auth.activation_code_days: must be 1 to 90".into());
        }
        if self.auth.activation_max_attempts < 1 {
            problems.push("auth.activation_max_attempts: must be at least 1".into());
        }
        if self.login.max_failures_per_phone == 0 || self.login.max_failures_per_address == 0 {
            problems.push("login.max_failures_*: must be at least 1".into());
        }
        if self.limits.max_body_bytes < 1024 || self.limits.max_import_bytes < 1024 {
            problems.push("limits: body limits must be at least 1024 bytes".into());
        }
        if self.bootstrap.time_zone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(format!(
                "bootstrap.time_zone: unknown time zone `{}`",
                self.bootstrap.time_zone
            ));
        }
        if lvzhi_shared::committees::CommitteeLevel::parse(&self.bootstrap.committee_level)
            .is_none()
        {
            problems.push(
                "bootstrap.committee_level: one of national, provincial, city, county".into(),
            );
        }
        if lvzhi_shared::validate::normalize_phone(&self.bootstrap.admin_phone, "admin_phone")
            .is_err()
        {
            problems.push("bootstrap.admin_phone: not an 11-digit mobile number".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            problems.push("log_format: `text` or `json`".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("invalid configuration:\n  - {}", problems.join("\n  - "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().expect("defaults validate");
    }

    #[test]
    fn problems_are_all_reported() {
        let mut c = Config {
            bind: "nowhere".into(),
            ..Config::default()
        };
        c.auth.jwt_secret = Some(Secret("short".into()));
        c.bootstrap.time_zone = "Mars/Olympus".into();
        let msg = c.validate().expect_err("invalid").to_string();
        assert!(msg.contains("bind"), "{msg}");
        assert!(msg.contains("jwt_secret"), "{msg}");
        assert!(msg.contains("time_zone"), "{msg}");
        assert!(!msg.contains("short"), "secrets are never echoed: {msg}");
    }

    #[test]
    fn secrets_do_not_print() {
        let mut c = Config::default();
        c.auth.jwt_secret = Some(Secret(
            "a-very-long-secret-that-must-not-leak-anywhere".into(),
        ));
        assert!(!format!("{c:?}").contains("must-not-leak"));
    }
}
