//! Validation rules both sides apply: the SDK to tell a member at once, the
//! server because it trusts nothing.

use crate::ErrorCode;

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest free text (party, workplace, sector name), in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 100;
/// Longest member number, in characters.
pub const MAX_MEMBER_NO_CHARS: usize = 32;
/// Password length bounds, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest phone number as typed (spaces, dashes and a `+86` prefix included), in characters.
pub const MAX_PHONE_CHARS: usize = 32;
/// Longest refresh token accepted, in characters. Issued ones are 43; the
/// room is for an access token sent by mistake, which is answered
/// `refresh_token_invalid` (sign in again) rather than `field_too_long`.
pub const MAX_TOKEN_CHARS: usize = 4096;
/// Longest activation code as typed (8 digits, spaces and dashes allowed), in characters.
pub const MAX_CODE_CHARS: usize = 32;
/// Longest FCM registration token (real ones are about 160), in characters.
pub const MAX_DEVICE_TOKEN_CHARS: usize = 4096;
/// Page size bounds for list endpoints.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 200;
/// Longest title of an activity, finding or course material, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest long text (activity description, finding content, a
/// department's response, outcome notes), in characters.
pub const MAX_LONG_TEXT_CHARS: usize = 5000;
/// Longest place-like text (location, itinerary place and subject,
/// department, cancellation reason), in characters.
pub const MAX_PLACE_CHARS: usize = 200;
/// Longest announcement title and body, in characters (a push shows the title whole).
pub const MAX_ANNOUNCEMENT_TITLE_CHARS: usize = 60;
pub const MAX_ANNOUNCEMENT_BODY_CHARS: usize = 2000;
/// Most members one announcement may name one by one.
pub const MAX_NAMED_RECIPIENTS: usize = 10_000;
/// Longest link (photo, material), in characters.
pub const MAX_URL_CHARS: usize = 2000;
/// Most photos of one outreach outcome.
pub const MAX_PHOTOS: usize = 20;
/// Places of an activity or of one of its role slots: 1 to this.
pub const MAX_CAPACITY: i32 = 100_000;

/// A rule broken by one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: ErrorCode,
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(code: ErrorCode, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            field,
            message: message.into(),
        }
    }
}

/// Refuses `raw` if it is longer than `max` characters (`field_too_long`).
pub fn max_chars(raw: &str, field: &'static str, max: usize) -> Result<(), FieldError> {
    // Counting stops one past the limit: a huge value costs no more than a long one.
    if raw.chars().nth(max).is_some() {
        Err(too_long(field, max))
    } else {
        Ok(())
    }
}

/// Normalises a mainland mobile number: `+86 139-0000-0007` → `13900000007`.
///
/// Spaces, dashes, dots and brackets are dropped, and a `+86`/`0086`/`86`
/// country prefix is removed; what remains must be 11 digits starting with 1.
/// Full-width digits and signs (`１３９－…`, as a Chinese input method in
/// full-width mode types them) count as their ASCII forms.
/// Over [`MAX_PHONE_CHARS`] as typed is `field_too_long`.
pub fn normalize_phone(raw: &str, field: &'static str) -> Result<String, FieldError> {
    max_chars(raw, field, MAX_PHONE_CHARS)?;
    let mut digits = String::with_capacity(raw.len());
    for (i, c) in raw.trim().chars().map(half_width).enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(invalid_phone(field)),
        }
    }
    let national = if digits.len() == 15 && digits.starts_with("0086") {
        &digits[4..]
    } else if digits.len() == 13 && digits.starts_with("86") {
        &digits[2..]
    } else {
        &digits[..]
    };
    let valid = national.len() == 11
        && national.starts_with('1')
        && matches!(national.as_bytes()[1], b'3'..=b'9');
    if valid {
        Ok(national.to_owned())
    } else {
        Err(invalid_phone(field))
    }
}

/// The ASCII form of a full-width character (U+FF01–U+FF5E) and of the
/// ideographic space; any other character as it is.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

fn invalid_phone(field: &'static str) -> FieldError {
    FieldError::new(
        ErrorCode::InvalidPhone,
        field,
        "手机号码应为11位数字 (a mainland mobile number of 11 digits)",
    )
}

/// A person's name: letters of any script, spaces, the middle dot used in
/// transliterated names (买买提·艾力), hyphens and apostrophes; no markup.
pub fn validate_name(raw: &str, field: &'static str) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldError::new(
            ErrorCode::FieldRequired,
            field,
            "姓名不能为空 (name is required)",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(too_long(field, MAX_NAME_CHARS));
    }
    let ok = name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '·' | '•' | '・' | '-' | '\''));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(FieldError::new(
            ErrorCode::InvalidName,
            field,
            "姓名只能包含文字、空格和间隔号 (letters, spaces and middle dots only)",
        ))
    }
}

/// Optional short free text: trimmed, empty becomes `None`, no control characters or markup.
pub fn optional_text(
    raw: Option<&str>,
    field: &'static str,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max_chars {
        return Err(too_long(field, max_chars));
    }
    if text.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        return Err(FieldError::new(
            ErrorCode::InvalidField,
            field,
            "不能包含控制字符或尖括号 (no control characters or angle brackets)",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Member number: letters, digits, `-` and `_`; empty becomes `None`.
pub fn optional_member_no(
    raw: Option<&str>,
    field: &'static str,
) -> Result<Option<String>, FieldError> {
    let Some(no) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if no.chars().count() > MAX_MEMBER_NO_CHARS {
        return Err(too_long(field, MAX_MEMBER_NO_CHARS));
    }
    if !no
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(FieldError::new(
            ErrorCode::InvalidField,
            field,
            "委员编号只能包含字母、数字、- 和 _ (letters, digits, - and _ only)",
        ));
    }
    Ok(Some(no.to_owned()))
}

/// Birth year between 1900 and `this_year`.
pub fn birth_year(year: i32, this_year: i32, field: &'static str) -> Result<i32, FieldError> {
    if (1900..=this_year).contains(&year) {
        Ok(year)
    } else {
        Err(FieldError::new(
            ErrorCode::InvalidField,
            field,
            format!("出生年份应在1900至{this_year}之间 (a year from 1900 to {this_year})"),
        ))
    }
}

/// A new password's length rule.
pub fn new_password(raw: &str, field: &'static str) -> Result<(), FieldError> {
    let n = raw.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(FieldError::new(
            ErrorCode::WeakPassword,
            field,
            format!(
                "密码长度应为{MIN_PASSWORD_CHARS}至{MAX_PASSWORD_CHARS}个字符 \
                 ({MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters)"
            ),
        ))
    }
}

/// `invalid_field` for `field`.
pub fn invalid(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(ErrorCode::InvalidField, field, message)
}

/// Trimmed text within `max` characters, without control characters
/// (newlines and tabs allowed); `required` refuses an empty one. Line breaks
/// are kept as `\n`: browsers send a textarea's as CRLF, and some apps CR.
pub fn text(
    value: &str,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let normalized = value.replace("\r\n", "\n").replace('\r', "\n");
    let v = normalized.trim();
    if required && v.is_empty() {
        return Err(FieldError::new(
            ErrorCode::FieldRequired,
            field,
            "此项不能为空 (this field is required)",
        ));
    }
    max_chars(v, field, max)?;
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(invalid(field, "no control characters"));
    }
    Ok(v.to_owned())
}

/// An `http(s)://` link of at most `max` characters.
pub fn link(value: &str, field: &'static str, max: usize) -> Result<String, FieldError> {
    let url = text(value, field, max, true)?;
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(invalid(field, "a link must start with https:// or http://"))
    }
}

/// Refuses a capacity outside 1 to [`MAX_CAPACITY`].
pub fn capacity(capacity: i32, field: &'static str) -> Result<(), FieldError> {
    if (1..=MAX_CAPACITY).contains(&capacity) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("capacity must be 1 to {MAX_CAPACITY}"),
        ))
    }
}

fn too_long(field: &'static str, max: usize) -> FieldError {
    FieldError::new(
        ErrorCode::FieldTooLong,
        field,
        format!("最多{max}个字符 (at most {max} characters)"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_keeps_line_breaks_as_lf() {
        assert_eq!(
            super::text("第一行\r\n第二行\r第三行", "agenda", 100, true).expect("text"),
            "第一行\n第二行\n第三行"
        );
        assert!(super::text("a\u{7}b", "agenda", 100, true).is_err());
    }

    use super::*;

    #[test]
    fn phone_spellings_normalise() {
        for raw in [
            "13900000007",
            "+86 139-0000-0007",
            "0086 13900000007",
            "86-139 0000 0007",
            "(139)00000007",
        ] {
            assert_eq!(
                normalize_phone(raw, "phone").as_deref(),
                Ok("13900000007"),
                "{raw}"
            );
        }
    }

    #[test]
    fn full_width_phones_normalise() {
        for raw in [
            "１３９００００００07",
            "＋８６ １３９－００００－０００７",
            "（１３９）００００　０００７",
            "　１３９．００００．０００７　",
        ] {
            assert_eq!(
                normalize_phone(raw, "phone").as_deref(),
                Ok("13900000007"),
                "{raw}"
            );
        }
        // Full-width letters are still letters.
        assert!(normalize_phone("１３９Ｏ００００００７", "phone").is_err());
    }

    #[test]
    fn bad_phones_are_refused() {
        for raw in [
            "1390000",
            "",
            "23900000007",
            "12900000007",
            "139000000071",
            "139O0000007",
            "+8613900000007x",
        ] {
            let err = normalize_phone(raw, "phone").expect_err(raw);
            assert_eq!(err.code, ErrorCode::InvalidPhone);
            assert_eq!(err.field, "phone");
        }
    }

    #[test]
    fn names_allow_scripts_and_middle_dot_but_not_markup() {
        assert_eq!(validate_name(" 范梅 ", "name").as_deref(), Ok("范梅"));
        assert!(validate_name("买买提·艾力", "name").is_ok());
        assert!(validate_name("Mary-Jane O'Neil", "name").is_ok());
        assert_eq!(
            validate_name("<script>alert(1)</script>", "name").map_err(|e| e.code),
            Err(ErrorCode::InvalidName)
        );
        assert_eq!(
            validate_name("  ", "name").map_err(|e| e.code),
            Err(ErrorCode::FieldRequired)
        );
        assert_eq!(
            validate_name(&"王".repeat(51), "name").map_err(|e| e.code),
            Err(ErrorCode::FieldTooLong)
        );
    }

    #[test]
    fn member_numbers_and_text() {
        assert_eq!(
            optional_member_no(Some(" XX-0001 "), "member_no"),
            Ok(Some("XX-0001".into()))
        );
        assert_eq!(optional_member_no(Some(""), "member_no"), Ok(None));
        assert!(optional_member_no(Some("XX 1"), "member_no").is_err());
        assert_eq!(
            optional_text(Some("县医院"), "workplace", 100),
            Ok(Some("县医院".into()))
        );
        assert!(optional_text(Some("a\u{0}b"), "workplace", 100).is_err());
        assert_eq!(
            optional_text(Some(&"x".repeat(101)), "workplace", 100).map_err(|e| e.code),
            Err(ErrorCode::FieldTooLong)
        );
    }

    #[test]
    fn years_and_passwords() {
        assert!(birth_year(1980, 2026, "birth_year").is_ok());
        assert!(birth_year(1899, 2026, "birth_year").is_err());
        assert!(birth_year(2027, 2026, "birth_year").is_err());
        assert!(new_password("short", "new_password").is_err());
        assert!(new_password("long enough", "new_password").is_ok());
        assert!(new_password(&"x".repeat(129), "new_password").is_err());
    }
}
