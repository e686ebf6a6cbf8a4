//! A small FIFO (the RPL instance's control queue and events, the node's events): at most
//! `N` copies kept oldest first at the front of `N` slots, so a queue
//! costs its slots and nothing else (a `heapless::Deque` adds two
//! `usize`s and a flag). Pushing into a full ring drops the oldest entry.

/// A FIFO of at most `N` entries, oldest first, packed at the front.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ring<T, const N: usize> {
    slots: [Option<T>; N],
}

impl<T: Copy, const N: usize> Ring<T, N> {
    /// An empty ring.
    pub(crate) const fn new() -> Self {
        Ring { slots: [None; N] }
    }

    /// Whether the ring holds no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.first().is_none_or(Option::is_none)
    }

    /// Whether every slot is used (the next `push_overwrite` drops one).
    pub(crate) fn is_full(&self) -> bool {
        self.slots.last().is_some_and(Option::is_some)
    }

    /// Appends `v`; when the ring is full the oldest entry goes first.
    /// Returns whether one was dropped.
    pub(crate) fn push_overwrite(&mut self, v: T) -> bool {
        let full = self.slots.last().is_some_and(Option::is_some);
        if full {
            self.pop_front();
        }
        if let Some(s) = self.slots.iter_mut().find(|s| s.is_none()) {
            *s = Some(v);
        }
        full
    }

    /// Removes and returns the oldest entry.
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        let v = self.slots.first().copied().flatten();
        self.slots.rotate_left(1);
        if let Some(s) = self.slots.last_mut() {
            *s = None;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_drops_oldest_when_full() {
        let mut r: Ring<u8, 3> = Ring::new();
        assert!(r.is_empty());
        assert!(!r.push_overwrite(1));
        assert!(!r.push_overwrite(2));
        assert_eq!(r.pop_front(), Some(1));
        assert!(!r.push_overwrite(3));
        assert!(!r.push_overwrite(4));
        assert!(r.is_full());
        assert!(r.push_overwrite(5), "full: 2 dropped");
        assert_eq!((r.pop_front(), r.pop_front(), r.pop_front()), (Some(3), Some(4), Some(5)));
        assert_eq!(r.pop_front(), None);
        assert!(r.is_empty());
    }
}
