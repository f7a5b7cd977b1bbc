//! Housekeeping the server does by itself, hourly: forget idempotency keys
//! after two days (a phone retries within minutes) and refresh tokens that
//! expired a week ago.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock::Clock;
use crate::db::schema::{idempotency_keys, refresh_tokens};
use crate::db::{Db, DbConnection};
use crate::error::AppError;

const EVERY: Duration = Duration::from_secs(3600);

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub idempotency_keys: usize,
    pub refresh_tokens: usize,
}

pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Swept, AppError> {
    let idempotency_keys = diesel::delete(idempotency_keys::table)
        .filter(idempotency_keys::created_at.lt(now - chrono::Duration::days(2)))
        .execute(conn)?;
    let refresh_tokens = diesel::delete(refresh_tokens::table)
        .filter(refresh_tokens::expires_at.lt(now - chrono::Duration::days(7)))
        .execute(conn)?;
    Ok(Swept {
        idempotency_keys,
        refresh_tokens,
    })
}

/// Sweeps every hour until the task is dropped.
pub async fn run(db: Db, clock: Arc<dyn Clock>) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        let now = clock.now_naive();
        match db.run(move |conn| sweep(conn, now)).await {
            Ok(swept) => tracing::info!(?swept, "maintenance sweep"),
            Err(e) => tracing::warn!(error = %e, "maintenance sweep failed"),
        }
    }
}
