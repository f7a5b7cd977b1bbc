//! 通知 in the console: the composer's recipient count, errors next to the
//! field with what was typed kept, sending, and the delivery page with its
//! call list; on both backends.

use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900082001";

async fn an_announcement_composed_sent_and_followed_up(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.account(Role::Organizer, ORGANIZER).await;
    let doctors = [
        app.member_in("13900082002", Some("医药卫生界")).await,
        app.member_in("13900082003", Some("医药卫生界")).await,
    ];
    app.member_in("13900082004", Some("经济界")).await;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );

    let form = browser.get("/console/notices/new").await;
    assert_eq!(form.status, 200);
    for label in ["标题", "内容", "全体委员", "按界别"] {
        assert!(form.body.contains(&format!(">{label}</label>")), "{label}");
    }
    assert!(form.body.contains("将发送给 <strong>3</strong> 位委员"));
    let sector_id = form.between(r#"name="sector" value=""#, "\"");
    // The count as the audience changes (what htmx asks for).
    let one_sector = browser
        .get(&format!(
            "/console/notices/reach?audience=sectors&sector={sector_id}"
        ))
        .await;
    assert!(one_sector.body.contains("<strong>"), "{}", one_sector.body);
    let none = browser.get("/console/notices/reach?audience=sectors").await;
    assert!(none.body.contains("请至少选择一个界别"));

    // A missing title: said next to it, the body kept.
    let csrf = form.csrf();
    let missing = browser
        .post(
            "/console/notices/new",
            &[
                ("csrf", &csrf),
                ("title", " "),
                ("body", "请带身份证。"),
                ("audience", "committee"),
            ],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(
        missing
            .body
            .contains(r#"<p class="problem-inline" id="title-problem">必填。</p>"#)
    );
    assert!(missing.body.contains("请带身份证。"));
    // The count button sends nothing.
    let counted = browser
        .post(
            "/console/notices/new",
            &[
                ("csrf", &csrf),
                ("title", "x"),
                ("body", "y"),
                ("audience", "committee"),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(counted.status, 200);

    let medical = doctors_sector(&app, &doctors[0].access_token).await;
    // Sent with a double click: the form's one-time token makes it one.
    let once = form.between(r#"name="once" value=""#, "\"");
    let mut sent_to = Vec::new();
    for _ in 0..2 {
        let sent = browser
            .post(
                "/console/notices/new",
                &[
                    ("csrf", &csrf),
                    ("once", &once),
                    ("title", "义诊集合通知"),
                    ("body", "周六早八点在县医院门口集合。"),
                    ("audience", "sectors"),
                    ("sector", &medical),
                    ("urgent", "on"),
                ],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        sent_to.push(sent.location().expect("location").to_owned());
    }
    assert_eq!(sent_to[0], sent_to[1]);
    let page_url = sent_to.remove(0);
    let list = browser.get("/console/notices").await;
    assert_eq!(
        list.body.matches("义诊集合通知").count(),
        1,
        "{}",
        list.body
    );

    // One doctor reads it; the other stays on the call list.
    let inbox: serde_json::Value = app
        .api(Method::GET, "/me/notifications")
        .bearer_auth(&doctors[0].access_token)
        .send()
        .await
        .expect("inbox")
        .json()
        .await
        .expect("inbox body");
    let item = inbox["items"][0]["id"]
        .as_str()
        .expect("item id")
        .to_owned();
    let r = app
        .api(Method::POST, &format!("/me/notifications/{item}/read"))
        .bearer_auth(&doctors[0].access_token)
        .send()
        .await
        .expect("read");
    assert!(r.status().is_success(), "{}", r.status());
    let page = browser.get(&page_url).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<strong>1</strong> 已读"));
    assert!(
        page.body
            .contains("电话通知名单 <span class=\"count\">1</span>")
    );
    assert!(page.body.contains(&doctors[1].user.name));
    assert!(page.body.contains(&doctors[1].user.phone));
    assert!(!page.body.contains(&doctors[0].user.phone));
}

/// The id of the member's sector, as the API names it.
async fn doctors_sector(app: &TestApp, token: &str) -> String {
    let sectors: Vec<serde_json::Value> = app
        .api(Method::GET, "/sectors")
        .bearer_auth(token)
        .send()
        .await
        .expect("sectors")
        .json()
        .await
        .expect("sectors body");
    sectors
        .iter()
        .find(|s| s["name"] == json!("医药卫生界"))
        .and_then(|s| s["id"].as_str())
        .expect("医药卫生界")
        .to_owned()
}

on_both_backends!(an_announcement_composed_sent_and_followed_up);
