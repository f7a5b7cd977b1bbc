//! The frame every signed-in page shares (the header with the committee and
//! the clerk, the left-hand menu) and turning a template into a response.

use askama::Template;
use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::assets;
use super::session::Clerk;

/// One entry of the left-hand menu. Screens appear here as they are built.
pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// Label, page, and whether only an admin may open it (others are not shown it).
const MENU: [(&str, &str, bool); 11] = [
    ("工作台", "/console/today", false),
    ("委员", "/console/members", false),
    ("活动", "/console/activities", false),
    ("会议", "/console/meetings", false),
    ("请假审批", "/console/leave", false),
    ("视察意见", "/console/findings", false),
    ("社情民意", "/console/reports", false),
    ("履职积分", "/console/points", false),
    ("通知", "/console/notices", false),
    ("统计", "/console/stats", false),
    ("设置", "/console/settings", true),
];

/// What the shared frame shows around a page.
pub struct Shell {
    pub page_title: String,
    pub committee_name: String,
    pub clerk_name: String,
    pub csrf: String,
    pub menu: Vec<MenuItem>,
    pub htmx: &'static str,
    pub style: &'static str,
}

impl Shell {
    pub fn new(clerk: &Clerk, page_title: &str, current: &str) -> Self {
        Shell {
            page_title: page_title.to_owned(),
            committee_name: clerk.committee_name.clone(),
            clerk_name: clerk.name.clone(),
            csrf: clerk.csrf.clone(),
            menu: MENU
                .iter()
                .filter(|&&(_, _, admin_only)| !admin_only || clerk.is_admin())
                .map(|&(label, href, _)| MenuItem {
                    label,
                    href,
                    current: href == current,
                })
                .collect(),
            htmx: assets::htmx_url(),
            style: assets::style_url(),
        }
    }
}

/// A confirmation before a change: the question, who will be told what,
/// and the form that makes the change (or the way back without it).
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub shell: Shell,
    pub question: String,
    pub told: Vec<String>,
    /// Where the form posts.
    pub action: String,
    pub button: &'static str,
    pub back: String,
    /// The change cannot be undone: the button says so by its colour.
    pub danger: bool,
}

/// A spreadsheet to download (an export; the caller has audited it).
pub fn xlsx(bytes: Vec<u8>, file_name: &str) -> Response {
    Response::builder()
        .header(
            poem::http::header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .header(
            poem::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        )
        .body(bytes)
}

/// Renders a page; a template that fails to render is our fault, logged,
/// and the clerk gets a plain apology rather than half a page.
pub fn html(page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => body
            .with_content_type("text/html; charset=utf-8")
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            "系统出了点问题，请稍后再试。"
                .with_content_type("text/plain; charset=utf-8")
                .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response()
        }
    }
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// `12月3日 周四 09:00`, as a clerk reads a date.
pub fn day_and_time(t: DateTime<FixedOffset>) -> String {
    format!(
        "{}月{}日 周{} {}",
        t.month(),
        t.day(),
        WEEKDAYS[t.weekday().num_days_from_monday() as usize],
        t.format("%H:%M")
    )
}

/// `12月3日 周四 09:00 至 11:00`, or with the end's date when it is another day.
pub fn span(starts: DateTime<FixedOffset>, ends: DateTime<FixedOffset>) -> String {
    if starts.date_naive() == ends.date_naive() {
        format!("{} 至 {}", day_and_time(starts), ends.format("%H:%M"))
    } else {
        format!("{} 至 {}", day_and_time(starts), day_and_time(ends))
    }
}

/// `2026年12月3日 09:05`, for a record kept over years (the audit log).
pub fn date_and_time(t: DateTime<FixedOffset>) -> String {
    format!("{} {:02}:{:02}", date(t), t.hour(), t.minute())
}

/// `2026年12月3日`.
pub fn date(t: DateTime<FixedOffset>) -> String {
    format!("{}年{}月{}日", t.year(), t.month(), t.day())
}
