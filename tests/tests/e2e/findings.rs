//! Inspection findings from submission to the department's answer, and the
//! outcomes of outreach activities.

use std::fmt::Display;

use diesel::prelude::*;
use lvzhi_server::db::schema::{findings, outbox};
use lvzhi_shared::activities::{Finding, FindingList, Outcome};
use lvzhi_shared::ids::{ActivityId, FindingId, MemberId};
use lvzhi_shared::members::Role;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    a_finding_goes_from_submission_to_answer,
    findings_are_refused_where_they_do_not_belong,
    outcomes_are_validated_and_replaced,
);

async fn submit(app: &TestApp, token: &str, activity_id: impl Display, body: Value) -> Response {
    app.api(Method::POST, &format!("/activities/{activity_id}/findings"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("submit finding")
}

async fn advance(app: &TestApp, token: &str, finding_id: impl Display, body: Value) -> Response {
    app.api(Method::PATCH, &format!("/findings/{finding_id}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("update finding")
}

async fn list(app: &TestApp, token: &str, activity_id: impl Display) -> Response {
    app.api(Method::GET, &format!("/activities/{activity_id}/findings"))
        .bearer_auth(token)
        .send()
        .await
        .expect("list findings")
}

/// Messages about answered findings queued for this member.
async fn answered_messages(app: &TestApp, user_id: &MemberId) -> i64 {
    let user_id = *user_id;
    app.state
        .db
        .run(move |conn| {
            Ok(outbox::table
                .filter(outbox::user_id.eq(user_id))
                .filter(outbox::kind.eq("finding_answered"))
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .expect("outbox")
}

async fn stored_findings(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|conn| Ok(findings::table.count().get_result::<i64>(conn)?))
        .await
        .expect("findings")
}

async fn a_finding_goes_from_submission_to_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app
        .account(Role::Organizer, "13900031001")
        .await
        .access_token;
    let trip = app
        .published_activity(
            &office,
            json!({"kind": "inspection", "title": "视察农村饮水工程", "capacity": 2}),
            2,
        )
        .await;
    let author = app.account(Role::Member, "13900031002").await;
    let other = app.account(Role::Member, "13900031003").await;
    let waiting = app.account(Role::Member, "13900031004").await;
    let bystander = app.account(Role::Member, "13900031005").await;
    for m in [&author, &other, &waiting] {
        let r = app.sign_up(&m.access_token, &trip.id, None).await;
        assert!(r.status().is_success());
    }

    // Only registered members may submit: the waitlisted and the never signed up are refused.
    let finding =
        json!({"title": "水质检测频次不足", "content": "建议每季度抽检一次，并公开结果。"});
    for m in [&waiting, &bystander] {
        let r = submit(&app, &m.access_token, &trip.id, finding.clone()).await;
        expect_error(r, 409, "not_signed_up").await;
    }

    // Titles and contents are checked.
    for (body, status, code, field) in [
        (
            json!({"title": "  ", "content": "内容"}),
            422,
            "field_required",
            "title",
        ),
        (
            json!({"title": "标题", "content": ""}),
            422,
            "field_required",
            "content",
        ),
        (
            json!({"title": "题".repeat(201), "content": "内容"}),
            422,
            "field_too_long",
            "title",
        ),
        (
            json!({"title": "标题", "content": "字".repeat(5001)}),
            422,
            "field_too_long",
            "content",
        ),
        (json!({"title": "标题"}), 400, "invalid_body", ""),
    ] {
        let r = submit(&app, &author.access_token, &trip.id, body).await;
        let e = expect_error(r, status, code).await;
        if !field.is_empty() {
            assert_eq!(e.field.as_deref(), Some(field));
        }
    }
    // At the limits, accepted.
    let long: Finding = json_ok(
        submit(
            &app,
            &author.access_token,
            &trip.id,
            json!({"title": "题".repeat(200), "content": "字".repeat(5000)}),
        )
        .await,
    )
    .await;
    assert_eq!(long.title.chars().count(), 200);

    let r = submit(&app, &author.access_token, &trip.id, finding.clone()).await;
    assert_eq!(r.status(), 201);
    let first: Finding = r.json().await.expect("finding");
    assert_eq!(first.status.as_str(), "submitted");
    assert_eq!(first.author_id, author.user.id);
    assert_eq!(first.author_name, author.user.name);
    assert_eq!(first.activity_id, trip.id);
    assert_eq!(first.title, "水质检测频次不足");
    assert!(first.department.is_none() && first.response.is_none());
    let theirs: Finding = json_ok(
        submit(
            &app,
            &other.access_token,
            &trip.id,
            json!({"title": "管网老化", "content": "部分村组管网漏损严重。"}),
        )
        .await,
    )
    .await;

    // A retried submission with the same key does not make a second finding.
    let before = stored_findings(&app).await;
    let again = || {
        app.api(Method::POST, &format!("/activities/{}/findings", trip.id))
            .bearer_auth(&author.access_token)
            .header("Idempotency-Key", "finding-retry-1")
            .json(&json!({"title": "水源地保护", "content": "建议设立警示标志。"}))
            .send()
    };
    let once: Finding = json_ok(again().await.expect("first try")).await;
    let twice: Finding = json_ok(again().await.expect("retry")).await;
    assert_eq!(once.id, twice.id);
    assert_eq!(stored_findings(&app).await, before + 1);

    // The office sees every finding; a member only their own; others none.
    let all: FindingList = json_ok(list(&app, &office, &trip.id).await).await;
    assert_eq!(all.items.len(), 4);
    assert_eq!(all.items[0].id, long.id, "oldest first");
    let mine: FindingList = json_ok(list(&app, &author.access_token, &trip.id).await).await;
    assert_eq!(mine.items.len(), 3);
    assert!(mine.items.iter().all(|f| f.author_id == author.user.id));
    let theirs_only: FindingList = json_ok(list(&app, &other.access_token, &trip.id).await).await;
    let ids: Vec<FindingId> = theirs_only.items.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![theirs.id]);
    let none: FindingList = json_ok(list(&app, &bystander.access_token, &trip.id).await).await;
    assert!(none.items.is_empty());

    // Members may not move findings.
    let r = advance(
        &app,
        &author.access_token,
        &first.id,
        json!({"status": "forwarded", "department": "县水利局"}),
    )
    .await;
    expect_error(r, 403, "forbidden").await;
    // Skipping a step, or forwarding without a department, is refused.
    let r = advance(
        &app,
        &office,
        &first.id,
        json!({"status": "adopted", "response": "采纳"}),
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;
    let r = advance(&app, &office, &first.id, json!({"status": "submitted"})).await;
    expect_error(r, 409, "invalid_transition").await;
    let r = advance(&app, &office, &first.id, json!({"status": "forwarded"})).await;
    let e = expect_error(r, 422, "field_required").await;
    assert_eq!(e.field.as_deref(), Some("department"));
    let r = advance(
        &app,
        &office,
        &first.id,
        json!({"status": "forwarded", "department": "局".repeat(201)}),
    )
    .await;
    expect_error(r, 422, "field_too_long").await;

    let forwarded: Finding = json_ok(
        advance(
            &app,
            &office,
            &first.id,
            json!({"status": "forwarded", "department": "县水利局"}),
        )
        .await,
    )
    .await;
    assert_eq!(forwarded.status.as_str(), "forwarded");
    assert_eq!(forwarded.department.as_deref(), Some("县水利局"));
    assert_eq!(answered_messages(&app, &author.user.id).await, 0);
    let r = advance(
        &app,
        &office,
        &first.id,
        json!({"status": "forwarded", "department": "县卫健委"}),
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;
    // The answer needs the department's response.
    let r = advance(&app, &office, &first.id, json!({"status": "adopted"})).await;
    let e = expect_error(r, 422, "field_required").await;
    assert_eq!(e.field.as_deref(), Some("response"));
    let r = advance(
        &app,
        &office,
        &first.id,
        json!({"status": "answered", "response": " "}),
    )
    .await;
    expect_error(r, 422, "field_required").await;
    assert_eq!(answered_messages(&app, &author.user.id).await, 0);

    let adopted: Finding = json_ok(
        advance(
            &app,
            &office,
            &first.id,
            json!({"status": "adopted", "response": "已采纳，下季度起每季度抽检并公示。"}),
        )
        .await,
    )
    .await;
    assert_eq!(adopted.status.as_str(), "adopted");
    assert_eq!(adopted.department.as_deref(), Some("县水利局"));
    assert_eq!(
        adopted.response.as_deref(),
        Some("已采纳，下季度起每季度抽检并公示。")
    );
    assert_eq!(answered_messages(&app, &author.user.id).await, 1);
    // Adopted is final.
    for body in [
        json!({"status": "answered", "response": "再答复"}),
        json!({"status": "forwarded", "department": "县水利局"}),
        json!({"status": "submitted"}),
    ] {
        let r = advance(&app, &office, &first.id, body).await;
        expect_error(r, 409, "invalid_transition").await;
    }

    // The other member's finding is answered rather than adopted: they are told too.
    let admin = app.admin().await.access_token;
    json_ok::<Finding>(
        advance(
            &app,
            &admin,
            &theirs.id,
            json!({"status": "forwarded", "department": "县住建局"}),
        )
        .await,
    )
    .await;
    let answered: Finding = json_ok(
        advance(
            &app,
            &admin,
            &theirs.id,
            json!({"status": "answered", "response": "已列入明年改造计划。"}),
        )
        .await,
    )
    .await;
    assert_eq!(answered.status.as_str(), "answered");
    assert_eq!(answered_messages(&app, &other.user.id).await, 1);
    assert_eq!(answered_messages(&app, &author.user.id).await, 1);

    // The author sees the answer among their findings, newest first.
    let me: FindingList = json_ok(
        app.api(Method::GET, "/me/findings")
            .bearer_auth(&author.access_token)
            .send()
            .await
            .expect("my findings"),
    )
    .await;
    let ids: Vec<FindingId> = me.items.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![once.id, first.id, long.id]);
    let shown = &me.items[1];
    assert_eq!(shown.status.as_str(), "adopted");
    assert_eq!(shown.department.as_deref(), Some("县水利局"));
    assert_eq!(
        shown.response.as_deref(),
        Some("已采纳，下季度起每季度抽检并公示。")
    );
    let none: FindingList = json_ok(
        app.api(Method::GET, "/me/findings")
            .bearer_auth(&bystander.access_token)
            .send()
            .await
            .expect("my findings"),
    )
    .await;
    assert!(none.items.is_empty());

    // Unknown and malformed ids.
    let r = advance(
        &app,
        &office,
        &uuid::Uuid::now_v7().to_string(),
        json!({"status": "forwarded", "department": "县水利局"}),
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let r = advance(&app, &office, "not-an-id", json!({"status": "forwarded"})).await;
    let e = expect_error(r, 400, "invalid_parameter").await;
    assert_eq!(e.field.as_deref(), Some("id"));
    let r = advance(&app, &office, &first.id, json!({"status": "lost"})).await;
    expect_error(r, 400, "invalid_body").await;
}

async fn findings_are_refused_where_they_do_not_belong(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let member = app.account(Role::Member, "13900032001").await;
    let finding = json!({"title": "标题", "content": "内容"});

    // Not an inspection trip.
    let training = app
        .published_activity(&office, json!({"kind": "training"}), 2)
        .await;
    let outreach = app
        .published_activity(&office, json!({"kind": "outreach", "theme": "culture"}), 5)
        .await;
    for a in [&training, &outreach] {
        app.sign_up(&member.access_token, &a.id, None).await;
        let r = submit(&app, &member.access_token, &a.id, finding.clone()).await;
        expect_error(r, 409, "invalid_transition").await;
    }

    // A cancelled trip takes no more findings, even from those registered.
    let trip = app
        .published_activity(&office, json!({"kind": "inspection"}), 8)
        .await;
    app.sign_up(&member.access_token, &trip.id, None).await;
    let kept: Finding =
        json_ok(submit(&app, &member.access_token, &trip.id, finding.clone()).await).await;
    let r = app
        .api(Method::POST, &format!("/activities/{}/cancel", trip.id))
        .bearer_auth(&office)
        .json(&json!({}))
        .send()
        .await
        .expect("cancel");
    assert!(r.status().is_success());
    let r = submit(&app, &member.access_token, &trip.id, finding.clone()).await;
    expect_error(r, 409, "invalid_transition").await;

    // A draft is invisible to members.
    let draft = app
        .create_activity(
            &office,
            json!({
                "kind": "inspection", "title": "草稿", "capacity": 3,
                "starts_at": "2099-05-01T09:00:00+08:00", "ends_at": "2099-05-01T12:00:00+08:00",
            }),
        )
        .await;
    let r = submit(&app, &member.access_token, &draft.id, finding.clone()).await;
    expect_error(r, 404, "not_found").await;
    let r = list(&app, &member.access_token, &draft.id).await;
    expect_error(r, 404, "not_found").await;
    let r = submit(
        &app,
        &member.access_token,
        &uuid::Uuid::now_v7().to_string(),
        finding.clone(),
    )
    .await;
    expect_error(r, 404, "not_found").await;

    // Another committee's office sees none of it.
    let stranger = app
        .other_committee_organizer("13900032002")
        .await
        .access_token;
    let r = list(&app, &stranger, &trip.id).await;
    expect_error(r, 404, "not_found").await;
    let r = advance(
        &app,
        &stranger,
        &kept.id,
        json!({"status": "forwarded", "department": "外县水利局"}),
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let r = submit(&app, &stranger, &trip.id, finding.clone()).await;
    expect_error(r, 404, "not_found").await;
    let r = app
        .api(Method::GET, "/me/findings")
        .bearer_auth(&stranger)
        .send()
        .await
        .expect("their findings");
    assert!(json_ok::<FindingList>(r).await.items.is_empty());

    // Signed-out callers are turned away.
    let r = app
        .api(Method::GET, &format!("/activities/{}/findings", trip.id))
        .send()
        .await
        .expect("anonymous");
    expect_error(r, 401, "unauthorized").await;
}

async fn put_outcome(
    app: &TestApp,
    token: &str,
    activity_id: &ActivityId,
    body: &Value,
) -> Response {
    app.api(Method::PUT, &format!("/activities/{activity_id}/outcome"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("put outcome")
}

async fn get_outcome(app: &TestApp, token: &str, activity_id: &ActivityId) -> Response {
    app.api(Method::GET, &format!("/activities/{activity_id}/outcome"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get outcome")
}

async fn outcomes_are_validated_and_replaced(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app
        .account(Role::Organizer, "13900033001")
        .await
        .access_token;
    let member = app.account(Role::Member, "13900033002").await.access_token;
    let outreach = app
        .published_activity(
            &office,
            json!({"kind": "outreach", "theme": "health", "title": "送医下乡"}),
            3,
        )
        .await;
    let valid = json!({
        "people_served": 320,
        "consultations": 150,
        "materials_distributed": 500,
        "donated_value_yuan": 12800.5,
        "notes": "  在城关镇开展义诊。 ",
        "photo_urls": ["https://img.example.cn/a.jpg", "http://img.example.cn/b.jpg"],
    });

    // Nothing recorded yet.
    let r = get_outcome(&app, &member, &outreach.id).await;
    expect_error(r, 404, "not_found").await;
    // Only the office records.
    let r = put_outcome(&app, &member, &outreach.id, &valid).await;
    expect_error(r, 403, "forbidden").await;

    // Each rule, with the field at fault.
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let many: Vec<String> = (0..21)
        .map(|i| format!("https://img.example.cn/{i}.jpg"))
        .collect();
    for (body, code, field) in [
        (
            with("people_served", json!(-1)),
            "invalid_field",
            "people_served",
        ),
        (
            with("consultations", json!(-5)),
            "invalid_field",
            "consultations",
        ),
        (
            with("materials_distributed", json!(-1)),
            "invalid_field",
            "materials_distributed",
        ),
        (
            with("donated_value_yuan", json!(-0.01)),
            "invalid_field",
            "donated_value_yuan",
        ),
        (
            with("donated_value_yuan", json!(2e12)),
            "invalid_field",
            "donated_value_yuan",
        ),
        (
            with("notes", json!("记".repeat(5001))),
            "field_too_long",
            "notes",
        ),
        (
            with("photo_urls", json!(["ftp://img.example.cn/a.jpg"])),
            "invalid_field",
            "photo_urls",
        ),
        (
            with("photo_urls", json!(["javascript:alert(1)"])),
            "invalid_field",
            "photo_urls",
        ),
        (
            with("photo_urls", json!(many)),
            "invalid_field",
            "photo_urls",
        ),
    ] {
        let r = put_outcome(&app, &office, &outreach.id, &body).await;
        let e = expect_error(r, 422, code).await;
        assert_eq!(e.field.as_deref(), Some(field), "{body}");
    }
    let r = put_outcome(
        &app,
        &office,
        &outreach.id,
        &with("people_served", json!("many")),
    )
    .await;
    expect_error(r, 400, "invalid_body").await;
    let r = get_outcome(&app, &member, &outreach.id).await;
    expect_error(r, 404, "not_found").await;

    // Recorded, trimmed, and visible to members.
    let stored: Outcome = json_ok(put_outcome(&app, &office, &outreach.id, &valid).await).await;
    assert_eq!(stored.people_served, 320);
    assert_eq!(stored.notes, "在城关镇开展义诊。");
    assert_eq!(stored.photo_urls.len(), 2);
    let seen: Outcome = json_ok(get_outcome(&app, &member, &outreach.id).await).await;
    assert_eq!(seen.consultations, 150);
    assert_eq!(seen.materials_distributed, 500);
    assert_eq!(seen.donated_value_yuan, 12800.5);
    assert_eq!(seen.photo_urls, stored.photo_urls);

    // A second record replaces the first; limits are inclusive.
    let twenty: Vec<String> = (0..20)
        .map(|i| format!("https://img.example.cn/{i}.jpg"))
        .collect();
    let second = json!({
        "people_served": 0,
        "consultations": 0,
        "materials_distributed": 42,
        "donated_value_yuan": 0,
        "notes": "记".repeat(5000),
        "photo_urls": twenty,
    });
    json_ok::<Outcome>(put_outcome(&app, &office, &outreach.id, &second).await).await;
    let seen: Outcome = json_ok(get_outcome(&app, &office, &outreach.id).await).await;
    assert_eq!(seen.people_served, 0);
    assert_eq!(seen.materials_distributed, 42);
    assert_eq!(seen.donated_value_yuan, 0.0);
    assert_eq!(seen.notes.chars().count(), 5000);
    assert_eq!(seen.photo_urls.len(), 20);
    // Notes and photos may be left out.
    let bare = json!({"people_served": 7, "consultations": 1, "materials_distributed": 2, "donated_value_yuan": 3.25});
    json_ok::<Outcome>(put_outcome(&app, &office, &outreach.id, &bare).await).await;
    let seen: Outcome = json_ok(get_outcome(&app, &member, &outreach.id).await).await;
    assert_eq!(seen.people_served, 7);
    assert!(seen.notes.is_empty() && seen.photo_urls.is_empty());

    // Only outreach; not drafts or cancelled ones.
    let training = app
        .published_activity(&office, json!({"kind": "training"}), 30)
        .await;
    let r = put_outcome(&app, &office, &training.id, &valid).await;
    expect_error(r, 409, "invalid_transition").await;
    let r = get_outcome(&app, &member, &training.id).await;
    expect_error(r, 404, "not_found").await;
    let draft = app
        .create_activity(
            &office,
            json!({
                "kind": "outreach", "theme": "culture", "title": "送戏下乡", "capacity": 5,
                "starts_at": "2099-05-01T09:00:00+08:00", "ends_at": "2099-05-01T12:00:00+08:00",
            }),
        )
        .await;
    let r = put_outcome(&app, &office, &draft.id, &valid).await;
    expect_error(r, 409, "invalid_transition").await;
    let r = get_outcome(&app, &member, &draft.id).await;
    expect_error(r, 404, "not_found").await;
    let cancelled = app
        .published_activity(
            &office,
            json!({"kind": "outreach", "theme": "science_technology"}),
            40,
        )
        .await;
    app.api(
        Method::POST,
        &format!("/activities/{}/cancel", cancelled.id),
    )
    .bearer_auth(&office)
    .json(&json!({"reason": "天气原因"}))
    .send()
    .await
    .expect("cancel");
    let r = put_outcome(&app, &office, &cancelled.id, &valid).await;
    expect_error(r, 409, "invalid_transition").await;
    // A completed one takes its outcome after the day.
    app.clock.advance(chrono::Duration::hours(4));
    let r = app
        .api(
            Method::POST,
            &format!("/activities/{}/complete", outreach.id),
        )
        .bearer_auth(&office)
        .send()
        .await
        .expect("complete");
    assert!(r.status().is_success());
    json_ok::<Outcome>(put_outcome(&app, &office, &outreach.id, &valid).await).await;

    // Another committee's office: not found, and nothing changes.
    let stranger = app
        .other_committee_organizer("13900033003")
        .await
        .access_token;
    let r = put_outcome(&app, &stranger, &outreach.id, &second).await;
    expect_error(r, 404, "not_found").await;
    let r = get_outcome(&app, &stranger, &outreach.id).await;
    expect_error(r, 404, "not_found").await;
    let seen: Outcome = json_ok(get_outcome(&app, &office, &outreach.id).await).await;
    assert_eq!(seen.people_served, 320);
}
