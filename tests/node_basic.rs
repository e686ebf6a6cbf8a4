//! Two nodes over the in-memory medium: a router announcing a prefix and a
//! host that registers with it, then ping and UDP both ways.

mod node;

use node::Medium;
use sixlo::node::{NodeConfig, NodeEvent, RouterSettings};
use sixlo::socket::udp::UdpSocket;
use sixlo::time::Instant;

const ROUTER: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];
const HOST: [u8; 8] = [0x02, 0x12, 0x74, 0x02, 0x00, 0x02, 0x02, 0x02];

fn pair() -> Medium {
    let mut rs = RouterSettings::default();
    rs.prefixes.push(("fd00::".parse().unwrap(), 64)).unwrap();
    rs.contexts.push((0, "fd00::".parse().unwrap(), 64)).unwrap();
    Medium::new(vec![NodeConfig::router(ROUTER, 0xabcd, rs), NodeConfig::host(HOST, 0xabcd)])
}

#[test]
fn host_registers_then_pings_the_router_global_address() {
    let mut m = pair();
    let host_global: std::net::Ipv6Addr = "fd00::12:7402:2:202".parse().unwrap();
    let ok = m.run_until_true(Instant::from_secs(30), |m| m.nodes[1].is_registered(&host_global));
    let s = m.nodes[1].stats();
    assert!(ok, "host not registered: {s:#?} router {:#?}", m.nodes[0].stats());
    let router_global: std::net::Ipv6Addr = "fd00::12:7401:1:101".parse().unwrap();
    m.nodes[1].ping(router_global, 7, 1, b"hello").unwrap();
    let mut got = None;
    m.run_until_true(m.now + sixlo::time::Duration::from_secs(2), |m| {
        while let Some(e) = m.nodes[1].poll_event() {
            if let NodeEvent::EchoReply { from, seq, .. } = e {
                got = Some((from, seq));
            }
        }
        got.is_some()
    });
    assert_eq!(got, Some((router_global, 1)), "{:#?}", m.nodes[1].stats());
}

#[test]
fn udp_datagrams_of_every_size_cross_fragmentation() {
    let mut m = pair();
    let host_global: std::net::Ipv6Addr = "fd00::12:7402:2:202".parse().unwrap();
    assert!(m.run_until_true(Instant::from_secs(30), |m| m.nodes[1].is_registered(&host_global)));
    let (rx, tx) =
        (Box::leak(vec![0u8; 4096].into_boxed_slice()), Box::leak(vec![0u8; 4096].into_boxed_slice()));
    let mut server = UdpSocket::new(rx, tx);
    server.bind(5683).unwrap();
    let hs = m.nodes[0].add_socket(server).unwrap();
    let (rx, tx) =
        (Box::leak(vec![0u8; 4096].into_boxed_slice()), Box::leak(vec![0u8; 4096].into_boxed_slice()));
    let mut client = UdpSocket::new(rx, tx);
    client.bind(49152).unwrap();
    let hc = m.nodes[1].add_socket(client).unwrap();
    let router_global: std::net::Ipv6Addr = "fd00::12:7401:1:101".parse().unwrap();
    let mut buf = vec![0u8; 1500];
    for len in [1usize, 2, 50, 80, 81, 90, 100, 200, 500, 1000, 1231, 1232] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        m.nodes[1].socket(hc).unwrap().send_to(&data, (router_global, 5683)).unwrap();
        let mut got = None;
        m.run_until_true(m.now + sixlo::time::Duration::from_secs(5), |m| {
            if let Ok((n, meta)) = m.nodes[0].socket(hs).unwrap().recv_from(&mut buf) {
                got = Some((buf[..n].to_vec(), meta.remote.addr, meta.remote.port));
            }
            got.is_some()
        });
        let Some((payload, from, port)) = got else {
            panic!("{len}-byte datagram lost: {:#?} router {:#?}", m.nodes[1].stats(), m.nodes[0].stats())
        };
        assert_eq!(payload, data, "{len}");
        assert_eq!((from, port), (host_global, 49152));
    }
}
