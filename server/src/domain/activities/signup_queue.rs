//! Sign-ups queue per activity and are written in batches.
//!
//! Each activity with sign-ups in flight has one lane: a task that takes
//! whatever requests have arrived (up to `signups.max_batch`), writes them in one
//! transaction, answers each, and repeats. A lone request is a batch of one,
//! so nothing waits on a timer; under a rush, requests that arrive while a
//! batch is being written share the next commit. Exactness does not depend on
//! the lane: every batch holds the activity's database lock, so several server
//! processes stay exact too. A lane idle for `IDLE` ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::db::Db;
use crate::domain::activities::signups::{self, SignupJob};
use crate::error::AppError;
use lvzhi_shared::activities::SignupResult;
use lvzhi_shared::ids::{ActivityId, CommitteeId};

const IDLE: Duration = Duration::from_secs(30);

type Reply = oneshot::Sender<Result<SignupResult, AppError>>;
type Lane = mpsc::UnboundedSender<(SignupJob, Reply)>;
/// (committee id, activity id): a lane serves one committee's view of one activity.
type LaneKey = (CommitteeId, ActivityId);

pub struct SignupQueue {
    db: Db,
    clock: Arc<dyn Clock>,
    max_batch: usize,
    lanes: Mutex<HashMap<LaneKey, Lane>>,
}

impl SignupQueue {
    pub fn new(db: Db, clock: Arc<dyn Clock>, max_batch: usize) -> Arc<Self> {
        Arc::new(Self {
            db,
            clock,
            max_batch: max_batch.max(1),
            lanes: Mutex::new(HashMap::new()),
        })
    }

    /// Queues a sign-up and waits for its answer.
    pub async fn submit(
        self: &Arc<Self>,
        activity_id: ActivityId,
        job: SignupJob,
    ) -> Result<SignupResult, AppError> {
        let key = (job.caller.committee_id, activity_id);
        let (reply, answer) = oneshot::channel();
        let mut item = (job, reply);
        // A lane may close between our lookup and our send; then open a new one.
        loop {
            let lane = self.lane(&key);
            match lane.send(item) {
                Ok(()) => break,
                Err(mpsc::error::SendError(back)) => {
                    item = back;
                    self.forget(&key, &lane);
                }
            }
        }
        answer
            .await
            .map_err(|_| AppError::internal("the sign-up lane stopped before answering"))?
    }

    fn lane(self: &Arc<Self>, key: &LaneKey) -> Lane {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lane) = lanes.get(key) {
            return lane.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        lanes.insert(*key, tx.clone());
        tokio::spawn(self.clone().run_lane(*key, tx.clone(), rx));
        tx
    }

    fn forget(&self, key: &LaneKey, lane: &Lane) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        if lanes.get(key).is_some_and(|l| l.same_channel(lane)) {
            lanes.remove(key);
        }
    }

    async fn run_lane(
        self: Arc<Self>,
        key: LaneKey,
        me: Lane,
        mut rx: mpsc::UnboundedReceiver<(SignupJob, Reply)>,
    ) {
        loop {
            let first = match tokio::time::timeout(IDLE, rx.recv()).await {
                Ok(Some(item)) => item,
                Ok(None) => return,
                Err(_) => {
                    // Idle: leave the map first, so new requests open a new lane,
                    // then close and serve whatever slipped in meanwhile.
                    self.forget(&key, &me);
                    rx.close();
                    let mut rest = Vec::new();
                    while let Ok(item) = rx.try_recv() {
                        rest.push(item);
                    }
                    if !rest.is_empty() {
                        self.write_batch(&key, rest).await;
                    }
                    return;
                }
            };
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            self.write_batch(&key, batch).await;
        }
    }

    async fn write_batch(&self, key: &LaneKey, batch: Vec<(SignupJob, Reply)>) {
        let (jobs, replies): (Vec<SignupJob>, Vec<Reply>) = batch.into_iter().unzip();
        let (committee_id, activity_id) = *key;
        let now = self.clock.now_naive();
        let outcome = self
            .db
            .write(move |conn| signups::sign_up_batch(conn, committee_id, activity_id, &jobs, now))
            .await;
        match outcome {
            Ok(answers) => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(answer);
                }
            }
            // The batch did not commit: every request in it failed alike.
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
