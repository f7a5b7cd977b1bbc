//! The office's audit log (操作日志): who exported personal data, changed an
//! account, acted for a member or sent an announcement. Append-only; the
//! admin reads it.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::ids::{AuditEntryId, MemberId};

crate::wire_enum! {
    /// What was done.
    pub enum AuditAction {
        /// The member list left the system as a file.
        MemberListExported = "member_list_exported",
        /// An activity's roster left the system as a file.
        RosterExported = "roster_exported",
        /// Activation codes were issued to the office (they unlock accounts).
        ActivationCodesIssued = "activation_codes_issued",
        /// An account's role changed.
        RoleChanged = "role_changed",
        AccountDisabled = "account_disabled",
        AccountEnabled = "account_enabled",
        /// The office signed a member up (a member without a phone, say).
        SignedUpForMember = "signed_up_for_member",
        /// The office took a member off an activity.
        RemovedForMember = "removed_for_member",
        /// The office gave a waitlisted member a place.
        PromotedForMember = "promoted_for_member",
        AnnouncementSent = "announcement_sent",
        MeetingPublished = "meeting_published",
        MeetingRescheduled = "meeting_rescheduled",
        MeetingCancelled = "meeting_cancelled",
        LeaveDecided = "leave_decided",
        LeaveRecorded = "leave_recorded",
        AppraisalOpened = "appraisal_opened",
        AppraisalClosed = "appraisal_closed",
        MeetingDocumentAdded = "meeting_document_added",
        MeetingDocumentRemoved = "meeting_document_removed",
        /// A member joined a body (one stretch, or many by import).
        BodyMemberAdded = "body_member_added",
        BodyMembershipEnded = "body_membership_ended",
        RectificationChanged = "rectification_changed",
        /// A meeting kind's quorum or leave approvers changed.
        MeetingRuleChanged = "meeting_rule_changed",
        /// A committee was created below this one.
        CommitteeCreated = "committee_created",
        /// An opinion report was accepted, returned, rejected or edited.
        ReportDecided = "report_decided",
        ReportsMerged = "reports_merged",
        ReportIssueCompiled = "report_issue_compiled",
        ReportForwarded = "report_forwarded",
        /// Adoption, a leader's instruction or a department's reply.
        ReportOutcomeRecorded = "report_outcome_recorded",
        /// A year's points rules were replaced.
        PointsRulesChanged = "points_rules_changed",
        /// A manual entry of a member's duty record, added or taken back.
        PointsEntryAdded = "points_entry_added",
        PointsEntryRemoved = "points_entry_removed",
        /// A year's duty records were closed (frozen, graded, ranked).
        PointsYearClosed = "points_year_closed",
        /// A member's dispute was accepted (with an adjustment) or refused.
        PointsDisputeDecided = "points_dispute_decided",
    }
}

crate::wire_enum! {
    /// Where it was done.
    pub enum AuditVia {
        Api = "api",
        Console = "console",
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuditEntry {
    pub id: AuditEntryId,
    pub at: Timestamp,
    pub actor_id: MemberId,
    pub actor_name: String,
    pub action: AuditAction,
    /// The member, activity or announcement acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub subject_id: Option<String>,
    /// What exactly, in words (a title, a role, how many rows).
    pub detail: String,
    pub via: AuditVia,
    /// The request that did it, to find its log lines.
    pub request_id: String,
}

/// `GET /audit-log`: newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` for older entries; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub next_cursor: Option<String>,
}
