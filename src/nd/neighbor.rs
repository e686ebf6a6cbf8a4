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
//! Each entry costs 42 bytes on any target (see [`Neighbor`]).

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
/// 42 bytes, byte-aligned (was 44, and 64 with `Instant` stamps): the IPv6
/// address 16, the link-layer address 8 (a short one in the first two
/// bytes), the ROVR 8, one byte for the state, the router flag and the kind
/// of link-layer address, the TID 1, and two [`InstantSecs`] stamps of 4
/// kept as bytes (0: none), so that no field forces padding. Seconds are
/// enough: registration lifetimes are in minutes (RFC 6775 §4.1),
/// REACHABLE_TIME and TENTATIVE_NCE_LIFETIME are 30 s and 20 s (RFC 4861
/// §10, RFC 6775 §9); a deadline rounds up, so an entry never ends early
/// and at most one second late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbor {
    addr: Ipv6Addr,
    /// Extended address, or short address in the first two bytes (see
    /// `flags`).
    lladdr: [u8; 8],
    rovr: [u8; 8],
    /// Bits 0-2: [`NeighborState`]; bit 3: router; bits 4-5: link-layer
    /// address kind (0 absent, 1 short, 2 extended).
    flags: u8,
    tid: u8,
    /// [`Stamp`]s: when the entry ends (Registered / Tentative) or turns
    /// Stale (Reachable); last use.
    expires: Stamp,
    last_used: Stamp,
}

/// An `Option<InstantSecs>` in 4 bytes without their alignment: the
/// stored (plus one) value of the [`InstantSecs`], 0 for `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp([u8; 4]);

impl Stamp {
    const NONE: Stamp = Stamp([0; 4]);

    fn new(t: Option<InstantSecs>) -> Stamp {
        // total_secs() < u32::MAX: plus one does not overflow.
        Stamp(t.map_or(0, |t| t.total_secs() + 1).to_le_bytes())
    }

    fn get(self) -> Option<InstantSecs> {
        match u32::from_le_bytes(self.0) {
            0 => None,
            n => Some(InstantSecs::from_secs(u64::from(n - 1))),
        }
    }
}

const STATE_MASK: u8 = 0x07;
const ROUTER: u8 = 0x08;
const LL_SHIFT: u8 = 4;

impl Neighbor {
    /// A free entry, to initialise storage.
    pub const EMPTY: Neighbor = Neighbor {
        addr: Ipv6Addr::UNSPECIFIED,
        lladdr: [0; 8],
        rovr: [0; 8],
        flags: 0,
        tid: 0,
        expires: Stamp::NONE,
        last_used: Stamp::NONE,
    };

    /// An entry (`last_used` is rounded down to the second by the callers).
    #[allow(clippy::too_many_arguments)]
    fn new(
        addr: Ipv6Addr,
        lladdr: Address,
        state: NeighborState,
        rovr: Rovr,
        tid: u8,
        is_router: bool,
        expires: Option<InstantSecs>,
        last_used: InstantSecs,
    ) -> Neighbor {
        let mut e = Neighbor {
            addr,
            rovr: rovr.0,
            tid,
            expires: Stamp::new(expires),
            last_used: Stamp::new(Some(last_used)),
            ..Neighbor::EMPTY
        };
        e.set_state(state);
        e.set_lladdr(lladdr);
        e.set_router(is_router);
        e
    }

    /// The neighbour's IPv6 address.
    pub fn addr(&self) -> Ipv6Addr {
        self.addr
    }

    /// Its link-layer address.
    pub fn lladdr(&self) -> Address {
        let [a, b, ..] = self.lladdr;
        match self.flags >> LL_SHIFT {
            1 => Address::Short([a, b]),
            2 => Address::Extended(self.lladdr),
            _ => Address::Absent,
        }
    }

    fn set_lladdr(&mut self, a: Address) {
        let (kind, bytes) = match a {
            Address::Absent => (0, [0; 8]),
            Address::Short([x, y]) => (1, [x, y, 0, 0, 0, 0, 0, 0]),
            Address::Extended(e) => (2, e),
        };
        self.lladdr = bytes;
        self.flags = (self.flags & !(3 << LL_SHIFT)) | kind << LL_SHIFT;
    }

    /// Its state.
    pub fn state(&self) -> NeighborState {
        match self.flags & STATE_MASK {
            1 => NeighborState::Tentative,
            2 => NeighborState::Registered,
            3 => NeighborState::Reachable,
            4 => NeighborState::Stale,
            _ => NeighborState::Free,
        }
    }

    #[inline(never)]
    fn set_state(&mut self, s: NeighborState) {
        let v = match s {
            NeighborState::Free => 0,
            NeighborState::Tentative => 1,
            NeighborState::Registered => 2,
            NeighborState::Reachable => 3,
            NeighborState::Stale => 4,
        };
        self.flags = (self.flags & !STATE_MASK) | v;
    }

    /// The registrant's ROVR (EUI-64), for Registered and Tentative entries.
    pub fn rovr(&self) -> Rovr {
        Rovr(self.rovr)
    }

    /// The TID of the last accepted registration (RFC 8505 §5.2).
    pub fn tid(&self) -> u8 {
        self.tid
    }

    /// True when the neighbour is a router (RA, or NA with the R flag).
    pub fn is_router(&self) -> bool {
        self.flags & ROUTER != 0
    }

    fn set_router(&mut self, r: bool) {
        if r {
            self.flags |= ROUTER;
        } else {
            self.flags &= !ROUTER;
        }
    }

    /// When a Registered / Tentative entry ends, or a Reachable one turns
    /// Stale (rounded up to the second).
    pub fn expires(&self) -> Option<InstantSecs> {
        self.expires.get()
    }

    /// Last time the entry was created, refreshed or
    /// [touched](NeighborTable::touch), rounded down to the second: the
    /// least recently used entry is chosen among those of the oldest second.
    pub fn last_used(&self) -> InstantSecs {
        self.last_used.get().unwrap_or(InstantSecs::ZERO)
    }

    fn is_free(&self) -> bool {
        self.flags & STATE_MASK == 0
    }

    /// True for a Registered or Tentative entry (never evicted).
    pub fn is_pinned(&self) -> bool {
        // Tentative (1) or Registered (2), as `set_state` codes them.
        matches!(self.flags & STATE_MASK, 1 | 2)
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
        self.get(ip).map(Neighbor::lladdr)
    }

    /// True when `ip` has a Registered entry.
    pub fn is_registered(&self, ip: &Ipv6Addr) -> bool {
        self.get(ip).is_some_and(|e| e.state() == NeighborState::Registered)
    }

    /// Marks `ip` as used now (for the LRU eviction of garbage-collectible
    /// entries). The Node calls this when it sends to the neighbour.
    pub fn touch(&mut self, ip: &Ipv6Addr, now: Instant) {
        if let Some(e) = self.get_mut(ip) {
            e.last_used = Stamp::new(Some(InstantSecs::floor(now)));
        }
    }

    /// The index of the entry of `ip`.
    #[inline(never)]
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
            let used = e.last_used();
            if !e.is_pinned() && victim.is_none_or(|(_, t)| used < t) {
                victim = Some((i, used));
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
            e.last_used = Stamp::new(Some(last_used));
            e.set_router(e.is_router() | is_router);
            if !e.is_pinned() {
                if e.lladdr() != lladdr || reachable {
                    e.set_state(state);
                    e.expires = Stamp::new(expires);
                }
                e.set_lladdr(lladdr);
            }
            return true;
        }
        match self.alloc() {
            Some(e) => {
                *e = Neighbor::new(ip, lladdr, state, Rovr::default(), 0, is_router, expires, last_used);
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
            if e.is_pinned() && e.rovr() != rovr {
                return RegisterOutcome::Duplicate;
            }
            if lifetime == Duration::ZERO {
                // RFC 6775 §6.5.3 / RFC 8505 §5.1: de-registration.
                *e = Neighbor::EMPTY;
            }
            is_router = e.is_router();
        }
        if lifetime == Duration::ZERO {
            return RegisterOutcome::Deregistered;
        }
        let Some(i) = found.or_else(|| self.alloc_index()) else { return RegisterOutcome::Full };
        let Some(e) = self.entries.as_mut().get_mut(i) else { return RegisterOutcome::Full };
        *e = Neighbor::new(
            ip,
            lladdr,
            NeighborState::Registered,
            rovr,
            tid,
            is_router,
            Some(InstantSecs::deadline(now, lifetime)),
            InstantSecs::floor(now),
        );
        RegisterOutcome::Registered
    }

    /// Creates a Tentative entry for `ip` (RFC 6775 §3.5, e.g. while a
    /// multihop DAD runs), ending after TENTATIVE_NCE_LIFETIME. Returns false
    /// when `ip` already has an entry held by another ROVR or there is no
    /// room.
    pub fn add_tentative(&mut self, ip: Ipv6Addr, lladdr: Address, rovr: Rovr, now: Instant) -> bool {
        if let Some(e) = self.get(&ip) {
            if e.is_pinned() && e.rovr() != rovr {
                return false;
            }
            self.remove(&ip);
        }
        match self.alloc() {
            Some(e) => {
                *e = Neighbor::new(
                    ip,
                    lladdr,
                    NeighborState::Tentative,
                    rovr,
                    0,
                    false,
                    Some(InstantSecs::deadline(now, TENTATIVE_NCE_LIFETIME)),
                    InstantSecs::floor(now),
                );
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
            let Some(t) = e.expires() else { continue };
            if !t.reached(now) {
                continue;
            }
            match e.state() {
                NeighborState::Registered | NeighborState::Tentative => {
                    *e = Neighbor::EMPTY;
                    removed += 1;
                }
                NeighborState::Reachable => {
                    e.set_state(NeighborState::Stale);
                    e.expires = Stamp::NONE;
                }
                _ => e.expires = Stamp::NONE,
            }
        }
        removed
    }

    /// The next instant at which [`NeighborTable::expire`] has work.
    #[inline(never)]
    pub fn poll_at(&self) -> Option<Instant> {
        let mut at: Option<InstantSecs> = None;
        for e in self.entries.as_ref() {
            // A free entry has no deadline.
            if let Some(t) = e.expires() {
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
        assert_eq!(t.get(&ip(1)).unwrap().state(), NeighborState::Stale);
        assert!(!t.is_registered(&ip(1)));
        // Unspecified / multicast / absent never stored.
        assert!(!t.learn(Ipv6Addr::UNSPECIFIED, ll(1), false, false, Instant::ZERO));
        assert!(!t.learn(super::super::ALL_NODES, ll(1), false, false, Instant::ZERO));
        assert!(!t.learn(ip(3), Address::Absent, false, false, Instant::ZERO));
        // Reachable, then Stale after REACHABLE_TIME.
        assert!(t.learn(ip(1), ll(1), true, true, Instant::from_secs(2)));
        let e = t.get(&ip(1)).unwrap();
        assert_eq!(
            (e.state(), e.is_router(), e.expires()),
            (NeighborState::Reachable, true, Some(InstantSecs::from_secs(32)))
        );
        assert_eq!(t.poll_at(), Some(Instant::from_secs(32)));
        assert_eq!(t.expire(Instant::from_secs(32)), 0);
        assert_eq!(t.get(&ip(1)).unwrap().state(), NeighborState::Stale);
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
        assert_eq!(t.get(&ip(1)).unwrap().expires(), Some(InstantSecs::from_secs(170)));
        assert_eq!(t.get(&ip(1)).unwrap().tid(), 2);
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
        assert_eq!(
            (e.last_used(), e.expires()),
            (InstantSecs::from_secs(10), Some(InstantSecs::from_secs(71)))
        );
        // Never before the lifetime is over, gone within the second after.
        assert_eq!(t.poll_at(), Some(Instant::from_secs(71)));
        assert_eq!(t.expire(Instant::from_millis(70_999)), 0);
        assert_eq!(t.expire(Instant::from_secs(71)), 1);
        assert_eq!((core::mem::size_of::<Neighbor>(), core::mem::align_of::<Neighbor>()), (42, 1));
    }

    /// The packed fields read back what was stored.
    #[test]
    fn packed_fields_round_trip() {
        for ll in [Address::Absent, Address::Short([0xab, 0xcd]), Address::Extended([1, 2, 3, 4, 5, 6, 7, 8])]
        {
            for state in [
                NeighborState::Free,
                NeighborState::Tentative,
                NeighborState::Registered,
                NeighborState::Reachable,
                NeighborState::Stale,
            ] {
                for (router, exp) in
                    [(false, None), (true, Some(InstantSecs::MAX)), (true, Some(InstantSecs::ZERO))]
                {
                    let e = Neighbor::new(ip(1), ll, state, Rovr([9; 8]), 200, router, exp, InstantSecs::MAX);
                    assert_eq!(
                        (
                            e.addr(),
                            e.lladdr(),
                            e.state(),
                            e.rovr(),
                            e.tid(),
                            e.is_router(),
                            e.expires(),
                            e.last_used()
                        ),
                        (ip(1), ll, state, Rovr([9; 8]), 200, router, exp, InstantSecs::MAX)
                    );
                }
            }
        }
        let mut e = Neighbor::new(
            ip(1),
            ll(1),
            NeighborState::Stale,
            Rovr::default(),
            0,
            true,
            None,
            InstantSecs::ZERO,
        );
        e.set_lladdr(Address::Short([1, 2]));
        e.set_state(NeighborState::Reachable);
        e.set_router(false);
        assert_eq!(
            (e.lladdr(), e.state(), e.is_router()),
            (Address::Short([1, 2]), NeighborState::Reachable, false)
        );
        assert_eq!(Neighbor::default(), Neighbor::EMPTY);
        assert!(Neighbor::EMPTY.is_free() && Neighbor::EMPTY.expires().is_none());
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
