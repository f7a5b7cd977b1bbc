//! 设置 › 会议规则 (admin only): per meeting kind, the quorum and who
//! approves leave. The change is the API's `PUT /meeting-rules/{kind}`
//! (`domain::meetings::rules::put`), which checks the fraction and that each
//! approver is an account of the committee, and writes the audit line.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::meetings::{MeetingKind, MeetingRule};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::errors::ConsoleError;
use super::labels;
use super::layout::{Shell, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::members;
use crate::domain::meetings::rules;

/// The quorum fractions offices use; a rule set otherwise (through the API)
/// is shown as it is and kept unless changed.
const FRACTIONS: [(i32, i32, &str); 2] = [(1, 2, "过半数"), (2, 3, "超过三分之二")];

struct FractionChoice {
    value: String,
    label: String,
    selected: bool,
}

struct ApproverChoice {
    id: MemberId,
    label: String,
    checked: bool,
}

struct KindRule {
    kind: &'static str,
    label: &'static str,
    fractions: Vec<FractionChoice>,
    approvers: Vec<ApproverChoice>,
    problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "settings_meeting_rules.html")]
struct RulesPage {
    shell: Shell,
    section: &'static str,
    kinds: Vec<KindRule>,
    done: bool,
}

fn fraction_choices(rule: &MeetingRule) -> Vec<FractionChoice> {
    let current = (rule.quorum_numerator, rule.quorum_denominator);
    let mut choices: Vec<FractionChoice> = FRACTIONS
        .iter()
        .map(|(n, d, label)| FractionChoice {
            value: format!("{n}/{d}"),
            label: format!("{label}（{n}/{d}）"),
            selected: (*n, *d) == current,
        })
        .collect();
    if !choices.iter().any(|c| c.selected) {
        choices.push(FractionChoice {
            value: format!("{}/{}", current.0, current.1),
            label: format!("超过 {}/{}", current.0, current.1),
            selected: true,
        });
    }
    choices
}

async fn rules_page(
    state: &AppState,
    clerk: &Clerk,
    problem: Option<(MeetingKind, &'static str)>,
    done: bool,
) -> Result<RulesPage, ConsoleError> {
    let (people, listed) = state
        .read(&clerk.ctx, |conn, ctx| {
            let people = rules::candidates(conn, ctx)?;
            let mut listed = Vec::new();
            for kind in MeetingKind::ALL {
                listed.push((*kind, rules::get(conn, ctx, *kind)?));
            }
            Ok((people, listed))
        })
        .await?;
    Ok(RulesPage {
        shell: Shell::new(clerk, "会议规则", "/console/settings"),
        section: "meeting_rules",
        kinds: listed
            .into_iter()
            .map(|(kind, rule)| KindRule {
                kind: kind.as_str(),
                label: labels::meeting_kind(kind),
                fractions: fraction_choices(&rule),
                approvers: people
                    .iter()
                    .map(|(id, name, role)| ApproverChoice {
                        id: *id,
                        label: format!("{name}（{}）", members::role_label(*role)),
                        checked: rule.approvers.contains(id),
                    })
                    .collect(),
                problem: problem.filter(|(k, _)| *k == kind).map(|(_, p)| p),
            })
            .collect(),
        done,
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /console/settings/meeting-rules`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.require_admin()?;
    Ok(html(
        &rules_page(&state, &clerk, None, query.done.is_some()).await?,
    ))
}

/// `POST /console/settings/meeting-rules`: one kind's rule (`kind`,
/// `quorum` as `1/2`, an `approver` per ticked account).
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.require_admin()?;
    let (mut csrf, mut kind, mut quorum, mut approvers) =
        (String::new(), String::new(), String::new(), Vec::new());
    for (k, v) in fields {
        match k.as_str() {
            "csrf" => csrf = v,
            "kind" => kind = v,
            "quorum" => quorum = v,
            "approver" => approvers.push(v),
            _ => {}
        }
    }
    clerk.check_csrf(req, Some(&csrf))?;
    let kind = MeetingKind::parse(&kind).ok_or(ConsoleError::NotFound)?;
    let fraction = quorum
        .split_once('/')
        .and_then(|(n, d)| Some((n.trim().parse().ok()?, d.trim().parse().ok()?)));
    let approvers: Option<Vec<MemberId>> = approvers.iter().map(|a| a.parse().ok()).collect();
    let (Some((quorum_numerator, quorum_denominator)), Some(approvers)) = (fraction, approvers)
    else {
        let page = rules_page(&state, &clerk, Some((kind, "请重新选择后保存。")), false).await?;
        let mut resp = html(&page);
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
        return Ok(resp);
    };
    let rule = MeetingRule {
        approvers,
        quorum_numerator,
        quorum_denominator,
    };
    let saved = state
        .write(&clerk.ctx, move |conn, ctx| {
            rules::put(conn, ctx, kind, &rule)
        })
        .await;
    match saved {
        Ok(_) => Ok(Redirect::see_other("/console/settings/meeting-rules?done=1").into_response()),
        Err(e) if e.status().is_client_error() => {
            let problem = if e
                .field
                .as_deref()
                .is_some_and(|f| f.starts_with("approvers"))
            {
                "勾选的审批人中有人已不是本会账号，请刷新页面后重新选择。"
            } else {
                "法定人数应为小于 1 的比例，请重新选择。"
            };
            let page = rules_page(&state, &clerk, Some((kind, problem)), false).await?;
            let mut resp = html(&page);
            resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
