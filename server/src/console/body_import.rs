//! 从名单导入: a body's members from the office's list (常委名单,
//! 专委会名单) in the roster's file format, all joining on one day. The
//! report says who joined, who already belonged, and each row that could not
//! be imported with its row number and reason. Importing the same list
//! again adds nobody twice, so no confirmation step is needed. The rules
//! are the API's (`domain::meetings::body_import`).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ids::BodyId;
use lvzhi_shared::meetings::{Body, BodyImportReport};
use poem::http::StatusCode;
use poem::web::{Data, Multipart, Path};
use poem::{Request, Response, handler};

use super::activities::path_id;
use super::activity_form::Problems;
use super::bodies::typed_date;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::meetings::{bodies, body_import, local_date};
use crate::domain::roster_files::{FileLimits, read_file};

/// One row that was not imported.
struct BadRow {
    row: u32,
    field: &'static str,
    problem: String,
}

/// What the import did, in the page's words.
struct Outcome {
    added: i32,
    already: i32,
    bad: Vec<BadRow>,
}

#[derive(Template)]
#[template(path = "body_import.html")]
struct ImportPage {
    shell: Shell,
    id: BodyId,
    body: String,
    joined_on: String,
    voting: bool,
    max_rows: usize,
    problems: Problems,
    outcome: Option<Outcome>,
}

fn page(
    clerk: &Clerk,
    state: &AppState,
    body: Body,
    (joined_on, voting): (String, bool),
    problems: Problems,
    outcome: Option<Outcome>,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&ImportPage {
        shell: Shell::new(clerk, "从名单导入", "/console/meetings"),
        id: body.id,
        body: body.name,
        joined_on,
        voting,
        max_rows: state.config.limits.max_import_rows,
        problems,
        outcome,
    });
    resp.set_status(status);
    resp
}

async fn load_body(state: &AppState, clerk: &Clerk, id: &str) -> Result<Body, ConsoleError> {
    let id: BodyId = path_id(id)?;
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| bodies::get(conn, ctx, id))
        .await?)
}

/// `GET /console/bodies/{id}/import`.
#[handler]
pub async fn form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let b = load_body(&state, &clerk, &id).await?;
    let today = local_date(clerk.ctx.now, clerk.ctx.tz).to_string();
    Ok(page(
        &clerk,
        &state,
        b,
        (today, true),
        Problems::default(),
        None,
    ))
}

fn outcome(report: BodyImportReport) -> Outcome {
    Outcome {
        added: report.added,
        already: report.already_members,
        bad: report
            .errors
            .iter()
            .map(|e| {
                let field = e.field.as_deref().unwrap_or_default();
                BadRow {
                    row: e.row,
                    field: labels::member_field(field),
                    problem: labels::row_problem(e.code, field),
                }
            })
            .collect(),
    }
}

/// `POST /console/bodies/{id}/import` (multipart: `csrf`, `joined_on`,
/// `voting`, `file`).
#[handler]
pub async fn receive(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    // Read after the session and the body are checked.
    parts: poem::Result<Multipart>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let b = load_body(&state, &clerk, &id).await?;
    let unreadable = || ConsoleError::BadRequest("上传没有完成，请重新选择文件再试一次。");
    let (mut csrf, mut joined_on, mut voting, mut file) =
        (String::new(), String::new(), false, None);
    let mut parts = parts.map_err(|_| unreadable())?;
    while let Some(part) = parts.next_field().await.map_err(|_| unreadable())? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(|_| unreadable())?,
            Some("joined_on") => joined_on = part.text().await.map_err(|_| unreadable())?,
            Some("voting") => voting = true,
            Some("file") => file = Some(part.bytes().await.map_err(|_| unreadable())?),
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&csrf))?;
    let mut problems = Problems::default();
    let joined = typed_date(&joined_on, "joined_on", &mut problems);
    if joined.is_none() && problems.is_empty() {
        problems.add("joined_on", "必填。");
    }
    let limits = &state.config.limits;
    let rows = match file {
        None => {
            problems.add("file", "请选择名单文件。");
            None
        }
        Some(bytes) if bytes.is_empty() => {
            problems.add("file", "这个文件是空的。");
            None
        }
        Some(bytes) if bytes.len() > limits.max_import_bytes => {
            problems.add(
                "file",
                format!(
                    "文件太大：名单文件不能超过 {:.0} MB。",
                    limits.max_import_bytes as f64 / 1_048_576.0
                ),
            );
            None
        }
        Some(bytes) => match read_file(&bytes, FileLimits::of(limits)) {
            Ok(rows) => Some(rows),
            Err(p) => {
                problems.add("file", labels::file_problem(&p));
                None
            }
        },
    };
    let (Some(rows), Some(joined), true) = (rows, joined, problems.is_empty()) else {
        return Ok(page(&clerk, &state, b, (joined_on, voting), problems, None));
    };
    let id = b.id;
    let report = state
        .write(&clerk.ctx, move |conn, ctx| {
            body_import::import(conn, ctx, id, &rows, joined, voting)
        })
        .await?;
    // Read again: the count of members now includes those just added.
    let b = load_body(&state, &clerk, &id.to_string()).await?;
    Ok(page(
        &clerk,
        &state,
        b,
        (joined_on, voting),
        problems,
        Some(outcome(report)),
    ))
}
