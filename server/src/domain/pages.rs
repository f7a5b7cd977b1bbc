//! Cursors for lists ordered by id (UUIDv7 ids are time-ordered, so they
//! double as a stable sort key). Opaque to clients: base64 of the last id.

use std::fmt::Display;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lvzhi_shared::ErrorCode;

use crate::error::AppError;

/// The cursor that continues after `id`.
pub fn id_cursor(id: impl Display) -> String {
    URL_SAFE_NO_PAD.encode(id.to_string())
}

/// The id a cursor continues after; refuses cursors this server did not make.
pub fn parse_id_cursor<T: FromStr>(cursor: &str) -> Result<T, AppError> {
    let bad =
        || AppError::new(ErrorCode::InvalidCursor, "the cursor is not valid").with_field("cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let id = String::from_utf8(bytes).map_err(|_| bad())?;
    id.parse().map_err(|_| bad())
}
