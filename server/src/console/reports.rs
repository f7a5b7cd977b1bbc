//! 社情民意: the office's queue of public-opinion reports (waiting, taken
//! up, all, and those forwarded from committees below) and a report's page:
//! its text, who is credited, attachments, versions and the whole timeline,
//! with the forms for the steps its state allows (`report_actions.rs`
//! receives them).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::{MaterialId, ReportId};
use lvzhi_shared::reports::{ReportDetail, ReportStatus, ReportVersion};
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::activity_form::Problems;
use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, date, date_and_time, html};
use super::materials::file_response;
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::committees;
use crate::domain::reports::attachments;
use crate::domain::reports::views::{self, QueueFilter};

/// The most a queue page lists; older ones are found under 全部 by filter.
const SHOWN: usize = 200;

struct Row {
    id: ReportId,
    title: String,
    credits: String,
    from: String,
    category: &'static str,
    status: &'static str,
    submitted: String,
    issue: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct QueuePage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    tab: Option<String>,
}

/// `GET /console/reports?tab=`: 待处理 (default), 已采编, 下级报送, 全部.
#[handler]
pub async fn queue(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<QueueQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (tab, filter) = match query.tab.as_deref() {
        Some("accepted") => (
            "accepted",
            QueueFilter {
                status: Some(ReportStatus::Accepted),
                incoming: false,
            },
        ),
        Some("incoming") => (
            "incoming",
            QueueFilter {
                status: None,
                incoming: true,
            },
        ),
        Some("all") => ("all", QueueFilter::default()),
        _ => (
            "waiting",
            QueueFilter {
                status: Some(ReportStatus::Submitted),
                incoming: false,
            },
        ),
    };
    let listed = state
        .read(&clerk.ctx, move |conn, ctx| {
            views::queue(conn, ctx, &filter, None, SHOWN)
        })
        .await?;
    let rows = listed
        .items
        .into_iter()
        .map(|r| Row {
            credits: r
                .credits
                .iter()
                .filter(|c| c.confirmed)
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            from: if r.forwarded_from.is_some() {
                "下级报送".to_owned()
            } else {
                String::new()
            },
            category: labels::report_category(r.category),
            status: labels::report_status(r.status),
            submitted: r.submitted_at.map(date).unwrap_or_default(),
            issue: r.issue.map(|i| i.label).unwrap_or_default(),
            id: r.id,
            title: r.title,
        })
        .collect();
    Ok(html(&QueuePage {
        shell: Shell::new(&clerk, "社情民意", "/console/reports"),
        tab,
        rows,
    }))
}

// ---- one report ----

pub(super) struct EventLine {
    when: String,
    committee: String,
    what: &'static str,
    detail: String,
}

/// What the clerk typed in one of the page's forms, kept when it is shown again.
#[derive(Deserialize, Default)]
pub struct Typed {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub outside_name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub on_date: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub text: String,
}

pub(super) struct LevelChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    shell: Shell,
    id: ReportId,
    title: String,
    body: String,
    category: &'static str,
    status: &'static str,
    version: i32,
    credits: Vec<String>,
    attachments: Vec<(MaterialId, String)>,
    comment: Option<String>,
    issue: Option<String>,
    incoming: bool,
    adopted: Option<&'static str>,
    timeline: Vec<EventLine>,
    versions: Vec<ReportVersion>,
    can_decide: bool,
    can_return: bool,
    can_edit: bool,
    can_forward: bool,
    has_parent: bool,
    can_record: bool,
    levels: Vec<LevelChoice>,
    typed: Typed,
    problems: Problems,
    done: Option<&'static str>,
}

fn event_lines(detail: &ReportDetail) -> Vec<EventLine> {
    detail
        .timeline
        .iter()
        .map(|e| {
            let mut parts: Vec<String> = Vec::new();
            if let Some(level) = e.level {
                parts.push(labels::committee_level(level).to_owned());
            }
            if let Some(party) = &e.party {
                parts.push(party.clone());
            }
            if let Some(day) = e.on_date {
                parts.push(day.format("%Y-%m-%d").to_string());
            }
            if let Some(text) = &e.text {
                parts.push(text.clone());
            }
            EventLine {
                when: date_and_time(e.at),
                committee: e.committee_name.clone(),
                what: labels::report_event(e.kind),
                detail: parts.join(" · "),
            }
        })
        .collect()
}

/// Renders a report's page: `typed` and `problems` from a form refused.
pub(super) async fn report_page(
    state: &AppState,
    clerk: &Clerk,
    id: ReportId,
    typed: Option<Typed>,
    problems: Problems,
    done: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let (detail, versions, own) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let detail = views::detail(conn, ctx, id)?;
            let versions = views::versions(conn, ctx, id)?;
            let own = committees::load(conn, ctx.caller.committee_id)?;
            Ok((detail, versions, own))
        })
        .await?;
    let has_parent = own.parent_id.is_some();
    let r = &detail.report;
    let timeline = event_lines(&detail);
    // Each form posts only its own fields: the others start from the report.
    let mut typed = typed.unwrap_or_default();
    if typed.title.is_empty() && typed.body.is_empty() {
        typed.title = r.title.clone();
        typed.body = r.body.clone();
    }
    if typed.target.is_empty() {
        typed.target = if has_parent { "parent" } else { "outside" }.to_owned();
    }
    // Outcomes are mostly recorded the day they are heard of, at this level.
    if typed.level.is_empty() {
        typed.level = own.level.as_str().to_owned();
    }
    if typed.on_date.is_empty() {
        typed.on_date = committees::local(clerk.ctx.now, clerk.ctx.tz)
            .format("%Y-%m-%d")
            .to_string();
    }
    let levels = CommitteeLevel::ALL
        .iter()
        .map(|l| LevelChoice {
            value: l.as_str(),
            label: labels::committee_level(*l),
        })
        .collect();
    let editable = matches!(r.status, ReportStatus::Submitted | ReportStatus::Accepted);
    let mut resp = html(&ReportPage {
        shell: Shell::new(clerk, &r.title, "/console/reports"),
        id,
        title: r.title.clone(),
        body: r.body.clone(),
        category: labels::report_category(r.category),
        status: labels::report_status(r.status),
        version: r.version,
        credits: r
            .credits
            .iter()
            .map(|c| {
                if c.confirmed {
                    c.name.clone()
                } else {
                    format!("{}（未确认联名）", c.name)
                }
            })
            .collect(),
        attachments: r
            .attachments
            .iter()
            .map(|a| (a.id, a.title.clone()))
            .collect(),
        comment: r.office_comment.clone(),
        issue: r.issue.as_ref().map(|i| i.label.clone()),
        incoming: r.forwarded_from.is_some(),
        adopted: r.adopted_level.map(labels::committee_level),
        can_decide: r.status == ReportStatus::Submitted,
        can_return: r.status == ReportStatus::Submitted && r.forwarded_from.is_none(),
        can_edit: editable && !r.forwarded,
        can_forward: r.status == ReportStatus::Accepted,
        has_parent,
        can_record: r.forwarded,
        timeline,
        versions,
        levels,
        typed,
        problems,
        done,
    });
    resp.set_status(status);
    Ok(resp)
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "accepted" => "已受理采编，并已通知委员。",
        "returned" => "已退回修改，委员会在 App 里看到您的意见。",
        "rejected" => "已记为未采用，并已把理由通知委员。",
        "edited" => "已保存修改（新的一稿），委员会看到修改后的文字。",
        "forwarded" => "已报送，并已通知委员。",
        "recorded" => "已登记，并已通知委员。",
        "merged" => "已合并为这一条，署名为各条的反映人，并已通知他们。",
        _ => return None,
    })
}

/// `GET /console/reports/{id}`.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id = path_id(&id)?;
    let done = query.done.as_deref().and_then(done_message);
    report_page(
        &state,
        &clerk,
        id,
        None,
        Problems::default(),
        done,
        StatusCode::OK,
    )
    .await
}

/// `GET /console/reports/{id}/attachments/{attachment}`: the file, as the app gets it.
#[handler]
pub async fn attachment(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (id, attachment_id): (ReportId, MaterialId) = (path_id(&id)?, path_id(&attachment)?);
    let (row, content) = state
        .read(&clerk.ctx, move |conn, ctx| {
            attachments::file(conn, ctx, id, attachment_id)
        })
        .await?;
    Ok(file_response(
        Some(row.content_type),
        Some(row.file_name),
        content,
    ))
}
