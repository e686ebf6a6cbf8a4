//! RPL control message options (RFC 6550 §6.7).
//!
//! Every option but Pad1 is `type, length, data` with a one-byte length that
//! counts the data only (RFC 6550 §6.7.1). [`OptionRepr::parse`] reads the
//! option at the start of a buffer; [`OptionsIter`] walks a whole option
//! area; [`Options`] is what a message `Repr` holds: the raw bytes of a
//! received message, or a slice of [`OptionRepr`] to emit.
//!
//! Length rules:
//! - an option whose announced length runs past the buffer is
//!   [`Error::Truncated`];
//! - an option of a known type whose length is shorter than its fixed part
//!   (or, for fixed-size options, differs from the size the RFC gives) is
//!   [`Error::Malformed`], and so is a prefix length above 128 or a prefix
//!   length that needs more bytes than the option carries. This is the class
//!   of Contiki-NG CVE-2023-50926 (a DIO prefix length used without a check).
//!
//! Fields that RFC 6550 says must be zero on send and ignored on receipt
//! (flags, reserved) are kept in the reprs so that parse-then-emit gives the
//! received bytes back exactly.

use core::net::Ipv6Addr;

use super::fixed;
use crate::wire::checksum::{put, put_u32};
use crate::wire::{Error, Result};

/// RPL option type values (RFC 6550 §20.4).
pub mod kind {
    /// Pad1 (§6.7.2): a single byte of padding.
    pub const PAD1: u8 = 0x00;
    /// PadN (§6.7.3).
    pub const PADN: u8 = 0x01;
    /// DAG Metric Container (§6.7.4, RFC 6551).
    pub const DAG_METRIC_CONTAINER: u8 = 0x02;
    /// Route Information (§6.7.5).
    pub const ROUTE_INFORMATION: u8 = 0x03;
    /// DODAG Configuration (§6.7.6).
    pub const DODAG_CONFIGURATION: u8 = 0x04;
    /// RPL Target (§6.7.7).
    pub const RPL_TARGET: u8 = 0x05;
    /// Transit Information (§6.7.8).
    pub const TRANSIT_INFORMATION: u8 = 0x06;
    /// Solicited Information (§6.7.9).
    pub const SOLICITED_INFORMATION: u8 = 0x07;
    /// Prefix Information (§6.7.10).
    pub const PREFIX_INFORMATION: u8 = 0x08;
    /// RPL Target Descriptor (§6.7.11).
    pub const RPL_TARGET_DESCRIPTOR: u8 = 0x09;
}

/// Most data bytes an option can carry: its length field is one byte.
pub const MAX_DATA_LEN: usize = 255;

/// Route Information option (RFC 6550 §6.7.5), data layout as RFC 4191.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInformation<'a> {
    /// Number of valid leading bits of `prefix` (0..=128).
    pub prefix_len: u8,
    /// Route preference (2 bits, RFC 4191 §2.1).
    pub preference: u8,
    /// The other bits of the preference byte, in place (mask `0xe7`);
    /// reserved, zero on send.
    pub reserved: u8,
    /// Route lifetime in seconds (`0xffff_ffff` is infinity).
    pub route_lifetime: u32,
    /// The prefix field as carried: at least `ceil(prefix_len / 8)` bytes.
    pub prefix: &'a [u8],
}

/// DODAG Configuration option (RFC 6550 §6.7.6), option length 14.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DodagConfiguration {
    /// The four high flag bits of the first byte, in place (mask `0xf0`).
    pub flags: u8,
    /// `A`: authentication enabled (secure mode).
    pub authentication_enabled: bool,
    /// Path Control Size (3 bits).
    pub path_control_size: u8,
    /// DIOIntervalDoublings.
    pub dio_interval_doublings: u8,
    /// DIOIntervalMin (the Trickle Imin is 2^this ms).
    pub dio_interval_min: u8,
    /// DIORedundancyConstant (Trickle k).
    pub dio_redundancy_constant: u8,
    /// MaxRankIncrease.
    pub max_rank_increase: u16,
    /// MinHopRankIncrease.
    pub minimum_hop_rank_increase: u16,
    /// Objective Code Point (0 = OF0, 1 = MRHOF).
    pub objective_code_point: u16,
    /// The reserved byte after the OCP.
    pub reserved: u8,
    /// Default lifetime, in units of `lifetime_unit` seconds.
    pub default_lifetime: u8,
    /// Lifetime unit, in seconds.
    pub lifetime_unit: u16,
}

/// RPL Target option (RFC 6550 §6.7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RplTarget<'a> {
    /// The flags byte (reserved, zero on send).
    pub flags: u8,
    /// Number of valid leading bits of `prefix` (0..=128).
    pub prefix_len: u8,
    /// The target prefix field as carried: at least `ceil(prefix_len / 8)`
    /// bytes (senders may pad it, e.g. to a full address).
    pub prefix: &'a [u8],
}

/// Transit Information option (RFC 6550 §6.7.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitInformation {
    /// `E`: the target is external to the RPL domain.
    pub external: bool,
    /// The seven other flag bits, in place (mask `0x7f`).
    pub flags: u8,
    /// Path Control.
    pub path_control: u8,
    /// Path Sequence.
    pub path_sequence: u8,
    /// Path Lifetime, in lifetime units.
    pub path_lifetime: u8,
    /// Parent address: present in non-storing mode, absent in storing mode.
    pub parent_address: Option<Ipv6Addr>,
}

/// Solicited Information option (RFC 6550 §6.7.9), option length 19.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolicitedInformation {
    /// RPLInstanceID to match.
    pub rpl_instance_id: u8,
    /// `V`: the version number must match.
    pub version_predicate: bool,
    /// `I`: the RPLInstanceID must match.
    pub instance_id_predicate: bool,
    /// `D`: the DODAGID must match.
    pub dodag_id_predicate: bool,
    /// The five other flag bits, in place (mask `0x1f`).
    pub flags: u8,
    /// DODAGID to match.
    pub dodag_id: Ipv6Addr,
    /// Version number to match.
    pub version_number: u8,
}

/// Prefix Information option (RFC 6550 §6.7.10, layout of RFC 4861 §4.6.2),
/// option length 30.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixInformation {
    /// Number of valid leading bits of `prefix` (0..=128).
    pub prefix_len: u8,
    /// `L`: on-link.
    pub on_link: bool,
    /// `A`: usable for autonomous address configuration.
    pub autonomous: bool,
    /// `R`: `prefix` holds the sender's full address.
    pub router_address: bool,
    /// The five Reserved1 bits, in place (mask `0x1f`).
    pub reserved1: u8,
    /// Valid lifetime in seconds.
    pub valid_lifetime: u32,
    /// Preferred lifetime in seconds.
    pub preferred_lifetime: u32,
    /// Reserved2.
    pub reserved2: u32,
    /// The prefix (or address, when `router_address`).
    pub prefix: Ipv6Addr,
}

impl PrefixInformation {
    /// A PIO announcing `prefix/prefix_len` for address autoconfiguration
    /// (A flag, RFC 6550 §6.7.10), not on-link, with infinite lifetimes
    /// (all ones, RFC 4861 §4.6.2).
    pub const fn autoconf(prefix: Ipv6Addr, prefix_len: u8) -> Self {
        PrefixInformation {
            prefix_len,
            on_link: false,
            autonomous: true,
            router_address: false,
            reserved1: 0,
            valid_lifetime: u32::MAX,
            preferred_lifetime: u32::MAX,
            reserved2: 0,
            prefix,
        }
    }
}

/// One RPL option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionRepr<'a> {
    /// Pad1: one byte.
    Pad1,
    /// PadN: the padding bytes after the length (zero on send, 0..=5 of them
    /// per RFC 6550 §6.7.3; any length is accepted on receipt).
    PadN(&'a [u8]),
    /// DAG Metric Container (RFC 6551), kept opaque.
    DagMetricContainer(&'a [u8]),
    /// Route Information.
    RouteInformation(RouteInformation<'a>),
    /// DODAG Configuration.
    DodagConfiguration(DodagConfiguration),
    /// RPL Target.
    RplTarget(RplTarget<'a>),
    /// Transit Information.
    TransitInformation(TransitInformation),
    /// Solicited Information.
    SolicitedInformation(SolicitedInformation),
    /// Prefix Information.
    PrefixInformation(PrefixInformation),
    /// RPL Target Descriptor: an opaque 32-bit tag.
    RplTargetDescriptor(u32),
    /// An option type this module does not know, with its data bytes.
    Unknown {
        /// The option type.
        kind: u8,
        /// The data after the length byte.
        data: &'a [u8],
    },
}

fn ipv6(bytes: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(bytes);
    Ipv6Addr::from(a)
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// `data` as an array when it holds exactly `N` bytes (a fixed-size
/// option), else [`Error::Malformed`].
fn exact<const N: usize>(data: &[u8]) -> Result<&[u8; N]> {
    data.try_into().map_err(|_| Error::Malformed)
}

/// Checks a prefix length against the prefix bytes carried.
fn check_prefix(prefix_len: u8, prefix: &[u8]) -> Result<()> {
    // RFC 6550 §6.7.5, §6.7.7, §6.7.10: the prefix length counts bits of an
    // IPv6 prefix, so it is at most 128, and the bits it counts must be
    // present (CVE-2023-50926: Contiki trusted it and read past the option).
    if prefix_len > 128 || prefix.len() < usize::from(prefix_len).div_ceil(8) {
        return Err(Error::Malformed);
    }
    Ok(())
}

impl<'a> OptionRepr<'a> {
    /// Parses the option at the start of `buffer` and returns it with the
    /// number of bytes it takes (type and length bytes included).
    #[inline(never)]
    pub fn parse(buffer: &'a [u8]) -> Result<(OptionRepr<'a>, usize)> {
        let kind = *buffer.first().ok_or(Error::Truncated)?;
        // RFC 6550 §6.7.2: Pad1 has neither length nor data.
        if kind == kind::PAD1 {
            return Ok((OptionRepr::Pad1, 1));
        }
        let len = usize::from(*buffer.get(1).ok_or(Error::Truncated)?);
        let data = buffer.get(2..2 + len).ok_or(Error::Truncated)?;
        let repr = match kind {
            kind::PADN => OptionRepr::PadN(data),
            kind::DAG_METRIC_CONTAINER => OptionRepr::DagMetricContainer(data),
            kind::ROUTE_INFORMATION => {
                // RFC 6550 §6.7.5: prefix length, flags, lifetime, then prefix.
                if len < 6 {
                    return Err(Error::Malformed);
                }
                let prefix = &data[6..];
                check_prefix(data[0], prefix)?;
                OptionRepr::RouteInformation(RouteInformation {
                    prefix_len: data[0],
                    preference: (data[1] >> 3) & 0x03,
                    reserved: data[1] & 0xe7,
                    route_lifetime: u32_at(data, 2),
                    prefix,
                })
            }
            kind::DODAG_CONFIGURATION => {
                // RFC 6550 §6.7.6: "Option Length: 14".
                let d = exact::<14>(data)?;
                OptionRepr::DodagConfiguration(DodagConfiguration {
                    flags: d[0] & 0xf0,
                    authentication_enabled: d[0] & 0x08 != 0,
                    path_control_size: d[0] & 0x07,
                    dio_interval_doublings: d[1],
                    dio_interval_min: d[2],
                    dio_redundancy_constant: d[3],
                    max_rank_increase: u16::from_be_bytes([d[4], d[5]]),
                    minimum_hop_rank_increase: u16::from_be_bytes([d[6], d[7]]),
                    objective_code_point: u16::from_be_bytes([d[8], d[9]]),
                    reserved: d[10],
                    default_lifetime: d[11],
                    lifetime_unit: u16::from_be_bytes([d[12], d[13]]),
                })
            }
            kind::RPL_TARGET => {
                // RFC 6550 §6.7.7: flags, prefix length, then the prefix.
                if len < 2 {
                    return Err(Error::Malformed);
                }
                let prefix = &data[2..];
                check_prefix(data[1], prefix)?;
                OptionRepr::RplTarget(RplTarget { flags: data[0], prefix_len: data[1], prefix })
            }
            kind::TRANSIT_INFORMATION => {
                // RFC 6550 §6.7.8: 4 bytes, plus the 16-byte parent address in
                // non-storing mode.
                let (&[flags, path_control, path_sequence, path_lifetime], parent) =
                    data.split_first_chunk::<4>().ok_or(Error::Malformed)?;
                let parent_address = match parent.len() {
                    0 => None,
                    _ => Some(Ipv6Addr::from(*exact::<16>(parent)?)),
                };
                OptionRepr::TransitInformation(TransitInformation {
                    external: flags & 0x80 != 0,
                    flags: flags & 0x7f,
                    path_control,
                    path_sequence,
                    path_lifetime,
                    parent_address,
                })
            }
            kind::SOLICITED_INFORMATION => {
                // RFC 6550 §6.7.9: "Option Length: 19".
                let d = exact::<19>(data)?;
                OptionRepr::SolicitedInformation(SolicitedInformation {
                    rpl_instance_id: d[0],
                    version_predicate: d[1] & 0x80 != 0,
                    instance_id_predicate: d[1] & 0x40 != 0,
                    dodag_id_predicate: d[1] & 0x20 != 0,
                    flags: d[1] & 0x1f,
                    dodag_id: ipv6(&d[2..18]),
                    version_number: d[18],
                })
            }
            kind::PREFIX_INFORMATION => {
                // RFC 6550 §6.7.10: "Option Length: 30".
                let d = exact::<30>(data)?;
                // Prefix lengths over 128 are malformed (the 16 prefix bytes
                // are always there).
                if d[0] > 128 {
                    return Err(Error::Malformed);
                }
                OptionRepr::PrefixInformation(PrefixInformation {
                    prefix_len: d[0],
                    on_link: d[1] & 0x80 != 0,
                    autonomous: d[1] & 0x40 != 0,
                    router_address: d[1] & 0x20 != 0,
                    reserved1: d[1] & 0x1f,
                    valid_lifetime: u32::from_be_bytes([d[2], d[3], d[4], d[5]]),
                    preferred_lifetime: u32::from_be_bytes([d[6], d[7], d[8], d[9]]),
                    reserved2: u32::from_be_bytes([d[10], d[11], d[12], d[13]]),
                    prefix: ipv6(&d[14..30]),
                })
            }
            kind::RPL_TARGET_DESCRIPTOR => {
                // RFC 6550 §6.7.11: "Option Length: 4".
                OptionRepr::RplTargetDescriptor(u32::from_be_bytes(*exact::<4>(data)?))
            }
            _ => OptionRepr::Unknown { kind, data },
        };
        Ok((repr, 2 + len))
    }

    /// The option type value.
    pub fn kind(&self) -> u8 {
        match self {
            OptionRepr::Pad1 => kind::PAD1,
            OptionRepr::PadN(_) => kind::PADN,
            OptionRepr::DagMetricContainer(_) => kind::DAG_METRIC_CONTAINER,
            OptionRepr::RouteInformation(_) => kind::ROUTE_INFORMATION,
            OptionRepr::DodagConfiguration(_) => kind::DODAG_CONFIGURATION,
            OptionRepr::RplTarget(_) => kind::RPL_TARGET,
            OptionRepr::TransitInformation(_) => kind::TRANSIT_INFORMATION,
            OptionRepr::SolicitedInformation(_) => kind::SOLICITED_INFORMATION,
            OptionRepr::PrefixInformation(_) => kind::PREFIX_INFORMATION,
            OptionRepr::RplTargetDescriptor(_) => kind::RPL_TARGET_DESCRIPTOR,
            OptionRepr::Unknown { kind, .. } => *kind,
        }
    }

    /// Length of the data after the length byte (what the length field
    /// holds). Variable parts longer than the one-byte length allows are cut
    /// on emit, so this never exceeds [`MAX_DATA_LEN`].
    fn data_len(&self) -> usize {
        let len = match self {
            OptionRepr::Pad1 => 0,
            OptionRepr::PadN(d) | OptionRepr::DagMetricContainer(d) => d.len(),
            OptionRepr::Unknown { data, .. } => data.len(),
            OptionRepr::RouteInformation(r) => 6 + r.prefix.len(),
            OptionRepr::DodagConfiguration(_) => DodagConfiguration::BUFFER_LEN - 2,
            OptionRepr::RplTarget(t) => t.buffer_len() - 2,
            OptionRepr::TransitInformation(t) => t.buffer_len() - 2,
            OptionRepr::SolicitedInformation(_) => 19,
            OptionRepr::PrefixInformation(_) => PrefixInformation::BUFFER_LEN - 2,
            OptionRepr::RplTargetDescriptor(_) => 4,
        };
        len.min(MAX_DATA_LEN)
    }

    /// Bytes the option takes on the wire (1 for Pad1, else 2 + data).
    pub fn buffer_len(&self) -> usize {
        match self {
            OptionRepr::Pad1 => 1,
            _ => 2 + self.data_len(),
        }
    }

    /// Writes the option into the first [`buffer_len`](Self::buffer_len)
    /// bytes of `buffer`.
    ///
    /// # Panics
    /// If `buffer` is shorter than `buffer_len()`.
    pub fn emit(&self, buffer: &mut [u8]) {
        let len = self.data_len();
        match self {
            OptionRepr::Pad1 => buffer[0] = kind::PAD1,
            OptionRepr::PadN(d) | OptionRepr::DagMetricContainer(d) | OptionRepr::Unknown { data: d, .. } => {
                put(header(buffer, self.kind(), len), 0, &d[..len]);
            }
            OptionRepr::RouteInformation(r) => {
                let data = header(buffer, kind::ROUTE_INFORMATION, len);
                data[0] = r.prefix_len;
                data[1] = ((r.preference & 0x03) << 3) | (r.reserved & 0xe7);
                put_u32(data, 2, r.route_lifetime);
                put(data, 6, &r.prefix[..len - 6]);
            }
            OptionRepr::DodagConfiguration(c) => c.emit(buffer),
            OptionRepr::RplTarget(t) => t.emit(buffer),
            OptionRepr::TransitInformation(t) => t.emit(buffer),
            OptionRepr::SolicitedInformation(s) => {
                let data = header(buffer, kind::SOLICITED_INFORMATION, len);
                data[0] = s.rpl_instance_id;
                data[1] = if s.version_predicate { 0x80 } else { 0 }
                    | if s.instance_id_predicate { 0x40 } else { 0 }
                    | if s.dodag_id_predicate { 0x20 } else { 0 }
                    | (s.flags & 0x1f);
                put(data, 2, &s.dodag_id.octets());
                data[18] = s.version_number;
            }
            OptionRepr::PrefixInformation(p) => p.emit(buffer),
            OptionRepr::RplTargetDescriptor(d) => {
                put_u32(header(buffer, kind::RPL_TARGET_DESCRIPTOR, len), 0, *d)
            }
        }
    }
}

/// Writes an option's type and length (`len <= 255`) at the start of
/// `buffer` and returns its `len` data bytes.
fn header(buffer: &mut [u8], kind: u8, len: usize) -> &mut [u8] {
    buffer[0] = kind;
    // `len <= 255` by `data_len`.
    buffer[1] = len as u8;
    &mut buffer[2..2 + len]
}

// The encoders of the options a node sends (DIO: DODAG Configuration and
// Prefix Information; DAO: RPL Target and Transit Information), shared by
// `OptionRepr::emit` and by callers that write one known option without
// going through `OptionRepr` (the RPL instance: see `Rpl::emit`).

impl DodagConfiguration {
    /// Bytes the option takes on the wire.
    pub const BUFFER_LEN: usize = 16;

    /// Writes the option (type, length, data) into the first
    /// [`BUFFER_LEN`](Self::BUFFER_LEN) bytes of `buffer`.
    ///
    /// # Panics
    /// If `buffer` is shorter than `BUFFER_LEN`.
    pub fn emit(&self, buffer: &mut [u8]) {
        let [r0, r1] = self.max_rank_increase.to_be_bytes();
        let [m0, m1] = self.minimum_hop_rank_increase.to_be_bytes();
        let [o0, o1] = self.objective_code_point.to_be_bytes();
        let [u0, u1] = self.lifetime_unit.to_be_bytes();
        *fixed(buffer) = [
            kind::DODAG_CONFIGURATION,
            (Self::BUFFER_LEN - 2) as u8,
            (self.flags & 0xf0)
                | if self.authentication_enabled { 0x08 } else { 0 }
                | (self.path_control_size & 0x07),
            self.dio_interval_doublings,
            self.dio_interval_min,
            self.dio_redundancy_constant,
            r0,
            r1,
            m0,
            m1,
            o0,
            o1,
            self.reserved,
            self.default_lifetime,
            u0,
            u1,
        ];
    }
}

impl PrefixInformation {
    /// Bytes the option takes on the wire.
    pub const BUFFER_LEN: usize = 32;

    /// Writes the option (type, length, data) into the first
    /// [`BUFFER_LEN`](Self::BUFFER_LEN) bytes of `buffer`.
    ///
    /// # Panics
    /// If `buffer` is shorter than `BUFFER_LEN`.
    pub fn emit(&self, buffer: &mut [u8]) {
        let [v0, v1, v2, v3] = self.valid_lifetime.to_be_bytes();
        let [p0, p1, p2, p3] = self.preferred_lifetime.to_be_bytes();
        let [r0, r1, r2, r3] = self.reserved2.to_be_bytes();
        let (head, prefix) = fixed::<{ Self::BUFFER_LEN }>(buffer).split_at_mut(16);
        let flags = if self.on_link { 0x80 } else { 0 }
            | if self.autonomous { 0x40 } else { 0 }
            | if self.router_address { 0x20 } else { 0 }
            | (self.reserved1 & 0x1f);
        *fixed(head) = [
            kind::PREFIX_INFORMATION,
            (Self::BUFFER_LEN - 2) as u8,
            self.prefix_len,
            flags,
            v0,
            v1,
            v2,
            v3,
            p0,
            p1,
            p2,
            p3,
            r0,
            r1,
            r2,
            r3,
        ];
        *fixed(prefix) = self.prefix.octets();
    }
}

impl RplTarget<'_> {
    /// Bytes the option takes on the wire (a prefix longer than the
    /// one-byte length allows is cut).
    pub fn buffer_len(&self) -> usize {
        2 + (2 + self.prefix.len()).min(MAX_DATA_LEN)
    }

    /// Writes the option (type, length, data) into the first
    /// [`buffer_len`](Self::buffer_len) bytes of `buffer`.
    ///
    /// # Panics
    /// If `buffer` is shorter than `buffer_len()`.
    pub fn emit(&self, buffer: &mut [u8]) {
        let n = self.buffer_len();
        // `n - 2 <= 255` by `buffer_len`.
        *fixed(buffer) = [kind::RPL_TARGET, (n - 2) as u8, self.flags, self.prefix_len];
        put(buffer, 4, &self.prefix[..n - 4]);
    }
}

impl TransitInformation {
    /// Bytes the option takes on the wire: 6, or 22 with a parent address.
    pub fn buffer_len(&self) -> usize {
        if self.parent_address.is_some() { 22 } else { 6 }
    }

    /// Writes the option (type, length, data) into the first
    /// [`buffer_len`](Self::buffer_len) bytes of `buffer`.
    ///
    /// # Panics
    /// If `buffer` is shorter than `buffer_len()`.
    pub fn emit(&self, buffer: &mut [u8]) {
        let b = fixed::<6>(buffer);
        *b = [
            kind::TRANSIT_INFORMATION,
            (self.buffer_len() - 2) as u8,
            if self.external { 0x80 } else { 0 } | (self.flags & 0x7f),
            self.path_control,
            self.path_sequence,
            self.path_lifetime,
        ];
        if let Some(a) = self.parent_address {
            *fixed(&mut buffer[6..]) = a.octets();
        }
    }
}

/// Iterator over the options in an option area, yielding each parsed option
/// or the error that stopped the walk (after which it yields nothing more).
#[derive(Debug, Clone)]
pub struct OptionsIter<'a> {
    inner: IterInner<'a>,
}

#[derive(Debug, Clone)]
enum IterInner<'a> {
    Bytes(&'a [u8]),
    Reprs(core::slice::Iter<'a, OptionRepr<'a>>),
}

impl<'a> OptionsIter<'a> {
    /// Iterates over the options in `bytes` (an option area, e.g. the tail
    /// of a DIO).
    pub fn new(bytes: &'a [u8]) -> Self {
        OptionsIter { inner: IterInner::Bytes(bytes) }
    }
}

impl<'a> Iterator for OptionsIter<'a> {
    type Item = Result<OptionRepr<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            IterInner::Reprs(it) => it.next().map(|r| Ok(*r)),
            IterInner::Bytes(bytes) => {
                if bytes.is_empty() {
                    return None;
                }
                match OptionRepr::parse(bytes) {
                    Ok((repr, used)) => {
                        *bytes = bytes.get(used..).unwrap_or(&[]);
                        Some(Ok(repr))
                    }
                    Err(e) => {
                        *bytes = &[];
                        Some(Err(e))
                    }
                }
            }
        }
    }
}

/// The options of a RPL message.
///
/// A parsed message holds [`Options::Bytes`], the option area as received
/// (already validated by the message parser, so its iterator yields only
/// `Ok`); a message built to be sent may hold [`Options::Reprs`]. Both emit
/// and iterate the same way. Two values are equal when they hold the same
/// sequence of options, whichever variant each is.
#[derive(Debug, Clone, Copy)]
pub enum Options<'a> {
    /// Raw option bytes, emitted verbatim.
    Bytes(&'a [u8]),
    /// Option reprs, emitted one after the other.
    Reprs(&'a [OptionRepr<'a>]),
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options::Bytes(&[])
    }
}

impl<'a> Options<'a> {
    /// No options.
    pub const EMPTY: Options<'static> = Options::Bytes(&[]);

    /// An iterator over the options.
    pub fn iter(&self) -> OptionsIter<'a> {
        match *self {
            Options::Bytes(b) => OptionsIter::new(b),
            Options::Reprs(r) => OptionsIter { inner: IterInner::Reprs(r.iter()) },
        }
    }

    /// Checks that every option parses.
    pub fn validate(&self) -> Result<()> {
        self.iter().try_for_each(|o| o.map(|_| ()))
    }

    /// True when there are no options.
    pub fn is_empty(&self) -> bool {
        match self {
            Options::Bytes(b) => b.is_empty(),
            Options::Reprs(r) => r.is_empty(),
        }
    }

    /// Bytes the options take on the wire.
    pub fn buffer_len(&self) -> usize {
        match self {
            Options::Bytes(b) => b.len(),
            Options::Reprs(r) => r.iter().map(OptionRepr::buffer_len).sum(),
        }
    }

    /// Writes the options into the first [`buffer_len`](Self::buffer_len)
    /// bytes of `buffer`.
    ///
    /// # Panics
    /// If `buffer` is shorter than `buffer_len()`.
    pub fn emit(&self, buffer: &mut [u8]) {
        match self {
            Options::Bytes(b) => buffer[..b.len()].copy_from_slice(b),
            Options::Reprs(r) => {
                let mut at = 0;
                for o in r.iter() {
                    let n = o.buffer_len();
                    o.emit(&mut buffer[at..at + n]);
                    at += n;
                }
            }
        }
    }
}

impl PartialEq for Options<'_> {
    fn eq(&self, other: &Self) -> bool {
        if let (Options::Bytes(a), Options::Bytes(b)) = (self, other) {
            return a == b;
        }
        let (mut a, mut b) = (self.iter(), other.iter());
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) if x == y => {}
                _ => return false,
            }
        }
    }
}

impl Eq for Options<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // DODAG Configuration and Prefix Information from a Contiki DIO
    // (contiki-rpl-sim/cooja-rpl-udp.pcap, frame 39).
    static CONTIKI_DIO_OPTIONS: [u8; 48] = [
        0x04, 0x0e, 0x00, 0x08, 0x0c, 0x0a, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0x08,
        0x1e, 0x40, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xaa,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    // RPL Target + Transit Information from a Contiki DAO (frame 143).
    static CONTIKI_DAO_OPTIONS: [u8; 26] = [
        0x05, 0x12, 0x00, 0x80, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x12, 0x74, 0x02, 0x00,
        0x02, 0x02, 0x02, 0x06, 0x04, 0x00, 0x00, 0x00, 0xff,
    ];

    fn contiki_config() -> DodagConfiguration {
        DodagConfiguration {
            flags: 0,
            authentication_enabled: false,
            path_control_size: 0,
            dio_interval_doublings: 8,
            dio_interval_min: 12,
            dio_redundancy_constant: 10,
            max_rank_increase: 1792,
            minimum_hop_rank_increase: 256,
            objective_code_point: 1,
            reserved: 0,
            default_lifetime: 255,
            lifetime_unit: 65535,
        }
    }

    fn contiki_pio() -> PrefixInformation {
        PrefixInformation {
            prefix_len: 64,
            on_link: false,
            autonomous: true,
            router_address: false,
            reserved1: 0,
            valid_lifetime: 0,
            preferred_lifetime: 0,
            reserved2: 0,
            prefix: "aaaa::".parse().unwrap(),
        }
    }

    const TARGET: [u8; 16] = [0xaa, 0xaa, 0, 0, 0, 0, 0, 0, 0x02, 0x12, 0x74, 0x02, 0, 0x02, 0x02, 0x02];

    fn contiki_dao_reprs() -> [OptionRepr<'static>; 2] {
        [
            OptionRepr::RplTarget(RplTarget { flags: 0, prefix_len: 128, prefix: &TARGET }),
            OptionRepr::TransitInformation(TransitInformation {
                external: false,
                flags: 0,
                path_control: 0,
                path_sequence: 0,
                path_lifetime: 255,
                parent_address: None,
            }),
        ]
    }

    #[test]
    fn test_deconstruct_dio_options() {
        let mut it = OptionsIter::new(&CONTIKI_DIO_OPTIONS);
        assert_eq!(it.next(), Some(Ok(OptionRepr::DodagConfiguration(contiki_config()))));
        assert_eq!(it.next(), Some(Ok(OptionRepr::PrefixInformation(contiki_pio()))));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn test_construct_dio_options() {
        let reprs =
            [OptionRepr::DodagConfiguration(contiki_config()), OptionRepr::PrefixInformation(contiki_pio())];
        let opts = Options::Reprs(&reprs);
        assert_eq!(opts.buffer_len(), 48);
        let mut buf = [0xffu8; 48];
        opts.emit(&mut buf);
        assert_eq!(buf, CONTIKI_DIO_OPTIONS);
        assert_eq!(opts, Options::Bytes(&CONTIKI_DIO_OPTIONS));
    }

    #[test]
    fn test_deconstruct_dao_options() {
        let got: Vec<_> = OptionsIter::new(&CONTIKI_DAO_OPTIONS).collect();
        let want: Vec<_> = contiki_dao_reprs().into_iter().map(Ok).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn test_construct_dao_options() {
        let reprs = contiki_dao_reprs();
        let mut buf = [0u8; 26];
        Options::Reprs(&reprs).emit(&mut buf);
        assert_eq!(buf, CONTIKI_DAO_OPTIONS);
    }

    #[test]
    fn pad_options() {
        let bytes = [0x00, 0x01, 0x02, 0x00, 0x00, 0x00];
        let got: Vec<_> = OptionsIter::new(&bytes).collect();
        assert_eq!(got, [Ok(OptionRepr::Pad1), Ok(OptionRepr::PadN(&[0, 0])), Ok(OptionRepr::Pad1)]);
    }

    #[test]
    fn unknown_option_kept() {
        let bytes = [0x0d, 0x02, 0xab, 0xcd];
        let (o, n) = OptionRepr::parse(&bytes).unwrap();
        assert_eq!((o, n), (OptionRepr::Unknown { kind: 13, data: &[0xab, 0xcd] }, 4));
        let mut out = [0u8; 4];
        o.emit(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn overrun_is_truncated() {
        assert_eq!(OptionRepr::parse(&[0x04, 0x0e, 0, 0]), Err(Error::Truncated));
        assert_eq!(OptionRepr::parse(&[0x0d]), Err(Error::Truncated));
        assert_eq!(OptionRepr::parse(&[]), Err(Error::Truncated));
    }

    #[test]
    fn short_fixed_part_is_malformed() {
        // DODAG Configuration with length 13 (data present).
        let mut b = [0u8; 15];
        b[0] = 0x04;
        b[1] = 13;
        assert_eq!(OptionRepr::parse(&b), Err(Error::Malformed));
        assert_eq!(OptionRepr::parse(&[0x03, 0x05, 0, 0, 0, 0, 0]), Err(Error::Malformed));
        assert_eq!(OptionRepr::parse(&[0x05, 0x01, 0]), Err(Error::Malformed));
        assert_eq!(OptionRepr::parse(&[0x06, 0x03, 0, 0, 0]), Err(Error::Malformed));
        assert_eq!(OptionRepr::parse(&[0x09, 0x03, 0, 0, 0]), Err(Error::Malformed));
    }

    #[test]
    fn pio_prefix_len_over_128_is_malformed() {
        // CVE-2023-50926: DIO Prefix Information with prefix length 255.
        let mut b = CONTIKI_DIO_OPTIONS;
        b[18] = 0xff;
        let mut it = OptionsIter::new(&b);
        assert!(matches!(it.next(), Some(Ok(OptionRepr::DodagConfiguration(_)))));
        assert_eq!(it.next(), Some(Err(Error::Malformed)));
        assert_eq!(it.next(), None);
        b[18] = 129;
        assert_eq!(Options::Bytes(&b).validate(), Err(Error::Malformed));
        b[18] = 128;
        assert_eq!(Options::Bytes(&b).validate(), Ok(()));
    }

    #[test]
    fn target_prefix_shorter_than_prefix_len_is_malformed() {
        // Target /128 carrying only 8 prefix bytes.
        let b = [0x05, 0x0a, 0x00, 0x80, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(OptionRepr::parse(&b), Err(Error::Malformed));
        // /64 with 8 bytes is fine.
        let b = [0x05, 0x0a, 0x00, 0x40, 1, 2, 3, 4, 5, 6, 7, 8];
        assert!(OptionRepr::parse(&b).is_ok());
        // Route information /129.
        let b = [0x03, 0x16, 129, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(OptionRepr::parse(&b), Err(Error::Malformed));
    }

    #[test]
    fn every_prefix_of_options_never_panics() {
        for full in [&CONTIKI_DIO_OPTIONS[..], &CONTIKI_DAO_OPTIONS[..]] {
            for n in 0..full.len() {
                let r = Options::Bytes(&full[..n]).validate();
                // Cutting inside an option always leaves it overrunning.
                let boundaries = [0usize, 16, 48, 20, 26];
                if !boundaries.contains(&n) {
                    assert_eq!(r, Err(Error::Truncated), "prefix {n}");
                }
            }
        }
    }

    fn roundtrip(o: OptionRepr<'_>) {
        let mut buf = vec![0u8; o.buffer_len()];
        o.emit(&mut buf);
        let (p, used) = OptionRepr::parse(&buf).unwrap();
        assert_eq!(used, buf.len());
        assert_eq!(p, o);
    }

    fn addr() -> impl Strategy<Value = Ipv6Addr> {
        any::<[u8; 16]>().prop_map(Ipv6Addr::from)
    }

    fn prefix() -> impl Strategy<Value = (u8, Vec<u8>)> {
        (0u8..=128).prop_flat_map(|len| {
            let need = usize::from(len).div_ceil(8);
            (Just(len), proptest::collection::vec(any::<u8>(), need..=need + 8))
        })
    }

    proptest! {
        #[test]
        fn proptest_padn_metric_unknown(data in proptest::collection::vec(any::<u8>(), 0..=255),
                                        kind in 10u8..) {
            roundtrip(OptionRepr::PadN(&data));
            roundtrip(OptionRepr::DagMetricContainer(&data));
            roundtrip(OptionRepr::Unknown { kind, data: &data });
        }

        #[test]
        fn proptest_route_information((prefix_len, prefix) in prefix(), preference in 0u8..4,
                                      reserved in any::<u8>(), route_lifetime in any::<u32>()) {
            roundtrip(OptionRepr::RouteInformation(RouteInformation {
                prefix_len, preference, reserved: reserved & 0xe7, route_lifetime, prefix: &prefix,
            }));
        }

        #[test]
        fn proptest_dodag_configuration(b in any::<[u8; 14]>()) {
            roundtrip(OptionRepr::DodagConfiguration(DodagConfiguration {
                flags: b[0] & 0xf0,
                authentication_enabled: b[0] & 1 != 0,
                path_control_size: b[1] & 7,
                dio_interval_doublings: b[2],
                dio_interval_min: b[3],
                dio_redundancy_constant: b[4],
                max_rank_increase: u16::from_be_bytes([b[5], b[6]]),
                minimum_hop_rank_increase: u16::from_be_bytes([b[7], b[8]]),
                objective_code_point: u16::from_be_bytes([b[9], b[10]]),
                reserved: b[11],
                default_lifetime: b[12],
                lifetime_unit: u16::from_be_bytes([b[13], b[0]]),
            }));
        }

        #[test]
        fn proptest_rpl_target((prefix_len, prefix) in prefix(), flags in any::<u8>()) {
            roundtrip(OptionRepr::RplTarget(RplTarget { flags, prefix_len, prefix: &prefix }));
        }

        #[test]
        fn proptest_transit(external in any::<bool>(), flags in 0u8..0x80, b in any::<[u8; 3]>(),
                            parent in proptest::option::of(addr())) {
            roundtrip(OptionRepr::TransitInformation(TransitInformation {
                external, flags, path_control: b[0], path_sequence: b[1], path_lifetime: b[2],
                parent_address: parent,
            }));
        }

        #[test]
        fn proptest_solicited(id in any::<u8>(), v in any::<bool>(), i in any::<bool>(), d in any::<bool>(),
                              flags in 0u8..0x20, dodag_id in addr(), version in any::<u8>()) {
            roundtrip(OptionRepr::SolicitedInformation(SolicitedInformation {
                rpl_instance_id: id, version_predicate: v, instance_id_predicate: i, dodag_id_predicate: d,
                flags, dodag_id, version_number: version,
            }));
        }

        #[test]
        fn proptest_prefix_information(prefix_len in 0u8..=128, l in any::<bool>(), a in any::<bool>(),
                                       r in any::<bool>(), reserved1 in 0u8..0x20, v in any::<u32>(),
                                       p in any::<u32>(), reserved2 in any::<u32>(), prefix in addr()) {
            roundtrip(OptionRepr::PrefixInformation(PrefixInformation {
                prefix_len, on_link: l, autonomous: a, router_address: r, reserved1,
                valid_lifetime: v, preferred_lifetime: p, reserved2, prefix,
            }));
        }

        #[test]
        fn proptest_target_descriptor(d in any::<u32>()) {
            roundtrip(OptionRepr::RplTargetDescriptor(d));
            roundtrip(OptionRepr::Pad1);
        }

        #[test]
        fn proptest_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            // Whatever parses re-emits to exactly the bytes it came from.
            let mut rest = &bytes[..];
            while let Ok((o, used)) = OptionRepr::parse(rest) {
                let mut buf = vec![0u8; o.buffer_len()];
                o.emit(&mut buf);
                prop_assert_eq!(&buf[..], &rest[..used]);
                rest = &rest[used..];
            }
            let _ = OptionsIter::new(&bytes).count();
        }
    }
}
