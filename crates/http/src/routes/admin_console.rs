//! `/api/admin/*` beyond users and the audit log: the dashboard, usage reports (JSON and CSV),
//! rooms and their conversations, and failed answers. Role `admin` only (403 for others, 401
//! signed out); the rules and the auditing are the service's (`chatbot_service::AdminService`).

use crate::dto::MessageDto;
use crate::dto_admin::{
    AdminRoomDto, AdminRoomList, AdminThread, DashboardDto, FailedAnswerDto, FailedAnswerList,
    UsageReportDto, UsageRowDto, UsageSumsDto,
};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chatbot_domain::{AdminRoomQuery, MessageId, RoomId, UsageGroup};
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime};
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Days shown, today included (1 to 366, default 14).
    pub days: Option<u32>,
}

/// Users, activity, rooms, messages, tokens and cost per day and per model, and this instance's
/// live connections and streams.
#[utoipa::path(get, path = "/api/admin/dashboard", tag = "admin", security(("bearer" = [])), params(DashboardQuery),
    responses((status = 200, body = DashboardDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(query): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<DashboardDto>> {
    let dashboard = state.admin.dashboard(&actor, query.days.unwrap_or(14)).await?;
    Ok(Json(DashboardDto::from(&dashboard)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct UsageQuery {
    /// `user`, `room`, `model` or `day`.
    pub group_by: String,
    /// First day, `YYYY-MM-DD` (UTC; default 29 days before `to`).
    pub from: Option<String>,
    /// Last day, inclusive (default today).
    pub to: Option<String>,
    /// `csv` for a CSV download (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
}

fn day_param(text: Option<&str>, field: &'static str) -> Result<Option<Date>, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.map(|t| {
        Date::parse(t, &format)
            .map_err(|_| ApiError::validation(format!("{field} must be a day, YYYY-MM-DD"), Some(field)))
    })
    .transpose()
}

/// Tokens and cost grouped by user, room, model or day over a range of days, most expensive
/// first (by day: in order), with totals. `format=csv` (or `Accept: text/csv`) answers CSV.
#[utoipa::path(get, path = "/api/admin/usage", tag = "admin", security(("bearer" = [])), params(UsageQuery),
    responses((status = 200, body = UsageReportDto, description = "JSON, or text/csv with format=csv"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn usage(
    State(state): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> ApiResult<Response> {
    let (group, group_name) = match query.group_by.as_str() {
        "user" => (UsageGroup::User, "user"),
        "room" => (UsageGroup::Room, "room"),
        "model" => (UsageGroup::Model, "model"),
        "day" => (UsageGroup::Day, "day"),
        _ => return Err(ApiError::validation("groupBy must be user, room, model or day", Some("groupBy"))),
    };
    match query.format.as_deref() {
        None | Some("json" | "csv") => {}
        Some(_) => return Err(ApiError::validation("format must be json or csv", Some("format"))),
    }
    let to = day_param(query.to.as_deref(), "to")?.unwrap_or_else(|| OffsetDateTime::now_utc().date());
    let from = day_param(query.from.as_deref(), "from")?.unwrap_or(to - Duration::days(29));
    let (lines, totals) = state.admin.usage(Some(&actor), group, from, to).await?;
    let report = UsageReportDto {
        group_by: group_name,
        from: chatbot_service::day_text(from),
        to: chatbot_service::day_text(to),
        rows: lines.iter().map(UsageRowDto::from).collect(),
        totals: UsageSumsDto::from(&totals),
    };
    let wants_csv = query.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("text/csv"));
    if !wants_csv {
        return Ok(Json(report).into_response());
    }
    let filename = format!("usage-{}-{}-{}.csv", report.group_by, report.from, report.to);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        crate::csv::usage(&lines),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomListQuery {
    /// Part of the name (case-insensitive).
    pub search: Option<String>,
    /// The last id of the previous page (`nextCursor`).
    pub after: Option<String>,
    /// At most `limits.max_page` (default 50).
    pub limit: Option<u32>,
}

/// Every room, in creation order: owner, members, messages, last activity.
#[utoipa::path(get, path = "/api/admin/rooms", tag = "admin", security(("bearer" = [])), params(RoomListQuery),
    responses((status = 200, body = AdminRoomList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rooms(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(query): ApiQuery<RoomListQuery>,
) -> ApiResult<Json<AdminRoomList>> {
    let limit = state.accounts.page_size(query.limit, 50)?;
    let after = match query.after.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<RoomId>()
                .map_err(|_| ApiError::validation("after must be a room id", Some("after")))?,
        ),
    };
    let search = query.search.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let page = state.admin.rooms(&actor, &AdminRoomQuery { search, after, only: None, limit }).await?;
    let next_cursor = if page.len() == limit as usize { page.last().map(|r| r.room.id) } else { None };
    Ok(Json(AdminRoomList { rooms: page.iter().map(AdminRoomDto::from).collect(), next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadQuery {
    /// Messages with a seq below this one (the first message's seq of the previous page).
    pub before: Option<i64>,
    /// At most `limits.max_page` (default 50).
    pub limit: Option<u32>,
}

/// Read any room's conversation, oldest first. The read itself is audited (`room.thread_read`).
#[utoipa::path(get, path = "/api/admin/rooms/{id}/thread", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id"), ThreadQuery),
    responses((status = 200, body = AdminThread), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn thread(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ThreadQuery>,
) -> ApiResult<Json<AdminThread>> {
    let room_id: RoomId = parse_id(&id, "room")?;
    let limit = state.accounts.page_size(query.limit, 50)?;
    let (room, messages, has_more) = state.admin.thread(&actor, room_id, query.before, limit).await?;
    Ok(Json(AdminThread {
        room: AdminRoomDto::from(&room),
        messages: messages.iter().map(MessageDto::from).collect(),
        has_more,
    }))
}

/// Delete any room but `general`; members still connected are told (`roomDeleted`). Audited.
#[utoipa::path(delete, path = "/api/admin/rooms/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")),
    responses((status = 200, body = crate::dto::DeletedRoom), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::dto::DeletedRoom>> {
    let room_id: RoomId = parse_id(&id, "room")?;
    state.admin.delete_room(&actor, room_id).await?;
    Ok(Json(crate::dto::DeletedRoom { ok: true, id: room_id }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ErrorListQuery {
    /// The last message id of the previous page (`nextCursor`).
    pub before: Option<String>,
    /// At most `limits.max_page` (default 50).
    pub limit: Option<u32>,
}

/// Recent failed answers with their error codes (upstream errors, budgets, refusals), newest
/// first.
#[utoipa::path(get, path = "/api/admin/errors", tag = "admin", security(("bearer" = [])), params(ErrorListQuery),
    responses((status = 200, body = FailedAnswerList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn errors(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(query): ApiQuery<ErrorListQuery>,
) -> ApiResult<Json<FailedAnswerList>> {
    let limit = state.accounts.page_size(query.limit, 50)?;
    let before = match query.before.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<MessageId>()
                .map_err(|_| ApiError::validation("before must be a message id", Some("before")))?,
        ),
    };
    let page = state.admin.errors(&actor, before, limit).await?;
    let next_cursor = if page.len() == limit as usize { page.last().map(|f| f.message_id) } else { None };
    Ok(Json(FailedAnswerList { errors: page.iter().map(FailedAnswerDto::from).collect(), next_cursor }))
}
