//! The simulator engine: determinism, the O-QPSK bit error rate, UDGM
//! delivery ratios, hidden terminals, CSMA-CA under contention, ping and a
//! 10-node line of real sixlo nodes.

use std::net::Ipv6Addr;

use sixlo::node::{NodeConfig, NodeEvent, RouterSettings};
use sixlo::time::{Duration, Instant};
use sixlo_sim::engine::{FrameRecord, Simulation, udp_socket};
use sixlo_sim::medium::pathloss::{dbm_to_mw, oqpsk_ber};
use sixlo_sim::medium::{Loss, NodeId, Reception, Topo, Udgm};

const PAN: u16 = 0xabcd;

fn eui(i: usize) -> [u8; 8] {
    [0x02, 0x12, 0x74, 0x00, 0x00, 0x00, (i >> 8) as u8, i as u8]
}

fn router(i: usize) -> NodeConfig {
    let mut rs = RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    NodeConfig::router(eui(i), PAN, rs)
}

fn host(i: usize) -> NodeConfig {
    NodeConfig::host(eui(i), PAN)
}

fn link_local(i: usize) -> Ipv6Addr {
    sixlo::nd::link_local_from_eui64(eui(i))
}

fn udgm(tx: f64, interference: f64) -> Box<Udgm> {
    Box::new(Udgm::new(tx, interference, 1.0, 1.0))
}

/// Runs until node `n` reports an echo reply from `from`.
fn wait_echo(sim: &mut Simulation, n: NodeId, from: Ipv6Addr, limit: Duration) -> bool {
    let limit = sim.now() + limit;
    sim.run_until_true(limit, |s| {
        let mut got = false;
        while let Some(e) = s.poll_event(n) {
            if let NodeEvent::EchoReply { from: f, .. } = e {
                got |= f == from;
            }
        }
        got
    })
}

#[test]
fn oqpsk_ber_matches_the_standard_curve() {
    // IEEE 802.15.4 O-QPSK BER at −2, 0, +1, +2 dB SINR, two significant digits.
    for (db, want) in [(-2.0, 5.2e-3), (0.0, 1.6e-4), (1.0, 1.3e-5), (2.0, 5.1e-7f64)] {
        let ber = oqpsk_ber(dbm_to_mw(db));
        let exp = want.log10().floor();
        let mantissa = |x: f64| (x / 10f64.powf(exp) * 10.0).round() / 10.0;
        assert_eq!(mantissa(ber), mantissa(want), "BER at {db} dB = {ber:e}, want {want:e}");
    }
}

#[test]
fn two_node_ping() {
    let mut sim = Simulation::new(1, udgm(50.0, 100.0));
    let r = sim.add_node(router(1), (0.0, 0.0));
    let h = sim.add_node(host(2), (30.0, 0.0));
    let global = sixlo::nd::addr_from_prefix("fd00::".parse().unwrap(), sixlo::nd::iid_from_eui64(eui(2)));
    let limit = sim.now() + Duration::from_secs(10);
    assert!(sim.run_until_true(limit, |s| s.node(h).is_registered(&global)), "host not registered");
    let router_global = sim.node(r).global_addresses().next().unwrap();
    sim.node_mut(h).ping(router_global, 7, 1, b"hello").unwrap();
    assert!(wait_echo(&mut sim, h, router_global, Duration::from_secs(1)));
    sim.node_mut(r).ping(global, 8, 1, b"back").unwrap();
    assert!(wait_echo(&mut sim, r, global, Duration::from_secs(1)));
    let c = sim.counters();
    assert_eq!((c.collisions, c.channel_losses, c.half_duplex), (0, 0, 0), "{c:?}");
    assert!(c.rx >= 8 && c.tx >= 8, "{c:?}");
    assert_eq!(sim.mac_totals().no_ack, 0);
    assert!(sim.mac_totals().tx_acked >= 4);
}

/// Nodes on a line 40 m apart (UDGM 50 m / 100 m), routers at even
/// positions, hosts at odd ones; node i pings node i+1 (link-local).
fn line(seed: u64) -> (Simulation, Vec<bool>) {
    let mut sim = Simulation::new(seed, udgm(50.0, 100.0));
    sim.record_frames(true);
    let ids: Vec<NodeId> = (0..10)
        .map(|i| sim.add_node(if i % 2 == 0 { router(i) } else { host(i) }, (40.0 * i as f64, 0.0)))
        .collect();
    sim.run_until(Instant::from_secs(5));
    let mut ok = vec![false; 9];
    for round in 0..3u16 {
        for i in 0..9 {
            if !ok[i] {
                let _ = sim.node_mut(ids[i]).ping(link_local(i + 1), i as u16, round, b"line");
            }
            sim.run_for(Duration::from_millis(150));
            while let Some(e) = sim.poll_event(ids[i]) {
                if let NodeEvent::EchoReply { from, .. } = e {
                    ok[i] |= from == link_local(i + 1);
                }
            }
        }
    }
    for i in 0..9 {
        while let Some(e) = sim.poll_event(ids[i]) {
            if let NodeEvent::EchoReply { from, .. } = e {
                ok[i] |= from == link_local(i + 1);
            }
        }
    }
    (sim, ok)
}

#[test]
fn ten_node_line_one_hop_exchanges() {
    let (sim, ok) = line(42);
    assert!(ok.iter().all(|o| *o), "pings answered: {ok:?}");
    // Hosts registered with a neighbouring router.
    for i in (1..10).step_by(2) {
        let g = sixlo::nd::addr_from_prefix("fd00::".parse().unwrap(), sixlo::nd::iid_from_eui64(eui(i)));
        assert!(sim.node(NodeId(i)).is_registered(&g), "host {i} not registered");
    }
    // Only neighbours 40 m away hear each other.
    for f in sim.frame_log() {
        for (r, _) in &f.receivers {
            assert_eq!(r.0.abs_diff(f.sender.0), 1, "{} heard {}", r, f.sender);
        }
    }
}

#[test]
fn same_seed_same_frames_other_seed_other_frames() {
    let (a, _) = line(7);
    let (b, _) = line(7);
    let (c, _) = line(8);
    let (la, lb, lc): (&[FrameRecord], &[FrameRecord], &[FrameRecord]) =
        (a.frame_log(), b.frame_log(), c.frame_log());
    assert!(la.len() > 50, "{} frames", la.len());
    assert_eq!(la, lb);
    assert_eq!(a.counters(), b.counters());
    assert_ne!(la, lc);
}

#[test]
fn udgm_delivery_ratio_follows_coojas_formula() {
    let (range, ratio_rx) = (50.0, 0.4);
    let mut sim = Simulation::new(3, Box::new(Udgm::new(range, range, 1.0, ratio_rx)));
    sim.record_frames(true);
    let s = sim.add_node(router(1), (0.0, 0.0));
    let dists = [10.0, 25.0, 40.0, 49.0];
    let rx: Vec<NodeId> =
        dists.iter().enumerate().map(|(i, d)| sim.add_node(router(i + 2), (0.0, *d))).collect();
    let sock = sim.node_mut(s).add_socket(udp_socket(1000, 256, 2048)).unwrap();
    let all_nodes: Ipv6Addr = "ff02::1".parse().unwrap();
    for _ in 0..2000 {
        let _ = sim.node_mut(s).socket(sock).unwrap().send_to(b"broadcast payload", (all_nodes, 1000));
        sim.run_for(Duration::from_millis(5));
    }
    for (i, (&d, &r)) in dists.iter().zip(&rx).enumerate() {
        let (mut got, mut lost) = (0u32, 0u32);
        for f in sim.frame_log().iter().filter(|f| f.sender == s) {
            for (n, v) in &f.receivers {
                if *n == r {
                    match v {
                        Reception::Received { .. } => got += 1,
                        Reception::Lost(Loss::Channel) => lost += 1,
                        _ => {}
                    }
                }
            }
        }
        let n = f64::from(got + lost);
        assert!(n >= 1900.0, "receiver {i}: {n} frames");
        let p = 1.0 - (d * d) / (range * range) * (1.0 - ratio_rx);
        let sd = (p * (1.0 - p) / n).sqrt();
        let seen = f64::from(got) / n;
        assert!((seen - p).abs() <= 4.0 * sd + 1e-9, "at {d} m: {seen} vs {p} (σ {sd})");
    }
}

/// A and C (80 m apart) both send a 90-byte datagram to B in the middle.
fn two_senders(seed: u64, a_pos: (f64, f64), c_pos: (f64, f64), range: f64) -> (Simulation, [NodeId; 3]) {
    let mut sim = Simulation::new(seed, udgm(range, range));
    sim.record_frames(true);
    let a = sim.add_node(router(1), a_pos);
    let b = sim.add_node(router(2), (40.0, 0.0));
    let c = sim.add_node(router(3), c_pos);
    sim.run_until(Instant::from_secs(2));
    sim.take_frame_log();
    let _sb = sim.node_mut(b).add_socket(udp_socket(9, 1024, 64)).unwrap();
    let sa = sim.node_mut(a).add_socket(udp_socket(1, 256, 512)).unwrap();
    let sc = sim.node_mut(c).add_socket(udp_socket(1, 256, 512)).unwrap();
    let payload = [0x5a; 90];
    sim.node_mut(a).socket(sa).unwrap().send_to(&payload, (link_local(2), 9)).unwrap();
    sim.node_mut(c).socket(sc).unwrap().send_to(&payload, (link_local(2), 9)).unwrap();
    sim.run_for(Duration::from_millis(200));
    (sim, [a, b, c])
}

fn big_frames(sim: &Simulation, from: NodeId) -> Vec<&FrameRecord> {
    sim.frame_log().iter().filter(|f| f.sender == from && f.frame.len() > 100).collect()
}

#[test]
fn hidden_terminals_collide_despite_csma() {
    for seed in 1..=5 {
        let (sim, [a, b, c]) = two_senders(seed, (0.0, 0.0), (80.0, 0.0), 50.0);
        let (fa, fc) = (big_frames(&sim, a), big_frames(&sim, c));
        assert!(!fa.is_empty() && !fc.is_empty());
        // The first attempts overlap in time (backoffs of at most 7 × 320 µs
        // against 4 ms frames) and both are lost at B.
        assert!(fa[0].start < fc[0].end && fc[0].start < fa[0].end, "seed {seed}");
        assert_eq!(fa[0].receivers, vec![(b, Reception::Lost(Loss::Collision))], "seed {seed}");
        assert_eq!(fc[0].receivers, vec![(b, Reception::Lost(Loss::Collision))], "seed {seed}");
        // A never sensed C: no frame of C reaches A, so a CCA of A can
        // only find the channel busy with B's frames (an ACK to C's retry,
        // when the random backoffs put A's CCA there).
        let hears_c = |f: &&FrameRecord| f.sender == c && f.receivers.iter().any(|(n, _)| *n == a);
        assert!(!sim.frame_log().iter().any(|f| hears_c(&f)), "seed {seed}");
        let from_b = sim.frame_log().iter().filter(|f| f.sender == b).count();
        assert!(sim.radio_stats(a).cca_busy as usize <= from_b, "seed {seed}");
        assert!(sim.counters().collisions >= 2);
    }
}

#[test]
fn csma_defers_when_senders_hear_each_other() {
    let (mut clean, mut deferred) = (0, 0);
    for seed in 1..=20 {
        let (sim, [a, b, c]) = two_senders(seed, (0.0, 0.0), (10.0, 0.0), 50.0);
        let (fa, fc) = (big_frames(&sim, a), big_frames(&sim, c));
        let got = |fs: &[&FrameRecord]| fs.iter().any(|f| f.received_by().any(|n| n == b));
        // Each datagram arrives, or its MAC gave up on a busy channel
        // (macMaxCSMABackoffs) - deferring, never colliding.
        for (f, n) in [(&fa, a), (&fc, c)] {
            assert!(got(f) || sim.node(n).stats().mac.csma_fail == 1, "seed {seed}: lost");
        }
        let busy = sim.radio_stats(a).cca_busy + sim.radio_stats(c).cca_busy;
        if sim.counters().collisions == 0 {
            clean += 1;
            // Without a collision, at most one frame each, never overlapping.
            assert!(fa.len() <= 1 && fc.len() <= 1, "seed {seed}");
            if let (Some(x), Some(y)) = (fa.first(), fc.first()) {
                assert!(x.end <= y.start || y.end <= x.start, "seed {seed}");
            }
            if busy > 0 {
                deferred += 1;
            }
        }
    }
    // Both backoffs end in the same 320 µs slot (CCAs at one instant) with
    // probability 1/8 per attempt; otherwise the later one senses the first.
    assert!(clean >= 14, "{clean} of 20 runs without collision");
    assert!(deferred >= 10, "{deferred} runs where a CCA found the channel busy");
}

#[test]
fn down_nodes_hear_nothing_and_topo_links_are_directed() {
    // A topology where 0 → 1 works but 1 → 0 does not.
    let mut t = Topo::new();
    t.set_link(NodeId(0), NodeId(1), 1.0);
    let mut sim = Simulation::new(5, Box::new(t));
    sim.record_frames(true);
    let a = sim.add_node(router(1), (0.0, 0.0));
    let b = sim.add_node(router(2), (0.0, 0.0));
    let _ = sim.node_mut(a).ping(link_local(2), 1, 1, b"x");
    sim.run_for(Duration::from_millis(100));
    let log = sim.take_frame_log();
    assert!(log.iter().any(|f| f.sender == a && f.received_by().any(|n| n == b)));
    assert!(log.iter().filter(|f| f.sender == b).all(|f| f.receivers.is_empty()));
    sim.set_up(b, false);
    let _ = sim.node_mut(a).ping(link_local(2), 1, 2, b"x");
    sim.run_for(Duration::from_millis(100));
    let log = sim.take_frame_log();
    assert!(!log.is_empty());
    assert!(log.iter().all(|f| f.sender == a && f.receivers.is_empty()));
    assert!(!sim.is_up(b));
}
