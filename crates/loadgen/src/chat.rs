//! The `chat` scenario (SPEC §8): sockets each asking the assistant, answered by the mock
//! upstream ([`crate::upstream`]: in this process, or in one of its own read back onto this
//! process's clock), so that what the server adds to an answer's latency is measured on one clock: the time to first token seen by the client minus the
//! model's own, and each chunk's delay from the model's write to the client's read. Also counts
//! tokens lost and the server's CPU time and memory.

use crate::scenarios::{ACK_TIMEOUT, NAMESPACE, first, run_id, users};
use crate::setup::Api;
use crate::sio::{Incoming, SioClient};
use crate::stats::{ms, summary};
use crate::upstream::{self, Answered, MockArgs};
use anyhow::bail;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The `chat` scenario's shape.
#[derive(clap::Args)]
pub struct Chat {
    /// Sockets asking at once, each in its own room: the concurrent answers.
    #[arg(long, default_value_t = 50)]
    pub sockets: usize,
    /// Users the sockets (and rooms) are spread over (raise the server's per-user answer limits).
    #[arg(long, default_value_t = 10)]
    pub users: usize,
    /// Questions each socket asks, one after the other.
    #[arg(long, default_value_t = 3)]
    pub questions: usize,
    /// Spreads the sockets' first questions evenly over this span (socket `s` of `n` starts
    /// `s/n` of it late); `0s` sends them all at once. Answers of one shape take equally long,
    /// so the spread holds for the later questions too: as many answers stream at once, but
    /// their questions arrive one after another instead of in one burst.
    #[arg(long, default_value = "0s", value_parser = crate::humantime_duration)]
    pub spread: Duration,
    #[command(flatten)]
    pub mock: MockArgs,
}

/// One question as its socket saw it.
pub struct Asked {
    pub marker: String,
    /// Its place among its socket's questions (0 for the first).
    pub round: usize,
    pub sent: Instant,
    /// When its ack came (the question stored).
    pub acked: Instant,
    /// The `stream` frames of its answer, unparsed, with their arrival times.
    pub frames: Vec<Incoming>,
    /// Whether its answer ended (`stream` with `end: true`) before the deadline.
    pub ended: bool,
}

/// Sockets with their rooms, connected and joined.
pub struct Askers {
    pub run: String,
    pub sockets: Vec<(SioClient, String)>,
}

/// Registers users, makes one room per socket with the assistant always answering, connects
/// and joins. Rooms and sockets are made a few at a time.
pub async fn askers(
    bases: &[String],
    api: &Arc<Api>,
    sockets: usize,
    users_n: usize,
) -> anyhow::Result<Askers> {
    let run = run_id();
    let people = users(api, &run, users_n.max(1)).await?;
    let mut out = Vec::with_capacity(sockets);
    for chunk in (0..sockets).collect::<Vec<_>>().chunks(64) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|&s| {
                let (api, owner, base) =
                    (api.clone(), people[s % people.len()].clone(), bases[s % bases.len()].clone());
                tokio::spawn(async move {
                    let room = api.room_with_ai(&owner, &format!("chat {s}"), &[], "always").await?;
                    let socket = SioClient::connect(&base, NAMESPACE, &owner.token).await?;
                    let ack = socket.emit_with_ack("join", &json!({ "roomId": room }), ACK_TIMEOUT).await?;
                    if ack["ok"] != true {
                        bail!("join failed: {ack}");
                    }
                    anyhow::Ok((socket, room))
                })
            })
            .collect();
        for task in tasks {
            out.push(task.await??);
        }
    }
    Ok(Askers { run, sockets: out })
}

/// Questions asked on one socket, and the error that ended the asking early, if one did (the
/// questions before it still count).
pub struct Asking {
    pub asked: Vec<Asked>,
    pub error: Option<anyhow::Error>,
}

/// Asks question after question on one socket, each once the previous answer has ended, until
/// `questions` are asked or `until` has passed; `pause` between an answer's end and the next.
pub async fn ask(
    socket: &mut SioClient,
    room: &str,
    marker: impl Fn(usize) -> String,
    questions: usize,
    until: Instant,
    pause: Duration,
    answer_time: Duration,
) -> Asking {
    let mut asked = Vec::new();
    for q in 0..questions {
        if Instant::now() >= until {
            break;
        }
        let marker = marker(q);
        let payload = json!({ "roomId": room, "content": format!("question {marker}") });
        // Latencies count from the moment the question's frame is written, not from the emit:
        // the hop to the socket's task is the load generator's, not the server's.
        let (sent, error) = match socket.emit_with_ack_timed("send", &payload, ACK_TIMEOUT).await {
            Ok((written, ack)) if ack["ok"] == true => (written, None),
            Ok((_, ack)) => (Instant::now(), Some(anyhow::anyhow!("send failed: {ack}"))),
            Err(err) => (Instant::now(), Some(err)),
        };
        if error.is_some() {
            return Asking { asked, error };
        }
        let acked = Instant::now();
        let deadline = tokio::time::Instant::from_std(sent + answer_time + ACK_TIMEOUT);
        let mut frames = Vec::new();
        let mut ended = false;
        while let Ok(Some(incoming)) = tokio::time::timeout_at(deadline, socket.events.recv()).await {
            if !incoming.is("stream") {
                continue;
            }
            ended = incoming.contains("\"end\":true");
            frames.push(incoming);
            if ended {
                break;
            }
        }
        asked.push(Asked { marker, round: q, sent, acked, frames, ended });
        tokio::time::sleep(pause).await;
    }
    Asking { asked, error: None }
}

/// Every chatter's questions, and how many chatters stopped on an error (each one printed).
pub async fn gather(chatters: Vec<tokio::task::JoinHandle<Asking>>) -> anyhow::Result<(Vec<Asked>, usize)> {
    let (mut asked, mut errors) = (Vec::new(), 0usize);
    for chatter in chatters {
        let mut asking = chatter.await?;
        asked.append(&mut asking.asked);
        if let Some(err) = asking.error {
            errors += 1;
            eprintln!("loadgen: {err:#}");
        }
    }
    Ok((asked, errors))
}

/// What the answers to `asked` show, against the mock's notes of them.
pub fn judge(asked: &[Asked], notes: &HashMap<String, Answered>, tokens: usize) -> Value {
    let (mut chunk_delay, mut own_first, mut acks) = (vec![], vec![], vec![]);
    let (mut added_first, mut to_upstream) = (ByRound::default(), ByRound::default());
    let (mut lost, mut failed, mut unanswered, mut not_ended) = (0usize, 0usize, 0usize, 0usize);
    for question in asked {
        if !question.ended {
            not_ended += 1;
        }
        acks.push(question.acked.saturating_duration_since(question.sent));
        let Some(note) = notes.get(&question.marker) else {
            unanswered += 1;
            lost += tokens;
            continue;
        };
        // Each token's first sight (a chunk may hold several; a repeat would be a duplicate).
        let mut seen: HashMap<usize, Instant> = HashMap::new();
        for frame in &question.frames {
            let Some((_, data)) = frame.parse() else { continue };
            if data["end"] == true && data["status"] != "complete" {
                failed += 1;
            }
            if let Some(text) = data["token"].as_str() {
                for (marker, index) in upstream::tokens_in(text) {
                    if marker == question.marker {
                        seen.entry(index).or_insert(frame.at);
                    }
                }
            }
        }
        lost += (0..tokens).filter(|i| !seen.contains_key(i)).count();
        for (index, at) in &seen {
            if let Some(written) = note.written.get(*index) {
                chunk_delay.push(at.saturating_duration_since(*written));
            }
        }
        to_upstream.push(question.round, note.arrived.saturating_duration_since(question.sent));
        if let (Some(first_seen), Some(first_written)) = (seen.get(&0), note.written.first()) {
            let own = first_written.saturating_duration_since(note.arrived);
            own_first.push(own);
            added_first.push(
                question.round,
                first_seen.saturating_duration_since(question.sent).saturating_sub(own),
            );
        }
    }
    json!({
        "answers": asked.len(),
        "answersNotEnded": not_ended,
        "answersFailed": failed,
        "questionsNeverAskedUpstream": unanswered,
        "tokensExpected": asked.len() * tokens,
        "tokensLost": lost,
        "addedFirstTokenMs": summary(&mut added_first.all()),
        "chunkDelayMs": summary(&mut chunk_delay),
        "sendAckMs": summary(&mut acks),
        "sendToUpstreamMs": summary(&mut to_upstream.all()),
        "upstreamFirstTokenMs": summary(&mut own_first),
        "firstQuestions": {
            "addedFirstTokenMs": summary(&mut added_first.first),
            "sendToUpstreamMs": summary(&mut to_upstream.first),
        },
        "laterQuestions": {
            "addedFirstTokenMs": summary(&mut added_first.later),
            "sendToUpstreamMs": summary(&mut to_upstream.later),
        },
    })
}

/// Samples of each socket's first question apart from its later ones: the server's first answers
/// also open its connections to the model (and fill what it keeps in memory), which later ones
/// reuse, so the cold start and the steady state are told apart.
#[derive(Default)]
struct ByRound {
    first: Vec<Duration>,
    later: Vec<Duration>,
}

impl ByRound {
    fn push(&mut self, round: usize, sample: Duration) {
        if round == 0 { self.first.push(sample) } else { self.later.push(sample) }
    }

    fn all(&self) -> Vec<Duration> {
        [self.first.as_slice(), self.later.as_slice()].concat()
    }
}

/// The server's peak RSS while `run` goes on, sampled from its metrics every 250 ms.
pub struct RssPeak {
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssPeak {
    /// Samples `pid`'s RSS, or the server's `/metrics` without one.
    pub fn start(api: Arc<Api>, pid: Option<u32>) -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let seen = peak.clone();
        let task = tokio::spawn(async move {
            loop {
                if let Some(rss) = api.server_rss(pid).await {
                    seen.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Self { peak, task }
    }

    /// Megabytes, one decimal; `None` when the server has no metrics.
    pub fn stop(self) -> Option<f64> {
        self.task.abort();
        let peak = self.peak.load(Ordering::Relaxed);
        (peak > 0).then(|| (peak as f64 / 1e5).round() / 10.0)
    }
}

/// How late socket `s` of `n` asks its first question when they are spread over `spread`.
fn start_offset(spread: Duration, s: usize, n: usize) -> Duration {
    let n = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    let s = u32::try_from(s).unwrap_or(u32::MAX).min(n - 1);
    spread / n * s
}

pub async fn chat(bases: &[String], c: &Chat) -> anyhow::Result<Value> {
    let upstream = upstream::start(&c.mock).await?;
    let api = Arc::new(Api::new(first(bases)?)?);
    let Askers { run, sockets } = askers(bases, &api, c.sockets, c.users).await?;
    eprintln!("loadgen: {} sockets in their rooms; asking {} question(s) each", c.sockets, c.questions);
    let rss_before = api.scraped_rss().await;
    let cpu_before = api.scraped_cpu_seconds().await;
    let rss = RssPeak::start(api.clone(), None);
    let answer_time = c.mock.shape.first_token + c.mock.shape.interval * u32::try_from(c.mock.shape.tokens)?;
    let start = Instant::now();
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(s, (mut socket, room))| {
            let (run, questions) = (run.clone(), c.questions);
            let late = start_offset(c.spread, s, c.sockets);
            tokio::spawn(async move {
                tokio::time::sleep(late).await;
                let marker = |q| upstream::marker(&run, s, q);
                let far = Instant::now() + Duration::from_secs(86_400);
                ask(&mut socket, &room, marker, questions, far, Duration::ZERO, answer_time).await
            })
        })
        .collect();
    let (asked, errors) = gather(tasks).await?;
    let elapsed = start.elapsed();
    let cpu = match (cpu_before, api.scraped_cpu_seconds().await) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    let peak = rss.stop();
    let mut result = judge(&asked, &upstream.take().await?, c.mock.shape.tokens);
    let tokens = asked.len() * c.mock.shape.tokens;
    let extra = json!({
        "scenario": "chat",
        "instances": bases.len(),
        "concurrentAnswers": c.sockets,
        "tokensPerAnswer": c.mock.shape.tokens,
        "tokenIntervalMs": ms(c.mock.shape.interval),
        "spreadMs": ms(c.spread),
        "errors": errors,
        "durationSeconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
        "serverCpuSeconds": cpu.map(|s| (s * 100.0).round() / 100.0),
        "serverCpuMicrosPerToken": cpu.filter(|_| tokens > 0).map(|s| (s * 1e6 / tokens as f64).round()),
        "serverRssMbBefore": rss_before.map(|b| (b as f64 / 1e5).round() / 10.0),
        "serverRssMbPeak": peak,
    });
    if let (Value::Object(into), Value::Object(from)) = (&mut result, extra) {
        into.extend(from);
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(data: &Value, at: Instant) -> Incoming {
        Incoming::from_frame(format!("42/chat,{}", json!(["stream", data])), "/chat", at)
    }

    #[test]
    fn judges_added_latency_and_lost_tokens() {
        let t0 = Instant::now();
        let at = |millis: u64| t0 + Duration::from_millis(millis);
        let asked = vec![Asked {
            marker: "lgq-r-0-0".into(),
            round: 0,
            sent: at(0),
            acked: at(1),
            frames: vec![
                frame(&json!({"messageId": "m", "start": true}), at(2)),
                frame(&json!({"messageId": "m", "token": "lgq-r-0-0.0 ", "index": 0}), at(103)),
                // Two tokens merged into one chunk; token 3 never arrives.
                frame(&json!({"messageId": "m", "token": "lgq-r-0-0.1 lgq-r-0-0.2 ", "index": 1}), at(125)),
                frame(&json!({"messageId": "m", "end": true, "status": "complete"}), at(130)),
            ],
            ended: true,
        }];
        let notes = HashMap::from([(
            "lgq-r-0-0".to_owned(),
            Answered { arrived: at(1), written: vec![at(101), at(111), at(121), at(131)] },
        )]);
        let judged = judge(&asked, &notes, 4);
        assert_eq!(judged["tokensLost"], 1);
        assert_eq!(judged["answersFailed"], 0);
        // Client saw token 0 at 103 ms after the send; the model's own first token took 100 ms.
        assert_eq!(judged["addedFirstTokenMs"]["p50"], 3.0);
        assert_eq!(judged["upstreamFirstTokenMs"]["p50"], 100.0);
        assert_eq!(judged["chunkDelayMs"]["max"], 14.0);
        assert_eq!(judged["sendToUpstreamMs"]["p50"], 1.0);
        assert_eq!(judged["sendAckMs"]["p50"], 1.0);
        assert_eq!(judged["firstQuestions"]["addedFirstTokenMs"]["p50"], 3.0);
        assert_eq!(judged["laterQuestions"]["addedFirstTokenMs"], Value::Null, "no later question asked");
        let unasked = judge(
            &[Asked {
                marker: "lgq-r-1-0".into(),
                round: 0,
                sent: at(0),
                acked: at(2),
                frames: vec![],
                ended: false,
            }],
            &notes,
            4,
        );
        assert_eq!((unasked["tokensLost"].as_u64(), unasked["answersNotEnded"].as_u64()), (Some(4), Some(1)));
    }

    #[test]
    fn first_questions_are_spread_evenly() {
        let spread = Duration::from_millis(1000);
        let offsets: Vec<_> = (0..4).map(|s| start_offset(spread, s, 4)).collect();
        assert_eq!(offsets, [0, 250, 500, 750].map(Duration::from_millis));
        assert_eq!(start_offset(Duration::ZERO, 3, 4), Duration::ZERO, "no spread: all at once");
        assert_eq!(start_offset(spread, 0, 0), Duration::ZERO);
    }

    #[test]
    fn first_and_later_questions_are_judged_apart() {
        let t0 = Instant::now();
        let at = |millis: u64| t0 + Duration::from_millis(millis);
        let question = |round: usize, sent: u64, seen: u64| Asked {
            marker: format!("lgq-r-0-{round}"),
            round,
            sent: at(sent),
            acked: at(sent + 1),
            frames: vec![frame(
                &json!({"messageId": "m", "token": format!("lgq-r-0-{round}.0 "), "index": 0}),
                at(seen),
            )],
            ended: true,
        };
        // The first question reached the model 9 ms after its send, the second 1 ms after.
        let asked = vec![question(0, 0, 110), question(1, 200, 302)];
        let notes = HashMap::from([
            ("lgq-r-0-0".to_owned(), Answered { arrived: at(9), written: vec![at(109)] }),
            ("lgq-r-0-1".to_owned(), Answered { arrived: at(201), written: vec![at(301)] }),
        ]);
        let judged = judge(&asked, &notes, 1);
        assert_eq!(judged["firstQuestions"]["addedFirstTokenMs"]["max"], 10.0);
        assert_eq!(judged["firstQuestions"]["sendToUpstreamMs"]["max"], 9.0);
        assert_eq!(judged["laterQuestions"]["addedFirstTokenMs"]["max"], 2.0);
        assert_eq!(judged["laterQuestions"]["sendToUpstreamMs"]["max"], 1.0);
        assert_eq!(judged["addedFirstTokenMs"]["max"], 10.0, "the whole run still counts both");
    }
}
