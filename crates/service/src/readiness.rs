//! Whether this instance can take traffic, and the state of what it depends on: the database
//! (required: without it nothing can be stored), Redis when configured, and the model providers.
//! The HTTP layer shows the result at `/readyz`; the edge never talks to the store itself.
//!
//! Only the database decides readiness. Redis and the providers are shared by every instance:
//! were their loss to make each instance unready, a load balancer would take every instance out
//! at once, turning a degraded service (same-instance chat, answers failing visibly) into none.
//! They are reported as `degraded` instead.

use crate::answers::ModelRegistry;
use crate::error::ServiceResult;
use chatbot_llm::Provider;
use chatbot_redis::Redis;
use chatbot_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a provider check is reused: `/readyz` may be polled every second by every load
/// balancer, and the providers are other people's servers.
const PROVIDER_CHECK_TTL: Duration = Duration::from_secs(30);

/// The state of one dependency, fit to show anyone: the failure's kind, never its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyState {
    pub ok: bool,
    pub latency: Duration,
    /// `unreachable` or `timed out`.
    pub error: Option<&'static str>,
}

pub struct Readiness {
    store: Arc<dyn Store>,
    /// Set by the server once it connects (the CLI never does).
    redis: OnceLock<Redis>,
    /// One per provider (several models may share one), by name.
    providers: Vec<Arc<dyn Provider>>,
    checked: Mutex<HashMap<&'static str, (Instant, DependencyState)>>,
}

impl Readiness {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, redis: OnceLock::new(), providers: Vec::new(), checked: Mutex::new(HashMap::new()) }
    }

    /// Reports `redis` from now on (the first call wins).
    pub fn attach_redis(&self, redis: Redis) {
        let _ = self.redis.set(redis);
    }

    /// The providers behind `models` (the demo included; it is always reachable).
    pub fn with_models(mut self, models: &ModelRegistry) -> Self {
        for model in models.models() {
            if !self.providers.iter().any(|p| p.name() == model.provider.name()) {
                self.providers.push(model.provider.clone());
            }
        }
        self
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// One round trip to the database. The error's text may name hosts or users from the
    /// connection string: log it, never show it to an anonymous caller.
    pub async fn ping_database(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Redis's state, when one is configured.
    pub async fn redis(&self) -> Option<DependencyState> {
        let redis = self.redis.get()?;
        Some(match redis.ping().await {
            Ok(latency) => DependencyState { ok: true, latency, error: None },
            Err(err) => {
                tracing::warn!(error = %err, "readiness: the Redis check failed");
                let timed_out = matches!(err, chatbot_redis::RedisError::TimedOut(_));
                DependencyState {
                    ok: false,
                    latency: Duration::ZERO,
                    error: Some(if timed_out { "timed out" } else { "unreachable" }),
                }
            }
        })
    }

    /// Each provider's state by name (`demo`, `anthropic`, `openai`), checked at most every 30 s.
    pub async fn providers(&self) -> Vec<(&'static str, DependencyState)> {
        let mut states = Vec::with_capacity(self.providers.len());
        for provider in &self.providers {
            let name = provider.name();
            let cached = self.cache().get(name).filter(|(at, _)| at.elapsed() < PROVIDER_CHECK_TTL).cloned();
            let state = match cached {
                Some((_, state)) => state,
                None => {
                    let state = check_provider(provider.as_ref()).await;
                    self.cache().insert(name, (Instant::now(), state.clone()));
                    state
                }
            };
            states.push((name, state));
        }
        states
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, (Instant, DependencyState)>> {
        self.checked.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn check_provider(provider: &dyn Provider) -> DependencyState {
    let started = Instant::now();
    match provider.reachable().await {
        Ok(()) => DependencyState { ok: true, latency: started.elapsed(), error: None },
        Err(err) => {
            tracing::warn!(provider = provider.name(), error = %err, "readiness: the provider is not reachable");
            let timed_out = matches!(err, chatbot_llm::LlmError::Timeout { .. });
            DependencyState {
                ok: false,
                latency: started.elapsed(),
                error: Some(if timed_out { "timed out" } else { "unreachable" }),
            }
        }
    }
}
