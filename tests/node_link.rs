//! Real nodes over the in-memory medium under link trouble: lost frames and
//! ACKs (CSMA retries, give-up, duplicate suppression), a full MAC queue,
//! and malformed frames injected into a receiver.

mod node;

use std::cell::Cell;
use std::rc::Rc;

use node::{HOST_A, HOST_B, Medium, Sizes, global, is_ack, is_unicast_data, network, udp_socket};
use sixlo::socket::SocketHandle;
use sixlo::socket::udp::SendError;
use sixlo::time::Duration;

/// Sends `data` from node `from`'s socket `tx` and waits until node `to`'s
/// socket `rx` has it; returns the payload received.
#[allow(clippy::too_many_arguments)]
fn send_and_wait(
    m: &mut Medium,
    from: usize,
    tx: SocketHandle,
    to: usize,
    rx: SocketHandle,
    dst: std::net::Ipv6Addr,
    port: u16,
    data: &[u8],
) -> Option<Vec<u8>> {
    m.nodes[from].socket(tx).unwrap().send_to(data, (dst, port)).unwrap();
    let mut got = None;
    let mut buf = vec![0u8; 1500];
    m.run_until_true(m.now + Duration::from_secs(3), |m| {
        if let Ok((n, _)) = m.nodes[to].socket(rx).unwrap().recv_from(&mut buf) {
            got = Some(buf[..n].to_vec());
        }
        got.is_some()
    });
    got
}

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + seed * 7) as u8).collect()
}

#[test]
fn half_the_data_frames_lost_retries_deliver_everything() {
    let mut m = network(&[HOST_A]);
    m.register_all(&[HOST_A]);
    let server = m.nodes[0].add_socket(udp_socket(5683, 8192, 1024)).unwrap();
    let client = m.nodes[1].add_socket(udp_socket(49152, 1024, 4096)).unwrap();
    m.settle(Duration::from_millis(50));
    // Every other unicast data frame from the host to the router is lost.
    let dropped = Rc::new(Cell::new(0u32));
    let seen = Rc::new(Cell::new(0u32));
    let (d, s) = (dropped.clone(), seen.clone());
    m.lose = Box::new(move |from, to, f| {
        if from == 1 && to == 0 && is_unicast_data(f) {
            s.set(s.get() + 1);
            if s.get() % 2 == 1 {
                d.set(d.get() + 1);
                return true;
            }
        }
        false
    });
    let host0 = m.nodes[1].stats().mac;
    let router0 = m.nodes[0].stats().mac;
    for (i, len) in [10usize, 60, 150, 300, 700, 1232].into_iter().enumerate() {
        let data = pattern(len, i);
        let got = send_and_wait(&mut m, 1, client, 0, server, global(node::ROUTER), 5683, &data);
        assert_eq!(got.as_deref(), Some(&data[..]), "{len} bytes");
    }
    m.settle(Duration::from_millis(50));
    let host = m.nodes[1].stats().mac;
    let router = m.nodes[0].stats().mac;
    assert!(dropped.get() > 0);
    // Each lost frame cost exactly one retransmission, which got through.
    assert_eq!(host.retries - host0.retries, dropped.get());
    assert_eq!(host.tx_frames - host0.tx_frames, seen.get());
    assert_eq!(host.tx_acked - host0.tx_acked, seen.get() - dropped.get());
    assert_eq!(host.no_ack, host0.no_ack);
    assert_eq!(router.rx_dup, router0.rx_dup);
    assert_eq!(router.rx_frames - router0.rx_frames, seen.get() - dropped.get());
}

#[test]
fn dead_link_gives_up_without_wedging_the_node() {
    let mut m = network(&[HOST_A, HOST_B]);
    m.register_all(&[HOST_A, HOST_B]);
    let r = m.nodes[0].add_socket(udp_socket(5683, 4096, 4096)).unwrap();
    let a = m.nodes[1].add_socket(udp_socket(7000, 4096, 1024)).unwrap();
    let b = m.nodes[2].add_socket(udp_socket(7000, 4096, 1024)).unwrap();
    m.settle(Duration::from_millis(50));
    // The router no longer reaches host A.
    m.lose = Box::new(|from, to, _| from == 0 && to == 1);
    let s0 = m.nodes[0].stats().mac;
    m.nodes[0].socket(r).unwrap().send_to(b"lost", (global(HOST_A), 7000)).unwrap();
    m.settle(Duration::from_millis(200));
    let s1 = m.nodes[0].stats().mac;
    // One frame, 1 + macMaxFrameRetries (3) attempts, then given up.
    assert_eq!(s1.tx_frames - s0.tx_frames, 4, "{s1:#?}");
    assert_eq!(s1.retries - s0.retries, 3);
    assert_eq!(s1.no_ack - s0.no_ack, 1);
    assert_eq!(s1.tx_acked, s0.tx_acked);
    assert!(m.nodes[1].socket(a).unwrap().recv_from(&mut [0u8; 64]).is_err());
    // A fragmented datagram (7 fragments) to the dead link: its first
    // fragment gives up, those queued behind it to the same next hop are
    // purged, and the node hands over no more of a datagram that can no
    // longer be reassembled (counted as abandoned).
    let n1 = m.nodes[0].stats().node;
    let big = pattern(600, 1);
    m.nodes[0].socket(r).unwrap().send_to(&big, (global(HOST_A), 7000)).unwrap();
    m.settle(Duration::from_millis(300));
    let s2 = m.nodes[0].stats();
    let frags = s2.node.tx_fragments - n1.tx_fragments;
    assert_eq!(frags, 4, "only what fitted the 4-slot MAC queue before the give-up");
    assert_eq!(s2.node.tx_abandoned, n1.tx_abandoned + 1);
    assert_eq!(s2.node.tx_packets, n1.tx_packets);
    // Every fragment handed to the MAC either gave up after 4 attempts or
    // was purged behind one that did; none was acknowledged.
    let (no_ack, purged) = (s2.mac.no_ack - s1.no_ack, s2.mac.purged - s1.purged);
    assert!(no_ack >= 1);
    assert_eq!(no_ack + purged, frags, "{:#?}", s2.mac);
    assert_eq!(s2.mac.tx_frames - s1.tx_frames, 4 * no_ack);
    assert_eq!(s2.mac.tx_acked, s1.tx_acked);
    assert_eq!(m.nodes[0].mac().queue().free(), 4, "MAC queue not drained");
    // Traffic to host B still flows, small and fragmented.
    for (i, len) in [20usize, 600].into_iter().enumerate() {
        let data = pattern(len, i);
        let got = send_and_wait(&mut m, 0, r, 2, b, global(HOST_B), 7000, &data);
        assert_eq!(got.as_deref(), Some(&data[..]), "{len} bytes to B after the dead link");
    }
    let s3 = m.nodes[0].stats();
    assert!(s3.mac.tx_acked > s2.mac.tx_acked);
}

#[test]
fn lost_acks_cause_retransmissions_delivered_once() {
    let mut m = network(&[HOST_A]);
    m.register_all(&[HOST_A]);
    let server = m.nodes[0].add_socket(udp_socket(5683, 16384, 1024)).unwrap();
    let client = m.nodes[1].add_socket(udp_socket(49152, 1024, 8192)).unwrap();
    m.settle(Duration::from_millis(50));
    // Every other ACK from the router to the host is lost: the host sends
    // the frame again, the router sees it twice.
    let dropped = Rc::new(Cell::new(0u32));
    let d = dropped.clone();
    let mut n = 0u32;
    m.lose = Box::new(move |from, to, f| {
        if from == 0 && to == 1 && is_ack(f) {
            n += 1;
            if n % 2 == 1 {
                d.set(d.get() + 1);
                return true;
            }
        }
        false
    });
    let host0 = m.nodes[1].stats().mac;
    let router0 = m.nodes[0].stats().mac;
    let sizes = [5usize, 50, 90, 200, 400, 1000];
    for (i, &len) in sizes.iter().enumerate() {
        m.nodes[1].socket(client).unwrap().send_to(&pattern(len, i), (global(node::ROUTER), 5683)).unwrap();
    }
    m.run_until(m.now + Duration::from_secs(3));
    m.settle(Duration::from_millis(100));
    let mut buf = vec![0u8; 1500];
    for (i, &len) in sizes.iter().enumerate() {
        let (n, _) = m.nodes[0].socket(server).unwrap().recv_from(&mut buf).expect("datagram missing");
        assert_eq!(&buf[..n], &pattern(len, i)[..], "datagram {i}");
    }
    assert!(m.nodes[0].socket(server).unwrap().recv_from(&mut buf).is_err(), "a datagram delivered twice");
    let host = m.nodes[1].stats().mac;
    let router = m.nodes[0].stats().mac;
    assert!(dropped.get() > 0);
    assert_eq!(router.rx_dup - router0.rx_dup, dropped.get());
    assert_eq!(host.retries - host0.retries, dropped.get());
    assert_eq!(host.no_ack, host0.no_ack);
    assert_eq!(m.nodes[0].stats().reassembly.duplicates, 0);
    assert_eq!(m.nodes[0].stats().node.rx_udp_bad, 0);
}

#[test]
fn burst_larger_than_the_mac_queue() {
    // The host's MAC queue holds 2 frames; 3 sockets queue what they can.
    let mut sizes = vec![Sizes::default(); 2];
    sizes[1].mac_queue = 2;
    let mut m = Medium::with_sizes(
        vec![node::router_config(), sixlo::node::NodeConfig::host(HOST_A, node::PAN)],
        sizes,
    );
    m.register_all(&[HOST_A]);
    let server = m.nodes[0].add_socket(udp_socket(5683, 32768, 1024)).unwrap();
    let clients: Vec<_> =
        (0..3).map(|i| m.nodes[1].add_socket(udp_socket(50000 + i, 1024, 3000)).unwrap()).collect();
    m.settle(Duration::from_millis(50));
    let lens = [1232usize, 700, 300, 40, 1, 900, 80];
    let mut accepted = Vec::new();
    let mut refused = 0;
    for (c, &h) in clients.iter().enumerate() {
        for (i, &len) in lens.iter().enumerate() {
            let data = pattern(len, c * 10 + i);
            match m.nodes[1].socket(h).unwrap().send_to(&data, (global(node::ROUTER), 5683)) {
                Ok(()) => accepted.push((50000 + c as u16, data)),
                Err(SendError::BufferFull) => refused += 1,
                Err(e) => panic!("{e:?}"),
            }
        }
    }
    assert!(refused > 0 && !accepted.is_empty());
    let full: u32 = clients.iter().map(|&h| m.nodes[1].socket(h).unwrap().stats().tx_full).sum();
    assert_eq!(full, refused);
    m.run_until(m.now + Duration::from_secs(5));
    let mut got = Vec::new();
    let mut buf = vec![0u8; 1500];
    while let Ok((n, meta)) = m.nodes[0].socket(server).unwrap().recv_from(&mut buf) {
        got.push((meta.remote.port, buf[..n].to_vec()));
    }
    // Everything accepted arrives, each socket's datagrams in order.
    for c in 0..3u16 {
        let want: Vec<_> = accepted.iter().filter(|(p, _)| *p == 50000 + c).collect();
        let have: Vec<_> = got.iter().filter(|(p, _)| *p == 50000 + c).collect();
        assert_eq!(have, want, "socket {c}");
    }
    assert_eq!(got.len(), accepted.len());
    let s = m.nodes[1].stats();
    assert_eq!(s.node.tx_mac_refused, 0, "{s:#?}");
    assert_eq!(s.mac.queue_full, 0);
    assert_eq!(s.mac.no_ack, 0);
    for &h in &clients {
        assert_eq!(m.nodes[1].socket(h).unwrap().send_queue(), 0);
    }
}

#[test]
fn burst_into_a_small_receive_buffer_is_counted() {
    let mut m = network(&[HOST_A]);
    m.register_all(&[HOST_A]);
    // The application does not read: its 1000-byte buffer overflows.
    let server = m.nodes[0].add_socket(udp_socket(5683, 1000, 64)).unwrap();
    let client = m.nodes[1].add_socket(udp_socket(49152, 64, 8192)).unwrap();
    let n = 20;
    for i in 0..n {
        m.nodes[1].socket(client).unwrap().send_to(&pattern(200, i), (global(node::ROUTER), 5683)).unwrap();
    }
    m.run_until(m.now + Duration::from_secs(5));
    let st = *m.nodes[0].socket(server).unwrap().stats();
    assert!(st.rx_dropped > 0);
    assert_eq!(st.rx_datagrams + st.rx_dropped, n as u32, "{st:?}");
    let mut buf = vec![0u8; 1500];
    for i in 0..st.rx_datagrams as usize {
        let (len, _) = m.nodes[0].socket(server).unwrap().recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..len], &pattern(200, i)[..]);
    }
}
