//! 刊物编发 and 年度统计 of 社情民意: the year's numbered issues with their
//! Word documents, the form that compiles the next one from accepted
//! reports, and the year's figures with their workbook.

use std::sync::Arc;

use askama::Template;
use chrono::NaiveDate;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{ReportId, ReportIssueId};
use lvzhi_shared::reports::{NewReportIssue, ReportFigures, ReportStatus};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html, xlsx};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::committees;
use crate::domain::idempotency;
use crate::domain::reports::views::{self, QueueFilter};
use crate::domain::reports::{figures, issues};

struct IssueLine {
    id: ReportIssueId,
    label: String,
    issued_on: String,
    titles: Vec<String>,
}

struct Candidate {
    id: ReportId,
    title: String,
    credits: String,
}

#[derive(Template)]
#[template(path = "report_issues.html")]
struct IssuesPage {
    shell: Shell,
    tab: &'static str,
    year: i32,
    issues: Vec<IssueLine>,
    candidates: Vec<Candidate>,
    today: String,
    token: String,
    problem: Option<&'static str>,
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct IssuesQuery {
    year: Option<i32>,
    done: Option<String>,
}

async fn issues_page(
    state: &AppState,
    clerk: &Clerk,
    year: Option<i32>,
    problem: Option<&'static str>,
    done: Option<String>,
) -> Result<Response, ConsoleError> {
    let ctx = &clerk.ctx;
    let this_year = committees::current_year(ctx.now.and_utc(), ctx.tz);
    let year = year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let (compiled, accepted) = state
        .read(ctx, move |conn, ctx| {
            let compiled = issues::list(conn, ctx, year)?;
            let filter = QueueFilter {
                status: Some(ReportStatus::Accepted),
                incoming: false,
            };
            let accepted = views::queue(conn, ctx, &filter, None, 200)?;
            Ok((compiled, accepted))
        })
        .await?;
    let issues = compiled
        .into_iter()
        .map(|i| IssueLine {
            id: i.id,
            label: i.label,
            issued_on: i.issued_on.format("%Y-%m-%d").to_string(),
            titles: i.reports.into_iter().map(|r| r.title).collect(),
        })
        .collect();
    // Copies from below are accepted too; only what is not yet printed is offered.
    let candidates = accepted
        .items
        .into_iter()
        .filter(|r| r.issue.is_none())
        .map(|r| Candidate {
            credits: r
                .credits
                .iter()
                .filter(|c| c.confirmed)
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            id: r.id,
            title: r.title,
        })
        .collect();
    let today = crate::domain::committees::local(ctx.now, ctx.tz)
        .format("%Y-%m-%d")
        .to_string();
    let mut resp = html(&IssuesPage {
        shell: Shell::new(clerk, "刊物编发", "/console/reports"),
        tab: "issues",
        year,
        issues,
        candidates,
        today,
        token: console_sessions::random_token(),
        problem,
        done,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

/// `GET /console/report-issues?year=`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<IssuesQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let done = query
        .done
        .map(|label| format!("已编发{label}，并已通知反映人。"));
    issues_page(&state, &clerk, query.year, None, done).await
}

/// `POST /console/report-issues`: the checked reports, in list order, as the next issue.
#[handler]
pub async fn compile(
    req: &Request,
    state: Data<&Arc<AppState>>,
    body: String,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    // Repeated `report` fields: serde's form reader keeps only one.
    let mut csrf = String::new();
    let mut token = String::new();
    let mut issued_on = String::new();
    let mut report_ids = Vec::new();
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "token" => token = v.into_owned(),
            "issued_on" => issued_on = v.into_owned(),
            "report" => report_ids.push(path_id::<ReportId>(&v)?),
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&csrf))?;
    let Ok(issued_on) = NaiveDate::parse_from_str(issued_on.trim(), "%Y-%m-%d") else {
        return issues_page(&state, &clerk, None, Some("请选择刊发日期。"), None).await;
    };
    if report_ids.is_empty() {
        return issues_page(&state, &clerk, None, Some("请勾选要编入本期的信息。"), None).await;
    }
    let new = NewReportIssue {
        issued_on,
        report_ids,
    };
    let user = clerk.ctx.caller.user_id;
    let compiled = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                user,
                "compile_report_issue",
                &token,
                ctx.now,
                |conn| {
                    let id = issues::compile(conn, ctx, &new)?;
                    issues::get(conn, ctx, id).map(|i| (i.year, i.label))
                },
            )
        })
        .await;
    match compiled {
        Ok((year, label)) => Ok(Redirect::see_other(format!(
            "/console/report-issues?year={year}&done={}",
            percent(&label)
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            issues_page(
                &state,
                &clerk,
                None,
                Some(labels::report_refusal(e.code)),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A query value, percent-encoded.
fn percent(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /console/report-issues/{id}/document`: the issue as DOCX.
#[handler]
pub async fn document(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: ReportIssueId = path_id(&id)?;
    let (bytes, name) = state
        .read(&clerk.ctx, move |conn, ctx| issues::docx(conn, ctx, id))
        .await?;
    Ok(Response::builder()
        .header(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(bytes))
}

#[derive(Template)]
#[template(path = "report_figures.html")]
struct FiguresPage {
    shell: Shell,
    tab: &'static str,
    f: ReportFigures,
    levels: Vec<(&'static str, i64, i64)>,
}

#[derive(Deserialize)]
pub struct FiguresQuery {
    year: Option<i32>,
    format: Option<String>,
}

/// `GET /console/report-figures?year=` (`&format=xlsx` for the workbook).
#[handler]
pub async fn figures_page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let ctx = &clerk.ctx;
    let year = query
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
    let f = state
        .read(ctx, move |conn, ctx| figures::of_year(conn, ctx, year))
        .await?;
    if query.format.as_deref() == Some("xlsx") {
        return Ok(xlsx(
            figures::to_xlsx(&f)?,
            &format!("report-figures-{year}.xlsx"),
        ));
    }
    let levels = f
        .by_level
        .iter()
        .map(|l| (labels::committee_level(l.level), l.adopted, l.instructed))
        .collect();
    Ok(html(&FiguresPage {
        shell: Shell::new(&clerk, "社情民意年度统计", "/console/reports"),
        tab: "figures",
        f,
        levels,
    }))
}
