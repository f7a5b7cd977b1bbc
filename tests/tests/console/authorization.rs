//! Who may open which console page: every route of `server/src/console/mod.rs`
//! (a route added there without a line here fails the test), for the
//! anonymous visitor, an office account demoted to member, an organizer,
//! another committee's organizer, the admin and a disabled organizer, by GET
//! and by POST (with a valid CSRF token, so the refusal is the role's); on
//! both backends.

use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

/// Who a route is for.
#[derive(Clone, Copy, PartialEq, Debug)]
enum For {
    /// Anyone, signed in or not.
    Public,
    /// Organizers and the admin.
    Office,
    /// The admin only.
    Admin,
}

/// Every route as `mod.rs` declares it, its methods, and who it is for.
const ROUTES: &[(&str, &[&str], For)] = &[
    ("/", &["GET"], For::Public),
    ("/login", &["GET", "POST"], For::Public),
    ("/logout", &["POST"], For::Public),
    ("/static/:file", &["GET"], For::Public),
    ("/today", &["GET"], For::Office),
    ("/password", &["GET", "POST"], For::Office),
    ("/members", &["GET"], For::Office),
    ("/members/export.xlsx", &["GET"], For::Office),
    ("/members/import", &["GET", "POST"], For::Office),
    ("/members/import/template.csv", &["GET"], For::Office),
    ("/members/import/:id", &["GET", "POST"], For::Office),
    ("/members/codes", &["GET", "POST"], For::Office),
    ("/members/:id", &["GET"], For::Office),
    ("/members/:id/signup", &["GET", "POST"], For::Office),
    ("/members/:id/:to", &["GET", "POST"], For::Office),
    ("/notices", &["GET"], For::Office),
    ("/notices/new", &["GET", "POST"], For::Office),
    ("/notices/reach", &["GET"], For::Office),
    ("/notices/:id", &["GET"], For::Office),
    ("/findings", &["GET"], For::Office),
    ("/reports", &["GET"], For::Office),
    ("/reports/merge", &["GET", "POST"], For::Office),
    ("/reports/:id", &["GET"], For::Office),
    ("/reports/:id/decide", &["POST"], For::Office),
    ("/reports/:id/edit", &["POST"], For::Office),
    ("/reports/:id/forward", &["POST"], For::Office),
    ("/reports/:id/outcome", &["POST"], For::Office),
    (
        "/reports/:id/attachments/:attachment",
        &["GET"],
        For::Office,
    ),
    ("/report-issues", &["GET", "POST"], For::Office),
    ("/report-issues/:id/document", &["GET"], For::Office),
    ("/report-figures", &["GET"], For::Office),
    ("/points", &["GET"], For::Office),
    ("/points/close", &["POST"], For::Office),
    ("/points/members/:id", &["GET"], For::Office),
    ("/points/rules", &["GET", "POST"], For::Office),
    ("/points/entries", &["GET", "POST"], For::Office),
    ("/points/entries/:id/remove", &["POST"], For::Office),
    ("/points/disputes", &["GET"], For::Office),
    ("/points/disputes/:id", &["POST"], For::Office),
    ("/stats", &["GET"], For::Office),
    ("/settings", &["GET", "POST"], For::Admin),
    ("/settings/sectors", &["GET", "POST"], For::Admin),
    ("/settings/accounts", &["GET", "POST"], For::Admin),
    ("/settings/committees", &["GET", "POST"], For::Admin),
    ("/settings/committees/:id", &["GET", "POST"], For::Admin),
    ("/settings/meeting-rules", &["GET", "POST"], For::Admin),
    ("/settings/audit", &["GET"], For::Admin),
    ("/activities", &["GET"], For::Office),
    ("/activities/new", &["GET", "POST"], For::Office),
    ("/activities/calendar", &["GET"], For::Office),
    ("/activities/:id", &["GET"], For::Office),
    ("/activities/:id/edit", &["GET", "POST"], For::Office),
    ("/activities/:id/publish", &["POST"], For::Office),
    ("/activities/:id/complete", &["POST"], For::Office),
    ("/activities/:id/cancel", &["GET", "POST"], For::Office),
    ("/activities/:id/roster.xlsx", &["GET"], For::Office),
    ("/activities/:id/attendance", &["GET", "POST"], For::Office),
    ("/activities/:id/sheet", &["GET"], For::Office),
    ("/activities/:id/checkin", &["GET"], For::Office),
    ("/activities/:id/checkin/live", &["GET"], For::Office),
    (
        "/activities/:id/promote/:member",
        &["GET", "POST"],
        For::Office,
    ),
    (
        "/activities/:id/remove/:member",
        &["GET", "POST"],
        For::Office,
    ),
    (
        "/activities/:id/findings/:finding",
        &["GET", "POST"],
        For::Office,
    ),
    ("/activities/:id/outcome", &["GET", "POST"], For::Office),
    ("/activities/:id/materials", &["GET", "POST"], For::Office),
    ("/activities/:id/materials/:material", &["GET"], For::Office),
    (
        "/activities/:id/materials/:material/remove",
        &["GET", "POST"],
        For::Office,
    ),
    ("/meetings", &["GET"], For::Office),
    ("/meetings/new", &["GET", "POST"], For::Office),
    ("/meetings/:id", &["GET"], For::Office),
    ("/meetings/:id/edit", &["GET", "POST"], For::Office),
    ("/meetings/:id/publish", &["GET", "POST"], For::Office),
    ("/meetings/:id/cancel", &["GET", "POST"], For::Office),
    ("/meetings/:id/leave", &["POST"], For::Office),
    ("/meetings/:id/documents", &["GET", "POST"], For::Office),
    ("/meetings/:id/documents/:document", &["GET"], For::Office),
    (
        "/meetings/:id/documents/:document/remove",
        &["GET", "POST"],
        For::Office,
    ),
    ("/meetings/:id/quorum", &["GET"], For::Office),
    ("/meetings/:id/quorum/live", &["GET"], For::Office),
    ("/meetings/:id/checkin/:session", &["GET"], For::Office),
    ("/meetings/:id/checkin/:session/live", &["GET"], For::Office),
    (
        "/meetings/:id/appraisals/new",
        &["GET", "POST"],
        For::Office,
    ),
    ("/bodies", &["GET", "POST"], For::Office),
    ("/bodies/:id", &["GET", "POST"], For::Office),
    ("/bodies/:id/import", &["GET", "POST"], For::Office),
    ("/bodies/:id/members/:member", &["GET", "POST"], For::Office),
    ("/leave", &["GET"], For::Office),
    ("/leave/:id", &["POST"], For::Office),
    ("/appraisals/:id", &["GET"], For::Office),
    ("/appraisals/:id/open", &["POST"], For::Office),
    ("/appraisals/:id/close", &["GET", "POST"], For::Office),
    ("/appraisals/:id/rectifications", &["POST"], For::Office),
    (
        "/appraisals/:id/rectifications/:item",
        &["POST"],
        For::Office,
    ),
];

#[test]
fn the_matrix_covers_every_console_route() {
    let source = include_str!("../../../server/src/console/mod.rs");
    let declared: Vec<&str> = source
        .split(".at(")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"'))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(declared.len() > 30, "routes read from mod.rs: {declared:?}");
    for route in &declared {
        assert!(
            ROUTES.iter().any(|(path, _, _)| path == route),
            "{route} is not in the authorization matrix"
        );
    }
    for (path, _, _) in ROUTES {
        assert!(declared.contains(path), "{path} is no longer a route");
    }
}

/// The ids the paths are filled with.
struct Ids {
    activity: String,
    /// An inspection with a finding, an outreach, a material of `activity`.
    trip: String,
    finding: String,
    outreach: String,
    material: String,
    member: String,
    upload: String,
    notice: String,
    /// A published meeting of a body with `member`, its first session and
    /// document, a pending leave request, a closed round and its rectification.
    meeting: String,
    document: String,
    /// A committee below the admin's (the matrix's committee is a city's).
    child: String,
    session: String,
    body: String,
    leave: String,
    appraisal: String,
    rectification: String,
    /// A member's submitted report with an attachment, and an issue of another.
    report: String,
    attachment: String,
    issue: String,
    /// A manual entry of the member's duty record, and the member's dispute.
    entry: String,
    dispute: String,
}

fn fill(path: &str, ids: &Ids) -> String {
    let path = format!("/console{path}");
    path.replace(
        "/bodies/:id/members/:member",
        &format!("/bodies/{}/members/{}", ids.body, ids.member),
    )
    .replace("/bodies/:id", &format!("/bodies/{}", ids.body))
    .replace(
        "/meetings/:id/checkin/:session",
        &format!("/meetings/{}/checkin/{}", ids.meeting, ids.session),
    )
    .replace(
        "/meetings/:id/documents/:document",
        &format!("/meetings/{}/documents/{}", ids.meeting, ids.document),
    )
    .replace("/meetings/:id", &format!("/meetings/{}", ids.meeting))
    .replace("/leave/:id", &format!("/leave/{}", ids.leave))
    .replace(
        "/appraisals/:id/rectifications/:item",
        &format!(
            "/appraisals/{}/rectifications/{}",
            ids.appraisal, ids.rectification
        ),
    )
    .replace("/appraisals/:id", &format!("/appraisals/{}", ids.appraisal))
    .replace(
        "/reports/:id/attachments/:attachment",
        &format!("/reports/{}/attachments/{}", ids.report, ids.attachment),
    )
    .replace("/reports/:id", &format!("/reports/{}", ids.report))
    .replace(
        "/report-issues/:id",
        &format!("/report-issues/{}", ids.issue),
    )
    .replace(
        "/points/entries/:id",
        &format!("/points/entries/{}", ids.entry),
    )
    .replace(
        "/points/disputes/:id",
        &format!("/points/disputes/{}", ids.dispute),
    )
    .replace("/static/:file", "/static/no-such-file.css")
    .replace("/import/:id", &format!("/import/{}", ids.upload))
    .replace(
        "/settings/committees/:id",
        &format!("/settings/committees/{}", ids.child),
    )
    .replace(
        "/members/:id/:to",
        &format!("/members/{}/disable", ids.member),
    )
    .replace("/members/:id", &format!("/members/{}", ids.member))
    .replace("/notices/:id", &format!("/notices/{}", ids.notice))
    .replace(
        "/activities/:id/findings/:finding",
        &format!("/activities/{}/findings/{}", ids.trip, ids.finding),
    )
    .replace(
        "/activities/:id/outcome",
        &format!("/activities/{}/outcome", ids.outreach),
    )
    .replace("/activities/:id", &format!("/activities/{}", ids.activity))
    .replace(":member", &ids.member)
    .replace(":material", &ids.material)
}

/// A browser signed in as `phone`, with a CSRF token of its session.
async fn signed_in(app: &TestApp, phone: &str) -> (Browser, String) {
    let password = if phone == app.admin_phone {
        app.admin_password.as_str()
    } else {
        MEMBER_PASSWORD
    };
    let browser = Browser::new(app);
    assert_eq!(
        browser.sign_in(phone, password).await.status,
        303,
        "{phone}"
    );
    let csrf = browser.get("/console/password").await.csrf();
    (browser, csrf)
}

async fn status(browser: &Browser, method: &str, url: &str, csrf: &str) -> (u16, String) {
    let page = if method == "GET" {
        browser.get(url).await
    } else {
        browser.post(url, &[("csrf", csrf)]).await
    };
    (page.status, page.location().unwrap_or_default().to_owned())
}

async fn patch_member(app: &TestApp, admin: &str, id: &str, body: serde_json::Value) {
    let r = app
        .api(Method::PATCH, &format!("/members/{id}"))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .expect("patch member");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
}

async fn every_console_route_for_every_caller(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.bootstrap.committee_level = "city".into()).await;
    let admin = app.admin().await;
    let child: serde_json::Value = json_ok(
        app.api(Method::POST, "/committees")
            .bearer_auth(&admin.access_token)
            .json(&json!({"name": "矩阵县政协", "level": "county",
                          "admin_name": "矩阵县管理员", "admin_phone": "13900089500"}))
            .send()
            .await
            .expect("child committee"),
    )
    .await;
    let child = child["committee"]["id"].as_str().expect("child").to_owned();
    let organizer = app.account(Role::Organizer, "13900088001").await;
    let demoted = app.account(Role::Organizer, "13900088002").await;
    let disabled = app.account(Role::Organizer, "13900088003").await;
    let member = app.account(Role::Member, "13900088004").await;
    let theirs = app.other_committee_organizer("13900089001").await;
    let activity = app
        .published_activity(
            &organizer.access_token,
            json!({"title": "矩阵培训", "capacity": 1}),
            24,
        )
        .await;
    assert!(
        app.sign_up(&member.access_token, &activity.id, None)
            .await
            .status()
            .is_success()
    );

    let (office, office_csrf) = signed_in(&app, "13900088001").await;
    let notice = {
        let form = office.get("/console/notices/new").await;
        let sent = office
            .post(
                "/console/notices/new",
                &[
                    ("csrf", &form.csrf()),
                    ("title", "矩阵通知"),
                    ("body", "内容"),
                    ("audience", "committee"),
                ],
            )
            .await;
        sent.location()
            .expect("sent")
            .rsplit('/')
            .next()
            .expect("id")
            .to_owned()
    };
    let upload = {
        let form = office.get("/console/members/import").await;
        let sent = office
            .upload(
                "/console/members/import",
                &[("csrf", &form.csrf())],
                "r.csv",
                "姓名,手机号码\n矩阵,13900088009\n".as_bytes().to_vec(),
            )
            .await;
        sent.location()
            .expect("uploaded")
            .rsplit('/')
            .next()
            .expect("id")
            .to_owned()
    };
    let trip = app
        .published_activity(
            &organizer.access_token,
            json!({"kind": "inspection", "title": "矩阵视察", "capacity": 1}),
            24,
        )
        .await;
    assert!(
        app.sign_up(&member.access_token, &trip.id, None)
            .await
            .status()
            .is_success()
    );
    let finding: serde_json::Value = json_ok(
        app.api(Method::POST, &format!("/activities/{}/findings", trip.id))
            .bearer_auth(&member.access_token)
            .json(&json!({"title": "矩阵意见", "content": "内容"}))
            .send()
            .await
            .expect("finding"),
    )
    .await;
    let outreach = app
        .published_activity(
            &organizer.access_token,
            json!({"kind": "outreach", "title": "矩阵下乡", "theme": "culture", "capacity": 1}),
            24,
        )
        .await;
    let material = {
        let url = format!("/console/activities/{}/materials", activity.id);
        let form = office.get(&url).await;
        let sent = office
            .upload(
                &url,
                &[("csrf", &form.csrf())],
                "m.pdf",
                b"%PDF-1.4".to_vec(),
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let seen: serde_json::Value = json_ok(
            app.api(Method::GET, &format!("/activities/{}", activity.id))
                .bearer_auth(&organizer.access_token)
                .send()
                .await
                .expect("activity"),
        )
        .await;
        seen["materials"][0]["id"]
            .as_str()
            .expect("material")
            .to_owned()
    };
    // A meeting with everything a meeting page can show.
    let body = crate::meetings::body_with(&app, &organizer.access_token, &[&member]).await;
    let meeting =
        crate::meetings::published_meeting(&app, &organizer.access_token, &body, 72 * 60).await;
    let meeting_id = meeting["id"].as_str().expect("meeting").to_owned();
    crate::meetings::ask_leave(&app, &member, &meeting_id).await;
    let document = {
        let form = reqwest::multipart::Form::new()
            .text("title", "矩阵材料")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("m.pdf"),
            );
        let doc: serde_json::Value = json_ok(
            app.api(Method::POST, &format!("/meetings/{meeting_id}/documents"))
                .bearer_auth(&organizer.access_token)
                .multipart(form)
                .send()
                .await
                .expect("document"),
        )
        .await;
        doc["id"].as_str().expect("document").to_owned()
    };
    let api = |method: Method, path: String, token: String, body: serde_json::Value| {
        let app = &app;
        async move {
            let r = app
                .api(method, &path)
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .expect("api");
            json_ok::<serde_json::Value>(r).await
        }
    };
    let office_token = organizer.access_token.clone();
    let leave = api(
        Method::GET,
        "/leave-requests?status=pending".into(),
        office_token.clone(),
        json!(null),
    )
    .await;
    let round = api(
        Method::POST,
        "/appraisals".into(),
        office_token.clone(),
        json!({"meeting_id": meeting_id, "title": "矩阵评议", "departments": ["矩阵局"], "electorate": "body"}),
    )
    .await;
    let round_id = round["id"].as_str().expect("round").to_owned();
    let department = round["departments"][0]["id"]
        .as_str()
        .expect("department")
        .to_owned();
    api(
        Method::POST,
        format!("/appraisals/{round_id}/open"),
        office_token.clone(),
        json!(null),
    )
    .await;
    api(
        Method::POST,
        format!("/appraisals/{round_id}/ballots"),
        member.access_token.clone(),
        json!({"answers": [{"department_id": department, "rating": "unsatisfied"}]}),
    )
    .await;
    api(
        Method::POST,
        format!("/appraisals/{round_id}/close"),
        office_token.clone(),
        json!(null),
    )
    .await;
    let item = api(
        Method::POST,
        "/rectifications".into(),
        office_token,
        json!({"appraisal_id": round_id, "department_id": department, "item": "矩阵整改", "due_on": "2030-01-01"}),
    )
    .await;
    // Reports: one submitted with a photo, one accepted and printed.
    let mut reports = Vec::new();
    for title in ["矩阵信息", "矩阵刊发"] {
        let report = api(
            Method::POST,
            "/reports".into(),
            member.access_token.clone(),
            json!({"title": title, "body": "正文", "category": "other"}),
        )
        .await;
        reports.push(report["id"].as_str().expect("report").to_owned());
    }
    let attachment: serde_json::Value = json_ok(
        app.api(
            Method::POST,
            &format!("/reports/{}/attachments", reports[0]),
        )
        .bearer_auth(&member.access_token)
        .multipart(reqwest::multipart::Form::new().text("title", "照片").part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("p.pdf"),
        ))
        .send()
        .await
        .expect("attachment"),
    )
    .await;
    for id in &reports {
        api(
            Method::POST,
            format!("/reports/{id}/submit"),
            member.access_token.clone(),
            json!(null),
        )
        .await;
    }
    api(
        Method::POST,
        format!("/reports/{}/accept", reports[1]),
        organizer.access_token.clone(),
        json!({}),
    )
    .await;
    let issue = api(
        Method::POST,
        "/report-issues".into(),
        organizer.access_token.clone(),
        json!({"issued_on": "2026-06-01", "report_ids": [reports[1]]}),
    )
    .await;
    let entry = api(
        Method::POST,
        "/points/entries".into(),
        organizer.access_token.clone(),
        json!({"member_id": member.user.id, "event": "proposal", "evidence": "提案第1号", "occurred_on": "2026-06-01"}),
    )
    .await;
    let dispute = api(
        Method::POST,
        "/me/points/disputes".into(),
        member.access_token.clone(),
        json!({"year": 2026, "reason": "漏记一次大会发言"}),
    )
    .await;
    let ids = Ids {
        entry: entry["id"].as_str().expect("entry").to_owned(),
        dispute: dispute["id"].as_str().expect("dispute").to_owned(),
        report: reports[0].clone(),
        attachment: attachment["id"].as_str().expect("attachment").to_owned(),
        issue: issue["id"].as_str().expect("issue").to_owned(),
        meeting: meeting_id.clone(),
        document,
        child,
        session: meeting["sessions"][0]["id"]
            .as_str()
            .expect("session")
            .to_owned(),
        body,
        leave: leave["items"][0]["id"].as_str().expect("leave").to_owned(),
        appraisal: round_id,
        rectification: item["id"].as_str().expect("item").to_owned(),
        activity: activity.id.to_string(),
        trip: trip.id.to_string(),
        finding: finding["id"].as_str().expect("finding id").to_owned(),
        outreach: outreach.id.to_string(),
        material,
        member: member.user.id.to_string(),
        upload,
        notice,
    };

    let (boss, boss_csrf) = signed_in(&app, &app.admin_phone.clone()).await;
    let (stranger, stranger_csrf) = signed_in(&app, "13900089001").await;
    let (was_office, was_office_csrf) = signed_in(&app, "13900088002").await;
    let (gone, gone_csrf) = signed_in(&app, "13900088003").await;
    let anonymous = Browser::new(&app);
    // After signing in: one account loses the office role, one is disabled.
    patch_member(
        &app,
        &admin.access_token,
        &demoted.user.id.to_string(),
        json!({"role": "member"}),
    )
    .await;
    patch_member(
        &app,
        &admin.access_token,
        &disabled.user.id.to_string(),
        json!({"status": "disabled"}),
    )
    .await;
    let _ = theirs;

    for (path, methods, who) in ROUTES {
        if *who == For::Public {
            continue; // Sign-in and the static files have their own tests.
        }
        let url = fill(path, &ids);
        let has_id = path.contains(":id");
        for method in methods.iter().copied() {
            let what = format!("{method} {url}");
            // Nobody signed in: to the sign-in page (back here after a GET).
            let (code, to) = status(&anonymous, method, &url, "").await;
            assert_eq!(code, 303, "anonymous {what}");
            assert!(to.starts_with("/console/login"), "anonymous {what}: {to}");
            // A disabled account's session is over.
            let (code, to) = status(&gone, method, &url, &gone_csrf).await;
            assert_eq!(code, 303, "disabled {what}");
            assert!(to.starts_with("/console/login"), "disabled {what}: {to}");
            // An account that is no longer the office's: forbidden.
            let (code, _) = status(&was_office, method, &url, &was_office_csrf).await;
            assert_eq!(code, 403, "demoted {what}");
            // Another committee's office: our things do not exist for them.
            let (code, _) = status(&stranger, method, &url, &stranger_csrf).await;
            let expected = match (who, has_id) {
                (For::Admin, _) => vec![403],
                (_, true) => vec![404],
                // Their own committee's page, or their own form's answer.
                (_, false) => vec![200, 303, 400, 422],
            };
            assert!(expected.contains(&code), "other committee {what}: {code}");
            if method == "GET" {
                let (code, _) = status(&boss, method, &url, &boss_csrf).await;
                assert_eq!(code, 200, "admin {what}");
                let (code, _) = status(&office, method, &url, &office_csrf).await;
                let expected = if *who == For::Admin { 403 } else { 200 };
                assert_eq!(code, expected, "organizer {what}");
            } else if *who == For::Admin {
                let (code, _) = status(&office, method, &url, &office_csrf).await;
                assert_eq!(code, 403, "organizer {what}");
            }
        }
    }
}

on_both_backends!(every_console_route_for_every_caller);
