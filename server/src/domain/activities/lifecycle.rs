//! Publishing, cancelling and completing, and telling those signed up.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{ActivityStatus, SignupStatus};
use lvzhi_shared::ids::{ActivityId, MemberId};
use lvzhi_shared::validate::{MAX_PLACE_CHARS, text};

use crate::db::DbConnection;
use crate::db::schema::{activities, signups as signups_t};
use crate::domain::Ctx;
use crate::domain::notifications::notices::Notice;
use crate::domain::notifications::outbox::Notifier;
use crate::error::AppError;

use super::access::{lock, status_of};

/// Draft → published.
pub fn publish(conn: &mut DbConnection, ctx: &Ctx, id: ActivityId) -> Result<(), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, caller.committee_id, id)?;
    if status_of(&row) != ActivityStatus::Draft {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "only a draft can be published",
        ));
    }
    set_status(conn, id, ActivityStatus::Published, None, now)
}

/// Draft or published → cancelled; everyone signed up is told at once.
pub fn cancel(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ActivityId,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, caller.committee_id, id)?;
    if !matches!(
        status_of(&row),
        ActivityStatus::Draft | ActivityStatus::Published
    ) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "this activity is already cancelled or completed",
        ));
    }
    let reason = reason
        .map(|r| text(r, "reason", MAX_PLACE_CHARS, false))
        .transpose()?
        .filter(|r| !r.is_empty());
    set_status(conn, id, ActivityStatus::Cancelled, reason.clone(), now)?;
    notify_signed_up(conn, &Notice::Cancelled(&row, reason.as_deref()), now)
}

/// Published → completed, once it has started.
pub fn complete(conn: &mut DbConnection, ctx: &Ctx, id: ActivityId) -> Result<(), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let row = lock(conn, caller.committee_id, id)?;
    if status_of(&row) != ActivityStatus::Published || row.starts_at > now {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "only a published activity that has started can be completed",
        ));
    }
    set_status(conn, id, ActivityStatus::Completed, None, now)
}

fn set_status(
    conn: &mut DbConnection,
    id: ActivityId,
    status: ActivityStatus,
    reason: Option<String>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(activities::table.find(id))
        .set((
            activities::status.eq(status.as_str()),
            activities::cancel_reason.eq(reason),
            activities::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Queues a notice about the activity to every registered and waitlisted member.
pub(super) fn notify_signed_up(
    conn: &mut DbConnection,
    notice: &Notice<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(row) = notice.activity() else {
        return Ok(());
    };
    let members: Vec<MemberId> = signups_t::table
        .filter(signups_t::activity_id.eq(&row.id))
        .filter(signups_t::status.eq_any([
            SignupStatus::Registered.as_str(),
            SignupStatus::Waitlisted.as_str(),
        ]))
        .select(signups_t::user_id)
        .load(conn)?;
    Notifier::load(conn, row.committee_id)?.tell_all(conn, &members, notice, now)
}
