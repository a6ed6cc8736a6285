//! JSON of the admin console (`/api/admin/*`) beyond users and the audit log (in `dto`).

use crate::dto::{MessageDto, UserDto};
use chatbot_domain::{AdminRoom, FailedAnswer, UsageLine, UsageSums, User};
use chatbot_domain::{AiMode, MessageId, RoomId, UserId};
use chatbot_service::Dashboard;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A user as administrators see them: with their own budgets and last activity.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserDto {
    #[serde(flatten)]
    pub user: UserDto,
    /// Tokens per UTC day; null: the server's default.
    pub daily_token_budget: Option<i64>,
    /// Micro-dollars per UTC day; null: the server's default.
    pub daily_cost_budget: Option<i64>,
    /// Last sign-in or token refresh.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_active_at: Option<OffsetDateTime>,
}

impl From<&User> for AdminUserDto {
    fn from(u: &User) -> Self {
        Self {
            user: UserDto::from(u),
            daily_token_budget: u.daily_token_budget,
            daily_cost_budget: u.daily_cost_budget,
            last_active_at: u.last_active_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardDto {
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub users: UserFigures,
    pub rooms: RoomFigures,
    pub messages: MessageFigures,
    pub live: LiveFigures,
    /// Every day of the window, oldest first.
    pub days: Vec<DayDto>,
    /// Over the window, per provider and model, most expensive first.
    pub models: Vec<ModelDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserFigures {
    pub total: i64,
    /// Signed in or refreshed a session in the last 24 hours.
    pub active24h: i64,
    pub active7d: i64,
    pub admins: i64,
    pub deactivated: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomFigures {
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageFigures {
    pub total: i64,
}

/// This instance's: connections, answers streaming, answers waiting for a slot.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveFigures {
    pub connections: i64,
    pub streams: i64,
    pub queued: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayDto {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub messages: i64,
    pub answers: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelDto {
    pub provider: String,
    pub model: String,
    pub answers: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micros: i64,
}

impl From<&Dashboard> for DashboardDto {
    fn from(d: &Dashboard) -> Self {
        let f = &d.figures;
        Self {
            generated_at: OffsetDateTime::now_utc(),
            users: UserFigures {
                total: f.users,
                active24h: f.active_24h,
                active7d: f.active_7d,
                admins: f.admins,
                deactivated: f.deactivated,
            },
            rooms: RoomFigures { total: f.rooms },
            messages: MessageFigures { total: f.messages },
            live: LiveFigures {
                connections: d.live_connections,
                streams: d.live_streams,
                queued: d.queued_answers,
            },
            days: d
                .days
                .iter()
                .map(|day| DayDto {
                    day: day.day.clone(),
                    messages: day.messages,
                    answers: day.answers,
                    input_tokens: day.input_tokens,
                    output_tokens: day.output_tokens,
                    cost_micros: day.cost,
                })
                .collect(),
            models: f
                .models
                .iter()
                .map(|(provider, model, s)| ModelDto {
                    provider: provider.clone(),
                    model: model.clone(),
                    answers: s.answers,
                    input_tokens: s.input_tokens,
                    output_tokens: s.output_tokens,
                    cost_micros: s.cost,
                })
                .collect(),
        }
    }
}

/// Usage summed over a group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageSumsDto {
    pub answers: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub cost_micros: i64,
}

impl From<&UsageSums> for UsageSumsDto {
    fn from(s: &UsageSums) -> Self {
        Self {
            answers: s.answers,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            cache_read_tokens: s.cache_read_tokens,
            cache_write_tokens: s.cache_creation_tokens,
            cost_micros: s.cost,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageRowDto {
    /// The user or room id, `provider/model`, or the day.
    pub key: String,
    /// What a person reads: `Name <email>`, the room's name, `(deleted room)`.
    pub label: String,
    #[serde(flatten)]
    pub sums: UsageSumsDto,
}

impl From<&UsageLine> for UsageRowDto {
    fn from(l: &UsageLine) -> Self {
        Self { key: l.key.clone(), label: l.label.clone(), sums: UsageSumsDto::from(&l.sums) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageReportDto {
    pub group_by: &'static str,
    pub from: String,
    pub to: String,
    pub rows: Vec<UsageRowDto>,
    pub totals: UsageSumsDto,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminRoomDto {
    pub id: RoomId,
    pub name: String,
    pub owner_id: Option<UserId>,
    pub owner_name: Option<String>,
    pub members: i64,
    /// Messages stored in the room (its last seq: seqs have no gaps).
    pub messages: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_activity_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub model: Option<String>,
    pub ai_mode: AiMode,
}

impl From<&AdminRoom> for AdminRoomDto {
    fn from(r: &AdminRoom) -> Self {
        Self {
            id: r.room.id,
            name: r.room.name.clone(),
            owner_id: r.room.owner_id,
            owner_name: r.owner_name.clone(),
            members: r.members,
            messages: r.room.last_seq,
            last_activity_at: r.last_activity_at,
            created_at: r.room.created_at,
            model: r.room.model.clone(),
            ai_mode: r.room.ai_mode,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminRoomList {
    pub rooms: Vec<AdminRoomDto>,
    pub next_cursor: Option<RoomId>,
}

/// A conversation as an admin reads it, oldest first; `hasMore`: older messages exist (ask with
/// `before` = the first message's seq).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminThread {
    pub room: AdminRoomDto,
    pub messages: Vec<MessageDto>,
    pub has_more: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedAnswerDto {
    pub message_id: MessageId,
    pub room_id: RoomId,
    pub room_name: Option<String>,
    pub model: Option<String>,
    /// The stable error code the answer failed with (`quota_exceeded`, `upstream`, …).
    pub code: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl From<&FailedAnswer> for FailedAnswerDto {
    fn from(f: &FailedAnswer) -> Self {
        Self {
            message_id: f.message_id,
            room_id: f.room_id,
            room_name: f.room_name.clone(),
            model: f.model.clone(),
            code: f.code.clone(),
            at: f.at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedAnswerList {
    pub errors: Vec<FailedAnswerDto>,
    pub next_cursor: Option<MessageId>,
}
