//! The parent candidate table (RFC 6550 §8.2.1) and the preferred parent
//! choice.
//!
//! A [`ParentSet`] keeps the neighbours heard in DIOs of one DODAG, over
//! caller-provided storage ([`crate::mac::Slots`] of [`ParentEntry`]), and
//! picks the preferred parent through an [`ObjectiveFunction`]:
//!
//! - [`ParentSet::update`] adds or refreshes a candidate from a DIO
//!   ([`DioInfo`]) with a snapshot of its link ETX (`Mac::etx`);
//! - [`ParentSet::update_link_metrics`] refreshes every ETX snapshot;
//! - [`ParentSet::select_preferred`] runs the OF over the candidates
//!   (with its hysteresis) and applies RFC 6550 §8.2.2.4's MaxRankIncrease
//!   limit: the node never takes a parent through which its rank would
//!   exceed L + MaxRankIncrease, L being the lowest rank it has had in
//!   this DODAG version ([`ParentSet::set_version`] resets L).
//!
//! **When the table is full** a new candidate evicts the worst entry that
//! is not the preferred parent: entries of another DODAG version first,
//! then the loser of the OF's comparison (unacceptable ones first), ties
//! broken by the oldest DIO. The new candidate is rejected
//! ([`Update::Rejected`]) when it is no better than that worst entry, or
//! when the preferred parent is the only entry. The preferred parent is
//! never evicted. Each entry costs 40 bytes on any target; a node
//! needs about [`super::mrhof::PARENT_SET_SIZE`] (3) plus a few spares.

use core::cmp::Ordering;
use core::net::Ipv6Addr;

use super::INFINITE_RANK;
use super::of::{Candidate, ObjectiveFunction};
use crate::mac::Slots;
use crate::time::{Instant, InstantMillis};
use crate::wire::ieee802154::Address;
use crate::wire::rpl::Dio;

/// What a DIO says about its sender, as the parent table keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DioInfo {
    /// The sender's link-local IPv6 address (the DIO's source).
    pub ip: Ipv6Addr,
    /// The sender's link-layer address (the frame's source).
    pub ll: Address,
    /// The advertised rank.
    pub rank: u16,
    /// The DODAGVersionNumber.
    pub version: u8,
    /// The Grounded flag.
    pub grounded: bool,
    /// The DODAGPreference (0..=7).
    pub preference: u8,
}

impl DioInfo {
    /// The fields of a parsed DIO sent from `ip` / `ll`.
    pub fn from_dio(ip: Ipv6Addr, ll: Address, dio: &Dio<'_>) -> Self {
        DioInfo {
            ip,
            ll,
            rank: dio.rank,
            version: dio.version_number,
            grounded: dio.grounded,
            preference: dio.dodag_preference,
        }
    }
}

/// The stored ETX of a link without statistics: ETX × 128 is never 0 (the
/// MAC's estimate is at least 1), so a snapshot of `Some(0)` reads back as
/// `None`.
const NO_ETX: u16 = 0;

/// One parent candidate.
///
/// 40 bytes, 2-byte aligned (was 48): the DIO's fields 30, the ETX
/// snapshot 2 (0 for "no statistics"), the in-use and preferred flags,
/// and the time of the last DIO as an [`InstantMillis`] of 6, fine enough
/// for the "fresher DIO" tie-break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentEntry {
    /// The DIO's fields.
    pub info: DioInfo,
    /// When the last DIO from the candidate arrived (to the millisecond,
    /// rounded down).
    pub last_dio: InstantMillis,
    /// ETX × 128 of the link, as last snapshot from the MAC; 0: none (a
    /// real link's is at least 1, the MAC's floor). See
    /// [`ParentEntry::link_etx`].
    etx: u16,
    used: bool,
    /// The preferred parent (at most one entry; kept in the entry's padding
    /// byte rather than as an index in the set).
    preferred: bool,
}

impl ParentEntry {
    /// A free entry, to initialise storage.
    pub const EMPTY: ParentEntry = ParentEntry {
        info: DioInfo {
            ip: Ipv6Addr::UNSPECIFIED,
            ll: Address::Absent,
            rank: INFINITE_RANK,
            version: 0,
            grounded: false,
            preference: 0,
        },
        last_dio: InstantMillis::ZERO,
        etx: NO_ETX,
        used: false,
        preferred: false,
    };

    /// ETX × 128 of the link, as last snapshot from the MAC (`None`
    /// without statistics).
    pub fn link_etx(&self) -> Option<u16> {
        (self.etx != NO_ETX).then_some(self.etx)
    }

    /// The OF's view of this entry.
    #[inline(never)]
    pub fn candidate(&self, is_preferred: bool) -> Candidate {
        Candidate {
            rank: self.info.rank,
            link_etx: self.link_etx(),
            grounded: self.info.grounded,
            preference: self.info.preference,
            last_dio: self.last_dio.to_instant(),
            is_preferred,
        }
    }
}

impl Default for ParentEntry {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// The outcome of [`ParentSet::update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// A known candidate was refreshed.
    Updated,
    /// A new candidate took a free entry.
    Added,
    /// A new candidate took the place of this evicted entry.
    Evicted(ParentEntry),
    /// The table is full and the new candidate is no better than the
    /// worst entry that may be evicted: it was not stored.
    Rejected,
}

/// The parent candidate table of one DODAG.
#[derive(Debug, Clone)]
pub struct ParentSet<S> {
    entries: S,
    version: Option<u8>,
    /// L of RFC 6550 §8.2.2.4 (INFINITE_RANK: none yet).
    lowest_rank: u16,
    max_rank_increase: u16,
}

impl<S: Slots<ParentEntry>> ParentSet<S> {
    /// A table over `entries` (cleared) with the DODAG's MaxRankIncrease
    /// (RFC 6550 §6.7.6; 0 forbids any rank increase, §8.2.2.4).
    pub fn new(mut entries: S, max_rank_increase: u16) -> Self {
        entries.as_mut().fill(ParentEntry::EMPTY);
        ParentSet { entries, version: None, lowest_rank: INFINITE_RANK, max_rank_increase }
    }

    /// Changes MaxRankIncrease (from a new DODAG Configuration option).
    pub fn set_max_rank_increase(&mut self, max_rank_increase: u16) {
        self.max_rank_increase = max_rank_increase;
    }

    /// Forgets every candidate, the preferred parent, the version and L.
    pub fn clear(&mut self) {
        self.entries.as_mut().fill(ParentEntry::EMPTY);
        self.version = None;
        self.lowest_rank = INFINITE_RANK;
    }

    /// The number of entries the storage holds.
    pub fn capacity(&self) -> usize {
        self.entries.as_ref().len()
    }

    /// The number of candidates.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is no candidate.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every candidate.
    pub fn iter(&self) -> impl Iterator<Item = &ParentEntry> {
        self.entries.as_ref().iter().filter(|e| e.used)
    }

    /// The candidate with link-local address `ip`.
    pub fn get(&self, ip: &Ipv6Addr) -> Option<&ParentEntry> {
        self.iter().find(|e| e.info.ip == *ip)
    }

    /// The preferred parent, as last chosen by
    /// [`ParentSet::select_preferred`].
    pub fn preferred(&self) -> Option<&ParentEntry> {
        self.iter().find(|e| e.preferred)
    }

    /// The DODAG version candidates must have to be chosen (`None`: any).
    pub fn version(&self) -> Option<u8> {
        self.version
    }

    /// Enters DODAG version `version`: only candidates of that version may
    /// be chosen from now on (RFC 6550 §7.2, §8.2.2.1), and L restarts
    /// (RFC 6550 §8.2.2.4: L is per DODAG version).
    pub fn set_version(&mut self, version: u8) {
        if self.version != Some(version) {
            self.version = Some(version);
            self.lowest_rank = INFINITE_RANK;
        }
    }

    /// L, the lowest rank the node has had in this DODAG version.
    pub fn lowest_rank(&self) -> Option<u16> {
        (self.lowest_rank != INFINITE_RANK).then_some(self.lowest_rank)
    }

    /// Sets L (e.g. kept across a detachment within one version).
    pub fn set_lowest_rank(&mut self, rank: u16) {
        self.lowest_rank = rank;
    }

    /// The highest rank the node may take: L + MaxRankIncrease (RFC 6550
    /// §8.2.2.4), [`INFINITE_RANK`] before L is known.
    pub fn max_allowed_rank(&self) -> u16 {
        if self.lowest_rank == INFINITE_RANK {
            return INFINITE_RANK;
        }
        self.lowest_rank.saturating_add(self.max_rank_increase)
    }

    /// The node's rank through its preferred parent, [`INFINITE_RANK`]
    /// without one.
    pub fn rank<O: ObjectiveFunction + ?Sized>(&self, of: &O) -> u16 {
        self.preferred().map_or(INFINITE_RANK, |p| of.rank(p.info.rank, p.link_etx()))
    }

    /// Adds or refreshes the candidate that sent a DIO, with the current
    /// ETX of its link (`Mac::etx(info.ll)`). Does not change the preferred
    /// parent; call [`ParentSet::select_preferred`] afterwards.
    pub fn update<O: ObjectiveFunction + ?Sized>(
        &mut self,
        of: &O,
        info: DioInfo,
        link_etx: Option<u16>,
        now: Instant,
    ) -> Update {
        let etx = link_etx.unwrap_or(NO_ETX);
        let mut new =
            ParentEntry { info, last_dio: InstantMillis::floor(now), etx, used: true, preferred: false };
        let entries = self.entries.as_ref();
        let own = entries.iter().position(|e| e.used && e.info.ip == info.ip);
        let (slot, outcome) = match own
            .map(|i| (i, Update::Updated))
            .or_else(|| entries.iter().position(|e| !e.used).map(|i| (i, Update::Added)))
        {
            Some(found) => found,
            None => {
                let Some(worst) = self.worst_evictable(of) else {
                    return Update::Rejected;
                };
                let victim = self.entries.as_ref()[worst];
                let stale = self.version.is_some_and(|v| victim.info.version != v);
                if !stale
                    && of.better_parent(&new.candidate(false), &victim.candidate(false)) != Ordering::Less
                {
                    return Update::Rejected;
                }
                (worst, Update::Evicted(victim))
            }
        };
        // A refreshed candidate stays the preferred parent if it was.
        new.preferred = outcome == Update::Updated && self.entries.as_ref()[slot].preferred;
        self.entries.as_mut()[slot] = new;
        outcome
    }

    /// The index of the worst entry that is not the preferred parent (the
    /// last of equals, as `Iterator::max_by` picks it).
    fn worst_evictable<O: ObjectiveFunction + ?Sized>(&self, of: &O) -> Option<usize> {
        let version = self.version;
        let stale = |e: &ParentEntry| version.is_some_and(|v| e.info.version != v);
        let entries = self.entries.as_ref();
        let mut worst: Option<usize> = None;
        for (i, e) in entries.iter().enumerate() {
            if !e.used || e.preferred {
                continue;
            }
            if let Some(w) = worst {
                let a = &entries[w];
                let order = stale(a)
                    .cmp(&stale(e))
                    .then_with(|| of.better_parent(&a.candidate(false), &e.candidate(false)));
                if order == Ordering::Greater {
                    continue;
                }
            }
            worst = Some(i);
        }
        worst
    }

    /// Removes the candidate `ip` (e.g. unreachable, RFC 6550 §8.2.1);
    /// when it was the preferred parent there is none until the next
    /// [`ParentSet::select_preferred`].
    pub fn remove(&mut self, ip: &Ipv6Addr) -> Option<ParentEntry> {
        let entries = self.entries.as_mut();
        let i = entries.iter().position(|e| e.used && e.info.ip == *ip)?;
        let old = entries[i];
        entries[i] = ParentEntry::EMPTY;
        Some(ParentEntry { preferred: false, ..old })
    }

    /// Refreshes every candidate's ETX snapshot, e.g. with
    /// `|ll| mac.etx(ll)`.
    pub fn update_link_metrics(&mut self, mut etx: impl FnMut(Address) -> Option<u16>) {
        for e in self.entries.as_mut().iter_mut().filter(|e| e.used) {
            e.etx = etx(e.info.ll).unwrap_or(NO_ETX);
        }
    }

    /// Chooses the preferred parent with `of` among the candidates of the
    /// current version that the OF accepts, whose rank is below the rank
    /// the node would get through them (RFC 6550 §8.2.1: a node's rank is
    /// greater than its parents'), and through which the node's rank stays
    /// within L + MaxRankIncrease (RFC 6550 §8.2.2.4). The current parent
    /// is favoured by the OF's hysteresis. Updates L and returns the
    /// choice (`None`: no usable parent, the node's rank is infinite).
    pub fn select_preferred<O: ObjectiveFunction + ?Sized>(&mut self, of: &O) -> Option<&ParentEntry> {
        let limit = self.max_allowed_rank();
        let version = self.version;
        // The first of equals, as `Iterator::min_by` picks it.
        let mut best: Option<(usize, Candidate)> = None;
        for (i, e) in self.entries.as_ref().iter().enumerate() {
            if !e.used || version.is_some_and(|v| e.info.version != v) {
                continue;
            }
            let c = e.candidate(e.preferred);
            let via = of.rank(e.info.rank, e.link_etx());
            if !(of.acceptable(&c) && via > e.info.rank && via <= limit) {
                continue;
            }
            if let Some((_, b)) = &best {
                if of.better_parent(b, &c) != Ordering::Greater {
                    continue;
                }
            }
            best = Some((i, c));
        }
        let best = best.map(|(i, _)| i);
        for (i, e) in self.entries.as_mut().iter_mut().enumerate() {
            e.preferred = Some(i) == best;
        }
        let rank = self.rank(of);
        // RFC 6550 §8.2.2.4: L is the lowest rank advertised in this version.
        self.lowest_rank = self.lowest_rank.min(rank);
        self.preferred()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpl::{Mrhof, Of0};

    fn ip(n: u8) -> Ipv6Addr {
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(n))
    }

    fn dio(n: u8, rank: u16) -> DioInfo {
        DioInfo { ip: ip(n), ll: Address::Short([0, n]), rank, version: 1, grounded: true, preference: 0 }
    }

    #[test]
    fn entry_size_as_documented() {
        assert_eq!(core::mem::size_of::<ParentEntry>(), 40);
    }

    #[test]
    fn add_update_remove() {
        let of = Of0::default();
        let mut ps = ParentSet::new([ParentEntry::EMPTY; 3], 7 * 256);
        assert!(ps.is_empty());
        assert_eq!(ps.update(&of, dio(1, 256), None, Instant::from_secs(1)), Update::Added);
        assert_eq!(ps.update(&of, dio(1, 512), Some(128), Instant::from_secs(2)), Update::Updated);
        let e = ps.get(&ip(1)).unwrap();
        assert_eq!(
            (e.info.rank, e.link_etx(), e.last_dio.to_instant()),
            (512, Some(128), Instant::from_secs(2))
        );
        assert_eq!(ps.len(), 1);
        assert_eq!(ps.remove(&ip(1)).map(|e| e.info.rank), Some(512));
        assert_eq!(ps.remove(&ip(1)), None);
        assert!(ps.is_empty());
    }

    #[test]
    fn eviction_spares_preferred() {
        let of = Of0::default();
        let mut ps = ParentSet::new([ParentEntry::EMPTY; 2], 7 * 256);
        ps.update(&of, dio(1, 1024), None, Instant::ZERO);
        assert_eq!(ps.select_preferred(&of).map(|p| p.info.ip), Some(ip(1)));
        ps.update(&of, dio(2, 256), None, Instant::ZERO);
        // Full: 3 is worse than 2 (the only evictable): rejected.
        assert_eq!(ps.update(&of, dio(3, 1792), None, Instant::ZERO), Update::Rejected);
        // 4 is better than 2: 2 goes, never the preferred 1 (which is worse).
        match ps.update(&of, dio(4, 0x80), None, Instant::ZERO) {
            Update::Evicted(e) => assert_eq!(e.info.ip, ip(2)),
            other => panic!("{other:?}"),
        }
        assert!(ps.get(&ip(1)).is_some());
        // Capacity 1 holding the preferred parent: nothing gets in.
        let mut one = ParentSet::new([ParentEntry::EMPTY; 1], 0);
        one.update(&of, dio(1, 1024), None, Instant::ZERO);
        one.select_preferred(&of);
        assert_eq!(one.update(&of, dio(2, 256), None, Instant::ZERO), Update::Rejected);
    }

    #[test]
    fn stale_version_evicted_first() {
        let of = Of0::default();
        let mut ps = ParentSet::new([ParentEntry::EMPTY; 2], 7 * 256);
        ps.update(&of, DioInfo { version: 0, ..dio(1, 256) }, None, Instant::ZERO);
        ps.update(&of, dio(2, 1024), None, Instant::ZERO);
        ps.set_version(1);
        match ps.update(&of, dio(3, 1792), None, Instant::ZERO) {
            Update::Evicted(e) => assert_eq!(e.info.ip, ip(1)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn max_rank_increase_limits_choice() {
        let of = Mrhof { min_hop_rank_increase: 128, ..Mrhof::default() };
        let mut ps = ParentSet::new([ParentEntry::EMPTY; 4], 256);
        ps.set_version(1);
        ps.update(&of, dio(1, 128), Some(128), Instant::ZERO);
        ps.update(&of, dio(2, 640), Some(128), Instant::ZERO);
        ps.select_preferred(&of);
        assert_eq!(ps.rank(&of), 256);
        assert_eq!(ps.lowest_rank(), Some(256));
        assert_eq!(ps.max_allowed_rank(), 512);
        // The root vanishes: 2 would give 768 > L + 256 = 512: no parent.
        ps.remove(&ip(1));
        assert_eq!(ps.select_preferred(&of), None);
        assert_eq!(ps.rank(&of), INFINITE_RANK);
        // A new version resets L: 2 becomes usable.
        ps.set_version(2);
        ps.update(&of, DioInfo { version: 2, ..dio(2, 640) }, Some(128), Instant::ZERO);
        assert_eq!(ps.select_preferred(&of).map(|p| p.info.ip), Some(ip(2)));
        assert_eq!(ps.rank(&of), 768);
    }

    #[test]
    fn old_version_not_chosen() {
        let of = Of0::default();
        let mut ps = ParentSet::new([ParentEntry::EMPTY; 2], 7 * 256);
        ps.set_version(5);
        ps.update(&of, DioInfo { version: 4, ..dio(1, 256) }, None, Instant::ZERO);
        assert_eq!(ps.select_preferred(&of), None);
        ps.update(&of, DioInfo { version: 5, ..dio(1, 256) }, None, Instant::ZERO);
        assert!(ps.select_preferred(&of).is_some());
    }

    #[test]
    fn link_metrics_snapshot() {
        let of = Mrhof::default();
        let mut ps = ParentSet::new([ParentEntry::EMPTY; 2], 7 * 256);
        ps.update(&of, dio(1, 256), None, Instant::ZERO);
        ps.update_link_metrics(|ll| (ll == Address::Short([0, 1])).then_some(600));
        assert_eq!(ps.get(&ip(1)).unwrap().link_etx(), Some(600));
        assert_eq!(ps.select_preferred(&of), None, "ETX 4.7 > MAX_LINK_METRIC");
    }
}
