//! The audit log: exports of personal data, account changes, what the office
//! does for members and announcements each leave one line, in the same
//! transaction; only the admin reads it; nobody can change it.

use diesel::prelude::*;
use lvzhi_server::db::schema::audit_log;
use lvzhi_shared::audit::{AuditAction, AuditPage, AuditVia};
use lvzhi_shared::members::{NewMember, Role};
use lvzhi_tests::{Backend, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

async fn office_actions_leave_a_line_each(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let organizer = app.account(Role::Organizer, "13900074001").await;
    let office = organizer.access_token.clone();
    let members = [
        app.account(Role::Member, "13900074002").await,
        app.account(Role::Member, "13900074003").await,
    ];
    let activity = app
        .published_activity(&office, json!({"title": "审计测试培训", "capacity": 1}), 48)
        .await;
    let log = || async {
        json_ok::<AuditPage>(
            app.api(Method::GET, "/audit-log")
                .bearer_auth(&admin.access_token)
                .send()
                .await
                .expect("audit log"),
        )
        .await
        .items
    };
    let before = log().await.len();

    // Reading a roster as JSON is not an export; the file is.
    let roster = |format: Option<&'static str>| {
        let mut req = app
            .api(Method::GET, &format!("/activities/{}/signups", activity.id))
            .bearer_auth(&office);
        if let Some(f) = format {
            req = req.query(&[("format", f)]);
        }
        req.header("x-request-id", "audit-roster-1").send()
    };
    assert_eq!(roster(None).await.expect("roster").status(), 200);
    assert_eq!(log().await.len(), before);
    assert_eq!(roster(Some("xlsx")).await.expect("roster").status(), 200);

    for (member, path) in [
        (&members[0], "roster"),
        (&members[1], "roster"),
        (&members[1], "promote"),
        (&members[0], "remove"),
    ] {
        let id = &member.user.id;
        let req = match path {
            "roster" => app
                .api(Method::POST, &format!("/activities/{}/roster", activity.id))
                .json(&json!({"member_id": id})),
            "promote" => app.api(
                Method::POST,
                &format!("/activities/{}/roster/{id}/promote", activity.id),
            ),
            _ => app.api(
                Method::DELETE,
                &format!("/activities/{}/roster/{id}", activity.id),
            ),
        };
        let r = req
            .bearer_auth(&office)
            .send()
            .await
            .expect("roster change");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    let pending = app
        .create_member(
            &office,
            &NewMember {
                name: "待激活委员".into(),
                phone: "13900074009".into(),
                ..NewMember::default()
            },
        )
        .await;
    let r = app
        .api(Method::POST, "/members/activation-codes")
        .bearer_auth(&office)
        .json(&json!({"member_ids": [pending.member.id]}))
        .send()
        .await
        .expect("codes");
    assert_eq!(r.status(), 200);
    let patch = |id: &lvzhi_shared::ids::MemberId, body: serde_json::Value| {
        app.api(Method::PATCH, &format!("/members/{id}"))
            .bearer_auth(&admin.access_token)
            .json(&body)
            .send()
    };
    let m = &members[0].user.id;
    assert_eq!(
        patch(m, json!({"status": "disabled"}))
            .await
            .expect("disable")
            .status(),
        200
    );
    // Disabling again changes nothing and logs nothing.
    assert_eq!(
        patch(m, json!({"status": "disabled"}))
            .await
            .expect("disable")
            .status(),
        200
    );
    assert_eq!(
        patch(m, json!({"status": "active"}))
            .await
            .expect("enable")
            .status(),
        200
    );
    let m = &members[1].user.id;
    assert_eq!(
        patch(m, json!({"role": "organizer"}))
            .await
            .expect("role")
            .status(),
        200
    );
    let r = app
        .api(Method::POST, "/announcements")
        .bearer_auth(&office)
        .json(&json!({"title": "审计通知", "body": "内容", "audience": {"kind": "committee"}}))
        .send()
        .await
        .expect("announce");
    assert_eq!(r.status(), 201);

    let entries = log().await;
    let ours: Vec<_> = entries[..entries.len() - before].iter().rev().collect();
    let actions: Vec<AuditAction> = ours.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::RosterExported,
            AuditAction::SignedUpForMember,
            AuditAction::SignedUpForMember,
            AuditAction::PromotedForMember,
            AuditAction::RemovedForMember,
            AuditAction::ActivationCodesIssued,
            AuditAction::AccountDisabled,
            AuditAction::AccountEnabled,
            AuditAction::RoleChanged,
            AuditAction::AnnouncementSent,
        ]
    );
    let export = ours[0];
    assert_eq!(export.actor_id, organizer.user.id);
    assert_eq!(export.actor_name, organizer.user.name);
    assert_eq!(export.request_id, "audit-roster-1");
    assert_eq!(export.via, AuditVia::Api);
    assert_eq!(export.subject_id, Some(activity.id.to_string()));
    assert!(export.detail.contains("审计测试培训"), "{}", export.detail);
    assert!(
        ours[8].detail.contains("委员 → 工作人员"),
        "{}",
        ours[8].detail
    );
    assert!(ours[6].actor_id == admin.user.id);

    // Only the admin reads it.
    for token in [&office, &members[1].access_token] {
        let r = app
            .api(Method::GET, "/audit-log")
            .bearer_auth(token)
            .send()
            .await
            .expect("audit log");
        expect_error(r, 403, "forbidden").await;
    }

    // Nobody changes or removes a line, not even with the database's own hands.
    let refused = app
        .state
        .db
        .run(|conn| {
            let update = diesel::update(audit_log::table)
                .set(audit_log::detail.eq("改过"))
                .execute(conn)
                .is_err();
            let delete = diesel::delete(audit_log::table).execute(conn).is_err();
            Ok((update, delete))
        })
        .await
        .expect("db");
    assert_eq!(refused, (true, true));
    assert_eq!(log().await.len(), entries.len());
}

on_both_backends!(office_actions_leave_a_line_each);
