//! `GET /api/rooms/:id/export?format=md|json`: a room's whole history as a download, streamed
//! page by page ([`crate::export`] writes each piece).

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::export::{self, ExportFormat};
use crate::extract::{ApiQuery, Auth, parse_id};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chatbot_service::RoomExport;
use futures_util::StreamExt as _;
use serde::Deserialize;
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (the default) or `md`.
    pub format: Option<String>,
}

/// Where a streamed export stands.
enum Step {
    Head,
    /// Messages after this seq are next; `first` until one was written.
    Page {
        after: i64,
        first: bool,
    },
    Tail,
    Done,
}

/// The whole history of a room (members only), with authors, times, models and usage.
#[utoipa::path(get, path = "/api/rooms/{id}/export", tag = "rooms", security(("bearer" = [])), params(ExportParams,
    ("id" = String, Path, description = "room id or `general`")),
    responses((status = 200, description = "the export, as a download (Markdown or JSON)"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let format = ExportFormat::parse(params.format.as_deref())
        .ok_or_else(|| ApiError::validation("format must be `md` or `json`", Some("format")))?;
    let room = parse_id(&id, "room")?;
    let source = Arc::new(state.rooms.export(&actor, room).await?);
    let disposition = export::disposition(&source.room.name, format);
    let now = OffsetDateTime::now_utc();
    // Fused: a layer may poll the body again after its end (seen: a panic in `unfold`).
    let pieces = futures_util::stream::unfold(Step::Head, move |step| {
        let source = source.clone();
        async move { next_piece(&source, format, now, step).await }
    })
    .fuse();
    let mut response = Response::new(Body::from_stream(pieces));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The next piece of the body and the step after it. A page that cannot be read ends the body
/// with an error (the client sees a broken download, never a silently shortened one).
async fn next_piece(
    source: &RoomExport,
    format: ExportFormat,
    now: OffsetDateTime,
    step: Step,
) -> Option<(Result<Bytes, std::io::Error>, Step)> {
    match step {
        Step::Head => {
            Some((Ok(export::head(format, source, now).into()), Step::Page { after: 0, first: true }))
        }
        Step::Page { after, first } => match source.page(after).await {
            Ok(page) => match page.messages.last().map(|m| m.seq) {
                Some(last) => {
                    let text = export::page(format, source, &page, first);
                    Some((Ok(text.into()), Step::Page { after: last, first: false }))
                }
                None => Some((Ok(export::tail(format).into()), Step::Tail)),
            },
            Err(err) => {
                tracing::warn!(room_id = %source.room.id, error = %err, "export ended early");
                Some((Err(std::io::Error::other(err.to_string())), Step::Done))
            }
        },
        Step::Tail | Step::Done => None,
    }
}
