//! Serves the embedded web app: a file if one matches the path, else `index.html` (SPA fallback,
//! so client-side routes survive a reload).

use crate::error::ApiError;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

pub async fn serve(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        // Most likely an API client configured without the `/api` prefix: say so in JSON.
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "only the web app is served here; the REST API is under /api",
        )
        .into_response();
    }
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        // The API's router did not take it (`/api/` itself, `/api//x`): still the API's 404.
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint").into_response();
    }
    let asset = chatbot_web::asset(path).or_else(|| {
        // A path that looks like a file (has an extension) and is missing is a real 404;
        // anything else is a client-side route.
        let looks_like_file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
        (!looks_like_file).then(chatbot_web::index).flatten()
    });
    match asset {
        Some(asset) => {
            let mut response = (StatusCode::OK, asset.bytes).into_response();
            let headers = response.headers_mut();
            if let Ok(mime) = HeaderValue::from_str(&asset.mime) {
                headers.insert(header::CONTENT_TYPE, mime);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(asset.cache_control));
            response
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
