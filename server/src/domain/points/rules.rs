//! A committee's points rules for a year: points per event, caps per
//! category, the first author's share, grade thresholds and the dispute
//! window. A year nobody set runs on the defaults; closing it stores them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::CommitteeId;
use lvzhi_shared::points::{
    PointsCap, PointsCategory, PointsEvent, PointsRule, PointsRules, PointsYear, PointsYearStatus,
    hundredths, points_of,
};

use crate::db::DbConnection;
use crate::db::models::PointsYearRow;
use crate::db::schema::{points_caps, points_rules, points_years};
use crate::domain::committees::local;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

/// The rules in hundredths of a point, as the computation uses them.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub points: HashMap<PointsEvent, i64>,
    pub caps: HashMap<PointsCategory, i64>,
    pub first_author_percent: i32,
    pub excellent_from: i64,
    pub qualified_from: i64,
    pub dispute_days: i32,
}

impl Rules {
    pub fn defaults() -> Self {
        // The contract's defaults pass its own validation (a unit test there).
        Self::from_wire(&PointsRules::defaults()).unwrap_or_else(|_| Self {
            points: HashMap::new(),
            caps: HashMap::new(),
            first_author_percent: 60,
            excellent_from: 9000,
            qualified_from: 6000,
            dispute_days: 15,
        })
    }

    /// Validated wire rules in hundredths.
    pub fn from_wire(wire: &PointsRules) -> Result<Self, AppError> {
        wire.validate()?;
        let max = lvzhi_shared::points::MAX_POINTS;
        let mut points = HashMap::new();
        for rule in &wire.rules {
            points.insert(rule.event, hundredths(rule.points, "rules", 0.0, max)?);
        }
        let mut caps = HashMap::new();
        for cap in &wire.caps {
            caps.insert(cap.category, hundredths(cap.cap, "caps", 0.0, max)?);
        }
        Ok(Self {
            points,
            caps,
            first_author_percent: wire.first_author_percent,
            excellent_from: hundredths(wire.excellent_from, "excellent_from", 0.0, max)?,
            qualified_from: hundredths(wire.qualified_from, "qualified_from", 0.0, max)?,
            dispute_days: wire.dispute_days,
        })
    }

    /// In the contract's order of events and categories.
    pub fn to_wire(&self) -> PointsRules {
        PointsRules {
            rules: PointsEvent::ALL
                .iter()
                .filter_map(|e| {
                    self.points.get(e).map(|p| PointsRule {
                        event: *e,
                        points: points_of(*p),
                    })
                })
                .collect(),
            caps: PointsCategory::ALL
                .iter()
                .filter_map(|c| {
                    self.caps.get(c).map(|cap| PointsCap {
                        category: *c,
                        cap: points_of(*cap),
                    })
                })
                .collect(),
            first_author_percent: self.first_author_percent,
            excellent_from: points_of(self.excellent_from),
            qualified_from: points_of(self.qualified_from),
            dispute_days: self.dispute_days,
        }
    }

    pub fn year_row(
        &self,
        committee_id: CommitteeId,
        year: i32,
        customized: bool,
        now: NaiveDateTime,
    ) -> PointsYearRow {
        PointsYearRow {
            committee_id,
            year,
            first_author_percent: self.first_author_percent,
            excellent_from: self.excellent_from,
            qualified_from: self.qualified_from,
            dispute_days: self.dispute_days,
            customized,
            closed_at: None,
            closed_by: None,
            ranked: None,
            updated_at: now,
        }
    }
}

/// Stores the rules' and caps' rows of a year whose settings row exists.
pub(super) fn insert_rows(
    conn: &mut DbConnection,
    committee: CommitteeId,
    year: i32,
    rules: &Rules,
) -> Result<(), AppError> {
    for (event, points) in &rules.points {
        diesel::insert_into(points_rules::table)
            .values((
                points_rules::committee_id.eq(committee),
                points_rules::year.eq(year),
                points_rules::event.eq(event.as_str()),
                points_rules::points.eq(points),
            ))
            .execute(conn)?;
    }
    for (category, cap) in &rules.caps {
        diesel::insert_into(points_caps::table)
            .values((
                points_caps::committee_id.eq(committee),
                points_caps::year.eq(year),
                points_caps::category.eq(category.as_str()),
                points_caps::cap.eq(cap),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The year's settings row (none while it runs on the defaults) and rules.
pub fn load(
    conn: &mut DbConnection,
    committee: CommitteeId,
    year: i32,
) -> Result<(Option<PointsYearRow>, Rules), AppError> {
    let Some(row) = super::year_row(conn, committee, year)? else {
        return Ok((None, Rules::defaults()));
    };
    let points = points_rules::table
        .filter(points_rules::committee_id.eq(committee))
        .filter(points_rules::year.eq(year))
        .select((points_rules::event, points_rules::points))
        .load::<(PointsEvent, i64)>(conn)?
        .into_iter()
        .collect();
    let caps = points_caps::table
        .filter(points_caps::committee_id.eq(committee))
        .filter(points_caps::year.eq(year))
        .select((points_caps::category, points_caps::cap))
        .load::<(PointsCategory, i64)>(conn)?
        .into_iter()
        .collect();
    let rules = Rules {
        points,
        caps,
        first_author_percent: row.first_author_percent,
        excellent_from: row.excellent_from,
        qualified_from: row.qualified_from,
        dispute_days: row.dispute_days,
    };
    Ok((Some(row), rules))
}

fn view(ctx: &Ctx, year: i32, row: Option<&PointsYearRow>, rules: &Rules) -> PointsYear {
    PointsYear {
        year,
        status: if row.is_some_and(|r| r.closed_at.is_some()) {
            PointsYearStatus::Closed
        } else {
            PointsYearStatus::Open
        },
        customized: row.is_some_and(|r| r.customized),
        rules: rules.to_wire(),
        closed_at: row.and_then(|r| r.closed_at).map(|t| local(t, ctx.tz)),
        dispute_until: row.and_then(|r| super::dispute_until(r, ctx)),
    }
}

/// The year as anyone of the committee reads it.
pub fn year(conn: &mut DbConnection, ctx: &Ctx, year: i32) -> Result<PointsYear, AppError> {
    super::check_year(year, "year")?;
    let (row, rules) = load(conn, ctx.caller.committee_id, year)?;
    Ok(view(ctx, year, row.as_ref(), &rules))
}

/// Replaces an open year's rules whole.
pub fn replace(
    conn: &mut DbConnection,
    ctx: &Ctx,
    year: i32,
    wire: &PointsRules,
) -> Result<PointsYear, AppError> {
    super::check_year(year, "year")?;
    let rules = Rules::from_wire(wire)?;
    super::lock_open_year(conn, ctx, year)?;
    let committee = ctx.caller.committee_id;
    diesel::delete(
        points_rules::table
            .filter(points_rules::committee_id.eq(committee))
            .filter(points_rules::year.eq(year)),
    )
    .execute(conn)?;
    diesel::delete(
        points_caps::table
            .filter(points_caps::committee_id.eq(committee))
            .filter(points_caps::year.eq(year)),
    )
    .execute(conn)?;
    insert_rows(conn, committee, year, &rules)?;
    diesel::update(points_years::table.find((committee, year)))
        .set((
            points_years::first_author_percent.eq(rules.first_author_percent),
            points_years::excellent_from.eq(rules.excellent_from),
            points_years::qualified_from.eq(rules.qualified_from),
            points_years::dispute_days.eq(rules.dispute_days),
            points_years::customized.eq(true),
            points_years::updated_at.eq(ctx.now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        AuditAction::PointsRulesChanged,
        None,
        format!("{year}年度积分规则"),
    )?;
    self::year(conn, ctx, year)
}
