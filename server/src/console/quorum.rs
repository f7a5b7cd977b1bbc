//! The venue's projector screens for a meeting: the live quorum board (per
//! session: voting members summoned, on leave, present, absent, required,
//! and whether the quorum is reached) and a session's check-in screen with
//! its rotating QR code and six digits (as `checkin.rs` shows an activity's).
//! Both refresh by htmx every few seconds, and by the page itself, less
//! often, when JavaScript is off.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ids::{MeetingId, MeetingSessionId};
use lvzhi_shared::meetings::{Quorum, SessionQuorum};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use super::activities::path_id;
use super::assets;
use super::checkin::qr_data_url;
use super::errors::ConsoleError;
use super::layout::{day_and_time, html, span};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::meetings::{attendance, views};

struct Row {
    title: String,
    starts: String,
    q: SessionQuorum,
}

/// The board at one moment.
struct Board {
    id: MeetingId,
    rows: Vec<Row>,
    /// "过半数", or the kind's fraction.
    rule: String,
    leave_pending: i32,
    now: String,
}

#[derive(Template)]
#[template(path = "quorum.html")]
struct BoardPage {
    title: String,
    board: Board,
    style: &'static str,
    htmx: &'static str,
}

#[derive(Template)]
#[template(path = "quorum_live.html")]
struct BoardPart {
    board: Board,
}

fn rule(q: &Quorum) -> String {
    if q.quorum_numerator * 2 == q.quorum_denominator {
        "应到表决委员过半数出席".into()
    } else {
        format!(
            "应到表决委员超过 {}/{} 出席",
            q.quorum_numerator, q.quorum_denominator
        )
    }
}

async fn board(
    state: &AppState,
    clerk: &Clerk,
    id: MeetingId,
) -> Result<(String, Board), ConsoleError> {
    let (m, q) = state
        .read(&clerk.ctx, move |conn, ctx| {
            Ok((
                views::view(conn, ctx, id)?,
                attendance::quorum(conn, ctx, id)?,
            ))
        })
        .await?;
    let now = crate::domain::committees::local(clerk.ctx.now, clerk.ctx.tz);
    Ok((
        m.title,
        Board {
            id,
            rule: rule(&q),
            leave_pending: q.leave_pending,
            now: now.format("%H:%M:%S").to_string(),
            rows: q
                .sessions
                .into_iter()
                .map(|s| Row {
                    title: s.title.clone(),
                    starts: day_and_time(s.starts_at),
                    q: s,
                })
                .collect(),
        },
    ))
}

/// `GET /console/meetings/{id}/quorum`: the board.
#[handler]
pub async fn screen(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (title, board) = board(&state, &clerk, path_id(&id)?).await?;
    Ok(html(&BoardPage {
        title,
        board,
        style: assets::style_url(),
        htmx: assets::htmx_url(),
    }))
}

/// `GET /console/meetings/{id}/quorum/live`: the part that changes, for htmx.
#[handler]
pub async fn live_part(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (_, board) = board(&state, &clerk, path_id(&id)?).await?;
    Ok(html(&BoardPart { board }))
}

// ---- a session's check-in screen ----

struct Live {
    id: MeetingId,
    session: MeetingSessionId,
    qr: String,
    digits: String,
    open: bool,
    window: String,
    q: SessionQuorum,
}

#[derive(Template)]
#[template(path = "session_checkin.html")]
struct CheckinPage {
    title: String,
    session: String,
    live: Live,
    style: &'static str,
    htmx: &'static str,
}

#[derive(Template)]
#[template(path = "session_checkin_live.html")]
struct CheckinPart {
    live: Live,
}

async fn live(
    state: &AppState,
    clerk: &Clerk,
    id: MeetingId,
    session: MeetingSessionId,
) -> Result<(String, String, Live), ConsoleError> {
    let (m, code, open, q) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let code = attendance::current_code(conn, ctx, id, session)?;
            let open = attendance::checkin_open(conn, ctx, id, session)?;
            let q = attendance::quorum(conn, ctx, id)?;
            Ok((views::view(conn, ctx, id)?, code, open, q))
        })
        .await?;
    let s = m
        .sessions
        .iter()
        .find(|s| s.id == session)
        .ok_or(ConsoleError::NotFound)?;
    let q = q
        .sessions
        .into_iter()
        .find(|q| q.session_id == session)
        .ok_or(ConsoleError::NotFound)?;
    Ok((
        m.title.clone(),
        s.title.clone(),
        Live {
            id,
            session,
            qr: qr_data_url(&code)?,
            digits: code.digits,
            open,
            window: span(s.starts_at, s.ends_at),
            q,
        },
    ))
}

/// `GET /console/meetings/{id}/checkin/{session}`: the screen.
#[handler]
pub async fn checkin_screen(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, session)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (title, session, live) = live(&state, &clerk, path_id(&id)?, path_id(&session)?).await?;
    Ok(html(&CheckinPage {
        title,
        session,
        live,
        style: assets::style_url(),
        htmx: assets::htmx_url(),
    }))
}

/// `GET /console/meetings/{id}/checkin/{session}/live`: the part that changes.
#[handler]
pub async fn checkin_part(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, session)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (_, _, live) = live(&state, &clerk, path_id(&id)?, path_id(&session)?).await?;
    Ok(html(&CheckinPart { live }))
}
