//! 统计: the committee's year in figures, the same figures as the API's
//! `GET /stats` (`records::committee_stats`): activities held and
//! attendances by kind, participation by sector, and what outreach achieved;
//! each chart beside a table with its numbers.

use std::sync::Arc;

use askama::Template;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::chart::{self, Bar, Columns, Rows};
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::activities::records;
use crate::domain::committees;

/// The years the API's `GET /stats` answers for; the page offers the same.
const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2100;

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

struct KindLine {
    kind: &'static str,
    activities: i32,
    attendances: i32,
}

struct SectorLine {
    sector: String,
    members: i32,
    participants: i32,
    attendances: i32,
    rate: String,
}

struct YearChoice {
    year: i32,
    selected: bool,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    shell: Shell,
    year: i32,
    previous: Option<i32>,
    next: Option<i32>,
    years: Vec<YearChoice>,
    /// Nothing held this year: a sentence instead of empty charts.
    empty: bool,
    kinds: Vec<KindLine>,
    total_activities: i32,
    total_attendances: i32,
    held_chart: String,
    attended_chart: String,
    sectors: Vec<SectorLine>,
    sector_chart: String,
    people_served: i32,
    consultations: i32,
    materials: i32,
    donated: String,
}

/// `GET /console/stats?year=2026` (default: this year in the committee's zone).
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<YearQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let this_year = committees::current_year(clerk.ctx.now.and_utc(), clerk.ctx.tz);
    // A year typed into the address that is not one we answer for: no such page.
    let year = match query.year.as_deref().map(str::trim) {
        None | Some("") => this_year,
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
            .ok_or(ConsoleError::NotFound)?,
    };
    let stats = state
        .read(&clerk.ctx, move |conn, ctx| {
            records::committee_stats(conn, ctx.caller.committee_id, year, ctx.tz)
        })
        .await?;

    let kinds: Vec<KindLine> = stats
        .by_kind
        .iter()
        .map(|k| KindLine {
            kind: labels::kind(k.kind),
            activities: k.activities,
            attendances: k.participants,
        })
        .collect();
    let total_activities = kinds.iter().map(|k| k.activities).sum();
    let total_attendances = kinds.iter().map(|k| k.attendances).sum();
    let sectors: Vec<SectorLine> = stats
        .by_sector
        .into_iter()
        .map(|s| SectorLine {
            rate: percent(s.participants, s.members).map_or("—".into(), |p| format!("{p}%")),
            sector: s.sector,
            members: s.members,
            participants: s.participants,
            attendances: s.attendances,
        })
        .collect();
    let t = &stats.outreach_totals;
    let shell = Shell::new(&clerk, "统计", "/console/stats");
    Ok(html(&StatsPage {
        held_chart: render(&held_chart(year, &kinds)),
        attended_chart: render(&attended_chart(year, &kinds)),
        sector_chart: render(&sector_chart(year, &sectors)),
        shell,
        year,
        previous: Some(year - 1).filter(|y| *y >= FIRST_YEAR),
        next: Some(year + 1).filter(|y| *y <= LAST_YEAR),
        years: year_choices(year, this_year),
        empty: total_activities == 0,
        kinds,
        total_activities,
        total_attendances,
        sectors,
        people_served: t.people_served,
        consultations: t.consultations,
        materials: t.materials_distributed,
        donated: yuan(t.donated_value_yuan),
    }))
}

/// The years in the picker: the last ten and the next, and the one shown.
fn year_choices(year: i32, this_year: i32) -> Vec<YearChoice> {
    let from = year.min(this_year - 9).max(FIRST_YEAR);
    let to = year.max(this_year + 1).min(LAST_YEAR);
    (from..=to)
        .rev()
        .map(|y| YearChoice {
            year: y,
            selected: y == year,
        })
        .collect()
}

/// `part` of `whole` as a whole percentage; none of nobody.
fn percent(part: i32, whole: i32) -> Option<i64> {
    (whole > 0).then(|| (f64::from(part) * 100.0 / f64::from(whole)).round() as i64)
}

/// Yuan as the office writes it: whole yuan without decimals, otherwise two.
fn yuan(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn held_chart(year: i32, kinds: &[KindLine]) -> Columns {
    let words: Vec<String> = kinds
        .iter()
        .map(|k| format!("{} {} 次", k.kind, k.activities))
        .collect();
    chart::columns(
        "held",
        format!("{year}年各类活动举行次数：{}", words.join("，")),
        kinds
            .iter()
            .map(|k| Bar {
                label: k.kind.into(),
                value: f64::from(k.activities),
                shown: k.activities.to_string(),
            })
            .collect(),
    )
}

fn attended_chart(year: i32, kinds: &[KindLine]) -> Columns {
    let words: Vec<String> = kinds
        .iter()
        .map(|k| format!("{} {} 人次", k.kind, k.attendances))
        .collect();
    chart::columns(
        "attended",
        format!("{year}年各类活动出席人次：{}", words.join("，")),
        kinds
            .iter()
            .map(|k| Bar {
                label: k.kind.into(),
                value: f64::from(k.attendances),
                shown: k.attendances.to_string(),
            })
            .collect(),
    )
}

fn sector_chart(year: i32, sectors: &[SectorLine]) -> Rows {
    let words: Vec<String> = sectors
        .iter()
        .map(|s| format!("{} {}", s.sector, s.rate))
        .collect();
    chart::rows(
        "sectors",
        format!("{year}年各界别委员参与率：{}", words.join("，")),
        100.0,
        sectors
            .iter()
            .map(|s| Bar {
                label: s.sector.clone(),
                value: percent(s.participants, s.members).map_or(0.0, |p| p as f64),
                shown: format!("{}（{}/{}）", s.rate, s.participants, s.members),
            })
            .collect(),
    )
}

/// A chart's markup, to be placed in the page as it is (it was escaped
/// when rendered); an empty string if it failed, which is logged.
fn render(chart: &impl Template) -> String {
    chart.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "console chart failed");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_as_the_office_writes_them() {
        assert_eq!(yuan(2000.0), "2000");
        assert_eq!(yuan(1500.5), "1500.50");
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn the_picker_holds_the_year_shown() {
        let years: Vec<i32> = year_choices(2001, 2026).iter().map(|y| y.year).collect();
        assert_eq!(years.first(), Some(&2027));
        assert_eq!(years.last(), Some(&2001));
        let near: Vec<i32> = year_choices(2026, 2026).iter().map(|y| y.year).collect();
        assert_eq!(near.len(), 11);
    }
}
