//! Read-only share links (docs/conversations.md, "Share links"): made, listed and revoked by the
//! room's owner (or an admin) under `/api/rooms/:id/shares`; opened at `/api/shares/:token`.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, MaybeAuth, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chatbot_domain::{RoomId, ShareLink};
use chatbot_protocol::MessageDto;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateShareRequest {
    /// Hours until the link stops opening (1 to 8784); absent: until revoked.
    pub expires_in_hours: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareDto {
    pub id: uuid::Uuid,
    /// The secret part of the link.
    pub token: String,
    /// The web app's page for the link (a path: prefix it with the server's address).
    pub url: String,
    pub room_id: RoomId,
    /// The snapshot holds the messages up to this seq.
    pub up_to_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<&ShareLink> for ShareDto {
    fn from(s: &ShareLink) -> Self {
        Self {
            id: s.id,
            token: s.token.clone(),
            url: format!("/share/{}", s.token),
            room_id: s.room_id,
            up_to_seq: s.up_to_seq,
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareEnvelope {
    pub share: ShareDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareList {
    pub shares: Vec<ShareDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedRoomDto {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedSnapshotDto {
    pub share: ShareSummaryDto,
    pub room: SharedRoomDto,
    pub messages: Vec<MessageDto>,
    /// More after the last message here: ask again with `after` = its seq.
    pub has_more: bool,
}

/// What a viewer of a link learns about it (not who made it, nor the room's id).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareSummaryDto {
    pub up_to_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotParams {
    /// Only messages after this seq (the next page).
    pub after: Option<i64>,
}

/// Make a read-only link to the room's history as it is now (owner or admin).
#[utoipa::path(post, path = "/api/rooms/{id}/shares", tag = "rooms", security(("bearer" = [])), request_body = CreateShareRequest,
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 201, body = ShareEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "too many live links", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateShareRequest>,
) -> ApiResult<(StatusCode, Json<ShareEnvelope>)> {
    let share = state.rooms.create_share(&actor, parse_id(&id, "room")?, body.expires_in_hours).await?;
    Ok((StatusCode::CREATED, Json(ShareEnvelope { share: ShareDto::from(&share) })))
}

/// The room's share links, newest first (owner or admin).
#[utoipa::path(get, path = "/api/rooms/{id}/shares", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, body = ShareList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ShareList>> {
    let shares = state.rooms.shares(&actor, parse_id(&id, "room")?).await?;
    Ok(Json(ShareList { shares: shares.iter().map(ShareDto::from).collect() }))
}

/// Revoke a share link: it stops opening at once (owner or admin).
#[utoipa::path(delete, path = "/api/rooms/{id}/shares/{share_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id or `general`"), ("share_id" = String, Path, description = "the link's id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, share_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.rooms.revoke_share(&actor, parse_id(&id, "room")?, parse_id(&share_id, "share link")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a share link shows: the room's name and its history up to the link's snapshot, a page
/// at a time. Signed-in users only, unless the server allows anyone (`CHATBOT_SHARE_PUBLIC`).
#[utoipa::path(get, path = "/api/shares/{token}", tag = "rooms", params(SnapshotParams, ("token" = String, Path, description = "the link's token")),
    responses((status = 200, body = SharedSnapshotDto), (status = 401, body = ErrorBody),
        (status = 404, description = "unknown, expired or revoked", body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(token): Path<String>,
    ApiQuery(params): ApiQuery<SnapshotParams>,
) -> ApiResult<Json<SharedSnapshotDto>> {
    let snapshot = state.rooms.open_share(viewer.as_ref(), &token, params.after).await?;
    Ok(Json(SharedSnapshotDto {
        share: ShareSummaryDto {
            up_to_seq: snapshot.share.up_to_seq,
            created_at: snapshot.share.created_at,
            expires_at: snapshot.share.expires_at,
        },
        room: SharedRoomDto { name: snapshot.room_name },
        messages: snapshot.messages.iter().map(MessageDto::from).collect(),
        has_more: snapshot.has_more,
    }))
}
