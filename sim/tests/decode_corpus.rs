//! `sixlo-sim decode` over the whole interop corpus, checked against tshark.

#[path = "../../tests/common/mod.rs"]
mod common;

use serde_json::Value;
use sixlo_sim::decode;

/// Every record of `path` decoded, as JSON values.
fn decode_all(path: &std::path::Path) -> Vec<Value> {
    let mut out = Vec::new();
    decode::decode_file(path, &mut out).unwrap();
    String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
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
        let lines = decode_all(path);
        let malformed = common::tshark_malformed(path, &[]);
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
