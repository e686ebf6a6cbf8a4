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
//! ```
//! use core::net::Ipv6Addr;
//! use sixlo::rpl::datapath::{insert_rpi, read_rpi, remove_rpi};
//! use sixlo::wire::ipv6::RplOption;
//! // fe80::1 -> fe80::2, No Next Header, with 8 octets of room.
//! let mut buf = [0u8; 48];
//! buf[..8].copy_from_slice(&[0x60, 0, 0, 0, 0, 0, 59, 64]);
//! buf[8..24].copy_from_slice(&"fe80::1".parse::<Ipv6Addr>().unwrap().octets());
//! buf[24..40].copy_from_slice(&"fe80::2".parse::<Ipv6Addr>().unwrap().octets());
//! let opt = RplOption { down: false, rank_error: false, forwarding_error: false, instance_id: 0x1e, sender_rank: 512 };
//! let len = insert_rpi(&mut buf, 40, opt).unwrap();
//! assert_eq!((len, &buf[40..48]), (48, &[59, 0, 0x63, 4, 0, 0x1e, 2, 0][..]));
//! assert_eq!(read_rpi(&buf[..len]), Some(opt));
//! assert_eq!(remove_rpi(&mut buf, len), Ok(40));
//! ```
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
#[inline(never)]
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
    buf[at + 2] =
        (u8::from(opt.down) << 7) | (u8::from(opt.rank_error) << 6) | (u8::from(opt.forwarding_error) << 5);
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
/// sender whose DAGRank (rank / `min_hop_rank_increase`, RFC 6550 §3.5.1)
/// is smaller than ours, or going down (O = 1) from a sender whose DAGRank
/// is greater than ours, is a rank error. Equal ranks
/// pass, as in Contiki-NG: ranks are only loosely in step between DIOs
/// (MRHOF ranks move with every ETX estimate), and a strict rule drops
/// good packets as loops.
pub fn forward_rpi(
    buf: &mut [u8],
    len: usize,
    our_rank: u16,
    min_hop_rank_increase: u16,
    going_down: bool,
    instance: u8,
) -> RpiVerdict {
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
    // RFC 6550 §3.5.1: ranks are compared as DAGRank(rank) =
    // ⌊rank / MinHopRankIncrease⌋, so that differences smaller than one
    // hop (ETX estimates moving between DIOs) are not errors.
    let (sender, ours) = (
        super::dag_rank(opt.sender_rank, min_hop_rank_increase),
        super::dag_rank(our_rank, min_hop_rank_increase),
    );
    let inconsistent = if opt.down { sender > ours } else { sender < ours };
    let mut rank_error = false;
    if inconsistent {
        // RFC 6550 §11.2.2.2: a second inconsistency on the same packet (R
        // already set) means a loop: discard it and reset the Trickle timer.
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
/// Only a Hop-by-Hop header (first) and Destination Options headers may come before the
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
    // RFC 6554 §4.2: Segments Left greater than n: Parameter Problem,
    // Code 0, pointing to the Segments Left field.
    if usize::from(segments_left) > n {
        return SrhVerdict::Error(pointer(at + 3));
    }
    let dst = read_addr(buf, DST);
    // RFC 6554 §4.2: i = n - (Segments Left - 1), 1-based.
    let i = n - usize::from(segments_left - 1) - 1;
    let Some(next) = sr.address(i, &dst) else {
        return SrhVerdict::Discard;
    };
    // RFC 6554 §4.2: Address[i] or the IPv6 Destination Address multicast:
    // discard the packet (no ICMP error).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::udp;
    use proptest::prelude::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    const ROOT: &str = "2001:db8::1";
    const DATA: &[u8] = b"sixlo datapath";

    /// An IPv6 + UDP packet src -> dst, hop limit `hl`, with `extra` octets
    /// of spare room after it.
    fn udp_packet(src: Ipv6Addr, dst: Ipv6Addr, hl: u8, extra: usize) -> (Vec<u8>, usize) {
        let u = udp::Repr { src_port: 5678, dst_port: 1234, payload: DATA };
        let len = HEADER_LEN + u.buffer_len();
        let mut b = vec![0u8; len + extra];
        let r = ipv6::Repr {
            src_addr: src,
            dst_addr: dst,
            next_header: IpProtocol::Udp,
            payload_len: u.buffer_len() as u16,
            hop_limit: hl,
            traffic_class: 0x28,
            flow_label: 0x12345,
        };
        r.emit(&mut ipv6::Packet::new_unchecked(&mut b[..]));
        u.emit(&mut udp::Packet::new_unchecked(&mut b[HEADER_LEN..len]), &src, &dst);
        (b, len)
    }

    /// The UDP datagram at the end of the header chain verifies against
    /// (src, final_dst) and carries DATA.
    fn assert_udp_intact(pkt: &[u8], src: Ipv6Addr, final_dst: Ipv6Addr) {
        let p = ipv6::Packet::new_checked(pkt).unwrap();
        let ul = ipv6::upper_layer(p.next_header(), p.payload()).unwrap();
        assert_eq!(ul.protocol, IpProtocol::Udp);
        let d = udp::Packet::new_checked(&p.payload()[ul.offset..]).unwrap();
        let r = udp::Repr::parse(&d, &src, &final_dst).unwrap();
        assert_eq!((r.src_port, r.dst_port, r.payload), (5678, 1234, DATA));
    }

    fn rpi(down: bool, rank_error: bool, rank: u16) -> RplOption {
        RplOption { down, rank_error, forwarding_error: false, instance_id: 0x1e, sender_rank: rank }
    }

    fn pl(b: &[u8]) -> usize {
        usize::from(u16::from_be_bytes([b[4], b[5]]))
    }

    #[test]
    fn test_construct_rpi() {
        let (src, dst) = (ip("2001:db8::2"), ip("2001:db8::1"));
        let (mut b, len) = udp_packet(src, dst, 64, 16);
        let orig = b[..len].to_vec();
        let n = insert_rpi(&mut b, len, rpi(false, false, 0x200)).unwrap();
        assert_eq!(n, len + 8);
        assert_eq!(b[NXT_HDR], 0);
        assert_eq!(pl(&b), len + 8 - 40);
        assert_eq!(&b[..4], &orig[..4]);
        assert_eq!(&b[6..40], &[&[0u8, 64][..], &orig[8..40]].concat()[..]);
        // Cooja capture bytes (wire::ipv6::options HBH_RPL): UDP, RPI 0x63, instance 0x1e, rank 0x200.
        assert_eq!(&b[40..48], &[0x11, 0x00, 0x63, 0x04, 0x00, 0x1e, 0x02, 0x00]);
        assert_eq!(&b[48..n], &orig[40..]);
        assert_udp_intact(&b[..n], src, dst);
        assert_eq!(read_rpi(&b[..n]), Some(rpi(false, false, 0x200)));
        // An existing option is rewritten in place.
        let n2 = insert_rpi(&mut b, n, rpi(true, true, 0x1234)).unwrap();
        assert_eq!(n2, n);
        assert_eq!(&b[40..48], &[0x11, 0x00, 0x63, 0x04, 0xc0, 0x1e, 0x12, 0x34]);
        // Removal gives the original packet back.
        let m = remove_rpi(&mut b, n).unwrap();
        assert_eq!(&b[..m], &orig[..]);
        assert_eq!(read_rpi(&b[..m]), None);
        assert_eq!(remove_rpi(&mut b, m), Ok(m));
    }

    #[test]
    fn rpi_into_existing_hbh() {
        let (src, dst) = (ip("2001:db8::2"), ip("2001:db8::1"));
        let (mut b, len) = udp_packet(src, dst, 64, 32);
        // Put an HBH with an unknown skippable option (type 0x1e, 4 octets) first.
        let hbh = [0x11, 0, 0x1e, 4, 9, 9, 9, 9];
        b.copy_within(40..len, 48);
        b[40..48].copy_from_slice(&hbh);
        b[NXT_HDR] = 0;
        let len = len + 8;
        set_payload_len(&mut b, (len - 40) as u16);
        let orig = b[..len].to_vec();
        assert_eq!(read_rpi(&b[..len]), None);
        let n = insert_rpi(&mut b, len, rpi(false, false, 0x300)).unwrap();
        assert_eq!(n, len + 8);
        assert_eq!(&b[40..56], &[0x11, 1, 0x63, 4, 0x00, 0x1e, 0x03, 0x00, 1, 0, 0x1e, 4, 9, 9, 9, 9]);
        assert_eq!(&b[56..n], &orig[48..]);
        assert_eq!(pl(&b), n - 40);
        assert_udp_intact(&b[..n], src, dst);
        assert_eq!(read_rpi(&b[..n]), Some(rpi(false, false, 0x300)));
        // Another option is there: the RPI becomes padding, the header stays.
        assert_eq!(remove_rpi(&mut b, n), Ok(n));
        assert_eq!(&b[40..50], &[0x11, 1, 1, 4, 0, 0, 0, 0, 1, 0]);
        assert_udp_intact(&b[..n], src, dst);
        // Hdr Ext Len 255 cannot grow.
        let mut big = vec![0u8; 40 + 2048 + 64];
        big[..40].copy_from_slice(&orig[..40]);
        big[NXT_HDR] = 0;
        big[40] = 59;
        big[41] = 255;
        big[42..42 + 2046].iter_mut().for_each(|x| *x = 0); // Pad1s
        set_payload_len(&mut big, 2048);
        assert_eq!(insert_rpi(&mut big, 40 + 2048, rpi(false, false, 1)), Err(DatapathError::TooLong));
    }

    #[test]
    fn rpi_no_room_leaves_packet() {
        let (mut b, len) = udp_packet(ip("2001:db8::2"), ip("2001:db8::1"), 64, 7);
        let orig = b.clone();
        assert_eq!(insert_rpi(&mut b, len, rpi(false, false, 1)), Err(DatapathError::NoRoom));
        assert_eq!(b, orig);
        assert_eq!(insert_rpi(&mut b, len + 8, rpi(false, false, 1)), Err(DatapathError::Malformed));
        assert_eq!(insert_rpi(&mut b, 39, rpi(false, false, 1)), Err(DatapathError::Malformed));
        assert_eq!(b, orig);
    }

    fn with_rpi(opt: RplOption) -> (Vec<u8>, usize) {
        let (mut b, len) = udp_packet(ip("2001:db8::2"), ip("2001:db8::9"), 64, 8);
        let n = insert_rpi(&mut b, len, opt).unwrap();
        (b, n)
    }

    #[test]
    fn forward_rpi_rank_rules() {
        use RpiVerdict::*;
        let ours = 512;
        // (received option, going_down) -> verdict, option after.
        let cases = [
            // Up from a deeper node: fine.
            (rpi(false, false, 768), false, Forward { rank_error: false }, Some(rpi(false, false, 512))),
            // Up from a shallower node: first error sets R. Equal: fine.
            (rpi(false, false, 256), false, Forward { rank_error: true }, Some(rpi(false, true, 512))),
            (rpi(false, false, 512), false, Forward { rank_error: false }, Some(rpi(false, false, 512))),
            // ... the second is a loop: dropped, unchanged.
            (rpi(false, true, 256), false, DropLoop, None),
            // Down from a shallower node: fine; now sent on down.
            (rpi(true, false, 256), true, Forward { rank_error: false }, Some(rpi(true, false, 512))),
            // Down from a deeper node: error, then loop. Equal: fine.
            (rpi(true, false, 768), true, Forward { rank_error: true }, Some(rpi(true, true, 512))),
            (rpi(true, false, 512), true, Forward { rank_error: false }, Some(rpi(true, false, 512))),
            (rpi(true, true, 1024), true, DropLoop, None),
            // R set but consistent: forwarded, R kept.
            (rpi(true, true, 256), true, Forward { rank_error: false }, Some(rpi(true, true, 512))),
            // The root turns an upward packet down: O follows our direction.
            (rpi(false, false, 768), true, Forward { rank_error: false }, Some(rpi(true, false, 512))),
        ];
        for (i, (opt, down, verdict, after)) in cases.into_iter().enumerate() {
            let (mut b, n) = with_rpi(opt);
            let before = b.clone();
            assert_eq!(forward_rpi(&mut b, n, ours, 1, down, 0x1e), verdict, "case {i}");
            match after {
                Some(a) => {
                    assert_eq!(read_rpi(&b[..n]), Some(a), "case {i}");
                    assert_eq!(b[..42], before[..42]);
                    assert_eq!(b[48..], before[48..]);
                }
                None => assert_eq!(b, before, "case {i}"),
            }
        }
        // Ranks compare as DAGRank (RFC 6550 §3.5.1): with MinHopRankIncrease
        // 256, an upward packet from rank 400 to rank 500 (both DAGRank 1)
        // is fine; from rank 200 (DAGRank 0) to rank 512 (2) it is an error.
        let (mut b, n) = with_rpi(rpi(false, false, 400));
        assert_eq!(forward_rpi(&mut b, n, 500, 256, false, 0x1e), Forward { rank_error: false });
        let (mut b, n) = with_rpi(rpi(false, false, 200));
        assert_eq!(forward_rpi(&mut b, n, 512, 256, false, 0x1e), Forward { rank_error: true });
        // Exact bytes of one update.
        let (mut b, n) = with_rpi(rpi(false, false, 256));
        forward_rpi(&mut b, n, 0x0300, 1, true, 0x1e);
        assert_eq!(&b[40..48], &[0x11, 0, 0x63, 4, 0xc0, 0x1e, 0x03, 0x00]);
        // Other instance, no option, garbage.
        let (mut b, n) = with_rpi(rpi(false, false, 768));
        let before = b.clone();
        assert_eq!(forward_rpi(&mut b, n, ours, 1, false, 7), UnknownInstance(0x1e));
        assert_eq!(b, before);
        let (mut b, len) = udp_packet(ip("2001:db8::2"), ip("2001:db8::9"), 64, 0);
        assert_eq!(forward_rpi(&mut b, len, ours, 1, false, 0x1e), NoOption);
        assert_eq!(forward_rpi(&mut b, 20, ours, 1, false, 0x1e), Malformed);
        let (mut b, n) = with_rpi(rpi(false, false, 768));
        b[43] = 3; // RPL option data length 3
        assert_eq!(forward_rpi(&mut b, n, ours, 1, false, 0x1e), Malformed);
    }

    fn hops4() -> [Ipv6Addr; 4] {
        [ip("2001:db8::a"), ip("2001:db8::b"), ip("2001:db8::c"), ip("2001:db8::d")]
    }

    /// Root's packet to D with an SRH along hops4().
    fn srh_packet() -> (Vec<u8>, usize, Vec<u8>) {
        let (mut b, len) = udp_packet(ip(ROOT), ip("2001:db8::d"), 64, 64);
        let orig = b[..len].to_vec();
        let n = insert_srh(&mut b, len, &hops4()).unwrap();
        (b, n, orig)
    }

    #[test]
    fn test_construct_srh() {
        let (b, n, orig) = srh_packet();
        assert_eq!(n, orig.len() + 16);
        assert_eq!(b[NXT_HDR], 43);
        assert_eq!(pl(&b), n - 40);
        assert_eq!(read_addr(&b, DST), ip("2001:db8::a"));
        assert_eq!(&b[8..24], &orig[8..24]);
        // RFC 6554 §3: CmprI = CmprE = 15, three 1-octet addresses, Pad 5.
        assert_eq!(&b[40..56], &[17, 1, 3, 3, 0xff, 0x50, 0, 0, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0, 0]);
        assert_eq!(&b[56..n], &orig[40..]);
        assert_udp_intact(&b[..n], ip(ROOT), ip("2001:db8::d"));
    }

    #[test]
    fn srh_walk_four_hops() {
        let (mut b, n, orig) = srh_packet();
        let h = hops4();
        let mut seen = vec![];
        let mut at = read_addr(&b, DST);
        loop {
            let me = at;
            match process_srh(&mut b, n, |a| *a == me) {
                SrhVerdict::Forward { next } => {
                    assert_eq!(read_addr(&b, DST), next);
                    seen.push(next);
                    at = next;
                }
                SrhVerdict::Local => break,
                v => panic!("{v:?}"),
            }
        }
        assert_eq!(seen, &h[1..]);
        assert_eq!(at, h[3]);
        assert_eq!(b[HOP_LIMIT], 61);
        // Segments Left 0; the vector now holds the visited hops a, b, c.
        assert_eq!(&b[40..56], &[17, 1, 3, 0, 0xff, 0x50, 0, 0, 0x0a, 0x0b, 0x0c, 0, 0, 0, 0, 0]);
        assert_eq!(&b[56..n], &orig[40..]);
        assert_udp_intact(&b[..n], ip(ROOT), h[3]);
    }

    #[test]
    fn srh_after_hbh_and_mixed_prefixes() {
        // Intermediates share 13 octets with the first hop, the final
        // destination (another /64) only 7.
        let hops = [ip("2001:db8::a"), ip("2001:db8::1:b"), ip("2001:db8:0:1::d")];
        let (mut b, len) = udp_packet(ip(ROOT), hops[2], 64, 80);
        let orig = b[..len].to_vec();
        let n = insert_rpi(&mut b, len, rpi(true, false, 256)).unwrap();
        let n = insert_srh(&mut b, n, &hops).unwrap();
        assert_eq!(b[NXT_HDR], 0);
        assert_eq!(b[40], 43);
        assert_eq!(b[48], 17);
        let r = RoutingRepr::parse(&b[48..n]).unwrap();
        assert_eq!(r.segments_left, 2);
        let ipv6::Routing::SourceRoute(sr) = r.routing else { panic!() };
        assert_eq!((sr.cmpr_i, sr.cmpr_e), (13, 7));
        assert_udp_intact(&b[..n], ip(ROOT), hops[2]);
        let mut seen = vec![];
        let mut me = hops[0];
        while let SrhVerdict::Forward { next } = process_srh(&mut b, n, |a| *a == me) {
            seen.push(next);
            me = next;
        }
        assert_eq!(seen, &hops[1..]);
        assert_eq!(read_rpi(&b[..n]), Some(rpi(true, false, 256)));
        let m = remove_rpi(&mut b, n).unwrap();
        assert_eq!(b[NXT_HDR], 43);
        assert_eq!(&b[m - (len - 40)..m], &orig[40..]);
    }

    #[test]
    fn srh_one_hop_and_bad_routes() {
        let d = ip("2001:db8::d");
        let (mut b, len) = udp_packet(ip(ROOT), d, 64, 64);
        let orig = b.clone();
        // A neighbour: nothing to add.
        assert_eq!(insert_srh(&mut b, len, &[d]), Ok(len));
        assert_eq!(b, orig);
        assert_eq!(insert_srh(&mut b, len, &[]), Err(DatapathError::BadRoute));
        assert_eq!(insert_srh(&mut b, len, &[d, ip("2001:db8::e")]), Err(DatapathError::BadRoute));
        assert_eq!(insert_srh(&mut b[..len + 8], len, &hops4()), Err(DatapathError::NoRoom));
        assert_eq!(b, orig);
        let n = insert_srh(&mut b, len, &hops4()).unwrap();
        // Now addressed to the first hop, a neighbour: nothing more to add.
        assert_eq!(insert_srh(&mut b, n, &[ip("2001:db8::a")]), Ok(n));
        b[DST..DST + 16].copy_from_slice(&d.octets());
        assert_eq!(insert_srh(&mut b, n, &hops4()), Err(DatapathError::Unsupported));
    }

    fn assert_error(b: &mut [u8], n: usize, ours: &[Ipv6Addr], want: SrhVerdict) {
        let before = b.to_vec();
        assert_eq!(process_srh(b, n, |a| ours.contains(a)), want);
        assert_eq!(b, &before[..]);
    }

    fn pp(at: u32) -> SrhVerdict {
        SrhVerdict::Error(IcmpError::ParamProblem(ParamProblem::ErroneousHdrField, at))
    }

    #[test]
    fn srh_errors() {
        let a = [ip("2001:db8::a")];
        // Segments Left > n (n = 3): pointer to Segments Left.
        let (mut b, n, _) = srh_packet();
        b[43] = 4;
        assert_error(&mut b, n, &a, pp(43));
        // Inconsistent CmprE (n not whole): pointer to Hdr Ext Len.
        let (mut b, n, _) = srh_packet();
        b[44] = 0xdf; // 2 address octets are not (n-1)*3 + 1
        assert_error(&mut b, n, &a, pp(41));
        // Pad 8: pointer to Pad.
        let (mut b, n, _) = srh_packet();
        b[45] = 0x80;
        assert_error(&mut b, n, &a, pp(45));
        // Hdr Ext Len past the packet.
        let (mut b, n, _) = srh_packet();
        b[41] = 9;
        assert_error(&mut b, n, &a, pp(41));
        // Unknown routing type with segments left: pointer to Routing Type;
        // without: ignored.
        let (mut b, n, _) = srh_packet();
        b[42] = 0;
        assert_error(&mut b, n, &a, pp(42));
        b[43] = 0;
        assert_error(&mut b, n, &a, SrhVerdict::Local);
        // Hop limit 1 and 0: Time Exceeded, packet unchanged.
        let hl = SrhVerdict::Error(IcmpError::HOP_LIMIT);
        let (mut b, n, _) = srh_packet();
        b[HOP_LIMIT] = 1;
        assert_error(&mut b, n, &a, hl);
        b[HOP_LIMIT] = 0;
        assert_error(&mut b, n, &a, hl);
        // Multicast next address or destination: silently discarded.
        let m = ip("ff02::1");
        let d = ip("2001:db8::d");
        let (mut b, len) = udp_packet(ip(ROOT), d, 64, 64);
        let n = insert_srh(&mut b, len, &[a[0], m, d]).unwrap();
        assert_error(&mut b, n, &a, SrhVerdict::Discard);
        let (mut b, n, _) = srh_packet();
        b[DST..DST + 16].copy_from_slice(&m.octets());
        assert_error(&mut b, n, &[m], SrhVerdict::Discard);
        // A loop: two of our addresses separated by another node's.
        let (c1, c2, x) = (ip("2001:db8::c1"), ip("2001:db8::c2"), ip("2001:db8::b"));
        let me = [a[0], c1, c2];
        let (mut b, len) = udp_packet(ip(ROOT), d, 64, 64);
        let n = insert_srh(&mut b, len, &[a[0], c1, x, c2, d]).unwrap();
        // Addresses are 1 octet (CmprI 15): c2 is the third, at 40 + 8 + 2.
        assert_error(&mut b, n, &me, pp(50));
        // Adjacent ones are no loop.
        let (mut b, len) = udp_packet(ip(ROOT), d, 64, 64);
        let n = insert_srh(&mut b, len, &[a[0], c1, c2, x, d]).unwrap();
        assert_eq!(process_srh(&mut b, n, |z| me.contains(z)), SrhVerdict::Forward { next: c1 });
        // Nothing to do without a Routing header; garbage is discarded.
        let (mut b, len) = udp_packet(ip(ROOT), d, 64, 0);
        assert_error(&mut b, len, &a, SrhVerdict::Local);
        assert_error(&mut b, 30, &a, SrhVerdict::Discard);
    }

    #[test]
    fn test_construct_encapsulation() {
        let (src, dst) = (ip("2001:db8:1::5"), ip("2001:db8::d"));
        let (mut b, len) = udp_packet(src, dst, 17, 40);
        let orig = b[..len].to_vec();
        let n = encapsulate(&mut b, len, ip(ROOT), dst, 64).unwrap();
        assert_eq!(n, len + 40);
        let p = ipv6::Packet::new_checked(&b[..n]).unwrap();
        let r = ipv6::Repr::parse(&p).unwrap();
        assert_eq!(
            r,
            ipv6::Repr {
                src_addr: ip(ROOT),
                dst_addr: dst,
                next_header: IpProtocol::Ipv6,
                payload_len: len as u16,
                hop_limit: 64,
                traffic_class: 0x28,
                flow_label: 0,
            }
        );
        assert_eq!(&b[40..n], &orig[..]);
        assert_eq!(encapsulate(&mut b, n, ip(ROOT), dst, 64), Err(DatapathError::NoRoom));
        let m = decapsulate(&mut b, n).unwrap();
        assert_eq!(&b[..m], &orig[..]);
        // Not a tunnel packet.
        assert_eq!(decapsulate(&mut b, m), Err(DatapathError::Unsupported));
        assert_eq!(&b[..m], &orig[..]);
    }

    #[test]
    fn tunnel_through_non_storing_dodag() {
        // RFC 9008 §8: a packet from the Internet to D: the root tunnels it
        // with an RH3 and an RPI, every hop forwards, D decapsulates.
        let (src, h) = (ip("2001:db8:1::5"), hops4());
        let (mut b, len) = udp_packet(src, h[3], 30, 80);
        let orig = b[..len].to_vec();
        let n = tunnel_source_routed(&mut b, len, ip(ROOT), &h, 64, rpi(true, false, 256)).unwrap();
        assert_eq!(n, len + 40 + 8 + 16);
        assert_eq!((b[NXT_HDR], b[40], b[48]), (0, 43, 41));
        assert_eq!(read_addr(&b, DST), h[0]);
        assert_eq!(&b[64..n], &orig[..]);
        let mut me = h[0];
        let mut rank = 512;
        loop {
            let hop = me;
            match process_srh(&mut b, n, |a| *a == hop) {
                SrhVerdict::Forward { next } => {
                    assert_eq!(
                        forward_rpi(&mut b, n, rank, 1, true, 0x1e),
                        RpiVerdict::Forward { rank_error: false }
                    );
                    rank += 256;
                    me = next;
                }
                SrhVerdict::Local => break,
                v => panic!("{v:?}"),
            }
        }
        assert_eq!(me, h[3]);
        assert_eq!(read_rpi(&b[..n]), Some(rpi(true, false, 1024)));
        let m = decapsulate(&mut b, n).unwrap();
        assert_eq!(&b[..m], &orig[..]);
        assert_udp_intact(&b[..m], src, h[3]);
        // No room: the packet is left as it was, at every step.
        let (mut b, len) = udp_packet(src, h[3], 30, 60);
        let before = b.clone();
        assert_eq!(
            tunnel_source_routed(&mut b, len, ip(ROOT), &h, 64, rpi(true, false, 256)),
            Err(DatapathError::NoRoom)
        );
        assert_eq!(b[..len], before[..len]);
        let (mut b, len) = udp_packet(src, h[3], 30, 50);
        assert_eq!(
            tunnel_source_routed(&mut b, len, ip(ROOT), &h, 64, rpi(true, false, 256)),
            Err(DatapathError::NoRoom)
        );
        assert_eq!(b[..len], before[..len]);
        // A tunnel whose SRH still has segments left is not ours to end.
        let (mut b, len) = udp_packet(src, h[3], 30, 80);
        let n = tunnel_source_routed(&mut b, len, ip(ROOT), &h, 64, rpi(true, false, 256)).unwrap();
        assert_eq!(decapsulate(&mut b, n), Err(DatapathError::Unsupported));
        b[64] = 0x40; // inner packet version 4
        b[51] = 0;
        assert_eq!(decapsulate(&mut b, n), Err(DatapathError::Malformed));
    }

    #[test]
    fn srh_behind_destination_options() {
        // IPv6 | Destination Options (PadN 4) | RH3 | UDP: the SRH is found
        // past the options header and processed the same way.
        let (mut b, n, _) = srh_packet();
        b.copy_within(40..n, 48);
        b[40..48].copy_from_slice(&[43, 0, 1, 4, 0, 0, 0, 0]);
        b[NXT_HDR] = 60;
        let n = n + 8;
        set_payload_len(&mut b, (n - 40) as u16);
        let me = ip("2001:db8::a");
        assert_eq!(process_srh(&mut b, n, |a| *a == me), SrhVerdict::Forward { next: ip("2001:db8::b") });
        assert_eq!(b[48 + 3], 2);
        // Pointers count from the packet start: Segments Left is now at 51.
        b[51] = 9;
        assert_error(&mut b, n, &[ip("2001:db8::b")], pp(51));
        // A Hop-by-Hop header anywhere but first ends the search: delivered
        // as is (the IPv6 input rejects such a chain).
        b[40] = 0;
        b[48] = 43;
        b[NXT_HDR] = 60;
        assert_error(&mut b, n, &[ip("2001:db8::b")], SrhVerdict::Local);
    }

    #[test]
    fn payload_length_limit() {
        // A packet of 65535 payload octets cannot grow.
        let mut b = vec![0u8; 40 + 65535 + 64];
        b[0] = 0x60;
        b[NXT_HDR] = 59;
        set_payload_len(&mut b, 65535);
        let n = 40 + 65535;
        let h = ip("2001:db8::d");
        assert_eq!(encapsulate(&mut b, n, h, h, 64), Err(DatapathError::TooLong));
        assert_eq!(insert_rpi(&mut b, n, rpi(false, false, 1)), Err(DatapathError::TooLong));
        b[24..40].copy_from_slice(&h.octets());
        assert_eq!(insert_srh(&mut b, n, &[ip("2001:db8::a"), h]), Err(DatapathError::TooLong));
        assert_eq!(pl(&b), 65535);
    }

    /// Runs every function on a copy of `pkt[..n]` with spare room; none may panic.
    fn poke(pkt: &[u8], len: usize) {
        let mut room = pkt.to_vec();
        room.resize(pkt.len() + 128, 0);
        let h = hops4();
        let _ = read_rpi(&pkt[..len.min(pkt.len())]);
        let _ = insert_rpi(&mut room.clone(), len, rpi(false, false, 1));
        let _ = remove_rpi(&mut room.clone(), len);
        let _ = forward_rpi(&mut room.clone(), len, 512, 1, true, 0x1e);
        let _ = insert_srh(&mut room.clone(), len, &h);
        let _ = process_srh(&mut room.clone(), len, |a| *a == h[0]);
        let _ = process_srh(&mut room.clone(), len, |_| true);
        let _ = encapsulate(&mut room.clone(), len, h[0], h[1], 64);
        let _ = decapsulate(&mut room.clone(), len);
        let _ = tunnel_source_routed(&mut room.clone(), len, h[0], &h, 64, rpi(true, false, 1));
        // And with no room at all.
        let mut exact = pkt[..len.min(pkt.len())].to_vec();
        let l = exact.len();
        let _ = insert_rpi(&mut exact, l, rpi(false, false, 1));
        let _ = insert_srh(&mut exact, l, &h);
        let _ = process_srh(&mut exact, l, |_| true);
        let _ = encapsulate(&mut exact, l, h[0], h[1], 64);
        let _ = decapsulate(&mut exact, l);
    }

    fn valid_packets() -> Vec<Vec<u8>> {
        let h = hops4();
        let mut out = vec![];
        let (b, len) = udp_packet(ip(ROOT), h[3], 64, 0);
        out.push(b[..len].to_vec());
        let (b, n) = with_rpi(rpi(false, false, 768));
        out.push(b[..n].to_vec());
        let (b, n, _) = srh_packet();
        out.push(b[..n].to_vec());
        let (mut b, len) = udp_packet(ip(ROOT), h[3], 30, 80);
        let n = tunnel_source_routed(&mut b, len, ip(ROOT), &h, 64, rpi(true, false, 256)).unwrap();
        out.push(b[..n].to_vec());
        out
    }

    #[test]
    fn every_prefix_never_panics() {
        for p in valid_packets() {
            for n in 0..=p.len() {
                // The prefix as the whole buffer, and as `len` in a longer one.
                poke(&p[..n], n);
                poke(&p, n);
                // Payload Length fixed up to the prefix: a consistent but cut chain.
                if n >= 40 {
                    let mut q = p[..n].to_vec();
                    set_payload_len(&mut q, (n - 40) as u16);
                    poke(&q, n);
                }
            }
            // `len` past the buffer.
            let mut q = p.clone();
            assert_eq!(insert_rpi(&mut q, p.len() + 1, rpi(false, false, 1)), Err(DatapathError::Malformed));
            assert_eq!(process_srh(&mut q, p.len() + 1, |_| true), SrhVerdict::Discard);
        }
    }

    fn arb_hops() -> impl Strategy<Value = Vec<Ipv6Addr>> {
        // Distinct addresses sharing prefixes of random lengths.
        (any::<[u8; 16]>(), proptest::collection::vec((0usize..=16, any::<[u8; 16]>()), 1..7)).prop_map(
            |(base, hops)| {
                let mut v: Vec<Ipv6Addr> = vec![];
                for (k, mut o) in hops {
                    o[..k].copy_from_slice(&base[..k]);
                    o[0] = 0x20; // never multicast
                    let a = Ipv6Addr::from(o);
                    if !v.contains(&a) {
                        v.push(a);
                    }
                }
                v
            },
        )
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(
            mut b in proptest::collection::vec(any::<u8>(), 0..200),
            nh in prop_oneof![Just(0u8), Just(43), Just(41), Just(60), any::<u8>()],
            fix in any::<bool>(),
            cut in any::<usize>(),
        ) {
            if fix && b.len() >= 48 {
                b[0] = 0x60;
                b[NXT_HDR] = nh;
                let l = (b.len() - 40) as u16;
                set_payload_len(&mut b, l);
                if nh == 43 { b[42] = 3; }
            }
            let len = if b.is_empty() { 0 } else { cut % (b.len() + 1) };
            poke(&b, len);
        }

        #[test]
        fn srh_walk_any_route(hops in arb_hops(), hl in 8u8..=255) {
            let last = *hops.last().unwrap();
            let (mut b, len) = udp_packet(ip(ROOT), last, hl, 16 * 8 + 8);
            let orig = b[..len].to_vec();
            let n = insert_srh(&mut b, len, &hops).unwrap();
            prop_assert_eq!(read_addr(&b, DST), hops[0]);
            let mut me = hops[0];
            let mut seen = vec![];
            loop {
                let hop = me;
                match process_srh(&mut b, n, |a| *a == hop) {
                    SrhVerdict::Forward { next } => { seen.push(next); me = next; }
                    SrhVerdict::Local => break,
                    v => prop_assert!(false, "{:?}", v),
                }
            }
            prop_assert_eq!(&seen[..], &hops[1..]);
            prop_assert_eq!(b[HOP_LIMIT] as usize, hl as usize - seen.len());
            prop_assert_eq!(&b[n - (len - 40)..n], &orig[40..]);
            assert_udp_intact(&b[..n], ip(ROOT), last);
        }

        #[test]
        fn insert_then_remove(down in any::<bool>(), r in any::<bool>(), rank in any::<u16>(), tun in any::<bool>()) {
            let (mut b, len) = udp_packet(ip("2001:db8::2"), ip("2001:db8::9"), 64, 64);
            let orig = b[..len].to_vec();
            let n = if tun { encapsulate(&mut b, len, ip(ROOT), ip("2001:db8::9"), 9).unwrap() } else { len };
            let opt = rpi(down, r, rank);
            let m = insert_rpi(&mut b, n, opt).unwrap();
            prop_assert_eq!(read_rpi(&b[..m]), Some(opt));
            let back = if tun { decapsulate(&mut b, m).unwrap() } else { remove_rpi(&mut b, m).unwrap() };
            prop_assert_eq!(&b[..back], &orig[..]);
        }
    }
}
