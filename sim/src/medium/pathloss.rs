//! Log-distance path loss with log-normal shadowing, SINR and the IEEE
//! 802.15.4 O-QPSK (2.4 GHz) bit error rate.
//!
//! - Received power: `P_rx = P_tx − PL(d0) − 10·n·log10(d/d0) + X`, d0 = 1 m,
//!   with `X ~ N(0, σ²)` dB fixed per (unordered) link, drawn from the
//!   scenario seed: a link keeps its shadowing for the whole run.
//! - SINR = P_rx / (N + Σ interferers), in mW, every transmission that
//!   overlaps the frame in time counted for the whole frame (pessimistic).
//! - BER (IEEE 802.15.4-2015 annex / 2006 §E.4.1.8):
//!   `8/15 · 1/16 · Σ_{k=2..16} (−1)^k C(16,k) e^{20·SINR·(1/k − 1)}`.
//! - PER = 1 − (1 − BER)^{8·L}, L the PSDU length in bytes.
//! - Capture: each overlapping frame is judged on its own SINR, so the
//!   strongest one survives when its SINR suffices.
//! - A frame below the receiver sensitivity is not received at all.
//! - CCA: busy when the summed energy of the frames on the air is at least
//!   the CCA threshold.

use rand_core::RngCore;

use super::{Listener, Loss, Medium, NodeId, Reach, Reception, Transmission, distance, splitmix64, uniform};

/// Log-distance path loss parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathLoss {
    /// Transmit power, dBm.
    pub tx_power_dbm: f64,
    /// Path loss at the reference distance d0 = 1 m, dB.
    pub pl_d0_db: f64,
    /// Path loss exponent n.
    pub exponent: f64,
    /// Shadowing standard deviation σ, dB.
    pub sigma_db: f64,
    /// Noise floor, dBm.
    pub noise_floor_dbm: f64,
    /// Receiver sensitivity, dBm: weaker frames are not decoded at all.
    pub sensitivity_dbm: f64,
    /// Energy detection threshold of the CCA, dBm.
    pub cca_threshold_dbm: f64,
    /// Seed of the per-link shadowing; [`crate::engine::Simulation::new`]
    /// sets it from the scenario seed ([`Medium::set_seed`]).
    pub seed: u64,
}

impl Default for PathLoss {
    /// 0 dBm, PL(1 m) = 40 dB (2.4 GHz free space), n = 3, σ = 4 dB,
    /// noise −100 dBm, sensitivity −95 dBm, CCA threshold −77 dBm.
    fn default() -> Self {
        PathLoss {
            tx_power_dbm: 0.0,
            pl_d0_db: 40.0,
            exponent: 3.0,
            sigma_db: 4.0,
            noise_floor_dbm: -100.0,
            sensitivity_dbm: -95.0,
            cca_threshold_dbm: -77.0,
            seed: 0,
        }
    }
}

/// dBm to mW.
pub fn dbm_to_mw(dbm: f64) -> f64 {
    10f64.powf(dbm / 10.0)
}

/// mW to dBm.
pub fn mw_to_dbm(mw: f64) -> f64 {
    10.0 * mw.log10()
}

/// IEEE 802.15.4 2.4 GHz O-QPSK bit error rate at a linear SINR.
pub fn oqpsk_ber(sinr: f64) -> f64 {
    let mut sum = 0.0;
    let mut binom = 1.0; // C(16, k), built up from C(16, 0)
    for k in 1..=16u32 {
        binom = binom * f64::from(17 - k) / f64::from(k);
        if k < 2 {
            continue;
        }
        let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * binom * (20.0 * sinr * (1.0 / f64::from(k) - 1.0)).exp();
    }
    (8.0 / 15.0 / 16.0 * sum).clamp(0.0, 0.5)
}

/// Packet error rate of `psdu_len` bytes at a bit error rate.
pub fn packet_error_rate(ber: f64, psdu_len: usize) -> f64 {
    1.0 - (1.0 - ber).powf(8.0 * psdu_len as f64)
}

impl PathLoss {
    /// Mean received power at distance `d` metres, dBm (no shadowing).
    pub fn mean_rx_dbm(&self, d: f64) -> f64 {
        let d = d.max(0.1);
        self.tx_power_dbm - self.pl_d0_db - 10.0 * self.exponent * d.log10()
    }

    /// The shadowing of the link between `a` and `b`, dB (symmetric, fixed
    /// for a seed).
    pub fn shadowing_db(&self, a: NodeId, b: NodeId) -> f64 {
        if self.sigma_db == 0.0 {
            return 0.0;
        }
        let (lo, hi) = if a <= b { (a.0 as u64, b.0 as u64) } else { (b.0 as u64, a.0 as u64) };
        let h1 = splitmix64(self.seed ^ splitmix64(lo.wrapping_mul(0x1_0000_0001) ^ (hi << 20) ^ hi));
        let h2 = splitmix64(h1);
        // Box-Muller from two uniforms in (0, 1].
        let u1 = ((h1 >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let u2 = (h2 >> 11) as f64 / (1u64 << 53) as f64;
        self.sigma_db * (-2.0 * u1.ln()).sqrt() * (2.0 * core::f64::consts::PI * u2).cos()
    }

    /// Received power of `from`'s signal at `to`, dBm.
    pub fn rx_dbm(&self, from: NodeId, from_pos: (f64, f64), to: NodeId, to_pos: (f64, f64)) -> f64 {
        self.mean_rx_dbm(distance(from_pos, to_pos)) + self.shadowing_db(from, to)
    }

    /// Distance beyond which a signal is below `noise floor − 10 dB` even
    /// with +3σ shadowing: transmissions farther away are ignored.
    pub fn cutoff_distance(&self) -> f64 {
        let budget = self.tx_power_dbm - self.pl_d0_db + 3.0 * self.sigma_db - (self.noise_floor_dbm - 10.0);
        if self.exponent <= 0.0 {
            return f64::INFINITY;
        }
        10f64.powf(budget / (10.0 * self.exponent)).max(1.0)
    }
}

impl Medium for PathLoss {
    fn reach(&self) -> Reach {
        Reach::Distance(self.cutoff_distance())
    }

    fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn receive(
        &mut self,
        rx: Listener,
        tx: &Transmission,
        interferers: &[&Transmission],
        rng: &mut dyn RngCore,
    ) -> Reception {
        let signal_dbm = self.rx_dbm(tx.sender, tx.pos, rx.id, rx.pos);
        if signal_dbm < self.sensitivity_dbm {
            return Reception::OutOfRange;
        }
        let mut noise_mw = dbm_to_mw(self.noise_floor_dbm);
        let quiet_mw = noise_mw;
        for i in interferers {
            noise_mw += dbm_to_mw(self.rx_dbm(i.sender, i.pos, rx.id, rx.pos));
        }
        let signal_mw = dbm_to_mw(signal_dbm);
        let per = packet_error_rate(oqpsk_ber(signal_mw / noise_mw), tx.psdu_len);
        if uniform(rng) < per {
            // Would it have been lost without the interference too?
            let quiet_per = packet_error_rate(oqpsk_ber(signal_mw / quiet_mw), tx.psdu_len);
            let cause = if interferers.is_empty() || quiet_per >= per * 0.5 {
                Loss::Channel
            } else {
                Loss::Collision
            };
            return Reception::Lost(cause);
        }
        // LQI from the SINR: 0 dB → 0, 20 dB and more → 255.
        let sinr_db = mw_to_dbm(signal_mw / noise_mw);
        let lqi = (sinr_db / 20.0 * 255.0).clamp(0.0, 255.0) as u8;
        Reception::Received { rssi: signal_dbm.round().clamp(-128.0, 127.0) as i8, lqi }
    }

    fn senses(&self, listener: Listener, on_air: &[&Transmission]) -> bool {
        let mw: f64 =
            on_air.iter().map(|t| dbm_to_mw(self.rx_dbm(t.sender, t.pos, listener.id, listener.pos))).sum();
        mw > 0.0 && mw_to_dbm(mw) >= self.cca_threshold_dbm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadowing_is_symmetric_and_seeded() {
        let p = PathLoss { seed: 7, ..PathLoss::default() };
        assert_eq!(p.shadowing_db(NodeId(1), NodeId(2)), p.shadowing_db(NodeId(2), NodeId(1)));
        let q = PathLoss { seed: 8, ..PathLoss::default() };
        assert_ne!(p.shadowing_db(NodeId(1), NodeId(2)), q.shadowing_db(NodeId(1), NodeId(2)));
    }

    #[test]
    fn per_grows_with_length() {
        let ber = oqpsk_ber(dbm_to_mw(0.0));
        assert!(packet_error_rate(ber, 127) > packet_error_rate(ber, 5));
    }
}
