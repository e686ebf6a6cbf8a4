//! RPL control message bodies (RFC 6550 §6.2 to §6.5).

use super::fixed;
use crate::wire::checksum::put;
use core::net::Ipv6Addr;

use super::options::Options;
use crate::wire::{Error, Result};

/// ICMPv6 codes of RPL control messages (ICMPv6 type 155, RFC 6550 §6).
pub mod code {
    /// DODAG Information Solicitation (§6.2).
    pub const DIS: u8 = 0x00;
    /// DODAG Information Object (§6.3).
    pub const DIO: u8 = 0x01;
    /// Destination Advertisement Object (§6.4).
    pub const DAO: u8 = 0x02;
    /// Destination Advertisement Object Acknowledgement (§6.5).
    pub const DAO_ACK: u8 = 0x03;
    /// Secure DIS (§6.1).
    pub const SECURE_DIS: u8 = 0x80;
    /// Secure DIO (§6.1).
    pub const SECURE_DIO: u8 = 0x81;
    /// Secure DAO (§6.1).
    pub const SECURE_DAO: u8 = 0x82;
    /// Secure DAO-ACK (§6.1).
    pub const SECURE_DAO_ACK: u8 = 0x83;
    /// Consistency Check (§6.6).
    pub const CONSISTENCY_CHECK: u8 = 0x8a;
}

/// The ICMPv6 type of RPL control messages (RFC 6550 §6).
pub const ICMPV6_TYPE: u8 = 155;

mod field {
    use core::ops::Range;

    // DIS (RFC 6550 §6.2.1).
    pub const DIS_FLAGS: usize = 0;
    pub const DIS_RESERVED: usize = 1;
    pub const DIS_LEN: usize = 2;

    // DIO (§6.3.1).
    pub const INSTANCE_ID: usize = 0;
    pub const DIO_VERSION: usize = 1;
    pub const DIO_RANK: Range<usize> = 2..4;
    pub const DIO_G_MOP_PRF: usize = 4;
    pub const DIO_DTSN: usize = 5;
    pub const DIO_FLAGS: usize = 6;
    pub const DIO_RESERVED: usize = 7;
    pub const DIO_DODAG_ID: Range<usize> = 8..24;
    pub const DIO_LEN: usize = 24;

    // DAO (§6.4.1) and DAO-ACK (§6.5.1) share the instance and flags bytes.
    pub const DAO_FLAGS: usize = 1;
    pub const DAO_RESERVED: usize = 2;
    pub const DAO_SEQUENCE: usize = 3;
    pub const ACK_SEQUENCE: usize = 2;
    pub const ACK_STATUS: usize = 3;
    pub const DAO_DODAG_ID: Range<usize> = 4..20;
    pub const DAO_LEN: usize = 4;
}

/// RPL Mode of Operation (RFC 6550 §6.3.1, §20.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModeOfOperation {
    /// 0: no downward routes maintained.
    NoDownwardRoutes,
    /// 1: non-storing mode.
    NonStoring,
    /// 2: storing mode without multicast support.
    StoringWithoutMulticast,
    /// 3: storing mode with multicast support.
    StoringWithMulticast,
    /// 4..=7: unassigned.
    Unknown(u8),
}

impl From<u8> for ModeOfOperation {
    /// From the 3-bit field (higher bits are ignored).
    fn from(v: u8) -> Self {
        match v & 0x07 {
            0 => ModeOfOperation::NoDownwardRoutes,
            1 => ModeOfOperation::NonStoring,
            2 => ModeOfOperation::StoringWithoutMulticast,
            3 => ModeOfOperation::StoringWithMulticast,
            v => ModeOfOperation::Unknown(v),
        }
    }
}

impl From<ModeOfOperation> for u8 {
    fn from(m: ModeOfOperation) -> u8 {
        match m {
            ModeOfOperation::NoDownwardRoutes => 0,
            ModeOfOperation::NonStoring => 1,
            ModeOfOperation::StoringWithoutMulticast => 2,
            ModeOfOperation::StoringWithMulticast => 3,
            ModeOfOperation::Unknown(v) => v & 0x07,
        }
    }
}

/// A zero-copy view of a RPL control message body: the bytes after the
/// 4-byte ICMPv6 header, read according to the ICMPv6 code.
///
/// [`check_len`](Self::check_len) verifies that the base object of the
/// packet's own code (DIS, DIO, DAO, DAO-ACK, with the DODAGID when the `D`
/// flag announces it) fits. Accessors for another message type than the
/// packet's code return 0 (or `::`) where the buffer is too short rather
/// than panic. Other codes have no base object: [`options`](Self::options)
/// is then the whole body.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    code: u8,
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` as the body of a RPL message with ICMPv6 code `code`.
    pub const fn new_unchecked(code: u8, buffer: T) -> Self {
        Packet { code, buffer }
    }

    /// Wraps and checks, see [`check_len`](Self::check_len).
    pub fn new_checked(code: u8, buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(code, buffer);
        p.check_len()?;
        Ok(p)
    }

    /// [`Error::Truncated`] unless the base object fits in the buffer.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < self.base_len() { Err(Error::Truncated) } else { Ok(()) }
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The ICMPv6 code.
    pub fn code(&self) -> u8 {
        self.code
    }

    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    fn addr(&self, r: core::ops::Range<usize>) -> Ipv6Addr {
        match self.buffer.as_ref().get(r).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
            Some(a) => Ipv6Addr::from(a),
            None => Ipv6Addr::UNSPECIFIED,
        }
    }

    /// Length of the base object (before the options) that the code and,
    /// for DAO and DAO-ACK, the `D` flag call for.
    pub fn base_len(&self) -> usize {
        match self.code {
            code::DIS => field::DIS_LEN,
            code::DIO => field::DIO_LEN,
            code::DAO | code::DAO_ACK if self.buffer.as_ref().is_empty() => 1,
            code::DAO | code::DAO_ACK if self.dodag_id_present() => field::DAO_DODAG_ID.end,
            code::DAO | code::DAO_ACK => field::DAO_LEN,
            _ => 0,
        }
    }

    /// The option area after the base object.
    pub fn options(&self) -> &[u8] {
        self.buffer.as_ref().get(self.base_len()..).unwrap_or(&[])
    }

    /// DIS flags byte.
    pub fn dis_flags(&self) -> u8 {
        self.byte(field::DIS_FLAGS)
    }

    /// DIS reserved byte.
    pub fn dis_reserved(&self) -> u8 {
        self.byte(field::DIS_RESERVED)
    }

    /// RPLInstanceID (DIO, DAO, DAO-ACK).
    pub fn rpl_instance_id(&self) -> u8 {
        self.byte(field::INSTANCE_ID)
    }

    /// DIO Version Number.
    pub fn dio_version_number(&self) -> u8 {
        self.byte(field::DIO_VERSION)
    }

    /// DIO Rank.
    pub fn dio_rank(&self) -> u16 {
        u16::from_be_bytes([self.byte(field::DIO_RANK.start), self.byte(field::DIO_RANK.start + 1)])
    }

    /// DIO `G` (grounded) flag.
    pub fn dio_grounded(&self) -> bool {
        self.byte(field::DIO_G_MOP_PRF) & 0x80 != 0
    }

    /// The DIO bit after `G`, which RFC 6550 §6.3.1 says is zero.
    pub fn dio_zero_bit(&self) -> bool {
        self.byte(field::DIO_G_MOP_PRF) & 0x40 != 0
    }

    /// DIO Mode of Operation.
    pub fn dio_mode_of_operation(&self) -> ModeOfOperation {
        ModeOfOperation::from(self.byte(field::DIO_G_MOP_PRF) >> 3)
    }

    /// DIO DODAG preference (Prf, 3 bits).
    pub fn dio_dodag_preference(&self) -> u8 {
        self.byte(field::DIO_G_MOP_PRF) & 0x07
    }

    /// DIO Destination Advertisement Trigger Sequence Number.
    pub fn dio_dtsn(&self) -> u8 {
        self.byte(field::DIO_DTSN)
    }

    /// DIO flags byte.
    pub fn dio_flags(&self) -> u8 {
        self.byte(field::DIO_FLAGS)
    }

    /// DIO reserved byte.
    pub fn dio_reserved(&self) -> u8 {
        self.byte(field::DIO_RESERVED)
    }

    /// DIO DODAGID.
    pub fn dio_dodag_id(&self) -> Ipv6Addr {
        self.addr(field::DIO_DODAG_ID)
    }

    /// DAO / DAO-ACK flags byte as carried (`K` and `D` for a DAO, `D` for
    /// a DAO-ACK, then reserved bits).
    pub fn dao_flags(&self) -> u8 {
        self.byte(field::DAO_FLAGS)
    }

    /// DAO `K` flag: the sender asks for a DAO-ACK.
    pub fn dao_expect_ack(&self) -> bool {
        self.code == code::DAO && self.dao_flags() & 0x80 != 0
    }

    /// `D` flag of a DAO (bit 1) or DAO-ACK (bit 0): the DODAGID is present.
    pub fn dodag_id_present(&self) -> bool {
        match self.code {
            code::DAO => self.dao_flags() & 0x40 != 0,
            code::DAO_ACK => self.dao_flags() & 0x80 != 0,
            _ => false,
        }
    }

    /// DAO reserved byte.
    pub fn dao_reserved(&self) -> u8 {
        self.byte(field::DAO_RESERVED)
    }

    /// DAOSequence of a DAO or a DAO-ACK.
    pub fn dao_sequence(&self) -> u8 {
        match self.code {
            code::DAO_ACK => self.byte(field::ACK_SEQUENCE),
            _ => self.byte(field::DAO_SEQUENCE),
        }
    }

    /// DAO-ACK Status.
    pub fn dao_ack_status(&self) -> u8 {
        self.byte(field::ACK_STATUS)
    }

    /// DODAGID of a DAO or DAO-ACK, when the `D` flag is set.
    pub fn dao_dodag_id(&self) -> Option<Ipv6Addr> {
        if self.dodag_id_present() { Some(self.addr(field::DAO_DODAG_ID)) } else { None }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_byte(&mut self, i: usize, v: u8) {
        if let Some(b) = self.buffer.as_mut().get_mut(i) {
            *b = v;
        }
    }

    /// Sets the DIO Rank.
    pub fn set_dio_rank(&mut self, rank: u16) {
        let [a, b] = rank.to_be_bytes();
        self.set_byte(field::DIO_RANK.start, a);
        self.set_byte(field::DIO_RANK.start + 1, b);
    }

    /// Sets the DIO Version Number.
    pub fn set_dio_version_number(&mut self, v: u8) {
        self.set_byte(field::DIO_VERSION, v);
    }

    /// Sets the DIO DTSN.
    pub fn set_dio_dtsn(&mut self, v: u8) {
        self.set_byte(field::DIO_DTSN, v);
    }
}

/// DODAG Information Solicitation (RFC 6550 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dis<'a> {
    /// Flags byte (zero on send).
    pub flags: u8,
    /// Reserved byte (zero on send).
    pub reserved: u8,
    /// Options (Solicited Information, padding).
    pub options: Options<'a>,
}

/// DODAG Information Object (RFC 6550 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dio<'a> {
    /// RPLInstanceID.
    pub rpl_instance_id: u8,
    /// DODAG Version Number.
    pub version_number: u8,
    /// The sender's Rank.
    pub rank: u16,
    /// `G`: the DODAG is grounded.
    pub grounded: bool,
    /// The bit after `G`, zero on send (§6.3.1), kept for round trips.
    pub zero_bit: bool,
    /// Mode of Operation.
    pub mode_of_operation: ModeOfOperation,
    /// DODAG preference (Prf, 3 bits; 7 is most preferred).
    pub dodag_preference: u8,
    /// Destination Advertisement Trigger Sequence Number.
    pub dtsn: u8,
    /// Flags byte (zero on send).
    pub flags: u8,
    /// Reserved byte (zero on send).
    pub reserved: u8,
    /// DODAGID.
    pub dodag_id: Ipv6Addr,
    /// Options (DODAG Configuration, Prefix Information, metrics, ...).
    pub options: Options<'a>,
}

/// Destination Advertisement Object (RFC 6550 §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dao<'a> {
    /// RPLInstanceID.
    pub rpl_instance_id: u8,
    /// `K`: the sender expects a DAO-ACK.
    pub expect_ack: bool,
    /// The six flag bits after `K` and `D`, in place (mask `0x3f`).
    pub flags: u8,
    /// Reserved byte (zero on send).
    pub reserved: u8,
    /// DAOSequence.
    pub sequence: u8,
    /// DODAGID; `Some` sets the `D` flag.
    pub dodag_id: Option<Ipv6Addr>,
    /// Options (RPL Target, Transit Information, ...).
    pub options: Options<'a>,
}

/// Destination Advertisement Object Acknowledgement (RFC 6550 §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaoAck<'a> {
    /// RPLInstanceID.
    pub rpl_instance_id: u8,
    /// The seven reserved bits after `D`, in place (mask `0x7f`).
    pub flags: u8,
    /// DAOSequence echoed from the DAO.
    pub sequence: u8,
    /// Status: 0 is unqualified acceptance, 128 and above are rejections.
    pub status: u8,
    /// DODAGID; `Some` sets the `D` flag.
    pub dodag_id: Option<Ipv6Addr>,
    /// Options (none are defined by RFC 6550).
    pub options: Options<'a>,
}

/// A RPL control message body.
///
/// Secure messages (codes 0x80 to 0x83), the Consistency Check (0x8A) and
/// unassigned codes are kept raw in [`Repr::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr<'a> {
    /// DIS (code 0x00).
    Dis(Dis<'a>),
    /// DIO (code 0x01).
    Dio(Dio<'a>),
    /// DAO (code 0x02).
    Dao(Dao<'a>),
    /// DAO-ACK (code 0x03).
    DaoAck(DaoAck<'a>),
    /// Any other code, with the body as received.
    Unknown {
        /// The ICMPv6 code.
        code: u8,
        /// The message body.
        body: &'a [u8],
    },
}

/// The first `N` bytes of `body` and the rest, or [`Error::Truncated`].
fn split<const N: usize>(body: &[u8]) -> Result<(&[u8; N], &[u8])> {
    body.split_first_chunk().ok_or(Error::Truncated)
}

/// The DODAGID at the start of `rest` when the `D` flag says it is there,
/// and the bytes after it.
fn dodag_id_if(present: bool, rest: &[u8]) -> Result<(Option<Ipv6Addr>, &[u8])> {
    if !present {
        return Ok((None, rest));
    }
    let (id, rest) = split::<16>(rest)?;
    Ok((Some(Ipv6Addr::from(*id)), rest))
}

// Each message type parses on its own, so that a receiver can dispatch on
// the ICMPv6 code first and never build a `Repr` (the RPL instance does):
// the base object is read as fixed-size arrays (one length check each, none
// per field; the layout is `field`'s, as for `Packet`), then every option
// is validated (RFC 6550 §6.7.1 and Contiki-NG's dio_input(): a message
// with a malformed option is dropped as a whole).

impl<'a> Dis<'a> {
    /// Parses a DIS body (code 0x00), options validated.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let (&[flags, reserved], options) = split::<{ field::DIS_LEN }>(body)?;
        let options = Options::Bytes(options);
        options.validate()?;
        Ok(Dis { flags, reserved, options })
    }
}

impl<'a> Dio<'a> {
    /// Parses a DIO body (code 0x01), options validated.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let (fixed, rest) = split::<{ field::DIO_DODAG_ID.start }>(body)?;
        let (dodag_id, options) = split::<16>(rest)?;
        let options = Options::Bytes(options);
        options.validate()?;
        let g_mop_prf = fixed[field::DIO_G_MOP_PRF];
        Ok(Dio {
            rpl_instance_id: fixed[field::INSTANCE_ID],
            version_number: fixed[field::DIO_VERSION],
            rank: u16::from_be_bytes([fixed[field::DIO_RANK.start], fixed[field::DIO_RANK.start + 1]]),
            grounded: g_mop_prf & 0x80 != 0,
            zero_bit: g_mop_prf & 0x40 != 0,
            mode_of_operation: ModeOfOperation::from(g_mop_prf >> 3),
            dodag_preference: g_mop_prf & 0x07,
            dtsn: fixed[field::DIO_DTSN],
            flags: fixed[field::DIO_FLAGS],
            reserved: fixed[field::DIO_RESERVED],
            dodag_id: Ipv6Addr::from(*dodag_id),
            options,
        })
    }
}

impl<'a> Dao<'a> {
    /// Parses a DAO body (code 0x02), options validated.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        // Instance, K | D | flags, reserved, sequence.
        let (&[rpl_instance_id, flags, reserved, sequence], rest) = split::<{ field::DAO_LEN }>(body)?;
        let (dodag_id, options) = dodag_id_if(flags & 0x40 != 0, rest)?;
        let options = Options::Bytes(options);
        options.validate()?;
        Ok(Dao {
            rpl_instance_id,
            expect_ack: flags & 0x80 != 0,
            flags: flags & 0x3f,
            reserved,
            sequence,
            dodag_id,
            options,
        })
    }
}

impl<'a> DaoAck<'a> {
    /// Parses a DAO-ACK body (code 0x03), options validated.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        // Instance, D | reserved, sequence, status.
        let (&[rpl_instance_id, flags, sequence, status], rest) = split::<{ field::DAO_LEN }>(body)?;
        let (dodag_id, options) = dodag_id_if(flags & 0x80 != 0, rest)?;
        let options = Options::Bytes(options);
        options.validate()?;
        Ok(DaoAck { rpl_instance_id, flags: flags & 0x7f, sequence, status, dodag_id, options })
    }
}

impl<'a> Repr<'a> {
    /// Parses a RPL message body (the bytes after the ICMPv6 type, code and
    /// checksum) of ICMPv6 code `code`.
    ///
    /// For DIS, DIO, DAO and DAO-ACK every option is parsed once and the
    /// first error is returned, so the options of a parsed `Repr` iterate
    /// without errors.
    pub fn parse(code: u8, body: &'a [u8]) -> Result<Repr<'a>> {
        match code {
            code::DIS => Dis::parse(body).map(Repr::Dis),
            code::DIO => Dio::parse(body).map(Repr::Dio),
            code::DAO => Dao::parse(body).map(Repr::Dao),
            code::DAO_ACK => DaoAck::parse(body).map(Repr::DaoAck),
            _ => Ok(Repr::Unknown { code, body }),
        }
    }

    /// The ICMPv6 code of this message.
    pub fn code(&self) -> u8 {
        match self {
            Repr::Dis(_) => code::DIS,
            Repr::Dio(_) => code::DIO,
            Repr::Dao(_) => code::DAO,
            Repr::DaoAck(_) => code::DAO_ACK,
            Repr::Unknown { code, .. } => *code,
        }
    }

    /// The options, if the message type has any (`None` for `Unknown`).
    pub fn options(&self) -> Option<Options<'a>> {
        match self {
            Repr::Dis(m) => Some(m.options),
            Repr::Dio(m) => Some(m.options),
            Repr::Dao(m) => Some(m.options),
            Repr::DaoAck(m) => Some(m.options),
            Repr::Unknown { .. } => None,
        }
    }

    /// Length of the base object (the message body before the options).
    pub fn base_len(&self) -> usize {
        match self {
            Repr::Dis(_) => field::DIS_LEN,
            Repr::Dio(_) => field::DIO_LEN,
            Repr::Dao(Dao { dodag_id, .. }) | Repr::DaoAck(DaoAck { dodag_id, .. }) => {
                if dodag_id.is_some() {
                    field::DAO_DODAG_ID.end
                } else {
                    field::DAO_LEN
                }
            }
            Repr::Unknown { body, .. } => body.len(),
        }
    }

    /// Length of the message body (base object and options).
    pub fn buffer_len(&self) -> usize {
        self.base_len() + self.options().map_or(0, |o| o.buffer_len())
    }

    /// Writes the message body into the first [`buffer_len`](Self::buffer_len)
    /// bytes of `body`. The ICMPv6 header (type 155, [`code`](Self::code),
    /// checksum) is the caller's.
    ///
    /// # Panics
    /// If `body` is shorter than `buffer_len()`.
    pub fn emit(&self, body: &mut [u8]) {
        let base = self.emit_base(body);
        if let Some(o) = self.options() {
            let end = base + o.buffer_len();
            o.emit(&mut body[base..end]);
        }
    }

    /// Writes the base object alone (everything before the options) into
    /// `body` and returns its length; the caller writes the options after
    /// it (e.g. with each option's own encoder).
    ///
    /// # Panics
    /// If `body` is shorter than the base object.
    pub fn emit_base(&self, body: &mut [u8]) -> usize {
        // The fixed fields, then the DODAGID when there is one.
        let (dodag_id, at) = match self {
            Repr::Dis(m) => {
                *fixed(body) = [m.flags, m.reserved];
                (None, 0)
            }
            Repr::Dio(m) => {
                let [r0, r1] = m.rank.to_be_bytes();
                // RFC 6550 §6.3.1: G | 0 | MOP (3 bits) | Prf (3 bits).
                let g_mop_prf = if m.grounded { 0x80 } else { 0 }
                    | if m.zero_bit { 0x40 } else { 0 }
                    | (u8::from(m.mode_of_operation) << 3)
                    | (m.dodag_preference & 0x07);
                *fixed(body) =
                    [m.rpl_instance_id, m.version_number, r0, r1, g_mop_prf, m.dtsn, m.flags, m.reserved];
                (Some(m.dodag_id), field::DIO_DODAG_ID.start)
            }
            Repr::Dao(m) => {
                // RFC 6550 §6.4.1: K | D | Flags (6 bits).
                let flags = if m.expect_ack { 0x80 } else { 0 }
                    | if m.dodag_id.is_some() { 0x40 } else { 0 }
                    | (m.flags & 0x3f);
                *fixed(body) = [m.rpl_instance_id, flags, m.reserved, m.sequence];
                (m.dodag_id, field::DAO_DODAG_ID.start)
            }
            Repr::DaoAck(m) => {
                // RFC 6550 §6.5.1: D | Reserved (7 bits).
                let flags = if m.dodag_id.is_some() { 0x80 } else { 0 } | (m.flags & 0x7f);
                *fixed(body) = [m.rpl_instance_id, flags, m.sequence, m.status];
                (m.dodag_id, field::DAO_DODAG_ID.start)
            }
            Repr::Unknown { body: raw, .. } => {
                put(body, 0, raw);
                (None, 0)
            }
        };
        if let Some(id) = dodag_id {
            *fixed(&mut body[at..]) = id.octets();
        }
        self.base_len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::options::{OptionRepr, RplTarget, TransitInformation};
    use super::*;
    use proptest::prelude::*;

    // DIO body from contiki-rpl-sim/cooja-rpl-udp.pcap frame 39 (after the
    // ICMPv6 header 9b 01 90 fb): instance 30, version 240, rank 256, MOP 2,
    // DTSN 240, DODAGID aaaa::212:7401:1:101, DODAG Configuration + PIO.
    static DIO: [u8; 72] = [
        0x1e, 0xf0, 0x01, 0x00, 0x10, 0xf0, 0x00, 0x00, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x12, 0x74, 0x01, 0x00, 0x01, 0x01, 0x01, 0x04, 0x0e, 0x00, 0x08, 0x0c, 0x0a, 0x07, 0x00, 0x01, 0x00,
        0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0x08, 0x1e, 0x40, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];

    // DAO body from the same capture, frame 143: instance 30, D=1, sequence
    // 241, RPL Target aaaa::212:7402:2:202/128 and Transit Information.
    static DAO: [u8; 46] = [
        0x1e, 0x40, 0x00, 0xf1, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x12, 0x74, 0x01, 0x00,
        0x01, 0x01, 0x01, 0x05, 0x12, 0x00, 0x80, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x12,
        0x74, 0x02, 0x00, 0x02, 0x02, 0x02, 0x06, 0x04, 0x00, 0x00, 0x00, 0xff,
    ];

    // DAO-ACK body from tcpdump's rpl-26-senddaoack.pcap: instance 43, D=1,
    // sequence 11, status 0, DODAGID "thisismydicedag2".
    static DAO_ACK: [u8; 20] = *b"\x2b\x80\x0b\x00thisismydicedag2";

    // DIS body (frames 1-38 of the Contiki capture): flags 0, reserved 0.
    static DIS: [u8; 2] = [0, 0];

    fn dodag_id() -> Ipv6Addr {
        "aaaa::212:7401:1:101".parse().unwrap()
    }

    #[test]
    fn test_deconstruct_dio() {
        let Repr::Dio(dio) = Repr::parse(code::DIO, &DIO).unwrap() else { panic!("not a DIO") };
        assert_eq!(dio.rpl_instance_id, 30);
        assert_eq!(dio.version_number, 240);
        assert_eq!(dio.rank, 256);
        assert!(!dio.grounded);
        assert!(!dio.zero_bit);
        assert_eq!(dio.mode_of_operation, ModeOfOperation::StoringWithoutMulticast);
        assert_eq!(dio.dodag_preference, 0);
        assert_eq!(dio.dtsn, 240);
        assert_eq!((dio.flags, dio.reserved), (0, 0));
        assert_eq!(dio.dodag_id, dodag_id());
        assert_eq!(dio.options, Options::Bytes(&DIO[24..]));
        let kinds: Vec<u8> = dio.options.iter().map(|o| o.unwrap().kind()).collect();
        assert_eq!(kinds, [4, 8]);
        let p = Packet::new_checked(code::DIO, &DIO[..]).unwrap();
        assert_eq!(p.dio_rank(), 256);
        assert_eq!(p.options().len(), 48);
    }

    #[test]
    fn packet_setters() {
        let mut buf = DIO;
        let mut p = Packet::new_checked(code::DIO, &mut buf[..]).unwrap();
        p.set_dio_rank(0x1234);
        p.set_dio_version_number(7);
        p.set_dio_dtsn(9);
        assert_eq!((p.dio_rank(), p.dio_version_number(), p.dio_dtsn()), (0x1234, 7, 9));
        assert_eq!(&buf[..6], [0x1e, 7, 0x12, 0x34, 0x10, 9]);
        assert_eq!(&buf[6..], &DIO[6..]);
        // Accessors of another message type never panic on a short buffer.
        let p = Packet::new_checked(code::DIS, &DIS[..]).unwrap();
        assert_eq!((p.dio_rank(), p.dio_dodag_id(), p.dao_dodag_id()), (0, Ipv6Addr::UNSPECIFIED, None));
    }

    #[test]
    fn test_construct_dio() {
        let repr = Repr::parse(code::DIO, &DIO).unwrap();
        assert_eq!(repr.buffer_len(), 72);
        let mut buf = [0xa5u8; 72];
        repr.emit(&mut buf);
        assert_eq!(buf, DIO);
    }

    #[test]
    fn test_construct_dao_from_reprs() {
        const TARGET: [u8; 16] = [0xaa, 0xaa, 0, 0, 0, 0, 0, 0, 0x02, 0x12, 0x74, 0x02, 0, 0x02, 0x02, 0x02];
        let opts = [
            OptionRepr::RplTarget(RplTarget { flags: 0, prefix_len: 128, prefix: &TARGET }),
            OptionRepr::TransitInformation(TransitInformation {
                external: false,
                flags: 0,
                path_control: 0,
                path_sequence: 0,
                path_lifetime: 255,
                parent_address: None,
            }),
        ];
        let repr = Repr::Dao(Dao {
            rpl_instance_id: 30,
            expect_ack: false,
            flags: 0,
            reserved: 0,
            sequence: 241,
            dodag_id: Some(dodag_id()),
            options: Options::Reprs(&opts),
        });
        assert_eq!(repr.buffer_len(), DAO.len());
        let mut buf = [0u8; 46];
        repr.emit(&mut buf);
        assert_eq!(buf, DAO);
        assert_eq!(Repr::parse(code::DAO, &DAO), Ok(repr));
    }

    #[test]
    fn test_deconstruct_dao_ack() {
        let repr = Repr::parse(code::DAO_ACK, &DAO_ACK).unwrap();
        let want = DaoAck {
            rpl_instance_id: 43,
            flags: 0,
            sequence: 11,
            status: 0,
            dodag_id: Some(Ipv6Addr::from(*b"thisismydicedag2")),
            options: Options::EMPTY,
        };
        assert_eq!(repr, Repr::DaoAck(want));
        let mut buf = [0u8; 20];
        repr.emit(&mut buf);
        assert_eq!(buf, DAO_ACK);
    }

    #[test]
    fn test_dis() {
        assert_eq!(Repr::parse(code::DIS, &DIS), Ok(Repr::Dis(Dis::default())));
        assert_eq!(Repr::parse(code::DIS, &[0]), Err(Error::Truncated));
    }

    #[test]
    fn reserved_bits_round_trip() {
        let mut dio = DIO;
        dio[4] |= 0x40; // the zero bit after G
        dio[6] = 0x5a; // flags
        dio[7] = 0xa5; // reserved
        let repr = Repr::parse(code::DIO, &dio).unwrap();
        let mut buf = [0u8; 72];
        repr.emit(&mut buf);
        assert_eq!(buf, dio);

        let dao = [0x01, 0xbf, 0x77, 0x05];
        let Repr::Dao(d) = Repr::parse(code::DAO, &dao).unwrap() else { panic!() };
        assert!(d.expect_ack);
        assert_eq!((d.flags, d.reserved, d.dodag_id), (0x3f, 0x77, None));
        let mut buf = [0u8; 4];
        Repr::Dao(d).emit(&mut buf);
        assert_eq!(buf, dao);
    }

    #[test]
    fn unknown_codes_kept_raw() {
        for c in
            [code::SECURE_DIS, code::SECURE_DIO, code::SECURE_DAO, code::SECURE_DAO_ACK, 0x8a, 0x04, 0xff]
        {
            let body = [1u8, 2, 3];
            let r = Repr::parse(c, &body).unwrap();
            assert_eq!(r, Repr::Unknown { code: c, body: &body });
            assert_eq!((r.code(), r.buffer_len()), (c, 3));
        }
    }

    #[test]
    fn dao_with_d_flag_needs_dodag_id() {
        assert_eq!(Repr::parse(code::DAO, &DAO[..19]), Err(Error::Truncated));
        assert_eq!(Repr::parse(code::DAO_ACK, &DAO_ACK[..19]), Err(Error::Truncated));
        assert_eq!(Repr::parse(code::DAO, &[]), Err(Error::Truncated));
    }

    #[test]
    fn dio_with_bad_pio_is_malformed() {
        // CVE-2023-50926: DIO with a PIO prefix length of 255.
        let mut dio = DIO;
        dio[42] = 0xff;
        assert_eq!(Repr::parse(code::DIO, &dio), Err(Error::Malformed));
    }

    #[test]
    fn every_prefix_never_panics() {
        for (c, full) in [(code::DIO, &DIO[..]), (code::DAO, &DAO[..]), (code::DAO_ACK, &DAO_ACK[..])] {
            for n in 0..full.len() {
                let r = Repr::parse(c, &full[..n]);
                // Every strict prefix cuts the base object or an option.
                let ok_ends: &[usize] = match c {
                    code::DIO => &[24, 40],
                    code::DAO => &[20, 40],
                    _ => &[],
                };
                if ok_ends.contains(&n) {
                    assert!(r.is_ok(), "{c} prefix {n}");
                } else {
                    assert_eq!(r, Err(Error::Truncated), "{c} prefix {n}");
                }
            }
        }
    }

    fn addr() -> impl Strategy<Value = Ipv6Addr> {
        any::<[u8; 16]>().prop_map(Ipv6Addr::from)
    }

    fn option_pool() -> Vec<OptionRepr<'static>> {
        static PREFIX: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        vec![
            OptionRepr::Pad1,
            OptionRepr::PadN(&[0, 0, 0]),
            OptionRepr::DagMetricContainer(&[7, 0, 0, 2, 1, 0]),
            OptionRepr::RplTarget(RplTarget { flags: 0, prefix_len: 64, prefix: &PREFIX[..8] }),
            OptionRepr::TransitInformation(TransitInformation {
                external: true,
                flags: 1,
                path_control: 0x80,
                path_sequence: 3,
                path_lifetime: 30,
                parent_address: Some(Ipv6Addr::from(PREFIX)),
            }),
            OptionRepr::RplTargetDescriptor(0xdead_beef),
            OptionRepr::Unknown { kind: 0x42, data: &[1, 2, 3] },
        ]
    }

    fn options() -> impl Strategy<Value = Vec<OptionRepr<'static>>> {
        proptest::collection::vec(proptest::sample::select(option_pool()), 0..6)
    }

    fn check_roundtrip(repr: Repr<'_>) {
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit(&mut buf);
        let parsed = Repr::parse(repr.code(), &buf).unwrap();
        assert_eq!(parsed, repr);
        let mut again = vec![0u8; parsed.buffer_len()];
        parsed.emit(&mut again);
        assert_eq!(again, buf);
    }

    proptest! {
        #[test]
        fn proptest_dio(b in any::<[u8; 8]>(), g in any::<bool>(), z in any::<bool>(), mop in 0u8..8,
                        dodag_id in addr(), opts in options()) {
            check_roundtrip(Repr::Dio(Dio {
                rpl_instance_id: b[0],
                version_number: b[1],
                rank: u16::from_be_bytes([b[2], b[3]]),
                grounded: g,
                zero_bit: z,
                mode_of_operation: ModeOfOperation::from(mop),
                dodag_preference: b[4] & 7,
                dtsn: b[5],
                flags: b[6],
                reserved: b[7],
                dodag_id,
                options: Options::Reprs(&opts),
            }));
        }

        #[test]
        fn proptest_dao(b in any::<[u8; 4]>(), k in any::<bool>(), dodag_id in proptest::option::of(addr()),
                        opts in options()) {
            check_roundtrip(Repr::Dao(Dao {
                rpl_instance_id: b[0],
                expect_ack: k,
                flags: b[1] & 0x3f,
                reserved: b[2],
                sequence: b[3],
                dodag_id,
                options: Options::Reprs(&opts),
            }));
        }

        #[test]
        fn proptest_dao_ack(b in any::<[u8; 4]>(), dodag_id in proptest::option::of(addr()), opts in options()) {
            check_roundtrip(Repr::DaoAck(DaoAck {
                rpl_instance_id: b[0],
                flags: b[1] & 0x7f,
                sequence: b[2],
                status: b[3],
                dodag_id,
                options: Options::Reprs(&opts),
            }));
        }

        #[test]
        fn proptest_dis(flags in any::<u8>(), reserved in any::<u8>(), opts in options()) {
            check_roundtrip(Repr::Dis(Dis { flags, reserved, options: Options::Reprs(&opts) }));
        }

        #[test]
        fn proptest_unknown(code in 4u8.., body in proptest::collection::vec(any::<u8>(), 0..64)) {
            check_roundtrip(Repr::Unknown { code, body: &body });
        }

        #[test]
        fn proptest_random_bytes(code in prop_oneof![0u8..4, any::<u8>()],
                                 body in proptest::collection::vec(any::<u8>(), 0..120)) {
            // Never panics; whatever parses re-emits to the very same bytes.
            if let Ok(r) = Repr::parse(code, &body) {
                let mut buf = vec![0u8; r.buffer_len()];
                r.emit(&mut buf);
                prop_assert_eq!(&buf, &body);
                let p = Packet::new_checked(code, &body[..]).unwrap();
                let _ = (p.dio_rank(), p.dao_dodag_id(), p.dio_dodag_id(), p.dao_sequence(), p.options());
            }
        }
    }
}
