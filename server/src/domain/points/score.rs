//! From raw events to a record: each line's points under the rules (hours
//! pro rata, deductions negative, a co-written report split between its
//! credited members), category totals within their caps, the grade, and
//! the committee's ranking. Pure arithmetic in hundredths of a point.

use chrono::NaiveDate;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::points::{PointsCategory, PointsEvent, PointsGrade, PointsSourceKind};

use super::rules::Rules;

/// How a report's points are shared among its `credited` members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Whole,
    /// The first author of a report credited to `credited` members (2 or more).
    First {
        credited: i64,
    },
    /// Another credited member.
    Other {
        credited: i64,
    },
}

/// An event as Lvzhi holds it, for one member.
#[derive(Debug, Clone)]
pub struct Raw {
    pub member: MemberId,
    pub event: PointsEvent,
    pub key: String,
    pub source_kind: PointsSourceKind,
    pub source_id: String,
    pub source_title: String,
    pub on: NaiveDate,
    /// Hundredths: hours × 100 for training, otherwise 100.
    pub quantity: i64,
    pub split: Split,
    /// An adjustment's own points.
    pub own_points: Option<i64>,
}

/// A line of a record, in hundredths.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub key: String,
    pub event: PointsEvent,
    pub source_kind: PointsSourceKind,
    pub source_id: String,
    pub source_title: String,
    pub on: NaiveDate,
    pub quantity: i64,
    pub share_percent: i32,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategorySum {
    pub category: PointsCategory,
    pub earned: i64,
    pub cap: Option<i64>,
    pub counted: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub lines: Vec<Line>,
    pub categories: Vec<CategorySum>,
    pub total: i64,
    pub grade: PointsGrade,
}

/// The member's share of `points` (each other credited member gets the
/// rest divided equally, rounded down; the first author the remainder, so
/// the shares add up to `points` exactly), and the share as a percentage.
fn split(points: i64, split: Split, first_percent: i32) -> (i64, i32) {
    let first_percent = i64::from(first_percent);
    let each_other = |credited: i64| points * (100 - first_percent) / (100 * (credited - 1));
    match split {
        Split::Whole => (points, 100),
        Split::First { credited } => (
            points - (credited - 1) * each_other(credited),
            i32::try_from(first_percent).unwrap_or(100),
        ),
        Split::Other { credited } => (
            each_other(credited),
            i32::try_from((100 - first_percent) / (credited - 1)).unwrap_or(0),
        ),
    }
}

/// The line an event makes under `rules`; none when its event earns nothing.
pub fn line(rules: &Rules, raw: Raw) -> Option<Line> {
    let (points, share_percent) = match raw.own_points {
        Some(own) => (own, 100),
        None => {
            let rule = *rules.points.get(&raw.event)?;
            // Half a hundredth and up rounds up (hours × points per hour).
            let full = (rule * raw.quantity + 50) / 100;
            let full = if raw.event.is_deduction() {
                -full
            } else {
                full
            };
            split(full, raw.split, rules.first_author_percent)
        }
    };
    if points == 0 {
        return None;
    }
    Some(Line {
        key: raw.key,
        event: raw.event,
        source_kind: raw.source_kind,
        source_id: raw.source_id,
        source_title: raw.source_title,
        on: raw.on,
        quantity: raw.quantity,
        share_percent,
        points,
    })
}

pub fn grade(rules: &Rules, total: i64) -> PointsGrade {
    if total >= rules.excellent_from {
        PointsGrade::Excellent
    } else if total < rules.qualified_from {
        PointsGrade::Unqualified
    } else {
        PointsGrade::Qualified
    }
}

/// Totals of `lines` (sorted oldest first here): each category's sum, at
/// most its cap (a category in deficit counts in full), then the grade.
pub fn score(rules: &Rules, mut lines: Vec<Line>) -> Scored {
    lines.sort_by(|a, b| a.on.cmp(&b.on).then_with(|| a.key.cmp(&b.key)));
    let mut categories = Vec::new();
    for category in PointsCategory::ALL {
        let in_category = lines.iter().filter(|l| l.event.category() == *category);
        let mut any = false;
        let mut earned = 0;
        for l in in_category {
            any = true;
            earned += l.points;
        }
        if !any {
            continue;
        }
        let cap = rules.caps.get(category).copied();
        let counted = match cap {
            Some(cap) if *category != PointsCategory::Adjustment => earned.min(cap),
            _ => earned,
        };
        categories.push(CategorySum {
            category: *category,
            earned,
            cap,
            counted,
        });
    }
    let total = categories.iter().map(|c| c.counted).sum();
    Scored {
        lines,
        categories,
        total,
        grade: grade(rules, total),
    }
}

/// Places by total, best first; equal totals share a place (1, 1, 3).
/// Returns the members in order with their place.
pub fn rank(mut totals: Vec<(MemberId, i64)>) -> Vec<(MemberId, i64, i32)> {
    totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut ranked = Vec::with_capacity(totals.len());
    let mut place = 0;
    let mut previous = None;
    for (i, (member, total)) in totals.into_iter().enumerate() {
        if previous != Some(total) {
            place = i32::try_from(i + 1).unwrap_or(i32::MAX);
            previous = Some(total);
        }
        ranked.push((member, total, place));
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(event: PointsEvent, quantity: i64, split: Split) -> Raw {
        Raw {
            member: MemberId::new_v7(),
            event,
            key: "k".into(),
            source_kind: PointsSourceKind::Report,
            source_id: "s".into(),
            source_title: "t".into(),
            on: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            quantity,
            split,
            own_points: None,
        }
    }

    #[test]
    fn shares_of_a_co_written_report_add_up_exactly() {
        let rules = Rules::defaults(); // report_adopted_city 5.00, first author 60%
        let first = line(
            &rules,
            raw(
                PointsEvent::ReportAdoptedCity,
                100,
                Split::First { credited: 4 },
            ),
        )
        .expect("line");
        let other = line(
            &rules,
            raw(
                PointsEvent::ReportAdoptedCity,
                100,
                Split::Other { credited: 4 },
            ),
        )
        .expect("line");
        // 40% of 500 over 3 is 66.67 → 66 each; the first author 500 - 198.
        assert_eq!(other.points, 66);
        assert_eq!(first.points, 302);
        assert_eq!(first.points + 3 * other.points, 500);
    }

    #[test]
    fn hours_are_pro_rata_deductions_negative_and_caps_hold() {
        let rules = Rules::defaults(); // training 1.00/h capped at 20; absence −5
        let mut lines = Vec::new();
        for _ in 0..9 {
            lines.extend(line(
                &rules,
                raw(PointsEvent::TrainingHour, 250, Split::Whole),
            ));
        }
        lines.extend(line(
            &rules,
            raw(PointsEvent::MeetingAbsent, 100, Split::Whole),
        ));
        assert_eq!(lines[0].points, 250);
        let scored = score(&rules, lines);
        let study = &scored.categories[0];
        assert_eq!((study.earned, study.counted), (2250, 2000));
        assert_eq!(scored.total, 2000 - 500);
        assert_eq!(scored.grade, PointsGrade::Unqualified);
    }

    #[test]
    fn equal_totals_share_a_place() {
        let (a, b, c) = (MemberId::new_v7(), MemberId::new_v7(), MemberId::new_v7());
        let ranked = rank(vec![(a, 10), (b, 30), (c, 10)]);
        let places: Vec<i32> = ranked.iter().map(|r| r.2).collect();
        assert_eq!(places, vec![1, 2, 2]);
        assert_eq!(ranked[0].0, b);
    }
}
