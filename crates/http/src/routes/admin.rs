//! `/api/admin/*`: what an operator needs without opening the database. Role `admin` only:
//! other users get 403, signed-out callers 401. Every change is audited by the service.

use crate::dto::{AdminUserList, AuditEntryDto, AuditPage, PatchUserRequest};
use crate::dto_admin::AdminUserDto;
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
    Ok(Json(AdminUserList { users: page.iter().map(AdminUserDto::from).collect(), next_cursor }))
}

/// Change a user's role, deactivate / reactivate them, or set their own daily budgets (`null`:
/// back to the server's default). Deactivation signs them out on every device at once (their
/// live connections get `sessionRevoked` with reason `deactivated`). Every change is audited.
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id")), request_body = PatchUserRequest,
    responses((status = 200, body = AdminUserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "an admin deactivating their own account", body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchUserRequest>,
) -> ApiResult<Json<AdminUserDto>> {
    require_admin(&actor)?;
    let user_id: UserId = parse_id(&id, "user")?;
    let mut user = None;
    if body.daily_token_budget.is_some() || body.daily_cost_budget.is_some() {
        let change =
            chatbot_service::BudgetChange { tokens: body.daily_token_budget, cost: body.daily_cost_budget };
        user = Some(state.admin.set_budget(Some(&actor), user_id, change).await?);
    }
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
    Ok(Json(AdminUserDto::from(&user)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    /// Only entries by this user (id).
    pub actor: Option<String>,
    /// Only this action, e.g. `user.deactivated`, `auth.login_failed`, `auth.token_reuse`.
    pub action: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Entries before this time (RFC 3339).
    pub to: Option<String>,
    /// The last id of the previous page (`nextCursor`).
    pub before: Option<String>,
    /// At most `limits.max_page` (default 50).
    pub limit: Option<u32>,
}

fn time_param(text: Option<&str>, field: &'static str) -> Result<Option<time::OffsetDateTime>, ApiError> {
    text.map(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map_err(|_| ApiError::validation(format!("{field} must be an RFC 3339 time"), Some(field)))
    })
    .transpose()
}

/// The audit log, newest first: admin actions and security events, filtered by actor, action and
/// time. Read-only: the API has no way to change or delete an entry.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditListQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(query): ApiQuery<AuditListQuery>,
) -> ApiResult<Json<AuditPage>> {
    require_admin(&actor)?;
    let limit = state.accounts.page_size(query.limit, 50)?;
    let actor_id = match query.actor.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<UserId>()
                .map_err(|_| ApiError::validation("actor must be a user id", Some("actor")))?,
        ),
    };
    let before = match query.before.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<uuid::Uuid>()
                .map_err(|_| ApiError::validation("before must be an entry id", Some("before")))?,
        ),
    };
    let filter = chatbot_domain::AuditQuery {
        actor_id,
        action: query.action.filter(|a| !a.is_empty()),
        since: time_param(query.from.as_deref(), "from")?,
        until: time_param(query.to.as_deref(), "to")?,
        before,
        limit,
    };
    let entries = state.accounts.audit_log(&filter).await?;
    let next_cursor = if entries.len() == limit as usize { entries.last().map(|e| e.id) } else { None };
    Ok(Json(AuditPage { entries: entries.iter().map(AuditEntryDto::from).collect(), next_cursor }))
}
