#![no_main]
//! IPv6 fixed header and extension header chain: parse, re-emit, re-parse.
use libfuzzer_sys::fuzz_target;
use sixlo::wire::ipv6::{
    ExtHeaders, FragmentRepr, IpProtocol, OptionsHeaderRepr, Packet, Repr, RoutingRepr, upper_layer,
};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::new_checked(data) else { return };
    let repr = Repr::parse(&packet).expect("new_checked accepted it");
    let mut hdr = [0u8; 40];
    repr.emit(&mut Packet::new_unchecked(&mut hdr[..]));
    // The fixed header is canonical: the bytes come back.
    assert_eq!(hdr[..], data[..40]);

    let payload = packet.payload();
    let mut walk = ExtHeaders::new(repr.next_header, payload);
    for item in &mut walk {
        let Ok(item) = item else { break };
        match item.kind {
            IpProtocol::HopByHop | IpProtocol::Ipv6Opts => {
                if let Ok(h) = OptionsHeaderRepr::parse(item.bytes) {
                    assert!(h.iter().all(|o| o.is_ok()));
                    let mut out = vec![0u8; h.buffer_len()];
                    h.emit(&mut out);
                    assert_eq!(OptionsHeaderRepr::parse(&out).unwrap(), h);
                }
            }
            IpProtocol::Ipv6Route => {
                if let Ok(r) = RoutingRepr::parse(item.bytes) {
                    let mut out = vec![0u8; r.buffer_len()];
                    r.emit(&mut out);
                    assert_eq!(RoutingRepr::parse(&out).unwrap(), r);
                }
            }
            IpProtocol::Ipv6Frag => {
                let f = FragmentRepr::parse(item.bytes).unwrap();
                let mut out = [0u8; 8];
                f.emit(&mut out);
                assert_eq!(FragmentRepr::parse(&out).unwrap(), f);
            }
            _ => unreachable!("the walker yields extension headers only"),
        }
    }
    if let Ok(ul) = upper_layer(repr.next_header, payload) {
        assert!(ul.offset <= payload.len());
    }
});
