//! `/api/rooms/:id/messages/:mid/*`: changing one message (edit, delete) and the branches of a
//! question (docs/conversations.md). Non-members get 404, as everywhere under `/api/rooms`.

use crate::dto::*;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use chatbot_domain::{MessageId, RoomId};
use chatbot_protocol::MessageDto;
use serde::Deserialize;
use utoipa::ToSchema;

fn ids(room: &str, message: &str) -> ApiResult<(RoomId, MessageId)> {
    Ok((parse_id(room, "room")?, parse_id(message, "message")?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditMessageRequest {
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectBranchRequest {
    /// The answer the room follows from now on.
    pub answer_id: MessageId,
}

/// Edit your own message. When the room's AI answers the new text, a new answer follows: a new
/// branch beside the answers to the old text.
#[utoipa::path(patch, path = "/api/rooms/{id}/messages/{mid}", tag = "rooms", security(("bearer" = [])),
    request_body = EditMessageRequest,
    params(("id" = String, Path, description = "room id or `general`"), ("mid" = String, Path, description = "message id")),
    responses((status = 200, body = MessageEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "not a person's message, or deleted", body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((room, message)): Path<(String, String)>,
    ApiJson(body): ApiJson<EditMessageRequest>,
) -> ApiResult<Json<MessageEnvelope>> {
    let (room, message) = ids(&room, &message)?;
    let edited = state.rooms.edit_message(&actor, room, message, &body.content).await?;
    Ok(Json(MessageEnvelope { message: MessageDto::from(&edited) }))
}

/// Delete your own message: a tombstone stays (empty text, `deletedAt`), so `seq` has no gap.
#[utoipa::path(delete, path = "/api/rooms/{id}/messages/{mid}", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id or `general`"), ("mid" = String, Path, description = "message id")),
    responses((status = 200, body = MessageEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "not a person's message, or deleted already", body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((room, message)): Path<(String, String)>,
) -> ApiResult<Json<MessageEnvelope>> {
    let (room, message) = ids(&room, &message)?;
    let deleted = state.rooms.delete_message(&actor, room, message).await?;
    Ok(Json(MessageEnvelope { message: MessageDto::from(&deleted) }))
}

/// Every answer to a question, in branch order (branch k is the k-th).
#[utoipa::path(get, path = "/api/rooms/{id}/messages/{mid}/replies", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id or `general`"), ("mid" = String, Path, description = "the question's id")),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody)))]
pub async fn replies(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((room, message)): Path<(String, String)>,
) -> ApiResult<Json<MessageList>> {
    let (room, question) = ids(&room, &message)?;
    let replies = state.rooms.replies(&actor, room, question).await?;
    Ok(Json(MessageList { messages: replies.iter().map(MessageDto::from).collect() }))
}

/// Choose which answer of a question the room follows (any member); returns the question.
#[utoipa::path(put, path = "/api/rooms/{id}/messages/{mid}/branch", tag = "rooms", security(("bearer" = [])),
    request_body = SelectBranchRequest,
    params(("id" = String, Path, description = "room id or `general`"), ("mid" = String, Path, description = "the question's id")),
    responses((status = 200, body = MessageEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn select_branch(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((room, message)): Path<(String, String)>,
    ApiJson(body): ApiJson<SelectBranchRequest>,
) -> ApiResult<Json<MessageEnvelope>> {
    let (room, question) = ids(&room, &message)?;
    let selected = state.rooms.select_branch(&actor, room, body.answer_id, Some(question)).await?;
    Ok(Json(MessageEnvelope { message: MessageDto::from(&selected) }))
}
