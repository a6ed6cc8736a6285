//! `tcp-floor`: what the machine itself allows for the fan-out figure. The same number of
//! loopback TCP connections receive the same number of frames of the same size at the same pace
//! as in `fanout`, but nothing else runs: no server, no database, no WebSocket or Socket.IO, no
//! async runtime. Writer threads (one per core) write each frame to their share of the
//! connections with plain blocking writes; reader threads (one by default) read their share
//! through epoll (mio).
//!
//! A fan-out figure can only be read against this floor: whatever the kernel needs to carry
//! 1,000 small segments over loopback on these cores, every server pays too.

use crate::bare::{read_some, split};
use crate::stats::summary;
use anyhow::{Context, bail};
use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token};
use serde_json::{Value, json};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Smallest frame: the message number it carries.
const HEADER: usize = 8;
/// Longest wait for the remaining frames once the last one was written.
const DRAIN: Duration = Duration::from_secs(30);

/// The floor run's shape.
pub struct Floor {
    pub sockets: usize,
    pub messages: usize,
    pub interval: Duration,
    pub bytes: usize,
    pub writers: usize,
    pub readers: usize,
}

/// Runs the measurement (blocking: call it off the async runtime).
pub fn tcp_floor(floor: &Floor) -> anyhow::Result<Value> {
    if floor.bytes < HEADER {
        bail!("--bytes must be at least {HEADER}");
    }
    let writers = floor.writers.clamp(1, floor.sockets.max(1));
    let reader_threads = floor.readers.clamp(1, floor.sockets.max(1));
    let (readers, written) = connect_pairs(floor.sockets)?;
    let epoch = Instant::now() + Duration::from_millis(50);
    // When each message's first write began, in nanoseconds after `epoch` (the earliest writer).
    let first_write: Arc<Vec<AtomicU64>> =
        Arc::new((0..floor.messages).map(|_| AtomicU64::new(u64::MAX)).collect());
    let threads: Vec<_> = split(written, writers)
        .into_iter()
        .map(|share| {
            let first_write = first_write.clone();
            let (messages, interval, bytes) = (floor.messages, floor.interval, floor.bytes);
            std::thread::spawn(move || write_all(share, messages, interval, bytes, epoch, &first_write))
        })
        .collect();
    let reading: Vec<_> = split(readers, reader_threads)
        .into_iter()
        .map(|share| {
            let (messages, bytes, interval) = (floor.messages, floor.bytes, floor.interval);
            std::thread::spawn(move || read_all(share, messages, bytes, epoch, interval))
        })
        .collect();
    let mut arrivals = Vec::with_capacity(floor.sockets * floor.messages);
    for thread in reading {
        arrivals.extend(thread.join().map_err(|_| anyhow::anyhow!("a reader thread panicked"))??);
    }
    for thread in threads {
        thread.join().map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
    }

    let sent: Vec<Option<Duration>> = first_write
        .iter()
        .map(|at| match at.load(Ordering::Relaxed) {
            u64::MAX => None,
            nanos => Some(Duration::from_nanos(nanos)),
        })
        .collect();
    let mut first_receipt = vec![Duration::MAX; floor.messages];
    for &(k, at) in &arrivals {
        first_receipt[k] = first_receipt[k].min(at);
    }
    let (mut latencies, mut after_first) = (Vec::new(), Vec::new());
    for &(k, at) in &arrivals {
        if let Some(sent) = sent[k] {
            latencies.push(at.saturating_sub(sent));
            after_first.push(at.saturating_sub(first_receipt[k]));
        }
    }
    Ok(json!({
        "scenario": "tcp-floor",
        "sockets": floor.sockets,
        "messages": floor.messages,
        "bytes": floor.bytes,
        "writers": writers,
        "readers": reader_threads,
        "delivered": latencies.len(),
        "expected": floor.sockets * floor.messages,
        "latencyMs": summary(&mut latencies),
        "afterFirstReceiptMs": summary(&mut after_first),
    }))
}

/// `n` loopback connections: the reading ends (non-blocking, for epoll) and the writing ends.
/// Each connection is accepted right after it is made, so the listen backlog never overflows.
fn connect_pairs(n: usize) -> anyhow::Result<(Vec<MioStream>, Vec<TcpStream>)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind a loopback port")?;
    let addr = listener.local_addr()?;
    let (mut readers, mut written) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let reader = TcpStream::connect(addr).context("connect over loopback")?;
        let (writer, _) = listener.accept().context("accept")?;
        // The same socket options as the server's and the generator's WebSocket connections.
        writer.set_nodelay(true)?;
        reader.set_nodelay(true)?;
        reader.set_nonblocking(true)?;
        readers.push(MioStream::from_std(reader));
        written.push(writer);
    }
    Ok((readers, written))
}

/// Writes message `k` to every connection of `share` at `epoch + k × interval`.
fn write_all(
    mut share: Vec<TcpStream>,
    messages: usize,
    interval: Duration,
    bytes: usize,
    epoch: Instant,
    first_write: &[AtomicU64],
) -> anyhow::Result<()> {
    let mut frame = vec![b'x'; bytes];
    for (k, first) in first_write.iter().enumerate().take(messages) {
        let due = epoch + interval * k as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        frame[..HEADER].copy_from_slice(&(k as u64).to_le_bytes());
        let began = Instant::now().saturating_duration_since(epoch);
        first.fetch_min(u64::try_from(began.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        for stream in &mut share {
            stream.write_all(&frame).context("write a frame")?;
        }
    }
    Ok(())
}

/// Reads every frame from every connection; returns (message, receipt time after `epoch`).
fn read_all(
    mut readers: Vec<MioStream>,
    messages: usize,
    bytes: usize,
    epoch: Instant,
    interval: Duration,
) -> anyhow::Result<Vec<(usize, Duration)>> {
    let mut poll = Poll::new()?;
    for (i, reader) in readers.iter_mut().enumerate() {
        poll.registry().register(reader, Token(i), Interest::READABLE)?;
    }
    let expected = readers.len() * messages;
    let mut arrivals = Vec::with_capacity(expected);
    let mut partial: Vec<Vec<u8>> = vec![Vec::with_capacity(bytes); readers.len()];
    let mut events = Events::with_capacity(1024);
    let mut buffer = vec![0u8; 8 * 1024];
    let deadline = epoch + interval * messages as u32 + DRAIN;
    while arrivals.len() < expected {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        poll.poll(&mut events, Some(left))?;
        for event in &events {
            let i = event.token().0;
            // Edge-triggered: read until the socket has nothing more.
            while let Some(n) = read_some(&mut readers[i], &mut buffer)? {
                let at = Instant::now().saturating_duration_since(epoch);
                let pending = &mut partial[i];
                pending.extend_from_slice(&buffer[..n]);
                let whole = pending.len() / bytes * bytes;
                for frame in pending[..whole].chunks_exact(bytes) {
                    let mut k = [0u8; HEADER];
                    k.copy_from_slice(&frame[..HEADER]);
                    if let Ok(k) = usize::try_from(u64::from_le_bytes(k))
                        && k < messages
                    {
                        arrivals.push((k, at));
                    }
                }
                pending.drain(..whole);
            }
        }
    }
    Ok(arrivals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_reaches_every_socket() {
        let floor = Floor {
            sockets: 21,
            messages: 5,
            interval: Duration::from_millis(2),
            bytes: 300,
            writers: 2,
            readers: 2,
        };
        let result = tcp_floor(&floor).expect("floor run");
        assert_eq!(result["delivered"], 105);
        assert_eq!(result["expected"], 105);
        assert_eq!((result["writers"].as_u64(), result["readers"].as_u64()), (Some(2), Some(2)));
        assert!(result["latencyMs"]["p50"].as_f64().is_some());
    }

    #[test]
    fn frames_shorter_than_the_header_are_refused() {
        let floor =
            Floor { sockets: 1, messages: 1, interval: Duration::ZERO, bytes: 4, writers: 1, readers: 1 };
        assert!(tcp_floor(&floor).is_err());
    }
}
