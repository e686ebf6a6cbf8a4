//! Running a scenario: builds the network of real sixlo nodes, drives the
//! engine through traffic and faults, and writes the outputs.
//!
//! Every run is an RPL mesh (one instance, 0x1e):
//!
//! - the root is a 6LoWPAN-ND router with prefix `fd00::/64` and context 0
//!   and the RPL root of a DODAG whose DODAGID is its global address; its
//!   DIOs carry a PIO for `fd00::/64` with the A flag, the scenario's mode
//!   of operation and objective function and the `[rpl]` timers;
//! - routers are ND routers announcing nothing but context 0, RPL routers;
//! - leaves (`[roles] leaves`) are the same with an RPL leaf configuration.
//!
//! A node is *joined* when its RPL instance is joined and it has formed its
//! global address from the PIO; only joined nodes send (and are sent)
//! traffic. Storage: the root has room for one RPL route per node (a
//! storing root needs one per descendant, a non-storing root one source
//! route per node); so does every router, capped at [`ROUTER_ROUTES_MAX`]
//! (a real router would be sized for its sub-DODAG; memory is cheap in the
//! simulator, and the cap keeps 10,000-node runs in a few GB); 5 parent
//! candidates per non-root.
//!
//! Faults: `node_down` / `node_up` ([`Simulation::set_up`], state kept),
//! `move`, `link` ([`Simulation::set_link_ratio`]: an extra delivery ratio
//! on the pair, both ways) and `root_reboot` ([`Simulation::reboot`]: the
//! root is down for 1 s and comes back with empty tables; its socket is
//! re-created). The rebooted root starts the DODAG at the version after
//! the one it ran before, as a real root that keeps its DODAG version in
//! flash would: every node sees a new version (a global repair, RFC 6550
//! §8.2.2.1), joins it and sends fresh DAOs, so the root's routes come
//! back without waiting for the 15-minute DAO refresh.
//!
//! After each fault the runner measures how long the network takes to be
//! *complete* again: every node that is up is joined, in the root's
//! current DODAG version, and the root has a route to each of them
//! ([`Recovery`], in the log and in [`RunResult::recoveries`]).

use std::collections::HashMap;
use std::io;
use std::net::Ipv6Addr;
use std::time::Instant as WallClock;

use sixlo::node::{NodeConfig, NodeEvent, RouterSettings};
use sixlo::rpl::dag::RootConfig;
use sixlo::rpl::{Mrhof, Of0, RplConfig, RplEvent, RplRole, RplStats, lollipop_increment};
use sixlo::socket::SocketHandle;
use sixlo::time::{Duration, Instant};
use sixlo::wire::rpl::ModeOfOperation;
use sixlo::wire::rpl::options::PrefixInformation;

use crate::engine::{Capacities, DEFAULT_REBOOT_DOWN, Simulation};
use crate::medium::pathloss::PathLoss;
use crate::medium::topo::Topo;
use crate::medium::udgm::Udgm;
use crate::medium::{Medium, NodeId, splitmix64};
use crate::output::log::NodeLog;
use crate::output::metrics::{Frames, Metrics, Radio, RadioTime, Rpl, Traffic};
use crate::output::pcap::PcapWriter;
use crate::output::svg::Dodag;
use crate::output::{self, Progress};
use crate::scenario::{FaultKind, MediumConfig, Mop, Of, Periodic, Role, Scenario};
use crate::topology::unit_disk_links;

/// The PAN every simulated node joins.
const PAN_ID: u16 = 0xabcd;
/// The UDP port traffic goes to and comes from: in the RFC 6282 §4.3.1
/// range that compresses to 4 bits, and one no dissector claims, so
/// Wireshark shows the test payload as data rather than as broken CoAP.
const PORT: u16 = 0xf0b1;
/// How often the runner looks at sockets and events: the resolution of the
/// latencies it measures.
const TICK: Duration = Duration::from_millis(5);
/// The prefix the root announces (and context 0).
const PREFIX: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0);
/// How long a root reboot keeps the root down (a power cycle).
const REBOOT_DOWN: Duration = DEFAULT_REBOOT_DOWN;
/// The RPL instance every run uses.
pub const INSTANCE_ID: u8 = 0x1e;
/// RPL routes of a router: the node count, at most this many.
pub const ROUTER_ROUTES_MAX: usize = 1024;
/// MAC retransmissions after the first attempt (Contiki-NG's
/// `CSMA_MAX_FRAME_RETRIES`).
pub const MAC_RETRIES: u8 = 7;
/// RPL parent candidates of a router or leaf.
pub const PARENTS: usize = 5;
/// How often the runner re-reads which nodes are joined (the resolution
/// of `converged_at_s` and of recovery times).
const JOIN_CHECK: Duration = Duration::from_millis(100);
/// How often [`RunResult::samples`] records the network's state.
const SAMPLE: Duration = Duration::from_secs(1);
/// How long after sending a downward datagram the runner reads its
/// receiver's socket.
const DOWN_WAIT: Duration = Duration::from_secs(30);
/// The hop limit datagrams leave with (the stack's default): a datagram
/// received with hop limit `h` took `HOP_LIMIT + 1 - h` hops.
const HOP_LIMIT: u8 = 64;

/// Node `i`'s EUI-64: a locally administered address with `i + 1` in its
/// last three bytes, so that node `i`'s addresses are `fe80::i+1` and
/// `fd00::i+1` (hex). Not `02:00:00:ff:fe:…`: that EUI-64 gives the IID
/// `0000:00ff:fe00:XXXX`, which RFC 4944 §6 reserves for 16-bit short
/// addresses, and a link-local address with it resolves to short address
/// XXXX, which the node does not have.
pub fn eui64(i: usize) -> [u8; 8] {
    let mut e = [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    e[5..8].copy_from_slice(&(i as u32 + 1).to_be_bytes()[1..]);
    e
}

/// Node `i`'s global address in the root's prefix (RFC 4944 §6 IID).
pub fn global(i: usize) -> Ipv6Addr {
    let mut o = PREFIX.octets();
    o[8..].copy_from_slice(&eui64(i));
    o[8] ^= 0x02;
    Ipv6Addr::from(o)
}

/// Node `i`'s link-local address (RFC 4944 §6 IID).
pub fn link_local(i: usize) -> Ipv6Addr {
    let mut o = global(i).octets();
    o[..8].copy_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0]);
    Ipv6Addr::from(o)
}

/// One application datagram, up (node → root) or down (root → node).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datagram {
    /// True for node → root.
    pub up: bool,
    /// The non-root end.
    pub node: usize,
    /// When it was handed to the socket, seconds.
    pub sent_s: f64,
    /// When the runner read it from the receiving socket (5 ms resolution).
    pub received_s: Option<f64>,
    /// Hops it took (from the hop limit it arrived with).
    pub hops: Option<u32>,
}

/// The network's state at one instant (every second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Virtual time, ms.
    pub t_ms: u64,
    /// Joined nodes (the root included).
    pub joined: usize,
    /// Nodes the root has an RPL route to (its own descendants in storing
    /// mode, its source routes in non-storing mode).
    pub root_routes: usize,
}

/// A preferred-parent change seen in a node's events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParentChange {
    /// Virtual time, seconds.
    pub t_s: f64,
    /// The node.
    pub node: usize,
    /// The new parent (`None`: detached).
    pub parent: Option<usize>,
}

/// How long the network took to be complete again after a fault: every
/// node that is up joined, in the root's current DODAG version, with a
/// route at the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// The fault, as the log names it.
    pub fault: String,
    /// When it happened, seconds.
    pub at_s: f64,
    /// Seconds from the fault until the network was complete again (at
    /// 0.1 s resolution), `None` if it never was before the end.
    pub after_s: Option<f64>,
}

/// A node's RPL state at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeEnd {
    /// Joined, with its global address.
    pub joined: bool,
    /// Its rank.
    pub rank: u16,
    /// Its preferred parent.
    pub parent: Option<usize>,
    /// The DODAG version it is in.
    pub version: Option<u8>,
}

/// What a run produced.
pub struct RunResult {
    /// The metrics (also written to `metrics.json`).
    pub metrics: Metrics,
    /// Files written.
    pub files: Vec<std::path::PathBuf>,
    /// Every datagram sent, in order of sending.
    pub datagrams: Vec<Datagram>,
    /// The network's state every second.
    pub samples: Vec<Sample>,
    /// Every preferred-parent change (joins and detaches included).
    pub parent_changes: Vec<ParentChange>,
    /// One per fault, in order.
    pub recoveries: Vec<Recovery>,
    /// Each node's state at the end.
    pub nodes: Vec<NodeEnd>,
    /// The nodes the root has a route to at the end, sorted.
    pub root_routes: Vec<usize>,
}

/// The configuration of node `i` in scenario `s`.
pub fn node_config(s: &Scenario, i: usize) -> NodeConfig {
    let mut settings = RouterSettings::default();
    let _ = settings.contexts.push((0, PREFIX, 64));
    let role = s.roles.role(i);
    if role == Role::Root {
        let _ = settings.prefixes.push((PREFIX, 64));
    }
    let mut c = NodeConfig::router(eui64(i), PAN_ID, settings);
    // Contiki-NG's CSMA settings (7 retransmissions, 5 backoffs) rather
    // than the standard's 3 and 4: the RPL scenarios mirror Contiki-NG's
    // tests, and a multi-hop mesh with hidden terminals needs them.
    c.mac.max_frame_retries = MAC_RETRIES;
    c.mac.max_csma_backoffs = 5;
    c.rpl = Some(match role {
        Role::Root => RplConfig::root(root_config(s, global(i))),
        Role::Router => RplConfig::router(),
        Role::Leaf => RplConfig::leaf(),
    });
    c
}

/// The root's DODAG configuration for scenario `s`.
pub fn root_config(s: &Scenario, dodag_id: Ipv6Addr) -> RootConfig {
    let of = match s.rpl.of {
        Of::Of0 => sixlo::rpl::Of::Of0(Of0::default()),
        Of::Mrhof => sixlo::rpl::Of::Mrhof(Mrhof::default()),
    };
    let mut rc = RootConfig::new(INSTANCE_ID, dodag_id, of);
    rc.mop = match s.rpl.mop {
        Mop::Storing => ModeOfOperation::StoringWithoutMulticast,
        Mop::NonStoring => ModeOfOperation::NonStoring,
    };
    rc.prefix = Some(PrefixInformation::autoconf(PREFIX, 64));
    rc.dio_interval_min = s.rpl.dio_interval_min;
    rc.dio_interval_doublings = s.rpl.dio_interval_doublings;
    rc.dio_redundancy_constant = s.rpl.dio_redundancy_constant;
    rc.default_lifetime = s.rpl.default_lifetime;
    rc.lifetime_unit = s.rpl.lifetime_unit;
    rc
}

/// The storage of node `i` of `n` in scenario `s` (see the module docs).
pub fn node_capacities(s: &Scenario, i: usize, n: usize) -> Capacities {
    let c = node_capacities_of(s, i, n);
    Capacities { lent_pool: s.lent_pool, ..c }
}

fn node_capacities_of(s: &Scenario, i: usize, n: usize) -> Capacities {
    match s.roles.role(i) {
        Role::Root => Capacities {
            neighbors: (n + 8).max(16),
            mac_queue: 16,
            rpl_parents: 1,
            rpl_routes: n.max(1),
            ..Capacities::router()
        },
        Role::Router => Capacities {
            rpl_parents: PARENTS,
            rpl_routes: n.clamp(1, ROUTER_ROUTES_MAX),
            ..Capacities::router()
        },
        Role::Leaf => Capacities { rpl_parents: PARENTS, rpl_routes: 1, ..Capacities::default() },
    }
}

fn add_rpl(t: &mut RplStats, s: &RplStats) {
    t.dio_tx = t.dio_tx.saturating_add(s.dio_tx);
    t.dis_tx = t.dis_tx.saturating_add(s.dis_tx);
    t.dao_tx = t.dao_tx.saturating_add(s.dao_tx);
    t.dao_ack_tx = t.dao_ack_tx.saturating_add(s.dao_ack_tx);
    t.parent_changes = t.parent_changes.saturating_add(s.parent_changes);
    t.detaches = t.detaches.saturating_add(s.detaches);
    t.dao_relayed = t.dao_relayed.saturating_add(s.dao_relayed);
    t.dao_rx = t.dao_rx.saturating_add(s.dao_rx);
    t.queue_drops = t.queue_drops.saturating_add(s.queue_drops);
    t.parent_link_failures = t.parent_link_failures.saturating_add(s.parent_link_failures);
    t.loops = t.loops.saturating_add(s.loops);
    t.rank_errors = t.rank_errors.saturating_add(s.rank_errors);
    t.forwarding_errors = t.forwarding_errors.saturating_add(s.forwarding_errors);
}

/// Whether node `i` is joined: in a DODAG and holding its global address.
fn is_joined(sim: &Simulation, i: usize) -> bool {
    let node = sim.node(NodeId(i));
    node.rpl().is_some_and(|r| r.joined()) && node.global_addresses().any(|a| a == global(i))
}

fn build_medium(s: &Scenario, links: Option<&[crate::topology::Link]>) -> Result<Box<dyn Medium>, String> {
    Ok(match &s.medium {
        MediumConfig::Udgm { tx_range_m, interference_range_m, success_tx, success_rx } => {
            Box::new(Udgm::new(*tx_range_m, *interference_range_m, *success_tx, *success_rx))
        }
        MediumConfig::Topo { .. } => {
            let mut t = Topo::new();
            for l in links.ok_or("a topo medium needs a .topo link file")? {
                t.set_link(NodeId(l.a), NodeId(l.b), l.w_ab);
                t.set_link(NodeId(l.b), NodeId(l.a), l.w_ba);
            }
            Box::new(t)
        }
        MediumConfig::PathLoss { p_tx_dbm, pl_d0_db, exponent, sigma_db, noise_dbm, .. } => {
            Box::new(PathLoss {
                tx_power_dbm: *p_tx_dbm,
                pl_d0_db: *pl_d0_db,
                exponent: *exponent,
                sigma_db: *sigma_db,
                noise_floor_dbm: *noise_dbm,
                ..PathLoss::default()
            })
        }
    })
}

/// A datagram's payload: sequence number and send time, then padding.
fn payload(seq: u32, now: Instant, len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len.max(12)];
    p[..4].copy_from_slice(&seq.to_be_bytes());
    p[4..12].copy_from_slice(&now.total_micros().to_be_bytes());
    p
}

/// Runs `s`, writing outputs under `s.output.dir`; `progress` shows a bar on
/// long runs.
pub fn run(s: &Scenario, progress: bool) -> Result<RunResult, String> {
    let wall = WallClock::now();
    let net = s.network().map_err(|e| e.to_string())?;
    let n = net.positions.len();
    if n == 0 {
        return Err("the scenario has no nodes".into());
    }
    let root = s.roles.root;
    let mut sim = Simulation::new(s.seed, build_medium(s, net.links.as_deref())?);
    sim.record_frames(s.output.pcap);
    // Airtime per sender, for the radio's duty cycle and charge.
    let airtime_us = std::rc::Rc::new(std::cell::RefCell::new(vec![0u64; n]));
    let hook_airtime = airtime_us.clone();
    sim.set_frame_hook(Box::new(move |f| {
        if let Some(t) = hook_airtime.borrow_mut().get_mut(f.sender.0) {
            *t += (f.end - f.start).total_micros();
        }
    }));
    for (i, p) in net.positions.iter().enumerate() {
        sim.add_node_with(node_config(s, i), (p.x, p.y), node_capacities(s, i, n));
    }
    let mut sockets: Vec<SocketHandle> = (0..n)
        .map(|i| sim.add_udp_socket(NodeId(i), PORT, 4096, 2048).map_err(|e| format!("node {i}: {e:?}")))
        .collect::<Result<_, _>>()?;
    // Addresses back to node ids (parents, routes).
    let by_link_local: HashMap<Ipv6Addr, usize> = (0..n).map(|i| (link_local(i), i)).collect();
    let by_global: HashMap<Ipv6Addr, usize> = (0..n).map(|i| (global(i), i)).collect();

    std::fs::create_dir_all(&s.output.dir).map_err(|e| format!("{}: {e}", s.output.dir.display()))?;
    let out = |f: &str| s.output.dir.join(f);
    let mut log = if s.output.log {
        Some(NodeLog::create(&out(output::LOG_FILE)).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let end = Instant::from_micros((s.duration_s * 1e6) as u64);
    let secs = |t: Instant| t.total_micros() as f64 / 1e6;
    let mut bar = progress.then(|| Progress::new(end.total_micros()));
    let mut faults = s.faults.iter().peekable();
    // Node i sends (and is sent) its k-th datagram (i + u)/n of an interval
    // after the k-th interval's start, u uniform in [0, 1) from the seed:
    // the nodes do not send together, and the two flows do not fall into
    // step with each other (two senders that start in the same millisecond
    // on both sides of a hidden terminal collide on every MAC retry).
    let slot = |p: Option<&Periodic>, flow: u64, i: usize, k: u64| match p {
        Some(p) => {
            let r = splitmix64(s.seed ^ splitmix64(flow << 56 ^ (i as u64) << 28 ^ k));
            let u = (r >> 11) as f64 / (1u64 << 53) as f64;
            let at = p.start_s + p.interval_s * (k as f64 + (i as f64 + u) / n as f64);
            Instant::from_micros((at * 1e6) as u64)
        }
        None => Instant::MAX,
    };
    let mut up_k = vec![0u64; n];
    let mut down_k = vec![0u64; n];
    let mut next_up_at: Vec<Instant> = (0..n).map(|i| slot(s.traffic.up.as_ref(), 1, i, 0)).collect();
    let mut next_down_at: Vec<Instant> = (0..n).map(|i| slot(s.traffic.down.as_ref(), 2, i, 0)).collect();
    let mut joined: Vec<bool> = (0..n).map(|i| i == root).collect();
    let mut converged_at: Option<Instant> = None;
    let mut next_join_check = Instant::ZERO;
    let mut next_sample = Instant::ZERO;
    let mut samples = Vec::new();
    let mut parent_changes = Vec::new();
    let mut recoveries: Vec<Recovery> = Vec::new();
    let mut datagrams: Vec<Datagram> = Vec::new();
    // Datagram index by sequence number, until received.
    let mut pending: HashMap<u32, usize> = HashMap::new();
    // Nodes whose socket may hold a downward datagram, until when.
    let mut watch: Vec<Instant> = vec![Instant::ZERO; n];
    let mut watched: Vec<usize> = Vec::new();
    let mut seq = 0u32;
    let mut buf = vec![0u8; 2048];
    let mut retired = RplStats::default();

    while sim.now() < end {
        let t = (sim.now() + TICK).min(end);
        sim.run_until(t);
        let now = sim.now();
        if let Some(b) = bar.as_mut() {
            b.set(now.total_micros());
        }
        // Events, for the log and the parent history.
        for i in 0..n {
            while let Some(e) = sim.poll_event(NodeId(i)) {
                let msg = match e {
                    NodeEvent::Registered(a) => format!("registered {a}"),
                    NodeEvent::AddressAdded(a) => format!("address {a}"),
                    NodeEvent::Duplicate(a) => format!("duplicate address {a}"),
                    NodeEvent::EchoReply { from, seq, .. } => format!("echo reply from {from} seq {seq}"),
                    NodeEvent::Rpl(RplEvent::ParentChanged) => {
                        // The parent of the moment (events are read every tick).
                        let rpl = sim.node(NodeId(i)).rpl();
                        let a = rpl.and_then(|r| r.preferred_parent()).unwrap_or(Ipv6Addr::UNSPECIFIED);
                        let p = by_link_local.get(&a).copied();
                        parent_changes.push(ParentChange { t_s: secs(now), node: i, parent: p });
                        match p {
                            Some(p) => format!("rpl parent node {p} ({a})"),
                            None => format!("rpl parent {a} (not a simulated node)"),
                        }
                    }
                    NodeEvent::Rpl(RplEvent::Detached) => {
                        parent_changes.push(ParentChange { t_s: secs(now), node: i, parent: None });
                        "rpl detached".to_string()
                    }
                    NodeEvent::Rpl(RplEvent::Joined) => {
                        match sim.node(NodeId(i)).rpl().and_then(|r| r.autoconf_prefix()) {
                            Some((p, len)) => format!("rpl joined, prefix {p}/{len}"),
                            None => "rpl joined".to_string(),
                        }
                    }
                };
                if let Some(l) = log.as_mut() {
                    l.log(now.total_micros(), i, &msg).map_err(|e| e.to_string())?;
                }
            }
        }
        // Faults due.
        while let Some(f) = faults.next_if(|f| Instant::from_micros((f.at_s * 1e6) as u64) <= now) {
            let (node, msg) = match &f.kind {
                FaultKind::NodeDown(id) => {
                    sim.set_up(NodeId(*id), false);
                    (*id, format!("down (fault at line {})", f.line))
                }
                FaultKind::NodeUp(id) => {
                    sim.set_up(NodeId(*id), true);
                    (*id, format!("up (fault at line {})", f.line))
                }
                FaultKind::Move { node, to } => {
                    sim.move_node(NodeId(*node), (to.x, to.y));
                    (*node, format!("moved to ({:.1}, {:.1})", to.x, to.y))
                }
                FaultKind::RootReboot => {
                    // The root keeps its DODAG version in flash: it comes
                    // back with the next one.
                    let old = sim.node(NodeId(root));
                    add_rpl(&mut retired, &old.stats().rpl);
                    let running = old.rpl().and_then(|r| r.dag().version());
                    let mut config = sim.config(NodeId(root)).clone();
                    let mut version = None;
                    if let Some(RplConfig { role: RplRole::Root(rc), .. }) = config.rpl.as_mut() {
                        rc.version = lollipop_increment(running.unwrap_or(rc.version));
                        version = Some(rc.version);
                    }
                    sim.set_config(NodeId(root), config);
                    let handles = sim.reboot(NodeId(root), REBOOT_DOWN);
                    sockets[root] = *handles.first().ok_or("root socket not re-created")?;
                    let v = version.map_or("?".to_string(), |v| v.to_string());
                    (
                        root,
                        format!(
                            "reboot: state lost, down for {} ms; back as root of DODAG version {v}",
                            REBOOT_DOWN.total_millis()
                        ),
                    )
                }
                FaultKind::LinkDegrade { a, b, ratio } => {
                    sim.set_link_ratio(NodeId(*a), NodeId(*b), *ratio);
                    (*a, format!("link {a}-{b} degraded to delivery ratio {ratio}"))
                }
            };
            if let Some(l) = log.as_mut() {
                l.log(now.total_micros(), node, &msg).map_err(|e| e.to_string())?;
            }
            recoveries.push(Recovery {
                fault: format!("node {node}: {msg}"),
                at_s: secs(now),
                after_s: None,
            });
            // Check at once whether the fault changed anything.
            next_join_check = now;
        }
        // Which nodes are joined; convergence; recovery after the last fault.
        if now >= next_join_check {
            next_join_check = now + JOIN_CHECK;
            for (i, j) in joined.iter_mut().enumerate() {
                *j = is_joined(&sim, i);
            }
            if converged_at.is_none() && joined.iter().all(|&j| j) {
                converged_at = Some(now);
                if let Some(l) = log.as_mut() {
                    l.log(now.total_micros(), root, "every node joined").map_err(|e| e.to_string())?;
                }
            }
            // Every fault still waiting (several may come at once) recovers
            // when the network is complete again.
            if recoveries.iter().any(|r| r.after_s.is_none()) && complete(&sim, root, &joined, &by_link_local)
            {
                for r in recoveries.iter_mut().filter(|r| r.after_s.is_none()) {
                    let after = secs(now) - r.at_s;
                    r.after_s = Some(after);
                    if let Some(l) = log.as_mut() {
                        let msg = format!("network complete again {after:.1} s after: {}", r.fault);
                        l.log(now.total_micros(), root, &msg).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
        if now >= next_sample {
            next_sample = now + SAMPLE;
            let root_routes = sim.node(NodeId(root)).rpl().map_or(0, |r| r.routes().count());
            samples.push(Sample {
                t_ms: now.total_millis(),
                joined: joined.iter().filter(|&&j| j).count(),
                root_routes,
            });
        }
        // Upward traffic: every joined node to the root.
        if let Some(Periodic { payload_bytes, .. }) = s.traffic.up.as_ref() {
            for i in 0..n {
                if now < next_up_at[i] {
                    continue;
                }
                up_k[i] += 1;
                next_up_at[i] = slot(s.traffic.up.as_ref(), 1, i, up_k[i]);
                if i == root || !joined[i] || !sim.is_up(NodeId(i)) {
                    continue;
                }
                seq = seq.wrapping_add(1);
                let p = payload(seq, now, *payload_bytes);
                let h = sockets[i];
                if let Some(sock) = sim.node_mut(NodeId(i)).socket(h)
                    && sock.send_to(&p, (global(root), PORT)).is_ok()
                {
                    pending.insert(seq, datagrams.len());
                    datagrams.push(Datagram {
                        up: true,
                        node: i,
                        sent_s: secs(now),
                        received_s: None,
                        hops: None,
                    });
                }
            }
        }
        // Downward traffic: the root to every joined node.
        if let Some(Periodic { payload_bytes, .. }) = s.traffic.down.as_ref() {
            for i in 0..n {
                if now < next_down_at[i] {
                    continue;
                }
                down_k[i] += 1;
                next_down_at[i] = slot(s.traffic.down.as_ref(), 2, i, down_k[i]);
                if i == root || !joined[i] || !sim.is_up(NodeId(root)) {
                    continue;
                }
                seq = seq.wrapping_add(1);
                let p = payload(seq, now, *payload_bytes);
                if let Some(sock) = sim.node_mut(NodeId(root)).socket(sockets[root])
                    && sock.send_to(&p, (global(i), PORT)).is_ok()
                {
                    pending.insert(seq, datagrams.len());
                    datagrams.push(Datagram {
                        up: false,
                        node: i,
                        sent_s: secs(now),
                        received_s: None,
                        hops: None,
                    });
                    if watch[i] <= now {
                        watched.push(i);
                    }
                    watch[i] = now + DOWN_WAIT;
                }
            }
        }
        // Deliveries: the root every tick; the others while a downward
        // datagram may be on its way.
        let mut deliver = |len: usize, hlim: u8, buf: &[u8]| {
            let Some(b) = buf.get(..4) else { return };
            let sq = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            if let Some(k) = pending.remove(&sq)
                && len >= 12
            {
                let d = &mut datagrams[k];
                d.received_s = Some(secs(now));
                d.hops = Some(u32::from(HOP_LIMIT.saturating_sub(hlim)) + 1);
            }
        };
        if sim.is_up(NodeId(root)) {
            let sock = sim.socket_to_read(NodeId(root), sockets[root]).ok_or("root socket gone")?;
            while let Ok((len, meta)) = sock.recv_from(&mut buf) {
                deliver(len, meta.hop_limit, &buf[..len]);
            }
        }
        watched.retain(|&i| {
            if let Some(sock) = sim.socket_to_read(NodeId(i), sockets[i]) {
                while let Ok((len, meta)) = sock.recv_from(&mut buf) {
                    deliver(len, meta.hop_limit, &buf[..len]);
                }
            }
            watch[i] > now
        });
    }
    if let Some(b) = bar {
        b.finish();
    }

    // Outputs.
    let mut files = Vec::new();
    if s.output.pcap {
        let mut frames = sim.take_frame_log();
        frames.sort_by_key(|f| (f.start, f.seq));
        let path = out(output::PCAP_FILE);
        let mut w = PcapWriter::create(&path).map_err(|e| e.to_string())?;
        for f in &frames {
            w.write_frame(f.start.total_micros(), &f.frame).map_err(|e| e.to_string())?;
        }
        w.finish().map_err(|e| e.to_string())?;
        files.push(path);
    }
    for r in recoveries.iter().filter(|r| r.after_s.is_none()) {
        if let Some(l) = log.as_mut() {
            let msg = format!("network not complete again by the end: {}", r.fault);
            l.log(end.total_micros(), root, &msg).map_err(|e| e.to_string())?;
        }
    }
    if let Some(l) = log {
        l.finish().map_err(|e| e.to_string())?;
        files.push(out(output::LOG_FILE));
    }
    let c = sim.counters();
    let mac = sim.mac_totals();
    let mut m = Metrics::new(n, s.seed, s.duration_s);
    m.wall_s = wall.elapsed().as_secs_f64();
    m.events = c.events;
    m.frames = Frames {
        tx: c.tx,
        rx: c.rx,
        collisions: c.collisions,
        acked: Some(u64::from(mac.tx_acked)),
        no_ack: Some(u64::from(mac.no_ack)),
        csma_fail: Some(u64::from(mac.csma_fail)),
    };
    let count = |up: bool| {
        let sent = datagrams.iter().filter(|d| d.up == up).count() as u64;
        let recv = datagrams.iter().filter(|d| d.up == up && d.received_s.is_some()).count() as u64;
        (sent, recv)
    };
    let latencies: Vec<u64> = datagrams
        .iter()
        .filter_map(|d| d.received_s.map(|r| ((r - d.sent_s) * 1e6).round().max(0.0) as u64))
        .collect();
    let hops: Vec<u32> = datagrams.iter().filter_map(|d| d.hops).collect();
    m.traffic = Traffic::from_counts(count(true), count(false), &latencies, &hops);

    // RPL: counters of every node (and of the root's earlier lives).
    let mut rs = retired;
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let node = sim.node(NodeId(i));
        add_rpl(&mut rs, &node.stats().rpl);
        let r = node.rpl();
        nodes.push(NodeEnd {
            joined: is_joined(&sim, i),
            rank: r.map_or(sixlo::rpl::INFINITE_RANK, |r| r.rank()),
            parent: r.and_then(|r| r.preferred_parent()).and_then(|a| by_link_local.get(&a).copied()),
            version: r.and_then(|r| r.dag().version()),
        });
    }
    let mut root_routes: Vec<usize> = sim
        .node(NodeId(root))
        .rpl()
        .map(|r| r.routes().filter_map(|rt| by_global.get(&rt.prefix).copied()).collect())
        .unwrap_or_default();
    root_routes.sort_unstable();
    root_routes.dedup();
    let ranks: Vec<u16> = nodes.iter().filter(|e| e.joined).map(|e| e.rank).collect();
    let control =
        u64::from(rs.dio_tx) + u64::from(rs.dis_tx) + u64::from(rs.dao_tx) + u64::from(rs.dao_ack_tx);
    m.rpl = Rpl {
        joined: Some(ranks.len() as u64),
        converged_at_s: converged_at.map(secs),
        dio: Some(rs.dio_tx.into()),
        dis: Some(rs.dis_tx.into()),
        dao: Some(rs.dao_tx.into()),
        dao_ack: Some(rs.dao_ack_tx.into()),
        parent_changes: Some(rs.parent_changes.into()),
        detaches: Some(rs.detaches.into()),
        control_per_node_per_hour: Some(control as f64 / n as f64 / (s.duration_s / 3600.0)),
        rank_mean: (!ranks.is_empty())
            .then(|| ranks.iter().map(|&r| f64::from(r)).sum::<f64>() / ranks.len() as f64),
        rank_max: ranks.iter().copied().max().map(u32::from),
        root_routes: Some(root_routes.len() as u64),
    };
    let airtime: Vec<RadioTime> = (0..n)
        .map(|i| {
            let tx_us = airtime_us.borrow()[i];
            // No radio duty cycling yet: the radio listens whenever it does not send.
            RadioTime { tx_us, rx_us: end.total_micros().saturating_sub(tx_us), idle_us: 0 }
        })
        .collect();
    m.radio = Radio::from_nodes(&airtime);
    let metrics_path = out(output::METRICS_FILE);
    m.write(&metrics_path).map_err(|e| e.to_string())?;
    files.push(metrics_path);
    if s.output.svg {
        let positions = net.positions.clone();
        let range = s.medium.nominal_range_m().unwrap_or(50.0);
        let base = match s.medium {
            MediumConfig::Udgm { success_tx, success_rx, .. } => success_tx * success_rx,
            _ => 1.0,
        };
        let links: Vec<(usize, usize, f64)> = unit_disk_links(&positions, range)
            .into_iter()
            .map(|(a, b)| (a, b, base * sim.link_ratio(NodeId(a), NodeId(b))))
            .collect();
        let parents: Vec<(usize, usize)> =
            nodes.iter().enumerate().filter_map(|(i, e)| e.parent.map(|p| (i, p))).collect();
        let title = format!(
            "sixlo-sim: {n} nodes, seed {}, {} {}, preferred parents at {:.0} s",
            s.seed,
            match s.rpl.mop {
                Mop::Storing => "storing",
                Mop::NonStoring => "non-storing",
            },
            match s.rpl.of {
                Of::Of0 => "OF0",
                Of::Mrhof => "MRHOF",
            },
            s.duration_s
        );
        let svg = Dodag {
            positions: &positions,
            links: &links,
            parents: &parents,
            root: Some(root),
            title: &title,
        };
        let path = out(output::SVG_FILE);
        svg.write(&path).map_err(|e| e.to_string())?;
        files.push(path);
    }
    let _ = io::Write::flush(&mut io::stdout());
    Ok(RunResult { metrics: m, files, datagrams, samples, parent_changes, recoveries, nodes, root_routes })
}

/// Whether every node that is up is joined, in the root's DODAG version,
/// reaches the root by following preferred parents (no loop: nodes cut off
/// from the root can stay "joined" to each other while their ranks count
/// up), and can be reached back down that same path: in storing mode every
/// node on its parent chain, the root included, routes it to the next node
/// down the chain; in non-storing mode the root's source route is the
/// chain. (A route left over from before a fault does not count.)
fn complete(
    sim: &Simulation,
    root: usize,
    joined: &[bool],
    by_link_local: &HashMap<Ipv6Addr, usize>,
) -> bool {
    if !sim.is_up(NodeId(root)) {
        return false;
    }
    let Some(r) = sim.node(NodeId(root)).rpl() else { return false };
    let version = r.dag().version();
    let n = joined.len();
    let parent = |i: usize| {
        sim.node(NodeId(i))
            .rpl()
            .and_then(|r| r.preferred_parent())
            .and_then(|a| by_link_local.get(&a).copied())
    };
    // Node i's chain up to the root: [i, parent, ..., root].
    let chain = |i: usize| {
        let mut c = vec![i];
        for _ in 0..n {
            match parent(*c.last().unwrap()) {
                Some(p) if p == root => {
                    c.push(p);
                    return Some(c);
                }
                Some(p) if sim.is_up(NodeId(p)) && !c.contains(&p) => c.push(p),
                _ => return None,
            }
        }
        None
    };
    let routed_along = |c: &[usize]| {
        let dst = global(c[0]);
        if r.is_storing() {
            // Each ancestor routes dst to the node below it on the chain.
            c.windows(2).all(|w| {
                let below = sim.node(NodeId(w[0])).link_local();
                sim.node(NodeId(w[1]))
                    .rpl()
                    .is_some_and(|a| a.routes().any(|rt| rt.prefix == dst && rt.next_hop == below))
            })
        } else {
            let mut hops = [Ipv6Addr::UNSPECIFIED; sixlo::rpl::instance::MAX_SOURCE_ROUTE];
            match r.source_route(&dst, &mut hops) {
                Ok(k) => hops[..k].iter().rev().copied().eq(c[..c.len() - 1].iter().map(|&j| global(j))),
                Err(_) => false,
            }
        }
    };
    (0..n).filter(|&i| i != root && sim.is_up(NodeId(i))).all(|i| {
        joined[i]
            && sim.node(NodeId(i)).rpl().and_then(|r| r.dag().version()) == version
            && chain(i).is_some_and(|c| routed_along(&c))
    })
}
