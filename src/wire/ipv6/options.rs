//! Hop-by-Hop and Destination Options headers (RFC 8200 §4.2-§4.3, §4.6) and
//! the RPL option (RFC 6553, RFC 9008).
//!
//! # Design
//!
//! [`OptionsHeaderRepr`] keeps the options as the raw octets found on the wire
//! (`options: &[u8]`, everything after Next Header and Hdr Ext Len, padding
//! included) and [`OptionsHeaderRepr::iter`] yields each one as an
//! [`OptionRepr`]. `parse` has already checked that every option is well
//! formed, so after a successful parse the iterator yields only `Ok` items.
//!
//! To build a header, write a list of [`OptionRepr`] into a scratch buffer with
//! [`write_options`] (it appends the Pad1/PadN needed to reach a multiple of 8
//! octets) and put the written octets in `options`. `emit` also pads `options`
//! that are not already padded, so any option list can be emitted as is.

use crate::wire::{Error, Result};

use super::IpProtocol;
use super::ext::ExtHeader;

/// Option type of Pad1 (RFC 8200 §4.2).
pub const PAD1: u8 = 0;
/// Option type of PadN (RFC 8200 §4.2).
pub const PADN: u8 = 1;
/// Option type of the RPL option (RFC 9008 changed it from 0x23 to 0x63).
pub const RPL_OPTION: u8 = 0x63;
/// The RPL option type of RFC 6553 before RFC 9008 changed it (still sent by old nodes).
pub const RPL_OPTION_OLD: u8 = 0x23;
/// The RPL option data length without sub-TLVs (RFC 6553 §3).
pub const RPL_OPTION_DATA_LEN: u8 = 4;

/// What a node must do with an option whose type it does not recognise: the
/// two high-order bits of the option type (RFC 8200 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnknownOptionAction {
    /// 00: skip the option and continue processing the header.
    Skip,
    /// 01: discard the packet.
    Discard,
    /// 10: discard the packet and send an ICMP Parameter Problem, code 2,
    /// whatever the destination.
    DiscardSendIcmp,
    /// 11: discard the packet and send an ICMP Parameter Problem, code 2, only
    /// when the destination is not multicast.
    DiscardSendIcmpUnicast,
}

impl UnknownOptionAction {
    /// The action encoded in an option type.
    pub fn of(option_type: u8) -> Self {
        match option_type >> 6 {
            0 => UnknownOptionAction::Skip,
            1 => UnknownOptionAction::Discard,
            2 => UnknownOptionAction::DiscardSendIcmp,
            _ => UnknownOptionAction::DiscardSendIcmpUnicast,
        }
    }
}

/// True when the option data may change en route (third-highest bit of the
/// type, RFC 8200 §4.2); such data counts as zero in an AH computation.
pub fn may_change(option_type: u8) -> bool {
    option_type & 0x20 != 0
}

/// The RPL option (RFC 6553 §3), carried in a Hop-by-Hop header.
///
/// ```text
/// |  Option Type  |  Opt Data Len |O|R|F|0|0|0|0|0| RPLInstanceID |  SenderRank   ...
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RplOption {
    /// O: the packet travels down the DODAG (RFC 6553 §3).
    pub down: bool,
    /// R: a rank error was detected on the way.
    pub rank_error: bool,
    /// F: a forwarding error (no route down) was detected.
    pub forwarding_error: bool,
    /// The RPLInstanceID.
    pub instance_id: u8,
    /// The sender's rank (full 16-bit rank, RFC 6553 §3).
    pub sender_rank: u16,
}

impl RplOption {
    fn parse(data: &[u8]) -> Result<RplOption> {
        // RFC 6553 §3: Opt Data Len is 4 when no sub-TLV is present; none are defined,
        // and Contiki-NG / RIOT drop any other length too.
        let [flags, instance_id, r0, r1] = data else { return Err(Error::Malformed) };
        Ok(RplOption {
            down: flags & 0x80 != 0,
            rank_error: flags & 0x40 != 0,
            forwarding_error: flags & 0x20 != 0,
            instance_id: *instance_id,
            sender_rank: u16::from_be_bytes([*r0, *r1]),
        })
    }

    fn emit_data(&self, out: &mut [u8]) {
        out[0] = (u8::from(self.down) << 7)
            | (u8::from(self.rank_error) << 6)
            | (u8::from(self.forwarding_error) << 5);
        out[1] = self.instance_id;
        out[2..4].copy_from_slice(&self.sender_rank.to_be_bytes());
    }
}

/// One option of a Hop-by-Hop or Destination Options header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionRepr<'a> {
    /// A single octet of padding.
    Pad1,
    /// Padding of `2 + n` octets (`n` zero data octets; non-zero data is ignored on receipt).
    PadN(u8),
    /// The RPL option; type 0x63, or the pre-RFC 9008 type 0x23 on receipt
    /// (emitted as 0x63).
    Rpl(RplOption),
    /// Any other option, kept raw.
    Unknown {
        /// The option type; see [`UnknownOptionAction::of`].
        option_type: u8,
        /// The option data (at most 255 octets are emitted).
        data: &'a [u8],
    },
}

impl<'a> OptionRepr<'a> {
    /// Parses the option at the start of `bytes`; returns it and its length.
    pub fn parse(bytes: &'a [u8]) -> Result<(OptionRepr<'a>, usize)> {
        let (&ty, rest) = bytes.split_first().ok_or(Error::Truncated)?;
        if ty == PAD1 {
            return Ok((OptionRepr::Pad1, 1));
        }
        let (&len, rest) = rest.split_first().ok_or(Error::Truncated)?;
        let data = rest.get(..usize::from(len)).ok_or(Error::Truncated)?;
        let opt = match ty {
            PADN => OptionRepr::PadN(len),
            RPL_OPTION | RPL_OPTION_OLD => OptionRepr::Rpl(RplOption::parse(data)?),
            _ => OptionRepr::Unknown { option_type: ty, data },
        };
        Ok((opt, 2 + usize::from(len)))
    }

    /// The option type octet this option is emitted with.
    pub fn option_type(&self) -> u8 {
        match self {
            OptionRepr::Pad1 => PAD1,
            OptionRepr::PadN(_) => PADN,
            OptionRepr::Rpl(_) => RPL_OPTION,
            OptionRepr::Unknown { option_type, .. } => *option_type,
        }
    }

    /// The action RFC 8200 §4.2 prescribes if this option is not recognised.
    pub fn unknown_action(&self) -> UnknownOptionAction {
        UnknownOptionAction::of(self.option_type())
    }

    /// The emitted length in octets.
    pub fn buffer_len(&self) -> usize {
        match self {
            OptionRepr::Pad1 => 1,
            OptionRepr::PadN(n) => 2 + usize::from(*n),
            OptionRepr::Rpl(_) => 2 + usize::from(RPL_OPTION_DATA_LEN),
            OptionRepr::Unknown { data, .. } => 2 + data.len().min(255),
        }
    }

    /// Writes the option into the first [`buffer_len`](Self::buffer_len) octets of `buf`.
    ///
    /// # Panics
    /// When `buf` is shorter than `buffer_len()`.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[0] = self.option_type();
        match self {
            OptionRepr::Pad1 => {}
            OptionRepr::PadN(n) => {
                buf[1] = *n;
                // RFC 8200 §4.2: PadN data octets are zero.
                buf[2..2 + usize::from(*n)].fill(0);
            }
            OptionRepr::Rpl(rpl) => {
                buf[1] = RPL_OPTION_DATA_LEN;
                rpl.emit_data(&mut buf[2..6]);
            }
            OptionRepr::Unknown { data, .. } => {
                let n = data.len().min(255);
                buf[1] = n as u8;
                buf[2..2 + n].copy_from_slice(&data[..n]);
            }
        }
    }
}

/// Iterates over options in raw option octets; stops after the first error.
#[derive(Debug, Clone)]
pub struct OptionsIter<'a> {
    rest: &'a [u8],
}

impl<'a> OptionsIter<'a> {
    /// Iterates over `options` (the octets after Next Header and Hdr Ext Len).
    pub fn new(options: &'a [u8]) -> Self {
        OptionsIter { rest: options }
    }
}

impl<'a> Iterator for OptionsIter<'a> {
    type Item = Result<OptionRepr<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match OptionRepr::parse(self.rest) {
            Ok((opt, len)) => {
                self.rest = &self.rest[len..];
                Some(Ok(opt))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The length of option octets `n` once padded so that the header
/// (2 + options) is a multiple of 8 octets.
pub fn padded_len(n: usize) -> usize {
    (n + 2).div_ceil(8) * 8 - 2
}

/// Writes padding of `n` octets: Pad1 for one octet, PadN otherwise
/// (RFC 8200 §4.2). `buf` must hold `n` octets.
fn write_padding(buf: &mut [u8], n: usize) {
    match n {
        0 => {}
        1 => buf[0] = PAD1,
        n => OptionRepr::PadN((n - 2) as u8).emit(buf),
    }
}

/// The length [`write_options`] writes for `opts`.
pub fn options_len(opts: &[OptionRepr<'_>]) -> usize {
    padded_len(opts.iter().map(OptionRepr::buffer_len).sum())
}

/// Writes `opts` into `buf`, then the Pad1/PadN that makes the header a
/// multiple of 8 octets; returns the number of octets written, which is
/// [`options_len`]. `Err(Truncated)` when `buf` is too short.
pub fn write_options(opts: &[OptionRepr<'_>], buf: &mut [u8]) -> Result<usize> {
    let total = options_len(opts);
    let buf = buf.get_mut(..total).ok_or(Error::Truncated)?;
    let mut at = 0;
    for o in opts {
        let l = o.buffer_len();
        o.emit(&mut buf[at..at + l]);
        at += l;
    }
    write_padding(&mut buf[at..], total - at);
    Ok(total)
}

/// A Hop-by-Hop or Destination Options header (RFC 8200 §4.3, §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionsHeaderRepr<'a> {
    /// The header that follows.
    pub next_header: IpProtocol,
    /// The raw option octets (see the module documentation).
    pub options: &'a [u8],
}

impl<'a> OptionsHeaderRepr<'a> {
    /// Parses a header at the start of `bytes` (its length comes from Hdr
    /// Ext Len). Every option must be well formed, and an RPL option must have
    /// 4 data octets, or the header is `Malformed`/`Truncated`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let h = ExtHeader::new_checked(bytes)?;
        let end = h.header_len();
        let options = &bytes[2..end];
        for o in OptionsIter::new(options) {
            // An option running past the header end is malformed: the buffer is long enough.
            o.map_err(|_| Error::Malformed)?;
        }
        Ok(OptionsHeaderRepr { next_header: h.next_header(), options })
    }

    /// The options, parsed one by one.
    pub fn iter(&self) -> OptionsIter<'a> {
        OptionsIter::new(self.options)
    }

    /// The first RPL option in the header, if any.
    pub fn rpl_option(&self) -> Option<RplOption> {
        self.iter().find_map(|o| match o {
            Ok(OptionRepr::Rpl(r)) => Some(r),
            _ => None,
        })
    }

    /// The emitted length: `options` padded to a multiple of 8 with the two
    /// leading octets (at most 2048, more options are not emitted).
    pub fn buffer_len(&self) -> usize {
        (padded_len(self.options.len()) + 2).min(2048)
    }

    /// Writes the header into the first [`buffer_len`](Self::buffer_len) octets of `buf`.
    ///
    /// # Panics
    /// When `buf` is shorter than `buffer_len()`.
    pub fn emit(&self, buf: &mut [u8]) {
        let total = self.buffer_len();
        let n = self.options.len().min(total - 2);
        buf[0] = self.next_header.into();
        buf[1] = (total / 8 - 1) as u8;
        buf[2..2 + n].copy_from_slice(&self.options[..n]);
        write_padding(&mut buf[2 + n..total], total - 2 - n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Contiki-NG, cooja-rpl-udp.pcap frame 223 (uncompressed IPv6 dispatch):
    // Hop-by-Hop header before UDP with an RPL option, instance 0x1e, rank 0x0200.
    const HBH_RPL: [u8; 8] = [0x11, 0x00, 0x63, 0x04, 0x00, 0x1e, 0x02, 0x00];

    #[test]
    fn test_deconstruct_rpl() {
        let h = OptionsHeaderRepr::parse(&HBH_RPL).unwrap();
        assert_eq!(h.next_header, IpProtocol::Udp);
        let rpl = RplOption {
            down: false,
            rank_error: false,
            forwarding_error: false,
            instance_id: 0x1e,
            sender_rank: 0x200,
        };
        let opts: Vec<_> = h.iter().map(|o| o.unwrap()).collect();
        assert_eq!(opts, [OptionRepr::Rpl(rpl)]);
        assert_eq!(h.rpl_option(), Some(rpl));
        assert_eq!(opts[0].unknown_action(), UnknownOptionAction::Discard);
        assert!(may_change(opts[0].option_type()));
    }

    #[test]
    fn test_construct_rpl() {
        let rpl = RplOption {
            down: true,
            rank_error: false,
            forwarding_error: true,
            instance_id: 0x1e,
            sender_rank: 0x200,
        };
        let mut scratch = [0u8; 16];
        let n = write_options(&[OptionRepr::Rpl(rpl)], &mut scratch).unwrap();
        assert_eq!(n, 6);
        let h = OptionsHeaderRepr { next_header: IpProtocol::Udp, options: &scratch[..n] };
        let mut out = [0u8; 8];
        assert_eq!(h.buffer_len(), 8);
        h.emit(&mut out);
        assert_eq!(out, [0x11, 0x00, 0x63, 0x04, 0xa0, 0x1e, 0x02, 0x00]);
    }

    #[test]
    fn old_rpl_type_accepted() {
        let mut b = HBH_RPL;
        b[2] = 0x23;
        let h = OptionsHeaderRepr::parse(&b).unwrap();
        assert_eq!(h.rpl_option().unwrap().instance_id, 0x1e);
    }

    #[test]
    fn rpl_bad_length() {
        // RPL option with 3 data octets then Pad1.
        let b = [0x11, 0x00, 0x63, 0x03, 0x00, 0x1e, 0x02, 0x00];
        assert_eq!(OptionsHeaderRepr::parse(&b).unwrap_err(), Error::Malformed);
    }

    #[test]
    fn padding_layouts() {
        // Unknown option with 1 data octet (3 octets) -> PadN with 1 data octet (3 octets).
        let mut s = [0xffu8; 14];
        let n = write_options(&[OptionRepr::Unknown { option_type: 0x3e, data: &[7] }], &mut s).unwrap();
        assert_eq!(&s[..n], &[0x3e, 1, 7, 1, 1, 0]);
        // 5 option octets -> one Pad1.
        let n =
            write_options(&[OptionRepr::Unknown { option_type: 0x1e, data: &[1, 2, 3] }], &mut s).unwrap();
        assert_eq!(&s[..n], &[0x1e, 3, 1, 2, 3, 0]);
        // Empty -> PadN of 4 data octets (RFC 8200 §4.3: an empty HBH is 8 octets).
        let n = write_options(&[], &mut s).unwrap();
        assert_eq!(&s[..n], &[1, 4, 0, 0, 0, 0]);
        // Exactly 6 -> no padding.
        let n = write_options(&[OptionRepr::PadN(4)], &mut s).unwrap();
        assert_eq!(n, 6);
        // Too small a buffer.
        assert_eq!(write_options(&[OptionRepr::PadN(4)], &mut s[..5]).unwrap_err(), Error::Truncated);
        // Pad1 and PadN parse.
        let h = OptionsHeaderRepr::parse(&[59, 0, 0, 0, 1, 2, 0, 0]).unwrap();
        let opts: Vec<_> = h.iter().map(|o| o.unwrap()).collect();
        assert_eq!(opts, [OptionRepr::Pad1, OptionRepr::Pad1, OptionRepr::PadN(2)]);
    }

    #[test]
    fn emit_pads_unpadded_options() {
        let h = OptionsHeaderRepr { next_header: IpProtocol::Icmpv6, options: &[0x05, 0x02, 0x00, 0x00] };
        let mut out = [0xffu8; 8];
        h.emit(&mut out);
        // Router Alert (RFC 2711) followed by PadN 0.
        assert_eq!(out, [58, 0, 5, 2, 0, 0, 1, 0]);
        assert_eq!(OptionsHeaderRepr::parse(&out).unwrap().options, &out[2..]);
    }

    #[test]
    fn unknown_actions() {
        assert_eq!(UnknownOptionAction::of(0x1e), UnknownOptionAction::Skip);
        assert_eq!(UnknownOptionAction::of(0x63), UnknownOptionAction::Discard);
        assert_eq!(UnknownOptionAction::of(0x8f), UnknownOptionAction::DiscardSendIcmp);
        assert_eq!(UnknownOptionAction::of(0xc2), UnknownOptionAction::DiscardSendIcmpUnicast);
    }

    #[test]
    fn every_prefix_and_overrun() {
        for n in 0..HBH_RPL.len() {
            assert_eq!(OptionsHeaderRepr::parse(&HBH_RPL[..n]).unwrap_err(), Error::Truncated);
        }
        // PadN running past the header end.
        assert_eq!(OptionsHeaderRepr::parse(&[59, 0, 1, 5, 0, 0, 0, 0, 0]).unwrap_err(), Error::Malformed);
    }

    fn arb_option() -> impl Strategy<Value = OptionRepr<'static>> {
        prop_oneof![
            Just(OptionRepr::Pad1),
            (0u8..10).prop_map(OptionRepr::PadN),
            (any::<[bool; 3]>(), any::<u8>(), any::<u16>()).prop_map(|(f, i, r)| OptionRepr::Rpl(
                RplOption {
                    down: f[0],
                    rank_error: f[1],
                    forwarding_error: f[2],
                    instance_id: i,
                    sender_rank: r
                }
            )),
            (2u8..=255, proptest::collection::vec(any::<u8>(), 0..20)).prop_filter_map(
                "not special",
                |(t, d)| {
                    (t != RPL_OPTION && t != RPL_OPTION_OLD)
                        .then(|| OptionRepr::Unknown { option_type: t, data: Vec::leak(d) })
                }
            ),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(nh in any::<u8>(), opts in proptest::collection::vec(arb_option(), 0..6)) {
            let mut scratch = [0u8; 512];
            let n = write_options(&opts, &mut scratch).unwrap();
            let h = OptionsHeaderRepr { next_header: nh.into(), options: &scratch[..n] };
            let mut out = vec![0u8; h.buffer_len()];
            h.emit(&mut out);
            let back = OptionsHeaderRepr::parse(&out).unwrap();
            prop_assert_eq!(back, h);
            let parsed: Vec<_> = back.iter().map(|o| o.unwrap()).collect();
            prop_assert_eq!(&parsed[..opts.len()], &opts[..]);
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(h) = OptionsHeaderRepr::parse(&b) {
                prop_assert!(h.iter().all(|o| o.is_ok()));
                let mut out = vec![0u8; h.buffer_len()];
                h.emit(&mut out);
                prop_assert_eq!(&out[..], &b[..out.len()]);
            }
        }
    }
}
