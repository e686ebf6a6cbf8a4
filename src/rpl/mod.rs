//! RPL (RFC 6550) building blocks: sans-IO state machines, one concern per
//! file, no heap. Time is a [`crate::time::Instant`] passed in, randomness
//! a [`crate::mac::Rng`] passed in.
//!
//! - [`dag`]: DODAG membership of one instance (join, repair, DIO/DIS);
//! - [`trickle`]: the RFC 6206 Trickle timer that paces DIOs;
//! - [`of`]: the objective function interface, with [`of0`] (RFC 6552)
//!   and [`mrhof`] (RFC 6719, ETX) behind it;
//! - [`parents`]: the bounded parent candidate table and the preferred
//!   parent choice (RFC 6550 §8.2);
//! - [`routes`]: storing-mode downward routes and lollipop counters
//!   (RFC 6550 §9, §7.2);
//! - [`dao`]: a node's DAO sending state (RFC 6550 §9);
//! - [`instance`]: one instance as a node runs it, tying the above
//!   together and producing the control messages to send;
//! - [`srh`]: the non-storing root's source routes and SRH (RFC 6554).
//!
//! Ranks are `u16` in RFC 6550 §3.5 units; [`INFINITE_RANK`] is 0xffff.
//! Link metrics are ETX × 128 (RFC 6551 §4.3.2), as the MAC keeps them.

pub mod dag;
pub mod dao;
pub mod datapath;
pub(crate) mod deadline;
pub mod instance;
pub mod mrhof;
pub mod of;
pub mod of0;
pub mod parents;
pub mod routes;
pub mod srh;
pub mod trickle;

pub use dao::{AckResult, DaoConfig, DaoContent, DaoSender};
pub use instance::{Control, Rpl, RplConfig, RplEvent, RplRole, RplStats, RxMeta};
pub use mrhof::Mrhof;
pub use of::{Candidate, ObjectiveFunction, Of};
pub use of0::{Of0, StepOfRank};
pub use parents::{DioInfo, ParentEntry, ParentSet, Update};
pub use routes::{Route, RouteTable, RouteUpdate, lollipop_cmp, lollipop_increment, lollipop_newer};
pub use srh::{SourceRouteEntry, SourceRoutes, SrhError, WrittenSrh, write_srh};
pub use trickle::{Trickle, TrickleParams};

/// RFC 6550 §17: INFINITE_RANK, the rank of a node with no route up.
pub const INFINITE_RANK: u16 = 0xffff;

/// RFC 6550 §17: DEFAULT_MIN_HOP_RANK_INCREASE.
pub const DEFAULT_MIN_HOP_RANK_INCREASE: u16 = 256;

/// Default MaxRankIncrease: 7 × DEFAULT_MIN_HOP_RANK_INCREASE, Contiki-NG's
/// RPL_MAX_RANKINC (RFC 6550 leaves the value to the root; it is carried
/// in the DODAG Configuration option, §6.7.6).
pub const DEFAULT_MAX_RANK_INCREASE: u16 = 7 * DEFAULT_MIN_HOP_RANK_INCREASE;

/// RFC 6550 §17: ROOT_RANK is MinHopRankIncrease.
pub const fn root_rank(min_hop_rank_increase: u16) -> u16 {
    min_hop_rank_increase
}

/// RFC 6550 §3.5.1: DAGRank(rank) = ⌊rank / MinHopRankIncrease⌋, the part
/// of a rank that orders nodes (`rank` itself when MinHopRankIncrease is 0).
pub const fn dag_rank(rank: u16, min_hop_rank_increase: u16) -> u16 {
    match rank.checked_div(min_hop_rank_increase) {
        Some(r) => r,
        None => rank,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_helpers() {
        assert_eq!(root_rank(DEFAULT_MIN_HOP_RANK_INCREASE), 256);
        assert_eq!(dag_rank(1023, 256), 3);
        assert_eq!(dag_rank(1024, 256), 4);
        assert_eq!(dag_rank(77, 0), 77);
        assert_eq!(dag_rank(INFINITE_RANK, 256), 255);
    }
}
