#![no_main]
//! Decompresses arbitrary 6LoWPAN headers (first byte picks the link-layer
//! address kinds and a context table); when that succeeds, compresses the
//! IPv6 packet again and checks that it decompresses to the same bytes and
//! is no larger than the input.
use libfuzzer_sys::fuzz_target;
use sixlo::lowpan::{Context, ContextTable, compress, decompress};
use sixlo::wire::ieee802154::Address;
use sixlo::wire::ipv6::IpProtocol;

/// True when the upper layer follows the IPv6 header directly: no
/// extension header and no tunnelled packet.
fn no_extension_headers(packet: &[u8]) -> bool {
    !matches!(IpProtocol::from(packet[6]), IpProtocol::HopByHop | IpProtocol::Ipv6Route | IpProtocol::Ipv6Frag | IpProtocol::Ipv6Opts | IpProtocol::Ipv6)
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else { return };
    // 0x41 carries a header whose payload length need not match the frame.
    if input.first() == Some(&0x41) {
        return;
    }
    let addr = |k: u8| match k & 3 {
        0 => Address::Absent,
        1 => Address::Short([0x12, 0x34]),
        2 => Address::BROADCAST,
        _ => Address::Extended([0x00, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01]),
    };
    let (src, dst) = (addr(sel), addr(sel >> 2));
    let mut ctx = ContextTable::new();
    if sel & 0x10 != 0 {
        let prefix = core::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0);
        ctx.set(0, Some(Context { prefix, prefix_len: 64, compress: true }));
        ctx.set(5, Some(Context { prefix, prefix_len: 48 + (sel >> 5), compress: true }));
    }
    let mut ip = [0u8; 1400];
    let Ok(n) = decompress(input, &src, &dst, &ctx, &mut ip) else { return };
    let mut frame = [0u8; 1500];
    let m = compress(&ip[..n], &src, &dst, &ctx, &mut frame).expect("a decompressed packet compresses");
    // The compressor picks the smallest encoding, so headers it compresses
    // again never grow. Extension headers are left out of this check: the
    // decompressor pads them to 8 octets (RFC 6282 §4.2) and, after
    // malformed options, that padding cannot be told from data and stays.
    if no_extension_headers(&ip[..n]) {
        assert!(m <= input.len(), "re-compression is never larger");
    }
    let mut back = [0u8; 1400];
    let k = decompress(&frame[..m], &src, &dst, &ctx, &mut back).expect("our own output decompresses");
    assert_eq!(&back[..k], &ip[..n]);
});
