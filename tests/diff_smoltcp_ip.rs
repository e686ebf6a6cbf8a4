//! Differential tests: sixlo's IPv6 / extension header / UDP parsers against
//! smoltcp 0.14 on the interop captures and on generated packets, and UDP
//! checksums against tshark.
//!
//! Run with `SIXLO_INTEROP_DIR=/work/shared/interop cargo test --test diff_smoltcp_ip`.

mod common;

use std::net::Ipv6Addr;

use proptest::prelude::*;
use sixlo::wire::checksum;
use sixlo::wire::ipv6::{
    self, ExtHeaders, IpProtocol, OptionRepr, OptionsHeaderRepr, Routing, RoutingRepr, RplOption,
    SourceRoute, options::write_options,
};
use sixlo::wire::ipv6::{FragmentRepr, Packet, Repr};
use sixlo::wire::udp;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    IpAddress, Ipv6ExtHeader, Ipv6FragmentHeader, Ipv6OptionRepr, Ipv6OptionsIterator, Ipv6Packet, Ipv6Repr,
    Ipv6RoutingHeader, Ipv6RoutingRepr, UdpPacket, UdpRepr,
};

/// What comparing one packet found.
#[derive(Debug, Default)]
struct Outcome {
    /// Both parsed the fixed header.
    parsed: bool,
    /// Extension headers compared.
    ext_headers: usize,
    /// RPL options compared.
    rpl_options: usize,
    /// Our verdict on the UDP (or ICMPv6) checksum, when the chain reached one.
    checksum_ok: Option<bool>,
}

fn compare_options(ours: &OptionsHeaderRepr<'_>, theirs: &[u8], out: &mut Outcome) {
    let mine: Vec<_> = ours.iter().map(|o| o.unwrap()).collect();
    let other: Vec<_> = Ipv6OptionsIterator::new(theirs).map(|o| o.expect("smoltcp option")).collect();
    assert_eq!(mine.len(), other.len(), "option count {mine:?} vs {other:?}");
    for (m, o) in mine.iter().zip(&other) {
        match (m, o) {
            (OptionRepr::Pad1, Ipv6OptionRepr::Pad1) => {}
            (OptionRepr::PadN(a), Ipv6OptionRepr::PadN(b)) => assert_eq!(a, b),
            (OptionRepr::Rpl(a), Ipv6OptionRepr::Rpl(b)) => {
                assert_eq!(
                    (a.down, a.rank_error, a.forwarding_error, a.instance_id, a.sender_rank),
                    (b.down, b.rank_error, b.forwarding_error, u8::from(b.instance_id), b.sender_rank)
                );
                out.rpl_options += 1;
            }
            (OptionRepr::Unknown { option_type: 5, data }, Ipv6OptionRepr::RouterAlert(ra)) => {
                assert_eq!(u16::from_be_bytes([data[0], data[1]]), u16::from(*ra));
            }
            (OptionRepr::Unknown { option_type, data }, Ipv6OptionRepr::Unknown { type_, data: d, .. }) => {
                assert_eq!((*option_type, *data), (u8::from(*type_), &d[..]));
            }
            (m, o) => panic!("option mismatch: {m:?} vs {o:?}"),
        }
    }
}

/// Parses `bytes` as an IPv6 packet with both stacks and asserts they agree.
fn compare_packet(bytes: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let ours = Packet::new_checked(bytes).and_then(|p| Repr::parse(&p));
    let theirs = Ipv6Packet::new_checked(bytes).and_then(|p| Ipv6Repr::parse(&p));
    assert_eq!(ours.is_ok(), theirs.is_ok(), "fixed header verdicts differ on {bytes:02x?}");
    let (Ok(r), Ok(t)) = (ours, theirs) else { return out };
    out.parsed = true;
    let tp = Ipv6Packet::new_checked(bytes).unwrap();
    assert_eq!(
        (r.src_addr, r.dst_addr, u8::from(r.next_header), usize::from(r.payload_len), r.hop_limit),
        (t.src_addr, t.dst_addr, u8::from(t.next_header), t.payload_len, t.hop_limit)
    );
    assert_eq!((r.traffic_class, r.flow_label), (tp.traffic_class(), tp.flow_label()));
    // Byte-exact round trip of the fixed header.
    let mut hdr = [0u8; 40];
    r.emit(&mut Packet::new_unchecked(&mut hdr[..]));
    assert_eq!(hdr[..], bytes[..40]);

    let view = Packet::new_checked(bytes).unwrap();
    let payload = view.payload();
    assert_eq!(payload, tp.payload());
    let mut walk = ExtHeaders::new(r.next_header, payload);
    for item in &mut walk {
        let Ok(item) = item else { return out };
        let ext = Ipv6ExtHeader::new_checked(item.bytes).expect("smoltcp ext header");
        out.ext_headers += 1;
        match item.kind {
            IpProtocol::HopByHop | IpProtocol::Ipv6Opts => {
                let o = OptionsHeaderRepr::parse(item.bytes).unwrap();
                assert_eq!(u8::from(o.next_header), u8::from(ext.next_header()));
                compare_options(&o, ext.payload(), &mut out);
                let mut back = vec![0u8; o.buffer_len()];
                o.emit(&mut back);
                assert_eq!(back, item.bytes);
            }
            IpProtocol::Ipv6Route => {
                let o = RoutingRepr::parse(item.bytes).unwrap();
                let th = Ipv6RoutingHeader::new_checked(ext.payload()).unwrap();
                match (o.routing, Ipv6RoutingRepr::parse(&th)) {
                    (
                        Routing::SourceRoute(sr),
                        Ok(Ipv6RoutingRepr::Rpl { segments_left, cmpr_i, cmpr_e, pad, addresses }),
                    ) => {
                        assert_eq!(
                            (o.segments_left, sr.cmpr_i, sr.cmpr_e, sr.pad()),
                            (segments_left, cmpr_i, cmpr_e, pad)
                        );
                        // smoltcp's address octets include the Pad octets; ours stop before them.
                        assert_eq!(&addresses[..sr.addresses.len()], sr.addresses);
                        assert_eq!(addresses.len(), sr.addresses.len() + usize::from(pad));
                    }
                    (Routing::Unknown { routing_type, .. }, _) => assert_ne!(routing_type, 3),
                    (a, b) => panic!("routing mismatch {a:?} vs {b:?}"),
                }
            }
            IpProtocol::Ipv6Frag => {
                let o = FragmentRepr::parse(item.bytes).unwrap();
                let th = Ipv6FragmentHeader::new_checked(&item.bytes[2..]).unwrap();
                assert_eq!(
                    (o.offset, o.more_fragments, o.identification),
                    (th.frag_offset(), th.more_frags(), th.ident())
                );
            }
            k => panic!("walker yielded {k:?}"),
        }
    }
    let ul = walk.upper_layer();
    let data = &payload[ul.offset..];
    let first_fragment = ul.fragment.is_none_or(|f| f.offset == 0 && !f.more_fragments);
    match ul.protocol {
        IpProtocol::Udp if first_fragment => {
            let mine = udp::Packet::new_checked(data);
            let other = UdpPacket::new_checked(data);
            assert_eq!(mine.is_ok(), other.is_ok(), "UDP length verdicts differ");
            if let (Ok(m), Ok(o)) = (mine, other) {
                assert_eq!(
                    (m.src_port(), m.dst_port(), m.len(), m.checksum()),
                    (o.src_port(), o.dst_port(), o.len(), o.checksum())
                );
                assert_eq!(m.payload(), o.payload());
                let ok = m.verify_checksum(&r.src_addr, &r.dst_addr);
                out.checksum_ok = Some(ok);
                let (s, d) = (IpAddress::Ipv6(r.src_addr), IpAddress::Ipv6(r.dst_addr));
                let theirs = UdpRepr::parse(&o, &s, &d, &ChecksumCapabilities::default());
                let mine = udp::Repr::parse(&m, &r.src_addr, &r.dst_addr);
                // Known difference: smoltcp accepts a zero checksum and rejects port 0 (see below).
                if m.checksum() != 0 && m.dst_port() != 0 {
                    assert_eq!(mine.is_ok(), theirs.is_ok());
                }
                if let (Ok(a), Ok(b)) = (mine, theirs) {
                    assert_eq!((a.src_port, a.dst_port), (b.src_port, b.dst_port));
                    let mut back = vec![0u8; a.buffer_len()];
                    a.emit(&mut udp::Packet::new_unchecked(&mut back[..]), &r.src_addr, &r.dst_addr);
                    assert_eq!(back, &data[..back.len()]);
                }
            }
        }
        IpProtocol::Icmpv6 if first_fragment => {
            out.checksum_ok = Some(checksum::verify(&r.src_addr, &r.dst_addr, 58, data));
        }
        _ => {}
    }
    out
}

/// The captures with IPv6 at link type 1 (Ethernet) or 101 (raw IPv6): the
/// tcpdump RPL ones and the OpenWSN ones. (Listed by name: `read_pcap`
/// cannot read every file of the corpus, see the report.)
fn my_captures() -> Vec<std::path::PathBuf> {
    common::all_captures()
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("rpl-") || n.starts_with("6lowpan__openwsn_captures__")
        })
        .collect()
}

/// IPv6 packets of the link type 1 and 101 captures, with the capture path and tshark's verdicts.
fn capture_packets() -> Vec<(String, Vec<Vec<u8>>)> {
    let mut v = Vec::new();
    for p in my_captures() {
        let (lt, frames) = common::read_pcap(&p);
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let pkts: Vec<Vec<u8>> = match lt {
            1 => frames.iter().filter_map(|f| common::ethernet_ipv6(f)).map(<[u8]>::to_vec).collect(),
            101 => frames,
            _ => continue,
        };
        v.push((name, pkts));
    }
    v
}

#[test]
fn captures_agree_with_smoltcp() {
    let caps = capture_packets();
    if caps.is_empty() {
        eprintln!("SIXLO_INTEROP_DIR unset: skipping");
        return;
    }
    let (mut n, mut parsed, mut udp) = (0, 0, 0);
    for (name, pkts) in &caps {
        for (i, p) in pkts.iter().enumerate() {
            let o = compare_packet(p);
            n += 1;
            parsed += usize::from(o.parsed);
            udp += usize::from(o.checksum_ok.is_some());
            let _ = (name, i);
        }
    }
    // 4 tcpdump RPL packets + 614 OpenWSN packets, all with a well-formed outer IPv6 header.
    assert_eq!((n, parsed), (618, 618));
    assert!(udp >= 600, "{udp} UDP datagrams");
}

#[test]
fn udp_checksums_agree_with_tshark() {
    if common::interop_dir().is_none() || !common::have_tshark() {
        eprintln!("corpus or tshark missing: skipping");
        return;
    }
    let (mut checked, mut malformed) = (0, 0);
    for p in my_captures() {
        let (lt, frames) = common::read_pcap(&p);
        if lt != 101 {
            continue;
        }
        let fields = common::tshark_fields(
            &p,
            &["-o", "udp.check_checksum:TRUE"],
            &["udp.checksum.status", "icmpv6.checksum.status", "ipv6.nxt", "_ws.malformed"],
        );
        assert_eq!(fields.len(), frames.len());
        for (f, t) in frames.iter().zip(&fields) {
            let o = compare_packet(f);
            if !t[3].is_empty() {
                // tshark's malformed negative cases are malformed inside the
                // ZEP / 6LoWPAN payload; the outer IPv6 + UDP is sound.
                assert!(o.parsed);
                malformed += 1;
            }
            // The first occurrence is the outer datagram (inner ones are in ZEP/6LoWPAN).
            let outer_nh = t[2].split(',').next().unwrap();
            let col = if outer_nh == "17" { 0 } else { 1 };
            let Some(status) = t[col].split(',').next().filter(|s| !s.is_empty()) else { continue };
            assert_eq!(o.checksum_ok, Some(status == "1"), "{}: tshark says {status}", p.display());
            checked += 1;
        }
    }
    assert!(checked >= 600, "{checked} checksums compared");
    assert_eq!(malformed, 7);
}

/// Uncompressed IPv6 (dispatch 0x41, RFC 4944 §5.1) inside the Contiki
/// capture: the only real RPL options (RFC 6553) of the corpus.
#[test]
fn contiki_uncompressed_ipv6_agree() {
    let Some(p) = common::capture("contiki-rpl-sim/cooja-rpl-udp.pcap") else { return };
    let (_, frames) = common::read_pcap(&p);
    let (mut n, mut rpl) = (0, 0);
    for f in &frames {
        // Without the FCS, find "0x41 0x6." such that the rest is exactly one IPv6 packet.
        let body = &f[..f.len().saturating_sub(2)];
        let found = (3..body.len().saturating_sub(41)).find(|&i| {
            body[i] == 0x41
                && body[i + 1] >> 4 == 6
                && usize::from(u16::from_be_bytes([body[i + 5], body[i + 6]])) + 40 == body.len() - i - 1
        });
        if let Some(i) = found {
            let o = compare_packet(&body[i + 1..]);
            assert!(o.parsed);
            assert_eq!(o.checksum_ok, Some(true), "tshark: every checksum in this capture is good");
            n += 1;
            rpl += o.rpl_options;
        }
    }
    assert!(n > 100 && rpl > 100, "{n} uncompressed packets, {rpl} RPL options");
}

/// Cases where smoltcp 0.14 and sixlo disagree on purpose, with the bytes.
#[test]
fn known_differences() {
    let src: Ipv6Addr = "fe80::1".parse().unwrap();
    let dst: Ipv6Addr = "fe80::2".parse().unwrap();
    let (s, d) = (IpAddress::Ipv6(src), IpAddress::Ipv6(dst));
    let caps = ChecksumCapabilities::default();

    // 1. UDP checksum 0 over IPv6: RFC 8200 §8.1 says discard; smoltcp treats it
    //    as "no checksum" (the IPv4 rule) and accepts it.
    let zero = [0x04, 0xd2, 0x16, 0x33, 0x00, 0x08, 0x00, 0x00];
    assert!(!udp::Packet::new_checked(&zero[..]).unwrap().verify_checksum(&src, &dst));
    assert!(UdpRepr::parse(&UdpPacket::new_checked(&zero[..]).unwrap(), &s, &d, &caps).is_ok());

    // 2. UDP destination port 0: RFC 768 does not forbid it on the wire; smoltcp rejects it.
    let mut port0 = [0x04, 0xd2, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00];
    let c = checksum::upper_layer(&src, &dst, 17, &port0);
    port0[6..].copy_from_slice(&c.to_be_bytes());
    assert!(udp::Repr::parse(&udp::Packet::new_checked(&port0[..]).unwrap(), &src, &dst).is_ok());
    assert!(UdpRepr::parse(&UdpPacket::new_checked(&port0[..]).unwrap(), &s, &d, &caps).is_err());

    // 3. SRH whose CmprI/CmprE/Pad disagree with its length (RFC 6554 §3):
    //    CmprI 8, CmprE 9, 24 address octets -> (24 - 7) / 8 is not whole. smoltcp accepts.
    let mut bad_srh = [0u8; 32];
    bad_srh[..8].copy_from_slice(&[58, 3, 3, 3, 0x89, 0, 0, 0]);
    assert!(RoutingRepr::parse(&bad_srh).is_err());
    assert!(Ipv6RoutingRepr::parse(&Ipv6RoutingHeader::new_checked(&bad_srh[2..]).unwrap()).is_ok());
    //    Same with Pad 8 (more than a multiple of 8 needs).
    bad_srh[4] = 0x88;
    bad_srh[5] = 0x80;
    assert!(RoutingRepr::parse(&bad_srh).is_err());
    assert!(Ipv6RoutingRepr::parse(&Ipv6RoutingHeader::new_checked(&bad_srh[2..]).unwrap()).is_ok());

    // 4. The pre-RFC 9008 RPL option type 0x23: we read it as the RPL option,
    //    smoltcp as an unknown option.
    let old = [0x11, 0x00, 0x23, 0x04, 0x00, 0x1e, 0x02, 0x00];
    assert_eq!(OptionsHeaderRepr::parse(&old).unwrap().rpl_option().unwrap().sender_rank, 0x200);
    let theirs: Vec<_> = Ipv6OptionsIterator::new(&old[2..]).collect();
    assert!(matches!(theirs[0], Ok(Ipv6OptionRepr::Unknown { .. })));

    // 5. A Hop-by-Hop header after another extension header (RFC 8200 §4.1):
    //    our walker says Malformed; smoltcp has no chain walker in wire (its
    //    interface drops it later), so there is nothing to compare.
    let hbh_late = [0u8, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0];
    assert!(ipv6::upper_layer(IpProtocol::Ipv6Opts, &hbh_late).is_err());
}

#[allow(clippy::too_many_arguments)]
fn build_packet(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    tc: u8,
    fl: u32,
    hbh: Option<Vec<OptionRepr<'static>>>,
    route: Option<Vec<Ipv6Addr>>,
    frag: Option<(u32, bool)>,
    data: &[u8],
) -> Vec<u8> {
    let mut chain: Vec<(IpProtocol, Vec<u8>)> = Vec::new();
    if let Some(opts) = hbh {
        let mut scratch = vec![0u8; 2048];
        let n = write_options(&opts, &mut scratch).unwrap();
        let h = OptionsHeaderRepr { next_header: IpProtocol::Udp, options: &scratch[..n] };
        let mut b = vec![0u8; h.buffer_len()];
        h.emit(&mut b);
        chain.push((IpProtocol::HopByHop, b));
    }
    if let Some(route) = route {
        let mut scratch = vec![0u8; 2048];
        let sr = SourceRoute::compress(&dst, &route, &mut scratch).unwrap();
        let r = RoutingRepr {
            next_header: IpProtocol::Udp,
            segments_left: route.len() as u8,
            routing: Routing::SourceRoute(sr),
        };
        let mut b = vec![0u8; r.buffer_len()];
        r.emit(&mut b);
        chain.push((IpProtocol::Ipv6Route, b));
    }
    if let Some((id, m)) = frag {
        let f =
            FragmentRepr { next_header: IpProtocol::Udp, offset: 0, more_fragments: m, identification: id };
        let mut b = vec![0u8; 8];
        f.emit(&mut b);
        chain.push((IpProtocol::Ipv6Frag, b));
    }
    let u = udp::Repr { src_port: 61616, dst_port: 5683, payload: data };
    let mut ub = vec![0u8; u.buffer_len()];
    u.emit(&mut udp::Packet::new_unchecked(&mut ub[..]), &src, &dst);
    // Link each header to the next one.
    let kinds: Vec<IpProtocol> = chain.iter().map(|c| c.0).collect();
    for (i, c) in chain.iter_mut().enumerate() {
        c.1[0] = kinds.get(i + 1).copied().unwrap_or(IpProtocol::Udp).into();
    }
    let mut payload: Vec<u8> = chain.iter().flat_map(|c| c.1.clone()).collect();
    payload.extend_from_slice(&ub);
    let r = Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: kinds.first().copied().unwrap_or(IpProtocol::Udp),
        payload_len: payload.len() as u16,
        hop_limit: 64,
        traffic_class: tc,
        flow_label: fl,
    };
    let mut out = vec![0u8; 40];
    r.emit(&mut Packet::new_unchecked(&mut out[..]));
    out.extend_from_slice(&payload);
    out
}

fn arb_addr() -> impl Strategy<Value = Ipv6Addr> {
    prop_oneof![
        any::<[u8; 8]>().prop_map(|iid| {
            let mut o = [0u8; 16];
            o[..2].copy_from_slice(&[0xfe, 0x80]);
            o[8..].copy_from_slice(&iid);
            Ipv6Addr::from(o)
        }),
        any::<[u8; 16]>().prop_map(Ipv6Addr::from),
    ]
}

fn arb_option() -> impl Strategy<Value = OptionRepr<'static>> {
    prop_oneof![
        Just(OptionRepr::Pad1),
        (0u8..8).prop_map(OptionRepr::PadN),
        (any::<[bool; 3]>(), any::<u8>(), any::<u16>()).prop_map(|(f, i, r)| OptionRepr::Rpl(RplOption {
            down: f[0],
            rank_error: f[1],
            forwarding_error: f[2],
            instance_id: i,
            sender_rank: r
        })),
        // Not 5 (Router Alert, a fixed layout in smoltcp) nor 0x23 (the old RPL type).
        (6u8..=0x62, proptest::collection::vec(any::<u8>(), 0..12))
            .prop_filter("old RPL type", |(t, _)| *t != ipv6::options::RPL_OPTION_OLD)
            .prop_map(|(t, d)| OptionRepr::Unknown { option_type: t, data: Vec::leak(d) }),
    ]
}

proptest! {
    #[test]
    fn generated_packets_agree(
        src in arb_addr(), dst in arb_addr(), tc in any::<u8>(), fl in 0u32..0x10_0000,
        hbh in proptest::option::of(proptest::collection::vec(arb_option(), 0..5)),
        route in proptest::option::of(proptest::collection::vec(arb_addr(), 1..6)),
        frag in proptest::option::of((any::<u32>(), Just(false))),
        data in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let has_ext = hbh.is_some() as usize + route.is_some() as usize + frag.is_some() as usize;
        let rpl = hbh.as_ref().map_or(0, |h| h.iter().filter(|o| matches!(o, OptionRepr::Rpl(_))).count());
        let bytes = build_packet(src, dst, tc, fl, hbh, route, frag, &data);
        let o = compare_packet(&bytes);
        prop_assert!(o.parsed);
        prop_assert_eq!(o.ext_headers, has_ext);
        prop_assert_eq!(o.rpl_options, rpl);
        prop_assert_eq!(o.checksum_ok, Some(true));
    }

    #[test]
    fn random_bytes_agree_on_fixed_header(mut b in proptest::collection::vec(any::<u8>(), 40..120)) {
        b[0] = 0x60 | (b[0] & 0x0f);
        let plen = (b.len() - 40) as u16;
        b[4..6].copy_from_slice(&plen.to_be_bytes());
        // Random extension headers may hit the known differences; compare the fixed header only.
        let ours = Repr::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
        let theirs = Ipv6Repr::parse(&Ipv6Packet::new_checked(&b[..]).unwrap()).unwrap();
        prop_assert_eq!((ours.src_addr, ours.dst_addr, ours.hop_limit), (theirs.src_addr, theirs.dst_addr, theirs.hop_limit));
        let _ = ipv6::upper_layer(ours.next_header, &b[40..]);
    }
}
