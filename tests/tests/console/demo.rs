//! `serve --demo`'s committee: a believable year behind every screen,
//! loaded once however often the server starts.

use lvzhi_server::clock::Clock;
use lvzhi_server::demo;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, TestApp, json_ok, on_both_backends};
use reqwest::Method;

async fn the_demo_committee_has_a_year(b: Backend) {
    let app = TestApp::spawn(b).await;
    let now = app.clock.now_naive();
    let logins = demo::load(&app.state.db, &app.state.hasher, now)
        .await
        .expect("demo loads");
    let again = demo::load(&app.state.db, &app.state.hasher, now)
        .await
        .expect("demo loads again");
    assert_eq!(logins.organizer_id, again.organizer_id);

    let organizer = app
        .login(&logins.organizer_phone, &logins.organizer_password)
        .await;
    let from = (app.clock.now() - chrono::Duration::days(400)).to_rfc3339();
    let page: serde_json::Value = json_ok(
        app.api(Method::GET, "/activities")
            .bearer_auth(&organizer.access_token)
            .query(&[("from", from.as_str()), ("limit", "200")])
            .send()
            .await
            .expect("activities"),
    )
    .await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 11, "loaded once: {items:#?}");
    let count = |status: &str| items.iter().filter(|a| a["status"] == status).count();
    assert_eq!(count("completed"), 6);
    assert_eq!(count("cancelled"), 1);
    assert_eq!(count("draft"), 1);
    assert_eq!(count("published"), 3);
    assert!(
        items.iter().any(|a| a["waitlisted"].as_i64() > Some(0)),
        "a waitlist somewhere"
    );

    // Entered when the committee's term began, a year ago.
    let member: serde_json::Value = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(&organizer.access_token)
            .query(&[("q", logins.member_phone.as_str())])
            .send()
            .await
            .expect("member"),
    )
    .await;
    let entered = member["items"][0]["created_at"]
        .as_str()
        .expect("created_at");
    let entered = chrono::DateTime::parse_from_rfc3339(entered).expect("a time");
    assert!(
        entered < app.clock.now() - chrono::Duration::days(300),
        "{entered}"
    );

    let browser = Browser::new(&app);
    let signed_in = browser
        .sign_in(&logins.organizer_phone, &logins.organizer_password)
        .await;
    assert_eq!(signed_in.status, 303);
    let today = browser.get("/console/today").await;
    for text in [
        "学习贯彻全会精神专题培训",
        "文化惠民演出（城关镇）",
        "管护经费缺口较大",
        "培训地点调整",
        "尚未激活的账号",
    ] {
        assert!(today.body.contains(text), "工作台 lacks {text}");
    }

    // 社情民意 at every stage: one waiting, the year's first issue of two,
    // each forwarded and adopted, one with a 批示.
    let waiting = browser.get("/console/reports").await;
    assert!(
        waiting.body.contains("关于加快老旧小区加装电梯的建议"),
        "{}",
        waiting.body
    );
    let all = browser.get("/console/reports?tab=all").await;
    for text in ["已退回修改", "未采用", "已采编"] {
        assert!(all.body.contains(text), "全部 lacks {text}");
    }
    let accepted: lvzhi_shared::reports::ReportPage = json_ok(
        app.api(Method::GET, "/reports?status=accepted")
            .bearer_auth(&organizer.access_token)
            .send()
            .await
            .expect("accepted reports"),
    )
    .await;
    let levels: Vec<(Option<String>, bool, Option<i32>)> = accepted
        .items
        .iter()
        .map(|r| {
            (
                r.adopted_level.map(|l| l.as_str().to_owned()),
                r.instructed,
                r.issue.as_ref().map(|i| i.number),
            )
        })
        .collect();
    assert_eq!(levels.len(), 2, "{levels:?}");
    assert!(
        levels.contains(&(Some("county".into()), true, Some(1))),
        "{levels:?}"
    );
    assert!(
        levels.contains(&(Some("city".into()), false, Some(1))),
        "{levels:?}"
    );
}

on_both_backends!(the_demo_committee_has_a_year);
