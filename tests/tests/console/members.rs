//! 委员 in the console, and the member list as a file in the API: search and
//! filters, paging, a member's page, disabling and enabling behind a
//! confirmation, exports recorded in the audit log; on both backends.

use lvzhi_shared::audit::{AuditAction, AuditPage, AuditVia};
use lvzhi_shared::members::{MemberPage, NewMember, Role};
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900079001";

async fn the_roster_searched_and_a_member_switched_off(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    // 医药卫生界 is one of every committee's default sectors.
    let doctor = app.member_in("13900079002", Some("医药卫生界")).await;
    // 52 accounts the office made and nobody activated: more than a page.
    for i in 0..52 {
        app.create_member(
            &office,
            &NewMember {
                name: format!("待激活{}", lvzhi_tests::chinese_digits(&format!("{i:02}"))),
                phone: format!("139000791{i:02}"),
                ..NewMember::default()
            },
        )
        .await;
    }
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );

    let all = browser.get("/console/members").await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains(r#"<label for="q">查找</label>"#));
    assert!(all.body.contains("下一页"), "55 accounts make two pages");
    let next = all.between("&amp;cursor=", "\"");
    let second = browser
        .get(&format!(
            "/console/members?q=&sector=&status=&cursor={next}"
        ))
        .await;
    assert_eq!(second.status, 200);
    assert!(!second.body.contains("下一页"));
    assert_eq!(
        rows(&all.body) + rows(&second.body),
        55,
        "admin, organizer, doctor, 52"
    );

    let by_sector = browser
        .get("/console/members?sector=%E5%8C%BB%E8%8D%AF%E5%8D%AB%E7%94%9F%E7%95%8C")
        .await;
    assert_eq!(rows(&by_sector.body), 1);
    assert!(by_sector.body.contains(&doctor.user.name));
    let by_text = browser.get("/console/members?q=13900079002").await;
    assert_eq!(rows(&by_text.body), 1);
    let pending = browser.get("/console/members?status=pending").await;
    assert_eq!(rows(&pending.body), 50, "a page of the 52 pending");
    let unknown = browser
        .get("/console/members?sector=%E4%B8%8D%E5%AD%98%E5%9C%A8")
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("没有这个界别"));

    // A member's page, and switching the account off and on.
    let page = browser
        .get(&format!("/console/members/{}", doctor.user.id))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("医药卫生界") && page.body.contains("年履职记录"));
    let disable = format!("/console/members/{}/disable", doctor.user.id);
    let confirm = browser.get(&disable).await;
    assert!(confirm.body.contains("立即退出所有手机和管理后台"));
    assert_eq!(browser.post(&disable, &[]).await.status, 403);
    let done = browser.post(&disable, &[("csrf", &confirm.csrf())]).await;
    assert_eq!(done.status, 303);
    let r = app
        .api(Method::POST, "/auth/login")
        .json(&json!({"phone": "13900079002", "password": MEMBER_PASSWORD}))
        .send()
        .await
        .expect("login");
    expect_error(r, 403, "account_disabled").await;
    let enable = format!("/console/members/{}/enable", doctor.user.id);
    let confirm = browser.get(&enable).await;
    assert_eq!(
        browser
            .post(&enable, &[("csrf", &confirm.csrf())])
            .await
            .status,
        303
    );
    app.login("13900079002", MEMBER_PASSWORD).await;

    // An organizer may not switch off the office's own accounts.
    let admin_page = browser
        .get(&format!("/console/members/{}", admin.user.id))
        .await;
    assert!(!admin_page.body.contains("停用账号"));
    let forced = browser
        .post(
            &format!("/console/members/{}/disable", admin.user.id),
            &[("csrf", &confirm.csrf())],
        )
        .await;
    assert_eq!(forced.status, 403);

    // The list as a file: from the console and from the API, both audited.
    let file = browser
        .get("/console/members/export.xlsx?status=pending")
        .await;
    assert_eq!(file.status, 200);
    let csv = app
        .api(Method::GET, "/members")
        .bearer_auth(&office)
        .query(&[("format", "csv"), ("q", "13900079002")])
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("csv body");
    assert!(text.starts_with("\u{feff}委员编号,姓名"), "{text}");
    assert_eq!(text.lines().count(), 2, "the header and one member");
    let paged: MemberPage = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(&office)
            .query(&[("status", "pending"), ("limit", "10")])
            .send()
            .await
            .expect("json"),
    )
    .await;
    assert_eq!(paged.items.len(), 10);
    assert!(paged.next_cursor.is_some());
    let log: AuditPage = json_ok(
        app.api(Method::GET, "/audit-log")
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("audit"),
    )
    .await;
    let lines: Vec<(AuditAction, AuditVia)> = log.items.iter().map(|e| (e.action, e.via)).collect();
    assert_eq!(
        lines,
        [
            (AuditAction::MemberListExported, AuditVia::Api),
            (AuditAction::MemberListExported, AuditVia::Console),
            (AuditAction::AccountEnabled, AuditVia::Console),
            (AuditAction::AccountDisabled, AuditVia::Console),
        ]
    );
    assert_eq!(log.items[1].detail, "52 人");
}

/// Table rows of the member list on a page.
fn rows(page: &str) -> usize {
    page.matches(r#"<td><a href="/console/members/"#).count()
}

on_both_backends!(the_roster_searched_and_a_member_switched_off);
