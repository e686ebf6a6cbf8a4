//! Lent pool mode (`NodeStorage::lowpan_reassembly` slots without buffers):
//! a node that reassembles 6LoWPAN datagrams in its one packet buffer, the
//! RAM budget's configuration. The other node tests run in this mode too
//! with `SIXLO_TEST_LENT_POOL=1` (scripts/test.sh does).

mod node;

use node::{Medium, Sizes};
use sixlo::node::{NodeConfig, NodeEvent, RouterSettings, SendError};
use sixlo::socket::udp::UdpSocket;
use sixlo::time::{Duration, Instant};
use std::net::Ipv6Addr;

const ROUTER: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];
const HOST: [u8; 8] = [0x02, 0x12, 0x74, 0x02, 0x00, 0x02, 0x02, 0x02];

fn lent() -> Sizes {
    Sizes { lent_pool: true, ..Sizes::default() }
}

/// A router and a registered host, both in lent pool mode.
fn pair() -> Medium {
    let mut rs = RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    let mut m = Medium::with_sizes(
        vec![NodeConfig::router(ROUTER, 0xabcd, rs), NodeConfig::host(HOST, 0xabcd)],
        vec![lent(), lent()],
    );
    let host: Ipv6Addr = "fd00::12:7402:2:202".parse().unwrap();
    assert!(m.run_until_true(Instant::from_secs(30), |m| m.nodes[1].is_registered(&host)));
    m
}

fn socket(port: u16) -> UdpSocket<'static> {
    let (rx, tx) =
        (Box::leak(vec![0u8; 4096].into_boxed_slice()), Box::leak(vec![0u8; 4096].into_boxed_slice()));
    let mut s = UdpSocket::new(rx, tx);
    s.bind(port).unwrap();
    s
}

#[test]
fn udp_datagrams_of_every_size_both_ways() {
    let mut m = pair();
    let addrs: [Ipv6Addr; 2] =
        ["fd00::12:7401:1:101".parse().unwrap(), "fd00::12:7402:2:202".parse().unwrap()];
    let socks = [m.nodes[0].add_socket(socket(5683)).unwrap(), m.nodes[1].add_socket(socket(5683)).unwrap()];
    let mut buf = vec![0u8; 1500];
    for len in [1usize, 90, 200, 500, 639, 640, 641, 1000, 1231, 1232] {
        for (from, to) in [(1usize, 0usize), (0, 1)] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + len + from) as u8).collect();
            m.nodes[from].socket(socks[from]).unwrap().send_to(&data, (addrs[to], 5683)).unwrap();
            let mut got = None;
            m.run_until_true(m.now + Duration::from_secs(5), |m| {
                if let Ok((n, meta)) = m.nodes[to].socket(socks[to]).unwrap().recv_from(&mut buf) {
                    got = Some((buf[..n].to_vec(), meta.remote.addr));
                }
                got.is_some()
            });
            let Some((payload, src)) = got else {
                panic!("{len} bytes {from}->{to} lost: {:#?}", m.nodes[to].stats())
            };
            assert_eq!((payload, src), (data, addrs[from]), "{len} bytes {from}->{to}");
        }
    }
}

/// Echo requests too long for a reply beside them in the buffer (over 640
/// bytes) are answered in place.
#[test]
fn long_pings_are_answered_in_place() {
    let mut m = pair();
    let router: Ipv6Addr = "fd00::12:7401:1:101".parse().unwrap();
    for (seq, len) in [(1u16, 8usize), (2, 600), (3, 700), (4, 1000), (5, 1232)] {
        let data: Vec<u8> = (0..len).map(|i| (i as u8) ^ (seq as u8)).collect();
        m.nodes[1].ping(router, 9, seq, &data).unwrap();
        let mut got = None;
        m.run_until_true(m.now + Duration::from_secs(5), |m| {
            while let Some(e) = m.nodes[1].poll_event() {
                if let NodeEvent::EchoReply { from, seq, len, .. } = e {
                    got = Some((from, seq, len));
                }
            }
            got.is_some()
        });
        assert_eq!(got, Some((router, seq, len as _)), "{len}-byte ping: router {:#?}", m.nodes[0].stats());
    }
    assert_eq!(m.nodes[0].stats().net.echo_replies, 5);
}

/// While a datagram goes out, the rest of the buffer still reassembles,
/// and a send that does not fit waits (`Busy`) instead of overwriting it.
#[test]
fn a_datagram_going_out_and_one_coming_in_share_the_buffer() {
    let mut m = pair();
    let addrs: [Ipv6Addr; 2] =
        ["fd00::12:7401:1:101".parse().unwrap(), "fd00::12:7402:2:202".parse().unwrap()];
    let socks = [m.nodes[0].add_socket(socket(5683)).unwrap(), m.nodes[1].add_socket(socket(5683)).unwrap()];
    // Both send 400 bytes at once: each reassembles above its own datagram.
    let data: Vec<Vec<u8>> = (0..2).map(|k| (0..400).map(|i| (i + k * 3) as u8).collect()).collect();
    for k in 0..2 {
        m.nodes[k].socket(socks[k]).unwrap().send_to(&data[k], (addrs[1 - k], 5683)).unwrap();
    }
    let mut buf = vec![0u8; 1500];
    let mut got: [Option<Vec<u8>>; 2] = [None, None];
    m.run_until_true(m.now + Duration::from_secs(5), |m| {
        for k in 0..2 {
            if let Ok((n, _)) = m.nodes[k].socket(socks[k]).unwrap().recv_from(&mut buf) {
                got[k] = Some(buf[..n].to_vec());
            }
        }
        got.iter().all(Option::is_some)
    });
    assert_eq!(got, [Some(data[1].clone()), Some(data[0].clone())]);
    // A ping longer than the buffer is refused for good; one that fits is
    // refused only while a datagram is in flight.
    assert_eq!(m.nodes[1].ping(addrs[0], 1, 1, &[0; 1300]), Err(SendError::TooLarge));
    let d = vec![7u8; 1000];
    m.nodes[1].socket(socks[1]).unwrap().send_to(&d, (addrs[0], 5683)).unwrap();
    m.nodes[1].poll(m.now, &mut m.radios[1]);
    assert_eq!(m.nodes[1].ping(addrs[0], 1, 2, &[0; 8]), Err(SendError::Busy));
}

/// A reassembly in progress (its later fragments lost) holds the top of the
/// router's buffer: sends that do not fit below it wait, a small one goes,
/// and the waiting one leaves once the reassembly times out (RFC 4944 §5.3:
/// 60 s).
#[test]
fn sends_wait_below_a_reassembly_in_progress() {
    let mut m = pair();
    let router: Ipv6Addr = "fd00::12:7401:1:101".parse().unwrap();
    let host: Ipv6Addr = "fd00::12:7402:2:202".parse().unwrap();
    let hs = m.nodes[1].add_socket(socket(5683)).unwrap();
    let rs = m.nodes[0].add_socket(socket(5683)).unwrap();
    // Only the host's first data frame (FRAG1 of 1000 bytes) gets through.
    let sent = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let count = sent.clone();
    m.lose = Box::new(move |from, _, f| {
        if from != 1 || !node::is_unicast_data(f) {
            return false;
        }
        count.set(count.get() + 1);
        count.get() > 1
    });
    m.nodes[1].socket(hs).unwrap().send_to(&[5u8; 1000], (router, 5683)).unwrap();
    m.run_until(m.now + Duration::from_secs(2));
    m.lose = Box::new(|_, _, _| false);
    assert!(sent.get() > 1, "the host sent its fragments");
    let started = m.now;
    // 1048 bytes are being reassembled at the top: 232 bytes of room.
    assert_eq!(m.nodes[0].ping(host, 3, 1, &[1; 400]), Err(SendError::Busy));
    m.nodes[0].socket(rs).unwrap().send_to(&[6u8; 400], (host, 5683)).unwrap();
    m.nodes[0].ping(host, 3, 2, &[1; 100]).unwrap();
    let mut buf = vec![0u8; 1500];
    m.run_until(m.now + Duration::from_secs(5));
    assert!(m.nodes[1].socket(hs).unwrap().recv_from(&mut buf).is_err(), "it waits");
    let mut got = None;
    m.run_until_true(started + Duration::from_secs(70), |m| {
        if let Ok((n, _)) = m.nodes[1].socket(hs).unwrap().recv_from(&mut buf) {
            got = Some(buf[..n].to_vec());
        }
        got.is_some()
    });
    assert_eq!(got, Some(vec![6u8; 400]), "router {:#?}", m.nodes[0].stats());
    // The FRAG1 arrived within the 2 s before `started`: the reassembly
    // times out 58-60 s after it.
    let waited = m.now - started;
    assert!(waited >= Duration::from_secs(57), "it left after {waited:?}, before the reassembly ended");
    assert_eq!(m.nodes[0].stats().reassembly.timeouts, 1);
}
