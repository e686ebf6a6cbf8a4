//! A bounded set of UDP sockets in caller storage, and the node's two entry
//! points: [`SocketSet::deliver`] (a received datagram) and
//! [`SocketSet::dequeue_tx`] (the next datagram to send).

use core::marker::PhantomData;

use crate::mac::Slots;

use super::udp::{Delivery, DropReason, Endpoint, TxMeta, UdpSocket};

/// One place in a [`SocketSet`]: a socket or nothing, plus a generation
/// that makes handles to a removed socket stale.
#[derive(Debug)]
pub struct SocketSlot<'a> {
    generation: u16,
    socket: Option<UdpSocket<'a>>,
}

impl SocketSlot<'_> {
    /// An empty slot, for arrays: `[SocketSlot::EMPTY; 4]`.
    pub const EMPTY: Self = SocketSlot { generation: 0, socket: None };
}

impl Default for SocketSlot<'_> {
    fn default() -> Self {
        SocketSlot::EMPTY
    }
}

/// Names a socket in a [`SocketSet`]. A handle to a removed socket never
/// names the socket added later in the same slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketHandle {
    index: u16,
    generation: u16,
}

impl SocketHandle {
    /// The slot index.
    pub fn index(&self) -> usize {
        usize::from(self.index)
    }
}

/// Why [`SocketSet::add`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddError {
    /// Every slot holds a socket (the socket given is dropped, which ends
    /// its borrow of the buffers).
    Full,
}

/// Counters of a [`SocketSet`]. They wrap around.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SetStats {
    /// Datagrams queued in a socket (a multicast datagram taken by three
    /// sockets counts once).
    pub rx_delivered: u32,
    /// Datagrams no socket was bound to.
    pub rx_no_socket: u32,
    /// Datagrams the sockets bound to them could not take.
    pub rx_dropped: u32,
    /// Datagrams handed to the node by `dequeue_tx`.
    pub tx_datagrams: u32,
}

/// Up to `S`'s length UDP sockets.
///
/// Storage is anything that is `AsRef<[SocketSlot]> + AsMut<[SocketSlot]>`
/// (see [`crate::mac::Slots`]): `[SocketSlot::EMPTY; 4]`, a `&mut` slice, a
/// `Vec`. At most 65 535 slots are used.
///
/// Demultiplexing (`deliver`): a datagram to a unicast address goes to the
/// socket bound to that address and port, else to the first (lowest slot)
/// socket bound to the port and any address; a datagram to a multicast
/// group goes to every socket that accepts it (RFC 768 leaves this to the
/// host; this is what POSIX hosts do with `SO_REUSEADDR`).
#[derive(Debug)]
pub struct SocketSet<'a, S> {
    slots: S,
    next_tx: usize,
    stats: SetStats,
    _socket: PhantomData<SocketSlot<'a>>,
}

impl<'a, S: Slots<SocketSlot<'a>>> SocketSet<'a, S> {
    /// A set over `slots` (sockets already in them stay).
    pub fn new(slots: S) -> Self {
        SocketSet { slots, next_tx: 0, stats: SetStats::default(), _socket: PhantomData }
    }

    fn slots(&self) -> &[SocketSlot<'a>] {
        let slots = self.slots.as_ref();
        &slots[..slots.len().min(usize::from(u16::MAX))]
    }

    fn slots_mut(&mut self) -> &mut [SocketSlot<'a>] {
        let slots = self.slots.as_mut();
        let n = slots.len().min(usize::from(u16::MAX));
        &mut slots[..n]
    }

    /// Adds a socket in the first free slot.
    pub fn add(&mut self, socket: UdpSocket<'a>) -> Result<SocketHandle, AddError> {
        let (index, slot) = self
            .slots_mut()
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.socket.is_none())
            .ok_or(AddError::Full)?;
        slot.socket = Some(socket);
        // `slots_mut` holds at most u16::MAX slots.
        Ok(SocketHandle { index: index as u16, generation: slot.generation })
    }

    /// The socket, if the handle is still valid.
    pub fn get(&self, handle: SocketHandle) -> Option<&UdpSocket<'a>> {
        let slot = self.slots().get(handle.index())?;
        if slot.generation != handle.generation {
            return None;
        }
        slot.socket.as_ref()
    }

    /// The socket, if the handle is still valid.
    pub fn get_mut(&mut self, handle: SocketHandle) -> Option<&mut UdpSocket<'a>> {
        let slot = self.slots_mut().get_mut(handle.index())?;
        if slot.generation != handle.generation {
            return None;
        }
        slot.socket.as_mut()
    }

    /// Removes the socket and gives it back; the handle becomes stale.
    pub fn remove(&mut self, handle: SocketHandle) -> Option<UdpSocket<'a>> {
        let slot = self.slots_mut().get_mut(handle.index())?;
        if slot.generation != handle.generation {
            return None;
        }
        let socket = slot.socket.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        Some(socket)
    }

    /// The sockets with their handles, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (SocketHandle, &UdpSocket<'a>)> {
        self.slots().iter().enumerate().filter_map(|(i, slot)| {
            let handle = SocketHandle { index: i as u16, generation: slot.generation };
            slot.socket.as_ref().map(|s| (handle, s))
        })
    }

    /// The set's counters.
    pub fn stats(&self) -> &SetStats {
        &self.stats
    }

    /// The node's receive path: a UDP datagram from `src` to `dst` (the
    /// node has checked the checksum and that `dst.addr` is ours or a group
    /// we joined) arrived with `hop_limit`. See the type documentation for
    /// which sockets get it.
    ///
    /// [`Delivery::NoSocket`] asks the node to consider an ICMPv6 Port
    /// Unreachable (RFC 4443 §3.1); [`Delivery::Dropped`] is also counted
    /// in the socket's `rx_dropped` / `rx_too_large`.
    pub fn deliver(&mut self, src: Endpoint, dst: Endpoint, hop_limit: u8, payload: &[u8]) -> Delivery {
        let outcome = if dst.addr.is_multicast() {
            let mut outcome = Delivery::NoSocket;
            for socket in self.slots_mut().iter_mut().filter_map(|s| s.socket.as_mut()) {
                match socket.process(src, dst, hop_limit, payload) {
                    Delivery::Delivered => outcome = Delivery::Delivered,
                    Delivery::Dropped(why) if outcome != Delivery::Delivered => {
                        outcome = Delivery::Dropped(why)
                    }
                    _ => {}
                }
            }
            outcome
        } else {
            let sockets = self.slots();
            // A socket bound to an address that accepts `dst` is bound to
            // `dst.addr` itself: the most specific match.
            let bound_to_addr = |s: &UdpSocket| s.endpoint().is_some_and(|ep| ep.addr.is_some());
            let exact = sockets
                .iter()
                .position(|s| s.socket.as_ref().is_some_and(|s| s.accepts(&dst) && bound_to_addr(s)));
            let any = || sockets.iter().position(|s| s.socket.as_ref().is_some_and(|s| s.accepts(&dst)));
            match exact.or_else(any) {
                Some(i) => match self.slots_mut()[i].socket.as_mut() {
                    Some(socket) => socket.process(src, dst, hop_limit, payload),
                    None => Delivery::NoSocket,
                },
                None => Delivery::NoSocket,
            }
        };
        let counter = match outcome {
            Delivery::Delivered => &mut self.stats.rx_delivered,
            Delivery::NoSocket => &mut self.stats.rx_no_socket,
            Delivery::Dropped(DropReason::BufferFull | DropReason::TooLarge) => &mut self.stats.rx_dropped,
        };
        *counter = counter.wrapping_add(1);
        outcome
    }

    /// The socket whose datagram goes out next: round robin from the one
    /// after the last socket served.
    fn next_tx_index(&self) -> Option<usize> {
        let slots = self.slots();
        let n = slots.len();
        // `next_tx <= n`: wrap without dividing.
        let mut i = self.next_tx;
        for _ in 0..n {
            if i >= n {
                i = 0;
            }
            if slots[i].socket.as_ref().is_some_and(|s| s.send_queue() > 0) {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// Shows the datagram [`SocketSet::dequeue_tx`] would hand out next.
    pub fn peek_tx<R>(&self, f: impl FnOnce(SocketHandle, &TxMeta, &[u8]) -> R) -> Option<R> {
        let i = self.next_tx_index()?;
        let slot = &self.slots()[i];
        let handle = SocketHandle { index: i as u16, generation: slot.generation };
        slot.socket.as_ref()?.peek_tx(|meta, payload| f(handle, meta, payload))
    }

    /// The node's transmit path: hands the next pending datagram, taking
    /// the sockets in turn (one datagram per socket per round), to `f`
    /// with the sending socket's handle. On `Ok` the datagram is dequeued
    /// and the next call starts at the next socket; on `Err` it stays
    /// queued and the same socket comes first again. `None`: nothing to
    /// send.
    pub fn dequeue_tx<R, E>(
        &mut self,
        f: impl FnOnce(SocketHandle, &TxMeta, &[u8]) -> Result<R, E>,
    ) -> Option<Result<R, E>> {
        let i = self.next_tx_index()?;
        let slot = &mut self.slots_mut()[i];
        let handle = SocketHandle { index: i as u16, generation: slot.generation };
        let result = slot.socket.as_mut()?.dequeue_tx(|meta, payload| f(handle, meta, payload))?;
        if result.is_ok() {
            // May be `n`: `next_tx_index` wraps it.
            self.next_tx = i + 1;
            self.stats.tx_datagrams = self.stats.tx_datagrams.wrapping_add(1);
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv6Addr;
    use std::vec::Vec;

    const A: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
    const A2: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    const B: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
    const GROUP: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfd);

    fn bound<'a>(
        rx: &'a mut [u8],
        tx: &'a mut [u8],
        ep: impl Into<crate::socket::udp::ListenEndpoint>,
    ) -> UdpSocket<'a> {
        let mut s = UdpSocket::new(rx, tx);
        s.bind(ep).unwrap();
        s
    }

    #[test]
    fn add_get_remove() {
        let mut bufs = [[0u8; 64]; 6];
        let [b0, b1, b2, b3, b4, b5] = &mut bufs;
        let mut set = SocketSet::new([SocketSlot::EMPTY, SocketSlot::EMPTY]);
        let h0 = set.add(bound(b0, b1, 1)).unwrap();
        let h1 = set.add(bound(b2, b3, 2)).unwrap();
        assert_eq!(set.add(UdpSocket::new(&mut [], &mut [])), Err(AddError::Full));
        assert_eq!((h0.index(), h1.index()), (0, 1));
        assert_eq!(set.get(h1).and_then(|s| s.endpoint()).map(|e| e.port), Some(2));
        let s0 = set.remove(h0).unwrap();
        assert_eq!(s0.endpoint().map(|e| e.port), Some(1));
        assert!(set.get_mut(h0).is_none());
        assert!(set.remove(h0).is_none());
        let h2 = set.add(bound(b4, b5, 3)).unwrap();
        assert_eq!(h2.index(), 0);
        assert_ne!(h2, h0);
        assert!(set.get(h0).is_none());
        assert_eq!(set.get_mut(h2).and_then(|s| s.endpoint()).map(|e| e.port), Some(3));
        let ports: Vec<u16> = set.iter().map(|(_, s)| s.endpoint().unwrap().port).collect();
        assert_eq!(ports, [3, 2]);
    }

    #[test]
    fn demultiplexing() {
        let mut bufs = [[0u8; 100]; 8];
        let [b0, b1, b2, b3, b4, b5, b6, b7] = &mut bufs;
        let mut slots = [SocketSlot::EMPTY, SocketSlot::EMPTY, SocketSlot::EMPTY, SocketSlot::EMPTY];
        let mut set = SocketSet::new(&mut slots[..]);
        let any = set.add(bound(b0, b1, 5683)).unwrap();
        let exact = set.add(bound(b2, b3, (A, 5683))).unwrap();
        let group = set.add(bound(b4, b5, (GROUP, 5683))).unwrap();
        let small = set.add(bound(&mut b6[..40], b7, 9)).unwrap();
        let src = Endpoint::new(B, 40000);
        fn rx<'a, S: Slots<SocketSlot<'a>>>(set: &SocketSet<'a, S>, h: SocketHandle) -> Option<usize> {
            set.get(h).map(UdpSocket::recv_queue)
        }

        // Unicast: the socket bound to the address wins over "any".
        assert_eq!(set.deliver(src, Endpoint::new(A, 5683), 64, b"1"), Delivery::Delivered);
        assert_eq!((rx(&set, any), rx(&set, exact)), (Some(0), Some(1)));
        assert_eq!(set.deliver(src, Endpoint::new(A2, 5683), 64, b"2"), Delivery::Delivered);
        assert_eq!((rx(&set, any), rx(&set, exact)), (Some(1), Some(1)));
        // Multicast: every socket that accepts it.
        assert_eq!(set.deliver(src, Endpoint::new(GROUP, 5683), 64, b"3"), Delivery::Delivered);
        assert_eq!((rx(&set, any), rx(&set, exact), rx(&set, group)), (Some(2), Some(1), Some(1)));
        // Nobody on the port.
        assert_eq!(set.deliver(src, Endpoint::new(A, 5684), 64, b"4"), Delivery::NoSocket);
        // 40 bytes of buffer: 2 bytes of payload, then full.
        assert_eq!(
            set.deliver(src, Endpoint::new(A, 9), 64, b"abc"),
            Delivery::Dropped(DropReason::TooLarge)
        );
        assert_eq!(set.deliver(src, Endpoint::new(A, 9), 64, b"ab"), Delivery::Delivered);
        assert_eq!(set.deliver(src, Endpoint::new(A, 9), 64, b""), Delivery::Dropped(DropReason::BufferFull));
        let stats = *set.get(small).unwrap().stats();
        assert_eq!((stats.rx_datagrams, stats.rx_dropped, stats.rx_too_large), (1, 1, 1));
        assert_eq!(
            *set.stats(),
            SetStats { rx_delivered: 4, rx_no_socket: 1, rx_dropped: 2, tx_datagrams: 0 }
        );
    }

    #[test]
    fn round_robin_transmit() {
        let mut bufs = [[0u8; 300]; 6];
        let [b0, b1, b2, b3, b4, b5] = &mut bufs;
        let mut set = SocketSet::new([SocketSlot::EMPTY, SocketSlot::EMPTY, SocketSlot::EMPTY]);
        let mut handles = Vec::new();
        for (i, (rx, tx)) in [(b0, b1), (b2, b3), (b4, b5)].into_iter().enumerate() {
            let mut s = bound(rx, tx, 100 + i as u16);
            for k in 0..[3, 1, 2][i] {
                s.send_to(&[i as u8, k], (B, 1)).unwrap();
            }
            handles.push(set.add(s).unwrap());
        }
        let mut order = Vec::new();
        // A refused emit leaves the same datagram first.
        assert_eq!(set.dequeue_tx(|_, _, _| Err::<(), _>(())), Some(Err(())));
        assert_eq!(
            set.peek_tx(|h, m, p| (h, m.src_port, p.to_vec())),
            Some((handles[0], 100, [0, 0].to_vec()))
        );
        while let Some(r) = set.dequeue_tx(|h, m, p| Ok::<_, ()>((h.index(), m.src_port, p[1]))) {
            order.push(r.unwrap());
        }
        assert_eq!(order, [(0, 100, 0), (1, 101, 0), (2, 102, 0), (0, 100, 1), (2, 102, 1), (0, 100, 2)]);
        assert_eq!(set.stats().tx_datagrams, 6);
        assert_eq!(set.peek_tx(|_, _, _| ()), None);
    }

    #[test]
    fn empty_storage() {
        let mut set = SocketSet::new([]);
        assert_eq!(set.add(UdpSocket::new(&mut [], &mut [])), Err(AddError::Full));
        assert_eq!(set.deliver(Endpoint::new(B, 1), Endpoint::new(A, 2), 64, b""), Delivery::NoSocket);
        assert_eq!(set.dequeue_tx(|_, _, _| Ok::<(), ()>(())), None);
    }
}
