//! A small in-memory medium for node tests: every node hears every other
//! node's frames (a full mesh), in virtual time, with an optional loss rule.
#![allow(dead_code)]

use sixlo::lowpan::frag::ReassemblySlot;
use sixlo::mac::{DedupEntry, LinkStats, TxSlot};
use sixlo::nd::Neighbor;
use sixlo::net::{AddrEntry, FragSlot, Route};
use sixlo::node::{Node, NodeConfig, NodeStorage};
use sixlo::radio::{MemRadio, RadioCaps};
use sixlo::socket::SocketSlot;
use sixlo::socket::udp::UdpSocket;
use sixlo::time::{Duration, Instant};
use sixlo::wire::ieee802154::{Address, Frame, FrameRepr, FrameType, FrameVersion};

/// Capacities of a test node's storage.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub mac_queue: usize,
    pub mac_dedup: usize,
    pub neighbors: usize,
    pub lowpan_slots: usize,
    pub sockets: usize,
    /// The 6LoWPAN reassembly slots get no buffers: datagrams are
    /// reassembled in the packet buffer (lent pool mode).
    pub lent_pool: bool,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            mac_queue: 4,
            mac_dedup: 8,
            neighbors: 8,
            lowpan_slots: 2,
            sockets: 4,
            lent_pool: std::env::var_os("SIXLO_TEST_LENT_POOL").is_some(),
        }
    }
}

fn leak<T>(v: Vec<T>) -> &'static mut [T] {
    Box::leak(v.into_boxed_slice())
}

/// Storage for one test node, leaked so the node can live in a Vec.
pub fn storage() -> NodeStorage<'static> {
    storage_with(Sizes::default())
}

/// Storage with the given capacities.
pub fn storage_with(sizes: Sizes) -> NodeStorage<'static> {
    let ip_bufs: &'static mut [u8] = leak(vec![0u8; 1280]);
    let lowpan_slots = (0..sizes.lowpan_slots)
        .map(|_| match sizes.lent_pool {
            true => ReassemblySlot::without_buffer(),
            false => ReassemblySlot::new(leak(vec![0u8; 1280])),
        })
        .collect();
    NodeStorage {
        mac_queue: leak(vec![TxSlot::EMPTY; sizes.mac_queue]),
        mac_dedup: leak(vec![DedupEntry::EMPTY; sizes.mac_dedup]),
        mac_links: leak(vec![LinkStats::EMPTY; 8]),
        neighbors: leak(vec![Neighbor::EMPTY; sizes.neighbors]),
        addresses: leak(vec![None::<AddrEntry>; 4]),
        groups: leak(vec![None; 4]),
        routes: leak(vec![None::<Route>; 4]),
        ip_reassembly: leak(vec![FragSlot::new(ip_bufs)]),
        lowpan_reassembly: leak(lowpan_slots),
        sockets: leak((0..sizes.sockets).map(|_| SocketSlot::EMPTY).collect()),
        packet: leak(vec![0u8; 1280]),
        rx: leak(vec![0u8; 1280]),
        rpl_parents: leak(vec![sixlo::rpl::ParentEntry::EMPTY; 4]),
        rpl_routes: leak(vec![sixlo::rpl::Route::default(); 16]),
        rpl_state: Some(Box::leak(Box::new(sixlo::node::RplState::new()))),
    }
}

/// A bound UDP socket over leaked buffers of `rx` and `tx` bytes.
pub fn udp_socket(port: u16, rx: usize, tx: usize) -> UdpSocket<'static> {
    let mut s = UdpSocket::new(leak(vec![0u8; rx]), leak(vec![0u8; tx]));
    s.bind(port).unwrap();
    s
}

/// The frame type bits of a frame (1 data, 2 ACK).
pub fn frame_type(f: &[u8]) -> u8 {
    f.first().map_or(0xff, |b| b & 0x07)
}

/// True for a data frame with the ACK request bit (a unicast data frame).
pub fn is_unicast_data(f: &[u8]) -> bool {
    frame_type(f) == 1 && f[0] & 0x20 != 0
}

/// True for an Imm-Ack.
pub fn is_ack(f: &[u8]) -> bool {
    frame_type(f) == 2
}

/// A 2006 data frame from `src` to `dst` (extended addresses, PAN ID
/// compression, no ACK request) carrying `payload`.
pub fn data_frame(pan: u16, seq: u8, dst: [u8; 8], src: [u8; 8], payload: &[u8]) -> Vec<u8> {
    let repr = FrameRepr {
        frame_type: FrameType::Data,
        frame_version: FrameVersion::V2006,
        security_enabled: false,
        frame_pending: false,
        ack_request: false,
        pan_id_compression: true,
        sequence_number: Some(seq),
        dst_pan_id: Some(pan),
        dst_addr: Address::Extended(dst),
        src_pan_id: None,
        src_addr: Address::Extended(src),
        aux_security: None,
        header_ies: &[],
        payload,
    };
    let mut buf = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Frame::new_unchecked(&mut buf[..]));
    buf
}

/// `lose(from, to, frame)`: true drops the frame for that receiver.
pub type LossRule = Box<dyn FnMut(usize, usize, &[u8]) -> bool>;

/// Nodes on one shared channel.
pub struct Medium {
    pub nodes: Vec<Node<'static>>,
    pub radios: Vec<MemRadio>,
    pub now: Instant,
    /// Which frames each receiver misses.
    pub lose: LossRule,
    pub frames_on_air: u64,
    /// Every frame sent, with its sender, in order.
    pub air: Vec<(usize, Vec<u8>)>,
    /// Inactive nodes are neither polled nor hear anything (switched off).
    pub active: Vec<bool>,
    /// Frames a receiver's radio queue had no room for.
    pub rx_overflow: u64,
}

impl Medium {
    pub fn new(configs: Vec<NodeConfig>) -> Self {
        let n = configs.len();
        Self::with_sizes(configs, vec![Sizes::default(); n])
    }

    /// Nodes with per-node storage capacities.
    pub fn with_sizes(configs: Vec<NodeConfig>, sizes: Vec<Sizes>) -> Self {
        let mut nodes = Vec::new();
        let mut radios = Vec::new();
        let n = configs.len();
        for (c, s) in configs.into_iter().zip(sizes) {
            let node = Node::new(c, storage_with(s));
            let mut radio = MemRadio::new(RadioCaps::NONE);
            node.configure_radio(&mut radio);
            nodes.push(node);
            radios.push(radio);
        }
        Medium {
            nodes,
            radios,
            now: Instant::ZERO,
            lose: Box::new(|_, _, _| false),
            frames_on_air: 0,
            air: Vec::new(),
            active: vec![true; n],
            rx_overflow: 0,
        }
    }

    /// Puts a raw frame (without FCS) in node `to`'s radio receive queue.
    pub fn inject(&mut self, to: usize, frame: &[u8]) -> bool {
        self.radios[to].push_rx(frame, -50, 255, self.now)
    }

    /// Polls every node, moves frames, advances time to the next deadline
    /// (at most `max_step` ahead, at least 1 µs).
    pub fn step(&mut self, max_step: Duration) {
        for ((n, r), on) in self.nodes.iter_mut().zip(self.radios.iter_mut()).zip(&self.active) {
            if *on {
                n.poll(self.now, r);
            }
        }
        let mut moved = false;
        for from in 0..self.radios.len() {
            while let Some(f) = self.radios[from].take_sent() {
                moved = true;
                self.frames_on_air += 1;
                self.air.push((from, f.to_vec()));
                for to in 0..self.radios.len() {
                    if to != from
                        && self.active[to]
                        && !(self.lose)(from, to, &f)
                        && !self.radios[to].push_rx(&f, -50, 255, self.now)
                    {
                        self.rx_overflow += 1;
                    }
                }
            }
        }
        if moved {
            // Let receivers see the frames before time moves on.
            self.now += Duration::from_micros(1);
            return;
        }
        let next =
            self.nodes.iter().zip(&self.active).filter(|(_, on)| **on).filter_map(|(n, _)| n.poll_at()).min();
        let limit = self.now + max_step;
        self.now = match next {
            Some(t) if t > self.now => t.min(limit),
            _ => self.now + Duration::from_micros(1).max(Duration::ZERO),
        };
        if next.is_none() {
            self.now = limit;
        }
    }

    /// Runs until `until` (virtual time).
    pub fn run_until(&mut self, until: Instant) {
        while self.now < until {
            self.step(Duration::from_millis(100));
        }
    }

    /// Runs until `done` holds or `limit` passes; returns whether it held.
    pub fn run_until_true(&mut self, limit: Instant, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        while self.now < limit {
            if done(self) {
                return true;
            }
            self.step(Duration::from_millis(100));
        }
        done(self)
    }
}

pub const PAN: u16 = 0xabcd;
pub const ROUTER: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];
pub const HOST_A: [u8; 8] = [0x02, 0x12, 0x74, 0x02, 0x00, 0x02, 0x02, 0x02];
pub const HOST_B: [u8; 8] = [0x02, 0x12, 0x74, 0x03, 0x00, 0x03, 0x03, 0x03];

/// A global address in fd00::/64 from an EUI-64.
pub fn global(eui: [u8; 8]) -> std::net::Ipv6Addr {
    sixlo::nd::addr_from_prefix("fd00::".parse().unwrap(), sixlo::nd::iid_from_eui64(eui))
}

/// A link-local address from an EUI-64.
pub fn link_local(eui: [u8; 8]) -> std::net::Ipv6Addr {
    sixlo::nd::link_local_from_eui64(eui)
}

/// The router's announcement: prefix and context 0 = fd00::/64.
pub fn router_config() -> NodeConfig {
    let mut rs = sixlo::node::RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    NodeConfig::router(ROUTER, PAN, rs)
}

/// Node 0 the router, then one host per EUI-64.
pub fn network(hosts: &[[u8; 8]]) -> Medium {
    let mut c = vec![router_config()];
    c.extend(hosts.iter().map(|&h| NodeConfig::host(h, PAN)));
    Medium::new(c)
}

impl Medium {
    /// Runs until hosts 1.. have registered their global addresses (panics
    /// after 30 s of virtual time).
    pub fn register_all(&mut self, hosts: &[[u8; 8]]) {
        let limit = self.now + Duration::from_secs(30);
        let ok = self.run_until_true(limit, |m| {
            hosts.iter().enumerate().all(|(i, &h)| m.nodes[i + 1].is_registered(&global(h)))
        });
        assert!(ok, "not registered by {:?}", self.now);
    }

    /// Runs until the medium is quiet: nothing on the air for `idle`, and no
    /// frame pending in any MAC queue.
    pub fn settle(&mut self, idle: Duration) {
        let mut last = self.frames_on_air;
        let mut quiet_since = self.now;
        while self.now < quiet_since + idle {
            self.step(Duration::from_millis(10));
            if self.frames_on_air != last {
                last = self.frames_on_air;
                quiet_since = self.now;
            }
        }
    }
}
