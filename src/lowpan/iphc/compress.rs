//! LOWPAN_IPHC / LOWPAN_NHC compression (RFC 6282 §3.2, §4): the smallest
//! legal encoding of an IPv6 packet's headers.

use super::{IPV6_LEN, LINK_LOCAL, Lower, SHORT_IID_U64, UDP_LEN, proto};
use crate::lowpan::context::{Context, Contexts, MAX_CID};
use crate::wire::ieee802154::Address;
use crate::wire::ipv6;
use crate::wire::sixlowpan::nhc::PortsMode;

/// Why a packet could not be compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompressError {
    /// The packet is not a valid IPv6 packet (too short, version ≠ 6,
    /// payload length past the buffer).
    Malformed,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl core::fmt::Display for CompressError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CompressError::Malformed => f.write_str("not a valid IPv6 packet"),
            CompressError::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CompressError {}

/// The result of [`compress_headers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Compressed {
    /// Compressed header bytes written to `out[..header_len]`.
    pub header_len: usize,
    /// Bytes of the packet those headers stand for (IPv6 header, compressed
    /// extension headers, inner IPv6 header, UDP header).
    pub consumed: usize,
}

type Result<T> = core::result::Result<T, CompressError>;

/// At most the outer header and one inner IPv6-in-IPv6 header.
const MAX_DEPTH: usize = 2;

/// How one address is encoded: the SAC/DAC bit, the SAM/DAM bits, the
/// context used and the number of in-line bytes.
#[derive(Clone, Copy, Debug)]
struct AddrEnc {
    ac: bool,
    mode: u8,
    cid: u8,
    len: u8,
}

impl AddrEnc {
    const fn stateless(mode: u8, len: u8) -> AddrEnc {
        AddrEnc { ac: false, mode, cid: 0, len }
    }
}

/// fe80::/64 as the top half of a big-endian address.
const LINK_LOCAL_HI: u64 = u64::from_be_bytes(LINK_LOCAL);
/// The bits of an IID that [`SHORT_IID_U64`] fixes.
const SHORT_IID_MASK: u64 = 0xffff_ffff_ffff_0000;

/// An address as its two big-endian halves (prefix, IID).
#[inline]
fn halves(a: &[u8; 16]) -> (u64, u64) {
    let v = u128::from_be_bytes(*a);
    ((v >> 64) as u64, v as u64)
}

/// Stateless unicast encoding (RFC 6282 §3.1.1, SAC/DAC=0).
#[inline]
fn unicast_stateless(hi: u64, lo: u64, iid: Option<u64>) -> AddrEnc {
    if hi != LINK_LOCAL_HI {
        AddrEnc::stateless(0, 16)
    } else if iid == Some(lo) {
        AddrEnc::stateless(3, 0)
    } else if lo & SHORT_IID_MASK == SHORT_IID_U64 {
        AddrEnc::stateless(2, 2)
    } else {
        AddrEnc::stateless(1, 8)
    }
}

/// The smallest stateful unicast encoding with context `c`: rebuild the
/// address the way the decompressor will and keep the mode that gives it
/// back exactly.
#[inline]
fn unicast_stateful(a: &[u8; 16], iid: Option<u64>, c: &Context) -> Option<(u8, u8)> {
    if !c.matches(a) {
        return None;
    }
    // The address the decompressor rebuilds from IID `i` and the context.
    let rebuilt = |i: u64| {
        let mut r = [0u8; 16];
        r[8..].copy_from_slice(&i.to_be_bytes());
        c.apply(&mut r);
        r == *a
    };
    if iid.is_some_and(rebuilt) {
        return Some((3, 0));
    }
    // The 16-bit and 64-bit forms both carry the address's own IID.
    let lo = halves(a).1;
    if !rebuilt(lo) {
        None
    } else if lo & SHORT_IID_MASK == SHORT_IID_U64 {
        Some((2, 2))
    } else {
        Some((1, 8))
    }
}

/// Stateless multicast encoding (RFC 6282 §3.1.1, M=1 DAC=0).
#[inline]
fn multicast_stateless(a: &[u8; 16]) -> AddrEnc {
    // Bytes 2..16 as a number: "bytes 2..k are zero" is "below 2^(8(16-k))".
    let rest = u128::from_be_bytes(*a) & (u128::MAX >> 16);
    if a[1] == 0x02 && rest >> 8 == 0 {
        AddrEnc::stateless(3, 1) // ff02::00XX
    } else if rest >> 24 == 0 {
        AddrEnc::stateless(2, 4) // ffXX::00XX:XXXX
    } else if rest >> 40 == 0 {
        AddrEnc::stateless(1, 6) // ffXX::00XX:XXXX:XXXX
    } else {
        AddrEnc::stateless(0, 16)
    }
}

/// RFC 6282 §3.1.1 M=1 DAC=1 DAM=00 / RFC 3306: ffXX:XXLL:P64:XXXX:XXXX
/// with L and P equal to the context's.
#[inline]
fn multicast_stateful(a: &[u8; 16], c: &Context) -> bool {
    if c.prefix_len > 64 || a[3] != c.prefix_len {
        return false;
    }
    let mut p = [0u8; 16];
    c.apply(&mut p);
    a[4..12] == p[..8]
}

/// The best encoding without a CID byte (stateless or context 0) and the
/// best one overall (any context).
#[inline]
fn choose(a: &[u8; 16], iid: Option<u64>, ctx: Contexts<'_>, is_src: bool) -> (AddrEnc, AddrEnc) {
    let (hi, lo) = halves(a);
    // The common case first: a link-local address whose IID is the one
    // derived from below (RFC 6282 §3.1.1 SAM/DAM=11). Nothing beats 0 bytes.
    if hi == LINK_LOCAL_HI && iid == Some(lo) {
        let e = AddrEnc::stateless(3, 0);
        return (e, e);
    }
    choose_other(a, hi, lo, iid, ctx, is_src)
}

/// [`choose`] for every address but an elidable link-local one.
fn choose_other(
    a: &[u8; 16],
    hi: u64,
    lo: u64,
    iid: Option<u64>,
    ctx: Contexts<'_>,
    is_src: bool,
) -> (AddrEnc, AddrEnc) {
    let multicast = !is_src && a[0] == 0xff;
    if is_src && hi == 0 && lo == 0 {
        // RFC 6282 §3.1.1: SAC=1 SAM=00 is the unspecified address.
        let e = AddrEnc { ac: true, mode: 0, cid: 0, len: 0 };
        return (e, e);
    }
    let stateless = if multicast { multicast_stateless(a) } else { unicast_stateless(hi, lo, iid) };
    // Nothing beats 0 bytes; a multicast context form (6 bytes) only beats
    // the 16-byte form.
    if stateless.len == 0 || (multicast && stateless.len < 16) || ctx.none_for_compression() {
        return (stateless, stateless);
    }
    let (mut nocid, mut any) = (stateless, stateless);
    // One pass over the contexts set (not a lookup per CID); among equally
    // short forms the lowest CID wins, and a stateless form beats them.
    for (k, c) in ctx.iter() {
        if !c.compress || k > MAX_CID {
            continue;
        }
        let found =
            if multicast { multicast_stateful(a, c).then_some((0, 6)) } else { unicast_stateful(a, iid, c) };
        if let Some((mode, len)) = found {
            let e = AddrEnc { ac: true, mode, cid: k, len };
            if k == 0 && len < nocid.len {
                nocid = e;
            }
            if len < any.len || (len == any.len && any.ac && k < any.cid) {
                any = e;
            }
        }
    }
    (nocid, any)
}

/// Writes the in-line bytes of an address encoding at the start of `buf`
/// (at least `e.len` bytes); returns `e.len`.
///
/// Every unicast form carries the address's last `e.len` bytes; the
/// multicast forms (RFC 6282 §3.1.1 M=1) carry the flags/scope byte (and,
/// in the RFC 3306 context form, the byte after it) before the address's
/// last bytes, so a copy gets those bytes moved next to its tail first.
#[inline]
fn inline_bytes(a: &[u8; 16], e: AddrEnc, multicast: bool, buf: &mut [u8]) -> usize {
    let n = usize::from(e.len);
    if n == 0 {
        return 0;
    }
    let mut t = *a;
    if multicast && n != 16 {
        match (e.ac, n) {
            // ffXX:XXLL:P64:XXXX:XXXX: a[1], a[2], then a[12..16].
            (true, _) => t[10..12].copy_from_slice(&[a[1], a[2]]),
            // ffXX::00XX:XXXX:XXXX and ffXX::00XX:XXXX: a[1], then the tail.
            (false, 6 | 4) => t[16 - n] = a[1],
            // ff02::00XX: a[15] only.
            _ => {}
        }
    }
    buf[..n].copy_from_slice(&t[16 - n..]);
    n
}

/// Length of a single trailing Pad1 / PadN option (at most 7 octets, zero
/// data) that RFC 6282 §4.2 lets the compressor elide; 0 when there is none
/// or the options do not parse.
fn trailing_pad(data: &[u8]) -> usize {
    let mut i = 0;
    let mut last = (0, 0);
    while i < data.len() {
        if data[i] == 0 {
            last = (i, 1);
            i += 1;
            continue;
        }
        let Some(&l) = data.get(i + 1) else { return 0 };
        last = (i, 2 + usize::from(l));
        i += 2 + usize::from(l);
    }
    let (s, n) = last;
    if i != data.len() || n == 0 {
        return 0;
    }
    match data[s] {
        0 => 1,
        1 if n <= 7 && data[s + 2..s + n].iter().all(|&b| b == 0) => n,
        _ => 0,
    }
}

struct Encoder<'p, 'o> {
    pkt: &'p [u8],
    out: &'o mut [u8],
    w: usize,
}

impl Encoder<'_, '_> {
    #[inline]
    fn reserve(&mut self, n: usize) -> Result<&mut [u8]> {
        let at = self.w;
        let s = self.out.get_mut(at..at + n).ok_or(CompressError::BufferTooSmall)?;
        self.w += n;
        Ok(s)
    }

    /// The UDP header at `at` when LOWPAN_NHC can carry it: its length,
    /// which NHC elides, must be what the receiver infers (the rest of the
    /// packet).
    #[inline]
    fn udp_header(&self, at: usize) -> Option<[u8; UDP_LEN]> {
        let u = *self.pkt.get(at..)?.first_chunk::<UDP_LEN>()?;
        (usize::from(u16::from_be_bytes([u[4], u[5]])) == self.pkt.len() - at).then_some(u)
    }

    /// Writes the NHC UDP header for the UDP header `u`. RFC 6282 §4.3.3:
    /// the smallest port encoding; the checksum is always carried (C=0,
    /// §4.3.2).
    #[inline]
    fn udp(&mut self, u: [u8; UDP_LEN]) -> Result<()> {
        let [s1, s2, d1, d2, _, _, c1, c2] = u;
        // `PortsMode::for_ports` on the port bytes: 0xf0bX (4 bits) and
        // 0xf0XX (8 bits).
        let (s8, d8) = (s1 == 0xf0, d1 == 0xf0);
        let id = 0xf0;
        let (b, n) = if s8 && d8 && s2 & 0xf0 == 0xb0 && d2 & 0xf0 == 0xb0 {
            ([id | PortsMode::Both4.bits(), (s2 << 4) | (d2 & 0x0f), c1, c2, 0, 0, 0], 4)
        } else if d8 {
            ([id | PortsMode::Dst8.bits(), s1, s2, d2, c1, c2, 0], 6)
        } else if s8 {
            ([id | PortsMode::Src8.bits(), s2, d1, d2, c1, c2, 0], 6)
        } else {
            ([id | PortsMode::Full.bits(), s1, s2, d1, d2, c1, c2], 7)
        };
        self.reserve(n)?.copy_from_slice(&b[..n]);
        Ok(())
    }

    #[inline]
    fn u16_at(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.pkt[at], self.pkt[at + 1]])
    }

    /// For an extension header NHC can carry at `at`: (EID, header length
    /// in the packet, compressed data length).
    fn ext_plan(&self, p: u8, at: usize) -> Option<(u8, usize, usize)> {
        let end = self.pkt.len();
        match p {
            proto::HOP_BY_HOP | proto::DEST_OPTS | proto::ROUTING => {
                let l = (usize::from(*self.pkt.get(at + 1)?) + 1) * 8;
                let data = self.pkt.get(at + 2..at + l)?;
                let (eid, strip) = match p {
                    proto::HOP_BY_HOP => (0, trailing_pad(data)),
                    proto::DEST_OPTS => (3, trailing_pad(data)),
                    _ => (1, 0),
                };
                let clen = data.len() - strip;
                (clen <= 255).then_some((eid, l, clen))
            }
            // RFC 8200 §4.5: 8 octets, the second reserved. A non-zero
            // reserved octet cannot be carried (the NHC Length takes its place).
            proto::FRAGMENT if at + 8 <= end && self.pkt[at + 1] == 0 => Some((2, 8, 6)),
            _ => None,
        }
    }

    /// True when the header `p` at `at` can be LOWPAN_NHC-compressed and
    /// rebuilt exactly.
    fn can_nhc(&self, p: u8, at: usize, depth: usize) -> bool {
        let end = self.pkt.len();
        match p {
            proto::UDP => self.udp_header(at).is_some(),
            proto::IPV6 => {
                depth < MAX_DEPTH
                    && at + IPV6_LEN <= end
                    && self.pkt[at] >> 4 == 6
                    && usize::from(self.u16_at(at + 4)) == end - at - IPV6_LEN
            }
            _ => self.ext_plan(p, at).is_some(),
        }
    }

    /// Writes the LOWPAN_IPHC header for the IPv6 header at `off` and the
    /// NHC chain after it; returns the packet bytes they stand for.
    fn iphc(
        &mut self,
        off: usize,
        depth: usize,
        iid_src: Option<u64>,
        iid_dst: Option<u64>,
        ctx: Contexts<'_>,
    ) -> Result<usize> {
        let h: &[u8; IPV6_LEN] =
            self.pkt.get(off..).and_then(|p| p.first_chunk()).ok_or(CompressError::Malformed)?;
        let mut src = [0u8; 16];
        let mut dst = [0u8; 16];
        src.copy_from_slice(&h[8..24]);
        dst.copy_from_slice(&h[24..40]);
        let next = h[6];
        let hop = h[7];
        // RFC 6282 §3.1.1 TF, with ECN before DSCP in-line.
        let tc = (h[0] << 4) | (h[1] >> 4);
        let fl = u32::from_be_bytes([0, h[1] & 0x0f, h[2], h[3]]);
        let (ecn, dscp) = (tc & 3, tc >> 2);
        let tfb = [(ecn << 6) | dscp, h[1] & 0x0f, h[2], h[3]];
        let (tf, tfl) = match (fl == 0, tc == 0, dscp == 0) {
            (true, true, _) => (3, 0),
            (true, false, _) => (2, 1),
            (false, _, true) => (1, 3),
            (false, _, false) => (0, 4),
        };
        let hlim = match hop {
            1 => 1,
            64 => 2,
            255 => 3,
            _ => 0,
        };
        let at = off + IPV6_LEN;
        let udp = if next == proto::UDP { self.udp_header(at) } else { None };
        let nh = udp.is_some() || (next != proto::UDP && self.can_nhc(next, at, depth));

        let m = dst[0] == 0xff;
        let (s0, sa) = choose(&src, iid_src, ctx, true);
        let (d0, da) = choose(&dst, iid_dst, ctx, false);
        // RFC 6282 §3.1.2: a context other than 0 costs the CID byte.
        let (s, d, cid) =
            if sa.len + da.len + 1 < s0.len + d0.len { (sa, da, true) } else { (s0, d0, false) };

        let len = 2
            + usize::from(cid)
            + tfl
            + usize::from(!nh)
            + usize::from(hlim == 0)
            + usize::from(s.len)
            + usize::from(d.len);
        let b = self.reserve(len)?;
        b[0] = 0x60 | (tf << 3) | (u8::from(nh) << 2) | hlim;
        b[1] = (u8::from(cid) << 7)
            | (u8::from(s.ac) << 6)
            | (s.mode << 4)
            | (u8::from(m) << 3)
            | (u8::from(d.ac) << 2)
            | d.mode;
        let mut i = 2;
        if cid {
            b[2] = (s.cid << 4) | d.cid;
            i = 3;
        }
        match tf {
            0 => b[i..i + 4].copy_from_slice(&tfb),
            // TF=01: ECN, 2 bits pad, flow label (the DSCP is zero).
            1 => b[i..i + 3].copy_from_slice(&[(ecn << 6) | tfb[1], tfb[2], tfb[3]]),
            2 => b[i] = tfb[0],
            _ => {}
        }
        i += tfl;
        if !nh {
            b[i] = next;
            i += 1;
        }
        if hlim == 0 {
            b[i] = hop;
            i += 1;
        }
        i += inline_bytes(&src, s, false, &mut b[i..]);
        inline_bytes(&dst, d, m, &mut b[i..]);
        if let Some(u) = udp {
            self.udp(u)?;
            return Ok(at + UDP_LEN);
        }
        if nh { self.chain(next, at, depth, &src, &dst, ctx) } else { Ok(at) }
    }

    /// Writes LOWPAN_NHC headers from header `p` at `at` on.
    fn chain(
        &mut self,
        mut p: u8,
        mut at: usize,
        depth: usize,
        src: &[u8; 16],
        dst: &[u8; 16],
        ctx: Contexts<'_>,
    ) -> Result<usize> {
        loop {
            match p {
                proto::UDP => {
                    // `can_nhc` checked the header.
                    self.udp(self.udp_header(at).ok_or(CompressError::Malformed)?)?;
                    return Ok(at + UDP_LEN);
                }
                proto::IPV6 => {
                    // RFC 6282 §4.2: EID 7 (NH bit zero), then LOWPAN_IPHC.
                    self.reserve(1)?[0] = 0xee;
                    // RFC 6282 §3.1.1: inner IIDs derive from the outer header.
                    let (iid_src, iid_dst) = (halves(src).1, halves(dst).1);
                    return self.iphc(at, depth + 1, Some(iid_src), Some(iid_dst), ctx);
                }
                _ => {
                    let (eid, l, clen) = self.ext_plan(p, at).ok_or(CompressError::Malformed)?;
                    let next = self.pkt[at];
                    let nh = self.can_nhc(next, at + l, depth);
                    let pkt = self.pkt;
                    let b = self.reserve(2 + usize::from(!nh) + clen)?;
                    // RFC 6282 §4.2: the Length field counts the octets
                    // after it; Next Header elided when NH=1.
                    b[0] = 0xe0 | (eid << 1) | u8::from(nh);
                    let mut i = 1;
                    if !nh {
                        b[1] = next;
                        i = 2;
                    }
                    b[i] = clen as u8;
                    b[i + 1..].copy_from_slice(&pkt[at + 2..at + 2 + clen]);
                    if !nh {
                        return Ok(at + l);
                    }
                    p = next;
                    at += l;
                }
            }
        }
    }
}

/// Compresses the headers of the IPv6 packet `packet` (bytes after its
/// payload length are ignored) into `out`, choosing the smallest legal
/// encoding: link-local IIDs derivable from the link-layer addresses are
/// elided, `0000:00ff:fe00:XXXX` IIDs take 2 bytes, contexts are used only
/// when their `compress` flag is set, and NHC covers Hop-by-Hop, Routing,
/// Fragment and Destination Options headers, IPv6-in-IPv6 (one level) and
/// UDP (checksum always carried).
#[inline]
pub fn compress_headers<'c>(
    packet: &[u8],
    ll_src: &Address,
    ll_dst: &Address,
    ctx: impl Into<Contexts<'c>>,
    out: &mut [u8],
) -> Result<Compressed> {
    let ctx = ctx.into();
    let p = ipv6::Packet::new_checked(packet).map_err(|_| CompressError::Malformed)?;
    let end = IPV6_LEN + usize::from(p.payload_len());
    let mut enc = Encoder { pkt: &packet[..end], out, w: 0 };
    let consumed = enc.iphc(0, 1, Lower::Link(ll_src).iid64(), Lower::Link(ll_dst).iid64(), ctx)?;
    Ok(Compressed { header_len: enc.w, consumed })
}

/// Compresses a whole packet: the headers, then the payload
/// (`packet[consumed..]`) copied after them. Returns the frame payload length.
pub fn compress<'c>(
    packet: &[u8],
    ll_src: &Address,
    ll_dst: &Address,
    ctx: impl Into<Contexts<'c>>,
    out: &mut [u8],
) -> Result<usize> {
    let c = compress_headers(packet, ll_src, ll_dst, ctx, out)?;
    // compress_headers checked the payload length against the buffer.
    let end = IPV6_LEN + usize::from(u16::from_be_bytes([packet[4], packet[5]]));
    let rest = &packet[c.consumed..end];
    let n = c.header_len + rest.len();
    out.get_mut(c.header_len..n).ok_or(CompressError::BufferTooSmall)?.copy_from_slice(rest);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Encoder::udp` picks the port mode `PortsMode::for_ports` picks and
    /// writes `id, ports, checksum` in as many bytes as that mode says.
    #[test]
    fn udp_port_modes_match_for_ports() {
        let ports = [0u16, 0x1633, 0xf000, 0xf0af, 0xf0b0, 0xf0b7, 0xf0bf, 0xf0c0, 0xf0ff, 0xf100, 0xffb0];
        for sp in ports {
            for dp in ports {
                let mut u = [0u8; UDP_LEN];
                u[..2].copy_from_slice(&sp.to_be_bytes());
                u[2..4].copy_from_slice(&dp.to_be_bytes());
                u[6..].copy_from_slice(&[0xab, 0xcd]);
                let mut out = [0u8; 8];
                let mut enc = Encoder { pkt: &[], out: &mut out, w: 0 };
                enc.udp(u).unwrap();
                let w = enc.w;
                let mode = PortsMode::for_ports(sp, dp);
                assert_eq!(w, 1 + mode.inline_len() + 2, "{sp:#x} {dp:#x}");
                assert_eq!(out[0], 0xf0 | mode.bits(), "{sp:#x} {dp:#x}");
                assert_eq!(&out[w - 2..w], &[0xab, 0xcd]);
            }
        }
    }
}
