//! RPL running inside `Node`s over the in-memory medium: a line topology
//! (each node hears only its neighbours), storing and non-storing mode,
//! OF0 and MRHOF: joining, address autoconfiguration from the PIO, DAO
//! routes, end-to-end ping both ways, parent loss.

mod node;

use std::net::Ipv6Addr;

use node::{Medium, PAN, global, link_local};
use sixlo::node::{NodeConfig, NodeEvent, RouterSettings};
use sixlo::rpl::dag::{Role, RootConfig};
use sixlo::rpl::{INFINITE_RANK, Mrhof, Of, Of0, RplConfig};
use sixlo::time::{Duration, Instant};
use sixlo::wire::rpl::ModeOfOperation;
use sixlo::wire::rpl::options::PrefixInformation;

fn eui(i: usize) -> [u8; 8] {
    [0x02, 0x12, 0x74, 0x00, 0x00, 0x00, 0x00, i as u8 + 1]
}

fn prefix() -> Ipv6Addr {
    "fd00::".parse().unwrap()
}

fn settings(announce: bool) -> RouterSettings {
    let mut rs = RouterSettings::default();
    if announce {
        rs.prefixes.push((prefix(), 64)).unwrap();
    }
    rs.contexts.push((0, prefix(), 64)).unwrap();
    rs
}

fn root_config(mop: ModeOfOperation, of: Of) -> RootConfig {
    let mut rc = RootConfig::new(0x1e, global(eui(0)), of);
    rc.mop = mop;
    rc.prefix = Some(PrefixInformation::autoconf(prefix(), 64));
    // Faster Trickle for tests: Imin 2^8 ms.
    rc.dio_interval_min = 8;
    rc
}

/// Node 0 the root, 1..n-1 routers, the last a leaf when `leaf`; node i
/// hears only i-1 and i+1.
fn line(n: usize, mop: ModeOfOperation, of: Of, leaf: bool) -> Medium {
    let mut configs = Vec::new();
    for i in 0..n {
        let mut c = NodeConfig::router(eui(i), PAN, settings(i == 0));
        c.seed = 1000 + i as u64;
        c.rpl = Some(match i {
            0 => RplConfig::root(root_config(mop, of)),
            _ if leaf && i == n - 1 => RplConfig::leaf(),
            _ => RplConfig::router(),
        });
        configs.push(c);
    }
    let mut m = Medium::new(configs);
    m.lose = Box::new(|from, to, _| from.abs_diff(to) != 1);
    m
}

fn all_joined(m: &Medium) -> bool {
    m.nodes.iter().all(|n| n.rpl().is_some_and(|r| r.joined()))
        && (1..m.nodes.len()).all(|i| m.nodes[i].global_addresses().any(|a| a == global(eui(i))))
}

fn ping_ok(m: &mut Medium, from: usize, to: Ipv6Addr, seq: u16) -> bool {
    while m.nodes[from].poll_event().is_some() {}
    let limit = m.now + Duration::from_secs(20);
    // One echo request every 2 s (routes may still be settling).
    let mut next = m.now;
    m.run_until_true(limit, |m| {
        if m.now >= next && m.nodes[from].ping(to, 7, seq, b"rpl").is_ok() {
            next = m.now + Duration::from_secs(2);
        }
        let mut got = false;
        while let Some(e) = m.nodes[from].poll_event() {
            if let NodeEvent::EchoReply { seq: s, from: f, .. } = e {
                got |= s == seq && f == to;
            }
        }
        got
    })
}

fn check_line(mop: ModeOfOperation, of: Of) {
    let n = 5;
    let mut m = line(n, mop, of, true);
    let ok = m.run_until_true(Instant::from_secs(60), |m| all_joined(m));
    assert!(ok, "not all joined by {:?}", m.now);
    // Ranks grow along the line; each node's parent is its left neighbour.
    for i in 1..n {
        let r = m.nodes[i].rpl().unwrap();
        assert_eq!(r.preferred_parent(), Some(link_local(eui(i - 1))), "node {i}");
        assert!(r.rank() > m.nodes[i - 1].rpl().unwrap().rank());
        assert_ne!(r.rank(), INFINITE_RANK);
    }
    assert_eq!(m.nodes[0].rpl().unwrap().role(), Role::Root);
    assert_eq!(m.nodes[n - 1].rpl().unwrap().role(), Role::Leaf);
    // Downward routes reach the root.
    let ok = m.run_until_true(m.now + Duration::from_secs(60), |m| {
        let root = m.nodes[0].rpl().unwrap();
        (1..n).all(|i| root.routes().any(|r| r.prefix == global(eui(i))))
    });
    assert!(ok, "root routes: {:?}", m.nodes[0].rpl().unwrap().routes().collect::<Vec<_>>());
    // Up and down, end to end.
    assert!(ping_ok(&mut m, n - 1, global(eui(0)), 1), "leaf -> root");
    assert!(ping_ok(&mut m, 0, global(eui(n - 1)), 2), "root -> leaf");
    assert!(ping_ok(&mut m, 0, global(eui(2)), 3), "root -> middle");
    // Node to node: up to the common ancestor (storing) or the root, which
    // tunnels it down with a source route (non-storing, RFC 9008 §8).
    assert!(ping_ok(&mut m, 2, global(eui(n - 1)), 4), "middle -> leaf");
    assert!(ping_ok(&mut m, n - 1, global(eui(1)), 5), "leaf -> first hop");
    // The DAO-ACK may need a DAO retransmission: a non-storing root cannot
    // source-route an ACK before the DAOs of the nodes on the way are in.
    assert!(m.run_until_true(m.now + Duration::from_secs(30), |m| m.nodes[n - 1].stats().rpl.dao_ack_rx > 0));
    let s = m.nodes[n - 1].stats().rpl;
    assert!(s.dio_rx > 0 && s.dao_tx > 0 && s.dao_ack_rx > 0, "{s:?}");
    assert_eq!(s.dio_tx, 0, "a leaf sends no DIO");
}

#[test]
fn line_storing_of0() {
    check_line(ModeOfOperation::StoringWithoutMulticast, Of::Of0(Of0::default()));
}

#[test]
fn line_storing_mrhof() {
    check_line(ModeOfOperation::StoringWithoutMulticast, Of::Mrhof(Mrhof::default()));
}

#[test]
fn line_non_storing_of0() {
    check_line(ModeOfOperation::NonStoring, Of::Of0(Of0::default()));
}

#[test]
fn line_non_storing_mrhof() {
    check_line(ModeOfOperation::NonStoring, Of::Mrhof(Mrhof::default()));
}

/// Root 0; routers 1 and 2 hear the root and node 3; node 3 hears 1, 2
/// and the leaf 4 below it.
fn diamond(mop: ModeOfOperation) -> Medium {
    let mut m = line(5, mop, Of::Mrhof(Mrhof::default()), true);
    m.lose = Box::new(|from, to, _| {
        let (a, b) = (from.min(to), from.max(to));
        !matches!((a, b), (0, 1) | (0, 2) | (1, 3) | (2, 3) | (3, 4))
    });
    m
}

fn parent_death(mop: ModeOfOperation) {
    let mut m = diamond(mop);
    assert!(m.run_until_true(Instant::from_secs(60), |m| all_joined(m)));
    assert!(ping_ok(&mut m, 3, global(eui(0)), 1));
    let parent = m.nodes[3].rpl().unwrap().preferred_parent().unwrap();
    let dead = (1..=2).find(|&i| link_local(eui(i)) == parent).unwrap();
    let other = 3 - dead;
    m.active[dead] = false;
    let died = m.now;
    // Traffic towards the dead parent fails three times (all MAC retries
    // each), then node 3 drops it and takes the other router.
    let mut seq = 2;
    let ok = m.run_until_true(died + Duration::from_secs(60), |m| {
        seq += 1;
        let _ = m.nodes[3].ping(global(eui(0)), 7, seq, b"x");
        m.nodes[3].rpl().unwrap().preferred_parent() == Some(link_local(eui(other)))
    });
    assert!(ok, "no switch by {:?}", m.now);
    let switched = m.now - died;
    assert!(switched < Duration::from_secs(10), "switched after {switched:?}");
    assert!(m.nodes[3].stats().rpl.parent_link_failures >= 1);
    // Both ways again, through the other router, once its DAO is in.
    let ok = m.run_until_true(m.now + Duration::from_secs(60), |m| {
        let root = m.nodes[0].rpl().unwrap();
        let want =
            if mop == ModeOfOperation::NonStoring { global(eui(other)) } else { link_local(eui(other)) };
        root.routes().any(|r| r.prefix == global(eui(3)) && r.next_hop == want)
    });
    assert!(ok, "root route not updated: {:?}", m.nodes[0].rpl().unwrap().routes().collect::<Vec<_>>());
    assert!(ping_ok(&mut m, 3, global(eui(0)), 100));
    assert!(ping_ok(&mut m, 0, global(eui(3)), 101));
    // The leaf below node 3 is reachable again too: in storing mode node 3
    // bumped its DTSN, the leaf sent its DAO again and node 3 relayed it
    // up the new branch.
    assert!(ping_ok(&mut m, 0, global(eui(4)), 102));
}

#[test]
fn parent_death_storing() {
    parent_death(ModeOfOperation::StoringWithoutMulticast);
}

#[test]
fn parent_death_non_storing() {
    parent_death(ModeOfOperation::NonStoring);
}

#[test]
fn global_repair_new_version() {
    let mut m = line(3, ModeOfOperation::StoringWithoutMulticast, Of::Of0(Of0::default()), false);
    assert!(m.run_until_true(Instant::from_secs(60), |m| all_joined(m)));
    let v = m.nodes[0].rpl().unwrap().dag().version().unwrap();
    let now = m.now;
    m.nodes[0].rpl_repair(now);
    let ok = m.run_until_true(now + Duration::from_secs(30), |m| {
        (1..3).all(|i| m.nodes[i].rpl().unwrap().dag().version() == Some(v.wrapping_add(1))) && all_joined(m)
    });
    assert!(ok);
    assert!(ping_ok(&mut m, 0, global(eui(2)), 5));
}

#[test]
fn leaf_does_not_forward() {
    // Root - leaf - router: the router can only join through the leaf,
    // which sends no DIO, so it never joins.
    let mut configs = Vec::new();
    for i in 0..3 {
        let mut c = NodeConfig::router(eui(i), PAN, settings(i == 0));
        c.rpl = Some(match i {
            0 => RplConfig::root(root_config(
                ModeOfOperation::StoringWithoutMulticast,
                Of::Of0(Of0::default()),
            )),
            1 => RplConfig::leaf(),
            _ => RplConfig::router(),
        });
        configs.push(c);
    }
    let mut m = Medium::new(configs);
    m.lose = Box::new(|from, to, _| from.abs_diff(to) != 1);
    m.run_until(Instant::from_secs(60));
    assert!(m.nodes[1].rpl().unwrap().joined());
    assert!(!m.nodes[2].rpl().unwrap().joined());
    assert_eq!(m.nodes[1].stats().rpl.dio_tx, 0);
    assert!(m.nodes[2].stats().rpl.dis_tx > 0);
}

/// The first DAOs of the last node are lost on the air (every MAC retry of
/// them): its DAO-ACK timeout retransmits the DAO and the root's route
/// comes back.
fn dao_loss(mop: ModeOfOperation) {
    let mut m = line(3, mop, Of::Of0(Of0::default()), false);
    let mut dropped = 0;
    m.lose = Box::new(move |from, to, f| {
        if from.abs_diff(to) != 1 {
            return true;
        }
        // An RPL DAO (ICMPv6 155, code 2) from node 2: lose the first 8 frames.
        let dao = from == 2 && f.windows(2).any(|w| w == [0x9b, 0x02]);
        if dao && dropped < 8 {
            dropped += 1;
            return true;
        }
        false
    });
    assert!(m.run_until_true(Instant::from_secs(60), |m| all_joined(m)));
    let ok = m.run_until_true(m.now + Duration::from_secs(120), |m| {
        m.nodes[0].rpl().unwrap().routes().any(|r| r.prefix == global(eui(2)))
    });
    assert!(ok, "no route after DAO loss");
    let s = m.nodes[2].stats().rpl;
    assert!(s.dao_tx >= 2, "{s:?}");
    assert!(ping_ok(&mut m, 0, global(eui(2)), 9));
}

#[test]
fn dao_loss_storing() {
    dao_loss(ModeOfOperation::StoringWithoutMulticast);
}

#[test]
fn dao_loss_non_storing() {
    dao_loss(ModeOfOperation::NonStoring);
}

/// Traffic leaving the DODAG through the root loses its RPL option (RFC
/// 9008 §5) and still gets through: node 3 is outside (no RPL, its own
/// prefix 2001:db8::/64), heard only by the root, which has a static route
/// to it.
#[test]
fn rpl_option_stays_inside_the_dodag() {
    let mut m = line(3, ModeOfOperation::StoringWithoutMulticast, Of::Of0(Of0::default()), false);
    let outside_prefix: Ipv6Addr = "2001:db8::".parse().unwrap();
    let mut rs = RouterSettings::default();
    rs.prefixes.push((outside_prefix, 64)).unwrap();
    // 6LoWPAN contexts are link-wide: the root compresses fd00:: with 0.
    rs.contexts.push((0, prefix(), 64)).unwrap();
    let mut outside = Medium::new(vec![NodeConfig::router(eui(3), PAN, rs)]);
    m.nodes.push(outside.nodes.pop().unwrap());
    m.radios.push(outside.radios.pop().unwrap());
    m.active.push(true);
    m.lose = Box::new(|from, to, _| {
        let (a, b) = (from.min(to), from.max(to));
        !matches!((a, b), (0, 1) | (1, 2) | (0, 3))
    });
    m.nodes[0].add_route(outside_prefix, 64, link_local(eui(3))).unwrap();
    m.nodes[3].add_route(prefix(), 64, link_local(eui(0))).unwrap();
    let far: Ipv6Addr = m.nodes[3].global_addresses().next().unwrap();
    assert!(far.segments()[0] == 0x2001);
    assert!(m.run_until_true(Instant::from_secs(60), |m| (0..3).all(|i| m.nodes[i].rpl().unwrap().joined())
        && m.nodes[2].global_addresses().count() > 0));
    let before = m.air.len();
    assert!(ping_ok(&mut m, 2, far, 77));
    let echo = |f: &[u8]| f.windows(3).any(|w| w == b"rpl");
    let rpi = |f: &[u8]| f.windows(2).any(|w| w == [0x63, 0x04]);
    let air = &m.air[before..];
    assert!(air.iter().any(|(from, f)| *from == 1 && echo(f) && rpi(f)), "inside: the option is there");
    let out: Vec<_> = air.iter().filter(|(from, f)| *from == 0 && echo(f) && !rpi(f)).collect();
    assert!(!out.is_empty(), "the root sent the request out without the option");
    // Nothing the root sends to the outside node carries the option (the
    // frame's destination, after frame control, sequence number and PAN,
    // is node 3's extended address, little-endian).
    let to_outside = |f: &[u8]| f.len() > 13 && f[5..13].iter().rev().eq(eui(3).iter());
    assert!(air.iter().all(|(from, f)| !(*from == 0 && to_outside(f) && rpi(f))));
}

/// Two DODAGs of one instance: a node moves to the preferable one (higher
/// DODAGPreference) when it appears, and its sub-DODAG follows; traffic
/// then goes to the new root.
#[test]
fn moves_to_a_preferred_dodag() {
    let mut configs = Vec::new();
    for i in 0..4 {
        let mut c = NodeConfig::router(eui(i), PAN, settings(i == 0 || i == 3));
        c.seed = 77 + i as u64;
        c.rpl = Some(match i {
            0 | 3 => {
                let mut rc = root_config(ModeOfOperation::StoringWithoutMulticast, Of::Of0(Of0::default()));
                rc.dodag_id = global(eui(i));
                rc.preference = if i == 3 { 5 } else { 0 };
                RplConfig::root(rc)
            }
            _ => RplConfig::router(),
        });
        configs.push(c);
    }
    let mut m = Medium::new(configs);
    // 0 - 1 - 2, and 3 (the better root) next to 1.
    m.lose = Box::new(|from, to, _| {
        let (a, b) = (from.min(to), from.max(to));
        !matches!((a, b), (0, 1) | (1, 2) | (1, 3))
    });
    m.active[3] = false;
    let in_dodag = |m: &Medium, i: usize, root: usize| {
        m.nodes[i].rpl().unwrap().dag().dodag_id().map(|(_, id)| id) == Some(global(eui(root)))
            && m.nodes[i].rpl().unwrap().joined()
    };
    assert!(m.run_until_true(Instant::from_secs(60), |m| in_dodag(m, 1, 0) && in_dodag(m, 2, 0)));
    m.active[3] = true;
    let t = m.now;
    assert!(
        m.run_until_true(t + Duration::from_secs(120), |m| in_dodag(m, 1, 3) && in_dodag(m, 2, 3)),
        "still in the first DODAG"
    );
    assert_eq!(m.nodes[1].rpl().unwrap().preferred_parent(), Some(link_local(eui(3))));
    // The new root learns the routes, node 2 reaches it.
    let ok = m.run_until_true(m.now + Duration::from_secs(60), |m| {
        m.nodes[3].rpl().unwrap().routes().any(|r| r.prefix == global(eui(2)))
    });
    assert!(ok, "new root has no route to node 2");
    assert!(ping_ok(&mut m, 3, global(eui(2)), 1));
}
