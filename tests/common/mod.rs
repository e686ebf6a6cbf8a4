//! Helpers shared by the integration tests: the interop corpus, pcap files,
//! and tshark as an oracle.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The interop corpus folder, from `SIXLO_INTEROP_DIR`.
///
/// Returns `None` (the caller skips, saying so) when the variable is unset;
/// panics with a clear message when it is set but the folder is missing.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SIXLO_INTEROP_DIR")?;
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("captures").is_dir(),
        "SIXLO_INTEROP_DIR is set to {} but {}/captures does not exist",
        dir.display(),
        dir.display()
    );
    Some(dir)
}

/// The capture at `rel` (relative to `captures/`), or `None` when the corpus is not configured.
pub fn capture(rel: &str) -> Option<PathBuf> {
    let p = interop_dir()?.join("captures").join(rel);
    assert!(p.is_file(), "interop capture {} is missing", p.display());
    Some(p)
}

/// Every `.pcap` file under `captures/` (sorted), or empty without the corpus.
pub fn all_captures() -> Vec<PathBuf> {
    let Some(dir) = interop_dir() else { return Vec::new() };
    let mut out = Vec::new();
    let mut stack = vec![dir.join("captures")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "pcap") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[path = "../../sim/src/pcap.rs"]
pub mod pcap;

/// A pcap file's link type and its records' bytes, in order (the same
/// lenient reader as `sixlo-sim decode`: records beyond the snapshot length
/// are kept).
pub fn read_pcap(path: &Path) -> (u32, Vec<Vec<u8>>) {
    let p = read_pcap_records(path);
    (p.linktype, p.records.into_iter().map(|r| r.data).collect())
}

/// The whole pcap, with each record's original length (to tell records cut
/// at the snapshot length, whose FCS is missing).
pub fn read_pcap_records(path: &Path) -> pcap::Pcap {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pcap::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The IPv6 packet inside an Ethernet II frame (ethertype 0x86dd), if any.
pub fn ethernet_ipv6(frame: &[u8]) -> Option<&[u8]> {
    if frame.len() >= 14 && frame[12..14] == [0x86, 0xdd] { Some(&frame[14..]) } else { None }
}

/// True when tshark is on the PATH. When it is not and `CI` is set, panics:
/// CI installs it, so its absence there is a broken setup, not a skip.
pub fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("-v").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("tshark is required in CI (the README's test command installs it)");
    }
    ok
}

/// Runs tshark over `path` and returns, per frame (in order), whether tshark
/// marked it malformed. `extra` are more tshark options (e.g. `-o` settings).
pub fn tshark_malformed(path: &Path, extra: &[&str]) -> Vec<bool> {
    tshark_fields(path, extra, &["_ws.malformed"]).into_iter().map(|f| !f[0].is_empty()).collect()
}

/// Runs `tshark -T fields` over `path` and returns, per frame, the values of
/// `fields` (an empty string where a field is absent).
pub fn tshark_fields(path: &Path, extra: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args(["-o", "wpan.802154_fcs_ok:FALSE"]).args(extra).args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("running tshark");
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Vec<String> = l.split('\t').map(str::to_owned).collect();
            v.resize(fields.len(), String::new());
            v
        })
        .collect()
}
