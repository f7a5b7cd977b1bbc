//! What members are told about their reports, in their committee's language.

use diesel::prelude::*;
use lvzhi_shared::committees::{CommitteeLevel, Language};
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::notifications::NotificationKind;
use lvzhi_shared::reports::ReportEventKind;

use crate::db::DbConnection;
use crate::db::models::{ReportEventRow, ReportRow};
use crate::db::schema::{committees, reports, users};
use crate::domain::Ctx;
use crate::domain::notifications::notices::quote;
use crate::domain::notifications::outbox::{self, Message, Notifier};
use crate::error::AppError;

pub fn level_zh(level: CommitteeLevel) -> &'static str {
    match level {
        CommitteeLevel::National => "全国",
        CommitteeLevel::Provincial => "省级",
        CommitteeLevel::City => "市级",
        CommitteeLevel::County => "县级",
    }
}

/// The line a member reads about one step of their report.
fn step_line(e: &ReportEventRow, committee: &str, language: Language) -> String {
    use ReportEventKind::*;
    let party = e.party.as_deref().unwrap_or_default();
    let text = e.text.as_deref().map(quote).unwrap_or_default();
    let level = e.level;
    if language == Language::En {
        let level = level.map(|l| l.as_str()).unwrap_or_default();
        return match e.kind {
            Accepted => format!("Accepted by {committee}."),
            Returned => format!("Returned by {committee} for changes: {text}"),
            Rejected => format!("Not taken up by {committee}: {text}"),
            Merged => format!("Merged by {committee} into {text}."),
            Compiled => format!("Printed in {text}."),
            Forwarded => format!("{committee} forwarded it to {party}."),
            Adopted => format!("Adopted at {level} level by {party}."),
            Instructed => format!("{party} gave an instruction: {text}"),
            Replied => format!("{party} replied: {text}"),
            _ => format!("{committee}: {}", e.kind),
        };
    }
    match e.kind {
        Accepted => format!("{committee}已受理采编。"),
        Returned => format!("{committee}退回修改：{text}"),
        Rejected => format!("{committee}未予采用：{text}"),
        Merged => format!("{committee}已将其与其他信息合并为{text}。"),
        Compiled => format!("已编入{text}。"),
        Forwarded => format!("{committee}已报送{party}。"),
        Adopted => format!(
            "已被{party}采用（{}）。",
            level.map(level_zh).unwrap_or_default()
        ),
        Instructed => format!("{party}作出批示：{text}"),
        Replied => format!("{party}已办复：{text}"),
        _ => format!("{committee}：{}", e.kind),
    }
}

/// Queues the news of one step to `to`, in the words of the member's own
/// committee (the root's), wherever the step happened.
pub fn tell_step(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: &ReportRow,
    event: &ReportEventRow,
    to: &[MemberId],
) -> Result<(), AppError> {
    if to.is_empty() {
        return Ok(());
    }
    let root_committee = reports::table
        .find(row.root_id)
        .select(reports::committee_id)
        .get_result(conn)?;
    let n = Notifier::load(conn, root_committee)?;
    let committee: String = committees::table
        .find(row.committee_id)
        .select(committees::name)
        .get_result(conn)?;
    let title = match n.language {
        Language::Zh => format!("社情民意：{}", row.title),
        Language::En => format!("Your report: {}", row.title),
    };
    let body = step_line(event, &committee, n.language);
    let message = message(row, NotificationKind::ReportUpdate, &title, &body);
    queue(conn, ctx, &n, &message, to)
}

/// Asks the co-signers in `to` to confirm.
pub fn ask_cosigners(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: &ReportRow,
    to: &[MemberId],
) -> Result<(), AppError> {
    if to.is_empty() {
        return Ok(());
    }
    let n = Notifier::load(conn, row.committee_id)?;
    let author: String = users::table
        .find(row.author_id)
        .select(users::name)
        .get_result(conn)?;
    let (title, body) = match n.language {
        Language::Zh => (
            "联名确认".to_owned(),
            format!(
                "{author}邀请您联名社情民意信息“{}”，请确认或谢绝。",
                row.title
            ),
        ),
        Language::En => (
            "Co-sign a report".to_owned(),
            format!(
                "{author} named you as co-signer of “{}”: confirm or decline.",
                row.title
            ),
        ),
    };
    let message = message(row, NotificationKind::CosignRequested, &title, &body);
    queue(conn, ctx, &n, &message, to)
}

/// What a member is told about a report: opens the report they wrote.
fn message<'a>(
    row: &ReportRow,
    kind: NotificationKind,
    title: &'a str,
    body: &'a str,
) -> Message<'a> {
    Message {
        kind,
        activity_id: None,
        meeting_id: None,
        report_id: Some(row.root_id),
        announcement_id: None,
        title,
        body,
        urgent: false,
    }
}

fn queue(
    conn: &mut DbConnection,
    ctx: &Ctx,
    n: &Notifier,
    message: &Message<'_>,
    to: &[MemberId],
) -> Result<(), AppError> {
    let due = n.due_at(ctx.now, false, None);
    let rows: Vec<_> = to
        .iter()
        .map(|u| outbox::row(n.committee_id, *u, message, due, ctx.now))
        .collect();
    outbox::insert(conn, &rows)
}
