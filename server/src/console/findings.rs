//! 视察意见: what members sent from inspection trips. The queue lists the
//! committee's findings still waiting for the office (the domain's
//! `awaiting_decision`); a finding's page moves it along, forwarded to a
//! department, then adopted or answered, through `findings::advance`, the
//! same call as the API's `PATCH /findings/{id}`. An inspection's page lists
//! its findings (`list_for_activity`).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{ActivityKind, Finding, FindingPatch, FindingStatus};
use lvzhi_shared::ids::{ActivityId, FindingId};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, date, date_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::db::DbConnection;
use crate::domain::Ctx;
use crate::domain::activities::{self, findings};
use crate::error::AppError;

/// How many the queue shows, oldest first; the count says if there are more.
const SHOWN: u32 = lvzhi_shared::validate::MAX_PAGE_SIZE;

// ---- the queue ----

struct QueueRow {
    id: FindingId,
    activity_id: ActivityId,
    activity: String,
    author: String,
    title: String,
    content: String,
    submitted: String,
}

#[derive(Template)]
#[template(path = "findings.html")]
struct QueuePage {
    shell: Shell,
    rows: Vec<QueueRow>,
    total: i64,
}

/// `GET /console/findings`: the findings waiting for the office, oldest first.
#[handler]
pub async fn queue(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (waiting, total, titles) = state
        .read(&clerk.ctx, |conn, ctx| {
            let (waiting, total) = findings::awaiting_decision(conn, ctx, SHOWN)?;
            let mut titles = BTreeMap::new();
            for f in &waiting {
                if let Entry::Vacant(title) = titles.entry(f.activity_id) {
                    let row = activities::load(conn, ctx.caller.committee_id, f.activity_id)?;
                    title.insert(row.title);
                }
            }
            Ok((waiting, total, titles))
        })
        .await?;
    let rows = waiting
        .into_iter()
        .map(|f| QueueRow {
            activity: titles.get(&f.activity_id).cloned().unwrap_or_default(),
            submitted: date(f.created_at),
            id: f.id,
            activity_id: f.activity_id,
            author: f.author_name,
            title: f.title,
            content: f.content,
        })
        .collect();
    Ok(html(&QueuePage {
        shell: Shell::new(&clerk, "视察意见", "/console/findings"),
        rows,
        total,
    }))
}

// ---- on an inspection's page ----

/// One finding as the inspection's page lists it.
pub struct FindingLine {
    pub id: FindingId,
    pub title: String,
    pub author: String,
    pub status: &'static str,
    pub submitted: String,
}

/// An inspection's findings for its page; other kinds have none to show.
pub fn on_activity(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ActivityId,
    kind: ActivityKind,
) -> Result<Option<Vec<FindingLine>>, AppError> {
    if kind != ActivityKind::Inspection {
        return Ok(None);
    }
    let lines = findings::list_for_activity(conn, ctx, id)?
        .into_iter()
        .map(|f| FindingLine {
            status: labels::finding_status(f.status),
            submitted: date(f.created_at),
            id: f.id,
            title: f.title,
            author: f.author_name,
        })
        .collect();
    Ok(Some(lines))
}

// ---- one finding ----

/// A step the page offers: the wire value and its label.
struct Step {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

/// The form as typed, kept when it is shown again.
#[derive(Deserialize, Default)]
pub struct Typed {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    response: String,
}

#[derive(Template)]
#[template(path = "finding.html")]
struct FindingPage {
    shell: Shell,
    activity_id: ActivityId,
    activity: String,
    id: FindingId,
    author: String,
    title: String,
    content: String,
    status: &'static str,
    submitted: String,
    updated: String,
    department: Option<String>,
    response: Option<String>,
    steps: Vec<Step>,
    /// The department field is asked for (forwarding is offered).
    asks_department: bool,
    /// The response field is asked for (adopting or answering is offered).
    asks_response: bool,
    typed: Typed,
    problems: Problems,
    done: Option<&'static str>,
}

/// The next steps to offer, by the path the domain enforces (it refuses any
/// other, e.g. from a page left open while someone else moved the finding).
fn next_steps(from: FindingStatus) -> &'static [FindingStatus] {
    match from {
        FindingStatus::Submitted => &[FindingStatus::Forwarded],
        FindingStatus::Forwarded => &[FindingStatus::Adopted, FindingStatus::Answered],
        FindingStatus::Adopted | FindingStatus::Answered => &[],
    }
}

/// One finding of this activity (of the clerk's committee), with the activity's title.
fn load(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    id: FindingId,
) -> Result<(Finding, String), AppError> {
    let finding = findings::list_for_activity(conn, ctx, activity_id)?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| AppError::not_found("finding"))?;
    let title = activities::load(conn, ctx.caller.committee_id, activity_id)?.title;
    Ok((finding, title))
}

async fn finding_page(
    state: &AppState,
    clerk: &Clerk,
    (activity_id, id): (ActivityId, FindingId),
    typed: Typed,
    problems: Problems,
    done: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let (f, activity) = state
        .read(&clerk.ctx, move |conn, ctx| {
            load(conn, ctx, activity_id, id)
        })
        .await?;
    let offered = next_steps(f.status);
    let steps = offered
        .iter()
        .map(|s| Step {
            value: s.as_str(),
            label: labels::finding_step(*s),
            checked: typed.action == s.as_str() || offered.len() == 1,
        })
        .collect();
    let mut resp = html(&FindingPage {
        shell: Shell::new(clerk, &f.title, "/console/findings"),
        activity_id,
        activity,
        id,
        status: labels::finding_status(f.status),
        submitted: date_and_time(f.created_at),
        updated: date_and_time(f.updated_at),
        asks_department: offered.contains(&FindingStatus::Forwarded),
        asks_response: offered
            .iter()
            .any(|s| matches!(s, FindingStatus::Adopted | FindingStatus::Answered)),
        steps,
        author: f.author_name,
        title: f.title,
        content: f.content,
        department: f.department,
        response: f.response,
        typed,
        problems,
        done,
    });
    resp.set_status(status);
    Ok(resp)
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// What a step just done says on the finding's page.
fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "forwarded" => "已记录为“已转交”。部门答复后，请回到这里填写答复。",
        "adopted" => "已记录为“已采纳”，并已通知提出意见的委员。",
        "answered" => "已记录为“已答复”，并已通知提出意见的委员。",
        _ => return None,
    })
}

/// `GET /console/activities/{id}/findings/{finding}`.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((activity, id)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let ids = (path_id(&activity)?, path_id(&id)?);
    let done = query.done.as_deref().and_then(done_message);
    finding_page(
        &state,
        &clerk,
        ids,
        Typed::default(),
        Problems::default(),
        done,
        StatusCode::OK,
    )
    .await
}

/// A refusal of the domain, said next to the field it names.
fn refused(e: &AppError, problems: &mut Problems) {
    match (e.field.as_deref(), e.code) {
        (Some("department"), ErrorCode::FieldRequired) => {
            problems.add("department", "请填写转交的部门，如“县水利局”。")
        }
        (Some("department"), ErrorCode::FieldTooLong) => {
            problems.add("department", "部门名称太长，请删减。")
        }
        (Some("department"), _) => problems.add("department", "部门名称里有无法识别的字符。"),
        (Some("response"), ErrorCode::FieldRequired) => problems.add(
            "response",
            "请填写部门的答复或采纳情况，提出意见的委员会在 App 里看到它。",
        ),
        (Some("response"), ErrorCode::FieldTooLong) => {
            problems.add("response", "答复太长，请删减。")
        }
        (Some("response"), _) => problems.add("response", "答复里有无法识别的字符。"),
        (_, ErrorCode::InvalidTransition) => problems.add(
            "form",
            "这条意见现在不能这样办理（可能有同事刚办理过）。办理顺序是：先转交有关部门，\
             部门采纳或答复后即办结；下面是它现在的状态。",
        ),
        (_, code) => problems.add("form", labels::refusal(code)),
    }
}

/// `POST /console/activities/{id}/findings/{finding}`: one step along the path.
#[handler]
pub async fn advance(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((activity, id)): Path<(String, String)>,
    Form(typed): Form<Typed>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&typed.csrf))?;
    let (activity_id, id): (ActivityId, FindingId) = (path_id(&activity)?, path_id(&id)?);
    let ids = (activity_id, id);
    let Some(to) = FindingStatus::parse(&typed.action) else {
        // Still 404 for what is not this committee's, before anything else.
        state
            .read(&clerk.ctx, move |conn, ctx| {
                load(conn, ctx, activity_id, id)
            })
            .await?;
        let mut problems = Problems::default();
        problems.add("action", "请选择办理方式。");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return finding_page(&state, &clerk, ids, typed, problems, None, status).await;
    };
    // Only the field the step needs is sent: the domain keeps the rest.
    let patch = FindingPatch {
        status: to,
        department: (to == FindingStatus::Forwarded).then(|| typed.department.clone()),
        response: (to != FindingStatus::Forwarded).then(|| typed.response.clone()),
    };
    let moved = state
        .write(&clerk.ctx, move |conn, ctx| {
            load(conn, ctx, activity_id, id)?;
            findings::advance(conn, ctx, id, &patch)
        })
        .await;
    match moved {
        Ok(f) => Ok(Redirect::see_other(format!(
            "/console/activities/{activity_id}/findings/{id}?done={}",
            f.status
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let status = e.status();
            let mut problems = Problems::default();
            refused(&e, &mut problems);
            finding_page(&state, &clerk, ids, typed, problems, None, status).await
        }
        Err(e) => Err(e.into()),
    }
}
