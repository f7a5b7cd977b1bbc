//! 三下乡成效: what an outreach activity achieved (people served,
//! consultations, materials distributed, donated value, notes), recorded
//! through `findings::record_outcome` and read through `findings::outcome`,
//! the calls behind the API's `PUT`/`GET /activities/{id}/outcome`. The form
//! is prefilled with what is stored; a number it cannot read, or one the
//! domain refuses, is said next to its field with what was typed kept.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{ActivityKind, ActivityStatus, Outcome};
use lvzhi_shared::ids::ActivityId;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::db::DbConnection;
use crate::db::models::ActivityRow;
use crate::domain::Ctx;
use crate::domain::activities::{self, findings};
use crate::error::AppError;

/// The stored outcome, or none yet (the domain's not-found).
fn stored(conn: &mut DbConnection, ctx: &Ctx, id: ActivityId) -> Result<Option<Outcome>, AppError> {
    match findings::outcome(conn, ctx, id) {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `3500` or `3500.5` yuan, as typed and shown.
fn yuan(v: f64) -> String {
    format!("{v}")
}

// ---- on an outreach's page ----

/// What an outreach's page says of its outcome.
pub struct OutcomeSection {
    /// The figures as recorded, if they are.
    pub recorded: Option<Outcome>,
    pub donated: String,
    /// The activity is published or completed, when outcomes are recorded.
    pub can_record: bool,
}

/// An outreach's outcome for its page; other kinds have none.
pub fn on_activity(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ActivityId,
    kind: ActivityKind,
    status: ActivityStatus,
) -> Result<Option<OutcomeSection>, AppError> {
    if kind != ActivityKind::Outreach {
        return Ok(None);
    }
    let recorded = stored(conn, ctx, id)?;
    Ok(Some(OutcomeSection {
        donated: recorded
            .as_ref()
            .map(|o| yuan(o.donated_value_yuan))
            .unwrap_or_default(),
        recorded,
        can_record: matches!(
            status,
            ActivityStatus::Published | ActivityStatus::Completed
        ),
    }))
}

// ---- the form ----

/// The form as typed: every field a string, so it can be shown again.
#[derive(Deserialize, Default)]
pub struct Typed {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    people_served: String,
    #[serde(default)]
    consultations: String,
    #[serde(default)]
    materials_distributed: String,
    #[serde(default)]
    donated_value_yuan: String,
    #[serde(default)]
    notes: String,
}

impl Typed {
    fn of(o: &Outcome) -> Self {
        Typed {
            people_served: o.people_served.to_string(),
            consultations: o.consultations.to_string(),
            materials_distributed: o.materials_distributed.to_string(),
            donated_value_yuan: yuan(o.donated_value_yuan),
            notes: o.notes.clone(),
            ..Typed::default()
        }
    }

    /// The figures, or what the form cannot read. Photos are not the
    /// form's: the caller keeps the stored ones.
    fn read(&self) -> Result<Outcome, Problems> {
        let mut p = Problems::default();
        let count = |typed: &str, field: &'static str, p: &mut Problems| {
            let typed = typed.trim();
            if typed.is_empty() {
                p.add(field, "请填写，没有请填 0。");
                return 0;
            }
            typed.parse::<i32>().unwrap_or_else(|_| {
                p.add(field, "请填写整数，如 120。");
                0
            })
        };
        let people_served = count(&self.people_served, "people_served", &mut p);
        let consultations = count(&self.consultations, "consultations", &mut p);
        let materials_distributed =
            count(&self.materials_distributed, "materials_distributed", &mut p);
        // Clerks write amounts as they would on paper: 3,500 or 3500元.
        let amount: String = self
            .donated_value_yuan
            .trim()
            .trim_end_matches('元')
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' '))
            .collect();
        let donated_value_yuan = if amount.is_empty() {
            p.add("donated_value_yuan", "请填写，没有请填 0。");
            0.0
        } else {
            match amount.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    p.add(
                        "donated_value_yuan",
                        "请填写金额（元），如 3500 或 3500.50。",
                    );
                    0.0
                }
            }
        };
        if !p.is_empty() {
            return Err(p);
        }
        Ok(Outcome {
            people_served,
            consultations,
            materials_distributed,
            donated_value_yuan,
            notes: self.notes.clone(),
            photo_urls: Vec::new(),
        })
    }
}

#[derive(Template)]
#[template(path = "outcome.html")]
struct OutcomePage {
    shell: Shell,
    id: ActivityId,
    activity: String,
    photos: usize,
    typed: Typed,
    problems: Problems,
}

/// The activity, if it is this committee's.
async fn activity(
    state: &AppState,
    clerk: &Clerk,
    id: ActivityId,
) -> Result<ActivityRow, ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| {
            activities::load(conn, ctx.caller.committee_id, id)
        })
        .await?)
}

async fn outcome_page(
    state: &AppState,
    clerk: &Clerk,
    a: ActivityRow,
    typed: Option<Typed>,
    problems: Problems,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let id = a.id;
    let recorded = state
        .read(&clerk.ctx, move |conn, ctx| stored(conn, ctx, id))
        .await?;
    let typed = typed.unwrap_or_else(|| match &recorded {
        Some(o) => Typed::of(o),
        None => Typed::of(&Outcome::default()),
    });
    let mut resp = html(&OutcomePage {
        shell: Shell::new(clerk, "三下乡成效", "/console/activities"),
        id,
        activity: a.title,
        photos: recorded.map_or(0, |o| o.photo_urls.len()),
        typed,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/activities/{id}/outcome`: the form, with the stored figures.
#[handler]
pub async fn form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let a = activity(&state, &clerk, path_id(&id)?).await?;
    if a.kind != ActivityKind::Outreach {
        // Only outreach has an outcome; its page is where the clerk was going.
        return Ok(Redirect::see_other(format!("/console/activities/{}", a.id)).into_response());
    }
    outcome_page(&state, &clerk, a, None, Problems::default(), StatusCode::OK).await
}

/// A refusal of the domain, next to the field it names.
fn refused(e: &AppError, problems: &mut Problems) {
    match e.field.as_deref() {
        Some("people_served") => problems.add("people_served", "不能是负数。"),
        Some("consultations") => problems.add("consultations", "不能是负数。"),
        Some("materials_distributed") => problems.add("materials_distributed", "不能是负数。"),
        Some("donated_value_yuan") => {
            problems.add("donated_value_yuan", "金额应在 0 到 1 万亿元之间。")
        }
        Some("notes") if e.code == ErrorCode::FieldTooLong => {
            problems.add("notes", "说明太长，请删减。")
        }
        Some("notes") => problems.add("notes", "说明里有无法识别的字符。"),
        _ if e.code == ErrorCode::InvalidTransition => problems.add(
            "form",
            "只有已发布或已结束的三下乡活动才能填写成效（草稿和已取消的不能）。",
        ),
        _ => problems.add("form", labels::refusal(e.code)),
    }
}

/// `POST /console/activities/{id}/outcome`: stores the figures (replacing
/// any earlier ones), then back to the activity.
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(typed): Form<Typed>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&typed.csrf))?;
    let a = activity(&state, &clerk, path_id(&id)?).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut input = match typed.read() {
        Ok(input) => input,
        Err(problems) => {
            return outcome_page(&state, &clerk, a, Some(typed), problems, status).await;
        }
    };
    let id = a.id;
    let saved = state
        .write(&clerk.ctx, move |conn, ctx| {
            // A record replaces the whole outcome: keep the photos the app sent.
            input.photo_urls = stored(conn, ctx, id)?
                .map(|o| o.photo_urls)
                .unwrap_or_default();
            findings::record_outcome(conn, ctx, id, &input)
        })
        .await;
    match saved {
        Ok(_) => Ok(
            Redirect::see_other(format!("/console/activities/{id}?done=outcome_saved"))
                .into_response(),
        ),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let status = e.status();
            let mut problems = Problems::default();
            refused(&e, &mut problems);
            outcome_page(&state, &clerk, a, Some(typed), problems, status).await
        }
        Err(e) => Err(e.into()),
    }
}
