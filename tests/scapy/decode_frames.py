#!/usr/bin/env python3
"""decode_frames.py: decode 802.15.4 + 6LoWPAN IPHC frames with scapy 2.8.

Reads JSON lines {"frame": hex without FCS, "contexts": {"CID": "prefix/len"}}
on stdin and prints, for each, one JSON line:
  {"ipv6": hex of the IPv6 packet decoded from the frame, checksums as
           received (null when scapy cannot decode it),
   "scapy_ipv6": hex of what scapy itself gives, before the fix-ups,
   "fixups": the scapy 2.8 defects corrected ("tc", "src-context",
             "dst-context", "esc-0x7f"),
   "udp_chksum_ok": true/false, or null without UDP,
   "icmp_chksum_ok": true/false, or null without ICMPv6,
   "error": null, or why there is no "ipv6"}

scapy decodes every field; the fix-ups only undo the defects documented in
lowpan_common.py, from the fields scapy dissected:
- "tc": scapy reads the in-line TC byte (ECN, DSCP) as if it were the IPv6
  traffic class (DSCP, ECN); the real one is rfc_tc(scapy's).
- "src-context"/"dst-context": scapy has no context table; the address is
  rebuilt from the in-line bits scapy read (or the link address) and the
  context prefix (RFC 6282 §3.1.1). Only applied when SAC/DAC=1.
- "esc-0x7f": an IPHC header starting with 0x7f (TF=11 NH=1 HLIM=11) is
  taken by scapy's dispatcher for the RFC 4944 ESC dispatch; we dissect it
  with scapy's LoWPAN_IPHC class directly (RFC 6282 §5 preempted 0x7f).
Not worked around: a UDP payload after NHC-UDP whose first byte is 0xe0-0xf7
(scapy parses it as another NHC header): "error": "nhc-payload".
"""

import json
import struct
import sys

from lowpan_common import (
    Dot15d4,
    Dot15d4Data,
    IPv6,
    LoWPAN_IPHC,
    LoWPAN_NHC,
    LoWPAN_NHC_UDP,
    checksums_ok,
    fixup_dst,
    fixup_src,
    parse_contexts,
    raw,
    rfc_tc,
)


def ll_of(d, source):
    mac = d[Dot15d4]
    if source:
        return mac.fcf_srcaddrmode, d[Dot15d4Data].src_addr
    return mac.fcf_destaddrmode, d[Dot15d4Data].dest_addr


def decode(frame, ctxs):
    fixups = []
    d = Dot15d4(frame)
    if Dot15d4Data not in d:
        return {"error": "scapy: not a data frame"}
    dd = d[Dot15d4Data]
    lowpan = raw(dd.payload)
    if lowpan[:1] == b"\x7f":
        # scapy's dispatcher says ESC; parse as IPHC, under the same MAC layer.
        dd.remove_payload()
        iphc = LoWPAN_IPHC(lowpan, _underlayer=dd)
        dd.add_payload(iphc)
        fixups.append("esc-0x7f")
    if LoWPAN_IPHC not in d or IPv6 not in d:
        return {"error": "scapy: no IPHC/IPv6 layer (%s)" % d.summary()}
    iphc = d[LoWPAN_IPHC]
    if LoWPAN_NHC_UDP in d:
        if len(d[LoWPAN_NHC].exts) > 1:
            return {"error": "nhc-payload"}
    sb = raw(d[IPv6])
    out = bytearray(sb)
    stc = (struct.unpack(">I", sb[0:4])[0] >> 20) & 0xFF
    tc = rfc_tc(stc)
    if tc != stc:
        fixups.append("tc")
        w = struct.unpack(">I", sb[0:4])[0]
        out[0:4] = struct.pack(">I", (w & ~(0xFF << 20)) | (tc << 20))
    sci, dci = (iphc.sci, iphc.dci) if iphc.cid else (0, 0)
    try:
        if iphc.sac and iphc.sam:
            m, a = ll_of(d, True)
            out[8:24] = fixup_src(sb[8:24], iphc.sac, iphc.sam, sci, ctxs, m, a)
            fixups.append("src-context")
        if iphc.dac:
            m, a = ll_of(d, False)
            out[24:40] = fixup_dst(sb[24:40], iphc.m, iphc.dac, iphc.dam, dci, ctxs, m, a)
            fixups.append("dst-context")
    except KeyError as e:
        return {"error": "unknown context %s" % e}
    udp_ok, icmp_ok = checksums_ok(bytes(out))
    return {"ipv6": bytes(out).hex(), "scapy_ipv6": sb.hex(), "fixups": fixups,
            "udp_chksum_ok": udp_ok, "icmp_chksum_ok": icmp_ok, "error": None}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            res = decode(bytes.fromhex(req["frame"]), parse_contexts(req.get("contexts")))
        except Exception as e:  # report, do not stop the stream
            res = {"error": "exception: %r" % (e,)}
        for k in ("ipv6", "scapy_ipv6", "udp_chksum_ok", "icmp_chksum_ok"):
            res.setdefault(k, None)
        res.setdefault("fixups", [])
        print(json.dumps(res, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
