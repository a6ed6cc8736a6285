//! Every series the server exports, by name (SPEC §7: the names are a contract), and the calls
//! that record them.
//!
//! Series on per-event paths (Socket.IO events, messages, deliveries) live in fixed arrays found
//! by a short linear search over static names, so recording is an atomic add. Series keyed by
//! open-ended text (HTTP routes, models, store operations) live in maps behind a read-mostly lock,
//! taken once per HTTP request or answer, or once per call site (store operations cache their
//! histogram).

use crate::primitives::{Counter, FAST_BUCKETS, Gauge, Histogram, LLM_BUCKETS};
use crate::slots::SlotCounters;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

/// Socket.IO events counted by name; any other name counts as `unknown`.
pub const WS_EVENTS: &[&str] =
    &["join", "leave", "send", "typing", "sync_read", "getRooms", "stop", "regenerate", "unknown"];

/// Outcomes of a Socket.IO event: `ok` or the error code of its ack; a code not listed counts
/// as `other`.
pub const WS_OUTCOMES: &[&str] = &[
    "ok",
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "too_large",
    "rate_limited",
    "quota_exceeded",
    "unavailable",
    "internal",
    "other",
];

/// Message authors (`chatbot_messages_total{role}`).
pub const ROLES: &[&str] = &["user", "assistant", "system"];

/// How an answer ended (`chatbot_llm_requests_total{outcome}`): the message statuses after
/// streaming.
pub const LLM_OUTCOMES: &[&str] = &["complete", "stopped", "failed", "interrupted"];

/// Token kinds (`chatbot_llm_tokens_total{kind}`).
pub const TOKEN_KINDS: &[&str] = &["input", "output", "cache_write", "cache_read"];

pub(crate) const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"];

/// Index of `name` in `names`, else of the last entry (the catch-all).
fn position(names: &[&str], name: &str) -> usize {
    names.iter().position(|n| *n == name).unwrap_or(names.len().saturating_sub(1))
}

/// Every metric of the process. One instance: [`crate::metrics`].
#[derive(Debug)]
pub struct Metrics {
    pub(crate) http_routes: RwLock<HashMap<Box<str>, Arc<RouteSeries>>>,
    pub(crate) ws_connections: Gauge,
    pub(crate) ws_events: Box<[Counter]>,
    pub(crate) messages: [Counter; 3],
    pub(crate) llm: RwLock<BTreeMap<(String, String), Arc<LlmSeries>>>,
    pub(crate) llm_active_streams: Gauge,
    pub(crate) llm_queue_depth: Gauge,
    pub(crate) db: RwLock<BTreeMap<&'static str, Arc<Histogram>>>,
    pub(crate) fanout_delay: Histogram,
    pub(crate) redis_up: Gauge,
    pub(crate) redis_configured: Gauge,
    pub(crate) relay_published: Counter,
    pub(crate) relay_received: Counter,
    pub(crate) relay_dropped: Counter,
    pub(crate) relay_reordered: Counter,
    /// By [`RECENT_READS`] × [`RECENT_SOURCES`].
    pub(crate) recent_reads: [Counter; RECENT_READS.len() * RECENT_SOURCES.len()],
    pub(crate) recent_history_bytes: Gauge,
    pub(crate) version: OnceLock<String>,
}

/// The reads a server running alone may serve from memory: answers' history and spending
/// (decision 035), sessions for handshakes and requests (decision 038).
pub const RECENT_READS: &[&str] = &["history", "spending", "session"];
/// Where such a read was served from.
pub const RECENT_SOURCES: &[&str] = &["memory", "database"];

/// One HTTP route's series, per method.
#[derive(Debug)]
pub(crate) struct RouteSeries {
    pub(crate) methods: Box<[MethodSeries]>,
}

#[derive(Debug)]
pub(crate) struct MethodSeries {
    pub(crate) statuses: SlotCounters,
    pub(crate) duration: Histogram,
}

/// One provider and model's series, shared by every answer it gives.
#[derive(Debug)]
pub struct LlmSeries {
    pub(crate) outcomes: [Counter; 4],
    pub(crate) tokens: [Counter; 4],
    pub(crate) cost_microdollars: Counter,
    pub(crate) time_to_first_token: Histogram,
    pub(crate) stream_duration: Histogram,
}

impl LlmSeries {
    fn new() -> Self {
        Self {
            outcomes: Default::default(),
            tokens: Default::default(),
            cost_microdollars: Counter::new(),
            time_to_first_token: Histogram::new(LLM_BUCKETS),
            stream_duration: Histogram::new(LLM_BUCKETS),
        }
    }

    /// An answer ended with `outcome` (one of [`LLM_OUTCOMES`]).
    pub fn finished(&self, outcome: &str) {
        self.outcomes[position(LLM_OUTCOMES, outcome)].inc();
    }

    /// `kind` is one of [`TOKEN_KINDS`].
    pub fn tokens(&self, kind: &str, count: u64) {
        if let Some(counter) = TOKEN_KINDS.iter().position(|k| *k == kind).and_then(|i| self.tokens.get(i)) {
            counter.add(count);
        }
    }

    pub fn cost_microdollars(&self, micros: u64) {
        self.cost_microdollars.add(micros);
    }

    pub fn time_to_first_token(&self, elapsed: Duration) {
        self.time_to_first_token.observe(elapsed);
    }

    pub fn stream_duration(&self, elapsed: Duration) {
        self.stream_duration.observe(elapsed);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self {
            http_routes: RwLock::default(),
            ws_connections: Gauge::new(),
            ws_events: (0..WS_EVENTS.len() * WS_OUTCOMES.len()).map(|_| Counter::new()).collect(),
            messages: Default::default(),
            llm: RwLock::default(),
            llm_active_streams: Gauge::new(),
            llm_queue_depth: Gauge::new(),
            db: RwLock::default(),
            fanout_delay: Histogram::new(FAST_BUCKETS),
            redis_up: Gauge::new(),
            redis_configured: Gauge::new(),
            relay_published: Counter::new(),
            relay_received: Counter::new(),
            relay_dropped: Counter::new(),
            relay_reordered: Counter::new(),
            recent_reads: Default::default(),
            recent_history_bytes: Gauge::new(),
            version: OnceLock::new(),
        }
    }

    /// The version shown by `chatbot_build_info`; the first call wins.
    pub fn set_version(&self, version: &str) {
        let _ = self.version.set(version.to_owned());
    }

    /// A finished HTTP request. `route` is the matched route template (`/api/rooms/{id}`), never
    /// the raw path, so the number of series stays bounded.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let series = self.route(route);
        if let Some(m) = series.methods.get(position(METHODS, method)) {
            m.statuses.inc(status);
            m.duration.observe(elapsed);
        }
    }

    fn route(&self, route: &str) -> Arc<RouteSeries> {
        if let Some(found) = read(&self.http_routes).get(route) {
            return found.clone();
        }
        let mut routes = write(&self.http_routes);
        routes
            .entry(route.into())
            .or_insert_with(|| {
                Arc::new(RouteSeries {
                    methods: METHODS
                        .iter()
                        .map(|_| MethodSeries {
                            statuses: SlotCounters::default(),
                            duration: Histogram::new(FAST_BUCKETS),
                        })
                        .collect(),
                })
            })
            .clone()
    }

    /// Open Socket.IO connections (authenticated, on this instance).
    pub fn ws_connections(&self) -> &Gauge {
        &self.ws_connections
    }

    /// A Socket.IO event handled: `outcome` is `ok` or the ack's error code.
    pub fn ws_event(&self, event: &str, outcome: &str) {
        let index = position(WS_EVENTS, event) * WS_OUTCOMES.len() + position(WS_OUTCOMES, outcome);
        if let Some(counter) = self.ws_events.get(index) {
            counter.inc();
        }
    }

    /// A message stored, by its author's role (one of [`ROLES`]).
    pub fn message(&self, role: &str) {
        if let Some(counter) = ROLES.iter().position(|r| *r == role).and_then(|i| self.messages.get(i)) {
            counter.inc();
        }
    }

    /// The series of one provider and model; look it up once per answer.
    pub fn llm(&self, provider: &str, model: &str) -> Arc<LlmSeries> {
        let key = (provider.to_owned(), model.to_owned());
        if let Some(found) = read(&self.llm).get(&key) {
            return found.clone();
        }
        write(&self.llm).entry(key).or_insert_with(|| Arc::new(LlmSeries::new())).clone()
    }

    /// Answers generating now.
    pub fn llm_active_streams(&self) -> &Gauge {
        &self.llm_active_streams
    }

    /// Answers waiting for a generation slot.
    pub fn llm_queue_depth(&self) -> &Gauge {
        &self.llm_queue_depth
    }

    /// The duration histogram of one store operation; callers keep the `Arc` (one lookup per call
    /// site for the life of the process).
    pub fn db_operation(&self, operation: &'static str) -> Arc<Histogram> {
        if let Some(found) = read(&self.db).get(operation) {
            return found.clone();
        }
        write(&self.db).entry(operation).or_insert_with(|| Arc::new(Histogram::new(FAST_BUCKETS))).clone()
    }

    /// One read a server running alone may keep (`read`, one of [`RECENT_READS`]: an answer's
    /// history or spending, a session) served from `source` (one of
    /// [`RECENT_SOURCES`]).
    pub fn recent_read(&self, read: &str, source: &str) {
        let at = position(RECENT_READS, read) * RECENT_SOURCES.len() + position(RECENT_SOURCES, source);
        if let Some(counter) = self.recent_reads.get(at) {
            counter.inc();
        }
    }

    /// Bytes of rooms' history kept in memory for answers (estimated).
    pub fn recent_history_bytes(&self) -> &Gauge {
        &self.recent_history_bytes
    }

    /// Time from a change's commit to its hand-off to this instance's sockets.
    pub fn fanout_delay(&self) -> &Histogram {
        &self.fanout_delay
    }

    /// 1 while the configured Redis answers, else 0 (and 0 when none is configured).
    pub fn redis_up(&self) -> &Gauge {
        &self.redis_up
    }

    /// 1 when `REDIS_URL` is set.
    pub fn redis_configured(&self) -> &Gauge {
        &self.redis_configured
    }

    /// Deliveries appended to the cross-instance relay.
    pub fn relay_published(&self) -> &Counter {
        &self.relay_published
    }

    /// Deliveries of other instances read from the relay.
    pub fn relay_received(&self) -> &Counter {
        &self.relay_received
    }

    /// Deliveries that never reached the relay (Redis down or slow; clients repair from the
    /// database).
    pub fn relay_dropped(&self) -> &Counter {
        &self.relay_dropped
    }

    /// Room messages held back because a lower `seq` had not arrived yet (another instance's).
    pub fn relay_reordered(&self) -> &Counter {
        &self.relay_reordered
    }
}

/// A poisoned lock only means a thread panicked while holding it; the maps stay consistent
/// (every write is one insert), so carry on with the data.
pub(crate) fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}
