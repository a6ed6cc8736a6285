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
/// state of each check.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(2), state.readiness.ping_database()).await;
    let database = database_check(result, state.readiness.backend(), started.elapsed());
    let ok = database.ok;
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Readiness {
        status: if ok { "ok" } else { "unavailable" },
        version: state.settings.version,
        checks: Checks { database },
    };
    (status, Json(body))
}

/// The database check as anyone may see it: the endpoint is unauthenticated, and a driver's
/// error text can carry host names, user names or parts of a connection string. The text goes
/// to the log; the answer says only what kind of failure it was.
fn database_check(
    result: Result<Result<(), chatbot_service::ServiceError>, tokio::time::error::Elapsed>,
    backend: &'static str,
    elapsed: Duration,
) -> Check {
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database check failed");
            Some("unreachable".to_owned())
        }
        Err(_) => Some("timed out after 2s".to_owned()),
    };
    Check {
        ok: error.is_none(),
        backend,
        latency_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_shows_no_error_text() {
        let raw = chatbot_service::ServiceError::Unavailable(
            "connection to db.internal:5432 refused for user chatbot password=hunter2".into(),
        );
        let check = database_check(Ok(Err(raw)), "postgres", Duration::from_millis(3));
        let shown = serde_json::to_string(&check).expect("json");
        assert!(!check.ok);
        assert!(shown.contains("\"error\":\"unreachable\""), "{shown}");
        for secret in ["db.internal", "hunter2", "chatbot", "5432"] {
            assert!(!shown.contains(secret), "{secret} shown: {shown}");
        }
    }
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
