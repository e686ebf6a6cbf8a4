//! End-to-end tests of `sixlo::net::Interface` on byte packets.

use core::net::Ipv6Addr;

use sixlo::net::{DropReason, FragSlot, Ingress, Interface, NetConfig, RateLimit, RouteSource};
use sixlo::time::{Duration, Instant};
use sixlo::wire::icmpv6;
use sixlo::wire::ipv6::{self, FragmentRepr, IpProtocol};

type Iface = Interface<
    [Option<sixlo::net::AddrEntry>; 2],
    [Option<Ipv6Addr>; 2],
    [Option<sixlo::net::Route>; 4],
    [u8; 1280],
    [FragSlot<[u8; 1280]>; 2],
>;

const EUI: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];

fn ip(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn iface(config: NetConfig) -> Iface {
    let mut i = Interface::new(
        config,
        EUI,
        [None; 2],
        [None; 2],
        [None; 4],
        [FragSlot::new([0; 1280]), FragSlot::new([0; 1280])],
    );
    i.addrs_mut().add_prefix(Instant::ZERO, ip("2001:db8::"), Duration::MAX, Duration::MAX).unwrap();
    i
}

fn packet(src: &str, dst: &str, hl: u8, nh: IpProtocol, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 40 + payload.len()];
    let r = ipv6::Repr {
        src_addr: ip(src),
        dst_addr: ip(dst),
        next_header: nh,
        payload_len: payload.len() as u16,
        hop_limit: hl,
        traffic_class: 0,
        flow_label: 0,
    };
    r.emit(&mut ipv6::Packet::new_unchecked(&mut b[..]));
    b[40..].copy_from_slice(payload);
    b
}

fn echo_request(src: &str, dst: &str, data: &[u8]) -> Vec<u8> {
    let r = icmpv6::Repr::EchoRequest { ident: 0xbeef, seq_no: 3, data };
    let mut msg = vec![0u8; r.buffer_len()];
    r.emit(&ip(src), &ip(dst), &mut msg);
    packet(src, dst, 64, IpProtocol::Icmpv6, &msg)
}

const ME: &str = "2001:db8::12:7401:1:101";
const PEER: &str = "2001:db8:9::7";

#[test]
fn echo_request_to_global_and_multicast() {
    let mut i = iface(NetConfig::default());
    let mut out = [0u8; 1280];
    for (dst, from) in [(ME, ME), ("ff02::1", ME), ("fe80::12:7401:1:101", "fe80::12:7401:1:101")] {
        let src = if dst.starts_with("fe80") { "fe80::7" } else { PEER };
        let mut req = echo_request(src, dst, b"hello");
        let Ingress::Send { len } = i.ingress(Instant::ZERO, &mut req, &mut out, |_| false) else {
            panic!("no reply to {dst}");
        };
        let p = ipv6::Packet::new_checked(&out[..len]).unwrap();
        assert_eq!((p.src_addr(), p.dst_addr()), (ip(from), ip(src)));
        let msg = icmpv6::Packet::new_checked(p.payload()).unwrap();
        assert_eq!(
            icmpv6::Repr::parse_verified(&ip(from), &ip(src), &msg).unwrap(),
            icmpv6::Repr::EchoReply { ident: 0xbeef, seq_no: 3, data: b"hello" }
        );
    }
    assert_eq!(i.stats().echo_replies, 3);
    assert_eq!(i.stats().delivered, 3);
}

#[test]
fn deliver_forward_and_drop() {
    let mut i = iface(NetConfig::default());
    let mut out = [0u8; 1280];
    let now = Instant::ZERO;
    let mut udp = packet(PEER, ME, 64, IpProtocol::Udp, &[0; 8]);
    let copy = udp.clone();
    assert_eq!(i.ingress(now, &mut udp, &mut out, |_| false), Ingress::Deliver(&copy[..]));

    // Forwarding: a /48 route, then a registered neighbour.
    i.routes_mut().add(now, ip("2001:db8:5::"), 48, ip("fe80::5"), Duration::MAX, RouteSource::Rpl).unwrap();
    let mut fwd = packet(PEER, "2001:db8:5::1", 9, IpProtocol::Udp, &[0; 8]);
    assert_eq!(i.ingress(now, &mut fwd, &mut out, |_| false), Ingress::Forward { next_hop: ip("fe80::5") });
    assert_eq!(fwd[7], 8);
    let mut nb = packet(PEER, "2001:db8::99", 9, IpProtocol::Udp, &[0; 8]);
    assert_eq!(
        i.ingress(now, &mut nb, &mut out, |a| *a == ip("2001:db8::99")),
        Ingress::Forward { next_hop: ip("2001:db8::99") }
    );

    // Not forwarded: link-local, multicast beyond the link, non-router.
    let mut ll = packet("fe80::7", "2001:db8:5::1", 9, IpProtocol::Udp, &[0; 8]);
    assert_eq!(i.ingress(now, &mut ll, &mut out, |_| false), Ingress::Dropped(DropReason::LinkLocalScope));
    let mut mc = packet(PEER, "ff05::1", 9, IpProtocol::Udp, &[0; 8]);
    assert_eq!(i.ingress(now, &mut mc, &mut out, |_| false), Ingress::Dropped(DropReason::NotForUs));
    i.set_router(false);
    let mut fwd = packet(PEER, "2001:db8:5::1", 9, IpProtocol::Udp, &[0; 8]);
    assert_eq!(i.ingress(now, &mut fwd, &mut out, |_| false), Ingress::Dropped(DropReason::NotForUs));
    let mut bad = [0x60u8; 20];
    assert_eq!(i.ingress(now, &mut bad, &mut out, |_| false), Ingress::Dropped(DropReason::BadHeader));

    let s = i.stats();
    assert_eq!((s.rx_packets, s.delivered, s.forwarded, s.not_for_us, s.bad_header), (7, 1, 2, 3, 1));
}

#[test]
fn hop_limit_and_no_route_errors() {
    let mut i = iface(NetConfig::default());
    let mut out = [0u8; 1280];
    let now = Instant::ZERO;
    i.routes_mut().set_default(now, ip("fe80::1"), Duration::MAX, RouteSource::Rpl).unwrap();
    let mut p = packet(PEER, "2001:db8:5::1", 1, IpProtocol::Udp, &[1, 2, 3, 4, 0, 8, 0, 0]);
    let invoking = p.clone();
    let Ingress::Send { len } = i.ingress(now, &mut p, &mut out, |_| false) else { panic!() };
    let ip6 = ipv6::Packet::new_checked(&out[..len]).unwrap();
    assert_eq!((ip6.src_addr(), ip6.dst_addr(), ip6.hop_limit()), (ip(ME), ip(PEER), 64));
    let msg = icmpv6::Packet::new_checked(ip6.payload()).unwrap();
    assert!(msg.verify_checksum(&ip(ME), &ip(PEER)));
    assert_eq!(
        icmpv6::Repr::parse(&msg).unwrap(),
        icmpv6::Repr::TimeExceeded { reason: icmpv6::TimeExceeded::HopLimitExceeded, invoking: &invoking }
    );
    i.routes_mut().clear_default();
    let mut p = packet(PEER, "2001:db8:5::1", 5, IpProtocol::Udp, &[0; 8]);
    let Ingress::Send { len } = i.ingress(now, &mut p, &mut out, |_| false) else { panic!() };
    assert_eq!(&out[40..42], &[1, 0]); // Destination Unreachable, no route
    assert_eq!(len, 40 + 8 + 48);
    // No error about an ICMPv6 error.
    i.routes_mut().set_default(now, ip("fe80::1"), Duration::MAX, RouteSource::Rpl).unwrap();
    let mut e = packet(PEER, "2001:db8:5::1", 1, IpProtocol::Icmpv6, &[3, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(i.ingress(now, &mut e, &mut out, |_| false), Ingress::Dropped(DropReason::HopLimit));
    let s = i.stats();
    assert_eq!((s.hop_limit_exceeded, s.no_route, s.icmp_errors_sent), (2, 1, 2));
}

#[test]
fn error_rate_limit() {
    let cfg = NetConfig {
        rate_limit: RateLimit { burst: 2, interval: Duration::from_secs(1) },
        ..Default::default()
    };
    let mut i = iface(cfg);
    let mut out = [0u8; 1280];
    let mut sent = 0;
    for k in 0..5u64 {
        let mut p = packet(PEER, "2001:db8:5::1", 1, IpProtocol::Udp, &[0; 8]);
        if let Ingress::Send { .. } = i.ingress(Instant::from_millis(k * 100), &mut p, &mut out, |_| false) {
            sent += 1;
        }
    }
    assert_eq!(sent, 2);
    assert_eq!((i.stats().icmp_errors_sent, i.stats().icmp_errors_suppressed), (2, 3));
    let mut p = packet(PEER, "2001:db8:5::1", 1, IpProtocol::Udp, &[0; 8]);
    assert!(matches!(
        i.ingress(Instant::from_millis(1500), &mut p, &mut out, |_| false),
        Ingress::Send { .. }
    ));
}

fn fragment(orig: &[u8], id: u32, off: usize, len: usize) -> Vec<u8> {
    let data = &orig[40..];
    let mut f = orig[..40].to_vec();
    f[6] = 44;
    let mut h = [0u8; 8];
    FragmentRepr {
        next_header: IpProtocol::from(orig[6]),
        offset: (off / 8) as u16,
        more_fragments: off + len < data.len(),
        identification: id,
    }
    .emit(&mut h);
    f.extend_from_slice(&h);
    f.extend_from_slice(&data[off..off + len]);
    let pl = (f.len() - 40) as u16;
    f[4..6].copy_from_slice(&pl.to_be_bytes());
    f
}

#[test]
fn reassembly_end_to_end() {
    let mut i = iface(NetConfig::default());
    let mut out = [0u8; 1280];
    let payload: Vec<u8> = (0..600).map(|k| k as u8).collect();
    let orig = packet(PEER, ME, 64, IpProtocol::Udp, &payload);
    let (a, b) = (fragment(&orig, 42, 0, 400), fragment(&orig, 42, 400, 200));
    let now = Instant::from_secs(1);
    assert_eq!(i.ingress(now, &mut b.clone(), &mut out, |_| false), Ingress::Held);
    assert_eq!(i.poll_at(), Some(Instant::from_secs(61)));
    assert_eq!(i.ingress(now, &mut a.clone(), &mut out, |_| false), Ingress::Deliver(&orig[..]));
    // A fragmented echo request is reassembled and answered.
    let data: Vec<u8> = (0..700).map(|k| (k * 3) as u8).collect();
    let req = echo_request(PEER, ME, &data);
    let (a, b) = (fragment(&req, 43, 0, 504), fragment(&req, 43, 504, req.len() - 40 - 504));
    assert_eq!(i.ingress(now, &mut a.clone(), &mut out, |_| false), Ingress::Held);
    let Ingress::Send { len } = i.ingress(now, &mut b.clone(), &mut out, |_| false) else { panic!() };
    assert_eq!(len, 40 + 8 + 700);
    // A lone fragment times out on poll.
    assert_eq!(i.ingress(now, &mut fragment(&orig, 44, 0, 400), &mut out, |_| false), Ingress::Held);
    i.poll(Instant::from_secs(61));
    assert_eq!(i.reassembler().in_progress(), 0);
    let s = i.stats();
    assert_eq!((s.reassembled, s.reassembly_drops, s.echo_replies), (2, 1, 1));
}

#[test]
fn lifetimes_expire_on_poll() {
    let mut i = iface(NetConfig::default());
    let now = Instant::ZERO;
    let a = i
        .addrs_mut()
        .add_prefix(now, ip("fd00::"), Duration::from_secs(30), Duration::from_secs(30))
        .unwrap();
    i.routes_mut()
        .add(now, ip("fd00:1::"), 64, ip("fe80::2"), Duration::from_secs(20), RouteSource::Nd)
        .unwrap();
    assert_eq!(i.poll_at(), Some(Instant::from_secs(20)));
    i.poll(Instant::from_secs(20));
    assert_eq!(i.routes().len(), 0);
    assert_eq!(i.poll_at(), Some(Instant::from_secs(30)));
    i.poll(Instant::from_secs(30));
    assert!(!i.addrs().is_ours(&a));
    assert_eq!(i.poll_at(), None);
}

proptest::proptest! {
    /// Hostile input never panics: random bytes behind a valid-looking
    /// fixed header, random fragment headers included.
    #[test]
    fn ingress_never_panics(nh in proptest::prelude::any::<u8>(), hl in 0u8..3, body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), cut in 0usize..400) {
        let mut i = iface(NetConfig::default());
        i.routes_mut().set_default(Instant::ZERO, ip("fe80::1"), Duration::MAX, RouteSource::Rpl).unwrap();
        let mut out = [0u8; 1280];
        for dst in [ME, "2001:db8:5::1", "ff02::1"] {
            let mut p = packet(PEER, dst, hl, IpProtocol::from(nh), &body);
            let n = cut.min(p.len());
            let _ = i.ingress(Instant::ZERO, &mut p[..n], &mut out, |_| false);
            let mut p = packet(PEER, dst, hl, IpProtocol::Ipv6Frag, &body);
            let _ = i.ingress(Instant::ZERO, &mut p, &mut out, |_| false);
        }
    }
}
