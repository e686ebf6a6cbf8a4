//! The transmit queue: bounded, caller-sized, first in first out.
//!
//! Each slot holds one complete frame (header built at enqueue time, so a
//! retransmission carries the same DSN) and, once the frame is finished,
//! its outcome until `Mac::poll` reports it. A slot costs 128 bytes (the
//! 125-byte frame without FCS and 3 bytes of state) on any target: the
//! destination, the DSN and the ACK request are read back from the frame
//! header, and the slot's [`Handle`] and FIFO position from its DSN (see
//! [`TxQueue`]).
//!
//! Drop policy (a dead next hop cannot wedge the node):
//! - `enqueue` on a full queue fails with `MacError::QueueFull` (counted);
//!   nothing already queued is dropped. The same happens, in a corner case
//!   only a queue of 17 slots or more can reach, when a frame still in the
//!   queue was enqueued 255 frames ago (see [`TxQueue`]).
//! - A frame is tried at most `1 + max_frame_retries` times, then dropped
//!   and reported `NoAck`; CSMA-CA failure drops it as `ChannelBusy`. The
//!   worst case a frame holds the head of the queue is bounded (about
//!   4 × (9.9 ms backoffs + 4.5 ms airtime + 0.9 ms ACK wait) with the
//!   defaults), then the next frame goes.
//! - With `MacConfig::purge_on_failure`, giving up on a next hop also drops
//!   every frame queued for that same address (reported `Purged`): they
//!   would most likely fail too and hold the queue for others.

use super::{Handle, Slots, TxOutcome};
use crate::radio::MAX_FRAME_LEN;
use crate::wire::ieee802154::{Address, Frame};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotState {
    Free,
    Queued,
    Done(TxOutcome),
}

/// One transmit queue entry: 128 bytes (was 136).
#[derive(Debug, Clone, Copy)]
pub struct TxSlot {
    pub(super) state: SlotState,
    pub(super) attempts: u8,
    pub(super) len: u8,
    pub(super) buf: [u8; MAX_FRAME_LEN],
}

impl TxSlot {
    /// A free slot, to initialise storage.
    pub const EMPTY: TxSlot = TxSlot { state: SlotState::Free, attempts: 0, len: 0, buf: [0; MAX_FRAME_LEN] };

    /// The frame's destination, read back from the header `enqueue` built
    /// (not stored twice).
    pub(super) fn dst(&self) -> Address {
        Frame::new_unchecked(self.frame()).dst_addr()
    }

    /// The frame's DSN: `enqueue` always writes one, right after the 2-byte
    /// Frame Control (IEEE 802.15.4-2015 §7.2.1, §7.2.2).
    pub(super) fn seq(&self) -> u8 {
        self.buf[2]
    }

    /// The frame's Ack Request bit (Frame Control bit 5, §7.2.1.4).
    pub(super) fn ack(&self) -> bool {
        self.buf[0] & 0x20 != 0
    }

    /// The frame bytes (PSDU without FCS).
    pub(super) fn frame(&self) -> &[u8] {
        &self.buf[..usize::from(self.len).min(MAX_FRAME_LEN)]
    }
}

impl Default for TxSlot {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// The queue over caller-provided storage.
///
/// Frames are numbered in enqueue order by a 32-bit counter, `order`,
/// kept by the MAC and passed in, whose low byte is the DSN the frame
/// carries (the MAC gives every frame the next DSN), so a slot keeps no
/// number of its own: a frame's age is the count of
/// enqueues since its own, `(next DSN - its DSN) mod 256`, which is exact
/// while every queued frame is younger than 256 enqueues, and its
/// [`Handle`] is the counter minus its age. Enqueueing keeps that true: it
/// refuses a new frame while the oldest one held is 255 enqueues old.
///
/// That refusal needs 17 slots or more. Frames are sent and reported in
/// enqueue order, so while a frame is held the only slots that free up
/// are the `k` of older frames, the `n - 1 - k` free when it came, and
/// those of younger frames purged when one of the `k` older heads fails
/// (at most `n - 1` each): at most `(n - 1) + k (n - 1) <= n (n - 1)`
/// enqueues follow it, 240 with `n = 16`.
#[derive(Debug, Clone)]
pub struct TxQueue<S> {
    slots: S,
}

/// Enqueues since slot `s`'s frame was enqueued (1..=255 while held),
/// `order` being the number the next frame gets.
fn age(order: u32, s: &TxSlot) -> u32 {
    u32::from((order as u8).wrapping_sub(s.seq()))
}

impl<S: Slots<TxSlot>> TxQueue<S> {
    /// A queue using `slots` (their contents are cleared).
    pub fn new(mut slots: S) -> Self {
        slots.as_mut().fill(TxSlot::EMPTY);
        TxQueue { slots }
    }

    /// The handle of the frame in slot `i`.
    pub(super) fn handle(&self, order: u32, i: usize) -> Handle {
        let age = self.slot(i).map_or(0, |s| age(order, s));
        Handle(order.wrapping_sub(age))
    }

    /// Capacity in frames.
    pub fn capacity(&self) -> usize {
        self.slots.as_ref().len()
    }

    /// Frames waiting to be sent (not counting finished, unreported ones).
    pub fn len(&self) -> usize {
        self.slots.as_ref().iter().filter(|s| s.state == SlotState::Queued).count()
    }

    /// Slots free for [`Mac::enqueue`](super::Mac::enqueue) (frames in
    /// flight and finished-but-unreported ones still hold theirs).
    pub fn free(&self) -> usize {
        self.slots.as_ref().iter().filter(|s| s.state == SlotState::Free).count()
    }

    /// True when no frame waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A free slot, marked queued, for the frame numbered `*order` (then
    /// counted); the caller writes the frame, with the DSN `*order as u8`
    /// had, before anything reads the queue again. `None` when no slot is
    /// free, or when a held frame is 255 enqueues old (see [`TxQueue`]).
    pub(super) fn alloc(&mut self, order: &mut u32) -> Option<(Handle, &mut TxSlot)> {
        let next = *order;
        let held = self.slots.as_ref().iter().filter(|s| s.state != SlotState::Free);
        if held.map(|s| age(next, s)).any(|age| age >= 255) {
            return None;
        }
        let slot = self.slots.as_mut().iter_mut().find(|s| s.state == SlotState::Free)?;
        *order = next.wrapping_add(1);
        slot.state = SlotState::Queued;
        slot.attempts = 0;
        Some((Handle(next), slot))
    }

    fn oldest(&self, order: u32, pred: impl Fn(&TxSlot) -> bool) -> Option<usize> {
        // The oldest; on equal ages the last, as `max_by_key` would.
        let mut best: Option<(usize, u32)> = None;
        for (i, s) in self.slots.as_ref().iter().enumerate() {
            let age = age(order, s);
            if pred(s) && best.is_none_or(|(_, a)| age >= a) {
                best = Some((i, age));
            }
        }
        best.map(|(i, _)| i)
    }

    /// Index of the oldest queued frame.
    pub(super) fn head(&self, order: u32) -> Option<usize> {
        self.oldest(order, |s| s.state == SlotState::Queued)
    }

    /// Index of the oldest finished, unreported frame.
    pub(super) fn oldest_done(&self, order: u32) -> Option<usize> {
        self.oldest(order, |s| matches!(s.state, SlotState::Done(_)))
    }

    pub(super) fn has_done(&self) -> bool {
        self.slots.as_ref().iter().any(|s| matches!(s.state, SlotState::Done(_)))
    }

    pub(super) fn slot(&self, i: usize) -> Option<&TxSlot> {
        self.slots.as_ref().get(i)
    }

    pub(super) fn slot_mut(&mut self, i: usize) -> Option<&mut TxSlot> {
        self.slots.as_mut().get_mut(i)
    }

    /// Marks every queued frame to `dst` except slot `keep` as purged;
    /// returns how many.
    pub(super) fn purge(&mut self, dst: Address, keep: usize) -> u32 {
        let mut n = 0;
        for (i, s) in self.slots.as_mut().iter_mut().enumerate() {
            if i != keep && s.state == SlotState::Queued && s.dst() == dst {
                s.state = SlotState::Done(TxOutcome::Purged);
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Allocates a slot as `Mac::enqueue` does: the frame carries the DSN
    /// the queue gives it.
    fn push<S: Slots<TxSlot>>(q: &mut TxQueue<S>, order: &mut u32) -> Option<Handle> {
        let seq = *order as u8;
        let (h, s) = q.alloc(order)?;
        s.buf[..3].copy_from_slice(&[0x41, 0x88, seq]);
        s.len = 3;
        Some(h)
    }

    #[test]
    fn handles_and_order_survive_the_dsn_wrap() {
        let mut q = TxQueue::new([TxSlot::EMPTY; 3]);
        let mut o = 254;
        let hs: Vec<_> = (0..3).map(|_| push(&mut q, &mut o).unwrap()).collect();
        assert_eq!(hs, [Handle(254), Handle(255), Handle(256)]);
        assert_eq!(o as u8, 1);
        assert!(push(&mut q, &mut o).is_none(), "full");
        assert_eq!(o, 257);
        // FIFO across the wrap: 254, 255, then 0.
        for (i, h) in hs.iter().enumerate() {
            let head = q.head(o).unwrap();
            assert_eq!(q.handle(o, head), *h);
            q.slot_mut(head).unwrap().state = SlotState::Free;
            assert_eq!(push(&mut q, &mut o), Some(Handle(257 + i as u32)));
        }
        assert_eq!(q.handle(o, q.head(o).unwrap()), Handle(257));
    }

    #[test]
    fn a_frame_held_for_255_enqueues_refuses_the_next() {
        let mut q = TxQueue::new([TxSlot::EMPTY; 2]);
        let mut o = 7;
        let old = push(&mut q, &mut o).unwrap();
        // Younger frames come and go (as purged frames do) around it.
        for _ in 0..254 {
            let h = push(&mut q, &mut o).unwrap();
            let i = (0..2).find(|&i| q.handle(o, i) == h).unwrap();
            q.slot_mut(i).unwrap().state = SlotState::Free;
        }
        assert_eq!(q.handle(o, q.head(o).unwrap()), old);
        assert!(push(&mut q, &mut o).is_none(), "a 256th enqueue would alias its DSN");
        let head = q.head(o).unwrap();
        q.slot_mut(head).unwrap().state = SlotState::Free;
        assert_eq!(push(&mut q, &mut o), Some(Handle(old.0 + 255)));
    }
}
