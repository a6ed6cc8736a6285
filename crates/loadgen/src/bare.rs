//! Helpers for the bare-socket readers and writers of `tcp-floor` and `fanout` (no async
//! runtime): sharing sockets out among threads, and reading a non-blocking socket.

use anyhow::Context;
use std::io::{ErrorKind, Read};

/// `items` in `parts` shares of nearly equal size, in order.
pub fn split<T>(items: Vec<T>, parts: usize) -> Vec<Vec<T>> {
    let per_part = items.len().div_ceil(parts.max(1)).max(1);
    let mut shares = Vec::with_capacity(parts);
    let mut items = items.into_iter();
    loop {
        let share: Vec<T> = items.by_ref().take(per_part).collect();
        if share.is_empty() {
            return shares;
        }
        shares.push(share);
    }
}

/// One read from a non-blocking socket: `Some(n)` bytes, or `None` once it has nothing more
/// (would block, or the peer closed it). With edge-triggered epoll, call it until `None`.
pub fn read_some(stream: &mut impl Read, buffer: &mut [u8]) -> anyhow::Result<Option<usize>> {
    loop {
        match stream.read(buffer) {
            Ok(0) => return Ok(None),
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("read from a socket"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_every_item_in_order() {
        let shares = split((0..7).collect::<Vec<_>>(), 3);
        assert_eq!(shares, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        assert_eq!(split(vec![1], 4), vec![vec![1]]);
        assert!(split(Vec::<u8>::new(), 2).is_empty());
    }

    #[test]
    fn read_some_returns_data_then_none_when_drained_or_closed() {
        let mut data: &[u8] = b"abc";
        let mut buffer = [0u8; 2];
        assert_eq!(read_some(&mut data, &mut buffer).expect("read"), Some(2));
        assert_eq!(read_some(&mut data, &mut buffer).expect("read"), Some(1));
        assert_eq!(read_some(&mut data, &mut buffer).expect("read"), None);
    }
}
