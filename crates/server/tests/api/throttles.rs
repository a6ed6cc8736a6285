//! Hardening, throttles that hold under concurrency (issue: abuse and privacy holes): attempts
//! are reserved before any password is hashed, an attacker who knows a victim's address cannot
//! lock the victim out, the client address is the rightmost untrusted hop of `X-Forwarded-For`
//! and IPv6 clients are counted by their /64, and unknown refresh tokens never take the
//! database's write lock.

use crate::support::{TestApp, password_of};
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    parallel_wrong_passwords_are_held_to_the_limit,
    an_attacker_who_knows_the_address_cannot_lock_the_victim_out,
    the_client_is_the_rightmost_untrusted_hop,
    ipv6_clients_are_counted_by_their_64,
    failed_refreshes_are_throttled_per_address,
    unknown_refresh_and_logout_tokens_take_no_write_lock,
);

fn login(name: &str, password: &str) -> serde_json::Value {
    json!({"email": format!("{name}@example.com"), "password": password})
}

async fn parallel_wrong_passwords_are_held_to_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("ada").await;
    let attempts = (0..60).map(|i| {
        let app = &app;
        async move {
            app.call(Method::POST, "/api/auth/login", None, Some(login("ada", &format!("guess {i:02}"))))
                .await
        }
    });
    let replies = futures_util::future::join_all(attempts).await;
    let wrong = replies.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let limited = replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(wrong, 5, "at most limits.login_failures_per_account passwords were checked");
    assert_eq!(limited, 55);
    assert!(
        replies
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .all(|r| r.headers.contains_key("retry-after"))
    );
}

async fn an_attacker_who_knows_the_address_cannot_lock_the_victim_out(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("trust_proxy_headers", "true")]).await;
    app.register("victim").await;
    for i in 0..10 {
        let guess = app
            .call_from(
                "203.0.113.66",
                Method::POST,
                "/api/auth/login",
                Some(login("victim", &format!("guess {i}"))),
            )
            .await;
        assert!(
            matches!(guess.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS),
            "{:?}",
            guess.body
        );
    }
    let attacker = app
        .call_from(
            "203.0.113.66",
            Method::POST,
            "/api/auth/login",
            Some(login("victim", &password_of("victim"))),
        )
        .await;
    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS, "the guessing address is held back");
    let victim = app
        .call_from(
            "198.51.100.7",
            Method::POST,
            "/api/auth/login",
            Some(login("victim", &password_of("victim"))),
        )
        .await;
    assert_eq!(victim.status, StatusCode::OK, "the victim, elsewhere, still signs in: {:?}", victim.body);
}

fn register(name: &str) -> serde_json::Value {
    json!({"email": format!("{name}@example.com"), "name": name, "password": password_of(name)})
}

async fn the_client_is_the_rightmost_untrusted_hop(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[("trusted_proxies", "127.0.0.1, 10.0.0.0/8"), ("limits.registrations_per_ip", "2")],
    )
    .await;
    // The client may put anything first; the proxy appends who really connected.
    for (i, spoofed) in ["192.0.2.1", "192.0.2.2"].iter().enumerate() {
        let ok = app
            .call_from(
                &format!("{spoofed}, 198.51.100.9"),
                Method::POST,
                "/api/auth/register",
                Some(register(&format!("u{i}"))),
            )
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    }
    let spoofed = app
        .call_from("192.0.2.3, 198.51.100.9", Method::POST, "/api/auth/register", Some(register("u2")))
        .await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS, "a forged first entry changes nothing");
    // Hops inside the trusted list are skipped: behind a second proxy, the same client.
    let behind = app
        .call_from("198.51.100.9, 10.1.2.3", Method::POST, "/api/auth/register", Some(register("u3")))
        .await;
    assert_eq!(behind.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", behind.body);
    let other =
        app.call_from("198.51.100.10", Method::POST, "/api/auth/register", Some(register("u4"))).await;
    assert_eq!(other.status, StatusCode::CREATED);
}

async fn ipv6_clients_are_counted_by_their_64(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[("trust_proxy_headers", "true"), ("limits.registrations_per_ip", "2")],
    )
    .await;
    for (i, ip) in ["2001:db8:1:2::1", "2001:db8:1:2::2"].iter().enumerate() {
        let ok =
            app.call_from(ip, Method::POST, "/api/auth/register", Some(register(&format!("v{i}")))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    }
    let same_64 = app
        .call_from(
            "2001:db8:1:2:ffff:ffff:ffff:ffff",
            Method::POST,
            "/api/auth/register",
            Some(register("v2")),
        )
        .await;
    assert_eq!(same_64.status, StatusCode::TOO_MANY_REQUESTS, "one /64 is one client");
    let next_64 =
        app.call_from("2001:db8:1:3::1", Method::POST, "/api/auth/register", Some(register("v3"))).await;
    assert_eq!(next_64.status, StatusCode::CREATED);
}

async fn failed_refreshes_are_throttled_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.refresh_failures_per_ip", "3")]).await;
    let ada = app.register("ada").await;
    for i in 0..3 {
        let bad = app
            .call(
                Method::POST,
                "/api/auth/refresh",
                None,
                Some(json!({"refreshToken": format!("rt_guess{i}")})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "{:?}", bad.body);
    }
    let limited =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": ada.refresh}))).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", limited.body);
}

/// Holds the database's write lock (SQLite: a write transaction; PostgreSQL: the sessions
/// table locked against writers) while unknown refresh and logout tokens are presented: they
/// are answered at once, not after waiting for the lock.
async fn unknown_refresh_and_logout_tokens_take_no_write_lock(backend: Backend) {
    use sqlx::Connection;
    let app = TestApp::spawn_with(backend, &[("limits.request_timeout", "3s")]).await;
    app.register("ada").await;
    let holder = async {
        match backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.expect("connect");
                sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.expect("write lock");
                LockHolder::Sqlite(conn)
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&app.db.url).await.expect("connect");
                sqlx::query("BEGIN").execute(&mut conn).await.expect("begin");
                sqlx::query("LOCK TABLE sessions IN EXCLUSIVE MODE").execute(&mut conn).await.expect("lock");
                LockHolder::Postgres(conn)
            }
        }
    }
    .await;
    let refresh =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": "rt_nobody"}))).await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED, "{:?}", refresh.body);
    let logout =
        app.call(Method::POST, "/api/auth/logout", None, Some(json!({"refreshToken": "rt_nobody"}))).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{:?}", logout.body);
    drop(holder);
}

enum LockHolder {
    Sqlite(#[allow(dead_code)] sqlx::SqliteConnection),
    Postgres(#[allow(dead_code)] sqlx::PgConnection),
}
