//! `sixlo-sim bench`: how fast the engine runs a large network.
//!
//! `nodes` nodes placed uniformly at random ([`topology::random`]) in a
//! square sized by [`topology::random_side`] for a mean degree of
//! [`MEAN_DEGREE`] within the UDGM transmission range ([`TX_RANGE_M`],
//! interference [`INTERFERENCE_RANGE_M`], no random loss). Every node is a
//! 6LoWPAN-ND router without prefixes: such a router sends nothing on its
//! own (an ND host would multicast a Router Solicitation every minute
//! forever, looking for a router nobody is) and link-local traffic needs no
//! registration (the link-layer address comes from the IID). Every
//! [`PERIOD`] (the first at a random offset within it, then ±10 % jitter)
//! each node broadcasts a small UDP datagram to ff02::1 and unicasts one to
//! the link-local address of a neighbour (in transmission range, picked in
//! turn). No capture is written: the engine keeps no frame log.
//!
//! The report: nodes, virtual seconds, wall seconds, events, events per
//! wall second, frames on the air, datagrams sent / received, and the peak
//! resident memory (`VmHWM` of `/proc/self/status`).
//!
//! A module of the `sixlo-sim` binary (not of the library): it only uses the
//! library's public API.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::Ipv6Addr;
use std::time::Instant as WallClock;

use sixlo::node::{NodeConfig, RouterSettings};
use sixlo::socket::SocketHandle;
use sixlo::time::{Duration, Instant};

use sixlo_sim::engine::Simulation;
use sixlo_sim::medium::udgm::Udgm;
use sixlo_sim::medium::{NodeId, splitmix64};
use sixlo_sim::run::eui64;
use sixlo_sim::topology;

/// UDGM transmission range, metres.
pub const TX_RANGE_M: f64 = 50.0;
/// UDGM interference range, metres.
pub const INTERFERENCE_RANGE_M: f64 = 100.0;
/// Mean number of neighbours within [`TX_RANGE_M`].
pub const MEAN_DEGREE: f64 = 8.0;
/// How often each node sends its pair of datagrams.
pub const PERIOD: Duration = Duration::from_secs(10);
/// The payload of each datagram, bytes.
pub const PAYLOAD: usize = 16;
const PAN_ID: u16 = 0xabcd;
const PORT: u16 = 0xf0b2;

/// What `sixlo-sim bench` measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Nodes simulated.
    pub nodes: usize,
    /// Mean degree of the generated topology (within the TX range).
    pub mean_degree: f64,
    /// Virtual time simulated, seconds.
    pub virtual_s: f64,
    /// Wall-clock time of the run (setup included), seconds.
    pub wall_s: f64,
    /// Wall-clock time of setting the network up, seconds.
    pub setup_s: f64,
    /// Engine events processed.
    pub events: u64,
    /// Node polls.
    pub polls: u64,
    /// Frames put on the air.
    pub frames: u64,
    /// Frame receptions.
    pub receptions: u64,
    /// Datagrams handed to sockets (broadcast + unicast).
    pub sent: u64,
    /// Datagrams read from sockets.
    pub received: u64,
    /// Peak resident set size, KiB (`VmHWM`), if readable.
    pub peak_kib: Option<u64>,
}

impl BenchReport {
    /// Events per wall-clock second.
    pub fn events_per_s(&self) -> f64 {
        if self.wall_s > 0.0 { self.events as f64 / self.wall_s } else { 0.0 }
    }
}

impl core::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mem = match self.peak_kib {
            Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
            None => "unknown".into(),
        };
        write!(
            f,
            "nodes {} (degree {:.1}), virtual {:.0} s, wall {:.2} s (setup {:.2} s), events {}, {:.0} events/s, \
             frames {}, receptions {}, datagrams received {} / sent {}, polls {}, peak memory {mem}",
            self.nodes,
            self.mean_degree,
            self.virtual_s,
            self.wall_s,
            self.setup_s,
            self.events,
            self.events_per_s(),
            self.frames,
            self.receptions,
            self.received,
            self.sent,
            self.polls,
        )
    }
}

/// Peak resident set size of this process, KiB (`VmHWM` in
/// `/proc/self/status`; `None` elsewhere than Linux).
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the benchmark: `nodes` nodes for `duration_s` virtual seconds.
pub fn run(nodes: usize, duration_s: f64, seed: u64) -> BenchReport {
    let wall = WallClock::now();
    let side = topology::random_side(nodes, TX_RANGE_M, MEAN_DEGREE);
    let positions = topology::random(nodes, side, seed);
    // Neighbours within the TX range, by a grid (unit_disk_links is O(N²)).
    let neighbours = neighbours(&positions, TX_RANGE_M);
    let links: usize = neighbours.iter().map(Vec::len).sum();
    let mean_degree = if nodes == 0 { 0.0 } else { links as f64 / nodes as f64 };

    let medium = Udgm::new(TX_RANGE_M, INTERFERENCE_RANGE_M, 1.0, 1.0);
    let mut sim = Simulation::new(seed, Box::new(medium));
    let mut socks: Vec<SocketHandle> = Vec::with_capacity(nodes);
    for (i, p) in positions.iter().enumerate() {
        let config = NodeConfig::router(eui64(i), PAN_ID, RouterSettings::default());
        let id = sim.add_node(config, (p.x, p.y));
        socks.push(sim.add_udp_socket(id, PORT, 1024, 256).expect("a fresh node has socket slots"));
    }
    let setup_s = wall.elapsed().as_secs_f64();

    let end = Instant::from_micros((duration_s.max(0.0) * 1e6) as u64);
    let period = PERIOD.total_micros();
    // Per-node send times: a random phase, then PERIOD ± 10 %.
    let mut rng = splitmix64(seed ^ 0x0062_656e_6368);
    let mut draw = |below: u64| {
        rng = splitmix64(rng);
        rng % below.max(1)
    };
    let mut due: BinaryHeap<Reverse<(Instant, usize)>> =
        (0..nodes).map(|i| Reverse((Instant::from_micros(draw(period)), i))).collect();
    let mut turn = vec![0usize; nodes];
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    let (mut sent, mut received) = (0u64, 0u64);
    let mut buf = [0u8; 256];
    let mut payload = [0u8; PAYLOAD];

    while let Some(&Reverse((at, i))) = due.peek() {
        if at > end {
            break;
        }
        due.pop();
        sim.run_until(at);
        let id = NodeId(i);
        let node = sim.node_mut(id);
        let sock = node.socket(socks[i]).expect("socket added above");
        // What arrived since the last turn.
        while sock.recv_from(&mut buf).is_ok() {
            received += 1;
        }
        payload[..8].copy_from_slice(&at.total_micros().to_be_bytes());
        payload[8..12].copy_from_slice(&(i as u32).to_be_bytes());
        if sock.send_to(&payload, (all_nodes, PORT)).is_ok() {
            sent += 1;
        }
        if let Some(&n) = neighbours[i].get(turn[i] % neighbours[i].len().max(1)) {
            turn[i] += 1;
            let dst = sixlo::nd::link_local_from_eui64(eui64(n));
            if sock.send_to(&payload, (dst, PORT)).is_ok() {
                sent += 1;
            }
        }
        let next = at + Duration::from_micros(period - period / 10 + draw(period / 5));
        due.push(Reverse((next, i)));
    }
    sim.run_until(end);
    for (i, &h) in socks.iter().enumerate() {
        let sock = sim.node_mut(NodeId(i)).socket(h).expect("socket added above");
        while sock.recv_from(&mut buf).is_ok() {
            received += 1;
        }
    }
    let c = sim.counters();
    BenchReport {
        nodes,
        mean_degree,
        virtual_s: end.total_micros() as f64 / 1e6,
        wall_s: wall.elapsed().as_secs_f64(),
        setup_s,
        events: c.events,
        polls: c.polls,
        frames: c.tx,
        receptions: c.rx,
        sent,
        received,
        peak_kib: peak_memory_kib(),
    }
}

/// For each node, the others within `range` metres, by id, found with a
/// grid of `range`-wide cells.
pub fn neighbours(positions: &[topology::Position], range: f64) -> Vec<Vec<usize>> {
    use std::collections::HashMap;
    let key = |p: &topology::Position| ((p.x / range).floor() as i64, (p.y / range).floor() as i64);
    let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, p) in positions.iter().enumerate() {
        cells.entry(key(p)).or_default().push(i);
    }
    positions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = key(p);
            let mut out: Vec<usize> = (-1..=1)
                .flat_map(|dx| (-1..=1).map(move |dy| (x + dx, y + dy)))
                .filter_map(|k| cells.get(&k))
                .flatten()
                .copied()
                .filter(|&j| j != i && p.distance(&positions[j]) <= range)
                .collect();
            out.sort_unstable();
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_neighbours_match_the_unit_disk_links() {
        let pos = topology::random(300, topology::random_side(300, 50.0, 8.0), 4);
        let mut want = vec![Vec::new(); pos.len()];
        for (a, b) in topology::unit_disk_links(&pos, 50.0) {
            want[a].push(b);
            want[b].push(a);
        }
        for w in &mut want {
            w.sort_unstable();
        }
        assert_eq!(neighbours(&pos, 50.0), want);
    }

    #[test]
    fn a_small_bench_delivers_its_datagrams() {
        let r = run(20, 30.0, 1);
        assert_eq!(r.nodes, 20);
        assert!(r.sent >= 40 && r.sent <= 2 * 20 * 4, "{r}");
        // Broadcasts reach several neighbours each: more received than sent.
        assert!(r.received > r.sent / 2, "{r}");
        assert!(r.frames >= r.sent, "{r}");
        assert_eq!(r.virtual_s, 30.0);
        assert!(r.peak_kib.is_some());
    }
}
