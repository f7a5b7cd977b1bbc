//! Public-opinion reports through the HTTP API on both backends: a county
//! member's report with a co-signer and a photo goes through the county
//! office (returned, edited, accepted, printed in a numbered issue), is
//! forwarded to the city, which forwards it to the province, where it is
//! adopted with a leader's instruction and a department's reply; the author
//! follows every step. Bad input is refused with its code and stores nothing.

use std::io::Read;

use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::committees::{CommitteeCreated, CommitteeLevel};
use lvzhi_shared::members::{MemberCreated, NewMember};
use lvzhi_shared::notifications::{NotificationKind, NotificationPage};
use lvzhi_shared::reports::{
    Report, ReportDetail, ReportEventKind, ReportFigures, ReportIssue, ReportPage, ReportStatus,
    ReportVersionList,
};
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    a_report_from_a_county_phone_to_provincial_adoption,
    bad_reports_are_refused_and_store_nothing,
    merged_reports_share_their_credit,
    steps_sent_together_happen_once
);

/// A 1×1 PNG: the smallest photo a phone could send.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
    0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
];

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app.api(method, path).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("request")
}

async fn ok<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> T {
    json_ok(send(app, token, method, path, body).await).await
}

/// A county below the app's city, with its admin signed in.
async fn county(app: &TestApp, city_admin: &str, phone: &str) -> (CommitteeCreated, TokenPair) {
    let created: CommitteeCreated = ok(
        app,
        city_admin,
        Method::POST,
        "/committees",
        Some(json!({"name": "青山县政协", "level": "county", "admin_name": "县管理员", "admin_phone": phone})),
    )
    .await;
    let admin: TokenPair = ok(
        app,
        "",
        Method::POST,
        "/auth/activate",
        Some(json!({
            "phone": created.admin.phone,
            "activation_code": created.admin.code,
            "new_password": MEMBER_PASSWORD,
        })),
    )
    .await;
    (created, admin)
}

/// A member the county's admin adds and who activates their account.
async fn county_member(app: &TestApp, admin: &str, name: &str, phone: &str) -> TokenPair {
    let created: MemberCreated = app
        .create_member(
            admin,
            &NewMember {
                name: name.into(),
                phone: phone.into(),
                sector: Some("农业界".into()),
                ..NewMember::default()
            },
        )
        .await;
    app.activate(&created, MEMBER_PASSWORD).await
}

async fn city_app(b: Backend) -> TestApp {
    TestApp::spawn_with(b, |c| {
        c.bootstrap.committee_name = "江城市政协".into();
        c.bootstrap.committee_level = "city".into();
    })
    .await
}

async fn draft(app: &TestApp, token: &str, title: &str, cosigners: &[&TokenPair]) -> Report {
    let r = send(
        app,
        token,
        Method::POST,
        "/reports",
        Some(json!({
            "title": title,
            "body": "村里的公路年久失修，雨天泥泞。\n建议设立养护专项资金。",
            "category": "agriculture",
            "cosigner_ids": cosigners.iter().map(|c| c.user.id).collect::<Vec<_>>(),
        })),
    )
    .await;
    assert_eq!(r.status(), 201);
    r.json().await.expect("report")
}

/// Today and this year where the committee is (Asia/Shanghai), by the app's clock.
fn local_today(app: &TestApp) -> (String, String) {
    let now = app
        .clock
        .now_utc()
        .with_timezone(&chrono_tz::Asia::Shanghai);
    (
        now.format("%Y-%m-%d").to_string(),
        now.format("%Y").to_string(),
    )
}

fn kinds(detail: &ReportDetail) -> Vec<ReportEventKind> {
    detail.timeline.iter().map(|e| e.kind).collect()
}

async fn inbox(app: &TestApp, token: &str) -> NotificationPage {
    ok(app, token, Method::GET, "/me/notifications?limit=200", None).await
}

async fn a_report_from_a_county_phone_to_provincial_adoption(b: Backend) {
    let app = city_app(b).await;
    let city = app.admin().await;
    let (_, county_admin) = county(&app, &city.access_token, "13900071001").await;
    let ca = county_admin.access_token.as_str();
    let author = county_member(&app, ca, "李春华", "13900071002").await;
    let cosigner = county_member(&app, ca, "王建国", "13900071003").await;

    // Written on the phone, sent twice on a weak signal: one draft.
    let body = json!({
        "title": "关于加强农村公路养护的建议",
        "body": "村里的公路年久失修，雨天泥泞。\n建议设立养护专项资金。",
        "category": "agriculture",
        "cosigner_ids": [cosigner.user.id],
    });
    let mut first = None;
    for _ in 0..2 {
        let r = app
            .api(Method::POST, "/reports")
            .bearer_auth(&author.access_token)
            .header("Idempotency-Key", "draft-road-1")
            .json(&body)
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 201);
        let report: Report = r.json().await.expect("report");
        assert_eq!(report.status, ReportStatus::Draft);
        assert_eq!(*first.get_or_insert(report.id), report.id);
    }
    let id = first.expect("created");
    let mine: ReportPage = ok(&app, &author.access_token, Method::GET, "/me/reports", None).await;
    assert_eq!(mine.items.len(), 1);

    // A photo of the road.
    let form = reqwest::multipart::Form::new()
        .text("title", "路面照片")
        .part(
            "file",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("road.png"),
        );
    let r = app
        .api(Method::POST, &format!("/reports/{id}/attachments"))
        .bearer_auth(&author.access_token)
        .multipart(form)
        .send()
        .await
        .expect("attach");
    assert_eq!(r.status(), 201);

    // The office does not see a draft.
    let r = send(&app, ca, Method::GET, &format!("/reports/{id}"), None).await;
    expect_error(r, 404, "not_found").await;

    // Submitted twice: once.
    for _ in 0..2 {
        let r: Report = ok(
            &app,
            &author.access_token,
            Method::POST,
            &format!("/reports/{id}/submit"),
            None,
        )
        .await;
        assert_eq!((r.status, r.version), (ReportStatus::Submitted, 1));
    }
    let asked = inbox(&app, &cosigner.access_token).await;
    assert_eq!(
        asked
            .items
            .iter()
            .filter(|n| n.kind == NotificationKind::CosignRequested)
            .count(),
        1
    );
    let r: Report = ok(
        &app,
        &cosigner.access_token,
        Method::POST,
        &format!("/reports/{id}/cosign"),
        Some(json!({"confirm": true})),
    )
    .await;
    assert!(r.credits.iter().all(|c| c.confirmed), "{:?}", r.credits);

    // Returned for changes, edited and sent again.
    let r: Report = ok(
        &app,
        ca,
        Method::POST,
        &format!("/reports/{id}/return"),
        Some(json!({"comment": "请补充具体路段和里程"})),
    )
    .await;
    assert_eq!(r.status, ReportStatus::Returned);
    let seen: Report = ok::<ReportDetail>(
        &app,
        &author.access_token,
        Method::GET,
        &format!("/reports/{id}"),
        None,
    )
    .await
    .report;
    assert_eq!(seen.office_comment.as_deref(), Some("请补充具体路段和里程"));
    let _: Report = ok(
        &app,
        &author.access_token,
        Method::PATCH,
        &format!("/reports/{id}"),
        Some(
            json!({"body": "青山镇至柳树村12公里路段年久失修，雨天泥泞。\n建议设立养护专项资金。"}),
        ),
    )
    .await;
    let r: Report = ok(
        &app,
        &author.access_token,
        Method::POST,
        &format!("/reports/{id}/submit"),
        None,
    )
    .await;
    assert_eq!((r.status, r.version), (ReportStatus::Submitted, 2));

    // The office edits (a third version), accepts, and the author sees the text as edited.
    let edited = "关于加强青山镇农村公路养护的建议";
    let r: Report = ok(
        &app,
        ca,
        Method::PATCH,
        &format!("/reports/{id}"),
        Some(json!({"title": edited, "note": "标题点明地点"})),
    )
    .await;
    assert_eq!(r.version, 3);
    let versions: ReportVersionList = ok(
        &app,
        ca,
        Method::GET,
        &format!("/reports/{id}/versions"),
        None,
    )
    .await;
    assert_eq!(
        versions.items.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(versions.items[2].note.as_deref(), Some("标题点明地点"));
    assert_eq!(versions.items[0].title, "关于加强农村公路养护的建议");
    let _: Report = ok(
        &app,
        ca,
        Method::POST,
        &format!("/reports/{id}/accept"),
        Some(json!({})),
    )
    .await;

    // Recording adoption before forwarding is refused.
    let adoption =
        json!({"level": "provincial", "adopted_on": "2026-01-05", "adopted_by": "省政协办公厅"});
    let r = send(
        &app,
        ca,
        Method::POST,
        &format!("/reports/{id}/adoptions"),
        Some(adoption.clone()),
    )
    .await;
    expect_error(r, 409, "not_forwarded").await;

    // Printed in the county's first issue of the year; a DOCX ready for print.
    let (issued_on, year) = local_today(&app);
    let r = send(
        &app,
        ca,
        Method::POST,
        "/report-issues",
        Some(json!({"issued_on": issued_on, "report_ids": [id]})),
    )
    .await;
    assert_eq!(r.status(), 201);
    let issue: ReportIssue = r.json().await.expect("issue");
    assert_eq!(issue.number, 1);
    assert_eq!(issue.label, format!("《社情民意》{year}年第1期"));
    let r = send(
        &app,
        ca,
        Method::GET,
        &format!("/report-issues/{}/document", issue.id),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("docx");
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a DOCX is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    for needle in [
        edited,
        "青山县政协办公室编",
        &format!("{year}年第1期"),
        "李春华",
        "王建国",
        "仿宋_GB2312",
    ] {
        assert!(xml.contains(needle), "{needle} missing from the issue");
    }

    // Forwarded to the city: once.
    let forward = json!({"target": "parent"});
    let r: Report = ok(
        &app,
        ca,
        Method::POST,
        &format!("/reports/{id}/forward"),
        Some(forward.clone()),
    )
    .await;
    assert!(r.forwarded);
    let r = send(
        &app,
        ca,
        Method::POST,
        &format!("/reports/{id}/forward"),
        Some(forward),
    )
    .await;
    expect_error(r, 409, "already_forwarded").await;

    // The city's queue holds a copy; the county's own row stays the county's.
    let incoming: ReportPage = ok(
        &app,
        &city.access_token,
        Method::GET,
        "/reports?incoming=true",
        None,
    )
    .await;
    assert_eq!(incoming.items.len(), 1);
    let copy = &incoming.items[0];
    assert_eq!(
        (copy.status, copy.forwarded_from),
        (ReportStatus::Submitted, Some(id))
    );
    assert_eq!(copy.title, edited);
    assert_eq!(copy.attachments.len(), 1);
    let r = send(
        &app,
        &city.access_token,
        Method::GET,
        &format!("/reports/{id}"),
        None,
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let r = send(
        &app,
        ca,
        Method::GET,
        &format!("/reports/{}", copy.id),
        None,
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let photo = send(
        &app,
        &city.access_token,
        Method::GET,
        &copy.attachments[0].url.replace("/api/v1", ""),
        None,
    )
    .await;
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.bytes().await.expect("photo").as_ref(), PNG);

    // The city takes it up and sends it to the province; a 批示 needs adoption first.
    let cid = copy.id;
    let city_token = city.access_token.as_str();
    let _: Report = ok(
        &app,
        city_token,
        Method::POST,
        &format!("/reports/{cid}/accept"),
        Some(json!({})),
    )
    .await;
    let _: Report = ok(
        &app,
        city_token,
        Method::POST,
        &format!("/reports/{cid}/forward"),
        Some(json!({"target": "outside", "outside_name": "省政协办公厅"})),
    )
    .await;
    let instruction = json!({"leader": "副省长 某某", "level": "provincial", "given_on": issued_on, "text": "请省交通运输厅研究落实。"});
    let r = send(
        &app,
        city_token,
        Method::POST,
        &format!("/reports/{cid}/instructions"),
        Some(instruction.clone()),
    )
    .await;
    expect_error(r, 409, "not_adopted").await;
    for _ in 0..2 {
        let r: Report = ok(
            &app,
            city_token,
            Method::POST,
            &format!("/reports/{cid}/adoptions"),
            Some(adoption.clone()),
        )
        .await;
        assert_eq!(r.adopted_level, Some(CommitteeLevel::Provincial));
    }
    let r: Report = ok(
        &app,
        city_token,
        Method::POST,
        &format!("/reports/{cid}/instructions"),
        Some(instruction),
    )
    .await;
    assert!(r.instructed);
    let _: Report = ok(
        &app,
        city_token,
        Method::POST,
        &format!("/reports/{cid}/replies"),
        Some(json!({"department": "省交通运输厅", "replied_on": issued_on, "text": "已列入明年养护计划。"})),
    )
    .await;

    // The author sees the whole way, each step once.
    let detail: ReportDetail = ok(
        &app,
        &author.access_token,
        Method::GET,
        &format!("/reports/{id}"),
        None,
    )
    .await;
    use ReportEventKind::*;
    assert_eq!(
        kinds(&detail),
        [
            Submitted, Cosigned, Returned, Submitted, Edited, Accepted, Compiled, Forwarded,
            Received, Accepted, Forwarded, Adopted, Instructed, Replied
        ]
    );
    assert_eq!(
        detail.report.adopted_level,
        Some(CommitteeLevel::Provincial)
    );
    assert_eq!(detail.report.issue.as_ref().map(|i| i.number), Some(1));
    let adopted = detail
        .timeline
        .iter()
        .find(|e| e.kind == Adopted)
        .expect("adopted");
    assert_eq!(adopted.party.as_deref(), Some("省政协办公厅"));
    assert_eq!(adopted.committee_name, "江城市政协");

    // Told at each step the office or upstream took, in the member's inbox.
    for who in [&author, &cosigner] {
        let updates: Vec<String> = inbox(&app, &who.access_token)
            .await
            .items
            .into_iter()
            .filter(|n| n.kind == NotificationKind::ReportUpdate)
            .inspect(|n| assert_eq!(n.report_id, Some(id)))
            .map(|n| n.body)
            .collect();
        // returned, accepted, compiled, forwarded; city: accepted, forwarded, adopted, 批示, 办复
        assert_eq!(updates.len(), 9, "{updates:?}");
        assert!(
            updates.iter().any(|u| u.contains("省政协办公厅采用")),
            "{updates:?}"
        );
        assert!(
            updates.iter().any(|u| u.contains("请省交通运输厅研究落实")),
            "{updates:?}"
        );
    }

    // The county's year: one report, adopted at the provincial level, both credited.
    let f: ReportFigures = ok(
        &app,
        ca,
        Method::GET,
        &format!("/report-figures?year={year}"),
        None,
    )
    .await;
    assert_eq!((f.submitted, f.accepted, f.forwarded), (1, 1, 1));
    assert_eq!(f.by_member.len(), 2);
    assert!(
        f.by_member
            .iter()
            .all(|m| (m.submitted, m.adopted, m.instructed) == (1, 1, 1))
    );
    assert_eq!(
        f.by_sector.len(),
        1,
        "one report counts once for its sector"
    );
    assert_eq!(f.by_sector[0].submitted, 1);
    assert_eq!(f.by_level.len(), 1);
    assert_eq!(f.by_level[0].level, CommitteeLevel::Provincial);
    let r = send(
        &app,
        ca,
        Method::GET,
        &format!("/report-figures?year={year}&format=xlsx"),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("xlsx").starts_with(b"PK"));

    // A second issue of the year is number 2.
    let second = draft(&app, &cosigner.access_token, "关于校车接送的建议", &[]).await;
    let _: Report = ok(
        &app,
        &cosigner.access_token,
        Method::POST,
        &format!("/reports/{}/submit", second.id),
        None,
    )
    .await;
    let _: Report = ok(
        &app,
        ca,
        Method::POST,
        &format!("/reports/{}/accept", second.id),
        Some(json!({})),
    )
    .await;
    let issue: ReportIssue = ok(
        &app,
        ca,
        Method::POST,
        "/report-issues",
        Some(json!({"issued_on": issued_on, "report_ids": [second.id]})),
    )
    .await;
    assert_eq!(issue.number, 2);
}

async fn bad_reports_are_refused_and_store_nothing(b: Backend) {
    let app = city_app(b).await;
    let admin = app.admin().await;
    let a = admin.access_token.as_str();
    let author = app.member_in("13900072001", None).await;
    let other = app.member_in("13900072002", None).await;
    let outsider = app.other_committee_organizer("13900072003").await;
    let t = author.access_token.as_str();
    let new = |title: &str, body: &str, cosigners: Value| json!({"title": title, "body": body, "category": "livelihood", "cosigner_ids": cosigners});

    let r = send(
        &app,
        t,
        Method::POST,
        "/reports",
        Some(new(" ", "正文", json!([]))),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("title")
    );
    let long = "字".repeat(1501);
    let r = send(
        &app,
        t,
        Method::POST,
        "/reports",
        Some(new("标题", &long, json!([]))),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "field_too_long")
            .await
            .field
            .as_deref(),
        Some("body")
    );
    let r = send(
        &app,
        t,
        Method::POST,
        "/reports",
        Some(new("标题", "正文", json!([outsider.user.id]))),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "unknown_member")
            .await
            .field
            .as_deref(),
        Some("cosigner_ids")
    );
    let r = send(
        &app,
        t,
        Method::POST,
        "/reports",
        Some(new("标题", "正文", json!([author.user.id]))),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "invalid_field").await.field.as_deref(),
        Some("cosigner_ids")
    );
    let r = send(
        &app,
        t,
        Method::POST,
        "/reports",
        Some(new("标题", "正文", json!(["not-an-id"]))),
    )
    .await;
    assert_eq!(
        expect_error(r, 400, "invalid_body").await.field.as_deref(),
        Some("cosigner_ids")
    );

    // The committee's own limit.
    let r = send(
        &app,
        a,
        Method::PATCH,
        "/committee",
        Some(json!({"report_max_chars": 100})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = send(
        &app,
        t,
        Method::POST,
        "/reports",
        Some(new("标题", &"字".repeat(101), json!([]))),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "field_too_long")
            .await
            .field
            .as_deref(),
        Some("body")
    );
    let r = send(
        &app,
        a,
        Method::PATCH,
        "/committee",
        Some(json!({"report_max_chars": 5})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "invalid_field").await.field.as_deref(),
        Some("report_max_chars")
    );
    let mine: ReportPage = ok(&app, t, Method::GET, "/me/reports", None).await;
    assert!(mine.items.is_empty(), "nothing stored: {:?}", mine.items);

    let report = draft(&app, t, "关于老旧小区加装电梯的建议", &[&other]).await;
    let id = report.id;
    // Drafts are the author's; office decisions wait for a submission.
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/accept"),
        Some(json!({})),
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let r = send(
        &app,
        &other.access_token,
        Method::GET,
        &format!("/reports/{id}"),
        None,
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let _: Report = ok(
        &app,
        t,
        Method::POST,
        &format!("/reports/{id}/submit"),
        None,
    )
    .await;

    // Members do not decide; a stranger to the report may not co-sign.
    let r = send(
        &app,
        t,
        Method::POST,
        &format!("/reports/{id}/accept"),
        Some(json!({})),
    )
    .await;
    expect_error(r, 403, "forbidden").await;
    let stranger = app.member_in("13900072004", None).await;
    let r = send(
        &app,
        &stranger.access_token,
        Method::POST,
        &format!("/reports/{id}/cosign"),
        Some(json!({"confirm": true})),
    )
    .await;
    expect_error(r, 404, "not_found").await;
    let r = send(
        &app,
        &stranger.access_token,
        Method::GET,
        &format!("/reports/{id}"),
        None,
    )
    .await;
    expect_error(r, 404, "not_found").await;
    // Another committee's office sees nothing of it.
    let r = send(
        &app,
        &outsider.access_token,
        Method::GET,
        &format!("/reports/{id}"),
        None,
    )
    .await;
    expect_error(r, 404, "not_found").await;

    // Returning and rejecting need a reason; the author cannot edit what is submitted.
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/return"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("comment")
    );
    let r = send(
        &app,
        t,
        Method::PATCH,
        &format!("/reports/{id}"),
        Some(json!({"title": "新标题"})),
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/forward"),
        Some(json!({"target": "parent"})),
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;

    // Accepted; forwarded upward from a committee with no parent here: refused.
    let _: Report = ok(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/accept"),
        Some(json!({})),
    )
    .await;
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/accept"),
        Some(json!({})),
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/forward"),
        Some(json!({"target": "parent"})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "unknown_committee")
            .await
            .field
            .as_deref(),
        Some("target")
    );
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/forward"),
        Some(json!({"target": "outside"})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("outside_name")
    );
    let r = send(
        &app,
        t,
        Method::POST,
        &format!("/reports/{id}/withdraw"),
        None,
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;

    // A report id in a body that names nothing in the queue is the body's fault.
    let nowhere = lvzhi_shared::ids::ReportId::new_v7();
    let r = send(
        &app,
        a,
        Method::POST,
        "/report-issues",
        Some(json!({"issued_on": "2026-06-01", "report_ids": [nowhere]})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "invalid_field").await.field.as_deref(),
        Some("report_ids")
    );
    let r = send(
        &app,
        a,
        Method::POST,
        "/reports/merge",
        Some(json!({"report_ids": [id, nowhere], "title": "合并", "body": "正文", "category": "other"})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "invalid_field").await.field.as_deref(),
        Some("report_ids")
    );

    // An issue takes accepted reports, each once.
    let (today, _) = local_today(&app);
    let pending = draft(&app, t, "关于菜市场改造的建议", &[]).await;
    let _: Report = ok(
        &app,
        t,
        Method::POST,
        &format!("/reports/{}/submit", pending.id),
        None,
    )
    .await;
    let r = send(
        &app,
        a,
        Method::POST,
        "/report-issues",
        Some(json!({"issued_on": today, "report_ids": [pending.id]})),
    )
    .await;
    assert_eq!(
        expect_error(r, 409, "invalid_transition")
            .await
            .field
            .as_deref(),
        Some("report_ids")
    );
    let _: ReportIssue = ok(
        &app,
        a,
        Method::POST,
        "/report-issues",
        Some(json!({"issued_on": today, "report_ids": [id]})),
    )
    .await;
    let r = send(
        &app,
        a,
        Method::POST,
        "/report-issues",
        Some(json!({"issued_on": today, "report_ids": [id]})),
    )
    .await;
    assert_eq!(
        expect_error(r, 409, "already_compiled")
            .await
            .field
            .as_deref(),
        Some("report_ids")
    );

    // Outcomes: dates not in the future; each recorded once.
    let _: Report = ok(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/forward"),
        Some(json!({"target": "outside", "outside_name": "市委办公室"})),
    )
    .await;
    let tomorrow = (app.clock.now_utc() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/adoptions"),
        Some(json!({"level": "city", "adopted_on": tomorrow, "adopted_by": "市委办公室"})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "invalid_field").await.field.as_deref(),
        Some("adopted_on")
    );
    let r = send(
        &app,
        a,
        Method::POST,
        &format!("/reports/{id}/replies"),
        Some(json!({"department": "", "replied_on": today, "text": "答复"})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("department")
    );

    let detail: ReportDetail = ok(&app, t, Method::GET, &format!("/reports/{id}"), None).await;
    use ReportEventKind::*;
    assert_eq!(kinds(&detail), [Submitted, Accepted, Compiled, Forwarded]);
    let issues: lvzhi_shared::reports::ReportIssueList =
        ok(&app, a, Method::GET, "/report-issues", None).await;
    assert_eq!(issues.items.len(), 1);
}

async fn merged_reports_share_their_credit(b: Backend) {
    let app = city_app(b).await;
    let admin = app.admin().await;
    let a = admin.access_token.as_str();
    let first = app.member_in("13900073001", Some("教育界")).await;
    let second = app.member_in("13900073002", Some("医药卫生界")).await;
    let helper = app.member_in("13900073003", Some("教育界")).await;
    let mut ids = Vec::new();
    for (who, cosigners) in [(&first, vec![&helper]), (&second, vec![])] {
        let r = draft(
            &app,
            &who.access_token,
            "关于校园周边交通安全的建议",
            &cosigners,
        )
        .await;
        let _: Report = ok(
            &app,
            &who.access_token,
            Method::POST,
            &format!("/reports/{}/submit", r.id),
            None,
        )
        .await;
        let _: Report = ok(
            &app,
            a,
            Method::POST,
            &format!("/reports/{}/accept", r.id),
            Some(json!({})),
        )
        .await;
        ids.push(r.id);
    }
    // The helper never confirmed: named on the merged report, not credited.
    let r = send(
        &app,
        a,
        Method::POST,
        "/reports/merge",
        Some(json!({"report_ids": [ids[0], ids[1], ids[0]], "title": "合并", "body": "正文", "category": "education"})),
    )
    .await;
    assert_eq!(
        expect_error(r, 422, "invalid_field").await.field.as_deref(),
        Some("report_ids")
    );
    let r = send(
        &app,
        a,
        Method::POST,
        "/reports/merge",
        Some(json!({"report_ids": ids, "title": "关于加强校园周边交通安全的建议", "body": "合并后的正文。", "category": "education"})),
    )
    .await;
    assert_eq!(r.status(), 201);
    let merged: Report = r.json().await.expect("merged");
    let credited: Vec<(&str, bool)> = merged
        .credits
        .iter()
        .map(|c| (c.name.as_str(), c.confirmed))
        .collect();
    assert_eq!(credited.len(), 3, "{credited:?}");
    assert_eq!(merged.credits[0].member_id, first.user.id);
    assert_eq!(merged.status, ReportStatus::Accepted);
    for id in &ids {
        let d: ReportDetail = ok(&app, a, Method::GET, &format!("/reports/{id}"), None).await;
        assert_eq!(
            (d.report.status, d.report.merged_into),
            (ReportStatus::Merged, Some(merged.id))
        );
    }
    // Merging again is refused: they are merged, no longer accepted.
    let r = send(
        &app,
        a,
        Method::POST,
        "/reports/merge",
        Some(
            json!({"report_ids": ids, "title": "再合并", "body": "正文", "category": "education"}),
        ),
    )
    .await;
    expect_error(r, 409, "invalid_transition").await;
    // The second author finds the merged report among theirs.
    let mine: ReportPage = ok(&app, &second.access_token, Method::GET, "/me/reports", None).await;
    assert!(mine.items.iter().any(|r| r.id == merged.id));
    // The year's figures count the merged report once, for each confirmed name.
    let (_, year) = local_today(&app);
    let f: ReportFigures = ok(
        &app,
        a,
        Method::GET,
        &format!("/report-figures?year={year}"),
        None,
    )
    .await;
    assert_eq!((f.submitted, f.accepted), (1, 1));
    assert_eq!(
        f.by_member.len(),
        2,
        "the unconfirmed co-signer is not credited"
    );
    let sectors: Vec<&str> = f.by_sector.iter().map(|s| s.sector.as_str()).collect();
    assert_eq!(sectors.len(), 2, "{sectors:?}");
}

/// Two clerks (or a double click) at once: a report is accepted once, and
/// issues compiled together get consecutive numbers, never a fault.
async fn steps_sent_together_happen_once(b: Backend) {
    let app = city_app(b).await;
    let admin = app.admin().await;
    let a = admin.access_token.as_str();
    let author = app.member_in("13900074001", None).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let r = draft(
            &app,
            &author.access_token,
            &format!("关于第{i}件事的建议"),
            &[],
        )
        .await;
        let _: Report = ok(
            &app,
            &author.access_token,
            Method::POST,
            &format!("/reports/{}/submit", r.id),
            None,
        )
        .await;
        ids.push(r.id);
    }
    let accept = format!("/reports/{}/accept", ids[0]);
    let accepts = futures::future::join_all(
        (0..6).map(|_| send(&app, a, Method::POST, &accept, Some(json!({})))),
    )
    .await;
    let statuses: Vec<u16> = accepts.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let d: ReportDetail = ok(&app, a, Method::GET, &format!("/reports/{}", ids[0]), None).await;
    assert_eq!(
        kinds(&d)
            .iter()
            .filter(|k| **k == ReportEventKind::Accepted)
            .count(),
        1
    );

    for id in &ids[1..] {
        let _: Report = ok(
            &app,
            a,
            Method::POST,
            &format!("/reports/{id}/accept"),
            Some(json!({})),
        )
        .await;
    }
    let (today, _) = local_today(&app);
    let compiled = futures::future::join_all(ids.iter().map(|id| {
        send(
            &app,
            a,
            Method::POST,
            "/report-issues",
            Some(json!({"issued_on": today, "report_ids": [id]})),
        )
    }))
    .await;
    let mut numbers = Vec::new();
    for r in compiled {
        assert_eq!(r.status(), 201);
        numbers.push(r.json::<ReportIssue>().await.expect("issue").number);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4]);
}
