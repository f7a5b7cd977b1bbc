//! 修改密码: the clerk changes their own password, through the app's own
//! rule (`Sessions::change_password`): the current password must be right,
//! the new one long enough, and every other session of the account (phones,
//! other browsers) ends; this one goes on.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::validate::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::errors::ConsoleError;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    shell: Shell,
    min: usize,
    max: usize,
    done: bool,
    current_problem: Option<&'static str>,
    new_problem: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /console/password`.
#[handler]
pub async fn form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    Ok(html(&PasswordPage {
        shell: Shell::new(&clerk, "修改密码", ""),
        min: MIN_PASSWORD_CHARS,
        max: MAX_PASSWORD_CHARS,
        done: query.done.is_some(),
        current_problem: None,
        new_problem: None,
    }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /console/password`. Passwords are never written back into the page.
#[handler]
pub async fn change(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(fields): Form<PasswordForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&fields.csrf))?;
    let again = |current_problem: Option<&'static str>, new_problem: Option<String>| {
        let mut resp = html(&PasswordPage {
            shell: Shell::new(&clerk, "修改密码", ""),
            min: MIN_PASSWORD_CHARS,
            max: MAX_PASSWORD_CHARS,
            done: false,
            current_problem,
            new_problem,
        });
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
        Ok(resp)
    };
    // Typing it twice catches a slip of the finger; the rule itself is the domain's.
    if fields.new != fields.repeat {
        return again(None, Some("两次输入的新密码不一致。".into()));
    }
    match state
        .sessions
        .change_password(&clerk.ctx.caller, fields.current, fields.new)
        .await
    {
        Ok(()) => Ok(Redirect::see_other("/console/password?done=1").into_response()),
        Err(e) if e.code == ErrorCode::InvalidCredentials => again(Some("当前密码不正确。"), None),
        Err(e) if e.code == ErrorCode::WeakPassword => again(
            None,
            Some(format!(
                "新密码应为 {MIN_PASSWORD_CHARS} 至 {MAX_PASSWORD_CHARS} 个字符。"
            )),
        ),
        Err(e) if e.code == ErrorCode::FieldTooLong => again(Some("当前密码不正确。"), None),
        Err(e) => Err(e.into()),
    }
}
