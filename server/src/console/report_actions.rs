//! The steps a clerk takes on a report's page: decide (accept, return,
//! reject), edit the text, forward, record adoption, 批示 or 办复. Each
//! calls the same domain function as the API; a refusal comes back as the
//! page with the clerk's typing kept and the problem next to its field.

use std::sync::Arc;

use chrono::NaiveDate;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::ReportId;
use lvzhi_shared::reports::{
    AdoptionInput, ForwardInput, ForwardTarget, InstructionInput, ReplyInput, ReportPatch,
};
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::path_id;
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::reports::{Typed, report_page};
use super::session::Clerk;
use crate::app::AppState;
use crate::db::DbConnection;
use crate::domain::Ctx;
use crate::domain::reports::forwarding::{self, Outcome};
use crate::domain::reports::review::{self, Decision};
use crate::error::AppError;

/// Runs `step`; on success back to the page saying `done`, on a refusal the
/// page again with the problem.
async fn take_step<F>(
    req: &Request,
    state: &AppState,
    raw_id: &str,
    typed: Typed,
    done: &'static str,
    step: F,
) -> Result<Response, ConsoleError>
where
    F: FnOnce(&mut DbConnection, &Ctx, ReportId) -> Result<(), AppError> + Send + 'static,
{
    let clerk = Clerk::of(state, req).await?;
    clerk.check_csrf(req, Some(&typed.csrf))?;
    let id: ReportId = path_id(raw_id)?;
    let result = state
        .write(&clerk.ctx, move |conn, ctx| step(conn, ctx, id))
        .await;
    match result {
        Ok(()) => {
            Ok(Redirect::see_other(format!("/console/reports/{id}?done={done}")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let status = e.status();
            let mut problems = Problems::default();
            refused(&e, &mut problems);
            report_page(state, &clerk, id, Some(typed), problems, None, status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A refusal, said next to the field it names.
fn refused(e: &AppError, problems: &mut Problems) {
    let field = match e.field.as_deref() {
        Some("comment") => "comment",
        Some("title") => "title",
        Some("body") => "body",
        Some("note") => "note",
        Some("outside_name") => "outside_name",
        Some("adopted_on" | "given_on" | "replied_on") => "on_date",
        Some("adopted_by" | "leader" | "department") => "party",
        Some("text") => "text",
        _ => "form",
    };
    let message = match (field, e.code) {
        ("comment", ErrorCode::FieldRequired) => "退回修改或不予采用时，请写明意见。",
        ("outside_name", ErrorCode::FieldRequired) => "请写明报送的单位名称。",
        ("on_date", _) => "请填写不晚于今天的日期。",
        ("party", ErrorCode::FieldRequired) => "请填写采用单位、批示领导或办复部门。",
        ("text", ErrorCode::FieldRequired) => "请填写批示或办复的内容。",
        (_, ErrorCode::FieldRequired) => "此项不能为空。",
        (_, ErrorCode::FieldTooLong) => "内容太长，请删减。",
        ("form", code) => labels::report_refusal(code),
        _ => "这里有无法识别的字符。",
    };
    problems.add(field, message);
}

/// `POST /console/reports/{id}/decide`: accept, return or reject.
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(typed): Form<Typed>,
) -> Result<Response, ConsoleError> {
    let (decision, done) = match typed.decision.as_str() {
        "accept" => (Decision::Accept, "accepted"),
        "return" => (Decision::Return, "returned"),
        // A form of ours always says which; anything else is the strictest.
        _ => (Decision::Reject, "rejected"),
    };
    let comment = typed.comment.clone();
    take_step(req, &state, &id, typed, done, move |conn, ctx, id| {
        review::decide(conn, ctx, id, decision, Some(&comment))
    })
    .await
}

/// `POST /console/reports/{id}/edit`: the office's new version.
#[handler]
pub async fn edit(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(typed): Form<Typed>,
) -> Result<Response, ConsoleError> {
    let patch = ReportPatch {
        title: Some(typed.title.clone()),
        body: Some(typed.body.clone()),
        note: Some(typed.note.clone()),
        ..ReportPatch::default()
    };
    take_step(req, &state, &id, typed, "edited", move |conn, ctx, id| {
        review::edit(conn, ctx, id, &patch)
    })
    .await
}

/// `POST /console/reports/{id}/forward`.
#[handler]
pub async fn forward(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(typed): Form<Typed>,
) -> Result<Response, ConsoleError> {
    let input = ForwardInput {
        target: ForwardTarget::parse(&typed.target).unwrap_or(ForwardTarget::Outside),
        outside_name: Some(typed.outside_name.clone()),
    };
    take_step(
        req,
        &state,
        &id,
        typed,
        "forwarded",
        move |conn, ctx, id| forwarding::forward(conn, ctx, id, &input),
    )
    .await
}

/// `POST /console/reports/{id}/outcome`: adoption, 批示 or 办复.
#[handler]
pub async fn outcome(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(typed): Form<Typed>,
) -> Result<Response, ConsoleError> {
    let day = NaiveDate::parse_from_str(typed.on_date.trim(), "%Y-%m-%d").ok();
    let level = CommitteeLevel::parse(&typed.level);
    let (Some(day), Some(level)) = (day, level) else {
        let clerk = Clerk::of(&state, req).await?;
        clerk.check_csrf(req, Some(&typed.csrf))?;
        let id: ReportId = path_id(&id)?;
        let mut problems = Problems::default();
        problems.add("on_date", "请选择日期和层级。");
        let status = poem::http::StatusCode::UNPROCESSABLE_ENTITY;
        return report_page(&state, &clerk, id, Some(typed), problems, None, status).await;
    };
    let (party, text, kind) = (typed.party.clone(), typed.text.clone(), typed.kind.clone());
    take_step(
        req,
        &state,
        &id,
        typed,
        "recorded",
        move |conn, ctx, id| match kind.as_str() {
            "instruction" => forwarding::record_outcome(
                conn,
                ctx,
                id,
                &Outcome::Instruction(&InstructionInput {
                    leader: party,
                    level,
                    given_on: day,
                    text,
                }),
            ),
            "reply" => forwarding::record_outcome(
                conn,
                ctx,
                id,
                &Outcome::Reply(&ReplyInput {
                    department: party,
                    replied_on: day,
                    text,
                }),
            ),
            _ => forwarding::record_outcome(
                conn,
                ctx,
                id,
                &Outcome::Adoption(&AdoptionInput {
                    level,
                    adopted_on: day,
                    adopted_by: party,
                }),
            ),
        },
    )
    .await
}
