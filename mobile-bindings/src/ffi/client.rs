//! `LvzhiClient`: every flow of the phone app, async on tokio.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    Activity, ActivityKind, ActivityPage, ActivityStatus, AttendanceEntry, AttendanceResult,
    CheckinCode, CheckinResult, DutyRecord, Finding, FindingList, MyActivityList, NewFinding,
    SignupResult,
};
use lvzhi_shared::ids::ParseIdError;
use lvzhi_shared::members::{Me, Member};
use lvzhi_shared::notifications::{Device, NotificationPage, Platform};

use super::error::LvzhiError;
use super::session::{Foreign, SessionStore};
use crate::core::{self, PushEvent};

pub(super) type Result<T> = std::result::Result<T, LvzhiError>;

/// The Lvzhi API for this app installation. Create one and share it.
#[derive(uniffi::Object)]
pub struct LvzhiClient {
    pub(super) inner: Arc<core::Client>,
}

/// The SDK's own runtime. Calls run on its threads, so the app's calling
/// thread (Kotlin's main dispatcher, Python's event loop) only waits for the
/// result instead of polling HTTP and JSON work itself.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lvzhi-sdk")
            .enable_all()
            .build()
            .expect("the SDK cannot start its runtime")
    })
}

/// Runs one call on the SDK's runtime. If the app cancels the call, the
/// request still completes there (it is never left half-done).
pub(super) async fn run<T: Send + 'static>(
    call: impl Future<Output = std::result::Result<T, core::Error>> + Send + 'static,
) -> Result<T> {
    runtime()
        .spawn(call)
        .await
        .map_err(|_| LvzhiError::Server {
            reason: "the call was interrupted".into(),
        })?
        .map_err(Into::into)
}

/// Reads the `data` map of an incoming FCM message; `None` if it is not ours.
#[uniffi::export]
pub fn parse_push_payload(data: HashMap<String, String>) -> Option<PushEvent> {
    core::parse_push(&data)
}

/// A fresh idempotency key for one user action; reuse it only to retry that action.
#[uniffi::export]
pub fn new_idempotency_key() -> String {
    core::new_idempotency_key()
}

fn time(value: Option<String>, field: &str) -> Result<Option<lvzhi_shared::Timestamp>> {
    value
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(&v).map_err(|_| LvzhiError::Invalid {
                code: ErrorCode::InvalidParameter,
                field: Some(field.to_owned()),
                reason: "a time like 2026-12-01T09:00:00+08:00".into(),
            })
        })
        .transpose()
}

/// An id the app passes as a string (Kotlin, Swift and Python see ids as
/// strings), refused here when it is not one, naming the argument.
pub(super) fn id<T: std::str::FromStr<Err = ParseIdError>>(value: &str, field: &str) -> Result<T> {
    value
        .parse()
        .map_err(|e: ParseIdError| LvzhiError::Invalid {
            code: ErrorCode::InvalidParameter,
            field: Some(field.to_owned()),
            reason: e.to_string(),
        })
}

#[uniffi::export(async_runtime = "tokio")]
impl LvzhiClient {
    /// `server_url` like `https://lvzhi.example.gov.cn`; calls time out after 15 s.
    #[uniffi::constructor]
    pub fn new(server_url: String, session_store: Arc<dyn SessionStore>) -> Result<Arc<Self>> {
        Self::with_timeout(server_url, session_store, 15)
    }

    /// Like `new`, with another timeout per call (seconds, at least 1).
    #[uniffi::constructor]
    pub fn with_timeout(
        server_url: String,
        session_store: Arc<dyn SessionStore>,
        timeout_seconds: u32,
    ) -> Result<Arc<Self>> {
        let mut config = core::ClientConfig::new(server_url);
        config.timeout = Duration::from_secs(u64::from(timeout_seconds.max(1)));
        let inner = core::Client::new(config, Arc::new(Foreign(session_store)))?;
        Ok(Arc::new(Self {
            inner: Arc::new(inner),
        }))
    }

    /// Whether a session is stored (skip the sign-in screen).
    pub fn is_signed_in(&self) -> bool {
        self.inner.is_signed_in()
    }

    pub async fn sign_in(&self, phone: String, password: String) -> Result<Member> {
        let inner = self.inner.clone();
        run(async move { inner.sign_in(&phone, &password).await }).await
    }

    /// First sign-in with the office's activation code; sets the password.
    pub async fn activate(
        &self,
        phone: String,
        activation_code: String,
        new_password: String,
    ) -> Result<Member> {
        let inner = self.inner.clone();
        run(async move {
            inner
                .activate(&phone, &activation_code, &new_password)
                .await
        })
        .await
    }

    pub async fn sign_out(&self) -> Result<()> {
        let inner = self.inner.clone();
        run(async move { inner.sign_out().await }).await
    }

    pub async fn me(&self) -> Result<Me> {
        let inner = self.inner.clone();
        run(async move { inner.me().await }).await
    }

    pub async fn change_password(
        &self,
        current_password: String,
        new_password: String,
    ) -> Result<()> {
        let inner = self.inner.clone();
        run(async move {
            inner
                .change_password(&current_password, &new_password)
                .await
        })
        .await
    }

    /// Upcoming activities by default; `from`/`to` are RFC 3339 times.
    pub async fn activities(
        &self,
        kind: Option<ActivityKind>,
        status: Option<ActivityStatus>,
        from: Option<String>,
        to: Option<String>,
        cursor: Option<String>,
    ) -> Result<ActivityPage> {
        let filter = core::ActivityFilter {
            kind,
            status,
            from: time(from, "from")?,
            to: time(to, "to")?,
            cursor,
            limit: None,
        };
        let inner = self.inner.clone();
        run(async move { inner.activities(&filter).await }).await
    }

    /// An activity with my sign-up and waitlist position, if any.
    pub async fn activity(&self, activity_id: String) -> Result<Activity> {
        let activity_id = id(&activity_id, "activity_id")?;
        let inner = self.inner.clone();
        run(async move { inner.activity(activity_id).await }).await
    }

    /// Signs up. Pass the same `idempotency_key` when retrying this action
    /// (absent: a fresh one, so the call is not safe to repeat blindly).
    pub async fn sign_up(
        &self,
        activity_id: String,
        role_id: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<SignupResult> {
        let activity_id = id(&activity_id, "activity_id")?;
        let role_id = role_id.map(|r| id(&r, "role_id")).transpose()?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.sign_up(activity_id, role_id, key).await }).await
    }

    pub async fn cancel_sign_up(
        &self,
        activity_id: String,
        idempotency_key: Option<String>,
    ) -> Result<SignupResult> {
        let activity_id = id(&activity_id, "activity_id")?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.cancel_sign_up(activity_id, key).await }).await
    }

    pub async fn my_activities(&self) -> Result<MyActivityList> {
        let inner = self.inner.clone();
        run(async move { inner.my_activities().await }).await
    }

    /// Checks in with the code scanned from the organizer's screen.
    pub async fn check_in(
        &self,
        activity_id: String,
        code: String,
        idempotency_key: Option<String>,
    ) -> Result<CheckinResult> {
        let activity_id = id(&activity_id, "activity_id")?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.check_in(activity_id, &code, key).await }).await
    }

    pub async fn submit_finding(
        &self,
        activity_id: String,
        finding: NewFinding,
        idempotency_key: Option<String>,
    ) -> Result<Finding> {
        let activity_id = id(&activity_id, "activity_id")?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.submit_finding(activity_id, &finding, key).await }).await
    }

    /// My findings and the answers to them.
    pub async fn my_findings(&self) -> Result<FindingList> {
        let inner = self.inner.clone();
        run(async move { inner.my_findings().await }).await
    }

    pub async fn duty_record(&self, year: i32) -> Result<DutyRecord> {
        let inner = self.inner.clone();
        run(async move { inner.duty_record(year).await }).await
    }

    /// Call after sign-in and whenever FCM gives the app a new token.
    pub async fn register_push_token(&self, token: String, platform: Platform) -> Result<Device> {
        let inner = self.inner.clone();
        run(async move { inner.register_push_token(&token, platform).await }).await
    }

    pub async fn unregister_push_token(&self, token: String) -> Result<()> {
        let inner = self.inner.clone();
        run(async move { inner.unregister_push_token(&token).await }).await
    }

    pub async fn inbox(
        &self,
        unread_only: bool,
        cursor: Option<String>,
    ) -> Result<NotificationPage> {
        let inner = self.inner.clone();
        run(async move { inner.inbox(unread_only, cursor).await }).await
    }

    pub async fn unread_count(&self) -> Result<i64> {
        let inner = self.inner.clone();
        run(async move { inner.unread_count().await }).await
    }

    pub async fn mark_read(&self, notification_id: String) -> Result<()> {
        let notification_id = id(&notification_id, "notification_id")?;
        let inner = self.inner.clone();
        run(async move { inner.mark_read(notification_id).await }).await
    }

    pub async fn mark_all_read(&self) -> Result<()> {
        let inner = self.inner.clone();
        run(async move { inner.mark_all_read().await }).await
    }

    /// Organizer on site: the rotating code to show as a QR code.
    pub async fn checkin_code(&self, activity_id: String) -> Result<CheckinCode> {
        let activity_id = id(&activity_id, "activity_id")?;
        let inner = self.inner.clone();
        run(async move { inner.checkin_code(activity_id).await }).await
    }

    /// Organizer on site: attended / absent / excused in bulk.
    pub async fn mark_attendance(
        &self,
        activity_id: String,
        entries: Vec<AttendanceEntry>,
    ) -> Result<AttendanceResult> {
        let activity_id = id(&activity_id, "activity_id")?;
        let inner = self.inner.clone();
        run(async move { inner.mark_attendance(activity_id, entries).await }).await
    }
}

#[cfg(test)]
mod tests {
    use lvzhi_shared::ids::ActivityId;

    use super::*;

    #[test]
    fn an_id_that_is_not_one_is_refused_naming_the_argument() {
        let good = "0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b";
        let parsed: ActivityId = id(good, "activity_id").expect("an id");
        assert_eq!(parsed.to_string(), good);
        assert_eq!(
            id::<ActivityId>("x", "activity_id").expect_err("not an id"),
            LvzhiError::Invalid {
                code: ErrorCode::InvalidParameter,
                field: Some("activity_id".into()),
                reason: "not a valid id (a UUID)".into(),
            }
        );
    }
}
