//! The 6LoWPAN context table (RFC 6282 §3.1.2, RFC 6775 §4.2 6CO): the
//! prefixes that stateful (SAC/DAC=1) header compression refers to by a
//! 4-bit context identifier, at most 16, as many at once as the table has
//! slots.

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
    #[inline(never)]
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

/// RFC 6282 §3.1.2: context identifiers are 4 bits, 0..=15.
pub const MAX_CID: u8 = 15;

/// A used slot of a [`ContextTable`]: a context and its CID (19 bytes,
/// `Option` in the niche of `compress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContextSlot {
    ctx: Context,
    cid: u8,
}

/// A table of up to `N` compression contexts, each with its context
/// identifier (any of RFC 6282 §3.1.2's 0..=15; context 0 is the default
/// one, usable without the CID byte).
///
/// `N` is the number of contexts held at once: the default, 16, holds every
/// CID (what a decoder given arbitrary contexts needs, 304 bytes); a node
/// sizes its table for the few contexts a network uses (a 6LoWPAN-ND router
/// and host keep [`nd::MAX_CONTEXTS`](crate::nd::MAX_CONTEXTS), 76 bytes).
/// Each slot costs 19 bytes.
///
/// Full policy: [`ContextTable::set`] of a CID the table does not hold while
/// every slot is used changes nothing and returns `false` (the caller counts
/// it); the contexts already held are never evicted.
///
/// Two tables are equal when they hold the same contexts under the same
/// CIDs, whatever their slots.
#[derive(Debug, Clone)]
pub struct ContextTable<const N: usize = 16> {
    slots: [Option<ContextSlot>; N],
}

impl<const N: usize> PartialEq for ContextTable<N> {
    fn eq(&self, other: &Self) -> bool {
        (0..=MAX_CID).all(|cid| self.get(cid) == other.get(cid))
    }
}

impl<const N: usize> Eq for ContextTable<N> {}

impl<const N: usize> core::hash::Hash for ContextTable<N> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        for cid in 0..=MAX_CID {
            self.get(cid).hash(state);
        }
    }
}

impl ContextTable {
    /// An empty table with room for all 16 CIDs.
    pub const fn new() -> Self {
        Self::EMPTY
    }
}

impl<const N: usize> ContextTable<N> {
    /// An empty table of `N` slots.
    pub const EMPTY: Self = ContextTable { slots: [None; N] };

    /// Sets (or clears, with `None`) context `cid`. Returns `false` when
    /// nothing was done: `cid` above 15 (the CID fields are 4 bits), or a
    /// new `cid` while the table is full (see the full policy above).
    /// Clearing a CID that is not held succeeds.
    pub fn set(&mut self, cid: u8, ctx: Option<Context>) -> bool {
        self.set_slot(cid, ctx).is_some()
    }

    /// [`ContextTable::set`], returning the index of the slot that holds
    /// (or held) `cid`; `Some(N)` when `ctx` is `None` and `cid` was not
    /// held. Slot indices stay put while a CID is held, so a caller can keep
    /// per-context data (e.g. a lifetime) in an array of `N` beside it.
    pub(crate) fn set_slot(&mut self, cid: u8, ctx: Option<Context>) -> Option<usize> {
        if cid > MAX_CID {
            return None;
        }
        let held = self.slot_of(cid);
        let Some(ctx) = ctx else {
            if let Some(i) = held {
                self.slots[i] = None;
            }
            return Some(held.unwrap_or(N));
        };
        let i = held.or_else(|| self.slots.iter().position(Option::is_none))?;
        self.slots[i] = Some(ContextSlot { ctx, cid });
        Some(i)
    }

    /// The slot index of context `cid`, if held.
    pub(crate) fn slot_of(&self, cid: u8) -> Option<usize> {
        self.slots.iter().position(|s| s.is_some_and(|s| s.cid == cid))
    }

    /// Context `cid`, if set (`None` above 15).
    #[inline]
    pub fn get(&self, cid: u8) -> Option<&Context> {
        self.view().get(cid)
    }

    /// The contexts held, `(cid, context)`, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &Context)> + '_ {
        self.slots.iter().flatten().map(|s| (s.cid, &s.ctx))
    }

    /// The `(cid, context)` in slot `i`, if used.
    pub(crate) fn slot(&self, i: usize) -> Option<(u8, &Context)> {
        self.slots.get(i).and_then(Option::as_ref).map(|s| (s.cid, &s.ctx))
    }

    /// The number of contexts held.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when no context is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table as header compression reads it.
    #[inline]
    pub fn view(&self) -> Contexts<'_> {
        Contexts(&self.slots)
    }
}

impl<const N: usize> Default for ContextTable<N> {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// A read-only view of a [`ContextTable`] of any size: what header
/// compression and decompression take (`&table` converts into it), so that
/// their code is the same for every table size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Contexts<'a>(&'a [Option<ContextSlot>]);

impl<'a> Contexts<'a> {
    /// No context at all.
    pub const NONE: Contexts<'static> = Contexts(&[]);

    /// Context `cid`, if set (`None` above 15).
    #[inline]
    pub fn get(self, cid: u8) -> Option<&'a Context> {
        self.0.iter().flatten().find(|s| s.cid == cid).map(|s| &s.ctx)
    }

    /// The contexts set, `(cid, context)`, in slot order.
    #[inline]
    pub(crate) fn iter(self) -> impl Iterator<Item = (u8, &'a Context)> {
        self.0.iter().flatten().map(|s| (s.cid, &s.ctx))
    }

    /// True when no context usable for compression is set.
    #[inline]
    pub(crate) fn none_for_compression(self) -> bool {
        !self.0.iter().flatten().any(|s| s.ctx.compress)
    }
}

impl<'a, const N: usize> From<&'a ContextTable<N>> for Contexts<'a> {
    fn from(t: &'a ContextTable<N>) -> Self {
        t.view()
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
        assert!(t.view().none_for_compression());
        t.set(15, None);
        assert_eq!(t, ContextTable::default());
    }

    /// A small table holds any CIDs, up to its size; a new CID when full is
    /// refused and the contexts held stay; slots stay put.
    #[test]
    fn small_table_full_policy() {
        let c = |n: u16| Context {
            prefix: Ipv6Addr::new(0xfd00, n, 0, 0, 0, 0, 0, 0),
            prefix_len: 64,
            compress: true,
        };
        let mut t = ContextTable::<2>::EMPTY;
        assert_eq!(core::mem::size_of::<ContextTable<2>>(), 38);
        assert!(t.view().none_for_compression());
        assert_eq!(t.set_slot(9, Some(c(9))), Some(0));
        assert_eq!(t.set_slot(3, Some(c(3))), Some(1));
        assert!(!t.set(4, Some(c(4))), "full");
        assert!(!t.set(16, None), "CIDs are 4 bits");
        assert_eq!((t.get(9), t.get(3), t.get(4)), (Some(&c(9)), Some(&c(3)), None));
        assert_eq!(t.set_slot(9, Some(c(1))), Some(0), "replaced in place");
        assert!(t.set(4, None), "clearing a CID not held");
        assert!(t.set(9, None));
        assert_eq!(t.set_slot(4, Some(c(4))), Some(0));
        assert_eq!(t.iter().map(|(cid, _)| cid).collect::<Vec<_>>(), [4, 3]);
        // Equal contents in other slots: equal tables.
        let mut u = ContextTable::<2>::EMPTY;
        u.set(3, Some(c(3)));
        assert_ne!(t, u);
        u.set(4, Some(c(4)));
        assert_eq!(t, u);
        assert_eq!(t.len(), 2);
        let v: Contexts<'_> = (&t).into();
        assert_eq!(v.get(3), Some(&c(3)));
        assert!(!v.none_for_compression());
        assert_eq!(Contexts::NONE.get(0), None);
    }
}
