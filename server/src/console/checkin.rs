//! 现场签到: the full-screen page for the venue's projector. The rotating
//! code as a QR code (members scan it in the app) and as six digits (for
//! those who type), and the count of those checked in against those
//! registered, refreshed by htmx every few seconds (by the page itself,
//! less often, when JavaScript is off).

use std::sync::Arc;

use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lvzhi_shared::activities::CheckinCode;
use lvzhi_shared::ids::ActivityId;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};
use qrcode::QrCode;
use qrcode::render::svg;

use super::activities::path_id;
use super::assets;
use super::errors::ConsoleError;
use super::layout::{html, span};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::activities::{self, checkin};
use crate::domain::committees::local;

/// What the screen shows at one moment.
struct Live {
    id: ActivityId,
    /// `data:` URL of the QR code's SVG.
    qr: String,
    digits: String,
    registered: i64,
    checked_in: i64,
    open: bool,
    window: String,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    title: String,
    live: Live,
    style: &'static str,
    htmx: &'static str,
}

#[derive(Template)]
#[template(path = "checkin_live.html")]
struct LivePart {
    live: Live,
}

pub(super) fn qr_data_url(code: &CheckinCode) -> Result<String, ConsoleError> {
    let qr = QrCode::new(code.code.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "check-in QR code");
        ConsoleError::Internal
    })?;
    let svg = qr
        .render::<svg::Color>()
        .min_dimensions(480, 480)
        .quiet_zone(true)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(svg.as_bytes())
    ))
}

async fn live(
    state: &AppState,
    clerk: &Clerk,
    id: ActivityId,
) -> Result<(String, Live), ConsoleError> {
    let (title, code, (registered, checked_in), open, starts, ends) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let row = activities::load(conn, ctx.caller.committee_id, id)?;
            let code = checkin::current_code(&row, ctx.now.and_utc(), ctx.tz)?;
            let counts = checkin::tally(conn, row.id)?;
            let open = checkin::is_open(&row, ctx.now);
            let starts = local(row.starts_at, ctx.tz);
            let ends = local(row.ends_at, ctx.tz);
            Ok((row.title, code, counts, open, starts, ends))
        })
        .await?;
    Ok((
        title,
        Live {
            id,
            qr: qr_data_url(&code)?,
            digits: code.digits,
            registered,
            checked_in,
            open,
            window: span(starts, ends),
        },
    ))
}

/// `GET /console/activities/{id}/checkin`: the screen.
#[handler]
pub async fn screen(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (title, live) = live(&state, &clerk, path_id(&id)?).await?;
    Ok(html(&CheckinPage {
        title,
        live,
        style: assets::style_url(),
        htmx: assets::htmx_url(),
    }))
}

/// `GET /console/activities/{id}/checkin/live`: the part that changes, for htmx.
#[handler]
pub async fn live_part(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (_, live) = live(&state, &clerk, path_id(&id)?).await?;
    Ok(html(&LivePart { live }))
}
