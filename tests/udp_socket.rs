//! A CoAP-like exchange between two nodes' socket sets.
//!
//! Each "node" is a `SocketSet` plus the glue the real `Node` will have:
//! `transmit` takes the next datagram with `dequeue_tx`, picks the source
//! address, and emits the UDP header with `sixlo::wire::udp` (checked against
//! smoltcp's checksum); `receive` parses it and calls `deliver`. The CoAP
//! messages (RFC 7252 §3) are hand-built bytes.

use core::net::Ipv6Addr;

use sixlo::socket::udp::{
    BindError, Delivery, DropReason, Endpoint, RecvError, RecvMeta, SendError, TxMeta, UdpSocket,
};
use sixlo::socket::{SetStats, SocketSet, SocketSlot};
use sixlo::wire::udp;
use smoltcp::wire::{IpAddress, UdpPacket};

const CLIENT: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0x0212, 0x4b00, 0, 0x0001);
const SERVER: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0x0212, 0x4b00, 0, 0x0002);
/// "All CoAP Nodes", link-local scope (RFC 7252 §12.8).
const ALL_COAP: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfd);
const COAP: u16 = 5683;

/// CON GET /temp, message ID 0x1234, token 0xab (RFC 7252 §3, §5.10).
const GET_TEMP: [u8; 10] = [0x41, 0x01, 0x12, 0x34, 0xab, 0xb4, b't', b'e', b'm', b'p'];
/// ACK 2.05 Content, same message ID and token, payload "22.5".
const CONTENT: [u8; 10] = [0x61, 0x45, 0x12, 0x34, 0xab, 0xff, b'2', b'2', b'.', b'5'];

/// An IPv6 packet reduced to what UDP needs: addresses, hop limit, UDP bytes.
#[derive(Debug, Clone, PartialEq)]
struct Packet {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    udp: Vec<u8>,
}

/// The node's transmit path: next datagram → UDP bytes.
fn transmit<'a>(
    sockets: &mut SocketSet<'a, [SocketSlot<'a>; 3]>,
    our_addr: Ipv6Addr,
) -> Option<(TxMeta, Packet)> {
    let out = sockets.dequeue_tx(|_, meta, payload| {
        // Source address selection is the node's job when the socket has none.
        let src = meta.local_addr.unwrap_or(our_addr);
        let repr = udp::Repr { src_port: meta.src_port, dst_port: meta.remote.port, payload };
        let mut bytes = vec![0u8; repr.buffer_len()];
        repr.emit(&mut udp::Packet::new_unchecked(&mut bytes[..]), &src, &meta.remote.addr);
        let hop_limit = meta.hop_limit.unwrap_or(64);
        Ok::<_, ()>((*meta, Packet { src, dst: meta.remote.addr, hop_limit, udp: bytes }))
    })?;
    Some(out.unwrap())
}

/// The node's receive path: UDP bytes → socket.
fn receive<'a>(sockets: &mut SocketSet<'a, [SocketSlot<'a>; 3]>, packet: &Packet) -> Delivery {
    let view = udp::Packet::new_checked(&packet.udp[..]).unwrap();
    let repr = udp::Repr::parse(&view, &packet.src, &packet.dst).unwrap();
    sockets.deliver(
        Endpoint::new(packet.src, repr.src_port),
        Endpoint::new(packet.dst, repr.dst_port),
        packet.hop_limit,
        repr.payload,
    )
}

fn smoltcp_checksum_ok(p: &Packet) -> bool {
    UdpPacket::new_checked(&p.udp[..])
        .unwrap()
        .verify_checksum(&IpAddress::Ipv6(p.src), &IpAddress::Ipv6(p.dst))
}

/// A minimal CoAP server: answers GET /temp with CONTENT (piggybacked ACK,
/// or NON for a NON request), echoing the message ID and token; anything
/// else gets nothing.
fn serve(socket: &mut UdpSocket) -> Option<RecvMeta> {
    let mut buf = [0u8; 64];
    let (n, meta) = socket.recv_from(&mut buf).ok()?;
    let req = &buf[..n];
    if req.len() < 5 || req[1] != 0x01 || &req[5..] != b"\xb4temp" {
        return Some(meta);
    }
    let mut resp = CONTENT;
    if req[0] & 0x30 == 0x10 {
        resp[0] = 0x51; // a NON request gets a NON response (RFC 7252 §5.2.3)
    }
    resp[2..5].copy_from_slice(&req[2..5]);
    socket.send_to(&resp, meta).unwrap();
    Some(meta)
}

#[test]
fn coap_request_response() {
    let (mut c_rx, mut c_tx) = ([0u8; 256], [0u8; 256]);
    let (mut s_rx, mut s_tx) = ([0u8; 256], [0u8; 256]);
    let (mut o_rx, mut o_tx) = ([0u8; 64], [0u8; 64]);

    let mut client_node = SocketSet::new([SocketSlot::EMPTY; 3]);
    let mut client = UdpSocket::new(&mut c_rx, &mut c_tx);
    assert_eq!(client.bind(0), Err(BindError::Unaddressable));
    client.bind((CLIENT, 49152)).unwrap();
    let ch = client_node.add(client).unwrap();

    let mut server_node = SocketSet::new([SocketSlot::EMPTY; 3]);
    let mut other = UdpSocket::new(&mut o_rx, &mut o_tx);
    other.bind(9999).unwrap();
    server_node.add(other).unwrap();
    let mut server = UdpSocket::new(&mut s_rx, &mut s_tx);
    server.bind(COAP).unwrap();
    server.set_hop_limit(Some(255));
    let sh = server_node.add(server).unwrap();

    // Client → server: CON GET /temp.
    let c = client_node.get_mut(ch).unwrap();
    assert_eq!(c.send_to(&GET_TEMP, (SERVER, 0)), Err(SendError::Unaddressable));
    c.send_to(&GET_TEMP, (SERVER, COAP)).unwrap();
    let (meta, request) = transmit(&mut client_node, CLIENT).unwrap();
    assert_eq!(
        meta,
        TxMeta {
            remote: Endpoint::new(SERVER, COAP),
            src_port: 49152,
            local_addr: Some(CLIENT),
            hop_limit: None
        }
    );
    assert_eq!(request.src, CLIENT);
    assert_eq!(request.hop_limit, 64);
    // Source port 49152, destination 5683, length 8 + 10.
    assert_eq!(&request.udp[..6], &[0xc0, 0x00, 0x16, 0x33, 0x00, 0x12]);
    assert_eq!(&request.udp[8..], &GET_TEMP);
    assert!(smoltcp_checksum_ok(&request));
    assert_eq!(transmit(&mut client_node, CLIENT), None);

    assert_eq!(receive(&mut server_node, &request), Delivery::Delivered);
    let s = server_node.get_mut(sh).unwrap();
    assert!(s.can_recv());
    let got = serve(s).unwrap();
    assert_eq!(got, RecvMeta { remote: Endpoint::new(CLIENT, 49152), local_addr: SERVER, hop_limit: 64 });
    assert!(!s.can_recv());

    // Server → client: ACK 2.05 from the address the request went to.
    let (meta, response) = transmit(&mut server_node, Ipv6Addr::UNSPECIFIED).unwrap();
    assert_eq!(
        meta,
        TxMeta {
            remote: Endpoint::new(CLIENT, 49152),
            src_port: COAP,
            local_addr: Some(SERVER),
            hop_limit: Some(255),
        }
    );
    assert_eq!(&response.udp[..6], &[0x16, 0x33, 0xc0, 0x00, 0x00, 0x12]);
    assert_eq!(&response.udp[8..], &CONTENT);
    assert!(smoltcp_checksum_ok(&response));

    assert_eq!(receive(&mut client_node, &response), Delivery::Delivered);
    let c = client_node.get_mut(ch).unwrap();
    let mut small = [0u8; 4];
    assert_eq!(c.recv_from(&mut small), Err(RecvError::Truncated));
    let mut buf = [0u8; 64];
    let (n, meta) = c.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], &CONTENT);
    assert_eq!(meta, RecvMeta { remote: Endpoint::new(SERVER, COAP), local_addr: CLIENT, hop_limit: 255 });
    assert_eq!(c.recv_from(&mut buf), Err(RecvError::Exhausted));

    // A datagram to a port nobody listens on: the node's call.
    let mut stray = request.clone();
    let repr = udp::Repr { src_port: 49152, dst_port: 5684, payload: &GET_TEMP };
    repr.emit(&mut udp::Packet::new_unchecked(&mut stray.udp[..]), &stray.src, &stray.dst);
    assert_eq!(receive(&mut server_node, &stray), Delivery::NoSocket);

    let s = server_node.get(sh).unwrap().stats();
    assert_eq!((s.rx_datagrams, s.rx_bytes, s.tx_datagrams, s.tx_bytes), (1, 10, 1, 10));
    assert_eq!(
        *server_node.stats(),
        SetStats { rx_delivered: 1, rx_no_socket: 1, rx_dropped: 0, tx_datagrams: 1 }
    );
    assert_eq!(
        *client_node.stats(),
        SetStats { rx_delivered: 1, rx_no_socket: 0, rx_dropped: 0, tx_datagrams: 1 }
    );
}

#[test]
fn multicast_discovery_and_overload() {
    let (mut c_rx, mut c_tx) = ([0u8; 512], [0u8; 512]);
    // Room for exactly two 10-byte requests (2 × (38 + 10)).
    let (mut s_rx, mut s_tx) = ([0u8; 96], [0u8; 256]);

    let mut client_node = SocketSet::new([SocketSlot::EMPTY; 3]);
    let mut client = UdpSocket::new(&mut c_rx, &mut c_tx);
    client.bind(49153).unwrap();
    let ch = client_node.add(client).unwrap();
    let mut server_node = SocketSet::new([SocketSlot::EMPTY; 3]);
    let mut server = UdpSocket::new(&mut s_rx, &mut s_tx);
    server.bind(COAP).unwrap();
    let sh = server_node.add(server).unwrap();

    // Three NON GETs to All-CoAP-Nodes, message IDs 1..=3.
    let c = client_node.get_mut(ch).unwrap();
    for id in 1..=3u8 {
        let mut req = GET_TEMP;
        req[0] = 0x51; // NON, token length 1
        req[3] = id;
        c.send_to(&req, (ALL_COAP, COAP)).unwrap();
    }
    assert_eq!(c.send_queue(), 3);
    let mut outcomes = Vec::new();
    while let Some((meta, packet)) = transmit(&mut client_node, CLIENT) {
        // No bound address: the node chose the source.
        assert_eq!((meta.local_addr, packet.src), (None, CLIENT));
        outcomes.push(receive(&mut server_node, &packet));
    }
    assert_eq!(
        outcomes,
        [Delivery::Delivered, Delivery::Delivered, Delivery::Dropped(DropReason::BufferFull)]
    );
    assert_eq!(server_node.get(sh).unwrap().stats().rx_dropped, 1);

    // The server answers both from a unicast address: the group is never a
    // source, so the node picks SERVER.
    let s = server_node.get_mut(sh).unwrap();
    assert_eq!(serve(s).map(|m| m.local_addr), Some(ALL_COAP));
    assert_eq!(serve(s).map(|m| m.local_addr), Some(ALL_COAP));
    assert_eq!(serve(s), None);
    let mut ids = Vec::new();
    while let Some((meta, packet)) = transmit(&mut server_node, SERVER) {
        assert_eq!(meta.local_addr, None);
        assert_eq!((packet.src, packet.dst), (SERVER, CLIENT));
        assert!(smoltcp_checksum_ok(&packet));
        assert_eq!(receive(&mut client_node, &packet), Delivery::Delivered);
        assert_eq!(packet.udp[8], 0x51);
        ids.push(packet.udp[8 + 3]);
    }
    assert_eq!(ids, [1, 2]);
    let c = client_node.get_mut(ch).unwrap();
    let mut buf = [0u8; 16];
    for id in [1, 2] {
        let (n, meta) = c.recv_from(&mut buf).unwrap();
        assert_eq!(n, 10);
        assert_eq!(buf[3], id);
        assert_eq!(meta.remote, Endpoint::new(SERVER, COAP));
    }
    assert_eq!(
        *server_node.stats(),
        SetStats { rx_delivered: 2, rx_no_socket: 0, rx_dropped: 1, tx_datagrams: 2 }
    );
}
