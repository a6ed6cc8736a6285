//! Hardening, hostile connections (issue: abuse and privacy holes): a client that sends its
//! headers slowly or never, or holds a connection idle, is disconnected after the configured
//! time, and open connections are capped, so a slowloris holds nothing forever.
//!
//! Each wait below is the server's limit (one second) plus a generous margin: the assertion is
//! that the connection ends at all, not how fast.

use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

backend_tests!(unfinished_headers_are_cut_off, idle_connections_are_closed, open_connections_are_capped,);

/// Longest a test waits for the server to act on a one-second limit.
const PATIENCE: Duration = Duration::from_secs(15);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect")
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open; it sent: {}", String::from_utf8_lossy(&seen));
    String::from_utf8_lossy(&seen).into_owned()
}

async fn unfinished_headers_are_cut_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.http_header_read_timeout", "1s")]).await;
    let mut slow = connect(&app).await;
    // A request line and one header, then nothing: the rest of the headers never come.
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await.expect("write");
    let sent = until_closed(&mut slow).await;
    assert!(!sent.contains("200 OK"), "the unfinished request was not served: {sent}");
}

async fn idle_connections_are_closed(backend: Backend) {
    let settings = [("limits.http_idle_timeout", "1s"), ("limits.http_header_read_timeout", "30s")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let mut idle = connect(&app).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    // The response, then the connection stays open (keep-alive) until the idle limit.
    let sent = until_closed(&mut idle).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "served first: {sent}");
}

async fn open_connections_are_capped(backend: Backend) {
    let settings = [("limits.max_connections", "2"), ("limits.http_header_read_timeout", "30s")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let mut first = connect(&app).await;
    let _second = connect(&app).await;
    // Make sure both were accepted before the third arrives.
    first.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(PATIENCE, first.read(&mut buf)).await.expect("answered").expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let mut third = connect(&app).await; // completes in the kernel's backlog
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(early.is_err(), "a third connection was served while two were open");
    drop(first);
    let sent = until_closed(&mut third).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "served once a slot was free: {sent}");
}
