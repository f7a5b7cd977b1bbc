//! 积分规则: one form with the points of every event, the cap of every
//! category, the first author's share, the grade thresholds and the dispute
//! window of a year; saved whole, refused (with the clerk's typing kept)
//! when a number is out of range or the year is closed.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::points::{
    PointsCap, PointsCategory, PointsEvent, PointsRule, PointsRules, PointsYearStatus,
};
use poem::http::StatusCode;
use poem::web::{Data, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::errors::ConsoleError;
use super::layout::{Shell, html};
use super::points::{refusal, year_or_now};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::points::rules;
use crate::domain::points::words::{category_zh, event_zh};

struct Field {
    name: String,
    label: &'static str,
    value: String,
    hint: &'static str,
}

#[derive(Template)]
#[template(path = "points_rules.html")]
struct RulesPage {
    shell: Shell,
    tab: &'static str,
    year: i32,
    closed: bool,
    customized: bool,
    events: Vec<Field>,
    caps: Vec<Field>,
    values: HashMap<&'static str, String>,
    problem: Option<&'static str>,
    done: bool,
}

fn number(n: f64) -> String {
    // 2 → "2", 1.5 → "1.5", 7.33 → "7.33": as a clerk would type it.
    let s = format!("{n:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The form's fields from the rules (or what the clerk typed).
fn fields(
    r: &PointsRules,
    typed: Option<&HashMap<String, String>>,
) -> (Vec<Field>, Vec<Field>, HashMap<&'static str, String>) {
    let typed_or =
        |name: &str, stored: String| typed.and_then(|t| t.get(name).cloned()).unwrap_or(stored);
    let events = PointsEvent::ALL
        .iter()
        .filter(|e| **e != PointsEvent::Adjustment)
        .map(|e| {
            let name = format!("rule_{}", e.as_str());
            let stored = r
                .rules
                .iter()
                .find(|x| x.event == *e)
                .map(|x| number(x.points))
                .unwrap_or_default();
            Field {
                value: typed_or(&name, stored),
                name,
                label: event_zh(*e),
                hint: if e.is_deduction() { "扣分" } else { "" },
            }
        })
        .collect();
    let caps = PointsCategory::ALL
        .iter()
        .filter(|c| **c != PointsCategory::Adjustment)
        .map(|c| {
            let name = format!("cap_{}", c.as_str());
            let stored = r
                .caps
                .iter()
                .find(|x| x.category == *c)
                .map(|x| number(x.cap))
                .unwrap_or_default();
            Field {
                value: typed_or(&name, stored),
                name,
                label: category_zh(*c),
                hint: "",
            }
        })
        .collect();
    let mut values = HashMap::new();
    values.insert(
        "first_author_percent",
        typed_or("first_author_percent", r.first_author_percent.to_string()),
    );
    values.insert(
        "excellent_from",
        typed_or("excellent_from", number(r.excellent_from)),
    );
    values.insert(
        "qualified_from",
        typed_or("qualified_from", number(r.qualified_from)),
    );
    values.insert(
        "dispute_days",
        typed_or("dispute_days", r.dispute_days.to_string()),
    );
    (events, caps, values)
}

async fn rules_page(
    state: &AppState,
    clerk: &Clerk,
    year: i32,
    typed: Option<HashMap<String, String>>,
    problem: Option<&'static str>,
    done: bool,
) -> Result<Response, ConsoleError> {
    let y = state
        .read(&clerk.ctx, move |conn, ctx| rules::year(conn, ctx, year))
        .await?;
    let (events, caps, values) = fields(&y.rules, typed.as_ref());
    let mut resp = html(&RulesPage {
        shell: Shell::new(clerk, "积分规则", "/console/points"),
        tab: "rules",
        year,
        closed: y.status == PointsYearStatus::Closed,
        customized: y.customized,
        events,
        caps,
        values,
        problem,
        done,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct RulesQuery {
    year: Option<i32>,
    done: Option<String>,
}

/// `GET /console/points/rules?year=`.
#[handler]
pub async fn form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let year = year_or_now(&clerk.ctx, q.year);
    rules_page(&state, &clerk, year, None, None, q.done.is_some()).await
}

/// The rules the form says; `None` when a box holds something not a number.
fn read(typed: &HashMap<String, String>) -> Option<PointsRules> {
    let num = |name: &str| -> Option<Option<f64>> {
        match typed.get(name).map(|v| v.trim()).unwrap_or_default() {
            "" => Some(None),
            v => v.parse::<f64>().ok().map(Some),
        }
    };
    let mut rules = Vec::new();
    for e in PointsEvent::ALL
        .iter()
        .filter(|e| **e != PointsEvent::Adjustment)
    {
        if let Some(points) = num(&format!("rule_{}", e.as_str()))? {
            rules.push(PointsRule { event: *e, points });
        }
    }
    let mut caps = Vec::new();
    for c in PointsCategory::ALL
        .iter()
        .filter(|c| **c != PointsCategory::Adjustment)
    {
        if let Some(cap) = num(&format!("cap_{}", c.as_str()))? {
            caps.push(PointsCap { category: *c, cap });
        }
    }
    let int = |name: &str| typed.get(name)?.trim().parse::<i32>().ok();
    Some(PointsRules {
        rules,
        caps,
        first_author_percent: int("first_author_percent")?,
        excellent_from: num("excellent_from")??,
        qualified_from: num("qualified_from")??,
        dispute_days: int("dispute_days")?,
    })
}

/// `POST /console/points/rules`: the year's rules, replaced whole.
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&Arc<AppState>>,
    body: String,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let typed: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    clerk.check_csrf(req, typed.get("csrf").map(String::as_str))?;
    let year = year_or_now(&clerk.ctx, typed.get("year").and_then(|y| y.parse().ok()));
    let Some(wire) = read(&typed) else {
        let problem = Some("请在每一格填写数字（不计分的项目留空）。");
        return rules_page(&state, &clerk, year, Some(typed), problem, false).await;
    };
    let saved = state
        .write(&clerk.ctx, move |conn, ctx| {
            rules::replace(conn, ctx, year, &wire)
        })
        .await;
    match saved {
        Ok(_) => Ok(
            Redirect::see_other(format!("/console/points/rules?year={year}&done=1"))
                .into_response(),
        ),
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            let problem = match (e.code, e.field.as_deref()) {
                (ErrorCode::InvalidField, Some("qualified_from")) => {
                    "合格分数线不能高于优秀分数线。"
                }
                (ErrorCode::InvalidField, Some("first_author_percent")) => {
                    "第一作者的份额应在1%到100%之间。"
                }
                (ErrorCode::InvalidField, Some("dispute_days")) => "申诉期应为1到90天。",
                (code, _) => refusal(code),
            };
            rules_page(&state, &clerk, year, Some(typed), Some(problem), false).await
        }
        Err(e) => Err(e.into()),
    }
}
