//! Liveness, readiness and version.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::time::{Duration, Instant};

pub fn router(state: AppState) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).with_state(state)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Liveness {
    status: &'static str,
}

/// The process is up and serving. Checks nothing else, so an orchestrator never restarts a
/// healthy process because a dependency is slow.
async fn healthz() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Readiness {
    status: &'static str,
    version: &'static str,
    checks: Checks,
}

#[derive(Serialize)]
struct Checks {
    database: Check,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    ok: bool,
    backend: &'static str,
    latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Ready to take traffic: every dependency answered within two seconds. 503 otherwise, with the
/// detail of each check.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await;
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("timed out after 2s".to_owned()),
    };
    let database = Check {
        ok: error.is_none(),
        backend: state.store.backend(),
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        error,
    };
    let ok = database.ok;
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Readiness {
        status: if ok { "ok" } else { "unavailable" },
        version: state.settings.version,
        checks: Checks { database },
    };
    (status, Json(body))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    name: &'static str,
    version: &'static str,
}

/// The server's name and version.
#[utoipa::path(get, path = "/api/version", tag = "meta", responses((status = 200, body = VersionInfo)))]
pub async fn version(State(state): State<AppState>) -> Json<VersionInfo> {
    Json(VersionInfo { name: "chatbot-socket", version: state.settings.version })
}
