//! A report's timeline: each step is an event on the row it happened to,
//! written in the step's transaction, and everyone credited on the report
//! is told (not the one who did it).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::{MemberId, ReportEventId, ReportId};
use lvzhi_shared::reports::ReportEventKind;

use crate::db::DbConnection;
use crate::db::models::{ReportEventRow, ReportRow};
use crate::db::schema::{report_credits, report_events, reports};
use crate::domain::Ctx;
use crate::error::AppError;

use super::words;

/// One step, with what it needs besides its kind.
#[derive(Default)]
pub struct Step {
    pub level: Option<CommitteeLevel>,
    pub on_date: Option<NaiveDate>,
    pub party: Option<String>,
    pub text: Option<String>,
}

impl Step {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }
}

/// Records `kind` on `row`; for the steps they hear of, tells those credited.
pub fn record(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: &ReportRow,
    kind: ReportEventKind,
    step: Step,
) -> Result<(), AppError> {
    let event = ReportEventRow {
        id: ReportEventId::new_v7(),
        report_id: row.id,
        root_id: row.root_id,
        committee_id: row.committee_id,
        kind,
        actor_id: Some(ctx.caller.user_id),
        level: step.level,
        on_date: step.on_date,
        party: step.party,
        text: step.text,
        at: ctx.now,
    };
    diesel::insert_into(report_events::table)
        .values(&event)
        .execute(conn)?;
    if tells(kind) {
        let to: Vec<MemberId> = credited(conn, row.root_id)?
            .into_iter()
            .filter(|m| *m != ctx.caller.user_id)
            .collect();
        words::tell_step(conn, ctx, row, &event, &to)?;
    }
    Ok(())
}

/// Steps the credited hear of: the office's and upstream's, not their own.
fn tells(kind: ReportEventKind) -> bool {
    use ReportEventKind::*;
    !matches!(
        kind,
        Submitted | Withdrawn | Cosigned | Declined | Edited | Received
    )
}

/// The author and the co-signers who confirmed, of a root report.
pub fn credited(conn: &mut DbConnection, root: ReportId) -> Result<Vec<MemberId>, AppError> {
    Ok(report_credits::table
        .filter(report_credits::report_id.eq(root))
        .filter(report_credits::confirmed_at.is_not_null())
        .order(report_credits::position)
        .select(report_credits::member_id)
        .load(conn)?)
}

/// Every row of a root's chain: the member's report and its copies upstream.
pub fn chain(conn: &mut DbConnection, root: ReportId) -> Result<Vec<ReportRow>, AppError> {
    Ok(reports::table
        .filter(reports::root_id.eq(root))
        .order(reports::created_at)
        .select(ReportRow::as_select())
        .load(conn)?)
}

/// What became of each of `roots` anywhere along its way: the highest level
/// that adopted it, and whether a leader gave an instruction (批示).
pub struct Outcomes {
    pub adopted: HashMap<ReportId, CommitteeLevel>,
    pub instructed: HashSet<ReportId>,
}

pub fn outcomes(conn: &mut DbConnection, roots: &[ReportId]) -> Result<Outcomes, AppError> {
    let rows: Vec<(ReportId, ReportEventKind, Option<CommitteeLevel>)> = report_events::table
        .filter(report_events::root_id.eq_any(roots))
        .filter(report_events::kind.eq_any([ReportEventKind::Adopted, ReportEventKind::Instructed]))
        .select((
            report_events::root_id,
            report_events::kind,
            report_events::level,
        ))
        .load(conn)?;
    let mut found = Outcomes {
        adopted: HashMap::new(),
        instructed: HashSet::new(),
    };
    for (root, kind, level) in rows {
        if kind == ReportEventKind::Instructed {
            found.instructed.insert(root);
        } else if let Some(level) = level {
            let best = found.adopted.entry(root).or_insert(level);
            if level.rank() < best.rank() {
                *best = level;
            }
        }
    }
    Ok(found)
}

/// The events of the given rows, oldest first.
pub fn events_of(
    conn: &mut DbConnection,
    rows: &[ReportId],
) -> Result<Vec<ReportEventRow>, AppError> {
    Ok(report_events::table
        .filter(report_events::report_id.eq_any(rows))
        .order(report_events::id)
        .select(ReportEventRow::as_select())
        .load(conn)?)
}
