//! The Trickle timer (RFC 6206), as RPL uses it for DIOs (RFC 6550 §8.3).
//!
//! Sans-IO: the timer never reads a clock. The caller passes `now` and the
//! node's [`Rng`] to every call that may start an interval, asks
//! [`Trickle::poll_at`] when to call again, and sends a DIO when
//! [`Trickle::poll`] returns `true`.
//!
//! Each rule of RFC 6206 §4.2 is marked in the code where it is applied:
//!
//! 1. start with I in [Imin, Imax] (this timer starts at Imin);
//! 2. at the start of an interval, c = 0 and t is drawn from [I/2, I);
//! 3. a consistent transmission increments c;
//! 4. at t, transmit iff c < k;
//! 5. when I expires, double it, capped at Imax;
//! 6. an inconsistent transmission resets I to Imin, unless I is Imin.
//!
//! `k = 0` stands for an infinite redundancy constant: the timer never
//! suppresses (RFC 6206 §6 lets k be infinite; Contiki-NG uses 0 for it).
//!
//! ```
//! use sixlo::mac::Rng;
//! use sixlo::rpl::trickle::{Trickle, TrickleParams};
//! use sixlo::time::Instant;
//!
//! let mut rng = Rng::new(7);
//! let mut t = Trickle::new(TrickleParams::SIXLO_DEFAULT);
//! t.start(Instant::ZERO, &mut rng);
//! let at = t.poll_at(); // somewhere in [2048 ms, 4096 ms)
//! assert!(t.poll(at, &mut rng)); // no DIO heard: send ours
//! ```

use crate::mac::Rng;
use crate::time::{Duration, Instant};
use crate::wire::rpl::options::DodagConfiguration;

/// Trickle parameters (RFC 6206 §4.1): Imin, Imax as doublings of Imin, k.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrickleParams {
    /// The minimum interval Imin.
    pub imin: Duration,
    /// Imax = Imin × 2^doublings (RFC 6206 §4.1).
    pub doublings: u8,
    /// The redundancy constant k; 0 means infinity (never suppress).
    pub k: u8,
}

impl TrickleParams {
    /// RFC 6550 §17 defaults: DEFAULT_DIO_INTERVAL_MIN 3 (Imin = 2^3 =
    /// 8 ms), DEFAULT_DIO_INTERVAL_DOUBLINGS 20 (Imax ≈ 2.3 h),
    /// DEFAULT_DIO_REDUNDANCY_CONSTANT 10. RIOT's GNRC RPL uses these.
    pub const RFC6550_DEFAULT: TrickleParams = TrickleParams::from_exponent(3, 20, 10);

    /// sixlo's default, for interop with Contiki-NG: Imin 2^12 ms
    /// (4.096 s), 8 doublings (Imax 2^20 ms ≈ 17.5 min), k 10 (Contiki-NG
    /// `rpl-conf.h`: RPL_DIO_INTERVAL_MIN 12, RPL_DIO_INTERVAL_DOUBLINGS 8,
    /// RPL_DIO_REDUNDANCY 10). A joining node takes the root's values from
    /// the DODAG Configuration option anyway ([`Self::from_dodag_config`]).
    pub const SIXLO_DEFAULT: TrickleParams = TrickleParams::from_exponent(12, 8, 10);

    /// Parameters as a DODAG Configuration option carries them: Imin is
    /// 2^`dio_interval_min` ms (RFC 6550 §6.7.6, §8.3.1). Exponents too
    /// large for 64 bits of microseconds saturate.
    pub const fn from_exponent(dio_interval_min: u8, doublings: u8, k: u8) -> Self {
        let ms = if dio_interval_min < 64 { 1u64 << dio_interval_min } else { u64::MAX };
        TrickleParams { imin: Duration::from_millis(ms), doublings, k }
    }

    /// The Trickle parameters of a received DODAG Configuration option
    /// (RFC 6550 §8.3.1: Imin, doublings and k come from it).
    #[inline(never)]
    pub fn from_dodag_config(c: &DodagConfiguration) -> Self {
        Self::from_exponent(c.dio_interval_min, c.dio_interval_doublings, c.dio_redundancy_constant)
    }

    /// Imin in microseconds, at least 1 so that [I/2, I) is never empty.
    fn imin_us(&self) -> u64 {
        self.imin.total_micros().max(1)
    }

    /// Imax = Imin × 2^doublings (RFC 6206 §4.1), saturating.
    pub fn imax(&self) -> Duration {
        let factor = 1u64.checked_shl(u32::from(self.doublings)).unwrap_or(u64::MAX);
        Duration::from_micros(self.imin_us().saturating_mul(factor))
    }
}

impl Default for TrickleParams {
    fn default() -> Self {
        Self::SIXLO_DEFAULT
    }
}

/// A Trickle timer (RFC 6206 §4.2). Stopped until [`Trickle::start`].
/// 40 bytes on 64-bit targets (the parameters are kept field by field, so
/// the small fields share one padding; the times stay exact microseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trickle {
    /// Imin ([`TrickleParams::imin`]).
    imin: Duration,
    /// [`TrickleParams::doublings`].
    doublings: u8,
    /// [`TrickleParams::k`].
    k: u8,
    running: bool,
    /// Current interval length I.
    interval: Duration,
    /// When the current interval began.
    begin: Instant,
    /// The transmission time t of the current interval.
    t: Instant,
    /// Whether t of the current interval has been handled.
    t_done: bool,
    /// The consistency counter c.
    c: u16,
}

impl Trickle {
    /// A stopped timer with `params`.
    pub const fn new(params: TrickleParams) -> Self {
        Trickle {
            imin: params.imin,
            doublings: params.doublings,
            k: params.k,
            running: false,
            interval: Duration::ZERO,
            begin: Instant::ZERO,
            t: Instant::MAX,
            t_done: true,
            c: 0,
        }
    }

    /// The parameters.
    pub fn params(&self) -> TrickleParams {
        TrickleParams { imin: self.imin, doublings: self.doublings, k: self.k }
    }

    /// Changes the parameters (e.g. from a new DODAG Configuration); takes
    /// effect at the next [`Trickle::start`].
    pub fn set_params(&mut self, params: TrickleParams) {
        (self.imin, self.doublings, self.k) = (params.imin, params.doublings, params.k);
    }

    /// Starts (or restarts) the timer at Imin.
    pub fn start(&mut self, now: Instant, rng: &mut Rng) {
        // RFC 6206 §4.2 rule 1: I is set to a value in [Imin, Imax]; RPL
        // starts at Imin (RFC 6550 §8.3) so a new DODAG spreads fast.
        self.running = true;
        self.interval = Duration::from_micros(self.params().imin_us());
        self.begin_interval(now, rng);
    }

    /// Stops the timer ([`Trickle::poll_at`] becomes [`Instant::MAX`]).
    #[inline(never)]
    pub fn stop(&mut self) {
        *self = Trickle::new(self.params());
    }

    /// Whether the timer runs.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// A consistent transmission was heard.
    pub fn consistent(&mut self) {
        // RFC 6206 §4.2 rule 3: increment c.
        self.c = self.c.saturating_add(1);
    }

    /// An inconsistent transmission was heard, or an external event asks
    /// for a reset (RFC 6550 §8.3: e.g. a multicast DIS, a new version).
    pub fn inconsistent(&mut self, now: Instant, rng: &mut Rng) {
        if !self.running {
            return;
        }
        // RFC 6206 §4.2 rule 6: if I > Imin, set I to Imin and start a new
        // interval; if I is already Imin, do nothing.
        let imin = self.params().imin_us();
        if self.interval.total_micros() > imin {
            self.interval = Duration::from_micros(imin);
            self.begin_interval(now, rng);
        }
    }

    /// Advances the timer to `now`; `true` when a transmission is due.
    ///
    /// Call it at [`Trickle::poll_at`] (calling earlier is harmless). When
    /// called late, a missed t still reports one transmission, and an
    /// interval that ended long ago restarts at `now` instead of replaying
    /// every interval in between (bounded work).
    pub fn poll(&mut self, now: Instant, rng: &mut Rng) -> bool {
        let mut transmit = false;
        // At most two rounds: the second interval starts at `now` at the
        // latest, so it cannot have ended yet.
        for _ in 0..3 {
            if !self.running {
                break;
            }
            if !self.t_done && now >= self.t {
                self.t_done = true;
                // RFC 6206 §4.2 rule 4: at t, transmit iff c < k
                // (k = 0: infinite redundancy constant, always transmit).
                if self.k == 0 || self.c < u16::from(self.k) {
                    transmit = true;
                }
            }
            let end = self.begin + self.interval;
            if now < end {
                break;
            }
            // RFC 6206 §4.2 rule 5: when I expires, double it, capped at Imax.
            let doubled = self.interval.total_micros().saturating_mul(2);
            self.interval = Duration::from_micros(doubled.min(self.params().imax().total_micros()));
            let begin = if now < end + self.interval { end } else { now };
            self.begin_interval(begin, rng);
        }
        transmit
    }

    /// When to call [`Trickle::poll`] next: t, or the end of the interval
    /// once t has passed; [`Instant::MAX`] when stopped.
    pub fn poll_at(&self) -> Instant {
        match (self.running, self.t_done) {
            (false, _) => Instant::MAX,
            (true, false) => self.t,
            (true, true) => self.begin + self.interval,
        }
    }

    /// The current interval length I (zero when stopped).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the current interval began.
    pub fn interval_start(&self) -> Instant {
        self.begin
    }

    /// The transmission time t of the current interval.
    pub fn transmit_time(&self) -> Instant {
        self.t
    }

    /// The counter c of consistent transmissions heard in this interval.
    pub fn counter(&self) -> u16 {
        self.c
    }

    fn begin_interval(&mut self, begin: Instant, rng: &mut Rng) {
        // RFC 6206 §4.2 rule 2: c = 0, t uniform in [I/2, I).
        let i = self.interval.total_micros();
        let half = i / 2;
        let span = i - half; // ≥ 1 because I ≥ 1 µs
        let offset = half + uniform_below(rng, span);
        self.begin = begin;
        self.t = begin + Duration::from_micros(offset);
        self.t_done = false;
        self.c = 0;
    }
}

/// A uniform value in `0..n` for `n ≥ 1` (multiply-shift, bias < 2^-64·n).
fn uniform_below(rng: &mut Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: TrickleParams = TrickleParams { imin: Duration::from_millis(100), doublings: 3, k: 2 };

    /// Runs the timer at its own deadlines until `until`, returning the
    /// (interval length, transmitted) pairs of every finished t.
    fn run(tr: &mut Trickle, rng: &mut Rng, until: Instant) -> heapless::Vec<(u64, bool), 64> {
        let mut out = heapless::Vec::new();
        while tr.poll_at() <= until {
            let at = tr.poll_at();
            let i = tr.interval().total_millis();
            let was_t = tr.poll_at() == tr.transmit_time();
            let tx = tr.poll(at, rng);
            if was_t {
                out.push((i, tx)).unwrap();
            }
        }
        out
    }

    #[test]
    fn defaults() {
        assert_eq!(TrickleParams::RFC6550_DEFAULT.imin, Duration::from_millis(8));
        assert_eq!(TrickleParams::RFC6550_DEFAULT.imax(), Duration::from_millis(8 << 20));
        assert_eq!(TrickleParams::SIXLO_DEFAULT.imin, Duration::from_millis(4096));
        assert_eq!(TrickleParams::SIXLO_DEFAULT.imax(), Duration::from_millis(1 << 20));
        assert_eq!(TrickleParams::SIXLO_DEFAULT.k, 10);
        // Hostile exponents saturate instead of overflowing.
        let p = TrickleParams::from_exponent(255, 255, 1);
        assert_eq!(p.imax(), Duration::MAX);
    }

    #[test]
    fn interval_sequence_doubles_to_imax() {
        let mut rng = Rng::new(1);
        let mut tr = Trickle::new(P);
        assert_eq!(tr.poll_at(), Instant::MAX);
        tr.start(Instant::ZERO, &mut rng);
        let seq = run(&mut tr, &mut rng, Instant::from_millis(100 + 200 + 400 + 800 + 800 - 1));
        let lens: heapless::Vec<u64, 8> = seq.iter().map(|x| x.0).collect();
        assert_eq!(lens.as_slice(), &[100, 200, 400, 800, 800]);
        assert!(seq.iter().all(|x| x.1), "nothing heard: always transmit");
        assert_eq!(tr.interval_start(), Instant::from_millis(1500));
    }

    #[test]
    fn suppression_when_c_reaches_k() {
        let mut rng = Rng::new(2);
        let mut tr = Trickle::new(P);
        tr.start(Instant::ZERO, &mut rng);
        tr.consistent();
        assert!(tr.poll(tr.poll_at(), &mut rng), "c = 1 < k = 2");
        tr.poll(tr.poll_at(), &mut rng); // end of interval 1
        assert_eq!(tr.counter(), 0);
        tr.consistent();
        tr.consistent();
        assert!(!tr.poll(tr.poll_at(), &mut rng), "c = 2 = k: suppressed");
    }

    #[test]
    fn k_zero_never_suppresses() {
        let mut rng = Rng::new(3);
        let mut tr = Trickle::new(TrickleParams { k: 0, ..P });
        tr.start(Instant::ZERO, &mut rng);
        for _ in 0..100 {
            tr.consistent();
        }
        assert!(tr.poll(tr.poll_at(), &mut rng));
    }

    #[test]
    fn inconsistency_resets_unless_at_imin() {
        let mut rng = Rng::new(4);
        let mut tr = Trickle::new(P);
        tr.start(Instant::ZERO, &mut rng);
        let t0 = tr.transmit_time();
        tr.inconsistent(Instant::from_millis(10), &mut rng);
        assert_eq!(tr.transmit_time(), t0, "I = Imin: nothing happens");
        run(&mut tr, &mut rng, Instant::from_millis(350));
        assert_eq!(tr.interval(), Duration::from_millis(400));
        tr.inconsistent(Instant::from_millis(360), &mut rng);
        assert_eq!(tr.interval(), Duration::from_millis(100));
        assert_eq!(tr.interval_start(), Instant::from_millis(360));
        assert_eq!(tr.counter(), 0);
        assert!(tr.poll_at() >= Instant::from_millis(410) && tr.poll_at() < Instant::from_millis(460));
    }

    #[test]
    fn late_poll_is_bounded_and_restarts_at_now() {
        let mut rng = Rng::new(5);
        let mut tr = Trickle::new(P);
        tr.start(Instant::ZERO, &mut rng);
        assert!(tr.poll(Instant::from_secs(3600), &mut rng));
        assert_eq!(tr.interval(), Duration::from_millis(200));
        assert_eq!(tr.interval_start(), Instant::from_secs(3600));
    }
}
