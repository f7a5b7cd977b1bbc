//! The outbox as a work queue: workers claim due notifications for a lease,
//! send without holding a transaction, then record the verdicts. A worker
//! that dies leaves its claims to expire; the rows go out again (at least once).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use lvzhi_shared::ids::NotificationId;
use lvzhi_shared::notifications::PushState;

use crate::db::DbConnection;
use crate::db::models::OutboxRow;
use crate::db::schema::outbox;
use crate::error::AppError;

/// Rows per UPDATE … WHERE id IN (…).
const CHUNK: usize = 1000;

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: NotificationId,
}

/// Takes up to `limit` due notifications until `lease` (call inside a write
/// transaction). On PostgreSQL, `SKIP LOCKED` lets several servers claim
/// side by side without waiting on or taking each other's rows; SQLite has
/// one writer at a time, so the lease alone keeps claims apart.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, AppError> {
    let queued = PushState::Queued.as_str();
    let ids: Vec<NotificationId> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT id FROM outbox \
             WHERE push_state = 'queued' AND due_at <= $1 \
               AND (claimed_until IS NULL OR claimed_until <= $1) \
             ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<IdRow>(pg)?
        .into_iter()
        .map(|r| r.id)
        .collect(),
        DbConnection::Sqlite(_) => outbox::table
            .filter(outbox::push_state.eq(queued))
            .filter(outbox::due_at.le(now))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.le(now)),
            )
            .order(outbox::due_at.asc())
            .limit(limit)
            .select(outbox::id)
            .load(conn)?,
    };
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        diesel::update(outbox::table.filter(outbox::id.eq_any(chunk)))
            .set((
                outbox::claimed_until.eq(Some(lease)),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
        rows.extend(
            outbox::table
                .filter(outbox::id.eq_any(chunk))
                .select(OutboxRow::as_select())
                .load::<OutboxRow>(conn)?,
        );
    }
    Ok(rows)
}

/// What became of one claimed notification.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// At least one of the member's phones has it.
    Sent,
    /// The member has no live phone: inbox only.
    NoDevice,
    /// Given up, with the reason.
    Failed(String),
    /// Try again at `due`; `delivered_to` lists phones that already have it.
    Retry {
        due: NaiveDateTime,
        delivered_to: Option<String>,
        reason: String,
    },
}

/// Records verdicts for rows still claimed under `lease` (a row whose lease
/// ran out may have been taken by another worker; that worker decides it).
pub fn finish(
    conn: &mut DbConnection,
    lease: NaiveDateTime,
    verdicts: &[(NotificationId, Verdict)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let ids_with = |state: fn(&Verdict) -> bool| -> Vec<NotificationId> {
        verdicts
            .iter()
            .filter(|(_, v)| state(v))
            .map(|(id, _)| *id)
            .collect()
    };
    let ours = outbox::claimed_until.eq(Some(lease));
    for (state, ids) in [
        (PushState::Sent, ids_with(|v| *v == Verdict::Sent)),
        (PushState::NoDevice, ids_with(|v| *v == Verdict::NoDevice)),
    ] {
        for chunk in ids.chunks(CHUNK) {
            diesel::update(outbox::table.filter(outbox::id.eq_any(chunk)).filter(ours))
                .set((
                    outbox::push_state.eq(state.as_str()),
                    outbox::sent_at.eq(Some(now)),
                    outbox::claimed_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
    }
    for (id, verdict) in verdicts {
        let row = outbox::table.filter(outbox::id.eq(id)).filter(ours);
        match verdict {
            Verdict::Failed(reason) => {
                diesel::update(row)
                    .set((
                        outbox::push_state.eq(PushState::Failed.as_str()),
                        outbox::last_error.eq(Some(reason)),
                        outbox::claimed_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
            Verdict::Retry {
                due,
                delivered_to,
                reason,
            } => {
                diesel::update(row)
                    .set((
                        outbox::due_at.eq(Some(*due)),
                        outbox::delivered_to.eq(delivered_to),
                        outbox::last_error.eq(Some(reason)),
                        outbox::claimed_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
            Verdict::Sent | Verdict::NoDevice => {}
        }
    }
    Ok(())
}
