//! Storing-mode (MOP 2) downward routes (RFC 6550 §9) and the lollipop
//! counters of RFC 6550 §7.2.
//!
//! A [`RouteTable`] maps a DAO target prefix to the child that advertised
//! it (its link-local address, the next hop), over caller storage
//! ([`crate::mac::Slots`] of [`Route`]):
//!
//! - [`RouteTable::update`] applies one RPL Target + Transit Information
//!   pair of a received DAO: a newer Path Sequence replaces the route, an
//!   older one is ignored, a Path Lifetime of 0 (No-Path, RFC 6550 §6.7.8)
//!   removes it;
//! - [`RouteTable::lookup`] is a longest-prefix match;
//! - [`RouteTable::poll`] / [`RouteTable::poll_at`] expire routes.
//!
//! **When the table is full** an expired entry is reused; otherwise the new
//! route is refused ([`RouteUpdate::Full`], counted by
//! [`RouteTable::refused`]) and existing routes are kept, so the caller can
//! answer the DAO with a DAO-ACK status of 128 or above ("unable to accept",
//! RFC 6550 §6.5) and the child can pick another parent.

use core::cmp::Ordering;
use core::net::Ipv6Addr;

use crate::mac::Slots;
use crate::time::{Duration, Instant, InstantSecs};
use crate::wire::rpl::options::RplTarget;

/// RFC 6550 §7.2: SEQUENCE_WINDOW, the largest distance at which two
/// lollipop counters are still comparable.
pub const SEQUENCE_WINDOW: u8 = 16;

/// RFC 6550 §7.2: the value a lollipop counter starts from,
/// 256 − SEQUENCE_WINDOW (in the linear region).
pub const LOLLIPOP_INIT: u8 = 240;

/// The next value of a lollipop counter (RFC 6550 §7.2): the linear region
/// 128..=255 runs into the circular region 0..=127, which wraps onto itself.
#[inline(never)]
pub const fn lollipop_increment(a: u8) -> u8 {
    if a == 127 || a == 255 { 0 } else { a + 1 }
}

/// Compares two lollipop counters (RFC 6550 §7.2). `None` when they are not
/// comparable (a desynchronisation: more than [`SEQUENCE_WINDOW`] apart in
/// the same region).
pub fn lollipop_cmp(a: u8, b: u8) -> Option<Ordering> {
    if a == b {
        return Some(Ordering::Equal);
    }
    match (a > 127, b > 127) {
        // RFC 6550 §7.2 rule 1: one in the linear region, one in the circular
        // region. The circular one is newer only when it is just past the
        // linear one's wrap point; otherwise the linear one is a restart.
        (true, false) => Some(if 256 + u16::from(b) - u16::from(a) <= u16::from(SEQUENCE_WINDOW) {
            Ordering::Less
        } else {
            Ordering::Greater
        }),
        (false, true) => lollipop_cmp(b, a).map(Ordering::reverse),
        // Rule 2: same region, serial number arithmetic within the window
        // (RFC 1982), modulo 128 in the circular region.
        (false, false) => {
            let up = b.wrapping_sub(a) & 0x7f; // how far b is ahead of a
            let down = a.wrapping_sub(b) & 0x7f;
            if up <= SEQUENCE_WINDOW {
                Some(Ordering::Less)
            } else if down <= SEQUENCE_WINDOW {
                Some(Ordering::Greater)
            } else {
                None
            }
        }
        (true, true) => (a.abs_diff(b) <= SEQUENCE_WINDOW).then(|| a.cmp(&b)),
    }
}

/// True when lollipop counter `a` is newer than `b` (RFC 6550 §7.2);
/// false when older, equal or not comparable.
pub fn lollipop_newer(a: u8, b: u8) -> bool {
    lollipop_cmp(a, b) == Some(Ordering::Greater)
}

/// A lifetime in RPL units as a [`Duration`]: `units × lifetime_unit`
/// seconds, with 0xFF meaning infinity (RFC 6550 §6.7.6, §6.7.8), given as
/// [`Duration::MAX`]. 0 is a No-Path (`Duration::ZERO`).
#[inline(never)]
pub fn rpl_lifetime(units: u8, lifetime_unit: u16) -> Duration {
    if units == 0xff {
        Duration::MAX
    } else {
        Duration::from_secs(u64::from(units) * u64::from(lifetime_unit))
    }
}

/// The prefix and length of an RPL Target option, the bits beyond the length
/// cleared. `None` when `prefix_len` exceeds 128 or the field is too short.
pub fn target_prefix(t: &RplTarget<'_>) -> Option<(Ipv6Addr, u8)> {
    if t.prefix_len > 128 {
        return None;
    }
    let n = usize::from(t.prefix_len).div_ceil(8);
    let mut o = [0u8; 16];
    o[..n].copy_from_slice(t.prefix.get(..n)?);
    Some((mask(Ipv6Addr::from(o), t.prefix_len), t.prefix_len))
}

#[inline(never)]
fn mask(a: Ipv6Addr, len: u8) -> Ipv6Addr {
    let bits = u128::from(a);
    let m = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len.min(128))) };
    Ipv6Addr::from(bits & m)
}

/// One downward route.
///
/// 38 bytes, 2-byte aligned (was 48 with an `Instant`, then 40): two
/// addresses of 16, the expiry as an [`InstantSecs`] (a Path Lifetime is
/// a count of Lifetime Units, whole seconds: RFC 6550 §6.7.6, §6.7.8),
/// length and Path Sequence. A free entry has a `prefix_len` of 255 (no
/// prefix is longer than 128), so no in-use flag is needed, and the struct
/// is packed to 2-byte alignment (`repr(C)`: fields in declaration
/// order, 38 bytes on every target) so that the 4-byte expiry adds no
/// padding: read `expires` by value (`r.expires.to_instant()`), a
/// reference to it does not compile. The next hop stays a full address:
/// the non-storing root keeps target → parent relations with global parent
/// addresses in this same type ([`super::srh::SourceRoutes`]), and a
/// storing-mode DAO's source may be any address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct Route {
    /// The target prefix, bits beyond `prefix_len` cleared.
    pub prefix: Ipv6Addr,
    /// The target prefix length (128 for a host; 255 in a free entry).
    pub prefix_len: u8,
    /// The child that advertised the target (its link-local address).
    pub next_hop: Ipv6Addr,
    /// The Path Sequence of the DAO that installed the route.
    pub path_sequence: u8,
    /// When the route expires, rounded up to the second
    /// ([`InstantSecs::MAX`]: never).
    pub expires: InstantSecs,
}

/// The `prefix_len` of a free entry.
const FREE: u8 = 0xff;

impl Route {
    /// A free entry, to initialise storage (`prefix_len` 255).
    pub const EMPTY: Route = Route {
        prefix: Ipv6Addr::UNSPECIFIED,
        prefix_len: FREE,
        next_hop: Ipv6Addr::UNSPECIFIED,
        path_sequence: 0,
        expires: InstantSecs::ZERO,
    };

    /// Whether the entry holds a route.
    fn used(&self) -> bool {
        self.prefix_len != FREE
    }
}

impl Default for Route {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// The outcome of [`RouteTable::update`] (and of the source-route table's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteUpdate {
    /// A new route took a free entry.
    Added,
    /// The same route (same sequence, same next hop) got a new lifetime.
    Refreshed,
    /// A newer Path Sequence replaced the route.
    Replaced,
    /// Older Path Sequence (or the same one from another next hop, or an
    /// incomparable one): ignored.
    Stale,
    /// A No-Path removed the route.
    Removed,
    /// A No-Path for a route we do not have (or hold through another next hop).
    NotFound,
    /// No free entry: the route was refused (DAO-ACK "unable to accept").
    Full,
}

impl RouteUpdate {
    /// True when the DAO's information was taken (or needed nothing): the
    /// DAO-ACK status can be 0. False only for [`RouteUpdate::Full`].
    pub fn accepted(self) -> bool {
        self != RouteUpdate::Full
    }
}

/// The storing-mode downward route table (see the module docs).
#[derive(Debug)]
pub struct RouteTable<S: Slots<Route>> {
    slots: S,
    refused: u32,
}

impl<S: Slots<Route>> RouteTable<S> {
    /// A table over `slots` (every entry is cleared).
    pub fn new(mut slots: S) -> Self {
        slots.as_mut().fill(Route::EMPTY);
        RouteTable { slots, refused: 0 }
    }

    /// Applies a DAO's target `prefix/prefix_len` heard from child `from`
    /// (the DAO's link-local source) with `path_sequence` and `lifetime`
    /// (`Duration::ZERO` is a No-Path, see [`rpl_lifetime`]).
    pub fn update(
        &mut self,
        now: Instant,
        prefix: Ipv6Addr,
        prefix_len: u8,
        from: Ipv6Addr,
        path_sequence: u8,
        lifetime: Duration,
    ) -> RouteUpdate {
        let prefix_len = prefix_len.min(128);
        let prefix = mask(prefix, prefix_len);
        let expires = InstantSecs::deadline(now, lifetime);
        let slots = self.slots.as_mut();
        // `prefix_len` is at most 128 here: a free entry never matches.
        if let Some(r) = slots.iter_mut().find(|r| r.prefix_len == prefix_len && r.prefix == prefix) {
            if lifetime == Duration::ZERO {
                // RFC 6550 §6.7.8, §9.8: a No-Path removes the route it names, if it is
                // not older than what installed the route and comes the same way.
                if r.next_hop == from && !lollipop_newer(r.path_sequence, path_sequence) {
                    *r = Route::EMPTY;
                    return RouteUpdate::Removed;
                }
                return RouteUpdate::NotFound;
            }
            return match lollipop_cmp(path_sequence, r.path_sequence) {
                Some(Ordering::Greater) => {
                    *r = Route { prefix, prefix_len, next_hop: from, path_sequence, expires };
                    RouteUpdate::Replaced
                }
                Some(Ordering::Equal) if r.next_hop == from => {
                    r.expires = expires;
                    RouteUpdate::Refreshed
                }
                _ => RouteUpdate::Stale,
            };
        }
        if lifetime == Duration::ZERO {
            return RouteUpdate::NotFound;
        }
        // A free entry, else one already expired (poll not yet called).
        let slot = match slots.iter().position(|r| !r.used()) {
            Some(i) => Some(i),
            None => slots.iter().position(|r| r.expires.reached(now)),
        };
        match slot {
            Some(i) => {
                slots[i] = Route { prefix, prefix_len, next_hop: from, path_sequence, expires };
                RouteUpdate::Added
            }
            None => {
                self.refused = self.refused.saturating_add(1);
                RouteUpdate::Full
            }
        }
    }

    /// The route with the longest prefix covering `dst`.
    pub fn lookup(&self, dst: Ipv6Addr) -> Option<&Route> {
        self.iter().filter(|r| mask(dst, r.prefix_len) == r.prefix).max_by_key(|r| r.prefix_len)
    }

    /// Removes every route through `next_hop` (a child found unreachable);
    /// returns how many.
    pub fn remove_via(&mut self, next_hop: Ipv6Addr) -> usize {
        let mut n = 0;
        for r in self.slots.as_mut().iter_mut().filter(|r| r.used() && r.next_hop == next_hop) {
            *r = Route::EMPTY;
            n += 1;
        }
        n
    }

    /// Drops the routes whose lifetime ended at or before `now`; returns how many.
    pub fn poll(&mut self, now: Instant) -> usize {
        let mut n = 0;
        for r in self.slots.as_mut().iter_mut().filter(|r| r.used() && r.expires.reached(now)) {
            *r = Route::EMPTY;
            n += 1;
        }
        n
    }

    /// The next expiry, `None` when no route can expire.
    pub fn poll_at(&self) -> Option<Instant> {
        self.iter().map(|r| r.expires).filter(|&e| e != InstantSecs::MAX).min().map(InstantSecs::to_instant)
    }

    /// The routes in use.
    pub fn iter(&self) -> impl Iterator<Item = &Route> + '_ {
        self.slots.as_ref().iter().filter(|r| r.used())
    }

    /// Number of routes in use.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when no route is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many new routes were refused because the table was full.
    pub fn refused(&self) -> u32 {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lollipop_rules() {
        assert_eq!(lollipop_increment(LOLLIPOP_INIT), 241);
        assert_eq!(lollipop_increment(255), 0);
        assert_eq!(lollipop_increment(127), 0);
        assert!(lollipop_newer(241, 240));
        assert!(lollipop_newer(3, 250)); // 256 + 3 - 250 = 9 ≤ 16
        assert!(lollipop_newer(130, 3)); // a restart in the linear region
        assert!(lollipop_newer(2, 120)); // circular wrap
        assert_eq!(lollipop_cmp(10, 60), None);
        assert_eq!(lollipop_cmp(130, 200), None);
        assert!(!lollipop_newer(7, 7));
    }

    proptest::proptest! {
        #[test]
        fn lollipop_antisymmetric(a: u8, b: u8) {
            proptest::prop_assert_eq!(lollipop_cmp(a, b), lollipop_cmp(b, a).map(Ordering::reverse));
            proptest::prop_assert!(lollipop_newer(lollipop_increment(a), a));
        }
    }

    #[test]
    fn target_prefix_masks() {
        let t = RplTarget { flags: 0, prefix_len: 60, prefix: &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0xff] };
        assert_eq!(target_prefix(&t), Some(("2001:db8:0:f0::".parse().unwrap(), 60)));
        let short = RplTarget { flags: 0, prefix_len: 128, prefix: &[0; 8] };
        assert_eq!(target_prefix(&short), None);
    }
}
