#![no_main]
//! A whole node under hostile frames: byte 0 picks host or router (bit 0)
//! and, for routers, RPL (bit 1: on; bit 2: DODAG root, else RPL router;
//! bit 3: non-storing mode), and bit 4 lent pool mode (6LoWPAN reassembly
//! in the packet buffer, slots without buffers); then
//! records `[selector][len][payload]`, each sent to the node as the payload
//! of a well-formed 802.15.4 data frame (to the node or to broadcast, from
//! a short or an extended address), the node polled after each and at a
//! few later times so its timers run. `poll` must never panic.
use libfuzzer_sys::fuzz_target;
use sixlo::lowpan::frag::ReassemblySlot;
use sixlo::mac::{DedupEntry, LinkStats, TxSlot};
use sixlo::nd::Neighbor;
use sixlo::net::{AddrEntry, FragSlot, Route};
use sixlo::node::{Node, NodeConfig, NodeStorage, RouterSettings};
use sixlo::radio::{MemRadio, RadioCaps};
use sixlo::socket::SocketSlot;
use sixlo::socket::udp::UdpSocket;
use sixlo::time::{Duration, Instant};
use sixlo::wire::ieee802154::{Address, Frame, FrameRepr, FrameType, FrameVersion};

const PAN: u16 = 0xabcd;
const EUI: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];

fuzz_target!(|data: &[u8]| {
    let Some((&role, mut rest)) = data.split_first() else { return };
    let (mut q, mut d, mut l) = ([TxSlot::EMPTY; 4], [DedupEntry::EMPTY; 4], [LinkStats::EMPTY; 4]);
    let mut nb = [Neighbor::EMPTY; 4];
    let (mut ad, mut gr, mut rt) = ([None::<AddrEntry>; 2], [None; 2], [None::<Route>; 2]);
    let mut ipbuf = [0u8; 1280];
    let mut fs = [FragSlot::new(&mut ipbuf[..])];
    let (mut b1, mut b2) = ([0u8; 1280], [0u8; 1280]);
    let mut ls = if role & 16 != 0 {
        [ReassemblySlot::without_buffer(), ReassemblySlot::without_buffer()]
    } else {
        [ReassemblySlot::new(&mut b1), ReassemblySlot::new(&mut b2)]
    };
    let mut socks = [SocketSlot::EMPTY, SocketSlot::EMPTY];
    let (mut pkt, mut rx) = ([0u8; 1280], [0u8; 256]);
    let (mut rp, mut rr) = ([sixlo::rpl::ParentEntry::EMPTY; 3], [sixlo::rpl::Route::default(); 4]);
    let mut rs = sixlo::node::RplState::new();
    let storage = NodeStorage {
        mac_queue: &mut q,
        mac_dedup: &mut d,
        mac_links: &mut l,
        neighbors: &mut nb,
        addresses: &mut ad,
        groups: &mut gr,
        routes: &mut rt,
        ip_reassembly: &mut fs,
        lowpan_reassembly: &mut ls,
        sockets: &mut socks,
        packet: &mut pkt,
        rx: &mut rx,
        rpl_parents: &mut rp,
        rpl_routes: &mut rr,
        rpl_state: Some(&mut rs),
    };
    let config = if role & 1 == 1 {
        let mut s = RouterSettings::default();
        let prefix = core::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0);
        let _ = s.prefixes.push((prefix, 64));
        let _ = s.contexts.push((0, prefix, 64));
        let mut c = NodeConfig::router(EUI, PAN, s);
        if role & 2 != 0 {
            c.rpl = Some(if role & 4 != 0 {
                let id = core::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0x0012, 0x7401, 1, 0x0101);
                let mut rc = sixlo::rpl::dag::RootConfig::new(0x1e, id, sixlo::rpl::Of::Of0(Default::default()));
                if role & 8 != 0 {
                    rc.mop = sixlo::wire::rpl::ModeOfOperation::NonStoring;
                }
                sixlo::rpl::RplConfig::root(rc)
            } else {
                sixlo::rpl::RplConfig::router()
            });
        }
        c
    } else {
        NodeConfig::host(EUI, PAN)
    };
    let mut node = Node::new(config, storage);
    let (mut srx, mut stx) = ([0u8; 256], [0u8; 256]);
    let mut sock = UdpSocket::new(&mut srx, &mut stx);
    let _ = sock.bind(0xf0b1);
    let _ = node.add_socket(sock);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    node.configure_radio(&mut radio);
    let mut now = Instant::from_millis(1);
    let mut seq = 0u8;
    let mut frame = [0u8; 127];
    while let [sel, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len()).min(100);
        let (payload, next) = tail.split_at(n);
        rest = next;
        let src = if sel & 1 == 0 {
            Address::Short([0x00, sel >> 1])
        } else {
            Address::Extended([0x02, 0, 0, 0xff, 0xfe, 0, 0, sel >> 1])
        };
        let dst = if sel & 0x80 != 0 { Address::BROADCAST } else { Address::Extended(EUI) };
        let mut repr = FrameRepr::imm_ack(seq, false);
        repr.frame_type = FrameType::Data;
        repr.frame_version = FrameVersion::V2006;
        repr.dst_addr = dst;
        repr.src_addr = src;
        repr.set_pan_ids(PAN, PAN);
        repr.payload = payload;
        let flen = repr.buffer_len();
        if flen > frame.len() {
            continue;
        }
        repr.emit(&mut Frame::new_unchecked(&mut frame[..flen]));
        seq = seq.wrapping_add(1);
        radio.push_rx(&frame[..flen], -40, 255, now);
        node.poll(now, &mut radio);
        while radio.take_sent().is_some() {}
        now += Duration::from_millis(3);
    }
    for later in [Duration::from_secs(1), Duration::from_secs(61)] {
        now += later;
        node.poll(now, &mut radio);
        while radio.take_sent().is_some() {}
    }
    let _ = node.stats();
});
