//! The generic extension header layout and the extension header chain walker
//! (RFC 8200 §4).
//!
//! Hop-by-Hop, Routing and Destination Options headers share one layout: a
//! Next Header octet, a Hdr Ext Len octet counting 8-octet units after the
//! first 8, then data. The Fragment header has a fixed length of 8 octets and
//! its second octet is reserved (RFC 8200 §4.5), so the walker treats it apart.

use crate::wire::{Error, Result};

use super::IpProtocol;
use super::fragment::FragmentRepr;

mod field {
    pub const NXT_HDR: usize = 0;
    pub const LENGTH: usize = 1;
}

/// The minimum (and the Fragment header's only) extension header length.
pub const MIN_LEN: usize = 8;

/// A zero-copy view of a Hop-by-Hop, Routing or Destination Options header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ExtHeader<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        ExtHeader { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let h = Self::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks that the header, as long as its Hdr Ext Len says, fits in the buffer.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        if b.len() < MIN_LEN || b.len() < self.header_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The Next Header field.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::NXT_HDR])
    }

    /// The Hdr Ext Len field: 8-octet units, not counting the first 8 octets.
    pub fn hdr_ext_len(&self) -> u8 {
        self.buffer.as_ref()[field::LENGTH]
    }

    /// The whole header's length in octets, `8 * (hdr_ext_len + 1)`.
    pub fn header_len(&self) -> usize {
        // RFC 8200 §4.3: "in 8-octet units, not including the first 8 octets".
        (usize::from(self.hdr_ext_len()) + 1) * 8
    }

    /// The octets after Next Header and Hdr Ext Len, up to the header's end.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[2..self.header_len()]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ExtHeader<T> {
    /// Sets the Next Header field.
    pub fn set_next_header(&mut self, v: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = v.into();
    }

    /// Sets the Hdr Ext Len field.
    pub fn set_hdr_ext_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::LENGTH] = v;
    }

    /// The data octets, mutable.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[2..end]
    }
}

/// True for the Next Header values the walker steps over: Hop-by-Hop,
/// Routing, Fragment and Destination Options.
///
/// Other extension headers of RFC 8200 §4.1 (ESP, AH, Mobility, HIP, Shim6)
/// are reported as the upper layer: a 6LoWPAN node does not process them.
pub fn is_walked(p: IpProtocol) -> bool {
    matches!(p, IpProtocol::HopByHop | IpProtocol::Ipv6Route | IpProtocol::Ipv6Frag | IpProtocol::Ipv6Opts)
}

/// One extension header found by [`ExtHeaders`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtItem<'a> {
    /// The kind of this header (the Next Header value that announced it).
    pub kind: IpProtocol,
    /// Offset of the header from the start of the IPv6 payload.
    pub offset: usize,
    /// The whole header, Next Header octet included; parse it with
    /// [`OptionsHeaderRepr`](super::OptionsHeaderRepr),
    /// [`RoutingRepr`](super::RoutingRepr) or [`FragmentRepr`].
    pub bytes: &'a [u8],
}

/// Iterates over the extension headers at the start of an IPv6 payload.
///
/// Each step consumes at least 8 octets of the payload, so the walk ends after
/// at most `payload.len() / 8` items; after an error it yields nothing more.
/// A header that does not fit in the payload is `Truncated`; a Hop-by-Hop
/// header anywhere but first is `Malformed` (RFC 8200 §4.1).
///
/// It stops (without an item) at the first non-extension Next Header, or after
/// a Fragment header with a non-zero offset, since what follows it is not a
/// header. Then [`ExtHeaders::upper_layer`] tells where it stopped.
#[derive(Debug, Clone)]
pub struct ExtHeaders<'a> {
    payload: &'a [u8],
    next: IpProtocol,
    offset: usize,
    first: bool,
    done: bool,
    fragment: Option<FragmentRepr>,
}

impl<'a> ExtHeaders<'a> {
    /// Starts a walk at `next_header` (the IPv6 header's Next Header) over `payload`.
    pub fn new(next_header: IpProtocol, payload: &'a [u8]) -> Self {
        ExtHeaders { payload, next: next_header, offset: 0, first: true, done: false, fragment: None }
    }

    /// Once the iterator has returned `None` without an error: the upper layer reached.
    pub fn upper_layer(&self) -> UpperLayer {
        UpperLayer { protocol: self.next, offset: self.offset, fragment: self.fragment }
    }
}

impl<'a> Iterator for ExtHeaders<'a> {
    type Item = Result<ExtItem<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || !is_walked(self.next) {
            self.done = true;
            return None;
        }
        if let Some(f) = self.fragment {
            if f.offset != 0 {
                self.done = true;
                return None;
            }
        }
        let kind = self.next;
        let rest = self.payload.get(self.offset..).unwrap_or(&[]);
        let fail = |s: &mut Self, e| {
            s.done = true;
            Some(Err(e))
        };
        // RFC 8200 §4.1: the Hop-by-Hop header, when present, immediately follows the IPv6 header.
        if kind == IpProtocol::HopByHop && !self.first {
            return fail(self, Error::Malformed);
        }
        let len = if kind == IpProtocol::Ipv6Frag {
            // RFC 8200 §4.5: fixed 8 octets; the second octet is reserved, not a length.
            match FragmentRepr::parse(rest) {
                Ok(f) => {
                    self.fragment = Some(f);
                    MIN_LEN
                }
                Err(e) => return fail(self, e),
            }
        } else {
            match ExtHeader::new_checked(rest) {
                Ok(h) => h.header_len(),
                Err(e) => return fail(self, e),
            }
        };
        let item = ExtItem { kind, offset: self.offset, bytes: &rest[..len] };
        self.next = IpProtocol::from(rest[0]);
        self.offset += len;
        self.first = false;
        Some(Ok(item))
    }
}

/// Where the extension header chain ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpperLayer {
    /// The upper-layer protocol (or `Ipv6NoNxt`, or an extension header the
    /// walker does not step over, such as ESP).
    pub protocol: IpProtocol,
    /// Offset of the upper-layer data from the start of the IPv6 payload.
    pub offset: usize,
    /// The Fragment header met on the way, if any. When its offset is not
    /// zero, the data at `offset` is the middle of a fragmented packet.
    pub fragment: Option<FragmentRepr>,
}

/// Walks the whole chain and returns the upper layer, or the first error.
///
/// ```
/// use sixlo::wire::ipv6::{IpProtocol, upper_layer};
/// // A Hop-by-Hop header (Pad1 x 6) followed by 4 octets of UDP-ish data.
/// let payload = [17, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
/// let ul = upper_layer(IpProtocol::HopByHop, &payload).unwrap();
/// assert_eq!((ul.protocol, ul.offset), (IpProtocol::Udp, 8));
/// ```
pub fn upper_layer(next_header: IpProtocol, payload: &[u8]) -> Result<UpperLayer> {
    let mut walk = ExtHeaders::new(next_header, payload);
    for item in &mut walk {
        item?;
    }
    Ok(walk.upper_layer())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ext_header_view() {
        let b = [17u8, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 99];
        let h = ExtHeader::new_checked(&b[..]).unwrap();
        assert_eq!(h.next_header(), IpProtocol::Udp);
        assert_eq!(h.header_len(), 16);
        assert_eq!(h.data(), &b[2..16]);
        assert_eq!(ExtHeader::new_checked(&b[..15]).unwrap_err(), Error::Truncated);
        assert_eq!(ExtHeader::new_checked(&b[..7]).unwrap_err(), Error::Truncated);
    }

    // HBH (PadN 4) -> Routing (unknown type 250, 8 octets) -> Fragment (offset 0, M) -> Dst opts -> UDP
    const CHAIN: [u8; 36] = [
        43, 0, 1, 4, 0, 0, 0, 0, // HBH
        44, 0, 250, 0, 0, 0, 0, 0, // Routing
        60, 0, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, // Fragment: offset 0, M=1, id 0x12345678
        17, 0, 1, 4, 0, 0, 0, 0, // Destination options
        0xaa, 0xbb, 0xcc, 0xdd, // upper layer
    ];

    #[test]
    fn walk_chain() {
        let mut w = ExtHeaders::new(IpProtocol::HopByHop, &CHAIN);
        let kinds: Vec<_> = (&mut w).map(|i| i.unwrap()).map(|i| (i.kind, i.offset, i.bytes.len())).collect();
        assert_eq!(
            kinds,
            [
                (IpProtocol::HopByHop, 0, 8),
                (IpProtocol::Ipv6Route, 8, 8),
                (IpProtocol::Ipv6Frag, 16, 8),
                (IpProtocol::Ipv6Opts, 24, 8)
            ]
        );
        let ul = w.upper_layer();
        assert_eq!((ul.protocol, ul.offset), (IpProtocol::Udp, 32));
        let f = ul.fragment.unwrap();
        assert_eq!((f.offset, f.more_fragments, f.identification), (0, true, 0x1234_5678));
        assert_eq!(upper_layer(IpProtocol::HopByHop, &CHAIN).unwrap(), ul);
    }

    #[test]
    fn walk_stops_after_non_first_fragment() {
        let mut b = CHAIN;
        b[18] = 0x00;
        b[19] = 0x08; // offset 1
        let ul = upper_layer(IpProtocol::HopByHop, &b).unwrap();
        assert_eq!((ul.protocol, ul.offset), (IpProtocol::Ipv6Opts, 24));
    }

    #[test]
    fn walk_errors() {
        // HBH not first.
        let mut b = CHAIN;
        b[0] = 0;
        assert_eq!(upper_layer(IpProtocol::HopByHop, &b).unwrap_err(), Error::Malformed);
        // Every prefix that cuts a header is truncated; cuts in the UDP data are not.
        for n in 0..CHAIN.len() {
            let r = upper_layer(IpProtocol::HopByHop, &CHAIN[..n]);
            if n < 32 {
                assert_eq!(r.unwrap_err(), Error::Truncated, "{n}");
            } else {
                assert_eq!(r.unwrap().offset, 32);
            }
        }
        // No extension header at all.
        assert_eq!(upper_layer(IpProtocol::Icmpv6, &[]).unwrap().offset, 0);
        // A length past the buffer.
        assert_eq!(
            upper_layer(IpProtocol::Ipv6Opts, &[59, 255, 0, 0, 0, 0, 0, 0]).unwrap_err(),
            Error::Truncated
        );
    }

    proptest! {
        #[test]
        fn random_chains_terminate(nh in any::<u8>(), b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut w = ExtHeaders::new(nh.into(), &b);
            let mut n = 0;
            for item in &mut w {
                n += 1;
                if let Ok(i) = item {
                    prop_assert!(i.offset + i.bytes.len() <= b.len());
                }
            }
            prop_assert!(n <= b.len() / 8 + 1);
            if let Ok(ul) = upper_layer(nh.into(), &b) {
                prop_assert!(ul.offset <= b.len());
            }
        }
    }
}
