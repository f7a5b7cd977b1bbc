//! A NUL character in the path, the query or any JSON string is refused with
//! a 4xx naming where it was, on both backends (PostgreSQL cannot hold one:
//! the fuzzer in tests/fuzz found 500s for it), and nothing is stored.

use lvzhi_server::clock::Clock;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(text_holding_a_nul_is_refused_and_not_stored);

async fn text_holding_a_nul_is_refused_and_not_stored(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900000071", None).await.access_token;

    // Query parameters that reach a database query as text.
    for query in ["q=a%00b", "sector=%00"] {
        let resp = app
            .api(Method::GET, &format!("/members?{query}"))
            .bearer_auth(&office)
            .send()
            .await
            .expect("list");
        let err = expect_error(resp, 400, "invalid_parameter").await;
        assert_eq!(err.field.as_deref(), query.split('=').next(), "{query}");
    }

    // A path parameter that is not an id.
    let resp = app
        .api(Method::DELETE, "/me/devices/fcm%00token")
        .bearer_auth(&member)
        .send()
        .await
        .expect("unregister");
    expect_error(resp, 400, "invalid_parameter").await;

    // Strings deep in a JSON body, named by their dotted path.
    let announcement = json!({
        "title": "通知",
        "body": "请按时参加。",
        "audience": {"kind": "members", "member_ids": ["a\u{0}b"]},
    });
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&office)
        .json(&announcement)
        .send()
        .await
        .expect("announce");
    let err = expect_error(resp, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("audience.member_ids"));

    let starts = app.clock.now() + chrono::Duration::days(3);
    let activity = json!({
        "kind": "training",
        "title": "学习培训",
        "capacity": 5,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        "roles": [{"name": "学员", "capacity": 5, "sector": "\u{0}"}],
    });
    let resp = app
        .api(Method::POST, "/activities")
        .bearer_auth(&office)
        .json(&activity)
        .send()
        .await
        .expect("create");
    let err = expect_error(resp, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("roles.sector"));

    // Nothing of either was stored.
    let listed: Value = json_ok(
        app.api(Method::GET, "/announcements")
            .bearer_auth(&office)
            .send()
            .await
            .expect("announcements"),
    )
    .await;
    assert_eq!(listed["items"], json!([]), "{listed}");
    let listed: Value = json_ok(
        app.api(Method::GET, "/activities")
            .bearer_auth(&office)
            .send()
            .await
            .expect("activities"),
    )
    .await;
    assert_eq!(listed["items"], json!([]), "{listed}");

    // The six characters `\u0000` typed as text are not a NUL.
    let mut typed = activity.clone();
    typed["roles"] = json!([]);
    typed["description"] = json!("路径 C:\\u0000");
    let created: Value = json_ok(
        app.api(Method::POST, "/activities")
            .bearer_auth(&office)
            .json(&typed)
            .send()
            .await
            .expect("create typed"),
    )
    .await;
    assert_eq!(created["description"], "路径 C:\\u0000");
}
