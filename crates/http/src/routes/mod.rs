//! Route tables. Each module maps one resource's endpoints to service calls.

pub mod admin;
pub mod admin_console;
pub mod auth;
pub mod export;
pub mod health;
pub mod messages;
pub mod models;
pub mod rooms;
pub mod search;
pub mod shares;
pub mod sso;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post, put};

/// Everything under `/api`.
pub fn api_router(state: AppState) -> Router {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/providers", get(sso::providers))
        .route("/auth/oidc/start", get(sso::start))
        .route("/auth/oidc/callback", get(sso::callback))
        .route("/auth/sessions", get(auth::sessions))
        .route("/auth/sessions/{id}", delete(auth::revoke_session))
        .route("/rooms", get(rooms::list).post(rooms::create))
        .route("/rooms/{id}", get(rooms::get).patch(rooms::update).put(rooms::put).delete(rooms::remove))
        .route("/rooms/{id}/messages", get(rooms::messages).post(rooms::post_message))
        .route("/rooms/{id}/messages/{mid}", patch(messages::edit).delete(messages::remove))
        .route("/rooms/{id}/messages/{mid}/replies", get(messages::replies))
        .route("/rooms/{id}/messages/{mid}/branch", put(messages::select_branch))
        .route("/rooms/{id}/export", get(export::export))
        .route("/rooms/{id}/members", get(rooms::members).post(rooms::add_member))
        .route("/rooms/{id}/members/{user_id}", delete(rooms::remove_member))
        .route("/search", get(search::search))
        .route("/rooms/{id}/shares", get(shares::list).post(shares::create))
        .route("/rooms/{id}/shares/{share_id}", delete(shares::revoke))
        .route("/shares/{token}", get(shares::open))
        .route("/admin/users", get(admin::users))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/users/{id}", patch(admin::update_user))
        .route("/admin/dashboard", get(admin_console::dashboard))
        .route("/admin/usage", get(admin_console::usage))
        .route("/admin/rooms", get(admin_console::rooms))
        .route("/admin/rooms/{id}", delete(admin_console::delete_room))
        .route("/admin/rooms/{id}/thread", get(admin_console::thread))
        .route("/admin/errors", get(admin_console::errors))
        .route("/version", get(health::version))
        .route("/models", get(models::list))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not support that method",
    )
}
