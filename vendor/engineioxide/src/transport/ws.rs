//! The ws transport module is responsible for handling websocket connections
//! The only public function is [`new_req`] which is used to upgrade a http request to a websocket connection
//!
//! Other functions are used internally to handle the websocket connection through tasks and channels
//! and to handle upgrade from polling to ws

use std::{sync::Arc, task::Poll, time::Duration};

use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, request::Parts};
use smallvec::smallvec;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    time::Instant,
};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{
        self, Message,
        handshake::derive_accept_key,
        protocol::{Role, WebSocketConfig},
    },
};
use tokio_util::future::FutureExt as _;

use engineioxide_core::{Packet, PacketBuf, ProtocolVersion, Sid, Str, TransportType};

use crate::{
    DisconnectReason, Socket, body::ResponseBody, config::EngineIoConfig, engine::EngineIo,
    errors::Error, handler::EngineIoHandler, socket::InternalRx, transport::make_open_packet,
};

/// Create a response for websocket upgrade
fn ws_response<B>(ws_key: &HeaderValue) -> Response<ResponseBody<B>> {
    let derived = derive_accept_key(ws_key.as_bytes());
    let sec = derived.parse::<HeaderValue>().unwrap();
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(http::header::UPGRADE, HeaderValue::from_static("websocket"))
        .header(
            http::header::CONNECTION,
            HeaderValue::from_static("Upgrade"),
        )
        .header(http::header::SEC_WEBSOCKET_ACCEPT, sec)
        .body(ResponseBody::empty_response())
        .unwrap() // we are only using constants
}

/// Upgrade a websocket request to create a websocket connection.
///
/// If a sid is provided in the query it means that is is upgraded from an existing HTTP polling request.
/// In this case the http polling request is closed and the SID is kept for the websocket
pub fn new_req<R: Send + 'static, B, H: EngineIoHandler>(
    engine: Arc<EngineIo<H>>,
    protocol: ProtocolVersion,
    sid: Option<Sid>,
    req: Request<R>,
) -> Result<Response<ResponseBody<B>>, Error> {
    let (mut parts, body) = req.into_parts();
    let req = Request::from_parts(parts.clone(), body);

    // chatbot-socket patch: the key answers the upgrade; the session, which keeps the parts for
    // its life, does not need it (and a map left empty holds no memory).
    let ws_key = parts
        .headers
        .remove(http::header::SEC_WEBSOCKET_KEY)
        .ok_or(Error::InvalidWebSocketKey)?;
    if parts.headers.is_empty() {
        parts.headers = http::HeaderMap::new();
    }

    // chatbot-socket patch: the upgrade and the handshake run in a boxed future, freed once the
    // connection is open. A future keeps what it captured for its whole life: the task's
    // long-lived future captures only that box, not the request and its parts (`Parts` alone is
    // 224 bytes, and the task held two copies for as long as the connection).
    let opening = Box::pin(async move {
        let conn = match hyper::upgrade::on(req).await {
            Ok(conn) => hyper_util::rt::TokioIo::new(conn),
            Err(_e) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("ws upgrade error: {}", _e);
                return None;
            }
        };
        match open_ws(&engine, conn, protocol, sid, parts).await {
            Ok((socket, ws, heartbeat)) => Some((engine, socket, ws, heartbeat)),
            Err(Error::MultipleWebsocketRequests) => None,
            Err(_e) => {
                #[cfg(feature = "tracing")]
                tracing::debug!(?sid, "ws closed with error: {_e}");
                if let Some(sid) = sid {
                    engine.close_session(sid, DisconnectReason::TransportError);
                }
                None
            }
        }
    });
    tokio::spawn(async move {
        let Some((engine, socket, ws, heartbeat)) = opening.await else {
            return;
        };
        run_connection(&engine, &socket, ws, heartbeat).await;
        #[cfg(feature = "tracing")]
        tracing::debug!(sid = ?socket.id, "ws closed");
    });

    Ok(ws_response(&ws_key))
}

/// Handle a websocket connection upgrade
///
/// Sends an open packet if it is not an upgrade from a polling request
///
/// Read packets from the websocket and handle them, it will block until the connection is closed
#[cfg_attr(
    feature = "tracing",
    tracing::instrument(level = "trace", name = "init_websocket", skip(engine, conn, req_data))
)]
pub async fn on_init<H: EngineIoHandler, S>(
    engine: Arc<EngineIo<H>>,
    conn: S,
    protocol: ProtocolVersion,
    sid: Option<Sid>,
    req_data: Parts,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // chatbot-socket patch: the handshake (and a polling upgrade's) runs in a future of its own on
    // the heap, freed when it is done, instead of widening this future, which lives as long as
    // the connection, by all of its state (PATCHES.md).
    let (socket, ws, heartbeat) = Box::pin(open_ws(&engine, conn, protocol, sid, req_data)).await?;
    run_connection(&engine, &socket, ws, heartbeat).await;
    Ok(())
}

/// chatbot-socket patch: the first part of [`on_init`], boxed by it: the session (new, or the
/// polling one being upgraded), the WebSocket stream and its handshake. Returns the heartbeat the
/// connection's own task keeps, for a new Engine.IO v4 session; an upgraded session keeps the one
/// its polling transport started, and a v3 session the task of its own.
async fn open_ws<H: EngineIoHandler, S>(
    engine: &Arc<EngineIo<H>>,
    conn: S,
    protocol: ProtocolVersion,
    sid: Option<Sid>,
    req_data: Parts,
) -> Result<(Arc<Socket<H::Data>>, WebSocketStream<S>, Option<Heartbeat>), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(engine.config.ws_read_buffer_size)
        .max_message_size(Some(engine.config.ws_max_message_size))
        .max_frame_size(Some(engine.config.ws_max_frame_size));

    let ws_init = move || WebSocketStream::from_raw_socket(conn, Role::Server, Some(ws_config));
    let (socket, ws, heartbeat) = if let Some(sid) = sid {
        match engine.get_socket(sid) {
            None => return Err(Error::UnknownSessionID(sid)),
            Some(socket) if socket.is_ws() => return Err(Error::MultipleWebsocketRequests),
            Some(socket) => {
                let mut ws = ws_init().await;

                let upgrade_fut = upgrade_handshake::<H, S>(&socket, &mut ws);
                match tokio::time::timeout(engine.config.upgrade_timeout, upgrade_fut)
                    .with_cancellation_token(&socket.cancellation_token)
                    .await
                {
                    Some(Ok(res)) => res?,
                    Some(Err(_)) => {
                        #[cfg(feature = "tracing")]
                        tracing::debug!(?sid, "ws upgrade timed out, closing session");
                        engine.close_session(socket.id, DisconnectReason::TransportError);
                        return Err(Error::Upgrade);
                    }
                    None => {
                        #[cfg(feature = "tracing")]
                        tracing::debug!(?sid, "socket is being closed");
                        return Err(Error::Upgrade);
                    }
                }
                (socket, ws, None)
            }
        }
    } else {
        let socket = engine.create_session(protocol, TransportType::Websocket, req_data, false);

        #[cfg(feature = "tracing")]
        tracing::debug!("new websocket connection");

        let mut ws = ws_init().await;
        init_handshake(socket.id, &mut ws, &engine.config).await?;
        let heartbeat = match protocol {
            ProtocolVersion::V4 => Some(Heartbeat::new(
                engine.config.ping_interval,
                engine.config.ping_timeout,
            )),
            #[allow(unreachable_patterns)]
            _ => {
                socket
                    .clone()
                    .spawn_heartbeat(engine.config.ping_interval, engine.config.ping_timeout);
                None
            }
        };
        (socket, ws, heartbeat)
    };
    Ok((socket, ws, heartbeat))
}

/// chatbot-socket patch: how long a closing connection may take to write what was queued before
/// it was closed (a disconnect packet, a close packet) and its close frame. Upstream's writer
/// waited for these without a bound, so a peer that stopped reading kept the task, its buffers
/// and its socket until the kernel gave up on the connection.
const CLOSING_GRACE: Duration = Duration::from_secs(5);

/// chatbot-socket patch: the server's side of the Engine.IO v4 heartbeat, kept by the
/// connection's task instead of a task of its own: a ping every `interval`, the first one
/// `interval` after the handshake as the protocol's reference server does (upstream sent one at
/// once), and the connection closed when no pong came back within `timeout`.
#[derive(Debug)]
struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    /// When the last ping was sent (or the connection opened): the schedule's origin.
    last_ping: Instant,
    awaiting_pong: bool,
}

impl Heartbeat {
    fn new(interval: Duration, timeout: Duration) -> Self {
        Self {
            interval,
            timeout,
            last_ping: Instant::now(),
            awaiting_pong: false,
        }
    }

    /// When the timer should next wake the connection: to send a ping, or to give up on a pong.
    fn deadline(&self) -> Instant {
        if self.awaiting_pong {
            self.last_ping + self.timeout
        } else {
            self.last_ping + self.interval
        }
    }

    fn pong(&mut self) {
        self.awaiting_pong = false;
    }
}

/// How a connection's loop ended.
enum Ended {
    /// The session was closed (by the server, the heartbeat, or the peer's close packet).
    Cancelled,
    /// The peer ended the WebSocket; the session is still to be closed, for this reason.
    Transport(DisconnectReason),
}

/// chatbot-socket patch: one task per WebSocket connection. Upstream ran three for each: this
/// one reading, a writer forwarding the socket's queue, and the heartbeat; each kept a future
/// and a task cell for the connection's life (about 5 KB a socket, docs/decisions/025 and 028).
/// Here a single loop reads the peer's frames, writes what is queued (flushing once the queue is
/// drained, as upstream's writer did), keeps the heartbeat, and stops when the session is
/// closed.
///
/// The loop is written with `poll` calls rather than `select!` over `async` writes: the task
/// keeps its future for the connection's life, and nested `async` writes (each holding its
/// packets and its sink future, arguments stored twice) made that future about 4.5 KB; polled by
/// hand it holds the WebSocket, the timer and a few flags. A frame handed to the WebSocket is in
/// its write buffer at once (`start_send` never waits), so only the flush waits for the peer.
fn run_connection<'a, H: EngineIoHandler, S>(
    engine: &'a Arc<EngineIo<H>>,
    socket: &'a Arc<Socket<H::Data>>,
    mut ws: WebSocketStream<S>,
    mut heartbeat: Option<Heartbeat>,
) -> impl Future<Output = ()> + 'a
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // An `async` block rather than an `async fn`: the block works on what it captured, where an
    // `async fn` moves each argument into a local of its own and keeps both (the WebSocket twice).
    async move {
        let token = &socket.cancellation_token;
        // A polling request that was in progress during the upgrade may still hold the lock; a free
        // lock is taken even when the session was closed meanwhile, so that what was queued is sent.
        // This wait and the closing below run boxed: their futures would otherwise widen the one
        // the loop keeps for the connection's life.
        let lock = Box::pin(async {
            tokio::select! {
                biased;
                guard = socket.internal_rx.lock() => Some(guard),
                () = token.cancelled() => None,
            }
        });
        let Some(mut internal_rx) = lock.await else {
            #[cfg(feature = "tracing")]
            tracing::debug!(sid = %socket.id, "session closed before the ws connection started");
            let _closed = Box::pin(tokio::time::timeout(CLOSING_GRACE, ws.close(None))).await;
            return;
        };
        let InternalRx { buffered_rx, .. } = &mut *internal_rx;

        let timer = tokio::time::sleep_until(
            heartbeat
                .as_ref()
                .map_or_else(Instant::now, Heartbeat::deadline),
        );
        let cancelled = token.cancelled();
        tokio::pin!(timer, cancelled);
        // Frames handed to the WebSocket and not flushed yet.
        let mut unflushed = false;

        let ended = std::future::poll_fn(|cx| {
            loop {
                if cancelled.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ended::Cancelled);
                }
                let mut progress = false;

                // The peer's frames.
                match ws.poll_next_unpin(cx) {
                    Poll::Ready(None) => {
                        return Poll::Ready(Ended::Transport(DisconnectReason::TransportClose));
                    }
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Ended::failed(Error::from(e))),
                    Poll::Ready(Some(Ok(msg))) => {
                        progress = true;
                        match on_ws_message(engine, socket, msg) {
                            Ok(Received::Frame) => {}
                            Ok(Received::Heartbeat) => match heartbeat.as_mut() {
                                Some(beat) => beat.pong(),
                                // One pending signal at most: the client is known to be alive.
                                None => socket.heartbeat.notify_one(),
                            },
                            Ok(Received::Close) => return Poll::Ready(Ended::Cancelled),
                            Err(e) => return Poll::Ready(Ended::failed(e)),
                        }
                    }
                    Poll::Pending => {}
                }

                // What is queued, while the WebSocket takes frames.
                loop {
                    match ws.poll_ready_unpin(cx) {
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(e)) => return Poll::Ready(Ended::failed(Error::from(e))),
                        Poll::Pending => break,
                    }
                    let packets = match buffered_rx.poll_recv(cx) {
                        Poll::Ready(Some(packets)) => packets,
                        Poll::Ready(None) => return Poll::Ready(Ended::Cancelled),
                        Poll::Pending => break,
                    };
                    progress = true;
                    if let Err(e) = start_send_packets(&mut ws, socket.protocol, packets) {
                        return Poll::Ready(Ended::failed(e));
                    }
                    unflushed = true;
                }

                // The heartbeat: a ping due, or a pong overdue. A timer that fired early (it was
                // set for the pong a frame just answered) is armed again below, not acted on.
                if let Some(beat) = heartbeat.as_mut()
                    && timer.as_mut().poll(cx).is_ready()
                    && Instant::now() >= beat.deadline()
                {
                    if beat.awaiting_pong {
                        #[cfg(feature = "tracing")]
                        tracing::debug!(sid = %socket.id, "heartbeat timeout");
                        // Closing cancels the session: the loop ends here.
                        socket.close(DisconnectReason::HeartbeatTimeout);
                        return Poll::Ready(Ended::Cancelled);
                    }
                    match ws.poll_ready_unpin(cx) {
                        Poll::Ready(Ok(())) => {
                            #[cfg(feature = "tracing")]
                            tracing::trace!(sid = %socket.id, "emitting ping");
                            let ping = Message::Text(String::from(Packet::Ping).into());
                            if let Err(e) = ws.start_send_unpin(ping) {
                                return Poll::Ready(Ended::failed(Error::from(e)));
                            }
                            unflushed = true;
                            beat.last_ping = Instant::now();
                            beat.awaiting_pong = true;
                            progress = true;
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Ended::failed(Error::from(e))),
                        // The ping goes once the peer has read what was written before it.
                        Poll::Pending => {}
                    }
                }
                // Whatever changed the heartbeat's state (a pong, a ping, an early wake-up) moves
                // the timer to its next deadline.
                if let Some(beat) = heartbeat.as_ref()
                    && timer.deadline() != beat.deadline()
                {
                    timer.as_mut().reset(beat.deadline());
                    progress = true;
                }

                if unflushed {
                    match ws.poll_flush_unpin(cx) {
                        Poll::Ready(Ok(())) => unflushed = false,
                        Poll::Ready(Err(e)) => return Poll::Ready(Ended::failed(Error::from(e))),
                        Poll::Pending => {}
                    }
                }
                if !progress {
                    return Poll::Pending;
                }
            }
        })
        .await;

        if let Ended::Transport(reason) = ended {
            engine.close_session(socket.id, reason);
        }

        // What was queued before the session closed (a disconnect or close packet) is still written,
        // then the close frame, within a bound.
        let mut queued_taken = false;
        let closing = std::future::poll_fn(|cx| {
            if !queued_taken {
                queued_taken = true;
                while let Ok(packets) = buffered_rx.try_recv() {
                    start_send_packets(&mut ws, socket.protocol, packets)?;
                }
            }
            ws.poll_close_unpin(cx).map_err(Error::from)
        });
        let _closed = Box::pin(tokio::time::timeout(CLOSING_GRACE, closing)).await;
        #[cfg(feature = "tracing")]
        tracing::trace!(sid = %socket.id, "ws closed: {_closed:?}");
    }
}

impl Ended {
    /// The loop ended on an error of the transport or of the peer's packets.
    fn failed(e: Error) -> Self {
        #[cfg(feature = "tracing")]
        tracing::debug!("ws transport error: {e:?}");
        Ended::Transport(
            Option::<DisconnectReason>::from(&e).unwrap_or(DisconnectReason::TransportError),
        )
    }
}

/// Hands packets to the WebSocket's write buffer as frames; it never waits (the flush does).
fn start_send_packets<S>(
    ws: &mut WebSocketStream<S>,
    protocol: ProtocolVersion,
    packets: PacketBuf,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    for packet in packets {
        let frame = match packet {
            Packet::Binary(bin) | Packet::BinaryV3(bin) if protocol == ProtocolVersion::V3 => {
                // v3 protocol requires packet type as the first byte.
                // This requires a new buffer. This is OK as it is only for the V3 protocol.
                let mut buff = Vec::with_capacity(bin.len() + 1);
                buff.push(0x04);
                buff.extend(bin);
                Message::Binary(buff.into())
            }
            Packet::Binary(bin) | Packet::BinaryV3(bin) => Message::Binary(bin),
            // A Noop Packet maybe sent by the server to upgrade from a polling connection
            // In the case that the packet was not poll in time it will remain in the buffer and therefore
            // it should be discarded here
            Packet::Noop => continue,
            packet => Message::Text(String::from(packet).into()),
        };
        ws.start_send_unpin(frame)?;
    }
    Ok(())
}

/// What a frame from the peer meant for the connection's loop.
enum Received {
    Frame,
    /// A pong (v4) or a ping (v3): the peer is alive.
    Heartbeat,
    /// The peer closed the session; it is closed.
    Close,
}

/// Hands a frame from the peer to the session's handler.
fn on_ws_message<H: EngineIoHandler>(
    engine: &Arc<EngineIo<H>>,
    socket: &Arc<Socket<H::Data>>,
    msg: Message,
) -> Result<Received, Error> {
    match msg {
        Message::Text(msg) => match Packet::parse(socket.protocol, ws_bytes_to_str(msg))? {
            Packet::Close => {
                #[cfg(feature = "tracing")]
                tracing::debug!("[sid={}] closing session", socket.id);
                engine.close_session(socket.id, DisconnectReason::TransportClose);
                Ok(Received::Close)
            }
            Packet::Pong | Packet::Ping => Ok(Received::Heartbeat),
            Packet::Message(msg) => {
                engine.handler.on_message(msg, socket.clone());
                Ok(Received::Frame)
            }
            p => Err(Error::BadPacket(p)),
        },
        Message::Binary(mut data) => {
            if socket.protocol == ProtocolVersion::V3 && !data.is_empty() {
                // The first byte is the message type, which we don't need.
                data = data.split_off(1);
            }
            engine.handler.on_binary(data, socket.clone());
            Ok(Received::Frame)
        }
        Message::Close(_) => {
            #[cfg(feature = "tracing")]
            tracing::debug!("websocket closed, closing session");
            engine.close_session(socket.id, DisconnectReason::TransportClose);
            Ok(Received::Close)
        }
        _ => {
            #[cfg(feature = "tracing")]
            tracing::debug!(sid = ?socket.id, "unexpected ws message");
            Ok(Received::Frame)
        }
    }
}

/// Send a Engine.IO [`OpenPacket`] to initiate a websocket connection
async fn init_handshake<S>(
    sid: Sid,
    ws: &mut WebSocketStream<S>,
    config: &EngineIoConfig,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let packet = Packet::Open(make_open_packet(TransportType::Websocket, sid, config));
    let packet: String = packet.into();
    ws.send(Message::Text(packet.into())).await?;
    Ok(())
}

/// Upgrade a session from a polling request to a websocket request.
///
/// Before upgrading the session the server should send a NOOP packet to any pending polling request.
///
/// ## Handshake :
/// ```text
/// CLIENT                                                 SERVER
///│                                                      │
///│   GET /engine.io/?EIO=4&transport=websocket&sid=...  │
///│ ───────────────────────────────────────────────────► │
///│  ◄─────────────────────────────────────────────────┘ │
///│            HTTP 101 (WebSocket handshake)            │
///│                                                      │
///│            -----  WebSocket frames -----             │
///│  ─────────────────────────────────────────────────►  │
///│                         2probe                       │ (ping packet)
///│  ◄─────────────────────────────────────────────────  │
///│                         3probe                       │ (pong packet)
///│  ─────────────────────────────────────────────────►  │
///│                         5                            │ (upgrade packet)
///│                                                      │
///│            -----  WebSocket frames -----             │
/// ```
#[cfg_attr(
    feature = "tracing",
    tracing::instrument(level = "trace", skip(socket, ws))
)]
async fn upgrade_handshake<H: EngineIoHandler, S>(
    socket: &Arc<Socket<H::Data>>,
    ws: &mut WebSocketStream<S>,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    #[cfg(feature = "tracing")]
    tracing::debug!("starting websocket connection upgrade");

    // The socket is upgrading, from now on all polling
    // request will return a `Packet::Noop`
    socket.start_upgrade();

    // We send a last Noop request to close a potential waiting polling request.
    socket
        .internal_tx
        .send(Box::new(smallvec![Packet::Noop]))
        .await
        .map_err(|_| Error::Upgrade)?;

    // wait for any current polling connection to finish by waiting for the socket to be unlocked
    // All other polling connection will be immediately closed with a NOOP packet.
    let _lock = socket.internal_rx.lock().await;

    // Fetch the next packet from the ws stream, it should be a PingUpgrade packet
    let msg = match ws.next().await {
        Some(Ok(Message::Text(d))) => d,
        _ => Err(Error::Upgrade)?,
    };
    match Packet::parse(socket.protocol, ws_bytes_to_str(msg))? {
        Packet::PingUpgrade => {
            #[cfg(feature = "tracing")]
            tracing::debug!("received first ping upgrade");
            // Respond with a PongUpgrade packet
            ws.send(Message::Text(String::from(Packet::PongUpgrade).into()))
                .await?;
        }
        p => Err(Error::BadPacket(p))?,
    };

    // Fetch the next packet from the ws stream, it should be an Upgrade packet
    let msg = match ws.next().await {
        Some(Ok(Message::Text(d))) => d,
        Some(Ok(Message::Close(_))) => {
            #[cfg(feature = "tracing")]
            tracing::debug!("ws stream closed before upgrade");
            Err(Error::Upgrade)?
        }
        _ => {
            #[cfg(feature = "tracing")]
            tracing::debug!("unexpected ws message before upgrade");
            Err(Error::Upgrade)?
        }
    };
    match Packet::parse(socket.protocol, ws_bytes_to_str(msg))? {
        Packet::Upgrade => {
            #[cfg(feature = "tracing")]
            tracing::debug!("ws upgraded successfully")
        }
        p => Err(Error::BadPacket(p))?,
    };

    socket.upgrade_to_websocket();
    Ok(())
}

fn ws_bytes_to_str(bytes: tungstenite::Utf8Bytes) -> Str {
    // SAFETY: the bytes are guaranteed to be valid UTF-8 by the tungstenite parser
    unsafe { Str::from_bytes_unchecked(bytes.into()) }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use futures_util::StreamExt;
    use http::Request;
    use tokio::io::DuplexStream;

    use super::*;
    use crate::socket::DisconnectReason;

    const TIMEOUT: Duration = Duration::from_secs(1);

    #[derive(Debug)]
    struct StubHandler;
    impl EngineIoHandler for StubHandler {
        type Data = ();
        fn on_connect(self: Arc<Self>, _: Arc<Socket<()>>) {}
        fn on_disconnect(&self, _: Arc<Socket<()>>, _: DisconnectReason) {}
        fn on_message(self: &Arc<Self>, msg: Str, socket: Arc<Socket<()>>) {
            socket.emit(msg).ok();
        }
        fn on_binary(self: &Arc<Self>, _: Bytes, _: Arc<Socket<()>>) {}
    }

    fn engine(interval: Duration, timeout: Duration) -> Arc<EngineIo<StubHandler>> {
        let config = EngineIoConfig::builder()
            .ping_interval(interval)
            .ping_timeout(timeout)
            .build();
        Arc::new(EngineIo::new(Arc::new(StubHandler), config))
    }

    fn session(engine: &Arc<EngineIo<StubHandler>>) -> Arc<Socket<()>> {
        engine.create_session(
            ProtocolVersion::V4,
            TransportType::Websocket,
            Request::<()>::default().into_parts().0,
            false,
        )
    }

    async fn ws_pair() -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
        let (server, client) = tokio::io::duplex(1024);
        (
            WebSocketStream::from_raw_socket(server, Role::Server, None).await,
            WebSocketStream::from_raw_socket(client, Role::Client, None).await,
        )
    }

    async fn next_frame(client: &mut WebSocketStream<DuplexStream>) -> Message {
        tokio::time::timeout(TIMEOUT, client.next())
            .await
            .expect("a frame should come")
            .expect("the stream should be open")
            .expect("the frame should be valid")
    }

    /// A polling request can still hold the lock at the end of an upgrade.
    #[tokio::test]
    async fn connection_waits_for_the_lock_of_a_polling_request() {
        let engine = engine(Duration::from_secs(25), Duration::from_secs(20));
        let socket = session(&engine);
        let (server, mut client) = ws_pair().await;

        let polling = socket.internal_rx.lock().await;
        let conn = tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move { run_connection(&engine, &socket, server, None).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !conn.is_finished(),
            "the connection should wait for the lock"
        );

        drop(polling);
        socket.emit(Str::from("hello")).unwrap();
        assert_eq!(next_frame(&mut client).await, Message::text("4hello"));
    }

    #[tokio::test]
    async fn connection_waiting_for_the_lock_stops_with_the_session() {
        let engine = engine(Duration::from_secs(25), Duration::from_secs(20));
        let socket = session(&engine);
        let (server, _client) = ws_pair().await;

        let _polling = socket.internal_rx.lock().await;
        let conn = tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move { run_connection(&engine, &socket, server, None).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;

        engine.close_session(socket.id, DisconnectReason::ClosingServer);
        tokio::time::timeout(TIMEOUT, conn)
            .await
            .expect("the connection should stop")
            .unwrap();
    }

    /// The same task reads the peer's messages and writes the queue.
    #[tokio::test]
    async fn one_task_reads_and_writes() {
        let engine = engine(Duration::from_secs(25), Duration::from_secs(20));
        let socket = session(&engine);
        let (server, mut client) = ws_pair().await;
        tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move { run_connection(&engine, &socket, server, None).await }
        });

        // The stub handler echoes what it receives through the socket's queue.
        client.send(Message::text("4ping me")).await.unwrap();
        assert_eq!(next_frame(&mut client).await, Message::text("4ping me"));
        socket.emit(Str::from("second")).unwrap();
        assert_eq!(next_frame(&mut client).await, Message::text("4second"));
    }

    /// A session closed by the server writes what was queued, then the close frame, and the
    /// connection's task ends.
    #[tokio::test]
    async fn a_closed_session_writes_its_last_packets_and_a_close_frame() {
        let engine = engine(Duration::from_secs(25), Duration::from_secs(20));
        let socket = session(&engine);
        let (server, mut client) = ws_pair().await;
        let conn = tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move { run_connection(&engine, &socket, server, None).await }
        });

        socket.emit(Str::from("last words")).unwrap();
        socket.close(DisconnectReason::ClosingServer);
        assert_eq!(next_frame(&mut client).await, Message::text("4last words"));
        assert_eq!(next_frame(&mut client).await, Message::text("1"));
        assert!(matches!(next_frame(&mut client).await, Message::Close(_)));
        tokio::time::timeout(TIMEOUT, conn)
            .await
            .expect("the connection should stop")
            .unwrap();
        assert!(engine.get_socket(socket.id).is_none());
    }

    /// The peer ending the WebSocket closes the session.
    #[tokio::test]
    async fn the_peer_closing_closes_the_session() {
        let engine = engine(Duration::from_secs(25), Duration::from_secs(20));
        let socket = session(&engine);
        let (server, mut client) = ws_pair().await;
        let conn = tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move { run_connection(&engine, &socket, server, None).await }
        });

        client.close(None).await.unwrap();
        tokio::time::timeout(TIMEOUT, conn)
            .await
            .expect("the connection should stop")
            .unwrap();
        assert!(engine.get_socket(socket.id).is_none());
        assert!(socket.cancellation_token.is_cancelled());
    }

    /// The first ping comes an interval after the handshake, not at once; a pong keeps the
    /// connection open for the next one.
    #[tokio::test]
    async fn heartbeat_pings_every_interval_while_pongs_come_back() {
        let (interval, timeout) = (Duration::from_millis(60), Duration::from_millis(300));
        let engine = engine(interval, timeout);
        let socket = session(&engine);
        let (server, mut client) = ws_pair().await;
        tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move {
                run_connection(
                    &engine,
                    &socket,
                    server,
                    Some(Heartbeat::new(interval, timeout)),
                )
                .await
            }
        });

        let opened = Instant::now();
        assert_eq!(next_frame(&mut client).await, Message::text("2"));
        assert!(
            opened.elapsed() >= interval,
            "the first ping waits an interval"
        );
        client.send(Message::text("3")).await.unwrap();
        assert_eq!(next_frame(&mut client).await, Message::text("2"));
        client.send(Message::text("3")).await.unwrap();
        assert_eq!(next_frame(&mut client).await, Message::text("2"));
        assert!(engine.get_socket(socket.id).is_some());
    }

    /// No pong within the timeout: the session is closed for it.
    #[tokio::test]
    async fn heartbeat_closes_the_session_without_a_pong() {
        let (interval, timeout) = (Duration::from_millis(30), Duration::from_millis(30));
        let engine = engine(interval, timeout);
        let socket = session(&engine);
        let (server, mut client) = ws_pair().await;
        let conn = tokio::spawn({
            let (engine, socket) = (engine.clone(), socket.clone());
            async move {
                run_connection(
                    &engine,
                    &socket,
                    server,
                    Some(Heartbeat::new(interval, timeout)),
                )
                .await
            }
        });

        assert_eq!(next_frame(&mut client).await, Message::text("2"));
        assert_eq!(next_frame(&mut client).await, Message::text("1"));
        assert!(matches!(next_frame(&mut client).await, Message::Close(_)));
        tokio::time::timeout(TIMEOUT, conn)
            .await
            .expect("the connection should stop")
            .unwrap();
        assert!(engine.get_socket(socket.id).is_none());
    }
}
