#![no_main]
//! Walks a 6LoWPAN frame payload; every header found is parsed into its Repr,
//! emitted into exactly `buffer_len()` bytes and parsed again, which must
//! give the same Repr.
use libfuzzer_sys::fuzz_target;
use sixlo::wire::sixlowpan::{Inner, frag, iphc, mesh, nhc, walk};

fuzz_target!(|data: &[u8]| {
    let Ok(stack) = walk(data) else { return };
    let mut buf = [0u8; 64];

    if let Some(s) = stack.mesh {
        let r = mesh::Repr::parse(&mesh::Packet::new_unchecked(&data[s.range()])).unwrap();
        let n = r.buffer_len();
        r.emit(&mut mesh::Packet::new_unchecked(&mut buf[..n]));
        assert_eq!(mesh::Repr::parse(&mesh::Packet::new_unchecked(&buf[..n])), Ok(r));
    }
    if let Some(s) = stack.bc0 {
        let r = mesh::Bc0Repr::parse(&mesh::Bc0Packet::new_unchecked(&data[s.range()])).unwrap();
        r.emit(&mut mesh::Bc0Packet::new_unchecked(&mut buf[..2]));
        assert_eq!(&buf[..2], &data[s.range()]);
    }
    if let Some(s) = stack.frag {
        let r = frag::Repr::parse(&frag::Packet::new_unchecked(&data[s.range()])).unwrap();
        let n = r.buffer_len();
        r.emit(&mut frag::Packet::new_unchecked(&mut buf[..n]));
        // The fragment header encoding is canonical.
        assert_eq!(&buf[..n], &data[s.range()]);
    }
    if let Inner::Iphc(s) = stack.inner {
        let p = iphc::Packet::new_checked(&data[s.start..]).unwrap();
        let r = iphc::Repr::parse(&p).unwrap();
        let n = r.buffer_len();
        assert_eq!(n, s.len());
        r.emit(&mut iphc::Packet::new_unchecked(&mut buf[..n]));
        assert_eq!(&buf[..n], &data[s.range()]);
        if p.nh() {
            let rest = p.payload();
            if let Ok(u) = nhc::UdpPacket::new_checked(rest) {
                let r = nhc::UdpRepr::parse(&u).unwrap();
                let n = r.buffer_len();
                r.emit(&mut buf[..n]);
                assert_eq!(&buf[..n], &rest[..n]);
            }
            if let Ok(e) = nhc::ExtHeaderPacket::new_checked(rest) {
                let r = nhc::ExtHeaderRepr::parse(&e).unwrap();
                let n = r.buffer_len();
                r.emit(&mut buf[..n]);
                let again = nhc::ExtHeaderPacket::new_unchecked(&buf[..n]);
                assert_eq!((again.eid(), again.next_header()), (e.eid(), e.next_header()));
            }
        }
    }
});
