//! Fragmentation headers FRAG1 and FRAGN (RFC 4944 §5.3).
//!
//! ```text
//! FRAG1:  1 1 0 0 0 | datagram_size (11) | datagram_tag (16)
//! FRAGN:  1 1 1 0 0 | datagram_size (11) | datagram_tag (16) | datagram_offset (8)
//! ```
//! The offset counts 8-octet units of the uncompressed IPv6 datagram.

use crate::wire::{Error, Result};

mod field {
    use core::ops::Range;
    pub const SIZE: Range<usize> = 0..2;
    pub const TAG: Range<usize> = 2..4;
    pub const OFFSET: usize = 4;
}

/// Length of a FRAG1 header.
pub const FRAG1_LEN: usize = 4;
/// Length of a FRAGN header.
pub const FRAGN_LEN: usize = 5;
/// The largest datagram size the 11-bit field can carry.
pub const MAX_DATAGRAM_SIZE: u16 = 0x07ff;

const DISPATCH_FRAG1: u8 = 0b1100_0000;
const DISPATCH_FRAGN: u8 = 0b1110_0000;

/// A view of a fragment header (FRAG1 or FRAGN) and the fragment payload.
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

    /// Checks the dispatch bits (`Malformed` when neither FRAG1 nor FRAGN)
    /// and that the whole header fits (`Truncated`).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        let Some(&d) = b.first() else { return Err(Error::Truncated) };
        let need = match d & 0xf8 {
            DISPATCH_FRAG1 => FRAG1_LEN,
            DISPATCH_FRAGN => FRAGN_LEN,
            _ => return Err(Error::Malformed),
        };
        if b.len() < need { Err(Error::Truncated) } else { Ok(()) }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// True for a FRAG1 header, false for FRAGN.
    #[inline]
    pub fn is_first(&self) -> bool {
        self.buffer.as_ref()[0] & 0xf8 == DISPATCH_FRAG1
    }

    /// The datagram size: the length of the uncompressed IPv6 datagram.
    #[inline]
    pub fn datagram_size(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::SIZE];
        u16::from_be_bytes([b[0], b[1]]) & MAX_DATAGRAM_SIZE
    }

    /// The datagram tag shared by all fragments of one datagram.
    #[inline]
    pub fn datagram_tag(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::TAG];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The datagram offset in 8-octet units (0 for FRAG1).
    #[inline]
    pub fn datagram_offset(&self) -> u8 {
        if self.is_first() { 0 } else { self.buffer.as_ref()[field::OFFSET] }
    }

    /// The header length: 4 for FRAG1, 5 for FRAGN.
    #[inline]
    pub fn header_len(&self) -> usize {
        if self.is_first() { FRAG1_LEN } else { FRAGN_LEN }
    }

    /// The fragment payload after the header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the dispatch bits (FRAG1 when `first`) and the datagram size.
    /// The size is masked to 11 bits.
    pub fn set_dispatch_and_size(&mut self, first: bool, size: u16) {
        let d = if first { DISPATCH_FRAG1 } else { DISPATCH_FRAGN };
        let v = (u16::from(d) << 8) | (size & MAX_DATAGRAM_SIZE);
        self.buffer.as_mut()[field::SIZE].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the datagram tag.
    pub fn set_datagram_tag(&mut self, tag: u16) {
        self.buffer.as_mut()[field::TAG].copy_from_slice(&tag.to_be_bytes());
    }

    /// Sets the datagram offset (FRAGN only; the buffer must hold 5 bytes).
    pub fn set_datagram_offset(&mut self, offset: u8) {
        self.buffer.as_mut()[field::OFFSET] = offset;
    }

    /// The fragment payload after the header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let n = self.header_len();
        &mut self.buffer.as_mut()[n..]
    }
}

/// A parsed fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repr {
    /// FRAG1: the first fragment.
    FirstFragment {
        /// Datagram size (11 bits; emit masks it).
        size: u16,
        /// Datagram tag.
        tag: u16,
    },
    /// FRAGN: a subsequent fragment.
    Fragment {
        /// Datagram size (11 bits; emit masks it).
        size: u16,
        /// Datagram tag.
        tag: u16,
        /// Offset in 8-octet units.
        offset: u8,
    },
}

impl Repr {
    /// Parses a checked view.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        let (size, tag) = (packet.datagram_size(), packet.datagram_tag());
        Ok(if packet.is_first() {
            Repr::FirstFragment { size, tag }
        } else {
            Repr::Fragment { size, tag, offset: packet.datagram_offset() }
        })
    }

    /// The header length this emits.
    pub const fn buffer_len(&self) -> usize {
        match self {
            Repr::FirstFragment { .. } => FRAG1_LEN,
            Repr::Fragment { .. } => FRAGN_LEN,
        }
    }

    /// Writes the header into the first `buffer_len()` bytes of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        match *self {
            Repr::FirstFragment { size, tag } => {
                packet.set_dispatch_and_size(true, size);
                packet.set_datagram_tag(tag);
            }
            Repr::Fragment { size, tag, offset } => {
                packet.set_dispatch_and_size(false, size);
                packet.set_datagram_tag(tag);
                packet.set_datagram_offset(offset);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // smoltcp/three-fragments-230.pcap: FRAG1 and second FRAGN headers,
    // a 307-byte datagram with tag 0x003f.
    const FRAG1: [u8; 4] = [0xc1, 0x33, 0x00, 0x3f];
    const FRAGN: [u8; 5] = [0xe1, 0x33, 0x00, 0x3f, 0x1e];

    #[test]
    fn deconstruct_frag1() {
        let p = Packet::new_checked(&FRAG1[..]).unwrap();
        assert!(p.is_first());
        assert_eq!(p.datagram_size(), 307);
        assert_eq!(p.datagram_tag(), 0x3f);
        assert_eq!(p.datagram_offset(), 0);
        assert_eq!(p.header_len(), 4);
        assert_eq!(Repr::parse(&p), Ok(Repr::FirstFragment { size: 307, tag: 0x3f }));
    }

    #[test]
    fn deconstruct_fragn() {
        let p = Packet::new_checked(&FRAGN[..]).unwrap();
        assert!(!p.is_first());
        assert_eq!(p.datagram_offset(), 0x1e);
        assert_eq!(Repr::parse(&p), Ok(Repr::Fragment { size: 307, tag: 0x3f, offset: 0x1e }));
    }

    #[test]
    fn construct() {
        let mut buf = [0u8; 5];
        Repr::Fragment { size: 307, tag: 0x3f, offset: 0x1e }.emit(&mut Packet::new_unchecked(&mut buf[..]));
        assert_eq!(buf, FRAGN);
        let mut buf = [0u8; 4];
        Repr::FirstFragment { size: 307, tag: 0x3f }.emit(&mut Packet::new_unchecked(&mut buf[..]));
        assert_eq!(buf, FRAG1);
    }

    #[test]
    fn errors() {
        assert_eq!(Packet::new_checked(&[][..]).err(), Some(Error::Truncated));
        assert_eq!(Packet::new_checked(&[0x7e, 0, 0, 0, 0][..]).err(), Some(Error::Malformed));
        assert_eq!(Packet::new_checked(&FRAGN[..4]).err(), Some(Error::Truncated));
        for n in 0..FRAG1.len() {
            assert_eq!(Packet::new_checked(&FRAG1[..n]).err(), Some(Error::Truncated));
        }
    }

    fn arb_repr() -> impl Strategy<Value = Repr> {
        prop_oneof![
            (0..=MAX_DATAGRAM_SIZE, any::<u16>()).prop_map(|(size, tag)| Repr::FirstFragment { size, tag }),
            (0..=MAX_DATAGRAM_SIZE, any::<u16>(), any::<u8>())
                .prop_map(|(size, tag, offset)| Repr::Fragment { size, tag, offset }),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(r in arb_repr()) {
            let mut buf = [0u8; FRAGN_LEN];
            let n = r.buffer_len();
            r.emit(&mut Packet::new_unchecked(&mut buf[..n]));
            prop_assert_eq!(Repr::parse(&Packet::new_unchecked(&buf[..n])), Ok(r));
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..8)) {
            if let Ok(p) = Packet::new_checked(&b[..]) {
                let _ = (p.datagram_size(), p.datagram_tag(), p.datagram_offset(), p.payload());
                let _ = Repr::parse(&p);
            }
        }
    }
}
