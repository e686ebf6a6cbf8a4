//! UDP sockets (RFC 768) over caller-provided buffers.
//!
//! A [`UdpSocket`] owns nothing: it borrows one receive and one transmit
//! byte buffer. The application calls [`UdpSocket::send_to`] /
//! [`UdpSocket::recv_from`]; the node moves datagrams in and out through
//! [`UdpSocket::process`] and [`UdpSocket::dequeue_tx`] (or, for many
//! sockets, through [`crate::socket::SocketSet`]).
//!
//! ```
//! use core::net::Ipv6Addr;
//! use sixlo::socket::udp::{Endpoint, UdpSocket};
//!
//! let (mut rx, mut tx) = ([0u8; 512], [0u8; 512]);
//! let mut socket = UdpSocket::new(&mut rx, &mut tx);
//! socket.bind(5683).unwrap();
//! let server = Endpoint::new(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1), 5683);
//! socket.send_to(b"\x40\x01\x00\x01", server).unwrap();
//! assert_eq!(socket.send_queue(), 1);
//! ```
//!
//! # Memory
//!
//! Each buffer holds whole datagrams back to back, each behind a
//! [`HEADER_LEN`] (38) byte header: remote address and port, local address,
//! length, hop limit. A datagram of `n` payload bytes costs `38 + n` bytes,
//! and a datagram is never split, so when the ring wraps up to one
//! datagram's worth of bytes at the end of the buffer can stay unused until
//! the ring drains past it. Sizing rules:
//!
//! - `k` datagrams of the same size `n` fit exactly in `k * (38 + n)` bytes;
//! - mixed sizes up to `n`: `(k + 1) * (38 + n)` bytes always hold `k`;
//! - one full-size datagram ([`MAX_PAYLOAD`], 1232 bytes) needs 1270 bytes.
//!
//! The socket itself is two slices, their offsets and 32 bytes of counters:
//! 168 bytes on a 64-bit host, about 112 on a 32-bit target (a
//! [`crate::socket::SocketSlot`] adds 8). The number of queued datagrams is
//! bounded only by the buffer (at most `len / 38`).
//!
//! # Truncation
//!
//! When the buffer given to [`UdpSocket::recv_from`] is smaller than the
//! next datagram, the call returns [`RecvError::Truncated`] and **keeps** the
//! datagram queued (smoltcp drops it): nothing is lost, and the caller can
//! [`UdpSocket::peek`] at it, retry with a larger buffer, read it in place
//! with [`UdpSocket::recv`], or throw it away with [`UdpSocket::discard`].

use core::net::{Ipv6Addr, SocketAddrV6};

use super::ring::{Header, Ring};

pub use super::ring::HEADER_LEN;

/// Largest payload a socket sends: the IPv6 minimum MTU (1280) minus the
/// IPv6 (40) and UDP (8) headers, so a datagram never needs IPv6
/// fragmentation (RFC 8200 §5).
pub const MAX_PAYLOAD: usize = 1280 - 40 - 8;

/// An IPv6 address and a UDP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The address.
    pub addr: Ipv6Addr,
    /// The port.
    pub port: u16,
}

impl Endpoint {
    /// An endpoint from its parts.
    pub const fn new(addr: Ipv6Addr, port: u16) -> Self {
        Endpoint { addr, port }
    }

    /// Whether we may send to it: a specified address and a non-zero port.
    pub fn is_specified(&self) -> bool {
        !self.addr.is_unspecified() && self.port != 0
    }
}

impl From<(Ipv6Addr, u16)> for Endpoint {
    fn from((addr, port): (Ipv6Addr, u16)) -> Self {
        Endpoint { addr, port }
    }
}

impl From<SocketAddrV6> for Endpoint {
    fn from(sa: SocketAddrV6) -> Self {
        Endpoint { addr: *sa.ip(), port: sa.port() }
    }
}

impl From<Endpoint> for SocketAddrV6 {
    fn from(ep: Endpoint) -> Self {
        SocketAddrV6::new(ep.addr, ep.port, 0, 0)
    }
}

/// What a socket is bound to: a port and, optionally, one local address
/// (unicast or multicast). Without an address, the socket receives on the
/// port for every address the node accepts, joined multicast groups
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenEndpoint {
    /// The local address, or `None` for any.
    pub addr: Option<Ipv6Addr>,
    /// The local port (never 0 in a bound socket).
    pub port: u16,
}

impl ListenEndpoint {
    /// Whether a datagram addressed to `dst` is for this endpoint.
    pub fn matches(&self, dst: &Endpoint) -> bool {
        self.port == dst.port && self.addr.is_none_or(|a| a == dst.addr)
    }
}

impl From<u16> for ListenEndpoint {
    fn from(port: u16) -> Self {
        ListenEndpoint { addr: None, port }
    }
}

impl From<(Ipv6Addr, u16)> for ListenEndpoint {
    fn from((addr, port): (Ipv6Addr, u16)) -> Self {
        Endpoint { addr, port }.into()
    }
}

impl From<Endpoint> for ListenEndpoint {
    /// The unspecified address means "any".
    fn from(ep: Endpoint) -> Self {
        ListenEndpoint { addr: (!ep.addr.is_unspecified()).then_some(ep.addr), port: ep.port }
    }
}

/// Where to send a datagram: the remote endpoint and, optionally, the
/// source address to use (otherwise the socket's bound unicast address, or
/// the node's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendMeta {
    /// The destination.
    pub remote: Endpoint,
    /// The source address, if the application picks it.
    pub local_addr: Option<Ipv6Addr>,
}

impl From<Endpoint> for SendMeta {
    fn from(remote: Endpoint) -> Self {
        SendMeta { remote, local_addr: None }
    }
}

impl From<(Ipv6Addr, u16)> for SendMeta {
    fn from(remote: (Ipv6Addr, u16)) -> Self {
        Endpoint::from(remote).into()
    }
}

impl From<SocketAddrV6> for SendMeta {
    fn from(remote: SocketAddrV6) -> Self {
        Endpoint::from(remote).into()
    }
}

impl From<RecvMeta> for SendMeta {
    /// The reply to a received datagram: back to its sender, from the
    /// address it was sent to — unless that was a multicast group, which is
    /// never a source address (RFC 4291 §2.7); the node then picks one
    /// (RFC 7252 §8.1 wants a unicast source for a multicast request's
    /// response).
    fn from(meta: RecvMeta) -> Self {
        let local = meta.local_addr;
        SendMeta {
            remote: meta.remote,
            local_addr: (!local.is_multicast() && !local.is_unspecified()).then_some(local),
        }
    }
}

/// What came with a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecvMeta {
    /// The sender.
    pub remote: Endpoint,
    /// The address it was sent to (one of ours, or a multicast group).
    pub local_addr: Ipv6Addr,
    /// The IPv6 Hop Limit it arrived with.
    pub hop_limit: u8,
}

/// A datagram the node should send, as [`UdpSocket::dequeue_tx`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxMeta {
    /// The destination.
    pub remote: Endpoint,
    /// The UDP source port: the socket's port.
    pub src_port: u16,
    /// The IPv6 source address: the one given to `send_to`, else the
    /// socket's bound address if it is unicast, else `None` and the node
    /// chooses (RFC 6724).
    pub local_addr: Option<Ipv6Addr>,
    /// The socket's hop limit option when the datagram was queued; `None`
    /// means the node's default.
    pub hop_limit: Option<u8>,
}

/// Why [`UdpSocket::bind`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindError {
    /// Port 0.
    Unaddressable,
    /// The socket is already bound; [`UdpSocket::close`] it first.
    InvalidState,
}

/// Why a datagram was not queued for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendError {
    /// The socket is not bound.
    NotBound,
    /// The destination address is unspecified or its port is 0.
    Unaddressable,
    /// Larger than [`MAX_PAYLOAD`] or than the transmit buffer can ever hold.
    TooLarge,
    /// Not enough room in the transmit buffer now; retry after the node has
    /// sent some datagrams.
    BufferFull,
}

/// Why nothing was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecvError {
    /// No datagram is queued.
    Exhausted,
    /// The caller's buffer is smaller than the next datagram, which stays
    /// queued (see the module documentation).
    Truncated,
}

/// Why a datagram for a socket was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The receive buffer has no room for it now.
    BufferFull,
    /// The receive buffer could never hold it.
    TooLarge,
}

/// What became of a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Queued in (at least) one socket.
    Delivered,
    /// No socket is bound to the destination: the node decides whether to
    /// answer with an ICMPv6 Destination Unreachable, Port Unreachable
    /// (RFC 4443 §3.1; not for multicast destinations, RFC 4443 §2.4 (e.3)).
    NoSocket,
    /// A socket wanted it but could not take it.
    Dropped(DropReason),
}

/// Counters of one socket. They wrap around.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct UdpStats {
    /// Datagrams queued for the application.
    pub rx_datagrams: u32,
    /// Payload bytes of those.
    pub rx_bytes: u32,
    /// Datagrams dropped because the receive buffer was full.
    pub rx_dropped: u32,
    /// Datagrams dropped because they were larger than the receive buffer.
    pub rx_too_large: u32,
    /// Datagrams the application queued for sending.
    pub tx_queued: u32,
    /// Datagrams handed to the node.
    pub tx_datagrams: u32,
    /// Payload bytes of those.
    pub tx_bytes: u32,
    /// `send_to` / `send_with` calls refused with [`SendError::BufferFull`].
    pub tx_full: u32,
}

/// A UDP socket over a receive and a transmit buffer.
#[derive(Debug)]
pub struct UdpSocket<'a> {
    rx: Ring<'a>,
    tx: Ring<'a>,
    endpoint: Option<ListenEndpoint>,
    hop_limit: Option<u8>,
    stats: UdpStats,
}

impl<'a> UdpSocket<'a> {
    /// An unbound socket over the two buffers (their contents are ignored).
    /// Each queue uses at most the first 65,535 bytes of its buffer.
    pub fn new(rx_buffer: &'a mut [u8], tx_buffer: &'a mut [u8]) -> Self {
        UdpSocket {
            rx: Ring::new(rx_buffer),
            tx: Ring::new(tx_buffer),
            endpoint: None,
            hop_limit: None,
            stats: UdpStats::default(),
        }
    }

    /// Binds to a port (`5683`), or to an address and a port
    /// (`(addr, 5683)`; the unspecified address means any).
    pub fn bind(&mut self, endpoint: impl Into<ListenEndpoint>) -> Result<(), BindError> {
        let endpoint = endpoint.into();
        if endpoint.port == 0 {
            return Err(BindError::Unaddressable);
        }
        if self.endpoint.is_some() {
            return Err(BindError::InvalidState);
        }
        self.endpoint = Some(endpoint);
        Ok(())
    }

    /// What the socket is bound to.
    pub fn endpoint(&self) -> Option<ListenEndpoint> {
        self.endpoint
    }

    /// Whether the socket is bound.
    pub fn is_open(&self) -> bool {
        self.endpoint.is_some()
    }

    /// Unbinds and empties both buffers (queued datagrams are lost; the
    /// counters stay).
    pub fn close(&mut self) {
        self.endpoint = None;
        self.rx.clear();
        self.tx.clear();
    }

    /// The hop limit option: `None` (the default) lets the node use its
    /// default (64, or what the router advertised).
    pub fn hop_limit(&self) -> Option<u8> {
        self.hop_limit
    }

    /// Sets the hop limit of the datagrams queued from now on.
    pub fn set_hop_limit(&mut self, hop_limit: Option<u8>) {
        self.hop_limit = hop_limit;
    }

    /// The counters.
    pub fn stats(&self) -> &UdpStats {
        &self.stats
    }

    /// Whether at least a zero-length datagram can be queued now; see
    /// [`UdpSocket::send_window`] for how large one may be.
    pub fn can_send(&self) -> bool {
        self.tx.window().is_some()
    }

    /// The largest payload [`UdpSocket::send_to`] accepts now (0 when
    /// nothing fits, see [`UdpSocket::can_send`]).
    pub fn send_window(&self) -> usize {
        self.tx.window().unwrap_or(0).min(MAX_PAYLOAD)
    }

    /// Whether a datagram is waiting to be received.
    pub fn can_recv(&self) -> bool {
        !self.rx.is_empty()
    }

    /// The largest datagram the empty receive buffer holds (its length
    /// minus [`HEADER_LEN`]).
    pub fn payload_recv_capacity(&self) -> usize {
        self.rx.payload_capacity()
    }

    /// The largest datagram the empty transmit buffer holds, at most
    /// [`MAX_PAYLOAD`].
    pub fn payload_send_capacity(&self) -> usize {
        self.tx.payload_capacity().min(MAX_PAYLOAD)
    }

    /// How many datagrams wait to be received.
    pub fn recv_queue(&self) -> usize {
        self.rx.len()
    }

    /// How many datagrams wait to be sent.
    pub fn send_queue(&self) -> usize {
        self.tx.len()
    }

    /// Queues `data` for `to` (an [`Endpoint`], an `(addr, port)` tuple, a
    /// `SocketAddrV6`, a [`SendMeta`] or the [`RecvMeta`] of a request to
    /// answer).
    pub fn send_to(&mut self, data: &[u8], to: impl Into<SendMeta>) -> Result<(), SendError> {
        self.send_with(data.len(), to, |buf| {
            buf.copy_from_slice(data);
            data.len()
        })
        .map(|_| ())
    }

    /// Reserves `max_len` bytes, lets `fill` build the payload in place
    /// and return its length (clamped to `max_len`), and queues it. Returns
    /// the length queued. `fill` is not called on error.
    pub fn send_with(
        &mut self,
        max_len: usize,
        to: impl Into<SendMeta>,
        fill: impl FnOnce(&mut [u8]) -> usize,
    ) -> Result<usize, SendError> {
        let to = to.into();
        let Some(endpoint) = self.endpoint else {
            return Err(SendError::NotBound);
        };
        if !to.remote.is_specified() {
            return Err(SendError::Unaddressable);
        }
        if max_len > MAX_PAYLOAD || !self.tx.fits_when_empty(max_len) {
            return Err(SendError::TooLarge);
        }
        // Source address: the caller's, else the bound unicast address
        // (a multicast group is never a source, RFC 4291 §2.7).
        let local_addr = to.local_addr.or(endpoint.addr).filter(|a| !a.is_multicast() && !a.is_unspecified());
        let header = Header {
            remote_addr: to.remote.addr,
            remote_port: to.remote.port,
            local_addr,
            hop_limit: self.hop_limit,
        };
        match self.tx.push_with(max_len, &header, fill) {
            Some(len) => {
                self.stats.tx_queued = self.stats.tx_queued.wrapping_add(1);
                Ok(len)
            }
            None => {
                self.stats.tx_full = self.stats.tx_full.wrapping_add(1);
                Err(SendError::BufferFull)
            }
        }
    }

    fn recv_meta(header: &Header) -> RecvMeta {
        RecvMeta {
            remote: Endpoint::new(header.remote_addr, header.remote_port),
            local_addr: header.local_addr.unwrap_or(Ipv6Addr::UNSPECIFIED),
            hop_limit: header.hop_limit.unwrap_or(0),
        }
    }

    /// Copies the next datagram into `buf` and dequeues it. When `buf` is
    /// too small, returns [`RecvError::Truncated`] and keeps the datagram.
    pub fn recv_from(&mut self, buf: &mut [u8]) -> Result<(usize, RecvMeta), RecvError> {
        let (payload, _) = self.peek()?;
        if payload.len() > buf.len() {
            return Err(RecvError::Truncated);
        }
        let (payload, meta) = self.recv()?;
        buf[..payload.len()].copy_from_slice(payload);
        Ok((payload.len(), meta))
    }

    /// Dequeues the next datagram and lends it in place.
    pub fn recv(&mut self) -> Result<(&[u8], RecvMeta), RecvError> {
        let (header, payload) = self.rx.pop().ok_or(RecvError::Exhausted)?;
        Ok((payload, Self::recv_meta(&header)))
    }

    /// The next datagram, left queued.
    pub fn peek(&self) -> Result<(&[u8], RecvMeta), RecvError> {
        let (header, payload) = self.rx.front().ok_or(RecvError::Exhausted)?;
        Ok((payload, Self::recv_meta(&header)))
    }

    /// Drops the next datagram; returns its metadata and length.
    pub fn discard(&mut self) -> Result<(usize, RecvMeta), RecvError> {
        self.recv().map(|(payload, meta)| (payload.len(), meta))
    }

    // ---- the node's side ----

    /// Whether a datagram from `src` to `dst` is for this socket: it is
    /// bound to `dst.port` and to `dst.addr` or to any address. The node
    /// has already checked that `dst.addr` is ours or a group we joined.
    pub fn accepts(&self, dst: &Endpoint) -> bool {
        self.endpoint.is_some_and(|ep| ep.matches(dst))
    }

    /// Queues a received datagram (the node has verified the UDP checksum).
    /// Returns [`Delivery::NoSocket`] when the socket does not
    /// [`accept`](Self::accepts) it.
    pub fn process(&mut self, src: Endpoint, dst: Endpoint, hop_limit: u8, payload: &[u8]) -> Delivery {
        if !self.accepts(&dst) {
            return Delivery::NoSocket;
        }
        if !self.rx.fits_when_empty(payload.len()) {
            self.stats.rx_too_large = self.stats.rx_too_large.wrapping_add(1);
            return Delivery::Dropped(DropReason::TooLarge);
        }
        let header = Header {
            remote_addr: src.addr,
            remote_port: src.port,
            local_addr: Some(dst.addr),
            hop_limit: Some(hop_limit),
        };
        match self.rx.push(payload, &header) {
            Some(len) => {
                self.stats.rx_datagrams = self.stats.rx_datagrams.wrapping_add(1);
                self.stats.rx_bytes = self.stats.rx_bytes.wrapping_add(len as u32);
                Delivery::Delivered
            }
            None => {
                self.stats.rx_dropped = self.stats.rx_dropped.wrapping_add(1);
                Delivery::Dropped(DropReason::BufferFull)
            }
        }
    }

    fn tx_meta(&self, header: &Header) -> TxMeta {
        TxMeta {
            remote: Endpoint::new(header.remote_addr, header.remote_port),
            src_port: self.endpoint.map_or(0, |ep| ep.port),
            local_addr: header.local_addr,
            hop_limit: header.hop_limit,
        }
    }

    /// Shows the next datagram to send to `f`, without dequeuing it.
    pub fn peek_tx<R>(&self, f: impl FnOnce(&TxMeta, &[u8]) -> R) -> Option<R> {
        let (header, payload) = self.tx.front()?;
        Some(f(&self.tx_meta(&header), payload))
    }

    /// Hands the next datagram to send to `f`. When `f` returns `Ok`, the
    /// datagram is dequeued; on `Err` it stays queued (for instance when
    /// the MAC queue is full) and the error is returned. `None` when there
    /// is nothing to send.
    pub fn dequeue_tx<R, E>(
        &mut self,
        f: impl FnOnce(&TxMeta, &[u8]) -> Result<R, E>,
    ) -> Option<Result<R, E>> {
        let result = self.peek_tx(f)?;
        if result.is_ok() {
            let len = self.tx.pop().map_or(0, |(_, payload)| payload.len());
            self.stats.tx_datagrams = self.stats.tx_datagrams.wrapping_add(1);
            self.stats.tx_bytes = self.stats.tx_bytes.wrapping_add(len as u32);
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    const A: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
    const B: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
    const ALL_COAP: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfd);

    fn sent(socket: &mut UdpSocket) -> Option<(TxMeta, Vec<u8>)> {
        socket.dequeue_tx(|m, p| Ok::<_, ()>((*m, p.to_vec()))).map(|r| r.unwrap())
    }

    #[test]
    fn bind_and_close() {
        let (mut rx, mut tx) = ([0u8; 64], [0u8; 64]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        assert!(!s.is_open());
        assert_eq!(s.bind(0), Err(BindError::Unaddressable));
        assert_eq!(s.bind((A, 0)), Err(BindError::Unaddressable));
        assert_eq!(s.bind((Ipv6Addr::UNSPECIFIED, 7)), Ok(()));
        assert_eq!(s.endpoint(), Some(ListenEndpoint { addr: None, port: 7 }));
        assert_eq!(s.bind(8), Err(BindError::InvalidState));
        s.send_to(b"x", (B, 9)).unwrap();
        assert_eq!(s.process(Endpoint::new(B, 9), Endpoint::new(A, 7), 64, b"y"), Delivery::Delivered);
        s.close();
        assert!(!s.is_open());
        assert_eq!((s.send_queue(), s.recv_queue()), (0, 0));
        assert_eq!(s.bind((A, 8)), Ok(()));
        assert_eq!(s.endpoint(), Some(ListenEndpoint { addr: Some(A), port: 8 }));
    }

    #[test]
    fn send_errors() {
        let (mut rx, mut tx) = ([0u8; 0], [0u8; 100]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        assert_eq!(s.send_to(b"x", (B, 9)), Err(SendError::NotBound));
        s.bind(7).unwrap();
        assert_eq!(s.send_to(b"x", (Ipv6Addr::UNSPECIFIED, 9)), Err(SendError::Unaddressable));
        assert_eq!(s.send_to(b"x", (B, 0)), Err(SendError::Unaddressable));
        assert_eq!(s.payload_send_capacity(), 62);
        assert_eq!(s.send_to(&[0; 63], (B, 9)), Err(SendError::TooLarge));
        assert_eq!(s.send_to(&[0; 62], (B, 9)), Ok(()));
        assert!(!s.can_send());
        assert_eq!(s.send_window(), 0);
        assert_eq!(s.send_to(b"", (B, 9)), Err(SendError::BufferFull));
        assert_eq!(s.stats().tx_full, 1);
        assert_eq!(s.stats().tx_queued, 1);
        let mut called = false;
        assert_eq!(
            s.send_with(1, (B, 9), |_| {
                called = true;
                1
            }),
            Err(SendError::BufferFull)
        );
        assert!(!called);
    }

    #[test]
    fn full_size_datagram() {
        let mut rx = [0u8; HEADER_LEN + MAX_PAYLOAD];
        let mut tx = [0u8; 2000];
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind(5683).unwrap();
        assert_eq!((s.payload_recv_capacity(), s.payload_send_capacity()), (1232, 1232));
        let big: Vec<u8> = (0..MAX_PAYLOAD).map(|i| (i * 7) as u8).collect();
        assert_eq!(s.send_to(&[0; MAX_PAYLOAD + 1], (B, 1)), Err(SendError::TooLarge));
        s.send_to(&big, (B, 1)).unwrap();
        let (meta, payload) = sent(&mut s).unwrap();
        assert_eq!(payload, big);
        assert_eq!(
            meta,
            TxMeta { remote: Endpoint::new(B, 1), src_port: 5683, local_addr: None, hop_limit: None }
        );

        let (src, dst) = (Endpoint::new(B, 1), Endpoint::new(A, 5683));
        assert_eq!(s.process(src, dst, 63, &big), Delivery::Delivered);
        assert_eq!(s.process(src, dst, 63, b""), Delivery::Dropped(DropReason::BufferFull));
        assert_eq!(s.process(src, dst, 63, &[0; 1233]), Delivery::Dropped(DropReason::TooLarge));
        assert_eq!((s.stats().rx_dropped, s.stats().rx_too_large), (1, 1));
        let mut buf = [0u8; 1500];
        let (n, meta) = s.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], &big[..]);
        assert_eq!(meta, RecvMeta { remote: src, local_addr: A, hop_limit: 63 });
        assert_eq!((s.stats().rx_datagrams, s.stats().rx_bytes), (1, 1232));
    }

    #[test]
    fn zero_length_datagrams() {
        let (mut rx, mut tx) = ([0u8; 2 * HEADER_LEN], [0u8; HEADER_LEN]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind(9).unwrap();
        assert_eq!((s.payload_send_capacity(), s.send_window()), (0, 0));
        assert!(s.can_send());
        s.send_to(b"", (B, 1)).unwrap();
        assert!(!s.can_send());
        assert_eq!(sent(&mut s).map(|(_, p)| p.len()), Some(0));
        let (src, dst) = (Endpoint::new(B, 1), Endpoint::new(A, 9));
        assert_eq!(s.process(src, dst, 1, b""), Delivery::Delivered);
        assert_eq!(s.process(src, dst, 2, b""), Delivery::Delivered);
        assert_eq!(s.process(src, dst, 3, b""), Delivery::Dropped(DropReason::BufferFull));
        assert_eq!(s.recv_from(&mut []).map(|(n, m)| (n, m.hop_limit)), Ok((0, 1)));
        assert_eq!(s.recv().map(|(p, m)| (p.len(), m.hop_limit)), Ok((0, 2)));
        assert_eq!(s.recv_from(&mut []), Err(RecvError::Exhausted));
    }

    #[test]
    fn truncation_keeps_the_datagram() {
        let (mut rx, mut tx) = ([0u8; 200], [0u8; 0]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind(9).unwrap();
        let (src, dst) = (Endpoint::new(B, 1), Endpoint::new(A, 9));
        s.process(src, dst, 64, b"hello world");
        s.process(src, dst, 64, b"second");
        let mut small = [0u8; 5];
        assert_eq!(s.recv_from(&mut small), Err(RecvError::Truncated));
        assert_eq!(s.recv_queue(), 2);
        assert_eq!(s.peek().map(|(p, _)| p.len()), Ok(11));
        let mut buf = [0u8; 11];
        assert_eq!(s.recv_from(&mut buf).map(|(n, _)| n), Ok(11));
        assert_eq!(&buf, b"hello world");
        assert_eq!(s.recv_from(&mut small), Err(RecvError::Truncated));
        assert_eq!(s.discard().map(|(n, m)| (n, m.remote)), Ok((6, src)));
        assert_eq!(s.peek(), Err(RecvError::Exhausted));
        assert_eq!(s.discard(), Err(RecvError::Exhausted));
    }

    #[test]
    fn wrap_around_with_odd_sizes() {
        // 101 bytes: records of 38 + 1..=9 bytes wrap at ever different places.
        let (mut rx, mut tx) = ([0u8; 101], [0u8; 101]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind(9).unwrap();
        let (src, dst) = (Endpoint::new(B, 1), Endpoint::new(A, 9));
        let mut expect_rx = std::collections::VecDeque::new();
        let mut expect_tx = std::collections::VecDeque::new();
        for i in 0..300usize {
            let payload: Vec<u8> = (0..1 + i % 9).map(|j| (i + j) as u8).collect();
            if s.process(src, dst, i as u8, &payload) == Delivery::Delivered {
                expect_rx.push_back((payload.clone(), i as u8));
            }
            if s.send_to(&payload, (B, i as u16 + 1)).is_ok() {
                expect_tx.push_back((payload, i as u16 + 1));
            }
            // Drain one of each every other step so the rings stay busy.
            if i % 2 == 1 {
                let mut buf = [0u8; 9];
                let got = s.recv_from(&mut buf).map(|(n, m)| (buf[..n].to_vec(), m.hop_limit));
                assert_eq!(got.ok(), expect_rx.pop_front());
                let got = sent(&mut s).map(|(m, p)| (p, m.remote.port));
                assert_eq!(got, expect_tx.pop_front());
            }
        }
        assert!(s.stats().rx_dropped > 0 && s.stats().tx_full > 0);
        assert_eq!(s.stats().rx_datagrams + s.stats().rx_dropped, 300);
    }

    #[test]
    fn filters_on_port_and_address() {
        let (mut rx, mut tx) = ([0u8; 200], [0u8; 200]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        let src = Endpoint::new(B, 1);
        assert_eq!(s.process(src, Endpoint::new(A, 9), 64, b"x"), Delivery::NoSocket);
        s.bind((ALL_COAP, 5683)).unwrap();
        assert_eq!(s.process(src, Endpoint::new(A, 5683), 64, b"x"), Delivery::NoSocket);
        assert_eq!(s.process(src, Endpoint::new(ALL_COAP, 5684), 64, b"x"), Delivery::NoSocket);
        assert_eq!(s.process(src, Endpoint::new(ALL_COAP, 5683), 64, b"x"), Delivery::Delivered);
        let (_, meta) = s.recv().unwrap();
        assert_eq!(meta.local_addr, ALL_COAP);
        // A reply to a multicast request leaves the source to the node; a
        // socket bound to a group never uses it as a source.
        assert_eq!(SendMeta::from(meta), SendMeta { remote: src, local_addr: None });
        s.send_to(b"r", meta).unwrap();
        assert_eq!(sent(&mut s).unwrap().0.local_addr, None);
        let unicast = RecvMeta { remote: src, local_addr: A, hop_limit: 64 };
        assert_eq!(SendMeta::from(unicast), SendMeta { remote: src, local_addr: Some(A) });
    }

    #[test]
    fn source_address_and_hop_limit() {
        let (mut rx, mut tx) = ([0u8; 0], [0u8; 200]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind((A, 7)).unwrap();
        s.set_hop_limit(Some(5));
        s.send_to(b"1", (B, 9)).unwrap();
        s.set_hop_limit(None);
        s.send_to(b"2", SendMeta { remote: Endpoint::new(B, 9), local_addr: Some(B) }).unwrap();
        let (m1, _) = sent(&mut s).unwrap();
        let (m2, _) = sent(&mut s).unwrap();
        assert_eq!((m1.local_addr, m1.hop_limit, m1.src_port), (Some(A), Some(5), 7));
        assert_eq!((m2.local_addr, m2.hop_limit), (Some(B), None));
        assert_eq!(s.hop_limit(), None);
    }

    #[test]
    fn send_with_builds_in_place() {
        let (mut rx, mut tx) = ([0u8; 0], [0u8; 200]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind(7).unwrap();
        let n = s.send_with(20, (B, 9), |buf| {
            assert_eq!(buf.len(), 20);
            buf[..3].copy_from_slice(b"abc");
            3
        });
        assert_eq!(n, Ok(3));
        // A fill that claims more than it was given is clamped.
        assert_eq!(s.send_with(4, (B, 9), |_| 99), Ok(4));
        // Only 3 + 38 + 4 + 38 = 83 bytes are used, not 20 + 38.
        assert_eq!(s.send_window(), 200 - 83 - HEADER_LEN);
        assert_eq!(sent(&mut s).unwrap().1, b"abc");
        assert_eq!(sent(&mut s).unwrap().1.len(), 4);
        assert_eq!((s.stats().tx_datagrams, s.stats().tx_bytes), (2, 7));
    }

    #[test]
    fn failed_emit_keeps_the_datagram() {
        let (mut rx, mut tx) = ([0u8; 0], [0u8; 100]);
        let mut s = UdpSocket::new(&mut rx, &mut tx);
        s.bind(7).unwrap();
        s.send_to(b"abc", (B, 9)).unwrap();
        assert_eq!(s.dequeue_tx(|_, _| Err::<(), _>("mac full")), Some(Err("mac full")));
        assert_eq!(s.send_queue(), 1);
        assert_eq!(s.peek_tx(|_, p| p.to_vec()), Some(b"abc".to_vec()));
        assert_eq!(s.dequeue_tx(|_, p| Ok::<_, ()>(p.len())), Some(Ok(3)));
        assert_eq!(s.dequeue_tx(|_, p| Ok::<_, ()>(p.len())), None);
        assert_eq!(s.stats().tx_datagrams, 1);
    }
}
