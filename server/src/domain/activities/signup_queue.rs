//! Sign-ups queue per activity and are written in batches
//! (`domain::lanes`): one lock and one commit for the requests that arrived
//! while the previous batch was being written.

use std::sync::Arc;

use chrono::NaiveDateTime;
use lvzhi_shared::activities::SignupResult;
use lvzhi_shared::ids::{ActivityId, CommitteeId};

use crate::clock::Clock;
use crate::db::{Db, DbConnection};
use crate::domain::activities::signups::{self, SignupJob};
use crate::domain::lanes::{BatchWriter, Lanes};
use crate::error::AppError;

/// Writes a batch of sign-ups for one committee's view of one activity.
pub struct SignupWriter;

impl BatchWriter for SignupWriter {
    type Key = (CommitteeId, ActivityId);
    type Job = SignupJob;
    type Answer = SignupResult;

    fn write(
        &self,
        conn: &mut DbConnection,
        (committee_id, activity_id): Self::Key,
        jobs: &[SignupJob],
        now: NaiveDateTime,
    ) -> Result<Vec<Result<SignupResult, AppError>>, AppError> {
        signups::sign_up_batch(conn, committee_id, activity_id, jobs, now)
    }
}

pub type SignupQueue = Lanes<SignupWriter>;

/// The process's sign-up lanes.
pub fn signup_queue(db: Db, clock: Arc<dyn Clock>, max_batch: usize) -> Arc<SignupQueue> {
    Lanes::new(db, clock, max_batch, SignupWriter)
}
