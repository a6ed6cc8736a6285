//! Which address a request comes from, for throttles and audit entries.
//!
//! `X-Forwarded-For` is a list each proxy appends the address it was connected from to, so only
//! its rightmost entries were written by proxies; anything to their left may be the client's
//! own invention. The client is therefore the rightmost entry that is not one of our proxies,
//! and only when the request reached us through one of them.

use chatbot_config::TrustedProxies;
use std::net::IpAddr;

/// How far `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub enum ProxyTrust {
    /// The header is ignored: the TCP peer is the client.
    #[default]
    None,
    /// Only the proxy that connects to us is ours (`trust_proxy_headers`): the header's last
    /// entry is the client.
    NearestHop,
    /// These proxies are ours (`trusted_proxies`), possibly chained.
    Listed(TrustedProxies),
}

impl ProxyTrust {
    fn trusts(&self, ip: IpAddr, nearest: bool) -> bool {
        match self {
            Self::None => false,
            Self::NearestHop => nearest,
            Self::Listed(proxies) => proxies.contains(ip),
        }
    }
}

/// The client's address: the rightmost untrusted hop when `peer` is a trusted proxy, else `peer`.
/// A malformed entry stops the walk at the last address known good.
pub fn client_addr(peer: IpAddr, forwarded_for: Option<&str>, trust: &ProxyTrust) -> IpAddr {
    if !trust.trusts(peer, true) {
        return peer;
    }
    let Some(header) = forwarded_for else { return peer };
    let mut client = peer;
    for entry in header.rsplit(',').map(str::trim) {
        let Ok(hop) = entry.parse::<IpAddr>() else { return client };
        client = hop;
        if !trust.trusts(hop, false) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn listed(list: &[&str]) -> ProxyTrust {
        let mut layers = chatbot_config::Layers::new().with_env(std::iter::empty());
        layers = layers.with_flag("trusted_proxies", list.join(",")).expect("setting");
        let config = chatbot_config::Config::from_layers(&layers).expect("config");
        ProxyTrust::Listed(config.trusted_proxies)
    }

    #[test]
    fn without_trust_the_peer_is_the_client() {
        let got = client_addr(ip("10.0.0.1"), Some("6.6.6.6"), &ProxyTrust::None);
        assert_eq!(got, ip("10.0.0.1"));
    }

    #[test]
    fn trusting_the_nearest_hop_takes_the_last_entry() {
        let got = client_addr(ip("127.0.0.1"), Some("6.6.6.6, 198.51.100.9"), &ProxyTrust::NearestHop);
        assert_eq!(got, ip("198.51.100.9"), "the first entry is the client's own claim");
        assert_eq!(client_addr(ip("127.0.0.1"), None, &ProxyTrust::NearestHop), ip("127.0.0.1"));
    }

    #[test]
    fn listed_proxies_are_skipped_from_the_right() {
        let trust = listed(&["127.0.0.1", "10.0.0.0/8"]);
        let got = client_addr(ip("127.0.0.1"), Some("6.6.6.6, 198.51.100.9, 10.1.2.3, 10.9.9.9"), &trust);
        assert_eq!(got, ip("198.51.100.9"));
        // A request straight from the internet: its header is the client's own invention.
        assert_eq!(client_addr(ip("203.0.113.5"), Some("10.0.0.1"), &trust), ip("203.0.113.5"));
        // Every hop trusted: the leftmost one is as far as we can see.
        assert_eq!(client_addr(ip("127.0.0.1"), Some("10.0.0.7, 10.0.0.8"), &trust), ip("10.0.0.7"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_good_hop() {
        let trust = listed(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            client_addr(ip("127.0.0.1"), Some("6.6.6.6, not-an-ip, 10.0.0.2"), &trust),
            ip("10.0.0.2")
        );
        assert_eq!(client_addr(ip("127.0.0.1"), Some("unknown"), &trust), ip("127.0.0.1"));
    }

    #[test]
    fn ipv6_and_mapped_addresses() {
        let trust = listed(&["::1", "127.0.0.1"]);
        assert_eq!(client_addr(ip("::1"), Some("2001:db8::7"), &trust), ip("2001:db8::7"));
        assert_eq!(client_addr(ip("::ffff:127.0.0.1"), Some("192.0.2.4"), &trust), ip("192.0.2.4"));
    }
}
