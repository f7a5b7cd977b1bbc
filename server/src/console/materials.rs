//! Files the office uploads for members: a training's 学习材料 and a
//! meeting's 会议材料. One set of screens serves both owners: the list with
//! the upload form, the download, the removal behind a confirmation. The
//! domain checks each file (title, type judged by its bytes) exactly as for
//! the API's uploads.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{Activity, ActivityKind, Material};
use lvzhi_shared::ids::{ActivityId, MaterialId, MeetingId};
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
use crate::domain::meetings::{documents, views};
use crate::error::AppError;

/// Whose files: an activity's materials or a meeting's documents.
#[derive(Clone, Copy)]
pub enum Owner {
    Activity(ActivityId),
    Meeting(MeetingId),
}

impl Owner {
    /// The owner's page.
    fn page(self) -> String {
        match self {
            Owner::Activity(id) => format!("/console/activities/{id}"),
            Owner::Meeting(id) => format!("/console/meetings/{id}"),
        }
    }

    /// Where its files are listed, uploaded and served.
    fn files(self) -> String {
        match self {
            Owner::Activity(id) => format!("/console/activities/{id}/materials"),
            Owner::Meeting(id) => format!("/console/meetings/{id}/documents"),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Owner::Activity(_) => "学习材料",
            Owner::Meeting(_) => "会议材料",
        }
    }

    /// Who sees the files in the app.
    fn readers(self) -> &'static str {
        match self {
            Owner::Activity(_) => "报名的委员可以在 App 的活动页上打开这些材料。",
            Owner::Meeting(_) => "应到人员（含列席）可以在 App 的会议页上打开这些材料。",
        }
    }

    /// The menu entry the pages sit under.
    fn menu(self) -> &'static str {
        match self {
            Owner::Activity(_) => "/console/activities",
            Owner::Meeting(_) => "/console/meetings",
        }
    }
}

/// One file as the pages list it.
pub struct MaterialLine {
    pub title: String,
    /// `PDF · 1.2 MB`, or `链接` for a link.
    pub about: String,
    /// Where it opens: the console's download, or a link's own address.
    pub href: String,
    /// A link to another site rather than an uploaded file.
    pub link: bool,
    pub remove: String,
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

fn line(owner: Owner, m: &Material) -> MaterialLine {
    let about = match (&m.content_type, m.size_bytes) {
        (Some(t), Some(n)) => format!("{} · {}", kind_of(t), size(n)),
        (Some(t), None) => kind_of(t).to_owned(),
        _ => "链接".to_owned(),
    };
    let own = format!("{}/{}", owner.files(), m.id);
    MaterialLine {
        title: m.title.clone(),
        about,
        href: if m.content_type.is_some() {
            own.clone()
        } else {
            m.url.clone()
        },
        link: m.content_type.is_none(),
        remove: format!("{own}/remove"),
    }
}

/// A training's materials for its page (other kinds only when they have some).
pub fn on_activity(a: &Activity) -> Option<Vec<MaterialLine>> {
    (a.kind == ActivityKind::Training || !a.materials.is_empty()).then(|| {
        let owner = Owner::Activity(a.id);
        a.materials.iter().map(|m| line(owner, m)).collect()
    })
}

/// A meeting's documents for its page.
pub fn on_meeting(id: MeetingId, documents: &[Material]) -> Vec<MaterialLine> {
    documents
        .iter()
        .map(|m| line(Owner::Meeting(id), m))
        .collect()
}

/// The owner's title and files, as the office sees them.
struct Held {
    owner: Owner,
    title: String,
    files: Vec<Material>,
}

async fn held(state: &AppState, clerk: &Clerk, owner: Owner) -> Result<Held, ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| {
            let (title, files) = match owner {
                Owner::Activity(id) => {
                    let row = activities::load(conn, ctx.caller.committee_id, id)?;
                    let a = activities::view(conn, row, ctx.caller.user_id, ctx.tz)?;
                    (a.title, a.materials)
                }
                Owner::Meeting(id) => {
                    let m = views::view(conn, ctx, id)?;
                    (m.title, m.documents)
                }
            };
            Ok(Held {
                owner,
                title,
                files,
            })
        })
        .await?)
}

#[derive(Template)]
#[template(path = "materials.html")]
struct MaterialsPage {
    shell: Shell,
    noun: &'static str,
    readers: &'static str,
    owner_page: String,
    owner_title: String,
    action: String,
    lines: Vec<MaterialLine>,
    max_size: String,
    title: String,
    problems: Problems,
}

/// The largest file, as the page says it.
fn limit(bytes: usize) -> String {
    size(i64::try_from(bytes).unwrap_or(i64::MAX))
}

fn materials_page(
    state: &AppState,
    clerk: &Clerk,
    h: Held,
    title: String,
    problems: Problems,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let owner = h.owner;
    let mut resp = html(&MaterialsPage {
        shell: Shell::new(clerk, owner.noun(), owner.menu()),
        noun: owner.noun(),
        readers: owner.readers(),
        owner_page: owner.page(),
        owner_title: h.title,
        action: owner.files(),
        lines: h.files.iter().map(|m| line(owner, m)).collect(),
        max_size: limit(state.config.limits.max_material_bytes),
        title,
        problems,
    });
    resp.set_status(status);
    resp
}

fn activity(id: &str) -> Result<Owner, ConsoleError> {
    Ok(Owner::Activity(path_id(id)?))
}

fn meeting(id: &str) -> Result<Owner, ConsoleError> {
    Ok(Owner::Meeting(path_id(id)?))
}

async fn show_list(
    req: &Request,
    state: &AppState,
    owner: Owner,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    let h = held(state, &clerk, owner).await?;
    Ok(materials_page(
        state,
        &clerk,
        h,
        String::new(),
        Problems::default(),
    ))
}

/// `GET /console/activities/{id}/materials`: the list and the upload form.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    show_list(req, &state, activity(&id)?).await
}

/// `GET /console/meetings/{id}/documents`.
#[handler]
pub async fn meeting_list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    show_list(req, &state, meeting(&id)?).await
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

async fn take_upload(
    req: &Request,
    state: &AppState,
    owner: Owner,
    parts: poem::Result<Multipart>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    let h = held(state, &clerk, owner).await?;
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
            return Ok(materials_page(state, &clerk, h, title, problems));
        }
    };
    // The API's body limit is the file's; the console's leaves room for the form.
    if bytes.len() > max {
        let too_big = format!("文件太大：{}不能超过 {}。", owner.noun(), limit(max));
        problems.add("file", too_big);
        return Ok(materials_page(state, &clerk, h, title, problems));
    }
    // A blank title: the file's name without its extension, as the clerk named it.
    let named = if title.trim().is_empty() {
        name.rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem)
            .to_owned()
    } else {
        title.clone()
    };
    let added = state
        .write(&clerk.ctx, move |conn, ctx| match owner {
            Owner::Activity(id) => materials::add_file(conn, ctx, id, &named, &name, bytes),
            Owner::Meeting(id) => documents::add(conn, ctx, id, &named, &name, bytes),
        })
        .await;
    match added {
        Ok(_) => Ok(poem::web::Redirect::see_other(format!(
            "{}?done=material_added",
            owner.page()
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            refused(&e, &mut problems);
            Ok(materials_page(state, &clerk, h, title, problems))
        }
        Err(e) => Err(e.into()),
    }
}

// The multipart body is read after the session and the owner are checked:
// a visitor who is not signed in goes to sign in, another committee gets 404.

/// `POST /console/activities/{id}/materials` (multipart: `csrf`, `title`,
/// `file`): stores the file, then back to the activity.
#[handler]
pub async fn upload(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    parts: poem::Result<Multipart>,
) -> Result<Response, ConsoleError> {
    take_upload(req, &state, activity(&id)?, parts).await
}

/// `POST /console/meetings/{id}/documents`: the same for a meeting.
#[handler]
pub async fn meeting_upload(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    parts: poem::Result<Multipart>,
) -> Result<Response, ConsoleError> {
    take_upload(req, &state, meeting(&id)?, parts).await
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

async fn send_file(
    req: &Request,
    state: &AppState,
    owner: Owner,
    file: &str,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    let file: MaterialId = path_id(file)?;
    let (content_type, name, content) = state
        .read(&clerk.ctx, move |conn, ctx| match owner {
            Owner::Activity(id) => {
                let (row, content) = materials::file(conn, ctx, file)?;
                if row.activity_id != id {
                    return Err(AppError::not_found("material"));
                }
                Ok((row.content_type, row.file_name, content))
            }
            Owner::Meeting(id) => {
                let (row, content) = documents::file(conn, ctx, id, file)?;
                Ok((Some(row.content_type), Some(row.file_name), content))
            }
        })
        .await?;
    Ok(file_response(content_type, name, content))
}

/// A stored file to save, under its own name (any script: RFC 5987).
pub(super) fn file_response(
    content_type: Option<String>,
    name: Option<String>,
    content: Vec<u8>,
) -> Response {
    let name = name.unwrap_or_default();
    let disposition = if name.is_empty() {
        "attachment".to_owned()
    } else {
        format!("attachment; filename*=UTF-8''{}", encoded_name(&name))
    };
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            content_type.unwrap_or_else(|| "application/octet-stream".into()),
        )
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(content)
}

/// `GET /console/activities/{id}/materials/{material}`: the file, to save.
#[handler]
pub async fn download(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    send_file(req, &state, activity(&id)?, &file).await
}

/// `GET /console/meetings/{id}/documents/{document}`.
#[handler]
pub async fn meeting_download(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    send_file(req, &state, meeting(&id)?, &file).await
}

/// The owner's file, with the owner's title.
async fn file_of(
    state: &AppState,
    clerk: &Clerk,
    owner: Owner,
    file: &str,
) -> Result<(String, Material), ConsoleError> {
    let file: MaterialId = path_id(file)?;
    let h = held(state, clerk, owner).await?;
    let m = h
        .files
        .into_iter()
        .find(|m| m.id == file)
        .ok_or(ConsoleError::NotFound)?;
    Ok((h.title, m))
}

async fn ask_remove(
    req: &Request,
    state: &AppState,
    owner: Owner,
    file: &str,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    let (title, m) = file_of(state, &clerk, owner, file).await?;
    let noun = owner.noun();
    let told = match owner {
        Owner::Activity(_) => "不发通知；委员在 App 的活动页上将不再看到这份材料，删除后不能恢复。",
        Owner::Meeting(_) => {
            "不发通知；应到人员在 App 的会议页上将不再看到这份材料，删除后不能恢复。"
        }
    };
    Ok(html(&ConfirmPage {
        question: format!("从「{title}」删除{noun}「{}」？", m.title),
        told: vec![told.into()],
        action: format!("{}/{}/remove", owner.files(), m.id),
        button: "确认删除",
        back: owner.page(),
        danger: true,
        shell: Shell::new(&clerk, &format!("删除{noun}"), owner.menu()),
    }))
}

/// `GET /console/activities/{id}/materials/{material}/remove`: are you sure?
#[handler]
pub async fn confirm_remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    ask_remove(req, &state, activity(&id)?, &file).await
}

/// `GET /console/meetings/{id}/documents/{document}/remove`.
#[handler]
pub async fn meeting_confirm_remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    ask_remove(req, &state, meeting(&id)?, &file).await
}

async fn take_off(
    req: &Request,
    state: &AppState,
    owner: Owner,
    file: &str,
    form: &CsrfForm,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let file: MaterialId = path_id(file)?;
    // Another committee's activity or meeting is not found, before anything is removed.
    held(state, &clerk, owner).await?;
    let removed = state
        .write(&clerk.ctx, move |conn, ctx| match owner {
            Owner::Activity(id) => materials::remove(conn, ctx, id, file),
            Owner::Meeting(id) => documents::remove(conn, ctx, id, file),
        })
        .await;
    match removed {
        // Not found now: a second click, after the first removed it.
        Ok(()) => {}
        Err(e) if e.code == ErrorCode::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    Ok(
        poem::web::Redirect::see_other(format!("{}?done=material_removed", owner.page()))
            .into_response(),
    )
}

/// `POST /console/activities/{id}/materials/{material}/remove`.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    take_off(req, &state, activity(&id)?, &file, &form).await
}

/// `POST /console/meetings/{id}/documents/{document}/remove`.
#[handler]
pub async fn meeting_remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    take_off(req, &state, meeting(&id)?, &file, &form).await
}
