//! A small, lenient reader of classic pcap files (std only, no dependencies).
//!
//! Lenient where real captures need it: a record longer than the file's
//! snapshot length is kept as it is (tcpdump's fuzzed samples have them), and
//! a record cut short by the end of the file ends the reading without losing
//! the records before it. This file is also compiled into the stack's
//! integration tests (`tests/common`), so both read captures the same way.

use std::io;

/// A capture's link type and records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcap {
    /// The link type from the global header (tcpdump.org's LINKTYPE_ values).
    pub linktype: u32,
    /// Each record's bytes and timestamp (microseconds since the epoch).
    pub records: Vec<PcapRecord>,
    /// True when the last record was cut short and dropped.
    pub truncated: bool,
}

/// One captured record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapRecord {
    /// Capture time, in microseconds since the Unix epoch.
    pub timestamp_us: u64,
    /// The captured bytes.
    pub data: Vec<u8>,
    /// The length of the packet on the wire; more than `data.len()` when the
    /// capture cut it at the snapshot length.
    pub orig_len: usize,
}

impl PcapRecord {
    /// True when the capture holds only the beginning of the packet.
    pub fn is_cut(&self) -> bool {
        self.orig_len > self.data.len()
    }
}

/// Parses a whole classic pcap file (either byte order, µs or ns timestamps).
pub fn parse(bytes: &[u8]) -> io::Result<Pcap> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_owned());
    if bytes.len() < 24 {
        return Err(bad("not a pcap file: shorter than the 24-byte global header"));
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    let (big_endian, nanos) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
        [0x0a, 0x0d, 0x0d, 0x0a] => {
            return Err(bad("pcapng files are not supported; convert with editcap -F pcap"));
        }
        _ => return Err(bad("not a pcap file: unknown magic number")),
    };
    let u32_at = |b: &[u8], at: usize| {
        let w = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if big_endian { u32::from_be_bytes(w) } else { u32::from_le_bytes(w) }
    };
    // The top bits of the link-type word carry FCS flags (pcap-savefile(5)).
    let linktype = u32_at(bytes, 20) & 0x0fff_ffff;
    let mut records = Vec::new();
    let mut rest = &bytes[24..];
    let mut truncated = false;
    while !rest.is_empty() {
        if rest.len() < 16 {
            truncated = true;
            break;
        }
        let secs = u64::from(u32_at(rest, 0));
        let frac = u64::from(u32_at(rest, 4));
        let incl = u32_at(rest, 8) as usize;
        let orig_len = u32_at(rest, 12) as usize;
        let Some(data) = rest.get(16..16usize.saturating_add(incl)) else {
            truncated = true;
            break;
        };
        let timestamp_us = secs * 1_000_000 + if nanos { frac / 1_000 } else { frac };
        records.push(PcapRecord { timestamp_us, data: data.to_vec(), orig_len });
        rest = &rest[16 + incl..];
    }
    Ok(Pcap { linktype, records, truncated })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(records: &[&[u8]]) -> Vec<u8> {
        let mut f =
            vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 230, 0, 0, 0];
        for r in records {
            f.extend_from_slice(&[1, 0, 0, 0, 5, 0, 0, 0]);
            f.extend_from_slice(&(r.len() as u32).to_le_bytes());
            f.extend_from_slice(&(r.len() as u32).to_le_bytes());
            f.extend_from_slice(r);
        }
        f
    }

    #[test]
    fn reads_records_beyond_snaplen_and_stops_at_a_cut() {
        let mut f = file(&[b"abcdef", b"gh"]);
        let p = parse(&f).unwrap();
        assert_eq!(p.linktype, 230);
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].data, b"abcdef"); // snaplen 4 < 6: kept whole
        assert_eq!(p.records[0].timestamp_us, 1_000_005);
        assert!(!p.records[0].is_cut());
        f.truncate(f.len() - 1);
        let p = parse(&f).unwrap();
        assert_eq!((p.records.len(), p.truncated), (1, true));
        assert!(parse(&f[..10]).is_err());
    }
}
