//! The HTTP edge: REST API under `/api`, health endpoints, OpenAPI, and the embedded web app.
//!
//! Handlers are thin: parse the request into domain input, call a service, translate the result
//! (or the [`ApiError`]) into JSON. Cross-cutting behaviour (request ids, security headers, CORS,
//! compression, timeouts, body limits) lives in [`layers`].

pub mod client_addr;
pub mod csv;
mod dto;
mod dto_admin;
mod error;
mod export;
mod extract;
mod layers;
pub mod metrics;
mod openapi;
mod owned_request;
mod routes;
mod spa;
mod state;

pub use error::ApiError;
pub use state::{AppState, HttpSettings};

use axum::Router;

/// The complete application router. `realtime` wraps the routes with the transports that are not
/// plain HTTP routes (the Socket.IO layer), inside the cross-cutting layers so that request ids,
/// CORS and security headers apply to them too.
pub fn router(state: AppState, realtime: impl FnOnce(Router) -> Router) -> Router {
    let api = routes::api_router(state.clone());
    let mut routes = Router::new()
        .nest("/api", layers::api_only(api, &state.settings))
        .merge(routes::health::router(state.clone()))
        .merge(openapi::docs_router())
        .fallback(spa::serve);
    routes = match &state.settings.metrics_on_main_port {
        Some(access) => routes.merge(metrics::router(access.clone())),
        // Not the web app's page either: a scraper pointed at the wrong port should be told.
        None => routes.route("/metrics", axum::routing::any(metrics::elsewhere)),
    };
    layers::apply(realtime(routes), &state.settings)
}
