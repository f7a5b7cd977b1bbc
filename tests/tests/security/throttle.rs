//! Sign-in throttling under concurrent bursts: a phone attacked from many
//! addresses locks, an address trying many phones locks, the allowance holds
//! however many requests arrive at once, and everyone else still signs in.

use std::net::{IpAddr, Ipv4Addr};

use lvzhi_shared::members::Role;
use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::{Client, Response, StatusCode};
use serde_json::json;

on_both_backends!(
    a_burst_on_one_phone_from_many_addresses_locks_the_phone,
    a_burst_from_one_address_on_many_phones_locks_the_address,
);

/// Requests sent at once in each burst.
const BURST: usize = 200;

/// A client whose connections come from `127.0.0.{last}` (any 127/8 address is
/// the loopback on Linux, so each client is a distinct address to the server).
fn client_from(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("client")
}

async fn login(app: &TestApp, client: &Client, phone: &str, password: &str) -> Response {
    client
        .post(format!("{}/api/v1/auth/login", app.origin))
        .json(&json!({ "phone": phone, "password": password }))
        .send()
        .await
        .expect("login")
}

/// How the burst was answered: (401 invalid_credentials, 429 too_many_attempts).
/// Anything else (a 5xx, a success with a wrong password) fails the test.
async fn tally(answers: Vec<Response>) -> (usize, usize) {
    let (mut refused, mut throttled) = (0, 0);
    for r in answers {
        match r.status() {
            StatusCode::UNAUTHORIZED => {
                expect_error(r, 401, "invalid_credentials").await;
                refused += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_locked(r).await;
                throttled += 1;
            }
            other => panic!(
                "a wrong password got {other}: {}",
                r.text().await.unwrap_or_default()
            ),
        }
    }
    (refused, throttled)
}

/// A 429 with a usable Retry-After and the stable code.
async fn assert_locked(r: Response) {
    let wait: u64 = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("429 carries Retry-After in seconds");
    assert!((1..=600).contains(&wait), "Retry-After {wait}");
    expect_error(r, 429, "too_many_attempts").await;
}

async fn a_burst_on_one_phone_from_many_addresses_locks_the_phone(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.login.max_failures_per_phone = 5;
        c.login.max_failures_per_address = 1000;
        c.login.lockout_seconds = 600;
        c.login.delay_millis_per_failure = 0;
    })
    .await;
    let victim = "13900060001";
    app.account(Role::Member, victim).await;
    let bystander = "13900060002";
    app.account(Role::Member, bystander).await;

    // 200 wrong guesses at once, from 59 addresses.
    let clients: Vec<Client> = (2..=60).map(client_from).collect();
    let answers = futures::future::join_all((0..BURST).map(|i| {
        let (app, client) = (&app, &clients[i % clients.len()]);
        async move { login(app, client, victim, &format!("guess-{i:04}")).await }
    }))
    .await;
    let (refused, throttled) = tally(answers).await;
    // Each attempt holds its place from arrival: exactly the allowance is checked.
    assert_eq!(
        refused, 5,
        "the phone allows 5 failures, yet {refused} guesses were checked"
    );
    assert_eq!(refused + throttled, BURST);

    // Locked for every address, even with the right password.
    for last in [2, 61] {
        assert_locked(login(&app, &client_from(last), victim, "password-123").await).await;
    }
    // Another phone signs in, from an address that took part in the burst and from a new one.
    for last in [2, 62] {
        let r = login(&app, &client_from(last), bystander, "password-123").await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
}

async fn a_burst_from_one_address_on_many_phones_locks_the_address(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.login.max_failures_per_phone = 5;
        c.login.max_failures_per_address = 10;
        c.login.lockout_seconds = 600;
        c.login.delay_millis_per_failure = 0;
    })
    .await;
    let member = "13900060101";
    app.account(Role::Member, member).await;

    // 200 different phones (one real) at once from 127.0.0.70: one failure per phone.
    let attacker = client_from(70);
    let answers = futures::future::join_all((0..BURST).map(|i| {
        let phone = if i == 0 {
            member.to_owned()
        } else {
            format!("1390006{:04}", 1000 + i)
        };
        let (app, attacker) = (&app, &attacker);
        async move { login(app, attacker, &phone, "wrong-password").await }
    }))
    .await;
    let (refused, throttled) = tally(answers).await;
    // Each attempt holds its place from arrival: exactly the allowance is checked.
    assert_eq!(
        refused, 10,
        "the address allows 10 failures, yet {refused} guesses were checked"
    );
    assert_eq!(refused + throttled, BURST);

    // The address is locked, for the member's right password too; a forged
    // X-Forwarded-For does not get around it (not trusted by default).
    assert_locked(login(&app, &attacker, member, "password-123").await).await;
    let forged = attacker
        .post(format!("{}/api/v1/auth/login", app.origin))
        .header("x-forwarded-for", "10.9.8.7")
        .json(&json!({ "phone": member, "password": "password-123" }))
        .send()
        .await
        .expect("login");
    assert_locked(forged).await;
    // The member, from their own address, signs in: one failure did not lock the phone.
    let r = login(&app, &client_from(71), member, "password-123").await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}
