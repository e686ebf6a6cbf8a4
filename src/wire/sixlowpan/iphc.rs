//! LOWPAN_IPHC header (RFC 6282 §3.1): base encoding, optional context
//! identifier extension and the in-line fields.
//!
//! ```text
//!   0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15
//! | 0 | 1 | 1 |  TF   |NH | HLIM  |CID|SAC|  SAM  | M |DAC|  DAM  |
//! [ SCI (4) | DCI (4) ]                                    (CID = 1)
//! [ TF fields ][ Next Header ][ Hop Limit ][ Source ][ Destination ]
//! ```
//! In-line fields appear in IPv6 header order (RFC 6282 §3.1.1). This module
//! only bounds and classifies them; rebuilding the IPv6 header (contexts,
//! link-layer addresses) is the decompressor's job.

use crate::wire::{Error, Result};

mod field {
    pub const BASE: usize = 2;
}

/// What the in-line bytes of a source or destination address mean
/// (RFC 6282 §3.1.1, SAC/SAM and M/DAC/DAM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressMode {
    /// The full 128-bit address is in-line (16 bytes).
    Full,
    /// fe80::/64 + 64-bit IID in-line (8 bytes).
    LinkLocal64,
    /// fe80::/64 + 0000:00ff:fe00:XXXX, 16 bits in-line (2 bytes).
    LinkLocal16,
    /// fe80::/64 + IID derived from the link-layer address (0 bytes).
    LinkLocalElided,
    /// The unspecified address `::` (SAC=1, SAM=00; 0 bytes).
    Unspecified,
    /// Context prefix + 64-bit IID in-line (8 bytes).
    Context64,
    /// Context prefix + 0000:00ff:fe00:XXXX (2 bytes).
    Context16,
    /// Context prefix + IID from the link-layer address (0 bytes).
    ContextElided,
    /// Multicast ffXX::00XX:XXXX:XXXX (6 bytes).
    Multicast48,
    /// Multicast ffXX::00XX:XXXX (4 bytes).
    Multicast32,
    /// Multicast ff02::00XX (1 byte).
    Multicast8,
    /// Unicast-prefix-based multicast ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX
    /// (RFC 3306), L and P from the context (M=1, DAC=1, DAM=00; 6 bytes).
    MulticastContext48,
}

impl AddressMode {
    /// The source address mode for SAC and SAM (never reserved).
    pub const fn source(sac: bool, sam: u8) -> AddressMode {
        match (sac, sam & 3) {
            (false, 0) => AddressMode::Full,
            (false, 1) => AddressMode::LinkLocal64,
            (false, 2) => AddressMode::LinkLocal16,
            (false, _) => AddressMode::LinkLocalElided,
            // RFC 6282 §3.1.1: SAC=1, SAM=00 is the unspecified address.
            (true, 0) => AddressMode::Unspecified,
            (true, 1) => AddressMode::Context64,
            (true, 2) => AddressMode::Context16,
            (true, _) => AddressMode::ContextElided,
        }
    }

    /// The destination address mode for M, DAC and DAM; `Malformed` for the
    /// reserved combinations (M=0 DAC=1 DAM=00; M=1 DAC=1 DAM≠00).
    pub const fn destination(m: bool, dac: bool, dam: u8) -> Result<AddressMode> {
        Ok(match (m, dac, dam & 3) {
            (false, false, 0) => AddressMode::Full,
            (false, false, 1) => AddressMode::LinkLocal64,
            (false, false, 2) => AddressMode::LinkLocal16,
            (false, false, _) => AddressMode::LinkLocalElided,
            (false, true, 0) => return Err(Error::Malformed),
            (false, true, 1) => AddressMode::Context64,
            (false, true, 2) => AddressMode::Context16,
            (false, true, _) => AddressMode::ContextElided,
            (true, false, 0) => AddressMode::Full,
            (true, false, 1) => AddressMode::Multicast48,
            (true, false, 2) => AddressMode::Multicast32,
            (true, false, _) => AddressMode::Multicast8,
            (true, true, 0) => AddressMode::MulticastContext48,
            (true, true, _) => return Err(Error::Malformed),
        })
    }

    /// The number of in-line bytes.
    pub const fn inline_len(&self) -> usize {
        match self {
            AddressMode::Full => 16,
            AddressMode::LinkLocal64 | AddressMode::Context64 => 8,
            AddressMode::LinkLocal16 | AddressMode::Context16 => 2,
            AddressMode::LinkLocalElided | AddressMode::ContextElided | AddressMode::Unspecified => 0,
            AddressMode::Multicast48 | AddressMode::MulticastContext48 => 6,
            AddressMode::Multicast32 => 4,
            AddressMode::Multicast8 => 1,
        }
    }
}

/// The number of in-line address bytes (RFC 6282 §3.1.1), indexed by
/// `M << 3 | AC << 2 | mode` (AC is SAC or DAC; M is 0 for a source):
/// what [`AddressMode::inline_len`] says for every combination, with the
/// reserved ones counting 0.
pub(crate) const ADDR_INLINE_LEN: [u8; 16] = [
    16, 8, 2, 0, // M=0 AC=0: full, fe80::/64 + IID, + 16 bits, elided
    0, 8, 2, 0, // M=0 AC=1: `::` (source; destination reserved), context + ...
    16, 6, 4, 1, // M=1 AC=0: full, ffXX::00XX:XXXX:XXXX, ffXX::00XX:XXXX, ff02::00XX
    6, 0, 0, 0, // M=1 AC=1: ffXX:XXLL:P64:XXXX:XXXX (RFC 3306); 1-3 reserved
];

/// True for the reserved destination combinations of M, DAC and DAM (the
/// low nibble of the second IPHC byte): M=0 DAC=1 DAM=00, M=1 DAC=1 DAM≠00.
#[inline]
const fn dst_reserved(b1: u8) -> bool {
    b1 & 0x04 != 0 && (b1 & 0x08 != 0) != (b1 & 0x03 == 0)
}

/// The in-line length of the Traffic Class / Flow Label field for TF
/// (RFC 6282 §3.1.1: 4, 3, 1 or 0 bytes).
pub const fn tf_len(tf: u8) -> usize {
    match tf & 3 {
        0 => 4,
        1 => 3,
        2 => 1,
        _ => 0,
    }
}

/// Offsets of the in-line fields, computed once from the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    tf: usize,
    nh: usize,
    hlim: usize,
    src: usize,
    dst: usize,
    end: usize,
}

/// A view of a LOWPAN_IPHC header followed by its compressed payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps a buffer and checks it with [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the `011` dispatch bits and the reserved address combinations
    /// (`Malformed`), then that every in-line field fits (`Truncated`).
    /// After this succeeds no getter panics.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        if b.len() < field::BASE {
            return Err(Error::Truncated);
        }
        if b[0] & 0xe0 != 0x60 || dst_reserved(b[1]) {
            return Err(Error::Malformed);
        }
        if b.len() < self.layout().end { Err(Error::Truncated) } else { Ok(()) }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn base(&self) -> [u8; 2] {
        let b = self.buffer.as_ref();
        [b[0], b[1]]
    }

    /// Reads only the two base bytes. A reserved destination combination
    /// counts as zero in-line bytes here; `check_len` rejects it first.
    fn layout(&self) -> Layout {
        let [b0, b1] = self.base();
        let tf = usize::from(b1 >> 7) + field::BASE;
        let nh = tf + tf_len(b0 >> 3);
        let hlim = nh + usize::from(b0 & 0x04 == 0);
        let src = hlim + usize::from(b0 & 3 == 0);
        let dst = src + usize::from(ADDR_INLINE_LEN[usize::from((b1 >> 4) & 7)]);
        let end = dst + usize::from(ADDR_INLINE_LEN[usize::from(b1 & 0x0f)]);
        Layout { tf, nh, hlim, src, dst, end }
    }

    /// TF: traffic class and flow label encoding (0..=3).
    #[inline]
    pub fn tf(&self) -> u8 {
        (self.base()[0] >> 3) & 3
    }

    /// NH: true when the next header is compressed with LOWPAN_NHC (not in-line).
    #[inline]
    pub fn nh(&self) -> bool {
        self.base()[0] & 0x04 != 0
    }

    /// HLIM: hop limit encoding (0 in-line, 1, 2 = 64, 3 = 255).
    #[inline]
    pub fn hlim(&self) -> u8 {
        self.base()[0] & 3
    }

    /// CID: a context identifier extension byte follows the base.
    #[inline]
    pub fn cid(&self) -> bool {
        self.base()[1] & 0x80 != 0
    }

    /// SAC: stateful (context-based) source address compression.
    #[inline]
    pub fn sac(&self) -> bool {
        self.base()[1] & 0x40 != 0
    }

    /// SAM: source address mode (0..=3).
    #[inline]
    pub fn sam(&self) -> u8 {
        (self.base()[1] >> 4) & 3
    }

    /// M: the destination is a multicast address.
    #[inline]
    pub fn m(&self) -> bool {
        self.base()[1] & 0x08 != 0
    }

    /// DAC: stateful (context-based) destination address compression.
    #[inline]
    pub fn dac(&self) -> bool {
        self.base()[1] & 0x04 != 0
    }

    /// DAM: destination address mode (0..=3).
    #[inline]
    pub fn dam(&self) -> u8 {
        self.base()[1] & 3
    }

    /// SCI: the source context identifier (0 when CID is clear).
    pub fn sci(&self) -> u8 {
        if self.cid() { self.buffer.as_ref()[field::BASE] >> 4 } else { 0 }
    }

    /// DCI: the destination context identifier (0 when CID is clear).
    pub fn dci(&self) -> u8 {
        if self.cid() { self.buffer.as_ref()[field::BASE] & 0x0f } else { 0 }
    }

    /// The meaning of the in-line source address bytes.
    pub fn src_mode(&self) -> AddressMode {
        AddressMode::source(self.sac(), self.sam())
    }

    /// The meaning of the in-line destination address bytes (`Malformed`
    /// for a reserved combination; never after `check_len`).
    pub fn dst_mode(&self) -> Result<AddressMode> {
        AddressMode::destination(self.m(), self.dac(), self.dam())
    }

    /// The IPHC header length: base, CID byte and every in-line field.
    pub fn header_len(&self) -> usize {
        self.layout().end
    }

    /// The in-line traffic class / flow label bytes (4, 3, 1 or 0).
    pub fn tf_bytes(&self) -> &[u8] {
        let l = self.layout();
        &self.buffer.as_ref()[l.tf..l.nh]
    }

    /// The in-line Next Header, or `None` when NH=1 (LOWPAN_NHC follows).
    pub fn next_header(&self) -> Option<u8> {
        if self.nh() { None } else { Some(self.buffer.as_ref()[self.layout().nh]) }
    }

    /// The in-line Hop Limit byte, or `None` when HLIM≠0.
    pub fn hop_limit_inline(&self) -> Option<u8> {
        if self.hlim() == 0 { Some(self.buffer.as_ref()[self.layout().hlim]) } else { None }
    }

    /// The hop limit: in-line, or 1, 64, 255 for HLIM 1, 2, 3.
    pub fn hop_limit(&self) -> u8 {
        match self.hlim() {
            1 => 1,
            2 => 64,
            3 => 255,
            _ => self.buffer.as_ref()[self.layout().hlim],
        }
    }

    /// ECN (2 bits) from the in-line TF bytes; 0 when elided (TF=3).
    pub fn ecn(&self) -> u8 {
        self.tf_bytes().first().map_or(0, |b| b >> 6)
    }

    /// DSCP (6 bits) from the in-line TF bytes; 0 when elided (TF=1, 3).
    pub fn dscp(&self) -> u8 {
        match (self.tf(), self.tf_bytes()) {
            (0 | 2, [b, ..]) => b & 0x3f,
            _ => 0,
        }
    }

    /// The IPv6 traffic class (DSCP << 2 | ECN); RFC 6282 §3.1.1 carries it
    /// as ECN first.
    pub fn traffic_class(&self) -> u8 {
        (self.dscp() << 2) | self.ecn()
    }

    /// The 20-bit flow label; 0 when elided (TF=2, 3).
    pub fn flow_label(&self) -> u32 {
        match (self.tf(), self.tf_bytes()) {
            // TF=00: ECN+DSCP, then 4 reserved bits and the flow label.
            (0, [_, a, b, c]) => u32::from_be_bytes([0, a & 0x0f, *b, *c]),
            // TF=01: ECN, 2 reserved bits, then the flow label.
            (1, [a, b, c]) => u32::from_be_bytes([0, a & 0x0f, *b, *c]),
            _ => 0,
        }
    }

    /// The in-line source address bytes (length given by [`src_mode`](Self::src_mode)).
    pub fn src_bytes(&self) -> &[u8] {
        let l = self.layout();
        &self.buffer.as_ref()[l.src..l.dst]
    }

    /// The in-line destination address bytes (length given by [`dst_mode`](Self::dst_mode)).
    pub fn dst_bytes(&self) -> &[u8] {
        let l = self.layout();
        &self.buffer.as_ref()[l.dst..l.end]
    }

    /// What follows the IPHC header: LOWPAN_NHC headers (NH=1) or the
    /// upper-layer header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// The payload after the IPHC header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let n = self.header_len();
        &mut self.buffer.as_mut()[n..]
    }
}

/// The header-level values of an IPHC header: flags and raw in-line bytes.
///
/// No address is reconstructed here. `emit` writes exactly what the fields
/// hold, so for a round trip the in-line byte counts must agree with the
/// flags (as [`parse`](Self::parse) guarantees): `tf_inline.len() == tf_len(tf)`,
/// `next_header.is_some() == !nh`, `hop_limit.is_some() == (hlim == 0)`, and
/// the address lengths match [`AddressMode::inline_len`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Repr {
    /// TF (0..=3).
    pub tf: u8,
    /// NH: next header compressed with LOWPAN_NHC.
    pub nh: bool,
    /// HLIM (0..=3).
    pub hlim: u8,
    /// `Some((sci, dci))` when the CID extension byte is present.
    pub context: Option<(u8, u8)>,
    /// SAC.
    pub sac: bool,
    /// SAM (0..=3).
    pub sam: u8,
    /// M.
    pub m: bool,
    /// DAC.
    pub dac: bool,
    /// DAM (0..=3).
    pub dam: u8,
    /// The in-line TF bytes.
    pub tf_inline: heapless::Vec<u8, 4>,
    /// The in-line next header (NH=0).
    pub next_header: Option<u8>,
    /// The in-line hop limit (HLIM=0).
    pub hop_limit: Option<u8>,
    /// The in-line source address bytes.
    pub src: heapless::Vec<u8, 16>,
    /// The in-line destination address bytes.
    pub dst: heapless::Vec<u8, 16>,
}

impl Repr {
    /// Parses the IPHC header at the front of `packet`.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        let mut tf_inline = heapless::Vec::new();
        let mut src = heapless::Vec::new();
        let mut dst = heapless::Vec::new();
        // Lengths are bounded by construction (≤ 4, ≤ 16, ≤ 16).
        tf_inline.extend_from_slice(packet.tf_bytes()).map_err(|_| Error::Malformed)?;
        src.extend_from_slice(packet.src_bytes()).map_err(|_| Error::Malformed)?;
        dst.extend_from_slice(packet.dst_bytes()).map_err(|_| Error::Malformed)?;
        Ok(Repr {
            tf: packet.tf(),
            nh: packet.nh(),
            hlim: packet.hlim(),
            context: packet.cid().then(|| (packet.sci(), packet.dci())),
            sac: packet.sac(),
            sam: packet.sam(),
            m: packet.m(),
            dac: packet.dac(),
            dam: packet.dam(),
            tf_inline,
            next_header: packet.next_header(),
            hop_limit: packet.hop_limit_inline(),
            src,
            dst,
        })
    }

    /// The header length this emits (from the stored in-line bytes).
    pub fn buffer_len(&self) -> usize {
        field::BASE
            + usize::from(self.context.is_some())
            + self.tf_inline.len()
            + usize::from(self.next_header.is_some())
            + usize::from(self.hop_limit.is_some())
            + self.src.len()
            + self.dst.len()
    }

    /// Writes the header into the first `buffer_len()` bytes of `packet`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let b = packet.buffer.as_mut();
        b[0] = 0x60 | ((self.tf & 3) << 3) | (u8::from(self.nh) << 2) | (self.hlim & 3);
        b[1] = (u8::from(self.context.is_some()) << 7)
            | (u8::from(self.sac) << 6)
            | ((self.sam & 3) << 4)
            | (u8::from(self.m) << 3)
            | (u8::from(self.dac) << 2)
            | (self.dam & 3);
        let mut at = field::BASE;
        let mut put = |bytes: &[u8]| {
            b[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        if let Some((sci, dci)) = self.context {
            put(&[(sci << 4) | (dci & 0x0f)]);
        }
        put(&self.tf_inline);
        if let Some(n) = self.next_header {
            put(&[n]);
        }
        if let Some(h) = self.hop_limit {
            put(&[h]);
        }
        put(&self.src);
        put(&self.dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The length table and the reserved-combination test agree with
    /// [`AddressMode`] for every source and destination combination.
    #[test]
    fn inline_len_table_matches_address_modes() {
        for b in 0..8u8 {
            let m = AddressMode::source(b & 4 != 0, b & 3);
            assert_eq!(usize::from(ADDR_INLINE_LEN[usize::from(b)]), m.inline_len(), "{b}");
        }
        for b in 0..16u8 {
            let d = AddressMode::destination(b & 8 != 0, b & 4 != 0, b & 3);
            assert_eq!(dst_reserved(b), d.is_err(), "{b}");
            assert_eq!(dst_reserved(b | 0xf0), d.is_err(), "{b}");
            assert_eq!(usize::from(ADDR_INLINE_LEN[usize::from(b)]), d.map_or(0, |m| m.inline_len()), "{b}");
        }
    }
    use proptest::prelude::*;

    // hand/hand_230_nofcs.pcap frame 1 (RPL DIO): 7b 3b, TF=11 NH=0 HLIM=11,
    // SAM=11, M=1 DAM=11 (ff02::1a), next header 0x3a in-line.
    const DIO: [u8; 6] = [0x7b, 0x3b, 0x3a, 0x1a, 0x9b, 0x01];
    // hand/hand_230_nofcs.pcap frame 5: 7e 03 then only 5 of 16 source bytes.
    const TRUNCATED: [u8; 7] = [0x7e, 0x03, 0xfe, 0x80, 0x00, 0x00, 0x00];

    #[test]
    fn deconstruct_dio() {
        let p = Packet::new_checked(&DIO[..]).unwrap();
        assert_eq!((p.tf(), p.nh(), p.hlim()), (3, false, 3));
        assert_eq!((p.cid(), p.sac(), p.sam(), p.m(), p.dac(), p.dam()), (false, false, 3, true, false, 3));
        assert_eq!(p.src_mode(), AddressMode::LinkLocalElided);
        assert_eq!(p.dst_mode(), Ok(AddressMode::Multicast8));
        assert_eq!(p.next_header(), Some(0x3a));
        assert_eq!(p.hop_limit(), 255);
        assert_eq!(p.hop_limit_inline(), None);
        assert_eq!(p.src_bytes(), &[] as &[u8]);
        assert_eq!(p.dst_bytes(), &[0x1a]);
        assert_eq!(p.header_len(), 4);
        assert_eq!(p.payload(), &[0x9b, 0x01]);
    }

    #[test]
    fn truncated_capture_frame() {
        assert_eq!(Packet::new_checked(&TRUNCATED[..]).err(), Some(Error::Truncated));
    }

    #[test]
    fn all_inline_with_context() {
        // TF=00, NH=0, HLIM=00, CID=1 SAC=1 SAM=01, M=0 DAC=1 DAM=10.
        let mut b = [0u8; 2 + 1 + 4 + 1 + 1 + 8 + 2 + 3];
        b[0] = 0x60;
        b[1] = 0x80 | 0x40 | 0x10 | 0x04 | 0x02;
        b[2] = 0x12;
        b[3..7].copy_from_slice(&[0b1000_0101, 0x0a, 0xbc, 0xde]); // ECN 2 DSCP 5, FL 0xabcde
        b[7] = 17;
        b[8] = 42;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!((p.sci(), p.dci()), (1, 2));
        assert_eq!((p.ecn(), p.dscp(), p.traffic_class(), p.flow_label()), (2, 5, 22, 0xabcde));
        assert_eq!(p.next_header(), Some(17));
        assert_eq!(p.hop_limit(), 42);
        assert_eq!(p.src_mode(), AddressMode::Context64);
        assert_eq!(p.src_bytes().len(), 8);
        assert_eq!(p.dst_mode(), Ok(AddressMode::Context16));
        assert_eq!(p.dst_bytes().len(), 2);
        assert_eq!(p.header_len(), 19);
        assert_eq!(p.payload().len(), 3);
        let r = Repr::parse(&p).unwrap();
        assert_eq!(r.buffer_len(), 19);
        let mut out = [0u8; 19];
        r.emit(&mut Packet::new_unchecked(&mut out[..]));
        assert_eq!(out, b[..19]);
    }

    #[test]
    fn address_sizes() {
        // Every SAC/SAM: 16 8 2 0 / 0 8 2 0.
        let src: [usize; 8] = core::array::from_fn(|i| AddressMode::source(i >= 4, i as u8 & 3).inline_len());
        assert_eq!(src, [16, 8, 2, 0, 0, 8, 2, 0]);
        let dst: [Option<usize>; 16] = core::array::from_fn(|i| {
            AddressMode::destination(i & 8 != 0, i & 4 != 0, i as u8 & 3).ok().map(|m| m.inline_len())
        });
        assert_eq!(
            dst,
            [
                Some(16),
                Some(8),
                Some(2),
                Some(0), // M=0 DAC=0
                None,
                Some(8),
                Some(2),
                Some(0), // M=0 DAC=1
                Some(16),
                Some(6),
                Some(4),
                Some(1), // M=1 DAC=0
                Some(6),
                None,
                None,
                None, // M=1 DAC=1
            ]
        );
    }

    #[test]
    fn reserved_is_malformed() {
        // M=0 DAC=1 DAM=00, and M=1 DAC=1 DAM=01, with plenty of bytes.
        assert_eq!(
            Packet::new_checked(&[0x7b, 0x04, 0, 0, 0, 0, 0, 0, 0, 0][..]).err(),
            Some(Error::Malformed)
        );
        assert_eq!(
            Packet::new_checked(&[0x7b, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0][..]).err(),
            Some(Error::Malformed)
        );
        assert_eq!(Packet::new_checked(&[0x41, 0x00][..]).err(), Some(Error::Malformed));
        // Unchecked use of a reserved header must not panic either.
        let b = [0x7b, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let p = Packet::new_unchecked(&b[..]);
        assert_eq!((p.header_len(), p.dst_bytes().len()), (19, 0));
    }

    #[test]
    fn every_prefix() {
        for n in 0..DIO.len() {
            let r = Packet::new_checked(&DIO[..n]);
            assert_eq!(r.err(), if n < 4 { Some(Error::Truncated) } else { None }, "prefix {n}");
        }
    }

    prop_compose! {
        fn arb_repr()(tf in 0u8..4, nh: bool, hlim in 0u8..4, context in proptest::option::of((0u8..16, 0u8..16)),
                      sac: bool, sam in 0u8..4, m: bool, dac: bool, dam in 0u8..4,
                      nxt: u8, hl: u8, bytes in any::<[u8; 36]>())
                      -> Option<Repr> {
            let dmode = AddressMode::destination(m, dac, dam).ok()?;
            let smode = AddressMode::source(sac, sam);
            let t = tf_len(tf);
            let s = smode.inline_len();
            let d = dmode.inline_len();
            Some(Repr {
                tf, nh, hlim, context, sac, sam, m, dac, dam,
                tf_inline: heapless::Vec::from_slice(&bytes[..t]).unwrap(),
                next_header: (!nh).then_some(nxt),
                hop_limit: (hlim == 0).then_some(hl),
                src: heapless::Vec::from_slice(&bytes[4..4 + s]).unwrap(),
                dst: heapless::Vec::from_slice(&bytes[20..20 + d]).unwrap(),
            })
        }
    }

    proptest! {
        #[test]
        fn round_trip(r in arb_repr()) {
            if let Some(r) = r {
                let mut buf = [0u8; 64];
                let n = r.buffer_len();
                r.emit(&mut Packet::new_unchecked(&mut buf[..n]));
                let p = Packet::new_checked(&buf[..n]).unwrap();
                prop_assert_eq!(p.header_len(), n);
                prop_assert_eq!(Repr::parse(&p), Ok(r));
                for k in 0..n {
                    prop_assert_eq!(Packet::new_checked(&buf[..k]).err(), Some(Error::Truncated));
                }
            }
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..48)) {
            let p = Packet::new_unchecked(&b[..]);
            if b.len() >= 3 {
                let _ = (p.header_len(), p.sci(), p.dci());
            }
            if let Ok(p) = Packet::new_checked(&b[..]) {
                let _ = (p.tf_bytes(), p.next_header(), p.hop_limit(), p.flow_label(), p.traffic_class());
                let _ = (p.src_bytes(), p.dst_bytes(), p.payload());
                let r = Repr::parse(&p).unwrap();
                prop_assert_eq!(r.buffer_len(), p.header_len());
            }
        }
    }
}
