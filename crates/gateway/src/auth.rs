//! Handshake authentication, in a connect middleware: a socket that fails it never reaches the
//! namespace (`connect_error`) and no handler of ours ever runs for it.
//!
//! The event handlers are registered here too, not in the connect handler: socketioxide sends the
//! namespace CONNECT packet before it runs the connect handler, so an event sent the instant the
//! client sees CONNECT could otherwise arrive before its handler exists and be dropped.

use crate::Gateway;
use crate::connection::{Connection, RoomsAtHandshake};
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State, TryData};
use std::fmt;
use std::sync::Arc;

/// Why a handshake was refused. socketioxide sends its text as the `connect_error` message; it
/// starts with the stable code (`unauthorized: …`) because the library cannot attach a `data`
/// object (see docs/decisions/005-socketio-library.md).
#[derive(Debug)]
pub struct Refused {
    code: &'static str,
    reason: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)
    }
}

impl std::error::Error for Refused {}

/// The access token, from (in order) `auth.token`, `Authorization: Bearer`, or `?token=`.
fn token_of<A: Adapter>(socket: &SocketRef<A>, auth: Option<&Value>) -> Option<String> {
    let from_auth = auth.and_then(|a| a.get("token")).and_then(Value::as_str).map(str::to_owned);
    let parts = socket.req_parts();
    let from_header = || {
        parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned())
    };
    let from_query = || {
        parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")).map(percent_decode))
    };
    from_auth.or_else(from_header).or_else(from_query).filter(|t| !t.is_empty())
}

/// Minimal `%XX` decoding for a query value (JWTs are URL-safe; this covers clients that encode).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                match std::str::from_utf8(hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connect middleware: authenticate, enforce sockets per user, register the event handlers.
pub async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    State(gateway): State<Arc<Gateway>>,
    TryData(auth): TryData<Value>,
) -> Result<(), Refused> {
    let token = token_of(&socket, auth.as_ref().ok()).ok_or_else(|| Refused {
        code: "unauthorized",
        reason: "missing access token (auth.token, Authorization: Bearer, or ?token=)".into(),
    })?;
    let seen = gateway.rooms.membership_changes();
    let (actor, rooms) = gateway
        .accounts
        .authenticate_with_rooms(&token)
        .await
        .map_err(|e| Refused { code: "unauthorized", reason: e.to_string() })?;
    let at_limit = || Refused {
        code: "rate_limited",
        reason: format!("at most {} connections per user", gateway.settings.sockets_per_user),
    };
    let Some(mut slot) = gateway.presence.reserve(actor.id()) else { return Err(at_limit()) };
    if let Some(shared) = gateway.cluster.shared()
        && !slot.reserve_everywhere(shared, gateway.settings.sockets_per_user).await
    {
        return Err(at_limit()); // dropping the slot gives it back here
    }
    let connection = Connection::new(actor, slot, &gateway.settings, socket.ns());
    socket.extensions.insert(Arc::new(connection));
    socket.extensions.insert(RoomsAtHandshake { rooms: rooms.into(), seen });
    crate::handlers::register(&socket);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("a%2Eb.c"), "a.b.c");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
    }
}
