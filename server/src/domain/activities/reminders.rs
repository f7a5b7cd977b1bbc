//! Reminders before an activity starts. Each reminder lead (e.g. 24 h, 2 h)
//! is recorded once queued, so it goes once across restarts and servers; when
//! several fall due together (the server was down, or the activity was
//! published late) only one reminder goes, saying how long is really left.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::activities::{ActivityStatus, SignupStatus};
use lvzhi_shared::ids::{ActivityId, MemberId};

use crate::db::models::ActivityRow;
use crate::db::schema::{activities as activities_t, reminders_sent, signups};
use crate::db::{DbConnection, write_tx};
use crate::domain::activities::{self, MAX_REMINDER_MINUTES, reminders_of};
use crate::domain::notifications::notices::Notice;
use crate::domain::notifications::outbox::Notifier;
use crate::error::AppError;

/// Queues the reminders due at `now`; returns for how many activities.
pub fn queue_due(
    conn: &mut DbConnection,
    defaults: &[u32],
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let horizon = now + Duration::minutes(i64::from(MAX_REMINDER_MINUTES));
    let upcoming: Vec<ActivityRow> = activities_t::table
        .filter(activities_t::status.eq(ActivityStatus::Published.as_str()))
        .filter(activities_t::starts_at.gt(now))
        .filter(activities_t::starts_at.le(horizon))
        .select(ActivityRow::as_select())
        .load(conn)?;
    let defaults: Vec<i32> = defaults.iter().map(|m| *m as i32).collect();
    let due: Vec<(ActivityRow, Vec<i32>)> = upcoming
        .into_iter()
        .filter_map(|a| {
            let leads = a
                .reminder_minutes
                .as_deref()
                .map_or_else(|| defaults.clone(), reminders_of);
            let fallen: Vec<i32> = leads
                .into_iter()
                .filter(|m| now >= a.starts_at - Duration::minutes(i64::from(*m)))
                .collect();
            (!fallen.is_empty()).then_some((a, fallen))
        })
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let ids: Vec<ActivityId> = due.iter().map(|(a, _)| a.id).collect();
    let mut sent: HashMap<ActivityId, HashSet<i32>> = HashMap::new();
    for (activity, minutes) in reminders_sent::table
        .filter(reminders_sent::activity_id.eq_any(&ids))
        .select((reminders_sent::activity_id, reminders_sent::minutes))
        .load::<(ActivityId, i32)>(conn)?
    {
        sent.entry(activity).or_default().insert(minutes);
    }
    let mut queued = 0;
    for (activity, fallen) in due {
        let done = sent.get(&activity.id);
        if fallen.iter().all(|m| done.is_some_and(|d| d.contains(m))) {
            continue;
        }
        if write_tx(conn, |conn| remind(conn, &activity, &fallen, now))? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Under the activity's lock: records the fallen leads and, if any was new,
/// queues one reminder to everyone registered.
fn remind(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    fallen: &[i32],
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let current = activities::lock(conn, activity.committee_id, activity.id)?;
    if current.starts_at != activity.starts_at || current.status != ActivityStatus::Published {
        return Ok(false); // changed meanwhile; the next round judges it afresh
    }
    let done: HashSet<i32> = reminders_sent::table
        .filter(reminders_sent::activity_id.eq(&activity.id))
        .select(reminders_sent::minutes)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    let fresh: Vec<i32> = fallen
        .iter()
        .copied()
        .filter(|m| !done.contains(m))
        .collect();
    if fresh.is_empty() {
        return Ok(false);
    }
    for m in &fresh {
        diesel::insert_into(reminders_sent::table)
            .values((
                reminders_sent::activity_id.eq(&activity.id),
                reminders_sent::minutes.eq(m),
                reminders_sent::sent_at.eq(now),
            ))
            .execute(conn)?;
    }
    let members: Vec<MemberId> = signups::table
        .filter(signups::activity_id.eq(&activity.id))
        .filter(signups::status.eq(SignupStatus::Registered.as_str()))
        .select(signups::user_id)
        .load(conn)?;
    Notifier::load(conn, activity.committee_id)?.tell_all(
        conn,
        &members,
        &Notice::Reminder(&current, now),
        now,
    )?;
    Ok(true)
}
