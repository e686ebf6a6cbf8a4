//! `sixlo-sim decode`: one JSON object per captured frame, one per line.
//!
//! Each line begins with `{"frame": N` (1-based, as tshark counts). A frame
//! that does not parse gives an `"error"` key (and whatever layers did parse)
//! and decoding goes on with the next frame; only an unreadable file is an
//! error of the command.

use serde_json::{Map, Value, json};
use std::io;
use std::path::Path;

use sixlo::wire::ieee802154 as wpan;

use crate::capture::{self, Fcs, Record};

/// Decodes every record of the pcap at `path` into JSON lines on `out`.
pub fn decode_file<W: io::Write>(path: &Path, out: &mut W) -> io::Result<()> {
    let cap = capture::read(path).map_err(io::Error::other)?;
    for (i, data) in cap.records.iter().enumerate() {
        let v = decode_record(i + 1, cap.linktype, data);
        crate::json::write_line(out, &v)?;
    }
    Ok(())
}

/// Decodes one record (`number` is 1-based) of a capture with link type `linktype`.
pub fn decode_record(number: usize, linktype: u32, data: &[u8]) -> Value {
    let mut obj = Map::new();
    obj.insert("frame".into(), json!(number));
    match capture::classify(linktype, data, &wpan::fcs_ok) {
        Record::Wpan { frame, fcs } => wpan_frame(&mut obj, frame, fcs),
        Record::Ipv6(_packet) => {
            obj.insert("link".into(), json!("ipv6"));
        }
        Record::Other(what) => {
            obj.insert("skipped".into(), json!(what));
        }
        Record::Broken(why) => {
            obj.insert("error".into(), json!(why));
        }
    }
    Value::Object(obj)
}

fn wpan_frame(obj: &mut Map<String, Value>, frame: &[u8], fcs: Fcs) {
    let fcs_ok = match fcs {
        Fcs::Absent => Value::Null,
        Fcs::Checked(ok) => json!(ok),
    };
    let repr = match wpan::FrameRepr::from_bytes(frame) {
        Ok(r) => r,
        Err(e) => {
            obj.insert("error".into(), json!(format!("802.15.4: {e}")));
            return;
        }
    };
    let mac = json!({
        "type": frame_type_name(repr.frame_type),
        "version": version_name(repr.frame_version),
        "seq": repr.sequence_number,
        "src": address(&repr.src_addr),
        "dst": address(&repr.dst_addr),
        "src_pan": repr.src_pan_id.map(pan),
        "dst_pan": repr.dst_pan_id.map(pan),
        "ack_request": repr.ack_request,
        "fcs_ok": fcs_ok,
    });
    obj.insert("mac".into(), mac);
}

fn frame_type_name(t: wpan::FrameType) -> String {
    match t {
        wpan::FrameType::Beacon => "beacon".into(),
        wpan::FrameType::Data => "data".into(),
        wpan::FrameType::Ack => "ack".into(),
        wpan::FrameType::Command => "command".into(),
        wpan::FrameType::Multipurpose => "multipurpose".into(),
        wpan::FrameType::Frak => "frak".into(),
        wpan::FrameType::Extended => "extended".into(),
        wpan::FrameType::Unknown(n) => format!("reserved({n})"),
    }
}

fn version_name(v: wpan::FrameVersion) -> String {
    match v {
        wpan::FrameVersion::V2003 => "2003".into(),
        wpan::FrameVersion::V2006 => "2006".into(),
        wpan::FrameVersion::V2015 => "2015".into(),
        wpan::FrameVersion::Unknown(n) => format!("reserved({n})"),
    }
}

/// As tshark writes them: `0x1234` for short, `02:12:74:01:00:01:01:01` for extended.
fn address(a: &wpan::Address) -> Value {
    match a {
        wpan::Address::Absent => Value::Null,
        wpan::Address::Short(b) => json!(format!("0x{:04x}", u16::from_be_bytes(*b))),
        wpan::Address::Extended(b) => {
            let parts: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
            json!(parts.join(":"))
        }
    }
}

fn pan(p: u16) -> Value {
    json!(format!("0x{p:04x}"))
}
