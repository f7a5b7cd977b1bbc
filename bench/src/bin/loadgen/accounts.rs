//! Members made the way an office and its members make them: the admin adds
//! each one (`POST /members` answers with an activation code), then each
//! activates with a password (`POST /auth/activate`), which signs them in.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use lvzhi_server::domain::accounts::bootstrap::FirstAdmin;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::members::{MemberCreated, NewMember};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

/// The password every bench member sets.
pub const PASSWORD: &str = "loadgen-password-123";
/// Requests in flight while creating members.
const CREATING: usize = 8;
/// Activations in flight: each hashes a password (~55 ms of one core), and the
/// server bounds waiting hashes, so keep well under its queue.
const ACTIVATING: usize = 16;
/// Tries per activation when the server says its hash queue is full (503).
const BUSY_TRIES: usize = 20;

/// An activated member and a valid access token.
pub struct Account {
    pub phone: String,
    pub access_token: String,
}

/// `count` (≤ 999) activated members of the admin's committee.
pub async fn create(
    origin: &str,
    admin: &FirstAdmin,
    count: usize,
) -> anyhow::Result<Vec<Account>> {
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{origin}/api/v1{path}");
    let admin_token = admin_token(&client, origin, admin).await?;

    let created: Vec<MemberCreated> = futures::stream::iter(0..count)
        .map(|i| {
            let (client, url, token) = (&client, api("/members"), &admin_token);
            async move {
                let input = NewMember {
                    name: format!(
                        "压测委员{}",
                        lvzhi_tests::chinese_digits(&format!("{i:03}"))
                    ),
                    phone: format!("139{i:08}"),
                    ..NewMember::default()
                };
                let resp = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&input)
                    .send()
                    .await?;
                ok_json::<MemberCreated>(resp).await
            }
        })
        .buffer_unordered(CREATING)
        .try_collect()
        .await?;

    futures::stream::iter(created)
        .map(|c| {
            let (client, url) = (&client, api("/auth/activate"));
            async move {
                let body = serde_json::json!({
                    "phone": c.member.phone,
                    "activation_code": c.activation.code,
                    "new_password": PASSWORD,
                });
                for _ in 0..BUSY_TRIES {
                    let resp = client.post(&url).json(&body).send().await?;
                    if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                    let pair: TokenPair = ok_json(resp).await?;
                    return Ok(Account {
                        phone: c.member.phone,
                        access_token: pair.access_token,
                    });
                }
                anyhow::bail!("activation of {} stayed busy", c.member.phone)
            }
        })
        .buffer_unordered(ACTIVATING)
        .try_collect()
        .await
}

/// The first admin signs in (`POST /auth/login`); their access token.
pub async fn admin_token(
    client: &reqwest::Client,
    origin: &str,
    admin: &FirstAdmin,
) -> anyhow::Result<String> {
    let session: TokenPair = ok_json(
        client
            .post(format!("{origin}/api/v1/auth/login"))
            .json(&serde_json::json!({"phone": admin.phone, "password": admin.password}))
            .send()
            .await?,
    )
    .await?;
    Ok(session.access_token)
}

/// The body of a 2xx answer; anything else is an error carrying the body.
pub async fn ok_json<T: DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    let url = resp.url().path().to_owned();
    let text = resp.text().await?;
    if !status.is_success() {
        anyhow::bail!("{url} answered {status}: {text}");
    }
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{url}: cannot decode {text}: {e}"))
}
