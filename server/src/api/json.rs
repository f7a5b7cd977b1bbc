//! `Json<T>`: the JSON payload of every operation, read against the schema
//! the OpenAPI document publishes for `T`.
//!
//! poem-openapi's own `Json` parses a body into `T` and, when that fails,
//! says only which type failed (`failed to parse "string" (occurred while
//! parsing "NewActivity")`): its `ParseError` carries a message and never
//! the field. This payload first walks the JSON value along `T`'s registered
//! schema, which knows every field's wire name, so a body that does not
//! match is refused naming the field at fault; then poem-openapi builds `T`
//! as before. For responses it is poem-openapi's `Json` unchanged.

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock, RwLock};

use lvzhi_shared::ErrorCode;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiResponse, impl_apirequest_for_payload};
use serde_json::Value;

use crate::error::AppError;

/// A JSON request or response body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Type> Payload for Json<T> {
    const CONTENT_TYPE: &'static str = poem_openapi::payload::Json::<T>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        poem_openapi::payload::Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON + 'static> ParsePayload for Json<T> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        if data.is_empty() {
            return Err(AppError::new(ErrorCode::InvalidBody, "the body is empty").into());
        }
        let value = serde_json::from_slice::<Value>(&data).map_err(|e| {
            AppError::new(
                ErrorCode::InvalidBody,
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        Schemas::of::<T>().check(&value)?;
        T::parse_from_json(Some(value)).map(Json).map_err(|e| {
            AppError::new(
                ErrorCode::InvalidBody,
                format!("the request body is invalid: {}", e.into_message()),
            )
            .into()
        })
    }
}

impl_apirequest_for_payload!(Json<T>, T: ParseFromJSON + 'static);

impl<T: ToJSON> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        poem_openapi::payload::Json(self.0).into_response()
    }
}

impl<T: ToJSON> ApiResponse for Json<T> {
    fn meta() -> MetaResponses {
        poem_openapi::payload::Json::<T>::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// `T`'s schema and every named schema it refers to, as the document has them.
struct Schemas {
    root: MetaSchemaRef,
    named: BTreeMap<String, MetaSchema>,
}

impl Schemas {
    /// Built once per type, on its first request.
    fn of<T: Type + 'static>() -> Arc<Schemas> {
        static BUILT: OnceLock<RwLock<HashMap<TypeId, Arc<Schemas>>>> = OnceLock::new();
        let built = BUILT.get_or_init(Default::default);
        let id = TypeId::of::<T>();
        if let Some(s) = built.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return s.clone();
        }
        let mut registry = Registry::new();
        T::register(&mut registry);
        let schemas = Arc::new(Schemas {
            root: T::schema_ref(),
            named: registry.schemas,
        });
        built
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, schemas.clone());
        schemas
    }

    /// The first way `value` departs from the schema, as the caller's error.
    fn check(&self, value: &Value) -> Result<(), AppError> {
        self.walk(value, &self.root, &Place::root())
            .map_err(|fault| fault.into_error())
    }

    fn walk<'v>(
        &self,
        value: &'v Value,
        schema: &MetaSchemaRef,
        at: &Place,
    ) -> Result<(), Fault<'v>> {
        let schema = match schema {
            MetaSchemaRef::Inline(s) => s.as_ref(),
            MetaSchemaRef::Reference(name) => match self.named.get(name) {
                Some(s) => s,
                // Not registered: nothing to check it against; poem-openapi decides.
                None => return Ok(()),
            },
        };
        for part in &schema.all_of {
            self.walk(value, part, at)?;
        }
        let wrong_type = || {
            at.fault(Rule::Type {
                expected: schema.ty,
                found: value,
            })
        };
        match (schema.ty, value) {
            ("object", Value::Object(fields)) => self.walk_object(fields, schema, at),
            ("array", Value::Array(items)) => {
                items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, item)| match &schema.items {
                        Some(items) => self.walk(item, items, &at.item(i)),
                        None => Ok(()),
                    })
            }
            // Only a JSON string, as the document says: poem-openapi alone
            // would take a number or a boolean as its text (12345 → "12345").
            ("string", Value::String(text)) => check_text(text, schema, at),
            ("integer", Value::Number(n)) => check_whole(n, schema.format, at),
            ("number", Value::Number(_)) | ("boolean", Value::Bool(_)) => Ok(()),
            ("object" | "array" | "string" | "integer" | "number" | "boolean", _) => {
                Err(wrong_type())
            }
            // No type (any value), or one this walk does not know: poem-openapi decides.
            _ => Ok(()),
        }
    }

    fn walk_object<'v>(
        &self,
        fields: &'v serde_json::Map<String, Value>,
        schema: &MetaSchema,
        at: &Place,
    ) -> Result<(), Fault<'v>> {
        let known = |name: &str| schema.properties.iter().any(|(p, _)| *p == name);
        match &schema.additional_properties {
            // A map: every value has the one schema.
            Some(values) => {
                for (name, value) in fields.iter().filter(|(n, _)| !known(n)) {
                    self.walk(value, values, &at.field(name))?;
                }
            }
            // A record: no field beyond those it names.
            None => {
                if let Some(name) = fields.keys().find(|n| !known(n)) {
                    return Err(at.field(name).fault(Rule::Unknown {
                        name: name.clone(),
                        known: schema.properties.iter().map(|(p, _)| *p).collect(),
                    }));
                }
            }
        }
        for (name, property) in &schema.properties {
            let required = schema.required.contains(name);
            match fields.get(*name) {
                None if required => return Err(at.field(name).fault(Rule::Missing)),
                // Absent and null are alike for an optional field.
                None | Some(Value::Null) if !required => {}
                Some(value) => self.walk(value, property, &at.field(name))?,
                None => {}
            }
        }
        Ok(())
    }
}

/// A string's value against its enum or format.
fn check_text(text: &str, schema: &MetaSchema, at: &Place) -> Result<(), Fault<'static>> {
    if !schema.enum_items.is_empty() && !schema.enum_items.iter().any(|v| v == text) {
        return Err(at.fault(Rule::Value {
            got: text.to_owned(),
            allowed: schema
                .enum_items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        }));
    }
    match schema.format {
        // As poem-openapi reads a time: chrono's `FromStr`.
        Some("date-time")
            if text
                .parse::<chrono::DateTime<chrono::FixedOffset>>()
                .is_err() =>
        {
            let naive = text.parse::<chrono::NaiveDateTime>().is_ok();
            Err(at.fault(if naive {
                Rule::NoOffset
            } else {
                Rule::NotATime
            }))
        }
        Some("uuid") if uuid::Uuid::parse_str(text).is_err() => Err(at.fault(Rule::NotAnId)),
        _ => Ok(()),
    }
}

/// A whole number within its format's range, as poem-openapi reads one.
fn check_whole(
    n: &serde_json::Number,
    format: Option<&str>,
    at: &Place,
) -> Result<(), Fault<'static>> {
    let (min, max): (i128, i128) = match format {
        Some("int8") => (i8::MIN.into(), i8::MAX.into()),
        Some("int16") => (i16::MIN.into(), i16::MAX.into()),
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("uint8") => (0, u8::MAX.into()),
        Some("uint16") => (0, u16::MAX.into()),
        Some("uint32") => (0, u32::MAX.into()),
        Some("uint64") => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    let whole = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from));
    match whole {
        Some(v) if (min..=max).contains(&v) => Ok(()),
        Some(_) => Err(at.fault(Rule::Range { min, max })),
        None => Err(at.fault(Rule::NotWhole)),
    }
}

/// Where in the body: the field as the API names it (`roles.capacity`,
/// without list indexes, as every `field` of an error is written) and the
/// exact spot (`roles[1].capacity`) for the message.
#[derive(Clone)]
struct Place {
    field: String,
    exact: String,
}

impl Place {
    fn root() -> Self {
        Self {
            field: String::new(),
            exact: String::new(),
        }
    }

    fn field(&self, name: &str) -> Self {
        let join = |base: &str| {
            if base.is_empty() {
                name.to_owned()
            } else {
                format!("{base}.{name}")
            }
        };
        Self {
            field: join(&self.field),
            exact: join(&self.exact),
        }
    }

    fn item(&self, index: usize) -> Self {
        Self {
            field: self.field.clone(),
            exact: format!("{}[{index}]", self.exact),
        }
    }

    fn fault<'v>(&self, rule: Rule<'v>) -> Fault<'v> {
        Fault {
            place: self.clone(),
            rule,
        }
    }
}

/// A broken rule of the schema, at a place.
struct Fault<'v> {
    place: Place,
    rule: Rule<'v>,
}

enum Rule<'v> {
    /// A field the record does not have.
    Unknown {
        name: String,
        known: Vec<&'static str>,
    },
    /// A required field is absent.
    Missing,
    /// The JSON type is not the schema's.
    Type {
        expected: &'static str,
        found: &'v Value,
    },
    /// Not one of an enum's values.
    Value { got: String, allowed: Vec<String> },
    /// A date and time without a UTC offset.
    NoOffset,
    /// Not a date and time at all.
    NotATime,
    /// Not a UUID.
    NotAnId,
    /// A number with a fraction (or an exponent) where a whole one belongs.
    NotWhole,
    /// A whole number out of its format's range.
    Range { min: i128, max: i128 },
}

impl Fault<'_> {
    fn into_error(self) -> AppError {
        let code = match self.rule {
            Rule::Unknown { .. } => ErrorCode::UnknownField,
            _ => ErrorCode::InvalidBody,
        };
        let mut message = self.rule.explain();
        if self.place.field.is_empty() {
            message = format!("the body {message}");
        }
        // Inside a list, say which item.
        if self.place.exact != self.place.field {
            message = format!("{message} (at {})", self.place.exact);
        }
        let error = AppError::new(code, message);
        if self.place.field.is_empty() {
            error
        } else {
            error.with_field(self.place.field)
        }
    }
}

impl Rule<'_> {
    /// What is wrong, in words a person understands; `field` names where.
    fn explain(&self) -> String {
        match self {
            Rule::Unknown { name, known } => unknown_field(name, known),
            Rule::Missing => "missing required field".into(),
            Rule::Type { expected, found } => {
                format!("must be {}, not {}", a_type(expected), a_value(found))
            }
            Rule::Value { got, allowed } => format!(
                "unknown value '{got}'; expected one of {}",
                allowed.join(", ")
            ),
            Rule::NoOffset => "time needs an offset, e.g. +08:00".into(),
            Rule::NotATime => {
                "must be a time with its offset, e.g. 2026-12-01T09:00:00+08:00".into()
            }
            Rule::NotAnId => "must be an id (a UUID)".into(),
            Rule::NotWhole => "must be a whole number".into(),
            Rule::Range { min, max } => format!("must be a whole number from {min} to {max}"),
        }
    }
}

/// A schema type, as a phrase.
fn a_type(ty: &str) -> &'static str {
    match ty {
        "object" => "an object",
        "array" => "a list",
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        _ => "another type",
    }
}

/// What a JSON value is, as a phrase.
fn a_value(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn unknown_field(name: &str, known: &[&str]) -> String {
    match closest(name, known) {
        Some(near) => format!("unknown field '{name}'; did you mean '{near}'?"),
        None if known.is_empty() => format!("unknown field '{name}'; this object takes no fields"),
        None => format!(
            "unknown field '{name}'; the fields are {}",
            known.join(", ")
        ),
    }
}

/// The known name a misspelling most likely meant: at most two edits away
/// (a third of the name, for short ones).
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 2);
    known
        .iter()
        .map(|k| (edits(name, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edits between two names, by characters: insertions, deletions,
/// substitutions and swaps of neighbours (`titel` → `title` is one).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: edits between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitute = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + substitute);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use lvzhi_shared::activities::NewActivity;
    use serde_json::json;

    fn check<T: Type + 'static>(value: Value) -> Result<(), AppError> {
        Schemas::of::<T>().check(&value)
    }

    fn activity() -> Value {
        json!({
            "kind": "training", "title": "学习", "capacity": 10,
            "starts_at": "2026-12-01T09:00:00+08:00", "ends_at": "2026-12-01T11:00:00+08:00",
        })
    }

    fn with(mut v: Value, key: &str, value: Value) -> Value {
        v[key] = value;
        v
    }

    #[test]
    fn a_well_formed_body_passes() {
        assert!(check::<NewActivity>(activity()).is_ok());
        let roles = json!([{"name": "医生", "capacity": 5, "sector": null}]);
        assert!(check::<NewActivity>(with(activity(), "roles", roles)).is_ok());
    }

    #[test]
    fn unknown_fields_are_named_with_a_suggestion() {
        let e = check::<NewActivity>(with(activity(), "signup_close_at", json!("x")))
            .expect_err("unknown");
        assert_eq!(e.code, ErrorCode::UnknownField);
        assert_eq!(e.field.as_deref(), Some("signup_close_at"));
        assert!(
            e.message.contains("did you mean 'signup_closes_at'"),
            "{}",
            e.message
        );

        let roles =
            json!([{"name": "医生", "capacity": 5}, {"name": "护士", "capacity": 5, "sectr": "x"}]);
        let e = check::<NewActivity>(with(activity(), "roles", roles)).expect_err("nested");
        assert_eq!(e.field.as_deref(), Some("roles.sectr"));
        assert!(e.message.contains("'sector'"), "{}", e.message);
        assert!(e.message.contains("roles[1].sectr"), "{}", e.message);

        let e = check::<NewActivity>(with(activity(), "zzzzzzzz", json!(1))).expect_err("far");
        assert!(
            e.message.contains("the fields are kind, title"),
            "{}",
            e.message
        );
    }

    /// The error for `activity()` with `key` set to `value`: (field, message).
    fn refused(key: &str, value: Value) -> (Option<String>, String) {
        let e = check::<NewActivity>(with(activity(), key, value)).expect_err(key);
        assert_eq!(e.code, ErrorCode::InvalidBody, "{}", e.message);
        (e.field, e.message)
    }

    #[test]
    fn shape_errors_name_the_field_and_say_what_is_wrong() {
        let cases = [
            (
                "starts_at",
                json!("2026-12-01T09:00:00"),
                "starts_at",
                "time needs an offset, e.g. +08:00",
            ),
            (
                "ends_at",
                json!("tomorrow"),
                "ends_at",
                "must be a time with its offset",
            ),
            (
                "starts_at",
                json!(20261201),
                "starts_at",
                "must be a string, not a number",
            ),
            (
                "kind",
                json!("party"),
                "kind",
                "unknown value 'party'; expected one of training, outreach, inspection",
            ),
            (
                "audience",
                json!("everyone"),
                "audience",
                "unknown value 'everyone'",
            ),
            (
                "capacity",
                json!("ten"),
                "capacity",
                "must be a whole number, not a string",
            ),
            ("capacity", json!(1.5), "capacity", "must be a whole number"),
            (
                "capacity",
                json!(4_294_967_296_i64),
                "capacity",
                "from -2147483648 to 2147483647",
            ),
            ("title", json!(null), "title", "must be a string, not null"),
            (
                "title",
                json!(12345),
                "title",
                "must be a string, not a number",
            ),
            (
                "description",
                json!(1e300),
                "description",
                "must be a string, not a number",
            ),
            (
                "location",
                json!(true),
                "location",
                "must be a string, not true or false",
            ),
            (
                "title",
                json!({"zh": "标题"}),
                "title",
                "must be a string, not an object",
            ),
            (
                "forbid_overlap",
                json!("yes"),
                "forbid_overlap",
                "must be true or false, not a string",
            ),
            (
                "roles",
                json!({"name": "x"}),
                "roles",
                "must be a list, not an object",
            ),
            (
                "reminder_minutes",
                json!([60, "2h"]),
                "reminder_minutes",
                "(at reminder_minutes[1])",
            ),
        ];
        for (key, value, field, says) in cases {
            let (got_field, message) = refused(key, value);
            assert_eq!(got_field.as_deref(), Some(field), "{key}: {message}");
            assert!(message.contains(says), "{key}: {message}");
        }
        let mut body = activity();
        body.as_object_mut().expect("object").remove("title");
        let e = check::<NewActivity>(body).expect_err("missing");
        assert_eq!(
            (e.field.as_deref(), e.message.as_str()),
            (Some("title"), "missing required field")
        );
        let roles = json!([{"name": "医生"}]);
        let (field, message) = refused("roles", roles);
        assert_eq!(field.as_deref(), Some("roles.capacity"));
        assert_eq!(message, "missing required field (at roles[0].capacity)");
        let e = check::<NewActivity>(json!([1])).expect_err("a list");
        assert_eq!(
            (e.field, e.message.as_str()),
            (None, "the body must be an object, not a list")
        );
    }

    #[test]
    fn null_is_absent_for_optional_fields() {
        for key in [
            "description",
            "signup_closes_at",
            "audience",
            "roles",
            "reminder_minutes",
        ] {
            assert!(
                check::<NewActivity>(with(activity(), key, Value::Null)).is_ok(),
                "{key}"
            );
        }
    }

    #[test]
    fn edit_distance() {
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
        assert_eq!(edits("名字", "名子"), 1);
        assert_eq!(edits("titel", "title"), 1);
        assert_eq!(closest("titel", &["title", "kind"]), Some("title"));
        assert_eq!(closest("id", &["kind"]), None);
    }
}
