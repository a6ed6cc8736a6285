//! Sockets end when the access token they were opened with expires. A socket is authenticated
//! once, at its handshake; without this a device whose session ended by expiry (or a stolen
//! token) would keep receiving for as long as the connection lasts. The server disconnects it
//! (`io server disconnect`); a client with a refresh token reconnects with a fresh access token.
//! Signing out and revoked sessions are ended at once instead (`sessionRevoked`, in `fanout`).

use crate::connection::connection_of;
use crate::namespaces;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use std::time::Duration;
use time::OffsetDateTime;

/// Checks every `every` for sockets whose token has expired, until the server stops.
pub async fn run<A: Adapter>(io: SocketIo<A>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = OffsetDateTime::now_utc();
        for chat in namespaces::everyone(&io) {
            for socket in chat.sockets() {
                let expired = connection_of(&socket).is_some_and(|conn| conn.actor.token_expires_at <= now);
                if expired && let Err(err) = socket.disconnect() {
                    tracing::debug!(error = %err, "could not end a socket whose token expired");
                }
            }
        }
    }
}
