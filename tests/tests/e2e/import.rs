//! Roster import from the fixture files: CSV and XLSX, Chinese and English
//! headers, row errors, dry runs, re-runs, and the activation-code sheets.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::members::{ImportReport, MemberPage};
use lvzhi_tests::{Backend, TestApp, expect_error, fixture, json_ok, on_both_backends};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    fixture_roster_imports_once_from_csv_and_xlsx,
    bad_rows_are_reported_and_good_rows_imported_once,
    row_numbers_are_the_spreadsheets_after_blank_lines,
    dry_run_reports_without_writing,
    activation_sheets_open_in_a_spreadsheet,
    unreadable_and_oversized_uploads_are_refused,
);

async fn import(app: &TestApp, token: &str, bytes: Vec<u8>, dry_run: bool) -> ImportReport {
    json_ok(
        app.api(Method::POST, "/members/import")
            .bearer_auth(token)
            .query(&[("dry_run", dry_run.to_string())])
            .header("content-type", "text/csv")
            .body(bytes)
            .send()
            .await
            .expect("import"),
    )
    .await
}

async fn roster_size(app: &TestApp, token: &str) -> usize {
    let mut total = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut req = app
            .api(Method::GET, "/members")
            .bearer_auth(token)
            .query(&[("limit", "200")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page: MemberPage = json_ok(req.send().await.expect("list")).await;
        total += page.items.len();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return total,
        }
    }
}

async fn fixture_roster_imports_once_from_csv_and_xlsx(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.admin().await.access_token;
    let first = import(&app, &token, fixture("members.csv"), false).await;
    assert_eq!(
        (first.rows, first.created, first.updated, first.unchanged),
        (320, 320, 0, 0)
    );
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert_eq!(first.activation_codes.len(), 320);
    assert_eq!(roster_size(&app, &token).await, 321);

    let again = import(&app, &token, fixture("members.csv"), false).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 320));
    assert!(again.activation_codes.is_empty());

    // The office's spreadsheet (Chinese headers, numbers stored as numbers) is the same roster,
    // sent as a form upload the way a browser would.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(fixture("members.xlsx")).file_name("members.xlsx"),
    );
    let xlsx: ImportReport = json_ok(
        app.api(Method::POST, "/members/import")
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .expect("import"),
    )
    .await;
    assert_eq!(
        (xlsx.rows, xlsx.created, xlsx.updated, xlsx.unchanged),
        (320, 0, 0, 320),
        "{:?}",
        xlsx.errors
    );
    assert_eq!(roster_size(&app, &token).await, 321);

    // An imported member activates with the code from the report.
    let code = &first.activation_codes[0];
    let pair: TokenPair = json_ok(
        app.api(Method::POST, "/auth/activate")
            .json(&json!({"phone": code.phone, "activation_code": code.code, "new_password": "password-123"}))
            .send()
            .await
            .expect("activate"),
    )
    .await;
    assert_eq!(pair.user.sector.as_deref(), Some("中国共产党"));
    assert_eq!(pair.user.member_no.as_deref(), Some("XX-0001"));
}

async fn bad_rows_are_reported_and_good_rows_imported_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.admin().await.access_token;
    let expected = [
        (3, "field_required", "name"),
        (4, "invalid_phone", "phone"),
        (5, "phone_taken", "phone"),
        (6, "unknown_sector", "sector"),
        (7, "member_no_taken", "member_no"),
        (9, "invalid_field", "birth_year"),
        (10, "invalid_name", "name"),
    ];
    for run in 0..2 {
        let report = import(&app, &token, fixture("members-with-errors.csv"), false).await;
        let got: Vec<(u32, String, String)> = report
            .errors
            .iter()
            .map(|e| {
                let code = serde_json::to_value(e.code)
                    .expect("code")
                    .as_str()
                    .expect("str")
                    .to_owned();
                (e.row, code, e.field.clone().unwrap_or_default())
            })
            .collect();
        let want: Vec<(u32, String, String)> = expected
            .iter()
            .map(|(r, c, f)| (*r, (*c).to_owned(), (*f).to_owned()))
            .collect();
        assert_eq!(got, want, "run {run}");
        assert!(report.errors.iter().all(|e| !e.message.is_empty()));
        assert_eq!(report.rows, 10);
        if run == 0 {
            assert_eq!((report.created, report.unchanged), (3, 0));
        } else {
            assert_eq!(
                (report.created, report.unchanged),
                (0, 3),
                "safe to run twice"
            );
        }
    }
    // The +86 phone was stored normalised.
    let page: MemberPage = json_ok(
        app.api(Method::GET, "/members")
            .bearer_auth(&token)
            .query(&[("q", "李强")])
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(page.items[0].phone, "13900000007");
    assert_eq!(roster_size(&app, &token).await, 4);
}

/// Blank lines are rows in the office's spreadsheet too, and a cell holding a
/// line break is still one row: errors name the row the clerk sees.
async fn row_numbers_are_the_spreadsheets_after_blank_lines(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.admin().await.access_token;
    let csv = concat!(
        "姓名,手机号码,工作单位\n",            // row 1
        "王芳,13900000101,县医院\n",           // row 2
        "\n",                                  // row 3, blank
        ",13900000102,县医院\n",               // row 4: no name
        "\n",                                  // row 5, blank
        "\n",                                  // row 6, blank
        "李强,12345,县医院\n",                 // row 7: bad phone
        "赵敏,13900000103,\"县医院\n内科\"\n", // row 8: one cell on two lines (refused)
        "钱进,13900000104,<b>\n",              // row 9: markup in the workplace
    );
    let report = import(&app, &token, csv.as_bytes().to_vec(), true).await;
    let got: Vec<(u32, Option<String>)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.field.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (4, Some("name".to_owned())),
            (7, Some("phone".to_owned())),
            (8, Some("workplace".to_owned())),
            (9, Some("workplace".to_owned())),
        ],
        "{:?}",
        report.errors
    );
    assert_eq!((report.rows, report.created), (5, 1));
}

async fn dry_run_reports_without_writing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.admin().await.access_token;
    let dry = import(&app, &token, fixture("members-with-errors.csv"), true).await;
    assert!(dry.dry_run);
    assert_eq!((dry.created, dry.errors.len()), (3, 7));
    assert!(dry.activation_codes.is_empty());
    assert_eq!(roster_size(&app, &token).await, 1, "nothing written");
    let real = import(&app, &token, fixture("members-with-errors.csv"), false).await;
    assert_eq!(real.created, 3, "the dry run predicted the real run");
}

async fn activation_sheets_open_in_a_spreadsheet(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.admin().await.access_token;
    import(&app, &token, fixture("members-with-errors.csv"), false).await;
    let csv = app
        .api(Method::POST, "/members/activation-codes")
        .bearer_auth(&token)
        .query(&[("format", "csv")])
        .json(&json!({}))
        .send()
        .await
        .expect("codes");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains("activation-codes.csv")
    );
    let text = csv.text().await.expect("csv");
    assert!(
        text.starts_with("\u{feff}委员编号,姓名,手机号码,激活码,有效期至"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "header + 3 pending members");

    let xlsx = app
        .api(Method::POST, "/members/activation-codes")
        .bearer_auth(&token)
        .query(&[("format", "xlsx")])
        .json(&json!({}))
        .send()
        .await
        .expect("codes");
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.expect("xlsx").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid workbook");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(
        rows[0],
        vec!["委员编号", "姓名", "手机号码", "激活码", "有效期至"]
    );
    assert_eq!(rows.len(), 4);
    // Fresh codes replace the ones in the CSV: a CSV code no longer works, a sheet code does.
    let csv_code = text
        .lines()
        .nth(1)
        .expect("row")
        .split(',')
        .nth(3)
        .expect("code")
        .to_owned();
    let (phone, sheet_code) = (rows[1][2].clone(), rows[1][3].clone());
    let stale = app
        .api(Method::POST, "/auth/activate")
        .json(&json!({"phone": phone, "activation_code": csv_code, "new_password": "password-123"}))
        .send()
        .await
        .expect("activate");
    expect_error(stale, 401, "activation_code_invalid").await;
    let fresh = app
        .api(Method::POST, "/auth/activate")
        .json(
            &json!({"phone": phone, "activation_code": sheet_code, "new_password": "password-123"}),
        )
        .send()
        .await
        .expect("activate");
    json_ok::<TokenPair>(fresh).await;
}

async fn unreadable_and_oversized_uploads_are_refused(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.limits.max_import_bytes = 4096).await;
    let token = app.admin().await.access_token;
    let send = |bytes: Vec<u8>| {
        app.api(Method::POST, "/members/import")
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    let body = expect_error(
        send(vec![0xff, 0xfe, 0x00, 0x01, 0x80])
            .await
            .expect("import"),
        422,
        "invalid_import_file",
    )
    .await;
    assert_eq!(body.field.as_deref(), Some("file"));
    expect_error(
        send(b"just,some,words\n1,2,3\n".to_vec())
            .await
            .expect("import"),
        422,
        "invalid_import_file",
    )
    .await;
    expect_error(
        send(b"PK\x03\x04 not really a zip".to_vec())
            .await
            .expect("import"),
        422,
        "invalid_import_file",
    )
    .await;
    expect_error(
        send(Vec::new()).await.expect("import"),
        422,
        "invalid_import_file",
    )
    .await;
    expect_error(
        send(fixture("members.csv")).await.expect("import"),
        413,
        "payload_too_large",
    )
    .await;
    assert_eq!(roster_size(&app, &token).await, 1);
}
