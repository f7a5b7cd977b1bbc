//! `?limit=` on every paged list: how many items one page holds. Its range
//! comes from the contract's constants, so the document, the check and the
//! SDK's default cannot drift apart (an attribute validator would need the
//! maximum written out as a literal on every operation).

use std::borrow::Cow;

use lvzhi_shared::validate::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

/// A page size within `1..=MAX_PAGE_SIZE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    /// The size asked for, or the contract's default when none was.
    pub fn or_default(asked: Option<PageSize>) -> u32 {
        asked.map_or(DEFAULT_PAGE_SIZE, |p| p.0)
    }
}

impl Type for PageSize {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "integer_uint32".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            minimum: Some(1.0),
            maximum: Some(f64::from(MAX_PAGE_SIZE)),
            ..MetaSchema::new_with_format("integer", "uint32")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for PageSize {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        match value.parse::<u32>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(PageSize(n)),
            _ => Err(ParseError::custom(format!(
                "a page holds 1 to {MAX_PAGE_SIZE} items"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sizes_within_the_contract() {
        let parse = |s: &str| PageSize::parse_from_parameter(s).ok();
        assert_eq!(parse("1"), Some(PageSize(1)));
        assert_eq!(
            parse(&MAX_PAGE_SIZE.to_string()),
            Some(PageSize(MAX_PAGE_SIZE))
        );
        for bad in ["0", "-1", "201", "1.5", "", "ten", "99999999999"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(PageSize::or_default(None), DEFAULT_PAGE_SIZE);
        assert_eq!(PageSize::or_default(parse("7")), 7);
    }
}
