//! The transmit queue: bounded, caller-sized, first in first out.
//!
//! Each slot holds one complete frame (header built at enqueue time, so a
//! retransmission carries the same DSN) and, once the frame is finished,
//! its outcome until `Mac::poll` reports it. A slot costs 136 bytes (the
//! 127-byte frame and 9 bytes of state; the destination is read back from
//! the frame header).
//!
//! Drop policy (a dead next hop cannot wedge the node):
//! - `enqueue` on a full queue fails with `MacError::QueueFull` (counted);
//!   nothing already queued is dropped.
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

/// One transmit queue entry.
#[derive(Debug, Clone, Copy)]
pub struct TxSlot {
    pub(super) state: SlotState,
    /// Also the FIFO order: handles are numbered in enqueue order.
    pub(super) handle: Handle,
    pub(super) ack: bool,
    pub(super) seq: u8,
    pub(super) attempts: u8,
    pub(super) len: u8,
    pub(super) buf: [u8; MAX_FRAME_LEN],
}

impl TxSlot {
    /// A free slot, to initialise storage.
    pub const EMPTY: TxSlot = TxSlot {
        state: SlotState::Free,
        handle: Handle(0),
        ack: false,
        seq: 0,
        attempts: 0,
        len: 0,
        buf: [0; MAX_FRAME_LEN],
    };

    /// The frame's destination, read back from the header `enqueue` built
    /// (not stored twice).
    pub(super) fn dst(&self) -> Address {
        Frame::new_unchecked(self.frame()).dst_addr()
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
#[derive(Debug, Clone)]
pub struct TxQueue<S> {
    slots: S,
    next_order: u32,
}

impl<S: Slots<TxSlot>> TxQueue<S> {
    /// A queue using `slots` (their contents are cleared).
    pub fn new(mut slots: S) -> Self {
        slots.as_mut().fill(TxSlot::EMPTY);
        TxQueue { slots, next_order: 0 }
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

    /// A free slot, marked queued, with the next handle (which is its
    /// order number).
    pub(super) fn alloc(&mut self) -> Option<&mut TxSlot> {
        let order = self.next_order;
        let slot = self.slots.as_mut().iter_mut().find(|s| s.state == SlotState::Free)?;
        self.next_order = order.wrapping_add(1);
        slot.state = SlotState::Queued;
        slot.handle = Handle(order);
        slot.attempts = 0;
        Some(slot)
    }

    fn oldest(&self, pred: impl Fn(&TxSlot) -> bool) -> Option<usize> {
        let base = self.next_order;
        // The oldest; on equal ages the last, as `max_by_key` would. Age
        // relative to the next order number survives wrap-around.
        let mut best: Option<(usize, u32)> = None;
        for (i, s) in self.slots.as_ref().iter().enumerate() {
            let age = base.wrapping_sub(s.handle.0);
            if pred(s) && best.is_none_or(|(_, a)| age >= a) {
                best = Some((i, age));
            }
        }
        best.map(|(i, _)| i)
    }

    /// Index of the oldest queued frame.
    pub(super) fn head(&self) -> Option<usize> {
        self.oldest(|s| s.state == SlotState::Queued)
    }

    /// Index of the oldest finished, unreported frame.
    pub(super) fn oldest_done(&self) -> Option<usize> {
        self.oldest(|s| matches!(s.state, SlotState::Done(_)))
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
