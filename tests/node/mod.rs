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
use sixlo::time::{Duration, Instant};

/// Storage for one test node, leaked so the node can live in a Vec.
pub fn storage() -> NodeStorage<'static> {
    fn leak<T>(v: Vec<T>) -> &'static mut [T] {
        Box::leak(v.into_boxed_slice())
    }
    let ip_bufs: &'static mut [u8] = leak(vec![0u8; 1280]);
    let lowpan_bufs = leak(vec![0u8; 2 * 1280]);
    let (a, b) = lowpan_bufs.split_at_mut(1280);
    NodeStorage {
        mac_queue: leak(vec![TxSlot::EMPTY; 4]),
        mac_dedup: leak(vec![DedupEntry::EMPTY; 8]),
        mac_links: leak(vec![LinkStats::EMPTY; 8]),
        neighbors: leak(vec![Neighbor::EMPTY; 8]),
        addresses: leak(vec![None::<AddrEntry>; 4]),
        groups: leak(vec![None; 4]),
        routes: leak(vec![None::<Route>; 4]),
        ip_reassembly: leak(vec![FragSlot::new(ip_bufs)]),
        lowpan_reassembly: leak(vec![ReassemblySlot::new(a), ReassemblySlot::new(b)]),
        sockets: leak((0..4).map(|_| SocketSlot::EMPTY).collect()),
        packet: leak(vec![0u8; 1280]),
        rx: leak(vec![0u8; 1280]),
    }
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
}

impl Medium {
    pub fn new(configs: Vec<NodeConfig>) -> Self {
        let mut nodes = Vec::new();
        let mut radios = Vec::new();
        for c in configs {
            let node = Node::new(c, storage());
            let mut radio = MemRadio::new(RadioCaps::NONE);
            node.configure_radio(&mut radio);
            nodes.push(node);
            radios.push(radio);
        }
        Medium { nodes, radios, now: Instant::ZERO, lose: Box::new(|_, _, _| false), frames_on_air: 0 }
    }

    /// Polls every node, moves frames, advances time to the next deadline
    /// (at most `max_step` ahead, at least 1 µs).
    pub fn step(&mut self, max_step: Duration) {
        for (n, r) in self.nodes.iter_mut().zip(self.radios.iter_mut()) {
            n.poll(self.now, r);
        }
        let mut moved = false;
        for from in 0..self.radios.len() {
            while let Some(f) = self.radios[from].take_sent() {
                moved = true;
                self.frames_on_air += 1;
                for to in 0..self.radios.len() {
                    if to != from && !(self.lose)(from, to, &f) {
                        self.radios[to].push_rx(&f, -50, 255, self.now);
                    }
                }
            }
        }
        if moved {
            // Let receivers see the frames before time moves on.
            self.now += Duration::from_micros(1);
            return;
        }
        let next = self.nodes.iter().filter_map(|n| n.poll_at()).min();
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
