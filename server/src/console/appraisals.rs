//! 民主评议: a meeting's appraisal rounds. Setting one up (the departments
//! one per line, the electorate), opening it for voting, closing it after a
//! confirmation, the results once it is closed (the domain refuses them
//! before: the page then says when they will be shown), and the
//! rectification items per department with due dates, status and dated
//! follow-up notes.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{AppraisalId, DepartmentId, MeetingId, RectificationId};
use lvzhi_shared::meetings::{
    Appraisal, AppraisalResults, AppraisalStatus, Electorate, MeetingStatus, NewAppraisal,
    NewRectification, Rectification, RectificationStatus, RectificationUpdate,
};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::{CsrfForm, path_id};
use super::activity_form::Problems;
use super::bodies::typed_date;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{ConfirmPage, Shell, date_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::idempotency;
use crate::domain::meetings::{appraisals, rectifications, views};
use crate::error::AppError;

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

// ---- setting a round up ----

#[derive(Default)]
struct Draft {
    once: String,
    title: String,
    departments: String,
    electorate: String,
}

#[derive(Template)]
#[template(path = "appraisal_form.html")]
struct FormPage {
    shell: Shell,
    meeting_id: MeetingId,
    meeting: String,
    d: Draft,
    electorates: Vec<Choice>,
    problems: Problems,
}

async fn form_page(
    state: &AppState,
    clerk: &Clerk,
    meeting_id: MeetingId,
    d: Draft,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let m = state
        .read(&clerk.ctx, move |conn, ctx| {
            views::view(conn, ctx, meeting_id)
        })
        .await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&FormPage {
        shell: Shell::new(clerk, "设置民主评议", "/console/meetings"),
        meeting_id,
        meeting: m.title,
        electorates: Electorate::ALL
            .iter()
            .map(|e| Choice {
                value: e.as_str().into(),
                label: labels::electorate(*e).into(),
                selected: d.electorate == e.as_str(),
            })
            .collect(),
        d,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/meetings/{id}/appraisals/new`.
#[handler]
pub async fn new(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let d = Draft {
        once: console_sessions::random_token(),
        electorate: Electorate::CheckedIn.as_str().into(),
        ..Draft::default()
    };
    form_page(&state, &clerk, path_id(&id)?, d, Problems::default()).await
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    departments: String,
    #[serde(default)]
    electorate: String,
}

/// `POST /console/meetings/{id}/appraisals/new`: a draft round, then its page.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<NewForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let meeting_id: MeetingId = path_id(&id)?;
    // Another committee's meeting does not exist, whatever the form holds.
    state
        .read(&clerk.ctx, move |conn, ctx| {
            views::view(conn, ctx, meeting_id)
        })
        .await?;
    let d = Draft {
        once: form.once,
        title: form.title,
        departments: form.departments,
        electorate: form.electorate,
    };
    let input = NewAppraisal {
        meeting_id,
        title: d.title.clone(),
        departments: d
            .departments
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        electorate: Electorate::parse(&d.electorate),
    };
    let once = d.once.clone();
    let created = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:create_appraisal",
                &once,
                ctx.now,
                |conn| appraisals::create(conn, ctx, &input).map(|a| a.id),
            )
        })
        .await;
    match created {
        Ok(id) => Ok(
            Redirect::see_other(format!("/console/appraisals/{id}?done=created")).into_response(),
        ),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let mut problems = Problems::default();
            let field = e.field.as_deref().unwrap_or_default();
            match (e.code, field) {
                (ErrorCode::FieldRequired, "title") => problems.add("title", "必填。"),
                (ErrorCode::FieldTooLong, "title") => problems.add("title", "太长了，请删减。"),
                (ErrorCode::FieldRequired, "departments") => {
                    problems.add("departments", "请填写被评议的部门，每行一个。");
                }
                (_, f) if f.starts_with("departments") => problems.add(
                    "departments",
                    "部门名称不能重复，每个不超过 200 字，最多 100 个。",
                ),
                _ => problems.add("form", labels::meeting_refusal(e.code)),
            }
            form_page(&state, &clerk, meeting_id, d, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- a round ----

struct ResultLine {
    rank: i32,
    name: String,
    satisfied: i32,
    basically: i32,
    unsatisfied: i32,
    cannot_judge: i32,
    rate: String,
}

struct ResultsView {
    valid: bool,
    eligible: i32,
    ballots: i32,
    turnout: String,
    lines: Vec<ResultLine>,
}

struct ItemLine {
    id: RectificationId,
    department: String,
    item: String,
    due_on: String,
    status: &'static str,
    statuses: Vec<Choice>,
    notes: Vec<(String, String)>,
    note: String,
    problem: Option<&'static str>,
}

#[derive(Default)]
struct ItemDraft {
    once: String,
    department_id: String,
    item: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "appraisal.html")]
struct RoundPage {
    shell: Shell,
    id: AppraisalId,
    meeting_id: MeetingId,
    meeting: String,
    status: &'static str,
    electorate: &'static str,
    departments: Vec<String>,
    voted: i32,
    eligible: i32,
    is_draft: bool,
    is_open: bool,
    meeting_published: bool,
    results: Option<ResultsView>,
    /// Rectifications follow a closed, valid round.
    can_rectify: bool,
    items: Vec<ItemLine>,
    department_choices: Vec<Choice>,
    d: ItemDraft,
    problems: Problems,
    done: Option<&'static str>,
    problem: Option<&'static str>,
}

/// Percent with one decimal: `83.3%`.
fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A rectification a follow-up was refused for: the note typed and why.
type FailedItem = (RectificationId, String, &'static str);

struct Shown {
    done: Option<&'static str>,
    problem: Option<(StatusCode, &'static str)>,
    d: ItemDraft,
    problems: Problems,
    failed: Option<FailedItem>,
}

impl Shown {
    fn plain(done: Option<&'static str>) -> Self {
        Shown {
            done,
            problem: None,
            d: ItemDraft::default(),
            problems: Problems::default(),
            failed: None,
        }
    }
}

async fn round_page(
    state: &AppState,
    clerk: &Clerk,
    id: AppraisalId,
    shown: Shown,
) -> Result<Response, ConsoleError> {
    let (round, meeting, results, items): (
        Appraisal,
        _,
        Option<AppraisalResults>,
        Vec<Rectification>,
    ) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let round = appraisals::view(conn, ctx, id)?;
            let meeting = views::view(conn, ctx, round.meeting_id)?;
            // The domain decides when results may be seen: before the close, never.
            let results = match appraisals::results(conn, ctx, id) {
                Ok(r) => Some(r),
                Err(e) if e.code == ErrorCode::ResultsNotReady => None,
                Err(e) => return Err(e),
            };
            let items = rectifications::list(conn, ctx, id)?;
            Ok((round, meeting, results, items))
        })
        .await?;
    let Shown {
        done,
        problem,
        mut d,
        problems,
        failed,
    } = shown;
    if d.once.is_empty() {
        d.once = console_sessions::random_token();
    }
    let status = match (&problem, problems.is_empty() && failed.is_none()) {
        (Some((s, _)), _) => *s,
        (None, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, true) => StatusCode::OK,
    };
    let page = RoundPage {
        shell: Shell::new(clerk, &round.title, "/console/meetings"),
        id: round.id,
        meeting_id: meeting.id,
        meeting: meeting.title,
        meeting_published: meeting.status == MeetingStatus::Published,
        status: labels::appraisal_status(round.status),
        electorate: labels::electorate(round.electorate),
        departments: round.departments.iter().map(|d| d.name.clone()).collect(),
        voted: round.voted,
        eligible: round.eligible,
        is_draft: round.status == AppraisalStatus::Draft,
        is_open: round.status == AppraisalStatus::Open,
        can_rectify: round.status == AppraisalStatus::Closed,
        department_choices: round
            .departments
            .iter()
            .map(|dep| Choice {
                selected: dep.id.to_string() == d.department_id,
                value: dep.id.to_string(),
                label: dep.name.clone(),
            })
            .collect(),
        results: results.map(|r| ResultsView {
            valid: r.status == AppraisalStatus::Closed,
            eligible: r.eligible,
            ballots: r.ballots,
            turnout: percent(r.turnout),
            lines: r
                .departments
                .into_iter()
                .map(|l| ResultLine {
                    rank: l.rank,
                    rate: percent(l.satisfaction_rate),
                    name: l.name,
                    satisfied: l.satisfied,
                    basically: l.basically_satisfied,
                    unsatisfied: l.unsatisfied,
                    cannot_judge: l.cannot_judge,
                })
                .collect(),
        }),
        items: items
            .into_iter()
            .map(|r| {
                let (note, problem) = match &failed {
                    Some((id, note, why)) if *id == r.id => (note.clone(), Some(*why)),
                    _ => (String::new(), None),
                };
                ItemLine {
                    id: r.id,
                    status: labels::rectification_status(r.status),
                    statuses: RectificationStatus::ALL
                        .iter()
                        .map(|s| Choice {
                            value: s.as_str().into(),
                            label: labels::rectification_status(*s).into(),
                            selected: *s == r.status,
                        })
                        .collect(),
                    notes: r
                        .notes
                        .into_iter()
                        .map(|n| (date_and_time(n.at), n.note))
                        .collect(),
                    due_on: r.due_on.format("%Y-%m-%d").to_string(),
                    department: r.department,
                    item: r.item,
                    note,
                    problem,
                }
            })
            .collect(),
        d,
        problems,
        done,
        problem: problem.map(|(_, p)| p),
    };
    let mut resp = html(&page);
    resp.set_status(status);
    Ok(resp)
}

#[derive(Deserialize)]
pub struct RoundQuery {
    done: Option<String>,
}

/// `GET /console/appraisals/{id}`.
#[handler]
pub async fn show_round(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<RoundQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let done = match query.done.as_deref() {
        Some("created") => {
            Some("评议已设置。会议开始后点“开始投票”，符合条件的委员即可在 App 中投票。")
        }
        Some("opened") => Some("投票已开始。"),
        Some("closed") => Some("投票已结束，结果如下。"),
        Some("item_added") => Some("整改事项已添加。"),
        Some("followed_up") => Some("跟进情况已保存。"),
        _ => None,
    };
    round_page(&state, &clerk, path_id(&id)?, Shown::plain(done)).await
}

/// Runs a change of the round's; a refusal is said on its page.
async fn act<F>(
    state: &AppState,
    clerk: &Clerk,
    id: AppraisalId,
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
            Redirect::see_other(format!("/console/appraisals/{id}?done={done}")).into_response(),
        ),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let mut shown = Shown::plain(None);
            shown.problem = Some((e.status(), labels::meeting_refusal(e.code)));
            round_page(state, clerk, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /console/appraisals/{id}/open`.
#[handler]
pub async fn open(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let id: AppraisalId = path_id(&id)?;
    act(&state, &clerk, id, "opened", move |conn, ctx| {
        appraisals::open(conn, ctx, id).map(|_| ())
    })
    .await
}

/// `GET /console/appraisals/{id}/close`: the confirmation, with the turnout so far.
#[handler]
pub async fn confirm_close(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: AppraisalId = path_id(&id)?;
    let round = state
        .read(&clerk.ctx, move |conn, ctx| appraisals::view(conn, ctx, id))
        .await?;
    if round.status != AppraisalStatus::Open {
        let mut shown = Shown::plain(None);
        shown.problem = Some((StatusCode::OK, "这轮评议不在投票中，不能结束投票。"));
        return round_page(&state, &clerk, id, shown).await;
    }
    Ok(html(&ConfirmPage {
        question: format!(
            "结束「{}」的投票？目前已投 {} 票，可投 {} 人。",
            round.title, round.voted, round.eligible
        ),
        told: vec![
            "结束后不能再投票，也不能重新开始。".into(),
            "投票人数超过可投人数的一半，结果有效；否则这轮评议记为无效。".into(),
            "结果（各部门满意率和排名）在结束后显示。".into(),
        ],
        action: format!("/console/appraisals/{id}/close"),
        button: "确认结束投票",
        back: format!("/console/appraisals/{id}"),
        danger: true,
        shell: Shell::new(&clerk, "结束评议投票", "/console/meetings"),
    }))
}

/// `POST /console/appraisals/{id}/close`.
#[handler]
pub async fn close(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let id: AppraisalId = path_id(&id)?;
    act(&state, &clerk, id, "closed", move |conn, ctx| {
        appraisals::close(conn, ctx, id).map(|_| ())
    })
    .await
}

// ---- rectifications ----

#[derive(Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    due_on: String,
}

/// `POST /console/appraisals/{id}/rectifications`: an item for a department.
#[handler]
pub async fn add_item(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<ItemForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: AppraisalId = path_id(&id)?;
    state
        .read(&clerk.ctx, move |conn, ctx| appraisals::load(conn, ctx, id))
        .await?;
    let d = ItemDraft {
        once: form.once,
        department_id: form.department_id,
        item: form.item,
        due_on: form.due_on,
    };
    let mut problems = Problems::default();
    let department: Option<DepartmentId> = d.department_id.parse().ok();
    if department.is_none() {
        problems.add("department_id", "请选择部门。");
    }
    let due = typed_date(&d.due_on, "due_on", &mut problems);
    if due.is_none() {
        problems.add("due_on", "必填。");
    }
    let (Some(department_id), Some(due_on)) = (department, due) else {
        let shown = Shown {
            d,
            problems,
            ..Shown::plain(None)
        };
        return round_page(&state, &clerk, id, shown).await;
    };
    let input = NewRectification {
        appraisal_id: id,
        department_id,
        item: d.item.clone(),
        due_on,
    };
    let once = d.once.clone();
    let added = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:add_rectification",
                &once,
                ctx.now,
                |conn| rectifications::create(conn, ctx, &input).map(|_| ()),
            )
        })
        .await;
    match added {
        Ok(()) => Ok(Redirect::see_other(format!(
            "/console/appraisals/{id}?done=item_added#items-h"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let mut problems = Problems::default();
            match (e.code, e.field.as_deref()) {
                (ErrorCode::FieldRequired, Some("item")) => problems.add("item", "必填。"),
                (ErrorCode::FieldTooLong, Some("item")) => problems.add("item", "太长了，请删减。"),
                (_, Some("department_id")) => problems.add("department_id", "请选择部门。"),
                _ => problems.add("items", labels::meeting_refusal(e.code)),
            }
            let shown = Shown {
                d,
                problems,
                ..Shown::plain(None)
            };
            round_page(&state, &clerk, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    /// The status the page showed: only a change is sent.
    #[serde(default)]
    was: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/appraisals/{id}/rectifications/{item}`: a new status, a
/// dated note, or both.
#[handler]
pub async fn follow_up(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, item)): Path<(String, String)>,
    Form(form): Form<FollowUpForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let (id, item): (AppraisalId, RectificationId) = (path_id(&id)?, path_id(&item)?);
    let items = state
        .read(&clerk.ctx, move |conn, ctx| {
            rectifications::list(conn, ctx, id)
        })
        .await?;
    if !items.iter().any(|r| r.id == item) {
        return Err(ConsoleError::NotFound);
    }
    let input = RectificationUpdate {
        status: RectificationStatus::parse(&form.status).filter(|_| form.status != form.was),
        note: Some(form.note.trim().to_owned()).filter(|n| !n.is_empty()),
    };
    let updated = state
        .write(&clerk.ctx, move |conn, ctx| {
            rectifications::update(conn, ctx, item, &input).map(|_| ())
        })
        .await;
    match updated {
        Ok(()) => Ok(Redirect::see_other(format!(
            "/console/appraisals/{id}?done=followed_up#items-h"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let why = match e.code {
                ErrorCode::FieldRequired => "请填写跟进情况，或改变状态。",
                ErrorCode::FieldTooLong => "太长了，请删减。",
                _ => labels::meeting_refusal(e.code),
            };
            let shown = Shown {
                failed: Some((item, form.note, why)),
                ..Shown::plain(None)
            };
            round_page(&state, &clerk, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}
