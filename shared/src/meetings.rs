//! Formal meetings (全会 / 常委会议 / 主席会议 / 民主评议会议): the bodies that
//! are summoned, meetings with their sessions, members' answers and leave
//! requests (请假), check-in per session, quorum, and the democratic
//! appraisal (民主评议) held at a meeting, by secret ballot.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::Date;
use crate::activities::Material;
use crate::ids::{
    AppraisalId, BodyId, DepartmentId, LeaveRequestId, MeetingId, MeetingSessionId, MemberId,
    RectificationId,
};

crate::wire_enum! {
    /// What a body is.
    pub enum BodyKind {
        /// 全体委员: every member of the committee's term.
        Plenary = "plenary",
        /// 常务委员会.
        Standing = "standing",
        /// 主席会议成员.
        Chairs = "chairs",
        /// 专门委员会 (专委会).
        Special = "special",
    }
}

crate::wire_enum! {
    /// The kind of a meeting: it decides the leave approvers and the quorum rule.
    pub enum MeetingKind {
        /// 全体会议.
        Plenary = "plenary",
        /// 常委会议.
        Standing = "standing",
        /// 主席会议.
        Chairs = "chairs",
        /// 民主评议会议.
        Appraisal = "appraisal",
    }
}

crate::wire_enum! {
    pub enum MeetingStatus {
        /// Being prepared; nobody is summoned yet.
        Draft = "draft",
        /// The notice went out; members answer.
        Published = "published",
        Cancelled = "cancelled",
    }
}

crate::wire_enum! {
    /// A summoned member's answer to the notice.
    pub enum MeetingAnswer {
        /// Not answered yet.
        Pending = "pending",
        /// Will attend.
        Attend = "attend",
        /// Asks for leave (the leave request says for which sessions).
        Leave = "leave",
    }
}

crate::wire_enum! {
    pub enum LeaveStatus {
        /// Waiting for the approver.
        Pending = "pending",
        Approved = "approved",
        Refused = "refused",
        /// The meeting was rescheduled after the decision: the member must answer again.
        Voided = "voided",
    }
}

crate::wire_enum! {
    /// The approver's decision on a leave request.
    pub enum LeaveDecision {
        Approve = "approve",
        Refuse = "refuse",
    }
}

crate::wire_enum! {
    /// A summoned member's attendance at one session.
    pub enum SessionAttendance {
        /// Checked in by the start (or within the grace minutes).
        Present = "present",
        /// Checked in after the grace minutes.
        Late = "late",
        /// On approved leave and not checked in.
        Excused = "excused",
        /// The session has ended without a check-in or approved leave.
        Absent = "absent",
        /// The session has not ended and the member has not checked in.
        Expected = "expected",
    }
}

crate::wire_enum! {
    /// Who may vote in an appraisal round.
    pub enum Electorate {
        /// Members checked in at any session of the meeting.
        CheckedIn = "checked_in",
        /// Every voting member of the meeting's body.
        Body = "body",
    }
}

crate::wire_enum! {
    pub enum AppraisalStatus {
        /// Set up; not open for voting yet.
        Draft = "draft",
        /// Members vote.
        Open = "open",
        /// Closed with more than half of the eligible voting: results are valid.
        Closed = "closed",
        /// Closed with half or fewer of the eligible voting: recorded, not valid.
        Invalid = "invalid",
    }
}

crate::wire_enum! {
    /// A voter's appraisal of one department.
    pub enum Rating {
        /// 满意.
        Satisfied = "satisfied",
        /// 基本满意.
        BasicallySatisfied = "basically_satisfied",
        /// 不满意.
        Unsatisfied = "unsatisfied",
        /// 不了解 (cannot judge): not counted in the rate.
        CannotJudge = "cannot_judge",
    }
}

crate::wire_enum! {
    pub enum RectificationStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
    }
}

// --- bodies ---

/// `POST /bodies`: a body of the committee for a term.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewBody {
    /// e.g. 第七届常务委员会.
    pub name: String,
    pub kind: BodyKind,
    /// The term (届次), e.g. 第七届.
    pub term: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Body {
    pub id: BodyId,
    pub name: String,
    pub kind: BodyKind,
    pub term: String,
    /// Members today (the committee's date).
    pub members_now: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BodyList {
    pub items: Vec<Body>,
}

/// `POST /bodies/{id}/members`: a member joins a body on a date.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewBodyMember {
    pub member_id: MemberId,
    /// `YYYY-MM-DD`, in the committee's calendar.
    pub joined_on: Date,
    /// The last day of membership; absent: still a member.
    pub left_on: Option<Date>,
    /// Votes (counts for quorum); default true.
    pub voting: Option<bool>,
}

/// `PATCH /bodies/{id}/members/{member_id}`: the member leaves the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BodyMemberLeaving {
    /// The last day of membership.
    pub left_on: Date,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BodyMember {
    pub member_id: MemberId,
    pub name: String,
    pub joined_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub left_on: Option<Date>,
    pub voting: bool,
}

/// `POST /bodies/{id}/members/import`: what a list of members did to the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BodyImportReport {
    /// Members who joined the body on the day given.
    pub added: i32,
    /// Rows naming someone already in the body that day (a file imported twice adds nobody twice).
    pub already_members: i32,
    /// Rows not imported, each with its spreadsheet row and reason.
    pub errors: Vec<crate::members::ImportRowError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BodyMemberList {
    pub items: Vec<BodyMember>,
}

// --- meetings ---

/// One sitting of a meeting (usually half a day).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMeetingSession {
    /// e.g. 第一次全体会议 (上午).
    pub title: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub place: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingSession {
    pub id: MeetingSessionId,
    pub title: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub place: String,
}

/// `POST /meetings`: a new meeting, created as a draft.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMeeting {
    pub kind: MeetingKind,
    /// The body summoned: its members as of the first session's date.
    pub body_id: BodyId,
    pub title: String,
    /// The agenda, one item per line.
    pub agenda: Option<String>,
    /// At least one, in any order; they are kept in time order.
    pub sessions: Vec<NewMeetingSession>,
    /// Non-members invited to attend without a vote (列席).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub invitees: Vec<MemberId>,
    /// When leave requests close; absent: two days before the first session.
    pub leave_deadline: Option<DateTime<FixedOffset>>,
}

/// New times (and places) for a meeting's sessions: a reschedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionChange {
    pub id: MeetingSessionId,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub place: Option<String>,
}

/// `PATCH /meetings/{id}`: only the fields present change. New session times
/// of a published meeting void decided leave requests and ask everyone summoned
/// to answer again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub agenda: Option<String>,
    pub leave_deadline: Option<DateTime<FixedOffset>>,
    pub sessions: Option<Vec<SessionChange>>,
}

/// `POST /meetings/{id}/cancel`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingCancel {
    /// Told to the summoned.
    pub reason: Option<String>,
}

/// The signed-in member's part in a meeting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MyMeeting {
    pub answer: MeetingAnswer,
    /// False for invited non-members (列席) and non-voting body members.
    pub voting: bool,
    /// The latest leave request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub leave: Option<LeaveRequest>,
    /// Sessions checked in at.
    pub checked_in: Vec<MeetingSessionId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Meeting {
    pub id: MeetingId,
    pub kind: MeetingKind,
    pub body_id: BodyId,
    pub body_name: String,
    pub title: String,
    pub agenda: String,
    pub status: MeetingStatus,
    pub sessions: Vec<MeetingSession>,
    pub leave_deadline: DateTime<FixedOffset>,
    /// Everyone summoned, invitees included (0 for a draft).
    pub summoned: i32,
    /// The meeting's documents (会议材料), in upload order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub documents: Vec<Material>,
    /// For a summoned caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub me: Option<MyMeeting>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingList {
    pub items: Vec<Meeting>,
}

/// `POST /meetings/{id}/responses`: a summoned member's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingResponse {
    /// `attend` or `leave`.
    pub answer: MeetingAnswer,
    /// For `leave`: the sessions asked off; empty or absent: the whole meeting.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub sessions: Vec<MeetingSessionId>,
    /// For `leave`: why (required).
    pub reason: Option<String>,
}

/// `POST /meetings/{id}/leave-requests`: the office records leave for a
/// member (approved at once; allowed after the deadline).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecordedLeave {
    pub member_id: MemberId,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub sessions: Vec<MeetingSessionId>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LeaveRequest {
    pub id: LeaveRequestId,
    pub meeting_id: MeetingId,
    pub meeting_title: String,
    pub member_id: MemberId,
    pub member_name: String,
    /// The sessions asked off (every session for the whole meeting).
    pub sessions: Vec<MeetingSessionId>,
    pub reason: String,
    pub status: LeaveStatus,
    pub requested_at: DateTime<FixedOffset>,
    /// Recorded by the office rather than asked by the member.
    pub recorded_by_office: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub decided_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LeaveRequestList {
    pub items: Vec<LeaveRequest>,
}

/// `POST /leave-requests/{id}`: the approver decides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LeaveDecisionInput {
    pub decision: LeaveDecision,
    /// Told to the member (required to refuse).
    pub note: Option<String>,
}

/// `PUT /meeting-rules/{kind}`: who approves leave for a meeting kind and its quorum.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingRule {
    /// Accounts that approve leave; empty: any organizer or admin.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub approvers: Vec<MemberId>,
    /// Quorum: strictly more than `quorum_numerator / quorum_denominator` of
    /// the voting members present (default 1/2: more than half).
    pub quorum_numerator: i32,
    pub quorum_denominator: i32,
}

/// `POST /meetings/{id}/sessions/{sid}/checkins`: a scanned or typed code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionCheckinInput {
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionCheckin {
    pub session_id: MeetingSessionId,
    pub checked_in_at: DateTime<FixedOffset>,
    /// `present` or `late`.
    pub attendance: SessionAttendance,
}

/// The live count of one session.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionQuorum {
    pub session_id: MeetingSessionId,
    pub title: String,
    pub starts_at: DateTime<FixedOffset>,
    /// Voting members summoned.
    pub summoned: i32,
    /// Voting members on approved leave and not checked in.
    pub on_leave: i32,
    /// Voting members checked in.
    pub present: i32,
    /// Voting members neither present nor on leave.
    pub absent: i32,
    /// Voting members that must be present for a quorum.
    pub required: i32,
    pub quorate: bool,
    /// Invited non-members (列席) checked in.
    pub guests_present: i32,
}

/// `GET /meetings/{id}/quorum`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Quorum {
    pub meeting_id: MeetingId,
    pub quorum_numerator: i32,
    pub quorum_denominator: i32,
    pub sessions: Vec<SessionQuorum>,
    /// Pending leave requests (the count may still change).
    pub leave_pending: i32,
}

/// One member's attendance over a meeting's sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AttendanceLine {
    pub member_id: MemberId,
    pub name: String,
    pub voting: bool,
    pub answer: MeetingAnswer,
    /// In the order of the meeting's sessions.
    pub sessions: Vec<SessionAttendance>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeetingAttendance {
    pub sessions: Vec<MeetingSession>,
    pub items: Vec<AttendanceLine>,
}

// --- democratic appraisal ---

/// `POST /appraisals`: a round at a meeting, created as a draft.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewAppraisal {
    pub meeting_id: MeetingId,
    pub title: String,
    /// The departments appraised (评议对象), in the ballot's order.
    pub departments: Vec<String>,
    /// Default `checked_in`.
    pub electorate: Option<Electorate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Appraisal {
    pub id: AppraisalId,
    pub meeting_id: MeetingId,
    pub title: String,
    pub electorate: Electorate,
    pub status: AppraisalStatus,
    pub departments: Vec<Department>,
    /// Ballots cast so far (who voted is kept apart from how).
    pub voted: i32,
    /// Eligible voters: now while open, as counted at the close after.
    pub eligible: i32,
    /// For a member: whether they may vote now, and whether they have.
    pub may_vote: bool,
    pub has_voted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AppraisalList {
    pub items: Vec<Appraisal>,
}

/// One department's answer on a ballot.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BallotAnswer {
    pub department_id: DepartmentId,
    pub rating: Rating,
    pub comment: Option<String>,
}

/// `POST /appraisals/{id}/ballots`: one answer for every department.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewBallot {
    pub answers: Vec<BallotAnswer>,
}

/// What a voter keeps: the proof their ballot is in the box. The server
/// keeps only its hash, beside the ballot, and never who holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BallotReceipt {
    pub appraisal_id: AppraisalId,
    pub receipt: String,
}

/// `GET /appraisals/{id}/ballots/{receipt}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReceiptCheck {
    pub counted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DepartmentResult {
    pub department_id: DepartmentId,
    pub name: String,
    pub satisfied: i32,
    pub basically_satisfied: i32,
    pub unsatisfied: i32,
    pub cannot_judge: i32,
    /// (satisfied + basically satisfied) / the answers that judged, 0–1;
    /// 0 when nobody judged.
    pub satisfaction_rate: f64,
    /// 1 for the highest rate; equal rates share a rank (1, 2, 2, 4).
    pub rank: i32,
}

/// `GET /appraisals/{id}/results`: only once the round is closed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AppraisalResults {
    pub appraisal_id: AppraisalId,
    pub title: String,
    pub status: AppraisalStatus,
    pub eligible: i32,
    pub ballots: i32,
    /// ballots / eligible, 0–1.
    pub turnout: f64,
    /// Best first.
    pub departments: Vec<DepartmentResult>,
}

/// `POST /rectifications`: an item a department must fix.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewRectification {
    pub appraisal_id: AppraisalId,
    pub department_id: DepartmentId,
    pub item: String,
    pub due_on: Date,
}

/// `PATCH /rectifications/{id}`: a follow-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RectificationUpdate {
    pub status: Option<RectificationStatus>,
    /// A follow-up note, kept with its date.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RectificationNote {
    pub at: DateTime<FixedOffset>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Rectification {
    pub id: RectificationId,
    pub appraisal_id: AppraisalId,
    pub department_id: DepartmentId,
    pub department: String,
    pub item: String,
    pub due_on: Date,
    pub status: RectificationStatus,
    pub notes: Vec<RectificationNote>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RectificationList {
    pub items: Vec<Rectification>,
}
