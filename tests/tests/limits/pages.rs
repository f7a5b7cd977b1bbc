//! Page sizes and cursors on every list with `limit`: out-of-range or
//! non-numeric sizes are refused (never clamped) with `invalid_parameter` on
//! `limit`; cursors this server did not make are `invalid_cursor` on `cursor`.

use lvzhi_tests::{Backend, TestApp, expect_error, on_both_backends};
use reqwest::Method;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const LISTS: [&str; 5] = [
    "/members",
    "/activities",
    "/me/notifications",
    "/announcements",
    "/audit-log",
];

async fn page_sizes_and_cursors(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let get = |path: &str, query: Vec<(&'static str, String)>| {
        app.api(Method::GET, path)
            .bearer_auth(&office)
            .query(&query)
            .send()
    };
    for list in LISTS {
        for ok in ["1", "200"] {
            let r = get(list, vec![("limit", ok.into())]).await.expect("list");
            assert_eq!(r.status(), 200, "{list}?limit={ok}");
        }
        for bad in [
            "0",
            "-1",
            "201",
            "4294967296",
            "99999999999999999999999",
            "ten",
            "1.5",
            "",
            "1e2",
        ] {
            let r = get(list, vec![("limit", bad.into())]).await.expect("list");
            let e = expect_error(r, 400, "invalid_parameter").await;
            assert_eq!(e.field.as_deref(), Some("limit"), "{list}?limit={bad}");
        }
        let not_an_id = URL_SAFE_NO_PAD.encode("not-an-id");
        let invalid_utf8 = URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0xfd]);
        for bad in [
            "garbage!".to_owned(),
            "%%%".to_owned(),
            not_an_id,
            invalid_utf8,
            "A".repeat(4000),
        ] {
            let r = get(list, vec![("cursor", bad.clone())])
                .await
                .expect("list");
            let e = expect_error(r, 400, "invalid_cursor").await;
            assert_eq!(
                e.field.as_deref(),
                Some("cursor"),
                "{list}?cursor={bad:.20}"
            );
        }
    }
}

on_both_backends!(page_sizes_and_cursors);
