//! The neighbour cache and registration table (RFC 6775 §3.5, RFC 4861
//! §5.1), over caller-provided storage.
//!
//! Entries are keyed by IPv6 address and hold the neighbour's link-layer
//! address. RFC 6775 §3.5 distinguishes three kinds of entries:
//!
//! - **Registered** ([`NeighborState::Registered`]): created by an NS+ARO
//!   that we accepted; it lives until its registration lifetime ends or it
//!   is de-registered, and is **never evicted** to make room. When no room
//!   is left, a new registration is refused (the router answers status 2,
//!   "Neighbor Cache Full", RFC 6775 §6.5.2).
//! - **Tentative** ([`NeighborState::Tentative`]): lives for
//!   TENTATIVE_NCE_LIFETIME (20 s) and is not evicted before that either.
//! - **Garbage-collectible** ([`NeighborState::Reachable`] /
//!   [`NeighborState::Stale`]): learnt from an SLLAO / TLLAO (RS, RA, NS,
//!   NA). When the table is full, a new entry replaces the
//!   garbage-collectible entry used least recently ([`NeighborTable::touch`]
//!   marks an entry used); when every entry is Registered or Tentative, the
//!   new entry is not stored.
//!
//! Each entry costs 44 bytes on any target (see [`Neighbor`]).

use core::net::Ipv6Addr;

use super::consts::{REACHABLE_TIME, TENTATIVE_NCE_LIFETIME};
use crate::mac::Slots;
use crate::time::{Duration, Instant, InstantSecs};
use crate::wire::ieee802154::Address;

/// The Registration Ownership Verifier of an entry: the registrant's EUI-64
/// (RFC 6775 §4.1). An RFC 8505 ROVR longer than 8 bytes is kept as its
/// first 8 bytes (shorter ones are zero-padded), which is enough to tell
/// registrants apart in practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rovr(pub [u8; 8]);

impl Rovr {
    /// The ROVR from the bytes of an (E)ARO.
    pub fn from_slice(bytes: &[u8]) -> Rovr {
        let mut r = [0u8; 8];
        let n = bytes.len().min(8);
        r[..n].copy_from_slice(&bytes[..n]);
        Rovr(r)
    }
}

/// The state of a neighbour cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NeighborState {
    /// Free slot.
    #[default]
    Free,
    /// RFC 6775 §3.5: a tentative NCE (20 s), not evicted before it ends.
    Tentative,
    /// RFC 6775 §3.5: a registered NCE, removed only by its lifetime or a
    /// de-registration.
    Registered,
    /// RFC 4861 §7.3.2: confirmed reachable recently (until `expires`).
    Reachable,
    /// RFC 4861 §7.3.2: link-layer address known, reachability unknown.
    Stale,
}

/// One neighbour cache entry.
///
/// 44 bytes, 4-byte aligned (was 64 with `Instant` stamps): addresses
/// 16 + 9, ROVR 8, state, TID and router flag 3, and two [`InstantSecs`]
/// stamps of 4. Seconds are enough: registration lifetimes are in minutes
/// (RFC 6775 §4.1), REACHABLE_TIME and TENTATIVE_NCE_LIFETIME are 30 s and
/// 20 s (RFC 4861 §10, RFC 6775 §9); a deadline rounds up, so an entry
/// never ends early and at most one second late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbor {
    /// The neighbour's IPv6 address.
    pub addr: Ipv6Addr,
    /// Its link-layer address.
    pub lladdr: Address,
    /// Its state.
    pub state: NeighborState,
    /// The registrant's ROVR (EUI-64), for Registered and Tentative entries.
    pub rovr: Rovr,
    /// The TID of the last accepted registration (RFC 8505 §5.2).
    pub tid: u8,
    /// True when the neighbour is a router (RA, or NA with the R flag).
    pub is_router: bool,
    /// When a Registered / Tentative entry ends, or a Reachable one turns
    /// Stale (rounded up to the second).
    pub expires: Option<InstantSecs>,
    /// Last time the entry was created, refreshed or
    /// [touched](NeighborTable::touch), rounded down to the second: the
    /// least recently used entry is chosen among those of the oldest second.
    pub last_used: InstantSecs,
}

impl Neighbor {
    /// A free entry, to initialise storage.
    pub const EMPTY: Neighbor = Neighbor {
        addr: Ipv6Addr::UNSPECIFIED,
        lladdr: Address::Absent,
        state: NeighborState::Free,
        rovr: Rovr([0; 8]),
        tid: 0,
        is_router: false,
        expires: None,
        last_used: InstantSecs::ZERO,
    };

    fn is_free(&self) -> bool {
        self.state == NeighborState::Free
    }

    /// True for a Registered or Tentative entry (never evicted).
    pub fn is_pinned(&self) -> bool {
        matches!(self.state, NeighborState::Registered | NeighborState::Tentative)
    }
}

impl Default for Neighbor {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// The outcome of [`NeighborTable::register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// Created or refreshed (RFC 6775 status 0).
    Registered,
    /// Removed by a lifetime-0 registration (status 0 as well).
    Deregistered,
    /// Another ROVR holds the address (status 1).
    Duplicate,
    /// No room without evicting a registration (status 2).
    Full,
}

/// The neighbour cache / registration table over caller storage `S`.
#[derive(Debug, Clone)]
pub struct NeighborTable<S> {
    entries: S,
}

impl<S: Slots<Neighbor>> NeighborTable<S> {
    /// A table using `entries` (cleared).
    pub fn new(mut entries: S) -> Self {
        entries.as_mut().fill(Neighbor::EMPTY);
        NeighborTable { entries }
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.entries.as_ref().len()
    }

    /// The number of used entries.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when no entry is used.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every used entry.
    pub fn iter(&self) -> impl Iterator<Item = &Neighbor> {
        self.entries.as_ref().iter().filter(|e| !e.is_free())
    }

    /// The entry of `ip`.
    pub fn get(&self, ip: &Ipv6Addr) -> Option<&Neighbor> {
        self.entries.as_ref().iter().find(|e| !e.is_free() && e.addr == *ip)
    }

    fn get_mut(&mut self, ip: &Ipv6Addr) -> Option<&mut Neighbor> {
        self.entries.as_mut().iter_mut().find(|e| !e.is_free() && e.addr == *ip)
    }

    /// The link-layer address of `ip`, when known (any state).
    pub fn lladdr(&self, ip: &Ipv6Addr) -> Option<Address> {
        self.get(ip).map(|e| e.lladdr)
    }

    /// True when `ip` has a Registered entry.
    pub fn is_registered(&self, ip: &Ipv6Addr) -> bool {
        self.get(ip).is_some_and(|e| e.state == NeighborState::Registered)
    }

    /// Marks `ip` as used now (for the LRU eviction of garbage-collectible
    /// entries). The Node calls this when it sends to the neighbour.
    pub fn touch(&mut self, ip: &Ipv6Addr, now: Instant) {
        if let Some(e) = self.get_mut(ip) {
            e.last_used = InstantSecs::floor(now);
        }
    }

    /// The index of the entry of `ip`.
    fn position(&self, ip: &Ipv6Addr) -> Option<usize> {
        self.entries.as_ref().iter().position(|e| !e.is_free() && e.addr == *ip)
    }

    /// The index of a slot for a new entry: a free one, else the least
    /// recently used garbage-collectible one (the first of those on ties).
    fn alloc_index(&self) -> Option<usize> {
        let mut victim: Option<(usize, InstantSecs)> = None;
        for (i, e) in self.entries.as_ref().iter().enumerate() {
            if e.is_free() {
                return Some(i);
            }
            if !e.is_pinned() && victim.is_none_or(|(_, t)| e.last_used < t) {
                victim = Some((i, e.last_used));
            }
        }
        victim.map(|(i, _)| i)
    }

    /// A slot for a new entry (see [`NeighborTable::alloc_index`]).
    fn alloc(&mut self) -> Option<&mut Neighbor> {
        let i = self.alloc_index()?;
        self.entries.as_mut().get_mut(i)
    }

    /// Learns `ip` -> `lladdr` from an SLLAO / TLLAO (RFC 4861 §7.2.3,
    /// §7.2.5): a new entry is Stale (Reachable when `reachable`, i.e. on a
    /// solicited NA); an existing garbage-collectible entry is updated.
    /// Registered / Tentative entries keep their link-layer address (RFC
    /// 6775 §6.5.5: only an ARO changes them). Returns false when there was
    /// no room.
    pub fn learn(
        &mut self,
        ip: Ipv6Addr,
        lladdr: Address,
        is_router: bool,
        reachable: bool,
        now: Instant,
    ) -> bool {
        if ip.is_unspecified() || ip.is_multicast() || lladdr == Address::Absent {
            return false;
        }
        let (state, expires) = if reachable {
            (NeighborState::Reachable, Some(InstantSecs::deadline(now, REACHABLE_TIME)))
        } else {
            (NeighborState::Stale, None)
        };
        let last_used = InstantSecs::floor(now);
        if let Some(e) = self.get_mut(&ip) {
            e.last_used = last_used;
            e.is_router |= is_router;
            if !e.is_pinned() {
                if e.lladdr != lladdr || reachable {
                    e.state = state;
                    e.expires = expires;
                }
                e.lladdr = lladdr;
            }
            return true;
        }
        match self.alloc() {
            Some(e) => {
                *e = Neighbor { addr: ip, lladdr, state, is_router, expires, last_used, ..Neighbor::EMPTY };
                true
            }
            None => false,
        }
    }

    /// Processes a registration of `ip` by `rovr` from `lladdr` (RFC 6775
    /// §6.5.2, RFC 8505 §5.1): lifetime 0 removes the entry; otherwise the
    /// entry becomes (or stays) Registered until `now + lifetime`.
    pub fn register(
        &mut self,
        ip: Ipv6Addr,
        lladdr: Address,
        rovr: Rovr,
        tid: u8,
        lifetime: Duration,
        now: Instant,
    ) -> RegisterOutcome {
        let found = self.position(&ip);
        let entries = self.entries.as_mut();
        let mut is_router = false;
        if let Some(e) = found.and_then(|i| entries.get_mut(i)) {
            // RFC 6775 §6.5.2: the same address with another EUI-64 is a
            // duplicate.
            if e.is_pinned() && e.rovr != rovr {
                return RegisterOutcome::Duplicate;
            }
            if lifetime == Duration::ZERO {
                // RFC 6775 §6.5.3 / RFC 8505 §5.1: de-registration.
                *e = Neighbor::EMPTY;
            }
            is_router = e.is_router;
        }
        if lifetime == Duration::ZERO {
            return RegisterOutcome::Deregistered;
        }
        let Some(i) = found.or_else(|| self.alloc_index()) else { return RegisterOutcome::Full };
        let Some(e) = self.entries.as_mut().get_mut(i) else { return RegisterOutcome::Full };
        *e = Neighbor {
            addr: ip,
            lladdr,
            state: NeighborState::Registered,
            rovr,
            tid,
            is_router,
            expires: Some(InstantSecs::deadline(now, lifetime)),
            last_used: InstantSecs::floor(now),
        };
        RegisterOutcome::Registered
    }

    /// Creates a Tentative entry for `ip` (RFC 6775 §3.5, e.g. while a
    /// multihop DAD runs), ending after TENTATIVE_NCE_LIFETIME. Returns false
    /// when `ip` already has an entry held by another ROVR or there is no
    /// room.
    pub fn add_tentative(&mut self, ip: Ipv6Addr, lladdr: Address, rovr: Rovr, now: Instant) -> bool {
        if let Some(e) = self.get(&ip) {
            if e.is_pinned() && e.rovr != rovr {
                return false;
            }
            self.remove(&ip);
        }
        match self.alloc() {
            Some(e) => {
                *e = Neighbor {
                    addr: ip,
                    lladdr,
                    state: NeighborState::Tentative,
                    rovr,
                    expires: Some(InstantSecs::deadline(now, TENTATIVE_NCE_LIFETIME)),
                    last_used: InstantSecs::floor(now),
                    ..Neighbor::EMPTY
                };
                true
            }
            None => false,
        }
    }

    /// Removes the entry of `ip`; returns it.
    pub fn remove(&mut self, ip: &Ipv6Addr) -> Option<Neighbor> {
        let e = self.get_mut(ip)?;
        let old = *e;
        *e = Neighbor::EMPTY;
        Some(old)
    }

    /// Ends what is due at `now`: Registered and Tentative entries past
    /// their lifetime are removed (returned count), Reachable entries turn
    /// Stale.
    pub fn expire(&mut self, now: Instant) -> u32 {
        let mut removed = 0;
        for e in self.entries.as_mut().iter_mut() {
            let Some(t) = e.expires else { continue };
            if !t.reached(now) {
                continue;
            }
            match e.state {
                NeighborState::Registered | NeighborState::Tentative => {
                    *e = Neighbor::EMPTY;
                    removed += 1;
                }
                NeighborState::Reachable => {
                    e.state = NeighborState::Stale;
                    e.expires = None;
                }
                _ => e.expires = None,
            }
        }
        removed
    }

    /// The next instant at which [`NeighborTable::expire`] has work.
    pub fn poll_at(&self) -> Option<Instant> {
        let mut at: Option<InstantSecs> = None;
        for e in self.entries.as_ref() {
            // A free entry has no deadline.
            if let Some(t) = e.expires {
                if at.is_none_or(|a| t < a) {
                    at = Some(t);
                }
            }
        }
        at.map(InstantSecs::to_instant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u16) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n)
    }
    fn ll(n: u8) -> Address {
        Address::Extended([n; 8])
    }
    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn learn_and_lookup() {
        let mut t = NeighborTable::new([Neighbor::EMPTY; 2]);
        assert!(t.is_empty());
        assert!(t.learn(ip(1), ll(1), false, false, Instant::from_secs(1)));
        assert_eq!(t.lladdr(&ip(1)), Some(ll(1)));
        assert_eq!(t.get(&ip(1)).unwrap().state, NeighborState::Stale);
        assert!(!t.is_registered(&ip(1)));
        // Unspecified / multicast / absent never stored.
        assert!(!t.learn(Ipv6Addr::UNSPECIFIED, ll(1), false, false, Instant::ZERO));
        assert!(!t.learn(super::super::ALL_NODES, ll(1), false, false, Instant::ZERO));
        assert!(!t.learn(ip(3), Address::Absent, false, false, Instant::ZERO));
        // Reachable, then Stale after REACHABLE_TIME.
        assert!(t.learn(ip(1), ll(1), true, true, Instant::from_secs(2)));
        let e = t.get(&ip(1)).unwrap();
        assert_eq!(
            (e.state, e.is_router, e.expires),
            (NeighborState::Reachable, true, Some(InstantSecs::from_secs(32)))
        );
        assert_eq!(t.poll_at(), Some(Instant::from_secs(32)));
        assert_eq!(t.expire(Instant::from_secs(32)), 0);
        assert_eq!(t.get(&ip(1)).unwrap().state, NeighborState::Stale);
        assert_eq!(t.poll_at(), None);
    }

    #[test]
    fn lru_eviction_spares_registered() {
        let mut t = NeighborTable::new([Neighbor::EMPTY; 3]);
        let r = t.register(ip(1), ll(1), Rovr([1; 8]), 0, MIN, Instant::from_secs(0));
        assert_eq!(r, RegisterOutcome::Registered);
        t.learn(ip(2), ll(2), false, false, Instant::from_secs(1));
        t.learn(ip(3), ll(3), false, false, Instant::from_secs(2));
        t.touch(&ip(2), Instant::from_secs(3));
        // ip(3) is the least recently used unregistered entry.
        assert!(t.learn(ip(4), ll(4), false, false, Instant::from_secs(4)));
        assert!(t.get(&ip(3)).is_none());
        assert!(t.get(&ip(2)).is_some() && t.is_registered(&ip(1)));
        // A registration evicts a garbage-collectible entry (ip(2), LRU)...
        let r = t.register(ip(5), ll(5), Rovr([5; 8]), 0, MIN, Instant::from_secs(5));
        assert_eq!(r, RegisterOutcome::Registered);
        assert!(t.get(&ip(2)).is_none());
        // ...ip(4) next, then the table is all registered: Full.
        assert_eq!(
            t.register(ip(6), ll(6), Rovr([6; 8]), 0, MIN, Instant::from_secs(6)),
            RegisterOutcome::Registered
        );
        assert_eq!(
            t.register(ip(7), ll(7), Rovr([7; 8]), 0, MIN, Instant::from_secs(7)),
            RegisterOutcome::Full
        );
        assert!(!t.learn(ip(8), ll(8), false, false, Instant::from_secs(8)));
        assert_eq!(t.len(), 3);
        assert!(t.is_registered(&ip(1)) && t.is_registered(&ip(5)) && t.is_registered(&ip(6)));
    }

    #[test]
    fn duplicate_refresh_deregister_expire() {
        let mut t = NeighborTable::new([Neighbor::EMPTY; 4]);
        let now = Instant::from_secs(10);
        assert_eq!(t.register(ip(1), ll(1), Rovr([1; 8]), 1, MIN, now), RegisterOutcome::Registered);
        assert_eq!(t.register(ip(1), ll(9), Rovr([9; 8]), 1, MIN, now), RegisterOutcome::Duplicate);
        assert_eq!(t.lladdr(&ip(1)), Some(ll(1)));
        // An SLLAO does not change a registered entry.
        t.learn(ip(1), ll(9), false, false, now);
        assert_eq!(t.lladdr(&ip(1)), Some(ll(1)));
        // Refresh by the owner moves the expiry.
        let later = Instant::from_secs(50);
        assert_eq!(t.register(ip(1), ll(1), Rovr([1; 8]), 2, MIN + MIN, later), RegisterOutcome::Registered);
        assert_eq!(t.get(&ip(1)).unwrap().expires, Some(InstantSecs::from_secs(170)));
        assert_eq!(t.get(&ip(1)).unwrap().tid, 2);
        assert_eq!(t.expire(Instant::from_secs(169)), 0);
        assert_eq!(t.expire(Instant::from_secs(170)), 1);
        assert!(t.get(&ip(1)).is_none());
        // De-registration: by the owner only.
        t.register(ip(2), ll(2), Rovr([2; 8]), 0, MIN, now);
        assert_eq!(
            t.register(ip(2), ll(3), Rovr([3; 8]), 0, Duration::ZERO, now),
            RegisterOutcome::Duplicate
        );
        assert_eq!(
            t.register(ip(2), ll(2), Rovr([2; 8]), 0, Duration::ZERO, now),
            RegisterOutcome::Deregistered
        );
        assert!(t.is_empty());
        assert_eq!(
            t.register(ip(2), ll(2), Rovr([2; 8]), 0, Duration::ZERO, now),
            RegisterOutcome::Deregistered
        );
        assert!(t.is_empty());
    }

    #[test]
    fn deadlines_round_up_stamps_down() {
        let mut t = NeighborTable::new([Neighbor::EMPTY; 2]);
        let now = Instant::from_millis(10_500);
        t.register(ip(1), ll(1), Rovr([1; 8]), 0, MIN, now);
        let e = t.get(&ip(1)).unwrap();
        assert_eq!((e.last_used, e.expires), (InstantSecs::from_secs(10), Some(InstantSecs::from_secs(71))));
        // Never before the lifetime is over, gone within the second after.
        assert_eq!(t.poll_at(), Some(Instant::from_secs(71)));
        assert_eq!(t.expire(Instant::from_millis(70_999)), 0);
        assert_eq!(t.expire(Instant::from_secs(71)), 1);
        assert_eq!(core::mem::size_of::<Neighbor>(), 44);
    }

    #[test]
    fn tentative() {
        let mut t = NeighborTable::new([Neighbor::EMPTY; 1]);
        assert!(t.add_tentative(ip(1), ll(1), Rovr([1; 8]), Instant::ZERO));
        assert!(!t.add_tentative(ip(1), ll(2), Rovr([2; 8]), Instant::ZERO));
        assert!(!t.learn(ip(2), ll(2), false, false, Instant::ZERO));
        assert_eq!(t.poll_at(), Some(Instant::from_secs(20)));
        assert_eq!(t.expire(Instant::from_secs(20)), 1);
        assert!(t.is_empty());
        assert_eq!(Rovr::from_slice(&[1, 2, 3]), Rovr([1, 2, 3, 0, 0, 0, 0, 0]));
        assert_eq!(Rovr::from_slice(&[7; 16]), Rovr([7; 8]));
    }
}
