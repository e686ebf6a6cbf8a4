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
//! at the same time. Each entry costs 16 bytes on any target (see
//! [`DedupEntry`]).

use super::Slots;
use crate::time::{Duration, Instant, InstantMillis};
use crate::wire::ieee802154::Address;

/// One entry of the duplicate filter.
///
/// 16 bytes, 2-byte aligned (was 20): the source address 9, the DSN 1 and
/// when it was heard as an [`InstantMillis`] of 6. A millisecond stamp
/// rounds down, so the duplicate window (`MacConfig::dedup_lifetime`,
/// seconds) may close up to a millisecond early: far less than the airtime
/// of a retransmission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupEntry {
    src: Address,
    seq: u8,
    heard: InstantMillis,
}

impl DedupEntry {
    /// A free entry, to initialise storage.
    pub const EMPTY: DedupEntry = DedupEntry { src: Address::Absent, seq: 0, heard: InstantMillis::ZERO };
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
        let heard = InstantMillis::floor(now);
        let entries = self.entries.as_mut();
        // Plain loops: smaller code than `find` and `min_by_key` over a
        // (bool, stamp) key.
        for e in entries.iter_mut() {
            if e.src == src {
                let dup = e.seq == seq && now.saturating_duration_since(e.heard.to_instant()) < lifetime;
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
            if victim.as_ref().is_none_or(|v| e.heard < v.heard) {
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
    fn zero_capacity_never_drops() {
        let mut t = DedupTable::new([DedupEntry::EMPTY; 0]);
        let a = Address::Short([0, 1]);
        assert!(!t.check(a, 1, Instant::ZERO, L));
        assert!(!t.check(a, 1, Instant::ZERO, L));
    }
}
