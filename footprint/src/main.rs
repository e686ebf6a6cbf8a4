//! A full sixlo router node as a `no_std` x86_64 binary, for code size
//! (`scripts/footprint.sh` builds it and runs `size`).
//!
//! `_start` builds the node's storage on its own stack (no `static mut`),
//! creates a router node (16 neighbours, 16 routes, a 1280-byte packet
//! buffer in which its two 6LoWPAN reassembly slots also reassemble (lent
//! pool mode), one UDP socket with 128-byte queues, a
//! 4-slot MAC queue) over [`DummyRadio`], and polls it forever while
//! sending a UDP datagram and a ping and reading its socket, so the whole
//! send / receive / forward / ND code is linked. Every input that could let
//! the optimiser prove a path dead goes through `core::hint::black_box`.
//!
//! The capacities match the router configuration of `tests/footprint.rs`.
//! The binary is never meant to run usefully (it has no clock and no radio).
#![no_std]
#![no_main]
// The memory functions below must not be compiled into calls to themselves.
#![no_builtins]

use core::hint::black_box;
use core::net::Ipv6Addr;

use sixlo::lowpan::frag::ReassemblySlot;
use sixlo::mac::{DedupEntry, LinkStats, TxSlot};
use sixlo::nd::Neighbor;
use sixlo::net::{AddrEntry, FragSlot, Route};
use sixlo::node::{NodeConfig, NodeStorage, RouterNode, RouterSettings, RplState};
use sixlo::radio::{MAX_PSDU_LEN, Radio, RadioCaps, RadioError, RxInfo, TxReport};
use sixlo::socket::SocketSlot;
use sixlo::socket::udp::UdpSocket;
use sixlo::time::Instant;

const NEIGHBORS: usize = 16;
/// Static routes (`Node::add_route`): none; the budget's 16 routes are RPL's.
const ROUTES: usize = 0;
const RPL_ROUTES: usize = 16;
const RPL_PARENTS: usize = 4;
const MAC_QUEUE: usize = 4;
const MAC_DEDUP: usize = 8;
const MAC_LINKS: usize = 16;
const ADDRESSES: usize = 2;
const GROUPS: usize = 2;
const PACKET: usize = 1280;
const RX: usize = sixlo::lowpan::MAX_SINGLE_FRAME_PACKET;
/// 6LoWPAN reassembly: 2 slots sharing one pool of this many bytes.
const SOCKET_BUF: usize = 128;

/// A radio whose received frames come from a buffer the optimiser cannot
/// see through: every parser path stays reachable.
struct DummyRadio {
    frame: [u8; MAX_PSDU_LEN],
}

impl Radio for DummyRadio {
    fn caps(&self) -> RadioCaps {
        black_box(RadioCaps::NONE)
    }
    fn transmit(&mut self, frame: &[u8]) -> Result<(), RadioError> {
        black_box(frame);
        Ok(())
    }
    fn poll_tx(&mut self) -> Option<TxReport> {
        black_box(None)
    }
    fn clear_channel(&mut self) -> bool {
        black_box(true)
    }
    fn receive(&mut self, buf: &mut [u8]) -> Option<RxInfo> {
        let frame = black_box(&self.frame);
        let len = black_box(frame.len()).min(buf.len());
        buf[..len].copy_from_slice(&frame[..len]);
        black_box(Some(RxInfo { len, rssi: -50, lqi: 255, timestamp: Instant::ZERO }))
    }
    fn set_pan_id(&mut self, pan_id: u16) {
        black_box(pan_id);
    }
    fn set_short_address(&mut self, addr: [u8; 2]) {
        black_box(addr);
    }
    fn set_extended_address(&mut self, addr: [u8; 8]) {
        black_box(addr);
    }
    fn set_promiscuous(&mut self, on: bool) {
        black_box(on);
    }
}

const PREFIX: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0);

fn run() -> ! {
    let mut mac_queue = [TxSlot::EMPTY; MAC_QUEUE];
    let mut mac_dedup = [DedupEntry::EMPTY; MAC_DEDUP];
    let mut mac_links = [LinkStats::EMPTY; MAC_LINKS];
    let mut neighbors = [Neighbor::EMPTY; NEIGHBORS];
    let mut addresses = [None::<AddrEntry>; ADDRESSES];
    let mut groups = [None::<Ipv6Addr>; GROUPS];
    let mut routes = [None::<Route>; ROUTES];
    let mut ip_reassembly: [FragSlot<&mut [u8]>; 0] = [];
    // Two reassembly slots without buffers: they reassemble in `packet`.
    let mut lowpan_reassembly = [ReassemblySlot::without_buffer(), ReassemblySlot::without_buffer()];
    let mut sockets = [SocketSlot::EMPTY];
    let mut packet = [0u8; PACKET];
    let mut rx = [0u8; RX];
    let mut rpl_parents = [sixlo::rpl::ParentEntry::EMPTY; RPL_PARENTS];
    let mut rpl_routes = [sixlo::rpl::Route::default(); RPL_ROUTES];
    let mut rpl_state = RplState::new();
    let mut socket_bufs = [[0u8; SOCKET_BUF]; 2];
    let [s0rx, s0tx] = &mut socket_bufs;

    let storage = NodeStorage {
        mac_queue: &mut mac_queue,
        mac_dedup: &mut mac_dedup,
        mac_links: &mut mac_links,
        neighbors: &mut neighbors,
        addresses: &mut addresses,
        groups: &mut groups,
        routes: &mut routes,
        ip_reassembly: &mut ip_reassembly,
        lowpan_reassembly: &mut lowpan_reassembly,
        sockets: &mut sockets,
        packet: &mut packet,
        rx: &mut rx,
        rpl_parents: &mut rpl_parents,
        rpl_routes: &mut rpl_routes,
        rpl_state: Some(&mut rpl_state),
    };
    let mut settings = RouterSettings::default();
    let _ = settings.prefixes.push((PREFIX, 64));
    let _ = settings.contexts.push((0, PREFIX, 64));
    let eui64 = black_box([0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01]);
    let mut config = NodeConfig::router(eui64, black_box(0xabcd), settings);
    // An RPL router (storing or non-storing, as its DODAG says): the RPL
    // code, data path included, is linked.
    config.rpl = Some(sixlo::rpl::RplConfig::router());
    let mut node = RouterNode::with_role(config, storage);
    let mut radio = DummyRadio { frame: [0; MAX_PSDU_LEN] };
    node.configure_radio(&mut radio);

    let mut socket = UdpSocket::new(s0rx, s0tx);
    let _ = socket.bind(black_box(5683));
    let Ok(hs) = node.add_socket(socket) else { panic!() };

    let peer: Ipv6Addr = black_box(Ipv6Addr::new(0xfd00, 0, 0, 0, 0x12, 0x7402, 2, 0x202));
    let mut now = Instant::ZERO;
    let mut buf = [0u8; 64];
    let mut seq = 0u16;
    loop {
        node.poll(now, &mut radio);
        if let Some(s) = node.socket(hs) {
            let _ = s.send_to(black_box(b"footprint"), (peer, 5683));
        }
        let _ = node.ping(peer, 1, seq, black_box(b"ping"));
        seq = seq.wrapping_add(1);
        if let Some(Ok((n, meta))) = node.socket(hs).map(|s| s.recv_from(&mut buf)) {
            black_box((n, meta));
        }
        while let Some(e) = node.poll_event() {
            black_box(e);
        }
        black_box(node.stats());
        black_box(node.poll_at());
        radio.frame = black_box(radio.frame);
        now = black_box(now);
    }
}

/// The entry point: no C runtime, no `main`.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    run()
}

// Without a libc, the memory functions the compiler calls come from here:
// plain byte loops (a few hundred bytes of text), like a firmware's own.

/// `memcpy`: copies `n` bytes; the regions do not overlap.
///
/// # Safety
/// `dst` and `src` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller's contract.
        unsafe { *dst.add(i) = *src.add(i) };
        i += 1;
    }
    dst
}

/// `memmove`: copies `n` bytes; the regions may overlap.
///
/// # Safety
/// `dst` and `src` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) {
        // SAFETY: the caller's contract; forward copy is safe when dst <= src.
        return unsafe { memcpy(dst, src, n) };
    }
    let mut i = n;
    while i > 0 {
        i -= 1;
        // SAFETY: the caller's contract.
        unsafe { *dst.add(i) = *src.add(i) };
    }
    dst
}

/// `memset`: fills `n` bytes with `c`.
///
/// # Safety
/// `dst` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller's contract.
        unsafe { *dst.add(i) = c as u8 };
        i += 1;
    }
    dst
}

/// `memcmp`: compares `n` bytes.
///
/// # Safety
/// `a` and `b` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: the caller's contract.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp`: zero when `n` bytes are equal.
///
/// # Safety
/// `a` and `b` valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { memcmp(a, b, n) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
