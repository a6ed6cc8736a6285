//! Sockets end when the session they were opened with stops being honoured. A socket is
//! authenticated once, at its handshake; without these checks a device whose access token expired
//! (or was stolen), or whose session was ended by another process (the CLI deactivating the
//! account, another instance signing the device out), would keep receiving for as long as the
//! connection lasts. Ends made by this process are immediate instead (`sessionRevoked`, in
//! `fanout`); these checks are the backstop, every `token_check_interval`.
//!
//! - An expired access token: the server disconnects the socket (`io server disconnect`); a
//!   client with a refresh token reconnects with a fresh access token.
//! - A session no longer live in the database (revoked, or the user deactivated): the socket
//!   gets `sessionRevoked` (reason `ended`), then is disconnected, as for a sign-out.

use crate::connection::connection_of;
use crate::{Gateway, namespaces};
use chatbot_domain::SessionId;
use chatbot_protocol::events::{ServerEvent, SessionRevoked};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use std::collections::HashSet;
use std::sync::Arc;
use time::OffsetDateTime;

/// Checks every socket at the gateway's `token_check_interval`, until the server stops.
pub async fn run<A: Adapter>(io: SocketIo<A>, gateway: Arc<Gateway>) {
    let mut ticks = tokio::time::interval(gateway.settings.token_check_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let sockets: Vec<SocketRef<A>> = namespaces::everyone(&io).flat_map(|chat| chat.sockets()).collect();
        let live = live_sessions(&gateway, &sockets).await;
        let now = OffsetDateTime::now_utc();
        for socket in sockets {
            let Some(conn) = connection_of(&socket) else { continue };
            if conn.actor.token_expires_at <= now {
                end(socket, None);
            } else if live.as_ref().is_some_and(|live| !live.contains(&conn.actor.session)) {
                end(socket, Some(conn.actor.session));
            }
        }
    }
}

/// The live sessions among those of `sockets`, or `None` when the database cannot tell (the
/// check is skipped rather than ending every socket).
async fn live_sessions<A: Adapter>(
    gateway: &Gateway,
    sockets: &[SocketRef<A>],
) -> Option<HashSet<SessionId>> {
    let families: HashSet<SessionId> =
        sockets.iter().filter_map(|s| connection_of(s)).map(|conn| conn.actor.session).collect();
    if families.is_empty() {
        return Some(HashSet::new());
    }
    let families: Vec<SessionId> = families.into_iter().collect();
    match gateway.accounts.live_sessions(&families).await {
        Ok(live) => Some(live.into_iter().collect()),
        Err(err) => {
            tracing::warn!(error = %err, "could not check the sessions of connected sockets");
            None
        }
    }
}

/// Ends a socket whose token expired (`ended: None`) or whose session `ended`.
fn end<A: Adapter>(socket: SocketRef<A>, ended: Option<SessionId>) {
    if let Some(session) = ended {
        let event = SessionRevoked { session_id: session, reason: "ended" };
        if let Err(err) = socket.emit(SessionRevoked::NAME, &event) {
            tracing::debug!(error = %err, "sessionRevoked not sent");
        }
    }
    if let Err(err) = socket.disconnect() {
        tracing::debug!(error = %err, "could not end a socket whose session ended");
    }
}
