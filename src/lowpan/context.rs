//! The 6LoWPAN context table (RFC 6282 §3.1.2, RFC 6775 §4.2 6CO): up to 16
//! prefixes that stateful (SAC/DAC=1) header compression refers to by a
//! 4-bit context identifier.

use core::net::Ipv6Addr;

/// One compression context: a prefix and whether it may be used to
/// compress (the C flag of the 6LoWPAN Context Option, RFC 6775 §4.2).
///
/// A context is always usable for decompression; with `compress == false`
/// it is only kept to understand what others still send (RFC 6775 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context {
    /// The prefix; bits beyond `prefix_len` are ignored.
    pub prefix: Ipv6Addr,
    /// The prefix length in bits, 0..=128 (larger values act as 128).
    pub prefix_len: u8,
    /// The C flag: usable for compression.
    pub compress: bool,
}

impl Context {
    /// The prefix length, clamped to 128.
    #[inline]
    pub(crate) fn len_bits(&self) -> usize {
        usize::from(self.prefix_len.min(128))
    }

    /// The mask of the first `prefix_len` bits of an address (as a
    /// big-endian integer).
    #[inline]
    fn mask(&self) -> u128 {
        match self.len_bits() {
            0 => 0,
            bits => u128::MAX << (128 - bits),
        }
    }

    /// Overwrites the first `prefix_len` bits of `addr` with the prefix.
    ///
    /// RFC 6282 §3.1.1 (SAM=01/10/11 with SAC=1): "Bits covered by context
    /// information are always used" — the context wins over IID bits.
    #[inline]
    pub(crate) fn apply(&self, addr: &mut [u8; 16]) {
        let m = self.mask();
        let a = u128::from_be_bytes(*addr);
        *addr = ((a & !m) | (self.prefix.to_bits() & m)).to_be_bytes();
    }

    /// True when the first `prefix_len` bits of `addr` are the prefix.
    #[inline]
    pub(crate) fn matches(&self, addr: &[u8; 16]) -> bool {
        (u128::from_be_bytes(*addr) ^ self.prefix.to_bits()) & self.mask() == 0
    }
}

/// The 16 contexts of RFC 6282 §3.1.2, indexed by context identifier
/// (0..=15). Context 0 is the default one, usable without the CID byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContextTable {
    entries: [Option<Context>; 16],
}

impl ContextTable {
    /// An empty table.
    pub const fn new() -> Self {
        ContextTable { entries: [None; 16] }
    }

    /// Sets (or clears, with `None`) context `cid`; a `cid` above 15 is
    /// ignored (the CID fields are 4 bits).
    pub fn set(&mut self, cid: u8, ctx: Option<Context>) {
        if let Some(e) = self.entries.get_mut(usize::from(cid)) {
            *e = ctx;
        }
    }

    /// Context `cid`, if set (`None` above 15).
    #[inline]
    pub fn get(&self, cid: u8) -> Option<&Context> {
        self.entries.get(usize::from(cid)).and_then(Option::as_ref)
    }

    /// True when no context usable for compression is set.
    #[inline]
    pub(crate) fn none_for_compression(&self) -> bool {
        !self.entries.iter().any(|e| e.is_some_and(|c| c.compress))
    }
}

impl Default for ContextTable {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_and_match() {
        let c = Context { prefix: "fd00:1234::ffff".parse().unwrap(), prefix_len: 20, compress: true };
        let mut a = [0xffu8; 16];
        c.apply(&mut a);
        // fd00:1 then the remaining nibble of byte 2 kept from `a`.
        assert_eq!(&a[..4], &[0xfd, 0x00, 0x1f, 0xff]);
        assert!(c.matches(&a));
        a[2] = 0x2f;
        assert!(!c.matches(&a));
        let c128 = Context { prefix: "2001:db8::1".parse().unwrap(), prefix_len: 200, compress: false };
        let mut b = [0u8; 16];
        c128.apply(&mut b);
        assert_eq!(Ipv6Addr::from(b), c128.prefix);
    }

    /// `apply` and `matches` against a bit-by-bit reference, every length.
    #[test]
    fn apply_and_match_bit_by_bit() {
        let prefix: Ipv6Addr = "fd12:3456:789a:bcde:f012:3456:789a:bcde".parse().unwrap();
        let p = prefix.octets();
        let bit = |b: &[u8; 16], i: usize| b[i / 8] >> (7 - i % 8) & 1;
        for plen in 0..=130u8 {
            let c = Context { prefix, prefix_len: plen, compress: true };
            let mut a = [0x5au8; 16];
            c.apply(&mut a);
            for i in 0..128 {
                let want = if i < usize::from(plen) { bit(&p, i) } else { bit(&[0x5a; 16], i) };
                assert_eq!(bit(&a, i), want, "{plen} {i}");
            }
            assert!(c.matches(&a));
            let n = usize::from(plen.min(128));
            for i in 0..128 {
                let mut b = a;
                b[i / 8] ^= 0x80 >> (i % 8);
                assert_eq!(c.matches(&b), i >= n, "{plen} {i}");
            }
        }
    }

    #[test]
    fn table() {
        let mut t = ContextTable::new();
        assert!(t.get(0).is_none());
        let c = Context { prefix: Ipv6Addr::UNSPECIFIED, prefix_len: 0, compress: false };
        t.set(15, Some(c));
        t.set(16, Some(c));
        assert_eq!(t.get(15), Some(&c));
        assert_eq!(t.get(16), None);
        assert!(t.none_for_compression());
        t.set(15, None);
        assert_eq!(t, ContextTable::default());
    }
}
