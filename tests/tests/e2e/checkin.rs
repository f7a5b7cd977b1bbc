//! Check-in with rotating codes, and attendance marked in bulk.

use lvzhi_shared::activities::{Activity, AttendanceResult, CheckinCode, CheckinResult};
use lvzhi_shared::ids::ActivityId;
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    checkin_codes_rotate_and_bind_to_one_activity,
    typed_digits_check_in_too,
    office_marks_attendance_in_bulk
);

async fn code(app: &TestApp, office: &str, id: &ActivityId) -> CheckinCode {
    json_ok(
        app.api(Method::GET, &format!("/activities/{id}/checkin-code"))
            .bearer_auth(office)
            .send()
            .await
            .expect("code"),
    )
    .await
}

async fn checkin_codes_rotate_and_bind_to_one_activity(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 2}), 2)
        .await;
    let other = app
        .published_activity(&office, json!({"capacity": 2}), 2)
        .await;
    let ms = app.members("13900029", 4).await;
    for m in &ms[..3] {
        app.sign_up(&m.access_token, &a.id, None).await;
    }
    let check_in = |token: &str, id: &ActivityId, code: &str, key: Option<&str>| {
        let mut req = app
            .api(Method::POST, &format!("/activities/{id}/checkins"))
            .bearer_auth(token)
            .json(&json!({"code": code}));
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        req.send()
    };
    // Too early: check-in opens an hour before the start.
    let early = code(&app, &office, &a.id).await;
    expect_error(
        check_in(&ms[0].access_token, &a.id, &early.code, None)
            .await
            .expect("send"),
        422,
        "checkin_not_open",
    )
    .await;

    app.clock.advance(chrono::Duration::minutes(90));
    let now = code(&app, &office, &a.id).await;
    assert_eq!(now.period_seconds, 45);
    assert_ne!(now.code, early.code, "the code rotates");
    let ok: CheckinResult = json_ok(
        check_in(&ms[0].access_token, &a.id, &now.code, Some("scan-1"))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(ok.activity_id, a.id);
    // The phone retries the same scan: same answer. A second scan without the key: refused.
    let again: CheckinResult = json_ok(
        check_in(&ms[0].access_token, &a.id, &now.code, Some("scan-1"))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(again.checked_in_at, ok.checked_in_at);
    expect_error(
        check_in(&ms[0].access_token, &a.id, &now.code, None)
            .await
            .expect("send"),
        409,
        "already_checked_in",
    )
    .await;
    // Another activity's code, a made-up code, and a waitlisted member.
    let foreign = code(&app, &office, &other.id).await;
    expect_error(
        check_in(&ms[1].access_token, &a.id, &foreign.code, None)
            .await
            .expect("send"),
        422,
        "checkin_code_foreign",
    )
    .await;
    let forged = format!(
        "{}.{}",
        now.code.rsplit_once('.').expect("parts").0,
        "0123456789abcdef"
    );
    expect_error(
        check_in(&ms[1].access_token, &a.id, &forged, None)
            .await
            .expect("send"),
        422,
        "checkin_code_invalid",
    )
    .await;
    expect_error(
        check_in(&ms[1].access_token, &a.id, "hello", None)
            .await
            .expect("send"),
        422,
        "checkin_code_invalid",
    )
    .await;
    expect_error(
        check_in(&ms[2].access_token, &a.id, &now.code, None)
            .await
            .expect("send"),
        409,
        "not_signed_up",
    )
    .await;
    expect_error(
        check_in(&ms[3].access_token, &a.id, &now.code, None)
            .await
            .expect("send"),
        409,
        "not_signed_up",
    )
    .await;
    // The code shown a period ago still works (a scan as it changed); two periods ago it has expired.
    app.clock.advance(chrono::Duration::seconds(45));
    json_ok::<CheckinResult>(
        check_in(&ms[1].access_token, &a.id, &now.code, None)
            .await
            .expect("send"),
    )
    .await;
    app.clock.advance(chrono::Duration::seconds(90));
    let stale = now.code.clone();
    let r = check_in(&ms[2].access_token, &a.id, &stale, None)
        .await
        .expect("send");
    expect_error(r, 422, "checkin_code_expired").await;
    let detail: Activity = json_ok(
        app.api(Method::GET, &format!("/activities/{}", a.id))
            .bearer_auth(&ms[0].access_token)
            .send()
            .await
            .expect("get"),
    )
    .await;
    let mine = detail.my_signup.expect("signed up");
    assert!(mine.checked_in_at.is_some());
    assert_eq!(
        mine.attendance,
        Some(lvzhi_shared::activities::Attendance::Attended)
    );
    // Members may not see the code.
    let r = app
        .api(Method::GET, &format!("/activities/{}/checkin-code", a.id))
        .bearer_auth(&ms[0].access_token)
        .send()
        .await
        .expect("code");
    expect_error(r, 403, "forbidden").await;
}

/// Members without a camera type the six digits shown beside the QR code.
async fn typed_digits_check_in_too(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 3}), 1)
        .await;
    let other = app
        .published_activity(&office, json!({"capacity": 3}), 1)
        .await;
    let ms = app.members("13900028", 3).await;
    for m in &ms {
        app.sign_up(&m.access_token, &a.id, None).await;
    }
    app.clock.advance(chrono::Duration::minutes(30));
    let check_in = |token: &str, code: &str| {
        app.api(Method::POST, &format!("/activities/{}/checkins", a.id))
            .bearer_auth(token)
            .json(&json!({"code": code}))
            .send()
    };
    let shown = code(&app, &office, &a.id).await;
    assert_eq!(shown.digits.len(), 6);
    assert!(shown.digits.bytes().all(|b| b.is_ascii_digit()));
    let theirs = code(&app, &office, &other.id).await;
    for wrong in [
        format!(
            "{:06}",
            (shown.digits.parse::<u32>().expect("digits") + 1) % 1_000_000
        ),
        theirs.digits.clone(),
        "12345".to_owned(),
    ] {
        if wrong == shown.digits {
            continue;
        }
        let r = check_in(&ms[0].access_token, &wrong).await.expect("send");
        expect_error(r, 422, "checkin_code_invalid").await;
    }
    json_ok::<CheckinResult>(
        check_in(&ms[0].access_token, &shown.digits)
            .await
            .expect("send"),
    )
    .await;
    // The digits shown a period ago still work; two periods ago they do not.
    app.clock.advance(chrono::Duration::seconds(45));
    json_ok::<CheckinResult>(
        check_in(&ms[1].access_token, &shown.digits)
            .await
            .expect("send"),
    )
    .await;
    app.clock.advance(chrono::Duration::seconds(90));
    let r = check_in(&ms[2].access_token, &shown.digits)
        .await
        .expect("send");
    expect_error(r, 422, "checkin_code_invalid").await;
}

async fn office_marks_attendance_in_bulk(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app
        .published_activity(&office, json!({"capacity": 3, "study_hours": 2.5}), 1)
        .await;
    let ms = app.members("13900030", 4).await;
    for m in &ms[..3] {
        app.sign_up(&m.access_token, &a.id, None).await;
    }
    let early = app
        .api(Method::PUT, &format!("/activities/{}/attendance", a.id))
        .bearer_auth(&office)
        .json(&json!({"entries": [{"member_id": ms[0].user.id, "attendance": "attended"}]}))
        .send()
        .await
        .expect("mark");
    expect_error(early, 409, "invalid_transition").await;
    app.clock.advance(chrono::Duration::minutes(70));
    // Once started, a member can no longer withdraw (the record would vanish).
    let r = app
        .api(Method::DELETE, &format!("/activities/{}/signups/me", a.id))
        .bearer_auth(&ms[1].access_token)
        .send()
        .await
        .expect("withdraw");
    expect_error(r, 409, "invalid_transition").await;
    let mark = |entries: serde_json::Value| {
        app.api(Method::PUT, &format!("/activities/{}/attendance", a.id))
            .bearer_auth(&office)
            .json(&json!({"entries": entries}))
            .send()
    };
    let r: AttendanceResult = json_ok(
        mark(json!([
            {"member_id": ms[0].user.id, "attendance": "attended"},
            {"member_id": ms[1].user.id, "attendance": "absent"},
            {"member_id": ms[2].user.id, "attendance": "excused"},
        ]))
        .await
        .expect("mark"),
    )
    .await;
    assert_eq!(r.updated, 3);
    // Someone not registered: refused, and nothing of the batch is kept.
    let r = mark(json!([
        {"member_id": ms[0].user.id, "attendance": "absent"},
        {"member_id": ms[3].user.id, "attendance": "attended"},
    ]))
    .await
    .expect("mark");
    expect_error(r, 409, "not_signed_up").await;
    let r = mark(json!([{"member_id": ms[0].user.id, "attendance": "sleeping"}]))
        .await
        .expect("mark");
    expect_error(r, 400, "invalid_body").await;
    let roster = app.roster(&office, a.id).await;
    let marks: Vec<Option<&str>> = roster
        .items
        .iter()
        .map(|e| e.attendance.map(|a| a.as_str()))
        .collect();
    assert_eq!(
        marks,
        vec![Some("attended"), Some("absent"), Some("excused")]
    );
}
