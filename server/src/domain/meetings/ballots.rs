//! The secret ballot. Casting one writes two rows that nothing links: the
//! voter's mark in `appraisal_voters` (round, member: "has voted") and the
//! ballot in `appraisal_ballots` (a random id, the round, the answers and the
//! hash of the voter's receipt) — no member, no time, no sequence.
//!
//! What the database itself keeps is handled per backend. SQLite stores both
//! tables WITHOUT ROWID, ordered by their keys, so the file holds no order of
//! voting. PostgreSQL stamps every row with the transaction that wrote it
//! (`xmin`) and places it in write order (`ctid`), which would pair a ballot
//! with the voter's mark; so each vote rewrites the round's whole ballot box
//! in a random order in its transaction: every live ballot then carries the
//! latest vote's `xmin` and a random place. That costs a rewrite of the box
//! per batch of votes (the round's lane writes the ballots that arrive
//! together in one transaction), inside PostgreSQL; see BENCHMARKS.md.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{AppraisalId, BallotId, CommitteeId, DepartmentId, MemberId};
use lvzhi_shared::meetings::{AppraisalStatus, BallotReceipt, NewBallot, ReceiptCheck};
use lvzhi_shared::validate::text;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;
use crate::db::DbConnection;
use crate::db::models::{AppraisalRow, BallotRow, DepartmentRow};
use crate::db::schema::{appraisal_ballots, appraisal_voters};
use crate::domain::Ctx;
use crate::domain::lanes::{BatchWriter, Lanes};
use crate::error::AppError;

use super::appraisals::{departments, is_eligible, load, lock_in};

/// Longest comment on one department.
const MAX_COMMENT_CHARS: usize = 500;

fn receipt_hash(receipt: &str) -> String {
    hex(&Sha256::digest(receipt.trim().as_bytes()))
}

/// Writes the ballots of one committee's round that arrived together (see
/// `domain::lanes`): a burst of voters holds one connection and one lock,
/// and the PostgreSQL box is reshuffled once per batch, not per ballot.
pub struct BallotWriter;

impl BatchWriter for BallotWriter {
    type Key = (CommitteeId, AppraisalId);
    type Job = BallotJob;
    type Answer = BallotReceipt;

    fn write(
        &self,
        conn: &mut DbConnection,
        (committee_id, id): Self::Key,
        jobs: &[BallotJob],
        _now: NaiveDateTime,
    ) -> Result<Vec<Result<BallotReceipt, AppError>>, AppError> {
        cast_batch(conn, committee_id, id, jobs)
    }
}

pub type BallotBox = Lanes<BallotWriter>;

/// One voter's ballot, waiting in the round's lane.
pub struct BallotJob {
    pub voter: MemberId,
    pub ballot: NewBallot,
}

/// Writes the ballots that arrived together for one round, in one
/// transaction under the round's lock; each voter gets a receipt or the
/// reason their ballot was refused. On PostgreSQL the box is reshuffled
/// once for the batch.
pub fn cast_batch(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: AppraisalId,
    jobs: &[BallotJob],
) -> Result<Vec<Result<BallotReceipt, AppError>>, AppError> {
    let row = lock_in(conn, committee_id, id)?;
    let depts = departments(conn, id)?;
    let mut answers = Vec::with_capacity(jobs.len());
    let mut ballots = Vec::new();
    for job in jobs {
        match check(conn, &row, &depts, job) {
            Ok((ballot, receipt)) => {
                diesel::insert_into(appraisal_voters::table)
                    .values((
                        appraisal_voters::appraisal_id.eq(id),
                        appraisal_voters::user_id.eq(job.voter),
                    ))
                    .execute(conn)?;
                ballots.push(ballot);
                answers.push(Ok(BallotReceipt {
                    appraisal_id: id,
                    receipt,
                }));
            }
            Err(refused) => answers.push(Err(refused)),
        }
    }
    match conn {
        DbConnection::Sqlite(c) => {
            for b in &ballots {
                diesel::insert_into(appraisal_ballots::table)
                    .values(b)
                    .execute(c)?;
            }
        }
        DbConnection::Postgres(c) if !ballots.is_empty() => reshuffle_with(c, id, &ballots)?,
        DbConnection::Postgres(_) => {}
    }
    Ok(answers)
}

/// Judges one ballot against the round as it stands in this transaction;
/// the ballot to store and the voter's receipt.
fn check(
    conn: &mut DbConnection,
    row: &AppraisalRow,
    depts: &[DepartmentRow],
    job: &BallotJob,
) -> Result<(BallotRow, String), AppError> {
    let id = row.id;
    if row.status != AppraisalStatus::Open {
        return Err(AppError::new(
            ErrorCode::AppraisalNotOpen,
            "this round is not open for voting",
        ));
    }
    let voter = job.voter;
    let already: i64 = appraisal_voters::table
        .find((id, voter))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Err(AppError::new(
            ErrorCode::AlreadyVoted,
            "your ballot is already in the box",
        ));
    }
    if !is_eligible(conn, row, voter)? {
        return Err(AppError::new(
            ErrorCode::NotEligible,
            "you may not vote in this round",
        ));
    }
    let input = &job.ballot;
    let mut answers = input.answers.clone();
    let mut seen: Vec<DepartmentId> = Vec::with_capacity(answers.len());
    for (i, a) in answers.iter_mut().enumerate() {
        if !depts.iter().any(|d| d.id == a.department_id) {
            return Err(
                AppError::new(ErrorCode::InvalidField, "no such department in this round")
                    .with_field(format!("answers[{i}].department_id")),
            );
        }
        if seen.contains(&a.department_id) {
            return Err(
                AppError::new(ErrorCode::InvalidField, "a department is answered twice")
                    .with_field(format!("answers[{i}].department_id")),
            );
        }
        seen.push(a.department_id);
        a.comment = match &a.comment {
            Some(c) => Some(
                text(c, "comment", MAX_COMMENT_CHARS, false)
                    .map_err(|e| AppError::from(e).with_field(format!("answers[{i}].comment")))?,
            )
            .filter(|c| !c.is_empty()),
            None => None,
        };
    }
    if seen.len() != depts.len() {
        return Err(AppError::new(
            ErrorCode::FieldRequired,
            "answer for every department (choose “cannot judge” where you cannot)",
        )
        .with_field("answers"));
    }
    // Answers in the ballot's order, so no two ballots differ in how they were sent.
    answers.sort_by_key(|a| {
        depts
            .iter()
            .position(|d| d.id == a.department_id)
            .unwrap_or(usize::MAX)
    });
    let mut secret = [0u8; 16];
    rand::rng().fill_bytes(&mut secret);
    let receipt = hex(&secret);
    let ballot = BallotRow {
        id: BallotId::new_v4(),
        appraisal_id: id,
        receipt_hash: receipt_hash(&receipt),
        answers: serde_json::to_string(&answers).map_err(AppError::internal)?,
    };
    Ok((ballot, receipt))
}

/// PostgreSQL: adds `new` and rewrites the round's ballots in a random
/// order, in one statement that keeps the rows in the server.
fn reshuffle_with(
    conn: &mut diesel::PgConnection,
    id: AppraisalId,
    new: &[BallotRow],
) -> Result<(), AppError> {
    diesel::insert_into(appraisal_ballots::table)
        .values(new)
        .execute(conn)?;
    diesel::sql_query(
        "WITH box AS (DELETE FROM appraisal_ballots WHERE appraisal_id = $1 \
         RETURNING id, appraisal_id, receipt_hash, answers) \
         INSERT INTO appraisal_ballots (id, appraisal_id, receipt_hash, answers) \
         SELECT id, appraisal_id, receipt_hash, answers FROM box ORDER BY random()",
    )
    .bind::<diesel::sql_types::Text, _>(id)
    .execute(conn)?;
    Ok(())
}

/// Whether a receipt's ballot is in the round's box.
pub fn check_receipt(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: AppraisalId,
    receipt: &str,
) -> Result<ReceiptCheck, AppError> {
    load(conn, ctx, id)?;
    let found: i64 = appraisal_ballots::table
        .filter(appraisal_ballots::appraisal_id.eq(id))
        .filter(appraisal_ballots::receipt_hash.eq(receipt_hash(receipt)))
        .count()
        .get_result(conn)?;
    Ok(ReceiptCheck { counted: found > 0 })
}
