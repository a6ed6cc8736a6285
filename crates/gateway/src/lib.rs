//! The real-time gateway: Socket.IO v4 at `/socket.io/`, namespace `/chat` (SPEC §3), also
//! served as `/api/chat` for the original front end ([`namespaces`]).
//!
//! Thin like the REST handlers: each event is parsed ([`payload`]), authorised and executed by
//! the services, and answered with an ack `{ok: true, …}` / `{ok: false, error}` or, when the
//! client sent no ack callback, an `exception` event ([`reply`]). Everything a socket should
//! receive because of someone else's action goes through socketioxide's adapter (rooms and
//! broadcasts), so a Redis adapter replaces the in-process one without touching the handlers.
//!
//! Socket.IO rooms used (internal names, never on the wire):
//! - `room:<id>`: sockets that joined the chat room (they get `message`, `userTyping`, …);
//! - `member:<id>`: every socket of every member (they get `roomActivity`, `user_status`);
//! - `user:<id>`: every socket of one user (their devices: `readSync`).

mod auth;
pub mod cluster;
mod connection;
mod expiry;
mod fanout;
mod handlers;
mod json_text;
mod limits;
pub mod namespaces;
mod payload;
mod presence;
mod reply;
mod turn;

use chatbot_service::{AccountService, RoomService};
use presence::Presence;
use socketioxide::layer::SocketIoLayer;
use socketioxide::{ParserConfig, SocketIo, handler::ConnectHandler};
use std::sync::Arc;
use std::time::Duration;

pub use cluster::Cluster;
pub use fanout::{ChatEvents, EventQueue, event_channel};
pub use namespaces::NAMESPACE;

/// Gateway limits (SPEC §11), each a setting.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// Events one socket may send per second.
    pub events_per_second: u32,
    /// Sockets one user may hold at once.
    pub sockets_per_user: usize,
    /// Least time between two forwarded `typing` events of one socket in one room.
    pub typing_interval: Duration,
    /// Largest Engine.IO payload accepted.
    pub max_payload: u64,
    /// Bytes of events queued for one socket before it is disconnected as a slow consumer.
    pub socket_queue_bytes: usize,
    /// Each WebSocket's read buffer (`limits.ws_read_buffer_bytes`).
    pub ws_read_buffer_bytes: usize,
    /// Name shown for assistant messages.
    pub assistant_name: String,
    /// How often sockets are checked for an expired access token (see [`expiry`]).
    pub token_check_interval: Duration,
}

/// What every handler needs.
pub struct Gateway {
    pub accounts: Arc<AccountService>,
    pub rooms: Arc<RoomService>,
    pub settings: GatewaySettings,
    /// The other instances, when there are any (`REDIS_URL`).
    pub cluster: Arc<Cluster>,
    presence: Presence,
}

impl Gateway {
    pub fn new(
        accounts: Arc<AccountService>,
        rooms: Arc<RoomService>,
        settings: GatewaySettings,
        cluster: Arc<Cluster>,
    ) -> Arc<Self> {
        Arc::new(Self {
            accounts,
            rooms,
            presence: Presence::new(settings.sockets_per_user),
            settings,
            cluster,
        })
    }

    /// Number of sockets connected to this process.
    pub fn connections(&self) -> usize {
        self.presence.total()
    }
}

/// Builds the Socket.IO tower layer for `/socket.io/`, registers `/chat` (and its alias
/// `/api/chat`, [`namespaces`]), and starts the task that delivers stored messages and
/// membership changes (from `events`) to sockets in order, along with the deliveries of the
/// other instances (`incoming`, when clustered).
pub fn layer(
    gateway: Arc<Gateway>,
    events: EventQueue,
    incoming: Option<tokio::sync::mpsc::Receiver<chatbot_redis::relay::Incoming>>,
) -> (SocketIoLayer, SocketIo) {
    let (layer, io) = SocketIo::builder()
        .max_payload(gateway.settings.max_payload)
        // The WebSocket transport's own limits default to 64 MiB per message (16 MiB per frame),
        // buffered before anything is authenticated: hold them to the same payload limit.
        .ws_max_message_size(usize::try_from(gateway.settings.max_payload).unwrap_or(usize::MAX))
        .ws_max_frame_size(usize::try_from(gateway.settings.max_payload).unwrap_or(usize::MAX))
        // No binary attachments: our clients never send them, and the parser would buffer up to
        // 10 MB of them per socket for a minute while waiting for a packet's rest. A packet with
        // one ends the connection.
        .with_parser(ParserConfig::common().max_incoming_binaries(0).max_incoming_binary_buf_size(0))
        // With the patched engineioxide (vendor/engineioxide/PATCHES.md) this is the socket's
        // queue limit in bytes: a client that does not read past it is disconnected, never left
        // connected with deliveries dropped, and it catches up with `join {since}`.
        .max_buffer_size(gateway.settings.socket_queue_bytes)
        // Each WebSocket keeps a read buffer of this size for its life; our clients' frames are
        // small (a larger one is read in several steps).
        .ws_read_buffer_size(gateway.settings.ws_read_buffer_bytes)
        .ping_interval(Duration::from_secs(25))
        .ping_timeout(Duration::from_secs(20))
        .with_state(gateway.clone())
        .build_layer();
    for ns in namespaces::ALL {
        io.ns(ns, connection::on_connect.with(auth::authenticate));
    }
    let delivery = fanout::Delivery {
        assistant_name: gateway.settings.assistant_name.clone(),
        cluster: gateway.cluster.clone(),
        incoming,
        rooms: gateway.rooms.clone(),
    };
    tokio::spawn(fanout::run(io.clone(), events, delivery));
    tokio::spawn(expiry::run(io.clone(), gateway.clone()));
    (layer, io)
}

/// Internal Socket.IO room names.
pub(crate) mod rooms {
    use chatbot_domain::{RoomId, SessionId, UserId};

    pub fn joined(room: RoomId) -> String {
        format!("room:{room}")
    }

    pub fn members(room: RoomId) -> String {
        format!("member:{room}")
    }

    /// The chat room of a [`members`] group name, `None` for any other name.
    pub fn members_of(name: &str) -> Option<RoomId> {
        name.strip_prefix("member:")?.parse().ok()
    }

    pub fn user(user: UserId) -> String {
        format!("user:{user}")
    }

    /// Every socket of one signed-in device (session family), to end them when it is revoked.
    pub fn session(session: SessionId) -> String {
        format!("session:{session}")
    }
}
