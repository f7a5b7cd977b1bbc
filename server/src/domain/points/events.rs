//! What a year's records are made of, gathered from every module in a fixed
//! number of queries, for one member or the whole committee:
//!
//! - activities attended (training by the hour, outreach, inspections) and
//!   findings adopted: an activity belongs to the year it starts in;
//! - meeting sessions that ended: present, or absent without approved leave;
//! - appraisal rounds voted in (never how);
//! - the committee's own reports (not copies forwarded to it): submitted in
//!   the year and still standing, the highest adoption dated in the year,
//!   each 批示 dated in the year, shared among the confirmed credits;
//! - the office's manual entries and adjustments, by the year they are in.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::activities::{ActivityKind, ActivityStatus, Attendance, FindingStatus};
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::{
    ActivityId, AppraisalId, CommitteeId, FindingId, MeetingSessionId, MemberId, PointsEntryId,
    ReportEventId, ReportId,
};
use lvzhi_shared::meetings::{LeaveStatus, MeetingStatus};
use lvzhi_shared::points::{PointsEvent, PointsSourceKind};
use lvzhi_shared::reports::{CreditRole, ReportEventKind, ReportStatus};

use super::score::{Raw, Split};
use crate::db::DbConnection;
use crate::db::schema::{
    activities, appraisal_voters, appraisals, findings, leave_request_sessions, leave_requests,
    meeting_sessions, meeting_summons, meetings, points_entries, report_credits, report_events,
    reports, session_checkins, signups,
};
use crate::domain::committees::{local, year_bounds};
use crate::error::AppError;

/// Whose events: one member's, or everyone's in the committee.
#[derive(Debug, Clone, Copy)]
pub enum Whom {
    All,
    One(MemberId),
}

/// The year being gathered.
pub struct Year {
    pub committee: CommitteeId,
    pub year: i32,
    pub tz: Tz,
    /// Sessions that end after this have not happened yet.
    pub now: NaiveDateTime,
}

impl Year {
    fn day(&self, t: NaiveDateTime) -> NaiveDate {
        local(t, self.tz).date_naive()
    }
}

fn raw(
    member: MemberId,
    event: PointsEvent,
    key: String,
    source: (PointsSourceKind, String, String),
    on: NaiveDate,
) -> Raw {
    Raw {
        member,
        event,
        key,
        source_kind: source.0,
        source_id: source.1,
        source_title: source.2,
        on,
        quantity: 100,
        split: Split::Whole,
        own_points: None,
    }
}

/// Every event of the year for `whom`.
pub fn gather(conn: &mut DbConnection, y: &Year, whom: Whom) -> Result<Vec<Raw>, AppError> {
    let mut out = Vec::new();
    activities_attended(conn, y, whom, &mut out)?;
    findings_adopted(conn, y, whom, &mut out)?;
    sessions(conn, y, whom, &mut out)?;
    appraisals_voted(conn, y, whom, &mut out)?;
    reports_credited(conn, y, whom, &mut out)?;
    entries(conn, y, whom, &mut out)?;
    Ok(out)
}

fn activities_attended(
    conn: &mut DbConnection,
    y: &Year,
    whom: Whom,
    out: &mut Vec<Raw>,
) -> Result<(), AppError> {
    let (from, to) = year_bounds(y.year, y.tz);
    let mut query = signups::table
        .inner_join(activities::table)
        .filter(activities::committee_id.eq(y.committee))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.ne(ActivityStatus::Cancelled.as_str()))
        .filter(signups::attendance.eq(Attendance::Attended.as_str()))
        .select((
            signups::user_id,
            activities::id,
            activities::title,
            activities::kind,
            activities::study_hours,
            activities::starts_at,
        ))
        .into_boxed();
    if let Whom::One(m) = whom {
        query = query.filter(signups::user_id.eq(m));
    }
    let rows: Vec<(
        MemberId,
        ActivityId,
        String,
        ActivityKind,
        f64,
        NaiveDateTime,
    )> = query.load(conn)?;
    for (member, id, title, kind, hours, starts) in rows {
        let event = match kind {
            ActivityKind::Training => PointsEvent::TrainingHour,
            ActivityKind::Outreach => PointsEvent::OutreachJoined,
            ActivityKind::Inspection => PointsEvent::InspectionJoined,
        };
        let mut line = raw(
            member,
            event,
            format!("activity:{id}"),
            (PointsSourceKind::Activity, id.to_string(), title),
            y.day(starts),
        );
        if kind == ActivityKind::Training {
            // Hours are entered with at most a few decimals; count hundredths.
            line.quantity = (hours * 100.0).round() as i64;
        }
        out.push(line);
    }
    Ok(())
}

fn findings_adopted(
    conn: &mut DbConnection,
    y: &Year,
    whom: Whom,
    out: &mut Vec<Raw>,
) -> Result<(), AppError> {
    let (from, to) = year_bounds(y.year, y.tz);
    let mut query = findings::table
        .inner_join(activities::table)
        .filter(activities::committee_id.eq(y.committee))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.ne(ActivityStatus::Cancelled.as_str()))
        .filter(findings::status.eq(FindingStatus::Adopted.as_str()))
        .select((
            findings::user_id,
            findings::id,
            findings::title,
            activities::starts_at,
        ))
        .into_boxed();
    if let Whom::One(m) = whom {
        query = query.filter(findings::user_id.eq(m));
    }
    let rows: Vec<(MemberId, FindingId, String, NaiveDateTime)> = query.load(conn)?;
    for (member, id, title, starts) in rows {
        out.push(raw(
            member,
            PointsEvent::FindingAdopted,
            format!("finding:{id}"),
            (PointsSourceKind::Finding, id.to_string(), title),
            y.day(starts),
        ));
    }
    Ok(())
}

fn sessions(
    conn: &mut DbConnection,
    y: &Year,
    whom: Whom,
    out: &mut Vec<Raw>,
) -> Result<(), AppError> {
    let (from, to) = year_bounds(y.year, y.tz);
    let mut query = meeting_sessions::table
        .inner_join(meetings::table.inner_join(meeting_summons::table))
        .filter(meetings::committee_id.eq(y.committee))
        .filter(meetings::status.eq(MeetingStatus::Published))
        .filter(meeting_sessions::starts_at.ge(from))
        .filter(meeting_sessions::starts_at.lt(to))
        .filter(meeting_sessions::ends_at.lt(y.now))
        .select((
            meeting_summons::user_id,
            meeting_sessions::id,
            meetings::title,
            meeting_sessions::title,
            meeting_sessions::starts_at,
        ))
        .into_boxed();
    if let Whom::One(m) = whom {
        query = query.filter(meeting_summons::user_id.eq(m));
    }
    let summoned: Vec<(MemberId, MeetingSessionId, String, String, NaiveDateTime)> =
        query.load(conn)?;
    if summoned.is_empty() {
        return Ok(());
    }
    let session_ids: Vec<MeetingSessionId> = summoned
        .iter()
        .map(|s| s.1)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut present = session_checkins::table
        .filter(session_checkins::session_id.eq_any(&session_ids))
        .select((session_checkins::session_id, session_checkins::user_id))
        .into_boxed();
    let mut excused = leave_request_sessions::table
        .inner_join(leave_requests::table)
        .filter(leave_requests::status.eq(LeaveStatus::Approved))
        .filter(leave_request_sessions::session_id.eq_any(&session_ids))
        .select((leave_request_sessions::session_id, leave_requests::user_id))
        .into_boxed();
    if let Whom::One(m) = whom {
        present = present.filter(session_checkins::user_id.eq(m));
        excused = excused.filter(leave_requests::user_id.eq(m));
    }
    let present: HashSet<(MeetingSessionId, MemberId)> = present
        .load::<(MeetingSessionId, MemberId)>(conn)?
        .into_iter()
        .collect();
    let excused: HashSet<(MeetingSessionId, MemberId)> = excused
        .load::<(MeetingSessionId, MemberId)>(conn)?
        .into_iter()
        .collect();
    for (member, session, meeting, sitting, starts) in summoned {
        let event = if present.contains(&(session, member)) {
            PointsEvent::MeetingPresent
        } else if excused.contains(&(session, member)) {
            continue;
        } else {
            PointsEvent::MeetingAbsent
        };
        out.push(raw(
            member,
            event,
            format!("session:{session}"),
            (
                PointsSourceKind::MeetingSession,
                session.to_string(),
                format!("{meeting} · {sitting}"),
            ),
            y.day(starts),
        ));
    }
    Ok(())
}

fn appraisals_voted(
    conn: &mut DbConnection,
    y: &Year,
    whom: Whom,
    out: &mut Vec<Raw>,
) -> Result<(), AppError> {
    let (from, to) = year_bounds(y.year, y.tz);
    let mut query = appraisal_voters::table
        .inner_join(appraisals::table.inner_join(meetings::table))
        .filter(meetings::committee_id.eq(y.committee))
        .filter(meetings::starts_at.ge(from))
        .filter(meetings::starts_at.lt(to))
        .select((
            appraisal_voters::user_id,
            appraisals::id,
            appraisals::title,
            meetings::starts_at,
        ))
        .into_boxed();
    if let Whom::One(m) = whom {
        query = query.filter(appraisal_voters::user_id.eq(m));
    }
    let rows: Vec<(MemberId, AppraisalId, String, NaiveDateTime)> = query.load(conn)?;
    for (member, id, title, starts) in rows {
        out.push(raw(
            member,
            PointsEvent::AppraisalVoted,
            format!("appraisal:{id}"),
            (PointsSourceKind::Appraisal, id.to_string(), title),
            y.day(starts),
        ));
    }
    Ok(())
}

fn adopted_event(level: CommitteeLevel) -> PointsEvent {
    match level {
        CommitteeLevel::County => PointsEvent::ReportAdoptedCounty,
        CommitteeLevel::City => PointsEvent::ReportAdoptedCity,
        CommitteeLevel::Provincial => PointsEvent::ReportAdoptedProvincial,
        CommitteeLevel::National => PointsEvent::ReportAdoptedNational,
    }
}

/// An adoption or 批示 as the timeline holds it.
type Outcome = (
    ReportEventId,
    ReportId,
    ReportEventKind,
    Option<CommitteeLevel>,
    Option<NaiveDate>,
);

/// One thing a report earns, before it is shared among its credits.
struct Earned {
    root: ReportId,
    event: PointsEvent,
    key: String,
    on: NaiveDate,
}

fn reports_credited(
    conn: &mut DbConnection,
    y: &Year,
    whom: Whom,
    out: &mut Vec<Raw>,
) -> Result<(), AppError> {
    let (from, to) = year_bounds(y.year, y.tz);
    let first_day = NaiveDate::from_ymd_opt(y.year, 1, 1).unwrap_or(NaiveDate::MIN);
    let next_first = NaiveDate::from_ymd_opt(y.year + 1, 1, 1).unwrap_or(NaiveDate::MAX);
    // The committee's own reports the member is credited on (all of them
    // for the whole committee): their confirmed credits, first author first.
    let mut roots_query = reports::table
        .filter(reports::committee_id.eq(y.committee))
        .filter(reports::forwarded_from.is_null())
        .select((
            reports::id,
            reports::title,
            reports::status,
            reports::submitted_at,
        ))
        .into_boxed();
    if let Whom::One(m) = whom {
        roots_query = roots_query.filter(
            reports::id.eq_any(
                report_credits::table
                    .filter(report_credits::member_id.eq(m))
                    .select(report_credits::report_id),
            ),
        );
    }
    let roots: Vec<(ReportId, String, ReportStatus, Option<NaiveDateTime>)> =
        roots_query.load(conn)?;
    if roots.is_empty() {
        return Ok(());
    }
    let ids: Vec<ReportId> = roots.iter().map(|r| r.0).collect();
    let mut earned = Vec::new();
    let standing = [
        ReportStatus::Submitted,
        ReportStatus::Returned,
        ReportStatus::Accepted,
    ];
    for (id, _, status, submitted) in &roots {
        if let Some(at) = submitted
            && *at >= from
            && *at < to
            && standing.contains(status)
        {
            earned.push(Earned {
                root: *id,
                event: PointsEvent::ReportSubmitted,
                key: format!("report:{id}:submitted"),
                on: y.day(*at),
            });
        }
    }
    // Outcomes anywhere up the chain: events carry the root.
    let outcomes: Vec<Outcome> = report_events::table
        .filter(report_events::root_id.eq_any(&ids))
        .filter(report_events::kind.eq_any([ReportEventKind::Adopted, ReportEventKind::Instructed]))
        .select((
            report_events::id,
            report_events::root_id,
            report_events::kind,
            report_events::level,
            report_events::on_date,
        ))
        .load(conn)?;
    // A report earns its highest adoption once, in the year of that adoption.
    let mut highest: HashMap<ReportId, (CommitteeLevel, NaiveDate)> = HashMap::new();
    for (event_id, root, kind, level, on) in outcomes {
        let Some(on) = on else { continue };
        if kind == ReportEventKind::Instructed {
            if on >= first_day && on < next_first {
                earned.push(Earned {
                    root,
                    event: PointsEvent::ReportInstructed,
                    key: format!("report:{root}:instructed:{event_id}"),
                    on,
                });
            }
        } else if let Some(level) = level {
            let best = highest.entry(root).or_insert((level, on));
            if level.rank() < best.0.rank() || (level == best.0 && on < best.1) {
                *best = (level, on);
            }
        }
    }
    for (root, (level, on)) in highest {
        if on >= first_day && on < next_first {
            earned.push(Earned {
                root,
                event: adopted_event(level),
                key: format!("report:{root}:adopted"),
                on,
            });
        }
    }
    if earned.is_empty() {
        return Ok(());
    }
    let credited: Vec<(ReportId, MemberId, i32, CreditRole, Option<NaiveDateTime>)> =
        report_credits::table
            .filter(report_credits::report_id.eq_any(&ids))
            .select((
                report_credits::report_id,
                report_credits::member_id,
                report_credits::position,
                report_credits::role,
                report_credits::confirmed_at,
            ))
            .load(conn)?;
    // Confirmed credits by report, first author first.
    let mut credits: HashMap<ReportId, Vec<(i32, MemberId)>> = HashMap::new();
    for (report, member, position, role, confirmed) in credited {
        if role == CreditRole::Author || confirmed.is_some() {
            credits.entry(report).or_default().push((position, member));
        }
    }
    for list in credits.values_mut() {
        list.sort();
    }
    let titles: HashMap<ReportId, &str> = roots.iter().map(|r| (r.0, r.1.as_str())).collect();
    for e in earned {
        let Some(list) = credits.get(&e.root) else {
            continue;
        };
        let n = i64::try_from(list.len()).unwrap_or(1);
        for (i, (_, member)) in list.iter().enumerate() {
            if let Whom::One(m) = whom
                && m != *member
            {
                continue;
            }
            let split = match (n, i) {
                (1, _) => Split::Whole,
                (_, 0) => Split::First { credited: n },
                _ => Split::Other { credited: n },
            };
            let mut line = raw(
                *member,
                e.event,
                e.key.clone(),
                (
                    PointsSourceKind::Report,
                    e.root.to_string(),
                    titles.get(&e.root).copied().unwrap_or_default().to_owned(),
                ),
                e.on,
            );
            line.split = split;
            out.push(line);
        }
    }
    Ok(())
}

fn entries(
    conn: &mut DbConnection,
    y: &Year,
    whom: Whom,
    out: &mut Vec<Raw>,
) -> Result<(), AppError> {
    let mut query = points_entries::table
        .filter(points_entries::committee_id.eq(y.committee))
        .filter(points_entries::year.eq(y.year))
        .select((
            points_entries::member_id,
            points_entries::id,
            points_entries::event,
            points_entries::evidence,
            points_entries::occurred_on,
            points_entries::points,
        ))
        .into_boxed();
    if let Whom::One(m) = whom {
        query = query.filter(points_entries::member_id.eq(m));
    }
    let rows: Vec<(
        MemberId,
        PointsEntryId,
        PointsEvent,
        String,
        NaiveDate,
        Option<i64>,
    )> = query.load(conn)?;
    for (member, id, event, evidence, on, points) in rows {
        let mut line = raw(
            member,
            event,
            format!("entry:{id}"),
            (PointsSourceKind::Entry, id.to_string(), evidence),
            on,
        );
        line.own_points = points;
        out.push(line);
    }
    Ok(())
}
