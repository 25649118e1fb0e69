//! The heart behind both signals: RR intervals with realistic variability.
//!
//! McSharry et al. (2003) generate the RR tachogram from a bimodal power spectrum: a low-frequency
//! peak at 0.1 Hz (Mayer waves, blood-pressure regulation) and a high-frequency peak at 0.25 Hz
//! (respiratory sinus arrhythmia), with an LF/HF power ratio, scaled to the set heart-rate standard
//! deviation. Their implementation draws the spectrum with random phases and inverse-FFTs it; here
//! the same spectrum is a sum of sinusoids with seeded random phases, which is identical in
//! distribution and can be evaluated at any instant — so the mean heart rate can follow a timeline
//! and the signal can be generated chunk by chunk.

use crate::rng::Rng;
use crate::scenario::Keyframes;
use std::f64::consts::TAU;

/// RR interval (seconds) as a function of time.
#[derive(Clone, Debug)]
pub struct HeartModel {
    heart_rate_bpm: Keyframes,
    hrv_std_bpm: f64,
    /// (amplitude, frequency Hz, phase) of a unit-variance process with the LF/HF spectrum.
    components: Vec<(f64, f64, f64)>,
}

impl HeartModel {
    pub fn new(
        heart_rate_bpm: Keyframes,
        hrv_std_bpm: f64,
        lf_hf_ratio: f64,
        respiration_hz: f64,
        seed: u64,
    ) -> Self {
        let mut rng = Rng::stream(seed, "rr_tachogram", 0);
        let (f1, f2, c1, c2) = (0.1, respiration_hz, 0.01, 0.01);
        let density = |f: f64| {
            let g = |mu: f64, s: f64| (-0.5 * ((f - mu) / s).powi(2)).exp() / (TAU * s * s).sqrt();
            lf_hf_ratio * g(f1, c1) + g(f2, c2)
        };
        let df = 0.002;
        let mut components: Vec<(f64, f64, f64)> = (1..=300)
            .map(|k| {
                let f = k as f64 * df;
                ((density(f) * df).sqrt(), f, rng.range(0.0, TAU))
            })
            .collect();
        // Components far from both peaks carry no power: drop them (the sum is evaluated often).
        let peak = components.iter().map(|c| c.0).fold(0.0, f64::max);
        components.retain(|c| c.0 > 1e-4 * peak);
        // Normalise to unit variance: var = sum(a^2) / 2.
        let var: f64 = components.iter().map(|c| c.0 * c.0 / 2.0).sum();
        let k = if var > 0.0 { 1.0 / var.sqrt() } else { 0.0 };
        for c in components.iter_mut() {
            c.0 *= k;
        }
        HeartModel {
            heart_rate_bpm,
            hrv_std_bpm,
            components,
        }
    }

    /// The mean heart rate the scenario sets at `t`.
    pub fn mean_bpm(&self, t: f64) -> f64 {
        self.heart_rate_bpm.at(t)
    }

    /// The RR interval in force at `t`, seconds.
    pub fn rr_s(&self, t: f64) -> f64 {
        let hr = self.mean_bpm(t).max(20.0);
        let x: f64 = self
            .components
            .iter()
            .map(|&(a, f, p)| a * (TAU * f * t + p).cos())
            .sum();
        // McSharry: rrstd = 60 * hrstd / hrmean^2.
        let rr = 60.0 / hr + 60.0 * self.hrv_std_bpm / (hr * hr) * x;
        rr.clamp(0.25, 2.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rr_follows_the_rate_with_the_set_variability() {
        let h = HeartModel::new(Keyframes::constant(60.0), 2.0, 0.5, 0.25, 1);
        let rr: Vec<f64> = (0..20_000).map(|i| h.rr_s(i as f64 * 0.05)).collect();
        let mean = rr.iter().sum::<f64>() / rr.len() as f64;
        let std = (rr.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / rr.len() as f64).sqrt();
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
        // rrstd = 60 * 2 / 3600 = 0.033 s
        assert!((std - 0.0333).abs() < 0.01, "{std}");
    }
}
