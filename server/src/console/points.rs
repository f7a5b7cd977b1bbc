//! 履职积分: the year's 通报 (every member's total, grade and place, live
//! while open), a member's record line by line with its sources, and the
//! year's close. The rules, the manual entries and the disputes have their
//! own screens (`points_rules`, `points_entries`, `points_disputes`).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::points::{PointsRecord, PointsSummary, PointsYearStatus};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::layout::{Shell, html, xlsx};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::Ctx;
use crate::domain::committees;
use crate::domain::points::records::{self, grade_zh};
use crate::domain::points::words::{category_zh, event_zh};
use crate::domain::points::{close, rules};

/// The year asked for, or this one.
pub fn year_or_now(ctx: &Ctx, year: Option<i32>) -> i32 {
    year.filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz))
}

/// What a refusal of the points screens says to the clerk.
pub fn refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::YearClosed => {
            "这一年度的积分已经结算，规则和登记事项不能再改；如有差错，请通过委员申诉调整。"
        }
        ErrorCode::DuplicateEntry => {
            "这位委员的这一事项已经登记过（同一事项、同一证明材料只登记一次）。"
        }
        ErrorCode::DisputeDecided => "这条申诉已经处理过（可能有同事刚处理），下面是它现在的状态。",
        ErrorCode::UnknownMember => "请选择本会的委员。",
        ErrorCode::FieldRequired => "请把必填的内容填写完整。",
        ErrorCode::FieldTooLong => "填写的内容太长，请精简后再提交。",
        ErrorCode::InvalidField => {
            "填写的数字或日期不符合要求（分值最多两位小数），请检查后再提交。"
        }
        _ => "操作没有完成，请刷新页面后再试。",
    }
}

struct Standing {
    member_id: MemberId,
    rank: i32,
    name: String,
    member_no: String,
    sector: String,
    total: String,
    grade: &'static str,
    low: bool,
}

#[derive(Template)]
#[template(path = "points.html")]
struct SummaryPage {
    shell: Shell,
    tab: &'static str,
    year: i32,
    closed: bool,
    closed_at: String,
    dispute_until: String,
    counts: (i32, i32, i32),
    items: Vec<Standing>,
    problem: Option<&'static str>,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    format: Option<String>,
    done: Option<String>,
}

fn standings(summary: &PointsSummary) -> Vec<Standing> {
    summary
        .items
        .iter()
        .map(|s| Standing {
            member_id: s.member_id,
            rank: s.rank,
            name: s.name.clone(),
            member_no: s.member_no.clone().unwrap_or_default(),
            sector: s.sector.clone().unwrap_or_default(),
            total: format!("{:.2}", s.total),
            grade: grade_zh(s.grade),
            low: s.grade == lvzhi_shared::points::PointsGrade::Unqualified,
        })
        .collect()
}

async fn summary_page(
    state: &AppState,
    clerk: &Clerk,
    year: i32,
    problem: Option<(&'static str, StatusCode)>,
    done: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let (summary, y) = state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok((
                records::summary(conn, ctx, year)?,
                rules::year(conn, ctx, year)?,
            ))
        })
        .await?;
    let mut resp = html(&SummaryPage {
        shell: Shell::new(clerk, "履职积分", "/console/points"),
        tab: "summary",
        year,
        closed: y.status == PointsYearStatus::Closed,
        closed_at: y
            .closed_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
        dispute_until: y.dispute_until.map(|d| d.to_string()).unwrap_or_default(),
        counts: (summary.excellent, summary.qualified, summary.unqualified),
        items: standings(&summary),
        problem: problem.map(|p| p.0),
        done,
    });
    if let Some((_, status)) = problem {
        resp.set_status(status);
    }
    Ok(resp)
}

/// `GET /console/points?year=` (`&format=xlsx`: the 通报 to publish).
#[handler]
pub async fn overview(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let year = year_or_now(&clerk.ctx, q.year);
    if q.format.as_deref() == Some("xlsx") {
        let summary = state
            .read(&clerk.ctx, move |conn, ctx| {
                records::summary(conn, ctx, year)
            })
            .await?;
        let bytes = records::summary_table(&summary).to_xlsx("履职积分通报")?;
        return Ok(xlsx(bytes, &format!("duty-points-{year}.xlsx")));
    }
    let done = q
        .done
        .is_some()
        .then_some("年度积分已结算：每位委员的档案已定稿，并已通知委员申诉期限。");
    summary_page(&state, &clerk, year, None, done).await
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    year: Option<i32>,
    /// The box "我已核对": closing cannot be undone.
    checked: Option<String>,
}

/// `POST /console/points/close`: freezes the year (the form asks the clerk
/// to tick that they checked the figures).
#[handler]
pub async fn close_year(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(form): Form<CloseForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let year = year_or_now(&clerk.ctx, form.year);
    if form.checked.is_none() {
        let problem = Some((
            "结算后不能撤回：请先核对积分，勾选“我已核对上面的积分”。",
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
        return summary_page(&state, &clerk, year, problem, None).await;
    }
    let closed = state
        .write(&clerk.ctx, move |conn, ctx| close::close(conn, ctx, year))
        .await;
    match closed {
        Ok(_) => Ok(
            Redirect::see_other(format!("/console/points?year={year}&done=closed")).into_response(),
        ),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            summary_page(
                &state,
                &clerk,
                year,
                Some((refusal(e.code), e.status())),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

struct LineView {
    on: String,
    event: &'static str,
    source: String,
    quantity: String,
    share: String,
    points: String,
    negative: bool,
}

struct CategoryView {
    name: &'static str,
    earned: String,
    cap: String,
    counted: String,
    capped: bool,
}

#[derive(Template)]
#[template(path = "points_record.html")]
struct RecordPage {
    shell: Shell,
    tab: &'static str,
    year: i32,
    r: PointsRecord,
    grade: &'static str,
    total: String,
    lines: Vec<LineView>,
    categories: Vec<CategoryView>,
}

/// `GET /console/points/members/{id}?year=` (`&format=xlsx`).
#[handler]
pub async fn member_record(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: MemberId = path_id(&id)?;
    let year = year_or_now(&clerk.ctx, q.year);
    let r = state
        .read(&clerk.ctx, move |conn, ctx| {
            records::of_member(conn, ctx, year, id)
        })
        .await?;
    if q.format.as_deref() == Some("xlsx") {
        let bytes = records::record_table(&r).to_xlsx("履职档案")?;
        return Ok(xlsx(bytes, &format!("duty-record-{year}-{id}.xlsx")));
    }
    let lines = r
        .lines
        .iter()
        .map(|l| LineView {
            on: l.occurred_on.to_string(),
            event: event_zh(l.event),
            source: l.source.title.clone(),
            quantity: if l.quantity == 1.0 {
                String::new()
            } else {
                format!("{:.2}", l.quantity)
            },
            share: if l.share_percent == 100 {
                String::new()
            } else {
                format!("{}%", l.share_percent)
            },
            points: format!("{:+.2}", l.points),
            negative: l.points < 0.0,
        })
        .collect();
    let categories = r
        .categories
        .iter()
        .map(|c| CategoryView {
            name: category_zh(c.category),
            earned: format!("{:.2}", c.earned),
            cap: c
                .cap
                .map(|cap| format!("{cap:.2}"))
                .unwrap_or_else(|| "不设上限".to_owned()),
            counted: format!("{:.2}", c.counted),
            capped: c.counted < c.earned,
        })
        .collect();
    Ok(html(&RecordPage {
        shell: Shell::new(
            &clerk,
            &format!("{}的履职档案", r.member_name),
            "/console/points",
        ),
        tab: "summary",
        year,
        grade: grade_zh(r.grade),
        total: format!("{:.2}", r.total),
        lines,
        categories,
        r,
    }))
}
