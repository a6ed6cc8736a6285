//! Wire types: camelCase JSON, with OpenAPI schemas. Conversions from storage rows live here so
//! that every endpoint renders a room, a message or a user the same way.

use chatbot_domain::{
    AiMode, MemberRole, MessageId, MessageRole, MessageStatus, RoomId, RoomVisibility, SessionId, UserId,
    UserRole,
};
use chatbot_store::{Device, Member, Message, RoomSummary, User};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`) in PATCH bodies.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    pub email: String,
    pub name: String,
    /// At least 10 characters (configurable); not one repeated character; not the email.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Register, login and refresh responses. `id`, `name`, `email` and `role` repeat the user at the
/// top level for the original Next.js front end.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    pub user: UserDto,
    pub access_token: String,
    pub refresh_token: String,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: UserRole,
}

impl From<chatbot_service::AuthOutcome> for AuthResponse {
    fn from(o: chatbot_service::AuthOutcome) -> Self {
        Self {
            id: o.user.id,
            name: o.user.name.clone(),
            email: o.user.email.clone(),
            role: o.user.role,
            user: UserDto::from(&o.user),
            access_token: o.access_token,
            refresh_token: o.refresh_token,
            expires_in: o.expires_in,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeResponse {
    pub user: UserDto,
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: UserRole,
    /// The device session this token belongs to.
    pub session_id: SessionId,
}

/// A signed-in device.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub id: SessionId,
    pub user_agent: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_in_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_used_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// True for the device making this request.
    pub current: bool,
}

impl SessionDto {
    pub fn new(d: &Device, current: SessionId) -> Self {
        Self {
            id: d.id,
            user_agent: d.user_agent.clone(),
            signed_in_at: d.signed_in_at,
            last_used_at: d.last_used_at,
            expires_at: d.expires_at,
            current: d.id == current,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionDto>,
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
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub messages: Vec<MessageDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageEnvelope {
    pub message: MessageDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostMessageRequest {
    /// The message text (`text` is accepted too, as original clients send it).
    #[serde(alias = "text")]
    pub content: String,
    /// Idempotency key: sending the same `clientId` again returns the first message.
    pub client_id: Option<String>,
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
pub struct RoomList {
    pub rooms: Vec<RoomDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomEnvelope {
    pub room: RoomDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateRoomRequest {
    /// 1 to 100 characters (configurable).
    pub name: String,
    pub description: Option<String>,
    /// Default `private`.
    pub visibility: Option<RoomVisibility>,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    /// Default `always` for a room with only its creator, `mention` when members are given.
    pub ai_mode: Option<AiMode>,
    /// Other users to add as members.
    #[serde(default)]
    pub member_ids: Vec<UserId>,
}

/// Fields to change; absent fields stay as they are, `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchRoomRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub visibility: Option<RoomVisibility>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub system_prompt: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub model: Option<Option<String>>,
    pub ai_mode: Option<AiMode>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDto {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub members: Vec<MemberDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberEnvelope {
    pub member: MemberDto,
}

/// Who to add: `userId` or `email` (exactly one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddMemberRequest {
    pub user_id: Option<UserId>,
    pub email: Option<String>,
}
