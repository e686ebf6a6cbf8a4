//! Faults the engine simulates: a root that reboots (loses every
//! registration, hosts register again) and degraded links (an extra
//! delivery ratio on one pair of nodes, both ways).

use std::net::Ipv6Addr;

use sixlo::nd::neighbor::NeighborState;
use sixlo::node::{NodeConfig, RouterSettings};
use sixlo::time::{Duration, Instant};
use sixlo_sim::engine::{DEFAULT_REBOOT_DOWN, Simulation};
use sixlo_sim::medium::{Loss, NodeId, Reception, Udgm};

const PAN: u16 = 0xabcd;
const PORT: u16 = 0xf0b1;

fn eui(i: usize) -> [u8; 8] {
    [0x02, 0x12, 0x74, 0x00, 0x00, 0x00, (i >> 8) as u8, i as u8]
}

fn link_local(i: usize) -> Ipv6Addr {
    sixlo::nd::link_local_from_eui64(eui(i))
}

fn global(i: usize) -> Ipv6Addr {
    sixlo::nd::addr_from_prefix("fd00::".parse().unwrap(), sixlo::nd::iid_from_eui64(eui(i)))
}

fn udgm() -> Box<Udgm> {
    Box::new(Udgm::new(50.0, 100.0, 1.0, 1.0))
}

/// A router announcing fd00::/64.
fn root(i: usize) -> NodeConfig {
    let mut rs = RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    NodeConfig::router(eui(i), PAN, rs)
}

/// A router with nothing to announce: quiet, link-local traffic only.
fn plain(i: usize) -> NodeConfig {
    NodeConfig::router(eui(i), PAN, RouterSettings::default())
}

fn registered_at_root(sim: &Simulation, r: NodeId, hosts: &[usize]) -> usize {
    let t = sim.node(r).nd_router().unwrap().table();
    hosts.iter().filter(|&&h| t.is_registered(&global(h))).count()
}

#[test]
fn root_reboot_wipes_registrations_and_hosts_register_again() {
    // Registrations of 1 minute: hosts refresh them at 80 %, 48 s after
    // they registered (RFC 6775 §5.5.1 lets the host choose; the default of
    // 15 minutes would mean 720 s).
    const LIFETIME_MIN: u16 = 1;
    let refresh = Duration::from_secs(u64::from(LIFETIME_MIN) * 60 * 80 / 100);
    let mut sim = Simulation::new(3, udgm());
    let r = sim.add_node(root(1), (0.0, 0.0));
    let hosts = [2usize, 3, 4];
    let ids: Vec<NodeId> = hosts
        .iter()
        .enumerate()
        .map(|(k, &h)| {
            let mut c = NodeConfig::host(eui(h), PAN);
            c.registration_lifetime_minutes = Some(LIFETIME_MIN);
            sim.add_node(c, (20.0, 10.0 * k as f64))
        })
        .collect();
    let root_sock = sim.add_udp_socket(r, PORT, 512, 256).unwrap();
    let limit = Instant::from_secs(10);
    assert!(sim.run_until_true(limit, |s| registered_at_root(s, r, &hosts) == 3), "hosts not registered");
    let registered = sim.now();
    sim.run_for(Duration::from_secs(5));
    let table = sim.node(r).nd_router().unwrap().table();
    // Each host registers its link-local and its global address.
    assert_eq!(table.iter().filter(|n| n.state() == NeighborState::Registered).count(), 6);
    assert!(hosts.iter().all(|&h| table.is_registered(&link_local(h))));

    let t0 = sim.now();
    let handles = sim.reboot(r, DEFAULT_REBOOT_DOWN);
    assert_eq!(handles, vec![root_sock], "the socket comes back with the same handle");
    assert_eq!(sim.boots(r), 1);
    assert!(!sim.is_up(r));
    assert_eq!(sim.node(r).nd_router().unwrap().table().len(), 0, "the ND table survived the reboot");
    // The hosts do not notice: they still believe they are registered.
    for (&id, &h) in ids.iter().zip(&hosts) {
        assert!(sim.node(id).is_registered(&global(h)));
    }
    sim.run_until(t0 + DEFAULT_REBOOT_DOWN - Duration::from_micros(1));
    assert!(!sim.is_up(r), "up before the end of the power cycle");
    sim.run_until(t0 + DEFAULT_REBOOT_DOWN);
    assert!(sim.is_up(r), "not up after the power cycle");
    assert_eq!(sim.node(r).global_addresses().count(), 1, "the rebooted root forms its address again");

    // Nothing re-registers before the hosts' refresh point; everyone has
    // by the refresh point plus the NS retransmission budget (3 × 1 s).
    let refresh_at = registered + refresh;
    let mut first: Option<Instant> = None;
    let done = sim.run_until_true(refresh_at + Duration::from_secs(4), |s| {
        let n = registered_at_root(s, r, &hosts);
        if n > 0 && first.is_none() {
            first = Some(s.now());
        }
        n == 3
    });
    assert!(done, "hosts not registered again by {:?}", refresh_at + Duration::from_secs(4));
    let all = sim.now();
    // Hosts registered within the first second or so, within 1 s of each other.
    assert!(first.unwrap() + Duration::from_secs(2) >= refresh_at, "first re-registration {:?}", first);
    // Measured: 43.0 s (the reboot came 5 s after the registrations, the
    // refresh 48 s after them).
    let took = (all - t0).total_millis();
    assert!((42_000..=47_000).contains(&took), "re-registration took {took} ms after the reboot");

    // The re-created socket works: a host's datagram reaches the new root.
    let hs = sim.add_udp_socket(ids[0], PORT, 256, 256).unwrap();
    let root_global = sim.node(r).global_addresses().next().unwrap();
    sim.node_mut(ids[0]).socket(hs).unwrap().send_to(b"after reboot", (root_global, PORT)).unwrap();
    sim.run_for(Duration::from_secs(1));
    let mut buf = [0u8; 64];
    let (len, _) = sim.node_mut(r).socket(handles[0]).unwrap().recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..len], b"after reboot");
}

#[test]
fn reboot_of_a_down_node_and_a_second_reboot() {
    let mut sim = Simulation::new(5, udgm());
    let a = sim.add_node(plain(1), (0.0, 0.0));
    sim.run_for(Duration::from_secs(1));
    sim.set_up(a, false);
    sim.reboot(a, Duration::from_millis(500));
    // A second reboot during the power cycle: the first power-on is void.
    sim.run_for(Duration::from_millis(300));
    sim.reboot(a, Duration::from_millis(500));
    sim.run_for(Duration::from_millis(300)); // 600 ms after the first reboot
    assert!(!sim.is_up(a));
    sim.run_for(Duration::from_millis(200));
    assert!(sim.is_up(a));
    assert_eq!(sim.boots(a), 2);
}

/// Three nodes in range of each other; each broadcasts `rounds` UDP
/// datagrams to ff02::1. Returns the frame log.
fn broadcasts(sim: &mut Simulation, ids: &[NodeId], rounds: usize) -> Vec<sixlo_sim::engine::FrameRecord> {
    let socks: Vec<_> = ids.iter().map(|&i| sim.add_udp_socket(i, PORT, 4096, 256).unwrap()).collect();
    sim.record_frames(true);
    let all_nodes: Ipv6Addr = "ff02::1".parse().unwrap();
    for _ in 0..rounds {
        for (&i, &s) in ids.iter().zip(&socks) {
            sim.node_mut(i).socket(s).unwrap().send_to(b"degraded?", (all_nodes, PORT)).unwrap();
            sim.run_for(Duration::from_millis(10));
        }
        // Empty the receive buffers.
        let mut buf = [0u8; 64];
        for (&i, &s) in ids.iter().zip(&socks) {
            while sim.node_mut(i).socket(s).unwrap().recv_from(&mut buf).is_ok() {}
        }
    }
    sim.take_frame_log()
}

/// (received, lost to the channel) at `rx` of frames sent by `tx`.
fn tally(log: &[sixlo_sim::engine::FrameRecord], tx: NodeId, rx: NodeId) -> (usize, usize) {
    let mut t = (0, 0);
    for f in log.iter().filter(|f| f.sender == tx) {
        for (r, v) in &f.receivers {
            if *r == rx {
                match v {
                    Reception::Received { .. } => t.0 += 1,
                    Reception::Lost(Loss::Channel) => t.1 += 1,
                    other => panic!("frame {} at {rx}: {other:?}", f.seq),
                }
            }
        }
    }
    t
}

#[test]
fn a_link_degraded_to_zero_delivers_nothing_and_only_that_link() {
    let mut sim = Simulation::new(9, udgm());
    let ids: Vec<NodeId> = [(0.0, 0.0), (30.0, 0.0), (15.0, 25.0)]
        .iter()
        .enumerate()
        .map(|(k, &p)| sim.add_node(plain(k + 1), p))
        .collect();
    sim.set_link_ratio(ids[1], ids[0], 0.0);
    assert_eq!(sim.link_ratio(ids[0], ids[1]), 0.0);
    assert_eq!(sim.link_ratio(ids[0], ids[2]), 1.0);
    let log = broadcasts(&mut sim, &ids, 50);
    assert_eq!(log.len(), 150, "one frame per broadcast, no retries");
    assert_eq!(tally(&log, ids[0], ids[1]), (0, 50));
    assert_eq!(tally(&log, ids[1], ids[0]), (0, 50));
    for (a, b) in [(0, 2), (2, 0), (1, 2), (2, 1)] {
        assert_eq!(tally(&log, ids[a], ids[b]), (50, 0), "{a} -> {b}");
    }
    assert_eq!(sim.counters().channel_losses, 100);
    // Ratio 1 lifts the fault.
    sim.set_link_ratio(ids[0], ids[1], 1.0);
    let log = broadcasts(&mut sim, &ids, 10);
    assert_eq!(tally(&log, ids[0], ids[1]), (10, 0));
    assert_eq!(tally(&log, ids[1], ids[0]), (10, 0));
}

#[test]
fn a_link_degraded_to_half_delivers_half() {
    let mut sim = Simulation::new(11, udgm());
    let ids: Vec<NodeId> = [(0.0, 0.0), (30.0, 0.0), (15.0, 25.0)]
        .iter()
        .enumerate()
        .map(|(k, &p)| sim.add_node(plain(k + 1), p))
        .collect();
    sim.set_link_ratio(ids[0], ids[1], 0.5);
    const N: usize = 1000;
    let log = broadcasts(&mut sim, &ids, N);
    // 2 × 1000 Bernoulli(0.5) draws: σ of the ratio is 0.011; 4σ bounds.
    let (a, la) = tally(&log, ids[0], ids[1]);
    let (b, lb) = tally(&log, ids[1], ids[0]);
    assert_eq!((a + la, b + lb), (N, N));
    for got in [a, b] {
        let ratio = got as f64 / N as f64;
        assert!((0.5 - 0.064..=0.5 + 0.064).contains(&ratio), "delivered {ratio}");
    }
    let both = (a + b) as f64 / (2 * N) as f64;
    assert!((0.5 - 0.045..=0.5 + 0.045).contains(&both), "delivered {both}");
    assert_eq!(sim.counters().channel_losses, (la + lb) as u64);
    assert_eq!(tally(&log, ids[0], ids[2]), (N, 0));
    // Same seed, same draws.
    let mut again = Simulation::new(11, udgm());
    let ids2: Vec<NodeId> = [(0.0, 0.0), (30.0, 0.0), (15.0, 25.0)]
        .iter()
        .enumerate()
        .map(|(k, &p)| again.add_node(plain(k + 1), p))
        .collect();
    again.set_link_ratio(ids2[0], ids2[1], 0.5);
    let log2 = broadcasts(&mut again, &ids2, N);
    assert_eq!(log, log2);
}

#[test]
fn link_local_unicast_over_a_dead_link_fails_and_the_others_work() {
    let mut sim = Simulation::new(13, udgm());
    let ids: Vec<NodeId> = [(0.0, 0.0), (30.0, 0.0), (15.0, 25.0)]
        .iter()
        .enumerate()
        .map(|(k, &p)| sim.add_node(plain(k + 1), p))
        .collect();
    let socks: Vec<_> = ids.iter().map(|&i| sim.add_udp_socket(i, PORT, 1024, 256).unwrap()).collect();
    sim.set_link_ratio(ids[0], ids[1], 0.0);
    sim.node_mut(ids[0]).socket(socks[0]).unwrap().send_to(b"to 1", (link_local(2), PORT)).unwrap();
    sim.run_for(Duration::from_millis(500));
    sim.node_mut(ids[0]).socket(socks[0]).unwrap().send_to(b"to 2", (link_local(3), PORT)).unwrap();
    sim.run_for(Duration::from_millis(500));
    let mut buf = [0u8; 64];
    assert!(sim.node_mut(ids[1]).socket(socks[1]).unwrap().recv_from(&mut buf).is_err());
    let (len, _) = sim.node_mut(ids[2]).socket(socks[2]).unwrap().recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..len], b"to 2");
    let mac = sim.node(ids[0]).stats().mac;
    assert_eq!(mac.no_ack, 1, "{mac:?}");
    assert!(mac.retries >= 3, "{mac:?}");
}
