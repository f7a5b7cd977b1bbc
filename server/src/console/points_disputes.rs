//! 委员申诉: a year's disputes, open ones first to decide: accept with an
//! adjustment (points and a note the member reads) or refuse with a reason.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::PointsDisputeId;
use lvzhi_shared::points::{DisputeAcceptance, DisputeStatus};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::layout::{Shell, html};
use super::points::{refusal, year_or_now};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::points::disputes;

struct DisputeLine {
    id: PointsDisputeId,
    filed: String,
    member: String,
    member_id: String,
    line: String,
    reason: String,
    open: bool,
    outcome: String,
}

#[derive(Template)]
#[template(path = "points_disputes.html")]
struct DisputesPage {
    shell: Shell,
    tab: &'static str,
    year: i32,
    open: Vec<DisputeLine>,
    decided: Vec<DisputeLine>,
    problem: Option<&'static str>,
    done: Option<&'static str>,
}

async fn disputes_page(
    state: &AppState,
    clerk: &Clerk,
    year: i32,
    problem: Option<&'static str>,
    done: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let all = state
        .read(&clerk.ctx, move |conn, ctx| {
            disputes::queue(conn, ctx, year, None)
        })
        .await?;
    let (open, decided): (Vec<DisputeLine>, Vec<DisputeLine>) = all
        .into_iter()
        .map(|d| DisputeLine {
            id: d.id,
            filed: d.created_at.format("%Y-%m-%d").to_string(),
            member: d.member_name,
            member_id: d.member_id.to_string(),
            line: d
                .line_title
                .unwrap_or_else(|| "（档案中漏记的事项）".to_owned()),
            reason: d.reason,
            open: d.status == DisputeStatus::Open,
            outcome: match (d.status, d.adjustment) {
                (DisputeStatus::Accepted, Some(points)) => format!(
                    "已受理，调整{points:+.2}分：{}",
                    d.answer.unwrap_or_default()
                ),
                (DisputeStatus::Refused, _) => {
                    format!("未予采纳：{}", d.answer.unwrap_or_default())
                }
                _ => String::new(),
            },
        })
        .partition(|d| d.open);
    let mut resp = html(&DisputesPage {
        shell: Shell::new(clerk, "委员申诉", "/console/points"),
        tab: "disputes",
        year,
        open,
        decided,
        problem,
        done,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct DisputesQuery {
    year: Option<i32>,
    done: Option<String>,
}

/// `GET /console/points/disputes?year=`.
#[handler]
pub async fn screen(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(q): Query<DisputesQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let year = year_or_now(&clerk.ctx, q.year);
    let done = match q.done.as_deref() {
        Some("accepted") => Some("已受理并调整积分，已通知委员。"),
        Some("refused") => Some("已答复委员：未予采纳。"),
        _ => None,
    };
    disputes_page(&state, &clerk, year, None, done).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    year: Option<i32>,
    /// `accept` or `refuse`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    answer: String,
}

/// `POST /console/points/disputes/{id}`: accept with an adjustment, or refuse.
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: PointsDisputeId = path_id(&id)?;
    let year = year_or_now(&clerk.ctx, form.year);
    let accept = form.decision == "accept";
    let points = if accept {
        match form.points.trim().parse::<f64>() {
            Ok(p) => Some(p),
            Err(_) => {
                let problem = Some("受理申诉时，请填写调整的分值（扣分填负数）。");
                return disputes_page(&state, &clerk, year, problem, None).await;
            }
        }
    } else {
        None
    };
    let answer = form.answer;
    let decided = state
        .write(&clerk.ctx, move |conn, ctx| match points {
            Some(points) => disputes::accept(
                conn,
                ctx,
                id,
                &DisputeAcceptance {
                    points,
                    note: answer,
                },
            ),
            None => disputes::refuse(conn, ctx, id, &answer),
        })
        .await;
    match decided {
        Ok(_) => {
            let done = if accept { "accepted" } else { "refused" };
            Ok(
                Redirect::see_other(format!("/console/points/disputes?year={year}&done={done}"))
                    .into_response(),
            )
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problem = match (e.code, e.field.as_deref()) {
                (ErrorCode::FieldRequired, _) => "请写明理由，委员会收到这段答复。",
                (ErrorCode::InvalidField, Some("points")) => {
                    "调整分值应在-1000到1000之间、不为0，最多两位小数。"
                }
                (code, _) => refusal(code),
            };
            disputes_page(&state, &clerk, year, Some(problem), None).await
        }
        Err(e) => Err(e.into()),
    }
}
