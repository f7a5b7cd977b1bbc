//! A stolen refresh token: whoever presents it second, owner or thief, ends
//! the whole session, so both must sign in again; other sessions live on.

use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::members::Role;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;

use crate::{me, refresh};

on_both_backends!(
    a_stolen_refresh_token_ends_the_session_whoever_comes_second,
    a_disabled_members_tokens_stay_dead,
);

/// The server cannot tell owner from thief: whoever presents the copied token
/// first gets a new pair and whoever comes second ends the session for both.
/// Also when the first has already rotated several times before the replay.
async fn a_stolen_refresh_token_ends_the_session_whoever_comes_second(b: Backend) {
    let app = TestApp::spawn(b).await;
    let phone = "13900061001";
    app.account(Role::Member, phone).await;
    for rotations_before_replay in [1, 3] {
        let stolen = app.login(phone, "password-123").await;
        // Another session of the same account (another phone) must survive.
        let elsewhere = app.login(phone, "password-123").await;

        // The first presenter rotates on; each new pair works.
        let mut first = stolen.clone();
        for _ in 0..rotations_before_replay {
            first = json_ok(refresh(&app, &first.refresh_token).await).await;
            assert_eq!(me(&app, &first.access_token).await.status(), 200);
        }
        // The second presenter replays the copied token: the session is reused.
        expect_error(
            refresh(&app, &stolen.refresh_token).await,
            401,
            "refresh_token_reused",
        )
        .await;
        // The first presenter's newest token died with the family.
        expect_error(
            refresh(&app, &first.refresh_token).await,
            401,
            "refresh_token_invalid",
        )
        .await;
        // The copied token stays dead (no new pair, no further damage).
        expect_error(
            refresh(&app, &stolen.refresh_token).await,
            401,
            "refresh_token_invalid",
        )
        .await;
        // Signing out with a dead token is harmless.
        let r = app
            .api(Method::POST, "/auth/logout")
            .json(&serde_json::json!({ "refresh_token": first.refresh_token }))
            .send()
            .await
            .expect("logout");
        assert_eq!(r.status(), 204);

        // The other session is untouched, and both holders can sign in afresh.
        json_ok::<TokenPair>(refresh(&app, &elsewhere.refresh_token).await).await;
        let fresh = app.login(phone, "password-123").await;
        let rotated: TokenPair = json_ok(refresh(&app, &fresh.refresh_token).await).await;
        assert_eq!(me(&app, &rotated.access_token).await.status(), 200);
    }
}

/// Disabling ends every session: the access token is refused at once, the
/// refresh token is dead, and it stays dead when the account is switched back on.
async fn a_disabled_members_tokens_stay_dead(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let member = app.account(Role::Member, "13900061101").await;
    let second = app.login("13900061101", "password-123").await;
    let set_status = |status: &'static str| {
        app.api(Method::PATCH, &format!("/members/{}", member.user.id))
            .bearer_auth(&admin.access_token)
            .json(&serde_json::json!({ "status": status }))
            .send()
    };
    assert_eq!(set_status("disabled").await.expect("disable").status(), 200);
    for pair in [&member, &second] {
        expect_error(me(&app, &pair.access_token).await, 403, "account_disabled").await;
        expect_error(
            refresh(&app, &pair.refresh_token).await,
            401,
            "refresh_token_invalid",
        )
        .await;
    }
    assert_eq!(set_status("active").await.expect("enable").status(), 200);
    for pair in [&member, &second] {
        expect_error(
            refresh(&app, &pair.refresh_token).await,
            401,
            "refresh_token_invalid",
        )
        .await;
    }
    let back = app.login("13900061101", "password-123").await;
    json_ok::<TokenPair>(refresh(&app, &back.refresh_token).await).await;
}
