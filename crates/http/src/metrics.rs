//! `/metrics` (Prometheus text) and the middleware that counts every HTTP request into
//! `chatbot_http_requests_total` and `chatbot_http_request_duration_seconds`.

use crate::error::ApiError;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chatbot_metrics::metrics;
use std::sync::Arc;
use std::time::Instant;

/// Who may read `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct MetricsAccess {
    /// `Authorization: Bearer <token>` required when set.
    pub token: Option<Arc<str>>,
}

/// `/metrics` alone: merged into the main router, or served on its own address.
pub fn router(access: MetricsAccess) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(access)
}

async fn scrape(State(access): State<MetricsAccess>, req: Request) -> Response {
    if let Some(token) = &access.token {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !presented.is_some_and(|p| same_secret(p.as_bytes(), token.as_bytes())) {
            let mut response =
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "a bearer token is required")
                    .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    ([(header::CONTENT_TYPE, chatbot_metrics::CONTENT_TYPE)], metrics().render()).into_response()
}

/// `/metrics` on the main port when it is served on an address of its own.
pub async fn elsewhere() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "metrics are served on the metrics address (CHATBOT_METRICS_ADDR)",
    )
}

/// Compares without stopping at the first difference, so the time taken does not tell a guesser
/// how much of the token was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts the request once it is answered. The route is the matched template
/// (`/api/rooms/{id}`), so ids in paths never become label values; requests no route matched
/// are grouped by what serves them.
pub async fn record(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let unmatched = matched.is_none().then(|| unmatched_route(req.uri().path()));
    let response = next.run(req).await;
    let route = matched.as_ref().map(MatchedPath::as_str).or(unmatched).unwrap_or_default();
    metrics().http_request(method.as_str(), route, response.status().as_u16(), started.elapsed());
    response
}

fn unmatched_route(path: &str) -> &'static str {
    if path.starts_with("/socket.io") {
        "/socket.io/"
    } else if path == "/api" || path.starts_with("/api/") {
        "/api/(unmatched)"
    } else {
        "/(web app)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret-token-value", b"s3cret-token-value"));
        assert!(!same_secret(b"s3cret-token-valuX", b"s3cret-token-value"));
        assert!(!same_secret(b"s3cret", b"s3cret-token-value"));
    }

    #[test]
    fn unmatched_paths_fall_into_three_groups() {
        assert_eq!(unmatched_route("/socket.io/"), "/socket.io/");
        assert_eq!(unmatched_route("/api/nope/123"), "/api/(unmatched)");
        assert_eq!(unmatched_route("/rooms/123"), "/(web app)");
    }
}
