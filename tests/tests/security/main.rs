//! Security (issue 6): who may call what, forged and stolen tokens, and
//! sign-in throttling under bursts, on SQLite and PostgreSQL, through the
//! HTTP API.

mod authz;
mod theft;
mod throttle;
mod tokens;

use lvzhi_tests::TestApp;
use reqwest::{Method, Response};
use serde_json::json;

/// `POST /auth/refresh` with this refresh token.
pub async fn refresh(app: &TestApp, token: &str) -> Response {
    app.api(Method::POST, "/auth/refresh")
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .expect("refresh")
}

/// `GET /me` with this bearer token.
pub async fn me(app: &TestApp, token: &str) -> Response {
    app.api(Method::GET, "/me")
        .bearer_auth(token)
        .send()
        .await
        .expect("me")
}
