//! 委员: the roster searched and filtered by sector and status, each
//! member's page (details, this year's sign-ups and duty record), disabling
//! and enabling behind a confirmation, and the list as Excel (audited).

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::committees::Sector;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::members::{Member, MemberPatch, MemberStatus, Role};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::activities::{CsrfForm, path_id};
use super::errors::ConsoleError;
use super::labels;
use super::layout::{ConfirmPage, Shell, date, day_and_time, html, xlsx};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::members::{self, ListFilter};
use crate::domain::activities::{self, records};
use crate::domain::committees;
use crate::domain::meetings;

/// Rows on one page of the list.
const PAGE: u32 = 50;

/// The list's filters, as the search form sends them (and links repeat them).
#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
}

impl Filters {
    fn domain(&self, limit: u32) -> ListFilter {
        ListFilter {
            q: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            sector: Some(self.sector.clone()).filter(|s| !s.is_empty()),
            status: MemberStatus::parse(&self.status),
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            limit,
        }
    }

    /// The filters as a query string (without the cursor), for links.
    fn query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("sector", &self.sector)
            .append_pair("status", &self.status)
            .finish()
    }
}

struct Row {
    id: MemberId,
    name: String,
    member_no: String,
    sector: String,
    phone: String,
    role: &'static str,
    status: &'static str,
    disabled: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "members.html")]
struct ListPage {
    shell: Shell,
    q: String,
    sectors: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<Row>,
    next: Option<String>,
    query: String,
    problem: Option<&'static str>,
}

fn row(m: Member) -> Row {
    Row {
        role: members::role_label(m.role),
        status: members::status_label(m.status),
        disabled: m.status == MemberStatus::Disabled,
        id: m.id,
        name: m.name,
        member_no: m.member_no.unwrap_or_default(),
        sector: m.sector.unwrap_or_else(|| "—".into()),
        phone: m.phone,
    }
}

/// `GET /console/members`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(filters): Query<Filters>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let filter = filters.domain(PAGE);
    let committee = clerk.ctx.caller.committee_id;
    let listed = state
        .read(&clerk.ctx, move |conn, ctx| {
            let sectors = committees::list_sectors(conn, committee)?;
            let listed = members::list(conn, committee, &filter).map(|(rows, next)| {
                let tz = ctx.tz;
                (
                    rows.into_iter()
                        .map(|r| members::to_member(r, tz))
                        .collect::<Vec<_>>(),
                    next,
                )
            });
            Ok((sectors, listed))
        })
        .await?;
    let (sectors, listed) = listed;
    // A sector name that is not one of ours: say so, show nobody.
    let (found, next, problem) = match listed {
        Ok((found, next)) => (found, next, None),
        Err(e) if e.code == lvzhi_shared::ErrorCode::UnknownSector => {
            (Vec::new(), None, Some("没有这个界别。"))
        }
        Err(e) => return Err(e.into()),
    };
    let mut resp = html(&ListPage {
        shell: Shell::new(&clerk, "委员", "/console/members"),
        q: filters.q.clone(),
        sectors: sector_choices(&sectors, &filters.sector),
        statuses: [("", "全部状态")]
            .into_iter()
            .chain(
                MemberStatus::ALL
                    .iter()
                    .map(|s| (s.as_str(), members::status_label(*s))),
            )
            .map(|(value, label)| Choice {
                selected: value == filters.status,
                value: value.into(),
                label: label.into(),
            })
            .collect(),
        rows: found.into_iter().map(row).collect(),
        next,
        query: filters.query(),
        problem,
    });
    if problem.is_some() {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(resp)
}

fn sector_choices(sectors: &[Sector], chosen: &str) -> Vec<Choice> {
    std::iter::once(Choice {
        value: String::new(),
        label: "全部界别".into(),
        selected: chosen.is_empty(),
    })
    .chain(sectors.iter().map(|s| Choice {
        selected: s.name == chosen,
        value: s.name.clone(),
        label: s.name.clone(),
    }))
    .collect()
}

/// `GET /console/members/export.xlsx`: everyone the filters match.
#[handler]
pub async fn export(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(filters): Query<Filters>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let filter = filters.domain(PAGE);
    let all = state
        .write(&clerk.ctx, move |conn, ctx| {
            members::for_export(conn, ctx, &filter)
        })
        .await?;
    let bytes = members::table(&all).to_xlsx("委员名单")?;
    Ok(xlsx(bytes, "members.xlsx"))
}

struct SignupLine {
    activity_id: lvzhi_shared::ids::ActivityId,
    /// Registered or waitlisted for an activity still open: the office may take them off.
    removable: bool,
    title: String,
    kind: &'static str,
    when: String,
    status: &'static str,
    attendance: &'static str,
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    shell: Shell,
    id: MemberId,
    member: Row,
    gender: &'static str,
    party: String,
    workplace: String,
    birth_year: String,
    since: String,
    year: i32,
    record: lvzhi_shared::activities::DutyRecord,
    attendance_percent: i64,
    signups: Vec<SignupLine>,
    may_switch: bool,
    /// Not yet activated: the page offers an activation-code slip.
    pending: bool,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /console/members/{id}`.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: MemberId = path_id(&id)?;
    let (member, record, signups) = state
        .read(&clerk.ctx, move |conn, ctx| {
            let committee = ctx.caller.committee_id;
            let member = members::to_member(members::get(conn, committee, id)?, ctx.tz);
            let year = committees::current_year(ctx.now.and_utc(), ctx.tz);
            let mut record = records::duty_record(conn, committee, id, year, ctx.tz)?;
            let bounds = committees::year_bounds(year, ctx.tz);
            meetings::record::add_to(conn, &mut record, committee, id, bounds, ctx.now)?;
            let signups = activities::my_summaries(conn, id, ctx.tz)?;
            Ok((member, record, signups))
        })
        .await?;
    // Organizers look after members; accounts of the office are the admin's.
    let may_switch = member.id != clerk.ctx.caller.user_id
        && (clerk.ctx.caller.role == Role::Admin || member.role == Role::Member);
    let done = match query.done.as_deref() {
        Some("disabled") => Some("账号已停用：这位委员已无法登录，手机也不再收到推送。"),
        Some("enabled") => Some("账号已恢复。"),
        Some("signed_up") => Some("已代为报名，并已通知本人。"),
        Some("waitlisted") => Some("岗位已满，已代为排入候补，并已通知本人。"),
        _ => None,
    };
    Ok(html(&MemberPage {
        shell: Shell::new(&clerk, &member.name, "/console/members"),
        id,
        gender: match member.gender {
            Some(lvzhi_shared::members::Gender::Male) => "男",
            Some(lvzhi_shared::members::Gender::Female) => "女",
            None => "—",
        },
        party: member.party.clone().unwrap_or_else(|| "—".into()),
        workplace: member.workplace.clone().unwrap_or_else(|| "—".into()),
        birth_year: member.birth_year.map_or("—".into(), |y| y.to_string()),
        since: date(member.created_at),
        year: record.year,
        attendance_percent: (record.attendance_rate * 100.0).round() as i64,
        record,
        signups: signups
            .into_iter()
            .map(|(a, mine)| SignupLine {
                activity_id: a.id,
                removable: matches!(
                    mine.status,
                    lvzhi_shared::activities::SignupStatus::Registered
                        | lvzhi_shared::activities::SignupStatus::Waitlisted
                ) && matches!(
                    a.status,
                    lvzhi_shared::activities::ActivityStatus::Draft
                        | lvzhi_shared::activities::ActivityStatus::Published
                ),
                kind: labels::kind(a.kind),
                when: day_and_time(a.starts_at),
                status: labels::signup_status(mine.status),
                attendance: labels::attendance(mine.attendance),
                title: a.title,
            })
            .collect(),
        may_switch,
        pending: member.status == MemberStatus::Pending,
        done,
        member: row(member),
    }))
}

/// `GET /console/members/{id}/disable` and `/enable`: what it will do.
#[handler]
pub async fn confirm_switch(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, to)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let id: MemberId = path_id(&id)?;
    let disable = switch_target(&to)? == MemberStatus::Disabled;
    let member = state
        .read(&clerk.ctx, move |conn, ctx| {
            members::get(conn, ctx.caller.committee_id, id)
        })
        .await?
        .0;
    let (question, told, button) = if disable {
        (
            format!("停用 {} 的账号？", member.name),
            vec![
                format!("{}：立即退出所有手机和管理后台，不能再登录", member.name),
                "不再收到推送；已报名的活动保留在名单上".into(),
            ],
            "确认停用",
        )
    } else {
        (
            format!("恢复 {} 的账号？", member.name),
            vec![format!(
                "{}：可以重新登录（未激活的账号需要激活码）",
                member.name
            )],
            "确认恢复",
        )
    };
    Ok(html(&ConfirmPage {
        question,
        told,
        action: format!("/console/members/{id}/{to}"),
        button,
        back: format!("/console/members/{id}"),
        danger: disable,
        shell: Shell::new(&clerk, "确认", "/console/members"),
    }))
}

fn switch_target(to: &str) -> Result<MemberStatus, ConsoleError> {
    match to {
        "disable" => Ok(MemberStatus::Disabled),
        "enable" => Ok(MemberStatus::Active),
        _ => Err(ConsoleError::NotFound),
    }
}

/// `POST /console/members/{id}/disable` and `/enable`: through the same
/// rule as the API (who may change whom, sessions ended, the audit line).
#[handler]
pub async fn switch(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, to)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(form.token()))?;
    let id: MemberId = path_id(&id)?;
    let status = switch_target(&to)?;
    state
        .write(&clerk.ctx, move |conn, ctx| {
            let patch = MemberPatch {
                status: Some(status),
                ..MemberPatch::default()
            };
            members::patch(conn, ctx, id, &patch).map(|_| ())
        })
        .await?;
    let done = if status == MemberStatus::Disabled {
        "disabled"
    } else {
        "enabled"
    };
    Ok(Redirect::see_other(format!("/console/members/{id}?done={done}")).into_response())
}
