//! One method per thing a member (or an organizer on site) does.

use lvzhi_shared::Timestamp;
use lvzhi_shared::activities::{
    Activity, ActivityKind, ActivityPage, ActivityStatus, AttendanceEntry, AttendanceResult,
    AttendanceUpdate, CheckinCode, CheckinRequest, CheckinResult, DutyRecord, Finding, FindingList,
    MyActivityList, NewFinding, SignupRequest, SignupResult,
};
use lvzhi_shared::auth::{
    ActivateRequest, ChangePasswordRequest, LoginRequest, RefreshRequest, TokenPair,
};
use lvzhi_shared::ids::{ActivityId, NotificationId, RoleSlotId};
use lvzhi_shared::members::{Me, Member};
use lvzhi_shared::notifications::{
    Device, DeviceRegistration, NotificationPage, Platform, UnreadCount,
};
use reqwest::Method;

use super::client::{Call, Client, session_of};
use super::error::Error;

/// Filters for the activity list; all optional.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub kind: Option<ActivityKind>,
    pub status: Option<ActivityStatus>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Path segments the app types (tokens) are percent-encoded; ids are UUIDs,
/// safe in a path as they are.
pub(super) fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `/activities?…` for a filter (built apart: the serializer is not `Send`).
fn activities_path(filter: &ActivityFilter) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(k) = filter.kind {
        query.append_pair("kind", k.as_str());
    }
    if let Some(s) = filter.status {
        query.append_pair("status", s.as_str());
    }
    if let Some(t) = filter.from {
        query.append_pair("from", &t.to_rfc3339());
    }
    if let Some(t) = filter.to {
        query.append_pair("to", &t.to_rfc3339());
    }
    if let Some(c) = &filter.cursor {
        query.append_pair("cursor", c);
    }
    if let Some(l) = filter.limit {
        query.append_pair("limit", &l.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/activities".to_owned()
    } else {
        format!("/activities?{query}")
    }
}

/// A fresh key for one user action (send it again only when retrying that action).
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Client {
    // --- account ---

    /// Signs in and stores the session.
    pub async fn sign_in(&self, phone: &str, password: &str) -> Result<Member, Error> {
        let call = Call::new(Method::POST, "/auth/login").json(&LoginRequest {
            phone: phone.to_owned(),
            password: password.to_owned(),
        })?;
        let pair: TokenPair = self.public(call).await?;
        self.store.save(session_of(&pair));
        Ok(pair.user)
    }

    /// First sign-in with the office's activation code; sets the password.
    pub async fn activate(
        &self,
        phone: &str,
        activation_code: &str,
        new_password: &str,
    ) -> Result<Member, Error> {
        let call = Call::new(Method::POST, "/auth/activate").json(&ActivateRequest {
            phone: phone.to_owned(),
            activation_code: activation_code.to_owned(),
            new_password: new_password.to_owned(),
        })?;
        let pair: TokenPair = self.public(call).await?;
        self.store.save(session_of(&pair));
        Ok(pair.user)
    }

    /// Ends the session on the server (its phone stops getting pushes) and
    /// forgets it here, even when the server cannot be reached.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let Some(session) = self.store.load() else {
            return Ok(());
        };
        self.store.clear();
        let call = Call::new(Method::POST, "/auth/logout").json(&RefreshRequest {
            refresh_token: session.refresh_token,
        })?;
        let (status, _) = self.send_public_raw(call).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(Error::Server {
                message: "the server could not end the session".into(),
            })
        }
    }

    pub async fn me(&self) -> Result<Me, Error> {
        self.authed(Call::new(Method::GET, "/me")).await
    }

    /// Changes the password; other sessions of the account end.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), Error> {
        let call = Call::new(Method::PUT, "/me/password").json(&ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        })?;
        self.authed_empty(call).await
    }

    // --- activities ---

    pub async fn activities(&self, filter: &ActivityFilter) -> Result<ActivityPage, Error> {
        let path = activities_path(filter);
        self.authed(Call::new(Method::GET, path)).await
    }

    /// An activity with my sign-up (and my waitlist position) if any.
    pub async fn activity(&self, id: ActivityId) -> Result<Activity, Error> {
        self.authed(Call::new(Method::GET, format!("/activities/{id}")))
            .await
    }

    /// Signs up; `idempotency_key` makes a retry of the same action safe.
    pub async fn sign_up(
        &self,
        activity_id: ActivityId,
        role_id: Option<RoleSlotId>,
        idempotency_key: String,
    ) -> Result<SignupResult, Error> {
        let call = Call::new(Method::POST, format!("/activities/{activity_id}/signups"))
            .json(&SignupRequest { role_id })?
            .idempotent(idempotency_key);
        self.authed(call).await
    }

    pub async fn cancel_sign_up(
        &self,
        activity_id: ActivityId,
        idempotency_key: String,
    ) -> Result<SignupResult, Error> {
        let call = Call::new(
            Method::DELETE,
            format!("/activities/{activity_id}/signups/me"),
        )
        .idempotent(idempotency_key);
        self.authed(call).await
    }

    pub async fn my_activities(&self) -> Result<MyActivityList, Error> {
        self.authed(Call::new(Method::GET, "/me/activities")).await
    }

    /// Checks in with the code scanned from the organizer's screen.
    pub async fn check_in(
        &self,
        activity_id: ActivityId,
        code: &str,
        idempotency_key: String,
    ) -> Result<CheckinResult, Error> {
        let call = Call::new(Method::POST, format!("/activities/{activity_id}/checkins"))
            .json(&CheckinRequest {
                code: code.to_owned(),
            })?
            .idempotent(idempotency_key);
        self.authed(call).await
    }

    pub async fn submit_finding(
        &self,
        activity_id: ActivityId,
        finding: &NewFinding,
        idempotency_key: String,
    ) -> Result<Finding, Error> {
        // Refused here, with the server's code and field, rather than after a
        // round trip on a weak signal.
        let finding = finding.checked()?;
        let call = Call::new(Method::POST, format!("/activities/{activity_id}/findings"))
            .json(&finding)?
            .idempotent(idempotency_key);
        self.authed(call).await
    }

    pub async fn my_findings(&self) -> Result<FindingList, Error> {
        self.authed(Call::new(Method::GET, "/me/findings")).await
    }

    pub async fn duty_record(&self, year: i32) -> Result<DutyRecord, Error> {
        self.authed(Call::new(Method::GET, format!("/me/record?year={year}")))
            .await
    }

    // --- push and inbox ---

    pub async fn register_push_token(
        &self,
        token: &str,
        platform: Platform,
    ) -> Result<Device, Error> {
        let call = Call::new(Method::POST, "/me/devices").json(&DeviceRegistration {
            token: token.to_owned(),
            platform,
        })?;
        self.authed(call).await
    }

    pub async fn unregister_push_token(&self, token: &str) -> Result<(), Error> {
        self.authed_empty(Call::new(
            Method::DELETE,
            format!("/me/devices/{}", seg(token)),
        ))
        .await
    }

    pub async fn inbox(
        &self,
        unread_only: bool,
        cursor: Option<String>,
    ) -> Result<NotificationPage, Error> {
        let query = {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("unread_only", if unread_only { "true" } else { "false" });
            if let Some(c) = &cursor {
                q.append_pair("cursor", c);
            }
            q.finish()
        };
        self.authed(Call::new(Method::GET, format!("/me/notifications?{query}")))
            .await
    }

    pub async fn unread_count(&self) -> Result<i64, Error> {
        let count: UnreadCount = self
            .authed(Call::new(Method::GET, "/me/notifications/unread-count"))
            .await?;
        Ok(count.unread)
    }

    pub async fn mark_read(&self, notification_id: NotificationId) -> Result<(), Error> {
        self.authed_empty(Call::new(
            Method::POST,
            format!("/me/notifications/{notification_id}/read"),
        ))
        .await
    }

    pub async fn mark_all_read(&self) -> Result<(), Error> {
        self.authed_empty(Call::new(Method::POST, "/me/notifications/read-all"))
            .await
    }

    // --- organizer on site ---

    /// The rotating code to show as a QR code (ask again when it expires).
    pub async fn checkin_code(&self, activity_id: ActivityId) -> Result<CheckinCode, Error> {
        self.authed(Call::new(
            Method::GET,
            format!("/activities/{activity_id}/checkin-code"),
        ))
        .await
    }

    pub async fn mark_attendance(
        &self,
        activity_id: ActivityId,
        entries: Vec<AttendanceEntry>,
    ) -> Result<AttendanceResult, Error> {
        let call = Call::new(Method::PUT, format!("/activities/{activity_id}/attendance"))
            .json(&AttendanceUpdate { entries })?;
        self.authed(call).await
    }
}
