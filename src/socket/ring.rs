//! A ring of variable-size records in one caller-provided byte buffer.
//!
//! Every record is one datagram: a fixed [`HEADER_LEN`]-byte header (payload
//! length, remote endpoint, local address, flags, hop limit) followed by the
//! payload, stored **contiguously** so a datagram can be built in place
//! (`send_with`) and lent out as one slice (`peek`, `recv`).
//!
//! It is a bip buffer: records are appended after the last one while they
//! fit before the end of the buffer; a record that does not fit there goes
//! to offset 0 (if the oldest record starts far enough in), and the unused
//! tail is remembered in `wrap` instead of being marked in the buffer. So the
//! only waste is that tail, less than one record, and only while the ring is
//! wrapped. When the ring empties, all offsets reset to 0.
//!
//! Invariants (`count > 0`):
//! - not wrapped (`wrap == None`): records fill `[read, write)`, `write <= len`;
//! - wrapped (`wrap == Some(w)`): records fill `[read, w)` then `[0, write)`,
//!   with `write <= read < w <= len`;
//! - every record starts with a header whose length field gives the size of
//!   the record, and the record lies inside the buffer.
//!
//! With `count == 0`, `read == write == 0` and `wrap == None`.
//!
//! Offsets and the count are `u16`s (8 bytes of state instead of 40 on a
//! 64-bit target), so a ring uses at most the first 65,535 bytes of its
//! buffer; `wrap` is stored as 0 for `None` (a wrapped ring has
//! `wrap >= HEADER_LEN > 0`, and `read` after a pop is never 0 either).

use core::net::Ipv6Addr;

/// Bytes of metadata stored in front of every datagram in a socket buffer.
pub const HEADER_LEN: usize = 38;

mod field {
    use core::ops::Range;
    pub const LEN: Range<usize> = 0..2;
    pub const REMOTE_ADDR: Range<usize> = 2..18;
    pub const REMOTE_PORT: Range<usize> = 18..20;
    pub const LOCAL_ADDR: Range<usize> = 20..36;
    pub const FLAGS: usize = 36;
    pub const HOP_LIMIT: usize = 37;
}

const FLAG_LOCAL: u8 = 0x01;
const FLAG_HOP_LIMIT: u8 = 0x02;

/// The metadata stored in a record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub remote_addr: Ipv6Addr,
    pub remote_port: u16,
    pub local_addr: Option<Ipv6Addr>,
    pub hop_limit: Option<u8>,
}

impl Header {
    fn write(&self, len: u16, out: &mut [u8]) {
        out[field::LEN].copy_from_slice(&len.to_be_bytes());
        out[field::REMOTE_ADDR].copy_from_slice(&self.remote_addr.octets());
        out[field::REMOTE_PORT].copy_from_slice(&self.remote_port.to_be_bytes());
        out[field::LOCAL_ADDR].copy_from_slice(&self.local_addr.unwrap_or(Ipv6Addr::UNSPECIFIED).octets());
        let mut flags = 0;
        if self.local_addr.is_some() {
            flags |= FLAG_LOCAL;
        }
        if self.hop_limit.is_some() {
            flags |= FLAG_HOP_LIMIT;
        }
        out[field::FLAGS] = flags;
        out[field::HOP_LIMIT] = self.hop_limit.unwrap_or(0);
    }

    fn read(h: &[u8; HEADER_LEN]) -> (u16, Header) {
        let len = u16::from_be_bytes([h[0], h[1]]);
        let mut remote = [0; 16];
        remote.copy_from_slice(&h[field::REMOTE_ADDR]);
        let mut local = [0; 16];
        local.copy_from_slice(&h[field::LOCAL_ADDR]);
        let flags = h[field::FLAGS];
        let header = Header {
            remote_addr: Ipv6Addr::from(remote),
            remote_port: u16::from_be_bytes([h[18], h[19]]),
            local_addr: (flags & FLAG_LOCAL != 0).then_some(Ipv6Addr::from(local)),
            hop_limit: (flags & FLAG_HOP_LIMIT != 0).then_some(h[field::HOP_LIMIT]),
        };
        (len, header)
    }
}

/// The ring. See the module documentation.
#[derive(Debug)]
pub(crate) struct Ring<'a> {
    /// At most `u16::MAX` bytes, so every offset fits a `u16`.
    buf: &'a mut [u8],
    read: u16,
    write: u16,
    /// The end of the records before the wrap; 0 when not wrapped.
    wrap: u16,
    count: u16,
}

impl<'a> Ring<'a> {
    /// A ring over the first 65,535 bytes of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        let n = buf.len().min(usize::from(u16::MAX));
        let (buf, _) = buf.split_at_mut(n);
        Ring { buf, read: 0, write: 0, wrap: 0, count: 0 }
    }

    pub fn clear(&mut self) {
        self.read = 0;
        self.write = 0;
        self.wrap = 0;
        self.count = 0;
    }

    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// `(read, write, wrap)` as offsets.
    fn offsets(&self) -> (usize, usize, Option<usize>) {
        let wrap = (self.wrap != 0).then_some(usize::from(self.wrap));
        (usize::from(self.read), usize::from(self.write), wrap)
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The largest payload an empty ring holds.
    pub fn payload_capacity(&self) -> usize {
        self.buf.len().saturating_sub(HEADER_LEN).min(usize::from(u16::MAX))
    }

    /// Whether a payload of `len` bytes fits in the empty ring.
    pub fn fits_when_empty(&self, len: usize) -> bool {
        len <= usize::from(u16::MAX) && HEADER_LEN.saturating_add(len) <= self.buf.len()
    }

    /// Where a record of `size` bytes (header included) would go now.
    fn place(&self, size: usize) -> Option<usize> {
        if size > self.buf.len() {
            return None;
        }
        if self.count == 0 {
            return Some(0);
        }
        let (read, write, wrap) = self.offsets();
        match wrap {
            None if self.buf.len() - write >= size => Some(write),
            None if read >= size => Some(0),
            None => None,
            Some(_) if read - write >= size => Some(write),
            Some(_) => None,
        }
    }

    /// The largest payload that fits now (`None` when not even a header fits).
    pub fn window(&self) -> Option<usize> {
        let (read, write, wrap) = self.offsets();
        let contiguous = if self.count == 0 {
            self.buf.len()
        } else {
            match wrap {
                None => (self.buf.len() - write).max(read),
                Some(_) => read - write,
            }
        };
        contiguous.checked_sub(HEADER_LEN).map(|n| n.min(usize::from(u16::MAX)))
    }

    /// Appends a record of up to `max_len` payload bytes filled by `fill`,
    /// which returns how many it wrote (clamped to `max_len`). Returns the
    /// payload length, or `None` when it does not fit now.
    pub fn push_with(
        &mut self,
        max_len: usize,
        header: &Header,
        fill: impl FnOnce(&mut [u8]) -> usize,
    ) -> Option<usize> {
        if max_len > usize::from(u16::MAX) {
            return None;
        }
        let at = self.place(HEADER_LEN + max_len)?;
        // `place` checked that `at + HEADER_LEN + max_len <= buf.len()`.
        let record = &mut self.buf[at..at + HEADER_LEN + max_len];
        let (head, payload) = record.split_at_mut(HEADER_LEN);
        let len = fill(payload).min(max_len);
        // `len <= max_len <= u16::MAX`.
        header.write(len as u16, head);
        // Offsets stay within `buf.len() <= u16::MAX`; a record takes at
        // least HEADER_LEN bytes, so the count stays below u16::MAX too.
        let end = (at + HEADER_LEN + len) as u16;
        if at != usize::from(self.write) {
            self.wrap = self.write;
        }
        self.write = end;
        self.count += 1;
        Some(len)
    }

    pub fn push(&mut self, payload: &[u8], header: &Header) -> Option<usize> {
        self.push_with(payload.len(), header, |buf| {
            buf.copy_from_slice(payload);
            payload.len()
        })
    }

    /// The oldest record: its header and payload.
    pub fn front(&self) -> Option<(Header, &[u8])> {
        if self.count == 0 {
            return None;
        }
        let read = usize::from(self.read);
        let head: &[u8; HEADER_LEN] = self.buf.get(read..read + HEADER_LEN)?.try_into().ok()?;
        let (len, header) = Header::read(head);
        let start = read + HEADER_LEN;
        let payload = self.buf.get(start..start + usize::from(len))?;
        Some((header, payload))
    }

    /// Removes the oldest record; returns its header and payload (still
    /// readable until the ring is written again).
    pub fn pop(&mut self) -> Option<(Header, &[u8])> {
        let (header, len) = {
            let (header, payload) = self.front()?;
            (header, payload.len())
        };
        let start = usize::from(self.read) + HEADER_LEN;
        // `front` found the record inside `buf`, so the end fits a u16.
        self.read = (start + len) as u16;
        self.count -= 1;
        if self.count == 0 {
            self.clear();
        } else if self.wrap == self.read {
            self.read = 0;
            self.wrap = 0;
        }
        // The bytes stay where they were; a reset of the offsets does not
        // touch them.
        Some((header, &self.buf[start..start + len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;
    use std::vec::Vec;

    fn hdr(port: u16) -> Header {
        Header {
            remote_addr: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, port),
            remote_port: port,
            local_addr: if port % 2 == 0 { Some(Ipv6Addr::LOCALHOST) } else { None },
            hop_limit: if port % 3 == 0 { Some(port as u8) } else { None },
        }
    }

    #[test]
    fn header_round_trip() {
        let mut buf = [0u8; HEADER_LEN];
        for port in 0..7 {
            let h = hdr(port);
            h.write(513, &mut buf);
            assert_eq!(Header::read(&buf), (513, h));
        }
    }

    #[test]
    fn wraps_with_odd_sizes() {
        // 3 records of 38 + 5 = 43 bytes in 100 bytes: the third must wrap.
        let mut storage = [0u8; 100];
        let mut ring = Ring::new(&mut storage);
        assert_eq!(ring.push(b"aaaaa", &hdr(1)), Some(5));
        assert_eq!(ring.push(b"bbbbb", &hdr(2)), Some(5));
        assert_eq!(ring.offsets(), (0, 86, None));
        assert_eq!(ring.push(b"ccccc", &hdr(3)), None);
        assert_eq!(ring.window(), None); // 14 bytes of tail, 0 before `read`
        assert_eq!(ring.pop().map(|(h, p)| (h, p.to_vec())), Some((hdr(1), b"aaaaa".to_vec())));
        assert_eq!(ring.push(b"ccccc", &hdr(3)), Some(5));
        assert_eq!(ring.offsets(), (43, 43, Some(86)));
        assert_eq!(ring.window(), None);
        assert_eq!(ring.pop().map(|(h, p)| (h, p.to_vec())), Some((hdr(2), b"bbbbb".to_vec())));
        assert_eq!((ring.offsets().0, ring.offsets().2), (0, None));
        assert_eq!(ring.pop().map(|(h, p)| (h, p.to_vec())), Some((hdr(3), b"ccccc".to_vec())));
        assert!(ring.is_empty());
        assert_eq!(ring.offsets(), (0, 0, None));
    }

    #[test]
    fn zero_size_buffer_never_panics() {
        let mut storage = [0u8; 0];
        let mut ring = Ring::new(&mut storage);
        assert_eq!(ring.payload_capacity(), 0);
        assert_eq!(ring.window(), None);
        assert_eq!(ring.push(b"", &hdr(1)), None);
        assert!(ring.pop().is_none());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u16, usize),
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![(any::<u16>(), 0usize..120).prop_map(|(p, n)| Op::Push(p, n)), Just(Op::Pop)]
    }

    proptest! {
        /// The ring behaves like a FIFO queue: every accepted record comes
        /// back intact and in order; pushes are refused only when there is
        /// really no contiguous room.
        #[test]
        fn behaves_like_a_queue(cap in 0usize..400, ops in proptest::collection::vec(op(), 0..200)) {
            let mut storage = std::vec![0u8; cap];
            let mut ring = Ring::new(&mut storage);
            let mut model: VecDeque<(Header, Vec<u8>)> = VecDeque::new();
            for (i, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Push(port, n) => {
                        let payload: Vec<u8> = (0..n).map(|j| (i + j) as u8).collect();
                        let window = ring.window();
                        let was_empty = model.is_empty();
                        let pushed = ring.push(&payload, &hdr(port));
                        prop_assert_eq!(pushed.is_some(), window.is_some_and(|w| w >= n));
                        // An empty ring takes anything up to its capacity.
                        if was_empty {
                            prop_assert_eq!(pushed.is_some(), ring.fits_when_empty(n));
                        }
                        if pushed.is_some() {
                            model.push_back((hdr(port), payload));
                        }
                    }
                    Op::Pop => {
                        let got = ring.pop().map(|(h, p)| (h, p.to_vec()));
                        prop_assert_eq!(got, model.pop_front());
                    }
                }
                prop_assert_eq!(ring.len(), model.len());
                let used: usize = model.iter().map(|(_, p)| HEADER_LEN + p.len()).sum();
                prop_assert!(used <= cap);
            }
        }
    }
}
