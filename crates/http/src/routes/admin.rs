//! `/api/admin/*`: what an operator needs without opening the database. Role `admin` only:
//! other users get 403, signed-out callers 401. Every change is audited by the service.

use crate::dto::{AdminUserList, PatchUserRequest, UserDto};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Auth, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chatbot_domain::UserId;
use chatbot_service::Actor;
use serde::Deserialize;
use utoipa::IntoParams;

fn require_admin(actor: &Actor) -> Result<(), ApiError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "administrators only"))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Part of a name or email (case-insensitive).
    pub search: Option<String>,
    /// The last id of the previous page (`nextCursor`).
    pub after: Option<String>,
    /// At most 200 (default 50).
    pub limit: Option<u32>,
}

/// Users in creation order, with role and whether they may sign in.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", security(("bearer" = [])), params(UserListQuery),
    responses((status = 200, body = AdminUserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(query): ApiQuery<UserListQuery>,
) -> ApiResult<Json<AdminUserList>> {
    require_admin(&actor)?;
    let limit = state.accounts.page_size(query.limit, 50)?;
    let after = match query.after.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<UserId>()
                .map_err(|_| ApiError::validation("after must be a user id", Some("after")))?,
        ),
    };
    let search = query.search.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let page = state.accounts.list_users_after(search, after, limit).await?;
    let next_cursor = if page.len() == limit as usize { page.last().map(|u| u.id) } else { None };
    Ok(Json(AdminUserList { users: page.iter().map(UserDto::from).collect(), next_cursor }))
}

/// Change a user's role or deactivate / reactivate them. Deactivation signs them out on every
/// device at once (their live connections get `sessionRevoked` with reason `deactivated`).
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id")), request_body = PatchUserRequest,
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "an admin deactivating their own account", body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchUserRequest>,
) -> ApiResult<Json<UserDto>> {
    require_admin(&actor)?;
    let user_id: UserId = parse_id(&id, "user")?;
    let mut user = None;
    if let Some(role) = body.role {
        user = Some(state.accounts.set_role_of(Some(actor.id()), user_id, role).await?);
    }
    if let Some(active) = body.is_active {
        user = Some(state.accounts.set_active(Some(actor.id()), user_id, active).await?);
    }
    let user = match user {
        Some(user) => user,
        None => state.accounts.user(user_id).await?,
    };
    Ok(Json(UserDto::from(&user)))
}
