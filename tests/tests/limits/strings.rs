//! String lengths: every string a request body stores or compares has a
//! maximum; at the maximum it is accepted, one character over it is
//! `field_too_long` naming the field. Counted in characters, not bytes, so
//! the cases use Chinese text wherever the field takes it.

use lvzhi_server::clock::Clock;
use lvzhi_shared::members::NewMember;
use lvzhi_shared::validate::{
    MAX_CODE_CHARS, MAX_DEVICE_TOKEN_CHARS, MAX_PASSWORD_CHARS, MAX_PHONE_CHARS, MAX_TOKEN_CHARS,
};
use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::{activity_body, with};

/// `build(over)` is 422 `field_too_long` on `field`; then `build(at_max)` is
/// answered with one of `accepted` (in that order, so that an accepted
/// change such as a cancellation does not hide the refusal).
async fn refused_over(
    what: &str,
    build: impl Fn(String) -> RequestBuilder,
    at_max: String,
    over: String,
    field: &str,
    accepted: &[u16],
) {
    let r = build(over).send().await.expect(what);
    let e = expect_error(r, 422, "field_too_long").await;
    assert_eq!(e.field.as_deref(), Some(field), "{what}");
    let r = build(at_max).send().await.expect(what);
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert!(
        accepted.contains(&status),
        "{what} at its maximum: {status} {text}"
    );
}

/// [`refused_over`] with `unit` repeated `max` and `max + 1` times.
async fn boundary(
    what: &str,
    build: impl Fn(String) -> RequestBuilder,
    unit: &str,
    max: usize,
    field: &str,
    accepted: &[u16],
) {
    refused_over(
        what,
        build,
        unit.repeat(max),
        unit.repeat(max + 1),
        field,
        accepted,
    )
    .await;
}

/// `national` spelled `+86 139 0000 0007` with inner spaces to `len` characters.
fn spelled_phone(national: &str, len: usize) -> String {
    let tail = format!("{} {} {}", &national[..3], &national[3..7], &national[7..]);
    let pad = len - tail.len() - 3;
    format!("+86{}{tail}", " ".repeat(pad))
}

async fn roster_and_committee_strings(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    // Sector names (and then a member of the longest one).
    boundary(
        "sector name",
        |v| {
            app.api(Method::POST, "/sectors")
                .bearer_auth(&office)
                .json(&json!({ "name": v }))
        },
        "界",
        100,
        "name",
        &[201],
    )
    .await;
    let created = app
        .create_member(
            &office,
            &NewMember {
                name: "长度".into(),
                phone: "13900062001".into(),
                ..NewMember::default()
            },
        )
        .await;
    let id = created.member.id;
    let patch = |key: &'static str| {
        let (app, office, id) = (&app, &office, &id);
        move |v: String| {
            app.api(Method::PATCH, &format!("/members/{id}"))
                .bearer_auth(office)
                .json(&json!({ key: v }))
        }
    };
    let create = |key: &'static str| {
        let (app, office) = (&app, &office);
        move |v: String| {
            let mut body = json!({"name": "新委员", "phone": "13900062002"});
            body[key] = json!(v);
            app.api(Method::POST, "/members")
                .bearer_auth(office)
                .json(&body)
        }
    };
    for (key, unit, max) in [
        ("member_no", "A", 32),
        ("name", "王", 50),
        ("sector", "界", 100),
        ("party", "党", 100),
        ("workplace", "单", 100),
    ] {
        boundary(key, patch(key), unit, max, key, &[200]).await;
        let r = create(key)(unit.repeat(max + 1)).send().await.expect(key);
        let e = expect_error(r, 422, "field_too_long").await;
        assert_eq!(e.field.as_deref(), Some(key));
    }
    let phone = |len| spelled_phone("13900062001", len);
    refused_over(
        "phone",
        patch("phone"),
        phone(MAX_PHONE_CHARS),
        phone(MAX_PHONE_CHARS + 1),
        "phone",
        &[200],
    )
    .await;
    let r = create("phone")(phone(MAX_PHONE_CHARS + 1))
        .send()
        .await
        .expect("create");
    let e = expect_error(r, 422, "field_too_long").await;
    assert_eq!(e.field.as_deref(), Some("phone"));
    // The roster search: a query parameter, so a malformed parameter.
    for (q, status) in [("查".repeat(100), 200), ("查".repeat(101), 400)] {
        let r = app
            .api(Method::GET, "/members")
            .bearer_auth(&office)
            .query(&[("q", q)])
            .send()
            .await
            .expect("search");
        assert_eq!(r.status(), status);
        if status == 400 {
            let e = expect_error(r, 400, "invalid_parameter").await;
            assert_eq!(e.field.as_deref(), Some("q"));
        }
    }
}

async fn activity_strings(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let base = activity_body(&app);
    let create = |key: &'static str, wrap: fn(String) -> Value| {
        let (app, office, base) = (&app, &office, base.clone());
        move |v: String| {
            app.api(Method::POST, "/activities")
                .bearer_auth(office)
                .json(&with(base.clone(), key, wrap(v)))
        }
    };
    let plain: fn(String) -> Value = |v| json!(v);
    boundary("title", create("title", plain), "题", 200, "title", &[201]).await;
    boundary(
        "description",
        create("description", plain),
        "述",
        5000,
        "description",
        &[201],
    )
    .await;
    boundary(
        "location",
        create("location", plain),
        "地",
        200,
        "location",
        &[201],
    )
    .await;
    boundary(
        "role name",
        create("roles", |v| json!([{"name": v, "capacity": 5}])),
        "医",
        50,
        "roles",
        &[201],
    )
    .await;
    let at = (app.clock.now() + chrono::Duration::days(1)).to_rfc3339();
    let stop = move |place: bool| {
        let at = at.clone();
        move |v: String| {
            let (p, s) = if place {
                (v, "项目".to_owned())
            } else {
                ("县城".to_owned(), v)
            };
            json!([{"at": at, "place": p, "subject": s}])
        }
    };
    for place in [true, false] {
        let (app, office, base, stop) = (&app, &office, base.clone(), stop(place));
        boundary(
            "itinerary stop",
            move |v| {
                let body = with(
                    with(base.clone(), "kind", json!("inspection")),
                    "itinerary",
                    stop(v),
                );
                app.api(Method::POST, "/activities")
                    .bearer_auth(office)
                    .json(&body)
            },
            "址",
            200,
            "itinerary",
            &[201],
        )
        .await;
    }
    boundary(
        "material title",
        create(
            "materials",
            |v| json!([{"title": v, "url": "https://e.cn/a.pdf"}]),
        ),
        "材",
        200,
        "materials",
        &[201],
    )
    .await;
    let prefix = "https://e.cn/";
    refused_over(
        "material link",
        create("materials", |v| json!([{"title": "讲义", "url": v}])),
        format!("{prefix}{}", "a".repeat(2000 - prefix.len())),
        format!("{prefix}{}", "a".repeat(2001 - prefix.len())),
        "materials",
        &[201],
    )
    .await;

    // Changes and cancellation.
    let draft = app.create_activity(&office, base.clone()).await;
    for (key, unit, max) in [
        ("title", "题", 200),
        ("description", "述", 5000),
        ("location", "地", 200),
    ] {
        let (app, office, id) = (&app, &office, draft.id);
        boundary(
            key,
            move |v| {
                app.api(Method::PATCH, &format!("/activities/{id}"))
                    .bearer_auth(office)
                    .json(&json!({ key: v }))
            },
            unit,
            max,
            key,
            &[200],
        )
        .await;
    }
    boundary(
        "cancel reason",
        |v| {
            app.api(Method::POST, &format!("/activities/{}/cancel", draft.id))
                .bearer_auth(&office)
                .json(&json!({ "reason": v }))
        },
        "因",
        200,
        "reason",
        &[200],
    )
    .await;

    // A material uploaded as a file: its title.
    let open = app.create_activity(&office, base.clone()).await;
    boundary(
        "material upload title",
        |v| {
            let form = reqwest::multipart::Form::new().text("title", v).part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf"),
            );
            app.api(Method::POST, &format!("/activities/{}/materials", open.id))
                .bearer_auth(&office)
                .multipart(form)
        },
        "题",
        200,
        "title",
        &[201],
    )
    .await;
}

async fn notification_and_device_strings(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900063001", None).await;
    let announce = |key: &'static str| {
        let (app, office) = (&app, &office);
        move |v: String| {
            let mut body =
                json!({"title": "通知", "body": "内容", "audience": {"kind": "committee"}});
            body[key] = json!(v);
            app.api(Method::POST, "/announcements")
                .bearer_auth(office)
                .json(&body)
        }
    };
    boundary(
        "announcement title",
        announce("title"),
        "通",
        60,
        "title",
        &[201],
    )
    .await;
    boundary(
        "announcement body",
        announce("body"),
        "文",
        2000,
        "body",
        &[201],
    )
    .await;
    boundary(
        "device token",
        |v| {
            app.api(Method::POST, "/me/devices")
                .bearer_auth(&member.access_token)
                .json(&json!({"token": v, "platform": "android"}))
        },
        "t",
        MAX_DEVICE_TOKEN_CHARS,
        "token",
        &[200, 201],
    )
    .await;
}

async fn credential_strings(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = app.member_in("13900064001", None).await;
    let login = |phone: String, password: String| {
        app.api(Method::POST, "/auth/login")
            .json(&json!({"phone": phone, "password": password}))
    };
    // A phone spelled out to the maximum still signs in.
    refused_over(
        "login phone",
        |v| login(v, "password-123".into()),
        spelled_phone("13900064001", MAX_PHONE_CHARS),
        spelled_phone("13900064001", MAX_PHONE_CHARS + 1),
        "phone",
        &[200],
    )
    .await;
    boundary(
        "login password",
        |v| login("13900064001".into(), v),
        "密",
        MAX_PASSWORD_CHARS,
        "password",
        &[401],
    )
    .await;
    for path in ["/auth/refresh", "/auth/logout"] {
        boundary(
            path,
            |v| {
                app.api(Method::POST, path)
                    .json(&json!({ "refresh_token": v }))
            },
            "r",
            MAX_TOKEN_CHARS,
            "refresh_token",
            &[401, 204],
        )
        .await;
    }
    let activate = |phone: String, code: String| {
        app.api(Method::POST, "/auth/activate").json(&json!({
            "phone": phone, "activation_code": code, "new_password": "password-456"
        }))
    };
    refused_over(
        "activation phone",
        |v| activate(v, "12345678".into()),
        spelled_phone("13900064002", MAX_PHONE_CHARS),
        spelled_phone("13900064002", MAX_PHONE_CHARS + 1),
        "phone",
        &[401],
    )
    .await;
    boundary(
        "activation code",
        |v| activate("13900064002".into(), v),
        "1",
        MAX_CODE_CHARS,
        "activation_code",
        &[401],
    )
    .await;
    boundary(
        "current password",
        |v| {
            app.api(Method::PUT, "/me/password")
                .bearer_auth(&member.access_token)
                .json(&json!({"current_password": v, "new_password": "password-456"}))
        },
        "密",
        MAX_PASSWORD_CHARS,
        "current_password",
        &[401, 403, 422],
    )
    .await;
    // A new password over the maximum keeps its documented code.
    let r = app
        .api(Method::PUT, "/me/password")
        .bearer_auth(&member.access_token)
        .json(&json!({"current_password": "password-123", "new_password": "密".repeat(MAX_PASSWORD_CHARS + 1)}))
        .send()
        .await
        .expect("change");
    let e = expect_error(r, 422, "weak_password").await;
    assert_eq!(e.field.as_deref(), Some("new_password"));
}

/// The duty record's texts: an entry's evidence, a dispute's reason, the
/// office's note or reason (500 characters each).
async fn points_strings(b: Backend) {
    use lvzhi_shared::points::MAX_EVIDENCE_CHARS as MAX;
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900063101", None).await;
    let year = app.clock.now().format("%Y").to_string();
    let today = app.clock.now().format("%Y-%m-%d").to_string();
    let member_id = member.user.id;
    let entry = |v: String| {
        app.api(Method::POST, "/points/entries")
            .bearer_auth(&office)
            .json(&json!({"member_id": member_id, "event": "proposal", "evidence": v, "occurred_on": today}))
    };
    boundary("entry evidence", entry, "提", MAX, "evidence", &[201]).await;
    let dispute = |v: String| {
        app.api(Method::POST, "/me/points/disputes")
            .bearer_auth(&member.access_token)
            .json(&json!({"year": year.parse::<i32>().expect("year"), "reason": v}))
    };
    refused_over(
        "dispute reason",
        dispute,
        "申".repeat(MAX),
        "申".repeat(MAX + 1),
        "reason",
        &[201],
    )
    .await;
    let filed: Value = json_of(
        app.api(Method::GET, "/me/points/disputes")
            .bearer_auth(&member.access_token),
    )
    .await;
    let id = filed["items"][0]["id"]
        .as_str()
        .expect("dispute")
        .to_owned();
    let refuse = |v: String| {
        app.api(Method::POST, &format!("/points/disputes/{id}/refuse"))
            .bearer_auth(&office)
            .json(&json!({"reason": v}))
    };
    boundary("refusal reason", refuse, "由", MAX, "reason", &[200]).await;
}

async fn json_of(request: RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

on_both_backends!(
    roster_and_committee_strings,
    activity_strings,
    notification_and_device_strings,
    credential_strings,
    points_strings
);
