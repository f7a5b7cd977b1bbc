//! 登记履职事项: what happened outside the app (plenary speeches, proposals,
//! articles, other duty), recorded for a member with its evidence; the
//! year's entries with a way to take one back while the year is open.

use std::sync::Arc;

use askama::Template;
use chrono::{Datelike, NaiveDate};
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{MemberId, PointsEntryId};
use lvzhi_shared::points::{NewPointsEntry, PointsEvent};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::layout::{Shell, html};
use super::points::{refusal, year_or_now};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::committees::local;
use crate::domain::idempotency;
use crate::domain::points::words::event_zh;
use crate::domain::points::{entries, records};

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct EntryLine {
    id: PointsEntryId,
    on: String,
    member: String,
    event: &'static str,
    evidence: String,
    removable: bool,
}

#[derive(Template)]
#[template(path = "points_entries.html")]
struct EntriesPage {
    shell: Shell,
    tab: &'static str,
    year: i32,
    members: Vec<Choice>,
    events: Vec<Choice>,
    evidence: String,
    occurred_on: String,
    entries: Vec<EntryLine>,
    token: String,
    problem: Option<&'static str>,
    done: Option<&'static str>,
}

/// What the clerk typed, kept on a refusal.
#[derive(Deserialize, Default)]
pub struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    occurred_on: String,
}

async fn entries_page(
    state: &AppState,
    clerk: &Clerk,
    year: i32,
    typed: EntryForm,
    problem: Option<&'static str>,
    done: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let (roster, list) = state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok((
                records::roster(conn, ctx)?,
                entries::list(conn, ctx, year, None)?,
            ))
        })
        .await?;
    let members = roster
        .into_iter()
        .map(|(id, name, no)| Choice {
            selected: typed.member_id == id.to_string(),
            value: id.to_string(),
            label: match no {
                Some(no) => format!("{name}（{no}）"),
                None => name,
            },
        })
        .collect();
    let events = PointsEvent::ALL
        .iter()
        .filter(|e| e.is_manual())
        .map(|e| Choice {
            selected: typed.event == e.as_str(),
            value: e.as_str().to_owned(),
            label: event_zh(*e).to_owned(),
        })
        .collect();
    let today = local(clerk.ctx.now, clerk.ctx.tz).date_naive().to_string();
    let mut resp = html(&EntriesPage {
        shell: Shell::new(clerk, "登记履职事项", "/console/points"),
        tab: "entries",
        year,
        members,
        events,
        evidence: typed.evidence,
        occurred_on: if typed.occurred_on.is_empty() {
            today
        } else {
            typed.occurred_on
        },
        entries: list
            .into_iter()
            .map(|e| EntryLine {
                id: e.id,
                on: e.occurred_on.to_string(),
                member: e.member_name,
                event: event_zh(e.event),
                evidence: e.evidence,
                removable: e.event != PointsEvent::Adjustment,
            })
            .collect(),
        token: console_sessions::random_token(),
        problem,
        done,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct EntriesQuery {
    year: Option<i32>,
    done: Option<String>,
}

/// `GET /console/points/entries?year=`.
#[handler]
pub async fn screen(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(q): Query<EntriesQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let year = year_or_now(&clerk.ctx, q.year);
    let done = match q.done.as_deref() {
        Some("added") => Some("已登记，计入这位委员的积分。"),
        Some("removed") => Some("已撤销这条登记。"),
        _ => None,
    };
    entries_page(&state, &clerk, year, EntryForm::default(), None, done).await
}

/// `POST /console/points/entries`: one entry (a one-time token, so a double
/// click records it once).
#[handler]
pub async fn add(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(form): Form<EntryForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let this_year = year_or_now(&clerk.ctx, None);
    let member: Option<MemberId> = form.member_id.parse().ok();
    let event = PointsEvent::parse(&form.event);
    let day = NaiveDate::parse_from_str(form.occurred_on.trim(), "%Y-%m-%d").ok();
    let (Some(member_id), Some(event), Some(occurred_on)) = (member, event, day) else {
        let problem = Some("请选择委员和事项，并填写日期。");
        return entries_page(&state, &clerk, this_year, form, problem, None).await;
    };
    let input = NewPointsEntry {
        member_id,
        event,
        evidence: form.evidence.clone(),
        occurred_on,
    };
    let user = clerk.ctx.caller.user_id;
    let token = form.token.clone();
    let added = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(conn, user, "add_points_entry", &token, ctx.now, |conn| {
                entries::add(conn, ctx, &input).map(|e| e.occurred_on.year())
            })
        })
        .await;
    match added {
        Ok(year) => Ok(Redirect::see_other(format!(
            "/console/points/entries?year={year}&done=added"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problem =
                if e.field.as_deref() == Some("evidence") && e.code == ErrorCode::FieldRequired {
                    "请写明证明材料（提案号、发言题目、稿件标题和刊发媒体等）。"
                } else {
                    refusal(e.code)
                };
            let year = year_or_now(&clerk.ctx, Some(occurred_on.year()));
            entries_page(&state, &clerk, year, form, Some(problem), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    year: Option<i32>,
}

/// `POST /console/points/entries/{id}/remove`.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&form.csrf))?;
    let id: PointsEntryId = path_id(&id)?;
    let year = year_or_now(&clerk.ctx, form.year);
    let removed = state
        .write(&clerk.ctx, move |conn, ctx| entries::remove(conn, ctx, id))
        .await;
    match removed {
        Ok(()) => Ok(Redirect::see_other(format!(
            "/console/points/entries?year={year}&done=removed"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            entries_page(
                &state,
                &clerk,
                year,
                EntryForm::default(),
                Some(refusal(e.code)),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
