//! The run outputs: pcap writer, metrics JSON, node log, SVG, summary.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sixlo::wire::ieee802154::{self as wpan, Address, Frame, FrameRepr, FrameType, FrameVersion};
use sixlo_sim::output::log::{NodeLog, format_line};
use sixlo_sim::output::metrics::{self, Metrics, Radio, RadioTime, Traffic};
use sixlo_sim::output::pcap::{LINKTYPE_IEEE802_15_4_WITHFCS, PcapWriter};
use sixlo_sim::output::svg::Dodag;
use sixlo_sim::output::{Progress, summary};
use sixlo_sim::topology::{self, Position};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("output-tests");
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// An uncompressed IPv6 packet (RFC 4944 dispatch 0x41) with no next header,
/// from fe80::<src> to fe80::<dst>.
fn ipv6_payload(src: u8, dst: u8) -> Vec<u8> {
    let mut p = vec![0x41, 0x60, 0, 0, 0, 0, 0, 59, 64];
    for last in [src, dst] {
        let mut a = [0u8; 16];
        a[0] = 0xfe;
        a[1] = 0x80;
        a[15] = last;
        p.extend_from_slice(&a);
    }
    p
}

fn frame(seq: u8, src: Address, dst: Address, payload: &[u8], version: FrameVersion) -> Vec<u8> {
    let mut f = FrameRepr {
        frame_type: FrameType::Data,
        frame_version: version,
        security_enabled: false,
        frame_pending: false,
        ack_request: !dst.is_broadcast(),
        pan_id_compression: false,
        sequence_number: Some(seq),
        dst_pan_id: None,
        dst_addr: dst,
        src_pan_id: None,
        src_addr: src,
        aux_security: None,
        header_ies: &[],
        payload,
    };
    f.set_pan_ids(0xabcd, 0xabcd);
    let mut buf = vec![0u8; f.buffer_len()];
    f.emit(&mut Frame::new_unchecked(&mut buf[..]));
    buf
}

#[test]
fn pcap_round_trip_fcs_and_tshark() {
    let ext = |n: u8| Address::Extended([0x02, 0, 0, 0, 0, 0, 0, n]);
    let p1 = ipv6_payload(1, 2);
    let p2 = ipv6_payload(3, 0xff);
    let frames: Vec<(u64, Vec<u8>)> = vec![
        (0, frame(1, ext(1), ext(2), &p1, FrameVersion::V2006)),
        (352, {
            let a = FrameRepr::imm_ack(1, false);
            let mut b = vec![0u8; a.buffer_len()];
            a.emit(&mut Frame::new_unchecked(&mut b[..]));
            b
        }),
        (1_500_000, frame(7, Address::Short([0, 3]), Address::BROADCAST, &p2, FrameVersion::V2006)),
        (61_000_123, frame(8, ext(4), Address::Short([0, 1]), &p1, FrameVersion::V2015)),
    ];
    let path = tmp("capture.pcap");
    let mut w = PcapWriter::create(&path).unwrap();
    for (t, f) in &frames {
        w.write_frame(*t, f).unwrap();
    }
    assert_eq!(w.frames(), 4);
    w.finish().unwrap();

    let p = common::read_pcap_records(&path);
    assert_eq!(p.linktype, LINKTYPE_IEEE802_15_4_WITHFCS);
    assert_eq!(p.linktype, 195);
    assert!(!p.truncated);
    assert_eq!(p.records.len(), frames.len());
    for (r, (t, f)) in p.records.iter().zip(&frames) {
        assert_eq!(r.timestamp_us, *t);
        assert_eq!(r.orig_len, f.len() + 2);
        assert_eq!(&r.data[..f.len()], &f[..]);
        assert!(wpan::fcs_ok(&r.data));
        assert_eq!(u16::from_le_bytes([r.data[f.len()], r.data[f.len() + 1]]), wpan::crc16_kermit(f));
    }
    // The Imm-Ack for sequence 1: 02 00 01 + FCS.
    assert_eq!(p.records[1].data[..3], [0x02, 0x00, 0x01]);

    // Header bytes: magic, version 2.4, snaplen, link type.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[..8], [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    assert_eq!(bytes[20..24], 195u32.to_le_bytes());
    // The 4th record: 61 s and 123 µs.
    let at = 24 + 3 * 16 + frames[..3].iter().map(|(_, f)| f.len() + 2).sum::<usize>();
    assert_eq!(bytes[at..at + 8], [61, 0, 0, 0, 123, 0, 0, 0]);

    // A corrupted record through write_raw keeps its bytes.
    let mut w = PcapWriter::new(Vec::new()).unwrap().with_epoch_us(1_000_000);
    w.write_raw(5, &[0x02, 0, 1, 0, 0]).unwrap();
    let out = w.finish().unwrap();
    let p = sixlo_sim::pcap::parse(&out).unwrap();
    assert_eq!((p.records[0].timestamp_us, &p.records[0].data[..]), (1_000_005, &[2u8, 0, 1, 0, 0][..]));
    assert!(!wpan::fcs_ok(&p.records[0].data));

    if !common::have_tshark() {
        eprintln!("skipped the tshark check: tshark missing");
        return;
    }
    // `tshark_fields` sets wpan.802154_fcs_ok:FALSE, so tshark checks each FCS.
    let rows = common::tshark_fields(&path, &[], &["_ws.malformed", "wpan.fcs_ok"]);
    assert_eq!(rows.len(), frames.len());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], "", "frame {i} malformed: {rows:?}");
        assert!(r[1] == "1" || r[1] == "True", "frame {i} FCS not ok: {rows:?}");
    }
    let ipv6 = common::tshark_fields(&path, &[], &["ipv6.dst"]);
    assert_eq!(ipv6[0][0], "fe80::2");
    assert_eq!(ipv6[1][0], "");
}

#[test]
fn metrics_json_has_every_key() {
    let m = Metrics::new(50, 7, 120.0);
    let v: Value = serde_json::from_str(&m.to_json()).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&v),
        ["nodes", "seed", "duration_s", "wall_s", "events", "frames", "traffic", "rpl", "radio"]
    );
    assert_eq!(keys(&v["frames"]), ["tx", "rx", "collisions", "acked", "no_ack", "csma_fail"]);
    assert_eq!(
        keys(&v["traffic"]),
        [
            "up_sent",
            "up_received",
            "down_sent",
            "down_received",
            "pdr_up",
            "pdr_down",
            "latency_ms",
            "hops_mean",
            "hops_max"
        ]
    );
    assert_eq!(keys(&v["traffic"]["latency_ms"]), ["p50", "p99", "mean", "max"]);
    assert_eq!(
        keys(&v["rpl"]),
        [
            "joined",
            "converged_at_s",
            "dio",
            "dis",
            "dao",
            "dao_ack",
            "parent_changes",
            "detaches",
            "control_per_node_per_hour",
            "rank_mean",
            "rank_max",
            "root_routes"
        ]
    );
    assert_eq!(keys(&v["radio"]), ["duty_cycle_mean", "charge_mc_mean"]);
    assert_eq!(
        (v["nodes"].as_u64(), v["seed"].as_u64(), v["duration_s"].as_f64()),
        (Some(50), Some(7), Some(120.0))
    );
    for null in [
        &v["frames"]["acked"],
        &v["traffic"]["pdr_up"],
        &v["traffic"]["latency_ms"]["p50"],
        &v["traffic"]["hops_max"],
        &v["rpl"]["converged_at_s"],
        &v["rpl"]["dio"],
        &v["radio"]["charge_mc_mean"],
    ] {
        assert!(null.is_null());
    }
    assert_eq!(v["frames"]["tx"].as_u64(), Some(0));

    // Filled in.
    let mut m = m;
    let lat: Vec<u64> = (1..=200).rev().map(|i| i * 1000).collect(); // 1..200 ms
    m.traffic = Traffic::from_counts((300, 270), (0, 0), &lat, &[1, 2, 2, 5]);
    m.radio = Radio::from_nodes(&[
        RadioTime { tx_us: 0, rx_us: 1_000_000, idle_us: 0 },
        RadioTime { tx_us: 0, rx_us: 0, idle_us: 1_000_000 },
    ]);
    m.rpl.converged_at_s = Some(42.5);
    let path = tmp("metrics.json");
    m.write(&path).unwrap();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let t = &v["traffic"];
    assert_eq!(t["pdr_up"].as_f64(), Some(0.9));
    assert!(t["pdr_down"].is_null());
    assert_eq!(t["latency_ms"]["p50"].as_f64(), Some(100.0));
    assert_eq!(t["latency_ms"]["p99"].as_f64(), Some(198.0));
    assert_eq!(t["latency_ms"]["max"].as_f64(), Some(200.0));
    assert_eq!(t["latency_ms"]["mean"].as_f64(), Some(100.5));
    assert_eq!((t["hops_mean"].as_f64(), t["hops_max"].as_u64()), (Some(2.5), Some(5)));
    assert_eq!(v["radio"]["duty_cycle_mean"].as_f64(), Some(0.5));
    assert!((v["radio"]["charge_mc_mean"].as_f64().unwrap() - (18.8 + 0.426) / 2.0).abs() < 1e-12);
    assert_eq!(v["rpl"]["converged_at_s"].as_f64(), Some(42.5));
}

#[test]
fn percentiles_are_exact() {
    let mut s = vec![15, 20, 35, 40, 50];
    s.sort_unstable();
    // Nearest rank, the classic example: p30 = 20, p40 = 20, p50 = 35, p100 = 50.
    assert_eq!(metrics::percentile(&s, 30.0), Some(20));
    assert_eq!(metrics::percentile(&s, 40.0), Some(20));
    assert_eq!(metrics::percentile(&s, 50.0), Some(35));
    assert_eq!(metrics::percentile(&s, 100.0), Some(50));
    assert_eq!(metrics::percentile(&s, 5.0), Some(15));
    assert_eq!(metrics::pdr(0, 0), None);
    assert_eq!(metrics::pdr(4, 3), Some(0.75));
    let l = metrics::Latency::from_samples_us(&[3000, 1000, 2000]);
    assert_eq!((l.p50, l.p99, l.max), (Some(2.0), Some(3.0), Some(3.0)));
}

#[test]
fn node_log_lines() {
    assert_eq!(format_line(12_345_678, 7, "registered fd00::7"), "[  12.345678s] node 7: registered fd00::7");
    assert_eq!(format_line(0, 0, "up"), "[   0.000000s] node 0: up");
    assert_eq!(format_line(12_345_000_001, 42, "x"), "[12345.000001s] node 42: x");
    let mut log = NodeLog::new(Vec::new());
    log.log(1_000_000, 3, "joined DODAG").unwrap();
    log.log(2_500_000, 4, "two\nlines").unwrap();
    assert_eq!(log.lines(), 3);
    let out = String::from_utf8(log.finish().unwrap()).unwrap();
    assert_eq!(
        out,
        "[   1.000000s] node 3: joined DODAG\n[   2.500000s] node 4: two\n[   2.500000s] node 4: lines\n"
    );
    let path = tmp("nodes.log");
    let mut log = NodeLog::create(&path).unwrap();
    log.log(5, 1, "a").unwrap();
    log.finish().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "[   0.000005s] node 1: a\n");
}

/// Checks that tags nest and close; returns the element names in order.
fn balanced_elements(xml: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed <") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        assert!(!rest[..rest.find('<').unwrap_or(rest.len())].contains('>'), "stray > after <{tag}>");
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "closing </{name}>");
        } else {
            let name = tag.split_whitespace().next().unwrap().trim_end_matches('/').to_string();
            // Attribute values are quoted, in pairs.
            assert_eq!(tag.matches('"').count() % 2, 0, "<{tag}>");
            names.push(name.clone());
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    names
}

#[test]
fn svg_is_well_formed() {
    let pos = topology::grid(3, 2, 20.0);
    let links = [(0, 1, 1.0), (1, 2, 0.5), (0, 3, 0.0), (3, 99, 1.0)];
    let parents = [(1, 0), (2, 1), (3, 0), (4, 3), (5, 4)];
    let d =
        Dodag { positions: &pos, links: &links, parents: &parents, root: Some(0), title: "grid <3x2> & co" };
    let svg = d.render();
    let names = balanced_elements(&svg);
    assert_eq!(names[0], "svg");
    assert_eq!(names.iter().filter(|n| *n == "circle").count(), 6);
    assert_eq!(names.iter().filter(|n| *n == "text").count(), 7); // 6 labels + title
    // 3 links (one names a missing node) + 5 parent edges.
    assert_eq!(names.iter().filter(|n| *n == "line").count(), 8);
    assert_eq!(svg.matches("marker-end").count(), 5);
    assert!(
        svg.contains("hsl(120,80%,40%)") && svg.contains("hsl(60,80%,40%)") && svg.contains("hsl(0,80%,40%)")
    );
    assert!(svg.contains("grid &lt;3x2&gt; &amp; co"));
    assert_eq!(svg.matches("fill=\"#d62\"").count(), 1, "one root");
    for i in 0..6 {
        assert!(svg.contains(&format!(">{i}</text>")), "label {i}");
    }
    // Degenerate inputs still give a document.
    balanced_elements(&Dodag { positions: &[], links: &[], parents: &[], root: None, title: "" }.render());
    let one = [Position { x: 5.0, y: 5.0 }];
    balanced_elements(
        &Dodag { positions: &one, links: &[], parents: &[(0, 0)], root: Some(0), title: "" }.render(),
    );
    let path = tmp("dodag.svg");
    d.write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), svg);
}

#[test]
fn summary_and_progress() {
    let mut m = Metrics::new(50, 1, 120.0);
    m.wall_s = 2.0;
    m.events = 1234;
    m.traffic = Traffic::from_counts((300, 296), (100, 95), &[12_300, 80_100], &[]);
    m.frames.tx = 12345;
    m.frames.rx = 45678;
    m.frames.collisions = 12;
    let s = summary(&m);
    assert_eq!(
        s,
        "50 nodes, 120.0 s virtual in 2.00 s wall (60x), 1234 events\n\
         PDR up 98.7 % (296/300), down 95.0 % (95/100), latency p50 12.3 ms p99 80.1 ms\n\
         frames 12345 tx, 45678 rx, 12 collisions\n"
    );
    m.rpl.joined = Some(50);
    assert!(summary(&m).ends_with("RPL 50/50 joined, not converged\n"));
    let s = summary(&Metrics::new(3, 1, 1.0));
    assert!(s.contains("PDR up n/a, down n/a\n"), "{s}");

    let mut p = Progress::with_terminal(1_000_000, false);
    p.set(500_000);
    assert!(!p.is_visible());
    p.finish();
}
