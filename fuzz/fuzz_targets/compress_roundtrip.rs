#![no_main]
//! Compresses an arbitrary IPv6 packet (first byte picks the link-layer
//! address kinds and the contexts); when it is a valid packet, the frame
//! payload must decompress to exactly the packet.
use libfuzzer_sys::fuzz_target;
use sixlo::lowpan::{Context, ContextTable, compress, decompress};
use sixlo::wire::ieee802154::Address;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, packet)) = data.split_first() else { return };
    let addr = |k: u8| match k & 3 {
        0 => Address::Absent,
        1 => Address::Short([0x00, 0x01]),
        2 => Address::Short([0x00, 0x02]),
        _ => Address::Extended([0x00, 0x12, 0x74, 0x02, 0x00, 0x02, 0x02, 0x02]),
    };
    let (src, dst) = (addr(sel), addr(sel >> 2));
    let mut ctx = ContextTable::new();
    if sel & 0x10 != 0 {
        let prefix = core::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0);
        ctx.set(0, Some(Context { prefix, prefix_len: 64, compress: true }));
        ctx.set(3, Some(Context { prefix, prefix_len: 16 + (sel >> 5) * 16, compress: sel & 0x20 != 0 }));
    }
    let mut frame = [0u8; 1500];
    let Ok(n) = compress(packet, &src, &dst, &ctx, &mut frame) else { return };
    let plen = usize::from(u16::from_be_bytes([packet[4], packet[5]]));
    let mut back = [0u8; 1500];
    let m = decompress(&frame[..n], &src, &dst, &ctx, &mut back).expect("our own output decompresses");
    assert_eq!(&back[..m], &packet[..40 + plen]);
});
