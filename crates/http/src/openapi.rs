//! The OpenAPI document at `/api/openapi.json` and its docs page at `/api/docs`, whose Swagger
//! UI assets are compiled into the binary (nothing is fetched from a CDN).

use crate::routes::{
    admin, admin_console, auth, export, health, messages, models, rooms, search, shares, sso,
};
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "chatbot-socket API", description = "REST API of the chatbot-socket server. Real-time events travel over Socket.IO at /socket.io/ (namespace /chat)."),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::me, auth::sessions, auth::revoke_session,
        rooms::list, rooms::create, rooms::get, rooms::update, rooms::put, rooms::remove, rooms::messages, rooms::post_message,
        messages::edit, messages::remove, messages::replies, messages::select_branch, export::export, search::search,
        shares::create, shares::list, shares::revoke, shares::open, sso::providers, sso::start, sso::callback,
        rooms::members, rooms::add_member, rooms::remove_member, admin::users, admin::update_user, admin::audit,
        admin_console::dashboard, admin_console::usage, admin_console::rooms, admin_console::thread,
        admin_console::delete_room, admin_console::errors, health::version, models::list,
    ),
    modifiers(&BearerAuth),
    tags((name = "auth", description = "Accounts and device sessions"), (name = "rooms", description = "Rooms, members and history"), (name = "admin", description = "Administration (role admin)"), (name = "meta"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

pub fn docs_router() -> Router {
    SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()).into()
}
