//! Activities: training (学习培训), outreach (三下乡) and inspection trips (视察),
//! with sign-ups, waitlists, check-in, attendance, findings and outcomes.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::ids::{ActivityId, CommitteeId, FindingId, MaterialId, MemberId, RoleSlotId, StopId};

crate::wire_enum! {
    pub enum ActivityKind {
        /// 学习培训: attendance earns study hours.
        Training = "training",
        /// 三下乡: culture, science & technology and health services in townships.
        Outreach = "outreach",
        /// 视察: an itinerary of stops, then findings and suggestions.
        Inspection = "inspection",
    }
}

crate::wire_enum! {
    pub enum ActivityStatus {
        Draft = "draft",
        Published = "published",
        Cancelled = "cancelled",
        Completed = "completed",
    }
}

crate::wire_enum! {
    /// Who may see an activity and sign up.
    pub enum Audience {
        /// Every member of the committee.
        Committee = "committee",
        /// Members of the listed sectors.
        Sectors = "sectors",
        /// Only the invited members.
        Invited = "invited",
    }
}

crate::wire_enum! {
    /// The theme of an outreach activity.
    pub enum OutreachTheme {
        Culture = "culture",
        ScienceTechnology = "science_technology",
        Health = "health",
    }
}

crate::wire_enum! {
    pub enum SignupStatus {
        /// Has a place.
        Registered = "registered",
        /// Waiting for a place; `position` says where in the line.
        Waitlisted = "waitlisted",
        /// Cancelled by the member.
        Cancelled = "cancelled",
        /// Taken off by the office.
        Removed = "removed",
    }
}

crate::wire_enum! {
    pub enum Attendance {
        Attended = "attended",
        Absent = "absent",
        /// Absent with leave.
        Excused = "excused",
    }
}

crate::wire_enum! {
    /// The path of an inspection finding.
    pub enum FindingStatus {
        Submitted = "submitted",
        /// Sent to a government department.
        Forwarded = "forwarded",
        /// The department adopted the suggestion.
        Adopted = "adopted",
        /// The department answered.
        Answered = "answered",
    }
}

crate::wire_enum! {
    /// What to do when lowering a capacity below the members already registered.
    pub enum CapacityOverflow {
        /// Refuse the change (the default).
        Refuse = "refuse",
        /// Move the most recently registered members to the head of the waitlist.
        Waitlist = "waitlist",
    }
}

/// A role slot asked for when creating an activity (e.g. 5 doctors from 医药卫生界).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoleSlotInput {
    pub name: String,
    pub capacity: i32,
    /// Only members of this sector may take the slot.
    pub sector: Option<String>,
}

/// A role slot with its current counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoleSlot {
    pub id: RoleSlotId,
    pub name: String,
    pub capacity: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sector: Option<String>,
    pub registered: i32,
    pub waitlisted: i32,
}

/// A stop of an inspection trip.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StopInput {
    pub at: DateTime<FixedOffset>,
    pub place: String,
    /// What is inspected there.
    pub subject: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Stop {
    pub id: StopId,
    pub at: DateTime<FixedOffset>,
    pub place: String,
    pub subject: String,
}

/// A course material: a link to a document or video.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MaterialInput {
    pub title: String,
    /// `https://` or `http://` link.
    pub url: String,
}

/// A course material: a link, or an uploaded file served at `url`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Material {
    pub id: MaterialId,
    pub title: String,
    /// The link, or `/api/v1/materials/{id}/file` for an upload (needs the bearer token).
    pub url: String,
    /// For uploads: the file's type and size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub size_bytes: Option<i64>,
}

/// `POST /activities`: a new activity, created as a draft.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub title: String,
    pub description: Option<String>,
    pub location: Option<String>,
    /// RFC 3339 with offset, e.g. `2026-12-01T09:00:00+08:00`.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    /// When sign-up opens; absent: as soon as it is published.
    pub signup_opens_at: Option<DateTime<FixedOffset>>,
    /// When sign-up closes; absent: when the activity starts.
    pub signup_closes_at: Option<DateTime<FixedOffset>>,
    /// Defaults to the whole committee.
    pub audience: Option<Audience>,
    /// Sector names, for `audience: sectors`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub audience_sectors: Vec<String>,
    /// Member ids, for `audience: invited`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub invitees: Vec<MemberId>,
    /// Total places.
    pub capacity: i32,
    /// Role slots; absent: one slot for everyone.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub roles: Vec<RoleSlotInput>,
    /// Refuse members already registered for an activity at the same time.
    pub forbid_overlap: Option<bool>,
    /// Study hours credited on attendance (training).
    pub study_hours: Option<f64>,
    /// Outreach theme (required for outreach).
    pub theme: Option<OutreachTheme>,
    /// Inspection itinerary.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub itinerary: Vec<StopInput>,
    /// Training materials.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub materials: Vec<MaterialInput>,
    /// Reminders, in minutes before the start; absent: the server's default
    /// (24 h and 2 h before); empty: none.
    pub reminder_minutes: Option<Vec<i32>>,
}

/// `PATCH /activities/{id}`: only the fields present change. A change of time
/// or place of a published activity is announced to everyone signed up.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivityPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    pub signup_opens_at: Option<DateTime<FixedOffset>>,
    pub signup_closes_at: Option<DateTime<FixedOffset>>,
    pub capacity: Option<i32>,
    pub forbid_overlap: Option<bool>,
    pub study_hours: Option<f64>,
    /// Reminders in minutes before the start; empty: none.
    pub reminder_minutes: Option<Vec<i32>>,
    /// What to do if `capacity` falls below the members registered.
    pub on_overflow: Option<CapacityOverflow>,
}

/// The answer to a change that may move members: the activity as it now is,
/// and who moved.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivityChange {
    pub activity: Activity,
    /// Members moved from registered to the waitlist by a lowered capacity.
    pub moved_to_waitlist: Vec<MemberId>,
    /// Members moved off the waitlist by a raised capacity.
    pub promoted: Vec<MemberId>,
}

/// `PATCH /activities/{id}/roles/{role_id}`: change a role slot's capacity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoleCapacityPatch {
    pub capacity: i32,
    pub on_overflow: Option<CapacityOverflow>,
}

/// The caller's own sign-up, shown with an activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MySignup {
    pub status: SignupStatus,
    pub role_id: RoleSlotId,
    /// Place in the waitlist (1 is next), when waitlisted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub position: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub checked_in_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub attendance: Option<Attendance>,
}

/// An activity in full.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Activity {
    pub id: ActivityId,
    pub committee_id: CommitteeId,
    pub kind: ActivityKind,
    pub title: String,
    pub description: String,
    pub location: String,
    /// In the committee's time zone.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub signup_opens_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub signup_closes_at: Option<DateTime<FixedOffset>>,
    pub status: ActivityStatus,
    pub audience: Audience,
    pub audience_sectors: Vec<String>,
    pub capacity: i32,
    pub registered: i32,
    pub waitlisted: i32,
    pub roles: Vec<RoleSlot>,
    pub forbid_overlap: bool,
    pub study_hours: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub theme: Option<OutreachTheme>,
    pub itinerary: Vec<Stop>,
    pub materials: Vec<Material>,
    pub organizer_id: MemberId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub cancel_reason: Option<String>,
    /// The caller's sign-up, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub my_signup: Option<MySignup>,
    /// Reminders in minutes before the start; absent: the server's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub reminder_minutes: Option<Vec<i32>>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

/// An activity in a list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivitySummary {
    pub id: ActivityId,
    pub kind: ActivityKind,
    pub title: String,
    pub location: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub status: ActivityStatus,
    pub capacity: i32,
    pub registered: i32,
    pub waitlisted: i32,
    /// The caller's sign-up status, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub my_status: Option<SignupStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivityPage {
    pub items: Vec<ActivitySummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub next_cursor: Option<String>,
}

/// `POST /activities/{id}/cancel`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CancelActivity {
    /// Told to everyone signed up.
    pub reason: Option<String>,
}

/// `POST /activities/{id}/signups`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignupRequest {
    /// The role slot; may be left out when the activity has one slot.
    pub role_id: Option<RoleSlotId>,
}

/// The state of one sign-up after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignupResult {
    pub activity_id: ActivityId,
    pub member_id: MemberId,
    pub role_id: RoleSlotId,
    pub status: SignupStatus,
    /// Place in the waitlist (1 is next), when waitlisted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub position: Option<i32>,
    /// Members moved off the waitlist by this change.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub promoted: Vec<MemberId>,
}

/// Organizer override: `POST /activities/{id}/roster`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RosterAdd {
    pub member_id: MemberId,
    pub role_id: Option<RoleSlotId>,
    /// Give a place even when the slot is full (otherwise the member is waitlisted).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub over_capacity: bool,
}

/// One line of an activity's roster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RosterEntry {
    pub member_id: MemberId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub member_no: Option<String>,
    pub name: String,
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sector: Option<String>,
    pub role_id: RoleSlotId,
    pub role_name: String,
    pub status: SignupStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub position: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub attendance: Option<Attendance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub checked_in_at: Option<DateTime<FixedOffset>>,
    pub signed_up_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Roster {
    pub activity_id: ActivityId,
    pub items: Vec<RosterEntry>,
}

/// `GET /activities/{id}/checkin-code`: the code to show as a QR code now.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckinCode {
    /// Encode this in the QR code; members' phones send it back as `code`.
    pub code: String,
    /// The same code as six digits, shown beside the QR code for members
    /// who type it in; also accepted as `code`.
    pub digits: String,
    /// When this code stops being shown (fetch the next one then).
    pub expires_at: DateTime<FixedOffset>,
    /// Seconds the code is valid for.
    pub period_seconds: i32,
}

/// `POST /activities/{id}/checkins`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckinRequest {
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckinResult {
    pub activity_id: ActivityId,
    pub checked_in_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttendanceEntry {
    pub member_id: MemberId,
    pub attendance: Attendance,
}

/// `PUT /activities/{id}/attendance`: marks in bulk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttendanceUpdate {
    pub entries: Vec<AttendanceEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttendanceResult {
    pub updated: i32,
}

/// `POST /activities/{id}/findings`: a member's finding or suggestion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewFinding {
    pub title: String,
    pub content: String,
}

impl NewFinding {
    /// The finding as stored: title and content trimmed and within their
    /// limits. The SDK checks before sending; the server again on arrival.
    pub fn checked(&self) -> Result<Self, crate::validate::FieldError> {
        use crate::validate::{MAX_LONG_TEXT_CHARS, MAX_TITLE_CHARS, text};
        Ok(Self {
            title: text(&self.title, "title", MAX_TITLE_CHARS, true)?,
            content: text(&self.content, "content", MAX_LONG_TEXT_CHARS, true)?,
        })
    }
}

/// `PATCH /findings/{id}`: the office moves a finding along.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FindingPatch {
    pub status: FindingStatus,
    /// The department it was forwarded to (required for `forwarded`).
    pub department: Option<String>,
    /// The department's response (required for `adopted` and `answered`).
    pub response: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Finding {
    pub id: FindingId,
    pub activity_id: ActivityId,
    pub author_id: MemberId,
    pub author_name: String,
    pub title: String,
    pub content: String,
    pub status: FindingStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub response: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FindingList {
    pub items: Vec<Finding>,
}

/// `PUT /activities/{id}/outcome`: what an outreach activity achieved.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Outcome {
    pub people_served: i32,
    /// Free medical consultations (义诊).
    pub consultations: i32,
    /// Materials and books distributed.
    pub materials_distributed: i32,
    /// Value of donated medicines or goods, in yuan.
    pub donated_value_yuan: f64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub notes: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub photo_urls: Vec<String>,
}

/// One of my sign-ups (`GET /me/activities`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MyActivity {
    pub activity: ActivitySummary,
    pub signup: MySignup,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MyActivityList {
    pub items: Vec<MyActivity>,
}

/// `GET /me/record?year=`: a member's duty record for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DutyRecord {
    pub year: i32,
    /// Hours credited by trainings attended.
    pub study_hours: f64,
    pub trainings_attended: i32,
    pub outreach_joined: i32,
    pub inspections_joined: i32,
    pub findings_submitted: i32,
    pub findings_adopted: i32,
    /// Activities with attendance recorded, and how many of them attended.
    pub attendance_recorded: i32,
    pub attended: i32,
    /// `attended / attendance_recorded`, 0 when nothing is recorded.
    pub attendance_rate: f64,
    /// Sessions of formal meetings the member was summoned to that have
    /// ended, and what became of each: present (late included), excused
    /// (approved leave), absent without leave.
    pub meeting_sessions: i32,
    pub meeting_sessions_present: i32,
    pub meeting_sessions_excused: i32,
    pub meeting_sessions_absent: i32,
    /// Appraisal rounds the member voted in (never how).
    pub appraisals_voted: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KindCount {
    pub kind: ActivityKind,
    pub activities: i32,
    pub participants: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SectorParticipation {
    pub sector: String,
    pub members: i32,
    /// Members of the sector who attended at least one activity.
    pub participants: i32,
    pub attendances: i32,
}

/// `GET /stats?year=`: a committee's year in figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommitteeStats {
    pub year: i32,
    pub by_kind: Vec<KindCount>,
    pub by_sector: Vec<SectorParticipation>,
    pub outreach_totals: Outcome,
}
