//! 代为操作 in the console: the office signs a member up for them (a place,
//! or the waitlist when the slot is full), once however often it is sent;
//! the member is told and the audit log says who did it; the member's page
//! offers 代为取消; on both backends.

use lvzhi_shared::activities::SignupStatus;
use lvzhi_shared::audit::{AuditAction, AuditPage, AuditVia};
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900086001";

async fn a_member_signed_up_by_the_office(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    let elder = app.account(Role::Member, "13900086002").await;
    let other = app.account(Role::Member, "13900086003").await;
    let outreach = app
        .published_activity(
            &office,
            json!({
                "kind": "outreach", "title": "文化下乡：送戏到村", "theme": "culture", "capacity": 2,
                "roles": [{"name": "演出", "capacity": 1}, {"name": "后勤", "capacity": 1}],
            }),
            48,
        )
        .await;
    let (show, backstage) = (outreach.roles[0].id, outreach.roles[1].id);
    // The one place on 后勤 is taken.
    assert!(
        app.sign_up(&other.access_token, &outreach.id, Some(backstage))
            .await
            .status()
            .is_success()
    );

    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    let member_url = format!("/console/members/{}", elder.user.id);
    let page = browser.get(&member_url).await;
    assert!(
        page.body
            .contains(&format!(r#"href="{member_url}/signup">代为报名…</a>"#))
    );

    let form = browser.get(&format!("{member_url}/signup")).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("文化下乡：送戏到村（三下乡） · 演出"),
        "{}",
        form.body
    );
    assert!(
        form.body.contains("1 / 1（已满，将排入候补）"),
        "后勤 is full"
    );
    let csrf = form.csrf();
    let slot = format!("{}:{}", outreach.id, show);

    assert_eq!(
        browser
            .post(&format!("{member_url}/signup"), &[("slot", &slot)])
            .await
            .status,
        403,
        "no token, no sign-up"
    );
    let nothing = browser
        .post(&format!("{member_url}/signup"), &[("csrf", &csrf)])
        .await;
    assert_eq!(nothing.status, 422);
    assert!(nothing.body.contains("请选择一个活动岗位。"));
    // Sent twice (a double click): one sign-up.
    for _ in 0..2 {
        let done = browser
            .post(
                &format!("{member_url}/signup"),
                &[("csrf", &csrf), ("slot", &slot)],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(
            done.location(),
            Some(format!("{member_url}?done=signed_up").as_str())
        );
    }
    let roster = app.roster(&office, outreach.id).await;
    let theirs: Vec<(SignupStatus, &str)> = roster
        .items
        .iter()
        .filter(|e| e.member_id == elder.user.id)
        .map(|e| (e.status, e.role_name.as_str()))
        .collect();
    assert_eq!(theirs, [(SignupStatus::Registered, "演出")]);
    let page = browser.get(&format!("{member_url}?done=signed_up")).await;
    assert!(page.body.contains("已代为报名，并已通知本人。"));
    assert!(page.body.contains(&format!(
        r#"href="/console/activities/{}/remove/{}">代为取消…</a>"#,
        outreach.id, elder.user.id
    )));
    // The member is told, in the app.
    let inbox: serde_json::Value = json_ok(
        app.api(Method::GET, "/me/notifications")
            .bearer_auth(&elder.access_token)
            .send()
            .await
            .expect("inbox"),
    )
    .await;
    let told = inbox["items"].as_array().expect("items");
    assert_eq!(told.len(), 1, "{inbox}");
    assert!(
        told[0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("文化下乡"),
        "{inbox}"
    );
    let log: AuditPage = json_ok(
        app.api(Method::GET, "/audit-log")
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("audit"),
    )
    .await;
    let acted: Vec<(AuditAction, AuditVia)> = log
        .items
        .iter()
        .filter(|e| e.action == AuditAction::SignedUpForMember)
        .map(|e| (e.action, e.via))
        .collect();
    assert_eq!(acted, [(AuditAction::SignedUpForMember, AuditVia::Console)]);

    // A full slot: the waitlist, and the page says so.
    let second = app.account(Role::Member, "13900086004").await;
    let url = format!("/console/members/{}/signup", second.user.id);
    let full = browser
        .post(
            &url,
            &[
                ("csrf", &csrf),
                ("slot", &format!("{}:{}", outreach.id, backstage)),
            ],
        )
        .await;
    assert_eq!(
        full.location(),
        Some(format!("/console/members/{}?done=waitlisted", second.user.id).as_str())
    );

    // Another committee's member is no page here.
    let stranger = app.other_committee_organizer("13900087001").await;
    let there = browser
        .get(&format!("/console/members/{}/signup", stranger.user.id))
        .await;
    assert_eq!(there.status, 404);
}

on_both_backends!(a_member_signed_up_by_the_office);
