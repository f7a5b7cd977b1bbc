//! `LvzhiClient`: every flow of the phone app, async on tokio.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    Activity, ActivityKind, ActivityPage, ActivityStatus, AttendanceEntry, AttendanceResult,
    CheckinCode, CheckinResult, DutyRecord, Finding, FindingList, MyActivityList, NewFinding,
    SignupResult,
};
use lvzhi_shared::members::{Me, Member};
use lvzhi_shared::notifications::{Device, NotificationKind, NotificationPage, Platform};

use super::error::LvzhiError;
use super::session::{Foreign, SessionStore};
use crate::core;

type Result<T> = std::result::Result<T, LvzhiError>;

/// The Lvzhi API for this app installation. Create one and share it.
#[derive(uniffi::Object)]
pub struct LvzhiClient {
    inner: core::Client,
}

/// What a push says happened, and where to take the member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushEvent {
    pub kind: NotificationKind,
    /// Mark it read when the member opens it.
    pub notification_id: String,
    /// The activity to open, when there is one.
    pub activity_id: Option<String>,
    pub announcement_id: Option<String>,
}

/// Reads the `data` map of an incoming FCM message; `None` if it is not ours.
#[uniffi::export]
pub fn parse_push_payload(data: HashMap<String, String>) -> Option<PushEvent> {
    core::parse_push(&data).map(|e| PushEvent {
        kind: e.kind,
        notification_id: e.notification_id,
        activity_id: e.activity_id,
        announcement_id: e.announcement_id,
    })
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
        Ok(Arc::new(Self { inner }))
    }

    /// Whether a session is stored (skip the sign-in screen).
    pub fn is_signed_in(&self) -> bool {
        self.inner.is_signed_in()
    }

    pub async fn sign_in(&self, phone: String, password: String) -> Result<Member> {
        Ok(self.inner.sign_in(&phone, &password).await?)
    }

    /// First sign-in with the office's activation code; sets the password.
    pub async fn activate(
        &self,
        phone: String,
        activation_code: String,
        new_password: String,
    ) -> Result<Member> {
        Ok(self
            .inner
            .activate(&phone, &activation_code, &new_password)
            .await?)
    }

    pub async fn sign_out(&self) -> Result<()> {
        Ok(self.inner.sign_out().await?)
    }

    pub async fn me(&self) -> Result<Me> {
        Ok(self.inner.me().await?)
    }

    pub async fn change_password(
        &self,
        current_password: String,
        new_password: String,
    ) -> Result<()> {
        Ok(self
            .inner
            .change_password(&current_password, &new_password)
            .await?)
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
        Ok(self.inner.activities(&filter).await?)
    }

    /// An activity with my sign-up and waitlist position, if any.
    pub async fn activity(&self, activity_id: String) -> Result<Activity> {
        Ok(self.inner.activity(&activity_id).await?)
    }

    /// Signs up. Pass the same `idempotency_key` when retrying this action
    /// (absent: a fresh one, so the call is not safe to repeat blindly).
    pub async fn sign_up(
        &self,
        activity_id: String,
        role_id: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<SignupResult> {
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        Ok(self.inner.sign_up(&activity_id, role_id, key).await?)
    }

    pub async fn cancel_sign_up(
        &self,
        activity_id: String,
        idempotency_key: Option<String>,
    ) -> Result<SignupResult> {
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        Ok(self.inner.cancel_sign_up(&activity_id, key).await?)
    }

    pub async fn my_activities(&self) -> Result<MyActivityList> {
        Ok(self.inner.my_activities().await?)
    }

    /// Checks in with the code scanned from the organizer's screen.
    pub async fn check_in(
        &self,
        activity_id: String,
        code: String,
        idempotency_key: Option<String>,
    ) -> Result<CheckinResult> {
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        Ok(self.inner.check_in(&activity_id, &code, key).await?)
    }

    pub async fn submit_finding(
        &self,
        activity_id: String,
        finding: NewFinding,
        idempotency_key: Option<String>,
    ) -> Result<Finding> {
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        Ok(self
            .inner
            .submit_finding(&activity_id, &finding, key)
            .await?)
    }

    /// My findings and the answers to them.
    pub async fn my_findings(&self) -> Result<FindingList> {
        Ok(self.inner.my_findings().await?)
    }

    pub async fn duty_record(&self, year: i32) -> Result<DutyRecord> {
        Ok(self.inner.duty_record(year).await?)
    }

    /// Call after sign-in and whenever FCM gives the app a new token.
    pub async fn register_push_token(&self, token: String, platform: Platform) -> Result<Device> {
        Ok(self.inner.register_push_token(&token, platform).await?)
    }

    pub async fn unregister_push_token(&self, token: String) -> Result<()> {
        Ok(self.inner.unregister_push_token(&token).await?)
    }

    pub async fn inbox(
        &self,
        unread_only: bool,
        cursor: Option<String>,
    ) -> Result<NotificationPage> {
        Ok(self.inner.inbox(unread_only, cursor).await?)
    }

    pub async fn unread_count(&self) -> Result<i64> {
        Ok(self.inner.unread_count().await?)
    }

    pub async fn mark_read(&self, notification_id: String) -> Result<()> {
        Ok(self.inner.mark_read(&notification_id).await?)
    }

    pub async fn mark_all_read(&self) -> Result<()> {
        Ok(self.inner.mark_all_read().await?)
    }

    /// Organizer on site: the rotating code to show as a QR code.
    pub async fn checkin_code(&self, activity_id: String) -> Result<CheckinCode> {
        Ok(self.inner.checkin_code(&activity_id).await?)
    }

    /// Organizer on site: attended / absent / excused in bulk.
    pub async fn mark_attendance(
        &self,
        activity_id: String,
        entries: Vec<AttendanceEntry>,
    ) -> Result<AttendanceResult> {
        Ok(self.inner.mark_attendance(&activity_id, entries).await?)
    }
}
