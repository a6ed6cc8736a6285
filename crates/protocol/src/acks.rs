//! The bodies of successful acks to client events (the gateway adds `ok: true`; a failure is
//! `{ok: false, error: {code, message, retryAfter?}}`). Acks that only echo ids use
//! [`AnswerAck`] and [`RoomAck`]; `typing` answers `{}`.

use crate::{MemberDto, MessageDto, RoomDto};
use chatbot_domain::{MessageId, RoomId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

/// An answer still streaming when a socket joins: its text so far and the index of the next
/// chunk, so chunks that also arrive as events are recognised (no gap, no duplicate).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamingAnswer {
    pub message_id: MessageId,
    pub content: String,
    pub next_index: u64,
}

/// `join`: the room, its members (and who of them is online), the history from `since` (or the
/// newest), whether more follows, and answers still streaming.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JoinAck {
    pub room: RoomDto,
    pub members: Vec<MemberDto>,
    pub online: Vec<UserId>,
    pub messages: Vec<MessageDto>,
    pub has_more: bool,
    pub streaming: Vec<StreamingAnswer>,
}

/// `send`: the stored message; `duplicate` when its `clientId` had been sent before.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendAck {
    pub message: MessageDto,
    pub duplicate: bool,
}

/// `stop` and `regenerate`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerAck {
    pub room_id: RoomId,
    pub message_id: MessageId,
}

/// `leave`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomAck {
    pub room_id: RoomId,
}

/// `typing`: nothing to say.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmptyAck {}

/// `edit`, `delete` (the message as it now is) and `selectBranch` (the question, with its
/// `activeReply`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageAck {
    pub message: MessageDto,
}
