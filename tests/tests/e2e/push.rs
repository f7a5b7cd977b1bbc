//! Push notifications through the API against a fake FCM over real HTTP:
//! devices and token moves, announcements and their audiences, the inbox,
//! automatic notices, quiet hours, reminders on an injected clock, retries,
//! pruning of dead tokens, and recovery after a stop in the middle of a fan-out.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{Datelike, TimeZone, Utc};
use diesel::prelude::*;
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::committees::Sector;
use lvzhi_shared::ids::{AnnouncementId, MemberId};
use lvzhi_shared::notifications::{
    Announcement, AnnouncementCreated, AnnouncementPage, NotificationPage,
};
use lvzhi_tests::fake_fcm::{FakeFcm, Received, Rule};
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    devices_move_between_members_and_leave_on_sign_out,
    announcements_reach_exactly_their_audience,
    the_inbox_keeps_everything_and_counts_reads,
    sign_up_changes_are_pushed_in_the_committee_language,
    quiet_hours_hold_non_urgent_pushes,
    a_retry_waits_out_quiet_hours,
    reminders_fire_before_the_start,
    fcm_errors_prune_retry_and_give_up,
    a_bare_not_found_from_fcm_prunes_the_phone,
    a_kill_in_the_middle_of_a_fan_out_loses_nothing,
    a_graceful_stop_finishes_the_batch_in_hand,
    two_servers_share_a_fan_out_without_sending_twice,
    without_fcm_notifications_wait_in_the_outbox,
);

/// How long to wait for pushes the worker should send promptly.
const PROMPTLY: Duration = Duration::from_secs(20);

/// A server whose push worker talks to `fake`, polling often.
async fn app_with(b: Backend, fake: &FakeFcm, dir: &tempfile::TempDir) -> TestApp {
    let credentials = fake.write_service_account(dir.path());
    let base = fake.base_url();
    TestApp::spawn_with(b, move |c| {
        c.push.credentials_file = Some(credentials.display().to_string());
        c.push.fcm_base_url = base;
        c.push.poll_millis = 20;
        c.push.max_attempts = 4;
        c.push.lease_seconds = 60;
    })
    .await
}

async fn register(app: &TestApp, who: &TokenPair, token: &str) {
    let resp = app
        .api(Method::POST, "/me/devices")
        .bearer_auth(&who.access_token)
        .json(&json!({"token": token, "platform": "android"}))
        .send()
        .await
        .expect("register device");
    let _: Value = json_ok(resp).await;
}

async fn announce(app: &TestApp, token: &str, body: Value) -> AnnouncementCreated {
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("announce");
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.expect("created")
}

fn to_committee(title: &str) -> Value {
    json!({"title": title, "body": "请按时参加。", "audience": {"kind": "committee"}})
}

async fn announcement(app: &TestApp, token: &str, id: &AnnouncementId) -> Announcement {
    json_ok(
        app.api(Method::GET, &format!("/announcements/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get announcement"),
    )
    .await
}

async fn inbox(app: &TestApp, who: &TokenPair) -> NotificationPage {
    json_ok(
        app.api(Method::GET, "/me/notifications")
            .bearer_auth(&who.access_token)
            .send()
            .await
            .expect("inbox"),
    )
    .await
}

/// Pushes received per device token, by title.
fn titles_by_token(received: &[Received]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in received {
        out.entry(r.token.clone())
            .or_default()
            .push(r.title.clone());
    }
    out
}

/// Waits until the announcement has no queued pushes left, and returns it.
async fn settled(app: &TestApp, token: &str, id: &AnnouncementId) -> Announcement {
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    loop {
        let a = announcement(app, token, id).await;
        if a.delivery.queued == 0 || tokio::time::Instant::now() > deadline {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn devices_move_between_members_and_leave_on_sign_out(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let alice = app.member_in("13900070001", None).await;
    let bob = app.member_in("13900070002", None).await;

    // One phone: Alice signs in first, then Bob on the same phone.
    register(&app, &alice, "shared-phone-token").await;
    register(&app, &bob, "shared-phone-token").await;
    // Registering again is harmless.
    register(&app, &bob, "shared-phone-token").await;
    let first = announce(&app, &office, to_committee("第一次通知")).await;
    let a = settled(&app, &office, &first.id).await;
    assert_eq!(
        (a.recipients, a.delivery.sent, a.delivery.no_device),
        (2, 1, 1)
    );
    let got = fake.received();
    assert_eq!(got.len(), 1, "one phone, one push: {got:?}");
    assert_eq!(got[0].token, "shared-phone-token");

    // Bob signs out: the phone gets nothing more.
    let resp = app
        .api(Method::POST, "/auth/logout")
        .json(&json!({"refresh_token": bob.refresh_token}))
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let second = announce(&app, &office, to_committee("第二次通知")).await;
    let a = settled(&app, &office, &second.id).await;
    assert_eq!((a.delivery.sent, a.delivery.no_device), (0, 2));

    // Alice registers her own phone, then removes it (twice: a retry).
    register(&app, &alice, "alice-phone").await;
    for _ in 0..2 {
        let resp = app
            .api(Method::DELETE, "/me/devices/alice-phone")
            .bearer_auth(&alice.access_token)
            .send()
            .await
            .expect("unregister");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    }
    let third = announce(&app, &office, to_committee("第三次通知")).await;
    let a = settled(&app, &office, &third.id).await;
    assert_eq!(a.delivery.no_device, 2);
    assert_eq!(
        fake.received().len(),
        1,
        "nothing after sign-out or removal"
    );

    // Bad tokens are refused with the field at fault.
    let resp = app
        .api(Method::POST, "/me/devices")
        .bearer_auth(&alice.access_token)
        .json(&json!({"token": "has spaces in it", "platform": "android"}))
        .send()
        .await
        .expect("bad token");
    let err = expect_error(resp, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("token"));
    let resp = app
        .api(Method::POST, "/me/devices")
        .bearer_auth(&alice.access_token)
        .json(&json!({"token": "t", "platform": "windows"}))
        .send()
        .await
        .expect("bad platform");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

async fn announcements_reach_exactly_their_audience(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let tech1 = app.member_in("13900071001", Some("科技界")).await;
    let tech2 = app.member_in("13900071002", Some("科技界")).await;
    let edu = app.member_in("13900071003", Some("教育界")).await;
    let none = app.member_in("13900071004", None).await;
    let everyone = [&tech1, &tech2, &edu, &none];
    for (i, m) in everyone.iter().enumerate() {
        register(&app, m, &format!("phone-{i}")).await;
    }
    let sectors: Vec<Sector> = json_ok(
        app.api(Method::GET, "/sectors")
            .bearer_auth(&office)
            .send()
            .await
            .expect("sectors"),
    )
    .await;
    let tech = sectors.iter().find(|s| s.name == "科技界").expect("科技界");

    // The whole committee: its four members (not the admin).
    let all = announce(&app, &office, to_committee("全体")).await;
    assert_eq!(all.recipients, 4);
    // A sector.
    let by_sector = announce(
        &app,
        &office,
        json!({"title": "界别", "body": "科技界委员", "audience": {"kind": "sectors", "sector_ids": [tech.id]}}),
    )
    .await;
    assert_eq!(by_sector.recipients, 2);
    // An activity's registered members, then with its waitlist.
    let activity = app
        .published_activity(&office, json!({"capacity": 1}), 48)
        .await;
    for m in [&tech1, &edu] {
        let _: Value = json_ok(app.sign_up(&m.access_token, &activity.id, None).await).await;
    }
    let registered = announce(
        &app,
        &office,
        json!({"title": "报名者", "body": "集合时间", "activity_id": activity.id,
               "audience": {"kind": "activity", "activity_id": activity.id}}),
    )
    .await;
    assert_eq!(registered.recipients, 1);
    let with_waitlist = announce(
        &app,
        &office,
        json!({"title": "报名者和候补", "body": "集合时间",
               "audience": {"kind": "activity", "activity_id": activity.id, "waitlisted": true}}),
    )
    .await;
    assert_eq!(with_waitlist.recipients, 2);
    // Named members.
    let named = announce(
        &app,
        &office,
        json!({"title": "点名", "body": "请回电", "audience": {"kind": "members", "member_ids": [none.user.id]}}),
    )
    .await;
    assert_eq!(named.recipients, 1);

    for id in [
        &all.id,
        &by_sector.id,
        &registered.id,
        &with_waitlist.id,
        &named.id,
    ] {
        let a = settled(&app, &office, id).await;
        assert_eq!(
            a.delivery.sent, a.recipients,
            "{}: {:?}",
            a.title, a.delivery
        );
    }
    let announced = |fake: &FakeFcm| -> Vec<Received> {
        fake.received()
            .into_iter()
            .filter(|r| r.data.get("event").map(String::as_str) == Some("announcement"))
            .collect()
    };
    let got = titles_by_token(&announced(&fake));
    let expect = |titles: &[&str]| {
        titles
            .iter()
            .map(|t| (*t).to_owned())
            .collect::<BTreeSet<_>>()
    };
    let set = |token: &str| {
        got.get(token)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        set("phone-0"),
        expect(&["全体", "界别", "报名者", "报名者和候补"])
    );
    assert_eq!(set("phone-1"), expect(&["全体", "界别"]));
    assert_eq!(set("phone-2"), expect(&["全体", "报名者和候补"]));
    assert_eq!(set("phone-3"), expect(&["全体", "点名"]));
    // The deep link travels in the push data.
    let linked = fake
        .received()
        .into_iter()
        .find(|r| r.title == "报名者")
        .expect("linked push");
    assert_eq!(
        linked.data.get("activity_id"),
        Some(&activity.id.to_string())
    );
    assert_eq!(
        linked.data.get("event").map(String::as_str),
        Some("announcement")
    );
    assert_eq!(
        linked.data.get("announcement_id"),
        Some(&registered.id.to_string())
    );

    // Refusals: members cannot announce; another committee cannot reach our
    // members or read our announcements; empty and unknown audiences.
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&tech1.access_token)
        .json(&to_committee("越权"))
        .send()
        .await
        .expect("member announces");
    expect_error(resp, 403, "forbidden").await;
    let other = app.other_committee_organizer("13900071999").await;
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&other.access_token)
        .json(&json!({"title": "越界", "body": "x", "audience": {"kind": "members", "member_ids": [tech1.user.id]}}))
        .send()
        .await
        .expect("foreign announce");
    let err = expect_error(resp, 422, "unknown_member").await;
    assert_eq!(err.field.as_deref(), Some("audience.member_ids"));
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&other.access_token)
        .json(&json!({"title": "越界", "body": "x", "audience": {"kind": "activity", "activity_id": activity.id}}))
        .send()
        .await
        .expect("foreign activity");
    expect_error(resp, 422, "invalid_field").await;
    let resp = app
        .api(Method::GET, &format!("/announcements/{}", all.id))
        .bearer_auth(&other.access_token)
        .send()
        .await
        .expect("foreign read");
    expect_error(resp, 404, "not_found").await;
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&other.access_token)
        .json(&to_committee("空"))
        .send()
        .await
        .expect("empty committee");
    expect_error(resp, 422, "no_recipients").await;
    let resp = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&office)
        .json(&json!({"title": "", "body": "x", "audience": {"kind": "committee"}}))
        .send()
        .await
        .expect("no title");
    let err = expect_error(resp, 422, "field_required").await;
    assert_eq!(err.field.as_deref(), Some("title"));
    // Nothing reached another committee's organizer, and nothing was doubled.
    assert_eq!(announced(&fake).len(), 4 + 2 + 1 + 2 + 1);
}

async fn the_inbox_keeps_everything_and_counts_reads(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let m1 = app.member_in("13900072001", None).await;
    let m2 = app.member_in("13900072002", None).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            announce(&app, &office, to_committee(&format!("通知{i}")))
                .await
                .id,
        );
    }
    let page = inbox(&app, &m1).await;
    assert_eq!(page.unread, 3);
    let titles: Vec<&str> = page.items.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["通知2", "通知1", "通知0"], "newest first");
    // Pages.
    let resp = app
        .api(Method::GET, "/me/notifications?limit=2")
        .bearer_auth(&m1.access_token)
        .send()
        .await
        .expect("page 1");
    let p1: NotificationPage = json_ok(resp).await;
    assert_eq!(p1.items.len(), 2);
    let cursor = p1.next_cursor.expect("more");
    let p2: NotificationPage = json_ok(
        app.api(
            Method::GET,
            &format!("/me/notifications?limit=2&cursor={cursor}"),
        )
        .bearer_auth(&m1.access_token)
        .send()
        .await
        .expect("page 2"),
    )
    .await;
    assert_eq!(p2.items.len(), 1);
    assert!(p2.next_cursor.is_none());

    // Read one (twice: harmless); the count and the announcement follow.
    let newest = &page.items[0];
    for _ in 0..2 {
        let resp = app
            .api(
                Method::POST,
                &format!("/me/notifications/{}/read", newest.id),
            )
            .bearer_auth(&m1.access_token)
            .send()
            .await
            .expect("read");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    }
    let count: Value = json_ok(
        app.api(Method::GET, "/me/notifications/unread-count")
            .bearer_auth(&m1.access_token)
            .send()
            .await
            .expect("count"),
    )
    .await;
    assert_eq!(count["unread"], 2);
    let unread_only: NotificationPage = json_ok(
        app.api(Method::GET, "/me/notifications?unread_only=true")
            .bearer_auth(&m1.access_token)
            .send()
            .await
            .expect("unread only"),
    )
    .await;
    assert_eq!(unread_only.items.len(), 2);
    assert!(unread_only.items.iter().all(|n| n.read_at.is_none()));
    let a = announcement(&app, &office, &ids[2]).await;
    assert_eq!((a.recipients, a.delivery.read), (2, 1));
    // The office's list: newest first, with the same counts, in pages.
    let page: AnnouncementPage = json_ok(
        app.api(Method::GET, "/announcements?limit=2")
            .bearer_auth(&office)
            .send()
            .await
            .expect("list"),
    )
    .await;
    let listed: Vec<(&str, i64)> = page
        .items
        .iter()
        .map(|a| (a.title.as_str(), a.delivery.read))
        .collect();
    assert_eq!(listed, [("通知2", 1), ("通知1", 0)]);
    let rest: AnnouncementPage = json_ok(
        app.api(
            Method::GET,
            &format!("/announcements?cursor={}", page.next_cursor.expect("more")),
        )
        .bearer_auth(&office)
        .send()
        .await
        .expect("list rest"),
    )
    .await;
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].title, "通知0");
    let resp = app
        .api(Method::GET, "/announcements")
        .bearer_auth(&m1.access_token)
        .send()
        .await
        .expect("member lists");
    expect_error(resp, 403, "forbidden").await;
    // Nobody has a phone: inbox only.
    let a = settled(&app, &office, &ids[2]).await;
    assert_eq!(a.delivery.no_device, 2);

    // Another member cannot read mine; ids must be ids.
    let resp = app
        .api(
            Method::POST,
            &format!("/me/notifications/{}/read", newest.id),
        )
        .bearer_auth(&m2.access_token)
        .send()
        .await
        .expect("foreign read");
    expect_error(resp, 404, "not_found").await;
    let resp = app
        .api(Method::POST, "/me/notifications/not-an-id/read")
        .bearer_auth(&m2.access_token)
        .send()
        .await
        .expect("bad id");
    expect_error(resp, 400, "invalid_parameter").await;
    assert_eq!(inbox(&app, &m2).await.unread, 3);
    let resp = app
        .api(Method::POST, "/me/notifications/read-all")
        .bearer_auth(&m2.access_token)
        .send()
        .await
        .expect("read all");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(inbox(&app, &m2).await.unread, 0);
    assert_eq!(inbox(&app, &m1).await.unread, 2, "only m2's were marked");
}

async fn sign_up_changes_are_pushed_in_the_committee_language(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let first = app.member_in("13900073001", None).await;
    let second = app.member_in("13900073002", None).await;
    register(&app, &first, "first-phone").await;
    register(&app, &second, "second-phone").await;
    let activity = app
        .published_activity(
            &office,
            json!({"capacity": 1, "title": "乡村医疗服务", "location": "城关镇卫生院"}),
            72,
        )
        .await;
    let _: Value = json_ok(app.sign_up(&first.access_token, &activity.id, None).await).await;
    let _: Value = json_ok(app.sign_up(&second.access_token, &activity.id, None).await).await;
    let got = fake.wait_for_received(2, PROMPTLY).await;
    let by_token = titles_by_token(&got);
    assert_eq!(by_token["first-phone"], ["报名成功：乡村医疗服务"]);
    assert_eq!(by_token["second-phone"], ["已进入候补：乡村医疗服务"]);
    let confirmed = got
        .iter()
        .find(|r| r.token == "first-phone")
        .expect("confirmed");
    assert!(
        confirmed.body.contains("城关镇卫生院"),
        "where: {}",
        confirmed.body
    );
    assert!(
        confirmed.body.contains("月") && confirmed.body.contains(':'),
        "when: {}",
        confirmed.body
    );
    assert_eq!(
        confirmed.data.get("event").map(String::as_str),
        Some("signup_confirmed")
    );

    // The first cancels: the second moves up and is told.
    let resp = app
        .api(
            Method::DELETE,
            &format!("/activities/{}/signups/me", activity.id),
        )
        .bearer_auth(&first.access_token)
        .send()
        .await
        .expect("cancel");
    assert!(resp.status().is_success());
    let got = fake.wait_for_received(3, PROMPTLY).await;
    assert_eq!(
        titles_by_token(&got)["second-phone"][1],
        "候补转正：乡村医疗服务"
    );

    // In English once the admin says so; a change of place reaches everyone signed up.
    let resp = app
        .api(Method::PATCH, "/committee")
        .bearer_auth(&office)
        .json(&json!({"language": "en"}))
        .send()
        .await
        .expect("language");
    let committee: Value = json_ok(resp).await;
    assert_eq!(committee["language"], "en");
    let resp = app
        .api(Method::PATCH, &format!("/activities/{}", activity.id))
        .bearer_auth(&office)
        .json(&json!({"location": "Town hall"}))
        .send()
        .await
        .expect("move");
    let _: Value = json_ok(resp).await;
    let got = fake.wait_for_received(4, PROMPTLY).await;
    let changed = got.last().expect("changed");
    assert_eq!(changed.token, "second-phone");
    assert_eq!(changed.title, "Changed: 乡村医疗服务");
    assert!(changed.body.contains("Town hall"), "{}", changed.body);
}

/// 2026-12-03 at this Beijing wall-clock time.
fn beijing(h: u32, m: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 12, 3, h, m, 0)
        .single()
        .expect("unambiguous")
        .with_timezone(&Utc)
}

/// Quiet hours from 22:00 to 07:00; the committee as answered.
async fn night_quiet(app: &TestApp, office: &str) -> Value {
    let resp = app
        .api(Method::PATCH, "/committee")
        .bearer_auth(office)
        .json(&json!({"quiet_hours_start": "22:00", "quiet_hours_end": "07:00"}))
        .send()
        .await
        .expect("quiet hours");
    json_ok(resp).await
}

async fn quiet_hours_hold_non_urgent_pushes(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let m = app.member_in("13900074001", None).await;
    register(&app, &m, "night-phone").await;
    let c = night_quiet(&app, &office).await;
    assert_eq!(
        (
            c["quiet_hours_start"].as_str(),
            c["quiet_hours_end"].as_str()
        ),
        (Some("22:00"), Some("07:00"))
    );
    // Half-set quiet hours are refused with the missing field.
    let resp = app
        .api(Method::PATCH, "/committee")
        .bearer_auth(&office)
        .json(&json!({"quiet_hours_start": "23:00"}))
        .send()
        .await
        .expect("half");
    let err = expect_error(resp, 422, "field_required").await;
    assert_eq!(err.field.as_deref(), Some("quiet_hours_end"));
    let resp = app
        .api(Method::PATCH, "/committee")
        .bearer_auth(&office)
        .json(&json!({"quiet_hours_start": "25:00", "quiet_hours_end": "07:00"}))
        .send()
        .await
        .expect("bad time");
    let err = expect_error(resp, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("quiet_hours_start"));

    app.clock.set(beijing(23, 0));
    let office = app.admin().await.access_token;
    let m = app.sign_in_again(&m).await;
    let calm = announce(&app, &office, to_committee("明日学习安排")).await;
    let urgent = announce(
        &app,
        &office,
        json!({"title": "紧急通知", "body": "明早活动取消", "audience": {"kind": "committee"}, "urgent": true}),
    )
    .await;
    // The urgent one goes at once; that the worker has run since proves the
    // other was held, not merely slow.
    let got = fake.wait_for_received(1, PROMPTLY).await;
    assert_eq!(
        got.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["紧急通知"]
    );
    assert_eq!(settled(&app, &office, &urgent.id).await.delivery.sent, 1);
    let held = announcement(&app, &office, &calm.id).await;
    assert_eq!(held.delivery.queued, 1);
    // The inbox has both already.
    assert_eq!(inbox(&app, &m).await.unread, 2);

    app.clock.set(beijing(6, 59) + chrono::Duration::days(1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.received().len(), 1, "still quiet at 06:59");
    app.clock.set(beijing(7, 0) + chrono::Duration::days(1));
    let got = fake.wait_for_received(2, PROMPTLY).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].title, "明日学习安排");
}

/// A push that FCM turns away just before quiet hours is retried when they
/// end, not in the middle of the night.
async fn a_retry_waits_out_quiet_hours(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let m = app.member_in("13900074101", None).await;
    register(&app, &m, "bedside-phone").await;
    night_quiet(&app, &office).await;
    // FCM asks for two minutes' patience: the retry would fall at 22:01.
    fake.set_rule(
        "bedside-phone",
        Rule::RateLimited {
            times: 1,
            retry_after_secs: 120,
        },
    );
    app.clock.set(beijing(21, 59));
    let office = app.admin().await.access_token;
    announce(&app, &office, to_committee("明日视察安排")).await;
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    while fake.attempts().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.attempts().len(), 1, "the first try was turned away");

    app.clock.set(beijing(22, 5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.clock.set(beijing(3, 0) + chrono::Duration::days(1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.attempts().len(), 1, "no retry during quiet hours");
    assert!(fake.received().is_empty());

    app.clock.set(beijing(7, 0) + chrono::Duration::days(1));
    let got = fake.wait_for_received(1, PROMPTLY).await;
    assert_eq!(got[0].title, "明日视察安排");
}

async fn reminders_fire_before_the_start(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let m = app.member_in("13900075001", None).await;
    let late = app.member_in("13900075002", None).await;
    register(&app, &m, "reminded-phone").await;
    register(&app, &late, "custom-phone").await;
    let start = app.clock.now_utc() + chrono::Duration::hours(30);
    let default = app
        .published_activity(&office, json!({"title": "政策解读"}), 30)
        .await;
    // One of its own: a single reminder 30 minutes before.
    let custom = app
        .published_activity(
            &office,
            json!({"title": "实地视察", "reminder_minutes": [30]}),
            30,
        )
        .await;
    assert_eq!(custom.reminder_minutes, Some(vec![30]));
    let _: Value = json_ok(app.sign_up(&m.access_token, &default.id, None).await).await;
    let _: Value = json_ok(app.sign_up(&late.access_token, &custom.id, None).await).await;
    let confirmations = fake.wait_for_received(2, PROMPTLY).await.len();
    assert_eq!(confirmations, 2);

    let reminders = |fake: &FakeFcm| -> Vec<Received> {
        fake.received()
            .into_iter()
            .filter(|r| r.data.get("event").map(String::as_str) == Some("reminder"))
            .collect()
    };
    app.clock.set(start - chrono::Duration::hours(25));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(reminders(&fake).is_empty(), "too early");

    app.clock.set(start - chrono::Duration::hours(24));
    let got = fake.wait_for_received(3, PROMPTLY).await;
    let first = got.last().expect("first reminder");
    assert_eq!(
        (first.token.as_str(), first.title.as_str()),
        ("reminded-phone", "活动提醒：政策解读")
    );
    assert!(first.body.starts_with("1天后开始"), "{}", first.body);

    app.clock.set(start - chrono::Duration::hours(2));
    let got = fake.wait_for_received(4, PROMPTLY).await;
    assert!(got.last().expect("second").body.starts_with("2小时后开始"));

    app.clock.set(start - chrono::Duration::minutes(30));
    let got = fake.wait_for_received(5, PROMPTLY).await;
    let custom_reminder = got.last().expect("custom");
    assert_eq!(custom_reminder.token, "custom-phone");
    assert!(
        custom_reminder.body.starts_with("30分钟后开始"),
        "{}",
        custom_reminder.body
    );

    // Each once, even after a restart.
    let mut app = app;
    app.restart_with(|_| {}).await;
    app.clock.set(start - chrono::Duration::minutes(10));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = reminders(&fake);
    assert_eq!(sent.len(), 3, "{sent:?}");

    // Invalid reminder lists are refused.
    let office = app.admin().await.access_token;
    let resp = app
        .api(Method::PATCH, &format!("/activities/{}", default.id))
        .bearer_auth(&office)
        .json(&json!({"reminder_minutes": [0]}))
        .send()
        .await
        .expect("bad reminders");
    let err = expect_error(resp, 422, "invalid_field").await;
    assert_eq!(err.field.as_deref(), Some("reminder_minutes"));
}

async fn fcm_errors_prune_retry_and_give_up(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let members = app.members("13900076", 5).await;
    let tokens = ["gone", "throttled", "flaky", "broken", "fine"];
    for (m, t) in members.iter().zip(tokens) {
        register(&app, m, t).await;
    }
    fake.set_rule("gone", Rule::Unregistered);
    fake.set_rule(
        "throttled",
        Rule::RateLimited {
            times: 1,
            retry_after_secs: 30,
        },
    );
    fake.set_rule("flaky", Rule::Unavailable { times: 2 });
    fake.set_rule("broken", Rule::Unavailable { times: 1000 });

    let first = announce(&app, &office, to_committee("第一轮")).await;
    let got = fake.wait_for_received(1, PROMPTLY).await;
    assert_eq!(got[0].token, "fine");
    // Walk the clock through the retries (backoff 10 s, 20 s, 40 s … with
    // jitter, at least the 30 s FCM asked for).
    for _ in 0..12 {
        app.clock.advance(chrono::Duration::seconds(90));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let a = settled(&app, &office, &first.id).await;
    assert_eq!(
        (a.delivery.sent, a.delivery.failed, a.delivery.queued),
        (3, 2, 0),
        "{:?}",
        a.delivery
    );
    let got: BTreeSet<String> = fake.received().into_iter().map(|r| r.token).collect();
    assert_eq!(got, ["fine", "flaky", "throttled"].map(String::from).into());
    let attempts = |token: &str| fake.attempts().iter().filter(|a| a.token == token).count();
    assert_eq!(attempts("gone"), 1, "a dead token is not retried");
    assert_eq!(attempts("throttled"), 2);
    assert_eq!(attempts("flaky"), 3);
    assert_eq!(attempts("broken"), 4, "gives up after max_attempts");

    // Why each failed is kept.
    let id = first.id;
    let errors: Vec<Option<String>> = app
        .state
        .db
        .run(move |conn| {
            use lvzhi_server::db::schema::outbox::dsl;
            Ok(dsl::outbox
                .filter(dsl::announcement_id.eq(id))
                .filter(dsl::push_state.eq("failed"))
                .select(dsl::last_error)
                .load(conn)?)
        })
        .await
        .expect("errors");
    let errors: BTreeSet<String> = errors.into_iter().flatten().collect();
    assert!(errors.contains("UNREGISTERED"), "{errors:?}");
    assert_eq!(errors.len(), 2, "{errors:?}");

    // The dead token is pruned: the next announcement does not try it.
    // An expired OAuth token is refreshed once, transparently.
    let before = fake.token_requests();
    fake.expire_access_tokens();
    let second = announce(&app, &office, to_committee("第二轮")).await;
    // "broken" keeps failing (and waits for its backoff); the rest settle now.
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    let a = loop {
        let a = announcement(&app, &office, &second.id).await;
        if (a.delivery.sent, a.delivery.no_device) == (3, 1)
            || tokio::time::Instant::now() > deadline
        {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(
        (a.delivery.sent, a.delivery.no_device, a.delivery.queued),
        (3, 1, 1),
        "{:?}",
        a.delivery
    );
    assert_eq!(attempts("gone"), 1, "the dead token is not tried again");
    assert_eq!(
        fake.token_requests(),
        before + 1,
        "one refresh after the 401"
    );
    assert!(
        fake.received()
            .iter()
            .any(|r| r.token == "fine" && r.title == "第二轮")
    );
}

/// FCM may answer a dead token with a bare 404 NOT_FOUND (no FcmError
/// detail); the Admin SDKs call that unregistered, and so do we: the phone
/// is disabled and not tried again.
async fn a_bare_not_found_from_fcm_prunes_the_phone(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    let members = app.members("13900078", 2).await;
    register(&app, &members[0], "gone-quietly").await;
    register(&app, &members[1], "fine").await;
    fake.set_rule("gone-quietly", Rule::NotFound);
    let first = announce(&app, &office, to_committee("第一轮")).await;
    fake.wait_for_received(1, PROMPTLY).await;
    let a = settled(&app, &office, &first.id).await;
    assert_eq!(
        (a.delivery.sent, a.delivery.failed, a.delivery.queued),
        (1, 1, 0),
        "{:?}",
        a.delivery
    );
    let second = announce(&app, &office, to_committee("第二轮")).await;
    fake.wait_for_received(2, PROMPTLY).await;
    let a = settled(&app, &office, &second.id).await;
    assert_eq!(
        (a.delivery.sent, a.delivery.no_device, a.delivery.failed),
        (1, 1, 0),
        "{:?}",
        a.delivery
    );
    let tries = fake
        .attempts()
        .iter()
        .filter(|t| t.token == "gone-quietly")
        .count();
    assert_eq!(tries, 1, "the dead phone is not tried again");
}

async fn a_kill_in_the_middle_of_a_fan_out_loses_nothing(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    // 40 members with a phone each, made in-process (40 sign-ins would only cost time).
    let ids = in_process_members(&app, 40).await;
    fake.hold();
    let sent = announce(&app, &office, to_committee("大会通知")).await;
    assert_eq!(sent.recipients, 40);
    // Wait until the worker is blocked mid-fan-out, then stop the server.
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    while fake.attempts().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(fake.received().is_empty());
    app.kill().await;
    fake.release();

    app.restart_with(|_| {}).await;
    // The dead worker's claims expire after the lease; then all go out.
    app.clock.advance(chrono::Duration::seconds(61));
    let a = settled(&app, &office, &sent.id).await;
    assert_eq!(a.delivery.sent, 40, "{:?}", a.delivery);
    let reached: BTreeSet<String> = fake.received().into_iter().map(|r| r.token).collect();
    let expected: BTreeSet<String> = ids.iter().map(|id| format!("tok-{id}")).collect();
    assert_eq!(reached, expected, "every member's phone got it");
}

async fn a_graceful_stop_finishes_the_batch_in_hand(b: Backend) {
    let fake = std::sync::Arc::new(FakeFcm::start().await);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = app_with(b, &fake, &dir).await;
    let office = app.admin().await.access_token;
    in_process_members(&app, 30).await;
    fake.hold();
    let sent = announce(&app, &office, to_committee("停机前")).await;
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    while fake.held_requests() < 30 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Stop while FCM is slow; FCM answers a moment later, within the grace.
    let releaser = {
        let fake = fake.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            fake.release();
        })
    };
    app.stop().await;
    releaser.await.expect("release");
    assert_eq!(fake.received().len(), 30);
    // The stopped server recorded what it sent: after a restart (even past
    // the lease) nothing goes twice.
    app.restart_with(|_| {}).await;
    app.clock.advance(chrono::Duration::seconds(61));
    let a = settled(&app, &office, &sent.id).await;
    assert_eq!(a.delivery.sent, 30, "{:?}", a.delivery);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.received().len(), 30, "nothing sent twice");
}

async fn two_servers_share_a_fan_out_without_sending_twice(b: Backend) {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let credentials = fake.write_service_account(dir.path());
    let base = fake.base_url();
    let app = TestApp::spawn_with(b, move |c| {
        c.push.credentials_file = Some(credentials.display().to_string());
        c.push.fcm_base_url = base;
        c.push.poll_millis = 20;
        c.push.batch_size = 20;
    })
    .await;
    let second = lvzhi_server::Application::build_with_clock(app.config.clone(), app.clock.clone())
        .await
        .expect("second server");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let office = app.admin().await.access_token;
    let ids = in_process_members(&app, 100).await;
    // Hold FCM until both workers hold all the batches they may (two of 20
    // each): 80 requests wait, 20 from each batch.
    fake.hold();
    let sent = announce(&app, &office, to_committee("两台服务器")).await;
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    while fake.held_requests() < 80 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        fake.held_requests(),
        80,
        "each server holds two batches of 20"
    );
    fake.release();
    let a = settled(&app, &office, &sent.id).await;
    assert_eq!(a.delivery.sent, 100, "{:?}", a.delivery);
    let mut per_token: BTreeMap<String, usize> = BTreeMap::new();
    for r in fake.received() {
        *per_token.entry(r.token).or_default() += 1;
    }
    let expected: BTreeSet<String> = ids.iter().map(|id| format!("tok-{id}")).collect();
    assert_eq!(per_token.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let doubled: Vec<_> = per_token.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "sent twice: {doubled:?}");
    let _ = stop.send(());
    let _ = server.await;
}

/// `count` members, each with a registered phone `tok-{id}`, inserted directly.
async fn in_process_members(app: &TestApp, count: usize) -> Vec<MemberId> {
    use lvzhi_server::db::schema::{committees, devices};
    use lvzhi_server::domain::accounts::members;
    use lvzhi_shared::ids::{CommitteeId, SessionId};
    use lvzhi_shared::members::{NewMember, Role};
    let now = app.clock.now_utc().naive_utc();
    app.state
        .db
        .write(move |conn| {
            let committee: CommitteeId = committees::table.select(committees::id).first(conn)?;
            let mut ids = Vec::new();
            for i in 0..count {
                let input = NewMember {
                    name: format!("委员{}", lvzhi_tests::chinese_digits(&format!("{i:03}"))),
                    phone: format!("13700{i:06}"),
                    ..NewMember::default()
                };
                let fields = members::MemberFields::parse(&input, now.year())
                    .map_err(lvzhi_server::error::AppError::from)?;
                let ((user, _), _) =
                    members::create(conn, committee, fields, Role::Member, 1, now)?;
                diesel::insert_into(devices::table)
                    .values((
                        devices::token.eq(format!("tok-{}", user.id)),
                        devices::user_id.eq(user.id),
                        devices::session_id.eq(SessionId::new_v7()),
                        devices::platform.eq("android"),
                        devices::created_at.eq(now),
                        devices::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                ids.push(user.id);
            }
            Ok(ids)
        })
        .await
        .expect("members")
}

async fn without_fcm_notifications_wait_in_the_outbox(b: Backend) {
    let mut app = TestApp::spawn_with(b, |c| c.push.poll_millis = 20).await;
    let office = app.admin().await.access_token;
    let m = app.member_in("13900077001", None).await;
    register(&app, &m, "waiting-phone").await;
    let sent = announce(&app, &office, to_committee("暂存通知")).await;
    assert_eq!(inbox(&app, &m).await.unread, 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        announcement(&app, &office, &sent.id).await.delivery.queued,
        1
    );

    // Configure FCM and restart: what waited goes out.
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let credentials = fake.write_service_account(dir.path());
    let base = fake.base_url();
    app.restart_with(move |c| {
        c.push.credentials_file = Some(credentials.display().to_string());
        c.push.fcm_base_url = base;
    })
    .await;
    let got = fake.wait_for_received(1, PROMPTLY).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].token.as_str(), got[0].title.as_str()),
        ("waiting-phone", "暂存通知")
    );
}
