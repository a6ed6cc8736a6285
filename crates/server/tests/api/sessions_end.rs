//! Hardening, sessions end everywhere (issue: abuse and privacy holes): a refresh token that
//! has been exchanged may be exchanged once more within the grace period (two tabs refreshing
//! together), and only once: a third use is a stolen copy and ends the device's session.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(an_exchanged_refresh_token_is_accepted_at_most_once_more_within_the_grace,);

async fn an_exchanged_refresh_token_is_accepted_at_most_once_more_within_the_grace(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("refresh_reuse_grace", "60s")]).await;
    let ada = app.register("ada").await;
    let body = json!({"refreshToken": ada.refresh});
    let first = app.call(Method::POST, "/api/auth/refresh", None, Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let second = app.call(Method::POST, "/api/auth/refresh", None, Some(body.clone())).await;
    assert_eq!(second.status, StatusCode::OK, "the other tab, within the grace: {:?}", second.body);
    let third = app.call(Method::POST, "/api/auth/refresh", None, Some(body)).await;
    assert_eq!(third.status, StatusCode::UNAUTHORIZED, "a third use is a copy: {:?}", third.body);
    // And the copy's appearance ends the device: the tokens the tabs got stop working too.
    let access = second.body["accessToken"].as_str().expect("access token");
    assert_eq!(app.get("/api/auth/me", access).await.status, StatusCode::UNAUTHORIZED);
}
