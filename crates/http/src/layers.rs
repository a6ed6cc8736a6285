//! Cross-cutting HTTP behaviour, applied once around the whole router.

use crate::error::ApiError;
use crate::state::HttpSettings;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content-Security-Policy for the web app and the API docs: everything from our own origin, no
/// framing, no plugins. `connect-src 'self'` covers Socket.IO's WebSocket back to this origin
/// (CSP Level 3: 'self' matches ws/wss on the same host); a bare `ws: wss:` would allow any host.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Layers for `/api` only: a body size limit (413 as JSON) and a request timeout (503 as JSON).
/// Not applied to streaming transports mounted elsewhere.
pub fn api_only(api: Router, settings: &HttpSettings) -> Router {
    let timeout = settings.request_timeout;
    api.layer(middleware::from_fn(move |req, next| request_timeout(timeout, req, next)))
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
}

async fn request_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let mut err =
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the request took too long");
            err.retry_after = Some(Duration::from_secs(1));
            err.into_response()
        }
    }
}

/// Outermost first: request id, tracing, security headers, CORS, compression.
pub fn apply(router: Router, settings: &HttpSettings) -> Router {
    let static_header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    // One span per request, carrying the request id that the response and every log line of the
    // request carry too; `otel.name` names it by route for trace viewers.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            let route = req.extensions().get::<MatchedPath>().map_or("", MatchedPath::as_str);
            tracing::info_span!(
                "http",
                otel.name = %format_args!("{} {}", req.method(), if route.is_empty() { req.uri().path() } else { route }),
                otel.kind = "server",
                method = %req.method(),
                path = %req.uri().path(),
                route,
                request_id = %request_id,
                status = tracing::field::Empty,
            )
        })
        .on_response(|res: &Response, _latency: Duration, span: &tracing::Span| {
            span.record("status", res.status().as_u16());
        });
    router
        .layer(middleware::from_fn(crate::owned_request::own_socket_request))
        .layer(middleware::from_fn(crate::metrics::record))
        .layer(CompressionLayer::new())
        .layer(cors(&settings.cors_origins))
        .layer(static_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(static_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(static_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(static_header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(static_header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        .layer(static_header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// CORS from the allowlist; with no origins configured, no CORS headers at all (same origin).
fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if allowed.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-requested-with"),
        ])
        .expose_headers([REQUEST_ID, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}
