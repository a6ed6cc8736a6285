//! Event payloads (their types: `chatbot_protocol::requests`), parsed once at the edge. A missing or mistyped field is `bad_request`; a
//! well-formed id that names nothing is `not_found` (as over REST).

use crate::reply::EventError;
use chatbot_domain::{MessageId, RoomId};
pub use chatbot_protocol::requests::{AnswerRef, Edit, Join, RoomOnly, Send, SyncRead, Typing};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes an event's payload, turning serde's message into a `bad_request`.
pub fn parse<T: DeserializeOwned>(event: &str, data: Value) -> Result<T, EventError> {
    let data = if data.is_null() { Value::Object(Default::default()) } else { data };
    serde_json::from_value(data)
        .map_err(|e| EventError::bad_request(format!("invalid `{event}` payload: {e}")))
}

/// A room id as text, resolved separately so that a malformed id reads as "no such room".
pub fn room_id(text: &str) -> Result<RoomId, EventError> {
    text.parse().map_err(|_| EventError::new("not_found", "room not found"))
}

pub fn message_id(text: &str) -> Result<MessageId, EventError> {
    text.parse().map_err(|_| EventError::new("not_found", "message not found"))
}

/// What a read marker points at.
pub enum ReadMark {
    Seq(i64),
    Message(MessageId),
}

/// `sync_read` names its position by `seq` or, as the original client does, by `messageId`.
pub fn read_mark(request: &SyncRead) -> Result<ReadMark, EventError> {
    match (request.seq, request.message_id.as_deref()) {
        (Some(seq), _) => Ok(ReadMark::Seq(seq)),
        (None, Some(id)) => Ok(ReadMark::Message(message_id(id)?)),
        (None, None) => Err(EventError::bad_request("sync_read needs `seq` or `messageId`")),
    }
}

/// The room and message a `stop` or `regenerate` names.
pub fn answer_ids(request: &AnswerRef) -> Result<(RoomId, MessageId), EventError> {
    Ok((room_id(&request.room_id)?, message_id(&request.message_id)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn send_accepts_text_for_content() {
        let send: Send = parse("send", json!({"roomId": "general", "text": "hi"})).expect("parses");
        assert_eq!((send.room_id.as_str(), send.content.as_str()), ("general", "hi"));
        assert!(send.client_id.is_none());
    }

    #[test]
    fn missing_or_mistyped_fields_are_bad_requests() {
        let err = parse::<Send>("send", json!({"content": "hi"})).unwrap_err();
        assert_eq!(err.code, "bad_request");
        assert!(err.message.contains("roomId"), "{}", err.message);
        assert_eq!(
            parse::<Typing>("typing", json!({"roomId": "general", "isTyping": "yes"})).unwrap_err().code,
            "bad_request"
        );
        assert_eq!(parse::<Join>("join", json!("general")).unwrap_err().code, "bad_request");
        assert_eq!(parse::<Join>("join", Value::Null).unwrap_err().code, "bad_request");
    }

    #[test]
    fn malformed_ids_are_not_found() {
        assert_eq!(room_id("nope").unwrap_err().code, "not_found");
        assert_eq!(room_id("general").ok(), Some(RoomId::GENERAL));
        let read = SyncRead { room_id: "general".into(), seq: None, message_id: None };
        assert_eq!(read_mark(&read).err().map(|e| e.code), Some("bad_request"));
    }
}
