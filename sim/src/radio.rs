//! The simulated radio: a plain 802.15.4 transceiver (caps
//! [`RadioCaps::NONE`]; the stack's MAC does CSMA-CA, ACKs and retries).
//!
//! - [`Radio::transmit`] puts the frame on the air after the 192 µs
//!   turnaround, for `(6 + PSDU) × 32 µs` (PSDU = frame + 2-byte FCS); the
//!   radio is busy (and deaf: half duplex) from the call to the end.
//! - [`Radio::clear_channel`] asks the medium whether the node senses energy
//!   from a transmission on the air at that instant.
//! - [`Radio::receive`] hands over the frames the medium delivered (at the
//!   end of their airtime), oldest first. Like a chip in software-MAC mode it
//!   does not filter addresses: the MAC does, and sends the Imm-Ack itself.
//!
//! The engine owns one [`SimRadio`] per node and lends it to the node during
//! a poll as a [`RadioPort`], which is what implements [`Radio`].

use std::collections::VecDeque;

use sixlo::radio::{MAX_FRAME_LEN, Radio, RadioCaps, RadioError, RxInfo, TURNAROUND, TxReport, airtime};
use sixlo::time::Instant;

/// Frames a radio keeps for the node before dropping new ones.
pub const RX_QUEUE_LEN: usize = 8;

/// Counters of one simulated radio.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RadioStats {
    /// Frames put on the air.
    pub tx: u32,
    /// Frames delivered to the node's receive queue.
    pub rx: u32,
    /// Frames dropped because the receive queue was full.
    pub rx_overflow: u32,
    /// Clear channel assessments done.
    pub cca: u32,
    /// Of which found the channel busy.
    pub cca_busy: u32,
}

/// A frame the radio started sending during a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedTx {
    /// The frame, without FCS.
    pub frame: Vec<u8>,
    /// When `transmit` was called.
    pub at: Instant,
    /// First symbol on the air.
    pub start: Instant,
    /// End of the last symbol.
    pub end: Instant,
}

/// The state of one node's simulated transceiver.
#[derive(Debug, Clone, Default)]
pub struct SimRadio {
    rx: VecDeque<(Vec<u8>, RxInfo)>,
    /// Busy transmitting until then.
    tx_until: Instant,
    started: Option<StartedTx>,
    stats: RadioStats,
    /// Address filter PAN ID (recorded, not applied: software MAC).
    pub pan_id: u16,
    /// Address filter short address (recorded).
    pub short_address: [u8; 2],
    /// Address filter extended address (recorded).
    pub extended_address: [u8; 8],
    /// Promiscuous mode (recorded).
    pub promiscuous: bool,
}

impl SimRadio {
    /// An idle radio with an empty receive queue.
    pub fn new() -> Self {
        SimRadio::default()
    }

    /// Queues a received frame (without FCS); false when the queue is full.
    pub fn push_rx(&mut self, frame: &[u8], rssi: i8, lqi: u8, at: Instant) -> bool {
        if self.rx.len() >= RX_QUEUE_LEN {
            self.stats.rx_overflow = self.stats.rx_overflow.saturating_add(1);
            return false;
        }
        self.rx.push_back((frame.to_vec(), RxInfo { len: frame.len(), rssi, lqi, timestamp: at }));
        self.stats.rx = self.stats.rx.saturating_add(1);
        true
    }

    /// True when received frames wait for the node.
    pub fn has_rx(&self) -> bool {
        !self.rx.is_empty()
    }

    /// Drops every received frame (the node was switched off).
    pub fn clear_rx(&mut self) {
        self.rx.clear();
    }

    /// Takes the frame started during the last poll, if any.
    pub fn take_started(&mut self) -> Option<StartedTx> {
        self.started.take()
    }

    /// True while a transmission (turnaround included) is in progress.
    pub fn is_transmitting(&self, now: Instant) -> bool {
        now < self.tx_until
    }

    /// The radio's counters.
    pub fn stats(&self) -> RadioStats {
        self.stats
    }
}

/// A [`SimRadio`] lent to a node for one poll at `now`, with the medium's
/// answer to "does this node sense energy now" (`sense`).
pub struct RadioPort<'r> {
    /// The radio.
    pub radio: &'r mut SimRadio,
    /// The time of the poll.
    pub now: Instant,
    /// Energy detection: true when the channel is busy.
    pub sense: &'r mut dyn FnMut() -> bool,
}

impl Radio for RadioPort<'_> {
    fn caps(&self) -> RadioCaps {
        RadioCaps::NONE
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), RadioError> {
        if frame.len() > MAX_FRAME_LEN {
            return Err(RadioError::TooLong);
        }
        let r = &mut *self.radio;
        if self.now < r.tx_until || r.started.is_some() {
            return Err(RadioError::Busy);
        }
        let start = self.now + TURNAROUND;
        let end = start + airtime(frame.len() + 2);
        r.tx_until = end;
        r.started = Some(StartedTx { frame: frame.to_vec(), at: self.now, start, end });
        r.stats.tx = r.stats.tx.saturating_add(1);
        Ok(())
    }

    fn poll_tx(&mut self) -> Option<TxReport> {
        None
    }

    fn clear_channel(&mut self) -> bool {
        let r = &mut *self.radio;
        r.stats.cca = r.stats.cca.saturating_add(1);
        // Our own transmission is not in what the medium reports.
        let busy = (self.sense)();
        if busy {
            r.stats.cca_busy = r.stats.cca_busy.saturating_add(1);
        }
        !busy
    }

    fn receive(&mut self, buf: &mut [u8]) -> Option<RxInfo> {
        loop {
            let (f, info) = self.radio.rx.pop_front()?;
            if let Some(dst) = buf.get_mut(..f.len()) {
                dst.copy_from_slice(&f);
                return Some(info);
            }
        }
    }

    fn set_pan_id(&mut self, pan_id: u16) {
        self.radio.pan_id = pan_id;
    }

    fn set_short_address(&mut self, addr: [u8; 2]) {
        self.radio.short_address = addr;
    }

    fn set_extended_address(&mut self, addr: [u8; 8]) {
        self.radio.extended_address = addr;
    }

    fn set_promiscuous(&mut self, on: bool) {
        self.radio.promiscuous = on;
    }
}
