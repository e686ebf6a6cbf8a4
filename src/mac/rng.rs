//! A tiny deterministic PRNG (SplitMix64) for backoff draws.
//!
//! Not cryptographic. A node has one, seeded from
//! [`crate::node::NodeConfig::seed`] and lent to the MAC where it draws, so
//! a simulation with the same seeds replays the same backoffs.

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit add and a mix per draw.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed` (any value, zero included).
    pub const fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform value in `0..=max` (bias below 2^-32 for small `max`).
    pub fn up_to(&mut self, max: u32) -> u32 {
        let span = u64::from(max) + 1;
        (((self.next_u64() >> 32) * span) >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (reference implementation).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn up_to_covers_range() {
        let mut r = Rng::new(42);
        let mut seen = [false; 8];
        for _ in 0..200 {
            let v = r.up_to(7);
            assert!(v <= 7);
            seen[v as usize] = true;
        }
        assert_eq!(seen, [true; 8]);
        assert_eq!(r.up_to(0), 0);
    }
}
