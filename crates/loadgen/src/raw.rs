//! A bare reader for many Socket.IO sockets at once, which `fanout` uses to time receipts.
//!
//! The generator shares the machine's cores with the server, so whatever it spends per frame is
//! taken from the server and shows up in the latencies it measures. A task per socket on an
//! async runtime cost ~3 µs of user time per frame (wake-up, stream and channel plumbing); here
//! a few threads wait on their share of the sockets with epoll (mio) and cut WebSocket frames out
//! of the bytes in place, like `tcp-floor`'s reader. They answer Engine.IO pings (`2` → `3`) and
//! WebSocket pings, so sockets stay alive however long a run takes.

use crate::bare::{read_some, split};
use crate::sio::Incoming;
use anyhow::{Context, anyhow, bail};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use std::io::Write;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 8 * 1024;
/// WebSocket opcodes (RFC 6455 §5.2).
const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// What to read: which frames count, how many per socket, until when.
#[derive(Clone)]
pub struct Wanted {
    /// Socket.IO namespace, e.g. `/chat`.
    pub namespace: String,
    /// Event name whose frames are kept and counted (others are dropped).
    pub event: String,
    /// Frames to wait for on every socket.
    pub per_socket: usize,
    pub deadline: Instant,
}

/// Reader threads at work; [`Readers::join`] returns each socket's kept events in order.
pub struct Readers {
    threads: Vec<JoinHandle<anyhow::Result<Vec<Vec<Incoming>>>>>,
}

/// Starts `threads` readers over `sockets` (non-blocking, as [`crate::sio::SioClient::into_tcp`]
/// returns them), split into shares in order.
pub fn start(sockets: Vec<std::net::TcpStream>, threads: usize, wanted: &Wanted) -> anyhow::Result<Readers> {
    let threads = split(sockets, threads)
        .into_iter()
        .map(|share| {
            let share: Vec<TcpStream> = share.into_iter().map(TcpStream::from_std).collect();
            let wanted = wanted.clone();
            std::thread::Builder::new()
                .name("loadgen-reader".into())
                .spawn(move || read_share(share, &wanted))
                .context("start a reader thread")
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Readers { threads })
}

impl Readers {
    /// Waits for every reader (each ends when its sockets have what was wanted, or at the
    /// deadline); the sockets' events in the order the sockets were given.
    pub fn join(self) -> anyhow::Result<Vec<Vec<Incoming>>> {
        let mut all = Vec::new();
        for thread in self.threads {
            all.extend(thread.join().map_err(|_| anyhow!("a reader thread panicked"))??);
        }
        Ok(all)
    }
}

/// One socket's state: bytes not yet parsed into whole frames, the events kept.
struct Socket {
    stream: TcpStream,
    pending: Vec<u8>,
    kept: Vec<Incoming>,
}

fn read_share(streams: Vec<TcpStream>, wanted: &Wanted) -> anyhow::Result<Vec<Vec<Incoming>>> {
    let mut poll = Poll::new()?;
    let mut sockets: Vec<Socket> = Vec::with_capacity(streams.len());
    for (i, mut stream) in streams.into_iter().enumerate() {
        poll.registry().register(&mut stream, Token(i), Interest::READABLE)?;
        sockets.push(Socket { stream, pending: Vec::new(), kept: Vec::with_capacity(wanted.per_socket) });
    }
    let prefix = format!("42{},[\"{}\",", wanted.namespace, wanted.event);
    let mut events = Events::with_capacity(1024);
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut unfinished = sockets.iter().filter(|s| s.kept.len() < wanted.per_socket).count();
    while unfinished > 0 {
        let left = wanted.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        poll.poll(&mut events, Some(left.min(Duration::from_secs(1))))?;
        for event in &events {
            let socket = sockets.get_mut(event.token().0).context("unknown token")?;
            let before = socket.kept.len();
            drain(socket, &mut buffer, &prefix, &wanted.namespace)?;
            if before < wanted.per_socket && socket.kept.len() >= wanted.per_socket {
                unfinished -= 1;
            }
        }
    }
    Ok(sockets.into_iter().map(|s| s.kept).collect())
}

/// Reads everything the socket has (epoll here is edge-triggered) and handles whole frames.
fn drain(socket: &mut Socket, buffer: &mut [u8], prefix: &str, namespace: &str) -> anyhow::Result<()> {
    while let Some(n) = read_some(&mut socket.stream, buffer)? {
        let at = Instant::now();
        socket.pending.extend_from_slice(&buffer[..n]);
        handle_frames(socket, at, prefix, namespace)?;
    }
    Ok(())
}

fn handle_frames(socket: &mut Socket, at: Instant, prefix: &str, namespace: &str) -> anyhow::Result<()> {
    let mut consumed = 0;
    while let Some(frame) = parse_frame(&socket.pending[consumed..])? {
        let payload = &socket.pending[consumed + frame.payload_start..consumed + frame.end];
        match frame.opcode {
            TEXT if payload == b"2" => socket.stream.write_all(&client_frame(TEXT, b"3"))?,
            TEXT if payload.starts_with(prefix.as_bytes()) => {
                let text = String::from_utf8(payload.to_vec()).context("a text frame that is not UTF-8")?;
                socket.kept.push(Incoming::from_frame(text, namespace, at));
            }
            PING => socket.stream.write_all(&client_frame(PONG, payload))?,
            CLOSE => bail!("the server closed a socket"),
            _ => {}
        }
        consumed += frame.end;
    }
    socket.pending.drain(..consumed);
    Ok(())
}

/// Where a whole frame's parts are, relative to the start of `bytes`.
#[derive(Debug, PartialEq)]
struct Frame {
    opcode: u8,
    payload_start: usize,
    end: usize,
}

/// The first frame of `bytes` if it is complete. Server frames are never masked (RFC 6455
/// §5.1); fragmented messages are refused (the server does not fragment).
fn parse_frame(bytes: &[u8]) -> anyhow::Result<Option<Frame>> {
    let [first, second, ..] = *bytes else { return Ok(None) };
    if first & 0x80 == 0 {
        bail!("fragmented WebSocket message");
    }
    if second & 0x80 != 0 {
        bail!("masked frame from the server");
    }
    let (len, payload_start) = match second & 0x7f {
        126 => match bytes.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match bytes.get(2..10).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            Some(b) => (u64::from_be_bytes(b), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    let end =
        usize::try_from(len).ok().and_then(|len| len.checked_add(payload_start)).context("frame too long")?;
    Ok((bytes.len() >= end).then_some(Frame { opcode: first & 0x0f, payload_start, end }))
}

/// A client frame (masked, as RFC 6455 requires of clients) with a short payload.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask: [u8; 4] = rand_mask();
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// A masking key that varies between frames (the server does not check it; RFC 6455 asks that
/// proxies cannot predict it, which does not matter on loopback).
fn rand_mask() -> [u8; 4] {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    nanos.to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn server_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(n as u8),
            n if n <= 0xffff => {
                frame.push(126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(payload);
        frame
    }

    #[test]
    fn frames_of_each_length_form_parse_and_partial_ones_wait() {
        for len in [0, 5, 125, 126, 547, 70_000] {
            let bytes = server_frame(TEXT, &vec![b'a'; len]);
            let frame = parse_frame(&bytes).expect("valid").expect("complete");
            assert_eq!((frame.opcode, frame.end - frame.payload_start, frame.end), (TEXT, len, bytes.len()));
            assert_eq!(
                parse_frame(&bytes[..bytes.len() - 1]).expect("valid"),
                None,
                "len {len}: one byte short"
            );
        }
        assert_eq!(parse_frame(&[0x81]).expect("valid"), None);
    }

    #[test]
    fn masked_or_fragmented_server_frames_are_errors() {
        assert!(parse_frame(&[0x81, 0x81, 0, 0, 0, 0, b'x']).is_err());
        assert!(parse_frame(&[0x01, 0x01, b'x']).is_err());
    }

    #[test]
    fn client_frames_are_masked_and_unmask_to_the_payload() {
        let frame = client_frame(TEXT, b"3");
        assert_eq!((frame[0], frame[1]), (0x81, 0x81));
        let mask = &frame[2..6];
        assert_eq!(frame[6] ^ mask[0], b'3');
    }

    #[test]
    fn a_reader_keeps_wanted_events_answers_pings_and_skips_the_rest() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (mut server, _) = listener.accept().expect("accept");
        client.set_nonblocking(true).expect("non-blocking");
        let wanted = Wanted {
            namespace: "/chat".into(),
            event: "message".into(),
            per_socket: 2,
            deadline: Instant::now() + Duration::from_secs(10),
        };
        let readers = start(vec![client], 1, &wanted).expect("start");
        let mut bytes = server_frame(TEXT, b"42/chat,[\"message\",{\"content\":\"one\"}]");
        bytes.extend(server_frame(TEXT, b"42/chat,[\"userTyping\",{}]"));
        bytes.extend(server_frame(TEXT, b"2"));
        // The second wanted frame arrives in two pieces.
        let second = server_frame(TEXT, b"42/chat,[\"message\",{\"content\":\"two\"}]");
        bytes.extend_from_slice(&second[..5]);
        server.write_all(&bytes).expect("write");
        std::thread::sleep(Duration::from_millis(50));
        server.write_all(&second[5..]).expect("write the rest");
        let kept = readers.join().expect("join");
        let contents: Vec<String> = kept[0]
            .iter()
            .filter_map(|e| e.parse())
            .map(|(event, data)| format!("{event}:{}", data["content"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(contents, ["message:one", "message:two"]);
        // The Engine.IO ping was answered with a masked `3`.
        let mut pong = [0u8; 7];
        server.read_exact(&mut pong).expect("pong");
        assert_eq!((pong[0], pong[1], pong[6] ^ pong[2]), (0x81, 0x81, b'3'));
    }
}
