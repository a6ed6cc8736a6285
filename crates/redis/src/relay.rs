//! The cross-instance relay: one Redis Stream that every instance appends its deliveries to and
//! reads everyone else's from (decision 020).
//!
//! Why a stream and not pub/sub: a reader that falls behind, or whose connection drops for a few
//! seconds, continues from the last entry it read instead of losing what was published
//! meanwhile; the stream is capped (`XADD MAXLEN ~`), so a reader gone for longer than the cap
//! covers loses the oldest entries, and its clients repair from the database (a jump in `seq`
//! makes them `join {since}`). A new instance also reads the retained entries once, marked
//! [`Incoming::replayed`], to learn the answers streaming elsewhere (late joiners on it get
//! their text so far).
//!
//! This module moves opaque bodies; what they mean is the gateway's business. Publishing never
//! waits for Redis: bodies go through a bounded queue to one writer task, and while Redis is down
//! they are dropped (same-instance delivery does not go through here at all).

use crate::Redis;
use chatbot_metrics::metrics;
use fred::prelude::{ClientLike, Value};
use fred::types::{ClusterHash, CustomCommand};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Bodies waiting for the writer at most; past it new ones are dropped (Redis is down or slow).
const OUTBOX: usize = 65_536;
/// Bodies appended in one pipeline at most.
const BATCH: usize = 256;
/// Entries one read returns at most.
const READ_COUNT: u32 = 512;
/// How long a read waits for new entries (below the client's 2 s command timeout).
const READ_BLOCK_MS: u32 = 1_000;
/// Pause after a failed read or write before the next attempt (the client reconnects itself).
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Where the relay lives and who this instance is.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The stream's key (`<prefix>relay`).
    pub key: String,
    /// This instance's id: its own entries are skipped when read back.
    pub instance: String,
    /// Entries the stream keeps (approximately).
    pub max_entries: u64,
}

/// An entry another instance appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub body: String,
    /// Appended before this instance started: for rebuilding state, not for delivery.
    pub replayed: bool,
}

/// The publishing end, cheap to clone.
#[derive(Clone)]
pub struct RelaySender {
    outbox: mpsc::Sender<String>,
}

impl RelaySender {
    /// Queues `body` for every other instance; never waits. Returns false when it was dropped
    /// (the outbox is full: Redis has been unreachable or slow for a while).
    pub fn publish(&self, body: String) -> bool {
        let sent = self.outbox.try_send(body).is_ok();
        if !sent {
            metrics().relay_dropped().inc();
        }
        sent
    }
}

/// Starts the writer and the reader; entries of other instances arrive on the returned queue
/// (bounded: a slow consumer makes the reader wait, and the stream holds what it has not read).
pub fn start(redis: &Redis, config: RelayConfig) -> (RelaySender, mpsc::Receiver<Incoming>) {
    let config = Arc::new(config);
    let (outbox, pending) = mpsc::channel(OUTBOX);
    let (deliver, incoming) = mpsc::channel(READ_COUNT as usize * 4);
    tokio::spawn(write(redis.client.clone(), config.clone(), pending));
    // Blocking reads hold their connection: the reader gets one of its own.
    let reader = redis.client.clone_new();
    reader.connect();
    tokio::spawn(read(reader, config, deliver));
    (RelaySender { outbox }, incoming)
}

fn command(name: &'static str, blocking: bool) -> CustomCommand {
    CustomCommand::new(name, ClusterHash::FirstKey, blocking)
}

/// Appends queued bodies, a pipeline at a time, until every sender is gone.
async fn write(client: fred::clients::Client, config: Arc<RelayConfig>, mut pending: mpsc::Receiver<String>) {
    let mut failing = false;
    let mut batch = Vec::with_capacity(BATCH);
    while pending.recv_many(&mut batch, BATCH).await > 0 {
        // While the connection is down, appends are dropped rather than queued in the client
        // (without bound, for as long as Redis is away) and replayed late: receivers repair
        // from the database, in order.
        if !client.is_connected() {
            metrics().relay_dropped().add(batch.len() as u64);
            batch.clear();
            if !failing {
                failing = true;
                tracing::warn!(
                    "relay: Redis is unreachable; other instances miss this one's deliveries until it is back"
                );
            }
            continue;
        }
        let pipeline = client.pipeline();
        for body in batch.drain(..) {
            let args: Vec<Value> = vec![
                config.key.as_str().into(),
                "MAXLEN".into(),
                "~".into(),
                config.max_entries.to_string().into(),
                "*".into(),
                "o".into(),
                config.instance.as_str().into(),
                "b".into(),
                body.into(),
            ];
            // Queued in the pipeline, sent by `all` below: the future of each is not awaited.
            let _ = pipeline.custom::<Value, Value>(command("XADD", false), args).await;
        }
        match pipeline.all::<Vec<Value>>().await {
            Ok(_) if failing => {
                failing = false;
                tracing::info!("relay: appending to Redis again");
            }
            Ok(_) => {}
            Err(err) => {
                metrics().relay_dropped().inc();
                if !failing {
                    failing = true;
                    tracing::warn!(error = %err, "relay: cannot append to Redis; other instances miss this one's deliveries until it is back");
                }
            }
        }
    }
}

/// Reads the stream from its start (replaying what was there before this instance) and then
/// follows it, for ever.
async fn read(client: fred::clients::Client, config: Arc<RelayConfig>, deliver: mpsc::Sender<Incoming>) {
    // Everything up to the stream's current last entry is a replay.
    let mut replay_until = loop {
        match last_id(&client, &config.key).await {
            Ok(last) => break last,
            Err(err) => {
                tracing::debug!(error = %err, "relay: waiting for Redis");
                tokio::time::sleep(RETRY_PAUSE).await;
            }
        }
    };
    let mut after = String::from("0-0");
    let mut failing = false;
    loop {
        let args: Vec<Value> = vec![
            "COUNT".into(),
            READ_COUNT.to_string().into(),
            "BLOCK".into(),
            READ_BLOCK_MS.to_string().into(),
            "STREAMS".into(),
            config.key.as_str().into(),
            after.as_str().into(),
        ];
        let reply = match client.custom::<Value, Value>(command("XREAD", true), args).await {
            Ok(reply) => {
                if failing {
                    failing = false;
                    tracing::info!("relay: reading from Redis again");
                }
                reply
            }
            Err(err) => {
                if !failing {
                    failing = true;
                    tracing::warn!(error = %err, "relay: cannot read from Redis; this instance misses the others' deliveries until it is back");
                }
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        for entry in entries(reply) {
            let replayed = replay_until.as_deref().is_some_and(|until| !id_after(&entry.id, until));
            after = entry.id;
            if entry.origin == config.instance {
                continue;
            }
            if deliver.send(Incoming { body: entry.body, replayed }).await.is_err() {
                return; // the gateway is gone: shutting down
            }
        }
        if replay_until.as_deref().is_some_and(|until| !id_after(until, &after)) {
            replay_until = None;
        }
    }
}

/// The id of the stream's newest entry, `None` when it is empty or missing.
async fn last_id(client: &fred::clients::Client, key: &str) -> Result<Option<String>, fred::error::Error> {
    let args: Vec<Value> = vec![key.into(), "+".into(), "-".into(), "COUNT".into(), "1".into()];
    let reply: Value = client.custom(command("XREVRANGE", false), args).await?;
    Ok(reply
        .into_array()
        .into_iter()
        .next()
        .and_then(|entry| entry.into_array().into_iter().next()?.as_string()))
}

/// Whether stream id `a` (`<ms>-<n>`) comes after `b`.
fn id_after(a: &str, b: &str) -> bool {
    fn parts(id: &str) -> (u64, u64) {
        let (ms, n) = id.split_once('-').unwrap_or((id, "0"));
        (ms.parse().unwrap_or(0), n.parse().unwrap_or(0))
    }
    parts(a) > parts(b)
}

struct Entry {
    id: String,
    origin: String,
    body: String,
}

/// The entries of an `XREAD` reply (`[[key, [[id, [field, value, …]], …]]]`, or a map of key to
/// entries under RESP3; nil when the wait ended with nothing new).
fn entries(reply: Value) -> Vec<Entry> {
    let streams = match reply {
        Value::Map(map) => map.inner().into_values().collect::<Vec<_>>(),
        Value::Array(streams) => {
            streams.into_iter().filter_map(|stream| stream.into_array().into_iter().nth(1)).collect()
        }
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for raw in streams.into_iter().flat_map(Value::into_array) {
        let mut parts = raw.into_array().into_iter();
        let (Some(id), Some(fields)) = (parts.next().and_then(|id| id.as_string()), parts.next()) else {
            continue;
        };
        let mut origin = None;
        let mut body = None;
        let mut fields = fields.into_array().into_iter();
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            match name.as_str().as_deref() {
                Some("o") => origin = value.as_string(),
                Some("b") => body = value.as_string(),
                _ => {}
            }
        }
        if let (Some(origin), Some(body)) = (origin, body) {
            out.push(Entry { id, origin, body });
        } else {
            tracing::warn!(id, "relay: an entry without origin or body was skipped");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_compare_by_time_then_sequence() {
        assert!(id_after("1700000000001-0", "1700000000000-5"));
        assert!(id_after("1700000000000-6", "1700000000000-5"));
        assert!(!id_after("1700000000000-5", "1700000000000-5"));
        assert!(!id_after("0-0", "1-0"));
    }

    #[test]
    fn an_xread_reply_becomes_entries_in_order() {
        let entry = |id: &str, origin: &str, body: &str| {
            Value::Array(vec![
                id.into(),
                Value::Array(vec!["o".into(), origin.into(), "b".into(), body.into()]),
            ])
        };
        let reply = Value::Array(vec![Value::Array(vec![
            "chatbot:relay".into(),
            Value::Array(vec![entry("1-0", "a", "{\"x\":1}"), entry("1-1", "b", "{\"x\":2}")]),
        ])]);
        let got: Vec<_> = entries(reply).into_iter().map(|e| (e.id, e.origin, e.body)).collect();
        assert_eq!(
            got,
            vec![
                ("1-0".to_owned(), "a".to_owned(), "{\"x\":1}".to_owned()),
                ("1-1".to_owned(), "b".to_owned(), "{\"x\":2}".to_owned())
            ]
        );
        assert!(entries(Value::Null).is_empty(), "a wait that ended with nothing new");
    }
}
