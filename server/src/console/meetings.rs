//! 会议: the list (what is coming, or what is over), one meeting with its
//! sessions, answers, leave requests, the attendance grid per session and its
//! appraisal rounds; publishing the notice (after a confirmation), cancelling
//! with a reason, and leave the office records for a member who phoned in.
//! Every change is a POST form that redirects back.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{AppraisalId, MeetingId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{
    Appraisal, LeaveRequest, LeaveStatus, Meeting, MeetingAnswer, MeetingAttendance, MeetingStatus,
    RecordedLeave, SessionAttendance,
};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::{CsrfForm, path_id};
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{ConfirmPage, Shell, day_and_time, html, span};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::idempotency;
use crate::domain::meetings::{appraisals, attendance, leave, plan, views};
use crate::error::AppError;

// ---- the list ----

struct ListRow {
    id: MeetingId,
    title: String,
    kind: &'static str,
    status: &'static str,
    cancelled: bool,
    when: String,
    place: String,
    body: String,
    sessions: usize,
    summoned: i32,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<ListRow>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    when: Option<String>,
}

/// `GET /console/meetings[?when=past]`: meetings not over yet, soonest
/// first (drafts included); or those over, latest first.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let past = query.when.as_deref() == Some("past");
    let items = state
        .read(&clerk.ctx, move |conn, ctx| views::list(conn, ctx, past))
        .await?;
    let now = clerk.ctx.now;
    let mut rows: Vec<ListRow> = items
        .into_iter()
        .filter(|m| {
            // With `past`, the domain lists every meeting; this tab shows those over.
            let over = m.sessions.iter().all(|s| s.ends_at.naive_utc() < now);
            !past || over
        })
        .map(|m| ListRow {
            kind: labels::meeting_kind(m.kind),
            status: labels::meeting_status(m.status),
            cancelled: m.status == MeetingStatus::Cancelled,
            when: m
                .sessions
                .first()
                .map(|s| day_and_time(s.starts_at))
                .unwrap_or_default(),
            place: m
                .sessions
                .first()
                .map(|s| s.place.clone())
                .unwrap_or_default(),
            sessions: m.sessions.len(),
            id: m.id,
            title: m.title,
            body: m.body_name,
            summoned: m.summoned,
        })
        .collect();
    if past {
        rows.reverse();
    }
    Ok(html(&ListPage {
        shell: Shell::new(&clerk, "会议", "/console/meetings"),
        tab: if past { "past" } else { "upcoming" },
        rows,
    }))
}

// ---- one meeting ----

struct SessionLine {
    id: MeetingSessionId,
    title: String,
    when: String,
    place: String,
}

struct LeaveLine {
    member: String,
    sessions: String,
    reason: String,
    status: &'static str,
    pending: bool,
    requested: String,
    by_office: bool,
    decided: String,
    note: String,
}

struct GridLine {
    name: String,
    voting: bool,
    answer: &'static str,
    /// (label, css class) per session.
    cells: Vec<(&'static str, &'static str)>,
}

struct RoundLine {
    id: AppraisalId,
    title: String,
    status: &'static str,
    voted: i32,
    eligible: i32,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The office's leave form as typed.
#[derive(Default, Clone)]
pub(super) struct LeaveDraft {
    once: String,
    member_id: String,
    sessions: Vec<String>,
    reason: String,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct DetailPage {
    shell: Shell,
    id: MeetingId,
    kind: &'static str,
    status: &'static str,
    body: String,
    agenda: String,
    deadline: String,
    summoned: i32,
    answered_attend: usize,
    answered_leave: usize,
    answered_pending: usize,
    is_draft: bool,
    is_published: bool,
    is_cancelled: bool,
    sessions: Vec<SessionLine>,
    leave: Vec<LeaveLine>,
    pending_leave: usize,
    grid_sessions: Vec<String>,
    grid: Vec<GridLine>,
    rounds: Vec<RoundLine>,
    documents: Vec<super::materials::MaterialLine>,
    members: Vec<Choice>,
    session_choices: Vec<Choice>,
    d: LeaveDraft,
    problems: Problems,
    done: Option<&'static str>,
    problem: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "会议已保存为草稿。核对场次和应到名单后点“发布会议通知”。",
        "saved" => "修改已保存。",
        "rescheduled" => "会议已改期：原有请假已作废，已通知全体应到人员重新答复。",
        "published" => "会议通知已发出，应到人员会在 App 中收到通知并答复。",
        "cancelled" => "会议已取消，已通知应到人员。",
        "leave_recorded" => "请假已登记并准假。",
        "material_added" => "会议材料已上传，应到人员可在 App 中打开。",
        "material_removed" => "会议材料已删除。",
        _ => return None,
    })
}

fn cell(a: SessionAttendance) -> (&'static str, &'static str) {
    let class = match a {
        SessionAttendance::Present => "att-present",
        SessionAttendance::Late => "att-late",
        SessionAttendance::Excused => "att-excused",
        SessionAttendance::Absent => "att-absent",
        SessionAttendance::Expected => "att-expected",
    };
    (labels::session_attendance(a), class)
}

/// What the meeting page shows, read in one transaction.
struct Loaded {
    meeting: Meeting,
    leave: Vec<LeaveRequest>,
    grid: MeetingAttendance,
    rounds: Vec<Appraisal>,
}

async fn load(state: &AppState, clerk: &Clerk, id: MeetingId) -> Result<Loaded, ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok(Loaded {
                meeting: views::view(conn, ctx, id)?,
                leave: leave::of_meeting(conn, ctx, id)?,
                grid: attendance::attendance(conn, ctx, id)?,
                rounds: appraisals::list(conn, ctx, Some(id))?,
            })
        })
        .await?)
}

/// The sessions a request names, by title ("全部场次" for all of them).
pub(super) fn session_titles(
    asked: &[MeetingSessionId],
    titles: &HashMap<MeetingSessionId, String>,
) -> String {
    if asked.len() >= titles.len() {
        return "全部场次".into();
    }
    asked
        .iter()
        .filter_map(|s| titles.get(s).cloned())
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) async fn render_detail(
    state: &AppState,
    clerk: &Clerk,
    id: MeetingId,
    done: Option<&'static str>,
    problem: Option<(StatusCode, &'static str)>,
    mut d: LeaveDraft,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let Loaded {
        meeting: m,
        leave,
        grid,
        rounds,
    } = load(state, clerk, id).await?;
    if d.once.is_empty() {
        d.once = console_sessions::random_token();
    }
    let titles: HashMap<MeetingSessionId, String> =
        m.sessions.iter().map(|s| (s.id, s.title.clone())).collect();
    let count = |a: MeetingAnswer| grid.items.iter().filter(|l| l.answer == a).count();
    let status = match (&problem, problems.is_empty()) {
        (Some((status, _)), _) => *status,
        (None, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, true) => StatusCode::OK,
    };
    let page = DetailPage {
        shell: Shell::new(clerk, &m.title, "/console/meetings"),
        id: m.id,
        kind: labels::meeting_kind(m.kind),
        status: labels::meeting_status(m.status),
        body: m.body_name.clone(),
        agenda: m.agenda.clone(),
        deadline: day_and_time(m.leave_deadline),
        summoned: m.summoned,
        answered_attend: count(MeetingAnswer::Attend),
        answered_leave: count(MeetingAnswer::Leave),
        answered_pending: count(MeetingAnswer::Pending),
        is_draft: m.status == MeetingStatus::Draft,
        is_published: m.status == MeetingStatus::Published,
        is_cancelled: m.status == MeetingStatus::Cancelled,
        sessions: m
            .sessions
            .iter()
            .map(|s| SessionLine {
                id: s.id,
                title: s.title.clone(),
                when: span(s.starts_at, s.ends_at),
                place: s.place.clone(),
            })
            .collect(),
        pending_leave: leave
            .iter()
            .filter(|l| l.status == LeaveStatus::Pending)
            .count(),
        leave: leave
            .into_iter()
            .rev()
            .map(|l| LeaveLine {
                sessions: session_titles(&l.sessions, &titles),
                status: labels::leave_status(l.status),
                pending: l.status == LeaveStatus::Pending,
                requested: day_and_time(l.requested_at),
                by_office: l.recorded_by_office,
                decided: match (l.decided_by, l.decided_at) {
                    (Some(by), Some(at)) => format!("{by}，{}", day_and_time(at)),
                    _ => String::new(),
                },
                note: l.note.unwrap_or_default(),
                member: l.member_name,
                reason: l.reason,
            })
            .collect(),
        grid_sessions: grid.sessions.iter().map(|s| s.title.clone()).collect(),
        members: grid
            .items
            .iter()
            .map(|l| Choice {
                value: l.member_id.to_string(),
                selected: l.member_id.to_string() == d.member_id,
                label: if l.voting {
                    l.name.clone()
                } else {
                    format!("{}（列席）", l.name)
                },
            })
            .collect(),
        grid: grid
            .items
            .into_iter()
            .map(|l| GridLine {
                answer: labels::meeting_answer(l.answer),
                cells: l.sessions.into_iter().map(cell).collect(),
                name: l.name,
                voting: l.voting,
            })
            .collect(),
        documents: super::materials::on_meeting(m.id, &m.documents),
        rounds: rounds
            .into_iter()
            .map(|r| RoundLine {
                id: r.id,
                status: labels::appraisal_status(r.status),
                voted: r.voted,
                eligible: r.eligible,
                title: r.title,
            })
            .collect(),
        session_choices: m
            .sessions
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                selected: d.sessions.contains(&s.id.to_string()),
                label: format!("{}（{}）", s.title, day_and_time(s.starts_at)),
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

/// `GET /console/meetings/{id}`.
#[handler]
pub async fn detail(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let done = query.done.as_deref().and_then(done_message);
    let id = path_id(&id)?;
    render_detail(
        &state,
        &clerk,
        id,
        done,
        None,
        LeaveDraft::default(),
        Problems::default(),
    )
    .await
}

/// Runs a change of the meeting's; on success back to it with `done`, on a
/// refusal the meeting again with the reason.
async fn act<F>(
    state: &AppState,
    clerk: &Clerk,
    id: MeetingId,
    done: &str,
    work: F,
) -> Result<Response, ConsoleError>
where
    F: FnOnce(&mut crate::db::DbConnection, &crate::domain::Ctx) -> Result<(), AppError>
        + Send
        + 'static,
{
    match state.write(&clerk.ctx, work).await {
        Ok(()) => {
            Ok(Redirect::see_other(format!("/console/meetings/{id}?done={done}")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problem = Some((e.status(), labels::meeting_refusal(e.code)));
            let (d, p) = (LeaveDraft::default(), Problems::default());
            render_detail(state, clerk, id, None, problem, d, p).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- publishing ----

/// `GET /console/meetings/{id}/publish`: who will be told.
#[handler]
pub async fn confirm_publish(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: MeetingId = path_id(&id)?;
    let m = state
        .read(&clerk.ctx, move |conn, ctx| views::view(conn, ctx, id))
        .await?;
    if m.status != MeetingStatus::Draft {
        let problem = Some((
            StatusCode::OK,
            "会议通知已经发出（或会议已取消），不能再发布。",
        ));
        let (d, p) = (LeaveDraft::default(), Problems::default());
        return render_detail(&state, &clerk, id, None, problem, d, p).await;
    }
    let first = m.sessions.first().map(|s| day_and_time(s.starts_at));
    Ok(html(&ConfirmPage {
        question: format!("发布「{}」的会议通知？", m.title),
        told: vec![
            format!(
                "「{}」在{}当天的全体成员，以及列席人员：手机推送和消息中心的会议通知，请他们答复出席或请假",
                m.body_name,
                first.unwrap_or_default()
            ),
            format!("请假截止：{}", day_and_time(m.leave_deadline)),
        ],
        action: format!("/console/meetings/{id}/publish"),
        button: "确认发布会议通知",
        back: format!("/console/meetings/{id}"),
        danger: false,
        shell: Shell::new(&clerk, "发布会议通知", "/console/meetings"),
    }))
}

/// `POST /console/meetings/{id}/publish`.
#[handler]
pub async fn publish(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let id: MeetingId = path_id(&id)?;
    act(&state, &clerk, id, "published", move |conn, ctx| {
        plan::publish(conn, ctx, id)
    })
    .await
}

// ---- cancelling ----

#[derive(Template)]
#[template(path = "meeting_cancel.html")]
struct CancelPage {
    shell: Shell,
    id: MeetingId,
    title: String,
    told: i32,
    reason: String,
    problem: Option<&'static str>,
}

async fn cancel_page(
    state: &AppState,
    clerk: &Clerk,
    id: MeetingId,
    reason: String,
    problem: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let m = state
        .read(&clerk.ctx, move |conn, ctx| views::view(conn, ctx, id))
        .await?;
    if m.status == MeetingStatus::Cancelled {
        let problem = Some((StatusCode::OK, "会议已经取消。"));
        let (d, p) = (LeaveDraft::default(), Problems::default());
        return render_detail(state, clerk, id, None, problem, d, p).await;
    }
    let mut resp = html(&CancelPage {
        shell: Shell::new(clerk, "取消会议", "/console/meetings"),
        id,
        title: m.title,
        told: m.summoned,
        reason,
        problem,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

/// `GET /console/meetings/{id}/cancel`.
#[handler]
pub async fn cancel_form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    cancel_page(&state, &clerk, path_id(&id)?, String::new(), None).await
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/meetings/{id}/cancel`.
#[handler]
pub async fn cancel(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: MeetingId = path_id(&id)?;
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() {
        let problem = "请写明取消的原因，应到人员会在通知里看到它。";
        return cancel_page(&state, &clerk, id, form.reason, Some(problem)).await;
    }
    act(&state, &clerk, id, "cancelled", move |conn, ctx| {
        plan::cancel(conn, ctx, id, &reason)
    })
    .await
}

// ---- leave the office records ----

/// `POST /console/meetings/{id}/leave`: leave for a member who phoned the
/// office (`session` may repeat; none: the whole meeting).
#[handler]
pub async fn record_leave(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let mut d = LeaveDraft::default();
    let mut csrf = String::new();
    for (k, v) in fields {
        match k.as_str() {
            "csrf" => csrf = v,
            "once" => d.once = v,
            "member_id" => d.member_id = v,
            "session" => d.sessions.push(v),
            "reason" => d.reason = v,
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&csrf))?;
    let id: MeetingId = path_id(&id)?;
    // Another committee's meeting does not exist, whatever the form holds.
    state
        .read(&clerk.ctx, move |conn, ctx| views::view(conn, ctx, id))
        .await?;
    let mut problems = Problems::default();
    let member: Option<MemberId> = d.member_id.parse().ok();
    if member.is_none() {
        problems.add("member_id", "请选择委员。");
    }
    let sessions: Vec<MeetingSessionId> =
        d.sessions.iter().filter_map(|s| s.parse().ok()).collect();
    let Some(member_id) = member else {
        return render_detail(&state, &clerk, id, None, None, d, problems).await;
    };
    let input = RecordedLeave {
        member_id,
        sessions,
        reason: d.reason.clone(),
    };
    let once = d.once.clone();
    let recorded = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:record_leave",
                &once,
                ctx.now,
                |conn| leave::record(conn, ctx, id, &input).map(|_| ()),
            )
        })
        .await;
    match recorded {
        Ok(()) => Ok(Redirect::see_other(format!(
            "/console/meetings/{id}?done=leave_recorded#leave-h"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let field = match e.field.as_deref() {
                Some("member_id") => "member_id",
                Some("reason") => "reason",
                Some(f) if f.starts_with("sessions") => "sessions",
                _ => "leave",
            };
            let problem = match (e.code, field) {
                (ErrorCode::FieldRequired, _) => "必填。",
                (ErrorCode::FieldTooLong, _) => "太长了，请删减。",
                _ => labels::meeting_refusal(e.code),
            };
            problems.add(field, problem);
            render_detail(&state, &clerk, id, None, None, d, problems).await
        }
        Err(e) => Err(e.into()),
    }
}
