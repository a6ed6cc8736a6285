//! `/api/auth/*`: accounts and device sessions.

use crate::dto::{
    AuthResponse, LoginRequest, MeResponse, RefreshRequest, RegisterRequest, SessionDto, SessionList, UserDto,
};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Auth, Client, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chatbot_service::Registration;

/// Create an account and sign in. The first account on an empty server becomes an admin.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = AuthResponse), (status = 409, description = "email taken", body = ErrorBody),
        (status = 422, description = "invalid email, name or password", body = ErrorBody),
        (status = 429, description = "too many registrations from this address", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<AuthResponse>)> {
    let registration = Registration { email: body.email, name: body.name, password: body.password };
    let outcome = state.accounts.register(registration, &client).await?;
    Ok((StatusCode::CREATED, Json(outcome.into())))
}

/// Sign in. Failed attempts are throttled per account and per address (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    Ok(Json(state.accounts.login(&body.email, &body.password, &client).await?.into()))
}

/// Exchange a refresh token for a new pair (rotation). Reusing an exchanged token signs that
/// device out.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<AuthResponse>> {
    Ok(Json(state.accounts.refresh(&body.refresh_token, &client).await?.into()))
}

/// Sign out the device holding this refresh token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    state.accounts.logout(&body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)))]
pub async fn me(Auth(actor): Auth) -> Json<MeResponse> {
    let user = &actor.user;
    Json(MeResponse {
        user: UserDto::from(user),
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role,
        session_id: actor.session,
    })
}

/// The user's signed-in devices.
#[utoipa::path(get, path = "/api/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 401, body = ErrorBody)))]
pub async fn sessions(State(state): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<SessionList>> {
    let devices = state.accounts.devices(&actor).await?;
    Ok(Json(SessionList { sessions: devices.iter().map(|d| SessionDto::new(d, actor.session)).collect() }))
}

/// Sign a device out: its refresh token stops working and its access tokens are refused.
#[utoipa::path(delete, path = "/api/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.accounts.revoke_device(&actor, parse_id(&id, "session")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
