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
//! - The error statuses each operation can answer. Every operation shares
//!   one error type (the one JSON error shape), so poem-openapi lists all of
//!   them everywhere; here each operation keeps those its shape implies (a
//!   body, parameters, a bearer token) and those its rules add, listed below
//!   by operation id.

use lvzhi_shared::validate::{MAX_DEVICE_TOKEN_CHARS, MAX_TOKEN_CHARS};
use poem::Endpoint;
use poem::endpoint::make_sync;
use serde_json::{Map, Value, json};

use crate::domain::idempotency::MAX_KEY_CHARS;

/// Visible ASCII, as the Idempotency-Key and FCM tokens must be.
const VISIBLE_ASCII: &str = "^[!-~]+$";

/// `(in, name)` of a parameter and the JSON Schema rules the server applies to it.
fn parameter_rules() -> [(&'static str, &'static str, Value); 7] {
    [
        // Ids in paths are UUIDs (api::parse_id refuses anything else with
        // `invalid_parameter` and the parameter's name).
        ("path", "id", json!({"format": "uuid"})),
        ("path", "role_id", json!({"format": "uuid"})),
        ("path", "member_id", json!({"format": "uuid"})),
        ("path", "material_id", json!({"format": "uuid"})),
        ("path", "sid", json!({"format": "uuid"})),
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

/// Statuses an operation's rules can answer beyond what its shape implies:
/// 403 for a rule that refuses this caller, 404 for an id in the body, 409
/// for a state that forbids the change, 422 for a rule a body-less call can
/// break, 429 for throttled sign-in.
fn rule_statuses(operation_id: &str) -> &'static [u16] {
    match operation_id {
        "login" | "activate" => &[401, 403, 429],
        "refresh" => &[401, 403],
        // Taken phone or member number.
        "create_member" | "update_member" => &[409],
        "create_sector" => &[409],
        // The admin's phone taken by another account.
        "create_committee" | "reissue_committee_admin_code" => &[409],
        // Lifecycle transitions and capacity below those registered.
        "update_activity" | "publish_activity" | "cancel_activity" | "complete_activity" => &[409],
        // Sign-up rules: window, audience, schedule, a reused Idempotency-Key.
        "sign_up" | "cancel_my_signup" => &[409],
        "update_role_capacity" | "remove_from_roster" | "promote_from_waitlist" => &[409],
        "add_to_roster" => &[404, 409],
        "check_in" | "mark_attendance" => &[409],
        "submit_finding" | "update_finding" | "record_outcome" => &[409],
        "issue_activation_codes" | "create_announcement" => &[404],
        // A sector filter that names no sector of the committee.
        "list_members" => &[422],
        // Meetings: state, summons, deadlines, approvers, the ballot's rules.
        "add_body_member" => &[409],
        "update_meeting" | "cancel_meeting" | "create_appraisal" => &[409],
        "publish_meeting" => &[409, 422],
        "answer_meeting" | "record_leave" | "decide_leave" => &[403, 409],
        "check_in_session" => &[403, 409],
        "open_appraisal" | "close_appraisal" | "get_appraisal_results" => &[409],
        "cast_ballot" => &[403, 409],
        "create_rectification" | "upload_meeting_document" => &[409],
        "list_rectifications" => &[404],
        // Reports: status, co-signing, forwarding once, outcomes in order.
        "submit_report"
        | "withdraw_report"
        | "update_report"
        | "attach_to_report"
        | "remove_report_attachment"
        | "accept_report"
        | "return_report"
        | "reject_report"
        | "merge_reports"
        | "create_report_issue"
        | "forward_report"
        | "record_report_adoption"
        | "record_report_instruction"
        | "record_report_reply" => &[409],
        "cosign_report" => &[409],
        "create_report" => &[409],
        // Points: a closed year, a duplicate entry, the dispute window, a
        // decided dispute; a year out of range or not yet begun.
        "get_points_year" => &[422],
        "close_points_year" => &[409, 422],
        "set_points_rules"
        | "add_points_entry"
        | "remove_points_entry"
        | "dispute_my_points"
        | "accept_points_dispute"
        | "refuse_points_dispute" => &[409],
        _ => &[],
    }
}

/// The error statuses `operation` can answer: any request may be malformed
/// (400) or meet a fault or an unreachable database (500, 503); a bearer
/// token may be missing or expired (401) or its account disabled (403);
/// a path id may be unknown (404); a body may be too large, of the wrong
/// type or break a field rule (413, 415, 422); plus [`rule_statuses`].
fn error_statuses(operation: &Value) -> Vec<u16> {
    let mut statuses = vec![400, 500, 503];
    if operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty())
    {
        statuses.extend([401, 403]);
    }
    let in_path = operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|p| p.get("in").and_then(Value::as_str) == Some("path"));
    if in_path {
        statuses.push(404);
    }
    if operation.get("requestBody").is_some() {
        statuses.extend([413, 415, 422]);
    }
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    statuses.extend(rule_statuses(id));
    statuses
}

/// Keeps, of each operation's error responses, those it can answer.
fn narrow_error_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|ops| ops.values_mut())
    {
        let keep = error_statuses(operation);
        if let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        {
            responses.retain(|status, _| match status.parse::<u16>() {
                Ok(code) if code >= 400 => keep.contains(&code),
                _ => true,
            });
        }
    }
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
    narrow_error_responses(&mut doc);
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
    fn each_operation_keeps_the_errors_it_can_answer() {
        let all: Map<String, Value> = [200, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503]
            .iter()
            .map(|s| (s.to_string(), json!({})))
            .collect();
        let mut doc = json!({"paths": {
            "/sectors": {"get": {"operationId": "list_sectors", "security": [{"BearerAuth": []}], "responses": all}},
            "/auth/login": {"post": {"operationId": "login", "requestBody": {}, "responses": all}},
            "/activities/{id}/signups": {"post": {"operationId": "sign_up", "security": [{"BearerAuth": []}],
                "parameters": [{"in": "path", "name": "id"}], "requestBody": {}, "responses": all}},
        }});
        narrow_error_responses(&mut doc);
        let kept = |pointer: &str| -> Vec<String> {
            doc.pointer(pointer)
                .and_then(Value::as_object)
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(
            kept("/paths/~1sectors/get/responses"),
            ["200", "400", "401", "403", "500", "503"]
        );
        assert_eq!(
            kept("/paths/~1auth~1login/post/responses"),
            [
                "200", "400", "401", "403", "413", "415", "422", "429", "500", "503"
            ]
        );
        assert_eq!(
            kept("/paths/~1activities~1{id}~1signups/post/responses"),
            [
                "200", "400", "401", "403", "404", "409", "413", "415", "422", "500", "503"
            ]
        );
    }

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
