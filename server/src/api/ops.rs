//! Operational endpoints outside the API: liveness, readiness, metrics.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use crate::app::AppState;

/// Alive: the process answers.
#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database answers.
#[handler]
pub async fn readyz(state: Data<&Arc<AppState>>) -> Response {
    let ping = state.db.run(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1")
            .map_err(crate::error::AppError::db_unavailable)
    });
    match ping.await {
        Ok(()) => "ready".into_response(),
        Err(e) => poem::error::ResponseError::as_response(&e),
    }
}

#[handler]
pub fn metrics(state: Data<&Arc<AppState>>) -> Response {
    state
        .metrics
        .render(state.db.pool_state())
        .with_content_type("text/plain; version=0.0.4")
        .with_status(StatusCode::OK)
        .into_response()
}
