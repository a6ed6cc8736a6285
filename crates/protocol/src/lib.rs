//! The wire format shared by the REST API and the Socket.IO gateway: camelCase JSON with OpenAPI
//! schemas. Conversions from storage rows live here so that a room, a message or a user is
//! rendered the same way on every path.

pub mod acks;
pub mod events;
pub mod requests;
pub mod typescript;

use chatbot_domain::{
    AiMode, MemberRole, MessageId, MessageRole, MessageStatus, RoomId, RoomVisibility, UserId, UserRole,
};
use chatbot_domain::{Member, Message, RoomSummary, User};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDto {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub is_active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            is_active: u.is_active,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

/// The author of a message, as the original front end expects it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorDto {
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDto {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: i64,
    /// Null for the assistant.
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    /// `{id, name}` of the author; null for the assistant.
    pub user: Option<AuthorDto>,
    pub role: MessageRole,
    pub content: String,
    /// Same as `content` (original clients read `text`).
    pub text: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub reply_to: Option<MessageId>,
    pub client_id: Option<String>,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Same as `createdAt` (original clients read `timestamp`).
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
    /// On an answer: the question text it answered, when the question was edited since.
    pub prompt: Option<String>,
    /// On a question: the answer (branch) the room follows; null: the newest.
    pub active_reply: Option<MessageId>,
}

impl From<&Message> for MessageDto {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            room_id: m.room_id,
            seq: m.seq,
            user_id: m.user_id,
            user_name: m.user_name.clone(),
            user: m.user_id.map(|id| AuthorDto { id, name: m.user_name.clone().unwrap_or_default() }),
            role: m.role,
            content: m.content.clone(),
            text: m.content.clone(),
            status: m.status,
            model: m.model.clone(),
            reply_to: m.reply_to,
            client_id: m.client_id.clone(),
            error: m.error.clone(),
            created_at: m.created_at,
            timestamp: m.created_at,
            updated_at: m.updated_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
            prompt: m.prompt.clone(),
            active_reply: m.active_reply,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomDto {
    pub id: RoomId,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: Option<UserId>,
    pub visibility: RoomVisibility,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    pub ai_mode: AiMode,
    pub last_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The caller's role in this room.
    pub my_role: MemberRole,
    pub last_read_seq: i64,
    /// Messages by others after `lastReadSeq`.
    pub unread_count: i64,
    pub member_count: i64,
    pub last_message: Option<MessageDto>,
}

impl From<&RoomSummary> for RoomDto {
    fn from(s: &RoomSummary) -> Self {
        let r = &s.room;
        Self {
            id: r.id,
            name: r.name.clone(),
            description: r.description.clone(),
            owner_id: r.owner_id,
            visibility: r.visibility,
            system_prompt: r.system_prompt.clone(),
            model: r.model.clone(),
            ai_mode: r.ai_mode,
            last_seq: r.last_seq,
            created_at: r.created_at,
            updated_at: r.updated_at,
            my_role: s.my_role,
            last_read_seq: s.last_read_seq,
            unread_count: s.unread,
            member_count: s.member_count,
            last_message: s.last_message.as_ref().map(MessageDto::from),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDto {
    pub user_id: UserId,
    pub name: String,
    /// Only for the member themself, the room's owner and admins; never in `general`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: MemberRole,
    pub last_read_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
}

impl From<&Member> for MemberDto {
    fn from(m: &Member) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name.clone(),
            email: m.email.clone(),
            role: m.role,
            last_read_seq: m.last_read_seq,
            joined_at: m.joined_at,
        }
    }
}
