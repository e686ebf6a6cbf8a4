//! ICMPv6 and neighbour discovery against the interop corpus, with tshark as
//! the oracle.
//!
//! Most captures carry 6LoWPAN-compressed frames (the OpenWSN ones wrap
//! them in IPv6/UDP/ZEP), so the ICMPv6 bytes come from tshark itself: its
//! JSON output with `-x` gives each field's raw bytes (`icmpv6_raw`), taken
//! from the decompressed IPv6 packet. For every ICMPv6 message tshark does
//! not mark malformed, we check: our parse succeeds, type and code equal
//! tshark's, our checksum verdict equals `icmpv6.checksum.status`, and
//! re-emitting gives the same bytes.
//!
//! The tcpdump RPL captures are Ethernet/IPv6/ICMPv6 and are parsed directly:
//! they must come out as the raw type-155 variant.

mod common;

use std::net::Ipv6Addr;
use std::path::Path;
use std::process::Command;

use sixlo::wire::icmpv6::{Message, Packet, Repr};
use sixlo::wire::ndisc;

/// Per frame, the hex of the first `icmpv6_raw` field (empty when absent).
fn tshark_icmpv6_raw(path: &Path) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-o", "wpan.802154_fcs_ok:FALSE", "-T", "json", "-x", "-j", "icmpv6"])
        .output()
        .expect("running tshark");
    assert!(out.status.success(), "tshark failed on {}", path.display());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut frames: Vec<String> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.starts_with("\"_index\"") {
            frames.push(String::new());
        } else if t == "\"icmpv6_raw\": [" {
            let hex = lines.next().unwrap().trim().trim_end_matches(',').trim_matches('"').to_owned();
            let last = frames.last_mut().expect("icmpv6_raw before any frame");
            if last.is_empty() {
                *last = hex;
            }
        }
    }
    frames
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn last_addr(field: &str) -> Ipv6Addr {
    field.rsplit(',').next().unwrap().parse().unwrap()
}

#[derive(Default, Debug)]
struct Tally {
    messages: usize,
    ndisc: usize,
    rpl: usize,
    bad_checksum: usize,
    skipped_malformed: usize,
}

fn check_capture(path: &Path, tally: &mut Tally) {
    let fields = common::tshark_fields(
        path,
        &[],
        &["icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "_ws.malformed", "ipv6.src", "ipv6.dst"],
    );
    let raws = tshark_icmpv6_raw(path);
    assert_eq!(fields.len(), raws.len(), "{}: frame counts differ", path.display());
    for (i, (f, raw)) in fields.iter().zip(&raws).enumerate() {
        let frame = i + 1;
        if f[0].is_empty() {
            continue;
        }
        if !f[3].is_empty() {
            tally.skipped_malformed += 1;
            continue;
        }
        let what = format!("{} frame {frame}", path.display());
        // An ICMPv6 error quoting an ICMPv6 message lists both; the first
        // value is the outer message.
        let first = |s: &str| s.split(',').next().unwrap().to_owned();
        let (ty, code): (u8, u8) = (first(&f[0]).parse().unwrap(), first(&f[1]).parse().unwrap());
        let status = first(&f[2]);
        let (src, dst) = (last_addr(&f[4]), last_addr(&f[5]));
        let bytes = unhex(raw);
        assert!(!bytes.is_empty(), "{what}: no icmpv6_raw");

        let packet = Packet::new_checked(&bytes[..]).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(u8::from(packet.msg_type()), ty, "{what}");
        assert_eq!(packet.msg_code(), code, "{what}");
        let good = packet.verify_checksum(&src, &dst);
        match status.as_str() {
            "1" => assert!(good, "{what}: tshark says the checksum is good"),
            "0" => {
                assert!(!good, "{what}: tshark says the checksum is bad");
                tally.bad_checksum += 1;
            }
            other => panic!("{what}: unexpected checksum status {other:?}"),
        }
        let repr = Repr::parse(&packet).unwrap_or_else(|e| panic!("{what}: {e} on {bytes:02x?}"));
        assert_eq!(repr.msg_type(), packet.msg_type(), "{what}");
        assert_eq!(repr.code(), code, "{what}");
        match repr {
            Repr::Ndisc(nd) => {
                tally.ndisc += 1;
                for opt in nd.options() {
                    opt.unwrap_or_else(|e| panic!("{what}: option {e}"));
                }
            }
            Repr::Other { msg_type: Message::RplControl, .. } => tally.rpl += 1,
            _ => {}
        }
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&src, &dst, &mut out);
        if good {
            assert_eq!(out, bytes, "{what}: re-emitted bytes differ");
        } else {
            // We write a correct checksum; everything else is identical.
            assert_eq!(out[..2], bytes[..2], "{what}");
            assert_eq!(out[4..], bytes[4..], "{what}");
            assert!(Packet::new_unchecked(&out[..]).verify_checksum(&src, &dst));
        }
        tally.messages += 1;
    }
}

#[test]
fn every_icmpv6_message_in_the_corpus_matches_tshark() {
    let captures = common::all_captures();
    if captures.is_empty() || !common::have_tshark() {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset or tshark missing");
        return;
    }
    let mut tally = Tally::default();
    for path in captures.iter().filter(|p| !p.to_string_lossy().contains("contiki-ng-malformed")) {
        check_capture(path, &mut tally);
    }
    eprintln!("{tally:?}");
    // Counts from tshark 4.0 over the corpus, so that a silent skip fails.
    // bad_checksum: hand/hand_230_badcsum.pcap, one OpenWSN echo reply and
    // tcpdump/rpl-dao-oobr.pcap.
    assert_eq!(
        (tally.messages, tally.ndisc, tally.rpl, tally.bad_checksum, tally.skipped_malformed),
        (1584, 49, 1161, 3, 2),
        "{tally:?}"
    );
}

#[test]
fn nd_plugtest_captures_parse_to_the_expected_messages() {
    let Some(dir) = common::interop_dir() else {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset");
        return;
    };
    if !common::have_tshark() {
        return;
    }
    // TD_6LOWPAN_ND_01: NS, NA, RS, RA with PIO + SLLAO + ABRO.
    let path = dir.join("captures/ttproto/6lowpan_nd__TD_6LOWPAN_ND_01.pcap");
    let raws = tshark_icmpv6_raw(&path);
    let types: Vec<Message> = raws
        .iter()
        .map(|r| {
            let b = unhex(r);
            let Repr::Ndisc(nd) = Repr::parse_bytes(&b).unwrap() else { panic!() };
            nd.msg_type()
        })
        .collect();
    assert_eq!(
        types,
        [Message::NeighborSolicit, Message::NeighborAdvert, Message::RouterSolicit, Message::RouterAdvert]
    );
    let ra = unhex(&raws[3]);
    let Repr::Ndisc(ndisc::Repr::RouterAdvert { router_lifetime, options, .. }) =
        Repr::parse_bytes(&ra).unwrap()
    else {
        panic!()
    };
    assert_eq!(router_lifetime, 1800);
    let kinds: Vec<ndisc::OptionType> = options.iter().map(|o| o.unwrap().option_type()).collect();
    assert_eq!(
        kinds,
        [
            ndisc::OptionType::PrefixInformation,
            ndisc::OptionType::SourceLinkLayerAddr,
            ndisc::OptionType::AuthoritativeBorderRouter
        ]
    );
}

/// The IPv6 payload after any Hop-by-Hop / Routing / Destination Options /
/// Fragment headers, when it is ICMPv6.
fn icmpv6_in(ip: &[u8]) -> Option<(Ipv6Addr, Ipv6Addr, &[u8])> {
    if ip.len() < 40 || ip[0] >> 4 != 6 {
        return None;
    }
    let src = Ipv6Addr::from(<[u8; 16]>::try_from(&ip[8..24]).unwrap());
    let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&ip[24..40]).unwrap());
    let end = (40 + usize::from(u16::from_be_bytes([ip[4], ip[5]]))).min(ip.len());
    let (mut next, mut at) = (ip[6], 40);
    loop {
        match next {
            58 => return Some((src, dst, &ip[at..end])),
            0 | 43 | 60 if at + 2 <= end => {
                next = ip[at];
                at += (usize::from(ip[at + 1]) + 1) * 8;
            }
            44 if at + 8 <= end => {
                next = ip[at];
                at += 8;
            }
            _ => return None,
        }
        if at > end {
            return None;
        }
    }
}

#[test]
fn tcpdump_rpl_captures_are_raw_type_155() {
    let Some(dir) = common::interop_dir() else {
        eprintln!("skipped: SIXLO_INTEROP_DIR unset");
        return;
    };
    let mut checked = 0;
    for name in ["rpl-14-dao.pcap", "rpl-19-pickdag.pcap", "rpl-26-senddaoack.pcap", "rpl-dao-oobr.pcap"] {
        let (linktype, frames) = common::read_pcap(&dir.join("captures/tcpdump").join(name));
        assert_eq!(linktype, 1, "{name}");
        for frame in &frames {
            let ip = common::ethernet_ipv6(frame).unwrap_or_else(|| panic!("{name}: not IPv6"));
            let Some((src, dst, msg)) = icmpv6_in(ip) else {
                panic!("{name}: no ICMPv6");
            };
            let packet = Packet::new_checked(msg).unwrap();
            let repr = Repr::parse(&packet).unwrap_or_else(|e| panic!("{name}: {e}"));
            let Repr::Other { msg_type: Message::RplControl, code, data } = repr else {
                panic!("{name}: {repr:?}")
            };
            assert_eq!(code, packet.msg_code());
            assert_eq!(data, &msg[4..]);
            let mut out = vec![0u8; repr.buffer_len()];
            repr.emit(&src, &dst, &mut out);
            assert_eq!(out[4..], msg[4..], "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
}
