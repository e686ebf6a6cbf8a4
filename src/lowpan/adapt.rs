//! The adaptation layer's two entry points: an IPv6 packet to frame
//! payloads ([`encode`]), and a frame payload to an IPv6 packet
//! ([`Receiver::receive`]).
//!
//! Both work on the caller's buffers and on bytes: compression reads the
//! IPv6 packet where it lies and writes only the compressed headers to a
//! scratch buffer; fragments and single frames are written straight into
//! the frame buffer the MAC sends. No `Repr` is built on this path.

use super::context::Contexts;
use super::frag::{
    FragError, Fragmentation, Fragmenter, ReassemblyError, ReassemblyKey, SlotStorage, fragment,
};
use super::frag::{Reassembler, ReassemblyStats};
use super::iphc::{CompressError, DecompressError, compress_headers, decompress, decompress_headers};
use crate::time::Instant;
use crate::wire::ieee802154::Address;
use crate::wire::sixlowpan::{self, Inner, frag as frag_hdr, mesh};

/// The largest compressed header stack [`encode`] writes: IPHC with every
/// field in-line (40 bytes), up to 2 levels of IPv6-in-IPv6, extension
/// headers and UDP. A scratch buffer of this size is always enough for
/// packets up to 1280 bytes whose extension headers fit in a frame.
pub const MAX_COMPRESSED_HEADERS: usize = 256;

/// The largest IPv6 packet one 127-byte frame decompresses to when its
/// extension headers occur as RFC 8200 §4.1 says they should (Hop-by-Hop
/// once, Destination Options at most twice, per IPv6 header): 242 bytes.
/// A buffer of this size is enough for [`Receiver::receive`]'s `out`.
///
/// The bound: a data frame addressed to us has at least a 4-byte MAC
/// header (2015 frame: Frame Control and a short destination, no DSN, no
/// PAN ID) and a 2-byte FCS, so its payload is at most 121 bytes. Its
/// compressed headers grow by at most 38 bytes for the IPHC header (2
/// bytes for 40), 37 for an IPv6-in-IPv6 inner one (NHC EID 7 and 2
/// bytes, RFC 6282 §4.2), 7 for each Hop-by-Hop or Destination Options
/// header (the padding the decompressor adds back, RFC 6282 §4.2; a
/// Routing or Fragment header does not grow) and 4 for UDP (4 bytes for
/// 8): 121 + 38 + 3 × 7 + 37 + 3 × 7 + 4 = 242. The decompressor also
/// takes longer chains of repeated Destination Options headers (up to 537
/// bytes from one frame); with a smaller `out` those are refused
/// ([`DecompressError::BufferTooSmall`], counted in
/// [`LowpanStats::decompress_errors`]).
pub const MAX_SINGLE_FRAME_PACKET: usize = 242;

/// Why a packet could not be encoded into frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The packet is not a well-formed IPv6 packet, or the scratch buffer is
    /// too small for its compressed headers.
    Compress(CompressError),
    /// The packet does not fit in 6LoWPAN fragments with this MTU (too large,
    /// or headers that do not fit in the first fragment).
    Fragment(FragError),
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeError::Compress(e) => write!(f, "compression: {e:?}"),
            EncodeError::Fragment(e) => write!(f, "fragmentation: {e:?}"),
        }
    }
}

/// An encoded packet, ready to be written into frame payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoded<'a> {
    /// One frame payload: `header` (compressed) then `payload`, together
    /// [`single_len`](Encoded::single_len) bytes. Write it with [`Encoded::write_single`].
    Single {
        /// The compressed headers.
        header: &'a [u8],
        /// The rest of the packet, sent as is.
        payload: &'a [u8],
    },
    /// FRAG1 and FRAGN fragments, written one by one by the fragmenter.
    Fragmented(Fragmenter<'a>),
}

impl Encoded<'_> {
    /// The single frame payload's length, or `None` for fragments.
    pub fn single_len(&self) -> Option<usize> {
        match self {
            Encoded::Single { header, payload } => Some(header.len() + payload.len()),
            Encoded::Fragmented(_) => None,
        }
    }

    /// Writes the single frame payload into `out` and returns its length;
    /// `None` for fragments or when `out` is too small.
    pub fn write_single(&self, out: &mut [u8]) -> Option<usize> {
        let Encoded::Single { header, payload } = self else { return None };
        let n = header.len() + payload.len();
        let out = out.get_mut(..n)?;
        out[..header.len()].copy_from_slice(header);
        out[header.len()..].copy_from_slice(payload);
        Some(n)
    }
}

/// Compresses `packet` (a whole IPv6 packet) for the link from `ll_src` to
/// `ll_dst`, and decides whether it fits in one frame payload of `mtu` bytes
/// or needs fragments (RFC 4944 §5.3, with datagram tag `tag`).
///
/// `scratch` receives the compressed headers ([`MAX_COMPRESSED_HEADERS`]
/// bytes are enough); the packet's payload is not copied until the frames
/// are written.
pub fn encode<'a, 'c>(
    packet: &'a [u8],
    ll_src: &Address,
    ll_dst: &Address,
    ctx: impl Into<Contexts<'c>>,
    tag: u16,
    mtu: usize,
    scratch: &'a mut [u8],
) -> Result<Encoded<'a>, EncodeError> {
    let c = compress_headers(packet, ll_src, ll_dst, ctx, scratch).map_err(EncodeError::Compress)?;
    let header = &scratch[..c.header_len];
    let payload = &packet[c.consumed..];
    match fragment(header, c.consumed, payload, tag, mtu).map_err(EncodeError::Fragment)? {
        Fragmentation::NotNeeded => Ok(Encoded::Single { header, payload }),
        Fragmentation::Needed(f) => Ok(Encoded::Fragmented(f)),
    }
}

/// Why a received frame payload gave no packet. Each is counted in
/// [`LowpanStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiveError {
    /// The 6LoWPAN header stack does not parse (RFC 4944 / RFC 6282 views).
    Header(crate::wire::Error),
    /// A dispatch this node does not handle (HC1, NALP, other pages, ...).
    Unsupported,
    /// IPHC/NHC decompression failed.
    Decompress(DecompressError),
    /// The reassembler dropped the fragment.
    Reassembly(ReassemblyError),
}

impl core::fmt::Display for ReceiveError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReceiveError::Header(e) => write!(f, "6lowpan header: {e}"),
            ReceiveError::Unsupported => f.write_str("unsupported 6lowpan dispatch"),
            ReceiveError::Decompress(e) => write!(f, "6lowpan decompression: {e}"),
            ReceiveError::Reassembly(e) => write!(f, "6lowpan reassembly: {e:?}"),
        }
    }
}

/// What a received frame payload gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Received<'a> {
    /// A whole IPv6 packet: from a single frame, or the datagram that this
    /// fragment completed (`reassembled` is then true).
    Packet {
        /// The IPv6 packet.
        packet: &'a mut [u8],
        /// True when it was put together from fragments.
        reassembled: bool,
    },
    /// A fragment was stored; the datagram is not complete yet.
    Pending,
    /// A datagram completed in the pool lent to
    /// [`Receiver::receive_lent`]: these bytes of it.
    InPool(core::ops::Range<usize>),
}

/// What `receive_in` gave, before it is lent out.
pub(crate) enum Got {
    /// A single-frame packet of this many bytes at the start of `out`.
    Single(usize),
    /// A datagram completed in these pool bytes.
    Done(core::ops::Range<usize>),
    Pending,
}

/// Counters of the receive path (besides the reassembler's own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LowpanStats {
    /// Packets delivered (single frames and completed datagrams).
    pub packets: u32,
    /// Fragments stored by the reassembler.
    pub fragments: u32,
    /// Payloads whose header stack did not parse.
    pub header_errors: u32,
    /// Payloads with a dispatch this node does not handle.
    pub unsupported: u32,
    /// Payloads whose IPHC/NHC headers did not decompress.
    pub decompress_errors: u32,
}

/// The receive half of the adaptation layer: header walk, decompression
/// and reassembly, over a reassembler whose storage the caller chose.
#[derive(Debug)]
pub struct Receiver<S> {
    reassembler: Reassembler<S>,
    stats: LowpanStats,
}

impl<S: SlotStorage> Receiver<S> {
    /// A receiver that reassembles into `reassembler`.
    pub fn new(reassembler: Reassembler<S>) -> Self {
        Receiver { reassembler, stats: LowpanStats::default() }
    }

    /// The receive counters.
    pub fn stats(&self) -> &LowpanStats {
        &self.stats
    }

    /// The reassembler's counters (timeouts, drops, ...).
    pub fn reassembly_stats(&self) -> &ReassemblyStats {
        self.reassembler.stats()
    }

    /// The reassembler, e.g. to drive its timeout from the event loop.
    pub fn reassembler(&mut self) -> &mut Reassembler<S> {
        &mut self.reassembler
    }

    /// When the next reassembly times out, if any is in progress.
    pub fn poll_at(&self) -> Option<Instant> {
        self.reassembler.poll_at()
    }

    /// Processes one frame payload received from `ll_src` for `ll_dst`.
    ///
    /// A single-frame packet is decompressed into `out`
    /// ([`MAX_SINGLE_FRAME_PACKET`] bytes are enough for every packet whose
    /// extension headers follow RFC 8200 §4.1, 1280 for any this layer
    /// accepts); a fragment goes to the reassembler, with FRAG1's headers
    /// decompressed through `out` first.
    /// With a mesh header (RFC 4944 §5.2) the originator and final
    /// destination stand for the link addresses, as they do for header
    /// compression and the reassembly key.
    pub fn receive<'a, 'c>(
        &'a mut self,
        now: Instant,
        payload: &[u8],
        ll_src: &Address,
        ll_dst: &Address,
        ctx: impl Into<Contexts<'c>>,
        out: &'a mut [u8],
    ) -> Result<Received<'a>, ReceiveError> {
        match self.receive_in(now, payload, ll_src, ll_dst, ctx.into(), out, None)? {
            Got::Single(n) => Ok(Received::Packet { packet: &mut out[..n], reassembled: false }),
            Got::Done(range) => match self.reassembler.pool_mut(range) {
                Some(packet) => Ok(Received::Packet { packet, reassembled: true }),
                None => Err(ReceiveError::Reassembly(ReassemblyError::Invalid)),
            },
            Got::Pending => Ok(Received::Pending),
        }
    }

    /// [`receive`](Self::receive) for a reassembler whose slots have no
    /// buffers: fragments are reassembled in `pool`, lent for this call,
    /// above its first `reserved` bytes (see
    /// [`Reassembler::accept_lent`]); a completed datagram comes back as
    /// [`Received::InPool`]. A single-frame packet still goes to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn receive_lent<'a, 'c>(
        &mut self,
        now: Instant,
        payload: &[u8],
        ll_src: &Address,
        ll_dst: &Address,
        ctx: impl Into<Contexts<'c>>,
        out: &'a mut [u8],
        pool: &mut [u8],
        reserved: usize,
    ) -> Result<Received<'a>, ReceiveError> {
        match self.receive_in(now, payload, ll_src, ll_dst, ctx.into(), out, Some((pool, reserved)))? {
            Got::Single(n) => Ok(Received::Packet { packet: &mut out[..n], reassembled: false }),
            Got::Done(range) => Ok(Received::InPool(range)),
            Got::Pending => Ok(Received::Pending),
        }
    }

    /// The body of `receive` and `receive_lent`: reassembly in `lent`
    /// (a pool and its reserved bytes) when given, else in the slots.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn receive_in(
        &mut self,
        now: Instant,
        payload: &[u8],
        ll_src: &Address,
        ll_dst: &Address,
        ctx: Contexts<'_>,
        out: &mut [u8],
        lent: Option<(&mut [u8], usize)>,
    ) -> Result<Got, ReceiveError> {
        let stack = match sixlowpan::walk(payload) {
            Ok(s) => s,
            Err(e) => {
                self.stats.header_errors = self.stats.header_errors.saturating_add(1);
                return Err(ReceiveError::Header(e));
            }
        };
        let (src, dst) = match stack.mesh {
            Some(span) => {
                // The walk checked the mesh header's length already.
                let m = mesh::Packet::new_unchecked(&payload[span.range()]);
                (m.originator(), m.final_destination())
            }
            None => (*ll_src, *ll_dst),
        };
        let inner_start = match stack.inner {
            Inner::Iphc(span) => span.start,
            // The decompressor takes the 0x41 dispatch byte itself (RFC 4944 §5.1).
            Inner::Ipv6(at) => at.saturating_sub(1),
            Inner::FragmentBody(at) => at,
            Inner::Unsupported(..) => {
                self.stats.unsupported = self.stats.unsupported.saturating_add(1);
                return Err(ReceiveError::Unsupported);
            }
        };
        let inner = &payload[inner_start..];
        let Some(frag_span) = stack.frag else {
            let n = decompress(inner, &src, &dst, ctx, out).map_err(|e| self.decompress_failed(e))?;
            self.stats.packets = self.stats.packets.saturating_add(1);
            return Ok(Got::Single(n));
        };
        let f = frag_hdr::Packet::new_unchecked(&payload[frag_span.range()]);
        let key = ReassemblyKey { src, dst, size: f.datagram_size(), tag: f.datagram_tag() };
        let done = if f.is_first() {
            // RFC 4944 §5.3 / RFC 6282 §2: FRAG1 carries the compressed
            // headers; the reassembled datagram holds them uncompressed.
            let size = usize::from(key.size);
            let d = match decompress_headers(inner, &src, &dst, ctx, Some(size), out) {
                Ok(d) => d,
                Err(e) => {
                    self.reassembler.discard(&key);
                    return Err(self.decompress_failed(e));
                }
            };
            let rest = &inner[d.consumed..];
            let total = d.header_len + rest.len();
            let Some(dst_buf) = out.get_mut(d.header_len..total) else {
                return Err(self.decompress_failed(DecompressError::BufferTooSmall));
            };
            dst_buf.copy_from_slice(rest);
            self.reassembler.accept_in(now, key, 0, &out[..total], lent)
        } else {
            self.reassembler.accept_in(now, key, usize::from(f.datagram_offset()) * 8, inner, lent)
        };
        match done {
            Ok(Some(range)) => {
                self.stats.packets = self.stats.packets.saturating_add(1);
                Ok(Got::Done(range))
            }
            Ok(None) => {
                self.stats.fragments = self.stats.fragments.saturating_add(1);
                Ok(Got::Pending)
            }
            Err(e) => Err(ReceiveError::Reassembly(e)),
        }
    }

    fn decompress_failed(&mut self, e: DecompressError) -> ReceiveError {
        self.stats.decompress_errors = self.stats.decompress_errors.saturating_add(1);
        ReceiveError::Decompress(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lowpan::context::ContextTable;
    use crate::lowpan::frag::ReassemblyBuffers;
    use crate::wire::checksum;

    const SRC: Address = Address::Extended([0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01]);
    const DST: Address = Address::Short([0x00, 0x02]);

    /// A link-local UDP packet from SRC's IID to DST's, `len` payload bytes.
    fn udp_packet(len: usize) -> Vec<u8> {
        let src: core::net::Ipv6Addr = "fe80::12:7401:1:101".parse().unwrap();
        let dst: core::net::Ipv6Addr = "fe80::ff:fe00:2".parse().unwrap();
        let mut p = vec![0u8; 48 + len];
        p[0] = 0x60;
        p[4..6].copy_from_slice(&((8 + len) as u16).to_be_bytes());
        p[6] = 17;
        p[7] = 64;
        p[8..24].copy_from_slice(&src.octets());
        p[24..40].copy_from_slice(&dst.octets());
        p[40..42].copy_from_slice(&5683u16.to_be_bytes());
        p[42..44].copy_from_slice(&61617u16.to_be_bytes());
        p[44..46].copy_from_slice(&((8 + len) as u16).to_be_bytes());
        for (i, b) in p[48..].iter_mut().enumerate() {
            *b = i as u8;
        }
        let c = checksum::upper_layer(&src, &dst, 17, &p[40..]);
        p[46..48].copy_from_slice(&c.to_be_bytes());
        p
    }

    #[test]
    fn small_packet_is_one_frame_and_comes_back() {
        let ctx = ContextTable::new();
        let packet = udp_packet(20);
        let mut scratch = [0u8; MAX_COMPRESSED_HEADERS];
        let enc = encode(&packet, &SRC, &DST, &ctx, 1, 102, &mut scratch).unwrap();
        let mut frame = [0u8; 127];
        let n = enc.write_single(&mut frame).unwrap();
        // IPHC 2 + hop limit elided, addresses elided; NHC UDP 1 + ports 3 + checksum 2.
        assert!(n < packet.len() - 30, "compressed to {n} bytes");
        let mut rx = Receiver::new(ReassemblyBuffers::<2, 1280>::new_owned());
        let mut out = [0u8; 1280];
        let got = rx.receive(Instant::ZERO, &frame[..n], &SRC, &DST, &ctx, &mut out).unwrap();
        assert_eq!(got, Received::Packet { packet: &mut packet.clone()[..], reassembled: false });
        assert_eq!(rx.stats().packets, 1);
    }

    #[test]
    fn large_packet_goes_through_fragments_in_any_order() {
        let ctx = ContextTable::new();
        let packet = udp_packet(1232 - 8);
        assert_eq!(packet.len(), 1272);
        let mut scratch = [0u8; MAX_COMPRESSED_HEADERS];
        let Encoded::Fragmented(mut f) = encode(&packet, &SRC, &DST, &ctx, 0x3f, 96, &mut scratch).unwrap()
        else {
            panic!("a 1272-byte packet needs fragments");
        };
        let mut frames = Vec::new();
        let mut buf = [0u8; 96];
        while let Some(n) = f.next_fragment(&mut buf) {
            frames.push(buf[..n].to_vec());
        }
        assert!(frames.len() >= 14, "{} fragments", frames.len());
        frames.reverse(); // FRAGNs first, FRAG1 last
        let mut rx = Receiver::new(ReassemblyBuffers::<2, 1280>::new_owned());
        let mut out = [0u8; 1280];
        let last = frames.len() - 1;
        for (i, fr) in frames.iter().enumerate() {
            let got = rx.receive(Instant::ZERO, fr, &SRC, &DST, &ctx, &mut out).unwrap();
            if i < last {
                assert_eq!(got, Received::Pending);
            } else {
                let Received::Packet { packet: p, reassembled } = got else { panic!() };
                assert!(reassembled);
                assert_eq!(p, &packet[..]);
            }
        }
        assert_eq!((rx.stats().packets, rx.stats().fragments as usize), (1, last));
    }

    /// The worst case of [`MAX_SINGLE_FRAME_PACKET`]: a 121-byte payload
    /// with every header that grows, each at its largest growth.
    #[test]
    fn largest_single_frame_packet() {
        let ctx = ContextTable::new();
        // Hop-by-Hop, then two Destination Options, each 7 bytes of PadN
        // (9 compressed, 16 decompressed; RFC 6282 §4.2 NHC EID 0 and 3).
        let ehs = |p: &mut Vec<u8>| {
            for nhc in [0xe1, 0xe7, 0xe7] {
                p.extend_from_slice(&[nhc, 7, 0x01, 0x05, 0, 0, 0, 0, 0]);
            }
        };
        // IPHC: TF, hop limit and source (SAC=1 SAM=00: ::) elided, the
        // destination from the link; then the inner header (EID 7) with
        // its addresses from the outer one, then NHC UDP with 4-bit ports.
        let mut p = vec![0x7f, 0x43];
        ehs(&mut p);
        p.extend_from_slice(&[0xee, 0x7f, 0x33]);
        ehs(&mut p);
        p.extend_from_slice(&[0xf3, 0x12, 0x00, 0x00]);
        p.resize(121, 0xaa);
        let mut rx = Receiver::new(ReassemblyBuffers::<1, 256>::new_owned());
        let mut out = [0u8; MAX_SINGLE_FRAME_PACKET];
        let got = rx.receive(Instant::ZERO, &p, &Address::Absent, &DST, &ctx, &mut out).unwrap();
        let Received::Packet { packet, .. } = got else { panic!("a single frame") };
        assert_eq!(packet.len(), MAX_SINGLE_FRAME_PACKET);
        // Longer chains of empty Destination Options: 537 bytes, refused.
        let mut q = vec![0x7f, 0x43];
        while q.len() < 116 {
            q.extend_from_slice(&[0xe7, 0]);
        }
        q.extend_from_slice(&[0xee, 0x7b, 0x33, 59]);
        q.resize(121, 0xaa);
        let mut big = [0u8; 1280];
        assert_eq!(crate::lowpan::decompress(&q, &Address::Absent, &DST, &ctx, &mut big), Ok(537));
        assert!(rx.receive(Instant::ZERO, &q, &Address::Absent, &DST, &ctx, &mut out).is_err());
        assert_eq!(rx.stats().decompress_errors, 1);
    }

    #[test]
    fn bad_payloads_are_counted_errors() {
        let ctx = ContextTable::new();
        let mut rx = Receiver::new(ReassemblyBuffers::<1, 1280>::new_owned());
        let mut out = [0u8; 1280];
        let cases: [&[u8]; 4] = [&[], &[0x7b], &[0x42, 0x00], &[0x78, 0x00, 0xf0]];
        for c in cases {
            assert!(rx.receive(Instant::ZERO, c, &SRC, &DST, &ctx, &mut out).is_err(), "{c:02x?}");
        }
        let s = *rx.stats();
        assert_eq!(s.packets, 0);
        assert_eq!(s.header_errors + s.unsupported + s.decompress_errors, 4);
    }

    /// The fragments of `packet` (tag `tag`), 96-byte frames.
    /// `receive_lent`: fragments are reassembled in the lent pool above the
    /// reserved bytes (never written); a single frame still goes to `out`.
    #[test]
    fn lent_pool_receive() {
        use crate::lowpan::frag::{Reassembler, ReassemblySlot};
        let ctx = ContextTable::new();
        let packet = udp_packet(500);
        let mut slots = [ReassemblySlot::without_buffer()];
        let mut rx = Receiver::new(Reassembler::new(&mut slots));
        let (mut out, mut pool) = ([0u8; 256], [0u8; 1280]);
        let frames = fragments(&packet, 9, &ctx);
        let last = frames.len() - 1;
        for (i, fr) in frames.iter().enumerate() {
            let got = rx.receive_lent(Instant::ZERO, fr, &SRC, &DST, &ctx, &mut out, &mut pool, 700).unwrap();
            if i < last {
                assert_eq!(got, Received::Pending);
            } else {
                assert_eq!(got, Received::InPool(1280 - packet.len()..1280));
            }
        }
        assert_eq!(&pool[1280 - packet.len()..], &packet[..]);
        assert!(pool[..700].iter().all(|&b| b == 0));
        // More than fits above the reserved bytes: dropped, counted.
        let got = rx.receive_lent(Instant::ZERO, &frames[0], &SRC, &DST, &ctx, &mut out, &mut pool, 1000);
        assert!(matches!(got, Err(ReceiveError::Reassembly(ReassemblyError::NoSlot))));
        let small = udp_packet(20);
        let mut scratch = [0u8; MAX_COMPRESSED_HEADERS];
        let enc = encode(&small, &SRC, &DST, &ctx, 1, 102, &mut scratch).unwrap();
        let mut frame = [0u8; 127];
        let n = enc.write_single(&mut frame).unwrap();
        let got =
            rx.receive_lent(Instant::ZERO, &frame[..n], &SRC, &DST, &ctx, &mut out, &mut pool, 1280).unwrap();
        assert_eq!(got, Received::Packet { packet: &mut small.clone()[..], reassembled: false });
    }

    fn fragments(packet: &[u8], tag: u16, ctx: &ContextTable) -> Vec<Vec<u8>> {
        let mut scratch = [0u8; MAX_COMPRESSED_HEADERS];
        let Encoded::Fragmented(mut f) = encode(packet, &SRC, &DST, ctx, tag, 96, &mut scratch).unwrap()
        else {
            panic!("a {}-byte packet needs fragments", packet.len());
        };
        let mut frames = Vec::new();
        let mut buf = [0u8; 96];
        while let Some(n) = f.next_fragment(&mut buf) {
            frames.push(buf[..n].to_vec());
        }
        frames
    }

    #[test]
    fn two_slots_sharing_one_1280_byte_pool() {
        use crate::lowpan::frag::{Reassembler, ReassemblySlot};
        let ctx = ContextTable::new();
        let mut pool = [0u8; 1280];
        let mut slots = [ReassemblySlot::new(&mut pool), ReassemblySlot::without_buffer()];
        let mut rx = Receiver::new(Reassembler::new(&mut slots));
        let mut out = [0u8; 1280];
        // Two 600-byte datagrams at once, fragments interleaved.
        let (a, b) = (udp_packet(552), udp_packet(500));
        let (fa, fb) = (fragments(&a, 1, &ctx), fragments(&b, 2, &ctx));
        let mut done = Vec::new();
        for i in 0..fa.len().max(fb.len()) {
            for fr in [fa.get(i), fb.get(i)].into_iter().flatten() {
                if let Received::Packet { packet, reassembled: true } =
                    rx.receive(Instant::ZERO, fr, &SRC, &DST, &ctx, &mut out).unwrap()
                {
                    done.push(packet.to_vec());
                }
            }
        }
        assert_eq!(done.len(), 2);
        assert!(done.contains(&a) && done.contains(&b));
        // Then a full-size datagram, in the whole pool.
        let full = udp_packet(1232);
        assert_eq!(full.len(), 1280);
        let frames = fragments(&full, 3, &ctx);
        let last = frames.len() - 1;
        for (i, fr) in frames.iter().enumerate() {
            let got = rx.receive(Instant::ZERO, fr, &SRC, &DST, &ctx, &mut out).unwrap();
            if i < last {
                assert_eq!(got, Received::Pending);
            } else {
                assert_eq!(got, Received::Packet { packet: &mut full.clone()[..], reassembled: true });
            }
        }
        assert_eq!(rx.reassembly_stats().completed, 3);
    }
}
