//! `GET /api/search`: messages of the caller's rooms, best match first (docs/conversations.md).

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chatbot_domain::{MessageId, MessageRole, RoomId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchParams {
    /// The words to find (1–200 characters); every one must occur.
    pub q: String,
    /// Only this room.
    pub room_id: Option<String>,
    /// The `nextBefore` of the previous page.
    pub before: Option<String>,
    /// At most 50 (default 20).
    pub limit: Option<u32>,
}

/// A piece of a snippet; `match` pieces are what the search found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetPieceDto {
    pub text: String,
    #[serde(rename = "match")]
    pub matched: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResultDto {
    pub message_id: MessageId,
    pub room_id: RoomId,
    pub room_name: String,
    pub seq: i64,
    pub role: MessageRole,
    /// Null for the assistant.
    pub user_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub snippet: Vec<SnippetPieceDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub results: Vec<SearchResultDto>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<String>,
}

/// Search the messages of your rooms.
#[utoipa::path(get, path = "/api/search", tag = "rooms", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 404, description = "roomId: not a room of yours", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let room = params.room_id.as_deref().map(|id| parse_id::<RoomId>(id, "room")).transpose()?;
    let limit = params.limit.unwrap_or(20).clamp(1, 50);
    let page = state.rooms.search(&actor, &params.q, room, params.before.as_deref(), limit).await?;
    let results = page
        .results
        .into_iter()
        .map(|r| SearchResultDto {
            message_id: r.hit.message.id,
            room_id: r.hit.message.room_id,
            room_name: r.hit.room_name,
            seq: r.hit.message.seq,
            role: r.hit.message.role,
            user_name: r.hit.message.user_name,
            created_at: r.hit.message.created_at,
            snippet: r
                .snippet
                .into_iter()
                .map(|p| SnippetPieceDto { text: p.text, matched: p.matched })
                .collect(),
        })
        .collect();
    Ok(Json(SearchResults { results, next_before: page.next }))
}
