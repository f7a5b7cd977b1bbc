//! Where an accepted report goes and what becomes of it there: forwarding
//! to the parent committee (a copy lands in its queue) or to a body outside
//! Lvzhi, then adoption by level, leaders' instructions (批示) and the
//! responsible department's reply (办复), each recorded once.

use chrono::NaiveDate;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{CommitteeId, MaterialId, ReportId};
use lvzhi_shared::reports::{
    self as contract, AdoptionInput, ForwardInput, ForwardTarget, InstructionInput, ReplyInput,
    ReportEventKind, ReportStatus,
};
use lvzhi_shared::validate::{MAX_LONG_TEXT_CHARS, text};

use crate::db::DbConnection;
use crate::db::models::{ReportAttachmentRow, ReportForwardRow, ReportRow, ReportVersionRow};
use crate::db::schema::{
    committees, report_attachments, report_events, report_forwards, report_versions, reports,
};
use crate::domain::{Ctx, audit, committees::local};
use crate::error::AppError;

use super::timeline::{self, Step};
use super::{lock_in_queue, review, wrong_status};

/// Sends an accepted report upward: to the parent committee, where a copy
/// waits in its queue for its own decision, or to an outside body by name.
/// Each destination once.
pub fn forward(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    input: &ForwardInput,
) -> Result<(), AppError> {
    let row = lock_in_queue(conn, ctx.caller.committee_id, id)?;
    if row.status != ReportStatus::Accepted {
        return Err(wrong_status(&row, "accepted"));
    }
    let (destination, parent) = match input.target {
        ForwardTarget::Parent => {
            let parent_id: Option<CommitteeId> = committees::table
                .find(ctx.caller.committee_id)
                .select(committees::parent_id)
                .get_result(conn)?;
            let parent: Option<(CommitteeId, String)> = match parent_id {
                Some(p) => Some((
                    p,
                    committees::table
                        .find(p)
                        .select(committees::name)
                        .get_result(conn)?,
                )),
                None => None,
            };
            let Some(parent) = parent else {
                return Err(AppError::new(
                    ErrorCode::UnknownCommittee,
                    "this committee has no parent on this server; forward it outside by name",
                )
                .with_field("target"));
            };
            ("parent".to_owned(), Some(parent))
        }
        ForwardTarget::Outside => {
            let name = contract::note(
                input.outside_name.as_deref().unwrap_or_default(),
                "outside_name",
                true,
            )?
            .unwrap_or_default();
            (format!("outside:{name}"), None)
        }
    };
    let already: i64 = report_forwards::table
        .filter(report_forwards::report_id.eq(id))
        .filter(report_forwards::destination.eq(&destination))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Err(
            AppError::new(ErrorCode::AlreadyForwarded, "the report already went there")
                .with_field("target"),
        );
    }
    let party = match &parent {
        Some((_, name)) => name.clone(),
        None => destination.trim_start_matches("outside:").to_owned(),
    };
    timeline::record(
        conn,
        ctx,
        &row,
        ReportEventKind::Forwarded,
        Step {
            party: Some(party.clone()),
            ..Step::default()
        },
    )?;
    let copy_id = match &parent {
        Some((parent_id, _)) => Some(copy_upward(conn, ctx, &row, *parent_id)?),
        None => None,
    };
    diesel::insert_into(report_forwards::table)
        .values(&ReportForwardRow {
            report_id: id,
            destination,
            to_committee_id: parent.as_ref().map(|p| p.0),
            copy_id,
            forwarded_at: ctx.now,
        })
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::ReportForwarded,
        Some(&id),
        format!("{} → {party}", row.title),
    )
}

/// The copy the parent committee decides on: the text as forwarded, the
/// same attachments (their files shared), submitted now.
fn copy_upward(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: &ReportRow,
    parent: CommitteeId,
) -> Result<ReportId, AppError> {
    let copy = ReportRow {
        id: ReportId::new_v7(),
        committee_id: parent,
        root_id: row.root_id,
        forwarded_from: Some(row.id),
        author_id: row.author_id,
        title: row.title.clone(),
        body: row.body.clone(),
        category: row.category,
        status: ReportStatus::Submitted,
        version: 1,
        office_comment: None,
        issue_id: None,
        issue_position: None,
        merged_into: None,
        submitted_at: Some(ctx.now),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    diesel::insert_into(reports::table)
        .values(&copy)
        .execute(conn)?;
    diesel::insert_into(report_versions::table)
        .values(&ReportVersionRow {
            report_id: copy.id,
            version: 1,
            title: copy.title.clone(),
            body: copy.body.clone(),
            edited_by: ctx.caller.user_id,
            edited_at: ctx.now,
            note: None,
        })
        .execute(conn)?;
    let attachments: Vec<ReportAttachmentRow> = report_attachments::table
        .filter(report_attachments::report_id.eq(row.id))
        .select(ReportAttachmentRow::as_select())
        .load(conn)?;
    for a in attachments {
        diesel::insert_into(report_attachments::table)
            .values(&ReportAttachmentRow {
                id: MaterialId::new_v7(),
                report_id: copy.id,
                ..a
            })
            .execute(conn)?;
    }
    let from: String = committees::table
        .find(row.committee_id)
        .select(committees::name)
        .get_result(conn)?;
    timeline::record(
        conn,
        ctx,
        &copy,
        ReportEventKind::Received,
        Step {
            party: Some(from),
            ..Step::default()
        },
    )?;
    Ok(copy.id)
}

/// An outcome the office records: adoption, 批示 or 办复.
pub enum Outcome<'a> {
    Adoption(&'a AdoptionInput),
    Instruction(&'a InstructionInput),
    Reply(&'a ReplyInput),
}

/// Records an outcome on a report this committee forwarded. A 批示 needs
/// the report adopted first (anywhere along its way). The same outcome sent
/// again is recorded once.
pub fn record_outcome(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
    outcome: &Outcome<'_>,
) -> Result<(), AppError> {
    let row = lock_in_queue(conn, ctx.caller.committee_id, id)?;
    if !review::forwarded(conn, id)? {
        return Err(AppError::new(
            ErrorCode::NotForwarded,
            "record what became of a report once it was forwarded",
        ));
    }
    let today = local(ctx.now, ctx.tz).date_naive();
    let (kind, step) = match outcome {
        Outcome::Adoption(a) => (
            ReportEventKind::Adopted,
            Step {
                level: Some(a.level),
                on_date: Some(past(a.adopted_on, today, "adopted_on")?),
                party: contract::note(&a.adopted_by, "adopted_by", true)?,
                text: None,
            },
        ),
        Outcome::Instruction(i) => {
            let adopted: i64 = report_events::table
                .filter(report_events::root_id.eq(row.root_id))
                .filter(report_events::kind.eq(ReportEventKind::Adopted))
                .count()
                .get_result(conn)?;
            if adopted == 0 {
                return Err(AppError::new(
                    ErrorCode::NotAdopted,
                    "a leader's instruction is recorded on an adopted report",
                ));
            }
            (
                ReportEventKind::Instructed,
                Step {
                    level: Some(i.level),
                    on_date: Some(past(i.given_on, today, "given_on")?),
                    party: contract::note(&i.leader, "leader", true)?,
                    text: Some(text(&i.text, "text", MAX_LONG_TEXT_CHARS, true)?),
                },
            )
        }
        Outcome::Reply(r) => (
            ReportEventKind::Replied,
            Step {
                level: None,
                on_date: Some(past(r.replied_on, today, "replied_on")?),
                party: contract::note(&r.department, "department", true)?,
                text: Some(text(&r.text, "text", MAX_LONG_TEXT_CHARS, true)?),
            },
        ),
    };
    let same: i64 = report_events::table
        .filter(report_events::report_id.eq(id))
        .filter(report_events::kind.eq(kind))
        .filter(report_events::on_date.eq(step.on_date))
        .filter(report_events::party.eq(&step.party))
        .count()
        .get_result(conn)?;
    if same > 0 {
        return Ok(());
    }
    let what = format!("{}：{kind}", row.title);
    timeline::record(conn, ctx, &row, kind, step)?;
    audit::record(
        conn,
        ctx,
        AuditAction::ReportOutcomeRecorded,
        Some(&id),
        what,
    )
}

/// A recorded day may not be after today.
fn past(day: NaiveDate, today: NaiveDate, field: &'static str) -> Result<NaiveDate, AppError> {
    if day > today {
        return Err(
            AppError::new(ErrorCode::InvalidField, "a day not after today").with_field(field),
        );
    }
    Ok(day)
}
