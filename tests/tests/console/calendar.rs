//! 月历 in the console: a month's activities on the days they start in the
//! committee's time zone (not UTC's), with the months around it; on both
//! backends.

use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, on_both_backends};
use serde_json::json;

async fn a_month_on_the_wall(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app
        .account(Role::Organizer, "13900090001")
        .await
        .access_token;
    for (title, starts, ends) in [
        (
            "五月最后一晚的座谈",
            "2030-05-31T23:30:00+08:00",
            "2030-06-01T01:00:00+08:00",
        ),
        (
            "六月第一场培训",
            "2030-06-01T00:30:00+08:00",
            "2030-06-01T02:00:00+08:00",
        ),
        (
            "五月中旬视察",
            "2030-05-15T09:00:00+08:00",
            "2030-05-15T12:00:00+08:00",
        ),
    ] {
        app.create_activity(
            &office,
            json!({"kind": "training", "title": title, "capacity": 5, "starts_at": starts, "ends_at": ends}),
        )
        .await;
    }
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in("13900090001", MEMBER_PASSWORD).await.status,
        303
    );

    let may = browser
        .get("/console/activities/calendar?month=2030-05")
        .await;
    assert_eq!(may.status, 200);
    let body = &may.body;
    assert!(
        body.contains("<strong>2030年5月</strong>（2 项活动）"),
        "{body}"
    );
    assert!(body.contains("五月最后一晚的座谈") && body.contains("五月中旬视察"));
    assert!(
        !body.contains("六月第一场培训"),
        "00:30 on 1 June is June's"
    );
    // 1 May 2030 is a Wednesday: two blank days, then the 1st; the 31st is a Friday.
    assert!(body.contains("<span class=\"day\">31</span>\n          <ul><li><span class=\"tag\">学习培训</span> 23:30"), "{body}");
    assert!(body.contains(r#"href="/console/activities/calendar?month=2030-04">‹ 上个月</a>"#));
    assert!(body.contains(r#"href="/console/activities/calendar?month=2030-06">下个月 ›</a>"#));
    let june = browser
        .get("/console/activities/calendar?month=2030-06")
        .await;
    assert!(june.body.contains("（1 项活动）") && june.body.contains("六月第一场培训"));
    let december = browser
        .get("/console/activities/calendar?month=2030-12")
        .await;
    assert!(
        december.body.contains(r#"month=2031-01">下个月"#),
        "the year turns"
    );
    // Not a month: this month, not an error.
    let odd = browser
        .get("/console/activities/calendar?month=2030-13")
        .await;
    assert_eq!(odd.status, 200);
    assert!(
        odd.body.contains(r#"aria-current="date""#),
        "today is marked"
    );
}

on_both_backends!(a_month_on_the_wall);
