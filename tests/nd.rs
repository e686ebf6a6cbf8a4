//! 6LoWPAN-ND host and router wired back to back in virtual time: every
//! message goes through bytes (`wire::icmpv6` emit, checksum verified,
//! parsed back).

use core::net::Ipv6Addr;

use sixlo::lowpan::Context;
use sixlo::mac::Rng;
use sixlo::nd::host::HostEvent;
use sixlo::nd::{
    AbroConfig, Host, HostConfig, NdInput, Neighbor, Router, RouterAddrs, RouterConfig, Transmit,
    link_local_from_eui64,
};
use sixlo::time::{Duration, Instant};
use sixlo::wire::icmpv6::{self, Message};
use sixlo::wire::ieee802154::Address;
use sixlo::wire::ndisc::{self, ArStatus, NdiscOption, PrefixInfoFlags, PrefixInformation};

const H1: [u8; 8] = [0x00, 0x12, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x01];
const H2: [u8; 8] = [0x00, 0x12, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x02];
const R: [u8; 8] = [0x00, 0x12, 0x4b, 0x00, 0x00, 0x00, 0x00, 0xaa];

fn prefix() -> Ipv6Addr {
    "2001:db8:1:2::".parse().unwrap()
}
fn global(eui: [u8; 8]) -> Ipv6Addr {
    let mut iid = eui;
    iid[0] ^= 2;
    let mut o = prefix().octets();
    o[8..].copy_from_slice(&iid);
    o.into()
}

/// A message on the air: IPv6 addresses, link-layer destination, ICMPv6
/// bytes.
#[derive(Debug, Clone)]
struct Pkt {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    ll_dst: Address,
    bytes: Vec<u8>,
}

fn to_pkt(t: &Transmit<'_>) -> Pkt {
    let mut bytes = vec![0u8; t.icmpv6_len()];
    assert_eq!(t.emit(&mut bytes), Ok(bytes.len()));
    Pkt { src: t.src, dst: t.dst, ll_dst: t.ll_dst, bytes }
}

fn nd_repr(p: &Pkt) -> ndisc::Repr<'_> {
    let packet = icmpv6::Packet::new_checked(&p.bytes[..]).unwrap();
    assert!(packet.verify_checksum(&p.src, &p.dst), "bad checksum");
    match icmpv6::Repr::parse_verified(&p.src, &p.dst, &packet).unwrap() {
        icmpv6::Repr::Ndisc(nd) => nd,
        other => panic!("not ND: {other:?}"),
    }
}

fn input(p: &Pkt, ll_src: Address) -> NdInput<'_> {
    NdInput { src: p.src, dst: p.dst, hop_limit: 255, ll_src, repr: nd_repr(p) }
}

fn router_config() -> RouterConfig {
    let mut c = RouterConfig::new();
    c.prefixes
        .push(PrefixInformation {
            prefix_len: 64,
            flags: PrefixInfoFlags(PrefixInfoFlags::AUTONOMOUS),
            valid_lifetime: 86400,
            preferred_lifetime: 14400,
            prefix: prefix(),
        })
        .unwrap();
    assert!(c.contexts.set(0, Some(Context { prefix: prefix(), prefix_len: 64, compress: true }), 600));
    // The ABRO's 6LBR address: global(R), formed in the prefix.
    c.abro = Some(AbroConfig { version_low: 1, version_high: 0, valid_lifetime: 0 });
    c
}

struct Net<const N: usize> {
    hosts: Vec<Host>,
    router: Router<[Neighbor; N]>,
    rng: Rng,
    now: Instant,
    /// Messages from hosts that are dropped (no answer).
    drop_from_host: Vec<bool>,
    /// Every message a host sent (index, packet).
    sent: Vec<(usize, Pkt)>,
}

impl<const N: usize> Net<N> {
    fn new(euis: &[[u8; 8]]) -> Self {
        Net {
            hosts: euis.iter().map(|e| Host::new(HostConfig::new(*e))).collect(),
            router: Router::new(router_config(), [Neighbor::EMPTY; N]),
            rng: Rng::new(7),
            now: Instant::ZERO,
            drop_from_host: vec![false; euis.len()],
            sent: Vec::new(),
        }
    }

    fn step(&mut self) {
        let now = self.now;
        for i in 0..self.hosts.len() {
            let mut guard = 0;
            while let Some(t) = self.hosts[i].poll(now, &mut self.rng) {
                guard += 1;
                assert!(guard < 20, "host poll does not settle");
                let p = to_pkt(&t);
                self.sent.push((i, p.clone()));
                if self.drop_from_host[i] {
                    continue;
                }
                let ll = self.hosts[i].config().ll_addr;
                let me = RouterAddrs::new(Address::Extended(R), link_local_from_eui64(R));
                let answer = self.router.process(now, &me, &input(&p, ll)).map(|t| to_pkt(&t));
                if let Some(a) = answer {
                    // Deliver to the host whose link-layer address it is.
                    let to = self.hosts.iter().position(|h| h.config().ll_addr == a.ll_dst).unwrap();
                    let r = self.hosts[to].process(now, &input(&a, Address::Extended(R)));
                    assert!(r.is_none());
                }
            }
        }
        self.router.poll(now);
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.hosts.iter().filter_map(Host::poll_at).chain(self.router.poll_at()).min()
    }

    /// Runs every deadline up to `end`, then sets the clock to `end`.
    fn run_until(&mut self, end: Instant) {
        let mut guard = 0;
        while let Some(t) = self.next_deadline() {
            if t > end {
                break;
            }
            guard += 1;
            assert!(guard < 10_000, "no progress at {:?}", self.now);
            self.now = t.max(self.now);
            self.step();
        }
        self.now = end;
        self.step();
    }

    fn events(&mut self, i: usize) -> Vec<HostEvent> {
        core::iter::from_fn(|| self.hosts[i].poll_event()).collect()
    }
}

fn secs(s: u64) -> Instant {
    Instant::from_secs(s)
}

#[test]
fn bootstrap_registers_on_both_sides() {
    let mut net = Net::<8>::new(&[H1]);
    net.run_until(secs(5));
    let h = &net.hosts[0];
    let ll = link_local_from_eui64(H1);
    // RS -> RA: router, prefix, context learnt.
    assert_eq!(h.default_router(), Some((link_local_from_eui64(R), Address::Extended(R))));
    assert_eq!(h.contexts().get(0), Some(&Context { prefix: prefix(), prefix_len: 64, compress: true }));
    // NS+ARO -> NA success for both addresses.
    assert!(h.is_registered(&ll) && h.is_registered(&global(H1)));
    assert!(net.router.table().is_registered(&ll));
    assert!(net.router.table().is_registered(&global(H1)));
    assert_eq!(net.router.table().lladdr(&global(H1)), Some(Address::Extended(H1)));
    let e = net.router.table().get(&global(H1)).unwrap();
    // The registration lifetime, in whole seconds (the stamp of use rounds
    // down, the deadline up).
    let life = e.expires().unwrap().to_instant() - e.last_used().to_instant();
    assert!((900..=901).contains(&life.total_secs()) && life.total_micros() % 1_000_000 == 0, "{life}");
    let ev = net.events(0);
    assert_eq!(ev[0], HostEvent::RouterAdded { router: link_local_from_eui64(R) });
    assert!(ev.contains(&HostEvent::NewPrefix { prefix: prefix(), prefix_len: 64, addr: global(H1) }));
    assert!(ev.contains(&HostEvent::ContextsChanged));
    assert!(ev.contains(&HostEvent::Registered {
        addr: global(H1),
        router: link_local_from_eui64(R),
        lifetime: 15
    }));
    // Exactly one RS, two NS; the router answered one RA, two NA.
    let hs = net.hosts[0].stats();
    assert_eq!((hs.rs_sent, hs.ra_received, hs.ns_sent, hs.na_received, hs.reg_ok), (1, 1, 2, 2, 2));
    let rs = net.router.stats();
    assert_eq!((rs.rs_received, rs.ra_sent, rs.ns_received, rs.na_sent, rs.reg_ok), (1, 1, 2, 2, 2));

    // The RS: to ff02::2, broadcast, SLLAO with our EUI-64, from link-local.
    let (_, rs_pkt) = &net.sent[0];
    assert_eq!(rs_pkt.dst, "ff02::2".parse::<Ipv6Addr>().unwrap());
    assert_eq!(rs_pkt.src, ll);
    assert_eq!(rs_pkt.ll_dst, Address::BROADCAST);
    assert_eq!(rs_pkt.bytes[0], 133);
    assert_eq!(&rs_pkt.bytes[8..24], &[1, 2, 0, 0x12, 0x4b, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    // The NS+EARO: unicast to the router, target = source = the address.
    let (_, ns) = &net.sent[1];
    assert_eq!(ns.dst, link_local_from_eui64(R));
    assert_eq!(ns.ll_dst, Address::Extended(R));
    let ndisc::Repr::NeighborSolicit { target_addr, options } = nd_repr(ns) else { panic!() };
    assert_eq!(target_addr, ns.src);
    let aro = options.address_registration().unwrap();
    assert_eq!((aro.status, aro.lifetime, aro.t, aro.eui64()), (ArStatus::Success, 15, true, Some(H1)));
}

#[test]
fn reregistration_keeps_entry_and_silence_expires_it() {
    let mut net = Net::<8>::new(&[H1]);
    net.run_until(secs(5));
    let first = net.router.table().get(&global(H1)).unwrap().expires().unwrap().to_instant();
    // Re-registration at 80 % of 15 min keeps it past the first lifetime.
    net.run_until(first + Duration::from_secs(60));
    assert!(net.router.table().is_registered(&global(H1)));
    assert!(net.hosts[0].is_registered(&global(H1)));
    let again = net.router.table().get(&global(H1)).unwrap();
    assert!(again.expires().unwrap().to_instant() > first + Duration::from_secs(11 * 60));
    assert!(again.tid() != 0);
    assert_eq!(net.router.stats().expired, 0);
    // The host goes silent: the router drops the entry at its lifetime.
    net.drop_from_host[0] = true;
    let end = net.router.table().get(&global(H1)).unwrap().expires().unwrap().to_instant();
    net.run_until(end - Duration::from_secs(1));
    assert!(net.router.table().is_registered(&global(H1)));
    net.run_until(end);
    assert!(!net.router.table().is_registered(&global(H1)));
    assert_eq!(net.router.table().lladdr(&global(H1)), None);
    assert_eq!(net.router.stats().expired, 2);
}

#[test]
fn duplicate_address_is_reported() {
    let mut net = Net::<8>::new(&[H1, H2]);
    net.run_until(secs(5));
    // H2 claims H1's global address.
    assert!(net.hosts[1].add_address(global(H1), net.now));
    net.run_until(secs(10));
    assert!(net.events(1).contains(&HostEvent::Duplicate { addr: global(H1) }));
    assert!(!net.hosts[1].has_address(&global(H1)));
    assert_eq!(net.hosts[1].stats().reg_duplicate, 1);
    assert_eq!(net.router.stats().reg_duplicate, 1);
    // The owner keeps it.
    assert_eq!(net.router.table().get(&global(H1)).unwrap().rovr().0, H1);
    assert!(net.hosts[0].is_registered(&global(H1)));
}

#[test]
fn full_table_answers_status_2_without_eviction() {
    // Room for H1's two registrations only (H2 is silent until they are in).
    let mut net = Net::<2>::new(&[H1, H2]);
    net.drop_from_host[1] = true;
    net.run_until(secs(5));
    net.drop_from_host[1] = false;
    assert_eq!(net.router.table().len(), 2);
    net.run_until(secs(30));
    let h2 = &net.hosts[1];
    assert!(!h2.is_registered(&link_local_from_eui64(H2)));
    assert!(h2.stats().reg_full >= 1);
    assert!(net.router.stats().reg_full >= 1);
    assert!(net.router.table().is_registered(&global(H1)));
    assert!(net.router.table().is_registered(&link_local_from_eui64(H1)));
    // H2 backs off: its retries are spaced at least 10 s apart.
    let refused = net.router.stats().reg_full;
    assert!(refused <= 4, "{refused}");
}

#[test]
fn deregistration_removes_entry() {
    let mut net = Net::<8>::new(&[H1]);
    net.run_until(secs(5));
    assert!(net.hosts[0].remove_address(&global(H1)));
    net.run_until(secs(6));
    assert!(!net.router.table().is_registered(&global(H1)));
    assert_eq!(net.router.stats().dereg, 1);
    let (_, last) = net.sent.last().unwrap();
    let ndisc::Repr::NeighborSolicit { options, .. } = nd_repr(last) else { panic!() };
    assert_eq!(options.address_registration().unwrap().lifetime, 0);
    assert!(net.router.table().is_registered(&link_local_from_eui64(H1)));
}

#[test]
fn silent_router_is_unreachable_after_three_ns() {
    let mut net = Net::<8>::new(&[H1]);
    net.run_until(secs(5));
    net.drop_from_host[0] = true;
    // Re-registration at 12 min: 3 NS 1 s apart, then the router is gone.
    net.run_until(secs(5 + 12 * 60 + 10));
    let ev = net.events(0);
    assert!(ev.contains(&HostEvent::RouterUnreachable { router: link_local_from_eui64(R) }));
    assert!(net.hosts[0].routers().is_empty());
    let n_ns = net.sent.iter().filter(|(_, p)| p.bytes[0] == 135).count();
    assert_eq!(n_ns, 2 + 2 * 3);
    // It solicits again.
    assert_eq!(net.sent.last().unwrap().1.bytes[0], 133);
}

#[test]
fn rs_backoff_schedule() {
    let mut net = Net::<8>::new(&[H1]);
    net.drop_from_host[0] = true;
    net.run_until(secs(400));
    for (_, p) in &net.sent {
        assert_eq!(Message::from(p.bytes[0]), Message::RouterSolicit);
    }
    // d <= 1 s, then 3 RSs 10 s apart, then 20, 40, 60, 60...: RSs at
    // d + {0, 10, 20, 40, 80, 140, 200, 260, 320, 380}.
    assert_eq!(net.hosts[0].stats().rs_sent, 10);
    net.run_until(secs(381));
    assert_eq!(net.hosts[0].stats().rs_sent, 10);
    net.run_until(secs(441));
    assert_eq!(net.hosts[0].stats().rs_sent, 11);
}

#[test]
fn host_messages_roundtrip_through_bytes() {
    let mut net = Net::<8>::new(&[H1]);
    net.run_until(secs(5));
    for (_, p) in &net.sent {
        let repr = nd_repr(p);
        let mut again = vec![0u8; icmpv6::Repr::Ndisc(repr).buffer_len()];
        icmpv6::Repr::Ndisc(repr).emit(&p.src, &p.dst, &mut again);
        assert_eq!(again, p.bytes);
        for o in repr.options().iter() {
            assert!(matches!(
                o.unwrap(),
                NdiscOption::SourceLinkLayerAddr(_) | NdiscOption::AddressRegistration(_)
            ));
        }
    }
}
