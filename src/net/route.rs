//! The routing table: prefixes to next hops, a default route, and the
//! on-link decision.
//!
//! RPL (storing mode DAOs, the preferred parent as default route),
//! 6LoWPAN-ND (a router's registered hosts) and the application (static
//! routes) fill it in; the forwarding path asks [`RouteTable::resolve`].
//!
//! # On-link determination
//!
//! In a route-over 6LoWPAN, prefixes are not on-link (RFC 6775 §3.2: hosts
//! do not assume a prefix is on-link; RFC 6775 §6.5.4 / RFC 8505 §5.6: a
//! router knows its attached hosts by their registrations). So only
//! link-local and link-scope multicast destinations, and destinations the
//! neighbour table knows (the caller's closure), are on-link; everything
//! else goes through a route.
//!
//! # Policy when full
//!
//! Adding a route for a new prefix to a full table replaces the non-static
//! entry that expires first, if it expires no later than the new route;
//! otherwise the new route is refused with [`RouteError::Full`]. Static
//! routes are never evicted. Each entry costs 40 bytes on any target
//! (`Option<Route>`, see [`Route`]).

use core::net::Ipv6Addr;

use crate::mac::Slots;
use crate::time::{Duration, Instant, InstantSecs};
use crate::wire::ipv6::{AddressExt, MulticastScope};

use super::addr::common_prefix_len;

/// Who installed a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteSource {
    /// Configured by the application; never evicted to make room.
    Static,
    /// Learnt by RPL (DAO, DIO).
    Rpl,
    /// Learnt by neighbour discovery (registration, Router Advertisement).
    Nd,
}

/// One route: `prefix/prefix_len` via `next_hop`.
///
/// 40 bytes, 4-byte aligned, and `Option<Route>` too (the niche of
/// [`RouteSource`]): two addresses of 16, the expiry as an [`InstantSecs`]
/// (route lifetimes are whole seconds: RFC 4861 §4.6.2, RFC 6550 §6.7.6),
/// length and source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The destination prefix (bits past `prefix_len` are ignored).
    pub prefix: Ipv6Addr,
    /// The prefix length, 0..=128.
    pub prefix_len: u8,
    /// The next hop, normally a neighbour's link-local address.
    pub next_hop: Ipv6Addr,
    /// When the route expires, rounded up to the second
    /// ([`InstantSecs::MAX`]: never).
    pub expires: InstantSecs,
    /// Who installed it.
    pub source: RouteSource,
}

impl Route {
    /// True when `dst` falls under this route's prefix.
    pub fn matches(&self, dst: &Ipv6Addr) -> bool {
        common_prefix_len(&self.prefix, dst) >= self.prefix_len.min(128)
    }
}

/// The default route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRoute {
    /// The default router.
    pub next_hop: Ipv6Addr,
    /// When it expires, rounded up to the second ([`InstantSecs::MAX`]:
    /// never).
    pub expires: InstantSecs,
    /// Who installed it.
    pub source: RouteSource,
}

/// Why a route was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteError {
    /// The table is full and no entry may be evicted (see the module docs).
    Full,
    /// A prefix length above 128.
    Invalid,
}

/// Where a packet for a destination goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextHop {
    /// The destination is a neighbour: send it straight there.
    OnLink,
    /// Send to this neighbour.
    Via(Ipv6Addr),
    /// No route and no default route.
    NoRoute,
}

/// A bounded routing table over caller storage
/// (`[Option<Route>; N]`, a slice or a Vec).
#[derive(Debug)]
///
/// The default route is the `::/0` entry: it takes a slot like any other
/// route (so it is evicted and expires by the same rules), and is left out
/// of [`lookup`](Self::lookup), [`iter`](Self::iter) and [`len`](Self::len).
pub struct RouteTable<S: Slots<Option<Route>>> {
    routes: S,
}

impl<S: Slots<Option<Route>>> RouteTable<S> {
    /// An empty table over `storage` (which is cleared).
    pub fn new(mut storage: S) -> Self {
        storage.as_mut().fill(None);
        RouteTable { routes: storage }
    }

    /// Adds a route, or updates the one with the same prefix and length.
    /// `lifetime` [`Duration::MAX`] means forever.
    pub fn add(
        &mut self,
        now: Instant,
        prefix: Ipv6Addr,
        prefix_len: u8,
        next_hop: Ipv6Addr,
        lifetime: Duration,
        source: RouteSource,
    ) -> Result<(), RouteError> {
        if prefix_len > 128 {
            return Err(RouteError::Invalid);
        }
        let prefix = mask(&prefix, prefix_len);
        let route =
            Route { prefix, prefix_len, next_hop, expires: InstantSecs::deadline(now, lifetime), source };
        let slots = self.routes.as_mut();
        if let Some(r) = slots.iter_mut().flatten().find(|r| r.prefix == prefix && r.prefix_len == prefix_len)
        {
            *r = route;
            return Ok(());
        }
        if let Some(free) = slots.iter_mut().find(|r| r.is_none()) {
            *free = Some(route);
            return Ok(());
        }
        // Full: evict the non-static route expiring first, if not after ours.
        let victim = slots
            .iter_mut()
            .filter(|r| r.is_some_and(|r| r.source != RouteSource::Static && r.expires <= route.expires))
            .min_by_key(|r| r.map(|r| r.expires));
        match victim {
            Some(v) => {
                *v = Some(route);
                Ok(())
            }
            None => Err(RouteError::Full),
        }
    }

    /// Removes the route for exactly `prefix/prefix_len`; true when found.
    pub fn remove(&mut self, prefix: &Ipv6Addr, prefix_len: u8) -> bool {
        let prefix = mask(prefix, prefix_len);
        for r in self.routes.as_mut() {
            if r.is_some_and(|r| r.prefix == prefix && r.prefix_len == prefix_len) {
                *r = None;
                return true;
            }
        }
        false
    }

    /// Removes every route through `next_hop` (the default route included),
    /// e.g. when a neighbour is lost; returns how many.
    pub fn remove_via(&mut self, next_hop: &Ipv6Addr) -> usize {
        self.remove_where(|r| r.next_hop == *next_hop)
    }

    /// Removes every route installed by `source` (the default route
    /// included), e.g. when RPL leaves its DODAG; returns how many.
    pub fn remove_source(&mut self, source: RouteSource) -> usize {
        self.remove_where(|r| r.source == source)
    }

    fn remove_where(&mut self, f: impl Fn(&Route) -> bool) -> usize {
        let mut n = 0;
        for r in self.routes.as_mut() {
            if r.as_ref().is_some_and(&f) {
                *r = None;
                n += 1;
            }
        }
        n
    }

    /// Sets the default route: the `::/0` entry, added (or updated) as
    /// [`add`](Self::add) does, so it needs a slot.
    pub fn set_default(
        &mut self,
        now: Instant,
        next_hop: Ipv6Addr,
        lifetime: Duration,
        source: RouteSource,
    ) -> Result<(), RouteError> {
        self.add(now, Ipv6Addr::UNSPECIFIED, 0, next_hop, lifetime, source)
    }

    /// Removes the default route.
    pub fn clear_default(&mut self) {
        self.remove(&Ipv6Addr::UNSPECIFIED, 0);
    }

    /// The default route.
    pub fn default_route(&self) -> Option<DefaultRoute> {
        let r = self.routes.as_ref().iter().flatten().find(|r| r.prefix_len == 0)?;
        Some(DefaultRoute { next_hop: r.next_hop, expires: r.expires, source: r.source })
    }

    /// The routes (the default route not included).
    pub fn iter(&self) -> impl Iterator<Item = &Route> + '_ {
        self.routes.as_ref().iter().flatten().filter(|r| r.prefix_len != 0)
    }

    /// Number of routes (the default route not counted).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there is no route (the default route not counted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The longest-prefix match for `dst`, the default route not included.
    pub fn lookup(&self, dst: &Ipv6Addr) -> Option<&Route> {
        // The last of the longest matches, as `max_by_key` would.
        let mut best: Option<&Route> = None;
        for r in self.iter() {
            if r.matches(dst) && best.is_none_or(|b| r.prefix_len >= b.prefix_len) {
                best = Some(r);
            }
        }
        best
    }

    /// The next hop for `dst`: the longest-prefix match, else the default
    /// router.
    pub fn next_hop(&self, dst: &Ipv6Addr) -> Option<Ipv6Addr> {
        self.lookup(dst).map(|r| r.next_hop).or(self.default_route().map(|d| d.next_hop))
    }

    /// Where a packet to `dst` goes; `is_neighbour` asks the neighbour
    /// table whether `dst` is a (registered) neighbour.
    #[inline(never)]
    pub fn resolve(&self, dst: &Ipv6Addr, is_neighbour: impl FnOnce(&Ipv6Addr) -> bool) -> NextHop {
        // RFC 4291 §2.5.6 / §2.7: link-local scope never leaves the link.
        let link_scope = dst.is_link_local()
            || matches!(dst.mcast_scope(), Some(MulticastScope::InterfaceLocal | MulticastScope::LinkLocal));
        if link_scope || is_neighbour(dst) {
            return NextHop::OnLink;
        }
        match self.next_hop(dst) {
            Some(nh) if nh == *dst => NextHop::OnLink,
            Some(nh) => NextHop::Via(nh),
            None => NextHop::NoRoute,
        }
    }

    /// Removes expired routes (and the default route); returns how many.
    pub fn poll(&mut self, now: Instant) -> usize {
        self.remove_where(|r| r.expires.reached(now))
    }

    /// The next expiry.
    pub fn poll_at(&self) -> Option<Instant> {
        self.routes
            .as_ref()
            .iter()
            .flatten()
            .map(|r| r.expires)
            .filter(|t| *t != InstantSecs::MAX)
            .min()
            .map(InstantSecs::to_instant)
    }
}

/// `addr` with the bits past `len` cleared.
pub fn mask(addr: &Ipv6Addr, len: u8) -> Ipv6Addr {
    let bits = u128::from_be_bytes(addr.octets());
    let m = match len {
        0 => 0,
        l if l >= 128 => u128::MAX,
        l => u128::MAX << (128 - u32::from(l)),
    };
    Ipv6Addr::from((bits & m).to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn longest_prefix_match() {
        let mut t = RouteTable::new([None; 4]);
        let now = Instant::ZERO;
        assert_eq!(t.next_hop(&ip("2001:db8::1")), None);
        t.add(now, ip("2001:db8::"), 32, ip("fe80::1"), Duration::MAX, RouteSource::Static).unwrap();
        t.add(now, ip("2001:db8:1::"), 48, ip("fe80::2"), Duration::MAX, RouteSource::Rpl).unwrap();
        t.add(now, ip("2001:db8:1::5"), 128, ip("fe80::3"), Duration::MAX, RouteSource::Rpl).unwrap();
        assert_eq!(t.next_hop(&ip("2001:db8:2::1")), Some(ip("fe80::1")));
        assert_eq!(t.next_hop(&ip("2001:db8:1::1")), Some(ip("fe80::2")));
        assert_eq!(t.next_hop(&ip("2001:db8:1::5")), Some(ip("fe80::3")));
        assert_eq!(t.next_hop(&ip("2001:db9::1")), None);
        t.set_default(now, ip("fe80::99"), Duration::MAX, RouteSource::Rpl).unwrap();
        assert_eq!(t.next_hop(&ip("2001:db9::1")), Some(ip("fe80::99")));
        // Host bits of a prefix are ignored; an update replaces.
        t.add(now, ip("2001:db8:1::ffff"), 48, ip("fe80::4"), Duration::MAX, RouteSource::Rpl).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.next_hop(&ip("2001:db8:1::1")), Some(ip("fe80::4")));
        assert!(t.remove(&ip("2001:db8:1::"), 48));
        assert_eq!(t.next_hop(&ip("2001:db8:1::1")), Some(ip("fe80::1")));
        assert_eq!(mask(&ip("2001:db8:ffff::"), 24), ip("2001:d00::"));
    }

    #[test]
    fn resolve_on_link() {
        let mut t = RouteTable::new([None; 2]);
        let now = Instant::ZERO;
        assert_eq!(t.resolve(&ip("fe80::7"), |_| false), NextHop::OnLink);
        assert_eq!(t.resolve(&ip("ff02::1a"), |_| false), NextHop::OnLink);
        assert_eq!(t.resolve(&ip("2001:db8::7"), |_| false), NextHop::NoRoute);
        assert_eq!(t.resolve(&ip("2001:db8::7"), |a| *a == ip("2001:db8::7")), NextHop::OnLink);
        t.set_default(now, ip("fe80::1"), S, RouteSource::Nd).unwrap();
        assert_eq!(t.resolve(&ip("2001:db8::7"), |_| false), NextHop::Via(ip("fe80::1")));
    }

    #[test]
    fn eviction_and_expiry() {
        let mut t = RouteTable::new([None; 3]);
        // One slot holds a route that fills the table for the first part.
        t.add(Instant::ZERO, ip("2001:db8:9::"), 48, ip("fe80::9"), Duration::MAX, RouteSource::Static)
            .unwrap();
        let now = Instant::ZERO;
        t.add(now, ip("2001:db8:1::"), 48, ip("fe80::1"), Duration::from_secs(10), RouteSource::Rpl).unwrap();
        t.add(now, ip("2001:db8:2::"), 48, ip("fe80::2"), Duration::MAX, RouteSource::Static).unwrap();
        // Shorter-lived than the victim: refused.
        assert_eq!(
            t.add(now, ip("2001:db8:3::"), 48, ip("fe80::3"), Duration::from_secs(5), RouteSource::Rpl),
            Err(RouteError::Full)
        );
        // Longer-lived: replaces the RPL route, never the static one.
        t.add(now, ip("2001:db8:3::"), 48, ip("fe80::3"), Duration::from_secs(20), RouteSource::Rpl).unwrap();
        assert_eq!(t.next_hop(&ip("2001:db8:1::1")), None);
        assert_eq!(t.next_hop(&ip("2001:db8:2::1")), Some(ip("fe80::2")));
        assert_eq!(t.add(now, ip("::"), 129, ip("fe80::3"), S, RouteSource::Rpl), Err(RouteError::Invalid));
        // The default route takes a slot: the static route makes room.
        assert!(t.remove(&ip("2001:db8:9::"), 48));
        t.set_default(now, ip("fe80::3"), Duration::from_secs(30), RouteSource::Rpl).unwrap();
        assert_eq!(t.len(), 2, "the default route is not counted");
        assert_eq!(t.poll_at(), Some(Instant::from_secs(20)));
        assert_eq!(t.poll(Instant::from_secs(19)), 0);
        assert_eq!(t.poll(Instant::from_secs(20)), 1);
        assert_eq!(t.poll_at(), Some(Instant::from_secs(30)));
        assert_eq!(t.poll(Instant::from_secs(30)), 1);
        assert_eq!(t.default_route(), None);
        t.add(now, ip("2001:db8:4::"), 48, ip("fe80::2"), Duration::MAX, RouteSource::Rpl).unwrap();
        assert_eq!(t.remove_via(&ip("fe80::2")), 2);
        assert!(t.is_empty());
    }
}
