//! Wire formats: zero-copy packet views and validated `Repr` values.
//!
//! Each module follows one shape:
//!
//! - a view such as `Frame<T: AsRef<[u8]>>` or `Packet<T>` wraps a buffer
//!   without copying. `new_unchecked` wraps anything; `check_len` verifies that
//!   every length the header announces fits in the buffer; `new_checked` does
//!   both. Getters need `AsRef<[u8]>`, setters `AsMut<[u8]>`.
//! - a `Repr` is the validated, owned-or-borrowed value of a header or message,
//!   with `parse` (from a view or bytes), `buffer_len` and `emit`.
//!
//! # Contract
//!
//! These rules hold for every type in this module and are checked by unit
//! tests, property tests and the fuzz targets in `fuzz/`:
//!
//! 1. **Parsing never panics.** `new_checked` and every `parse` return
//!    `Ok(..)` or `Err(Error)` for any byte string, including empty,
//!    truncated and hostile input. Once `check_len` has succeeded, no getter
//!    of that view panics. Every length read from the wire is checked against
//!    the buffer before it is used.
//! 2. **Emitting never panics** into a buffer of at least `buffer_len()`
//!    bytes, and writes exactly `buffer_len()` bytes.
//! 3. **Unknown code points are values, not errors.** Frame types, message
//!    types, option types and similar fields the stack does not know parse
//!    into `Unknown(..)` variants that keep the raw value (and, for options,
//!    the raw bytes) so that they can be skipped, counted or re-emitted.
//! 4. **Round trip.** For every `Repr`, `parse(emit(r)) == r`; and for the
//!    messages in the interop captures, `emit(parse(bytes)) == bytes`.
//!
//! Errors are deliberately coarse (one small [`Error`] enum): a node counts
//! and drops what it cannot parse, it does not diagnose it.

pub mod checksum;
pub mod icmpv6;
pub mod ieee802154;
pub mod ipv6;
pub mod ndisc;
pub mod rpl;
pub mod sixlowpan;
pub mod udp;

use core::fmt;

/// Why a buffer could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The buffer ends before a field or a length announced in it.
    Truncated,
    /// A field holds a value the format does not allow.
    Malformed,
}

/// The result of parsing.
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated"),
            Error::Malformed => f.write_str("malformed"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
