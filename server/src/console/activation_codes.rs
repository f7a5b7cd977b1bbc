//! 打印激活码: activation codes printed as slips, one per member, ten to
//! an A4 page with cut lines, for the office to hand out. Codes exist only
//! as hashes once issued, so printing issues fresh ones (earlier codes stop
//! working) and the page is the answer to that POST, never a link. Issuing
//! is audited by the domain.

use std::sync::Arc;

use askama::Template;
use lvzhi_shared::ids::{MemberId, UploadId};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::activities::path_id;
use super::assets;
use super::errors::ConsoleError;
use super::layout::{Shell, date, html};
use super::session::Clerk;
use crate::app::AppState;
use crate::domain::accounts::{members, roster_uploads};

#[derive(Template)]
#[template(path = "codes.html")]
struct ChoosePage {
    shell: Shell,
    pending: i64,
    days: i64,
}

/// `GET /console/members/codes`: how many are waiting, and the button.
#[handler]
pub async fn choose(req: &Request, state: Data<&Arc<AppState>>) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    let (_, pending) = state
        .read(&clerk.ctx, |conn, ctx| {
            members::awaiting_activation(conn, ctx.caller.committee_id, 0)
        })
        .await?;
    Ok(html(&ChoosePage {
        shell: Shell::new(&clerk, "打印激活码", "/console/members"),
        pending,
        days: state.config.auth.activation_code_days,
    }))
}

/// Whose codes to print: the members an import added, one member, or
/// (neither named) everyone not yet activated.
#[derive(Deserialize)]
pub struct Whose {
    #[serde(default)]
    csrf: String,
    upload: Option<String>,
    member: Option<String>,
}

struct Slip {
    name: String,
    member_no: String,
    phone: String,
    code: String,
}

#[derive(Template)]
#[template(path = "slips.html")]
struct SlipsPage {
    style: &'static str,
    committee: String,
    expires: String,
    slips: Vec<Slip>,
}

/// `138****1476`: enough for the member to know it is theirs.
fn masked(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() < 8 {
        return phone.to_owned();
    }
    let (head, tail) = (&digits[..3], &digits[digits.len() - 4..]);
    format!(
        "{}****{}",
        head.iter().collect::<String>(),
        tail.iter().collect::<String>()
    )
}

/// `POST /console/members/codes`: issue and print.
#[handler]
pub async fn print(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Form(whose): Form<Whose>,
) -> Result<Response, ConsoleError> {
    let clerk = Clerk::of(&state, req).await?;
    clerk.check_csrf(req, Some(&whose.csrf))?;
    let upload: Option<UploadId> = whose.upload.as_deref().map(path_id).transpose()?;
    let member: Option<MemberId> = whose.member.as_deref().map(path_id).transpose()?;
    let days = state.config.auth.activation_code_days;
    let issued = state
        .write(&clerk.ctx, move |conn, ctx| {
            let ids = match (upload, member) {
                (Some(upload), _) => roster_uploads::created(conn, ctx, upload)?,
                (None, Some(member)) => vec![member],
                (None, None) => Vec::new(),
            };
            // An import that added nobody prints nobody (an empty list would mean everyone).
            if upload.is_some() && ids.is_empty() {
                return Ok(Vec::new());
            }
            members::issue_activation_codes(conn, ctx, &ids, days)
        })
        .await?;
    let tz = clerk.ctx.tz;
    let expires = issued
        .iter()
        .map(|(_, code)| code.expires_at)
        .min()
        .map(|t| date(t.and_utc().with_timezone(&tz).fixed_offset()))
        .unwrap_or_default();
    Ok(html(&SlipsPage {
        style: assets::style_url(),
        committee: clerk.committee_name,
        expires,
        slips: issued
            .into_iter()
            .map(|(user, code)| Slip {
                phone: masked(&user.phone),
                member_no: user.member_no.unwrap_or_default(),
                name: user.name,
                code: code.code,
            })
            .collect(),
    }))
}
