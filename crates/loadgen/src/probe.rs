//! `relay-probe`: is cross-instance delivery working, moment by moment? One user sends a message
//! every `interval` on the first instance; the same room is joined on the second. Each message
//! is either received live there or missed (left to `join {since}`); the result lists the runs
//! of missed messages by send time, so stopping and starting Redis during the run shows how long
//! delivery took to recover.

use crate::scenarios::{ACK_TIMEOUT, NAMESPACE, first, run_id, users};
use crate::setup::Api;
use crate::sio::SioClient;
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long after the last send a receipt may still arrive.
const GRACE: Duration = Duration::from_secs(2);
/// A receipt later than this after its send counts as held up (not live).
const LATE: Duration = Duration::from_secs(1);

pub async fn relay_probe(bases: &[String], duration: Duration, interval: Duration) -> anyhow::Result<Value> {
    let [sender_base, receiver_base, ..] = bases else {
        bail!("relay-probe needs two instances: --base A,B")
    };
    let api = Arc::new(Api::new(first(bases)?)?);
    let people = users(&api, &run_id(), 1).await?;
    let user = people.first().context("one user")?;
    let room = api.room(user, "relay probe", &[]).await?;
    let sender = SioClient::connect(sender_base, NAMESPACE, &user.token).await?;
    let mut receiver = SioClient::connect(receiver_base, NAMESPACE, &user.token).await?;
    let ack = receiver.emit_with_ack("join", &json!({ "roomId": room }), ACK_TIMEOUT).await?;
    if ack["ok"] != true {
        bail!("join failed: {ack}");
    }
    // scripts/bench-cluster.sh times its Redis outage from this line.
    eprintln!("loadgen: probing");
    let start = Instant::now();
    let mut sent: Vec<Duration> = Vec::new();
    let mut received: HashMap<usize, Duration> = HashMap::new();
    let mut errors = 0usize;
    let collect = |receiver: &mut SioClient, received: &mut HashMap<usize, Duration>| {
        while let Ok(incoming) = receiver.events.try_recv() {
            let Some((event, data)) = incoming.parse() else { continue };
            let probe =
                data["content"].as_str().and_then(|c| c.strip_prefix("probe ")).and_then(|n| n.parse().ok());
            if let ("message", Some(n)) = (event.as_str(), probe) {
                received.entry(n).or_insert(incoming.at.saturating_duration_since(start));
            }
        }
    };
    while start.elapsed() < duration {
        let n = sent.len();
        sent.push(start.elapsed());
        let payload =
            json!({ "roomId": room, "content": format!("probe {n}"), "clientId": format!("probe-{n}") });
        match sender.emit_with_ack("send", &payload, ACK_TIMEOUT).await {
            Ok(ack) if ack["ok"] == true => {}
            _ => errors += 1,
        }
        collect(&mut receiver, &mut received);
        tokio::time::sleep(interval).await;
    }
    tokio::time::sleep(GRACE).await;
    collect(&mut receiver, &mut received);
    // Runs of consecutive messages missed or held up, by send time.
    let live = |n: usize, at: Duration| received.get(&n).is_some_and(|got| got.saturating_sub(at) <= LATE);
    let late = sent.iter().enumerate().filter(|&(n, at)| received.contains_key(&n) && !live(n, *at)).count();
    let mut delays: Vec<Duration> = sent
        .iter()
        .enumerate()
        .filter_map(|(n, at)| received.get(&n).map(|got| got.saturating_sub(*at)))
        .collect();
    let mut missed: Vec<Value> = Vec::new();
    let mut run: Option<(Duration, Duration, usize)> = None;
    for (n, at) in sent.iter().enumerate() {
        if live(n, *at) {
            if let Some((from, to, count)) = run.take() {
                missed.push(json!({ "fromMs": from.as_millis(), "toMs": to.as_millis(), "messages": count }));
            }
        } else {
            let (from, _, count) = run.unwrap_or((*at, *at, 0));
            run = Some((from, *at, count + 1));
        }
    }
    if let Some((from, to, count)) = run {
        missed.push(json!({ "fromMs": from.as_millis(), "toMs": to.as_millis(), "messages": count }));
    }
    // When the first message after the last missed run was sent: delivery had recovered.
    let first_after_last_miss = missed
        .last()
        .and_then(|m| m["toMs"].as_u64())
        .and_then(|to| sent.iter().position(|at| at.as_millis() as u64 > to))
        .map(|n| sent[n].as_millis());
    Ok(json!({
        "scenario": "relay-probe",
        "sent": sent.len(),
        "received": received.len(),
        "receivedLate": late,
        "delayMs": crate::stats::summary(&mut delays),
        "sendErrors": errors,
        "intervalMs": interval.as_millis(),
        "missed": missed,
        "recoveredAtMs": first_after_last_miss,
    }))
}
