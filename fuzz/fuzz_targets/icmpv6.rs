#![no_main]
//! ICMPv6 + neighbour discovery: parse, and when it parses, emit into exactly
//! `buffer_len()` bytes and parse again to the same value.
use core::net::Ipv6Addr;

use libfuzzer_sys::fuzz_target;
use sixlo::wire::icmpv6::{Packet, Repr};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::new_checked(data) else { return };
    let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    let dst = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    let _ = packet.verify_checksum(&src, &dst);
    let Ok(repr) = Repr::parse(&packet) else { return };
    if let Repr::Ndisc(nd) = &repr {
        for opt in nd.options() {
            assert!(opt.is_ok());
        }
    }
    let mut buf = vec![0u8; repr.buffer_len()];
    repr.emit(&src, &dst, &mut buf);
    assert!(Packet::new_unchecked(&buf[..]).verify_checksum(&src, &dst));
    let again = Repr::parse(&Packet::new_checked(&buf[..]).unwrap()).unwrap();
    assert_eq!(again, repr);
});
