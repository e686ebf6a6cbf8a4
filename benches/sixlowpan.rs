//! sixlo against smoltcp 0.14 on the same 6LoWPAN frames, side by side.
//!
//! Run: `cargo bench --bench sixlowpan -- --warm-up-time 1 --measurement-time 3`
//!
//! Groups (each `Throughput::Elements(1)`: one frame, or one datagram for
//! reassembly):
//! - `decode`: 802.15.4-2006 data frame (PAN ID compression, extended
//!   source and destination) + IPHC + NHC UDP + 50-byte payload into the
//!   IPv6 packet bytes, UDP checksum verified. Both produce the same bytes
//!   (asserted before timing).
//! - `encode`: the same IPv6 packet (bytes, UDP checksum already valid)
//!   into an 802.15.4 frame. smoltcp parses it as its stack does
//!   (`Ipv6Packet::new_checked`, `Ipv6Repr::parse`, `UdpPacket::new_checked`,
//!   `UdpRepr::parse` with the default checksum capabilities, so the
//!   checksum is verified), then emits the MAC header, IPHC and NHC UDP
//!   (`SixlowpanUdpNhcRepr::emit` recomputes the checksum: that is how
//!   smoltcp encodes). sixlo emits the MAC header (`FrameRepr::emit`) and
//!   compresses the bytes (`lowpan::compress`), carrying the checksum over
//!   from the packet. Both produce the same frame (asserted).
//! - `send_path`: the node's send path from ports/addresses/payload to
//!   frame bytes. smoltcp emits straight from its Reprs and computes the UDP
//!   checksum inside `SixlowpanUdpNhcRepr::emit`; sixlo builds the IPv6 +
//!   UDP datagram (`udp::Repr::emit` computes the checksum) and compresses
//!   it. Both produce the same frame (asserted).
//! - `reassembly`: smoltcp's three-fragment 307-byte UDP datagram
//!   (`wire::sixlowpan::tests::sixlowpan_three_fragments`). smoltcp's
//!   reassembler (`iface::fragmentation::PacketAssembler`) is in a private
//!   module (`mod fragmentation;` in `iface/mod.rs`, methods `pub(crate)`),
//!   so the only public way to reassemble is `Interface::poll` with a
//!   `Device` feeding the three frames and a bound UDP socket: that path
//!   also runs the IPv6/UDP input processing and socket enqueue/dequeue.
//!   sixlo gets the matching receive path (`sixlo_rx_path`: frame parse,
//!   fragment header, FRAG1 header decompression, `Reassembler::accept`,
//!   UDP checksum, copy out of the payload) and the reassembler alone
//!   (`sixlo_reassembler_only`, on predecoded fragments).

use core::net::Ipv6Addr;
use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};

use sixlo::lowpan::ContextTable;
use sixlo::lowpan::frag::{ReassemblyBuffers, ReassemblyKey};
use sixlo::time::Instant as SxInstant;
use sixlo::wire::ieee802154::{Address, Frame, FrameRepr, FrameType, FrameVersion};
use sixlo::wire::sixlowpan::frag as sxfrag;
use sixlo::wire::{ipv6 as sxipv6, udp as sxudp};

use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    Ieee802154Address, Ieee802154Frame, Ieee802154FrameType, Ieee802154FrameVersion, Ieee802154Pan,
    Ieee802154Repr, IpProtocol, Ipv6Packet, Ipv6Repr, SixlowpanIphcPacket, SixlowpanIphcRepr,
    SixlowpanNextHeader, SixlowpanUdpNhcPacket, SixlowpanUdpNhcRepr, UdpPacket, UdpRepr,
};

// ---------------------------------------------------------------------------
// The scenario: one node sends a 50-byte UDP datagram to its neighbour.

const SRC_LL: [u8; 8] = [0x00, 0x12, 0x4b, 0x00, 0x06, 0x0d, 0x9a, 0x21];
const DST_LL: [u8; 8] = [0x00, 0x12, 0x4b, 0x00, 0x06, 0x0d, 0x9b, 0x77];
const PAN: u16 = 0xabcd;
const SEQ: u8 = 0x42;
// 16-bit ports (no 0xF0xx): smoltcp mis-encodes 4-bit ports and misreads
// 8-bit destination ports, so the comparison stays off those encodings.
const SRC_PORT: u16 = 5683;
const DST_PORT: u16 = 5684;
const HOP_LIMIT: u8 = 64;

fn ll_ip(ll: [u8; 8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a[0] = 0xfe;
    a[1] = 0x80;
    a[8..].copy_from_slice(&ll);
    a[8] ^= 0x02;
    Ipv6Addr::from(a)
}

fn payload() -> [u8; 50] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(7).wrapping_add(3))
}

fn sx_frame_repr(payload: &[u8]) -> FrameRepr<'_> {
    FrameRepr {
        frame_type: FrameType::Data,
        frame_version: FrameVersion::V2006,
        security_enabled: false,
        frame_pending: false,
        ack_request: false,
        pan_id_compression: true,
        sequence_number: Some(SEQ),
        dst_pan_id: Some(PAN),
        dst_addr: Address::Extended(DST_LL),
        src_pan_id: None,
        src_addr: Address::Extended(SRC_LL),
        aux_security: None,
        header_ies: &[],
        payload,
    }
}

fn sm_frame_repr() -> Ieee802154Repr {
    Ieee802154Repr {
        frame_type: Ieee802154FrameType::Data,
        security_enabled: false,
        frame_pending: false,
        ack_request: false,
        sequence_number: Some(SEQ),
        pan_id_compression: true,
        frame_version: Ieee802154FrameVersion::Ieee802154_2006,
        dst_pan_id: Some(Ieee802154Pan(PAN)),
        dst_addr: Some(Ieee802154Address::Extended(DST_LL)),
        src_pan_id: None,
        src_addr: Some(Ieee802154Address::Extended(SRC_LL)),
    }
}

// ---------------------------------------------------------------------------
// Encode paths.

/// sixlo send path: build the IPv6 + UDP datagram (checksum computed), then
/// the MAC header and the compressed headers + payload. Returns the frame
/// length.
#[inline(never)]
fn sx_send(ctx: &ContextTable, data: &[u8], pkt: &mut [u8], out: &mut [u8]) -> usize {
    let (src, dst) = (ll_ip(SRC_LL), ll_ip(DST_LL));
    let udp = sxudp::Repr { src_port: SRC_PORT, dst_port: DST_PORT, payload: data };
    let ulen = udp.buffer_len();
    let ip = sxipv6::Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: sxipv6::IpProtocol::Udp,
        payload_len: ulen as u16,
        hop_limit: HOP_LIMIT,
        traffic_class: 0,
        flow_label: 0,
    };
    ip.emit(&mut sxipv6::Packet::new_unchecked(&mut pkt[..40]));
    udp.emit(&mut sxudp::Packet::new_unchecked(&mut pkt[40..40 + ulen]), &src, &dst);
    sx_encode(ctx, &pkt[..40 + ulen], out)
}

/// sixlo encode: MAC header + compression of a ready datagram (checksum
/// carried over).
#[inline(never)]
fn sx_encode(ctx: &ContextTable, pkt: &[u8], out: &mut [u8]) -> usize {
    let fr = sx_frame_repr(&[]);
    let hl = fr.header_len();
    fr.emit(&mut Frame::new_unchecked(&mut out[..hl]));
    let (s, d) = (fr.src_addr, fr.dst_addr);
    hl + sixlo::lowpan::compress(pkt, &s, &d, ctx, &mut out[hl..]).unwrap()
}

/// smoltcp send path: 802.15.4 header, IPHC, NHC UDP (checksum computed) +
/// payload, from Reprs.
#[inline(never)]
fn sm_send(data: &[u8], out: &mut [u8]) -> usize {
    sm_emit(ll_ip(SRC_LL), ll_ip(DST_LL), HOP_LIMIT, SRC_PORT, DST_PORT, data, out)
}

/// smoltcp encode: parse the IPv6 packet (UDP checksum verified, smoltcp's
/// default), then emit the frame.
#[inline(never)]
fn sm_encode(pkt: &[u8], out: &mut [u8]) -> usize {
    let ip = Ipv6Packet::new_checked(pkt).unwrap();
    let ir = Ipv6Repr::parse(&ip).unwrap();
    assert_eq!(ir.next_header, IpProtocol::Udp);
    let udp = UdpPacket::new_checked(ip.payload()).unwrap();
    let ur = UdpRepr::parse(&udp, &ir.src_addr.into(), &ir.dst_addr.into(), &ChecksumCapabilities::default())
        .unwrap();
    sm_emit(ir.src_addr, ir.dst_addr, ir.hop_limit, ur.src_port, ur.dst_port, udp.payload(), out)
}

/// smoltcp: 802.15.4 header, IPHC, NHC UDP (checksum computed) + payload.
#[inline(always)]
fn sm_emit(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    src_port: u16,
    dst_port: u16,
    data: &[u8],
    out: &mut [u8],
) -> usize {
    let fr = sm_frame_repr();
    let iphc = SixlowpanIphcRepr {
        src_addr: src,
        ll_src_addr: fr.src_addr,
        dst_addr: dst,
        ll_dst_addr: fr.dst_addr,
        next_header: SixlowpanNextHeader::Compressed,
        hop_limit,
        ecn: None,
        dscp: None,
        flow_label: None,
    };
    let udp = SixlowpanUdpNhcRepr(UdpRepr { src_port, dst_port });
    let hl = fr.buffer_len();
    fr.emit(&mut Ieee802154Frame::new_unchecked(&mut out[..hl]));
    let il = iphc.buffer_len();
    iphc.emit(&mut SixlowpanIphcPacket::new_unchecked(&mut out[hl..hl + il]));
    let ul = udp.header_len();
    let end = hl + il + ul + data.len();
    udp.emit(
        &mut SixlowpanUdpNhcPacket::new_unchecked(&mut out[hl + il..end]),
        &src,
        &dst,
        data.len(),
        |b| b[..data.len()].copy_from_slice(data),
        &ChecksumCapabilities::default(),
    );
    end
}

// ---------------------------------------------------------------------------
// Decode paths: frame bytes to IPv6 packet bytes, checksum verified.

#[inline(never)]
fn sx_decode(ctx: &ContextTable, frame: &[u8], out: &mut [u8]) -> usize {
    let f = FrameRepr::from_bytes(frame).unwrap();
    let n = sixlo::lowpan::decompress(f.payload, &f.src_addr, &f.dst_addr, ctx, out).unwrap();
    let ip = sxipv6::Packet::new_unchecked(&out[..n]);
    let (s, d) = (ip.src_addr(), ip.dst_addr());
    assert!(sxudp::Packet::new_unchecked(&out[40..n]).verify_checksum(&s, &d));
    n
}

#[inline(never)]
fn sm_decode(frame: &[u8], out: &mut [u8]) -> usize {
    let f = Ieee802154Frame::new_checked(frame).unwrap();
    let fr = Ieee802154Repr::parse(&f).unwrap();
    let iphc = SixlowpanIphcPacket::new_checked(f.payload().unwrap()).unwrap();
    let ir = SixlowpanIphcRepr::parse(&iphc, fr.src_addr, fr.dst_addr, &[]).unwrap();
    let nhc = SixlowpanUdpNhcPacket::new_checked(iphc.payload()).unwrap();
    let ur = SixlowpanUdpNhcRepr::parse(&nhc, &ir.src_addr, &ir.dst_addr, &ChecksumCapabilities::default())
        .unwrap();
    let data = nhc.payload();
    let ulen = 8 + data.len();
    let ip = Ipv6Repr {
        src_addr: ir.src_addr,
        dst_addr: ir.dst_addr,
        next_header: IpProtocol::Udp,
        payload_len: ulen,
        hop_limit: ir.hop_limit,
    };
    ip.emit(&mut Ipv6Packet::new_unchecked(&mut out[..40]));
    let mut u = UdpPacket::new_unchecked(&mut out[40..40 + ulen]);
    u.set_src_port(ur.src_port);
    u.set_dst_port(ur.dst_port);
    u.set_len(ulen as u16);
    u.set_checksum(nhc.checksum().unwrap());
    u.payload_mut().copy_from_slice(data);
    40 + ulen
}

fn bench_codec(c: &mut Criterion) {
    let ctx = ContextTable::new();
    let data = payload();
    let mut pkt = [0u8; 256];
    let mut frame = [0u8; 127];
    let mut frame2 = [0u8; 127];
    let fl = sx_send(&ctx, &data, &mut pkt, &mut frame);
    let fl2 = sm_send(&data, &mut frame2);
    assert_eq!(&frame[..fl], &frame2[..fl2], "sixlo and smoltcp frames differ (send path)");
    let frame = &frame[..fl];
    // The IPv6 packet the encode group starts from.
    let plen = 40 + 8 + data.len();
    let packet = pkt;
    let packet = &packet[..plen];
    let mut f1 = [0u8; 127];
    let mut f2 = [0u8; 127];
    let l1 = sx_encode(&ctx, packet, &mut f1);
    let l2 = sm_encode(packet, &mut f2);
    assert_eq!(&f1[..l1], frame, "sixlo encode differs from the send path");
    assert_eq!(&f2[..l2], frame, "smoltcp encode differs from the send path");

    let mut out1 = [0u8; 256];
    let mut out2 = [0u8; 256];
    let n1 = sx_decode(&ctx, frame, &mut out1);
    let n2 = sm_decode(frame, &mut out2);
    assert_eq!(&out1[..n1], &out2[..n2], "sixlo and smoltcp IPv6 packets differ");
    assert_eq!(&out1[..n1], packet);

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("sixlo", fl), |b| {
        b.iter(|| sx_decode(&ctx, black_box(frame), black_box(&mut out1)))
    });
    g.bench_function(BenchmarkId::new("smoltcp", fl), |b| {
        b.iter(|| sm_decode(black_box(frame), black_box(&mut out2)))
    });
    g.finish();

    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("sixlo", fl), |b| {
        b.iter(|| sx_encode(&ctx, black_box(packet), black_box(&mut f1)))
    });
    g.bench_function(BenchmarkId::new("smoltcp", fl), |b| {
        b.iter(|| sm_encode(black_box(packet), black_box(&mut f2)))
    });
    g.finish();

    let mut g = c.benchmark_group("send_path");
    g.throughput(Throughput::Elements(1));
    let mut scratch = [0u8; 256];
    g.bench_function(BenchmarkId::new("sixlo", fl), |b| {
        b.iter(|| sx_send(&ctx, black_box(&data), black_box(&mut scratch), black_box(&mut f1)))
    });
    g.bench_function(BenchmarkId::new("smoltcp", fl), |b| {
        b.iter(|| sm_send(black_box(&data), black_box(&mut f2)))
    });
    g.finish();
}

// ---------------------------------------------------------------------------
// Reassembly: smoltcp's `sixlowpan_three_fragments` frames (2003, PAN ID
// compression, extended addresses, FRAG1 + 2 FRAGN, 307-byte datagram).

const FRAME1: &[u8] = &[
    0x41, 0xcc, 0x92, 0xef, 0xbe, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x0b, 0x1a, 0xd9, 0x3e, 0x08, 0x28,
    0x2f, 0x82, 0x93, 0x32, 0xc1, 0x33, 0x00, 0x3f, 0x6e, 0x33, 0x02, 0x35, 0x3d, 0xf0, 0xd2, 0x5f, 0x1b,
    0x39, 0xb4, 0x6b, 0x4c, 0x6f, 0x72, 0x65, 0x6d, 0x20, 0x69, 0x70, 0x73, 0x75, 0x6d, 0x20, 0x64, 0x6f,
    0x6c, 0x6f, 0x72, 0x20, 0x73, 0x69, 0x74, 0x20, 0x61, 0x6d, 0x65, 0x74, 0x2c, 0x20, 0x63, 0x6f, 0x6e,
    0x73, 0x65, 0x63, 0x74, 0x65, 0x74, 0x75, 0x72, 0x20, 0x61, 0x64, 0x69, 0x70, 0x69, 0x73, 0x63, 0x69,
    0x6e, 0x67, 0x20, 0x65, 0x6c, 0x69, 0x74, 0x2e, 0x20, 0x41, 0x6c, 0x69, 0x71, 0x75, 0x61, 0x6d, 0x20,
    0x64, 0x75, 0x69, 0x20, 0x6f, 0x64, 0x69, 0x6f, 0x2c, 0x20, 0x69, 0x61, 0x63, 0x75, 0x6c, 0x69, 0x73,
    0x20, 0x76, 0x65, 0x6c, 0x20, 0x72,
];
const FRAME2: &[u8] = &[
    0x41, 0xcc, 0x93, 0xef, 0xbe, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x0b, 0x1a, 0xd9, 0x3e, 0x08, 0x28,
    0x2f, 0x82, 0x93, 0x32, 0xe1, 0x33, 0x00, 0x3f, 0x11, 0x75, 0x74, 0x72, 0x75, 0x6d, 0x20, 0x61, 0x74,
    0x2c, 0x20, 0x74, 0x72, 0x69, 0x73, 0x74, 0x69, 0x71, 0x75, 0x65, 0x20, 0x6e, 0x6f, 0x6e, 0x20, 0x6e,
    0x75, 0x6e, 0x63, 0x20, 0x65, 0x72, 0x61, 0x74, 0x20, 0x63, 0x75, 0x72, 0x61, 0x65, 0x2e, 0x20, 0x4c,
    0x6f, 0x72, 0x65, 0x6d, 0x20, 0x69, 0x70, 0x73, 0x75, 0x6d, 0x20, 0x64, 0x6f, 0x6c, 0x6f, 0x72, 0x20,
    0x73, 0x69, 0x74, 0x20, 0x61, 0x6d, 0x65, 0x74, 0x2c, 0x20, 0x63, 0x6f, 0x6e, 0x73, 0x65, 0x63, 0x74,
    0x65, 0x74, 0x75, 0x72, 0x20, 0x61, 0x64, 0x69, 0x70, 0x69, 0x73, 0x63, 0x69, 0x6e, 0x67, 0x20, 0x65,
    0x6c, 0x69, 0x74,
];
const FRAME3: &[u8] = &[
    0x41, 0xcc, 0x94, 0xef, 0xbe, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x0b, 0x1a, 0xd9, 0x3e, 0x08, 0x28,
    0x2f, 0x82, 0x93, 0x32, 0xe1, 0x33, 0x00, 0x3f, 0x1d, 0x2e, 0x20, 0x41, 0x6c, 0x69, 0x71, 0x75, 0x61,
    0x6d, 0x20, 0x64, 0x75, 0x69, 0x20, 0x6f, 0x64, 0x69, 0x6f, 0x2c, 0x20, 0x69, 0x61, 0x63, 0x75, 0x6c,
    0x69, 0x73, 0x20, 0x76, 0x65, 0x6c, 0x20, 0x72, 0x75, 0x74, 0x72, 0x75, 0x6d, 0x20, 0x61, 0x74, 0x2c,
    0x20, 0x74, 0x72, 0x69, 0x73, 0x74, 0x69, 0x71, 0x75, 0x65, 0x20, 0x6e, 0x6f, 0x6e, 0x20, 0x6e, 0x75,
    0x6e, 0x63, 0x20, 0x65, 0x72, 0x61, 0x74, 0x20, 0x63, 0x75, 0x72, 0x61, 0x65, 0x2e, 0x20, 0x0a,
];
const FRAMES: [&[u8]; 3] = [FRAME1, FRAME2, FRAME3];
const DATAGRAM_SIZE: usize = 307;
const REASM_DST_PORT: u16 = 6969;

type SxReasm = ReassemblyBuffers<1, 1280>;

/// sixlo receive path for one frame; returns the UDP payload length when
/// the datagram completes (payload copied into `app`, as a socket would).
#[inline(never)]
fn sx_rx(
    r: &mut SxReasm,
    ctx: &ContextTable,
    now: SxInstant,
    frame: &[u8],
    scratch: &mut [u8],
    app: &mut [u8],
) -> Option<usize> {
    let f = FrameRepr::from_bytes(frame).ok()?;
    let fp = sxfrag::Packet::new_checked(f.payload).ok()?;
    let key =
        ReassemblyKey { src: f.src_addr, dst: f.dst_addr, size: fp.datagram_size(), tag: fp.datagram_tag() };
    let done = if fp.is_first() {
        let p = fp.payload();
        let d = sixlo::lowpan::decompress_headers(
            p,
            &f.src_addr,
            &f.dst_addr,
            ctx,
            Some(usize::from(key.size)),
            scratch,
        )
        .ok()?;
        let rest = &p[d.consumed..];
        let end = d.header_len + rest.len();
        scratch[d.header_len..end].copy_from_slice(rest);
        r.accept(now, key, 0, &scratch[..end]).ok()?
    } else {
        r.accept(now, key, usize::from(fp.datagram_offset()) * 8, fp.payload()).ok()?
    }?;
    let ip = sxipv6::Packet::new_checked(&*done).ok()?;
    let (s, d) = (ip.src_addr(), ip.dst_addr());
    let u = sxudp::Packet::new_checked(ip.payload()).ok()?;
    if !u.verify_checksum(&s, &d) {
        return None;
    }
    let data = u.payload();
    app[..data.len()].copy_from_slice(data);
    Some(data.len())
}

/// smoltcp's public reassembly path: `Interface::poll` on a device that
/// yields the three frames.
mod sm_iface {
    use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
    use smoltcp::time::Instant;

    pub struct Frames<'a> {
        pub frames: &'a [&'a [u8]],
        pub next: usize,
        pub tx: [u8; 127],
    }
    pub struct Rx<'a>(&'a [u8]);
    pub struct Tx<'a>(&'a mut [u8]);

    impl RxToken for Rx<'_> {
        fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
            f(self.0)
        }
    }
    impl TxToken for Tx<'_> {
        fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
            f(&mut self.0[..len])
        }
    }
    impl Device for Frames<'_> {
        type RxToken<'a>
            = Rx<'a>
        where
            Self: 'a;
        type TxToken<'a>
            = Tx<'a>
        where
            Self: 'a;
        fn receive(&mut self, _: Instant) -> Option<(Rx<'_>, Tx<'_>)> {
            let f = *self.frames.get(self.next)?;
            self.next += 1;
            Some((Rx(f), Tx(&mut self.tx)))
        }
        fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
            None
        }
        fn capabilities(&self) -> DeviceCapabilities {
            let mut c = DeviceCapabilities::default();
            c.medium = Medium::Ieee802154;
            c.max_transmission_unit = 125;
            c
        }
    }
}

fn bench_reassembly(c: &mut Criterion) {
    use smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
    use smoltcp::socket::udp;
    use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};

    let ctx = ContextTable::new();
    let mut scratch = [0u8; 256];
    let mut app = [0u8; 1280];

    // sixlo: check the path once.
    let mut r = SxReasm::new_owned();
    let mut got = None;
    for (i, f) in FRAMES.iter().enumerate() {
        let n = sx_rx(&mut r, &ctx, SxInstant::from_millis(i as u64), f, &mut scratch, &mut app);
        assert_eq!(n.is_some(), i == 2);
        got = got.or(n);
    }
    assert_eq!(got, Some(DATAGRAM_SIZE - 48));
    let expected = app[..DATAGRAM_SIZE - 48].to_vec();

    // Predecoded fragments for the reassembler alone.
    let mut pre: Vec<(ReassemblyKey, usize, Vec<u8>)> = Vec::new();
    for f in FRAMES {
        let fr = FrameRepr::from_bytes(f).unwrap();
        let fp = sxfrag::Packet::new_checked(fr.payload).unwrap();
        let key = ReassemblyKey {
            src: fr.src_addr,
            dst: fr.dst_addr,
            size: fp.datagram_size(),
            tag: fp.datagram_tag(),
        };
        if fp.is_first() {
            let d = sixlo::lowpan::decompress_headers(
                fp.payload(),
                &fr.src_addr,
                &fr.dst_addr,
                &ctx,
                Some(DATAGRAM_SIZE),
                &mut scratch,
            )
            .unwrap();
            let mut v = scratch[..d.header_len].to_vec();
            v.extend_from_slice(&fp.payload()[d.consumed..]);
            pre.push((key, 0, v));
        } else {
            pre.push((key, usize::from(fp.datagram_offset()) * 8, fp.payload().to_vec()));
        }
    }

    // smoltcp: an interface with the destination's addresses and a UDP
    // socket bound to the destination port.
    let mut dev = sm_iface::Frames { frames: &FRAMES, next: 0, tx: [0; 127] };
    let hw = Ieee802154Address::Extended([0x1a, 0x0b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42]);
    let mut cfg = Config::new(HardwareAddress::Ieee802154(hw));
    cfg.pan_id = Some(Ieee802154Pan(0xbeef));
    let mut iface = Interface::new(cfg, &mut dev, smoltcp::time::Instant::from_millis(0));
    iface.update_ip_addrs(|ips| {
        ips.push(IpCidr::new(IpAddress::Ipv6(ll_ip([0x1a, 0x0b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42])), 64))
            .unwrap();
    });
    let mut rx_meta = [udp::PacketMetadata::EMPTY; 2];
    let mut rx_data = [0u8; 1024];
    let mut tx_meta = [udp::PacketMetadata::EMPTY; 1];
    let mut tx_data = [0u8; 16];
    let mut sock = udp::Socket::new(
        udp::PacketBuffer::new(&mut rx_meta[..], &mut rx_data[..]),
        udp::PacketBuffer::new(&mut tx_meta[..], &mut tx_data[..]),
    );
    sock.bind(REASM_DST_PORT).unwrap();
    let mut storage = [SocketStorage::EMPTY; 1];
    let mut sockets = SocketSet::new(&mut storage[..]);
    let h = sockets.add(sock);
    let mut t = 0i64;
    let mut sm_round =
        |dev: &mut sm_iface::Frames, iface: &mut Interface, sockets: &mut SocketSet, app: &mut [u8]| {
            t += 1;
            dev.next = 0;
            iface.poll(smoltcp::time::Instant::from_millis(t), dev, sockets);
            let s = sockets.get_mut::<udp::Socket>(h);
            let (d, _) = s.recv().ok()?;
            app[..d.len()].copy_from_slice(d);
            Some(d.len())
        };
    let mut app2 = [0u8; 1280];
    assert_eq!(sm_round(&mut dev, &mut iface, &mut sockets, &mut app2), Some(DATAGRAM_SIZE - 48));
    assert_eq!(&app2[..DATAGRAM_SIZE - 48], &expected[..]);

    let mut g = c.benchmark_group("reassembly");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sixlo_rx_path", |b| {
        let mut now = 0u64;
        b.iter(|| {
            let mut n = None;
            for f in FRAMES {
                now += 1;
                n = sx_rx(&mut r, &ctx, SxInstant::from_millis(now), black_box(f), &mut scratch, &mut app);
            }
            assert!(n.is_some());
            n
        })
    });
    g.bench_function("sixlo_reassembler_only", |b| {
        let mut now = 0u64;
        b.iter(|| {
            let mut len = 0;
            for (k, off, d) in &pre {
                now += 1;
                if let Some(dg) = r.accept(SxInstant::from_millis(now), *k, *off, black_box(d)).unwrap() {
                    len = dg.len();
                }
            }
            assert_eq!(len, DATAGRAM_SIZE);
            len
        })
    });
    g.bench_function("smoltcp_iface_poll", |b| {
        b.iter(|| {
            let n = sm_round(&mut dev, &mut iface, &mut sockets, &mut app2);
            assert!(n.is_some());
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench_codec, bench_reassembly);
criterion_main!(benches);
