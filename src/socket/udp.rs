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
//! The socket itself is a few pointers and counters (about 150 bytes on a
//! 32-bit target); the number of queued datagrams is bounded only by the
//! buffer (at most `len / 38`).
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
        if max_len > self.payload_send_capacity() {
            return Err(SendError::TooLarge);
        }
        // Source address: the caller's, else the bound unicast address
        // (a multicast group is never a source, RFC 4291 §2.7).
        let local_addr =
            to.local_addr.or(endpoint.addr).filter(|a| !a.is_multicast() && !a.is_unspecified());
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
        if payload.len() > self.rx.payload_capacity() {
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
    pub fn dequeue_tx<R, E>(&mut self, f: impl FnOnce(&TxMeta, &[u8]) -> Result<R, E>) -> Option<Result<R, E>> {
        let result = self.peek_tx(f)?;
        if result.is_ok() {
            let len = self.tx.pop().map_or(0, |(_, payload)| payload.len());
            self.stats.tx_datagrams = self.stats.tx_datagrams.wrapping_add(1);
            self.stats.tx_bytes = self.stats.tx_bytes.wrapping_add(len as u32);
        }
        Some(result)
    }
}
