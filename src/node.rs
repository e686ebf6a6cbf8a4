//! `Node`: the event loop that ties the layers together.
//!
//! ```text
//! loop {
//!     node.poll(now, &mut radio);      // bounded work: rx, timers, tx
//!     let wake = node.poll_at();        // next deadline
//!     sleep_until_irq_or(wake);         // firmware sleeps; the simulator jumps
//! }
//! ```
//!
//! The node owns no memory of its own: every table, queue and buffer comes
//! from [`NodeStorage`], so each node chooses its capacities at run time
//! (a leaf needs two neighbours, a root thousands of routes) and firmware
//! can give it `static` storage. `poll` never panics and never blocks; what
//! it cannot handle it drops and counts in [`NodeStats`].
//!
//! The node itself only glues: the MAC ([`crate::mac`]), the 6LoWPAN
//! adaptation layer ([`crate::lowpan`]), IPv6 ([`crate::net`]), 6LoWPAN-ND
//! ([`crate::nd`]) and UDP sockets ([`crate::socket`]) each keep their own
//! state and counters.
//!
//! # Buffers
//!
//! - `packet` (1280 bytes for full-size datagrams) holds the one datagram
//!   being sent: a UDP datagram from a socket, a reply, a forwarded packet,
//!   an ND message. While its fragments go out, nothing else can be sent:
//!   sockets keep their queues, and replies or packets to forward that
//!   arrive meanwhile are dropped and counted (`tx_busy`).
//! - 6LoWPAN reassembly happens in the slots' buffers, or, when the slots
//!   have none, in `packet` above the datagram going out (see
//!   [`NodeStorage::lowpan_reassembly`]). A datagram reassembled there
//!   moves to the start of the buffer when it is free, so it is forwarded
//!   in place; an Echo Request too long for a reply beside it is answered
//!   in place.
//! - `rx` holds a packet decompressed from a single frame, and a first
//!   fragment's decompressed headers on their way to the reassembler:
//!   [`MAX_SINGLE_FRAME_PACKET`](crate::lowpan::MAX_SINGLE_FRAME_PACKET)
//!   (242) bytes hold every packet one frame carries whose extension
//!   headers follow RFC 8200 §4.1 (longer chains of repeated headers are
//!   refused and counted); reassembled packets are processed where the
//!   6LoWPAN reassembler put them. It cannot share the packet buffer or the
//!   reassembly pool, which a datagram going out or coming in may fill.

use crate::bump;
use crate::fifo::Ring;
use core::net::Ipv6Addr;

use crate::lowpan::adapt::Got;
use crate::lowpan::frag::{Reassembler as LowpanReassembler, ReassemblySlot};
use crate::lowpan::{Context, Contexts, Encoded, MAX_COMPRESSED_HEADERS, Receiver, encode};
use crate::mac::{DedupEntry, LinkStats, Mac, MacConfig, MacStats, Rng, RxAction, TxOutcome, TxSlot};
use crate::nd::{
    self, AbroConfig, Host, HostConfig, HostEvent, NdInput, Neighbor, Router, RouterAddrs, RouterConfig,
};

use crate::net::{AddrEntry, FragSlot, Ingress, Interface, NetConfig, NetStats, NextHop, Route};
use crate::radio::{MAX_PSDU_LEN, Radio};
use crate::rpl::dag::Role as RplDagRole;
use crate::rpl::datapath::{self, RpiVerdict, SrhVerdict};
use crate::rpl::instance::{MAX_SOURCE_ROUTE, with_iid};
use crate::rpl::{Control, ParentEntry, Rpl, RplConfig, RplEvent, RplRole, RxMeta};
use crate::socket::udp::{Delivery, Endpoint, UdpSocket};
use crate::socket::{AddError, SocketHandle, SocketSet, SocketSlot};
use crate::time::{Duration, Instant, earliest};
use crate::wire::ieee802154::{Address, FrameType};
use crate::wire::ipv6::options::RplOption;
use crate::wire::ipv6::{self, AddressExt, IpProtocol};
use crate::wire::ndisc::{PrefixInfoFlags, PrefixInformation};
use crate::wire::{icmpv6, udp};

/// Frames taken from the radio in one `poll`: bounds the work per call.
const RX_BUDGET: usize = 4;
/// Datagrams taken from sockets or ND in one `poll`.
const TX_BUDGET: usize = 2;
/// The 802.15.4 FCS, appended by the radio.
const FCS_LEN: usize = 2;
/// Events kept for the user; older ones are dropped (and counted) when full.
const EVENT_CAPACITY: usize = 4;

/// What the node is in 6LoWPAN-ND terms (RFC 6775 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A 6LoWPAN node: solicits routers, registers its addresses.
    Host,
    /// A 6LoWPAN router: answers RS and NS+ARO, keeps registrations,
    /// forwards, announces its prefixes and contexts.
    Router(RouterSettings),
}

/// What a router announces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouterSettings {
    /// Prefixes (address, length ≤ 64) announced with the A flag: the
    /// router forms its own address in each, and hosts do too.
    pub prefixes: heapless::Vec<(Ipv6Addr, u8), { nd::MAX_PREFIXES }>,
    /// 6LoWPAN contexts (CID, prefix, length) used for compression and
    /// announced in 6CO options.
    pub contexts: heapless::Vec<(u8, Ipv6Addr, u8), { nd::MAX_CONTEXTS }>,
    /// Router lifetime in RAs, seconds (0: the RFC 6775 default of 1800).
    pub router_lifetime: u16,
}

/// A node's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// The radio's EUI-64 (the extended address).
    pub eui64: [u8; 8],
    /// A 16-bit short address, if the node uses one on the air.
    pub short_address: Option<[u8; 2]>,
    /// The PAN ID.
    pub pan_id: u16,
    /// Host or router.
    pub role: Role,
    /// Seed of the node's one PRNG (MAC sequence numbers and CSMA
    /// backoffs, ND and RPL jitter, datagram tags).
    pub seed: u64,
    /// MAC parameters; its addresses and PAN ID are taken from the fields
    /// above.
    pub mac: MacConfig,
    /// IPv6 parameters; `router` is taken from the role.
    pub net: NetConfig,
    /// Hosts: the registration lifetime asked for in NS+ARO, minutes
    /// (RFC 6775 §4.1; `None`: the default of 15). Ignored by routers.
    pub registration_lifetime_minutes: Option<u16>,
    /// RPL (RFC 6550): root, router or leaf of one instance; `None` runs
    /// no RPL. An RPL leaf does not forward. Parent candidates, downward
    /// routes and the instance state live in [`NodeStorage::rpl_parents`],
    /// [`NodeStorage::rpl_routes`] and [`NodeStorage::rpl_state`]; without
    /// `rpl_state` the node runs no RPL.
    pub rpl: Option<RplConfig>,
}

impl NodeConfig {
    /// A host with the standard's defaults.
    pub fn host(eui64: [u8; 8], pan_id: u16) -> Self {
        NodeConfig {
            eui64,
            short_address: None,
            pan_id,
            role: Role::Host,
            seed: u64::from_be_bytes(eui64),
            mac: MacConfig::default(),
            net: NetConfig::default(),
            registration_lifetime_minutes: None,
            rpl: None,
        }
    }
    /// A router announcing `settings`.
    pub fn router(eui64: [u8; 8], pan_id: u16, settings: RouterSettings) -> Self {
        NodeConfig { role: Role::Router(settings), ..NodeConfig::host(eui64, pan_id) }
    }
}

/// The memory a node works in, every capacity chosen by the caller.
///
/// RAM for each entry (x86_64; smaller on 32-bit targets) is given by
/// `core::mem::size_of` of the element types; `tests/footprint.rs` prints
/// the totals for a leaf and a router.
pub struct NodeStorage<'a> {
    /// MAC transmit queue (frames waiting for the air).
    pub mac_queue: &'a mut [TxSlot],
    /// MAC duplicate filter.
    pub mac_dedup: &'a mut [DedupEntry],
    /// Per-neighbour link statistics (ETX, RSSI).
    pub mac_links: &'a mut [LinkStats],
    /// 6LoWPAN-ND neighbour and registration table (routers).
    pub neighbors: &'a mut [Neighbor],
    /// Global addresses.
    pub addresses: &'a mut [Option<AddrEntry>],
    /// Joined multicast groups (beyond ff02::1, ff02::1a, solicited-node).
    pub groups: &'a mut [Option<Ipv6Addr>],
    /// Routes.
    pub routes: &'a mut [Option<Route>],
    /// IPv6 (Fragment header) reassembly slots.
    pub ip_reassembly: &'a mut [FragSlot<&'a mut [u8]>],
    /// 6LoWPAN reassembly slots. Slots with buffers reassemble there (two
    /// slots over one 1280-byte buffer take two datagrams of up to 640
    /// bytes at once, or one of 1280). When no slot has a buffer
    /// ([`ReassemblySlot::without_buffer`]), datagrams are reassembled in
    /// `packet` ("lent pool" mode, 1280 bytes less RAM): as high in it as
    /// they fit, above the datagram going out, so the two share 1280 bytes.
    /// Then a fragmented datagram that arrives while too large a datagram
    /// is going out is dropped (counted in the reassembly counters'
    /// `no_slot`), and a send that does not fit below a reassembly in
    /// progress waits (sockets keep it queued; `ping` says `Busy`) until
    /// it completes or times out.
    pub lowpan_reassembly: &'a mut [ReassemblySlot<'a>],
    /// UDP sockets.
    pub sockets: &'a mut [SocketSlot<'a>],
    /// The outgoing datagram (1280 bytes for full-size datagrams).
    pub packet: &'a mut [u8],
    /// A packet decompressed from one frame
    /// ([`MAX_SINGLE_FRAME_PACKET`](crate::lowpan::MAX_SINGLE_FRAME_PACKET),
    /// 242 bytes, are enough).
    pub rx: &'a mut [u8],
    /// RPL parent candidates (3 to 5 are typical; unused without RPL and
    /// by a root).
    pub rpl_parents: &'a mut [ParentEntry],
    /// RPL downward routes: one per node below us (storing mode) or per
    /// node in the DODAG (a non-storing root); unused otherwise.
    pub rpl_routes: &'a mut [crate::rpl::Route],
    /// Room for the RPL instance state ([`RplState`], 488 bytes on
    /// x86_64). A node runs RPL when [`NodeConfig::rpl`] is set *and* this
    /// is given; nodes without RPL pass `None` and do not pay for it.
    pub rpl_state: Option<&'a mut RplState<'a>>,
}

/// Something the user may want to know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeEvent {
    /// An ICMPv6 echo reply arrived.
    EchoReply {
        /// Who answered.
        from: Ipv6Addr,
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq: u16,
        /// Bytes of data echoed (an IPv6 payload is at most 65,535 bytes).
        len: u16,
    },
    /// A global address was formed from a router's prefix.
    AddressAdded(Ipv6Addr),
    /// An address is registered with a router (6LoWPAN-ND).
    Registered(Ipv6Addr),
    /// A router said an address is a duplicate; it was removed.
    Duplicate(Ipv6Addr),
    /// RPL joined, changed parent or detached.
    Rpl(RplEvent),
}

/// Why the node could not send a datagram now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// Another datagram is still going out (its fragments); try later.
    Busy,
    /// No source address or no route for this destination.
    Unaddressable,
    /// Too large for the packet buffer.
    TooLarge,
}

/// Counters of the node itself (each layer keeps its own too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Frames read from the radio.
    pub rx_frames: u32,
    /// IPv6 packets taken in (after 6LoWPAN).
    pub rx_packets: u32,
    /// Frames the 6LoWPAN layer could not turn into a packet.
    pub rx_lowpan_errors: u32,
    /// UDP datagrams with a bad checksum or length.
    pub rx_udp_bad: u32,
    /// ICMPv6 messages with a bad checksum or that did not parse.
    pub rx_icmp_bad: u32,
    /// ND messages handled.
    pub rx_nd: u32,
    /// Packets for protocols nobody here handles (RPL for now, ...).
    pub rx_unhandled: u32,
    /// Datagrams handed to the MAC (single frames or all their fragments).
    pub tx_packets: u32,
    /// Fragments handed to the MAC.
    pub tx_fragments: u32,
    /// Datagrams dropped because another one was being sent, or because a
    /// 6LoWPAN reassembly held the part of the packet buffer they needed
    /// (lent pool mode, see [`NodeStorage::lowpan_reassembly`]).
    pub tx_busy: u32,
    /// Datagrams dropped: no route or no link-layer address for the next hop.
    pub tx_no_route: u32,
    /// Datagrams the 6LoWPAN layer could not encode.
    pub tx_encode_errors: u32,
    /// Frames the MAC refused (queue full, too long).
    pub tx_mac_refused: u32,
    /// Datagrams whose remaining fragments were not sent because one of
    /// them failed (no ACK, channel busy).
    pub tx_abandoned: u32,
    /// Events dropped because the user did not take them.
    pub events_dropped: u32,
}

/// What the node counts itself: [`NodeStats`] but for the two counters
/// the 6LoWPAN receiver keeps already, which [`Node::stats`] reads from it
/// (`rx_packets` is its `packets`; `rx_lowpan_errors` the sum of its
/// header, dispatch and decompression errors and the reassembler's
/// dropped fragments). Not kept twice: 8 bytes less in every node.
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    rx_frames: u32,
    rx_udp_bad: u32,
    rx_icmp_bad: u32,
    rx_nd: u32,
    rx_unhandled: u32,
    tx_packets: u32,
    tx_fragments: u32,
    tx_busy: u32,
    tx_no_route: u32,
    tx_encode_errors: u32,
    tx_mac_refused: u32,
    tx_abandoned: u32,
    events_dropped: u32,
}

/// All the counters of a node, layer by layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllStats {
    /// The node's own.
    pub node: NodeStats,
    /// The MAC's.
    pub mac: MacStats,
    /// IPv6.
    pub net: NetStats,
    /// 6LoWPAN receive.
    pub lowpan: crate::lowpan::LowpanStats,
    /// 6LoWPAN reassembly.
    pub reassembly: crate::lowpan::frag::ReassemblyStats,
    /// 6LoWPAN-ND.
    pub nd: nd::NdStats,
    /// RPL (zero without RPL).
    pub rpl: crate::rpl::RplStats,
}

/// The RPL instance of a node.
pub type NodeRpl<'a> = Rpl<&'a mut [ParentEntry], &'a mut [crate::rpl::Route]>;

/// Caller storage for a node's RPL instance ([`NodeStorage::rpl_state`]),
/// kept out of the [`Node`] so that nodes without RPL do not carry it.
/// Empty until the node is created; firmware can keep it in a `static`.
pub struct RplState<'a>(Option<NodeRpl<'a>>);

impl RplState<'_> {
    /// Empty storage.
    pub const fn new() -> Self {
        RplState(None)
    }
}

impl Default for RplState<'_> {
    fn default() -> Self {
        Self::new()
    }
}

type NodeMac<'a> = Mac<&'a mut [TxSlot], &'a mut [DedupEntry], &'a mut [LinkStats]>;
type NodeNet<'a> = Interface<
    &'a mut [Option<AddrEntry>],
    &'a mut [Option<Ipv6Addr>],
    &'a mut [Option<Route>],
    &'a mut [u8],
    &'a mut [FragSlot<&'a mut [u8]>],
>;

/// The 6LoWPAN-ND state a [`Node`] carries: [`AnyRole`] (host or router,
/// chosen at run time by [`NodeConfig::role`]), [`Host`] or [`RouterRole`].
///
/// A node typed by its role ([`HostNode`], [`RouterNode`]) holds only that
/// role's state and links only its code: a router does not carry the
/// host's 804 bytes of state (x86_64), nor its code. The trait is sealed.
pub trait NdRole<'a>: role::RoleImpl<'a> {}

/// Host or router, chosen at run time (the default role of [`Node`]): as
/// large as the larger of [`Host`] and [`RouterRole`].
pub struct AnyRole<'a>(AnyInner<'a>);

// No heap to box the larger variant into; a node is one or the other for life.
#[allow(clippy::large_enum_variant)]
enum AnyInner<'a> {
    Host(Host),
    Router(RouterRole<'a>),
}

/// The router role: 6LoWPAN-ND router state, whose configuration holds the
/// contexts it announces and compresses with (one table).
pub struct RouterRole<'a> {
    router: Router<&'a mut [Neighbor]>,
}

/// A node that is always a 6LoWPAN router (see [`Node::with_role`]).
pub type RouterNode<'a> = Node<'a, RouterRole<'a>>;
/// A node that is always a 6LoWPAN host (see [`Node::with_role`]).
pub type HostNode<'a> = Node<'a, Host>;

impl<'a> NdRole<'a> for AnyRole<'a> {}
impl<'a> NdRole<'a> for RouterRole<'a> {}
impl<'a> NdRole<'a> for Host {}

mod role {
    use super::*;

    /// What the node asks of its ND role (private: `NdRole` is sealed).
    pub trait RoleImpl<'a>: Sized {
        fn build(role: Role, hc: HostConfig, iface: &mut NodeNet<'a>, neighbors: &'a mut [Neighbor]) -> Self;
        fn host(&self) -> Option<&Host>;
        fn router(&self) -> Option<&Router<&'a mut [Neighbor]>>;
        fn contexts(&self) -> Contexts<'_>;
        /// The link-layer address of a neighbour ND knows about.
        fn neighbour_lladdr(&self, ip: &Ipv6Addr) -> Option<Address>;
        /// `me`: the node's addresses (routers answer with them).
        fn process(
            &mut self,
            now: Instant,
            me: &RouterAddrs,
            input: &NdInput<'_>,
        ) -> Option<nd::Transmit<'_>>;
        /// Expiries (routers: registrations).
        fn expire(&mut self, now: Instant);
        /// A message to send (hosts: RS, NS+ARO).
        fn poll_tx(&mut self, now: Instant, rng: &mut Rng) -> Option<nd::Transmit<'static>>;
        fn poll_event(&mut self) -> Option<HostEvent>;
        fn poll_at(&self) -> Option<Instant>;
        fn stats(&self) -> nd::NdStats;
    }

    impl<'a> RoleImpl<'a> for Host {
        /// A router configuration makes a host all the same.
        fn build(_: Role, hc: HostConfig, _: &mut NodeNet<'a>, _: &'a mut [Neighbor]) -> Self {
            Host::new(hc)
        }
        fn host(&self) -> Option<&Host> {
            Some(self)
        }
        fn router(&self) -> Option<&Router<&'a mut [Neighbor]>> {
            None
        }
        fn contexts(&self) -> Contexts<'_> {
            Host::contexts(self).view()
        }
        fn neighbour_lladdr(&self, ip: &Ipv6Addr) -> Option<Address> {
            self.router_lladdr(ip)
        }
        fn process(
            &mut self,
            now: Instant,
            _: &RouterAddrs,
            input: &NdInput<'_>,
        ) -> Option<nd::Transmit<'_>> {
            Host::process(self, now, input)
        }
        fn expire(&mut self, _: Instant) {}
        fn poll_tx(&mut self, now: Instant, rng: &mut Rng) -> Option<nd::Transmit<'static>> {
            Host::poll(self, now, rng)
        }
        fn poll_event(&mut self) -> Option<HostEvent> {
            Host::poll_event(self)
        }
        fn poll_at(&self) -> Option<Instant> {
            Host::poll_at(self)
        }
        fn stats(&self) -> nd::NdStats {
            *Host::stats(self)
        }
    }

    impl<'a> RoleImpl<'a> for RouterRole<'a> {
        /// A host configuration makes a router with default settings.
        fn build(role: Role, _: HostConfig, iface: &mut NodeNet<'a>, neighbors: &'a mut [Neighbor]) -> Self {
            let settings = match role {
                Role::Router(s) => s,
                Role::Host => RouterSettings::default(),
            };
            // RFC 4291 §2.7.1: routers listen to all-routers (RS go there).
            let _ = iface.addrs_mut().join(ipv6::ALL_ROUTERS);
            let rc = router_config(iface, &settings);
            RouterRole { router: Router::new(rc, neighbors) }
        }
        fn host(&self) -> Option<&Host> {
            None
        }
        fn router(&self) -> Option<&Router<&'a mut [Neighbor]>> {
            Some(&self.router)
        }
        fn contexts(&self) -> Contexts<'_> {
            self.router.config().contexts.table().view()
        }
        fn neighbour_lladdr(&self, ip: &Ipv6Addr) -> Option<Address> {
            self.router.table().lladdr(ip)
        }
        fn process(
            &mut self,
            now: Instant,
            me: &RouterAddrs,
            input: &NdInput<'_>,
        ) -> Option<nd::Transmit<'_>> {
            self.router.process(now, me, input)
        }
        fn expire(&mut self, now: Instant) {
            self.router.poll(now);
        }
        fn poll_tx(&mut self, _: Instant, _: &mut Rng) -> Option<nd::Transmit<'static>> {
            None
        }
        fn poll_event(&mut self) -> Option<HostEvent> {
            None
        }
        fn poll_at(&self) -> Option<Instant> {
            self.router.poll_at()
        }
        fn stats(&self) -> nd::NdStats {
            self.router.stats()
        }
    }

    impl<'a> RoleImpl<'a> for AnyRole<'a> {
        fn build(role: Role, hc: HostConfig, iface: &mut NodeNet<'a>, neighbors: &'a mut [Neighbor]) -> Self {
            AnyRole(match role {
                Role::Host => AnyInner::Host(Host::build(role, hc, iface, neighbors)),
                Role::Router(_) => AnyInner::Router(RouterRole::build(role, hc, iface, neighbors)),
            })
        }
        fn host(&self) -> Option<&Host> {
            match &self.0 {
                AnyInner::Host(h) => Some(h),
                AnyInner::Router(_) => None,
            }
        }
        fn router(&self) -> Option<&Router<&'a mut [Neighbor]>> {
            match &self.0 {
                AnyInner::Host(_) => None,
                AnyInner::Router(r) => Some(&r.router),
            }
        }
        fn contexts(&self) -> Contexts<'_> {
            match &self.0 {
                AnyInner::Host(h) => RoleImpl::contexts(h),
                AnyInner::Router(r) => r.contexts(),
            }
        }
        fn neighbour_lladdr(&self, ip: &Ipv6Addr) -> Option<Address> {
            match &self.0 {
                AnyInner::Host(h) => h.router_lladdr(ip),
                AnyInner::Router(r) => r.neighbour_lladdr(ip),
            }
        }
        fn process(
            &mut self,
            now: Instant,
            me: &RouterAddrs,
            input: &NdInput<'_>,
        ) -> Option<nd::Transmit<'_>> {
            match &mut self.0 {
                AnyInner::Host(h) => h.process(now, input),
                AnyInner::Router(r) => r.router.process(now, me, input),
            }
        }
        fn expire(&mut self, now: Instant) {
            if let AnyInner::Router(r) = &mut self.0 {
                r.router.poll(now);
            }
        }
        fn poll_tx(&mut self, now: Instant, rng: &mut Rng) -> Option<nd::Transmit<'static>> {
            match &mut self.0 {
                AnyInner::Host(h) => h.poll(now, rng),
                AnyInner::Router(_) => None,
            }
        }
        fn poll_event(&mut self) -> Option<HostEvent> {
            match &mut self.0 {
                AnyInner::Host(h) => h.poll_event(),
                AnyInner::Router(_) => None,
            }
        }
        fn poll_at(&self) -> Option<Instant> {
            match &self.0 {
                AnyInner::Host(h) => h.poll_at(),
                AnyInner::Router(r) => r.router.poll_at(),
            }
        }
        fn stats(&self) -> nd::NdStats {
            match &self.0 {
                AnyInner::Host(h) => *h.stats(),
                AnyInner::Router(r) => r.router.stats(),
            }
        }
    }
}

/// A datagram in `packet` whose frames are being handed to the MAC.
///
/// 16 bytes (was 32): the length and fragment count as `u16`. A datagram
/// longer than 65,535 bytes is never pending ([`PendingTx::new`]): 6LoWPAN
/// cannot send more than 2047 bytes anyway (RFC 4944 §5.3, an 11-bit
/// `datagram_size`), so no fragment count reaches `u16::MAX` either.
#[derive(Debug, Clone, Copy)]
struct PendingTx {
    len: u16,
    tag: u16,
    /// Fragments already handed over (0 for a single frame not yet sent).
    sent: u16,
    ll_dst: Address,
}

impl PendingTx {
    /// The `len`-byte datagram to `ll_dst` (tag 0: drawn when it starts);
    /// `None` when `len` does not fit its `u16`.
    fn new(len: usize, ll_dst: Address, tag: u16) -> Option<Self> {
        Some(PendingTx { len: u16::try_from(len).ok()?, tag, sent: 0, ll_dst })
    }
}

/// Everything but the receive buffers, so that a received packet (which
/// borrows those) can be processed with `&mut Core`.
struct Core<'a, R> {
    rng: Rng,
    mac: NodeMac<'a>,
    net: NodeNet<'a>,
    nd: R,
    sockets: SocketSet<'a, &'a mut [SocketSlot<'a>]>,
    packet: &'a mut [u8],
    pending: Option<PendingTx>,
    tag: u16,
    /// Bytes at the start of `packet` the node may write: all of it
    /// (`u16::MAX`), or up to the lowest 6LoWPAN reassembly in progress
    /// there (lent pool mode, see [`NodeStorage::lowpan_reassembly`]).
    tx_room: u16,
    events: Ring<NodeEvent, EVENT_CAPACITY>,
    stats: Counters,
    rpl: Option<&'a mut NodeRpl<'a>>,
}

/// A sixlo node: one 802.15.4 interface, its IPv6 stack and UDP sockets.
///
/// `R` is its 6LoWPAN-ND role: by default [`AnyRole`], host or router as
/// [`NodeConfig::role`] says; [`RouterNode`] and [`HostNode`] fix it, which
/// saves the other role's RAM and code.
pub struct Node<'a, R: NdRole<'a> = AnyRole<'a>> {
    core: Core<'a, R>,
    lowpan: Receiver<&'a mut [ReassemblySlot<'a>]>,
    rx: &'a mut [u8],
}

impl<'a> Node<'a> {
    /// A node with `config`, working in `storage`: a host or a router as
    /// `config.role` says.
    pub fn new(config: NodeConfig, storage: NodeStorage<'a>) -> Self {
        Self::with_role(config, storage)
    }
}

impl<'a, N: NdRole<'a>> Node<'a, N> {
    /// A node with `config`, working in `storage`, whose role is `R`
    /// (`RouterNode::with_role(NodeConfig::router(..), storage)`). The type
    /// decides: a [`RouterNode`] given a host configuration is a router
    /// announcing nothing; a [`HostNode`] ignores router settings.
    pub fn with_role(config: NodeConfig, storage: NodeStorage<'a>) -> Self {
        let NodeConfig {
            eui64,
            short_address,
            pan_id,
            role,
            seed,
            mut mac,
            mut net,
            registration_lifetime_minutes,
            rpl,
        } = config;
        mac.pan_id = pan_id;
        mac.extended_address = eui64;
        mac.short_address = short_address;
        // One PRNG per node: the MAC draws from it too (DSN, backoffs).
        let mut rng = Rng::new(seed ^ 0x6c6f_7770_616e);
        let mac = Mac::new(mac, &mut rng, storage.mac_queue, storage.mac_dedup, storage.mac_links);
        let ll_addr = mac.source_address();
        net.router = matches!(role, Role::Router(_)) && !matches!(rpl.map(|r| r.role), Some(RplRole::Leaf));
        let mut iface = Interface::new(
            net,
            eui64,
            storage.addresses,
            storage.groups,
            storage.routes,
            storage.ip_reassembly,
        );
        iface.addrs_mut().set_short_address(short_address.map(u16::from_be_bytes), None);
        let mut hc = HostConfig::new(eui64);
        hc.ll_addr = ll_addr;
        if let Some(minutes) = registration_lifetime_minutes {
            hc.registration_lifetime = minutes;
        }
        let nd = N::build(role, hc, &mut iface, storage.neighbors);
        // RPL runs with both a configuration and room for its state.
        let rpl = rpl.zip(storage.rpl_state).map(|(c, state)| {
            if let RplRole::Root(rc) = c.role {
                // The root's DODAGID is one of its addresses (RFC 6550 §6.3.1).
                if !iface.addrs().is_ours(&rc.dodag_id) {
                    let _ = iface.addrs_mut().add_address(
                        Instant::ZERO,
                        rc.dodag_id,
                        Duration::MAX,
                        Duration::MAX,
                    );
                }
            }
            &mut *state.0.insert(Rpl::new(c, storage.rpl_parents, storage.rpl_routes))
        });
        let tag = rng.next_u64() as u16;
        Node {
            core: Core {
                rng,
                mac,
                net: iface,
                nd,
                sockets: SocketSet::new(storage.sockets),
                packet: storage.packet,
                pending: None,
                tag,
                tx_room: u16::MAX,
                events: Ring::new(),
                stats: Counters::default(),
                rpl,
            },
            lowpan: Receiver::new(LowpanReassembler::new(storage.lowpan_reassembly)),
            rx: storage.rx,
        }
    }

    /// Tells the radio its addresses and PAN ID (call once at start).
    pub fn configure_radio<R: Radio + ?Sized>(&self, radio: &mut R) {
        self.core.mac.configure_radio(radio);
    }

    /// Does a bounded amount of work: finishes MAC transmissions, takes up
    /// to a few frames from the radio, runs due timers, sends what sockets
    /// and ND have queued. Call it when the radio interrupts and at
    /// [`poll_at`](Self::poll_at). It takes at most four frames from the
    /// radio per call, so that one call's work stays bounded: while the
    /// radio still holds received frames, call it again.
    pub fn poll<R: Radio + ?Sized>(&mut self, now: Instant, radio: &mut R) {
        let core = &mut self.core;
        core.mac_events(now, radio);
        let mut frame = [0u8; MAX_PSDU_LEN];
        for _ in 0..RX_BUDGET {
            let Some(info) = radio.receive(&mut frame) else { break };
            core.stats.rx_frames = core.stats.rx_frames.saturating_add(1);
            let len = info.len.min(frame.len());
            let RxAction::Deliver(rx) = core.mac.on_receive(now, &frame[..len], info.rssi, info.lqi, radio)
            else {
                continue;
            };
            let f = rx.frame;
            if f.frame_type != FrameType::Data || f.security_enabled || f.payload.is_empty() || !rx.for_us {
                continue;
            }
            let ctx = core.nd.contexts();
            // Lent pool mode: the 6LoWPAN reassembly slots have no buffers,
            // so datagrams are reassembled in the packet buffer.
            let lend = self.lowpan.reassembler().pool_len() == 0;
            // The datagram going out keeps the start of the buffer.
            let reserved = core.pending.map_or(0, |p| usize::from(p.len));
            let lent = if lend { Some((&mut *core.packet, reserved)) } else { None };
            let got = self.lowpan.receive_in(now, f.payload, &f.src_addr, &f.dst_addr, ctx, self.rx, lent);
            if lend {
                core.tx_room = tx_room(&mut self.lowpan);
            }
            // Errors are counted by the receiver (see `Counters`).
            let packet = match got {
                Ok(Got::Single(n)) => self.rx.get_mut(..n),
                Ok(Got::Done(range)) if lend => {
                    core.on_pool_packet(now, range, f.src_addr);
                    continue;
                }
                Ok(Got::Done(range)) => self.lowpan.reassembler().pool_mut(range),
                Ok(Got::Pending) | Err(_) => None,
            };
            if let Some(packet) = packet {
                core.on_rx_packet(now, packet, f.src_addr);
            }
        }
        let r = self.lowpan.reassembler();
        r.expire(now);
        if r.pool_len() == 0 {
            core.tx_room = tx_room(&mut self.lowpan);
        }
        core.net.poll(now);
        core.nd_timers(now);
        core.rpl_timers(now);
        core.socket_tx(now);
        core.pump_tx();
        core.mac_events(now, radio);
    }

    /// The next time [`poll`](Self::poll) has work, if any (a time at or
    /// before now means "poll again at once").
    pub fn poll_at(&self) -> Option<Instant> {
        let c = &self.core;
        let nd = c.nd.poll_at();
        // Work that can be done at once: fragments when the MAC has room,
        // socket datagrams when the packet buffer is free. Fragments waiting
        // for MAC room wake with the MAC's own deadline.
        let ready = match c.pending {
            Some(_) => c.mac.queue().free() > 0,
            None => c.sockets_have_tx(),
        };
        let busy = ready.then_some(Instant::ZERO);
        // RPL messages wait while a datagram is going out.
        let rpl = c.rpl.as_deref().map(|r| r.poll_at()).filter(|_| c.pending.is_none());
        let mut at = None;
        for t in [c.mac.poll_at(), self.lowpan.poll_at(), c.net.poll_at(), nd, busy, rpl] {
            at = earliest(at, t);
        }
        at
    }

    /// Adds a UDP socket.
    pub fn add_socket(&mut self, socket: UdpSocket<'a>) -> Result<SocketHandle, AddError> {
        self.core.sockets.add(socket)
    }

    /// A UDP socket.
    pub fn socket(&mut self, handle: SocketHandle) -> Option<&mut UdpSocket<'a>> {
        self.core.sockets.get_mut(handle)
    }

    /// Sends an ICMPv6 echo request (RFC 4443 §4.1) with `data`.
    pub fn ping(&mut self, dst: Ipv6Addr, ident: u16, seq: u16, data: &[u8]) -> Result<(), SendError> {
        let c = &mut self.core;
        if c.pending.is_some() {
            return Err(SendError::Busy);
        }
        let src = c.net.addrs().select_source(&dst).ok_or(SendError::Unaddressable)?;
        let repr = icmpv6::Repr::EchoRequest { ident, seq_no: seq, data };
        let len = ipv6::HEADER_LEN + repr.buffer_len();
        if len > c.packet.len() {
            return Err(SendError::TooLarge);
        }
        if len > c.room() {
            // A 6LoWPAN reassembly holds the rest of the buffer for now.
            return Err(SendError::Busy);
        }
        write_ipv6_header(
            c.packet,
            src,
            dst,
            IpProtocol::Icmpv6,
            repr.buffer_len(),
            c.net.config().hop_limit,
        );
        repr.emit(&src, &dst, &mut c.packet[ipv6::HEADER_LEN..len]);
        let Some(len) = c.rpl_originate(len) else { return Err(SendError::TooLarge) };
        if c.start_tx(len) { Ok(()) } else { Err(SendError::Unaddressable) }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.core.events.pop_front()
    }

    /// The node's own counters, two of them read from the 6LoWPAN receiver
    /// (see `Counters`).
    fn node_stats(&self) -> NodeStats {
        let c = &self.core.stats;
        let (l, r) = (self.lowpan.stats(), self.lowpan.reassembly_stats());
        let errors = [l.header_errors, l.unsupported, l.decompress_errors, r.invalid, r.too_large, r.no_slot];
        NodeStats {
            rx_frames: c.rx_frames,
            rx_packets: l.packets,
            rx_lowpan_errors: errors.into_iter().fold(0, u32::saturating_add),
            rx_udp_bad: c.rx_udp_bad,
            rx_icmp_bad: c.rx_icmp_bad,
            rx_nd: c.rx_nd,
            rx_unhandled: c.rx_unhandled,
            tx_packets: c.tx_packets,
            tx_fragments: c.tx_fragments,
            tx_busy: c.tx_busy,
            tx_no_route: c.tx_no_route,
            tx_encode_errors: c.tx_encode_errors,
            tx_mac_refused: c.tx_mac_refused,
            tx_abandoned: c.tx_abandoned,
            events_dropped: c.events_dropped,
        }
    }

    /// Every layer's counters.
    pub fn stats(&self) -> AllStats {
        let c = &self.core;
        AllStats {
            node: self.node_stats(),
            mac: *c.mac.stats(),
            net: c.net.stats(),
            lowpan: *self.lowpan.stats(),
            reassembly: *self.lowpan.reassembly_stats(),
            nd: c.nd.stats(),
            rpl: c.rpl.as_deref().map(|r| r.stats()).unwrap_or_default(),
        }
    }

    /// The RPL instance (rank, parents, routes, counters), when the node
    /// runs RPL.
    pub fn rpl(&self) -> Option<&NodeRpl<'a>> {
        self.core.rpl.as_deref()
    }

    /// Root: starts a new DODAG version (global repair, RFC 6550
    /// §8.2.2.1). Non-root: detaches and rejoins (local repair, §8.2.2.5).
    pub fn rpl_repair(&mut self, now: Instant) {
        let c = &mut self.core;
        if let Some(r) = c.rpl.as_deref_mut() {
            if !r.global_repair(now, &mut c.rng) {
                r.local_repair(now, &mut c.rng);
            }
        }
    }

    /// Adds a static route (`prefix/len` via the neighbour `next_hop`,
    /// forever): a border router's way out of the mesh, for example. Static
    /// routes come before RPL's.
    pub fn add_route(
        &mut self,
        prefix: Ipv6Addr,
        len: u8,
        next_hop: Ipv6Addr,
    ) -> Result<(), crate::net::RouteError> {
        self.core.net.routes_mut().add(
            Instant::ZERO,
            prefix,
            len,
            next_hop,
            Duration::MAX,
            crate::net::RouteSource::Static,
        )
    }

    /// The link-local address (from the EUI-64).
    pub fn link_local(&self) -> Ipv6Addr {
        self.core.net.addrs().link_local()
    }

    /// The node's global addresses.
    pub fn global_addresses(&self) -> impl Iterator<Item = Ipv6Addr> + '_ {
        self.core.net.addrs().globals().map(|e| e.addr)
    }

    /// True when `addr` is registered with a router (hosts) or is one of
    /// the router's own addresses (routers).
    pub fn is_registered(&self, addr: &Ipv6Addr) -> bool {
        match self.core.nd.host() {
            Some(h) => h.is_registered(addr),
            None => self.core.net.addrs().is_ours(addr),
        }
    }

    /// The link-layer address frames are sent from.
    pub fn ll_addr(&self) -> Address {
        self.core.ll_addr()
    }

    /// The MAC (link statistics, queue).
    pub fn mac(&self) -> &NodeMac<'a> {
        &self.core.mac
    }

    /// The 6LoWPAN-ND router state (registrations), for routers.
    pub fn nd_router(&self) -> Option<&Router<&'a mut [Neighbor]>> {
        self.core.nd.router()
    }

    /// The 6LoWPAN-ND host state (routers, registrations), for hosts.
    pub fn nd_host(&self) -> Option<&Host> {
        self.core.nd.host()
    }
}

/// The router's ND configuration (with the contexts it compresses with) from
/// its settings; forms its own global addresses.
fn router_config(iface: &mut NodeNet<'_>, s: &RouterSettings) -> RouterConfig {
    let mut rc = RouterConfig::new();
    if s.router_lifetime != 0 {
        rc.router_lifetime = s.router_lifetime;
    }
    let mut formed = false;
    for &(prefix, len) in &s.prefixes {
        // The router answers plain NS for this address without a list of
        // its own (nd::RouterConfig::prefixes): the same prefix + IID.
        formed |= iface.addrs_mut().add_prefix(Instant::ZERO, prefix, Duration::MAX, Duration::MAX).is_ok();
        let _ = rc.prefixes.push(PrefixInformation {
            prefix_len: len,
            flags: PrefixInfoFlags(PrefixInfoFlags::AUTONOMOUS),
            // RFC 4861 §4.6.2: all ones is infinity.
            valid_lifetime: u32::MAX,
            preferred_lifetime: u32::MAX,
            prefix,
        });
    }
    for &(cid, prefix, len) in &s.contexts {
        // RFC 6775 §4.2: the longest valid lifetime a 6CO carries.
        rc.contexts.set(cid, Some(Context { prefix, prefix_len: len, compress: true }), u16::MAX);
    }
    if formed {
        // RFC 6775 §4.3: the router is its own 6LBR; the ABRO carries the
        // address it forms in its first prefix (nd::RouterAddrs).
        rc.abro = Some(AbroConfig { version_low: 1, version_high: 0, valid_lifetime: 0 });
    }
    rc
}

/// Writes an IPv6 header for `payload_len` bytes of `next` at the start of `buf`.
fn write_ipv6_header(
    buf: &mut [u8],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    next: IpProtocol,
    payload_len: usize,
    hlim: u8,
) {
    let repr = ipv6::Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: next,
        payload_len: payload_len as u16,
        hop_limit: hlim,
        traffic_class: 0,
        flow_label: 0,
    };
    repr.emit(&mut ipv6::Packet::new_unchecked(&mut buf[..ipv6::HEADER_LEN]));
}

/// The link-layer address behind a link-local IPv6 address whose IID was
/// formed from one (RFC 4944 §6, RFC 6775 §5.2: 6LoWPAN link-local
/// addresses need no address resolution).
fn lladdr_from_iid(ip: &Ipv6Addr) -> Option<Address> {
    let o = ip.octets();
    if o[..8] != [0xfe, 0x80, 0, 0, 0, 0, 0, 0] {
        return None;
    }
    if o[8..14] == [0, 0, 0, 0xff, 0xfe, 0] {
        return Some(Address::Short([o[14], o[15]]));
    }
    let mut eui = [0u8; 8];
    eui.copy_from_slice(&o[8..]);
    eui[0] ^= 0x02;
    Some(Address::Extended(eui))
}

/// Whether `dst` is inside the node's DODAG: in the prefix of its PIO.
fn in_dodag(rpl: &NodeRpl<'_>, dst: &Ipv6Addr) -> bool {
    use crate::net::route::mask;
    rpl.autoconf_prefix().is_some_and(|(p, l)| mask(&p, l) == mask(dst, l))
}

/// Queues `e`, dropping (and counting) the oldest event when full.
#[inline(never)]
fn push_event(events: &mut Ring<NodeEvent, EVENT_CAPACITY>, stats: &mut Counters, e: NodeEvent) {
    if events.push_overwrite(e) {
        bump(&mut stats.events_dropped);
    }
}

/// What is left to do for a received packet once the packet buffer is
/// back in place (see `Core::on_packet`).
enum Then {
    Nothing,
    /// Forward the received packet, `len` bytes (rewritten in place), to
    /// `next_hop`; `source_routed`: it follows a source route (no RPL exit
    /// or tunnel processing).
    Forward {
        len: usize,
        next_hop: Ipv6Addr,
        source_routed: bool,
    },
    /// Send the `len`-byte packet written at the start of the reply area;
    /// `originate`: it is ours, so RPL may add its headers.
    Send {
        len: usize,
        originate: bool,
    },
}

/// The node's room in its packet buffer: below the lowest 6LoWPAN
/// reassembly in progress there (lent pool mode), or all of it.
fn tx_room(lowpan: &mut Receiver<&mut [ReassemblySlot<'_>]>) -> u16 {
    match lowpan.reassembler().lowest_offset() {
        Some(at) => u16::try_from(at).unwrap_or(u16::MAX),
        None => u16::MAX,
    }
}

impl<'a, N: NdRole<'a>> Core<'a, N> {
    /// The link-layer address frames are sent from (the MAC's, not kept
    /// twice).
    fn ll_addr(&self) -> Address {
        self.mac.source_address()
    }

    fn is_neighbour(nd: &N, ip: &Ipv6Addr) -> bool {
        nd.neighbour_lladdr(ip).is_some()
    }

    fn lladdr(&self, ip: &Ipv6Addr) -> Option<Address> {
        if ip.is_multicast() {
            return Some(Address::BROADCAST);
        }
        self.nd.neighbour_lladdr(ip).or_else(|| lladdr_from_iid(ip)).or_else(|| {
            // RPL next hops in source routes are global addresses of
            // neighbours whose IIDs come from their link-layer addresses.
            self.rpl.as_deref()?;
            lladdr_from_iid(&with_iid(&Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), ip))
        })
    }

    fn push_event(&mut self, e: NodeEvent) {
        push_event(&mut self.events, &mut self.stats, e);
    }

    /// Advances the MAC and takes its reports. A fragment that failed dooms
    /// its datagram (the receiver cannot reassemble it, RFC 4944 §5.3), so
    /// the rest of that datagram is not handed over.
    fn mac_events<R: Radio + ?Sized>(&mut self, now: Instant, radio: &mut R) {
        while let Some(done) = self.mac.poll(now, radio, &mut self.rng) {
            let failed = !matches!(done.outcome, TxOutcome::Acked | TxOutcome::Sent);
            if let Some(rpl) = self.rpl.as_deref_mut() {
                if !done.dst.is_broadcast() {
                    if failed {
                        rpl.on_tx_failed(now, done.dst, &mut self.rng);
                    } else {
                        rpl.on_tx_acked(done.dst);
                    }
                    // MRHOF follows the link's ETX as the MAC updates it.
                    let mac = &self.mac;
                    rpl.update_link_metrics(now, |a| mac.etx(a), &mut self.rng);
                }
            }
            if let Some(p) = &self.pending {
                if failed && p.sent > 0 && p.ll_dst == done.dst {
                    bump(&mut self.stats.tx_abandoned);
                    self.pending = None;
                }
            }
        }
    }

    /// Whether the next socket datagram can be taken now: it fits the
    /// room in the packet buffer, or can never fit (and is dropped).
    fn sockets_have_tx(&self) -> bool {
        let (room, all) = (self.room(), self.packet.len());
        let takes = |len: usize| len <= room || len > all;
        self.sockets.peek_tx(|_, _, p| takes(ipv6::HEADER_LEN + udp::HEADER_LEN + p.len())) == Some(true)
    }

    /// Bytes at the start of `packet` this node may write now.
    fn room(&self) -> usize {
        self.packet.len().min(usize::from(self.tx_room))
    }

    /// A packet in the receive buffer (`ll_src` sent the frame).
    fn on_rx_packet(&mut self, now: Instant, packet: &mut [u8], ll_src: Address) {
        // Replies are written at the start of the packet buffer, which a
        // datagram in flight still occupies: then there is no room for them.
        let room = if self.pending.is_some() { 0 } else { self.room() };
        let buf = core::mem::take(&mut self.packet);
        let then = self.on_packet(now, packet, &mut buf[..room], ll_src);
        self.packet = buf;
        if let Then::Forward { len, .. } = then {
            // It goes out from the start of the packet buffer.
            match (self.packet.get_mut(..len), packet.get(..len)) {
                (Some(dst), Some(src)) if len <= room => dst.copy_from_slice(src),
                _ => {
                    bump(&mut self.stats.tx_busy);
                    return;
                }
            }
        }
        self.finish(then);
    }

    /// A datagram reassembled in the packet buffer at `range` (lent pool
    /// mode). With the buffer free up to the datagram's length it moves to
    /// the start, where it is forwarded in place and replies go after it;
    /// otherwise it is handled where it lies, with room for replies below
    /// it and no forwarding (counted `tx_busy`).
    fn on_pool_packet(&mut self, now: Instant, range: core::ops::Range<usize>, ll_src: Address) {
        let busy = self.pending.is_some();
        let room = self.room();
        let n = range.len();
        let buf = core::mem::take(&mut self.packet);
        let (then, out_at) = if buf.get(range.clone()).is_none() {
            (Then::Nothing, 0)
        } else if !busy && n <= room {
            buf.copy_within(range, 0);
            // An Echo Reply as long as the request does not fit after it:
            // the request becomes the reply (RFC 4443 §4.2).
            if room - n < n {
                if let Some(len) = self.net.echo_in_place(buf, n) {
                    self.packet = buf;
                    return self.finish(Then::Send { len, originate: true });
                }
            }
            let (front, rest) = buf.split_at_mut(n);
            (self.on_packet(now, front, &mut rest[..room - n], ll_src), n)
        } else {
            let (low, high) = buf.split_at_mut(range.start);
            let out = if busy { &mut [][..] } else { &mut low[..room.min(range.start)] };
            match self.on_packet(now, &mut high[..n], out, ll_src) {
                Then::Forward { .. } => {
                    bump(&mut self.stats.tx_busy);
                    (Then::Nothing, 0)
                }
                then => (then, 0),
            }
        };
        self.packet = buf;
        // A reply (or an ND answer, already pending) was written after the
        // datagram: it moves to the start, where datagrams go out from.
        let reply = match then {
            Then::Send { len, .. } => Some(len),
            _ if !busy => self.pending.map(|p| usize::from(p.len)),
            _ => None,
        };
        if let Some(len) = reply.filter(|_| out_at > 0) {
            self.packet.copy_within(out_at..out_at + len, 0);
        }
        self.finish(then);
    }

    /// What `on_packet` left to do once the packet buffer is back.
    fn finish(&mut self, then: Then) {
        match then {
            Then::Nothing => {}
            Then::Forward { len, next_hop, source_routed: true } => {
                self.send_to_neighbour(len, next_hop);
            }
            Then::Forward { len, next_hop, source_routed: false } => {
                let len = self.rpl_exit(len);
                if let Some(len) = self.rpl_tunnel(len, next_hop) {
                    self.send_to_neighbour(len, next_hop);
                }
            }
            Then::Send { len, originate } => {
                let len = if originate { self.rpl_originate(len) } else { Some(len) };
                if let Some(len) = len {
                    self.start_tx(len);
                }
            }
        }
    }

    /// One received IPv6 packet (`ll_src` sent the frame). Replies are
    /// written into `out` (empty while a datagram is going out); the packet
    /// buffer is not available meanwhile (the caller holds it), so what is
    /// to be sent is returned.
    fn on_packet(&mut self, now: Instant, packet: &mut [u8], out: &mut [u8], ll_src: Address) -> Then {
        // RPL headers (a source route to follow, a tunnel to open) matter
        // only in packets for one of our unicast addresses.
        let ours =
            || ipv6::Packet::new_checked(&*packet).is_ok_and(|p| self.net.addrs().is_ours(&p.dst_addr()));
        let packet = if self.rpl.is_some() && ours() {
            match self.rpl_local(now, packet, out) {
                Ok(p) => p,
                Err(then) => return then,
            }
        } else {
            packet
        };
        let busy = self.pending.is_some();
        let me = RouterAddrs::new(self.ll_addr(), self.net.addrs().link_local());
        let nd = &self.nd;
        let original = packet.as_ptr();
        let mut port_unreachable = false;
        let rpl = self.rpl.as_deref();
        let link_etx = self.mac.etx(ll_src);
        let ingress = self.net.ingress_with(
            now,
            packet,
            out,
            |ip| Self::is_neighbour(nd, ip),
            |dst| rpl.and_then(|r| r.next_hop(dst)),
        );
        match ingress {
            Ingress::Deliver(pkt) => {
                let rpl_meta = (self.rpl.as_deref_mut(), &mut self.rng, link_etx);
                port_unreachable = Self::deliver(
                    now,
                    pkt,
                    ll_src,
                    (&mut self.nd, &me),
                    &mut self.sockets,
                    &mut self.stats,
                    &mut self.events,
                    if busy { None } else { Some(&mut *out) },
                    &mut self.pending,
                    rpl_meta,
                );
                // A reassembled datagram cannot be quoted once the borrow ends.
                port_unreachable &= core::ptr::eq(pkt.as_ptr(), original);
            }
            Ingress::Forward { .. } if busy => bump(&mut self.stats.tx_busy),
            Ingress::Forward { next_hop } => {
                if self.rpl_forward_check(now, packet, false) {
                    return Then::Forward { len: packet.len(), next_hop, source_routed: false };
                }
            }
            Ingress::Send { len } => return Then::Send { len, originate: true },
            Ingress::Held | Ingress::Dropped(_) => {}
        }
        if port_unreachable && !busy && self.pending.is_none() {
            // RFC 4443 §3.1: code 4, no listener on the destination port.
            let err = crate::net::IcmpError::PORT_UNREACHABLE;
            if let Some(len) = self.net.send_error(now, err, packet, out) {
                return Then::Send { len, originate: false };
            }
        }
        Then::Nothing
    }

    /// Hands a packet for us to its upper layer. Returns true when it was a
    /// UDP datagram to a unicast address that no socket takes.
    #[allow(clippy::too_many_arguments)]
    fn deliver(
        now: Instant,
        pkt: &[u8],
        ll_src: Address,
        (nd, me): (&mut N, &RouterAddrs),
        sockets: &mut SocketSet<'a, &'a mut [SocketSlot<'a>]>,
        stats: &mut Counters,
        events: &mut Ring<NodeEvent, EVENT_CAPACITY>,
        out: Option<&mut [u8]>,
        pending: &mut Option<PendingTx>,
        (rpl, rng, link_etx): (Option<&mut NodeRpl<'a>>, &mut Rng, Option<u16>),
    ) -> bool {
        let Ok(ip) = ipv6::Packet::new_checked(pkt) else { return false };
        let (src, dst, hlim) = (ip.src_addr(), ip.dst_addr(), ip.hop_limit());
        let payload = ip.payload();
        let Ok(upper) = ipv6::upper_layer(ip.next_header(), payload) else { return false };
        let data = &payload[upper.offset..];
        match upper.protocol {
            IpProtocol::Udp => {
                let u = match udp::Packet::new_checked(data) {
                    Ok(u) if u.verify_checksum(&src, &dst) => u,
                    _ => {
                        bump(&mut stats.rx_udp_bad);
                        return false;
                    }
                };
                let from = Endpoint::new(src, u.src_port());
                let to = Endpoint::new(dst, u.dst_port());
                matches!(sockets.deliver(from, to, hlim, u.payload()), Delivery::NoSocket)
                    && !dst.is_multicast()
            }
            IpProtocol::Icmpv6 => {
                let repr = match icmpv6::Packet::new_checked(data) {
                    Ok(p) if p.verify_checksum(&src, &dst) => icmpv6::Repr::parse(&p).ok(),
                    _ => None,
                };
                let Some(repr) = repr else {
                    bump(&mut stats.rx_icmp_bad);
                    return false;
                };
                match repr {
                    icmpv6::Repr::EchoReply { ident, seq_no, data } => {
                        let e = NodeEvent::EchoReply {
                            from: src,
                            ident,
                            seq: seq_no,
                            len: u16::try_from(data.len()).unwrap_or(u16::MAX),
                        };
                        push_event(events, stats, e);
                    }
                    icmpv6::Repr::Ndisc(repr) => {
                        bump(&mut stats.rx_nd);
                        let input = NdInput { src, dst, hop_limit: hlim, ll_src, repr };
                        let reply = nd.process(now, me, &input).map(|t| Self::emit_nd(&t, out));
                        if let Some(Some((len, ll_dst))) = reply {
                            *pending = PendingTx::new(len, ll_dst, 0);
                        } else if reply.is_some() {
                            bump(&mut stats.tx_busy);
                        }
                    }
                    icmpv6::Repr::Other { msg_type: icmpv6::Message::RplControl, code, data } => match rpl {
                        Some(rpl) => {
                            let meta = RxMeta { src, dst, ll_src, link_etx };
                            rpl.on_message(now, meta, code, data, rng);
                        }
                        None => bump(&mut stats.rx_unhandled),
                    },
                    _ => bump(&mut stats.rx_unhandled),
                }
                false
            }
            _ => {
                bump(&mut stats.rx_unhandled);
                false
            }
        }
    }

    /// Writes an ND message as an IPv6 packet into `out`; its length and
    /// link-layer destination, or `None` without room.
    #[inline(never)]
    fn emit_nd(t: &nd::Transmit<'_>, out: Option<&mut [u8]>) -> Option<(usize, Address)> {
        let out = out?;
        let icmp_len = t.icmpv6_len();
        let len = ipv6::HEADER_LEN + icmp_len;
        let buf = out.get_mut(..len)?;
        write_ipv6_header(buf, t.src, t.dst, IpProtocol::Icmpv6, icmp_len, nd::HOP_LIMIT);
        t.emit(&mut buf[ipv6::HEADER_LEN..]).ok()?;
        Some((len, t.ll_dst))
    }

    /// ND timers: router expiries; the host's RS/NS (re)transmissions and events.
    fn nd_timers(&mut self, now: Instant) {
        self.nd.expire(now);
        for _ in 0..TX_BUDGET {
            if self.pending.is_some() {
                break;
            }
            let Some(t) = self.nd.poll_tx(now, &mut self.rng) else { break };
            let room = self.room();
            if let Some((len, ll_dst)) = Self::emit_nd(&t, Some(&mut self.packet[..room])) {
                self.pending = PendingTx::new(len, ll_dst, 0);
                self.prepare_pending();
            } else if room < self.packet.len() {
                bump(&mut self.stats.tx_busy);
            }
        }
        let mut events: heapless::Vec<HostEvent, EVENT_CAPACITY> = heapless::Vec::new();
        while !events.is_full() {
            let Some(ev) = self.nd.poll_event() else { break };
            let _ = events.push(ev);
        }
        for ev in events {
            let e = match ev {
                HostEvent::NewPrefix { addr, .. } => {
                    // The host tracks the prefix lifetime and reports its expiry.
                    let _ = self.net.addrs_mut().add_address(now, addr, Duration::MAX, Duration::MAX);
                    Some(NodeEvent::AddressAdded(addr))
                }
                HostEvent::Registered { addr, .. } => Some(NodeEvent::Registered(addr)),
                HostEvent::Duplicate { addr } => {
                    self.net.addrs_mut().remove_address(&addr);
                    Some(NodeEvent::Duplicate(addr))
                }
                HostEvent::AddressExpired { addr } => {
                    self.net.addrs_mut().remove_address(&addr);
                    None
                }
                _ => None,
            };
            if let Some(e) = e {
                self.push_event(e);
            }
        }
    }

    /// RPL: events (address from the DODAG's prefix), then control
    /// messages while the packet buffer is free.
    fn rpl_timers(&mut self, now: Instant) {
        while let Some(ev) = self.rpl.as_deref_mut().and_then(|r| r.poll_event()) {
            let prefix = self.rpl.as_deref().and_then(|r| r.autoconf_prefix());
            if let (RplEvent::Joined, Some((prefix, len))) = (ev, prefix) {
                if len <= 64 {
                    // RFC 6550 §6.7.10 / RFC 4862 §5.5.3: an address from the PIO (A flag).
                    let known = self.net.addrs().globals().count();
                    if let Ok(addr) =
                        self.net.addrs_mut().add_prefix(now, prefix, Duration::MAX, Duration::MAX)
                    {
                        if self.net.addrs().globals().count() > known {
                            self.push_event(NodeEvent::AddressAdded(addr));
                        }
                        if let Some(rpl) = self.rpl.as_deref_mut() {
                            rpl.set_global_address(now, addr, &mut self.rng);
                        }
                    }
                }
            }
            self.push_event(NodeEvent::Rpl(ev));
        }
        for _ in 0..TX_BUDGET {
            if self.pending.is_some() {
                return;
            }
            let room = self.room();
            // The instance keeps no copy of our link-local address.
            let ll = self.net.addrs().link_local();
            let Some(rpl) = self.rpl.as_deref_mut() else { return };
            let Some(c) = rpl.poll_tx(now, ll, &mut self.rng) else { return };
            let Some(src) = rpl.source_for(&c, ll) else { continue };
            let dst = c.destination();
            let short = room < self.packet.len();
            let Some(n) = self.packet.get_mut(ipv6::HEADER_LEN..room).and_then(|b| rpl.emit(&c, &src, b))
            else {
                if short {
                    // A 6LoWPAN reassembly holds the rest of the buffer.
                    bump(&mut self.stats.tx_busy);
                }
                continue;
            };
            // RFC 6550 §6: link-local control messages stay on the link.
            let hlim = if matches!(c, Control::Dao(_) | Control::DaoAck { .. }) && !dst.is_link_local() {
                self.net.config().hop_limit
            } else {
                255
            };
            write_ipv6_header(self.packet, src, dst, IpProtocol::Icmpv6, n, hlim);
            // A non-storing root's DAO-ACK goes down a source route.
            if let Some(len) = self.rpl_headers(ipv6::HEADER_LEN + n, false) {
                self.start_tx(len);
            }
        }
    }

    /// Adds what RPL asks of a packet this node originates into its DODAG
    /// (RPL option, source route); the new length, `None` when it no
    /// longer fits the packet buffer.
    fn rpl_originate(&mut self, len: usize) -> Option<usize> {
        self.rpl_headers(len, true)
    }

    /// RFC 9008 §7-8 for a packet this node sends into its DODAG: at a
    /// non-storing root the source route (RFC 6554) to the destination;
    /// with `rpi`, the RPL option (RFC 6553) carrying our rank and the
    /// direction. Packets to link-local, multicast or our own addresses,
    /// and any packet while detached, are left alone.
    #[inline(never)]
    fn rpl_headers(&mut self, len: usize, rpi: bool) -> Option<usize> {
        let room = self.room();
        let Some(rpl) = self.rpl.as_deref() else { return Some(len) };
        let (Some(instance), true) = (rpl.instance_id(), rpl.joined()) else { return Some(len) };
        let Ok(p) = ipv6::Packet::new_checked(&self.packet[..len]) else { return Some(len) };
        let dst = p.dst_addr();
        if dst.is_multicast() || dst.is_link_local() || self.net.addrs().is_ours(&dst) {
            return Some(len);
        }
        let mut len = len;
        let mut hops = [Ipv6Addr::UNSPECIFIED; MAX_SOURCE_ROUTE];
        if let Ok(n) = rpl.source_route(&dst, &mut hops) {
            len = datapath::insert_srh(&mut self.packet[..room], len, &hops[..n]).ok()?;
        }
        // The root's own packets to the outside carry no RPL option (RFC
        // 9008 §5: it stays inside the RPL domain).
        if rpi && (rpl.role() != RplDagRole::Root || in_dodag(rpl, &dst)) {
            let opt = RplOption {
                down: rpl.is_down(&dst),
                rank_error: false,
                forwarding_error: false,
                instance_id: instance,
                sender_rank: rpl.rank(),
            };
            len = datapath::insert_rpi(&mut self.packet[..room], len, opt).ok()?;
        }
        Some(len)
    }

    /// At the root, a packet leaving the DODAG (its destination is outside
    /// the DODAG's prefix) loses its RPL option (RFC 9008 §5: the RPI
    /// stays inside the RPL domain). The new length.
    fn rpl_exit(&mut self, len: usize) -> usize {
        let Some(rpl) = self.rpl.as_deref() else { return len };
        if rpl.role() != RplDagRole::Root {
            return len;
        }
        let dst = ipv6::Packet::new_unchecked(&self.packet[..len]).dst_addr();
        if in_dodag(rpl, &dst) {
            return len;
        }
        datapath::remove_rpi(self.packet, len).unwrap_or(len)
    }

    /// At a non-storing root, a packet from elsewhere going down: it goes
    /// through an IPv6-in-IPv6 tunnel to its destination with the source
    /// route and an RPL option on the outer header (RFC 9008 §8). The new
    /// length (the first hop stays `next_hop`); `None`: dropped.
    fn rpl_tunnel(&mut self, len: usize, next_hop: Ipv6Addr) -> Option<usize> {
        let Some(rpl) = self.rpl.as_deref() else { return Some(len) };
        if rpl.role() != RplDagRole::Root {
            return Some(len);
        }
        let dst = ipv6::Packet::new_unchecked(&self.packet[..len]).dst_addr();
        let mut hops = [Ipv6Addr::UNSPECIFIED; MAX_SOURCE_ROUTE];
        let Ok(n) = rpl.source_route(&dst, &mut hops) else { return Some(len) };
        if n < 2 || hops[0] != next_hop {
            return Some(len);
        }
        let root = rpl.global_address()?;
        let rpi = RplOption {
            down: true,
            rank_error: false,
            forwarding_error: false,
            instance_id: rpl.instance_id()?,
            sender_rank: rpl.rank(),
        };
        let hlim = self.net.config().hop_limit;
        let room = self.room();
        match datapath::tunnel_source_routed(&mut self.packet[..room], len, root, &hops[..n], hlim, rpi) {
            Ok(n) => Some(n),
            Err(_) => {
                bump(&mut self.stats.tx_encode_errors);
                None
            }
        }
    }

    /// RFC 6553 §4 / RFC 6550 §11.2: the RPL option of a packet we
    /// forward: rank check, our rank written in. False: drop it.
    /// `source_routed`: the packet follows a source route, so it goes down.
    #[inline(never)]
    fn rpl_forward_check(&mut self, now: Instant, packet: &mut [u8], source_routed: bool) -> bool {
        let Some(rpl) = self.rpl.as_deref_mut() else { return true };
        let Some(instance) = rpl.instance_id() else { return true };
        let dst = ipv6::Packet::new_unchecked(&*packet).dst_addr();
        let down = source_routed || rpl.is_down(&dst);
        let len = packet.len();
        // Only storing mode acts on the received flags (F, and O against
        // our routes): the option is read first only there.
        let incoming = if rpl.is_storing() { datapath::read_rpi(packet) } else { None };
        if incoming.is_some_and(|o| o.forwarding_error) {
            // RFC 6550 §11.2.2.3: the child we sent it down to had no
            // route: ours is stale. The packet is dropped.
            rpl.on_forwarding_error(now, &dst);
            return false;
        }
        let mhri = rpl.min_hop_rank_increase();
        match datapath::forward_rpi(packet, len, rpl.rank(), mhri, down, instance) {
            RpiVerdict::NoOption => true,
            RpiVerdict::Forward { rank_error } => {
                if rank_error {
                    rpl.on_rank_error(now, false, &mut self.rng);
                }
                // Storing mode, going down, but no route here: back up to
                // the parent with the F flag (RFC 6550 §11.2.2.3).
                let lost = incoming.is_some_and(|o| o.down) && !down;
                if lost && rpl.role() == RplDagRole::Router {
                    if let Some(mut o) = datapath::read_rpi(packet) {
                        o.forwarding_error = true;
                        let _ = datapath::insert_rpi(packet, len, o);
                        rpl.count_forwarding_error();
                    }
                }
                true
            }
            RpiVerdict::DropLoop => {
                rpl.on_rank_error(now, true, &mut self.rng);
                false
            }
            RpiVerdict::UnknownInstance(_) | RpiVerdict::Malformed => false,
        }
    }

    /// A packet for one of our addresses that carries RPL headers: a source
    /// route with segments left is followed (RFC 6554 §4.2) and the packet
    /// forwarded; an IPv6-in-IPv6 tunnel ending here is opened (RFC 9008).
    /// Returns the packet to go on with (possibly the inner one, moved to
    /// the start), or what is left to do when it is not for us after all
    /// (forwarded, answered with an error, or dropped).
    fn rpl_local<'p>(
        &mut self,
        now: Instant,
        packet: &'p mut [u8],
        out: &mut [u8],
    ) -> Result<&'p mut [u8], Then> {
        let len = packet.len();
        let net = &self.net;
        match datapath::process_srh(packet, len, |a| net.addrs().is_ours(a)) {
            SrhVerdict::Local => {}
            SrhVerdict::Forward { next } => {
                if !self.net.config().router || !self.rpl_forward_check(now, packet, true) {
                    return Err(Then::Nothing);
                }
                if self.pending.is_some() {
                    bump(&mut self.stats.tx_busy);
                    return Err(Then::Nothing);
                }
                return Err(Then::Forward { len, next_hop: next, source_routed: true });
            }
            SrhVerdict::Discard => return Err(Then::Nothing),
            SrhVerdict::Error(err) => {
                if self.pending.is_none() {
                    if let Some(n) = self.net.send_error(now, err, packet, out) {
                        return Err(Then::Send { len: n, originate: false });
                    }
                }
                return Err(Then::Nothing);
            }
        }
        match datapath::decapsulate(packet, len) {
            Ok(inner) => Ok(&mut packet[..inner]),
            Err(_) => Ok(packet),
        }
    }

    /// Takes datagrams from the sockets while the packet buffer is free.
    fn socket_tx(&mut self, _now: Instant) {
        for _ in 0..TX_BUDGET {
            if self.pending.is_some() {
                return;
            }
            let room = self.room();
            let packet = &mut self.packet[..];
            let net = &self.net;
            let hop_default = net.config().hop_limit;
            let built = self.sockets.dequeue_tx(|_, meta, payload| {
                let dst = meta.remote.addr;
                // A datagram that can never go is taken off the queue (Ok)
                // and counted, or it would block its socket forever.
                let Some(src) = meta.local_addr.or_else(|| net.addrs().select_source(&dst)) else {
                    return Ok::<Option<usize>, ()>(None);
                };
                let udp_len = udp::HEADER_LEN + payload.len();
                let len = ipv6::HEADER_LEN + udp_len;
                if len > packet.len() {
                    return Ok(None);
                }
                if len > room {
                    // It waits in its socket while a 6LoWPAN reassembly
                    // holds that part of the buffer.
                    return Err(());
                }
                write_ipv6_header(
                    packet,
                    src,
                    dst,
                    IpProtocol::Udp,
                    udp_len,
                    meta.hop_limit.unwrap_or(hop_default),
                );
                let repr = udp::Repr { src_port: meta.src_port, dst_port: meta.remote.port, payload };
                repr.emit(&mut udp::Packet::new_unchecked(&mut packet[ipv6::HEADER_LEN..len]), &src, &dst);
                Ok(Some(len))
            });
            match built {
                Some(Ok(Some(len))) => match self.rpl_originate(len) {
                    Some(len) => {
                        self.start_tx(len);
                    }
                    None => bump(&mut self.stats.tx_encode_errors),
                },
                Some(Ok(None)) => bump(&mut self.stats.tx_no_route),
                Some(Err(())) | None => return,
            }
        }
    }

    /// Starts sending the `len`-byte packet in `packet` towards its
    /// destination. False (and counted) when there is no way to send it.
    fn start_tx(&mut self, len: usize) -> bool {
        let Ok(p) = ipv6::Packet::new_checked(&self.packet[..len]) else {
            bump(&mut self.stats.tx_encode_errors);
            return false;
        };
        let dst = p.dst_addr();
        let nd = &self.nd;
        let next_hop = match self.net.route(&dst, |ip| Self::is_neighbour(nd, ip)) {
            NextHop::OnLink => dst,
            NextHop::Via(nh) => nh,
            NextHop::NoRoute => match self.rpl.as_deref().map(|r| r.next_hop(&dst)) {
                Some(Some(nh)) => nh,
                Some(None) if !dst.is_link_local() && !dst.is_multicast() => {
                    // RPL knows no way there (detached, or a non-storing root
                    // without the whole source route yet): sending to the
                    // address's IID would reach only a neighbour by chance.
                    bump(&mut self.stats.tx_no_route);
                    return false;
                }
                _ => match self.nd.host() {
                    // RFC 6775 §5.6: a host sends everything off-link to its router.
                    Some(h) if !dst.is_link_local() => match h.default_router() {
                        Some((router, _)) => router,
                        None => dst,
                    },
                    _ => dst,
                },
            },
        };
        self.send_to_neighbour(len, next_hop)
    }

    /// Sends the packet in `packet` to the neighbour `next_hop`.
    fn send_to_neighbour(&mut self, len: usize, next_hop: Ipv6Addr) -> bool {
        let Some(ll_dst) = self.lladdr(&next_hop) else {
            bump(&mut self.stats.tx_no_route);
            return false;
        };
        self.tag = self.tag.wrapping_add(1);
        let Some(p) = PendingTx::new(len, ll_dst, self.tag) else {
            bump(&mut self.stats.tx_encode_errors);
            return false;
        };
        self.pending = Some(p);
        self.prepare_pending();
        true
    }

    fn prepare_pending(&mut self) {
        if let Some(p) = &mut self.pending {
            if p.tag == 0 {
                self.tag = self.tag.wrapping_add(1);
                p.tag = self.tag;
            }
        }
        self.pump_tx();
    }

    /// Hands the pending datagram's frames to the MAC while its queue has room.
    fn pump_tx(&mut self) {
        let Some(mut p) = self.pending else { return };
        let src_ll = self.ll_addr();
        // MAC header: frame control, sequence number, destination PAN
        // (source PAN elided by PAN ID compression), both addresses.
        let mac_hdr = 3 + 2 + p.ll_dst.as_bytes().len() + src_ll.as_bytes().len();
        let mtu = MAX_PSDU_LEN - FCS_LEN - mac_hdr;
        let ctx = self.nd.contexts();
        let mut scratch = [0u8; MAX_COMPRESSED_HEADERS];
        let mut frame = [0u8; MAX_PSDU_LEN];
        let ack = !p.ll_dst.is_broadcast();
        match encode(&self.packet[..usize::from(p.len)], &src_ll, &p.ll_dst, ctx, p.tag, mtu, &mut scratch) {
            Ok(Encoded::Single { .. }) if self.mac.queue().free() == 0 => {}
            Ok(enc @ Encoded::Single { .. }) => {
                let n = enc.write_single(&mut frame).unwrap_or(0);
                match self.mac.enqueue(&frame[..n], p.ll_dst, ack) {
                    Ok(_) => bump(&mut self.stats.tx_packets),
                    Err(_) => bump(&mut self.stats.tx_mac_refused),
                }
                self.pending = None;
            }
            Ok(Encoded::Fragmented(mut f)) => {
                let total = f.fragment_count();
                // Resume after the fragments already handed over. (The
                // headers are compressed again on each call, which costs less
                // than a whole 6LoWPAN encode, rather than kept in RAM.)
                f.skip(usize::from(p.sent));
                while usize::from(p.sent) < total && self.mac.queue().free() > 0 {
                    let Some(n) = f.next_fragment(&mut frame) else { break };
                    if self.mac.enqueue(&frame[..n], p.ll_dst, ack).is_err() {
                        // The datagram cannot be completed: give it up.
                        bump(&mut self.stats.tx_mac_refused);
                        self.pending = None;
                        return;
                    }
                    bump(&mut self.stats.tx_fragments);
                    p.sent += 1;
                }
                if usize::from(p.sent) >= total {
                    bump(&mut self.stats.tx_packets);
                    self.pending = None;
                } else {
                    self.pending = Some(p);
                }
            }
            Err(_) => {
                bump(&mut self.stats.tx_encode_errors);
                self.pending = None;
            }
        }
    }
}
