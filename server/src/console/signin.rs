//! Signing in and out of the console. The password check is the app's
//! (`Sessions::verify_password`: the same throttling, the same answers);
//! members are told, kindly, that their place is the phone app.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::members::Role;
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::assets;
use super::errors::ConsoleError;
use super::layout::html;
use super::session::{self, Clerk};
use crate::app::AppState;
use crate::domain::accounts::console_sessions;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    csrf: String,
    next: String,
    phone: String,
    /// Shown above the form: why the last try failed.
    problem: Option<String>,
    style: &'static str,
}

#[derive(Template)]
#[template(path = "members_use_the_app.html")]
struct MembersUseTheApp {
    name: String,
    style: &'static str,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /console/login`: the form, or straight on when already signed in.
#[handler]
pub async fn form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    jar: &CookieJar,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = session::safe_next(query.next.as_deref());
    if Clerk::of(&state, req).await.is_ok() {
        return Redirect::see_other(next).into_response();
    }
    let secure = state.config.console.secure_cookie;
    html(&SignInPage {
        csrf: session::sign_in_token(jar, secure),
        next,
        phone: String::new(),
        problem: None,
        style: assets::style_url(),
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// `POST /console/login`.
#[handler]
pub async fn submit(
    req: &Request,
    state: Data<&Arc<AppState>>,
    jar: &CookieJar,
    Form(fields): Form<SignInForm>,
) -> Result<Response, ConsoleError> {
    let secure = state.config.console.secure_cookie;
    let next = session::safe_next(fields.next.as_deref());
    let again = |status: StatusCode, problem: &str| {
        let mut resp = html(&SignInPage {
            csrf: session::sign_in_token(jar, secure),
            next: next.clone(),
            phone: fields.phone.clone(),
            problem: Some(problem.to_owned()),
            style: assets::style_url(),
        });
        resp.set_status(status);
        Ok(resp)
    };
    if !session::sign_in_token_matches(jar, &fields.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "登录页面已过期，请重新输入手机号和密码。",
        );
    }
    let address = state.client_address(req);
    let user = match state
        .sessions
        .verify_password(&fields.phone, fields.password.clone(), &address)
        .await
    {
        Ok(user) => user,
        Err(e) => {
            return match e.code {
                ErrorCode::InvalidCredentials | ErrorCode::InvalidParameter => {
                    again(StatusCode::UNPROCESSABLE_ENTITY, "手机号或密码不正确。")
                }
                ErrorCode::TooManyAttempts => {
                    let minutes = e.retry_after.unwrap_or(60).div_ceil(60);
                    again(
                        StatusCode::TOO_MANY_REQUESTS,
                        &format!("尝试次数过多，请 {minutes} 分钟后再试。"),
                    )
                }
                ErrorCode::AccountDisabled => again(
                    StatusCode::FORBIDDEN,
                    "此账号已停用。如有疑问，请联系本会管理员。",
                ),
                _ => Err(e.into()),
            };
        }
    };
    if user.role == Role::Member {
        return Ok(html(&MembersUseTheApp {
            name: user.name,
            style: assets::style_url(),
        }));
    }
    let config = state.config.console.clone();
    let now = state.clock.now_naive();
    let opened = state
        .db
        .write(move |conn| console_sessions::open(conn, user.id, &config, now))
        .await?;
    session::set_session(jar, &opened.token, secure);
    Ok(Redirect::see_other(next).into_response())
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/logout`: ends this session only (the phone stays signed in).
#[handler]
pub async fn sign_out(
    req: &Request,
    state: Data<&Arc<AppState>>,
    jar: &CookieJar,
    Form(fields): Form<SignOutForm>,
) -> Result<Redirect, ConsoleError> {
    let clerk = match Clerk::of(&state, req).await {
        Ok(clerk) => clerk,
        // Already signed out (or timed out): nothing to end.
        Err(ConsoleError::SignIn { .. }) => return Ok(Redirect::see_other("/console/login")),
        Err(e) => return Err(e),
    };
    clerk.check_csrf(req, Some(&fields.csrf))?;
    let (id, now) = (clerk.ctx.caller.session_id, clerk.ctx.now);
    state
        .db
        .write(move |conn| console_sessions::close(conn, id, now))
        .await?;
    session::clear_session(jar, state.config.console.secure_cookie);
    Ok(Redirect::see_other("/console/login"))
}
