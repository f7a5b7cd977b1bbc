//! The push worker: queues reminders as they fall due, then delivers due
//! notifications over FCM in batches — claim, send with bounded concurrency
//! (no transaction open meanwhile), record verdicts — two batches overlapping,
//! until none are due; then it waits for the next poll or a wake-up.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use lvzhi_shared::ids::{MemberId, NotificationId};
use lvzhi_shared::notifications::push_data;
use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::fcm::{FcmClient, Push, SendOutcome};
use super::queue::{self, Verdict};
use crate::clock::Clock;
use crate::config::PushConfig;
use crate::db::Db;
use crate::db::models::OutboxRow;
use crate::domain::{
    activities::reminders, meetings, notifications::devices, notifications::outbox,
};
use crate::error::AppError;
use crate::metrics::Metrics;

/// Batches in hand at once: while one sends its last pushes and records its
/// verdicts, the next is already claimed and sending, so neither the
/// database's work nor a batch's tail leaves FCM idle.
const BATCHES_IN_FLIGHT: usize = 2;

/// What the worker works with, handed over by the composition root.
pub struct PushWorker {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: PushConfig,
    /// None when push is not configured.
    pub fcm: Option<Arc<FcmClient>>,
    /// Notified when new work is queued.
    pub wake: Arc<tokio::sync::Notify>,
    pub metrics: Arc<Metrics>,
}

/// Runs until `stop` turns true, then finishes the batches in hand; or until
/// the task is dropped (their claims then expire). Without an FCM client only
/// reminders are queued (they reach inboxes); pushes wait in the outbox.
pub async fn run(state: Arc<PushWorker>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let poll = Duration::from_millis(state.config.poll_millis);
    // Pushes in flight across all batches.
    let sends = Arc::new(Semaphore::new(state.config.max_in_flight));
    let mut batches = JoinSet::new();
    while !*stop.borrow() {
        if let Err(e) = queue_reminders(&state).await {
            tracing::warn!(error = %e, "queueing reminders failed; trying again");
        }
        let mut busy = false;
        if let Some(fcm) = &state.fcm {
            while batches.len() >= BATCHES_IN_FLIGHT {
                batches.join_next().await;
            }
            match claim(&state).await {
                Ok(Some(batch)) => {
                    busy = batch.rows.len() >= state.config.batch_size;
                    batches.spawn(deliver(state.clone(), fcm.clone(), sends.clone(), batch));
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "claiming pushes failed; trying again"),
            }
        }
        if !busy {
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = state.wake.notified() => {}
                _ = stop.changed() => {}
                Some(_) = batches.join_next(), if !batches.is_empty() => {}
            }
        }
    }
    while batches.join_next().await.is_some() {}
}

async fn queue_reminders(state: &PushWorker) -> Result<(), AppError> {
    let now = state.clock.now_naive();
    let defaults = state.config.reminder_minutes.clone();
    let (queued, meetings_queued) = state
        .db
        .run(move |conn| {
            Ok((
                reminders::queue_due(conn, &defaults, now)?,
                meetings::reminders::queue_due(conn, &defaults, now)?,
            ))
        })
        .await?;
    if queued > 0 || meetings_queued > 0 {
        tracing::info!(
            activities = queued,
            meetings = meetings_queued,
            "reminders queued"
        );
    }
    Ok(())
}

/// Claimed notifications and the lease they are held under.
struct Batch {
    rows: Vec<OutboxRow>,
    lease: NaiveDateTime,
}

async fn claim(state: &PushWorker) -> Result<Option<Batch>, AppError> {
    let config = &state.config;
    let now = state.clock.now_naive();
    let lease = now + chrono::Duration::seconds(config.lease_seconds as i64);
    let limit = config.batch_size as i64;
    let rows = state
        .db
        .write(move |conn| queue::claim(conn, now, lease, limit))
        .await?;
    Ok((!rows.is_empty()).then_some(Batch { rows, lease }))
}

async fn deliver(state: Arc<PushWorker>, fcm: Arc<FcmClient>, sends: Arc<Semaphore>, batch: Batch) {
    if let Err(e) = send_and_record(&state, &fcm, &sends, batch).await {
        tracing::warn!(error = %e, "recording pushes failed; their claims will expire and they go again");
    }
}

/// Sends a batch (each push its own task, so they spread over the runtime's
/// threads) and records what became of every notification in it.
async fn send_and_record(
    state: &PushWorker,
    fcm: &Arc<FcmClient>,
    sends: &Arc<Semaphore>,
    batch: Batch,
) -> Result<(), AppError> {
    let Batch { rows, lease } = batch;
    let user_ids: Vec<MemberId> = rows.iter().map(|r| r.user_id).collect();
    let phones = state
        .db
        .run(move |conn| devices::live_of(conn, &user_ids))
        .await?;
    let mut by_user: HashMap<MemberId, Vec<&str>> = HashMap::new();
    for (user, token, _) in &phones {
        by_user.entry(*user).or_default().push(token);
    }

    let mut in_flight = JoinSet::new();
    let mut reached_before: Vec<HashSet<String>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let before = previously_reached(row);
        for token in by_user.get(&row.user_id).into_iter().flatten() {
            if before.contains(*token) {
                continue;
            }
            let permit = sends
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| AppError::internal("the push semaphore closed"))?;
            let (fcm, push) = (fcm.clone(), push_of(row, token));
            in_flight.spawn(async move {
                let outcome = fcm.send(&push).await;
                drop(permit);
                (i, push.token, outcome)
            });
        }
        reached_before.push(before);
    }
    let mut rounds: Vec<Round> = reached_before.into_iter().map(Round::new).collect();
    // Dead tokens by FCM's reason: one UPDATE per reason, not per phone.
    let mut dead: HashMap<String, Vec<String>> = HashMap::new();
    while let Some(joined) = in_flight.join_next().await {
        let (i, token, outcome) =
            joined.map_err(|e| AppError::internal(format!("a push task failed: {e}")))?;
        state.metrics.push_sent(outcome_label(&outcome));
        let round = &mut rounds[i];
        match outcome {
            SendOutcome::Delivered => {
                round.reached.insert(token);
            }
            SendOutcome::TokenInvalid { reason } => {
                round.refused.push(reason.clone());
                dead.entry(reason).or_default().push(token);
            }
            SendOutcome::Retry { after, reason } => round.retry.push((after, reason)),
            SendOutcome::Rejected { reason } => round.refused.push(reason),
        }
    }
    let finished_at = state.clock.now_naive();
    let mut verdicts: Vec<(NotificationId, Verdict)> = rows
        .iter()
        .zip(rounds)
        .map(|(row, round)| (row.id, round.verdict(row, &state.config, finished_at)))
        .collect();
    state
        .db
        .write(move |conn| {
            // A retry waits out quiet hours as a first send does.
            let mut quiet = outbox::RetryTimes::default();
            for (row, (_, verdict)) in rows.iter().zip(verdicts.iter_mut()) {
                if let Verdict::Retry { due, .. } = verdict {
                    *due = quiet.due(conn, row, *due)?;
                }
            }
            for (reason, tokens) in &dead {
                devices::disable(conn, tokens, reason, finished_at)?;
            }
            queue::finish(conn, lease, &verdicts, finished_at)
        })
        .await
}

/// What one notification's sends came to this round.
struct Round {
    reached: HashSet<String>,
    reached_any_before: bool,
    retry: Vec<(Option<Duration>, String)>,
    refused: Vec<String>,
}

impl Round {
    fn new(before: HashSet<String>) -> Self {
        Self {
            reached_any_before: !before.is_empty(),
            reached: before,
            retry: Vec::new(),
            refused: Vec::new(),
        }
    }

    fn verdict(self, row: &OutboxRow, config: &PushConfig, now: NaiveDateTime) -> Verdict {
        let nothing_tried = self.retry.is_empty() && self.refused.is_empty();
        if let Some((_, reason)) = self.retry.first()
            && row.attempts < config.max_attempts
        {
            let wait = backoff(
                row.attempts,
                config.retry_base_seconds,
                config.retry_max_seconds,
            );
            let asked = self.retry.iter().filter_map(|(a, _)| *a).max();
            let wait = asked.map_or(wait, |a| a.max(wait));
            let mut reached: Vec<&String> = self.reached.iter().collect();
            reached.sort();
            return Verdict::Retry {
                due: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
                delivered_to: (!reached.is_empty())
                    .then(|| serde_json::to_string(&reached).unwrap_or_default()),
                reason: reason.clone(),
            };
        }
        if !self.reached.is_empty() {
            Verdict::Sent
        } else if nothing_tried && !self.reached_any_before {
            Verdict::NoDevice
        } else {
            let reason = self
                .refused
                .first()
                .or(self.retry.first().map(|(_, r)| r))
                .cloned()
                .unwrap_or_else(|| "no device took it".into());
            Verdict::Failed(reason)
        }
    }
}

/// `base × 2^(attempt-1)`, at most `max`, with ±20% jitter so retries of a
/// whole fan-out do not arrive together.
fn backoff(attempt: i32, base_seconds: u64, max_seconds: u64) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let secs = base_seconds.saturating_mul(1 << exp).min(max_seconds) as f64;
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::from_secs_f64(secs * jitter)
}

fn previously_reached(row: &OutboxRow) -> HashSet<String> {
    row.delivered_to
        .as_deref()
        .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn push_of(row: &OutboxRow, token: &str) -> Push {
    let mut data = vec![
        (push_data::EVENT, row.kind.as_str().to_owned()),
        (push_data::NOTIFICATION_ID, row.id.to_string()),
    ];
    if let Some(a) = row.activity_id {
        data.push((push_data::ACTIVITY_ID, a.to_string()));
    }
    if let Some(a) = row.announcement_id {
        data.push((push_data::ANNOUNCEMENT_ID, a.to_string()));
    }
    if let Some(m) = row.meeting_id {
        data.push((push_data::MEETING_ID, m.to_string()));
    }
    if let Some(r) = row.report_id {
        data.push((push_data::REPORT_ID, r.to_string()));
    }
    Push {
        token: token.to_owned(),
        title: row.title.clone(),
        body: row.body.clone(),
        data,
        urgent: row.urgent,
    }
}

fn outcome_label(outcome: &SendOutcome) -> &'static str {
    match outcome {
        SendOutcome::Delivered => "delivered",
        SendOutcome::TokenInvalid { .. } => "token_invalid",
        SendOutcome::Retry { .. } => "retry",
        SendOutcome::Rejected { .. } => "rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        for (attempt, expected) in [(1, 10.0), (2, 20.0), (3, 40.0), (10, 600.0)] {
            let d = backoff(attempt, 10, 600).as_secs_f64();
            assert!(
                d >= expected * 0.8 && d <= expected * 1.2,
                "attempt {attempt}: {d}"
            );
        }
    }
}
