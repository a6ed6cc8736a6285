//! `requests`: one user's authenticated REST requests, one after another on one kept-alive
//! connection, for each path given: requests per second, latency, and the server's CPU per
//! request. Every request authenticates its access token; this is what a session's kept reading
//! (decision 038) saves on a server running alone.

use crate::setup::Api;
use crate::stats;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Requests per path sent before the timed ones (connection, caches and allocator warmed).
const WARM_UP: usize = 200;

/// The shape of a run.
pub struct Requests {
    pub paths: Vec<String>,
    pub requests: usize,
    pub server_pid: Option<u32>,
}

pub async fn requests(base: &str, shape: &Requests) -> anyhow::Result<Value> {
    let api = Api::new(base)?;
    let user = api.register(&crate::scenarios::run_id(), 0).await?;
    let mut results = Vec::with_capacity(shape.paths.len());
    for path in &shape.paths {
        let mut errors = 0usize;
        for _ in 0..WARM_UP {
            errors += usize::from(!api.get_ok(path, &user.token).await);
        }
        let cpu_before = api.server_cpu_seconds(shape.server_pid).await;
        let started = Instant::now();
        let mut latencies: Vec<Duration> = Vec::with_capacity(shape.requests);
        for _ in 0..shape.requests {
            let sent = Instant::now();
            errors += usize::from(!api.get_ok(path, &user.token).await);
            latencies.push(sent.elapsed());
        }
        let elapsed = started.elapsed();
        let cpu_after = api.server_cpu_seconds(shape.server_pid).await;
        let cpu = cpu_before.zip(cpu_after).map(|(before, after)| after - before);
        let per_request =
            cpu.filter(|_| shape.requests > 0).map(|s| (s * 1e7 / shape.requests as f64).round() / 10.0);
        results.push(json!({
            "path": path,
            "requests": shape.requests,
            "errors": errors,
            "requestsPerSecond": (shape.requests as f64 / elapsed.as_secs_f64()).round(),
            "latencyMs": stats::summary(&mut latencies),
            "serverCpuMicrosPerRequest": per_request,
        }));
    }
    let errors: u64 = results.iter().filter_map(|r| r["errors"].as_u64()).sum();
    Ok(json!({ "scenario": "requests", "errors": errors, "paths": results }))
}
