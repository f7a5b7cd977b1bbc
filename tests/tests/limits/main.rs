//! Limits (issue 6): every oversized, overdeep, overlong or mistyped input
//! gets a 4xx with a stable code (and the field at fault), never a 500 or a
//! crash, on SQLite and PostgreSQL, through the HTTP API.

mod body;
mod json;
mod pages;
mod strings;
mod uploads;

use lvzhi_server::clock::Clock;
use lvzhi_tests::TestApp;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A training draft's body, starting tomorrow.
pub fn activity_body(app: &TestApp) -> Value {
    let starts = app.clock.now() + chrono::Duration::days(1);
    json!({
        "kind": "training",
        "title": "学习培训",
        "capacity": 10,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
    })
}

/// `body` with `key` set to `value`.
pub fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

/// Sends `body` to `path` in chunks with `Transfer-Encoding: chunked` (no
/// Content-Length) over a raw socket, and returns the status and body. The
/// server may answer before it has read everything; writes after that fail
/// and are ignored.
pub async fn post_chunked(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    let addr = app.origin.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        for chunk in body.chunks(16 * 1024) {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await?;
        }
        stream.write_all(b"0\r\n\r\n").await?;
        stream.flush().await
    };
    let _ = write.await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Asserts a `{code, field}` error body in a raw answer.
pub fn assert_error(answer: &(u16, String), status: u16, code: &str) {
    assert_eq!(answer.0, status, "status: {}", answer.1);
    // A chunked answer's body may be framed; the JSON object is inside.
    let start = answer.1.find('{').unwrap_or(0);
    let end = answer.1.rfind('}').map_or(answer.1.len(), |e| e + 1);
    let v: Value = serde_json::from_str(&answer.1[start..end])
        .unwrap_or_else(|e| panic!("error body {:?}: {e}", answer.1));
    assert_eq!(v["code"], code, "{}", answer.1);
}

/// The server still answers (it did not crash or wedge).
pub async fn still_serving(app: &TestApp) {
    let r = app
        .raw(Method::GET, "/healthz")
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.status(), 200);
}
