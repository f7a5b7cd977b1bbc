//! JSON shape: nesting thousands deep, malformed text, the wrong content type
//! and wrongly typed values are 4xx with a code, never a 500 or a crash.

use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::Method;
use serde_json::json;

use crate::{activity_body, still_serving, with};

/// `[[[…]]]` and `{"a":{"a":…}}`, `depth` levels.
fn deep_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn deep_objects(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

async fn deep_nesting_is_a_bad_body(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let input = lvzhi_shared::members::NewMember {
        name: "深度".into(),
        phone: "13900061001".into(),
        ..Default::default()
    };
    let member = app.create_member(&office, &input).await.member;
    let draft = app.create_activity(&office, activity_body(&app)).await;
    let operations = [
        (Method::POST, "/auth/login".to_owned()),
        (Method::POST, "/members".to_owned()),
        (Method::PATCH, format!("/members/{}", member.id)),
        (Method::POST, "/activities".to_owned()),
        (Method::PATCH, format!("/activities/{}", draft.id)),
        (Method::POST, "/announcements".to_owned()),
        (Method::PUT, format!("/activities/{}/attendance", draft.id)),
    ];
    let depth = 20_000;
    let bodies = [
        deep_arrays(depth),
        deep_objects(depth),
        // Deep inside a field the operation does read.
        format!("{{\"title\":{},\"kind\":\"training\"}}", deep_arrays(depth)),
        format!(
            "{{\"name\":{},\"phone\":\"13900061002\"}}",
            deep_objects(depth)
        ),
    ];
    for (method, path) in &operations {
        for body in &bodies {
            let r = app
                .api(method.clone(), path)
                .bearer_auth(&office)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("deep body");
            expect_error(r, 400, "invalid_body").await;
        }
    }
    still_serving(&app).await;
}

async fn malformed_and_mistyped_bodies(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let send = |body: String, content_type: &'static str| {
        app.api(Method::POST, "/activities")
            .bearer_auth(&office)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let draft = activity_body(&app);
    for (body, content_type, status, code) in [
        (
            "{\"title\": ".to_owned(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "{\"title\": \"x\"}}".to_owned(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "\u{feff}{}".to_owned(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            "\"\\ud800\"".to_owned(),
            "application/json",
            400,
            "invalid_body",
        ),
        ("".to_owned(), "application/json", 400, "invalid_body"),
        ("null".to_owned(), "application/json", 400, "invalid_body"),
        (
            draft.to_string(),
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (
            draft.to_string(),
            "application/xml",
            415,
            "unsupported_media_type",
        ),
        (
            draft.to_string(),
            "multipart/form-data; boundary=x",
            415,
            "unsupported_media_type",
        ),
        // An object or a list where a string belongs, a string where a number belongs.
        (
            with(draft.clone(), "title", serde_json::json!({"zh": "标题"})).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "title", serde_json::json!(["标题"])).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "title", serde_json::json!(null)).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "capacity", serde_json::json!("ten")).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "capacity", serde_json::json!(1e300)).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(
                draft.clone(),
                "capacity",
                serde_json::json!(4_294_967_296_i64),
            )
            .to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "kind", serde_json::json!("party")).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "starts_at", serde_json::json!("tomorrow")).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
        (
            with(draft.clone(), "roles", serde_json::json!({"name": "x"})).to_string(),
            "application/json",
            400,
            "invalid_body",
        ),
    ] {
        let r = send(body.clone(), content_type).await.expect("send");
        let got = expect_error(r, status, code).await;
        assert!(!got.message.is_empty(), "{body}");
    }
    // No body and no content type at all.
    let r = app
        .api(Method::POST, "/activities")
        .bearer_auth(&office)
        .send()
        .await
        .expect("send");
    assert!(
        matches!(r.status().as_u16(), 400 | 415),
        "empty body: {}",
        r.status()
    );
    let r = app
        .api(Method::POST, "/auth/login")
        .json(&serde_json::json!({"phone": ["13900000007"], "password": "password-123"}))
        .send()
        .await
        .expect("login");
    expect_error(r, 400, "invalid_body").await;
    // A JSON number or boolean where the document says string is refused
    // (poem-openapi alone would take it as its text: `12345` → "12345").
    for (key, value, found) in [
        ("title", serde_json::json!(12345), "a number"),
        ("description", serde_json::json!(1e300), "a number"),
        ("location", serde_json::json!(false), "true or false"),
    ] {
        let r = send(
            with(draft.clone(), key, value).to_string(),
            "application/json",
        )
        .await
        .expect("send");
        let e = expect_error(r, 400, "invalid_body").await;
        assert_eq!(e.field.as_deref(), Some(key));
        assert_eq!(e.message, format!("must be a string, not {found}"));
    }
    // A sector named by a number is refused too, not created as "12345".
    let r = app
        .api(Method::POST, "/sectors")
        .bearer_auth(&office)
        .json(&serde_json::json!({"name": 12345}))
        .send()
        .await
        .expect("sector");
    let e = expect_error(r, 400, "invalid_body").await;
    assert_eq!(e.field.as_deref(), Some("name"));
    let sectors: Vec<lvzhi_shared::committees::Sector> = lvzhi_tests::json_ok(
        app.api(Method::GET, "/sectors")
            .bearer_auth(&office)
            .send()
            .await
            .expect("sectors"),
    )
    .await;
    assert!(sectors.iter().all(|s| s.name != "12345"));
    let r = app
        .api(Method::POST, "/auth/login")
        .json(&serde_json::json!({"phone": 13900000007_u64, "password": "password-123"}))
        .send()
        .await
        .expect("login");
    let e = expect_error(r, 400, "invalid_body").await;
    assert_eq!(e.field.as_deref(), Some("phone"));
    still_serving(&app).await;
}

/// A misspelt or unknown field is refused with `unknown_field` naming it
/// (it used to be dropped: `signup_close_at` made an activity with no
/// deadline), and the document says so with `additionalProperties: false`.
async fn unknown_fields_are_refused_by_name(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app
        .create_member(
            &office,
            &lvzhi_shared::members::NewMember {
                name: "拼写".into(),
                phone: "13900061101".into(),
                ..Default::default()
            },
        )
        .await
        .member;
    let draft = activity_body(&app);
    let cases = [
        (
            Method::POST,
            "/activities".to_owned(),
            with(
                draft.clone(),
                "signup_close_at",
                json!("2030-01-01T00:00:00+08:00"),
            ),
            "signup_close_at",
            Some("signup_closes_at"),
        ),
        (
            Method::POST,
            "/activities".to_owned(),
            with(
                draft.clone(),
                "roles",
                json!([{"name": "医生", "capacity": 5}, {"name": "护士", "capacity": 5, "sectr": "医药卫生界"}]),
            ),
            "roles.sectr",
            Some("sector"),
        ),
        (
            Method::PATCH,
            format!("/members/{}", member.id),
            json!({"nmae": "改名"}),
            "nmae",
            Some("name"),
        ),
        (
            Method::POST,
            "/auth/login".to_owned(),
            json!({"phone": "13900061101", "password": "password-123", "remember_me": true}),
            "remember_me",
            None,
        ),
    ];
    for (method, path, body, field, hint) in cases {
        let r = app
            .api(method.clone(), &path)
            .bearer_auth(&office)
            .json(&body)
            .send()
            .await
            .expect("send");
        let e = expect_error(r, 400, "unknown_field").await;
        assert_eq!(e.field.as_deref(), Some(field), "{method} {path}");
        if let Some(hint) = hint {
            assert!(e.message.contains(hint), "{method} {path}: {}", e.message);
        }
    }
    let page: lvzhi_shared::activities::ActivityPage = lvzhi_tests::json_ok(
        app.api(Method::GET, "/activities")
            .bearer_auth(&office)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert!(page.items.is_empty(), "nothing was created");

    let doc: serde_json::Value = app
        .raw(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    for request in [
        "NewActivity",
        "RoleSlotInput",
        "MemberPatch",
        "LoginRequest",
    ] {
        assert_eq!(
            doc["components"]["schemas"][request]["additionalProperties"],
            json!(false),
            "{request}"
        );
    }
    assert!(
        doc["components"]["schemas"]["Activity"]
            .get("additionalProperties")
            .is_none(),
        "responses may grow"
    );
}

/// A body that does not have the documented shape is answered with the
/// field at fault and what is wrong with it, not a parser's message.
async fn bad_bodies_name_the_field_and_the_rule(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let draft = activity_body(&app);
    let without_title = {
        let mut d = draft.clone();
        d.as_object_mut().expect("object").remove("title");
        d
    };
    let cases = [
        (
            "/activities",
            with(draft.clone(), "starts_at", json!("2026-12-01T09:00:00")),
            "starts_at",
            "time needs an offset, e.g. +08:00",
        ),
        (
            "/activities",
            with(draft.clone(), "kind", json!("party")),
            "kind",
            "unknown value 'party'; expected one of training, outreach, inspection",
        ),
        (
            "/activities",
            without_title,
            "title",
            "missing required field",
        ),
        (
            "/activities",
            with(draft.clone(), "capacity", json!("ten")),
            "capacity",
            "must be a whole number, not a string",
        ),
        (
            "/activities",
            with(draft.clone(), "title", json!(["标题"])),
            "title",
            "must be a string, not a list",
        ),
        (
            "/activities",
            with(
                draft.clone(),
                "roles",
                json!([{"name": "医生", "capacity": 5}, {"name": "护士"}]),
            ),
            "roles.capacity",
            "missing required field (at roles[1].capacity)",
        ),
        (
            "/members",
            json!({"name": "吴立", "phone": "13900061201", "gender": "unknown"}),
            "gender",
            "unknown value 'unknown'; expected one of male, female",
        ),
        (
            "/auth/login",
            json!({"phone": ["13900000007"], "password": "password-123"}),
            "phone",
            "must be a string, not a list",
        ),
    ];
    for (path, body, field, says) in cases {
        let r = app
            .api(Method::POST, path)
            .bearer_auth(&office)
            .json(&body)
            .send()
            .await
            .expect("send");
        let e = expect_error(r, 400, "invalid_body").await;
        assert_eq!(e.field.as_deref(), Some(field), "{path} {body}");
        assert_eq!(e.message, says, "{path} {body}");
    }
    // Not JSON at all: no field to name, but no parser's internals either.
    let r = app
        .api(Method::POST, "/activities")
        .bearer_auth(&office)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("send");
    let e = expect_error(r, 400, "invalid_body").await;
    assert!(e.field.is_none());
    assert!(
        e.message.starts_with("the body is not valid JSON"),
        "{}",
        e.message
    );
}

on_both_backends!(
    bad_bodies_name_the_field_and_the_rule,
    deep_nesting_is_a_bad_body,
    malformed_and_mistyped_bodies,
    unknown_fields_are_refused_by_name,
);
