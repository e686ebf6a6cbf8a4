//! ICMPv6 messages (RFC 4443) and the dispatch to neighbour discovery.
//!
//! [`Packet`] is a zero-copy view of one ICMPv6 message (type, code,
//! checksum, message body). [`Repr`] is its validated value: echo, the four
//! error messages, neighbour discovery ([`ndisc::Repr`]) and
//! [`Repr::Other`] for every other type, RPL control messages (type 155)
//! included, whose body is kept raw for a higher layer to parse.
//!
//! Checksums are not checked by [`Repr::parse`]: call
//! [`Packet::verify_checksum`] first (or use [`Repr::parse_verified`]), since
//! only the caller knows the IPv6 source and destination.

use crate::wire::checksum::{put, put_u16, put_u32};
use core::fmt;
use core::net::Ipv6Addr;

use super::checksum;
use super::ndisc;
use super::{Error, Result};

/// The IPv6 next-header value of ICMPv6 (RFC 4443 §1).
pub const NEXT_HEADER: u8 = 58;

/// The IPv6 minimum link MTU (RFC 8200 §5).
pub const IPV6_MIN_MTU: usize = 1280;

/// The length of the fixed header of an ICMPv6 error message: type, code,
/// checksum and the 32-bit MTU / pointer / unused word (RFC 4443 §3).
pub const ERROR_HEADER_LEN: usize = 8;

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know, kept as is.
            Unknown(u8),
        }

        impl From<u8> for $name {
            fn from(value: u8) -> Self {
                match value {
                    $( $value => $name::$variant, )+
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(value: $name) -> u8 {
                match value {
                    $( $name::$variant => $value, )+
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

code_enum! {
    /// The ICMPv6 message type (IANA "ICMPv6 Type Numbers").
    pub enum Message {
        /// Destination Unreachable (RFC 4443 §3.1).
        DstUnreachable = 1,
        /// Packet Too Big (RFC 4443 §3.2).
        PacketTooBig = 2,
        /// Time Exceeded (RFC 4443 §3.3).
        TimeExceeded = 3,
        /// Parameter Problem (RFC 4443 §3.4).
        ParamProblem = 4,
        /// Echo Request (RFC 4443 §4.1).
        EchoRequest = 128,
        /// Echo Reply (RFC 4443 §4.2).
        EchoReply = 129,
        /// Multicast Listener Query (RFC 2710).
        MldQuery = 130,
        /// Multicast Listener Report (RFC 2710).
        MldReport = 131,
        /// Multicast Listener Done (RFC 2710).
        MldDone = 132,
        /// Router Solicitation (RFC 4861 §4.1).
        RouterSolicit = 133,
        /// Router Advertisement (RFC 4861 §4.2).
        RouterAdvert = 134,
        /// Neighbor Solicitation (RFC 4861 §4.3).
        NeighborSolicit = 135,
        /// Neighbor Advertisement (RFC 4861 §4.4).
        NeighborAdvert = 136,
        /// Redirect (RFC 4861 §4.5).
        Redirect = 137,
        /// Version 2 Multicast Listener Report (RFC 3810).
        MldV2Report = 143,
        /// RPL Control Message (RFC 6550 §6).
        RplControl = 155,
        /// Duplicate Address Request (RFC 6775 §4.4).
        DuplicateAddrRequest = 157,
        /// Duplicate Address Confirmation (RFC 6775 §4.4).
        DuplicateAddrConfirm = 158,
    }
}

impl Message {
    /// True for error messages (RFC 4443 §2.1: types 0..=127).
    pub fn is_error(&self) -> bool {
        u8::from(*self) < 128
    }

    /// True for the neighbour discovery messages of RFC 4861 (133..=137).
    pub fn is_ndisc(&self) -> bool {
        matches!(u8::from(*self), 133..=137)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Unknown(t) => write!(f, "unknown ({t})"),
            other => write!(f, "{other:?}"),
        }
    }
}

code_enum! {
    /// The code of a Destination Unreachable message (RFC 4443 §3.1,
    /// RFC 6554 §... code 7 / RFC 6550 §20.18).
    pub enum DstUnreachable {
        /// No route to destination.
        NoRoute = 0,
        /// Communication with destination administratively prohibited.
        AdminProhibit = 1,
        /// Beyond scope of source address.
        BeyondScope = 2,
        /// Address unreachable.
        AddrUnreachable = 3,
        /// Port unreachable.
        PortUnreachable = 4,
        /// Source address failed ingress/egress policy.
        FailedPolicy = 5,
        /// Reject route to destination.
        RejectRoute = 6,
        /// Error in Source Routing Header (RFC 6554 §6.2).
        SourceRoutingHeader = 7,
    }
}

code_enum! {
    /// The code of a Time Exceeded message (RFC 4443 §3.3).
    pub enum TimeExceeded {
        /// Hop limit exceeded in transit.
        HopLimitExceeded = 0,
        /// Fragment reassembly time exceeded.
        FragReassemblyExceeded = 1,
    }
}

code_enum! {
    /// The code of a Parameter Problem message (RFC 4443 §3.4).
    pub enum ParamProblem {
        /// Erroneous header field encountered.
        ErroneousHdrField = 0,
        /// Unrecognized Next Header type encountered.
        UnrecognizedNxtHdr = 1,
        /// Unrecognized IPv6 option encountered.
        UnrecognizedOption = 2,
        /// IPv6 first fragment has an incomplete header chain (RFC 7112 §5).
        IncompleteHeaderChain = 3,
    }
}

/// Byte ranges of the ICMPv6 header (RFC 4443 §2.1).
mod field {
    use core::ops::Range;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    /// The start of the message body.
    pub const BODY: usize = 4;

    // RFC 4443 §4.1: echo identifier and sequence number.
    pub const ECHO_IDENT: Range<usize> = 4..6;
    pub const ECHO_SEQNO: Range<usize> = 6..8;
    // RFC 4443 §3.2 / §3.4: MTU or pointer, one 32-bit word.
    pub const WORD: Range<usize> = 4..8;
}

/// A read/write view of an ICMPv6 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking its length.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer and checks its length with [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the 4-byte ICMPv6 header and the fixed
    /// part of the message its type announces (see [`header_len`]).
    ///
    /// After it succeeds no getter of this view panics.
    pub fn check_len(&self) -> Result<()> {
        let data = self.buffer.as_ref();
        if data.len() < field::BODY {
            return Err(Error::Truncated);
        }
        if data.len() < header_len(self.msg_type()) {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The message type.
    pub fn msg_type(&self) -> Message {
        Message::from(self.buffer.as_ref()[field::TYPE])
    }

    /// The raw code.
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::CHECKSUM.start], d[field::CHECKSUM.start + 1]])
    }

    /// The echo identifier (echo messages only; needs 8 bytes).
    pub fn echo_ident(&self) -> u16 {
        let d = &self.buffer.as_ref()[field::ECHO_IDENT];
        u16::from_be_bytes([d[0], d[1]])
    }

    /// The echo sequence number (echo messages only; needs 8 bytes).
    pub fn echo_seq_no(&self) -> u16 {
        let d = &self.buffer.as_ref()[field::ECHO_SEQNO];
        u16::from_be_bytes([d[0], d[1]])
    }

    /// The MTU of a Packet Too Big message (needs 8 bytes).
    pub fn pkt_too_big_mtu(&self) -> u32 {
        self.word()
    }

    /// The pointer of a Parameter Problem message (needs 8 bytes).
    pub fn param_problem_ptr(&self) -> u32 {
        self.word()
    }

    fn word(&self) -> u32 {
        let d = &self.buffer.as_ref()[field::WORD];
        u32::from_be_bytes([d[0], d[1], d[2], d[3]])
    }

    /// Everything after type, code and checksum.
    pub fn message_body(&self) -> &[u8] {
        &self.buffer.as_ref()[field::BODY..]
    }

    /// The bytes after the fixed header of this message type: echo data, the
    /// invoking packet of an error, the options of an ND message, or the
    /// whole body for other types.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[header_len(self.msg_type())..]
    }

    /// True when the checksum is valid for a message sent from `src` to `dst`
    /// (RFC 4443 §2.3, over the whole buffer).
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        checksum::verify(src, dst, NEXT_HEADER, self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, value: Message) {
        self.buffer.as_mut()[field::TYPE] = value.into();
    }

    /// Sets the raw code.
    pub fn set_msg_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        put_u16(self.buffer.as_mut(), field::CHECKSUM.start, value);
    }

    /// Sets the echo identifier.
    pub fn set_echo_ident(&mut self, value: u16) {
        put_u16(self.buffer.as_mut(), field::ECHO_IDENT.start, value);
    }

    /// Sets the echo sequence number.
    pub fn set_echo_seq_no(&mut self, value: u16) {
        put_u16(self.buffer.as_mut(), field::ECHO_SEQNO.start, value);
    }

    /// Sets the MTU of a Packet Too Big message.
    pub fn set_pkt_too_big_mtu(&mut self, value: u32) {
        put_u32(self.buffer.as_mut(), field::WORD.start, value);
    }

    /// Sets the pointer of a Parameter Problem message.
    pub fn set_param_problem_ptr(&mut self, value: u32) {
        put_u32(self.buffer.as_mut(), field::WORD.start, value);
    }

    /// Clears the unused word of Destination Unreachable / Time Exceeded.
    pub fn clear_reserved(&mut self) {
        self.buffer.as_mut()[field::WORD].fill(0);
    }

    /// The message body, mutable.
    pub fn message_body_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::BODY..]
    }

    /// The payload after the fixed header of this type, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = header_len(self.msg_type());
        &mut self.buffer.as_mut()[start..]
    }

    /// Computes and writes the checksum over the whole buffer for a message
    /// sent from `src` to `dst` (RFC 4443 §2.3).
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let c = checksum::upper_layer(src, dst, NEXT_HEADER, self.buffer.as_ref());
        self.set_checksum(c);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The length of the fixed header of a message of type `msg_type`, checksum
/// included: 8 for echo and error messages, the RFC 4861 fixed part for ND
/// messages, 4 for every other type.
pub fn header_len(msg_type: Message) -> usize {
    match msg_type {
        Message::DstUnreachable
        | Message::PacketTooBig
        | Message::TimeExceeded
        | Message::ParamProblem
        | Message::EchoRequest
        | Message::EchoReply => ERROR_HEADER_LEN,
        m if m.is_ndisc() => field::BODY + ndisc::body_header_len(m),
        _ => field::BODY,
    }
}

/// Truncates the invoking packet of an error message so that the error fits
/// in the IPv6 minimum MTU (RFC 4443 §2.4(c): "as much of invoking packet as
/// possible without the ICMPv6 packet exceeding the minimum IPv6 MTU").
///
/// `ip_header_len` is the length of the IPv6 header and any extension headers
/// that will precede the ICMPv6 message (40 for a bare IPv6 header).
pub fn truncate_invoking(invoking: &[u8], ip_header_len: usize) -> &[u8] {
    let room = IPV6_MIN_MTU.saturating_sub(ip_header_len).saturating_sub(ERROR_HEADER_LEN);
    &invoking[..invoking.len().min(room)]
}

/// A validated ICMPv6 message.
///
/// Bodies and invoking packets borrow from the parsed buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr<'a> {
    /// Echo Request (RFC 4443 §4.1).
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Echo Reply (RFC 4443 §4.2).
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Destination Unreachable (RFC 4443 §3.1).
    DstUnreachable {
        /// The code.
        reason: DstUnreachable,
        /// As much of the invoking packet as was carried, raw.
        invoking: &'a [u8],
    },
    /// Packet Too Big (RFC 4443 §3.2).
    PacketTooBig {
        /// The MTU of the next-hop link.
        mtu: u32,
        /// The invoking packet, raw.
        invoking: &'a [u8],
    },
    /// Time Exceeded (RFC 4443 §3.3).
    TimeExceeded {
        /// The code.
        reason: TimeExceeded,
        /// The invoking packet, raw.
        invoking: &'a [u8],
    },
    /// Parameter Problem (RFC 4443 §3.4).
    ParamProblem {
        /// The code.
        reason: ParamProblem,
        /// Offset of the error in the invoking packet.
        pointer: u32,
        /// The invoking packet, raw.
        invoking: &'a [u8],
    },
    /// A neighbour discovery message (RFC 4861, RFC 6775, RFC 8505).
    Ndisc(ndisc::Repr<'a>),
    /// Any other message, kept raw: RPL control messages
    /// ([`Message::RplControl`], parsed by `wire::rpl`), MLD, DAR/DAC and
    /// unknown types.
    ///
    /// Emitting an `Other` whose type is one of those above (echo, errors,
    /// ND) writes valid bytes but does not parse back as `Other`.
    Other {
        /// The message type.
        msg_type: Message,
        /// The raw code.
        code: u8,
        /// The message body after the checksum.
        data: &'a [u8],
    },
}

impl<'a> Repr<'a> {
    /// Parses a message whose length was checked (`Packet::new_checked`).
    ///
    /// The checksum is not verified (see [`Packet::verify_checksum`]).
    ///
    /// Errors: `Truncated` when the buffer is shorter than the message's fixed
    /// part; `Malformed` when an echo or ND message has a non-zero code (RFC
    /// 4443 §4.1, RFC 4861 §6.1: the code is 0) or ND options are invalid.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Repr<'a>> {
        packet.check_len()?;
        let data: &'a [u8] = packet.buffer.as_ref();
        // Type, code, checksum and the 32-bit word after them, read from a
        // zero-padded copy (no bounds check per field).
        let mut h = [0u8; ERROR_HEADER_LEN];
        let n = data.len().min(ERROR_HEADER_LEN);
        h[..n].copy_from_slice(&data[..n]);
        let code = h[field::CODE];
        let msg_type = Message::from(h[field::TYPE]);
        let word = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        let payload = data.get(header_len(msg_type)..).unwrap_or(&[]);
        let body = data.get(field::BODY..).unwrap_or(&[]);
        match msg_type {
            Message::EchoRequest | Message::EchoReply => {
                if code != 0 {
                    return Err(Error::Malformed);
                }
                // RFC 4443 §4.1: identifier and sequence number.
                let (ident, seq_no) = ((word >> 16) as u16, word as u16);
                Ok(if msg_type == Message::EchoRequest {
                    Repr::EchoRequest { ident, seq_no, data: payload }
                } else {
                    Repr::EchoReply { ident, seq_no, data: payload }
                })
            }
            Message::DstUnreachable => {
                Ok(Repr::DstUnreachable { reason: DstUnreachable::from(code), invoking: payload })
            }
            Message::PacketTooBig => Ok(Repr::PacketTooBig { mtu: word, invoking: payload }),
            Message::TimeExceeded => {
                Ok(Repr::TimeExceeded { reason: TimeExceeded::from(code), invoking: payload })
            }
            Message::ParamProblem => {
                Ok(Repr::ParamProblem { reason: ParamProblem::from(code), pointer: word, invoking: payload })
            }
            m if m.is_ndisc() => {
                if code != 0 {
                    return Err(Error::Malformed);
                }
                ndisc::Repr::parse(m, body).map(Repr::Ndisc)
            }
            _ => Ok(Repr::Other { msg_type, code, data: body }),
        }
    }

    /// Verifies the checksum for `src` -> `dst` (a bad one is `Malformed`),
    /// then parses.
    pub fn parse_verified<T: AsRef<[u8]> + ?Sized>(
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        packet: &Packet<&'a T>,
    ) -> Result<Repr<'a>> {
        packet.check_len()?;
        if !packet.verify_checksum(src, dst) {
            return Err(Error::Malformed);
        }
        Self::parse(packet)
    }

    /// Parses a message from bytes (no checksum verification).
    pub fn parse_bytes(data: &'a [u8]) -> Result<Repr<'a>> {
        Self::parse(&Packet::new_unchecked(data))
    }

    /// The message type.
    pub fn msg_type(&self) -> Message {
        match self {
            Repr::EchoRequest { .. } => Message::EchoRequest,
            Repr::EchoReply { .. } => Message::EchoReply,
            Repr::DstUnreachable { .. } => Message::DstUnreachable,
            Repr::PacketTooBig { .. } => Message::PacketTooBig,
            Repr::TimeExceeded { .. } => Message::TimeExceeded,
            Repr::ParamProblem { .. } => Message::ParamProblem,
            Repr::Ndisc(nd) => nd.msg_type(),
            Repr::Other { msg_type, .. } => *msg_type,
        }
    }

    /// The raw code.
    pub fn code(&self) -> u8 {
        match self {
            Repr::DstUnreachable { reason, .. } => (*reason).into(),
            Repr::TimeExceeded { reason, .. } => (*reason).into(),
            Repr::ParamProblem { reason, .. } => (*reason).into(),
            Repr::Other { code, .. } => *code,
            _ => 0,
        }
    }

    /// The length of the emitted message, checksum included.
    pub fn buffer_len(&self) -> usize {
        match self {
            Repr::EchoRequest { data, .. } | Repr::EchoReply { data, .. } => ERROR_HEADER_LEN + data.len(),
            Repr::DstUnreachable { invoking, .. }
            | Repr::PacketTooBig { invoking, .. }
            | Repr::TimeExceeded { invoking, .. }
            | Repr::ParamProblem { invoking, .. } => ERROR_HEADER_LEN + invoking.len(),
            Repr::Ndisc(nd) => field::BODY + nd.buffer_len(),
            Repr::Other { data, .. } => field::BODY + data.len(),
        }
    }

    /// Writes the message into the first [`Repr::buffer_len`] bytes of `buf`
    /// and fills the checksum for `src` -> `dst`.
    ///
    /// Panics when `buf` is shorter than `buffer_len()`.
    pub fn emit(&self, src: &Ipv6Addr, dst: &Ipv6Addr, buf: &mut [u8]) {
        let len = self.buffer_len();
        let buf = &mut buf[..len];
        // One match for type, code, the 32-bit word of echo and error
        // messages and the bytes after it.
        let echo = |ident: u16, seq_no: u16| Some(u32::from(ident) << 16 | u32::from(seq_no));
        let (msg_type, code, word, data): (Message, u8, Option<u32>, &[u8]) = match *self {
            Repr::EchoRequest { ident, seq_no, data } => (Message::EchoRequest, 0, echo(ident, seq_no), data),
            Repr::EchoReply { ident, seq_no, data } => (Message::EchoReply, 0, echo(ident, seq_no), data),
            // RFC 4443 §3.1/§3.3: the unused word is zero on transmit.
            Repr::DstUnreachable { reason, invoking } => {
                (Message::DstUnreachable, reason.into(), Some(0), invoking)
            }
            Repr::PacketTooBig { mtu, invoking } => (Message::PacketTooBig, 0, Some(mtu), invoking),
            Repr::TimeExceeded { reason, invoking } => {
                (Message::TimeExceeded, reason.into(), Some(0), invoking)
            }
            Repr::ParamProblem { reason, pointer, invoking } => {
                (Message::ParamProblem, reason.into(), Some(pointer), invoking)
            }
            Repr::Ndisc(ref nd) => (nd.msg_type(), 0, None, &[]),
            Repr::Other { msg_type, code, data } => (msg_type, code, None, data),
        };
        // Type, code, checksum zero for now.
        put(buf, field::TYPE, &[msg_type.into(), code, 0, 0]);
        let mut at = field::BODY;
        if let Some(w) = word {
            put_u32(buf, field::WORD.start, w);
            at = ERROR_HEADER_LEN;
        }
        match self {
            Repr::Ndisc(nd) => nd.emit(&mut buf[field::BODY..]),
            _ => put(buf, at, data),
        }
        Packet::new_unchecked(buf).fill_checksum(src, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ieee802154::Address;
    use crate::wire::ndisc::{
        AddressRegistration, ArStatus, AuthoritativeBorderRouter, LinkLayerAddress, NdiscOption,
        NeighborFlags, Options, PrefixInfoFlags, PrefixInformation, RouterFlags, SixLowpanContext,
    };
    use proptest::prelude::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    const AA: &str = "fe80::1ac0:ffee:1ac0:ffaa";
    const BB: &str = "fe80::1ac0:ffee:1ac0:ffbb";

    // ttproto/6lowpan_nd__TD_6LOWPAN_ND_01.pcap frame 1 (decompressed by
    // tshark): NS from BB to ff02::1:ffc0:ffaa, target AA, SLLAO EUI-64.
    static NS_ND01: [u8; 40] = [
        0x87, 0x00, 0xde, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a,
        0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xaa, 0x01, 0x02, 0x18, 0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xbb,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    // Same capture, frame 2: NA from AA to BB, R/S/O set, TLLAO EUI-64.
    static NA_ND01: [u8; 40] = [
        0x88, 0x00, 0xc7, 0x9d, 0xe0, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a,
        0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xaa, 0x02, 0x02, 0x18, 0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xaa,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    // Same capture, frame 3: RS from BB to AA, no options.
    static RS_ND01: [u8; 8] = [0x85, 0x00, 0x13, 0x76, 0x00, 0x00, 0x00, 0x00];
    // Same capture, frame 4: RA from AA to BB: PIO fdaa:bb:cc:dd::/64,
    // SLLAO, ABRO (version 512.2560, lifetime 512, 6LBR AA).
    static RA_ND01: [u8; 88] = [
        0x86, 0x00, 0xa6, 0x2d, 0xff, 0x00, 0x07, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
        0x04, 0x40, 0x60, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00, 0xfd, 0xaa,
        0x00, 0xbb, 0x00, 0xcc, 0x00, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x18,
        0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x03, 0x0a, 0x00,
        0x02, 0x00, 0x02, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0xc0, 0xff, 0xee, 0x1a,
        0xc0, 0xff, 0xaa,
    ];
    // ttproto/6lowpan__openwsn_captures__echo_req_and_reply_for_6lowpan_hc_with_openmote_sniffer.pcap
    // frame 1 (decompressed by tshark): echo request fe80::7600:14ff:fe65:cc53 ->
    // fe80::212:7400:146e:f121, id 0x1a16, seq 49, 56 data bytes.
    static ECHO_REQ_OPENWSN: [u8; 64] = [
        0x80, 0x00, 0xba, 0xb7, 0x1a, 0x16, 0x00, 0x31, 0x5a, 0x47, 0xa8, 0x57, 0x00, 0x00, 0x00, 0x00, 0x0d,
        0xb7, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a,
        0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];

    // Hand-built (RFC 6775 §4.1 / RFC 8505 §4.1 layouts), written as raw
    // IPv6 with Python struct and checked with tshark 4.0 (checksums good,
    // fields as below). NS fe80::1 -> fe80::212:4b00:1:2, target
    // 2001:db8::212:4b00:1:2, SLLAO short 0x1234, ARO lifetime 10, EUI-64
    // 00:12:4b:00:00:01:00:02.
    static NS_ARO: [u8; 48] = [
        0x87, 0x00, 0x34, 0x58, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x12, 0x4b, 0x00, 0x00, 0x01, 0x00, 0x02, 0x01, 0x01, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x21, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x12, 0x4b, 0x00, 0x00, 0x01, 0x00, 0x02,
    ];
    // NA fe80::212:4b00:1:2 -> fe80::1, S set, EARO status 1, opaque 7,
    // I=2, R, T, TID 0x2a, lifetime 0, 128-bit ROVR a0..af.
    static NA_EARO: [u8; 48] = [
        0x88, 0x00, 0x08, 0x35, 0x40, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x12, 0x4b, 0x00, 0x00, 0x01, 0x00, 0x02, 0x21, 0x03, 0x01, 0x07, 0x0b, 0x2a, 0x00, 0x00, 0xa0, 0xa1,
        0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    ];
    // RA fe80::212:4b00:1:2 -> ff02::1, hop limit 64, M, 6CO 2001:db8:1::/64
    // C CID 1 lifetime 3600, MTU 1280.
    static RA_6CO: [u8; 40] = [
        0x86, 0x00, 0x46, 0xa4, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x22,
        0x02, 0x40, 0x11, 0x00, 0x00, 0x0e, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x05, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
    ];

    fn roundtrip(bytes: &[u8], src: &Ipv6Addr, dst: &Ipv6Addr) -> Repr<'static> {
        let owned: &'static [u8] = Vec::leak(bytes.to_vec());
        let packet = Packet::new_checked(owned).unwrap();
        assert!(packet.verify_checksum(src, dst));
        let repr = Repr::parse_verified(src, dst, &packet).unwrap();
        assert_eq!(repr.buffer_len(), bytes.len());
        let mut buf = vec![0xa5; repr.buffer_len()];
        repr.emit(src, dst, &mut buf);
        assert_eq!(buf, bytes);
        repr
    }

    #[test]
    fn test_deconstruct_ns_nd01() {
        let repr = roundtrip(&NS_ND01, &ip(BB), &ip("ff02::1:ffc0:ffaa"));
        let Repr::Ndisc(ndisc::Repr::NeighborSolicit { target_addr, options }) = repr else {
            panic!("{repr:?}")
        };
        assert_eq!(target_addr, ip(AA));
        let opts: Vec<_> = options.iter().collect();
        assert_eq!(
            opts,
            [Ok(NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(Address::Extended([
                0x18, 0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xbb
            ]))))]
        );
    }

    #[test]
    fn test_deconstruct_na_nd01() {
        let repr = roundtrip(&NA_ND01, &ip(AA), &ip(BB));
        let Repr::Ndisc(ndisc::Repr::NeighborAdvert { flags, target_addr, options }) = repr else {
            panic!("{repr:?}")
        };
        assert!(flags.router() && flags.solicited() && flags.override_());
        assert_eq!(target_addr, ip(AA));
        assert_eq!(
            options.target_lladdr(),
            Some(LinkLayerAddress::Ieee802154(Address::Extended([
                0x18, 0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xaa
            ])))
        );
    }

    #[test]
    fn test_deconstruct_rs_nd01() {
        let repr = roundtrip(&RS_ND01, &ip(BB), &ip(AA));
        assert_eq!(repr, Repr::Ndisc(ndisc::Repr::RouterSolicit { options: Options::EMPTY }));
    }

    #[test]
    fn test_deconstruct_ra_nd01() {
        let repr = roundtrip(&RA_ND01, &ip(AA), &ip(BB));
        let sllao = NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Ieee802154(Address::Extended([
            0x18, 0xc0, 0xff, 0xee, 0x1a, 0xc0, 0xff, 0xaa,
        ])));
        let opts = [
            NdiscOption::PrefixInformation(PrefixInformation {
                prefix_len: 64,
                flags: PrefixInfoFlags(0x60),
                valid_lifetime: 86400,
                preferred_lifetime: 14400,
                prefix: ip("fdaa:bb:cc:dd::"),
            }),
            sllao,
            NdiscOption::AuthoritativeBorderRouter(AuthoritativeBorderRouter {
                version_low: 2560,
                version_high: 512,
                valid_lifetime: 512,
                address: ip(AA),
            }),
        ];
        let expected = Repr::Ndisc(ndisc::Repr::RouterAdvert {
            hop_limit: 255,
            flags: RouterFlags(0),
            router_lifetime: 1800,
            reachable_time: 0,
            retrans_time: 0,
            options: Options::List(&opts),
        });
        assert_eq!(repr, expected);
        // Built from the list, it emits the captured bytes.
        let mut buf = [0u8; 88];
        expected.emit(&ip(AA), &ip(BB), &mut buf);
        assert_eq!(buf, RA_ND01);
        let NdiscOption::AuthoritativeBorderRouter(abro) = opts[2] else { unreachable!() };
        assert_eq!(abro.version(), 0x0200_0a00);
        assert!(!PrefixInfoFlags(0x60).on_link() && PrefixInfoFlags(0x60).autonomous());
    }

    #[test]
    fn test_deconstruct_ns_aro() {
        let repr = roundtrip(&NS_ARO, &ip("fe80::1"), &ip("fe80::212:4b00:1:2"));
        let Repr::Ndisc(nd) = repr else { panic!() };
        let opts = nd.options();
        assert_eq!(opts.source_lladdr(), Some(LinkLayerAddress::Ieee802154(Address::Short([0x12, 0x34]))));
        let aro = opts.address_registration().unwrap();
        assert_eq!(aro.status, ArStatus::Success);
        assert_eq!((aro.opaque, aro.i, aro.r, aro.t, aro.tid, aro.lifetime), (0, 0, false, false, 0, 10));
        assert_eq!(aro.eui64(), Some([0x00, 0x12, 0x4b, 0x00, 0x00, 0x01, 0x00, 0x02]));
    }

    #[test]
    fn test_construct_na_earo() {
        let rovr: Vec<u8> = (0xa0..0xb0).collect();
        let opts = [NdiscOption::AddressRegistration(AddressRegistration {
            status: ArStatus::Duplicate,
            opaque: 7,
            i: 2,
            r: true,
            t: true,
            tid: 0x2a,
            lifetime: 0,
            rovr: &rovr,
        })];
        let repr = Repr::Ndisc(ndisc::Repr::NeighborAdvert {
            flags: NeighborFlags(NeighborFlags::SOLICITED),
            target_addr: ip("2001:db8::212:4b00:1:2"),
            options: Options::List(&opts),
        });
        let (src, dst) = (ip("fe80::212:4b00:1:2"), ip("fe80::1"));
        let mut buf = [0u8; 48];
        assert_eq!(repr.buffer_len(), 48);
        repr.emit(&src, &dst, &mut buf);
        assert_eq!(buf, NA_EARO);
        assert_eq!(roundtrip(&NA_EARO, &src, &dst), repr);
    }

    #[test]
    fn test_deconstruct_ra_6co() {
        let repr = roundtrip(&RA_6CO, &ip("fe80::212:4b00:1:2"), &ip("ff02::1"));
        let Repr::Ndisc(ndisc::Repr::RouterAdvert { hop_limit, flags, options, .. }) = repr else { panic!() };
        assert_eq!(hop_limit, 64);
        assert!(flags.managed() && !flags.other());
        let opts: Vec<_> = options.iter().map(|o| o.unwrap()).collect();
        assert_eq!(
            opts,
            [
                NdiscOption::SixLowpanContext(SixLowpanContext {
                    context_len: 64,
                    compression: true,
                    cid: 1,
                    valid_lifetime: 3600,
                    prefix: ip("2001:db8:1::"),
                }),
                NdiscOption::Mtu(1280),
            ]
        );
    }

    #[test]
    fn test_deconstruct_echo_request() {
        let repr =
            roundtrip(&ECHO_REQ_OPENWSN, &ip("fe80::7600:14ff:fe65:cc53"), &ip("fe80::212:7400:146e:f121"));
        assert_eq!(repr, Repr::EchoRequest { ident: 0x1a16, seq_no: 49, data: &ECHO_REQ_OPENWSN[8..] });
        assert_eq!(ECHO_REQ_OPENWSN[8..].len(), 56);
    }

    #[test]
    fn test_construct_errors() {
        let (src, dst) = (ip("2001:db8::1"), ip("2001:db8::2"));
        let invoking = [0x60, 0, 0, 0, 0, 0, 17, 64];
        let cases: [(Repr, [u8; 8]); 4] = [
            (
                Repr::DstUnreachable { reason: DstUnreachable::PortUnreachable, invoking: &invoking },
                [1, 4, 0, 0, 0, 0, 0, 0],
            ),
            (Repr::PacketTooBig { mtu: 1280, invoking: &invoking }, [2, 0, 0, 0, 0, 0, 5, 0]),
            (
                Repr::TimeExceeded { reason: TimeExceeded::HopLimitExceeded, invoking: &invoking },
                [3, 0, 0, 0, 0, 0, 0, 0],
            ),
            (
                Repr::ParamProblem {
                    reason: ParamProblem::UnrecognizedNxtHdr,
                    pointer: 6,
                    invoking: &invoking,
                },
                [4, 1, 0, 0, 0, 0, 0, 6],
            ),
        ];
        for (repr, head) in cases {
            let mut buf = [0u8; 16];
            repr.emit(&src, &dst, &mut buf);
            assert_eq!(buf[..2], head[..2]);
            assert_eq!(buf[4..8], head[4..8]);
            assert_eq!(buf[8..], invoking);
            let packet = Packet::new_checked(&buf[..]).unwrap();
            assert!(packet.verify_checksum(&src, &dst));
            assert_eq!(Repr::parse_verified(&src, &dst, &packet), Ok(repr));
            assert!(packet.msg_type().is_error());
        }
    }

    #[test]
    fn rpl_control_is_other() {
        // A DIS (RFC 6550 §6.2): type 155 code 0, flags and reserved.
        let bytes = [155, 0x00, 0, 0, 0, 0];
        let repr = Repr::parse_bytes(&bytes).unwrap();
        assert_eq!(repr, Repr::Other { msg_type: Message::RplControl, code: 0, data: &[0, 0] });
        assert_eq!(Message::from(155), Message::RplControl);
        assert_eq!(u8::from(Message::Unknown(200)), 200);
        assert_eq!(Message::from(200), Message::Unknown(200));
    }

    #[test]
    fn bad_checksum_and_codes() {
        let (src, dst) = (ip(BB), ip("ff02::1:ffc0:ffaa"));
        let mut ns = NS_ND01;
        ns[30] ^= 1;
        let packet = Packet::new_checked(&ns[..]).unwrap();
        assert!(!packet.verify_checksum(&src, &dst));
        assert_eq!(Repr::parse_verified(&src, &dst, &packet), Err(Error::Malformed));
        assert!(Repr::parse(&packet).is_ok());
        // RFC 4861 §7.1.1: ND messages with a non-zero code are invalid.
        let mut ns = NS_ND01;
        ns[1] = 1;
        assert_eq!(Repr::parse_bytes(&ns), Err(Error::Malformed));
        // RFC 4861 §4.6: an option of length 0 is invalid.
        let mut ns = NS_ND01;
        ns[25] = 0;
        assert_eq!(Repr::parse_bytes(&ns), Err(Error::Malformed));
        // Overrun: the option claims 3 units.
        ns[25] = 3;
        assert_eq!(Repr::parse_bytes(&ns), Err(Error::Truncated));
    }

    #[test]
    fn header_lengths() {
        assert_eq!(Repr::parse_bytes(&[]), Err(Error::Truncated));
        assert_eq!(Repr::parse_bytes(&[128, 0, 0, 0, 0, 0, 0]), Err(Error::Truncated));
        assert_eq!(Repr::parse_bytes(&NS_ND01[..23]), Err(Error::Truncated));
        assert_eq!(
            Repr::parse_bytes(&[200, 9, 0, 0]),
            Ok(Repr::Other { msg_type: Message::Unknown(200), code: 9, data: &[] })
        );
        assert_eq!(header_len(Message::RouterAdvert), 16);
        assert_eq!(header_len(Message::Redirect), 40);
    }

    #[test]
    fn truncate_invoking_fits_min_mtu() {
        let big = [0u8; 1500];
        let t = truncate_invoking(&big, 40);
        assert_eq!(t.len(), 1232);
        let repr = Repr::DstUnreachable { reason: DstUnreachable::NoRoute, invoking: t };
        assert_eq!(40 + repr.buffer_len(), IPV6_MIN_MTU);
        assert_eq!(truncate_invoking(&big[..100], 40).len(), 100);
        assert_eq!(truncate_invoking(&big, 2000).len(), 0);
    }

    #[test]
    fn every_prefix_of_fixtures() {
        for fixture in
            [&NS_ND01[..], &NA_ND01, &RS_ND01, &RA_ND01, &ECHO_REQ_OPENWSN, &NS_ARO, &NA_EARO, &RA_6CO]
        {
            for n in 0..fixture.len() {
                let r = Repr::parse_bytes(&fixture[..n]);
                if n < 8 || fixture[0] == 134 && n < 16 || (fixture[0] == 135 || fixture[0] == 136) && n < 24
                {
                    assert_eq!(r, Err(Error::Truncated), "prefix {n} of {fixture:02x?}");
                }
                // Cutting inside an option is always an error; at an option
                // boundary it parses.
                if let Ok(repr) = r {
                    assert!(repr.buffer_len() == n);
                }
            }
        }
    }

    fn reprs() -> impl Strategy<Value = (u8, u16, u16, u32, u8, Vec<u8>)> {
        (
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..64),
        )
    }

    proptest! {
        #[test]
        fn roundtrip_non_nd(
            (kind, ident, seq_no, word, code, data) in reprs(),
            other_type in any::<u8>().prop_filter("not parsed otherwise", |t| {
                !matches!(t, 1..=4 | 128 | 129 | 133..=137)
            }),
        ) {
            let repr = match kind % 7 {
                0 => Repr::EchoRequest { ident, seq_no, data: &data },
                1 => Repr::EchoReply { ident, seq_no, data: &data },
                2 => Repr::DstUnreachable { reason: code.into(), invoking: &data },
                3 => Repr::PacketTooBig { mtu: word, invoking: &data },
                4 => Repr::TimeExceeded { reason: code.into(), invoking: &data },
                5 => Repr::ParamProblem { reason: code.into(), pointer: word, invoking: &data },
                _ => Repr::Other { msg_type: other_type.into(), code, data: &data },
            };
            let (src, dst) = (ip("fe80::1"), ip("2001:db8::2"));
            let mut buf = vec![0u8; repr.buffer_len()];
            repr.emit(&src, &dst, &mut buf);
            let packet = Packet::new_checked(&buf[..]).unwrap();
            prop_assert!(packet.verify_checksum(&src, &dst));
            prop_assert_eq!(Repr::parse(&packet), Ok(repr));
        }

        #[test]
        fn random_bytes_never_panic(
            msg_type in prop_oneof![Just(1u8), Just(2), Just(3), Just(4), Just(128), Just(129),
                133u8..=137, Just(155), any::<u8>()],
            rest in proptest::collection::vec(any::<u8>(), 0..120),
        ) {
            let mut bytes = vec![msg_type];
            bytes.extend_from_slice(&rest);
            let packet = Packet::new_unchecked(&bytes[..]);
            if let Ok(repr) = Repr::parse(&packet) {
                // Whatever parses re-emits into exactly buffer_len bytes and
                // parses again to the same value.
                let mut buf = vec![0u8; repr.buffer_len()];
                repr.emit(&Ipv6Addr::UNSPECIFIED, &Ipv6Addr::LOCALHOST, &mut buf);
                prop_assert_eq!(Repr::parse_bytes(&buf), Ok(repr));
            }
            if bytes.len() >= 2 {
                // Also as ND with code 0 so that options get exercised.
                bytes[1] = 0;
                let _ = Repr::parse_bytes(&bytes);
            }
        }
    }
}
