//! 新建会议 and 修改会议: kind, the body summoned, title, agenda, the leave
//! deadline, the sessions (a fixed number of rows, empty ones ignored, so
//! several sessions need no JavaScript) and invitees (列席) by phone or
//! member number, one per line. Changing a published meeting's session times
//! or places is a reschedule: a confirmation says that leave decisions will
//! be voided and everyone asked again, before the domain does it.

use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{BodyId, MeetingId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{
    LeaveStatus, Meeting, MeetingKind, MeetingPatch, MeetingStatus, NewMeeting, NewMeetingSession,
    SessionChange,
};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::path_id;
use super::activity_form::{Problems, local_input, when};
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::{console_sessions, members};
use crate::domain::idempotency;
use crate::domain::meetings::{bodies, leave, plan, views};
use crate::error::AppError;

/// Blank session rows a new meeting's form offers (a plenary of three days
/// is six half-days).
const ROWS: usize = 6;

#[derive(Default, Clone)]
struct SessionRow {
    /// An existing session's id (修改 only).
    id: String,
    title: String,
    starts_at: String,
    ends_at: String,
    place: String,
}

impl SessionRow {
    fn is_empty(&self) -> bool {
        [&self.title, &self.starts_at, &self.ends_at, &self.place]
            .iter()
            .all(|f| f.trim().is_empty())
    }
}

/// The form as typed.
#[derive(Default, Clone)]
struct Draft {
    csrf: String,
    once: String,
    kind: String,
    body_id: String,
    title: String,
    agenda: String,
    leave_deadline: String,
    invitees: String,
    sessions: Vec<SessionRow>,
    /// The reschedule was confirmed.
    confirmed: bool,
}

impl Draft {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut d = Draft::default();
        let mut rows: Vec<SessionRow> = Vec::new();
        let mut at = [0usize; 5];
        fn slot(rows: &mut Vec<SessionRow>, i: &mut usize) -> usize {
            if rows.len() <= *i {
                rows.resize_with(*i + 1, SessionRow::default);
            }
            *i += 1;
            *i - 1
        }
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => d.csrf = value,
                "once" => d.once = value,
                "kind" => d.kind = value,
                "body_id" => d.body_id = value,
                "title" => d.title = value,
                "agenda" => d.agenda = value,
                "leave_deadline" => d.leave_deadline = value,
                "invitees" => d.invitees = value,
                "confirmed" => d.confirmed = value == "1",
                "session_id" => {
                    let i = slot(&mut rows, &mut at[0]);
                    rows[i].id = value;
                }
                "session_title" => {
                    let i = slot(&mut rows, &mut at[1]);
                    rows[i].title = value;
                }
                "session_starts_at" => {
                    let i = slot(&mut rows, &mut at[2]);
                    rows[i].starts_at = value;
                }
                "session_ends_at" => {
                    let i = slot(&mut rows, &mut at[3]);
                    rows[i].ends_at = value;
                }
                "session_place" => {
                    let i = slot(&mut rows, &mut at[4]);
                    rows[i].place = value;
                }
                _ => {}
            }
        }
        d.sessions = rows;
        d
    }

    fn blank() -> Self {
        Draft {
            once: console_sessions::random_token(),
            kind: MeetingKind::Standing.as_str().into(),
            ..Draft::default()
        }
    }

    /// The form filled from a stored meeting (for 修改).
    fn of(m: &Meeting) -> Self {
        Draft {
            kind: m.kind.as_str().into(),
            body_id: m.body_id.to_string(),
            title: m.title.clone(),
            agenda: m.agenda.clone(),
            leave_deadline: local_input(m.leave_deadline),
            sessions: m
                .sessions
                .iter()
                .map(|s| SessionRow {
                    id: s.id.to_string(),
                    title: s.title.clone(),
                    starts_at: local_input(s.starts_at),
                    ends_at: local_input(s.ends_at),
                    place: s.place.clone(),
                })
                .collect(),
            ..Draft::default()
        }
    }
}

/// A row's time, or the problem named with its row.
fn row_time(
    typed: &str,
    tz: Tz,
    row: usize,
    what: &str,
    problems: &mut Problems,
) -> Option<DateTime<FixedOffset>> {
    let mut p = Problems::default();
    let t = when(typed, tz, "sessions", &mut p);
    if !p.is_empty() {
        problems.add(
            "sessions",
            format!("第 {row} 行的{what}请按“2026-12-10 09:00”的格式填写。"),
        );
    } else if t.is_none() {
        problems.add("sessions", format!("第 {row} 行缺少{what}。"));
    }
    t
}

/// The sessions typed (rows left empty ignored), with the form row of each.
fn typed_sessions(d: &Draft, tz: Tz, problems: &mut Problems) -> Vec<(usize, NewMeetingSession)> {
    let mut out = Vec::new();
    for (i, r) in d.sessions.iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        let row = i + 1;
        let starts = row_time(&r.starts_at, tz, row, "开始时间", problems);
        let ends = row_time(&r.ends_at, tz, row, "结束时间", problems);
        if let (Some(starts_at), Some(ends_at)) = (starts, ends) {
            out.push((
                row,
                NewMeetingSession {
                    title: r.title.clone(),
                    starts_at,
                    ends_at,
                    place: r.place.clone(),
                },
            ));
        }
    }
    if out.is_empty() && problems.of("sessions").is_none() {
        problems.add("sessions", "请至少填写一个场次。");
    }
    out
}

/// A refusal of the domain's, next to the field it names; for a session,
/// with the form row it came from.
fn refused(e: &AppError, rows: &[usize]) -> Problems {
    let mut problems = Problems::default();
    let field = e.field.as_deref().unwrap_or_default();
    let generic = match e.code {
        ErrorCode::FieldRequired => "必填。",
        ErrorCode::FieldTooLong => "太长了，请删减。",
        ErrorCode::TimeInPast => "这个时间已经过去了。",
        _ => "请检查。",
    };
    if let Some(rest) = field.strip_prefix("sessions[") {
        let (i, sub) = rest.split_once("].").unwrap_or((rest, ""));
        let row = i
            .parse::<usize>()
            .ok()
            .and_then(|i| rows.get(i).copied())
            .unwrap_or(1);
        let what = match (e.code, sub) {
            (ErrorCode::TimeInPast, _) => "开始时间已经过去了".to_owned(),
            (_, "ends_at") => "结束时间应晚于开始时间".to_owned(),
            (ErrorCode::FieldRequired, "title") => "缺少场次名称".to_owned(),
            (ErrorCode::FieldRequired, "place") => "缺少地点".to_owned(),
            (ErrorCode::FieldTooLong, _) => "内容太长了".to_owned(),
            _ => "填写有误".to_owned(),
        };
        problems.add("sessions", format!("第 {row} 行：{what}。"));
        return problems;
    }
    match field {
        "title" => problems.add("title", generic),
        "agenda" => problems.add("agenda", generic),
        "body_id" => problems.add("body_id", "请选择召集的机构。"),
        "sessions" => problems.add("sessions", "请填写 1 到 20 个场次。"),
        "leave_deadline" => problems.add("leave_deadline", "请假截止应早于第一个场次开始。"),
        f if f.starts_with("invitees") => {
            problems.add("invitees", "列席人员中有不是本会委员的。");
        }
        _ => problems.add("form", labels::meeting_refusal(e.code)),
    }
    problems
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct FormPage {
    shell: Shell,
    editing: Option<MeetingId>,
    /// Published: changing times or places is a reschedule.
    published: bool,
    d: Draft,
    kinds: Vec<Choice>,
    bodies: Vec<Choice>,
    rows: Vec<SessionRow>,
    problems: Problems,
}

async fn form_page(
    state: &AppState,
    clerk: &Clerk,
    mut d: Draft,
    editing: Option<&Meeting>,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let items = state.read(&clerk.ctx, bodies::list).await?;
    if editing.is_none() {
        d.sessions
            .resize_with(d.sessions.len().max(ROWS), SessionRow::default);
    }
    let title = match editing {
        Some(m) => format!("修改：{}", m.title),
        None => "新建会议".to_owned(),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&FormPage {
        shell: Shell::new(clerk, &title, "/console/meetings"),
        editing: editing.map(|m| m.id),
        published: editing.is_some_and(|m| m.status == MeetingStatus::Published),
        kinds: MeetingKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: labels::meeting_kind(*k).into(),
                selected: d.kind == k.as_str(),
            })
            .collect(),
        bodies: items
            .into_iter()
            .map(|b| Choice {
                selected: d.body_id == b.id.to_string(),
                value: b.id.to_string(),
                label: format!("{}（{}，现有 {} 人）", b.name, b.term, b.members_now),
            })
            .collect(),
        rows: d.sessions.clone(),
        d,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/meetings/new`.
#[handler]
pub async fn new(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    form_page(&state, &clerk, Draft::blank(), None, Problems::default()).await
}

/// The invitees typed one per line (phone or member number), as members;
/// a line that names nobody of the committee is a problem.
async fn invitees(
    state: &AppState,
    clerk: &Clerk,
    typed: &str,
    problems: &mut Problems,
) -> Result<Vec<MemberId>, ConsoleError> {
    let lines: Vec<String> = typed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let found = state
        .read(&clerk.ctx, move |conn, ctx| {
            let mut found = Vec::with_capacity(lines.len());
            for line in lines {
                let filter = members::ListFilter {
                    q: Some(line.clone()),
                    limit: 5,
                    ..members::ListFilter::default()
                };
                let (rows, _) = members::list(conn, ctx.caller.committee_id, &filter)?;
                let hit = rows
                    .into_iter()
                    .find(|(u, _)| u.phone == line || u.member_no.as_deref() == Some(&line))
                    .map(|(u, _)| u.id);
                found.push((line, hit));
            }
            Ok(found)
        })
        .await?;
    let mut ids = Vec::new();
    for (line, hit) in found {
        match hit {
            Some(id) => ids.push(id),
            None => {
                problems.add(
                    "invitees",
                    format!("“{line}”找不到对应的委员：请填写手机号或委员编号，一行一位。"),
                );
            }
        }
    }
    Ok(ids)
}

/// `POST /console/meetings/new`: a draft, then its page (to publish).
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let d = Draft::from_fields(fields);
    clerk.check_csrf(req, Some(&d.csrf))?;
    let tz = clerk.ctx.tz;
    let mut problems = Problems::default();
    let kind = MeetingKind::parse(&d.kind);
    if kind.is_none() {
        problems.add("kind", "请选择会议类别。");
    }
    let body: Option<BodyId> = d.body_id.parse().ok();
    if body.is_none() {
        problems.add(
            "body_id",
            "请选择召集的机构（没有的话先在“机构与届次”中建立）。",
        );
    }
    let deadline = when(&d.leave_deadline, tz, "leave_deadline", &mut problems);
    let sessions = typed_sessions(&d, tz, &mut problems);
    let invited = invitees(&state, &clerk, &d.invitees, &mut problems).await?;
    let (Some(kind), Some(body_id)) = (kind, body) else {
        return form_page(&state, &clerk, d, None, problems).await;
    };
    if !problems.is_empty() {
        return form_page(&state, &clerk, d, None, problems).await;
    }
    let rows: Vec<usize> = sessions.iter().map(|(row, _)| *row).collect();
    let input = NewMeeting {
        kind,
        body_id,
        title: d.title.clone(),
        agenda: Some(d.agenda.clone()),
        sessions: sessions.into_iter().map(|(_, s)| s).collect(),
        invitees: invited,
        leave_deadline: deadline,
    };
    let once = d.once.clone();
    let created = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:create_meeting",
                &once,
                ctx.now,
                |conn| plan::create(conn, ctx, &input),
            )
        })
        .await;
    match created {
        Ok(id) => {
            Ok(Redirect::see_other(format!("/console/meetings/{id}?done=created")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            form_page(&state, &clerk, d, None, refused(&e, &rows)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, clerk: &Clerk, id: MeetingId) -> Result<Meeting, ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| views::view(conn, ctx, id))
        .await?)
}

/// `GET /console/meetings/{id}/edit`.
#[handler]
pub async fn edit(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let m = load(&state, &clerk, path_id(&id)?).await?;
    if m.status == MeetingStatus::Cancelled {
        return Ok(Redirect::see_other(format!("/console/meetings/{}", m.id)).into_response());
    }
    form_page(&state, &clerk, Draft::of(&m), Some(&m), Problems::default()).await
}

#[derive(Template)]
#[template(path = "meeting_reschedule.html")]
struct ReschedulePage {
    shell: Shell,
    id: MeetingId,
    title: String,
    d: Draft,
    /// (session, old time and place, new)
    changes: Vec<(String, String, String)>,
    voided: usize,
    approved: usize,
    summoned: i32,
}

/// `POST /console/meetings/{id}/edit`: the change; for a published meeting
/// whose sessions move, the confirmation first.
#[handler]
pub async fn update(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let d = Draft::from_fields(fields);
    clerk.check_csrf(req, Some(&d.csrf))?;
    let m = load(&state, &clerk, path_id(&id)?).await?;
    let tz = clerk.ctx.tz;
    let mut problems = Problems::default();
    let mut changes = Vec::new();
    let mut rows = Vec::new();
    let mut described = Vec::new();
    for (i, r) in d.sessions.iter().enumerate() {
        let Some(s) =
            r.id.parse::<MeetingSessionId>()
                .ok()
                .and_then(|id| m.sessions.iter().find(|s| s.id == id))
        else {
            continue;
        };
        let starts = row_time(&r.starts_at, tz, i + 1, "开始时间", &mut problems);
        let ends = row_time(&r.ends_at, tz, i + 1, "结束时间", &mut problems);
        let (Some(starts_at), Some(ends_at)) = (starts, ends) else {
            continue;
        };
        let place = r.place.trim().to_owned();
        // Only what moved is sent: a session under way is not "rescheduled".
        if local_input(starts_at) != local_input(s.starts_at)
            || local_input(ends_at) != local_input(s.ends_at)
            || place != s.place
        {
            described.push((
                s.title.clone(),
                format!(
                    "{}，{}",
                    super::layout::span(s.starts_at, s.ends_at),
                    s.place
                ),
                format!("{}，{}", super::layout::span(starts_at, ends_at), place),
            ));
            rows.push(i + 1);
            changes.push(SessionChange {
                id: s.id,
                starts_at,
                ends_at,
                place: Some(place),
            });
        }
    }
    let deadline = if d.leave_deadline.trim() == local_input(m.leave_deadline) {
        None
    } else {
        let typed = when(&d.leave_deadline, tz, "leave_deadline", &mut problems);
        if typed.is_none() && problems.of("leave_deadline").is_none() {
            problems.add("leave_deadline", "必填。");
        }
        typed
    };
    if !problems.is_empty() {
        return form_page(&state, &clerk, d, Some(&m), problems).await;
    }
    let reschedule = !changes.is_empty() && m.status == MeetingStatus::Published;
    if reschedule && !d.confirmed {
        let id = m.id;
        let requests = state
            .read(&clerk.ctx, move |conn, ctx| {
                leave::of_meeting(conn, ctx, id)
            })
            .await?;
        let live: Vec<_> = requests
            .iter()
            .filter(|l| l.status != LeaveStatus::Voided)
            .collect();
        return Ok(html(&ReschedulePage {
            shell: Shell::new(&clerk, "确认改期", "/console/meetings"),
            id: m.id,
            title: m.title.clone(),
            voided: live.len(),
            approved: live
                .iter()
                .filter(|l| l.status == LeaveStatus::Approved)
                .count(),
            summoned: m.summoned,
            changes: described,
            d,
        }));
    }
    let patch = MeetingPatch {
        title: Some(d.title.clone()),
        agenda: Some(d.agenda.clone()),
        leave_deadline: deadline,
        sessions: (!changes.is_empty()).then_some(changes),
    };
    let id = m.id;
    let changed = state
        .write(&clerk.ctx, move |conn, ctx| {
            plan::patch(conn, ctx, id, &patch)
        })
        .await;
    let done = if reschedule { "rescheduled" } else { "saved" };
    match changed {
        Ok(()) => {
            Ok(Redirect::see_other(format!("/console/meetings/{id}?done={done}")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            form_page(&state, &clerk, d, Some(&m), refused(&e, &rows)).await
        }
        Err(e) => Err(e.into()),
    }
}
