//! Rows as stored. API types live in `lvzhi-shared`; `domain` converts.
//! Enum and id columns hold the contract's enums and ids (stored as their
//! wire spelling); a spelling this build does not know fails the read loudly.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::activities::{
    ActivityKind, ActivityStatus, Attendance, Audience, FindingStatus, OutreachTheme, SignupStatus,
};
use lvzhi_shared::audit::{AuditAction, AuditVia};
use lvzhi_shared::calendar::CalendarScope;
use lvzhi_shared::committees::{CommitteeLevel, Language};
use lvzhi_shared::ids::{
    ActivityId, AnnouncementId, AppraisalId, AuditEntryId, BallotId, BodyId, CalendarFeedId,
    CommitteeId, DepartmentId, FindingId, LeaveRequestId, MaterialId, MeetingId, MeetingSessionId,
    MemberId, NotificationId, PointsDisputeId, PointsEntryId, RectificationId, RefreshTokenId,
    ReportEventId, ReportId, ReportIssueId, RoleSlotId, SectorId, SessionId, SignupId, StopId,
};
use lvzhi_shared::meetings::{
    AppraisalStatus, BodyKind, Electorate, LeaveStatus, MeetingAnswer, MeetingKind, MeetingStatus,
    RectificationStatus,
};
use lvzhi_shared::members::{Gender, MemberStatus, Role};
use lvzhi_shared::notifications::{NotificationKind, Platform, PushState};
use lvzhi_shared::points::{DisputeStatus, PointsEvent, PointsGrade, PointsSourceKind};
use lvzhi_shared::reports::{CreditRole, ReportCategory, ReportEventKind, ReportStatus};

use super::schema::{
    activation_codes, activities, activity_roles, announcements, appraisal_ballots,
    appraisal_departments, appraisals, audit_log, bodies, body_members, calendar_feeds, committees,
    console_sessions, devices, findings, idempotency_keys, itinerary_stops, leave_requests,
    materials, meeting_documents, meeting_sessions, meeting_summons, meetings, outbox, outcomes,
    points_disputes, points_entries, points_lines, points_results, points_years, rectifications,
    refresh_tokens, report_attachments, report_credits, report_events, report_forwards,
    report_issues, report_versions, reports, sectors, signing_keys, signups, users,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = committees)]
pub struct CommitteeRow {
    pub id: CommitteeId,
    pub name: String,
    pub level: CommitteeLevel,
    pub parent_id: Option<CommitteeId>,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
    /// `zh` or `en`: the language of automatic notifications.
    pub language: Language,
    /// Local `HH:MM`, both set or neither.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// The longest opinion report body, in characters.
    pub report_max_chars: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sectors)]
pub struct SectorRow {
    pub id: SectorId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: MemberId,
    pub committee_id: CommitteeId,
    pub member_no: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub phone: String,
    pub sector_id: Option<SectorId>,
    pub party: Option<String>,
    pub workplace: Option<String>,
    pub birth_year: Option<i32>,
    pub role: Role,
    pub status: MemberStatus,
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activation_codes)]
pub struct ActivationCodeRow {
    pub user_id: MemberId,
    pub code_hash: String,
    pub attempts: i32,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: RefreshTokenId,
    pub family_id: SessionId,
    pub user_id: MemberId,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: AuditEntryId,
    pub committee_id: CommitteeId,
    pub actor_id: MemberId,
    pub action: AuditAction,
    pub subject_id: Option<String>,
    pub detail: String,
    pub via: AuditVia,
    pub request_id: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = console_sessions)]
pub struct ConsoleSessionRow {
    pub id: SessionId,
    pub token_hash: String,
    pub user_id: MemberId,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub committee_id: CommitteeId,
    pub kind: ActivityKind,
    pub title: String,
    pub description: String,
    pub location: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub signup_opens_at: Option<NaiveDateTime>,
    pub signup_closes_at: Option<NaiveDateTime>,
    pub status: ActivityStatus,
    pub audience: Audience,
    pub capacity: i32,
    pub forbid_overlap: bool,
    pub study_hours: f64,
    pub theme: Option<OutreachTheme>,
    pub checkin_secret: String,
    pub organizer_id: MemberId,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Comma-separated minutes before the start; `None`: the server's default.
    pub reminder_minutes: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activity_roles)]
pub struct RoleRow {
    pub id: RoleSlotId,
    pub activity_id: ActivityId,
    pub name: String,
    pub capacity: i32,
    pub sector_id: Option<SectorId>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = itinerary_stops)]
pub struct StopRow {
    pub id: StopId,
    pub activity_id: ActivityId,
    pub position: i32,
    pub at: NaiveDateTime,
    pub place: String,
    pub subject: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = materials)]
pub struct MaterialRow {
    pub id: MaterialId,
    pub activity_id: ActivityId,
    pub title: String,
    pub url: String,
    pub created_at: NaiveDateTime,
    /// Set for uploaded files (links have none).
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signups)]
pub struct SignupRow {
    pub id: SignupId,
    pub activity_id: ActivityId,
    pub role_id: RoleSlotId,
    pub user_id: MemberId,
    pub seq: i64,
    pub status: SignupStatus,
    pub attendance: Option<Attendance>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub user_id: MemberId,
    pub key: String,
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: FindingId,
    pub activity_id: ActivityId,
    pub user_id: MemberId,
    pub title: String,
    pub content: String,
    pub status: FindingStatus,
    pub department: Option<String>,
    pub response: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outcomes)]
pub struct OutcomeRow {
    pub activity_id: ActivityId,
    pub people_served: i32,
    pub consultations: i32,
    pub materials_distributed: i32,
    pub donated_value_yuan: f64,
    pub notes: String,
    /// JSON array of URLs.
    pub photo_urls: String,
    pub recorded_by: MemberId,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct OutboxRow {
    pub id: NotificationId,
    pub committee_id: CommitteeId,
    pub user_id: MemberId,
    pub kind: NotificationKind,
    pub activity_id: Option<ActivityId>,
    pub title: String,
    pub body: String,
    pub urgent: bool,
    pub created_at: NaiveDateTime,
    pub announcement_id: Option<AnnouncementId>,
    pub push_state: PushState,
    pub attempts: i32,
    pub due_at: Option<NaiveDateTime>,
    pub claimed_until: Option<NaiveDateTime>,
    /// JSON array of device tokens already reached.
    pub delivered_to: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub read_at: Option<NaiveDateTime>,
    pub meeting_id: Option<MeetingId>,
    pub report_id: Option<ReportId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub token: String,
    pub user_id: MemberId,
    pub session_id: SessionId,
    pub platform: Platform,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = announcements)]
pub struct AnnouncementRow {
    pub id: AnnouncementId,
    pub committee_id: CommitteeId,
    pub created_by: MemberId,
    pub title: String,
    pub body: String,
    pub activity_id: Option<ActivityId>,
    pub audience: String,
    pub urgent: bool,
    pub recipients: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bodies)]
pub struct BodyRow {
    pub id: BodyId,
    pub committee_id: CommitteeId,
    pub name: String,
    pub kind: BodyKind,
    pub term: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = body_members)]
pub struct BodyMemberRow {
    pub body_id: BodyId,
    pub user_id: MemberId,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub voting: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: MeetingId,
    pub committee_id: CommitteeId,
    pub body_id: BodyId,
    pub kind: MeetingKind,
    pub title: String,
    pub agenda: String,
    pub status: MeetingStatus,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub leave_deadline: NaiveDateTime,
    pub organizer_id: MemberId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A meeting's document; its bytes are in `meeting_document_files`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_documents)]
pub struct MeetingDocumentRow {
    pub id: MaterialId,
    pub meeting_id: MeetingId,
    pub title: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub file_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_sessions)]
pub struct MeetingSessionRow {
    pub id: MeetingSessionId,
    pub meeting_id: MeetingId,
    pub position: i32,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub place: String,
    pub checkin_secret: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_summons)]
pub struct SummonsRow {
    pub meeting_id: MeetingId,
    pub user_id: MemberId,
    pub voting: bool,
    pub answer: MeetingAnswer,
    pub answered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = leave_requests)]
pub struct LeaveRequestRow {
    pub id: LeaveRequestId,
    pub meeting_id: MeetingId,
    pub user_id: MemberId,
    pub reason: String,
    pub status: LeaveStatus,
    pub recorded_by_office: bool,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<MemberId>,
    pub decided_at: Option<NaiveDateTime>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = appraisals)]
pub struct AppraisalRow {
    pub id: AppraisalId,
    pub committee_id: CommitteeId,
    pub meeting_id: MeetingId,
    pub title: String,
    pub electorate: Electorate,
    pub status: AppraisalStatus,
    pub eligible_at_close: Option<i32>,
    pub ballots_at_close: Option<i32>,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = appraisal_departments)]
pub struct DepartmentRow {
    pub id: DepartmentId,
    pub appraisal_id: AppraisalId,
    pub name: String,
    pub position: i32,
}

/// A ballot as stored: nothing in it names the voter or the time.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = appraisal_ballots)]
pub struct BallotRow {
    pub id: BallotId,
    pub appraisal_id: AppraisalId,
    pub receipt_hash: String,
    pub answers: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rectifications)]
pub struct RectificationRow {
    pub id: RectificationId,
    pub appraisal_id: AppraisalId,
    pub department_id: DepartmentId,
    pub item: String,
    pub due_on: NaiveDate,
    pub status: RectificationStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A calendar feed. `secret_hash` is the SHA-256 of the URL's secret, which
/// is not stored: it is derived again from `nonce` (see domain::calendar::feeds).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_feeds)]
pub struct CalendarFeedRow {
    pub id: CalendarFeedId,
    pub user_id: MemberId,
    pub scope: CalendarScope,
    pub nonce: String,
    pub secret_hash: String,
    pub issued_at: NaiveDateTime,
}

/// An opinion report in one committee's queue: a member's own, or a copy
/// forwarded from below (`forwarded_from`; `root_id` names the member's).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: ReportId,
    pub committee_id: CommitteeId,
    pub root_id: ReportId,
    pub forwarded_from: Option<ReportId>,
    pub author_id: MemberId,
    pub title: String,
    pub body: String,
    pub category: ReportCategory,
    pub status: ReportStatus,
    pub version: i32,
    pub office_comment: Option<String>,
    pub issue_id: Option<ReportIssueId>,
    pub issue_position: Option<i32>,
    pub merged_into: Option<ReportId>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_credits)]
pub struct ReportCreditRow {
    pub report_id: ReportId,
    pub member_id: MemberId,
    pub position: i32,
    pub role: CreditRole,
    pub confirmed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_versions)]
pub struct ReportVersionRow {
    pub report_id: ReportId,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub edited_by: MemberId,
    pub edited_at: NaiveDateTime,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_forwards)]
pub struct ReportForwardRow {
    pub report_id: ReportId,
    /// `parent`, or the outside body's name.
    pub destination: String,
    pub to_committee_id: Option<CommitteeId>,
    pub copy_id: Option<ReportId>,
    pub forwarded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_events)]
pub struct ReportEventRow {
    pub id: ReportEventId,
    pub report_id: ReportId,
    pub root_id: ReportId,
    pub committee_id: CommitteeId,
    pub kind: ReportEventKind,
    pub actor_id: Option<MemberId>,
    pub level: Option<CommitteeLevel>,
    pub on_date: Option<NaiveDate>,
    pub party: Option<String>,
    pub text: Option<String>,
    pub at: NaiveDateTime,
}

/// A file attached to a report; its bytes are in `report_files`, shared by
/// the report's forwarded copies.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_attachments)]
pub struct ReportAttachmentRow {
    pub id: MaterialId,
    pub report_id: ReportId,
    pub file_id: MaterialId,
    pub title: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub file_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_issues)]
pub struct ReportIssueRow {
    pub id: ReportIssueId,
    pub committee_id: CommitteeId,
    pub year: i32,
    pub number: i32,
    pub issued_on: NaiveDate,
    pub created_by: MemberId,
    pub created_at: NaiveDateTime,
}

/// A year's points settings; its rules and caps are rows of their own.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = points_years)]
pub struct PointsYearRow {
    pub committee_id: CommitteeId,
    pub year: i32,
    pub first_author_percent: i32,
    /// Hundredths of a point, like every points column.
    pub excellent_from: i64,
    pub qualified_from: i64,
    pub dispute_days: i32,
    pub customized: bool,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<MemberId>,
    /// Members with a place in the frozen record.
    pub ranked: Option<i32>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = points_entries)]
pub struct PointsEntryRow {
    pub id: PointsEntryId,
    pub committee_id: CommitteeId,
    pub year: i32,
    pub member_id: MemberId,
    pub event: PointsEvent,
    pub evidence: String,
    pub occurred_on: NaiveDate,
    pub points: Option<i64>,
    pub created_by: MemberId,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = points_disputes)]
pub struct PointsDisputeRow {
    pub id: PointsDisputeId,
    pub committee_id: CommitteeId,
    pub year: i32,
    pub member_id: MemberId,
    pub line_key: Option<String>,
    pub line_title: Option<String>,
    pub reason: String,
    pub status: DisputeStatus,
    pub answer: Option<String>,
    pub adjustment: Option<i64>,
    pub entry_id: Option<PointsEntryId>,
    pub decided_by: Option<MemberId>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A line of a closed year's record, as it stood at the close.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = points_lines)]
pub struct PointsLineRow {
    pub committee_id: CommitteeId,
    pub year: i32,
    pub member_id: MemberId,
    pub line_key: String,
    pub event: PointsEvent,
    pub source_kind: PointsSourceKind,
    pub source_id: String,
    pub source_title: String,
    pub occurred_on: NaiveDate,
    pub quantity: i64,
    pub share_percent: i32,
    pub points: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = points_results)]
pub struct PointsResultRow {
    pub committee_id: CommitteeId,
    pub year: i32,
    pub member_id: MemberId,
    pub total: i64,
    pub grade: PointsGrade,
    pub rank: i32,
}
