//! The `Radio` trait a transceiver driver implements, PHY timing, and an
//! in-memory radio for tests.
//!
//! A radio is small and inert, like the chip it drives: it sends one frame
//! when told, answers a clear channel assessment, hands over received
//! frames with RSSI/LQI and filters addresses. It owns no timers and no
//! queue beyond the chip's own frame buffer; the MAC ([`crate::mac`]) decides
//! when to call it.
//!
//! # What a driver must do
//!
//! - [`Radio::caps`] says which MAC functions the chip does itself. A
//!   driver for a plain transceiver returns [`RadioCaps::NONE`]; the stack's
//!   MAC then does CSMA-CA, ACKs and retries in software.
//! - [`Radio::transmit`] starts sending a PSDU *without* FCS (the radio
//!   appends the 2-byte FCS) and returns at once. The frame is on the air
//!   from `now + TURNAROUND` for [`airtime`]`(len + 2)`. Return
//!   [`RadioError::Busy`] when a transmission is still in progress.
//! - [`Radio::poll_tx`] reports the end of a transmission. A radio with no
//!   `hw_*` capability may always return `None`: the MAC computes the end
//!   from the frame length. A radio with `hw_csma`, `hw_ack` or
//!   `hw_retries` must return one [`TxReport`] per accepted `transmit`,
//!   after the chip finished (including its own CSMA, ACK wait and
//!   retries), and should wake the event loop (interrupt) when it has one.
//! - [`Radio::clear_channel`] performs a CCA (8 symbols, 128 µs) and says
//!   whether the channel is idle. It is called at the instant the MAC's
//!   backoff expires.
//! - [`Radio::receive`] copies the oldest received frame (FCS checked and
//!   removed; frames with a bad FCS are dropped by the driver) into `buf`
//!   and returns its [`RxInfo`]. Frames longer than `buf` are dropped.
//! - The address filter (`set_pan_id`, `set_short_address`,
//!   `set_extended_address`, `set_promiscuous`) is applied by chips that
//!   have one; with `hw_ack` the chip also sends the Imm-Ack for unicast
//!   frames that pass the filter and request one. The MAC filters again in
//!   software, so a driver without a filter may ignore these calls.
//!
//! # When `poll` must be called
//!
//! The node calls the MAC's `poll` at its `poll_at()` deadline (backoff end,
//! end of its own transmission, ACK wait end), after every received frame
//! (driver RX interrupt: drain [`Radio::receive`]) and, with hardware
//! MAC functions, when the radio signals the end of a transmission.

use crate::time::{Duration, Instant};

/// Largest PSDU, FCS included (aMaxPhyPacketSize, 802.15.4-2015 §11.3).
pub const MAX_PSDU_LEN: usize = 127;
/// Largest frame the MAC hands to [`Radio::transmit`] (PSDU without FCS).
pub const MAX_FRAME_LEN: usize = MAX_PSDU_LEN - 2;
/// Time on air of one byte at 250 kbit/s (2.4 GHz O-QPSK): 2 symbols of 16 µs.
pub const BYTE_DURATION: Duration = Duration::from_micros(32);
/// One O-QPSK symbol (62.5 ksymbol/s).
pub const SYMBOL_DURATION: Duration = Duration::from_micros(16);
/// RX-to-TX turnaround (aTurnaroundTime, 12 symbols).
pub const TURNAROUND: Duration = Duration::from_micros(192);
/// Clear channel assessment duration (8 symbols).
pub const CCA_DURATION: Duration = Duration::from_micros(128);

/// Time on air of a PSDU of `psdu_len` bytes (FCS included): 4 bytes of
/// preamble, 1 of SFD and 1 of PHR, then the PSDU, 32 µs per byte
/// (4256 µs for 127 bytes, 352 µs for an Imm-Ack).
pub const fn airtime(psdu_len: usize) -> Duration {
    Duration::from_micros((6 + psdu_len as u64) * 32)
}

/// What the transceiver does in hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RadioCaps {
    /// The chip does CSMA-CA before each transmission.
    pub hw_csma: bool,
    /// The chip sends Imm-Acks for received unicast frames that pass its
    /// address filter, and waits for the ACK of its own transmissions.
    pub hw_ack: bool,
    /// The chip retransmits frames that were not acknowledged.
    pub hw_retries: bool,
    /// Largest PSDU the chip handles (FCS included), normally 127.
    pub max_frame_len: u8,
}

impl RadioCaps {
    /// A plain transceiver: the stack's MAC does everything.
    pub const NONE: RadioCaps =
        RadioCaps { hw_csma: false, hw_ack: false, hw_retries: false, max_frame_len: 127 };

    /// True when any MAC function is done in hardware, in which case the
    /// radio must report transmissions through [`Radio::poll_tx`].
    pub const fn any_hw(&self) -> bool {
        self.hw_csma || self.hw_ack || self.hw_retries
    }
}

impl Default for RadioCaps {
    fn default() -> Self {
        Self::NONE
    }
}

/// Why [`Radio::transmit`] refused a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RadioError {
    /// A transmission is in progress.
    Busy,
    /// The frame plus FCS exceeds `max_frame_len`.
    TooLong,
    /// The chip or its bus failed.
    Hardware,
}

/// How a transmission done with hardware MAC functions ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxStatus {
    /// Sent; with `hw_ack` and the ACK request bit set, also acknowledged.
    Sent,
    /// No ACK came (after the chip's retries, with `hw_retries`).
    NoAck,
    /// Hardware CSMA-CA found the channel busy and gave up.
    ChannelBusy,
}

/// End-of-transmission report of a radio with hardware MAC functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxReport {
    /// Outcome.
    pub status: TxStatus,
    /// Transmissions the chip made (1 without `hw_retries`; 0 when the
    /// channel was never clear).
    pub attempts: u8,
}

/// Metadata of a received frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RxInfo {
    /// Length of the frame copied into the buffer (without FCS).
    pub len: usize,
    /// Received signal strength, dBm.
    pub rssi: i8,
    /// Link quality indicator (chip specific, 0-255).
    pub lqi: u8,
    /// When the frame was received (end of the frame).
    pub timestamp: Instant,
}

/// An IEEE 802.15.4 transceiver.
pub trait Radio {
    /// What the chip does in hardware.
    fn caps(&self) -> RadioCaps;
    /// Starts sending `frame` (PSDU without FCS; the radio appends it).
    fn transmit(&mut self, frame: &[u8]) -> Result<(), RadioError>;
    /// The report of a finished transmission (radios with `hw_*` caps).
    fn poll_tx(&mut self) -> Option<TxReport>;
    /// Clear channel assessment: true when the channel is idle.
    fn clear_channel(&mut self) -> bool;
    /// Copies the oldest received frame into `buf`.
    fn receive(&mut self, buf: &mut [u8]) -> Option<RxInfo>;
    /// Sets the PAN ID of the address filter.
    fn set_pan_id(&mut self, pan_id: u16);
    /// Sets the short address of the address filter (0xfffe: none).
    fn set_short_address(&mut self, addr: [u8; 2]);
    /// Sets the extended address of the address filter.
    fn set_extended_address(&mut self, addr: [u8; 8]);
    /// Accepts every frame (no filter, no automatic ACK) when `on`.
    fn set_promiscuous(&mut self, on: bool);
}

/// A frame stored by [`MemRadio`].
pub type MemFrame = heapless::Vec<u8, MAX_PSDU_LEN>;

/// An in-memory radio for tests and examples: frames the MAC transmits are
/// collected in [`MemRadio::sent`]; frames pushed with
/// [`MemRadio::push_rx`] are handed to [`Radio::receive`]. The channel is
/// busy while [`MemRadio::busy`] is set or while [`MemRadio::busy_ccas`] is
/// not zero (each CCA then counts it down). Capacities: 16 sent frames,
/// 8 received frames, 8 TX reports; `transmit` returns
/// [`RadioError::Busy`] when `sent` is full.
#[derive(Debug, Clone, Default)]
pub struct MemRadio {
    /// Capabilities reported by [`Radio::caps`].
    pub caps: RadioCaps,
    /// Frames transmitted, oldest first.
    pub sent: heapless::Deque<MemFrame, 16>,
    /// Frames waiting to be received.
    pub rx: heapless::Deque<(MemFrame, RxInfo), 8>,
    /// Reports returned by [`Radio::poll_tx`], oldest first.
    pub tx_reports: heapless::Deque<TxReport, 8>,
    /// Channel busy for every CCA while set.
    pub busy: bool,
    /// The next `busy_ccas` CCAs report busy.
    pub busy_ccas: u32,
    /// Number of CCAs performed.
    pub cca_count: u32,
    /// Address filter PAN ID.
    pub pan_id: u16,
    /// Address filter short address.
    pub short_address: [u8; 2],
    /// Address filter extended address.
    pub extended_address: [u8; 8],
    /// Promiscuous mode.
    pub promiscuous: bool,
}

impl MemRadio {
    /// A radio with the given capabilities and an idle channel.
    pub fn new(caps: RadioCaps) -> Self {
        MemRadio { caps, ..Default::default() }
    }

    /// Queues `frame` (without FCS) for [`Radio::receive`]; false when the
    /// receive queue is full or the frame is too long.
    pub fn push_rx(&mut self, frame: &[u8], rssi: i8, lqi: u8, timestamp: Instant) -> bool {
        let Ok(f) = MemFrame::from_slice(frame) else { return false };
        let info = RxInfo { len: frame.len(), rssi, lqi, timestamp };
        self.rx.push_back((f, info)).is_ok()
    }

    /// Takes the oldest transmitted frame.
    pub fn take_sent(&mut self) -> Option<MemFrame> {
        self.sent.pop_front()
    }
}

impl Radio for MemRadio {
    fn caps(&self) -> RadioCaps {
        self.caps
    }
    fn transmit(&mut self, frame: &[u8]) -> Result<(), RadioError> {
        if frame.len() + 2 > usize::from(self.caps.max_frame_len) {
            return Err(RadioError::TooLong);
        }
        let f = MemFrame::from_slice(frame).map_err(|_| RadioError::TooLong)?;
        self.sent.push_back(f).map_err(|_| RadioError::Busy)
    }
    fn poll_tx(&mut self) -> Option<TxReport> {
        self.tx_reports.pop_front()
    }
    fn clear_channel(&mut self) -> bool {
        self.cca_count += 1;
        if self.busy_ccas > 0 {
            self.busy_ccas -= 1;
            return false;
        }
        !self.busy
    }
    fn receive(&mut self, buf: &mut [u8]) -> Option<RxInfo> {
        loop {
            let (f, info) = self.rx.pop_front()?;
            if let Some(dst) = buf.get_mut(..f.len()) {
                dst.copy_from_slice(&f);
                return Some(info);
            }
        }
    }
    fn set_pan_id(&mut self, pan_id: u16) {
        self.pan_id = pan_id;
    }
    fn set_short_address(&mut self, addr: [u8; 2]) {
        self.short_address = addr;
    }
    fn set_extended_address(&mut self, addr: [u8; 8]) {
        self.extended_address = addr;
    }
    fn set_promiscuous(&mut self, on: bool) {
        self.promiscuous = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airtimes() {
        assert_eq!(airtime(127), Duration::from_micros(4256));
        assert_eq!(airtime(5), Duration::from_micros(352));
    }

    #[test]
    fn mem_radio() {
        let mut r = MemRadio::new(RadioCaps::NONE);
        assert_eq!(r.transmit(&[0u8; 126]), Err(RadioError::TooLong));
        r.transmit(&[1, 2, 3]).unwrap();
        assert_eq!(r.take_sent().unwrap().as_slice(), &[1, 2, 3]);
        r.busy_ccas = 2;
        assert!(!r.clear_channel());
        assert!(!r.clear_channel());
        assert!(r.clear_channel());
        assert_eq!(r.cca_count, 3);
        assert!(r.push_rx(&[9; 10], -40, 200, Instant::from_micros(5)));
        let mut small = [0u8; 4];
        assert_eq!(r.receive(&mut small), None, "too long for the buffer: dropped");
        assert!(r.push_rx(&[7; 3], -41, 100, Instant::from_micros(6)));
        let info = r.receive(&mut small).unwrap();
        assert_eq!((info.len, info.rssi, &small[..3]), (3, -41, &[7u8, 7, 7][..]));
    }
}
