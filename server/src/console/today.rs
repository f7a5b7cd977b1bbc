//! 工作台: what needs the office today. Upcoming activities with how full
//! they are, findings waiting for a decision, recent announcements and how
//! many have read them, accounts not yet activated.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::activities::ActivityStatus;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, date, day_and_time, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::members;
use crate::domain::activities::{self, ListFilter, findings};
use crate::domain::notifications::announcements;

/// How many of each list the page shows; the full lists have screens of their own.
const SHOWN: u32 = 8;

struct UpcomingRow {
    title: String,
    kind: &'static str,
    when: String,
    location: String,
    draft: bool,
    status: &'static str,
    registered: i32,
    capacity: i32,
    /// Registered as a share of capacity, 0–100, for the fill bar.
    fill_percent: i32,
    waitlisted: i32,
}

struct FindingRow {
    /// The finding's page, where the office takes its next step.
    url: String,
    title: String,
    author: String,
    submitted: String,
}

struct AnnouncementRow {
    title: String,
    urgent: bool,
    sent: String,
    recipients: i64,
    unread: i64,
}

struct PendingMember {
    name: String,
    sector: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    shell: Shell,
    upcoming: Vec<UpcomingRow>,
    findings: Vec<FindingRow>,
    findings_total: i64,
    announcements: Vec<AnnouncementRow>,
    pending: Vec<PendingMember>,
    pending_total: i64,
}

/// `GET /console/today`.
#[handler]
pub async fn page(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let page = state
        .read(&clerk.ctx, |conn, ctx| {
            let filter = ListFilter {
                limit: SHOWN,
                ..ListFilter::default()
            };
            let (upcoming, _) = activities::list(conn, ctx, &filter)?;
            let (waiting, findings_total) = findings::awaiting_decision(conn, ctx, SHOWN)?;
            let committee = ctx.caller.committee_id;
            let (recent, _) = announcements::list(conn, committee, None, SHOWN, ctx.tz)?;
            let (pending, pending_total) = members::awaiting_activation(conn, committee, SHOWN)?;
            Ok((
                upcoming,
                waiting,
                findings_total,
                recent,
                pending,
                pending_total,
            ))
        })
        .await?;
    let (upcoming, waiting, findings_total, recent, pending, pending_total) = page;
    Ok(html(&TodayPage {
        shell: Shell::new(&clerk, "工作台", "/console/today"),
        upcoming: upcoming
            .into_iter()
            .map(|a| UpcomingRow {
                kind: labels::kind(a.kind),
                when: day_and_time(a.starts_at),
                draft: a.status == ActivityStatus::Draft,
                status: labels::status(a.status),
                fill_percent: if a.capacity > 0 {
                    (a.registered.min(a.capacity) * 100) / a.capacity
                } else {
                    0
                },
                title: a.title,
                location: a.location,
                registered: a.registered,
                capacity: a.capacity,
                waitlisted: a.waitlisted,
            })
            .collect(),
        findings: waiting
            .into_iter()
            .map(|f| FindingRow {
                url: format!("/console/activities/{}/findings/{}", f.activity_id, f.id),
                submitted: date(f.created_at),
                title: f.title,
                author: f.author_name,
            })
            .collect(),
        findings_total,
        announcements: recent
            .into_iter()
            .map(|a| AnnouncementRow {
                sent: day_and_time(a.created_at),
                unread: (a.recipients - a.delivery.read).max(0),
                recipients: a.recipients,
                urgent: a.urgent,
                title: a.title,
            })
            .collect(),
        pending: pending
            .into_iter()
            .map(|(user, sector)| PendingMember {
                name: user.name,
                sector: sector.unwrap_or_else(|| "—".into()),
                phone: masked_phone(&user.phone),
            })
            .collect(),
        pending_total,
    }))
}

/// `139****0001`: enough to tell members apart on a screen others can see.
fn masked_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return phone.to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}
