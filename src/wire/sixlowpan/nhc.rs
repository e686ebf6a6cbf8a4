//! LOWPAN_NHC next-header compression (RFC 6282 §4): the IPv6 extension
//! header encoding (§4.2) and the UDP header encoding (§4.3).
//!
//! ```text
//! EH:   1 1 1 0 | EID (3) | NH | [next header (8), NH=0] | length (8) | data
//! UDP:  1 1 1 1 0 | C | P (2) | ports (4, 3, 3 or 1 bytes) | [checksum (16), C=0]
//! ```

use crate::wire::{Error, Result};

/// The class of a LOWPAN_NHC header, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NhcDispatch {
    /// `1110xxxx`: IPv6 extension header (RFC 6282 §4.2).
    ExtHeader,
    /// `11110xxx`: UDP header (RFC 6282 §4.3).
    Udp,
    /// Anything else: no NHC encoding is defined (the raw byte is kept).
    Reserved(u8),
}

impl NhcDispatch {
    /// Classifies an NHC byte.
    pub const fn from_byte(b: u8) -> NhcDispatch {
        match b {
            0xe0..=0xef => NhcDispatch::ExtHeader,
            0xf0..=0xf7 => NhcDispatch::Udp,
            _ => NhcDispatch::Reserved(b),
        }
    }
}

/// The extension header identifier (EID) of an NHC-EH header (RFC 6282 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtHeaderId {
    /// 0: IPv6 Hop-by-Hop Options.
    HopByHop,
    /// 1: IPv6 Routing.
    Routing,
    /// 2: IPv6 Fragment.
    Fragment,
    /// 3: IPv6 Destination Options.
    DestinationOptions,
    /// 4: Mobility Header (RFC 6275).
    Mobility,
    /// 7: an IPv6 header, itself compressed with LOWPAN_IPHC.
    Ipv6,
    /// 5 and 6: reserved.
    Reserved(u8),
}

impl ExtHeaderId {
    /// From the 3-bit EID.
    pub const fn from_eid(eid: u8) -> ExtHeaderId {
        match eid & 7 {
            0 => ExtHeaderId::HopByHop,
            1 => ExtHeaderId::Routing,
            2 => ExtHeaderId::Fragment,
            3 => ExtHeaderId::DestinationOptions,
            4 => ExtHeaderId::Mobility,
            7 => ExtHeaderId::Ipv6,
            e => ExtHeaderId::Reserved(e),
        }
    }

    /// The 3-bit EID.
    pub const fn eid(&self) -> u8 {
        match *self {
            ExtHeaderId::HopByHop => 0,
            ExtHeaderId::Routing => 1,
            ExtHeaderId::Fragment => 2,
            ExtHeaderId::DestinationOptions => 3,
            ExtHeaderId::Mobility => 4,
            ExtHeaderId::Ipv6 => 7,
            ExtHeaderId::Reserved(e) => e & 7,
        }
    }

    /// The IPv6 Next Header value that this EID stands for.
    pub const fn ip_protocol(&self) -> Option<u8> {
        match self {
            ExtHeaderId::HopByHop => Some(0),
            ExtHeaderId::Routing => Some(43),
            ExtHeaderId::Fragment => Some(44),
            ExtHeaderId::DestinationOptions => Some(60),
            ExtHeaderId::Mobility => Some(135),
            ExtHeaderId::Ipv6 => Some(41),
            ExtHeaderId::Reserved(_) => None,
        }
    }
}

/// A view of an NHC extension header and its data.
///
/// For EID 7 (IPv6) only the NHC byte belongs to this header: RFC 6282 §4.2
/// says the encapsulated header follows as LOWPAN_IPHC, with no Next Header
/// or Length byte (the NH bit "MUST be set to zero" and is ignored here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeaderPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ExtHeaderPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        ExtHeaderPacket { buffer }
    }

    /// Wraps a buffer and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the `1110` bits (`Malformed`), then that the header and the
    /// `length` data bytes fit (`Truncated`).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        let Some(&d) = b.first() else { return Err(Error::Truncated) };
        if d & 0xf0 != 0xe0 {
            return Err(Error::Malformed);
        }
        if self.is_ipv6() {
            return Ok(());
        }
        let len_at = 1 + usize::from(!self.nh());
        let Some(&len) = b.get(len_at) else { return Err(Error::Truncated) };
        if b.len() < len_at + 1 + usize::from(len) { Err(Error::Truncated) } else { Ok(()) }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn is_ipv6(&self) -> bool {
        self.eid() == 7
    }

    /// The 3-bit EID.
    pub fn eid(&self) -> u8 {
        (self.buffer.as_ref()[0] >> 1) & 7
    }

    /// The extension header identifier.
    pub fn header_id(&self) -> ExtHeaderId {
        ExtHeaderId::from_eid(self.eid())
    }

    /// NH: the following header is itself LOWPAN_NHC-compressed.
    pub fn nh(&self) -> bool {
        self.buffer.as_ref()[0] & 1 != 0
    }

    /// The in-line Next Header (NH=0, EID≠7), else `None`.
    pub fn next_header(&self) -> Option<u8> {
        if self.nh() || self.is_ipv6() { None } else { Some(self.buffer.as_ref()[1]) }
    }

    /// The Length byte: octets of header data after it (`None` for EID 7).
    pub fn length(&self) -> Option<u8> {
        if self.is_ipv6() { None } else { Some(self.buffer.as_ref()[1 + usize::from(!self.nh())]) }
    }

    /// NHC byte, in-line next header and Length byte (1 for EID 7).
    pub fn header_len(&self) -> usize {
        if self.is_ipv6() { 1 } else { 2 + usize::from(!self.nh()) }
    }

    /// Header length plus the data bytes.
    pub fn total_len(&self) -> usize {
        self.header_len() + usize::from(self.length().unwrap_or(0))
    }

    /// The header data (`length` bytes; empty for EID 7).
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..self.total_len()]
    }

    /// What follows the data: the next NHC header, IPHC (EID 7) or payload.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.total_len()..]
    }
}

/// A parsed NHC extension header (the data itself is not copied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtHeaderRepr {
    /// The extension header identifier.
    pub header_id: ExtHeaderId,
    /// The in-line next header; `None` when NH=1 (next header compressed)
    /// and always `None` for EID 7.
    pub next_header: Option<u8>,
    /// The Length byte (ignored for EID 7).
    pub length: u8,
}

impl ExtHeaderRepr {
    /// Parses a view.
    pub fn parse<T: AsRef<[u8]>>(packet: &ExtHeaderPacket<T>) -> Result<ExtHeaderRepr> {
        packet.check_len()?;
        Ok(ExtHeaderRepr {
            header_id: packet.header_id(),
            next_header: packet.next_header(),
            length: packet.length().unwrap_or(0),
        })
    }

    /// Header length this emits, not counting the `length` data bytes.
    pub fn buffer_len(&self) -> usize {
        if self.header_id == ExtHeaderId::Ipv6 { 1 } else { 2 + usize::from(self.next_header.is_some()) }
    }

    /// Writes the header (not the data) into the first `buffer_len()` bytes.
    pub fn emit(&self, buf: &mut [u8]) {
        let ipv6 = self.header_id == ExtHeaderId::Ipv6;
        let nh = u8::from(self.next_header.is_none() && !ipv6);
        buf[0] = 0xe0 | (self.header_id.eid() << 1) | nh;
        if ipv6 {
            return;
        }
        let mut at = 1;
        if let Some(n) = self.next_header {
            buf[1] = n;
            at = 2;
        }
        buf[at] = self.length;
    }
}

/// How the UDP ports are carried (the P bits, RFC 6282 §4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortsMode {
    /// 00: both ports in-line, 16 bits each.
    Full,
    /// 01: source in-line, destination 0xF0XX (8 bits).
    Dst8,
    /// 10: source 0xF0XX (8 bits), destination in-line.
    Src8,
    /// 11: both 0xF0BX (4 bits each, one byte).
    Both4,
}

impl PortsMode {
    /// From the 2-bit P field.
    pub const fn from_bits(p: u8) -> PortsMode {
        match p & 3 {
            0 => PortsMode::Full,
            1 => PortsMode::Dst8,
            2 => PortsMode::Src8,
            _ => PortsMode::Both4,
        }
    }

    /// The 2-bit P field.
    pub const fn bits(&self) -> u8 {
        match self {
            PortsMode::Full => 0,
            PortsMode::Dst8 => 1,
            PortsMode::Src8 => 2,
            PortsMode::Both4 => 3,
        }
    }

    /// In-line bytes for the two ports: 4, 3, 3 or 1.
    pub const fn inline_len(&self) -> usize {
        match self {
            PortsMode::Full => 4,
            PortsMode::Dst8 | PortsMode::Src8 => 3,
            PortsMode::Both4 => 1,
        }
    }

    /// The smallest mode that carries these two ports exactly.
    pub const fn for_ports(src: u16, dst: u16) -> PortsMode {
        if src & 0xfff0 == 0xf0b0 && dst & 0xfff0 == 0xf0b0 {
            PortsMode::Both4
        } else if dst & 0xff00 == 0xf000 {
            PortsMode::Dst8
        } else if src & 0xff00 == 0xf000 {
            PortsMode::Src8
        } else {
            PortsMode::Full
        }
    }
}

/// A view of an NHC UDP header and the UDP payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wraps a buffer and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the `11110` bits (`Malformed`) and that ports and checksum
    /// fit (`Truncated`). An elided checksum (C=1) is *not* an error here:
    /// see [`checksum_elided`](Self::checksum_elided).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        let Some(&d) = b.first() else { return Err(Error::Truncated) };
        if d & 0xf8 != 0xf0 {
            return Err(Error::Malformed);
        }
        if b.len() < self.header_len() { Err(Error::Truncated) } else { Ok(()) }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// C: the checksum is elided. RFC 6282 §4.3.2 allows this only when an
    /// upper layer authorises it (e.g. a tunnel with its own integrity
    /// check); a node without such a layer must drop the datagram.
    pub fn checksum_elided(&self) -> bool {
        self.buffer.as_ref()[0] & 0x04 != 0
    }

    /// The P field.
    pub fn ports_mode(&self) -> PortsMode {
        PortsMode::from_bits(self.buffer.as_ref()[0])
    }

    /// The raw in-line port bytes (4, 3, 3 or 1).
    pub fn ports_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[1..1 + self.ports_mode().inline_len()]
    }

    /// The source port, expanded (RFC 6282 §4.3.3: 0xF0XX, 0xF0BX).
    pub fn src_port(&self) -> u16 {
        match (self.ports_mode(), self.ports_bytes()) {
            (PortsMode::Full | PortsMode::Dst8, [a, b, ..]) => u16::from_be_bytes([*a, *b]),
            (PortsMode::Src8, [a, ..]) => 0xf000 | u16::from(*a),
            (_, [a, ..]) => 0xf0b0 | u16::from(a >> 4),
            _ => 0,
        }
    }

    /// The destination port, expanded.
    pub fn dst_port(&self) -> u16 {
        match (self.ports_mode(), self.ports_bytes()) {
            (PortsMode::Full, [_, _, a, b]) => u16::from_be_bytes([*a, *b]),
            (PortsMode::Dst8, [_, _, a]) => 0xf000 | u16::from(*a),
            (PortsMode::Src8, [_, a, b]) => u16::from_be_bytes([*a, *b]),
            (_, [a, ..]) => 0xf0b0 | u16::from(a & 0x0f),
            _ => 0,
        }
    }

    /// The in-line checksum, or `None` when elided (C=1).
    pub fn checksum(&self) -> Option<u16> {
        if self.checksum_elided() {
            return None;
        }
        let at = 1 + self.ports_mode().inline_len();
        let b = &self.buffer.as_ref()[at..at + 2];
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    /// NHC byte, ports and checksum: 2..=7 bytes.
    pub fn header_len(&self) -> usize {
        1 + self.ports_mode().inline_len() + if self.checksum_elided() { 0 } else { 2 }
    }

    /// The UDP payload.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

/// A parsed NHC UDP header.
///
/// `emit` writes the ports with `ports`, keeping only the low bits the mode
/// carries; [`UdpRepr::new`] picks the smallest mode that is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// How the ports are carried.
    pub ports: PortsMode,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The checksum, `None` when elided (C=1).
    pub checksum: Option<u16>,
}

impl UdpRepr {
    /// A header with the smallest exact ports encoding.
    pub const fn new(src_port: u16, dst_port: u16, checksum: Option<u16>) -> UdpRepr {
        UdpRepr { ports: PortsMode::for_ports(src_port, dst_port), src_port, dst_port, checksum }
    }

    /// Parses a view.
    pub fn parse<T: AsRef<[u8]>>(packet: &UdpPacket<T>) -> Result<UdpRepr> {
        packet.check_len()?;
        Ok(UdpRepr {
            ports: packet.ports_mode(),
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            checksum: packet.checksum(),
        })
    }

    /// Header length this emits.
    pub const fn buffer_len(&self) -> usize {
        1 + self.ports.inline_len() + if self.checksum.is_some() { 2 } else { 0 }
    }

    /// Writes the header into the first `buffer_len()` bytes of `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[0] = 0xf0 | (u8::from(self.checksum.is_none()) << 2) | self.ports.bits();
        let [s1, s0] = self.src_port.to_be_bytes();
        let [d1, d0] = self.dst_port.to_be_bytes();
        let n = 1 + self.ports.inline_len();
        match self.ports {
            PortsMode::Full => buf[1..5].copy_from_slice(&[s1, s0, d1, d0]),
            PortsMode::Dst8 => buf[1..4].copy_from_slice(&[s1, s0, d0]),
            PortsMode::Src8 => buf[1..4].copy_from_slice(&[s0, d1, d0]),
            PortsMode::Both4 => buf[1] = (s0 << 4) | (d0 & 0x0f),
        }
        if let Some(c) = self.checksum {
            buf[n..n + 2].copy_from_slice(&c.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // hand/hand_230_nofcs.pcap frame 2: f3 01 6d fa -> ports 0xf0b0/0xf0b1,
    // 4-bit mode, checksum 0x6dfa.
    const UDP4: [u8; 9] = [0xf3, 0x01, 0x6d, 0xfa, b'h', b'e', b'l', b'l', b'o'];
    // hand/hand_230_nofcs.pcap frame 3: f0 c3 50 c3 51 cb d1 -> 50000/50001.
    const UDP16: [u8; 7] = [0xf0, 0xc3, 0x50, 0xc3, 0x51, 0xcb, 0xd1];

    #[test]
    fn deconstruct_udp() {
        let p = UdpPacket::new_checked(&UDP4[..]).unwrap();
        assert_eq!(p.ports_mode(), PortsMode::Both4);
        assert_eq!((p.src_port(), p.dst_port(), p.checksum()), (0xf0b0, 0xf0b1, Some(0x6dfa)));
        assert_eq!(p.header_len(), 4);
        assert_eq!(p.payload(), b"hello");
        let p = UdpPacket::new_checked(&UDP16[..]).unwrap();
        assert_eq!((p.src_port(), p.dst_port(), p.checksum()), (50000, 50001, Some(0xcbd1)));
        assert_eq!(UdpRepr::parse(&p), Ok(UdpRepr::new(50000, 50001, Some(0xcbd1))));
    }

    #[test]
    fn construct_udp() {
        let mut b = [0u8; 4];
        UdpRepr::new(0xf0b0, 0xf0b1, Some(0x6dfa)).emit(&mut b);
        assert_eq!(b, UDP4[..4]);
        let r = UdpRepr::new(0xf012, 1234, None);
        assert_eq!(r.ports, PortsMode::Src8);
        assert_eq!(r.buffer_len(), 4);
        let mut b4 = [0u8; 4];
        r.emit(&mut b4);
        assert_eq!(b4, [0xf6, 0x12, 0x04, 0xd2]);
        let p = UdpPacket::new_checked(&b4[..]).unwrap();
        assert!(p.checksum_elided());
        assert_eq!(p.checksum(), None);
    }

    #[test]
    fn ext_header() {
        // Hop-by-hop with in-line next header 17 and 6 data bytes (an RPL option).
        let b = [0xe0, 0x11, 0x06, 0x63, 0x04, 0x00, 0x1e, 0x01, 0x00, 0xaa];
        let p = ExtHeaderPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.header_id(), ExtHeaderId::HopByHop);
        assert_eq!((p.nh(), p.next_header(), p.length()), (false, Some(17), Some(6)));
        assert_eq!(p.header_len(), 3);
        assert_eq!(p.data(), &b[3..9]);
        assert_eq!(p.payload(), &[0xaa]);
        let r = ExtHeaderRepr::parse(&p).unwrap();
        let mut out = [0u8; 3];
        r.emit(&mut out);
        assert_eq!(out, b[..3]);
        // NH=1: the length follows the NHC byte directly.
        let b = [0xe3, 0x02, 0x01, 0x02];
        let p = ExtHeaderPacket::new_checked(&b[..]).unwrap();
        assert_eq!(
            (p.header_id(), p.next_header(), p.length(), p.header_len()),
            (ExtHeaderId::Routing, None, Some(2), 2)
        );
        // EID 7: IPHC follows at once.
        let b = [0xee, 0x7b, 0x3b];
        let p = ExtHeaderPacket::new_checked(&b[..]).unwrap();
        assert_eq!((p.header_id(), p.header_len(), p.payload()), (ExtHeaderId::Ipv6, 1, &b[1..]));
        // Data past the end.
        assert_eq!(ExtHeaderPacket::new_checked(&[0xe0, 0x11, 0x06, 0, 0][..]).err(), Some(Error::Truncated));
        assert_eq!(ExtHeaderPacket::new_checked(&[0xf0, 0, 0][..]).err(), Some(Error::Malformed));
        assert_eq!(ExtHeaderId::from_eid(5), ExtHeaderId::Reserved(5));
    }

    #[test]
    fn dispatch() {
        assert_eq!(NhcDispatch::from_byte(0xe1), NhcDispatch::ExtHeader);
        assert_eq!(NhcDispatch::from_byte(0xf7), NhcDispatch::Udp);
        assert_eq!(NhcDispatch::from_byte(0xf8), NhcDispatch::Reserved(0xf8));
        assert_eq!(NhcDispatch::from_byte(0x3a), NhcDispatch::Reserved(0x3a));
    }

    #[test]
    fn every_prefix() {
        for n in 0..4 {
            assert_eq!(UdpPacket::new_checked(&UDP4[..n]).err(), Some(Error::Truncated));
        }
        for n in 0..7 {
            assert_eq!(UdpPacket::new_checked(&UDP16[..n]).err(), Some(Error::Truncated));
        }
    }

    fn arb_udp() -> impl Strategy<Value = UdpRepr> {
        (any::<u16>(), any::<u16>(), proptest::option::of(any::<u16>()), 0u8..4).prop_map(|(s, d, c, p)| {
            let ports = PortsMode::from_bits(p);
            // Keep only the bits the mode carries, so the value round-trips.
            let (s, d) = match ports {
                PortsMode::Full => (s, d),
                PortsMode::Dst8 => (s, 0xf000 | (d & 0xff)),
                PortsMode::Src8 => (0xf000 | (s & 0xff), d),
                PortsMode::Both4 => (0xf0b0 | (s & 0xf), 0xf0b0 | (d & 0xf)),
            };
            UdpRepr { ports, src_port: s, dst_port: d, checksum: c }
        })
    }

    fn arb_ext() -> impl Strategy<Value = ExtHeaderRepr> {
        (0u8..8, proptest::option::of(any::<u8>()), any::<u8>()).prop_map(|(eid, nh, len)| {
            let header_id = ExtHeaderId::from_eid(eid);
            if header_id == ExtHeaderId::Ipv6 {
                ExtHeaderRepr { header_id, next_header: None, length: 0 }
            } else {
                ExtHeaderRepr { header_id, next_header: nh, length: len }
            }
        })
    }

    proptest! {
        #[test]
        fn udp_round_trip(r in arb_udp()) {
            let mut buf = [0u8; 8];
            let n = r.buffer_len();
            r.emit(&mut buf[..n]);
            prop_assert_eq!(UdpRepr::parse(&UdpPacket::new_unchecked(&buf[..n])), Ok(r));
            for k in 0..n {
                prop_assert_eq!(UdpPacket::new_checked(&buf[..k]).err(), Some(Error::Truncated));
            }
        }

        #[test]
        fn udp_new_is_exact(s: u16, d: u16) {
            let r = UdpRepr::new(s, d, Some(0));
            let mut buf = [0u8; 8];
            r.emit(&mut buf[..r.buffer_len()]);
            let p = UdpPacket::new_checked(&buf[..r.buffer_len()]).unwrap();
            prop_assert_eq!((p.src_port(), p.dst_port()), (s, d));
        }

        #[test]
        fn ext_round_trip(r in arb_ext()) {
            let mut buf = [0u8; 3 + 255];
            let n = r.buffer_len() + usize::from(r.length);
            r.emit(&mut buf[..r.buffer_len()]);
            prop_assert_eq!(ExtHeaderRepr::parse(&ExtHeaderPacket::new_unchecked(&buf[..n])), Ok(r));
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..16)) {
            if let Ok(p) = UdpPacket::new_checked(&b[..]) {
                let _ = (p.src_port(), p.dst_port(), p.checksum(), p.payload());
            }
            if let Ok(p) = ExtHeaderPacket::new_checked(&b[..]) {
                let _ = (p.next_header(), p.length(), p.data(), p.payload());
            }
        }
    }
}
