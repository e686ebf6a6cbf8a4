//! 6LoWPAN fragmentation and reassembly (RFC 4944 §5.3).
//!
//! A datagram too large for one 802.15.4 frame travels as one FRAG1 link
//! fragment followed by FRAGN fragments:
//!
//! ```text
//! FRAG1: 11000 | datagram_size (11 bits) | datagram_tag (16 bits)                      4 bytes
//! FRAGN: 11100 | datagram_size (11 bits) | datagram_tag (16 bits) | datagram_offset (8)  5 bytes
//! ```
//!
//! Sizes and offsets count bytes of the *uncompressed* IPv6 datagram
//! (RFC 4944 §5.3), offsets in units of 8 octets. With header compression,
//! FRAG1 carries the compressed headers and the offset of the next fragment
//! counts the headers' uncompressed size (RFC 6282 §2).
//!
//! - [`Fragmenter`] (or [`fragment`], which first says whether fragmenting
//!   is needed at all) writes the fragments of one datagram, one at a time,
//!   into caller buffers.
//! - [`Reassembler`] collects received fragments in caller-provided slots
//!   and hands back the complete datagram. It works on already-decoded
//!   numbers: the caller parses the FRAG1/FRAGN header, decompresses FRAG1's
//!   headers, and passes `(key, offset in bytes, bytes)`.
//!
//! Neither allocates nor panics.

mod fragmenter;
mod reassembly;

pub use fragmenter::{FragError, Fragmentation, Fragmenter, fragment};
pub use reassembly::{
    DEFAULT_REASSEMBLY_TIMEOUT, DEFAULT_SLOT_SIZE, OwnedSlots, Reassembler, ReassemblyBuffers,
    ReassemblyError, ReassemblyKey, ReassemblySlot, ReassemblyStats, SLOT_OVERHEAD, SlotStorage,
};

/// Length of a FRAG1 header (RFC 4944 §5.3).
pub const FRAG1_HEADER_LEN: usize = 4;
/// Length of a FRAGN header (RFC 4944 §5.3).
pub const FRAGN_HEADER_LEN: usize = 5;
/// The largest datagram a fragment header can announce: `datagram_size` is
/// 11 bits (RFC 4944 §5.3).
pub const MAX_DATAGRAM_SIZE: usize = 2047;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;
    use crate::wire::ieee802154::Address;
    use proptest::prelude::*;

    /// What a receiver does with one of our fragments: decode the header and
    /// (for FRAG1) "decompress" `hdr` into `fake_hdr`. Returns (size, tag,
    /// offset in bytes, uncompressed bytes).
    fn receive(frag: &[u8], hdr_len: usize, fake_hdr: &[u8]) -> (u16, u16, usize, Vec<u8>) {
        let size = u16::from_be_bytes([frag[0], frag[1]]) & 0x07ff;
        let tag = u16::from_be_bytes([frag[2], frag[3]]);
        match frag[0] >> 3 {
            0b11000 => {
                let mut data = fake_hdr.to_vec();
                data.extend_from_slice(&frag[FRAG1_HEADER_LEN + hdr_len..]);
                (size, tag, 0, data)
            }
            0b11100 => (size, tag, usize::from(frag[4]) * 8, frag[FRAGN_HEADER_LEN..].to_vec()),
            p => panic!("pattern {p:#b}"),
        }
    }

    proptest! {
        #[test]
        fn fragment_shuffle_duplicate_reassemble(
            hdr in proptest::collection::vec(any::<u8>(), 2..48),
            uhl in 40usize..=120,
            payload in proptest::collection::vec(any::<u8>(), 0..1400),
            tag in any::<u16>(),
            mtu in 20usize..=118,
            seed in any::<u64>(),
            dup_count in 0usize..6,
        ) {
            let f = match fragment(&hdr, uhl, &payload, tag, mtu) {
                Ok(Fragmentation::NotNeeded) => {
                    prop_assert!(hdr.len() + payload.len() <= mtu);
                    return Ok(());
                }
                Ok(Fragmentation::Needed(f)) => f,
                Err(FragError::DatagramTooLarge) => {
                    prop_assert!(uhl + payload.len() > MAX_DATAGRAM_SIZE);
                    return Ok(());
                }
                Err(e) => {
                    // Only when the headers plus alignment or a FRAGN do not fit.
                    let align = (8 - uhl % 8) % 8;
                    prop_assert!(hdr.len() + FRAG1_HEADER_LEN + align > mtu || mtu < FRAGN_HEADER_LEN + 8, "{e:?}");
                    return Ok(());
                }
            };
            let mut f = f;
            let count = f.fragment_count();
            let mut frames = Vec::new();
            let mut buf = vec![0u8; mtu];
            while let Some(n) = f.next_fragment(&mut buf) {
                prop_assert!(n <= mtu);
                frames.push(buf[..n].to_vec());
            }
            prop_assert_eq!(frames.len(), count);
            prop_assert!(count >= 2);

            // The datagram the receiver should end with.
            let fake_hdr: Vec<u8> = (0..uhl).map(|i| (i as u8) ^ 0x5a).collect();
            let mut expected = fake_hdr.clone();
            expected.extend_from_slice(&payload);

            // Shuffle (xorshift), then add duplicates before the last position.
            let mut x = seed | 1;
            let mut next = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
            let mut order: Vec<usize> = (0..count).collect();
            for i in (1..count).rev() {
                order.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            for _ in 0..dup_count {
                let d = order[(next() % count as u64) as usize];
                let last = order.len() - 1;
                let at = (next() % (last as u64 + 1)) as usize;
                order.insert(at, d);
            }
            // Duplicates inserted before the last fragment's first occurrence
            // keep the last distinct fragment last.
            let mut seen = vec![false; count];
            let mut trimmed = Vec::new();
            let mut distinct = 0;
            for &i in &order {
                if distinct == count { break; }
                if !seen[i] { seen[i] = true; distinct += 1; }
                trimmed.push(i);
            }

            let mut r = ReassemblyBuffers::<1, 2047>::new_owned();
            let key_of = |size, tag| ReassemblyKey { src: Address::Short([1, 2]), dst: Address::Short([3, 4]), size, tag };
            let mut done = None;
            for (k, &i) in trimmed.iter().enumerate() {
                let (size, t, off, data) = receive(&frames[i], hdr.len(), &fake_hdr);
                prop_assert_eq!((size as usize, t), (expected.len(), tag));
                prop_assert!(i == 0 || off % 8 == 0);
                let got = r.accept(Instant::from_millis(k as u64), key_of(size, t), off, &data);
                if let Some(dg) = got.expect("valid fragment") {
                    prop_assert!(done.is_none());
                    done = Some(dg.to_vec());
                }
            }
            prop_assert_eq!(done.as_deref(), Some(&expected[..]));
            let s = *r.stats();
            prop_assert_eq!((s.completed, s.overlaps, s.invalid), (1, 0, 0));
            prop_assert_eq!(s.duplicates as usize, trimmed.len() - count);
        }
    }
}
