//! The objective function interface (RFC 6550 §14): how a node turns a
//! neighbour's advertised rank and link quality into its own rank, and
//! which of two candidates makes the better preferred parent.
//!
//! Two objective functions implement [`ObjectiveFunction`]: [`Of0`]
//! (RFC 6552, OCP 0) and [`Mrhof`] (RFC 6719 with ETX, OCP 1). [`Of`] is
//! the enum a node keeps when the OF is chosen at run time from the OCP of
//! a DODAG Configuration option (RFC 6550 §6.7.6).
//!
//! Link metrics are ETX values in RFC 6551 §4.3.2 units (1/128: 128 is a
//! perfect link), as `crate::mac::Mac::etx` returns them; `None` when the
//! MAC has no statistics for the link yet.

use core::cmp::Ordering;

use super::INFINITE_RANK;
use super::mrhof::Mrhof;
use super::of0::Of0;
use crate::time::Instant;

/// What an objective function needs to know about one parent candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The rank the neighbour advertised in its DIO.
    pub rank: u16,
    /// ETX of the link to the neighbour × 128, `None` without statistics.
    pub link_etx: Option<u16>,
    /// The DIO's Grounded flag (RFC 6550 §6.3.1).
    pub grounded: bool,
    /// The DIO's DODAGPreference, 0 (least) to 7 (most preferred).
    pub preference: u8,
    /// When the neighbour's last DIO arrived.
    pub last_dio: Instant,
    /// Whether this neighbour is the node's current preferred parent (the
    /// hysteresis rules favour it).
    pub is_preferred: bool,
}

/// A grounded candidate with preference 0 and no DIO time, for the
/// objective functions' unit tests.
#[cfg(test)]
pub(crate) fn cand(rank: u16, link_etx: Option<u16>) -> Candidate {
    Candidate {
        rank,
        link_etx,
        grounded: true,
        preference: 0,
        last_dio: crate::time::Instant::ZERO,
        is_preferred: false,
    }
}

/// An objective function (RFC 6550 §14).
pub trait ObjectiveFunction {
    /// The Objective Code Point (RFC 6550 §6.7.6; IANA: OF0 0, MRHOF 1).
    fn ocp(&self) -> u16;

    /// MinHopRankIncrease (RFC 6550 §6.7.6): the smallest rank step of one
    /// hop, and the rank of a root (ROOT_RANK, RFC 6550 §17).
    fn min_hop_rank_increase(&self) -> u16;

    /// The rank a node adds to its parent's over a link with `link_etx`
    /// (at least MinHopRankIncrease, RFC 6550 §3.5.1), saturating at
    /// [`INFINITE_RANK`].
    fn rank_increase(&self, link_etx: Option<u16>) -> u16;

    /// The node's rank through a parent advertising `parent_rank` over a
    /// link with `link_etx`; [`INFINITE_RANK`] when the parent's rank is
    /// infinite or the sum overflows (RFC 6550 §8.2.2.5: infinite rank
    /// stays infinite).
    fn rank(&self, parent_rank: u16, link_etx: Option<u16>) -> u16 {
        if parent_rank == INFINITE_RANK {
            return INFINITE_RANK;
        }
        parent_rank.saturating_add(self.rank_increase(link_etx))
    }

    /// Whether `c` may be a parent at all (its rank is finite, its link
    /// within the OF's limits).
    fn acceptable(&self, c: &Candidate) -> bool;

    /// Compares two candidates: [`Ordering::Less`] when `a` is the better
    /// parent (it sorts first), `Greater` when `b` is, `Equal` when the
    /// OF has no preference. Unacceptable candidates lose to acceptable
    /// ones. Hysteresis keeps the candidate marked
    /// [`Candidate::is_preferred`] until the other one is better by the
    /// OF's threshold.
    fn better_parent(&self, a: &Candidate, b: &Candidate) -> Ordering;
}

/// Orders acceptable before unacceptable; `None` when both are acceptable.
pub(crate) fn by_acceptability<O: ObjectiveFunction + ?Sized>(
    of: &O,
    a: &Candidate,
    b: &Candidate,
) -> Option<Ordering> {
    match (of.acceptable(a), of.acceptable(b)) {
        (true, true) => None,
        (true, false) => Some(Ordering::Less),
        (false, true) => Some(Ordering::Greater),
        (false, false) => Some(Ordering::Equal),
    }
}

/// Orders the current preferred parent first, then the fresher DIO.
pub(crate) fn by_stickiness(a: &Candidate, b: &Candidate) -> Ordering {
    b.is_preferred.cmp(&a.is_preferred).then(b.last_dio.cmp(&a.last_dio))
}

/// An objective function chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    /// RFC 6552 Objective Function Zero.
    Of0(Of0),
    /// RFC 6719 MRHOF with the ETX metric.
    Mrhof(Mrhof),
}

impl Of {
    /// The OF for an OCP with `min_hop_rank_increase` (from a DODAG
    /// Configuration option), `None` for an OCP sixlo does not implement
    /// (RFC 6550 §18.6: such a node may only join as a leaf).
    pub fn from_ocp(ocp: u16, min_hop_rank_increase: u16) -> Option<Of> {
        match ocp {
            super::of0::OCP => Some(Of::Of0(Of0 { min_hop_rank_increase, ..Of0::default() })),
            super::mrhof::OCP => Some(Of::Mrhof(Mrhof { min_hop_rank_increase, ..Mrhof::default() })),
            _ => None,
        }
    }

    fn inner(&self) -> &dyn ObjectiveFunction {
        match self {
            Of::Of0(o) => o,
            Of::Mrhof(o) => o,
        }
    }
}

impl ObjectiveFunction for Of {
    fn ocp(&self) -> u16 {
        self.inner().ocp()
    }
    fn min_hop_rank_increase(&self) -> u16 {
        self.inner().min_hop_rank_increase()
    }
    fn rank_increase(&self, link_etx: Option<u16>) -> u16 {
        self.inner().rank_increase(link_etx)
    }
    fn rank(&self, parent_rank: u16, link_etx: Option<u16>) -> u16 {
        self.inner().rank(parent_rank, link_etx)
    }
    fn acceptable(&self, c: &Candidate) -> bool {
        self.inner().acceptable(c)
    }
    fn better_parent(&self, a: &Candidate, b: &Candidate) -> Ordering {
        self.inner().better_parent(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_ocp() {
        let of = Of::from_ocp(0, 256).unwrap();
        assert_eq!(of.ocp(), 0);
        assert_eq!(of.rank(256, None), 256 + 3 * 256);
        let of = Of::from_ocp(1, 128).unwrap();
        assert_eq!(of.ocp(), 1);
        assert_eq!(of.min_hop_rank_increase(), 128);
        assert_eq!(of.rank(128, Some(256)), 384);
        assert_eq!(Of::from_ocp(2, 256), None);
    }
}
