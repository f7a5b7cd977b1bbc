//! The console's static files, compiled into the binary: one vendored htmx
//! (2.0.11, BSD-0) and our own style sheet. Pages link them with a hash of
//! their content in the query, so browsers may keep them for a year and
//! still fetch a changed file at once.

use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Response, handler};
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: [Asset; 2] = [
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("static/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("static/console.css"),
    },
];

/// Each file's address with its content's hash, in `FILES` order.
static URLS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|f| {
            let digest = hex(&Sha256::digest(f.body));
            format!("/console/static/{}?v={}", f.name, &digest[..12])
        })
        .collect()
});

/// Where pages load htmx from.
pub fn htmx_url() -> &'static str {
    &URLS[0]
}

/// Where pages load the style sheet from.
pub fn style_url() -> &'static str {
    &URLS[1]
}

#[handler]
pub fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|f| f.name == file) {
        Some(f) => Response::builder()
            .header(header::CONTENT_TYPE, f.content_type)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .body(f.body),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CACHE_CONTROL, "no-store")
            .finish(),
    }
}
