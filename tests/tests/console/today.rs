//! 工作台: what it shows, only of the clerk's own committee, and names that
//! hold markup shown as text.

use lvzhi_shared::members::{NewMember, Role};
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::json;

async fn the_day_at_a_glance(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app
        .account(Role::Organizer, "13900071001")
        .await
        .access_token;
    // A hostile title: it must show as text, never run.
    let title = r#"<script>alert("x")</script>乡村"医生"培训"#;
    let trip = app
        .published_activity(
            &office,
            json!({"kind": "inspection", "title": title, "capacity": 2, "location": "城关镇卫生院"}),
            30,
        )
        .await;
    let members = [
        app.account(Role::Member, "13900071002").await,
        app.account(Role::Member, "13900071003").await,
        app.account(Role::Member, "13900071004").await,
    ];
    for m in &members {
        assert!(
            app.sign_up(&m.access_token, &trip.id, None)
                .await
                .status()
                .is_success()
        );
    }
    let r = app
        .api(Method::POST, &format!("/activities/{}/findings", trip.id))
        .bearer_auth(&members[0].access_token)
        .json(&json!({"title": "卫生院缺少全科医生", "content": "建议定向培养。"}))
        .send()
        .await
        .expect("finding");
    assert_eq!(r.status(), 201);
    let r = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&office)
        .json(&json!({"title": "视察通知", "body": "请按时集合。", "audience": {"kind": "committee"}, "urgent": true}))
        .send()
        .await
        .expect("announce");
    assert_eq!(r.status(), 201);
    // One account the office made but nobody has activated.
    let admin = app.admin().await;
    app.create_member(
        &admin.access_token,
        &NewMember {
            name: "未激活委员".into(),
            phone: "13900071009".into(),
            ..NewMember::default()
        },
    )
    .await;
    // Another committee's activity never shows here.
    let theirs = app.other_committee_organizer("13900072001").await;
    app.published_activity(&theirs.access_token, json!({"title": "别处的培训"}), 10)
        .await;

    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in("13900071001", MEMBER_PASSWORD).await.status,
        303
    );
    let page = browser.get("/console/today").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(!body.contains("<script>alert"), "markup must be escaped");
    assert!(
        body.contains("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;乡村&#34;医生&#34;培训")
            || body.contains(
                "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;乡村&quot;医生&quot;培训"
            ),
        "the title shows as text:\n{body}"
    );
    assert!(body.contains("城关镇卫生院"));
    assert!(body.contains("2 / 2"), "registered of capacity");
    assert!(body.contains("<strong>1</strong>"), "one on the waitlist");
    assert!(body.contains("bar-10"), "a full activity's bar");
    assert!(body.contains("卫生院缺少全科医生"));
    assert!(body.contains(r#"待处理的视察意见 <span class="count">1</span>"#));
    assert!(body.contains("视察通知"));
    assert!(body.contains("紧急"));
    assert!(body.contains("未激活委员"));
    assert!(body.contains("139****1009"), "phones are masked");
    assert!(!body.contains("13900071009"));
    assert!(!body.contains("别处的培训"), "another committee's activity");
    // The menu marks where the clerk is and leads to every screen.
    assert!(body.contains(r#"<a href="/console/today" aria-current="page">工作台</a>"#));
    for (href, label) in [
        ("/console/members", "委员"),
        ("/console/activities", "活动"),
        ("/console/notices", "通知"),
    ] {
        assert!(
            body.contains(&format!(r#"<a href="{href}">{label}</a>"#)),
            "menu: {label}"
        );
        assert_eq!(browser.get(href).await.status, 200, "{href}");
    }
}

async fn the_admin_sees_it_too(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let signed_in = browser.sign_in(&app.admin_phone, &app.admin_password).await;
    assert_eq!(signed_in.status, 303);
    let page = browser.get("/console/today").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("暂无未结束的活动"));
    assert!(page.body.contains("没有等待处理的意见"));
}

on_both_backends!(the_day_at_a_glance, the_admin_sees_it_too);
