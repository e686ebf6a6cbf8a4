//! The Internet checksum (RFC 1071) and the IPv6 pseudo-header (RFC 8200 §8.1).
//!
//! UDP and ICMPv6 checksums cover a pseudo-header of source, destination,
//! upper-layer length and next header, then the upper-layer message itself.

use core::net::Ipv6Addr;

/// Adds `data` to a running one's-complement sum and returns it folded to
/// 16 bits (in a `u32`, so sums can be chained).
///
/// An odd final byte is padded with zero, as RFC 1071 says; when chaining,
/// give every part but the last an even length.
///
/// RFC 1071 §2(B): the sum may be computed over wider words and folded at
/// the end, since 2^16 ≡ 1 (mod 2^16 − 1); and it is byte-order
/// independent: summing the data as little-endian words gives the
/// byte-swapped sum. So 64-bit little-endian words (a plain load on the
/// usual targets, no byte swap) are added into a `u128` (add with carry,
/// no carry chain to fold word by word), folded once, and the 16-bit
/// result swapped back to network order.
pub fn sum(acc: u32, data: &[u8]) -> u32 {
    let swapped = fold64(fold128(sum_le(0, data))).swap_bytes();
    u32::from(fold64(u64::from(acc) + u64::from(swapped)))
}

/// Writes `v` big-endian at `buf[at..at + 2]`.
///
/// The emitters' field writers live out of line: inlined, each
/// `buf[a..b].copy_from_slice(&v.to_be_bytes())` costs a bounds check and
/// a call set-up (about 50 bytes of text) at every field.
///
/// # Panics
/// If `buf` is shorter than `at + 2`, like the indexing it replaces.
#[inline(never)]
pub(crate) fn put_u16(buf: &mut [u8], at: usize, v: u16) {
    put(buf, at, &v.to_be_bytes());
}

/// Writes `v` big-endian at `buf[at..at + 4]`.
///
/// # Panics
/// If `buf` is shorter than `at + 4`.
#[inline(never)]
pub(crate) fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    put(buf, at, &v.to_be_bytes());
}

/// Copies `bytes` to `buf[at..]`.
///
/// # Panics
/// If `buf` is shorter than `at + bytes.len()`.
#[inline(never)]
pub(crate) fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

/// Adds `data` as little-endian 64-bit words (zero-padded) to `total`.
#[inline(always)]
fn sum_le(mut total: u128, data: &[u8]) -> u128 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        total += u128::from(w);
    }
    // The tail starts at an offset that is a multiple of 8, so each piece
    // below starts at an even offset: its little-endian value has the same
    // weight mod 2^16 − 1 as in the word it would have been part of.
    let mut rest = chunks.remainder();
    if let [a, b, c, d, tail @ ..] = rest {
        total += u128::from(u32::from_le_bytes([*a, *b, *c, *d]));
        rest = tail;
    }
    if let [a, b, tail @ ..] = rest {
        total += u128::from(u16::from_le_bytes([*a, *b]));
        rest = tail;
    }
    if let [last] = rest {
        total += u128::from(*last);
    }
    total
}

/// The pseudo-header (RFC 8200 §8.1) and `message` summed as little-endian
/// words, folded to 16 bits and swapped back to network order.
#[inline(always)]
fn pseudo_and_message(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, message: &[u8]) -> u16 {
    let (s, d) = (src.octets(), dst.octets());
    let [l0, l1, l2, l3] = (message.len() as u32).to_be_bytes();
    let mut t = sum_le(0, &s);
    t = sum_le(t, &d);
    t += u128::from(u64::from_le_bytes([l0, l1, l2, l3, 0, 0, 0, next_header]));
    fold64(fold128(sum_le(t, message))).swap_bytes()
}

/// Folds a 128-bit sum of 64-bit words to 64 bits (end-around carry).
#[inline(always)]
fn fold128(t: u128) -> u64 {
    let (s, c) = (t as u64).overflowing_add((t >> 64) as u64);
    // With a carry, s ≤ 2^64 − 2: adding it back cannot overflow.
    s + u64::from(c)
}

/// Folds a 64-bit one's-complement sum to 16 bits.
#[inline(always)]
fn fold64(mut t: u64) -> u16 {
    t = (t & 0xffff_ffff) + (t >> 32); // < 2^33
    t = (t & 0xffff) + (t >> 16); // < 2^17 + 2^16
    t = (t & 0xffff) + (t >> 16); // ≤ 0xffff + 2
    t = (t & 0xffff) + (t >> 16); // ≤ 0xffff
    t as u16
}

/// Folds a running sum to 16 bits (not complemented).
pub fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The running sum of the IPv6 pseudo-header (RFC 8200 §8.1).
///
/// The addresses are added as big-endian 64-bit halves (their numeric
/// value, so no byte swap is needed) with the length and next header, then
/// folded once.
pub fn pseudo_header(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u32 {
    let (s, d) = (src.to_bits(), dst.to_bits());
    let t = u128::from(s as u64)
        + (s >> 64)
        + u128::from(d as u64)
        + (d >> 64)
        + u128::from(length)
        + u128::from(next_header);
    u32::from(fold64(fold128(t)))
}

/// The checksum field value for `message` (whose checksum field must be zero)
/// sent from `src` to `dst` with upper-layer protocol `next_header`.
///
/// Lengths above `u32::MAX` cannot occur on 802.15.4 links (IPv6 jumbograms
/// are out of scope), so the length is truncated to 32 bits.
pub fn upper_layer(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, message: &[u8]) -> u16 {
    !pseudo_and_message(src, dst, next_header, message)
}

/// True when `message` (checksum field included) carries a valid checksum.
///
/// Through [`upper_layer`] (the sum is 0xffff exactly when its complement is
/// zero): one copy of the summing loop in the binary.
#[inline]
pub fn verify(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, message: &[u8]) -> bool {
    upper_layer(src, dst, next_header, message) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        assert_eq!(fold(sum(0, &[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0xddf2);
    }

    /// The plain 16-bit RFC 1071 loop, as the reference for the wide one.
    fn reference(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for c in data.chunks(2) {
            let w = if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { u16::from(c[0]) << 8 };
            acc += u32::from(w);
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    proptest::proptest! {
        #[test]
        fn wide_sum_equals_the_16_bit_sum(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300), start in 0u32..0x1_0000) {
            let want = fold(u32::from(reference(&data)) + start);
            proptest::prop_assert_eq!(fold(sum(start, &data)), want);
        }
    }

    proptest::proptest! {
        #[test]
        fn pseudo_header_equals_the_16_bit_sum(s in proptest::num::u128::ANY, d in proptest::num::u128::ANY, nh in proptest::num::u8::ANY, len in proptest::num::u32::ANY) {
            let mut bytes = std::vec::Vec::new();
            bytes.extend_from_slice(&s.to_be_bytes());
            bytes.extend_from_slice(&d.to_be_bytes());
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&[0, 0, 0, nh]);
            let got = fold(pseudo_header(&Ipv6Addr::from_bits(s), &Ipv6Addr::from_bits(d), nh, len));
            proptest::prop_assert_eq!(got, reference(&bytes));
        }
    }

    proptest::proptest! {
        #[test]
        fn upper_layer_equals_the_16_bit_sum(s in proptest::num::u128::ANY, d in proptest::num::u128::ANY, nh in proptest::num::u8::ANY, msg in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let mut bytes = std::vec::Vec::new();
            bytes.extend_from_slice(&s.to_be_bytes());
            bytes.extend_from_slice(&d.to_be_bytes());
            bytes.extend_from_slice(&(msg.len() as u32).to_be_bytes());
            bytes.extend_from_slice(&[0, 0, 0, nh]);
            bytes.extend_from_slice(&msg);
            let (s, d) = (Ipv6Addr::from_bits(s), Ipv6Addr::from_bits(d));
            proptest::prop_assert_eq!(upper_layer(&s, &d, nh, &msg), !reference(&bytes));
            proptest::prop_assert_eq!(verify(&s, &d, nh, &msg), reference(&bytes) == 0xffff);
        }
    }

    #[test]
    fn all_ones_never_overflow() {
        let data = [0xffu8; 4096];
        assert_eq!(fold(sum(0xffff, &data)), 0xffff);
        assert_eq!(fold(sum(0, &[0xff; 7])), reference(&[0xff; 7]));
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(sum(0, &[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }

    #[test]
    fn echo_request_checksum() {
        // ICMPv6 echo request fe80::1 -> fe80::2, id 0x1234, seq 1, no data.
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "fe80::2".parse().unwrap();
        let mut msg = [0x80, 0, 0, 0, 0x12, 0x34, 0x00, 0x01];
        let c = upper_layer(&src, &dst, 58, &msg);
        msg[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(verify(&src, &dst, 58, &msg));
        msg[5] ^= 1;
        assert!(!verify(&src, &dst, 58, &msg));
    }
}
