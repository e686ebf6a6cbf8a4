//! ICMPv6 echo replies and error messages (RFC 4443), built into caller
//! buffers, and the error rate limiter.
//!
//! [`emit_error`] and [`emit_echo_reply`] write a complete IPv6 packet
//! (fixed header + ICMPv6 message with its checksum) and return its
//! length. [`may_send_error`] applies the "never send an error about..."
//! rules of RFC 4443 §2.4(e); [`ErrorLimiter`] applies §2.4(f).

use core::net::Ipv6Addr;

use crate::time::{Duration, Instant};
use crate::wire::icmpv6::{self, DstUnreachable, ERROR_HEADER_LEN, Message, ParamProblem, TimeExceeded};
use crate::wire::ipv6::{self, HEADER_LEN, IpProtocol, MIN_MTU, UnknownOptionAction};

/// An ICMPv6 error to report about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcmpError {
    /// Destination Unreachable with this code (RFC 4443 §3.1).
    DstUnreachable(DstUnreachable),
    /// Packet Too Big with the next-hop MTU (RFC 4443 §3.2).
    PacketTooBig(u32),
    /// Time Exceeded with this code (RFC 4443 §3.3).
    TimeExceeded(TimeExceeded),
    /// Parameter Problem with this code and pointer (RFC 4443 §3.4).
    ParamProblem(ParamProblem, u32),
}

impl IcmpError {
    /// Hop limit exceeded in transit.
    pub const HOP_LIMIT: IcmpError = IcmpError::TimeExceeded(TimeExceeded::HopLimitExceeded);
    /// No route to destination.
    pub const NO_ROUTE: IcmpError = IcmpError::DstUnreachable(DstUnreachable::NoRoute);
    /// Port unreachable.
    pub const PORT_UNREACHABLE: IcmpError = IcmpError::DstUnreachable(DstUnreachable::PortUnreachable);
}

/// Why an ICMPv6 message was not built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcmpEmitError {
    /// RFC 4443 §2.4(e) forbids an error about this packet.
    Forbidden,
    /// The invoking packet is not a valid IPv6 packet (or the request not
    /// an echo request).
    Invalid,
    /// The output buffer cannot hold even the headers (48 bytes), or the
    /// echo reply.
    BufferTooSmall,
}

/// True when RFC 4443 §2.4(e) allows sending `err` about `invoking` (an
/// IPv6 packet, as received).
///
/// Forbidden: errors about an ICMPv6 error message or a Redirect (e.1,
/// e.2), about a packet sent to a multicast address, except Packet Too Big
/// and a Parameter Problem code 2 for an option whose type says "send
/// even to multicast" (e.3, RFC 8200 §4.2), and about a packet whose
/// source is not a unique unicast address: unspecified or multicast (e.5).
///
/// (e.4), a packet sent as a link-layer broadcast, is the caller's to
/// check: only the MAC knows the frame's destination.
pub fn may_send_error(invoking: &[u8], err: &IcmpError) -> bool {
    let Ok(p) = ipv6::Packet::new_checked(invoking) else {
        return false;
    };
    let (src, dst) = (p.src_addr(), p.dst_addr());
    if src.is_unspecified() || src.is_multicast() {
        return false;
    }
    if dst.is_multicast() {
        let allowed = match *err {
            IcmpError::PacketTooBig(_) => true,
            IcmpError::ParamProblem(ParamProblem::UnrecognizedOption, ptr) => usize::try_from(ptr)
                .ok()
                .and_then(|i| invoking.get(i))
                .is_some_and(|t| UnknownOptionAction::of(*t) == UnknownOptionAction::DiscardSendIcmp),
            _ => false,
        };
        if !allowed {
            return false;
        }
    }
    // RFC 4443 §2.4(e.1, e.2): look at the upper layer of the invoking packet.
    if let Ok(ul) = ipv6::upper_layer(p.next_header(), p.payload()) {
        let non_first_fragment = ul.fragment.is_some_and(|f| f.offset != 0);
        if ul.protocol == IpProtocol::Icmpv6 && !non_first_fragment {
            if let Some(&t) = p.payload().get(ul.offset) {
                let m = Message::from(t);
                if m.is_error() || m == Message::Redirect {
                    return false;
                }
            }
        }
    }
    true
}

/// Writes an IPv6 packet carrying the ICMPv6 error `err` about `invoking`
/// into `out` and returns its length.
///
/// The packet goes from `src` (one of our addresses, chosen by the
/// caller) to the invoking packet's source, with `hop_limit`. The invoking
/// packet is truncated so the whole error fits in 1280 bytes
/// (RFC 4443 §2.4(c)) and, further, in `out`. [`may_send_error`] is checked.
pub fn emit_error(
    src: Ipv6Addr,
    hop_limit: u8,
    err: &IcmpError,
    invoking: &[u8],
    out: &mut [u8],
) -> Result<usize, IcmpEmitError> {
    if !may_send_error(invoking, err) {
        let valid = ipv6::Packet::new_checked(invoking).is_ok();
        return Err(if valid { IcmpEmitError::Forbidden } else { IcmpEmitError::Invalid });
    }
    let dst = ipv6::Packet::new_unchecked(invoking).src_addr();
    let room = out
        .len()
        .min(MIN_MTU)
        .checked_sub(HEADER_LEN + ERROR_HEADER_LEN)
        .ok_or(IcmpEmitError::BufferTooSmall)?;
    // RFC 4443 §2.4(c): as much of the invoking packet as fits in 1280 bytes.
    let invoking = icmpv6::truncate_invoking(invoking, HEADER_LEN);
    let invoking = &invoking[..invoking.len().min(room)];
    // RFC 4443 §3.1/§3.3: the unused word is zero on transmit.
    let (msg, code, word) = match *err {
        IcmpError::DstUnreachable(reason) => (Message::DstUnreachable, reason.into(), 0),
        IcmpError::PacketTooBig(mtu) => (Message::PacketTooBig, 0, mtu),
        IcmpError::TimeExceeded(reason) => (Message::TimeExceeded, reason.into(), 0),
        IcmpError::ParamProblem(reason, pointer) => (Message::ParamProblem, reason.into(), pointer),
    };
    let out =
        out.get_mut(..HEADER_LEN + ERROR_HEADER_LEN + invoking.len()).ok_or(IcmpEmitError::BufferTooSmall)?;
    out[HEADER_LEN + ERROR_HEADER_LEN..].copy_from_slice(invoking);
    let [w0, w1, w2, w3] = word.to_be_bytes();
    emit_headers(src, dst, hop_limit, [msg.into(), code, 0, 0, w0, w1, w2, w3], out)
}

/// Writes the Echo Reply to the IPv6 packet `request` (an Echo Request)
/// into `out` and returns its length: same identifier, sequence number and
/// data (RFC 4443 §4.2), from `src` to the request's source.
///
/// The caller picks `src`: for a request sent to a multicast address it
/// must be one of our unicast addresses (RFC 4443 §4.2).
pub fn emit_echo_reply(
    src: Ipv6Addr,
    hop_limit: u8,
    request: &[u8],
    out: &mut [u8],
) -> Result<usize, IcmpEmitError> {
    let r = echo_request(request)?;
    let data = request.get(r.data).ok_or(IcmpEmitError::Invalid)?;
    let out =
        out.get_mut(..HEADER_LEN + ERROR_HEADER_LEN + data.len()).ok_or(IcmpEmitError::BufferTooSmall)?;
    out[HEADER_LEN + ERROR_HEADER_LEN..].copy_from_slice(data);
    echo_reply_headers(src, hop_limit, &r.reply, out)
}

/// [`emit_echo_reply`] in place: turns the `len`-byte Echo Request at the
/// start of `buf` into its Echo Reply (from `src`, same identifier,
/// sequence number and data, RFC 4443 §4.2) and returns its length. For a
/// node whose only room for the reply is the request's own buffer.
pub fn echo_reply_in_place(
    src: Ipv6Addr,
    hop_limit: u8,
    buf: &mut [u8],
    len: usize,
) -> Result<usize, IcmpEmitError> {
    let r = echo_request(buf.get(..len).ok_or(IcmpEmitError::Invalid)?)?;
    // The echoed data moves to just after the reply's headers (the
    // request's extension headers are not repeated); it only moves left.
    let data_len = r.data.len();
    buf.copy_within(r.data, HEADER_LEN + ERROR_HEADER_LEN);
    let out = buf.get_mut(..HEADER_LEN + ERROR_HEADER_LEN + data_len).ok_or(IcmpEmitError::BufferTooSmall)?;
    echo_reply_headers(src, hop_limit, &r.reply, out)
}

/// A valid Echo Request, as its reply needs it.
struct EchoRequest {
    /// The reply's destination (the request's source), identifier and
    /// sequence number.
    reply: (Ipv6Addr, u16, u16),
    /// Where the echoed data lies in the request.
    data: core::ops::Range<usize>,
}

/// Checks the IPv6 packet `request` (an Echo Request, after any extension
/// headers, with a good checksum, from a unicast source).
fn echo_request(request: &[u8]) -> Result<EchoRequest, IcmpEmitError> {
    let p = ipv6::Packet::new_checked(request).map_err(|_| IcmpEmitError::Invalid)?;
    let from = p.src_addr();
    if from.is_multicast() || from.is_unspecified() {
        return Err(IcmpEmitError::Invalid);
    }
    // Past extension headers (an RPL option, a spent source route).
    let upper = ipv6::upper_layer(p.next_header(), p.payload()).map_err(|_| IcmpEmitError::Invalid)?;
    if upper.protocol != IpProtocol::Icmpv6 || upper.fragment.is_some() {
        return Err(IcmpEmitError::Invalid);
    }
    let msg = p.payload().get(upper.offset..).ok_or(IcmpEmitError::Invalid)?;
    let msg = icmpv6::Packet::new_checked(msg).map_err(|_| IcmpEmitError::Invalid)?;
    if !msg.verify_checksum(&from, &p.dst_addr()) {
        return Err(IcmpEmitError::Invalid);
    }
    let Ok(icmpv6::Repr::EchoRequest { ident, seq_no, data }) = icmpv6::Repr::parse(&msg) else {
        return Err(IcmpEmitError::Invalid);
    };
    let start = HEADER_LEN + upper.offset + ERROR_HEADER_LEN;
    Ok(EchoRequest { reply: (from, ident, seq_no), data: start..start + data.len() })
}

/// Writes the IPv6 and ICMPv6 headers of the Echo Reply (from `src`) whose
/// data already lies at the end of `out`, and returns its length.
fn echo_reply_headers(
    src: Ipv6Addr,
    hop_limit: u8,
    &(dst, ident, seq_no): &(Ipv6Addr, u16, u16),
    out: &mut [u8],
) -> Result<usize, IcmpEmitError> {
    let [i0, i1] = ident.to_be_bytes();
    let [s0, s1] = seq_no.to_be_bytes();
    emit_headers(src, dst, hop_limit, [Message::EchoReply.into(), 0, 0, 0, i0, i1, s0, s1], out)
}

/// Writes the IPv6 header (from `src` to `dst`) and the 8-byte ICMPv6
/// `header` (type, code, checksum, a 32-bit word) of the packet `out`,
/// whose message body already lies past them, fills the checksum and
/// returns the length.
fn emit_headers(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    header: [u8; ERROR_HEADER_LEN],
    out: &mut [u8],
) -> Result<usize, IcmpEmitError> {
    let icmp_len = out.len().saturating_sub(HEADER_LEN);
    let payload_len = u16::try_from(icmp_len).map_err(|_| IcmpEmitError::BufferTooSmall)?;
    let (ip, icmp) = out.split_at_mut_checked(HEADER_LEN).ok_or(IcmpEmitError::BufferTooSmall)?;
    let ip_repr = ipv6::Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::Icmpv6,
        payload_len,
        hop_limit,
        traffic_class: 0,
        flow_label: 0,
    };
    ip_repr.emit(&mut ipv6::Packet::new_unchecked(ip));
    icmp.get_mut(..ERROR_HEADER_LEN).ok_or(IcmpEmitError::BufferTooSmall)?.copy_from_slice(&header);
    icmpv6::Packet::new_unchecked(icmp).fill_checksum(&src, &dst);
    Ok(out.len())
}

/// Parameters of the error rate limiter (RFC 4443 §2.4(f)).
///
/// The default, a bucket of 10 tokens refilled with one every 100 ms,
/// allows bursts of 10 errors and 10 errors per second on average, the
/// figures RFC 4443 §2.4(f) gives as an example of a fair limit for a
/// small node ("a burst of 10 ... refilled at 1 per 100 ms" is also what
/// Linux's `icmp_ratelimit` comes to with its 1 s / 100 ms defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Bucket size: the largest burst of errors.
    pub burst: u16,
    /// One token comes back every `interval`.
    pub interval: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { burst: 10, interval: Duration::from_millis(100) }
    }
}

/// A token bucket for ICMPv6 errors (RFC 4443 §2.4(f): "an IPv6 node MUST
/// limit the rate of ICMPv6 error messages it originates").
///
/// 16 bytes (was 32): the [`RateLimit`] is kept as the burst and the
/// interval in `u32` microseconds (exact up to 71.6 minutes, longer
/// intervals kept as 71.6 minutes), and the limiter counts nothing itself:
/// a refusal is `try_send` returning false, which
/// [`super::Interface`] counts in `NetStats::icmp_errors_suppressed`.
#[derive(Debug, Clone)]
pub struct ErrorLimiter {
    burst: u16,
    tokens: u16,
    interval_us: u32,
    last: Instant,
}

impl ErrorLimiter {
    /// A full bucket.
    pub fn new(config: RateLimit) -> Self {
        let interval_us = u32::try_from(config.interval.total_micros()).unwrap_or(u32::MAX);
        ErrorLimiter { burst: config.burst, tokens: config.burst, interval_us, last: Instant::ZERO }
    }

    /// The limit, as the limiter keeps it.
    pub fn config(&self) -> RateLimit {
        RateLimit { burst: self.burst, interval: Duration::from_micros(u64::from(self.interval_us)) }
    }

    /// Takes a token at `now`: true when an error may be sent; false when
    /// the bucket is empty.
    pub fn try_send(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens > 0 {
            self.tokens -= 1;
            true
        } else {
            false
        }
    }

    fn refill(&mut self, now: Instant) {
        let step = u64::from(self.interval_us);
        if step == 0 {
            self.tokens = self.burst;
            self.last = now;
            return;
        }
        let elapsed = (now - self.last).total_micros();
        let n = elapsed / step;
        if n > 0 {
            let room = u64::from(self.burst - self.tokens.min(self.burst));
            self.tokens += n.min(room) as u16;
            self.last += Duration::from_micros(n.saturating_mul(step));
        }
        if self.tokens >= self.burst {
            // A full bucket does not bank time.
            self.last = now;
        }
    }

    /// Tokens available (as of the last call).
    pub fn tokens(&self) -> u16 {
        self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    /// An IPv6 packet src -> dst, hop limit `hl`, carrying `payload` as `nh`.
    pub(crate) fn packet(src: &str, dst: &str, hl: u8, nh: IpProtocol, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 40 + payload.len()];
        let r = ipv6::Repr {
            src_addr: ip(src),
            dst_addr: ip(dst),
            next_header: nh,
            payload_len: payload.len() as u16,
            hop_limit: hl,
            traffic_class: 0,
            flow_label: 0,
        };
        r.emit(&mut ipv6::Packet::new_unchecked(&mut b[..]));
        b[40..].copy_from_slice(payload);
        b
    }

    const ME: &str = "2001:db8::1";

    #[test]
    fn time_exceeded_bytes() {
        let inv = packet("2001:db8::77", "2001:db8::99", 1, IpProtocol::Udp, &[0, 1, 0, 2, 0, 8, 0, 0]);
        let mut out = [0u8; 128];
        let n = emit_error(ip(ME), 64, &IcmpError::HOP_LIMIT, &inv, &mut out).unwrap();
        assert_eq!(n, 40 + 8 + 48);
        let p = ipv6::Packet::new_checked(&out[..n]).unwrap();
        assert_eq!((p.src_addr(), p.dst_addr(), p.hop_limit()), (ip(ME), ip("2001:db8::77"), 64));
        assert_eq!((p.next_header(), p.payload_len()), (IpProtocol::Icmpv6, 56));
        let msg = icmpv6::Packet::new_checked(p.payload()).unwrap();
        assert!(msg.verify_checksum(&ip(ME), &ip("2001:db8::77")));
        assert_eq!(&p.payload()[..2], &[3, 0]);
        assert_eq!(&p.payload()[4..8], &[0, 0, 0, 0]);
        assert_eq!(
            icmpv6::Repr::parse(&msg).unwrap(),
            icmpv6::Repr::TimeExceeded { reason: TimeExceeded::HopLimitExceeded, invoking: &inv }
        );
    }

    #[test]
    fn truncated_to_1280_and_to_buffer() {
        let inv = packet("2001:db8::77", "2001:db8::99", 9, IpProtocol::Udp, &[0xaa; 1400]);
        let mut out = [0u8; 1500];
        let n = emit_error(ip(ME), 64, &IcmpError::NO_ROUTE, &inv, &mut out).unwrap();
        assert_eq!(n, 1280);
        let msg = icmpv6::Packet::new_checked(&out[40..n]).unwrap();
        assert!(msg.verify_checksum(&ip(ME), &ip("2001:db8::77")));
        assert_eq!(msg.payload(), &inv[..1232]);
        let n = emit_error(ip(ME), 64, &IcmpError::NO_ROUTE, &inv, &mut out[..100]).unwrap();
        assert_eq!(n, 100);
        assert_eq!(
            emit_error(ip(ME), 64, &IcmpError::NO_ROUTE, &inv, &mut out[..47]),
            Err(IcmpEmitError::BufferTooSmall)
        );
    }

    #[test]
    fn forbidden_errors() {
        let udp = [0u8; 8];
        let e = IcmpError::PORT_UNREACHABLE;
        let mut out = [0u8; 200];
        // To multicast: no, except Packet Too Big.
        let m = packet("2001:db8::77", "ff02::1", 1, IpProtocol::Udp, &udp);
        assert_eq!(emit_error(ip(ME), 64, &e, &m, &mut out), Err(IcmpEmitError::Forbidden));
        assert!(may_send_error(&m, &IcmpError::PacketTooBig(1280)));
        // From unspecified or multicast sources: no.
        assert!(!may_send_error(&packet("::", "2001:db8::1", 1, IpProtocol::Udp, &udp), &e));
        assert!(!may_send_error(&packet("ff02::1", "2001:db8::1", 1, IpProtocol::Udp, &udp), &e));
        // About an ICMPv6 error: no; about an echo request: yes.
        let err = packet("2001:db8::77", "2001:db8::1", 1, IpProtocol::Icmpv6, &[1, 0, 0, 0, 0, 0, 0, 0]);
        assert!(!may_send_error(&err, &IcmpError::HOP_LIMIT));
        let echo = packet("2001:db8::77", "2001:db8::1", 1, IpProtocol::Icmpv6, &[128, 0, 0, 0, 0, 0, 0, 0]);
        assert!(may_send_error(&echo, &IcmpError::HOP_LIMIT));
        // Parameter Problem code 2 to multicast: only for option types 10xxxxxx.
        let mut hbh =
            packet("2001:db8::77", "ff02::1", 1, IpProtocol::HopByHop, &[59, 0, 0x85, 2, 0, 0, 1, 0]);
        let pp = IcmpError::ParamProblem(ParamProblem::UnrecognizedOption, 42);
        assert!(may_send_error(&hbh, &pp));
        hbh[42] = 0xc5;
        assert!(!may_send_error(&hbh, &pp));
        assert_eq!(emit_error(ip(ME), 64, &e, &udp, &mut out), Err(IcmpEmitError::Invalid));
    }

    #[test]
    fn echo_reply() {
        let src = ip("2001:db8::77");
        let mut req = packet("2001:db8::77", ME, 64, IpProtocol::Icmpv6, &[0; 12]);
        let r = icmpv6::Repr::EchoRequest { ident: 0x1234, seq_no: 7, data: &[1, 2, 3, 4] };
        r.emit(&src, &ip(ME), &mut req[40..]);
        let mut out = [0u8; 64];
        let n = emit_echo_reply(ip(ME), 64, &req, &mut out).unwrap();
        assert_eq!(n, 52);
        let p = ipv6::Packet::new_checked(&out[..n]).unwrap();
        assert_eq!(p.dst_addr(), src);
        let msg = icmpv6::Packet::new_checked(p.payload()).unwrap();
        assert_eq!(
            icmpv6::Repr::parse_verified(&ip(ME), &src, &msg).unwrap(),
            icmpv6::Repr::EchoReply { ident: 0x1234, seq_no: 7, data: &[1, 2, 3, 4] }
        );
        req[45] ^= 1; // bad checksum
        assert_eq!(emit_echo_reply(ip(ME), 64, &req, &mut out), Err(IcmpEmitError::Invalid));
    }

    /// The in-place reply is the reply `emit_echo_reply` writes elsewhere,
    /// byte for byte, with and without a Hop-by-Hop header before it.
    #[test]
    fn echo_reply_in_place_matches() {
        let src = ip("2001:db8::77");
        let data: Vec<u8> = (0..300).map(|i| i as u8).collect();
        let r = icmpv6::Repr::EchoRequest { ident: 0x1234, seq_no: 7, data: &data };
        let plain = {
            let mut req = packet("2001:db8::77", ME, 64, IpProtocol::Icmpv6, &vec![0; r.buffer_len()]);
            r.emit(&src, &ip(ME), &mut req[40..]);
            req
        };
        // An RPL option (RFC 6553) in a Hop-by-Hop header before the message.
        let hbh = {
            let mut body = vec![58, 0, 0x63, 4, 0, 0x1e, 0x01, 0x00];
            body.extend(vec![0; r.buffer_len()]);
            let mut req = packet("2001:db8::77", ME, 64, IpProtocol::HopByHop, &body);
            r.emit(&src, &ip(ME), &mut req[48..]);
            req
        };
        for req in [plain, hbh] {
            let mut want = [0u8; 1280];
            let n = emit_echo_reply(ip(ME), 64, &req, &mut want).unwrap();
            let mut buf = req.clone();
            buf.resize(1280, 0xee);
            assert_eq!(echo_reply_in_place(ip(ME), 64, &mut buf, req.len()), Ok(n));
            assert_eq!(&buf[..n], &want[..n]);
        }
        let mut bad = packet("2001:db8::77", ME, 64, IpProtocol::Icmpv6, &[0; 12]);
        icmpv6::Repr::EchoRequest { ident: 1, seq_no: 1, data: &[1, 2, 3, 4] }.emit(
            &src,
            &ip(ME),
            &mut bad[40..],
        );
        bad[45] ^= 1; // bad checksum: left alone
        let before = bad.clone();
        let len = bad.len();
        assert_eq!(echo_reply_in_place(ip(ME), 64, &mut bad, len), Err(IcmpEmitError::Invalid));
        assert_eq!(bad, before);
        assert_eq!(echo_reply_in_place(ip(ME), 64, &mut bad, len + 1), Err(IcmpEmitError::Invalid));
    }

    #[test]
    fn rate_limiter() {
        let mut l = ErrorLimiter::new(RateLimit::default());
        assert_eq!(l.config(), RateLimit::default());
        let t0 = Instant::from_secs(5);
        for _ in 0..10 {
            assert!(l.try_send(t0));
        }
        assert!(!l.try_send(t0));
        assert!(!l.try_send(t0 + Duration::from_millis(99)));
        assert!(l.try_send(t0 + Duration::from_millis(100)));
        assert!(!l.try_send(t0 + Duration::from_millis(150)));
        // 250 ms later: two more tokens (100 -> 200 -> 300 ms marks).
        assert!(l.try_send(t0 + Duration::from_millis(300)));
        assert!(l.try_send(t0 + Duration::from_millis(300)));
        assert!(!l.try_send(t0 + Duration::from_millis(300)));
        // A long idle refills to the burst, no more.
        let t1 = t0 + Duration::from_secs(100);
        for _ in 0..10 {
            assert!(l.try_send(t1));
        }
        assert!(!l.try_send(t1));
        assert_eq!(l.tokens(), 0);
    }
}
