//! 学习材料: a training's course files. Upload one (the domain's
//! `materials::add_file`, which the API's `POST /activities/{id}/materials`
//! calls: it checks the title and judges the type by the file's bytes),
//! download it, remove it behind a confirmation (`materials::remove`).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{Activity, ActivityKind, Material};
use lvzhi_shared::ids::{ActivityId, MaterialId};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Multipart, Path};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::{CsrfForm, path_id};
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{ConfirmPage, Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::activities::{self, materials};
use crate::error::AppError;

/// One material as the pages list it.
pub struct MaterialLine {
    pub id: MaterialId,
    pub title: String,
    /// `PDF · 1.2 MB`, or `链接` for a link.
    pub about: String,
    /// An uploaded file (downloadable here); otherwise a link.
    pub file: bool,
    pub url: String,
}

fn kind_of(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "image/jpeg" => "JPEG 图片",
        "image/png" => "PNG 图片",
        "video/mp4" => "MP4 视频",
        t if t.contains("wordprocessingml") => "Word 文档",
        t if t.contains("presentationml") => "PowerPoint 演示文稿",
        t if t.contains("spreadsheetml") => "Excel 表格",
        _ => "文件",
    }
}

/// `850 KB`, `1.2 MB`, `20 MB`.
fn size(bytes: i64) -> String {
    let mb = bytes as f64 / 1_048_576.0;
    if bytes < 1024 * 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else if mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

fn line(m: &Material) -> MaterialLine {
    let about = match (&m.content_type, m.size_bytes) {
        (Some(t), Some(n)) => format!("{} · {}", kind_of(t), size(n)),
        (Some(t), None) => kind_of(t).to_owned(),
        _ => "链接".to_owned(),
    };
    MaterialLine {
        id: m.id,
        title: m.title.clone(),
        about,
        file: m.content_type.is_some(),
        url: m.url.clone(),
    }
}

/// A training's materials for its page (other kinds only when they have some).
pub fn on_activity(a: &Activity) -> Option<Vec<MaterialLine>> {
    (a.kind == ActivityKind::Training || !a.materials.is_empty())
        .then(|| a.materials.iter().map(line).collect())
}

#[derive(Template)]
#[template(path = "materials.html")]
struct MaterialsPage {
    shell: Shell,
    id: ActivityId,
    activity: String,
    lines: Vec<MaterialLine>,
    max_size: String,
    title: String,
    problems: Problems,
}

/// The activity as the office sees it (materials included).
async fn activity(
    state: &AppState,
    clerk: &Clerk,
    id: ActivityId,
) -> Result<Activity, ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| {
            let row = activities::load(conn, ctx.caller.committee_id, id)?;
            activities::view(conn, row, ctx.caller.user_id, ctx.tz)
        })
        .await?)
}

/// The largest file, as the page says it.
fn limit(bytes: usize) -> String {
    size(i64::try_from(bytes).unwrap_or(i64::MAX))
}

fn materials_page(
    state: &AppState,
    clerk: &Clerk,
    a: Activity,
    title: String,
    problems: Problems,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&MaterialsPage {
        shell: Shell::new(clerk, "学习材料", "/console/activities"),
        id: a.id,
        lines: a.materials.iter().map(line).collect(),
        activity: a.title,
        max_size: limit(state.config.limits.max_material_bytes),
        title,
        problems,
    });
    resp.set_status(status);
    resp
}

/// `GET /console/activities/{id}/materials`: the list and the upload form.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let a = activity(&state, &clerk, path_id(&id)?).await?;
    Ok(materials_page(
        &state,
        &clerk,
        a,
        String::new(),
        Problems::default(),
    ))
}

/// A refusal of the domain, next to the field it names.
fn refused(e: &AppError, problems: &mut Problems) {
    match (e.field.as_deref(), e.code) {
        (_, ErrorCode::UnsupportedMediaType) => problems.add(
            "file",
            "只能上传 PDF、Word（.docx）、PowerPoint（.pptx）、Excel（.xlsx）、JPEG、PNG 或 MP4 文件。",
        ),
        (Some("title"), ErrorCode::FieldTooLong) => problems.add("title", "标题太长，请删减。"),
        (Some("title"), _) => problems.add("title", "请填写标题（不能只有空格或特殊字符）。"),
        (_, code) => problems.add("form", labels::refusal(code)),
    }
}

/// `POST /console/activities/{id}/materials` (multipart: `csrf`, `title`,
/// `file`): stores the file, then back to the activity.
#[handler]
pub async fn upload(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    // Read after the session and the activity are checked: a visitor who
    // is not signed in goes to sign in, another committee gets 404.
    parts: poem::Result<Multipart>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let a = activity(&state, &clerk, path_id(&id)?).await?;
    let unreadable = || ConsoleError::BadRequest("上传没有完成，请重新选择文件再试一次。");
    let (mut csrf, mut title, mut file) = (String::new(), String::new(), None);
    let mut parts = parts.map_err(|_| unreadable())?;
    while let Some(part) = parts.next_field().await.map_err(|_| unreadable())? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(|_| unreadable())?,
            Some("title") => title = part.text().await.map_err(|_| unreadable())?,
            Some("file") => {
                let name = part.file_name().unwrap_or_default().to_owned();
                file = Some((name, part.bytes().await.map_err(|_| unreadable())?));
            }
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&csrf))?;
    let max = state.config.limits.max_material_bytes;
    let mut problems = Problems::default();
    let (name, bytes) = match file {
        Some((name, bytes)) if !bytes.is_empty() => (name, bytes),
        _ => {
            problems.add("file", "请选择要上传的文件。");
            return Ok(materials_page(&state, &clerk, a, title, problems));
        }
    };
    // The API's body limit is the file's; the console's leaves room for the form.
    if bytes.len() > max {
        let too_big = format!("文件太大：学习材料不能超过 {}。", limit(max));
        problems.add("file", too_big);
        return Ok(materials_page(&state, &clerk, a, title, problems));
    }
    // A blank title: the file's name without its extension, as the clerk named it.
    let named = if title.trim().is_empty() {
        name.rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem)
            .to_owned()
    } else {
        title.clone()
    };
    let id = a.id;
    let added = state
        .write(&clerk.ctx, move |conn, ctx| {
            materials::add_file(conn, ctx, id, &named, &name, bytes)
        })
        .await;
    match added {
        Ok(_) => Ok(poem::web::Redirect::see_other(format!(
            "/console/activities/{id}?done=material_added"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            refused(&e, &mut problems);
            Ok(materials_page(&state, &clerk, a, title, problems))
        }
        Err(e) => Err(e.into()),
    }
}

/// `filename*=` of Content-Disposition (RFC 5987): the name percent-encoded
/// as UTF-8, so Chinese names survive.
fn encoded_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET /console/activities/{id}/materials/{material}`: the file, to save.
#[handler]
pub async fn download(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((activity_id, material_id)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (activity_id, material_id): (ActivityId, MaterialId) =
        (path_id(&activity_id)?, path_id(&material_id)?);
    let (row, content) = state
        .read(&clerk.ctx, move |conn, ctx| {
            materials::file(conn, ctx, material_id)
        })
        .await?;
    if row.activity_id != activity_id {
        return Err(ConsoleError::NotFound);
    }
    let name = row.file_name.unwrap_or_default();
    let disposition = if name.is_empty() {
        "attachment".to_owned()
    } else {
        format!("attachment; filename*=UTF-8''{}", encoded_name(&name))
    };
    Ok(Response::builder()
        .header(
            header::CONTENT_TYPE,
            row.content_type
                .unwrap_or_else(|| "application/octet-stream".into()),
        )
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(content))
}

/// The material of this activity, with the activity.
async fn material_of(
    state: &AppState,
    clerk: &Clerk,
    (id, material): (String, String),
) -> Result<(Activity, Material), ConsoleError> {
    let (id, material): (ActivityId, MaterialId) = (path_id(&id)?, path_id(&material)?);
    let a = activity(state, clerk, id).await?;
    let m = a
        .materials
        .iter()
        .find(|m| m.id == material)
        .cloned()
        .ok_or(ConsoleError::NotFound)?;
    Ok((a, m))
}

/// `GET /console/activities/{id}/materials/{material}/remove`: are you sure?
#[handler]
pub async fn confirm_remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(ids): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (a, m) = material_of(&state, &clerk, ids).await?;
    Ok(html(&ConfirmPage {
        question: format!("从「{}」删除学习材料「{}」？", a.title, m.title),
        told: vec!["不发通知；委员在 App 的活动页上将不再看到这份材料，删除后不能恢复。".into()],
        action: format!("/console/activities/{}/materials/{}/remove", a.id, m.id),
        button: "确认删除",
        back: format!("/console/activities/{}", a.id),
        danger: true,
        shell: Shell::new(&clerk, "删除学习材料", "/console/activities"),
    }))
}

/// `POST /console/activities/{id}/materials/{material}/remove`.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, material)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let (id, material): (ActivityId, MaterialId) = (path_id(&id)?, path_id(&material)?);
    // Another committee's activity is not found, before anything is removed.
    activity(&state, &clerk, id).await?;
    let removed = state
        .write(&clerk.ctx, move |conn, ctx| {
            materials::remove(conn, ctx, id, material)
        })
        .await;
    match removed {
        // Not found now: a second click, after the first removed it.
        Ok(()) => {}
        Err(e) if e.code == ErrorCode::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    Ok(
        poem::web::Redirect::see_other(format!("/console/activities/{id}?done=material_removed"))
            .into_response(),
    )
}
