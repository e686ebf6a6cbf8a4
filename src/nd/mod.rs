//! 6LoWPAN Neighbor Discovery (RFC 6775, updated by RFC 8505; RFC 4861 where
//! RFC 6775 defers to it), sans-IO.
//!
//! The module never touches bytes on the air. The Node parses an ICMPv6
//! message into a [`wire::ndisc::Repr`](crate::wire::ndisc::Repr), wraps it
//! in an [`NdInput`] with the IPv6 source / destination / hop limit and the
//! link-layer source of the frame, and hands it to the [`Host`] or the
//! [`Router`]. What they want to send comes back as [`Transmit`] values
//! (IPv6 source and destination, link-layer destination, and an
//! [`NdMessage`]) that the Node turns into bytes with [`Transmit::emit`]
//! (an ICMPv6 message with its checksum, via `wire::icmpv6`).
//!
//! - [`neighbor`]: the neighbour cache / registration table (RFC 6775 §3.5).
//! - [`host`]: the 6LN role (RFC 6775 §5): RS, RA processing, address
//!   registration with NS+EARO.
//! - [`router`]: the 6LR role (RFC 6775 §6): unicast RA, NA+EARO, NCE
//!   lifetimes.
//!
//! Timers: both roles expose `poll_at()` and do their timed work in
//! `poll(now, ..)`. Randomness (the RS start delay) comes from a
//! caller-owned [`Rng`](crate::mac::Rng).

pub mod host;
pub mod neighbor;
pub mod router;

use core::net::Ipv6Addr;

pub use self::host::{Host, HostConfig, HostEvent};
pub use self::neighbor::{Neighbor, NeighborState, NeighborTable, Rovr};
pub use self::router::{AbroConfig, AdvContexts, AdvPrefixes, Router, RouterAddrs, RouterConfig};

use crate::time::Duration;
use crate::wire::icmpv6;
use crate::wire::ieee802154::Address;
use crate::wire::ndisc::{
    self, AddressRegistration, ArStatus, AuthoritativeBorderRouter, LinkLayerAddress, NdiscOption,
    NeighborFlags, Options, RouterFlags, SixLowpanContext,
};
use crate::wire::{Error, Result};

/// RFC 6775 §9 / RFC 4861 §10: the ND protocol constants this module uses.
pub mod consts {
    use crate::time::Duration;

    /// RFC 6775 §9: RTR_SOLICITATION_INTERVAL, 10 s between the first RSs.
    pub const RTR_SOLICITATION_INTERVAL: Duration = Duration::from_secs(10);
    /// RFC 6775 §9: MAX_RTR_SOLICITATIONS, RSs at the fixed interval before
    /// the backoff starts.
    pub const MAX_RTR_SOLICITATIONS: u8 = 3;
    /// RFC 6775 §9: MAX_RTR_SOLICITATION_INTERVAL, the backoff cap (60 s).
    pub const MAX_RTR_SOLICITATION_INTERVAL: Duration = Duration::from_secs(60);
    /// RFC 4861 §10: MAX_RTR_SOLICITATION_DELAY, the random delay before the
    /// first RS (1 s).
    pub const MAX_RTR_SOLICITATION_DELAY: Duration = Duration::from_secs(1);
    /// RFC 4861 §10: RetransTimer, 1 s between unicast NS.
    pub const RETRANS_TIMER: Duration = Duration::from_secs(1);
    /// RFC 4861 §10: MAX_UNICAST_SOLICIT, NS transmissions before a
    /// neighbour is deemed unreachable.
    pub const MAX_UNICAST_SOLICIT: u8 = 3;
    /// RFC 6775 §9: TENTATIVE_NCE_LIFETIME, 20 s.
    pub const TENTATIVE_NCE_LIFETIME: Duration = Duration::from_secs(20);
    /// RFC 4861 §10: REACHABLE_TIME, 30 s (without the random factor).
    pub const REACHABLE_TIME: Duration = Duration::from_secs(30);
    /// The registration lifetime unit (RFC 6775 §4.1: "units of 60
    /// seconds").
    pub const LIFETIME_UNIT: Duration = Duration::from_secs(60);
}

/// ff02::2, all routers (RFC 4291 §2.7.1): the destination of RS.
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
/// ff02::1, all nodes.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Largest number of prefixes (PIO) a router advertises and a host keeps.
pub const MAX_PREFIXES: usize = 4;
/// Largest number of contexts (6CO) a router advertises and a host keeps at
/// once (any of RFC 6282's 16 CIDs). A network using more than 4 is rare
/// and each slot costs RAM (19 bytes, 21 in a router, 23 in a host);
/// `node::RouterSettings` holds 4 too. A host that is offered a fifth CID
/// ignores it and counts it in [`NdStats::contexts_full`].
pub const MAX_CONTEXTS: usize = 4;
/// Largest number of options in one message built by this module
/// (SLLAO + PIOs + 6COs + ABRO, or SLLAO + ARO).
const MAX_OPTIONS: usize = 2 + MAX_PREFIXES + MAX_CONTEXTS;

/// The interface identifier from an EUI-64 (RFC 4291 appendix A, RFC 4944
/// §6: flip the universal/local bit).
pub fn iid_from_eui64(eui64: [u8; 8]) -> [u8; 8] {
    let mut iid = eui64;
    iid[0] ^= 0x02;
    iid
}

/// `prefix` (its first 64 bits) followed by `iid`.
pub fn addr_from_prefix(prefix: Ipv6Addr, iid: [u8; 8]) -> Ipv6Addr {
    let mut a = prefix.octets();
    a[8..].copy_from_slice(&iid);
    Ipv6Addr::from(a)
}

/// fe80::IID, the link-local address of a node with this EUI-64.
pub fn link_local_from_eui64(eui64: [u8; 8]) -> Ipv6Addr {
    addr_from_prefix(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), iid_from_eui64(eui64))
}

/// A received ND message with what the Node knows about its packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdInput<'a> {
    /// IPv6 source address.
    pub src: Ipv6Addr,
    /// IPv6 destination address.
    pub dst: Ipv6Addr,
    /// IPv6 hop limit (RFC 4861 §6.1: ND messages with another value than
    /// 255 are dropped).
    pub hop_limit: u8,
    /// The link-layer source of the 802.15.4 frame.
    pub ll_src: Address,
    /// The parsed message.
    pub repr: ndisc::Repr<'a>,
}

/// The (E)ARO carried by a message this module sends, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aro {
    /// Status (0 in NS).
    pub status: ArStatus,
    /// Transaction ID; the T flag is set (RFC 8505 §4.1).
    pub tid: u8,
    /// Lifetime in units of 60 s (0: de-register).
    pub lifetime: u16,
    /// The ROVR, the registrant's EUI-64 (RFC 6775 §4.1).
    pub rovr: Rovr,
}

impl Aro {
    fn option(&self) -> NdiscOption<'_> {
        NdiscOption::AddressRegistration(AddressRegistration {
            status: self.status,
            opaque: 0,
            i: 0,
            r: false,
            t: true,
            tid: self.tid,
            lifetime: self.lifetime,
            rovr: &self.rovr.0,
        })
    }
}

/// An ND message to send. RAs borrow their prefixes and contexts from the
/// router's configuration (its contexts are the table the node compresses
/// with: one copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdMessage<'a> {
    /// Router Solicitation with SLLAO (RFC 6775 §5.3).
    RouterSolicit {
        /// Our link-layer address (SLLAO).
        sllao: Address,
    },
    /// Router Advertisement (RFC 6775 §6.5.3).
    RouterAdvert {
        /// Cur hop limit (0: unspecified).
        hop_limit: u8,
        /// Router lifetime in seconds.
        router_lifetime: u16,
        /// The router's link-layer address (SLLAO).
        sllao: Address,
        /// PIOs.
        prefixes: &'a AdvPrefixes,
        /// 6COs: every context of the table, with its valid lifetime.
        contexts: &'a AdvContexts,
        /// ABRO (RFC 6775 §4.3), when the router knows its 6LBR.
        abro: Option<AuthoritativeBorderRouter>,
    },
    /// Neighbor Solicitation, with SLLAO and (for registration) an ARO.
    NeighborSolicit {
        /// Target address (the registered address with an ARO).
        target: Ipv6Addr,
        /// SLLAO.
        sllao: Option<Address>,
        /// (E)ARO.
        aro: Option<Aro>,
    },
    /// Neighbor Advertisement, with TLLAO and/or an ARO.
    NeighborAdvert {
        /// R/S/O flags.
        flags: NeighborFlags,
        /// Target address.
        target: Ipv6Addr,
        /// TLLAO.
        tllao: Option<Address>,
        /// (E)ARO with the status.
        aro: Option<Aro>,
    },
}

/// A message to send: the Node emits `msg` in an IPv6 packet from `src` to
/// `dst` with hop limit 255 (RFC 4861 §6.1), in a frame to `ll_dst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit<'a> {
    /// IPv6 source address.
    pub src: Ipv6Addr,
    /// IPv6 destination address.
    pub dst: Ipv6Addr,
    /// Link-layer destination (broadcast 0xffff for multicast).
    pub ll_dst: Address,
    /// The message.
    pub msg: NdMessage<'a>,
}

/// The IPv6 hop limit of every ND message (RFC 4861 §4).
pub const HOP_LIMIT: u8 = 255;

impl Transmit<'_> {
    /// Builds the `wire::ndisc::Repr` of the message (options on the stack)
    /// and passes it to `f`.
    pub fn with_repr<R>(&self, f: impl FnOnce(&ndisc::Repr<'_>) -> R) -> R {
        let mut opts = [NdiscOption::Mtu(0); MAX_OPTIONS];
        f(&self.repr(&mut opts))
    }

    /// Builds the `wire::ndisc::Repr` with its options in `opts`. Not
    /// generic, so that every caller of [`Transmit::with_repr`] shares it.
    #[inline(never)]
    fn repr<'o>(&'o self, opts: &'o mut [NdiscOption<'o>; MAX_OPTIONS]) -> ndisc::Repr<'o> {
        let mut n = 0;
        let mut push = |o| {
            if let Some(slot) = opts.get_mut(n) {
                *slot = o;
                n += 1;
            }
        };
        let lla = |a: Address| LinkLayerAddress::Ieee802154(a);
        match &self.msg {
            NdMessage::RouterSolicit { sllao } => push(NdiscOption::SourceLinkLayerAddr(lla(*sllao))),
            NdMessage::RouterAdvert { sllao, prefixes, contexts, abro, .. } => {
                push(NdiscOption::SourceLinkLayerAddr(lla(*sllao)));
                for p in prefixes.iter().take(MAX_PREFIXES) {
                    push(NdiscOption::PrefixInformation(p));
                }
                for (cid, c, valid_lifetime) in contexts.iter() {
                    push(NdiscOption::SixLowpanContext(SixLowpanContext {
                        context_len: c.prefix_len,
                        compression: c.compress,
                        cid,
                        valid_lifetime,
                        prefix: c.prefix,
                    }));
                }
                if let Some(a) = abro {
                    push(NdiscOption::AuthoritativeBorderRouter(*a));
                }
            }
            NdMessage::NeighborSolicit { sllao, aro, .. } => {
                if let Some(a) = sllao {
                    push(NdiscOption::SourceLinkLayerAddr(lla(*a)));
                }
                if let Some(a) = aro {
                    push(a.option());
                }
            }
            NdMessage::NeighborAdvert { tllao, aro, .. } => {
                if let Some(a) = tllao {
                    push(NdiscOption::TargetLinkLayerAddr(lla(*a)));
                }
                if let Some(a) = aro {
                    push(a.option());
                }
            }
        }
        let options = Options::List(&opts[..n]);
        match self.msg {
            NdMessage::RouterSolicit { .. } => ndisc::Repr::RouterSolicit { options },
            NdMessage::RouterAdvert { hop_limit, router_lifetime, .. } => ndisc::Repr::RouterAdvert {
                hop_limit,
                flags: RouterFlags(0),
                router_lifetime,
                reachable_time: 0,
                retrans_time: 0,
                options,
            },
            NdMessage::NeighborSolicit { target, .. } => {
                ndisc::Repr::NeighborSolicit { target_addr: target, options }
            }
            NdMessage::NeighborAdvert { flags, target, .. } => {
                ndisc::Repr::NeighborAdvert { flags, target_addr: target, options }
            }
        }
    }

    /// The length of the ICMPv6 message (header and checksum included).
    pub fn icmpv6_len(&self) -> usize {
        self.with_repr(|r| icmpv6::Repr::Ndisc(*r).buffer_len())
    }

    /// Writes the ICMPv6 message, checksum filled for `src` -> `dst`, at the
    /// start of `buf`; returns its length. `Error::Truncated` when `buf` is
    /// shorter than [`Transmit::icmpv6_len`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        self.with_repr(|r| {
            let icmp = icmpv6::Repr::Ndisc(*r);
            let len = icmp.buffer_len();
            let out = buf.get_mut(..len).ok_or(Error::Truncated)?;
            icmp.emit(&self.src, &self.dst, out);
            Ok(len)
        })
    }
}

/// ND counters, readable by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NdStats {
    /// Router Solicitations sent.
    pub rs_sent: u32,
    /// Router Solicitations received.
    pub rs_received: u32,
    /// Router Advertisements sent.
    pub ra_sent: u32,
    /// Router Advertisements received.
    pub ra_received: u32,
    /// Neighbor Solicitations sent.
    pub ns_sent: u32,
    /// Neighbor Solicitations received.
    pub ns_received: u32,
    /// Neighbor Advertisements sent.
    pub na_sent: u32,
    /// Neighbor Advertisements received.
    pub na_received: u32,
    /// Registrations that succeeded (router: accepted; host: confirmed).
    pub reg_ok: u32,
    /// Registrations refused as duplicates (status 1).
    pub reg_duplicate: u32,
    /// Registrations refused for a full cache (status 2).
    pub reg_full: u32,
    /// De-registrations (lifetime 0) processed or sent.
    pub dereg: u32,
    /// Registrations / routers / prefixes / contexts whose lifetime expired.
    pub expired: u32,
    /// Messages dropped as invalid (hop limit, source, missing options).
    pub bad: u32,
    /// Messages that need no action from this role (e.g. an RS at a host).
    pub ignored: u32,
    /// Host events dropped because the event queue was full.
    pub events_dropped: u32,
    /// Host: 6COs for a new CID ignored because the context table was full
    /// ([`MAX_CONTEXTS`]).
    pub contexts_full: u32,
}

/// `lifetime` minutes as a [`Duration`].
fn minutes(lifetime: u16) -> Duration {
    Duration::from_secs(u64::from(lifetime) * 60)
}

/// The 802.15.4 address of the first SLLAO in `options`, if any. Out of
/// line: the option walk is shared by the RS and NS paths of both roles.
#[inline(never)]
fn sllao_of(options: &Options<'_>) -> Option<Address> {
    lla_of(options.source_lladdr())
}

/// The 802.15.4 address of an SLLAO / TLLAO, if it is one.
fn lla_of(l: Option<LinkLayerAddress<'_>>) -> Option<Address> {
    match l {
        Some(LinkLayerAddress::Ieee802154(a)) if a != Address::Absent => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iid_and_link_local() {
        let eui = [0x00, 0x12, 0x4b, 0x00, 0x01, 0x02, 0x03, 0x04];
        assert_eq!(iid_from_eui64(eui), [0x02, 0x12, 0x4b, 0x00, 0x01, 0x02, 0x03, 0x04]);
        assert_eq!(link_local_from_eui64(eui), "fe80::212:4b00:102:304".parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            addr_from_prefix("2001:db8:1:2::".parse().unwrap(), [0, 0, 0, 0, 0, 0, 0, 9]),
            "2001:db8:1:2::9".parse::<Ipv6Addr>().unwrap()
        );
    }

    #[test]
    fn emit_ns_aro_bytes() {
        let eui = [0x00, 0x12, 0x4b, 0x00, 0x01, 0x02, 0x03, 0x04];
        let t = Transmit {
            src: "fe80::212:4b00:102:304".parse().unwrap(),
            dst: "fe80::1".parse().unwrap(),
            ll_dst: Address::Extended([2; 8]),
            msg: NdMessage::NeighborSolicit {
                target: "fe80::212:4b00:102:304".parse().unwrap(),
                sllao: Some(Address::Extended(eui)),
                aro: Some(Aro { status: ArStatus::Success, tid: 7, lifetime: 15, rovr: Rovr(eui) }),
            },
        };
        let mut buf = [0u8; 128];
        let n = t.emit(&mut buf).unwrap();
        // 4 ICMPv6 + 20 NS + 16 SLLAO + 16 EARO.
        assert_eq!(n, 56);
        assert_eq!(t.icmpv6_len(), 56);
        assert_eq!(&buf[..2], &[135, 0]);
        assert_eq!(&buf[24..40], &[1, 2, 0x00, 0x12, 0x4b, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&buf[40..56], &[33, 2, 0, 0, 0x01, 7, 0, 15, 0x00, 0x12, 0x4b, 0, 1, 2, 3, 4]);
        let p = icmpv6::Packet::new_checked(&buf[..n]).unwrap();
        assert!(p.verify_checksum(&t.src, &t.dst));
        assert_eq!(t.emit(&mut buf[..55]), Err(Error::Truncated));
    }
}
