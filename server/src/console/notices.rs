//! 通知: the office's announcements. The list with how far each has got;
//! the composer, whose audience picker shows how many members it reaches as
//! it changes (htmx; a "count" button without JavaScript); and each
//! announcement's delivery with the call list of those it has not reached.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::AnnouncementId;
use lvzhi_shared::notifications::{AnnouncementAudience, AudienceKind, NewAnnouncement};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::path_id;
use super::errors::ConsoleError;
use super::layout::{Shell, day_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::activities::{self, ListFilter};
use crate::domain::committees;
use crate::domain::idempotency;
use crate::domain::notifications::announcements;

struct Line {
    id: AnnouncementId,
    title: String,
    urgent: bool,
    sent: String,
    recipients: i64,
    read: i64,
    failed: i64,
    no_device: i64,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<Line>,
}

/// `GET /console/notices`.
#[handler]
pub async fn list(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (items, _) = state
        .read(&clerk.ctx, |conn, ctx| {
            announcements::list(conn, ctx.caller.committee_id, None, 100, ctx.tz)
        })
        .await?;
    Ok(html(&ListPage {
        shell: Shell::new(&clerk, "通知", "/console/notices"),
        lines: items
            .into_iter()
            .map(|a| Line {
                sent: day_and_time(a.created_at),
                recipients: a.recipients,
                read: a.delivery.read,
                failed: a.delivery.failed,
                no_device: a.delivery.no_device,
                urgent: a.urgent,
                id: a.id,
                title: a.title,
            })
            .collect(),
    }))
}

/// What the composer's form sends (`sector` may repeat).
#[derive(Default)]
struct Draft {
    csrf: String,
    /// The form's one-time token: a double click sends one announcement.
    once: String,
    title: String,
    body: String,
    urgent: bool,
    audience: String,
    sectors: Vec<String>,
    activity: String,
    /// The "count" button: show the count, send nothing.
    preview: bool,
}

impl Draft {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut d = Draft {
            audience: "committee".into(),
            ..Draft::default()
        };
        for (k, v) in fields {
            match k.as_str() {
                "csrf" => d.csrf = v,
                "once" => d.once = v,
                "title" => d.title = v,
                "body" => d.body = v,
                "urgent" => d.urgent = v == "on",
                "audience" => d.audience = v,
                "sector" => d.sectors.push(v),
                "activity" => d.activity = v,
                "preview" => d.preview = true,
                _ => {}
            }
        }
        d
    }

    /// The audience picked; ids that do not read as ids are left out (a
    /// form of ours only sends ids it was given).
    fn audience(&self) -> AnnouncementAudience {
        let kind = match self.audience.as_str() {
            "sectors" => AudienceKind::Sectors,
            "activity" => AudienceKind::Activity,
            _ => AudienceKind::Committee,
        };
        AnnouncementAudience {
            kind,
            sector_ids: if kind == AudienceKind::Sectors {
                self.sectors.iter().filter_map(|s| s.parse().ok()).collect()
            } else {
                Vec::new()
            },
            activity_id: (kind == AudienceKind::Activity)
                .then(|| self.activity.parse().ok())
                .flatten(),
            registered: None,
            waitlisted: None,
            member_ids: Vec::new(),
        }
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "notice_new.html")]
struct ComposePage {
    shell: Shell,
    once: String,
    title: String,
    body: String,
    urgent: bool,
    audience: String,
    sectors: Vec<Choice>,
    activities: Vec<Choice>,
    count: Reach,
    title_problem: Option<&'static str>,
    body_problem: Option<&'static str>,
}

/// The recipient count, or why the audience reaches nobody.
#[derive(Template)]
#[template(path = "notice_reach.html")]
struct Reach {
    count: Option<usize>,
    problem: Option<&'static str>,
}

async fn reach(
    state: &AppState,
    clerk: &Clerk,
    audience: AnnouncementAudience,
) -> Result<Reach, ConsoleError> {
    let counted = state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok(announcements::recipient_count(
                conn,
                ctx.caller.committee_id,
                &audience,
            ))
        })
        .await?;
    Ok(match counted {
        Ok(n) => Reach {
            count: Some(n),
            problem: None,
        },
        Err(e) => Reach {
            count: None,
            problem: Some(match (e.code, e.field.as_deref()) {
                (ErrorCode::FieldRequired, Some("audience.sector_ids")) => "请至少选择一个界别。",
                (ErrorCode::FieldRequired, Some("audience.activity_id")) => "请选择活动。",
                _ => "请检查所选的对象。",
            }),
        },
    })
}

async fn compose(
    state: &AppState,
    clerk: &Clerk,
    draft: &Draft,
    title_problem: Option<&'static str>,
    body_problem: Option<&'static str>,
) -> Result<ComposePage, ConsoleError> {
    let (sectors, (upcoming, _)) = state
        .read(&clerk.ctx, |conn, ctx| {
            let sectors = committees::list_sectors(conn, ctx.caller.committee_id)?;
            let filter = ListFilter {
                limit: 100,
                ..ListFilter::default()
            };
            Ok((sectors, activities::list(conn, ctx, &filter)?))
        })
        .await?;
    Ok(ComposePage {
        shell: Shell::new(clerk, "新通知", "/console/notices"),
        once: draft.once.clone(),
        title: draft.title.clone(),
        body: draft.body.clone(),
        urgent: draft.urgent,
        audience: draft.audience.clone(),
        sectors: sectors
            .into_iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                selected: draft.sectors.contains(&s.id.to_string()),
                label: s.name,
            })
            .collect(),
        activities: upcoming
            .into_iter()
            .map(|a| Choice {
                value: a.id.to_string(),
                selected: draft.activity == a.id.to_string(),
                label: format!("{}（{}）", a.title, day_and_time(a.starts_at)),
            })
            .collect(),
        count: reach(state, clerk, draft.audience()).await?,
        title_problem,
        body_problem,
    })
}

/// `GET /console/notices/new`.
#[handler]
pub async fn new(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let mut draft = Draft::from_fields(Vec::new());
    draft.once = console_sessions::random_token();
    Ok(html(&compose(&state, &clerk, &draft, None, None).await?))
}

/// `GET /console/notices/reach?…`: the count for the audience picked so far (htmx).
#[handler]
pub async fn count(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(fields): Query<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let draft = Draft::from_fields(fields);
    Ok(html(&reach(&state, &clerk, draft.audience()).await?))
}

/// `POST /console/notices/new`: send it, or (the count button) show the count.
#[handler]
pub async fn send(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let draft = Draft::from_fields(fields);
    clerk.check_csrf(req, Some(&draft.csrf))?;
    if draft.preview {
        return Ok(html(&compose(&state, &clerk, &draft, None, None).await?));
    }
    let input = NewAnnouncement {
        title: draft.title.clone(),
        body: draft.body.clone(),
        activity_id: None,
        audience: draft.audience(),
        urgent: Some(draft.urgent),
    };
    let once = draft.once.clone();
    let sent = state
        .write(&clerk.ctx, move |conn, ctx| {
            let op = "console:send_announcement";
            idempotency::once(conn, ctx.caller.user_id, op, &once, ctx.now, |conn| {
                announcements::create(conn, ctx, &input).map(|(id, _)| id)
            })
        })
        .await;
    match sent {
        Ok(id) => Ok(Redirect::see_other(format!("/console/notices/{id}")).into_response()),
        Err(e) if e.status().is_client_error() => {
            // Said next to the field at fault; everything typed stays.
            let problem = match e.code {
                ErrorCode::FieldRequired => "必填。",
                ErrorCode::FieldTooLong => "太长了，请删减。",
                ErrorCode::NoRecipients => "所选对象中没有可以接收的委员。",
                _ => "请检查。",
            };
            let (title_problem, body_problem) = match e.field.as_deref() {
                Some("title") => (Some(problem), None),
                Some("body") => (None, Some(problem)),
                _ => (None, None),
            };
            let mut page = compose(&state, &clerk, &draft, title_problem, body_problem).await?;
            if title_problem.is_none() && body_problem.is_none() {
                page.count.problem = Some(problem);
            }
            let mut resp = html(&page);
            resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

struct CallLine {
    name: String,
    phone: String,
    no_device: bool,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct DeliveryPage {
    shell: Shell,
    body: String,
    sent: String,
    urgent: bool,
    recipients: i64,
    queued: i64,
    pushed: i64,
    failed: i64,
    no_device: i64,
    read: i64,
    calls: Vec<CallLine>,
}

/// `GET /console/notices/{id}`: how far it has got, and whom to call.
#[handler]
pub async fn delivery(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: AnnouncementId = path_id(&id)?;
    let (a, calls) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let committee = ctx.caller.committee_id;
            let a = announcements::get(conn, committee, id, ctx.tz)?;
            let calls = announcements::unreached(conn, committee, id)?;
            Ok((a, calls))
        })
        .await?;
    Ok(html(&DeliveryPage {
        shell: Shell::new(&clerk, &a.title, "/console/notices"),
        sent: day_and_time(a.created_at),
        urgent: a.urgent,
        recipients: a.recipients,
        queued: a.delivery.queued,
        pushed: a.delivery.sent,
        failed: a.delivery.failed,
        no_device: a.delivery.no_device,
        read: a.delivery.read,
        body: a.body,
        calls: calls
            .into_iter()
            .map(|c| CallLine {
                name: c.name,
                phone: c.phone,
                no_device: c.no_device,
            })
            .collect(),
    }))
}
