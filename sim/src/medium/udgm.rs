//! Cooja's unit-disk graph medium (UDGM).
//!
//! As `org.contikios.cooja.radiomediums.UDGM` (contiki-ng/cooja):
//! - a transmission fails as a whole with probability `1 − success_ratio_tx`
//!   (nobody receives it);
//! - a receiver within the transmission range decodes it with probability
//!   `1 − (d² / range²) · (1 − success_ratio_rx)` (Cooja's
//!   `getRxSuccessProbability`);
//! - a receiver that hears another transmission overlapping in time from a
//!   sender within `max(transmission range, interference range)` loses it
//!   (Cooja marks such receivers "interfered");
//! - RSSI falls linearly with distance from −10 dBm at the sender to
//!   −95 dBm at the edge of the range (Cooja's SS_STRONG / SS_WEAK);
//! - the channel is sensed busy within `max(transmission, interference
//!   range)` of a transmitter.
//!
//! One difference: a transmission that failed as a whole still interferes
//! and is sensed (Cooja creates an empty connection for it).

use rand_core::RngCore;

use super::{Listener, Loss, Medium, Reach, Reception, Transmission, distance, uniform};

/// Cooja's strongest signal, dBm.
const SS_STRONG: f64 = -10.0;
/// Cooja's weakest signal, dBm.
const SS_WEAK: f64 = -95.0;

/// Unit-disk graph medium parameters (Cooja's names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Udgm {
    /// Transmission range, metres.
    pub tx_range: f64,
    /// Interference range, metres.
    pub interference_range: f64,
    /// Probability that a transmission is sent at all.
    pub success_ratio_tx: f64,
    /// Probability of reception at the edge of the transmission range.
    pub success_ratio_rx: f64,
}

impl Default for Udgm {
    /// Cooja's defaults: 50 m, 100 m, 1.0, 1.0.
    fn default() -> Self {
        Udgm { tx_range: 50.0, interference_range: 100.0, success_ratio_tx: 1.0, success_ratio_rx: 1.0 }
    }
}

impl Udgm {
    /// A UDGM with the given ranges and success ratios.
    pub fn new(tx_range: f64, interference_range: f64, success_ratio_tx: f64, success_ratio_rx: f64) -> Self {
        Udgm { tx_range, interference_range, success_ratio_tx, success_ratio_rx }
    }

    /// Cooja's `getRxSuccessProbability` at distance `d`.
    pub fn rx_success_probability(&self, d: f64) -> f64 {
        if self.tx_range <= 0.0 {
            return 0.0;
        }
        let ratio = (d * d) / (self.tx_range * self.tx_range);
        if ratio > 1.0 { 0.0 } else { 1.0 - ratio * (1.0 - self.success_ratio_rx) }
    }

    /// The radius within which a transmission interferes and is sensed.
    pub fn interference_radius(&self) -> f64 {
        self.tx_range.max(self.interference_range)
    }
}

impl Medium for Udgm {
    fn reach(&self) -> Reach {
        Reach::Distance(self.interference_radius())
    }

    fn transmit_ok(&mut self, _tx: &Transmission, rng: &mut dyn RngCore) -> bool {
        // Cooja draws only when the ratio is below 1.
        !(self.success_ratio_tx < 1.0 && uniform(rng) > self.success_ratio_tx)
    }

    fn receive(
        &mut self,
        rx: Listener,
        tx: &Transmission,
        interferers: &[&Transmission],
        rng: &mut dyn RngCore,
    ) -> Reception {
        let d = distance(tx.pos, rx.pos);
        if d > self.tx_range {
            return Reception::OutOfRange;
        }
        let radius = self.interference_radius();
        if interferers.iter().any(|i| distance(i.pos, rx.pos) <= radius) {
            return Reception::Lost(Loss::Collision);
        }
        let p = self.rx_success_probability(d);
        if p < 1.0 && uniform(rng) > p {
            return Reception::Lost(Loss::Channel);
        }
        let f = if self.tx_range > 0.0 { d / self.tx_range } else { 0.0 };
        let rssi = SS_STRONG + f * (SS_WEAK - SS_STRONG);
        let lqi = (255.0 * (1.0 - f)).clamp(0.0, 255.0);
        Reception::Received { rssi: rssi.round() as i8, lqi: lqi as u8 }
    }

    fn senses(&self, listener: Listener, on_air: &[&Transmission]) -> bool {
        let radius = self.interference_radius();
        on_air.iter().any(|t| distance(t.pos, listener.pos) <= radius)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rx_probability_as_cooja() {
        let u = Udgm::new(50.0, 100.0, 1.0, 0.5);
        assert_eq!(u.rx_success_probability(0.0), 1.0);
        assert_eq!(u.rx_success_probability(25.0), 1.0 - 0.25 * 0.5);
        assert_eq!(u.rx_success_probability(50.0), 0.5);
        assert_eq!(u.rx_success_probability(50.1), 0.0);
    }
}
