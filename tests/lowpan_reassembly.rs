//! Reassembly of a real fragmented datagram: smoltcp's three-fragment
//! capture (FRAG1 + 2 FRAGN of a 307-byte UDP datagram), checked against
//! tshark's own reassembly.

mod common;

use sixlo::lowpan::frag::{Fragmenter, ReassemblyBuffers, ReassemblyKey};
use sixlo::time::Instant;
use sixlo::wire::ieee802154::Address;

/// Length of an 802.15.4-2003/2006 MAC header (no security, no IEs) and
/// the two addresses, from the frame control field.
fn mac_header(frame: &[u8]) -> (usize, Address, Address) {
    let fc = u16::from_le_bytes([frame[0], frame[1]]);
    let pan_id_compression = fc & (1 << 6) != 0;
    assert_eq!(fc & (1 << 3), 0, "security not expected in this capture");
    let dst_mode = (fc >> 10) & 3;
    let src_mode = (fc >> 14) & 3;
    assert!((fc >> 12) & 3 < 2, "2003/2006 frame expected");
    let mut pos = 3; // frame control + sequence number
    let mut addr = |mode: u16, pan: bool| {
        if mode != 0 && pan {
            pos += 2;
        }
        let a = match mode {
            0 => Address::Absent,
            2 => Address::Short([frame[pos + 1], frame[pos]]),
            3 => {
                let mut e: [u8; 8] = frame[pos..pos + 8].try_into().unwrap();
                e.reverse(); // little-endian on the air
                Address::Extended(e)
            }
            m => panic!("reserved addressing mode {m}"),
        };
        pos += a.as_bytes().len();
        a
    };
    let dst = addr(dst_mode, true);
    let src = addr(src_mode, !pan_id_compression);
    (pos, src, dst)
}

/// Length of stateless IPHC + NHC-UDP compressed headers (RFC 6282 §3.1,
/// §4.3), enough for this capture: no contexts, UDP next header.
fn iphc_udp_len(b: &[u8]) -> usize {
    assert_eq!(b[0] >> 5, 0b011, "IPHC dispatch");
    let tf = (b[0] >> 3) & 3;
    let nh = (b[0] >> 2) & 1;
    let hlim = b[0] & 3;
    assert_eq!(b[1] & 0x80, 0, "no context identifier expected");
    let (sam, m, dam) = ((b[1] >> 4) & 3, (b[1] >> 3) & 1, b[1] & 3);
    assert_eq!(b[1] & 0x44, 0, "stateless addresses expected");
    let mut n = 2;
    n += [4, 3, 1, 0][tf as usize];
    n += if nh == 0 { 1 } else { 0 };
    n += if hlim == 0 { 1 } else { 0 };
    n += [16, 8, 2, 0][sam as usize];
    n += if m == 0 { [16, 8, 2, 0][dam as usize] } else { [16, 6, 4, 1][dam as usize] };
    assert_eq!(nh, 1, "NHC expected");
    let udp = b[n];
    assert_eq!(udp & 0xf8, 0xf0, "NHC UDP expected");
    n += 1 + [4, 3, 3, 1][(udp & 3) as usize] + if udp & 4 == 0 { 2 } else { 0 };
    n
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn three_fragments_230() {
    let Some(path) = common::capture("smoltcp/three-fragments-230.pcap") else {
        eprintln!("SIXLO_INTEROP_DIR unset: skipping");
        return;
    };
    let (linktype, frames) = common::read_pcap(&path);
    assert_eq!((linktype, frames.len()), (230, 3));

    // Decode the fragment headers ourselves.
    struct Frag {
        src: Address,
        dst: Address,
        first: bool,
        size: u16,
        tag: u16,
        offset: usize,
        body: Vec<u8>,
    }
    let frags: Vec<Frag> = frames
        .iter()
        .map(|f| {
            let (mac, src, dst) = mac_header(f);
            let p = &f[mac..];
            let size = u16::from_be_bytes([p[0], p[1]]) & 0x07ff;
            let tag = u16::from_be_bytes([p[2], p[3]]);
            match p[0] >> 3 {
                0b11000 => Frag { src, dst, first: true, size, tag, offset: 0, body: p[4..].to_vec() },
                0b11100 => Frag {
                    src,
                    dst,
                    first: false,
                    size,
                    tag,
                    offset: usize::from(p[4]) * 8,
                    body: p[5..].to_vec(),
                },
                pat => panic!("not a fragment: {pat:#b}"),
            }
        })
        .collect();
    assert_eq!(mac_header(&frames[0]).0, 21);
    assert_eq!(frags[0].src, Address::Extended([0x32, 0x93, 0x82, 0x2f, 0x28, 0x08, 0x3e, 0xd9]));
    assert_eq!(frags[0].dst, Address::Extended([0x1a, 0x0b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42]));
    let fields: Vec<(bool, u16, u16, usize)> =
        frags.iter().map(|f| (f.first, f.size, f.tag, f.offset)).collect();
    assert_eq!(fields, [(true, 307, 0x3f, 0), (false, 307, 0x3f, 136), (false, 307, 0x3f, 232)]);

    // FRAG1: 12 bytes of IPHC + NHC stand for 48 (IPv6 40 + UDP 8), so it
    // covers 48 + 88 = 136 bytes; the FRAGN tile the rest exactly.
    let hc = iphc_udp_len(&frags[0].body);
    assert_eq!(hc, 12);
    let frag1_covers = 48 + frags[0].body.len() - hc;
    assert_eq!(frag1_covers, 136);
    assert_eq!(frags[1].offset, frag1_covers);
    assert_eq!(frags[2].offset, frags[1].offset + frags[1].body.len());
    assert_eq!(frags[2].offset + frags[2].body.len(), 307);
    assert_eq!((frags[1].body.len(), frags[2].body.len()), (96, 75));

    // The uncompressed FRAG1 bytes, from tshark's decompressor when
    // available (else zeros for the headers: the tiling is what we test).
    let tshark = common::have_tshark().then(|| {
        common::tshark_fields(
            &path,
            &["-2"],
            &["6lowpan.frag.size", "6lowpan.frag.tag", "6lowpan.frag.offset", "data.len", "data.data"],
        )
    });
    let mut first = vec![0u8; 48];
    first.extend_from_slice(&frags[0].body[hc..]);
    if let Some(t) = &tshark {
        assert_eq!(t.len(), 3);
        for (i, f) in frags.iter().enumerate() {
            assert_eq!(t[i][0], f.size.to_string());
            assert_eq!(t[i][1], format!("{:#06x}", f.tag));
            let off = if f.first { String::new() } else { f.offset.to_string() };
            assert_eq!(t[i][2], off);
        }
        // tshark's FRAG1 data is the decompressed 136 bytes; FRAGN data is the body.
        assert_eq!(t[0][3], "136");
        let decompressed = hex(&t[0][4]);
        assert_eq!(&decompressed[48..], &first[48..]);
        first = decompressed;
        assert_eq!(hex(&t[1][4]), frags[1].body);
    }

    // Reassemble in every order.
    let orders = [[0, 1, 2], [2, 1, 0], [1, 0, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1]];
    for order in orders {
        let mut r = ReassemblyBuffers::<2, 1280>::new_owned();
        let mut done = None;
        for (n, &i) in order.iter().enumerate() {
            let f = &frags[i];
            let key = ReassemblyKey { src: f.src, dst: f.dst, size: f.size, tag: f.tag };
            let data = if f.first { &first[..] } else { &f.body[..] };
            let got = r.accept(Instant::from_millis(n as u64), key, f.offset, data).unwrap();
            assert_eq!(got.is_some(), n == 2, "order {order:?}");
            if let Some(dg) = got {
                done = Some(dg.to_vec());
            }
        }
        let dg = done.unwrap();
        assert_eq!(dg.len(), 307);
        assert_eq!(&dg[..136], &first[..]);
        assert_eq!(&dg[136..232], &frags[1].body[..]);
        assert_eq!(&dg[232..], &frags[2].body[..]);
        assert!(dg.ends_with(b"curae. \n"));
        if let Some(t) = &tshark {
            // tshark's reassembled UDP payload (frame 3) is our datagram after 48 bytes.
            assert_eq!(t[2][3], "259");
            assert_eq!(hex(&t[2][4]), &dg[48..]);
            // IPv6 payload length 267 = 307 - 40 (from tshark's decompressed header).
            assert_eq!(u16::from_be_bytes([dg[4], dg[5]]), 267);
        }
        assert_eq!(r.stats().completed, 1);
    }

    // Our fragmenter, fed the same compressed header and payload with the
    // same frame room, cuts the datagram at the same places.
    let mtu = frames[0].len() - 21; // 104
    let payload: Vec<u8> = [&frags[0].body[hc..], &frags[1].body[..], &frags[2].body[..]].concat();
    let mut f = Fragmenter::new(&frags[0].body[..hc], 48, &payload, 0x3f, mtu).unwrap();
    assert_eq!(f.fragment_count(), 3);
    let mut buf = [0u8; 127];
    for (i, frame) in frames.iter().enumerate() {
        let n = f.next_fragment(&mut buf[..mtu]).unwrap();
        assert_eq!(&buf[..n], &frame[21..], "fragment {i}");
    }
    assert_eq!(f.next_fragment(&mut buf), None);
}
