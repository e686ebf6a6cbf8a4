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

use crate::wire::checksum::{put, put_u16, put_u32};
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
        // The fixed fields, read from a zero-padded copy of the body's
        // first 36 bytes (the longest fixed part): no bounds check per field.
        let mut h = [0u8; field::REDIRECT_LEN];
        let n = body.len().min(h.len());
        h[..n].copy_from_slice(&body[..n]);
        let be32 = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let addr = |at: usize| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&h[at..at + 16]);
            Ipv6Addr::from(a)
        };
        // Read once whatever the type (zero where the body has none).
        let (target_addr, dest_addr) = (addr(field::TARGET.start), addr(field::REDIRECT_DEST.start));
        Ok(match msg_type {
            Message::RouterSolicit => Repr::RouterSolicit { options },
            Message::RouterAdvert => Repr::RouterAdvert {
                hop_limit: h[field::RA_HOP_LIMIT],
                flags: RouterFlags(h[field::RA_FLAGS]),
                router_lifetime: u16::from_be_bytes([h[2], h[3]]), // RA_ROUTER_LIFETIME
                reachable_time: be32(field::RA_REACHABLE_TIME.start),
                retrans_time: be32(field::RA_RETRANS_TIME.start),
                options,
            },
            Message::NeighborSolicit => Repr::NeighborSolicit { target_addr, options },
            Message::NeighborAdvert => {
                Repr::NeighborAdvert { flags: NeighborFlags(h[field::NA_FLAGS]), target_addr, options }
            }
            _ => Repr::Redirect { target_addr, dest_addr, options },
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
            Repr::RouterAdvert {
                hop_limit, flags, router_lifetime, reachable_time, retrans_time, ..
            } => {
                head[field::RA_HOP_LIMIT] = *hop_limit;
                head[field::RA_FLAGS] = flags.0;
                put_u16(head, field::RA_ROUTER_LIFETIME.start, *router_lifetime);
                put_u32(head, field::RA_REACHABLE_TIME.start, *reachable_time);
                put_u32(head, field::RA_RETRANS_TIME.start, *retrans_time);
            }
            Repr::NeighborSolicit { target_addr, .. } => {
                put(head, field::TARGET.start, &target_addr.octets());
            }
            Repr::NeighborAdvert { flags, target_addr, .. } => {
                head[field::NA_FLAGS] = flags.0;
                put(head, field::TARGET.start, &target_addr.octets());
            }
            Repr::Redirect { target_addr, dest_addr, .. } => {
                put(head, field::TARGET.start, &target_addr.octets());
                put(head, field::REDIRECT_DEST.start, &dest_addr.octets());
            }
        }
        self.options().emit(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ieee802154::Address;
    use proptest::prelude::*;

    /// An owned description of an option, turned into a borrowing
    /// [`NdiscOption`] inside the test.
    #[derive(Debug, Clone)]
    enum Spec {
        Lla(bool, u8, Vec<u8>),
        Pio(u8, u8, u32, u32, [u8; 16]),
        Mtu(u32),
        Aro(u8, u8, u8, bool, bool, u8, u16, Vec<u8>),
        Ctx(u8, bool, u8, u16, [u8; 16]),
        Abro(u16, u16, u16, [u8; 16]),
        Unknown(u8, Vec<u8>),
    }

    fn lla(kind: u8, bytes: &[u8]) -> LinkLayerAddress<'_> {
        match kind % 3 {
            0 => LinkLayerAddress::Ieee802154(Address::Short([bytes[0], bytes[1]])),
            1 => LinkLayerAddress::Ieee802154(Address::Extended(bytes[..8].try_into().unwrap())),
            _ => LinkLayerAddress::Raw(bytes),
        }
    }

    fn to_option(s: &Spec) -> NdiscOption<'_> {
        match s {
            Spec::Lla(src, kind, bytes) => {
                let l = lla(*kind, bytes);
                if *src { NdiscOption::SourceLinkLayerAddr(l) } else { NdiscOption::TargetLinkLayerAddr(l) }
            }
            Spec::Pio(prefix_len, flags, valid_lifetime, preferred_lifetime, prefix) => {
                NdiscOption::PrefixInformation(PrefixInformation {
                    prefix_len: *prefix_len,
                    flags: PrefixInfoFlags(*flags),
                    valid_lifetime: *valid_lifetime,
                    preferred_lifetime: *preferred_lifetime,
                    prefix: Ipv6Addr::from(*prefix),
                })
            }
            Spec::Mtu(mtu) => NdiscOption::Mtu(*mtu),
            Spec::Aro(status, opaque, i, r, t, tid, lifetime, rovr) => {
                NdiscOption::AddressRegistration(AddressRegistration {
                    status: ArStatus::from(*status),
                    opaque: *opaque,
                    i: *i,
                    r: *r,
                    t: *t,
                    tid: *tid,
                    lifetime: *lifetime,
                    rovr,
                })
            }
            Spec::Ctx(context_len, compression, cid, valid_lifetime, prefix) => {
                NdiscOption::SixLowpanContext(SixLowpanContext {
                    context_len: *context_len,
                    compression: *compression,
                    cid: *cid,
                    valid_lifetime: *valid_lifetime,
                    prefix: Ipv6Addr::from(*prefix),
                })
            }
            Spec::Abro(version_low, version_high, valid_lifetime, address) => {
                NdiscOption::AuthoritativeBorderRouter(AuthoritativeBorderRouter {
                    version_low: *version_low,
                    version_high: *version_high,
                    valid_lifetime: *valid_lifetime,
                    address: Ipv6Addr::from(*address),
                })
            }
            Spec::Unknown(option_type, data) => NdiscOption::Unknown { option_type: *option_type, data },
        }
    }

    fn spec() -> impl Strategy<Value = Spec> {
        let bytes = |n| proptest::collection::vec(any::<u8>(), n);
        prop_oneof![
            // Raw link-layer addresses: lengths that are not RFC 4944's, or
            // RFC 4944 lengths with non-zero padding (kept raw).
            (any::<bool>(), 0u8..3, prop_oneof![Just(6usize), Just(14), Just(22)]).prop_flat_map(
                move |(src, kind, n)| {
                    let n = if kind == 1 { n.max(8) } else { n };
                    (Just(src), Just(kind), bytes(n)).prop_map(|(src, kind, mut b)| {
                        let last = b.len() - 1;
                        b[last] |= 1;
                        Spec::Lla(src, kind, b)
                    })
                }
            ),
            (any::<u8>(), any::<u8>(), any::<u32>(), any::<u32>(), any::<[u8; 16]>())
                .prop_map(|(a, b, c, d, e)| Spec::Pio(a, b, c, d, e)),
            any::<u32>().prop_map(Spec::Mtu),
            (
                any::<u8>(),
                any::<u8>(),
                0u8..4,
                any::<bool>(),
                any::<bool>(),
                any::<u8>(),
                any::<u16>(),
                1usize..5
            )
                .prop_flat_map(move |(s, o, i, r, t, tid, l, n)| {
                    (Just((s, o, i, r, t, tid, l)), bytes(n * 8))
                })
                .prop_map(|((s, o, i, r, t, tid, l), rovr)| Spec::Aro(s, o, i, r, t, tid, l, rovr)),
            (0u8..=128, any::<bool>(), 0u8..16, any::<u16>(), any::<[u8; 16]>())
                .prop_map(|(a, b, c, d, e)| Spec::Ctx(a, b, c, d, e)),
            (any::<u16>(), any::<u16>(), any::<u16>(), any::<[u8; 16]>())
                .prop_map(|(a, b, c, d)| Spec::Abro(a, b, c, d)),
            (
                any::<u8>().prop_filter("unknown type", |t| !matches!(t, 1 | 2 | 3 | 5 | 33 | 34 | 35)),
                1usize..4
            )
                .prop_flat_map(move |(t, n)| (Just(t), bytes(n * 8 - 2)))
                .prop_map(|(t, d)| Spec::Unknown(t, d)),
        ]
    }

    fn build<'a>(
        kind: u8,
        opts: &'a [NdiscOption<'a>],
        a: Ipv6Addr,
        b: Ipv6Addr,
        n: (u8, u8, u16, u32),
    ) -> Repr<'a> {
        let options = Options::List(opts);
        match kind % 5 {
            0 => Repr::RouterSolicit { options },
            1 => Repr::RouterAdvert {
                hop_limit: n.0,
                flags: RouterFlags(n.1),
                router_lifetime: n.2,
                reachable_time: n.3,
                retrans_time: n.3 ^ 0x5555,
                options,
            },
            2 => Repr::NeighborSolicit { target_addr: a, options },
            3 => Repr::NeighborAdvert { flags: NeighborFlags(n.1), target_addr: a, options },
            _ => Repr::Redirect { target_addr: a, dest_addr: b, options },
        }
    }

    proptest! {
        #[test]
        fn option_roundtrip(s in spec()) {
            let opt = to_option(&s);
            let mut buf = vec![0u8; opt.buffer_len()];
            prop_assert_eq!(buf.len() % 8, 0);
            opt.emit(&mut buf);
            prop_assert_eq!(NdiscOption::parse(&buf), Ok((opt, buf.len())));
        }

        #[test]
        fn ndisc_roundtrip(
            kind in any::<u8>(),
            specs in proptest::collection::vec(spec(), 0..5),
            a in any::<[u8; 16]>(),
            b in any::<[u8; 16]>(),
            n in any::<(u8, u8, u16, u32)>(),
        ) {
            let opts: Vec<NdiscOption> = specs.iter().map(to_option).collect();
            let repr = build(kind, &opts, a.into(), b.into(), n);
            let mut buf = vec![0u8; repr.buffer_len()];
            repr.emit(&mut buf);
            let parsed = Repr::parse(repr.msg_type(), &buf).unwrap();
            prop_assert_eq!(parsed, repr);
            prop_assert_eq!(parsed.options().iter().count(), opts.len());
            // Every prefix parses to an error, or (cut at an option
            // boundary) to a shorter message; never a panic.
            for cut in 0..buf.len() {
                match Repr::parse(repr.msg_type(), &buf[..cut]) {
                    Ok(r) => prop_assert_eq!(r.buffer_len(), cut),
                    Err(e) => prop_assert!(e == Error::Truncated || e == Error::Malformed),
                }
            }
        }

        #[test]
        fn options_random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let n = Options::Bytes(&data).iter().take(200).count();
            prop_assert!(n <= data.len() / 8 + 1);
            if let Ok(opts) = Options::parse(&data) {
                prop_assert_eq!(opts.buffer_len(), data.len());
            }
        }
    }

    #[test]
    fn option_errors() {
        // RFC 4861 §4.6: length 0 is invalid.
        assert_eq!(NdiscOption::parse(&[1, 0, 0, 0, 0, 0, 0, 0]), Err(Error::Malformed));
        assert_eq!(NdiscOption::parse(&[1]), Err(Error::Truncated));
        assert_eq!(NdiscOption::parse(&[1, 2, 0, 0, 0, 0, 0, 0]), Err(Error::Truncated));
        // Fixed-length options with the wrong length.
        assert_eq!(NdiscOption::parse(&[3, 1, 0, 0, 0, 0, 0, 0]), Err(Error::Malformed));
        assert_eq!(
            NdiscOption::parse(&[5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(Error::Malformed)
        );
        assert_eq!(NdiscOption::parse(&[33, 1, 0, 0, 0, 0, 0, 0]), Err(Error::Malformed));
        assert_eq!(
            NdiscOption::parse(&[35, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(Error::Malformed)
        );
        // 6CO: a 65-bit context does not fit in length 2; 129 bits never.
        let mut ctx = [34, 2, 65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(NdiscOption::parse(&ctx), Err(Error::Malformed));
        ctx[2] = 64;
        assert!(NdiscOption::parse(&ctx).is_ok());
        assert_eq!(NdiscOption::parse(&[34, 1, 0, 0, 0, 0, 0, 0]), Err(Error::Malformed));
        // Unknown options are kept.
        assert_eq!(
            NdiscOption::parse(&[14, 1, 1, 2, 3, 4, 5, 6, 0xff]),
            Ok((NdiscOption::Unknown { option_type: 14, data: &[1, 2, 3, 4, 5, 6] }, 8))
        );
        // A 6-byte Ethernet address in an SLLAO stays raw.
        assert_eq!(
            NdiscOption::parse(&[1, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55]),
            Ok((
                NdiscOption::SourceLinkLayerAddr(LinkLayerAddress::Raw(&[
                    0x02, 0x11, 0x22, 0x33, 0x44, 0x55
                ])),
                8
            ))
        );
        // The iterator stops after an error.
        let bytes = [1, 1, 0x12, 0x34, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0];
        let items: Vec<_> = Options::Bytes(&bytes).iter().collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1], Err(Error::Malformed));
        assert_eq!(Options::parse(&bytes), Err(Error::Malformed));
    }

    #[test]
    fn status_codes() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(ArStatus::from(v)), v);
            assert_eq!(u8::from(OptionType::from(v)), v);
        }
        assert_eq!(ArStatus::from(10), ArStatus::ValidationFailed);
        assert_eq!(ArStatus::from(9), ArStatus::RegistrySaturated);
        assert_eq!(ArStatus::from(11), ArStatus::Unknown(11));
    }

    #[test]
    fn not_an_nd_type() {
        assert_eq!(Repr::parse(Message::EchoRequest, &[0; 40]), Err(Error::Malformed));
    }
}
