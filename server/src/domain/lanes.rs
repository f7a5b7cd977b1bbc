//! Lanes: requests about one thing (an activity's sign-ups, a round's
//! ballots) queue in one lane per server process and are written in batches.
//!
//! Each key with requests in flight has one lane: a task that takes whatever
//! requests have arrived (up to `max_batch`), writes them in one transaction,
//! answers each, and repeats. A lone request is a batch of one, so nothing
//! waits on a timer; under a rush, requests that arrive while a batch is
//! being written share the next commit, and a burst holds one database
//! connection instead of one per request. Exactness does not depend on the
//! lane: every batch takes the thing's database lock, so several server
//! processes stay exact too. A lane idle for `IDLE` ends.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::db::{Db, DbConnection};
use crate::error::AppError;

const IDLE: Duration = Duration::from_secs(30);

/// What a lane writes: a batch of jobs for one key, in one transaction,
/// with an answer per job (an error for one job does not fail the others;
/// an error for the batch fails them all alike).
pub trait BatchWriter: Send + Sync + 'static {
    type Key: Copy + Eq + Hash + Send + Sync + 'static;
    type Job: Send + 'static;
    type Answer: Send + 'static;

    fn write(
        &self,
        conn: &mut DbConnection,
        key: Self::Key,
        jobs: &[Self::Job],
        now: NaiveDateTime,
    ) -> Result<Vec<Result<Self::Answer, AppError>>, AppError>;
}

type Reply<A> = oneshot::Sender<Result<A, AppError>>;
type Lane<W> = mpsc::UnboundedSender<(<W as BatchWriter>::Job, Reply<<W as BatchWriter>::Answer>)>;

pub struct Lanes<W: BatchWriter> {
    db: Db,
    clock: Arc<dyn Clock>,
    max_batch: usize,
    writer: Arc<W>,
    lanes: Mutex<HashMap<W::Key, Lane<W>>>,
}

impl<W: BatchWriter> Lanes<W> {
    pub fn new(db: Db, clock: Arc<dyn Clock>, max_batch: usize, writer: W) -> Arc<Self> {
        Arc::new(Self {
            db,
            clock,
            max_batch: max_batch.max(1),
            writer: Arc::new(writer),
            lanes: Mutex::new(HashMap::new()),
        })
    }

    /// Queues a job in `key`'s lane and waits for its answer.
    pub async fn submit(self: &Arc<Self>, key: W::Key, job: W::Job) -> Result<W::Answer, AppError> {
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
            .map_err(|_| AppError::internal("the lane stopped before answering"))?
    }

    fn lane(self: &Arc<Self>, key: &W::Key) -> Lane<W> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lane) = lanes.get(key) {
            return lane.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        lanes.insert(*key, tx.clone());
        tokio::spawn(self.clone().run_lane(*key, tx.clone(), rx));
        tx
    }

    fn forget(&self, key: &W::Key, lane: &Lane<W>) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        if lanes.get(key).is_some_and(|l| l.same_channel(lane)) {
            lanes.remove(key);
        }
    }

    async fn run_lane(
        self: Arc<Self>,
        key: W::Key,
        me: Lane<W>,
        mut rx: mpsc::UnboundedReceiver<(W::Job, Reply<W::Answer>)>,
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
                        self.write_batch(key, rest).await;
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
            self.write_batch(key, batch).await;
        }
    }

    async fn write_batch(&self, key: W::Key, batch: Vec<(W::Job, Reply<W::Answer>)>) {
        let (jobs, replies): (Vec<W::Job>, Vec<Reply<W::Answer>>) = batch.into_iter().unzip();
        let now = self.clock.now_naive();
        let writer = self.writer.clone();
        let outcome = self
            .db
            .write(move |conn| writer.write(conn, key, &jobs, now))
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
