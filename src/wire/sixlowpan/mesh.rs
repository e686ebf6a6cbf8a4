//! Mesh addressing header (RFC 4944 §5.2) and broadcast header LOWPAN_BC0
//! (RFC 4944 §11.1).
//!
//! ```text
//! 1 0 | V | F | HopsLeft(4) | [deep hops (8)] | originator (16/64) | final (16/64)
//! ```
//! V (F) set means the originator (final destination) is a 16-bit short
//! address, clear means a 64-bit extended address. Addresses are carried
//! most significant byte first. A Hops Left of 0xF is followed by an 8-bit
//! "deep hops left" byte, as Wireshark decodes it (an extension beyond
//! RFC 4944, which only has the 4-bit field; 0xF is otherwise never sent by
//! RFC 4944 nodes, whose initial hop count is small).

use crate::wire::ieee802154::Address;
use crate::wire::{Error, Result};

const V_BIT: u8 = 0x20;
const F_BIT: u8 = 0x10;
const HOPS_MASK: u8 = 0x0f;
/// The 4-bit Hops Left value that announces a deep-hops byte.
pub const DEEP_HOPS: u8 = 0x0f;

/// A view of a mesh addressing header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the `10` dispatch bits (`Malformed`) and that both addresses
    /// fit (`Truncated`).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        let Some(&d) = b.first() else { return Err(Error::Truncated) };
        if d & 0xc0 != 0x80 {
            return Err(Error::Malformed);
        }
        if b.len() < self.header_len() { Err(Error::Truncated) } else { Ok(()) }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn first(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    fn has_deep_hops(&self) -> bool {
        self.first() & HOPS_MASK == DEEP_HOPS
    }

    fn orig_start(&self) -> usize {
        1 + usize::from(self.has_deep_hops())
    }

    /// V bit: the originator is a 16-bit short address.
    pub fn originator_is_short(&self) -> bool {
        self.first() & V_BIT != 0
    }

    /// F bit: the final destination is a 16-bit short address.
    pub fn final_is_short(&self) -> bool {
        self.first() & F_BIT != 0
    }

    /// The 4-bit Hops Left field as carried (0xF announces deep hops).
    pub fn hops_left_field(&self) -> u8 {
        self.first() & HOPS_MASK
    }

    /// The effective hops left: the deep-hops byte when the 4-bit field is 0xF.
    pub fn hops_left(&self) -> u8 {
        if self.has_deep_hops() { self.buffer.as_ref()[1] } else { self.hops_left_field() }
    }

    /// Header length: 1, a deep-hops byte, and the two addresses (2 or 8 each).
    pub fn header_len(&self) -> usize {
        let o = if self.originator_is_short() { 2 } else { 8 };
        let f = if self.final_is_short() { 2 } else { 8 };
        self.orig_start() + o + f
    }

    /// The originator address bytes (2 or 8, most significant first).
    pub fn originator_bytes(&self) -> &[u8] {
        let s = self.orig_start();
        let n = if self.originator_is_short() { 2 } else { 8 };
        &self.buffer.as_ref()[s..s + n]
    }

    /// The final destination address bytes (2 or 8, most significant first).
    pub fn final_bytes(&self) -> &[u8] {
        let s = self.orig_start() + if self.originator_is_short() { 2 } else { 8 };
        &self.buffer.as_ref()[s..self.header_len()]
    }

    /// The originator as an 802.15.4 address.
    pub fn originator(&self) -> Address {
        to_address(self.originator_bytes())
    }

    /// The final destination as an 802.15.4 address.
    pub fn final_destination(&self) -> Address {
        to_address(self.final_bytes())
    }

    /// What follows the mesh header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Decrements Hops Left in place (saturating at 0) and returns the new
    /// value; the header length never changes, so a forwarder can do this on
    /// the received bytes (RFC 4944 §11: decrement before forwarding).
    pub fn decrement_hops_left(&mut self) -> u8 {
        if self.has_deep_hops() {
            let b = &mut self.buffer.as_mut()[1];
            *b = b.saturating_sub(1);
            *b
        } else {
            let b = &mut self.buffer.as_mut()[0];
            let h = (*b & HOPS_MASK).saturating_sub(1);
            *b = (*b & !HOPS_MASK) | h;
            h
        }
    }
}

fn to_address(b: &[u8]) -> Address {
    match *b {
        [a, c] => Address::Short([a, c]),
        [a, c, d, e, f, g, h, i] => Address::Extended([a, c, d, e, f, g, h, i]),
        _ => Address::Absent,
    }
}

/// A parsed mesh header.
///
/// `Address::Absent` cannot be carried; `emit` writes it as short 0x0000
/// (and `buffer_len` counts 2 bytes for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Effective hops left; values ≥ 15 are emitted with a deep-hops byte.
    pub hops_left: u8,
    /// The originator's link-layer address.
    pub originator: Address,
    /// The final destination's link-layer address.
    pub final_destination: Address,
}

fn addr_len(a: &Address) -> usize {
    if matches!(a, Address::Extended(_)) { 8 } else { 2 }
}

impl Repr {
    /// Parses a checked view.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        Ok(Repr {
            hops_left: packet.hops_left(),
            originator: packet.originator(),
            final_destination: packet.final_destination(),
        })
    }

    /// The header length this emits.
    pub fn buffer_len(&self) -> usize {
        1 + usize::from(self.hops_left >= DEEP_HOPS)
            + addr_len(&self.originator)
            + addr_len(&self.final_destination)
    }

    /// Writes the header into the first `buffer_len()` bytes of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let b = packet.buffer.as_mut();
        let mut first = 0x80;
        if addr_len(&self.originator) == 2 {
            first |= V_BIT;
        }
        if addr_len(&self.final_destination) == 2 {
            first |= F_BIT;
        }
        let mut at = 1;
        if self.hops_left >= DEEP_HOPS {
            first |= DEEP_HOPS;
            b[1] = self.hops_left;
            at = 2;
        } else {
            first |= self.hops_left;
        }
        b[0] = first;
        for a in [&self.originator, &self.final_destination] {
            let n = addr_len(a);
            let dst = &mut b[at..at + n];
            match a {
                Address::Absent => dst.fill(0),
                _ => dst.copy_from_slice(a.as_bytes()),
            }
            at += n;
        }
    }
}

/// Length of a LOWPAN_BC0 header.
pub const BC0_LEN: usize = 2;

/// A view of a LOWPAN_BC0 broadcast header (RFC 4944 §11.1): the dispatch
/// byte 0x50 and an 8-bit sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bc0Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Bc0Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Bc0Packet { buffer }
    }

    /// Wraps a buffer and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the 0x50 dispatch (`Malformed`) and the length (`Truncated`).
    pub fn check_len(&self) -> Result<()> {
        match self.buffer.as_ref() {
            [] => Err(Error::Truncated),
            [0x50] => Err(Error::Truncated),
            [0x50, ..] => Ok(()),
            _ => Err(Error::Malformed),
        }
    }

    /// The broadcast sequence number.
    pub fn sequence_number(&self) -> u8 {
        self.buffer.as_ref()[1]
    }

    /// What follows the BC0 header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[BC0_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Bc0Packet<T> {
    /// Writes the dispatch byte and the sequence number.
    pub fn set_sequence_number(&mut self, seq: u8) {
        let b = self.buffer.as_mut();
        b[0] = 0x50;
        b[1] = seq;
    }
}

/// A parsed LOWPAN_BC0 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bc0Repr {
    /// The broadcast sequence number.
    pub sequence_number: u8,
}

impl Bc0Repr {
    /// Parses a checked view.
    pub fn parse<T: AsRef<[u8]>>(packet: &Bc0Packet<T>) -> Result<Bc0Repr> {
        packet.check_len()?;
        Ok(Bc0Repr { sequence_number: packet.sequence_number() })
    }

    /// Always 2.
    pub const fn buffer_len(&self) -> usize {
        BC0_LEN
    }

    /// Writes the header into the first two bytes of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Bc0Packet<T>) {
        packet.set_sequence_number(self.sequence_number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // V=1 F=1, hops 5, originator 0x0001, final 0x0002 (tshark: 6lowpan.mesh.*).
    const SHORT: [u8; 5] = [0xb5, 0x00, 0x01, 0x00, 0x02];
    // V=0 F=1, hops 0xF + deep hops 18, originator EUI-64, final 0xa001.
    const DEEP: [u8; 12] = [0x9f, 18, 0x00, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01, 0xa0, 0x01];

    #[test]
    fn deconstruct_short() {
        let p = Packet::new_checked(&SHORT[..]).unwrap();
        assert!(p.originator_is_short() && p.final_is_short());
        assert_eq!(p.hops_left(), 5);
        assert_eq!(p.header_len(), 5);
        assert_eq!(p.originator(), Address::Short([0, 1]));
        assert_eq!(p.final_destination(), Address::Short([0, 2]));
    }

    #[test]
    fn deconstruct_deep() {
        let p = Packet::new_checked(&DEEP[..]).unwrap();
        assert!(!p.originator_is_short() && p.final_is_short());
        assert_eq!(p.hops_left_field(), 0xf);
        assert_eq!(p.hops_left(), 18);
        assert_eq!(p.header_len(), 12);
        assert_eq!(p.originator(), Address::Extended([0x00, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01]));
        assert_eq!(p.final_destination(), Address::Short([0xa0, 0x01]));
        let r = Repr::parse(&p).unwrap();
        let mut buf = [0u8; 12];
        assert_eq!(r.buffer_len(), 12);
        r.emit(&mut Packet::new_unchecked(&mut buf[..]));
        assert_eq!(buf, DEEP);
    }

    #[test]
    fn decrement() {
        let mut b = SHORT;
        assert_eq!(Packet::new_unchecked(&mut b[..]).decrement_hops_left(), 4);
        assert_eq!(b[0], 0xb4);
        let mut b = DEEP;
        assert_eq!(Packet::new_unchecked(&mut b[..]).decrement_hops_left(), 17);
    }

    #[test]
    fn truncation() {
        for n in 0..DEEP.len() {
            assert_eq!(Packet::new_checked(&DEEP[..n]).err(), Some(Error::Truncated), "prefix {n}");
        }
        assert_eq!(Packet::new_checked(&[0x41][..]).err(), Some(Error::Malformed));
        assert_eq!(Bc0Packet::new_checked(&[0x50][..]).err(), Some(Error::Truncated));
        assert_eq!(Bc0Packet::new_checked(&[0x51, 1][..]).err(), Some(Error::Malformed));
        assert_eq!(
            Bc0Repr::parse(&Bc0Packet::new_unchecked(&[0x50, 7][..])),
            Ok(Bc0Repr { sequence_number: 7 })
        );
    }

    fn arb_addr() -> impl Strategy<Value = Address> {
        prop_oneof![any::<[u8; 2]>().prop_map(Address::Short), any::<[u8; 8]>().prop_map(Address::Extended)]
    }

    proptest! {
        #[test]
        fn round_trip(hops_left in any::<u8>(), originator in arb_addr(), final_destination in arb_addr()) {
            let r = Repr { hops_left, originator, final_destination };
            let mut buf = [0u8; 32];
            let n = r.buffer_len();
            r.emit(&mut Packet::new_unchecked(&mut buf[..n]));
            prop_assert_eq!(Repr::parse(&Packet::new_unchecked(&buf[..n])), Ok(r));
        }

        #[test]
        fn bc0_round_trip(sequence_number in any::<u8>()) {
            let r = Bc0Repr { sequence_number };
            let mut buf = [0u8; 2];
            r.emit(&mut Bc0Packet::new_unchecked(&mut buf[..]));
            prop_assert_eq!(Bc0Repr::parse(&Bc0Packet::new_unchecked(&buf[..])), Ok(r));
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..24)) {
            if let Ok(p) = Packet::new_checked(&b[..]) {
                let _ = (p.originator(), p.final_destination(), p.hops_left(), p.payload());
            }
            let _ = Bc0Packet::new_checked(&b[..]).map(|p| p.sequence_number());
        }
    }
}
