//! 代为操作: the office signs a member up for an activity (for members who
//! cannot use a phone), from the member's page. The domain's office sign-up
//! gives a place or a waitlist spot, tells the member, and writes the audit
//! line; cancelling for them is the roster's 移出, linked from the same page.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{ActivityStatus, RosterAdd, SignupStatus};
use lvzhi_shared::ids::{ActivityId, MemberId, RoleSlotId};
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, day_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::members;
use crate::domain::activities::{self, ListFilter, signups};

/// Open activities offered on the page (the next ones by start).
const OFFERED: u32 = 30;

/// One slot the member could be put in.
struct Slot {
    /// `activity:role`, the radio's value.
    value: String,
    activity: String,
    when: String,
    role: String,
    /// `3 / 10`, and the sector the slot is limited to.
    fill: String,
    full: bool,
}

#[derive(Template)]
#[template(path = "acting.html")]
struct SignUpPage {
    shell: Shell,
    id: MemberId,
    name: String,
    slots: Vec<Slot>,
    problem: Option<&'static str>,
}

async fn sign_up_page(
    state: &AppState,
    clerk: &Clerk,
    id: MemberId,
    problem: Option<&'static str>,
) -> Result<Response, ConsoleError> {
    let (name, offered) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let member = members::get(conn, ctx.caller.committee_id, id)?.0;
            let mine: Vec<ActivityId> = activities::my_summaries(conn, id, ctx.tz)?
                .into_iter()
                .filter(|(_, s)| {
                    matches!(
                        s.status,
                        SignupStatus::Registered | SignupStatus::Waitlisted
                    )
                })
                .map(|(a, _)| a.id)
                .collect();
            let filter = ListFilter {
                status: Some(ActivityStatus::Published),
                limit: OFFERED,
                ..ListFilter::default()
            };
            let (upcoming, _) = activities::list(conn, ctx, &filter)?;
            let open: Vec<_> = upcoming
                .into_iter()
                .filter(|a| !mine.contains(&a.id))
                .collect();
            let ids: Vec<ActivityId> = open.iter().map(|a| a.id).collect();
            let slots = activities::role_slots(conn, &ids)?;
            let offered: Vec<_> = open
                .into_iter()
                .map(|a| {
                    let roles: Vec<_> = slots
                        .iter()
                        .filter(|(id, _)| *id == a.id)
                        .map(|(_, slot)| slot.clone())
                        .collect();
                    (a, roles)
                })
                .collect();
            Ok((member.name, offered))
        })
        .await?;
    let slots = offered
        .iter()
        .flat_map(|(a, roles)| {
            roles.iter().map(move |r| Slot {
                value: format!("{}:{}", a.id, r.id),
                activity: format!("{}（{}）", a.title, labels::kind(a.kind)),
                when: day_and_time(a.starts_at),
                role: r.name.clone(),
                fill: match &r.sector {
                    Some(sector) => format!("{} / {}，限{}", r.registered, r.capacity, sector),
                    None => format!("{} / {}", r.registered, r.capacity),
                },
                full: r.registered >= r.capacity,
            })
        })
        .collect();
    let mut resp = html(&SignUpPage {
        shell: Shell::new(clerk, &format!("代{}报名", name), "/console/members"),
        id,
        name,
        slots,
        problem,
    });
    if problem.is_some() {
        resp.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

/// `GET /console/members/{id}/signup`: the open activities and their slots.
#[handler]
pub async fn form(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    sign_up_page(&state, &clerk, path_id(&id)?, None).await
}

#[derive(Deserialize)]
pub struct Chosen {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slot: String,
}

/// `POST /console/members/{id}/signup`: a place if the slot has one, else
/// the waitlist; the member is told either way.
#[handler]
pub async fn sign_up(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Form(chosen): Form<Chosen>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&chosen.csrf))?;
    let member: MemberId = path_id(&id)?;
    let parsed = chosen
        .slot
        .split_once(':')
        .and_then(|(a, r)| Some((a.parse::<ActivityId>().ok()?, r.parse::<RoleSlotId>().ok()?)));
    let Some((activity, role)) = parsed else {
        return sign_up_page(&state, &clerk, member, Some("请选择一个活动岗位。")).await;
    };
    let add = RosterAdd {
        member_id: member,
        role_id: Some(role),
        over_capacity: false,
    };
    let done = state
        .write(&clerk.ctx, move |conn, ctx| {
            signups::add_by_office(conn, ctx, activity, &add)
        })
        .await;
    match done {
        Ok(result) => {
            let to = if result.status == SignupStatus::Waitlisted {
                "waitlisted"
            } else {
                "signed_up"
            };
            Ok(Redirect::see_other(format!("/console/members/{member}?done={to}")).into_response())
        }
        Err(e) if e.code == ErrorCode::AlreadySignedUp => {
            // A second click: the first already did it.
            Ok(
                Redirect::see_other(format!("/console/members/{member}?done=signed_up"))
                    .into_response(),
            )
        }
        Err(e) if e.status().is_client_error() && e.code != ErrorCode::NotFound => {
            sign_up_page(&state, &clerk, member, Some(labels::refusal(e.code))).await
        }
        Err(e) => Err(e.into()),
    }
}
