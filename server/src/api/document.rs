//! The OpenAPI document as served: poem-openapi's, plus what the server
//! enforces but poem-openapi has no way to write.
//!
//! - Request bodies are closed records: every object schema a request body
//!   reaches says `additionalProperties: false` (poem-openapi's
//!   `deny_unknown_fields` refuses unknown fields but leaves the schema open,
//!   and its schema type cannot spell `false`).

use poem::Endpoint;
use poem::endpoint::make_sync;
use serde_json::{Map, Value};

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
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| spec.to_owned())
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
