//! What the clerk sees when a page cannot be shown: a page in the console's
//! look with the reason in plain Chinese, never a stack trace; for our own
//! faults, the request id to quote to whoever runs the server.

use askama::Template;
use lvzhi_shared::ErrorCode;
use poem::http::StatusCode;
use poem::web::Redirect;
use poem::{IntoResponse, Response};

use super::layout::html;
use crate::error::AppError;

/// Why a console page was not served. Handlers return it as their error;
/// the console's error catcher renders it (see [`from_router`]).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConsoleError {
    #[error("sign in first")]
    /// No live session: sign in, then come back to `next`.
    SignIn { next: String },
    /// Signed in, but this is not for them.
    #[error("forbidden")]
    Forbidden,
    /// Nothing of this committee's by that id.
    #[error("not found")]
    NotFound,
    /// A change without the form's token: a stale tab or another site.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// A request the page cannot have sent (a broken upload, a form that
    /// does not parse), with what to do about it.
    #[error("bad request")]
    BadRequest(&'static str),
    /// A fault of ours (already logged by `AppError`).
    #[error("internal error")]
    Internal,
}

impl From<AppError> for ConsoleError {
    fn from(e: AppError) -> Self {
        match e.code {
            ErrorCode::NotFound => ConsoleError::NotFound,
            ErrorCode::Forbidden => ConsoleError::Forbidden,
            ErrorCode::Unauthorized => ConsoleError::SignIn {
                next: "/console/today".into(),
            },
            _ => {
                tracing::warn!(code = ?e.code, message = %e.message, "console page failed");
                ConsoleError::Internal
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    explanation: &'a str,
    request_id: String,
    style: &'static str,
}

impl poem::error::ResponseError for ConsoleError {
    fn status(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn { .. } => StatusCode::SEE_OTHER,
            ConsoleError::Forbidden | ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        self.clone().into_response()
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, explanation) = match &self {
            ConsoleError::SignIn { next } => {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                let to = format!("/console/login?next={next}");
                return Redirect::see_other(to).into_response();
            }
            ConsoleError::Forbidden => (
                StatusCode::FORBIDDEN,
                "无权访问",
                "您的账号没有打开此页面的权限。如需开通，请联系本会管理员。",
            ),
            ConsoleError::NotFound => (
                StatusCode::NOT_FOUND,
                "找不到页面",
                "您要找的内容不存在，或已被删除。请从左侧菜单重新进入。",
            ),
            ConsoleError::Csrf => (
                StatusCode::FORBIDDEN,
                "页面已过期",
                "这个页面打开太久或已在别处退出登录，刚才的操作没有执行。请返回、刷新页面后再试一次。",
            ),
            ConsoleError::BadRequest(what_to_do) => {
                (StatusCode::BAD_REQUEST, "请求无法处理", *what_to_do)
            }
            ConsoleError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "系统出了点问题",
                "刚才的操作没有完成，已记录在系统日志中。请稍后再试；如果一直出现，请把下面的请求编号告诉系统管理员。",
            ),
        };
        let page = ErrorPage {
            title,
            explanation,
            request_id: crate::app::request_id(),
            style: super::assets::style_url(),
        };
        let mut resp = html(&page);
        resp.set_status(status);
        resp
    }
}

/// Every failure under `/console` becomes a console page, never the API's
/// JSON: the handlers' own [`ConsoleError`]s, and the router's and
/// extractors' (no such page, wrong method, a form that does not parse).
pub async fn from_router(err: poem::Error) -> Response {
    if err.is::<ConsoleError>() {
        return err.into_response();
    }
    match err.status() {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
            ConsoleError::NotFound.into_response()
        }
        status if status.is_client_error() => {
            ConsoleError::BadRequest("提交的内容无法识别，请返回、刷新页面后再试一次。")
                .into_response()
        }
        _ => {
            tracing::warn!(error = %err, "console request failed");
            ConsoleError::Internal.into_response()
        }
    }
}
