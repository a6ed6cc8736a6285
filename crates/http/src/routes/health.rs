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
    /// `ok`; `degraded` (serving, but Redis or a model provider is failing); `unavailable` (the
    /// database is: 503).
    status: &'static str,
    version: &'static str,
    checks: Checks,
}

#[derive(Serialize)]
struct Checks {
    database: Check,
    /// Only when `REDIS_URL` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    redis: Option<Check>,
    llm: LlmChecks,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    backend: Option<&'static str>,
    latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Redis only: what this instance does without it (`fallback`), so an operator reading
    /// `/readyz` knows what is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback: Option<&'static str>,
}

#[derive(Serialize)]
struct LlmChecks {
    /// True when the offline demo is the only model: answers are canned (SPEC §1).
    demo: bool,
    /// Each provider by name (`demo`, `anthropic`, `openai`); reachability is re-checked at most
    /// every 30 s.
    providers: std::collections::BTreeMap<&'static str, Check>,
}

/// Ready to take traffic: the database answered within two seconds (503 otherwise). Redis and the
/// model providers are reported, and make the status `degraded`, but never unready: every
/// instance shares them, and taking all instances out of the load balancer at once helps no one.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = &state.readiness;
    let database = async {
        let started = Instant::now();
        let result = tokio::time::timeout(Duration::from_secs(2), readiness.ping_database()).await;
        database_check(result, readiness.backend(), started.elapsed())
    };
    let (database, redis, providers) = tokio::join!(database, readiness.redis(), readiness.providers());
    let redis = redis.map(|state| Check {
        fallback: (!state.ok).then_some(
            "limits are enforced per instance and deliveries reach this instance's sockets only, until Redis is back",
        ),
        ..dependency_check(&state)
    });
    let demo = providers.iter().all(|(name, _)| *name == "demo");
    let providers = providers.iter().map(|(name, state)| (*name, dependency_check(state))).collect();
    let llm = LlmChecks { demo, providers };
    let degraded = redis.as_ref().is_some_and(|r| !r.ok) || llm.providers.values().any(|p| !p.ok);
    let (code, status) = match (database.ok, degraded) {
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (true, true) => (StatusCode::OK, "degraded"),
        (true, false) => (StatusCode::OK, "ok"),
    };
    let body = Readiness { status, version: state.settings.version, checks: Checks { database, redis, llm } };
    (code, Json(body))
}

fn dependency_check(state: &chatbot_service::DependencyState) -> Check {
    Check {
        ok: state.ok,
        backend: None,
        latency_ms: u64::try_from(state.latency.as_millis()).unwrap_or(u64::MAX),
        error: state.error.map(str::to_owned),
        fallback: None,
    }
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
        backend: Some(backend),
        latency_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        error,
        fallback: None,
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
