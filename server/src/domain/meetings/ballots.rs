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
//! per vote (800 ballots: see BENCHMARKS.md), paid only while a round is open.

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::{AppraisalId, BallotId, DepartmentId};
use lvzhi_shared::meetings::{AppraisalStatus, BallotReceipt, NewBallot, ReceiptCheck};
use lvzhi_shared::validate::{MAX_LONG_TEXT_CHARS, text};
use rand::RngCore;
use rand::seq::SliceRandom;
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;
use crate::db::DbConnection;
use crate::db::models::BallotRow;
use crate::db::schema::{appraisal_ballots, appraisal_voters};
use crate::domain::Ctx;
use crate::error::AppError;

use super::appraisals::{departments, eligible, load, lock};

/// Longest comment on one department.
const MAX_COMMENT_CHARS: usize = 500;

fn receipt_hash(receipt: &str) -> String {
    hex(&Sha256::digest(receipt.trim().as_bytes()))
}

/// Casts the caller's ballot: one answer per department, once per round.
pub fn cast(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: AppraisalId,
    input: &NewBallot,
) -> Result<BallotReceipt, AppError> {
    let row = lock(conn, ctx, id)?;
    if row.status != AppraisalStatus::Open {
        return Err(AppError::new(
            ErrorCode::AppraisalNotOpen,
            "this round is not open for voting",
        ));
    }
    let voter = ctx.caller.user_id;
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
    if !eligible(conn, &row)?.contains(&voter) {
        return Err(AppError::new(
            ErrorCode::NotEligible,
            "you may not vote in this round",
        ));
    }
    let depts = departments(conn, id)?;
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
                text(
                    c,
                    "comment",
                    MAX_COMMENT_CHARS.min(MAX_LONG_TEXT_CHARS),
                    false,
                )
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
    diesel::insert_into(appraisal_voters::table)
        .values((
            appraisal_voters::appraisal_id.eq(id),
            appraisal_voters::user_id.eq(voter),
        ))
        .execute(conn)?;
    let ballot = BallotRow {
        id: BallotId::new_v4(),
        appraisal_id: id,
        receipt_hash: receipt_hash(&receipt),
        answers: serde_json::to_string(&answers).map_err(AppError::internal)?,
    };
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::insert_into(appraisal_ballots::table)
                .values(&ballot)
                .execute(c)?;
        }
        DbConnection::Postgres(c) => reshuffle_with(c, id, ballot)?,
    }
    Ok(BallotReceipt {
        appraisal_id: id,
        receipt,
    })
}

/// PostgreSQL: replaces the round's ballots, `new` among them, in a random order.
fn reshuffle_with(
    conn: &mut diesel::PgConnection,
    id: AppraisalId,
    new: BallotRow,
) -> Result<(), AppError> {
    let mut all: Vec<BallotRow> =
        diesel::delete(appraisal_ballots::table.filter(appraisal_ballots::appraisal_id.eq(id)))
            .returning(BallotRow::as_returning())
            .get_results(conn)?;
    all.push(new);
    all.shuffle(&mut rand::rng());
    for chunk in all.chunks(1000) {
        diesel::insert_into(appraisal_ballots::table)
            .values(chunk)
            .execute(conn)?;
    }
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
