//! Reading captures: which bytes of a pcap record are an 802.15.4 frame.
//!
//! Link types handled (tcpdump.org link-type registry):
//! - 195 `IEEE802_15_4_WITHFCS`: the frame followed by its 2-byte FCS;
//! - 230 `IEEE802_15_4_NOFCS`: the frame without FCS;
//! - 283 `IEEE802_15_4_TAP`: a TLV header (RFC-less, Wireshark's WPAN-TAP)
//!   whose FCS-type TLV says whether a 0-, 2- or 4-byte FCS follows;
//! - 1 Ethernet: IPv6 packets (RPL over Ethernet, as tcpdump's samples), and
//!   ZEP v1/v2/v3 over UDP port 17754 (IPv4 or IPv6) carrying a frame;
//! - 101 / 228 / 229 raw IP: IPv6 packets.

use std::path::Path;

/// The UDP port of the ZigBee Encapsulation Protocol.
pub const ZEP_PORT: u16 = 17754;

/// What one capture record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// An 802.15.4 frame without its FCS, and what is known of the FCS.
    Wpan { frame: &'a [u8], fcs: Fcs },
    /// An IPv6 packet carried outside 802.15.4 (Ethernet or raw IP).
    Ipv6(&'a [u8]),
    /// Something this tool does not decode (IPv4 that is not ZEP, ARP, ...),
    /// with a short description.
    Other(&'static str),
    /// The record is too short for its own link-layer encapsulation.
    Broken(&'static str),
}

/// The frame check sequence of a captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fcs {
    /// The capture carries no FCS (link type 230).
    Absent,
    /// The capture carries the FCS; `true` when it matches the frame.
    Checked(bool),
}

/// Reads a classic pcap file (either byte order, micro- or nanosecond).
pub fn read(path: &Path) -> Result<crate::pcap::Pcap, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let p = crate::pcap::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if p.truncated {
        eprintln!("{}: the last record is cut short and was skipped", path.display());
    }
    Ok(p)
}

/// Classifies one record of a capture with link type `linktype`.
///
/// `cut` says the capture holds only the start of the record (snapshot
/// length): its FCS, if any, is then not in the data and is not checked.
///
/// `check_fcs` computes whether a frame's trailing FCS is right; it is a
/// parameter so that this module does not care which CRC the link uses.
pub fn classify<'a>(
    linktype: u32,
    data: &'a [u8],
    cut: bool,
    check_fcs: &dyn Fn(&[u8]) -> bool,
) -> Record<'a> {
    match linktype {
        195 if cut => Record::Wpan { frame: data, fcs: Fcs::Absent },
        195 => with_fcs(data, check_fcs),
        230 => Record::Wpan { frame: data, fcs: Fcs::Absent },
        283 => tap(data, check_fcs),
        1 => ethernet(data, check_fcs),
        101 | 228 | 229 => match data.first() {
            Some(b) if b >> 4 == 6 => ipv6(data, check_fcs),
            Some(b) if b >> 4 == 4 => ipv4(data, check_fcs),
            Some(_) => Record::Other("raw IP of an unknown version"),
            None => Record::Broken("empty record"),
        },
        _ => Record::Other("unsupported link type"),
    }
}

fn with_fcs<'a>(data: &'a [u8], check_fcs: &dyn Fn(&[u8]) -> bool) -> Record<'a> {
    if data.len() < 2 {
        return Record::Broken("frame shorter than its FCS");
    }
    Record::Wpan { frame: &data[..data.len() - 2], fcs: Fcs::Checked(check_fcs(data)) }
}

/// Wireshark's IEEE 802.15.4 TAP header: version, reserved, length (LE),
/// then TLVs (type LE16, length LE16, value padded to 4 bytes).
fn tap<'a>(data: &'a [u8], check_fcs: &dyn Fn(&[u8]) -> bool) -> Record<'a> {
    if data.len() < 4 {
        return Record::Broken("TAP header truncated");
    }
    let hdr_len = usize::from(u16::from_le_bytes([data[2], data[3]]));
    if hdr_len < 4 || hdr_len > data.len() {
        return Record::Broken("TAP header length out of bounds");
    }
    let mut fcs_len = 0;
    let mut tlvs = &data[4..hdr_len];
    while tlvs.len() >= 4 {
        let t = u16::from_le_bytes([tlvs[0], tlvs[1]]);
        let l = usize::from(u16::from_le_bytes([tlvs[2], tlvs[3]]));
        let padded = (l + 3) & !3;
        if 4 + padded > tlvs.len() {
            return Record::Broken("TAP TLV overruns the header");
        }
        // TLV 0 is the FCS type: 0 none, 1 16-bit CRC, 2 32-bit CRC.
        if t == 0 && l >= 1 {
            fcs_len = match tlvs[4] {
                1 => 2,
                2 => 4,
                _ => 0,
            };
        }
        tlvs = &tlvs[4 + padded..];
    }
    let frame = &data[hdr_len..];
    match fcs_len {
        2 => with_fcs(frame, check_fcs),
        0 => Record::Wpan { frame, fcs: Fcs::Absent },
        _ if frame.len() >= 4 => Record::Wpan { frame: &frame[..frame.len() - 4], fcs: Fcs::Absent },
        _ => Record::Broken("frame shorter than its FCS"),
    }
}

fn ethernet<'a>(data: &'a [u8], check_fcs: &dyn Fn(&[u8]) -> bool) -> Record<'a> {
    if data.len() < 14 {
        return Record::Broken("Ethernet header truncated");
    }
    match u16::from_be_bytes([data[12], data[13]]) {
        0x86dd => ipv6(&data[14..], check_fcs),
        0x0800 => ipv4(&data[14..], check_fcs),
        _ => Record::Other("Ethernet frame that is neither IPv6 nor IPv4"),
    }
}

/// An IPv6 packet: ZEP when its next header is UDP to port 17754 (OpenWSN's
/// and RIOT's sniffers send it so), else the packet itself.
fn ipv6<'a>(ip: &'a [u8], check_fcs: &dyn Fn(&[u8]) -> bool) -> Record<'a> {
    if ip.len() >= 48 && ip[6] == 17 && u16::from_be_bytes([ip[42], ip[43]]) == ZEP_PORT {
        zep(&ip[48..], check_fcs)
    } else {
        Record::Ipv6(ip)
    }
}

fn ipv4<'a>(ip: &'a [u8], check_fcs: &dyn Fn(&[u8]) -> bool) -> Record<'a> {
    if ip.len() < 20 {
        return Record::Broken("IPv4 header truncated");
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    if ihl < 20 || ip.len() < ihl + 8 {
        return Record::Broken("IPv4 header truncated");
    }
    if ip[9] != 17 || u16::from_be_bytes([ip[ihl + 2], ip[ihl + 3]]) != ZEP_PORT {
        return Record::Other("IPv4 packet that is not ZEP");
    }
    zep(&ip[ihl + 8..], check_fcs)
}

/// ZEP (ZigBee Encapsulation Protocol, as Wireshark and RIOT's zep_dispatch
/// speak it). v1: 16-byte header; v2/v3 data: 32-byte header; both end with
/// the length of the frame, FCS included. In CRC mode the last two bytes are
/// the FCS; in LQI mode they are TI CC24xx metadata (RSSI, then bit 7 =
/// FCS valid as judged by the sender's radio).
fn zep<'a>(z: &'a [u8], check_fcs: &dyn Fn(&[u8]) -> bool) -> Record<'a> {
    if z.len() < 4 || &z[..2] != b"EX" {
        return Record::Broken("not a ZEP header");
    }
    let (hdr_len, lqi_mode) = match (z[2], z[3]) {
        (1, _) => (16, z.len() > 7 && z[7] == 0),
        (2 | 3, 1) => (32, z.len() > 7 && z[7] == 0),
        (2 | 3, 2) => return Record::Other("ZEP ACK"),
        _ => return Record::Other("unknown ZEP version or type"),
    };
    if z.len() < hdr_len {
        return Record::Broken("ZEP header truncated");
    }
    let len = usize::from(z[hdr_len - 1] & 0x7f);
    let frame = &z[hdr_len..];
    if frame.len() < len || len < 2 {
        return Record::Broken("ZEP length beyond the packet");
    }
    let frame = &frame[..len];
    if lqi_mode {
        let ok = frame[len - 1] & 0x80 != 0;
        Record::Wpan { frame: &frame[..len - 2], fcs: Fcs::Checked(ok) }
    } else {
        with_fcs(frame, check_fcs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &[u8]) -> bool {
        false
    }

    #[test]
    fn short_records_are_broken_not_panics() {
        for lt in [195, 230, 283, 1, 101] {
            for n in 0..40 {
                let data = vec![0xffu8; n];
                let _ = classify(lt, &data, false, &never);
            }
        }
        assert_eq!(classify(195, &[1], false, &never), Record::Broken("frame shorter than its FCS"));
    }

    #[test]
    fn zep_v2_crc_mode() {
        let mut z = b"EX\x02\x01".to_vec();
        z.extend_from_slice(&[26, 0x12, 0x34, 1, 0xff]); // channel, device, CRC mode, LQI
        z.extend_from_slice(&[0; 8 + 4 + 10]); // timestamp, sequence, reserved
        z.push(5); // length
        z.extend_from_slice(&[0x02, 0x00, 0x07, 0xaa, 0xbb]);
        assert_eq!(
            zep(&z, &|f| f == [2, 0, 7, 0xaa, 0xbb]),
            Record::Wpan { frame: &[2, 0, 7], fcs: Fcs::Checked(true) }
        );
        z[31] = 6; // a length beyond the packet
        assert_eq!(zep(&z, &never), Record::Broken("ZEP length beyond the packet"));
    }
}
