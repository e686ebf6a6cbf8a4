//! `rpl::dag::Dag` in virtual time: a root and routers wired by emitting
//! each DIO from `Dag::dio` to bytes, parsing them back and handing the
//! parsed DIO to the neighbours' `on_dio`; DIS and unicast DIO replies are
//! delivered the same way.

use std::net::Ipv6Addr;

use sixlo::mac::Rng;
use sixlo::rpl::dag::{
    DIS_INITIAL_INTERVAL, DIS_MAX_INTERVAL, DIS_START_DELAY, Dag, DagAction, DioOutcome, LOLLIPOP_INIT,
    POISON_IMINS, RootConfig, lollipop_increment, lollipop_newer,
};
use sixlo::rpl::{INFINITE_RANK, Mrhof, Of, Of0, ParentEntry, ParentSet};
use sixlo::time::{Duration, Instant};
use sixlo::wire::ieee802154::Address;
use sixlo::wire::rpl::{Repr, code};

type Node = Dag<[ParentEntry; 4]>;

fn ip(i: usize) -> Ipv6Addr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, i as u16 + 1)
}

fn ll(i: usize) -> Address {
    Address::Short([0, i as u8 + 1])
}

fn idx(a: Ipv6Addr) -> usize {
    usize::from(a.segments()[7]) - 1
}

fn dodag_id() -> Ipv6Addr {
    Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1)
}

fn set() -> ParentSet<[ParentEntry; 4]> {
    ParentSet::new([ParentEntry::EMPTY; 4], 0)
}

/// What happened, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ev {
    Dio { from: usize, to: Option<usize>, rank: u16, version: u8 },
    Dis { from: usize, to: Option<usize> },
    Outcome { node: usize, out: DioOutcome },
}

struct Net {
    now: Instant,
    nodes: Vec<Node>,
    rngs: Vec<Rng>,
    /// Symmetric links with their ETX × 128.
    links: Vec<(usize, usize, Option<u16>)>,
    /// Nodes whose multicast DIOs lack the DODAG Configuration option
    /// (RIOT's habit); unicast replies always carry it.
    strip_config: Vec<bool>,
    log: Vec<(Instant, Ev)>,
}

impl Net {
    fn new(nodes: Vec<Node>, links: Vec<(usize, usize, Option<u16>)>) -> Self {
        let n = nodes.len();
        Net {
            now: Instant::ZERO,
            rngs: (0..n).map(|i| Rng::new(0x5eed + i as u64)).collect(),
            nodes,
            links,
            strip_config: vec![false; n],
            log: Vec::new(),
        }
    }

    fn neighbours(&self, i: usize) -> Vec<(usize, Option<u16>)> {
        self.links
            .iter()
            .filter_map(|&(a, b, e)| {
                if a == i {
                    Some((b, e))
                } else if b == i {
                    Some((a, e))
                } else {
                    None
                }
            })
            .collect()
    }

    fn send_dio(&mut self, from: usize, to: Option<usize>) {
        let Some(mut content) = self.nodes[from].dio() else { return };
        if to.is_none() && self.strip_config[from] {
            content.config = None;
        }
        let opts = content.options();
        let repr = Repr::Dio(content.to_repr(&opts));
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit(&mut buf);
        let Ok(Repr::Dio(dio)) = Repr::parse(code::DIO, &buf) else { panic!("DIO round trip") };
        self.log.push((self.now, Ev::Dio { from, to, rank: dio.rank, version: dio.version_number }));
        for (n, etx) in self.neighbours(from) {
            if to.is_some_and(|t| t != n) {
                continue;
            }
            let now = self.now;
            let out = self.nodes[n].on_dio(now, ip(from), ll(from), &dio, etx, &mut self.rngs[n]);
            self.log.push((now, Ev::Outcome { node: n, out }));
            if let DioOutcome::NeedConfig { to } = out {
                self.send_dis(n, Some(idx(to)));
            }
        }
    }

    fn send_dis(&mut self, from: usize, to: Option<usize>) {
        self.log.push((self.now, Ev::Dis { from, to }));
        for (n, _) in self.neighbours(from) {
            if to.is_some_and(|t| t != n) {
                continue;
            }
            let now = self.now;
            if let Some(DagAction::ReplyDio { to: t }) =
                self.nodes[n].on_dis(now, ip(from), to.is_some(), &mut self.rngs[n])
            {
                self.send_dio(n, Some(idx(t)));
            }
        }
    }

    fn handle(&mut self, i: usize, a: DagAction) {
        match a {
            DagAction::MulticastDio => self.send_dio(i, None),
            DagAction::MulticastDis => self.send_dis(i, None),
            DagAction::ReplyDio { to } => self.send_dio(i, Some(idx(to))),
        }
    }

    /// Runs every due poll until `end`.
    fn run_until(&mut self, end: Instant) {
        loop {
            let next = self.nodes.iter().map(|n| n.poll_at()).min().unwrap();
            if next > end {
                self.now = end;
                return;
            }
            self.now = self.now.max(next);
            for i in 0..self.nodes.len() {
                if self.nodes[i].poll_at() <= self.now {
                    let now = self.now;
                    if let Some(a) = self.nodes[i].poll(now, &mut self.rngs[i]) {
                        self.handle(i, a);
                    }
                }
            }
        }
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        self.run_until(end);
    }

    fn outcomes(&self, node: usize) -> Vec<DioOutcome> {
        self.log
            .iter()
            .filter_map(|(_, e)| match e {
                Ev::Outcome { node: n, out }
                    if *n == node && !matches!(out, DioOutcome::NoChange | DioOutcome::Ignored) =>
                {
                    Some(*out)
                }
                _ => None,
            })
            .collect()
    }
}

fn of0_root() -> Node {
    Dag::root(RootConfig::new(30, dodag_id(), Of::Of0(Of0::default())), set())
}

/// root 0 — router 1 — router 2, no link statistics.
fn of0_chain() -> Net {
    Net::new(vec![of0_root(), Dag::router(set()), Dag::router(set())], vec![(0, 1, None), (1, 2, None)])
}

#[test]
fn routers_join_with_of0_ranks() {
    let mut net = of0_chain();
    net.run_for(Duration::from_secs(60));
    // OF0 (RFC 6552 §4.1): ROOT_RANK 256, each hop (1 × 3 + 0) × 256.
    assert_eq!(net.nodes[0].rank(), 256);
    assert_eq!(net.nodes[1].rank(), 256 + 768);
    assert_eq!(net.nodes[2].rank(), 256 + 2 * 768);
    assert_eq!(net.nodes[1].preferred_parent().unwrap().info.ip, ip(0));
    assert_eq!(net.nodes[2].preferred_parent().unwrap().info.ip, ip(1));
    assert!(net.nodes.iter().all(|n| n.joined()));
    assert!(net.nodes.iter().all(|n| n.version() == Some(LOLLIPOP_INIT)));
    assert_eq!(net.outcomes(1), vec![DioOutcome::Joined]);
    assert_eq!(net.outcomes(2), vec![DioOutcome::Joined]);
    let d = net.nodes[2].dio().unwrap();
    assert_eq!((d.instance_id, d.dodag_id, d.rank, d.dtsn), (30, dodag_id(), 1792, LOLLIPOP_INIT));
    assert_eq!(d.config.unwrap().objective_code_point, 0);
}

#[test]
fn routers_join_with_mrhof_ranks() {
    let of = Of::Mrhof(Mrhof { min_hop_rank_increase: 128, ..Mrhof::default() });
    let root = Dag::root(RootConfig::new(1, dodag_id(), of), set());
    let mut net = Net::new(
        vec![root, Dag::router(set()), Dag::router(set())],
        vec![(0, 1, Some(256)), (1, 2, Some(192))],
    );
    net.run_for(Duration::from_secs(60));
    // RFC 6719: rank = parent rank + ETX × 128; ROOT_RANK 128.
    assert_eq!(net.nodes[0].rank(), 128);
    assert_eq!(net.nodes[1].rank(), 128 + 256);
    assert_eq!(net.nodes[2].rank(), 128 + 256 + 192);
    assert_eq!(net.nodes[2].dio().unwrap().config.unwrap().minimum_hop_rank_increase, 128);
}

#[test]
fn global_repair_resets_trickle_and_children_follow() {
    let mut net = of0_chain();
    net.run_for(Duration::from_secs(300));
    let imin = net.nodes[1].trickle().params().imin;
    assert!(net.nodes[1].trickle().interval() > imin, "router 1 trickle has doubled");
    assert!(!net.nodes[1].global_repair(net.now, &mut Rng::new(1)), "only a root repairs globally");
    let now = net.now;
    assert!(net.nodes[0].global_repair(now, &mut net.rngs[0]));
    assert_eq!(net.nodes[0].version(), Some(LOLLIPOP_INIT + 1));
    assert_eq!(net.nodes[0].trickle().interval(), imin);
    // Run until router 1 has heard the new version.
    let mark = net.log.len();
    while net.nodes[1].version() != Some(LOLLIPOP_INIT + 1) {
        let t = net.nodes.iter().map(|n| n.poll_at()).min().unwrap();
        net.run_until(t);
        assert!(net.now < now + Duration::from_secs(30));
    }
    // RFC 6550 §8.3: joining a new version resets Trickle to Imin.
    assert_eq!(net.nodes[1].trickle().interval(), imin);
    assert!(net.log[mark..].iter().any(|(_, e)| *e == Ev::Outcome { node: 1, out: DioOutcome::Joined }));
    net.run_for(Duration::from_secs(60));
    assert_eq!(net.nodes[2].version(), Some(LOLLIPOP_INIT + 1));
    assert_eq!(net.outcomes(2), vec![DioOutcome::Joined, DioOutcome::Joined]);
    assert_eq!((net.nodes[1].rank(), net.nodes[2].rank()), (1024, 1792));
    assert_eq!(net.nodes[2].dio().unwrap().version, 241);
}

#[test]
fn need_config_then_unicast_dis_then_join() {
    let mut net = of0_chain();
    net.strip_config[0] = true;
    net.run_for(Duration::from_secs(60));
    let out1 = net.outcomes(1);
    assert_eq!(out1[0], DioOutcome::NeedConfig { to: ip(0) });
    assert_eq!(out1[1], DioOutcome::Joined);
    // The unicast DIS went to the root, which answered with a unicast DIO.
    let dis = net.log.iter().position(|(_, e)| *e == Ev::Dis { from: 1, to: Some(0) }).unwrap();
    assert!(matches!(net.log[dis + 1].1, Ev::Dio { from: 0, to: Some(1), rank: 256, .. }));
    assert_eq!(net.nodes[1].rank(), 1024);
    assert_eq!(net.nodes[2].rank(), 1792);
}

#[test]
fn dis_answers() {
    let mut rng = Rng::new(3);
    let mut root = of0_root();
    assert_eq!(root.poll_at(), Instant::ZERO);
    assert_eq!(root.poll(Instant::ZERO, &mut rng), None);
    // Let the Trickle interval grow.
    let mut now = Instant::ZERO;
    while now < Instant::from_secs(100) {
        now = root.poll_at();
        root.poll(now, &mut rng);
    }
    let before = root.trickle().interval();
    assert!(before > root.trickle().params().imin);
    // RFC 6550 §8.3: a unicast DIS is answered, without a Trickle reset.
    assert_eq!(root.on_dis(now, ip(9), true, &mut rng), Some(DagAction::ReplyDio { to: ip(9) }));
    assert_eq!(root.trickle().interval(), before);
    assert!(root.dio().unwrap().config.is_some());
    // A multicast DIS resets Trickle.
    assert_eq!(root.on_dis(now, ip(9), false, &mut rng), None);
    assert_eq!(root.trickle().interval(), root.trickle().params().imin);
    // An unjoined router has nothing to say.
    let mut r: Node = Dag::router(set());
    assert_eq!(r.on_dis(now, ip(9), true, &mut rng), None);
}

#[test]
fn leaf_joins_but_stays_silent() {
    let mut net = Net::new(vec![of0_root(), Dag::leaf(set())], vec![(0, 1, None)]);
    net.run_for(Duration::from_secs(120));
    assert!(net.nodes[1].joined());
    assert_eq!(net.nodes[1].rank(), 1024);
    assert!(!net.log.iter().any(|(_, e)| matches!(e, Ev::Dio { from: 1, .. })));
    let now = net.now;
    assert_eq!(net.nodes[1].on_dis(now, ip(0), true, &mut Rng::new(1)), None);
}

#[test]
fn local_repair_poisons_and_rejoins() {
    let mut net = of0_chain();
    net.run_for(Duration::from_secs(60));
    assert_eq!(net.nodes[2].rank(), 1792);
    let t0 = net.now;
    net.nodes[1].local_repair(t0, &mut net.rngs[1]);
    assert!(net.nodes[1].poisoning());
    assert!(!net.nodes[1].joined());
    assert_eq!(net.nodes[1].rank(), INFINITE_RANK);
    assert_eq!(net.nodes[1].dio().unwrap().rank, INFINITE_RANK);
    let imin = net.nodes[1].trickle().params().imin.total_micros();
    let poison_end = t0 + Duration::from_micros(imin * POISON_IMINS);
    net.run_until(poison_end - Duration::from_micros(1));
    // RFC 6550 §8.2.2.5: router 1 advertised INFINITE_RANK, router 2 let
    // it go and detached (it had no other parent).
    assert!(
        net.log.iter().any(|(t, e)| *t >= t0 && matches!(e, Ev::Dio { from: 1, rank: INFINITE_RANK, .. }))
    );
    assert_eq!(net.outcomes(2), vec![DioOutcome::Joined, DioOutcome::Detached]);
    // Router 1 heard the root meanwhile but took no parent while poisoning.
    assert!(!net.nodes[1].joined());
    net.run_for(Duration::from_secs(120));
    assert_eq!(net.nodes[1].rank(), 1024);
    assert_eq!(net.nodes[2].rank(), 1792);
    assert!(!net.nodes[1].poisoning() && !net.nodes[2].poisoning());
    assert_eq!(*net.outcomes(1).last().unwrap(), DioOutcome::Joined);
    assert_eq!(*net.outcomes(2).last().unwrap(), DioOutcome::Joined);
}

#[test]
fn dis_backoff_doubles_to_a_cap() {
    let mut net = Net::new(vec![Dag::router(set())], vec![]);
    net.run_for(Duration::from_secs(400));
    let times: Vec<u64> = net
        .log
        .iter()
        .filter(|(_, e)| matches!(e, Ev::Dis { from: 0, to: None }))
        .map(|(t, _)| t.total_micros())
        .collect();
    assert!(times[0] < DIS_START_DELAY.total_micros());
    let gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]) / 1_000_000).collect();
    assert_eq!(DIS_INITIAL_INTERVAL.total_secs(), 4);
    assert_eq!(DIS_MAX_INTERVAL.total_secs(), 64);
    assert_eq!(&gaps[..6], &[4, 8, 16, 32, 64, 64]);
}

#[test]
fn dtsn_increment_asks_for_daos_down_the_dodag() {
    let mut net = of0_chain();
    net.run_for(Duration::from_secs(60));
    let now = net.now;
    net.nodes[0].increment_dtsn(now, &mut net.rngs[0]);
    assert_eq!(net.nodes[0].dtsn(), LOLLIPOP_INIT + 1);
    net.run_for(Duration::from_secs(60));
    assert!(net.outcomes(1).contains(&DioOutcome::DaoNeeded));
    // Storing mode passes the increment down (RFC 6550 §9.6), but the
    // caller does it, paced (`rpl::instance::DTSN_HOLDOFF`): the DAG alone
    // leaves its own DTSN, so node 2 is not asked.
    assert_eq!(net.nodes[1].dtsn(), LOLLIPOP_INIT);
    assert!(!net.outcomes(2).contains(&DioOutcome::DaoNeeded));
    assert!(DioOutcome::DaoNeeded.needs_dao() && !DioOutcome::NoChange.needs_dao());
}

#[test]
fn lollipop_arithmetic() {
    // RFC 6550 §7.2.
    assert!(lollipop_newer(241, 240));
    assert!(lollipop_newer(0, 255));
    assert!(lollipop_newer(3, 127));
    assert!(!lollipop_newer(127, 3));
    assert!(!lollipop_newer(100, 10)); // desynchronised
    assert!(lollipop_newer(250, 100)); // 256 + 100 − 250 > 16
    assert!(!lollipop_newer(100, 250));
    assert_eq!(lollipop_increment(255), 0);
    assert_eq!(lollipop_increment(127), 0);
    assert_eq!(lollipop_increment(LOLLIPOP_INIT), 241);
}

#[test]
fn stale_version_dio_is_ignored_and_resets_trickle() {
    let mut net = of0_chain();
    net.run_for(Duration::from_secs(300));
    let imin = net.nodes[1].trickle().params().imin;
    let mut old = net.nodes[0].dio().unwrap();
    old.version = LOLLIPOP_INIT - 1;
    old.rank = 256;
    let opts = old.options();
    let dio = old.to_repr(&opts);
    let now = net.now;
    let out = net.nodes[1].on_dio(now, ip(7), ll(7), &dio, None, &mut net.rngs[1]);
    assert_eq!(out, DioOutcome::Ignored);
    assert_eq!(net.nodes[1].trickle().interval(), imin);
    assert_eq!(net.nodes[1].preferred_parent().unwrap().info.ip, ip(0));
}

#[test]
fn second_parent_takes_over_after_poison_and_unreachable() {
    // Router 2 hears routers 1 and 3, both children of the root.
    let mut net = Net::new(
        vec![of0_root(), Dag::router(set()), Dag::router(set()), Dag::router(set())],
        vec![(0, 1, None), (0, 3, None), (1, 2, None), (3, 2, None)],
    );
    net.run_for(Duration::from_secs(120));
    assert_eq!(net.nodes[2].rank(), 1792);
    assert_eq!(net.nodes[2].parents().len(), 2);
    let first = net.nodes[2].preferred_parent().unwrap().info.ip;
    let (other, first_i) = if first == ip(1) { (ip(3), 1) } else { (ip(1), 3) };
    // Poisoning by the preferred parent: router 2 switches, no detach.
    let mut poison = net.nodes[first_i].dio().unwrap();
    poison.rank = INFINITE_RANK;
    let opts = poison.options();
    let now = net.now;
    let out = net.nodes[2].on_dio(now, first, ll(first_i), &poison.to_repr(&opts), None, &mut net.rngs[2]);
    assert_eq!(out, DioOutcome::ParentChanged);
    assert_eq!(net.nodes[2].preferred_parent().unwrap().info.ip, other);
    assert_eq!(net.nodes[2].rank(), 1792);
    // The last parent unreachable: detach and poison.
    assert_eq!(net.nodes[2].parent_unreachable(now, ip(9), &mut net.rngs[2]), DioOutcome::Ignored);
    assert_eq!(net.nodes[2].parent_unreachable(now, other, &mut net.rngs[2]), DioOutcome::Detached);
    assert!(net.nodes[2].poisoning());
    assert_eq!(net.nodes[2].rank(), INFINITE_RANK);
}

#[test]
fn foreign_dodag_unknown_of_and_newer_root_version() {
    let mut net = of0_chain();
    net.run_for(Duration::from_secs(60));
    let now = net.now;
    // Another DODAG of the same instance while joined: ignored.
    let mut other = net.nodes[0].dio().unwrap();
    other.dodag_id = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
    other.rank = 256;
    let opts = other.options();
    let out = net.nodes[2].on_dio(now, ip(0), ll(0), &other.to_repr(&opts), None, &mut net.rngs[2]);
    assert_eq!(out, DioOutcome::Ignored);
    assert_eq!(net.nodes[2].dodag_id(), Some((30, dodag_id())));
    // An OCP sixlo lacks: no join (RFC 6550 §18.6).
    let mut fresh: Node = Dag::router(set());
    let mut unknown = other;
    unknown.config.as_mut().unwrap().objective_code_point = 7;
    let opts = unknown.options();
    let out = fresh.on_dio(now, ip(0), ll(0), &unknown.to_repr(&opts), None, &mut Rng::new(2));
    assert_eq!(out, DioOutcome::Ignored);
    assert!(!fresh.joined());
    // A poisoned DIO is no invitation either.
    let mut inf = other;
    inf.rank = INFINITE_RANK;
    let opts = inf.options();
    assert_eq!(
        fresh.on_dio(now, ip(0), ll(0), &inf.to_repr(&opts), None, &mut Rng::new(2)),
        DioOutcome::Ignored
    );
    // A root that hears a newer version of its DODAG moves past it.
    let mut newer = net.nodes[1].dio().unwrap();
    newer.version = 250;
    let opts = newer.options();
    net.nodes[0].on_dio(now, ip(1), ll(1), &newer.to_repr(&opts), None, &mut net.rngs[0]);
    assert_eq!(net.nodes[0].version(), Some(251));
}

mod fuzzish {
    use super::*;
    use proptest::collection::vec as pvec;
    use proptest::option::of as popt;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest};

    proptest! {
        /// Any sequence of DIOs, DIS, repairs and polls keeps a router's
        /// rank consistent with its preferred parent.
        #[test]
        fn router_invariants(events in pvec(
            (0u8..7, 0usize..3, 0u8..4, 0usize..4, any::<u8>(), any::<bool>(), popt(100u16..700), 0u64..20_000),
            1..80,
        )) {
            let mut rng = Rng::new(9);
            let mut node: Node = Dag::router(set());
            let template = of0_root().dio().unwrap();
            let mut now = Instant::ZERO;
            for (kind, from, rank_class, version_i, dtsn, with_config, etx, dt) in events {
                now += Duration::from_millis(dt);
                match kind {
                    0..=3 => {
                        let mut c = template;
                        c.rank = [256, 1024, 1792, INFINITE_RANK][usize::from(rank_class)];
                        c.version = [240, 241, 5, 239][version_i];
                        c.dtsn = dtsn;
                        if !with_config {
                            c.config = None;
                        }
                        let opts = c.options();
                        let dio = c.to_repr(&opts);
                        let out = node.on_dio(now, ip(from + 1), ll(from + 1), &dio, etx, &mut rng);
                        if let DioOutcome::NeedConfig { to } = out {
                            prop_assert_eq!(to, ip(from + 1));
                        }
                    }
                    4 => {
                        node.on_dis(now, ip(from + 1), with_config, &mut rng);
                    }
                    5 => node.local_repair(now, &mut rng),
                    _ => {
                        let at = node.poll_at();
                        now = now.max(at);
                        node.poll(now, &mut rng);
                    }
                }
                match node.preferred_parent() {
                    Some(p) => {
                        prop_assert!(node.joined());
                        prop_assert!(node.rank() > p.info.rank && node.rank() != INFINITE_RANK);
                        prop_assert_eq!(Some(p.info.version), node.version());
                        prop_assert!(!node.poisoning());
                    }
                    None => {
                        prop_assert!(!node.joined());
                        prop_assert_eq!(node.rank(), INFINITE_RANK);
                    }
                }
            }
        }
    }
}
