//! Our unicast addresses and the multicast groups we listen to.
//!
//! - Link-local addresses come from the interface identifiers 802.15.4
//!   gives a node (RFC 4944 §6): always the EUI-64 one, plus the short
//!   address one while a short address is configured.
//! - Global (or ULA) addresses are a /64 prefix learnt from a router (a
//!   6LoWPAN-ND Router Advertisement's PIO or an RPL DIO's PIO) plus an IID,
//!   with valid and preferred lifetimes (RFC 4862 §5.5.3); they live in a
//!   bounded table the caller provides.
//! - Multicast: `ff02::1` (RFC 4291 §2.7.1), `ff02::1a` (all RPL nodes,
//!   RFC 6550 §20.19), the solicited-node group of every address of ours
//!   (RFC 4291 §2.7.1) and groups joined by the application.
//!
//! No duplicate address detection runs here: in a 6LoWPAN, uniqueness comes
//! from the EUI-64 and from the registration of RFC 6775 / RFC 8505 (the
//! `nd` module), so an address is usable as soon as it is added.
//!
//! # Policies when full
//!
//! Both tables refuse new entries when full ([`AddrError::Full`]); nothing
//! is evicted. Updating an address or group already present always works.

use core::net::Ipv6Addr;

use crate::mac::Slots;
use crate::time::{Duration, Instant, InstantSecs};
use crate::wire::ipv6::{ALL_RPL_NODES, AddressExt, LINK_LOCAL_ALL_NODES, MulticastScope};

/// An interface identifier: the low 64 bits of an address.
pub type Iid = [u8; 8];

/// The IID formed from an EUI-64: the EUI with the Universal/Local bit
/// inverted (RFC 4944 §6 by way of RFC 4291 Appendix A).
///
/// ```
/// use sixlo::net::addr::{iid_from_eui64, link_local};
/// let ll = link_local(iid_from_eui64([0x02, 0x12, 0x74, 0x01, 0, 0x01, 0x01, 0x01]));
/// assert_eq!(ll, "fe80::12:7401:1:101".parse::<core::net::Ipv6Addr>().unwrap());
/// ```
pub const fn iid_from_eui64(eui64: [u8; 8]) -> Iid {
    let mut iid = eui64;
    iid[0] ^= 0x02;
    iid
}

/// The IID formed from a 16-bit short address (RFC 4944 §6).
///
/// RFC 4944 §6 builds the pseudo 48-bit address `PAN_ID:0000:short` ("or,
/// if no PAN ID is known, 16 zero bits"), expands it as Ethernet does
/// (`PAN_ID:00ff:fe00:short`) and clears the U/L bit. With `pan_id: None`
/// this gives `0000:00ff:fe00:XXXX`, the form RFC 6282 §3.2.2 elides
/// completely in header compression, which is what every common stack
/// (Contiki-NG, RIOT, smoltcp) uses; pass `Some(pan)` for the PAN-qualified
/// form.
pub const fn iid_from_short(short: u16, pan_id: Option<u16>) -> Iid {
    let pan = match pan_id {
        Some(p) => p.to_be_bytes(),
        None => [0, 0],
    };
    let s = short.to_be_bytes();
    // RFC 4944 §6: "the U/L bit SHALL be set to zero".
    [pan[0] & !0x02, pan[1], 0x00, 0xff, 0xfe, 0x00, s[0], s[1]]
}

/// `fe80::/64` plus `iid` (RFC 4291 §2.5.6).
pub const fn link_local(iid: Iid) -> Ipv6Addr {
    with_iid([0xfe, 0x80, 0, 0, 0, 0, 0, 0], iid)
}

/// The first 64 bits of `prefix` plus `iid`.
pub const fn with_prefix(prefix: Ipv6Addr, iid: Iid) -> Ipv6Addr {
    let p = prefix.octets();
    with_iid([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]], iid)
}

const fn with_iid(p: [u8; 8], i: Iid) -> Ipv6Addr {
    Ipv6Addr::new(
        u16::from_be_bytes([p[0], p[1]]),
        u16::from_be_bytes([p[2], p[3]]),
        u16::from_be_bytes([p[4], p[5]]),
        u16::from_be_bytes([p[6], p[7]]),
        u16::from_be_bytes([i[0], i[1]]),
        u16::from_be_bytes([i[2], i[3]]),
        u16::from_be_bytes([i[4], i[5]]),
        u16::from_be_bytes([i[6], i[7]]),
    )
}

/// Number of leading bits `a` and `b` share (RFC 6724 §2.2 CommonPrefixLen).
pub fn common_prefix_len(a: &Ipv6Addr, b: &Ipv6Addr) -> u8 {
    let x = u128::from_be_bytes(a.octets()) ^ u128::from_be_bytes(b.octets());
    x.leading_zeros() as u8
}

/// The deadline `lifetime` after `now`; [`Duration::MAX`] (an infinite
/// lifetime, e.g. 0xffffffff seconds off the wire) saturates to
/// [`Instant::MAX`], which never comes.
pub fn deadline(now: Instant, lifetime: Duration) -> Instant {
    now + lifetime
}

/// One global address: 24 bytes, and 24 as an `Option` (was 40). Its
/// lifetimes are whole seconds on the wire (RFC 4861 §4.6.2, RFC 6775
/// §4.1), so its deadlines are [`InstantSecs`], rounded up: an address is
/// never deprecated or removed early, at most a second late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrEntry {
    /// The address.
    pub addr: Ipv6Addr,
    /// When it stops being valid and is removed (RFC 4862 §5.5.4).
    pub valid_until: InstantSecs,
    /// When it becomes deprecated: still ours, but not chosen as a source
    /// for new communication (RFC 4862 §5.5.4). [`Addresses::poll`] sets
    /// it to [`InstantSecs::ZERO`] once that time has come: the table
    /// keeps no clock of its own.
    pub preferred_until: InstantSecs,
}

impl AddrEntry {
    /// True when the address is still preferred at `now`.
    pub fn is_preferred(&self, now: Instant) -> bool {
        !self.preferred_until.reached(now)
    }

    /// Marked deprecated by [`Addresses::poll`].
    fn deprecated(&self) -> bool {
        self.preferred_until == InstantSecs::ZERO
    }
}

/// Why an address or group could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrError {
    /// The table is full (nothing is evicted).
    Full,
    /// The address is not acceptable here (multicast, unspecified,
    /// loopback or link-local for the global table; unicast for a group).
    Invalid,
}

/// A node's addresses and multicast groups.
///
/// `G` is the global address table (`[Option<AddrEntry>; N]`, a slice or
/// a Vec); `M` holds the groups joined on top of the automatic ones.
/// Cost: 24 bytes per global address slot, 17 per group slot, on any
/// target.
#[derive(Debug)]
pub struct Addresses<G: Slots<Option<AddrEntry>>, M: Slots<Option<Ipv6Addr>>> {
    eui64_iid: Iid,
    /// The IID from the short address; [`NO_IID`] without one (8 bytes
    /// where an `Option<Iid>` takes 9).
    short_iid: Iid,
    globals: G,
    groups: M,
}

/// No short-address IID: never an IID from [`iid_from_short`], whose
/// fourth byte is 0xff (RFC 4944 §6).
const NO_IID: Iid = [0; 8];

impl<G: Slots<Option<AddrEntry>>, M: Slots<Option<Ipv6Addr>>> Addresses<G, M> {
    /// The IID from the short address, if one is configured.
    fn short_iid(&self) -> Option<Iid> {
        (self.short_iid != NO_IID).then_some(self.short_iid)
    }

    /// Addresses for a node with this EUI-64, with empty tables
    /// (`globals` and `groups` are cleared).
    pub fn new(eui64: [u8; 8], mut globals: G, mut groups: M) -> Self {
        globals.as_mut().fill(None);
        groups.as_mut().fill(None);
        Addresses { eui64_iid: iid_from_eui64(eui64), short_iid: NO_IID, globals, groups }
    }

    /// Configures (or with `None` removes) the short address and so the
    /// second link-local address; see [`iid_from_short`] for `pan_id`.
    pub fn set_short_address(&mut self, short: Option<u16>, pan_id: Option<u16>) {
        self.short_iid = short.map_or(NO_IID, |s| iid_from_short(s, pan_id));
    }

    /// The IID derived from the EUI-64 (used for global addresses).
    pub fn iid(&self) -> Iid {
        self.eui64_iid
    }

    /// The link-local address from the EUI-64.
    pub fn link_local(&self) -> Ipv6Addr {
        link_local(self.eui64_iid)
    }

    /// The link-local address from the short address, if one is configured.
    pub fn short_link_local(&self) -> Option<Ipv6Addr> {
        self.short_iid().map(link_local)
    }

    /// Adds (or refreshes) the address `prefix::IID` formed with our EUI-64
    /// IID (RFC 4862 §5.5.3 with a /64 prefix, RFC 6775 §5.5) and returns it.
    pub fn add_prefix(
        &mut self,
        now: Instant,
        prefix: Ipv6Addr,
        valid: Duration,
        preferred: Duration,
    ) -> Result<Ipv6Addr, AddrError> {
        let addr = with_prefix(prefix, self.eui64_iid);
        self.add_address(now, addr, valid, preferred).map(|()| addr)
    }

    /// Adds `addr`, or updates its lifetimes when it is already ours.
    /// A valid lifetime of zero removes it. The preferred lifetime is capped
    /// at the valid one (RFC 4862 §5.5.3 c).
    pub fn add_address(
        &mut self,
        now: Instant,
        addr: Ipv6Addr,
        valid: Duration,
        preferred: Duration,
    ) -> Result<(), AddrError> {
        if addr.is_multicast() || addr.is_unspecified() || addr.is_loopback() || addr.is_link_local() {
            return Err(AddrError::Invalid);
        }
        if valid == Duration::ZERO {
            self.remove_address(&addr);
            return Ok(());
        }
        let entry = AddrEntry {
            addr,
            valid_until: InstantSecs::deadline(now, valid),
            preferred_until: InstantSecs::deadline(now, preferred.min(valid)),
        };
        let slots = self.globals.as_mut();
        if let Some(e) = slots.iter_mut().flatten().find(|e| e.addr == addr) {
            *e = entry;
            return Ok(());
        }
        let free = slots.iter_mut().find(|e| e.is_none()).ok_or(AddrError::Full)?;
        *free = Some(entry);
        Ok(())
    }

    /// Removes a global address; true when it was there.
    pub fn remove_address(&mut self, addr: &Ipv6Addr) -> bool {
        for e in self.globals.as_mut() {
            if e.is_some_and(|e| e.addr == *addr) {
                *e = None;
                return true;
            }
        }
        false
    }

    /// The global addresses.
    pub fn globals(&self) -> impl Iterator<Item = &AddrEntry> + '_ {
        self.globals.as_ref().iter().flatten()
    }

    /// Every unicast address of ours: link-local ones first.
    pub fn unicast(&self) -> impl Iterator<Item = Ipv6Addr> + '_ {
        core::iter::once(self.link_local())
            .chain(self.short_link_local())
            .chain(self.globals().map(|e| e.addr))
    }

    /// True when `addr` is one of our unicast addresses.
    pub fn is_ours(&self, addr: &Ipv6Addr) -> bool {
        if addr.is_link_local() {
            *addr == self.link_local() || self.short_link_local() == Some(*addr)
        } else {
            self.globals().any(|e| e.addr == *addr)
        }
    }

    /// Joins a multicast group (idempotent).
    pub fn join(&mut self, group: Ipv6Addr) -> Result<(), AddrError> {
        if !group.is_multicast() {
            return Err(AddrError::Invalid);
        }
        let slots = self.groups.as_mut();
        if slots.iter().flatten().any(|g| *g == group) {
            return Ok(());
        }
        *slots.iter_mut().find(|g| g.is_none()).ok_or(AddrError::Full)? = Some(group);
        Ok(())
    }

    /// Leaves a joined group; true when it was joined.
    pub fn leave(&mut self, group: &Ipv6Addr) -> bool {
        for g in self.groups.as_mut() {
            if *g == Some(*group) {
                *g = None;
                return true;
            }
        }
        false
    }

    /// True when we accept packets sent to the multicast address `addr`:
    /// all-nodes, all-RPL-nodes, the solicited-node group of any of our
    /// addresses, or a joined group.
    pub fn accepts_multicast(&self, addr: &Ipv6Addr) -> bool {
        if *addr == LINK_LOCAL_ALL_NODES || *addr == ALL_RPL_NODES {
            return true;
        }
        if addr.is_solicited_node() {
            // RFC 4291 §2.7.1: one group per distinct low 24 bits.
            // Equal to `self.unicast().any(|u| u.solicited_node() == *addr)`:
            // the group carries the low 24 bits of the address, which for our
            // link-local ones are the low 3 bytes of the IID.
            let o = addr.octets();
            let low = [o[13], o[14], o[15]];
            let iid_low = |i: &Iid| i[5..] == low;
            return iid_low(&self.eui64_iid)
                || self.short_iid().as_ref().is_some_and(iid_low)
                || self.globals.as_ref().iter().flatten().any(|e| e.addr.octets()[13..] == low);
        }
        self.groups.as_ref().iter().flatten().any(|g| g == addr)
    }

    /// The source address for a packet to `dst` (RFC 6724 §5, simplified).
    ///
    /// - A link-local destination, or a multicast one of interface- or
    ///   link-local scope, gets the EUI-64 link-local address (rule 2,
    ///   prefer appropriate scope).
    /// - Any other destination gets a global address: preferred ones before
    ///   deprecated ones (rule 3), then the longest common prefix with `dst`
    ///   (rule 8); `None` when we have no global address.
    ///
    /// Rules 4-7 (home, outgoing interface, labels, temporary addresses) do
    /// not apply to a single-interface node without privacy addresses.
    /// "Preferred" is judged at the time of the last [`poll`](Self::poll).
    pub fn select_source(&self, dst: &Ipv6Addr) -> Option<Ipv6Addr> {
        let link_scope = match dst.mcast_scope() {
            Some(MulticastScope::InterfaceLocal | MulticastScope::LinkLocal) => true,
            Some(_) => false,
            None => dst.is_link_local() || dst.is_unspecified() || dst.is_loopback(),
        };
        if link_scope {
            return Some(self.link_local());
        }
        // A plain loop: smaller than `max_by_key` (which keeps the last of
        // equal keys, as this does with `>=`).
        let mut best: Option<(Ipv6Addr, (bool, u8))> = None;
        for e in self.globals.as_ref().iter().flatten() {
            let key = (!e.deprecated(), common_prefix_len(&e.addr, dst));
            if best.is_none_or(|(_, k)| key >= k) {
                best = Some((e.addr, key));
            }
        }
        best.map(|(a, _)| a)
    }

    /// Removes addresses whose valid lifetime ended and marks those whose
    /// preferred lifetime ended as deprecated (RFC 4862 §5.5.4); returns
    /// how many were removed.
    pub fn poll(&mut self, now: Instant) -> usize {
        let mut n = 0;
        for slot in self.globals.as_mut() {
            let Some(e) = slot else { continue };
            if e.valid_until.reached(now) {
                *slot = None;
                n += 1;
            } else if e.preferred_until.reached(now) {
                e.preferred_until = InstantSecs::ZERO;
            }
        }
        n
    }

    /// The next time an address expires or becomes deprecated.
    pub fn poll_at(&self) -> Option<Instant> {
        let mut at = Instant::MAX;
        for e in self.globals() {
            at = at.min(e.valid_until.to_instant());
            if !e.deprecated() {
                at = at.min(e.preferred_until.to_instant());
            }
        }
        (at != Instant::MAX).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUI: [u8; 8] = [0x02, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01];

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn table() -> Addresses<[Option<AddrEntry>; 2], [Option<Ipv6Addr>; 2]> {
        Addresses::new(EUI, [None; 2], [None; 2])
    }

    #[test]
    fn link_local_from_eui64() {
        assert_eq!(iid_from_eui64(EUI), [0x00, 0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01]);
        assert_eq!(table().link_local(), ip("fe80::12:7401:1:101"));
        // A locally administered EUI (U/L = 0) gets the bit set.
        assert_eq!(link_local(iid_from_eui64([0; 8])), ip("fe80::200:0:0:0"));
    }

    #[test]
    fn link_local_from_short() {
        assert_eq!(link_local(iid_from_short(0x0001, None)), ip("fe80::ff:fe00:1"));
        // RFC 4944 §6 with a PAN ID: PAN:00ff:fe00:short, U/L bit cleared.
        assert_eq!(link_local(iid_from_short(0x0001, Some(0xabcd))), ip("fe80::a9cd:ff:fe00:1"));
        let mut t = table();
        assert_eq!(t.short_link_local(), None);
        assert!(!t.is_ours(&ip("fe80::ff:fe00:1")));
        t.set_short_address(Some(1), None);
        assert!(t.is_ours(&ip("fe80::ff:fe00:1")));
        assert!(t.accepts_multicast(&ip("ff02::1:ff00:1")));
        t.set_short_address(None, None);
        assert!(!t.is_ours(&ip("fe80::ff:fe00:1")));
        assert!(!t.accepts_multicast(&ip("ff02::1:ff00:1")));
        // A global address with an IID of its own has its own group.
        t.add_address(Instant::ZERO, ip("2001:db8::ab:cdef"), Duration::MAX, Duration::MAX).unwrap();
        assert!(t.accepts_multicast(&ip("ff02::1:ffab:cdef")));
        assert!(!t.accepts_multicast(&ip("ff02::1:ffab:cdee")));
    }

    #[test]
    fn globals_lifetimes_and_full_table() {
        let mut t = table();
        let now = Instant::from_secs(10);
        let a =
            t.add_prefix(now, ip("2001:db8:1::"), Duration::from_secs(100), Duration::from_secs(50)).unwrap();
        assert_eq!(a, ip("2001:db8:1:0:12:7401:1:101"));
        assert!(t.is_ours(&a));
        assert!(t.accepts_multicast(&ip("ff02::1:ff01:101")));
        let b = t.add_prefix(now, ip("fd00::"), Duration::MAX, Duration::MAX).unwrap();
        assert_eq!(
            t.add_prefix(now, ip("2001:db8:2::"), Duration::from_secs(1), Duration::from_secs(1)),
            Err(AddrError::Full)
        );
        // Refresh of an existing address works when full.
        t.add_prefix(now, ip("2001:db8:1::"), Duration::from_secs(200), Duration::from_secs(300)).unwrap();
        let e = *t.globals().find(|e| e.addr == a).unwrap();
        assert_eq!(
            (e.valid_until, e.preferred_until),
            (InstantSecs::from_secs(210), InstantSecs::from_secs(210))
        );
        assert_eq!(t.poll_at(), Some(Instant::from_secs(210)));
        assert_eq!(t.poll(Instant::from_secs(209)), 0);
        assert_eq!(t.poll(Instant::from_secs(210)), 1);
        assert!(!t.is_ours(&a) && t.is_ours(&b));
        assert_eq!(t.poll_at(), None);
        assert_eq!(t.add_address(now, ip("ff02::1"), Duration::MAX, Duration::MAX), Err(AddrError::Invalid));
        assert_eq!(t.add_address(now, ip("fe80::1"), Duration::MAX, Duration::MAX), Err(AddrError::Invalid));
    }

    #[test]
    fn multicast_groups() {
        let mut t = table();
        assert!(t.accepts_multicast(&ip("ff02::1")));
        assert!(t.accepts_multicast(&ip("ff02::1a")));
        assert!(t.accepts_multicast(&ip("ff02::1:ff01:101")));
        assert!(!t.accepts_multicast(&ip("ff02::1:ff01:102")));
        assert!(!t.accepts_multicast(&ip("ff02::2")));
        assert!(!t.accepts_multicast(&ip("ff05::fb")));
        t.join(ip("ff05::fb")).unwrap();
        t.join(ip("ff05::fb")).unwrap();
        t.join(ip("ff02::2")).unwrap();
        assert_eq!(t.join(ip("ff03::fc")), Err(AddrError::Full));
        assert_eq!(t.join(ip("2001:db8::1")), Err(AddrError::Invalid));
        assert!(t.accepts_multicast(&ip("ff05::fb")));
        assert!(t.leave(&ip("ff05::fb")));
        assert!(!t.accepts_multicast(&ip("ff05::fb")));
    }

    #[test]
    fn source_selection() {
        let mut t = table();
        let now = Instant::ZERO;
        assert_eq!(t.select_source(&ip("fe80::1")), Some(ip("fe80::12:7401:1:101")));
        assert_eq!(t.select_source(&ip("ff02::1a")), Some(ip("fe80::12:7401:1:101")));
        assert_eq!(t.select_source(&ip("2001:db8::1")), None);
        let a = t.add_prefix(now, ip("2001:db8:1::"), Duration::MAX, Duration::from_secs(5)).unwrap();
        let b = t.add_prefix(now, ip("fd00::"), Duration::MAX, Duration::MAX).unwrap();
        // Longest common prefix (rule 8).
        assert_eq!(t.select_source(&ip("2001:db8:1::9")), Some(a));
        assert_eq!(t.select_source(&ip("fd00::9")), Some(b));
        assert_eq!(t.select_source(&ip("ff0e::1")), Some(b));
        // Deprecated addresses lose to preferred ones (rule 3), as judged
        // at the last poll.
        assert_eq!(t.poll_at(), Some(Instant::from_secs(5)));
        t.poll(Instant::from_secs(4));
        assert_eq!(t.select_source(&ip("2001:db8:1::9")), Some(a));
        t.poll(Instant::from_secs(6));
        assert_eq!(t.select_source(&ip("2001:db8:1::9")), Some(b));
        let e = t.globals().find(|e| e.addr == a).unwrap();
        assert!(!e.is_preferred(Instant::from_secs(6)) && e.valid_until == InstantSecs::MAX);
        assert_eq!(t.poll_at(), None, "nothing left to expire");
    }
}
