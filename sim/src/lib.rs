//! `sixlo-sim`: a host simulator for the sixlo stack, and the tools around it.
//!
//! Today it holds the capture decoder ([`decode`]); the discrete-event mesh
//! simulator lands here next.

pub mod capture;
pub mod decode;
pub mod engine;
pub mod json;
pub mod medium;
pub mod pcap;
pub mod radio;
pub mod seeds;
