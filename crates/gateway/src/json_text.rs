//! JSON written once as text. An event's payload is serialized from its typed struct straight to
//! text, then copied verbatim into each packet (socketioxide's serializer passes raw JSON
//! through) and into the relay's entries. Building a `serde_json::Value` tree first, then
//! serializing the tree, cost about a tenth of the server's CPU per acked send under 200 senders
//! (docs/benchmarks.md, "Sends without JSON trees").

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Valid JSON text.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub(crate) struct JsonText(Box<RawValue>);

impl JsonText {
    /// Our event and ack types are plain structs: serializing them cannot fail (`null` if it
    /// ever did).
    pub(crate) fn of<T: Serialize + ?Sized>(value: &T) -> Self {
        Self(serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        self.0.get()
    }
}

/// Equal when the JSON is (object members in any order), as a `Value` compares.
impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        let value = |t: &JsonText| serde_json::from_str::<serde_json::Value>(t.as_str()).ok();
        self.as_str() == other.as_str() || value(self).is_some_and(|v| Some(v) == value(other))
    }
}

/// Read back through a `Value`: a relayed op is an internally tagged enum, whose fields serde
/// buffers before deserializing them, and a buffered field cannot be taken as raw text. Only ops
/// relayed from other instances are read this way.
impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Self::of(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_objects_compare_equal_in_any_member_order() {
        let a = JsonText(RawValue::from_string(r#"{"a":1,"b":[true]}"#.into()).expect("json"));
        let b = JsonText(RawValue::from_string(r#"{"b":[true],"a":1}"#.into()).expect("json"));
        assert_eq!(a, b);
        assert_ne!(a, JsonText::of(&json!({"a": 2, "b": [true]})));
    }
}
