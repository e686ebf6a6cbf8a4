//! `sixlo-sim`: a host simulator for the sixlo stack, and the tools around it.
//!
//! The capture decoder ([`decode`]); the discrete-event engine ([`engine`])
//! that runs real `sixlo::node::Node`s over radio mediums ([`medium`]);
//! scenarios ([`scenario`], [`topology`]) and outputs ([`output`]).

pub mod capture;
pub mod decode;
pub mod engine;
pub mod json;
pub mod medium;
pub mod output;
pub mod pcap;
pub mod radio;
pub mod run;
pub mod scenario;
pub mod seeds;
pub mod topology;
