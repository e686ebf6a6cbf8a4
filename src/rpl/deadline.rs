//! An optional deadline in the 8 bytes of an [`Instant`] (an
//! `Option<Instant>` takes 16: a `u64` has no niche), for the RPL timers
//! that must stay exact to the microsecond (rounding them changed the
//! simulator's outcomes, issue #4).

use crate::time::Instant;

/// `None` or an exact [`Instant`]. [`Instant::MAX`] stands for `None`, so
/// a deadline that saturated to `Instant::MAX` is kept one microsecond
/// earlier, 584,000 years after the epoch: no caller can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// No deadline.
    pub(crate) const NONE: Deadline = Deadline(Instant::MAX);

    /// A deadline at `t` (at most one microsecond before [`Instant::MAX`]).
    #[inline(never)]
    pub(crate) fn at(t: Instant) -> Self {
        Deadline(t.min(Instant::from_micros(u64::MAX - 1)))
    }

    /// The deadline, if set.
    pub(crate) fn get(self) -> Option<Instant> {
        (self != Self::NONE).then_some(self.0)
    }

    /// Whether a deadline is set.
    pub(crate) fn is_some(self) -> bool {
        self != Self::NONE
    }
}

impl From<Option<Instant>> for Deadline {
    fn from(t: Option<Instant>) -> Self {
        t.map_or(Self::NONE, Self::at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_round_trip() {
        assert_eq!(Deadline::NONE.get(), None);
        assert_eq!(Deadline::from(None).get(), None);
        let t = Instant::from_micros(1_234_567);
        assert_eq!(Deadline::at(t).get(), Some(t));
        assert_eq!(Deadline::at(Instant::ZERO).get(), Some(Instant::ZERO));
        // Saturated: still a deadline, one microsecond earlier.
        assert_eq!(Deadline::at(Instant::MAX).get(), Some(Instant::from_micros(u64::MAX - 1)));
        assert!(Deadline::at(Instant::MAX).is_some());
        assert_eq!(core::mem::size_of::<Deadline>(), 8);
    }
}
