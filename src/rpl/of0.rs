//! Objective Function Zero (RFC 6552).
//!
//! RFC 6552 §4.1: a node's rank is its preferred parent's rank plus
//!
//! `rank_increase = (Rf × Sp + Sr) × MinHopRankIncrease`
//!
//! with the rank factor Rf, the step of rank Sp and the stretch of rank
//! Sr. The defaults (RFC 6552 §6) are Rf = 1, Sp = 3, Sr = 0, so a hop
//! costs 3 × MinHopRankIncrease = 768 with the RFC 6550 §17 default of
//! 256: a root at 256, its children at 1024, then 1792.
//!
//! Sp is "implementation specific" and SHOULD come from link properties
//! (RFC 6552 §4.1). [`StepOfRank::Fixed`] (default, 3) uses none;
//! [`StepOfRank::FromEtx`] maps the MAC's ETX as RFC 8180 §5.1.2 (6TiSCH
//! minimal) and Contiki-NG's `rpl-of0.c` do: Sp = 3 × ETX − 2, so ETX 1
//! gives 1 and Sp reaches 9 at ETX ≈ 3.7; links beyond Sp 9 are not
//! acceptable. A link without statistics uses the default step 3.

use core::cmp::Ordering;

use super::of::{Candidate, ObjectiveFunction, by_acceptability, by_stickiness};
use super::{DEFAULT_MIN_HOP_RANK_INCREASE, INFINITE_RANK};
use crate::mac::ETX_DIVISOR;

/// OF0's Objective Code Point (RFC 6552 §7, IANA).
pub const OCP: u16 = 0;
/// RFC 6552 §6: DEFAULT_STEP_OF_RANK.
pub const DEFAULT_STEP_OF_RANK: u8 = 3;
/// RFC 6552 §6: MINIMUM_STEP_OF_RANK.
pub const MINIMUM_STEP_OF_RANK: u8 = 1;
/// RFC 6552 §6: MAXIMUM_STEP_OF_RANK.
pub const MAXIMUM_STEP_OF_RANK: u8 = 9;
/// RFC 6552 §6: DEFAULT_RANK_STRETCH.
pub const DEFAULT_RANK_STRETCH: u8 = 0;
/// RFC 6552 §6: MAXIMUM_RANK_STRETCH.
pub const MAXIMUM_RANK_STRETCH: u8 = 5;
/// RFC 6552 §6: DEFAULT_RANK_FACTOR.
pub const DEFAULT_RANK_FACTOR: u8 = 1;
/// RFC 6552 §6: MINIMUM_RANK_FACTOR.
pub const MINIMUM_RANK_FACTOR: u8 = 1;
/// RFC 6552 §6: MAXIMUM_RANK_FACTOR.
pub const MAXIMUM_RANK_FACTOR: u8 = 4;

/// Where OF0's step of rank Sp comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOfRank {
    /// The same step for every link (RFC 6552 default: 3).
    Fixed(u8),
    /// Sp = 3 × ETX − 2 (RFC 8180 §5.1.2), [`DEFAULT_STEP_OF_RANK`] for a
    /// link without statistics.
    FromEtx,
}

/// OF0 parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Of0 {
    /// MinHopRankIncrease (RFC 6550 §6.7.6, default 256).
    pub min_hop_rank_increase: u16,
    /// Rf, clamped to [1, 4] when used (RFC 6552 §4.1).
    pub rank_factor: u8,
    /// Sr, clamped to [0, 5] when used (RFC 6552 §4.1).
    pub rank_stretch: u8,
    /// Sp's source.
    pub step: StepOfRank,
}

impl Default for Of0 {
    /// Rf 1, Sp 3, Sr 0 (RFC 6552 §6), MinHopRankIncrease 256 (RFC 6550 §17).
    fn default() -> Self {
        Of0 {
            min_hop_rank_increase: DEFAULT_MIN_HOP_RANK_INCREASE,
            rank_factor: DEFAULT_RANK_FACTOR,
            rank_stretch: DEFAULT_RANK_STRETCH,
            step: StepOfRank::Fixed(DEFAULT_STEP_OF_RANK),
        }
    }
}

impl Of0 {
    /// The step of rank Sp over a link with `link_etx`; may lie outside
    /// [1, 9], which makes the link unacceptable.
    pub fn step_of_rank(&self, link_etx: Option<u16>) -> u16 {
        match (self.step, link_etx) {
            (StepOfRank::Fixed(s), _) => u16::from(s),
            (StepOfRank::FromEtx, None) => u16::from(DEFAULT_STEP_OF_RANK),
            // RFC 8180 §5.1.2: Sp = 3 × ETX − 2, ETX in 1/128 units.
            (StepOfRank::FromEtx, Some(etx)) => {
                let sp = (3 * u32::from(etx) / u32::from(ETX_DIVISOR)).saturating_sub(2);
                sp.min(u32::from(u16::MAX)) as u16
            }
        }
    }
}

impl ObjectiveFunction for Of0 {
    fn ocp(&self) -> u16 {
        OCP
    }

    fn min_hop_rank_increase(&self) -> u16 {
        self.min_hop_rank_increase
    }

    fn rank_increase(&self, link_etx: Option<u16>) -> u16 {
        // RFC 6552 §4.1: (Rf × Sp + Sr) × MinHopRankIncrease, with Rf and Sr
        // held to their ranges.
        let rf = u32::from(self.rank_factor.clamp(MINIMUM_RANK_FACTOR, MAXIMUM_RANK_FACTOR));
        let sr = u32::from(self.rank_stretch.min(MAXIMUM_RANK_STRETCH));
        let sp = u32::from(self.step_of_rank(link_etx));
        let inc = (rf * sp + sr).saturating_mul(u32::from(self.min_hop_rank_increase));
        inc.min(u32::from(INFINITE_RANK)) as u16
    }

    fn acceptable(&self, c: &Candidate) -> bool {
        // RFC 6552 §4.1: Sp must lie in [MINIMUM, MAXIMUM]_STEP_OF_RANK.
        let sp = self.step_of_rank(c.link_etx);
        c.rank != INFINITE_RANK
            && (u16::from(MINIMUM_STEP_OF_RANK)..=u16::from(MAXIMUM_STEP_OF_RANK)).contains(&sp)
            && self.rank(c.rank, c.link_etx) != INFINITE_RANK
    }

    fn better_parent(&self, a: &Candidate, b: &Candidate) -> Ordering {
        if let Some(o) = by_acceptability(self, a, b) {
            return o;
        }
        // RFC 6552 §4.2.1, in order: a grounded DODAG first, then the more
        // preferable DODAGPreference, then the lesser resulting rank; on a
        // tie keep the current preferred parent (the hysteresis of OF0: its
        // ranks are coarse, multiples of MinHopRankIncrease), then the
        // parent that sent a DIO more recently.
        b.grounded
            .cmp(&a.grounded)
            .then(b.preference.cmp(&a.preference))
            .then(self.rank(a.rank, a.link_etx).cmp(&self.rank(b.rank, b.link_etx)))
            .then_with(|| by_stickiness(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpl::of::cand;
    use crate::time::Instant;

    #[test]
    fn default_rank_increase() {
        let of = Of0::default();
        assert_eq!(of.rank_increase(None), 768);
        assert_eq!(of.rank_increase(Some(512)), 768, "fixed step ignores ETX");
        assert_eq!(of.rank(256, None), 1024);
        assert_eq!(of.rank(1024, None), 1792);
        assert_eq!(of.rank(65000, None), INFINITE_RANK);
        assert_eq!(of.rank(INFINITE_RANK, None), INFINITE_RANK);
        let of = Of0 { rank_factor: 2, rank_stretch: 1, ..Of0::default() };
        assert_eq!(of.rank_increase(None), (2 * 3 + 1) * 256);
        let of = Of0 { rank_factor: 0, rank_stretch: 200, ..Of0::default() };
        assert_eq!(of.rank_increase(None), (3 + 5) * 256, "Rf, Sr clamped");
    }

    #[test]
    fn etx_step() {
        let of = Of0 { step: StepOfRank::FromEtx, ..Of0::default() };
        assert_eq!(of.step_of_rank(Some(128)), 1);
        assert_eq!(of.step_of_rank(Some(256)), 4);
        assert_eq!(of.step_of_rank(Some(512)), 10);
        assert_eq!(of.step_of_rank(None), 3);
        assert_eq!(of.rank(256, Some(128)), 512);
        assert_eq!(of.rank(256, Some(256)), 256 + 4 * 256);
        assert!(of.acceptable(&cand(256, Some(469))), "3*469/128-2 = 8");
        assert!(!of.acceptable(&cand(256, Some(512))), "step 10 > 9");
        assert!(!of.acceptable(&cand(INFINITE_RANK, Some(128))));
    }

    #[test]
    fn selection_rules() {
        let of = Of0::default();
        let low = cand(256, None);
        let high = cand(1024, None);
        assert_eq!(of.better_parent(&low, &high), Ordering::Less);
        // Grounded beats a lower rank.
        let floating = Candidate { grounded: false, ..low };
        assert_eq!(of.better_parent(&floating, &high), Ordering::Greater);
        // Preference beats a lower rank.
        let preferred_dodag = Candidate { preference: 4, ..high };
        assert_eq!(of.better_parent(&low, &preferred_dodag), Ordering::Greater);
        // Tie: the current preferred parent stays, then the fresher DIO.
        let cur = Candidate { is_preferred: true, ..low };
        let fresh = Candidate { last_dio: Instant::from_secs(9), ..low };
        assert_eq!(of.better_parent(&fresh, &cur), Ordering::Greater);
        assert_eq!(of.better_parent(&fresh, &low), Ordering::Less);
        // An unacceptable candidate always loses.
        let inf = cand(INFINITE_RANK, None);
        assert_eq!(of.better_parent(&inf, &high), Ordering::Greater);
    }
}
