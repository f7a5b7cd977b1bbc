//! 活动: the list, one activity with its roster and waitlist, and what the
//! office does to them (promote, remove, publish, cancel, complete, export).
//! Every change is a form that works without JavaScript: a confirmation page
//! that says who will be told, then a POST that redirects back (so a reload
//! never repeats it).

use std::sync::Arc;

use askama::Template;
use chrono::Duration;
use lvzhi_shared::activities::{Activity, ActivityStatus, RosterEntry, SignupStatus};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::errors::ConsoleError;
use super::labels;
use super::layout::{ConfirmPage, Shell, day_and_time, html, span, xlsx};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::activities::{self, ListFilter, roster, signups};
use crate::error::AppError;
use lvzhi_shared::ids::{ActivityId, MemberId};

/// Every change carries the session's CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfForm {
    pub fn token(&self) -> &str {
        &self.csrf
    }
}

/// A path id: anything not an id is a page that does not exist.
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ConsoleError> {
    raw.parse().map_err(|_| ConsoleError::NotFound)
}

// ---- the list ----

struct ListRow {
    id: ActivityId,
    title: String,
    kind: &'static str,
    status: &'static str,
    when: String,
    location: String,
    registered: i32,
    capacity: i32,
    waitlisted: i32,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    shell: Shell,
    past: bool,
    rows: Vec<ListRow>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    when: Option<String>,
}

/// `GET /console/activities[?when=past]`: what is coming (with drafts), or
/// the past year, newest first.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let past = query.when.as_deref() == Some("past");
    let now = clerk.ctx.now;
    let filter = if past {
        ListFilter {
            from: Some(now - Duration::days(366)),
            to: Some(now),
            limit: lvzhi_shared::validate::MAX_PAGE_SIZE,
            ..ListFilter::default()
        }
    } else {
        ListFilter {
            limit: lvzhi_shared::validate::MAX_PAGE_SIZE,
            ..ListFilter::default()
        }
    };
    let (mut items, _) = state
        .read(&clerk.ctx, move |conn, ctx| {
            activities::list(conn, ctx, &filter)
        })
        .await?;
    if past {
        items.reverse();
    }
    let rows = items
        .into_iter()
        .map(|a| ListRow {
            kind: labels::kind(a.kind),
            status: labels::status(a.status),
            when: day_and_time(a.starts_at),
            id: a.id,
            title: a.title,
            location: a.location,
            registered: a.registered,
            capacity: a.capacity,
            waitlisted: a.waitlisted,
        })
        .collect();
    Ok(html(&ListPage {
        shell: Shell::new(&clerk, "活动", "/console/activities"),
        past,
        rows,
    }))
}

// ---- one activity ----

struct RoleLine {
    name: String,
    sector: String,
    registered: i32,
    capacity: i32,
    waitlisted: i32,
}

struct RosterLine {
    member_id: MemberId,
    name: String,
    member_no: String,
    phone: String,
    sector: String,
    role: String,
    position: i32,
    attendance: &'static str,
    checked_in: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct DetailPage {
    shell: Shell,
    id: ActivityId,
    kind: &'static str,
    status: &'static str,
    when: String,
    location: String,
    description: String,
    capacity: i32,
    registered_count: i32,
    waitlisted_count: i32,
    cancel_reason: Option<String>,
    roles: Vec<RoleLine>,
    registered: Vec<RosterLine>,
    waitlist: Vec<RosterLine>,
    can_publish: bool,
    can_cancel: bool,
    can_complete: bool,
    can_change_roster: bool,
    can_check_in: bool,
    /// An inspection's findings, an outreach's outcome, a training's materials.
    findings: Option<Vec<super::findings::FindingLine>>,
    outcome: Option<super::outcome::OutcomeSection>,
    materials: Option<Vec<super::materials::MaterialLine>>,
    /// What just happened, or why it did not.
    done: Option<&'static str>,
    problem: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

/// What a finished action says on the page it returns to.
fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "活动已保存为草稿。核对无误后点“发布活动”，委员才能看到并报名。",
        "saved" => "修改已保存。",
        "promoted" => "已转为正式报名，并已通知这位委员。",
        "removed" => "已移出名单，并已通知这位委员。",
        "published" => "活动已发布，委员现在可以报名。",
        "cancelled" => "活动已取消，已通知报名和候补的委员。",
        "completed" => "活动已标记为结束。",
        "outcome_saved" => "成效已保存。",
        "material_added" => "学习材料已上传，报名的委员可以在 App 中打开。",
        "material_removed" => "学习材料已删除。",
        _ => return None,
    })
}

/// `GET /console/activities/{id}`.
#[handler]
pub async fn detail(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let done = query.done.as_deref().and_then(done_message);
    render_detail(&state, clerk, path_id(&id)?, done, None).await
}

/// The activity and its roster as the office sees them.
async fn load(
    state: &AppState,
    clerk: &Clerk,
    id: ActivityId,
) -> Result<(Activity, Vec<RosterEntry>), ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| {
            let row = activities::load(conn, ctx.caller.committee_id, id)?;
            let entries = roster::entries(conn, row.id, ctx.tz)?;
            let activity = activities::view(conn, row, ctx.caller.user_id, ctx.tz)?;
            Ok((activity, entries))
        })
        .await?)
}

async fn render_detail(
    state: &AppState,
    clerk: Clerk,
    id: ActivityId,
    done: Option<&'static str>,
    problem: Option<(StatusCode, &'static str)>,
) -> Result<Response, ConsoleError> {
    let (a, entries) = load(state, &clerk, id).await?;
    let (kind, status) = (a.kind, a.status);
    let (findings, outcome) = state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok((
                super::findings::on_activity(conn, ctx, id, kind)?,
                super::outcome::on_activity(conn, ctx, id, kind, status)?,
            ))
        })
        .await?;
    let materials = super::materials::on_activity(&a);
    let now = clerk.ctx.now;
    let started = a.starts_at.naive_utc() <= now;
    let line = |e: RosterEntry| RosterLine {
        attendance: labels::attendance(e.attendance),
        checked_in: e.checked_in_at.map(day_and_time).unwrap_or_default(),
        position: e.position.unwrap_or(0),
        member_id: e.member_id,
        name: e.name,
        member_no: e.member_no.unwrap_or_default(),
        phone: e.phone,
        sector: e.sector.unwrap_or_else(|| "—".into()),
        role: e.role_name,
    };
    let (live, rest): (Vec<RosterEntry>, Vec<RosterEntry>) = entries
        .into_iter()
        .partition(|e| e.status == SignupStatus::Registered);
    let waitlist = rest
        .into_iter()
        .filter(|e| e.status == SignupStatus::Waitlisted)
        .map(line)
        .collect();
    let open = matches!(a.status, ActivityStatus::Draft | ActivityStatus::Published);
    let page = DetailPage {
        shell: Shell::new(&clerk, &a.title, "/console/activities"),
        kind: labels::kind(a.kind),
        status: labels::status(a.status),
        when: span(a.starts_at, a.ends_at),
        can_publish: a.status == ActivityStatus::Draft,
        can_cancel: open,
        can_complete: a.status == ActivityStatus::Published && started,
        can_change_roster: open,
        can_check_in: a.status == ActivityStatus::Published,
        findings,
        outcome,
        materials,
        roles: a
            .roles
            .iter()
            .map(|r| RoleLine {
                name: r.name.clone(),
                sector: r.sector.clone().unwrap_or_default(),
                registered: r.registered,
                capacity: r.capacity,
                waitlisted: r.waitlisted,
            })
            .collect(),
        registered: live.into_iter().map(line).collect(),
        waitlist,
        id: a.id,
        location: a.location,
        description: a.description,
        capacity: a.capacity,
        registered_count: a.registered,
        waitlisted_count: a.waitlisted,
        cancel_reason: a.cancel_reason,
        done,
        problem: problem.map(|(_, p)| p),
    };
    let mut resp = html(&page);
    if let Some((status, _)) = problem {
        resp.set_status(status);
    }
    Ok(resp)
}

/// Runs an office action; on success back to the activity with `done`, on
/// a refusal the activity again with the reason (never a bare error page).
async fn act<F>(
    state: &AppState,
    clerk: Clerk,
    id: ActivityId,
    done: &str,
    work: F,
) -> Result<Response, ConsoleError>
where
    F: FnOnce(&mut crate::db::DbConnection, &crate::domain::Ctx) -> Result<(), AppError>
        + Send
        + 'static,
{
    match state.write(&clerk.ctx, work).await {
        Ok(()) => Ok(
            Redirect::see_other(format!("/console/activities/{id}?done={done}")).into_response(),
        ),
        Err(e) if e.status().is_client_error() && e.code != lvzhi_shared::ErrorCode::NotFound => {
            let status = e.status();
            render_detail(
                state,
                clerk,
                id,
                None,
                Some((status, labels::refusal(e.code))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- changes to the roster: a confirmation, then the change ----

/// The member's name on this activity's roster, if they are on it.
async fn on_roster(
    state: &AppState,
    clerk: &Clerk,
    id: ActivityId,
    member_id: MemberId,
) -> Result<(Activity, RosterEntry), ConsoleError> {
    let (activity, entries) = load(state, clerk, id).await?;
    let entry = entries
        .into_iter()
        .find(|e| {
            e.member_id == member_id
                && matches!(
                    e.status,
                    SignupStatus::Registered | SignupStatus::Waitlisted
                )
        })
        .ok_or(ConsoleError::NotFound)?;
    Ok((activity, entry))
}

/// What the office may do to one member's place on the roster.
#[derive(Clone, Copy)]
enum RosterChange {
    Promote,
    Remove,
}

impl RosterChange {
    fn path(self) -> &'static str {
        match self {
            RosterChange::Promote => "promote",
            RosterChange::Remove => "remove",
        }
    }

    /// The confirmation: the question and who will be told what.
    fn confirm(self, activity: &Activity, entry: &RosterEntry, clerk: &Clerk) -> ConfirmPage {
        let (question, mut told, button, title, danger) = match self {
            RosterChange::Promote => (
                format!(
                    "将候补第 {} 位的 {} 转为「{}」的正式报名？",
                    entry.position.unwrap_or(0),
                    entry.name,
                    activity.title
                ),
                vec![format!(
                    "{}：手机推送和消息中心通知“已获得名额”",
                    entry.name
                )],
                "确认转为正式报名",
                "确认递补",
                false,
            ),
            RosterChange::Remove => (
                format!("将 {} 移出「{}」的名单？", entry.name, activity.title),
                vec![format!(
                    "{}：手机推送和消息中心通知“已被移出名单”",
                    entry.name
                )],
                "确认移出",
                "确认移出",
                true,
            ),
        };
        if matches!(self, RosterChange::Remove)
            && entry.status == SignupStatus::Registered
            && activity.waitlisted > 0
        {
            told.push("同一岗位候补名单上排在最前的委员：通知“已获得名额”".into());
        }
        let (id, member) = (activity.id, entry.member_id);
        ConfirmPage {
            question,
            told,
            action: format!("/console/activities/{id}/{}/{member}", self.path()),
            button,
            back: format!("/console/activities/{id}"),
            danger,
            shell: Shell::new(clerk, title, "/console/activities"),
        }
    }
}

async fn confirm_change(
    change: RosterChange,
    req: &Request,
    state: &AppState,
    (id, member): (String, String),
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    let (id, member): (ActivityId, MemberId) = (path_id(&id)?, path_id(&member)?);
    let (activity, entry) = on_roster(state, &clerk, id, member).await?;
    Ok(html(&change.confirm(&activity, &entry, &clerk)))
}

async fn apply_change(
    change: RosterChange,
    req: &Request,
    state: &AppState,
    (id, member): (String, String),
    form: CsrfForm,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let (id, member): (ActivityId, MemberId) = (path_id(&id)?, path_id(&member)?);
    let done = match change {
        RosterChange::Promote => "promoted",
        RosterChange::Remove => "removed",
    };
    act(state, clerk, id, done, move |conn, ctx| {
        match change {
            RosterChange::Promote => signups::promote_by_office(conn, ctx, id, member),
            RosterChange::Remove => signups::remove_by_office(conn, ctx, id, member),
        }
        .map(|_| ())
    })
    .await
}

/// `GET /console/activities/{id}/promote/{member}`: who gets the place, who is told.
#[handler]
pub async fn confirm_promote(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(ids): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    confirm_change(RosterChange::Promote, req, &state, ids).await
}

/// `POST /console/activities/{id}/promote/{member}`.
#[handler]
pub async fn promote(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(ids): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    apply_change(RosterChange::Promote, req, &state, ids, form).await
}

/// `GET /console/activities/{id}/remove/{member}`.
#[handler]
pub async fn confirm_remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(ids): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    confirm_change(RosterChange::Remove, req, &state, ids).await
}

/// `POST /console/activities/{id}/remove/{member}`.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(ids): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    apply_change(RosterChange::Remove, req, &state, ids, form).await
}

// ---- the activity's own life ----

/// `POST /console/activities/{id}/publish`.
#[handler]
pub async fn publish(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: ActivityId = path_id(&id)?;
    act(&state, clerk, id, "published", move |conn, ctx| {
        activities::publish(conn, ctx, id)
    })
    .await
}

/// `POST /console/activities/{id}/complete`.
#[handler]
pub async fn complete(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: ActivityId = path_id(&id)?;
    act(&state, clerk, id, "completed", move |conn, ctx| {
        activities::complete(conn, ctx, id)
    })
    .await
}

#[derive(Template)]
#[template(path = "cancel.html")]
struct CancelPage {
    shell: Shell,
    id: ActivityId,
    title: String,
    told: i32,
    reason: String,
    problem: Option<&'static str>,
}

/// The cancel form: how many will be told; on a retry, what was typed and why not.
async fn cancel_page(
    state: &AppState,
    clerk: Clerk,
    id: ActivityId,
    reason: String,
    problem: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let (activity, _) = load(state, &clerk, id).await?;
    let mut resp = html(&CancelPage {
        told: activity.registered + activity.waitlisted,
        title: activity.title,
        id,
        reason,
        problem,
        shell: Shell::new(&clerk, "取消活动", "/console/activities"),
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

/// `GET /console/activities/{id}/cancel`: the reason, and who will be told.
#[handler]
pub async fn cancel_form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    cancel_page(&state, clerk, path_id(&id)?, String::new(), None).await
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/activities/{id}/cancel`.
#[handler]
pub async fn cancel(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: ActivityId = path_id(&id)?;
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() {
        // Members are owed a reason: ask again, keeping the page as it was.
        let problem = "请写明取消的原因，委员会在通知里看到它。";
        return cancel_page(&state, clerk, id, form.reason, Some(problem)).await;
    }
    act(&state, clerk, id, "cancelled", move |conn, ctx| {
        activities::cancel(conn, ctx, id, Some(&reason))
    })
    .await
}

/// `GET /console/activities/{id}/roster.xlsx`: the roster as a workbook
/// (recorded in the audit log, like the API's export).
#[handler]
pub async fn roster_file(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: ActivityId = path_id(&id)?;
    let items = state
        .write(&clerk.ctx, move |conn, ctx| {
            roster::for_export(conn, ctx, id)
        })
        .await?;
    let bytes = roster::table(&items).to_xlsx("报名名单")?;
    Ok(xlsx(bytes, "roster.xlsx"))
}

// ---- attendance and the paper sign-in sheet ----

struct MarkLine {
    member_id: MemberId,
    name: String,
    sector: String,
    checked_in: String,
    /// The stored mark's wire spelling, or "" when none.
    mark: &'static str,
}

#[derive(Template)]
#[template(path = "attendance.html")]
struct AttendancePage {
    shell: Shell,
    id: ActivityId,
    title: String,
    lines: Vec<MarkLine>,
    marks: [(&'static str, &'static str); 3],
    open: bool,
    done: bool,
    problem: Option<&'static str>,
}

const MARKS: [(&str, &str); 3] = [
    ("attended", "出席"),
    ("absent", "缺席"),
    ("excused", "请假"),
];

async fn render_attendance(
    state: &AppState,
    clerk: Clerk,
    id: ActivityId,
    done: bool,
    problem: Option<(StatusCode, &'static str)>,
) -> Result<Response, ConsoleError> {
    let (a, entries) = load(state, &clerk, id).await?;
    let lines = entries
        .into_iter()
        .filter(|e| e.status == SignupStatus::Registered)
        .map(|e| MarkLine {
            mark: e.attendance.map_or("", |m| m.as_str()),
            checked_in: e.checked_in_at.map(day_and_time).unwrap_or_default(),
            member_id: e.member_id,
            name: e.name,
            sector: e.sector.unwrap_or_else(|| "—".into()),
        })
        .collect();
    let page = AttendancePage {
        shell: Shell::new(&clerk, "出勤登记", "/console/activities"),
        open: matches!(
            a.status,
            ActivityStatus::Published | ActivityStatus::Completed
        ) && a.starts_at.naive_utc() <= clerk.ctx.now,
        id: a.id,
        title: a.title,
        lines,
        marks: MARKS,
        done,
        problem: problem.map(|(_, p)| p),
    };
    let mut resp = html(&page);
    if let Some((status, _)) = problem {
        resp.set_status(status);
    }
    Ok(resp)
}

/// `GET /console/activities/{id}/attendance`: one row per registered member.
#[handler]
pub async fn attendance(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let done = query.done.as_deref() == Some("marked");
    render_attendance(&state, clerk, path_id(&id)?, done, None).await
}

/// `POST /console/activities/{id}/attendance`: the marks as sent (`m.<member id>`
/// = attended | absent | excused), or `all=attended` for everyone at once.
#[handler]
pub async fn mark(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    clerk.check_csrf(req, csrf)?;
    let id: ActivityId = path_id(&id)?;
    let everyone = fields.iter().any(|(k, v)| k == "all" && v == "attended");
    let mut entries = Vec::new();
    if everyone {
        let (_, roster) = load(&state, &clerk, id).await?;
        entries.extend(
            roster
                .into_iter()
                .filter(|e| e.status == SignupStatus::Registered)
                .map(|e| lvzhi_shared::activities::AttendanceEntry {
                    member_id: e.member_id,
                    attendance: lvzhi_shared::activities::Attendance::Attended,
                }),
        );
    } else {
        for (key, value) in &fields {
            let Some(member) = key.strip_prefix("m.") else {
                continue;
            };
            let marked =
                lvzhi_shared::activities::Attendance::parse(value).ok_or(ConsoleError::NotFound)?;
            entries.push(lvzhi_shared::activities::AttendanceEntry {
                member_id: path_id(member)?,
                attendance: marked,
            });
        }
    }
    let stored = state
        .write(&clerk.ctx, move |conn, ctx| {
            crate::domain::activities::checkin::mark_attendance(conn, ctx, id, &entries)
        })
        .await;
    match stored {
        Ok(_) => Ok(Redirect::see_other(format!(
            "/console/activities/{id}/attendance?done=marked"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != lvzhi_shared::ErrorCode::NotFound => {
            let status = e.status();
            render_attendance(
                &state,
                clerk,
                id,
                false,
                Some((status, labels::refusal(e.code))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage {
    title: String,
    when: String,
    location: String,
    committee: String,
    names: Vec<(String, String)>,
    style: &'static str,
}

/// `GET /console/activities/{id}/sheet`: the paper sign-in sheet (签到表),
/// to print: the registered members by name with a column to sign in.
#[handler]
pub async fn sheet(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (a, entries) = load(&state, &clerk, path_id(&id)?).await?;
    Ok(html(&SheetPage {
        when: span(a.starts_at, a.ends_at),
        location: a.location,
        committee: clerk.committee_name.clone(),
        names: entries
            .into_iter()
            .filter(|e| e.status == SignupStatus::Registered)
            .map(|e| (e.name, e.sector.unwrap_or_default()))
            .collect(),
        title: a.title,
        style: super::assets::style_url(),
    }))
}
