//! Unit tests of the MAC state machine against a single `MemRadio`.

use super::*;
use crate::radio::{MemRadio, TxReport};

const PEER: Address = Address::Short([0x00, 0x02]);

fn cfg() -> MacConfig {
    MacConfig { pan_id: 0x1234, short_address: Some([0, 1]), ..MacConfig::default() }
}

/// A MAC with `config` and the PRNG (seeded with `seed`) it draws from.
fn new_mac(config: MacConfig, seed: u64) -> (Mac, Rng) {
    let mut rng = Rng::new(seed);
    (Mac::with_default_storage(config, &mut rng), rng)
}

fn t(us: u64) -> Instant {
    Instant::from_micros(us)
}

/// Polls at each deadline until a frame finishes; returns it and the time.
fn run_until_done(mac: &mut Mac, rng: &mut Rng, radio: &mut MemRadio, mut now: Instant) -> (TxDone, Instant) {
    for _ in 0..100 {
        if let Some(d) = mac.poll(now, radio, rng) {
            return (d, now);
        }
        now = mac.poll_at().expect("a deadline while a frame is pending").max(now);
    }
    panic!("no TxDone");
}

#[test]
fn enqueue_builds_data_frame() {
    let (mut mac, mut rng) = new_mac(cfg(), 1);
    let dsn = mac.next_dsn();
    let mut radio = MemRadio::new(RadioCaps::NONE);
    mac.enqueue(&[1, 2, 3], PEER, true).unwrap();
    assert_eq!(mac.next_dsn(), dsn.wrapping_add(1));
    let _ = run_until_done(&mut mac, &mut rng, &mut radio, t(0));
    let sent = radio.take_sent().unwrap();
    // FC 0x9861: data, AR, PAN ID compression, short dst/src, 2006.
    let expected = [0x61, 0x98, dsn, 0x34, 0x12, 0x02, 0x00, 0x01, 0x00, 1, 2, 3];
    assert_eq!(sent.as_slice(), &expected);
}

#[test]
fn enqueue_errors() {
    let (mut mac, _) = new_mac(cfg(), 1);
    assert_eq!(mac.enqueue(&[0; 117], PEER, true), Err(MacError::TooLong));
    assert!(mac.enqueue(&[0; 116], PEER, true).is_ok(), "9-byte header + 116 = 125");
    assert_eq!(mac.enqueue(&[], Address::Absent, true), Err(MacError::InvalidAddress));
    assert_eq!(mac.stats().queue_full, 0);
}

#[test]
fn csma_busy_channel_exponents_and_failure() {
    let (mut mac, mut rng) = new_mac(cfg(), 7);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    radio.busy = true;
    let h = mac.enqueue(b"x", PEER, true).unwrap();
    let mut now = t(1000);
    assert_eq!(mac.poll(now, &mut radio, &mut rng), None);
    let mut bes = Vec::new();
    let mut done = None;
    for _ in 0..10 {
        if let Some(c) = mac.csma_state() {
            bes.push((c.nb, c.be));
            let wake = mac.poll_at().unwrap();
            let wait = (wake - now).total_micros();
            assert_eq!(wait % 320, 0);
            assert!(wait <= ((1 << c.be) - 1) * 320, "backoff {wait} beyond BE {}", c.be);
            now = wake;
        }
        if let Some(d) = mac.poll(now, &mut radio, &mut rng) {
            done = Some(d);
            break;
        }
    }
    // A stage whose draw is 0 runs its CCA within the same poll and is not
    // observed; every observed stage has the exponent §6.2.5.1 gives it.
    assert!(bes.len() >= 3, "{bes:?}");
    assert!(bes.windows(2).all(|w| w[1].0 > w[0].0), "{bes:?}");
    for (nb, be) in &bes {
        assert_eq!(*be, [3, 4, 5, 5, 5][usize::from(*nb)], "{bes:?}");
    }
    assert_eq!(radio.cca_count, 5, "one CCA per backoff, failure after the fifth busy CCA");
    assert_eq!(done, Some(TxDone { handle: h, dst: PEER, outcome: TxOutcome::ChannelBusy, attempts: 0 }));
    assert_eq!(mac.stats().csma_fail, 1);
    assert_eq!(mac.stats().tx_frames, 0);
    assert!(radio.sent.is_empty());
    assert_eq!(mac.etx(PEER), None, "no transmission, no ETX sample");
}

#[test]
fn csma_backoff_windows_are_exact() {
    // Over many runs the longest backoff of each stage is exactly
    // (2^BE - 1) unit periods: BE = 3, 4, 5, 5, 5.
    let mut max = [0u64; 5];
    let (mut mac, mut rng) = new_mac(cfg(), 3);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    radio.busy = true;
    let mut now = t(0);
    for _ in 0..300 {
        mac.enqueue(b"x", PEER, false).unwrap();
        let _ = mac.poll(now, &mut radio, &mut rng);
        loop {
            if let Some(c) = mac.csma_state() {
                let wake = mac.poll_at().unwrap();
                let stage = usize::from(c.nb);
                max[stage] = max[stage].max((wake - now).total_micros() / 320);
                now = wake;
            }
            if mac.poll(now, &mut radio, &mut rng).is_some() {
                break;
            }
        }
    }
    assert_eq!(max, [7, 15, 31, 31, 31]);
    assert_eq!(mac.stats().csma_fail, 300);
}

#[test]
fn clear_after_busy_transmits() {
    let (mut mac, mut rng) = new_mac(cfg(), 2);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    radio.busy_ccas = 2;
    mac.enqueue(b"x", PEER, false).unwrap();
    let (d, _) = run_until_done(&mut mac, &mut rng, &mut radio, t(0));
    assert_eq!((d.outcome, d.attempts), (TxOutcome::Sent, 1));
    assert_eq!(radio.cca_count, 3);
    assert_eq!(radio.sent.len(), 1);
}

#[test]
fn ack_wait_timing_and_retries() {
    let (mut mac, mut rng) = new_mac(cfg(), 5);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    mac.enqueue(&[0; 20], PEER, true).unwrap();
    let mut now = t(0);
    let mut tx_times = Vec::new();
    let done = loop {
        let before = radio.sent.len();
        if let Some(d) = mac.poll(now, &mut radio, &mut rng) {
            break d;
        }
        if radio.sent.len() > before {
            tx_times.push(now);
            // 9-byte header + 20 + FCS = 31 bytes: 37 × 32 µs on air.
            let end = now + TURNAROUND + Duration::from_micros(37 * 32);
            assert_eq!(mac.poll_at(), Some(end + Duration::from_micros(864)));
        }
        now = mac.poll_at().unwrap();
    };
    assert_eq!(tx_times.len(), 4, "1 + macMaxFrameRetries transmissions");
    assert_eq!((done.outcome, done.attempts), (TxOutcome::NoAck, 4));
    let s = mac.stats();
    assert_eq!((s.tx_frames, s.retries, s.no_ack), (4, 3, 1));
    assert_eq!(mac.etx(PEER), Some(12 * 128));
}

#[test]
fn matching_ack_completes_and_others_do_not() {
    let (mut mac, mut rng) = new_mac(cfg(), 6);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    let h = mac.enqueue(b"p", PEER, true).unwrap();
    let seq = mac.next_dsn().wrapping_sub(1);
    let mut now = t(0);
    while radio.sent.is_empty() {
        assert_eq!(mac.poll(now, &mut radio, &mut rng), None);
        now = mac.poll_at().unwrap();
    }
    let ack_at = now - Duration::from_micros(1);
    let wrong = [0x02, 0x00, seq.wrapping_add(1)];
    assert_eq!(mac.on_receive(ack_at, &wrong, -70, 1, &mut radio), RxAction::Dropped(RxDrop::UnexpectedAck));
    let right = [0x02, 0x00, seq];
    assert_eq!(mac.on_receive(ack_at, &right, -70, 1, &mut radio), RxAction::Acked(h));
    assert!(mac.poll_at().is_some_and(|t| t <= ack_at), "report due at once");
    let d = mac.poll(ack_at, &mut radio, &mut rng).unwrap();
    assert_eq!((d.handle, d.outcome, d.attempts), (h, TxOutcome::Acked, 1));
    assert_eq!(mac.links().get(PEER).unwrap().rssi(), Some(-70));
    assert_eq!(mac.on_receive(ack_at, &right, -70, 1, &mut radio), RxAction::Dropped(RxDrop::UnexpectedAck));
}

fn data_frame(seq: u8, dst: Address, pan: u16, ack: bool, buf: &mut [u8]) -> usize {
    let mut r = FrameRepr::imm_ack(seq, false);
    r.frame_type = FrameType::Data;
    r.frame_version = FrameVersion::V2006;
    r.ack_request = ack;
    r.dst_addr = dst;
    r.src_addr = PEER;
    r.set_pan_ids(pan, pan);
    r.payload = b"data";
    let n = r.buffer_len();
    r.emit(&mut Frame::new_unchecked(&mut buf[..n]));
    n
}

#[test]
fn receive_filters_acks_and_dedups() {
    let (mut mac, _) = new_mac(cfg(), 8);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    let mut buf = [0u8; 64];
    let me = Address::Short([0, 1]);

    let n = data_frame(9, me, 0x1234, true, &mut buf);
    match mac.on_receive(t(10), &buf[..n], -60, 200, &mut radio) {
        RxAction::Deliver(rx) => {
            assert_eq!(
                (rx.frame.src_addr, rx.frame.payload, rx.rssi, rx.lqi),
                (PEER, &b"data"[..], -60, 200)
            );
            assert!(rx.for_us);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(radio.take_sent().unwrap().as_slice(), &[0x02, 0x00, 9], "Imm-Ack");
    assert_eq!(mac.on_receive(t(20), &buf[..n], -60, 200, &mut radio), RxAction::Dropped(RxDrop::Duplicate));
    assert_eq!(radio.take_sent().unwrap().as_slice(), &[0x02, 0x00, 9], "duplicate ACKed again");
    // Past the dedup lifetime the same DSN is a new frame.
    assert!(matches!(mac.on_receive(t(3_000_000), &buf[..n], -60, 200, &mut radio), RxAction::Deliver(_)));
    assert_eq!(radio.take_sent().unwrap().as_slice(), &[0x02, 0x00, 9]);

    let n = data_frame(10, Address::Short([0, 9]), 0x1234, true, &mut buf);
    assert_eq!(mac.on_receive(t(30), &buf[..n], -60, 200, &mut radio), RxAction::Dropped(RxDrop::NotForUs));
    let n = data_frame(11, me, 0x9999, true, &mut buf);
    assert_eq!(mac.on_receive(t(40), &buf[..n], -60, 200, &mut radio), RxAction::Dropped(RxDrop::NotForUs));
    let n = data_frame(12, Address::BROADCAST, 0xffff, true, &mut buf);
    assert!(matches!(mac.on_receive(t(50), &buf[..n], -60, 200, &mut radio), RxAction::Deliver(_)));
    assert!(radio.sent.is_empty(), "no ACK for broadcast or for others");
    assert_eq!(mac.on_receive(t(60), &[0x41], -60, 200, &mut radio), RxAction::Dropped(RxDrop::Malformed));

    let s = mac.stats();
    assert_eq!((s.rx_frames, s.rx_dup, s.rx_not_for_us, s.rx_bad, s.acks_sent), (3, 1, 2, 1, 3));
    assert_eq!(mac.links().get(PEER).unwrap().rx_count, 3);
}

#[test]
fn own_ack_delays_pending_backoff() {
    let (mut mac, mut rng) = new_mac(cfg(), 9);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    mac.enqueue(b"x", PEER, false).unwrap();
    let _ = mac.poll(t(0), &mut radio, &mut rng);
    let mut buf = [0u8; 64];
    let n = data_frame(1, Address::Short([0, 1]), 0x1234, true, &mut buf);
    let _ = mac.on_receive(t(0), &buf[..n], -60, 200, &mut radio);
    // The ACK occupies the radio for 192 + 352 µs.
    assert!(mac.poll_at().unwrap() >= t(544));
}

#[test]
fn promiscuous_delivers_without_ack() {
    let (mut mac, _) = new_mac(MacConfig { promiscuous: true, ..cfg() }, 10);
    let mut radio = MemRadio::new(RadioCaps::NONE);
    let mut buf = [0u8; 64];
    let n = data_frame(1, Address::Short([0, 9]), 0x1234, true, &mut buf);
    match mac.on_receive(t(0), &buf[..n], -60, 200, &mut radio) {
        RxAction::Deliver(rx) => assert!(!rx.for_us),
        other => panic!("{other:?}"),
    }
    assert!(radio.sent.is_empty());
}

#[test]
fn hardware_mac_radio() {
    let caps = RadioCaps { hw_csma: true, hw_ack: true, hw_retries: true, max_frame_len: 127 };
    let (mut mac, mut rng) = new_mac(cfg(), 11);
    let mut radio = MemRadio::new(caps);
    mac.configure_radio(&mut radio);
    assert_eq!((radio.pan_id, radio.short_address), (0x1234, [0, 1]));
    let h = mac.enqueue(b"hw", PEER, true).unwrap();
    assert_eq!(mac.poll(t(0), &mut radio, &mut rng), None);
    assert_eq!(radio.sent.len(), 1, "sent at once, no software backoff");
    assert_eq!(radio.cca_count, 0);
    assert_eq!(mac.poll_at(), Some(t(100_000)), "waits for the radio's report");
    radio.tx_reports.push_back(TxReport { status: TxStatus::Sent, attempts: 2 }).unwrap();
    let d = mac.poll(t(5_000), &mut radio, &mut rng).unwrap();
    assert_eq!((d.handle, d.outcome, d.attempts), (h, TxOutcome::Acked, 2));
    assert_eq!(mac.etx(PEER), Some(256));
    assert_eq!((mac.stats().tx_frames, mac.stats().retries), (2, 1));
    // No report at all: the timeout frees the queue.
    mac.enqueue(b"lost", PEER, true).unwrap();
    assert_eq!(mac.poll(t(6_000), &mut radio, &mut rng), None);
    let d = mac.poll(t(106_000), &mut radio, &mut rng).unwrap();
    assert_eq!(d.outcome, TxOutcome::RadioError);
    // The radio acknowledges received frames itself.
    let mut buf = [0u8; 64];
    radio.sent.clear();
    let n = data_frame(1, Address::Short([0, 1]), 0x1234, true, &mut buf);
    assert!(matches!(mac.on_receive(t(200_000), &buf[..n], -60, 200, &mut radio), RxAction::Deliver(_)));
    assert!(radio.sent.is_empty());
}

#[test]
fn radio_refusal_is_reported() {
    let (mut mac, mut rng) = new_mac(cfg(), 12);
    let mut radio = MemRadio::new(RadioCaps { max_frame_len: 10, ..RadioCaps::NONE });
    mac.enqueue(&[0; 20], PEER, true).unwrap();
    let (d, _) = run_until_done(&mut mac, &mut rng, &mut radio, t(0));
    assert_eq!(d.outcome, TxOutcome::RadioError);
    assert_eq!(mac.stats().radio_errors, 1);
    assert_eq!(mac.poll_at(), None);
}

#[test]
fn documented_sizes() {
    use core::mem::size_of;
    assert_eq!(size_of::<TxSlot>(), 128);
    assert_eq!(size_of::<DedupEntry>(), 15);
    assert_eq!(size_of::<LinkStats>(), 24);
}

#[test]
fn config_is_kept_compactly_and_read_back() {
    let mut c = cfg();
    c.ack_wait = Duration::from_micros(865);
    c.dedup_lifetime = Duration::from_secs(10_000);
    let (mac, _) = new_mac(c, 99);
    let back = mac.config();
    // Exact to the microsecond; past u32::MAX µs (71.6 min) clamped.
    assert_eq!(back.ack_wait, Duration::from_micros(865));
    assert_eq!(back.unit_backoff, Duration::from_micros(320));
    assert_eq!(back.dedup_lifetime, Duration::from_micros(u64::from(u32::MAX)));
    assert_eq!(MacConfig { ack_wait: c.ack_wait, dedup_lifetime: c.dedup_lifetime, ..back }, c);
    assert_eq!(mac.source_address(), Address::Short([0, 1]));
}
