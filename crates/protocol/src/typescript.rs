//! The web app's wire types, generated from the Rust types of this crate: their OpenAPI schemas
//! (the same ones `/api/openapi.json` publishes) written as TypeScript. The result is committed
//! as `web/src/lib/wire.ts`; a test fails when that file is stale (`make wire-types` rewrites it).
//!
//! Only the shapes the schemas use are handled: objects, arrays, string enums, references,
//! `oneOf`/`allOf`, and `type` lists with `null`. A property the schema does not require is
//! optional (`?`): serde writes an absent `Option` as `null`, which the type allows too.

use crate::acks::{AnswerAck, EmptyAck, JoinAck, MessageAck, RoomAck, SendAck, StreamingAnswer};
use crate::events::{
    BranchSelected, Connected, ConnectedUser, Exception, MemberAdded, MemberRemoved, MessageDeleted,
    MessageEdited, ReadSync, RoomActivity, RoomDeleted, RoomUpdated, SERVER_EVENTS, SessionRevoked,
    StreamChunk, StreamEnd, StreamStart, UsageDto, UserJoined, UserLeft, UserStatus, UserTyping,
};
use crate::requests::{AnswerRef, Edit, Join, RoomOnly, Send, SyncRead, Typing};
use crate::{AuthorDto, MemberDto, MessageDto, RoomDto, UserDto};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(
    AnswerAck,
    EmptyAck,
    JoinAck,
    MessageAck,
    RoomAck,
    SendAck,
    StreamingAnswer,
    BranchSelected,
    Connected,
    ConnectedUser,
    Exception,
    MemberAdded,
    MemberRemoved,
    MessageDeleted,
    MessageEdited,
    ReadSync,
    RoomActivity,
    RoomDeleted,
    RoomUpdated,
    SessionRevoked,
    StreamChunk,
    StreamEnd,
    StreamStart,
    UsageDto,
    UserJoined,
    UserLeft,
    UserStatus,
    UserTyping,
    AnswerRef,
    Edit,
    Join,
    RoomOnly,
    Send,
    SyncRead,
    Typing,
    AuthorDto,
    MemberDto,
    MessageDto,
    RoomDto,
    UserDto,
)))]
struct Wire;

/// `web/src/lib/wire.ts`, as it should read.
pub fn wire_types() -> String {
    let doc = serde_json::to_value(Wire::openapi()).unwrap_or_default();
    let schemas: BTreeMap<String, Value> = doc["components"]["schemas"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut out = String::from(
        "// Generated from the Rust types of crates/protocol by `make wire-types`; do not edit.\n\
         // A test (crates/protocol/tests/wire_types.rs) fails when this file is stale.\n",
    );
    for (name, schema) in &schemas {
        out.push('\n');
        if let Some(text) = schema["description"].as_str() {
            doc_comment(&mut out, text, "");
        }
        match object_properties(schema) {
            Some(props) => {
                let _ = writeln!(out, "export interface {name} {{");
                write_properties(&mut out, schema, props, "  ");
                out.push_str("}\n");
            }
            None => {
                let _ = writeln!(out, "export type {name} = {};", ts_type(schema, ""));
            }
        }
    }
    out.push_str(
        "\n/** Every event the server emits on `/chat`, by name. */\nexport interface ServerEvents {\n",
    );
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (event, ty) in SERVER_EVENTS {
        by_name.entry(event).or_default().push(ty);
    }
    for (event, types) in by_name {
        let _ = writeln!(out, "  {}: {};", property_name(event), types.join(" | "));
    }
    out.push_str("}\n");
    out
}

fn object_properties(schema: &Value) -> Option<&serde_json::Map<String, Value>> {
    let is_object =
        schema["type"] == "object" || schema["type"].is_null() && schema["properties"].is_object();
    if is_object { schema["properties"].as_object() } else { None }
}

fn write_properties(out: &mut String, schema: &Value, props: &serde_json::Map<String, Value>, indent: &str) {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut names: Vec<&String> = props.keys().collect();
    names.sort();
    for key in names {
        let prop = &props[key];
        if let Some(text) = prop["description"].as_str() {
            doc_comment(out, text, indent);
        }
        let optional = if required.contains(&key.as_str()) { "" } else { "?" };
        let inner = format!("{indent}  ");
        let _ = writeln!(out, "{indent}{}{optional}: {};", property_name(key), ts_type(prop, &inner));
    }
}

fn doc_comment(out: &mut String, text: &str, indent: &str) {
    let text = text.replace("*/", "* /");
    if text.contains('\n') {
        let _ = writeln!(out, "{indent}/**");
        for line in text.lines() {
            let _ = writeln!(out, "{indent} * {line}");
        }
        let _ = writeln!(out, "{indent} */");
    } else {
        let _ = writeln!(out, "{indent}/** {text} */");
    }
}

fn property_name(name: &str) -> String {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain { name.to_owned() } else { format!("{name:?}") }
}

/// The TypeScript for one schema, written inline.
fn ts_type(schema: &Value, indent: &str) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return reference.rsplit('/').next().unwrap_or("unknown").to_owned();
    }
    if let Some(options) = schema["oneOf"].as_array().or_else(|| schema["anyOf"].as_array()) {
        return union(options.iter().map(|o| ts_type(o, indent)));
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let parts: Vec<String> = parts.iter().map(|p| ts_type(p, indent)).collect();
        return parts.join(" & ");
    }
    if let Some(values) = schema["enum"].as_array() {
        return union(values.iter().map(|v| v.to_string()));
    }
    match &schema["type"] {
        Value::Array(types) => union(types.iter().map(|t| {
            let mut one = schema.clone();
            one["type"] = t.clone();
            ts_type(&one, indent)
        })),
        Value::String(t) => match t.as_str() {
            "string" => "string".into(),
            "integer" | "number" => "number".into(),
            "boolean" => "boolean".into(),
            "null" => "null".into(),
            "array" => {
                let item = ts_type(&schema["items"], indent);
                if item.contains(' ') { format!("Array<{item}>") } else { format!("{item}[]") }
            }
            "object" => match object_properties(schema) {
                Some(props) if !props.is_empty() => {
                    let mut out = String::from("{\n");
                    write_properties(&mut out, schema, props, &format!("{indent}  "));
                    format!("{out}{indent}}}")
                }
                _ => "Record<string, never>".into(),
            },
            _ => "unknown".into(),
        },
        _ => "unknown".into(),
    }
}

fn union(parts: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for part in parts {
        if !seen.contains(&part) {
            seen.push(part);
        }
    }
    seen.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_become_typescript() {
        assert_eq!(ts_type(&json!({"type": ["string", "null"]}), ""), "string | null");
        assert_eq!(ts_type(&json!({"type": "string", "enum": ["a", "b"]}), ""), "\"a\" | \"b\"");
        assert_eq!(
            ts_type(&json!({"type": "array", "items": {"$ref": "#/components/schemas/X"}}), ""),
            "X[]"
        );
        assert_eq!(
            ts_type(&json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Y"}]}), ""),
            "null | Y"
        );
        assert_eq!(ts_type(&json!({"type": "object"}), ""), "Record<string, never>");
        assert_eq!(property_name("user_status"), "user_status");
        assert_eq!(property_name("a-b"), "\"a-b\"");
    }

    #[test]
    fn every_event_is_listed_under_its_name() {
        let ts = wire_types();
        assert!(ts.contains("  stream: StreamStart | StreamChunk | StreamEnd;"), "{ts}");
        assert!(ts.contains("  user_status: UserStatus;"), "{ts}");
        assert!(ts.contains("export interface MessageDto {"), "{ts}");
    }
}
