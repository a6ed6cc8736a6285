//! The server as a whole: restarts, health, headers, CORS, the web app and the API docs.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;

backend_tests!(data_survives_a_restart, health_and_readiness, openapi_documents_every_route);

async fn data_survives_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Durable").await;
    app.send(&ada, &room, "before the restart").await;
    let db = Arc::clone(&app.db);
    app.stop().await;

    let app = TestApp::spawn_on(db, &[]).await;
    let again = app.login("ada").await;
    assert_eq!(again.id, ada.id);
    let history = app.get(&format!("/api/rooms/{room}/messages"), &again.access).await;
    assert_eq!(history.body["messages"][0]["content"], "before the restart");
    let next = app.send(&again, &room, "after the restart").await;
    assert_eq!(next["seq"], 2, "seq continues");
    // Tokens issued before the restart stay valid (same secret, sessions stored).
    assert_eq!(app.get("/api/auth/me", &ada.access).await.status, StatusCode::OK);
    let refresh =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(refresh.status, StatusCode::OK);
    app.stop().await;
}

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let health = app.http.get(app.url("/healthz")).send().await.expect("sent");
    assert_eq!(health.status(), StatusCode::OK);
    let ready: serde_json::Value =
        app.http.get(app.url("/readyz")).send().await.expect("sent").json().await.expect("json");
    assert_eq!(ready["status"], "ok");
    assert_eq!(ready["checks"]["database"]["ok"], true);
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(ready["checks"]["database"]["backend"], expected);

    // With the database gone, readiness says so (503) while liveness stays up.
    app.store.close().await;
    let not_ready = app.http.get(app.url("/readyz")).send().await.expect("sent");
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = not_ready.json().await.expect("json");
    assert_eq!(body["checks"]["database"]["ok"], false);
    assert!(body["checks"]["database"]["error"].is_string());
    assert_eq!(app.http.get(app.url("/healthz")).send().await.expect("sent").status(), StatusCode::OK);
}

async fn openapi_documents_every_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc: serde_json::Value =
        app.http.get(app.url("/api/openapi.json")).send().await.expect("sent").json().await.expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/auth/me",
        "/api/auth/sessions",
        "/api/auth/sessions/{id}",
        "/api/rooms",
        "/api/rooms/{id}",
        "/api/rooms/{id}/messages",
        "/api/rooms/{id}/members",
        "/api/rooms/{id}/members/{user_id}",
        "/api/models",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let docs = app.http.get(app.url("/api/docs/")).send().await.expect("sent");
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.text().await.expect("html");
    assert!(html.contains("swagger"), "the docs page is Swagger UI");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "docs assets are bundled, not fetched from a CDN"
    );
    let bundle = app.http.get(app.url("/api/docs/swagger-ui-bundle.js")).send().await.expect("sent");
    assert_eq!(bundle.status(), StatusCode::OK, "Swagger UI's script is served from the binary");
}

#[tokio::test]
async fn security_headers_and_request_ids() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.http.get(app.url("/api/version")).send().await.expect("sent");
    let headers = response.headers();
    assert!(headers.get("x-request-id").is_some_and(|v| !v.is_empty()), "a request id is generated");
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"), "{csp}");
    // Connections (Socket.IO's WebSocket included) only back to this origin: `ws:`/`wss:` alone
    // would let injected script talk to any host.
    assert!(csp.contains("connect-src 'self';"), "{csp}");
    assert!(!csp.contains("ws:") && !csp.contains("wss:"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers.get("access-control-allow-origin").is_none(), "same origin only by default");

    let echoed =
        app.http.get(app.url("/healthz")).header("x-request-id", "trace-me-42").send().await.expect("sent");
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42", "a caller's request id is kept");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("cors_origins", "https://app.example, http://localhost:5173")],
    )
    .await;
    let preflight = app
        .http
        .request(Method::OPTIONS, app.url("/api/auth/login"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-requested-with")
        .send()
        .await
        .expect("sent");
    assert!(preflight.status().is_success());
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "https://app.example");
    assert_eq!(headers["access-control-allow-credentials"], "true");
    let allowed = headers["access-control-allow-headers"].to_str().expect("ascii").to_ascii_lowercase();
    assert!(allowed.contains("x-requested-with"), "{allowed}");

    let other = app
        .http
        .get(app.url("/api/version"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let raw = reqwest::Client::builder().build().expect("client");
    let response =
        raw.get(app.url("/api/openapi.json")).header("accept-encoding", "gzip").send().await.expect("sent");
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn web_app_is_served_with_spa_fallback() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for path in ["/", "/rooms/some-room", "/settings/account"] {
        let response = app.http.get(app.url(path)).send().await.expect("sent");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.text().await.expect("html").to_lowercase().contains("<!doctype html>"), "{path}");
    }
    // Whichever front end is embedded (the built app or the placeholder shell), the assets its
    // page links are served with their type and cached as immutable.
    let html = app.http.get(app.url("/")).send().await.expect("sent").text().await.expect("html");
    let asset = html
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".css"))
        .expect("the page links a stylesheet under /assets/")
        .to_owned();
    let css = app.http.get(app.url(&asset)).send().await.expect("sent");
    assert_eq!(css.status(), StatusCode::OK, "{asset}");
    assert!(css.headers()["content-type"].to_str().expect("ascii").starts_with("text/css"));
    assert!(css.headers()["cache-control"].to_str().expect("ascii").contains("immutable"));
    let missing = app.http.get(app.url("/assets/missing.js")).send().await.expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "a missing file is not the app shell");
    let api = app.http.get(app.url("/api/unknown")).send().await.expect("sent");
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.headers()["content-type"].to_str().expect("ascii").starts_with("application/json"));
}
