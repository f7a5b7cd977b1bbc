//! Token attacks not covered by e2e/tokens.rs: algorithm confusion, a
//! re-pointed committee claim, and tokens of one kind used as the other.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use lvzhi_shared::members::Role;
use lvzhi_tests::token_parts::{claims_of, kid_of};
use lvzhi_tests::{
    Backend, TEST_JWT_SECRET, TestApp, expect_error, on_both_backends, with_test_secret,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{me, refresh};

on_both_backends!(
    algorithm_confusion_is_refused,
    another_committees_claim_is_refused,
    refresh_and_access_tokens_do_not_stand_in_for_each_other,
);

/// A token with exactly this header and these claims, its signature an
/// HMAC-SHA256 under `secret` whatever the header claims: what a verifier
/// that trusts the header's `alg` and takes our HMAC secret as the "public
/// key" would accept.
fn hmac_signed(header: &Value, claims: &Value, secret: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &EncodingKey::from_secret(secret.as_bytes()),
        Algorithm::HS256,
    )
    .expect("sign");
    format!("{signing_input}.{signature}")
}

async fn algorithm_confusion_is_refused(b: Backend) {
    let app = TestApp::spawn_with(b, with_test_secret).await;
    let member = app.account(Role::Member, "13900062001").await;
    let claims = claims_of(&member.access_token);
    let kid = kid_of(&member.access_token);

    // The hand-made token is accepted with the honest header: only `alg` changes below.
    let honest = hmac_signed(
        &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        &claims,
        TEST_JWT_SECRET,
    );
    assert_eq!(me(&app, &honest).await.status(), 200);

    for alg in [
        "RS256", "ES256", "PS256", "EdDSA", "HS512", "none", "None", "NONE",
    ] {
        let forged = hmac_signed(
            &json!({"alg": alg, "typ": "JWT", "kid": kid}),
            &claims,
            TEST_JWT_SECRET,
        );
        let r = me(&app, &forged).await;
        assert_eq!(r.status(), 401, "alg {alg} must be refused");
        expect_error(r, 401, "unauthorized").await;
    }
    // The HS256 header with an empty signature, and with the signature of another token.
    let unsigned = honest.rsplit_once('.').expect("dots").0.to_owned() + ".";
    expect_error(me(&app, &unsigned).await, 401, "unauthorized").await;
    let other = app.admin().await.access_token;
    let borrowed = format!(
        "{}.{}",
        honest.rsplit_once('.').expect("dots").0,
        other.rsplit_once('.').expect("dots").1
    );
    expect_error(me(&app, &borrowed).await, 401, "unauthorized").await;
}

/// An organizer of another committee edits their token to name this
/// committee: the signature no longer matches, so the token is refused and
/// nothing of this committee is shown.
async fn another_committees_claim_is_refused(b: Backend) {
    let app = TestApp::spawn_with(b, with_test_secret).await;
    let ours = app.admin().await;
    let theirs = app.other_committee_organizer("13900062101").await;
    let our_committee = claims_of(&ours.access_token)["cid"].clone();
    let mut claims = claims_of(&theirs.access_token);
    assert_ne!(claims["cid"], our_committee);
    claims["cid"] = our_committee;
    let parts: Vec<&str> = theirs.access_token.split('.').collect();
    let edited = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    for path in ["/me", "/members", "/activities", "/committee"] {
        let r = app
            .api(Method::GET, path)
            .bearer_auth(&edited)
            .send()
            .await
            .expect("call");
        expect_error(r, 401, "unauthorized").await;
    }
    // Unedited, the same token works in its own committee.
    assert_eq!(me(&app, &theirs.access_token).await.status(), 200);
}

async fn refresh_and_access_tokens_do_not_stand_in_for_each_other(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pair = app.account(Role::Organizer, "13900062201").await;
    // The opaque refresh token as a bearer, on a member and an office operation.
    for path in ["/me", "/members"] {
        let r = app
            .api(Method::GET, path)
            .bearer_auth(&pair.refresh_token)
            .send()
            .await
            .expect("call");
        expect_error(r, 401, "unauthorized").await;
    }
    // The access token offered as a refresh token (longer than any refresh
    // token, so it may be refused for its length), and as a logout token.
    refused(
        refresh(&app, &pair.access_token).await,
        &["refresh_token_invalid", "field_too_long"],
    )
    .await;
    let r = app
        .api(Method::POST, "/auth/logout")
        .json(&json!({ "refresh_token": pair.access_token }))
        .send()
        .await
        .expect("logout");
    if r.status() != 204 {
        refused(r, &["field_too_long"]).await;
    }
    // Neither attempt harmed the session.
    assert_eq!(me(&app, &pair.access_token).await.status(), 200);
    let rotated: lvzhi_shared::auth::TokenPair =
        lvzhi_tests::json_ok(refresh(&app, &pair.refresh_token).await).await;
    assert_eq!(me(&app, &rotated.access_token).await.status(), 200);
}

/// A 4xx with one of `codes`, and no session in the body.
async fn refused(r: reqwest::Response, codes: &[&str]) {
    let status = r.status();
    let body: Value = r.json().await.expect("error body");
    assert!(status.is_client_error(), "{status}: {body}");
    let code = body["code"].as_str().unwrap_or_default();
    assert!(codes.contains(&code), "{status}: {body}");
    assert!(body.get("access_token").is_none());
}
