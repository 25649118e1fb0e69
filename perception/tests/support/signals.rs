//! Synthetic biometric signals with known heart rhythm, for tests and benchmarks.
//!
//! ECG: each beat is a sum of Gaussian P, Q, R, S and T waves placed relative to the R peak (the shape
//! model of McSharry et al. 2003, without its dynamics), plus baseline wander, mains hum and white noise.
//! PPG: each beat a systolic Gaussian 150 ms after the R peak plus a smaller dicrotic one.
#![allow(dead_code)]

use super::Rng;

/// R-peak times (seconds) for `seconds` of signal with the given RR intervals, repeated cyclically.
pub fn beat_times(rr: &[f64], seconds: f64) -> Vec<f64> {
    let mut t = 0.3;
    let mut out = Vec::new();
    let mut k = 0;
    while t < seconds {
        out.push(t);
        t += rr[k % rr.len()];
        k += 1;
    }
    out
}

fn gauss(t: f64, mu: f64, sigma: f64) -> f64 {
    (-(t - mu) * (t - mu) / (2.0 * sigma * sigma)).exp()
}

/// ECG in millivolts at `fs` Hz with R peaks at `beats`.
pub fn ecg(fs: f64, seconds: f64, beats: &[f64], noise_mv: f64, seed: u64) -> Vec<f32> {
    // (offset from R s, amplitude mV, width s): P, Q, R, S, T.
    const WAVES: [(f64, f64, f64); 5] = [
        (-0.20, 0.15, 0.025),
        (-0.03, -0.12, 0.010),
        (0.00, 1.20, 0.011),
        (0.035, -0.25, 0.010),
        (0.28, 0.30, 0.045),
    ];
    let mut rng = Rng(seed | 1);
    let n = (seconds * fs) as usize;
    let mut b = 0;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            while b + 1 < beats.len() && beats[b + 1] < t - 0.5 {
                b += 1;
            }
            let mut v = 0.0;
            for &r in beats[b..].iter().take(3) {
                for (off, amp, w) in WAVES {
                    v += amp * gauss(t, r + off, w);
                }
            }
            v += 0.15 * (2.0 * std::f64::consts::PI * 0.3 * t).sin(); // baseline wander (breathing)
            v += 0.02 * (2.0 * std::f64::consts::PI * 50.0 * t).sin(); // mains hum
            v += noise_mv * rng.normal();
            v as f32
        })
        .collect()
}

/// PPG (arbitrary units around 1.0) at `fs` Hz for heartbeats at `beats` (R-peak times).
pub fn ppg(fs: f64, seconds: f64, beats: &[f64], noise: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed | 1);
    let n = (seconds * fs) as usize;
    let mut b = 0;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            while b + 1 < beats.len() && beats[b + 1] < t - 1.0 {
                b += 1;
            }
            let mut v = 1.0;
            for &r in beats[b..].iter().take(3) {
                v += 0.5 * gauss(t, r + 0.15, 0.07) + 0.18 * gauss(t, r + 0.42, 0.09);
            }
            v += 0.05 * (2.0 * std::f64::consts::PI * 0.25 * t).sin();
            v += noise * rng.normal();
            v as f32
        })
        .collect()
}
