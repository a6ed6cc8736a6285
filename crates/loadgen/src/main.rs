//! `chatbot-loadgen`: drives a running server over the real Socket.IO protocol and prints one JSON
//! line of results per scenario (SPEC §8). The server must allow the load: raise its limits, e.g.
//! `CHATBOT_REGISTRATIONS_PER_IP=100000 CHATBOT_SEND_RATE=1000000 CHATBOT_EVENTS_PER_SECOND=100000
//! CHATBOT_SOCKETS_PER_USER=10000`.

mod bare;
mod chat;
mod clock;
mod connect;
mod floor;
mod probe;
mod raw;
mod requests;
mod scenarios;
mod setup;
mod sio;
mod soak;
mod stats;
mod upstream;

use clap::{Parser, Subcommand};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "chatbot-loadgen", about = "Load generator for chatbot-socket")]
struct Cli {
    /// The server, e.g. http://127.0.0.1:3000; several instances of one deployment separated
    /// by commas: sockets are spread over them in turn (`sends`, `fanout`; the first one gets
    /// the REST calls and the fan-out's sender).
    #[arg(long, default_value = "http://127.0.0.1:3000", value_delimiter = ',')]
    base: Vec<String>,
    /// Loopback source addresses the sockets are spread over (127.0.0.1 up to 127.0.0.N) when
    /// the server is on loopback: each has ~28,000 ephemeral ports.
    #[arg(long, default_value_t = 1)]
    source_addresses: u8,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// S senders, each its own user and room, send with acks for a while: acked durable sends/s.
    Sends {
        #[arg(long, default_value_t = 200)]
        senders: usize,
        #[arg(long, default_value = "10s", value_parser = humantime_duration)]
        duration: Duration,
    },
    /// M sockets joined to one room receive K messages: delivery latency from send to receipt.
    Fanout {
        #[arg(long, default_value_t = 1000)]
        members: usize,
        /// Users the member sockets are spread over.
        #[arg(long, default_value_t = 10)]
        users: usize,
        #[arg(long, default_value_t = 200)]
        messages: usize,
        /// Pause between two messages.
        #[arg(long, default_value = "20ms", value_parser = humantime_duration)]
        interval: Duration,
        /// Threads reading the member sockets (default: one per core).
        #[arg(long)]
        readers: Option<usize>,
        /// Read the server's CPU time from /proc/<pid> (any server) instead of its /metrics.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// N authenticated sockets held at once: connect rate, failures, server RSS per socket.
    Connect {
        #[arg(long, default_value_t = 1000)]
        sockets: usize,
        /// Users the sockets are spread over (the server's sockets-per-user limit must allow it).
        #[arg(long, default_value_t = 10)]
        users: usize,
        /// Connects in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Read the server's RSS from /proc/<pid> (any server) instead of its /metrics.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// One user's authenticated REST requests, one after another, for each `--path`: requests
    /// per second, latency, server CPU per request.
    Requests {
        /// Paths to request (each in turn); repeat the flag for several.
        #[arg(long = "path", default_values_t = [String::from("/api/auth/me"), String::from("/api/rooms")])]
        paths: Vec<String>,
        /// Timed requests per path.
        #[arg(long, default_value_t = 5000)]
        requests: usize,
        /// Read the server's CPU time from /proc/<pid> (any server) instead of its /metrics.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// S sockets, each in its own room, ask the assistant; a mock OpenAI-compatible model in
    /// this process answers (start the server with `OPENAI_BASE_URL=http://<upstream>/v1`):
    /// what the server adds to the time to first token and to each chunk, tokens lost, server
    /// CPU and RSS.
    Chat(chat::Chat),
    /// Mixed load for a long time: chatters asking the mock model (as in `chat`) and senders
    /// posting plain messages at a steady pace; per window the latencies and the server's RSS,
    /// and how far the last window drifted from the first.
    Soak(soak::Soak),
    /// Runs the mock model of `chat` and `soak` in a process of its own until stopped: start them
    /// with `--external-upstream` and the same shape (`--upstream`, `--tokens`, `--first-token`,
    /// `--token-interval`); `--base` is not used.
    Upstream(upstream::MockArgs),
    /// Cross-instance delivery over time: a message every `interval` sent on the first
    /// instance, received on the second; reports which were not received live (run it while
    /// Redis is stopped and started, to time the recovery).
    RelayProbe {
        #[arg(long, default_value = "30s", value_parser = humantime_duration)]
        duration: Duration,
        #[arg(long, default_value = "100ms", value_parser = humantime_duration)]
        interval: Duration,
    },
    /// The machine's floor for `fanout`: the same sockets, frames and pace over bare loopback TCP,
    /// with no server at all (`--base` is not used).
    TcpFloor {
        #[arg(long, default_value_t = 1000)]
        sockets: usize,
        #[arg(long, default_value_t = 200)]
        messages: usize,
        #[arg(long, default_value = "20ms", value_parser = humantime_duration)]
        interval: Duration,
        /// Frame size in bytes; the default is about a `message` event with its WebSocket header
        /// (`fanout` reports the text frames' size as `frameBytes`).
        #[arg(long, default_value_t = 550)]
        bytes: usize,
        /// Writer threads (default: one per core).
        #[arg(long)]
        writers: Option<usize>,
        /// Reader threads (default: one per core, as in `fanout`).
        #[arg(long)]
        readers: Option<usize>,
    },
}

fn humantime_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 10s or 20ms"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("unknown unit in `{text}` (ms, s, m)")),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    sio::spread_over_sources(cli.source_addresses);
    let bases = &cli.base;
    let first = bases.first().map_or("http://127.0.0.1:3000", String::as_str);
    let result = match cli.scenario {
        Scenario::Sends { senders, duration } => scenarios::sends(bases, senders, duration).await?,
        Scenario::Fanout { members, users, messages, interval, readers, server_pid } => {
            let readers = readers.unwrap_or_else(cores);
            scenarios::fanout(bases, members, users, messages, interval, readers, server_pid).await?
        }
        Scenario::Connect { sockets, users, concurrency, server_pid } => {
            connect::connect(first, &connect::Connect { sockets, users, concurrency, server_pid }).await?
        }
        Scenario::Requests { paths, requests, server_pid } => {
            requests::requests(first, &requests::Requests { paths, requests, server_pid }).await?
        }
        Scenario::Chat(chat) => chat::chat(bases, &chat).await?,
        Scenario::Soak(soak) => soak::soak(bases, &soak).await?,
        Scenario::Upstream(mock) => {
            upstream::serve(mock.address, mock.shape).await?;
            eprintln!("loadgen: mock upstream listening on {}", mock.address);
            // It serves until the process is stopped.
            std::future::pending::<serde_json::Value>().await
        }
        Scenario::RelayProbe { duration, interval } => probe::relay_probe(bases, duration, interval).await?,
        Scenario::TcpFloor { sockets, messages, interval, bytes, writers, readers } => {
            let (writers, readers) = (writers.unwrap_or_else(cores), readers.unwrap_or_else(cores));
            let shape = floor::Floor { sockets, messages, interval, bytes, writers, readers };
            tokio::task::spawn_blocking(move || floor::tcp_floor(&shape)).await??
        }
    };
    println!("{result}");
    Ok(())
}
