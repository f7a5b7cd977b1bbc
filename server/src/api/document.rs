//! The OpenAPI document as served: poem-openapi's, plus what the server
//! enforces but poem-openapi has no way to write.
//!
//! - Request bodies are closed records: every object schema a request body
//!   reaches says `additionalProperties: false` (poem-openapi's
//!   `deny_unknown_fields` refuses unknown fields but leaves the schema open,
//!   and its schema type cannot spell `false`).
//! - Rules the server applies to some strings (cursors, the Idempotency-Key,
//!   tokens). Written as poem-openapi validators they would also be enforced
//!   by poem-openapi, answering `invalid_parameter` or `invalid_body` where
//!   the server's own check answers with its precise code (`invalid_cursor`,
//!   `field_too_long`); so they are stated here, beside the values the
//!   checks use.

use lvzhi_shared::validate::{MAX_DEVICE_TOKEN_CHARS, MAX_TOKEN_CHARS};
use poem::Endpoint;
use poem::endpoint::make_sync;
use serde_json::{Map, Value, json};

use crate::domain::idempotency::MAX_KEY_CHARS;

/// Visible ASCII, as the Idempotency-Key and FCM tokens must be.
const VISIBLE_ASCII: &str = "^[!-~]+$";

/// `(in, name)` of a parameter and the JSON Schema rules the server applies to it.
fn parameter_rules() -> [(&'static str, &'static str, Value); 2] {
    [
        // Cursors are base64url of where the last page ended (domain::pages).
        (
            "query",
            "cursor",
            json!({"minLength": 1, "pattern": "^[A-Za-z0-9_-]+$"}),
        ),
        // domain::idempotency::IdemKey::new.
        (
            "header",
            "Idempotency-Key",
            json!({"minLength": 1, "maxLength": MAX_KEY_CHARS, "pattern": VISIBLE_ASCII}),
        ),
    ]
}

/// `(schema, property)` of a request field and the rules the server applies to it.
fn field_rules() -> [(&'static str, &'static str, Value); 2] {
    [
        // domain::sessions::{refresh, logout}.
        (
            "RefreshRequest",
            "refresh_token",
            json!({"maxLength": MAX_TOKEN_CHARS}),
        ),
        // domain::devices::register.
        (
            "DeviceRegistration",
            "token",
            json!({"minLength": 1, "maxLength": MAX_DEVICE_TOKEN_CHARS, "pattern": VISIBLE_ASCII}),
        ),
    ]
}

/// Serves `spec` (poem-openapi's document, as JSON text) with the additions.
pub fn spec_endpoint(spec: &str) -> impl Endpoint + 'static {
    let document = complete(spec);
    make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(document.clone())
    })
}

/// The document with the additions; `spec` unchanged if it is not JSON.
pub fn complete(spec: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    close_request_bodies(&mut doc);
    state_string_rules(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| spec.to_owned())
}

/// Adds the rules of [`parameter_rules`] and [`field_rules`] where they apply.
fn state_string_rules(doc: &mut Value) {
    let add = |schema: Option<&mut Value>, rules: &Value| {
        if let (Some(Value::Object(schema)), Value::Object(rules)) = (schema, rules) {
            schema.extend(rules.clone());
        }
    };
    let parameters = parameter_rules();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        let operations = paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|ops| ops.values_mut());
        for operation in operations {
            let params = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut);
            for param in params.into_iter().flatten() {
                let place = (param.get("in").cloned(), param.get("name").cloned());
                if let Some((_, _, rules)) = parameters
                    .iter()
                    .find(|(i, n, _)| place == (Some(json!(i)), Some(json!(n))))
                {
                    add(param.get_mut("schema"), rules);
                }
            }
        }
    }
    for (schema, property, rules) in field_rules() {
        add(
            doc.pointer_mut(&format!(
                "/components/schemas/{schema}/properties/{property}"
            )),
            &rules,
        );
    }
}

/// Marks every object schema reachable from a JSON request body closed.
fn close_request_bodies(doc: &mut Value) {
    let mut pending: Vec<Value> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for operation in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(Map::values)
        {
            let content = operation
                .pointer("/requestBody/content")
                .and_then(Value::as_object);
            for (media, body) in content.into_iter().flatten() {
                if media.starts_with("application/json")
                    && let Some(schema) = body.get("schema")
                {
                    pending.push(schema.clone());
                }
            }
        }
    }
    let mut closed: Vec<String> = Vec::new();
    while let Some(schema) = pending.pop() {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            if closed.iter().any(|c| c == name) {
                continue;
            }
            closed.push(name.to_owned());
            if let Some(named) = doc.pointer(&format!("/components/schemas/{name}")) {
                pending.push(named.clone());
            }
            continue;
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner) = schema.get(key) {
                pending.push(inner.clone());
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            pending.extend(
                schema
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            pending.extend(properties.values().cloned());
        }
    }
    for name in closed {
        if let Some(schema) = doc
            .pointer_mut(&format!("/components/schemas/{name}"))
            .and_then(Value::as_object_mut)
            && schema.get("type").and_then(Value::as_str) == Some("object")
            && !schema.contains_key("additionalProperties")
        {
            schema.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_reached_from_request_bodies_are_closed() {
        let spec = json!({
            "paths": {"/a": {"post": {
                "requestBody": {"content": {"application/json; charset=utf-8": {
                    "schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"content": {"application/json; charset=utf-8": {
                    "schema": {"$ref": "#/components/schemas/Out"}}}}},
            }}},
            "components": {"schemas": {
                "In": {"type": "object", "properties": {
                    "list": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "kind": {"allOf": [{"$ref": "#/components/schemas/Kind"}]},
                    "map": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "Item": {"type": "object"},
                "Kind": {"type": "string", "enum": ["a"]},
                "Out": {"type": "object"},
            }},
        });
        let doc: Value = serde_json::from_str(&complete(&spec.to_string())).expect("json");
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["In"]["additionalProperties"], json!(false));
        assert_eq!(schemas["Item"]["additionalProperties"], json!(false));
        assert!(schemas["Kind"].get("additionalProperties").is_none());
        assert!(schemas["Out"].get("additionalProperties").is_none());
        assert_eq!(
            schemas["In"]["properties"]["map"]["additionalProperties"],
            json!({"type": "string"})
        );
    }
}
