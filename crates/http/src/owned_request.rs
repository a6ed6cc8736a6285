//! Socket.IO requests with their headers and URI copied out of hyper's read buffer.
//!
//! hyper parses a request in place: the header values and the URI are slices of the connection's
//! read buffer (about 16 KiB). Engine.IO keeps the handshake request's parts for the socket's
//! whole life (the handshake data handlers may read), so each WebSocket would pin that buffer long
//! after the upgrade, though the connection never reads through it again. Copying the few hundred
//! bytes the socket keeps releases it (STACK.md measured 29.2 KB → 17.9 KB per socket with the
//! framework alone; docs/benchmarks.md has ours).
//!
//! The request's extensions held slices of the same buffer too (axum's `OriginalUri`, tower-http's
//! `RequestId`): a heap profile of 5,000 held sockets found each pinning its 8 KiB read buffer
//! through them (docs/benchmarks.md, "Where a socket's bytes go"). The patched Engine.IO session
//! now keeps no extensions at all (docs/decisions/028), so they are left as they are.
//!
//! Of the headers, only those read after this middleware are kept (`SOCKET_HEADERS`): the socket holds
//! them for its whole life, and a browser's handshake carries a dozen others (cookies, user agent,
//! languages) that nothing reads again, about 700 bytes a socket (docs/decisions/028).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;

/// The headers of a Socket.IO request that are read after this middleware: `authorization` by
/// `chatbot_gateway`'s connect middleware (the access token may come as `Authorization: Bearer`),
/// `sec-websocket-key` by Engine.IO to answer a WebSocket upgrade, `content-type` by Engine.IO to
/// tell a binary long-polling payload. A header read from a socket's handshake later must be
/// added here (the layers outside this one see every header).
const SOCKET_HEADERS: [HeaderName; 3] =
    [header::AUTHORIZATION, header::SEC_WEBSOCKET_KEY, header::CONTENT_TYPE];

/// For `/socket.io/` requests: the same request, its URI and headers in memory of their own.
pub async fn own_socket_request(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/socket.io") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    if let Some(uri) = owned_uri(&parts.uri) {
        parts.uri = uri;
    }
    parts.headers = kept_headers(&parts.headers);
    next.run(Request::from_parts(parts, body)).await
}

/// The same URI in memory of its own (parsing a `String` copies it).
fn owned_uri(uri: &Uri) -> Option<Uri> {
    uri.to_string().parse().ok()
}

/// The headers a socket keeps (`SOCKET_HEADERS`), each value in memory of its own.
fn kept_headers(headers: &HeaderMap) -> HeaderMap {
    let count = SOCKET_HEADERS.iter().map(|name| headers.get_all(name).iter().count()).sum();
    let mut kept = HeaderMap::with_capacity(count);
    for name in &SOCKET_HEADERS {
        for value in headers.get_all(name) {
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                kept.append(name.clone(), value);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::OriginalUri;
    use tower_http::request_id::RequestId;

    /// The copies change where the bytes live, not what a handler sees: the URI, the original
    /// URI, the request id and the kept headers read the same after the middleware.
    #[tokio::test]
    async fn the_socket_request_reads_the_same_after_the_copy() {
        use axum::Router;
        use axum::body::Body;
        use axum::routing::get;
        use tower::ServiceExt as _;

        async fn echo(req: Request) -> String {
            let original = req.extensions().get::<OriginalUri>().map(|o| o.0.to_string());
            let id = req.extensions().get::<RequestId>().map(|id| id.header_value().clone());
            format!("{} {original:?} {id:?} {:?}", req.uri(), req.headers().get("authorization"))
        }
        let app = Router::new()
            .route("/socket.io/", get(echo))
            .layer(axum::middleware::from_fn(own_socket_request))
            .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
                tower_http::request_id::MakeRequestUuid,
            ));
        let req = axum::http::Request::get("/socket.io/?EIO=4&transport=websocket")
            .header("x-request-id", "abc-1")
            .header("authorization", "Bearer kept")
            .body(Body::empty())
            .expect("request");
        let res = app.oneshot(req).await.expect("response");
        let body = axum::body::to_bytes(res.into_body(), 4096).await.expect("body");
        assert_eq!(
            std::str::from_utf8(&body).expect("utf-8"),
            "/socket.io/?EIO=4&transport=websocket Some(\"/socket.io/?EIO=4&transport=websocket\") \
             Some(\"abc-1\") Some(\"Bearer kept\")"
        );
    }

    #[test]
    fn only_the_headers_the_gateway_reads_are_kept() {
        let mut headers = HeaderMap::new();
        headers.append("authorization", HeaderValue::from_static("Bearer a"));
        headers.append("cookie", HeaderValue::from_static("k=v"));
        headers.append("user-agent", HeaderValue::from_static("test"));
        headers.append("authorization", HeaderValue::from_static("Bearer b"));
        let kept = kept_headers(&headers);
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(kept.get_all("authorization").iter().collect::<Vec<_>>(), ["Bearer a", "Bearer b"]);
        assert!(kept.get("cookie").is_none());
    }
}
