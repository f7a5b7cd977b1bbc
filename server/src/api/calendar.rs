//! Calendar feeds: the address of my feed (`/me/calendar-url`, bearer) and
//! the feed itself (`/calendar/{secret}.ics`, mounted by app.rs outside the
//! API: a phone's calendar sends no token, the secret is the credential).

use std::sync::Arc;

use lvzhi_shared::ErrorCode;
use lvzhi_shared::calendar::{CalendarFeed, CalendarScope};
use lvzhi_shared::members::Role;
use poem::http::StatusCode;
use poem::web::{Data, Path as WebPath};
use poem::{IntoResponse, Request, Response, handler};
use poem_openapi::param::Query;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, Json};
use crate::app::AppState;
use crate::auth::{BearerAuth, Caller};
use crate::domain::calendar::{self, feeds};
use crate::domain::committees::local;
use crate::error::{ApiResult, AppError};

pub struct CalendarApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum Revoked {
    /// The feed is gone; its address answers 404.
    #[oai(status = 204)]
    NoContent,
}

/// The scope asked for, which the caller must be allowed.
fn scope_for(caller: &Caller, scope: Option<CalendarScope>) -> Result<CalendarScope, AppError> {
    let scope = scope.unwrap_or(CalendarScope::Mine);
    if scope == CalendarScope::Committee && !matches!(caller.role, Role::Organizer | Role::Admin) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only the office has the committee's calendar",
        ));
    }
    Ok(scope)
}

/// Where phones reach this server: the configured public address, else the
/// request's own (`Host`, and `X-Forwarded-Proto` behind a proxy).
fn origin(state: &AppState, req: &Request) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = req
        .header("host")
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = match req.header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn to_feed(state: &AppState, req: &Request, feed: &feeds::Feed, tz: chrono_tz::Tz) -> CalendarFeed {
    let url = format!("{}/calendar/{}.ics", origin(state, req), feed.secret);
    let webcal_url = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    CalendarFeed {
        scope: feed.scope,
        url,
        webcal_url,
        issued_at: local(feed.issued_at, tz),
    }
}

#[OpenApi(tag = "ApiTags::Me")]
impl CalendarApi {
    /// My calendar feed's address
    ///
    /// Who: any signed-in account; `scope=committee` (every published
    /// activity and meeting): organizer, admin. Made on the first ask and
    /// the same after; a phone's calendar subscribes to it without signing
    /// in, so the address is a secret.
    #[oai(
        path = "/me/calendar-url",
        method = "get",
        operation_id = "get_calendar_url"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        req: &Request,
        scope: Query<Option<CalendarScope>>,
    ) -> ApiResult<Json<CalendarFeed>> {
        let scope = scope_for(&auth.0, scope.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let key = self.state.calendar_key.clone();
        let feed = self
            .state
            .write(&ctx, move |conn, ctx| {
                feeds::get_or_create(conn, &key, ctx.caller.user_id, scope, ctx.now)
            })
            .await?;
        Ok(Json(to_feed(&self.state, req, &feed, ctx.tz)))
    }

    /// A new address for my calendar feed
    ///
    /// Who: as for the address. The old address stops working at once
    /// (404); subscribe again with the new one.
    #[oai(
        path = "/me/calendar-url",
        method = "post",
        operation_id = "reset_calendar_url"
    )]
    async fn reset(
        &self,
        auth: BearerAuth,
        req: &Request,
        scope: Query<Option<CalendarScope>>,
    ) -> ApiResult<Json<CalendarFeed>> {
        let scope = scope_for(&auth.0, scope.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let key = self.state.calendar_key.clone();
        let feed = self
            .state
            .write(&ctx, move |conn, ctx| {
                feeds::reissue(conn, &key, ctx.caller.user_id, scope, ctx.now)
            })
            .await?;
        Ok(Json(to_feed(&self.state, req, &feed, ctx.tz)))
    }

    /// Stop my calendar feed
    ///
    /// Who: any signed-in account (its own feed). The address answers 404
    /// from now on; asking for the address again makes a new one.
    #[oai(
        path = "/me/calendar-url",
        method = "delete",
        operation_id = "revoke_calendar_url"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        scope: Query<Option<CalendarScope>>,
    ) -> ApiResult<Revoked> {
        let scope = scope.0.unwrap_or(CalendarScope::Mine);
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                feeds::revoke(conn, ctx.caller.user_id, scope)
            })
            .await?;
        Ok(Revoked::NoContent)
    }
}

/// `GET /calendar/{secret}.ics`: the feed as `text/calendar`. Anything that
/// is not a live feed's secret is a plain 404 that names nothing.
#[handler]
pub async fn serve_feed(
    WebPath(file): WebPath<String>,
    Data(state): Data<&Arc<AppState>>,
) -> Result<Response, AppError> {
    let not_found = || AppError::not_found("calendar");
    let secret = file.strip_suffix(".ics").ok_or_else(not_found)?.to_owned();
    let now = state.clock.now_naive();
    let text = state
        .db
        .write(move |conn| calendar::render(conn, &secret, now))
        .await?
        .ok_or_else(not_found)?;
    Ok(text
        .with_status(StatusCode::OK)
        .with_content_type("text/calendar; charset=utf-8")
        .with_header("cache-control", "private, max-age=300")
        .into_response())
}
