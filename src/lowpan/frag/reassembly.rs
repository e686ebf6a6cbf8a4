//! Putting received link fragments back together (RFC 4944 §5.3).
//!
//! # Storage and RAM cost
//!
//! A reassembly slot is a fixed record of one datagram in progress: the
//! key (two link addresses, size, tag), the start time, where the datagram
//! lies in the byte pool, and two bitmaps of the 256 8-octet blocks a
//! datagram can span (blocks received, and blocks where a received fragment
//! starts, which tells an exact duplicate from an overlap). That record is
//! [`SLOT_OVERHEAD`] bytes (96 on x86_64 and on 32-bit MCUs).
//!
//! The bytes come from a pool: the slot buffers taken one after the other.
//! A datagram is rebuilt in place in `datagram_size` contiguous bytes of one
//! buffer (1280 are enough for every IPv6 datagram a node must accept, 2047
//! for every one 6LoWPAN can announce), so the slots can share buffers: two
//! slots over one 1280-byte buffer (the second made with
//! [`ReassemblySlot::without_buffer`]) reassemble two datagrams of up to 640
//! bytes at once, or one of 1280, in about 1.4 KiB; two slots with 1280
//! bytes each cost about 2.7 KiB and always take two full-size datagrams.
//!
//! A third way costs no pool at all: slots made with
//! [`ReassemblySlot::without_buffer`] only, and a buffer the caller lends
//! to each call of [`Reassembler::accept_lent`] (the node lends its
//! outgoing packet buffer). Datagrams are then placed as high in that
//! buffer as they fit, never below the bytes the caller reserves, and
//! [`Reassembler::lowest_offset`] tells the caller where its own room ends.
//!
//! Slots come either from the caller ([`ReassemblySlot`] over any
//! `&mut [u8]`, sizes chosen per node at run time) or from
//! [`ReassemblyBuffers`], which owns `SLOTS` arrays of `SIZE` bytes and has a
//! `const` constructor so it can live in a `static`.
//!
//! # Policies
//!
//! - **Key**: link-layer source and destination, `datagram_size` and
//!   `datagram_tag` (RFC 4944 §5.3). Fragments that differ in size are
//!   different datagrams.
//! - **Placement**: a new datagram takes a free slot record and the
//!   smallest free run of pool bytes, inside one buffer, that holds it (best
//!   fit; the lowest offset on ties), which keeps large runs for large
//!   datagrams. Pool offsets past 65,535 bytes are not used.
//! - **Slots or pool full**: a fragment of a new datagram that finds no free
//!   record, or no free run of `datagram_size` bytes, is dropped and counted
//!   in [`ReassemblyStats::no_slot`]; datagrams in progress are never evicted
//!   (nor moved) to make room, except those past their timeout (which are
//!   expired first). A datagram larger than every buffer is dropped and
//!   counted in [`ReassemblyStats::too_large`].
//!   RFC 4944 does not say; this is Contiki-NG's choice too (`add_fragment`
//!   in `sicslowpan.c` fails when no reassembly context is free), and it
//!   keeps a burst of new tags from killing a datagram about to complete.
//! - **Duplicates**: a fragment with exactly the offset and length of one
//!   already received is ignored and counted.
//! - **Overlaps**: a fragment that overlaps received bytes with a different
//!   offset or length discards what was accumulated and starts a fresh
//!   reassembly with it (RFC 4944 §5.3: "the fragment(s) already accumulated
//!   in the reassembly buffer SHALL be discarded. A fresh reassembly may be
//!   commenced with the most recently received link fragment"; RIOT's
//!   `gnrc_sixlowpan_frag_rb` does the same).
//! - **Order**: fragments are accepted in any order, FRAGN before FRAG1
//!   included.
//! - **Timeout**: 60 s from the first fragment by default (RFC 4944 §5.3:
//!   "the reassembly timeout MUST be set to a maximum of 60 seconds").

use crate::bump;
use core::fmt;

use super::MAX_DATAGRAM_SIZE;
use crate::time::{Duration, Instant, earliest};
use crate::wire::ieee802154::Address;

/// The default reassembly timeout, 60 s (RFC 4944 §5.3).
pub const DEFAULT_REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(60);

/// A slot size that holds every datagram an IPv6 node must accept (the
/// IPv6 minimum MTU, RFC 8200 §5).
pub const DEFAULT_SLOT_SIZE: usize = 1280;

/// Bookkeeping bytes per slot, on top of its buffer.
pub const SLOT_OVERHEAD: usize = core::mem::size_of::<sealed::SlotState>();

/// 8-octet blocks in the largest datagram (2047 bytes).
const BLOCKS: usize = MAX_DATAGRAM_SIZE.div_ceil(8);
const BITMAP_BYTES: usize = BLOCKS / 8;

/// What identifies the fragments of one datagram (RFC 4944 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReassemblyKey {
    /// Link-layer source address of the fragments.
    pub src: Address,
    /// Link-layer destination address of the fragments.
    pub dst: Address,
    /// `datagram_size`: bytes of the uncompressed datagram (1..=2047).
    pub size: u16,
    /// `datagram_tag`.
    pub tag: u16,
}

/// Why a fragment was dropped. Every case is also counted in
/// [`ReassemblyStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReassemblyError {
    /// The fragment is empty, lies (partly) outside `0..size`, has an offset
    /// that is not a multiple of 8, is a non-final fragment whose length is
    /// not a multiple of 8, or announces a size of 0 or more than 2047.
    Invalid,
    /// The datagram is larger than every slot buffer.
    TooLarge,
    /// Every slot is busy, or no buffer has a free run of `datagram_size`
    /// bytes.
    NoSlot,
}

impl fmt::Display for ReassemblyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReassemblyError::Invalid => "invalid fragment",
            ReassemblyError::TooLarge => "datagram larger than the reassembly slots",
            ReassemblyError::NoSlot => "no free reassembly slot",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ReassemblyError {}

/// Counters of what the reassembler did; they saturate at `u32::MAX`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ReassemblyStats {
    /// Datagrams completed and handed back.
    pub completed: u32,
    /// Datagrams dropped because their timeout passed.
    pub timeouts: u32,
    /// Fragments of new datagrams dropped because no slot or no room in the
    /// pool was free.
    pub no_slot: u32,
    /// Fragments dropped because their datagram is larger than every slot
    /// buffer.
    pub too_large: u32,
    /// Reassemblies restarted because a fragment overlapped differently.
    pub overlaps: u32,
    /// Exact duplicate fragments ignored.
    pub duplicates: u32,
    /// Invalid fragments dropped (see [`ReassemblyError::Invalid`]).
    pub invalid: u32,
}

mod sealed {
    use super::{BITMAP_BYTES, ReassemblyKey};
    use crate::time::Instant;

    /// The bookkeeping of one slot (opaque).
    #[derive(Debug, Clone, Default)]
    pub struct SlotState {
        pub(super) entry: Option<Entry>,
    }

    #[derive(Debug, Clone)]
    pub(super) struct Entry {
        pub(super) key: ReassemblyKey,
        pub(super) started: Instant,
        /// Where the datagram is rebuilt: its first byte's offset in the
        /// pool (the slot buffers one after the other). It lies wholly in
        /// one buffer.
        pub(super) at: u16,
        /// Bit `i`: block `i` (bytes `8i..8i+8`) has been received.
        pub(super) have: [u8; BITMAP_BYTES],
        /// Bit `i`: a received fragment starts at block `i`.
        pub(super) starts: [u8; BITMAP_BYTES],
    }

    /// Access to slots, for [`super::Reassembler`]. Implemented by
    /// `&mut [ReassemblySlot]` and [`super::OwnedSlots`] only.
    pub trait Storage {
        /// Number of slots.
        fn count(&self) -> usize;
        /// Slot `i`'s state.
        fn state(&self, i: usize) -> Option<&SlotState>;
        /// Slot `i`'s state, mutably.
        fn state_mut(&mut self, i: usize) -> Option<&mut SlotState>;
        /// Length of slot `i`'s buffer (0 when it has none).
        fn buf_len(&self, i: usize) -> usize;
        /// Slot `i`'s buffer.
        fn buf_mut(&mut self, i: usize) -> Option<&mut [u8]>;
    }
}

use sealed::{Entry, SlotState, Storage};

/// Storage a [`Reassembler`] can use: `&mut [ReassemblySlot]` (caller
/// buffers) or [`OwnedSlots`]. Sealed: it cannot be implemented outside
/// this crate.
pub trait SlotStorage: sealed::Storage {}

/// One reassembly slot: the record of one datagram in progress, and
/// optionally a caller buffer that joins the reassembler's byte pool.
///
/// The buffers of all slots form one pool: a datagram is rebuilt in
/// `datagram_size` contiguous bytes of any one buffer that has room, so
/// two slots can share a single 1280-byte buffer (two datagrams of up to
/// 640 bytes at once, or one of 1280), and a slot made with
/// [`without_buffer`](Self::without_buffer) costs only its record. The
/// largest buffer bounds the largest datagram (1280 holds every datagram an
/// IPv6 node must accept, 2047 every one 6LoWPAN can announce).
pub struct ReassemblySlot<'b> {
    buf: &'b mut [u8],
    state: SlotState,
}

impl<'b> ReassemblySlot<'b> {
    /// A free slot that adds `buf` to the pool.
    pub fn new(buf: &'b mut [u8]) -> Self {
        ReassemblySlot { buf, state: SlotState::default() }
    }

    /// A free slot that adds no bytes to the pool: its datagram is rebuilt
    /// in another slot's buffer, where there is room.
    pub fn without_buffer() -> Self {
        ReassemblySlot { buf: &mut [], state: SlotState::default() }
    }

    /// The bytes this slot adds to the pool.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl fmt::Debug for ReassemblySlot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReassemblySlot")
            .field("capacity", &self.buf.len())
            .field("key", &self.state.entry.as_ref().map(|e| e.key))
            .finish()
    }
}

impl Storage for &mut [ReassemblySlot<'_>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn state(&self, i: usize) -> Option<&SlotState> {
        self.get(i).map(|s| &s.state)
    }
    fn state_mut(&mut self, i: usize) -> Option<&mut SlotState> {
        self.get_mut(i).map(|s| &mut s.state)
    }
    fn buf_len(&self, i: usize) -> usize {
        self.get(i).map_or(0, |s| s.buf.len())
    }
    fn buf_mut(&mut self, i: usize) -> Option<&mut [u8]> {
        self.get_mut(i).map(|s| &mut *s.buf)
    }
}
impl SlotStorage for &mut [ReassemblySlot<'_>] {}

/// `SLOTS` slots of `SIZE` bytes each, owned: `SLOTS * (SIZE +`
/// [`SLOT_OVERHEAD`]`)` bytes.
pub struct OwnedSlots<const SLOTS: usize, const SIZE: usize> {
    bufs: [[u8; SIZE]; SLOTS],
    states: [SlotState; SLOTS],
}

impl<const SLOTS: usize, const SIZE: usize> OwnedSlots<SLOTS, SIZE> {
    /// Free slots, zero-filled.
    pub const fn new() -> Self {
        OwnedSlots { bufs: [[0; SIZE]; SLOTS], states: [const { SlotState { entry: None } }; SLOTS] }
    }
}

impl<const SLOTS: usize, const SIZE: usize> Default for OwnedSlots<SLOTS, SIZE> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const SLOTS: usize, const SIZE: usize> fmt::Debug for OwnedSlots<SLOTS, SIZE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSlots")
            .field("slots", &SLOTS)
            .field("size", &SIZE)
            .field("in_progress", &self.states.iter().filter(|s| s.entry.is_some()).count())
            .finish()
    }
}

impl<const SLOTS: usize, const SIZE: usize> Storage for OwnedSlots<SLOTS, SIZE> {
    fn count(&self) -> usize {
        SLOTS
    }
    fn state(&self, i: usize) -> Option<&SlotState> {
        self.states.get(i)
    }
    fn state_mut(&mut self, i: usize) -> Option<&mut SlotState> {
        self.states.get_mut(i)
    }
    fn buf_len(&self, i: usize) -> usize {
        if i < SLOTS { SIZE } else { 0 }
    }
    fn buf_mut(&mut self, i: usize) -> Option<&mut [u8]> {
        self.bufs.get_mut(i).map(|b| b.as_mut_slice())
    }
}
impl<const SLOTS: usize, const SIZE: usize> SlotStorage for OwnedSlots<SLOTS, SIZE> {}

/// A reassembler that owns `SLOTS` buffers of `SIZE` bytes; `const`
/// constructor, so it can live in a `static`.
///
/// ```
/// use sixlo::lowpan::frag::ReassemblyBuffers;
/// static R: std::sync::Mutex<ReassemblyBuffers<2, 1280>> =
///     std::sync::Mutex::new(ReassemblyBuffers::new_owned());
/// assert_eq!(R.lock().unwrap().slot_count(), 2);
/// ```
pub type ReassemblyBuffers<const SLOTS: usize, const SIZE: usize> = Reassembler<OwnedSlots<SLOTS, SIZE>>;

/// Rebuilds datagrams from their link fragments, in caller-provided slots.
///
/// Feed every received fragment to [`accept`](Self::accept) with its
/// offset in bytes of the uncompressed datagram: 0 and the decompressed
/// FRAG1 contents (uncompressed headers, then payload) for FRAG1,
/// `datagram_offset * 8` and the bytes after the header for FRAGN. Call
/// [`expire`](Self::expire) when [`poll_at`](Self::poll_at) is reached.
///
/// ```
/// use sixlo::lowpan::frag::{ReassemblyKey, ReassemblySlot, Reassembler};
/// use sixlo::time::Instant;
/// use sixlo::wire::ieee802154::Address;
///
/// let mut buf = [0u8; 1280];
/// let mut slots = [ReassemblySlot::new(&mut buf)];
/// let mut r = Reassembler::new(&mut slots);
/// let key = ReassemblyKey { src: Address::Short([0, 1]), dst: Address::Short([0, 2]), size: 12, tag: 7 };
/// let now = Instant::from_secs(1);
/// assert_eq!(r.accept(now, key, 8, &[9, 10, 11, 12]), Ok(None)); // FRAGN first
/// let datagram = r.accept(now, key, 0, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap().unwrap();
/// assert_eq!(datagram, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
/// assert_eq!(r.stats().completed, 1);
/// ```
#[derive(Debug)]
pub struct Reassembler<S> {
    storage: S,
    /// The timeout in microseconds: 4 bytes, exact for every timeout RFC
    /// 4944 §5.3 allows (at most 60 s); longer ones are kept as
    /// `u32::MAX` µs (71.6 minutes).
    timeout_us: u32,
    stats: ReassemblyStats,
}

/// A timeout as kept by [`Reassembler`].
const fn timeout_us(timeout: Duration) -> u32 {
    let us = timeout.total_micros();
    if us > u32::MAX as u64 { u32::MAX } else { us as u32 }
}

impl<'s, 'b> Reassembler<&'s mut [ReassemblySlot<'b>]> {
    /// A reassembler over caller slots, with the default 60 s timeout.
    pub fn new(slots: &'s mut [ReassemblySlot<'b>]) -> Self {
        Reassembler {
            storage: slots,
            timeout_us: timeout_us(DEFAULT_REASSEMBLY_TIMEOUT),
            stats: ReassemblyStats::default(),
        }
    }
}

impl<const SLOTS: usize, const SIZE: usize> Reassembler<OwnedSlots<SLOTS, SIZE>> {
    /// A reassembler with its own storage, with the default 60 s timeout.
    pub const fn new_owned() -> Self {
        Reassembler {
            storage: OwnedSlots::new(),
            timeout_us: timeout_us(DEFAULT_REASSEMBLY_TIMEOUT),
            stats: ReassemblyStats {
                completed: 0,
                timeouts: 0,
                no_slot: 0,
                too_large: 0,
                overlaps: 0,
                duplicates: 0,
                invalid: 0,
            },
        }
    }
}

fn bit(map: &[u8; BITMAP_BYTES], i: usize) -> bool {
    map.get(i / 8).is_some_and(|b| (b >> (i % 8)) & 1 == 1)
}

fn set_bit(map: &mut [u8; BITMAP_BYTES], i: usize) {
    if let Some(b) = map.get_mut(i / 8) {
        *b |= 1 << (i % 8);
    }
}

enum Arrival {
    New,
    Duplicate,
    Overlap,
}

impl Entry {
    fn new(key: ReassemblyKey, now: Instant, at: u16) -> Self {
        Entry { key, started: now, at, have: [0; BITMAP_BYTES], starts: [0; BITMAP_BYTES] }
    }

    /// Whether every block of the datagram has arrived. Fragments never
    /// overlap and every one but the last covers whole blocks, so this is
    /// exactly "every byte has arrived".
    fn complete(&self) -> bool {
        let blocks = usize::from(self.key.size).div_ceil(8);
        (0..blocks).all(|b| bit(&self.have, b))
    }

    /// The pool bytes it occupies.
    fn region(&self) -> core::ops::Range<usize> {
        let at = usize::from(self.at);
        at..at + usize::from(self.key.size)
    }

    /// Classifies a fragment covering blocks `first..last` of `blocks`.
    fn classify(&self, first: usize, last: usize, blocks: usize) -> Arrival {
        let received = (first..last).filter(|&b| bit(&self.have, b)).count();
        if received == 0 {
            return Arrival::New;
        }
        // Exact repeat: all blocks are there, one received fragment starts at
        // `first` and none inside, and that fragment stops at `last` (the next
        // block is missing, starts another fragment, or is past the end).
        let exact = received == last - first
            && bit(&self.starts, first)
            && !(first + 1..last).any(|b| bit(&self.starts, b))
            && (last >= blocks || !bit(&self.have, last) || bit(&self.starts, last));
        if exact { Arrival::Duplicate } else { Arrival::Overlap }
    }
}

impl<S: SlotStorage> Reassembler<S> {
    /// Sets the reassembly timeout (RFC 4944 §5.3: at most 60 s; kept to
    /// the microsecond up to 71.6 minutes, longer ones as 71.6 minutes).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.set_timeout(timeout);
        self
    }

    /// Sets the reassembly timeout for datagrams started from now on and
    /// for those in progress.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout_us = timeout_us(timeout);
    }

    /// The reassembly timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_micros(u64::from(self.timeout_us))
    }

    /// The counters.
    pub fn stats(&self) -> &ReassemblyStats {
        &self.stats
    }

    /// Number of slots.
    pub fn slot_count(&self) -> usize {
        self.storage.count()
    }

    /// Bytes of the slot buffers together (0: lent pool mode, see
    /// [`accept_lent`](Self::accept_lent)).
    pub fn pool_len(&self) -> usize {
        let mut n = 0usize;
        for i in 0..self.storage.count() {
            n = n.saturating_add(self.storage.buf_len(i));
        }
        n
    }

    /// Number of datagrams being reassembled.
    pub fn in_progress(&self) -> usize {
        self.entries().count()
    }

    /// Drops every datagram in progress (not counted).
    pub fn clear(&mut self) {
        for i in 0..self.storage.count() {
            if let Some(s) = self.storage.state_mut(i) {
                s.entry = None;
            }
        }
    }

    /// Drops the datagram in progress under `key`, e.g. when its FRAG1
    /// headers failed to decompress. Returns whether there was one.
    pub fn discard(&mut self, key: &ReassemblyKey) -> bool {
        match self.find(key).and_then(|i| self.storage.state_mut(i)) {
            Some(s) => {
                s.entry = None;
                true
            }
            None => false,
        }
    }

    /// When the earliest datagram in progress times out, if any.
    pub fn poll_at(&self) -> Option<Instant> {
        let mut at = None;
        for e in self.entries() {
            at = earliest(at, Some(e.started + self.timeout()));
        }
        at
    }

    /// Drops the datagrams whose timeout has passed at `now`, counts them in
    /// [`ReassemblyStats::timeouts`], and returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let mut n = 0;
        for i in 0..self.storage.count() {
            let timeout = self.timeout();
            let Some(s) = self.storage.state_mut(i) else { continue };
            if s.entry.as_ref().is_some_and(|e| now >= e.started + timeout) {
                s.entry = None;
                n += 1;
                bump(&mut self.stats.timeouts);
            }
        }
        n
    }

    /// The datagrams in progress.
    fn entries(&self) -> impl Iterator<Item = &Entry> {
        (0..self.storage.count()).filter_map(|i| self.storage.state(i)?.entry.as_ref())
    }

    fn find(&self, key: &ReassemblyKey) -> Option<usize> {
        (0..self.storage.count())
            .find(|&i| self.storage.state(i).is_some_and(|s| s.entry.as_ref().is_some_and(|e| e.key == *key)))
    }

    /// Where a new datagram of `size` bytes goes.
    ///
    /// In the slot buffers (`lent` is `None`; the pool is the buffers one
    /// after the other, offsets up to `u16::MAX`): the smallest free gap of
    /// one buffer that holds it (best fit, the lowest offset on ties), so
    /// large gaps stay free for large datagrams.
    ///
    /// In a lent pool of `len` bytes whose first `reserved` are taken
    /// (`lent` is `Some((len, reserved))`): as high as it fits (it ends at
    /// the pool's end or where another datagram starts).
    fn place(&self, size: usize, lent: Option<(usize, usize)>) -> Option<u16> {
        // (rank, offset): the lowest rank wins, the first on ties.
        let mut best: Option<((usize, usize), usize)> = None;
        let mut base = 0usize;
        let buffers = if lent.is_some() { 1 } else { self.storage.count() };
        for b in 0..buffers {
            let (len, reserved) = lent.unwrap_or((self.storage.buf_len(b), 0));
            let end = base.saturating_add(len);
            if len < size {
                base = end;
                continue;
            }
            // Candidate starts: the buffer's start and every region's end
            // inside it; in a lent pool, below its end and below every
            // region's start.
            for e in core::iter::once(None).chain(self.entries().map(Some)) {
                let c = match (lent, e) {
                    (None, None) => base,
                    (None, Some(e)) => match e.region().end {
                        x if x > base && x < end => x,
                        _ => continue,
                    },
                    (Some(_), e) => match e.map_or(end, |e| usize::from(e.at)).checked_sub(size) {
                        Some(c) => c,
                        None => continue,
                    },
                };
                if (lent.is_none() && c > usize::from(u16::MAX)) || c < reserved || c + size > end {
                    continue;
                }
                let mut next = end;
                let mut clash = false;
                for r in self.entries().map(Entry::region) {
                    if r.start < c + size && c < r.end {
                        clash = true;
                        break;
                    }
                    if r.start >= c && r.start < next {
                        next = r.start;
                    }
                }
                let rank = if lent.is_some() { (0, usize::MAX - c) } else { (next - c, c) };
                if !clash && best.is_none_or(|(r, _)| rank < r) {
                    best = Some((rank, c));
                }
            }
            base = end;
        }
        best.and_then(|(_, at)| u16::try_from(at).ok())
    }

    /// The bytes `range` of the pool, when they lie in one buffer.
    pub(crate) fn pool_mut(&mut self, range: core::ops::Range<usize>) -> Option<&mut [u8]> {
        let mut base = 0usize;
        for b in 0..self.storage.count() {
            let len = self.storage.buf_len(b);
            if range.start < base + len {
                let (lo, hi) = (range.start.checked_sub(base)?, range.end.checked_sub(base)?);
                return self.storage.buf_mut(b)?.get_mut(lo..hi);
            }
            base += len;
        }
        None
    }

    fn invalid(&mut self) -> ReassemblyError {
        bump(&mut self.stats.invalid);
        ReassemblyError::Invalid
    }

    /// Takes one fragment: `data` belongs at byte `offset` of the
    /// uncompressed datagram identified by `key`.
    ///
    /// Returns `Ok(Some(datagram))` when this fragment completes the
    /// datagram (all `key.size` bytes; its slot and pool bytes are free
    /// again once the borrow ends), `Ok(None)` when more fragments are
    /// needed or the fragment was an exact duplicate, and an error when the
    /// fragment was dropped. Expired datagrams are dropped first (see
    /// [`expire`](Self::expire)).
    pub fn accept(
        &mut self,
        now: Instant,
        key: ReassemblyKey,
        offset: usize,
        data: &[u8],
    ) -> Result<Option<&mut [u8]>, ReassemblyError> {
        match self.accept_in(now, key, offset, data, None)? {
            Some(range) => self.pool_mut(range).map(Some).ok_or(ReassemblyError::Invalid),
            None => Ok(None),
        }
    }

    /// [`accept`](Self::accept) with the bytes in `pool`, which the caller
    /// lends for this call instead of slot buffers ("lent pool" mode: the
    /// slots keep only their records, see [`ReassemblySlot::without_buffer`]).
    /// The first `reserved` bytes of `pool` are the caller's: no datagram
    /// is placed there. Datagrams are placed as high in the pool as they
    /// fit, so the bytes below [`lowest_offset`](Self::lowest_offset) stay
    /// free for the caller. Returns where the completed datagram lies in
    /// `pool`.
    ///
    /// Lend the same pool (the same bytes, unchanged outside `reserved`
    /// and below `lowest_offset`) to every call, and do not mix this with
    /// `accept` on one reassembler: datagrams in progress live in the pool
    /// between calls.
    pub fn accept_lent(
        &mut self,
        now: Instant,
        key: ReassemblyKey,
        offset: usize,
        data: &[u8],
        pool: &mut [u8],
        reserved: usize,
    ) -> Result<Option<core::ops::Range<usize>>, ReassemblyError> {
        self.accept_in(now, key, offset, data, Some((pool, reserved)))
    }

    /// The lowest pool offset a datagram in progress occupies: in lent
    /// pool mode, the bytes below it are the caller's.
    pub fn lowest_offset(&self) -> Option<usize> {
        let mut low = None;
        for e in self.entries() {
            let at = usize::from(e.at);
            if low.is_none_or(|l| at < l) {
                low = Some(at);
            }
        }
        low
    }

    /// The body of `accept` and `accept_lent` (`lent`: the pool and its
    /// reserved bytes): the completed datagram's pool bytes, if this
    /// fragment completed one.
    pub(crate) fn accept_in(
        &mut self,
        now: Instant,
        key: ReassemblyKey,
        offset: usize,
        data: &[u8],
        mut lent: Option<(&mut [u8], usize)>,
    ) -> Result<Option<core::ops::Range<usize>>, ReassemblyError> {
        self.expire(now);
        let size = usize::from(key.size);
        if data.is_empty() || size == 0 || size > MAX_DATAGRAM_SIZE || offset % 8 != 0 {
            return Err(self.invalid());
        }
        let end = match offset.checked_add(data.len()) {
            Some(end) if end <= size => end,
            _ => return Err(self.invalid()),
        };
        // RFC 4944 §5.3: offsets are in 8-octet units, so every fragment but
        // the last carries a multiple of 8 bytes.
        if end != size && data.len() % 8 != 0 {
            return Err(self.invalid());
        }

        let (first, last, blocks) = (offset / 8, end.div_ceil(8), size.div_ceil(8));
        let slot = match self.find(&key) {
            Some(i) => {
                let Some(entry) = self.storage.state_mut(i).and_then(|s| s.entry.as_mut()) else {
                    return Err(self.invalid());
                };
                match entry.classify(first, last, blocks) {
                    Arrival::New => {}
                    Arrival::Duplicate => {
                        bump(&mut self.stats.duplicates);
                        return Ok(None);
                    }
                    Arrival::Overlap => {
                        // RFC 4944 §5.3: discard what was accumulated, start
                        // afresh with this fragment (in the same pool bytes).
                        *entry = Entry::new(key, now, entry.at);
                        bump(&mut self.stats.overlaps);
                    }
                }
                i
            }
            None => {
                let count = self.storage.count();
                let fits = match &lent {
                    Some((pool, _)) => pool.len() >= size,
                    None => (0..count).any(|i| self.storage.buf_len(i) >= size),
                };
                if !fits {
                    bump(&mut self.stats.too_large);
                    return Err(ReassemblyError::TooLarge);
                }
                let free = (0..count).find(|&i| self.storage.state(i).is_some_and(|s| s.entry.is_none()));
                let at = self.place(size, lent.as_ref().map(|(pool, reserved)| (pool.len(), *reserved)));
                let (Some(i), Some(at)) = (free, at) else {
                    bump(&mut self.stats.no_slot);
                    return Err(ReassemblyError::NoSlot);
                };
                if let Some(state) = self.storage.state_mut(i) {
                    state.entry = Some(Entry::new(key, now, at));
                }
                i
            }
        };

        // Every drop is counted (the node reads its 6LoWPAN errors from
        // these counters), the impossible ones too.
        let Some(at) = self.storage.state(slot).and_then(|s| s.entry.as_ref()).map(|e| usize::from(e.at))
        else {
            return Err(self.invalid());
        };
        let dst = match &mut lent {
            Some((pool, _)) => pool.get_mut(at + offset..at + end),
            None => self.pool_mut(at + offset..at + end),
        };
        let Some(dst) = dst else { return Err(self.invalid()) };
        dst.copy_from_slice(data);
        let Some(state) = self.storage.state_mut(slot) else { return Err(self.invalid()) };
        let Some(entry) = state.entry.as_mut() else { return Err(self.invalid()) };
        for b in first..last {
            set_bit(&mut entry.have, b);
        }
        set_bit(&mut entry.starts, first);
        if !entry.complete() {
            return Ok(None);
        }
        state.entry = None;
        bump(&mut self.stats.completed);
        Ok(Some(at..at + size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Address = Address::Short([0x00, 0x01]);
    const B: Address = Address::Extended([2, 0, 0, 0, 0, 0, 0, 0x02]);
    const C: Address = Address::Short([0x00, 0x03]);

    fn key(size: u16, tag: u16) -> ReassemblyKey {
        ReassemblyKey { src: A, dst: C, size, tag }
    }

    fn t(secs: u64) -> Instant {
        Instant::from_secs(secs)
    }

    /// A test datagram of `size` bytes and its fragments (offset, bytes):
    /// 48 + 40 bytes first, then 48-byte chunks.
    fn datagram(size: usize) -> (Vec<u8>, Vec<(usize, Vec<u8>)>) {
        let d: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        let mut frags = Vec::new();
        let mut off = 0;
        while off < size {
            let len = if off == 0 { 88 } else { 48 }.min(size - off);
            frags.push((off, d[off..off + len].to_vec()));
            off += len;
        }
        (d, frags)
    }

    /// Feeds fragments in `order`; returns the completed datagram, if any.
    fn feed<S: SlotStorage>(
        r: &mut Reassembler<S>,
        k: ReassemblyKey,
        frags: &[(usize, Vec<u8>)],
        order: &[usize],
    ) -> Option<Vec<u8>> {
        let mut done = None;
        for &i in order {
            let (off, data) = &frags[i];
            if let Some(d) = r.accept(t(1), k, *off, data).unwrap() {
                assert!(done.is_none(), "completed twice");
                done = Some(d.to_vec());
            }
        }
        done
    }

    #[test]
    fn slot_overhead_is_small() {
        assert_eq!(SLOT_OVERHEAD, 96); // as the module docs say
        assert_eq!(BLOCKS, 256);
        assert_eq!(BITMAP_BYTES, 32);
    }

    #[test]
    fn in_order_reverse_shuffled_duplicates() {
        let (d, frags) = datagram(307);
        assert_eq!(frags.len(), 6); // 88 + 4 * 48 + 27
        let n = frags.len();
        let orders: Vec<Vec<usize>> = vec![
            (0..n).collect(),
            (0..n).rev().collect(),
            vec![3, 0, 5, 1, 4, 2],
            vec![2, 2, 0, 3, 0, 5, 5, 1, 3, 4],
        ];
        for (o, order) in orders.iter().enumerate() {
            let mut buf = [0u8; 1280];
            let mut slots = [ReassemblySlot::new(&mut buf)];
            let mut r = Reassembler::new(&mut slots);
            assert_eq!(feed(&mut r, key(307, 9), &frags, order).as_deref(), Some(&d[..]), "order {o}");
            assert_eq!(r.in_progress(), 0);
            let dups = order.len() - n;
            assert_eq!(
                *r.stats(),
                ReassemblyStats { completed: 1, duplicates: dups as u32, ..Default::default() }
            );
        }
    }

    #[test]
    fn last_fragment_duplicate_and_partial_block() {
        let (d, frags) = datagram(100); // 88 + 12: the last block is 4 bytes
        let mut r = ReassemblyBuffers::<1, 128>::new_owned();
        assert_eq!(r.accept(t(0), key(100, 1), 88, &frags[1].1), Ok(None));
        assert_eq!(r.accept(t(0), key(100, 1), 88, &frags[1].1), Ok(None));
        assert_eq!(r.stats().duplicates, 1);
        assert_eq!(r.accept(t(0), key(100, 1), 0, &frags[0].1).unwrap().unwrap(), &d[..]);
    }

    #[test]
    fn overlap_discards_and_restarts() {
        let (d, frags) = datagram(200); // 0..88, 88..136, 136..184, 184..200
        let mut r = ReassemblyBuffers::<1, 256>::new_owned();
        let k = key(200, 5);
        assert_eq!(r.accept(t(0), k, 0, &frags[0].1), Ok(None));
        assert_eq!(r.accept(t(0), k, 88, &frags[1].1), Ok(None));
        // A fragment 80..96 overlaps both with another offset and length.
        assert_eq!(r.accept(t(2), k, 80, &d[80..96]), Ok(None));
        assert_eq!(r.stats().overlaps, 1);
        assert_eq!(r.poll_at(), Some(t(62))); // fresh reassembly, fresh timer
        // The old fragments are gone: re-sending the rest does not complete...
        assert_eq!(r.accept(t(2), k, 136, &frags[2].1), Ok(None));
        assert_eq!(r.accept(t(2), k, 184, &frags[3].1), Ok(None));
        assert_eq!(r.accept(t(2), k, 0, &d[0..80]), Ok(None));
        // ...until 96..136 arrives as well.
        assert_eq!(r.accept(t(2), k, 96, &d[96..136]).unwrap().unwrap(), &d[..]);
        assert_eq!(r.stats().overlaps, 1);
        assert_eq!(r.stats().completed, 1);
    }

    #[test]
    fn covered_by_two_fragments_is_an_overlap_not_a_duplicate() {
        let (d, _) = datagram(64);
        let mut r = ReassemblyBuffers::<1, 64>::new_owned();
        let k = key(64, 5);
        assert_eq!(r.accept(t(0), k, 0, &d[0..16]), Ok(None));
        assert_eq!(r.accept(t(0), k, 16, &d[16..32]), Ok(None));
        // Same bytes, but its offset/length match neither received fragment.
        assert_eq!(r.accept(t(0), k, 0, &d[0..32]), Ok(None));
        assert_eq!(r.stats().overlaps, 1);
        // A prefix of a received fragment is an overlap too.
        assert_eq!(r.accept(t(0), k, 0, &d[0..8]), Ok(None));
        assert_eq!(r.stats().overlaps, 2);
        assert_eq!(r.stats().duplicates, 0);
        assert_eq!(r.accept(t(0), k, 8, &d[8..64]).unwrap().unwrap(), &d[..]);
    }

    #[test]
    fn invalid_fragments() {
        let mut r = ReassemblyBuffers::<1, 1280>::new_owned();
        let k = key(100, 1);
        let d = [0u8; 200];
        assert_eq!(r.accept(t(0), k, 0, &[]), Err(ReassemblyError::Invalid)); // empty
        assert_eq!(r.accept(t(0), k, 96, &d[..8]), Err(ReassemblyError::Invalid)); // past size
        assert_eq!(r.accept(t(0), k, usize::MAX - 7, &d[..16]), Err(ReassemblyError::Invalid)); // overflow
        assert_eq!(r.accept(t(0), k, 4, &d[..8]), Err(ReassemblyError::Invalid)); // unaligned
        assert_eq!(r.accept(t(0), k, 0, &d[..12]), Err(ReassemblyError::Invalid)); // non-final, not 8k
        assert_eq!(r.accept(t(0), key(0, 1), 0, &d[..8]), Err(ReassemblyError::Invalid));
        assert_eq!(r.accept(t(0), key(2048, 1), 0, &d[..8]), Err(ReassemblyError::Invalid));
        assert_eq!(r.stats().invalid, 7);
        assert_eq!(r.in_progress(), 0);
        // A single fragment holding the whole datagram completes at once.
        assert_eq!(r.accept(t(0), key(12, 1), 0, &d[..12]).unwrap().unwrap().len(), 12);
    }

    #[test]
    fn timeout_and_poll_at() {
        let (d, frags) = datagram(200);
        let mut r = ReassemblyBuffers::<2, 256>::new_owned().with_timeout(Duration::from_secs(10));
        assert_eq!(r.timeout(), Duration::from_secs(10));
        assert_eq!(r.poll_at(), None);
        assert_eq!(r.accept(t(100), key(200, 1), 0, &frags[0].1), Ok(None));
        assert_eq!(r.accept(t(105), key(200, 2), 0, &frags[0].1), Ok(None));
        assert_eq!(r.poll_at(), Some(t(110)));
        assert_eq!(r.expire(Instant::from_millis(109_999)), 0);
        assert_eq!(r.expire(t(110)), 1);
        assert_eq!(r.poll_at(), Some(t(115)));
        assert_eq!(r.in_progress(), 1);
        // A late fragment of the expired datagram starts a new reassembly.
        assert_eq!(r.accept(t(111), key(200, 1), 88, &frags[1].1), Ok(None));
        assert_eq!(r.in_progress(), 2);
        // accept() expires what is due before looking at the fragment.
        assert_eq!(r.accept(t(130), key(200, 2), 88, &frags[1].1), Ok(None));
        assert_eq!(r.stats().timeouts, 3);
        assert_eq!(r.in_progress(), 1);
        let _ = d;
    }

    #[test]
    fn default_timeout_is_60s() {
        let mut r = ReassemblyBuffers::<1, 64>::new_owned();
        assert_eq!(r.timeout(), DEFAULT_REASSEMBLY_TIMEOUT);
        r.accept(t(0), key(64, 1), 0, &[0; 8]).unwrap();
        assert_eq!(r.poll_at(), Some(t(60)));
        assert_eq!(r.expire(Instant::from_micros(59_999_999)), 0);
        assert_eq!(r.expire(t(60)), 1);
    }

    #[test]
    fn slot_exhaustion_drops_new_keeps_old() {
        let (d, frags) = datagram(200);
        let mut r = ReassemblyBuffers::<2, 256>::new_owned();
        r.accept(t(0), key(200, 1), 0, &frags[0].1).unwrap();
        r.accept(t(0), key(200, 2), 0, &frags[0].1).unwrap();
        assert_eq!(r.accept(t(1), key(200, 3), 0, &frags[0].1), Err(ReassemblyError::NoSlot));
        assert_eq!(r.stats().no_slot, 1);
        // The datagrams in progress are intact and complete.
        let order: Vec<usize> = (1..frags.len()).collect();
        assert_eq!(feed(&mut r, key(200, 1), &frags, &order).as_deref(), Some(&d[..]));
        // Now a slot is free for the new one.
        assert_eq!(r.accept(t(1), key(200, 3), 0, &frags[0].1), Ok(None));
        // Past the timeout (tag 2 started at 0 s, tag 3 at 1 s), they make room.
        assert_eq!(r.accept(t(61), key(200, 4), 0, &frags[0].1), Ok(None));
        assert_eq!(r.stats().timeouts, 2);
        assert_eq!(r.in_progress(), 1);
    }

    #[test]
    fn too_large_and_mixed_slot_sizes() {
        let mut small = [0u8; 128];
        let mut big = [0u8; 1280];
        let mut slots = [ReassemblySlot::new(&mut small), ReassemblySlot::new(&mut big)];
        assert_eq!(slots[0].capacity(), 128);
        let mut r = Reassembler::new(&mut slots);
        assert_eq!(r.accept(t(0), key(1281, 1), 0, &[0; 8]), Err(ReassemblyError::TooLarge));
        assert_eq!(r.stats().too_large, 1);
        // A 1000-byte datagram takes the big slot...
        assert_eq!(r.accept(t(0), key(1000, 1), 0, &[0; 8]), Ok(None));
        // ...so another one finds no slot, while a small one still fits.
        assert_eq!(r.accept(t(0), key(1000, 2), 0, &[0; 8]), Err(ReassemblyError::NoSlot));
        assert_eq!(r.accept(t(0), key(100, 3), 0, &[0; 8]), Ok(None));
        assert_eq!(r.in_progress(), 2);
        assert!(r.discard(&key(100, 3)));
        assert!(!r.discard(&key(100, 3)));
        r.clear();
        assert_eq!(r.in_progress(), 0);
    }

    #[test]
    fn four_datagrams_same_tag_different_sources() {
        let srcs = [A, B, C, Address::Short([0x12, 0x34])];
        let datagrams: Vec<_> = (0..4)
            .map(|s| datagram(150).0.iter().map(|b| b ^ (s as u8 * 0x11)).collect::<Vec<u8>>())
            .collect();
        let mut r = ReassemblyBuffers::<4, 1280>::new_owned();
        let mut done = vec![None; 4];
        // Interleave: fragment j of every source, with a different order per source.
        for j in 0..3 {
            for (s, src) in srcs.iter().enumerate() {
                let k = ReassemblyKey { src: *src, dst: Address::BROADCAST, size: 150, tag: 0x42 };
                let piece = (j + s) % 3; // 0..88, 88..136, 136..150
                let (lo, hi) = [(0, 88), (88, 136), (136, 150)][piece];
                if let Some(dg) = r.accept(t(0), k, lo, &datagrams[s][lo..hi]).unwrap() {
                    done[s] = Some(dg.to_vec());
                }
            }
        }
        for s in 0..4 {
            assert_eq!(done[s].as_deref(), Some(&datagrams[s][..]), "source {s}");
        }
        assert_eq!(r.stats().completed, 4);
        assert_eq!(r.stats().overlaps, 0);
    }

    #[test]
    fn size_is_part_of_the_key() {
        let mut r = ReassemblyBuffers::<2, 256>::new_owned();
        r.accept(t(0), key(200, 1), 0, &[1; 88]).unwrap();
        // Same tag and addresses, another size: a different datagram, no overlap.
        r.accept(t(0), key(100, 1), 0, &[2; 88]).unwrap();
        assert_eq!(r.in_progress(), 2);
        assert_eq!(r.stats().overlaps, 0);
        let dg = r.accept(t(0), key(100, 1), 88, &[3; 12]).unwrap().unwrap();
        assert_eq!(&dg[86..90], &[2, 2, 3, 3]);
    }

    #[test]
    fn two_slots_share_one_buffer() {
        let mut pool = [0u8; 1280];
        let mut slots = [ReassemblySlot::new(&mut pool), ReassemblySlot::without_buffer()];
        assert_eq!(slots[1].capacity(), 0);
        let mut r = Reassembler::new(&mut slots);
        let (d1, f1) = datagram(640);
        let (d2, f2) = datagram(640);
        let d2: Vec<u8> = d2.iter().map(|b| b ^ 0xff).collect();
        let f2: Vec<(usize, Vec<u8>)> =
            f2.iter().map(|(o, b)| (*o, b.iter().map(|x| x ^ 0xff).collect())).collect();
        // Two 640-byte datagrams at once, interleaved, neither clobbers the other.
        let mut done = [None, None];
        for j in 0..f1.len() {
            for (s, frags) in [&f1, &f2].into_iter().enumerate() {
                if let Some(dg) = r.accept(t(0), key(640, s as u16), frags[j].0, &frags[j].1).unwrap() {
                    done[s] = Some(dg.to_vec());
                }
            }
        }
        assert_eq!(done[0].as_deref(), Some(&d1[..]));
        assert_eq!(done[1].as_deref(), Some(&d2[..]));
        // A full 1280-byte datagram takes the whole pool...
        let (d, f) = datagram(1280);
        assert_eq!(r.accept(t(0), key(1280, 7), 0, &f[0].1), Ok(None));
        // ...so another datagram finds a free record but no room.
        assert_eq!(r.accept(t(0), key(8, 8), 0, &[0; 8]), Err(ReassemblyError::NoSlot));
        assert_eq!(r.stats().no_slot, 1);
        let order: Vec<usize> = (1..f.len()).collect();
        assert_eq!(feed(&mut r, key(1280, 7), &f, &order).as_deref(), Some(&d[..]));
        // 700 + 700 do not fit together: the second one is dropped.
        assert_eq!(r.accept(t(0), key(700, 9), 0, &[1; 88]), Ok(None));
        assert_eq!(r.accept(t(0), key(700, 10), 0, &[2; 88]), Err(ReassemblyError::NoSlot));
        assert_eq!(r.accept(t(0), key(580, 11), 0, &[3; 88]), Ok(None));
        // Two records, both busy: even an 8-byte datagram finds no slot.
        assert_eq!(r.accept(t(0), key(8, 12), 0, &[0; 8]), Err(ReassemblyError::NoSlot));
        assert_eq!(r.stats().no_slot, 3);
        assert_eq!(r.accept(t(0), key(2000, 13), 0, &[0; 8]), Err(ReassemblyError::TooLarge));
    }

    #[test]
    fn best_fit_keeps_the_big_gap() {
        let mut small = [0u8; 128];
        let mut big = [0u8; 1280];
        let mut slots = [
            ReassemblySlot::new(&mut big),
            ReassemblySlot::new(&mut small),
            ReassemblySlot::without_buffer(),
        ];
        let mut r = Reassembler::new(&mut slots);
        // The 100-byte datagram goes into the small buffer, where it fits best...
        assert_eq!(r.accept(t(0), key(100, 1), 0, &[1; 88]), Ok(None));
        // ...so a 1280-byte one still fits, and then a 16-byte one in the rest
        // of the small buffer.
        assert_eq!(r.accept(t(0), key(1280, 2), 0, &[2; 88]), Ok(None));
        assert_eq!(r.accept(t(0), key(16, 3), 0, &[3; 8]), Ok(None));
        assert_eq!(r.in_progress(), 3);
        assert_eq!(
            r.accept(t(0), key(100, 1), 88, &[4; 12]).unwrap().unwrap()[..],
            [&[1u8; 88][..], &[4; 12]].concat()
        );
        assert_eq!(
            r.accept(t(0), key(16, 3), 8, &[5; 8]).unwrap().unwrap(),
            &[3, 3, 3, 3, 3, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5]
        );
    }

    proptest::proptest! {
        /// Datagrams of random sizes, fragments interleaved at random, in a
        /// pool shared by three slots: each completes with its own bytes, or
        /// its first fragment was refused for lack of room.
        #[test]
        fn shared_pool_never_mixes_datagrams(
            sizes in proptest::collection::vec(1usize..=700, 1..8),
            picks in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        ) {
            let mut pool = [0u8; 1280];
            let mut slots = [ReassemblySlot::new(&mut pool), ReassemblySlot::without_buffer(), ReassemblySlot::without_buffer()];
            let mut r = Reassembler::new(&mut slots);
            let all: Vec<_> = sizes.iter().enumerate().map(|(i, &n)| {
                let (d, f) = datagram(n);
                let d: Vec<u8> = d.iter().map(|b| b.wrapping_add(i as u8 * 31)).collect();
                let f: Vec<(usize, Vec<u8>)> = f.iter().map(|(o, b)| (*o, b.iter().map(|x| x.wrapping_add(i as u8 * 31)).collect())).collect();
                (d, f)
            }).collect();
            let mut next = vec![0usize; all.len()];
            for p in picks {
                let i = usize::from(p) % all.len();
                let (d, f) = &all[i];
                let Some((off, data)) = f.get(next[i]) else { continue };
                match r.accept(t(0), key(d.len() as u16, i as u16), *off, data) {
                    Ok(Some(dg)) => { proptest::prop_assert_eq!(&dg[..], &d[..]); next[i] = usize::MAX; }
                    Ok(None) => next[i] += 1,
                    Err(e) => { proptest::prop_assert_eq!(e, ReassemblyError::NoSlot); proptest::prop_assert_eq!(next[i], 0); }
                }
                proptest::prop_assert!(r.in_progress() <= 3);
            }
        }
    }
    /// Lent pool mode: datagrams go as high as they fit above the caller's
    /// reserved bytes, `lowest_offset` tells the caller where its room ends,
    /// and a datagram that finds no room is counted, never placed over
    /// another or over the reserved bytes.
    #[test]
    fn lent_pool_places_from_the_top() {
        let mut slots = [ReassemblySlot::without_buffer(), ReassemblySlot::without_buffer()];
        let mut r = Reassembler::new(&mut slots);
        assert_eq!(r.pool_len(), 0);
        let mut pool = vec![0u8; 1280];
        let (d1, f1) = datagram(400);
        let (d2, f2) = datagram(500);
        // The first fragments of both: 400 at the top, 500 below it.
        assert_eq!(r.accept_lent(t(1), key(400, 1), f1[0].0, &f1[0].1, &mut pool, 100), Ok(None));
        assert_eq!(r.lowest_offset(), Some(880));
        assert_eq!(r.accept_lent(t(1), key(500, 2), f2[0].0, &f2[0].1, &mut pool, 100), Ok(None));
        assert_eq!(r.lowest_offset(), Some(380));
        // No room for a third (the slots are also full): counted.
        let (_, f3) = datagram(200);
        assert_eq!(
            r.accept_lent(t(1), key(200, 3), f3[0].0, &f3[0].1, &mut pool, 100),
            Err(ReassemblyError::NoSlot)
        );
        // The reserved bytes were never written.
        assert!(pool[..100].iter().all(|&b| b == 0));
        let mut done = Vec::new();
        for (k, frags, d) in [(key(500, 2), &f2, &d2), (key(400, 1), &f1, &d1)] {
            for (off, data) in &frags[1..] {
                if let Some(range) = r.accept_lent(t(1), k, *off, data, &mut pool, 100).unwrap() {
                    assert_eq!(&pool[range.clone()], &d[..]);
                    done.push(range);
                }
            }
        }
        assert_eq!(done, [380..880, 880..1280]);
        assert_eq!(r.lowest_offset(), None);
        // With 900 bytes reserved, a 400-byte datagram does not fit.
        assert_eq!(
            r.accept_lent(t(2), key(400, 4), f1[0].0, &f1[0].1, &mut pool, 900),
            Err(ReassemblyError::NoSlot)
        );
        // Larger than the pool: too large.
        let (_, f4) = datagram(1500);
        assert_eq!(
            r.accept_lent(t(2), key(1500, 5), f4[0].0, &f4[0].1, &mut pool[..1280], 0),
            Err(ReassemblyError::TooLarge)
        );
        assert_eq!((r.stats().no_slot, r.stats().too_large, r.stats().completed), (2, 1, 2));
    }
}
