//! `metrics.json`: what a run measured.
//!
//! Every key is always present; a value the run could not measure (no RPL
//! yet, nothing sent, no radio accounting) is `null`, never missing.
//! Percentiles are exact (nearest rank over every recorded sample).

use std::io;
use std::path::Path;

use serde::Serialize;

/// CC2420 current draw in transmit mode at 0 dBm, mA. TI CC2420 datasheet
/// (SWRS041c), "Electrical Specifications" table, current consumption:
/// TX 17.4 mA (0 dBm), RX 18.8 mA, idle 426 µA, at 3.0 V supply.
pub const CC2420_TX_MA: f64 = 17.4;
/// CC2420 receive (and listening) current, mA (same table).
pub const CC2420_RX_MA: f64 = 18.8;
/// CC2420 idle current (oscillator on, radio off), mA (same table).
pub const CC2420_IDLE_MA: f64 = 0.426;
/// The supply voltage those currents are given at, V (energy = charge × V).
pub const CC2420_SUPPLY_V: f64 = 3.0;

/// The whole `metrics.json` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Number of simulated nodes.
    pub nodes: usize,
    /// The scenario seed.
    pub seed: u64,
    /// Virtual time simulated, seconds.
    pub duration_s: f64,
    /// Wall-clock time the run took, seconds.
    pub wall_s: f64,
    /// Events the engine processed.
    pub events: u64,
    /// Radio frames.
    pub frames: Frames,
    /// Application traffic.
    pub traffic: Traffic,
    /// RPL.
    pub rpl: Rpl,
    /// Radio activity and charge.
    pub radio: Radio,
}

/// Frame counters over all nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Frames {
    /// Frames put on the air (ACKs included).
    pub tx: u64,
    /// Frame receptions (one per receiving node).
    pub rx: u64,
    /// Receptions lost to a collision.
    pub collisions: u64,
    /// Unicast frames acknowledged.
    pub acked: Option<u64>,
    /// Unicast frames given up after all retries without an ACK.
    pub no_ack: Option<u64>,
    /// Frames dropped because CSMA-CA found the channel busy too often.
    pub csma_fail: Option<u64>,
}

/// Exact latency percentiles, milliseconds (`null` without samples).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
}

impl Latency {
    /// Percentiles of `samples_us` (microseconds, any order) in milliseconds.
    pub fn from_samples_us(samples_us: &[u64]) -> Latency {
        let mut s = samples_us.to_vec();
        s.sort_unstable();
        let ms = |v: u64| v as f64 / 1000.0;
        Latency {
            p50: percentile(&s, 50.0).map(ms),
            p99: percentile(&s, 99.0).map(ms),
            mean: (!s.is_empty()).then(|| s.iter().map(|&v| v as f64).sum::<f64>() / s.len() as f64 / 1000.0),
            max: s.last().copied().map(ms),
        }
    }
}

/// Application traffic (UDP up and down; see the scenario's `[traffic]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Traffic {
    /// Datagrams sent by nodes to the root.
    pub up_sent: u64,
    /// Of those, received by the root.
    pub up_received: u64,
    /// Datagrams sent by the root to nodes.
    pub down_sent: u64,
    /// Of those, received.
    pub down_received: u64,
    /// `up_received / up_sent`, `null` when nothing was sent.
    pub pdr_up: Option<f64>,
    /// `down_received / down_sent`, `null` when nothing was sent.
    pub pdr_down: Option<f64>,
    /// One-way latency of received datagrams, both directions.
    pub latency_ms: Latency,
    /// Mean hop count of received datagrams.
    pub hops_mean: Option<f64>,
    /// Largest hop count of a received datagram.
    pub hops_max: Option<u32>,
}

impl Traffic {
    /// Traffic metrics from counters, latency samples (µs) and hop counts
    /// of the received datagrams.
    pub fn from_counts(up: (u64, u64), down: (u64, u64), latencies_us: &[u64], hops: &[u32]) -> Traffic {
        Traffic {
            up_sent: up.0,
            up_received: up.1,
            down_sent: down.0,
            down_received: down.1,
            pdr_up: pdr(up.0, up.1),
            pdr_down: pdr(down.0, down.1),
            latency_ms: Latency::from_samples_us(latencies_us),
            hops_mean: (!hops.is_empty())
                .then(|| hops.iter().map(|&h| f64::from(h)).sum::<f64>() / hops.len() as f64),
            hops_max: hops.iter().copied().max(),
        }
    }
}

/// RPL figures: counters summed over every node (a rebooted node's
/// earlier lives included), states at the end of the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rpl {
    /// Nodes in the DODAG with their global address at the end (the root
    /// included).
    pub joined: Option<u64>,
    /// When every node had joined for the first time, seconds; `null` if
    /// that never happened.
    pub converged_at_s: Option<f64>,
    /// DIOs sent.
    pub dio: Option<u64>,
    /// DISs sent.
    pub dis: Option<u64>,
    /// DAOs sent (own, retransmitted, No-Path and relayed).
    pub dao: Option<u64>,
    /// DAO-ACKs sent.
    pub dao_ack: Option<u64>,
    /// Preferred-parent changes (joins included).
    pub parent_changes: Option<u64>,
    /// Times a node detached (lost every parent).
    pub detaches: Option<u64>,
    /// RPL control messages sent (DIO + DIS + DAO + DAO-ACK) per node per
    /// hour of virtual time.
    pub control_per_node_per_hour: Option<f64>,
    /// Mean rank of the joined nodes at the end (the root's included).
    pub rank_mean: Option<f64>,
    /// Largest rank of a joined node at the end.
    pub rank_max: Option<u32>,
    /// Nodes the root has a route to at the end (storing: its
    /// descendants; non-storing: its source routes).
    pub root_routes: Option<u64>,
}

/// Radio activity, averaged over nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Radio {
    /// Mean fraction of time the radio was transmitting or receiving/listening.
    pub duty_cycle_mean: Option<f64>,
    /// Mean charge drawn per node, millicoulombs (mA·s), from the CC2420
    /// currents ([`CC2420_TX_MA`], [`CC2420_RX_MA`], [`CC2420_IDLE_MA`]).
    pub charge_mc_mean: Option<f64>,
}

/// How long one node's radio spent in each state, µs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RadioTime {
    /// Transmitting.
    pub tx_us: u64,
    /// Receiving or listening.
    pub rx_us: u64,
    /// Idle (radio off, oscillator on).
    pub idle_us: u64,
}

impl RadioTime {
    /// Charge drawn, millicoulombs: Σ current (mA) × time (s).
    pub fn charge_mc(&self) -> f64 {
        (CC2420_TX_MA * self.tx_us as f64
            + CC2420_RX_MA * self.rx_us as f64
            + CC2420_IDLE_MA * self.idle_us as f64)
            / 1e6
    }

    /// Fraction of the time spent transmitting or receiving; `None` for no time.
    pub fn duty_cycle(&self) -> Option<f64> {
        let total = self.tx_us + self.rx_us + self.idle_us;
        (total > 0).then(|| (self.tx_us + self.rx_us) as f64 / total as f64)
    }
}

impl Radio {
    /// Means over nodes (`null` for no nodes).
    pub fn from_nodes(nodes: &[RadioTime]) -> Radio {
        if nodes.is_empty() {
            return Radio::default();
        }
        let n = nodes.len() as f64;
        let duty: Vec<f64> = nodes.iter().filter_map(RadioTime::duty_cycle).collect();
        Radio {
            duty_cycle_mean: (!duty.is_empty()).then(|| duty.iter().sum::<f64>() / duty.len() as f64),
            charge_mc_mean: Some(nodes.iter().map(RadioTime::charge_mc).sum::<f64>() / n),
        }
    }
}

/// The nearest-rank percentile of `sorted` (ascending): the smallest sample
/// with at least `p` % of the samples at or below it (rank ⌈p/100 · n⌉,
/// at least 1). `None` for no samples. `p` is clamped to 0..=100.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// Delivery ratio `received / sent`; `None` when nothing was sent.
pub fn pdr(sent: u64, received: u64) -> Option<f64> {
    (sent > 0).then(|| received as f64 / sent as f64)
}

impl Metrics {
    /// Metrics for a run, every counter zero and every optional value `null`.
    pub fn new(nodes: usize, seed: u64, duration_s: f64) -> Metrics {
        Metrics { nodes, seed, duration_s, ..Metrics::default() }
    }

    /// The JSON text, pretty-printed, keys in declaration order.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("metrics serialize")
    }

    /// Writes the JSON text and a final newline to `path`.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.to_json() + "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&s, 50.0), Some(50));
        assert_eq!(percentile(&s, 99.0), Some(99));
        assert_eq!(percentile(&s, 100.0), Some(100));
        assert_eq!(percentile(&s, 0.0), Some(1));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn charge() {
        let t = RadioTime { tx_us: 1_000_000, rx_us: 2_000_000, idle_us: 7_000_000 };
        assert!((t.charge_mc() - (17.4 + 37.6 + 2.982)).abs() < 1e-9);
        assert_eq!(t.duty_cycle(), Some(0.3));
    }
}
