//! RPL data-path operations on the bytes of an IPv6 packet: the RPL option
//! (RFC 6553), the Source Routing Header (RFC 6554) and IPv6-in-IPv6
//! tunnelling (RFC 9008).
//!
//! Every function takes `buf`, whose first `len` octets hold an IPv6
//! packet; the rest of `buf` is room for insertions. The packet is the
//! fixed header plus the Payload Length it announces: octets between that
//! and `len` (link padding) are ignored and not kept by an insertion.
//! Nothing is allocated, nothing panics on hostile bytes, and a function
//! that fails leaves the packet as it was.
//!
//! # RFC 9008 cases
//!
//! RAL: RPL-aware leaf or router; RUL: RPL-unaware leaf; IP6-IP6: an
//! outer IPv6 header added by [`encapsulate`] and removed by
//! [`decapsulate`].
//!
//! | Flow (RFC 9008)                      | Storing (§7)              | Non-storing (§8)                    | sixlo |
//! |--------------------------------------|---------------------------|-------------------------------------|-------|
//! | RAL → root / Internet                | RPI                       | RPI                                 | yes: [`insert_rpi`], [`forward_rpi`], [`remove_rpi`] at the root |
//! | root → RAL (root's own packet)       | RPI                       | RH3 + RPI                           | yes: [`insert_srh`] + [`insert_rpi`] |
//! | Internet → RAL (through the root)    | IP6-IP6(RPI) root → RAL   | IP6-IP6(RH3 + RPI) root → RAL       | yes: [`encapsulate`] (+ [`insert_srh`]) + [`insert_rpi`]; [`tunnel_source_routed`]; [`decapsulate`] at the RAL |
//! | RAL → RAL                            | RPI (via common ancestor) | RPI up; IP6-IP6(RH3 + RPI) down     | yes (same building blocks at the root) |
//! | any → RUL                            | IP6-IP6(RPI) to the 6LR   | IP6-IP6(RH3 to the 6LR + RPI)       | building blocks only (the outer destination is the RUL's 6LR); not wired |
//! | RUL → any                            | IP6-IP6(RPI) 6LR → root   | IP6-IP6(RPI) 6LR → root             | building blocks only; not wired |
//!
//! Not implemented: RFC 8138 compression of these headers, the F flag
//! (RFC 6550 §11.2.2.3, DAO inconsistency) and RPI sub-TLVs.

use core::net::Ipv6Addr;

use crate::net::IcmpError;
use crate::wire::icmpv6::{ParamProblem, TimeExceeded};
use crate::wire::ipv6::options::{OptionRepr, RPL_OPTION, RPL_OPTION_DATA_LEN, RplOption};
use crate::wire::ipv6::routing::{RoutingRepr, SourceRoute, TYPE_RPL_SOURCE_ROUTE};
use crate::wire::ipv6::{self, ExtHeader, HEADER_LEN, IpProtocol};

use super::srh::{SrhError, write_srh};

/// Next Header value of a Hop-by-Hop header.
const NH_HBH: u8 = 0;
/// Next Header value of a Routing header.
const NH_ROUTE: u8 = 43;
/// Next Header value of IPv6-in-IPv6.
const NH_IPV6: u8 = 41;
/// Next Header value of a Destination Options header.
const NH_OPTS: u8 = 60;
/// Offset of Next Header in the fixed header.
const NXT_HDR: usize = 6;
/// Offset of the Hop Limit in the fixed header.
const HOP_LIMIT: usize = 7;
/// Offset of the Destination Address in the fixed header.
const DST: usize = 24;
/// Length of the Hop-by-Hop header [`insert_rpi`] adds.
pub const RPI_HBH_LEN: usize = 8;

/// Why a packet could not be changed (it is left as it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatapathError {
    /// Not an IPv6 packet (too short, version, Payload Length past `len`,
    /// `len` past `buf`), or a header in it is malformed.
    Malformed,
    /// `buf` has no room for the insertion.
    NoRoom,
    /// The result would exceed a Payload Length of 65535 octets, or an
    /// extension header its maximum length.
    TooLong,
    /// An empty route, or a route whose last hop is not the packet's
    /// destination ([`insert_srh`]).
    BadRoute,
    /// The packet already has what would be inserted (a Routing header),
    /// or is not a tunnel packet for [`decapsulate`].
    Unsupported,
}

/// What [`forward_rpi`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RpiVerdict {
    /// No RPL option in the packet: nothing changed (the caller may
    /// [`insert_rpi`] one, RFC 9008 §5).
    NoOption,
    /// Forward the packet; the option now carries our rank and direction.
    /// `rank_error`: an inconsistency was seen and the R flag set (RFC
    /// 6550 §11.2.2.2: the first one is tolerated).
    Forward {
        /// True when this hop set the R flag.
        rank_error: bool,
    },
    /// A second rank inconsistency (R already set): drop the packet, and
    /// let the DODAG repair (RFC 6550 §11.2.2.2: reset the Trickle timer,
    /// local repair). The packet is unchanged.
    DropLoop,
    /// The option names an instance we are not part of: drop (RFC 6550
    /// §11.2.2.1). The packet is unchanged.
    UnknownInstance(u8),
    /// The packet or its Hop-by-Hop header is malformed: drop.
    Malformed,
}

/// What [`process_srh`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SrhVerdict {
    /// Deliver locally: no Routing header, or Segments Left is 0 (RFC 6554
    /// §4.2, RFC 8200 §4.4).
    Local,
    /// The header was processed: forward the packet to `next`, now its
    /// destination (a neighbour), Hop Limit already decremented.
    Forward {
        /// The new IPv6 destination.
        next: Ipv6Addr,
    },
    /// Drop silently (RFC 6554 §4.2: a multicast address; or not an IPv6
    /// packet at all).
    Discard,
    /// Drop and send this ICMPv6 error to the source; the packet is left
    /// unchanged so it can be quoted.
    Error(IcmpError),
}

/// The packet length (fixed header + Payload Length) after checking the
/// fixed header; `Malformed` when `len` exceeds `buf` or the header is bad.
fn packet_len(buf: &[u8], len: usize) -> Result<usize, DatapathError> {
    let bytes = buf.get(..len).ok_or(DatapathError::Malformed)?;
    let p = ipv6::Packet::new_checked(bytes).map_err(|_| DatapathError::Malformed)?;
    Ok(HEADER_LEN + usize::from(p.payload_len()))
}

fn read_addr(buf: &[u8], at: usize) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(&buf[at..at + 16]);
    Ipv6Addr::from(o)
}

fn pointer(at: usize) -> IcmpError {
    // Offsets are below 65536 + 40: they fit a u32.
    IcmpError::ParamProblem(ParamProblem::ErroneousHdrField, at as u32)
}

/// Checks that `new_total` octets of packet fit in `buf` and in a Payload
/// Length; returns the new Payload Length.
fn grown(buf: &[u8], new_total: usize) -> Result<u16, DatapathError> {
    let pl = u16::try_from(new_total - HEADER_LEN).map_err(|_| DatapathError::TooLong)?;
    if new_total > buf.len() {
        return Err(DatapathError::NoRoom);
    }
    Ok(pl)
}

fn set_payload_len(buf: &mut [u8], pl: u16) {
    buf[4..6].copy_from_slice(&pl.to_be_bytes());
}

/// The Hop-by-Hop header of a packet, as far as the RPL option goes.
enum Hbh {
    /// No Hop-by-Hop header.
    Absent,
    /// A Hop-by-Hop header without an RPL option.
    Without,
    /// An RPL option whose type octet is at `at` (from the packet start).
    Rpl { at: usize, opt: RplOption },
}

fn find_hbh(buf: &[u8], total: usize) -> Result<Hbh, DatapathError> {
    if buf[NXT_HDR] != NH_HBH {
        return Ok(Hbh::Absent);
    }
    let hbh = &buf[HEADER_LEN..total];
    let len = ExtHeader::new_checked(hbh).map_err(|_| DatapathError::Malformed)?.header_len();
    let mut at = 2;
    while at < len {
        let (opt, l) = OptionRepr::parse(&hbh[at..len]).map_err(|_| DatapathError::Malformed)?;
        if let OptionRepr::Rpl(opt) = opt {
            return Ok(Hbh::Rpl { at: HEADER_LEN + at, opt });
        }
        at += l;
    }
    Ok(Hbh::Without)
}

fn write_rpl_data(buf: &mut [u8], at: usize, opt: &RplOption) {
    // RFC 6553 §3: O, R, F are the three high bits; the others are zero.
    buf[at + 2] = (u8::from(opt.down) << 7)
        | (u8::from(opt.rank_error) << 6)
        | (u8::from(opt.forwarding_error) << 5);
    buf[at + 3] = opt.instance_id;
    buf[at + 4..at + 6].copy_from_slice(&opt.sender_rank.to_be_bytes());
}

/// The RPL option of the packet in `buf` (its first Hop-by-Hop option of
/// type 0x63, or the pre-RFC 9008 0x23), `None` when absent or malformed.
pub fn read_rpi(buf: &[u8]) -> Option<RplOption> {
    let total = packet_len(buf, buf.len()).ok()?;
    match find_hbh(buf, total).ok()? {
        Hbh::Rpl { opt, .. } => Some(opt),
        _ => None,
    }
}

/// Puts the RPL option `opt` in the packet; returns the new length.
///
/// - no Hop-by-Hop header: an 8-octet one is inserted after the fixed
///   header (RFC 6553 §3: option type 0x63, Opt Data Len 4, no padding
///   needed), Next Header and Payload Length fixed;
/// - a Hop-by-Hop header with an RPL option: its data is rewritten in
///   place (the type octet is kept);
/// - a Hop-by-Hop header without one: 8 octets (the option and a PadN of
///   2) are inserted at the start of its options and Hdr Ext Len grows by 1.
pub fn insert_rpi(buf: &mut [u8], len: usize, opt: RplOption) -> Result<usize, DatapathError> {
    let total = packet_len(buf, len)?;
    let at = match find_hbh(buf, total)? {
        Hbh::Rpl { at, .. } => {
            write_rpl_data(buf, at, &opt);
            return Ok(total);
        }
        Hbh::Absent => HEADER_LEN,
        Hbh::Without => {
            // RFC 8200 §4.3: Hdr Ext Len is one octet.
            if buf[HEADER_LEN + 1] == u8::MAX {
                return Err(DatapathError::TooLong);
            }
            HEADER_LEN + 2
        }
    };
    let new_total = total + RPI_HBH_LEN;
    let pl = grown(buf, new_total)?;
    buf.copy_within(at..total, at + RPI_HBH_LEN);
    if at == HEADER_LEN {
        // The new header takes over the fixed header's Next Header.
        buf[at] = buf[NXT_HDR];
        buf[at + 1] = 0;
        buf[NXT_HDR] = NH_HBH;
        buf[at + 2] = RPL_OPTION;
        buf[at + 3] = RPL_OPTION_DATA_LEN;
        write_rpl_data(buf, at + 2, &opt);
    } else {
        buf[HEADER_LEN + 1] += 1;
        buf[at] = RPL_OPTION;
        buf[at + 1] = RPL_OPTION_DATA_LEN;
        write_rpl_data(buf, at, &opt);
        // RFC 8200 §4.2: PadN with no data octets keeps 8-octet alignment.
        buf[at + 6] = 1;
        buf[at + 7] = 0;
    }
    set_payload_len(buf, pl);
    Ok(new_total)
}

/// Takes the RPL option out (the root does this before a packet leaves the
/// RPL domain, RFC 9008 §5); returns the new length.
///
/// A Hop-by-Hop header holding nothing but the option and padding is
/// removed whole; otherwise the option becomes a PadN of the same length.
/// A packet without the option is returned as is.
pub fn remove_rpi(buf: &mut [u8], len: usize) -> Result<usize, DatapathError> {
    let total = packet_len(buf, len)?;
    let Hbh::Rpl { at, .. } = find_hbh(buf, total)? else {
        return Ok(total);
    };
    let hbh_len = (usize::from(buf[HEADER_LEN + 1]) + 1) * 8;
    let hbh = &buf[HEADER_LEN + 2..HEADER_LEN + hbh_len];
    let mut only = true;
    let mut i = 0;
    while i < hbh.len() {
        // find_hbh parsed every option up to the RPL one; the rest may still fail.
        match OptionRepr::parse(&hbh[i..]) {
            Ok((OptionRepr::Pad1 | OptionRepr::PadN(_) | OptionRepr::Rpl(_), l)) => i += l,
            _ => {
                only = false;
                break;
            }
        }
    }
    if only {
        buf[NXT_HDR] = buf[HEADER_LEN];
        buf.copy_within(HEADER_LEN + hbh_len..total, HEADER_LEN);
        let new_total = total - hbh_len;
        set_payload_len(buf, (new_total - HEADER_LEN) as u16);
        Ok(new_total)
    } else {
        buf[at] = 1;
        buf[at + 2..at + 6].fill(0);
        Ok(total)
    }
}

/// What a router does with the RPL option of a packet it forwards (RFC
/// 6550 §11.2.2, RFC 6553 §4): checks the instance and the rank, then
/// writes `our_rank` as SenderRank and the direction it forwards in
/// (`going_down`) as the O flag.
///
/// The check uses the O flag as received: a packet going up (O = 0) from a
/// sender whose rank is not greater than ours, or going down (O = 1) from
/// a sender whose rank is not smaller than ours, is a rank error.
pub fn forward_rpi(buf: &mut [u8], len: usize, our_rank: u16, going_down: bool, instance: u8) -> RpiVerdict {
    let Ok(total) = packet_len(buf, len) else {
        return RpiVerdict::Malformed;
    };
    let (at, mut opt) = match find_hbh(buf, total) {
        Ok(Hbh::Rpl { at, opt }) => (at, opt),
        Ok(_) => return RpiVerdict::NoOption,
        Err(_) => return RpiVerdict::Malformed,
    };
    // RFC 6550 §11.2.2.1: a packet is forwarded within the instance it names.
    if opt.instance_id != instance {
        return RpiVerdict::UnknownInstance(opt.instance_id);
    }
    // RFC 6550 §11.2.2.2: a packet going up must come from a deeper node,
    // one going down from a shallower one; otherwise the DODAG is
    // inconsistent.
    let inconsistent = if opt.down { opt.sender_rank >= our_rank } else { opt.sender_rank <= our_rank };
    let mut rank_error = false;
    if inconsistent {
        // RFC 6550 §11.2.2.2: "If the Rank-Error bit is already set ... the
        // packet MUST be discarded and the Trickle timer MUST be reset".
        if opt.rank_error {
            return RpiVerdict::DropLoop;
        }
        opt.rank_error = true;
        rank_error = true;
    }
    // RFC 6553 §4: each router updates SenderRank with its own rank.
    opt.sender_rank = our_rank;
    opt.down = going_down;
    write_rpl_data(buf, at, &opt);
    RpiVerdict::Forward { rank_error }
}

/// Where a new Routing header goes: after the Hop-by-Hop header if any.
/// Returns (offset of the Next Header octet to update, insertion offset).
fn after_hbh(buf: &[u8], total: usize) -> Result<(usize, usize), DatapathError> {
    if buf[NXT_HDR] != NH_HBH {
        return Ok((NXT_HDR, HEADER_LEN));
    }
    let h = ExtHeader::new_checked(&buf[HEADER_LEN..total]).map_err(|_| DatapathError::Malformed)?;
    Ok((HEADER_LEN, HEADER_LEN + h.header_len()))
}

/// At the non-storing root: adds the Source Routing Header (RFC 6554 §3)
/// that carries the packet, whose destination is `hops.last()`, along
/// `hops` (as [`SourceRoutes::route_to`](super::SourceRoutes::route_to)
/// gives them: the root's child first, the destination last). Returns the
/// new length.
///
/// The IPv6 destination becomes `hops[0]`; the header lists `hops[1..]`
/// compressed against it (CmprI / CmprE, [`write_srh`]), Segments Left =
/// `hops.len() - 1`, and goes right after the fixed header or after the
/// Hop-by-Hop header. With one hop the destination is a neighbour: no
/// header is needed and the packet is returned unchanged (`Ok(total)`).
///
/// `BadRoute` when `hops` is empty or does not end at the destination;
/// `Unsupported` when the packet already has a Routing header after the
/// insertion point.
pub fn insert_srh(buf: &mut [u8], len: usize, hops: &[Ipv6Addr]) -> Result<usize, DatapathError> {
    let total = packet_len(buf, len)?;
    let dst = read_addr(buf, DST);
    if hops.last() != Some(&dst) {
        return Err(DatapathError::BadRoute);
    }
    if hops.len() == 1 {
        return Ok(total);
    }
    let (nh_at, at) = after_hbh(buf, total)?;
    if buf[nh_at] == NH_ROUTE {
        return Err(DatapathError::Unsupported);
    }
    // Write the header in the free room past the packet, then rotate it
    // into place: no scratch buffer, whatever its length.
    let next_header = IpProtocol::from(buf[nh_at]);
    let room = buf.get_mut(total..).unwrap_or(&mut []);
    let w = write_srh(hops, next_header, room).map_err(|e| match e {
        SrhError::Truncated => DatapathError::NoRoom,
        SrhError::TooLong => DatapathError::TooLong,
        SrhError::NoRoute | SrhError::Loop => DatapathError::BadRoute,
    })?;
    let new_total = total + w.len;
    let pl = grown(buf, new_total)?;
    buf[at..new_total].rotate_right(w.len);
    buf[nh_at] = NH_ROUTE;
    buf[DST..DST + 16].copy_from_slice(&w.destination.octets());
    set_payload_len(buf, pl);
    Ok(new_total)
}

/// Processes the Routing header of a packet addressed to us (the caller
/// checked that its destination is one of our addresses), as RFC 6554
/// §4.2 says, for a node whose addresses `is_ours` recognises.
///
/// Only a Hop-by-Hop and Destination Options headers may come before the
/// Routing header. The SRH addresses are expanded with the prefix octets
/// of the IPv6 destination (RFC 6554 §3). On `Forward` the packet has
/// Segments Left decremented, the destination swapped with the next
/// address and the Hop Limit decremented; on every other verdict it is
/// unchanged (the hop limit is checked before the swap, not after as in
/// the RFC's pseudo-code, so an error quotes the packet as received).
pub fn process_srh(buf: &mut [u8], len: usize, is_ours: impl Fn(&Ipv6Addr) -> bool) -> SrhVerdict {
    let Ok(total) = packet_len(buf, len) else {
        return SrhVerdict::Discard;
    };
    // Find the Routing header: past an optional Hop-by-Hop header and
    // Destination Options headers (RFC 8200 §4.1 order).
    let mut nh = buf[NXT_HDR];
    let mut at = HEADER_LEN;
    loop {
        match nh {
            NH_ROUTE => break,
            NH_HBH if at == HEADER_LEN => {}
            NH_OPTS => {}
            _ => return SrhVerdict::Local,
        }
        let Ok(h) = ExtHeader::new_checked(&buf[at..total]) else {
            return SrhVerdict::Discard;
        };
        nh = buf[at];
        at += h.header_len();
    }
    let rh = &buf[at..total];
    // A header running past the packet: its Hdr Ext Len is wrong.
    let Ok(h) = ExtHeader::new_checked(rh) else {
        return SrhVerdict::Error(pointer(at + 1));
    };
    let rh = &rh[..h.header_len()];
    let (routing_type, segments_left) = (rh[2], rh[3]);
    // RFC 6554 §4.2 / RFC 8200 §4.4: Segments Left 0, whatever the type:
    // process the next header.
    if segments_left == 0 {
        return SrhVerdict::Local;
    }
    if routing_type != TYPE_RPL_SOURCE_ROUTE {
        // RFC 8200 §4.4: unrecognised Routing Type with Segments Left > 0.
        return SrhVerdict::Error(pointer(at + 2));
    }
    let sr = match RoutingRepr::parse(rh).map(|r| r.routing) {
        Ok(ipv6::Routing::SourceRoute(sr)) => sr,
        // RFC 6554 §3: Pad is at most 7 octets.
        _ if rh[5] >> 4 > 7 => return SrhVerdict::Error(pointer(at + 5)),
        // RFC 6554 §3: n = ((Hdr Ext Len × 8 - Pad - (16 - CmprE)) / (16 - CmprI)) + 1
        // must be a whole number of at least 1.
        _ => return SrhVerdict::Error(pointer(at + 1)),
    };
    let n = sr.len();
    // RFC 6554 §4.2: "If Segments Left is greater than n, send an ICMP
    // Parameter Problem, Code 0, ... pointing to the Segments Left field".
    if usize::from(segments_left) > n {
        return SrhVerdict::Error(pointer(at + 3));
    }
    let dst = read_addr(buf, DST);
    // RFC 6554 §4.2: i = n - (Segments Left - 1), 1-based.
    let i = n - usize::from(segments_left - 1) - 1;
    let Some(next) = sr.address(i, &dst) else {
        return SrhVerdict::Discard;
    };
    // RFC 6554 §4.2: "if Address[i] or the IPv6 Destination Address is
    // multicast, discard the packet".
    if next.is_multicast() || dst.is_multicast() {
        return SrhVerdict::Discard;
    }
    // RFC 6554 §4.2: a loop when 2 or more entries of Address[1..n] are
    // ours and separated by at least one that is not.
    if let Some(k) = loop_at(&sr, &dst, &is_ours) {
        let si = 16 - usize::from(sr.cmpr_i);
        return SrhVerdict::Error(pointer(at + 8 + k * si));
    }
    // RFC 6554 §4.2 / RFC 8200 §3: no Hop Limit left to forward with.
    let hop_limit = buf[HOP_LIMIT];
    if hop_limit <= 1 {
        return SrhVerdict::Error(IcmpError::TimeExceeded(TimeExceeded::HopLimitExceeded));
    }
    let (si, se) = (16 - usize::from(sr.cmpr_i), 16 - usize::from(sr.cmpr_e));
    let size = if i + 1 == n { se } else { si };
    let slot = at + 8 + i * si;
    // RFC 6554 §4.2: decrement Segments Left, swap the destination and
    // Address[i] (the old destination stored with the same elision).
    buf[at + 3] = segments_left - 1;
    buf.copy_within(DST + 16 - size..DST + 16, slot);
    buf[DST..DST + 16].copy_from_slice(&next.octets());
    buf[HOP_LIMIT] = hop_limit - 1;
    SrhVerdict::Forward { next }
}

/// The index (0-based) of an address of Address[1..n] that is ours and
/// follows an earlier one of ours with a foreign address in between.
fn loop_at(sr: &SourceRoute<'_>, dst: &Ipv6Addr, is_ours: &impl Fn(&Ipv6Addr) -> bool) -> Option<usize> {
    let mut last_ours: Option<usize> = None;
    for k in 0..sr.len() {
        let a = sr.address(k, dst)?;
        if is_ours(&a) {
            if let Some(l) = last_ours {
                if k - l > 1 {
                    return Some(k);
                }
            }
            last_ours = Some(k);
        }
    }
    None
}

/// Puts the packet inside an outer IPv6 header from `outer_src` to
/// `outer_dst` with `hop_limit` (RFC 2473 §3, Next Header 41), shifting it
/// right by 40 octets; returns the new length. The outer header copies the
/// inner Traffic Class and has Flow Label 0 (RFC 2473 §6).
///
/// RFC 9008 uses this at the root for traffic from outside the DODAG (or
/// any packet it must add headers to without touching the inner one); the
/// RPL option and the SRH then go on the outer header with
/// [`insert_rpi`] and [`insert_srh`] (see [`tunnel_source_routed`]).
pub fn encapsulate(
    buf: &mut [u8],
    len: usize,
    outer_src: Ipv6Addr,
    outer_dst: Ipv6Addr,
    hop_limit: u8,
) -> Result<usize, DatapathError> {
    let total = packet_len(buf, len)?;
    let new_total = total + HEADER_LEN;
    let pl = grown(buf, new_total)?;
    let traffic_class = ipv6::Packet::new_unchecked(&buf[..total]).traffic_class();
    buf.copy_within(..total, HEADER_LEN);
    let outer = ipv6::Repr {
        src_addr: outer_src,
        dst_addr: outer_dst,
        next_header: IpProtocol::Ipv6,
        payload_len: pl,
        hop_limit,
        traffic_class,
        flow_label: 0,
    };
    outer.emit(&mut ipv6::Packet::new_unchecked(&mut buf[..HEADER_LEN]));
    Ok(new_total)
}

/// The non-storing root's tunnel for a packet it does not originate (RFC
/// 9008 §8: IP6-IP6 + RH3 + RPI): encapsulates it from `root` to
/// `hops.last()` (the RAL that ends the tunnel), adds the SRH along `hops`
/// and the RPL option `rpi` to the outer header. Returns the new length;
/// on error the packet is unchanged.
pub fn tunnel_source_routed(
    buf: &mut [u8],
    len: usize,
    root: Ipv6Addr,
    hops: &[Ipv6Addr],
    hop_limit: u8,
    rpi: RplOption,
) -> Result<usize, DatapathError> {
    let total = packet_len(buf, len)?;
    let &last = hops.last().ok_or(DatapathError::BadRoute)?;
    let n = encapsulate(buf, total, root, last, hop_limit)?;
    let undo = |buf: &mut [u8]| {
        buf.copy_within(HEADER_LEN..HEADER_LEN + total, 0);
    };
    let n = match insert_srh(buf, n, hops) {
        Ok(n) => n,
        Err(e) => {
            undo(buf);
            return Err(e);
        }
    };
    match insert_rpi(buf, n, rpi) {
        Ok(n) => Ok(n),
        Err(e) => {
            // Only the fixed header, the SRH and the inner packet are there.
            let inner = n - total;
            buf.copy_within(inner..n, 0);
            Err(e)
        }
    }
}

/// At the tunnel end: returns the inner packet of an IPv6-in-IPv6 packet
/// addressed to us, moved to the start of `buf`, and its length (its fixed
/// header plus its Payload Length).
///
/// Between the outer header and the inner one may come a Hop-by-Hop header
/// (its RPL option dies with the outer header, RFC 9008 §7/§8), Destination
/// Options and a Routing header with Segments Left 0 (the SRH that led
/// here). `Unsupported` when the chain ends at anything but Next Header 41
/// or a Routing header still has segments left; `Malformed` when the
/// headers or the inner packet are bad.
pub fn decapsulate(buf: &mut [u8], len: usize) -> Result<usize, DatapathError> {
    let total = packet_len(buf, len)?;
    let mut nh = buf[NXT_HDR];
    let mut at = HEADER_LEN;
    loop {
        match nh {
            NH_IPV6 => break,
            NH_HBH if at == HEADER_LEN => {}
            NH_OPTS | NH_ROUTE => {}
            _ => return Err(DatapathError::Unsupported),
        }
        let h = ExtHeader::new_checked(&buf[at..total]).map_err(|_| DatapathError::Malformed)?;
        // RFC 8200 §4.4: a Routing header with segments left is not for us to end.
        if nh == NH_ROUTE && buf[at + 3] != 0 {
            return Err(DatapathError::Unsupported);
        }
        nh = buf[at];
        at += h.header_len();
    }
    let inner_len = packet_len(&buf[at..total], total - at)?;
    buf.copy_within(at..at + inner_len, 0);
    Ok(inner_len)
}
