//! Synthetic biometric signals with known heart rhythm, for tests and benchmarks.
//!
//! ECG: each beat is a sum of Gaussian P, Q, R, S and T waves placed relative to the R peak (the shape
//! model of McSharry et al. 2003, without its dynamics), plus baseline wander, mains hum and white noise.
//! PPG: each beat a systolic Gaussian 150 ms after the R peak plus a smaller dicrotic one.
#![allow(dead_code)]

use super::Rng;
use cabin_bus::messages::{BiometricChunk, BiometricKind};

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

/// `samples` of `kind` at `fs` Hz cut into chunks of `per` samples, each with the time of its first sample.
pub fn chunks(
    kind: BiometricKind,
    fs: f64,
    samples: &[f32],
    per: usize,
) -> impl Iterator<Item = (f64, BiometricChunk)> + '_ {
    samples.chunks(per.max(1)).enumerate().map(move |(k, c)| {
        let chunk = BiometricChunk {
            kind,
            sample_rate_hz: fs as f32,
            samples: c.to_vec(),
        };
        ((k * per) as f64 / fs, chunk)
    })
}

fn gauss(t: f64, mu: f64, sigma: f64) -> f64 {
    (-(t - mu) * (t - mu) / (2.0 * sigma * sigma)).exp()
}

/// `seconds` of a signal at `fs` Hz: `beat(t, r)` summed over the three beats from the first R peak `r`
/// later than `t - reach_s`, plus `background(t)` and white noise of `noise` (reproducible from `seed`).
fn beat_signal(
    fs: f64,
    seconds: f64,
    beats: &[f64],
    reach_s: f64,
    beat: impl Fn(f64, f64) -> f64,
    background: impl Fn(f64) -> f64,
    (noise, seed): (f64, u64),
) -> Vec<f32> {
    let mut rng = Rng(seed | 1);
    let n = (seconds * fs) as usize;
    let mut b = 0;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            while b + 1 < beats.len() && beats[b + 1] < t - reach_s {
                b += 1;
            }
            let v: f64 = beats[b..].iter().take(3).map(|&r| beat(t, r)).sum();
            (v + background(t) + noise * rng.normal()) as f32
        })
        .collect()
}

fn sine(t: f64, hz: f64) -> f64 {
    (2.0 * std::f64::consts::PI * hz * t).sin()
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
    let waves = |t: f64, r: f64| {
        WAVES
            .iter()
            .map(|&(off, amp, w)| amp * gauss(t, r + off, w))
            .sum::<f64>()
    };
    // Baseline wander (breathing) and mains hum.
    let background = |t: f64| 0.15 * sine(t, 0.3) + 0.02 * sine(t, 50.0);
    beat_signal(fs, seconds, beats, 0.5, waves, background, (noise_mv, seed))
}

/// PPG (arbitrary units around 1.0) at `fs` Hz for heartbeats at `beats` (R-peak times): a systolic
/// wave 150 ms after the R peak and a dicrotic one.
pub fn ppg(fs: f64, seconds: f64, beats: &[f64], noise: f64, seed: u64) -> Vec<f32> {
    let pulse = |t: f64, r: f64| 0.5 * gauss(t, r + 0.15, 0.07) + 0.18 * gauss(t, r + 0.42, 0.09);
    let background = |t: f64| 1.0 + 0.05 * sine(t, 0.25);
    beat_signal(fs, seconds, beats, 1.0, pulse, background, (noise, seed))
}
