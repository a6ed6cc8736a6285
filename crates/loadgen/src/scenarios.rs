//! The scenarios. Each returns one JSON object of results.

use crate::raw;
use crate::setup::{Api, User};
use crate::sio::SioClient;
use crate::stats::{ms, summary};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) const NAMESPACE: &str = "/chat";
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// The instance that gets the REST calls.
pub(crate) fn first(bases: &[String]) -> anyhow::Result<&str> {
    bases.first().map(String::as_str).context("no --base given")
}

pub(crate) fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Registers `n` users, a few at a time (password hashing is deliberately slow).
pub(crate) async fn users(api: &Arc<Api>, run: &str, n: usize) -> anyhow::Result<Vec<User>> {
    let mut users = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let api = api.clone();
                let run = run.to_owned();
                tokio::spawn(async move { api.register(&run, i).await })
            })
            .collect();
        for task in tasks {
            users.push(task.await??);
        }
    }
    Ok(users)
}

/// Acked durable sends per second: every sender waits for its ack before sending again.
pub async fn sends(bases: &[String], senders: usize, duration: Duration) -> anyhow::Result<Value> {
    let base = first(bases)?;
    let api = Arc::new(Api::new(base)?);
    let run = run_id();
    let people = users(&api, &run, senders).await?;
    let mut sockets = Vec::with_capacity(senders);
    for (i, user) in people.iter().enumerate() {
        let room = api.room(user, &format!("bench {i}"), &[]).await?;
        let socket = SioClient::connect(&bases[i % bases.len()], NAMESPACE, &user.token).await?;
        sockets.push((socket, room));
    }
    eprintln!("loadgen: {senders} senders connected; measuring for {duration:?}");
    // One instance: its CPU per send, from its `/metrics` (several would each count their own).
    let cpu_before = if bases.len() == 1 { api.scraped_cpu_seconds().await } else { None };
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(s, (socket, room))| {
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0usize);
                let mut socket = socket;
                let mut n = 0;
                while Instant::now() < deadline {
                    let payload = json!({ "roomId": room, "content": format!("s{s} m{n}"), "clientId": format!("{s}-{n}") });
                    let sent = Instant::now();
                    match socket.emit_with_ack("send", &payload, ACK_TIMEOUT).await {
                        Ok(ack) if ack["ok"] == true => latencies.push(sent.elapsed()),
                        _ => errors += 1,
                    }
                    n += 1;
                    // Drop pushed events (roomActivity) so they do not pile up in memory.
                    while socket.events.try_recv().is_ok() {}
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (l, e) = task.await?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_before.zip(api.scraped_cpu_seconds().await).map(|(before, after)| after - before);
    let acked = latencies.len();
    Ok(json!({
        "scenario": "sends",
        "instances": bases.len(),
        "senders": senders,
        "durationSeconds": (elapsed * 100.0).round() / 100.0,
        "acked": acked,
        "errors": errors,
        "ackedPerSecond": (acked as f64 / elapsed).round(),
        "ackLatencyMs": summary(&mut latencies),
        "serverCpuSeconds": cpu.map(|s| (s * 100.0).round() / 100.0),
        "serverCpuMicrosPerSend": cpu.filter(|_| acked > 0).map(|s| (s * 1e6 / acked as f64).round()),
    }))
}

/// Waits until no socket has received an event for a while, discarding what arrived.
async fn settle(sockets: &mut [SioClient]) {
    const QUIET: Duration = Duration::from_millis(300);
    loop {
        tokio::time::sleep(QUIET).await;
        let mut drained = 0usize;
        for socket in sockets.iter_mut() {
            while socket.events.try_recv().is_ok() {
                drained += 1;
            }
        }
        if drained == 0 {
            return;
        }
    }
}

/// Delivery latency to `members` sockets in one room, from just before the send to receipt.
/// Once set up, the member sockets are read by `readers` bare reader threads ([`raw`]).
pub async fn fanout(
    bases: &[String],
    members: usize,
    users_n: usize,
    messages: usize,
    interval: Duration,
    readers: usize,
    server_pid: Option<u32>,
) -> anyhow::Result<Value> {
    let base = first(bases)?;
    let api = Arc::new(Api::new(base)?);
    let run = run_id();
    let people = users(&api, &run, users_n.max(1) + 1).await?;
    let (sender, receivers) = people.split_first().context("at least two users")?;
    let refs: Vec<&User> = receivers.iter().collect();
    let room = api.room(sender, "fanout", &refs).await?;
    let mut sockets = Vec::with_capacity(members);
    for i in 0..members {
        let user = &receivers[i % receivers.len()];
        let socket = SioClient::connect(&bases[i % bases.len()], NAMESPACE, &user.token).await?;
        let ack = socket.emit_with_ack("join", &json!({ "roomId": room }), ACK_TIMEOUT).await?;
        if ack["ok"] != true {
            bail!("join failed: {ack}");
        }
        sockets.push(socket);
    }
    let sender_socket = SioClient::connect(base, NAMESPACE, &sender.token).await?;
    // Every join told the room's earlier members (`userJoined`, `user_status`): ~members²/2
    // frames. Measure messages only once that backlog has reached the sockets and been dropped.
    settle(&mut sockets).await;
    let mut streams = Vec::with_capacity(members);
    for socket in sockets {
        streams.push(socket.into_tcp().await?);
    }
    let wanted = raw::Wanted {
        namespace: NAMESPACE.to_owned(),
        event: "message".to_owned(),
        per_socket: messages,
        deadline: Instant::now() + interval * u32::try_from(messages)? + Duration::from_secs(30),
    };
    let reading = raw::start(streams, readers, &wanted)?;
    eprintln!("loadgen: {members} sockets joined; sending {messages} messages");
    let cpu_before = api.server_cpu_seconds(server_pid).await;
    let mut sent_at = HashMap::new();
    let mut acked_in = Vec::with_capacity(messages);
    for k in 0..messages {
        let content = format!("fanout {k}");
        let sent = Instant::now();
        sent_at.insert(content.clone(), (k, sent));
        let ack = sender_socket
            .emit_with_ack("send", &json!({ "roomId": room, "content": content }), ACK_TIMEOUT)
            .await?;
        if ack["ok"] != true {
            bail!("send failed: {ack}");
        }
        acked_in.push(sent.elapsed());
        tokio::time::sleep(interval).await;
    }
    // The readers timed each frame as it came; only now are the frames parsed.
    let per_socket = tokio::task::spawn_blocking(move || reading.join()).await??;
    // The sends and their deliveries, from the first send to the last receipt (or deadline).
    let cpu = match (cpu_before, api.server_cpu_seconds(server_pid).await) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    let frame_bytes = per_socket.iter().flatten().map(|incoming| incoming.frame_len()).max().unwrap_or(0);
    // Per socket, in arrival order: (content, seq, receipt time).
    let parsed: Vec<Vec<(String, i64, Instant)>> = per_socket
        .iter()
        .map(|events| {
            events
                .iter()
                .filter_map(|incoming| {
                    let (_, data) = incoming.parse()?;
                    Some((data["content"].as_str()?.to_owned(), data["seq"].as_i64()?, incoming.at))
                })
                .collect()
        })
        .collect();
    let order = check_order(&parsed);
    let arrivals: Vec<(String, Instant)> =
        parsed.into_iter().flatten().map(|(content, _, at)| (content, at)).collect();
    let received: Vec<(usize, Duration)> = arrivals
        .iter()
        .filter_map(|(content, at)| {
            sent_at.get(content).map(|(k, sent)| (*k, at.saturating_duration_since(*sent)))
        })
        .collect();
    // Per message: the first and the last receipt, to tell a slow message from a slow socket.
    let mut spread = vec![(Duration::MAX, Duration::ZERO); messages];
    for &(k, latency) in &received {
        let (first, last) = &mut spread[k];
        *first = (*first).min(latency);
        *last = (*last).max(latency);
    }
    let mut latencies: Vec<Duration> = received.iter().map(|&(_, latency)| latency).collect();
    let delivered = latencies.len();
    // The fan-out alone: each receipt after the message's first one (send and commit excluded).
    let mut after_first: Vec<Duration> =
        received.iter().map(|&(k, latency)| latency.saturating_sub(spread[k].0)).collect();
    let mut slowest: Vec<usize> = (0..messages).collect();
    slowest.sort_by_key(|&k| std::cmp::Reverse(spread[k].1));
    let slowest: Vec<Value> = slowest
        .iter()
        .take(5)
        .map(|&k| {
            json!({ "message": k, "ackMs": ms(acked_in[k]), "firstMs": ms(spread[k].0), "lastMs": ms(spread[k].1) })
        })
        .collect();
    Ok(json!({
        "scenario": "fanout",
        "instances": bases.len(),
        "members": members,
        "messages": messages,
        "readers": readers,
        "delivered": delivered,
        "expected": members * messages,
        "order": order,
        "frameBytes": frame_bytes,
        "latencyMs": summary(&mut latencies),
        "afterFirstReceiptMs": summary(&mut after_first),
        "ackLatencyMs": summary(&mut acked_in),
        "serverCpuSeconds": cpu.map(|s| (s * 100.0).round() / 100.0),
        "serverCpuMicrosPerDelivery": cpu.filter(|_| delivered > 0).map(|s| (s * 1e7 / delivered as f64).round() / 10.0),
        "slowestMessages": slowest,
    }))
}

/// What the sockets' receipts say about SPEC §3's guarantees: every socket saw consecutive
/// seqs (no gap, nothing twice, in order), and every socket saw the same message under the same
/// seq. Counts of sockets (or receipts) that break them; all zero on a correct server.
fn check_order(sockets: &[Vec<(String, i64, Instant)>]) -> Value {
    let (mut out_of_order, mut duplicates, mut disagreements) = (0usize, 0usize, 0usize);
    let mut seq_of: HashMap<&str, i64> = HashMap::new();
    for receipts in sockets {
        let mut seen = std::collections::HashSet::new();
        let mut consecutive = true;
        for (i, (content, seq, _)) in receipts.iter().enumerate() {
            if !seen.insert(*seq) {
                duplicates += 1;
            }
            if i > 0 && receipts[i - 1].1 + 1 != *seq {
                consecutive = false;
            }
            if *seq_of.entry(content.as_str()).or_insert(*seq) != *seq {
                disagreements += 1;
            }
        }
        if !consecutive {
            out_of_order += 1;
        }
    }
    json!({ "socketsOutOfOrder": out_of_order, "duplicates": duplicates, "seqDisagreements": disagreements })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipts(list: &[(&str, i64)]) -> Vec<(String, i64, Instant)> {
        let now = Instant::now();
        list.iter().map(|(c, s)| ((*c).to_owned(), *s, now)).collect()
    }

    #[test]
    fn identical_consecutive_receipts_pass() {
        let one = receipts(&[("a", 4), ("b", 5), ("c", 6)]);
        let order = check_order(&[one.clone(), one]);
        assert_eq!(order, json!({ "socketsOutOfOrder": 0, "duplicates": 0, "seqDisagreements": 0 }));
    }

    #[test]
    fn gaps_swaps_doubles_and_disagreements_are_counted() {
        let good = receipts(&[("a", 4), ("b", 5), ("c", 6)]);
        let gap = receipts(&[("a", 4), ("c", 6)]);
        let swapped = receipts(&[("b", 5), ("a", 4), ("c", 6)]);
        let doubled = receipts(&[("a", 4), ("a", 4), ("b", 5)]);
        let other_seq = receipts(&[("a", 4), ("b", 6)]);
        let order = check_order(&[good, gap, swapped, doubled, other_seq]);
        assert_eq!(order, json!({ "socketsOutOfOrder": 4, "duplicates": 1, "seqDisagreements": 1 }));
    }
}
