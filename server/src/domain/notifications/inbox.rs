//! A member's inbox: every notification, pushed or not, newest first.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ids::{MemberId, NotificationId};
use lvzhi_shared::notifications::Notification;

use crate::db::DbConnection;
use crate::db::models::OutboxRow;
use crate::db::schema::outbox;
use crate::domain::committees::local;
use crate::domain::pages;
use crate::error::AppError;

/// One page of the member's inbox and the cursor after it.
pub fn list(
    conn: &mut DbConnection,
    user_id: MemberId,
    unread_only: bool,
    cursor: Option<&str>,
    limit: u32,
    tz: Tz,
) -> Result<(Vec<Notification>, Option<String>), AppError> {
    let mut query = outbox::table
        .filter(outbox::user_id.eq(user_id))
        .order(outbox::id.desc())
        .limit(i64::from(limit) + 1)
        .select(OutboxRow::as_select())
        .into_boxed();
    if unread_only {
        query = query.filter(outbox::read_at.is_null());
    }
    if let Some(c) = cursor {
        query = query.filter(outbox::id.lt(pages::parse_id_cursor::<NotificationId>(c)?));
    }
    let mut rows: Vec<OutboxRow> = query.load(conn)?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| pages::id_cursor(r.id))
    } else {
        None
    };
    Ok((
        rows.into_iter().map(|r| to_notification(r, tz)).collect(),
        next,
    ))
}

pub fn unread(conn: &mut DbConnection, user_id: MemberId) -> Result<i64, AppError> {
    Ok(outbox::table
        .filter(outbox::user_id.eq(user_id))
        .filter(outbox::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of the member's notifications read (again is harmless); another
/// member's notification is not found.
pub fn mark_read(
    conn: &mut DbConnection,
    user_id: MemberId,
    id: NotificationId,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mine = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::user_id.eq(user_id));
    let found: i64 = mine.count().get_result(conn)?;
    if found == 0 {
        return Err(AppError::not_found("notification"));
    }
    diesel::update(mine.filter(outbox::read_at.is_null()))
        .set(outbox::read_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// Marks everything read; returns how many were unread.
pub fn mark_all_read(
    conn: &mut DbConnection,
    user_id: MemberId,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::user_id.eq(user_id))
            .filter(outbox::read_at.is_null()),
    )
    .set(outbox::read_at.eq(Some(now)))
    .execute(conn)?)
}

fn to_notification(r: OutboxRow, tz: Tz) -> Notification {
    Notification {
        kind: r.kind,
        id: r.id,
        title: r.title,
        body: r.body,
        activity_id: r.activity_id,
        announcement_id: r.announcement_id,
        meeting_id: r.meeting_id,
        report_id: r.report_id,
        urgent: r.urgent,
        created_at: local(r.created_at, tz),
        read_at: r.read_at.map(|t| local(t, tz)),
    }
}
