//! The chat namespace under its two names: `/chat` (SPEC §3) and `/api/chat`, which the original
//! Next.js front end asks for when its API base is set to `<server>/api`
//! (`io(NEXT_PUBLIC_API_URL + "/chat")`, SPEC §4 compatibility).
//!
//! Both run the same handlers, but socketioxide keeps each namespace's rooms apart, so a
//! broadcast in one never reaches sockets of the other. Every broadcast and room operation
//! therefore goes through this module, which applies it to both namespaces: a member connected
//! through `/api/chat` and one through `/chat` share every room.

use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;

/// The namespace clients connect to.
pub const NAMESPACE: &str = "/chat";

/// The same namespace for clients whose base URL ends in `/api`.
pub const ALIAS: &str = "/api/chat";

/// Both names, the canonical one first.
pub const ALL: [&str; 2] = [NAMESPACE, ALIAS];

/// Broadcast operators over every socket of both namespaces.
pub fn everyone<A: Adapter>(io: &SocketIo<A>) -> impl Iterator<Item = BroadcastOperators<A>> + '_ {
    ALL.into_iter().filter_map(|ns| io.of(ns))
}

/// Broadcast operators over every socket of both namespaces except `socket` itself: what
/// `socket.broadcast()` means within one namespace.
pub fn others<'a, A: Adapter>(
    socket: &SocketRef<A>,
    io: &'a SocketIo<A>,
) -> impl Iterator<Item = BroadcastOperators<A>> + 'a {
    let own = socket.ns().to_owned();
    std::iter::once(socket.broadcast())
        .chain(ALL.into_iter().filter(move |ns| *ns != own).filter_map(|ns| io.of(ns)))
}
