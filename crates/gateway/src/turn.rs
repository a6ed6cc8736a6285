//! In-order handling of one socket's events.
//!
//! socketioxide spawns a task per incoming event, so two events of one socket can run
//! concurrently and finish in either order. The original client sends `join` and then `send`
//! without waiting for anything; if the `send` overtook the `join`, the message would be
//! broadcast before the socket was in the room and never reach it. So each event takes a ticket
//! while the socket's reader is still parsing it (extractors run before the task is spawned, in
//! arrival order), and handlers run strictly in ticket order. Only this socket's own events wait
//! on each other; other sockets are unaffected.

use crate::connection::connection_of;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;
use socketioxide_core::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// Hands out tickets in arrival order and lets them through one at a time.
pub struct Turnstile {
    issued: AtomicU64,
    serving: watch::Sender<u64>,
}

impl Default for Turnstile {
    fn default() -> Self {
        Self { issued: AtomicU64::new(0), serving: watch::Sender::new(0) }
    }
}

/// The right to run, released (letting the next ticket through) when dropped.
pub struct Turn<'a> {
    turnstile: &'a Turnstile,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.turnstile.serving.send_modify(|serving| *serving += 1);
    }
}

impl Turnstile {
    fn take(&self) -> u64 {
        self.issued.fetch_add(1, Ordering::Relaxed)
    }

    /// Waits until every earlier ticket has finished.
    pub async fn wait(&self, ticket: u64) -> Turn<'_> {
        let mut serving = self.serving.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = serving.wait_for(|now| *now == ticket).await;
        Turn { turnstile: self }
    }
}

/// Whether an event may run, decided as it is read, before it waits for its turn: an event
/// over the socket's rate is refused here, so a flood never queues (queued waiters would each
/// be woken at every turn).
pub enum Admission {
    /// Before the handshake completed.
    Unauthenticated,
    /// Over `limits.events_per_second`: refused, retry after this long.
    Limited(Duration),
    /// This event's place in its socket's order.
    Granted(u64),
}

/// The extractor: counts the event against the socket's rate, then hands out its ticket.
pub struct Ticket(pub Admission);

impl<A: Adapter> FromMessageParts<A> for Ticket {
    type Error = Infallible;

    fn from_message_parts(s: &Arc<Socket<A>>, _: &mut Value, _: &Option<i64>) -> Result<Self, Infallible> {
        let socket = SocketRef::from(s.clone());
        Ok(Ticket(match connection_of(&socket) {
            None => Admission::Unauthenticated,
            Some(conn) => match conn.events.allow() {
                Err(retry_after) => Admission::Limited(retry_after),
                Ok(()) => Admission::Granted(conn.turnstile.take()),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn turns_follow_ticket_order_whatever_the_start_order() {
        let turnstile = Arc::new(Turnstile::default());
        let (first, second) = (turnstile.take(), turnstile.take());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let late = {
            let (turnstile, order) = (turnstile.clone(), order.clone());
            tokio::spawn(async move {
                let _turn = turnstile.wait(second).await;
                order.lock().expect("lock").push(second);
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(order.lock().expect("lock").is_empty(), "the second ticket waits for the first");
        {
            let _turn = turnstile.wait(first).await;
            order.lock().expect("lock").push(first);
        }
        late.await.expect("task");
        assert_eq!(*order.lock().expect("lock"), vec![first, second]);
    }
}
