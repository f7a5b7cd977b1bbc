//! 导入名单 and 打印激活码 in the console: a roster with bad rows checked
//! (nothing stored), fixed, confirmed twice and imported once; the new
//! members' activation codes printed and working in the app; the upload
//! private to its committee; on both backends.

use lvzhi_shared::audit::{AuditAction, AuditPage, AuditVia};
use lvzhi_shared::members::{MemberPage, Role};
use lvzhi_tests::console::{Browser, Page};
use lvzhi_tests::{Backend, MEMBER_PASSWORD, TestApp, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ORGANIZER: &str = "13900083001";

/// Members of the committee whose phone, name or number matches `q`.
async fn found(app: &TestApp, token: &str, q: &str) -> usize {
    let page: MemberPage = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(token)
            .query(&[("q", q)])
            .send()
            .await
            .expect("members"),
    )
    .await;
    page.items.len()
}

/// The report page an upload was sent on to.
async fn report_of(browser: &Browser, upload: &Page) -> (String, Page) {
    assert_eq!(upload.status, 303, "{}", upload.body);
    let to = upload.location().expect("location").to_owned();
    assert!(to.starts_with("/console/members/import/"), "{to}");
    let page = browser.get(&to).await;
    assert_eq!(page.status, 200, "{}", page.body);
    (to, page)
}

async fn a_roster_checked_fixed_and_imported_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.admin().await;
    let office = app.account(Role::Organizer, ORGANIZER).await.access_token;
    app.member_in("13900083002", Some("经济界")).await;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ORGANIZER, MEMBER_PASSWORD).await.status,
        303
    );

    let form = browser.get("/console/members/import").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"enctype="multipart/form-data""#));
    assert!(form.body.contains(r#"<label for="file">名单文件</label>"#));
    let csrf = form.csrf();
    let template = browser.get("/console/members/import/template.csv").await;
    assert!(
        template
            .body
            .starts_with("\u{feff}委员编号,姓名,性别,手机号码")
    );

    // Without the form's token nothing is read.
    let forged = browser
        .upload("/console/members/import", &[], "名单.csv", b"x".to_vec())
        .await;
    assert_eq!(forged.status, 403);
    // Not a roster: said next to the field, in Chinese.
    let headless = browser
        .upload(
            "/console/members/import",
            &[("csrf", &csrf)],
            "名单.csv",
            "王芳,13900083010\n".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(headless.status, 422);
    assert!(
        headless.body.contains("id=\"file-problem\""),
        "{}",
        headless.body
    );
    assert!(
        headless.body.contains("缺少：姓名、手机号码"),
        "{}",
        headless.body
    );

    // Row 3's phone is short, row 4's sector unknown, row 5 repeats row 2's
    // phone; row 6 is a member already on the roster (a new workplace).
    let with_errors = "委员编号,姓名,手机号码,界别,工作单位\n\
        A-01,李春华,13900083010,医药卫生界,县医院\n\
        A-02,赵秋生,1390008,经济界,\n\
        A-03,钱冬梅,13900083012,没有的界,\n\
        A-04,孙夏至,13900083010,经济界,\n\
        ,原有委员,13900083002,经济界,县供销社\n";
    let sent = browser
        .upload(
            "/console/members/import",
            &[("csrf", &csrf)],
            "名单.csv",
            with_errors.as_bytes().to_vec(),
        )
        .await;
    let (report_url, report) = report_of(&browser, &sent).await;
    let body = &report.body;
    assert!(body.contains("检查结果：《名单.csv》"), "{body}");
    assert!(body.contains("<strong>1</strong> 位将新增"), "{body}");
    assert!(body.contains("<strong>1</strong> 位将更新"), "{body}");
    assert!(body.contains("<strong>3</strong> 行有问题"), "{body}");
    for line in [
        "<td>第 3 行</td><td>A-02</td><td>手机号码</td><td>手机号码应为 11 位数字</td>",
        "<td>第 4 行</td><td>A-03</td><td>界别</td><td>没有这个界别",
        "<td>第 5 行</td><td>A-04</td><td>手机号码</td><td>手机号码已有其他委员在用，或与上面某一行重复",
    ] {
        assert!(body.contains(line), "{line}\n{body}");
    }
    // A dry run: nobody was added or changed.
    assert_eq!(found(&app, &office, "13900083010").await, 0);
    assert_eq!(found(&app, &office, "县供销社").await, 0);

    // Fixed and sent again; confirmed with a double click.
    let fixed = with_errors
        .replace("1390008,", "13900083011,")
        .replace("没有的界", "科技界")
        .replace("A-04,孙夏至,13900083010", "A-04,孙夏至,13900083013");
    let sent = browser
        .upload(
            "/console/members/import",
            &[("csrf", &csrf)],
            "名单（改）.csv",
            fixed.into_bytes(),
        )
        .await;
    let (report_url_fixed, report) = report_of(&browser, &sent).await;
    assert_ne!(report_url, report_url_fixed);
    assert!(
        report.body.contains("<strong>4</strong> 位将新增"),
        "{}",
        report.body
    );
    assert!(report.body.contains("<strong>0</strong> 行有问题"));
    assert!(report.body.contains("确认导入（新增 4 位，更新 1 位）"));
    let csrf = report.csrf();
    for _ in 0..2 {
        let confirmed = browser.post(&report_url_fixed, &[("csrf", &csrf)]).await;
        assert_eq!(confirmed.status, 303, "{}", confirmed.body);
        assert_eq!(confirmed.location(), Some(report_url_fixed.as_str()));
    }
    let done = browser.get(&report_url_fixed).await;
    assert!(
        done.body
            .contains("导入《名单（改）.csv》：新增 4 位委员，更新 1 位"),
        "{}",
        done.body
    );
    for phone in ["13900083010", "13900083011", "13900083012", "13900083013"] {
        assert_eq!(found(&app, &office, phone).await, 1, "{phone} once");
    }
    assert_eq!(found(&app, &office, "县供销社").await, 1);
    // The first upload, never confirmed, imports nothing more now.
    let stale = browser.get(&report_url).await;
    assert!(
        stale.body.contains("<strong>0</strong> 位将新增"),
        "{}",
        stale.body
    );

    // The new members' codes, printed; one of them activates the app.
    assert!(done.body.contains("打印这 4 位新委员的激活码"));
    let upload_id = report_url_fixed.rsplit('/').next().expect("id");
    let slips = browser
        .post(
            "/console/members/codes",
            &[("csrf", &csrf), ("upload", upload_id)],
        )
        .await;
    assert_eq!(slips.status, 200, "{}", slips.body);
    assert_eq!(slips.body.matches("<li class=\"slip\">").count(), 4);
    assert!(
        slips
            .body
            .contains("<strong>李春华</strong>　委员编号 A-01")
    );
    assert!(slips.body.contains("手机号 139****3010"), "{}", slips.body);
    let code = slips.between(
        "<strong>李春华</strong>　委员编号 A-01</p>\n      <p>手机号 139****3010</p>\n      <p class=\"slip-code\">",
        "<",
    );
    let activated = app
        .api(Method::POST, "/auth/activate")
        .json(&json!({
            "phone": "13900083010",
            "activation_code": code,
            "new_password": "a-long-new-password",
        }))
        .send()
        .await
        .expect("activate");
    assert_eq!(activated.status(), 200, "code {code}");
    let log: AuditPage = json_ok(
        app.api(Method::GET, "/audit-log")
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("audit"),
    )
    .await;
    let issued = &log.items[0];
    assert_eq!(
        (issued.action, issued.via, issued.detail.as_str()),
        (
            AuditAction::ActivationCodesIssued,
            AuditVia::Console,
            "4 个账号"
        )
    );

    // The codes page counts who is waiting; printing needs the token.
    let waiting = browser.get("/console/members/codes").await;
    assert!(
        waiting
            .body
            .contains("还有 <strong>3</strong> 位委员没有激活账号"),
        "{}",
        waiting.body
    );
    let forged = browser.post("/console/members/codes", &[]).await;
    assert_eq!(forged.status, 403);

    // Another committee's office cannot see or confirm this upload.
    app.other_committee_organizer("13900084001").await;
    let theirs = Browser::new(&app);
    assert_eq!(
        theirs.sign_in("13900084001", MEMBER_PASSWORD).await.status,
        303
    );
    assert_eq!(theirs.get(&report_url).await.status, 404);
    let their_csrf = theirs.get("/console/members/import").await.csrf();
    let confirmed = theirs.post(&report_url, &[("csrf", &their_csrf)]).await;
    assert_eq!(confirmed.status, 404);
    assert_eq!(found(&app, &office, "13900083012").await, 1);
}

on_both_backends!(a_roster_checked_fixed_and_imported_once);
