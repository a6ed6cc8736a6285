use crate::support::{TEST_JWT_SECRET, TestApp, password_of};
use base64::Engine as _;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    register_login_me,
    first_account_is_admin_and_email_is_case_insensitive,
    password_policy_is_explained,
    refresh_rotates_and_reuse_revokes_the_family,
    two_tabs_refreshing_at_once_stay_signed_in,
    logout_ends_the_session,
    devices_are_listed_and_can_be_signed_out,
    failed_logins_are_throttled_per_account_and_audited,
    failed_logins_are_throttled_per_ip,
    registrations_are_throttled_per_ip,
    bad_tokens_are_refused,
    deactivated_accounts_lose_access,
);

async fn register_login_me(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "Ada@Example.com", "name": "Ada", "password": password_of("ada")})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let body = &reply.body;
    assert_eq!(body["user"]["email"], "ada@example.com");
    // Top-level copies for the original front end.
    assert_eq!(body["id"], body["user"]["id"]);
    assert_eq!(body["name"], "Ada");
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["expiresIn"], 900);
    assert!(body["refreshToken"].as_str().is_some_and(|t| t.starts_with("rt_")));

    let login = app.login("ada").await;
    let me = app.get("/api/auth/me", &login.access).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["name"], "Ada");
    assert_eq!(me.body["email"], "ada@example.com");
    assert!(me.body["user"]["lastLoginAt"].is_string(), "login is recorded");

    let wrong = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "not the password"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.code(), "unauthorized");
    let unknown = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "nobody@example.com", "password": "whatever it is"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body["error"]["message"], wrong.body["error"]["message"], "no account enumeration");
}

async fn first_account_is_admin_and_email_is_case_insensitive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.register("root").await;
    let second = app.register("bob").await;
    assert_eq!(app.get("/api/auth/me", &first.access).await.body["role"], "admin");
    assert_eq!(app.get("/api/auth/me", &second.access).await.body["role"], "user");

    let again = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "BOB@example.COM", "name": "Bob 2", "password": password_of("bob2")})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "conflict");
    let login = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "  BOB@Example.com", "password": password_of("bob")})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
}

async fn password_policy_is_explained(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (password, hint) in
        [("short", "at least 10"), ("aaaaaaaaaaaaaa", "repeated"), ("eve@example.com", "email")]
    {
        let reply = app
            .call(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({"email": "eve@example.com", "name": "Eve", "password": password})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(reply.body["error"]["details"]["field"], "password");
        let message = reply.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(hint), "{message:?} should mention {hint:?}");
    }
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    // No grace period: any second use of an exchanged token is theft.
    let app = TestApp::spawn_with(backend, &[("refresh_reuse_grace", "0s")]).await;
    let ada = app.register("ada").await;
    let first =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let rotated_refresh = first.body["refreshToken"].as_str().expect("new refresh token").to_owned();
    let rotated_access = first.body["accessToken"].as_str().expect("new access token").to_owned();
    assert_ne!(rotated_refresh, ada.refresh);
    assert_eq!(app.get("/api/auth/me", &rotated_access).await.status, StatusCode::OK);

    // The old token again: theft is assumed, the whole family is revoked.
    let reuse =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    let next = app
        .call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": rotated_refresh})))
        .await;
    assert_eq!(next.status, StatusCode::UNAUTHORIZED, "the rotated token died with its family");
    assert_eq!(app.get("/api/auth/me", &rotated_access).await.status, StatusCode::UNAUTHORIZED);

    let audit = app.store.list_audit(Some("auth.token_reuse"), 10).await.expect("audit");
    // Both the stolen token and the revoked successor were presented: each is a reuse.
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|entry| entry.actor_id.map(|id| id.to_string()) == Some(ada.id.clone())));

    let unknown =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": "rt_nonsense"}))).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

async fn logout_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let out =
        app.call(Method::POST, "/api/auth/logout", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let refresh =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/auth/me", &ada.access).await.status, StatusCode::UNAUTHORIZED);
    // Logging out twice is harmless.
    let again =
        app.call(Method::POST, "/api/auth/logout", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
}

async fn devices_are_listed_and_can_be_signed_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phone = app.register("ada").await;
    let laptop = app.login("ada").await;
    let list = app.get("/api/auth/sessions", &laptop.access).await;
    assert_eq!(list.status, StatusCode::OK);
    let sessions = list.body["sessions"].as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 2);
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let phone_id = sessions.iter().find(|s| s["current"] == false).expect("the other device")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let revoke =
        app.call(Method::DELETE, &format!("/api/auth/sessions/{phone_id}"), Some(&laptop.access), None).await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/auth/me", &phone.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/auth/me", &laptop.access).await.status, StatusCode::OK);
    let again =
        app.call(Method::DELETE, &format!("/api/auth/sessions/{phone_id}"), Some(&laptop.access), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let bogus = app.call(Method::DELETE, "/api/auth/sessions/not-an-id", Some(&laptop.access), None).await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);

    // Someone else's device id is not yours to revoke.
    let bob = app.register("bob").await;
    let bob_sessions = app.get("/api/auth/sessions", &bob.access).await;
    let bob_id = bob_sessions.body["sessions"][0]["id"].as_str().expect("id").to_owned();
    let foreign =
        app.call(Method::DELETE, &format!("/api/auth/sessions/{bob_id}"), Some(&laptop.access), None).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/auth/me", &bob.access).await.status, StatusCode::OK);
}

async fn failed_logins_are_throttled_per_account_and_audited(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.login_failures_per_account", "3")]).await;
    app.register("ada").await;
    let attempt = |password: String| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({"email": "ada@example.com", "password": password})),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong password!".into()).await.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = attempt(password_of("ada")).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert_eq!(blocked.code(), "rate_limited");
    let retry_after: u64 = blocked.headers["retry-after"].to_str().expect("header").parse().expect("seconds");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert_eq!(blocked.body["error"]["retryAfter"], retry_after);

    let audit = app.store.list_audit(Some("auth.login_failed"), 10).await.expect("audit");
    assert_eq!(audit.len(), 3);
    assert_eq!(audit[0].target.as_deref(), Some("ada@example.com"));
    assert_eq!(audit[0].detail["ip"], "127.0.0.1");
}

async fn failed_logins_are_throttled_per_ip(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.login_failures_per_ip", "2")]).await;
    for name in ["a1", "a2"] {
        let reply = app
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({"email": format!("{name}@example.com"), "password": "nope nope nope"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let third = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "a3@example.com", "password": "nope nope nope"})),
        )
        .await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers.contains_key("retry-after"));
}

async fn registrations_are_throttled_per_ip(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.registrations_per_ip", "2")]).await;
    app.register("one").await;
    app.register("two").await;
    let third = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"email": "three@example.com", "name": "Three", "password": password_of("three")})),
        )
        .await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.code(), "rate_limited");
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn bad_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let parts: Vec<&str> = ada.access.split('.').collect();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).expect("payload"),
    )
    .expect("claims");

    let sign = |header: jsonwebtoken::Header, claims: &serde_json::Value, secret: &str| {
        jsonwebtoken::encode(&header, claims, &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()))
            .expect("signed")
    };
    let mut expired = claims.clone();
    expired["exp"] = json!(claims["iat"].as_i64().expect("iat") - 3600);
    let mut elevated = claims.clone();
    elevated["sub"] = json!("00000000-0000-7000-8000-000000000001");

    let cases = [
        ("expired", sign(jsonwebtoken::Header::default(), &expired, TEST_JWT_SECRET)),
        (
            "wrong secret",
            sign(jsonwebtoken::Header::default(), &claims, "another-secret-another-secret-xxxx"),
        ),
        ("HS512", sign(jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512), &claims, TEST_JWT_SECRET)),
        ("alg none", format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), parts[1])),
        ("tampered payload", format!("{}.{}.{}", parts[0], b64(elevated.to_string().as_bytes()), parts[2])),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in cases {
        let reply = app.get("/api/auth/me", &token).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(reply.code(), "unauthorized", "{what}");
        assert_eq!(reply.headers["www-authenticate"], "Bearer", "{what}");
    }
    let missing = app.call(Method::GET, "/api/auth/me", None, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    let basic = app
        .http
        .get(app.url("/api/auth/me"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .expect("sent");
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    // The genuine token still works.
    assert_eq!(app.get("/api/auth/me", &ada.access).await.status, StatusCode::OK);
}

async fn deactivated_accounts_lose_access(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("root").await;
    let bob = app.register("bob").await;
    let id = bob.id.parse().expect("user id");
    app.store.set_user_active(id, false).await.expect("deactivate");
    assert_eq!(app.get("/api/auth/me", &bob.access).await.status, StatusCode::UNAUTHORIZED);
    let login = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "bob@example.com", "password": password_of("bob")})),
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    let refresh =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": bob.refresh}))).await;
    assert_eq!(refresh.status, StatusCode::FORBIDDEN);
}

/// Within the grace period (10 s by default) the same refresh token may be exchanged twice: two
/// tabs refreshing at once both get working tokens and the device stays signed in.
async fn two_tabs_refreshing_at_once_stay_signed_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let body = json!({"refreshToken": ada.refresh});
    let (tab1, tab2) = tokio::join!(
        app.call(Method::POST, "/api/auth/refresh", None, Some(body.clone())),
        app.call(Method::POST, "/api/auth/refresh", None, Some(body.clone())),
    );
    assert_eq!((tab1.status, tab2.status), (StatusCode::OK, StatusCode::OK));
    for tab in [&tab1, &tab2] {
        let access = tab.body["accessToken"].as_str().expect("access token");
        assert_eq!(app.get("/api/auth/me", access).await.status, StatusCode::OK);
    }
    let sessions = app.get("/api/auth/sessions", tab1.body["accessToken"].as_str().expect("token")).await;
    assert_eq!(sessions.body["sessions"].as_array().map(Vec::len), Some(1), "still one device");
}
