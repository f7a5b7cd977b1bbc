//! Text holding a NUL character is refused before any handler sees it.
//!
//! PostgreSQL cannot store or compare a NUL in text (the query fails), SQLite
//! would store it, and no field of the API has a use for one. Refusing it here,
//! for the path, the query and JSON bodies, makes both backends answer alike
//! with a 4xx instead of a 500 from whichever query meets it first.

use lvzhi_shared::ErrorCode;
use poem::Request;
use poem::http::header;
use serde_json::Value;

use crate::error::AppError;

/// Refuses a NUL in the path or query (400 `invalid_parameter`) or in any
/// string of a JSON body (422 `invalid_field`, `field` names where).
/// Bodies that are not JSON pass: the operation reports those.
pub(crate) async fn refuse_nul(req: &mut Request) -> Result<(), AppError> {
    // `%00` is the only way a URI can carry a NUL.
    if req.uri().path().contains("%00") {
        return Err(AppError::new(
            ErrorCode::InvalidParameter,
            "the path holds a NUL character",
        ));
    }
    if req.uri().query().is_some_and(|q| q.contains("%00")) {
        let pairs = req.params::<Vec<(String, String)>>().unwrap_or_default();
        if let Some((name, _)) = pairs
            .into_iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(AppError::new(
                ErrorCode::InvalidParameter,
                "a parameter holds a NUL character",
            )
            .with_field(name.replace('\0', "")));
        }
    }
    if !is_json(req) {
        return Ok(());
    }
    let body = req.take_body().into_bytes().await.map_err(|e| {
        AppError::new(
            ErrorCode::InvalidBody,
            format!("the body cannot be read: {e}"),
        )
    })?;
    // JSON can carry a NUL only as the escape `\u0000` (a raw control byte is
    // invalid JSON), so most bodies skip the second parse. Not JSON: left to
    // the operation, which says what is wrong with it.
    let found = contains(&body, br"\u0000")
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten()
        .and_then(|v| nul_at(&v, String::new()));
    req.set_body(body);
    match found {
        Some(field) => {
            let err = AppError::new(ErrorCode::InvalidField, "text may not hold a NUL character");
            Err(if field.is_empty() {
                err
            } else {
                err.with_field(field)
            })
        }
        None => Ok(()),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn is_json(req: &Request) -> bool {
    req.header(header::CONTENT_TYPE).is_some_and(|ct| {
        let mime = ct.split(';').next().unwrap_or_default().trim();
        mime.eq_ignore_ascii_case("application/json")
            || mime.to_ascii_lowercase().ends_with("+json")
    })
}

/// The dotted path (`audience.member_ids`, array indexes left out, as the
/// API names fields) of the first string or key holding a NUL.
fn nul_at(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then_some(path),
        Value::Array(items) => items.iter().find_map(|v| nul_at(v, path.clone())),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let key = k.replace('\0', "");
            let here = if path.is_empty() {
                key
            } else {
                format!("{path}.{key}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_at(v, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_holding_a_nul() {
        let body = serde_json::json!({
            "title": "ok",
            "audience": {"kind": "members", "member_ids": ["a", "b\u{0}c"]},
        });
        assert_eq!(
            nul_at(&body, String::new()).as_deref(),
            Some("audience.member_ids")
        );
        assert_eq!(
            nul_at(&serde_json::json!({"a\u{0}": 1}), String::new()).as_deref(),
            Some("a")
        );
        assert_eq!(
            nul_at(&serde_json::json!({"t": "\\u0000"}), String::new()),
            None
        );
        assert_eq!(
            nul_at(&serde_json::json!(["x", 1, null]), String::new()),
            None
        );
    }
}
