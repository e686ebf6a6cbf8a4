//! Neighbour discovery options (RFC 4861 §4.6) with the 6LoWPAN-ND options
//! of RFC 6775 §4 and RFC 8505 §4.1.
//!
//! Every option is a type byte, a length byte in units of 8 octets (the type
//! and length bytes included), then its data. A length of zero is
//! `Malformed` (RFC 4861 §4.6); an option running past the buffer is
//! `Truncated`.

use core::net::Ipv6Addr;

use crate::wire::checksum::{put, put_u16, put_u32};
use crate::wire::ieee802154::Address;
use crate::wire::{Error, Result};

/// The size of one length unit (RFC 4861 §4.6: "in units of 8 octets").
const UNIT: usize = 8;

/// The largest option an 8-bit length can describe (255 units).
pub const MAX_OPTION_LEN: usize = 255 * UNIT;

/// Rounds a byte count up to whole 8-octet units.
const fn round_up(len: usize) -> usize {
    len.div_ceil(UNIT) * UNIT
}

/// Neighbour discovery option types (IANA "IPv6 Neighbor Discovery Option
/// Formats").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionType {
    /// Source Link-Layer Address (RFC 4861 §4.6.1).
    SourceLinkLayerAddr,
    /// Target Link-Layer Address (RFC 4861 §4.6.1).
    TargetLinkLayerAddr,
    /// Prefix Information (RFC 4861 §4.6.2).
    PrefixInformation,
    /// Redirected Header (RFC 4861 §4.6.3), kept raw.
    RedirectedHeader,
    /// MTU (RFC 4861 §4.6.4).
    Mtu,
    /// Address Registration (RFC 6775 §4.1, extended by RFC 8505 §4.1).
    AddressRegistration,
    /// 6LoWPAN Context (RFC 6775 §4.2).
    SixLowpanContext,
    /// Authoritative Border Router (RFC 6775 §4.3).
    AuthoritativeBorderRouter,
    /// Any other type.
    Unknown(u8),
}

impl From<u8> for OptionType {
    fn from(value: u8) -> Self {
        match value {
            1 => OptionType::SourceLinkLayerAddr,
            2 => OptionType::TargetLinkLayerAddr,
            3 => OptionType::PrefixInformation,
            4 => OptionType::RedirectedHeader,
            5 => OptionType::Mtu,
            33 => OptionType::AddressRegistration,
            34 => OptionType::SixLowpanContext,
            35 => OptionType::AuthoritativeBorderRouter,
            other => OptionType::Unknown(other),
        }
    }
}

impl From<OptionType> for u8 {
    fn from(value: OptionType) -> u8 {
        match value {
            OptionType::SourceLinkLayerAddr => 1,
            OptionType::TargetLinkLayerAddr => 2,
            OptionType::PrefixInformation => 3,
            OptionType::RedirectedHeader => 4,
            OptionType::Mtu => 5,
            OptionType::AddressRegistration => 33,
            OptionType::SixLowpanContext => 34,
            OptionType::AuthoritativeBorderRouter => 35,
            OptionType::Unknown(other) => other,
        }
    }
}

/// The status of an (Extended) Address Registration Option (RFC 6775 §4.1,
/// RFC 8505 §4.1 table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArStatus {
    /// 0: Success.
    Success,
    /// 1: Duplicate Address.
    Duplicate,
    /// 2: Neighbor Cache Full.
    NeighborCacheFull,
    /// 3: Moved.
    Moved,
    /// 4: Removed.
    Removed,
    /// 5: Validation Requested.
    ValidationRequested,
    /// 6: Duplicate Source Address.
    DuplicateSourceAddr,
    /// 7: Invalid Source Address.
    InvalidSourceAddr,
    /// 8: Registered Address Topologically Incorrect.
    TopologicallyIncorrect,
    /// 9: 6LBR Registry Saturated.
    RegistrySaturated,
    /// 10: Validation Failed.
    ValidationFailed,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for ArStatus {
    fn from(value: u8) -> Self {
        match value {
            0 => ArStatus::Success,
            1 => ArStatus::Duplicate,
            2 => ArStatus::NeighborCacheFull,
            3 => ArStatus::Moved,
            4 => ArStatus::Removed,
            5 => ArStatus::ValidationRequested,
            6 => ArStatus::DuplicateSourceAddr,
            7 => ArStatus::InvalidSourceAddr,
            8 => ArStatus::TopologicallyIncorrect,
            9 => ArStatus::RegistrySaturated,
            10 => ArStatus::ValidationFailed,
            other => ArStatus::Unknown(other),
        }
    }
}

impl From<ArStatus> for u8 {
    fn from(value: ArStatus) -> u8 {
        match value {
            ArStatus::Success => 0,
            ArStatus::Duplicate => 1,
            ArStatus::NeighborCacheFull => 2,
            ArStatus::Moved => 3,
            ArStatus::Removed => 4,
            ArStatus::ValidationRequested => 5,
            ArStatus::DuplicateSourceAddr => 6,
            ArStatus::InvalidSourceAddr => 7,
            ArStatus::TopologicallyIncorrect => 8,
            ArStatus::RegistrySaturated => 9,
            ArStatus::ValidationFailed => 10,
            ArStatus::Unknown(other) => other,
        }
    }
}

/// The link-layer address of an SLLAO / TLLAO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkLayerAddress<'a> {
    /// An 802.15.4 address in the RFC 4944 §8 layout: option length 1 with a
    /// short address and 4 zero bytes, or length 2 with an EUI-64 and 6 zero
    /// bytes. [`Address::Absent`] is emitted as an all-zero 8-byte option
    /// (which parses back as the short address 0x0000).
    Ieee802154(Address),
    /// Any other layout (another length, or non-zero padding): the bytes
    /// after the type and length, padding included. Emitting pads with zeros
    /// up to a multiple of 8 octets.
    Raw(&'a [u8]),
}

impl LinkLayerAddress<'_> {
    fn data_len(&self) -> usize {
        match self {
            LinkLayerAddress::Ieee802154(Address::Extended(_)) => 14,
            LinkLayerAddress::Ieee802154(_) => 6,
            LinkLayerAddress::Raw(data) => data.len(),
        }
    }
}

/// Flags of the Prefix Information option (RFC 4861 §4.6.2). Every bit of
/// the byte is kept, so flags defined later (e.g. RFC 6275's R) survive a
/// round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PrefixInfoFlags(pub u8);

impl PrefixInfoFlags {
    /// L: the prefix is on-link.
    pub const ON_LINK: u8 = 0x80;
    /// A: the prefix can be used for stateless address autoconfiguration.
    pub const AUTONOMOUS: u8 = 0x40;

    /// The L flag.
    pub fn on_link(&self) -> bool {
        self.0 & Self::ON_LINK != 0
    }
    /// The A flag.
    pub fn autonomous(&self) -> bool {
        self.0 & Self::AUTONOMOUS != 0
    }
}

/// The Prefix Information option (RFC 4861 §4.6.2, length 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrefixInformation {
    /// Number of leading bits of `prefix` that are valid.
    pub prefix_len: u8,
    /// L/A (and other) flags.
    pub flags: PrefixInfoFlags,
    /// Valid lifetime in seconds (0xffffffff: infinity).
    pub valid_lifetime: u32,
    /// Preferred lifetime in seconds (0xffffffff: infinity).
    pub preferred_lifetime: u32,
    /// The prefix.
    pub prefix: Ipv6Addr,
}

/// The Address Registration Option (RFC 6775 §4.1) in its extended form
/// (EARO, RFC 8505 §4.1).
///
/// With RFC 6775 semantics `opaque`, `i`, `r`, `t` and `tid` are zero and
/// `rovr` holds the EUI-64 (see [`AddressRegistration::eui64`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressRegistration<'a> {
    /// Status (meaningful in NA; 0 in NS).
    pub status: ArStatus,
    /// Opaque field for the routing protocol (RFC 8505 §4.1).
    pub opaque: u8,
    /// The 2-bit I field: how to interpret `opaque` (values 0..=3).
    pub i: u8,
    /// R: the registering node is requesting reachability services.
    pub r: bool,
    /// T: `tid` is present (an EARO rather than an ARO).
    pub t: bool,
    /// Transaction ID.
    pub tid: u8,
    /// Registration lifetime in units of 60 seconds (0: de-register).
    pub lifetime: u16,
    /// The Registration Ownership Verifier: the EUI-64 in RFC 6775; 8, 16,
    /// 24 or 32 bytes in RFC 8505 (the option length says which). Its length
    /// should be a multiple of 8; emitting pads with zeros otherwise.
    pub rovr: &'a [u8],
}

impl AddressRegistration<'_> {
    /// The EUI-64 of an RFC 6775 ARO (a ROVR of exactly 8 bytes).
    pub fn eui64(&self) -> Option<[u8; 8]> {
        self.rovr.try_into().ok()
    }
}

/// The 6LoWPAN Context Option (RFC 6775 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SixLowpanContext {
    /// Number of leading bits of `prefix` that are valid (0..=128).
    pub context_len: u8,
    /// C: the context may be used for compression.
    pub compression: bool,
    /// Context identifier (0..=15).
    pub cid: u8,
    /// Valid lifetime in units of 60 seconds.
    pub valid_lifetime: u16,
    /// The context prefix. Emitted with option length 2 (8 prefix bytes)
    /// when `context_len <= 64` and bytes 8..16 are zero, else length 3.
    pub prefix: Ipv6Addr,
}

impl SixLowpanContext {
    fn option_len(&self) -> usize {
        let tail_zero = self.prefix.to_bits() as u64 == 0;
        if self.context_len <= 64 && tail_zero { 16 } else { 24 }
    }
}

/// The Authoritative Border Router Option (RFC 6775 §4.3, length 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthoritativeBorderRouter {
    /// Low 16 bits of the version number.
    pub version_low: u16,
    /// High 16 bits of the version number.
    pub version_high: u16,
    /// Valid lifetime in units of 60 seconds (0: 10000 minutes default).
    pub valid_lifetime: u16,
    /// The 6LBR's address.
    pub address: Ipv6Addr,
}

impl AuthoritativeBorderRouter {
    /// The 32-bit version number (high half first).
    pub fn version(&self) -> u32 {
        (u32::from(self.version_high) << 16) | u32::from(self.version_low)
    }
}

/// One neighbour discovery option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdiscOption<'a> {
    /// Source Link-Layer Address (type 1).
    SourceLinkLayerAddr(LinkLayerAddress<'a>),
    /// Target Link-Layer Address (type 2).
    TargetLinkLayerAddr(LinkLayerAddress<'a>),
    /// Prefix Information (type 3).
    PrefixInformation(PrefixInformation),
    /// MTU (type 5), in bytes.
    Mtu(u32),
    /// (Extended) Address Registration (type 33).
    AddressRegistration(AddressRegistration<'a>),
    /// 6LoWPAN Context (type 34).
    SixLowpanContext(SixLowpanContext),
    /// Authoritative Border Router (type 35).
    AuthoritativeBorderRouter(AuthoritativeBorderRouter),
    /// Any other option type, with the bytes after type and length (padding
    /// included). Must not be used for the types above: it would not parse
    /// back as `Unknown`.
    Unknown {
        /// The option type.
        option_type: u8,
        /// The data after type and length.
        data: &'a [u8],
    },
}

/// The option at the start of `data`, exactly as long as its Length field
/// says (at least 8 bytes): `Truncated` when the header or the option runs
/// past `data`, `Malformed` for a zero length (RFC 4861 §4.6: "The value 0
/// is invalid.").
fn split_option(data: &[u8]) -> Result<&[u8]> {
    let [_, units, ..] = *data else {
        return Err(Error::Truncated);
    };
    if units == 0 {
        return Err(Error::Malformed);
    }
    data.get(..usize::from(units) * UNIT).ok_or(Error::Truncated)
}

impl<'a> NdiscOption<'a> {
    /// Parses the option at the start of `data`; returns it and its length
    /// in bytes (a multiple of 8).
    pub fn parse(data: &'a [u8]) -> Result<(NdiscOption<'a>, usize)> {
        let opt = split_option(data)?;
        Ok((Self::parse_exact(opt)?, opt.len()))
    }

    /// Parses one whole option (`opt` as [`split_option`] returns it). The
    /// fixed fields are read from a zero-padded copy of the first 32 bytes:
    /// one copy, no bounds check per field.
    fn parse_exact(opt: &'a [u8]) -> Result<NdiscOption<'a>> {
        let len = opt.len();
        let units = len / UNIT;
        let mut h = [0u8; 32];
        let n = len.min(32);
        h[..n].copy_from_slice(&opt[..n]);
        let be16 = |at: usize| u16::from_be_bytes([h[at], h[at + 1]]);
        let be32 = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let addr = |at: usize| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&h[at..at + 16]);
            Ipv6Addr::from(a)
        };
        let option_type = h[0];
        let body = opt.get(2..).unwrap_or(&[]);
        let valid = match OptionType::from(option_type) {
            OptionType::SourceLinkLayerAddr => return Ok(NdiscOption::SourceLinkLayerAddr(parse_lla(body))),
            OptionType::TargetLinkLayerAddr => return Ok(NdiscOption::TargetLinkLayerAddr(parse_lla(body))),
            // RFC 4861 §4.6.2: length 4.
            OptionType::PrefixInformation => units == 4,
            // RFC 4861 §4.6.4: length 1.
            OptionType::Mtu => units == 1,
            // RFC 6775 §4.1: length 2; RFC 8505 §4.1: 2..=5 by ROVR size.
            OptionType::AddressRegistration => units >= 2,
            // RFC 6775 §4.2: length 2 or 3; the prefix fits in it.
            OptionType::SixLowpanContext => match units {
                2 => h[2] <= 64,
                3 => h[2] <= 128,
                _ => false,
            },
            // RFC 6775 §4.3: length 3.
            OptionType::AuthoritativeBorderRouter => units == 3,
            OptionType::RedirectedHeader | OptionType::Unknown(_) => {
                return Ok(NdiscOption::Unknown { option_type, data: body });
            }
        };
        if !valid {
            return Err(Error::Malformed);
        }
        Ok(match OptionType::from(option_type) {
            OptionType::PrefixInformation => NdiscOption::PrefixInformation(PrefixInformation {
                prefix_len: h[2],
                flags: PrefixInfoFlags(h[3]),
                valid_lifetime: be32(4),
                preferred_lifetime: be32(8),
                prefix: addr(16),
            }),
            OptionType::Mtu => NdiscOption::Mtu(be32(4)),
            OptionType::AddressRegistration => NdiscOption::AddressRegistration(AddressRegistration {
                status: ArStatus::from(h[2]),
                opaque: h[3],
                i: (h[4] >> 2) & 0x03,
                r: h[4] & 0x02 != 0,
                t: h[4] & 0x01 != 0,
                tid: h[5],
                lifetime: be16(6),
                rovr: opt.get(8..).unwrap_or(&[]),
            }),
            // The prefix is the bytes after the first 8 (8 or 16 of them),
            // zero-padded to 16 by the copy.
            OptionType::SixLowpanContext => NdiscOption::SixLowpanContext(SixLowpanContext {
                context_len: h[2],
                compression: h[3] & 0x10 != 0,
                cid: h[3] & 0x0f,
                valid_lifetime: be16(6),
                prefix: addr(8),
            }),
            _ => NdiscOption::AuthoritativeBorderRouter(AuthoritativeBorderRouter {
                version_low: be16(2),
                version_high: be16(4),
                valid_lifetime: be16(6),
                address: addr(8),
            }),
        })
    }

    /// The option type.
    pub fn option_type(&self) -> OptionType {
        match self {
            NdiscOption::SourceLinkLayerAddr(_) => OptionType::SourceLinkLayerAddr,
            NdiscOption::TargetLinkLayerAddr(_) => OptionType::TargetLinkLayerAddr,
            NdiscOption::PrefixInformation(_) => OptionType::PrefixInformation,
            NdiscOption::Mtu(_) => OptionType::Mtu,
            NdiscOption::AddressRegistration(_) => OptionType::AddressRegistration,
            NdiscOption::SixLowpanContext(_) => OptionType::SixLowpanContext,
            NdiscOption::AuthoritativeBorderRouter(_) => OptionType::AuthoritativeBorderRouter,
            NdiscOption::Unknown { option_type, .. } => OptionType::from(*option_type),
        }
    }

    /// The emitted length in bytes, type and length included (a multiple of
    /// 8).
    pub fn buffer_len(&self) -> usize {
        match self {
            NdiscOption::SourceLinkLayerAddr(lla) | NdiscOption::TargetLinkLayerAddr(lla) => {
                round_up(2 + lla.data_len())
            }
            NdiscOption::PrefixInformation(_) => 32,
            NdiscOption::Mtu(_) => 8,
            NdiscOption::AddressRegistration(aro) => 8 + round_up(aro.rovr.len()),
            NdiscOption::SixLowpanContext(ctx) => ctx.option_len(),
            NdiscOption::AuthoritativeBorderRouter(_) => 24,
            NdiscOption::Unknown { data, .. } => round_up(2 + data.len()),
        }
    }

    /// Writes the option into the first [`NdiscOption::buffer_len`] bytes of
    /// `buf`, zeroing reserved fields and padding.
    ///
    /// An option longer than [`MAX_OPTION_LEN`] cannot be encoded: its length
    /// byte saturates at 255 and the bytes are still written.
    /// Panics when `buf` is shorter than `buffer_len()`.
    pub fn emit(&self, buf: &mut [u8]) {
        self.emit_len(buf);
    }

    /// [`Self::emit`], returning the length written.
    fn emit_len(&self, buf: &mut [u8]) -> usize {
        let len = self.buffer_len();
        let opt = &mut buf[..len];
        opt.fill(0);
        opt[0] = self.option_type().into();
        opt[1] = u8::try_from(len / UNIT).unwrap_or(u8::MAX);
        match self {
            NdiscOption::SourceLinkLayerAddr(lla) | NdiscOption::TargetLinkLayerAddr(lla) => match lla {
                LinkLayerAddress::Ieee802154(addr) => put(opt, 2, addr.as_bytes()),
                LinkLayerAddress::Raw(data) => put(opt, 2, data),
            },
            NdiscOption::PrefixInformation(pi) => {
                opt[2] = pi.prefix_len;
                opt[3] = pi.flags.0;
                put_u32(opt, 4, pi.valid_lifetime);
                put_u32(opt, 8, pi.preferred_lifetime);
                put(opt, 16, &pi.prefix.octets());
            }
            NdiscOption::Mtu(mtu) => put_u32(opt, 4, *mtu),
            NdiscOption::AddressRegistration(aro) => {
                opt[2] = aro.status.into();
                opt[3] = aro.opaque;
                opt[4] = ((aro.i & 0x03) << 2) | (u8::from(aro.r) << 1) | u8::from(aro.t);
                opt[5] = aro.tid;
                put_u16(opt, 6, aro.lifetime);
                put(opt, 8, aro.rovr);
            }
            NdiscOption::SixLowpanContext(ctx) => {
                opt[2] = ctx.context_len;
                opt[3] = (u8::from(ctx.compression) << 4) | (ctx.cid & 0x0f);
                put_u16(opt, 6, ctx.valid_lifetime);
                put(opt, 8, &ctx.prefix.octets()[..len - 8]);
            }
            NdiscOption::AuthoritativeBorderRouter(abro) => {
                put_u16(opt, 2, abro.version_low);
                put_u16(opt, 4, abro.version_high);
                put_u16(opt, 6, abro.valid_lifetime);
                put(opt, 8, &abro.address.octets());
            }
            NdiscOption::Unknown { data, .. } => put(opt, 2, data),
        }
        len
    }
}

/// RFC 4944 §8: a short address plus 4 zero bytes, or an EUI-64 plus 6 zero
/// bytes; anything else is kept raw.
fn parse_lla(body: &[u8]) -> LinkLayerAddress<'_> {
    match *body {
        [a, b, 0, 0, 0, 0] => LinkLayerAddress::Ieee802154(Address::Short([a, b])),
        [a, b, c, d, e, f, g, h, 0, 0, 0, 0, 0, 0] => {
            LinkLayerAddress::Ieee802154(Address::Extended([a, b, c, d, e, f, g, h]))
        }
        _ => LinkLayerAddress::Raw(body),
    }
}

/// The options area of an ND message.
///
/// Parsing gives [`Options::Bytes`] (already validated: every option parses);
/// a sender builds [`Options::List`] from a slice of option values. Both
/// iterate as a sequence of options, and two `Options` are equal when they
/// yield the same options, whichever form they are in.
#[derive(Debug, Clone, Copy)]
pub enum Options<'a> {
    /// Raw options as received.
    Bytes(&'a [u8]),
    /// Options to emit, in order.
    List(&'a [NdiscOption<'a>]),
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options::EMPTY
    }
}

impl<'a> Options<'a> {
    /// No options.
    pub const EMPTY: Options<'static> = Options::Bytes(&[]);

    /// Checks that `data` is a sequence of valid options and wraps it.
    pub fn parse(data: &'a [u8]) -> Result<Options<'a>> {
        let options = Options::Bytes(data);
        for opt in options.iter() {
            opt?;
        }
        Ok(options)
    }

    /// Iterates over the options. For [`Options::Bytes`] that were not
    /// validated by [`Options::parse`], an error is yielded once, then the
    /// iteration stops.
    #[inline(never)]
    pub fn iter(&self) -> OptionsIter<'a> {
        match *self {
            Options::Bytes(data) => OptionsIter { inner: IterInner::Bytes(data) },
            Options::List(list) => OptionsIter { inner: IterInner::List(list.iter()) },
        }
    }

    /// True when there are no options.
    pub fn is_empty(&self) -> bool {
        match self {
            Options::Bytes(data) => data.is_empty(),
            Options::List(list) => list.is_empty(),
        }
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Options::Bytes(data) => data.len(),
            Options::List(list) => list.iter().map(NdiscOption::buffer_len).sum(),
        }
    }

    /// Writes the options into the first [`Options::buffer_len`] bytes of
    /// `buf`. Panics when `buf` is shorter.
    pub fn emit(&self, buf: &mut [u8]) {
        match self {
            Options::Bytes(data) => buf[..data.len()].copy_from_slice(data),
            Options::List(list) => {
                let mut at = 0;
                for opt in list.iter() {
                    at += opt.emit_len(&mut buf[at..]);
                }
            }
        }
    }

    /// The first Source Link-Layer Address option, if any.
    pub fn source_lladdr(&self) -> Option<LinkLayerAddress<'a>> {
        self.iter().find_map(|o| match o {
            Ok(NdiscOption::SourceLinkLayerAddr(lla)) => Some(lla),
            _ => None,
        })
    }

    /// The first Target Link-Layer Address option, if any.
    pub fn target_lladdr(&self) -> Option<LinkLayerAddress<'a>> {
        self.iter().find_map(|o| match o {
            Ok(NdiscOption::TargetLinkLayerAddr(lla)) => Some(lla),
            _ => None,
        })
    }

    /// The first (Extended) Address Registration option, if any.
    pub fn address_registration(&self) -> Option<AddressRegistration<'a>> {
        self.iter().find_map(|o| match o {
            Ok(NdiscOption::AddressRegistration(aro)) => Some(aro),
            _ => None,
        })
    }
}

impl PartialEq for Options<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Options<'_> {}

impl<'a> IntoIterator for Options<'a> {
    type Item = Result<NdiscOption<'a>>;
    type IntoIter = OptionsIter<'a>;
    fn into_iter(self) -> OptionsIter<'a> {
        self.iter()
    }
}

/// An iterator over [`Options`], yielding each option or the error that
/// stopped the walk.
#[derive(Debug, Clone)]
pub struct OptionsIter<'a> {
    inner: IterInner<'a>,
}

#[derive(Debug, Clone)]
enum IterInner<'a> {
    Bytes(&'a [u8]),
    List(core::slice::Iter<'a, NdiscOption<'a>>),
}

impl<'a> Iterator for OptionsIter<'a> {
    type Item = Result<NdiscOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            IterInner::List(it) => it.next().copied().map(Ok),
            IterInner::Bytes(data) => {
                if data.is_empty() {
                    return None;
                }
                // The option is split off first, then parsed: iteration stops
                // after an error.
                let r = split_option(data).and_then(|opt| {
                    *data = &data[opt.len()..];
                    NdiscOption::parse_exact(opt)
                });
                if r.is_err() {
                    *data = &[];
                }
                Some(r)
            }
        }
    }
}
