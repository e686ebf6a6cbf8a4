//! IPv6 (RFC 8200): the fixed header, extension headers and address helpers.
//!
//! - [`Packet`] / [`Repr`]: the 40-octet fixed header (RFC 8200 §3).
//! - [`ext`]: the generic extension header view and the chain walker
//!   ([`ext::ExtHeaders`], [`ext::upper_layer`]).
//! - [`options`]: Hop-by-Hop and Destination Options headers and their
//!   options, including the RPL option (RFC 6553).
//! - [`routing`]: the Routing header and the RPL Source Routing Header
//!   (RFC 6554).
//! - [`fragment`]: the Fragment header (RFC 8200 §4.5).
//! - [`AddressExt`] and the well-known multicast addresses.
//!
//! ```
//! use sixlo::wire::ipv6::{IpProtocol, Packet, Repr};
//! let bytes = [
//!     0x60, 0, 0, 0, 0, 0, 59, 64, // version 6, no payload, No Next Header
//!     0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // fe80::1
//!     0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // ff02::1
//! ];
//! let repr = Repr::parse(&Packet::new_checked(&bytes[..]).unwrap()).unwrap();
//! assert_eq!(repr.next_header, IpProtocol::Ipv6NoNxt);
//! assert_eq!(repr.hop_limit, 64);
//! ```

pub mod ext;
pub mod fragment;
pub mod options;
pub mod routing;

use core::net::Ipv6Addr;

use crate::wire::{Error, Result};

pub use ext::{ExtHeader, ExtHeaders, UpperLayer, upper_layer};
pub use fragment::FragmentRepr;
pub use options::{OptionRepr, OptionsHeaderRepr, RplOption, UnknownOptionAction};
pub use routing::{Routing, RoutingRepr, SourceRoute};

/// The length of the fixed IPv6 header (RFC 8200 §3).
pub const HEADER_LEN: usize = 40;

/// The minimum link MTU every IPv6 link must support (RFC 8200 §5).
pub const MIN_MTU: usize = 1280;

/// `ff02::1`, all nodes on the link (RFC 4291 §2.7.1).
pub const LINK_LOCAL_ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// `ff02::2`, all routers on the link (RFC 4291 §2.7.1).
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
/// `ff02::1a`, all RPL nodes on the link (RFC 6550 §20.19).
pub const ALL_RPL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x1a);

/// The Next Header / protocol number (IANA "Assigned Internet Protocol Numbers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpProtocol {
    /// IPv6 Hop-by-Hop Options (0).
    HopByHop,
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// IPv6 encapsulated in IPv6 (41), e.g. RPL tunnelling (RFC 9008).
    Ipv6,
    /// Routing header (43).
    Ipv6Route,
    /// Fragment header (44).
    Ipv6Frag,
    /// ICMPv6 (58).
    Icmpv6,
    /// No Next Header (59).
    Ipv6NoNxt,
    /// Destination Options (60).
    Ipv6Opts,
    /// Any other protocol number.
    Unknown(u8),
}

impl From<u8> for IpProtocol {
    fn from(v: u8) -> Self {
        match v {
            0 => IpProtocol::HopByHop,
            6 => IpProtocol::Tcp,
            17 => IpProtocol::Udp,
            41 => IpProtocol::Ipv6,
            43 => IpProtocol::Ipv6Route,
            44 => IpProtocol::Ipv6Frag,
            58 => IpProtocol::Icmpv6,
            59 => IpProtocol::Ipv6NoNxt,
            60 => IpProtocol::Ipv6Opts,
            v => IpProtocol::Unknown(v),
        }
    }
}

impl From<IpProtocol> for u8 {
    fn from(p: IpProtocol) -> u8 {
        match p {
            IpProtocol::HopByHop => 0,
            IpProtocol::Tcp => 6,
            IpProtocol::Udp => 17,
            IpProtocol::Ipv6 => 41,
            IpProtocol::Ipv6Route => 43,
            IpProtocol::Ipv6Frag => 44,
            IpProtocol::Icmpv6 => 58,
            IpProtocol::Ipv6NoNxt => 59,
            IpProtocol::Ipv6Opts => 60,
            IpProtocol::Unknown(v) => v,
        }
    }
}

/// The scope of a multicast address (RFC 4291 §2.7, RFC 7346).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MulticastScope {
    /// Interface-local (1).
    InterfaceLocal,
    /// Link-local (2).
    LinkLocal,
    /// Realm-local (3), RFC 7346; used by MPL over a 6LoWPAN.
    RealmLocal,
    /// Admin-local (4).
    AdminLocal,
    /// Site-local (5).
    SiteLocal,
    /// Organization-local (8).
    OrganizationLocal,
    /// Global (0xe).
    Global,
    /// Any other (reserved or unassigned) scope value.
    Unknown(u8),
}

impl From<u8> for MulticastScope {
    fn from(v: u8) -> Self {
        match v {
            1 => MulticastScope::InterfaceLocal,
            2 => MulticastScope::LinkLocal,
            3 => MulticastScope::RealmLocal,
            4 => MulticastScope::AdminLocal,
            5 => MulticastScope::SiteLocal,
            8 => MulticastScope::OrganizationLocal,
            0xe => MulticastScope::Global,
            v => MulticastScope::Unknown(v),
        }
    }
}

/// Address helpers the stack needs on [`Ipv6Addr`].
pub trait AddressExt {
    /// True for a unicast link-local address, `fe80::/10` (RFC 4291 §2.5.6).
    fn is_link_local(&self) -> bool;
    /// The scope of a multicast address, `None` for a unicast one (RFC 4291 §2.7).
    fn mcast_scope(&self) -> Option<MulticastScope>;
    /// The solicited-node multicast address `ff02::1:ffXX:XXXX` formed from
    /// the low 24 bits of this address (RFC 4291 §2.7.1).
    fn solicited_node(&self) -> Ipv6Addr;
    /// True for a solicited-node multicast address, `ff02::1:ff00:0/104`.
    fn is_solicited_node(&self) -> bool;
}

impl AddressExt for Ipv6Addr {
    fn is_link_local(&self) -> bool {
        let o = self.octets();
        o[0] == 0xfe && o[1] & 0xc0 == 0x80
    }

    fn mcast_scope(&self) -> Option<MulticastScope> {
        let o = self.octets();
        (o[0] == 0xff).then(|| MulticastScope::from(o[1] & 0x0f))
    }

    fn solicited_node(&self) -> Ipv6Addr {
        let o = self.octets();
        Ipv6Addr::from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15]])
    }

    fn is_solicited_node(&self) -> bool {
        self.octets()[..13] == [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff]
    }
}

mod field {
    use core::ops::Range;
    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const PAYLOAD_LEN: Range<usize> = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Range<usize> = 8..24;
    pub const DST_ADDR: Range<usize> = 24..40;
}

/// A zero-copy view of an IPv6 packet (RFC 8200 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len), and rejects a
    /// version other than 6 as `Malformed`.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        if p.version() != 6 {
            return Err(Error::Malformed);
        }
        Ok(p)
    }

    /// Checks that the fixed header and the payload it announces fit in the buffer.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if usize::from(self.payload_len()) > len - HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn word0(&self) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The version field (6 for IPv6).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// The traffic class (DSCP and ECN).
    pub fn traffic_class(&self) -> u8 {
        (self.word0() >> 20) as u8
    }

    /// The 20-bit flow label.
    pub fn flow_label(&self) -> u32 {
        self.word0() & 0x000f_ffff
    }

    /// The payload length: the octets after the fixed header, extension headers included.
    pub fn payload_len(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[field::PAYLOAD_LEN.start], b[field::PAYLOAD_LEN.start + 1]])
    }

    /// The Next Header field.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::NXT_HDR])
    }

    /// The hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        addr(&self.buffer.as_ref()[field::SRC_ADDR])
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        addr(&self.buffer.as_ref()[field::DST_ADDR])
    }

    /// The payload, bounded by the payload length (bytes after it are link padding).
    pub fn payload(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        &self.buffer.as_ref()[HEADER_LEN..end]
    }
}

fn addr(b: &[u8]) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(b);
    Ipv6Addr::from(o)
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_word0(&mut self, v: u32) {
        self.buffer.as_mut()[field::VER_TC_FLOW].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the version field (low 4 bits of `v`).
    pub fn set_version(&mut self, v: u8) {
        let w = (self.word0() & 0x0fff_ffff) | (u32::from(v & 0x0f) << 28);
        self.set_word0(w);
    }

    /// Sets the traffic class.
    pub fn set_traffic_class(&mut self, v: u8) {
        let w = (self.word0() & 0xf00f_ffff) | (u32::from(v) << 20);
        self.set_word0(w);
    }

    /// Sets the flow label (low 20 bits of `v`).
    pub fn set_flow_label(&mut self, v: u32) {
        let w = (self.word0() & 0xfff0_0000) | (v & 0x000f_ffff);
        self.set_word0(w);
    }

    /// Sets the payload length.
    pub fn set_payload_len(&mut self, v: u16) {
        self.buffer.as_mut()[field::PAYLOAD_LEN].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the Next Header field.
    pub fn set_next_header(&mut self, v: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = v.into();
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, v: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = v;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&a.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&a.octets());
    }

    /// The payload, mutable, bounded by the payload length.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

/// The validated fixed IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// The Next Header field: the first extension header or the upper layer.
    pub next_header: IpProtocol,
    /// Octets after the fixed header (extension headers included).
    pub payload_len: u16,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class (DSCP and ECN).
    pub traffic_class: u8,
    /// Flow label; only the low 20 bits are emitted.
    pub flow_label: u32,
}

impl Repr {
    /// Parses a view; a version other than 6 is `Malformed`.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.version() != 6 {
            return Err(Error::Malformed);
        }
        Ok(Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: packet.payload_len(),
            hop_limit: packet.hop_limit(),
            traffic_class: packet.traffic_class(),
            flow_label: packet.flow_label(),
        })
    }

    /// The length of the fixed header, [`HEADER_LEN`].
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the fixed header into the first [`HEADER_LEN`] octets of `packet`'s
    /// buffer (which must be at least that long); the payload is left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_word0((6 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0x000f_ffff));
        packet.set_payload_len(self.payload_len);
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // tcpdump rpl-14-dao.pcap, the IPv6 packet after the Ethernet header:
    // fe80::216:3eff:fe11:3424 -> ff02::1, ICMPv6 (RPL DAO), 24 octets.
    pub(crate) const DAO_PACKET: [u8; 64] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x16, 0x3e, 0xff, 0xfe, 0x11, 0x34, 0x24, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x9b, 0x02, 0x39, 0x8d, 0x01, 0x40, 0x00, 0x01, 0x70, 0x61, 0x6e,
        0x64, 0x6f, 0x72, 0x61, 0x20, 0x69, 0x73, 0x20, 0x66, 0x75, 0x6e, 0x0a, 0x6c,
    ];

    fn dao_repr() -> Repr {
        Repr {
            src_addr: "fe80::216:3eff:fe11:3424".parse().unwrap(),
            dst_addr: LINK_LOCAL_ALL_NODES,
            next_header: IpProtocol::Icmpv6,
            payload_len: 24,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
    }

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(&DAO_PACKET[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.payload_len(), 24);
        assert_eq!(p.next_header(), IpProtocol::Icmpv6);
        assert_eq!(p.payload(), &DAO_PACKET[40..]);
        assert_eq!(Repr::parse(&p).unwrap(), dao_repr());
    }

    #[test]
    fn test_construct() {
        let mut buf = [0xa5u8; 64];
        let r = dao_repr();
        r.emit(&mut Packet::new_unchecked(&mut buf[..]));
        buf[40..].copy_from_slice(&DAO_PACKET[40..]);
        assert_eq!(buf, DAO_PACKET);
    }

    #[test]
    fn tc_flow_fields() {
        let mut b = DAO_PACKET;
        b[0..4].copy_from_slice(&[0x6a, 0xbc, 0xde, 0xf1]);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.traffic_class(), 0xab);
        assert_eq!(p.flow_label(), 0xcdef1);
        let mut out = [0u8; 64];
        Repr::parse(&p).unwrap().emit(&mut Packet::new_unchecked(&mut out[..]));
        assert_eq!(out[..40], b[..40]);
    }

    #[test]
    fn payload_len_bounds_and_padding() {
        let mut b = [0u8; 70];
        b[..64].copy_from_slice(&DAO_PACKET);
        // Trailing link padding is not payload.
        assert_eq!(Packet::new_checked(&b[..]).unwrap().payload().len(), 24);
        // A payload length past the buffer is truncated.
        assert_eq!(Packet::new_checked(&DAO_PACKET[..63]).unwrap_err(), Error::Truncated);
        b[5] = 31;
        assert_eq!(Packet::new_checked(&b[..]).unwrap_err(), Error::Truncated);
    }

    #[test]
    fn version_must_be_6() {
        let mut b = DAO_PACKET;
        b[0] = 0x40;
        assert_eq!(Packet::new_checked(&b[..]).unwrap_err(), Error::Malformed);
        assert_eq!(Repr::parse(&Packet::new_unchecked(&b[..])).unwrap_err(), Error::Malformed);
    }

    #[test]
    fn every_prefix() {
        for n in 0..DAO_PACKET.len() {
            assert_eq!(Packet::new_checked(&DAO_PACKET[..n]).unwrap_err(), Error::Truncated, "{n}");
        }
    }

    #[test]
    fn protocol_numbers() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(IpProtocol::from(v)), v);
        }
        assert_eq!(IpProtocol::from(43), IpProtocol::Ipv6Route);
        assert_eq!(IpProtocol::from(50), IpProtocol::Unknown(50));
    }

    #[test]
    fn address_helpers() {
        let a: Ipv6Addr = "fe80::212:7401:1:101".parse().unwrap();
        assert!(a.is_link_local());
        assert!(!"fec0::1".parse::<Ipv6Addr>().unwrap().is_link_local());
        assert!("febf::1".parse::<Ipv6Addr>().unwrap().is_link_local());
        assert_eq!(a.solicited_node(), "ff02::1:ff01:101".parse::<Ipv6Addr>().unwrap());
        assert!(a.solicited_node().is_solicited_node());
        assert!(!ALL_RPL_NODES.is_solicited_node());
        assert_eq!(a.mcast_scope(), None);
        assert_eq!(ALL_RPL_NODES.mcast_scope(), Some(MulticastScope::LinkLocal));
        assert_eq!(ALL_RPL_NODES, "ff02::1a".parse::<Ipv6Addr>().unwrap());
        assert_eq!("ff03::fc".parse::<Ipv6Addr>().unwrap().mcast_scope(), Some(MulticastScope::RealmLocal));
        assert_eq!("ff0f::1".parse::<Ipv6Addr>().unwrap().mcast_scope(), Some(MulticastScope::Unknown(15)));
    }

    pub(crate) fn arb_addr() -> impl Strategy<Value = Ipv6Addr> {
        any::<[u8; 16]>().prop_map(Ipv6Addr::from)
    }

    prop_compose! {
        fn arb_repr()(src in arb_addr(), dst in arb_addr(), nh in any::<u8>(), pl in any::<u16>(),
                      hl in any::<u8>(), tc in any::<u8>(), fl in 0u32..0x10_0000) -> Repr {
            Repr { src_addr: src, dst_addr: dst, next_header: nh.into(), payload_len: pl,
                   hop_limit: hl, traffic_class: tc, flow_label: fl }
        }
    }

    proptest! {
        #[test]
        fn round_trip(r in arb_repr()) {
            let mut buf = vec![0u8; HEADER_LEN + usize::from(r.payload_len)];
            r.emit(&mut Packet::new_unchecked(&mut buf[..]));
            prop_assert_eq!(Repr::parse(&Packet::new_checked(&buf[..]).unwrap()).unwrap(), r);
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok(p) = Packet::new_checked(&b[..]) {
                let _ = Repr::parse(&p).unwrap();
                let _ = p.payload();
            }
        }
    }
}
