//! What the office prepares before a meeting: its documents (会议材料),
//! served to the summoned only, and a body's members imported from a list —
//! through the HTTP API on both backends.

use lvzhi_server::clock::Clock;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::Material;
use lvzhi_shared::audit::AuditPage;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::meetings::{Body, BodyImportReport, BodyMemberList, Meeting, MeetingList};
use lvzhi_tests::{Backend, TestApp, chinese_digits, expect_error, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    meeting_documents_reach_the_summoned_only,
    body_members_come_from_a_list
);

async fn audit_actions(app: &TestApp, admin: &str) -> Vec<String> {
    let page: AuditPage = json_ok(
        app.api(Method::GET, "/audit-log")
            .bearer_auth(admin)
            .send()
            .await
            .expect("audit log"),
    )
    .await;
    page.items
        .into_iter()
        .map(|e| e.action.as_str().to_owned())
        .collect()
}

async fn meeting_documents_reach_the_summoned_only(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.limits.max_material_bytes = 64 * 1024).await;
    let office = app.admin().await.access_token;
    let people = app.quick_members("13900051", 2).await;
    let (summoned, outsider) = (&people[0], &people[1]);
    let m = app
        .published_meeting(&office, &[summoned.id], "第七届常委会第五次会议", &[48])
        .await;
    assert!(m.documents.is_empty());
    let upload = |token: String, meeting: String, title: &str, name: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("title", title.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        app.api(Method::POST, &format!("/meetings/{meeting}/documents"))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };
    let id = m.id.to_string();
    let pdf = b"%PDF-1.4\n% agenda of the fifth meeting\n".to_vec();
    let r = upload(
        office.clone(),
        id.clone(),
        "会议议程",
        "agenda.pdf",
        pdf.clone(),
    )
    .await
    .expect("upload");
    assert_eq!(r.status(), 201);
    let doc: Material = r.json().await.expect("document");
    assert_eq!(doc.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(doc.size_bytes, Some(pdf.len() as i64));

    // The summoned member sees it on the meeting (detail and list) and downloads it.
    let seen: Meeting = app
        .call_ok(
            &summoned.token,
            Method::GET,
            &format!("/meetings/{id}"),
            None,
        )
        .await;
    assert_eq!(seen.documents.len(), 1);
    assert_eq!(seen.documents[0].title, "会议议程");
    let listed: MeetingList = app
        .call_ok(&summoned.token, Method::GET, "/meetings", None)
        .await;
    assert_eq!(listed.items[0].documents[0].id, doc.id);
    let got = app
        .raw(Method::GET, &doc.url)
        .bearer_auth(&summoned.token)
        .send()
        .await
        .expect("download");
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), pdf);

    // Someone not summoned gets nothing, not even that it exists; members do not upload.
    let r = app
        .raw(Method::GET, &doc.url)
        .bearer_auth(&outsider.token)
        .send()
        .await
        .expect("download");
    expect_error(r, 404, "not_found").await;
    let r = upload(
        summoned.token.clone(),
        id.clone(),
        "x",
        "x.pdf",
        pdf.clone(),
    )
    .await
    .expect("upload");
    assert_eq!(r.status(), 403);

    // Bad files are refused with the field at fault, and nothing is stored.
    let r = upload(
        office.clone(),
        id.clone(),
        "说明",
        "notes.txt",
        b"plain text".to_vec(),
    )
    .await
    .expect("upload");
    let e = expect_error(r, 415, "unsupported_media_type").await;
    assert_eq!(e.field.as_deref(), Some("file"));
    let r = upload(office.clone(), id.clone(), "   ", "a.pdf", pdf.clone())
        .await
        .expect("upload");
    let e = expect_error(r, 422, "invalid_field").await;
    assert_eq!(e.field.as_deref(), Some("title"));
    let r = upload(office.clone(), id.clone(), "太大", "big.pdf", {
        let mut big = pdf.clone();
        big.resize(65 * 1024, b' ');
        big
    })
    .await
    .expect("upload");
    assert_eq!(r.status(), 413);
    let r = upload(
        office.clone(),
        m.sessions[0].id.to_string(),
        "x",
        "a.pdf",
        pdf.clone(),
    )
    .await
    .expect("upload");
    expect_error(r, 404, "not_found").await;
    let seen: Meeting = app
        .call_ok(&office, Method::GET, &format!("/meetings/{id}"), None)
        .await;
    assert_eq!(seen.documents.len(), 1, "refused uploads store nothing");

    // Removing it takes it off the meeting; a second removal finds nothing.
    let path = format!("/meetings/{id}/documents/{}", doc.id);
    let r = app
        .api(Method::DELETE, &path)
        .bearer_auth(&office)
        .send()
        .await
        .expect("remove");
    assert_eq!(r.status(), 204);
    let r = app
        .api(Method::DELETE, &path)
        .bearer_auth(&office)
        .send()
        .await
        .expect("remove");
    expect_error(r, 404, "not_found").await;
    let r = app
        .raw(Method::GET, &doc.url)
        .bearer_auth(&summoned.token)
        .send()
        .await
        .expect("download");
    expect_error(r, 404, "not_found").await;

    // A cancelled meeting takes no documents.
    let _: Meeting = app
        .call_ok(
            &office,
            Method::POST,
            &format!("/meetings/{id}/cancel"),
            Some(json!({"reason": "改期另行通知"})),
        )
        .await;
    let r = upload(office.clone(), id.clone(), "会议议程", "agenda.pdf", pdf)
        .await
        .expect("upload");
    expect_error(r, 409, "invalid_transition").await;

    let actions = audit_actions(&app, &office).await;
    assert!(actions.contains(&"meeting_document_added".to_owned()));
    assert!(actions.contains(&"meeting_document_removed".to_owned()));
}

fn name_of(phone: &str) -> String {
    format!("委员{}", chinese_digits(&phone[5..]))
}

async fn body_members_come_from_a_list(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let people = app.quick_members("13900052", 4).await;
    let phone = |i: usize| format!("13900052{i:03}");
    let body: Body = app
        .call_ok(
            &office,
            Method::POST,
            "/bodies",
            Some(json!({"name": "第七届常务委员会", "kind": "standing", "term": "第七届"})),
        )
        .await;
    let _: serde_json::Value = app
        .call_ok(
            &office,
            Method::POST,
            &format!("/bodies/{}/members", body.id),
            Some(json!({"member_id": people[0].id, "joined_on": "2020-01-01"})),
        )
        .await;
    // A published meeting of the body: the imported members are summoned to it.
    let in_two_days = (app.clock.now() + chrono::Duration::days(2)).to_rfc3339();
    let ends =
        (app.clock.now() + chrono::Duration::days(2) + chrono::Duration::hours(3)).to_rfc3339();
    let draft: Meeting = app
        .call_ok(
            &office,
            Method::POST,
            "/meetings",
            Some(json!({
                "kind": "standing", "body_id": body.id, "title": "常委会会议", "agenda": "",
                "sessions": [{"title": "全体会议", "starts_at": in_two_days, "ends_at": ends, "place": "三楼"}],
            })),
        )
        .await;
    let published: Meeting = app
        .call_ok(
            &office,
            Method::POST,
            &format!("/meetings/{}/publish", draft.id),
            None,
        )
        .await;
    assert_eq!(published.summoned, 1);

    // Row 2: already a member; 3, 4: new; 5: nobody has this phone; 6: the
    // phone is member 3's but the name is not; 7: not a phone; 8: row 3 again.
    let csv = format!(
        "姓名,手机号码\n{},{}\n{},{}\n{},{}\n张三,13999999999\n李四,{}\n王五,12345\n{},{}\n",
        name_of(&phone(0)),
        phone(0),
        name_of(&phone(1)),
        phone(1),
        name_of(&phone(2)),
        phone(2),
        phone(3),
        name_of(&phone(1)),
        phone(1),
    );
    let import = |dry_run: bool, joined_on: &str, file: Vec<u8>, token: &str| {
        let form = reqwest::multipart::Form::new()
            .text("joined_on", joined_on.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(file).file_name("常委名单.csv"),
            );
        app.api(
            Method::POST,
            &format!("/bodies/{}/members/import?dry_run={dry_run}", body.id),
        )
        .bearer_auth(token)
        .multipart(form)
        .send()
    };
    let members_of = || async {
        let list: BodyMemberList = app
            .call_ok(
                &office,
                Method::GET,
                &format!("/bodies/{}/members", body.id),
                None,
            )
            .await;
        let mut ids: Vec<MemberId> = list.items.iter().map(|m| m.member_id).collect();
        ids.sort();
        ids
    };
    let today = app.clock.now().date_naive().to_string();

    // A dry run reports what would happen and changes nothing.
    let report: BodyImportReport = json_ok(
        import(true, &today, csv.clone().into_bytes(), &office)
            .await
            .expect("import"),
    )
    .await;
    assert_eq!((report.added, report.already_members), (2, 2));
    assert_eq!(members_of().await, vec![people[0].id]);

    let report: BodyImportReport = json_ok(
        import(false, &today, csv.clone().into_bytes(), &office)
            .await
            .expect("import"),
    )
    .await;
    assert_eq!((report.added, report.already_members), (2, 2));
    let problems: Vec<(u32, Option<&str>, ErrorCode)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_deref(), e.code))
        .collect();
    assert_eq!(
        problems,
        vec![
            (5, Some("phone"), ErrorCode::UnknownMember),
            (6, Some("name"), ErrorCode::InvalidField),
            (7, Some("phone"), ErrorCode::InvalidPhone),
        ]
    );
    let mut want = vec![people[0].id, people[1].id, people[2].id];
    want.sort();
    assert_eq!(members_of().await, want);
    let now: Meeting = app
        .call_ok(
            &office,
            Method::GET,
            &format!("/meetings/{}", draft.id),
            None,
        )
        .await;
    assert_eq!(
        now.summoned, 3,
        "the meeting to come summons those imported"
    );
    let their_view: Meeting = app
        .call_ok(
            &people[1].token,
            Method::GET,
            &format!("/meetings/{}", draft.id),
            None,
        )
        .await;
    assert!(their_view.me.is_some());

    // The same list again adds nobody twice.
    let again: BodyImportReport = json_ok(
        import(false, &today, csv.clone().into_bytes(), &office)
            .await
            .expect("import"),
    )
    .await;
    assert_eq!((again.added, again.already_members), (0, 4));
    assert_eq!(members_of().await, want);

    // Bad input: a date that is none, a file without the columns, a member's
    // token, another committee's body.
    let r = import(false, "2026-13-01", csv.clone().into_bytes(), &office)
        .await
        .expect("import");
    let e = expect_error(r, 422, "invalid_field").await;
    assert_eq!(e.field.as_deref(), Some("joined_on"));
    let r = import(false, &today, "名字\n张三\n".as_bytes().to_vec(), &office)
        .await
        .expect("import");
    let e = expect_error(r, 422, "invalid_import_file").await;
    assert_eq!(e.field.as_deref(), Some("file"));
    let r = import(false, &today, csv.clone().into_bytes(), &people[3].token)
        .await
        .expect("import");
    assert_eq!(r.status(), 403);
    let stranger = app.other_committee_organizer("13900052900").await;
    let r = import(false, &today, csv.into_bytes(), &stranger.access_token)
        .await
        .expect("import");
    expect_error(r, 404, "not_found").await;
    assert_eq!(members_of().await, want);

    let actions = audit_actions(&app, &office).await;
    assert!(
        actions
            .iter()
            .filter(|a| a.as_str() == "body_member_added")
            .count()
            >= 2,
        "the single addition and the import are both in the log: {actions:?}"
    );
}
