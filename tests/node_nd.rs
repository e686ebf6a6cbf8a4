//! Real nodes over the in-memory medium: 6LoWPAN-ND registration, refresh
//! and expiry; ping both ways; forwarding between two hosts by their router.

mod node;

use node::{HOST_A, HOST_B, Medium, PAN, ROUTER, global, link_local, network, router_config, udp_socket};
use sixlo::nd::NeighborState;
use sixlo::node::{NodeConfig, NodeEvent};
use sixlo::time::Duration;

/// Runs until node `n` reports an echo reply; returns (from, ident, seq, len).
fn echo_reply(m: &mut Medium, n: usize) -> Option<(std::net::Ipv6Addr, u16, u16, usize)> {
    let mut got = None;
    m.run_until_true(m.now + Duration::from_secs(3), |m| {
        while let Some(e) = m.nodes[n].poll_event() {
            if let NodeEvent::EchoReply { from, ident, seq, len } = e {
                got = Some((from, ident, seq, usize::from(len)));
            }
        }
        got.is_some()
    });
    got
}

#[test]
fn registration_refresh_at_80_percent_and_expiry_when_silent() {
    let mut host = NodeConfig::host(HOST_A, PAN);
    host.registration_lifetime_minutes = Some(1);
    let mut m = Medium::new(vec![router_config(), host]);
    let addr = global(HOST_A);
    m.register_all(&[HOST_A]);
    assert!(m.nodes[1].is_registered(&addr));
    let t_reg = m.now;
    let entry = *m.nodes[0].nd_router().unwrap().table().get(&addr).expect("router has no entry");
    assert_eq!(entry.state(), NeighborState::Registered);
    assert_eq!(entry.lladdr(), sixlo::wire::ieee802154::Address::Extended(HOST_A));
    let e1 = entry.expires().expect("registered entry without lifetime").to_instant();
    // RFC 6775 §6.5.2: the entry lives for the registration lifetime (60 s)
    // from the NS+ARO, which the router took in less than 1 s before now,
    // rounded up to a whole second (never early, under a second late).
    assert!(e1 > t_reg + Duration::from_secs(59) && e1 < t_reg + Duration::from_secs(61), "{e1:?} {t_reg:?}");
    assert_eq!(e1.total_micros() % 1_000_000, 0, "{e1:?}");
    let ns0 = m.nodes[1].stats().nd.ns_sent;
    // Both the link-local and the global address are registered
    // (the host registers each of its unicast addresses, RFC 6775 §5.5).
    let registered: Vec<_> = m.nodes[1].nd_host().unwrap().addresses().collect();
    assert_eq!(registered, vec![(link_local(HOST_A), true), (addr, true)]);
    let reg0 = m.nodes[0].stats().nd.reg_ok;

    // RFC 6775 §5.5.1: the host refreshes before the lifetime ends (at 80 %,
    // 48 s after the registration); nothing is sent before that.
    let refresh = e1 - Duration::from_secs(12);
    m.run_until(refresh - Duration::from_millis(200));
    assert_eq!(m.nodes[1].stats().nd.ns_sent, ns0, "NS sent before 80 % of the lifetime");
    assert_eq!(
        m.nodes[0].nd_router().unwrap().table().get(&addr).unwrap().expires().map(|e| e.to_instant()),
        Some(e1)
    );
    m.run_until(refresh + Duration::from_secs(1));
    assert_eq!(m.nodes[1].stats().nd.ns_sent, ns0 + 2, "no re-registration around 80 %");
    assert_eq!(m.nodes[0].stats().nd.reg_ok, reg0 + 2);
    assert!(m.nodes[1].is_registered(&addr));
    let entry = *m.nodes[0].nd_router().unwrap().table().get(&addr).unwrap();
    assert_eq!(entry.state(), NeighborState::Registered);
    let e2 = entry.expires().unwrap().to_instant();
    // Moved by about 48 s (the refresh point, within the 200 ms window;
    // both deadlines rounded up to a whole second).
    let moved = e2.total_millis() - e1.total_millis();
    assert!((46_700..=49_300).contains(&moved), "expiry moved by {moved} ms");

    // The host goes silent: the router keeps the entry until e2, not after.
    m.active[1] = false;
    m.run_until(e2 - Duration::from_millis(1));
    let table = m.nodes[0].nd_router().unwrap().table();
    assert_eq!(table.get(&addr).map(|e| e.state()), Some(NeighborState::Registered));
    m.run_until(e2 + Duration::from_millis(1));
    let table = m.nodes[0].nd_router().unwrap().table();
    assert!(table.get(&addr).is_none(), "entry outlived its lifetime: {:?}", table.get(&addr));
    assert!(!table.is_registered(&addr));
}

#[test]
fn ping_both_ways_link_local_and_global() {
    let mut m = network(&[HOST_A]);
    m.register_all(&[HOST_A]);
    let cases = [
        // (from node, to address, ident, seq, payload length)
        (1, link_local(ROUTER), 0x1111, 1, 8),
        (1, global(ROUTER), 0x1111, 2, 100),
        (1, global(ROUTER), 0x1111, 3, 400), // fragmented both ways
        (0, link_local(HOST_A), 0x2222, 1, 0),
        (0, global(HOST_A), 0x2222, 2, 64),
        (0, global(HOST_A), 0x2222, 3, 500),
    ];
    for (from, to, ident, seq, len) in cases {
        let data: Vec<u8> = (0..len).map(|i| (i as u8) ^ (seq as u8)).collect();
        let replies0 = m.nodes[1 - from].stats().net.echo_replies;
        m.nodes[from].ping(to, ident, seq, &data).unwrap();
        let got = echo_reply(&mut m, from);
        assert_eq!(got, Some((to, ident, seq, len)), "ping from node {from} to {to}");
        assert_eq!(m.nodes[1 - from].stats().net.echo_replies, replies0 + 1);
    }
}

#[test]
fn router_forwards_udp_between_two_registered_hosts() {
    let mut m = network(&[HOST_A, HOST_B]);
    m.register_all(&[HOST_A, HOST_B]);
    let ha = m.nodes[1].add_socket(udp_socket(40001, 4096, 4096)).unwrap();
    let hb = m.nodes[2].add_socket(udp_socket(7000, 4096, 4096)).unwrap();
    let fwd0 = m.nodes[0].stats().net.forwarded;
    let mut buf = vec![0u8; 1500];
    let sizes = [1usize, 40, 90, 300, 1000];
    for (i, &len) in sizes.iter().enumerate() {
        let data: Vec<u8> = (0..len).map(|j| (j * 3 + i) as u8).collect();
        m.nodes[1].socket(ha).unwrap().send_to(&data, (global(HOST_B), 7000)).unwrap();
        let mut got = None;
        m.run_until_true(m.now + Duration::from_secs(3), |m| {
            if let Ok((n, meta)) = m.nodes[2].socket(hb).unwrap().recv_from(&mut buf) {
                got = Some((buf[..n].to_vec(), meta.remote.addr, meta.remote.port));
            }
            got.is_some()
        });
        let (payload, from, port) =
            got.unwrap_or_else(|| panic!("{len} bytes A->B lost: router {:#?}", m.nodes[0].stats()));
        assert_eq!((payload, from, port), (data.clone(), global(HOST_A), 40001));
        // And back, B -> A.
        m.nodes[2].socket(hb).unwrap().send_to(&data, (global(HOST_A), 40001)).unwrap();
        let mut got = None;
        m.run_until_true(m.now + Duration::from_secs(3), |m| {
            if let Ok((n, meta)) = m.nodes[1].socket(ha).unwrap().recv_from(&mut buf) {
                got = Some((buf[..n].to_vec(), meta.remote.addr, meta.remote.port));
            }
            got.is_some()
        });
        assert_eq!(got, Some((data, global(HOST_B), 7000)), "{len} bytes B->A");
    }
    let s = m.nodes[0].stats();
    assert_eq!(s.net.forwarded, fwd0 + 2 * sizes.len() as u32, "{s:#?}");
    assert_eq!(s.node.tx_busy, 0);
    // Host A pings host B through the router.
    m.nodes[1].ping(global(HOST_B), 9, 1, b"via the router").unwrap();
    assert_eq!(echo_reply(&mut m, 1), Some((global(HOST_B), 9, 1, 14)));
    assert_eq!(m.nodes[0].stats().net.forwarded, fwd0 + 2 * sizes.len() as u32 + 2);
}
