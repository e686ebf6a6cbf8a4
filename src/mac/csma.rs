//! Unslotted CSMA-CA (IEEE 802.15.4-2015 §6.2.5.1).

use super::MacConfig;
use super::rng::Rng;
use crate::time::Duration;

/// The state of one CSMA-CA run: number of backoffs (NB) and backoff
/// exponent (BE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Csma {
    /// NB: busy CCAs so far in this run.
    pub nb: u8,
    /// BE: the exponent of the next backoff window.
    pub be: u8,
}

impl Csma {
    /// §6.2.5.1 step (1): NB = 0, BE = macMinBe.
    pub fn start(cfg: &MacConfig) -> Self {
        Csma::begin(cfg.min_be, cfg.max_be)
    }

    /// §6.2.5.1 step (2): a random delay of 0..=2^BE - 1 unit backoff periods.
    pub fn backoff(&self, cfg: &MacConfig, rng: &mut Rng) -> Duration {
        self.delay(cfg.unit_backoff, rng)
    }

    /// §6.2.5.1 step (4): the channel was busy. NB += 1, BE = min(BE + 1,
    /// macMaxBe). Returns false (channel access failure) once NB exceeds
    /// macMaxCsmaBackoffs.
    pub fn on_busy(&mut self, cfg: &MacConfig) -> bool {
        self.busy(cfg.max_be, cfg.max_csma_backoffs)
    }

    /// [`Csma::start`] with macMinBe and macMaxBe.
    pub(super) fn begin(min_be: u8, max_be: u8) -> Self {
        Csma { nb: 0, be: min_be.min(max_be) }
    }

    /// [`Csma::backoff`] with aUnitBackoffPeriod `unit`.
    pub(super) fn delay(&self, unit: Duration, rng: &mut Rng) -> Duration {
        let max = (1u32 << self.be.min(31)) - 1;
        let periods = u64::from(rng.up_to(max));
        Duration::from_micros(periods.saturating_mul(unit.total_micros()))
    }

    /// [`Csma::on_busy`] with macMaxBe and macMaxCsmaBackoffs.
    pub(super) fn busy(&mut self, max_be: u8, max_csma_backoffs: u8) -> bool {
        self.nb = self.nb.saturating_add(1);
        self.be = (self.be + 1).min(max_be);
        self.nb <= max_csma_backoffs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_and_failure() {
        let cfg = MacConfig::default();
        let mut c = Csma::start(&cfg);
        let mut bes = [0u8; 5];
        bes[0] = c.be;
        for be in bes.iter_mut().skip(1) {
            assert!(c.on_busy(&cfg));
            *be = c.be;
        }
        assert_eq!(bes, [3, 4, 5, 5, 5]);
        assert!(!c.on_busy(&cfg), "fifth busy CCA: NB = 5 > macMaxCSMABackoffs");
    }

    #[test]
    fn backoff_window() {
        let cfg = MacConfig::default();
        let mut rng = Rng::new(1);
        let c = Csma { nb: 0, be: 3 };
        let mut max = 0;
        for _ in 0..500 {
            let d = c.backoff(&cfg, &mut rng).total_micros();
            assert_eq!(d % 320, 0);
            max = max.max(d);
        }
        assert_eq!(max, 7 * 320);
    }
}
