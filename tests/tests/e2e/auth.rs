//! Sign-in, refresh rotation, logout, activation, password change, throttling.

use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::members::{Me, NewMember, Role};
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    first_admin_signs_in_and_sees_their_account,
    wrong_password_and_unknown_phone_look_the_same,
    refresh_rotates_and_reuse_revokes_the_family,
    concurrent_refreshes_of_one_token_let_one_through,
    logout_ends_the_session_and_is_repeatable,
    activation_code_is_single_use_and_checked,
    activation_code_dies_after_its_attempts_or_expiry,
    password_change_ends_other_sessions,
    repeated_failures_lock_the_phone_with_retry_after,
    phone_spellings_sign_in_alike,
    full_width_phones_are_read_wherever_a_phone_is,
    a_flood_of_unknown_phones_leaves_members_room_to_sign_in,
);

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.api(Method::POST, "/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .expect("refresh")
}

async fn first_admin_signs_in_and_sees_their_account(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pair = app.admin().await;
    assert_eq!(pair.token_type, "Bearer");
    assert_eq!(pair.expires_in, app.config.auth.access_token_minutes * 60);
    assert_eq!(pair.user.role, Role::Admin);
    let me: Me = json_ok(
        app.api(Method::GET, "/me")
            .bearer_auth(&pair.access_token)
            .send()
            .await
            .expect("me"),
    )
    .await;
    assert_eq!(me.member.phone, app.admin_phone);
    assert_eq!(me.committee.time_zone, "Asia/Shanghai");
    assert_eq!(
        me.member.created_at.offset().local_minus_utc(),
        8 * 3600,
        "times in the committee's zone"
    );
}

async fn wrong_password_and_unknown_phone_look_the_same(b: Backend) {
    let app = TestApp::spawn(b).await;
    let wrong = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": app.admin_phone, "password": "not-the-password"}))
        .send()
        .await
        .expect("login");
    let a = expect_error(wrong, 401, "invalid_credentials").await;
    let unknown = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": "13911112222", "password": "whatever-it-is"}))
        .send()
        .await
        .expect("login");
    let b = expect_error(unknown, 401, "invalid_credentials").await;
    assert_eq!(a, b, "the answer must not reveal whether the phone exists");
}

async fn refresh_rotates_and_reuse_revokes_the_family(b: Backend) {
    let app = TestApp::spawn(b).await;
    let first = app.admin().await;
    let second: TokenPair = json_ok(refresh(&app, &first.refresh_token).await).await;
    assert_ne!(second.refresh_token, first.refresh_token);
    // The new access token works.
    let me = app
        .api(Method::GET, "/me")
        .bearer_auth(&second.access_token)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    // A thief replays the old token: the whole family dies.
    expect_error(
        refresh(&app, &first.refresh_token).await,
        401,
        "refresh_token_reused",
    )
    .await;
    expect_error(
        refresh(&app, &second.refresh_token).await,
        401,
        "refresh_token_invalid",
    )
    .await;
    // Another session of the same account is untouched.
    let other = app.admin().await;
    json_ok::<TokenPair>(refresh(&app, &other.refresh_token).await).await;
    expect_error(
        refresh(&app, "not-a-token").await,
        401,
        "refresh_token_invalid",
    )
    .await;
}

async fn concurrent_refreshes_of_one_token_let_one_through(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pair = app.admin().await;
    let tries = (0..8).map(|_| {
        app.api(Method::POST, "/auth/refresh")
            .json(&json!({"refresh_token": pair.refresh_token}))
            .send()
    });
    let statuses: Vec<u16> = send_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

/// Sends all requests at once and waits for every answer.
async fn send_all<F>(requests: impl Iterator<Item = F>) -> Vec<reqwest::Response>
where
    F: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("join").expect("response"));
    }
    out
}

async fn logout_ends_the_session_and_is_repeatable(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pair = app.admin().await;
    for _ in 0..2 {
        let resp = app
            .api(Method::POST, "/auth/logout")
            .json(&json!({"refresh_token": pair.refresh_token}))
            .send()
            .await
            .expect("logout");
        assert_eq!(resp.status(), 204);
    }
    expect_error(
        refresh(&app, &pair.refresh_token).await,
        401,
        "refresh_token_invalid",
    )
    .await;
}

async fn activation_code_is_single_use_and_checked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let created = app
        .create_member(
            &admin.access_token,
            &NewMember {
                name: "李华".into(),
                phone: "13900000101".into(),
                ..NewMember::default()
            },
        )
        .await;
    // A pending account cannot sign in yet, and says nothing more than a wrong password.
    let early = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": "13900000101", "password": "password-123"}))
        .send()
        .await
        .expect("login");
    expect_error(early, 401, "invalid_credentials").await;

    let activate = |code: String, password: &'static str| {
        app.api(Method::POST, "/auth/activate")
            .json(&json!({"phone": "139 0000 0101", "activation_code": code, "new_password": password}))
            .send()
    };
    let weak = activate(created.activation.code.clone(), "short")
        .await
        .expect("activate");
    let body = expect_error(weak, 422, "weak_password").await;
    assert_eq!(body.field.as_deref(), Some("new_password"));
    let wrong_code = if created.activation.code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let wrong = activate(wrong_code.into(), "password-123")
        .await
        .expect("activate");
    expect_error(wrong, 401, "activation_code_invalid").await;
    // Spaces in the code as printed are fine.
    let spaced = format!(
        "{} {}",
        &created.activation.code[..4],
        &created.activation.code[4..]
    );
    let ok: TokenPair = json_ok(activate(spaced, "password-123").await.expect("activate")).await;
    assert_eq!(ok.user.status, lvzhi_shared::members::MemberStatus::Active);
    let again = activate(created.activation.code.clone(), "password-456")
        .await
        .expect("activate");
    expect_error(again, 401, "activation_code_invalid").await;
    app.login("13900000101", "password-123").await;
}

async fn activation_code_dies_after_its_attempts_or_expiry(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.auth.activation_max_attempts = 3).await;
    let admin = app.admin().await;
    let input = |phone: &str| NewMember {
        name: "王芳".into(),
        phone: phone.into(),
        ..NewMember::default()
    };
    let a = app
        .create_member(&admin.access_token, &input("13900000201"))
        .await;
    let wrong = if a.activation.code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..3 {
        let r = app
            .api(Method::POST, "/auth/activate")
            .json(&json!({"phone": "13900000201", "activation_code": wrong, "new_password": "password-123"}))
            .send()
            .await
            .expect("activate");
        expect_error(r, 401, "activation_code_invalid").await;
    }
    let r = app
        .api(Method::POST, "/auth/activate")
        .json(&json!({"phone": "13900000201", "activation_code": a.activation.code, "new_password": "password-123"}))
        .send()
        .await
        .expect("activate");
    expect_error(r, 401, "activation_code_invalid").await;

    // Expiry, on the server's clock: a code works until its last minute.
    let c = app
        .create_member(&admin.access_token, &input("13900000202"))
        .await;
    let days = app.config.auth.activation_code_days;
    app.clock
        .advance(chrono::Duration::days(days) + chrono::Duration::minutes(1));
    let admin = app.admin().await;
    let r = app
        .api(Method::POST, "/auth/activate")
        .json(&json!({"phone": "13900000202", "activation_code": c.activation.code, "new_password": "password-123"}))
        .send()
        .await
        .expect("activate");
    expect_error(r, 401, "activation_code_invalid").await;

    // The office can issue a fresh code, which works.
    let fresh: lvzhi_shared::members::ActivationCodeList = json_ok(
        app.api(Method::POST, "/members/activation-codes")
            .bearer_auth(&admin.access_token)
            .json(&json!({"member_ids": [c.member.id]}))
            .send()
            .await
            .expect("codes"),
    )
    .await;
    assert_eq!(fresh.items.len(), 1);
    let r = app
        .api(Method::POST, "/auth/activate")
        .json(&json!({"phone": "13900000202", "activation_code": fresh.items[0].code, "new_password": "password-123"}))
        .send()
        .await
        .expect("activate");
    json_ok::<TokenPair>(r).await;
}

async fn password_change_ends_other_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = app.account(Role::Member, "13900000301").await;
    let other_phone = app.login("13900000301", "password-123").await;
    let wrong = app
        .api(Method::PUT, "/me/password")
        .bearer_auth(&member.access_token)
        .json(&json!({"current_password": "nope-nope", "new_password": "new-password-1"}))
        .send()
        .await
        .expect("change");
    let body = expect_error(wrong, 401, "invalid_credentials").await;
    assert_eq!(body.field.as_deref(), Some("current_password"));
    let ok = app
        .api(Method::PUT, "/me/password")
        .bearer_auth(&member.access_token)
        .json(&json!({"current_password": "password-123", "new_password": "new-password-1"}))
        .send()
        .await
        .expect("change");
    assert_eq!(ok.status(), 204);
    // This session goes on; the other phone's session has ended.
    json_ok::<TokenPair>(refresh(&app, &member.refresh_token).await).await;
    expect_error(
        refresh(&app, &other_phone.refresh_token).await,
        401,
        "refresh_token_invalid",
    )
    .await;
    let old = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": "13900000301", "password": "password-123"}))
        .send()
        .await
        .expect("login");
    expect_error(old, 401, "invalid_credentials").await;
    app.login("13900000301", "new-password-1").await;
}

async fn repeated_failures_lock_the_phone_with_retry_after(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.login.max_failures_per_phone = 3;
        c.login.delay_millis_per_failure = 0;
    })
    .await;
    for phone in [app.admin_phone.clone(), "13922223333".to_owned()] {
        for _ in 0..3 {
            let r = app
                .api(Method::POST, "/auth/login")
                .json(&json!({"phone": phone, "password": "wrong-password"}))
                .send()
                .await
                .expect("login");
            expect_error(r, 401, "invalid_credentials").await;
        }
        // Locked now, even with the right password, and the same for an unknown phone.
        let r = app
            .api(Method::POST, "/auth/login")
            .json(&json!({"phone": phone, "password": app.admin_password}))
            .send()
            .await
            .expect("login");
        let wait: u64 = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After header");
        assert!(wait > 0 && wait <= 900, "{wait}");
        expect_error(r, 429, "too_many_attempts").await;
    }
}

async fn phone_spellings_sign_in_alike(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Member, "13900000007").await;
    for spelling in ["13900000007", "+86 139-0000-0007", "139 0000 0007"] {
        app.login(spelling, "password-123").await;
    }
}

/// A Chinese input method in full-width mode types １３９…: the office's
/// form, its spreadsheet, activation and sign-in all read it as 139….
async fn full_width_phones_are_read_wherever_a_phone_is(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await.access_token;
    let created = app
        .create_member(
            &admin,
            &NewMember {
                name: "全角".into(),
                phone: "１３９００００１３０１".into(),
                ..NewMember::default()
            },
        )
        .await;
    assert_eq!(created.member.phone, "13900001301");
    let activated: TokenPair = json_ok(
        app.api(Method::POST, "/auth/activate")
            .json(&json!({
                "phone": "＋８６ １３９－００００－１３０１",
                "activation_code": created.activation.code,
                "new_password": "password-123",
            }))
            .send()
            .await
            .expect("activate"),
    )
    .await;
    assert_eq!(activated.user.id, created.member.id);
    for spelling in ["１３９００００１３０１", "（１３９）００００　１３０１"]
    {
        let pair = app.login(spelling, "password-123").await;
        assert_eq!(pair.user.id, created.member.id, "{spelling}");
    }
    // The office's spreadsheet, typed the same way.
    let report: lvzhi_shared::members::ImportReport = json_ok(
        app.api(Method::POST, "/members/import")
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body("姓名,手机号码\n全角二,１３９００００１３０２\n")
            .send()
            .await
            .expect("import"),
    )
    .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.activation_codes[0].phone, "13900001302");
}

/// Sixty sign-ins for phones nobody has, at once, against a hash queue of
/// four: each is refused as a wrong credential (not "busy"), and a member
/// signing in meanwhile gets in.
async fn a_flood_of_unknown_phones_leaves_members_room_to_sign_in(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.auth.hash_concurrency = Some(1);
        c.auth.hash_queue = 4;
    })
    .await;
    app.member_in("13900009901", None).await;
    let login = |phone: String, password: &'static str| {
        app.api(Method::POST, "/auth/login")
            .json(&json!({"phone": phone, "password": password}))
            .send()
    };
    let flood = futures::future::join_all(
        (0..60).map(|i| login(format!("1370000{i:04}"), "wrong-password-1")),
    );
    let member = login("13900009901".into(), "password-123");
    let (flood, member) = futures::join!(flood, member);
    let member = member.expect("member signs in");
    assert_eq!(member.status(), 200, "the member got in during the flood");
    for answer in flood {
        expect_error(answer.expect("answer"), 401, "invalid_credentials").await;
    }
}
