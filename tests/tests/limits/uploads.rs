//! Uploads: rosters and course materials are judged by their content, not
//! their name or declared type; an empty, disguised or booby-trapped file is
//! a 4xx with a code, and the server keeps serving.

use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::Workbook;

use crate::{activity_body, still_serving};

async fn materials_are_judged_by_content(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let a = app.create_activity(&office, activity_body(&app)).await;
    let upload = |name: &str, mime: &str, bytes: Vec<u8>| {
        let part = Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("mime");
        app.api(Method::POST, &format!("/activities/{}/materials", a.id))
            .bearer_auth(&office)
            .multipart(Form::new().text("title", "讲义").part("file", part))
            .send()
    };
    for (name, mime, bytes) in [
        // A program named as a PDF.
        (
            "notes.pdf",
            "application/pdf",
            b"MZ\x90\x00\x03\x00\x00\x00 this program".to_vec(),
        ),
        // A web page named and declared as a picture.
        (
            "photo.png",
            "image/png",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        (
            "photo.jpg",
            "image/jpeg",
            b"<html><body>hi</body></html>".to_vec(),
        ),
        // A shell script declared as a document.
        (
            "run.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"#!/bin/sh\nrm -rf /\n".to_vec(),
        ),
        // An Office name on a ZIP is needed; any other ZIP is refused.
        (
            "archive.zip",
            "application/zip",
            b"PK\x03\x04 archive".to_vec(),
        ),
        // Empty, and cut short before the signature is complete.
        ("empty.pdf", "application/pdf", Vec::new()),
        ("short.png", "image/png", b"\x89PN".to_vec()),
    ] {
        let r = upload(name, mime, bytes).await.expect("upload");
        let e = expect_error(r, 415, "unsupported_media_type").await;
        assert_eq!(e.field.as_deref(), Some("file"), "{name}");
    }
    // A real PDF with a misleading name and type is stored as what it is.
    let r = upload("photo.png", "image/png", b"%PDF-1.7\n".to_vec())
        .await
        .expect("upload");
    assert_eq!(r.status(), 201);
    let m: lvzhi_shared::activities::Material = r.json().await.expect("material");
    assert_eq!(m.content_type.as_deref(), Some("application/pdf"));
    // A form without the file part, or without a title.
    let r = app
        .api(Method::POST, &format!("/activities/{}/materials", a.id))
        .bearer_auth(&office)
        .multipart(Form::new().text("title", "讲义"))
        .send()
        .await
        .expect("upload");
    expect_error(r, 400, "invalid_body").await;
    let r = app
        .api(Method::POST, &format!("/activities/{}/materials", a.id))
        .bearer_auth(&office)
        .multipart(Form::new().part("file", Part::bytes(b"%PDF-1.4".to_vec()).file_name("a.pdf")))
        .send()
        .await
        .expect("upload");
    expect_error(r, 400, "invalid_body").await;
    still_serving(&app).await;
}

fn xlsx(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("cell");
    sheet.write_string(0, 1, "手机号码").expect("cell");
    sheet.write_string(1, 0, "王五").expect("cell");
    sheet.write_string(1, 1, "13900065001").expect("cell");
    fill(sheet);
    book.save_to_buffer().expect("xlsx")
}

async fn rosters_are_judged_by_content(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.limits.max_import_bytes = 64 * 1024).await;
    let office = app.admin().await.access_token;
    let send = |bytes: Vec<u8>, content_type: &'static str| {
        app.api(Method::POST, "/members/import?dry_run=true")
            .bearer_auth(&office)
            .header("content-type", content_type)
            .body(bytes)
            .send()
    };
    for (what, bytes) in [
        (
            "a program",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 program".to_vec(),
        ),
        (
            "a web page",
            b"<!doctype html><html><body>roster</body></html>".to_vec(),
        ),
        (
            "binary noise",
            vec![0xff, 0xfe, 0x00, 0x81, 0x82, 0x83, 0xc0, 0xc1],
        ),
        ("a PDF", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj".to_vec()),
        (
            "a header alone of other columns",
            "单位,职务\n县医院,院长\n".as_bytes().to_vec(),
        ),
    ] {
        let r = send(bytes, "text/csv").await.expect(what);
        let e = expect_error(r, 422, "invalid_import_file").await;
        assert_eq!(e.field.as_deref(), Some("file"), "{what}");
    }
    // A spreadsheet whose one stray cell sits in the last row and column
    // (XFD1048576): its real rows count, and the server does not try to
    // lay out seventeen billion cells.
    let far = xlsx(|s| {
        s.write_string(1_048_575, 16_383, "x").expect("cell");
    });
    let r = send(far, "application/octet-stream")
        .await
        .expect("far cell");
    let report: lvzhi_shared::members::ImportReport = lvzhi_tests::json_ok(r).await;
    assert_eq!(report.rows, 1, "{report:?}");
    // Far rows one column in: each is a row, so the row limit stops it.
    let tall = xlsx(|s| {
        for row in [500_000, 1_000_000, 1_048_575] {
            s.write_string(row, 0, "赵六").expect("cell");
            s.write_string(row, 1, "13900065002").expect("cell");
        }
    });
    let r = send(tall, "application/octet-stream").await.expect("tall");
    assert!(
        r.status().is_success() || r.status() == 422,
        "{}",
        r.status()
    );
    // A small file that inflates far beyond the upload limit.
    let bomb = xlsx(|s| {
        for row in 2..400 {
            s.write_string(row, 2, format!("{row}{}", "a".repeat(32_000)))
                .expect("cell");
        }
    });
    assert!(bomb.len() < 64 * 1024, "the bomb is {} bytes", bomb.len());
    let r = send(bomb, "application/octet-stream").await.expect("bomb");
    let e = expect_error(r, 422, "invalid_import_file").await;
    assert_eq!(e.field.as_deref(), Some("file"));
    still_serving(&app).await;
}

on_both_backends!(
    materials_are_judged_by_content,
    rosters_are_judged_by_content
);
