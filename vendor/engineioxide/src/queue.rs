//! chatbot-socket patch (PATCHES.md): the outgoing queue of a socket, counted in bytes.
//!
//! Upstream bounds the queue in packets only and, when it is full, drops what is sent to the
//! socket while leaving the connection open: a client that stops reading silently misses
//! messages, and a packet bound lets each socket hold up to `max_buffer_size` packets of any
//! size. Here every message and binary payload is counted when it is queued and uncounted when a
//! transport takes it; a socket whose queue passes the limit is closed (its client reconnects and
//! catches up), so it never stays connected with a hole in what it received. The proof is the
//! project's `e2e/tests/slow-consumer.test.mjs` (this crate's own tests are not vendored).

use engineioxide_core::{Packet, PacketBuf};

/// chatbot-socket patch: what the queue's channel carries, boxed. The channel allocates its slots
/// 32 at a time and keeps the first block for the socket's life: 32 inline `PacketBuf`s (two
/// packets each, an `OpenPacket` wide) are about 4.3 KB per socket, 32 boxes 256 bytes. The box
/// costs one allocation per queued packet (docs/decisions/025-socket-bytes.md).
pub(crate) type Queued = Box<PacketBuf>;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::mpsc::{Receiver, error::TryRecvError};

/// Bytes waiting in one socket's queue, and how many it may hold.
#[derive(Debug)]
pub(crate) struct QueueBytes {
    queued: AtomicUsize,
    limit: usize,
}

impl QueueBytes {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self { queued: AtomicUsize::new(0), limit })
    }

    /// Whether `bytes` more would stay within the limit (a volatile packet is queued only then).
    pub(crate) fn has_room(&self, bytes: usize) -> bool {
        self.queued.load(Ordering::Acquire) + bytes <= self.limit
    }

    /// Counts `bytes` as queued; true when the queue is now over its limit.
    pub(crate) fn add(&self, bytes: usize) -> bool {
        bytes > 0 && self.queued.fetch_add(bytes, Ordering::AcqRel) + bytes > self.limit
    }

    fn remove(&self, bytes: usize) {
        if bytes > 0 {
            // Saturating: a packet queued before the count started must not wrap it around.
            let _ = self.queued.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                Some(q.saturating_sub(bytes))
            });
        }
    }
}

/// The bytes a packet adds to the queue: its payload. Control packets (ping, pong, close, noop)
/// count nothing, which keeps closing a full socket from queueing past the limit again.
pub(crate) fn payload_bytes(packet: &Packet) -> usize {
    match packet {
        Packet::Message(msg) => msg.len(),
        Packet::Binary(data) | Packet::BinaryV3(data) => data.len(),
        _ => 0,
    }
}

pub(crate) fn buf_bytes(packets: &PacketBuf) -> usize {
    packets.iter().map(payload_bytes).sum()
}

/// The receiving end of the queue: uncounts what it hands to a transport.
#[derive(Debug)]
pub(crate) struct QueueRx {
    rx: Receiver<Queued>,
    bytes: Arc<QueueBytes>,
}

impl QueueRx {
    pub(crate) fn new(rx: Receiver<Queued>, bytes: Arc<QueueBytes>) -> Self {
        Self { rx, bytes }
    }

    fn taken(&self, packets: Queued) -> PacketBuf {
        self.bytes.remove(buf_bytes(&packets));
        *packets
    }

    // Only the test harness's dummy sockets wait on the queue this way; transports poll it.
    #[cfg_attr(not(feature = "__test_harness"), allow(dead_code))]
    pub(crate) async fn recv(&mut self) -> Option<PacketBuf> {
        let packets = self.rx.recv().await?;
        Some(self.taken(packets))
    }

    pub(crate) fn try_recv(&mut self) -> Result<PacketBuf, TryRecvError> {
        let packets = self.rx.try_recv()?;
        Ok(self.taken(packets))
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<PacketBuf>> {
        self.rx.poll_recv(cx).map(|packets| packets.map(|p| self.taken(p)))
    }

    pub(crate) fn close(&mut self) {
        self.rx.close();
    }
}
