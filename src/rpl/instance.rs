//! One RPL instance as a node runs it: the DODAG ([`Dag`]), the node's own
//! DAO ([`DaoSender`]), downward routes (storing mode) or the root's
//! source routes (non-storing mode), the control messages all of these
//! produce, and per-message counters.
//!
//! [`Rpl`] is sans-IO like its parts. The node hands it every received
//! RPL control message ([`Rpl::on_message`]), asks it for messages to send
//! ([`Rpl::poll_tx`], at [`Rpl::poll_at`]) and writes them with
//! [`Rpl::emit`]; it asks it where packets go ([`Rpl::next_hop`],
//! [`Rpl::source_route`]) and tells it about link-layer failures towards
//! the preferred parent ([`Rpl::on_tx_failed`]).
//!
//! # What is sent, and to whom
//!
//! | message | from | to | when |
//! |---|---|---|---|
//! | DIO | link-local | ff02::1a | Trickle (routers and the root) |
//! | DIO | link-local | the DIS's sender | unicast DIS (with the DODAG Configuration option) |
//! | DIS | link-local | ff02::1a | not joined, with backoff ([`super::dag`]) |
//! | DIS | link-local | a DIO's sender | its DIO lacked the DODAG Configuration option |
//! | DAO (storing) | link-local | preferred parent | [`DaoSender`]: join, parent change, DTSN, refresh |
//! | DAO (storing, relayed) | link-local | preferred parent | a child's DAO changed or refreshed a route |
//! | DAO (non-storing) | global | the DODAG root | as above; relayed by plain IPv6 forwarding |
//! | DAO-ACK | the DAO's destination | the DAO's source | a DAO with the K flag |
//!
//! Storing mode acknowledges DAOs hop by hop (RFC 6550 §9.3: the DAO's
//! recipient is the parent); a relayed DAO carries no K flag, so loss
//! above the first hop is repaired by the MAC's retries and by the next
//! refresh (at half the route lifetime), as in Contiki-NG's storing mode.
//!
//! # Bounds
//!
//! Outgoing control messages wait in a queue of [`QUEUE_CAPACITY`]; when
//! it is full the oldest message is dropped and counted (`queue_drops`):
//! DIOs and the node's own DAO come again from their timers, a child whose
//! DAO-ACK was dropped retransmits its DAO, and a dropped relayed DAO is
//! sent again at the child's next refresh. Routes live in the caller's
//! storage with the rules of [`RouteTable`](super::RouteTable).

use crate::bump;
use core::net::Ipv6Addr;
use core::num::NonZeroU8;

use super::DEFAULT_MAX_RANK_INCREASE;
use super::dag::{Dag, DagAction, DioOutcome, Role, RootConfig};
use super::dao::{AckResult, DaoConfig, DaoContent, DaoSender};
use super::deadline::Deadline;
use super::parents::{ParentEntry, ParentSet};
use super::routes::{Route, RouteUpdate, rpl_lifetime, target_prefix};
use super::srh::{SourceRoutes, SrhError};
use crate::fifo::Ring;
use crate::mac::{Rng, Slots};
use crate::time::{Duration, Instant};
use crate::wire::ieee802154::Address;
use crate::wire::ipv6::{ALL_RPL_NODES, AddressExt};
use crate::wire::rpl::options::RplTarget;
use crate::wire::rpl::{Dao, DaoAck, Dio, Dis, ModeOfOperation, OptionRepr, Options, Repr, code};
use crate::wire::{self, icmpv6};

/// The longest source route a non-storing root writes (hops below it):
/// deeper nodes are unreachable downwards (counted as no route).
pub const MAX_SOURCE_ROUTE: usize = 16;

/// Control messages waiting for the packet buffer.
pub const QUEUE_CAPACITY: usize = 4;

/// Consecutive unicast failures (each after all MAC retries) towards the
/// preferred parent after which it is dropped from the parent set
/// (Contiki-NG drops a parent whose link is no longer "fresh"; a count
/// is simpler and does not depend on traffic rates).
pub const PARENT_FAILURES: u8 = 3;

/// How often a joined node probes a parent candidate whose link has no
/// statistics yet (RFC 6719 §3.2.1 needs a link metric to compare
/// candidates; Contiki-NG probes candidates every 90 s on average with
/// RPL_PROBING_INTERVAL). The probe is a unicast DIS: its MAC ACK (or
/// the lack of one) gives the link an ETX, and the unicast DIO it brings
/// back refreshes the candidate.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(30);

/// A storing router bumps its DTSN on a parent change at most this often
/// (sixlo): each bump makes its whole sub-DODAG send DAOs again, each
/// relayed to the root, so a node that changes parent several times in a
/// row (while joining, or as link estimates settle) would otherwise flood
/// the DODAG with DAOs. A change within the hold-off is covered by one
/// bump at its end.
pub const DTSN_HOLDOFF: Duration = Duration::from_secs(60);

/// What the node is in its RPL instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RplRole {
    /// The DODAG root, advertising this configuration.
    Root(RootConfig),
    /// A router: joins, forwards, sends DIOs.
    Router,
    /// A leaf: joins and sends DAOs but no DIO, forwards nothing.
    Leaf,
}

/// A node's RPL configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RplConfig {
    /// Root, router or leaf.
    pub role: RplRole,
    /// DAO timing and acknowledgement (its instance, mode and lifetimes are
    /// taken from the DODAG once joined).
    pub dao: DaoConfig,
    /// Maximum rank increase for a non-root until it learns the DODAG's.
    pub max_rank_increase: u16,
}

impl RplConfig {
    /// A root with `config`.
    pub fn root(config: RootConfig) -> Self {
        RplConfig {
            role: RplRole::Root(config),
            dao: DaoConfig::default(),
            max_rank_increase: DEFAULT_MAX_RANK_INCREASE,
        }
    }
    /// A router.
    pub fn router() -> Self {
        RplConfig {
            role: RplRole::Router,
            ..Self::root(RootConfig::new(0, Ipv6Addr::UNSPECIFIED, super::Of::Of0(super::Of0::default())))
        }
    }
    /// A leaf.
    pub fn leaf() -> Self {
        RplConfig { role: RplRole::Leaf, ..Self::router() }
    }
}

/// Per-message counters (saturating).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RplStats {
    /// DIOs sent (multicast and unicast).
    pub dio_tx: u32,
    /// DIOs received.
    pub dio_rx: u32,
    /// DIS sent.
    pub dis_tx: u32,
    /// DIS received.
    pub dis_rx: u32,
    /// DAOs sent (own, retransmitted, No-Path and relayed).
    pub dao_tx: u32,
    /// DAOs received.
    pub dao_rx: u32,
    /// DAOs relayed towards the root (storing mode).
    pub dao_relayed: u32,
    /// DAO-ACKs sent.
    pub dao_ack_tx: u32,
    /// DAO-ACKs received.
    pub dao_ack_rx: u32,
    /// Preferred-parent changes (joins included).
    pub parent_changes: u32,
    /// Times the node detached (local repair).
    pub detaches: u32,
    /// Parents dropped after [`PARENT_FAILURES`] link failures.
    pub parent_link_failures: u32,
    /// Downward routes refused (table full).
    pub routes_refused: u32,
    /// Messages dropped: malformed, wrong instance, unknown code.
    pub bad_messages: u32,
    /// Control messages dropped because the queue was full.
    pub queue_drops: u32,
    /// Data packets with a rank error (RFC 6550 §11.2.2.2).
    pub rank_errors: u32,
    /// Data packets dropped as looping (rank error seen twice).
    pub loops: u32,
    /// Packets going down with no route here, sent back up with the F flag
    /// (RFC 6550 §11.2.2.3).
    pub forwarding_errors: u32,
    /// Downward routes removed because a child reported a forwarding error.
    pub stale_routes_removed: u32,
}

/// The counters the instance keeps: [`RplStats`] but for
/// `routes_refused`, which the route table counts ([`Rpl::stats`] reads
/// it there).
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    dio_tx: u32,
    dio_rx: u32,
    dis_tx: u32,
    dis_rx: u32,
    dao_tx: u32,
    dao_rx: u32,
    dao_relayed: u32,
    dao_ack_tx: u32,
    dao_ack_rx: u32,
    parent_changes: u32,
    detaches: u32,
    parent_link_failures: u32,
    bad_messages: u32,
    queue_drops: u32,
    rank_errors: u32,
    loops: u32,
    forwarding_errors: u32,
    stale_routes_removed: u32,
}

/// Something the node should act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RplEvent {
    /// Joined a DODAG (or a new version of it): [`Rpl::autoconf_prefix`]
    /// gives the prefix to form an address in.
    Joined,
    /// The preferred parent changed ([`Rpl::preferred_parent`]).
    ParentChanged,
    /// The node detached (no parent left).
    Detached,
}

/// A control message to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// A DIO (to ff02::1a or to one node).
    Dio {
        /// Destination.
        to: Ipv6Addr,
    },
    /// A DIS (to ff02::1a or to one node).
    Dis {
        /// Destination.
        to: Ipv6Addr,
    },
    /// A DAO: the node's own, or one relayed (storing mode).
    Dao(DaoContent),
    /// A DAO-ACK.
    DaoAck {
        /// Destination (the DAO's source).
        to: Ipv6Addr,
        /// The DAO's destination, used as our source.
        from: Ipv6Addr,
        /// Instance.
        instance: u8,
        /// Echoed DAOSequence.
        sequence: u8,
        /// Status (0: accepted; 128+: rejected).
        status: u8,
    },
}

impl Control {
    /// The destination address.
    pub fn destination(&self) -> Ipv6Addr {
        match self {
            Control::Dio { to } | Control::Dis { to } | Control::DaoAck { to, .. } => *to,
            Control::Dao(c) => c.destination,
        }
    }
}

/// A control message waiting in the queue, in fewer bytes than a
/// [`Control`] (19 instead of 72, as a [`Slot`]): a relayed DAO keeps only
/// what the DAO it came in carried, a DAO-ACK names which of our addresses
/// it leaves from and whether the DAO's routes were refused (sixlo's only
/// two statuses: 0 accepted, 130 unable to accept, see `Rpl::on_dao`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queued {
    Dio(Ipv6Addr),
    Dis(Ipv6Addr),
    /// `target_len` is at most 128 ([`target_prefix`]).
    Relay {
        target: Ipv6Addr,
        target_len: u8,
        path_sequence: u8,
        path_lifetime: u8,
    },
    Ack {
        to: Ipv6Addr,
        from: AckFrom,
        instance: u8,
        sequence: u8,
        refused: bool,
    },
}

/// [`Slot::kind`] of a [`Queued::Dio`]; a relayed DAO's is its target
/// length + 1 (1..=129), the DIS's and DAO-ACKs' follow.
const KIND_DIO: u8 = 130;
const KIND_DIS: u8 = 131;
/// DAO-ACKs: this + 2 × [`AckFrom::Global`] + refused (132..=135).
const KIND_ACK: u8 = 132;

/// A [`Queued`] as the queue keeps it, 19 bytes with its `Option` (a
/// [`Queued`] is 20): the address, two bytes (a relay's path sequence and
/// lifetime, an ACK's instance and sequence) and a kind that also holds a
/// relay's target length, or an ACK's source and status. The kind is never
/// 0, the niche of the queue's empty slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    addr: Ipv6Addr,
    a: u8,
    b: u8,
    kind: NonZeroU8,
}

impl Slot {
    fn pack(q: Queued) -> Slot {
        let (addr, a, b, kind) = match q {
            Queued::Dio(to) => (to, 0, 0, KIND_DIO),
            Queued::Dis(to) => (to, 0, 0, KIND_DIS),
            Queued::Relay { target, target_len, path_sequence, path_lifetime } => {
                (target, path_sequence, path_lifetime, target_len.min(128) + 1)
            }
            Queued::Ack { to, from, instance, sequence, refused } => {
                (to, instance, sequence, KIND_ACK + 2 * u8::from(from == AckFrom::Global) + u8::from(refused))
            }
        };
        Slot { addr, a, b, kind: NonZeroU8::new(kind).unwrap_or(NonZeroU8::MIN) }
    }

    fn unpack(self) -> Queued {
        let Slot { addr, a, b, kind } = self;
        match kind.get() {
            KIND_DIO => Queued::Dio(addr),
            KIND_DIS => Queued::Dis(addr),
            k @ KIND_ACK.. => Queued::Ack {
                to: addr,
                from: if (k - KIND_ACK) & 2 != 0 { AckFrom::Global } else { AckFrom::LinkLocal },
                instance: a,
                sequence: b,
                refused: (k - KIND_ACK) & 1 != 0,
            },
            k => Queued::Relay { target: addr, target_len: k - 1, path_sequence: a, path_lifetime: b },
        }
    }
}

/// The instance's events, oldest first, in one byte: four 2-bit slots
/// from the low bits up (0: empty; else [`RplEvent`] as
/// [`Events::code`]). When all four are used, a new event drops the
/// oldest (as a [`Ring`] would).
#[derive(Debug, Clone, Copy, Default)]
struct Events(u8);

impl Events {
    fn code(e: RplEvent) -> u8 {
        match e {
            RplEvent::Joined => 1,
            RplEvent::ParentChanged => 2,
            RplEvent::Detached => 3,
        }
    }

    fn push_overwrite(&mut self, e: RplEvent) {
        if self.0 >> 6 != 0 {
            self.pop_front();
        }
        let mut shift = 0;
        while (self.0 >> shift) & 3 != 0 {
            shift += 2;
        }
        self.0 |= Self::code(e) << shift;
    }

    fn pop_front(&mut self) -> Option<RplEvent> {
        let code = self.0 & 3;
        self.0 >>= 2;
        match code {
            1 => Some(RplEvent::Joined),
            2 => Some(RplEvent::ParentChanged),
            3 => Some(RplEvent::Detached),
            _ => None,
        }
    }
}

/// The source of a queued DAO-ACK: the address the DAO went to (RFC 6550
/// §6.5 leaves the DAO-ACK's source open; answering from the DAO's
/// destination lets a non-storing DAO-ACK come from the DODAG ID the
/// child sent to). A storing-mode DAO goes to our link-local address, a
/// non-storing one to the root's DODAG ID, its global address: those two
/// are all sixlo nodes send to, and all the queue keeps. A DAO to a
/// multicast group is answered from the link-local address; one to
/// another address of ours from the address of the same scope that RPL
/// uses (the global one, the link-local one for a link-scoped address or
/// without a global one). The address is read when the DAO-ACK is sent:
/// if [`Rpl::set_global_address`] changed it meanwhile, the new one is
/// used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AckFrom {
    LinkLocal,
    Global,
}

/// The node's DAO sender, or before there is one the DAO settings and the
/// global address to create it with: the sender keeps both itself (the
/// address as its target), so the instance needs no second copy.
#[derive(Debug)]
enum DaoSlot {
    Idle { config: DaoConfig, global: Option<Ipv6Addr> },
    Active(DaoSender),
}

impl DaoSlot {
    /// Our address in the DODAG's prefix, once known (a root's: its DODAG ID).
    #[inline(never)]
    fn global(&self) -> Option<Ipv6Addr> {
        match self {
            DaoSlot::Idle { global, .. } => *global,
            DaoSlot::Active(d) => Some(d.target()),
        }
    }

    fn get(&self) -> Option<&DaoSender> {
        match self {
            DaoSlot::Active(d) => Some(d),
            DaoSlot::Idle { .. } => None,
        }
    }

    #[inline(never)]
    fn get_mut(&mut self) -> Option<&mut DaoSender> {
        match self {
            DaoSlot::Active(d) => Some(d),
            DaoSlot::Idle { .. } => None,
        }
    }

    /// Drops the sender, keeping its settings and target (our global
    /// address) for the next one. The settings are the node's own but for
    /// the instance and mode of operation (set again when the next sender
    /// is created) and the lifetime (set again from the DODAG
    /// Configuration before any DAO goes: a sender gets a parent only once
    /// the node is joined, see [`Rpl::sync_dao`]).
    fn reset(&mut self) {
        if let DaoSlot::Active(d) = self {
            *self = DaoSlot::Idle { config: d.config(), global: Some(d.target()) };
        }
    }
}

/// The inputs of a received control message.
#[derive(Debug, Clone, Copy)]
pub struct RxMeta {
    /// IPv6 source.
    pub src: Ipv6Addr,
    /// IPv6 destination.
    pub dst: Ipv6Addr,
    /// The link-layer sender.
    pub ll_src: Address,
    /// ETX × 128 of the link to `ll_src`, if the MAC has statistics.
    pub link_etx: Option<u16>,
}

/// One RPL instance (see the module docs).
#[derive(Debug)]
pub struct Rpl<P: Slots<ParentEntry>, R: Slots<Route>> {
    /// The DODAG state; its role tells whether we are the root.
    dag: Dag<P>,
    /// The DAO settings (the rest of the configuration went into `dag`)
    /// and our address in the DODAG's prefix (non-storing DAO source,
    /// DAO target), inside the sender once there is one.
    dao: DaoSlot,
    routes: SourceRoutes<R>,
    queue: Ring<Slot, QUEUE_CAPACITY>,
    events: Events,
    parent_failures: u8,
    probe_at: Deadline,
    probe_turn: u8,
    /// The end of the hold-off after the last DTSN bump for a parent
    /// change, and whether one waits.
    dtsn_due: Deadline,
    dtsn_pending: bool,
    /// The DODAG the downward routes belong to; `::` before the first
    /// join (no `Option`: then there are no routes, so a DODAG whose ID is
    /// `::` needs no flush either).
    routes_dodag: Ipv6Addr,
    stats: Counters,
}

impl<P: Slots<ParentEntry>, R: Slots<Route>> Rpl<P, R> {
    /// An instance keeping parent candidates in `parents` and routes in
    /// `routes`. A root's global address is its DODAGID.
    ///
    /// The instance keeps no copy of the node's link-local address (the
    /// interface derives it from the EUI-64): [`Rpl::poll_tx`] and
    /// [`Rpl::source_for`] take it.
    pub fn new(config: RplConfig, parents: P, routes: R) -> Self {
        let set = ParentSet::new(parents, config.max_rank_increase);
        let (dag, root) = match config.role {
            RplRole::Root(rc) => (Dag::root(rc, set), rc.dodag_id),
            RplRole::Router => (Dag::router(set), Ipv6Addr::UNSPECIFIED),
            RplRole::Leaf => (Dag::leaf(set), Ipv6Addr::UNSPECIFIED),
        };
        let global = matches!(config.role, RplRole::Root(_)).then_some(root);
        Rpl {
            dag,
            dao: DaoSlot::Idle { config: config.dao, global },
            routes: SourceRoutes::new(routes),
            queue: Ring::new(),
            events: Events::default(),
            parent_failures: 0,
            probe_at: Deadline::NONE,
            probe_turn: 0,
            dtsn_due: Deadline::NONE,
            dtsn_pending: false,
            // `root` is `::` but for a root.
            routes_dodag: root,
            stats: Counters::default(),
        }
    }

    /// The DODAG state (rank, parents, version, Trickle).
    pub fn dag(&self) -> &Dag<P> {
        &self.dag
    }
    /// The role.
    pub fn role(&self) -> Role {
        self.dag.role()
    }
    /// Whether the node is in a DODAG (the root always).
    pub fn joined(&self) -> bool {
        self.dag.joined()
    }
    /// The rank ([`INFINITE_RANK`](super::INFINITE_RANK) when detached).
    pub fn rank(&self) -> u16 {
        self.dag.rank()
    }
    /// The preferred parent's link-local address.
    pub fn preferred_parent(&self) -> Option<Ipv6Addr> {
        self.dag.preferred_parent().map(|p| p.info.ip)
    }
    /// The parent candidates with their ranks and link metrics.
    pub fn parents(&self) -> impl Iterator<Item = &ParentEntry> + '_ {
        self.dag.parents().iter()
    }
    /// The prefix of the DODAG's PIO when its A flag allows forming an
    /// address in it (RFC 6550 §6.7.10): (prefix, length).
    pub fn autoconf_prefix(&self) -> Option<(Ipv6Addr, u8)> {
        let p = self.dag.advertised()?.prefix?;
        p.autonomous.then_some((p.prefix, p.prefix_len))
    }

    /// The DODAG's mode of operation, once known.
    pub fn mode_of_operation(&self) -> Option<ModeOfOperation> {
        self.dag.advertised().map(|d| d.mop)
    }
    /// The DODAG's MinHopRankIncrease (1 before one is known).
    pub fn min_hop_rank_increase(&self) -> u16 {
        self.dag.advertised().map_or(1, |d| d.config.minimum_hop_rank_increase)
    }

    /// Whether the DODAG runs in storing mode (MOP 2 or 3).
    pub fn is_storing(&self) -> bool {
        self.storing()
    }
    fn storing(&self) -> bool {
        matches!(
            self.mode_of_operation(),
            Some(ModeOfOperation::StoringWithoutMulticast | ModeOfOperation::StoringWithMulticast)
        )
    }
    fn non_storing(&self) -> bool {
        self.mode_of_operation() == Some(ModeOfOperation::NonStoring)
    }
    /// Downward routes: storing mode, next hop = the child's link-local
    /// address; a non-storing root, next hop = the target's parent (its
    /// global address).
    pub fn routes(&self) -> impl Iterator<Item = &Route> + '_ {
        self.routes.iter()
    }
    /// The node's own DAO state (non-roots, once joined).
    pub fn dao(&self) -> Option<&DaoSender> {
        self.dao.get()
    }
    /// Our address in the DODAG's prefix.
    pub fn global_address(&self) -> Option<Ipv6Addr> {
        self.dao.global()
    }
    /// The counters (returned by value: `routes_refused` is read from
    /// the route table, which counts the routes it refuses).
    pub fn stats(&self) -> RplStats {
        let c = &self.stats;
        RplStats {
            dio_tx: c.dio_tx,
            dio_rx: c.dio_rx,
            dis_tx: c.dis_tx,
            dis_rx: c.dis_rx,
            dao_tx: c.dao_tx,
            dao_rx: c.dao_rx,
            dao_relayed: c.dao_relayed,
            dao_ack_tx: c.dao_ack_tx,
            dao_ack_rx: c.dao_ack_rx,
            parent_changes: c.parent_changes,
            detaches: c.detaches,
            parent_link_failures: c.parent_link_failures,
            routes_refused: self.routes.refused(),
            bad_messages: c.bad_messages,
            queue_drops: c.queue_drops,
            rank_errors: c.rank_errors,
            loops: c.loops,
            forwarding_errors: c.forwarding_errors,
            stale_routes_removed: c.stale_routes_removed,
        }
    }
    /// The next event.
    pub fn poll_event(&mut self) -> Option<RplEvent> {
        self.events.pop_front()
    }

    fn push_event(&mut self, e: RplEvent) {
        self.events.push_overwrite(e);
    }

    fn enqueue(&mut self, c: Queued) {
        if self.queue.push_overwrite(Slot::pack(c)) {
            bump(&mut self.stats.queue_drops);
        }
    }

    /// Tells the instance the address it formed from the DODAG's prefix.
    pub fn set_global_address(&mut self, now: Instant, addr: Ipv6Addr, rng: &mut Rng) {
        if self.dao.global() == Some(addr) {
            return;
        }
        // A new target: a new DAO sender (a root has none).
        self.dao.reset();
        if let DaoSlot::Idle { global, .. } = &mut self.dao {
            *global = Some(addr);
        }
        if self.dag.role() != Role::Root {
            self.sync_dao(now, rng);
        }
    }

    /// Where a packet for `dst` goes next, when RPL knows: a downward
    /// route (storing mode), or the preferred parent for anything that is
    /// not link-local. `None` at a non-storing root (see
    /// [`Rpl::source_route`]) and when detached.
    pub fn next_hop(&self, dst: &Ipv6Addr) -> Option<Ipv6Addr> {
        if dst.is_multicast() || dst.is_link_local() {
            return None;
        }
        if self.storing() {
            if let Some(r) = self.routes.table().lookup(*dst) {
                return Some(r.next_hop);
            }
        }
        if self.dag.role() == Role::Root && self.non_storing() {
            // The first hop of the source route.
            let mut hops = [Ipv6Addr::UNSPECIFIED; MAX_SOURCE_ROUTE];
            let (_, root) = self.dag.dodag_id()?;
            return self.routes.route_to(root, *dst, &mut hops).ok().map(|_| hops[0]);
        }
        self.preferred_parent()
    }

    /// Whether `dst` is below us (storing-mode route): a packet to it
    /// goes down (RFC 6553 O flag).
    pub fn is_down(&self, dst: &Ipv6Addr) -> bool {
        self.dag.role() == Role::Root || (self.storing() && self.routes.table().lookup(*dst).is_some())
    }

    /// The root's source route to `dst` in forwarding order (first hop
    /// first, `dst` last), non-storing mode only.
    pub fn source_route(&self, dst: &Ipv6Addr, out: &mut [Ipv6Addr]) -> Result<usize, SrhError> {
        if self.dag.role() != Role::Root || !self.non_storing() {
            return Err(SrhError::NoRoute);
        }
        // A root's DODAG ID is its address (RFC 6550 §6.3.1), the parent
        // address its children name.
        let (_, root) = self.dag.dodag_id().ok_or(SrhError::NoRoute)?;
        self.routes.route_to(root, *dst, out)
    }

    /// The instance ID, once known.
    pub fn instance_id(&self) -> Option<u8> {
        self.dag.dodag_id().map(|(i, _)| i)
    }

    /// A received RPL control message (ICMPv6 type 155, checksum verified).
    #[inline(never)]
    pub fn on_message(&mut self, now: Instant, meta: RxMeta, code: u8, body: &[u8], rng: &mut Rng) {
        // Dispatch on the code, then parse that message type alone.
        let parsed = match code {
            code::DIO => Dio::parse(body).map(|dio| self.on_dio(now, meta, &dio, rng)),
            code::DIS => Dis::parse(body).map(|_| self.on_dis(now, meta, rng)),
            code::DAO => Dao::parse(body).map(|dao| {
                bump(&mut self.stats.dao_rx);
                self.on_dao(now, meta, &dao);
            }),
            code::DAO_ACK => DaoAck::parse(body).map(|ack| self.on_dao_ack(now, &ack, rng)),
            // Secure variants, Consistency Check, unassigned codes.
            _ => Err(wire::Error::Malformed),
        };
        if parsed.is_err() {
            bump(&mut self.stats.bad_messages);
        }
    }

    fn on_dio(&mut self, now: Instant, meta: RxMeta, dio: &Dio<'_>, rng: &mut Rng) {
        bump(&mut self.stats.dio_rx);
        // RFC 6550 §6.3: DIOs come from link-local addresses.
        if !meta.src.is_link_local() {
            bump(&mut self.stats.bad_messages);
            return;
        }
        let was_parent = self.preferred_parent();
        let out = self.dag.on_dio(now, meta.src, meta.ll_src, dio, meta.link_etx, rng);
        if was_parent == Some(meta.src) {
            if let Some(d) = self.dao.get_mut() {
                d.dio_from_parent(now, dio.dtsn, rng);
            }
        }
        self.after_outcome(now, out, rng);
    }

    fn on_dis(&mut self, now: Instant, meta: RxMeta, rng: &mut Rng) {
        bump(&mut self.stats.dis_rx);
        let unicast = !meta.dst.is_multicast();
        if let Some(DagAction::ReplyDio { to }) = self.dag.on_dis(now, meta.src, unicast, rng) {
            self.enqueue(Queued::Dio(to));
        }
    }

    fn on_dao_ack(&mut self, now: Instant, ack: &DaoAck<'_>, rng: &mut Rng) {
        bump(&mut self.stats.dao_ack_rx);
        if Some(ack.rpl_instance_id) != self.instance_id() {
            bump(&mut self.stats.bad_messages);
            return;
        }
        if let Some(d) = self.dao.get_mut() {
            if let AckResult::Rejected(_) = d.dao_ack(now, ack.sequence, ack.status, rng) {
                // RFC 6550 §6.5: a rejecting parent should not be used.
                if let Some(p) = self.preferred_parent() {
                    let out = self.dag.parent_unreachable(now, p, rng);
                    self.after_outcome(now, out, rng);
                }
            }
        }
    }

    #[inline(never)]
    fn on_dao(&mut self, now: Instant, meta: RxMeta, dao: &Dao<'_>) {
        let Some((instance, _)) = self.dag.dodag_id() else {
            bump(&mut self.stats.bad_messages);
            return;
        };
        if dao.rpl_instance_id != instance || !self.dag.joined() || self.dag.role() == Role::Leaf {
            bump(&mut self.stats.bad_messages);
            return;
        }
        let lifetime_unit = self.dag.advertised().map_or(60, |d| d.config.lifetime_unit);
        let root = self.dag.role() == Role::Root;
        let non_storing = self.non_storing();
        // RFC 6550 §6.7.7-8: each Transit option applies to the Targets
        // before it. sixlo's DAOs carry one target group; groups are
        // handled in order all the same.
        let mut targets = [RplTarget { flags: 0, prefix_len: 0, prefix: &[] }; 4];
        let mut n = 0;
        let mut refused = false;
        // The target to relay upwards (the last one that needs it).
        let mut relay = None;
        for opt in dao.options.iter() {
            match opt {
                // More targets than sixlo groups under one Transit are ignored.
                Ok(OptionRepr::RplTarget(t)) => {
                    if let Some(slot) = targets.get_mut(n) {
                        *slot = t;
                        n += 1;
                    }
                }
                Ok(OptionRepr::TransitInformation(ti)) => {
                    for t in &targets[..n] {
                        let Some((prefix, len)) = target_prefix(t) else { continue };
                        // Our own address came back to us (a transient
                        // parent loop): no route to ourselves, no relay.
                        if len == 128 && Some(prefix) == self.dao.global() {
                            continue;
                        }
                        let life = rpl_lifetime(ti.path_lifetime, lifetime_unit);
                        // A refresh is relayed only when the route was near
                        // the end of its life (a periodic refresh), not when
                        // it was refreshed a moment ago (a retransmitted DAO
                        // whose ACK was lost, a DTSN-triggered repeat):
                        // every relay goes all the way to the root.
                        let recent = self.routes.iter().any(|r| {
                            r.prefix == prefix
                                && r.prefix_len == len
                                && r.path_sequence == ti.path_sequence
                                && r.expires.saturating_duration_since(now).total_micros()
                                    > life.total_micros() / 4 * 3
                        });
                        let up = if non_storing {
                            if !root {
                                continue;
                            }
                            // RFC 6550 §9.7: non-storing, target → its parent.
                            let Some(parent) = ti.parent_address else { continue };
                            if len != 128 {
                                continue;
                            }
                            self.routes.update(now, prefix, parent, ti.path_sequence, life)
                        } else {
                            // RFC 6550 §9.2: storing, next hop = the DAO's sender.
                            self.routes.table_mut().update(now, prefix, len, meta.src, ti.path_sequence, life)
                        };
                        match up {
                            RouteUpdate::Full => {
                                // Counted by the table (`RplStats::routes_refused`).
                                // RFC 9010 §12.6 / RFC 6550 §6.5: 130 "unable to accept" (sixlo: table full).
                                refused = true;
                            }
                            RouteUpdate::Stale | RouteUpdate::NotFound => {}
                            RouteUpdate::Refreshed if recent => {}
                            _ if !non_storing && !root => {
                                relay = Some(Queued::Relay {
                                    target: prefix,
                                    target_len: len,
                                    path_sequence: ti.path_sequence,
                                    path_lifetime: ti.path_lifetime,
                                });
                            }
                            _ => {}
                        }
                    }
                    n = 0;
                }
                Ok(_) => {}
                Err(_) => {
                    bump(&mut self.stats.bad_messages);
                    return;
                }
            }
        }
        if dao.expect_ack {
            // The ACK comes from the address the DAO went to (the
            // root's global address in non-storing mode), see `AckFrom`.
            let global = self.dao.global();
            let from = if global.is_some()
                && (Some(meta.dst) == global || !(meta.dst.is_multicast() || meta.dst.is_link_local()))
            {
                AckFrom::Global
            } else {
                AckFrom::LinkLocal
            };
            self.enqueue(Queued::Ack { to: meta.src, from, instance, sequence: dao.sequence, refused });
        }
        if let (Some(r), true) = (relay, self.preferred_parent().is_some()) {
            bump(&mut self.stats.dao_relayed);
            self.enqueue(r);
        }
    }

    /// Keeps the DAO sender in step with the DODAG: created once joined
    /// with an address, told about parent changes.
    fn sync_dao(&mut self, now: Instant, rng: &mut Rng) {
        if self.dag.role() == Role::Root {
            return;
        }
        let mop = self.mode_of_operation();
        let downward = matches!(
            mop,
            Some(
                ModeOfOperation::NonStoring
                    | ModeOfOperation::StoringWithoutMulticast
                    | ModeOfOperation::StoringWithMulticast
            )
        );
        let (Some(global), Some((instance, dodag_id)), true) =
            (self.dao.global(), self.dag.dodag_id(), downward)
        else {
            return;
        };
        let config = self.dag.advertised().map(|d| d.config);
        // Moved to another DODAG: the DAOs go there now.
        if self.dao.get().is_some_and(|d| d.dodag_id() != dodag_id) {
            self.dao.reset();
        }
        if let DaoSlot::Idle { config: saved, .. } = self.dao {
            let mut c = saved;
            c.rpl_instance_id = instance;
            c.non_storing = mop == Some(ModeOfOperation::NonStoring);
            self.dao = DaoSlot::Active(DaoSender::new(c, global, 128, dodag_id));
        }
        let parent = self.dag.preferred_parent().map(|p| p.info.ip);
        if let Some(d) = self.dao.get_mut() {
            if let Some(c) = config {
                d.set_lifetime(c.default_lifetime, c.lifetime_unit);
            }
            // The transit parent address (non-storing) is the parent's
            // global address: same prefix as `global`, the parent's IID
            // (the sender derives it from its target, `global`).
            d.set_parent(now, parent, rng);
        }
    }

    fn after_outcome(&mut self, now: Instant, out: DioOutcome, rng: &mut Rng) {
        // One sequence for all outcomes, each step where it applies.
        let event = match out {
            DioOutcome::NeedConfig { to } => return self.enqueue(Queued::Dis(to)),
            DioOutcome::Ignored | DioOutcome::NoChange => return,
            DioOutcome::DaoNeeded => None,
            DioOutcome::Joined => {
                let id = self.dag.dodag_id().map_or(Ipv6Addr::UNSPECIFIED, |(_, id)| id);
                if self.routes_dodag != id {
                    // Another DODAG: routes learnt in the old one go.
                    self.routes_dodag = id;
                    let _ = self.routes.table_mut().poll(Instant::MAX);
                }
                Some(RplEvent::Joined)
            }
            DioOutcome::ParentChanged => Some(RplEvent::ParentChanged),
            DioOutcome::Detached => Some(RplEvent::Detached),
        };
        if let Some(e) = event {
            if e == RplEvent::Detached {
                bump(&mut self.stats.detaches);
            } else {
                bump(&mut self.stats.parent_changes);
                self.parent_failures = 0;
            }
            self.push_event(e);
            self.sync_dao(now, rng);
        }
        // Joined (a new version too) or the parent's new DTSN: the DAO goes
        // again (RFC 6550 §9.6).
        if matches!(out, DioOutcome::Joined | DioOutcome::DaoNeeded) {
            if let Some(d) = self.dao.get_mut() {
                d.schedule(now, rng);
            }
        }
        // Storing mode, a new parent: its branch has no routes to our
        // sub-DODAG yet; a new DTSN makes the children send their DAOs
        // again, which we relay (RFC 6550 §9.6, as Contiki-NG). The
        // parent's new DTSN: our sub-DODAG refreshes too.
        if matches!(out, DioOutcome::ParentChanged | DioOutcome::DaoNeeded)
            && self.storing()
            && self.dag.role() == Role::Router
        {
            self.dtsn_pending = true;
            self.bump_dtsn(now, rng);
        }
        if out == DioOutcome::Detached {
            // Routes through a detached node are useless to its children.
            let _ = self.routes.table_mut().poll(Instant::MAX);
        }
    }

    /// The DTSN bump a parent change asked for, unless one was made less
    /// than [`DTSN_HOLDOFF`] ago.
    fn bump_dtsn(&mut self, now: Instant, rng: &mut Rng) {
        if !self.dtsn_pending || self.dtsn_due.get().is_some_and(|t| t > now) {
            return;
        }
        self.dtsn_pending = false;
        if self.dag.joined() {
            self.dtsn_due = Deadline::at(now + DTSN_HOLDOFF);
            self.dag.increment_dtsn(now, rng);
        }
    }

    /// A unicast frame to `to` failed after all MAC retries. After
    /// [`PARENT_FAILURES`] in a row to the preferred parent, that parent is
    /// dropped and another chosen (or the node detaches: local repair).
    pub fn on_tx_failed(&mut self, now: Instant, to: Address, rng: &mut Rng) {
        let Some(p) = self.dag.preferred_parent() else { return };
        if p.info.ll != to {
            return;
        }
        let ip = p.info.ip;
        self.parent_failures = self.parent_failures.saturating_add(1);
        if self.parent_failures >= PARENT_FAILURES {
            self.parent_failures = 0;
            bump(&mut self.stats.parent_link_failures);
            let out = self.dag.parent_unreachable(now, ip, rng);
            self.after_outcome(now, out, rng);
        }
    }

    /// A unicast frame to `to` was acknowledged.
    pub fn on_tx_acked(&mut self, to: Address) {
        if self.dag.preferred_parent().is_some_and(|p| p.info.ll == to) {
            self.parent_failures = 0;
        }
    }

    /// Refreshes the parents' link metrics from the MAC's statistics.
    pub fn update_link_metrics(
        &mut self,
        now: Instant,
        etx: impl FnMut(Address) -> Option<u16>,
        rng: &mut Rng,
    ) {
        let out = self.dag.refresh_links(now, etx, rng);
        self.after_outcome(now, out, rng);
    }

    /// A data packet showed a rank error (RFC 6550 §11.2.2.2); `looping`
    /// when it already carried one: the node resets its Trickle timer so
    /// that the DODAG repairs (§11.2.2.3).
    pub fn on_rank_error(&mut self, now: Instant, looping: bool, rng: &mut Rng) {
        bump(&mut self.stats.rank_errors);
        if looping {
            bump(&mut self.stats.loops);
            self.dag.inconsistency(now, rng);
        }
    }

    /// A packet going down found no route at a child (it came back with
    /// the F flag set, RFC 6550 §11.2.2.3): our route to `dst` through
    /// that child is stale and goes.
    pub fn on_forwarding_error(&mut self, now: Instant, dst: &Ipv6Addr) {
        let Some(r) = self.routes.table().lookup(*dst).copied() else { return };
        let up = self.routes.table_mut().update(
            now,
            r.prefix,
            r.prefix_len,
            r.next_hop,
            r.path_sequence,
            Duration::ZERO,
        );
        if up == RouteUpdate::Removed {
            bump(&mut self.stats.stale_routes_removed);
        }
    }

    /// Counts a packet this node sent back up with the F flag.
    pub fn count_forwarding_error(&mut self) {
        bump(&mut self.stats.forwarding_errors);
    }

    /// Root only: a new DODAG version (global repair, RFC 6550 §8.2.2.1).
    pub fn global_repair(&mut self, now: Instant, rng: &mut Rng) -> bool {
        self.dag.global_repair(now, rng)
    }

    /// Non-root: detach and rejoin (local repair, RFC 6550 §8.2.2.5).
    pub fn local_repair(&mut self, now: Instant, rng: &mut Rng) {
        if self.dag.role() != Role::Root {
            self.dag.local_repair(now, rng);
            self.after_outcome(now, DioOutcome::Detached, rng);
        }
    }

    /// Runs the timers (Trickle, DIS, DAO, route expiry) and returns the
    /// next control message to send, if any. Call while it returns
    /// messages and the node can send them. `link_local` is the node's
    /// link-local address: a DAO-ACK answering a DAO sent to it (or to a
    /// multicast group) leaves from it ([`Control::DaoAck`]'s `from`).
    #[inline(never)]
    pub fn poll_tx(&mut self, now: Instant, link_local: Ipv6Addr, rng: &mut Rng) -> Option<Control> {
        self.routes.poll(now);
        self.bump_dtsn(now, rng);
        match self.dag.poll(now, rng) {
            Some(DagAction::MulticastDio) => self.enqueue(Queued::Dio(ALL_RPL_NODES)),
            Some(DagAction::ReplyDio { to }) => self.enqueue(Queued::Dio(to)),
            Some(DagAction::MulticastDis) => self.enqueue(Queued::Dis(ALL_RPL_NODES)),
            None => {}
        }
        self.probe(now, rng);
        while let Some(q) = self.queue.pop_front() {
            if let Some(c) = self.control(q.unpack(), link_local) {
                return Some(c);
            }
        }
        self.dao.get_mut().and_then(|d| d.poll(now, rng)).map(Control::Dao)
    }

    /// The message a queued entry stands for; a relayed DAO goes to the
    /// preferred parent of the moment (none when detached: dropped). A
    /// DAO-ACK from [`AckFrom::LinkLocal`] leaves from `link_local`.
    #[inline(never)]
    fn control(&self, q: Queued, link_local: Ipv6Addr) -> Option<Control> {
        Some(match q {
            Queued::Dio(to) => Control::Dio { to },
            Queued::Dis(to) => Control::Dis { to },
            Queued::Ack { to, from, instance, sequence, refused } => {
                let from = match (from, self.dao.global()) {
                    (AckFrom::Global, Some(global)) => global,
                    _ => link_local,
                };
                // RFC 9010 §12.6 / RFC 6550 §6.5: 130 "unable to accept".
                let status = if refused { 130 } else { 0 };
                Control::DaoAck { to, from, instance, sequence, status }
            }
            Queued::Relay { target, target_len, path_sequence, path_lifetime } => {
                let (instance, dodag_id) = self.dag.dodag_id()?;
                // A relayed DAO: same target and transit, our own sequence, no K.
                Control::Dao(DaoContent {
                    destination: self.preferred_parent()?,
                    rpl_instance_id: instance,
                    sequence: self.dao.get().map_or(0, |d| d.dao_sequence()),
                    expect_ack: false,
                    dodag_id,
                    target,
                    target_len,
                    path_sequence,
                    path_lifetime,
                    parent_address: None,
                    retransmission: false,
                })
            }
        })
    }

    /// Link probing (see [`PROBE_INTERVAL`]): one candidate without link
    /// statistics per interval, jittered to [0.5, 1.5) × the interval.
    fn probe(&mut self, now: Instant, rng: &mut Rng) {
        if !self.probing() {
            self.probe_at = Deadline::NONE;
            return;
        }
        // A detached node that knows candidates probes four times as often:
        // their links are what keeps it out.
        let joined = self.dag.joined();
        let next = |rng: &mut Rng| {
            let i = PROBE_INTERVAL.total_micros() / if joined { 1 } else { 4 };
            now + Duration::from_micros(i / 2 + u64::from(rng.up_to(i.min(u64::from(u32::MAX)) as u32)))
        };
        match self.probe_at.get() {
            None => self.probe_at = Deadline::at(next(rng)),
            Some(t) if t <= now => {
                self.probe_at = Deadline::at(next(rng));
                // Joined: the first candidate without statistics. Detached:
                // each candidate in turn (their statistics keep them out).
                // The preferred parent is never probed. One walk picks it.
                let preferred = self.preferred_parent();
                let others = || self.dag.parents().iter().filter(move |p| Some(p.info.ip) != preferred);
                let turn = self.probe_turn;
                let mut pick = if joined { 0 } else { usize::from(turn) % others().count().max(1) };
                let mut target = None;
                for p in others() {
                    if joined && p.link_etx().is_some() {
                        continue;
                    }
                    if pick == 0 {
                        target = Some(p.info.ip);
                        break;
                    }
                    pick -= 1;
                }
                self.probe_turn = turn.wrapping_add(1);
                if let Some(to) = target {
                    self.enqueue(Queued::Dis(to));
                }
            }
            Some(_) => {}
        }
    }

    fn probing(&self) -> bool {
        self.dag.role() != Role::Root
            && !self.dag.poisoning()
            && (self.dag.joined() || self.dag.parents().iter().next().is_some())
    }

    /// The next time [`Rpl::poll_tx`] has work.
    pub fn poll_at(&self) -> Instant {
        if !self.queue.is_empty() {
            return Instant::ZERO;
        }
        let mut at = self.dag.poll_at();
        if let Some(t) = self.dao.get().and_then(DaoSender::poll_at) {
            at = at.min(t);
        }
        if let Some(t) = self.routes.poll_at() {
            at = at.min(t);
        }
        if self.probing() {
            at = at.min(self.probe_at.get().unwrap_or(Instant::ZERO));
        }
        if self.dtsn_pending {
            at = at.min(self.dtsn_due.get().unwrap_or(Instant::ZERO));
        }
        at
    }

    /// The IPv6 source for `c`: `link_local` (the node's link-local
    /// address), except non-storing DAOs and the root's answers to them,
    /// which cross several hops.
    pub fn source_for(&self, c: &Control, link_local: Ipv6Addr) -> Option<Ipv6Addr> {
        match c {
            Control::Dao(d) if !d.destination.is_link_local() => self.dao.global(),
            Control::DaoAck { from, .. } => Some(*from),
            _ => Some(link_local),
        }
    }

    /// Writes `c` as an ICMPv6 message (type 155) from `src` into `out`;
    /// its length, or `None` without room or without a DODAG to describe.
    /// Counts the message as sent.
    #[inline(never)]
    pub fn emit(&mut self, c: &Control, src: &Ipv6Addr, out: &mut [u8]) -> Option<usize> {
        let dst = c.destination();
        let body = out.get_mut(4..)?;
        // Each message: its base object (a `Repr` without options), then
        // the options it carries, each through its own encoder (no
        // `OptionRepr` dispatch over the kinds a node never sends; the
        // DIO's in `DioContent::emit`).
        let (code, len) = match c {
            Control::Dio { .. } => {
                let len = self.dag.dio()?.emit(body)?;
                bump(&mut self.stats.dio_tx);
                (code::DIO, len)
            }
            Control::Dis { .. } => {
                let base = Repr::Dis(Dis::default());
                let n = base.emit_base(body.get_mut(..base.base_len())?);
                bump(&mut self.stats.dis_tx);
                (code::DIS, n)
            }
            Control::Dao(d) => {
                let target_bytes = d.target.octets();
                let plen = usize::from(d.target_len.min(128)).div_ceil(8);
                let target = RplTarget { flags: 0, prefix_len: d.target_len, prefix: &target_bytes[..plen] };
                let transit = d.transit_information();
                let base = Repr::Dao(Dao {
                    rpl_instance_id: d.rpl_instance_id,
                    expect_ack: d.expect_ack,
                    flags: 0,
                    reserved: 0,
                    sequence: d.sequence,
                    // RFC 6550 §6.4.1: the DODAGID may be left out for a
                    // global instance (IDs below 128).
                    dodag_id: (d.rpl_instance_id >= 128).then_some(d.dodag_id),
                    options: Options::EMPTY,
                });
                let t = target.buffer_len();
                let len = base.base_len() + t + transit.buffer_len();
                let body = body.get_mut(..len)?;
                let b = base.emit_base(body);
                target.emit(&mut body[b..]);
                transit.emit(&mut body[b + t..]);
                bump(&mut self.stats.dao_tx);
                (code::DAO, len)
            }
            Control::DaoAck { instance, sequence, status, .. } => {
                let base = Repr::DaoAck(DaoAck {
                    rpl_instance_id: *instance,
                    flags: 0,
                    sequence: *sequence,
                    status: *status,
                    dodag_id: None,
                    options: Options::EMPTY,
                });
                let n = base.emit_base(body.get_mut(..base.base_len())?);
                bump(&mut self.stats.dao_ack_tx);
                (code::DAO_ACK, n)
            }
        };
        let buf = &mut out[..4 + len];
        let mut p = icmpv6::Packet::new_unchecked(&mut *buf);
        p.set_msg_type(icmpv6::Message::RplControl);
        p.set_msg_code(code);
        p.fill_checksum(src, &dst);
        Some(4 + len)
    }
}

/// `prefix`'s first 64 bits with `iid_from`'s last 64.
pub fn with_iid(prefix: &Ipv6Addr, iid_from: &Ipv6Addr) -> Ipv6Addr {
    let mut iid = [0u8; 8];
    iid.copy_from_slice(&iid_from.octets()[8..]);
    crate::nd::addr_from_prefix(*prefix, iid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpl::{Of, Of0};
    use crate::wire::rpl::options::PrefixInformation;

    type TestRpl = Rpl<[ParentEntry; 3], [Route; 4]>;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn root_cfg(mop: ModeOfOperation) -> RootConfig {
        let mut rc = RootConfig::new(0x1e, ip("fd00::1"), Of::Of0(Of0::default()));
        rc.mop = mop;
        rc.prefix = Some(PrefixInformation::autoconf(ip("fd00::"), 64));
        rc
    }

    fn new(config: RplConfig) -> TestRpl {
        Rpl::new(config, [ParentEntry::EMPTY; 3], [Route::default(); 4])
    }

    /// Emits `c` from `from` and returns (code, body) as a receiver sees them.
    fn wire(from: &mut TestRpl, ll: &str, c: &Control) -> (u8, std::vec::Vec<u8>) {
        let src = from.source_for(c, ip(ll)).unwrap();
        let mut buf = [0u8; 256];
        let n = from.emit(c, &src, &mut buf).unwrap();
        let p = icmpv6::Packet::new_checked(&buf[..n]).unwrap();
        assert!(p.verify_checksum(&src, &c.destination()));
        assert_eq!(p.msg_type(), icmpv6::Message::RplControl);
        (p.msg_code(), p.message_body().to_vec())
    }

    fn meta(src: &str, dst: Ipv6Addr, ll: u8) -> RxMeta {
        RxMeta { src: ip(src), dst, ll_src: Address::Short([0, ll]), link_etx: None }
    }

    /// A root and a router that joined it.
    fn joined(mop: ModeOfOperation) -> (TestRpl, TestRpl, Rng) {
        let mut rng = Rng::new(5);
        let mut root = new(RplConfig::root(root_cfg(mop)));
        let mut router = new(RplConfig::router());
        let now = Instant::ZERO;
        let (code, body) = wire(&mut root, "fe80::1", &Control::Dio { to: ALL_RPL_NODES });
        router.on_message(now, meta("fe80::1", ALL_RPL_NODES, 1), code, &body, &mut rng);
        assert!(router.joined());
        assert_eq!(router.poll_event(), Some(RplEvent::Joined));
        assert_eq!(router.autoconf_prefix(), Some((ip("fd00::"), 64)));
        router.set_global_address(now, ip("fd00::2"), &mut rng);
        (root, router, rng)
    }

    #[test]
    fn queued_slots_and_events_round_trip() {
        let a = ip("fe80::9");
        let mut all = std::vec![Queued::Dio(a), Queued::Dis(ALL_RPL_NODES)];
        for target_len in [0, 1, 64, 127, 128] {
            all.push(Queued::Relay { target: a, target_len, path_sequence: 0xff, path_lifetime: 7 });
        }
        for (from, refused) in
            [(AckFrom::LinkLocal, false), (AckFrom::Global, true), (AckFrom::Global, false)]
        {
            all.push(Queued::Ack { to: a, from, instance: 0x1e, sequence: 200, refused });
        }
        for q in all {
            assert_eq!(Slot::pack(q).unpack(), q);
        }
        assert_eq!(size_of::<Option<Slot>>(), 19);
        // Events: oldest first; a fifth drops the oldest.
        let mut e = Events::default();
        assert_eq!(e.pop_front(), None);
        let seq = [RplEvent::Joined, RplEvent::ParentChanged, RplEvent::Detached, RplEvent::Joined];
        for ev in seq {
            e.push_overwrite(ev);
        }
        e.push_overwrite(RplEvent::Detached);
        for ev in [RplEvent::ParentChanged, RplEvent::Detached, RplEvent::Joined, RplEvent::Detached] {
            assert_eq!(e.pop_front(), Some(ev));
        }
        assert_eq!(e.pop_front(), None);
        e.push_overwrite(RplEvent::ParentChanged);
        assert_eq!(e.pop_front(), Some(RplEvent::ParentChanged));
    }

    #[test]
    fn garbage_is_counted() {
        let mut rng = Rng::new(1);
        let mut r = new(RplConfig::router());
        r.on_message(Instant::ZERO, meta("fe80::1", ALL_RPL_NODES, 1), 1, &[1, 2, 3], &mut rng);
        r.on_message(Instant::ZERO, meta("fe80::1", ALL_RPL_NODES, 1), 0x7f, &[0; 8], &mut rng);
        assert_eq!(r.stats().bad_messages, 2);
        assert!(!r.joined());
    }

    #[test]
    fn unicast_dis_gets_a_unicast_dio_with_the_configuration() {
        let (mut root, _, mut rng) = joined(ModeOfOperation::StoringWithoutMulticast);
        let (code, body) = wire(&mut root, "fe80::1", &Control::Dis { to: ip("fe80::1") });
        assert_eq!(code, 0);
        root.on_message(Instant::ZERO, meta("fe80::9", ip("fe80::1"), 9), code, &body, &mut rng);
        let c = root.poll_tx(Instant::ZERO, ip("fe80::1"), &mut rng);
        assert_eq!(c, Some(Control::Dio { to: ip("fe80::9") }));
        let (code, body) = wire(&mut root, "fe80::1", &c.unwrap());
        let Ok(Repr::Dio(d)) = Repr::parse(code, &body) else { panic!() };
        assert!(d.options.iter().any(|o| matches!(o, Ok(OptionRepr::DodagConfiguration(_)))));
        // A multicast DIS resets Trickle instead (no unicast answer).
        root.on_message(Instant::ZERO, meta("fe80::9", ALL_RPL_NODES, 9), 0, &[0, 0], &mut rng);
        assert_eq!(root.stats().dis_rx, 2);
    }

    #[test]
    fn dio_without_configuration_asks_its_sender() {
        let mut rng = Rng::new(1);
        let root = new(RplConfig::root(root_cfg(ModeOfOperation::StoringWithoutMulticast)));
        let content = root.dag().dio().unwrap();
        // A RIOT-style DIO: no DODAG Configuration option.
        let dio = Repr::Dio(content.to_repr(&[]));
        let mut body = [0u8; 64];
        let n = dio.buffer_len();
        dio.emit(&mut body[..n]);
        let mut r = new(RplConfig::router());
        r.on_message(Instant::ZERO, meta("fe80::1", ALL_RPL_NODES, 1), 1, &body[..n], &mut rng);
        assert!(!r.joined());
        assert_eq!(
            r.poll_tx(Instant::ZERO, ip("fe80::2"), &mut rng),
            Some(Control::Dis { to: ip("fe80::1") })
        );
    }

    #[test]
    fn storing_router_acks_stores_and_relays_a_childs_dao() {
        let (_root, mut router, mut rng) = joined(ModeOfOperation::StoringWithoutMulticast);
        let mut child = new(RplConfig::router());
        let dao = DaoContent {
            destination: ip("fe80::2"),
            rpl_instance_id: 0x1e,
            sequence: 7,
            expect_ack: true,
            dodag_id: ip("fd00::1"),
            target: ip("fd00::3"),
            target_len: 128,
            path_sequence: 9,
            path_lifetime: 30,
            parent_address: None,
            retransmission: false,
        };
        let (code, body) = wire(&mut child, "fe80::3", &Control::Dao(dao));
        let now = Instant::from_secs(1);
        router.on_message(now, meta("fe80::3", ip("fe80::2"), 3), code, &body, &mut rng);
        assert_eq!(router.next_hop(&ip("fd00::3")), Some(ip("fe80::3")));
        assert!(router.is_down(&ip("fd00::3")));
        assert_eq!(router.next_hop(&ip("fd00::77")), Some(ip("fe80::1")), "default: the parent");
        let mut sent = std::vec::Vec::new();
        while let Some(c) = router.poll_tx(now, ip("fe80::2"), &mut rng) {
            sent.push(c);
        }
        assert!(sent.contains(&Control::DaoAck {
            to: ip("fe80::3"),
            from: ip("fe80::2"),
            instance: 0x1e,
            sequence: 7,
            status: 0
        }));
        let relayed = sent.iter().find_map(|c| match c {
            Control::Dao(d) if d.target == ip("fd00::3") => Some(*d),
            _ => None,
        });
        let relayed = relayed.expect("relayed DAO");
        assert_eq!(
            (relayed.destination, relayed.path_sequence, relayed.expect_ack),
            (ip("fe80::1"), 9, false)
        );
        assert_eq!(router.stats().dao_relayed, 1);
        // The child later reports it has no route (a packet came back up
        // with the F flag): the route through it goes.
        router.on_forwarding_error(now, &ip("fd00::3"));
        assert!(!router.is_down(&ip("fd00::3")));
        assert_eq!(router.stats().stale_routes_removed, 1);
    }

    #[test]
    fn non_storing_root_builds_source_routes() {
        let (mut root, mut router, mut rng) = joined(ModeOfOperation::NonStoring);
        // The router's own DAO goes to the root's global address and names
        // its parent's global address.
        let mut now = Instant::ZERO;
        let dao = loop {
            now += Duration::from_millis(500);
            if let Some(Control::Dao(d)) = router.poll_tx(now, ip("fe80::2"), &mut rng) {
                break d;
            }
            assert!(now < Instant::from_secs(30));
        };
        assert_eq!((dao.destination, dao.parent_address), (ip("fd00::1"), Some(ip("fd00::1"))));
        let (code, body) = wire(&mut router, "fe80::2", &Control::Dao(dao));
        root.on_message(now, meta("fd00::2", ip("fd00::1"), 2), code, &body, &mut rng);
        let mut hops = [Ipv6Addr::UNSPECIFIED; 4];
        assert_eq!(root.source_route(&ip("fd00::2"), &mut hops), Ok(1));
        assert_eq!(root.next_hop(&ip("fd00::2")), Some(ip("fd00::2")));
        let ack = root.poll_tx(now, ip("fe80::1"), &mut rng).unwrap();
        assert_eq!(root.source_for(&ack, ip("fe80::1")), Some(ip("fd00::1")));
        assert!(matches!(ack, Control::DaoAck { to, status: 0, .. } if to == ip("fd00::2")));
    }

    #[test]
    fn queue_is_bounded() {
        let (_root, mut router, mut rng) = joined(ModeOfOperation::StoringWithoutMulticast);
        // Each unicast DIS queues a DIO answer; two more than fit.
        for _ in 0..QUEUE_CAPACITY + 2 {
            router.on_message(Instant::ZERO, meta("fe80::9", ip("fe80::2"), 9), 0, &[0, 0], &mut rng);
        }
        assert_eq!(router.stats().queue_drops, 2);
    }

    #[test]
    fn parent_failures_detach() {
        let (_root, mut router, mut rng) = joined(ModeOfOperation::StoringWithoutMulticast);
        let parent = Address::Short([0, 1]);
        router.on_tx_failed(Instant::ZERO, parent, &mut rng);
        router.on_tx_acked(parent);
        router.on_tx_failed(Instant::ZERO, parent, &mut rng);
        router.on_tx_failed(Instant::ZERO, parent, &mut rng);
        assert!(router.joined(), "an ACK in between resets the count");
        router.on_tx_failed(Instant::ZERO, parent, &mut rng);
        assert!(!router.joined());
        assert_eq!(router.stats().parent_link_failures, 1);
        assert_eq!(router.stats().detaches, 1);
    }
}
