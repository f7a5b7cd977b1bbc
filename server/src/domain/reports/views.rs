//! What callers see of reports: who may see which, a report as the wire
//! shows it (built for many rows in a fixed number of queries), the
//! timeline, the lists, the versions.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use lvzhi_shared::activities::Material;
use lvzhi_shared::ids::{CommitteeId, MemberId, ReportId, ReportIssueId};
use lvzhi_shared::members::Role;
use lvzhi_shared::reports::{
    IssueRef, Report, ReportCredit, ReportDetail, ReportEvent, ReportPage, ReportStatus,
    ReportVersion, issue_label,
};

use crate::db::DbConnection;
use crate::db::models::{
    ReportAttachmentRow, ReportCreditRow, ReportEventRow, ReportIssueRow, ReportRow,
    ReportVersionRow,
};
use crate::db::schema::{
    committees, report_attachments, report_credits, report_forwards, report_issues,
    report_versions, reports, users,
};
use crate::domain::Ctx;
use crate::domain::committees::local;
use crate::domain::pages::{id_cursor, parse_id_cursor};
use crate::error::AppError;

use super::{find, timeline};

fn is_office(ctx: &Ctx) -> bool {
    matches!(ctx.caller.role, Role::Organizer | Role::Admin)
}

/// How the caller comes to see a report.
enum Sight {
    /// The office of the committee whose queue holds it.
    Office,
    /// Credited on it (or named to co-sign): the member's whole story.
    Credited,
}

fn sight(conn: &mut DbConnection, ctx: &Ctx, row: &ReportRow) -> Result<Option<Sight>, AppError> {
    if row.committee_id == ctx.caller.committee_id
        && is_office(ctx)
        && row.status != ReportStatus::Draft
    {
        return Ok(Some(Sight::Office));
    }
    if row.root_id != row.id {
        return Ok(None);
    }
    if row.author_id == ctx.caller.user_id {
        return Ok(Some(Sight::Credited));
    }
    let named: i64 = report_credits::table
        .filter(report_credits::report_id.eq(row.id))
        .filter(report_credits::member_id.eq(ctx.caller.user_id))
        .count()
        .get_result(conn)?;
    Ok((named > 0 && row.status != ReportStatus::Draft).then_some(Sight::Credited))
}

/// The report, if the caller may see it.
pub fn visible(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<ReportRow, AppError> {
    let row = find(conn, id)?;
    match sight(conn, ctx, &row)? {
        Some(_) => Ok(row),
        None => Err(AppError::not_found("report")),
    }
}

pub fn view(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<Report, AppError> {
    let row = visible(conn, ctx, id)?;
    one(conn, ctx, row)
}

fn one(conn: &mut DbConnection, ctx: &Ctx, row: ReportRow) -> Result<Report, AppError> {
    to_reports(conn, ctx, vec![row])?
        .pop()
        .ok_or_else(|| AppError::internal("a report vanished while read"))
}

/// The report and its timeline: everything that happened to it anywhere
/// for those credited; for an office, what happened in its committee and
/// upward from it.
pub fn detail(conn: &mut DbConnection, ctx: &Ctx, id: ReportId) -> Result<ReportDetail, AppError> {
    let row = find(conn, id)?;
    let Some(sight) = sight(conn, ctx, &row)? else {
        return Err(AppError::not_found("report"));
    };
    let chain = timeline::chain(conn, row.root_id)?;
    let rows: Vec<ReportId> = match sight {
        Sight::Credited => chain.iter().map(|r| r.id).collect(),
        Sight::Office => {
            let mut seen: HashSet<ReportId> = HashSet::from([row.id]);
            let mut grew = true;
            while grew {
                grew = false;
                for r in &chain {
                    if r.forwarded_from.is_some_and(|f| seen.contains(&f)) && seen.insert(r.id) {
                        grew = true;
                    }
                }
            }
            seen.into_iter().collect()
        }
    };
    let events = timeline::events_of(conn, &rows)?;
    let timeline = to_events(conn, ctx, events)?;
    let report = one(conn, ctx, row)?;
    Ok(ReportDetail { report, timeline })
}

fn to_events(
    conn: &mut DbConnection,
    ctx: &Ctx,
    events: Vec<ReportEventRow>,
) -> Result<Vec<ReportEvent>, AppError> {
    let committee_ids: Vec<CommitteeId> = events.iter().map(|e| e.committee_id).collect();
    let names = committee_names(conn, &committee_ids)?;
    let actor_ids: Vec<MemberId> = events.iter().filter_map(|e| e.actor_id).collect();
    let actors = member_names(conn, &actor_ids)?;
    Ok(events
        .into_iter()
        .map(|e| ReportEvent {
            at: local(e.at, ctx.tz),
            kind: e.kind,
            committee_name: names.get(&e.committee_id).cloned().unwrap_or_default(),
            actor_name: e.actor_id.and_then(|a| actors.get(&a).cloned()),
            level: e.level,
            on_date: e.on_date,
            party: e.party,
            text: e.text,
        })
        .collect())
}

fn committee_names(
    conn: &mut DbConnection,
    ids: &[CommitteeId],
) -> Result<HashMap<CommitteeId, String>, AppError> {
    Ok(committees::table
        .filter(committees::id.eq_any(ids))
        .select((committees::id, committees::name))
        .load::<(CommitteeId, String)>(conn)?
        .into_iter()
        .collect())
}

fn member_names(
    conn: &mut DbConnection,
    ids: &[MemberId],
) -> Result<HashMap<MemberId, String>, AppError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(MemberId, String)>(conn)?
        .into_iter()
        .collect())
}

pub(super) fn to_material(a: ReportAttachmentRow) -> Material {
    Material {
        url: format!("/api/v1/reports/{}/attachments/{}/file", a.report_id, a.id),
        id: a.id,
        title: a.title,
        content_type: Some(a.content_type),
        size_bytes: Some(a.size_bytes),
    }
}

/// Reports as the wire shows them, in the order given.
pub fn to_reports(
    conn: &mut DbConnection,
    ctx: &Ctx,
    rows: Vec<ReportRow>,
) -> Result<Vec<Report>, AppError> {
    let ids: Vec<ReportId> = rows.iter().map(|r| r.id).collect();
    let roots: Vec<ReportId> = rows.iter().map(|r| r.root_id).collect();
    let committee_ids: Vec<CommitteeId> = rows.iter().map(|r| r.committee_id).collect();
    let names = committee_names(conn, &committee_ids)?;

    let mut credits: HashMap<ReportId, Vec<ReportCredit>> = HashMap::new();
    let credit_rows: Vec<(ReportCreditRow, String)> = report_credits::table
        .inner_join(users::table)
        .filter(report_credits::report_id.eq_any(&roots))
        .order((report_credits::report_id, report_credits::position))
        .select((ReportCreditRow::as_select(), users::name))
        .load(conn)?;
    for (c, name) in credit_rows {
        credits.entry(c.report_id).or_default().push(ReportCredit {
            member_id: c.member_id,
            name,
            role: c.role,
            confirmed: c.confirmed_at.is_some(),
        });
    }

    let mut attachments: HashMap<ReportId, Vec<Material>> = HashMap::new();
    let attachment_rows: Vec<ReportAttachmentRow> = report_attachments::table
        .filter(report_attachments::report_id.eq_any(&ids))
        .order(report_attachments::id)
        .select(ReportAttachmentRow::as_select())
        .load(conn)?;
    for a in attachment_rows {
        attachments
            .entry(a.report_id)
            .or_default()
            .push(to_material(a));
    }

    let issue_ids: Vec<ReportIssueId> = rows.iter().filter_map(|r| r.issue_id).collect();
    let issues: HashMap<ReportIssueId, ReportIssueRow> = report_issues::table
        .filter(report_issues::id.eq_any(&issue_ids))
        .select(ReportIssueRow::as_select())
        .load::<ReportIssueRow>(conn)?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();

    let forwarded: HashSet<ReportId> = report_forwards::table
        .filter(report_forwards::report_id.eq_any(&ids))
        .select(report_forwards::report_id)
        .load::<ReportId>(conn)?
        .into_iter()
        .collect();

    let timeline::Outcomes {
        adopted,
        instructed,
    } = timeline::outcomes(conn, &roots)?;

    Ok(rows
        .into_iter()
        .map(|r| Report {
            committee_name: names.get(&r.committee_id).cloned().unwrap_or_default(),
            credits: credits.get(&r.root_id).cloned().unwrap_or_default(),
            attachments: attachments.remove(&r.id).unwrap_or_default(),
            issue: r.issue_id.and_then(|i| issues.get(&i)).map(|i| IssueRef {
                id: i.id,
                year: i.year,
                number: i.number,
                label: issue_label(i.year, i.number),
            }),
            forwarded: forwarded.contains(&r.id),
            adopted_level: adopted.get(&r.root_id).copied(),
            instructed: instructed.contains(&r.root_id),
            submitted_at: r.submitted_at.map(|t| local(t, ctx.tz)),
            updated_at: local(r.updated_at, ctx.tz),
            id: r.id,
            committee_id: r.committee_id,
            title: r.title,
            body: r.body,
            category: r.category,
            status: r.status,
            version: r.version,
            office_comment: r.office_comment,
            forwarded_from: r.forwarded_from,
            merged_into: r.merged_into,
        })
        .collect())
}

fn page(
    conn: &mut DbConnection,
    ctx: &Ctx,
    mut rows: Vec<ReportRow>,
    limit: usize,
) -> Result<ReportPage, AppError> {
    let next_cursor = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|r| id_cursor(r.id))
    });
    Ok(ReportPage {
        items: to_reports(conn, ctx, rows)?,
        next_cursor: next_cursor.flatten(),
    })
}

/// `GET /me/reports`: reports I wrote or am named on, newest first (drafts
/// only my own).
pub fn mine(
    conn: &mut DbConnection,
    ctx: &Ctx,
    cursor: Option<&str>,
    limit: usize,
) -> Result<ReportPage, AppError> {
    let named = report_credits::table
        .filter(report_credits::member_id.eq(ctx.caller.user_id))
        .select(report_credits::report_id);
    let mut q = reports::table
        .filter(reports::id.eq_any(named))
        .filter(
            reports::status
                .ne(ReportStatus::Draft)
                .or(reports::author_id.eq(ctx.caller.user_id)),
        )
        .order(reports::id.desc())
        .limit(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .select(ReportRow::as_select())
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(reports::id.lt(parse_id_cursor::<ReportId>(c)?));
    }
    let rows = q.load(conn)?;
    page(conn, ctx, rows, limit)
}

/// Which of the committee's reports the office lists.
#[derive(Debug, Default, Clone)]
pub struct QueueFilter {
    pub status: Option<ReportStatus>,
    /// Only copies forwarded from committees below.
    pub incoming: bool,
}

/// `GET /reports`: the committee's queue, newest first.
pub fn queue(
    conn: &mut DbConnection,
    ctx: &Ctx,
    filter: &QueueFilter,
    cursor: Option<&str>,
    limit: usize,
) -> Result<ReportPage, AppError> {
    let mut q = reports::table
        .filter(reports::committee_id.eq(ctx.caller.committee_id))
        .filter(reports::status.ne(ReportStatus::Draft))
        .order(reports::id.desc())
        .limit(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .select(ReportRow::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        q = q.filter(reports::status.eq(status));
    }
    if filter.incoming {
        q = q.filter(reports::forwarded_from.is_not_null());
    }
    if let Some(c) = cursor {
        q = q.filter(reports::id.lt(parse_id_cursor::<ReportId>(c)?));
    }
    let rows = q.load(conn)?;
    page(conn, ctx, rows, limit)
}

/// Every submitted text of a report in the office's queue, oldest first.
pub fn versions(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: ReportId,
) -> Result<Vec<ReportVersion>, AppError> {
    let row = super::in_queue(conn, ctx.caller.committee_id, id)?;
    let rows: Vec<ReportVersionRow> = report_versions::table
        .filter(report_versions::report_id.eq(row.id))
        .order(report_versions::version)
        .select(ReportVersionRow::as_select())
        .load(conn)?;
    let editors: Vec<MemberId> = rows.iter().map(|v| v.edited_by).collect();
    let names = member_names(conn, &editors)?;
    Ok(rows
        .into_iter()
        .map(|v| ReportVersion {
            version: v.version,
            edited_by: names.get(&v.edited_by).cloned().unwrap_or_default(),
            edited_at: local(v.edited_at, ctx.tz),
            title: v.title,
            body: v.body,
            note: v.note,
        })
        .collect())
}
