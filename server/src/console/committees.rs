//! 设置 › 下级政协 (admin only): the committees below this one, a new one
//! with its first admin, and that admin's activation code, issued on a page
//! of its own so a double click or a reload never hides the code shown (each
//! issue replaces the last). The rules are the API's
//! (`domain::accounts::hierarchy`).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::committees::{CommitteeLevel, NewCommittee};
use lvzhi_shared::ids::CommitteeId;
use lvzhi_shared::members::MemberStatus;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::{CsrfForm, path_id};
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, date_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::hierarchy;
use crate::domain::committees::local;
use crate::domain::idempotency;

struct TreeLine {
    id: CommitteeId,
    /// Indentation, in steps.
    depth: i32,
    name: String,
    level: &'static str,
    accounts: i32,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The form as typed, kept when refused.
#[derive(Deserialize, Default)]
pub struct CommitteeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    admin_name: String,
    #[serde(default)]
    admin_phone: String,
}

#[derive(Template)]
#[template(path = "settings_committees.html")]
struct TreePage {
    shell: Shell,
    section: &'static str,
    lines: Vec<TreeLine>,
    levels: Vec<Choice>,
    parents: Vec<Choice>,
    /// The lowest level has nothing below it.
    can_create: bool,
    d: CommitteeForm,
    problems: Problems,
}

async fn tree_page(
    state: &AppState,
    clerk: &Clerk,
    mut d: CommitteeForm,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let nodes = state.read(&clerk.ctx, hierarchy::tree).await?;
    let own_rank = nodes.first().map_or(3, |n| n.level.rank());
    if d.once.is_empty() {
        d.once = crate::domain::accounts::console_sessions::random_token();
    }
    let levels = CommitteeLevel::ALL
        .iter()
        .filter(|l| l.rank() > own_rank)
        .map(|l| Choice {
            value: l.as_str().to_owned(),
            label: labels::committee_level(*l).to_owned(),
            selected: d.level == l.as_str(),
        })
        .collect::<Vec<_>>();
    let parents = nodes
        .iter()
        .filter(|n| n.level != CommitteeLevel::County)
        .map(|n| Choice {
            value: n.id.to_string(),
            label: n.name.clone(),
            selected: d.parent_id == n.id.to_string(),
        })
        .collect();
    let status = if problems.is_empty() {
        poem::http::StatusCode::OK
    } else {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&TreePage {
        shell: Shell::new(clerk, "下级政协", "/console/settings"),
        section: "committees",
        can_create: !levels.is_empty(),
        lines: nodes
            .into_iter()
            .map(|n| TreeLine {
                id: n.id,
                depth: n.depth,
                name: n.name,
                level: labels::committee_level(n.level),
                accounts: n.accounts,
            })
            .collect(),
        levels,
        parents,
        d,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/settings/committees`.
#[handler]
pub async fn list(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.require_admin()?;
    tree_page(
        &state,
        &clerk,
        CommitteeForm::default(),
        Problems::default(),
    )
    .await
}

/// `POST /console/settings/committees`: the new committee, then its page,
/// where its admin's code is issued.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(d): Form<CommitteeForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.require_admin()?;
    clerk.check_csrf(req, Some(&d.csrf))?;
    let mut problems = Problems::default();
    let level = CommitteeLevel::parse(&d.level);
    if level.is_none() {
        problems.add("level", "请选择级别。");
    }
    let parent_id: Option<CommitteeId> = d.parent_id.parse().ok();
    let Some(level) = level else {
        return tree_page(&state, &clerk, d, problems).await;
    };
    let input = NewCommittee {
        name: d.name.clone(),
        level,
        parent_id,
        time_zone: None,
        language: None,
        sectors: None,
        admin_name: d.admin_name.clone(),
        admin_phone: d.admin_phone.clone(),
    };
    let days = state.config.auth.activation_code_days;
    let once = d.once.clone();
    let made = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:create_committee",
                &once,
                ctx.now,
                |conn| hierarchy::create_child(conn, ctx, &input, days).map(|f| f.committee.id),
            )
        })
        .await;
    match made {
        Ok(id) => {
            Ok(Redirect::see_other(format!("/console/settings/committees/{id}")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            let (field, said) = match (e.field.as_deref(), e.code) {
                (Some("name"), _) => ("name", "请填写名称（不超过 200 字）。"),
                (Some("admin_name"), _) => ("admin_name", "请填写管理员的真实姓名。"),
                (Some("admin_phone"), ErrorCode::PhoneTaken) => {
                    ("admin_phone", "这个手机号已有账号在用，请换一个。")
                }
                (Some("admin_phone"), _) => ("admin_phone", "请填写 11 位手机号码。"),
                (Some("level"), _) => ("level", "下级政协的级别须低于上级。"),
                (Some("parent_id"), _) => ("parent_id", "请从列表中选择上级。"),
                _ => ("form", "没有设立，请检查后再提交。"),
            };
            problems.add(field, said);
            tree_page(&state, &clerk, d, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "settings_committee.html")]
struct ChildPage {
    shell: Shell,
    section: &'static str,
    id: CommitteeId,
    name: String,
    level: &'static str,
    admin_name: String,
    admin_phone: String,
    activated: bool,
    /// Just issued: the code and until when it works.
    code: Option<(String, String)>,
}

async fn child_page(
    state: &AppState,
    clerk: &Clerk,
    id: CommitteeId,
    code: Option<(String, String)>,
) -> Result<Response, ConsoleError> {
    let (row, admin) = state
        .read(&clerk.ctx, move |conn, ctx| {
            hierarchy::first_admin(conn, ctx, id)
        })
        .await?;
    Ok(html(&ChildPage {
        shell: Shell::new(clerk, &row.name, "/console/settings"),
        section: "committees",
        id,
        name: row.name,
        level: labels::committee_level(row.level),
        admin_name: admin.name,
        admin_phone: admin.phone,
        activated: admin.status != MemberStatus::Pending,
        code,
    }))
}

/// `GET /console/settings/committees/{id}`.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.require_admin()?;
    child_page(&state, &clerk, path_id(&id)?, None).await
}

/// `POST /console/settings/committees/{id}`: a fresh code for its first
/// admin, shown on the page this answers with.
#[handler]
pub async fn issue_code(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.require_admin()?;
    clerk.check_csrf(req, Some(form.token()))?;
    let id: CommitteeId = path_id(&id)?;
    let days = state.config.auth.activation_code_days;
    let issued = state
        .write(&clerk.ctx, move |conn, ctx| {
            hierarchy::reissue_admin_code(conn, ctx, id, days)
        })
        .await;
    match issued {
        Ok((_, code)) => {
            let until = date_and_time(local(code.expires_at, clerk.ctx.tz));
            child_page(&state, &clerk, id, Some((code.code, until))).await
        }
        // Activated meanwhile: the page says so.
        Err(e) if e.code == ErrorCode::InvalidTransition => {
            child_page(&state, &clerk, id, None).await
        }
        Err(e) => Err(e.into()),
    }
}
