//! The `soak` scenario (SPEC §8): mixed load held for a long time, to see whether latency drifts
//! or memory grows. Chatters ask the mock model question after question ([`crate::chat`]) while
//! senders post plain messages with acks at a steady pace; every window the latencies and the
//! server's RSS are noted, and the last window is compared with the first.

use crate::chat::{Asked, RssPeak, ask, askers, gather, judge};
use crate::scenarios::{ACK_TIMEOUT, NAMESPACE, first, run_id, users};
use crate::setup::Api;
use crate::sio::SioClient;
use crate::stats::summary;
use crate::upstream::{self, MockArgs};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Soak {
    /// How long the load is held.
    #[arg(long, default_value = "30m", value_parser = crate::humantime_duration)]
    pub duration: Duration,
    /// Length of one reporting window.
    #[arg(long, default_value = "1m", value_parser = crate::humantime_duration)]
    pub window: Duration,
    /// Sockets asking the assistant, one question after another.
    #[arg(long, default_value_t = 50)]
    pub chatters: usize,
    /// Pause between an answer's end and the chatter's next question.
    #[arg(long, default_value = "1s", value_parser = crate::humantime_duration)]
    pub chat_pause: Duration,
    /// Sockets sending plain messages (the assistant off), one every `send_interval`.
    #[arg(long, default_value_t = 100)]
    pub senders: usize,
    /// Pause between two sends of one sender.
    #[arg(long, default_value = "100ms", value_parser = crate::humantime_duration)]
    pub send_interval: Duration,
    /// Users the chatters and the senders are spread over.
    #[arg(long, default_value_t = 10)]
    pub users: usize,
    /// Read the server's RSS from `/proc/<pid>` (any server, the floors included) instead of its
    /// `/metrics`.
    #[arg(long)]
    pub server_pid: Option<u32>,
    #[command(flatten)]
    pub mock: MockArgs,
}

/// Ack latencies of one sender, with when each send began.
type Sent = Vec<(Instant, Result<Duration, ()>)>;

async fn send_steadily(socket: SioClient, room: String, s: usize, until: Instant, every: Duration) -> Sent {
    let mut sent = Vec::new();
    let mut next = Instant::now();
    let mut n = 0usize;
    while next < until {
        tokio::time::sleep_until(next.into()).await;
        let payload = json!({ "roomId": room, "content": format!("soak s{s} m{n}"), "clientId": format!("soak-{s}-{n}") });
        let at = Instant::now();
        let outcome = match socket.emit_with_ack("send", &payload, ACK_TIMEOUT).await {
            Ok(ack) if ack["ok"] == true => Ok(at.elapsed()),
            _ => Err(()),
        };
        sent.push((at, outcome));
        n += 1;
        next += every;
    }
    sent
}

/// `(last - first) / first` in percent, one decimal.
fn drift(first: Option<f64>, last: Option<f64>) -> Option<f64> {
    match (first, last) {
        (Some(a), Some(b)) if a > 0.0 => Some(((b - a) / a * 1000.0).round() / 10.0),
        _ => None,
    }
}

pub async fn soak(bases: &[String], c: &Soak) -> anyhow::Result<Value> {
    let upstream = upstream::start(&c.mock).await?;
    let api = Arc::new(Api::new(first(bases)?)?);
    let chat = askers(bases, &api, c.chatters, c.users).await?;
    let run = run_id();
    let people = users(&api, &run, c.users.max(1)).await?;
    let mut senders = Vec::with_capacity(c.senders);
    for s in 0..c.senders {
        let owner = &people[s % people.len()];
        let room = api.room(owner, &format!("soak {s}"), &[]).await?;
        senders.push((SioClient::connect(&bases[s % bases.len()], NAMESPACE, &owner.token).await?, room));
    }
    let windows = usize::try_from(c.duration.as_nanos().div_ceil(c.window.as_nanos().max(1)))?.max(1);
    eprintln!(
        "loadgen: soak for {:?}: {} chatters, {} senders, {windows} windows",
        c.duration, c.chatters, c.senders
    );
    let start = Instant::now();
    let until = start + c.duration;
    // The server's RSS at the end of each window.
    let sampler = {
        let (api, window, pid) = (api.clone(), c.window, c.server_pid);
        tokio::spawn(async move {
            let mut rss = Vec::with_capacity(windows);
            for w in 1..=windows {
                tokio::time::sleep_until((start + window * u32::try_from(w).unwrap_or(u32::MAX)).into())
                    .await;
                rss.push(api.server_rss(pid).await);
            }
            rss
        })
    };
    let peak = RssPeak::start(api.clone(), c.server_pid);
    let answer_time = c.mock.shape.first_token + c.mock.shape.interval * u32::try_from(c.mock.shape.tokens)?;
    let chat_tasks: Vec<_> = chat
        .sockets
        .into_iter()
        .enumerate()
        .map(|(s, (mut socket, room))| {
            let (run, pause) = (chat.run.clone(), c.chat_pause);
            tokio::spawn(async move {
                let marker = |q| upstream::marker(&run, s, q);
                ask(&mut socket, &room, marker, usize::MAX, until, pause, answer_time).await
            })
        })
        .collect();
    let send_tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(s, (socket, room))| tokio::spawn(send_steadily(socket, room, s, until, c.send_interval)))
        .collect();
    let (asked, errors) = gather(chat_tasks).await?;
    let mut sent: Sent = Vec::new();
    for task in send_tasks {
        sent.extend(task.await?);
    }
    let rss = sampler.await?;
    let peak = peak.stop();
    let notes = upstream.take().await?;
    let window_of = |at: Instant| {
        let index = at.saturating_duration_since(start).as_nanos() / c.window.as_nanos().max(1);
        usize::try_from(index).unwrap_or(usize::MAX).min(windows - 1)
    };
    let mut asked_in: Vec<Vec<Asked>> = (0..windows).map(|_| Vec::new()).collect();
    for question in asked {
        asked_in[window_of(question.sent)].push(question);
    }
    let mut per_window = Vec::with_capacity(windows);
    for (w, questions) in asked_in.iter().enumerate() {
        let mut acks: Vec<Duration> =
            sent.iter().filter(|(at, _)| window_of(*at) == w).filter_map(|(_, r)| r.ok()).collect();
        let send_errors = sent.iter().filter(|(at, r)| window_of(*at) == w && r.is_err()).count();
        let judged = judge(questions, &notes, c.mock.shape.tokens);
        per_window.push(json!({
            "window": w + 1,
            "sends": acks.len(),
            "sendErrors": send_errors,
            "sendAckMs": summary(&mut acks),
            "answers": judged["answers"],
            "tokensLost": judged["tokensLost"],
            "answersFailed": judged["answersFailed"],
            "addedFirstTokenMs": judged["addedFirstTokenMs"],
            "chunkDelayMs": judged["chunkDelayMs"],
            "serverRssMb": rss.get(w).copied().flatten().map(|b| (b as f64 / 1e5).round() / 10.0),
        }));
    }
    let at = |w: &Value, path: [&str; 2]| w[path[0]][path[1]].as_f64();
    let (first_w, last_w) = (&per_window[0], &per_window[windows - 1]);
    let total = |key: &str| per_window.iter().filter_map(|w| w[key].as_u64()).sum::<u64>();
    Ok(json!({
        "scenario": "soak",
        "instances": bases.len(),
        "durationSeconds": c.duration.as_secs(),
        "windowSeconds": c.window.as_secs(),
        "chatters": c.chatters,
        "senders": c.senders,
        "errors": errors,
        "sends": total("sends"),
        "sendErrors": total("sendErrors"),
        "answers": total("answers"),
        "tokensLost": total("tokensLost"),
        "answersFailed": total("answersFailed"),
        "sendAckP99DriftPercent": drift(at(first_w, ["sendAckMs", "p99"]), at(last_w, ["sendAckMs", "p99"])),
        "chunkDelayP99DriftPercent": drift(at(first_w, ["chunkDelayMs", "p99"]), at(last_w, ["chunkDelayMs", "p99"])),
        "memoryGrowthPercent": drift(first_w["serverRssMb"].as_f64(), last_w["serverRssMb"].as_f64()),
        "serverRssMbPeak": peak,
        "windows": per_window,
    }))
}

#[cfg(test)]
mod tests {
    use super::drift;

    #[test]
    fn drift_is_relative_to_the_first_window() {
        assert_eq!(drift(Some(10.0), Some(10.5)), Some(5.0));
        assert_eq!(drift(Some(200.0), Some(190.0)), Some(-5.0));
        assert_eq!(drift(None, Some(1.0)), None);
        assert_eq!(drift(Some(0.0), Some(1.0)), None);
    }
}
