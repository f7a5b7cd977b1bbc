//! The year's figures of a committee's reports: by member, by sector, by
//! the level that adopted them. A report counts in the year it reached the
//! queue (submitted, or for a copy from below, received); merged ones count
//! through the report they were merged into, withdrawn ones not at all.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::{MemberId, ReportId, SectorId};
use lvzhi_shared::reports::{
    LevelReportFigures, MemberReportFigures, ReportFigures, ReportStatus, SectorReportFigures,
};

use crate::db::DbConnection;
use crate::db::models::ReportRow;
use crate::db::schema::{report_credits, report_forwards, reports, sectors, users};
use crate::domain::Ctx;
use crate::domain::committees::year_bounds;
use crate::error::AppError;
use crate::export::Table;

use super::timeline::{self, Outcomes};

/// What one report contributes.
#[derive(Default, Clone, Copy)]
struct Counts {
    submitted: i64,
    accepted: i64,
    adopted: i64,
    instructed: i64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.submitted += o.submitted;
        self.accepted += o.accepted;
        self.adopted += o.adopted;
        self.instructed += o.instructed;
    }
}

const UNSECTORED: &str = "未分界别";

pub fn of_year(conn: &mut DbConnection, ctx: &Ctx, year: i32) -> Result<ReportFigures, AppError> {
    let (from, to) = year_bounds(year, ctx.tz);
    let rows: Vec<ReportRow> = reports::table
        .filter(reports::committee_id.eq(ctx.caller.committee_id))
        .filter(reports::status.ne_all([
            ReportStatus::Draft,
            ReportStatus::Withdrawn,
            ReportStatus::Merged,
        ]))
        .filter(reports::submitted_at.ge(from))
        .filter(reports::submitted_at.lt(to))
        .select(ReportRow::as_select())
        .load(conn)?;
    let ids: Vec<ReportId> = rows.iter().map(|r| r.id).collect();
    let roots: Vec<ReportId> = rows.iter().map(|r| r.root_id).collect();
    let forwarded: HashSet<ReportId> = report_forwards::table
        .filter(report_forwards::report_id.eq_any(&ids))
        .select(report_forwards::report_id)
        .load::<ReportId>(conn)?
        .into_iter()
        .collect();
    let Outcomes {
        adopted,
        instructed,
    } = timeline::outcomes(conn, &roots)?;
    // Those credited on each root: the author and confirmed co-signers.
    let credited: Vec<(ReportId, MemberId, String, Option<SectorId>)> = report_credits::table
        .inner_join(users::table)
        .filter(report_credits::report_id.eq_any(&roots))
        .filter(report_credits::confirmed_at.is_not_null())
        .select((
            report_credits::report_id,
            users::id,
            users::name,
            users::sector_id,
        ))
        .load(conn)?;
    let sector_ids: Vec<SectorId> = credited.iter().filter_map(|c| c.3).collect();
    let sector_names: HashMap<SectorId, String> = sectors::table
        .filter(sectors::id.eq_any(&sector_ids))
        .select((sectors::id, sectors::name))
        .load::<(SectorId, String)>(conn)?
        .into_iter()
        .collect();
    let mut by_root: HashMap<ReportId, Vec<(MemberId, String, Option<SectorId>)>> = HashMap::new();
    for (root, member, name, sector) in credited {
        by_root
            .entry(root)
            .or_default()
            .push((member, name, sector));
    }

    let mut total = Counts::default();
    let mut forwarded_count = 0;
    let mut members: BTreeMap<(String, MemberId), (Option<SectorId>, Counts)> = BTreeMap::new();
    let mut sectors_counts: BTreeMap<(String, Option<SectorId>), Counts> = BTreeMap::new();
    let mut levels: BTreeMap<u8, (CommitteeLevel, i64, i64)> = BTreeMap::new();
    for row in &rows {
        let level = adopted.get(&row.root_id).copied();
        let c = Counts {
            submitted: 1,
            accepted: i64::from(row.status == ReportStatus::Accepted),
            adopted: i64::from(level.is_some()),
            instructed: i64::from(instructed.contains(&row.root_id)),
        };
        total.add(c);
        forwarded_count += i64::from(forwarded.contains(&row.id));
        if let Some(level) = level {
            let entry = levels.entry(level.rank()).or_insert((level, 0, 0));
            entry.1 += 1;
            entry.2 += c.instructed;
        }
        let people = by_root
            .get(&row.root_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut sectors_seen = HashSet::new();
        for (member, name, sector) in people {
            members
                .entry((name.clone(), *member))
                .or_insert((*sector, Counts::default()))
                .1
                .add(c);
            if sectors_seen.insert(*sector) {
                let name = sector
                    .and_then(|s| sector_names.get(&s).cloned())
                    .unwrap_or_else(|| UNSECTORED.to_owned());
                sectors_counts.entry((name, *sector)).or_default().add(c);
            }
        }
    }
    Ok(ReportFigures {
        year,
        submitted: total.submitted,
        accepted: total.accepted,
        forwarded: forwarded_count,
        by_member: members
            .into_iter()
            .map(|((name, member_id), (sector, c))| MemberReportFigures {
                member_id,
                name,
                sector: sector.and_then(|s| sector_names.get(&s).cloned()),
                submitted: c.submitted,
                accepted: c.accepted,
                adopted: c.adopted,
                instructed: c.instructed,
            })
            .collect(),
        by_sector: sectors_counts
            .into_iter()
            .map(|((sector, sector_id), c)| SectorReportFigures {
                sector_id,
                sector,
                submitted: c.submitted,
                accepted: c.accepted,
                adopted: c.adopted,
                instructed: c.instructed,
            })
            .collect(),
        by_level: levels
            .into_values()
            .map(|(level, adopted, instructed)| LevelReportFigures {
                level,
                adopted,
                instructed,
            })
            .collect(),
    })
}

/// The figures as a workbook of three sheets, for the office's annual report.
pub fn to_xlsx(f: &ReportFigures) -> Result<Vec<u8>, AppError> {
    let members = Table {
        headers: vec!["姓名", "界别", "报送", "采编", "被采用", "获批示"],
        rows: f
            .by_member
            .iter()
            .map(|m| {
                vec![
                    m.name.clone(),
                    m.sector.clone().unwrap_or_default(),
                    m.submitted.to_string(),
                    m.accepted.to_string(),
                    m.adopted.to_string(),
                    m.instructed.to_string(),
                ]
            })
            .collect(),
    };
    let sectors = Table {
        headers: vec!["界别", "报送", "采编", "被采用", "获批示"],
        rows: f
            .by_sector
            .iter()
            .map(|s| {
                vec![
                    s.sector.clone(),
                    s.submitted.to_string(),
                    s.accepted.to_string(),
                    s.adopted.to_string(),
                    s.instructed.to_string(),
                ]
            })
            .collect(),
    };
    let levels = Table {
        headers: vec!["采用层级", "被采用", "获批示"],
        rows: f
            .by_level
            .iter()
            .map(|l| {
                vec![
                    super::words::level_zh(l.level).to_owned(),
                    l.adopted.to_string(),
                    l.instructed.to_string(),
                ]
            })
            .collect(),
    };
    Table::workbook(&[
        ("按委员", &members),
        ("按界别", &sectors),
        ("按层级", &levels),
    ])
}
