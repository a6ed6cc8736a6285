//! `connect` (SPEC §8): N authenticated sockets held at once. Reports the connect rate, failures,
//! the server's CPU time per connect (less at the mercy of how two shared cores are scheduled
//! than the rate), and its resident memory per socket: its RSS once every socket is up and
//! settled, minus its RSS before the first, divided by the sockets. RSS and CPU come from
//! `/proc/<pid>` when `--server-pid` is given (any server, the framework floors included), else
//! from the server's own `/metrics`.

use crate::setup::{Api, User};
use crate::sio::SioClient;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How long the held sockets are left alone before the second reading (allocations settle, the
/// first pings pass).
const SETTLE: Duration = Duration::from_secs(3);

/// The shape of a run.
pub struct Connect {
    pub sockets: usize,
    pub users: usize,
    /// Connects in flight at once.
    pub concurrency: usize,
    pub server_pid: Option<u32>,
}

pub async fn connect(base: &str, shape: &Connect) -> anyhow::Result<Value> {
    let api = Arc::new(Api::new(base)?);
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let users: Arc<Vec<User>> = Arc::new(crate::scenarios::users(&api, &run, shape.users.max(1)).await?);
    let rss_before = api.server_rss(shape.server_pid).await;
    let cpu_before = api.server_cpu_seconds(shape.server_pid).await;
    let started = Instant::now();
    let mut pending = JoinSet::new();
    let mut held = Vec::with_capacity(shape.sockets);
    let mut failures: Vec<String> = Vec::new();
    let base = base.to_owned();
    for i in 0..shape.sockets {
        if pending.len() >= shape.concurrency.max(1)
            && let Some(done) = pending.join_next().await
        {
            collect(done, &mut held, &mut failures);
        }
        let (base, users) = (base.clone(), users.clone());
        pending.spawn(async move {
            let user = &users[i % users.len()];
            SioClient::connect(&base, "/chat", &user.token).await
        });
    }
    while let Some(done) = pending.join_next().await {
        collect(done, &mut held, &mut failures);
    }
    let connect_time = started.elapsed();
    let cpu =
        cpu_before.zip(api.server_cpu_seconds(shape.server_pid).await).map(|(before, after)| after - before);
    tokio::time::sleep(SETTLE).await;
    let rss_after = api.server_rss(shape.server_pid).await;
    let per_socket = match (rss_before, rss_after) {
        (Some(before), Some(after)) if !held.is_empty() => {
            Some(after.saturating_sub(before) / held.len() as u64)
        }
        _ => None,
    };
    let connected = held.len();
    drop(held);
    failures.truncate(5);
    Ok(json!({
        "scenario": "connect",
        "sockets": shape.sockets,
        "connected": connected,
        "failures": shape.sockets - connected,
        "firstFailures": failures,
        "connectSeconds": (connect_time.as_secs_f64() * 100.0).round() / 100.0,
        "connectsPerSecond": (connected as f64 / connect_time.as_secs_f64()).round(),
        "serverCpuSeconds": cpu.map(|s| (s * 100.0).round() / 100.0),
        "serverCpuMicrosPerConnect": cpu.filter(|_| connected > 0).map(|s| (s * 1e6 / connected as f64).round()),
        "serverRssBeforeBytes": rss_before,
        "serverRssAfterBytes": rss_after,
        "rssPerSocketBytes": per_socket,
    }))
}

fn collect(
    done: Result<anyhow::Result<SioClient>, tokio::task::JoinError>,
    held: &mut Vec<SioClient>,
    failures: &mut Vec<String>,
) {
    match done {
        Ok(Ok(socket)) => held.push(socket),
        Ok(Err(err)) => failures.push(format!("{err:#}")),
        Err(err) => failures.push(err.to_string()),
    }
}
