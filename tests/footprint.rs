//! RAM state of a node: `size_of::<Node>()` plus every storage slice, for a
//! leaf and for the router of `footprint/src/main.rs`, component by
//! component (x86_64; 32-bit targets are smaller where pointers and
//! `usize` are involved).
//!
//! Issue #4 brought the budget router from 9,434 bytes to 6,084 (budget
//! 6,144). The largest single step: the router and the leaf reassemble
//! 6LoWPAN datagrams in their packet buffer (lent pool mode: reassembly
//! slots without buffers, see `NodeStorage::lowpan_reassembly`), so one
//! 1280-byte buffer serves the datagram going out and those coming in.
//! The rest is representation, no capacity lowered and no counter
//! narrowed: compact time stamps (`time::InstantSecs`, 4 bytes, rounded up;
//! `time::InstantMillis`, 6 bytes; exact µs deadlines in 8 bytes where
//! timing matters); no second copy of anything another layer keeps (the
//! link-local and link-layer addresses, the objective function, counters,
//! contexts, the router's own addresses, the MAC's PRNG); one 4-slot
//! context table per ND role; queues as small rings without `usize`
//! indices; the default route as the route table's `::/0` entry; fields
//! ordered or packed so that nothing pads. Entries: neighbour 42 bytes,
//! RPL route 38, RPL parent 40, link statistics 24, duplicate filter 15,
//! MAC queue slot 128; the RPL instance state is 488 bytes, the `Node` of
//! a router 944. The RPL state lives in caller storage
//! (`NodeStorage::rpl_state`), so a node without RPL (the leaf here) does
//! not carry it.
//!
//! Run `cargo test --test footprint -- --nocapture` to see the tables. The
//! figures are asserted exactly, so a change in any element type shows up
//! here. Budget (DESIGN.md "Memory"): a full router ≤ 6 KiB of RAM state.

use core::mem::size_of;
use core::net::Ipv6Addr;

use sixlo::lowpan::frag::ReassemblySlot;
use sixlo::mac::{DedupEntry, LinkStats, TxSlot};
use sixlo::nd::Neighbor;
use sixlo::net::{AddrEntry, FragSlot, Route};
use sixlo::node::{HostNode, NdRole, Node, NodeConfig, NodeStorage, RouterNode, RouterSettings, RplState};
use sixlo::socket::SocketSlot;
use sixlo::socket::udp::UdpSocket;

/// Capacities of one node.
struct Capacities {
    mac_queue: usize,
    mac_dedup: usize,
    mac_links: usize,
    neighbors: usize,
    addresses: usize,
    groups: usize,
    routes: usize,
    /// IPv6 Fragment-header reassembly: slots, bytes per slot.
    ip_reassembly: (usize, usize),
    /// 6LoWPAN reassembly: slots, bytes of the pool they share (the first
    /// slot holds the pool, the others none).
    lowpan_reassembly: (usize, usize),
    /// UDP sockets: count, rx bytes, tx bytes each.
    sockets: (usize, usize, usize),
    packet: usize,
    rx: usize,
    /// RPL parent candidates and downward routes.
    rpl: (usize, usize),
    /// Room for the RPL instance state (`NodeStorage::rpl_state`).
    rpl_state: bool,
}

/// A host: 2 neighbours, 2 routes, one 6LoWPAN reassembly slot, one socket
/// with 128-byte queues, a 2-slot MAC queue, no IPv6 reassembly.
const LEAF: Capacities = Capacities {
    mac_queue: 2,
    mac_dedup: 4,
    mac_links: 2,
    neighbors: 2,
    addresses: 2,
    groups: 1,
    routes: 2,
    ip_reassembly: (0, 0),
    // One slot without a buffer: it reassembles in the packet buffer.
    lowpan_reassembly: (1, 0),
    sockets: (1, 128, 128),
    packet: 1280,
    rx: sixlo::lowpan::MAX_SINGLE_FRAME_PACKET,
    rpl: (0, 0),
    rpl_state: false,
};

/// The router of `footprint/src/main.rs` (keep the two in step): the
/// budget configuration of DESIGN.md "Memory", built as a [`RouterNode`]
/// (a router that carries no host state).
const ROUTER: Capacities = Capacities {
    mac_queue: 4,
    mac_dedup: 8,
    mac_links: 16,
    neighbors: 16,
    addresses: 2,
    groups: 2,
    // No static routes: the budget's 16 routes are RPL's (below). Only
    // `Node::add_route` fills this table (a border router's way out); an
    // RPL router's default route is its preferred parent.
    routes: 0,
    ip_reassembly: (0, 0),
    // Two slots without buffers (lent pool mode): they reassemble in the
    // packet buffer, above the datagram going out, so the outgoing datagram
    // and the reassemblies share its 1280 bytes.
    lowpan_reassembly: (2, 0),
    // One socket with 128-byte queues (a CoAP server's worth): the budget
    // of DESIGN.md "Memory" counts the network stack, not application
    // buffers. Each further socket costs a slot plus its two queues.
    sockets: (1, 128, 128),
    packet: 1280,
    rx: sixlo::lowpan::MAX_SINGLE_FRAME_PACKET,
    // An RPL router: 4 parent candidates, 16 downward routes.
    rpl: (4, 16),
    rpl_state: true,
};

/// (component, bytes) for `c`, with a node struct of `node` bytes.
fn breakdown(c: &Capacities, node: usize) -> Vec<(&'static str, usize)> {
    let (ipn, ipb) = c.ip_reassembly;
    let (lpn, lpb) = c.lowpan_reassembly;
    let (sn, srx, stx) = c.sockets;
    vec![
        ("Node struct", node),
        ("MAC queue", c.mac_queue * size_of::<TxSlot>()),
        ("MAC dedup", c.mac_dedup * size_of::<DedupEntry>()),
        ("MAC link stats", c.mac_links * size_of::<LinkStats>()),
        ("ND neighbours", c.neighbors * size_of::<Neighbor>()),
        (
            "addresses + groups",
            c.addresses * size_of::<Option<AddrEntry>>() + c.groups * size_of::<Option<Ipv6Addr>>(),
        ),
        ("routes", c.routes * size_of::<Option<Route>>()),
        ("IPv6 reassembly slots", ipn * size_of::<FragSlot<&mut [u8]>>()),
        ("IPv6 reassembly buffers", ipn * ipb),
        ("6LoWPAN reassembly slots", lpn * size_of::<ReassemblySlot<'static>>()),
        ("6LoWPAN reassembly pool", lpb),
        ("socket slots", sn * size_of::<SocketSlot<'static>>()),
        ("socket buffers", sn * (srx + stx)),
        ("packet buffer", c.packet),
        ("rx buffer", c.rx),
        ("RPL parents", c.rpl.0 * size_of::<sixlo::rpl::ParentEntry>()),
        ("RPL routes", c.rpl.1 * size_of::<sixlo::rpl::Route>()),
        ("RPL state", if c.rpl_state { size_of::<RplState<'static>>() } else { 0 }),
    ]
}

fn print(name: &str, rows: &[(&str, usize)]) -> usize {
    let total: usize = rows.iter().map(|r| r.1).sum();
    println!("{name} RAM state (x86_64), total {total} bytes ({:.2} KiB):", total as f64 / 1024.0);
    for (what, bytes) in rows {
        println!("  {what:<28} {bytes:>6}  {:>5.1}%", *bytes as f64 * 100.0 / total as f64);
    }
    total
}

fn leak<T>(v: Vec<T>) -> &'static mut [T] {
    Box::leak(v.into_boxed_slice())
}

/// Builds a node over storage of capacities `c` and fills its sockets, so
/// the configuration is known to be usable.
fn build<R: NdRole<'static>>(c: &Capacities, config: NodeConfig) -> Node<'static, R> {
    let ip_reassembly =
        (0..c.ip_reassembly.0).map(|_| FragSlot::new(leak(vec![0u8; c.ip_reassembly.1]))).collect();
    let lowpan_reassembly = (0..c.lowpan_reassembly.0)
        .map(|i| match i {
            0 => ReassemblySlot::new(leak(vec![0u8; c.lowpan_reassembly.1])),
            _ => ReassemblySlot::without_buffer(),
        })
        .collect();
    let storage = NodeStorage {
        mac_queue: leak(vec![TxSlot::EMPTY; c.mac_queue]),
        mac_dedup: leak(vec![DedupEntry::EMPTY; c.mac_dedup]),
        mac_links: leak(vec![LinkStats::EMPTY; c.mac_links]),
        neighbors: leak(vec![Neighbor::EMPTY; c.neighbors]),
        addresses: leak(vec![None; c.addresses]),
        groups: leak(vec![None; c.groups]),
        routes: leak(vec![None; c.routes]),
        ip_reassembly: leak(ip_reassembly),
        lowpan_reassembly: leak(lowpan_reassembly),
        sockets: leak((0..c.sockets.0).map(|_| SocketSlot::EMPTY).collect()),
        packet: leak(vec![0u8; c.packet]),
        rx: leak(vec![0u8; c.rx]),
        rpl_parents: leak(vec![sixlo::rpl::ParentEntry::EMPTY; c.rpl.0]),
        rpl_routes: leak(vec![sixlo::rpl::Route::default(); c.rpl.1]),
        rpl_state: c.rpl_state.then(|| Box::leak(Box::new(RplState::new()))),
    };
    let mut node = Node::<R>::with_role(config, storage);
    for i in 0..c.sockets.0 {
        let mut s = UdpSocket::new(leak(vec![0u8; c.sockets.1]), leak(vec![0u8; c.sockets.2]));
        s.bind(5683 + i as u16).unwrap();
        node.add_socket(s).unwrap();
    }
    node
}

#[test]
fn element_sizes() {
    let sizes = [
        ("Node (host or router)", size_of::<Node<'static>>()),
        ("HostNode", size_of::<HostNode<'static>>()),
        ("RouterNode", size_of::<RouterNode<'static>>()),
        ("TxSlot", size_of::<TxSlot>()),
        ("DedupEntry", size_of::<DedupEntry>()),
        ("LinkStats", size_of::<LinkStats>()),
        ("Neighbor", size_of::<Neighbor>()),
        ("Option<AddrEntry>", size_of::<Option<AddrEntry>>()),
        ("Option<Ipv6Addr>", size_of::<Option<Ipv6Addr>>()),
        ("Option<Route>", size_of::<Option<Route>>()),
        ("FragSlot<&mut [u8]>", size_of::<FragSlot<&mut [u8]>>()),
        ("ReassemblySlot", size_of::<ReassemblySlot<'static>>()),
        ("SocketSlot", size_of::<SocketSlot<'static>>()),
    ];
    println!("element sizes (x86_64):");
    for (name, bytes) in sizes {
        println!("  {name:<22} {bytes:>5}");
    }
    assert_eq!(
        sizes.map(|s| s.1),
        [1480, 1480, 944, 128, 15, 24, 42, 24, 17, 40, 136, 112, 112],
        "element sizes changed: update this test and the figures in the docs"
    );
}

#[test]
fn leaf_ram() {
    let rows = breakdown(&LEAF, size_of::<HostNode<'static>>());
    let total = print("leaf (HostNode)", &rows);
    let node: HostNode = build(&LEAF, NodeConfig::host([0x02, 0, 0, 0, 0, 0, 0, 2], 0xabcd));
    assert!(node.nd_host().is_some());
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        [1480, 256, 60, 48, 84, 65, 80, 0, 0, 112, 0, 112, 256, 1280, 242, 0, 0, 0]
    );
    assert_eq!(total, 4075);
}

#[test]
fn router_ram() {
    let rows = breakdown(&ROUTER, size_of::<RouterNode<'static>>());
    let total = print("router (RouterNode)", &rows);
    let mut rs = RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    let mut config = NodeConfig::router([0x02, 0, 0, 0, 0, 0, 0, 1], 0xabcd, rs);
    config.rpl = Some(sixlo::rpl::RplConfig::router());
    let node: RouterNode = build(&ROUTER, config);
    assert!(node.nd_router().is_some() && node.rpl().is_some());
    let budget = 6 * 1024;
    println!(
        "router budget {budget} bytes: {} by {} bytes",
        if total <= budget { "holds" } else { "exceeded" },
        total.abs_diff(budget)
    );
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        [944, 512, 120, 384, 672, 82, 0, 0, 0, 224, 0, 112, 256, 1280, 242, 160, 608, 488]
    );
    assert_eq!(total, 6084);
    assert!(total <= budget, "the router is over the RAM budget of DESIGN.md");
}

/// What the `Node` struct is made of (its fields are private:
/// these are the public types it holds, so the sum is not exact).
#[test]
fn node_struct_parts() {
    type S<T> = &'static mut [T];
    let parts = [
        ("Mac", size_of::<sixlo::mac::Mac<S<TxSlot>, S<DedupEntry>, S<LinkStats>>>()),
        (
            "net::Interface",
            size_of::<
                sixlo::net::Interface<
                    S<Option<AddrEntry>>,
                    S<Option<Ipv6Addr>>,
                    S<Option<Route>>,
                    &'static mut [u8],
                    S<FragSlot<&'static mut [u8]>>,
                >,
            >(),
        ),
        ("nd::Host", size_of::<sixlo::nd::Host>()),
        ("nd::Router", size_of::<sixlo::nd::Router<S<Neighbor>>>()),
        ("nd::RouterConfig", size_of::<sixlo::nd::RouterConfig>()),
        ("lowpan::ContextTable<4>", size_of::<sixlo::lowpan::ContextTable<{ sixlo::nd::MAX_CONTEXTS }>>()),
        ("lowpan::Receiver", size_of::<sixlo::lowpan::Receiver<S<ReassemblySlot<'static>>>>()),
        ("SocketSet", size_of::<sixlo::socket::SocketSet<'static, S<SocketSlot<'static>>>>()),
        ("events (4 NodeEvent)", size_of::<[Option<sixlo::node::NodeEvent>; 4]>()),
        ("RplState", size_of::<RplState<'static>>()),
    ];
    println!("Node struct parts (x86_64; the ND role is Host or Router, each with a 4-slot ContextTable):");
    for (name, bytes) in parts {
        println!("  {name:<22} {bytes:>5}");
    }
    assert_eq!(parts.map(|p| p.1), [168, 176, 804, 272, 200, 76, 72, 40, 96, 488]);
}
