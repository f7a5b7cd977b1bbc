//! The console's static files, compiled into the binary: one vendored htmx
//! (2.0.11, BSD-0) and our own style sheet. Names carry a version, so
//! browsers may keep them for a year.

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Response, handler};

/// Named in the layout; change the name whenever the content changes.
pub const HTMX: &str = "htmx-2.0.11.min.js";
pub const STYLE: &str = "console-1.css";

const FILES: [(&str, &str, &[u8]); 2] = [
    (
        HTMX,
        "text/javascript; charset=utf-8",
        include_bytes!("static/htmx-2.0.11.min.js"),
    ),
    (
        STYLE,
        "text/css; charset=utf-8",
        include_bytes!("static/console.css"),
    ),
];

#[handler]
pub fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => Response::builder()
            .header(header::CONTENT_TYPE, *content_type)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .body(*body),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CACHE_CONTROL, "no-store")
            .finish(),
    }
}
