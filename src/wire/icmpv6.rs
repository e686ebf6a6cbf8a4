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
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the echo identifier.
    pub fn set_echo_ident(&mut self, value: u16) {
        self.buffer.as_mut()[field::ECHO_IDENT].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the echo sequence number.
    pub fn set_echo_seq_no(&mut self, value: u16) {
        self.buffer.as_mut()[field::ECHO_SEQNO].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the MTU of a Packet Too Big message.
    pub fn set_pkt_too_big_mtu(&mut self, value: u32) {
        self.buffer.as_mut()[field::WORD].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the pointer of a Parameter Problem message.
    pub fn set_param_problem_ptr(&mut self, value: u32) {
        self.buffer.as_mut()[field::WORD].copy_from_slice(&value.to_be_bytes());
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
        let code = packet.msg_code();
        let msg_type = packet.msg_type();
        let payload = &data[header_len(msg_type)..];
        match msg_type {
            Message::EchoRequest | Message::EchoReply => {
                if code != 0 {
                    return Err(Error::Malformed);
                }
                let (ident, seq_no) = (packet.echo_ident(), packet.echo_seq_no());
                Ok(if msg_type == Message::EchoRequest {
                    Repr::EchoRequest { ident, seq_no, data: payload }
                } else {
                    Repr::EchoReply { ident, seq_no, data: payload }
                })
            }
            Message::DstUnreachable => {
                Ok(Repr::DstUnreachable { reason: DstUnreachable::from(code), invoking: payload })
            }
            Message::PacketTooBig => Ok(Repr::PacketTooBig { mtu: packet.pkt_too_big_mtu(), invoking: payload }),
            Message::TimeExceeded => {
                Ok(Repr::TimeExceeded { reason: TimeExceeded::from(code), invoking: payload })
            }
            Message::ParamProblem => Ok(Repr::ParamProblem {
                reason: ParamProblem::from(code),
                pointer: packet.param_problem_ptr(),
                invoking: payload,
            }),
            m if m.is_ndisc() => {
                if code != 0 {
                    return Err(Error::Malformed);
                }
                ndisc::Repr::parse(m, &data[field::BODY..]).map(Repr::Ndisc)
            }
            _ => Ok(Repr::Other { msg_type, code, data: &data[field::BODY..] }),
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
        let mut packet = Packet::new_unchecked(&mut buf[..len]);
        packet.set_msg_type(self.msg_type());
        packet.set_msg_code(self.code());
        packet.set_checksum(0);
        match self {
            Repr::EchoRequest { ident, seq_no, data } | Repr::EchoReply { ident, seq_no, data } => {
                packet.set_echo_ident(*ident);
                packet.set_echo_seq_no(*seq_no);
                packet.payload_mut().copy_from_slice(data);
            }
            Repr::DstUnreachable { invoking, .. } | Repr::TimeExceeded { invoking, .. } => {
                // RFC 4443 §3.1/§3.3: the unused word is zero on transmit.
                packet.clear_reserved();
                packet.payload_mut().copy_from_slice(invoking);
            }
            Repr::PacketTooBig { mtu, invoking } => {
                packet.set_pkt_too_big_mtu(*mtu);
                packet.payload_mut().copy_from_slice(invoking);
            }
            Repr::ParamProblem { pointer, invoking, .. } => {
                packet.set_param_problem_ptr(*pointer);
                packet.payload_mut().copy_from_slice(invoking);
            }
            Repr::Ndisc(nd) => nd.emit(packet.message_body_mut()),
            Repr::Other { data, .. } => packet.message_body_mut().copy_from_slice(data),
        }
        packet.fill_checksum(src, dst);
    }
}

