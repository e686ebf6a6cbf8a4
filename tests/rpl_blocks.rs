//! RPL building blocks together: the Trickle timer over many seeds, OF0
//! and MRHOF rank arithmetic on small topologies, and the parent set fed
//! with ETX from the MAC's link table.

use std::cmp::Ordering;
use std::net::Ipv6Addr;

use sixlo::mac::{LinkStats, LinkTable, Rng};
use sixlo::rpl::mrhof::{self, CONTIKI_MIN_HOP_RANK_INCREASE};
use sixlo::rpl::{
    Candidate, DioInfo, INFINITE_RANK, Mrhof, ObjectiveFunction, Of, Of0, ParentEntry, ParentSet, StepOfRank,
    Trickle, TrickleParams, Update, root_rank,
};
use sixlo::time::{Duration, Instant};
use sixlo::wire::ieee802154::Address;
use sixlo::wire::rpl::options::DodagConfiguration;
use sixlo::wire::rpl::{Dio, ModeOfOperation, Options};

fn ip(n: u8) -> Ipv6Addr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(n))
}

fn ll(n: u8) -> Address {
    Address::Short([0, n])
}

fn dio_from(n: u8, rank: u16) -> DioInfo {
    DioInfo { ip: ip(n), ll: ll(n), rank, version: 1, grounded: true, preference: 0 }
}

// ---------------------------------------------------------------- trickle

/// Every transmission time lies in [I/2, I) of its interval, for many seeds
/// and through doublings and resets.
#[test]
fn trickle_t_in_second_half_over_many_seeds() {
    let params = TrickleParams::SIXLO_DEFAULT;
    for seed in 0..300u64 {
        let mut rng = Rng::new(seed);
        let mut tr = Trickle::new(params);
        tr.start(Instant::from_millis(seed), &mut rng);
        for step in 0..24 {
            let (begin, i, t) = (tr.interval_start(), tr.interval(), tr.transmit_time());
            assert!(t >= begin + Duration::from_micros(i.total_micros() / 2), "seed {seed} step {step}");
            assert!(t < begin + i, "seed {seed} step {step}");
            assert!(i >= params.imin && i <= params.imax());
            assert_eq!(tr.poll_at(), t);
            assert!(tr.poll(t, &mut rng));
            assert_eq!(tr.poll_at(), begin + i);
            tr.poll(begin + i, &mut rng);
            if step == 15 {
                tr.inconsistent(begin + i, &mut rng);
                assert_eq!(tr.interval(), params.imin);
            }
        }
    }
}

/// Imin 4096 ms, 8 doublings: 4096, 8192, ..., 2^20 ms, then stays there.
#[test]
fn trickle_interval_sequence_sixlo_default() {
    let mut rng = Rng::new(9);
    let mut tr = Trickle::new(TrickleParams::SIXLO_DEFAULT);
    tr.start(Instant::ZERO, &mut rng);
    let mut seen = Vec::new();
    for _ in 0..11 {
        seen.push(tr.interval().total_millis());
        let end = tr.interval_start() + tr.interval();
        assert!(tr.poll(tr.poll_at(), &mut rng));
        tr.poll(end, &mut rng);
    }
    let want: Vec<u64> = (12..=20).map(|e| 1u64 << e).chain([1 << 20, 1 << 20]).collect();
    assert_eq!(seen, want);
}

/// k DIOs heard in an interval suppress ours; fewer do not.
#[test]
fn trickle_suppression_and_reset() {
    let mut rng = Rng::new(1);
    let mut tr = Trickle::new(TrickleParams::RFC6550_DEFAULT);
    tr.start(Instant::ZERO, &mut rng);
    for _ in 0..9 {
        tr.consistent();
    }
    assert!(tr.poll(tr.poll_at(), &mut rng), "9 < k = 10");
    tr.poll(tr.poll_at(), &mut rng);
    assert_eq!(tr.interval(), Duration::from_millis(16));
    for _ in 0..10 {
        tr.consistent();
    }
    assert!(!tr.poll(tr.poll_at(), &mut rng), "10 = k: suppressed");
    let now = tr.poll_at();
    tr.poll(now, &mut rng);
    assert_eq!(tr.interval(), Duration::from_millis(32));
    tr.inconsistent(now, &mut rng);
    assert_eq!(tr.interval(), Duration::from_millis(8));
    assert_eq!(tr.interval_start(), now);
}

/// Same seed, same schedule; another seed, another schedule.
#[test]
fn trickle_deterministic_with_seed() {
    let schedule = |seed| {
        let mut rng = Rng::new(seed);
        let mut tr = Trickle::new(TrickleParams::SIXLO_DEFAULT);
        tr.start(Instant::ZERO, &mut rng);
        (0..20)
            .map(|_| {
                let at = tr.poll_at();
                tr.poll(at, &mut rng);
                at.total_micros()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(schedule(42), schedule(42));
    assert_ne!(schedule(42), schedule(43));
}

/// Trickle parameters from a DODAG Configuration option as Contiki-NG
/// sends it (DIOIntervalMin 12, doublings 8, k 10).
#[test]
fn trickle_params_from_dodag_configuration() {
    let conf = DodagConfiguration {
        flags: 0,
        authentication_enabled: false,
        path_control_size: 0,
        dio_interval_doublings: 8,
        dio_interval_min: 12,
        dio_redundancy_constant: 10,
        max_rank_increase: 7 * 128,
        minimum_hop_rank_increase: 128,
        objective_code_point: 1,
        reserved: 0,
        default_lifetime: 30,
        lifetime_unit: 60,
    };
    assert_eq!(TrickleParams::from_dodag_config(&conf), TrickleParams::SIXLO_DEFAULT);
    let of = Of::from_ocp(conf.objective_code_point, conf.minimum_hop_rank_increase).unwrap();
    assert_eq!(of, Of::Mrhof(Mrhof { min_hop_rank_increase: 128, ..Mrhof::default() }));
}

// ------------------------------------------------------- objective functions

/// OF0 with the RFC defaults along a 4-hop chain: 256, 1024, 1792, 2560.
#[test]
fn of0_chain_ranks() {
    let of = Of0::default();
    let mut rank = root_rank(of.min_hop_rank_increase());
    let mut ranks = vec![rank];
    for _ in 0..3 {
        rank = of.rank(rank, Some(128));
        ranks.push(rank);
    }
    assert_eq!(ranks, [256, 1024, 1792, 2560]);
    // ETX-derived step (RFC 8180): ETX 1.0, 2.0, 3.0 give steps 1, 4, 7.
    let of = Of0 { step: StepOfRank::FromEtx, ..Of0::default() };
    assert_eq!(of.rank(256, Some(128)), 512);
    assert_eq!(of.rank(256, Some(256)), 1280);
    assert_eq!(of.rank(256, Some(384)), 2048);
}

/// MRHOF ranks from a root at 128 and at 256 over ETX 1.0, 2.0 and 4.0
/// links; ETX above 4.0 excludes the link.
#[test]
fn mrhof_rank_examples() {
    let contiki = Mrhof { min_hop_rank_increase: CONTIKI_MIN_HOP_RANK_INCREASE, ..Mrhof::default() };
    let root = root_rank(contiki.min_hop_rank_increase);
    assert_eq!(root, 128);
    let ranks: Vec<u16> = [128, 256, 512].iter().map(|&e| contiki.rank(root, Some(e))).collect();
    assert_eq!(ranks, [256, 384, 640]);

    assert_eq!(Mrhof::default(), contiki);
    let rfc = Mrhof { min_hop_rank_increase: sixlo::rpl::DEFAULT_MIN_HOP_RANK_INCREASE, ..Mrhof::default() };
    let root = root_rank(rfc.min_hop_rank_increase);
    assert_eq!(root, 256);
    let ranks: Vec<u16> = [128, 256, 512].iter().map(|&e| rfc.rank(root, Some(e))).collect();
    assert_eq!(ranks, [512, 512, 768]);

    let c = |etx| Candidate {
        rank: 256,
        link_etx: Some(etx),
        grounded: true,
        preference: 0,
        last_dio: Instant::ZERO,
        is_preferred: false,
    };
    assert!(rfc.acceptable(&c(mrhof::MAX_LINK_METRIC)));
    assert!(!rfc.acceptable(&c(mrhof::MAX_LINK_METRIC + 1)));
    assert_eq!(rfc.better_parent(&c(600), &Candidate { rank: 30000, ..c(128) }), Ordering::Greater);
    assert_eq!(rfc.rank(INFINITE_RANK, Some(128)), INFINITE_RANK);
}

// ----------------------------------------------------------- parent set

/// A DIO repr feeds the parent table.
#[test]
fn dio_info_from_wire_dio() {
    let dio = Dio {
        rpl_instance_id: 30,
        version_number: 240,
        rank: 384,
        grounded: true,
        zero_bit: false,
        mode_of_operation: ModeOfOperation::StoringWithoutMulticast,
        dodag_preference: 3,
        dtsn: 1,
        flags: 0,
        reserved: 0,
        dodag_id: Ipv6Addr::new(0xfd00, 0, 0, 0, 0x212, 0x7401, 1, 0x101),
        options: Options::Bytes(&[]),
    };
    let info = DioInfo::from_dio(ip(7), ll(7), &dio);
    assert_eq!(
        info,
        DioInfo { ip: ip(7), ll: ll(7), rank: 384, version: 240, grounded: true, preference: 3 }
    );
}

/// MRHOF through the parent set with ETX learnt by the MAC's link table:
/// the preferred parent is kept while a rival is better by less than
/// PARENT_SWITCH_THRESHOLD and dropped once the gap reaches it.
#[test]
fn mrhof_hysteresis_with_mac_etx() {
    let of = Mrhof { min_hop_rank_increase: 128, ..Mrhof::default() };
    let mut links = LinkTable::new([LinkStats::EMPTY; 4]);
    let mut ps = ParentSet::new([ParentEntry::EMPTY; 4], 7 * 128);
    ps.set_version(1);
    let t = Instant::from_secs(1);
    // Parent A: rank 384 over a perfect link (cost 512). B: rank 384 over
    // an ETX 2.0 link (cost 640).
    links.on_tx(ll(1), 1, true, t, 38, 16);
    links.on_tx(ll(2), 2, true, t, 38, 16);
    assert_eq!(ps.update(&of, dio_from(1, 384), links.etx(ll(1)), t), Update::Added);
    assert_eq!(ps.update(&of, dio_from(2, 384), links.etx(ll(2)), t), Update::Added);
    assert_eq!(ps.select_preferred(&of).unwrap().info.ip, ip(1));
    assert_eq!(ps.rank(&of), 512);

    // A's link degrades to ETX 3.0 (cost 768): B is better by 128 < 192.
    let mut links = LinkTable::new([LinkStats::EMPTY; 4]);
    links.on_tx(ll(1), 3, true, t, 38, 16);
    links.on_tx(ll(2), 2, true, t, 38, 16);
    ps.update_link_metrics(|a| links.etx(a));
    assert_eq!(ps.select_preferred(&of).unwrap().info.ip, ip(1), "within hysteresis");
    assert_eq!(ps.rank(&of), 768);

    // A's link at ETX 3.5 (448, cost 832): B better by exactly 192: switch.
    ps.update_link_metrics(|a| if a == ll(1) { Some(448) } else { links.etx(a) });
    assert_eq!(ps.select_preferred(&of).unwrap().info.ip, ip(2));
    assert_eq!(ps.rank(&of), 640);
    assert_eq!(ps.lowest_rank(), Some(512));
}

/// OF0 through the parent set: grounded first, lowest rank next, and a
/// poisoning (infinite rank) DIO from the parent moves the node away.
#[test]
fn of0_parent_choice() {
    let of = Of0::default();
    let mut ps = ParentSet::new([ParentEntry::EMPTY; 3], 7 * 256);
    let t = Instant::ZERO;
    ps.update(&of, DioInfo { grounded: false, ..dio_from(1, 256) }, None, t);
    ps.update(&of, dio_from(2, 1024), None, t);
    ps.update(&of, dio_from(3, 1792), None, t);
    assert_eq!(ps.select_preferred(&of).unwrap().info.ip, ip(2));
    assert_eq!(ps.rank(&of), 1792);
    // The parent poisons its route (RFC 6550 §8.2.2.5).
    ps.update(&of, dio_from(2, INFINITE_RANK), None, t);
    // 3 would give 2560 ≤ L + 1792 = 3584; 1 is floating but acceptable.
    assert_eq!(ps.select_preferred(&of).unwrap().info.ip, ip(3));
    assert_eq!(ps.rank(&of), 2560);
    ps.remove(&ip(3));
    assert_eq!(ps.select_preferred(&of).unwrap().info.ip, ip(1));
    assert_eq!(ps.rank(&of), 1024);
}
