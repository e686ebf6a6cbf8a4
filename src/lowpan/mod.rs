//! The 6LoWPAN adaptation layer (RFC 4944, RFC 6282): what sits between
//! IPv6 datagrams and 127-byte IEEE 802.15.4 frames.
//!
//! This release holds fragmentation and reassembly ([`frag`]): cutting a
//! datagram into FRAG1/FRAGN link fragments and putting received fragments
//! back together, with caller-provided storage and no heap; and header
//! compression ([`iphc`], RFC 6282 IPHC/NHC compress and decompress, with
//! the [`context`] table).
//!
//! Like the rest of the stack this layer has no clock and no I/O: time is a
//! parameter ([`crate::time::Instant`]) and bytes come from and go to
//! caller buffers.

pub mod adapt;
pub mod context;
pub mod frag;
pub mod iphc;

pub use adapt::{
    EncodeError, Encoded, LowpanStats, MAX_COMPRESSED_HEADERS, MAX_SINGLE_FRAME_PACKET, ReceiveError,
    Received, Receiver, encode,
};
pub use context::{Context, ContextTable, Contexts};
pub use iphc::{
    CompressError, Compressed, DecompressError, Decompressed, compress, compress_headers, decompress,
    decompress_headers,
};
