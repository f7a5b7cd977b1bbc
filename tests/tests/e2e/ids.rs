//! Ids inside JSON bodies: one that is not a UUID is refused (400
//! `invalid_body`) naming the field at fault, in words a person reads, before
//! any rule runs; and any spelling of a UUID names the same thing, as in paths.

use lvzhi_server::clock::Clock;
use lvzhi_shared::activities::SignupResult;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(a_malformed_id_in_a_body_names_its_field);

async fn a_malformed_id_in_a_body_names_its_field(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.member_in("13900000081", None).await;
    let activity = app.published_activity(&office, json!({}), 24).await;
    let starts = app.clock.now() + chrono::Duration::days(3);
    let invited = json!({
        "kind": "training",
        "title": "学习培训",
        "capacity": 5,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        "audience": "invited",
        "invitees": [member.user.id, "x"],
    });
    let announcement =
        |audience: Value| json!({"title": "通知", "body": "请按时参加。", "audience": audience});
    let id = activity.id;
    // (who, method, path, body, field at fault, where in the body)
    let cases = [
        (
            &office,
            Method::POST,
            format!("/activities/{id}/roster"),
            json!({"member_id": "x"}),
            "member_id",
            None,
        ),
        (
            &member.access_token,
            Method::POST,
            format!("/activities/{id}/signups"),
            json!({"role_id": "not-an-id"}),
            "role_id",
            None,
        ),
        (
            &office,
            Method::PUT,
            format!("/activities/{id}/attendance"),
            json!({"entries": [
                {"member_id": member.user.id, "attendance": "attended"},
                {"member_id": "12345", "attendance": "absent"},
            ]}),
            "entries.member_id",
            Some("entries[1].member_id"),
        ),
        (
            &office,
            Method::POST,
            "/activities".to_owned(),
            invited,
            "invitees",
            Some("invitees[1]"),
        ),
        (
            &office,
            Method::POST,
            "/members/activation-codes".to_owned(),
            json!({"member_ids": [""]}),
            "member_ids",
            Some("member_ids[0]"),
        ),
        (
            &office,
            Method::POST,
            "/announcements".to_owned(),
            announcement(json!({"kind": "sectors", "sector_ids": ["科技界"]})),
            "audience.sector_ids",
            Some("audience.sector_ids[0]"),
        ),
        (
            &office,
            Method::POST,
            "/announcements".to_owned(),
            announcement(json!({"kind": "members", "member_ids": ["x"]})),
            "audience.member_ids",
            Some("audience.member_ids[0]"),
        ),
        (
            &office,
            Method::POST,
            "/announcements".to_owned(),
            json!({"title": "通知", "body": "请按时参加。", "activity_id": "x",
                "audience": {"kind": "committee"}}),
            "activity_id",
            None,
        ),
    ];
    for (token, method, path, body, field, exact) in cases {
        let r = app
            .api(method.clone(), &path)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("send");
        let e = expect_error(r, 400, "invalid_body").await;
        assert_eq!(e.field.as_deref(), Some(field), "{method} {path}");
        assert!(
            e.message.starts_with("must be an id (a UUID)"),
            "{method} {path}: {}",
            e.message
        );
        if let Some(exact) = exact {
            assert!(e.message.contains(exact), "{method} {path}: {}", e.message);
        }
    }

    // Nothing was stored.
    let roster = app.roster(&office, id).await;
    assert!(roster.items.is_empty(), "{:?}", roster.items);

    // Any spelling of a UUID is the same id, as in a path.
    let upper = member.user.id.to_string().to_uppercase();
    let added: SignupResult = json_ok(
        app.api(Method::POST, &format!("/activities/{id}/roster"))
            .bearer_auth(&office)
            .json(&json!({"member_id": upper}))
            .send()
            .await
            .expect("roster add"),
    )
    .await;
    assert_eq!(added.member_id, member.user.id);
}
