//! Drives a 2-slot 6LoWPAN reassembler with arbitrary fragment sequences.
//!
//! Input: 6-byte operations `[key, size_hi, size_lo, offset/8, len, dt]`:
//! key index (4 keys: two sources x two tags), datagram size (11 bits),
//! offset in 8-octet units, fragment length, time step in seconds (low 6
//! bits; 0x40 runs `expire`). The reassembler must never panic, and what it
//! hands back must be exactly `size` bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sixlo::lowpan::frag::{ReassemblyBuffers, ReassemblyKey};
use sixlo::time::{Duration, Instant};
use sixlo::wire::ieee802154::Address;

fuzz_target!(|data: &[u8]| {
    let mut r = ReassemblyBuffers::<2, 1280>::new_owned().with_timeout(Duration::from_secs(30));
    let mut now = Instant::ZERO;
    let pattern: [u8; 256] = core::array::from_fn(|i| i as u8);
    for op in data.chunks_exact(6) {
        let [k, s0, s1, off, len, dt] = [op[0], op[1], op[2], op[3], op[4], op[5]];
        now += Duration::from_secs(u64::from(dt & 0x3f));
        if dt & 0x40 != 0 {
            let before = r.in_progress();
            let n = r.expire(now);
            assert_eq!(r.in_progress(), before - n);
        }
        let key = ReassemblyKey {
            src: if k & 1 == 0 { Address::Short([0, 1]) } else { Address::Extended([2; 8]) },
            dst: Address::Short([0, 9]),
            size: u16::from_be_bytes([s0, s1]) & 0x07ff,
            tag: u16::from((k >> 1) & 1),
        };
        let offset = usize::from(off) * 8;
        let frag = &pattern[..usize::from(len)];
        if let Ok(Some(dg)) = r.accept(now, key, offset, frag) {
            assert_eq!(dg.len(), usize::from(key.size));
        }
        assert!(r.in_progress() <= 2);
        if let Some(t) = r.poll_at() {
            assert!(t > now);
        }
    }
});
