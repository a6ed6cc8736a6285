//! One authenticated socket: who it is, its per-socket limits, and what happens when it
//! connects and disconnects (rooms, presence, the `connected` event).

use crate::limits::{EventRate, TypingGate};
use crate::presence::DeviceSlot;
use crate::turn::Turnstile;
use crate::{Gateway, GatewaySettings, rooms};
use chatbot_domain::RoomId;
use chatbot_metrics::{GaugeHold, metrics};
use chatbot_protocol::events::{Connected, ServerEvent};
use chatbot_service::{Actor, ServiceError};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};
use socketioxide::socket::DisconnectReason;
use std::collections::HashSet;
use std::sync::Arc;

/// Per-socket state, kept in the socket's extensions.
pub struct Connection {
    pub actor: Actor,
    /// This device's place among the user's connections (given back when the socket goes).
    pub slot: DeviceSlot,
    pub events: EventRate,
    pub typing: TypingGate,
    /// Runs this socket's events in arrival order (see `turn`).
    pub turnstile: Turnstile,
    /// Counts this socket in `chatbot_ws_connections` for as long as it lives.
    _counted: GaugeHold,
    /// Counts it under the namespace name it connected through ([`crate::namespaces::Counted`]).
    _named: crate::namespaces::Counted,
}

impl Connection {
    pub fn new(actor: Actor, slot: DeviceSlot, settings: &GatewaySettings, namespace: &str) -> Self {
        Self {
            actor,
            slot,
            events: EventRate::new(settings.events_per_second),
            typing: TypingGate::new(settings.typing_interval),
            turnstile: Turnstile::default(),
            _counted: metrics().ws_connections().hold(),
            _named: crate::namespaces::Counted::new(namespace),
        }
    }
}

/// The user's rooms as read by the handshake, for the connect handler to subscribe the socket
/// to (it takes them out of the socket's extensions: they are not kept).
#[derive(Clone)]
pub struct RoomsAtHandshake {
    pub rooms: Arc<[RoomId]>,
    /// [`chatbot_service::RoomService::membership_changes`] before they were read.
    pub seen: u64,
}

/// The connection of a socket that passed the handshake.
pub fn connection_of<A: Adapter>(socket: &SocketRef<A>) -> Option<Arc<Connection>> {
    socket.extensions.get::<Arc<Connection>>()
}

/// After CONNECT: join the user's own room and a member room per chat room, announce presence,
/// then send `connected` (the original client sends nothing before it).
pub async fn on_connect<A: Adapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    State(gateway): State<Arc<Gateway>>,
) {
    let Some(conn) = connection_of(&socket) else { return };
    let Some(handshake) = socket.extensions.remove::<RoomsAtHandshake>() else { return };
    let user = &conn.actor.user;
    socket.join(vec![rooms::user(user.id), rooms::session(conn.actor.session)]);
    let mut member_rooms = member_groups(&handshake.rooms);
    socket.join(member_rooms.clone());
    // A membership change counted since the handshake read the list may have sent the user's
    // sockets into or out of a room before this one was among them: read the list again and
    // follow it. A change counted after this point reaches the socket through its user group.
    if gateway.rooms.membership_changes() != handshake.seen {
        match gateway.accounts.rooms_on_session(&conn.actor).await {
            Ok(current) => {
                let current = member_groups(&current);
                // A set: the list has no cap since decision 026, and a scan per room would be
                // quadratic in the rooms of a user in thousands of them.
                let still: HashSet<&String> = current.iter().collect();
                let gone: Vec<String> = member_rooms.iter().filter(|r| !still.contains(r)).cloned().collect();
                socket.leave(gone);
                socket.join(current.clone());
                member_rooms = current;
            }
            Err(ServiceError::Unauthorized(why)) => {
                // Ended while connecting, perhaps before this socket was in its session's group.
                tracing::debug!(user_id = %user.id, why, "session ended during the handshake");
                if let Err(err) = socket.disconnect() {
                    tracing::debug!(error = %err, "could not end a socket whose session ended");
                }
                return;
            }
            Err(err) => {
                tracing::warn!(user_id = %user.id, error = %err, "could not read rooms again at connect");
            }
        }
    }
    if conn.slot.devices_at_reserve() == 1 {
        crate::presence::announce(&socket, &io, &gateway.cluster, &member_rooms, user, true, 1).await;
    }
    let payload = Connected::new(user, socket.id.to_string(), conn.slot.devices_at_reserve());
    if let Err(err) = socket.emit(Connected::NAME, &payload) {
        tracing::debug!(error = %err, "connected event not sent");
    }
}

/// The `member:` groups of these rooms.
fn member_groups(ids: &[RoomId]) -> Vec<String> {
    ids.iter().map(|&id| rooms::members(id)).collect()
}

/// Releases the device slot; the user's last device going away makes them offline.
pub async fn on_disconnect<A: Adapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    State(gateway): State<Arc<Gateway>>,
    reason: DisconnectReason,
) {
    let Some(conn) = connection_of(&socket) else { return };
    let user = &conn.actor.user;
    let remaining = conn.slot.release_everywhere().await;
    tracing::debug!(user_id = %user.id, ?reason, remaining, "socket disconnected");
    if remaining == 0 {
        // Whom to tell comes from the store, not from the socket's rooms: socketioxide runs this
        // handler in a task of its own, and when a client leaves the namespace (`41`) and then
        // closes its connection, closing the connection can take the socket out of its rooms
        // before this task reads them (the user then never went offline for anyone).
        match gateway.rooms.member_room_ids(user.id).await {
            Ok(ids) => {
                let member_rooms = member_groups(&ids);
                crate::presence::announce(&socket, &io, &gateway.cluster, &member_rooms, user, false, 0)
                    .await;
            }
            Err(err) => {
                tracing::warn!(user_id = %user.id, error = %err, "offline not announced: rooms unread")
            }
        }
    }
}
