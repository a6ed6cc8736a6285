//! A minimal Socket.IO client over the WebSocket transport: Engine.IO v4 framing, Socket.IO v5
//! packets, one namespace, acks. Enough to hold thousands of sockets from one process, which
//! headless browsers or the Node client cannot.
//!
//! Frames (text): `0{…}` open, `2`/`3` ping/pong, `40/chat,{auth}` connect, `44/chat,{…}` connect
//! error, `42/chat,[event, data]` event, `42/chat,<id>[event, data]` event wanting an ack,
//! `43/chat,<id>[data]` ack.

use anyhow::{Context, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Longest a connection and its namespace handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 8 * 1024;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;
type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// An event received from the server, with the time its frame was read. The frame is kept as
/// received (no copy) and parsed on demand, so that receiving costs the generator as little as
/// possible: with a thousand sockets on the same two cores as the server, parsing every frame on
/// arrival delayed the later sockets' reads and showed up in the latencies measured.
pub struct Incoming {
    /// The whole frame, `42/chat,[event, data]`.
    frame: Utf8Bytes,
    /// Where `[event, data]` starts in `frame`.
    body_start: usize,
    pub at: Instant,
}

impl Incoming {
    /// The event's name and data (`Null` without data); `None` if the frame is not an event array.
    pub fn parse(&self) -> Option<(String, Value)> {
        let body = self.frame.as_str().get(self.body_start..)?;
        let Ok(Value::Array(mut parts)) = serde_json::from_str::<Value>(body) else {
            return None;
        };
        let data = if parts.len() > 1 { parts.swap_remove(1) } else { Value::Null };
        match parts.into_iter().next() {
            Some(Value::String(event)) => Some((event, data)),
            _ => None,
        }
    }

    /// An event frame read by [`crate::raw`]: `frame` is `42<namespace>,[event, data]`.
    pub fn from_frame(frame: String, namespace: &str, at: Instant) -> Self {
        Self { frame: Utf8Bytes::from(frame), body_start: 3 + namespace.len(), at }
    }

    /// Whether this is event `name` (read from the frame, not parsed).
    pub fn is(&self, name: &str) -> bool {
        self.frame
            .as_str()
            .get(self.body_start..)
            .and_then(|body| body.strip_prefix("[\"")?.strip_prefix(name))
            .is_some_and(|rest| rest.starts_with('"'))
    }

    /// Whether the frame's text holds `needle` (not parsed).
    pub fn contains(&self, needle: &str) -> bool {
        self.frame.as_str().contains(needle)
    }

    /// The frame's length in bytes, WebSocket header excluded.
    pub fn frame_len(&self) -> usize {
        self.frame.len()
    }
}

/// What the task driving a socket is asked to do.
enum Command {
    /// A frame to write, and who wants to know when its writing began.
    Send(Message, Option<oneshot::Sender<Instant>>),
    /// Stop driving the socket and hand its connection over.
    Release(oneshot::Sender<Ws>),
}

/// One connected socket on one namespace.
pub struct SioClient {
    namespace: String,
    commands: mpsc::UnboundedSender<Command>,
    pending: Pending,
    next_ack: AtomicU64,
    /// Events pushed by the server, in arrival order.
    pub events: mpsc::UnboundedReceiver<Incoming>,
}

impl SioClient {
    /// Connects `ws://host:port/socket.io/` and the namespace with `{token}` as auth; returns once
    /// the server accepted the namespace.
    pub async fn connect(base: &str, namespace: &str, token: &str) -> anyhow::Result<Self> {
        // A server at its connection limit leaves new connections in its listen backlog: count
        // them as failed rather than wait for ever.
        tokio::time::timeout(HANDSHAKE_TIMEOUT, Self::handshake(base, namespace, token))
            .await
            .map_err(|_| anyhow!("no Socket.IO connection within {HANDSHAKE_TIMEOUT:?}"))?
    }

    async fn handshake(base: &str, namespace: &str, token: &str) -> anyhow::Result<Self> {
        let url = format!("{}/socket.io/?EIO=4&transport=websocket", base.replacen("http", "ws", 1));
        // tungstenite zero-fills its whole read buffer (128 KiB by default) before every read;
        // frames here are small.
        let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
        let tcp = tcp_to(base).await.with_context(|| format!("connect {url}"))?;
        tcp.set_nodelay(true)?;
        let (ws, _) =
            tokio_tungstenite::client_async_with_config(&url, MaybeTlsStream::Plain(tcp), Some(config))
                .await
                .with_context(|| format!("connect {url}"))?;
        let mut ws = ws;
        let open = next_text(&mut ws).await?;
        if !open.starts_with('0') {
            bail!("expected an Engine.IO open packet, got {open}");
        }
        ws.send(Message::text(format!("40{namespace},{}", json!({ "token": token })))).await?;
        loop {
            let frame = next_text(&mut ws).await?;
            if frame == "2" {
                ws.send(Message::text("3")).await?;
            } else if frame.starts_with(&format!("40{namespace},")) {
                break;
            } else if let Some(error) = frame.strip_prefix(&format!("44{namespace},")) {
                bail!("connect_error: {error}");
            }
        }
        let (commands, received) = mpsc::unbounded_channel();
        let pending: Pending = Arc::default();
        let (events_tx, events) = mpsc::unbounded_channel();
        tokio::spawn(drive(ws, namespace.to_owned(), received, pending.clone(), events_tx));
        Ok(Self { namespace: namespace.to_owned(), commands, pending, next_ack: AtomicU64::new(1), events })
    }

    /// Stops driving the socket and returns its TCP connection (non-blocking), for a reader that
    /// handles many sockets at once ([`crate::raw`]). Call it only while the server is quiet:
    /// bytes already read but not yet parsed would be lost.
    pub async fn into_tcp(self) -> anyhow::Result<std::net::TcpStream> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Release(tx)).map_err(|_| anyhow!("socket closed"))?;
        let ws = rx.await.context("socket closed before its handover")?;
        match ws.into_inner() {
            MaybeTlsStream::Plain(tcp) => Ok(tcp.into_std()?),
            _ => bail!("only plain ws:// connections can be handed over"),
        }
    }

    /// Emits an event and waits for its ack.
    pub async fn emit_with_ack(&self, event: &str, data: &Value, timeout: Duration) -> anyhow::Result<Value> {
        self.emit(event, data, timeout, None).await
    }

    /// Emits an event and waits for its ack; also returns when the socket's task began writing
    /// the frame. The emit reaches that task through a channel, a hop between tasks (and, when
    /// its thread was parked, between threads) that is the load generator's own time: latencies
    /// counted from this instant leave it out.
    pub async fn emit_with_ack_timed(
        &self,
        event: &str,
        data: &Value,
        timeout: Duration,
    ) -> anyhow::Result<(Instant, Value)> {
        let (tx, rx) = oneshot::channel();
        let ack = self.emit(event, data, timeout, Some(tx)).await?;
        // The task stamps the frame before it writes it, so before any ack can come.
        let written = rx.await.context("socket closed before the frame was written")?;
        Ok((written, ack))
    }

    async fn emit(
        &self,
        event: &str,
        data: &Value,
        timeout: Duration,
        written: Option<oneshot::Sender<Instant>>,
    ) -> anyhow::Result<Value> {
        let id = self.next_ack.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().map_err(|_| anyhow!("poisoned"))?.insert(id, tx);
        let frame = format!("42{},{id}{}", self.namespace, json!([event, data]));
        self.commands
            .send(Command::Send(Message::text(frame), written))
            .map_err(|_| anyhow!("socket closed"))?;
        tokio::time::timeout(timeout, rx)
            .await
            .context("ack timed out")?
            .context("socket closed before the ack")
    }
}

/// Loopback source addresses the sockets are spread over: 127.0.0.1 up to 127.0.0.N. One address
/// has ~28,000 ephemeral ports (`net.ipv4.ip_local_port_range`); more sockets to one server need
/// more addresses (the whole of 127.0.0.0/8 is loopback).
static SOURCE_ADDRESSES: AtomicU8 = AtomicU8::new(1);
static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);

/// Spreads the sockets over `n` loopback source addresses (at least one).
pub fn spread_over_sources(n: u8) {
    SOURCE_ADDRESSES.store(n.max(1), Ordering::Relaxed);
}

/// A TCP connection to `base` (`http://host:port`), from the next loopback source address when
/// the server is on loopback and several are configured.
async fn tcp_to(base: &str) -> anyhow::Result<TcpStream> {
    let authority = base.split_once("://").map_or(base, |(_, rest)| rest);
    let authority = authority.split('/').next().unwrap_or(authority);
    let server = tokio::net::lookup_host(authority)
        .await?
        .next()
        .with_context(|| format!("no address for {authority}"))?;
    let sources = SOURCE_ADDRESSES.load(Ordering::Relaxed);
    match server {
        SocketAddr::V4(v4) if v4.ip().is_loopback() && sources > 1 => {
            let k = NEXT_SOURCE.fetch_add(1, Ordering::Relaxed) % usize::from(sources);
            let source = Ipv4Addr::new(127, 0, 0, 1 + u8::try_from(k).unwrap_or(0));
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from((source, 0))).with_context(|| format!("bind {source}"))?;
            Ok(socket.connect(server).await?)
        }
        _ => Ok(TcpStream::connect(server).await?),
    }
}

async fn next_text<S>(read: &mut S) -> anyhow::Result<String>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match read.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(Message::Close(_))) | None => bail!("connection closed"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
        }
    }
}

/// Owns the socket: writes what the client queues, reads what the server pushes. One task per
/// socket, without splitting the stream into halves behind a lock (that lock, and a task per
/// half, cost the generator measurably per frame in the fan-out scenario).
async fn drive(
    mut ws: Ws,
    namespace: String,
    mut commands: mpsc::UnboundedReceiver<Command>,
    pending: Pending,
    events: mpsc::UnboundedSender<Incoming>,
) {
    let event_prefix = format!("42{namespace},");
    let ack_prefix = format!("43{namespace},");
    loop {
        tokio::select! {
            biased;
            frame = ws.next() => {
                let at = Instant::now();
                let frame = match frame {
                    Some(Ok(Message::Text(frame))) => frame,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                if frame.as_str() == "2" {
                    if ws.send(Message::text("3")).await.is_err() {
                        break;
                    }
                } else if frame.starts_with(event_prefix.as_str()) {
                    let _ = events.send(Incoming { frame, body_start: event_prefix.len(), at });
                } else if let Some(body) = frame.strip_prefix(ack_prefix.as_str()) {
                    resolve_ack(&pending, body);
                }
            }
            command = commands.recv() => match command {
                Some(Command::Send(message, written)) => {
                    if let Some(written) = written {
                        let _ = written.send(Instant::now());
                    }
                    if ws.send(message).await.is_err() {
                        break;
                    }
                }
                Some(Command::Release(to)) => {
                    let _ = to.send(ws);
                    return;
                }
                None => break,
            },
        }
    }
    // Closed: acks still awaited will never come; their emits fail now, not at their timeout.
    if let Ok(mut waiting) = pending.lock() {
        waiting.clear();
    }
}

/// Hands an ack's data (`<id>[data]`) to the emit waiting for it.
fn resolve_ack(pending: &Pending, body: &str) {
    let digits = body.chars().take_while(char::is_ascii_digit).count();
    let (id, rest) = body.split_at(digits);
    if let (Ok(id), Ok(Value::Array(mut parts))) = (id.parse::<u64>(), serde_json::from_str::<Value>(rest)) {
        let sender = pending.lock().ok().and_then(|mut p| p.remove(&id));
        if let (Some(sender), false) = (sender, parts.is_empty()) {
            let _ = sender.send(parts.swap_remove(0));
        }
    }
}
