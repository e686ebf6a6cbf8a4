#![no_main]
//! UDP: parse (checksum not verified: random input never has a good one),
//! re-emit with a fresh checksum, re-parse with verification.
use core::net::Ipv6Addr;

use libfuzzer_sys::fuzz_target;
use sixlo::wire::udp::{Packet, Repr};

fuzz_target!(|data: &[u8]| {
    let (src, dst) = (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1), Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2));
    let Ok(packet) = Packet::new_checked(data) else { return };
    let _ = packet.verify_checksum(&src, &dst);
    let repr = Repr::parse_unverified(&packet).expect("new_checked accepted it");
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut out[..]), &src, &dst);
    let again = Packet::new_checked(&out[..]).unwrap();
    assert!(again.verify_checksum(&src, &dst));
    assert_eq!(Repr::parse(&again, &src, &dst).unwrap(), repr);
    // Everything but the checksum field is the input again.
    assert_eq!(out[..6], data[..6]);
    assert_eq!(out[8..], data[8..out.len()]);
});
