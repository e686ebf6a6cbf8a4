//! The 6LoWPAN host role (6LN, RFC 6775 §5, RFC 8505 §5.6).
//!
//! - **Router discovery** (RFC 6775 §5.3): while the host knows no default
//!   router it multicasts RSs (with SLLAO) to ff02::2: the first after a
//!   random delay of up to 1 s (RFC 4861 §6.3.7), then every
//!   RTR_SOLICITATION_INTERVAL (10 s) for MAX_RTR_SOLICITATIONS (3) RSs,
//!   then with a binary exponential backoff capped at
//!   MAX_RTR_SOLICITATION_INTERVAL (60 s), forever. Before a default
//!   router's lifetime ends, at [`REFRESH_PERCENT`] of it, the host sends
//!   it a unicast RS to refresh the router, prefix and context information.
//! - **RA processing** (RFC 6775 §5.4, §7.2, §4.3): default routers with
//!   their lifetime; PIOs with the A flag and a /64 give an address
//!   (prefix + IID from the EUI-64, reported as [`HostEvent::NewPrefix`]);
//!   6COs fill the [`ContextTable`] (C flag: compress; lifetime 0 removes
//!   the context; a context is removed when its lifetime ends); an ABRO
//!   with an older version than the one seen makes the host ignore the
//!   RA's PIOs and 6COs.
//! - **Registration** (RFC 6775 §5.5): each address is registered with one
//!   default router by a unicast NS+EARO (target and source: the address;
//!   SLLAO; TID incremented per registration, not per retransmission;
//!   lifetime [`HostConfig::registration_lifetime`] minutes; ROVR: the
//!   EUI-64). Without an NA the NS is retransmitted every RetransTimer (1 s),
//!   MAX_UNICAST_SOLICIT (3) transmissions in all, then the router is
//!   deemed unreachable and dropped. Status 0: registered, and re-registered
//!   at [`REFRESH_PERCENT`] % of the granted lifetime (the remaining 20 %
//!   leave room for the retransmissions). Status 1: the address is
//!   removed and reported as [`HostEvent::Duplicate`]. Status 2 (cache
//!   full) or another error: the router is avoided for a backoff (10 s,
//!   doubling, capped at 60 s) and another router is tried, or the same one
//!   once the backoff ends.
//!
//! Capacities: [`MAX_ROUTERS`] default routers (further routers are
//! ignored while the list is full), [`MAX_ADDRS`] addresses (the link-local
//! one included; further prefixes are ignored), [`MAX_EVENTS`] pending
//! events (further events are dropped and counted),
//! [`MAX_CONTEXTS`] contexts (a 6CO for a further CID
//! is ignored and counted in [`NdStats::contexts_full`]; the contexts held
//! are not evicted).

use core::net::Ipv6Addr;

use super::consts::{
    MAX_RTR_SOLICITATION_DELAY, MAX_RTR_SOLICITATION_INTERVAL, MAX_RTR_SOLICITATIONS, MAX_UNICAST_SOLICIT,
    RETRANS_TIMER, RTR_SOLICITATION_INTERVAL,
};
use super::neighbor::Rovr;
use super::{
    ALL_ROUTERS, Aro, HOP_LIMIT, MAX_CONTEXTS, NdInput, NdMessage, NdStats, Transmit, addr_from_prefix,
    iid_from_eui64, link_local_from_eui64, minutes, sllao_of,
};
use crate::fifo::Ring;
use crate::lowpan::{Context, ContextTable};
use crate::mac::Rng;
use crate::time::{Duration, Instant, InstantMillis, InstantSecs};
use crate::wire::ieee802154::Address;
use crate::wire::ipv6::AddressExt;
use crate::wire::ndisc::{self, ArStatus, NdiscOption, NeighborFlags};

/// Default routers the host keeps.
pub const MAX_ROUTERS: usize = 2;
/// Addresses the host keeps (link-local included).
pub const MAX_ADDRS: usize = 4;
/// Pending events.
pub const MAX_EVENTS: usize = 8;
/// Re-registration and router refresh happen at this percentage of the
/// lifetime.
pub const REFRESH_PERCENT: u64 = 80;
/// First backoff after a refused registration (doubles, capped at 60 s).
pub const REG_BACKOFF: Duration = Duration::from_secs(10);

/// Host parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostConfig {
    /// Our EUI-64: the IID of our addresses and the ROVR of registrations.
    pub eui64: [u8; 8],
    /// Our link-layer address, sent in SLLAOs.
    pub ll_addr: Address,
    /// Registration lifetime asked for, in minutes (default 15).
    pub registration_lifetime: u16,
}

impl HostConfig {
    /// A host with this EUI-64, using it as link-layer address.
    pub fn new(eui64: [u8; 8]) -> Self {
        HostConfig { eui64, ll_addr: Address::Extended(eui64), registration_lifetime: 15 }
    }
}

/// Something the caller (the Node) should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostEvent {
    /// A new prefix was learnt and `addr` formed from it (not registered
    /// yet).
    NewPrefix {
        /// The prefix.
        prefix: Ipv6Addr,
        /// Its length.
        prefix_len: u8,
        /// The address formed.
        addr: Ipv6Addr,
    },
    /// `addr` is registered with `router` for `lifetime` minutes.
    Registered {
        /// The address.
        addr: Ipv6Addr,
        /// The router.
        router: Ipv6Addr,
        /// Lifetime granted, minutes.
        lifetime: u16,
    },
    /// `addr` is a duplicate (status 1): it was removed, stop using it.
    Duplicate {
        /// The address.
        addr: Ipv6Addr,
    },
    /// The prefix of `addr` expired: it was removed.
    AddressExpired {
        /// The address.
        addr: Ipv6Addr,
    },
    /// `router` did not answer registrations: it was dropped.
    RouterUnreachable {
        /// The router.
        router: Ipv6Addr,
    },
    /// A default router was added (its lifetime started).
    RouterAdded {
        /// The router.
        router: Ipv6Addr,
    },
    /// The context table changed.
    ContextsChanged,
}

/// A default router. 40 bytes.
///
/// Its times are whole seconds, rounded up (router lifetimes are seconds,
/// RFC 4861 §4.2; the refresh point and the avoidance backoff are 10 s or
/// more): it ends at most one second late, never early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRouter {
    /// Its (link-local) address.
    pub addr: Ipv6Addr,
    /// Its link-layer address.
    pub lladdr: Address,
    /// End of its router lifetime.
    pub expires: InstantSecs,
    /// When to refresh it with a unicast RS.
    refresh_at: InstantSecs,
    /// Avoided for registrations until then (status 2 or other errors).
    avoid_until: Option<InstantSecs>,
}

/// The registration state of an address. `router` is the index of the
/// router in `Host::routers`: an address in `Sending` or `Registered`
/// always refers to a router of the list (`Host::drop_router` sends the
/// addresses of a router it drops back to `Pending` and renumbers the
/// others). Times to the millisecond, deadlines rounded up. 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reg {
    /// Register when a usable router exists and `at` has come.
    Pending { at: InstantMillis, backoff: u8 },
    /// NS+ARO sent `sent` times to `router`, next try at `next`.
    Sending { router: u8, tid: u8, sent: u8, next: InstantMillis, backoff: u8 },
    /// Registered; refresh at `refresh_at`.
    Registered { router: u8, refresh_at: InstantMillis },
}

impl Reg {
    /// Pending from `now` on: `at` rounds down, so the registration is due
    /// at once.
    fn pending(now: Instant, backoff: u8) -> Reg {
        Reg::Pending { at: InstantMillis::floor(now), backoff }
    }

    /// The index of the router it is registered (or registering) with.
    fn router(&self) -> Option<u8> {
        match *self {
            Reg::Sending { router, .. } | Reg::Registered { router, .. } => Some(router),
            Reg::Pending { .. } => None,
        }
    }

    fn router_mut(&mut self) -> Option<&mut u8> {
        match self {
            Reg::Sending { router, .. } | Reg::Registered { router, .. } => Some(router),
            Reg::Pending { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HostAddr {
    addr: Ipv6Addr,
    /// End of the prefix's valid lifetime (None: forever). PIO lifetimes
    /// are whole seconds (RFC 4861 §4.6.2), registrations whole minutes
    /// (RFC 6775 §4.1): both ends are kept to the second, rounded up.
    valid_until: Option<InstantSecs>,
    /// End of the current registration, if registered.
    registered_until: Option<InstantSecs>,
    reg: Reg,
}

/// The host role.
#[derive(Debug, Clone)]
pub struct Host {
    config: HostConfig,
    tid: u8,
    rs_count: u32,
    /// When the next RS goes out (to the millisecond, rounded up: the
    /// random delay is in milliseconds, the intervals whole seconds).
    rs_next: Option<InstantMillis>,
    routers: heapless::Vec<DefaultRouter, MAX_ROUTERS, u8>,
    addrs: heapless::Vec<HostAddr, MAX_ADDRS, u8>,
    dereg: heapless::Vec<Dereg, 2, u8>,
    contexts: ContextTable<MAX_CONTEXTS>,
    /// When the context in slot `i` of `contexts` expires; meaningful only
    /// while that slot is used (the two are set and cleared together),
    /// which saves an `Option` tag per entry. To the second, rounded up:
    /// 6CO lifetimes are whole minutes (RFC 6775 §4.2).
    ctx_expires: [InstantSecs; MAX_CONTEXTS],
    abro_version: Option<u32>,
    /// Oldest first; a new event when full is dropped (and counted).
    events: Ring<HostEvent, MAX_EVENTS>,
    stats: NdStats,
}

/// `t` rounded up to the millisecond (a deadline never comes early).
fn ms_ceil(t: Instant) -> InstantMillis {
    InstantMillis::floor(t + Duration::from_micros(999))
}

/// A de-registration to send: our address, the router's address and
/// link-layer address (kept: the router may be gone by then). 41 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dereg {
    addr: Ipv6Addr,
    router: Ipv6Addr,
    lladdr: Address,
}

fn refresh_point(now: Instant, lifetime: Duration) -> Instant {
    now + Duration::from_micros(lifetime.total_micros() / 100 * REFRESH_PERCENT)
}

fn backoff(n: u8) -> Duration {
    let d = Duration::from_micros(REG_BACKOFF.total_micros().saturating_mul(1u64 << n.min(16)));
    if d > MAX_RTR_SOLICITATION_INTERVAL { MAX_RTR_SOLICITATION_INTERVAL } else { d }
}

impl Host {
    /// A host with `config`; its link-local address (fe80:: + IID from the
    /// EUI-64) is its first address.
    pub fn new(config: HostConfig) -> Self {
        let mut h = Host {
            config,
            tid: 0,
            rs_count: 0,
            rs_next: None,
            routers: heapless::Vec::new(),
            addrs: heapless::Vec::new(),
            dereg: heapless::Vec::new(),
            contexts: ContextTable::EMPTY,
            ctx_expires: [InstantSecs::ZERO; MAX_CONTEXTS],
            abro_version: None,
            events: Ring::new(),
            stats: NdStats::default(),
        };
        h.add_address(link_local_from_eui64(config.eui64), Instant::ZERO);
        h
    }

    /// When the context in slot `i` expires, if the slot is used.
    fn ctx_expiry(&self, i: usize) -> Option<Instant> {
        self.contexts.slot(i).and(self.ctx_expires.get(i).map(|t| t.to_instant()))
    }

    /// The configuration.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Our link-local address.
    pub fn link_local(&self) -> Ipv6Addr {
        link_local_from_eui64(self.config.eui64)
    }

    /// The counters.
    pub fn stats(&self) -> &NdStats {
        &self.stats
    }

    /// The contexts learnt from 6COs, for header compression (at most
    /// [`MAX_CONTEXTS`]; see [`NdStats::contexts_full`]).
    pub fn contexts(&self) -> &ContextTable<MAX_CONTEXTS> {
        &self.contexts
    }

    /// The default routers.
    pub fn routers(&self) -> &[DefaultRouter] {
        &self.routers
    }

    /// The first default router (address and link-layer address).
    pub fn default_router(&self) -> Option<(Ipv6Addr, Address)> {
        self.routers.first().map(|r| (r.addr, r.lladdr))
    }

    /// The link-layer address of default router `ip`.
    pub fn router_lladdr(&self, ip: &Ipv6Addr) -> Option<Address> {
        self.routers.iter().find(|r| r.addr == *ip).map(|r| r.lladdr)
    }

    /// Our addresses, with whether each is registered.
    pub fn addresses(&self) -> impl Iterator<Item = (Ipv6Addr, bool)> + '_ {
        self.addrs.iter().map(|a| (a.addr, a.registered_until.is_some()))
    }

    /// True when `ip` is one of our addresses and is registered.
    pub fn is_registered(&self, ip: &Ipv6Addr) -> bool {
        self.addrs.iter().any(|a| a.addr == *ip && a.registered_until.is_some())
    }

    /// True when `ip` is one of our addresses.
    pub fn has_address(&self, ip: &Ipv6Addr) -> bool {
        self.addrs.iter().any(|a| a.addr == *ip)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    fn event(&mut self, e: HostEvent) {
        if self.events.is_full() {
            self.stats.events_dropped += 1;
        } else {
            self.events.push_overwrite(e);
        }
    }

    /// Adds an address to register (e.g. configured by the user); false when
    /// it is already there or the list is full.
    pub fn add_address(&mut self, addr: Ipv6Addr, now: Instant) -> bool {
        if self.has_address(&addr) {
            return false;
        }
        self.addrs
            .push(HostAddr { addr, valid_until: None, registered_until: None, reg: Reg::pending(now, 0) })
            .is_ok()
    }

    /// Removes an address; a registered one is de-registered (NS+ARO with
    /// lifetime 0, RFC 6775 §5.5.3 / RFC 8505 §5.1) by the next
    /// [`Host::poll`]. Returns false when it was not ours.
    pub fn remove_address(&mut self, addr: &Ipv6Addr) -> bool {
        let Some(i) = self.addrs.iter().position(|a| a.addr == *addr) else { return false };
        let a = self.addrs.swap_remove(i);
        if let Some(r) = a.reg.router().and_then(|r| self.routers.get(usize::from(r))) {
            // Best effort: when the queue is full the router lets the
            // registration run out.
            let _ = self.dereg.push(Dereg { addr: a.addr, router: r.addr, lladdr: r.lladdr });
        }
        true
    }

    fn next_tid(&mut self) -> u8 {
        self.tid = self.tid.wrapping_add(1);
        self.tid
    }

    fn ns_aro(
        &self,
        addr: Ipv6Addr,
        (router, lladdr): (Ipv6Addr, Address),
        tid: u8,
        lifetime: u16,
    ) -> Transmit<'static> {
        Transmit {
            src: addr,
            dst: router,
            ll_dst: lladdr,
            msg: NdMessage::NeighborSolicit {
                target: addr,
                sllao: Some(self.config.ll_addr),
                aro: Some(Aro { status: ArStatus::Success, tid, lifetime, rovr: Rovr(self.config.eui64) }),
            },
        }
    }

    /// Drops router `ip`; addresses registered (or registering) with it
    /// start over.
    fn drop_router(&mut self, ip: Ipv6Addr, now: Instant) {
        // Router addresses are unique in the list (an RA updates its entry).
        if let Some(gone) = self.routers.iter().position(|r| r.addr == ip) {
            self.routers.remove(gone);
            for a in self.addrs.iter_mut() {
                match a.reg.router_mut() {
                    Some(r) if usize::from(*r) == gone => a.reg = Reg::pending(now, 0),
                    // The routers after it moved down one place.
                    Some(r) if usize::from(*r) > gone => *r -= 1,
                    _ => {}
                }
            }
        }
        if self.routers.is_empty() {
            self.rs_count = 0;
            self.rs_next = None;
        }
    }

    /// Processes a received ND message; returns an answer to send, if any
    /// (an NA to a plain NS for one of our addresses).
    pub fn process(&mut self, now: Instant, input: &NdInput<'_>) -> Option<Transmit<'static>> {
        if input.hop_limit != HOP_LIMIT {
            self.stats.bad += 1;
            return None;
        }
        match input.repr {
            ndisc::Repr::RouterAdvert { router_lifetime, options, .. } => {
                self.stats.ra_received += 1;
                // RFC 4861 §6.1.2: the source of an RA is link-local.
                if !input.src.is_link_local() {
                    self.stats.bad += 1;
                    return None;
                }
                self.process_ra(now, input, router_lifetime, options);
                None
            }
            ndisc::Repr::NeighborAdvert { target_addr, options, .. } => {
                self.stats.na_received += 1;
                match options.address_registration() {
                    Some(aro) => self.process_na_aro(now, input.src, target_addr, aro),
                    None => self.stats.ignored += 1,
                }
                None
            }
            ndisc::Repr::NeighborSolicit { target_addr, options } => {
                self.stats.ns_received += 1;
                if !self.has_address(&target_addr) || options.address_registration().is_some() {
                    self.stats.ignored += 1;
                    return None;
                }
                let sllao = sllao_of(&options);
                let ll_dst = sllao.unwrap_or(input.ll_src);
                if input.src.is_unspecified() || ll_dst == Address::Absent {
                    // DAD probes: RFC 6775 §5.6 hosts do no multicast DAD.
                    self.stats.ignored += 1;
                    return None;
                }
                self.stats.na_sent += 1;
                Some(Transmit {
                    src: target_addr,
                    dst: input.src,
                    ll_dst,
                    msg: NdMessage::NeighborAdvert {
                        flags: NeighborFlags(NeighborFlags::SOLICITED | NeighborFlags::OVERRIDE),
                        target: target_addr,
                        tllao: Some(self.config.ll_addr),
                        aro: None,
                    },
                })
            }
            ndisc::Repr::RouterSolicit { .. } => {
                self.stats.rs_received += 1;
                self.stats.ignored += 1;
                None
            }
            ndisc::Repr::Redirect { .. } => {
                self.stats.ignored += 1;
                None
            }
        }
    }

    fn process_ra(&mut self, now: Instant, input: &NdInput<'_>, lifetime: u16, options: ndisc::Options<'_>) {
        let lladdr = sllao_of(&options).unwrap_or(input.ll_src);
        // Default router list (RFC 4861 §6.3.4).
        if lifetime == 0 {
            if self.routers.iter().any(|r| r.addr == input.src) {
                self.drop_router(input.src, now);
            }
        } else {
            let life = Duration::from_secs(u64::from(lifetime));
            let refresh_at = InstantSecs::ceil(refresh_point(now, life));
            let expires = InstantSecs::deadline(now, life);
            if let Some(r) = self.routers.iter_mut().find(|r| r.addr == input.src) {
                r.lladdr = lladdr;
                r.expires = expires;
                r.refresh_at = refresh_at;
            } else if lladdr != Address::Absent
                && self
                    .routers
                    .push(DefaultRouter { addr: input.src, lladdr, expires, refresh_at, avoid_until: None })
                    .is_ok()
            {
                self.rs_next = None;
                self.event(HostEvent::RouterAdded { router: input.src });
            }
        }
        // RFC 6775 §4.3: information from an older ABRO version is ignored.
        let mut abro_ok = true;
        for o in options.iter().flatten() {
            if let NdiscOption::AuthoritativeBorderRouter(abro) = o {
                let v = abro.version();
                match self.abro_version {
                    Some(old) if (v.wrapping_sub(old) as i32) < 0 => abro_ok = false,
                    _ => self.abro_version = Some(v),
                }
            }
        }
        if !abro_ok {
            self.stats.ignored += 1;
            return;
        }
        let mut ctx_changed = false;
        // Removals first (RFC 6775 §7.2: lifetime 0), so that the contexts
        // this RA adds find the slots it frees.
        for o in options.iter().flatten() {
            if let NdiscOption::SixLowpanContext(c) = o {
                if c.valid_lifetime == 0 && self.contexts.get(c.cid & 0x0f).is_some() {
                    self.contexts.set(c.cid & 0x0f, None);
                    ctx_changed = true;
                }
            }
        }
        for o in options.iter().flatten() {
            match o {
                NdiscOption::PrefixInformation(pi) => {
                    // RFC 4862 §5.5.3 (RFC 6775 §5.4): A flag and a /64
                    // (our IID is 64 bits).
                    if !pi.flags.autonomous() || pi.prefix_len != 64 || pi.prefix.is_link_local() {
                        continue;
                    }
                    let addr = addr_from_prefix(pi.prefix, iid_from_eui64(self.config.eui64));
                    let valid_until = match pi.valid_lifetime {
                        0xffff_ffff => None,
                        s => Some(InstantSecs::deadline(now, Duration::from_secs(u64::from(s)))),
                    };
                    if let Some(a) = self.addrs.iter_mut().find(|a| a.addr == addr) {
                        if pi.valid_lifetime != 0 {
                            a.valid_until = valid_until;
                        }
                    } else if pi.valid_lifetime != 0 && self.add_address(addr, now) {
                        if let Some(a) = self.addrs.last_mut() {
                            a.valid_until = valid_until;
                        }
                        self.event(HostEvent::NewPrefix {
                            prefix: pi.prefix,
                            prefix_len: pi.prefix_len,
                            addr,
                        });
                    }
                }
                NdiscOption::SixLowpanContext(c) => {
                    // RFC 6775 §7.2: C flag = usable for compression; a
                    // lifetime of 0 removes the context.
                    let cid = c.cid & 0x0f;
                    let new = (c.valid_lifetime != 0).then_some(Context {
                        prefix: c.prefix,
                        prefix_len: c.context_len,
                        compress: c.compression,
                    });
                    let old = self.contexts.get(cid).copied();
                    match self.contexts.set_slot(cid, new) {
                        Some(i) => {
                            ctx_changed |= old != new;
                            if let Some(t) = self.ctx_expires.get_mut(i) {
                                *t = InstantSecs::deadline(now, minutes(c.valid_lifetime));
                            }
                        }
                        // Every slot holds another CID: the new context is
                        // not kept (the ones held are not evicted).
                        None => self.stats.contexts_full += 1,
                    }
                }
                _ => {}
            }
        }
        if ctx_changed {
            self.event(HostEvent::ContextsChanged);
        }
    }

    fn process_na_aro(
        &mut self,
        now: Instant,
        src: Ipv6Addr,
        target: Ipv6Addr,
        aro: ndisc::AddressRegistration<'_>,
    ) {
        // Our own ROVR only (RFC 6775 §5.5.2: the EUI-64 identifies us).
        if Rovr::from_slice(aro.rovr) != Rovr(self.config.eui64) {
            self.stats.bad += 1;
            return;
        }
        let Some(i) = self.addrs.iter().position(|a| a.addr == target) else {
            self.stats.ignored += 1;
            return;
        };
        let Reg::Sending { router, backoff: b, .. } = self.addrs[i].reg else {
            self.stats.ignored += 1;
            return;
        };
        if self.routers.get(usize::from(router)).is_none_or(|r| r.addr != src) {
            self.stats.ignored += 1;
            return;
        }
        match aro.status {
            ArStatus::Success if aro.lifetime > 0 => {
                self.stats.reg_ok += 1;
                let life = minutes(aro.lifetime);
                let a = &mut self.addrs[i];
                a.registered_until = Some(InstantSecs::deadline(now, life));
                a.reg = Reg::Registered { router, refresh_at: ms_ceil(refresh_point(now, life)) };
                self.event(HostEvent::Registered { addr: target, router: src, lifetime: aro.lifetime });
            }
            ArStatus::Duplicate => {
                self.stats.reg_duplicate += 1;
                self.addrs.swap_remove(i);
                self.event(HostEvent::Duplicate { addr: target });
            }
            status => {
                if status == ArStatus::NeighborCacheFull {
                    self.stats.reg_full += 1;
                } else {
                    self.stats.bad += 1;
                }
                let until = InstantSecs::ceil(now + backoff(b));
                if let Some(r) = self.routers.get_mut(usize::from(router)) {
                    r.avoid_until = Some(until);
                }
                self.addrs[i].reg = Reg::pending(now, b.saturating_add(1));
            }
        }
    }

    /// The first router not avoided at `now`, with its index.
    fn usable_router(&self, now: Instant) -> Option<(u8, DefaultRouter)> {
        let i = self.routers.iter().position(|r| r.avoid_until.is_none_or(|t| t.reached(now)))?;
        Some((i as u8, self.routers[i]))
    }

    /// Timers: expiries, RSs, registrations. Returns at most one message to
    /// send; call again (same `now`) until it returns `None`.
    pub fn poll(&mut self, now: Instant, rng: &mut Rng) -> Option<Transmit<'static>> {
        self.expire(now);
        if let Some(d) = self.dereg.pop() {
            self.stats.ns_sent += 1;
            self.stats.dereg += 1;
            let tid = self.next_tid();
            return Some(self.ns_aro(d.addr, (d.router, d.lladdr), tid, 0));
        }
        if let Some(t) = self.poll_rs(now, rng) {
            return Some(t);
        }
        self.poll_registrations(now)
    }

    fn expire(&mut self, now: Instant) {
        let mut i = 0;
        while let Some(r) = self.routers.get(i).copied() {
            if r.expires.reached(now) {
                self.stats.expired += 1;
                self.drop_router(r.addr, now);
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while let Some(a) = self.addrs.get(i).copied() {
            if a.valid_until.is_some_and(|t| t.reached(now)) {
                self.stats.expired += 1;
                self.addrs.swap_remove(i);
                self.event(HostEvent::AddressExpired { addr: a.addr });
                continue;
            }
            if a.registered_until.is_some_and(|t| t.reached(now)) {
                self.stats.expired += 1;
                self.addrs[i].registered_until = None;
            }
            i += 1;
        }
        let mut changed = false;
        for i in 0..MAX_CONTEXTS {
            if self.ctx_expiry(i).is_some_and(|t| t <= now) {
                self.stats.expired += 1;
                if let Some((cid, _)) = self.contexts.slot(i) {
                    self.contexts.set(cid, None);
                }
                changed = true;
            }
        }
        if changed {
            self.event(HostEvent::ContextsChanged);
        }
    }

    fn poll_rs(&mut self, now: Instant, rng: &mut Rng) -> Option<Transmit<'static>> {
        if self.routers.is_empty() {
            let next = *self.rs_next.get_or_insert_with(|| {
                // RFC 4861 §6.3.7: a random delay before the first RS.
                ms_ceil(
                    now + Duration::from_millis(u64::from(
                        rng.up_to(MAX_RTR_SOLICITATION_DELAY.total_millis() as u32),
                    )),
                )
            });
            if next.to_instant() > now {
                return None;
            }
            self.rs_count = self.rs_count.saturating_add(1);
            // RFC 6775 §5.3: fixed interval for the first
            // MAX_RTR_SOLICITATIONS, then binary exponential backoff.
            let extra = (self.rs_count + 1).saturating_sub(u32::from(MAX_RTR_SOLICITATIONS)).min(16);
            let mut interval =
                Duration::from_micros(RTR_SOLICITATION_INTERVAL.total_micros().saturating_mul(1u64 << extra));
            if interval > MAX_RTR_SOLICITATION_INTERVAL {
                interval = MAX_RTR_SOLICITATION_INTERVAL;
            }
            self.rs_next = Some(ms_ceil(now + interval));
            self.stats.rs_sent += 1;
            return Some(Transmit {
                src: self.link_local(),
                dst: ALL_ROUTERS,
                ll_dst: Address::BROADCAST,
                msg: NdMessage::RouterSolicit { sllao: self.config.ll_addr },
            });
        }
        // Refresh a router before its lifetime ends (RFC 6775 §5.3).
        let r = self.routers.iter_mut().find(|r| r.refresh_at.reached(now))?;
        // Once per lifetime; a new RA moves it again.
        r.refresh_at = r.expires;
        let (dst, ll_dst) = (r.addr, r.lladdr);
        self.stats.rs_sent += 1;
        Some(Transmit {
            src: self.link_local(),
            dst,
            ll_dst,
            msg: NdMessage::RouterSolicit { sllao: self.config.ll_addr },
        })
    }

    fn poll_registrations(&mut self, now: Instant) -> Option<Transmit<'static>> {
        for i in 0..self.addrs.len() {
            let a = self.addrs[i];
            match a.reg {
                Reg::Pending { at, backoff } if at.to_instant() <= now => {
                    // No router to register with now (all avoided after an
                    // error status): later entries may still be due.
                    let Some((ri, r)) = self.usable_router(now) else { continue };
                    let tid = self.next_tid();
                    let next = ms_ceil(now + RETRANS_TIMER);
                    self.addrs[i].reg = Reg::Sending { router: ri, tid, sent: 1, next, backoff };
                    self.stats.ns_sent += 1;
                    return Some(self.ns_aro(
                        a.addr,
                        (r.addr, r.lladdr),
                        tid,
                        self.config.registration_lifetime,
                    ));
                }
                Reg::Sending { router, tid, sent, next, backoff } if next.to_instant() <= now => {
                    let Some(r) = self.routers.get(usize::from(router)).copied() else {
                        self.addrs[i].reg = Reg::pending(now, backoff);
                        continue;
                    };
                    if sent >= MAX_UNICAST_SOLICIT {
                        // RFC 4861 §7.3.3: no answer after
                        // MAX_UNICAST_SOLICIT: unreachable.
                        self.drop_router(r.addr, now);
                        self.event(HostEvent::RouterUnreachable { router: r.addr });
                        return self.poll_registrations(now);
                    }
                    let next = ms_ceil(now + RETRANS_TIMER);
                    self.addrs[i].reg = Reg::Sending { router, tid, sent: sent + 1, next, backoff };
                    self.stats.ns_sent += 1;
                    return Some(self.ns_aro(
                        a.addr,
                        (r.addr, r.lladdr),
                        tid,
                        self.config.registration_lifetime,
                    ));
                }
                Reg::Registered { router, refresh_at } if refresh_at.to_instant() <= now => {
                    let Some(r) = self.routers.get(usize::from(router)).copied() else {
                        self.addrs[i].reg = Reg::pending(now, 0);
                        continue;
                    };
                    let tid = self.next_tid();
                    let next = ms_ceil(now + RETRANS_TIMER);
                    self.addrs[i].reg = Reg::Sending { router, tid, sent: 1, next, backoff: 0 };
                    self.stats.ns_sent += 1;
                    return Some(self.ns_aro(
                        a.addr,
                        (r.addr, r.lladdr),
                        tid,
                        self.config.registration_lifetime,
                    ));
                }
                _ => {}
            }
        }
        None
    }

    /// When [`Host::poll`] has work next (`Instant::ZERO`: now).
    pub fn poll_at(&self) -> Option<Instant> {
        if !self.dereg.is_empty() {
            return Some(Instant::ZERO);
        }
        let mut at: Option<Instant> = None;
        let mut min = |t: Instant| at = Some(at.map_or(t, |a| a.min(t)));
        if self.routers.is_empty() {
            min(self.rs_next.map_or(Instant::ZERO, InstantMillis::to_instant));
        }
        for r in &self.routers {
            min(r.expires.to_instant());
            min(r.refresh_at.to_instant());
        }
        // Pending registrations wait for a usable router.
        let usable_at =
            self.routers.iter().map(|r| r.avoid_until.map_or(Instant::ZERO, InstantSecs::to_instant)).min();
        for a in &self.addrs {
            if let Some(t) = a.valid_until {
                min(t.to_instant());
            }
            if let Some(t) = a.registered_until {
                min(t.to_instant());
            }
            match a.reg {
                Reg::Pending { at, .. } => {
                    if let Some(u) = usable_at {
                        min(at.to_instant().max(u));
                    }
                }
                Reg::Sending { next, .. } => min(next.to_instant()),
                Reg::Registered { refresh_at, .. } => min(refresh_at.to_instant()),
            }
        }
        for t in (0..MAX_CONTEXTS).filter_map(|i| self.ctx_expiry(i)) {
            min(t);
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ndisc::{
        AuthoritativeBorderRouter, LinkLayerAddress, Options, PrefixInfoFlags, PrefixInformation,
        RouterFlags, SixLowpanContext,
    };

    const EUI: [u8; 8] = [0, 0x12, 0x4b, 0, 0, 0, 0, 1];
    const RLL: Address = Address::Short([0, 1]);

    fn ra<'a>(lifetime: u16, options: &'a [NdiscOption<'a>]) -> NdInput<'a> {
        NdInput {
            src: "fe80::ff:fe00:1".parse().unwrap(),
            dst: "ff02::1".parse().unwrap(),
            hop_limit: 255,
            ll_src: RLL,
            repr: ndisc::Repr::RouterAdvert {
                hop_limit: 64,
                flags: RouterFlags(0),
                router_lifetime: lifetime,
                reachable_time: 0,
                retrans_time: 0,
                options: Options::List(options),
            },
        }
    }

    fn abro(v: u16) -> NdiscOption<'static> {
        NdiscOption::AuthoritativeBorderRouter(AuthoritativeBorderRouter {
            version_low: v,
            version_high: 0,
            valid_lifetime: 0,
            address: "2001:db8::1".parse().unwrap(),
        })
    }

    fn ctx(cid: u8, lifetime: u16, p: &str) -> NdiscOption<'static> {
        NdiscOption::SixLowpanContext(SixLowpanContext {
            context_len: 64,
            compression: true,
            cid,
            valid_lifetime: lifetime,
            prefix: p.parse().unwrap(),
        })
    }

    #[test]
    fn first_poll_schedules_rs_within_a_second() {
        let mut h = Host::new(HostConfig::new(EUI));
        let mut rng = Rng::new(1);
        assert_eq!(h.poll_at(), Some(Instant::ZERO));
        let first = h.poll(Instant::ZERO, &mut rng);
        let at = h.poll_at().unwrap();
        assert!(at <= Instant::from_secs(1));
        if first.is_none() {
            let t = h.poll(at, &mut rng).unwrap();
            assert_eq!((t.dst, t.ll_dst), (ALL_ROUTERS, Address::BROADCAST));
            assert_eq!(t.msg, NdMessage::RouterSolicit { sllao: Address::Extended(EUI) });
        }
        assert_eq!(h.stats().rs_sent, 1);
    }

    #[test]
    fn ra_abro_versions_and_contexts() {
        let mut h = Host::new(HostConfig::new(EUI));
        let pio = NdiscOption::PrefixInformation(PrefixInformation {
            prefix_len: 64,
            flags: PrefixInfoFlags(PrefixInfoFlags::AUTONOMOUS),
            valid_lifetime: 100,
            preferred_lifetime: 100,
            prefix: "2001:db8:1::".parse().unwrap(),
        });
        let opts = [abro(5), pio, ctx(1, 10, "2001:db8:1::")];
        assert!(h.process(Instant::ZERO, &ra(600, &opts)).is_none());
        assert_eq!(h.default_router(), Some(("fe80::ff:fe00:1".parse().unwrap(), RLL)));
        assert!(h.has_address(&"2001:db8:1::212:4b00:0:1".parse().unwrap()));
        assert!(h.contexts().get(1).is_some_and(|c| c.compress));
        // An older ABRO version: its contexts are ignored.
        let opts = [abro(4), ctx(1, 0, "::"), ctx(2, 10, "2001:db8:2::")];
        h.process(Instant::ZERO, &ra(600, &opts));
        assert!(h.contexts().get(1).is_some() && h.contexts().get(2).is_none());
        // A newer one: lifetime 0 removes context 1.
        let opts = [abro(6), ctx(1, 0, "::")];
        h.process(Instant::ZERO, &ra(600, &opts));
        assert!(h.contexts().get(1).is_none());
        // The prefix expires after 100 s.
        let mut rng = Rng::new(0);
        while h.poll(Instant::from_secs(100), &mut rng).is_some() {}
        assert!(!h.has_address(&"2001:db8:1::212:4b00:0:1".parse().unwrap()));
        let ev: Vec<_> = core::iter::from_fn(|| h.poll_event()).collect();
        assert!(
            ev.contains(&HostEvent::AddressExpired { addr: "2001:db8:1::212:4b00:0:1".parse().unwrap() })
        );
        // Router lifetime 0 removes the router.
        h.process(Instant::from_secs(100), &ra(0, &[]));
        assert!(h.routers().is_empty());
    }

    /// A fifth CID is ignored and counted; an RA that removes one context
    /// and adds another fits whatever the order of its 6COs.
    #[test]
    fn context_table_full() {
        let mut h = Host::new(HostConfig::new(EUI));
        let opts = [
            ctx(1, 10, "2001:db8:1::"),
            ctx(2, 10, "2001:db8:2::"),
            ctx(3, 10, "2001:db8:3::"),
            ctx(4, 10, "2001:db8:4::"),
            ctx(5, 10, "2001:db8:5::"),
        ];
        h.process(Instant::ZERO, &ra(600, &opts));
        assert_eq!((h.contexts().len(), h.stats().contexts_full), (4, 1));
        assert!(h.contexts().get(5).is_none() && h.contexts().get(4).is_some());
        let opts = [ctx(5, 10, "2001:db8:5::"), ctx(2, 0, "::")];
        h.process(Instant::ZERO, &ra(600, &opts));
        assert_eq!((h.contexts().len(), h.stats().contexts_full), (4, 1));
        assert!(h.contexts().get(5).is_some() && h.contexts().get(2).is_none());
        // All expire after 10 minutes.
        let mut rng = Rng::new(0);
        while h.poll(Instant::from_secs(600), &mut rng).is_some() {}
        assert!(h.contexts().is_empty());
    }

    /// An address registering with the second router keeps it when the
    /// first is dropped (the router indices move down).
    #[test]
    fn router_index_survives_dropping_an_earlier_router() {
        use crate::wire::ndisc::AddressRegistration;
        let mut h = Host::new(HostConfig::new(EUI));
        let mut rng = Rng::new(0);
        let r1: Ipv6Addr = "fe80::ff:fe00:1".parse().unwrap();
        let r2: Ipv6Addr = "fe80::ff:fe00:2".parse().unwrap();
        let from = |src: Ipv6Addr, i: NdInput<'static>| NdInput { src, ..i };
        let t0 = Instant::from_millis(500);
        h.process(t0, &from(r1, ra(600, &[])));
        h.process(t0, &ra(600, &[]));
        let mut ra2 = ra(1800, &[]);
        ra2.src = r2;
        ra2.ll_src = Address::Short([0, 2]);
        h.process(t0, &ra2);
        assert_eq!(h.routers().len(), 2);
        let ns = h.poll(t0, &mut rng).unwrap();
        assert_eq!(ns.dst, r1);
        static ROVR: [u8; 8] = EUI;
        let na = |src: Ipv6Addr, status| NdInput {
            src,
            dst: h_ll(),
            hop_limit: 255,
            ll_src: RLL,
            repr: ndisc::Repr::NeighborAdvert {
                flags: NeighborFlags(0),
                target_addr: h_ll(),
                options: Options::List(Box::leak(Box::new([NdiscOption::AddressRegistration(
                    AddressRegistration {
                        status,
                        opaque: 0,
                        i: 0,
                        r: false,
                        t: true,
                        tid: 1,
                        lifetime: 15,
                        rovr: &ROVR,
                    },
                )]))),
            },
        };
        // Cache full at r1: r1 is avoided, the address goes to r2.
        h.process(t0, &na(r1, ArStatus::NeighborCacheFull));
        let ns = h.poll(t0, &mut rng).unwrap();
        assert_eq!((ns.dst, ns.ll_dst), (r2, Address::Short([0, 2])));
        // r1 leaves; the NA of r2 still matches the address's router.
        h.process(t0, &from(r1, ra(0, &[])));
        assert_eq!(h.routers().len(), 1);
        h.process(t0, &na(r2, ArStatus::Success));
        assert!(h.is_registered(&h_ll()));
        let ev: Vec<_> = core::iter::from_fn(|| h.poll_event()).collect();
        assert!(ev.contains(&HostEvent::Registered { addr: h_ll(), router: r2, lifetime: 15 }));
        // Re-registration at 80 % of 15 minutes, to r2 (to the millisecond,
        // rounded up).
        let refresh = t0 + Duration::from_secs(720);
        assert!(h.poll(refresh - Duration::from_millis(1), &mut rng).is_none());
        let ns = h.poll(refresh, &mut rng).unwrap();
        assert_eq!(ns.dst, r2);
    }

    fn h_ll() -> Ipv6Addr {
        link_local_from_eui64(EUI)
    }

    #[test]
    fn answers_plain_ns_and_drops_bad_ra() {
        let mut h = Host::new(HostConfig::new(EUI));
        let sllao = [NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(RLL))];
        let ns = NdInput {
            src: "fe80::ff:fe00:1".parse().unwrap(),
            dst: h.link_local(),
            hop_limit: 255,
            ll_src: RLL,
            repr: ndisc::Repr::NeighborSolicit {
                target_addr: h.link_local(),
                options: Options::List(&sllao),
            },
        };
        let t = h.process(Instant::ZERO, &ns).unwrap();
        assert_eq!(t.ll_dst, RLL);
        assert!(matches!(t.msg, NdMessage::NeighborAdvert { tllao: Some(Address::Extended(EUI)), .. }));
        // An RA from a global source is invalid (RFC 4861 §6.1.2).
        let mut bad = ra(600, &[]);
        bad.src = "2001:db8::1".parse().unwrap();
        assert!(h.process(Instant::ZERO, &bad).is_none());
        assert!(h.routers().is_empty());
        assert_eq!(h.stats().bad, 1);
    }
}
