//! UDP (RFC 768) over IPv6.
//!
//! The checksum covers the IPv6 pseudo-header (RFC 8200 §8.1). Over IPv6 it is
//! mandatory: a received checksum of zero is invalid, and a computed checksum
//! of zero is sent as `0xffff`.
//!
//! ```
//! use sixlo::wire::udp::{Packet, Repr};
//! let (src, dst) = ("fe80::1".parse().unwrap(), "fe80::2".parse().unwrap());
//! let repr = Repr { src_port: 5683, dst_port: 5683, payload: b"hi" };
//! let mut buf = [0u8; 10];
//! repr.emit(&mut Packet::new_unchecked(&mut buf[..]), &src, &dst);
//! let packet = Packet::new_checked(&buf[..]).unwrap();
//! assert!(packet.verify_checksum(&src, &dst));
//! assert_eq!(Repr::parse(&packet, &src, &dst).unwrap(), repr);
//! ```

use core::net::Ipv6Addr;

use crate::wire::checksum;
use crate::wire::{Error, Result};

/// The UDP header length.
pub const HEADER_LEN: usize = 8;

/// The IPv6 Next Header value of UDP.
const PROTOCOL: u8 = 17;

mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
}

/// A zero-copy view of a UDP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the header fits and the Length field is between 8 and the buffer length.
    ///
    /// A Length below 8 is `Malformed`; one beyond the buffer `Truncated`.
    /// Octets after Length are ignored (the caller passes the IPv6 payload,
    /// whose length should be equal).
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated);
        }
        let l = usize::from(self.len());
        if l < HEADER_LEN {
            return Err(Error::Malformed);
        }
        if l > len {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[r];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The source port.
    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }

    /// The destination port.
    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }

    /// The Length field: header plus data, in octets.
    pub fn len(&self) -> u16 {
        self.u16_at(field::LENGTH)
    }

    /// True when the Length field says the datagram has no data.
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    /// The Checksum field.
    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    /// The data, bounded by the Length field.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.len())]
    }

    /// The datagram (header and data) as the Length field bounds it.
    fn datagram(&self) -> &[u8] {
        &self.buffer.as_ref()[..usize::from(self.len())]
    }

    /// True when the checksum is valid for a datagram from `src` to `dst`.
    ///
    /// A zero checksum is false: RFC 8200 §8.1 says IPv6 receivers must
    /// discard UDP packets with a zero checksum.
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        self.checksum() != 0 && checksum::verify(src, dst, PROTOCOL, self.datagram())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_u16_at(&mut self, r: core::ops::Range<usize>, v: u16) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the source port.
    pub fn set_src_port(&mut self, v: u16) {
        self.set_u16_at(field::SRC_PORT, v);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, v: u16) {
        self.set_u16_at(field::DST_PORT, v);
    }

    /// Sets the Length field.
    pub fn set_len(&mut self, v: u16) {
        self.set_u16_at(field::LENGTH, v);
    }

    /// Sets the Checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.set_u16_at(field::CHECKSUM, v);
    }

    /// The data, mutable, bounded by the Length field.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }

    /// Computes and writes the checksum over the datagram as the Length field
    /// bounds it (fill the header and data first). A computed zero is sent as
    /// `0xffff` (RFC 768; RFC 8200 §8.1).
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let c = match checksum::upper_layer(src, dst, PROTOCOL, self.datagram()) {
            0 => 0xffff,
            c => c,
        };
        self.set_checksum(c);
    }
}

/// A UDP datagram: ports and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The data (at most 65527 octets can be emitted).
    pub payload: &'a [u8],
}

impl<'a> Repr<'a> {
    /// Parses a datagram sent from `src` to `dst`, verifying its checksum
    /// (`Malformed` when wrong or zero, RFC 8200 §8.1).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        packet: &Packet<&'a T>,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
    ) -> Result<Repr<'a>> {
        let r = Self::parse_unverified(packet)?;
        if !packet.verify_checksum(src, dst) {
            return Err(Error::Malformed);
        }
        Ok(r)
    }

    /// Parses a datagram without looking at its checksum (for fuzzing, or
    /// when a lower layer, such as RFC 6282 checksum elision, vouches for it).
    pub fn parse_unverified<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Repr<'a>> {
        packet.check_len()?;
        let b: &'a [u8] = packet.buffer.as_ref();
        Ok(Repr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            payload: &b[HEADER_LEN..usize::from(packet.len())],
        })
    }

    /// Header plus data length.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload.len().min(usize::from(u16::MAX) - HEADER_LEN)
    }

    /// Writes the datagram, checksum included, into the first
    /// [`buffer_len`](Self::buffer_len) octets of `packet`'s buffer.
    ///
    /// # Panics
    /// When the buffer is shorter than `buffer_len()`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>, src: &Ipv6Addr, dst: &Ipv6Addr) {
        let len = self.buffer_len();
        // The header (checksum zero for now) and the data, each written at once.
        let ([s1, s2], [d1, d2]) = (self.src_port.to_be_bytes(), self.dst_port.to_be_bytes());
        let [l1, l2] = (len as u16).to_be_bytes();
        let buf = packet.buffer.as_mut();
        checksum::put(buf, 0, &[s1, s2, d1, d2, l1, l2, 0, 0]);
        checksum::put(buf, HEADER_LEN, &self.payload[..len - HEADER_LEN]);
        packet.fill_checksum(src, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn src() -> Ipv6Addr {
        "aaaa::212:7402:2:202".parse().unwrap()
    }
    fn dst() -> Ipv6Addr {
        "aaaa::212:7401:1:101".parse().unwrap()
    }

    // Contiki-NG cooja-rpl-udp.pcap frame 223: UDP 1234 -> 1234, 4 octets,
    // checksum 0x4903 (tshark: good), aaaa::212:7402:2:202 -> aaaa::212:7401:1:101.
    const DGRAM: [u8; 12] = [0x04, 0xd2, 0x04, 0xd2, 0x00, 0x0c, 0x49, 0x03, 0x12, 0x34, 0x56, 0x78];

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(&DGRAM[..]).unwrap();
        assert_eq!((p.src_port(), p.dst_port(), p.len(), p.checksum()), (1234, 1234, 12, 0x4903));
        assert_eq!(p.payload(), &[0x12, 0x34, 0x56, 0x78]);
        assert!(p.verify_checksum(&src(), &dst()));
        assert!(!p.verify_checksum(&dst(), &dst()));
        let r = Repr::parse(&p, &src(), &dst()).unwrap();
        assert_eq!(r, Repr { src_port: 1234, dst_port: 1234, payload: &[0x12, 0x34, 0x56, 0x78] });
    }

    #[test]
    fn test_construct() {
        let r = Repr { src_port: 1234, dst_port: 1234, payload: &[0x12, 0x34, 0x56, 0x78] };
        let mut b = [0xffu8; 12];
        assert_eq!(r.buffer_len(), 12);
        r.emit(&mut Packet::new_unchecked(&mut b[..]), &src(), &dst());
        assert_eq!(b, DGRAM);
    }

    #[test]
    fn zero_checksum() {
        // Received zero is invalid over IPv6.
        let mut b = DGRAM;
        b[6] = 0;
        b[7] = 0;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(!p.verify_checksum(&src(), &dst()));
        assert_eq!(Repr::parse(&p, &src(), &dst()).unwrap_err(), Error::Malformed);
        assert!(Repr::parse_unverified(&p).is_ok());
        // A datagram whose checksum computes to zero is sent as 0xffff: choose
        // the data so the sum of everything else is 0xffff.
        let (s, d) = (Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED);
        let mut data = [0u8; 2];
        // pseudo-header: length 10 + next header 17 ; header: length 10 ; ports 0.
        let partial =
            checksum::fold(checksum::sum(checksum::pseudo_header(&s, &d, 17, 10), &[0, 0, 0, 0, 0, 10]));
        data.copy_from_slice(&(0xffff - partial).to_be_bytes());
        let r = Repr { src_port: 0, dst_port: 0, payload: &data };
        let mut b = [0u8; 10];
        r.emit(&mut Packet::new_unchecked(&mut b[..]), &s, &d);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.checksum(), 0xffff);
        assert!(p.verify_checksum(&s, &d));
    }

    #[test]
    fn length_field() {
        let mut b = DGRAM;
        b[5] = 7;
        assert_eq!(Packet::new_checked(&b[..]).unwrap_err(), Error::Malformed);
        b[5] = 13;
        assert_eq!(Packet::new_checked(&b[..]).unwrap_err(), Error::Truncated);
        // Trailing octets beyond Length are not data.
        let mut long = [0u8; 14];
        long[..12].copy_from_slice(&DGRAM);
        let p = Packet::new_checked(&long[..]).unwrap();
        assert_eq!(p.payload().len(), 4);
        assert!(p.verify_checksum(&src(), &dst()));
    }

    #[test]
    fn every_prefix() {
        for n in 0..DGRAM.len() {
            assert_eq!(Packet::new_checked(&DGRAM[..n]).unwrap_err(), Error::Truncated, "{n}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(sp in any::<u16>(), dp in any::<u16>(), data in proptest::collection::vec(any::<u8>(), 0..200),
                      s in any::<[u8; 16]>(), d in any::<[u8; 16]>()) {
            let (s, d) = (Ipv6Addr::from(s), Ipv6Addr::from(d));
            let r = Repr { src_port: sp, dst_port: dp, payload: &data };
            let mut b = vec![0u8; r.buffer_len()];
            r.emit(&mut Packet::new_unchecked(&mut b[..]), &s, &d);
            let p = Packet::new_checked(&b[..]).unwrap();
            prop_assert!(p.checksum() != 0);
            prop_assert_eq!(Repr::parse(&p, &s, &d).unwrap(), r);
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(p) = Packet::new_checked(&b[..]) {
                let r = Repr::parse_unverified(&p).unwrap();
                let _ = p.verify_checksum(&Ipv6Addr::LOCALHOST, &Ipv6Addr::LOCALHOST);
                prop_assert_eq!(r.buffer_len(), usize::from(p.len()));
            }
        }
    }
}
