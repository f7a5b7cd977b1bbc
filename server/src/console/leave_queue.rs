//! 请假审批: the pending leave requests of every meeting, oldest first, each
//! with its approve and refuse buttons; refusing needs a note, which the
//! member is told (the domain says so, and the page says it next to the
//! request's note).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{LeaveRequestId, MeetingId, MeetingSessionId};
use lvzhi_shared::meetings::{LeaveDecision, LeaveDecisionInput, LeaveStatus};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, day_and_time, html};
use super::meetings::session_titles;
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::meetings::{leave, views};

struct Line {
    id: LeaveRequestId,
    meeting_id: MeetingId,
    meeting: String,
    member: String,
    sessions: String,
    reason: String,
    requested: String,
    /// The note typed before a refusal, and what was wrong.
    note: String,
    problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "leave_queue.html")]
struct QueuePage {
    shell: Shell,
    lines: Vec<Line>,
    done: Option<&'static str>,
    problem: Option<&'static str>,
}

/// The queue; `failed` is the request a decision was refused for, with
/// the note typed and why.
async fn queue_page(
    state: &AppState,
    clerk: &Clerk,
    done: Option<&'static str>,
    failed: Option<(LeaveRequestId, String, &'static str)>,
    problem: Option<(StatusCode, &'static str)>,
) -> Result<Response, ConsoleError> {
    let (items, titles) = state
        .read(&clerk.ctx, |conn, ctx| {
            let items = leave::queue(conn, ctx, Some(LeaveStatus::Pending))?;
            let mut titles: HashMap<MeetingId, HashMap<MeetingSessionId, String>> = HashMap::new();
            for l in &items {
                if let std::collections::hash_map::Entry::Vacant(e) = titles.entry(l.meeting_id) {
                    let m = views::view(conn, ctx, l.meeting_id)?;
                    e.insert(m.sessions.into_iter().map(|s| (s.id, s.title)).collect());
                }
            }
            Ok((items, titles))
        })
        .await?;
    let status = match (&problem, &failed) {
        (Some((s, _)), _) => *s,
        (None, Some(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, None) => StatusCode::OK,
    };
    let lines = items
        .into_iter()
        .map(|l| {
            let (note, why) = match &failed {
                Some((id, note, why)) if *id == l.id => (note.clone(), Some(*why)),
                _ => (String::new(), None),
            };
            Line {
                sessions: titles
                    .get(&l.meeting_id)
                    .map(|t| session_titles(&l.sessions, t))
                    .unwrap_or_default(),
                requested: day_and_time(l.requested_at),
                id: l.id,
                meeting_id: l.meeting_id,
                meeting: l.meeting_title,
                member: l.member_name,
                reason: l.reason,
                note,
                problem: why,
            }
        })
        .collect();
    let mut resp = html(&QueuePage {
        shell: Shell::new(clerk, "请假审批", "/console/leave"),
        lines,
        done,
        problem: problem.map(|(_, p)| p),
    });
    resp.set_status(status);
    Ok(resp)
}

#[derive(Deserialize)]
pub struct QueueQuery {
    done: Option<String>,
}

/// `GET /console/leave`.
#[handler]
pub async fn queue(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<QueueQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let done = match query.done.as_deref() {
        Some("approved") => Some("已准假，并已通知这位委员。"),
        Some("refused") => Some("已不准假，并已把意见通知这位委员。"),
        _ => None,
    };
    queue_page(&state, &clerk, done, None, None).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/leave/{id}`: approve or refuse (with a note).
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: LeaveRequestId = path_id(&id)?;
    let decision = LeaveDecision::parse(&form.decision);
    let input = LeaveDecisionInput {
        // A form of ours always sends one: anything else is read as approve
        // only if it says so, and otherwise as refuse (which needs a note).
        decision: decision.unwrap_or(LeaveDecision::Refuse),
        note: Some(form.note.clone()),
    };
    let decided = state
        .write(&clerk.ctx, move |conn, ctx| {
            leave::decide(conn, ctx, id, &input).map(|_| ())
        })
        .await;
    match decided {
        Ok(()) => {
            let done = match decision {
                Some(LeaveDecision::Approve) => "approved",
                _ => "refused",
            };
            Ok(Redirect::see_other(format!("/console/leave?done={done}")).into_response())
        }
        Err(e) if e.code == ErrorCode::FieldRequired && e.field.as_deref() == Some("note") => {
            let why = "不准假时请写明理由，委员会在通知里看到它。";
            queue_page(&state, &clerk, None, Some((id, form.note, why)), None).await
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problem = Some((e.status(), labels::meeting_refusal(e.code)));
            queue_page(&state, &clerk, None, None, problem).await
        }
        Err(e) => Err(e.into()),
    }
}
