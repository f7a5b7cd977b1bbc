//! Devices, the inbox, announcements, and the data every push carries.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::ids::{
    ActivityId, AnnouncementId, MeetingId, MemberId, NotificationId, ReportId, SectorId,
};

crate::wire_enum! {
    /// The phone's operating system.
    pub enum Platform {
        Android = "android",
        Ios = "ios",
    }
}

crate::wire_enum! {
    /// What a notification is about; the app routes on it.
    pub enum NotificationKind {
        SignupConfirmed = "signup_confirmed",
        Waitlisted = "waitlisted",
        Promoted = "promoted",
        MovedToWaitlist = "moved_to_waitlist",
        Removed = "removed",
        ActivityChanged = "activity_changed",
        ActivityCancelled = "activity_cancelled",
        Reminder = "reminder",
        FindingAnswered = "finding_answered",
        Announcement = "announcement",
        /// A meeting's notice: summoned, with its sessions.
        MeetingNotice = "meeting_notice",
        /// A meeting was rescheduled or cancelled.
        MeetingChanged = "meeting_changed",
        /// A leave request was approved, refused or voided.
        LeaveDecided = "leave_decided",
        /// A report I am credited on moved on (accepted, forwarded, adopted …).
        ReportUpdate = "report_update",
        /// A member named me as co-signer of a report: confirm or decline.
        CosignRequested = "cosign_requested",
        /// My duty record changed hands: the year closed, a dispute was decided.
        PointsUpdate = "points_update",
    }
}

crate::wire_enum! {
    /// Where a notification's push stands.
    pub enum PushState {
        /// Waiting to go (quiet hours, a retry, or push not configured).
        Queued = "queued",
        /// FCM accepted it for at least one of the member's devices.
        Sent = "sent",
        /// Given up (every device refused, or retries ran out).
        Failed = "failed",
        /// The member has no phone registered: inbox only.
        NoDevice = "no_device",
    }
}

/// Keys of the `data` map of every push, for the app to deep-link.
pub mod push_data {
    /// A [`NotificationKind`](super::NotificationKind) value.
    pub const EVENT: &str = "event";
    /// The inbox item, to mark it read.
    pub const NOTIFICATION_ID: &str = "notification_id";
    /// Present when the notification is about an activity.
    pub const ACTIVITY_ID: &str = "activity_id";
    /// Present for announcements.
    pub const ANNOUNCEMENT_ID: &str = "announcement_id";
    /// Present when the notification is about a meeting.
    pub const MEETING_ID: &str = "meeting_id";
    /// Present when the notification is about an opinion report.
    pub const REPORT_ID: &str = "report_id";
}

/// `POST /me/devices`: this phone's FCM registration token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceRegistration {
    pub token: String,
    pub platform: Platform,
}

/// A registered phone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Device {
    pub token: String,
    pub platform: Platform,
    pub registered_at: DateTime<FixedOffset>,
}

/// One item of my inbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub activity_id: Option<ActivityId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub announcement_id: Option<AnnouncementId>,
    /// The meeting to open, when the notification is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub meeting_id: Option<MeetingId>,
    /// The opinion report to open, when the notification is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub report_id: Option<ReportId>,
    pub urgent: bool,
    pub created_at: DateTime<FixedOffset>,
    /// When I read it; absent while unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub read_at: Option<DateTime<FixedOffset>>,
}

/// One page of my inbox, newest first, with the unread count.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// Unread notifications in the whole inbox (not just this page).
    pub unread: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub next_cursor: Option<String>,
}

/// `GET /me/notifications/unread-count`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UnreadCount {
    pub unread: i64,
}

crate::wire_enum! {
    /// Who an announcement goes to.
    pub enum AudienceKind {
        /// Every member of the committee.
        Committee = "committee",
        /// Members of the sectors named in `sector_ids`.
        Sectors = "sectors",
        /// Members signed up for `activity_id`.
        Activity = "activity",
        /// The members named in `member_ids`.
        Members = "members",
    }
}

/// An announcement's audience.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AnnouncementAudience {
    pub kind: AudienceKind,
    /// For `sectors`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub sector_ids: Vec<SectorId>,
    /// For `activity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub activity_id: Option<ActivityId>,
    /// For `activity`: include registered members (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub registered: Option<bool>,
    /// For `activity`: include the waitlist (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub waitlisted: Option<bool>,
    /// For `members`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub member_ids: Vec<MemberId>,
}

/// `POST /announcements`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewAnnouncement {
    pub title: String,
    pub body: String,
    /// The activity the app opens when the member taps the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub activity_id: Option<ActivityId>,
    pub audience: AnnouncementAudience,
    /// Goes out even during quiet hours (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub urgent: Option<bool>,
}

/// The answer to `POST /announcements`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AnnouncementCreated {
    pub id: AnnouncementId,
    /// Members it was queued for (each also finds it in their inbox).
    pub recipients: i64,
}

/// How an announcement's pushes stand, one count per member.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeliveryCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// Members with no phone registered (they still have it in their inbox).
    pub no_device: i64,
    /// Members who opened it in their inbox.
    pub read: i64,
}

/// `GET /announcements/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Announcement {
    pub id: AnnouncementId,
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub activity_id: Option<ActivityId>,
    pub audience: AnnouncementAudience,
    pub urgent: bool,
    pub recipients: i64,
    pub created_by: MemberId,
    pub created_at: DateTime<FixedOffset>,
    pub delivery: DeliveryCounts,
}

/// `GET /announcements`: newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AnnouncementPage {
    pub items: Vec<Announcement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub next_cursor: Option<String>,
}
