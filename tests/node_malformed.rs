//! Malformed frames injected into a router's radio between real datagrams:
//! each is counted exactly once, in the right counter, and the real traffic
//! all arrives.

mod node;

use node::{HOST_A, Medium, PAN, ROUTER, data_frame, global, network, udp_socket};
use sixlo::node::AllStats;
use sixlo::socket::SocketHandle;
use sixlo::time::Duration;

const FAKE: [u8; 8] = [0x02, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x01];

/// The counters a bad frame may move, as a tuple.
fn counters(s: &AllStats) -> [u32; 6] {
    [
        s.mac.rx_bad,
        s.node.rx_lowpan_errors,
        s.lowpan.header_errors,
        s.lowpan.decompress_errors,
        s.lowpan.unsupported,
        s.reassembly.invalid,
    ]
}

struct Fixture {
    m: Medium,
    server: SocketHandle,
    client: SocketHandle,
    sent: usize,
}

impl Fixture {
    fn new() -> Self {
        let mut m = network(&[HOST_A]);
        m.register_all(&[HOST_A]);
        let server = m.nodes[0].add_socket(udp_socket(5683, 4096, 64)).unwrap();
        let client = m.nodes[1].add_socket(udp_socket(49152, 64, 4096)).unwrap();
        m.settle(Duration::from_millis(50));
        Fixture { m, server, client, sent: 0 }
    }

    /// A real datagram host -> router; asserts it arrives intact.
    fn real_datagram(&mut self) {
        let data: Vec<u8> = (0..30).map(|i| (i + self.sent) as u8).collect();
        self.sent += 1;
        let m = &mut self.m;
        m.nodes[1].socket(self.client).unwrap().send_to(&data, (global(ROUTER), 5683)).unwrap();
        let mut buf = [0u8; 64];
        let mut got = None;
        let server = self.server;
        m.run_until_true(m.now + Duration::from_secs(2), |m| {
            if let Ok((n, _)) = m.nodes[0].socket(server).unwrap().recv_from(&mut buf) {
                got = Some(buf[..n].to_vec());
            }
            got.is_some()
        });
        assert_eq!(got, Some(data), "real datagram {} lost", self.sent);
        m.settle(Duration::from_millis(20));
    }

    /// Injects `frame` into the router's radio, lets it poll; the counter deltas.
    fn inject(&mut self, frame: &[u8]) -> [u32; 6] {
        let before = counters(&self.m.nodes[0].stats());
        let frames0 = self.m.nodes[0].stats().node.rx_frames;
        assert!(self.m.inject(0, frame));
        self.m.step(Duration::from_micros(1));
        let after = counters(&self.m.nodes[0].stats());
        assert_eq!(self.m.nodes[0].stats().node.rx_frames, frames0 + 1, "frame not read");
        std::array::from_fn(|i| after[i] - before[i])
    }
}

#[test]
fn malformed_frames_are_counted_and_real_traffic_flows() {
    let mut f = Fixture::new();
    let lp = |seq: u8, payload: &[u8]| data_frame(PAN, seq, ROUTER, FAKE, payload);
    // [mac rx_bad, node rx_lowpan_errors, header, decompress, unsupported, reassembly invalid]
    let cases: Vec<(&str, Vec<u8>, [u32; 6])> = vec![
        ("empty frame", vec![], [1, 0, 0, 0, 0, 0]),
        ("frame control only", vec![0x41], [1, 0, 0, 0, 0, 0]),
        ("addresses cut short", vec![0x41, 0xcc, 0x05, 0xcd, 0xab, 0x01], [1, 0, 0, 0, 0, 0]),
        ("random bytes", vec![0x4f, 0xff, 0x13, 0x37], [1, 0, 0, 0, 0, 0]),
        ("IPHC, one byte", lp(1, &[0x7a]), [0, 1, 1, 0, 0, 0]),
        ("IPHC, inline fields missing", lp(2, &[0x78, 0x00, 0x3a]), [0, 1, 1, 0, 0, 0]),
        // RFC 6282 §3.1.1: SAC/DAC with context 5, which nobody announced.
        ("IPHC, unknown context", lp(6, &[0x7b, 0xf7, 0x55, 0x3a, 0x80, 0, 0, 0]), [0, 1, 0, 1, 0, 0]),
        ("FRAG1 cut short", lp(3, &[0xc0, 0x50]), [0, 1, 1, 0, 0, 0]),
        (
            "FRAGN past the datagram size",
            lp(4, &[0xe0, 0x50, 0x12, 0x34, 0xff, 1, 2, 3, 4, 5, 6, 7, 8]),
            [0, 1, 0, 0, 0, 1],
        ),
        ("NALP dispatch", lp(5, &[0x00, 1, 2, 3]), [0, 1, 0, 0, 1, 0]),
    ];
    f.real_datagram();
    let mut total = [0u32; 6];
    let start = counters(&f.m.nodes[0].stats());
    for (name, frame, want) in &cases {
        let got = f.inject(frame);
        assert_eq!(&got, want, "{name}: {frame:02x?}");
        for i in 0..6 {
            total[i] += want[i];
        }
        f.real_datagram();
    }
    let end = counters(&f.m.nodes[0].stats());
    let delta: [u32; 6] = std::array::from_fn(|i| end[i] - start[i]);
    assert_eq!(delta, total);
    assert_eq!(f.m.nodes[0].stats().node.rx_udp_bad, 0);
}

/// Contiki-NG's regression inputs (raw 6LoWPAN payloads) as frames from an
/// unknown neighbour; payloads longer than a frame holds are cut to 100 bytes.
#[test]
fn contiki_ng_malformed_inputs_do_not_disturb_traffic() {
    let Ok(dir) = std::env::var("SIXLO_INTEROP_DIR") else {
        eprintln!("SIXLO_INTEROP_DIR unset: skipped");
        return;
    };
    let dir = std::path::Path::new(&dir).join("captures/contiki-ng-malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 72);
    let mut f = Fixture::new();
    f.real_datagram();
    let s0 = f.m.nodes[0].stats();
    let mut injected = 0u32;
    for (i, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        let payload = &bytes[..bytes.len().min(100)];
        if payload.is_empty() {
            continue;
        }
        let frame = data_frame(PAN, i as u8, ROUTER, FAKE, payload);
        let before = f.m.nodes[0].stats();
        assert!(f.m.inject(0, &frame));
        f.m.step(Duration::from_micros(1));
        let after = f.m.nodes[0].stats();
        injected += 1;
        // Each frame is read once and ends up in exactly one place: a
        // 6LoWPAN error, a stored fragment, or a packet for IPv6.
        assert_eq!(after.node.rx_frames, before.node.rx_frames + 1, "{path:?}");
        let outcome = (after.node.rx_lowpan_errors - before.node.rx_lowpan_errors)
            + (after.lowpan.fragments - before.lowpan.fragments)
            + (after.node.rx_packets - before.node.rx_packets)
            + (after.reassembly.duplicates - before.reassembly.duplicates);
        assert!(outcome <= 1, "{path:?} counted {outcome} times");
        if i % 4 == 3 {
            f.real_datagram();
        }
    }
    f.real_datagram();
    let s1 = f.m.nodes[0].stats();
    assert_eq!(s1.mac.rx_bad, s0.mac.rx_bad, "frames with a valid MAC header counted as bad");
    let errors = s1.node.rx_lowpan_errors - s0.node.rx_lowpan_errors;
    assert!(errors > 0);
    // The lowpan receiver's own counters account for every error but the
    // reassembler's (which keeps its own).
    let lp = (s1.lowpan.header_errors - s0.lowpan.header_errors)
        + (s1.lowpan.decompress_errors - s0.lowpan.decompress_errors)
        + (s1.lowpan.unsupported - s0.lowpan.unsupported);
    assert!(lp <= errors && lp > 0, "{lp} {errors}");
    eprintln!("{injected} injected, {errors} 6LoWPAN errors, {lp} header/decompress/unsupported");
}
