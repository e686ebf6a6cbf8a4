#![no_main]
//! The RPL data-path functions over hostile packets: byte 0 picks the
//! operation, the rest is the packet (with room after it). Nothing may
//! panic, and a failed operation must leave the packet as it was.
use core::net::Ipv6Addr;

use libfuzzer_sys::fuzz_target;
use sixlo::rpl::datapath::{self, SrhVerdict};
use sixlo::wire::ipv6::options::RplOption;

fuzz_target!(|data: &[u8]| {
    let Some((&op, pkt)) = data.split_first() else { return };
    let mut buf = [0u8; 1400];
    let len = pkt.len().min(1280);
    buf[..len].copy_from_slice(&pkt[..len]);
    let before = buf;
    let opt = RplOption { down: op & 0x10 != 0, rank_error: false, forwarding_error: false, instance_id: 0x1e, sender_rank: 512 };
    let hops = [Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2), Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3)];
    let failed = match op & 7 {
        0 => datapath::insert_rpi(&mut buf, len, opt).is_err(),
        1 => datapath::remove_rpi(&mut buf, len).is_err(),
        2 => {
            let _ = datapath::forward_rpi(&mut buf, len, 768, u16::from(op >> 5) * 64, op & 0x10 != 0, 0x1e);
            false
        }
        3 => datapath::insert_srh(&mut buf, len, &hops).is_err(),
        4 => {
            let v = datapath::process_srh(&mut buf, len, |a| a.segments()[7] == 1);
            matches!(v, SrhVerdict::Discard | SrhVerdict::Error(_) | SrhVerdict::Local)
        }
        5 => datapath::encapsulate(&mut buf, len, hops[0], hops[1], 64).is_err(),
        6 => datapath::decapsulate(&mut buf, len).is_err(),
        _ => datapath::tunnel_source_routed(&mut buf, len, hops[0], &hops, 64, opt).is_err(),
    };
    if failed {
        // insert_srh may use the room past the packet as scratch space.
        assert_eq!(buf[..len], before[..len]);
    }
    let _ = datapath::read_rpi(&buf[..len]);
});
