//! Socket.IO requests with their headers and URI copied out of hyper's read buffer.
//!
//! hyper parses a request in place: the header values and the URI are slices of the connection's
//! read buffer (about 16 KiB). Engine.IO keeps the handshake request's parts for the socket's
//! whole life (the handshake data handlers may read), so each WebSocket would pin that buffer long
//! after the upgrade, though the connection never reads through it again. Copying the few hundred
//! bytes the socket keeps releases it (STACK.md measured 29.2 KB → 17.9 KB per socket with the
//! framework alone; docs/benchmarks.md has ours).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

/// For `/socket.io/` requests: the same request, its URI and headers in memory of their own.
pub async fn own_socket_request(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/socket.io") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    if let Ok(uri) = parts.uri.to_string().parse::<Uri>() {
        parts.uri = uri;
    }
    parts.headers = owned_headers(&parts.headers);
    next.run(Request::from_parts(parts, body)).await
}

fn owned_headers(headers: &HeaderMap) -> HeaderMap {
    let mut owned = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.as_str().as_bytes()), HeaderValue::from_bytes(value.as_bytes()))
        else {
            continue;
        };
        owned.append(name, value);
    }
    owned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_survives_the_copy_in_order() {
        let mut headers = HeaderMap::new();
        headers.append("x-custom", HeaderValue::from_static("a"));
        headers.append("x-custom", HeaderValue::from_static("b"));
        headers.append("cookie", HeaderValue::from_static("k=v"));
        let owned = owned_headers(&headers);
        assert_eq!(owned, headers);
        assert_eq!(owned.get_all("x-custom").iter().collect::<Vec<_>>(), ["a", "b"]);
    }
}
