//! The duty record in words: events and categories in Chinese (sheets,
//! console), and what members are told, in their committee's language.

use chrono::NaiveDate;
use lvzhi_shared::committees::Language;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::notifications::NotificationKind;
use lvzhi_shared::points::{PointsCategory, PointsEvent, points_of};

use crate::db::DbConnection;
use crate::db::models::PointsDisputeRow;
use crate::domain::Ctx;
use crate::domain::notifications::outbox::{self, Message, Notifier};
use crate::error::AppError;

pub fn event_zh(event: PointsEvent) -> &'static str {
    use PointsEvent::*;
    match event {
        TrainingHour => "学习培训（每学时）",
        OutreachJoined => "参加三下乡",
        InspectionJoined => "参加视察",
        FindingAdopted => "视察意见被采纳",
        MeetingPresent => "出席会议",
        MeetingAbsent => "无故缺席会议",
        AppraisalVoted => "参加民主评议",
        ReportSubmitted => "报送社情民意",
        ReportAdoptedCounty => "社情民意被县级采用",
        ReportAdoptedCity => "社情民意被市级采用",
        ReportAdoptedProvincial => "社情民意被省级采用",
        ReportAdoptedNational => "社情民意被全国采用",
        ReportInstructed => "社情民意获领导批示",
        PlenarySpeech => "大会发言",
        Proposal => "提交提案",
        ArticleCounty => "县级媒体上稿",
        ArticleCity => "市级媒体上稿",
        ArticleProvincial => "省级媒体上稿",
        ArticleNational => "国家级媒体上稿",
        OtherDuty => "其他履职",
        Adjustment => "申诉调整",
    }
}

pub fn category_zh(category: PointsCategory) -> &'static str {
    use PointsCategory::*;
    match category {
        Study => "学习培训",
        Activities => "调研视察与三下乡",
        Meetings => "会议与评议",
        Reports => "社情民意",
        Proposals => "提案与大会发言",
        Publicity => "宣传上稿",
        Other => "其他履职",
        Adjustment => "申诉调整",
    }
}

fn queue(
    conn: &mut DbConnection,
    ctx: &Ctx,
    to: &[MemberId],
    title: &str,
    body: &str,
) -> Result<(), AppError> {
    if to.is_empty() {
        return Ok(());
    }
    let n = Notifier::load(conn, ctx.caller.committee_id)?;
    let message = Message {
        kind: NotificationKind::PointsUpdate,
        activity_id: None,
        meeting_id: None,
        report_id: None,
        announcement_id: None,
        title,
        body,
        urgent: false,
    };
    let due = n.due_at(ctx.now, false, None);
    let rows: Vec<_> = to
        .iter()
        .map(|u| outbox::row(n.committee_id, *u, &message, due, ctx.now))
        .collect();
    outbox::insert(conn, &rows)
}

fn language(conn: &mut DbConnection, ctx: &Ctx) -> Result<Language, AppError> {
    Ok(Notifier::load(conn, ctx.caller.committee_id)?.language)
}

/// Tells every member their record for `year` is final.
pub fn tell_closed(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
    until: Option<NaiveDate>,
    to: &[MemberId],
) -> Result<(), AppError> {
    let until = until.map(|d| d.to_string()).unwrap_or_default();
    let (title, body) = match language(conn, ctx)? {
        Language::Zh => (
            format!("{year}年度履职积分已结算"),
            format!(
                "您的{year}年度履职档案已定稿，可在“我的履职”中查看；如有异议，请于{until}前提出申诉。"
            ),
        ),
        Language::En => (
            format!("Your {year} duty record is final"),
            format!(
                "Your duty record for {year} is closed. If a line is wrong, dispute it by {until}."
            ),
        ),
    };
    queue(conn, ctx, to, &title, &body)
}

/// Tells the member what became of their dispute.
pub fn tell_decided(
    conn: &mut DbConnection,
    ctx: &Ctx,
    dispute: &PointsDisputeRow,
    adjustment: Option<i64>,
    answer: &str,
) -> Result<(), AppError> {
    let year = dispute.year;
    let (title, body) = match (language(conn, ctx)?, adjustment) {
        (Language::Zh, Some(points)) => (
            "积分申诉已受理".to_owned(),
            format!(
                "您对{year}年度履职积分的申诉已受理，调整{:+.2}分：{answer}",
                points_of(points)
            ),
        ),
        (Language::Zh, None) => (
            "积分申诉未予采纳".to_owned(),
            format!("您对{year}年度履职积分的申诉未予采纳：{answer}"),
        ),
        (Language::En, Some(points)) => (
            "Dispute accepted".to_owned(),
            format!(
                "Your dispute of your {year} record was accepted: {:+.2} points. {answer}",
                points_of(points)
            ),
        ),
        (Language::En, None) => (
            "Dispute refused".to_owned(),
            format!("Your dispute of your {year} record was refused: {answer}"),
        ),
    };
    queue(conn, ctx, &[dispute.member_id], &title, &body)
}
