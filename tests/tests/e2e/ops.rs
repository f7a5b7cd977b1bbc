//! Operations: health, readiness, metrics, the OpenAPI document and its
//! snapshot, error shapes outside operations, and who may call what.

use lvzhi_shared::members::Role;
use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::Method;
use serde_json::Value;

on_both_backends!(
    health_readiness_and_metrics_answer,
    errors_outside_operations_have_the_same_shape,
    method_not_allowed_says_which_methods_are,
    the_document_states_the_parameter_rules_the_server_enforces,
    every_operation_declares_and_enforces_its_callers,
    migrations_go_down_and_up_again,
);

/// Every `down.sql` undoes its `up.sql` on a database holding data, so an
/// operator can step back a release; then everything applies again.
async fn migrations_go_down_and_up_again(b: Backend) {
    let mut app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    app.published_activity(&office, serde_json::json!({}), 24)
        .await;
    app.stop().await;
    let url = app.database_url();
    let (reverted, applied) = tokio::task::spawn_blocking(move || {
        let db = lvzhi_server::db::Db::connect(&url, 1)?;
        let reverted = db.revert_all()?;
        let applied = db.migrate()?;
        anyhow::Ok((reverted, applied))
    })
    .await
    .expect("join")
    .expect("down and up");
    assert!(reverted.len() >= 4, "{reverted:?}");
    let mut newest_first = applied.clone();
    newest_first.reverse();
    assert_eq!(reverted, newest_first);
}

async fn health_readiness_and_metrics_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    let health = app
        .raw(Method::GET, "/healthz")
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(
        app.raw(Method::GET, "/readyz")
            .send()
            .await
            .expect("readyz")
            .text()
            .await
            .expect("text"),
        "ready"
    );
    let metrics = app
        .raw(Method::GET, "/metrics")
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("lvzhi_http_requests_total{method=\"GET\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("lvzhi_db_pool_connections"));
    let docs = app.raw(Method::GET, "/docs/").send().await.expect("docs");
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.expect("html").contains("swagger"));
}

async fn errors_outside_operations_have_the_same_shape(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.limits.max_body_bytes = 2048).await;
    expect_error(
        app.raw(Method::GET, "/nowhere").send().await.expect("404"),
        404,
        "not_found",
    )
    .await;
    expect_error(
        app.api(Method::DELETE, "/auth/login")
            .send()
            .await
            .expect("405"),
        405,
        "method_not_allowed",
    )
    .await;
    let big = format!("{{\"phone\":\"{}\",\"password\":\"x\"}}", "1".repeat(4096));
    let r = app
        .api(Method::POST, "/auth/login")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("413");
    expect_error(r, 413, "payload_too_large").await;
    let r = app
        .api(Method::POST, "/auth/login")
        .header("content-type", "text/plain")
        .body("phone=1")
        .send()
        .await
        .expect("415");
    expect_error(r, 415, "unsupported_media_type").await;
}

/// A 405 carries `Allow` (RFC 9110 requires it), naming the methods of the
/// path the server matched, including HEAD wherever GET is served.
async fn method_not_allowed_says_which_methods_are(b: Backend) {
    let app = TestApp::spawn(b).await;
    let id = uuid::Uuid::now_v7().to_string();
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/auth/login".to_owned(), "POST"),
        (
            Method::DELETE,
            "/api/v1/members".to_owned(),
            "GET, HEAD, POST",
        ),
        (
            Method::PUT,
            format!("/api/v1/members/{id}"),
            "GET, HEAD, PATCH",
        ),
        (Method::GET, "/api/v1/members/import".to_owned(), "POST"),
        (
            Method::POST,
            format!("/api/v1/activities/{id}/signups/me"),
            "DELETE",
        ),
        (Method::POST, "/healthz".to_owned(), "GET, HEAD"),
    ] {
        let r = app.raw(method.clone(), &path).send().await.expect("405");
        let got = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().expect("ascii").to_owned());
        assert_eq!(got.as_deref(), Some(allow), "{method} {path}");
        expect_error(r, 405, "method_not_allowed").await;
    }
}

/// Rules the server applies to parameters and tokens are in the document, so
/// a client (or a fuzzer) can know them: an empty cursor, an over-long or
/// non-ASCII Idempotency-Key, an over-long token are refused.
async fn the_document_states_the_parameter_rules_the_server_enforces(b: Backend) {
    let app = TestApp::spawn(b).await;
    let doc: Value = app
        .raw(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let param = |path: &str, method: &str, name: &str| -> Value {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .map(|p| p["schema"].clone())
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
    };
    for path in [
        "/members",
        "/activities",
        "/me/notifications",
        "/announcements",
    ] {
        let cursor = param(path, "get", "cursor");
        assert_eq!(cursor["minLength"], 1, "{path}");
        assert_eq!(cursor["pattern"], "^[A-Za-z0-9_-]+$", "{path}");
    }
    let key = param("/activities/{id}/signups", "post", "Idempotency-Key");
    assert_eq!(
        (key["minLength"].clone(), key["maxLength"].clone()),
        (1.into(), 128.into())
    );
    assert_eq!(key["pattern"], "^[!-~]+$");
    let schemas = &doc["components"]["schemas"];
    let device = &schemas["DeviceRegistration"]["properties"]["token"];
    assert_eq!(
        (device["minLength"].clone(), device["maxLength"].clone()),
        (1.into(), 4096.into())
    );
    assert_eq!(device["pattern"], "^[!-~]+$");
    assert_eq!(
        schemas["RefreshRequest"]["properties"]["refresh_token"]["maxLength"],
        4096
    );

    // And the server does refuse what the document rules out.
    let office = app.admin().await.access_token;
    let r = app
        .api(Method::GET, "/members")
        .bearer_auth(&office)
        .query(&[("cursor", "")])
        .send()
        .await
        .expect("list");
    expect_error(r, 400, "invalid_cursor").await;
}

/// Reads each operation's "Who:" line from the document and checks it against
/// the server: anonymous callers get 401 on every protected operation, and a
/// member gets 403 wherever only the office may call. A new operation without
/// a "Who:" line fails here.
async fn every_operation_declares_and_enforces_its_callers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let doc: Value = app
        .raw(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let member = app.account(Role::Member, "13900001201").await;
    let some_id = uuid::Uuid::now_v7().to_string();
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("ops") {
            let description = op["description"].as_str().unwrap_or_default();
            let who = description
                .lines()
                .find_map(|l| l.trim().strip_prefix("Who: "))
                .unwrap_or_else(|| panic!("{method} {path} does not say who may call it"));
            let secured = op
                .get("security")
                .is_some_and(|s| !s.as_array().expect("array").is_empty());
            assert_eq!(
                secured,
                !who.starts_with("anyone"),
                "{method} {path}: security vs `Who: {who}`"
            );
            let url = path.replace("{id}", &some_id);
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            if secured {
                let r = app
                    .api(m.clone(), &url)
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .expect("anonymous");
                expect_error(r, 401, "unauthorized").await;
            }
            let office_only = who.starts_with("organizer") || who.starts_with("admin");
            if office_only {
                let r = app
                    .api(m, &url)
                    .bearer_auth(&member.access_token)
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .expect("member");
                assert_eq!(r.status(), 403, "{method} {path} must refuse members");
            }
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} operations found");
}

/// The document is part of the contract: changes show up in review as a diff
/// of tests/snapshots/openapi.json. Run with UPDATE_SNAPSHOTS=1 to accept them.
#[tokio::test]
async fn openapi_document_matches_its_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = app
        .raw(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let pretty = serde_json::to_string_pretty(&doc).expect("pretty") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, &pretty).expect("write snapshot");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == pretty,
        "the OpenAPI document changed; review it and run `UPDATE_SNAPSHOTS=1 cargo test -p lvzhi-tests openapi` to accept"
    );
}
