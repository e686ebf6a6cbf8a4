//! Running a scenario: builds the network of real sixlo nodes, drives the
//! engine through traffic and faults, and writes the outputs.
//!
//! Until RPL lands, the root is a 6LoWPAN-ND router announcing `fd00::/64`
//! and every other node is an ND host: nodes in radio range of the root
//! register and exchange traffic with it; nodes further away keep
//! soliciting and never join (their datagrams are not sent and not counted).
//! The RPL keys of `metrics.json` are therefore null.
//!
//! Faults: `node_down` / `node_up` ([`Simulation::set_up`]), `move`,
//! `link` ([`Simulation::set_link_ratio`]: an extra delivery ratio on the
//! pair, both ways) and `root_reboot` ([`Simulation::reboot`]: the root is
//! down for 1 s and comes back empty; its socket is re-created). Hosts do
//! not notice a reboot: they register again at 80 % of their registration
//! lifetime (15 minutes: 720 s after they registered), so in a run shorter
//! than that the rebooted root cannot reach them. The log records how many
//! hosts the root has not registered again, each time that number falls.

use std::collections::HashMap;
use std::io;
use std::net::Ipv6Addr;
use std::time::Instant as WallClock;

use sixlo::node::{NodeConfig, NodeEvent, RouterSettings};
use sixlo::socket::SocketHandle;
use sixlo::time::{Duration, Instant};

use crate::engine::{Capacities, DEFAULT_REBOOT_DOWN, Simulation};
use crate::medium::pathloss::PathLoss;
use crate::medium::topo::Topo;
use crate::medium::udgm::Udgm;
use crate::medium::{Medium, NodeId};
use crate::output::log::NodeLog;
use crate::output::metrics::{Frames, Metrics, Radio, RadioTime, Traffic};
use crate::output::pcap::PcapWriter;
use crate::output::svg::Dodag;
use crate::output::{self, Progress};
use crate::scenario::{FaultKind, MediumConfig, Periodic, Scenario};
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

/// Node `i`'s EUI-64: a locally administered address with the id in it.
pub fn eui64(i: usize) -> [u8; 8] {
    let mut e = [0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00];
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

/// What a run produced.
pub struct RunResult {
    /// The metrics (also written to `metrics.json`).
    pub metrics: Metrics,
    /// Files written.
    pub files: Vec<std::path::PathBuf>,
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

fn sent_at(p: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(p.get(4..12)?.try_into().ok()?))
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
    let mut settings = RouterSettings::default();
    let _ = settings.prefixes.push((PREFIX, 64));
    let _ = settings.contexts.push((0, PREFIX, 64));
    for (i, p) in net.positions.iter().enumerate() {
        let (config, caps) = if i == root {
            // Room for every node's two registrations (link-local and
            // global) and some learned neighbours: a root sized for its
            // network, so a reboot does not turn away re-registrations.
            let caps = Capacities { neighbors: (2 * n + 8).max(16), ..Capacities::router() };
            (NodeConfig::router(eui64(i), PAN_ID, settings.clone()), caps)
        } else {
            (NodeConfig::host(eui64(i), PAN_ID), Capacities::default())
        };
        sim.add_node_with(config, (p.x, p.y), caps);
    }
    let mut sockets: Vec<SocketHandle> = (0..n)
        .map(|i| sim.add_udp_socket(NodeId(i), PORT, 4096, 2048).map_err(|e| format!("node {i}: {e:?}")))
        .collect::<Result<_, _>>()?;

    std::fs::create_dir_all(&s.output.dir).map_err(|e| format!("{}: {e}", s.output.dir.display()))?;
    let out = |f: &str| s.output.dir.join(f);
    let mut log = if s.output.log {
        Some(NodeLog::create(&out(output::LOG_FILE)).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let end = Instant::from_micros((s.duration_s * 1e6) as u64);
    let mut bar = progress.then(|| Progress::new(end.total_micros()));
    let mut faults = s.faults.iter().peekable();
    let mut next_up_at: Vec<Instant> = (0..n)
        .map(|i| match s.traffic.up.as_ref() {
            Some(p) => Instant::from_micros(((p.start_s + p.interval_s * i as f64 / n as f64) * 1e6) as u64),
            None => Instant::MAX,
        })
        .collect();
    let mut next_down = s.traffic.down.as_ref().map(|p| Instant::from_micros((p.start_s * 1e6) as u64));
    let mut joined: Vec<bool> = vec![false; n];
    joined[root] = true;
    let (mut up_sent, mut up_recv, mut down_sent, mut down_recv) = (0u64, 0u64, 0u64, 0u64);
    let mut latencies: Vec<u64> = Vec::new();
    let mut seq = 0u32;
    let mut down_until = Instant::ZERO;
    let mut buf = vec![0u8; 2048];
    let mut pending_up: HashMap<u32, ()> = HashMap::new();
    // After a root reboot: when it happened, and which joined hosts the
    // rebooted root has not registered again yet.
    let mut rebooted: Option<(Instant, Vec<usize>)> = None;

    while sim.now() < end {
        let t = (sim.now() + TICK).min(end);
        sim.run_until(t);
        let now = sim.now();
        if let Some(b) = bar.as_mut() {
            b.set(now.total_micros());
        }
        // Events: registrations and addresses, for the log and for traffic.
        for (i, joined) in joined.iter_mut().enumerate() {
            while let Some(e) = sim.poll_event(NodeId(i)) {
                let msg = match e {
                    NodeEvent::Registered(a) => {
                        if a == global(i) {
                            *joined = true;
                        }
                        format!("registered {a}")
                    }
                    NodeEvent::AddressAdded(a) => format!("address {a}"),
                    NodeEvent::Duplicate(a) => format!("duplicate address {a}"),
                    NodeEvent::EchoReply { from, seq, .. } => format!("echo reply from {from} seq {seq}"),
                    NodeEvent::Rpl(ev) => format!("rpl {ev:?}"),
                };
                if let Some(l) = log.as_mut() {
                    l.log(now.total_micros(), i, &msg).map_err(|e| e.to_string())?;
                }
            }
        }
        // Faults due.
        while let Some(f) = faults.next_if(|f| Instant::from_micros((f.at_s * 1e6) as u64) <= now) {
            let msg = match &f.kind {
                FaultKind::NodeDown(id) => {
                    sim.set_up(NodeId(*id), false);
                    format!("down (fault at line {})", f.line)
                }
                FaultKind::NodeUp(id) => {
                    sim.set_up(NodeId(*id), true);
                    format!("up (fault at line {})", f.line)
                }
                FaultKind::Move { node, to } => {
                    sim.move_node(NodeId(*node), (to.x, to.y));
                    format!("moved to ({:.1}, {:.1})", to.x, to.y)
                }
                FaultKind::RootReboot => {
                    let handles = sim.reboot(NodeId(root), REBOOT_DOWN);
                    sockets[root] = *handles.first().ok_or("root socket not re-created")?;
                    let hosts = (0..n).filter(|&i| i != root && joined[i]).collect::<Vec<_>>();
                    let msg = format!(
                        "reboot: state lost, down for {} ms; {} registered hosts must register again",
                        REBOOT_DOWN.total_millis(),
                        hosts.len()
                    );
                    rebooted = Some((now, hosts));
                    msg
                }
                FaultKind::LinkDegrade { a, b, ratio } => {
                    sim.set_link_ratio(NodeId(*a), NodeId(*b), *ratio);
                    format!("link {a}-{b} degraded to delivery ratio {ratio}")
                }
            };
            let node = match &f.kind {
                FaultKind::NodeDown(id) | FaultKind::NodeUp(id) => *id,
                FaultKind::Move { node, .. } => *node,
                FaultKind::LinkDegrade { a, .. } => *a,
                FaultKind::RootReboot => root,
            };
            if let Some(l) = log.as_mut() {
                l.log(now.total_micros(), node, &msg).map_err(|e| e.to_string())?;
            }
        }
        // Re-registrations with a rebooted root, as the root sees them.
        if let Some((at, waiting)) = rebooted.as_mut()
            && let Some(table) = sim.node(NodeId(root)).nd_router().map(|r| r.table())
        {
            let before = waiting.len();
            waiting.retain(|&i| !table.is_registered(&global(i)));
            if waiting.len() < before
                && let Some(l) = log.as_mut()
            {
                let secs = (now - *at).total_micros() as f64 / 1e6;
                let msg =
                    format!("{} hosts not registered again {secs:.3} s after the reboot", waiting.len());
                l.log(now.total_micros(), root, &msg).map_err(|e| e.to_string())?;
            }
            if waiting.is_empty() {
                rebooted = None;
            }
        }
        // Upward traffic: every joined node to the root, node i offset by
        // i/n of the interval so that the nodes do not all send at once.
        if let Some(Periodic { interval_s, payload_bytes, .. }) = s.traffic.up.as_ref() {
            let interval = Duration::from_micros((interval_s * 1e6) as u64);
            for i in 0..n {
                if now < next_up_at[i] {
                    continue;
                }
                next_up_at[i] += interval;
                if i == root || !joined[i] || !sim.is_up(NodeId(i)) {
                    continue;
                }
                seq = seq.wrapping_add(1);
                let p = payload(seq, now, *payload_bytes);
                let h = sockets[i];
                if let Some(sock) = sim.node_mut(NodeId(i)).socket(h)
                    && sock.send_to(&p, (global(root), PORT)).is_ok()
                {
                    up_sent += 1;
                    pending_up.insert(seq, ());
                }
            }
        }
        // Downward traffic: the root to every joined node.
        if let (Some(at), Some(Periodic { interval_s, payload_bytes, .. })) =
            (next_down, s.traffic.down.as_ref())
            && now >= at
        {
            for i in (0..n).filter(|&i| i != root && joined[i]) {
                seq = seq.wrapping_add(1);
                let p = payload(seq, now, *payload_bytes);
                if let Some(sock) = sim.node_mut(NodeId(root)).socket(sockets[root])
                    && sock.send_to(&p, (global(i), PORT)).is_ok()
                {
                    down_sent += 1;
                }
            }
            down_until = now + Duration::from_secs(5);
            next_down = Some(at + Duration::from_micros((interval_s * 1e6) as u64));
        }
        // Deliveries: the root every tick; the others while downward
        // traffic may be in flight.
        while let Ok((len, _)) =
            sim.node_mut(NodeId(root)).socket(sockets[root]).ok_or("root socket gone")?.recv_from(&mut buf)
        {
            up_recv += 1;
            if let Some(t0) = sent_at(&buf[..len]) {
                latencies.push(now.total_micros().saturating_sub(t0));
            }
            let s = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
            pending_up.remove(&s);
        }
        if now <= down_until {
            for i in (0..n).filter(|&i| i != root && joined[i]) {
                let node = sim.node_mut(NodeId(i));
                let sock = node.socket(sockets[i]).ok_or("node socket gone")?;
                while let Ok((len, _)) = sock.recv_from(&mut buf) {
                    down_recv += 1;
                    if let Some(t0) = sent_at(&buf[..len]) {
                        latencies.push(now.total_micros().saturating_sub(t0));
                    }
                }
            }
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    if let (Some((at, waiting)), Some(l)) = (rebooted.as_ref(), log.as_mut()) {
        let secs = (end - *at).total_micros() as f64 / 1e6;
        let msg = format!(
            "{} hosts still not registered again at the end, {secs:.3} s after the reboot",
            waiting.len()
        );
        l.log(end.total_micros(), root, &msg).map_err(|e| e.to_string())?;
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
    latencies.sort_unstable();
    // Every node is one hop from the root until RPL: hops are all 1.
    let hops = vec![1u32; (up_recv + down_recv) as usize];
    m.traffic = Traffic::from_counts((up_sent, up_recv), (down_sent, down_recv), &latencies, &hops);
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
        let links: Vec<(usize, usize, f64)> =
            unit_disk_links(&positions, range).into_iter().map(|(a, b)| (a, b, 1.0)).collect();
        let title = format!("sixlo-sim: {n} nodes, seed {}", s.seed);
        let svg =
            Dodag { positions: &positions, links: &links, parents: &[], root: Some(root), title: &title };
        let path = out(output::SVG_FILE);
        svg.write(&path).map_err(|e| e.to_string())?;
        files.push(path);
    }
    let _ = io::Write::flush(&mut io::stdout());
    Ok(RunResult { metrics: m, files })
}
