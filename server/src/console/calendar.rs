//! 月历: a month of activities as the wall calendar in the office shows it,
//! weeks from Monday, each day with what starts on it, in the committee's
//! time zone.

use std::sync::Arc;

use askama::Template;
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::activities::{self, ListFilter};

struct Entry {
    id: lvzhi_shared::ids::ActivityId,
    time: String,
    kind: &'static str,
    title: String,
    cancelled: bool,
}

struct Day {
    /// Day of the month; `None` for the padding before the 1st and after the last.
    number: Option<u32>,
    today: bool,
    entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    heading: String,
    previous: String,
    next: String,
    weeks: Vec<Vec<Day>>,
    total: usize,
}

#[derive(Deserialize)]
pub struct MonthQuery {
    /// `2026-12`; absent or unreadable: this month.
    month: Option<String>,
}

fn first_of(month: &str) -> Option<NaiveDate> {
    let (y, m) = month.split_once('-')?;
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    (2000..=2100).contains(&date.year()).then_some(date)
}

fn add_months(first: NaiveDate, months: i32) -> NaiveDate {
    let index = first.year() * 12 + first.month0() as i32 + months;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(first)
}

fn month_param(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

/// `GET /console/activities/calendar[?month=YYYY-MM]`.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<MonthQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let tz = clerk.ctx.tz;
    let today = clerk.ctx.now.and_utc().with_timezone(&tz).date_naive();
    let first = query
        .month
        .as_deref()
        .and_then(first_of)
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let after = add_months(first, 1);
    let utc = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.naive_utc())
    };
    let filter = ListFilter {
        from: utc(first),
        to: utc(after),
        limit: lvzhi_shared::validate::MAX_PAGE_SIZE,
        ..ListFilter::default()
    };
    let (items, _) = state
        .read(&clerk.ctx, move |conn, ctx| {
            activities::list(conn, ctx, &filter)
        })
        .await?;
    let total = items.len();
    let days_in_month = (after - first).num_days() as u32;
    let mut days: Vec<Day> = (0..first.weekday().num_days_from_monday())
        .map(|_| Day {
            number: None,
            today: false,
            entries: Vec::new(),
        })
        .collect();
    for n in 1..=days_in_month {
        let date = first + Duration::days(i64::from(n) - 1);
        days.push(Day {
            number: Some(n),
            today: date == today,
            entries: items
                .iter()
                .filter(|a| a.starts_at.date_naive() == date)
                .map(|a| Entry {
                    id: a.id,
                    time: a.starts_at.format("%H:%M").to_string(),
                    kind: labels::kind(a.kind),
                    title: a.title.clone(),
                    cancelled: a.status == lvzhi_shared::activities::ActivityStatus::Cancelled,
                })
                .collect(),
        });
    }
    while !days.len().is_multiple_of(7) {
        days.push(Day {
            number: None,
            today: false,
            entries: Vec::new(),
        });
    }
    let mut weeks = Vec::new();
    let mut days = days.into_iter().peekable();
    while days.peek().is_some() {
        weeks.push(days.by_ref().take(7).collect());
    }
    Ok(html(&CalendarPage {
        shell: Shell::new(&clerk, "活动月历", "/console/activities"),
        heading: format!("{}年{}月", first.year(), first.month()),
        previous: month_param(add_months(first, -1)),
        next: month_param(after),
        weeks,
        total,
    }))
}
