//! Forwarding decisions on the bytes of a received IPv6 packet.
//!
//! Pure functions over an `ipv6::Packet` view, no `Repr` round trip: the
//! hot path of a router reads three fields and writes one byte.

use core::net::Ipv6Addr;

use crate::wire::ipv6::{self, AddressExt};

use super::icmp::IcmpError;

/// What a node asks of its addresses to classify a packet; implemented by
/// [`Addresses`](super::Addresses).
pub trait LocalAddrs {
    /// True when `addr` is one of our unicast addresses.
    fn is_ours(&self, addr: &Ipv6Addr) -> bool;
    /// True when we listen to the multicast group `addr`.
    fn accepts_multicast(&self, addr: &Ipv6Addr) -> bool;
}

/// Why a packet is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Not a valid IPv6 header: too short, version not 6, payload length
    /// past the buffer, a multicast or loopback source, an unspecified
    /// destination (RFC 4291 §2.5.2, §2.5.3, §2.7).
    BadHeader,
    /// Neither for us nor to be forwarded: another node's address and we
    /// do not route, or a multicast group we did not join (no multicast
    /// routing).
    NotForUs,
    /// A link-local source or destination that is not ours: never
    /// forwarded (RFC 4291 §2.5.6).
    LinkLocalScope,
    /// An unspecified source: never forwarded (RFC 4291 §2.5.2).
    UnspecifiedSource,
    /// The hop limit ran out (never returned by [`classify`]).
    HopLimit,
    /// No route to the destination (never returned by [`classify`]).
    NoRoute,
    /// A fragment that reassembly refused (never returned by [`classify`];
    /// used by [`Interface::ingress`](super::Interface::ingress)).
    Reassembly,
}

/// What to do with a received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Deliver to the upper layers (unicast to us or a group we are in).
    Local,
    /// Forward it (call [`prepare_forward`], then route it).
    Forward,
    /// Drop it.
    Drop(DropReason),
}

/// Classifies the IPv6 packet `packet` for a node with `addrs`;
/// `router` says whether we forward at all (a 6LoWPAN host or an RPL leaf
/// does not).
///
/// Hop limits are not looked at here: a packet for us is delivered
/// whatever its hop limit; [`prepare_forward`] checks it before
/// forwarding.
pub fn classify(addrs: &impl LocalAddrs, router: bool, packet: &[u8]) -> Disposition {
    let Ok(p) = ipv6::Packet::new_checked(packet) else {
        return Disposition::Drop(DropReason::BadHeader);
    };
    let (src, dst) = (p.src_addr(), p.dst_addr());
    // RFC 4291 §2.7: "Multicast addresses must not be used as source
    // addresses"; §2.5.3: loopback "must never be sent outside a single
    // node"; §2.5.2: the unspecified address is never a destination.
    if src.is_multicast() || src.is_loopback() || dst.is_loopback() || dst.is_unspecified() {
        return Disposition::Drop(DropReason::BadHeader);
    }
    if dst.is_multicast() {
        // No multicast routing: a group we are in is delivered, nothing is
        // forwarded, whatever its scope.
        return if addrs.accepts_multicast(&dst) {
            Disposition::Local
        } else {
            Disposition::Drop(DropReason::NotForUs)
        };
    }
    if addrs.is_ours(&dst) {
        return Disposition::Local;
    }
    if !router {
        return Disposition::Drop(DropReason::NotForUs);
    }
    // RFC 4291 §2.5.2: a packet with an unspecified source "must never be
    // forwarded by an IPv6 router".
    if src.is_unspecified() {
        return Disposition::Drop(DropReason::UnspecifiedSource);
    }
    // RFC 4291 §2.5.6: "Routers must not forward any packets with
    // Link-Local source or destination addresses to other links."
    if src.is_link_local() || dst.is_link_local() {
        return Disposition::Drop(DropReason::LinkLocalScope);
    }
    Disposition::Forward
}

/// Decrements the hop limit of the packet in `buf` in place.
///
/// A hop limit of 0 or 1 (which would reach 0) leaves the packet as it
/// is and returns the Time Exceeded error to send (RFC 8200 §3: "the
/// packet is discarded if Hop Limit was decremented to zero"; RFC 4443
/// §3.3). A buffer that is not an IPv6 packet is left alone and reported
/// as a Parameter Problem at offset 0.
pub fn prepare_forward(buf: &mut [u8]) -> Result<(), IcmpError> {
    let mut p = ipv6::Packet::new_checked(&mut *buf)
        .map_err(|_| IcmpError::ParamProblem(crate::wire::icmpv6::ParamProblem::ErroneousHdrField, 0))?;
    match p.hop_limit() {
        0 | 1 => Err(IcmpError::HOP_LIMIT),
        h => {
            p.set_hop_limit(h - 1);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ipv6::IpProtocol;

    struct Me;
    impl LocalAddrs for Me {
        fn is_ours(&self, a: &Ipv6Addr) -> bool {
            *a == ip("2001:db8::1") || *a == ip("fe80::1")
        }
        fn accepts_multicast(&self, a: &Ipv6Addr) -> bool {
            *a == ip("ff02::1")
        }
    }

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn packet(src: &str, dst: &str, hl: u8) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        let r = ipv6::Repr {
            src_addr: ip(src),
            dst_addr: ip(dst),
            next_header: IpProtocol::Udp,
            payload_len: 8,
            hop_limit: hl,
            traffic_class: 0,
            flow_label: 0,
        };
        r.emit(&mut ipv6::Packet::new_unchecked(&mut b[..]));
        b
    }

    #[test]
    fn classify_cases() {
        use Disposition::*;
        use DropReason::*;
        let c = |s, d, router| classify(&Me, router, &packet(s, d, 64));
        assert_eq!(c("2001:db8::2", "2001:db8::1", false), Local);
        assert_eq!(c("fe80::2", "fe80::1", false), Local);
        assert_eq!(c("::", "fe80::1", false), Local);
        assert_eq!(c("fe80::2", "ff02::1", false), Local);
        assert_eq!(c("fe80::2", "ff02::2", true), Drop(NotForUs));
        assert_eq!(c("2001:db8::2", "ff0e::1", true), Drop(NotForUs));
        assert_eq!(c("2001:db8::2", "2001:db8::3", false), Drop(NotForUs));
        assert_eq!(c("2001:db8::2", "2001:db8::3", true), Forward);
        assert_eq!(c("fe80::2", "2001:db8::3", true), Drop(LinkLocalScope));
        assert_eq!(c("2001:db8::2", "fe80::3", true), Drop(LinkLocalScope));
        assert_eq!(c("::", "2001:db8::3", true), Drop(UnspecifiedSource));
        assert_eq!(c("ff02::1", "2001:db8::1", true), Drop(BadHeader));
        assert_eq!(c("2001:db8::2", "::", true), Drop(BadHeader));
        assert_eq!(c("2001:db8::2", "::1", true), Drop(BadHeader));
        let mut p = packet("2001:db8::2", "2001:db8::1", 64);
        assert_eq!(classify(&Me, true, &p[..47]), Drop(BadHeader));
        p[0] = 0x40;
        assert_eq!(classify(&Me, true, &p), Drop(BadHeader));
        for n in 0..p.len() {
            let _ = classify(&Me, true, &p[..n]);
        }
    }

    #[test]
    fn hop_limit() {
        let mut p = packet("2001:db8::2", "2001:db8::3", 2);
        assert_eq!(prepare_forward(&mut p), Ok(()));
        assert_eq!(p[7], 1);
        let before = p.clone();
        assert_eq!(prepare_forward(&mut p), Err(IcmpError::HOP_LIMIT));
        assert_eq!(p, before);
        p[7] = 0;
        assert_eq!(prepare_forward(&mut p), Err(IcmpError::HOP_LIMIT));
        assert!(prepare_forward(&mut p[..10]).is_err());
    }
}
