//! 设置, the admin's screens: the committee's settings (the language of
//! automatic notifications, quiet hours), its sectors, the office accounts
//! and their roles, and the audit log. Each change is the API's own domain
//! call (`committees::patch`, `committees::add_sector`, `members::patch`);
//! organizers get the console's 403 page.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::committees::{CommitteePatch, Language};
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::members::{MemberPatch, Role};
use lvzhi_shared::validate::{self, DEFAULT_PAGE_SIZE, MAX_SHORT_TEXT_CHARS};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, date_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::members;
use crate::domain::{audit, committees};
use crate::error::AppError;

/// After a change: `?done=1` says it was made (the page after the redirect).
#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The admin at the keyboard, or the 403 page.
async fn admin(state: &AppState, req: &Request) -> Result<Clerk, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    clerk.require_admin()?;
    Ok(clerk)
}

/// The page again with the problems said next to their fields.
fn unprocessable(page: &impl Template) -> Response {
    let mut resp = html(page);
    resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    resp
}

struct Choice {
    value: &'static str,
    label: &'static str,
}

// ---- the committee ----

const REPORT_MAX_PROBLEM: &str = "请填写 100 至 20000 之间的整数。";

#[derive(Deserialize, Default)]
pub struct CommitteeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
    /// Empty keeps the stored limit.
    #[serde(default)]
    report_max_chars: String,
}

#[derive(Default)]
struct CommitteeProblems {
    language: Option<&'static str>,
    start: Option<&'static str>,
    end: Option<&'static str>,
    report_max: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct CommitteePage {
    shell: Shell,
    section: &'static str,
    name: String,
    time_zone: String,
    languages: Vec<Choice>,
    language: String,
    quiet_start: String,
    quiet_end: String,
    report_max_chars: String,
    problems: CommitteeProblems,
    done: bool,
}

/// The committee form, filled with `form` (what is stored, or what was typed).
async fn committee_page(
    state: &AppState,
    clerk: &Clerk,
    form: CommitteeForm,
    problems: CommitteeProblems,
    done: bool,
) -> Result<CommitteePage, ConsoleError> {
    let row = state
        .read(&clerk.ctx, |conn, ctx| {
            committees::load(conn, ctx.caller.committee_id)
        })
        .await?;
    Ok(CommitteePage {
        shell: Shell::new(clerk, "本会设置", "/console/settings"),
        section: "committee",
        name: row.name,
        time_zone: row.time_zone,
        languages: Language::ALL
            .iter()
            .map(|l| Choice {
                value: l.as_str(),
                label: labels::language(*l),
            })
            .collect(),
        language: form.language,
        quiet_start: form.quiet_start,
        quiet_end: form.quiet_end,
        report_max_chars: form.report_max_chars,
        problems,
        done,
    })
}

/// `GET /console/settings`.
#[handler]
pub async fn committee(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    let row = state
        .read(&clerk.ctx, |conn, ctx| {
            committees::load(conn, ctx.caller.committee_id)
        })
        .await?;
    let stored = CommitteeForm {
        language: row.language.as_str().to_owned(),
        quiet_start: row.quiet_start.unwrap_or_default(),
        quiet_end: row.quiet_end.unwrap_or_default(),
        report_max_chars: row.report_max_chars.to_string(),
        ..CommitteeForm::default()
    };
    let page = committee_page(
        &state,
        &clerk,
        stored,
        CommitteeProblems::default(),
        query.done.is_some(),
    )
    .await?;
    Ok(html(&page))
}

/// `POST /console/settings`: through `committees::patch`, as the API's
/// `PATCH /committee`. Both quiet-hour fields empty turns quiet hours off.
#[handler]
pub async fn save_committee(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(form): Form<CommitteeForm>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let Some(language) = Language::parse(&form.language) else {
        let problems = CommitteeProblems {
            language: Some("请选择语言。"),
            ..CommitteeProblems::default()
        };
        let page = committee_page(&state, &clerk, form, problems, false).await?;
        return Ok(unprocessable(&page));
    };
    let typed_max = form.report_max_chars.trim();
    let report_max_chars = match typed_max.parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) if typed_max.is_empty() => None,
        Err(_) => {
            let problems = CommitteeProblems {
                report_max: Some(REPORT_MAX_PROBLEM),
                ..CommitteeProblems::default()
            };
            let page = committee_page(&state, &clerk, form, problems, false).await?;
            return Ok(unprocessable(&page));
        }
    };
    let patch = CommitteePatch {
        language: Some(language),
        quiet_hours_start: Some(form.quiet_start.trim().to_owned()),
        quiet_hours_end: Some(form.quiet_end.trim().to_owned()),
        report_max_chars,
    };
    let saved = state
        .write(&clerk.ctx, move |conn, ctx| {
            committees::patch(conn, ctx.caller.committee_id, &patch)
        })
        .await;
    match saved {
        Ok(_) => Ok(Redirect::see_other("/console/settings?done=1").into_response()),
        Err(e) if e.status().is_client_error() => {
            let same = form.quiet_start.trim() == form.quiet_end.trim();
            let problem = match e.code {
                ErrorCode::FieldRequired => "两项都要填写；都留空则不设免打扰时段。",
                ErrorCode::InvalidField if same => "结束时间不能与开始时间相同。",
                _ => "请按“时:分”填写，如 22:00。",
            };
            let problems = match e.field.as_deref() {
                Some("quiet_hours_start") => CommitteeProblems {
                    start: Some(problem),
                    ..CommitteeProblems::default()
                },
                Some("quiet_hours_end") => CommitteeProblems {
                    end: Some(problem),
                    ..CommitteeProblems::default()
                },
                Some("report_max_chars") => CommitteeProblems {
                    report_max: Some(REPORT_MAX_PROBLEM),
                    ..CommitteeProblems::default()
                },
                _ => CommitteeProblems {
                    language: Some("没有保存，请检查后再试。"),
                    ..CommitteeProblems::default()
                },
            };
            let page = committee_page(&state, &clerk, form, problems, false).await?;
            Ok(unprocessable(&page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- sectors ----

#[derive(Template)]
#[template(path = "settings_sectors.html")]
struct SectorsPage {
    shell: Shell,
    section: &'static str,
    sectors: Vec<String>,
    name: String,
    max: usize,
    problem: Option<String>,
    done: bool,
}

async fn sectors_page(
    state: &AppState,
    clerk: &Clerk,
    name: String,
    problem: Option<String>,
    done: bool,
) -> Result<SectorsPage, ConsoleError> {
    let listed = state
        .read(&clerk.ctx, |conn, ctx| {
            committees::list_sectors(conn, ctx.caller.committee_id)
        })
        .await?;
    Ok(SectorsPage {
        shell: Shell::new(clerk, "界别", "/console/settings"),
        section: "sectors",
        sectors: listed.into_iter().map(|s| s.name).collect(),
        name,
        max: MAX_SHORT_TEXT_CHARS,
        problem,
        done,
    })
}

/// `GET /console/settings/sectors`.
#[handler]
pub async fn sectors(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    let page = sectors_page(&state, &clerk, String::new(), None, query.done.is_some()).await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct SectorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// `POST /console/settings/sectors`: through `committees::add_sector`, as
/// the API's `POST /sectors`.
#[handler]
pub async fn add_sector(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(form): Form<SectorForm>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let name = form.name.clone();
    let added = state
        .write(&clerk.ctx, move |conn, ctx| {
            committees::add_sector(conn, ctx.caller.committee_id, &name, ctx.now)
        })
        .await;
    match added {
        Ok(_) => Ok(Redirect::see_other("/console/settings/sectors?done=1").into_response()),
        Err(e) if e.status().is_client_error() => {
            let problem = match e.code {
                ErrorCode::FieldRequired => "请填写界别名称。".to_owned(),
                ErrorCode::FieldTooLong => format!("太长了，最多 {MAX_SHORT_TEXT_CHARS} 个字。"),
                ErrorCode::SectorExists => "已有这个界别。".to_owned(),
                _ => "名称里不能有尖括号（< >）或控制字符。".to_owned(),
            };
            let page = sectors_page(&state, &clerk, form.name, Some(problem), false).await?;
            Ok(unprocessable(&page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- office accounts and roles ----

struct AccountLine {
    id: MemberId,
    name: String,
    phone: String,
    role: Role,
    role_label: &'static str,
    status: &'static str,
    /// The admin's own account: nobody changes their own role.
    me: bool,
    problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "settings_accounts.html")]
struct AccountsPage {
    shell: Shell,
    section: &'static str,
    accounts: Vec<AccountLine>,
    roles: Vec<Choice>,
    /// The appointment form: a phone and the role, kept when refused.
    phone: String,
    role: String,
    phone_problem: Option<&'static str>,
    done: bool,
}

/// Where a refused role change is said: on the account's row, or by the phone field.
enum Said {
    Row(MemberId, &'static str),
    Phone(&'static str),
}

async fn accounts_page(
    state: &AppState,
    clerk: &Clerk,
    form: RoleForm,
    said: Option<Said>,
    done: bool,
) -> Result<AccountsPage, ConsoleError> {
    let rows = state
        .read(&clerk.ctx, |conn, ctx| {
            members::office_accounts(conn, ctx.caller.committee_id)
        })
        .await?;
    let me = clerk.ctx.caller.user_id;
    Ok(AccountsPage {
        shell: Shell::new(clerk, "账号与角色", "/console/settings"),
        section: "accounts",
        accounts: rows
            .into_iter()
            .map(|(u, _)| AccountLine {
                problem: match &said {
                    Some(Said::Row(id, p)) if *id == u.id => Some(*p),
                    _ => None,
                },
                me: u.id == me,
                role_label: members::role_label(u.role),
                status: members::status_label(u.status),
                role: u.role,
                id: u.id,
                name: u.name,
                phone: u.phone,
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str(),
                label: members::role_label(*r),
            })
            .collect(),
        phone: form.phone,
        role: form.role,
        phone_problem: match said {
            Some(Said::Phone(p)) => Some(p),
            _ => None,
        },
        done,
    })
}

/// `GET /console/settings/accounts`.
#[handler]
pub async fn accounts(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    let blank = RoleForm {
        role: Role::Organizer.as_str().to_owned(),
        ..RoleForm::default()
    };
    let page = accounts_page(&state, &clerk, blank, None, query.done.is_some()).await?;
    Ok(html(&page))
}

/// A role change: from an account's row (`member`), or for the account
/// with a phone number (making a member an organizer or admin).
#[derive(Deserialize, Default)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    member: Option<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: String,
}

/// `POST /console/settings/accounts`: through `members::patch`, as the
/// API's `PATCH /members/{id}` with a role: who may change whom, and the
/// audit line, are the domain's.
#[handler]
pub async fn change_role(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(form): Form<RoleForm>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    // A row's form sends only an id it was given: anything else is no such account.
    let row: Option<MemberId> = match form.member.as_deref().filter(|m| !m.is_empty()) {
        Some(id) => Some(path_id(id)?),
        None => None,
    };
    let said = |problem: &'static str| match row {
        Some(id) => Said::Row(id, problem),
        None => Said::Phone(problem),
    };
    let Some(role) = Role::parse(&form.role) else {
        let page = accounts_page(&state, &clerk, form, Some(said("请选择角色。")), false).await?;
        return Ok(unprocessable(&page));
    };
    let phone = form.phone.clone();
    let changed = state
        .write(&clerk.ctx, move |conn, ctx| {
            let id = match row {
                Some(id) => id,
                None => {
                    let phone = validate::normalize_phone(&phone, "phone")?;
                    members::find_by_phone(conn, &phone)?
                        .map(|u| u.id)
                        .ok_or_else(|| AppError::not_found("member").with_field("phone"))?
                }
            };
            let patch = MemberPatch {
                role: Some(role),
                ..MemberPatch::default()
            };
            members::patch(conn, ctx, id, &patch).map(|_| ())
        })
        .await;
    match changed {
        Ok(()) => Ok(Redirect::see_other("/console/settings/accounts?done=1").into_response()),
        Err(e) if e.status().is_client_error() => {
            let problem = match e.code {
                ErrorCode::NotFound if row.is_none() => "本会没有使用这个手机号的账号。",
                ErrorCode::NotFound => "找不到这个账号，请刷新页面。",
                ErrorCode::Forbidden => "不能修改自己的角色。",
                ErrorCode::FieldRequired | ErrorCode::InvalidField
                    if e.field.as_deref() == Some("phone") =>
                {
                    "请填写正确的手机号。"
                }
                _ => "这个账号的资料不完整，角色没有修改。请先在委员页面核对资料。",
            };
            let page = accounts_page(&state, &clerk, form, Some(said(problem)), false).await?;
            Ok(unprocessable(&page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the audit log ----

#[derive(Deserialize)]
pub struct AuditQuery {
    cursor: Option<String>,
}

struct AuditLine {
    at: String,
    actor: String,
    action: &'static str,
    detail: String,
    via: &'static str,
    request_id: String,
}

#[derive(Template)]
#[template(path = "settings_audit.html")]
struct AuditPage {
    shell: Shell,
    section: &'static str,
    lines: Vec<AuditLine>,
    /// The link to older lines, its cursor already encoded.
    older: Option<String>,
    /// Not the newest page: offer the way back to it.
    paged: bool,
}

/// `GET /console/settings/audit?cursor=…`: newest first, a page at a time.
#[handler]
pub async fn audit_log(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = admin(&state, req).await?;
    let cursor = query.cursor.filter(|c| !c.is_empty());
    let paged = cursor.is_some();
    let listed = state
        .read(&clerk.ctx, move |conn, ctx| {
            audit::page(conn, ctx, cursor.as_deref(), DEFAULT_PAGE_SIZE)
        })
        .await;
    let (items, next) = match listed {
        Ok(found) => found,
        // A cursor edited in the address bar: no such page.
        Err(e) if e.code == ErrorCode::InvalidCursor => {
            return Err(ConsoleError::NotFound);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(html(&AuditPage {
        shell: Shell::new(&clerk, "操作日志", "/console/settings"),
        section: "audit",
        lines: items
            .into_iter()
            .map(|a| AuditLine {
                at: date_and_time(a.at),
                actor: a.actor_name,
                action: labels::audit_action(a.action),
                detail: a.detail,
                via: labels::via(a.via),
                request_id: a.request_id,
            })
            .collect(),
        older: next.map(|c| form_urlencoded::byte_serialize(c.as_bytes()).collect()),
        paged,
    }))
}
