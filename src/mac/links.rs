//! Per-neighbour link statistics: ETX, RSSI, last heard.
//!
//! ETX follows RFC 6719 §3.1: the expected number of transmissions for a
//! successful, acknowledged delivery, learnt from ACK outcomes and
//! smoothed. Each unicast frame with an ACK request gives one sample when
//! it completes: the number of transmissions it took when acknowledged, or
//! `MacConfig::etx_noack_penalty` when every retry failed. Samples feed an
//! exponentially weighted moving average
//!
//! `etx = etx + alpha * (sample - etx)`, `alpha = MacConfig::etx_alpha / 256`
//!
//! (default 38/256 ≈ 0.15, as Contiki-NG's `link-stats.c`); the first
//! sample sets the ETX directly. ETX is kept in RFC 6551 §4.3.2 units
//! (1/128), the unit MRHOF (RFC 6719) works in: 128 is a perfect link.
//! Frames that never went out (channel busy) give no sample.
//!
//! RSSI is a moving average with alpha 1/8 over every frame received from
//! the neighbour (ACKs of our frames count for the node we sent to).
//!
//! The frame counters are 16 bits and wrap, like [`super::MacStats`]'s:
//! read them as differences (`wrapping_sub`) between two readings.
//!
//! The table has a caller-chosen capacity; when it is full, a new
//! neighbour evicts the entry seen longest ago (received from or sent to).
//! Give it at least as many entries as the node has neighbours it routes
//! through (RPL parents and children); between entries last seen in the
//! same second, the first in the table goes. Each entry costs 24 bytes on
//! any target (see [`LinkStats`]).

use super::Slots;
use crate::time::{Instant, InstantSecs};
use crate::wire::ieee802154::Address;

/// ETX of a perfect link in RFC 6551 units.
pub const ETX_DIVISOR: u16 = 128;

/// RSSI × 16 of an entry that has received nothing yet (an average of
/// `i8` values × 16 stays within -2048..=2032).
const NO_RSSI: i16 = i16::MIN;

/// What the MAC knows about one neighbour.
///
/// 24 bytes, 2-byte aligned (was 36, then 26): the address 9, ETX and
/// RSSI 2 each, three 16-bit counters, the failure run 1 and the last-seen
/// stamp as an [`InstantSecs`] of 4 (the eviction order, to the second:
/// neighbours are evicted by minutes or hours of silence, not
/// milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkStats {
    /// The neighbour's link-layer address (`Absent`: free entry).
    pub addr: Address,
    /// ETX × 128 (RFC 6551 §4.3.2); 0 until the first sample.
    pub etx: u16,
    /// RSSI × 16 in dBm (moving average); [`NO_RSSI`] before the first
    /// received frame.
    rssi_x16: i16,
    /// Frames received from the neighbour (wraps).
    pub rx_count: u16,
    /// Transmissions to the neighbour, retransmissions included (wraps).
    pub tx_attempts: u16,
    /// Frames to the neighbour that were acknowledged (wraps).
    pub tx_acked: u16,
    /// Frames to the neighbour given up in a row since the last ACK.
    pub consecutive_failures: u8,
    /// The last frame received from or completed to the neighbour; see
    /// [`LinkStats::last_seen`].
    seen: InstantSecs,
}

impl LinkStats {
    /// A free entry, to initialise storage.
    pub const EMPTY: LinkStats = LinkStats {
        addr: Address::Absent,
        etx: 0,
        rssi_x16: NO_RSSI,
        rx_count: 0,
        tx_attempts: 0,
        tx_acked: 0,
        consecutive_failures: 0,
        seen: InstantSecs::ZERO,
    };

    /// Average RSSI in dBm, `None` before the first received frame.
    pub fn rssi(&self) -> Option<i8> {
        (self.rssi_x16 != NO_RSSI).then_some((self.rssi_x16 / 16) as i8)
    }

    /// ETX × 128, `None` before the first ACK outcome.
    pub fn etx(&self) -> Option<u16> {
        (self.etx != 0).then_some(self.etx)
    }

    /// Last time (to the second, rounded down) a frame was received
    /// from the neighbour or a frame to it completed; `None` for a free
    /// entry.
    pub fn last_seen(&self) -> Option<Instant> {
        (self.addr != Address::Absent).then_some(self.seen.to_instant())
    }

    fn saw(&mut self, now: Instant) {
        self.seen = InstantSecs::floor(now);
    }
}

impl Default for LinkStats {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// The link statistics table over caller-provided storage.
#[derive(Debug, Clone)]
pub struct LinkTable<S> {
    entries: S,
}

impl<S: Slots<LinkStats>> LinkTable<S> {
    /// A table using `entries` (their contents are cleared).
    pub fn new(mut entries: S) -> Self {
        entries.as_mut().fill(LinkStats::EMPTY);
        LinkTable { entries }
    }

    /// The statistics of `addr`, if it is in the table.
    pub fn get(&self, addr: Address) -> Option<&LinkStats> {
        if addr == Address::Absent {
            return None;
        }
        self.entries.as_ref().iter().find(|e| e.addr == addr)
    }

    /// ETX × 128 of `addr` (RFC 6551 units), `None` when unknown.
    pub fn etx(&self, addr: Address) -> Option<u16> {
        self.get(addr).and_then(LinkStats::etx)
    }

    /// Every neighbour in the table.
    pub fn iter(&self) -> impl Iterator<Item = &LinkStats> {
        self.entries.as_ref().iter().filter(|e| e.addr != Address::Absent)
    }

    /// Forgets `addr` (e.g. when the routing layer removes a neighbour).
    pub fn remove(&mut self, addr: Address) {
        if let Some(e) = self.entry(addr, false) {
            *e = LinkStats::EMPTY;
        }
    }

    fn entry(&mut self, addr: Address, create: bool) -> Option<&mut LinkStats> {
        if addr == Address::Absent || addr.is_broadcast() {
            return None;
        }
        let entries = self.entries.as_mut();
        let pos = entries.iter().position(|e| e.addr == addr);
        let i = match pos {
            Some(i) => i,
            None if create => {
                // The first free entry, else the first of those seen longest
                // ago (a plain loop: smaller than `min_by_key`).
                let mut victim: Option<usize> = None;
                for (i, e) in entries.iter().enumerate() {
                    if e.addr == Address::Absent {
                        victim = Some(i);
                        break;
                    }
                    if victim.is_none_or(|v| e.seen < entries[v].seen) {
                        victim = Some(i);
                    }
                }
                let i = victim?;
                entries[i] = LinkStats { addr, ..LinkStats::EMPTY };
                i
            }
            None => return None,
        };
        entries.get_mut(i)
    }

    /// Records a frame received from `addr`.
    pub fn on_rx(&mut self, addr: Address, rssi: i8, now: Instant) {
        if let Some(e) = self.entry(addr, true) {
            let sample = i16::from(rssi) * 16;
            e.rssi_x16 = if e.rssi_x16 == NO_RSSI { sample } else { e.rssi_x16 + (sample - e.rssi_x16) / 8 };
            e.rx_count = e.rx_count.wrapping_add(1);
            e.saw(now);
        }
    }

    /// Records the outcome of one unicast frame: `attempts` transmissions,
    /// acknowledged or not. `alpha` is in 1/256, `penalty` in transmissions.
    pub fn on_tx(&mut self, addr: Address, attempts: u8, acked: bool, now: Instant, alpha: u8, penalty: u8) {
        if let Some(e) = self.entry(addr, true) {
            e.tx_attempts = e.tx_attempts.wrapping_add(u16::from(attempts));
            e.saw(now);
            let sample = if acked {
                e.tx_acked = e.tx_acked.wrapping_add(1);
                e.consecutive_failures = 0;
                u32::from(attempts.max(1)) * u32::from(ETX_DIVISOR)
            } else {
                e.consecutive_failures = e.consecutive_failures.saturating_add(1);
                u32::from(penalty.max(1)) * u32::from(ETX_DIVISOR)
            };
            let etx = if e.etx == 0 {
                sample
            } else {
                // RFC 6719 §3.1: smoothed, integer EWMA with alpha/256.
                let a = u32::from(alpha);
                (u32::from(e.etx) * (256 - a) + sample * a + 128) / 256
            };
            e.etx = etx.clamp(1, u32::from(u16::MAX)) as u16;
        }
    }

    /// Records the RSSI of an ACK from the neighbour we sent to.
    pub fn on_ack_rx(&mut self, addr: Address, rssi: i8, now: Instant) {
        self.on_rx(addr, rssi, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> Instant {
        Instant::from_secs(secs)
    }

    #[test]
    fn etx_ewma() {
        let mut l = LinkTable::new([LinkStats::EMPTY; 2]);
        let a = Address::Short([0, 1]);
        assert_eq!(l.etx(a), None);
        l.on_tx(a, 1, true, t(1), 64, 12);
        assert_eq!(l.etx(a), Some(128));
        l.on_tx(a, 3, true, t(2), 64, 12);
        // 128 * 0.75 + 384 * 0.25 = 192
        assert_eq!(l.etx(a), Some(192));
        l.on_tx(a, 4, false, t(3), 64, 12);
        // 192 * 0.75 + 1536 * 0.25 = 528
        assert_eq!(l.etx(a), Some(528));
        assert_eq!(l.get(a).unwrap().consecutive_failures, 1);
        assert_eq!(l.get(a).unwrap().tx_attempts, 8);
        assert_eq!(l.get(a).unwrap().tx_acked, 2);
        assert_eq!(l.get(a).unwrap().rssi(), None, "no frame received yet");
        assert_eq!(l.get(a).unwrap().last_seen(), Some(t(3)));
    }

    #[test]
    fn counters_wrap_rssi_stays() {
        let mut l = LinkTable::new([LinkStats::EMPTY; 1]);
        let a = Address::Short([0, 1]);
        for i in 0..=u64::from(u16::MAX) {
            l.on_rx(a, -60, t(i));
        }
        let e = l.get(a).unwrap();
        assert_eq!((e.rx_count, e.rssi()), (0, Some(-60)));
    }

    #[test]
    fn rssi_and_eviction() {
        let mut l = LinkTable::new([LinkStats::EMPTY; 2]);
        let (a, b, c) = (Address::Short([0, 1]), Address::Short([0, 2]), Address::Short([0, 3]));
        l.on_rx(a, -60, t(1));
        assert_eq!(l.get(a).unwrap().rssi(), Some(-60));
        l.on_rx(a, -76, t(2));
        assert_eq!(l.get(a).unwrap().rssi(), Some(-62));
        l.on_rx(b, -50, t(3));
        l.on_rx(a, -60, t(4));
        l.on_rx(c, -40, t(5)); // evicts b, seen longest ago
        assert!(l.get(b).is_none());
        assert_eq!(l.get(a).unwrap().last_seen(), Some(t(4)));
        assert_eq!(l.iter().count(), 2);
        l.on_rx(Address::BROADCAST, -1, t(6));
        assert!(l.get(Address::BROADCAST).is_none());
        l.remove(a);
        assert!(l.get(a).is_none());
    }

    #[test]
    fn last_seen_to_the_second_and_ties_evict_the_first() {
        let mut l = LinkTable::new([LinkStats::EMPTY; 2]);
        let (a, b, c) = (Address::Short([0, 1]), Address::Short([0, 2]), Address::Short([0, 3]));
        l.on_rx(a, -60, Instant::from_millis(7_999));
        l.on_rx(b, -60, Instant::from_millis(7_001));
        assert_eq!(l.get(a).unwrap().last_seen(), Some(t(7)), "rounded down");
        // Both seen in second 7: the first entry (a) goes.
        l.on_rx(c, -60, t(8));
        assert!(l.get(a).is_none() && l.get(b).is_some());
    }
}
