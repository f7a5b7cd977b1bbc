//! Committees, their sectors and their time zones.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::committees::{Committee, CommitteeLevel, CommitteePatch, Language, Sector};
use lvzhi_shared::ids::{CommitteeId, SectorId};
use lvzhi_shared::validate;

use crate::db::models::{CommitteeRow, SectorRow};
use crate::db::schema::{committees, sectors};
use crate::db::{Db, DbConnection};
use crate::error::AppError;

/// The sectors a new county committee starts with (editable by its admin).
pub const DEFAULT_SECTORS: &[&str] = &[
    "中国共产党",
    "民主党派",
    "无党派人士",
    "共青团",
    "工会",
    "妇联",
    "工商联",
    "科技界",
    "教育界",
    "文化艺术界",
    "医药卫生界",
    "农业界",
    "经济界",
    "体育界",
    "新闻出版界",
    "社会福利与社会保障界",
    "少数民族界",
    "宗教界",
    "特邀人士",
];

pub fn to_committee(row: CommitteeRow) -> Committee {
    Committee {
        level: row.level,
        id: row.id,
        name: row.name,
        parent_id: row.parent_id,
        time_zone: row.time_zone,
        language: row.language,
        quiet_hours_start: row.quiet_start,
        quiet_hours_end: row.quiet_end,
        report_max_chars: row.report_max_chars,
    }
}

/// Changes the committee's notification settings (admin).
pub fn patch(
    conn: &mut DbConnection,
    id: CommitteeId,
    patch: &CommitteePatch,
) -> Result<CommitteeRow, AppError> {
    let row = load(conn, id)?;
    let language = patch.language.unwrap_or(row.language);
    let (start, end) = match (&patch.quiet_hours_start, &patch.quiet_hours_end) {
        (None, None) => (row.quiet_start, row.quiet_end),
        (Some(s), Some(e)) if s.is_empty() && e.is_empty() => (None, None),
        (Some(s), Some(e)) => {
            for (value, field) in [(s, "quiet_hours_start"), (e, "quiet_hours_end")] {
                if parse_hhmm(value).is_none() {
                    return Err(AppError::new(
                        ErrorCode::InvalidField,
                        "a time of day as HH:MM, e.g. 22:00",
                    )
                    .with_field(field));
                }
            }
            if s == e {
                return Err(AppError::new(
                    ErrorCode::InvalidField,
                    "quiet hours must end at another time than they start",
                )
                .with_field("quiet_hours_end"));
            }
            (Some(s.clone()), Some(e.clone()))
        }
        (Some(_), None) | (None, Some(_)) => {
            let missing = if patch.quiet_hours_start.is_none() {
                "quiet_hours_start"
            } else {
                "quiet_hours_end"
            };
            return Err(AppError::new(
                ErrorCode::FieldRequired,
                "give both ends of the quiet hours (both empty turns them off)",
            )
            .with_field(missing));
        }
    };
    let report_max_chars = match patch.report_max_chars {
        Some(v) => lvzhi_shared::reports::max_chars_setting(v)?,
        None => row.report_max_chars,
    };
    diesel::update(committees::table.find(id))
        .set((
            committees::report_max_chars.eq(report_max_chars),
            committees::language.eq(&language),
            committees::quiet_start.eq(&start),
            committees::quiet_end.eq(&end),
        ))
        .execute(conn)?;
    load(conn, id)
}

pub fn load(conn: &mut DbConnection, id: CommitteeId) -> Result<CommitteeRow, AppError> {
    committees::table
        .find(id)
        .select(CommitteeRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("committee"))
}

/// What a new committee is.
pub struct Founding<'a> {
    pub name: &'a str,
    pub level: CommitteeLevel,
    pub parent_id: Option<CommitteeId>,
    pub time_zone: &'a str,
    pub language: Language,
}

impl<'a> Founding<'a> {
    /// A committee at the top of its tree, notifying in Chinese.
    pub fn root(name: &'a str, level: CommitteeLevel, time_zone: &'a str) -> Self {
        Founding {
            name,
            level,
            parent_id: None,
            time_zone,
            language: Language::Zh,
        }
    }
}

/// Creates a committee with the given sectors.
pub fn create(
    conn: &mut DbConnection,
    founding: &Founding<'_>,
    sector_names: &[&str],
    now: NaiveDateTime,
) -> Result<CommitteeRow, AppError> {
    let row = CommitteeRow {
        id: CommitteeId::new_v7(),
        name: founding.name.to_owned(),
        level: founding.level,
        parent_id: founding.parent_id,
        time_zone: founding.time_zone.to_owned(),
        created_at: now,
        language: founding.language,
        quiet_start: None,
        quiet_end: None,
        report_max_chars: lvzhi_shared::reports::DEFAULT_REPORT_MAX_CHARS,
    };
    diesel::insert_into(committees::table)
        .values(&row)
        .execute(conn)?;
    let rows: Vec<SectorRow> = sector_names
        .iter()
        .map(|n| SectorRow {
            id: SectorId::new_v7(),
            committee_id: row.id,
            name: (*n).to_owned(),
            created_at: now,
        })
        .collect();
    for r in &rows {
        diesel::insert_into(sectors::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(row)
}

pub fn list_sectors(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
) -> Result<Vec<Sector>, AppError> {
    Ok(sectors::table
        .filter(sectors::committee_id.eq(committee_id))
        .select(SectorRow::as_select())
        .order(sectors::id.asc())
        .load(conn)?
        .into_iter()
        .map(|r| Sector {
            id: r.id,
            name: r.name,
        })
        .collect())
}

/// The id of the sector with this name in the committee, or `unknown_sector`.
pub fn sector_id_by_name(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    name: &str,
    field: &'static str,
) -> Result<SectorId, AppError> {
    sectors::table
        .filter(sectors::committee_id.eq(committee_id))
        .filter(sectors::name.eq(name.trim()))
        .select(sectors::id)
        .get_result::<SectorId>(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::UnknownSector,
                "this sector is not in the committee's list",
            )
            .with_field(field)
        })
}

pub fn add_sector(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    name: &str,
    now: NaiveDateTime,
) -> Result<Sector, AppError> {
    let name = validate::optional_text(Some(name), "name", validate::MAX_SHORT_TEXT_CHARS)?
        .ok_or_else(|| {
            AppError::new(ErrorCode::FieldRequired, "a sector needs a name").with_field("name")
        })?;
    let exists = sectors::table
        .filter(sectors::committee_id.eq(committee_id))
        .filter(sectors::name.eq(&name))
        .count()
        .get_result::<i64>(conn)?;
    if exists > 0 {
        return Err(
            AppError::new(ErrorCode::SectorExists, "this sector already exists").with_field("name"),
        );
    }
    let row = SectorRow {
        id: SectorId::new_v7(),
        committee_id,
        name,
        created_at: now,
    };
    diesel::insert_into(sectors::table)
        .values(&row)
        .execute(conn)?;
    Ok(Sector {
        id: row.id,
        name: row.name,
    })
}

/// Committee time zones, read once per committee (they change rarely and
/// every response that shows a time needs one).
#[derive(Default)]
pub struct TimeZones(RwLock<HashMap<CommitteeId, Tz>>);

impl TimeZones {
    pub async fn of(&self, db: &Db, committee_id: CommitteeId) -> Result<Tz, AppError> {
        if let Some(tz) = self
            .0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&committee_id)
        {
            return Ok(*tz);
        }
        let name = db
            .run(move |conn| {
                Ok(committees::table
                    .find(committee_id)
                    .select(committees::time_zone)
                    .get_result::<String>(conn)
                    .optional()?)
            })
            .await?
            .ok_or_else(|| AppError::not_found("committee"))?;
        let tz = stored_time_zone(&name)?;
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(committee_id, tz);
        Ok(tz)
    }
}

/// A committee's stored IANA zone name. Names are checked on the way in, so
/// one that does not parse means the data is broken: say so, never guess.
pub fn stored_time_zone(name: &str) -> Result<Tz, AppError> {
    name.parse()
        .map_err(|_| AppError::internal(format!("unknown time zone {name:?} in the database")))
}

/// `HH:MM` (24-hour) → a time of day (quiet hours).
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// A stored UTC time shown in a committee's zone.
pub fn local(t: NaiveDateTime, tz: Tz) -> DateTime<FixedOffset> {
    tz.from_utc_datetime(&t).fixed_offset()
}

/// The current year in the committee's time zone.
pub fn current_year(now: DateTime<Utc>, tz: Tz) -> i32 {
    now.with_timezone(&tz).year()
}

/// The year's bounds as stored times (UTC): from its first local midnight to the next year's.
pub fn year_bounds(year: i32, tz: Tz) -> (NaiveDateTime, NaiveDateTime) {
    (new_year(year, tz), new_year(year + 1, tz))
}

fn new_year(year: i32, tz: Tz) -> NaiveDateTime {
    let midnight = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap_or(NaiveDate::MIN)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.naive_utc(),
        // Midnight skipped by a clock change: the year starts when the clocks resume.
        None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or(midnight, |t| t.naive_utc()),
    }
}
