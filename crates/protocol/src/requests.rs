//! What clients send on `/chat`, one type per event payload. Ids stay text here: the gateway
//! resolves them, so that a malformed id reads as "not found", as over REST.

use serde::Deserialize;
use utoipa::ToSchema;

/// `join {roomId, since?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Join {
    pub room_id: String,
    /// The last seq the client saw; the ack carries every later message.
    pub since: Option<i64>,
}

/// `leave {roomId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomOnly {
    pub room_id: String,
}

/// `send {roomId, content, clientId?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Send {
    pub room_id: String,
    /// `text` is what the original client sends.
    #[serde(alias = "text")]
    pub content: String,
    pub client_id: Option<String>,
}

/// `typing {roomId, isTyping}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Typing {
    pub room_id: String,
    pub is_typing: bool,
}

/// `sync_read {roomId, seq}` or, as the original client sends it, `{roomId, messageId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncRead {
    pub room_id: String,
    pub seq: Option<i64>,
    pub message_id: Option<String>,
}

/// `stop`, `regenerate` and `selectBranch` (an answer), `delete` (one's own message): a message in
/// a room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerRef {
    pub room_id: String,
    pub message_id: String,
}

/// `edit {roomId, messageId, content}`: new text for one's own message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Edit {
    pub room_id: String,
    pub message_id: String,
    pub content: String,
}
