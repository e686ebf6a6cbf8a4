//! The Routing header (RFC 8200 §4.4) and the RPL Source Routing Header
//! (RFC 6554 §3), routing type 3.
//!
//! ```text
//! |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
//! | CmprI | CmprE |  Pad  |               Reserved                |   (type 3)
//! |            Addresses[1..n] (compressed)      ... Pad octets    |
//! ```
//!
//! The SRH keeps its addresses as the compressed octet string found on the
//! wire; [`SourceRoute::address`] expands one of them with the prefix octets
//! of the packet's destination address, and [`SourceRoute::compress`] builds
//! the octet string from full addresses. The Pad field and Hdr Ext Len are not
//! stored: they follow from the address octets.

use core::net::Ipv6Addr;

use crate::wire::checksum::put;
use crate::wire::{Error, Result};

use super::IpProtocol;
use super::ext::ExtHeader;

/// The routing type of the RPL Source Routing Header (RFC 6554 §3).
pub const TYPE_RPL_SOURCE_ROUTE: u8 = 3;

/// The most address octets a Routing header can hold: Hdr Ext Len is at most
/// 255, so 255 × 8 octets follow the first 8.
pub const MAX_ADDRESS_OCTETS: usize = 255 * 8;

/// An RPL Source Routing Header's type-specific part (RFC 6554 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceRoute<'a> {
    /// CmprI: prefix octets elided from addresses 1..n-1 (0-15).
    pub cmpr_i: u8,
    /// CmprE: prefix octets elided from the last address (0-15).
    pub cmpr_e: u8,
    /// The 20-bit Reserved field (zero when sent, ignored on receipt; kept so
    /// a round trip is exact).
    pub reserved: u32,
    /// The compressed addresses, without the Pad octets.
    pub addresses: &'a [u8],
}

/// Number of leading octets two addresses share, at most 15 (CmprI/CmprE are 4 bits).
fn common_prefix(a: &Ipv6Addr, b: &Ipv6Addr) -> u8 {
    let (a, b) = (a.octets(), b.octets());
    a.iter().zip(b.iter()).take(15).take_while(|(x, y)| x == y).count() as u8
}

impl<'a> SourceRoute<'a> {
    /// Checks the field consistency of RFC 6554 §3 and returns the number of
    /// addresses n: the address octets must be `(n-1)(16-CmprI) + (16-CmprE)`
    /// with n ≥ 1, and CmprI/CmprE must fit in 4 bits.
    pub fn validate(&self) -> Result<usize> {
        if self.cmpr_i > 15 || self.cmpr_e > 15 || self.addresses.len() > MAX_ADDRESS_OCTETS {
            return Err(Error::Malformed);
        }
        let (si, se) = (16 - usize::from(self.cmpr_i), 16 - usize::from(self.cmpr_e));
        // RFC 6554 §3: n = (((Hdr Ext Len * 8) - Pad - (16 - CmprE)) / (16 - CmprI)) + 1,
        // which must be a whole number of at least 1.
        let rest = self.addresses.len().checked_sub(se).ok_or(Error::Malformed)?;
        if rest % si != 0 {
            return Err(Error::Malformed);
        }
        Ok(rest / si + 1)
    }

    /// The number of addresses n (0 when the fields are inconsistent; a parsed
    /// SRH is always consistent).
    pub fn len(&self) -> usize {
        self.validate().unwrap_or(0)
    }

    /// True when [`len`](Self::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Pad field: octets after the last address up to a multiple of 8.
    pub fn pad(&self) -> u8 {
        ((8 - self.addresses.len() % 8) % 8) as u8
    }

    /// Expands address `i` (0-based; RFC 6554 numbers them 1..n) by taking
    /// the elided prefix octets from `dst`, the IPv6 Destination Address of
    /// the packet carrying the header (RFC 6554 §3). `None` when out of range.
    pub fn address(&self, i: usize, dst: &Ipv6Addr) -> Option<Ipv6Addr> {
        let n = self.validate().ok()?;
        if i >= n {
            return None;
        }
        let si = 16 - usize::from(self.cmpr_i);
        let size = if i + 1 == n { 16 - usize::from(self.cmpr_e) } else { si };
        let start = i * si;
        let mut o = dst.octets();
        o[16 - size..].copy_from_slice(self.addresses.get(start..start + size)?);
        Some(Ipv6Addr::from(o))
    }

    /// Iterates over the expanded addresses (see [`address`](Self::address)).
    pub fn iter_addresses(&self, dst: Ipv6Addr) -> impl Iterator<Item = Ipv6Addr> + '_ {
        (0..self.len()).filter_map(move |i| self.address(i, &dst))
    }

    /// Builds an SRH for a packet sent to `dst` that will visit `route` in
    /// order, writing the compressed addresses into `buf`.
    ///
    /// CmprI is the number of prefix octets every intermediate address shares
    /// with `dst`; CmprE the number the last address shares with `dst` and with
    /// every intermediate address, so that each hop, whose destination is the
    /// previous address after the swap of RFC 6554 §4.2, expands it right.
    ///
    /// `Err(Malformed)` for an empty route or one above 2040 octets,
    /// `Err(Truncated)` when `buf` is too short.
    pub fn compress(dst: &Ipv6Addr, route: &[Ipv6Addr], buf: &'a mut [u8]) -> Result<SourceRoute<'a>> {
        let (last, inter) = route.split_last().ok_or(Error::Malformed)?;
        // `common_prefix` is at most 15, what CmprI is with no intermediate.
        let (mut cmpr_i, mut cmpr_e) = (15, common_prefix(last, dst));
        for a in inter {
            cmpr_i = cmpr_i.min(common_prefix(a, dst));
            cmpr_e = cmpr_e.min(common_prefix(last, a));
        }
        let (si, se) = (16 - usize::from(cmpr_i), 16 - usize::from(cmpr_e));
        let total = inter.len() * si + se;
        if total > MAX_ADDRESS_OCTETS {
            return Err(Error::Malformed);
        }
        let out = buf.get_mut(..total).ok_or(Error::Truncated)?;
        // Each address's last octets, the last address's after the others.
        let mut at = 0;
        for (a, n) in inter.iter().map(|a| (a, si)).chain([(last, se)]) {
            put(out, at, &a.octets()[16 - n..]);
            at += n;
        }
        Ok(SourceRoute { cmpr_i, cmpr_e, reserved: 0, addresses: out })
    }
}

/// The type-specific part of a Routing header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Routing<'a> {
    /// Type 3, the RPL Source Routing Header (RFC 6554).
    SourceRoute(SourceRoute<'a>),
    /// Any other routing type, with its octets after Segments Left.
    Unknown {
        /// The routing type.
        routing_type: u8,
        /// The octets after Segments Left up to the header end.
        data: &'a [u8],
    },
}

/// A Routing header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoutingRepr<'a> {
    /// The header that follows.
    pub next_header: IpProtocol,
    /// Segments Left: route segments still to visit.
    pub segments_left: u8,
    /// The routing type and its data.
    pub routing: Routing<'a>,
}

impl<'a> RoutingRepr<'a> {
    /// Parses a Routing header at the start of `bytes`. An SRH whose fields
    /// are inconsistent (RFC 6554 §3) is `Malformed`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let h = ExtHeader::new_checked(bytes)?;
        let end = h.header_len();
        let routing_type = bytes[2];
        let routing = if routing_type == TYPE_RPL_SOURCE_ROUTE {
            let pad = usize::from(bytes[5] >> 4);
            // RFC 6554 §3: Pad is at most 7, the header being a multiple of 8 octets.
            if pad > 7 {
                return Err(Error::Malformed);
            }
            let addr_end = end.checked_sub(pad).filter(|&e| e >= 8).ok_or(Error::Malformed)?;
            let sr = SourceRoute {
                cmpr_i: bytes[4] >> 4,
                cmpr_e: bytes[4] & 0x0f,
                reserved: u32::from_be_bytes([0, bytes[5] & 0x0f, bytes[6], bytes[7]]),
                addresses: &bytes[8..addr_end],
            };
            sr.validate()?;
            Routing::SourceRoute(sr)
        } else {
            Routing::Unknown { routing_type, data: &bytes[4..end] }
        };
        Ok(RoutingRepr { next_header: h.next_header(), segments_left: bytes[3], routing })
    }

    /// The emitted length, a multiple of 8 (address or data octets beyond what
    /// Hdr Ext Len can express are not emitted).
    pub fn buffer_len(&self) -> usize {
        let body = match &self.routing {
            Routing::SourceRoute(sr) => 8 + sr.addresses.len(),
            Routing::Unknown { data, .. } => 4 + data.len(),
        };
        body.div_ceil(8).clamp(1, 256) * 8
    }

    /// Writes the header into the first [`buffer_len`](Self::buffer_len)
    /// octets of `buf`, padding with zero octets.
    ///
    /// # Panics
    /// When `buf` is shorter than `buffer_len()`.
    pub fn emit(&self, buf: &mut [u8]) {
        let total = self.buffer_len();
        let buf = &mut buf[..total];
        buf.fill(0);
        buf[0] = self.next_header.into();
        buf[1] = (total / 8 - 1) as u8;
        buf[3] = self.segments_left;
        match &self.routing {
            Routing::SourceRoute(sr) => {
                let n = sr.addresses.len().min(total - 8);
                buf[2] = TYPE_RPL_SOURCE_ROUTE;
                buf[4] = (sr.cmpr_i << 4) | (sr.cmpr_e & 0x0f);
                let r = sr.reserved.to_be_bytes();
                buf[5] = (sr.pad() << 4) | (r[1] & 0x0f);
                buf[6] = r[2];
                buf[7] = r[3];
                buf[8..8 + n].copy_from_slice(&sr.addresses[..n]);
            }
            Routing::Unknown { routing_type, data } => {
                let n = data.len().min(total - 4);
                buf[2] = *routing_type;
                buf[4..4 + n].copy_from_slice(&data[..n]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    // An RFC 6554 §3 style SRH as a border router might write it: destination
    // 2001:db8::1, a route of three addresses in 2001:db8::/64 with CmprI =
    // CmprE = 8 (8 octets each, Pad 0). Next header ICMPv6, segments left 3.
    const SRH: [u8; 32] = [
        58, 3, 3, 3, 0x88, 0x00, 0x00, 0x00, //
        0, 0, 0, 0, 0, 0, 0, 0x11, //
        0, 0, 0, 0, 0, 0, 0, 0x12, //
        0, 1, 0, 2, 0, 3, 0, 4,
    ];

    fn srh_route() -> [Ipv6Addr; 3] {
        [a("2001:db8::11"), a("2001:db8::12"), a("2001:db8::1:2:3:4")]
    }

    #[test]
    fn test_deconstruct_srh() {
        let r = RoutingRepr::parse(&SRH).unwrap();
        assert_eq!(r.next_header, IpProtocol::Icmpv6);
        assert_eq!(r.segments_left, 3);
        let Routing::SourceRoute(sr) = r.routing else { panic!("not an SRH") };
        assert_eq!((sr.cmpr_i, sr.cmpr_e, sr.pad(), sr.reserved, sr.len()), (8, 8, 0, 0, 3));
        let dst = a("2001:db8::1");
        let got: Vec<_> = sr.iter_addresses(dst).collect();
        assert_eq!(got, srh_route());
        assert_eq!(sr.address(3, &dst), None);
        let mut out = [0u8; 32];
        r.emit(&mut out);
        assert_eq!(out, SRH);
    }

    #[test]
    fn test_construct_srh() {
        // compress() elides as much as it can: the intermediates share 15
        // octets with the destination, the last one 9 with everything.
        let mut scratch = [0u8; 64];
        let sr = SourceRoute::compress(&a("2001:db8::1"), &srh_route(), &mut scratch).unwrap();
        assert_eq!((sr.cmpr_i, sr.cmpr_e, sr.pad()), (15, 9, 7));
        let r = RoutingRepr {
            next_header: IpProtocol::Icmpv6,
            segments_left: 3,
            routing: Routing::SourceRoute(sr),
        };
        let mut out = [0xffu8; 24];
        assert_eq!(r.buffer_len(), 24);
        r.emit(&mut out);
        assert_eq!(
            out,
            [
                58, 2, 3, 3, 0xf9, 0x70, 0, 0, //
                0x11, 0x12, 0x01, 0, 2, 0, 3, 0, //
                4, 0, 0, 0, 0, 0, 0, 0
            ]
        );
        let back = RoutingRepr::parse(&out).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn srh_with_full_last_address() {
        // RFC 6554 §3: "an SRH carrying a full IPv6 address in Addresses[n]
        // sets CmprE to 0": one hop inside the link-local mesh (CmprI 15, one
        // octet), then a global final destination; 17 octets, Pad 7.
        let dst = a("fe80::212:7401:1:101");
        let route = [a("fe80::212:7401:1:102"), a("2001:db8::5")];
        let mut scratch = [0u8; 64];
        let sr = SourceRoute::compress(&dst, &route, &mut scratch).unwrap();
        assert_eq!((sr.cmpr_i, sr.cmpr_e, sr.addresses.len(), sr.pad()), (15, 0, 17, 7));
        let r =
            RoutingRepr { next_header: IpProtocol::Udp, segments_left: 2, routing: Routing::SourceRoute(sr) };
        let mut out = [0u8; 32];
        assert_eq!(r.buffer_len(), 32);
        r.emit(&mut out);
        let mut want = [0u8; 32];
        want[..9].copy_from_slice(&[17, 3, 3, 2, 0xf0, 0x70, 0, 0, 0x02]);
        want[9..25].copy_from_slice(&route[1].octets());
        assert_eq!(out, want);
        let back = RoutingRepr::parse(&out).unwrap();
        assert_eq!(back, r);
        let Routing::SourceRoute(sr) = back.routing else { panic!() };
        assert_eq!(sr.address(0, &dst), Some(route[0]));
        assert_eq!(sr.address(1, &route[0]), Some(route[1]));
    }

    #[test]
    fn srh_inconsistent_is_malformed() {
        // CmprI 8 / CmprE 8 with 24 octets of addresses: (24 - 8) / 8 + 1 = 3 fine;
        // change CmprE to 9 -> 24 - 7 = 17 not a multiple of 8.
        let mut b = SRH;
        b[4] = 0x89;
        assert_eq!(RoutingRepr::parse(&b).unwrap_err(), Error::Malformed);
        // Pad 8 is impossible.
        let mut b = SRH;
        b[5] = 0x80;
        assert_eq!(RoutingRepr::parse(&b).unwrap_err(), Error::Malformed);
        // No address at all: Hdr Ext Len 0 (RFC 6554 §3 formula gives n < 1).
        assert_eq!(RoutingRepr::parse(&[58, 0, 3, 0, 0, 0, 0, 0]).unwrap_err(), Error::Malformed);
        // Pad larger than the address octets.
        assert_eq!(RoutingRepr::parse(&[58, 0, 3, 0, 0xff, 0x50, 0, 0]).unwrap_err(), Error::Malformed);
        // Empty route cannot be compressed.
        assert_eq!(SourceRoute::compress(&a("::1"), &[], &mut [0u8; 16]).unwrap_err(), Error::Malformed);
        assert_eq!(
            SourceRoute::compress(&a("::1"), &[a("::2")], &mut [0u8; 0]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn unknown_type_kept_raw() {
        // Type 2 (Mobile IPv6) with a home address.
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&[59, 2, 2, 1, 0, 0, 0, 0]);
        b[8..].copy_from_slice(&a("2001:db8::99").octets());
        let r = RoutingRepr::parse(&b).unwrap();
        assert_eq!(r.routing, Routing::Unknown { routing_type: 2, data: &b[4..] });
        let mut out = [0u8; 24];
        r.emit(&mut out);
        assert_eq!(out, b);
    }

    #[test]
    fn every_prefix() {
        for n in 0..SRH.len() {
            assert_eq!(RoutingRepr::parse(&SRH[..n]).unwrap_err(), Error::Truncated);
        }
    }

    fn arb_route() -> impl Strategy<Value = (Ipv6Addr, Vec<Ipv6Addr>)> {
        // Shared prefixes of random lengths make every CmprI/CmprE value likely.
        (any::<[u8; 16]>(), proptest::collection::vec((0usize..=16, any::<[u8; 16]>()), 1..8)).prop_map(
            |(dst, hops)| {
                let route = hops
                    .into_iter()
                    .map(|(k, mut o)| {
                        o[..k].copy_from_slice(&dst[..k]);
                        Ipv6Addr::from(o)
                    })
                    .collect();
                (Ipv6Addr::from(dst), route)
            },
        )
    }

    proptest! {
        #[test]
        fn srh_round_trip((dst, route) in arb_route(), sl in any::<u8>(), nh in any::<u8>()) {
            let mut scratch = [0u8; 256];
            let sr = SourceRoute::compress(&dst, &route, &mut scratch).unwrap();
            // Hop by hop: each address expands against the previous destination.
            let mut cur = dst;
            for (i, want) in route.iter().enumerate() {
                prop_assert_eq!(sr.address(i, &cur), Some(*want));
                cur = *want;
            }
            let r = RoutingRepr { next_header: nh.into(), segments_left: sl, routing: Routing::SourceRoute(sr) };
            let mut out = vec![0u8; r.buffer_len()];
            r.emit(&mut out);
            prop_assert_eq!(RoutingRepr::parse(&out).unwrap(), r);
        }

        #[test]
        fn unknown_round_trip(ty in 4u8..=255, sl in any::<u8>(), words in 0usize..10, fill in any::<u8>()) {
            let data = vec![fill; 4 + 8 * words];
            let r = RoutingRepr { next_header: IpProtocol::Udp, segments_left: sl,
                                  routing: Routing::Unknown { routing_type: ty, data: &data } };
            let mut out = vec![0u8; r.buffer_len()];
            r.emit(&mut out);
            prop_assert_eq!(RoutingRepr::parse(&out).unwrap(), r);
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64), ty3 in any::<bool>()) {
            let mut b = b;
            if ty3 && b.len() > 2 { b[2] = 3; }
            if let Ok(r) = RoutingRepr::parse(&b) {
                let mut out = vec![0u8; r.buffer_len()];
                r.emit(&mut out);
                prop_assert_eq!(RoutingRepr::parse(&out).unwrap(), r);
                if let Routing::SourceRoute(sr) = r.routing {
                    prop_assert!(sr.iter_addresses(Ipv6Addr::UNSPECIFIED).count() == sr.len());
                }
            }
        }
    }
}
