//! Democratic appraisal rounds (民主评议) held at a meeting: set up as a
//! draft with the departments appraised, opened for voting, closed (valid
//! only when more than half of the eligible voted), then tallied. Nobody,
//! organizers included, sees a tally before the close.

use std::collections::HashMap;

use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{AppraisalId, CommitteeId, DepartmentId, MeetingId, MemberId};
use lvzhi_shared::meetings::{
    Appraisal, AppraisalResults, AppraisalStatus, BallotAnswer, Department, DepartmentResult,
    Electorate, MeetingStatus, NewAppraisal, Rating,
};
use lvzhi_shared::validate::{MAX_TITLE_CHARS, text};

use crate::db::DbConnection;
use crate::db::models::{AppraisalRow, DepartmentRow};
use crate::db::schema::{
    appraisal_ballots, appraisal_departments, appraisal_voters, appraisals, meeting_sessions,
    meeting_summons, session_checkins,
};
use crate::domain::{Ctx, audit};
use crate::error::AppError;
use crate::export::Table;

/// Most departments on one ballot.
const MAX_DEPARTMENTS: usize = 100;

pub fn load(conn: &mut DbConnection, ctx: &Ctx, id: AppraisalId) -> Result<AppraisalRow, AppError> {
    load_in(conn, ctx.caller.committee_id, id)
}

fn load_in(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: AppraisalId,
) -> Result<AppraisalRow, AppError> {
    appraisals::table
        .find(id)
        .filter(appraisals::committee_id.eq(committee_id))
        .select(AppraisalRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("appraisal"))
}

/// Takes the round's write lock: votes and the close are serialised on it,
/// so ballots never outnumber the eligible and the close counts all of them.
pub fn lock(conn: &mut DbConnection, ctx: &Ctx, id: AppraisalId) -> Result<AppraisalRow, AppError> {
    lock_in(conn, ctx.caller.committee_id, id)
}

pub fn lock_in(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: AppraisalId,
) -> Result<AppraisalRow, AppError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM appraisals WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    load_in(conn, committee_id, id)
}

pub fn departments(
    conn: &mut DbConnection,
    id: AppraisalId,
) -> Result<Vec<DepartmentRow>, AppError> {
    Ok(appraisal_departments::table
        .filter(appraisal_departments::appraisal_id.eq(id))
        .order(appraisal_departments::position)
        .select(DepartmentRow::as_select())
        .load(conn)?)
}

/// Whether one member may vote in the round now (what [`eligible_count`]
/// counts, asked of them alone: a vote should not read the whole electorate).
pub fn is_eligible(
    conn: &mut DbConnection,
    row: &AppraisalRow,
    member: MemberId,
) -> Result<bool, AppError> {
    let voting: Option<bool> = meeting_summons::table
        .find((row.meeting_id, member))
        .select(meeting_summons::voting)
        .get_result(conn)
        .optional()?;
    if voting != Some(true) {
        return Ok(false);
    }
    Ok(match row.electorate {
        Electorate::Body => true,
        Electorate::CheckedIn => {
            session_checkins::table
                .inner_join(meeting_sessions::table)
                .filter(meeting_sessions::meeting_id.eq(row.meeting_id))
                .filter(session_checkins::user_id.eq(member))
                .count()
                .get_result::<i64>(conn)?
                > 0
        }
    })
}

/// How many may vote in the round: the meeting's voting summoned (the body)
/// or those of them checked in at one of its sessions, counted by the database.
fn eligible_count(conn: &mut DbConnection, row: &AppraisalRow) -> Result<i64, AppError> {
    let voting = meeting_summons::table
        .filter(meeting_summons::meeting_id.eq(row.meeting_id))
        .filter(meeting_summons::voting.eq(true))
        .select(meeting_summons::user_id);
    Ok(match row.electorate {
        Electorate::Body => voting.count().get_result(conn)?,
        Electorate::CheckedIn => session_checkins::table
            .inner_join(meeting_sessions::table)
            .filter(meeting_sessions::meeting_id.eq(row.meeting_id))
            .filter(session_checkins::user_id.eq_any(voting))
            .select(diesel::dsl::count(session_checkins::user_id).aggregate_distinct())
            .get_result(conn)?,
    })
}

fn voted_count(conn: &mut DbConnection, id: AppraisalId) -> Result<i64, AppError> {
    Ok(appraisal_ballots::table
        .filter(appraisal_ballots::appraisal_id.eq(id))
        .count()
        .get_result(conn)?)
}

fn to_appraisal(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: AppraisalRow,
) -> Result<Appraisal, AppError> {
    let open = row.status == AppraisalStatus::Open;
    let (eligible_now, may_vote) = if open || row.status == AppraisalStatus::Draft {
        let count = eligible_count(conn, &row)?;
        let may = open && is_eligible(conn, &row, ctx.caller.user_id)?;
        (i32::try_from(count).unwrap_or(i32::MAX), may)
    } else {
        (row.eligible_at_close.unwrap_or(0), false)
    };
    let has_voted = appraisal_voters::table
        .find((row.id, ctx.caller.user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    let voted = voted_count(conn, row.id)?;
    Ok(Appraisal {
        id: row.id,
        meeting_id: row.meeting_id,
        title: row.title.clone(),
        electorate: row.electorate,
        status: row.status,
        departments: departments(conn, row.id)?
            .into_iter()
            .map(|d| Department {
                id: d.id,
                name: d.name,
            })
            .collect(),
        voted: i32::try_from(voted).unwrap_or(i32::MAX),
        eligible: eligible_now,
        may_vote: may_vote && !has_voted,
        has_voted,
    })
}

pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewAppraisal,
) -> Result<Appraisal, AppError> {
    let meeting = super::load(conn, ctx.caller.committee_id, input.meeting_id).map_err(|_| {
        AppError::new(ErrorCode::InvalidField, "no such meeting in this committee")
            .with_field("meeting_id")
    })?;
    if meeting.status == MeetingStatus::Cancelled {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the meeting is cancelled",
        ));
    }
    let title = text(&input.title, "title", MAX_TITLE_CHARS, true)?;
    if input.departments.is_empty() {
        return Err(
            AppError::new(ErrorCode::FieldRequired, "name the departments appraised")
                .with_field("departments"),
        );
    }
    if input.departments.len() > MAX_DEPARTMENTS {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("at most {MAX_DEPARTMENTS} departments"),
        )
        .with_field("departments"));
    }
    let mut names = Vec::with_capacity(input.departments.len());
    for (i, d) in input.departments.iter().enumerate() {
        let name = text(d, "departments", MAX_TITLE_CHARS, true)
            .map_err(|e| AppError::from(e).with_field(format!("departments[{i}]")))?;
        if names.contains(&name) {
            return Err(
                AppError::new(ErrorCode::InvalidField, "a department is listed twice")
                    .with_field(format!("departments[{i}]")),
            );
        }
        names.push(name);
    }
    let row = AppraisalRow {
        id: AppraisalId::new_v7(),
        committee_id: ctx.caller.committee_id,
        meeting_id: meeting.id,
        title,
        electorate: input.electorate.unwrap_or(Electorate::CheckedIn),
        status: AppraisalStatus::Draft,
        eligible_at_close: None,
        ballots_at_close: None,
        created_at: ctx.now,
        closed_at: None,
    };
    diesel::insert_into(appraisals::table)
        .values(&row)
        .execute(conn)?;
    for (i, name) in names.into_iter().enumerate() {
        diesel::insert_into(appraisal_departments::table)
            .values(DepartmentRow {
                id: DepartmentId::new_v7(),
                appraisal_id: row.id,
                name,
                position: i32::try_from(i).unwrap_or(i32::MAX),
            })
            .execute(conn)?;
    }
    to_appraisal(conn, ctx, row)
}

pub fn view(conn: &mut DbConnection, ctx: &Ctx, id: AppraisalId) -> Result<Appraisal, AppError> {
    let row = load(conn, ctx, id)?;
    to_appraisal(conn, ctx, row)
}

/// The committee's rounds, newest first; `meeting` filters.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    meeting: Option<MeetingId>,
) -> Result<Vec<Appraisal>, AppError> {
    let mut q = appraisals::table
        .filter(appraisals::committee_id.eq(ctx.caller.committee_id))
        .order(appraisals::created_at.desc())
        .select(AppraisalRow::as_select())
        .limit(200)
        .into_boxed();
    if let Some(m) = meeting {
        q = q.filter(appraisals::meeting_id.eq(m));
    }
    let rows = q.load(conn)?;
    rows.into_iter()
        .map(|r| to_appraisal(conn, ctx, r))
        .collect()
}

/// Opens a draft round for voting.
pub fn open(conn: &mut DbConnection, ctx: &Ctx, id: AppraisalId) -> Result<Appraisal, AppError> {
    let row = lock(conn, ctx, id)?;
    match row.status {
        AppraisalStatus::Draft => {}
        AppraisalStatus::Open => {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "the round is already open",
            ));
        }
        AppraisalStatus::Closed | AppraisalStatus::Invalid => {
            return Err(AppError::new(
                ErrorCode::AppraisalClosed,
                "the round is closed",
            ));
        }
    }
    let meeting = super::load(conn, ctx.caller.committee_id, row.meeting_id)?;
    if meeting.status != MeetingStatus::Published {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "voting opens once the meeting is published",
        ));
    }
    diesel::update(appraisals::table.find(id))
        .set(appraisals::status.eq(AppraisalStatus::Open))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::AppraisalOpened,
        Some(&id),
        row.title.clone(),
    )?;
    to_appraisal(
        conn,
        ctx,
        AppraisalRow {
            status: AppraisalStatus::Open,
            ..row
        },
    )
}

/// Closes the round: valid when more than half of the eligible voted.
pub fn close(conn: &mut DbConnection, ctx: &Ctx, id: AppraisalId) -> Result<Appraisal, AppError> {
    let row = lock(conn, ctx, id)?;
    match row.status {
        AppraisalStatus::Open => {}
        AppraisalStatus::Draft => {
            return Err(AppError::new(
                ErrorCode::AppraisalNotOpen,
                "the round has not been opened",
            ));
        }
        AppraisalStatus::Closed | AppraisalStatus::Invalid => {
            return Err(AppError::new(
                ErrorCode::AppraisalClosed,
                "the round is already closed",
            ));
        }
    }
    let eligible = eligible_count(conn, &row)?;
    let ballots = voted_count(conn, id)?;
    let status = if ballots * 2 > eligible {
        AppraisalStatus::Closed
    } else {
        AppraisalStatus::Invalid
    };
    let (eligible, ballots) = (
        i32::try_from(eligible).unwrap_or(i32::MAX),
        i32::try_from(ballots).unwrap_or(i32::MAX),
    );
    diesel::update(appraisals::table.find(id))
        .set((
            appraisals::status.eq(status),
            appraisals::eligible_at_close.eq(Some(eligible)),
            appraisals::ballots_at_close.eq(Some(ballots)),
            appraisals::closed_at.eq(Some(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::AppraisalClosed,
        Some(&id),
        format!("{}：{ballots}/{eligible}，{}", row.title, status.as_str()),
    )?;
    to_appraisal(
        conn,
        ctx,
        AppraisalRow {
            status,
            eligible_at_close: Some(eligible),
            ballots_at_close: Some(ballots),
            closed_at: Some(ctx.now),
            ..row
        },
    )
}

#[derive(Default)]
struct Tally {
    satisfied: i64,
    basically: i64,
    unsatisfied: i64,
    cannot_judge: i64,
}

impl Tally {
    fn judged(&self) -> i64 {
        self.satisfied + self.basically + self.unsatisfied
    }
    fn content(&self) -> i64 {
        self.satisfied + self.basically
    }
    /// Compares rates exactly (as fractions), higher first.
    fn cmp_rate(&self, other: &Tally) -> std::cmp::Ordering {
        let a = i128::from(self.content()) * i128::from(other.judged().max(1));
        let b = i128::from(other.content()) * i128::from(self.judged().max(1));
        let a = if self.judged() == 0 { 0 } else { a };
        let b = if other.judged() == 0 { 0 } else { b };
        b.cmp(&a)
    }
}

/// The tally, once the round is closed: rates, ranks with ties, turnout.
pub fn results(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: AppraisalId,
) -> Result<AppraisalResults, AppError> {
    let row = load(conn, ctx, id)?;
    if matches!(row.status, AppraisalStatus::Draft | AppraisalStatus::Open) {
        return Err(AppError::new(
            ErrorCode::ResultsNotReady,
            "results are shown once the round is closed",
        ));
    }
    let depts = departments(conn, id)?;
    let mut tallies: HashMap<DepartmentId, Tally> =
        depts.iter().map(|d| (d.id, Tally::default())).collect();
    let ballots: Vec<String> = appraisal_ballots::table
        .filter(appraisal_ballots::appraisal_id.eq(id))
        .select(appraisal_ballots::answers)
        .load(conn)?;
    for stored in &ballots {
        let answers: Vec<BallotAnswer> =
            serde_json::from_str(stored).map_err(AppError::internal)?;
        for a in answers {
            if let Some(t) = tallies.get_mut(&a.department_id) {
                match a.rating {
                    Rating::Satisfied => t.satisfied += 1,
                    Rating::BasicallySatisfied => t.basically += 1,
                    Rating::Unsatisfied => t.unsatisfied += 1,
                    Rating::CannotJudge => t.cannot_judge += 1,
                }
            }
        }
    }
    let mut order: Vec<&DepartmentRow> = depts.iter().collect();
    order.sort_by(|a, b| {
        tallies[&a.id]
            .cmp_rate(&tallies[&b.id])
            .then(a.position.cmp(&b.position))
    });
    let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    let mut out: Vec<DepartmentResult> = Vec::with_capacity(order.len());
    for (i, d) in order.iter().enumerate() {
        let t = &tallies[&d.id];
        let rank = match i {
            0 => 1,
            _ if t.cmp_rate(&tallies[&order[i - 1].id]).is_eq() => out[i - 1].rank,
            _ => i32::try_from(i + 1).unwrap_or(i32::MAX),
        };
        out.push(DepartmentResult {
            department_id: d.id,
            name: d.name.clone(),
            satisfied: count(t.satisfied),
            basically_satisfied: count(t.basically),
            unsatisfied: count(t.unsatisfied),
            cannot_judge: count(t.cannot_judge),
            satisfaction_rate: if t.judged() == 0 {
                0.0
            } else {
                t.content() as f64 / t.judged() as f64
            },
            rank,
        });
    }
    let eligible = row.eligible_at_close.unwrap_or(0);
    let cast = count(ballots.len() as i64);
    Ok(AppraisalResults {
        appraisal_id: id,
        title: row.title,
        status: row.status,
        eligible,
        ballots: cast,
        turnout: if eligible == 0 {
            0.0
        } else {
            f64::from(cast) / f64::from(eligible)
        },
        departments: out,
    })
}

/// The results as a table for a spreadsheet (Chinese headers), best first.
pub fn results_table(results: &AppraisalResults) -> Table {
    Table {
        headers: vec![
            "名次",
            "评议对象",
            "满意",
            "基本满意",
            "不满意",
            "不了解",
            "满意率",
        ],
        rows: results
            .departments
            .iter()
            .map(|d| {
                vec![
                    d.rank.to_string(),
                    d.name.clone(),
                    d.satisfied.to_string(),
                    d.basically_satisfied.to_string(),
                    d.unsatisfied.to_string(),
                    d.cannot_judge.to_string(),
                    format!("{:.1}%", d.satisfaction_rate * 100.0),
                ]
            })
            .collect(),
    }
}
