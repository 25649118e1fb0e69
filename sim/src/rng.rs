//! A tiny deterministic random number generator (SplitMix64).
//!
//! Everything random in a scenario (blink times, head sway, sensor noise, heart-rate variability) comes
//! from here, seeded by the scenario's `seed` and a per-purpose label, so a run is a pure function of
//! the scenario file: the same file gives the same pixels and samples on every machine, whatever the
//! thread timing. No external crate: the algorithm is ten lines and its output is fixed forever.

/// SplitMix64 (Steele, Lea, Flood 2014): 64-bit state, passes BigCrush, trivially reproducible.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a label, so streams for different purposes are independent.
fn label_hash(label: &str) -> u64 {
    label.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng {
            state: mix(seed ^ 0x9E37_79B9_7F4A_7C15),
        }
    }

    /// An independent stream for `label` (e.g. "blinks") and `index` (e.g. a frame number).
    pub fn stream(seed: u64, label: &str, index: u64) -> Self {
        Rng::new(mix(seed ^ label_hash(label)) ^ mix(index.wrapping_add(0x632B_E59B_D9B4_E019)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box-Muller; one value per call, the second is discarded for simplicity).
    pub fn gaussian(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).max(1e-300).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(7, "x", 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::stream(7, "x", 3).next_u64(),
            Rng::stream(7, "x", 4).next_u64()
        );
        assert_ne!(
            Rng::stream(7, "x", 3).next_u64(),
            Rng::stream(7, "y", 3).next_u64()
        );
        let mut r = Rng::new(1);
        let n = 20_000;
        let mean = (0..n).map(|_| r.gaussian()).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.05, "{mean}");
    }
}
