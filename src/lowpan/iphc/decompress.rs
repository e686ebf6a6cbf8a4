//! LOWPAN_IPHC / LOWPAN_NHC decompression (RFC 6282 §3.2, §4).

use super::{IPV6_LEN, LINK_LOCAL, Lower, SHORT_IID, UDP_LEN, proto};
use crate::lowpan::context::Contexts;
use crate::wire::ieee802154::Address;
use crate::wire::sixlowpan::iphc::ADDR_INLINE_LEN;
use crate::wire::sixlowpan::nhc::{ExtHeaderId, PortsMode};

/// Why a compressed header could not be decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecompressError {
    /// A header or in-line field runs past the input.
    Truncated,
    /// A reserved combination, an impossible length, or an address that
    /// cannot be derived (elided IID with no link-layer address).
    Malformed,
    /// The header refers to a context identifier that is not set.
    UnknownContext(u8),
    /// A valid encoding this node does not handle: HC1 or another
    /// dispatch, a reserved NHC, the Mobility header (EID 4), an elided UDP
    /// checksum, IPv6-in-IPv6 nested deeper than one inner header.
    Unsupported,
    /// The output buffer is too small for the uncompressed headers.
    BufferTooSmall,
}

impl core::fmt::Display for DecompressError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecompressError::Truncated => f.write_str("truncated compressed header"),
            DecompressError::Malformed => f.write_str("malformed compressed header"),
            DecompressError::UnknownContext(c) => write!(f, "unknown 6LoWPAN context {c}"),
            DecompressError::Unsupported => f.write_str("unsupported 6LoWPAN encoding"),
            DecompressError::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecompressError {}

/// The result of [`decompress_headers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decompressed {
    /// Bytes of `input` taken by compressed headers.
    pub consumed: usize,
    /// Uncompressed header bytes written at `out[..header_len]`.
    pub header_len: usize,
}

type Result<T> = core::result::Result<T, DecompressError>;

/// At most the outer header and one inner IPv6-in-IPv6 header.
const MAX_DEPTH: usize = 2;

struct Decoder<'i, 'o> {
    input: &'i [u8],
    pos: usize,
    out: &'o mut [u8],
    w: usize,
    /// Offsets of the IPv6 headers written (for their payload length).
    ip_at: [usize; MAX_DEPTH],
    ip_count: usize,
    udp_at: Option<usize>,
}

impl<'i> Decoder<'i, '_> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'i [u8]> {
        let input: &'i [u8] = self.input;
        let end = self.pos.checked_add(n).ok_or(DecompressError::Truncated)?;
        let s = input.get(self.pos..end).ok_or(DecompressError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    /// The next `N` input bytes as an array.
    #[inline(always)]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let input: &'i [u8] = self.input;
        let s = input.get(self.pos..).and_then(|r| r.first_chunk::<N>()).ok_or(DecompressError::Truncated)?;
        self.pos += N;
        Ok(*s)
    }

    #[inline(always)]
    fn byte(&mut self) -> Result<u8> {
        let b = *self.input.get(self.pos).ok_or(DecompressError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// Reserves `n` output bytes at the write position.
    #[inline]
    fn reserve(&mut self, n: usize) -> Result<usize> {
        let at = self.w;
        if self.out.len() < at + n {
            return Err(DecompressError::BufferTooSmall);
        }
        self.w += n;
        Ok(at)
    }

    /// Decodes one LOWPAN_IPHC header (dispatch at `self.pos`) and the NHC
    /// chain after it.
    fn iphc(&mut self, depth: usize, lsrc: Lower<'_>, ldst: Lower<'_>, ctx: Contexts<'_>) -> Result<()> {
        let [b0, b1] = self.array::<2>()?;
        if b0 & 0xe0 != 0x60 {
            return Err(DecompressError::Malformed);
        }
        // RFC 6282 §3.1.2: the CID byte follows the two base bytes.
        let (sci, dci) = if b1 & 0x80 != 0 {
            let c = self.byte()?;
            (c >> 4, c & 0x0f)
        } else {
            (0, 0)
        };
        let at = self.reserve(IPV6_LEN)?;
        if self.ip_count >= MAX_DEPTH {
            return Err(DecompressError::Unsupported);
        }
        self.ip_at[self.ip_count] = at;
        self.ip_count += 1;

        // RFC 6282 §3.1.1 TF: in-line order is ECN, DSCP (rotated from the
        // IPv6 order DSCP, ECN), then the flow label.
        let (ecn, dscp, fl) = match (b0 >> 3) & 3 {
            0 => {
                let [a, b, c, d] = self.array::<4>()?;
                (a >> 6, a & 0x3f, u32::from_be_bytes([0, b & 0x0f, c, d]))
            }
            1 => {
                let [a, b, c] = self.array::<3>()?;
                (a >> 6, 0, u32::from_be_bytes([0, a & 0x0f, b, c]))
            }
            2 => {
                let a = self.byte()?;
                (a >> 6, a & 0x3f, 0)
            }
            _ => (0, 0, 0),
        };
        let tc = u32::from((dscp << 2) | ecn);
        let word0 = (6u32 << 28) | (tc << 20) | fl;
        let nh = b0 & 0x04 != 0;
        let next = if nh { 0 } else { self.byte()? };
        let hlim = match b0 & 3 {
            0 => self.byte()?,
            1 => 1,
            2 => 64,
            _ => 255,
        };
        let (m, dac, dam) = (b1 & 0x08 != 0, b1 & 0x04 != 0, b1 & 3);
        // RFC 6282 §3.1.1: M=0 DAC=1 DAM=00 and M=1 DAC=1 DAM≠00 are reserved.
        if dac && (m != (dam == 0)) {
            return Err(DecompressError::Malformed);
        }
        // Written in place: the reservation above checked the length.
        let Some(h) = self.out.get_mut(at..).and_then(|o| o.first_chunk_mut::<IPV6_LEN>()) else {
            return Err(DecompressError::BufferTooSmall);
        };
        h[0..4].copy_from_slice(&word0.to_be_bytes());
        // h[4..6] (payload length) is written once the total is known.
        h[6] = next;
        h[7] = hlim;
        let (src, dst) = h[8..].split_at_mut(16);
        let mut cur = Cursor { input: self.input, pos: self.pos };
        // RFC 6282 §3.1.1: SAC, SAM; then M, DAC, DAM.
        src.fill(0);
        address(&mut cur, true, false, b1 & 0x40 != 0, (b1 >> 4) & 3, sci, lsrc, ctx, src)?;
        dst.fill(0);
        address(&mut cur, false, m, dac, dam, dci, ldst, ctx, dst)?;
        self.pos = cur.pos;
        if nh {
            // The common case first: NHC UDP straight after the IPv6 header.
            match self.input.get(self.pos) {
                Some(&d @ 0xf0..=0xf7) => {
                    self.out[at + 6] = proto::UDP;
                    self.udp(d)
                }
                _ => self.nhc_chain(at + 6, depth, at, ctx),
            }
        } else {
            Ok(())
        }
    }

    /// Decodes LOWPAN_NHC headers; `nh_at` is the output offset of the
    /// Next Header field that the first of them fills in.
    fn nhc_chain(&mut self, mut nh_at: usize, depth: usize, ip_at: usize, ctx: Contexts<'_>) -> Result<()> {
        loop {
            let d = *self.input.get(self.pos).ok_or(DecompressError::Truncated)?;
            match d {
                // RFC 6282 §4.3: UDP.
                0xf0..=0xf7 => {
                    self.out[nh_at] = proto::UDP;
                    return self.udp(d);
                }
                // RFC 6282 §4.2: extension header.
                0xe0..=0xef => {
                    let id = ExtHeaderId::from_eid(d >> 1);
                    let p = match id {
                        ExtHeaderId::HopByHop
                        | ExtHeaderId::Routing
                        | ExtHeaderId::Fragment
                        | ExtHeaderId::DestinationOptions
                        | ExtHeaderId::Ipv6 => id.ip_protocol().unwrap_or(0),
                        // Mobility (EID 4) has its own checksum layout we do
                        // not rebuild; 5 and 6 are reserved.
                        ExtHeaderId::Mobility | ExtHeaderId::Reserved(_) => {
                            return Err(DecompressError::Unsupported);
                        }
                    };
                    self.out[nh_at] = p;
                    self.pos += 1;
                    if id == ExtHeaderId::Ipv6 {
                        // RFC 6282 §4.2: EID 7, the following bytes are a
                        // LOWPAN_IPHC header (the NH bit is unused).
                        if depth >= MAX_DEPTH {
                            return Err(DecompressError::Unsupported);
                        }
                        // The encapsulating header's addresses, as written.
                        let mut src = [0u8; 16];
                        let mut dst = [0u8; 16];
                        src.copy_from_slice(&self.out[ip_at + 8..ip_at + 24]);
                        dst.copy_from_slice(&self.out[ip_at + 24..ip_at + IPV6_LEN]);
                        return self.iphc(depth + 1, Lower::Ip(src), Lower::Ip(dst), ctx);
                    }
                    let nh = d & 1 != 0;
                    let next = if nh { None } else { Some(self.byte()?) };
                    let len = usize::from(self.byte()?);
                    let data_at = self.pos;
                    self.take(len)?;
                    // RFC 6282 §4.2: Length counts the octets after the
                    // Length field; the decompressor pads HBH / DestOpts
                    // back to a multiple of 8 octets with Pad1 or PadN.
                    let size = 2 + len;
                    let padded = size.div_ceil(8) * 8;
                    let pad = padded - size;
                    match id {
                        // RFC 8200 §4.5: the Fragment header is 8 octets.
                        ExtHeaderId::Fragment if len != 6 => return Err(DecompressError::Malformed),
                        ExtHeaderId::Routing if pad != 0 => return Err(DecompressError::Malformed),
                        _ => {}
                    }
                    let at = self.reserve(padded)?;
                    let h = &mut self.out[at..at + padded];
                    // RFC 8200 §4.3: Hdr Ext Len in 8-octet units after the
                    // first 8 (the Fragment header's second octet is reserved).
                    h[1] = if id == ExtHeaderId::Fragment { 0 } else { (padded / 8 - 1) as u8 };
                    h[2..size].copy_from_slice(&self.input[data_at..data_at + len]);
                    match pad {
                        0 => {}
                        // RFC 8200 §4.2: Pad1 is a single zero octet, PadN
                        // is type 1, length n-2, then zeros.
                        1 => h[size] = 0,
                        n => {
                            h[size] = 1;
                            h[size + 1] = (n - 2) as u8;
                            h[size + 2..].fill(0);
                        }
                    }
                    match next {
                        Some(n) => {
                            h[0] = n;
                            return Ok(());
                        }
                        None => nh_at = at,
                    }
                }
                _ => return Err(DecompressError::Unsupported),
            }
        }
    }

    /// RFC 6282 §4.3: NHC UDP, the 8-byte UDP header written in full.
    #[inline]
    fn udp(&mut self, d: u8) -> Result<()> {
        if d & 0x04 != 0 {
            // RFC 6282 §4.3.2: checksum elision needs an upper-layer
            // authorisation that this node never has.
            return Err(DecompressError::Unsupported);
        }
        self.pos += 1;
        let mode = PortsMode::from_bits(d);
        let ports = match mode {
            PortsMode::Full => 4,
            PortsMode::Dst8 | PortsMode::Src8 => 3,
            PortsMode::Both4 => 1,
        };
        // The in-line ports and the checksum, read at once; the slice
        // patterns below match on its length.
        let be = u16::from_be_bytes;
        let (sp, dp, c) = match *self.take(ports + 2)? {
            [a, b, c, d, c1, c2] => (be([a, b]), be([c, d]), [c1, c2]),
            // 01: source in-line, destination 0xF0XX.
            [a, b, c, c1, c2] if mode == PortsMode::Dst8 => (be([a, b]), 0xf000 | u16::from(c), [c1, c2]),
            // 10: source 0xF0XX, destination in-line.
            [a, b, c, c1, c2] => (0xf000 | u16::from(a), be([b, c]), [c1, c2]),
            // 11: both 0xF0BX, source nibble first.
            [b, c1, c2] => (0xf0b0 | u16::from(b >> 4), 0xf0b0 | u16::from(b & 0x0f), [c1, c2]),
            _ => return Err(DecompressError::Truncated),
        };
        let at = self.reserve(UDP_LEN)?;
        // The length (h[4..6]) is written once the total is known.
        let Some(h) = self.out.get_mut(at..).and_then(|o| o.first_chunk_mut::<UDP_LEN>()) else {
            return Err(DecompressError::BufferTooSmall);
        };
        let [s1, s2] = sp.to_be_bytes();
        let [d1, d2] = dp.to_be_bytes();
        *h = [s1, s2, d1, d2, h[4], h[5], c[0], c[1]];
        self.udp_at = Some(at);
        Ok(())
    }
}

/// The read position in the compressed input.
struct Cursor<'i> {
    input: &'i [u8],
    pos: usize,
}

impl<'i> Cursor<'i> {
    /// The next `n` input bytes.
    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'i [u8]> {
        let s = self.input.get(self.pos..).and_then(|r| r.get(..n)).ok_or(DecompressError::Truncated)?;
        self.pos += n;
        Ok(s)
    }
}

/// Reads the in-line bytes of one address and rebuilds it into `a`
/// (16 bytes, zero on entry). Source addresses never have `m` set.
///
/// The in-line bytes are read once and placed at the end of the address
/// (where every unicast form and most of each multicast form wants them),
/// then the prefix and the rest are filled in around them.
#[inline]
#[allow(clippy::too_many_arguments)]
fn address(
    cur: &mut Cursor<'_>,
    is_src: bool,
    m: bool,
    ac: bool,
    mode: u8,
    cid: u8,
    lower: Lower<'_>,
    ctx: Contexts<'_>,
    a: &mut [u8],
) -> Result<()> {
    let context = |cid: u8| ctx.get(cid).ok_or(DecompressError::UnknownContext(cid));
    let a: &mut [u8; 16] = a.try_into().map_err(|_| DecompressError::Malformed)?;
    let mode = mode & 3;
    // The common case first: fe80::/64 with the IID from below.
    if !m && !ac && mode == 3 {
        a[..8].copy_from_slice(&LINK_LOCAL);
        return if lower.write_iid(a) { Ok(()) } else { Err(DecompressError::Malformed) };
    }
    // RFC 6282 §3.1.1: DAC=1 DAM=00 with M=0, and DAC=1 DAM≠00 with M=1,
    // are reserved (SAC=1 SAM=00 is the unspecified address).
    if ac && m != (mode == 0) && !is_src {
        return Err(DecompressError::Malformed);
    }
    let n = usize::from(ADDR_INLINE_LEN[usize::from(m) << 3 | usize::from(ac) << 2 | usize::from(mode)]);
    if n != 0 {
        a[16 - n..].copy_from_slice(cur.take(n)?);
    }
    if !m {
        // Full in-line (SAC=0) or the unspecified address (SAC=1).
        if mode == 0 {
            return Ok(());
        }
        // Looked up before an IID is derived (UnknownContext first).
        let c = if ac { Some(context(cid)?) } else { None };
        match mode {
            // 0000:00ff:fe00:XXXX.
            2 => a[8..14].copy_from_slice(&SHORT_IID),
            3 if !lower.write_iid(a) => return Err(DecompressError::Malformed),
            _ => {}
        }
        match c {
            Some(c) => c.apply(a),
            None => a[..8].copy_from_slice(&LINK_LOCAL),
        }
        return Ok(());
    }
    if !ac {
        match mode {
            // The whole address in-line.
            0 => {}
            // ff02::00XX
            3 => a[..2].copy_from_slice(&[0xff, 0x02]),
            // ffXX::00XX:XXXX:XXXX and ffXX::00XX:XXXX: the first in-line
            // byte is the flags/scope byte.
            _ => {
                a[0] = 0xff;
                a[1] = a[16 - n];
                a[16 - n] = 0;
            }
        }
        return Ok(());
    }
    // RFC 6282 §3.1.1 (M=1 DAC=1 DAM=00), RFC 3306 §4:
    // ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX, L and P from the context;
    // plen "MUST NOT be greater than 64" (RFC 3306 §4). The in-line bytes
    // are at a[10..16]: XXXX there, then the group ID.
    let c = context(cid)?;
    if c.prefix_len > 64 {
        return Err(DecompressError::Malformed);
    }
    let mut p = [0u8; 16];
    c.apply(&mut p);
    let head = [0xff, a[10], a[11], c.prefix_len];
    a[..4].copy_from_slice(&head);
    a[4..12].copy_from_slice(&p[..8]);
    Ok(())
}

/// Decompresses the 6LoWPAN headers at the start of `input`.
///
/// `input` starts at the IPHC dispatch (or 0x41, uncompressed IPv6, whose
/// 40-byte header is copied as is). Writes the IPv6 header, every
/// NHC-compressed extension header uncompressed (RFC 6282 §4.2, padding
/// re-added), and for NHC UDP the 8-byte UDP header, at `out[..header_len]`.
/// The IPv6 payload length (and the UDP length) come from `datagram_size`
/// when `Some` (FRAG1: the datagram size of the fragment header), else from
/// `input.len() - consumed + header_len`. For IPv6-in-IPv6 (EID 7) the inner
/// IPHC header is decompressed too (one level deep).
pub fn decompress_headers<'c>(
    input: &[u8],
    ll_src: &Address,
    ll_dst: &Address,
    ctx: impl Into<Contexts<'c>>,
    datagram_size: Option<usize>,
    out: &mut [u8],
) -> Result<Decompressed> {
    let ctx = ctx.into();
    let Some(&d) = input.first() else { return Err(DecompressError::Truncated) };
    if d == 0x41 {
        // RFC 4944 §5.1: uncompressed IPv6 header follows.
        let h = input.get(1..1 + IPV6_LEN).ok_or(DecompressError::Truncated)?;
        let o = out.get_mut(..IPV6_LEN).ok_or(DecompressError::BufferTooSmall)?;
        o.copy_from_slice(h);
        return Ok(Decompressed { consumed: 1 + IPV6_LEN, header_len: IPV6_LEN });
    }
    if d & 0xe0 != 0x60 {
        // HC1 (0x42), and anything that is not a header compression dispatch.
        return Err(DecompressError::Unsupported);
    }
    let mut dec = Decoder { input, pos: 0, out, w: 0, ip_at: [0; MAX_DEPTH], ip_count: 0, udp_at: None };
    dec.iphc(1, Lower::Link(ll_src), Lower::Link(ll_dst), ctx)?;
    let (consumed, header_len) = (dec.pos, dec.w);
    let total = match datagram_size {
        Some(n) => n,
        None => input.len() - consumed + header_len,
    };
    if total < header_len {
        return Err(DecompressError::Malformed);
    }
    for &at in &dec.ip_at[..dec.ip_count] {
        let plen = u16::try_from(total - at - IPV6_LEN).map_err(|_| DecompressError::Malformed)?;
        dec.out[at + 4..at + 6].copy_from_slice(&plen.to_be_bytes());
    }
    if let Some(at) = dec.udp_at {
        let len = u16::try_from(total - at).map_err(|_| DecompressError::Malformed)?;
        dec.out[at + 4..at + 6].copy_from_slice(&len.to_be_bytes());
    }
    Ok(Decompressed { consumed, header_len })
}

/// Decompresses a whole frame payload: the headers, then the rest of
/// `input` copied after them. Returns the IPv6 packet length.
pub fn decompress<'c>(
    input: &[u8],
    ll_src: &Address,
    ll_dst: &Address,
    ctx: impl Into<Contexts<'c>>,
    out: &mut [u8],
) -> Result<usize> {
    let d = decompress_headers(input, ll_src, ll_dst, ctx, None, out)?;
    let rest = &input[d.consumed..];
    let end = d.header_len + rest.len();
    out.get_mut(d.header_len..end).ok_or(DecompressError::BufferTooSmall)?.copy_from_slice(rest);
    Ok(end)
}
