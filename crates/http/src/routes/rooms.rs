//! `/api/rooms/*`: rooms, members and history. Every path checks membership in the service;
//! non-members get 404, exactly as for a room that does not exist.

use crate::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chatbot_domain::HistoryQuery;
use chatbot_domain::{RoomId, UserId};
use chatbot_service::{MemberRef, NewRoomInput, RoomUpdate};
use serde::Deserialize;
use utoipa::IntoParams;

fn room_id(text: &str) -> Result<RoomId, ApiError> {
    parse_id(text, "room")
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most 200 (default 100).
    pub limit: Option<u32>,
}

/// The caller's rooms, most recently active first, with unread counts and last message.
#[utoipa::path(get, path = "/api/rooms", tag = "rooms", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = RoomList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<RoomList>> {
    let rooms = state.rooms.list(&actor, state.rooms.page_size(query.limit, 100)?).await?;
    Ok(Json(RoomList { rooms: rooms.iter().map(RoomDto::from).collect() }))
}

/// Create a room owned by the caller.
#[utoipa::path(post, path = "/api/rooms", tag = "rooms", security(("bearer" = [])), request_body = CreateRoomRequest,
    responses((status = 201, body = CreatedRoom), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<CreateRoomRequest>,
) -> ApiResult<(StatusCode, Json<CreatedRoom>)> {
    let input = NewRoomInput {
        name: body.name,
        description: body.description,
        visibility: body.visibility,
        system_prompt: body.system_prompt,
        model: body.model,
        ai_mode: body.ai_mode,
        members: body.member_ids,
    };
    let summary = state.rooms.create(&actor, input).await?;
    let created = CreatedRoom { room: RoomDto::from(&summary), top_level: RoomDto::from(&summary) };
    Ok((StatusCode::CREATED, Json(created)))
}

/// One room (members only).
#[utoipa::path(get, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, body = RoomEnvelope), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RoomEnvelope>> {
    let summary = state.rooms.summary(&actor, room_id(&id)?).await?;
    Ok(Json(RoomEnvelope { room: RoomDto::from(&summary) }))
}

/// Change a room's settings (owner or admin). Absent fields stay as they are.
#[utoipa::path(patch, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = [])), request_body = PatchRoomRequest,
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, body = RoomEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchRoomRequest>,
) -> ApiResult<Json<RoomEnvelope>> {
    let update = RoomUpdate {
        name: body.name,
        description: body.description,
        visibility: body.visibility,
        system_prompt: body.system_prompt,
        model: body.model,
        ai_mode: body.ai_mode,
    };
    let summary = state.rooms.update(&actor, room_id(&id)?, update).await?;
    Ok(Json(RoomEnvelope { room: RoomDto::from(&summary) }))
}

/// The same as `PATCH`: the original front end's room page saves settings with `PUT`, sending
/// only some fields, so absent fields stay as they are here too.
#[utoipa::path(put, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = [])), request_body = PatchRoomRequest,
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, body = RoomEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put(
    state: State<AppState>,
    actor: Auth,
    id: Path<String>,
    body: ApiJson<PatchRoomRequest>,
) -> ApiResult<Json<RoomEnvelope>> {
    update(state, actor, id, body).await
}

/// Delete a room with its history (owner or admin).
#[utoipa::path(delete, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")),
    responses((status = 200, body = DeletedRoom), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DeletedRoom>> {
    let id = room_id(&id)?;
    state.rooms.delete(&actor, id).await?;
    Ok(Json(DeletedRoom { ok: true, id }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only messages with a smaller seq (the newest of them): page backwards.
    pub before: Option<i64>,
    /// Only messages with a larger seq (the oldest of them): catch up forwards.
    pub after: Option<i64>,
    /// Messages around this seq (it included, about half before it): where a search result
    /// opens. Not combined with `before` or `after`.
    pub around: Option<i64>,
    /// At most 200 (default 50).
    pub limit: Option<u32>,
}

/// History of a room in ascending `seq` order.
#[utoipa::path(get, path = "/api/rooms/{id}/messages", tag = "rooms", security(("bearer" = [])), params(HistoryParams,
    ("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<HistoryParams>,
) -> ApiResult<Json<MessageList>> {
    let limit = state.rooms.page_size(params.limit, 50)?;
    let room = room_id(&id)?;
    let messages = match (params.around, params.before, params.after) {
        (Some(seq), None, None) => state.rooms.messages_around(&actor, room, seq, limit).await?,
        (Some(_), _, _) => {
            return Err(ApiError::validation(
                "`around` cannot be combined with `before` or `after`",
                Some("around"),
            ));
        }
        (None, before, after) => {
            state.rooms.messages(&actor, room, HistoryQuery { before, after, limit }).await?
        }
    };
    Ok(Json(MessageList { messages: messages.iter().map(MessageDto::from).collect() }))
}

/// Post a message (stored durably before the response). With a `clientId` already used, the
/// first message is returned with 200 and nothing new is stored.
#[utoipa::path(post, path = "/api/rooms/{id}/messages", tag = "rooms", security(("bearer" = [])), request_body = PostMessageRequest,
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 201, body = MessageEnvelope), (status = 200, description = "duplicate clientId", body = MessageEnvelope),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PostMessageRequest>,
) -> ApiResult<(StatusCode, Json<MessageEnvelope>)> {
    let posted =
        state.rooms.post_message(&actor, room_id(&id)?, &body.content, body.client_id.as_deref()).await?;
    let status = if posted.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(MessageEnvelope { message: MessageDto::from(&posted.message) })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberParams {
    /// Only members whose user id sorts after this one.
    pub after: Option<UserId>,
    /// At most 200 (default 100).
    pub limit: Option<u32>,
}

/// Members of a room, by user id.
#[utoipa::path(get, path = "/api/rooms/{id}/members", tag = "rooms", security(("bearer" = [])), params(MemberParams,
    ("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, body = MemberList), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<MemberParams>,
) -> ApiResult<Json<MemberList>> {
    let members = state
        .rooms
        .members(&actor, room_id(&id)?, params.after, state.rooms.page_size(params.limit, 100)?)
        .await?;
    Ok(Json(MemberList { members: members.iter().map(MemberDto::from).collect() }))
}

/// Add a member by `userId` or `email` (owner or admin; anyone may add themselves to a public
/// room). Adding an existing member succeeds (200) and changes nothing.
#[utoipa::path(post, path = "/api/rooms/{id}/members", tag = "rooms", security(("bearer" = [])), request_body = AddMemberRequest,
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 201, body = MemberEnvelope), (status = 200, description = "already a member", body = MemberEnvelope),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "room full", body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AddMemberRequest>,
) -> ApiResult<(StatusCode, Json<MemberEnvelope>)> {
    let who = match (body.user_id, body.email) {
        (Some(id), None) => MemberRef::Id(id),
        (None, Some(email)) => MemberRef::Email(email),
        _ => return Err(ApiError::validation("give exactly one of userId or email", None)),
    };
    let (member, created) = state.rooms.add_member(&actor, room_id(&id)?, who).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(MemberEnvelope { member: MemberDto::from(&member) })))
}

/// Remove a member (owner or admin), or leave (yourself).
#[utoipa::path(delete, path = "/api/rooms/{id}/members/{user_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id"), ("user_id" = String, Path, description = "member's user id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.rooms.remove_member(&actor, room_id(&id)?, parse_id(&user_id, "member")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
