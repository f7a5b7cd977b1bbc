//! Field rules shared by the activity rules (free text and links), each
//! naming the field at fault.

use lvzhi_shared::ErrorCode;

use crate::error::AppError;

/// `invalid_field` for `field`.
pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidField, message).with_field(field)
}

/// Trimmed text within `max` characters, without control characters (newlines and tabs allowed).
pub fn text(value: &str, field: &str, max: usize, required: bool) -> Result<String, AppError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(
            AppError::new(ErrorCode::FieldRequired, "this field is required").with_field(field),
        );
    }
    if v.chars().count() > max {
        return Err(
            AppError::new(ErrorCode::FieldTooLong, format!("at most {max} characters"))
                .with_field(field),
        );
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(invalid(field, "no control characters"));
    }
    Ok(v.to_owned())
}

/// An `http(s)://` link of at most `max` characters.
pub fn link(value: &str, field: &str, max: usize) -> Result<String, AppError> {
    let url = text(value, field, max, true)?;
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(invalid(field, "a link must start with https:// or http://"))
    }
}
