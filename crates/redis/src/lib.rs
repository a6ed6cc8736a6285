//! Redis, when `REDIS_URL` is set. One client per process, reconnecting by itself with a capped
//! back-off; a watcher pings it every few seconds and keeps `chatbot_redis_up` and the state
//! `/readyz` reports. The scale-out work (cross-instance delivery, shared limits) uses this
//! client; until then Redis is only watched.

pub mod relay;
pub mod shared;

use chatbot_metrics::metrics;
use fred::prelude::{Builder, ClientLike, Config, ReconnectPolicy};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use url::Url;

/// Longest a ping may take before Redis counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the watcher pings.
const WATCH_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("REDIS_URL is not usable: {0}")]
    Config(String),
    #[error("Redis did not answer: {0}")]
    Unreachable(String),
    #[error("Redis did not answer within {0:?}")]
    TimedOut(Duration),
}

/// The process's Redis client and what the watcher last saw.
#[derive(Clone)]
pub struct Redis {
    client: fred::clients::Client,
    up: Arc<AtomicBool>,
}

impl Redis {
    /// Builds the client and starts connecting in the background: a Redis that is down at start-up
    /// does not stop the server (it degrades to one instance, SPEC §5), and is picked up when it
    /// comes back.
    pub fn connect(url: &Url) -> Result<Self, RedisError> {
        let config = Config::from_url(url.as_str()).map_err(|e| RedisError::Config(e.to_string()))?;
        let client = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = PING_TIMEOUT;
                c.internal_command_timeout = PING_TIMEOUT;
            })
            .with_performance_config(|p| p.default_command_timeout = PING_TIMEOUT)
            // Retry for ever, 100 ms doubling to 5 s between attempts.
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
            .build()
            .map_err(|e| RedisError::Config(e.to_string()))?;
        client.connect();
        Ok(Self { client, up: Arc::new(AtomicBool::new(false)) })
    }

    /// One `PING`, bounded by [`PING_TIMEOUT`]; the time it took.
    pub async fn ping(&self) -> Result<Duration, RedisError> {
        let started = Instant::now();
        match tokio::time::timeout(PING_TIMEOUT, self.client.ping::<String>(None)).await {
            Ok(Ok(_)) => Ok(started.elapsed()),
            Ok(Err(err)) => Err(RedisError::Unreachable(err.to_string())),
            Err(_) => Err(RedisError::TimedOut(PING_TIMEOUT)),
        }
    }

    /// Whether the last watcher ping succeeded.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Pings every few seconds until the process ends: updates `chatbot_redis_up`, and logs each
    /// change of state once (not every failed ping).
    pub async fn watch(self) {
        let mut ticks = tokio::time::interval(WATCH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let result = self.ping().await;
            let now_up = result.is_ok();
            let was_up = self.up.swap(now_up, Ordering::Relaxed);
            metrics().redis_up().set(i64::from(now_up));
            match (was_up, result) {
                (false, Ok(_)) => tracing::info!("Redis is up"),
                (true, Err(err)) => {
                    tracing::warn!(error = %err, "Redis is down: cross-instance delivery and shared limits are degraded")
                }
                _ => {}
            }
        }
    }

    /// Closes the connection (at shutdown).
    pub async fn close(&self) {
        let _ = self.client.quit().await;
    }
}
