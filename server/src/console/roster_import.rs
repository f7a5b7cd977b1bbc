//! 导入名单: the roster import wizard. Upload a CSV or XLSX; read the dry
//! run (how many members it adds and updates, and each bad row with its
//! row number and what is wrong); confirm, and the file that was checked is
//! imported, once. The rules are the API's import (`domain::accounts`).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::UploadId;
use lvzhi_shared::members::ImportRowError;
use poem::http::StatusCode;
use poem::web::{Data, Form, Multipart, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::{CsrfForm, path_id};
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, day_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::roster_uploads::{self, Report};
use crate::domain::roster_files::FileLimits;

#[derive(Template)]
#[template(path = "import.html")]
struct UploadPage {
    shell: Shell,
    max_rows: usize,
    max_megabytes: String,
    problem: Option<String>,
}

fn upload_page(clerk: &Clerk, state: &AppState, problem: Option<String>) -> Response {
    let limits = &state.config.limits;
    let mut resp = html(&UploadPage {
        shell: Shell::new(clerk, "导入名单", "/console/members"),
        max_rows: limits.max_import_rows,
        max_megabytes: format!("{:.0}", limits.max_import_bytes as f64 / 1_048_576.0),
        problem: problem.clone(),
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    resp
}

/// `GET /console/members/import`.
#[handler]
pub async fn upload_form(
    req: &Request,
    state: Data<&Arc<AppState>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    Ok(upload_page(&clerk, &state, None))
}

/// The header row of the template the page offers (UTF-8 with a BOM, so
/// Excel on Chinese Windows opens it as UTF-8).
const TEMPLATE_CSV: &str = "\u{feff}委员编号,姓名,性别,手机号码,界别,党派,工作单位,出生年份\r\n";

/// `GET /console/members/import/template.csv`.
#[handler]
pub async fn template(
    req: &Request,
    state: Data<&Arc<AppState>>,
) -> Result<Response, ConsoleError> {
    Clerk::of(&state, req).await?;
    Ok(Response::builder()
        .header(poem::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            poem::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"roster-template.csv\"",
        )
        .body(TEMPLATE_CSV))
}

/// `POST /console/members/import` (multipart: `csrf`, then `file`).
#[handler]
pub async fn receive(
    req: &Request,
    state: Data<&Arc<AppState>>,
    // Read after the session is checked: a visitor who is not signed in
    // is sent to sign in whatever they sent.
    parts: poem::Result<Multipart>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (mut csrf, mut file) = (String::new(), None);
    let unreadable = || ConsoleError::BadRequest("上传没有完成，请重新选择文件再试一次。");
    let mut parts = parts.map_err(|_| unreadable())?;
    while let Some(part) = parts.next_field().await.map_err(|_| unreadable())? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(|_| unreadable())?,
            Some("file") => {
                let name = part.file_name().unwrap_or("名单").to_owned();
                file = Some((name, part.bytes().await.map_err(|_| unreadable())?));
            }
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&csrf))?;
    let limits = &state.config.limits;
    let problem = match &file {
        None => Some("请选择要导入的名单文件。".to_owned()),
        Some((_, bytes)) if bytes.is_empty() => Some("这个文件是空的。".to_owned()),
        Some((_, bytes)) if bytes.len() > limits.max_import_bytes => Some(format!(
            "文件太大：名单文件不能超过 {:.0} MB。",
            limits.max_import_bytes as f64 / 1_048_576.0
        )),
        Some((_, bytes)) => roster_uploads::check(bytes, FileLimits::of(limits))
            .err()
            .map(|p| labels::file_problem(&p)),
    };
    if let Some(problem) = problem {
        return Ok(upload_page(&clerk, &state, Some(problem)));
    }
    let Some((name, bytes)) = file else {
        return Err(ConsoleError::Internal);
    };
    let file_limits = FileLimits::of(limits);
    let id = state
        .write(&clerk.ctx, move |conn, ctx| {
            roster_uploads::store(conn, ctx, &name, &bytes, file_limits)
        })
        .await?;
    Ok(Redirect::see_other(format!("/console/members/import/{id}")).into_response())
}

/// One bad row as the report table shows it.
struct BadRow {
    row: u32,
    member_no: String,
    field: &'static str,
    problem: String,
}

fn bad_row(e: &ImportRowError) -> BadRow {
    BadRow {
        row: e.row,
        member_no: e.member_no.clone().unwrap_or_default(),
        field: labels::member_field(e.field.as_deref().unwrap_or_default()),
        problem: labels::row_problem(e.code, e.field.as_deref().unwrap_or_default()),
    }
}

#[derive(Template)]
#[template(path = "import_report.html")]
struct ReportPage {
    shell: Shell,
    id: UploadId,
    file_name: String,
    /// When it was imported; `None` while this is the dry run.
    imported: Option<String>,
    rows: u32,
    created: usize,
    updated: u32,
    unchanged: u32,
    bad: Vec<BadRow>,
}

/// `GET /console/members/import/{id}`: the dry run, or what was imported.
#[handler]
pub async fn report(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: UploadId = path_id(&id)?;
    let limits = FileLimits::of(&state.config.limits);
    let upload = state
        .read(&clerk.ctx, move |conn, ctx| {
            roster_uploads::preview(conn, ctx, id, limits)
        })
        .await?;
    let tz = clerk.ctx.tz;
    let Report {
        rows,
        created,
        updated,
        unchanged,
        errors,
    } = upload.report;
    Ok(html(&ReportPage {
        shell: Shell::new(&clerk, "导入名单", "/console/members"),
        id,
        file_name: upload.file_name,
        imported: upload
            .imported_at
            .map(|t| day_and_time(t.and_utc().with_timezone(&tz).fixed_offset())),
        rows,
        created: created.len(),
        updated,
        unchanged,
        bad: errors.iter().map(bad_row).collect(),
    }))
}

/// `POST /console/members/import/{id}`: import it. Sent twice (a double
/// click, a reload), it imports once; both land on the same report.
#[handler]
pub async fn confirm(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let id: UploadId = path_id(&id)?;
    let limits = FileLimits::of(&state.config.limits);
    let days = state.config.auth.activation_code_days;
    let done = state
        .write(&clerk.ctx, move |conn, ctx| {
            roster_uploads::confirm(conn, ctx, id, limits, days)
        })
        .await;
    match done {
        Ok(_) => Ok(Redirect::see_other(format!("/console/members/import/{id}")).into_response()),
        // The file changed its reading since the dry run: cannot happen
        // for a stored file, but if it does, the clerk starts again.
        Err(e) if e.code == ErrorCode::InvalidImportFile => Ok(upload_page(
            &clerk,
            &state,
            Some("这份文件无法导入，请重新上传。".into()),
        )),
        Err(e) => Err(e.into()),
    }
}
