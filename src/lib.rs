//! # sixlo
//!
//! A minimal IPv6 network stack for IEEE 802.15.4 motes: 802.15.4 framing,
//! 6LoWPAN, IPv6 with ICMPv6 and 6LoWPAN-ND, RPL and UDP, in `no_std` Rust
//! without a heap.
//!
//! This release holds the foundation: [`time`] (virtual-time friendly
//! instants and durations) and [`wire`] (zero-copy packet views and `Repr`
//! types for every format the stack speaks). The adaptation layer, the MAC,
//! the IPv6 node and RPL build on it in later releases.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod fifo;
mod macros;

pub mod lowpan;
pub mod mac;
pub mod nd;
pub mod net;
pub mod node;
pub mod radio;
pub mod rpl;
pub mod socket;
pub mod time;
pub mod wire;

/// Counts one event in a statistics counter (saturating: a counter stops
/// at `u32::MAX` instead of wrapping). One out-of-line copy for the whole
/// stack: inlined, the saturating add is repeated at every counter.
#[inline(never)]
pub(crate) fn bump(c: &mut u32) {
    *c = c.saturating_add(1);
}
