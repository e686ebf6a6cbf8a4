//! Radio mediums: who hears a frame, with what RSSI, and who senses energy.
//!
//! A [`Medium`] answers two questions for the engine
//! ([`crate::engine::Simulation`]):
//! - at the end of a frame, did receiver R decode it (given every other
//!   transmission that overlapped it in time near R)? See [`Medium::receive`].
//! - at a clear channel assessment, does node X sense energy now? See
//!   [`Medium::senses`].
//!
//! The engine finds candidate receivers and interferers with a uniform grid
//! whose cells are [`Reach::Distance`] wide, so a frame costs the nodes in
//! the 3×3 cells around its sender, not all nodes. Mediums that are not
//! geometric ([`Reach::Links`]) list the receivers of each sender instead.
//!
//! Three mediums: [`udgm::Udgm`] (Cooja's unit-disk graph medium),
//! [`topo::Topo`] (RIOT zep_dispatch `.topo` link files) and
//! [`pathloss::PathLoss`] (log-distance path loss with log-normal shadowing,
//! SINR and the 802.15.4 O-QPSK bit error rate).

pub mod pathloss;
pub mod topo;
pub mod udgm;

pub use pathloss::PathLoss;
pub use topo::Topo;
pub use udgm::Udgm;

use rand_core::RngCore;
use sixlo::time::Instant;

/// Index of a node in a [`crate::engine::Simulation`] (0, 1, 2, … in the
/// order nodes were added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

impl core::fmt::Display for NodeId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A position on the plane, metres.
pub type Position = (f64, f64);

/// Distance between two positions, metres.
pub fn distance(a: Position, b: Position) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// One frame on the air, as a medium sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transmission {
    /// Sequence number of the transmission (0, 1, 2, … in order of start).
    pub seq: u64,
    /// Who sends it.
    pub sender: NodeId,
    /// Where the sender was when it started.
    pub pos: Position,
    /// First symbol on the air (after the 192 µs turnaround).
    pub start: Instant,
    /// End of the last symbol.
    pub end: Instant,
    /// PSDU length in bytes (the frame plus its 2-byte FCS).
    pub psdu_len: usize,
    /// False when the medium decided at the start that nobody receives it
    /// (Cooja's TX success ratio); it still interferes and is sensed.
    pub delivered: bool,
}

impl Transmission {
    /// True when the two transmissions are on the air at a common instant.
    pub fn overlaps(&self, other: &Transmission) -> bool {
        self.start < other.end && other.start < self.end
    }
    /// True when this transmission is on the air at `t`.
    pub fn on_air_at(&self, t: Instant) -> bool {
        self.start <= t && t < self.end
    }
}

/// A node that listens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listener {
    /// Which node.
    pub id: NodeId,
    /// Where it is.
    pub pos: Position,
}

/// Why a receiver did not get a frame it was a candidate for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loss {
    /// Another transmission overlapped it at this receiver (collision, or
    /// SINR too low because of interference).
    Collision,
    /// The receiver was itself transmitting (half duplex).
    HalfDuplex,
    /// Random channel loss: RX success ratio, link weight, or bit errors.
    Channel,
    /// The sender's transmission failed as a whole (TX success ratio).
    TxFailed,
    /// The receiver's frame buffer was full.
    Overflow,
}

/// The medium's verdict on one receiver of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reception {
    /// The receiver is not a destination of this sender at all (out of
    /// transmission range, no link). Not logged.
    OutOfRange,
    /// Decoded, with this RSSI (dBm) and LQI.
    Received {
        /// Received signal strength, dBm.
        rssi: i8,
        /// Link quality indicator, 0-255.
        lqi: u8,
    },
    /// In range but lost.
    Lost(Loss),
}

/// How far a medium's transmissions have any effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reach {
    /// Beyond this distance (metres) a transmission is neither received,
    /// nor interferes, nor is sensed. The engine's grid uses it as its
    /// cell size.
    Distance(f64),
    /// Not geometric: [`Medium::linked`] lists who each sender may affect.
    Links,
}

/// A radio medium.
///
/// Mediums must be deterministic given the random numbers they draw from
/// the `rng` passed in (the engine's seeded ChaCha8): no clock, no global
/// state, no iteration over hash maps.
pub trait Medium {
    /// How far transmissions have any effect.
    fn reach(&self) -> Reach;

    /// Seeds whatever the medium fixes for the whole run (per-link
    /// shadowing); the engine calls it once with a value derived from the
    /// scenario seed. Default: nothing.
    fn set_seed(&mut self, seed: u64) {
        let _ = seed;
    }

    /// For [`Reach::Links`] mediums: the nodes `sender`'s transmissions may
    /// affect (receive, interfere, sense), in any order. Geometric mediums
    /// return an empty slice.
    fn linked(&self, sender: NodeId) -> &[NodeId] {
        let _ = sender;
        &[]
    }

    /// Called once when a transmission starts: false when it fails as a
    /// whole (nobody receives it). Default: always true.
    fn transmit_ok(&mut self, tx: &Transmission, rng: &mut dyn RngCore) -> bool {
        let _ = (tx, rng);
        true
    }

    /// Whether `rx` decodes `tx`. `interferers` are the other transmissions
    /// that overlapped `tx` in time and whose senders are within reach of
    /// `rx` (for [`Reach::Links`]: every overlapping transmission; the
    /// medium checks its own links). The engine has already handled half
    /// duplex (`rx` transmitting) and [`Transmission::delivered`].
    fn receive(
        &mut self,
        rx: Listener,
        tx: &Transmission,
        interferers: &[&Transmission],
        rng: &mut dyn RngCore,
    ) -> Reception;

    /// Whether `listener` senses energy from the transmissions `on_air`
    /// (on the air now, near the listener, none its own): the CCA result
    /// is "busy" when this is true.
    fn senses(&self, listener: Listener, on_air: &[&Transmission]) -> bool;
}

/// A uniform random number in [0, 1) from 53 random bits.
pub fn uniform(rng: &mut dyn RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// SplitMix64: a good 64-bit mix, used to derive seeds.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
