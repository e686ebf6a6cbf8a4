//! Time as plain numbers: the stack never reads a clock.
//!
//! Every function that needs the time takes an [`Instant`] from the caller
//! (firmware's timer, or the simulator's virtual clock), which is what lets
//! firmware and `sixlo-sim` run identical code. Both types count
//! microseconds in a `u64`, enough for 584,000 years of uptime.
//!
//! Table entries keep their time stamps in two compact forms, to save RAM
//! (issue #4): [`InstantSecs`] (4 bytes, whole seconds) for lifetimes that
//! are given in seconds or minutes on the wire, and [`InstantMillis`]
//! (6 bytes, whole milliseconds) where ordering by arrival or a short
//! window needs finer time.

use core::fmt;
use core::num::NonZeroU32;
use core::ops::{Add, AddAssign, Sub, SubAssign};

/// A point in time, in microseconds since an arbitrary epoch (usually boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    micros: u64,
}

/// A span of time in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    micros: u64,
}

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant { micros: 0 };
    /// The latest representable instant; a deadline that never comes.
    pub const MAX: Instant = Instant { micros: u64::MAX };

    /// An instant `micros` microseconds after the epoch.
    pub const fn from_micros(micros: u64) -> Self {
        Instant { micros }
    }
    /// An instant `millis` milliseconds after the epoch (saturating).
    pub const fn from_millis(millis: u64) -> Self {
        Instant { micros: millis.saturating_mul(1_000) }
    }
    /// An instant `secs` seconds after the epoch (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Instant { micros: secs.saturating_mul(1_000_000) }
    }
    /// Microseconds since the epoch.
    pub const fn total_micros(self) -> u64 {
        self.micros
    }
    /// Whole milliseconds since the epoch.
    pub const fn total_millis(self) -> u64 {
        self.micros / 1_000
    }
    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration { micros: self.micros.saturating_sub(earlier.micros) }
    }
    /// `self + d`, or `None` on overflow.
    pub const fn checked_add(self, d: Duration) -> Option<Instant> {
        match self.micros.checked_add(d.micros) {
            Some(micros) => Some(Instant { micros }),
            None => None,
        }
    }
}

/// The earlier of two deadlines (`None`: no deadline). One small function
/// instead of an iterator chain at every `poll_at` keeps code size down.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y < x { y } else { x }),
        (None, y) => y,
        (x, None) => x,
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration { micros: 0 };
    /// The longest representable span.
    pub const MAX: Duration = Duration { micros: u64::MAX };

    /// A span of `micros` microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        Duration { micros }
    }
    /// A span of `millis` milliseconds (saturating).
    pub const fn from_millis(millis: u64) -> Self {
        Duration { micros: millis.saturating_mul(1_000) }
    }
    /// A span of `secs` seconds (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Duration { micros: secs.saturating_mul(1_000_000) }
    }
    /// The span in microseconds.
    pub const fn total_micros(self) -> u64 {
        self.micros
    }
    /// The span in whole milliseconds.
    pub const fn total_millis(self) -> u64 {
        self.micros / 1_000
    }
    /// The span in whole seconds.
    pub const fn total_secs(self) -> u64 {
        self.micros / 1_000_000
    }
}

// Arithmetic saturates instead of panicking: a deadline computed from a huge
// lifetime taken off the wire must not bring a node down.
impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant { micros: self.micros.saturating_add(rhs.micros) }
    }
}
impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}
impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        Instant { micros: self.micros.saturating_sub(rhs.micros) }
    }
}
impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}
impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}
impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration { micros: self.micros.saturating_add(rhs.micros) }
    }
}
impl AddAssign for Duration {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}
impl Sub for Duration {
    type Output = Duration;
    fn sub(self, rhs: Duration) -> Duration {
        Duration { micros: self.micros.saturating_sub(rhs.micros) }
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.micros / 1_000_000, self.micros % 1_000_000)
    }
}
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.micros / 1_000_000, self.micros % 1_000_000)
    }
}

/// A point in time in whole seconds since the epoch, in 4 bytes.
///
/// For table entries whose times are lifetimes of seconds or more:
/// registrations (RFC 6775 §4.1: minutes), reachability (RFC 4861 §10:
/// 30 s), routes (RFC 6550 §6.7.6: lifetime units of seconds). Against a
/// 16-byte `Option<Instant>` it saves 12 bytes per stamp.
///
/// **Rounding rule.** A deadline rounds *up* ([`InstantSecs::ceil`],
/// [`InstantSecs::deadline`]): nothing expires early, at most one second
/// late. A "last used" stamp rounds *down* ([`InstantSecs::floor`]).
///
/// **Range and "never".** 0 to `u32::MAX - 1` seconds (136 years);
/// [`InstantSecs::MAX`], the last of them, is the deadline that never comes:
/// [`Instant::MAX`], a [`Duration::MAX`] lifetime and every time past the
/// range map to it, and it converts back to [`Instant::MAX`]. The value is
/// stored plus one in a [`NonZeroU32`], so `Option<InstantSecs>` is 4 bytes
/// as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstantSecs(NonZeroU32);

impl InstantSecs {
    /// The epoch.
    pub const ZERO: InstantSecs = InstantSecs(NonZeroU32::MIN);
    /// The deadline that never comes (see the type's docs).
    pub const MAX: InstantSecs = InstantSecs(NonZeroU32::MAX);

    /// `secs` seconds after the epoch, [`InstantSecs::MAX`] from
    /// `u32::MAX - 1` on.
    pub const fn from_secs(secs: u64) -> Self {
        let stored = if secs >= u32::MAX as u64 { u32::MAX } else { secs as u32 + 1 };
        match NonZeroU32::new(stored) {
            Some(n) => InstantSecs(n),
            None => InstantSecs::MAX,
        }
    }
    /// `t` rounded up to a whole second (for deadlines).
    pub const fn ceil(t: Instant) -> Self {
        if t.micros == u64::MAX {
            return InstantSecs::MAX;
        }
        InstantSecs::from_secs(t.micros.div_ceil(1_000_000))
    }
    /// `t` rounded down to a whole second (for "last used" stamps).
    pub const fn floor(t: Instant) -> Self {
        InstantSecs::from_secs(t.micros / 1_000_000)
    }
    /// The deadline `lifetime` after `now`, rounded up; a
    /// [`Duration::MAX`] lifetime never ends.
    pub fn deadline(now: Instant, lifetime: Duration) -> Self {
        InstantSecs::ceil(now + lifetime)
    }
    /// Whole seconds since the epoch.
    pub const fn total_secs(self) -> u32 {
        self.0.get() - 1
    }
    /// As an [`Instant`]; [`InstantSecs::MAX`] is [`Instant::MAX`].
    pub const fn to_instant(self) -> Instant {
        // Below 2^32 s there is no overflow in µs: no saturation needed.
        if self.0.get() == u32::MAX {
            Instant::MAX
        } else {
            Instant::from_micros(self.total_secs() as u64 * 1_000_000)
        }
    }
    /// True when the deadline `self` has come at `now`.
    pub fn reached(self, now: Instant) -> bool {
        now >= self.to_instant()
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.to_instant().saturating_duration_since(earlier)
    }
}

impl Default for InstantSecs {
    fn default() -> Self {
        InstantSecs::ZERO
    }
}

impl From<InstantSecs> for Instant {
    fn from(t: InstantSecs) -> Instant {
        t.to_instant()
    }
}

impl fmt::Display for InstantSecs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == InstantSecs::MAX { f.write_str("never") } else { write!(f, "{}s", self.total_secs()) }
    }
}

/// A point in time in whole milliseconds since the epoch, in 6 bytes with
/// 2-byte alignment (48 bits: 8,900 years, then it saturates).
///
/// For stamps that order events or time a short window: when a frame was
/// heard (duplicate filter), a link last seen (eviction), a DIO last
/// received (parent choice). A millisecond is below the airtime of any
/// frame, so ordering by it is as good as by the microsecond. The stamp
/// rounds *down* ([`InstantMillis::floor`]). Against an 8-byte `Instant`
/// it saves 2 bytes and the 8-byte alignment (up to 6 more of padding).
// The low 16 bits first: on a little-endian target the two low words read
// as one 32-bit load, so `total_millis` (every comparison) is smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InstantMillis([u16; 3]);

impl InstantMillis {
    /// The epoch.
    pub const ZERO: InstantMillis = InstantMillis([0; 3]);
    /// The latest representable stamp.
    pub const MAX: InstantMillis = InstantMillis([u16::MAX; 3]);

    /// `t` rounded down to a whole millisecond (saturating).
    pub const fn floor(t: Instant) -> Self {
        let ms = t.total_millis();
        if ms >= 1 << 48 {
            return InstantMillis::MAX;
        }
        InstantMillis([ms as u16, (ms >> 16) as u16, (ms >> 32) as u16])
    }
    /// Whole milliseconds since the epoch.
    pub const fn total_millis(self) -> u64 {
        (self.0[2] as u64) << 32 | (self.0[1] as u64) << 16 | self.0[0] as u64
    }
    /// As an [`Instant`].
    pub const fn to_instant(self) -> Instant {
        // Below 2^48 ms there is no overflow in µs: no saturation needed.
        Instant::from_micros(self.total_millis() * 1_000)
    }
}

// One `u64` comparison: smaller code than the derived word-by-word one.
impl Ord for InstantMillis {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.total_millis().cmp(&other.total_millis())
    }
}
impl PartialOrd for InstantMillis {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl From<InstantMillis> for Instant {
    fn from(t: InstantMillis) -> Instant {
        t.to_instant()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let t = Instant::from_millis(1500);
        assert_eq!(t.total_micros(), 1_500_000);
        assert_eq!((t + Duration::from_secs(2)).total_millis(), 3500);
        assert_eq!(t - Instant::from_secs(1), Duration::from_millis(500));
        assert_eq!(Instant::from_secs(1) - t, Duration::ZERO);
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Instant::MAX.checked_add(Duration::from_micros(1)), None);
        assert_eq!(format!("{}", Instant::from_micros(2_000_345)), "2.000345s");
    }

    #[test]
    fn compact_seconds() {
        let t = Instant::from_micros(2_000_001);
        assert_eq!(InstantSecs::ceil(t).total_secs(), 3);
        assert_eq!(InstantSecs::floor(t).total_secs(), 2);
        assert_eq!(InstantSecs::ceil(Instant::from_secs(2)), InstantSecs::from_secs(2));
        assert_eq!(InstantSecs::deadline(t, Duration::from_secs(30)).to_instant(), Instant::from_secs(33));
        assert_eq!(InstantSecs::deadline(t, Duration::MAX), InstantSecs::MAX);
        assert_eq!(InstantSecs::ceil(Instant::MAX).to_instant(), Instant::MAX);
        assert_eq!(InstantSecs::from_secs(u64::from(u32::MAX) - 1), InstantSecs::MAX);
        assert_eq!(InstantSecs::from_secs(u64::from(u32::MAX) - 2).total_secs(), u32::MAX - 2);
        assert!(
            InstantSecs::ZERO < InstantSecs::from_secs(1) && InstantSecs::from_secs(1) < InstantSecs::MAX
        );
        let d = InstantSecs::from_secs(3);
        assert!(!d.reached(Instant::from_micros(2_999_999)) && d.reached(Instant::from_secs(3)));
        assert_eq!(d.saturating_duration_since(t), Duration::from_micros(999_999));
        assert_eq!(core::mem::size_of::<Option<InstantSecs>>(), 4);
        assert_eq!(format!("{d} {}", InstantSecs::MAX), "3s never");
    }

    #[test]
    fn compact_millis() {
        let t = InstantMillis::floor(Instant::from_micros(70_000_123_999));
        assert_eq!(t.total_millis(), 70_000_123);
        assert_eq!(t.to_instant(), Instant::from_millis(70_000_123));
        assert!(
            InstantMillis::floor(Instant::from_millis(65_536))
                > InstantMillis::floor(Instant::from_millis(65_535))
        );
        assert!(
            InstantMillis::floor(Instant::from_millis(1 << 32))
                > InstantMillis::floor(Instant::from_millis(u64::from(u32::MAX)))
        );
        assert_eq!(InstantMillis::floor(Instant::MAX), InstantMillis::MAX);
        assert_eq!((core::mem::size_of::<InstantMillis>(), core::mem::align_of::<InstantMillis>()), (6, 2));
    }
}
