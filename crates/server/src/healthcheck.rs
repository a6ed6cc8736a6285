//! `chatbot healthcheck`: asks the running server's `/healthz` on the configured listen address,
//! for container health checks in images without a shell or curl (distroless).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Exit status 0 when `/healthz` answers 200 within `timeout`, else an error saying why.
pub fn check(listen_addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let addr = reachable(listen_addr);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot ask {addr}: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| format!("no answer from {addr}: {e}"))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        Some(status) => Err(format!("{addr}/healthz answered {status}")),
        None => Err(format!("{addr}/healthz answered something that is not HTTP")),
    }
}

/// A server listening on every interface (`0.0.0.0`, `::`) is asked on loopback.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), listen.port())
        }
        _ => listen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_means_loopback() {
        let any: SocketAddr = "0.0.0.0:3000".parse().expect("addr");
        assert_eq!(reachable(any), "127.0.0.1:3000".parse().expect("addr"));
        let one: SocketAddr = "10.1.2.3:3000".parse().expect("addr");
        assert_eq!(reachable(one), one);
    }

    #[test]
    fn nothing_listening_is_an_error() {
        let free = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port");
        // The listener is dropped: nothing listens there now.
        assert!(check(free, Duration::from_secs(1)).is_err());
    }
}
