//! Public-opinion reports (社情民意信息): a member writes one on the phone
//! with co-signers and attachments; the office accepts, returns or rejects
//! it, edits it (every submitted text is a version), compiles accepted ones
//! into numbered issues, forwards them upward and records what became of
//! them: adoption by level, leaders' instructions (批示), the department's
//! reply (办复). Everyone credited sees the whole timeline.

use serde::{Deserialize, Serialize};

use crate::activities::Material;
use crate::committees::CommitteeLevel;
use crate::ids::{CommitteeId, MemberId, ReportId, ReportIssueId, SectorId};
use crate::validate::{FieldError, MAX_LONG_TEXT_CHARS, MAX_TITLE_CHARS, invalid, text};
use crate::{Date, Timestamp};

/// A report's body limit when the committee sets none.
pub const DEFAULT_REPORT_MAX_CHARS: i32 = 1500;
/// The most a committee may allow.
pub const MAX_REPORT_MAX_CHARS: i32 = 20_000;
/// Co-signers on one report.
pub const MAX_COSIGNERS: usize = 20;
/// Reports merged into one, or compiled into one issue.
pub const MAX_REPORTS_PER_ISSUE: usize = 100;
/// Comments, notes, who adopted, a leader's name, a department.
pub const MAX_NOTE_CHARS: usize = 500;

crate::wire_enum! {
    /// Where a report stands in its own committee.
    pub enum ReportStatus {
        /// Kept on the phone's side of the office: only the author sees it.
        Draft = "draft",
        /// Waiting for the office (or, for a forwarded copy, the parent's office).
        Submitted = "submitted",
        /// Sent back with a comment; the author edits and submits again.
        Returned = "returned",
        Accepted = "accepted",
        Rejected = "rejected",
        /// Taken back by the author before the office decided.
        Withdrawn = "withdrawn",
        /// Merged by the office into another report, which carries its credit.
        Merged = "merged",
    }
}

crate::wire_enum! {
    /// What a report is about.
    pub enum ReportCategory {
        /// 经济发展
        Economy = "economy",
        /// 社会民生
        Livelihood = "livelihood",
        /// 教育文化
        Education = "education",
        /// 医疗卫生
        Health = "health",
        /// 生态环境
        Environment = "environment",
        /// 农业农村
        Agriculture = "agriculture",
        /// 社会治理与法治
        Governance = "governance",
        /// 其他
        Other = "other",
    }
}

crate::wire_enum! {
    /// How someone is credited on a report.
    pub enum CreditRole {
        /// The first author: the larger share of points.
        Author = "author",
        /// Named by the author (or merged in); counts once confirmed.
        Cosigner = "cosigner",
    }
}

crate::wire_enum! {
    /// A step in a report's timeline.
    pub enum ReportEventKind {
        Submitted = "submitted",
        Returned = "returned",
        Accepted = "accepted",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        /// The office changed the text (a new version).
        Edited = "edited",
        /// Merged with others into one report.
        Merged = "merged",
        /// Printed in a numbered issue.
        Compiled = "compiled",
        Forwarded = "forwarded",
        /// Arrived in the parent committee's queue.
        Received = "received",
        Adopted = "adopted",
        /// A leader's instruction (批示).
        Instructed = "instructed",
        /// The responsible department's reply (办复).
        Replied = "replied",
        /// A co-signer confirmed.
        Cosigned = "cosigned",
        /// A co-signer declined.
        Declined = "declined",
    }
}

crate::wire_enum! {
    /// Where a report is forwarded.
    pub enum ForwardTarget {
        /// The parent committee in this deployment: it lands in their queue.
        Parent = "parent",
        /// A body outside Lvzhi, recorded by name (a party committee, a
        /// government office, a committee not on this server).
        Outside = "outside",
    }
}

/// `POST /reports`: a new draft.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewReport {
    pub title: String,
    /// At most the committee's limit (1,500 characters unless it set another).
    pub body: String,
    pub category: ReportCategory,
    /// Other members of the committee; each confirms before it counts for them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub cosigner_ids: Vec<MemberId>,
}

/// `PATCH /reports/{id}`: only the fields present change. The author edits a
/// draft or a returned report; the office edits a submitted or accepted one
/// (not yet forwarded), which keeps a version with the office's `note`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub category: Option<ReportCategory>,
    /// The author only: the whole new list.
    pub cosigner_ids: Option<Vec<MemberId>>,
    /// The office only: why the text changed.
    pub note: Option<String>,
}

/// Someone credited on a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportCredit {
    pub member_id: MemberId,
    pub name: String,
    pub role: CreditRole,
    /// The author always; a co-signer once they confirm.
    pub confirmed: bool,
}

/// A report's place in a numbered issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IssueRef {
    pub id: ReportIssueId,
    pub year: i32,
    pub number: i32,
    /// e.g. 《社情民意》2026年第3期.
    pub label: String,
}

/// A report as its committee holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Report {
    pub id: ReportId,
    /// The committee whose queue holds it.
    pub committee_id: CommitteeId,
    pub committee_name: String,
    /// The text as it stands (as forwarded, once it was).
    pub title: String,
    pub body: String,
    pub category: ReportCategory,
    pub status: ReportStatus,
    /// Versions of the submitted text (0 while a draft never submitted).
    pub version: i32,
    /// The author first, then co-signers.
    pub credits: Vec<ReportCredit>,
    pub attachments: Vec<Material>,
    /// The office's comment when it returned or rejected the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub office_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub issue: Option<IssueRef>,
    /// A copy forwarded from a committee below: the report it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub forwarded_from: Option<ReportId>,
    /// Merged: the report that carries it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub merged_into: Option<ReportId>,
    /// Forwarded by this committee (to its parent or outside).
    pub forwarded: bool,
    /// The highest level that adopted it, here or anywhere it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub adopted_level: Option<CommitteeLevel>,
    /// A leader gave an instruction (批示) on it.
    pub instructed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub submitted_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// One step of a report's life, wherever it happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportEvent {
    pub at: Timestamp,
    pub kind: ReportEventKind,
    /// The committee where it happened.
    pub committee_name: String,
    /// Who did it, when it was someone in Lvzhi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub actor_name: Option<String>,
    /// Adoption and instructions: at which level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub level: Option<CommitteeLevel>,
    /// Adoption, instruction, reply: the day it happened (as recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub on_date: Option<Date>,
    /// Who adopted, the leader, the department, where it was forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub party: Option<String>,
    /// A comment, the instruction's text, the reply, the issue's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub text: Option<String>,
}

/// `GET /reports/{id}`: the report and its whole timeline, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportDetail {
    pub report: Report,
    pub timeline: Vec<ReportEvent>,
}

/// A page of reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportPage {
    pub items: Vec<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub next_cursor: Option<String>,
}

/// One submitted text of a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportVersion {
    pub version: i32,
    pub title: String,
    pub body: String,
    pub edited_by: String,
    pub edited_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportVersionList {
    pub items: Vec<ReportVersion>,
}

/// `POST /reports/{id}/accept|return|reject`: a comment, required to return
/// or reject (the author reads it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportDecision {
    pub comment: Option<String>,
}

/// `POST /reports/{id}/cosign`: a co-signer confirms (or declines).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CosignInput {
    pub confirm: bool,
}

/// `POST /reports/{id}/forward`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ForwardInput {
    pub target: ForwardTarget,
    /// The outside body's name; required for `outside`.
    pub outside_name: Option<String>,
}

/// `POST /reports/{id}/adoptions`: who adopted it, at which level, when.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AdoptionInput {
    pub level: CommitteeLevel,
    pub adopted_on: Date,
    /// e.g. 省政协办公厅, 市委办公室.
    pub adopted_by: String,
}

/// `POST /reports/{id}/instructions`: a leader's instruction (批示).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct InstructionInput {
    /// The leader, as the office records them (e.g. 副省长 某某).
    pub leader: String,
    pub level: CommitteeLevel,
    pub given_on: Date,
    pub text: String,
}

/// `POST /reports/{id}/replies`: the responsible department's reply (办复).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReplyInput {
    pub department: String,
    pub replied_on: Date,
    pub text: String,
}

/// `POST /reports/merge`: several accepted reports become one, credited to
/// everyone credited on them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MergeInput {
    /// At least two; the first one's author is the merged report's author.
    pub report_ids: Vec<ReportId>,
    pub title: String,
    pub body: String,
    pub category: ReportCategory,
}

/// `POST /report-issues`: accepted reports, in print order, become the
/// committee's next numbered issue of the year of `issued_on`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewReportIssue {
    pub issued_on: Date,
    pub report_ids: Vec<ReportId>,
}

/// A numbered issue (《社情民意》2026年第N期).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportIssue {
    pub id: ReportIssueId,
    pub year: i32,
    pub number: i32,
    pub label: String,
    pub issued_on: Date,
    /// In print order.
    pub reports: Vec<Report>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportIssueList {
    pub items: Vec<ReportIssue>,
}

/// One member's year of reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MemberReportFigures {
    pub member_id: MemberId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sector: Option<String>,
    /// Reports credited to them (as author or confirmed co-signer) submitted in the year.
    pub submitted: i64,
    pub accepted: i64,
    /// Adopted at any level.
    pub adopted: i64,
    pub instructed: i64,
}

/// One sector's year of reports (counted once per report, however many of
/// its members signed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SectorReportFigures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sector_id: Option<SectorId>,
    /// 未分界别 when none.
    pub sector: String,
    pub submitted: i64,
    pub accepted: i64,
    pub adopted: i64,
    pub instructed: i64,
}

/// Reports adopted at one level in the year (counted at their highest).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LevelReportFigures {
    pub level: CommitteeLevel,
    pub adopted: i64,
    pub instructed: i64,
}

/// `GET /report-figures?year=`: the committee's year of reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportFigures {
    pub year: i32,
    pub submitted: i64,
    pub accepted: i64,
    pub forwarded: i64,
    pub by_member: Vec<MemberReportFigures>,
    pub by_sector: Vec<SectorReportFigures>,
    pub by_level: Vec<LevelReportFigures>,
}

/// The title of a report: 1 to 200 characters.
pub fn title(raw: &str) -> Result<String, FieldError> {
    text(raw, "title", MAX_TITLE_CHARS, true)
}

/// The body of a report: required, within the committee's limit.
pub fn body(raw: &str, max_chars: i32) -> Result<String, FieldError> {
    let max = usize::try_from(max_chars).unwrap_or(MAX_LONG_TEXT_CHARS);
    text(raw, "body", max, true)
}

/// A comment, note or name of at most [`MAX_NOTE_CHARS`].
pub fn note(raw: &str, field: &'static str, required: bool) -> Result<Option<String>, FieldError> {
    let v = text(raw, field, MAX_NOTE_CHARS, required)?;
    Ok((!v.is_empty()).then_some(v))
}

/// The committee's body limit, when an admin sets one.
pub fn max_chars_setting(value: i32) -> Result<i32, FieldError> {
    if (100..=MAX_REPORT_MAX_CHARS).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(
            "report_max_chars",
            format!("from 100 to {MAX_REPORT_MAX_CHARS} characters"),
        ))
    }
}

/// 《社情民意》2026年第3期.
pub fn issue_label(year: i32, number: i32) -> String {
    format!("《社情民意》{year}年第{number}期")
}
