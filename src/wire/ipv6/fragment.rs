//! The Fragment header (RFC 8200 §4.5).
//!
//! ```text
//! +---------------+---------------+-------------------------+-+-+-+
//! |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//! +---------------+---------------+-------------------------+-+-+-+
//! |                         Identification                        |
//! +---------------------------------------------------------------+
//! ```
//!
//! The header is always 8 octets; it has no view of its own since every field
//! is fixed: parse the 8 octets with [`FragmentRepr::parse`].

use crate::wire::{Error, Result};

use super::IpProtocol;

/// The length of a Fragment header.
pub const HEADER_LEN: usize = 8;

/// A Fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentRepr {
    /// The Next Header of the fragmentable part.
    pub next_header: IpProtocol,
    /// Offset of this fragment's data in 8-octet units (13 bits; higher bits
    /// are not emitted).
    pub offset: u16,
    /// The M flag: more fragments follow.
    pub more_fragments: bool,
    /// Identification, shared by all fragments of one packet.
    pub identification: u32,
}

impl FragmentRepr {
    /// Parses the first 8 octets of `bytes`. The reserved fields are ignored
    /// (RFC 8200 §4.5: "ignored on receipt").
    pub fn parse(bytes: &[u8]) -> Result<FragmentRepr> {
        let b: &[u8; HEADER_LEN] =
            bytes.get(..HEADER_LEN).and_then(|b| b.try_into().ok()).ok_or(Error::Truncated)?;
        let off_m = u16::from_be_bytes([b[2], b[3]]);
        Ok(FragmentRepr {
            next_header: IpProtocol::from(b[0]),
            offset: off_m >> 3,
            more_fragments: off_m & 1 == 1,
            identification: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        })
    }

    /// The offset of this fragment's data in octets.
    pub fn byte_offset(&self) -> usize {
        usize::from(self.offset & 0x1fff) * 8
    }

    /// Always [`HEADER_LEN`].
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into the first 8 octets of `buf`, reserved fields zero.
    ///
    /// # Panics
    /// When `buf` is shorter than [`HEADER_LEN`].
    pub fn emit(&self, buf: &mut [u8]) {
        let off_m = ((self.offset & 0x1fff) << 3) | u16::from(self.more_fragments);
        buf[0] = self.next_header.into();
        buf[1] = 0;
        buf[2..4].copy_from_slice(&off_m.to_be_bytes());
        buf[4..8].copy_from_slice(&self.identification.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // offset 185 (1480 octets), M=1, id 0xdeadbeef, next header UDP.
    const FRAG: [u8; 8] = [17, 0, 0x05, 0xc9, 0xde, 0xad, 0xbe, 0xef];

    fn frag_repr() -> FragmentRepr {
        FragmentRepr {
            next_header: IpProtocol::Udp,
            offset: 185,
            more_fragments: true,
            identification: 0xdead_beef,
        }
    }

    #[test]
    fn test_deconstruct() {
        let r = FragmentRepr::parse(&FRAG).unwrap();
        assert_eq!(r, frag_repr());
        assert_eq!(r.byte_offset(), 1480);
        // Reserved bits set by a sender are ignored.
        let mut b = FRAG;
        b[1] = 0xff;
        b[3] |= 0x06;
        assert_eq!(FragmentRepr::parse(&b).unwrap(), frag_repr());
    }

    #[test]
    fn test_construct() {
        let mut b = [0xffu8; 8];
        frag_repr().emit(&mut b);
        assert_eq!(b, FRAG);
    }

    #[test]
    fn every_prefix() {
        for n in 0..8 {
            assert_eq!(FragmentRepr::parse(&FRAG[..n]).unwrap_err(), Error::Truncated);
        }
    }

    proptest! {
        #[test]
        fn round_trip(nh in any::<u8>(), off in 0u16..0x2000, m in any::<bool>(), id in any::<u32>()) {
            let r = FragmentRepr { next_header: nh.into(), offset: off, more_fragments: m, identification: id };
            let mut b = [0u8; 8];
            r.emit(&mut b);
            prop_assert_eq!(FragmentRepr::parse(&b).unwrap(), r);
        }
    }
}
