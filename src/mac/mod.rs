//! The 802.15.4 MAC: unslotted CSMA-CA, ACKs, retries, duplicate filter,
//! link statistics and a transmit queue, as a sans-IO state machine.
//!
//! # Shape
//!
//! ```text
//! mac.enqueue(payload, dst, ack) -> Result<Handle, MacError>   // build + queue a data frame
//! mac.poll(now, &mut radio)      -> Option<TxDone>              // timers and TX, bounded work
//! mac.on_receive(now, frame, rssi, lqi, &mut radio) -> RxAction // one received frame
//! mac.poll_at()                  -> Option<Instant>             // when to call poll again
//! ```
//!
//! Receive and transmit are separate entry points: the caller owns the
//! receive buffer (it drains [`Radio::receive`] into it) and gets back a
//! borrowed [`RxFrame`], so the MAC holds no receive buffer. `poll` reports
//! finished transmissions one at a time ([`TxDone`]); call it until it
//! returns `None`, then sleep until [`Mac::poll_at`] (a time at or before
//! `now` means "poll again now").
//!
//! The MAC builds the data frame header itself at `enqueue` (frame version,
//! PAN ID, source address from [`MacConfig`], the next DSN), so every
//! retransmission carries the same sequence number.
//!
//! # With and without hardware support
//!
//! For a plain transceiver ([`RadioCaps::NONE`]) the MAC does unslotted
//! CSMA-CA (IEEE 802.15.4-2015 §6.2.5.1), computes the end of its own
//! transmission from the frame length (`TURNAROUND + airtime(len + FCS)`),
//! waits `ack_wait` for the Imm-Ack, retries, and sends Imm-Acks for
//! unicast frames it receives. Each capability the radio has replaces the
//! software part: `hw_csma` skips backoff and CCA, `hw_ack` skips sending
//! and awaiting ACKs, `hw_retries` skips retries; the MAC then waits for the
//! radio's [`crate::radio::TxReport`] (at most `hw_tx_timeout`).
//!
//! # Memory
//!
//! The three tables live in caller-provided storage: anything that is
//! `AsRef<[T]> + AsMut<[T]>` (an array, a `&mut [T]`, a `Vec<T>` in the
//! simulator). The default type parameters are 4 queue slots (512 bytes),
//! 8 duplicate filter entries and 8 neighbours; [`Mac::with_default_storage`]
//! uses them. See [`queue`], [`dedup`] and [`links`] for each policy when full.
//!
//! Randomness (the initial DSN, backoff draws) comes from an [`rng::Rng`]
//! the caller lends to [`Mac::new`] and [`Mac::poll`]: a node has one
//! PRNG, seeded from its configuration, and the MAC keeps none.

pub mod csma;
pub mod dedup;
pub mod links;
pub mod queue;
pub mod rng;
pub mod stats;

use crate::radio::{MAX_FRAME_LEN, Radio, RadioCaps, TURNAROUND, TxStatus, airtime};
use crate::time::{Duration, Instant};
use crate::wire::ieee802154::{Address, FCS_LEN, Frame, FrameRepr, FrameType, FrameVersion};

pub use csma::Csma;
pub use dedup::{DedupEntry, DedupTable};
pub use links::{ETX_DIVISOR, LinkStats, LinkTable};
pub use queue::{TxQueue, TxSlot};
pub use rng::Rng;
pub use stats::MacStats;

use queue::SlotState;

/// Storage for a MAC table: a slice of `T` the MAC may read and write.
pub trait Slots<T>: AsRef<[T]> + AsMut<[T]> {}
impl<T, S: AsRef<[T]> + AsMut<[T]>> Slots<T> for S {}

/// MAC parameters. `Default` gives the IEEE 802.15.4-2015 defaults for the
/// 2.4 GHz O-QPSK PHY.
///
/// The MAC keeps its four durations to the microsecond up to about 71.6
/// minutes (`u32::MAX` µs); a longer one is taken as 71.6 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacConfig {
    /// Our PAN ID.
    pub pan_id: u16,
    /// Our short address; when `Some`, frames are sent from it, otherwise
    /// from the extended address.
    pub short_address: Option<[u8; 2]>,
    /// Our extended address (EUI-64).
    pub extended_address: [u8; 8],
    /// Version of the data frames we build (2006 by default).
    pub frame_version: FrameVersion,
    /// macMinBe (3).
    pub min_be: u8,
    /// macMaxBe (5).
    pub max_be: u8,
    /// macMaxCsmaBackoffs (4).
    pub max_csma_backoffs: u8,
    /// aUnitBackoffPeriod: 20 symbols, 320 µs.
    pub unit_backoff: Duration,
    /// macAckWaitDuration, from the end of our frame: 54 symbols, 864 µs.
    pub ack_wait: Duration,
    /// macMaxFrameRetries (3): retransmissions after the first attempt.
    pub max_frame_retries: u8,
    /// How long a (source, DSN) pair marks a duplicate (2 s).
    pub dedup_lifetime: Duration,
    /// ETX EWMA weight of a new sample, in 1/256 (38 ≈ 0.15).
    pub etx_alpha: u8,
    /// ETX sample of a frame that was never acknowledged, in
    /// transmissions (12, as Contiki-NG).
    pub etx_noack_penalty: u8,
    /// Drop queued frames to a next hop when a frame to it gave up.
    pub purge_on_failure: bool,
    /// With hardware MAC functions: longest wait for the radio's report.
    pub hw_tx_timeout: Duration,
    /// Deliver frames for other nodes too (never ACKed).
    pub promiscuous: bool,
}

impl Default for MacConfig {
    fn default() -> Self {
        MacConfig {
            pan_id: 0xabcd,
            short_address: None,
            extended_address: [0; 8],
            frame_version: FrameVersion::V2006,
            min_be: 3,
            max_be: 5,
            max_csma_backoffs: 4,
            unit_backoff: Duration::from_micros(320),
            ack_wait: Duration::from_micros(864),
            max_frame_retries: 3,
            dedup_lifetime: Duration::from_secs(2),
            etx_alpha: 38,
            etx_noack_penalty: 12,
            purge_on_failure: true,
            hw_tx_timeout: Duration::from_millis(100),
            promiscuous: false,
        }
    }
}

impl MacConfig {
    /// The address our frames are sent from.
    pub fn source_address(&self) -> Address {
        match self.short_address {
            Some(s) => Address::Short(s),
            None => Address::Extended(self.extended_address),
        }
    }
}

/// The [`MacConfig`] as the MAC keeps it: 40 bytes instead of 64. Its four
/// durations are `u32` microseconds, exact to the microsecond up to 71
/// minutes (longer ones are kept as 71 minutes: far past any ACK wait,
/// backoff, radio timeout or duplicate window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Params {
    extended_address: [u8; 8],
    unit_backoff: Micros,
    ack_wait: Micros,
    dedup_lifetime: Micros,
    hw_tx_timeout: Micros,
    pan_id: u16,
    short_address: Option<[u8; 2]>,
    frame_version: FrameVersion,
    min_be: u8,
    max_be: u8,
    max_csma_backoffs: u8,
    max_frame_retries: u8,
    etx_alpha: u8,
    etx_noack_penalty: u8,
    purge_on_failure: bool,
    promiscuous: bool,
}

/// A duration in whole microseconds, in 4 bytes (saturating at about
/// 71.6 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Micros(u32);

impl Micros {
    fn new(d: Duration) -> Self {
        Micros(u32::try_from(d.total_micros()).unwrap_or(u32::MAX))
    }
    fn get(self) -> Duration {
        Duration::from_micros(u64::from(self.0))
    }
}

impl Params {
    fn new(c: &MacConfig) -> Self {
        Params {
            extended_address: c.extended_address,
            unit_backoff: Micros::new(c.unit_backoff),
            ack_wait: Micros::new(c.ack_wait),
            dedup_lifetime: Micros::new(c.dedup_lifetime),
            hw_tx_timeout: Micros::new(c.hw_tx_timeout),
            pan_id: c.pan_id,
            short_address: c.short_address,
            frame_version: c.frame_version,
            min_be: c.min_be,
            max_be: c.max_be,
            max_csma_backoffs: c.max_csma_backoffs,
            max_frame_retries: c.max_frame_retries,
            etx_alpha: c.etx_alpha,
            etx_noack_penalty: c.etx_noack_penalty,
            purge_on_failure: c.purge_on_failure,
            promiscuous: c.promiscuous,
        }
    }

    fn config(&self) -> MacConfig {
        MacConfig {
            pan_id: self.pan_id,
            short_address: self.short_address,
            extended_address: self.extended_address,
            frame_version: self.frame_version,
            min_be: self.min_be,
            max_be: self.max_be,
            max_csma_backoffs: self.max_csma_backoffs,
            unit_backoff: self.unit_backoff.get(),
            ack_wait: self.ack_wait.get(),
            max_frame_retries: self.max_frame_retries,
            dedup_lifetime: self.dedup_lifetime.get(),
            etx_alpha: self.etx_alpha,
            etx_noack_penalty: self.etx_noack_penalty,
            purge_on_failure: self.purge_on_failure,
            hw_tx_timeout: self.hw_tx_timeout.get(),
            promiscuous: self.promiscuous,
        }
    }

    fn source_address(&self) -> Address {
        match self.short_address {
            Some(s) => Address::Short(s),
            None => Address::Extended(self.extended_address),
        }
    }
}

/// Identifies a queued frame in its [`TxDone`] report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub u32);

/// Why `enqueue` refused a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacError {
    /// Every queue slot is taken (counted in `queue_full`).
    QueueFull,
    /// Header plus payload exceed 125 bytes (127 with FCS).
    TooLong,
    /// The destination is `Address::Absent`.
    InvalidAddress,
}

/// How a queued frame ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxOutcome {
    /// Acknowledged.
    Acked,
    /// Sent without ACK request (broadcast, or `ack: false`).
    Sent,
    /// No ACK after `1 + max_frame_retries` transmissions.
    NoAck,
    /// CSMA-CA found the channel busy `max_csma_backoffs + 1` times.
    ChannelBusy,
    /// Dropped unsent: a frame to the same next hop just failed.
    Purged,
    /// The radio refused the frame or never reported its end.
    RadioError,
}

/// The report of a finished frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxDone {
    /// The handle `enqueue` returned.
    pub handle: Handle,
    /// The destination.
    pub dst: Address,
    /// How it ended.
    pub outcome: TxOutcome,
    /// Transmissions made.
    pub attempts: u8,
}

/// A received frame to hand to the upper layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxFrame<'f> {
    /// The parsed frame: addresses, type, payload.
    pub frame: FrameRepr<'f>,
    /// RSSI in dBm.
    pub rssi: i8,
    /// LQI.
    pub lqi: u8,
    /// False for frames only delivered because of promiscuous mode.
    pub for_us: bool,
}

/// Why a received frame was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RxDrop {
    /// It did not parse (counted in `rx_bad`).
    Malformed,
    /// Addressed to another node or PAN.
    NotForUs,
    /// A retransmission of a frame already delivered.
    Duplicate,
    /// An ACK that matches no pending transmission.
    UnexpectedAck,
}

/// What [`Mac::on_receive`] made of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxAction<'f> {
    /// Deliver this frame.
    Deliver(RxFrame<'f>),
    /// The ACK of our pending frame; the next `poll` reports it.
    Acked(Handle),
    /// Nothing to deliver.
    Dropped(RxDrop),
}

/// What the frame on its way out waits for. The frame is the head of the
/// queue (its oldest queued one), so its slot is not kept: frames go out
/// in queue order, the head leaves the queued state only when it is
/// finished, and purges spare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TxState {
    Idle,
    Backoff { csma: Csma, until: Instant },
    OnAir { end: Instant },
    WaitAck { deadline: Instant },
    WaitRadio { deadline: Instant },
}

/// The MAC state machine; `Q`, `D`, `L` are the storage of the transmit
/// queue, the duplicate filter and the link table.
#[derive(Debug, Clone)]
pub struct Mac<Q = [TxSlot; 4], D = [DedupEntry; 8], L = [LinkStats; 8]> {
    config: Params,
    queue: TxQueue<Q>,
    /// The number of the next enqueued frame; its low byte is the frame's
    /// DSN (see [`TxQueue`]).
    order: u32,
    dedup: DedupTable<D>,
    links: LinkTable<L>,
    tx: TxState,
    radio_free_at: Instant,
    stats: MacStats,
}

impl Mac {
    /// A MAC with the default capacities (4 frames, 8 sources, 8 neighbours);
    /// the initial DSN is drawn from `rng`.
    pub fn with_default_storage(config: MacConfig, rng: &mut Rng) -> Self {
        Mac::new(config, rng, [TxSlot::EMPTY; 4], [DedupEntry::EMPTY; 8], [LinkStats::EMPTY; 8])
    }
}

impl<Q: Slots<TxSlot>, D: Slots<DedupEntry>, L: Slots<LinkStats>> Mac<Q, D, L> {
    /// A MAC over the given storage (cleared). The first DSN is drawn from
    /// `rng`, as §8.4.3.1 asks for a random initial macDsn.
    pub fn new(config: MacConfig, rng: &mut Rng, queue: Q, dedup: D, links: L) -> Self {
        let dsn = rng.next_u64() as u8;
        Mac {
            config: Params::new(&config),
            queue: TxQueue::new(queue),
            order: u32::from(dsn),
            dedup: DedupTable::new(dedup),
            links: LinkTable::new(links),
            tx: TxState::Idle,
            radio_free_at: Instant::ZERO,
            stats: MacStats::default(),
        }
    }

    /// Writes our PAN ID, addresses and promiscuous mode into the radio's
    /// address filter (0xfffe, "no short address", when we have none).
    pub fn configure_radio<R: Radio + ?Sized>(&self, radio: &mut R) {
        radio.set_pan_id(self.config.pan_id);
        radio.set_short_address(self.config.short_address.unwrap_or([0xff, 0xfe]));
        radio.set_extended_address(self.config.extended_address);
        radio.set_promiscuous(self.config.promiscuous);
    }

    /// The configuration, as the MAC keeps it (see [`MacConfig`]'s
    /// durations there).
    pub fn config(&self) -> MacConfig {
        self.config.config()
    }

    /// The address our frames are sent from.
    pub fn source_address(&self) -> Address {
        self.config.source_address()
    }
    /// The counters.
    pub fn stats(&self) -> &MacStats {
        &self.stats
    }
    /// Per-neighbour link statistics.
    pub fn links(&self) -> &LinkTable<L> {
        &self.links
    }
    /// Mutable link statistics (to forget a neighbour).
    pub fn links_mut(&mut self) -> &mut LinkTable<L> {
        &mut self.links
    }
    /// ETX × 128 (RFC 6551 units) of the link to `addr`, for RPL's MRHOF.
    pub fn etx(&self, addr: Address) -> Option<u16> {
        self.links.etx(addr)
    }
    /// The transmit queue.
    pub fn queue(&self) -> &TxQueue<Q> {
        &self.queue
    }
    /// The sequence number the next enqueued frame gets.
    pub fn next_dsn(&self) -> u8 {
        self.order as u8
    }
    /// The CSMA-CA state (NB, BE) while a backoff runs.
    pub fn csma_state(&self) -> Option<Csma> {
        match self.tx {
            TxState::Backoff { csma, .. } => Some(csma),
            _ => None,
        }
    }

    /// Builds a data frame carrying `payload` to `dst` and queues it. `ack`
    /// requests an acknowledgment; it is ignored for broadcast.
    pub fn enqueue(&mut self, payload: &[u8], dst: Address, ack: bool) -> Result<Handle, MacError> {
        if dst == Address::Absent {
            return Err(MacError::InvalidAddress);
        }
        // 2015 §6.7.4.1: broadcast frames are never acknowledged.
        let ack = ack && !dst.is_broadcast();
        let seq = self.next_dsn();
        let mut repr = FrameRepr::imm_ack(seq, false);
        repr.frame_type = FrameType::Data;
        repr.frame_version = self.config.frame_version;
        repr.ack_request = ack;
        repr.dst_addr = dst;
        repr.src_addr = self.config.source_address();
        repr.set_pan_ids(self.config.pan_id, self.config.pan_id);
        repr.payload = payload;
        let len = repr.buffer_len();
        if len > MAX_FRAME_LEN {
            return Err(MacError::TooLong);
        }
        // The slot's DSN, ACK request and destination are those in the frame.
        let Some((handle, slot)) = self.queue.alloc(&mut self.order) else {
            self.stats.queue_full = self.stats.queue_full.wrapping_add(1);
            return Err(MacError::QueueFull);
        };
        repr.emit(&mut Frame::new_unchecked(&mut slot.buf[..len]));
        slot.len = len as u8;
        Ok(handle)
    }

    /// Advances backoffs, transmissions and ACK waits due at `now`, and
    /// returns one finished frame, if any; backoffs are drawn from `rng`
    /// (the node's PRNG). Bounded work; never panics.
    pub fn poll<R: Radio + ?Sized>(&mut self, now: Instant, radio: &mut R, rng: &mut Rng) -> Option<TxDone> {
        let caps = radio.caps();
        // A few transitions at most: backoff → CCA → transmit, or
        // give-up → next frame's backoff.
        for _ in 0..4 {
            if !self.step(now, radio, caps, rng) {
                break;
            }
        }
        let i = self.queue.oldest_done(self.order)?;
        let handle = self.queue.handle(self.order, i);
        let s = self.queue.slot_mut(i)?;
        let SlotState::Done(outcome) = s.state else { return None };
        s.state = SlotState::Free;
        Some(TxDone { handle, dst: s.dst(), outcome, attempts: s.attempts })
    }

    /// When `poll` must be called next; `None` when only a received frame
    /// or a new `enqueue` can create work. Work that is due at once (a
    /// finished frame to report, a queued frame to start) gives
    /// [`Instant::ZERO`]: a time at or before `now` means "poll again now".
    pub fn poll_at(&self) -> Option<Instant> {
        if self.queue.has_done() {
            return Some(Instant::ZERO);
        }
        match self.tx {
            TxState::Idle => self.queue.head(self.order).map(|_| Instant::ZERO),
            TxState::Backoff { until, .. } => Some(until.max(self.radio_free_at)),
            TxState::OnAir { end, .. } => Some(end),
            TxState::WaitAck { deadline, .. } | TxState::WaitRadio { deadline, .. } => Some(deadline),
        }
    }

    #[inline(never)]
    fn step<R: Radio + ?Sized>(
        &mut self,
        now: Instant,
        radio: &mut R,
        caps: RadioCaps,
        rng: &mut Rng,
    ) -> bool {
        // The frame in flight, or the next to go (see `TxState`).
        let Some(slot) = self.queue.head(self.order) else {
            self.tx = TxState::Idle;
            return false;
        };
        match self.tx {
            TxState::Idle => {
                self.begin_csma(slot, now, caps, rng);
                true
            }
            TxState::Backoff { mut csma, until } => {
                if now < until.max(self.radio_free_at) {
                    return false;
                }
                // §6.2.5.1 step (3): CCA; with hw_csma the chip does it.
                if caps.hw_csma || radio.clear_channel() {
                    self.transmit(slot, now, radio, caps);
                } else if csma.busy(self.config.max_be, self.config.max_csma_backoffs) {
                    let until = now + csma.delay(self.config.unit_backoff.get(), rng);
                    self.tx = TxState::Backoff { csma, until };
                } else {
                    self.stats.csma_fail = self.stats.csma_fail.wrapping_add(1);
                    self.finish(slot, TxOutcome::ChannelBusy, now);
                }
                true
            }
            TxState::OnAir { end } => {
                if now < end {
                    return false;
                }
                self.finish(slot, TxOutcome::Sent, now);
                true
            }
            TxState::WaitAck { deadline } => {
                if now < deadline {
                    return false;
                }
                self.attempt_failed(slot, now, caps, rng);
                true
            }
            TxState::WaitRadio { deadline } => {
                let Some(report) = radio.poll_tx() else {
                    if now >= deadline {
                        self.stats.radio_errors = self.stats.radio_errors.wrapping_add(1);
                        self.finish(slot, TxOutcome::RadioError, now);
                        return true;
                    }
                    return false;
                };
                let ack = self.queue.slot(slot).is_some_and(TxSlot::ack);
                if caps.hw_retries {
                    self.count_hw_attempts(slot, report.attempts);
                }
                match report.status {
                    TxStatus::Sent if ack && !caps.hw_ack => {
                        self.tx = TxState::WaitAck { deadline: now + self.config.ack_wait.get() };
                    }
                    TxStatus::Sent => {
                        self.finish(slot, if ack { TxOutcome::Acked } else { TxOutcome::Sent }, now)
                    }
                    TxStatus::NoAck if caps.hw_retries => self.finish(slot, TxOutcome::NoAck, now),
                    TxStatus::NoAck => self.attempt_failed(slot, now, caps, rng),
                    TxStatus::ChannelBusy => {
                        self.stats.csma_fail = self.stats.csma_fail.wrapping_add(1);
                        self.finish(slot, TxOutcome::ChannelBusy, now);
                    }
                }
                true
            }
        }
    }

    /// With `hw_retries` the radio says how many transmissions it made.
    fn count_hw_attempts(&mut self, slot: usize, attempts: u8) {
        if let Some(s) = self.queue.slot_mut(slot) {
            let extra = attempts.saturating_sub(s.attempts);
            s.attempts = s.attempts.saturating_add(extra);
            self.stats.tx_frames = self.stats.tx_frames.wrapping_add(u32::from(extra));
            self.stats.retries = self.stats.retries.wrapping_add(u32::from(extra));
        }
    }

    fn begin_csma(&mut self, slot: usize, now: Instant, caps: RadioCaps, rng: &mut Rng) {
        let mut csma = Csma::begin(self.config.min_be, self.config.max_be);
        // A retransmission starts CSMA-CA afresh (§6.7.4.3) but, in sixlo,
        // with BE raised by one per transmission already made (capped at
        // macMaxBE): two hidden senders whose frames collided at a common
        // neighbour otherwise retry in step, the 0..7-period window being
        // shorter than a frame, and lose every retry (seen in simulated
        // lines). Binary exponential backoff, as 802.11 does.
        let sent = self.queue.slot(slot).map_or(0, |s| s.attempts);
        csma.be = csma.be.saturating_add(sent).min(self.config.max_be.max(csma.be));
        let until = if caps.hw_csma { now } else { now + csma.delay(self.config.unit_backoff.get(), rng) };
        self.tx = TxState::Backoff { csma, until };
    }

    fn transmit<R: Radio + ?Sized>(&mut self, slot: usize, now: Instant, radio: &mut R, caps: RadioCaps) {
        let Some(s) = self.queue.slot_mut(slot) else {
            self.tx = TxState::Idle;
            return;
        };
        if radio.transmit(s.frame()).is_err() {
            self.stats.radio_errors = self.stats.radio_errors.wrapping_add(1);
            self.finish(slot, TxOutcome::RadioError, now);
            return;
        }
        s.attempts = s.attempts.saturating_add(1);
        self.stats.tx_frames = self.stats.tx_frames.wrapping_add(1);
        if s.attempts > 1 {
            self.stats.retries = self.stats.retries.wrapping_add(1);
        }
        if caps.any_hw() {
            self.tx = TxState::WaitRadio { deadline: now + self.config.hw_tx_timeout.get() };
            return;
        }
        let end = now + TURNAROUND + airtime(usize::from(s.len) + FCS_LEN);
        self.radio_free_at = end;
        self.tx = if s.ack() {
            // §6.7.4.2: wait macAckWaitDuration after the frame was sent.
            TxState::WaitAck { deadline: end + self.config.ack_wait.get() }
        } else {
            TxState::OnAir { end }
        };
    }

    /// No ACK for the last transmission: retry (with a new CSMA-CA run,
    /// §6.7.4.3) or give up after macMaxFrameRetries.
    fn attempt_failed(&mut self, slot: usize, now: Instant, caps: RadioCaps, rng: &mut Rng) {
        let attempts = self.queue.slot(slot).map_or(u8::MAX, |s| s.attempts);
        if attempts <= self.config.max_frame_retries {
            self.begin_csma(slot, now, caps, rng);
        } else {
            self.finish(slot, TxOutcome::NoAck, now);
        }
    }

    fn finish(&mut self, slot: usize, outcome: TxOutcome, now: Instant) {
        self.tx = TxState::Idle;
        let Some(s) = self.queue.slot_mut(slot) else { return };
        s.state = SlotState::Done(outcome);
        let (dst, attempts) = (s.dst(), s.attempts);
        let (alpha, penalty) = (self.config.etx_alpha, self.config.etx_noack_penalty);
        match outcome {
            TxOutcome::Acked => {
                self.stats.tx_acked = self.stats.tx_acked.wrapping_add(1);
                self.links.on_tx(dst, attempts, true, now, alpha, penalty);
            }
            TxOutcome::NoAck => {
                self.stats.no_ack = self.stats.no_ack.wrapping_add(1);
                self.links.on_tx(dst, attempts, false, now, alpha, penalty);
                if self.config.purge_on_failure {
                    let n = self.queue.purge(dst, slot);
                    self.stats.purged = self.stats.purged.wrapping_add(n);
                }
            }
            _ => {}
        }
    }

    fn is_for_us(&self, f: &FrameRepr<'_>) -> bool {
        // 2015 §6.7.2: the destination PAN ID must be ours or broadcast.
        let pan_ok = f.dst_pan_id.is_none_or(|p| p == self.config.pan_id || p == 0xffff);
        let addr_ok = match f.dst_addr {
            Address::Short(a) => a == [0xff, 0xff] || Some(a) == self.config.short_address,
            Address::Extended(e) => e == self.config.extended_address,
            Address::Absent => false,
        };
        pan_ok && addr_ok
    }

    /// Handles one received frame (without FCS, as [`Radio::receive`] gives
    /// it): matches ACKs with the pending transmission, filters addresses,
    /// sends the Imm-Ack when the radio has no `hw_ack`, drops duplicates
    /// and updates link statistics. Returns what to deliver.
    #[inline(never)]
    pub fn on_receive<'f, R: Radio + ?Sized>(
        &mut self,
        now: Instant,
        frame: &'f [u8],
        rssi: i8,
        lqi: u8,
        radio: &mut R,
    ) -> RxAction<'f> {
        let Ok(repr) = FrameRepr::from_bytes(frame) else {
            self.stats.rx_bad = self.stats.rx_bad.wrapping_add(1);
            return RxAction::Dropped(RxDrop::Malformed);
        };
        if repr.frame_type == FrameType::Ack {
            // Let chains need Rust 1.88; the crate's MSRV is 1.85.
            let pending = match self.tx {
                TxState::WaitAck { .. } => self.queue.head(self.order).and_then(|slot| {
                    self.queue
                        .slot(slot)
                        .map(|s| (slot, s.seq(), s.dst(), self.queue.handle(self.order, slot)))
                }),
                _ => None,
            };
            return match pending {
                Some((slot, seq, dst, handle)) if repr.sequence_number == Some(seq) => {
                    self.links.on_rx(dst, rssi, now);
                    self.finish(slot, TxOutcome::Acked, now);
                    RxAction::Acked(handle)
                }
                _ => RxAction::Dropped(RxDrop::UnexpectedAck),
            };
        }
        let for_us = self.is_for_us(&repr);
        if !for_us {
            self.stats.rx_not_for_us = self.stats.rx_not_for_us.wrapping_add(1);
            if !self.config.promiscuous {
                return RxAction::Dropped(RxDrop::NotForUs);
            }
            return RxAction::Deliver(RxFrame { frame: repr, rssi, lqi, for_us });
        }
        // 2015 §6.7.4.2: acknowledge a unicast frame that asks for it, even
        // a duplicate (its sender missed our first ACK). A frame without a
        // sequence number would need an Enh-Ack, which we do not send.
        let ack_seq = repr.sequence_number.filter(|_| repr.ack_request && !repr.dst_addr.is_broadcast());
        if let (Some(seq), false) = (ack_seq, radio.caps().hw_ack) {
            // `FrameRepr::imm_ack(seq, false)` emitted: a 2003 Imm-Ack is
            // Frame Control 0x0002 (little-endian) and the DSN, nothing else.
            let buf = [0x02, 0x00, seq];
            if radio.transmit(&buf).is_ok() {
                self.stats.acks_sent = self.stats.acks_sent.wrapping_add(1);
                self.radio_free_at = now + TURNAROUND + airtime(buf.len() + FCS_LEN);
            }
        }
        let dup = match repr.sequence_number {
            Some(seq) => self.dedup.check(repr.src_addr, seq, now, self.config.dedup_lifetime.get()),
            None => false,
        };
        if dup {
            self.stats.rx_dup = self.stats.rx_dup.wrapping_add(1);
            return RxAction::Dropped(RxDrop::Duplicate);
        }
        self.links.on_rx(repr.src_addr, rssi, now);
        self.stats.rx_frames = self.stats.rx_frames.wrapping_add(1);
        RxAction::Deliver(RxFrame { frame: repr, rssi, lqi, for_us })
    }
}

#[cfg(test)]
mod tests;
