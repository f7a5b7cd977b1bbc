//! 新建活动 and 修改活动: the form for a training, an outreach or an
//! inspection trip, with role slots (each may be limited to a sector), the
//! audience, the outreach theme, study hours and the inspection itinerary.
//! What the clerk typed is kept as typed; anything the form cannot read and
//! anything the domain's rules refuse is said next to its field. Creating
//! carries a one-time token, so a double click makes one draft.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    Activity, ActivityKind, ActivityPatch, ActivityStatus, Audience, NewActivity, OutreachTheme,
    RoleSlotInput, StopInput,
};
use lvzhi_shared::ids::ActivityId;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use super::activities::path_id;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::console_sessions;
use crate::domain::activities;
use crate::domain::committees;
use crate::domain::idempotency;
use crate::error::AppError;

/// Blank rows the form offers for role slots and itinerary stops (without
/// JavaScript there is no "add a row"; more can be added after saving).
const ROWS: usize = 4;

/// One role slot's row as typed.
#[derive(Default, Clone)]
struct RoleRowInput {
    name: String,
    capacity: String,
    sector: String,
}

/// One itinerary stop's row as typed.
#[derive(Default, Clone)]
struct StopRowInput {
    at: String,
    place: String,
    subject: String,
}

/// The form as typed: every field a string, so it can be shown again.
#[derive(Default, Clone)]
struct Draft {
    csrf: String,
    once: String,
    kind: String,
    title: String,
    description: String,
    location: String,
    starts_at: String,
    ends_at: String,
    signup_closes_at: String,
    capacity: String,
    audience: String,
    sectors: Vec<String>,
    theme: String,
    study_hours: String,
    roles: Vec<RoleRowInput>,
    stops: Vec<StopRowInput>,
}

impl Draft {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut d = Draft::default();
        let (mut roles, mut stops): (Vec<RoleRowInput>, Vec<StopRowInput>) = (vec![], vec![]);
        // Repeated fields pair up by their order in the form.
        let (mut rn, mut rc, mut rs, mut sa, mut sp, mut ss) = (0, 0, 0, 0, 0, 0);
        fn slot<T: Default>(rows: &mut Vec<T>, i: usize) -> &mut T {
            if rows.len() <= i {
                rows.resize_with(i + 1, T::default);
            }
            &mut rows[i]
        }
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => d.csrf = value,
                "once" => d.once = value,
                "kind" => d.kind = value,
                "title" => d.title = value,
                "description" => d.description = value,
                "location" => d.location = value,
                "starts_at" => d.starts_at = value,
                "ends_at" => d.ends_at = value,
                "signup_closes_at" => d.signup_closes_at = value,
                "capacity" => d.capacity = value,
                "audience" => d.audience = value,
                "sector" => d.sectors.push(value),
                "theme" => d.theme = value,
                "study_hours" => d.study_hours = value,
                "role_name" => (slot(&mut roles, rn).name, rn) = (value, rn + 1),
                "role_capacity" => (slot(&mut roles, rc).capacity, rc) = (value, rc + 1),
                "role_sector" => (slot(&mut roles, rs).sector, rs) = (value, rs + 1),
                "stop_at" => (slot(&mut stops, sa).at, sa) = (value, sa + 1),
                "stop_place" => (slot(&mut stops, sp).place, sp) = (value, sp + 1),
                "stop_subject" => (slot(&mut stops, ss).subject, ss) = (value, ss + 1),
                _ => {}
            }
        }
        d.roles = roles;
        d.stops = stops;
        d
    }

    /// A fresh form: a training for the whole committee.
    fn blank() -> Self {
        Draft {
            once: console_sessions::random_token(),
            kind: ActivityKind::Training.as_str().into(),
            audience: Audience::Committee.as_str().into(),
            ..Draft::default()
        }
    }

    /// The form filled from a stored activity (for 修改).
    fn of(a: &Activity) -> Self {
        Draft {
            kind: a.kind.as_str().into(),
            title: a.title.clone(),
            description: a.description.clone(),
            location: a.location.clone(),
            starts_at: local_input(a.starts_at),
            ends_at: local_input(a.ends_at),
            signup_closes_at: a.signup_closes_at.map(local_input).unwrap_or_default(),
            capacity: a.capacity.to_string(),
            audience: a.audience.as_str().into(),
            sectors: a.audience_sectors.clone(),
            theme: a.theme.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            study_hours: if a.study_hours > 0.0 {
                a.study_hours.to_string()
            } else {
                String::new()
            },
            ..Draft::default()
        }
    }
}

/// `2026-12-10T09:00`, as `<input type="datetime-local">` holds it.
pub(super) fn local_input(t: DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// What is wrong, by field name, in Chinese (shared by the console's forms
/// that say problems next to their fields, with `field_problem.html`).
#[derive(Default)]
pub(super) struct Problems(BTreeMap<&'static str, String>);

impl Problems {
    pub(super) fn add(&mut self, field: &'static str, problem: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| problem.into());
    }

    /// For the template: the problem with `field`, if any.
    pub(super) fn of(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A date and time typed in the committee's time zone.
pub(super) fn when(
    typed: &str,
    tz: Tz,
    field: &'static str,
    problems: &mut Problems,
) -> Option<DateTime<FixedOffset>> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    let parsed = NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(typed, "%Y-%m-%d %H:%M"))
        .ok()
        .and_then(|t| tz.from_local_datetime(&t).single());
    if parsed.is_none() {
        problems.add(field, "请按“2026-12-10 09:00”的格式填写日期和时间。");
    }
    parsed.map(|t| t.fixed_offset())
}

fn number<T: std::str::FromStr>(
    typed: &str,
    field: &'static str,
    problems: &mut Problems,
) -> Option<T> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    let n = typed.parse().ok();
    if n.is_none() {
        problems.add(field, "请填写数字。");
    }
    n
}

fn required<T>(value: Option<T>, field: &'static str, problems: &mut Problems) -> Option<T> {
    if value.is_none() {
        problems.add(field, "必填。");
    }
    value
}

/// The draft as the domain's input, or what the form could not read.
fn to_new(d: &Draft, tz: Tz) -> Result<NewActivity, Problems> {
    let mut p = Problems::default();
    let kind = ActivityKind::parse(&d.kind);
    if kind.is_none() {
        p.add("kind", "请选择活动类型。");
    }
    let starts = required(
        when(&d.starts_at, tz, "starts_at", &mut p),
        "starts_at",
        &mut p,
    );
    let ends = required(when(&d.ends_at, tz, "ends_at", &mut p), "ends_at", &mut p);
    let closes = when(&d.signup_closes_at, tz, "signup_closes_at", &mut p);
    let capacity = required(
        number::<i32>(&d.capacity, "capacity", &mut p),
        "capacity",
        &mut p,
    );
    let study_hours = number::<f64>(&d.study_hours, "study_hours", &mut p);
    let audience = Audience::parse(&d.audience).unwrap_or(Audience::Committee);
    let mut roles = Vec::new();
    for r in d
        .roles
        .iter()
        .filter(|r| !(r.name.trim().is_empty() && r.capacity.trim().is_empty()))
    {
        let Some(capacity) = required(number::<i32>(&r.capacity, "roles", &mut p), "roles", &mut p)
        else {
            continue;
        };
        roles.push(RoleSlotInput {
            name: r.name.clone(),
            capacity,
            sector: Some(r.sector.clone()).filter(|s| !s.is_empty()),
        });
    }
    let mut itinerary = Vec::new();
    for s in d.stops.iter().filter(|s| {
        !(s.at.trim().is_empty() && s.place.trim().is_empty() && s.subject.trim().is_empty())
    }) {
        let Some(at) = required(when(&s.at, tz, "itinerary", &mut p), "itinerary", &mut p) else {
            continue;
        };
        itinerary.push(StopInput {
            at,
            place: s.place.clone(),
            subject: s.subject.clone(),
        });
    }
    match (kind, starts, ends, capacity) {
        (Some(kind), Some(starts_at), Some(ends_at), Some(capacity)) if p.is_empty() => {
            Ok(NewActivity {
                kind,
                title: d.title.clone(),
                description: Some(d.description.clone()),
                location: Some(d.location.clone()),
                starts_at,
                ends_at,
                signup_opens_at: None,
                signup_closes_at: closes,
                audience: Some(audience),
                audience_sectors: if audience == Audience::Sectors {
                    d.sectors.clone()
                } else {
                    Vec::new()
                },
                invitees: Vec::new(),
                capacity,
                roles,
                forbid_overlap: None,
                study_hours: if kind == ActivityKind::Training {
                    study_hours
                } else {
                    None
                },
                theme: if kind == ActivityKind::Outreach {
                    OutreachTheme::parse(&d.theme)
                } else {
                    None
                },
                itinerary: if kind == ActivityKind::Inspection {
                    itinerary
                } else {
                    Vec::new()
                },
                materials: Vec::new(),
                reminder_minutes: None,
            })
        }
        _ => Err(p),
    }
}

/// A refusal of the domain's rules, next to the field it names (or above
/// the form when it names none).
fn refused(e: &AppError) -> Problems {
    let mut problems = Problems::default();
    match field_refusal(e) {
        Some((field, problem)) => problems.add(field, problem),
        None => problems.add("form", labels::refusal(e.code)),
    }
    problems
}

fn field_refusal(e: &AppError) -> Option<(&'static str, String)> {
    let field = match e.field.as_deref()? {
        "title" => "title",
        "description" => "description",
        "location" => "location",
        "starts_at" => "starts_at",
        "ends_at" => "ends_at",
        "signup_closes_at" | "signup_opens_at" => "signup_closes_at",
        "capacity" => "capacity",
        "study_hours" => "study_hours",
        "theme" => "theme",
        "audience_sectors" => "audience",
        "roles" => "roles",
        "itinerary" => "itinerary",
        _ => return None,
    };
    let problem = match (e.code, field) {
        (ErrorCode::FieldRequired, "theme") => "请选择三下乡的服务类别。".to_owned(),
        (ErrorCode::FieldRequired, "audience") => "请至少选择一个界别。".to_owned(),
        (ErrorCode::FieldRequired, _) => "必填。".to_owned(),
        (ErrorCode::FieldTooLong, _) => "太长了，请删减。".to_owned(),
        (_, "ends_at") => "结束时间应晚于开始时间。".to_owned(),
        (_, "signup_closes_at") => "报名截止应早于活动结束。".to_owned(),
        (_, "capacity") => "名额应为 1 到 10000 之间的整数。".to_owned(),
        (_, "study_hours") => "学时应为 0 到 100。".to_owned(),
        (ErrorCode::UnknownSector, _) => "没有这个界别。".to_owned(),
        (_, "roles") => "每个岗位需要名称和名额，岗位名额不能超过活动的总名额。".to_owned(),
        (_, "itinerary") => "每一站需要时间、地点和视察内容。".to_owned(),
        _ => "请检查。".to_owned(),
    };
    Some((field, problem))
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    shell: Shell,
    /// `None` for a new activity.
    editing: Option<ActivityId>,
    /// Published: changing time or place tells everyone signed up.
    published_to: Option<i32>,
    d: Draft,
    kinds: Vec<Choice>,
    themes: Vec<Choice>,
    sectors: Vec<Choice>,
    /// Sector choices for each role row (the first is "any").
    role_rows: Vec<(RoleRowInput, Vec<Choice>)>,
    stop_rows: Vec<StopRowInput>,
    /// An edited activity's slots and stops, shown as they are.
    fixed_roles: Vec<String>,
    problems: Problems,
}

async fn form_page(
    state: &AppState,
    clerk: &Clerk,
    mut d: Draft,
    editing: Option<&Activity>,
    problems: Problems,
) -> Result<Response, ConsoleError> {
    let sectors = state
        .read(&clerk.ctx, |conn, ctx| {
            committees::list_sectors(conn, ctx.caller.committee_id)
        })
        .await?;
    let choice = |value: &str, label: &str, chosen: &str| Choice {
        selected: value == chosen,
        value: value.into(),
        label: label.into(),
    };
    d.roles
        .resize_with(d.roles.len().max(ROWS), RoleRowInput::default);
    d.stops
        .resize_with(d.stops.len().max(ROWS), StopRowInput::default);
    let role_rows = d
        .roles
        .iter()
        .map(|r| {
            let any = std::iter::once(choice("", "不限", &r.sector));
            let named = sectors.iter().map(|s| choice(&s.name, &s.name, &r.sector));
            (r.clone(), any.chain(named).collect())
        })
        .collect();
    let title = match editing {
        Some(a) => format!("修改：{}", a.title),
        None => "新建活动".to_owned(),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = html(&FormPage {
        shell: Shell::new(clerk, &title, "/console/activities"),
        editing: editing.map(|a| a.id),
        published_to: editing
            .filter(|a| a.status == ActivityStatus::Published)
            .map(|a| a.registered + a.waitlisted),
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| choice(k.as_str(), labels::kind(*k), &d.kind))
            .collect(),
        themes: OutreachTheme::ALL
            .iter()
            .map(|t| choice(t.as_str(), labels::theme(*t), &d.theme))
            .collect(),
        sectors: sectors
            .iter()
            .map(|s| Choice {
                selected: d.sectors.contains(&s.name),
                value: s.name.clone(),
                label: s.name.clone(),
            })
            .collect(),
        role_rows,
        stop_rows: d.stops.clone(),
        fixed_roles: editing
            .map(|a| {
                a.roles
                    .iter()
                    .map(|r| format!("{}（{} 人）", r.name, r.capacity))
                    .collect()
            })
            .unwrap_or_default(),
        d,
        problems,
    });
    resp.set_status(status);
    Ok(resp)
}

/// `GET /console/activities/new`.
#[handler]
pub async fn new(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    form_page(&state, &clerk, Draft::blank(), None, Problems::default()).await
}

/// `POST /console/activities/new`: a draft, then its page (to publish).
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let d = Draft::from_fields(fields);
    clerk.check_csrf(req, Some(&d.csrf))?;
    let input = match to_new(&d, clerk.ctx.tz) {
        Ok(input) => input,
        Err(problems) => return form_page(&state, &clerk, d, None, problems).await,
    };
    let once = d.once.clone();
    let created = state
        .write(&clerk.ctx, move |conn, ctx| {
            idempotency::once(
                conn,
                ctx.caller.user_id,
                "console:create_activity",
                &once,
                ctx.now,
                |conn| activities::create(conn, ctx, &input),
            )
        })
        .await;
    match created {
        Ok(id) => Ok(
            Redirect::see_other(format!("/console/activities/{id}?done=created")).into_response(),
        ),
        Err(e) if e.status().is_client_error() => {
            form_page(&state, &clerk, d, None, refused(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, clerk: &Clerk, id: ActivityId) -> Result<Activity, ConsoleError> {
    Ok(state
        .read(&clerk.ctx, move |conn, ctx| {
            let row = activities::load(conn, ctx.caller.committee_id, id)?;
            activities::view(conn, row, ctx.caller.user_id, ctx.tz)
        })
        .await?)
}

/// `GET /console/activities/{id}/edit`.
#[handler]
pub async fn edit(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let a = load(&state, &clerk, path_id(&id)?).await?;
    if matches!(
        a.status,
        ActivityStatus::Cancelled | ActivityStatus::Completed
    ) {
        return Ok(Redirect::see_other(format!("/console/activities/{}", a.id)).into_response());
    }
    form_page(&state, &clerk, Draft::of(&a), Some(&a), Problems::default()).await
}

/// `POST /console/activities/{id}/edit`: the fields a change may touch.
#[handler]
pub async fn update(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let mut d = Draft::from_fields(fields);
    clerk.check_csrf(req, Some(&d.csrf))?;
    let a = load(&state, &clerk, path_id(&id)?).await?;
    // The kind is not the form's to change.
    d.kind = a.kind.as_str().into();
    let input = match to_new(&d, clerk.ctx.tz) {
        Ok(input) => input,
        Err(problems) => return form_page(&state, &clerk, d, Some(&a), problems).await,
    };
    let change = ActivityPatch {
        title: Some(input.title),
        description: input.description,
        location: input.location,
        starts_at: Some(input.starts_at),
        ends_at: Some(input.ends_at),
        signup_opens_at: None,
        signup_closes_at: input.signup_closes_at,
        capacity: Some(input.capacity),
        forbid_overlap: None,
        study_hours: input.study_hours,
        reminder_minutes: None,
        on_overflow: None,
    };
    let id = a.id;
    let changed = state
        .write(&clerk.ctx, move |conn, ctx| {
            activities::patch(conn, ctx, id, &change)
        })
        .await;
    match changed {
        Ok(_) => {
            Ok(Redirect::see_other(format!("/console/activities/{id}?done=saved")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            form_page(&state, &clerk, d, Some(&a), refused(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}
