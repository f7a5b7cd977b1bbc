//! What every uploaded file goes through, wherever it is kept (an
//! activity's materials, a meeting's documents): its type judged by its
//! bytes, a title, and a file name safe to send back in a header.

use lvzhi_shared::ErrorCode;
use lvzhi_shared::validate::{MAX_TITLE_CHARS, max_chars};

use crate::error::AppError;

/// The file's type, judged by its first bytes (and, for Office files, its
/// name); anything else is refused.
pub fn detect(bytes: &[u8], file_name: &str) -> Result<&'static str, AppError> {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let kind = if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[4..8] == b"ftyp" {
        Some("video/mp4")
    } else if bytes.starts_with(b"PK\x03\x04") {
        match ext.as_str() {
            "docx" => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            "pptx" => {
                Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
            }
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => None,
        }
    } else {
        None
    };
    kind.ok_or_else(|| {
        AppError::new(
            ErrorCode::UnsupportedMediaType,
            "files may be PDF, Word, PowerPoint, Excel, JPEG, PNG or MP4",
        )
        .with_field("file")
    })
}

/// The file's title: 1 to 200 characters, no control characters.
pub fn title(raw: &str) -> Result<String, AppError> {
    let title = raw.trim();
    max_chars(title, "title", MAX_TITLE_CHARS)?;
    if title.is_empty() || title.chars().any(char::is_control) {
        return Err(
            AppError::new(ErrorCode::InvalidField, "a title of 1 to 200 characters")
                .with_field("title"),
        );
    }
    Ok(title.to_owned())
}

/// The name the file was uploaded under, without what would break a
/// `Content-Disposition` header, at most 200 characters.
pub fn file_name(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect()
}

/// The size to store.
pub fn size(bytes: &[u8]) -> i64 {
    i64::try_from(bytes.len()).unwrap_or(i64::MAX)
}
