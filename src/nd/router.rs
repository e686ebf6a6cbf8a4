//! The 6LoWPAN router role (6LR, RFC 6775 §6): unicast RAs in answer to
//! RSs, address registration (NS+EARO -> NA+EARO) into the
//! [`NeighborTable`], NA for our own addresses (the link-local one and the
//! one formed in each advertised prefix, see [`RouterConfig::prefixes`]).
//! The router keeps no copy of the addresses its owner holds: they come
//! with each message ([`RouterAddrs`]).
//!
//! The router sends no unsolicited RA (RFC 6775 §6.3 lets a 6LR rely on
//! RSs) and does no multihop DAD with a 6LBR (RFC 6775 §8): it accepts or
//! refuses registrations from its own table.

use core::net::Ipv6Addr;

use super::neighbor::{Neighbor, NeighborTable, RegisterOutcome, Rovr};
use super::{
    ALL_NODES, Aro, HOP_LIMIT, MAX_CONTEXTS, MAX_PREFIXES, NdInput, NdMessage, NdStats, Transmit,
    addr_from_prefix, link_local_from_eui64, minutes, sllao_of,
};
use crate::lowpan::{Context, ContextTable};
use crate::mac::Slots;
use crate::time::Instant;
use crate::wire::ieee802154::Address;
use crate::wire::ipv6::AddressExt;
use crate::wire::ndisc::{
    self, ArStatus, AuthoritativeBorderRouter, NeighborFlags, PrefixInfoFlags, PrefixInformation,
};

/// The router's own addresses, which its owner already holds (a node's
/// interface forms the link-local address from the EUI-64, its MAC has the
/// link-layer address): given with each [`Router::process`] call instead
/// of kept twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouterAddrs {
    /// Our link-layer address (SLLAO / TLLAO).
    pub ll_addr: Address,
    /// Our link-local address: the source of RAs and NAs. Its IID is the
    /// IID of our other addresses.
    pub link_local: Ipv6Addr,
    /// The 6LBR address the ABRO carries (RFC 6775 §4.3), for a router
    /// that relays another 6LBR's ABRO. `None`: the router is its own
    /// 6LBR, and the ABRO carries the address it forms in the first of
    /// [`RouterConfig::prefixes`] with the A flag (the first such address
    /// that is a global unicast one); without one, RAs carry no ABRO.
    pub border_router: Option<Ipv6Addr>,
}

impl RouterAddrs {
    /// A router that is its own 6LBR ([`RouterAddrs::border_router`]
    /// `None`).
    pub const fn new(ll_addr: Address, link_local: Ipv6Addr) -> Self {
        RouterAddrs { ll_addr, link_local, border_router: None }
    }
}

/// The ABRO a router puts in its RAs (RFC 6775 §4.3) without the 6LBR
/// address, which [`RouterAddrs`] gives: 6 bytes instead of 22.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AbroConfig {
    /// Low 16 bits of the version number.
    pub version_low: u16,
    /// High 16 bits of the version number.
    pub version_high: u16,
    /// Valid lifetime in units of 60 seconds (0: the default of 10,000
    /// minutes).
    pub valid_lifetime: u16,
}

/// What a router advertises and answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterConfig {
    /// Router lifetime in seconds put in RAs (RFC 4861 §6.2.1
    /// AdvDefaultLifetime; default 1800).
    pub router_lifetime: u16,
    /// Cur Hop Limit put in RAs (0: unspecified).
    pub hop_limit: u8,
    /// PIOs put in RAs. In each with the A flag the router has an address
    /// of its own, the prefix's first 64 bits and the IID of
    /// [`RouterAddrs::link_local`] (RFC 4862 §5.5.3, as the node forms
    /// it), which it answers in plain NS (address resolution / NUD, RFC
    /// 4861 §7.2.4) like the link-local one.
    pub prefixes: AdvPrefixes,
    /// The contexts put in RAs as 6COs (RFC 6775 §7.2): the same table the
    /// node compresses with.
    pub contexts: AdvContexts,
    /// The ABRO put in RAs (RFC 6775 §4.3: required in RAs of a 6LR in a
    /// route-over network); its 6LBR address is
    /// [`RouterAddrs::border_router`] or our own.
    pub abro: Option<AbroConfig>,
}

impl RouterConfig {
    /// A router with no prefix, context or ABRO, router lifetime 1800 s.
    pub fn new() -> Self {
        RouterConfig {
            router_lifetime: 1800,
            hop_limit: 64,
            prefixes: AdvPrefixes::new(),
            contexts: AdvContexts::new(),
            abro: None,
        }
    }
}

/// The prefixes a router announces (PIOs, RFC 4861 §4.6.2), at most
/// [`MAX_PREFIXES`], packed: 26 bytes each without padding (a
/// [`PrefixInformation`] is 28), 105 bytes for the 4.
///
/// Full policy: [`AdvPrefixes::push`] into a full list gives the PIO back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvPrefixes {
    entries: [PackedPio; MAX_PREFIXES],
    len: u8,
}

/// A [`PrefixInformation`] with its lifetimes as bytes (no 4-byte
/// alignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedPio {
    prefix: Ipv6Addr,
    prefix_len: u8,
    flags: u8,
    valid: [u8; 4],
    preferred: [u8; 4],
}

impl PackedPio {
    const EMPTY: PackedPio = PackedPio {
        prefix: Ipv6Addr::UNSPECIFIED,
        prefix_len: 0,
        flags: 0,
        valid: [0; 4],
        preferred: [0; 4],
    };

    fn unpack(&self) -> PrefixInformation {
        PrefixInformation {
            prefix_len: self.prefix_len,
            flags: PrefixInfoFlags(self.flags),
            valid_lifetime: u32::from_le_bytes(self.valid),
            preferred_lifetime: u32::from_le_bytes(self.preferred),
            prefix: self.prefix,
        }
    }
}

impl AdvPrefixes {
    /// No prefix.
    pub const fn new() -> Self {
        AdvPrefixes { entries: [PackedPio::EMPTY; MAX_PREFIXES], len: 0 }
    }

    /// Appends a PIO; gives it back when [`MAX_PREFIXES`] are held.
    pub fn push(&mut self, p: PrefixInformation) -> Result<(), PrefixInformation> {
        let Some(e) = self.entries.get_mut(usize::from(self.len)) else { return Err(p) };
        *e = PackedPio {
            prefix: p.prefix,
            prefix_len: p.prefix_len,
            flags: p.flags.0,
            valid: p.valid_lifetime.to_le_bytes(),
            preferred: p.preferred_lifetime.to_le_bytes(),
        };
        self.len += 1;
        Ok(())
    }

    /// Removes every prefix.
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// The number of prefixes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when there is no prefix.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The PIOs, in the order they were pushed.
    pub fn iter(&self) -> impl Iterator<Item = PrefixInformation> + '_ {
        self.entries.iter().take(self.len()).map(PackedPio::unpack)
    }
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for AdvPrefixes {
    fn default() -> Self {
        Self::new()
    }
}

/// The contexts a router announces: a [`ContextTable`] of
/// [`MAX_CONTEXTS`] slots (which header compression uses) and the valid
/// lifetime each context's 6CO carries. 84 bytes.
///
/// Full policy: a new CID while the 4 slots are used is refused
/// ([`AdvContexts::set`] returns false).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvContexts {
    table: ContextTable<MAX_CONTEXTS>,
    /// Valid lifetime (RFC 6775 §4.2, units of 60 s) by slot of `table`.
    lifetimes: [u16; MAX_CONTEXTS],
}

impl AdvContexts {
    /// No context.
    pub const fn new() -> Self {
        AdvContexts { table: ContextTable::EMPTY, lifetimes: [0; MAX_CONTEXTS] }
    }

    /// Announces context `cid` with a valid lifetime of `lifetime` minutes
    /// (RFC 6775 §7.2: a lifetime of 0 tells hosts to remove it; C flag =
    /// `ctx.compress`), or stops announcing it (`None`). False when `cid` is
    /// above 15 or the table is full.
    pub fn set(&mut self, cid: u8, ctx: Option<Context>, lifetime: u16) -> bool {
        let Some(i) = self.table.set_slot(cid, ctx) else { return false };
        if let Some(l) = self.lifetimes.get_mut(i) {
            *l = lifetime;
        }
        true
    }

    /// The table, for header compression.
    pub fn table(&self) -> &ContextTable<MAX_CONTEXTS> {
        &self.table
    }

    /// Every context with its CID and valid lifetime (minutes), in slot
    /// order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &Context, u16)> + '_ {
        (0..MAX_CONTEXTS).filter_map(|i| {
            let (cid, c) = self.table.slot(i)?;
            Some((cid, c, self.lifetimes.get(i).copied().unwrap_or(0)))
        })
    }
}

impl Default for AdvContexts {
    fn default() -> Self {
        Self::new()
    }
}

/// The router role over a neighbour table with storage `S`.
#[derive(Debug, Clone)]
pub struct Router<S> {
    config: RouterConfig,
    table: NeighborTable<S>,
    stats: RouterStats,
}

/// The [`NdStats`] counters a router moves, 52 bytes instead of 68: the
/// host's (`rs_sent`, `ns_sent`, `events_dropped`, `contexts_full`) stay 0.
#[derive(Debug, Clone, Copy, Default)]
struct RouterStats {
    rs_received: u32,
    ra_sent: u32,
    ra_received: u32,
    ns_received: u32,
    na_sent: u32,
    na_received: u32,
    reg_ok: u32,
    reg_duplicate: u32,
    reg_full: u32,
    dereg: u32,
    expired: u32,
    bad: u32,
    ignored: u32,
}

impl RouterStats {
    #[inline(never)]
    fn get(&self) -> NdStats {
        NdStats {
            rs_received: self.rs_received,
            ra_sent: self.ra_sent,
            ra_received: self.ra_received,
            ns_received: self.ns_received,
            na_sent: self.na_sent,
            na_received: self.na_received,
            reg_ok: self.reg_ok,
            reg_duplicate: self.reg_duplicate,
            reg_full: self.reg_full,
            dereg: self.dereg,
            expired: self.expired,
            bad: self.bad,
            ignored: self.ignored,
            ..NdStats::default()
        }
    }
}

impl<S: Slots<Neighbor>> Router<S> {
    /// A router with `config` and the table storage `entries` (cleared).
    pub fn new(config: RouterConfig, entries: S) -> Self {
        Router { config, table: NeighborTable::new(entries), stats: RouterStats::default() }
    }

    /// The configuration.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// The configuration, to change prefixes / contexts / ABRO.
    pub fn config_mut(&mut self) -> &mut RouterConfig {
        &mut self.config
    }

    /// The neighbour / registration table (`lladdr`, `is_registered`).
    pub fn table(&self) -> &NeighborTable<S> {
        &self.table
    }

    /// The table, mutable (e.g. [`NeighborTable::touch`]).
    pub fn table_mut(&mut self) -> &mut NeighborTable<S> {
        &mut self.table
    }

    /// The counters (the host-only ones are 0).
    pub fn stats(&self) -> NdStats {
        self.stats.get()
    }

    /// Our link-local address, or the one we form in an advertised prefix
    /// (see [`RouterConfig::prefixes`]): no list of addresses to keep.
    #[inline(never)]
    fn is_ours(&self, me: &RouterAddrs, ip: &Ipv6Addr) -> bool {
        let (a, ll) = (ip.octets(), me.link_local.octets());
        *ip == me.link_local
            || (a[8..] == ll[8..]
                && self
                    .config
                    .prefixes
                    .iter()
                    .any(|p| p.flags.autonomous() && p.prefix.octets()[..8] == a[..8]))
    }

    /// The ABRO for our RAs (RFC 6775 §4.3): the configured version and
    /// lifetime with the 6LBR address of `me` or, when we are the 6LBR,
    /// the one we form in the first advertised prefix with the A flag
    /// (RFC 4862 §5.5.3, as [`Router::is_ours`] answers for it).
    #[inline(never)]
    fn abro(&self, me: &RouterAddrs) -> Option<AuthoritativeBorderRouter> {
        let a = self.config.abro?;
        let address = me.border_router.or_else(|| {
            let iid: [u8; 8] = me.link_local.octets()[8..].try_into().ok()?;
            self.config
                .prefixes
                .iter()
                .filter(|p| p.flags.autonomous())
                .map(|p| addr_from_prefix(p.prefix, iid))
                .find(|x| !(x.is_multicast() || x.is_unspecified() || x.is_loopback() || x.is_link_local()))
        })?;
        Some(AuthoritativeBorderRouter {
            version_low: a.version_low,
            version_high: a.version_high,
            valid_lifetime: a.valid_lifetime,
            address,
        })
    }

    /// Processes a received ND message for a router whose addresses are
    /// `me`; returns the answer to send, if any (an RA for an RS, an NA for
    /// an NS).
    pub fn process(&mut self, now: Instant, me: &RouterAddrs, input: &NdInput<'_>) -> Option<Transmit<'_>> {
        // RFC 4861 §6.1.1 / §7.1.1: hop limit 255, or the message came from
        // off-link.
        if input.hop_limit != HOP_LIMIT {
            self.stats.bad += 1;
            return None;
        }
        match input.repr {
            ndisc::Repr::RouterSolicit { options } => {
                self.stats.rs_received += 1;
                let sllao = sllao_of(&options);
                // RFC 4861 §6.1.1: no SLLAO with an unspecified source.
                if input.src.is_unspecified() && sllao.is_some() {
                    self.stats.bad += 1;
                    return None;
                }
                let ll = sllao.unwrap_or(input.ll_src);
                if let Some(s) = sllao {
                    // A garbage-collectible entry, so the unicast RA can go
                    // out (RFC 6775 §6.5.3 relies on the SLLAO).
                    self.table.learn(input.src, s, false, false, now);
                }
                // RFC 6775 §6.5.3: the RA is unicast to the soliciting host
                // (RFC 4861 §6.2.6: all-nodes when the source is unspecified).
                let (dst, ll_dst) = if input.src.is_unspecified() || ll == Address::Absent {
                    (ALL_NODES, Address::BROADCAST)
                } else {
                    (input.src, ll)
                };
                self.stats.ra_sent += 1;
                let abro = self.abro(me);
                let c = &self.config;
                Some(Transmit {
                    src: me.link_local,
                    dst,
                    ll_dst,
                    msg: NdMessage::RouterAdvert {
                        hop_limit: c.hop_limit,
                        router_lifetime: c.router_lifetime,
                        sllao: me.ll_addr,
                        prefixes: &c.prefixes,
                        contexts: &c.contexts,
                        abro,
                    },
                })
            }
            ndisc::Repr::NeighborSolicit { target_addr, options } => {
                self.stats.ns_received += 1;
                // RFC 4861 §7.1.1: the target is not multicast.
                if target_addr.is_multicast() {
                    self.stats.bad += 1;
                    return None;
                }
                let sllao = sllao_of(&options);
                if let Some(aro) = options.address_registration() {
                    return self.register(now, me, input, target_addr, sllao, aro);
                }
                if !self.is_ours(me, &target_addr) {
                    self.stats.ignored += 1;
                    return None;
                }
                if input.src.is_unspecified() && sllao.is_some() {
                    self.stats.bad += 1;
                    return None;
                }
                if let Some(s) = sllao {
                    self.table.learn(input.src, s, false, false, now);
                }
                // RFC 4861 §7.2.4: solicited NA to the source, or to
                // all-nodes (S=0) when it is unspecified (DAD).
                let (dst, ll_dst, flags) = if input.src.is_unspecified() {
                    (ALL_NODES, Address::BROADCAST, NeighborFlags::ROUTER | NeighborFlags::OVERRIDE)
                } else {
                    (
                        input.src,
                        sllao.unwrap_or(input.ll_src),
                        NeighborFlags::ROUTER | NeighborFlags::SOLICITED | NeighborFlags::OVERRIDE,
                    )
                };
                self.stats.na_sent += 1;
                Some(Transmit {
                    src: target_addr,
                    dst,
                    ll_dst,
                    msg: NdMessage::NeighborAdvert {
                        flags: NeighborFlags(flags),
                        target: target_addr,
                        tllao: Some(me.ll_addr),
                        aro: None,
                    },
                })
            }
            ndisc::Repr::RouterAdvert { .. } => {
                self.stats.ra_received += 1;
                self.stats.ignored += 1;
                None
            }
            ndisc::Repr::NeighborAdvert { .. } => {
                self.stats.na_received += 1;
                self.stats.ignored += 1;
                None
            }
            ndisc::Repr::Redirect { .. } => {
                self.stats.ignored += 1;
                None
            }
        }
    }

    /// NS+ARO (RFC 6775 §6.5.1-§6.5.2, RFC 8505 §5.5-§5.6).
    fn register(
        &mut self,
        now: Instant,
        me: &RouterAddrs,
        input: &NdInput<'_>,
        target: Ipv6Addr,
        sllao: Option<Address>,
        aro: ndisc::AddressRegistration<'_>,
    ) -> Option<Transmit<'_>> {
        // RFC 6775 §6.5.1: an NS with an ARO from the unspecified address or
        // without an SLLAO is not a registration.
        let Some(ll) = sllao else {
            self.stats.bad += 1;
            return None;
        };
        if input.src.is_unspecified() || aro.rovr.len() < 8 {
            self.stats.bad += 1;
            return None;
        }
        let rovr = Rovr::from_slice(aro.rovr);
        // RFC 8505 §5.5: the registered address is the Target Address (the
        // IPv6 source as well for an RFC 6775 host).
        let outcome = self.table.register(target, ll, rovr, aro.tid, minutes(aro.lifetime), now);
        let status = match outcome {
            RegisterOutcome::Registered => {
                self.stats.reg_ok += 1;
                ArStatus::Success
            }
            RegisterOutcome::Deregistered => {
                self.stats.dereg += 1;
                ArStatus::Success
            }
            RegisterOutcome::Duplicate => {
                self.stats.reg_duplicate += 1;
                ArStatus::Duplicate
            }
            RegisterOutcome::Full => {
                self.stats.reg_full += 1;
                ArStatus::NeighborCacheFull
            }
        };
        // RFC 6775 §6.5.2: a success goes back to the source of the NS; an
        // error goes to the link-local address formed from the EUI-64 of the
        // ARO (the source may be the duplicate), at the SLLAO's address.
        let dst = if status == ArStatus::Success { input.src } else { link_local_from_eui64(rovr.0) };
        self.stats.na_sent += 1;
        Some(Transmit {
            src: me.link_local,
            dst,
            ll_dst: ll,
            msg: NdMessage::NeighborAdvert {
                flags: NeighborFlags(NeighborFlags::ROUTER | NeighborFlags::SOLICITED),
                target,
                tllao: None,
                aro: Some(Aro { status, tid: aro.tid, lifetime: aro.lifetime, rovr }),
            },
        })
    }

    /// Ends registrations whose lifetime is over (RFC 6775 §6.5.2) and ages
    /// the other entries.
    pub fn poll(&mut self, now: Instant) {
        self.stats.expired += self.table.expire(now);
    }

    /// When [`Router::poll`] has work next.
    pub fn poll_at(&self) -> Option<Instant> {
        self.table.poll_at()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nd::neighbor::NeighborState;
    use crate::wire::ndisc::{AddressRegistration, LinkLayerAddress, NdiscOption, Options};

    const EUI: [u8; 8] = [0, 0x12, 0x4b, 0, 0, 0, 0, 1];

    fn router() -> Router<[Neighbor; 4]> {
        let mut c = RouterConfig::new();
        c.prefixes
            .push(PrefixInformation {
                prefix_len: 64,
                flags: PrefixInfoFlags(PrefixInfoFlags::AUTONOMOUS),
                valid_lifetime: u32::MAX,
                preferred_lifetime: u32::MAX,
                prefix: "2001:db8::".parse().unwrap(),
            })
            .unwrap();
        Router::new(c, [Neighbor::EMPTY; 4])
    }

    fn me() -> RouterAddrs {
        RouterAddrs::new(Address::Short([0, 1]), "fe80::ff:fe00:1".parse().unwrap())
    }

    fn input<'a>(src: &str, repr: ndisc::Repr<'a>) -> NdInput<'a> {
        NdInput {
            src: src.parse().unwrap(),
            dst: "fe80::ff:fe00:1".parse().unwrap(),
            hop_limit: 255,
            ll_src: Address::Extended(EUI),
            repr,
        }
    }

    #[test]
    fn rs_answers_unicast_or_multicast() {
        let mut r = router();
        let sllao = [NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(Address::Extended(EUI)))];
        let rs = ndisc::Repr::RouterSolicit { options: Options::List(&sllao) };
        let t = r.process(Instant::ZERO, &me(), &input("fe80::212:4b00:0:1", rs)).unwrap();
        assert_eq!(t.dst, "fe80::212:4b00:0:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(t.ll_dst, Address::Extended(EUI));
        assert!(matches!(t.msg, NdMessage::RouterAdvert { router_lifetime: 1800, .. }));
        assert_eq!(
            r.table().get(&"fe80::212:4b00:0:1".parse().unwrap()).unwrap().state(),
            NeighborState::Stale
        );
        // Unspecified source: all-nodes, broadcast (RFC 4861 §6.2.6).
        let rs = ndisc::Repr::RouterSolicit { options: Options::EMPTY };
        let t = r.process(Instant::ZERO, &me(), &input("::", rs)).unwrap();
        assert_eq!((t.dst, t.ll_dst), (ALL_NODES, Address::BROADCAST));
        // Hop limit other than 255: dropped.
        let mut bad = input("fe80::1", rs);
        bad.hop_limit = 64;
        assert!(r.process(Instant::ZERO, &me(), &bad).is_none());
        assert_eq!(r.stats().bad, 1);
        assert_eq!(r.stats().ra_sent, 2);
    }

    /// PIOs read back as pushed; a fifth is given back.
    #[test]
    fn adv_prefixes_pack_and_refuse_when_full() {
        let pio = |n: u16| PrefixInformation {
            prefix_len: 48 + n as u8,
            flags: PrefixInfoFlags(PrefixInfoFlags::AUTONOMOUS | PrefixInfoFlags::ON_LINK),
            valid_lifetime: 0x0102_0304 + u32::from(n),
            preferred_lifetime: u32::MAX - u32::from(n),
            prefix: Ipv6Addr::new(0x2001, 0xdb8, n, 0, 0, 0, 0, 0),
        };
        let mut p = AdvPrefixes::default();
        assert!(p.is_empty());
        for n in 0..4 {
            assert_eq!(p.push(pio(n)), Ok(()));
        }
        assert_eq!(p.push(pio(4)), Err(pio(4)));
        assert_eq!(p.len(), 4);
        assert!(p.iter().eq((0..4).map(pio)));
        p.clear();
        assert_eq!(p, AdvPrefixes::new());
        assert_eq!(core::mem::size_of::<AdvPrefixes>(), 105);
    }

    /// The RA's 6COs come from the table compression uses, each with its
    /// lifetime; a fifth CID is refused.
    #[test]
    fn ra_contexts_from_the_table() {
        let mut r = router();
        let c = |n: u16, compress| Context {
            prefix: Ipv6Addr::new(0xfd00, n, 0, 0, 0, 0, 0, 0),
            prefix_len: 64,
            compress,
        };
        let cs = &mut r.config_mut().contexts;
        assert!(cs.set(7, Some(c(7, true)), 600));
        assert!(cs.set(2, Some(c(2, false)), 0));
        assert!(cs.set(3, Some(c(3, true)), 5) && cs.set(4, Some(c(4, true)), 5));
        assert!(!cs.set(5, Some(c(5, true)), 5), "full");
        assert!(cs.set(3, None, 0) && cs.set(5, Some(c(5, true)), 9));
        assert_eq!(r.config().contexts.table().get(7), Some(&c(7, true)));
        let rs = ndisc::Repr::RouterSolicit { options: Options::EMPTY };
        let t = r.process(Instant::ZERO, &me(), &input("::", rs)).unwrap();
        let mut buf = [0u8; 256];
        let n = t.emit(&mut buf).unwrap();
        let p = crate::wire::icmpv6::Packet::new_checked(&buf[..n]).unwrap();
        let crate::wire::icmpv6::Repr::Ndisc(ndisc::Repr::RouterAdvert { options, .. }) =
            crate::wire::icmpv6::Repr::parse_verified(&t.src, &t.dst, &p).unwrap()
        else {
            panic!()
        };
        let got: Vec<_> = options
            .iter()
            .flatten()
            .filter_map(|o| match o {
                NdiscOption::SixLowpanContext(x) => Some((x.cid, x.compression, x.valid_lifetime, x.prefix)),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                (7, true, 600, c(7, true).prefix),
                (2, false, 0, c(2, true).prefix),
                (5, true, 9, c(5, true).prefix),
                (4, true, 5, c(4, true).prefix)
            ]
        );
    }

    /// The ABRO's 6LBR address: ours in the first A prefix (RFC 6775 §4.3,
    /// the router being its own 6LBR), or the one given (a relayed 6LBR);
    /// none without either.
    #[test]
    fn abro_address_derived_or_given() {
        let abro_of = |r: &mut Router<[Neighbor; 4]>, me: &RouterAddrs| {
            let rs = ndisc::Repr::RouterSolicit { options: Options::EMPTY };
            let t = r.process(Instant::ZERO, me, &input("::", rs)).unwrap();
            let NdMessage::RouterAdvert { abro, .. } = t.msg else { panic!() };
            abro
        };
        let mut r = router();
        assert_eq!(abro_of(&mut r, &me()), None, "no AbroConfig: no ABRO");
        // A PIO without the A flag first: skipped.
        let mut c = RouterConfig::new();
        c.prefixes
            .push(PrefixInformation {
                prefix_len: 64,
                flags: PrefixInfoFlags(PrefixInfoFlags::ON_LINK),
                valid_lifetime: u32::MAX,
                preferred_lifetime: u32::MAX,
                prefix: "2001:db8:9::".parse().unwrap(),
            })
            .unwrap();
        for p in r.config().prefixes.iter() {
            c.prefixes.push(p).unwrap();
        }
        c.abro = Some(AbroConfig { version_low: 7, version_high: 1, valid_lifetime: 30 });
        let mut r = Router::new(c, [Neighbor::EMPTY; 4]);
        let a = abro_of(&mut r, &me()).unwrap();
        assert_eq!(a.address, "2001:db8::ff:fe00:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!((a.version(), a.valid_lifetime), (0x1_0007, 30));
        let other: Ipv6Addr = "2001:db8:1::1".parse().unwrap();
        let given = RouterAddrs { border_router: Some(other), ..me() };
        assert_eq!(abro_of(&mut r, &given).unwrap().address, other);
        r.config_mut().prefixes.clear();
        assert_eq!(abro_of(&mut r, &me()), None, "no A prefix, no address given");
        assert_eq!(abro_of(&mut r, &given).unwrap().address, other);
    }

    #[test]
    fn plain_ns_for_our_address() {
        let mut r = router();
        let sllao = [NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(Address::Extended(EUI)))];
        let ns = ndisc::Repr::NeighborSolicit {
            target_addr: "2001:db8::ff:fe00:1".parse().unwrap(),
            options: Options::List(&sllao),
        };
        let t = r.process(Instant::ZERO, &me(), &input("2001:db8::9", ns)).unwrap();
        let NdMessage::NeighborAdvert { flags, target, tllao, aro } = t.msg else { panic!() };
        assert_eq!(flags.0, 0xe0);
        assert_eq!(target, "2001:db8::ff:fe00:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!((tllao, aro), (Some(Address::Short([0, 1])), None));
        assert_eq!(t.dst, "2001:db8::9".parse::<Ipv6Addr>().unwrap());
        // Not ours: ignored; multicast target: bad.
        let ns = ndisc::Repr::NeighborSolicit {
            target_addr: "2001:db8::2".parse().unwrap(),
            options: Options::EMPTY,
        };
        assert!(r.process(Instant::ZERO, &me(), &input("2001:db8::9", ns)).is_none());
        let ns = ndisc::Repr::NeighborSolicit { target_addr: ALL_NODES, options: Options::EMPTY };
        assert!(r.process(Instant::ZERO, &me(), &input("2001:db8::9", ns)).is_none());
        assert_eq!((r.stats().ignored, r.stats().bad), (1, 1));
    }

    #[test]
    fn aro_rules() {
        let mut r = router();
        let aro = |rovr: &'static [u8; 8], lifetime| {
            NdiscOption::AddressRegistration(AddressRegistration {
                status: ArStatus::Success,
                opaque: 0,
                i: 0,
                r: false,
                t: true,
                tid: 3,
                lifetime,
                rovr,
            })
        };
        static A: [u8; 8] = EUI;
        static B: [u8; 8] = [9; 8];
        let target: Ipv6Addr = "2001:db8::5".parse().unwrap();
        // No SLLAO: not a registration.
        let opts = [aro(&A, 10)];
        let ns = ndisc::Repr::NeighborSolicit { target_addr: target, options: Options::List(&opts) };
        assert!(r.process(Instant::ZERO, &me(), &input("2001:db8::5", ns)).is_none());
        // Success: NA to the source.
        let opts = [
            NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(Address::Extended(EUI))),
            aro(&A, 10),
        ];
        let ns = ndisc::Repr::NeighborSolicit { target_addr: target, options: Options::List(&opts) };
        let t = r.process(Instant::ZERO, &me(), &input("2001:db8::5", ns)).unwrap();
        assert_eq!(t.dst, target);
        let NdMessage::NeighborAdvert { aro: Some(a), .. } = t.msg else { panic!() };
        assert_eq!((a.status, a.tid, a.lifetime), (ArStatus::Success, 3, 10));
        assert!(r.table().is_registered(&target));
        assert_eq!(r.poll_at(), Some(Instant::from_secs(600)));
        // Another EUI-64: duplicate, NA to the link-local of that EUI-64.
        let opts = [
            NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(Address::Extended(B))),
            aro(&B, 10),
        ];
        let ns = ndisc::Repr::NeighborSolicit { target_addr: target, options: Options::List(&opts) };
        let t = r.process(Instant::ZERO, &me(), &input("2001:db8::5", ns)).unwrap();
        assert_eq!(t.dst, link_local_from_eui64(B));
        assert_eq!(t.ll_dst, Address::Extended(B));
        let NdMessage::NeighborAdvert { aro: Some(a), .. } = t.msg else { panic!() };
        assert_eq!(a.status, ArStatus::Duplicate);
        // Expiry.
        r.poll(Instant::from_secs(600));
        assert!(!r.table().is_registered(&target));
        assert_eq!(r.stats().expired, 1);
    }
}
