//! RPL control messages (RFC 6550 §6): ICMPv6 type 155.
//!
//! This module reads and writes the message *body*, the bytes after the
//! 4-byte ICMPv6 header (type 155, code, checksum); the ICMPv6 layer owns the
//! header and the checksum. [`Repr::parse`] takes the ICMPv6 code and the
//! body, [`Repr::emit`] writes a body of [`Repr::buffer_len`] bytes.
//!
//! - [`Repr`]: DIS, DIO, DAO and DAO-ACK as [`Dis`], [`Dio`], [`Dao`],
//!   [`DaoAck`]; the secure variants (codes 0x80 to 0x83), the Consistency
//!   Check (0x8A) and unassigned codes as [`Repr::Unknown`] with the raw body.
//! - [`Packet`]: a zero-copy view of a body, for reading a DIO's rank or
//!   version without parsing the whole message.
//! - [`options`]: the options of §6.7, as [`OptionRepr`] values; a message
//!   holds them as [`Options`] (raw bytes when parsed, a slice of
//!   `OptionRepr` when built to be sent).
//!
//! Flags and reserved fields that must be zero on send and are ignored on
//! receipt are kept in the reprs, so that parse-then-emit reproduces the
//! received bytes exactly.
//!
//! ```
//! use sixlo::wire::rpl::{code, Dis, OptionRepr, Options, Repr};
//!
//! let opts = [OptionRepr::PadN(&[0, 0])];
//! let dis = Repr::Dis(Dis { flags: 0, reserved: 0, options: Options::Reprs(&opts) });
//! let mut body = [0u8; 6];
//! dis.emit(&mut body[..dis.buffer_len()]);
//! assert_eq!(body, [0, 0, 1, 2, 0, 0]);
//! assert_eq!(Repr::parse(code::DIS, &body), Ok(dis));
//! ```

mod message;
pub mod options;

pub use message::{Dao, DaoAck, Dio, Dis, ICMPV6_TYPE, ModeOfOperation, Packet, Repr, code};
pub use options::{OptionRepr, Options, OptionsIter};

/// The first `N` bytes of `buffer`, to write a fixed-size part of a
/// message or option as one array (no bounds check per field).
///
/// # Panics
/// If `buffer` is shorter than `N`.
fn fixed<const N: usize>(buffer: &mut [u8]) -> &mut [u8; N] {
    buffer.first_chunk_mut().expect("buffer too short")
}
