//! The Internet checksum (RFC 1071) and the IPv6 pseudo-header (RFC 8200 §8.1).
//!
//! UDP and ICMPv6 checksums cover a pseudo-header of source, destination,
//! upper-layer length and next header, then the upper-layer message itself.

use core::net::Ipv6Addr;

/// Adds `data` to a running one's-complement sum (not yet folded).
///
/// An odd final byte is padded with zero, as RFC 1071 says.
pub fn sum(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc = acc.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
        // Fold early so the accumulator can never overflow, whatever the length.
        acc = (acc & 0xffff) + (acc >> 16);
    }
    if let [last] = chunks.remainder() {
        acc = acc.wrapping_add(u32::from(*last) << 8);
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc
}

/// Folds a running sum to 16 bits (not complemented).
pub fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The running sum of the IPv6 pseudo-header (RFC 8200 §8.1).
pub fn pseudo_header(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u32 {
    let mut acc = sum(0, &src.octets());
    acc = sum(acc, &dst.octets());
    acc = sum(acc, &length.to_be_bytes());
    sum(acc, &[0, 0, 0, next_header])
}

/// The checksum field value for `message` (whose checksum field must be zero)
/// sent from `src` to `dst` with upper-layer protocol `next_header`.
///
/// Lengths above `u32::MAX` cannot occur on 802.15.4 links (IPv6 jumbograms
/// are out of scope), so the length is truncated to 32 bits.
pub fn upper_layer(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, message: &[u8]) -> u16 {
    let acc = pseudo_header(src, dst, next_header, message.len() as u32);
    !fold(sum(acc, message))
}

/// True when `message` (checksum field included) carries a valid checksum.
pub fn verify(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, message: &[u8]) -> bool {
    let acc = pseudo_header(src, dst, next_header, message.len() as u32);
    fold(sum(acc, message)) == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        assert_eq!(fold(sum(0, &[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0xddf2);
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
