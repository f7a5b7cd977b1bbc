//! The records members and the office read: one member's (live while the
//! year is open, the stored lines once closed) and the committee's summary
//! (通报), with their spreadsheet tables.

use std::collections::HashMap;

use diesel::prelude::*;
use lvzhi_shared::ids::{CommitteeId, MemberId};
use lvzhi_shared::members::{MemberStatus, Role};
use lvzhi_shared::points::{
    CategoryTotal, PointsGrade, PointsLine, PointsRecord, PointsSource, PointsStanding,
    PointsSummary, PointsYearStatus, points_of,
};

use super::events::{self, Whom, Year};
use super::rules::{self, Rules};
use super::score::{self, Line, Scored};
use crate::db::DbConnection;
use crate::db::models::{PointsLineRow, PointsResultRow, PointsYearRow};
use crate::db::schema::{points_lines, points_results, sectors, users};
use crate::domain::Ctx;
use crate::error::AppError;
use crate::export::Table;

/// Who has a record: the committee's members (not office staff) who are
/// not disabled.
pub(super) fn members(
    conn: &mut DbConnection,
    committee: CommitteeId,
) -> Result<Vec<MemberId>, AppError> {
    Ok(users::table
        .filter(users::committee_id.eq(committee))
        .filter(users::role.eq(Role::Member.as_str()))
        .filter(users::status.ne(MemberStatus::Disabled.as_str()))
        .select(users::id)
        .load(conn)?)
}

fn gather_year(ctx: &Ctx, year: i32) -> Year {
    Year {
        committee: ctx.caller.committee_id,
        year,
        tz: ctx.tz,
        now: ctx.now,
    }
}

/// Every member's record computed from what Lvzhi holds now.
pub(super) fn compute_all(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
    rules: &Rules,
) -> Result<Vec<(MemberId, Scored)>, AppError> {
    let members = members(conn, ctx.caller.committee_id)?;
    let mut lines: HashMap<MemberId, Vec<Line>> =
        members.iter().map(|m| (*m, Vec::new())).collect();
    for raw in events::gather(conn, &gather_year(ctx, year), Whom::All)? {
        let member = raw.member;
        // Events of office staff or disabled accounts make no record.
        if let Some(list) = lines.get_mut(&member)
            && let Some(line) = score::line(rules, raw)
        {
            list.push(line);
        }
    }
    Ok(members
        .into_iter()
        .map(|m| {
            let own = lines.remove(&m).unwrap_or_default();
            (m, score::score(rules, own))
        })
        .collect())
}

fn to_line(l: Line) -> PointsLine {
    PointsLine {
        key: l.key,
        event: l.event,
        category: l.event.category(),
        source: PointsSource {
            kind: l.source_kind,
            id: l.source_id,
            title: l.source_title,
        },
        occurred_on: l.on,
        quantity: points_of(l.quantity),
        share_percent: l.share_percent,
        points: points_of(l.points),
    }
}

pub(super) fn from_stored(row: PointsLineRow) -> Line {
    Line {
        key: row.line_key,
        event: row.event,
        source_kind: row.source_kind,
        source_id: row.source_id,
        source_title: row.source_title,
        on: row.occurred_on,
        quantity: row.quantity,
        share_percent: row.share_percent,
        points: row.points,
    }
}

/// A member of the caller's committee, with their name.
fn member_name(conn: &mut DbConnection, ctx: &Ctx, member: MemberId) -> Result<String, AppError> {
    users::table
        .find(member)
        .filter(users::committee_id.eq(ctx.caller.committee_id))
        .select(users::name)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("member"))
}

/// The member's stored lines of a closed year.
pub(super) fn stored_lines(
    conn: &mut DbConnection,
    committee: CommitteeId,
    year: i32,
    member: MemberId,
) -> Result<Vec<Line>, AppError> {
    Ok(points_lines::table
        .filter(points_lines::committee_id.eq(committee))
        .filter(points_lines::year.eq(year))
        .filter(points_lines::member_id.eq(member))
        .select(PointsLineRow::as_select())
        .load(conn)?
        .into_iter()
        .map(from_stored)
        .collect())
}

/// The record as scored, with the year's status and place.
fn record(
    ctx: &Ctx,
    year: i32,
    member: MemberId,
    name: String,
    row: Option<&PointsYearRow>,
    scored: Scored,
    place: Option<(i32, i32)>,
) -> PointsRecord {
    let closed = row.is_some_and(|r| r.closed_at.is_some());
    PointsRecord {
        year,
        member_id: member,
        member_name: name,
        status: if closed {
            PointsYearStatus::Closed
        } else {
            PointsYearStatus::Open
        },
        lines: scored.lines.into_iter().map(to_line).collect(),
        categories: scored
            .categories
            .into_iter()
            .map(|c| CategoryTotal {
                category: c.category,
                earned: points_of(c.earned),
                cap: c.cap.map(points_of),
                counted: points_of(c.counted),
            })
            .collect(),
        total: points_of(scored.total),
        grade: scored.grade,
        rank: place.map(|p| p.0),
        ranked_of: place.map(|p| p.1),
        dispute_until: row.and_then(|r| super::dispute_until(r, ctx)),
    }
}

/// A member's record for `year`: computed live while the year is open, the
/// frozen one (with its place) once closed.
pub fn of_member(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
    member: MemberId,
) -> Result<PointsRecord, AppError> {
    super::check_year(year, "year")?;
    let name = member_name(conn, ctx, member)?;
    let committee = ctx.caller.committee_id;
    let (row, rules) = rules::load(conn, committee, year)?;
    if row.as_ref().is_some_and(|r| r.closed_at.is_some()) {
        let result: Option<PointsResultRow> = points_results::table
            .find((committee, year, member))
            .select(PointsResultRow::as_select())
            .get_result(conn)
            .optional()?;
        // Stored at the close: counting 40,000 results on every read cost
        // more than the record itself (lvzhi-points-bench).
        let ranked_of = row.as_ref().and_then(|r| r.ranked).unwrap_or(0);
        let lines = stored_lines(conn, committee, year, member)?;
        let mut scored = score::score(&rules, lines);
        // The stored total and grade are the record (they equal the lines'
        // sum under the year's rules; a member who joined after the close
        // has none and no place).
        let place = result.map(|r| {
            scored.total = r.total;
            scored.grade = r.grade;
            (r.rank, ranked_of)
        });
        return Ok(record(ctx, year, member, name, row.as_ref(), scored, place));
    }
    let lines = events::gather(conn, &gather_year(ctx, year), Whom::One(member))?
        .into_iter()
        .filter_map(|raw| score::line(&rules, raw))
        .collect();
    let scored = score::score(&rules, lines);
    Ok(record(ctx, year, member, name, row.as_ref(), scored, None))
}

/// The committee's summary (通报): everyone's total, grade and place.
pub fn summary(conn: &mut DbConnection, ctx: &Ctx, year: i32) -> Result<PointsSummary, AppError> {
    super::check_year(year, "year")?;
    let committee = ctx.caller.committee_id;
    let (row, rules) = rules::load(conn, committee, year)?;
    let closed = row.as_ref().is_some_and(|r| r.closed_at.is_some());
    let standings: Vec<(MemberId, i64, PointsGrade, i32)> = if closed {
        points_results::table
            .filter(points_results::committee_id.eq(committee))
            .filter(points_results::year.eq(year))
            .select((
                points_results::member_id,
                points_results::total,
                points_results::grade,
                points_results::rank,
            ))
            .load(conn)?
    } else {
        let scored = compute_all(conn, ctx, year, &rules)?;
        score::rank(scored.iter().map(|(m, s)| (*m, s.total)).collect())
            .into_iter()
            .map(|(m, total, place)| (m, total, score::grade(&rules, total), place))
            .collect()
    };
    let people: HashMap<MemberId, (String, Option<String>, Option<String>)> = users::table
        .left_join(sectors::table)
        .filter(users::committee_id.eq(committee))
        .select((
            users::id,
            users::name,
            users::member_no,
            sectors::name.nullable(),
        ))
        .load::<(MemberId, String, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, name, no, sector)| (id, (name, no, sector)))
        .collect();
    let mut items: Vec<PointsStanding> = standings
        .into_iter()
        .map(|(member, total, grade, rank)| {
            let (name, member_no, sector) = people.get(&member).cloned().unwrap_or_default();
            PointsStanding {
                member_id: member,
                name,
                member_no,
                sector,
                total: points_of(total),
                grade,
                rank,
            }
        })
        .collect();
    items.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.name.cmp(&b.name)));
    let count = |g: PointsGrade| {
        i32::try_from(items.iter().filter(|i| i.grade == g).count()).unwrap_or(i32::MAX)
    };
    Ok(PointsSummary {
        year,
        status: if closed {
            PointsYearStatus::Closed
        } else {
            PointsYearStatus::Open
        },
        excellent: count(PointsGrade::Excellent),
        qualified: count(PointsGrade::Qualified),
        unqualified: count(PointsGrade::Unqualified),
        items,
    })
}

pub fn grade_zh(grade: PointsGrade) -> &'static str {
    match grade {
        PointsGrade::Excellent => "优秀",
        PointsGrade::Qualified => "合格",
        PointsGrade::Unqualified => "不合格",
    }
}

/// The 通报 as a sheet.
pub fn summary_table(summary: &PointsSummary) -> Table {
    Table {
        headers: vec!["名次", "姓名", "委员编号", "界别", "积分", "等次"],
        rows: summary
            .items
            .iter()
            .map(|s| {
                vec![
                    s.rank.to_string(),
                    s.name.clone(),
                    s.member_no.clone().unwrap_or_default(),
                    s.sector.clone().unwrap_or_default(),
                    format!("{:.2}", s.total),
                    grade_zh(s.grade).to_owned(),
                ]
            })
            .collect(),
    }
}

/// A member's record as a sheet: each line with its source, then the
/// categories and the total.
pub fn record_table(record: &PointsRecord) -> Table {
    let mut rows: Vec<Vec<String>> = record
        .lines
        .iter()
        .map(|l| {
            vec![
                l.occurred_on.to_string(),
                super::words::event_zh(l.event).to_owned(),
                l.source.title.clone(),
                format!("{:.2}", l.quantity),
                format!("{}%", l.share_percent),
                format!("{:.2}", l.points),
            ]
        })
        .collect();
    rows.push(Vec::new());
    for c in &record.categories {
        rows.push(vec![
            String::new(),
            super::words::category_zh(c.category).to_owned(),
            c.cap
                .map(|cap| format!("上限 {cap:.2}"))
                .unwrap_or_default(),
            format!("{:.2}", c.earned),
            String::new(),
            format!("{:.2}", c.counted),
        ]);
    }
    rows.push(vec![
        String::new(),
        "合计".to_owned(),
        format!(
            "{}{}",
            grade_zh(record.grade),
            record
                .rank
                .map(|r| format!("，第{r}名"))
                .unwrap_or_default()
        ),
        String::new(),
        String::new(),
        format!("{:.2}", record.total),
    ]);
    Table {
        headers: vec!["日期", "项目", "来源", "数量", "份额", "积分"],
        rows,
    }
}

/// The committee's members by name, with their numbers, for the office's
/// forms (whose record an entry goes on).
pub fn roster(
    conn: &mut DbConnection,
    ctx: &Ctx,
) -> Result<Vec<(MemberId, String, Option<String>)>, AppError> {
    Ok(users::table
        .filter(users::committee_id.eq(ctx.caller.committee_id))
        .filter(users::role.eq(Role::Member.as_str()))
        .filter(users::status.ne(MemberStatus::Disabled.as_str()))
        .order((users::name, users::id))
        .select((users::id, users::name, users::member_no))
        .load(conn)?)
}
