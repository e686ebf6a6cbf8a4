//! Cutting one datagram into FRAG1 + FRAGN link fragments.

use core::fmt;

use super::{FRAG1_HEADER_LEN, FRAGN_HEADER_LEN, MAX_DATAGRAM_SIZE};

/// Why a datagram cannot be fragmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FragError {
    /// The uncompressed datagram is larger than the 2047 bytes the 11-bit
    /// `datagram_size` field can announce (RFC 4944 §5.3).
    DatagramTooLarge,
    /// The compressed headers do not fit in the first fragment together with
    /// the FRAG1 header and the payload bytes needed to end FRAG1 on an
    /// 8-octet boundary of the uncompressed datagram (RFC 6282 §2: the
    /// compressed headers must all be in FRAG1).
    HeadersTooLarge,
    /// The frame has no room for a FRAGN header plus 8 payload bytes.
    MtuTooSmall,
}

impl fmt::Display for FragError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FragError::DatagramTooLarge => "datagram larger than 2047 bytes",
            FragError::HeadersTooLarge => "compressed headers do not fit in the first fragment",
            FragError::MtuTooSmall => "frame payload too small for a FRAGN fragment",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FragError {}

/// Whether a datagram needs fragmenting, as decided by [`fragment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fragmentation<'a> {
    /// `hdr` and `payload` fit together in one frame: send them without a
    /// fragment header.
    NotNeeded,
    /// The datagram must be sent as the fragments this [`Fragmenter`] writes.
    Needed(Fragmenter<'a>),
}

/// Decides whether a datagram fits in one frame and, when it does not,
/// prepares its fragments.
///
/// Arguments are those of [`Fragmenter::new`]. Returns
/// [`Fragmentation::NotNeeded`] when `hdr.len() + payload.len() <= mtu`.
pub fn fragment<'a>(
    hdr: &'a [u8],
    uncompressed_hdr_len: usize,
    payload: &'a [u8],
    tag: u16,
    mtu: usize,
) -> Result<Fragmentation<'a>, FragError> {
    if hdr.len().saturating_add(payload.len()) <= mtu {
        return Ok(Fragmentation::NotNeeded);
    }
    Fragmenter::new(hdr, uncompressed_hdr_len, payload, tag, mtu).map(Fragmentation::Needed)
}

/// Writes the link fragments of one datagram, one per call, without
/// allocating.
///
/// The first fragment (FRAG1) holds the 4-byte header, all of the
/// compressed headers `hdr`, and as many payload bytes as fit such that the
/// uncompressed bytes it stands for end on a multiple of 8. Each following
/// fragment (FRAGN) holds the 5-byte header and a multiple of 8 payload
/// bytes, except the last (RFC 4944 §5.3: offsets are in 8-octet units).
///
/// ```
/// use sixlo::lowpan::frag::Fragmenter;
/// let hdr = [0x7e, 0x33, 0xf0, 0x16, 0x33, 0x16, 0x34, 0x00]; // e.g. IPHC + NHC UDP
/// let payload = [0xaa; 200];
/// let mut f = Fragmenter::new(&hdr, 48, &payload, 0x1234, 102).unwrap();
/// assert_eq!(f.fragment_count(), 3);
/// let mut frame = [0u8; 102];
/// while let Some(len) = f.next_fragment(&mut frame) {
///     assert!(len <= 102); // hand `frame[..len]` to the MAC
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragmenter<'a> {
    hdr: &'a [u8],
    payload: &'a [u8],
    uncompressed_hdr_len: usize,
    size: u16,
    tag: u16,
    /// Payload bytes that ride in FRAG1.
    first_payload: usize,
    /// Payload bytes in every FRAGN but the last: a multiple of 8.
    chunk: usize,
    /// Payload bytes already written.
    pos: usize,
    first_done: bool,
}

impl<'a> Fragmenter<'a> {
    /// Prepares the fragments of a datagram, whether or not it would fit in
    /// one frame (see [`fragment`] for the check).
    ///
    /// - `hdr`: the compressed headers (e.g. IPHC + NHC), all sent in FRAG1;
    /// - `uncompressed_hdr_len`: how many bytes of the uncompressed datagram
    ///   `hdr` stands for (e.g. 48 for IPv6 + UDP);
    /// - `payload`: the rest of the datagram, sent as is;
    /// - `tag`: the `datagram_tag` of all fragments;
    /// - `mtu`: the room for the 6LoWPAN payload in one frame (after the MAC
    ///   header, before the FCS; e.g. 127 - 25 - 2 = 100).
    ///
    /// The datagram size is `uncompressed_hdr_len + payload.len()`.
    pub fn new(
        hdr: &'a [u8],
        uncompressed_hdr_len: usize,
        payload: &'a [u8],
        tag: u16,
        mtu: usize,
    ) -> Result<Self, FragError> {
        let size = uncompressed_hdr_len.checked_add(payload.len()).ok_or(FragError::DatagramTooLarge)?;
        if size > MAX_DATAGRAM_SIZE {
            return Err(FragError::DatagramTooLarge);
        }
        let room = mtu
            .checked_sub(FRAG1_HEADER_LEN)
            .and_then(|r| r.checked_sub(hdr.len()))
            .ok_or(FragError::HeadersTooLarge)?;
        let first_payload = if payload.len() <= room {
            // Everything fits in FRAG1: a single-fragment datagram.
            payload.len()
        } else {
            // RFC 4944 §5.3: the next fragment's offset is in 8-octet units,
            // so FRAG1 must end on a multiple of 8 of the uncompressed datagram
            // (RFC 6282 §2: counting the headers' uncompressed size).
            let end = (uncompressed_hdr_len + room) & !7;
            end.checked_sub(uncompressed_hdr_len).ok_or(FragError::HeadersTooLarge)?
        };
        let chunk = mtu.saturating_sub(FRAGN_HEADER_LEN) & !7;
        if first_payload < payload.len() && chunk == 0 {
            return Err(FragError::MtuTooSmall);
        }
        Ok(Fragmenter {
            hdr,
            payload,
            uncompressed_hdr_len,
            // size <= 2047 was checked above.
            size: size as u16,
            tag,
            first_payload,
            chunk,
            pos: 0,
            first_done: false,
        })
    }

    /// The `datagram_size`: bytes of the uncompressed datagram.
    pub fn datagram_size(&self) -> u16 {
        self.size
    }

    /// The `datagram_tag` of every fragment.
    pub fn tag(&self) -> u16 {
        self.tag
    }

    /// How many payload bytes ride in FRAG1 (after the compressed headers).
    pub fn first_payload_len(&self) -> usize {
        self.first_payload
    }

    /// The total number of fragments (FRAG1 included).
    pub fn fragment_count(&self) -> usize {
        let rest = self.payload.len() - self.first_payload;
        // chunk > 0 whenever rest > 0 (checked in `new`).
        1 + if rest == 0 { 0 } else { rest.div_ceil(self.chunk) }
    }

    /// The length of the fragment the next [`next_fragment`](Self::next_fragment)
    /// call writes, or `None` when all fragments have been written.
    pub fn next_len(&self) -> Option<usize> {
        if !self.first_done {
            Some(FRAG1_HEADER_LEN + self.hdr.len() + self.first_payload)
        } else if self.pos < self.payload.len() {
            Some(FRAGN_HEADER_LEN + self.chunk.min(self.payload.len() - self.pos))
        } else {
            None
        }
    }

    /// True when every fragment has been written.
    pub fn is_finished(&self) -> bool {
        self.next_len().is_none()
    }

    /// Starts again from the first fragment (to retransmit the datagram).
    pub fn rewind(&mut self) {
        self.pos = 0;
        self.first_done = false;
    }

    /// Passes over the next `n` fragments without writing them (to resume
    /// a datagram whose first fragments are already handed over).
    pub fn skip(&mut self, n: usize) {
        for _ in 0..n {
            if !self.first_done {
                self.first_done = true;
                self.pos = self.first_payload;
            } else {
                self.pos = self.pos.saturating_add(self.chunk).min(self.payload.len());
            }
        }
    }

    /// Writes the next fragment at the start of `out` and returns its length
    /// (at most `mtu`), or `None` when all fragments have been written.
    ///
    /// An `out` shorter than [`next_len`](Self::next_len) (which never
    /// happens with an `out` of `mtu` bytes) also returns `None`, and
    /// writes nothing: check [`is_finished`](Self::is_finished) to tell
    /// the cases apart.
    pub fn next_fragment(&mut self, out: &mut [u8]) -> Option<usize> {
        let len = self.next_len()?;
        let out = out.get_mut(..len)?;
        if !self.first_done {
            let (head, rest) = out.split_at_mut(FRAG1_HEADER_LEN);
            emit_frag1(head, self.size, self.tag);
            let (h, p) = rest.split_at_mut(self.hdr.len());
            h.copy_from_slice(self.hdr);
            p.copy_from_slice(&self.payload[..self.first_payload]);
            self.first_done = true;
            self.pos = self.first_payload;
        } else {
            let offset = self.uncompressed_hdr_len + self.pos;
            let (head, rest) = out.split_at_mut(FRAGN_HEADER_LEN);
            // offset < size <= 2047 and offset % 8 == 0, so offset / 8 <= 255.
            emit_fragn(head, self.size, self.tag, (offset / 8) as u8);
            let n = rest.len();
            rest.copy_from_slice(&self.payload[self.pos..self.pos + n]);
            self.pos += n;
        }
        Some(len)
    }
}

/// Writes a FRAG1 header (`out` is 4 bytes): `11000`, size, tag.
fn emit_frag1(out: &mut [u8], size: u16, tag: u16) {
    let [s0, s1] = (0xc000 | (size & 0x07ff)).to_be_bytes();
    let [t0, t1] = tag.to_be_bytes();
    out.copy_from_slice(&[s0, s1, t0, t1]);
}

/// Writes a FRAGN header (`out` is 5 bytes): `11100`, size, tag, offset / 8.
fn emit_fragn(out: &mut [u8], size: u16, tag: u16, offset_units: u8) {
    let [s0, s1] = (0xe000 | (size & 0x07ff)).to_be_bytes();
    let [t0, t1] = tag.to_be_bytes();
    out.copy_from_slice(&[s0, s1, t0, t1, offset_units]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes our own fragment headers: (is_first, size, tag, offset in bytes, data).
    fn decode(frag: &[u8]) -> (bool, u16, u16, usize, &[u8]) {
        let size = u16::from_be_bytes([frag[0], frag[1]]) & 0x07ff;
        let tag = u16::from_be_bytes([frag[2], frag[3]]);
        match frag[0] >> 3 {
            0b11000 => (true, size, tag, 0, &frag[4..]),
            0b11100 => (false, size, tag, frag[4] as usize * 8, &frag[5..]),
            p => panic!("not a fragment header: pattern {p:#b}"),
        }
    }

    #[test]
    fn skip_resumes_where_writing_would_have_been() {
        let hdr = [0x7b, 0x3b];
        let payload: Vec<u8> = (0..700u32).map(|i| i as u8).collect();
        let mut all = Fragmenter::new(&hdr, 48, &payload, 9, 96).unwrap();
        let frags = all_fragments(&mut all, 96);
        assert!(frags.len() > 5);
        for k in 0..=frags.len() {
            let mut f = Fragmenter::new(&hdr, 48, &payload, 9, 96).unwrap();
            f.skip(k);
            assert_eq!(all_fragments(&mut f, 96), frags[k..], "after skipping {k}");
        }
    }

    fn all_fragments(f: &mut Fragmenter<'_>, mtu: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; mtu];
        while let Some(n) = f.next_fragment(&mut buf) {
            out.push(buf[..n].to_vec());
        }
        out
    }

    #[test]
    fn headers_bytes() {
        let mut b = [0u8; 5];
        emit_frag1(&mut b[..4], 307, 0x003f);
        assert_eq!(b[..4], [0xc1, 0x33, 0x00, 0x3f]); // the smoltcp capture's FRAG1
        emit_fragn(&mut b, 307, 0x003f, 17);
        assert_eq!(b, [0xe1, 0x33, 0x00, 0x3f, 0x11]); // its first FRAGN (offset 136)
        emit_frag1(&mut b[..4], 2047, 0xffff);
        assert_eq!(b[..4], [0xc7, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn udp_1232_into_102() {
        let hdr = [0x7e, 0x33, 0xf0, 0x16, 0x33, 0x16, 0x34, 0x00];
        let payload: Vec<u8> = (0..1232u32).map(|i| i as u8).collect();
        let mut f = Fragmenter::new(&hdr, 48, &payload, 0xbeef, 102).unwrap();
        assert_eq!(f.datagram_size(), 1280);
        assert_eq!(f.first_payload_len(), 88); // 48 + 88 = 136 = 17 * 8
        assert_eq!(f.fragment_count(), 13); // FRAG1 + 11 * 96 + 88
        let frags = all_fragments(&mut f, 102);
        assert_eq!(frags.len(), 13);
        assert!(f.is_finished());
        assert_eq!(frags[0].len(), 4 + 8 + 88);
        let mut rebuilt = vec![0u8; 48]; // stands for the decompressed headers
        let mut expected_offset = 136;
        for (i, fr) in frags.iter().enumerate() {
            assert!(fr.len() <= 102);
            let (first, size, tag, offset, data) = decode(fr);
            assert_eq!((size, tag), (1280, 0xbeef));
            if i == 0 {
                assert!(first);
                assert_eq!(&data[..8], &hdr);
                rebuilt.extend_from_slice(&data[8..]);
            } else {
                assert!(!first);
                assert_eq!(offset % 8, 0);
                assert_eq!(offset, expected_offset);
                assert_eq!(offset, rebuilt.len());
                let expected_len = if i == 12 { 88 } else { 96 };
                assert_eq!(data.len(), expected_len);
                rebuilt.extend_from_slice(data);
                expected_offset += data.len();
            }
        }
        assert_eq!(rebuilt.len(), 1280);
        assert_eq!(&rebuilt[48..], &payload[..]);
        f.rewind();
        assert_eq!(all_fragments(&mut f, 102), frags);
    }

    #[test]
    fn odd_uncompressed_header_len_aligns_frag1() {
        // 41 uncompressed bytes (e.g. IPv6 + 1 byte): FRAG1 ends at 8k.
        let hdr = [0u8; 10];
        let payload = [1u8; 300];
        let f = Fragmenter::new(&hdr, 41, &payload, 1, 80).unwrap();
        // room = 80 - 4 - 10 = 66; 41 + 66 = 107 -> 104; 104 - 41 = 63.
        assert_eq!(f.first_payload_len(), 63);
        assert_eq!((41 + f.first_payload_len()) % 8, 0);
    }

    #[test]
    fn not_needed_when_it_fits() {
        let hdr = [0u8; 8];
        let payload = [0u8; 92];
        assert_eq!(fragment(&hdr, 48, &payload, 1, 100), Ok(Fragmentation::NotNeeded));
        let payload = [0u8; 93];
        let Ok(Fragmentation::Needed(f)) = fragment(&hdr, 48, &payload, 1, 100) else { panic!() };
        assert_eq!(f.fragment_count(), 2);
    }

    #[test]
    fn errors() {
        let payload = [0u8; 2000];
        // 48 + 2000 = 2048 > 2047.
        assert_eq!(Fragmenter::new(&[0; 8], 48, &payload, 1, 100), Err(FragError::DatagramTooLarge));
        assert!(Fragmenter::new(&[0; 8], 47, &payload, 1, 100).is_ok());
        assert_eq!(Fragmenter::new(&[0; 8], usize::MAX, &payload, 1, 100), Err(FragError::DatagramTooLarge));
        // Headers alone overflow FRAG1.
        assert_eq!(Fragmenter::new(&[0; 97], 40, &payload[..200], 1, 100), Err(FragError::HeadersTooLarge));
        // Headers fit exactly but 41 uncompressed bytes need 7 payload bytes to align.
        assert_eq!(Fragmenter::new(&[0; 96], 41, &payload[..200], 1, 100), Err(FragError::HeadersTooLarge));
        // 48 is aligned already: FRAG1 carries the headers only.
        let f = Fragmenter::new(&[0; 96], 48, &payload[..200], 1, 100).unwrap();
        assert_eq!(f.first_payload_len(), 0);
        assert_eq!(f.fragment_count(), 4); // FRAG1 + (200 = 88 + 88 + 24)
        assert_eq!(Fragmenter::new(&[0; 4], 40, &payload[..200], 1, 12), Err(FragError::MtuTooSmall));
        assert_eq!(Fragmenter::new(&[0; 4], 40, &payload[..200], 1, 2), Err(FragError::HeadersTooLarge));
    }

    #[test]
    fn short_output_buffer_writes_nothing() {
        let payload = [5u8; 300];
        let mut f = Fragmenter::new(&[1, 2], 40, &payload, 7, 100).unwrap();
        let mut small = [0u8; 10];
        assert_eq!(f.next_fragment(&mut small), None);
        assert!(!f.is_finished());
        assert_eq!(small, [0u8; 10]);
        let mut big = [0u8; 100];
        assert_eq!(f.next_fragment(&mut big), Some(94)); // 4 + 2 + 88 (40 + 88 = 128)
    }
}
