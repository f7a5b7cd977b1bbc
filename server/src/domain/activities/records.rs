//! Duty records (履职档案) and a committee's year in figures, derived from
//! sign-ups, attendance, findings and outcomes; nothing here is stored.
//!
//! A year is the calendar year in the committee's time zone, and an activity
//! belongs to the year it starts in. Attendance counts as recorded, also when
//! the sign-up was withdrawn afterwards: it is a fact about the day.

use std::collections::HashMap;

use chrono_tz::Tz;
use diesel::dsl::count_star;
use diesel::prelude::*;
use lvzhi_shared::activities::{
    ActivityKind, ActivityStatus, Attendance, CommitteeStats, DutyRecord, FindingStatus, KindCount,
    Outcome, SectorParticipation,
};
use lvzhi_shared::ids::{CommitteeId, MemberId, SectorId};
use lvzhi_shared::members::{MemberStatus, Role};

use crate::db::DbConnection;
use crate::db::models::OutcomeRow;
use crate::db::schema::{activities, findings, outcomes, sectors, signups, users};
use crate::domain::committees::year_bounds;
use crate::error::AppError;

/// Activities that took place (or are to): published or completed.
const HELD: [&str; 2] = ["published", "completed"];

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A member's duty record for `year`.
pub fn duty_record(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    user_id: MemberId,
    year: i32,
    tz: Tz,
) -> Result<DutyRecord, AppError> {
    let (from, to) = year_bounds(year, tz);
    let marks: Vec<(ActivityKind, f64, Option<Attendance>)> = signups::table
        .inner_join(activities::table)
        .filter(signups::user_id.eq(user_id))
        .filter(activities::committee_id.eq(committee_id))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.ne(ActivityStatus::Cancelled.as_str()))
        .filter(signups::attendance.is_not_null())
        .select((
            activities::kind,
            activities::study_hours,
            signups::attendance,
        ))
        .load(conn)?;
    let mut record = DutyRecord {
        year,
        study_hours: 0.0,
        trainings_attended: 0,
        outreach_joined: 0,
        inspections_joined: 0,
        findings_submitted: 0,
        findings_adopted: 0,
        attendance_recorded: 0,
        attended: 0,
        attendance_rate: 0.0,
        meeting_sessions: 0,
        meeting_sessions_present: 0,
        meeting_sessions_excused: 0,
        meeting_sessions_absent: 0,
        appraisals_voted: 0,
    };
    for (kind, hours, attendance) in marks {
        record.attendance_recorded += 1;
        if attendance != Some(Attendance::Attended) {
            continue;
        }
        record.attended += 1;
        match kind {
            ActivityKind::Training => {
                record.trainings_attended += 1;
                record.study_hours += hours;
            }
            ActivityKind::Outreach => record.outreach_joined += 1,
            ActivityKind::Inspection => record.inspections_joined += 1,
        }
    }
    if record.attendance_recorded > 0 {
        record.attendance_rate = f64::from(record.attended) / f64::from(record.attendance_recorded);
    }
    let statuses: Vec<String> = findings::table
        .inner_join(activities::table)
        .filter(findings::user_id.eq(user_id))
        .filter(activities::committee_id.eq(committee_id))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.ne(ActivityStatus::Cancelled.as_str()))
        .select(findings::status)
        .load(conn)?;
    record.findings_submitted = int(statuses.len() as i64);
    record.findings_adopted = int(statuses
        .iter()
        .filter(|s| s.as_str() == FindingStatus::Adopted.as_str())
        .count() as i64);
    Ok(record)
}

/// The committee's year: activities held and attendances by kind,
/// participation by sector, and the sums of outreach outcomes.
pub fn committee_stats(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    year: i32,
    tz: Tz,
) -> Result<CommitteeStats, AppError> {
    let (from, to) = year_bounds(year, tz);
    let attended = Attendance::Attended.as_str();

    let held: HashMap<String, i64> = activities::table
        .filter(activities::committee_id.eq(committee_id))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.eq_any(HELD))
        .group_by(activities::kind)
        .select((activities::kind, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    // The year's attendances once, by member and kind (a hash aggregate of
    // at most members × 3 rows): summed by kind here, and by sector below.
    // COUNT(DISTINCT …) grouped by sector would sort every attendance.
    let per_member: Vec<(MemberId, String, i64)> = signups::table
        .inner_join(activities::table)
        .filter(activities::committee_id.eq(committee_id))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.eq_any(HELD))
        .filter(signups::attendance.eq(attended))
        .group_by((signups::user_id, activities::kind))
        .select((signups::user_id, activities::kind, count_star()))
        .load(conn)?;
    let mut attendances: HashMap<&str, i64> = HashMap::new();
    for (_, kind, times) in &per_member {
        *attendances.entry(kind.as_str()).or_default() += times;
    }
    let by_kind = ActivityKind::ALL
        .iter()
        .map(|k| KindCount {
            kind: *k,
            activities: int(held.get(k.as_str()).copied().unwrap_or(0)),
            participants: int(attendances.get(k.as_str()).copied().unwrap_or(0)),
        })
        .collect();

    let sector_list: Vec<(SectorId, String)> = sectors::table
        .filter(sectors::committee_id.eq(committee_id))
        .order(sectors::id.asc())
        .select((sectors::id, sectors::name))
        .load(conn)?;
    let members: HashMap<Option<SectorId>, i64> = users::table
        .filter(users::committee_id.eq(committee_id))
        .filter(users::role.eq(Role::Member.as_str()))
        .filter(users::status.ne(MemberStatus::Disabled.as_str()))
        .filter(users::sector_id.is_not_null())
        .group_by(users::sector_id)
        .select((users::sector_id, count_star()))
        .load::<(Option<SectorId>, i64)>(conn)?
        .into_iter()
        .collect();
    let sector_of: HashMap<MemberId, SectorId> = users::table
        .filter(users::committee_id.eq(committee_id))
        .filter(users::role.eq(Role::Member.as_str()))
        .select((users::id, users::sector_id))
        .load::<(MemberId, Option<SectorId>)>(conn)?
        .into_iter()
        .filter_map(|(id, sector)| Some((id, sector?)))
        .collect();
    let mut times_of: HashMap<MemberId, i64> = HashMap::new();
    for (member, _, times) in &per_member {
        *times_of.entry(*member).or_default() += times;
    }
    let mut participation: HashMap<Option<SectorId>, (i64, i64)> = HashMap::new();
    for (member, times) in times_of {
        if let Some(sector) = sector_of.get(&member) {
            let (people, all) = participation.entry(Some(*sector)).or_default();
            *people += 1;
            *all += times;
        }
    }
    let by_sector = sector_list
        .into_iter()
        .map(|(id, name)| {
            let key = Some(id);
            let (people, times) = participation.get(&key).copied().unwrap_or((0, 0));
            SectorParticipation {
                sector: name,
                members: int(members.get(&key).copied().unwrap_or(0)),
                participants: int(people),
                attendances: int(times),
            }
        })
        .collect();

    let recorded: Vec<OutcomeRow> = outcomes::table
        .inner_join(activities::table)
        .filter(activities::committee_id.eq(committee_id))
        .filter(activities::kind.eq(ActivityKind::Outreach.as_str()))
        .filter(activities::starts_at.ge(from))
        .filter(activities::starts_at.lt(to))
        .filter(activities::status.eq_any(HELD))
        .select(OutcomeRow::as_select())
        .load(conn)?;
    let sum = |f: fn(&OutcomeRow) -> i32| int(recorded.iter().map(|r| i64::from(f(r))).sum());
    let outreach_totals = Outcome {
        people_served: sum(|r| r.people_served),
        consultations: sum(|r| r.consultations),
        materials_distributed: sum(|r| r.materials_distributed),
        // A fold from +0.0: `sum` of no floats is -0.0, which prints as "-0".
        donated_value_yuan: recorded
            .iter()
            .fold(0.0, |total, r| total + r.donated_value_yuan),
        notes: String::new(),
        photo_urls: Vec::new(),
    };

    Ok(CommitteeStats {
        year,
        by_kind,
        by_sector,
        outreach_totals,
    })
}
