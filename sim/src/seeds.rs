//! `sixlo-sim fuzz-seeds`: fuzz seed inputs cut from captures at run time.
//!
//! The interop captures are third-party data and stay out of the repository;
//! the corpora committed under `fuzz/corpus/` are ours. This command cuts,
//! from any captures given to it, one input per distinct message for each
//! fuzz target, so that CI replays real traffic through the targets too.

use std::collections::HashSet;
use std::io;
use std::path::Path;

use sixlo::wire::ieee802154 as wpan;
use sixlo::wire::ipv6::{self, IpProtocol};

use crate::capture::{self, Record};

/// Per target, at most this many inputs: enough variety, a quick replay.
const MAX_PER_TARGET: usize = 400;

/// Writes seeds for every target into `out/<target>/`, from the pcaps given.
/// Returns how many files were written per target.
pub fn write_seeds(captures: &[&Path], out: &Path) -> io::Result<Vec<(&'static str, usize)>> {
    let mut seen: HashSet<(&'static str, Vec<u8>)> = HashSet::new();
    for cap_path in captures {
        let Ok(cap) = capture::read(cap_path) else { continue };
        for rec in &cap.records {
            match capture::classify(cap.linktype, &rec.data, rec.is_cut(), &wpan::fcs_ok) {
                Record::Wpan { frame, .. } => {
                    seen.insert(("frame", frame.to_vec()));
                    if let Ok(r) = wpan::FrameRepr::from_bytes(frame)
                        && r.frame_type == wpan::FrameType::Data
                        && !r.payload.is_empty()
                    {
                        seen.insert(("sixlowpan", r.payload.to_vec()));
                        // node_rx: [role][selector][len][payload], router and host.
                        if r.payload.len() <= 100 {
                            for role in [0u8, 1] {
                                let mut d = vec![role, 0x01, r.payload.len() as u8];
                                d.extend_from_slice(r.payload);
                                seen.insert(("node_rx", d));
                            }
                        }
                        // An unfragmented IPHC payload (RFC 6282 §3.1: 011xxxxx)
                        // for the decompressor targets, with its link addresses.
                        if r.payload[0] & 0xe0 == 0x60 {
                            let (ms, bs) = address_material(&r.src_addr);
                            let (md, bd) = address_material(&r.dst_addr);
                            let mut d = vec![ms | md << 2];
                            d.extend_from_slice(&bs);
                            d.extend_from_slice(&bd);
                            d.extend_from_slice(r.payload);
                            seen.insert(("diff_smoltcp", d));
                            let mut c = vec![(ms | md << 2) & 0x0f];
                            c.extend_from_slice(r.payload);
                            seen.insert(("decompress", c));
                        }
                        // RFC 4944 §5.1: dispatch 0x41 carries an uncompressed IPv6 packet.
                        if let [0x41, packet @ ..] = r.payload {
                            seen.insert(("ipv6", packet.to_vec()));
                            for (target, bytes) in upper_layer(packet) {
                                seen.insert((target, bytes.to_vec()));
                            }
                        }
                    }
                }
                Record::Ipv6(packet) => {
                    seen.insert(("ipv6", packet.to_vec()));
                    for (target, bytes) in upper_layer(packet) {
                        seen.insert((target, bytes.to_vec()));
                    }
                }
                Record::Other(_) | Record::Broken(_) => {}
            }
        }
    }
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut items: Vec<_> = seen.into_iter().collect();
    items.sort();
    for (target, bytes) in items {
        let n = match counts.iter_mut().find(|(t, _)| *t == target) {
            Some((_, n)) => n,
            None => {
                counts.push((target, 0));
                &mut counts.last_mut().unwrap().1
            }
        };
        if *n >= MAX_PER_TARGET {
            continue;
        }
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("capture-{:04}", *n)), &bytes)?;
        *n += 1;
    }
    Ok(counts)
}

/// The upper-layer message of an IPv6 packet, for the targets that take one.
fn upper_layer(packet: &[u8]) -> Vec<(&'static str, &[u8])> {
    let Ok(p) = ipv6::Packet::new_checked(packet) else { return Vec::new() };
    // The view's payload borrows the view; slice the input itself instead.
    let payload = &packet[ipv6::HEADER_LEN..ipv6::HEADER_LEN + p.payload().len()];
    let Ok(upper) = ipv6::upper_layer(p.next_header(), payload) else { return Vec::new() };
    let data = &payload[upper.offset..];
    match upper.protocol {
        IpProtocol::Udp => vec![("udp", data)],
        IpProtocol::Icmpv6 if data.first() == Some(&155) => vec![("icmpv6", data), ("rpl", data)],
        IpProtocol::Icmpv6 => vec![("icmpv6", data)],
        _ => Vec::new(),
    }
}

/// The fuzz targets' link-address encoding: a mode (0 absent, 1 short,
/// 3 extended) and 8 bytes of address material.
fn address_material(a: &wpan::Address) -> (u8, [u8; 8]) {
    let mut b = [0u8; 8];
    match a {
        wpan::Address::Absent => (0, b),
        wpan::Address::Short(s) => {
            b[..2].copy_from_slice(s);
            (1, b)
        }
        wpan::Address::Extended(e) => (3, *e),
    }
}
