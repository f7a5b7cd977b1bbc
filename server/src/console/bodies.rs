//! 机构与届次: the bodies a meeting summons (全体委员, 常务委员会, 主席会议成员,
//! 专委会) of a term, and each body's dated membership: who joined when, who
//! left when, who votes. A member is picked from the roster by a search that
//! works without JavaScript (a GET form that lists the matches as choices).

use std::sync::Arc;

use askama::Template;
use chrono::NaiveDate;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{BodyId, MemberId};
use lvzhi_shared::meetings::{Body, BodyKind, BodyMember, NewBody, NewBodyMember};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::{console_sessions, members};
use crate::domain::idempotency;
use crate::domain::meetings::{bodies, local_date};
use crate::error::AppError;

/// Matches a roster search offers at most.
const MATCHES: u32 = 20;

pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// `2026-12-03`, as `<input type="date">` holds it and the clerk reads it.
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date typed as `2026-12-03` (or `2026/12/3`).
pub(super) fn typed_date(
    typed: &str,
    field: &'static str,
    problems: &mut Problems,
) -> Option<NaiveDate> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(typed, "%Y/%m/%d"))
        .ok();
    if parsed.is_none() {
        problems.add(field, "请按“2026-12-03”的格式填写日期。");
    }
    parsed
}

/// The form's problem for a refusal of the domain's, by the field it names.
fn refused(e: &AppError, fields: &[&'static str]) -> Problems {
    let mut problems = Problems::default();
    let field = e
        .field
        .as_deref()
        .and_then(|f| fields.iter().find(|known| **known == f).copied());
    let problem = match (e.code, field) {
        (ErrorCode::FieldRequired, _) => "必填。",
        (ErrorCode::FieldTooLong, _) => "太长了，请删减。",
        (ErrorCode::BodyMembershipOverlaps, _) => {
            "这位委员在这段日期里已是本机构成员（与已有的任职时间重叠）。"
        }
        (ErrorCode::UnknownMember, _) => "本会没有这位委员。",
        (_, Some("left_on")) => "离任日期不能早于加入日期。",
        _ => labels::meeting_refusal(e.code),
    };
    problems.add(field.unwrap_or("form"), problem);
    problems
}

// ---- the list, and a new body ----

struct BodyLine {
    id: BodyId,
    name: String,
    kind: &'static str,
    term: String,
    members_now: i32,
}

#[derive(Default)]
struct BodyDraft {
    once: String,
    name: String,
    kind: String,
    term: String,
}

#[derive(Template)]
#[template(path = "bodies.html")]
struct BodiesPage {
    shell: Shell,
    lines: Vec<BodyLine>,
    d: BodyDraft,
    kinds: Vec<Choice>,
    problems: Problems,
}

async fn bodies_page(
    state: &AppState,
    clerk: &Clerk,
    d: BodyDraft,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let items = state.read(&clerk.ctx, bodies::list).await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&BodiesPage {
        shell: Shell::new(clerk, "机构与届次", "/console/meetings"),
        lines: items
            .into_iter()
            .map(|b: Body| BodyLine {
                id: b.id,
                kind: labels::body_kind(b.kind),
                name: b.name,
                term: b.term,
                members_now: b.members_now,
            })
            .collect(),
        kinds: BodyKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: labels::body_kind(*k).into(),
                selected: d.kind == k.as_str(),
            })
            .collect(),
        d,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/bodies`.
#[handler]
pub async fn list(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let d = BodyDraft {
        once: console_sessions::random_token(),
        kind: BodyKind::Standing.as_str().into(),
        ..BodyDraft::default()
    };
    bodies_page(&state, &clerk, d, Problems::default()).await
}

#[derive(Deserialize)]
pub struct BodyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    term: String,
}

/// `POST /console/bodies`: a new body, then its page (to add its members).
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(form): Form<BodyForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let d = BodyDraft {
        once: form.once,
        name: form.name,
        kind: form.kind,
        term: form.term,
    };
    let Some(kind) = BodyKind::parse(&d.kind) else {
        let mut problems = Problems::default();
        problems.add("kind", "请选择机构类别。");
        return bodies_page(&state, &clerk, d, problems).await;
    };
    let input = NewBody {
        name: d.name.clone(),
        kind,
        term: d.term.clone(),
    };
    let once = d.once.clone();
    let created = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:create_body",
                &once,
                ctx.now,
                |conn| bodies::create(conn, ctx, &input).map(|b| b.id),
            )
        })
        .await;
    match created {
        Ok(id) => {
            Ok(Redirect::see_other(format!("/console/bodies/{id}?done=created")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            let problems = refused(&e, &["name", "term"]);
            bodies_page(&state, &clerk, d, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- one body: its members, adding one ----

struct MemberLine {
    member_id: MemberId,
    name: String,
    joined_on: String,
    left_on: String,
    voting: bool,
    /// Still a member (no last day): may be ended.
    open: bool,
}

#[derive(Default)]
struct MemberDraft {
    once: String,
    q: String,
    member_id: String,
    joined_on: String,
    left_on: String,
    voting: bool,
}

#[derive(Template)]
#[template(path = "body.html")]
struct BodyPage {
    shell: Shell,
    id: BodyId,
    kind: &'static str,
    term: String,
    members_now: i32,
    lines: Vec<MemberLine>,
    d: MemberDraft,
    /// The roster search's matches, as choices for the form.
    matches: Vec<Choice>,
    searched: bool,
    problems: Problems,
    done: Option<&'static str>,
}

async fn body_page(
    state: &AppState,
    clerk: &Clerk,
    id: BodyId,
    d: MemberDraft,
    problems: Problems,
    done: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let q = d.q.trim().to_owned();
    let picked: Option<MemberId> = d.member_id.parse().ok();
    let (body, items, found) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let body = bodies::get(conn, ctx, id)?;
            let items = bodies::members(conn, ctx, id)?;
            let mut found = Vec::new();
            if !q.is_empty() {
                let filter = members::ListFilter {
                    q: Some(q),
                    limit: MATCHES,
                    ..members::ListFilter::default()
                };
                found = members::list(conn, ctx.caller.committee_id, &filter)?.0;
            }
            // The member picked before a refusal stays offered.
            if let Some(m) = picked.filter(|m| !found.iter().any(|(u, _)| u.id == *m))
                && let Ok(row) = members::get(conn, ctx.caller.committee_id, m)
            {
                found.insert(0, row);
            }
            Ok((body, items, found))
        })
        .await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let matches = found
        .into_iter()
        .map(|(u, sector)| Choice {
            selected: u.id.to_string() == d.member_id,
            value: u.id.to_string(),
            label: format!(
                "{}（{}{}）",
                u.name,
                u.member_no
                    .as_deref()
                    .map(|n| format!("{n}，"))
                    .unwrap_or_default(),
                sector.unwrap_or_else(|| "未分界别".into())
            ),
        })
        .collect();
    let mut resp = html(&BodyPage {
        shell: Shell::new(clerk, &body.name, "/console/meetings"),
        id: body.id,
        kind: labels::body_kind(body.kind),
        term: body.term,
        members_now: body.members_now,
        lines: items
            .into_iter()
            .map(|m: BodyMember| MemberLine {
                member_id: m.member_id,
                name: m.name,
                joined_on: day(m.joined_on),
                open: m.left_on.is_none(),
                left_on: m.left_on.map(day).unwrap_or_default(),
                voting: m.voting,
            })
            .collect(),
        searched: !d.q.trim().is_empty(),
        matches,
        d,
        problems,
        done,
    });
    resp.set_status(status);
    Ok(resp)
}

#[derive(Deserialize)]
pub struct BodyQuery {
    q: Option<String>,
    done: Option<String>,
}

/// `GET /console/bodies/{id}[?q=…]`: the members, and the roster search's matches.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<BodyQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let today = local_date(clerk.ctx.now, clerk.ctx.tz);
    let d = MemberDraft {
        once: console_sessions::random_token(),
        q: query.q.unwrap_or_default(),
        joined_on: day(today),
        voting: true,
        ..MemberDraft::default()
    };
    let done = match query.done.as_deref() {
        Some("created") => Some("机构已建立。现在可以添加成员。"),
        Some("added") => Some("成员已添加。已发通知的会议会同步应到名单。"),
        Some("ended") => Some("已记录离任日期。"),
        _ => None,
    };
    body_page(&state, &clerk, path_id(&id)?, d, Problems::default(), done).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    joined_on: String,
    #[serde(default)]
    left_on: String,
    /// A checkbox: present when ticked.
    voting: Option<String>,
}

/// `POST /console/bodies/{id}`: a member joins the body.
#[handler]
pub async fn add_member(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: BodyId = path_id(&id)?;
    // Another committee's body does not exist, whatever the form holds.
    state
        .read(&clerk.ctx, move |conn, ctx| bodies::load(conn, ctx, id))
        .await?;
    let d = MemberDraft {
        once: form.once,
        q: form.q,
        member_id: form.member_id,
        joined_on: form.joined_on,
        left_on: form.left_on,
        voting: form.voting.is_some(),
    };
    let mut problems = Problems::default();
    let member: Option<MemberId> = d.member_id.parse().ok();
    if member.is_none() {
        problems.add("member_id", "请先查找并选择一位委员。");
    }
    let joined = typed_date(&d.joined_on, "joined_on", &mut problems);
    if joined.is_none() {
        problems.add("joined_on", "必填。");
    }
    let left = typed_date(&d.left_on, "left_on", &mut problems);
    let (Some(member_id), Some(joined_on)) = (member, joined) else {
        return body_page(&state, &clerk, id, d, problems, None).await;
    };
    if !problems.is_empty() {
        return body_page(&state, &clerk, id, d, problems, None).await;
    }
    let input = NewBodyMember {
        member_id,
        joined_on,
        left_on: left,
        voting: Some(d.voting),
    };
    let once = d.once.clone();
    let added = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:add_body_member",
                &once,
                ctx.now,
                |conn| bodies::add_member(conn, ctx, id, &input).map(|_| ()),
            )
        })
        .await;
    match added {
        Ok(()) => {
            Ok(Redirect::see_other(format!("/console/bodies/{id}?done=added")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problems = refused(&e, &["member_id", "joined_on", "left_on"]);
            body_page(&state, &clerk, id, d, problems, None).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- ending a membership ----

#[derive(Template)]
#[template(path = "body_member_end.html")]
struct EndPage {
    shell: Shell,
    id: BodyId,
    member_id: MemberId,
    body: String,
    name: String,
    joined_on: String,
    left_on: String,
    problems: Problems,
}

async fn end_page(
    state: &AppState,
    clerk: &Clerk,
    (id, member_id): (BodyId, MemberId),
    left_on: String,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let (body, items) = state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok((bodies::get(conn, ctx, id)?, bodies::members(conn, ctx, id)?))
        })
        .await?;
    let Some(open) = items
        .into_iter()
        .find(|m| m.member_id == member_id && m.left_on.is_none())
    else {
        let d = MemberDraft {
            once: console_sessions::random_token(),
            voting: true,
            ..MemberDraft::default()
        };
        let mut problems = Problems::default();
        problems.add("form", "这位委员目前不是本机构成员（可能已记录离任）。");
        let mut resp = body_page(state, clerk, id, d, problems, None).await?;
        resp.set_status(StatusCode::OK);
        return Ok(resp);
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&EndPage {
        shell: Shell::new(clerk, "记录离任", "/console/meetings"),
        id,
        member_id,
        body: body.name,
        name: open.name,
        joined_on: day(open.joined_on),
        left_on,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/bodies/{id}/members/{member}`: the last day of membership.
#[handler]
pub async fn end_form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let ids = (path_id(&id)?, path_id(&member)?);
    let today = day(local_date(clerk.ctx.now, clerk.ctx.tz));
    end_page(&state, &clerk, ids, today, Problems::default()).await
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    left_on: String,
}

/// `POST /console/bodies/{id}/members/{member}`.
#[handler]
pub async fn end(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, member)): Path<(String, String)>,
    Form(form): Form<EndForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let (id, member): (BodyId, MemberId) = (path_id(&id)?, path_id(&member)?);
    state
        .read(&clerk.ctx, move |conn, ctx| bodies::load(conn, ctx, id))
        .await?;
    let mut problems = Problems::default();
    let Some(left_on) = typed_date(&form.left_on, "left_on", &mut problems) else {
        problems.add("left_on", "必填。");
        return end_page(&state, &clerk, (id, member), form.left_on, problems).await;
    };
    let ended = state
        .write(&clerk.ctx, move |conn, ctx| {
            bodies::end_membership(conn, ctx, id, member, left_on).map(|_| ())
        })
        .await;
    match ended {
        Ok(()) => {
            Ok(Redirect::see_other(format!("/console/bodies/{id}?done=ended")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problems = refused(&e, &["left_on"]);
            end_page(&state, &clerk, (id, member), form.left_on, problems).await
        }
        Err(e) => Err(e.into()),
    }
}
