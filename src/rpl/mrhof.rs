//! The Minimum Rank with Hysteresis Objective Function (RFC 6719) with the
//! ETX metric.
//!
//! Path cost through a neighbour (RFC 6719 §3.2.1) = the neighbour's
//! advertised cost + the ETX of the link to it. sixlo sends and reads no
//! DAG Metric Container, so the advertised rank stands for the neighbour's
//! path cost (as in Contiki-NG's `rpl-mrhof.c`); ETX is in RFC 6551
//! §4.3.2 units (× 128), the unit of [`crate::mac::Mac::etx`].
//!
//! Rank through a parent (RFC 6719 §3.3, RFC 6550 §3.5.1): the path cost,
//! but at least the parent's rank + MinHopRankIncrease:
//! `max(parent_rank + MinHopRankIncrease, parent_rank + etx)`. With
//! MinHopRankIncrease 128 (Contiki-NG's choice with MRHOF) the rank *is*
//! the ETX path cost: a root at 128, a child over an ETX 2.0 link at 384.
//! With the RFC 6550 default 256, links better than ETX 2.0 cost one
//! MinHopRankIncrease. [`Mrhof::rank_with_parent_set`] adds the two
//! parent-set terms of §3.3.
//!
//! Links without statistics count as [`INITIAL_ETX`] = 2.0 (RFC 6719
//! leaves it open; Contiki-NG's `link-stats.c` starts every link at
//! ETX_DEFAULT 2 × 128).

use core::cmp::Ordering;

use super::INFINITE_RANK;
use super::of::{Candidate, ObjectiveFunction, by_acceptability, by_stickiness};

/// MRHOF's Objective Code Point (RFC 6719 §6, IANA).
pub const OCP: u16 = 1;
/// RFC 6719 §5: MAX_LINK_METRIC, 512 (ETX 4): worse links are excluded.
pub const MAX_LINK_METRIC: u16 = 512;
/// RFC 6719 §5: MAX_PATH_COST, 32768 (ETX 256): costlier paths are
/// excluded.
pub const MAX_PATH_COST: u16 = 32768;
/// RFC 6719 §5: PARENT_SWITCH_THRESHOLD, 192 (ETX 1.5).
pub const PARENT_SWITCH_THRESHOLD: u16 = 192;
/// RFC 6719 §5: PARENT_SET_SIZE, 3.
pub const PARENT_SET_SIZE: usize = 3;
/// RFC 6719 §5: ALLOW_FLOATING_ROOT, 0 (no floating roots).
pub const ALLOW_FLOATING_ROOT: bool = false;
/// ETX × 128 assumed for a link without statistics: 2.0, Contiki-NG's
/// `link-stats.c` ETX_DEFAULT.
pub const INITIAL_ETX: u16 = 256;
/// MinHopRankIncrease Contiki-NG uses with MRHOF (`rpl-conf.h`), so that
/// the rank equals the ETX path cost.
pub const CONTIKI_MIN_HOP_RANK_INCREASE: u16 = 128;

/// MRHOF parameters; `Default` gives the RFC 6719 §5 values and a
/// MinHopRankIncrease of 128, Contiki-NG's with MRHOF (the RFC 6550 §17
/// default of 256 makes every link better than ETX 2.0 cost the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mrhof {
    /// MinHopRankIncrease (RFC 6550 §6.7.6).
    pub min_hop_rank_increase: u16,
    /// Links with a greater ETX × 128 are excluded (RFC 6719 §3.2.2).
    pub max_link_metric: u16,
    /// Paths with a greater cost are excluded (RFC 6719 §3.2.2).
    pub max_path_cost: u16,
    /// Hysteresis: switch only for a path cheaper by this much (§3.2.2).
    pub parent_switch_threshold: u16,
    /// ETX × 128 of a link without statistics.
    pub initial_etx: u16,
}

impl Default for Mrhof {
    fn default() -> Self {
        Mrhof {
            min_hop_rank_increase: CONTIKI_MIN_HOP_RANK_INCREASE,
            max_link_metric: MAX_LINK_METRIC,
            max_path_cost: MAX_PATH_COST,
            parent_switch_threshold: PARENT_SWITCH_THRESHOLD,
            initial_etx: INITIAL_ETX,
        }
    }
}

impl Mrhof {
    /// The link metric used for `link_etx` (statistics or [`INITIAL_ETX`]).
    pub fn link_metric(&self, link_etx: Option<u16>) -> u16 {
        link_etx.unwrap_or(self.initial_etx)
    }

    /// Path cost through `c` (RFC 6719 §3.2.1): advertised rank + link
    /// metric, saturating at 0xffff.
    pub fn path_cost(&self, c: &Candidate) -> u16 {
        c.rank.saturating_add(self.link_metric(c.link_etx))
    }

    /// The rank to advertise given the parent set (RFC 6719 §3.3): the
    /// largest of
    /// 1. `rank_via_preferred`, the rank through the preferred parent;
    /// 2. the highest advertised rank in the parent set rounded up to the
    ///    next integral rank, MinHopRankIncrease × (1 + ⌊rank / MinHopRankIncrease⌋);
    /// 3. the largest rank through any parent of the set, minus
    ///    `max_rank_increase`.
    pub fn rank_with_parent_set(
        &self,
        rank_via_preferred: u16,
        highest_parent_rank: u16,
        largest_rank_via_parent: u16,
        max_rank_increase: u16,
    ) -> u16 {
        let step = u32::from(self.min_hop_rank_increase);
        let rounded = if step == 0 {
            u32::from(highest_parent_rank)
        } else {
            step * (1 + u32::from(highest_parent_rank) / step)
        };
        let third = u32::from(largest_rank_via_parent.saturating_sub(max_rank_increase));
        let r = u32::from(rank_via_preferred).max(rounded).max(third);
        r.min(u32::from(INFINITE_RANK)) as u16
    }
}

impl ObjectiveFunction for Mrhof {
    fn ocp(&self) -> u16 {
        OCP
    }

    fn min_hop_rank_increase(&self) -> u16 {
        self.min_hop_rank_increase
    }

    fn rank_increase(&self, link_etx: Option<u16>) -> u16 {
        // RFC 6719 §3.3: the rank follows the path cost (+ link ETX), and
        // RFC 6550 §3.5.1: a hop adds at least MinHopRankIncrease.
        self.link_metric(link_etx).max(self.min_hop_rank_increase)
    }

    fn acceptable(&self, c: &Candidate) -> bool {
        // RFC 6719 §3.2.2: exclude links above MAX_LINK_METRIC and paths
        // above MAX_PATH_COST.
        c.rank != INFINITE_RANK
            && self.link_metric(c.link_etx) <= self.max_link_metric
            && self.path_cost(c) <= self.max_path_cost
    }

    fn better_parent(&self, a: &Candidate, b: &Candidate) -> Ordering {
        if let Some(o) = by_acceptability(self, a, b) {
            return o;
        }
        let (ca, cb) = (u32::from(self.path_cost(a)), u32::from(self.path_cost(b)));
        let th = u32::from(self.parent_switch_threshold);
        // RFC 6719 §3.2.2: if the cheapest path is cheaper than the current
        // one by less than PARENT_SWITCH_THRESHOLD, keep the current parent.
        if a.is_preferred && cb + th > ca {
            return Ordering::Less;
        }
        if b.is_preferred && ca + th > cb {
            return Ordering::Greater;
        }
        // Otherwise the minimum path cost wins (RFC 6719 §3.2.2).
        ca.cmp(&cb).then_with(|| by_stickiness(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpl::DEFAULT_MIN_HOP_RANK_INCREASE;
    use crate::rpl::of::cand;

    #[test]
    fn ranks_with_min_hop_128() {
        let of = Mrhof { min_hop_rank_increase: 128, ..Mrhof::default() };
        assert_eq!(of.rank(128, Some(128)), 256);
        assert_eq!(of.rank(128, Some(256)), 384);
        assert_eq!(of.rank(128, Some(512)), 640);
        assert_eq!(of.rank(128, None), 384, "initial ETX 2.0");
        assert_eq!(of.rank(128, Some(100)), 256, "at least MinHopRankIncrease");
    }

    #[test]
    fn ranks_with_min_hop_256() {
        let of = Mrhof { min_hop_rank_increase: DEFAULT_MIN_HOP_RANK_INCREASE, ..Mrhof::default() };
        assert_eq!(Mrhof::default().min_hop_rank_increase, 128);
        assert_eq!(of.rank(256, Some(128)), 512);
        assert_eq!(of.rank(256, Some(256)), 512);
        assert_eq!(of.rank(256, Some(384)), 640);
        assert_eq!(of.rank(256, Some(512)), 768);
        assert_eq!(of.rank(65500, Some(512)), INFINITE_RANK);
    }

    #[test]
    fn exclusion() {
        let of = Mrhof::default();
        assert!(of.acceptable(&cand(256, Some(512))));
        assert!(!of.acceptable(&cand(256, Some(513))), "MAX_LINK_METRIC");
        assert!(of.acceptable(&cand(32768 - 128, Some(128))));
        assert!(!of.acceptable(&cand(32768 - 127, Some(128))), "MAX_PATH_COST");
        assert!(!of.acceptable(&cand(INFINITE_RANK, Some(128))));
    }

    #[test]
    fn hysteresis() {
        let of = Mrhof::default();
        let cur = Candidate { is_preferred: true, ..cand(512, Some(256)) }; // cost 768
        let by_191 = cand(512 - 191, Some(256));
        let by_192 = cand(512 - 192, Some(256));
        assert_eq!(of.better_parent(&cur, &by_191), Ordering::Less);
        assert_eq!(of.better_parent(&by_191, &cur), Ordering::Greater);
        assert_eq!(of.better_parent(&cur, &by_192), Ordering::Greater);
        assert_eq!(of.better_parent(&by_192, &cur), Ordering::Less);
        // Without a current parent the cheaper path wins outright.
        assert_eq!(of.better_parent(&cand(512, Some(256)), &by_191), Ordering::Greater);
        // An excluded current parent loses to any acceptable candidate.
        let bad = Candidate { is_preferred: true, ..cand(256, Some(600)) };
        assert_eq!(of.better_parent(&bad, &cand(2000, Some(128))), Ordering::Greater);
    }

    #[test]
    fn parent_set_rank() {
        let of = Mrhof { min_hop_rank_increase: 128, ..Mrhof::default() };
        // Through the preferred parent only.
        assert_eq!(of.rank_with_parent_set(384, 128, 384, 896), 384);
        // A parent set member at 400 forces 128 × (1 + 3) = 512.
        assert_eq!(of.rank_with_parent_set(384, 400, 600, 896), 512);
        // A far parent (rank via 2000) with MaxRankIncrease 896 forces 1104.
        assert_eq!(of.rank_with_parent_set(384, 256, 2000, 896), 1104);
    }
}
