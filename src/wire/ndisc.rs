//! Neighbour discovery messages (RFC 4861 §4) as profiled for 6LoWPAN by
//! RFC 6775 and RFC 8505.
//!
//! A [`Repr`] is the body of an ICMPv6 message of types 133..=137, after the
//! 4-byte ICMPv6 header (type, code, checksum); it travels inside
//! [`icmpv6::Repr::Ndisc`](crate::wire::icmpv6::Repr::Ndisc), which writes
//! that header and the checksum. Options are in [`option`]: parsing keeps them
//! as validated raw bytes ([`Options::Bytes`]) and a sender passes a slice of
//! [`NdiscOption`] values ([`Options::List`]).
//!
//! Reserved fields are ignored on receive and written as zero (RFC 4861 §4).

pub mod option;

use core::net::Ipv6Addr;

pub use self::option::{
    AddressRegistration, ArStatus, AuthoritativeBorderRouter, LinkLayerAddress, NdiscOption, OptionType,
    Options, OptionsIter, PrefixInfoFlags, PrefixInformation, SixLowpanContext,
};
use super::icmpv6::Message;
use super::{Error, Result};

/// Byte ranges in the ND message body (offsets after the ICMPv6 checksum).
mod field {
    use core::ops::Range;

    // RFC 4861 §4.1: Router Solicitation: 4 reserved bytes.
    pub const RS_LEN: usize = 4;
    // RFC 4861 §4.2: Router Advertisement.
    pub const RA_HOP_LIMIT: usize = 0;
    pub const RA_FLAGS: usize = 1;
    pub const RA_ROUTER_LIFETIME: Range<usize> = 2..4;
    pub const RA_REACHABLE_TIME: Range<usize> = 4..8;
    pub const RA_RETRANS_TIME: Range<usize> = 8..12;
    pub const RA_LEN: usize = 12;
    // RFC 4861 §4.3/§4.4: NS / NA: 4 bytes (flags + reserved), target.
    pub const NA_FLAGS: usize = 0;
    pub const TARGET: Range<usize> = 4..20;
    pub const NS_LEN: usize = 20;
    // RFC 4861 §4.5: Redirect: reserved, target, destination.
    pub const REDIRECT_DEST: Range<usize> = 20..36;
    pub const REDIRECT_LEN: usize = 36;
}

/// The length of the fixed part of the body of ND message `msg_type` (after
/// the 4-byte ICMPv6 header), or 0 for a type that is not an ND message.
pub fn body_header_len(msg_type: Message) -> usize {
    match msg_type {
        Message::RouterSolicit => field::RS_LEN,
        Message::RouterAdvert => field::RA_LEN,
        Message::NeighborSolicit | Message::NeighborAdvert => field::NS_LEN,
        Message::Redirect => field::REDIRECT_LEN,
        _ => 0,
    }
}

/// The flags byte of a Router Advertisement (RFC 4861 §4.2). Every bit is
/// kept, so later flags (RFC 5175: H, Prf, P) survive a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RouterFlags(pub u8);

impl RouterFlags {
    /// M: addresses are available via DHCPv6.
    pub const MANAGED: u8 = 0x80;
    /// O: other configuration is available via DHCPv6.
    pub const OTHER: u8 = 0x40;

    /// The M flag.
    pub fn managed(&self) -> bool {
        self.0 & Self::MANAGED != 0
    }
    /// The O flag.
    pub fn other(&self) -> bool {
        self.0 & Self::OTHER != 0
    }
}

/// The flags byte of a Neighbor Advertisement (RFC 4861 §4.4): the top byte
/// of its 32-bit flags word (the other 29 bits are reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NeighborFlags(pub u8);

impl NeighborFlags {
    /// R: the sender is a router.
    pub const ROUTER: u8 = 0x80;
    /// S: sent in response to a Neighbor Solicitation.
    pub const SOLICITED: u8 = 0x40;
    /// O: override an existing cache entry.
    pub const OVERRIDE: u8 = 0x20;

    /// The R flag.
    pub fn router(&self) -> bool {
        self.0 & Self::ROUTER != 0
    }
    /// The S flag.
    pub fn solicited(&self) -> bool {
        self.0 & Self::SOLICITED != 0
    }
    /// The O flag.
    pub fn override_(&self) -> bool {
        self.0 & Self::OVERRIDE != 0
    }
}

/// A neighbour discovery message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr<'a> {
    /// Router Solicitation (RFC 4861 §4.1).
    RouterSolicit {
        /// Options (SLLAO; RFC 6775 hosts may add others).
        options: Options<'a>,
    },
    /// Router Advertisement (RFC 4861 §4.2).
    RouterAdvert {
        /// Cur Hop Limit (0: unspecified).
        hop_limit: u8,
        /// M/O flags.
        flags: RouterFlags,
        /// Router lifetime in seconds (0: not a default router).
        router_lifetime: u16,
        /// Reachable time in milliseconds (0: unspecified).
        reachable_time: u32,
        /// Retransmission timer in milliseconds (0: unspecified).
        retrans_time: u32,
        /// Options (SLLAO, MTU, PIO, 6CO, ABRO, ...).
        options: Options<'a>,
    },
    /// Neighbor Solicitation (RFC 4861 §4.3).
    NeighborSolicit {
        /// The target address.
        target_addr: Ipv6Addr,
        /// Options (SLLAO, ARO/EARO, ...).
        options: Options<'a>,
    },
    /// Neighbor Advertisement (RFC 4861 §4.4).
    NeighborAdvert {
        /// R/S/O flags.
        flags: NeighborFlags,
        /// The target address.
        target_addr: Ipv6Addr,
        /// Options (TLLAO, ARO/EARO, ...).
        options: Options<'a>,
    },
    /// Redirect (RFC 4861 §4.5).
    Redirect {
        /// The better first hop.
        target_addr: Ipv6Addr,
        /// The destination that is redirected.
        dest_addr: Ipv6Addr,
        /// Options (TLLAO, Redirected Header, ...).
        options: Options<'a>,
    },
}

fn addr_at(body: &[u8], range: core::ops::Range<usize>) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&body[range]);
    Ipv6Addr::from(a)
}

impl<'a> Repr<'a> {
    /// Parses the body (after the ICMPv6 checksum) of an ND message of type
    /// `msg_type`.
    ///
    /// Errors: `Truncated` when the fixed part does not fit or an option runs
    /// past the end; `Malformed` for a type that is not ND or an invalid
    /// option (RFC 4861 §6.1: "All included options have a length that is
    /// greater than zero").
    pub fn parse(msg_type: Message, body: &'a [u8]) -> Result<Repr<'a>> {
        if !msg_type.is_ndisc() {
            return Err(Error::Malformed);
        }
        let fixed = body_header_len(msg_type);
        if body.len() < fixed {
            return Err(Error::Truncated);
        }
        let options = Options::parse(&body[fixed..])?;
        Ok(match msg_type {
            Message::RouterSolicit => Repr::RouterSolicit { options },
            Message::RouterAdvert => Repr::RouterAdvert {
                hop_limit: body[field::RA_HOP_LIMIT],
                flags: RouterFlags(body[field::RA_FLAGS]),
                router_lifetime: u16::from_be_bytes([body[2], body[3]]),
                reachable_time: u32::from_be_bytes([body[4], body[5], body[6], body[7]]),
                retrans_time: u32::from_be_bytes([body[8], body[9], body[10], body[11]]),
                options,
            },
            Message::NeighborSolicit => Repr::NeighborSolicit { target_addr: addr_at(body, field::TARGET), options },
            Message::NeighborAdvert => Repr::NeighborAdvert {
                flags: NeighborFlags(body[field::NA_FLAGS]),
                target_addr: addr_at(body, field::TARGET),
                options,
            },
            _ => Repr::Redirect {
                target_addr: addr_at(body, field::TARGET),
                dest_addr: addr_at(body, field::REDIRECT_DEST),
                options,
            },
        })
    }

    /// The ICMPv6 message type.
    pub fn msg_type(&self) -> Message {
        match self {
            Repr::RouterSolicit { .. } => Message::RouterSolicit,
            Repr::RouterAdvert { .. } => Message::RouterAdvert,
            Repr::NeighborSolicit { .. } => Message::NeighborSolicit,
            Repr::NeighborAdvert { .. } => Message::NeighborAdvert,
            Repr::Redirect { .. } => Message::Redirect,
        }
    }

    /// The options.
    pub fn options(&self) -> Options<'a> {
        match self {
            Repr::RouterSolicit { options }
            | Repr::RouterAdvert { options, .. }
            | Repr::NeighborSolicit { options, .. }
            | Repr::NeighborAdvert { options, .. }
            | Repr::Redirect { options, .. } => *options,
        }
    }

    /// The emitted length of the body (after the ICMPv6 checksum).
    pub fn buffer_len(&self) -> usize {
        body_header_len(self.msg_type()) + self.options().buffer_len()
    }

    /// Writes the body into the first [`Repr::buffer_len`] bytes of `buf`
    /// (reserved fields zero). Panics when `buf` is shorter.
    pub fn emit(&self, buf: &mut [u8]) {
        let fixed = body_header_len(self.msg_type());
        let (head, rest) = buf[..self.buffer_len()].split_at_mut(fixed);
        head.fill(0);
        match self {
            Repr::RouterSolicit { .. } => {}
            Repr::RouterAdvert { hop_limit, flags, router_lifetime, reachable_time, retrans_time, .. } => {
                head[field::RA_HOP_LIMIT] = *hop_limit;
                head[field::RA_FLAGS] = flags.0;
                head[field::RA_ROUTER_LIFETIME].copy_from_slice(&router_lifetime.to_be_bytes());
                head[field::RA_REACHABLE_TIME].copy_from_slice(&reachable_time.to_be_bytes());
                head[field::RA_RETRANS_TIME].copy_from_slice(&retrans_time.to_be_bytes());
            }
            Repr::NeighborSolicit { target_addr, .. } => {
                head[field::TARGET].copy_from_slice(&target_addr.octets());
            }
            Repr::NeighborAdvert { flags, target_addr, .. } => {
                head[field::NA_FLAGS] = flags.0;
                head[field::TARGET].copy_from_slice(&target_addr.octets());
            }
            Repr::Redirect { target_addr, dest_addr, .. } => {
                head[field::TARGET].copy_from_slice(&target_addr.octets());
                head[field::REDIRECT_DEST].copy_from_slice(&dest_addr.octets());
            }
        }
        self.options().emit(rest);
    }
}
