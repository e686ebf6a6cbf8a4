//! The discrete-event engine: real [`sixlo::node::Node`]s over a simulated
//! radio [`Medium`], in virtual time (µs, [`sixlo::time::Instant`]).
//!
//! - Events (a node's poll deadline, the end of a frame on the air) sit in a
//!   binary heap ordered by (time, sequence number): same seed, same order,
//!   byte-identical results.
//! - A node is polled exactly at its `poll_at()` deadline and when a frame
//!   is delivered to it, never in a busy loop: when `poll_at()` is still due
//!   after a poll it is polled again at most [`MAX_POLLS_PER_WAKE`] times,
//!   then woken at `now + 1 µs`; a node that stays due without any frame
//!   going in or out (a deadline its poll does not act on) is woken after
//!   1, 2, 4, … µs, at most about 1 ms apart.
//! - A frame is judged at the end of its airtime for every node the medium
//!   may reach (a uniform grid of cells as wide as the medium's reach):
//!   receivers that transmitted meanwhile lose it (half duplex), the medium
//!   decides for the others given every overlapping transmission near them.
//! - Each node's PRNG seed is `splitmix64(seed ^ id)`; the medium's random
//!   draws come from a ChaCha8 stream seeded from the scenario seed.
//!
//! Node memory is allocated on the simulator's heap and leaked (a node
//! borrows it for `'static`): a simulation is meant to live as long as the
//! process.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sixlo::lowpan::frag::ReassemblySlot;
use sixlo::mac::{DedupEntry, LinkStats, MacStats, TxSlot};
use sixlo::nd::Neighbor;
use sixlo::net::{AddrEntry, FragSlot, Route};
use sixlo::node::{Node, NodeConfig, NodeStorage, RplState};
use sixlo::radio::{MAX_FRAME_LEN, TURNAROUND, airtime};
use sixlo::rpl::{ParentEntry, Route as RplRoute};
use sixlo::socket::udp::UdpSocket;
use sixlo::socket::{AddError, SocketHandle, SocketSlot};
use sixlo::time::{Duration, Instant};

use crate::medium::{
    Listener, Loss, Medium, NodeId, Position, Reach, Reception, Transmission, splitmix64, uniform,
};
use crate::radio::{RadioPort, RadioStats, SimRadio};

/// Polls of one node at one instant before the engine defers it by 1 µs.
pub const MAX_POLLS_PER_WAKE: usize = 8;

/// A node still due after [`MAX_POLLS_PER_WAKE`] polls is woken 1 µs later,
/// then 2, 4, … µs while it stays due without sending or receiving a frame,
/// up to 2^10 µs (about 1 ms).
const MAX_DEFER_DOUBLINGS: u32 = 10;

/// How long [`Simulation::reboot`] keeps a node down by default (a power
/// cycle).
pub const DEFAULT_REBOOT_DOWN: Duration = Duration::from_secs(1);

/// How long a transmission is kept after its end to judge the frames it
/// overlapped (longer than the longest frame plus turnaround).
const AIR_MEMORY: Duration = Duration::from_micros(10_000);

/// The longest a frame is on the air (a 127-byte PSDU): transmissions are
/// kept in order of start, so a scan for those on the air at `t` stops at
/// the first that started before `t - LONGEST_FRAME`.
const LONGEST_FRAME: Duration = airtime(MAX_FRAME_LEN + 2);

/// Capacities of a node's storage (see [`NodeStorage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacities {
    /// MAC transmit queue slots.
    pub mac_queue: usize,
    /// MAC duplicate filter entries.
    pub mac_dedup: usize,
    /// Per-neighbour link statistics entries.
    pub mac_links: usize,
    /// 6LoWPAN-ND neighbour / registration entries (routers).
    pub neighbors: usize,
    /// Global addresses.
    pub addresses: usize,
    /// Extra multicast groups.
    pub groups: usize,
    /// Routes.
    pub routes: usize,
    /// IPv6 reassembly slots (each with a `packet_len` buffer).
    pub ip_reassembly: usize,
    /// 6LoWPAN reassembly slots (each with a `packet_len` buffer).
    pub lowpan_reassembly: usize,
    /// UDP socket slots.
    pub sockets: usize,
    /// The outgoing datagram buffer and each reassembly buffer, bytes.
    pub packet_len: usize,
    /// The buffer for a packet decompressed from one frame, bytes.
    pub rx_len: usize,
    /// RPL parent candidates.
    pub rpl_parents: usize,
    /// RPL downward routes (storing) or source routes (a non-storing root).
    pub rpl_routes: usize,
    /// The 6LoWPAN reassembly slots get no buffers: datagrams are
    /// reassembled in the packet buffer (lent pool mode, see
    /// `sixlo::node::NodeStorage::lowpan_reassembly`).
    pub lent_pool: bool,
}

impl Default for Capacities {
    /// A host-sized node: 4 queue slots, 8 neighbours, 2 reassembly slots,
    /// full 1280-byte datagrams.
    fn default() -> Self {
        Capacities {
            mac_queue: 4,
            mac_dedup: 8,
            mac_links: 8,
            neighbors: 8,
            addresses: 4,
            groups: 4,
            routes: 4,
            ip_reassembly: 1,
            lowpan_reassembly: 2,
            sockets: 4,
            packet_len: 1280,
            rx_len: 1280,
            rpl_parents: 4,
            rpl_routes: 16,
            lent_pool: false,
        }
    }
}

impl Capacities {
    /// A router: 16 neighbours, links and routes, 8 queue slots.
    pub fn router() -> Self {
        Capacities {
            mac_queue: 8,
            mac_dedup: 16,
            mac_links: 16,
            neighbors: 16,
            routes: 16,
            ..Self::default()
        }
    }

    /// Storage with these capacities, leaked from the heap.
    pub fn storage(&self) -> NodeStorage<'static> {
        let n = self.packet_len;
        NodeStorage {
            mac_queue: leak(vec![TxSlot::EMPTY; self.mac_queue]),
            mac_dedup: leak(vec![DedupEntry::EMPTY; self.mac_dedup]),
            mac_links: leak(vec![LinkStats::EMPTY; self.mac_links]),
            neighbors: leak(vec![Neighbor::EMPTY; self.neighbors]),
            addresses: leak(vec![None::<AddrEntry>; self.addresses]),
            groups: leak(vec![None; self.groups]),
            routes: leak(vec![None::<Route>; self.routes]),
            ip_reassembly: leak((0..self.ip_reassembly).map(|_| FragSlot::new(leak(vec![0u8; n]))).collect()),
            lowpan_reassembly: leak(
                (0..self.lowpan_reassembly)
                    .map(|_| match self.lent_pool {
                        true => ReassemblySlot::without_buffer(),
                        false => ReassemblySlot::new(leak(vec![0u8; n])),
                    })
                    .collect(),
            ),
            sockets: leak((0..self.sockets).map(|_| SocketSlot::EMPTY).collect()),
            packet: leak(vec![0u8; n]),
            rx: leak(vec![0u8; self.rx_len]),
            rpl_parents: leak(vec![ParentEntry::EMPTY; self.rpl_parents]),
            rpl_routes: leak(vec![RplRoute::default(); self.rpl_routes]),
            rpl_state: Some(Box::leak(Box::new(RplState::new()))),
        }
    }
}

/// Lets `node` set up its address filter on `radio`.
fn configure(node: &Node<'static>, radio: &mut SimRadio, now: Instant) {
    let mut never = || false;
    let mut port = RadioPort { radio, now, sense: &mut never };
    node.configure_radio(&mut port);
}

fn add_mac(t: &mut MacStats, m: &MacStats) {
    t.tx_frames = t.tx_frames.wrapping_add(m.tx_frames);
    t.tx_acked = t.tx_acked.wrapping_add(m.tx_acked);
    t.no_ack = t.no_ack.wrapping_add(m.no_ack);
    t.csma_fail = t.csma_fail.wrapping_add(m.csma_fail);
    t.retries = t.retries.wrapping_add(m.retries);
    t.purged = t.purged.wrapping_add(m.purged);
    t.radio_errors = t.radio_errors.wrapping_add(m.radio_errors);
    t.queue_full = t.queue_full.wrapping_add(m.queue_full);
    t.acks_sent = t.acks_sent.wrapping_add(m.acks_sent);
    t.rx_frames = t.rx_frames.wrapping_add(m.rx_frames);
    t.rx_dup = t.rx_dup.wrapping_add(m.rx_dup);
    t.rx_bad = t.rx_bad.wrapping_add(m.rx_bad);
    t.rx_not_for_us = t.rx_not_for_us.wrapping_add(m.rx_not_for_us);
}

fn leak<T>(v: Vec<T>) -> &'static mut [T] {
    Box::leak(v.into_boxed_slice())
}

/// A bound UDP socket over leaked buffers of `rx_len` and `tx_len` bytes,
/// for [`Node::add_socket`] on a simulated node.
pub fn udp_socket(port: u16, rx_len: usize, tx_len: usize) -> UdpSocket<'static> {
    let mut s = UdpSocket::new(leak(vec![0u8; rx_len]), leak(vec![0u8; tx_len]));
    // A fresh socket binds to any port; 0 is refused and leaves it unbound.
    let _ = s.bind(port);
    s
}

/// The seed of node `id`'s PRNG in a simulation seeded with `seed`.
pub fn node_seed(seed: u64, id: NodeId) -> u64 {
    splitmix64(seed ^ id.0 as u64)
}

/// One frame that was on the air, and what became of it at each receiver
/// the medium reaches (for pcap writers and metrics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRecord {
    /// Transmission sequence number (0, 1, … in order of `transmit`).
    pub seq: u64,
    /// Who sent it.
    pub sender: NodeId,
    /// First symbol on the air.
    pub start: Instant,
    /// End of the last symbol (frames are logged in order of end).
    pub end: Instant,
    /// The frame, without FCS.
    pub frame: Vec<u8>,
    /// Each receiver in range, by id, and whether it got the frame.
    pub receivers: Vec<(NodeId, Reception)>,
}

impl FrameRecord {
    /// The receivers that decoded the frame.
    pub fn received_by(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.receivers.iter().filter(|(_, r)| matches!(r, Reception::Received { .. })).map(|(n, _)| *n)
    }
}

/// Engine-wide counters (the MAC's own are in each node's stats, see
/// [`Simulation::mac_totals`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Frames put on the air.
    pub tx: u64,
    /// Frame receptions (one per receiver that decoded a frame).
    pub rx: u64,
    /// Receptions lost to interference.
    pub collisions: u64,
    /// Receptions lost because the receiver was transmitting.
    pub half_duplex: u64,
    /// Receptions lost to the channel (random loss, bit errors).
    pub channel_losses: u64,
    /// Transmissions that failed as a whole (UDGM TX ratio), per receiver.
    pub tx_failed: u64,
    /// Receptions dropped because a radio's receive queue was full.
    pub overflow: u64,
    /// Node polls.
    pub polls: u64,
    /// Events processed.
    pub events: u64,
}

/// Per-node counters kept by the engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NodeCounters {
    /// Frames this node put on the air.
    pub tx: u64,
    /// Frames this node decoded.
    pub rx: u64,
    /// Frames in range this node lost to interference.
    pub collisions: u64,
    /// Frames in range this node lost otherwise.
    pub lost: u64,
}

/// A callback given every [`FrameRecord`], in order of frame end.
pub type FrameHook = Box<dyn FnMut(&FrameRecord)>;

/// A UDP socket added through [`Simulation::add_udp_socket`], re-created
/// (empty, same port) when the node reboots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SocketSpec {
    port: u16,
    rx_len: usize,
    tx_len: usize,
}

struct SimNode {
    node: Node<'static>,
    /// The configuration it was built from (seed included) and its
    /// capacities: what a reboot rebuilds it from.
    config: NodeConfig,
    caps: Capacities,
    sockets: Vec<SocketSpec>,
    /// Reboots so far (a pending power-on event carries the count it was
    /// scheduled for).
    boots: u32,
    radio: SimRadio,
    up: bool,
    up_since: Instant,
    next_poll: Option<Instant>,
    counters: NodeCounters,
    /// Consecutive wakes that ended with the node still due (see
    /// [`MAX_POLLS_PER_WAKE`]).
    stuck: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    TxEnd(u64),
    Poll(usize),
    /// Power-on after a reboot: (node, boot count).
    PowerOn(usize, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    at: Instant,
    seq: u64,
    kind: Kind,
}

struct OnAir {
    tx: Transmission,
    /// When the sender called `transmit` (deaf from then on).
    called: Instant,
    frame: Vec<u8>,
}

/// Uniform grid of cells, each as wide as the medium's reach.
struct Grid {
    cell: f64,
    cells: HashMap<(i64, i64), Vec<NodeId>>,
}

impl Grid {
    fn key(&self, p: Position) -> (i64, i64) {
        if !(self.cell.is_finite() && self.cell > 0.0) {
            return (0, 0);
        }
        ((p.0 / self.cell).floor() as i64, (p.1 / self.cell).floor() as i64)
    }
    fn insert(&mut self, id: NodeId, p: Position) {
        let k = self.key(p);
        self.cells.entry(k).or_default().push(id);
    }
    fn remove(&mut self, id: NodeId, p: Position) {
        let k = self.key(p);
        if let Some(v) = self.cells.get_mut(&k) {
            v.retain(|x| *x != id);
        }
    }
    fn near(&self, a: Position, b: Position) -> bool {
        self.within(a, b, 1)
    }
    /// True when `a` and `b` are at most `cells` cells apart on each axis.
    fn within(&self, a: Position, b: Position, cells: i64) -> bool {
        let (ka, kb) = (self.key(a), self.key(b));
        (ka.0 - kb.0).abs() <= cells && (ka.1 - kb.1).abs() <= cells
    }
    /// Nodes in the 3×3 cells around `p`, sorted by id.
    fn around(&self, p: Position, out: &mut Vec<NodeId>) {
        let (x, y) = self.key(p);
        for dx in -1..=1 {
            for dy in -1..=1 {
                if let Some(v) = self.cells.get(&(x + dx, y + dy)) {
                    out.extend_from_slice(v);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// A simulation: nodes, a medium, a clock and an event queue.
pub struct Simulation {
    seed: u64,
    now: Instant,
    event_seq: u64,
    events: BinaryHeap<Reverse<Event>>,
    nodes: Vec<SimNode>,
    pos: Vec<Position>,
    medium: Box<dyn Medium>,
    reach: Reach,
    grid: Grid,
    air: VecDeque<OnAir>,
    tx_seq: u64,
    rng: ChaCha8Rng,
    log: Option<Vec<FrameRecord>>,
    hook: Option<FrameHook>,
    counters: Counters,
    /// Per-link delivery ratio overrides, keyed by the unordered pair
    /// (smaller id first). A `BTreeMap`: no hash order anywhere near the RNG.
    degraded: BTreeMap<(NodeId, NodeId), f64>,
    /// MAC counters of node incarnations a reboot threw away.
    retired_mac: MacStats,
}

impl Simulation {
    /// An empty simulation at time zero.
    pub fn new(seed: u64, mut medium: Box<dyn Medium>) -> Self {
        medium.set_seed(splitmix64(seed ^ 0x7368_6164_6f77));
        let reach = medium.reach();
        let cell = match reach {
            Reach::Distance(d) => d,
            Reach::Links => f64::INFINITY,
        };
        Simulation {
            seed,
            now: Instant::ZERO,
            event_seq: 0,
            events: BinaryHeap::new(),
            nodes: Vec::new(),
            pos: Vec::new(),
            medium,
            reach,
            grid: Grid { cell, cells: HashMap::new() },
            air: VecDeque::new(),
            tx_seq: 0,
            rng: ChaCha8Rng::seed_from_u64(splitmix64(seed ^ 0x6d65_6469_756d)),
            log: None,
            hook: None,
            counters: Counters::default(),
            degraded: BTreeMap::new(),
            retired_mac: MacStats::default(),
        }
    }

    /// The scenario seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Adds a node with default [`Capacities`] at `position` (metres).
    pub fn add_node(&mut self, config: NodeConfig, position: Position) -> NodeId {
        self.add_node_with(config, position, Capacities::default())
    }

    /// Adds a node with the given capacities. Its PRNG seed is replaced by
    /// [`node_seed`]`(seed, id)`. It is up and polled at the current time.
    pub fn add_node_with(&mut self, mut config: NodeConfig, position: Position, caps: Capacities) -> NodeId {
        let id = NodeId(self.nodes.len());
        config.seed = node_seed(self.seed, id);
        let (node, radio) = self.boot(&config, &caps);
        self.nodes.push(SimNode {
            node,
            config,
            caps,
            sockets: Vec::new(),
            boots: 0,
            radio,
            up: true,
            up_since: self.now,
            next_poll: None,
            counters: NodeCounters::default(),
            stuck: 0,
        });
        self.pos.push(position);
        self.grid.insert(id, position);
        self.schedule_poll(id, self.now);
        id
    }

    /// A fresh node from `config` over fresh storage, and a radio it has
    /// configured.
    fn boot(&self, config: &NodeConfig, caps: &Capacities) -> (Node<'static>, SimRadio) {
        let node = Node::new(config.clone(), caps.storage());
        let mut radio = SimRadio::new();
        configure(&node, &mut radio, self.now);
        (node, radio)
    }

    /// Adds a UDP socket bound to `port` with `rx_len` / `tx_len` byte
    /// buffers to node `id` (see [`udp_socket`]) and remembers it, so that
    /// [`Simulation::reboot`] re-creates it. Sockets added with
    /// `node_mut(id).add_socket` are not re-created.
    pub fn add_udp_socket(
        &mut self,
        id: NodeId,
        port: u16,
        rx_len: usize,
        tx_len: usize,
    ) -> Result<SocketHandle, AddError> {
        let h = self.node_mut(id).add_socket(udp_socket(port, rx_len, tx_len))?;
        self.nodes[id.0].sockets.push(SocketSpec { port, rx_len, tx_len });
        Ok(h)
    }

    /// Power-cycles node `id`: from now it is down (hears nothing, its
    /// received frames and queued work are lost) for `down_for`
    /// ([`DEFAULT_REBOOT_DOWN`] is 1 s), then it comes up as a brand-new
    /// node built from its original [`NodeConfig`] and [`Capacities`] at
    /// its current position: every table (ND registrations, neighbours,
    /// routes, MAC queue), event and socket of the old node is gone.
    ///
    /// The sockets added with [`Simulation::add_udp_socket`] are re-created
    /// empty, in the same order, on the same ports; their new handles are
    /// returned (in that order). The node's PRNG is reseeded with
    /// `splitmix64(node_seed ^ boots)` so that the new incarnation does not
    /// replay the old one's random choices. The old node's MAC counters stay
    /// in [`Simulation::mac_totals`]; engine and radio counters go on.
    ///
    /// Rebooting a node that is down restarts it the same way (its power-on
    /// is `down_for` from now); a reboot cancels a pending power-on.
    pub fn reboot(&mut self, id: NodeId, down_for: Duration) -> Vec<SocketHandle> {
        let i = id.0;
        let boots = self.nodes[i].boots + 1;
        let mut config = self.nodes[i].config.clone();
        config.seed = splitmix64(node_seed(self.seed, id) ^ u64::from(boots));
        let caps = self.nodes[i].caps;
        let mut node = Node::new(config, caps.storage());
        let handles = self.nodes[i]
            .sockets
            .iter()
            .map(|s| {
                node.add_socket(udp_socket(s.port, s.rx_len, s.tx_len)).expect("same capacities as before")
            })
            .collect();
        let old = self.nodes[i].node.stats().mac;
        add_mac(&mut self.retired_mac, &old);
        let now = self.now;
        let n = &mut self.nodes[i];
        n.node = node;
        // The radio's counters go on; its receive queue does not, and the
        // new node configures it again.
        n.radio.clear_rx();
        configure(&n.node, &mut n.radio, now);
        n.boots = boots;
        n.up = false;
        n.next_poll = None;
        self.push(self.now + down_for, Kind::PowerOn(i, boots));
        handles
    }

    /// The configuration node `id` was built from, and that the next
    /// [`Simulation::reboot`] rebuilds it from.
    pub fn config(&self, id: NodeId) -> &NodeConfig {
        &self.nodes[id.0].config
    }

    /// Replaces the configuration the next [`Simulation::reboot`] of node
    /// `id` rebuilds it from (what a node keeps in flash across a power
    /// cycle, e.g. an RPL root's DODAG version). The running node is not
    /// touched; the seed is replaced at the reboot as always.
    pub fn set_config(&mut self, id: NodeId, config: NodeConfig) {
        self.nodes[id.0].config = config;
    }

    /// How many times node `id` was rebooted.
    pub fn boots(&self, id: NodeId) -> u32 {
        self.nodes[id.0].boots
    }

    /// From now on, frames between `a` and `b` (both ways, data and ACKs)
    /// that the medium delivers are kept with probability `ratio` (0..=1,
    /// clamped), drawn from the engine's seeded RNG; the others count as
    /// channel losses ([`Loss::Channel`]). A ratio of 1 (or more) removes
    /// the override. Replaces any earlier ratio for the pair.
    pub fn set_link_ratio(&mut self, a: NodeId, b: NodeId, ratio: f64) {
        let key = (a.min(b), a.max(b));
        if ratio.is_nan() || ratio >= 1.0 {
            self.degraded.remove(&key);
        } else {
            self.degraded.insert(key, ratio.max(0.0));
        }
    }

    /// The delivery ratio override between `a` and `b` (1: none).
    pub fn link_ratio(&self, a: NodeId, b: NodeId) -> f64 {
        self.degraded.get(&(a.min(b), a.max(b))).copied().unwrap_or(1.0)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True without nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// A node, to read its state and counters.
    pub fn node(&self, id: NodeId) -> &Node<'static> {
        &self.nodes[id.0].node
    }

    /// A node, to act on it (sockets, ping). The node is polled at the
    /// current time afterwards, so what it was asked to do starts now.
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node<'static> {
        self.schedule_poll(id, self.now);
        &mut self.nodes[id.0].node
    }

    /// A node's UDP socket, to read what it received, without waking the
    /// node (unlike [`Simulation::node_mut`]: taking datagrams out of a
    /// receive queue gives the node nothing to do). Waking every node that
    /// is read every tick of a runner costs one event per node per tick.
    pub fn socket_to_read(&mut self, id: NodeId, handle: SocketHandle) -> Option<&mut UdpSocket<'static>> {
        self.nodes[id.0].node.socket(handle)
    }

    /// Takes a node's next event (echo replies, registrations) without
    /// waking it (unlike [`Simulation::node_mut`]).
    pub fn poll_event(&mut self, id: NodeId) -> Option<sixlo::node::NodeEvent> {
        self.nodes[id.0].node.poll_event()
    }

    /// A node's radio (its counters).
    pub fn radio(&self, id: NodeId) -> &SimRadio {
        &self.nodes[id.0].radio
    }

    /// A node's radio counters.
    pub fn radio_stats(&self, id: NodeId) -> RadioStats {
        self.nodes[id.0].radio.stats()
    }

    /// A node's engine counters.
    pub fn node_counters(&self, id: NodeId) -> NodeCounters {
        self.nodes[id.0].counters
    }

    /// A node's position.
    pub fn position(&self, id: NodeId) -> Position {
        self.pos[id.0]
    }

    /// Moves a node (frames already on the air keep their sender position).
    pub fn move_node(&mut self, id: NodeId, position: Position) {
        self.grid.remove(id, self.pos[id.0]);
        self.pos[id.0] = position;
        self.grid.insert(id, position);
    }

    /// True when the node is up.
    pub fn is_up(&self, id: NodeId) -> bool {
        self.nodes[id.0].up
    }

    /// Switches a node off (not polled, hears nothing, loses its received
    /// frames) or on again (polled at once; it hears frames that start from
    /// now on). Its state survives, as a node whose radio was off.
    pub fn set_up(&mut self, id: NodeId, up: bool) {
        let n = &mut self.nodes[id.0];
        if n.up == up {
            return;
        }
        n.up = up;
        n.next_poll = None;
        if up {
            n.up_since = self.now;
            self.schedule_poll(id, self.now);
        } else {
            n.radio.clear_rx();
        }
    }

    /// Keeps every [`FrameRecord`] in memory (see [`Simulation::frame_log`]).
    pub fn record_frames(&mut self, on: bool) {
        self.log = if on { Some(self.log.take().unwrap_or_default()) } else { None };
    }

    /// The frames recorded since [`Simulation::record_frames`].
    pub fn frame_log(&self) -> &[FrameRecord] {
        self.log.as_deref().unwrap_or(&[])
    }

    /// Takes the recorded frames, leaving the log empty.
    pub fn take_frame_log(&mut self) -> Vec<FrameRecord> {
        self.log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Calls `hook` with every frame, in order of frame end.
    pub fn set_frame_hook(&mut self, hook: FrameHook) {
        self.hook = Some(hook);
    }

    /// Engine counters.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The MAC counters of every node added up (tx_frames, tx_acked,
    /// no_ack, csma_fail, retries, …).
    pub fn mac_totals(&self) -> MacStats {
        let mut t = self.retired_mac;
        for n in &self.nodes {
            add_mac(&mut t, &n.node.stats().mac);
        }
        t
    }

    /// The time of the next event, if any.
    pub fn next_event_time(&self) -> Option<Instant> {
        self.events.peek().map(|Reverse(e)| e.at)
    }

    /// Processes every event up to and including `until`, then sets the
    /// clock to `until` (if later than now).
    pub fn run_until(&mut self, until: Instant) {
        while self.next_event_time().is_some_and(|t| t <= until) {
            self.step();
        }
        self.now = self.now.max(until);
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Runs until `done(self)` holds (checked after each event) or `limit`
    /// passes; returns whether it held.
    pub fn run_until_true(&mut self, limit: Instant, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        loop {
            if done(self) {
                return true;
            }
            match self.next_event_time() {
                Some(t) if t <= limit => {
                    self.step();
                }
                _ => {
                    self.now = self.now.max(limit);
                    return done(self);
                }
            }
        }
    }

    /// Processes the next event; returns its time (`None`: nothing left).
    pub fn step(&mut self) -> Option<Instant> {
        let Reverse(ev) = self.events.pop()?;
        self.now = self.now.max(ev.at);
        self.counters.events += 1;
        match ev.kind {
            Kind::Poll(i) => {
                let n = &mut self.nodes[i];
                if n.up && n.next_poll == Some(ev.at) {
                    n.next_poll = None;
                    self.poll_node(i);
                }
            }
            Kind::TxEnd(seq) => self.end_of_frame(seq),
            Kind::PowerOn(i, boots) => {
                if self.nodes[i].boots == boots {
                    self.set_up(NodeId(i), true);
                }
            }
        }
        Some(ev.at)
    }

    fn push(&mut self, at: Instant, kind: Kind) {
        let seq = self.event_seq;
        self.event_seq += 1;
        self.events.push(Reverse(Event { at, seq, kind }));
    }

    fn schedule_poll(&mut self, id: NodeId, at: Instant) {
        let n = &mut self.nodes[id.0];
        if !n.up || n.next_poll.is_some_and(|p| p <= at) {
            return;
        }
        n.next_poll = Some(at);
        self.push(at, Kind::Poll(id.0));
    }

    /// Polls node `i` at `now`, a bounded number of times while it has work.
    fn poll_node(&mut self, i: usize) {
        let now = self.now;
        for _ in 0..MAX_POLLS_PER_WAKE {
            self.counters.polls += 1;
            let (air, medium, grid, pos, reach) =
                (&self.air, &*self.medium, &self.grid, &self.pos, self.reach);
            let me = Listener { id: NodeId(i), pos: pos[i] };
            let mut sense = || {
                // Newest first; older ones than LONGEST_FRAME have ended.
                let on_air: Vec<&Transmission> = air
                    .iter()
                    .rev()
                    .map(|a| &a.tx)
                    .take_while(|t| t.start + LONGEST_FRAME > now)
                    .filter(|t| t.sender != me.id && t.on_air_at(now))
                    .filter(|t| matches!(reach, Reach::Links) || grid.near(t.pos, me.pos))
                    .collect();
                !on_air.is_empty() && medium.senses(me, &on_air)
            };
            let n = &mut self.nodes[i];
            let mut port = RadioPort { radio: &mut n.radio, now, sense: &mut sense };
            n.node.poll(now, &mut port);
            if let Some(s) = n.radio.take_started() {
                n.counters.tx += 1;
                n.stuck = 0;
                self.start_frame(NodeId(i), s);
            }
            let n = &self.nodes[i];
            if !(n.radio.has_rx() || n.node.poll_at().is_some_and(|t| t <= now)) {
                break;
            }
        }
        let n = &self.nodes[i];
        let next = if n.radio.has_rx() { Some(now) } else { n.node.poll_at() };
        match next {
            Some(t) if t > now => self.schedule_poll(NodeId(i), t),
            Some(_) => {
                // Still due: 1 µs later, and twice as long each time the
                // node is still due then without having sent or received a
                // frame (a node whose deadline passed but that has nothing
                // it can do costs ~1000 events per virtual second, not 10⁶).
                let n = &mut self.nodes[i];
                let wait = 1u64 << n.stuck.min(MAX_DEFER_DOUBLINGS);
                n.stuck += 1;

                self.schedule_poll(NodeId(i), now + Duration::from_micros(wait));
            }
            None => {}
        }
        if next.is_none_or(|t| t > now) {
            self.nodes[i].stuck = 0;
        }
    }

    fn start_frame(&mut self, sender: NodeId, s: crate::radio::StartedTx) {
        let seq = self.tx_seq;
        self.tx_seq += 1;
        self.counters.tx += 1;
        let mut tx = Transmission {
            seq,
            sender,
            pos: self.pos[sender.0],
            start: s.start,
            end: s.end,
            psdu_len: s.frame.len() + 2,
            delivered: true,
        };
        tx.delivered = self.medium.transmit_ok(&tx, &mut self.rng);
        debug_assert_eq!(s.start, s.at + TURNAROUND);
        self.air.push_back(OnAir { tx, called: s.at, frame: s.frame });
        self.push(s.end, Kind::TxEnd(seq));
    }

    fn end_of_frame(&mut self, seq: u64) {
        let Some(front) = self.air.front().map(|a| a.tx.seq) else { return };
        let Some(idx) = seq.checked_sub(front).map(|d| d as usize) else { return };
        let Some(cur) = self.air.get(idx) else { return };
        let tx = cur.tx.clone();
        let mut candidates = Vec::new();
        match self.reach {
            Reach::Distance(_) => self.grid.around(tx.pos, &mut candidates),
            Reach::Links => {
                candidates.extend_from_slice(self.medium.linked(tx.sender));
                candidates.sort_unstable();
                candidates.dedup();
            }
        }
        // The other transmissions that matter to some receiver of this one,
        // found once: those from the sender's neighbourhood (an interferer
        // is within a cell of a receiver, itself within a cell of the
        // sender) whose sender was deaf (from its `transmit` call) during
        // this frame; overlapping ones are among them. Newest first: the
        // scan stops at transmissions that ended before this one started.
        let geometric = !matches!(self.reach, Reach::Links);
        let mut others: Vec<&OnAir> = self
            .air
            .iter()
            .rev()
            .take_while(|a| a.tx.start + LONGEST_FRAME > tx.start)
            .filter(|a| a.tx.seq != seq && a.called < tx.end && tx.start < a.tx.end)
            .filter(|a| !geometric || self.grid.within(a.tx.pos, tx.pos, 2))
            .collect();
        // Oldest first, as mediums summing interference always saw them.
        others.reverse();
        let mut receivers = Vec::new();
        for r in candidates {
            if r == tx.sender {
                continue;
            }
            let n = &self.nodes[r.0];
            if !n.up || n.up_since > tx.start {
                continue;
            }
            let rpos = self.pos[r.0];
            let mut deaf = false;
            let mut interferers: Vec<&Transmission> = Vec::new();
            for a in &others {
                if a.tx.sender == r {
                    // Half duplex: deaf from its `transmit` call to its end.
                    deaf |= a.called < tx.end && tx.start < a.tx.end;
                    continue;
                }
                if a.tx.overlaps(&tx)
                    && (matches!(self.reach, Reach::Links) || self.grid.near(a.tx.pos, rpos))
                {
                    interferers.push(&a.tx);
                }
            }
            let verdict =
                self.medium.receive(Listener { id: r, pos: rpos }, &tx, &interferers, &mut self.rng);
            let verdict = match verdict {
                Reception::OutOfRange => continue,
                _ if deaf => Reception::Lost(Loss::HalfDuplex),
                _ if !tx.delivered => Reception::Lost(Loss::TxFailed),
                v @ Reception::Received { .. } if !self.degraded.is_empty() => {
                    match self.degraded.get(&(tx.sender.min(r), tx.sender.max(r))) {
                        Some(&ratio) if uniform(&mut self.rng) >= ratio => Reception::Lost(Loss::Channel),
                        _ => v,
                    }
                }
                v => v,
            };
            receivers.push((r, verdict));
        }
        let frame = self.air[idx].frame.clone();
        for (r, v) in receivers.iter_mut() {
            let n = &mut self.nodes[r.0];
            match *v {
                Reception::Received { rssi, lqi } => {
                    if n.radio.push_rx(&frame, rssi, lqi, tx.end) {
                        n.stuck = 0;
                        n.counters.rx += 1;
                        self.counters.rx += 1;
                        self.schedule_poll(*r, self.now);
                    } else {
                        *v = Reception::Lost(Loss::Overflow);
                        n.counters.lost += 1;
                        self.counters.overflow += 1;
                    }
                }
                Reception::Lost(loss) => {
                    if loss == Loss::Collision {
                        n.counters.collisions += 1;
                    } else {
                        n.counters.lost += 1;
                    }
                    let c = &mut self.counters;
                    match loss {
                        Loss::Collision => c.collisions += 1,
                        Loss::HalfDuplex => c.half_duplex += 1,
                        Loss::Channel => c.channel_losses += 1,
                        Loss::TxFailed => c.tx_failed += 1,
                        Loss::Overflow => c.overflow += 1,
                    }
                }
                Reception::OutOfRange => {}
            }
        }
        if self.log.is_some() || self.hook.is_some() {
            let rec = FrameRecord { seq, sender: tx.sender, start: tx.start, end: tx.end, frame, receivers };
            if let Some(h) = &mut self.hook {
                h(&rec);
            }
            if let Some(l) = &mut self.log {
                l.push(rec);
            }
        }
        // Forget transmissions that can no longer overlap a frame to judge.
        let now = self.now;
        while self.air.front().is_some_and(|a| a.tx.end + AIR_MEMORY < now) {
            self.air.pop_front();
        }
    }
}
