//! IPv6 reassembly (RFC 8200 §4.5) of datagrams up to the slot size
//! (1280 bytes by default).
//!
//! The 6LoWPAN reassembler (`lowpan::frag`) is keyed by link addresses and
//! knows the datagram size from the first fragment it sees; here the size
//! is only known from the last fragment and the key is
//! (source, destination, identification), so this is a separate, compact
//! implementation with the same bitmap idea: one bit per 8-octet block of
//! fragmentable data.
//!
//! # Policies
//!
//! - **Storage**: slots are caller buffers ([`FragSlot`] over any
//!   `AsRef<[u8]> + AsMut<[u8]>`, e.g. `[u8; 1280]`); each costs its
//!   buffer plus 136 bytes on x86_64 (the slot record with its 3-word
//!   block bitmap, and the buffer reference). The datagram is rebuilt in
//!   place, the unfragmentable part first.
//! - **Slots full**: a fragment of a new datagram is dropped
//!   ([`ReassemblyError::NoSlot`]); datagrams in progress are not evicted,
//!   except those past their timeout.
//! - **Overlaps**: any overlap, exact duplicates included, abandons the
//!   datagram (RFC 5722 §4; RFC 8200 §4.5 allows but does not require
//!   keeping exact duplicates).
//! - **Timeout**: 60 s from the first fragment received (RFC 8200 §4.5).
//!   No Time Exceeded is sent on timeout (the first fragment's bytes are
//!   not kept apart to build one).
//! - **Atomic fragments** (offset 0, M = 0, RFC 6946) go through a slot
//!   like any other and come out at once.

use crate::bump;
use core::marker::PhantomData;
use core::net::Ipv6Addr;

use crate::mac::Slots;
use crate::time::{Duration, Instant, earliest};
use crate::wire::ipv6::{self, FragmentRepr, HEADER_LEN, IpProtocol};

/// The default reassembly timeout, 60 s (RFC 8200 §4.5).
pub const REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest datagram this reassembler rebuilds (the IPv6 minimum MTU).
pub const MAX_DATAGRAM: usize = 1280;
/// Words of the received-blocks bitmap: one bit per 8-octet block of
/// fragmentable data (`end <= MAX_DATAGRAM` is checked first).
const BITMAP: usize = MAX_DATAGRAM.div_ceil(8 * 64);

/// Why a fragment was dropped; each case is counted in [`ReassemblyStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReassemblyError {
    /// The packet has no Fragment header (deliver it as it is).
    NotFragment,
    /// A bad packet or fragment: not IPv6, a broken header chain, a
    /// non-final fragment whose length is not a positive multiple of 8
    /// (RFC 8200 §4.5), or data past the end a final fragment announced.
    /// The datagram it belongs to, if any, is abandoned.
    Invalid,
    /// The fragment overlaps data already received: the datagram is
    /// abandoned (RFC 5722 §4).
    Overlap,
    /// The datagram is larger than the slot (or 1280 bytes); abandoned.
    TooLarge,
    /// Every slot is busy with another datagram.
    NoSlot,
}

/// Reassembly counters (saturating).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ReassemblyStats {
    /// Datagrams rebuilt.
    pub reassembled: u32,
    /// Datagrams abandoned at their timeout.
    pub timeouts: u32,
    /// Datagrams abandoned for an overlap.
    pub overlaps: u32,
    /// Fragments dropped for lack of a slot.
    pub no_slot: u32,
    /// Fragments dropped (and datagrams abandoned) for size.
    pub too_large: u32,
    /// Invalid fragments dropped.
    pub invalid: u32,
}

impl ReassemblyStats {
    /// Every dropped fragment or abandoned datagram.
    pub fn drops(&self) -> u32 {
        self.timeouts
            .saturating_add(self.overlaps)
            .saturating_add(self.no_slot)
            .saturating_add(self.too_large)
            .saturating_add(self.invalid)
    }
}

#[derive(Debug, Clone, Copy)]
struct State {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    id: u32,
    started: Instant,
    /// Length of the unfragmentable part (IPv6 header + headers before the
    /// Fragment header).
    unfrag_len: usize,
    /// Offset of the Next Header octet that announced the Fragment header.
    nh_pos: usize,
    /// The fragmentable part's Next Header, once the offset-0 fragment came.
    next_header: Option<IpProtocol>,
    /// Length of the fragmentable part, once the last fragment came.
    total: Option<usize>,
    received: usize,
    max_end: usize,
    have: [u64; BITMAP],
}

/// One reassembly slot: a buffer and its bookkeeping.
#[derive(Debug, Clone)]
pub struct FragSlot<B> {
    buf: B,
    state: Option<State>,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> FragSlot<B> {
    /// A free slot rebuilding datagrams in `buf` (up to
    /// `min(buf.len(), 1280)` bytes).
    pub fn new(buf: B) -> Self {
        FragSlot { buf, state: None }
    }

    /// True when a datagram is in progress here.
    pub fn is_busy(&self) -> bool {
        self.state.is_some()
    }
}

/// The IPv6 reassembler over slots `S` (e.g. `[FragSlot<[u8; 1280]>; 2]`).
#[derive(Debug)]
pub struct Reassembler<B, S: Slots<FragSlot<B>>> {
    slots: S,
    timeout: Duration,
    stats: ReassemblyStats,
    _buf: PhantomData<fn() -> B>,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, S: Slots<FragSlot<B>>> Reassembler<B, S> {
    /// A reassembler with the default 60 s timeout; the slots are freed.
    pub fn new(mut slots: S) -> Self {
        slots.as_mut().iter_mut().for_each(|s| s.state = None);
        Reassembler {
            slots,
            timeout: REASSEMBLY_TIMEOUT,
            stats: ReassemblyStats::default(),
            _buf: PhantomData,
        }
    }

    /// Sets the timeout (at most 60 s makes sense, RFC 8200 §4.5).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The counters.
    pub fn stats(&self) -> &ReassemblyStats {
        &self.stats
    }

    /// Takes one fragment (a whole IPv6 packet with a Fragment header).
    /// Returns the rebuilt datagram when this fragment completes it: the
    /// Fragment header removed, the Next Header chain and payload length
    /// fixed. `Ok(None)`: kept, waiting for more.
    pub fn accept(&mut self, now: Instant, packet: &[u8]) -> Result<Option<&[u8]>, ReassemblyError> {
        self.poll(now);
        let frag = match locate(packet) {
            Ok(f) => f,
            Err(ReassemblyError::NotFragment) => return Err(ReassemblyError::NotFragment),
            Err(e) => return Err(self.count(e)),
        };
        let Fragment { src, dst, hdr, unfrag_len, nh_pos, data_start } = frag;
        let data = &packet[data_start..HEADER_LEN + usize::from(u16::from_be_bytes([packet[4], packet[5]]))];
        let (off, len) = (hdr.byte_offset(), data.len());
        let end = off + len;
        // RFC 8200 §4.5: every fragment but the last is a multiple of 8 octets long.
        if hdr.more_fragments && (len == 0 || len % 8 != 0) {
            return Err(self.count(ReassemblyError::Invalid));
        }
        let id = hdr.identification;
        let too_big = unfrag_len + end > MAX_DATAGRAM;
        let slots = self.slots.as_mut();
        // One scan: the datagram's slot, else the first free one.
        let (mut found, mut free) = (None, None);
        for (i, s) in slots.iter().enumerate() {
            match &s.state {
                Some(st) => {
                    if st.src == src && st.dst == dst && st.id == id {
                        found = Some(i);
                    }
                }
                None => {
                    if free.is_none() {
                        free = Some(i);
                    }
                }
            }
        }
        let Some(idx) = found.or(free) else {
            return Err(self.count(if too_big {
                ReassemblyError::TooLarge
            } else {
                ReassemblyError::NoSlot
            }));
        };
        let slot = &mut slots[idx];
        let cap = slot.buf.as_ref().len().min(MAX_DATAGRAM);
        let verdict = match &slot.state {
            _ if too_big => Err(ReassemblyError::TooLarge),
            Some(st) if st.unfrag_len != unfrag_len => Err(ReassemblyError::Invalid),
            _ if unfrag_len + end > cap => Err(ReassemblyError::TooLarge),
            // RFC 8200 §4.5: data past the end the last fragment set.
            Some(st)
                if st.total.is_some_and(|t| if hdr.more_fragments { end > t } else { end != t })
                    || (!hdr.more_fragments && st.max_end > end) =>
            {
                Err(ReassemblyError::Invalid)
            }
            _ => Ok(()),
        };
        if let Err(e) = verdict {
            slot.state = None;
            return Err(self.count(e));
        }
        // A new datagram; its unfragmentable part is copied from the
        // offset-0 fragment below, which completion needs anyway.
        let st = slot.state.get_or_insert(State {
            src,
            dst,
            id,
            started: now,
            unfrag_len,
            nh_pos,
            next_header: None,
            total: None,
            received: 0,
            max_end: 0,
            have: [0; BITMAP],
        });
        // RFC 5722 §4: any overlap abandons the whole datagram.
        for b in off / 8..end.div_ceil(8) {
            let (w, m) = (b / 64, 1u64 << (b % 64));
            if st.have[w] & m != 0 {
                slot.state = None;
                return Err(self.count(ReassemblyError::Overlap));
            }
            st.have[w] |= m;
        }
        st.received += len;
        st.max_end = st.max_end.max(end);
        if !hdr.more_fragments {
            st.total = Some(end);
        }
        let buf = slot.buf.as_mut();
        buf[unfrag_len + off..unfrag_len + end].copy_from_slice(data);
        if off == 0 {
            // RFC 8200 §4.5: the unfragmentable part and the Next Header
            // come from the fragment with offset zero.
            buf[..unfrag_len].copy_from_slice(&packet[..unfrag_len]);
            st.next_header = Some(hdr.next_header);
            st.nh_pos = nh_pos;
        }
        let (Some(total), Some(nh)) = (st.total, st.next_header) else { return Ok(None) };
        if st.received != total {
            return Ok(None);
        }
        let (unfrag_len, nh_pos) = (st.unfrag_len, st.nh_pos);
        slot.state = None;
        let len = unfrag_len + total;
        buf[nh_pos] = nh.into();
        let payload_len = (len - HEADER_LEN) as u16; // len <= 1280
        buf[4..6].copy_from_slice(&payload_len.to_be_bytes());
        bump(&mut self.stats.reassembled);
        Ok(Some(&self.slots.as_mut()[idx].buf.as_ref()[..len]))
    }

    fn count(&mut self, e: ReassemblyError) -> ReassemblyError {
        let s = &mut self.stats;
        match e {
            ReassemblyError::NotFragment => {}
            ReassemblyError::Invalid => bump(&mut s.invalid),
            ReassemblyError::Overlap => bump(&mut s.overlaps),
            ReassemblyError::TooLarge => bump(&mut s.too_large),
            ReassemblyError::NoSlot => bump(&mut s.no_slot),
        }
        e
    }

    /// Abandons datagrams whose timeout has passed; returns how many.
    pub fn poll(&mut self, now: Instant) -> usize {
        let timeout = self.timeout;
        let mut n = 0;
        for s in self.slots.as_mut() {
            if s.state.as_ref().is_some_and(|st| now >= st.started + timeout) {
                s.state = None;
                n += 1;
            }
        }
        self.stats.timeouts = self.stats.timeouts.saturating_add(n as u32);
        n
    }

    /// When the oldest datagram in progress times out.
    pub fn poll_at(&self) -> Option<Instant> {
        let mut at = None;
        for s in self.slots.as_ref() {
            at = earliest(at, s.state.as_ref().map(|st| st.started + self.timeout));
        }
        at
    }

    /// Datagrams in progress.
    pub fn in_progress(&self) -> usize {
        self.slots.as_ref().iter().filter(|s| s.is_busy()).count()
    }
}

struct Fragment {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hdr: FragmentRepr,
    unfrag_len: usize,
    nh_pos: usize,
    data_start: usize,
}

/// True when the IPv6 packet carries a Fragment header in its chain.
pub fn is_fragment(packet: &[u8]) -> bool {
    !matches!(locate(packet), Err(ReassemblyError::NotFragment))
}

fn locate(packet: &[u8]) -> Result<Fragment, ReassemblyError> {
    let p = ipv6::Packet::new_checked(packet).map_err(|_| ReassemblyError::Invalid)?;
    let mut nh_pos = 6;
    for item in ipv6::ExtHeaders::new(p.next_header(), p.payload()) {
        let item = item.map_err(|_| ReassemblyError::Invalid)?;
        if item.kind == IpProtocol::Ipv6Frag {
            let hdr = FragmentRepr::parse(item.bytes).map_err(|_| ReassemblyError::Invalid)?;
            return Ok(Fragment {
                src: p.src_addr(),
                dst: p.dst_addr(),
                hdr,
                unfrag_len: HEADER_LEN + item.offset,
                nh_pos,
                data_start: HEADER_LEN + item.offset + ipv6::fragment::HEADER_LEN,
            });
        }
        nh_pos = HEADER_LEN + item.offset;
    }
    Err(ReassemblyError::NotFragment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    /// The original datagram: UDP-ish payload of `n` bytes, with a HbH
    /// header when `hbh`.
    fn original(n: usize, hbh: bool) -> Vec<u8> {
        let ext: &[u8] = if hbh { &[17, 0, 1, 4, 0, 0, 0, 0] } else { &[] };
        let mut b = vec![0x60, 0, 0, 0, 0, 0, if hbh { 0 } else { 17 }, 64];
        b.extend_from_slice(&ip("2001:db8::1").octets());
        b.extend_from_slice(&ip("2001:db8::2").octets());
        b.extend_from_slice(ext);
        b.extend((0..n).map(|i| i as u8));
        let pl = (b.len() - 40) as u16;
        b[4..6].copy_from_slice(&pl.to_be_bytes());
        b
    }

    /// Fragments of `orig` (unfragmentable part `ul` bytes) at the given
    /// (offset, len) cuts.
    fn fragments(orig: &[u8], ul: usize, id: u32, cuts: &[(usize, usize)]) -> Vec<Vec<u8>> {
        let data = &orig[ul..];
        let nh_pos = if ul == 40 { 6 } else { 40 };
        cuts.iter()
            .map(|&(off, len)| {
                let mut f = orig[..ul].to_vec();
                f[nh_pos] = 44;
                let more = off + len < data.len();
                let mut h = [0u8; 8];
                FragmentRepr {
                    next_header: IpProtocol::from(orig[nh_pos]),
                    offset: (off / 8) as u16,
                    more_fragments: more,
                    identification: id,
                }
                .emit(&mut h);
                f.extend_from_slice(&h);
                f.extend_from_slice(&data[off..off + len]);
                let pl = (f.len() - 40) as u16;
                f[4..6].copy_from_slice(&pl.to_be_bytes());
                f
            })
            .collect()
    }

    type R = Reassembler<[u8; 1280], [FragSlot<[u8; 1280]>; 2]>;
    fn reassembler() -> R {
        Reassembler::new([FragSlot::new([0; 1280]), FragSlot::new([0; 1280])])
    }

    #[test]
    fn in_order_and_out_of_order() {
        for hbh in [false, true] {
            let ul = if hbh { 48 } else { 40 };
            let orig = original(300, hbh);
            let frags = fragments(&orig, ul, 7, &[(0, 128), (128, 128), (256, 44)]);
            for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
                let mut r = reassembler();
                let t = Instant::from_secs(1);
                assert_eq!(r.accept(t, &frags[order[0]]), Ok(None));
                assert_eq!(r.accept(t, &frags[order[1]]), Ok(None));
                assert_eq!(r.in_progress(), 1);
                assert_eq!(r.accept(t, &frags[order[2]]).unwrap(), Some(&orig[..]));
                assert_eq!(r.in_progress(), 0);
                assert_eq!(r.stats().reassembled, 1);
            }
        }
    }

    #[test]
    fn atomic_fragment_and_not_fragment() {
        let orig = original(20, false);
        let f = fragments(&orig, 40, 1, &[(0, 20)]);
        let mut r = reassembler();
        assert_eq!(r.accept(Instant::ZERO, &f[0]).unwrap(), Some(&orig[..]));
        assert_eq!(r.accept(Instant::ZERO, &orig), Err(ReassemblyError::NotFragment));
        assert!(is_fragment(&f[0]) && !is_fragment(&orig));
    }

    #[test]
    fn overlap_discards() {
        let orig = original(64, false);
        let f = fragments(&orig, 40, 9, &[(0, 32), (24, 40), (32, 32)]);
        let mut r = reassembler();
        assert_eq!(r.accept(Instant::ZERO, &f[0]), Ok(None));
        assert_eq!(r.accept(Instant::ZERO, &f[1]), Err(ReassemblyError::Overlap));
        assert_eq!(r.in_progress(), 0);
        // The rest cannot complete it: the first part is gone.
        assert_eq!(r.accept(Instant::ZERO, &f[2]), Ok(None));
        // An exact duplicate is an overlap too.
        assert_eq!(r.accept(Instant::ZERO, &f[2]), Err(ReassemblyError::Overlap));
        assert_eq!(r.stats().overlaps, 2);
    }

    #[test]
    fn timeout_and_slots() {
        let orig = original(64, false);
        let mut r = reassembler();
        let t0 = Instant::from_secs(3);
        for id in 1..=2 {
            let f = fragments(&orig, 40, id, &[(0, 32)]);
            assert_eq!(r.accept(t0, &f[0]), Ok(None));
        }
        let f3 = fragments(&orig, 40, 3, &[(0, 32)]);
        assert_eq!(r.accept(t0, &f3[0]), Err(ReassemblyError::NoSlot));
        assert_eq!(r.poll_at(), Some(Instant::from_secs(63)));
        assert_eq!(r.poll(Instant::from_secs(62)), 0);
        // At the timeout both are dropped and the new datagram fits.
        assert_eq!(r.accept(Instant::from_secs(63), &f3[0]), Ok(None));
        assert_eq!(r.stats().timeouts, 2);
        let late = fragments(&orig, 40, 1, &[(32, 32)]);
        assert_eq!(r.accept(Instant::from_secs(63), &late[0]), Ok(None));
        assert_eq!(r.in_progress(), 2);
        assert_eq!(r.stats().drops(), 3);
    }

    #[test]
    fn invalid_fragments() {
        let orig = original(1300, false);
        let mut r = reassembler();
        let f = fragments(&orig, 40, 1, &[(0, 20), (1232, 68)]);
        // Non-final fragment not a multiple of 8.
        assert_eq!(r.accept(Instant::ZERO, &f[0]), Err(ReassemblyError::Invalid));
        // Past 1280 bytes.
        assert_eq!(r.accept(Instant::ZERO, &f[1]), Err(ReassemblyError::TooLarge));
        for n in 0..f[1].len() {
            let _ = r.accept(Instant::ZERO, &f[1][..n]);
        }
    }
}
