//! 6LoWPAN wire formats (RFC 4944, RFC 6282, RFC 8025, RFC 8066): zero-copy
//! views that classify and bound-check each header, and [`walk`], which
//! finds every header of a frame payload in one pass.
//!
//! Nothing here compresses or decompresses: a view hands out the raw in-line
//! bytes and what they mean ([`iphc::AddressMode`], [`nhc::PortsMode`]), and
//! the adaptation layer rebuilds IPv6 from them.
//!
//! ```
//! use sixlo::wire::sixlowpan::{walk, Inner, iphc};
//! // hand/hand_230_nofcs.pcap frame 2: IPHC + NHC UDP with 4-bit ports.
//! let payload = [0x7e, 0x33, 0xf3, 0x01, 0x6d, 0xfa, b'h', b'i'];
//! let stack = walk(&payload).unwrap();
//! let Inner::Iphc(span) = stack.inner else { panic!() };
//! let iphc = iphc::Packet::new_checked(&payload[span.start..]).unwrap();
//! assert_eq!((iphc.tf(), iphc.nh(), iphc.hop_limit()), (3, true, 64));
//! assert_eq!(span.end, 2);
//! ```

pub mod dispatch;
pub mod frag;
pub mod iphc;
pub mod mesh;
pub mod nhc;

pub use dispatch::Dispatch;

use crate::wire::{Error, Result};
use core::ops::Range;

/// Bounds of one header inside the walked buffer (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte of the header.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

impl Span {
    /// As a range, for slicing.
    pub const fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// What the header stack ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Inner {
    /// A LOWPAN_IPHC header (base, CID byte and in-line fields, checked to
    /// fit); the compressed payload (NHC or upper layer) starts at `end`.
    Iphc(Span),
    /// An uncompressed IPv6 header starts at this offset (after 0x41).
    Ipv6(usize),
    /// A FRAGN body starts at this offset: datagram bytes, no header.
    FragmentBody(usize),
    /// A dispatch this layer does not walk into: NALP, ESC, HC1, a reserved
    /// byte, or a switch to a page other than 0. The offset is that of the
    /// dispatch byte itself.
    Unsupported(Dispatch, usize),
}

/// The headers of one 6LoWPAN frame payload, in RFC 4944 §5 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeaderStack {
    /// The mesh addressing header, if any ([`mesh::Packet`]).
    pub mesh: Option<Span>,
    /// The LOWPAN_BC0 header, if any ([`mesh::Bc0Packet`]).
    pub bc0: Option<Span>,
    /// The FRAG1 or FRAGN header, if any ([`frag::Packet`]).
    pub frag: Option<Span>,
    /// What follows.
    pub inner: Inner,
}

impl HeaderStack {
    /// True when the fragment header is a FRAG1 (`buf` is the walked buffer).
    pub fn is_first_fragment(&self, buf: &[u8]) -> bool {
        self.frag.is_some_and(|s| buf.get(s.start).is_some_and(|b| b & 0xf8 == 0xc0))
    }
}

/// Walks the 6LoWPAN header stack of an 802.15.4 frame payload: mesh header
/// (RFC 4944 §5.2), then LOWPAN_BC0 (§11.1), then FRAG1/FRAGN (§5.3), then
/// IPHC (RFC 6282) or uncompressed IPv6 — each at most once and in that
/// order. A page switch to page 0 (RFC 8025 §3) is skipped wherever it
/// appears.
///
/// Errors: `Truncated` when a header (including the IPHC in-line fields)
/// runs past the buffer, or nothing follows a mesh, BC0 or FRAG1 header;
/// `Malformed` for headers out of order or repeated, and for reserved IPHC
/// address combinations.
pub fn walk(buf: &[u8]) -> Result<HeaderStack> {
    // Stage: 0 = mesh allowed, 1 = BC0 allowed, 2 = fragment allowed, 3 = inner.
    let mut stage = 0u8;
    let mut at = 0usize;
    let mut stack = HeaderStack { mesh: None, bc0: None, frag: None, inner: Inner::Ipv6(0) };
    loop {
        let rest = buf.get(at..).unwrap_or(&[]);
        let Some(d) = Dispatch::of(rest) else { return Err(Error::Truncated) };
        let (next_stage, len) = match d {
            Dispatch::PageSwitch(0) => (stage, 1),
            Dispatch::Mesh if stage == 0 => (1, mesh::Packet::new_checked(rest)?.header_len()),
            Dispatch::Bc0 if stage <= 1 => (2, mesh::Bc0Packet::new_checked(rest).map(|_| mesh::BC0_LEN)?),
            Dispatch::Frag1 | Dispatch::FragN if stage <= 2 => {
                (3, frag::Packet::new_checked(rest)?.header_len())
            }
            Dispatch::Mesh | Dispatch::Bc0 | Dispatch::Frag1 | Dispatch::FragN => {
                return Err(Error::Malformed);
            }
            Dispatch::Iphc => {
                let len = iphc::Packet::new_checked(rest)?.header_len();
                stack.inner = Inner::Iphc(Span { start: at, end: at + len });
                return Ok(stack);
            }
            Dispatch::Ipv6 => {
                stack.inner = Inner::Ipv6(at + 1);
                return Ok(stack);
            }
            other => {
                stack.inner = Inner::Unsupported(other, at);
                return Ok(stack);
            }
        };
        let span = Span { start: at, end: at + len };
        match d {
            Dispatch::Mesh => stack.mesh = Some(span),
            Dispatch::Bc0 => stack.bc0 = Some(span),
            Dispatch::FragN => {
                stack.frag = Some(span);
                stack.inner = Inner::FragmentBody(span.end);
                return Ok(stack);
            }
            Dispatch::Frag1 => stack.frag = Some(span),
            _ => {}
        }
        stage = next_stage;
        at = span.end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frag1_then_iphc() {
        // FRAG1 (size 307, tag 0x3f), then IPHC 7e 12: TF=11 NH=1 HLIM=10,
        // SAM=01 (8 bytes), DAM=10 (2 bytes), then one payload byte.
        let mut b = [0u8; 4 + 2 + 8 + 2 + 1];
        b[..6].copy_from_slice(&[0xc1, 0x33, 0x00, 0x3f, 0x7e, 0x12]);
        let s = walk(&b).unwrap();
        assert_eq!(s.frag, Some(Span { start: 0, end: 4 }));
        assert_eq!(s.inner, Inner::Iphc(Span { start: 4, end: 16 }));
        assert!(s.is_first_fragment(&b));
        assert_eq!(walk(&b[..15]), Err(Error::Truncated));
    }

    #[test]
    fn mesh_bc0_fragn() {
        let b = [0xb5, 0, 1, 0, 2, 0x50, 9, 0xe1, 0x33, 0, 0x3f, 3, 0xaa];
        let s = walk(&b).unwrap();
        assert_eq!(s.mesh, Some(Span { start: 0, end: 5 }));
        assert_eq!(s.bc0, Some(Span { start: 5, end: 7 }));
        assert_eq!(s.frag, Some(Span { start: 7, end: 12 }));
        assert_eq!(s.inner, Inner::FragmentBody(12));
        assert!(!s.is_first_fragment(&b));
    }

    #[test]
    fn order_and_ends() {
        assert_eq!(walk(&[]), Err(Error::Truncated));
        // FRAG1 followed by nothing.
        assert_eq!(walk(&[0xc1, 0x33, 0, 0x3f]), Err(Error::Truncated));
        // Mesh after FRAG1, BC0 twice.
        assert_eq!(walk(&[0xc1, 0x33, 0, 0x3f, 0xb5, 0, 1, 0, 2]), Err(Error::Malformed));
        assert_eq!(walk(&[0x50, 1, 0x50, 2, 0x41]), Err(Error::Malformed));
        assert_eq!(walk(&[0x41, 0x60]).unwrap().inner, Inner::Ipv6(1));
        assert_eq!(walk(&[0xf0, 0x41]).unwrap().inner, Inner::Ipv6(2));
        assert_eq!(walk(&[0xf1, 0x41]).unwrap().inner, Inner::Unsupported(Dispatch::PageSwitch(1), 0));
        assert_eq!(walk(&[0x42, 0]).unwrap().inner, Inner::Unsupported(Dispatch::Hc1, 0));
        assert_eq!(walk(&[0x01]).unwrap().inner, Inner::Unsupported(Dispatch::Nalp(1), 0));
        // Truncated IPHC from hand/hand_230_nofcs.pcap frame 5.
        assert_eq!(walk(&[0x7e, 0x03, 0xfe, 0x80, 0, 0, 0]), Err(Error::Truncated));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(s) = walk(&b) {
                for span in [s.mesh, s.bc0, s.frag].into_iter().flatten() {
                    prop_assert!(span.end <= b.len() && span.start < span.end);
                }
                match s.inner {
                    Inner::Iphc(span) => prop_assert!(span.end <= b.len()),
                    Inner::Ipv6(o) | Inner::FragmentBody(o) => prop_assert!(o <= b.len()),
                    Inner::Unsupported(_, o) => prop_assert!(o < b.len()),
                }
            }
        }
    }
}
