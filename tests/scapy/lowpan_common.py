"""Shared helpers for the scapy oracle scripts (gen_frames.py, decode_frames.py).

scapy 2.8's 6LoWPAN layer (scapy/layers/sixlowpan.py) is used as an
independent RFC 6282 IPHC / NHC-UDP encoder and decoder. Two of its defects
are known and handled here, in the open, by `scapy_view_*` / `fixup_*`
functions that are small and separate from the Rust implementation:

1. Traffic class bit order (RFC 6282 §3.1.1 TF). The in-line TC byte is
   ECN (2 bits) then DSCP (6 bits), i.e. rotated from the IPv6 order
   DSCP, ECN. scapy copies `IPv6.tc` unchanged into the in-line byte
   (`tc_ecn = tc >> 6; tc_dscp = tc & 0x3f`) and back, so the bytes it writes
   for `IPv6(tc=0x12)` with TF=2 are `..12..`, which tshark 4.0 (and
   RFC 6282) read as DSCP 18, ECN 0, i.e. IPv6 traffic class 0x48. With
   TF=1 (DSCP elided) scapy keeps the top two bits of `tc` as "ECN", so it
   writes tc 0x01 (ECN 1) as in-line 0x00 and reads in-line 0x40.. as tc 0x40.
   Handling: the frame builder gives scapy `tc = scapy_tc(true_tc)`, so the
   bytes on the air are RFC-correct for `true_tc`, and scapy's dissection is
   expected to give back `scapy_tc(true_tc)`.

2. Contexts (RFC 6282 §3.1.1 SAC/DAC=1, §3.1.2 CID): scapy's docstring says
   "Unimplemented context information". Compression of the in-line bits is
   right (it only truncates), but decompression ignores the context table:
     SAC=1 SAM=01 -> ::IID                 (prefix bits left zero)
     SAC=1 SAM=10 -> fe80::ff:fe00:XXXX    (link-local prefix instead)
     SAC=1 SAM=11 -> fe80::                (IID not taken from the MAC either)
     M=0 DAC=1 DAM=01 -> ::IID
     M=0 DAC=1 DAM=10 -> ::XXXX            (0000:00ff:fe00 missing too)
     M=0 DAC=1 DAM=11 -> fe80::IID-from-MAC
     M=1 DAC=1 DAM=00 -> ffXX:XX00::XXXX:XXXX (L and P left zero)
   Handling: `scapy_view_addr` predicts exactly those wrong values (so the
   generator can still check scapy's dissection byte for byte), and
   `fixup_addr` rebuilds the RFC address from the in-line bits scapy did
   read plus the context table.
"""

import ipaddress
import socket
import struct

from scapy.config import conf

conf.dot15d4_protocol = "sixlowpan"

from scapy.compat import raw  # noqa: E402
from scapy.layers.dot15d4 import Dot15d4, Dot15d4Data  # noqa: E402,F401
from scapy.layers.inet import UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.sixlowpan import (  # noqa: E402,F401
    LoWPAN_IPHC,
    LoWPAN_NHC,
    LoWPAN_NHC_UDP,
    _extract_upperaddress,
)

LL = bytes.fromhex("fe80000000000000")
SHORT_IID_HEAD = bytes.fromhex("000000fffe00")


def scapy_tc(tc):
    """The IPv6.tc value to give scapy so that it writes the RFC 6282
    in-line byte (ECN, DSCP) for the real traffic class `tc` (DSCP, ECN)."""
    return ((tc & 0x03) << 6) | (tc >> 2)


def rfc_tc(stc):
    """Inverse of scapy_tc: the real traffic class from scapy's value."""
    return ((stc & 0x3F) << 2) | (stc >> 6)


def iid_from_ll(mode, addr):
    """RFC 4944 §6 / RFC 6282 §3.2.2: the IID derived from a link address.
    mode 2: short (int 0..0xffff); mode 3: extended (int, EUI-64)."""
    if mode == 3:
        b = bytearray(struct.pack(">Q", addr))
        b[0] ^= 0x02
        return bytes(b)
    return SHORT_IID_HEAD + struct.pack(">H", addr)


def parse_contexts(ctxs):
    """{"0": "2001:db8::/64", ...} -> {0: (prefix bytes, plen)}."""
    out = {}
    for k, v in (ctxs or {}).items():
        net = ipaddress.IPv6Network(v, strict=False)
        out[int(k)] = (net.network_address.packed, net.prefixlen)
    return out


def apply_prefix(addr, prefix, plen):
    """Bits covered by the context are always used (RFC 6282 §3.1.1)."""
    a = bytearray(addr)
    full, rem = divmod(plen, 8)
    a[:full] = prefix[:full]
    if rem:
        mask = (0xFF << (8 - rem)) & 0xFF
        a[full] = (a[full] & ~mask & 0xFF) | (prefix[full] & mask)
    return bytes(a)


def scapy_view_src(true_src, sac, sam, ll_mode, ll_addr):
    """What scapy 2.8 decodes for a source address it compressed (defect 2)."""
    if not sac or sam == 0:
        return true_src
    if sam == 1:
        return bytes(8) + true_src[8:]
    if sam == 2:
        return LL + SHORT_IID_HEAD + true_src[14:]
    return LL + bytes(8)


def scapy_view_dst(true_dst, m, dac, dam, ll_mode, ll_addr):
    """What scapy 2.8 decodes for a destination address (defect 2)."""
    if not dac:
        return true_dst
    if m == 0:
        if dam == 1:
            return bytes(8) + true_dst[8:]
        if dam == 2:
            return bytes(14) + true_dst[14:]
        if dam == 3:
            return LL + iid_from_ll(ll_mode, ll_addr)
        return true_dst
    # M=1 DAC=1 DAM=00
    return b"\xff" + true_dst[1:3] + bytes(9) + true_dst[12:16]


def fixup_src(scapy_src, sac, sam, sci, ctxs, ll_mode, ll_addr):
    """The RFC 6282 source address, from scapy's (context-less) decoding."""
    if not sac or sam == 0:
        return scapy_src
    prefix, plen = ctxs[sci]
    if sam == 1:
        iid = scapy_src[8:]
    elif sam == 2:
        iid = SHORT_IID_HEAD + scapy_src[14:]
    else:
        iid = iid_from_ll(ll_mode, ll_addr)
    return apply_prefix(bytes(8) + iid, prefix, plen)


def fixup_dst(scapy_dst, m, dac, dam, dci, ctxs, ll_mode, ll_addr):
    """The RFC 6282 destination address, from scapy's decoding."""
    if not dac:
        return scapy_dst
    prefix, plen = ctxs[dci]
    if m == 0:
        if dam == 1:
            iid = scapy_dst[8:]
        elif dam == 2:
            iid = SHORT_IID_HEAD + scapy_dst[14:]
        else:
            iid = iid_from_ll(ll_mode, ll_addr)
        return apply_prefix(bytes(8) + iid, prefix, plen)
    # RFC 3306 §4 ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX
    p = apply_prefix(bytes(16), prefix, plen)
    return b"\xff" + scapy_dst[1:3] + bytes([plen]) + p[:8] + scapy_dst[12:16]


def ip6(b):
    return socket.inet_ntop(socket.AF_INET6, b)


def checksums_ok(pkt_bytes):
    """(udp_ok, icmp_ok): each None when that header is absent, else whether
    the checksum as received equals the one computed over the packet."""
    p = IPv6(pkt_bytes)
    udp_ok = icmp_ok = None
    if p.nh == 17 and len(pkt_bytes) >= 48:
        got = struct.unpack(">H", pkt_bytes[46:48])[0]
        q = IPv6(pkt_bytes)
        q[UDP].chksum = None
        want = struct.unpack(">H", raw(q)[46:48])[0]
        udp_ok = got == want
    elif p.nh == 58 and len(pkt_bytes) >= 44:
        got = struct.unpack(">H", pkt_bytes[42:44])[0]
        body = bytearray(pkt_bytes[40:])
        body[2:4] = b"\x00\x00"
        want = icmp6_sum(pkt_bytes[8:24], pkt_bytes[24:40], bytes(body))
        icmp_ok = got == want
    return udp_ok, icmp_ok


def icmp6_sum(src, dst, body):
    """RFC 8200 §8.1 pseudo-header checksum for next header 58."""
    ph = src + dst + struct.pack(">IxxxB", len(body), 58)
    data = ph + body
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    return s or 0xFFFF
