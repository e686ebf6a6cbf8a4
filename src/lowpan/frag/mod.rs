//! 6LoWPAN fragmentation and reassembly (RFC 4944 §5.3).
//!
//! A datagram too large for one 802.15.4 frame travels as one FRAG1 link
//! fragment followed by FRAGN fragments:
//!
//! ```text
//! FRAG1: 11000 | datagram_size (11 bits) | datagram_tag (16 bits)                      4 bytes
//! FRAGN: 11100 | datagram_size (11 bits) | datagram_tag (16 bits) | datagram_offset (8)  5 bytes
//! ```
//!
//! Sizes and offsets count bytes of the *uncompressed* IPv6 datagram
//! (RFC 4944 §5.3), offsets in units of 8 octets. With header compression,
//! FRAG1 carries the compressed headers and the offset of the next fragment
//! counts the headers' uncompressed size (RFC 6282 §2).
//!
//! - [`Fragmenter`] (or [`fragment`], which first says whether fragmenting
//!   is needed at all) writes the fragments of one datagram, one at a time,
//!   into caller buffers.
//! - [`Reassembler`] collects received fragments in caller-provided slots
//!   and hands back the complete datagram. It works on already-decoded
//!   numbers: the caller parses the FRAG1/FRAGN header, decompresses FRAG1's
//!   headers, and passes `(key, offset in bytes, bytes)`.
//!
//! Neither allocates nor panics.

mod fragmenter;
mod reassembly;

pub use fragmenter::{FragError, Fragmentation, Fragmenter, fragment};
pub use reassembly::{
    DEFAULT_REASSEMBLY_TIMEOUT, DEFAULT_SLOT_SIZE, OwnedSlots, Reassembler, ReassemblyBuffers,
    ReassemblyError, ReassemblyKey, ReassemblySlot, ReassemblyStats, SLOT_OVERHEAD, SlotStorage,
};

/// Length of a FRAG1 header (RFC 4944 §5.3).
pub const FRAG1_HEADER_LEN: usize = 4;
/// Length of a FRAGN header (RFC 4944 §5.3).
pub const FRAGN_HEADER_LEN: usize = 5;
/// The largest datagram a fragment header can announce: `datagram_size` is
/// 11 bits (RFC 4944 §5.3).
pub const MAX_DATAGRAM_SIZE: usize = 2047;
