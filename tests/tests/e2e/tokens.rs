//! Access tokens: forgeries refused, disabled accounts cut off, keys kept
//! across restarts and rotated without signing anyone out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lvzhi_server::clock::SystemClock;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::members::Role;
use lvzhi_tests::token_parts::{claims_of, kid_of};
use lvzhi_tests::{
    Backend, TEST_JWT_SECRET, TestApp, expect_error, json_ok, on_both_backends, with_test_secret,
};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    forged_and_tampered_tokens_are_refused,
    disabling_a_member_cuts_access_at_once,
    generated_key_survives_a_restart,
    rotated_key_keeps_old_tokens_valid,
    access_tokens_expire_on_the_servers_clock,
    refresh_tokens_expire_on_the_servers_clock,
);

async fn me_status(app: &TestApp, token: &str) -> reqwest::Response {
    app.api(Method::GET, "/me")
        .bearer_auth(token)
        .send()
        .await
        .expect("me")
}

fn sign(claims: &Value, secret: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

async fn forged_and_tampered_tokens_are_refused(b: Backend) {
    let app = TestApp::spawn_with(b, with_test_secret).await;
    let member = app.account(Role::Member, "13900000401").await;
    let token = &member.access_token;
    assert_eq!(me_status(&app, token).await.status(), 200);
    let claims = claims_of(token);
    let kid = kid_of(token);
    let now = chrono::Utc::now().timestamp();

    // Our own signature over good claims works: the forging below is the only change.
    assert_eq!(
        me_status(&app, &sign(&claims, TEST_JWT_SECRET, &kid))
            .await
            .status(),
        200
    );

    // alg: none, with the signature dropped.
    let none_header =
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
    let body = token.split('.').nth(1).expect("payload");
    expect_error(
        me_status(&app, &format!("{none_header}.{body}.")).await,
        401,
        "unauthorized",
    )
    .await;

    // Role raised in the payload without re-signing.
    let mut raised = claims.clone();
    raised["role"] = json!("admin");
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(raised.to_string()),
        parts[2]
    );
    expect_error(me_status(&app, &tampered).await, 401, "unauthorized").await;

    // Signed with another key, under the right kid; and under an unknown kid.
    expect_error(
        me_status(
            &app,
            &sign(&raised, "another-secret-another-secret-0123456789", &kid),
        )
        .await,
        401,
        "unauthorized",
    )
    .await;
    expect_error(
        me_status(&app, &sign(&claims, TEST_JWT_SECRET, "unknown-kid")).await,
        401,
        "unauthorized",
    )
    .await;

    // Expired, and not yet valid.
    let mut expired = claims.clone();
    expired["exp"] = json!(now - 120);
    expired["iat"] = json!(now - 720);
    expect_error(
        me_status(&app, &sign(&expired, TEST_JWT_SECRET, &kid)).await,
        401,
        "token_expired",
    )
    .await;
    let mut future = claims.clone();
    future["nbf"] = json!(now + 600);
    expect_error(
        me_status(&app, &sign(&future, TEST_JWT_SECRET, &kid)).await,
        401,
        "unauthorized",
    )
    .await;

    // HS384 with the right secret: the algorithm is pinned.
    let mut h384 = Header::new(Algorithm::HS384);
    h384.kid = Some(kid.clone());
    let switched = jsonwebtoken::encode(
        &h384,
        &claims,
        &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .expect("sign");
    expect_error(me_status(&app, &switched).await, 401, "unauthorized").await;

    // A token of another type, and the refresh token used as a bearer.
    let mut other_type = claims.clone();
    other_type["typ"] = json!("refresh");
    expect_error(
        me_status(&app, &sign(&other_type, TEST_JWT_SECRET, &kid)).await,
        401,
        "unauthorized",
    )
    .await;
    expect_error(
        me_status(&app, &member.refresh_token).await,
        401,
        "unauthorized",
    )
    .await;
    // And an access token used as a refresh token.
    let r = app
        .api(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .expect("refresh");
    expect_error(r, 401, "refresh_token_invalid").await;
    // No token, and a malformed header.
    expect_error(
        app.api(Method::GET, "/me").send().await.expect("me"),
        401,
        "unauthorized",
    )
    .await;
    let basic = app
        .api(Method::GET, "/me")
        .header("authorization", "Basic abc")
        .send()
        .await
        .expect("me");
    expect_error(basic, 401, "unauthorized").await;
}

async fn disabling_a_member_cuts_access_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let member = app.account(Role::Member, "13900000501").await;
    assert_eq!(me_status(&app, &member.access_token).await.status(), 200);
    let r = app
        .api(Method::PATCH, &format!("/members/{}", member.user.id))
        .bearer_auth(&admin.access_token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 200);
    expect_error(
        me_status(&app, &member.access_token).await,
        403,
        "account_disabled",
    )
    .await;
    let r = app
        .api(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": member.refresh_token}))
        .send()
        .await
        .expect("refresh");
    expect_error(r, 401, "refresh_token_invalid").await;
    let r = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": "13900000501", "password": "password-123"}))
        .send()
        .await
        .expect("login");
    expect_error(r, 403, "account_disabled").await;
    // Switched back on, the member signs in again.
    let r = app
        .api(Method::PATCH, &format!("/members/{}", member.user.id))
        .bearer_auth(&admin.access_token)
        .json(&json!({"status": "active"}))
        .send()
        .await
        .expect("enable");
    assert_eq!(r.status(), 200);
    let again = app.login("13900000501", "password-123").await;
    assert_eq!(me_status(&app, &again.access_token).await.status(), 200);
}

async fn generated_key_survives_a_restart(b: Backend) {
    let mut app = TestApp::spawn(b).await;
    let pair = app.admin().await;
    app.restart_with(|_| {}).await;
    assert_eq!(
        me_status(&app, &pair.access_token).await.status(),
        200,
        "a restart signs nobody out"
    );
    json_ok::<TokenPair>(
        app.api(Method::POST, "/auth/refresh")
            .json(&json!({"refresh_token": pair.refresh_token}))
            .send()
            .await
            .expect("refresh"),
    )
    .await;
}

async fn rotated_key_keeps_old_tokens_valid(b: Backend) {
    let mut app = TestApp::spawn(b).await;
    let before = app.admin().await;
    let kid_before = kid_of(&before.access_token);
    let db = app.state.db.clone();
    let new_kid =
        tokio::task::spawn_blocking(move || lvzhi_server::auth::jwt::rotate(&db, &SystemClock))
            .await
            .expect("join")
            .expect("rotate");
    app.restart_with(|_| {}).await;
    let after = app.admin().await;
    assert_eq!(kid_of(&after.access_token), new_kid);
    assert_ne!(new_kid, kid_before);
    assert_eq!(
        me_status(&app, &before.access_token).await.status(),
        200,
        "the previous key still verifies"
    );
    // A second rotation retires the first key.
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || lvzhi_server::auth::jwt::rotate(&db, &SystemClock))
        .await
        .expect("join")
        .expect("rotate");
    app.restart_with(|_| {}).await;
    expect_error(
        me_status(&app, &before.access_token).await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(me_status(&app, &after.access_token).await.status(), 200);
}

/// An access token works until its lifetime (plus a few seconds' leeway for
/// clocks that disagree) has passed on the server's clock, then answers
/// `token_expired`, which tells the app to refresh rather than sign in.
async fn access_tokens_expire_on_the_servers_clock(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let lifetime = chrono::Duration::minutes(app.config.auth.access_token_minutes);
    app.clock.advance(lifetime - chrono::Duration::seconds(1));
    assert_eq!(me_status(&app, &admin.access_token).await.status(), 200);
    app.clock.advance(chrono::Duration::seconds(10));
    expect_error(
        me_status(&app, &admin.access_token).await,
        401,
        "token_expired",
    )
    .await;
    // The refresh token outlives it and brings a working pair.
    let fresh = refresh(&app, &admin.refresh_token).await;
    let fresh: TokenPair = json_ok(fresh).await;
    assert_eq!(me_status(&app, &fresh.access_token).await.status(), 200);
}

/// A refresh token is good for `refresh_token_days` on the server's clock.
async fn refresh_tokens_expire_on_the_servers_clock(b: Backend) {
    let app = TestApp::spawn(b).await;
    let days = chrono::Duration::days(app.config.auth.refresh_token_days);
    let early = app.admin().await;
    let late = app.admin().await;
    app.clock.advance(days - chrono::Duration::minutes(1));
    let _: TokenPair = json_ok(refresh(&app, &early.refresh_token).await).await;
    app.clock.advance(chrono::Duration::minutes(2));
    expect_error(
        refresh(&app, &late.refresh_token).await,
        401,
        "refresh_token_invalid",
    )
    .await;
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.api(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .expect("refresh")
}
