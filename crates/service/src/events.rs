//! What the services tell the real-time layer. The gateway implements [`RoomEvents`]; the CLI
//! and tests without sockets use [`NoEvents`].

use chatbot_domain::{MessageId, RoomId, SessionId, UserId};
use chatbot_store::{Message, Room};

/// Token usage and cost of a finished answer, as shown to clients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswerUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    /// Micro-dollars.
    pub cost: u64,
}

/// Why a device's session ended, as its live connections are told (`sessionRevoked.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Signed out, on this device or from another one.
    SignedOut,
    /// Its refresh token was presented again after it had been exchanged (a copy is in use).
    TokenReused,
    /// The account was deactivated.
    Deactivated,
}

impl SessionEnd {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::TokenReused => "token_reused",
            Self::Deactivated => "deactivated",
        }
    }
}

/// Notifications of committed changes, delivered in commit order.
///
/// Implementations must not block: they are called on the message writer's task, between a
/// batch's commit and its acknowledgements. Queue the work and return.
pub trait RoomEvents: Send + Sync + 'static {
    /// A new message was committed (never called for an idempotent duplicate). Assistant
    /// answers arrive here with status `streaming`; they are announced by the answer events.
    fn message_stored(&self, message: &Message);
    /// An answer started streaming (its row exists, empty).
    fn answer_started(&self, answer: &Message);
    /// Chunk `index` (0, 1, 2, …) of an answer: never empty.
    fn answer_chunk(&self, room: RoomId, answer: MessageId, index: u64, text: &str);
    /// The answer ended (complete, stopped or failed) and is stored with its final text.
    fn answer_finished(&self, answer: &Message, usage: AnswerUsage);
    /// `user` became a member of `room`.
    fn member_added(&self, room: RoomId, user: UserId);
    /// A room was created with these members (its owner first): each hears of it as a member
    /// added, without the count changes that announce a member to the others.
    fn room_created(&self, _room: RoomId, _members: &[UserId]) {}
    /// `user` is no longer a member of `room`.
    fn member_removed(&self, room: RoomId, user: UserId);
    /// The room and its history are gone.
    fn room_deleted(&self, room: RoomId);
    /// A message was edited or deleted (`deleted_at` set: a tombstone).
    fn message_changed(&self, _message: &Message) {}
    /// The room now follows `answer` for `question` (see docs/conversations.md, "Branches").
    fn branch_selected(&self, _room: RoomId, _question: MessageId, _answer: MessageId) {}
    /// The room's settings (name, description, visibility, system prompt, model, AI mode) changed.
    fn room_updated(&self, _room: &Room) {}
    /// A device's session was revoked (signed out, its refresh token reused, the account
    /// deactivated): its live connections must end too, not only its next request.
    fn session_revoked(&self, _user: UserId, _session: SessionId, _why: SessionEnd) {}
}

/// Ignores every event.
pub struct NoEvents;

impl RoomEvents for NoEvents {
    fn message_stored(&self, _: &Message) {}
    fn answer_started(&self, _: &Message) {}
    fn answer_chunk(&self, _: RoomId, _: MessageId, _: u64, _: &str) {}
    fn answer_finished(&self, _: &Message, _: AnswerUsage) {}
    fn member_added(&self, _: RoomId, _: UserId) {}
    fn member_removed(&self, _: RoomId, _: UserId) {}
    fn room_deleted(&self, _: RoomId) {}
}
