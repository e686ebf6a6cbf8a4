//! The IPv6 layer of a node: addresses, routes, forwarding decisions,
//! ICMPv6 echo and errors, and IPv6 reassembly.
//!
//! Each concern is a plain state machine over caller storage:
//!
//! - [`addr`]: link-local addresses from the EUI-64 and the short address
//!   (RFC 4944 §6), global addresses from prefixes, multicast groups,
//!   source address selection.
//! - [`route`]: the routing table RPL and ND fill in, longest-prefix
//!   match, default route, on-link determination.
//! - [`forward`]: `classify` and `prepare_forward` over packet bytes.
//! - [`icmp`]: echo replies, error messages, the error rate limiter.
//! - [`reassembly`]: IPv6 Fragment header reassembly up to 1280 bytes.
//!
//! [`Interface`] bundles them with counters ([`NetStats`]); the node's
//! event loop feeds it whole IPv6 packets (after 6LoWPAN decompression and
//! reassembly) with [`Interface::ingress`] and acts on the [`Ingress`] it
//! gets back.
//!
//! ```
//! use sixlo::net::{Interface, NetConfig, Ingress, FragSlot};
//! use sixlo::time::Instant;
//! let mut iface = Interface::new(
//!     NetConfig::default(),
//!     [0x02, 0x12, 0x74, 0x01, 0, 0x01, 0x01, 0x01],
//!     [None; 2],              // global addresses
//!     [None; 2],              // joined groups
//!     [None; 4],              // routes
//!     [FragSlot::new([0u8; 1280])], // reassembly slots
//! );
//! assert_eq!(iface.addrs().link_local(), "fe80::12:7401:1:101".parse::<core::net::Ipv6Addr>().unwrap());
//! let mut junk = [0u8; 10];
//! let mut out = [0u8; 1280];
//! assert!(matches!(iface.ingress(Instant::ZERO, &mut junk, &mut out, |_| false), Ingress::Dropped(_)));
//! assert_eq!(iface.stats().bad_header, 1);
//! ```

pub mod addr;
pub mod forward;
pub mod icmp;
pub mod reassembly;
pub mod route;

use crate::bump;
use core::net::Ipv6Addr;

use crate::mac::Slots;
use crate::time::{Instant, earliest};
use crate::wire::ipv6::{self, IpProtocol};

pub use addr::{AddrEntry, AddrError, Addresses};
pub use forward::{Disposition, DropReason, LocalAddrs, classify, prepare_forward};
pub use icmp::{
    ErrorLimiter, IcmpEmitError, IcmpError, RateLimit, emit_echo_reply, emit_error, may_send_error,
};
pub use reassembly::{FragSlot, Reassembler, ReassemblyError, ReassemblyStats};
pub use route::{DefaultRoute, NextHop, Route, RouteError, RouteSource, RouteTable};

impl<G: Slots<Option<AddrEntry>>, M: Slots<Option<Ipv6Addr>>> LocalAddrs for Addresses<G, M> {
    fn is_ours(&self, addr: &Ipv6Addr) -> bool {
        Addresses::is_ours(self, addr)
    }
    fn accepts_multicast(&self, addr: &Ipv6Addr) -> bool {
        Addresses::accepts_multicast(self, addr)
    }
}

/// IPv6 layer parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetConfig {
    /// Whether we forward packets (an RPL router or 6LR) or not (a host,
    /// an RPL leaf).
    pub router: bool,
    /// The hop limit of packets we originate (64, RFC 8200 / IANA default).
    pub hop_limit: u8,
    /// The ICMPv6 error rate limit.
    pub rate_limit: RateLimit,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig { router: true, hop_limit: 64, rate_limit: RateLimit::default() }
    }
}

/// Counters of the IPv6 layer (saturating).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NetStats {
    /// Packets passed to [`Interface::ingress`].
    pub rx_packets: u32,
    /// Packets (and reassembled datagrams) delivered locally, echo
    /// requests answered included.
    pub delivered: u32,
    /// Packets handed back for forwarding.
    pub forwarded: u32,
    /// Packets dropped because their hop limit ran out.
    pub hop_limit_exceeded: u32,
    /// Packets dropped for lack of a route.
    pub no_route: u32,
    /// Packets for another node (or group) that we do not forward, link
    /// scope or unspecified sources included.
    pub not_for_us: u32,
    /// Packets with an invalid header.
    pub bad_header: u32,
    /// Datagrams reassembled.
    pub reassembled: u32,
    /// Fragments dropped or datagrams abandoned by reassembly (timeouts
    /// included).
    pub reassembly_drops: u32,
    /// Echo replies sent.
    pub echo_replies: u32,
    /// ICMPv6 errors built.
    pub icmp_errors_sent: u32,
    /// ICMPv6 errors suppressed by the rate limiter.
    pub icmp_errors_suppressed: u32,
}

/// What [`Interface`] counts itself: [`NetStats`] but `reassembled`,
/// which is the reassembler's own count ([`ReassemblyStats::reassembled`],
/// not kept twice).
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    rx_packets: u32,
    delivered: u32,
    forwarded: u32,
    hop_limit_exceeded: u32,
    no_route: u32,
    not_for_us: u32,
    bad_header: u32,
    reassembly_drops: u32,
    echo_replies: u32,
    icmp_errors_sent: u32,
    icmp_errors_suppressed: u32,
}

/// What the node does with a received packet.
#[derive(Debug, PartialEq, Eq)]
pub enum Ingress<'a> {
    /// For us: hand this IPv6 packet (the received one, or a reassembled
    /// datagram) to the upper layers (UDP, ND, RPL, ...).
    Deliver(&'a [u8]),
    /// Forward the packet, its hop limit already decremented in place, to
    /// the neighbour `next_hop` (the destination itself when on-link).
    Forward {
        /// The link-layer neighbour to send it to.
        next_hop: Ipv6Addr,
    },
    /// Send the `len`-byte IPv6 packet written at the start of `out` (an
    /// echo reply or an ICMPv6 error) back towards its destination.
    Send {
        /// Length of the packet in `out`.
        len: usize,
    },
    /// A fragment kept for reassembly.
    Held,
    /// Dropped (and counted).
    Dropped(DropReason),
}

/// The IPv6 layer of one interface: addresses + multicast groups + routes
/// + reassembly + the ICMPv6 error limiter + counters.
///
/// Type parameters are the storages: `G` global addresses
/// (`[Option<AddrEntry>; N]`), `M` joined groups (`[Option<Ipv6Addr>; N]`),
/// `R` routes (`[Option<Route>; N]`), `B` a reassembly buffer
/// (`[u8; 1280]` or `&mut [u8]`) and `F` the reassembly slots
/// (`[FragSlot<B>; N]`).
#[derive(Debug)]
pub struct Interface<G, M, R, B, F>
where
    G: Slots<Option<AddrEntry>>,
    M: Slots<Option<Ipv6Addr>>,
    R: Slots<Option<Route>>,
    B: AsRef<[u8]> + AsMut<[u8]>,
    F: Slots<FragSlot<B>>,
{
    /// [`NetConfig::router`]; its rate limit is the limiter's (not kept
    /// twice).
    router: bool,
    /// [`NetConfig::hop_limit`].
    hop_limit: u8,
    addrs: Addresses<G, M>,
    routes: RouteTable<R>,
    reassembler: Reassembler<B, F>,
    limiter: ErrorLimiter,
    stats: Counters,
}

impl<G, M, R, B, F> Interface<G, M, R, B, F>
where
    G: Slots<Option<AddrEntry>>,
    M: Slots<Option<Ipv6Addr>>,
    R: Slots<Option<Route>>,
    B: AsRef<[u8]> + AsMut<[u8]>,
    F: Slots<FragSlot<B>>,
{
    /// An interface for the node with this EUI-64, over the given storage.
    pub fn new(config: NetConfig, eui64: [u8; 8], globals: G, groups: M, routes: R, frag_slots: F) -> Self {
        Interface {
            router: config.router,
            hop_limit: config.hop_limit,
            addrs: Addresses::new(eui64, globals, groups),
            routes: RouteTable::new(routes),
            reassembler: Reassembler::new(frag_slots),
            limiter: ErrorLimiter::new(config.rate_limit),
            stats: Counters::default(),
        }
    }

    /// The configuration (the rate limit as the limiter keeps it: see
    /// [`ErrorLimiter`]).
    pub fn config(&self) -> NetConfig {
        NetConfig { router: self.router, hop_limit: self.hop_limit, rate_limit: self.limiter.config() }
    }
    /// Turns forwarding on or off (e.g. RPL leaf mode).
    pub fn set_router(&mut self, router: bool) {
        self.router = router;
    }
    /// Answers in place an Echo Request to one of our unicast addresses
    /// (with at most a Hop-by-Hop header, e.g. an RPL option, before the
    /// ICMPv6 message), the `len`-byte packet at the start of `buf`: for a
    /// node with no room for the reply elsewhere. The reply's length, or
    /// `None` (nothing changed) when it is not such a request.
    pub fn echo_in_place(&mut self, buf: &mut [u8], len: usize) -> Option<usize> {
        let p = ipv6::Packet::new_checked(buf.get(..len)?).ok()?;
        let dst = p.dst_addr();
        if !matches!(p.next_header(), IpProtocol::Icmpv6 | IpProtocol::HopByHop) || !self.addrs.is_ours(&dst)
        {
            return None;
        }
        // The rest (an Echo Request after the headers) is checked there.
        let n = icmp::echo_reply_in_place(dst, self.config().hop_limit, buf, len).ok()?;
        bump(&mut self.stats.rx_packets);
        bump(&mut self.stats.delivered);
        bump(&mut self.stats.echo_replies);
        Some(n)
    }

    /// Our addresses and groups.
    pub fn addrs(&self) -> &Addresses<G, M> {
        &self.addrs
    }
    /// Our addresses and groups, to add prefixes or join groups.
    pub fn addrs_mut(&mut self) -> &mut Addresses<G, M> {
        &mut self.addrs
    }
    /// The routing table.
    pub fn routes(&self) -> &RouteTable<R> {
        &self.routes
    }
    /// The routing table, for RPL / ND / the application to fill in.
    pub fn routes_mut(&mut self) -> &mut RouteTable<R> {
        &mut self.routes
    }
    /// The reassembler (for its own counters).
    pub fn reassembler(&self) -> &Reassembler<B, F> {
        &self.reassembler
    }
    /// The counters.
    pub fn stats(&self) -> NetStats {
        let c = &self.stats;
        NetStats {
            rx_packets: c.rx_packets,
            delivered: c.delivered,
            forwarded: c.forwarded,
            hop_limit_exceeded: c.hop_limit_exceeded,
            no_route: c.no_route,
            not_for_us: c.not_for_us,
            bad_header: c.bad_header,
            reassembled: self.reassembler.stats().reassembled,
            reassembly_drops: c.reassembly_drops,
            echo_replies: c.echo_replies,
            icmp_errors_sent: c.icmp_errors_sent,
            icmp_errors_suppressed: c.icmp_errors_suppressed,
        }
    }

    /// Where to send a packet for `dst` (see [`RouteTable::resolve`]).
    pub fn route(&self, dst: &Ipv6Addr, is_neighbour: impl FnOnce(&Ipv6Addr) -> bool) -> NextHop {
        self.routes.resolve(dst, is_neighbour)
    }

    /// Processes one received IPv6 packet (already decompressed and
    /// 6LoWPAN-reassembled). `out` receives any packet to send back (an
    /// echo reply or an ICMPv6 error: [`Ingress::Send`]); `is_neighbour`
    /// tells on-link destinations (the ND neighbour table).
    pub fn ingress<'a>(
        &'a mut self,
        now: Instant,
        packet: &'a mut [u8],
        out: &mut [u8],
        is_neighbour: impl FnOnce(&Ipv6Addr) -> bool,
    ) -> Ingress<'a> {
        self.ingress_with(now, packet, out, is_neighbour, |_| None)
    }

    /// [`Interface::ingress`] with a second routing source: `fallback`
    /// gives the next hop for a destination the table has no route for
    /// (RPL's downward routes and default route).
    pub fn ingress_with<'a>(
        &'a mut self,
        now: Instant,
        packet: &'a mut [u8],
        out: &mut [u8],
        is_neighbour: impl FnOnce(&Ipv6Addr) -> bool,
        fallback: impl FnOnce(&Ipv6Addr) -> Option<Ipv6Addr>,
    ) -> Ingress<'a> {
        bump(&mut self.stats.rx_packets);
        match classify(&self.addrs, self.router, packet) {
            Disposition::Local => {
                if !reassembly::is_fragment(packet) {
                    return self.local(packet, out);
                }
                match self.reassembler.accept(now, packet) {
                    Ok(Some(dg)) => {
                        // Counted by the reassembler (`reassembled`).
                        Self::deliver(&mut self.stats, &self.addrs, self.hop_limit, dg, out)
                    }
                    Ok(None) => Ingress::Held,
                    Err(_) => {
                        bump(&mut self.stats.reassembly_drops);
                        Ingress::Dropped(DropReason::Reassembly)
                    }
                }
            }
            Disposition::Forward => {
                let dst = ipv6::Packet::new_unchecked(&*packet).dst_addr();
                let next_hop = match self.routes.resolve(&dst, is_neighbour) {
                    NextHop::OnLink => dst,
                    NextHop::Via(nh) => nh,
                    NextHop::NoRoute => match fallback(&dst) {
                        Some(nh) => nh,
                        None => {
                            bump(&mut self.stats.no_route);
                            return self.error_or_drop(now, IcmpError::NO_ROUTE, packet, out);
                        }
                    },
                };
                match prepare_forward(packet) {
                    Ok(()) => {
                        bump(&mut self.stats.forwarded);
                        Ingress::Forward { next_hop }
                    }
                    Err(e) => {
                        bump(&mut self.stats.hop_limit_exceeded);
                        self.error_or_drop(now, e, packet, out)
                    }
                }
            }
            Disposition::Drop(reason) => {
                match reason {
                    DropReason::BadHeader => bump(&mut self.stats.bad_header),
                    _ => bump(&mut self.stats.not_for_us),
                }
                Ingress::Dropped(reason)
            }
        }
    }

    fn local<'a>(&mut self, packet: &'a [u8], out: &mut [u8]) -> Ingress<'a> {
        Self::deliver(&mut self.stats, &self.addrs, self.hop_limit, packet, out)
    }

    /// Delivers `dg`, answering it first when it is an echo request.
    fn deliver<'a>(
        stats: &mut Counters,
        addrs: &Addresses<G, M>,
        hop_limit: u8,
        dg: &'a [u8],
        out: &mut [u8],
    ) -> Ingress<'a> {
        bump(&mut stats.delivered);
        let p = ipv6::Packet::new_unchecked(dg);
        // RFC 4443 §4.1: every node MUST answer Echo Requests (after any
        // extension headers: an RPL option, a spent source route).
        let echo = match p.next_header() {
            IpProtocol::Icmpv6 => p.payload().first() == Some(&128),
            nh => ipv6::upper_layer(nh, p.payload()).is_ok_and(|u| {
                u.protocol == IpProtocol::Icmpv6
                    && u.fragment.is_none()
                    && p.payload().get(u.offset) == Some(&128)
            }),
        };
        if echo {
            let (src, dst) = (p.src_addr(), p.dst_addr());
            // RFC 4443 §4.2: to a multicast request, reply from a unicast address.
            let from = if dst.is_multicast() { addrs.select_source(&src) } else { Some(dst) };
            if let Some(from) = from {
                if let Ok(len) = emit_echo_reply(from, hop_limit, dg, out) {
                    bump(&mut stats.echo_replies);
                    return Ingress::Send { len };
                }
            }
        }
        Ingress::Deliver(dg)
    }

    #[inline(never)]
    fn error_or_drop<'a>(
        &mut self,
        now: Instant,
        err: IcmpError,
        invoking: &[u8],
        out: &mut [u8],
    ) -> Ingress<'a> {
        match self.send_error(now, err, invoking, out) {
            Some(len) => Ingress::Send { len },
            None => Ingress::Dropped(match err {
                IcmpError::TimeExceeded(_) => DropReason::HopLimit,
                IcmpError::DstUnreachable(_) => DropReason::NoRoute,
                _ => DropReason::BadHeader,
            }),
        }
    }

    /// Builds the ICMPv6 error `err` about `invoking` into `out` when RFC
    /// 4443 §2.4(e) allows it and the rate limiter has a token; returns the
    /// packet's length. Used by the upper layers too (Port Unreachable,
    /// Parameter Problem). The source is chosen by
    /// [`Addresses::select_source`] (link-local as a fallback).
    pub fn send_error(
        &mut self,
        now: Instant,
        err: IcmpError,
        invoking: &[u8],
        out: &mut [u8],
    ) -> Option<usize> {
        if !may_send_error(invoking, &err) {
            return None;
        }
        if !self.limiter.try_send(now) {
            bump(&mut self.stats.icmp_errors_suppressed);
            return None;
        }
        let to = ipv6::Packet::new_unchecked(invoking).src_addr();
        let from = self.addrs.select_source(&to).unwrap_or(self.addrs.link_local());
        let len = emit_error(from, self.hop_limit, &err, invoking, out).ok()?;
        bump(&mut self.stats.icmp_errors_sent);
        Some(len)
    }

    /// Expires addresses, routes and reassemblies.
    pub fn poll(&mut self, now: Instant) {
        self.addrs.poll(now);
        self.routes.poll(now);
        let n = self.reassembler.poll(now);
        self.stats.reassembly_drops = self.stats.reassembly_drops.saturating_add(n as u32);
    }

    /// The next deadline of the tables.
    pub fn poll_at(&self) -> Option<Instant> {
        earliest(earliest(self.addrs.poll_at(), self.routes.poll_at()), self.reassembler.poll_at())
    }
}
