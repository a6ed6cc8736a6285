//! REST request bodies and response envelopes. How rows render (rooms, messages, members, users)
//! is shared with the Socket.IO gateway and lives in `chatbot-protocol`.

use chatbot_domain::Device;
use chatbot_domain::{AiMode, RoomId, RoomVisibility, SessionId, UserId, UserRole};
pub use chatbot_protocol::{MemberDto, MessageDto, RoomDto, UserDto};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`) in PATCH bodies.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
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
pub struct RoomList {
    pub rooms: Vec<RoomDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomEnvelope {
    pub room: RoomDto,
}

/// The answer to `POST /api/rooms`: the room under `room`, and its fields once more at the top
/// level, because the original Next.js front end navigates to `body.id` (SPEC §4, compatibility).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRoom {
    pub room: RoomDto,
    #[serde(flatten)]
    pub top_level: RoomDto,
}

/// The answer to `DELETE /api/rooms/{id}`: a JSON body rather than 204, because the original
/// front end's proxy parses the body of every response (SPEC §4, compatibility).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedRoom {
    /// Always `true`.
    pub ok: bool,
    /// The deleted room's id.
    pub id: RoomId,
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

/// A page of users for administrators; `nextCursor` is the `after` of the next page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserList {
    pub users: Vec<crate::dto_admin::AdminUserDto>,
    pub next_cursor: Option<UserId>,
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    pub id: uuid::Uuid,
    /// Who acted; null for the system or an anonymous client.
    pub actor_id: Option<UserId>,
    pub action: String,
    pub target: Option<String>,
    pub detail: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&chatbot_domain::AuditEntry> for AuditEntryDto {
    fn from(e: &chatbot_domain::AuditEntry) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor_id,
            action: e.action.clone(),
            target: e.target.clone(),
            detail: e.detail.clone(),
            created_at: e.created_at,
        }
    }
}

/// A page of the audit log, newest first; `nextCursor` is the `before` of the next page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditEntryDto>,
    pub next_cursor: Option<uuid::Uuid>,
}

/// What an administrator may change of a user; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchUserRequest {
    pub role: Option<UserRole>,
    pub is_active: Option<bool>,
    /// Tokens per UTC day; `null`: back to the server's default.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub daily_token_budget: Option<Option<i64>>,
    /// Micro-dollars per UTC day; `null`: back to the server's default.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub daily_cost_budget: Option<Option<i64>>,
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
