//! `sixlo-sim decode` over the whole interop corpus, checked against tshark.

#[path = "../../tests/common/mod.rs"]
mod common;

use serde_json::Value;
use sixlo_sim::decode;

/// Every record of `path` decoded, as JSON values, with the 6LoWPAN
/// contexts the capture needs (hand_230_ctx.pcap: context 0 = fd00::/64, as
/// the interop README says), and the same settings as tshark options.
fn decode_with_settings(path: &std::path::Path) -> (Vec<Value>, Vec<&'static str>) {
    let mut table = sixlo::lowpan::ContextTable::new();
    let mut tshark_opts = Vec::new();
    if path.ends_with("hand/hand_230_ctx.pcap") {
        let prefix = "fd00::".parse().unwrap();
        table.set(0, Some(sixlo::lowpan::Context { prefix, prefix_len: 64, compress: true }));
        tshark_opts.extend(["-o", "6lowpan.context0:fd00::/64"]);
    }
    let mut out = Vec::new();
    decode::Decoder::new(table).decode_file(path, &mut out).unwrap();
    let lines = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (lines, tshark_opts)
}

/// Every record of `path` decoded, as JSON values.
fn decode_all(path: &std::path::Path) -> Vec<Value> {
    decode_with_settings(path).0
}

#[test]
fn one_line_per_frame_and_errors_only_where_tshark_sees_malformed() {
    let files = common::all_captures();
    if files.is_empty() || !common::have_tshark() {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset or tshark missing");
        return;
    }
    let (mut frames, mut errors, mut macs) = (0, 0, 0);
    for path in &files {
        let (lines, opts) = decode_with_settings(path);
        let malformed = common::tshark_malformed(path, &opts);
        assert_eq!(lines.len(), malformed.len(), "{}: one line per frame", path.display());
        for (i, (v, bad)) in lines.iter().zip(&malformed).enumerate() {
            assert_eq!(v["frame"], i + 1, "{}", path.display());
            let line = serde_json::to_string(v).unwrap();
            assert!(line.starts_with(&format!("{{\"frame\":{}", i + 1)), "{line}");
            if v.get("error").is_some() {
                errors += 1;
                assert!(
                    *bad,
                    "{} frame {}: we say {} but tshark dissects it cleanly",
                    path.display(),
                    i + 1,
                    v["error"]
                );
            }
            if v.get("mac").is_some() {
                macs += 1;
            }
        }
        frames += lines.len();
    }
    eprintln!("{} files, {frames} frames, {macs} with a mac object, {errors} errors", files.len());
    assert!(frames > 6000 && macs > 5700, "{frames} frames, {macs} mac objects");
}

#[test]
fn the_done_when_cases() {
    let Some(nofcs) = common::capture("hand/hand_230_nofcs.pcap") else {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset");
        return;
    };
    let lines = decode_all(&nofcs);
    assert_eq!(lines.len(), 5);
    for v in &lines[..4] {
        assert!(v.get("error").is_none(), "{v}");
        assert_eq!(v["mac"]["fcs_ok"], Value::Null);
    }
    // Frame 5: a valid MAC header around an IPHC header cut short.
    assert!(lines[4]["error"].as_str().unwrap().contains("truncated"), "{}", lines[4]);
    assert_eq!(lines[4]["mac"]["seq"], 5);
    assert_eq!(lines[0]["mac"]["src"], "02:12:74:01:00:01:01:01");
    assert_eq!(lines[0]["mac"]["dst"], "0xffff");
    assert_eq!(lines[0]["mac"]["dst_pan"], "0xabcd");
    assert_eq!(lines[0]["mac"]["type"], "data");

    let bad = decode_all(&common::capture("hand/hand_195_badfcs.pcap").unwrap());
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["mac"]["fcs_ok"], false);
    let good = decode_all(&common::capture("hand/hand_195_withfcs.pcap").unwrap());
    assert_eq!(good.len(), 5);
    assert!(good.iter().all(|v| v["mac"]["fcs_ok"] == true));
}

#[test]
fn fcs_verdicts_agree_with_tshark_wherever_it_checks_one() {
    let files = common::all_captures();
    if files.is_empty() || !common::have_tshark() {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset or tshark missing");
        return;
    }
    let mut compared = 0;
    for path in &files {
        let ours = decode_all(path);
        let theirs = common::tshark_fields(path, &[], &["wpan.fcs_ok"]);
        for (v, t) in ours.iter().zip(&theirs) {
            let Some(ok) = v["mac"]["fcs_ok"].as_bool() else { continue };
            if t[0].is_empty() {
                continue;
            }
            assert_eq!(ok, t[0] == "1", "{} frame {}", path.display(), v["frame"]);
            compared += 1;
        }
    }
    assert!(compared > 5600, "{compared} FCS verdicts compared");
}

/// The `k`-th comma-separated occurrence of a tshark field ("" when absent).
fn nth(field: &str, k: usize) -> &str {
    field.split(',').nth(k).unwrap_or("")
}

#[test]
fn ipv6_udp_icmpv6_fields_agree_with_tshark_on_every_frame() {
    let files = common::all_captures();
    if files.is_empty() || !common::have_tshark() {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset or tshark missing");
        return;
    }
    const FIELDS: [&str; 10] = [
        "_ws.malformed",
        "frame.protocols",
        "ipv6.src",
        "ipv6.dst",
        "ipv6.hlim",
        "ipv6.nxt",
        "udp.srcport",
        "udp.dstport",
        "udp.checksum.status",
        "icmpv6.checksum.status",
    ];
    let (mut compared, mut udp, mut icmp, mut reassembled) = (0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for path in &files {
        let (ours, opts) = decode_with_settings(path);
        let mut extra = vec!["-o", "udp.check_checksum:TRUE"];
        extra.extend(opts);
        let theirs = common::tshark_fields(path, &extra, &FIELDS);
        assert_eq!(ours.len(), theirs.len(), "{}", path.display());
        for (v, t) in ours.iter().zip(&theirs) {
            if !t[0].is_empty() {
                continue; // tshark marks it malformed: compared elsewhere
            }
            // Headers of a ZEP transport (IPv6/UDP around the frame) come first in tshark's lists.
            let protos: Vec<&str> = t[1].split(':').collect();
            let before_zep = protos.iter().position(|p| *p == "zep").unwrap_or(0);
            let k_ip = protos[..before_zep].iter().filter(|p| **p == "ipv6").count();
            let k_udp = protos[..before_zep].iter().filter(|p| **p == "udp").count();
            let theirs_ip = nth(&t[2], k_ip);
            let what = format!("{} frame {}", path.display(), v["frame"]);
            if v.get("cut").is_some() {
                continue; // the capture kept only the frame's first bytes
            }
            let ip = &v["ipv6"];
            if theirs_ip.is_empty() {
                if !ip.is_null() {
                    mismatches.push(format!("{what}: we decode IPv6 {ip}, tshark none"));
                }
                continue;
            }
            if ip.is_null() {
                mismatches.push(format!("{what}: tshark decodes IPv6 from {theirs_ip}, we do not ({v})"));
                continue;
            }
            compared += 1;
            if v.get("reassembled").is_some() {
                reassembled += 1;
            }
            let got = [&ip["src"], &ip["dst"], &ip["hlim"], &ip["next_header"]].map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let want = [theirs_ip, nth(&t[3], k_ip), nth(&t[4], k_ip), nth(&t[5], k_ip)];
            if got != want {
                mismatches.push(format!("{what}: ipv6 ours {got:?} tshark {want:?}"));
            }
            let u = &v["udp"];
            let t_udp = nth(&t[6], k_udp);
            if !u.is_null() || !t_udp.is_empty() {
                udp += 1;
                let got =
                    [u["src_port"].to_string(), u["dst_port"].to_string(), u["checksum_ok"].to_string()];
                let ok = match nth(&t[8], k_udp) {
                    "1" => "true",
                    "0" => "false",
                    _ => "?",
                };
                let want = [t_udp.to_string(), nth(&t[7], k_udp).to_string(), ok.to_string()];
                if got != want {
                    mismatches.push(format!("{what}: udp ours {got:?} tshark {want:?}"));
                }
            }
            let i = &v["icmpv6"];
            let t_icmp = nth(&t[9], 0);
            if !i.is_null() || !t_icmp.is_empty() {
                icmp += 1;
                let want = Value::Bool(t_icmp == "1");
                if i["checksum_ok"] != want {
                    mismatches
                        .push(format!("{what}: icmpv6 checksum ours {} tshark {t_icmp:?}", i["checksum_ok"]));
                }
            }
        }
    }
    eprintln!("{compared} IPv6 packets compared ({reassembled} reassembled), {udp} UDP, {icmp} ICMPv6");
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(15)]
    );
    assert!(
        compared > 5000 && udp > 2000 && icmp > 1500 && reassembled >= 2,
        "{compared} {udp} {icmp} {reassembled}"
    );
}
