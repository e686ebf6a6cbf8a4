//! Two or three MACs over an in-memory medium, driven by a virtual clock.
//!
//! Every node hears every other node. A frame is on the air from
//! `TURNAROUND` after `transmit` for `airtime(len + FCS)`; CCA reports busy
//! while another node's frame is on the air. A loss function decides, per
//! (sender, receiver, frame), whether a frame arrives.

use sixlo::mac::{Handle, Mac, MacConfig, MacError, Rng, RxAction, TxDone, TxOutcome};
use sixlo::radio::{MemRadio, RadioCaps, TURNAROUND, airtime};
use sixlo::time::{Duration, Instant};
use sixlo::wire::ieee802154::{Address, FrameRepr, FrameType};

struct Node {
    mac: Mac,
    /// The node's PRNG, which its MAC draws from.
    rng: Rng,
    radio: MemRadio,
    /// (source, payload) of delivered frames.
    delivered: Vec<(Address, Vec<u8>)>,
    done: Vec<TxDone>,
}

struct Flight {
    from: usize,
    start: Instant,
    end: Instant,
    frame: Vec<u8>,
}

type Loss = Box<dyn FnMut(usize, usize, &FrameRepr<'_>) -> bool>;

struct Net {
    nodes: Vec<Node>,
    now: Instant,
    flights: Vec<Flight>,
    /// Every frame put on the air: (start, sender, bytes).
    log: Vec<(Instant, usize, Vec<u8>)>,
    /// Returns true when the frame is delivered.
    link: Loss,
}

fn addr(i: usize) -> Address {
    Address::Short([0, i as u8 + 1])
}

fn config(i: usize) -> MacConfig {
    MacConfig {
        pan_id: 0xbeef,
        short_address: Some([0, i as u8 + 1]),
        extended_address: [2, 0, 0, 0, 0, 0, 0, i as u8 + 1],
        ..MacConfig::default()
    }
}

impl Net {
    fn new(n: usize, seed: u64, link: Loss) -> Self {
        Self::with_config(n, seed, link, |_| {})
    }

    fn with_config(n: usize, seed: u64, link: Loss, tweak: impl Fn(&mut MacConfig)) -> Self {
        let nodes = (0..n)
            .map(|i| {
                let mut c = config(i);
                tweak(&mut c);
                let mut radio = MemRadio::new(RadioCaps::NONE);
                let mut rng = Rng::new(seed * 100 + i as u64);
                let mac = Mac::with_default_storage(c, &mut rng);
                mac.configure_radio(&mut radio);
                Node { mac, rng, radio, delivered: Vec::new(), done: Vec::new() }
            })
            .collect();
        Net { nodes, now: Instant::ZERO, flights: Vec::new(), log: Vec::new(), link }
    }

    fn send(&mut self, from: usize, to: Address, payload: &[u8]) -> Result<Handle, MacError> {
        self.nodes[from].mac.enqueue(payload, to, true)
    }

    fn drain_sent(&mut self, i: usize) {
        while let Some(f) = self.nodes[i].radio.take_sent() {
            let start = self.now + TURNAROUND;
            let end = start + airtime(f.len() + 2);
            self.log.push((start, i, f.to_vec()));
            self.flights.push(Flight { from: i, start, end, frame: f.to_vec() });
        }
    }

    fn busy_for(&self, i: usize) -> bool {
        self.flights.iter().any(|f| f.from != i && f.start <= self.now && self.now < f.end)
    }

    fn poll_all(&mut self) {
        for i in 0..self.nodes.len() {
            let mut n = 0;
            loop {
                n += 1;
                assert!(n < 50, "node {i} livelocks at {}", self.now);
                self.nodes[i].radio.busy = self.busy_for(i);
                let now = self.now;
                let node = &mut self.nodes[i];
                if let Some(d) = node.mac.poll(now, &mut node.radio, &mut node.rng) {
                    node.done.push(d);
                }
                self.drain_sent(i);
                match self.nodes[i].mac.poll_at() {
                    Some(t) if t <= self.now => continue,
                    _ => break,
                }
            }
        }
    }

    fn deliver_due(&mut self) {
        let now = self.now;
        let (due, rest): (Vec<Flight>, Vec<Flight>) = self.flights.drain(..).partition(|f| f.end <= now);
        self.flights = rest;
        for f in due {
            for to in 0..self.nodes.len() {
                if to == f.from {
                    continue;
                }
                let repr = FrameRepr::from_bytes(&f.frame).unwrap();
                if !(self.link)(f.from, to, &repr) {
                    continue;
                }
                let node = &mut self.nodes[to];
                if let RxAction::Deliver(rx) = node.mac.on_receive(now, &f.frame, -50, 255, &mut node.radio) {
                    node.delivered.push((rx.frame.src_addr, rx.frame.payload.to_vec()));
                }
                self.drain_sent(to);
            }
        }
    }

    /// Runs until `until` or until nothing is scheduled.
    fn run(&mut self, until: Instant) {
        loop {
            self.deliver_due();
            self.poll_all();
            let next_timer = self.nodes.iter().filter_map(|n| n.mac.poll_at()).min();
            let next_rx = self.flights.iter().map(|f| f.end).min();
            let Some(next) = [next_timer, next_rx].into_iter().flatten().min() else { return };
            if next > until {
                self.now = until;
                return;
            }
            assert!(next > self.now, "time does not advance at {}", self.now);
            self.now = next;
        }
    }

    fn run_for(&mut self, d: Duration) {
        let t = self.now + d;
        self.run(t);
    }

    fn frames_of_type(&self, t: FrameType) -> usize {
        self.log.iter().filter(|(_, _, f)| FrameRepr::from_bytes(f).unwrap().frame_type == t).count()
    }
}

fn perfect() -> Loss {
    Box::new(|_, _, _| true)
}

fn is_data(f: &FrameRepr<'_>) -> bool {
    f.frame_type == FrameType::Data
}

#[test]
fn unicast_with_ack() {
    let mut net = Net::new(2, 1, perfect());
    let h = net.send(0, addr(1), b"hello").unwrap();
    net.run(Instant::from_secs(1));
    assert_eq!(
        net.nodes[0].done,
        vec![TxDone { handle: h, dst: addr(1), outcome: TxOutcome::Acked, attempts: 1 }]
    );
    assert_eq!(net.nodes[1].delivered, vec![(addr(0), b"hello".to_vec())]);
    assert_eq!(net.frames_of_type(FrameType::Data), 1);
    assert_eq!(net.frames_of_type(FrameType::Ack), 1);
    let (s0, s1) = (*net.nodes[0].mac.stats(), *net.nodes[1].mac.stats());
    assert_eq!((s0.tx_frames, s0.tx_acked, s0.retries, s0.no_ack), (1, 1, 0, 0));
    assert_eq!((s1.rx_frames, s1.acks_sent, s1.rx_dup), (1, 1, 0));
    assert_eq!(net.nodes[0].mac.etx(addr(1)), Some(128));
    assert_eq!(net.nodes[0].mac.links().get(addr(1)).unwrap().rssi(), Some(-50));
    // The data frame carries AR, our DSN and both short addresses.
    let f = FrameRepr::from_bytes(&net.log[0].2).unwrap();
    assert!(f.ack_request);
    assert_eq!((f.src_addr, f.dst_addr, f.dst_pan_id), (addr(0), addr(1), Some(0xbeef)));
    // The ACK started one turnaround after the data frame ended.
    let data_end = net.log[0].0 + airtime(net.log[0].2.len() + 2);
    assert_eq!(net.log[1].0, data_end + TURNAROUND);
    assert_eq!(net.nodes[0].mac.poll_at(), None, "idle after the ACK");
}

#[test]
fn loss_then_retry_success() {
    let mut dropped = 0;
    let link: Loss = Box::new(move |_, _, f| {
        if is_data(f) && dropped < 2 {
            dropped += 1;
            return false;
        }
        true
    });
    let mut net = Net::new(2, 2, link);
    net.send(0, addr(1), b"retry me").unwrap();
    net.run(Instant::from_secs(1));
    let d = net.nodes[0].done[0];
    assert_eq!((d.outcome, d.attempts), (TxOutcome::Acked, 3));
    assert_eq!(net.nodes[1].delivered.len(), 1);
    let s = net.nodes[0].mac.stats();
    assert_eq!((s.tx_frames, s.retries, s.tx_acked, s.no_ack), (3, 2, 1, 0));
    // Every retransmission carries the same DSN.
    let seqs: Vec<_> = net
        .log
        .iter()
        .filter(|(_, from, _)| *from == 0)
        .map(|(_, _, f)| FrameRepr::from_bytes(f).unwrap().sequence_number)
        .collect();
    assert_eq!(seqs.len(), 3);
    assert!(seqs.iter().all(|s| *s == seqs[0]));
    // Each retry waits the full ACK wait after the frame before it, then a
    // backoff whose window doubles with each transmission made (BE 3 + n,
    // capped at macMaxBE 5).
    let times: Vec<_> =
        net.log.iter().filter(|(_, from, _)| *from == 0).map(|(t, _, f)| (*t, f.len())).collect();
    for (n, w) in times.windows(2).enumerate() {
        let ack_deadline = w[0].0 + airtime(w[0].1 + 2) + Duration::from_micros(864);
        let window = (1u64 << (3 + n + 1).min(5)) - 1;
        assert!(w[1].0 >= ack_deadline + TURNAROUND, "retry before the ACK wait ended");
        assert!(w[1].0 <= ack_deadline + TURNAROUND + Duration::from_micros(window * 320));
    }
}

#[test]
fn dead_link_gives_up_and_queue_moves_on() {
    // Node 2 exists but every frame to or from it is lost.
    let link: Loss = Box::new(|from, to, _| from != 2 && to != 2);
    let mut net = Net::new(3, 3, link);
    let h1 = net.send(0, addr(2), b"to dead 1").unwrap();
    let h2 = net.send(0, addr(2), b"to dead 2").unwrap();
    let h3 = net.send(0, addr(1), b"to alive").unwrap();
    net.run(Instant::from_secs(1));
    let done: Vec<_> = net.nodes[0].done.iter().map(|d| (d.handle, d.outcome, d.attempts)).collect();
    assert_eq!(done, vec![(h1, TxOutcome::NoAck, 4), (h2, TxOutcome::Purged, 0), (h3, TxOutcome::Acked, 1)]);
    let s = net.nodes[0].mac.stats();
    assert_eq!((s.no_ack, s.purged, s.tx_frames, s.retries, s.tx_acked), (1, 1, 5, 3, 1));
    assert_eq!(net.nodes[1].delivered, vec![(addr(0), b"to alive".to_vec())]);
    assert_eq!(net.nodes[0].mac.etx(addr(2)), Some(12 * 128));
    assert_eq!(net.nodes[0].mac.links().get(addr(2)).unwrap().consecutive_failures, 1);
    // Bounded head-of-line time: 4 attempts with backoffs < 10 ms each.
    assert!(net.nodes[1].delivered.len() == 1 && net.log.last().unwrap().0 < Instant::from_millis(60));
}

#[test]
fn dead_link_without_purge_tries_each_frame() {
    let link: Loss = Box::new(|from, to, _| from != 2 && to != 2);
    let mut net = Net::with_config(3, 4, link, |c| c.purge_on_failure = false);
    net.send(0, addr(2), b"a").unwrap();
    net.send(0, addr(2), b"b").unwrap();
    net.send(0, addr(1), b"c").unwrap();
    net.run(Instant::from_secs(1));
    let outcomes: Vec<_> = net.nodes[0].done.iter().map(|d| (d.outcome, d.attempts)).collect();
    assert_eq!(outcomes, vec![(TxOutcome::NoAck, 4), (TxOutcome::NoAck, 4), (TxOutcome::Acked, 1)]);
    assert_eq!(net.nodes[0].mac.stats().no_ack, 2);
    assert_eq!(net.nodes[1].delivered.len(), 1);
}

#[test]
fn lost_ack_retransmission_delivered_once() {
    let mut acks_dropped = 0;
    let link: Loss = Box::new(move |_, _, f| {
        if f.frame_type == FrameType::Ack && acks_dropped < 1 {
            acks_dropped += 1;
            return false;
        }
        true
    });
    let mut net = Net::new(2, 5, link);
    net.send(0, addr(1), b"once").unwrap();
    net.run(Instant::from_secs(1));
    assert_eq!(net.nodes[0].done[0].outcome, TxOutcome::Acked);
    assert_eq!(net.nodes[0].done[0].attempts, 2);
    assert_eq!(net.nodes[1].delivered, vec![(addr(0), b"once".to_vec())]);
    let s1 = net.nodes[1].mac.stats();
    assert_eq!((s1.rx_frames, s1.rx_dup, s1.acks_sent), (1, 1, 2), "the duplicate is ACKed again");
    // A new frame with the next DSN is delivered normally.
    net.send(0, addr(1), b"twice").unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(net.nodes[1].delivered.len(), 2);
}

#[test]
fn queue_full() {
    let mut net = Net::new(2, 6, perfect());
    for i in 0..4 {
        net.send(0, addr(1), &[i]).unwrap();
    }
    assert_eq!(net.send(0, addr(1), b"x"), Err(MacError::QueueFull));
    assert_eq!(net.nodes[0].mac.stats().queue_full, 1);
    assert_eq!(net.nodes[0].mac.queue().len(), 4);
    net.run(Instant::from_secs(1));
    let delivered: Vec<_> = net.nodes[1].delivered.iter().map(|(_, p)| p[0]).collect();
    assert_eq!(delivered, vec![0, 1, 2, 3], "FIFO");
    assert!(net.send(0, addr(1), b"x").is_ok(), "room again");
}

#[test]
fn etx_rises_on_lossy_link_and_falls_back() {
    use std::cell::Cell;
    use std::rc::Rc;
    // While `lossy` is set, the first two transmissions of each frame are lost.
    let lossy = Rc::new(Cell::new(false));
    let count = Rc::new(Cell::new(0u32));
    let (l, c) = (lossy.clone(), count.clone());
    let link: Loss = Box::new(move |_, _, f| {
        if !is_data(f) || !l.get() {
            return true;
        }
        c.set(c.get() + 1);
        c.get() % 3 == 0
    });
    let mut net = Net::new(2, 7, link);
    let mut etx = Vec::new();
    for phase in [false, true, false] {
        lossy.set(phase);
        for _ in 0..12 {
            net.send(0, addr(1), b"etx").unwrap();
            net.run_for(Duration::from_millis(200));
            etx.push(net.nodes[0].mac.etx(addr(1)).unwrap());
        }
    }
    assert!(etx[..12].iter().all(|&e| e == 128), "{etx:?}");
    assert!(etx[12..24].windows(2).all(|w| w[1] > w[0]), "rises: {etx:?}");
    assert!(etx[23] > 300 && etx[23] < 384, "towards 3 transmissions: {}", etx[23]);
    assert!(etx[24..].windows(2).all(|w| w[1] < w[0]), "falls: {etx:?}");
    assert!(etx[35] < 200, "back towards 1: {}", etx[35]);
    assert!(net.nodes[0].done.iter().all(|d| d.outcome == TxOutcome::Acked));
}

#[test]
fn broadcast_not_acked() {
    let mut net = Net::new(3, 8, perfect());
    let h = net.nodes[0].mac.enqueue(b"all", Address::BROADCAST, true).unwrap();
    net.run(Instant::from_secs(1));
    assert_eq!(
        net.nodes[0].done,
        vec![TxDone { handle: h, dst: Address::BROADCAST, outcome: TxOutcome::Sent, attempts: 1 }]
    );
    assert_eq!(net.frames_of_type(FrameType::Ack), 0);
    assert!(!FrameRepr::from_bytes(&net.log[0].2).unwrap().ack_request);
    assert_eq!(net.nodes[1].delivered, vec![(addr(0), b"all".to_vec())]);
    assert_eq!(net.nodes[2].delivered, vec![(addr(0), b"all".to_vec())]);
    assert_eq!(net.nodes[0].mac.etx(Address::BROADCAST), None);
    assert_eq!(net.nodes[0].mac.stats().tx_acked, 0);
}

#[test]
fn contention_defers_to_the_frame_on_air() {
    // Both send at once; CCA must keep the second off the first's airtime.
    let mut net = Net::new(3, 9, perfect());
    net.send(0, addr(2), &[0xaa; 100]).unwrap();
    net.send(1, addr(2), &[0xbb; 100]).unwrap();
    net.run(Instant::from_secs(1));
    assert_eq!(net.nodes[2].delivered.len(), 2);
    let data: Vec<_> = net
        .log
        .iter()
        .filter(|(_, _, f)| FrameRepr::from_bytes(f).unwrap().frame_type == FrameType::Data)
        .collect();
    assert_eq!(data.len(), 2);
    let first_end = data[0].0 + airtime(data[0].2.len() + 2);
    // The second one could start only within the CCA-to-TX window of the first
    // (both CCAs in the same instant), or after it (and its ACK) ended.
    assert!(data[1].0 >= first_end || data[1].0 == data[0].0, "{:?} vs {:?}", data[0].0, data[1].0);
}

#[test]
fn same_seed_same_air() {
    let run = || {
        let mut net = Net::new(3, 10, perfect());
        for k in 0..3u8 {
            net.send(0, addr(1), &[k]).unwrap();
            net.send(1, addr(2), &[k]).unwrap();
            net.send(2, Address::BROADCAST, &[k]).unwrap();
        }
        net.run(Instant::from_secs(1));
        net.log
    };
    assert_eq!(run(), run());
}
