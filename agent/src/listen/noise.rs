//! Cabin noise for measuring speech to text in a moving car, and mixing it with speech at an exact SNR.
//!
//! **The noise is synthetic.** No recording of car-interior noise ships in a package registry this
//! project can fetch from (checked: PyPI/npm audio-augmentation packages ship none in their sdists;
//! Debian's racing-game data are engine samples heard from outside, 333 MB). So this is a documented
//! model, deterministic for a seed, built from what measured car-interior spectra look like:
//! - **road and tyre rumble**: brown noise (white noise through a leaky integrator, −6 dB/octave above
//!   a 20 Hz corner). Recorded interior noise of four cars on cobbles, city roads and the motorway has
//!   "most of [its] spectral energy contained in the frequency band from 0 to 500 Hz" (B. Schuller,
//!   *Intelligent Audio Analysis*, Springer 2013, ch. 10, fig. 10.2); the model keeps ~90 % of its power
//!   below 500 Hz ([`CabinNoise::power_below`] measures it);
//! - **engine**: the firing frequency of a four-cylinder four-stroke engine (two firings per
//!   revolution: the 2nd engine order, the dominant one of such engines) and its 2nd and 3rd harmonics,
//!   at 2,400 rpm (about 100 km/h in top gear) wobbling ±3 % at 0.2 Hz, so the tones are not
//!   perfectly stationary;
//! - **wind and tyre hiss**: white noise through a one-pole low-pass at 1 kHz, the broadband part that
//!   reaches the speech band.
//!
//! Component powers are fixed (rumble 1, engine 0.25, hiss 0.06) and the sum is scaled to unit power;
//! [`mix_at_snr`] scales it to the SNR asked for.

use super::vad::SAMPLE_RATE;
use std::f64::consts::PI;

/// Engine speed of the model, rpm.
pub const ENGINE_RPM: f64 = 2400.0;
/// Firings per revolution of a four-cylinder four-stroke engine.
const FIRINGS_PER_REV: f64 = 2.0;
/// Relative powers of the components (rumble, engine, hiss): rumble dominates, as in the recordings.
const RUMBLE_POWER: f64 = 1.0;
const ENGINE_POWER: f64 = 0.25;
const HISS_POWER: f64 = 0.06;

/// SplitMix64: a tiny, well-mixed generator, so a seed gives the same noise on every machine.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller, one value per call: simple, and speed does not matter here).
    fn gaussian(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

/// The synthetic cabin-noise generator (16 kHz). See the module docs.
#[derive(Clone, Debug)]
pub struct CabinNoise {
    rng: SplitMix64,
    rumble: f64,
    hiss: f64,
    engine_phase: f64,
    t: u64,
}

/// Gain that brings unit-variance white noise through `y = a*y + x` to unit power: the filter's power
/// gain is 1 / (1 - a^2).
fn leaky_gain(a: f64) -> f64 {
    (1.0 - a * a).sqrt()
}

impl CabinNoise {
    pub fn new(seed: u64) -> Self {
        CabinNoise {
            rng: SplitMix64(seed),
            rumble: 0.0,
            hiss: 0.0,
            engine_phase: 0.0,
            t: 0,
        }
    }

    /// The next `n` samples (unit power on average).
    pub fn take(&mut self, n: usize) -> Vec<f32> {
        let fs = SAMPLE_RATE as f64;
        let a_rumble = (-2.0 * PI * 20.0 / fs).exp();
        let a_hiss = (-2.0 * PI * 1000.0 / fs).exp();
        let g_rumble = leaky_gain(a_rumble);
        // The one-pole low-pass y = a*y + (1-a)*x has power gain (1-a)^2 / (1-a^2).
        let g_hiss = ((1.0 - a_hiss * a_hiss).sqrt()) / (1.0 - a_hiss);
        // Harmonic amplitudes 1, 0.5, 0.3 of the firing frequency; a sine of amplitude A has power A^2/2.
        let harmonics = [1.0, 0.5, 0.3];
        let harmonic_power: f64 = harmonics.iter().map(|a| a * a / 2.0).sum();
        let g_engine = (ENGINE_POWER / harmonic_power).sqrt();
        let total = (RUMBLE_POWER + ENGINE_POWER + HISS_POWER).sqrt();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = self.t as f64 / fs;
            self.t += 1;
            self.rumble = a_rumble * self.rumble + self.rng.gaussian();
            self.hiss = a_hiss * self.hiss + (1.0 - a_hiss) * self.rng.gaussian();
            let rpm = ENGINE_RPM * (1.0 + 0.03 * (2.0 * PI * 0.2 * t).sin());
            self.engine_phase += 2.0 * PI * rpm / 60.0 * FIRINGS_PER_REV / fs;
            self.engine_phase %= 2.0 * PI * 60.0; // a common period of the three harmonics
            let engine: f64 = harmonics
                .iter()
                .enumerate()
                .map(|(k, a)| a * ((k + 1) as f64 * self.engine_phase).sin())
                .sum();
            let v = RUMBLE_POWER.sqrt() * g_rumble * self.rumble
                + g_engine * engine
                + HISS_POWER.sqrt() * g_hiss * self.hiss;
            out.push((v / total) as f32);
        }
        out
    }

    /// The share of `samples`' power below `hz` (a DFT over the first 2^13 samples, Hann window): how
    /// low-frequency the noise is, to compare with measured cabin noise.
    pub fn power_below(samples: &[f32], hz: f64) -> f64 {
        let n = samples.len().min(1 << 13);
        if n < 2 {
            return 0.0;
        }
        let fs = SAMPLE_RATE as f64;
        let windowed: Vec<f64> = samples[..n]
            .iter()
            .enumerate()
            .map(|(i, &x)| x as f64 * (0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()))
            .collect();
        // Power per frequency bin by a plain DFT at a stride of bins: enough for a share.
        let step = 2;
        let (mut below, mut all) = (0.0, 0.0);
        for k in (1..n / 2).step_by(step) {
            let w = 2.0 * PI * k as f64 / n as f64;
            let (mut re, mut im) = (0.0, 0.0);
            for (i, x) in windowed.iter().enumerate() {
                re += x * (w * i as f64).cos();
                im -= x * (w * i as f64).sin();
            }
            let p = re * re + im * im;
            all += p;
            if k as f64 * fs / n as f64 <= hz {
                below += p;
            }
        }
        if all > 0.0 {
            below / all
        } else {
            0.0
        }
    }
}

/// Power of the active speech in `speech`: the mean square over 32 ms frames within 30 dB of the loud
/// frames (the 95th percentile of frame powers). A simplified ITU-T P.56 active level, so pauses and
/// the silence around a clip do not make its speech look quieter than it is.
pub fn active_speech_power(speech: &[f32]) -> f64 {
    const FRAME: usize = 512;
    let mut powers: Vec<f64> = speech
        .chunks(FRAME)
        .filter(|c| c.len() == FRAME)
        .map(|c| c.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>() / FRAME as f64)
        .collect();
    if powers.is_empty() {
        return speech.iter().map(|&x| (x as f64).powi(2)).sum::<f64>()
            / speech.len().max(1) as f64;
    }
    let mut sorted = powers.clone();
    sorted.sort_by(f64::total_cmp);
    let loud = sorted[(sorted.len() - 1) * 95 / 100];
    powers.retain(|&p| p >= loud * 1e-3);
    powers.iter().sum::<f64>() / powers.len().max(1) as f64
}

/// The gain `g` that puts `g * noise` `snr_db` below the active speech power of `speech` (the noise
/// power is the mean square of all of `noise`; 0 for silent noise).
pub fn noise_gain(speech: &[f32], noise: &[f32], snr_db: f64) -> f32 {
    let pn = noise.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / noise.len().max(1) as f64;
    if pn > 0.0 {
        (active_speech_power(speech) / (pn * 10f64.powf(snr_db / 10.0))).sqrt() as f32
    } else {
        0.0
    }
}

/// `speech + g * noise` with `g` set so the active speech power over the noise power is `snr_db`.
/// The mix is as long as `speech` (missing noise counts as silence). Not clipped: the models take any
/// float, and a real microphone chain's gain control would keep it in range.
pub fn mix_at_snr(speech: &[f32], noise: &[f32], snr_db: f64) -> Vec<f32> {
    let noise = &noise[..speech.len().min(noise.len())];
    let g = noise_gain(speech, noise, snr_db);
    speech
        .iter()
        .enumerate()
        .map(|(i, &s)| s + g * noise.get(i).copied().unwrap_or(0.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noise_is_deterministic_unit_power_and_low_frequency() {
        let a = CabinNoise::new(7).take(32_000);
        assert_eq!(a, CabinNoise::new(7).take(32_000));
        assert_ne!(a, CabinNoise::new(8).take(32_000));
        let power = a.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / a.len() as f64;
        assert!((0.7..1.3).contains(&power), "power {power}");
        let low = CabinNoise::power_below(&a, 500.0);
        assert!(low > 0.8, "only {low:.2} of the power below 500 Hz");
    }

    #[test]
    fn mixing_hits_the_snr_over_active_speech() {
        // "speech": a 300 Hz tone for 1 s, then 1 s of silence (the silence must not count)
        // (whole 32 ms frames of each, so no frame is half tone, half silence)
        let mut speech: Vec<f32> = (0..16_384)
            .map(|i| 0.5 * (2.0 * PI * 300.0 * i as f64 / 16_000.0).sin() as f32)
            .collect();
        speech.extend(vec![0.0; 16_384]);
        let noise = CabinNoise::new(1).take(speech.len());
        let mixed = mix_at_snr(&speech, &noise, 10.0);
        let added: Vec<f32> = mixed.iter().zip(&speech).map(|(m, s)| m - s).collect();
        let pn = added.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / added.len() as f64;
        let snr = 10.0 * (0.125 / pn).log10(); // the tone's power is 0.5^2 / 2
        assert!((snr - 10.0).abs() < 0.05, "snr {snr}");
    }
}
