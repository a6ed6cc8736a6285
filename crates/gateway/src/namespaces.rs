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
use std::sync::atomic::{AtomicUsize, Ordering};

/// The namespace clients connect to.
pub const NAMESPACE: &str = "/chat";

/// The same namespace for clients whose base URL ends in `/api`.
pub const ALIAS: &str = "/api/chat";

/// Both names, the canonical one first.
pub const ALL: [&str; 2] = [NAMESPACE, ALIAS];

/// Sockets connected through each name of [`ALL`], in this process.
static CONNECTED: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

/// Counts a socket under the name it connected through, from its handshake (before it joins any
/// room) until it is dropped. A broadcast skips a name no socket uses: each broadcast encodes its
/// packet once per name before it looks for receivers, and most deployments use one name, so
/// every chunk of every answer was encoded twice (`valgrind --tool=callgrind`, docs/benchmarks.md).
/// The count may lag a socket's end, never its start, so a name is skipped only when no socket
/// of it can be in a room.
pub struct Counted(Option<usize>);

impl Counted {
    pub fn new(namespace: &str) -> Self {
        let index = ALL.iter().position(|ns| *ns == namespace);
        if let Some(i) = index {
            CONNECTED[i].fetch_add(1, Ordering::AcqRel);
        }
        Self(index)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            CONNECTED[i].fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Whether any socket is connected through `namespace`.
fn in_use(namespace: &str) -> bool {
    ALL.iter().position(|ns| *ns == namespace).is_some_and(|i| CONNECTED[i].load(Ordering::Acquire) > 0)
}

/// Broadcast operators over every socket of both namespaces (of those any socket uses).
pub fn everyone<A: Adapter>(io: &SocketIo<A>) -> impl Iterator<Item = BroadcastOperators<A>> + '_ {
    ALL.into_iter().filter(|ns| in_use(ns)).filter_map(|ns| io.of(ns))
}

/// Broadcast operators over every socket of both namespaces except `socket` itself: what
/// `socket.broadcast()` means within one namespace.
pub fn others<'a, A: Adapter>(
    socket: &SocketRef<A>,
    io: &'a SocketIo<A>,
) -> impl Iterator<Item = BroadcastOperators<A>> + 'a {
    let own = socket.ns().to_owned();
    std::iter::once(socket.broadcast())
        .chain(ALL.into_iter().filter(move |ns| *ns != own && in_use(ns)).filter_map(|ns| io.of(ns)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_in_use_from_its_first_socket_until_its_last_is_dropped() {
        // Nothing else in this test binary connects sockets: the counts start at zero.
        assert!(!in_use(ALIAS));
        let first = Counted::new(ALIAS);
        let second = Counted::new(ALIAS);
        assert!(in_use(ALIAS) && !in_use(NAMESPACE), "counted under its own name only");
        drop(first);
        assert!(in_use(ALIAS), "one socket left");
        drop(second);
        assert!(!in_use(ALIAS));
        let unknown = Counted::new("/elsewhere");
        assert!(!in_use("/elsewhere") && !in_use(NAMESPACE) && !in_use(ALIAS));
        drop(unknown);
    }
}
