//! Signing in and out, the session cookie and how a session ends.

use chrono::Duration;
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900070001";

async fn an_organizer_signs_in_and_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let browser = Browser::new(&app);

    // Not signed in: to the sign-in page, and back here afterwards.
    let away = browser.get("/console/today").await;
    assert_eq!(away.status, 303);
    assert_eq!(
        away.location(),
        Some("/console/login?next=%2Fconsole%2Ftoday")
    );
    let form = browser.get("/console/login?next=%2Fconsole%2Ftoday").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"<label for="phone">手机号</label>"#));
    assert!(form.body.contains(r#"<label for="password">密码</label>"#));
    assert!(form.body.contains(r#"name="next" value="/console/today""#));

    let signed_in = browser
        .post(
            "/console/login",
            &[
                ("phone", ORGANIZER),
                ("password", MEMBER_PASSWORD),
                ("csrf", &form.csrf()),
                ("next", "/console/today"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location(), Some("/console/today"));
    let cookie = signed_in
        .cookie_line("lvzhi_console")
        .expect("session cookie set");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "not configured: {cookie}");
    assert!(
        !cookie.contains("Max-Age"),
        "a browser-session cookie: {cookie}"
    );

    let today = browser.get("/console/today").await;
    assert_eq!(today.status, 200);
    assert!(today.body.contains("<h1>工作台</h1>"));
    assert!(today.body.contains("测试零零零一"), "the clerk's name");
    assert_eq!(today.header("cache-control"), Some("no-store"));
    let csp = today.header("content-security-policy").expect("CSP");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));

    // Signing out without the form's token does nothing.
    let kept = browser.session_cookie().expect("cookie");
    let refused = browser.post("/console/logout", &[]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("页面已过期"));
    assert_eq!(browser.get("/console/today").await.status, 200);

    let out = browser
        .post("/console/logout", &[("csrf", &today.csrf())])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), Some("/console/login"));
    assert!(browser.session_cookie().is_none(), "cookie removed");
    assert_eq!(browser.get("/console/today").await.status, 303);
    // A copy of the old cookie is worth nothing either.
    browser.set_cookie("lvzhi_console", &kept);
    assert_eq!(browser.get("/console/today").await.status, 303);
}

async fn members_are_sent_to_the_app(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = app.account(Role::Member, "13900070002").await;
    let browser = Browser::new(&app);
    let page = browser.sign_in(&member.user.phone, MEMBER_PASSWORD).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("委员，您好"), "{}", page.body);
    assert!(page.body.contains("手机上的“履职”App"));
    assert!(page.cookie_line("lvzhi_console").is_none(), "no session");
    assert_eq!(browser.get("/console/today").await.status, 303);
}

async fn wrong_passwords_and_stale_forms(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let browser = Browser::new(&app);

    let wrong = browser.sign_in(ORGANIZER, "not-the-password").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("手机号或密码不正确"));
    assert!(
        wrong.body.contains(&format!(r#"value="{ORGANIZER}""#)),
        "the phone is kept"
    );
    assert!(wrong.cookie_line("lvzhi_console").is_none());

    // A form posted without the token its page was given (another site's
    // page, or a browser without the sign-in cookie).
    let stranger = Browser::new(&app);
    let forged = stranger
        .post(
            "/console/login",
            &[
                ("phone", ORGANIZER),
                ("password", MEMBER_PASSWORD),
                ("csrf", "guessed"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("登录页面已过期"));
    assert!(forged.cookie_line("lvzhi_console").is_none());
    // The page it answers with carries a fresh token that works.
    let retried = stranger
        .post(
            "/console/login",
            &[
                ("phone", ORGANIZER),
                ("password", MEMBER_PASSWORD),
                ("csrf", &forged.csrf()),
            ],
        )
        .await;
    assert_eq!(retried.status, 303);

    // A disabled account is told so, and gets no session.
    let admin = app.admin().await;
    let organizer = app.login(ORGANIZER, MEMBER_PASSWORD).await;
    let r = app
        .api(Method::PATCH, &format!("/members/{}", organizer.user.id))
        .bearer_auth(&admin.access_token)
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 200);
    let disabled = Browser::new(&app).sign_in(ORGANIZER, MEMBER_PASSWORD).await;
    assert_eq!(disabled.status, 403);
    assert!(disabled.body.contains("此账号已停用"));
    // …and the session it had ended with the disabling.
    assert_eq!(stranger.get("/console/today").await.status, 303);
}

async fn only_console_pages_after_sign_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    for (next, landing) in [
        ("//evil.example/console/x", "/console/today"),
        ("https://evil.example/", "/console/today"),
        ("/console/../docs", "/console/today"),
        ("/console/%2e%2e/docs", "/console/today"),
        ("/docs", "/console/today"),
        ("/console/today?view=week", "/console/today?view=week"),
    ] {
        let browser = Browser::new(&app);
        let form = browser.get("/console/login").await;
        let page = browser
            .post(
                "/console/login",
                &[
                    ("phone", ORGANIZER),
                    ("password", MEMBER_PASSWORD),
                    ("csrf", &form.csrf()),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location(), Some(landing), "next={next}");
    }
}

async fn sessions_end_with_a_password_change(b: Backend) {
    let app = TestApp::spawn(b).await;
    let organizer = app.account(Role::Organizer, ORGANIZER).await;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    assert_eq!(browser.get("/console/today").await.status, 200);
    let r = app
        .api(Method::PUT, "/me/password")
        .bearer_auth(&organizer.access_token)
        .json(&json!({"current_password": MEMBER_PASSWORD, "new_password": "new-password-1"}))
        .send()
        .await
        .expect("change");
    assert_eq!(r.status(), 204);
    assert_eq!(browser.get("/console/today").await.status, 303);
}

async fn the_clerk_changes_their_password(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let here = Browser::new(&app);
    let elsewhere = Browser::new(&app);
    for browser in [&here, &elsewhere] {
        assert_eq!(
            browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
            303
        );
    }
    let form = here.get("/console/password").await;
    assert_eq!(form.status, 200);
    for label in ["当前密码", "再输入一次新密码"] {
        assert!(form.body.contains(&format!(">{label}</label>")), "{label}");
    }
    let csrf = form.csrf();
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        let csrf = csrf.clone();
        let here = &here;
        async move {
            here.post(
                "/console/password",
                &[
                    ("csrf", &csrf),
                    ("current", current),
                    ("new", new),
                    ("repeat", repeat),
                ],
            )
            .await
        }
    };
    let slip = change(MEMBER_PASSWORD, "new-password-1", "new-password-2").await;
    assert_eq!(slip.status, 422);
    assert!(slip.body.contains("两次输入的新密码不一致"));
    assert!(
        !slip.body.contains("new-password-1"),
        "passwords are not echoed"
    );
    let wrong = change("not-the-password", "new-password-1", "new-password-1").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("当前密码不正确"));
    let short = change(MEMBER_PASSWORD, "short", "short").await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("新密码应为 8 至 128 个字符"));
    // Nothing changed so far.
    app.login(ORGANIZER, MEMBER_PASSWORD).await;

    let done = change(MEMBER_PASSWORD, "new-password-1", "new-password-1").await;
    assert_eq!(done.status, 303);
    assert!(
        here.get("/console/password?done=1")
            .await
            .body
            .contains("密码已修改")
    );
    assert_eq!(
        here.get("/console/today").await.status,
        200,
        "this session goes on"
    );
    assert_eq!(
        elsewhere.get("/console/today").await.status,
        303,
        "the other ended"
    );
    let r = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": ORGANIZER, "password": MEMBER_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401);
    app.login(ORGANIZER, "new-password-1").await;
}

async fn sessions_time_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;

    // Idle: 30 minutes without a page ends it.
    let idle = Browser::new(&app);
    assert_eq!(idle.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status, 303);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(idle.get("/console/today").await.status, 200);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        idle.get("/console/today").await.status,
        200,
        "use renews it"
    );
    app.clock.advance(Duration::minutes(31));
    assert_eq!(idle.get("/console/today").await.status, 303);

    // Busy: however active, 12 hours after sign-in it ends.
    let busy = Browser::new(&app);
    assert_eq!(busy.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status, 303);
    for _ in 0..24 {
        app.clock.advance(Duration::minutes(29));
        assert_eq!(busy.get("/console/today").await.status, 200);
    }
    // 12 h 1 min after sign-in, 25 minutes after the last page.
    app.clock.advance(Duration::minutes(25));
    assert_eq!(busy.get("/console/today").await.status, 303);
}

async fn secure_cookie_when_configured(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.console.secure_cookie = true).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let page = Browser::new(&app).sign_in(ORGANIZER, MEMBER_PASSWORD).await;
    let cookie = page.cookie_line("lvzhi_console").expect("cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

async fn failures_are_console_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let browser = Browser::new(&app);
    let missing = browser.get("/console/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("找不到页面"));
    assert!(
        missing
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(missing.body.contains("请求编号"));
    let wrong_method = browser.post("/console/today", &[]).await;
    assert_eq!(wrong_method.status, 404);
    // The console's static files are served, and kept by browsers.
    let htmx = browser.get("/console/static/htmx.min.js").await;
    assert_eq!(htmx.status, 200);
    assert!(htmx.body.contains("htmx"));
    assert!(
        htmx.header("cache-control")
            .is_some_and(|c| c.contains("immutable"))
    );
    assert_eq!(
        browser.get("/console/static/../Cargo.toml").await.status,
        404
    );
}

on_both_backends!(
    an_organizer_signs_in_and_out,
    members_are_sent_to_the_app,
    wrong_passwords_and_stale_forms,
    only_console_pages_after_sign_in,
    sessions_end_with_a_password_change,
    the_clerk_changes_their_password,
    sessions_time_out,
    secure_cookie_when_configured,
    failures_are_console_pages,
);
