//! `sixlo-sim demo` end to end: deterministic outputs, and a capture that
//! tshark dissects without a malformed frame.

#[path = "../../tests/common/mod.rs"]
mod common;

use sixlo_sim::scenario::Scenario;

fn run_in(dir: &std::path::Path, seed: u64) -> (Vec<u8>, serde_json::Value) {
    let mut s = Scenario::demo();
    s.seed = seed;
    s.output.dir = dir.to_path_buf();
    let r = sixlo_sim::run::run(&s, false).unwrap();
    assert!(r.files.len() >= 4, "{:?}", r.files);
    let pcap = std::fs::read(dir.join("capture.pcap")).unwrap();
    let mut metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    metrics["wall_s"] = serde_json::Value::Null; // the one figure that depends on the machine
    (pcap, metrics)
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let base = std::env::temp_dir().join(format!("sixlo-demo-{}", std::process::id()));
    let (p1, m1) = run_in(&base.join("a"), 1);
    let (p2, m2) = run_in(&base.join("b"), 1);
    let (p3, m3) = run_in(&base.join("c"), 2);
    assert_eq!(p1, p2, "same seed, different capture");
    assert_eq!(m1, m2, "same seed, different metrics");
    assert_ne!(p1, p3, "another seed gave the same capture");
    assert_ne!(m1, m3);
    // The demo exchanges traffic: some datagrams go up and down and arrive.
    let t = &m1["traffic"];
    assert!(t["up_sent"].as_u64().unwrap() > 0 && t["up_received"].as_u64().unwrap() > 0, "{t}");
    assert!(t["down_received"].as_u64().unwrap() > 0, "{t}");
    // An RPL mesh: every node joins, the root routes to all the others.
    assert_eq!(m1["rpl"]["joined"], 50, "{}", m1["rpl"]);
    assert!(m1["rpl"]["converged_at_s"].as_f64().is_some_and(|c| c < 60.0), "{}", m1["rpl"]);
    assert_eq!(m1["rpl"]["root_routes"], 49, "{}", m1["rpl"]);
    assert!(m1["traffic"]["hops_max"].as_u64().unwrap() > 1, "{t}");
    assert_eq!(m1["nodes"], 50);

    if common::have_tshark() {
        let path = base.join("a").join("capture.pcap");
        let f = common::tshark_fields(
            &path,
            // The nodes compress with context 0 = fd00::/64 (RPL routers announce it).
            &["-o", "udp.check_checksum:TRUE", "-o", "6lowpan.context0:fd00::/64"],
            &["_ws.malformed", "wpan.fcs_ok", "udp.checksum.status", "icmpv6.checksum.status"],
        );
        assert!(f.len() > 100, "{} frames", f.len());
        for (i, row) in f.iter().enumerate() {
            assert_eq!(row[0], "", "frame {} malformed", i + 1);
            assert_eq!(row[1], "1", "frame {} FCS", i + 1);
            assert!(row[2].is_empty() || row[2] == "1", "frame {} UDP checksum", i + 1);
            assert!(row[3].is_empty() || row[3] == "1", "frame {} ICMPv6 checksum", i + 1);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}
