//! Accounts, tokens and activities made in-process through the server's own
//! domain layer, where the API way would cost minutes of setup: 2,000 members
//! activated through the API would mean 2,000 argon2id hashes (~2 min here).
//!
//! Members are inserted with `members::create` (a pending account, no
//! password) and given access tokens minted with the server's keys
//! (`state.auth.jwt.issue`); the bearer check does not look at an account's status,
//! so these tokens act exactly as those of members who signed in.

use std::sync::Arc;

use chrono::Datelike;
use lvzhi_server::AppState;
use lvzhi_server::auth::Caller;
use lvzhi_server::domain::{accounts::members, activities};
use lvzhi_server::error::AppError;
use lvzhi_shared::activities::NewActivity;
use lvzhi_shared::ids::{ActivityId, CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::{NewMember, Role};

/// A member made in-process, with a valid access token.
pub struct Member {
    pub id: MemberId,
    pub access_token: String,
}

/// The first admin as the server sees them, from their signed-in token.
pub fn caller(state: &AppState, access_token: &str) -> anyhow::Result<Caller> {
    let claims = state.auth.jwt.verify(access_token)?;
    Ok(Caller {
        user_id: claims.sub,
        committee_id: claims.cid,
        role: Role::Admin,
        session_id: claims.sid,
    })
}

/// `count` pending members of `committee_id`, inserted in one transaction;
/// phones are `prefix` followed by the member's number (`prefix` is three
/// digits, `count` at most 10⁸).
pub async fn members(
    state: &Arc<AppState>,
    committee_id: CommitteeId,
    count: usize,
    prefix: &'static str,
) -> anyhow::Result<Vec<Member>> {
    let days = state.config.auth.activation_code_days;
    let now = state.clock.now_naive();
    let ids = state
        .db
        .write(move |conn| {
            (0..count)
                .map(|i| {
                    let input = NewMember {
                        name: format!(
                            "压测委员{}",
                            lvzhi_tests::chinese_digits(&format!("{i:03}"))
                        ),
                        phone: format!("{prefix}{i:08}"),
                        ..NewMember::default()
                    };
                    let fields =
                        members::MemberFields::parse(&input, now.year()).map_err(AppError::from)?;
                    let ((row, _), _code) =
                        members::create(conn, committee_id, fields, Role::Member, days, now)?;
                    Ok(row.id)
                })
                .collect::<Result<Vec<MemberId>, AppError>>()
        })
        .await?;
    ids.into_iter()
        .map(|id| {
            let access_token =
                state
                    .auth
                    .jwt
                    .issue(id, committee_id, Role::Member, SessionId::new_v7())?;
            Ok(Member { id, access_token })
        })
        .collect()
}

/// `count` published training activities open to the whole committee, one a
/// day from tomorrow on, created and published by `office` in one transaction.
pub async fn published_activities(
    state: &Arc<AppState>,
    office: &Caller,
    count: usize,
    capacity: i32,
) -> anyhow::Result<Vec<ActivityId>> {
    let tomorrow = chrono::Utc::now().fixed_offset() + chrono::Duration::days(1);
    let inputs = (0..count)
        .map(|i| {
            let starts = tomorrow + chrono::Duration::days(i64::try_from(i)?);
            let body = serde_json::json!({
                "kind": "training",
                "title": format!("学习培训第{}期", i + 1),
                "location": "机关会议室",
                "capacity": capacity,
                "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
            });
            Ok(serde_json::from_value::<NewActivity>(body)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ctx = state.ctx(office.clone()).await?;
    let ids = state
        .write(&ctx, move |conn, ctx| {
            inputs
                .iter()
                .map(|input| {
                    let id = activities::create(conn, ctx, input)?;
                    activities::publish(conn, ctx, id)?;
                    Ok(id)
                })
                .collect::<Result<Vec<ActivityId>, AppError>>()
        })
        .await?;
    Ok(ids)
}
