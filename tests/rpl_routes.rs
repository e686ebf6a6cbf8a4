//! RPL downward routes: the storing table, the DAO sender and the
//! non-storing root's source routes with their SRH.

use core::net::Ipv6Addr;

use sixlo::mac::Rng;
use sixlo::rpl::dao::{AckResult, DaoConfig, DaoSender};
use sixlo::rpl::routes::{
    LOLLIPOP_INIT, Route, RouteTable, RouteUpdate, lollipop_cmp, lollipop_increment, lollipop_newer,
    rpl_lifetime,
};
use sixlo::rpl::srh::{SourceRouteEntry, SourceRoutes, SrhError, write_srh};
use sixlo::time::{Duration, Instant};
use sixlo::wire::ipv6::IpProtocol;
use sixlo::wire::ipv6::routing::{Routing, RoutingRepr};

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn secs(s: u64) -> Instant {
    Instant::from_secs(s)
}

// ---------------------------------------------------------------- lollipop

#[test]
fn lollipop_comparisons() {
    use core::cmp::Ordering::*;
    // Linear region, within the window.
    assert_eq!(lollipop_cmp(241, 240), Some(Greater));
    assert_eq!(lollipop_cmp(240, 250), Some(Less));
    // Linear vs circular: just past the wrap, the circular value is newer.
    assert_eq!(lollipop_cmp(0, 255), Some(Greater));
    assert_eq!(lollipop_cmp(5, 245), Some(Greater)); // 256 + 5 - 245 = 16
    assert_eq!(lollipop_cmp(6, 245), Some(Less)); // 17 > window: 245 is a restart
    assert_eq!(lollipop_cmp(240, 100), Some(Greater));
    // Circular region wraps modulo 128.
    assert_eq!(lollipop_cmp(3, 125), Some(Greater));
    assert_eq!(lollipop_cmp(125, 3), Some(Less));
    // Desynchronised: not comparable.
    assert_eq!(lollipop_cmp(20, 60), None);
    assert_eq!(lollipop_cmp(129, 250), None);
    assert!(!lollipop_newer(20, 60) && !lollipop_newer(60, 20));
    // Increments.
    let mut v = LOLLIPOP_INIT;
    for _ in 0..16 {
        let n = lollipop_increment(v);
        assert!(lollipop_newer(n, v), "{n} after {v}");
        v = n;
    }
    assert_eq!(v, 0);
    assert_eq!(lollipop_increment(127), 0);
}

#[test]
fn lifetimes() {
    assert_eq!(rpl_lifetime(30, 60), Duration::from_secs(1800));
    assert_eq!(rpl_lifetime(0, 60), Duration::ZERO);
    assert_eq!(rpl_lifetime(0xff, 60), Duration::MAX);
}

// ---------------------------------------------------------- storing table

const C1: &str = "fe80::c1";
const C2: &str = "fe80::c2";

#[test]
fn storing_insert_replace_no_path() {
    let mut t = RouteTable::new([Route::EMPTY; 4]);
    let life = Duration::from_secs(100);
    let tgt = a("2001:db8::5");
    assert_eq!(t.update(secs(0), tgt, 128, a(C1), 241, life), RouteUpdate::Added);
    assert_eq!(t.lookup(tgt).unwrap().next_hop, a(C1));
    // Same sequence, same child: refresh.
    assert_eq!(t.update(secs(10), tgt, 128, a(C1), 241, life), RouteUpdate::Refreshed);
    assert_eq!(t.lookup(tgt).unwrap().expires.to_instant(), secs(110));
    // Same sequence from another child: ignored.
    assert_eq!(t.update(secs(11), tgt, 128, a(C2), 241, life), RouteUpdate::Stale);
    // Newer sequence through another child replaces.
    assert_eq!(t.update(secs(12), tgt, 128, a(C2), 242, life), RouteUpdate::Replaced);
    let r = *t.lookup(tgt).unwrap();
    assert_eq!((r.next_hop, r.path_sequence, r.expires.to_instant()), (a(C2), 242, secs(112)));
    // Older sequence: ignored.
    assert_eq!(t.update(secs(13), tgt, 128, a(C1), 241, life), RouteUpdate::Stale);
    // A No-Path from the old child (older sequence) does not remove it ...
    assert_eq!(t.update(secs(14), tgt, 128, a(C1), 243, Duration::ZERO), RouteUpdate::NotFound);
    // ... nor an older No-Path from the current child; a current one does.
    assert_eq!(t.update(secs(14), tgt, 128, a(C2), 241, Duration::ZERO), RouteUpdate::NotFound);
    assert_eq!(t.len(), 1);
    assert_eq!(t.update(secs(15), tgt, 128, a(C2), 243, Duration::ZERO), RouteUpdate::Removed);
    assert!(t.is_empty());
    assert_eq!(t.lookup(tgt), None);
    assert_eq!(t.update(secs(15), tgt, 128, a(C2), 244, Duration::ZERO), RouteUpdate::NotFound);
}

#[test]
fn storing_longest_match() {
    let mut t = RouteTable::new([Route::EMPTY; 4]);
    let life = Duration::from_secs(100);
    assert_eq!(t.update(secs(0), a("2001:db8:1::ffff"), 48, a(C1), 240, life), RouteUpdate::Added);
    assert_eq!(t.update(secs(0), a("2001:db8:1:2::7"), 128, a(C2), 240, life), RouteUpdate::Added);
    assert_eq!(t.iter().find(|r| r.prefix_len == 48).unwrap().prefix, a("2001:db8:1::"));
    assert_eq!(t.lookup(a("2001:db8:1:2::7")).unwrap().next_hop, a(C2));
    assert_eq!(t.lookup(a("2001:db8:1:2::8")).unwrap().next_hop, a(C1));
    assert_eq!(t.lookup(a("2001:db8:2::1")), None);
    assert_eq!(t.remove_via(a(C1)), 1);
    assert_eq!(t.lookup(a("2001:db8:1:2::8")), None);
}

#[test]
fn storing_expiry() {
    let mut t = RouteTable::new([Route::EMPTY; 4]);
    t.update(secs(0), a("2001:db8::1"), 128, a(C1), 240, Duration::from_secs(60));
    t.update(secs(0), a("2001:db8::2"), 128, a(C1), 240, Duration::from_secs(90));
    t.update(secs(0), a("2001:db8::3"), 128, a(C2), 240, rpl_lifetime(0xff, 60));
    assert_eq!(t.poll_at(), Some(secs(60)));
    assert_eq!(t.poll(secs(59)), 0);
    assert_eq!(t.poll(secs(60)), 1);
    assert_eq!(t.poll_at(), Some(secs(90)));
    assert_eq!(t.poll(secs(1000)), 1);
    assert_eq!(t.poll_at(), None);
    assert_eq!(t.len(), 1); // the infinite one stays
}

#[test]
fn storing_full_refuses_new_routes() {
    let mut t = RouteTable::new([Route::EMPTY; 2]);
    let life = Duration::from_secs(100);
    assert_eq!(t.update(secs(0), a("2001:db8::1"), 128, a(C1), 240, life), RouteUpdate::Added);
    assert_eq!(
        t.update(secs(0), a("2001:db8::2"), 128, a(C1), 240, Duration::from_secs(50)),
        RouteUpdate::Added
    );
    let u = t.update(secs(1), a("2001:db8::3"), 128, a(C2), 240, life);
    assert_eq!(u, RouteUpdate::Full);
    assert!(!u.accepted());
    assert_eq!(t.refused(), 1);
    // Existing routes are kept and still updatable when full.
    assert_eq!(t.update(secs(2), a("2001:db8::1"), 128, a(C1), 241, life), RouteUpdate::Replaced);
    assert!(t.lookup(a("2001:db8::2")).is_some());
    // An expired entry (poll not called yet) is reused.
    assert_eq!(t.update(secs(50), a("2001:db8::3"), 128, a(C2), 240, life), RouteUpdate::Added);
    assert_eq!(t.lookup(a("2001:db8::2")), None);
    assert_eq!(t.refused(), 1);
}

// ---------------------------------------------------------------- DAO

const P1_LL: &str = "fe80::1";
const P1_G: &str = "2001:db8::1";
const P2_LL: &str = "fe80::2";
const P2_G: &str = "2001:db8::2";
const ME: &str = "2001:db8::99";
const ROOT: &str = "2001:db8::100";

fn sender(cfg: DaoConfig) -> DaoSender {
    DaoSender::new(cfg, a(ME), 128, a(ROOT))
}

#[test]
fn dao_delay_within_bounds_and_content() {
    let mut rng = Rng::new(7);
    let mut s = sender(DaoConfig::default());
    assert_eq!(s.poll_at(), None);
    s.set_parent(secs(10), Some(a(P1_LL)), &mut rng);
    let at = s.poll_at().unwrap();
    // RPL_DAO_DELAY 4 s ± 2 s.
    assert!(at >= secs(12) && at <= secs(16), "{at:?}");
    assert_eq!(s.poll(at - Duration::from_micros(1), &mut rng), None);
    let c = s.poll(at, &mut rng).unwrap();
    assert_eq!(c.destination, a(P1_LL));
    assert_eq!(c.sequence, 241);
    assert_eq!(c.path_sequence, 241);
    assert_eq!(c.path_lifetime, 30);
    assert!(c.expect_ack);
    assert_eq!(c.parent_address, None);
    assert_eq!((c.target, c.target_len, c.rpl_instance_id), (a(ME), 128, 0x1e));
    assert!(!c.retransmission && !c.is_no_path());
    assert_eq!(c.transit_information().path_sequence, 241);
    assert!(s.awaiting_ack());
}

#[test]
fn dao_retransmission_backoff_and_give_up() {
    let mut rng = Rng::new(1);
    let mut s = sender(DaoConfig::default());
    s.set_parent(secs(0), Some(a(P1_LL)), &mut rng);
    let t0 = s.poll_at().unwrap();
    let first = s.poll(t0, &mut rng).unwrap();
    // 5 s, then doubling: retransmissions at +5, +15, +35, +75, +155, give up at +315.
    let mut expected = t0;
    for (k, wait) in [5u64, 10, 20, 40, 80].into_iter().enumerate() {
        expected += Duration::from_secs(wait);
        assert_eq!(s.poll_at(), Some(expected), "retransmission {}", k + 1);
        assert_eq!(s.poll(expected - Duration::from_micros(1), &mut rng), None);
        let r = s.poll(expected, &mut rng).unwrap();
        assert!(r.retransmission);
        assert_eq!(r.sequence, first.sequence);
        assert_eq!(r.path_sequence, first.path_sequence);
    }
    expected += Duration::from_secs(160);
    assert_eq!(s.poll_at(), Some(expected));
    assert_eq!(s.poll(expected, &mut rng), None);
    assert_eq!(s.gave_up(), 1);
    assert!(!s.awaiting_ack());
    // The next attempt comes at the refresh time: 50 % of 1800 s minus up to 180 s.
    let next = s.poll_at().unwrap();
    assert!(next >= expected + Duration::from_secs(720) && next <= expected + Duration::from_secs(900));
    let again = s.poll(next, &mut rng).unwrap();
    assert_eq!(again.sequence, 242);
    assert!(!again.retransmission);
}

#[test]
fn dao_ack_matching_and_refresh() {
    let mut rng = Rng::new(3);
    let mut s = sender(DaoConfig::default());
    s.set_parent(secs(0), Some(a(P1_LL)), &mut rng);
    let t0 = s.poll_at().unwrap();
    let c = s.poll(t0, &mut rng).unwrap();
    let t1 = t0 + Duration::from_secs(1);
    assert_eq!(s.dao_ack(t1, c.sequence.wrapping_add(1), 0, &mut rng), AckResult::Unmatched);
    assert!(s.awaiting_ack());
    assert_eq!(s.dao_ack(t1, c.sequence, 0, &mut rng), AckResult::Accepted);
    assert_eq!(s.acked(), 1);
    assert!(!s.awaiting_ack());
    assert_eq!(s.dao_ack(t1, c.sequence, 0, &mut rng), AckResult::Unmatched);
    let refresh = s.poll_at().unwrap();
    assert!(
        refresh >= t1 + Duration::from_secs(720) && refresh <= t1 + Duration::from_secs(900),
        "{refresh:?}"
    );
    let r = s.poll(refresh, &mut rng).unwrap();
    assert_eq!((r.sequence, r.path_sequence), (242, 242));
    // A rejection is reported.
    assert_eq!(s.dao_ack(refresh, 242, 130, &mut rng), AckResult::Rejected(130));
    assert!(!s.awaiting_ack());
}

#[test]
fn no_path_to_old_parent_on_switch() {
    let mut rng = Rng::new(5);
    let mut s = sender(DaoConfig::default());
    s.set_parent(secs(0), Some(a(P1_LL)), &mut rng);
    let c = s.poll(secs(10), &mut rng).unwrap();
    assert_eq!(s.dao_ack(secs(10), c.sequence, 0, &mut rng), AckResult::Accepted);
    s.set_parent(secs(20), Some(a(P2_LL)), &mut rng);
    // The DAO to the new parent goes first (after the DAO delay); until
    // then the old path keeps working, so no No-Path yet.
    assert_eq!(s.poll(secs(20), &mut rng), None);
    let at = s.poll_at().unwrap();
    assert!(at >= secs(22) && at <= secs(26));
    let d = s.poll(at, &mut rng).unwrap();
    assert_eq!(d.destination, a(P2_LL));
    assert_eq!((d.sequence, d.path_sequence, d.path_lifetime), (242, 242, 30));
    // Then the No-Path to the old parent, at once.
    assert_eq!(s.poll_at(), Some(Instant::ZERO));
    let np = s.poll(at, &mut rng).unwrap();
    assert_eq!(np.destination, a(P1_LL));
    assert!(np.is_no_path());
    assert!(!np.expect_ack);
    assert_eq!(np.path_sequence, 243);
    assert!(s.awaiting_ack(), "the new parent's DAO-ACK is still awaited");
    // Losing the parent: a No-Path to it, then nothing scheduled.
    s.set_parent(at, None, &mut rng);
    assert_eq!(s.poll(at, &mut rng).unwrap().destination, a(P2_LL));
    assert_eq!(s.poll_at(), None);
}

#[test]
fn dtsn_increment_schedules_dao() {
    let mut rng = Rng::new(9);
    let mut s = sender(DaoConfig { request_ack: false, ..DaoConfig::default() });
    s.set_parent(secs(0), Some(a(P1_LL)), &mut rng);
    let c = s.poll(secs(10), &mut rng).unwrap();
    assert!(!c.expect_ack && !s.awaiting_ack());
    let refresh = s.poll_at().unwrap();
    assert!(refresh >= secs(10 + 720));
    s.dio_from_parent(secs(20), 240, &mut rng); // first DIO: recorded only
    s.dio_from_parent(secs(21), 240, &mut rng); // unchanged
    assert_eq!(s.poll_at(), Some(refresh));
    s.dio_from_parent(secs(22), 241, &mut rng);
    let at = s.poll_at().unwrap();
    assert!(at >= secs(24) && at <= secs(28));
    assert_eq!(s.poll(at, &mut rng).unwrap().sequence, 242);
}

#[test]
fn non_storing_dao_goes_to_root_with_parent() {
    let mut rng = Rng::new(11);
    let mut s = sender(DaoConfig { non_storing: true, ..DaoConfig::default() });
    s.set_parent(secs(0), Some(a(P1_LL)), &mut rng);
    let c = s.poll(secs(10), &mut rng).unwrap();
    assert_eq!(c.destination, a(ROOT));
    assert_eq!(c.parent_address, Some(a(P1_G)));
    assert_eq!(c.transit_information().parent_address, Some(a(P1_G)));
    // Switching parents in non-storing mode sends no No-Path.
    s.set_parent(secs(20), Some(a(P2_LL)), &mut rng);
    let d = s.poll(secs(30), &mut rng).unwrap();
    assert!(!d.is_no_path());
    assert_eq!((d.destination, d.parent_address), (a(ROOT), Some(a(P2_G))));
}

// ------------------------------------------------------ non-storing root

const R: &str = "2001:db8::1";
const NA: &str = "2001:db8::a";
const NB: &str = "2001:db8::b";
const NC: &str = "2001:db8::c";

fn chain() -> SourceRoutes<[SourceRouteEntry; 8]> {
    let mut t = SourceRoutes::new([SourceRouteEntry::EMPTY; 8]);
    let life = Duration::from_secs(600);
    assert_eq!(t.update(secs(0), a(NA), a(R), 240, life), RouteUpdate::Added);
    assert_eq!(t.update(secs(0), a(NB), a(NA), 240, life), RouteUpdate::Added);
    assert_eq!(t.update(secs(0), a(NC), a(NB), 240, life), RouteUpdate::Added);
    t
}

#[test]
fn source_route_chain() {
    let t = chain();
    let mut hops = [Ipv6Addr::UNSPECIFIED; 8];
    assert_eq!(t.route_to(a(R), a(NC), &mut hops), Ok(3));
    assert_eq!(hops[..3], [a(NA), a(NB), a(NC)]);
    assert_eq!(t.route_to(a(R), a(NA), &mut hops), Ok(1));
    assert_eq!(t.route_to(a(R), a("2001:db8::d"), &mut hops), Err(SrhError::NoRoute));
    let mut short = [Ipv6Addr::UNSPECIFIED; 2];
    assert_eq!(t.route_to(a(R), a(NC), &mut short), Err(SrhError::TooLong));
}

#[test]
fn source_route_loop_detected() {
    let mut t = chain();
    // a now claims b as its parent: c → b → a → b.
    assert_eq!(t.update(secs(1), a(NA), a(NB), 241, Duration::from_secs(600)), RouteUpdate::Replaced);
    let mut hops = [Ipv6Addr::UNSPECIFIED; 8];
    assert_eq!(t.route_to(a(R), a(NC), &mut hops), Err(SrhError::Loop));
    // A self-parent is a loop too.
    assert_eq!(t.update(secs(2), a(NC), a(NC), 241, Duration::from_secs(600)), RouteUpdate::Replaced);
    assert_eq!(t.route_to(a(R), a(NC), &mut hops), Err(SrhError::Loop));
}

#[test]
fn source_route_no_path_and_expiry() {
    let mut t = chain();
    assert_eq!(t.update(secs(1), a(NB), a(NA), 240, Duration::from_secs(60)), RouteUpdate::Refreshed);
    assert_eq!(t.poll_at(), Some(secs(61)));
    assert_eq!(t.poll(secs(61)), 1);
    let mut hops = [Ipv6Addr::UNSPECIFIED; 8];
    assert_eq!(t.route_to(a(R), a(NC), &mut hops), Err(SrhError::NoRoute));
    assert_eq!(t.update(secs(62), a(NC), a(NB), 241, Duration::ZERO), RouteUpdate::Removed);
    assert_eq!(t.len(), 1);
    let mut full = SourceRoutes::new([SourceRouteEntry::EMPTY; 1]);
    full.update(secs(0), a(NA), a(R), 240, Duration::from_secs(60));
    assert_eq!(full.update(secs(0), a(NB), a(NA), 240, Duration::from_secs(60)), RouteUpdate::Full);
    assert_eq!(full.refused(), 1);
}

#[test]
fn srh_bytes_parse_back() {
    let t = chain();
    let mut hops = [Ipv6Addr::UNSPECIFIED; 8];
    let n = t.route_to(a(R), a(NC), &mut hops).unwrap();
    let mut buf = [0xeeu8; 64];
    let w = write_srh(&hops[..n], IpProtocol::Icmpv6, &mut buf).unwrap();
    assert_eq!(w.destination, a(NA));
    // CmprI = CmprE = 15: one octet per address, Pad 6.
    assert_eq!(w.len, 16);
    assert_eq!(buf[..16], [58, 1, 3, 2, 0xff, 0x60, 0, 0, 0x0b, 0x0c, 0, 0, 0, 0, 0, 0]);
    let r = RoutingRepr::parse(&buf[..w.len]).unwrap();
    assert_eq!(r.next_header, IpProtocol::Icmpv6);
    assert_eq!(r.segments_left, 2);
    let Routing::SourceRoute(sr) = r.routing else { panic!("not an SRH") };
    let got: Vec<Ipv6Addr> = sr.iter_addresses(w.destination).collect();
    assert_eq!(got, [a(NB), a(NC)]);
    let mut emitted = [0u8; 16];
    r.emit(&mut emitted);
    assert_eq!(emitted, buf[..16]);
}

#[test]
fn srh_mixed_prefixes_and_direct_child() {
    // Hops in different /64s: less compression, still the same hops back.
    let hops = [a("2001:db8:0:1::a"), a("2001:db8:0:2::b"), a("fd00::c")];
    let mut buf = [0u8; 128];
    let w = write_srh(&hops, IpProtocol::Udp, &mut buf).unwrap();
    assert_eq!(w.len % 8, 0);
    let r = RoutingRepr::parse(&buf[..w.len]).unwrap();
    let Routing::SourceRoute(sr) = r.routing else { panic!("not an SRH") };
    let got: Vec<Ipv6Addr> = sr.iter_addresses(w.destination).collect();
    assert_eq!(got, hops[1..]);
    assert_eq!(r.segments_left, 2);
    // A direct child needs no SRH.
    assert_eq!(write_srh(&hops[..1], IpProtocol::Udp, &mut buf).unwrap().len, 0);
    assert_eq!(write_srh(&[], IpProtocol::Udp, &mut buf), Err(SrhError::NoRoute));
    assert_eq!(write_srh(&hops, IpProtocol::Udp, &mut buf[..12]), Err(SrhError::Truncated));
}

proptest::proptest! {
    /// Any chain root ← n1 ← … ← nk gives the hops n1..nk, and the SRH built
    /// from them parses back to n2..nk with n1 as the destination.
    #[test]
    fn chain_route_and_srh_round_trip(ids in proptest::collection::hash_set(proptest::prelude::any::<u128>(), 1..24)) {
        let nodes: Vec<Ipv6Addr> = ids.into_iter().map(|i| Ipv6Addr::from(i | 1)).filter(|x| *x != a(R)).collect();
        let mut t = SourceRoutes::new([SourceRouteEntry::EMPTY; 32]);
        let mut parent = a(R);
        for n in &nodes {
            proptest::prop_assert_eq!(t.update(secs(0), *n, parent, 240, Duration::from_secs(60)), RouteUpdate::Added);
            parent = *n;
        }
        let mut hops = [Ipv6Addr::UNSPECIFIED; 32];
        let k = t.route_to(a(R), *nodes.last().unwrap(), &mut hops).unwrap();
        proptest::prop_assert_eq!(&hops[..k], &nodes[..]);
        let mut buf = [0u8; 8 + 32 * 16];
        let w = write_srh(&hops[..k], IpProtocol::Udp, &mut buf).unwrap();
        proptest::prop_assert_eq!(w.destination, nodes[0]);
        if k > 1 {
            let r = RoutingRepr::parse(&buf[..w.len]).unwrap();
            proptest::prop_assert_eq!(usize::from(r.segments_left), k - 1);
            let Routing::SourceRoute(sr) = r.routing else { panic!("not an SRH") };
            let got: Vec<Ipv6Addr> = sr.iter_addresses(w.destination).collect();
            proptest::prop_assert_eq!(&got[..], &nodes[1..]);
        } else {
            proptest::prop_assert_eq!(w.len, 0);
        }
    }
}
