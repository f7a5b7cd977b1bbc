//! A meeting's documents (会议材料) and a body's members from a list (从名单
//! 导入) in the console, over HTTP on both backends: the clerk uploads a file
//! that the summoned member then opens in the app, a wrong type is said next
//! to the field, removal asks first; a list adds its members once, says each
//! row it could not take and why, and refuses a missing file or a bad date;
//! the admin sets a meeting kind's quorum and leave approvers (会议规则).

use chrono::{Duration, FixedOffset};
use lvzhi_server::clock::Clock;
use lvzhi_shared::members::Role;
use lvzhi_tests::console::Browser;
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::Value;

use crate::meetings::{body_with, published_meeting};

const ORGANIZER: &str = "13900087001";

async fn signed_in(app: &TestApp) -> Browser {
    let browser = Browser::new(app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );
    browser
}

async fn meeting_documents_from_upload_to_removal(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let member = app.member_in("13900087002", None).await;
    let body = body_with(&app, &office.access_token, &[&member]).await;
    let meeting = published_meeting(&app, &office.access_token, &body, 72 * 60).await;
    let id = meeting["id"].as_str().expect("meeting id").to_owned();
    let browser = signed_in(&app).await;
    let page_url = format!("/console/meetings/{id}");
    let files_url = format!("{page_url}/documents");

    let page = browser.get(&page_url).await;
    assert!(page.body.contains("还没有会议材料"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!(r#"href="{files_url}">上传材料…</a>"#))
    );
    let form = browser.get(&files_url).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("应到人员（含列席）可以在 App 的会议页上打开这些材料")
    );

    // Not a type a document may be: said next to the file, the title kept.
    let wrong = browser
        .upload(
            &files_url,
            &[("csrf", &form.csrf()), ("title", "座位表")],
            "seats.txt",
            b"row 1".to_vec(),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("只能上传 PDF"));
    assert!(wrong.body.contains(r#"value="座位表""#));

    // A blank title takes the file's name.
    let pdf = b"%PDF-1.4\n% the standing committee's agenda\n".to_vec();
    let sent = browser
        .upload(
            &files_url,
            &[("csrf", &form.csrf()), ("title", "")],
            "会议议程.pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location(),
        Some(format!("{page_url}?done=material_added").as_str())
    );
    let seen: Value = json_ok(
        app.api(Method::GET, &format!("/meetings/{id}"))
            .bearer_auth(&member.access_token)
            .send()
            .await
            .expect("meeting"),
    )
    .await;
    assert_eq!(seen["documents"][0]["title"], "会议议程");
    let doc = seen["documents"][0]["id"].as_str().expect("doc").to_owned();
    let page = browser
        .get(&format!("{page_url}?done=material_added"))
        .await;
    assert!(page.body.contains("会议材料已上传"));
    let download = format!("{files_url}/{doc}");
    assert!(
        page.body
            .contains(&format!(r#"<a href="{download}">会议议程</a>"#)),
        "{}",
        page.body
    );
    let file = browser.get(&download).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.contains("filename*=UTF-8''%E4%BC%9A"))
    );

    // Removal asks first, then takes it off the meeting for the member too.
    let ask = browser.get(&format!("{download}/remove")).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("删除会议材料「会议议程」"));
    let gone = browser
        .post(&format!("{download}/remove"), &[("csrf", &ask.csrf())])
        .await;
    assert_eq!(gone.status, 303);
    let page = browser.get(&page_url).await;
    assert!(page.body.contains("还没有会议材料"));
    let seen: Value = json_ok(
        app.api(Method::GET, &format!("/meetings/{id}"))
            .bearer_auth(&member.access_token)
            .send()
            .await
            .expect("meeting"),
    )
    .await;
    assert_eq!(seen["documents"].as_array().map(Vec::len), Some(0));
}

async fn a_bodys_members_from_a_list(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let first = app.member_in("13900087011", Some("经济界")).await;
    let second = app.member_in("13900087012", Some("经济界")).await;
    let body = body_with(&app, &office.access_token, &[]).await;
    let browser = signed_in(&app).await;
    let body_url = format!("/console/bodies/{body}");
    let import_url = format!("{body_url}/import");

    let page = browser.get(&body_url).await;
    assert!(
        page.body
            .contains(&format!(r#"href="{import_url}">从名单导入…</a>"#))
    );
    let form = browser.get(&import_url).await;
    assert_eq!(form.status, 200);
    let today = app
        .clock
        .now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).expect("offset"))
        .date_naive();
    assert!(form.body.contains(&format!(r#"value="{today}""#)));
    let csrf = form.csrf();

    let csv = format!(
        "姓名,手机号码\n{},13900087011\n{},13900087012\n张三,13999999999\n",
        first.user.name, second.user.name
    );
    // No file, a date that is none: said next to each field, nothing imported.
    let empty = browser
        .upload(
            &import_url,
            &[
                ("csrf", &csrf),
                ("joined_on", "2026-02-30"),
                ("voting", "on"),
            ],
            "常委名单.csv",
            Vec::new(),
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(empty.body.contains("这个文件是空的"));
    assert!(empty.body.contains("请按“2026-12-03”的格式填写日期"));

    let joined = (today - Duration::days(1)).to_string();
    let done = browser
        .upload(
            &import_url,
            &[("csrf", &csrf), ("joined_on", &joined), ("voting", "on")],
            "常委名单.csv",
            csv.clone().into_bytes(),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("新加入 <strong>2</strong> 人"),
        "{}",
        done.body
    );
    assert!(done.body.contains("第 4 行"));
    assert!(done.body.contains("花名册中没有这位委员"));
    let page = browser.get(&body_url).await;
    assert!(
        page.body.contains("现有成员 <strong>2</strong> 人"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&first.user.name));
    assert!(page.body.contains(&joined));

    // The same list again adds nobody twice.
    let again = browser
        .upload(
            &import_url,
            &[("csrf", &csrf), ("joined_on", &joined), ("voting", "on")],
            "常委名单.csv",
            csv.into_bytes(),
        )
        .await;
    assert!(again.body.contains("新加入 <strong>0</strong> 人"));
    assert!(
        again
            .body
            .contains("<strong>2</strong> 行的委员此前已是本机构成员")
    );
    let page = browser.get(&body_url).await;
    assert!(page.body.contains("现有成员 <strong>2</strong> 人"));
}

async fn meeting_rules_set_by_the_admin(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.account(Role::Organizer, ORGANIZER).await;
    let url = "/console/settings/meeting-rules";
    let organizer = signed_in(&app).await;
    assert_eq!(organizer.get(url).await.status, 403);
    let admin = Browser::new(&app);
    assert_eq!(
        admin
            .sign_in(&app.admin_phone, &app.admin_password)
            .await
            .status,
        303
    );
    let page = admin.get(url).await;
    assert_eq!(page.status, 200);
    for kind in ["全体会议", "常委会议", "主席会议", "民主评议会议"] {
        assert!(page.body.contains(&format!("保存{kind}规则")), "{kind}");
    }
    assert!(
        page.body
            .contains(r#"<option value="1/2" selected>过半数（1/2）</option>"#)
    );
    let csrf = page.csrf();
    let organizer_id = office.user.id.to_string();

    // Not a fraction below one: said on that kind's card, nothing saved.
    let refused = admin
        .post(
            url,
            &[("csrf", &csrf), ("kind", "standing"), ("quorum", "3/2")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("法定人数应为小于 1 的比例"));

    let saved = admin
        .post(
            url,
            &[
                ("csrf", &csrf),
                ("kind", "standing"),
                ("quorum", "2/3"),
                ("approver", &organizer_id),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let rule: Value = json_ok(
        app.api(Method::GET, "/meeting-rules/standing")
            .bearer_auth(&office.access_token)
            .send()
            .await
            .expect("rule"),
    )
    .await;
    assert_eq!(rule["quorum_numerator"], 2);
    assert_eq!(rule["quorum_denominator"], 3);
    assert_eq!(rule["approvers"][0].as_str(), Some(organizer_id.as_str()));
    let page = admin.get(&format!("{url}?done=1")).await;
    assert!(page.body.contains("会议规则已保存"));
    assert!(
        page.body
            .contains(&format!(r#"value="{organizer_id}" checked"#))
    );
    assert!(page.body.contains(r#"<option value="2/3" selected>"#));
    // The other kinds keep their default.
    let plenary: Value = json_ok(
        app.api(Method::GET, "/meeting-rules/plenary")
            .bearer_auth(&office.access_token)
            .send()
            .await
            .expect("rule"),
    )
    .await;
    assert_eq!(plenary["quorum_denominator"], 2);
    assert_eq!(plenary["approvers"].as_array().map(Vec::len), Some(0));
}

on_both_backends!(
    meeting_documents_from_upload_to_removal,
    a_bodys_members_from_a_list,
    meeting_rules_set_by_the_admin
);
