//! Duplicate filter: the last sequence number heard from each source.
//!
//! A retransmission whose first copy was received (its ACK was lost)
//! carries the same DSN from the same source; it is acknowledged again but
//! delivered once (IEEE 802.15.4-2015 §6.7.2 leaves duplicate rejection to
//! the MAC user; Contiki-NG `mac-sequence.c` keeps the same kind of table).
//!
//! One entry per source address, holding its last sequence number and when
//! it was heard. A frame is a duplicate when its (source, DSN) equals the
//! entry and the entry is younger than `MacConfig::dedup_lifetime` (so that
//! a source that rebooted or wrapped its DSN is not silenced). When the
//! table is full the entry heard longest ago is evicted: the table should
//! hold at least as many entries as there are neighbours that send to us
//! at the same time. Each entry costs 15 bytes on any target (see
//! [`DedupEntry`]).

use super::Slots;
use crate::time::{Duration, Instant};
use crate::wire::ieee802154::Address;

/// One entry of the duplicate filter.
///
/// 15 bytes, 1-byte aligned (was 20, then 16): the source address 9, the
/// DSN 1 and when it was heard in 5 bytes, whole milliseconds modulo 2^40
/// (34.8 years). A millisecond stamp rounds down, so the duplicate window
/// (`MacConfig::dedup_lifetime`, seconds) may close up to a millisecond
/// early: far less than the airtime of a retransmission. Ages are taken
/// modulo 2^40 ms, exact for any entry heard in the last 34.8 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupEntry {
    src: Address,
    seq: u8,
    heard: [u8; 5],
}

/// The 40-bit millisecond stamp of a [`DedupEntry`].
const STAMP_MASK: u64 = (1 << 40) - 1;

fn stamp(t: Instant) -> [u8; 5] {
    let [a, b, c, d, e, ..] = (t.total_millis() & STAMP_MASK).to_le_bytes();
    [a, b, c, d, e]
}

impl DedupEntry {
    /// A free entry, to initialise storage.
    pub const EMPTY: DedupEntry = DedupEntry { src: Address::Absent, seq: 0, heard: [0; 5] };

    /// Time from when it was heard (to the millisecond, rounded down) to
    /// `now`.
    fn age(&self, now: Instant) -> Duration {
        let [a, b, c, d, e] = self.heard;
        let heard = u64::from_le_bytes([a, b, c, d, e, 0, 0, 0]);
        let ms = now.total_millis().wrapping_sub(heard) & STAMP_MASK;
        Duration::from_micros(ms * 1_000 + now.total_micros() % 1_000)
    }
}

impl Default for DedupEntry {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// The duplicate filter over caller-provided storage.
#[derive(Debug, Clone)]
pub struct DedupTable<S> {
    entries: S,
}

impl<S: Slots<DedupEntry>> DedupTable<S> {
    /// A filter using `entries` (their contents are cleared).
    pub fn new(mut entries: S) -> Self {
        entries.as_mut().fill(DedupEntry::EMPTY);
        DedupTable { entries }
    }

    /// Records (src, seq) heard at `now`; true when it repeats the entry of
    /// `src` within `lifetime` (a duplicate). Absent sources are never
    /// duplicates. Capacity zero disables the filter.
    pub fn check(&mut self, src: Address, seq: u8, now: Instant, lifetime: Duration) -> bool {
        if src == Address::Absent {
            return false;
        }
        let heard = stamp(now);
        let entries = self.entries.as_mut();
        // Plain loops: smaller code than `find` and `min_by_key` over a
        // (bool, stamp) key.
        for e in entries.iter_mut() {
            if e.src == src {
                let dup = e.seq == seq && e.age(now) < lifetime;
                e.seq = seq;
                e.heard = heard;
                return dup;
            }
        }
        // The first free entry, else the first of those heard longest ago.
        let mut victim: Option<&mut DedupEntry> = None;
        for e in entries.iter_mut() {
            if e.src == Address::Absent {
                victim = Some(e);
                break;
            }
            if victim.as_ref().is_none_or(|v| e.age(now) > v.age(now)) {
                victim = Some(e);
            }
        }
        if let Some(e) = victim {
            *e = DedupEntry { src, seq, heard };
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Duration = Duration::from_secs(2);

    #[test]
    fn duplicate_and_eviction() {
        let mut t = DedupTable::new([DedupEntry::EMPTY; 2]);
        let a = Address::Short([0, 1]);
        let b = Address::Short([0, 2]);
        let c = Address::Extended([1; 8]);
        let t0 = Instant::from_secs(10);
        assert!(!t.check(a, 5, t0, L));
        assert!(t.check(a, 5, t0, L));
        assert!(!t.check(a, 6, t0, L));
        assert!(!t.check(b, 6, t0 + Duration::from_millis(1), L), "other source");
        // Full: c evicts a (heard longest ago), so a's next copy is new.
        assert!(!t.check(c, 6, t0 + Duration::from_millis(2), L));
        assert!(!t.check(a, 6, t0 + Duration::from_millis(3), L));
        // b was evicted by a; c is still there.
        assert!(t.check(c, 6, t0 + Duration::from_millis(4), L));
        // Past the lifetime the same DSN is new again.
        assert!(!t.check(c, 6, t0 + Duration::from_secs(3), L));
        assert!(!t.check(Address::Absent, 1, t0, L));
        assert!(!t.check(Address::Absent, 1, t0, L));
    }

    #[test]
    fn window_to_the_microsecond_and_across_the_stamp_wrap() {
        let mut t = DedupTable::new([DedupEntry::EMPTY; 2]);
        let a = Address::Short([0, 1]);
        // Heard at 10.000400 s: kept as 10.000 s, so the window ends at 12 s.
        assert!(!t.check(a, 1, Instant::from_micros(10_000_400), L));
        assert!(t.check(a, 1, Instant::from_micros(11_999_999), L));
        assert!(!t.check(a, 1, Instant::from_micros(14_000_000), L), "window over");
        // The 40-bit stamp wraps after 2^40 ms; ages stay right across it.
        let wrap = Instant::from_millis(1 << 40);
        let b = Address::Short([0, 2]);
        assert!(!t.check(b, 7, wrap - Duration::from_millis(1), L));
        assert!(t.check(b, 7, wrap + Duration::from_millis(500), L));
        // The oldest (a, heard 34.8 years ago) is evicted, not b.
        assert!(!t.check(Address::Short([0, 3]), 1, wrap + Duration::from_millis(600), L));
        assert!(t.check(b, 7, wrap + Duration::from_millis(700), L));
    }

    #[test]
    fn zero_capacity_never_drops() {
        let mut t = DedupTable::new([DedupEntry::EMPTY; 0]);
        let a = Address::Short([0, 1]);
        assert!(!t.check(a, 1, Instant::ZERO, L));
        assert!(!t.check(a, 1, Instant::ZERO, L));
    }
}
