//! sixlo's RPL instance fed with a real Contiki RPL network's control
//! traffic (the Cooja capture in the interop corpus: instance 30, MOP 2,
//! MRHOF): a sixlo router joins Contiki's DODAG from its DIOs, and a sixlo
//! root in Contiki's root's place learns storing-mode routes from the DAOs
//! Contiki's nodes sent to it.
mod common;

use std::collections::BTreeSet;
use std::net::Ipv6Addr;

use sixlo::lowpan::frag::{OwnedSlots, Reassembler};
use sixlo::lowpan::{ContextTable, Received, Receiver};
use sixlo::mac::Rng;
use sixlo::rpl::dag::{Role, RootConfig};
use sixlo::rpl::{INFINITE_RANK, Mrhof, Of, ParentEntry, Route, Rpl, RplConfig, RxMeta};
use sixlo::time::Instant;
use sixlo::wire::ieee802154::{Address, FrameRepr, FrameType};
use sixlo::wire::ipv6;
use sixlo::wire::rpl::{ModeOfOperation, Repr};

const ROOT: &str = "aaaa::212:7401:1:101";

/// (time, IPv6 src, dst, link-layer src, RPL code, body) of every RPL
/// message in the capture that decompresses without contexts.
type Message = (Instant, Ipv6Addr, Ipv6Addr, Address, u8, Vec<u8>);

fn rpl_messages() -> Option<Vec<Message>> {
    let path = common::capture("contiki-rpl-sim/cooja-rpl-udp.pcap")?;
    let pcap = common::read_pcap_records(&path);
    assert_eq!(pcap.linktype, 195);
    let mut rx = Receiver::new(Reassembler::<OwnedSlots<4, 1280>>::new_owned());
    let ctx = ContextTable::new();
    let mut buf = vec![0u8; 1280];
    let mut out = Vec::new();
    for r in &pcap.records {
        let now = Instant::from_micros(r.timestamp_us);
        let data = &r.data[..r.data.len().saturating_sub(2)]; // FCS
        let Ok(f) = FrameRepr::from_bytes(data) else { continue };
        if f.frame_type != FrameType::Data || f.payload.is_empty() {
            continue;
        }
        let Ok(Received::Packet { packet, .. }) =
            rx.receive(now, f.payload, &f.src_addr, &f.dst_addr, &ctx, &mut buf)
        else {
            continue;
        };
        let Ok(p) = ipv6::Packet::new_checked(&*packet) else { continue };
        let Ok(up) = ipv6::upper_layer(p.next_header(), p.payload()) else { continue };
        let icmp = &p.payload()[up.offset..];
        if up.protocol != ipv6::IpProtocol::Icmpv6 || icmp.len() < 4 || icmp[0] != 155 {
            continue;
        }
        out.push((now, p.src_addr(), p.dst_addr(), f.src_addr, icmp[1], icmp[4..].to_vec()));
    }
    Some(out)
}

#[test]
fn joins_contikis_dodag() {
    let Some(msgs) = rpl_messages() else {
        eprintln!("SIXLO_INTEROP_DIR unset: skipping");
        return;
    };
    let ll: Ipv6Addr = "fe80::2:2:2:2".parse().unwrap();
    let mut rpl = Rpl::new(RplConfig::router(), [ParentEntry::EMPTY; 4], [Route::default(); 4]);
    let mut rng = Rng::new(1);
    let mut dio_senders = BTreeSet::new();
    let mut last = Instant::ZERO;
    for (now, src, dst, ll_src, code, body) in &msgs {
        if *code != 1 {
            continue;
        }
        let Ok(Repr::Dio(d)) = Repr::parse(*code, body) else { panic!("DIO does not parse") };
        dio_senders.insert((*src, d.rank));
        let meta = RxMeta { src: *src, dst: *dst, ll_src: *ll_src, link_etx: None };
        rpl.on_message(*now, meta, *code, body, &mut rng);
        while rpl.poll_tx(*now, ll, &mut rng).is_some() {}
        last = *now;
    }
    // The capture holds the DIOs of the root and of one router.
    assert!(dio_senders.len() >= 2, "{dio_senders:?}");
    assert!(rpl.joined(), "never joined Contiki's DODAG");
    assert_eq!(rpl.role(), Role::Router);
    let (instance, id) = rpl.dag().dodag_id().unwrap();
    assert_eq!((instance, id), (30, ROOT.parse().unwrap()));
    assert_eq!(rpl.mode_of_operation(), Some(ModeOfOperation::StoringWithoutMulticast));
    // The preferred parent is a Contiki node that sent DIOs, and our rank
    // is above its advertised rank (RFC 6550 §8.2.2.2).
    let parent = rpl.dag().preferred_parent().unwrap();
    assert!(dio_senders.iter().any(|(ip, _)| *ip == parent.info.ip));
    assert!(rpl.rank() > parent.info.rank && rpl.rank() != INFINITE_RANK);
    assert_eq!(rpl.stats().bad_messages, 0);
    // Our DIO for this DODAG carries its configuration: OCP 1 (MRHOF).
    let c = rpl.dag().dio().unwrap().config.unwrap();
    assert_eq!(c.objective_code_point, 1);
    assert!(last > Instant::ZERO);
}

#[test]
fn root_learns_contikis_dao_routes() {
    let Some(msgs) = rpl_messages() else {
        eprintln!("SIXLO_INTEROP_DIR unset: skipping");
        return;
    };
    let id: Ipv6Addr = ROOT.parse().unwrap();
    let root_ll: Ipv6Addr = "fe80::212:7401:1:101".parse().unwrap();
    let mut rc = RootConfig::new(30, id, Of::Mrhof(Mrhof::default()));
    rc.mop = ModeOfOperation::StoringWithoutMulticast;
    let mut rpl = Rpl::new(RplConfig::root(rc), [ParentEntry::EMPTY; 0], [Route::default(); 64]);
    let mut rng = Rng::new(2);
    let mut targets = BTreeSet::new();
    let mut daos = 0;
    for (now, src, dst, ll_src, code, body) in &msgs {
        if *code != 2 || *dst != root_ll {
            continue;
        }
        let Ok(Repr::Dao(d)) = Repr::parse(*code, body) else { panic!("DAO does not parse") };
        for o in d.options.iter() {
            if let Ok(sixlo::wire::rpl::OptionRepr::RplTarget(t)) = o {
                let mut a = [0u8; 16];
                a[..t.prefix.len().min(16)].copy_from_slice(&t.prefix[..t.prefix.len().min(16)]);
                targets.insert((Ipv6Addr::from(a), *src));
            }
        }
        daos += 1;
        let meta = RxMeta { src: *src, dst: *dst, ll_src: *ll_src, link_etx: None };
        rpl.on_message(*now, meta, *code, body, &mut rng);
    }
    assert!(daos > 10, "{daos} DAOs to the root");
    assert_eq!(rpl.stats().bad_messages, 0);
    // Every target a Contiki node advertised to the root is a route via
    // the node that sent the DAO (its latest one, when it moved).
    let routes: BTreeSet<(Ipv6Addr, Ipv6Addr)> = rpl.routes().map(|r| (r.prefix, r.next_hop)).collect();
    let targets_only: BTreeSet<Ipv6Addr> = targets.iter().map(|(t, _)| *t).collect();
    let routed: BTreeSet<Ipv6Addr> = routes.iter().map(|(t, _)| *t).collect();
    assert_eq!(routed, targets_only, "routes {routes:?}");
    for r in &routes {
        assert!(targets.contains(r), "route {r:?} not from a DAO");
    }
}
