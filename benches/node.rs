//! Per-packet cost of a whole `Node` (MAC, 6LoWPAN, IPv6, UDP sockets).
//!
//! Run: `cargo bench --bench node -- --warm-up-time 1 --measurement-time 3`
//!
//! Setup: a router R announcing fd00::/64 (context 0) and two hosts A and B
//! over an in-memory medium (the logic of `tests/node/mod.rs`); both hosts
//! register with R. B then sends two 50-byte UDP datagrams, one to R's
//! global address (port 5683) and one to A's (through R), and the frames B
//! put on the air are recorded. The timed router gets a fresh `MemRadio`
//! with hardware CSMA/ACK/retries, so each frame goes out within the same
//! `poll` (a pre-queued `TxReport` ends the transmission) and no ACK is
//! sent in software. Each iteration rewrites the MAC sequence number (the
//! duplicate filter would drop a repeat) and advances time by 10 µs.
//!
//! Groups (each `Throughput::Elements(1)`: one frame):
//! - `node/rx_udp`: frame pushed into R's radio → `Node::poll` → UDP
//!   payload queued in R's socket → `recv_from` (payload checked).
//! - `node/forward`: frame pushed into R's radio → `Node::poll` → frame to
//!   A taken from R's radio (`take_sent`).
//!
//! After criterion, a plain loop of 200,000 packets prints `ns/packet` for
//! each path.

use std::net::Ipv6Addr;
use std::time::Instant as StdInstant;

use criterion::{Criterion, Throughput, black_box};

use sixlo::lowpan::frag::ReassemblySlot;
use sixlo::mac::{DedupEntry, LinkStats, TxSlot};
use sixlo::nd::Neighbor;
use sixlo::net::{AddrEntry, FragSlot, Route};
use sixlo::node::{Node, NodeConfig, NodeStorage, RouterSettings};
use sixlo::radio::{MemFrame, MemRadio, RadioCaps, TxReport, TxStatus};
use sixlo::socket::SocketHandle;
use sixlo::socket::udp::UdpSocket;
use sixlo::time::{Duration, Instant};

const ROUTER: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];
const HOST_A: [u8; 8] = [0x02, 0x12, 0x74, 0x02, 0x00, 0x02, 0x02, 0x02];
const HOST_B: [u8; 8] = [0x02, 0x12, 0x74, 0x03, 0x00, 0x03, 0x03, 0x03];
const PAN: u16 = 0xabcd;
const PORT: u16 = 5683;
const PAYLOAD_LEN: usize = 50;
const STEP: Duration = Duration::from_micros(10);

fn leak<T>(v: Vec<T>) -> &'static mut [T] {
    Box::leak(v.into_boxed_slice())
}

fn storage() -> NodeStorage<'static> {
    let lowpan = leak(vec![0u8; 2 * 1280]);
    let (a, b) = lowpan.split_at_mut(1280);
    NodeStorage {
        mac_queue: leak(vec![TxSlot::EMPTY; 4]),
        mac_dedup: leak(vec![DedupEntry::EMPTY; 8]),
        mac_links: leak(vec![LinkStats::EMPTY; 8]),
        neighbors: leak(vec![Neighbor::EMPTY; 8]),
        addresses: leak(vec![None::<AddrEntry>; 4]),
        groups: leak(vec![None; 4]),
        routes: leak(vec![None::<Route>; 4]),
        ip_reassembly: leak(vec![FragSlot::new(leak(vec![0u8; 1280]))]),
        lowpan_reassembly: leak(vec![ReassemblySlot::new(a), ReassemblySlot::new(b)]),
        sockets: leak((0..2).map(|_| sixlo::socket::SocketSlot::EMPTY).collect()),
        packet: leak(vec![0u8; 1280]),
        rx: leak(vec![0u8; 256]),
        rpl_parents: &mut [],
        rpl_routes: &mut [],
        rpl_state: None,
    }
}

fn socket(port: u16) -> UdpSocket<'static> {
    let mut s = UdpSocket::new(leak(vec![0u8; 1024]), leak(vec![0u8; 1024]));
    s.bind(port).unwrap();
    s
}

/// A full-mesh medium in virtual time, recording every frame on the air.
struct Medium {
    nodes: Vec<Node<'static>>,
    radios: Vec<MemRadio>,
    now: Instant,
    /// (sender index, frame), in order.
    air: Vec<(usize, MemFrame)>,
}

impl Medium {
    fn step(&mut self) {
        for (n, r) in self.nodes.iter_mut().zip(self.radios.iter_mut()) {
            n.poll(self.now, r);
        }
        let mut moved = false;
        for from in 0..self.radios.len() {
            while let Some(f) = self.radios[from].take_sent() {
                moved = true;
                for to in 0..self.radios.len() {
                    if to != from {
                        self.radios[to].push_rx(&f, -50, 255, self.now);
                    }
                }
                self.air.push((from, f));
            }
        }
        let next = self.nodes.iter().filter_map(|n| n.poll_at()).min();
        self.now = match next {
            _ if moved => self.now + Duration::from_micros(1),
            Some(t) if t > self.now => t.min(self.now + Duration::from_millis(100)),
            _ => self.now + Duration::from_micros(1),
        };
    }

    fn run_until(&mut self, limit: Instant, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        while self.now < limit {
            if done(self) {
                return true;
            }
            self.step();
        }
        false
    }
}

/// The first data frame (frame type 1) `from` put on the air at or after
/// record index `since`.
fn data_frame(m: &Medium, from: usize, since: usize) -> Vec<u8> {
    m.air[since..].iter().find(|(s, f)| *s == from && f[0] & 0x07 == 1).map(|(_, f)| f.to_vec()).unwrap()
}

/// What the timed router needs.
struct Setup {
    router: Node<'static>,
    radio: MemRadio,
    server: SocketHandle,
    now: Instant,
    /// B → R, UDP to R's global address.
    rx_frame: Vec<u8>,
    /// B → R, UDP to A's global address (forwarded).
    fwd_frame: Vec<u8>,
}

fn setup() -> Setup {
    let mut rs = RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    let configs =
        [NodeConfig::router(ROUTER, PAN, rs), NodeConfig::host(HOST_A, PAN), NodeConfig::host(HOST_B, PAN)];
    let mut m = Medium { nodes: Vec::new(), radios: Vec::new(), now: Instant::ZERO, air: Vec::new() };
    for c in configs {
        let node = Node::new(c, storage());
        let mut radio = MemRadio::new(RadioCaps::NONE);
        node.configure_radio(&mut radio);
        m.nodes.push(node);
        m.radios.push(radio);
    }
    let global = |n: &Node<'static>| n.global_addresses().next();
    let registered = m.run_until(Instant::from_secs(60), |m| {
        m.nodes[1..].iter().all(|n| global(n).is_some_and(|a| n.is_registered(&a)))
    });
    assert!(registered, "hosts did not register");
    let (r_addr, a_addr) = (global(&m.nodes[0]).unwrap(), global(&m.nodes[1]).unwrap());
    let server = m.nodes[0].add_socket(socket(PORT)).unwrap();
    let a_sock = m.nodes[1].add_socket(socket(PORT)).unwrap();
    let client = m.nodes[2].add_socket(socket(49152)).unwrap();
    let payload = [0x5a; PAYLOAD_LEN];
    let mut buf = [0u8; 256];

    let mut send_and_record = |m: &mut Medium, to: Ipv6Addr, node: usize, sock: SocketHandle| {
        let since = m.air.len();
        m.nodes[2].socket(client).unwrap().send_to(&payload, (to, PORT)).unwrap();
        let limit = m.now + Duration::from_secs(5);
        let got = m.run_until(limit, |m| m.nodes[node].socket(sock).unwrap().recv_from(&mut buf).is_ok());
        assert!(got, "datagram to {to} not delivered");
        data_frame(m, 2, since)
    };
    let rx_frame = send_and_record(&mut m, r_addr, 0, server);
    let fwd_frame = send_and_record(&mut m, a_addr, 1, a_sock);
    // Let every transmission (ACKs) finish before taking the router out.
    m.run_until(m.now + Duration::from_millis(200), |_| false);

    let router = m.nodes.swap_remove(0);
    let mut radio =
        MemRadio::new(RadioCaps { hw_csma: true, hw_ack: true, hw_retries: true, max_frame_len: 127 });
    router.configure_radio(&mut radio);
    Setup { router, radio, server, now: m.now, rx_frame, fwd_frame }
}

/// One received datagram: push, poll, read. Returns the payload length.
fn rx_once(s: &mut Setup, frame: &mut [u8], seq: &mut u8, buf: &mut [u8]) -> usize {
    *seq = seq.wrapping_add(1);
    frame[2] = *seq;
    s.now += STEP;
    s.radio.push_rx(frame, -50, 255, s.now);
    s.router.poll(s.now, &mut s.radio);
    let (n, _) = s.router.socket(s.server).unwrap().recv_from(buf).expect("datagram delivered");
    n
}

/// One forwarded datagram: push, poll, take the frame out.
fn fwd_once(s: &mut Setup, frame: &mut [u8], seq: &mut u8) -> MemFrame {
    *seq = seq.wrapping_add(1);
    frame[2] = *seq;
    s.now += STEP;
    s.radio.push_rx(frame, -50, 255, s.now);
    let _ = s.radio.tx_reports.push_back(TxReport { status: TxStatus::Sent, attempts: 1 });
    s.router.poll(s.now, &mut s.radio);
    s.radio.take_sent().expect("frame forwarded")
}

fn bench(c: &mut Criterion, s: &mut Setup) {
    let mut g = c.benchmark_group("node");
    g.throughput(Throughput::Elements(1));
    let mut seq = 0u8;
    let mut buf = [0u8; 256];
    let mut frame = s.rx_frame.clone();
    assert_eq!(rx_once(s, &mut frame, &mut seq, &mut buf), PAYLOAD_LEN);
    assert_eq!(&buf[..PAYLOAD_LEN], &[0x5a; PAYLOAD_LEN]);
    g.bench_function("rx_udp", |b| b.iter(|| black_box(rx_once(s, &mut frame, &mut seq, &mut buf))));

    let mut frame = s.fwd_frame.clone();
    let out = fwd_once(s, &mut frame, &mut seq);
    // To A's extended address (destination of the forwarded frame).
    let mut a_ll = HOST_A;
    a_ll.reverse();
    assert!(out.windows(8).any(|w| w == a_ll), "forwarded frame not to A: {out:02x?}");
    g.bench_function("forward", |b| b.iter(|| black_box(fwd_once(s, &mut frame, &mut seq))));
    g.finish();
}

/// ns per packet over `n` packets of a plain loop.
fn plain(n: u32, mut f: impl FnMut()) -> f64 {
    let t = StdInstant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(n)
}

fn main() {
    let mut s = setup();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &mut s);
    c.final_summary();

    const N: u32 = 200_000;
    let (mut seq, mut buf) = (0u8, [0u8; 256]);
    let mut frame = s.rx_frame.clone();
    let rx = plain(N, || {
        black_box(rx_once(&mut s, &mut frame, &mut seq, &mut buf));
    });
    let mut frame = s.fwd_frame.clone();
    let fwd = plain(N, || {
        black_box(fwd_once(&mut s, &mut frame, &mut seq));
    });
    println!("rx_udp:  {rx:.0} ns/packet ({} B frame in, {PAYLOAD_LEN} B payload out)", s.rx_frame.len());
    println!("forward: {fwd:.0} ns/packet ({} B frame in, frame out)", s.fwd_frame.len());
    let st = s.router.stats();
    println!(
        "router stats: rx_frames {} tx_packets {} tx_busy {} tx_no_route {} mac_refused {}",
        st.node.rx_frames, st.node.tx_packets, st.node.tx_busy, st.node.tx_no_route, st.node.tx_mac_refused
    );
}
