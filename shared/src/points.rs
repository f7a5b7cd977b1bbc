//! The duty record with points (履职档案 / 履职积分): each committee sets, per
//! year, how many points each kind of event earns, caps per category and the
//! first author's share of a co-written report; the record is computed from
//! everything Lvzhi holds plus the office's manual entries while the year is
//! open, and frozen with grades and a ranking when the office closes it.
//! Members dispute lines; an accepted dispute becomes an adjustment line.
//!
//! Points travel as numbers with at most two decimals; the server counts in
//! hundredths, so totals are exact.

use serde::{Deserialize, Serialize};

use crate::ids::{MemberId, PointsDisputeId, PointsEntryId};
use crate::validate::{FieldError, invalid, text};
use crate::{Date, Timestamp};

/// What one rule, one cap or one grade threshold may be at most.
pub const MAX_POINTS: f64 = 10_000.0;
/// An accepted dispute's adjustment, either way, at most.
pub const MAX_ADJUSTMENT: f64 = 1_000.0;
/// The first author's share of a co-written report unless the year sets another.
pub const DEFAULT_FIRST_AUTHOR_PERCENT: i32 = 60;
/// Days after the close in which members may dispute, unless set otherwise.
pub const DEFAULT_DISPUTE_DAYS: i32 = 15;
pub const MAX_DISPUTE_DAYS: i32 = 90;
/// Evidence of a manual entry, a dispute's reason, the office's answer.
pub const MAX_EVIDENCE_CHARS: usize = 500;

crate::wire_enum! {
    /// What part of the duty a line counts for; each may have a cap.
    pub enum PointsCategory {
        /// 学习培训
        Study = "study",
        /// 调研视察与三下乡
        Activities = "activities",
        /// 会议与评议
        Meetings = "meetings",
        /// 社情民意
        Reports = "reports",
        /// 提案与大会发言
        Proposals = "proposals",
        /// 宣传上稿
        Publicity = "publicity",
        /// 其他履职
        Other = "other",
        /// 申诉调整: adjustments from accepted disputes, never capped.
        Adjustment = "adjustment",
    }
}

crate::wire_enum! {
    /// A kind of event that earns (or, for `meeting_absent`, costs) points.
    pub enum PointsEvent {
        /// Per hour of training attended.
        TrainingHour = "training_hour",
        OutreachJoined = "outreach_joined",
        InspectionJoined = "inspection_joined",
        /// An inspection finding the office adopted.
        FindingAdopted = "finding_adopted",
        /// A meeting session attended.
        MeetingPresent = "meeting_present",
        /// A meeting session missed without leave: the rule's points are taken off.
        MeetingAbsent = "meeting_absent",
        /// An appraisal round voted in.
        AppraisalVoted = "appraisal_voted",
        /// A report submitted in the year and not withdrawn, rejected or merged away.
        ReportSubmitted = "report_submitted",
        /// A report's highest adoption, by level.
        ReportAdoptedCounty = "report_adopted_county",
        ReportAdoptedCity = "report_adopted_city",
        ReportAdoptedProvincial = "report_adopted_provincial",
        ReportAdoptedNational = "report_adopted_national",
        /// A leader's instruction (批示) on a report.
        ReportInstructed = "report_instructed",
        /// Recorded by the office: a speech at the plenary (大会发言).
        PlenarySpeech = "plenary_speech",
        /// Recorded by the office: a proposal (提案).
        Proposal = "proposal",
        /// Recorded by the office: an article published (上稿), by the outlet's level.
        ArticleCounty = "article_county",
        ArticleCity = "article_city",
        ArticleProvincial = "article_provincial",
        ArticleNational = "article_national",
        /// Recorded by the office: other duty done outside the app.
        OtherDuty = "other_duty",
        /// An accepted dispute's correction, with its own points.
        Adjustment = "adjustment",
    }
}

impl PointsEvent {
    pub fn category(self) -> PointsCategory {
        use PointsEvent::*;
        match self {
            TrainingHour => PointsCategory::Study,
            OutreachJoined | InspectionJoined | FindingAdopted => PointsCategory::Activities,
            MeetingPresent | MeetingAbsent | AppraisalVoted => PointsCategory::Meetings,
            ReportSubmitted
            | ReportAdoptedCounty
            | ReportAdoptedCity
            | ReportAdoptedProvincial
            | ReportAdoptedNational
            | ReportInstructed => PointsCategory::Reports,
            PlenarySpeech | Proposal => PointsCategory::Proposals,
            ArticleCounty | ArticleCity | ArticleProvincial | ArticleNational => {
                PointsCategory::Publicity
            }
            OtherDuty => PointsCategory::Other,
            Adjustment => PointsCategory::Adjustment,
        }
    }

    /// Events the office records by hand, with evidence.
    pub fn is_manual(self) -> bool {
        use PointsEvent::*;
        matches!(
            self,
            PlenarySpeech
                | Proposal
                | ArticleCounty
                | ArticleCity
                | ArticleProvincial
                | ArticleNational
                | OtherDuty
        )
    }

    /// Events whose rule's points are taken off, not added.
    pub fn is_deduction(self) -> bool {
        self == PointsEvent::MeetingAbsent
    }
}

crate::wire_enum! {
    /// A member's grade for the year.
    pub enum PointsGrade {
        /// 优秀: at least `excellent_from`.
        Excellent = "excellent",
        /// 合格
        Qualified = "qualified",
        /// 不合格: below `qualified_from`.
        Unqualified = "unqualified",
    }
}

crate::wire_enum! {
    pub enum PointsYearStatus {
        /// Records are computed live from what Lvzhi holds.
        Open = "open",
        /// Records are frozen; only accepted disputes change them.
        Closed = "closed",
    }
}

crate::wire_enum! {
    pub enum DisputeStatus {
        Open = "open",
        /// Accepted: an adjustment line was added.
        Accepted = "accepted",
        Refused = "refused",
    }
}

crate::wire_enum! {
    /// Where a line comes from.
    pub enum PointsSourceKind {
        Activity = "activity",
        Finding = "finding",
        MeetingSession = "meeting_session",
        Appraisal = "appraisal",
        Report = "report",
        /// A manual entry of the office, or an adjustment.
        Entry = "entry",
    }
}

/// Points per occurrence of one kind of event (per hour for `training_hour`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsRule {
    pub event: PointsEvent,
    /// 0 to 10,000, at most two decimals; for `meeting_absent` what is taken off.
    pub points: f64,
}

/// The most a category counts for in the year's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsCap {
    pub category: PointsCategory,
    pub cap: f64,
}

/// `PUT /points/years/{year}/rules`: the year's rules, replaced whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsRules {
    /// One per event; an event without a rule earns nothing.
    pub rules: Vec<PointsRule>,
    /// One per category at most; a category without a cap is not capped.
    pub caps: Vec<PointsCap>,
    /// A co-written report's points: the first author takes this share, the
    /// other credited members share the rest equally (1 to 100).
    pub first_author_percent: i32,
    /// Grades: `excellent` from this total up, `unqualified` below `qualified_from`.
    pub excellent_from: f64,
    pub qualified_from: f64,
    /// Days after the close in which members may dispute (1 to 90).
    pub dispute_days: i32,
}

/// Hundredths of a point from a wire number with at most two decimals.
pub fn hundredths(value: f64, field: &'static str, min: f64, max: f64) -> Result<i64, FieldError> {
    if !value.is_finite() || value < min || value > max {
        return Err(invalid(field, format!("must be from {min} to {max}")));
    }
    let scaled = value * 100.0;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 1e-6 {
        return Err(invalid(field, "at most two decimals"));
    }
    Ok(rounded as i64)
}

/// A number of points for the wire.
pub fn points_of(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

impl PointsRules {
    /// What a committee starts from: the shares and thresholds the issue
    /// names, and rules a county office would recognise.
    pub fn defaults() -> Self {
        use PointsEvent::*;
        let rule = |event, points| PointsRule { event, points };
        let cap = |category, cap| PointsCap { category, cap };
        PointsRules {
            rules: vec![
                rule(TrainingHour, 1.0),
                rule(OutreachJoined, 4.0),
                rule(InspectionJoined, 4.0),
                rule(FindingAdopted, 3.0),
                rule(MeetingPresent, 3.0),
                rule(MeetingAbsent, 5.0),
                rule(AppraisalVoted, 2.0),
                rule(ReportSubmitted, 2.0),
                rule(ReportAdoptedCounty, 3.0),
                rule(ReportAdoptedCity, 5.0),
                rule(ReportAdoptedProvincial, 8.0),
                rule(ReportAdoptedNational, 15.0),
                rule(ReportInstructed, 10.0),
                rule(PlenarySpeech, 5.0),
                rule(Proposal, 4.0),
                rule(ArticleCounty, 1.0),
                rule(ArticleCity, 2.0),
                rule(ArticleProvincial, 4.0),
                rule(ArticleNational, 8.0),
                rule(OtherDuty, 1.0),
            ],
            caps: vec![
                cap(PointsCategory::Study, 20.0),
                cap(PointsCategory::Activities, 25.0),
                cap(PointsCategory::Meetings, 30.0),
                cap(PointsCategory::Reports, 30.0),
                cap(PointsCategory::Proposals, 15.0),
                cap(PointsCategory::Publicity, 10.0),
                cap(PointsCategory::Other, 5.0),
            ],
            first_author_percent: DEFAULT_FIRST_AUTHOR_PERCENT,
            excellent_from: 90.0,
            qualified_from: 60.0,
            dispute_days: DEFAULT_DISPUTE_DAYS,
        }
    }

    /// The refusals the SDK and the server share: numbers out of range or
    /// with more than two decimals, an event or a category twice, a rule
    /// for adjustments (they carry their own points), thresholds upside down.
    pub fn validate(&self) -> Result<(), FieldError> {
        let mut seen = Vec::new();
        for rule in &self.rules {
            hundredths(rule.points, "rules", 0.0, MAX_POINTS)?;
            if rule.event == PointsEvent::Adjustment {
                return Err(invalid("rules", "adjustments carry their own points"));
            }
            if seen.contains(&rule.event) {
                return Err(invalid(
                    "rules",
                    format!("{} has two rules", rule.event.as_str()),
                ));
            }
            seen.push(rule.event);
        }
        let mut capped = Vec::new();
        for cap in &self.caps {
            hundredths(cap.cap, "caps", 0.0, MAX_POINTS)?;
            if cap.category == PointsCategory::Adjustment {
                return Err(invalid("caps", "adjustments are never capped"));
            }
            if capped.contains(&cap.category) {
                return Err(invalid(
                    "caps",
                    format!("{} has two caps", cap.category.as_str()),
                ));
            }
            capped.push(cap.category);
        }
        if !(1..=100).contains(&self.first_author_percent) {
            return Err(invalid("first_author_percent", "must be from 1 to 100"));
        }
        let excellent = hundredths(self.excellent_from, "excellent_from", 0.0, MAX_POINTS)?;
        let qualified = hundredths(self.qualified_from, "qualified_from", 0.0, MAX_POINTS)?;
        if qualified > excellent {
            return Err(invalid(
                "qualified_from",
                "must not be above excellent_from",
            ));
        }
        if !(1..=MAX_DISPUTE_DAYS).contains(&self.dispute_days) {
            return Err(invalid(
                "dispute_days",
                format!("must be from 1 to {MAX_DISPUTE_DAYS}"),
            ));
        }
        Ok(())
    }
}

/// `GET /points/years/{year}`: the year's rules and whether it is closed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsYear {
    pub year: i32,
    pub status: PointsYearStatus,
    /// False while the year runs on the defaults.
    pub customized: bool,
    pub rules: PointsRules,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub closed_at: Option<Timestamp>,
    /// The last day members may dispute, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub dispute_until: Option<Date>,
}

/// Where a line comes from, to show and to open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsSource {
    pub kind: PointsSourceKind,
    /// The activity, finding, session, round, report or entry.
    pub id: String,
    pub title: String,
}

/// One line of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsLine {
    /// Stable for the line's source and event: what a dispute names.
    pub key: String,
    pub event: PointsEvent,
    pub category: PointsCategory,
    pub source: PointsSource,
    pub occurred_on: Date,
    /// Hours for `training_hour`, otherwise 1.
    pub quantity: f64,
    /// The member's share of a co-written report (100 otherwise).
    pub share_percent: i32,
    /// Negative for a deduction.
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CategoryTotal {
    pub category: PointsCategory,
    /// The category's lines added up.
    pub earned: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub cap: Option<f64>,
    /// What counts in the total: `earned`, at most `cap`.
    pub counted: f64,
}

/// `GET /me/points?year=`, `GET /members/{id}/points?year=`: a member's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsRecord {
    pub year: i32,
    pub member_id: MemberId,
    pub member_name: String,
    pub status: PointsYearStatus,
    /// Oldest first.
    pub lines: Vec<PointsLine>,
    pub categories: Vec<CategoryTotal>,
    pub total: f64,
    pub grade: PointsGrade,
    /// Once the year is closed: the place among the committee's members
    /// (equal totals share a place), and of how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub rank: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub ranked_of: Option<i32>,
    /// The last day this record may be disputed; none while the year is open
    /// (disputes are taken any time then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub dispute_until: Option<Date>,
}

/// One member's line of the committee's summary (通报).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsStanding {
    pub member_id: MemberId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub member_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub sector: Option<String>,
    pub total: f64,
    pub grade: PointsGrade,
    pub rank: i32,
}

/// `GET /points/summary?year=`: every member's total, grade and place,
/// best first (live while open, frozen once closed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsSummary {
    pub year: i32,
    pub status: PointsYearStatus,
    pub items: Vec<PointsStanding>,
    pub excellent: i32,
    pub qualified: i32,
    pub unqualified: i32,
}

/// `POST /points/entries`: what the office records by hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewPointsEntry {
    pub member_id: MemberId,
    /// `plenary_speech`, `proposal`, `article_*` or `other_duty`.
    pub event: PointsEvent,
    /// What shows it happened: the proposal's number, the article's title
    /// and outlet. The same member, event and evidence is recorded once.
    pub evidence: String,
    /// The day; its year is the record's year.
    pub occurred_on: Date,
}

impl NewPointsEntry {
    /// The entry's evidence, trimmed, once the event is one the office records.
    pub fn validate(&self) -> Result<String, FieldError> {
        if !self.event.is_manual() {
            return Err(invalid(
                "event",
                "the office records speeches, proposals, articles and other duty; the rest comes from Lvzhi itself",
            ));
        }
        text(&self.evidence, "evidence", MAX_EVIDENCE_CHARS, true)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsEntry {
    pub id: PointsEntryId,
    pub member_id: MemberId,
    pub member_name: String,
    pub event: PointsEvent,
    pub evidence: String,
    pub occurred_on: Date,
    /// An adjustment's own points; other entries earn their event's rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub points: Option<f64>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsEntryList {
    pub items: Vec<PointsEntry>,
}

/// `POST /me/points/disputes`: a member questions a line, or says one is missing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewDispute {
    pub year: i32,
    /// A line of my record (`key`); none when something is missing from it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub line_key: Option<String>,
    pub reason: String,
}

/// `POST /points/disputes/{id}/accept`: the correction, as an adjustment line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DisputeAcceptance {
    /// Added to the member's total (negative takes off); not zero, at most
    /// 1,000 either way, two decimals.
    pub points: f64,
    pub note: String,
}

/// `POST /points/disputes/{id}/refuse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(deny_unknown_fields)
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DisputeRefusal {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsDispute {
    pub id: PointsDisputeId,
    pub year: i32,
    pub member_id: MemberId,
    pub member_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub line_key: Option<String>,
    /// The disputed line as it read then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub line_title: Option<String>,
    pub reason: String,
    pub status: DisputeStatus,
    /// The office's note or reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub adjustment: Option<f64>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub decided_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PointsDisputeList {
    pub items: Vec<PointsDispute>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_decimals_are_exact_and_a_third_is_refused() {
        assert_eq!(hundredths(2.35, "x", 0.0, 10.0).expect("ok"), 235);
        assert_eq!(hundredths(0.1, "x", 0.0, 10.0).expect("ok"), 10);
        assert!(hundredths(2.355, "x", 0.0, 10.0).is_err());
        assert!(hundredths(-1.0, "x", 0.0, 10.0).is_err());
        assert!(hundredths(f64::NAN, "x", 0.0, 10.0).is_err());
    }

    #[test]
    fn defaults_pass_their_own_rules() {
        PointsRules::defaults().validate().expect("defaults valid");
    }

    #[test]
    fn an_event_twice_or_a_negative_rule_is_refused() {
        let mut rules = PointsRules::defaults();
        rules.rules.push(PointsRule {
            event: PointsEvent::Proposal,
            points: 1.0,
        });
        assert_eq!(rules.validate().expect_err("dup").field, "rules");
        let mut rules = PointsRules::defaults();
        rules.rules[0].points = -1.0;
        assert!(rules.validate().is_err());
        let mut rules = PointsRules::defaults();
        rules.qualified_from = 95.0;
        assert_eq!(
            rules.validate().expect_err("upside down").field,
            "qualified_from"
        );
    }
}
