//! 合并: several accepted reports of the committee's own members become one,
//! credited to everyone credited on them (`review::merge`, as the API's
//! `POST /reports/merge`). The clerk ticks them, writes the merged text, and
//! lands on the new report's page.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::ReportId;
use lvzhi_shared::reports::{MergeInput, ReportCategory, ReportStatus};
use poem::http::StatusCode;
use poem::web::{Data, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::path_id;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::idempotency;
use crate::domain::reports::review;
use crate::domain::reports::views::{self, QueueFilter};

struct Candidate {
    id: ReportId,
    title: String,
    credits: String,
    checked: bool,
}

struct CategoryChoice {
    value: &'static str,
    label: &'static str,
}

/// What the clerk typed, kept when the form comes back.
#[derive(Default)]
struct Typed {
    csrf: String,
    token: String,
    picked: Vec<ReportId>,
    title: String,
    body: String,
    category: String,
}

#[derive(Template)]
#[template(path = "report_merge.html")]
struct MergePage {
    shell: Shell,
    tab: &'static str,
    candidates: Vec<Candidate>,
    categories: Vec<CategoryChoice>,
    typed: Typed,
    problem: Option<&'static str>,
}

async fn merge_page(
    state: &AppState,
    clerk: &Clerk,
    mut typed: Typed,
    problem: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let accepted = state
        .read(&clerk.ctx, |conn, ctx| {
            let filter = QueueFilter {
                status: Some(ReportStatus::Accepted),
                incoming: false,
            };
            views::queue(conn, ctx, &filter, None, 200)
        })
        .await?;
    let candidates = accepted
        .items
        .into_iter()
        .filter(|r| r.issue.is_none() && !r.forwarded && r.forwarded_from.is_none())
        .map(|r| Candidate {
            checked: typed.picked.contains(&r.id),
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
    if typed.token.is_empty() {
        typed.token = console_sessions::random_token();
    }
    let mut resp = html(&MergePage {
        shell: Shell::new(clerk, "合并信息", "/console/reports"),
        tab: "accepted",
        candidates,
        categories: ReportCategory::ALL
            .iter()
            .map(|c| CategoryChoice {
                value: c.as_str(),
                label: labels::report_category(*c),
            })
            .collect(),
        typed,
        problem,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

/// `GET /console/reports/merge`.
#[handler]
pub async fn form(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    merge_page(&state, &clerk, Typed::default(), None).await
}

/// `POST /console/reports/merge`.
#[handler]
pub async fn merge(
    req: &Request,
    state: Data<&Arc<AppState>>,
    body: String,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    // Repeated `report` fields: serde's form reader keeps only one.
    let mut typed = Typed::default();
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "csrf" => typed.csrf = v.into_owned(),
            "token" => typed.token = v.into_owned(),
            "report" => typed.picked.push(path_id::<ReportId>(&v)?),
            "title" => typed.title = v.into_owned(),
            "body" => typed.body = v.into_owned(),
            "category" => typed.category = v.into_owned(),
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&typed.csrf))?;
    if typed.picked.len() < 2 {
        return merge_page(&state, &clerk, typed, Some("请勾选至少两条要合并的信息。")).await;
    }
    let input = MergeInput {
        report_ids: typed.picked.clone(),
        title: typed.title.clone(),
        body: typed.body.clone(),
        category: ReportCategory::parse(&typed.category).unwrap_or(ReportCategory::Other),
    };
    let (user, token) = (clerk.ctx.caller.user_id, typed.token.clone());
    let merged = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(conn, user, "merge_reports", &token, ctx.now, |conn| {
                review::merge(conn, ctx, &input)
            })
        })
        .await;
    match merged {
        Ok(id) => {
            Ok(Redirect::see_other(format!("/console/reports/{id}?done=merged")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problem = match (e.field.as_deref(), e.code) {
                (Some("title"), _) => "请填写合并后的标题（200 字以内）。",
                (Some("body"), ErrorCode::FieldTooLong) => "合并后的正文超过了字数上限，请删减。",
                (Some("body"), _) => "请填写合并后的正文。",
                (_, code) => labels::report_refusal(code),
            };
            merge_page(&state, &clerk, typed, Some(problem)).await
        }
        Err(e) => Err(e.into()),
    }
}
