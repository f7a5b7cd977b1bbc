//! Body size: each endpoint's limit holds with and without Content-Length,
//! and a body of exactly the limit is still read.

use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::Method;

use crate::{activity_body, assert_error, post_chunked, still_serving};

const BODY: usize = 4096;
const IMPORT: usize = 8192;
const MATERIAL: usize = 16384;

async fn small_limits(b: Backend) -> TestApp {
    TestApp::spawn_with(b, |c| {
        c.limits.max_body_bytes = BODY;
        c.limits.max_import_bytes = IMPORT;
        c.limits.max_material_bytes = MATERIAL;
    })
    .await
}

/// `body` padded with trailing spaces (still valid JSON) to exactly `len` bytes.
fn padded(body: &serde_json::Value, len: usize) -> String {
    let mut text = body.to_string();
    assert!(text.len() <= len);
    text.extend(std::iter::repeat_n(' ', len - text.len()));
    text
}

async fn json_bodies_stop_at_the_limit(b: Backend) {
    let app = small_limits(b).await;
    let office = app.admin().await.access_token;
    let draft = activity_body(&app);
    let send = |text: String| {
        app.api(Method::POST, "/activities")
            .bearer_auth(&office)
            .header("content-type", "application/json")
            .body(text)
            .send()
    };
    // Exactly the limit is read and served; one byte more is refused unread.
    let r = send(padded(&draft, BODY)).await.expect("at limit");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let r = send(padded(&draft, BODY + 1)).await.expect("over limit");
    expect_error(r, 413, "payload_too_large").await;
    // Without Content-Length, the server counts as it reads.
    let big = padded(&draft, BODY + 1);
    for path in ["/activities", "/announcements", "/auth/login", "/sectors"] {
        let answer = post_chunked(&app, path, &office, "application/json", big.as_bytes()).await;
        assert_error(&answer, 413, "payload_too_large");
    }
    let answer = post_chunked(
        &app,
        "/activities",
        &office,
        "application/json",
        padded(&draft, BODY).as_bytes(),
    )
    .await;
    assert_eq!(answer.0, 201, "chunked at the limit: {}", answer.1);
    // A JSON operation does not borrow the upload limits.
    let r = send(padded(&draft, IMPORT))
        .await
        .expect("import-sized json");
    expect_error(r, 413, "payload_too_large").await;
    still_serving(&app).await;
}

async fn uploads_have_their_own_limits(b: Backend) {
    let app = small_limits(b).await;
    let office = app.admin().await.access_token;
    // A roster over the import limit, raw and as a form, with and without length.
    let mut csv = "姓名,手机号码\n".as_bytes().to_vec();
    while csv.len() <= IMPORT {
        csv.extend_from_slice("王五,13900000001\n".as_bytes());
    }
    let answer = post_chunked(&app, "/members/import", &office, "text/csv", &csv).await;
    assert_error(&answer, 413, "payload_too_large");
    let r = app
        .api(Method::POST, "/members/import")
        .bearer_auth(&office)
        .header("content-type", "text/csv")
        .body(csv.clone())
        .send()
        .await
        .expect("import");
    expect_error(r, 413, "payload_too_large").await;
    // …while a roster bigger than the JSON limit but within its own is read.
    let mut roster = "姓名,手机号码\n".as_bytes().to_vec();
    let mut i = 0;
    while roster.len() < BODY + 100 {
        roster.extend_from_slice(
            format!(
                "{},1390000{:04}\n",
                lvzhi_tests::chinese_digits(&format!("{i:04}")),
                i
            )
            .as_bytes(),
        );
        i += 1;
    }
    assert!(roster.len() < IMPORT);
    let r = app
        .api(Method::POST, "/members/import?dry_run=true")
        .bearer_auth(&office)
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

    // A material over its limit, as a form without Content-Length.
    let a = app.create_activity(&office, activity_body(&app)).await;
    let boundary = "lvzhi-limit-boundary";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n讲义\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    .into_bytes();
    form.resize(MATERIAL + 10, b'x');
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let answer = post_chunked(
        &app,
        &format!("/activities/{}/materials", a.id),
        &office,
        &format!("multipart/form-data; boundary={boundary}"),
        &form,
    )
    .await;
    assert_error(&answer, 413, "payload_too_large");
    still_serving(&app).await;
}

on_both_backends!(json_bodies_stop_at_the_limit, uploads_have_their_own_limits);
