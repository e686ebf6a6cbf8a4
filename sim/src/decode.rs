//! `sixlo-sim decode`: one JSON object per captured frame, one per line.
//!
//! Each line begins with `{"frame": N` (1-based, as tshark counts). A frame
//! that does not parse gives an `"error"` key (and whatever layers did parse)
//! and decoding goes on with the next frame; only an unreadable file is an
//! error of the command.

use serde_json::{Map, Value, json};
use std::io;
use std::path::Path;

use sixlo::lowpan::frag::{self, OwnedSlots, Reassembler};
use sixlo::lowpan::{ContextTable, Received, Receiver};
use sixlo::time::Instant;
use sixlo::wire::ieee802154 as wpan;
use sixlo::wire::ipv6::{self, IpProtocol};
use sixlo::wire::{icmpv6, rpl, sixlowpan, udp};

use crate::capture::{self, Fcs, Record};

/// Decoding state that outlives one frame: the 6LoWPAN contexts (as
/// tshark's `6lowpan.contextN` settings) and the reassembly of fragments.
pub struct Decoder {
    contexts: ContextTable,
    rx: Box<Receiver<OwnedSlots<REASSEMBLY_SLOTS, { frag::MAX_DATAGRAM_SIZE }>>>,
    packet: Box<[u8; frag::MAX_DATAGRAM_SIZE]>,
}

/// Datagrams reassembled at once while decoding a capture.
const REASSEMBLY_SLOTS: usize = 16;

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(ContextTable::new())
    }
}

impl Decoder {
    /// A decoder with the given 6LoWPAN contexts.
    pub fn new(contexts: ContextTable) -> Self {
        Decoder {
            contexts,
            rx: Box::new(Receiver::new(Reassembler::new_owned())),
            packet: Box::new([0; frag::MAX_DATAGRAM_SIZE]),
        }
    }

    /// Decodes every record of the pcap at `path` into JSON lines on `out`.
    pub fn decode_file<W: io::Write>(&mut self, path: &Path, out: &mut W) -> io::Result<()> {
        let cap = capture::read(path).map_err(io::Error::other)?;
        for (i, rec) in cap.records.iter().enumerate() {
            let now = Instant::from_micros(rec.timestamp_us);
            let v = self.decode_record(i + 1, now, cap.linktype, &rec.data, rec.is_cut());
            crate::json::write_line(out, &v)?;
        }
        Ok(())
    }

    /// Decodes one record (`number` is 1-based, `now` its capture time) of a
    /// capture with link type `linktype`; `cut` says the capture kept only
    /// its beginning.
    pub fn decode_record(
        &mut self,
        number: usize,
        now: Instant,
        linktype: u32,
        data: &[u8],
        cut: bool,
    ) -> Value {
        let mut obj = Map::new();
        obj.insert("frame".into(), json!(number));
        match capture::classify(linktype, data, cut, &wpan::fcs_ok) {
            Record::Wpan { frame, fcs } => self.wpan_frame(&mut obj, now, frame, fcs, cut),
            Record::Ipv6(packet) => {
                if let Err(e) = ipv6_layers(&mut obj, packet) {
                    obj.insert("error".into(), json!(e));
                }
            }
            Record::Other(what) => {
                obj.insert("skipped".into(), json!(what));
            }
            Record::Broken(why) => {
                obj.insert("error".into(), json!(why));
            }
        }
        // The error, when there is one, comes right after the frame number.
        if let Some(e) = obj.shift_remove("error") {
            obj.shift_insert(1, "error".into(), e);
        }
        Value::Object(obj)
    }

    fn wpan_frame(&mut self, obj: &mut Map<String, Value>, now: Instant, frame: &[u8], fcs: Fcs, cut: bool) {
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
        // 6LoWPAN rides in unsecured data frames (RFC 4944 §5); a secured
        // payload is ciphertext until link-layer security lands.
        if repr.frame_type != wpan::FrameType::Data || repr.security_enabled || repr.payload.is_empty() {
            return;
        }
        if let Err(e) = lowpan_headers(obj, repr.payload) {
            obj.insert("error".into(), json!(e));
            return;
        }
        if cut {
            // The capture kept only the start of the frame: what follows the
            // 6LoWPAN headers is missing, so there is no packet to decode.
            obj.insert("cut".into(), json!(true));
            return;
        }
        let got = self.rx.receive(
            now,
            repr.payload,
            &repr.src_addr,
            &repr.dst_addr,
            &self.contexts,
            &mut self.packet[..],
        );
        match got {
            Ok(Received::Packet { packet, reassembled }) => {
                if reassembled {
                    obj.insert("reassembled".into(), json!(true));
                }
                if let Err(e) = ipv6_layers(obj, packet) {
                    obj.insert("error".into(), json!(e));
                }
            }
            // `receive` (slot buffers) never reports a lent pool.
            Ok(Received::Pending | Received::InPool(_)) => {}
            Err(e) => {
                obj.insert("error".into(), json!(e.to_string()));
            }
        }
    }
}

/// Decodes every record of the pcap at `path`, without 6LoWPAN contexts.
pub fn decode_file<W: io::Write>(path: &Path, out: &mut W) -> io::Result<()> {
    Decoder::default().decode_file(path, out)
}

/// Adds the `lowpan` object (and `frag` for fragments) for a frame payload.
fn lowpan_headers(obj: &mut Map<String, Value>, payload: &[u8]) -> Result<(), String> {
    let stack = sixlowpan::walk(payload).map_err(|e| format!("6lowpan: {e}"))?;
    let first = sixlowpan::Dispatch::of(payload).map(|d| d.name().to_ascii_lowercase());
    let mut lowpan = Map::new();
    lowpan.insert("dispatch".into(), json!(first));
    let mut frag = None;
    if let Some(span) = stack.frag {
        let f = sixlowpan::frag::Packet::new_checked(&payload[span.range()])
            .map_err(|e| format!("6lowpan: {e}"))?;
        let offset = if f.is_first() { 0 } else { usize::from(f.datagram_offset()) * 8 };
        frag = Some(json!({"size": f.datagram_size(), "tag": f.datagram_tag(), "offset": offset}));
    }
    if let sixlowpan::Inner::Iphc(span) = stack.inner {
        let p = sixlowpan::iphc::Packet::new_checked(&payload[span.start..])
            .map_err(|e| format!("6lowpan: {e}"))?;
        lowpan.insert(
            "iphc".into(),
            json!({
                "tf": p.tf(), "nh": u8::from(p.nh()), "hlim": p.hlim(), "cid": u8::from(p.cid()),
                "sac": u8::from(p.sac()), "sam": p.sam(), "m": u8::from(p.m()), "dac": u8::from(p.dac()), "dam": p.dam(),
            }),
        );
    }
    obj.insert("lowpan".into(), Value::Object(lowpan));
    if let Some(f) = frag {
        obj.insert("frag".into(), f);
    }
    Ok(())
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

/// Adds the `ipv6` object and the upper layer's (`udp`, `icmpv6`, `rpl`) for
/// a whole IPv6 packet. Returns a message for the first layer that fails.
pub fn ipv6_layers(obj: &mut Map<String, Value>, packet: &[u8]) -> Result<(), String> {
    let p = ipv6::Packet::new_checked(packet).map_err(|e| format!("ipv6: {e}"))?;
    let ip = ipv6::Repr::parse(&p).map_err(|e| format!("ipv6: {e}"))?;
    obj.insert(
        "ipv6".into(),
        json!({
            "src": ip.src_addr.to_string(),
            "dst": ip.dst_addr.to_string(),
            "hlim": ip.hop_limit,
            "next_header": u8::from(ip.next_header),
            "payload_len": ip.payload_len,
            "traffic_class": ip.traffic_class,
            "flow_label": ip.flow_label,
        }),
    );
    let payload = p.payload();
    let upper =
        ipv6::upper_layer(ip.next_header, payload).map_err(|e| format!("ipv6 extension headers: {e}"))?;
    if upper.fragment.is_some_and(|f| f.offset != 0) {
        return Ok(()); // the middle of a fragmented packet: no upper-layer header here
    }
    let data = &payload[upper.offset..];
    match upper.protocol {
        IpProtocol::Udp => {
            let u = udp::Packet::new_checked(data).map_err(|e| format!("udp: {e}"))?;
            obj.insert(
                "udp".into(),
                json!({
                    "src_port": u.src_port(),
                    "dst_port": u.dst_port(),
                    "length": u.len(),
                    "checksum_ok": u.verify_checksum(&ip.src_addr, &ip.dst_addr),
                }),
            );
        }
        IpProtocol::Icmpv6 => {
            let i = icmpv6::Packet::new_checked(data).map_err(|e| format!("icmpv6: {e}"))?;
            obj.insert(
                "icmpv6".into(),
                json!({
                    "type": u8::from(i.msg_type()),
                    "code": i.msg_code(),
                    "checksum_ok": i.verify_checksum(&ip.src_addr, &ip.dst_addr),
                }),
            );
            if i.msg_type() == icmpv6::Message::RplControl {
                let body = data.get(4..).unwrap_or_default();
                let r = rpl::Repr::parse(i.msg_code(), body).map_err(|e| format!("rpl: {e}"))?;
                obj.insert("rpl".into(), rpl_json(&r));
            }
        }
        _ => {}
    }
    Ok(())
}

fn rpl_json(r: &rpl::Repr<'_>) -> Value {
    let mut m = Map::new();
    let options = match r {
        rpl::Repr::Dis(d) => {
            m.insert("msg".into(), json!("DIS"));
            Some(d.options)
        }
        rpl::Repr::Dio(d) => {
            m.insert("msg".into(), json!("DIO"));
            m.insert("instance".into(), json!(d.rpl_instance_id));
            m.insert("version".into(), json!(d.version_number));
            m.insert("rank".into(), json!(d.rank));
            m.insert("mop".into(), json!(u8::from(d.mode_of_operation)));
            m.insert("dtsn".into(), json!(d.dtsn));
            m.insert("dodag_id".into(), json!(d.dodag_id.to_string()));
            Some(d.options)
        }
        rpl::Repr::Dao(d) => {
            m.insert("msg".into(), json!("DAO"));
            m.insert("instance".into(), json!(d.rpl_instance_id));
            m.insert("sequence".into(), json!(d.sequence));
            if let Some(id) = d.dodag_id {
                m.insert("dodag_id".into(), json!(id.to_string()));
            }
            Some(d.options)
        }
        rpl::Repr::DaoAck(d) => {
            m.insert("msg".into(), json!("DAO-ACK"));
            m.insert("instance".into(), json!(d.rpl_instance_id));
            m.insert("sequence".into(), json!(d.sequence));
            m.insert("status".into(), json!(d.status));
            if let Some(id) = d.dodag_id {
                m.insert("dodag_id".into(), json!(id.to_string()));
            }
            Some(d.options)
        }
        rpl::Repr::Unknown { code, .. } => {
            m.insert("msg".into(), json!(format!("code 0x{code:02x}")));
            None
        }
    };
    if let Some(opts) = options {
        let kinds: Vec<u8> = opts.iter().filter_map(|o| o.ok()).map(|o| o.kind()).collect();
        m.insert("options".into(), json!(kinds));
    }
    Value::Object(m)
}
