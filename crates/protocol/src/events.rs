//! What the server sends on the Socket.IO `/chat` namespace (SPEC §3), one type per event. Each
//! names its event ([`ServerEvent::NAME`]), so the gateway cannot send a payload under another
//! event's name; the acks of client events are in [`crate::acks`].

use crate::MessageDto;
use chatbot_domain::{
    AiMode, MessageId, MessageStatus, Room, RoomId, RoomVisibility, SessionId, User, UserId, UserRole,
};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// A payload the server emits, and the event name it goes under.
pub trait ServerEvent: Serialize {
    const NAME: &'static str;
}

macro_rules! server_event {
    ($($ty:ident => $name:literal),+ $(,)?) => {
        $(impl ServerEvent for $ty {
            const NAME: &'static str = $name;
        })+

        /// (event name, payload type name) of every event, for the web app's generated types.
        pub const SERVER_EVENTS: &[(&str, &str)] = &[$(($name, stringify!($ty))),+];
    };
}

server_event!(
    Connected => "connected",
    MessageDto => "message",
    MessageEdited => "messageEdited",
    MessageDeleted => "messageDeleted",
    BranchSelected => "branchSelected",
    RoomActivity => "roomActivity",
    RoomUpdated => "roomUpdated",
    StreamStart => "stream",
    StreamChunk => "stream",
    StreamEnd => "stream",
    MemberAdded => "memberAdded",
    MemberRemoved => "memberRemoved",
    RoomDeleted => "roomDeleted",
    SessionRevoked => "sessionRevoked",
    UserJoined => "userJoined",
    UserLeft => "userLeft",
    UserTyping => "userTyping",
    ReadSync => "readSync",
    UserStatus => "user_status",
    Exception => "exception",
);

/// RFC 3339, or `None` for a time that cannot be written so (outside years 0–9999).
fn rfc3339(at: OffsetDateTime) -> Option<String> {
    at.format(&Rfc3339).ok()
}

/// The signed-in user, as `connected` shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectedUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: UserRole,
}

/// `connected`: the first event on a new socket (the original client sends nothing before it).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    pub user_id: UserId,
    pub socket_id: String,
    pub server_time: Option<String>,
    pub user: ConnectedUser,
    /// The user's connected devices, this one included.
    pub device_count: usize,
}

impl Connected {
    pub fn new(user: &User, socket_id: String, device_count: usize) -> Self {
        Self {
            user_id: user.id,
            socket_id,
            server_time: rfc3339(OffsetDateTime::now_utc()),
            user: ConnectedUser {
                id: user.id,
                name: user.name.clone(),
                email: user.email.clone(),
                role: user.role,
            },
            device_count,
        }
    }
}

/// `roomActivity`: a new message in a room the socket is a member of but has not joined.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomActivity {
    pub room_id: RoomId,
    pub seq: i64,
    pub created_at: Option<String>,
    /// The message's first characters.
    pub preview: String,
}

impl RoomActivity {
    /// Longest preview, in characters.
    pub const PREVIEW_CHARS: usize = 120;

    pub fn of(message: &chatbot_domain::Message) -> Self {
        Self {
            room_id: message.room_id,
            seq: message.seq,
            created_at: rfc3339(message.created_at),
            preview: message.content.chars().take(Self::PREVIEW_CHARS).collect(),
        }
    }
}

/// `roomUpdated`: the settings every member may read (what `GET /api/rooms/:id` shows of them).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomUpdated {
    pub room_id: RoomId,
    pub name: String,
    pub description: Option<String>,
    pub visibility: RoomVisibility,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    pub ai_mode: AiMode,
    pub updated_at: Option<String>,
}

impl From<&Room> for RoomUpdated {
    fn from(room: &Room) -> Self {
        Self {
            room_id: room.id,
            name: room.name.clone(),
            description: room.description.clone(),
            visibility: room.visibility,
            system_prompt: room.system_prompt.clone(),
            model: room.model.clone(),
            ai_mode: room.ai_mode,
            updated_at: rfc3339(room.updated_at),
        }
    }
}

/// `stream` at the start of an answer: its message id, before any text.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamStart {
    pub room_id: RoomId,
    pub message_id: MessageId,
    /// Always `true`.
    pub start: bool,
    pub model: Option<String>,
    pub reply_to: Option<MessageId>,
}

/// `stream` with a piece of an answer's text; `index` counts 0, 1, 2, … per answer.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamChunk {
    pub room_id: RoomId,
    pub message_id: MessageId,
    pub token: String,
    pub index: u64,
}

/// Token usage and cost (micro-dollars) of a finished answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageDto {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    pub cost: u64,
}

/// `stream` at the end of an answer: how it ended, its whole text and its usage.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamEnd {
    pub room_id: RoomId,
    pub message_id: MessageId,
    /// Always `true`.
    pub end: bool,
    pub status: MessageStatus,
    pub content: String,
    pub usage: UsageDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `memberAdded`, to every member's sockets and the new member's; for a new room, to each of
/// its first members alone.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberAdded {
    pub room_id: RoomId,
    pub user_id: UserId,
}

/// `memberRemoved`, to every member's sockets and the removed member's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberRemoved {
    pub room_id: RoomId,
    pub user_id: UserId,
}

/// `roomDeleted`, to every member's sockets.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomDeleted {
    pub room_id: RoomId,
}

/// `sessionRevoked`: this device's session ended; the server disconnects it next.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionRevoked {
    pub session_id: SessionId,
    /// `signed_out`, `token_reused`, `deactivated`, or `ended` (noticed by a periodic check).
    pub reason: &'static str,
}

/// `userJoined`: another socket joined a room this socket is in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserJoined {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub name: String,
    /// Same as `name` (the original client reads `userName`).
    pub user_name: String,
}

/// `userLeft`: another socket left a room this socket is in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLeft {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub name: String,
    pub user_name: String,
}

impl UserJoined {
    pub fn new(room_id: RoomId, user: &User) -> Self {
        Self { room_id, user_id: user.id, name: user.name.clone(), user_name: user.name.clone() }
    }
}

impl UserLeft {
    pub fn new(room_id: RoomId, user: &User) -> Self {
        Self { room_id, user_id: user.id, name: user.name.clone(), user_name: user.name.clone() }
    }
}

/// `userTyping`: another member started or stopped typing in a joined room.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTyping {
    pub room_id: RoomId,
    pub user_id: UserId,
    pub name: String,
    pub user_name: String,
    pub is_typing: bool,
}

/// `readSync` (and the `sync_read` ack): the user's read position in a room, for their devices.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadSync {
    pub room_id: RoomId,
    pub seq: i64,
}

/// `user_status`: a user sharing a room with this socket came online or went offline.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStatus {
    pub user_id: UserId,
    pub online: bool,
    /// `online` or `offline` (the original client reads this).
    pub status: &'static str,
    pub user_name: String,
    pub device_count: usize,
}

impl UserStatus {
    pub fn new(user: &User, online: bool, device_count: usize) -> Self {
        Self {
            user_id: user.id,
            online,
            status: if online { "online" } else { "offline" },
            user_name: user.name.clone(),
            device_count,
        }
    }
}

/// `exception`: a client event that failed and was sent without an ack callback.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Exception {
    /// Always `error`.
    pub status: &'static str,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The `message` event: the stored message as the REST API renders it, with the assistant's
/// display name for answers.
pub fn message_event(message: &chatbot_domain::Message, assistant_name: &str) -> MessageDto {
    let mut event = MessageDto::from(message);
    if message.role == chatbot_domain::MessageRole::Assistant {
        event.user_name = Some(assistant_name.to_owned());
    }
    event
}

/// `messageEdited`: the whole message as it now reads (`editedAt` set).
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
pub struct MessageEdited(pub MessageDto);

/// `messageDeleted`: the message is a tombstone now (its text is gone; its `seq` stays).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    pub room_id: RoomId,
    pub message_id: MessageId,
    pub seq: i64,
    pub deleted_at: Option<String>,
}

impl MessageDeleted {
    pub fn of(message: &chatbot_domain::Message) -> Self {
        Self {
            room_id: message.room_id,
            message_id: message.id,
            seq: message.seq,
            deleted_at: message.deleted_at.and_then(rfc3339),
        }
    }
}

/// `branchSelected`: the room now follows `answerId` among the answers to `questionId`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BranchSelected {
    pub room_id: RoomId,
    pub question_id: MessageId,
    pub answer_id: MessageId,
}
