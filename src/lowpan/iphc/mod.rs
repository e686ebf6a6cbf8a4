//! LOWPAN_IPHC / LOWPAN_NHC header compression (RFC 6282) on bytes.
//!
//! [`decompress_headers`] rebuilds the IPv6 header, the NHC-compressed
//! extension headers and the UDP header of a frame payload straight into the
//! output buffer; [`compress_headers`] does the reverse and picks the
//! smallest legal encoding. Neither builds a `Repr`: both walk the bytes
//! once, and the only copy is the write of the output.
//!
//! Choices this module makes where RFC 6282 leaves room:
//! - Stateful addresses (SAC/DAC=1): the address starts as zero, the IID
//!   (in-line 64 bits, `0000:00ff:fe00:XXXX`, or derived) is placed in its
//!   last 64 bits, then the context prefix overwrites its first
//!   `prefix_len` bits. RFC 6282 §3.1.1: "Bits covered by context
//!   information are always used. Any IID bits not covered by context
//!   information are taken directly from the corresponding bits carried
//!   in-line. Any remaining bits are zero." So a prefix longer than 64 bits
//!   overrides IID bits, a shorter one leaves zero bits between them.
//! - IPv6-in-IPv6 (NHC EID 7): in the inner header, an elided IID is derived
//!   from the *encapsulating header* (RFC 6282 §3.1.1: "derived using
//!   context information and the encapsulating header (e.g., 802.15.4 or
//!   IPv6 source address)"), i.e. from the last 64 bits of the outer IPv6
//!   source / destination address. Nesting is bounded at one inner header.
//! - NHC UDP with an elided checksum (C=1) is refused
//!   ([`DecompressError::Unsupported`]): RFC 6282 §4.3.2 allows it only
//!   when an upper layer authorises it, and none here does.
//! - A decompressed Routing header must be a multiple of 8 octets and a
//!   Fragment header exactly 8 (`Malformed` otherwise): only Hop-by-Hop and
//!   Destination Options get padding re-added (RFC 6282 §4.2).

mod compress;
mod decompress;

pub use compress::{CompressError, Compressed, compress, compress_headers};
pub use decompress::{DecompressError, Decompressed, decompress, decompress_headers};

use crate::wire::ieee802154::Address;

/// IPv6 header length.
const IPV6_LEN: usize = 40;
/// UDP header length.
const UDP_LEN: usize = 8;
/// fe80::/64.
const LINK_LOCAL: [u8; 8] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0];
/// The first six IID bytes of the 16-bit form 0000:00ff:fe00:XXXX.
const SHORT_IID: [u8; 6] = [0, 0, 0, 0xff, 0xfe, 0];
/// [`SHORT_IID`] as the top 48 bits of a big-endian IID.
const SHORT_IID_U64: u64 = 0x0000_00ff_fe00_0000;

/// Next Header values of the headers NHC knows.
mod proto {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const DEST_OPTS: u8 = 60;
    pub const IPV6: u8 = 41;
    pub const UDP: u8 = 17;
}

/// Where an elided IID comes from: the link-layer address (outer header) or
/// the encapsulating IPv6 header's address (IPv6-in-IPv6).
#[derive(Clone, Copy)]
enum Lower<'a> {
    Link(&'a Address),
    Ip([u8; 16]),
}

impl Lower<'_> {
    /// Writes the IID of a fully elided address into `a[8..]`: RFC 4944 §6
    /// / RFC 6282 §3.2.2 (short: 0000:00ff:fe00:XXXX; extended: EUI-64 with
    /// U/L flipped). False when there is no link-layer address.
    #[inline]
    fn write_iid(&self, a: &mut [u8; 16]) -> bool {
        match self.iid64() {
            Some(iid) => {
                a[8..].copy_from_slice(&iid.to_be_bytes());
                true
            }
            None => false,
        }
    }

    /// The IID for a fully elided address (see [`Lower::write_iid`]) as a
    /// big-endian integer: one compare against an address's last 64 bits.
    fn iid64(&self) -> Option<u64> {
        match self {
            Lower::Link(Address::Short([x, y])) => Some(SHORT_IID_U64 | u64::from(*x) << 8 | u64::from(*y)),
            // EUI-64 with the U/L bit (bit 1 of the first byte) flipped.
            Lower::Link(Address::Extended(e)) => Some(u64::from_be_bytes(*e) ^ (0x02 << 56)),
            Lower::Link(Address::Absent) => None,
            Lower::Ip(ip) => Some(u128::from_be_bytes(*ip) as u64),
        }
    }
}
